"""The graph as the drawing and the step-through see it: nodes, names, size guards, the Digraph.

:func:`graph_of` accepts any micrograd-style object (``data``, ``grad``, ``_prev``
and ``_op``; ``_backward`` too for stepping): this package's ``Value``, a
learner's hand-written ``Value`` class, micrograd's own.  It lists the nodes in
topological order (node ids ``n0``, ``n1``, … follow it), gives every node its
one name (:func:`micrograd_cn.labels.node_names`: the label, or ``v1``, ``v2``,
… for unlabelled nodes, numbered in that order), and :func:`build_graph` turns
it into a ``graphviz.Digraph``: one box per value (label, ``data``, ``grad``),
one small oval per operation.  :mod:`micrograd_cn.viz` (``draw_dot``) and
:mod:`micrograd_cn.player` (the step-through) both build on it.

micrograd keeps a node's parents in a *set*, whose order changes from run to
run (it follows ``id()``).  Such parents are put in a stable order: by label,
then by a digest of the parent's whole subgraph (its op, label and data and
those of everything it depends on).  Two parents that tie have identical
subgraphs, so swapping them cannot change the picture; the same expression
gives the same DOT text in every run.

Graphviz is never left to run unbounded: graphs above :data:`DRAW_LIMIT`
(:data:`STEP_LIMIT` for a step-through) nodes, or whose shape would make the
layout explode (one variable feeding hundreds of ops), are refused at once by
:func:`check_size` with a ``ValueError`` saying how to draw less.

>>> from micrograd_cn import Value
>>> a = Value(2.0, label="a"); b = a * 3.0; c = b + a
>>> g = graph_of(c, "draw_dot")
>>> g.names, g.parents
(['a', 'v1', 'v2'], [(), (0,), (1, 0)])
>>> graph_of(2.0, "draw_dot")
Traceback (most recent call last):
...
TypeError: draw_dot expects a micrograd-style value (with data, grad, _prev and _op): float ...
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass

from .autograd import topological_order
from .engine import Value
from .labels import label_of, node_names
from .ops import op_text
from .render import new_digraph

__all__ = [
    "BACKWARD_COLOR",
    "DRAW_LIMIT",
    "FONTS",
    "FORWARD_COLOR",
    "HIGHLIGHT",
    "LAYOUT_BUDGET",
    "NARY_OPS",
    "STEP_LIMIT",
    "Graph",
    "build_graph",
    "check_positive",
    "check_size",
    "graph_of",
    "layout_work",
]

#: CJK-capable fallback list: Debian/Ubuntu (Noto, WenQuanYi), macOS (PingFang), Windows (YaHei).
FONTS = "Noto Sans CJK SC,PingFang SC,Microsoft YaHei,WenQuanYi Micro Hei,sans-serif"
HIGHLIGHT = "#ffe08a"
FORWARD_COLOR = "#2e9d46"  # forward in green, as in 《梯度下降和反向传播》
BACKWARD_COLOR = "#d62728"  # backward in red
NARY_OPS = ("sum", "dot", "logsumexp")
#: draw_dot refuses graphs with more Values than this unless ``max_nodes=`` says otherwise.
DRAW_LIMIT = 300
#: step_frames / StepThrough / export_html refuse graphs above this many Values (``max_nodes=``).
STEP_LIMIT = 100
#: Layout work (edge segments that cross a rank) dot finishes in about a second: ``x+x+…``
#: of 35 terms is 1,122 (0.3 s), of 45 terms 1,892 (2.4 s), of 60 terms 3,422 (17 s).
LAYOUT_BUDGET = 1200

_NEEDED = ("data", "grad", "_prev", "_op")


# ---------------------------------------------------------------- the nodes


@dataclass
class Graph:
    """Everything ``root`` depends on, in topological order (parents first, root last)."""

    nodes: list  #: the nodes; node ``i`` is drawn with id ``n{i}``
    parents: list[tuple[int, ...]]  #: per node, its parents' indices (repeats kept, as in x * x)
    names: list[str]  #: per node, the one name captions and pictures use
    labelled: list[bool]  #: per node, whether the name is its own label (not ``v1``)

    def __len__(self) -> int:
        return len(self.nodes)

    def ordered_parents(self, i: int) -> list:
        """Node ``i``'s parents (the objects), in the drawing's order."""
        return [self.nodes[j] for j in self.parents[i]]


def _missing(obj, stepping: bool) -> str | None:
    for name in (*_NEEDED, "_backward") if stepping else _NEEDED:
        if not hasattr(obj, name):
            return name
    return None


def _refuse(obj, what: str, missing: str):
    needed = (
        "data, grad, _prev, _op and _backward"
        if missing == "_backward"
        else ("data, grad, _prev and _op")
    )
    raise TypeError(
        f"{what} expects a micrograd-style value (with {needed}): "
        f"{type(obj).__name__} has no attribute {missing!r}"
    )


def _digest(node, parent_digests: list[str]) -> str:
    text = "\x1f".join(
        [str(node._op), str(label_of(node)), repr(node.data), *sorted(parent_digests)]
    )
    return hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=12).hexdigest()


def _stable_parents(root, what: str, stepping: bool):
    """A ``parents(node)`` function giving every node's parents as a tuple in a stable order.

    Sequences keep their order; a set is sorted by (label, digest of the subgraph).
    Every node met is checked for the attributes the caller needs.
    """
    cache: dict = {}

    def as_sequence(node):
        found = cache.get(node)
        if found is None:
            missing = _missing(node, stepping)
            if missing:
                _refuse(node, what, missing)
            prev = node._prev
            found = tuple(prev) if isinstance(prev, Sequence) else None
            cache[node] = found
        return found

    def any_order(node):
        found = as_sequence(node)
        return found if found is not None else tuple(node._prev)

    digests: dict = {}
    needs_sorting = False
    for node in topological_order(root, any_order):  # parents first: their digests are known
        if as_sequence(node) is None:
            needs_sorting = True
        digests[node] = _digest(node, [digests[p] for p in any_order(node)])
    if not needs_sorting:
        return as_sequence
    ordered = {}
    for node in digests:
        found = as_sequence(node)
        if found is None:
            found = tuple(sorted(node._prev, key=lambda p: (str(label_of(p)), digests[p])))
        ordered[node] = found
    return ordered.__getitem__


def graph_of(root, what: str, stepping: bool = False) -> Graph:
    """The :class:`Graph` of ``root``; ``what`` names the caller in errors.

    ``stepping``: the caller will run the backward pass, so every node needs
    ``_backward`` too.  An object without one of the attributes gets a
    ``TypeError`` naming the attribute it lacks.
    """
    missing = _missing(root, stepping)
    if missing:
        _refuse(root, what, missing)
    if type(root) is Value:  # this package's graphs: _prev is a tuple already
        nodes = topological_order(root)
        parents_of = None
    else:
        parents_of = _stable_parents(root, what, stepping)
        nodes = topological_order(root, parents_of)
    index = {v: i for i, v in enumerate(nodes)}
    parents = [
        tuple(index[p] for p in (v._prev if parents_of is None else parents_of(v))) for v in nodes
    ]
    names = node_names(nodes)
    labelled = [bool(label_of(v)) for v in nodes]
    return Graph(nodes, parents, names, labelled)


# ---------------------------------------------------------------- size and shape guards


def layout_work(graph: Graph, keep: set[int] | None = None) -> tuple[int, int, int]:
    """(nodes, edges, layout work) of the drawing: work counts every rank an edge crosses
    (dot adds a virtual node for each); dot's time grows faster than it
    (``x+x+…`` of n terms: (n - 1)(n - 2); a chain of distinct inputs: 0).

    Ranks are the longest path from the inputs, with each input moved next to its first use.
    """
    parents = graph.parents
    keep = set(range(len(parents))) if keep is None else keep
    rank: dict[int, int] = {}
    for i, own in enumerate(parents):  # topological order: parents first
        if i in keep:
            rank[i] = max((rank[j] + 2 for j in own if j in keep), default=0)
    first_use: dict[int, int] = {}
    for i, own in enumerate(parents):
        if i in keep:
            for j in own:
                if j in keep and not parents[j]:
                    first_use[j] = min(first_use.get(j, rank[i]), rank[i])
    for j, r in first_use.items():
        rank[j] = r - 2
    count = sum(1 + bool(parents[i]) for i in keep)
    edges = work = 0
    for i in keep:
        for j in parents[i]:
            if j in keep:
                edges += 1
                work += max(0, rank[i] - rank[j] - 2)
        edges += bool(parents[i])
    return count, edges, work


def check_size(graph: Graph, keep, *, what: str, limit: int, default: bool) -> str:
    """Refuse at once a drawing Graphviz would not finish in seconds; returns the size note."""
    shown = len(keep)
    if shown > limit:
        if default:
            advice = (
                f"pass max_nodes={len(graph)} to draw all of them (slow), a smaller max_nodes "
                "to draw only the nodes nearest the root, or collapse_inputs=3 to fold the "
                "inputs of sum/dot nodes"
            )
        else:
            advice = f"pass max_nodes={shown} (or more) to raise the limit"
        raise ValueError(
            f"{what}: the graph has {shown} nodes, more than the limit of {limit}; {advice}"
        )
    count, edges, work = layout_work(graph, keep)
    if work > LAYOUT_BUDGET:
        uses: dict[int, int] = {}
        for i in keep:
            for j in graph.parents[i]:
                uses[j] = uses.get(j, 0) + 1
        busiest = max(uses, key=uses.get)
        raise ValueError(
            f"{what}: the graph's layout is too tangled for Graphviz ({count} nodes, {edges} "
            f"edges; {graph.names[busiest]!r} is used {uses[busiest]} times, "
            f"layout work {work} > {LAYOUT_BUDGET}): "
            + (
                "draw less, e.g. max_nodes=40 (the nodes nearest the root), or build the sum "
                if what == "draw_dot"  # a step-through shows every node: it cannot trim
                else "step through a smaller expression, or build the sum "
            )
            + "with F.sum([...]) (one node) instead of a chain of +"
        )
    return f"{count} nodes, {edges} edges"


def check_positive(name: str, value) -> None:
    """``max_nodes`` and ``collapse_inputs``: a positive int or None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")


# ---------------------------------------------------------------- the Digraph


def _new_graph(rankdir: str, size_note: str = ""):
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    return new_digraph(
        size_note,
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": FONTS, "nodesep": "0.25", "ranksep": "0.3"},
        node_attr={"fontname": FONTS, "fontsize": "12"},
        edge_attr={"fontname": FONTS, "fontsize": "10", "color": "#666666"},
    )


def _value_label(name, shown_name, data, grad, show_grad, fill, width=None) -> str:
    """HTML-like table: name / data / grad stacked; ``None`` values are not known yet (?).

    ``width`` (points) fixes every cell's size, so the box does not change when a
    value appears: the step-through's frames share one layout.
    """
    size = f' fixedsize="true" width="{width:.0f}" height="18"' if width else ""
    name_html = html.escape(name)
    cells = [f"<b>{name_html}</b>" if shown_name else f'<font color="#999999">{name_html}</font>']
    data_text = "?" if data is None else f"{data:.4f}"
    cells.append(f'<font color="#1b6e30">data {data_text}</font>')
    if show_grad:
        grad_text = "?" if grad is None else f"{grad:.4f}"
        cells.append(f'<font color="#a31515">grad {grad_text}</font>')
    rows = "".join(f'<tr><td align="left"{size}>{c}</td></tr>' for c in cells)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" '
        f'bgcolor="{fill or "white"}">{rows}</table>>'
    )


def build_graph(graph: Graph, data, grads, *, rankdir, show_grad=True, fills=None,
                edge_marks=None, widths=None, keep=None, hidden_inputs=None, collapsed=None,
                size_note=""):  # fmt: skip
    """One Digraph; data[i]/grads[i] None mean "not computed yet" (step-through).

    ``edge_marks[(tail, head)]``: attributes of that edge; ``widths[i]``: fixed box width;
    ``keep``: the indices drawn; ``hidden_inputs[i]``: inputs of node i folded into a note.
    """
    fills, edge_marks = fills or {}, edge_marks or {}
    n = len(graph)
    keep = set(range(n)) if keep is None else keep
    hidden_inputs, collapsed = hidden_inputs or {}, collapsed or set()
    dot = _new_graph(rankdir, size_note)
    dropped = n - len(keep)
    if dropped > len(collapsed):
        text = f"… 另有 {dropped} 个节点未画出 ({dropped} more nodes not shown)"
        dot.node("more", label=text, shape="note", color="#999999", fontcolor="#666666")
    for i, v in enumerate(graph.nodes):
        if i not in keep:
            continue
        width = widths[i] if widths else None
        label = _value_label(
            graph.names[i], graph.labelled[i], data[i], grads[i], show_grad, fills.get(i), width
        )
        dot.node(f"n{i}", label=label, shape="plain")
        own = graph.parents[i]
        if not own:
            continue
        op_id = f"n{i}op"
        dot.node(
            op_id, label=op_text(v), shape="ellipse", margin="0.03,0.02", width="0.4", height="0.28"
        )
        dot.edge(op_id, f"n{i}", **edge_marks.get((op_id, f"n{i}"), {}))
        outside = False
        for k, j in enumerate(own):
            if j in keep:
                marks = edge_marks.get((f"n{j}", op_id), {})
                if j in own[:k]:  # x * x: the label once, on the first of the two edges
                    marks = {a: b for a, b in marks.items() if a != "label"}
                dot.edge(f"n{j}", op_id, **marks)
            elif j not in collapsed:
                outside = True
        if i in hidden_inputs:
            note = f"n{i}more"
            count = hidden_inputs[i]
            dot.node(note, label=f"… +{count} 个输入 (inputs)", shape="note", color="#999999")
            dot.edge(note, op_id, style="dashed", color="#999999")
        if outside:
            dot.edge("more", op_id, style="dashed", color="#999999")
    if dropped:
        note = f"图已简化 simplified: 显示 {len(keep)}/{n} 个节点 (nodes shown)"
        dot.attr(label=note, fontsize="10")
    return dot
