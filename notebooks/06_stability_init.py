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
# # 06 数值稳定性与初始化
#
# 本章跟随文章《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》，
# 它讲的是《动手学深度学习》里“正向传播、反向传播和计算图”与“数值稳定性和模型初始化”两节。
# 前几章的网络都很浅；网络一深，梯度就可能在层层相乘中变得极小或极大，初始化也变得要紧。本章：
#
# 1. 带 $L_2$ 正则化的单隐藏层感知机：正向、反向，逐项核对文章推出的梯度公式；
# 2. 衰减与爆炸：在 30 层的深链上**实测**
#    $0.2^{30} \approx 1\times10^{-21}$、$5^{30} \approx 9\times10^{20}$；
# 3. 对称性问题：所有权重初始化为相同值时，隐藏单元永远一模一样；
# 4. Xavier 随机初始化的界 $\sqrt{6/(a+b)}$，以及它为什么让每层输出的方差保持稳定。

# %%
import math
import random

from micrograd_cn import F, Value, losses, nn, no_grad

# %%
# isort: split
# 画图用 matplotlib：这一格和画图的格子只负责画图，别的格子不依赖它们算出的东西
import matplotlib.pyplot as plt

from micrograd_cn.plot import use_chinese_font

# 中文字体：有哪个用哪个；一个都没有时也不报错（只是中文显示成方框）
cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 带 $L_2$ 正则化的正向传播
#
# 文章的模型（不含偏差项）：
#
# $$z = W^{(1)} x,\quad h = \phi(z),\quad o = W^{(2)} h,\quad L = \ell(o, y),$$
# $$s = \tfrac{\lambda}{2}\left(\lVert W^{(1)}\rVert_F^2 + \lVert W^{(2)}\rVert_F^2\right),
# \quad J = L + s.$$
#
# 取输入维度 $d=3$、隐藏单元 $h=4$、输出 $q=2$，激活函数 $\phi=\tanh$，
# 损失 $\ell(o, y) = \frac12\sum_k (o_k-y_k)^2$，$\lambda = 0.1$。权重是一个个标量 `Value`。
# 正则项 $s$ 就是 `losses.l2_penalty(weights, lam)`。

# %%
rng = random.Random(0)
d, n_hidden, q, lam = 3, 4, 2, 0.1
x = [0.5, -1.0, 2.0]
y = [1.0, -1.0]
W1 = [[Value(rng.uniform(-1, 1), label=f"W1[{r}][{c}]") for c in range(d)] for r in range(n_hidden)]
W2 = [[Value(rng.uniform(-1, 1), label=f"W2[{r}][{c}]") for c in range(n_hidden)] for r in range(q)]
weights = [w for row in W1 + W2 for w in row]
assert len(weights) == n_hidden * d + q * n_hidden
print("参数个数:", len(weights))

# %%
z = [F.dot(row, x) for row in W1]
h = [zi.tanh() for zi in z]
o = [F.dot(row, h) for row in W2]
L = 0.5 * F.sum([(ok - yk) ** 2 for ok, yk in zip(o, y, strict=True)])
s = lam / 2 * F.sum([w**2 for w in weights])
J = L + s
print(f"L = {L.data:.6f}, s = {s.data:.6f}, J = {J.data:.6f}")
assert abs(losses.l2_penalty(weights, lam).data - s.data) < 1e-12  # 同一个正则项

# %% [markdown]
# 下面核对梯度公式时要用到正向传播的中间结果 $h$ 和 $o$，它们就存在节点的 `.data` 里：

# %%
h_f = [v.data for v in h]
o_f = [v.data for v in o]
print("h =", [round(v, 6) for v in h_f], " o =", [round(v, 6) for v in o_f])
assert all(abs(hc - math.tanh(zc.data)) < 1e-15 for hc, zc in zip(h_f, z, strict=True))

# %% [markdown]
# ## 2. 反向传播，逐项对照文章的公式
#
# 从输出往回推：$\partial J/\partial L = 1$，$\partial J/\partial s = 1$，
# $\partial J/\partial o = \partial L/\partial o = o - y$。

# %%
J.backward()
dJ_do = [ok - yk for ok, yk in zip(o_f, y, strict=True)]
print("dJ/dL =", L.grad, " dJ/ds =", s.grad, " dJ/do =", [round(v.grad, 6) for v in o])
assert L.grad == 1.0 and s.grad == 1.0
assert all(abs(v.grad - e) < 1e-12 for v, e in zip(o, dJ_do, strict=True))

# %% [markdown]
# $\partial J/\partial W^{(2)} = \frac{\partial J}{\partial o}\,h^\top + \lambda W^{(2)}$：
# 第一项来自损失，第二项来自正则项（两条路径的梯度相加）。

# %%
print("W2 的梯度:", [[round(w.grad, 6) for w in row] for row in W2])
for r in range(q):
    for c in range(n_hidden):
        assert abs(W2[r][c].grad - (dJ_do[r] * h_f[c] + lam * W2[r][c].data)) < 1e-12

# %% [markdown]
# $\partial J/\partial h = W^{(2)\top}\frac{\partial J}{\partial o}$，
# $\partial J/\partial z = \frac{\partial J}{\partial h}\odot\phi'(z)$（$\tanh' = 1-\tanh^2$），
# $\partial J/\partial W^{(1)} = \frac{\partial J}{\partial z}\,x^\top + \lambda W^{(1)}$。

# %%
dJ_dh = [sum(W2[r][c].data * dJ_do[r] for r in range(q)) for c in range(n_hidden)]
dJ_dz = [g * (1 - hc**2) for g, hc in zip(dJ_dh, h_f, strict=True)]
print("W1 的梯度:", [[round(w.grad, 6) for w in row] for row in W1])
for c in range(n_hidden):
    assert abs(h[c].grad - dJ_dh[c]) < 1e-12 and abs(z[c].grad - dJ_dz[c]) < 1e-12
    for k in range(d):
        assert abs(W1[c][k].grad - (dJ_dz[c] * x[k] + lam * W1[c][k].data)) < 1e-12

# %% [markdown]
# 文章还提到：反向传播要用到正向传播保存的中间变量（例如 $h$），所以训练比预测更占内存。
# 在 `no_grad()` 里做预测时不记录计算图，结果节点没有父节点，中间变量随用随丢。

# %%
with no_grad():
    o_pred = [F.dot(row, [zi.tanh() for zi in (F.dot(r1, x) for r1 in W1)]) for row in W2]
print("预测:", [round(v.data, 6) for v in o_pred])
assert all(v._prev == () for v in o_pred)  # 没有记录计算图
assert all(abs(a.data - b) < 1e-12 for a, b in zip(o_pred, o_f, strict=True))

# %% [markdown]
# ## 3. 衰减与爆炸：30 层的深链
#
# 文章设所有层都是恒等激活、权重都是同一个标量 $w$，则第 30 层的输出是 $x\cdot w^{30}$。
# 我们真的搭 30 层（每层一个独立的权重 `Value`），看正向的值和反向的梯度。


# %%
def deep_chain(w, depth=30, x=1.0):
    """h_l = w_l * h_{l-1} with every w_l = w; returns (input, weights, activations)."""
    x = Value(x, label="x")
    ws = [Value(w, label=f"w{k}") for k in range(1, depth + 1)]
    hs = [x]
    for wk in ws:
        hs.append(wk * hs[-1])
    return x, ws, hs


x_small, ws_small, hs_small = deep_chain(0.2)
x_big, ws_big, hs_big = deep_chain(5.0)
out_small, out_big = hs_small[-1], hs_big[-1]
print(f"0.2 的链: h30 = {out_small.data:.3e}    5 的链: h30 = {out_big.data:.3e}")
assert math.isclose(out_small.data, 0.2**30, rel_tol=1e-12)  # 1.07e-21
assert math.isclose(out_big.data, 5.0**30, rel_tol=1e-12)  # 9.31e20

# %% [markdown]
# 梯度也一样：$\partial h_{30}/\partial x = w^{30}$，
# 第一层权重的梯度 $\partial h_{30}/\partial w_1 = w^{29} x$。
# 离输出越远的层，梯度越接近 0（衰减）或越大（爆炸）。

# %%
out_small.backward()
out_big.backward()
print(f"dh30/dw1: 0.2 的链 {ws_small[0].grad:.3e}，5 的链 {ws_big[0].grad:.3e}")
assert math.isclose(ws_small[0].grad, 0.2**29, rel_tol=1e-12)
assert math.isclose(ws_big[0].grad, 5.0**29, rel_tol=1e-12)
assert math.isclose(x_small.grad, 0.2**30, rel_tol=1e-12)

# %% [markdown]
# 把每一层的 $\log_{10}|h_l|$ 画出来：三条直线，斜率分别是 $\log_{10} 0.2$、0、$\log_{10} 5$。

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
slopes = {}
for w in (0.2, 1.0, 5.0):
    _, _, hs = deep_chain(w)
    logs = [math.log10(abs(v.data)) for v in hs]
    slopes[w] = (logs[-1] - logs[0]) / 30
    ax.plot(range(31), logs, marker=".", label=f"w = {w}")
ax.set_xlabel("层数 l")
ax.set_ylabel("log10 |h_l|")
ax.set_title("恒等激活的 30 层深链：衰减与爆炸")
ax.legend()
plt.show()
print({w: round(v, 4) for w, v in slopes.items()})
assert all(abs(slope - math.log10(w)) < 1e-9 for w, slope in slopes.items())

# %% [markdown]
# 激活函数也会让梯度衰减：sigmoid 的导数最大只有 $\sigma'(0) = 1/4$，
# 所以穿过 30 层 sigmoid 后，梯度至多是 $0.25^{30} \approx 8.7\times10^{-19}$。

# %%
x_sig = Value(0.0, label="x")
hs_sig = x_sig
for _ in range(30):
    hs_sig = hs_sig.sigmoid()
hs_sig.backward()
print(f"30 层 sigmoid 后 dh/dx = {x_sig.grad:.3e}  （上界 0.25^30 = {0.25**30:.3e}）")
assert 0 < x_sig.grad <= 0.25**30

# %% [markdown]
# ## 4. 对称性问题：权重全部相同会怎样
#
# 一个 2-3-1 的 tanh 网络，所有权重都初始化为 0.5。正向传播时三个隐藏单元算出相同的值；
# 反向传播时它们拿到相同的梯度；于是梯度下降后它们**仍然相同**——多少个隐藏单元都只相当于 1 个。


# %%
def make_net(init):
    """A 2-3-1 tanh network as lists of Values; init(k) gives the k-th weight."""
    counter = iter(range(100))
    hidden = [[Value(init(next(counter))) for _ in range(3)] for _ in range(3)]  # w1, w2, bias
    out = [Value(init(next(counter))) for _ in range(4)]  # three weights and a bias
    return hidden, out


def net_forward(net, point):
    hidden, out = net
    hs = [F.dot(row[:2], point, row[2]).tanh() for row in hidden]
    return F.dot(out[:3], hs, out[3])


def train(net, steps=20, lr=0.1):
    data = [([1.0, 2.0], 1.0), ([-1.0, 0.5], -1.0), ([0.3, -0.7], 0.5)]
    params = [p for row in net[0] for p in row] + net[1]
    for _ in range(steps):
        loss = F.mean([(net_forward(net, xi) - yi) ** 2 for xi, yi in data])
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
    return loss.data


same = make_net(lambda k: 0.5)
loss_same = train(same)
rows = [[p.data for p in row] for row in same[0]]
print("20 步后三个隐藏单元的 (w1, w2, b):")
for row in rows:
    print("  ", [round(v, 6) for v in row])
assert rows[0] == rows[1] == rows[2] and rows[0] != [0.5, 0.5, 0.5]  # 动了，但完全相同

# %% [markdown]
# 换成随机初始化，对称性被打破，三个隐藏单元学到不同的东西，损失也更低。

# %%
rand = random.Random(1)
different = make_net(lambda k: rand.uniform(-1, 1))
loss_random = train(different)
rows = [[p.data for p in row] for row in different[0]]
print(f"20 步后的损失: 全部 0.5 → {loss_same:.4f}，随机初始化 → {loss_random:.4f}")
assert rows[0] != rows[1] != rows[2] and loss_random < loss_same

# %% [markdown]
# ## 5. Xavier 随机初始化
#
# 输入个数为 $a$、输出个数为 $b$ 的全连接层，Xavier 初始化让每个权重采样于
# $U\!\left(-\sqrt{\tfrac{6}{a+b}},\ \sqrt{\tfrac{6}{a+b}}\right)$，
# 方差为 $\frac{(2\cdot\text{bound})^2}{12} = \frac{2}{a+b}$。


# %%
def xavier_bound(fan_in, fan_out):
    return math.sqrt(6.0 / (fan_in + fan_out))


bound = xavier_bound(50, 50)
print(f"a = b = 50 时的界: ±{bound:.6f}")
assert abs(bound - math.sqrt(0.06)) < 1e-15

# %% [markdown]
# `nn.Layer(a, b)` 默认就用 Xavier 初始化（`init="xavier"`）。检查 2500 个权重：都在界内，
# 最大值贴近界，样本方差接近 $2/(a+b) = 0.02$。

# %%
layer = nn.Layer(50, 50, seed=0)
ws = [w.data for neuron in layer.neurons for w in neuron.w]
mean_w = sum(ws) / len(ws)
var_w = sum((w - mean_w) ** 2 for w in ws) / len(ws)
print(f"max |w| = {max(abs(w) for w in ws):.4f}（界 {bound:.4f}），方差 {var_w:.4f}（理论 0.02）")
assert len(ws) == 2500 and 0.99 * bound < max(abs(w) for w in ws) <= bound
assert abs(var_w - 2 / (50 + 50)) < 0.1 * 2 / (50 + 50)

# %% [markdown]
# 为什么是这个界？恒等激活下，一层的输出 $o = \sum_{k=1}^{a} w_k h_k$ 的方差是
# $a\cdot\mathrm{Var}(w)\cdot\mathrm{Var}(h)$。
# 若 $\mathrm{Var}(w) = 2/(a+b)$ 且 $a=b$，这个因子正好是 1，方差逐层保持不变；
# 若用 $U(-1,1)$（方差 $1/3$），每层乘上 $50/3\approx 16.7$，10 层后放大约 $1.6\times10^{12}$ 倍。
# 下面在 10 层、每层 50 个单元的线性网络上实测（100 个随机输入，`no_grad()` 下只做正向）。


# %%
def layer_variances(init_bound, width=50, depth=10, n_samples=100, seed=0):
    """Variance of every layer's outputs for weights drawn from U(-bound, bound)."""
    r = random.Random(seed)
    layers = [
        [[r.uniform(-init_bound, init_bound) for _ in range(width)] for _ in range(width)]
        for _ in range(depth)
    ]
    inputs = [[r.gauss(0, 1) for _ in range(width)] for _ in range(n_samples)]
    variances = []
    with no_grad():
        acts = [[Value(v) for v in row] for row in inputs]
        for W in layers:
            acts = [[F.dot(w_row, a) for w_row in W] for a in acts]
            values = [v.data for a in acts for v in a]
            mean = sum(values) / len(values)
            variances.append(sum((v - mean) ** 2 for v in values) / len(values))
    return variances


var_xavier = layer_variances(bound)
var_uniform = layer_variances(1.0)
print("Xavier 每层方差:", [round(v, 2) for v in var_xavier])
print("U(-1,1) 每层方差:", [f"{v:.1e}" for v in var_uniform])
assert all(0.2 < v < 5 for v in var_xavier)
assert var_uniform[-1] > 1e10 and var_uniform[-1] / var_uniform[-2] > 10

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(range(1, 11), var_xavier, marker="o", label="Xavier U(±√(6/(a+b)))")
ax.semilogy(range(1, 11), var_uniform, marker="s", label="U(-1, 1)")
ax.set_xlabel("层数")
ax.set_ylabel("输出方差（对数坐标）")
ax.set_title("10 层线性网络，每层 50 个单元")
ax.legend()
plt.show()
assert len(ax.lines) == 2

# %% [markdown]
# **小结**
# - $L_2$ 正则项让每个权重的梯度多出 $\lambda W$，正则项与损失两条路径的梯度相加；
# - 深链上的值和梯度按 $w^{l}$ 指数衰减或爆炸：
#   $0.2^{30}\approx10^{-21}$，$5^{30}\approx 9\times10^{20}$；
# - 权重全部相同会让隐藏单元永远相同，所以要随机初始化；
# - Xavier 的界 $\sqrt{6/(a+b)}$ 让每层输出的方差大致保持不变。
