# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 两层网络的数值例子
#
# 这一章把种子文章 002《梯度下降和反向传播》里的 2-2-2 sigmoid 网络原样搬进 `micrograd_cn`：
# 同样的输入、同样的权重，逐个复现文章打印出来的数字（`h1_out`、`o1_out`、`o1_err`、
# `h1_err`、`d_w5`、`d_w1`），最后做一步梯度下降，看代价是否真的变小。
#
# 文章是手推 BP1–BP4 四个公式；这里我们只写**正向传播**，梯度全部交给 `backward()`。
# 每个显示数字的单元格都用 `assert` 和文章里的数字对照。

# %%
import math

from micrograd_cn import F, Value

# %% [markdown]
# ## 1. 初始化参数
#
# 输入 `i`、目标输出 `o`、8 个权重 `w1…w8` 和 4 个偏置 `b1…b4`，与文章完全一致。
# 权重和偏置是要求梯度的叶子节点，所以做成带标签的 `Value`；输入和目标只是普通的数。

# %%
i = [0.1, 0.2]
o = [0.01, 0.99]

w1, w2, w3, w4, w5, w6, w7, w8 = (
    Value(x, label=f"w{k}") for k, x in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 1)
)
b1, b2, b3, b4 = (Value(x, label=f"b{k}") for k, x in enumerate([0.55, 0.56, 0.66, 0.67], 1))
params = [w1, w2, w3, w4, w5, w6, w7, w8, b1, b2, b3, b4]
assert len(params) == 12
print("参数个数:", len(params))

# %% [markdown]
# ## 2. 正向传播
#
# 每个神经元先算加权和 $z = w \cdot a + b$，再过 sigmoid：$a = \sigma(z) = 1/(1+e^{-z})$。
# `F.dot(ws, xs, bias)` 把 $w \cdot x + b$ 做成**一个**节点（而不是一串二元加法）。
#
# 隐藏层 `h1`：文章打印 `h1_in = 0.6000000000000001`、`h1_out = 0.6456563062257954`。

# %%
h1_in = F.dot([w1, w2], i, b1)
h1_out = h1_in.sigmoid()
assert abs(h1_in.data - 0.6000000000000001) < 1e-15
assert abs(h1_out.data - 0.6456563062257954) < 1e-15
print(f"h1_in = {h1_in.data!r}, h1_out = {h1_out.data!r}")

# %% [markdown]
# 隐藏层 `h2`：文章打印 `h2_in = 0.67`、`h2_out = 0.6615031592029524`。

# %%
h2_in = F.dot([w3, w4], i, b2)
h2_out = h2_in.sigmoid()
assert abs(h2_in.data - 0.67) < 1e-15
assert abs(h2_out.data - 0.6615031592029524) < 1e-15
print(f"h2_in = {h2_in.data!r}, h2_out = {h2_out.data!r}")

# %% [markdown]
# 输出层 `o1`、`o2`：文章打印 `o1_in = 1.379730048634669`、`o1_out = 0.7989476413779711`、
# `o2_in = 1.6511619417204186`、`o2_out = 0.8390480283342561`。

# %%
o1_in = F.dot([w5, w6], [h1_out, h2_out], b3)
o1_out = o1_in.sigmoid()
o2_in = F.dot([w7, w8], [h1_out, h2_out], b4)
o2_out = o2_in.sigmoid()
assert abs(o1_in.data - 1.379730048634669) < 1e-15
assert abs(o1_out.data - 0.7989476413779711) < 1e-15
assert abs(o2_in.data - 1.6511619417204186) < 1e-15
assert abs(o2_out.data - 0.8390480283342561) < 1e-15
print(f"o1_out = {o1_out.data!r}, o2_out = {o2_out.data!r}")

# %% [markdown]
# 输出是 `[0.799, 0.839]`，而我们希望是 `[0.01, 0.99]`，所以要用反向传播来调整参数。

# %% [markdown]
# ## 3. 代价函数
#
# 文章的代价函数是 $C = \frac{1}{2}\sum_j (y_j - a_j)^2$
# （原文公式漏了平方，但它给出的导数 $\partial C / \partial a_j = a_j - y_j$ 正是带平方的版本）。
# 下面的对照值只用文章打印的两个输出算出。

# %%
C = 0.5 * ((o[0] - o1_out) ** 2 + (o[1] - o2_out) ** 2)
seed_C = 0.5 * ((0.01 - 0.7989476413779711) ** 2 + (0.99 - 0.8390480283342561) ** 2)
assert abs(C.data - seed_C) < 1e-15
print(f"C = {C.data!r}")

# %% [markdown]
# ## 4. 反向传播：一行 `backward()`
#
# 文章里的“误差” $\delta_j^l = \partial C / \partial z_j^l$
# 就是加权和节点 `h1_in`、`o1_in` 上的梯度；
# 权重的偏导（BP4）就是权重叶子节点上的 `.grad`。

# %%
C.backward()
assert C.grad == 1.0
print(f"dC/dC = {C.grad!r}")

# %% [markdown]
# 输出层误差（BP1）：$\delta^3_j = (a_j - y_j)\,a_j(1-a_j)$。
# 文章打印 `o1_err = 0.12672890240521031`、`o2_err = -0.020385525551585255`。

# %%
o1_err, o2_err = o1_in.grad, o2_in.grad
assert abs(o1_err - 0.12672890240521031) < 1e-15
assert abs(o2_err - (-0.020385525551585255)) < 1e-15
print(f"o1_err = {o1_err!r}, o2_err = {o2_err!r}")

# %% [markdown]
# 隐藏层误差（BP2）：$\delta^2_1 = (w_5\,\delta^3_1 + w_7\,\delta^3_2)\,a_1(1-a_1)$。
# 文章打印 `h1_err = 0.011232066954600498`、`h2_err = 0.013374304651329562`。

# %%
h1_err, h2_err = h1_in.grad, h2_in.grad
assert abs(h1_err - 0.011232066954600498) < 1e-15
assert abs(h2_err - 0.013374304651329562) < 1e-15
print(f"h1_err = {h1_err!r}, h2_err = {h2_err!r}")

# %% [markdown]
# 权重的偏导（BP4）：$\partial C/\partial w_5 = a^2_1\,\delta^3_1$，
# $\partial C/\partial w_1 = i_1\,\delta^2_1$。
# 文章打印 `d_w5 = 0.08182331501899741`、`d_w1 = 0.0011232066954600499`。

# %%
assert abs(w5.grad - 0.08182331501899741) < 1e-15
assert abs(w1.grad - 0.0011232066954600499) < 1e-15
print(f"d_w5 = {w5.grad!r}, d_w1 = {w1.grad!r}")

# %% [markdown]
# 偏置的偏导（BP3）就是误差本身：$\partial C / \partial b_j^l = \delta_j^l$。

# %%
assert b1.grad == h1_err and b2.grad == h2_err
assert b3.grad == o1_err and b4.grad == o2_err
print({b.label: b.grad for b in (b1, b2, b3, b4)})

# %% [markdown]
# ## 5. 独立核对：有限差分
#
# 种子文章只打印了部分梯度。其余 10 个参数用**中心差分**核对：把参数挪动 $\pm\varepsilon$，
# 只用普通浮点数重算代价（完全不经过 `Value`）：
# $\frac{C(p+\varepsilon)-C(p-\varepsilon)}{2\varepsilon}$。


# %%
def cost_from_floats(p):
    """The same network on plain floats: p = [w1..w8, b1..b4]."""

    def sigmoid(z):
        return 1.0 / (1.0 + math.exp(-z))

    h1 = sigmoid(p[0] * i[0] + p[1] * i[1] + p[8])
    h2 = sigmoid(p[2] * i[0] + p[3] * i[1] + p[9])
    a1 = sigmoid(p[4] * h1 + p[5] * h2 + p[10])
    a2 = sigmoid(p[6] * h1 + p[7] * h2 + p[11])
    return 0.5 * ((o[0] - a1) ** 2 + (o[1] - a2) ** 2)


eps = 1e-6
p0 = [v.data for v in params]
numeric = []
for k in range(len(p0)):
    up, down = list(p0), list(p0)
    up[k] += eps
    down[k] -= eps
    numeric.append((cost_from_floats(up) - cost_from_floats(down)) / (2 * eps))

assert abs(cost_from_floats(p0) - C.data) < 1e-15
for v, n in zip(params, numeric, strict=True):
    assert abs(v.grad - n) < 1e-9, (v.label, v.grad, n)
for v, n in zip(params, numeric, strict=True):
    print(f"{v.label:>3}  backward {v.grad: .10f}   有限差分 {n: .10f}")

# %% [markdown]
# ## 6. 一步梯度下降
#
# 更新规则（文章“梯度下降”一节）：$\omega \to \omega' = \omega - \eta\,\nabla C$，
# 学习率取 $\eta = 0.5$。
# 更新参数时不需要记录计算图，所以直接改 `.data`。

# %%
lr = 0.5
for v in params:
    v.data -= lr * v.grad
assert abs(w5.data - (0.5 - lr * 0.08182331501899741)) < 1e-15
assert abs(w1.data - (0.1 - lr * 0.0011232066954600499)) < 1e-15
print(f"w5 = {w5.data!r}, w1 = {w1.data!r}")

# %% [markdown]
# 用新参数重新做一次正向传播。一阶泰勒展开预言代价大约下降 $\eta\,\lVert\nabla C\rVert^2$。


# %%
def forward(inputs):
    h = [F.dot([w1, w2], inputs, b1).sigmoid(), F.dot([w3, w4], inputs, b2).sigmoid()]
    return [F.dot([w5, w6], h, b3).sigmoid(), F.dot([w7, w8], h, b4).sigmoid()]


a1, a2 = forward(i)
C_new = 0.5 * ((o[0] - a1) ** 2 + (o[1] - a2) ** 2)
predicted_drop = lr * sum(g * g for g in numeric)
actual_drop = C.data - C_new.data
assert abs(C_new.data - cost_from_floats([v.data for v in params])) < 1e-15
assert C_new.data < C.data
assert abs(actual_drop - predicted_drop) < 0.1 * predicted_drop
print(f"C: {C.data:.6f} -> {C_new.data:.6f}")
print(f"实际下降 {actual_drop:.6f}, 一阶预言 {predicted_drop:.6f}")

# %% [markdown]
# 代价从约 0.3226 降到了约 0.3069（下降约 0.0158），与一阶近似预言的 0.0154 相差不到 10%。
# 反复执行“正向 → `backward()` → 更新”，就是训练（见第 05 章）。
#
# **小结**
# - 种子文章手推的 BP1–BP4，和 `backward()` 自动算出的梯度逐位相同；
# - “误差” $\delta$ 就是加权和节点上的梯度，偏置的梯度等于误差；
# - 梯度下降沿负梯度走一小步，代价按一阶近似下降。
