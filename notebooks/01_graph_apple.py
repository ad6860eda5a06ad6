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
# # 01 计算图与苹果例子
#
# 本章跟随文章《误差反向传播法·计算图》，它讲的是斋藤康毅《深度学习入门：基于Python的理论与实现》
# 第 5 章的内容。第 00 章里我们自己写过 `Value`，这里换一个生活中的例子再看一遍同样的机制。
#
# **计算图**把一个计算画成图：方框是数，圆圈是运算，箭头表示“谁算出了谁”。
# 沿箭头从左往右算出结果叫**正向传播**；从结果出发、逆着箭头把导数传回去叫**反向传播**。
#
# 书里的第一个问题：在超市买 2 个苹果，每个 100 日元，消费税 10%，一共付多少钱？
# 我们还想知道：苹果涨价 1 日元、多买一个、或者税率变了，付的钱各变多少？这正是导数回答的问题。

# %%
from IPython.display import display

from micrograd_cn import Value
from micrograd_cn.exercises import check_op
from micrograd_cn.trace import fresh_record
from micrograd_cn.viz import StepThrough, draw_dot, step_frames

# %% [markdown]
# ## 1. 正向传播：用 `Value` 搭出计算图
#
# 每个 `Value` 记住自己的值 `data`、是由哪些节点经过什么运算得到的（`_prev`、`_op`），
# 以及稍后反向传播要填上的梯度 `grad`。标签可以用中文。

# %%
apple = Value(100, label="苹果单价")
apple_num = Value(2, label="苹果个数")
tax = Value(1.1, label="消费税")

apple_price = apple * apple_num
apple_price.label = "苹果总价"
price = apple_price * tax
price.label = "支付金额"

print(f"支付金额 = {price.data:.2f} 日元")
assert abs(price.data - 220) < 1e-12  # 浮点数：200 * 1.1 = 220.00000000000003

# %% [markdown]
# 节点之间的连接就是计算图：`支付金额` 由 `苹果总价` 和 `消费税` 相乘得到。

# %%
print(price._op, [p.label for p in price._prev])
assert price._op == "*" and price._prev == (apple_price, tax)

# %% [markdown]
# ## 2. 反向传播
#
# 反向传播从结果出发：支付金额对它自己的导数是 1。
# 往回第一个节点是乘法 `苹果总价 × 消费税`。第 00 章说过，乘法的局部导数是**另一个输入**，
# 书里形象地叫它“翻转”：`苹果总价` 得到 $1 \times 1.1 = 1.1$，`消费税` 得到 $1 \times 200 = 200$。
# 再往回一个乘法 `苹果单价 × 苹果个数`，上游梯度是 1.1：单价得到 $1.1 \times 2 = 2.2$，
# 个数得到 $1.1 \times 100 = 110$。

# %%
price.backward()
for v in (price, apple_price, tax, apple, apple_num):
    print(f"∂支付金额/∂{v.label} = {v.grad:.4g}")
assert abs(apple.grad - 2.2) < 1e-12 and abs(apple_num.grad - 110) < 1e-12 and tax.grad == 200

# %% [markdown]
# 含义：苹果单价每涨 1 日元，支付金额增加 2.2 日元；多买一个苹果多付 110 日元；
# 税率每涨 1（即 100 个百分点）多付 200 日元。
#
# ## 3. 画出计算图
#
# `draw_dot` 画出每个节点的标签、值 `data` 和梯度 `grad`（需要 Graphviz 的 `dot` 程序）。

# %%
graph = draw_dot(price)
display(graph)
for text in ("支付金额", "data 220.0000", "grad 2.2000", "grad 110.0000", "grad 200.0000"):
    assert text in graph.source, text

# %% [markdown]
# ## 4. 一步一步地看
#
# `StepThrough` 先按拓扑顺序逐个显示正向的值，再按相反顺序逐个显示梯度，
# 每一步下面写着这一步算了什么。

# %%
steps = StepThrough(price)
display(steps)
assert len(steps) == 2 * 5  # 5 个节点：正向 5 步 + 反向 5 步

# %% [markdown]
# 把每一步的说明打印出来，就是上面那段推理：

# %%
for caption in steps.captions:
    print(caption)
assert steps.captions[4].endswith("220") and steps.captions[-1].endswith("2.2")

# %% [markdown]
# `step_frames` 给出同样的每一帧，可以单独拿出一帧来看。反向第 3 步：`苹果总价` 的梯度 1.1
# 刚刚算出，红色的边就是它从 `支付金额` 传回来的那条路；`苹果单价` 的梯度还没有算到。

# %%
frame = step_frames(price)[5 + 2]
display(frame)
assert "grad 1.1000" in frame.source and "grad 2.2000" not in frame.source

# %% [markdown]
# 同样的信息也可以列成表格。先是正向：

# %%
trace = fresh_record(price)
assert [round(step.value, 12) for step in trace.forward] == [100.0, 2.0, 200.0, 1.1, 220.0]
trace.forward_table()

# %% [markdown]
# 再是反向（在终端里 `print(trace.backward_table())` 打印出对齐的文字表格）：

# %%
assert [round(step.grad, 12) for step in trace.backward] == [1.0, 200.0, 1.1, 110.0, 2.2]
trace.backward_table()

# %% [markdown]
# ## 5. 局部计算
#
# 计算图的好处是**局部计算**：每个节点只关心自己的那一小步，收到上游传来的导数 $E$，
# 乘以自己的局部导数，再往下传，不需要知道整张图长什么样。
# 例如节点 $y = x^2$ 的局部导数是 $2x$，它往下传的就是 $E \cdot 2x$，
# 其中的 $x$ 是正向传播时记下的值（所以正向时要把中间结果都留着）。

# %%
x = Value(3.0, label="x")
y = x**2
E = 0.5
y.backward(E)  # 从上游传来的导数是 E
print(f"E·2x = {x.grad}")
assert x.grad == E * 2 * 3.0

# %% [markdown]
# ## 6. 另一种写法：层
#
# 书里不建图，而是把每种运算写成一个“层”：`forward` 算结果并记住需要的输入，
# `backward` 接收上游导数、返回给每个输入的导数。我们用自己的代码写这两个层：


# %%
class MultiplyLayer:
    """x * y as a layer: forward keeps the inputs, backward swaps them."""

    def forward(self, x, y):
        self.inputs = (x, y)
        return x * y

    def backward(self, upstream):
        x, y = self.inputs
        return upstream * y, upstream * x


class AddLayer:
    """x + y as a layer: backward passes the upstream derivative on unchanged."""

    def forward(self, x, y):
        return x + y

    def backward(self, upstream):
        return upstream, upstream


# %% [markdown]
# 用层来算苹果的例子：正向按顺序调用 `forward`，反向要我们自己**倒着**调用 `backward`。

# %%
by_count, by_tax = MultiplyLayer(), MultiplyLayer()
layer_price = by_tax.forward(by_count.forward(100, 2), 1.1)
d_apple_price, d_tax = by_tax.backward(1)
d_apple, d_apple_num = by_count.backward(d_apple_price)
print(f"层：{layer_price:.2f} 日元，梯度 {d_apple:.4g}、{d_apple_num:.4g}、{d_tax:.4g}")
assert (layer_price, d_apple, d_apple_num, d_tax) == (
    price.data,
    apple.grad,
    apple_num.grad,
    tax.grad,
)

# %% [markdown]
# 两种写法给出**完全相同**的浮点数。区别在于：用层时，我们得自己记住调用顺序、
# 自己倒序调用 `backward`；`Value` 把计算图记了下来，`backward()` 自动按拓扑顺序倒着走一遍。
#
# ## 7. 加法层：苹果和橘子
#
# 书里的下一个例子：再买 3 个 150 日元的橘子，苹果和橘子的总价相加后再乘税。
# 新出现的加法节点把上游导数**原样**传给两个输入。

# %%
orange = Value(150, label="橘子单价")
orange_num = Value(3, label="橘子个数")
apple2 = Value(100, label="苹果单价")
apple_num2 = Value(2, label="苹果个数")
tax2 = Value(1.1, label="消费税")
apple_price2 = apple2 * apple_num2
apple_price2.label = "苹果总价"
orange_price = orange * orange_num
orange_price.label = "橘子总价"
all_price_v = apple_price2 + orange_price
all_price_v.label = "合计"
total = all_price_v * tax2
total.label = "支付金额"
total.backward()
print(f"支付金额 = {total.data:.2f}")
assert abs(total.data - (2 * 100 + 3 * 150) * 1.1) < 1e-12

# %% [markdown]
# 支付金额是 $(2 \cdot 100 + 3 \cdot 150) \times 1.1$，每个偏导数都能直接从这个式子读出来，
# 例如对橘子单价是 $3 \times 1.1 = 3.3$，对税率是 $650$：

# %%
for v in (apple2, apple_num2, orange, orange_num, tax2):
    print(f"∂支付金额/∂{v.label} = {v.grad:.4g}")
assert abs(orange.grad - 3 * 1.1) < 1e-12 and abs(orange_num.grad - 150 * 1.1) < 1e-12
assert abs(apple2.grad - 2 * 1.1) < 1e-12 and tax2.grad == 2 * 100 + 3 * 150

# %% [markdown]
# 用上面的两个层重算一遍，结果相同：

# %%
apples, oranges, fruit, with_tax = MultiplyLayer(), MultiplyLayer(), AddLayer(), MultiplyLayer()
layer_total = with_tax.forward(fruit.forward(apples.forward(100, 2), oranges.forward(150, 3)), 1.1)
d_fruit, d_tax = with_tax.backward(1)
d_apples, d_oranges = fruit.backward(d_fruit)
d_orange, d_orange_num = oranges.backward(d_oranges)
print(f"层：{layer_total:.2f} 日元，∂/∂橘子单价 = {d_orange:.4g}，∂/∂消费税 = {d_tax:.4g}")
assert (layer_total, d_orange, d_orange_num, d_tax) == (
    total.data,
    orange.grad,
    orange_num.grad,
    tax2.grad,
)

# %%
graph2 = draw_dot(total)
display(graph2)
assert "grad 3.3000" in graph2.source and "grad 650.0000" in graph2.source
assert "合计" in graph2.source and "data 715.0000" in graph2.source

# %% [markdown]
# **小结**
# - 计算图让每个节点只做局部计算，中间结果都保存下来；
# - 反向传播从结果的导数 1 出发，每个节点把上游导数乘以局部导数传下去；
# - 乘法节点“翻转”输入，加法节点原样传递；
# - 书里“层”的写法与 `Value` 给出完全相同的数字，
#   但 `Value` 自动记录计算图、自动倒序执行。
#
# ## 练习
#
# **练习：乘法节点 `mul(a, b)`。** 两个输入 `a`、`b`，输出 $a b$。下面的单元格已经写好了正向计算
# 和“把闭包挂到结果上”；你要写的是闭包 `_backward` 的内容：按链式法则把梯度送给**两个**输入
# （存在 `a.grad`、`b.grad` 里），上游梯度在 `out.grad` 里。写法和第 00 章一样：
# 把 `raise NotImplementedError(...)` 那一行换成你的代码，运行它，再运行下面的检查格。
# `check_op` 会分别核对两个输入的梯度。
#
# <details><summary>提示 1：局部导数</summary>
#
# 本章第 2 节：乘法节点把输入“翻转”。$a$ 变一点，$ab$ 变 $b$ 倍，所以对 $a$ 的局部导数是 $b$；
# 对 $b$ 的局部导数是 $a$。
#
# </details>
#
# <details><summary>提示 2：这两行长什么样</summary>
#
# 每个输入一行：`a.grad += 局部导数 * out.grad`，`b` 那一行同理。
#
# </details>


# %% tags=["exercise-mul"]
def mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(mul)
