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
# 本章对应种子文章 000《误差反向传播法·计算图》。
#
# **计算图**把计算过程画成图：方框是变量，圆圈是运算。
# 从左往右算出结果叫**正向传播**，从右往左传递导数叫**反向传播**。
#
# 问题 1：太郎在超市买了 2 个 100 日元一个的苹果，消费税是 10%，请计算支付金额。

# %%
from IPython.display import display

from micrograd_cn import Value
from micrograd_cn.trace import fresh_record
from micrograd_cn.viz import StepThrough, draw_dot

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

assert apple_price.data == 200
assert abs(price.data - 220) < 1e-12  # 浮点数：200 * 1.1 = 220.00000000000003
print(f"支付金额 = {price.data:.2f} 日元")

# %% [markdown]
# 节点之间的连接就是计算图：`支付金额` 由 `苹果总价` 和 `消费税` 相乘得到。

# %%
assert price._op == "*" and price._prev == (apple_price, tax)
assert apple_price._prev == (apple, apple_num)
print(price._op, [p.label for p in price._prev])

# %% [markdown]
# ## 2. 反向传播
#
# 文章：最终结果是 220，它对自己的导数是 1，向后传播。乘法节点把上游传来的导数乘以
# **另一个输入**（“翻转值”）：先得到 1.1 和 200，再继续向后得到 2.2 和 110。

# %%
price.backward()
assert price.grad == 1.0
assert abs(apple_price.grad - 1.1) < 1e-12 and tax.grad == 200
assert abs(apple.grad - 2.2) < 1e-12
assert abs(apple_num.grad - 110) < 1e-12
for v in (price, apple_price, tax, apple, apple_num):
    print(f"∂支付金额/∂{v.label} = {v.grad:.4g}")

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
# `StepThrough` 先按拓扑顺序逐个显示正向的值，再按相反顺序逐个显示梯度。
# 在 Jupyter 里运行时下面是一个滑块；在 GitHub 上阅读时请看后面的静态帧和文字说明。

# %%
steps = StepThrough(price)
display(steps)
assert len(steps) == 2 * 5  # 5 个节点：正向 5 步 + 反向 5 步

# %% [markdown]
# 每一步的说明文字，正好是文章里的推理过程：

# %%
for caption in steps.captions:
    print(caption)
assert steps.captions[4].endswith("= 200 × 1.1 = 220")
assert steps.captions[-1].endswith("= 1.1×2 = 2.2")
assert steps.captions[-2].endswith("= 1.1×100 = 110")

# %% [markdown]
# 反向第 3 步：`苹果总价` 的梯度 1.1 已知，红色的边就是它从 `支付金额` 传回来的那条路。

# %%
frame = steps[5 + 2]
display(frame)
assert "grad 1.1000" in frame.source and "grad 2.2000" not in frame.source

# %% [markdown]
# 同样的信息也可以打印成表格：

# %%
trace = fresh_record(price)
print(trace.forward_table())
print()
print(trace.backward_table())
assert [round(s.grad, 12) for s in trace.backward] == [1.0, 200.0, 1.1, 110.0, 2.2]

# %% [markdown]
# ## 5. 局部计算
#
# 每个节点只关心自己的那一小步：收到上游的导数 $E$，乘以自己的**局部导数**，再往下传。
# 文章的例子：若 $y = x^2$，局部导数是 $2x$，向下传播的就是 $E \cdot 2x$，
# 这里的 $x$ 是正向传播时记下的值。

# %%
x = Value(3.0, label="x")
y = x**2
E = 0.5
y.backward(E)  # 从上游传来的导数是 E
assert x.grad == E * 2 * 3.0
print(f"E·2x = {x.grad}")

# %% [markdown]
# ## 6. 文章里的层：`MulLayer` 和 `AddLayer`
#
# 种子文章用“层”来实现：每层有 `forward` 和 `backward`，乘法层在正向时记住输入，
# 反向时把上游导数乘以“翻转”的输入。下面是文章的代码（只整理了格式）：


# %%
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        out = x * y
        return out

    def backward(self, dout):
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        dy = dout * 1
        dx = dout * 1
        return dx, dy


# %% [markdown]
# 用层来算苹果的例子：正向按顺序调用 `forward`，反向**倒序**调用 `backward`。

# %%
mul_apple_layer = MulLayer()
mul_tax_layer = MulLayer()

layer_apple_price = mul_apple_layer.forward(100, 2)
layer_price = mul_tax_layer.forward(layer_apple_price, 1.1)

dprice = 1
dapple_price, dtax = mul_tax_layer.backward(dprice)
dapple, dapple_num = mul_apple_layer.backward(dapple_price)

assert layer_price == price.data
assert (dapple, dapple_num, dtax) == (apple.grad, apple_num.grad, tax.grad)
for name, a, b in [
    ("支付金额", layer_price, price.data),
    ("∂/∂苹果单价", dapple, apple.grad),
    ("∂/∂苹果个数", dapple_num, apple_num.grad),
    ("∂/∂消费税", dtax, tax.grad),
]:
    print(f"层 (文章) {a:10.4f}   Value {b:10.4f}   {name}")

# %% [markdown]
# 两种写法给出**完全相同**的浮点数。区别在于：用层时，我们得自己记住调用顺序、
# 自己倒序调用 `backward`；`Value` 把计算图记了下来，`backward()` 自动按拓扑序倒着走一遍。
#
# ## 7. 加法层：苹果和橘子
#
# 再买 3 个 150 日元的橘子（这是文章所用教材里的下一个例子）。
# 加法节点把上游导数**原样**传给两个输入。

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

# 闭式解：总价 (2·100 + 3·150)·1.1；对每个量的偏导数直接从公式读出
assert abs(total.data - (2 * 100 + 3 * 150) * 1.1) < 1e-12
assert abs(apple2.grad - 2 * 1.1) < 1e-12 and abs(apple_num2.grad - 100 * 1.1) < 1e-12
assert abs(orange.grad - 3 * 1.1) < 1e-12 and abs(orange_num.grad - 150 * 1.1) < 1e-12
assert tax2.grad == 2 * 100 + 3 * 150
print(f"支付金额 = {total.data:.2f}")
for v in (apple2, apple_num2, orange, orange_num, tax2):
    print(f"∂支付金额/∂{v.label} = {v.grad:.4g}")

# %% [markdown]
# 用文章的层重算一遍，结果相同：

# %%
mul_apple, mul_orange, add_fruit, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
all_price = add_fruit.forward(mul_apple.forward(100, 2), mul_orange.forward(150, 3))
layer_total = mul_tax.forward(all_price, 1.1)
d_all_price, d_tax = mul_tax.backward(1)
d_apple_price, d_orange_price = add_fruit.backward(d_all_price)
d_apple, d_apple_num = mul_apple.backward(d_apple_price)
d_orange, d_orange_num = mul_orange.backward(d_orange_price)

assert layer_total == total.data
assert (d_apple, d_apple_num, d_orange, d_orange_num, d_tax) == (
    apple2.grad,
    apple_num2.grad,
    orange.grad,
    orange_num.grad,
    tax2.grad,
)
print(f"层: {layer_total:.2f}  梯度 {[round(g, 4) for g in (d_apple, d_orange, d_tax)]}")

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
# - 文章的 `MulLayer` / `AddLayer` 与 `Value` 给出完全相同的数字，
#   但 `Value` 自动记录计算图、自动倒序执行。
