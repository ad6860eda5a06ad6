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
# # 02 链式法则与反向传播
#
# 本章对应种子文章 002《梯度下降和反向传播》的前半部分：链式法则、$(x+y)\cdot z$ 的例子、
# 门单元之间梯度的传递（加法门、乘法门、取最大值门），以及梯度下降的更新规则。

# %%
import math

from IPython.display import display

from micrograd_cn import F, Value
from micrograd_cn.engine import topological_order
from micrograd_cn.trace import fresh_record
from micrograd_cn.viz import StepThrough, draw_dot

# %% [markdown]
# ## 1. 链式法则
#
# 若 $y = g(x)$，$z = f(y)$，则
# $\frac{\partial z}{\partial x} = \frac{\partial z}{\partial y}\frac{\partial y}{\partial x}$。
# 例如 $z = t^2$，$t = x + y$：$\frac{\partial z}{\partial x} = 2t \cdot 1$。

# %%
x, y = Value(1.5, label="x"), Value(0.5, label="y")
t = x + y
z = t**2
z.backward()
assert x.grad == 2 * (1.5 + 0.5) * 1 and y.grad == 2 * (1.5 + 0.5) * 1
print(f"∂z/∂x = {x.grad}, ∂z/∂y = {y.grad}")

# %% [markdown]
# ## 2. $f(x, y, z) = (x + y)\,z$
#
# 文章把公式拆成两步：$q = x + y$，$f = q z$。先看文章的代码（普通的 Python 数）：

# %%
# input value
x_ = -2
y_ = 5
z_ = -4

# forward propagation
q_ = x_ + y_  # q become 3
f_ = q_ * z_  # f become -12

# back propagation
dfdz = q_  # q=3, dfdz = 3
dfdq = z_  # z=-4, dfdq = -4
dfdx = 1.0 * dfdq  # dqdx=1, dfdq=-4, dfdx=-4
dfdy = 1.0 * dfdq  # dqdy=1, dfdq=-4, dfdy=-4

assert (f_, dfdx, dfdy, dfdz) == (-12, -4, -4, 3)
print(f"f = {f_}, [dfdx, dfdy, dfdz] = {[dfdx, dfdy, dfdz]}")

# %% [markdown]
# 同样的计算用 `Value`：只写正向，反向交给 `backward()`。

# %%
x = Value(-2.0, label="x")
y = Value(5.0, label="y")
z = Value(-4.0, label="z")
q = x + y
q.label = "q"
f = q * z
f.label = "f"
f.backward()
assert (q.data, f.data) == (3.0, -12.0)
assert (x.grad, y.grad, z.grad, q.grad) == (dfdx, dfdy, dfdz, dfdq)
print(f"f = {f.data}, [∂f/∂x, ∂f/∂y, ∂f/∂z] = {[x.grad, y.grad, z.grad]}")

# %%
graph = draw_dot(f)
display(graph)
for text in ("data -12.0000", "grad -4.0000", "grad 3.0000"):
    assert text in graph.source

# %% [markdown]
# ## 3. 一个节点一个节点地反向传播
#
# 文章的图里，正向传播（绿色）从输入到输出，反向传播（红色）从输出开始，梯度在链路中回流。
# `StepThrough` 逐帧显示这个过程（在 Jupyter 里是滑块）：

# %%
steps = StepThrough(f)
display(steps)
assert len(steps) == 10
for caption in steps.captions:
    print(caption)
assert steps.captions[7] == "反向 Backward 3/5 · ∂f/∂q = z = -4"

# %% [markdown]
# 反向第 3 步：$\partial f/\partial q = z = -4$（静态帧，GitHub 上也能看到）：

# %%
display(steps[7])
assert "grad -4.0000" in steps[7].source

# %% [markdown]
# `backward()` 里面到底做了什么？先求出**拓扑顺序**（每个节点排在它的输入之后），
# 然后倒着走一遍，每个节点调用自己的 `_backward(grad)`，把梯度按局部导数分给输入。
# 我们手动做一遍：

# %%
for v in (x, y, z, q, f):
    v.grad = 0.0
order = topological_order(f)
assert [v.label for v in order] == ["x", "y", "q", "z", "f"]

f.grad = 1.0
for node in reversed(order):
    if node._backward is not None:
        node._backward(node.grad)
    print(f"处理 {node.label}:  " + "  ".join(f"{v.label}.grad={v.grad:g}" for v in order))
assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)

# %% [markdown]
# 同样的信息，打印成表格：

# %%
trace = fresh_record(f)
print(trace.forward_table())
print()
print(trace.backward_table())
assert [(s.name, s.grad) for s in trace.backward] == [
    ("f", 1.0),
    ("z", 3.0),
    ("q", -4.0),
    ("y", -4.0),
    ("x", -4.0),
]

# %% [markdown]
# ## 4. 门单元：加法、乘法、取最大值
#
# 文章（取自 CS231n）的图：$f = 2\,(x y + \max(z, w))$，$x=3, y=-4, z=2, w=-1$。
#
# - **加法门**把梯度相等地分给所有输入；
# - **取最大值门**把梯度全部给较大的那个输入，另一个得 0；
# - **乘法门**把输入交换后乘以梯度。

# %%
x, y, z, w = (Value(v, label=n) for v, n in [(3.0, "x"), (-4.0, "y"), (2.0, "z"), (-1.0, "w")])
xy = x * y
xy.label = "xy"
m = F.maximum(z, w)
m.label = "max"
s = xy + m
s.label = "s"
out = s * 2
out.label = "f"
out.backward()

assert (xy.data, m.data, s.data, out.data) == (-12.0, 2.0, -10.0, -20.0)
assert s.grad == 2.0  # ∂f/∂s = 2
assert xy.grad == m.grad == 2.0  # 加法门：原样分给两个输入
assert (z.grad, w.grad) == (2.0, 0.0)  # max 门：全部给较大的 z
assert (x.grad, y.grad) == (-4.0 * 2.0, 3.0 * 2.0)  # 乘法门：交换输入
for v in (x, y, z, w):
    print(f"∂f/∂{v.label} = {v.grad:g}")

# %%
graph = draw_dot(out)
display(graph)
assert "grad -8.0000" in graph.source and "grad 6.0000" in graph.source

# %% [markdown]
# 文章给出的几个局部梯度：$\frac{d}{dx}\frac1x = -\frac{1}{x^2}$，$\frac{d}{dx}(a+x) = 1$，
# $\frac{d}{dx}e^x = e^x$，$\frac{d}{dx}(ax) = a$。逐个与闭式解对照（$x = 0.7$，$a = 3$）：

# %%
a = 3.0
cases = {
    "1/x": (lambda v: 1 / v, lambda x0: -1 / x0**2),
    "a+x": (lambda v: a + v, lambda x0: 1.0),
    "e^x": (lambda v: v.exp(), lambda x0: math.exp(x0)),
    "a*x": (lambda v: a * v, lambda x0: a),
}
for name, (func, derivative) in cases.items():
    v = Value(0.7)
    func(v).backward()
    assert abs(v.grad - derivative(0.7)) < 1e-12, name
    print(f"d({name})/dx at x=0.7: {v.grad:.6f}")

# %% [markdown]
# ## 5. 一个变量被用了多次：梯度相加
#
# 多元链式法则
# $\frac{\partial z}{\partial x}
# = \sum_j \frac{\partial z}{\partial y_j}\frac{\partial y_j}{\partial x}$：
# 一个变量流向几条路径，它的梯度就是几条路径的梯度之和。例如 $b = a + a$，$c = b\cdot a$，
# 即 $c = 2a^2$，$\frac{dc}{da} = 4a$。

# %%
a_ = Value(3.0, label="a")
b_ = a_ + a_
c_ = b_ * a_
c_.backward()
assert c_.data == 2 * 3.0**2 and a_.grad == 4 * 3.0
print(f"c = {c_.data}, dc/da = {a_.grad}")

# %% [markdown]
# ## 6. 梯度下降
#
# 梯度指向函数增长最快的方向，所以沿负梯度走一小步：$\omega \to \omega - \eta\nabla f$。
# 最小化 $f(w) = (w-3)^2$，从 $w=0$ 出发、$\eta = 0.1$：每一步 $w - 3$ 乘以 $1 - 2\eta = 0.8$，
# 所以 $w_n = 3\,(1 - 0.8^n)$。

# %%
wv = Value(0.0, label="w")
eta = 0.1
for n in range(1, 26):
    loss = (wv - 3) ** 2
    wv.grad = 0.0
    loss.backward()
    wv.data -= eta * wv.grad
    assert abs(wv.data - 3 * (1 - 0.8**n)) < 1e-12
print(f"25 步之后 w = {wv.data:.6f}（闭式解 {3 * (1 - 0.8**25):.6f}）")

# %% [markdown]
# **小结**
# - 链式法则：上游梯度 × 局部导数；
# - `backward()` = 拓扑排序 + 倒序调用每个节点的 `_backward(grad)`；
# - 加法门均分（原样复制）、乘法门交换输入、max 门路由给较大者；
# - 变量被多次使用时梯度相加；
# - 梯度下降沿负梯度更新参数。
