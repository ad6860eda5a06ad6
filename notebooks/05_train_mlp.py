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
# # 05 训练一个 MLP
#
# 前几章算的都是一个表达式的梯度。**训练**就是把“正向 → 损失 → `backward()` → 沿负梯度更新”
# 重复很多次，每次让损失小一点。本章跟随 Karpathy 的 micrograd 仓库里的演示（`demo.ipynb`）：
# 在“两个月亮”数据上训练一个 2-16-16-1 的多层感知机（MLP），
# 损失是 SVM 的最大间隔损失（hinge）加 $L_2$ 正则项，优化方法是最朴素的梯度下降。
# 先由你在 `Value` 上亲手写出 `Neuron`、`Layer`、`MLP`，用它训练几步；
# 再换成 `micrograd_cn.nn.MLP` 和做同样事情的 `fit()`，看到完全相同的数字；
# 然后用交叉熵训练“同心圆”和“螺旋”两个多分类数据集；最后把训练好的模型搬到 PyTorch 里。

# %%
import importlib.util
import math
import random

from IPython.display import display

from micrograd_cn import Value, losses, nn, optim  # noqa: F401 (Value：练习里你的 Neuron 要用)
from micrograd_cn.datasets import make_circles, make_moons, make_spiral
from micrograd_cn.exercises import check_mlp
from micrograd_cn.training import History, accuracy, fit

# %%
# isort: split
# 画图用 matplotlib：这一格和画图的格子只负责画图，别的格子不依赖它们算出的东西
import matplotlib.pyplot as plt

from micrograd_cn.plot import decision_boundary, loss_curve, use_chinese_font

cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 数据：两个月亮
#
# `make_moons` 与 scikit-learn 的同名函数布局相同：两个交错的半圆，加上高斯噪声。
# 纯 Python，给定随机种子 `seed` 就可复现。一条直线分不开这两类，模型必须学会弯曲的边界。

# %%
X, y = make_moons(n_samples=100, noise=0.1, seed=0)
assert len(X) == 100 and sorted(set(y)) == [0, 1] and sum(y) == 50

# %%
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="Spectral", edgecolors="k", s=25)
ax.set_title("make_moons(100, noise=0.1)：两类各 50 个点")
plt.show()
assert len(ax.collections) == 1

# %% [markdown]
# ## 2. 练习：自己写 `Neuron`、`Layer`、`MLP`
#
# 一个神经元就是第 00 章那个“加权和 + 激活函数”；一层是几个读同样输入的神经元；
# 一个 MLP 是几层串起来，前一层的输出是后一层的输入。用 `Value` 把它们写出来，大约 30 行。
# 为了能和 `micrograd_cn.nn.MLP` 逐个数字地比较，请照下面的约定写（也是 micrograd 的写法）：
#
# - `Neuron(nin, nonlin=True)`：`nin` 个权重，**依次**各用 `random.uniform(-1, 1)` 抽一个数、
#   包成 `Value`；偏置是 `Value(0.0)`（不抽随机数）。
#   调用 `neuron(x)`（`x` 是 `nin` 个数或 `Value` 的列表）返回加权和 $\sum_i w_i x_i + b$；
#   `nonlin` 为真时再过 ReLU（`Value` 的 `relu()` 方法）。
#   `parameters()` 返回权重在前、偏置在后的列表。
# - `Layer(nin, nout, nonlin=True)`：`nout` 个 `Neuron(nin, nonlin)`。调用时返回每个神经元的输出
#   组成的列表；只有一个神经元时返回那个 `Value` 本身。`parameters()` 逐个神经元收集参数。
# - `MLP(nin, nouts)`：各层大小依次是 `[nin] + nouts`，除最后一层外都用 ReLU（最后一层输出一个分数，
#   正负表示类别，不能被 ReLU 截成 0）。调用时让输入依次经过每一层；`parameters()` 逐层收集。
#
# 把下面单元格里的 `raise NotImplementedError(...)` 换成你的代码，运行它，再运行检查格。
# `check_mlp` 在 `random.seed(0)` 之后造一个 `MLP(2, [4, 4, 1])`，
# 和 `nn.MLP(2, [4, 4, 1], init="uniform")` 比较参数的初始值、几个输入上的输出、
# 反向传播后的每个梯度；哪里不同，它会说最可能是哪条约定没照做。
#
# <details><summary>提示 1：每一部分算什么</summary>
#
# - 神经元：`self.w` 是 `Value` 的列表，`self.b` 是一个 `Value`；加权和用 `Value` 的 `*` 和 `+` 算
#   （不要取出 `.data`，否则没有计算图、求不出梯度）。Python 的 `sum(几个Value, 起始值)` 可以把一串
#   `Value` 加起来，起始值用偏置 `self.b`。
# - 层：`self.neurons` 是神经元的列表；每个神经元都读同一个 `x`。
# - MLP：`self.layers` 是层的列表；第 `i` 层的 `nonlin` 是 `i != len(nouts) - 1`。
#
# </details>
#
# <details><summary>提示 2：代码的样子</summary>
#
# ```python
# class Neuron:
#     def __init__(self, nin, nonlin=True):
#         self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
#         self.b = ...
#         self.nonlin = nonlin
#
#     def __call__(self, x):
#         act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
#         return ...
#
#     def parameters(self):
#         return self.w + [self.b]
# ```
#
# `Layer.__call__` 先算 `out = [n(x) for n in self.neurons]`；`MLP.__call__` 写一个 `for` 循环：
# `x = layer(x)`。三个 `parameters()` 都是把下一级的列表接起来。
#
# </details>


# %% tags=["exercise-mlp"]
class Neuron:
    def __init__(self, nin, nonlin=True):
        raise NotImplementedError("在这里写你的答案")

    def __call__(self, x):
        raise NotImplementedError("在这里写你的答案")

    def parameters(self):
        raise NotImplementedError("在这里写你的答案")


class Layer:
    def __init__(self, nin, nout, nonlin=True):
        raise NotImplementedError("在这里写你的答案")

    def __call__(self, x):
        raise NotImplementedError("在这里写你的答案")

    def parameters(self):
        raise NotImplementedError("在这里写你的答案")


class MLP:
    def __init__(self, nin, nouts):
        raise NotImplementedError("在这里写你的答案")

    def __call__(self, x):
        raise NotImplementedError("在这里写你的答案")

    def parameters(self):
        raise NotImplementedError("在这里写你的答案")


# %% tags=["checker"]
mlp_check = check_mlp(MLP)
display(mlp_check)

# %% [markdown]
# ## 3. 损失：micrograd 演示的那一个
#
# 标签映射到 $y_i = \pm1$，最大间隔损失 $\frac1n\sum_i\max(0, 1 - y_i s_i)$
# （$s_i$ 是模型给样本 $i$ 的分数）：
# 分对、而且分数离 0 足够远（$y_i s_i \ge 1$）的样本不再计入损失，其余样本越错罚得越多。
# 再加上 $\alpha\sum p^2$（$\alpha = 10^{-4}$），让权重别长得太大。
# `losses.l2_penalty(params, lam)` 是第 06 章所跟随的文章
# 《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》里的
# $\frac{\lambda}{2}\sum p^2$：同一个惩罚项写成 $\alpha\sum p^2$ 就是 $\lambda = 2\alpha$。


# %%
def demo_loss(model, X, y, alpha=1e-4):
    labels = [2 * t - 1 for t in y]  # 0/1 -> -1/+1
    scores = [model(x) for x in X]
    data_loss = losses.hinge_loss(scores, labels)
    reg_loss = losses.l2_penalty(model.parameters(), 2 * alpha)  # λ/2·Σp² = α·Σp²
    return data_loss + reg_loss


# %% [markdown]
# 模型用 `nn.MLP(2, [16, 16, 1], init="uniform", seed=...)`：和你写的 `MLP` 同样的结构、
# 同样的初始化（`init="uniform"` 就是 $U(-1, 1)$，`nn.MLP` 的默认是第 06 章的 Xavier 初始化）。
# 刚初始化时，分数落在“间隔”之内（$|s_i| < 1$）的样本，hinge 损失是 $1 - y_i s_i$，
# 间隔之外分对的样本是 0。用这个定义直接核对一次：

# %%
SEED = 1337
model0 = nn.MLP(2, [16, 16, 1], init="uniform", seed=SEED)
print(model0, "参数个数", len(model0.parameters()))
loss0 = demo_loss(model0, X, y)
scores0 = [model0(x).data for x in X]
hinge_by_hand = sum(max(0.0, 1 - (2 * t - 1) * s0) for s0, t in zip(scores0, y)) / len(X)
penalty = 1e-4 * sum(p.data**2 for p in model0.parameters())
print(f"初始损失 {loss0.data:.6f} = hinge {hinge_by_hand:.6f} + 正则 {penalty:.6f}")
assert len(model0.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
assert abs(loss0.data - (hinge_by_hand + penalty)) < 1e-12

# %% [markdown]
# ## 4. 训练循环，自己写一遍
#
# 每一步做五件事，和第 02 章最后的梯度下降一样，只是参数多了很多：
#
# 1. **正向**：把所有样本送进模型，得到分数；
# 2. **损失**：算出这一步的损失（一个 `Value`，整张计算图都挂在它下面）；
# 3. **清零**：把每个参数的 `.grad` 设回 0，否则梯度会叠在上一步的上面（第 00 章第 6 节的坑）；
# 4. **反向**：`loss.backward()`，每个参数的 `.grad` 就是损失对它的偏导数；
# 5. **更新**：每个参数沿负梯度走一小步 `p.data -= lr * p.grad`
#    （改的是 `.data`，更新这一步不需要记录计算图）。
#
# micrograd 的演示用的正是这样最朴素的梯度下降（SGD，没有动量），全部 100 个样本一起算，
# 学习率从 1.0 开始逐步减小：第 $k$ 步（$k = 0, 1, \ldots, 99$）用 $1.0 - 0.9\,k/100$。
# 先用 `nn.MLP` 跑 5 步，每步记下损失：


# %%
def train_by_hand(model, steps):
    seen = []
    for k in range(steps):
        loss = demo_loss(model, X, y)  # 1. 正向 + 2. 损失
        for p in model.parameters():  # 3. 清零
            p.grad = 0.0
        loss.backward()  # 4. 反向
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():  # 5. 更新
            p.data -= lr * p.grad
        seen.append(loss.data)
    return seen


library_losses = train_by_hand(nn.MLP(2, [16, 16, 1], init="uniform", seed=SEED), 5)
print("nn.MLP：", [round(v, 6) for v in library_losses])
assert library_losses[0] == loss0.data and library_losses[-1] < library_losses[0]
assert library_losses[1] > library_losses[0]  # 第一步走过了头

# %% [markdown]
# 第 2 步的损失反而变大了：第一步的学习率 1.0 很大，参数沿负梯度走过了头。之后学习率逐步减小，
# 损失就稳步下降（第 5 节跑完 100 步）。
#
# 现在用**你写的** `MLP` 做同样的 5 步。先 `random.seed(SEED)`，它抽到的初始权重就和
# `nn.MLP(..., seed=SEED)` 的一模一样，所以每一步的损失也应当一样（只差浮点舍入）。
# 练习还没通过时，这一格只提醒一句。

# %%
if mlp_check.ok:
    random.seed(SEED)
    your_losses = train_by_hand(MLP(2, [16, 16, 1]), 5)
    print("你的 MLP：", [round(v, 6) for v in your_losses])
else:
    your_losses = None
    print("先完成第 2 节的练习（检查格显示“正确”），再运行这一格。")
assert your_losses is None or max(abs(a - b) for a, b in zip(your_losses, library_losses)) < 1e-12

# %% [markdown]
# `training.fit` 做的就是同一个循环，另外记下每一步的损失和准确率、显示进度条，
# 还能换用别的优化器、分小批量。优化器 `optim.SGD` 默认没有动量，就是上面的第 5 步；
# 它的学习率 `opt.lr` 可以每一步改，这样就能照搬 micrograd 的学习率表。`fit` 的 `l2=λ`
# 加上 $\frac{\lambda}{2}\sum p^2$，所以 $\alpha = 10^{-4}$ 要写成 `l2=2e-4`。
# 每次让 `fit` 只走一步（`epochs=1`），同样的起点，得到的损失完全一样：

# %%
model = nn.MLP(2, [16, 16, 1], init="uniform", seed=SEED)
opt = optim.SGD(model.parameters(), lr=1.0)
history = History()  # 每一步的损失和准确率
for k in range(5):
    opt.lr = 1.0 - 0.9 * k / 100
    step = fit(model, X, y, loss="hinge", l2=2e-4, optimizer=opt, epochs=1, progress=False)
    history.loss += step.loss
    history.accuracy += step.accuracy
print("fit()：  ", [round(v, 6) for v in history.loss])
assert max(abs(a - b) for a, b in zip(history.loss, library_losses, strict=True)) < 1e-12

# %% [markdown]
# ## 5. 跑完 micrograd 的演示
#
# 接着用 `fit` 把 100 步跑完（前 5 步上面已经走过了），记下每一步的损失和准确率：

# %%
for k in range(5, 100):
    opt.lr = 1.0 - 0.9 * k / 100
    step = fit(model, X, y, loss="hinge", l2=2e-4, optimizer=opt, epochs=1, progress=False)
    history.loss += step.loss
    history.accuracy += step.accuracy
final_accuracy = accuracy(model, X, y)
print(f"损失 {history.loss[0]:.4f} → {history.loss[-1]:.4f}，训练准确率 {final_accuracy:.0%}")
assert len(history) == 100 and abs(history.loss[0] - loss0.data) < 1e-12
assert final_accuracy >= 0.97 and history.loss[-1] < history.loss[0] / 10

# %% [markdown]
# 损失曲线（左轴）和每一步的训练准确率（右轴）：

# %%
fig = loss_curve(history, title="moons：hinge + L2，SGD，学习率 1.0 − 0.9k/100")
display(fig)
assert len(fig.axes) >= 1

# %% [markdown]
# 决策边界：把平面上每个点送进模型，按分数的正负上色。模型学会了一条弯曲的边界。

# %%
fig = decision_boundary(model, X, y, resolution=50, title=f"moons：训练准确率 {final_accuracy:.0%}")
display(fig)
assert len(fig.axes) >= 1

# %% [markdown]
# ## 5. 多分类：交叉熵
#
# 有 $K$ 个类别时，模型输出 $K$ 个分数，损失用 softmax 交叉熵（第 03 章：梯度是 $y - t$）。
# 先看“同心圆”：外圈一类，内圈一类。用一个 8 单元的 tanh 隐藏层、2 个输出，Adam 优化器。

# %%
Xc, yc = make_circles(n_samples=100, noise=0.05, seed=0)
circle_model = nn.MLP(2, [8, 2], activation="tanh", seed=0)
circle_history = fit(
    circle_model,
    Xc,
    yc,
    loss="cross_entropy",
    optimizer=optim.Adam(circle_model.parameters(), lr=0.05),
    epochs=60,
)
circle_accuracy = accuracy(circle_model, Xc, yc)
print(f"circles：交叉熵 {circle_history.loss[0]:.4f} → {circle_history.loss[-1]:.4f}")
print(f"准确率 {circle_accuracy:.0%}")
assert circle_accuracy >= 0.95

# %% [markdown]
# 核对一下交叉熵：第 1 步记录的是初始模型的损失。初始分数都接近 0，softmax 接近均匀分布，
# 每个样本的交叉熵约为 $-\ln(1/2) = \ln 2 \approx 0.693$；训练后远小于它。

# %%
print(f"初始 {circle_history.loss[0]:.4f}（ln 2 = {math.log(2):.4f}）")
print(f"最终 {circle_history.loss[-1]:.4f}")
assert abs(circle_history.loss[0] - math.log(2)) < 0.2
assert circle_history.loss[-1] < 0.2 * math.log(2)

# %% [markdown]
# 最后是三条螺旋臂（CS231n 的数据集）：3 类，每类 30 个点。两个 16 单元的 tanh 隐藏层，
# 优化器换成 Adam（它给每个参数按梯度的历史大小调节步长），每次只用 30 个样本（小批量）算梯度。

# %%
Xs, ys = make_spiral(n_samples=90, n_classes=3, noise=0.2, seed=0)
spiral_model = nn.MLP(2, [16, 16, 3], activation="tanh", seed=0)
spiral_history = fit(
    spiral_model,
    Xs,
    ys,
    loss="cross_entropy",
    optimizer=optim.Adam(spiral_model.parameters(), lr=0.03),
    epochs=100,
    batch_size=30,
    seed=0,
)
spiral_accuracy = accuracy(spiral_model, Xs, ys)
print(f"spiral：交叉熵 {spiral_history.loss[0]:.4f} → {spiral_history.loss[-1]:.4f}")
print(f"准确率 {spiral_accuracy:.0%}")
assert spiral_accuracy >= 0.9 and abs(spiral_history.loss[0] - math.log(3)) < 0.3  # 初始约 ln 3

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
decision_boundary(
    circle_model, Xc, yc, resolution=50, ax=axes[0], title=f"circles：{circle_accuracy:.0%}"
)
decision_boundary(
    spiral_model, Xs, ys, resolution=50, ax=axes[1], title=f"spiral：{spiral_accuracy:.0%}"
)
plt.show()
assert len(fig.axes) >= 2

# %% [markdown]
# ## 6. 毕业：换到 PyTorch
#
# 标量引擎适合看清每一步，但真实的网络有上百万个参数，
# 要用 PyTorch 这样按张量（整块数组）计算的框架。
# `micrograd_cn.bridge.to_torch(model)` 把我们的 MLP 变成一个 `torch.nn.Sequential`
# （`Linear` 层加激活函数，64 位浮点数），权重完全相同。在 PyTorch 里写出同样的损失，
# 它给出的损失和每个参数的梯度应当和我们的一样。没有安装 PyTorch 时这一格只打印一行说明。

# %%
if importlib.util.find_spec("torch") is None:
    torch_report = None
    print('没有安装 PyTorch，跳过这一节（pip install "micrograd_cn[torch]" 后重新运行）。')
else:
    import torch

    from micrograd_cn.bridge import to_torch

    net = to_torch(model)
    print(net)
    inputs = torch.tensor(X, dtype=torch.float64)
    labels = torch.tensor([2.0 * t - 1 for t in y], dtype=torch.float64)
    scores = net(inputs).squeeze(1)
    torch_loss = torch.relu(1 - labels * scores).mean()
    torch_loss = torch_loss + 1e-4 * sum((p**2).sum() for p in net.parameters())
    torch_loss.backward()

    ours = demo_loss(model, X, y)
    model.zero_grad()
    ours.backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    weight_gaps = [
        abs(linear.weight.grad[j, k].item() - neuron.w[k].grad)
        for linear, layer in zip(linears, model.layers, strict=True)
        for j, neuron in enumerate(layer.neurons)
        for k in range(len(neuron.w))
    ]
    torch_report = (abs(torch_loss.item() - ours.data), max(weight_gaps))
    print(f"损失：PyTorch {torch_loss.item():.10f}，micrograd_cn {ours.data:.10f}")
    print(f"{len(weight_gaps)} 个权重的梯度，最大差 {max(weight_gaps):.1e}")
assert torch_report is None or max(torch_report) < 1e-12

# %% [markdown]
# 从这里开始，可以在 PyTorch 里接着训练这个模型（`torch.optim.SGD(net.parameters(), ...)`），
# 或者反过来用 `bridge.from_torch(net)` 把一个 PyTorch 的 `Sequential` 变回 `MLP`，
# 拿到这里来画计算图、一步步看它的反向传播。
#
# **小结**
# - 训练 = 重复“正向 → 损失 → `zero_grad()` → `backward()` → 更新”，`fit()` 就是这个循环；
# - `Neuron`、`Layer`、`MLP` 各只有几行：加权和、一层神经元、几层串起来；
# - micrograd 的演示（hinge + $L_2$，朴素的 SGD，学习率 $1.0 - 0.9k/100$）
#   在 100 步内把两个月亮分开；
# - 多分类用 softmax 交叉熵，初始损失约为 $\ln K$；
# - `to_torch` 把同一个模型带到 PyTorch，损失和梯度与这里一致。
