"""Drawing the computational graph: one box per Value, one small oval per operation.

Every Value is a box with its label, ``data`` and ``grad`` (``%.4f``) stacked;
every operation is a small oval with its symbol (``+``, ``×``, ``×2``, ``tanh`` …);
edges run parent → op → result.  Node ids follow the topological order
(``n0``, ``n1``, … and ``n3op`` for the op that made ``n3``), so the same graph
always gives the same DOT text.  Labels are HTML-like tables built with
:func:`html.escape`: any label text (``a|b{c}<d>"e"``, ``苹果 单价``) survives;
control characters are shown escaped (``\\x1b``) and long labels are cut with ``…``.
Any micrograd-style object can be drawn (a learner's own ``Value`` class,
micrograd's): see :mod:`micrograd_cn.graph`, which holds the graph builder and
the size guards this module and the step-through share.

Graphviz is never left to run unbounded: graphs above :data:`DRAW_LIMIT` nodes, or
whose shape would make the layout explode (one variable feeding hundreds of ops),
are refused at once with a ``ValueError`` saying how to draw less, and every
``dot`` run has a time limit (:class:`GraphvizTimeoutError`, :mod:`micrograd_cn.render`).
The step-through player (``step_frames``, ``StepThrough``, ``export_html``) lives
in :mod:`micrograd_cn.player` and is importable from here.

>>> from micrograd_cn import Value
>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> f = (x + y) * z; f.label = "f"; f.backward()
>>> dot = draw_dot(f)
>>> "data -12.0000" in dot.source and "grad 3.0000" in dot.source
True
"""

from __future__ import annotations

from .graph import (
    DRAW_LIMIT,
    FONTS,
    HIGHLIGHT,
    NARY_OPS,
    Graph,
    build_graph,
    check_positive,
    check_size,
    graph_of,
    layout_work,
)
from .labels import display_label, points_width
from .ops import op_text
from .player import STEP_LIMIT, StepThrough, export_html, step_frames
from .render import GraphvizNotFoundError, GraphvizTimeoutError

__all__ = [
    "DRAW_LIMIT",
    "FONTS",
    "STEP_LIMIT",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "StepThrough",
    "display_label",
    "draw_dot",
    "export_html",
    "layout_work",
    "op_text",
    "step_frames",
]


def _visible(graph: Graph, max_nodes, collapse_inputs):
    """Indices to draw; per n-ary node, how many inputs were folded; the folded indices."""
    n, parents = len(graph), graph.parents
    keep = set(range(n))
    hidden_inputs: dict[int, int] = {}
    if collapse_inputs is not None:
        consumers = [0] * n
        for own in parents:
            for j in set(own):
                consumers[j] += 1
        for i, v in enumerate(graph.nodes):
            if v._op not in NARY_OPS:
                continue
            own = [j for j in dict.fromkeys(parents[i]) if not parents[j] and consumers[j] == 1]
            if len(own) > collapse_inputs:
                for j in own[collapse_inputs:]:
                    keep.discard(j)
                hidden_inputs[i] = len(own) - collapse_inputs
    collapsed = set(range(n)) - keep
    if max_nodes is not None and len(keep) > max_nodes:
        keep = set(sorted(keep)[-max_nodes:])
    return keep, hidden_inputs, collapsed


def _as_highlight(highlight, graph: Graph) -> set:
    if highlight is None:
        return set()
    items = [highlight] if hasattr(highlight, "_prev") else list(highlight)
    for item in items:
        if not hasattr(item, "_prev"):
            raise TypeError(f"highlight must be a Value or Values, got {type(item).__name__}")
    return {i for i, v in enumerate(graph.nodes) if any(v is h for h in items)}


def draw_dot(
    root,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight=None,
    *,
    max_nodes: int | None = None,
    collapse_inputs: int | None = None,
):
    """The graph of everything ``root`` depends on, with current data and grad, as a Digraph.

    ``highlight``: Values to fill in yellow.  Large graphs: graphs above
    :data:`DRAW_LIMIT` (300) Values are refused with a ``ValueError``;
    ``max_nodes`` draws only the nodes nearest the root (a larger value raises the
    limit); ``collapse_inputs`` shows at most that many leaf inputs of each n-ary
    node (sum, dot, logsumexp).  Both leave a note.  Shapes that would keep
    Graphviz busy for minutes (one variable feeding hundreds of ops) are refused too.
    In Jupyter the result displays inline as SVG; ``.render()``/``.pipe()`` write files.

    ``root`` may be any micrograd-style object (``data``, ``grad``, ``_prev``,
    ``_op``): a learner's own ``Value`` class or micrograd's.
    """
    check_positive("max_nodes", max_nodes)
    check_positive("collapse_inputs", collapse_inputs)
    graph = graph_of(root, "draw_dot")
    keep, hidden_inputs, collapsed = _visible(graph, max_nodes, collapse_inputs)
    limit = DRAW_LIMIT if max_nodes is None else max_nodes
    note = check_size(graph, keep, what="draw_dot", limit=limit, default=max_nodes is None)
    fills = dict.fromkeys(_as_highlight(highlight, graph), HIGHLIGHT)
    data, grads = [v.data for v in graph.nodes], [v.grad for v in graph.nodes]
    # fixed box widths from our own text estimate: no label overflows its box under
    # either Graphviz (dot measures fonts, the WebAssembly build in the browser guesses)
    widths = []
    for name, d, g in zip(graph.names, data, grads):
        texts = (f"data {d:.4f}", f"grad {g:.4f}")
        widths.append(max(80.0, points_width(name, 12.5), *map(points_width, texts)))
    return build_graph(graph, data, grads, rankdir=rankdir, show_grad=show_grad, fills=fills,
                       keep=keep, hidden_inputs=hidden_inputs, collapsed=collapsed,
                       widths=widths, size_note=note)  # fmt: skip
