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
# # 03 激活函数与损失层
#
# 本章跟随文章《反向传播算法》（它把网络拆成一个个“层”，给出六种激活函数和三种代价函数），
# 再加上《误差反向传播法·计算图》里的 Softmax-with-Loss 层。前两章的运算都是加减乘；
# 神经网络还需要**激活函数**（让网络能表示非线性的关系）和**损失函数**（衡量预测错了多少）。
# 本章：
#
# 1. 六种激活函数，以及用**输出值** $y$ 表示的导数；
# 2. Softmax + 交叉熵，梯度恰好是 $y - t$；
# 3. 为什么 softmax 要先减去最大值（`safe_exp`）；
# 4. Sigmoid 配 MSE 会梯度消失，配交叉熵就不会。

# %%
import math

from micrograd_cn import F, Value, losses
from micrograd_cn.exercises import check_op

# %%
# isort: split
# 画图用 matplotlib：这一格和画图的格子只负责画图，别的格子不依赖它们算出的东西
import matplotlib.pyplot as plt

from micrograd_cn.plot import use_chinese_font

cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 六种激活函数
#
# 《反向传播算法》一文的一个要点：很多激活函数的导数用**函数值** $y = \phi(x)$ 表示比用自变量 $x$
# 更简单；正向时 $y$ 已经算好并保存了，反向时直接拿来用，不必再算一次 $e^x$。
#
# | 激活函数 | $y = \phi(x)$ | 导数（用 $y$ 表示） |
# |---|---|---|
# | Sigmoid | $1/(1+e^{-x})$ | $y(1-y)$ |
# | Tanh | $\tanh x$ | $1-y^2$ |
# | ReLU | $\max(0, x)$ | $y>0$ 时 1，否则 0 |
# | ELU | $x$（$x>0$），$\alpha(e^x-1)$（$x\le0$） | $y>0$ 时 1，否则 $y+\alpha$ |
# | Softplus | $\ln(1+e^x)$ | $1-e^{-y}$ |
# | Identity | $x$ | 1 |
#
# 下面对每个激活函数，在 $[-4, 4]$ 上取 81 个点，用 `backward()` 求导，再与表中的公式对照。

# %%
ACTIVATIONS = {
    "Sigmoid": (Value.sigmoid, lambda y: y * (1 - y)),
    "Tanh": (Value.tanh, lambda y: 1 - y * y),
    "ReLU": (Value.relu, lambda y: 1.0 if y > 0 else 0.0),
    "ELU": (Value.elu, lambda y: 1.0 if y > 0 else y + 1.0),  # alpha = 1
    "Softplus": (Value.softplus, lambda y: 1 - math.exp(-y)),
    "Identity": (lambda v: v * 1.0, lambda y: 1.0),
}
xs = [k / 10 for k in range(-40, 41)]
curves = {}
for name, (activation, derivative_from_output) in ACTIVATIONS.items():
    ys, grads = [], []
    for x0 in xs:
        v = Value(x0)
        out = activation(v)
        out.backward()
        ys.append(out.data)
        grads.append(v.grad)
        assert abs(v.grad - derivative_from_output(out.data)) < 1e-12, (name, x0)
    curves[name] = (ys, grads)
print("六种激活函数在 81 个点上全部与输出形式的导数一致")

# %%
fig, axes = plt.subplots(2, 3, figsize=(10, 5.5), sharex=True)
for ax, (name, (ys, grads)) in zip(axes.flat, curves.items(), strict=True):
    ax.plot(xs, ys, label="φ(x)")
    ax.plot(xs, grads, "--", label="φ'(x)（backward）")
    ax.axhline(0, color="#999", lw=0.5)
    ax.set_title(name)
fig.suptitle("六种激活函数（实线）与 backward 算出的导数（虚线）")
axes[0, 0].legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()
assert max(curves["Sigmoid"][1]) == 0.25  # sigmoid 的导数最大为 1/4（在 x = 0）
assert max(curves["Tanh"][1]) == 1.0

# %% [markdown]
# ## 2. Softmax 与交叉熵：梯度是 $y - t$
#
# 分类问题里，模型对每个类别给出一个分数 $x_i$。Softmax 把分数变成概率
# $y_i = e^{x_i}/\sum_j e^{x_j}$；交叉熵 $L = -\sum_i t_i \ln y_i$ 衡量正确答案（独热向量 $t$）
# 分到的概率有多低。两者合在一起，对分数的梯度化简成非常简单的
# $\frac{\partial L}{\partial x_i} = y_i - t_i$：预测的概率减去正确答案。

# %%
scores = [Value(0.3, label="x0"), Value(2.9, label="x1"), Value(4.0, label="x2")]
target = 2
loss = losses.cross_entropy(scores, target)
loss.backward()

# 闭式解：只用 math
exps = [math.exp(s) for s in (0.3, 2.9, 4.0)]
probs = [e / sum(exps) for e in exps]
onehot = [0.0, 0.0, 1.0]
print(f"损失 {loss.data:.6f}")
print("梯度    ", [round(v.grad, 6) for v in scores])
print("y - t   ", [round(p - t, 6) for p, t in zip(probs, onehot, strict=True)])
assert abs(loss.data - (-math.log(probs[target]))) < 1e-12
assert all(abs(v.grad - (p - t)) < 1e-12 for v, p, t in zip(scores, probs, onehot, strict=True))

# %% [markdown]
# 《误差反向传播法·计算图》里的 Softmax-with-Loss 层一次处理一批样本，返回的梯度是
# $(y - t)/N$（$N$ 是这批的样本数），因为损失取的是这批样本的平均；它还在 $\ln$ 里加了
# $10^{-7}$，防止概率为 0 时出现 $\ln 0$。取平均这一点用 `Value` 看得很清楚：
# 两个样本的平均损失，每个分数的梯度正好是各自 $y - t$ 的一半。

# %%
batch = [[Value(0.3), Value(2.9), Value(4.0)], [Value(1.0), Value(-1.0), Value(0.5)]]
targets = [2, 0]
mean_loss = F.mean([losses.cross_entropy(row, k) for row, k in zip(batch, targets, strict=True)])
mean_loss.backward()
second = [math.exp(v) / sum(math.exp(u) for u in (1.0, -1.0, 0.5)) for v in (1.0, -1.0, 0.5)]
print("第二个样本的梯度", [round(v.grad, 6) for v in batch[1]])
assert all(abs(v.grad - (p - t) / 2) < 1e-12 for v, p, t in zip(batch[1], second, [1, 0, 0]))
assert all(abs(v.grad - (p - t) / 2) < 1e-12 for v, p, t in zip(batch[0], probs, onehot))

# %% [markdown]
# ## 3. 为什么 softmax 要先减去最大值
#
# $e^x$ 长得极快：$x = 1000$ 时已经超出了浮点数的范围。《反向传播算法》一文的办法是利用恒等式
# $\frac{e^{x_i}}{\sum_j e^{x_j}} = \frac{e^{x_i - C}}{\sum_j e^{x_j - C}}$，
# 取 $C = \max_j x_j$：分子分母同时除以 $e^C$，结果不变，而所有指数都不大于 0，不会溢出。
# 直接算 $e^{1000}$ 会溢出：

# %%
try:
    Value(1000.0).exp()
    overflow = None
except OverflowError as error:
    overflow = error
print("直接计算:", overflow)
assert overflow is not None and "exp" in str(overflow)

# %% [markdown]
# `F.softmax` 先减去最大值，所以分数再大也没问题；结果与平移后的分数完全相同。

# %%
big = F.softmax([Value(1000.0), Value(1000.5), Value(999.0)])
small = F.softmax([Value(0.0), Value(0.5), Value(-1.0)])
closed = [math.exp(s) / sum(math.exp(u) for u in (0.0, 0.5, -1.0)) for s in (0.0, 0.5, -1.0)]
print("softmax([1000, 1000.5, 999]) =", [round(p.data, 6) for p in big])
assert all(abs(p.data - c) < 1e-12 for p, c in zip(big, closed, strict=True))
assert all(abs(p.data - c) < 1e-12 for p, c in zip(small, closed, strict=True))

# %% [markdown]
# ## 4. Sigmoid 配 MSE：饱和时梯度消失
#
# 《反向传播算法》一文指出的一个现象：若输出 $a = \sigma(z) \approx 0$ 而真值 $y = 1$，
# 预测错得几乎不能再错，但均方误差 $\frac12(y-a)^2$ 对 $z$ 的梯度是
# $(a-y)\,\sigma'(z) = (a-y)\,a(1-a) \approx 0$，参数几乎不动：sigmoid 饱和了，把梯度“吃掉”了。
# 交叉熵 $-[y\ln a + (1-y)\ln(1-a)]$ 对 $z$ 的梯度是 $a - y$，$a(1-a)$ 这个因子正好约掉。


# %%
def grad_wrt_logit(loss_of_probability, z0, y=1.0):
    z = Value(z0)
    loss_of_probability(z.sigmoid(), y).backward()
    return z.grad


def half_mse(a, y):  # 1/2 (y - a)^2
    return 0.5 * (y - a) ** 2


z0 = -5.0
a0 = 1 / (1 + math.exp(-z0))
g_mse = grad_wrt_logit(half_mse, z0)
g_ce = grad_wrt_logit(losses.binary_cross_entropy, z0)
print(f"z = {z0}: a = {a0:.4f}，MSE 的梯度 {g_mse:.5f}，交叉熵的梯度 {g_ce:.5f}")
assert abs(g_mse - (a0 - 1) * a0 * (1 - a0)) < 1e-15 and abs(g_ce - (a0 - 1)) < 1e-9

# %% [markdown]
# `losses.mse_loss` 用的是 PyTorch 的形式 $(a-y)^2$（没有 $\frac12$），梯度正好是上面的 2 倍：

# %%
g_torch_form = grad_wrt_logit(losses.mse_loss, z0)
print(f"mse_loss 的梯度 {g_torch_form:.5f} = 2 × {g_mse:.5f}")
assert abs(g_torch_form - 2 * g_mse) < 1e-15

# %% [markdown]
# 把 $z$ 从 -8 扫到 8（真值 $y = 1$），看两种损失对 $z$ 的梯度大小：

# %%
zs = [k / 4 for k in range(-32, 33)]
mse_grads = [abs(grad_wrt_logit(half_mse, z)) for z in zs]
ce_grads = [abs(grad_wrt_logit(losses.binary_cross_entropy, z)) for z in zs]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(zs, mse_grads, label="Sigmoid + MSE：|(a−y)·a(1−a)|")
ax.plot(zs, ce_grads, label="Sigmoid + 交叉熵：|a−y|")
ax.set_xlabel("z（sigmoid 的输入），真值 y = 1")
ax.set_ylabel("|∂L/∂z|")
ax.set_title("错得越离谱，MSE 的梯度反而越小")
ax.legend()
plt.show()
print(f"z = -8: MSE {mse_grads[0]:.2e}，交叉熵 {ce_grads[0]:.4f}")
assert mse_grads[0] < 1e-3 and ce_grads[0] > 0.999  # z = -8：错得离谱
assert max(mse_grads) < 0.16  # (1-a)·a(1-a) 的最大值 4/27 ≈ 0.148

# %% [markdown]
# ## 5. SVM（hinge）损失
#
# 《反向传播算法》一文的第三种代价函数是 SVM 损失。
# `losses.hinge_loss` 是 micrograd 演示里的最大间隔损失
# $\max(0, 1 - y s)$（标签 $y = \pm1$）：分对且间隔超过 1 的样本损失为 0、梯度为 0；
# 其余样本的梯度是 $-y$（取平均后再除以样本数）。

# %%
svm_scores = [Value(2.5), Value(0.3), Value(-0.4)]
labels = [1, 1, 1]
hinge = losses.hinge_loss(svm_scores, labels)
hinge.backward()
print(f"hinge = {hinge.data:.4f}，梯度 {[round(v.grad, 4) for v in svm_scores]}")
assert abs(hinge.data - (0.0 + 0.7 + 1.4) / 3) < 1e-12
assert [v.grad for v in svm_scores] == [0.0, -1 / 3, -1 / 3]

# %% [markdown]
# **小结**
# - 六种激活函数的导数都能用输出 $y$ 表示，`backward()` 的结果与这些公式逐点一致；
# - Softmax + 交叉熵对分数的梯度是 $y - t$（一批样本取平均时再除以样本数）；
# - softmax 先减去最大值，数学上不变，数值上不溢出；
# - Sigmoid 配 MSE 在饱和区梯度消失，配交叉熵时梯度是 $a - y$，不会消失。
#
# ## 练习
#
# 两个练习的写法和第 00 章一样：单元格里已经写好了正向计算和“把闭包挂到结果上”，
# 把闭包里 `raise NotImplementedError(...)` 那一行换成你的代码，运行它，再运行下面的检查格。
#
# **练习 1：sigmoid `sigmoid(x)`。** 一个输入 `x`，输出 $y = 1/(1+e^{-x})$，
# 正向时已经算好放在 `y` 里。闭包要做的事：按链式法则把梯度送给 `x`（上游梯度在 `out.grad` 里）。
#
# <details><summary>提示 1：局部导数</summary>
#
# 第 1 节的表：sigmoid 的导数用输出表示是 $y(1-y)$。这里的 $y$ 是正向算好的输出 `y`，
# 不是输入 `x.data`。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# `x.grad += 局部导数 * out.grad`。
#
# </details>


# %% tags=["exercise-sigmoid"]
def sigmoid(x):
    y = 1 / (1 + math.exp(-x.data))
    out = Value(y, (x,), "sigmoid")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(sigmoid)

# %% [markdown]
# **练习 2：softplus `softplus(x)`。** 一个输入 `x`，输出 $y = \ln(1 + e^x)$（ReLU 的光滑版本），
# 正向时已经算好放在 `y` 里。闭包要做的事同上。
#
# <details><summary>提示 1：局部导数</summary>
#
# 第 1 节的表：用输出表示是 $1 - e^{-y}$（它正好等于 sigmoid$(x)$）。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# `x.grad += 局部导数 * out.grad`，局部导数用 `math.exp(-y)` 写。
#
# </details>


# %% tags=["exercise-softplus"]
def softplus(x):
    y = math.log1p(math.exp(x.data))
    out = Value(y, (x,), "softplus")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(softplus)
