# %% [markdown]
# 第 01 章练习的参考答案（测试用它把章节再跑一遍）。先自己做，卡住了再看。

# %%
from micrograd_cn import Value


# %% tags=["exercise-mul"]
def mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out
