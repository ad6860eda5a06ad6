"""Step records of the forward and backward passes, for the step-through and the CLI tables.

:func:`record` runs the backward pass itself, one node at a time in reverse
topological order, and writes down what happened: each node's value as it
appears (forward) and each node's gradient and what it sent to each parent
(backward).  The records are plain floats, so they survive later changes to
the graph.  Nothing here needs graphviz.

>>> from micrograd_cn.engine import Value
>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> q = x + y; q.label = "q"
>>> f = q * z; f.label = "f"
>>> t = record(f)
>>> [(s.name, s.value) for s in t.forward]
[('x', -2.0), ('y', 5.0), ('q', 3.0), ('z', -4.0), ('f', -12.0)]
>>> [(s.name, s.grad) for s in t.backward]
[('f', 1.0), ('z', 3.0), ('q', -4.0), ('y', -4.0), ('x', -4.0)]
>>> t.backward[2].caption
'∂f/∂q = z = -4'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .engine import Value, as_real, topological_order

__all__ = [
    "BackwardStep",
    "ForwardStep",
    "GradientMessage",
    "Trace",
    "constant_of",
    "format_number",
    "fresh_record",
    "op_text",
    "record",
]

#: How each op is written in formulas (``_op`` -> symbol).
OP_SYMBOLS = {
    "+": "+",
    "*": "×",
    "**": "^",
    "exp": "exp",
    "log": "log",
    "sqrt": "√",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "softplus": "softplus",
    "abs": "abs",
    "sum": "Σ",
    "dot": "dot",
    "logsumexp": "logsumexp",
    "max": "max",
    "min": "min",
}


def format_number(x: float) -> str:
    """Short human form of a number for captions: ``-4.0`` -> ``-4``, 6 significant digits.

    >>> format_number(-4.0), format_number(0.6456563062257954), format_number(2.2)
    ('-4', '0.645656', '2.2')
    """
    return format(x, ".6g")


def constant_of(node: Value) -> float | None:
    """The constant folded into ``node`` (``x * 2.0`` -> 2.0, ``x + 0.5`` -> 0.5), else None.

    Constants are not graph nodes: ``*`` and ``**`` keep theirs in the closure
    cell ``k``; ``+`` keeps none, so it is recovered as ``out - x`` (exact up to rounding).

    >>> x = Value(3.0)
    >>> constant_of(x * 2.0), constant_of(x + 0.5), constant_of(x * x)
    (2.0, 0.5, None)
    """
    if len(node._prev) != 1 or node._op not in ("+", "*", "**"):
        return None
    return node._const


def op_text(node: Value) -> str:
    """The op node's text: the symbol, with a folded constant when there is one (``×2``, ``+0.5``).

    >>> x = Value(3.0)
    >>> op_text(x * 2), op_text(x + 0.5), op_text(x ** 2), op_text(x * x), op_text(x.tanh())
    ('×2', '+0.5', '^2', '×', 'tanh')
    """
    symbol = OP_SYMBOLS.get(node._op, node._op)
    k = constant_of(node)
    if k is None:
        return symbol
    text = format_number(k)
    return f"{symbol}({text})" if k < 0 and node._op != "**" else f"{symbol}{text}"


@dataclass(frozen=True)
class ForwardStep:
    """One node's value appearing, in topological order (parents first)."""

    index: int  #: position in topological order (also the node id ``n{index}``)
    name: str  #: the label, or ``v{index}`` for an unlabelled node
    op: str  #: the engine's ``_op`` ("" for inputs)
    parents: tuple[int, ...]  #: indices of the parents (repeated as in ``_prev``)
    value: float
    formula: str  #: e.g. ``q = x + y = -2 + 5 = 3``


@dataclass(frozen=True)
class GradientMessage:
    """What one node's backward sent to one parent: ``local`` ∂child/∂parent, ``delta`` added."""

    parent: int  #: index of the parent
    local: float  #: local derivative ∂child/∂parent (summed if the parent is used twice)
    delta: float  #: gradient added to the parent: upstream grad × local


@dataclass(frozen=True)
class BackwardStep:
    """One node's gradient being final, in reverse topological order."""

    index: int
    name: str
    grad: float  #: ∂root/∂node for this backward call
    sent: tuple[GradientMessage, ...]  #: one per distinct parent, in ``_prev`` order
    caption: str  #: e.g. ``∂f/∂q = z = -4``


@dataclass
class Trace:
    """The record of one forward + backward pass; ``nodes[i]`` has id ``n{i}``."""

    nodes: list[Value]
    forward: list[ForwardStep]
    backward: list[BackwardStep]

    def captions(self) -> list[str]:
        """One caption per step-through frame: forward steps, then backward steps."""
        n = len(self.nodes)
        forward = [f"前向 Forward {k + 1}/{n} · {s.formula}" for k, s in enumerate(self.forward)]
        back = [f"反向 Backward {k + 1}/{n} · {s.caption}" for k, s in enumerate(self.backward)]
        return forward + back

    def forward_table(self) -> str:
        """The forward pass as a text table (step, node, op, value)."""
        rows = [
            (str(i + 1), s.name, OP_SYMBOLS.get(s.op, s.op) or "输入", f"{s.value:.4f}", s.formula)
            for i, s in enumerate(self.forward)
        ]
        header = ("步 step", "节点 node", "运算 op", "值 value", "计算 formula")
        return _table(header, rows)

    def backward_table(self) -> str:
        """The backward pass as a text table (step, node, grad, what it sent)."""
        rows = []
        for i, s in enumerate(self.backward):
            sent = ", ".join(
                f"{self.forward[m.parent].name} += {format_number(m.delta)}" for m in s.sent
            )
            rows.append((str(i + 1), s.name, f"{s.grad:.4f}", s.caption, sent or "-"))
        header = ("步 step", "节点 node", "梯度 grad", "链式法则 chain rule", "传给父节点 sent")
        return _table(header, rows)


def _names(nodes: list[Value]) -> list[str]:
    return [v.label or f"v{i}" for i, v in enumerate(nodes)]


def _forward_formula(node: Value, name: str, parent_names: list[str]) -> str:
    """``q = x + y = -2 + 5 = 3`` for an op node, ``x = -2`` for an input."""
    value = format_number(node.data)
    if not node._prev:
        return f"{name} = {value}"
    parent_values = [_paren(p.data) for p in node._prev]
    op, k = node._op, constant_of(node)
    if op in ("+", "*") and k is not None:
        symbol = OP_SYMBOLS[op]
        parts = (
            f"{parent_names[0]} {symbol} {_paren(k)}",
            f"{parent_values[0]} {symbol} {_paren(k)}",
        )
    elif op == "**" and k is not None:
        parts = (f"{parent_names[0]}^{_paren(k)}", f"{parent_values[0]}^{_paren(k)}")
    elif op in ("+", "*", "**"):
        symbol = f" {OP_SYMBOLS[op]} "
        parts = (symbol.join(parent_names), symbol.join(parent_values))
    else:
        symbol = OP_SYMBOLS.get(op, op)
        if len(parent_names) > 4:  # n-ary: keep the caption short
            parts = (f"{symbol}({parent_names[0]}, …, {parent_names[-1]})", "")
        else:
            parts = (
                f"{symbol}({', '.join(parent_names)})",
                f"{symbol}({', '.join(parent_values)})",
            )
    middle = f" = {parts[1]}" if parts[1] and parts[1] != value else ""
    return f"{name} = {parts[0]}{middle} = {value}"


def _paren(x: float) -> str:
    text = format_number(x)
    return f"({text})" if x < 0 else text


def _local_text(child: Value, parent: Value, local: float, names: dict) -> str:
    """The local derivative ∂child/∂parent as a learner would write it (``z`` for f = q*z)."""
    uses = child._prev.count(parent)
    if child._op in ("+", "sum"):
        return str(uses)
    if child._op == "*" and len(child._prev) == 2:
        if uses == 2:
            return f"2·{names[parent]}"
        other = child._prev[1] if child._prev[0] is parent else child._prev[0]
        return names[other]
    return _paren(local)


def record(root: Value, grad=1.0) -> Trace:
    """Run ``root.backward(grad)`` one node at a time and record every step.

    Gradient semantics are those of :meth:`Value.backward`: intermediate nodes
    get this call's gradient, leaves accumulate.  Each node's closure is called
    twice: with 1.0 on zeroed parents to read the local derivatives, then with
    the node's gradient to read what it sent; the parents' grads are then set
    to what they were plus what was sent.
    """
    grad = as_real(grad, "backward grad")
    nodes = topological_order(root)
    index = {v: i for i, v in enumerate(nodes)}
    names = _names(nodes)
    name_of = {v: names[i] for i, v in enumerate(nodes)}
    forward = [
        ForwardStep(
            index=i,
            name=names[i],
            op=v._op,
            parents=tuple(index[p] for p in v._prev),
            value=v.data,
            formula=_forward_formula(v, names[i], [name_of[p] for p in v._prev]),
        )
        for i, v in enumerate(nodes)
    ]
    for v in nodes:
        if v._prev:
            v.grad = 0.0  # intermediate: this call's gradient only
    root.grad += grad
    # incoming[i]: (child index, local derivative) pairs that fed node i's gradient
    incoming: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(nodes))}
    backward = []
    grads: dict[int, float] = {}
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        g = node.grad
        parents = list(dict.fromkeys(node._prev))
        sent = []
        if node._grad_fn is not None:
            saved = [p.grad for p in parents]
            for p in parents:
                p.grad = 0.0
            node._backward(1.0)
            locals_ = [p.grad for p in parents]
            for p in parents:
                p.grad = 0.0
            node._backward(g)
            for p, before, local in zip(parents, saved, locals_, strict=True):
                delta = p.grad
                p.grad = before + delta
                sent.append(GradientMessage(parent=index[p], local=local, delta=delta))
                incoming[index[p]].append((i, local))
        grads[i] = g
        caption = _backward_caption(i, incoming[i], nodes, grads, name_of)
        backward.append(BackwardStep(i, names[i], g, tuple(sent), caption))
    return Trace(nodes=nodes, forward=forward, backward=backward)


def fresh_record(root: Value) -> Trace:
    """:func:`record` from zeroed grads, then every grad put back: drawing changes nothing.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(3.0, label="a"); b = a * a; b.backward()
    >>> fresh_record(b).backward[-1].grad, a.grad   # this call's 6, a.grad untouched
    (6.0, 6.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    nodes = topological_order(root)
    saved = [v.grad for v in nodes]
    for v in nodes:
        v.grad = 0.0
    try:
        return record(root)
    finally:
        for v, g in zip(nodes, saved, strict=True):
            v.grad = g


def _backward_caption(i, incoming, nodes, grads, name_of) -> str:
    """``∂f/∂q = z = -4``; a node fed by several children shows the sum of their terms."""
    g, root_name = grads[i], name_of[nodes[-1]]
    head = f"∂{root_name}/∂{name_of[nodes[i]]}"
    if not incoming:
        return f"{head} = {format_number(g)}"
    symbolic, numeric = [], []
    for child, local in incoming:
        local_text = _local_text(nodes[child], nodes[i], local, name_of)
        if child == len(nodes) - 1:  # the root: upstream gradient is the seed, 1
            symbolic.append(local_text)
        else:
            upstream = f"∂{root_name}/∂{name_of[nodes[child]]}"
            symbolic.append(f"{upstream}·{local_text}")
            numeric.append(f"{_paren(grads[child])}×{_paren(local)}")
    text = f"{head} = {' + '.join(symbolic)}"
    if numeric and len(numeric) == len(incoming):
        text += f" = {' + '.join(numeric)}"
    value = format_number(g)
    return text if text.endswith(f"= {value}") else f"{text} = {value}"


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(header: tuple, rows: list[tuple]) -> str:
    widths = [max(_width(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(cells):
        return "  ".join(
            c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
