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
# 损失是 SVM 的最大间隔损失（hinge）加 $L_2$ 正则项。我们先把训练循环一行一行写出来，
# 再换成做同样事情的 `fit()`；然后用交叉熵训练“同心圆”和“螺旋”两个多分类数据集；
# 最后把训练好的模型搬到 PyTorch 里。

# %%
import importlib.util
import math

import matplotlib.pyplot as plt
from IPython.display import display

from micrograd_cn import losses, nn, optim
from micrograd_cn.datasets import make_circles, make_moons, make_spiral
from micrograd_cn.plot import decision_boundary, loss_curve, use_chinese_font
from micrograd_cn.training import accuracy, fit

cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 数据：两个月亮
#
# `make_moons` 与 scikit-learn 的同名函数布局相同：两个交错的半圆，加上高斯噪声。
# 纯 Python，给定随机种子 `seed` 就可复现。一条直线分不开这两类，模型必须学会弯曲的边界。

# %%
X, y = make_moons(n_samples=100, noise=0.1, seed=0)
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="Spectral", edgecolors="k", s=25)
ax.set_title("make_moons(100, noise=0.1)：两类各 50 个点")
plt.show()
assert len(X) == 100 and sorted(set(y)) == [0, 1] and sum(y) == 50

# %% [markdown]
# ## 2. 模型与损失
#
# 与 micrograd 演示相同的结构：2 个输入，两个 16 单元的 ReLU 隐藏层，1 个线性输出（分数 $s$，
# 正数判为一类，负数判为另一类）。每个神经元就是第 00 章那个“加权和 + 激活函数”。
# 默认用 Xavier 初始化（第 06 章），`seed` 固定后每次得到同样的模型。

# %%
model = nn.MLP(2, [16, 16, 1], seed=0)
print(model, "参数个数", len(model.parameters()))
assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)

# %% [markdown]
# micrograd 演示的损失：标签映射到 $y_i = \pm1$，最大间隔损失 $\frac1n\sum_i\max(0, 1 - y_i s_i)$：
# 分对、而且分数离 0 足够远（$y_i s_i \ge 1$）的样本不再计入损失，其余样本越错罚得越多。
# 再加上 $\alpha\sum p^2$（$\alpha = 10^{-4}$），让权重别长得太大。
# `losses.l2_penalty(params, lam)` 是第 06 章所跟随的文章
# 《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》里的
# $\frac{\lambda}{2}\sum p^2$，所以 $\lambda = 2\alpha$。


# %%
def demo_loss(model, X, y, alpha=1e-4):
    labels = [2 * t - 1 for t in y]  # 0/1 -> -1/+1
    scores = [model(x) for x in X]
    data_loss = losses.hinge_loss(scores, labels)
    reg_loss = losses.l2_penalty(model.parameters(), 2 * alpha)
    return data_loss + reg_loss


# %% [markdown]
# 刚初始化的模型给出的分数都很小（$|s_i| < 1$），每个样本都在“间隔”之内，
# 这时 hinge 损失就是 $1 - \frac1n\sum_i y_i s_i$，可以直接核对：

# %%
loss0 = demo_loss(model, X, y)
scores0 = [model(x).data for x in X]
margin_mean = sum((2 * t - 1) * s0 for s0, t in zip(scores0, y, strict=True)) / len(X)
penalty = 1e-4 * sum(p.data**2 for p in model.parameters())
print(f"初始损失 {loss0.data:.6f}，max |s| = {max(map(abs, scores0)):.3f}")
print(f"1 − mean(y·s) + α·Σp² = {1 - margin_mean + penalty:.6f}")
assert max(map(abs, scores0)) < 1 and abs(loss0.data - (1 - margin_mean + penalty)) < 1e-12

# %% [markdown]
# ## 3. 训练循环，自己写一遍
#
# 每一步做五件事，和第 02 章最后的梯度下降一样，只是参数多了很多：
#
# 1. **正向**：把所有样本送进模型，得到分数；
# 2. **损失**：算出这一步的损失（一个 `Value`，整张计算图都挂在它下面）；
# 3. **清零**：`zero_grad()`，否则梯度会叠在上一步的上面（第 00 章第 6 节的坑）；
# 4. **反向**：`loss.backward()`，每个参数的 `.grad` 就是损失对它的偏导数；
# 5. **更新**：每个参数沿负梯度走一小步 `p.data -= lr * p.grad`
#    （改的是 `.data`，更新这一步不需要记录计算图）。
#
# 先用一个新模型（同样的 `seed`）跑 10 步，每步打印损失：

# %%
loop_model = nn.MLP(2, [16, 16, 1], seed=0)
lr = 0.1
losses_by_hand = []
for step in range(1, 11):
    loss = demo_loss(loop_model, X, y)  # 1. 正向 + 2. 损失
    loop_model.zero_grad()  # 3. 清零
    loss.backward()  # 4. 反向
    for p in loop_model.parameters():  # 5. 更新
        p.data -= lr * p.grad
    losses_by_hand.append(loss.data)
    print(f"第 {step:2d} 步  损失 {loss.data:.4f}")
assert losses_by_hand[0] == loss0.data and losses_by_hand[-1] < losses_by_hand[0]

# %% [markdown]
# 损失在下降，但很慢。`training.fit` 做的就是同一个循环，另外记下每一步的损失和准确率、显示进度条，
# 还能换用别的优化器、分小批量。用同样的起点和学习率跑 10 步，得到的损失完全一样：

# %%
fit_model = nn.MLP(2, [16, 16, 1], seed=0)
fit_history = fit(
    fit_model,
    X,
    y,
    loss="hinge",
    l2=2e-4,
    optimizer=optim.SGD(fit_model.parameters(), lr=0.1),
    epochs=10,
    progress=False,
)
print([round(v, 4) for v in fit_history.loss])
assert max(abs(a - b) for a, b in zip(fit_history.loss, losses_by_hand, strict=True)) < 1e-12

# %% [markdown]
# ## 4. 用 `fit()` 训练
#
# 真正训练时用带**动量**的 SGD（学习率 0.1，动量 0.9）：每一步的更新量是上一步更新量的 0.9 倍
# 加上这一步的梯度，像一个有惯性的小球，在一直往下的方向上越走越快，比上面的普通 SGD 快得多。
# 跑 100 步：

# %%
history = fit(
    model,
    X,
    y,
    loss="hinge",
    l2=2e-4,
    optimizer=optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    epochs=100,
)
final_accuracy = accuracy(model, X, y)
print(f"损失 {history.loss[0]:.4f} → {history.loss[-1]:.4f}，训练准确率 {final_accuracy:.0%}")
assert abs(history.loss[0] - loss0.data) < 1e-12  # 第 1 步记录的正是训练前的损失
assert final_accuracy >= 0.97 and history.loss[-1] < history.loss[0] / 10

# %% [markdown]
# 损失曲线（左轴）和每一步的训练准确率（右轴）：

# %%
fig = loss_curve(history, title="moons：hinge + L2，SGD 动量 0.9")
display(fig)
assert len(history) == 100 and history.accuracy[-1] >= 0.97

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
# - micrograd 的演示（hinge + $L_2$，带动量的 SGD）在 100 步内把两个月亮分开；
# - 多分类用 softmax 交叉熵，初始损失约为 $\ln K$；
# - `to_torch` 把同一个模型带到 PyTorch，损失和梯度与这里一致。
