# %% [markdown]
# 第 07 章练习的参考答案（测试用它把章节再跑一遍）。先自己做，卡住了再看。

# %%
import math

from micrograd_cn import Value


# %% tags=["exercise-log"]
def log(x):
    out = Value(math.log(x.data), (x,), "log")

    def _backward(grad):
        x.grad += grad / x.data

    out._backward = _backward
    return out


# %% tags=["exercise-div"]
def div(a, b):
    out = Value(a.data / b.data, (a, b), "/")

    def _backward(grad):
        a.grad += grad / b.data
        b.grad += -a.data / b.data**2 * grad

    out._backward = _backward
    return out
