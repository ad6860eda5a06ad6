# %% [markdown]
# 第 03 章练习的参考答案（测试用它把章节再跑一遍）。先自己做，卡住了再看。

# %%
import math

from micrograd_cn import Value


# %% tags=["exercise-sigmoid"]
def sigmoid(x):
    y = 1 / (1 + math.exp(-x.data))
    out = Value(y, (x,), "sigmoid")

    def _backward():
        x.grad += y * (1 - y) * out.grad

    out._backward = _backward
    return out


# %% tags=["exercise-softplus"]
def softplus(x):
    y = math.log1p(math.exp(x.data))
    out = Value(y, (x,), "softplus")

    def _backward():
        x.grad += (1 - math.exp(-y)) * out.grad

    out._backward = _backward
    return out
