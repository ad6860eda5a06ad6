"""Running a learner's op for :func:`micrograd_cn.exercises.check_op`: one point at a time.

:class:`Runner` builds the op on fresh leaves, walks its graph and sends a
gradient back, exactly as micrograd's ``backward()`` does (reverse topological
order, each node's ``_backward()``), so a result built with any micrograd-style
class works: this package's ``Value``, a chapter's hand-written one, micrograd's.
Whatever stops the check -- an exception, a call past its time budget, the blank
still in place, a float returned instead of a Value, a number where a child
belongs, a gradient that is not a real number -- raises :class:`Stop` carrying
the Chinese verdict.

>>> from micrograd_cn import Value
>>> runner = Runner(lambda x: x * x, ["x"], "square", [(3.0,)], limit=1.0)
>>> runner.run((3.0,), upstream=2.0)[1]     # d(x²)/dx · 2 at x = 3
[12.0]
>>> try:
...     Runner(lambda x: 2.0, ["x"], "op", [(3.0,)], limit=1.0).run((3.0,))
... except Stop as stop:
...     print(stop.result.mistake, stop.result.badge)
not_a_value 有错
"""

from __future__ import annotations

import numbers

from . import engine
from .engine import Value
from .feedback import STAGES, CheckResult, Stop, empty_function, guarded_call
from .gradcheck import numerical_grad

__all__ = ["GRAD_HINTS", "Runner", "fmt", "is_node", "is_number"]

GRAD_HINTS = {
    "missing_parents": "`{name}` 的输出没有把输入 {input} 记成父节点：创建输出时要把输入写进"
    '第二个参数，例如 `Value(data, ({inputs},), "{name}")`；否则画图看不到这条边，'
    "前面的节点也收不到梯度。",
    "grad_not_number": "{input}.grad 变成了一个 Value（{analytic_text}），而不是一个数：闭包里的"
    "公式用了 `{input}` 或 `out`，应当用 `{input}.data`、`out.data`。梯度是普通的数，"
    "否则每一步反向传播都会悄悄再建一张图。",
    "grad_complex": "{input}.grad 变成了一个复数（{analytic_text}）：梯度是实数。检查是不是"
    "对负数取了分数次方（Python 里 `(-8) ** (1/3)` 是复数），或者乘上了 `1j`。",
    "grad_not_real": "{input}.grad 变成了 {kind}（{analytic_text}），而不是一个数：闭包里要给"
    " `{input}.grad` 加上一个数——局部导数 × 上游梯度。",
}


def fmt(v) -> str:
    """A number as the messages show it (6 significant digits)."""
    return f"{v:.6g}" if isinstance(v, numbers.Real) else repr(v)


def is_node(obj) -> bool:
    """A micrograd-style node: has ``data``, ``grad`` and ``_prev``."""
    return all(hasattr(obj, a) for a in ("data", "grad", "_prev"))


def is_number(v) -> bool:
    """A real number (int, float, numpy scalar), not a bool, not complex."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class Runner:
    """Runs ``op`` (inputs ``names``) at a point; ``limit`` seconds per forward and per backward."""

    def __init__(self, op, names, name, pts, limit):
        self.op, self.names, self.name, self.pts, self.limit = op, names, name, pts, limit

    def where(self, point) -> str:
        return ", ".join(f"{n} = {fmt(v)}" for n, v in zip(self.names, point))

    def stop(self, mistake, message, point=None, i=None, badge="有错"):
        raise Stop(CheckResult(False, f"{badge}：{message}", self.name, mistake, point,
                               None if i is None else self.names[i], points=self.pts))  # fmt: skip

    def call(self, stage, function, args, point):
        """function(*args) under the budget; an exception, a timeout or a blank stops here."""
        what = STAGES[stage].format(name=self.name)
        return guarded_call(function, args, self.limit, self.name, stage, what, self.where(point),
                            point=point, points=self.pts)  # fmt: skip

    def forward(self, leaves, point, grad=True):
        """op(*leaves), checked: a micrograd-style node whose ``data`` is a real number."""
        if grad:
            with engine.enable_grad():  # even inside no_grad()
                out = self.call("forward", self.op, tuple(leaves), point)
        else:
            out = self.call("forward", self.op, tuple(leaves), point)
        if not is_node(out):
            line = empty_function(self.op) if out is None else None
            if line is not None:
                self.stop("blank", f"`{self.name}` 还是空的（第 {line} 行的函数体只有 `...`）。"
                          "按上面的说明写出它，再运行这一格。", point, badge="还没写")  # fmt: skip
            self.stop("not_a_value", f"`{self.name}` 返回的是 {type(out).__name__}（{out!r:.60}），"
                      "不是 Value。运算要返回一个新的 Value：`out = Value(结果的数, (输入,), "
                      f'"{self.name}")`，挂上 `_backward` 以后 `return out`。', point)  # fmt: skip
        if not is_number(out.data):
            self.stop("data_not_number", f"`{self.name}` 的结果 `out.data` 是 "
                      f"{type(out.data).__name__}（{out.data!r:.60}），不是一个数：`Value(...)` 的"
                      "第一个参数要用输入的 `.data` 算出一个数。", point)  # fmt: skip
        return out

    def order(self, root, point) -> list:
        """Topological order of any micrograd-style graph (micrograd's ``_prev`` is a set);
        a child that is not a node stops the check."""
        order, seen, stack = [], {id(root)}, [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            stack.append((node, True))
            for child in tuple(node._prev):
                if not is_node(child):
                    self.stop("bad_child", f"`{self.name}` 创建结果时，父节点里有一个 "
                              f"{type(child).__name__}（{child!r:.40}），不是 Value。父节点元组里"
                              "只放 Value（例如 `(x,)`）；常数直接写进计算（例如 `x.data * 2`），"
                              "它不是节点。", point)  # fmt: skip
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, False))
        return order

    def backward(self, root, order, upstream, point):
        """micrograd's backward: the root gets ``upstream``, then each node's ``_backward()``."""

        def loop():
            root.grad = upstream
            for node in reversed(order):
                step = getattr(node, "_backward", None)
                if node._prev and callable(step):
                    step()

        self.call("backward", loop, (), point)

    def run(self, point, upstream=1.0, preset=0.0, twice=False):
        """Build op at point (twice: used twice on the same inputs), backward(upstream) each.

        Returns (the first output, the inputs' grads as floats).
        """
        leaves = [Value(v, label=n) for v, n in zip(point, self.names)]
        for leaf in leaves:
            leaf.grad = preset
        outs = [self.forward(leaves, point) for _ in range(2 if twice else 1)]
        for out in outs:
            order = self.order(out, point)
            missing = [i for i, leaf in enumerate(leaves) if all(v is not leaf for v in order)]
            if missing:
                hint = GRAD_HINTS["missing_parents"].format(
                    name=self.name, input=self.names[missing[0]], inputs=", ".join(self.names)
                )
                self.stop("missing_parents", f"`{self.name}` 的反向传播有错。在 "
                          f"{self.where(point)} 处：{hint}", point, i=missing[0])  # fmt: skip
            self.backward(out, order, upstream, point)
        for i, leaf in enumerate(leaves):
            g = leaf.grad
            if not is_number(g):
                kind = ("grad_not_number" if is_node(g) else
                        "grad_complex" if isinstance(g, complex) else "grad_not_real")  # fmt: skip
                hint = GRAD_HINTS[kind].format(input=self.names[i], analytic_text=f"{g!r:.60}",
                                               kind=type(g).__name__)  # fmt: skip
                self.stop(kind, f"`{self.name}` 的反向传播有错。在 {self.where(point)} 处：{hint}",
                          point, i=i)  # fmt: skip
        return outs[0], [float(leaf.grad) for leaf in leaves]

    def numeric(self, point, eps) -> list:
        """Central differences of the op's own forward value at point."""

        def value(*xs):
            return self.forward(xs, point, grad=False).data

        return numerical_grad(value, list(point), eps)
