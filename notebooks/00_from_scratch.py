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
# # 00 从零开始
#
# 这一章写给**从没接触过反向传播**的读者。我们沿着 Andrej Karpathy 的讲座
# 《The spelled-out intro to neural networks and backpropagation: building micrograd》
# （YouTube，2022；代码在 github.com/karpathy/micrograd）的路线，用自己的话和自己的代码走一遍：
#
# 1. 导数就是“轻轻推一下输入，看输出变多少”；
# 2. 在笔记本里亲手写一个只有几十行的 `Value`；
# 3. 在一个神经元上**手动**一个节点一个节点地反向传播，每走一步画一次计算图；
# 4. 为什么需要拓扑顺序，以及怎样不用递归求出它；顺着梯度推一推输入，输出真的变大；
# 5. 两个几乎人人都会踩的坑：该写 `+=` 的地方写成了 `=`，以及忘了把梯度清零；
# 6. 把 tanh 拆成 `exp` 和除法，梯度不变：运算切多细由我们决定；
# 7. 换成 `micrograd_cn.Value`：同样的步骤、画图、逐步演示，再和 PyTorch 对照；
# 8. 练习：自己给 `Value` 加两个运算，由 `check_op` 检查。
#
# 为什么要关心导数？训练神经网络就是不断调整成千上万个参数，让“损失”（预测错了多少）变小。
# 要知道每个参数该往哪个方向调、调多少，就得知道：**这个参数变一点点，损失跟着变多少**。
# 这个“变多少”就是导数；反向传播是一次把所有参数的导数都算出来的办法。

# %%
import importlib.util
import math

from IPython.display import display

import micrograd_cn as mg  # 第 8 节才用到：前面用的都是我们自己写的 Value
from micrograd_cn.exercises import check_op
from micrograd_cn.viz import StepThrough, draw_dot

# %% [markdown]
# ## 1. 导数：把输入轻轻推一下
#
# 取一个普通的函数 $f(x) = 3x^2 - 4x + 5$。在 $x = 3$ 处把 $x$ 推一小步 $h$，
# 输出的变化除以 $h$，就是这一点的**斜率**：
#
# $$\frac{f(x+h) - f(x)}{h}.$$
#
# $h$ 越小，这个比值越接近导数 $f'(x)$。用求导公式 $f'(x) = 6x - 4$ 可知答案应当是 14。


# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


def slope(func, x, h):
    return (func(x + h) - func(x)) / h


for k in range(1, 9):
    h = 10.0**-k
    print(f"h = 1e-{k}:  斜率 {slope(f, 3.0, h):.10f}")
assert abs(slope(f, 3.0, 1e-6) - 14) < 1e-5

# %% [markdown]
# 数字一步步靠近 14。对这个二次函数可以算得很清楚：$\frac{f(3+h)-f(3)}{h} = 14 + 3h$，
# 多出来的 $3h$ 随 $h$ 一起变小。

# %%
assert abs(slope(f, 3.0, 0.1) - (14 + 3 * 0.1)) < 1e-12
assert abs(slope(f, 3.0, 0.001) - (14 + 3 * 0.001)) < 1e-9

# %% [markdown]
# 那 $h$ 是不是越小越好？不是。计算机里的浮点数只有大约 16 位有效数字，
# $f(3+h)$ 和 $f(3)$ 几乎相等时，相减会把有效数字消掉，剩下的主要是舍入误差；
# $h$ 小到 $10^{-16}$ 时，$3 + h$ 干脆就等于 $3$，斜率变成 0。

# %%
for k in (8, 10, 12, 14, 15, 16):
    h = 10.0**-k
    print(f"h = 1e-{k}:  斜率 {slope(f, 3.0, h):.6f}")
assert 3.0 + 1e-16 == 3.0 and slope(f, 3.0, 1e-16) == 0.0
assert abs(slope(f, 3.0, 1e-15) - 14) > 1

# %% [markdown]
# 所以数值求导只能作为**核对**用的近似（第 07 章会细讲步长怎么选）。
# 我们要的是精确、又便宜的导数，这正是反向传播给的。
#
# 有几个输入时，每次只推其中一个，得到的是对它的**偏导数**。例如 $d = a b + c$，
# 在 $a = 2, b = -3, c = 10$ 处：推 $a$，$d$ 按 $b = -3$ 的倍数变化；推 $b$，按 $a = 2$ 变化；
# 推 $c$，一比一地变化。

# %%
h = 1e-6
a, b, c = 2.0, -3.0, 10.0
dd_da = ((a + h) * b + c - (a * b + c)) / h
dd_db = (a * (b + h) + c - (a * b + c)) / h
dd_dc = (a * b + (c + h) - (a * b + c)) / h
print(f"∂d/∂a ≈ {dd_da:.4f}, ∂d/∂b ≈ {dd_db:.4f}, ∂d/∂c ≈ {dd_dc:.4f}")
assert abs(dd_da - b) < 1e-6 and abs(dd_db - a) < 1e-6 and abs(dd_dc - 1) < 1e-6

# %% [markdown]
# ## 2. 亲手写一个 `Value`
#
# 一个神经网络可能有上百万个参数，一个个去推太慢了。反向传播的思路是：
# 在计算的时候把**每一步是怎么算的**记下来，之后从结果往回走，一次得到所有偏导数。
#
# 为此我们把普通的数包成一个 `Value`，它记住四件事：
#
# - `data`：它的值；
# - `_prev`：它是由哪些 `Value` 算出来的（它的“父节点”）；
# - `_op`：用的什么运算；
# - `_backward`：一个小函数，知道这一步运算的**局部导数**（结果对每个父节点的导数），
#   负责把梯度从结果传给父节点。它是在运算里面定义的**闭包**：
#   一个记得自己被定义时周围那些变量（父节点、结果）的函数。
#
# 另外还有 `grad`：最终输出对这个数的偏导数，也叫这个数的**梯度**，反向传播之前是 0。


# %%
class Value:
    """A number that remembers how it was computed (this chapter's own tiny version)."""

    def __init__(self, data, _prev=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._prev = _prev
        self._op = _op
        self._backward = lambda: None  # 叶子节点（直接给出的数）没有东西要往回传
        self.label = label

    def __repr__(self):
        return f"Value({self.label}: data={self.data:.4f}, grad={self.grad:.4f})"


a = Value(2.0, label="a")
print(a)
assert a.data == 2.0 and a.grad == 0.0 and a._prev == ()

# %% [markdown]
# 现在一个运算一个运算地加进去。**加法** $c = a + b$：$a$ 变一点，$c$ 就变同样的一点，
# 所以局部导数是 1。
#
# 把局部导数串起来靠**链式法则**：如果 $a$ 变一点让 $c$ 变 $k$ 倍，
# 而 $c$ 变一点让最终输出变 $m$ 倍，那么 $a$ 变一点，最终输出就变 $k \times m$ 倍。所以
# 最终输出对 $a$ 的导数 = 最终输出对 $c$ 的导数（存在 `out.grad` 里，叫**上游梯度**）× 局部导数。
#
# 先照最直接的想法用 `=` 写（第 5 节会发现这里藏着一个错误）。


# %%
def add(self, other):
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad = 1.0 * out.grad
        other.grad = 1.0 * out.grad

    out._backward = _backward
    return out


Value.__add__ = add
c = Value(2.0) + Value(3.0)
assert c.data == 5.0 and c._op == "+" and len(c._prev) == 2

# %% [markdown]
# **乘法** $c = a b$：$a$ 变一点，$c$ 变 $b$ 倍那么多（第 1 节刚推过），
# 所以对 $a$ 的局部导数是 $b$，对 $b$ 的是 $a$：每个输入拿到的是**另一个输入**的值乘上游梯度。


# %%
def mul(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad = other.data * out.grad
        other.grad = self.data * out.grad

    out._backward = _backward
    return out


Value.__mul__ = mul
c = Value(2.0) * Value(-3.0)
assert c.data == -6.0 and c._op == "*"

# %% [markdown]
# **tanh** 是神经元常用的“激活函数”，把任何数压到 $(-1, 1)$ 之间：
# $t = \tanh n = \dfrac{u}{v}$，其中 $u = e^{n} - e^{-n}$，$v = e^{n} + e^{-n}$。
# 它的导数两行就能推出来。$e^{n}$ 的导数是它自己，$e^{-n}$ 的导数是 $-e^{-n}$，
# 所以 $u' = v$、$v' = u$；再用商的求导法则：
#
# $$\frac{dt}{dn} = \frac{u'v - uv'}{v^2} = \frac{v^2 - u^2}{v^2}
#   = 1 - \Big(\frac{u}{v}\Big)^2 = 1 - t^2.$$
#
# 导数可以用**输出** $t$ 表示。正向时 $t$ 已经算好了，反向时直接拿来用。
# 先用第 1 节的推一推核对这个公式：

# %%
for n0 in (-1.5, 0.3, 2.0):
    t0 = math.tanh(n0)
    nudge_slope = (math.tanh(n0 + 1e-6) - math.tanh(n0 - 1e-6)) / 2e-6
    assert abs(nudge_slope - (1 - t0**2)) < 1e-9


# %%
def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad = (1 - t**2) * out.grad

    out._backward = _backward
    return out


Value.tanh = tanh
assert Value(0.0).tanh().data == 0.0 and abs(Value(20.0).tanh().data - 1) < 1e-12

# %% [markdown]
# ## 3. 一个神经元，手动反向传播
#
# 一个有两个输入的神经元：输入 $x_1, x_2$，权重 $w_1, w_2$，偏置 $b$，
# 先算加权和 $n = x_1 w_1 + x_2 w_2 + b$，再过激活函数 $o = \tanh(n)$。
# 偏置取了一个奇怪的值 $b = 6.8813735870195432$，是为了让 $n = 0.8813\ldots$，
# 这时 $o = 1/\sqrt2 \approx 0.7071$，后面的数字会很整齐。

# %%
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1w1"
x2w2 = x2 * w2
x2w2.label = "x2w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1w1x2w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
print(n, o, sep="\n")
assert abs(o.data - 1 / math.sqrt(2)) < 1e-12

# %% [markdown]
# 把这张**计算图**画出来看：每个方框是一个 `Value`（标签、值 `data`、梯度 `grad`），圆圈是运算，
# 箭头从输入指向结果。`draw_dot` 只用到 `data`、`grad`、`_prev`、`_op`（和可有可无的 `label`），
# 所以我们自己写的 `Value` 也能画。现在所有的梯度都还是 0。


# %%
def show(root):
    """Draw the graph under root (our own Value works too) and return the picture."""
    picture = draw_dot(root)
    display(picture)
    return picture


picture = show(o)
assert "data 0.7071" in picture.source and picture.source.count("grad 0.0000") == 10

# %% [markdown]
# 现在从输出往回走，每走一步就重画一次，看梯度从右往左一格一格地填上。
# 第一步：$o$ 对它自己的导数当然是 1。

# %%
o.grad = 1.0
picture = show(o)
assert (n.grad, x1.grad) == (0.0, 0.0)  # 其他节点还都是 0
assert picture.source.count("grad 1.0000") == 1

# %% [markdown]
# **第二步，`o._backward()`**：$o = \tanh(n)$，局部导数是 $1 - o^2 = 1 - \tfrac12 = 0.5$，
# 乘上游梯度 1，$n$ 的梯度是 0.5。意思是：$n$ 增加一点点，$o$ 增加它的一半。

# %%
o._backward()
picture = show(o)
assert abs(n.grad - 0.5) < 1e-12 and picture.source.count("grad 0.5000") == 1

# %% [markdown]
# **第三步，`n._backward()`**：$n$ 是加法，局部导数是 1，梯度 0.5 原样分给两个输入
# `x1w1x2w2` 和 `b`。加法节点就像一个分配器。

# %%
n._backward()
picture = show(o)
assert abs(x1w1x2w2.grad - 0.5) < 1e-12 and abs(b.grad - 0.5) < 1e-12
assert picture.source.count("grad 0.5000") == 3  # n、x1w1x2w2、b

# %% [markdown]
# `b` 是叶子节点，没有父节点，`b._backward()` 什么也不做：

# %%
b._backward()
assert abs(b.grad - 0.5) < 1e-12 and x1.grad == 0.0

# %% [markdown]
# **第四步，`x1w1x2w2._backward()`**：又是加法，0.5 原样传给 `x1w1` 和 `x2w2`。

# %%
x1w1x2w2._backward()
picture = show(o)
assert abs(x1w1.grad - 0.5) < 1e-12 and abs(x2w2.grad - 0.5) < 1e-12
assert picture.source.count("grad 0.5000") == 5

# %% [markdown]
# **第五步，`x2w2._backward()`**：乘法，每个输入拿到“另一个输入 × 上游梯度”：
# $\partial o/\partial x_2 = w_2 \times 0.5 = 0.5$，$\partial o/\partial w_2 = x_2 \times 0.5 = 0$。
# $w_2$ 的梯度是 0 很合理：它乘的是 $x_2 = 0$，怎么调 $w_2$ 都不影响输出。

# %%
x2w2._backward()
picture = show(o)
assert abs(x2.grad - 0.5) < 1e-12 and w2.grad == 0.0
assert picture.source.count("grad 0.5000") == 6

# %% [markdown]
# **第六步，`x1w1._backward()`**：$\partial o/\partial x_1 = w_1 \times 0.5 = -1.5$，
# $\partial o/\partial w_1 = x_1 \times 0.5 = 1.0$。

# %%
x1w1._backward()
picture = show(o)
for v in (x1, w1, x2, w2, b):
    print(f"∂o/∂{v.label} = {v.grad:+.4f}")
assert abs(x1.grad + 1.5) < 1e-12 and abs(w1.grad - 1.0) < 1e-12
assert "grad -1.5000" in picture.source and picture.source.count("grad 0.0000") == 1  # w2
assert abs(x2.grad - 0.5) < 1e-12 and w2.grad == 0.0 and abs(b.grad - 0.5) < 1e-12

# %% [markdown]
# 这些数对不对？用第 1 节的办法核对其中一个：把 $w_1$ 推一小步，用普通的 `math` 重算 $o$。
# 斜率应该就是 $\partial o/\partial w_1 = 1$。


# %%
def neuron(x1, w1, x2, w2, b):
    return math.tanh(x1 * w1 + x2 * w2 + b)


inputs = (2.0, -3.0, 0.0, 1.0, 6.8813735870195432)
nudged = (2.0, -3.0 + 1e-6, 0.0, 1.0, 6.8813735870195432)
do_dw1 = (neuron(*nudged) - neuron(*inputs)) / 1e-6
print(f"推一推得到的 ∂o/∂w1 ≈ {do_dw1:.6f}")
assert abs(do_dw1 - w1.grad) < 1e-5

# %% [markdown]
# 一次反向传播得到了**全部五个**偏导数，每个节点只做了自己那一小步“上游梯度 × 局部导数”；
# 而推一推的办法，每个输入都要重新算一遍。
#
# ## 4. 拓扑顺序：先处理谁？
#
# 刚才调用 `_backward()` 的顺序是我们手挑的：**一个节点只有在用到它的所有节点都处理完之后，
# 它的梯度才是完整的**，才轮到它往回传。顺序错了会怎样？
# 把梯度清零，设 `o.grad = 1` 后先调用 `x1w1._backward()`：这时 `x1w1.grad` 还是 0，传下去的也是 0。


# %%
def reset(*values):
    for v in values:
        v.grad = 0.0


graph = (x1, w1, x2, w2, b, x1w1, x2w2, x1w1x2w2, n, o)
reset(*graph)
o.grad = 1.0
x1w1._backward()
assert x1.grad == 0.0 and w1.grad == 0.0  # 太早了：梯度还没传到 x1w1

# %% [markdown]
# 满足“每个节点排在它的所有父节点之后”的排列叫**拓扑顺序**；反向传播就按它的**逆序**走。
# 求拓扑顺序的常见写法是递归的深度优先搜索，但 Python 默认最多递归约 1000 层，
# 一条很长的计算链（比如一个循环里累加几千次）就会 `RecursionError`。
# 下面的写法用一个显式的栈（一个列表）代替递归：第一次遇到一个节点时，先把它自己连同记号
# `True`（“父节点已安排好”）压回栈里，再把它的父节点压在上面；
# 等它带着记号再次出栈时，它的父节点都已经记录过了，这时才记录它。


# %%
def topological_order(root):
    """Every node after all of its parents, without recursion."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))  # come back to node after its parents
            stack.extend((parent, False) for parent in node._prev)
    return order


order = topological_order(o)
print([v.label for v in order])
position = {v: k for k, v in enumerate(order)}
assert len(order) == 10 and order[-1] is o
assert all(position[p] < position[v] for v in order for p in v._prev)

# %% [markdown]
# 为什么不用递归？对比一下：在一条 5000 个加法的链上，递归的写法失败，栈的写法照常工作。


# %%
def topological_order_recursive(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)

    visit(root)
    return order


one = Value(1.0)
long_chain = Value(0.0)
for _ in range(5000):
    long_chain = long_chain + one
try:
    topological_order_recursive(long_chain)
    recursion_failed = False
except RecursionError:
    recursion_failed = True
print(f"递归写法失败：{recursion_failed}；栈写法排好了 {len(topological_order(long_chain))} 个节点")
assert recursion_failed and len(topological_order(long_chain)) == 5002

# %% [markdown]
# 有了拓扑顺序，`backward()` 就是三行：排序，把输出的梯度设为 1，倒着逐个调用 `_backward()`。


# %%
def backward(self):
    order = topological_order(self)
    self.grad = 1.0
    for node in reversed(order):
        node._backward()


Value.backward = backward
reset(*graph)
o.backward()
assert abs(x1.grad + 1.5) < 1e-12 and abs(w1.grad - 1.0) < 1e-12
assert abs(x2.grad - 0.5) < 1e-12 and w2.grad == 0.0 and abs(b.grad - 0.5) < 1e-12

# %% [markdown]
# 和手动一步步走的结果完全一样。
#
# **梯度有什么用？** 它告诉我们每个输入往哪个方向推、推多少，输出会变大。
# 把每个输入都顺着自己的梯度推一小步：$v \leftarrow v + 0.01 \cdot \partial o/\partial v$。
# 梯度为正的输入变大，为负的变小，梯度为 0 的 $w_2$ 不动。按导数的意思，
# 输出应当增加大约 $0.01 \times \sum_v (\partial o/\partial v)^2 = 0.01 \times 3.75 = 0.0375$
# （五个梯度的平方和是 $1.5^2 + 1^2 + 0.5^2 + 0^2 + 0.5^2 = 3.75$）。
# 用第 3 节那个普通的 `neuron` 函数重算一遍输出：

# %%
leaves = (x1, w1, x2, w2, b)
before = o.data
for v in leaves:
    v.data += 0.01 * v.grad
after = neuron(x1.data, w1.data, x2.data, w2.data, b.data)
predicted = 0.01 * sum(v.grad**2 for v in leaves)
print(f"o：{before:.4f} → {after:.4f}，增加 {after - before:.4f}（预计约 {predicted:.4f}）")
assert after > before and abs((after - before) - predicted) < 0.1 * predicted

# %% [markdown]
# 输出确实变大了，增加量和预计的几乎一样（差一点是因为步子不是无穷小）。
# 训练神经网络时做的正是这件事的反面：输出换成“损失”，每个参数**逆着**梯度走一小步，损失就变小。
# 这一步叫**梯度下降**，第 05 章会用它训练一个网络。
#
# ## 5. 第一个坑：同一个变量用了两次
#
# 试试 $b = a + a$。显然 $\frac{db}{da} = 2$。

# %%
a = Value(3.0, label="a")
b = a + a
b.backward()
print("a.grad =", a.grad)
assert a.grad == 1.0  # 错了！应该是 2

# %% [markdown]
# 为什么是 1？`b` 的两个父节点 `self` 和 `other` 都是同一个 `a`，
# `_backward` 里先写 `self.grad = 1`，再写 `other.grad = 1`，后一次**覆盖**了前一次。
# 用推一推核对，答案确实是 2：

# %%
h = 1e-6
assert abs(((3.0 + h) + (3.0 + h) - (3.0 + 3.0)) / h - 2) < 1e-6

# %% [markdown]
# 更隐蔽的情况是一个变量流向两个**不同**的节点，例如 $a = -2, b = 3$，
# $d = a b$，$e = a + b$，$f = d e$。按求导公式，$\partial f/\partial a = b e + d = -3$，
# $\partial f/\partial b = a e + d = -8$。覆盖的写法又错了：

# %%
a, b = Value(-2.0, label="a"), Value(3.0, label="b")
f_out = (a * b) * (a + b)
f_out.backward()
print(a.grad, b.grad)
assert (a.grad, b.grad) != (-3.0, -8.0)

# %% [markdown]
# 多元链式法则说得很清楚：一个变量通过几条路径影响输出，它的梯度就是**每条路径贡献之和**。
# 所以 `_backward` 里应当**累加** `+=`，而不是赋值 `=`。把三个运算都改过来：


# %%
def add(self, other):
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += 1.0 * out.grad
        other.grad += 1.0 * out.grad

    out._backward = _backward
    return out


def mul(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


Value.__add__, Value.__mul__, Value.tanh = add, mul, tanh
a = Value(3.0, label="a")
(a + a).backward()
assert a.grad == 2.0

# %% [markdown]
# 再看 $f = (ab)(a+b)$：

# %%
a, b = Value(-2.0, label="a"), Value(3.0, label="b")
(a * b * (a + b)).backward()
print(a.grad, b.grad)
assert (a.grad, b.grad) == (-3.0, -8.0)

# %% [markdown]
# ## 6. 第二个坑：忘了把梯度清零
#
# 累加解决了第一个坑，却带来第二个：梯度会一直累加下去，**跨过多次 `backward()`** 也一样。
# 取 $b = a \cdot a$，$a = 3$，$\frac{db}{da} = 2a = 6$。连续调用三次 `backward()`：

# %%
a = Value(3.0, label="a")
b = a * a
history = []
for _ in range(3):
    b.backward()
    history.append(a.grad)
print(history)
assert history == [6.0, 12.0, 18.0]

# %% [markdown]
# 训练时每一步都要重新算一次梯度，如果不清零，这一步的梯度就叠在上一步的上面，参数会被推得越来越远。
# 所以训练循环里每次 `backward()` 之前都要把梯度设回 0，这一步叫 `zero_grad()`：

# %%
history = []
for _ in range(3):
    a.grad = 0.0  # zero_grad
    b.backward()
    history.append(a.grad)
assert history == [6.0, 6.0, 6.0]

# %% [markdown]
# ## 7. 把 tanh 拆开：运算切多细由我们决定
#
# 第 2 节把 tanh 当成**一个**运算，给了它一个局部导数 $1 - t^2$。其实也可以不写 tanh，
# 用更小的运算把它拼出来：$\tanh n = \dfrac{e^{2n} - 1}{e^{2n} + 1}$（分子分母同乘 $e^{n}$ 即得）。
# 这需要指数 `exp`、减法和除法。它们都不难：
#
# - $e^x$ 的导数就是它自己；
# - 除法写成乘以 $(-1)$ 次幂：$a / b = a \cdot b^{-1}$，而 $x^k$ 的导数是 $k x^{k-1}$；
# - 减法写成加上 $(-1)$ 倍：$a - b = a + (-1) \cdot b$。
#
# 式子里还有普通的数（2、1），所以加法、乘法先把数包成 `Value`；
# `__radd__`、`__rmul__` 让 `2 * n` 这样数在左边的写法也能用。


# %%
def as_value(x):
    return x if isinstance(x, Value) else Value(x)


def add(self, other):
    other = as_value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += 1.0 * out.grad
        other.grad += 1.0 * out.grad

    out._backward = _backward
    return out


def mul(self, other):
    other = as_value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def power(self, k):  # k 是普通的数
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    e = math.exp(self.data)
    out = Value(e, (self,), "exp")

    def _backward():
        self.grad += e * out.grad

    out._backward = _backward
    return out


def neg(self):
    return self * -1


def sub(self, other):
    return self + (-other)


def truediv(self, other):
    return self * other**-1


Value.__add__ = Value.__radd__ = add
Value.__mul__ = Value.__rmul__ = mul
Value.__pow__, Value.exp, Value.__neg__ = power, exp, neg
Value.__sub__, Value.__truediv__ = sub, truediv
assert abs((Value(6.0) / 3 - 1).data - 1.0) < 1e-15 and (2 * Value(3.0)).data == 6.0

# %% [markdown]
# 同一个神经元，这次 tanh 用 `exp` 和除法拼出来。注意 `e` 被用了两次（分子和分母），
# 第 5 节的 `+=` 在这里是必需的。梯度应当和第 3 节完全一样（只差浮点舍入）：

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
e = (2 * n).exp()
e.label = "e"
o = (e - 1) / (e + 1)
o.label = "o"
o.backward()
exp_grads = [v.grad for v in (x1, w1, x2, w2, b)]
print(f"拆开以后的梯度：{[round(g, 6) for g in exp_grads]}")
assert abs(o.data - 1 / math.sqrt(2)) < 1e-12
assert max(abs(g - want) for g, want in zip(exp_grads, [-1.5, 1.0, 0.5, 0.0, 0.5])) < 1e-9

# %% [markdown]
# 数字一样，图却大了不少：

# %%
picture = show(o)
print(f"拆开后有 {len(topological_order(o))} 个节点，一个 tanh 的版本是 10 个")
assert len(topological_order(o)) > 10 and "grad -1.5000" in picture.source

# %% [markdown]
# 所以“什么算一个运算”是我们自己定的：只要知道它的局部导数，一个运算可以小到一次加法，
# 也可以大到一整个 tanh。链式法则保证两种切法给出同样的梯度。切得粗，节点少、算得快；
# 切得细，每个运算都简单。`micrograd_cn` 给 tanh、sigmoid 这些常用函数各配了一个运算，
# 还有一次加起很多数的 `F.sum`，都是为了节点少、算得快。
#
# ## 8. 换成 `micrograd_cn.Value`
#
# 我们的小 `Value` 已经是一个能用的自动求导引擎了。`micrograd_cn.Value` 做的是同一件事，
# 只是运算更多、更快，还能画图。同一个神经元，同样可以手动一步步调用 `_backward()`：

# %%
x1 = mg.Value(2.0, label="x1")
x2 = mg.Value(0.0, label="x2")
w1 = mg.Value(-3.0, label="w1")
w2 = mg.Value(1.0, label="w2")
b = mg.Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1w1"
x2w2 = x2 * w2
x2w2.label = "x2w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1w1x2w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"

o.grad = 1.0
for node in (o, n, b, x1w1x2w2, x2w2, x1w1):
    node._backward()
grads = [v.grad for v in (x1, w1, x2, w2, b)]
print(grads)
assert max(abs(g - e) for g, e in zip(grads, [-1.5, 1.0, 0.5, 0.0, 0.5])) < 1e-12

# %% [markdown]
# 当然平时只需要一行 `o.backward()`。它和我们的版本有两点不同，都是为了和 PyTorch 一致、也为了快：
#
# - 引擎里每个运算的闭包接收上游梯度 `g` 作参数，只引用父节点、不引用结果节点，
#   计算图里没有“结果 → 闭包 → 结果”的环，用完立刻被释放（只影响速度和内存，梯度一样）；
# - 一次 `backward()` 里，**中间节点**的梯度按这一次重新算，**叶子节点**（参数）的梯度累加。
#   所以第 6 节的坑在这里一样存在，训练时要调用 `model.zero_grad()`。

# %%
a = mg.Value(3.0, label="a")
b = a * a
history = []
for _ in range(3):
    b.backward()
    history.append(a.grad)
assert history == [6.0, 12.0, 18.0]
(a + a).backward()  # 再加上 d(a+a)/da = 2
assert a.grad == 20.0

# %% [markdown]
# `draw_dot` 画 `micrograd_cn.Value` 的图和画我们自己的一样。和第 3 节手算的数字对照着看。

# %%
picture = draw_dot(o)
display(picture)
assert "grad -1.5000" in picture.source and "grad 0.5000" in picture.source

# %% [markdown]
# `StepThrough` 把正向和反向一步步放给你看：先按拓扑顺序出现每个节点的值，
# 再按逆序出现每个节点的梯度，每一步写明“上游梯度 × 局部导数”。

# %%
steps = StepThrough(o)
display(steps)
assert len(steps) == 2 * 10  # 10 个节点：正向 10 步，反向 10 步

# %% [markdown]
# ## 9. 和 PyTorch 对照
#
# PyTorch 是最常用的深度学习框架，它的张量（多维数组）也会记录计算图、用 `backward()` 求梯度。
# 同一个神经元在 PyTorch 里应当给出完全相同的梯度（用 64 位浮点数）。
# 没有安装 PyTorch 时这一格只打印一行说明。

# %%
if importlib.util.find_spec("torch") is None:
    torch_grads = None
    print("没有安装 PyTorch，跳过对照（pip install torch 后重新运行这一格）。")
else:
    import torch

    tx1, tw1, tx2, tw2, tb = (
        torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for v in (2.0, -3.0, 0.0, 1.0, 6.8813735870195432)
    )
    to = torch.tanh(tx1 * tw1 + tx2 * tw2 + tb)
    to.backward()
    torch_grads = [t.grad.item() for t in (tx1, tw1, tx2, tw2, tb)]
    print("PyTorch:", torch_grads)
assert torch_grads is None or max(abs(t - g) for t, g in zip(torch_grads, grads)) < 1e-12

# %% [markdown]
# **小结**
#
# - 导数回答“输入变一点，输出变多少”；推一推 $(f(x+h)-f(x))/h$ 可以近似它，
#   但 $h$ 太小会被舍入误差吃掉；
# - `Value` 记住值、父节点、运算和一个局部求导的闭包；
# - 反向传播：输出的梯度设为 1，按拓扑顺序的逆序，每个节点把“上游梯度 × 局部导数”**累加**给父节点；
# - 拓扑顺序用显式的栈求，不用递归；
# - 梯度要累加（`+=`），所以每次 `backward()` 之前要清零（`zero_grad()`）；
# - 顺着梯度推输入，输出变大；逆着梯度推，输出变小（训练就靠这个）；
# - 一个运算切多细由我们决定，只要知道它的局部导数：tanh 一个运算和 exp、除法拼出来的梯度相同。
#
# 下一章用同样的工具看一个更具体的例子：超市买苹果的计算图。
#
# ## 练习
#
# 两个练习都给**我们自己写的** `Value`（第 2 节那个类）加一个运算。每个练习下面有一个单元格，
# 里面已经写好了正向计算和“把闭包挂到结果上”，只有闭包 `_backward` 的内容空着：
# 把 `raise NotImplementedError(...)` 那一行换成你的代码。闭包在反向传播时被调用，
# 这时 `out.grad` 里是最终输出对 `out` 的导数（上游梯度），闭包要把梯度送给输入。
#
# 写完运行那个单元格，再运行它下面的检查格。`check_op` 会在几个点上用推一推（中心差分）
# 核对你的梯度，还会换一个上游梯度、把运算用两次再核对；写错时它用中文说出错在哪个点、
# 差了多少、最可能是什么错，并列出它试过的每个点。还没写的时候，它只说“还没写”。
#
# **练习 1：立方 `cube(x)`。** 输入一个 `Value` `x`，输出 $y = x^3$。
# 闭包要做的事：按链式法则，把这个运算贡献的那一份梯度送给输入 `x`（存在 `x.grad` 里）。
#
# <details><summary>提示 1：局部导数</summary>
#
# $x$ 变一点点，$x^3$ 变 $3x^2$ 倍：局部导数是 $3x^2$，在代码里是 `3 * x.data**2`。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# 和第 5 节改好的乘法一样：`x.grad += 局部导数 * out.grad`。用 `+=`，并且乘上游梯度 `out.grad`。
#
# </details>


# %% tags=["exercise-cube"]
def cube(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(cube)

# %% [markdown]
# **练习 2：ReLU `relu(x)`。** 神经网络最常用的激活函数：输入是正数时原样输出，否则输出 0，
# 即 $y = \max(0, x)$。正向计算已经写好了。闭包要做的事同上：把梯度送给 `x`。
# （$x = 0$ 处是一个拐点，导数没有定义；`check_op` 取的点会避开它。）
#
# <details><summary>提示 1：局部导数</summary>
#
# $x > 0$ 时 $y = x$，局部导数是 1；$x < 0$ 时 $y$ 恒为 0，局部导数是 0。
# 在代码里可以写成 `(x.data > 0)`：Python 里 `True` 当 1 用，`False` 当 0 用。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# 还是一行：`x.grad += 局部导数 * out.grad`。
#
# </details>


# %% tags=["exercise-relu"]
def relu(x):
    out = Value(max(0.0, x.data), (x,), "relu")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(relu)
