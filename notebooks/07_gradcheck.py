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
# # 07 梯度检验
#
# 反向传播用一条条**局部求导规则**精确地算出梯度；只要有一条规则写错，整个网络的梯度就错了，
# 而训练往往还能“跑”，只是学得很差。怎么知道规则没写错？
#
# 用导数的定义去核对：**有限差分**（第 00 章的“推一推”）只需要两次正向计算，完全不依赖那些规则。
# 例子取自前面跟随过的文章：《梯度下降和反向传播》的 $(x+y)z$，
# 《反向传播算法》里用输出表示的 sigmoid 导数。本章：
#
# 1. 中心差分与步长 $\varepsilon$ 的取舍；
# 2. `numerical_grad` 和 `gradcheck`；
# 3. 故意写错两条规则，看 `gradcheck` 怎样抓住它们；
# 4. 用 hypothesis 随机生成表达式做性质测试（property test），连错误规则一起抓。

# %%
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from IPython.display import display

from micrograd_cn import Value
from micrograd_cn.exercises import check_op
from micrograd_cn.gradcheck import GradcheckError, gradcheck, numerical_grad
from micrograd_cn.testing import expressions, variable_values

# %%
# isort: split
# 画图用 matplotlib：这一格和画图的格子只负责画图，别的格子不依赖它们算出的东西
import matplotlib.pyplot as plt

from micrograd_cn.plot import use_chinese_font

cjk_fonts = use_chinese_font()  # 已安装的中文字体（可能为空）

# %% [markdown]
# ## 1. 有限差分
#
# 导数的定义是 $f'(x) = \lim_{\varepsilon\to0}\frac{f(x+\varepsilon)-f(x)}{\varepsilon}$。
# 计算机上 $\varepsilon$ 不能取 0，于是用**中心差分**
# $\frac{f(x+\varepsilon)-f(x-\varepsilon)}{2\varepsilon}$：泰勒展开后一阶误差项抵消，
# 误差只剩 $\frac{\varepsilon^2}{6}f'''(x)$（前向差分的误差是 $\frac{\varepsilon}{2}f''(x)$）。
#
# 先看《梯度下降和反向传播》一文（第 02 章）的 $f = (x+y)\,z$，
# 在 $x=-2, y=5, z=-4$ 处梯度是 $[-4, -4, 3]$。


# %%
def f(x, y, z):
    return (x + y) * z


numeric = numerical_grad(f, [-2.0, 5.0, -4.0])
print("有限差分:", [round(g, 10) for g in numeric])
assert all(abs(g - e) < 1e-8 for g, e in zip(numeric, [-4.0, -4.0, 3.0], strict=True))

# %% [markdown]
# 和反向传播对照：

# %%
x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
out = f(x, y, z)
out.backward()
print(f"f = {out.data}, 反向传播: {[x.grad, y.grad, z.grad]}")
assert (out.data, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, 3.0)

# %% [markdown]
# ## 2. 步长 $\varepsilon$ 取多大？
#
# 用 $f(x) = e^x$ 在 $x=1$ 处试（精确导数 $e$）。
# $\varepsilon$ 太大，截断误差 $\frac{\varepsilon^2}{6}e$ 大；
# $\varepsilon$ 太小，$f(x\pm\varepsilon)$ 相减时有效数字抵消，
# 舍入误差约 $\frac{u\,|f|}{\varepsilon}$（$u\approx10^{-16}$）。
# 两者折中，$\varepsilon$ 在 $10^{-5}$ 附近最好——这就是默认值取 $10^{-6}$ 的原因。

# %%
epsilons = [10.0**-k for k in range(1, 13)]
central = [abs(numerical_grad(Value.exp, [1.0], eps=e)[0] - math.e) for e in epsilons]
forward = [abs((math.exp(1 + e) - math.exp(1)) / e - math.e) for e in epsilons]

# 大步长时误差就是泰勒余项：中心 ≈ e·ε²/6，前向 ≈ e·ε/2
assert abs(central[1] / (math.e * 1e-4 / 6) - 1) < 0.01  # ε = 1e-2
assert abs(forward[2] / (math.e * 1e-3 / 2) - 1) < 0.01  # ε = 1e-3
best = epsilons[central.index(min(central))]
print(f"中心差分最好的 ε = {best:.0e}，误差 {min(central):.1e}")
assert 1e-7 <= best <= 1e-4 and min(central) < 1e-9

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(epsilons, central, marker="o", label="中心差分")
ax.loglog(epsilons, forward, marker="s", label="前向差分")
ax.set_xlabel("步长 ε")
ax.set_ylabel("|数值导数 − e|")
ax.set_title("f(x) = exp(x) 在 x = 1 处的差分误差")
ax.legend()
plt.show()
assert len(ax.lines) == 2

# %% [markdown]
# ## 3. `gradcheck`：一次核对所有输入
#
# `gradcheck(f, xs)` 对每个输入比较反向传播的梯度 $a$ 与中心差分 $n$，
# 通过条件是 $|a-n| \le \text{atol} + \text{rtol}\cdot|n|$（默认 `atol=1e-5, rtol=1e-3`）。


# %%
def g(a, b, c):
    return (a * b).tanh() + (c.exp() / (b**2 + 1)).log() - a.sigmoid() * c


inputs = [Value(0.3, label="a"), Value(-1.2, label="b"), Value(0.7, label="c")]
passed_check = gradcheck(g, inputs)
print("gradcheck 通过:", passed_check)
assert passed_check is True

# %% [markdown]
# ## 4. 故意写错的求导规则
#
# 按 `engine.py` 的写法自己加一个运算：算出结果，在它下面定义 `_backward(grad)`，挂到结果上。
#
# 《反向传播算法》一文（第 03 章）强调：sigmoid 的导数用**输出** $y$ 表示是 $y(1-y)$。
# 一个常见的笔误是把输入 $x$ 当成了输出，写成 $x(1-x)$：


# %%
def sigmoid_wrong_rule(x):
    y = 1.0 / (1.0 + math.exp(-x.data))
    out = Value(y, (x,), "sigmoid")

    def _backward(grad):
        x.grad += x.data * (1.0 - x.data) * grad  # 错！应该是 y * (1 - y)

    out._backward = _backward
    return out


t = Value(0.8, label="t")
try:
    gradcheck(sigmoid_wrong_rule, [t])
except GradcheckError as error:
    caught = error
print(caught)
assert "t (input 0)" in str(caught) and "0.16" in str(caught)

# %% [markdown]
# 报错信息写明了哪个输入出错、两个数字各是多少。核对一下：错误规则给出 $0.8\times0.2 = 0.16$，
# 正确的导数是 $\sigma(0.8)(1-\sigma(0.8))$。

# %%
index, label, analytic, numeric_t = caught.failures[0]
s = 1 / (1 + math.exp(-0.8))
print(f"错误规则 {analytic:.6f}，真实导数 {s * (1 - s):.6f}")
assert label == "t" and abs(analytic - 0.8 * 0.2) < 1e-12 and abs(numeric_t - s * (1 - s)) < 1e-9

# %% [markdown]
# 第二种笔误更隐蔽：忘了乘上游传来的梯度 `grad`。单独检查这个运算时，上游梯度恰好是 1，
# 所以**检查会通过**！


# %%
def sigmoid_forgot_grad(x):
    y = 1.0 / (1.0 + math.exp(-x.data))
    out = Value(y, (x,), "sigmoid")

    def _backward(grad):
        x.grad += y * (1.0 - y)  # 错！忘了 * grad

    out._backward = _backward
    return out


alone = gradcheck(sigmoid_forgot_grad, [Value(0.8)], raise_exception=False)
print("单独检查:", alone)
assert alone is True

# %% [markdown]
# 把它放进更大的表达式里（上游梯度不再是 1），错误就暴露了。这也是项目自己的性质测试
# 给 `backward(grad)` 传入**随机上游梯度**的原因。

# %%
composed = gradcheck(lambda x: 3.0 * sigmoid_forgot_grad(x), [Value(0.8)], raise_exception=False)
print("乘以 3 以后再检查:", composed)
assert composed is False

# %% [markdown]
# ## 5. 性质测试：随机表达式
#
# 手挑的几个例子总会漏掉情况。`micrograd_cn.testing.expressions()` 是一个 hypothesis 策略，
# 随机生成像 `tanh((x + y) * z)` 这样的表达式树，并且让每个运算都留在它光滑的定义域内
# （例如 `log` 的参数是 `softplus(a) + 0.5`）。我们要检验的性质是：
#
# > 对任意表达式 $e$、任意输入和任意上游梯度 $g$，`op(e).backward(g)` 给出的梯度
# > 等于 $g$ 乘以 `op(e)` 的有限差分。
#
# `op` 是被检验的运算，先用“什么都不做”（只检验引擎本身）。`relu`、`abs` 在 0 处有折点，
# 差分在那里没有意义，用 `assume` 离开折点。为了让笔记本又快又可复现：
# 只跑 40 个例子，`derandomize=True`（固定的伪随机序列）。

# %%
NAMES = ("x", "y", "z")


def gradient_property(op, passed):
    """A hypothesis test: backward through op(random expression) matches finite differences."""

    @settings(max_examples=40, derandomize=True, deadline=None, database=None)
    @given(
        expr=expressions(NAMES, max_leaves=8),
        env=variable_values(NAMES),
        upstream=st.floats(-3.0, 3.0),
    )
    def check(expr, env, upstream):
        assume(expr.kink_distance(env) > 1e-3)
        leaves = {name: Value(env[name], label=name) for name in NAMES}
        op(expr.evaluate_value(leaves)).backward(upstream)
        numeric = numerical_grad(
            lambda *vs: op(expr.evaluate_value(dict(zip(NAMES, vs, strict=True)))),
            [env[name] for name in NAMES],
        )
        for name, n in zip(NAMES, numeric, strict=True):
            expected = upstream * n
            got = leaves[name].grad
            assert abs(got - expected) <= 1e-5 + 1e-3 * abs(expected), (
                f"d/d{name} of {op.__name__}({expr}): "
                f"backward {got!r}, finite difference {expected!r}"
            )
        passed.append(str(expr))

    return check


def unchanged(v):
    return v


passed = []
gradient_property(unchanged, passed)()
with_variables = [e for e in passed if any(name in e for name in NAMES)]
print(f"通过了 {len(passed)} 个随机表达式，例如：")
for text in sorted(set(with_variables), key=len)[-5:]:
    print("  ", text)
assert len(passed) >= 30 and len(with_variables) >= 10

# %% [markdown]
# 再把第 4 节那个“忘了乘 `grad`”的 sigmoid 套在随机表达式外面，跑同一个性质测试。
# hypothesis 会找到反例，并把它**缩小**到最简单的形式再报告。

# %%
failed = []
try:
    gradient_property(sigmoid_forgot_grad, failed)()
    found = None
except AssertionError as error:
    found = error
print(found)
print("\n".join(getattr(found, "__notes__", [])))
assert found is not None and "sigmoid_forgot_grad" in str(found)

# %% [markdown]
# **小结**
# - 中心差分的误差是 $O(\varepsilon^2)$ 加上舍入误差 $O(u/\varepsilon)$，
#   $\varepsilon\approx10^{-6}$ 是好的折中；
# - `gradcheck` 逐个输入比较反向传播与差分，报错时写明输入和两个数字；
# - 单独检查一个运算可能漏掉“忘了乘 `grad`”，组合起来、用随机上游梯度才能抓住；
# - hypothesis 随机生成表达式并把反例缩小到最简单，是检验整个引擎的好办法。
#
# ## 练习
#
# 前几章练习里用的 `check_op` 就是把本章的办法组合起来：在几个点上做中心差分，
# 换几个随机的上游梯度（所以第 4 节那个“忘了乘 `grad`”的 sigmoid 逃不过去），
# 再把运算用两次、看梯度是否累加。先确认它能抓住第 4 节的错误：

# %%
caught_by_check_op = check_op(sigmoid_forgot_grad)
display(caught_by_check_op)
assert caught_by_check_op.mistake == "forgot_upstream"

# %% [markdown]
# 两个练习的写法和前几章一样，只是闭包换成本章第 4 节的写法：`_backward(grad)` 接收上游梯度 `grad`
# 作参数（不再去读 `out.grad`）。把 `raise NotImplementedError(...)` 那一行换成你的代码，
# 运行它，再运行下面的检查格。
#
# **练习 1：自然对数 `log(x)`。** 一个输入 `x`，输出 $y = \ln x$。
# 闭包要做的事：按链式法则把梯度送给 `x`。
# $\ln x$ 只在 $x > 0$ 有定义，所以检查时告诉 `check_op` 只在这个范围里取点：`domain=(0, None)`
# （它认得 `log` 这个名字，不写也会这样取点；给它一个新运算时就要自己写）。
#
# <details><summary>提示 1：局部导数</summary>
#
# $\frac{d}{dx}\ln x = \frac{1}{x}$。
#
# </details>
#
# <details><summary>提示 2：这一行长什么样</summary>
#
# `x.grad += 局部导数 * grad`：这里上游梯度是参数 `grad`。
#
# </details>


# %% tags=["exercise-log"]
def log(x):
    out = Value(math.log(x.data), (x,), "log")

    def _backward(grad):
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(log, domain=(0, None))

# %% [markdown]
# **练习 2：除法 `div(a, b)`。** 两个输入 `a`、`b`，输出 $a / b$。闭包要做的事：把梯度送给两个输入。
# 分母不能取 0，所以给 $b$ 一个正的范围，$a$ 不限。
#
# <details><summary>提示 1：局部导数</summary>
#
# 把 $a/b$ 看成 $a \cdot b^{-1}$：对 $a$ 的局部导数是 $\frac{1}{b}$；
# 对 $b$ 的局部导数是 $a \cdot (-1) b^{-2} = -\frac{a}{b^2}$。
#
# </details>
#
# <details><summary>提示 2：这两行长什么样</summary>
#
# 每个输入一行：`a.grad += 局部导数 * grad`，`b` 那一行同理。
#
# </details>


# %% tags=["exercise-div"]
def div(a, b):
    out = Value(a.data / b.data, (a, b), "/")

    def _backward(grad):
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


# %% tags=["checker"]
check_op(div, domain=[(None, None), (0.5, 3.0)])
