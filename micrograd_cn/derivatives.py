"""Each input slot's local derivative, for the captions: from the op row, or measured.

An engine node is read through its row in the op table (:func:`micrograd_cn.ops.bind`):
the row's formula, evaluated on the node's data and recorded parameter, gives the
number; the same formula printed with the learner's names and then with numbers
gives the caption's text (``1 − f²``, ``1 − 0.761594²``).  No engine closure is
ever called here.

A closure that no row describes (a learner's ``out._backward = _backward``, an op
of a hand-written ``Value`` class or of micrograd's) is *measured*: 1 is sent
through ``node._backward()`` with the parents' gradients zeroed, and every
gradient is put back afterwards.

>>> from micrograd_cn import Value
>>> from micrograd_cn.graph import graph_of
>>> a = Value(0.5, label="a"); f = a.tanh(); f.label = "f"
>>> slots, why = slots_of(graph_of(f, "example"), 1)
>>> [(s.parent, round(s.local, 6), s.text, s.numbers, s.measured) for s in slots]
[(0, 0.786448, '1 − f²', '1 − 0.462117²', False)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import ops
from .formula import evaluate, render
from .graph import Graph
from .numbers_text import paren

__all__ = ["MEASURED_WHY", "LocalSlot", "slots_of"]

#: The why of a node whose local derivatives were measured (no row in the op table).
MEASURED_WHY = "「{op}」的 _backward 是自己写的：局部导数是送进梯度 1 量出来的。"


@dataclass(frozen=True)
class LocalSlot:
    """One input slot of a node: which parent, its local derivative as a number, in
    names, in numbers, and whether it was measured."""

    parent: int  #: the parent's index in the graph
    local: float | None  #: None: singular here, read from what the closure sent
    text: str
    numbers: str
    measured: bool = False


def _from_row(graph: Graph, i: int, binding) -> list[LocalSlot] | None:
    """The slots from the node's row, or None where the row is singular (sqrt at 0)."""
    own = graph.parents[i]
    slots = []
    for s in binding.slots:
        names = {var: graph.names[own[p]] for var, p in s.sources.items()}
        names["out"] = graph.names[i]
        try:
            local = float(evaluate(s.grad, s.env))
        except (ArithmeticError, ValueError, TypeError):
            return None
        text = render(s.grad, names, s.env)
        numbers = render(s.grad, {}, s.env, numeric=True)
        slots.append(LocalSlot(own[s.position], local, text, numbers))
    return slots


def _measure(node, parents: list) -> list[float]:
    """∂node/∂parent of a closure no row describes: send 1 through ``node._backward()`` on
    zeroed parents, read what arrived, put every gradient back."""
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


class _Foreign:
    """A node of another class (a learner's ``Value``, micrograd's) seen as an engine node
    with no parameter, so an op the table knows (``+``, ``*``, ``tanh``) reads its row."""

    __slots__ = ("data", "_prev", "_op", "_param")

    def __init__(self, node, parents: list):
        self.data, self._prev, self._op, self._param = node.data, tuple(parents), node._op, None


def slots_of(graph: Graph, i: int) -> tuple[list[LocalSlot], str]:
    """Node ``i``'s input slots (one per use of a parent; ``x * x`` has two) and the
    *why* of its op.

    From the node's row when it has one; a learner's closure (no row) is measured;
    an op of another ``Value`` class reads the row of the same op when that row
    gives exactly what the closure sends, and is measured otherwise.
    """
    node = graph.nodes[i]
    binding = ops.bind(node)
    if binding is not None:
        slots = _from_row(graph, i, binding)
        if slots is not None:
            return slots, binding.row.why
        return _observed_later(graph, i), binding.row.why
    if getattr(node, "_grad_fn", True) is None:  # our Value, built by hand without a closure
        return [], ""
    distinct = list(dict.fromkeys(graph.parents[i]))
    measured = _measure(node, [graph.nodes[j] for j in distinct])
    if not hasattr(node, "_grad_fn"):  # another class: its op may still be in the table
        foreign = ops.bind(_Foreign(node, graph.ordered_parents(i)))
        if foreign is not None and not foreign.row.params:
            slots = _from_row(graph, i, foreign)
            if slots is not None and _agree(slots, distinct, measured):
                return slots, foreign.row.why
    slots = [LocalSlot(j, x, paren(x), paren(x), True) for j, x in zip(distinct, measured)]
    return slots, MEASURED_WHY.format(op=node._op or "?")


def _agree(slots: list[LocalSlot], distinct: list[int], measured: list[float]) -> bool:
    """The row gives what the learner's closure really sends (so its formula may be shown)."""
    for j, x in zip(distinct, measured):
        total = math.fsum(s.local for s in slots if s.parent == j)
        if not math.isclose(total, x, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def _observed_later(graph: Graph, i: int) -> list[LocalSlot]:
    """A row that is singular here (sqrt at 0): the slots get the local derivative the
    backward pass shows (delta / upstream), filled in once the closure has run."""
    return [LocalSlot(j, None, "", "") for j in dict.fromkeys(graph.parents[i])]
