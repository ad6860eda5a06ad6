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
# 本章对应种子文章 003《反向传播算法》和 000 里的 Softmax-with-Loss 层：
#
# 1. 六种激活函数，以及用**输出值** $y$ 表示的导数；
# 2. Softmax + 交叉熵，梯度恰好是 $y - t$；
# 3. 为什么 softmax 要先减去最大值（`safe_exp`）；
# 4. Sigmoid 配 MSE 会梯度消失，配交叉熵就不会。

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from micrograd_cn import F, Value, losses
from micrograd_cn.plot import use_chinese_font

cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 六种激活函数
#
# 文章指出：很多激活函数的导数用**函数值** $y = \phi(x)$ 表示比用自变量 $x$ 更简单，
# 所以它的 `derivative(y)` 接收的是输出：
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
# Softmax 把一组分数 $x$ 变成概率 $y_i = e^{x_i}/\sum_j e^{x_j}$；交叉熵 $L = -\sum_i t_i \ln y_i$。
# 两者合在一起，对分数的梯度化简为 $\frac{\partial L}{\partial x_i} = y_i - t_i$，这就是种子文章
# 000 中 `SoftmaxWithLoss.backward` 返回 `(self.y - self.t) / batch_size` 的原因。

# %%
scores = [Value(0.3, label="x0"), Value(2.9, label="x1"), Value(4.0, label="x2")]
target = 2
loss = losses.cross_entropy(scores, target)
loss.backward()

# 闭式解：只用 math
exps = [math.exp(s) for s in (0.3, 2.9, 4.0)]
probs = [e / sum(exps) for e in exps]
onehot = [0.0, 0.0, 1.0]
assert abs(loss.data - (-math.log(probs[target]))) < 1e-12
for s, p, t in zip(scores, probs, onehot, strict=True):
    assert abs(s.grad - (p - t)) < 1e-12
print(f"损失 {loss.data:.6f}")
print("梯度    ", [round(s.grad, 6) for s in scores])
print("y - t   ", [round(p - t, 6) for p, t in zip(probs, onehot, strict=True)])

# %% [markdown]
# 与种子文章 000 的 NumPy 实现对照（代码照抄，只整理了格式；`backforward` 是原文的拼写）。
# 原文在 `log` 里加了 `1e-7` 防止 $\ln 0$，所以损失相差约 $10^{-7}$，梯度完全一致。


# %%
class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def softmax(self, x):
        if x.ndim == 2:
            x = x.T
            x = x - np.max(x, axis=0)
            y = np.exp(x) / np.sum(np.exp(x), axis=0)
            return y.T
        x = x - np.max(x)
        return np.exp(x) / np.sum(np.exp(x))

    def cross_entropy_error(self, y, t):
        if y.ndim == 1:
            t = t.reshape(1, t.size)
            y = y.reshape(1, y.size)
        if t.size == y.size:
            t = t.argmax(axis=1)
        batch_size = y.shape[0]
        return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size

    def forward(self, x, t):
        self.t = t
        self.y = self.softmax(x)
        self.loss = self.cross_entropy_error(self.y, self.t)
        return self.loss

    def backforward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


layer = SoftmaxWithLoss()
seed_loss = layer.forward(np.array([[0.3, 2.9, 4.0]]), np.array([[0.0, 0.0, 1.0]]))
seed_grad = layer.backforward()[0]
assert abs(seed_loss - loss.data) < 1e-6
assert all(abs(g - s.grad) < 1e-12 for g, s in zip(seed_grad, scores, strict=True))
print(f"种子实现: 损失 {seed_loss:.6f}，梯度 {[round(float(g), 6) for g in seed_grad]}")

# %% [markdown]
# ## 3. 为什么 softmax 要先减去最大值
#
# 文章的 `safe_exp` 利用恒等式
# $\frac{e^{x_i}}{\sum_j e^{x_j}} = \frac{e^{x_i - C}}{\sum_j e^{x_j - C}}$，
# 取 $C = \max_j x_j$，于是所有指数都不大于 0，不会溢出。直接算 $e^{1000}$ 会溢出：

# %%
try:
    Value(1000.0).exp()
    overflow = None
except OverflowError as error:
    overflow = error
assert overflow is not None and "exp" in str(overflow)
print("直接计算:", overflow)

# %% [markdown]
# `F.softmax` 先减去最大值，所以分数再大也没问题；结果与平移后的分数完全相同。

# %%
big = F.softmax([Value(1000.0), Value(1000.5), Value(999.0)])
small = F.softmax([Value(0.0), Value(0.5), Value(-1.0)])
closed = [math.exp(s) / sum(math.exp(u) for u in (0.0, 0.5, -1.0)) for s in (0.0, 0.5, -1.0)]
for p, q, c in zip(big, small, closed, strict=True):
    assert abs(p.data - c) < 1e-12 and abs(q.data - c) < 1e-12
assert abs(sum(p.data for p in big) - 1) < 1e-12
print("softmax([1000, 1000.5, 999]) =", [round(p.data, 6) for p in big])

# %% [markdown]
# ## 4. Sigmoid 配 MSE：饱和时梯度消失
#
# 文章：若输出 $a = \sigma(z) \approx 0$ 而真值 $y = 1$，误差几乎最大，但
# MSE（文章的形式 $\frac12(y-a)^2$）对 $z$ 的梯度是 $(a-y)\,\sigma'(z) = (a-y)\,a(1-a) \approx 0$，
# 参数几乎不更新。交叉熵 $-[y\ln a + (1-y)\ln(1-a)]$ 对 $z$ 的梯度是 $a - y$，
# 分母里的 $a(1-a)$ 正好约掉。


# %%
def grad_wrt_logit(loss_of_probability, z0, y=1.0):
    z = Value(z0)
    loss_of_probability(z.sigmoid(), y).backward()
    return z.grad


def seed_mse(a, y):  # 文章的 1/2 (y - a)^2
    return 0.5 * (y - a) ** 2


z0 = -5.0
a0 = 1 / (1 + math.exp(-z0))
g_mse = grad_wrt_logit(seed_mse, z0)
g_ce = grad_wrt_logit(losses.binary_cross_entropy, z0)
assert abs(g_mse - (a0 - 1) * a0 * (1 - a0)) < 1e-15
assert abs(g_ce - (a0 - 1)) < 1e-9
print(f"z = {z0}: a = {a0:.4f}，MSE 的梯度 {g_mse:.5f}，交叉熵的梯度 {g_ce:.5f}")

# %% [markdown]
# `losses.mse_loss` 用的是 PyTorch 的形式 $(a-y)^2$（没有 $\frac12$），梯度正好是文章形式的 2 倍：

# %%
g_torch_form = grad_wrt_logit(losses.mse_loss, z0)
assert abs(g_torch_form - 2 * g_mse) < 1e-15
print(f"mse_loss 的梯度 {g_torch_form:.5f} = 2 × {g_mse:.5f}")

# %% [markdown]
# 把 $z$ 从 -8 扫到 8（真值 $y = 1$），看两种损失对 $z$ 的梯度大小：

# %%
zs = [k / 4 for k in range(-32, 33)]
mse_grads = [abs(grad_wrt_logit(seed_mse, z)) for z in zs]
ce_grads = [abs(grad_wrt_logit(losses.binary_cross_entropy, z)) for z in zs]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(zs, mse_grads, label="Sigmoid + MSE：|(a−y)·a(1−a)|")
ax.plot(zs, ce_grads, label="Sigmoid + 交叉熵：|a−y|")
ax.set_xlabel("z（sigmoid 的输入），真值 y = 1")
ax.set_ylabel("|∂L/∂z|")
ax.set_title("错得越离谱，MSE 的梯度反而越小")
ax.legend()
plt.show()
assert mse_grads[0] < 1e-3 and ce_grads[0] > 0.999  # z = -8：错得离谱
assert max(mse_grads) < 0.16  # (1-a)·a(1-a) 的最大值 4/27 ≈ 0.148
print(f"z = -8: MSE {mse_grads[0]:.2e}，交叉熵 {ce_grads[0]:.4f}")

# %% [markdown]
# ## 5. SVM（hinge）损失
#
# 文章的 CostLayer 还有 SVM 损失。`losses.hinge_loss` 是 micrograd 演示里的最大间隔损失
# $\max(0, 1 - y s)$（标签 $y = \pm1$）：分对且间隔超过 1 的样本损失为 0、梯度为 0；
# 其余样本的梯度是 $-y$（取平均后再除以样本数）。

# %%
svm_scores = [Value(2.5), Value(0.3), Value(-0.4)]
labels = [1, 1, 1]
hinge = losses.hinge_loss(svm_scores, labels)
hinge.backward()
assert abs(hinge.data - (0.0 + 0.7 + 1.4) / 3) < 1e-12
assert [s.grad for s in svm_scores] == [0.0, -1 / 3, -1 / 3]
print(f"hinge = {hinge.data:.4f}，梯度 {[round(s.grad, 4) for s in svm_scores]}")

# %% [markdown]
# **小结**
# - 六种激活函数的导数都能用输出 $y$ 表示，`backward()` 的结果与这些公式逐点一致；
# - Softmax + 交叉熵对分数的梯度是 $y - t$，与种子文章的 NumPy 实现一致；
# - softmax 先减去最大值，数学上不变，数值上不溢出；
# - Sigmoid 配 MSE 在饱和区梯度消失，配交叉熵时梯度是 $a - y$，不会消失。
