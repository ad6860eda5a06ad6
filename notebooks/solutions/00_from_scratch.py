# %% [markdown]
# 第 00 章练习的参考答案。每个 `# %% tags=["exercise-…"]` 单元格替换章节里带同样标签的单元格；
# 测试用它们把每一章从头到尾再跑一遍，确认每个答案都能通过 `check_op`。
# 先自己做，卡住了再看。

# %%
from micrograd_cn import Value  # 章节里是第 2 节亲手写的 Value


# %% tags=["exercise-cube"]
def cube(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


# %% tags=["exercise-relu"]
def relu(x):
    out = Value(max(0.0, x.data), (x,), "relu")

    def _backward():
        x.grad += (x.data > 0) * out.grad

    out._backward = _backward
    return out
