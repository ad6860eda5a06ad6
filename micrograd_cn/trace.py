"""Step records of the forward and backward passes, for the step-through and the CLI tables.

:func:`record` runs the backward pass itself, one node at a time in reverse
topological order, and writes down what happened: each node's value as it
appears (forward) and, for each node, its chain-rule sum: every child's
upstream gradient × local derivative, the local derivative written with the
learner's names (from the one rule table, :mod:`micrograd_cn.rules`) and then
in numbers, plus one line of *why*.  The records are plain floats and strings,
so they survive later changes to the graph.  Nothing here needs graphviz.

The (x + y) · z example of 《梯度下降和反向传播》:

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
'∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4'
>>> t.backward[4].caption
'∂f/∂x = ∂f/∂q × 1 = (-4) × 1 = -4'
>>> t.backward[4].why
'加法门：把上游梯度原封不动地交给每个输入（局部导数是 1）。'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import rules
from .engine import Value, as_real, topological_order
from .formula import OP_SYMBOLS, constant_of, format_number, op_text, paren, text_table

__all__ = [
    "BackwardStep",
    "ForwardStep",
    "GradientMessage",
    "GradientTerm",
    "Trace",
    "constant_of",
    "format_number",
    "fresh_record",
    "op_text",
    "record",
]


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
    local_text: str = ""  #: ``local`` written with the learner's names (``1 − f²``, ``z``)


@dataclass(frozen=True)
class GradientTerm:
    """One term of a node's chain-rule sum: what one child (through one input slot) sent."""

    child: int  #: index of the child node that sent it
    upstream: float  #: ∂root/∂child
    local: float  #: ∂child/∂node through this slot
    local_text: str  #: the local derivative with the learner's names (``1 − f²``)
    local_numbers: str  #: the same with numbers (``1 − 0.761594²``)
    product: float  #: upstream × local


@dataclass(frozen=True)
class BackwardStep:
    """One node's gradient being final, in reverse topological order."""

    index: int
    name: str
    grad: float  #: ∂root/∂node for this backward call
    sent: tuple[GradientMessage, ...]  #: one per distinct parent, in ``_prev`` order
    caption: str  #: e.g. ``∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4``
    why: str = ""  #: why the local derivatives are what they are (Chinese, one line per gate)
    terms: tuple[GradientTerm, ...] = ()  #: the chain-rule sum, one term per child slot


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

    def whys(self) -> list[str]:
        """Aligned with :meth:`captions`: "" for forward frames, each backward step's ``why``."""
        return [""] * len(self.forward) + [s.why for s in self.backward]

    def term_lines(self, index: int) -> list[str]:
        """Node ``index``'s chain-rule sum, one line per term (for a click-on-a-node panel).

        >>> from micrograd_cn.engine import Value
        >>> a = Value(3.0, label="a"); b = a * a; b.label = "b"
        >>> record(b).term_lines(0)
        ['∂b/∂b × a = 1 × 3 = 3', '∂b/∂b × a = 1 × 3 = 3']
        """
        root = self.forward[-1].name
        step = self.backward[len(self.nodes) - 1 - index]
        return [
            f"∂{root}/∂{self.forward[t.child].name} × {_bracket(t.local_text)} = "
            f"{paren(t.upstream)} × {_bracket(t.local_numbers)} = {format_number(t.product)}"
            for t in step.terms
        ]

    def forward_table(self) -> str:
        """The forward pass as a text table (step, node, op, value)."""
        rows = [
            (str(i + 1), s.name, OP_SYMBOLS.get(s.op, s.op) or "输入", f"{s.value:.4f}", s.formula)
            for i, s in enumerate(self.forward)
        ]
        header = ("步 step", "节点 node", "运算 op", "值 value", "计算 formula")
        return text_table(header, rows)

    def backward_table(self) -> str:
        """The backward pass as a text table (step, node, grad, what it sent)."""
        rows = []
        for i, s in enumerate(self.backward):
            sent = ", ".join(
                f"{self.forward[m.parent].name} += {format_number(m.delta)}" for m in s.sent
            )
            rows.append((str(i + 1), s.name, f"{s.grad:.4f}", s.caption, sent or "-"))
        header = ("步 step", "节点 node", "梯度 grad", "链式法则 chain rule", "传给父节点 sent")
        return text_table(header, rows)


def _names(nodes: list[Value]) -> list[str]:
    """The label, or ``v{i}`` for an unlabelled node, primed (``v2'``) if a label is ``v2``.

    >>> a = Value(1.0, label="v1"); _names(topological_order(a * 2))
    ['v1', "v1'"]
    """
    taken = {str(v.label) for v in nodes if v.label}
    names = []
    for i, v in enumerate(nodes):
        name = str(v.label) if v.label else f"v{i}"
        while not v.label and name in taken:
            name += "'"
        taken.add(name)
        names.append(name)
    return names


def _forward_formula(node: Value, name: str, parent_names: list[str]) -> str:
    """``q = x + y = -2 + 5 = 3`` for an op node, ``x = -2`` for an input."""
    value = format_number(node.data)
    if not node._prev:
        return f"{name} = {value}"
    parent_values = [paren(p.data) for p in node._prev]
    op, k = node._op, constant_of(node)
    if op in ("+", "*") and k is not None:
        symbol = OP_SYMBOLS[op]
        parts = (
            f"{parent_names[0]} {symbol} {paren(k)}",
            f"{parent_values[0]} {symbol} {paren(k)}",
        )
    elif op == "**" and k is not None:
        parts = (f"{parent_names[0]}^{paren(k)}", f"{parent_values[0]}^{paren(k)}")
    elif op in ("+", "*", "**"):
        symbol = f" {OP_SYMBOLS[op]} "
        parts = (symbol.join(parent_names), symbol.join(parent_values))
    else:
        symbol = OP_SYMBOLS.get(op, op)
        if len(parent_names) > 4:  # n-ary: keep the caption short
            parts = (f"{symbol}({parent_names[0]}, …, {parent_names[-1]})", "")
        else:
            args = [format_number(p.data) for p in node._prev]  # f(-0.3), not f((-0.3))
            if op in ("leaky_relu", "elu") and node._const is not None:  # its slope / alpha
                parent_names = [*parent_names, format_number(node._const)]
                args.append(format_number(node._const))
            parts = (f"{symbol}({', '.join(parent_names)})", f"{symbol}({', '.join(args)})")
    middle = f" = {parts[1]}" if parts[1] and parts[1] != value else ""
    return f"{name} = {parts[0]}{middle} = {value}"


@dataclass(frozen=True)
class _Slot:
    """One input slot of a node: its local derivative as a number, in names, in numbers."""

    position: int
    local: float
    text: str
    numbers: str


_ENGINE_MODULES = ("micrograd_cn.engine", "micrograd_cn.functional", "micrograd_cn.autograd")


def _engine_closure(node: Value) -> bool:
    """True if ``node``'s closure is the engine's own (so the rule table describes it)."""
    fn = node._grad_fn
    module, name = getattr(fn, "__module__", ""), getattr(fn, "__qualname__", "")
    return module in _ENGINE_MODULES and name.endswith("._backward")


def _probe(node: Value, parents: list[Value]) -> list[float]:
    """Measure ∂node/∂parent: send 1 through ``node._backward()`` on zeroed parents, restore.

    Setting ``node.grad`` (not passing ``g``) lets a lecture-style closure that
    reads ``out.grad`` be measured too.
    """
    saved, saved_grad = [p.grad for p in parents], node.grad
    for p in parents:
        p.grad = 0.0
    node.grad = 1.0
    try:
        node._backward()
        return [p.grad for p in parents]
    finally:
        node.grad = saved_grad
        for p, before in zip(parents, saved, strict=True):
            p.grad = before


def _slots(node: Value, parents: list[Value], name_of: dict) -> tuple[list[_Slot], bool]:
    """The node's input slots, and whether the rule table (not a measurement) gave them."""
    if _engine_closure(node) and rules.gate_of(node) is not None:

        def coefficients():  # a dot node's per-slot coefficients, if each input is used once
            if len(parents) != len(node._prev):
                return None
            return tuple(_probe(node, parents))

        found = rules.bindings(node, coefficients)
        try:
            slots = [_slot(node, b, name_of) for b in found] if found else None
        except (ArithmeticError, ValueError, TypeError):  # singular (sqrt at 0): measure it
            slots = None
        if slots is not None:
            return slots, True
    position: dict[Value, int] = {}
    for k, p in enumerate(node._prev):
        position.setdefault(p, k)
    measured = _probe(node, parents)
    return [_Slot(position[p], x, paren(x), paren(x)) for p, x in zip(parents, measured)], False


def _slot(node: Value, binding: rules.Binding, name_of: dict) -> _Slot:
    names = {var: name_of[node._prev[p]] for var, p in binding.slots.items()}
    names["out"] = name_of[node]
    local = float(rules.evaluate(binding.rule.local, binding.env))
    text = rules.render(binding.rule.local, names, binding.env)
    numbers = rules.render(binding.rule.local, {}, binding.env, numeric=True)
    return _Slot(binding.position, local, text, numbers)


def _send(node: Value, parents: list[Value], g: float, engine: bool) -> list[float]:
    """Run the node's backward once with ``g``; return what each parent received."""
    before = [p.grad for p in parents]
    if engine:  # the engine's closures add: read the deltas exactly from zeroed parents
        for p in parents:
            p.grad = 0.0
        node._backward(g)
        deltas = [p.grad for p in parents]
        for p, b, d in zip(parents, before, deltas, strict=True):
            p.grad = b + d
        return deltas
    node.grad = g  # a learner's closure runs on the real grads: an `=` bug shows
    node._backward()
    return [p.grad - b for p, b in zip(parents, before, strict=True)]


def record(root: Value, grad=1.0) -> Trace:
    """Run ``root.backward(grad)`` one node at a time and record every step.

    Gradient semantics are those of :meth:`Value.backward`: intermediate nodes
    get this call's gradient, leaves accumulate.  Local derivatives come from
    the rule table (:mod:`micrograd_cn.rules`); an op the table does not know
    (a learner's own ``_backward``) is measured by sending 1 through it.  Each
    node's closure then runs once with the node's gradient, as in ``backward()``.
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
    incoming: dict[int, list[GradientTerm]] = {i: [] for i in range(len(nodes))}
    whys: dict[int, str] = {}  # child index -> the sentence explaining its local derivatives
    backward = []
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        g = node.grad
        step_terms = tuple(incoming[i])
        caption = _backward_caption(i, step_terms, nodes, g, name_of)
        why = _why(i, g, step_terms, names, whys)
        sent = []
        if node._grad_fn is not None:
            parents = list(dict.fromkeys(node._prev))
            slots, from_table = _slots(node, parents, name_of)
            whys[i] = _gate_why(node, from_table)
            deltas = _send(node, parents, g, _engine_closure(node))
            by_parent: dict[int, list[_Slot]] = {}
            for s in slots:
                by_parent.setdefault(id(node._prev[s.position]), []).append(s)
            for p, delta in zip(parents, deltas, strict=True):
                own = by_parent.get(id(p), [])
                local = math.fsum(s.local for s in own)
                text = " + ".join(s.text for s in own)
                sent.append(GradientMessage(index[p], local, delta, text))
                for s in own:
                    term = GradientTerm(i, g, s.local, s.text, s.numbers, g * s.local)
                    incoming[index[p]].append(term)
        backward.append(BackwardStep(i, names[i], g, tuple(sent), caption, why, step_terms))
    return Trace(nodes=nodes, forward=forward, backward=backward)


def _gate_why(node: Value, from_table: bool) -> str:
    gate = rules.gate_of(node)
    if gate is None or (not from_table and not _engine_closure(node)):
        return rules.NUMERIC_WHY.format(op=node._op or "?")
    return gate.why


def _why(i: int, grad: float, terms: tuple, names: list, whys: dict) -> str:
    """The gate sentence of every child that fed node ``i``, plus the ``+=`` sentence if reused."""
    if i == len(names) - 1:
        return rules.ROOT_WHY.format(root=names[i], grad=format_number(grad))
    if not terms:
        return rules.NO_TERMS_WHY
    sentences = list(dict.fromkeys(whys[t.child] for t in terms))
    if len(terms) > 1:
        sentences.append(rules.REUSE_WHY)
    return " ".join(sentences)


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


#: A node fed by more terms than this shows the first few, "…", and the last.
MAX_TERMS_SHOWN = 6


def _bracket(text: str) -> str:
    return text if rules.is_atom(text) else f"({text})"


def _backward_caption(i, terms, nodes, g, name_of) -> str:
    """``∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4``: upstream × local, in names, then in numbers."""
    root_name = name_of[nodes[-1]]
    head = f"∂{root_name}/∂{name_of[nodes[i]]}"
    if not terms:
        return f"{head} = {format_number(g)}"
    symbolic = [
        f"∂{root_name}/∂{name_of[nodes[t.child]]} × {_bracket(t.local_text)}" for t in terms
    ]
    numeric = [f"{paren(t.upstream)} × {_bracket(t.local_numbers)}" for t in terms]
    count = ""
    if len(terms) > MAX_TERMS_SHOWN:
        symbolic = [*symbolic[:3], "…", symbolic[-1]]
        numeric = [*numeric[:3], "…", numeric[-1]]
        count = f"（共 {len(terms)} 项）"
    return f"{head} = {' + '.join(symbolic)} = {' + '.join(numeric)} = {format_number(g)}{count}"
