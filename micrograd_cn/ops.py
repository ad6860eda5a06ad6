"""The op table: one row per op, the only list of ops in the package.

Backpropagation multiplies the gradient arriving at a node by the node's *local
derivative* and adds it to each input.  Each row of :data:`OPS` says, for one
op: the ``_op`` its nodes carry, the symbol drawn in its oval, how a learner
writes it (``tanh(x)``), each input's local derivative as a formula in the rule
language of :mod:`micrograd_cn.formula` (in the row's own input names, ``out``
and its parameters), the one Chinese sentence that explains it, where it is
smooth, and which Value method / ``F.`` function and which torch function
implement it.  ``docs/gradients.md`` (``python -m micrograd_cn.ops``), the
step-through captions, the CLI's allowed functions, ``testing.expressions()``
and the tests' per-op lists all read it.

Adding an op is two edits: its method in ``engine.py`` (forward, closure,
attach) and its row here.

How a node records what its row needs
-------------------------------------
An engine node keeps its row's inputs in ``node._prev`` (Values, in the order
the row lists its inputs) and the row's one non-Value argument in
``node._param``:

* the folded constant ``k`` of ``x + k``, ``x * k``, ``x ** k`` (a float);
* leaky_relu's ``slope``, elu's ``alpha`` (a float);
* ``F.dot``'s arguments as called, ``(ws, xs, bias)`` (two tuples of Values and
  floats; the bias a Value, a float or None): weight ``i`` pairs with input
  ``i``; the parents are the Values among ``w1, x1, w2, x2, …`` in that order,
  then the bias if it is a Value.  ``None`` when every weight and input is a
  Value and the bias a Value or absent (a hidden layer): the parents are then
  exactly ``w1, x1, w2, x2, …`` and the bias if their number is odd;
* ``F.sum``'s folded constant ``c``: the sum of the numbers among its elements;
* ``None`` when the row has no parameter;
* :data:`NOT_RECORDED` when the engine did not make the node's closure (a
  ``Value(data, children, op)`` built by hand, or a node given a new
  ``_backward``): then no row describes it and :func:`bind` returns None.

The teaching layer never decodes ``_param`` itself: :func:`bind` gives the row
and, for each parent, the input name it fills, the numbers of the formula and
which parents the formula's names stand for; :func:`local_derivatives`
evaluates the formulas (a list aligned with ``node._prev``).

>>> from micrograd_cn.engine import Value
>>> a, b = Value(2.0), Value(5.0)
>>> row_of(a * b).name, local_derivatives(a * b)
('mul', [5.0, 2.0])
>>> OPS["tanh"].grads["x"], OPS["tanh"].symbol
('1 - out ** 2', 'tanh')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import functional
from .engine import NOT_RECORDED, Value
from .formula import evaluate
from .numbers_text import format_number

__all__ = [
    "NOT_RECORDED",
    "OPS",
    "Binding",
    "Op",
    "Param",
    "Slot",
    "bind",
    "local_derivatives",
    "op_text",
    "row_of",
]

Interval = tuple  # (low, high): an open interval, None for an unbounded side


@dataclass(frozen=True)
class Param:
    """A number an op takes besides its Value inputs (folded constant, slope, alpha)."""

    name: str  #: its name in the row's formulas (``k``, ``slope``, ``alpha``)
    default: float | None = None  #: the method's default; None if it must be given
    samples: tuple[float, ...] = (2.0, -0.5)  #: values tests and expressions() try
    folded: bool = False  #: the numbers among an n-ary op's elements, added up (never passed)


@dataclass(frozen=True, eq=False)
class Op:
    """One op: what it computes, each input's local derivative, and why."""

    name: str  #: key in :data:`OPS` (``add``, ``add_const``, ``tanh``)
    op: str  #: the node's ``_op`` (``+``, ``tanh``); "" for a derived form
    symbol: str  #: drawn in the op's oval and used in captions (``×``, ``σ``)
    form: str  #: how a learner writes it (``tanh(x)``, ``x + k``)
    grads: Mapping[str, str]  #: input name -> its local derivative (rule language)
    why: str  #: one Chinese sentence: what this op does to the gradient
    implementation: str  #: the Value method(s) or ``F.`` function (``Value.__add__``)
    torch: str = ""  #: the torch function with the same meaning (``torch.tanh``)
    params: tuple[Param, ...] = ()
    domain: str = ""  #: where the formulas hold smoothly (rule language); "" = all reals
    kink: str = ""  #: a formula that is 0 exactly on the op's kink ("" = none)
    sample: Mapping[str, Interval] = field(default_factory=dict)
    #: per input: the open interval tests, check_op and expressions() draw it from
    #: (inside the domain, and small enough that the result stays moderate); absent
    #: = unbounded
    nary: bool = False  #: takes sequences: each parent fills one of the input names
    derived: bool = False  #: built from other ops' nodes: no closure of its own

    @property
    def inputs(self) -> tuple[str, ...]:
        """The Value inputs' names (an n-ary op repeats them, one per parent)."""
        return tuple(self.grads)

    def interval(self, name: str) -> Interval:
        """The open interval input ``name`` is drawn from ((None, None) = all reals)."""
        return tuple(self.sample.get(name, (None, None)))

    @property
    def function(self) -> str:
        """The name a learner calls (``tanh``, ``maximum``); "" for an operator form.

        >>> OPS["leaky_relu"].function, OPS["mul"].function, OPS["softmax"].function
        ('leaky_relu', '', '')
        """
        head, paren, _ = self.form.partition("(")
        whole = paren and self.form.endswith(")") and head.isidentifier()
        return head if whole else ""  # softmax(xs)[i] is one element of a list

    def apply(self, inputs, params=None):
        """Compute the op on ``inputs`` (one per input name; an n-ary op: ``[sequence]``,
        ``dot``: ``[ws, xs, b]``) with ``params`` (name -> number; defaults otherwise).

        >>> from micrograd_cn.engine import Value
        >>> x = Value(-2.0)
        >>> OPS["rsub"].apply([x], {"k": 1.0}).data, OPS["leaky_relu"].apply([x]).data
        (3.0, -0.02)
        """
        values = {p.name: p.default for p in self.params} | dict(params or {})
        numbers = [values[p.name] for p in self.params if not p.folded]
        head, _, rest = self.implementation.partition(".")
        name = rest.split(",")[0]
        if name.startswith("__"):  # an operator: the form itself says how (x + k, k - x)
            return evaluate(self.form, dict(zip(self.inputs, inputs)) | values)
        if head == "F":
            return getattr(functional, name)(*inputs)
        x = inputs[0] if isinstance(inputs[0], Value) else Value(inputs[0])  # tanh(0.5)
        return getattr(x, name)(*numbers)


def _row(name, op, symbol, form, grads, why, implementation, torch="", **more) -> Op:
    return Op(name, op, symbol, form, grads, why, implementation, torch, **more)


_K = Param("k", samples=(2.0, -0.5, 3.0))
_C = Param("c", 0.0, (), folded=True)  # sum([x, 2, 3]): c = 5; dot's bias when a number
_POSITIVE = (0.0, None)
_BASE = (0.5, 3.0)  # a positive base that keeps powers moderate
_UNIT = (-1.0, 1.0)

# fmt: off
_ROWS = (
    # ------------------------------------------------- primitives: one node each
    _row("add", "+", "+", "x + y", {"x": "1", "y": "1"},
         "加法门：把上游梯度原封不动地交给每个输入（局部导数是 1）。", "Value.__add__",
         "torch.add"),
    _row("add_const", "+", "+", "x + k", {"x": "1"},
         "加上常数不改变斜率：梯度原样交给 x；常数不是节点，不接收梯度。", "Value.__add__",
         "torch.add", params=(_K,)),
    _row("mul", "*", "×", "x * y", {"x": "y", "y": "x"},
         "乘法门：交给一个输入的梯度 = 上游梯度 × 另一个输入的值。", "Value.__mul__", "torch.mul"),
    _row("mul_const", "*", "×", "x * k", {"x": "k"},
         "乘以常数 k：交给 x 的梯度是上游梯度的 k 倍。", "Value.__mul__", "torch.mul",
         params=(_K,)),
    _row("pow_const", "**", "^", "x ** k", {"x": "k * x ** (k - 1)"},
         "幂函数：局部导数是 k·x^(k−1)（幂的求导法则）。", "Value.__pow__", "torch.pow",
         params=(Param("k", samples=(2.0, 3.0, -1.0, 0.5)),),
         domain="x > 0 or (x != 0 and k == round(k))", sample={"x": _BASE}),
    _row("pow", "**", "^", "x ** y", {"x": "y * x ** (y - 1)", "y": "out * log(x)"},
         "指数也是节点：对底数是 y·x^(y−1)，对指数是 x^y·ln x。", "Value.__pow__", "torch.pow",
         domain="x > 0", sample={"x": _BASE, "y": _UNIT}),
    _row("exp", "exp", "exp", "exp(x)", {"x": "out"},
         "exp 的导数就是它自己：局部导数等于输出 out。", "Value.exp", "torch.exp",
         sample={"x": (-3.0, 3.0)}),
    _row("log", "log", "log", "log(x)", {"x": "1 / x"},
         "对数门：局部导数是 1/x，输入越接近 0，梯度放得越大。", "Value.log", "torch.log",
         domain="x > 0", sample={"x": _POSITIVE}),
    _row("sqrt", "sqrt", "√", "sqrt(x)", {"x": "1 / (2 * out)"},
         "平方根：局部导数 1/(2√x)，用输出写就是 1/(2·out)。", "Value.sqrt", "torch.sqrt",
         domain="x > 0", sample={"x": _POSITIVE}),
    _row("tanh", "tanh", "tanh", "tanh(x)", {"x": "1 - out ** 2"},
         "tanh 用输出表示导数：1 − out²；输出近 ±1 时几乎为 0。", "Value.tanh", "torch.tanh"),
    _row("sin", "sin", "sin", "sin(x)", {"x": "cos(x)"},
         "正弦门：局部导数是 cos(x)，在 sin 的波峰和波谷处为 0。", "Value.sin", "torch.sin"),
    _row("cos", "cos", "cos", "cos(x)", {"x": "-sin(x)"},
         "余弦门：局部导数是 −sin(x)，cos 下降的地方梯度为负。", "Value.cos", "torch.cos"),
    _row("sigmoid", "sigmoid", "σ", "sigmoid(x)", {"x": "out * (1 - out)"},
         "sigmoid 用输出表示导数：out·(1 − out)，最大 0.25。", "Value.sigmoid",
         "torch.sigmoid"),
    _row("relu", "relu", "ReLU", "relu(x)", {"x": "1 if x > 0 else 0"},
         "ReLU 像开关：输入为正时梯度原样通过，否则挡住。", "Value.relu", "torch.relu",
         kink="x"),
    _row("leaky_relu", "leaky_relu", "LeakyReLU", "leaky_relu(x, slope)",
         {"x": "1 if x > 0 else slope"},
         "输入为正时梯度原样通过，否则乘上小斜率 slope。", "Value.leaky_relu",
         "torch.nn.functional.leaky_relu",
         params=(Param("slope", 0.01, (0.01, 0.2)),), kink="x"),
    _row("elu", "elu", "ELU", "elu(x, alpha)", {"x": "1 if x > 0 else out + alpha"},
         "ELU：x > 0 时原样通过；否则是 α·eˣ = out + α。", "Value.elu",
         "torch.nn.functional.elu", params=(Param("alpha", 1.0, (1.0, 0.5)),), kink="x"),
    _row("softplus", "softplus", "softplus", "softplus(x)", {"x": "sigmoid(x)"},
         "softplus 是平滑的 ReLU，导数正好是 σ(x)。", "Value.softplus",
         "torch.nn.functional.softplus"),
    _row("abs", "abs", "abs", "abs(x)", {"x": "sign(x)"},
         "绝对值：梯度乘以 x 的符号 sign(x)（0 处取 0）。", "Value.abs, Value.__abs__",
         "torch.abs", kink="x"),
    _row("sum", "sum", "Σ", "sum(xs)", {"x": "1"},
         "求和像一串加法门：每个输入原样得到上游梯度。", "F.sum", "torch.sum", params=(_C,),
         nary=True),
    _row("dot", "dot", "dot", "dot(ws, xs, b)", {"w": "x", "x": "w", "b": "1"},
         "点积：因子得到 上游 × 另一个因子，偏置得到上游本身。", "F.dot", "torch.dot",
         params=(_C,), nary=True),
    _row("logsumexp", "logsumexp", "logsumexp", "logsumexp(xs)", {"x": "exp(x - out)"},
         "局部导数是 softmax：exp(x − out)，合计为 1。", "F.logsumexp", "torch.logsumexp",
         nary=True),
    _row("maximum", "max", "max", "maximum(x, y)",
         {"x": "1 if x > y else (0.5 if x == y else 0)",
          "y": "1 if y > x else (0.5 if x == y else 0)"},
         "最大值门：梯度全部交给较大的输入；相等时平分。", "F.maximum", "torch.maximum",
         kink="x - y"),
    _row("minimum", "min", "min", "minimum(x, y)",
         {"x": "1 if x < y else (0.5 if x == y else 0)",
          "y": "1 if y < x else (0.5 if x == y else 0)"},
         "最小值门：梯度全部交给较小的输入；相等时平分。", "F.minimum", "torch.minimum",
         kink="x - y"),
    # ------------------------------------- derived forms: one line over the ops above
    _row("radd", "", "+", "k + x", {"x": "1"}, "k + x = x + k（交换律）。", "Value.__radd__",
         "torch.add", params=(_K,), derived=True),
    _row("rmul", "", "×", "k * x", {"x": "k"}, "k * x = x * k（交换律）。", "Value.__rmul__",
         "torch.mul", params=(_K,), derived=True),
    _row("neg", "", "−", "-x", {"x": "-1"}, "-x = x * (-1)，所以局部导数是 -1。",
         "Value.__neg__", "torch.neg", derived=True),
    _row("pos", "", "+", "+x", {"x": "1"}, "+x 就是 x 本身，不产生新节点。", "Value.__pos__",
         "torch.positive", derived=True),
    _row("sub", "", "−", "x - y", {"x": "1", "y": "-1"},
         "x - y = x + (-y)：对 y 是 1 × (-1) = -1。", "Value.__sub__", "torch.sub",
         derived=True),
    _row("sub_const", "", "−", "x - k", {"x": "1"},
         "减去常数：x - k = x + (-k)，梯度原样交给 x。", "Value.__sub__", "torch.sub",
         params=(_K,), derived=True),
    _row("rsub", "", "−", "k - x", {"x": "-1"}, "常数减节点：k - x = (-x) + k，局部导数是 -1。",
         "Value.__rsub__", "torch.sub", params=(_K,), derived=True),
    _row("truediv", "", "/", "x / y", {"x": "1 / y", "y": "-x / y ** 2"},
         "x / y = x * y ** -1：对 y 是 x·(-1)·y^(-2) = -x/y²。", "Value.__truediv__",
         "torch.div", domain="y != 0", sample={"y": (0.5, None)}, derived=True),
    _row("div_const", "", "/", "x / k", {"x": "1 / k"},
         "除以常数：x / k = x * (1/k)，局部导数是 1/k。", "Value.__truediv__", "torch.div",
         params=(_K,), domain="k != 0", derived=True),
    _row("rtruediv", "", "/", "k / x", {"x": "-k / x ** 2"},
         "k / x = x ** -1 * k：局部导数 -k/x²。", "Value.__rtruediv__", "torch.div",
         params=(_K,), domain="x != 0", sample={"x": (0.5, None)}, derived=True),
    _row("rpow", "", "^", "k ** x", {"x": "out * log(k)"},
         "k ** x = Value(k) ** x：局部导数 out·ln k。", "Value.__rpow__", "torch.pow",
         params=(Param("k", samples=(2.0, 0.5, 3.0)),), domain="k > 0", sample={"x": _UNIT},
         derived=True),
    _row("mean", "", "mean", "mean(xs)", {"x": "1 / n"},
         "mean(v) = sum(v) * (1/n)：每个输入得到 1/n。", "F.mean", "torch.mean", nary=True,
         derived=True),
    _row("log_softmax", "", "log_softmax", "log_softmax(xs)[i]",
         {"x_i": "1 - exp(out)", "x_j": "-exp(x_j - x_i + out)"},
         "vᵢ − logsumexp(v)：对 vᵢ 是 1 − sᵢ，对 vⱼ 是 −sⱼ。", "F.log_softmax",
         "torch.log_softmax", nary=True, derived=True),
    _row("softmax", "", "softmax", "softmax(xs)[i]",
         {"x_i": "out * (1 - out)", "x_j": "-out ** 2 * exp(x_j - x_i)"},
         "exp(log_softmax)：对 vᵢ 是 sᵢ(1 − sᵢ)，对 vⱼ 是 −sᵢsⱼ。", "F.softmax",
         "torch.softmax", nary=True, derived=True),
)
# fmt: on

#: op name -> row, in the order of the docs.
OPS: dict[str, Op] = {row.name: row for row in _ROWS}


# ------------------------------------------------------------ reading a node
@dataclass(frozen=True)
class Slot:
    """One parent of a node seen through the node's row."""

    position: int  #: the parent's position in ``node._prev``
    input: str  #: the row's input name it fills (``x``, ``w``, ``b``)
    grad: str  #: its local derivative: ``row.grads[input]``
    env: Mapping[str, float]  #: formula name -> number (inputs, ``out``, parameters)
    sources: Mapping[str, int]  #: formula name -> position in ``_prev`` of the parent it is


@dataclass(frozen=True)
class Binding:
    """A node read through its row: which parent is which input, and the parameters."""

    row: Op
    slots: tuple[Slot, ...]  #: aligned with ``node._prev``
    params: Mapping[str, float]  #: parameter name -> value (``k``, ``slope``, ``alpha``)


#: (``_op``, number of parents or -1 for n-ary, has a parameter) -> row
_BY_NODE: dict = {}
for _r in _ROWS:
    if not _r.derived:
        _BY_NODE[_r.op, -1 if _r.nary else len(_r.grads)] = _r


def row_of(node) -> Op | None:
    """The row that describes ``node``'s closure, or None (a leaf, a hand-built node).

    >>> from micrograd_cn.engine import Value
    >>> x = Value(3.0)
    >>> row_of(x * 2).name, row_of(x * x).name, row_of(x), row_of(Value(1.0, (x,), "+"))
    ('mul_const', 'mul', None, None)
    """
    prev = node._prev
    if not prev or getattr(node, "_param", NOT_RECORDED) is NOT_RECORDED:
        return None
    op = node._op
    return _BY_NODE.get((op, -1)) or _BY_NODE.get((op, len(prev)))


def bind(node) -> Binding | None:
    """``node``'s row with its parents and recorded parameter bound to the row's names.

    >>> from micrograd_cn.engine import Value
    >>> from micrograd_cn import functional as F
    >>> w1, w2, x = Value(3.0), Value(2.0), Value(3.0)
    >>> b = bind(F.dot([w1, w2], [2.0, x]))
    >>> [(s.position, s.input, s.grad, dict(s.sources)) for s in b.slots]
    [(0, 'w', 'x', {'w': 0}), (1, 'w', 'x', {'w': 1, 'x': 2}), (2, 'x', 'w', {'w': 1, 'x': 2})]
    """
    row = row_of(node)
    if row is None:
        return None
    prev, param = node._prev, node._param
    if row.name == "dot":
        return _bind_dot(node, row, param)
    params = {p.name: param for p in row.params}
    base = {"out": node.data, **params}
    if row.nary:  # each parent fills the one input name
        (name,) = row.inputs
        slots = tuple(
            Slot(i, name, row.grads[name], {**base, name: v.data}, {name: i})
            for i, v in enumerate(prev)
        )
        return Binding(row, slots, params)
    env = {**base, **{n: v.data for n, v in zip(row.inputs, prev)}}
    sources = {n: i for i, n in enumerate(row.inputs)}
    slots = tuple(Slot(i, n, row.grads[n], env, sources) for i, n in enumerate(row.inputs))
    return Binding(row, slots, params)


def _bind_dot(node, row: Op, factors) -> Binding | None:
    if factors is None:  # every factor a Value: w1, x1, w2, x2, …, and the bias if odd
        prev = node._prev
        ws, xs = prev[0 : len(prev) - 1 : 2], prev[1::2]
        factors = (ws, xs, prev[-1] if len(prev) % 2 else None)
    ws, xs, bias = factors
    out, slots, position = node.data, [], 0
    folded = bias if isinstance(bias, float) else 0.0  # the bias and number × number terms
    for w, x in zip(ws, xs):
        w_at = x_at = None
        if isinstance(w, Value):
            w_at, position = position, position + 1
        if isinstance(x, Value):
            x_at, position = position, position + 1
        env = {"out": out, "w": _number(w), "x": _number(x)}
        both = {k: v for k, v in (("w", w_at), ("x", x_at)) if v is not None}
        if w_at is not None:
            slots.append(Slot(w_at, "w", row.grads["w"], env, both))
        if x_at is not None:
            slots.append(Slot(x_at, "x", row.grads["x"], env, dict(both)))
        if not both:
            folded += env["w"] * env["x"]
    if isinstance(bias, Value):
        slots.append(Slot(position, "b", row.grads["b"], {"out": out}, {"b": position}))
    return Binding(row, tuple(slots), {"c": folded})


def _number(v) -> float:
    return v.data if isinstance(v, Value) else v


def local_derivatives(node) -> list[float] | None:
    """∂node/∂parent for each parent (aligned with ``node._prev``), from the row's formulas.

    None when no row describes the node (a learner's own closure: measure it).

    >>> from micrograd_cn.engine import Value
    >>> t = Value(0.5).tanh()
    >>> local_derivatives(t) == [1 - t.data ** 2]
    True
    """
    binding = bind(node)
    if binding is None:
        return None
    return [float(evaluate(s.grad, s.env)) for s in binding.slots]


def op_text(node) -> str:
    """The text of a node's op oval: its row's symbol, with a folded constant (``×2``, ``+0.5``).

    >>> from micrograd_cn.engine import Value
    >>> x = Value(3.0)
    >>> op_text(x * 2), op_text(x + 0.5), op_text(x ** 2), op_text(x - 1), op_text(x * x)
    ('×2', '+0.5', '^2', '+(-1)', '×')
    >>> op_text(x.sigmoid()), op_text(Value(1.0, (x,), "cube"))
    ('σ', 'cube')
    """
    binding = bind(node)
    if binding is None:
        row = _BY_NODE.get((node._op, -1)) or _BY_NODE.get((node._op, len(node._prev)))
        return row.symbol if row is not None else str(node._op)
    symbol, k = binding.row.symbol, binding.params.get("k")
    if k is None:
        return symbol
    text = format_number(k)
    return f"{symbol}({text})" if k < 0 and symbol != "^" else f"{symbol}{text}"


if __name__ == "__main__":  # python -m micrograd_cn.ops [docs/gradients.md | -]
    from micrograd_cn.ops_doc import main

    main()
