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
# 文章《梯度下降和反向传播》的后半部分用一个很小的网络把反向传播算到了每一个数：
# 2 个输入、2 个隐藏神经元、2 个输出，全部用 sigmoid 激活（2-2-2 网络）。
# 这一章用同样的输入和权重在 `micrograd_cn` 里搭出这个网络，逐个得到文章打印出来的数字
# （`h1_out`、`o1_out`、`o1_err`、`h1_err`、`d_w5`、`d_w1`），
# 最后做一步梯度下降，看代价是否真的变小。
#
# 文章是手推四个反向传播公式（BP1–BP4）；这里我们只写**正向传播**，梯度全部交给 `backward()`，
# 再看这些梯度和公式里的量是怎样一一对应的。

# %%
from micrograd_cn import F, Value
from micrograd_cn.gradcheck import numerical_grad

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
print("参数个数:", len(params))
assert len(params) == 12

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
print(f"h1_in = {h1_in.data!r}, h1_out = {h1_out.data!r}")
assert h1_in.data == 0.6000000000000001 and h1_out.data == 0.6456563062257954

# %% [markdown]
# 隐藏层 `h2`：文章打印 `h2_in = 0.67`、`h2_out = 0.6615031592029524`。

# %%
h2_in = F.dot([w3, w4], i, b2)
h2_out = h2_in.sigmoid()
print(f"h2_in = {h2_in.data!r}, h2_out = {h2_out.data!r}")
assert abs(h2_in.data - 0.67) < 1e-15 and abs(h2_out.data - 0.6615031592029524) < 1e-15

# %% [markdown]
# 输出层 `o1`、`o2`：文章打印 `o1_in = 1.379730048634669`、`o1_out = 0.7989476413779711`、
# `o2_in = 1.6511619417204186`、`o2_out = 0.8390480283342561`。

# %%
o1_in = F.dot([w5, w6], [h1_out, h2_out], b3)
o1_out = o1_in.sigmoid()
o2_in = F.dot([w7, w8], [h1_out, h2_out], b4)
o2_out = o2_in.sigmoid()
print(f"o1_out = {o1_out.data!r}, o2_out = {o2_out.data!r}")
assert abs(o1_in.data - 1.379730048634669) < 1e-15 and abs(o2_in.data - 1.6511619417204186) < 1e-15
assert abs(o1_out.data - 0.7989476413779711) < 1e-15
assert abs(o2_out.data - 0.8390480283342561) < 1e-15

# %% [markdown]
# 输出是 `[0.799, 0.839]`，而我们希望是 `[0.01, 0.99]`，所以要用反向传播来调整参数。

# %% [markdown]
# ## 3. 代价函数
#
# 文章的代价函数是 $C = \frac{1}{2}\sum_j (y_j - a_j)^2$
# （原文公式漏了平方，但它给出的导数 $\partial C / \partial a_j = a_j - y_j$ 正是带平方的版本）。
# 对照值用文章打印的两个输出直接算出。

# %%
C = 0.5 * ((o[0] - o1_out) ** 2 + (o[1] - o2_out) ** 2)
print(f"C = {C.data!r}")
from_printed = 0.5 * ((0.01 - 0.7989476413779711) ** 2 + (0.99 - 0.8390480283342561) ** 2)
assert abs(C.data - from_printed) < 1e-15

# %% [markdown]
# ## 4. 反向传播：一行 `backward()`
#
# 文章里的“误差” $\delta_j^l = \partial C / \partial z_j^l$
# 就是加权和节点 `h1_in`、`o1_in` 上的梯度；
# 权重的偏导（BP4）就是权重叶子节点上的 `.grad`。

# %%
C.backward()
print(f"dC/dC = {C.grad!r}")
assert C.grad == 1.0

# %% [markdown]
# 输出层误差（BP1）：$\delta^3_j = (a_j - y_j)\,a_j(1-a_j)$。
# 文章打印 `o1_err = 0.12672890240521031`、`o2_err = -0.020385525551585255`。

# %%
o1_err, o2_err = o1_in.grad, o2_in.grad
print(f"o1_err = {o1_err!r}, o2_err = {o2_err!r}")
assert abs(o1_err - 0.12672890240521031) < 1e-15 and abs(o2_err + 0.020385525551585255) < 1e-15

# %% [markdown]
# 隐藏层误差（BP2）：$\delta^2_1 = (w_5\,\delta^3_1 + w_7\,\delta^3_2)\,a_1(1-a_1)$。
# 文章打印 `h1_err = 0.011232066954600498`、`h2_err = 0.013374304651329562`。

# %%
h1_err, h2_err = h1_in.grad, h2_in.grad
print(f"h1_err = {h1_err!r}, h2_err = {h2_err!r}")
assert abs(h1_err - 0.011232066954600498) < 1e-15 and abs(h2_err - 0.013374304651329562) < 1e-15

# %% [markdown]
# 权重的偏导（BP4）：$\partial C/\partial w_5 = a^2_1\,\delta^3_1$，
# $\partial C/\partial w_1 = i_1\,\delta^2_1$。
# 文章打印 `d_w5 = 0.08182331501899741`、`d_w1 = 0.0011232066954600499`。

# %%
print(f"d_w5 = {w5.grad!r}, d_w1 = {w1.grad!r}")
assert abs(w5.grad - 0.08182331501899741) < 1e-15 and abs(w1.grad - 0.0011232066954600499) < 1e-15

# %% [markdown]
# 偏置的偏导（BP3）就是误差本身：$\partial C / \partial b_j^l = \delta_j^l$。

# %%
print({b.label: b.grad for b in (b1, b2, b3, b4)})
assert (b1.grad, b2.grad, b3.grad, b4.grad) == (h1_err, h2_err, o1_err, o2_err)

# %% [markdown]
# ## 5. 独立核对：有限差分
#
# 文章只打印了一部分梯度。其余的参数用第 00 章“推一推”的办法核对：`numerical_grad`
# 把每个参数分别挪动 $\pm\varepsilon$，重新做两次正向计算，
# $\frac{C(p+\varepsilon)-C(p-\varepsilon)}{2\varepsilon}$，完全不经过反向传播。


# %%
def cost(p):
    """The network's cost for parameters p = [w1..w8, b1..b4] (inputs i, targets o)."""
    h = [F.dot(p[0:2], i, p[8]).sigmoid(), F.dot(p[2:4], i, p[9]).sigmoid()]
    a = [F.dot(p[4:6], h, p[10]).sigmoid(), F.dot(p[6:8], h, p[11]).sigmoid()]
    return 0.5 * ((o[0] - a[0]) ** 2 + (o[1] - a[1]) ** 2)


numeric = numerical_grad(cost, [v.data for v in params])
for v, n in zip(params, numeric, strict=True):
    print(f"{v.label:>3}  backward {v.grad: .10f}   有限差分 {n: .10f}")
assert all(abs(v.grad - n) < 1e-9 for v, n in zip(params, numeric, strict=True))

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
print(f"w5 = {w5.data!r}, w1 = {w1.data!r}")
assert abs(w5.data - (0.5 - lr * 0.08182331501899741)) < 1e-15

# %% [markdown]
# 用新参数重新做一次正向传播。一阶泰勒展开预言代价大约下降 $\eta\,\lVert\nabla C\rVert^2$。

# %%
C_new = cost(params)
predicted_drop = lr * sum(g * g for g in numeric)
actual_drop = C.data - C_new.data
print(f"C: {C.data:.6f} -> {C_new.data:.6f}")
print(f"实际下降 {actual_drop:.6f}, 一阶预言 {predicted_drop:.6f}")
assert C_new.data < C.data and abs(actual_drop - predicted_drop) < 0.1 * predicted_drop

# %% [markdown]
# 代价从约 0.3226 降到了约 0.3069（下降约 0.0158），与一阶近似预言的 0.0154 相差不到 10%。
# 反复执行“正向 → `backward()` → 更新”，就是训练（见第 05 章）。
#
# **小结**
# - 文章手推的 BP1–BP4，和 `backward()` 自动算出的梯度逐位相同；
# - “误差” $\delta$ 就是加权和节点上的梯度，偏置的梯度等于误差；
# - 梯度下降沿负梯度走一小步，代价按一阶近似下降。
