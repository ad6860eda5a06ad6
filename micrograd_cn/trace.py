"""Step records of the forward and backward passes, for the step-through and the CLI tables.

:func:`record` runs the backward pass through the one backward loop
(:func:`micrograd_cn.autograd.backpropagate`) with a hook that writes down, for
every node, its gradient and its chain-rule sum: every child's upstream
gradient × local derivative, the local derivative written with the learner's
names (from the node's row in the op table, :mod:`micrograd_cn.ops`) and then
in numbers, plus one line of *why*.  Forward steps get their formula and a
*why* line too.  The records are plain floats and strings, so they survive
later changes to the graph.  Nothing here needs graphviz.

Local derivatives are never re-derived by calling the engine's closures: the
row says what they are.  Only a closure written without a row (a learner's
``out._backward = _backward``, or an op of a hand-written ``Value`` class) is
*measured*, by sending 1 through it, and its caption says so.

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
>>> t.backward[4].why
'加法门：把上游梯度原封不动地交给每个输入（局部导数是 1）。'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import ops
from .autograd import backpropagate
from .derivatives import LocalSlot, slots_of
from .formula import is_atom
from .graph import Graph, graph_of
from .numbers_text import format_number, paren
from .real_numbers import as_real
from .tables import Table

__all__ = [
    "MEASURED_NOTE",
    "BackwardStep",
    "ForwardStep",
    "GradientMessage",
    "GradientTerm",
    "Trace",
    "fresh_record",
    "record",
]

#: Shown on the root's step.
ROOT_WHY = "根节点：反向传播从这里出发，起点梯度 ∂{root}/∂{root} = {grad}（自己对自己的导数是 1）。"
#: Shown when a node received terms from more than one path (or one op used it twice).
REUSE_WHY = "这个节点被用了不止一次：每条路径送回的梯度要相加（+=，不是 =）。"
#: Shown for a node none of whose children sent it anything.
NO_TERMS_WHY = "没有子节点把梯度送回到这里（子节点没有 _backward），梯度保持为 0。"
#: Appended to a caption that uses a measured local derivative.
MEASURED_NOTE = "（局部导数由数值测得：这个运算没有登记在运算表里）"
#: Forward: an input, and an op whose inputs are all known.
INPUT_WHY = "输入（叶子节点）：它的值是给定的，不由别的节点算出。"
OP_WHY = "{parents} 都已算好（拓扑顺序把父节点排在前面），所以现在能算 {name}。"
#: A node fed by more terms than this shows the first few, "…", and the last.
MAX_TERMS_SHOWN = 6


@dataclass(frozen=True)
class ForwardStep:
    """One node's value appearing, in topological order (parents first)."""

    index: int  #: position in topological order (also the node id ``n{index}``)
    name: str  #: the label, or ``v1``, ``v2``, … for unlabelled nodes
    op: str  #: the node's ``_op`` ("" for inputs)
    parents: tuple[int, ...]  #: indices of the parents (repeated as in ``x * x``)
    value: float
    formula: str  #: e.g. ``q = x + y = -2 + 5 = 3``
    why: str = ""  #: why this value can be computed now (Chinese)


@dataclass(frozen=True)
class GradientMessage:
    """What one node's backward sent to one parent: ``local`` ∂child/∂parent, ``delta`` added."""

    parent: int  #: index of the parent
    local: float  #: local derivative ∂child/∂parent (summed if the parent is used twice)
    delta: float  #: gradient added to the parent by this node's closure
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
    measured: bool = False  #: the local derivative was measured (no row describes the op)


@dataclass(frozen=True)
class BackwardStep:
    """One node's gradient being final, in reverse topological order."""

    index: int
    name: str
    grad: float  #: ∂root/∂node for this backward call
    sent: tuple[GradientMessage, ...]  #: one per distinct parent, in drawing order
    caption: str  #: e.g. ``∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4``
    why: str = ""  #: why the local derivatives are what they are (Chinese, one line per gate)
    terms: tuple[GradientTerm, ...] = ()  #: the chain-rule sum, one term per child slot


@dataclass
class Trace:
    """The record of one forward + backward pass; ``nodes[i]`` has id ``n{i}``."""

    nodes: list
    forward: list[ForwardStep]
    backward: list[BackwardStep]

    def captions(self) -> list[str]:
        """One caption per step-through frame (forward steps, then backward steps), each
        with the one step counter ``步 step k/N`` that the player's slider shows."""
        total = len(self.forward) + len(self.backward)
        texts = [f"前向 Forward · {s.formula}" for s in self.forward]
        texts += [f"反向 Backward · {s.caption}" for s in self.backward]
        return [f"步 step {k}/{total} · {text}" for k, text in enumerate(texts, start=1)]

    def whys(self) -> list[str]:
        """Aligned with :meth:`captions`: each step's Chinese *why* line."""
        return [s.why for s in self.forward] + [s.why for s in self.backward]

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

    def forward_table(self) -> Table:
        """The forward pass as a table (step, node, op, value, formula): text in a terminal,
        an HTML table in a notebook."""
        rows = [
            (str(i + 1), s.name, ops.op_text(self.nodes[s.index]) if s.parents else "输入",
             f"{s.value:.4f}", s.formula)
            for i, s in enumerate(self.forward)
        ]  # fmt: skip
        return Table(("步 step", "节点 node", "运算 op", "值 value", "计算 formula"), rows)

    def backward_table(self) -> Table:
        """The backward pass as a table (step, node, grad, chain rule, what it sent)."""
        rows = []
        for i, s in enumerate(self.backward):
            sent = ", ".join(
                f"{self.forward[m.parent].name} += {format_number(m.delta)}" for m in s.sent
            )
            rows.append((str(i + 1), s.name, f"{s.grad:.4f}", s.caption, sent or "-"))
        header = ("步 step", "节点 node", "梯度 grad", "链式法则 chain rule", "传给父节点 sent")
        return Table(header, rows)


# ---------------------------------------------------------------- forward


def _forward_step(graph: Graph, i: int) -> ForwardStep:
    node, name = graph.nodes[i], graph.names[i]
    own = graph.parents[i]
    parent_names = [graph.names[j] for j in own]
    if own:
        shown = "、".join(dict.fromkeys(parent_names))
        why = OP_WHY.format(parents=shown, name=name)
    else:
        why = INPUT_WHY
    formula = _forward_formula(node, name, parent_names, graph.ordered_parents(i))
    return ForwardStep(i, name, str(node._op), own, node.data, formula, why)


def _forward_formula(node, name: str, parent_names: list[str], parents: list) -> str:
    """``q = x + y = -2 + 5 = 3`` for an op node, ``x = -2`` for an input."""
    value = format_number(node.data)
    if not parents:
        return f"{name} = {value}"
    parent_values = [paren(p.data) for p in parents]
    binding = ops.bind(node)
    params = dict(binding.params) if binding is not None else {}
    op, symbol = node._op, binding.row.symbol if binding is not None else ops.op_text(node)
    k = params.get("k")
    if binding is not None and binding.row.name == "dot" and len(binding.slots) <= 5:
        parts = _dot_formula(binding, parent_names, parent_values)
    elif op in ("+", "*") and k is not None:
        parts = (
            f"{parent_names[0]} {symbol} {paren(k)}",
            f"{parent_values[0]} {symbol} {paren(k)}",
        )
    elif op == "**" and k is not None:
        parts = (f"{parent_names[0]}^{paren(k)}", f"{parent_values[0]}^{paren(k)}")
    elif op in ("+", "*", "**"):
        parts = (f" {symbol} ".join(parent_names), f" {symbol} ".join(parent_values))
    elif len(parent_names) > 4:  # n-ary: keep the caption short
        parts = (f"{symbol}({parent_names[0]}, …, {parent_names[-1]})", "")
    else:
        args = [format_number(p.data) for p in parents]  # f(-0.3), not f((-0.3))
        for param in binding.row.params if binding is not None else ():
            value_of_param = params[param.name]  # leaky_relu's slope, elu's alpha, sum's c
            if param.folded and value_of_param == 0:  # sum([a, b]): no number was added
                continue
            parent_names = [*parent_names, format_number(value_of_param)]
            args.append(format_number(value_of_param))
        parts = (f"{symbol}({', '.join(parent_names)})", f"{symbol}({', '.join(args)})")
    middle = f" = {parts[1]}" if parts[1] and parts[1] != value else ""
    return f"{name} = {parts[0]}{middle} = {value}"


def _dot_formula(binding, parent_names: list[str], parent_values: list[str]) -> tuple[str, str]:
    """``w1 × 2 + w2 × x``: each weight with the input it multiplies (as recorded), then b."""
    names, numbers = [], []
    for s in binding.slots:
        if s.input == "x" and "w" in s.sources:  # written with its weight's slot
            continue
        if s.input == "b":
            names.append(parent_names[s.position])
            numbers.append(parent_values[s.position])
            continue
        pair = [
            (parent_names[s.sources[v]], paren(s.env[v])) if v in s.sources else
            (paren(s.env[v]), paren(s.env[v]))
            for v in ("w", "x")
        ]  # fmt: skip
        names.append(f"{pair[0][0]} × {pair[1][0]}")
        numbers.append(f"{pair[0][1]} × {pair[1][1]}")
    return " + ".join(names), " + ".join(numbers)


# ---------------------------------------------------------------- backward


class _Recorder:
    """The backward loop's hook: writes down each node's step as the loop reaches it.

    A node's messages (what its closure added to each parent) are read when the
    loop reaches the next node, or at :meth:`finish`: by then the closure has run.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.index = {v: i for i, v in enumerate(graph.nodes)}
        self.incoming: list[list[GradientTerm]] = [[] for _ in graph.nodes]
        self.whys: dict[int, str] = {}  # child index -> its op's sentence
        self.steps: list[BackwardStep] = []
        self.pending = None  # (index, grad, slots, parents, grads before the closure ran)

    def __call__(self, node, grad: float) -> None:
        self.finish()
        i = self.index[node]
        graph = self.graph
        terms = tuple(self.incoming[i])
        caption = _caption(graph, i, terms, grad)
        why = self._why(i, grad, terms)
        slots, op_why = slots_of(graph, i) if graph.parents[i] else ([], "")
        self.whys[i] = op_why
        parents = list(dict.fromkeys(graph.parents[i])) if slots else []
        before = [graph.nodes[j].grad for j in parents]
        self.steps.append(BackwardStep(i, graph.names[i], grad, (), caption, why, terms))
        self.pending = (i, grad, slots, parents, before)

    def finish(self) -> None:
        """Read what the last node's closure sent; its terms go to its parents."""
        if self.pending is None:
            return
        i, grad, slots, parents, before = self.pending
        self.pending = None
        nodes, sent = self.graph.nodes, []
        for j, b in zip(parents, before, strict=True):
            delta = nodes[j].grad - b
            own = [s for s in slots if s.parent == j]
            if len(own) == 1 and own[0].local is None:  # singular row: as observed
                local = delta / grad if grad else math.nan
                own = [LocalSlot(j, local, paren(local), paren(local))]
            sent.append(GradientMessage(j, math.fsum(s.local for s in own), delta,
                                        " + ".join(s.text for s in own)))  # fmt: skip
            for s in own:
                term = GradientTerm(i, grad, s.local, s.text, s.numbers, grad * s.local, s.measured)
                self.incoming[j].append(term)
        step = self.steps[-1]
        self.steps[-1] = BackwardStep(i, step.name, grad, tuple(sent), step.caption, step.why,
                                      step.terms)  # fmt: skip

    def _why(self, i: int, grad: float, terms: tuple) -> str:
        """The sentence of every child that fed node ``i``, plus the ``+=`` one if reused."""
        names = self.graph.names
        if i == len(names) - 1:
            return ROOT_WHY.format(root=names[i], grad=format_number(grad))
        if not terms:
            return NO_TERMS_WHY
        sentences = [s for s in dict.fromkeys(self.whys[t.child] for t in terms) if s]
        if len(terms) > 1:
            sentences.append(REUSE_WHY)
        return " ".join(sentences)


def record(root, grad=1.0) -> Trace:
    """Run the backward pass from ``root`` with the one backward loop and record every step.

    Gradient semantics are those of :meth:`Value.backward` (the same loop):
    intermediate nodes get this call's gradient, leaves accumulate.  ``root``
    may be any micrograd-style object (``data``, ``grad``, ``_prev``, ``_op``,
    ``_backward``).
    """
    return _record(graph_of(root, "record", stepping=True), grad)


def _record(graph: Graph, grad) -> Trace:
    root = graph.nodes[-1]
    grad = as_real(grad, "backward grad")
    forward = [_forward_step(graph, i) for i in range(len(graph))]
    recorder = _Recorder(graph)
    backpropagate(root, grad, hook=recorder, order=graph.nodes)
    recorder.finish()
    return Trace(nodes=graph.nodes, forward=forward, backward=recorder.steps)


def fresh_record(root) -> Trace:
    """:func:`record` from zeroed grads, then every grad put back: drawing changes nothing.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(3.0, label="a"); b = a * a; b.backward()
    >>> fresh_record(b).backward[-1].grad, a.grad   # this call's 6, a.grad untouched
    (6.0, 6.0)
    """
    graph = graph_of(root, "fresh_record", stepping=True)
    saved = [v.grad for v in graph.nodes]
    for v in graph.nodes:
        v.grad = 0.0
    try:
        return _record(graph, 1.0)
    finally:
        for v, g in zip(graph.nodes, saved, strict=True):
            v.grad = g


def _bracket(text: str) -> str:
    return text if is_atom(text) else f"({text})"


def _caption(graph: Graph, i: int, terms: tuple, grad: float) -> str:
    """``∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4``: upstream × local, in names, then in numbers."""
    root_name = graph.names[-1]
    head = f"∂{root_name}/∂{graph.names[i]}"
    if not terms:
        return f"{head} = {format_number(grad)}"
    symbolic = [f"∂{root_name}/∂{graph.names[t.child]} × {_bracket(t.local_text)}" for t in terms]
    numeric = [f"{paren(t.upstream)} × {_bracket(t.local_numbers)}" for t in terms]
    count = ""
    if len(terms) > MAX_TERMS_SHOWN:
        symbolic = [*symbolic[:3], "…", symbolic[-1]]
        numeric = [*numeric[:3], "…", numeric[-1]]
        count = f"（共 {len(terms)} 项）"
    note = MEASURED_NOTE if any(t.measured for t in terms) else ""
    return (
        f"{head} = {' + '.join(symbolic)} = {' + '.join(numeric)} = {format_number(grad)}"
        f"{count}{note}"
    )
