# %% [markdown]
# 第 02 章练习的参考答案（测试用它把章节再跑一遍）。先自己做，卡住了再看。

# %%
import math

from micrograd_cn import Value


# %% tags=["exercise-maximum"]
def maximum(a, b):
    out = Value(max(a.data, b.data), (a, b), "max")

    def _backward():
        if a.data > b.data:
            a.grad += out.grad
        else:
            b.grad += out.grad

    out._backward = _backward
    return out


# %% tags=["exercise-exp"]
def exp(x):
    y = math.exp(x.data)
    out = Value(y, (x,), "exp")

    def _backward():
        x.grad += y * out.grad

    out._backward = _backward
    return out
