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
# 本章跟随文章《梯度下降和反向传播》的前半部分（它的例子和图取自斯坦福 CS231n 课程的笔记
# 《Backpropagation, Intuitions》）：链式法则、$(x+y)\cdot z$ 的例子、
# 门单元之间梯度的传递（加法门、乘法门、取最大值门），以及梯度下降的更新规则。
# 第 00 章手动做过的事，这里用更多的例子练熟。

# %%
import math

from IPython.display import display

from micrograd_cn import F, Value
from micrograd_cn.engine import topological_order
from micrograd_cn.exercises import check_op
from micrograd_cn.trace import fresh_record
from micrograd_cn.viz import StepThrough, draw_dot, step_frames

# %% [markdown]
# ## 1. 链式法则
#
# 若 $y = g(x)$，$z = f(y)$，则
# $\frac{\partial z}{\partial x} = \frac{\partial z}{\partial y}\frac{\partial y}{\partial x}$：
# $x$ 推一点，$y$ 变 $\frac{\partial y}{\partial x}$ 倍；$y$ 的这点变化又让 $z$ 变
# $\frac{\partial z}{\partial y}$ 倍，两个倍数相乘。
# 例如 $z = t^2$，$t = x + y$：$\frac{\partial z}{\partial x} = 2t \cdot 1$。

# %%
x, y = Value(1.5, label="x"), Value(0.5, label="y")
t = x + y
z = t**2
z.backward()
print(f"∂z/∂x = {x.grad}, ∂z/∂y = {y.grad}")
assert x.grad == y.grad == 2 * (1.5 + 0.5)

# %% [markdown]
# ## 2. $f(x, y, z) = (x + y)\,z$
#
# 把公式拆成两步：$q = x + y$，$f = q z$。先只用普通的数，手工做一遍正向和反向。
# 反向时从 $f$ 往回：$\partial f/\partial z = q$，$\partial f/\partial q = z$；
# 再过加法节点，$\partial f/\partial x = \partial f/\partial q \times 1$，$y$ 也一样。

# %%
x0, y0, z0 = -2.0, 5.0, -4.0
q0 = x0 + y0  # 3
f0 = q0 * z0  # -12
df_dz = q0  # 乘法：另一个输入
df_dq = z0
df_dx = df_dq * 1.0  # 加法：原样传下去
df_dy = df_dq * 1.0
print(f"f = {f0}, [∂f/∂x, ∂f/∂y, ∂f/∂z] = {[df_dx, df_dy, df_dz]}")
assert (f0, df_dx, df_dy, df_dz) == (-12, -4, -4, 3)

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
print(f"f = {f.data}, [∂f/∂x, ∂f/∂y, ∂f/∂z] = {[x.grad, y.grad, z.grad]}")
assert (f.data, x.grad, y.grad, z.grad) == (f0, df_dx, df_dy, df_dz)

# %%
graph = draw_dot(f)
display(graph)
for text in ("data -12.0000", "grad -4.0000", "grad 3.0000"):
    assert text in graph.source

# %% [markdown]
# ## 3. 一个节点一个节点地反向传播
#
# 正向传播（绿色）从输入流到输出；反向传播（红色）从输出出发，梯度沿着同样的边倒流回去。
# `StepThrough` 逐帧显示这个过程：

# %%
steps = StepThrough(f)
display(steps)
assert len(steps) == 10  # 5 个节点：正向 5 步 + 反向 5 步

# %% [markdown]
# 每一步的说明都是“上游梯度 × 局部导数”。反向第 3 步：$f = q z$ 对 $q$ 的局部导数是 $z$，
# 上游梯度 $\partial f/\partial f = 1$，所以 $\partial f/\partial q = 1 \times (-4) = -4$。

# %%
for caption in steps.captions:
    print(caption)
assert "∂f/∂q" in steps.captions[7] and steps.captions[7].endswith("-4")

# %% [markdown]
# 单独看这一帧（`step_frames` 给出每一帧的图）：

# %%
frame = step_frames(f)[7]
display(frame)
assert "grad -4.0000" in frame.source

# %% [markdown]
# `backward()` 里面做的就是第 00 章的三件事：求出**拓扑顺序**（每个节点排在它的输入之后），
# 把输出的梯度设为 1，倒着逐个调用 `_backward()`，把梯度按局部导数分给输入。
# `micrograd_cn` 的 `topological_order` 就是第 00 章那个用栈的版本。手动做一遍：

# %%
for v in (x, y, z, q, f):
    v.grad = 0.0
order = topological_order(f)
print([v.label for v in order])
assert [v.label for v in order] == ["x", "y", "q", "z", "f"]

# %%
f.grad = 1.0
for node in reversed(order):
    node._backward()  # 叶子节点什么也不做
    print(f"处理 {node.label}:  " + "  ".join(f"{v.label}.grad={v.grad:g}" for v in order))
assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)

# %% [markdown]
# 同样的信息，列成表格。先是正向：

# %%
trace = fresh_record(f)
assert [step.value for step in trace.forward] == [-2.0, 5.0, 3.0, -4.0, -12.0]
trace.forward_table()

# %% [markdown]
# 再是反向（在终端里 `print(trace.backward_table())` 打印出对齐的文字表格）：

# %%
assert [(step.name, step.grad) for step in trace.backward] == [
    ("f", 1.0),
    ("z", 3.0),
    ("q", -4.0),
    ("y", -4.0),
    ("x", -4.0),
]
trace.backward_table()

# %% [markdown]
# ## 4. 门单元：加法、乘法、取最大值
#
# CS231n 笔记里的例子：$f = 2\,(x y + \max(z, w))$，$x=3, y=-4, z=2, w=-1$。
#
# - **加法门**把梯度**原样**传给每个输入（每个输入都拿到完整的一份，不是平分）；
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
print(f"f = {out.data:g}")
for v in (x, y, z, w):
    print(f"∂f/∂{v.label} = {v.grad:g}")
assert out.data == -20.0 and s.grad == 2.0  # ∂f/∂s = 2
assert xy.grad == m.grad == 2.0  # 加法门：原样分给两个输入
assert (z.grad, w.grad) == (2.0, 0.0)  # max 门：全部给较大的 z
assert (x.grad, y.grad) == (-4.0 * 2.0, 3.0 * 2.0)  # 乘法门：交换输入

# %%
graph = draw_dot(out)
display(graph)
assert "grad -8.0000" in graph.source and "grad 6.0000" in graph.source

# %% [markdown]
# 几个常用的局部导数：$\frac{d}{dx}\frac1x = -\frac{1}{x^2}$，$\frac{d}{dx}(a+x) = 1$，
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
    print(f"d({name})/dx at x=0.7: {v.grad:.6f}")
    assert abs(v.grad - derivative(0.7)) < 1e-12, name

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
print(f"c = {c_.data}, dc/da = {a_.grad}")
assert c_.data == 2 * 3.0**2 and a_.grad == 4 * 3.0

# %% [markdown]
# ## 6. 梯度下降
#
# 把一个函数对每个参数的偏导数排在一起，就是它的**梯度** $\nabla f$。
# 梯度指向函数增长最快的方向，所以要让函数变小，就沿负梯度走一小步：
# $w \to w - \eta\nabla f$，步长 $\eta$ 叫**学习率**
# （文章《梯度下降和反向传播》把参数记作 $\omega$，这里和代码一致写作 $w$）。
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
# - `backward()` = 拓扑排序 + 倒序调用每个节点的 `_backward()`；
# - 加法门原样复制给每个输入、乘法门交换输入、max 门全部给较大者；
# - 变量被多次使用时梯度相加；
# - 梯度下降沿负梯度更新参数。
#
# ## 练习
#
# 两个练习的写法和第 00 章一样：单元格里已经写好了正向计算和“把闭包挂到结果上”，
# 把闭包里 `raise NotImplementedError(...)` 那一行换成你的代码，运行它，再运行下面的检查格。
#
# **练习 1：最大值门 `maximum(a, b)`。** 两个输入 `a`、`b`，输出较大的那个（第 4 节的 max 门）。
# 闭包要做的事：按链式法则把梯度送给两个输入（上游梯度在 `out.grad` 里）。
# （$a = b$ 时导数没有定义；`check_op` 取的点里 $a$、$b$ 总是不相等。）
#
# <details><summary>提示 1：局部导数</summary>
#
# 较大的那个输入变一点，输出跟着变同样多：局部导数是 1。较小的那个输入变一点，输出不变：
# 局部导数是 0。所以上游梯度**全部**给较大的输入，另一个什么也得不到。
#
# </details>
#
# <details><summary>提示 2：这几行长什么样</summary>
#
# 一个 `if`：`if a.data > b.data:` 里写 `a.grad += out.grad`，`else:` 里写 `b.grad += out.grad`。
#
# </details>


# %% tags=["exercise-maximum"]
def maximum(a, b):
    out = Value(max(a.data, b.data), (a, b), "max")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(maximum)

# %% [markdown]
# **练习 2：指数 `exp(x)`。** 一个输入 `x`，输出 $y = e^x$，正向时已经算好放在 `y` 里。
# 闭包要做的事：按链式法则把梯度送给 `x`。
#
# <details><summary>提示 1：局部导数</summary>
#
# $e^x$ 的导数就是它自己：局部导数是 $e^x$，也就是正向算好的 `y`（不用再算一遍 `math.exp`）。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# `x.grad += 局部导数 * out.grad`。
#
# </details>


# %% tags=["exercise-exp"]
def exp(x):
    y = math.exp(x.data)
    out = Value(y, (x,), "exp")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(exp)
