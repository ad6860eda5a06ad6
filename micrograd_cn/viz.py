"""Drawing the computational graph: one box per Value, one small oval per operation.

Every Value is a box with its label, ``data`` and ``grad`` (``%.4f``) stacked;
every operation is a small oval with its symbol (``+``, ``×``, ``×2``, ``tanh`` …);
edges run parent → op → result.  Node ids follow the topological order
(``n0``, ``n1``, … and ``n3op`` for the op that made ``n3``), so the same graph
always gives the same DOT text.  Labels are HTML-like tables built with
:func:`html.escape`: any label text (``a|b{c}<d>"e"``, ``苹果 单价``) survives;
control characters are shown escaped (``\\x1b``) and long labels are cut with ``…``.

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

import html
import unicodedata
from collections.abc import Iterable

from .engine import Value, topological_order
from .render import GraphvizNotFoundError, GraphvizTimeoutError, _Digraph
from .render import _svg as _svg  # the CLI writes inline SVG with it
from .trace import _names, op_text

__all__ = [
    "FONTS",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "StepThrough",  # noqa: F822 (from micrograd_cn.player, see __getattr__)
    "draw_dot",
    "export_html",  # noqa: F822
    "step_frames",  # noqa: F822
]

#: CJK-capable fallback list: Debian/Ubuntu (Noto, WenQuanYi), macOS (PingFang), Windows (YaHei).
FONTS = "Noto Sans CJK SC,PingFang SC,Microsoft YaHei,WenQuanYi Micro Hei,sans-serif"
HIGHLIGHT = "#ffe08a"
FORWARD_COLOR = "#2e9d46"  # forward in green, as in 《梯度下降和反向传播》
BACKWARD_COLOR = "#d62728"  # backward in red
NARY_OPS = ("sum", "dot", "logsumexp")
#: draw_dot refuses graphs with more Values than this unless ``max_nodes=`` says otherwise.
DRAW_LIMIT = 300
#: Layout work (edge segments that cross a rank) dot finishes in about a second: ``x+x+…``
#: of 35 terms is 1,122 (0.3 s), of 45 terms 1,892 (2.4 s), of 60 terms 3,422 (17 s).
LAYOUT_BUDGET = 1200
#: Labels longer than this are cut with … when drawn.
LABEL_MAX = 40


def _new_graph(rankdir: str, size_note: str = ""):
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    return _Digraph(
        size_note,
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": FONTS, "nodesep": "0.25", "ranksep": "0.3"},
        node_attr={"fontname": FONTS, "fontsize": "12"},
        edge_attr={"fontname": FONTS, "fontsize": "10", "color": "#666666"},
    )


# ---------------------------------------------------------------- labels


def display_label(label, where: str = "a node") -> str:
    """The label as drawn: control characters and lone surrogates shown escaped, cut to
    :data:`LABEL_MAX` characters with …; numbers become text; other types are refused.

    >>> display_label("a\\x1bb"), display_label(7), display_label("长" * 50)[-3:]
    ('a\\\\x1bb', '7', '长长…')
    >>> display_label(b"x")
    Traceback (most recent call last):
    TypeError: the label of a node must be a str, got bytes b'x' (decode it first)
    """
    if not label:
        return ""
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str):
        hint = " (decode it first)" if isinstance(label, (bytes, bytearray)) else ""
        shown = repr(label)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise TypeError(
            f"the label of {where} must be a str, got {type(label).__name__} {shown}{hint}"
        )
    text = clean_text(label[: LABEL_MAX + 1])
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def clean_text(text: str) -> str:
    """``text`` with control characters, lone surrogates and line separators written as escapes."""
    if text.isprintable():
        return text
    out = []
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cs") or c in "\u2028\u2029":
            out.append(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def node_names(nodes: list[Value]) -> list[str]:
    """Drawn names: the cleaned label, or ``v{i}`` (the captions' name) for an unlabelled node."""
    auto = _names(nodes)
    return [display_label(v.label, f"node v{i}") or auto[i] for i, v in enumerate(nodes)]


def text_width(text: str, size: float = 12.0) -> float:
    """A generous estimate of the width in points of ``text`` in a sans-serif font."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return size * (1.02 * wide + 0.58 * (len(text) - wide)) + 4


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


# ---------------------------------------------------------------- size and shape guards


def layout_work(nodes: list[Value], keep: set[int] | None = None) -> tuple[int, int, int]:
    """(nodes, edges, layout work) of the drawing: work counts every rank an edge crosses
    (dot adds a virtual node for each); dot's time grows faster than it
    (``x+x+…`` of n terms: (n - 1)(n - 2); a chain of distinct inputs: 0).

    Ranks are the longest path from the inputs, with each input moved next to its first use.
    """
    keep = set(range(len(nodes))) if keep is None else keep
    index = {v: i for i, v in enumerate(nodes)}
    rank: dict[int, int] = {}
    for i, v in enumerate(nodes):  # topological order: parents first
        if i in keep:
            rank[i] = max((rank[index[p]] + 2 for p in v._prev if index[p] in keep), default=0)
    first_use: dict[int, int] = {}
    for i, v in enumerate(nodes):
        if i in keep:
            for p in v._prev:
                j = index[p]
                if j in keep and not nodes[j]._prev:
                    first_use[j] = min(first_use.get(j, rank[i]), rank[i])
    for j, r in first_use.items():
        rank[j] = r - 2
    count = sum(1 + bool(nodes[i]._prev) for i in keep)
    edges = work = 0
    for i in keep:
        v = nodes[i]
        for p in v._prev:
            j = index[p]
            if j in keep:
                edges += 1
                work += max(0, rank[i] - rank[j] - 2)
        edges += bool(v._prev)
    return count, edges, work


def check_size(nodes, keep, *, what: str, limit: int, default: bool) -> str:
    """Refuse at once a drawing Graphviz would not finish in seconds; returns the size note."""
    shown = len(keep)
    if shown > limit:
        if default:
            advice = (
                f"pass max_nodes={len(nodes)} to draw all of them (slow), a smaller max_nodes "
                "to draw only the nodes nearest the root, or collapse_inputs=3 to fold the "
                "inputs of sum/dot nodes"
            )
        else:
            advice = f"pass max_nodes={shown} (or more) to raise the limit"
        raise ValueError(
            f"{what}: the graph has {shown} nodes, more than the limit of {limit}; {advice}"
        )
    count, edges, work = layout_work(nodes, keep)
    if work > LAYOUT_BUDGET:
        uses: dict[int, int] = {}
        index = {v: i for i, v in enumerate(nodes)}
        for i in keep:
            for p in nodes[i]._prev:
                uses[index[p]] = uses.get(index[p], 0) + 1
        busiest = max(uses, key=uses.get)
        name = node_names([nodes[busiest]])[0] if nodes[busiest].label else f"v{busiest}"
        raise ValueError(
            f"{what}: the graph's layout is too tangled for Graphviz ({count} nodes, {edges} "
            f"edges; {name!r} is used {uses[busiest]} times, "
            f"layout work {work} > {LAYOUT_BUDGET}): "
            + (
                "draw less, e.g. max_nodes=40 (the nodes nearest the root), or build the sum "
                if what == "draw_dot"  # a step-through shows every node: it cannot trim
                else "step through a smaller expression, or build the sum "
            )
            + "with F.sum([...]) (one node) instead of a chain of +"
        )
    return f"{count} nodes, {edges} edges"


def _visible(nodes: list[Value], max_nodes, collapse_inputs):
    """Indices to draw; per n-ary node, how many inputs were folded; the folded indices."""
    keep = set(range(len(nodes)))
    hidden_inputs: dict[int, int] = {}
    if collapse_inputs is not None:
        consumers: dict[Value, int] = {}
        for v in nodes:
            for p in set(v._prev):
                consumers[p] = consumers.get(p, 0) + 1
        index = {v: i for i, v in enumerate(nodes)}
        for i, v in enumerate(nodes):
            if v._op not in NARY_OPS:
                continue
            own = [p for p in dict.fromkeys(v._prev) if not p._prev and consumers[p] == 1]
            if len(own) > collapse_inputs:
                for p in own[collapse_inputs:]:
                    keep.discard(index[p])
                hidden_inputs[i] = len(own) - collapse_inputs
    collapsed = set(range(len(nodes))) - keep
    if max_nodes is not None and len(keep) > max_nodes:
        keep = set(sorted(keep)[-max_nodes:])
    return keep, hidden_inputs, collapsed


def _check_positive(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")


def build_graph(nodes, names, data, grads, *, rankdir, show_grad=True, fills=None,
                edge_marks=None, widths=None, keep=None, hidden_inputs=None, collapsed=None,
                size_note=""):  # fmt: skip
    """One Digraph; data[i]/grads[i] None mean "not computed yet" (step-through).

    ``edge_marks[(tail, head)]``: attributes of that edge; ``widths[i]``: fixed box width.
    """
    fills, edge_marks = fills or {}, edge_marks or {}
    keep = set(range(len(nodes))) if keep is None else keep
    hidden_inputs, collapsed = hidden_inputs or {}, collapsed or set()
    dot = _new_graph(rankdir, size_note)
    index = {v: i for i, v in enumerate(nodes)}
    dropped = len(nodes) - len(keep)
    if dropped > len(collapsed):
        text = f"… 另有 {dropped} 个节点未画出 ({dropped} more nodes not shown)"
        dot.node("more", label=text, shape="note", color="#999999", fontcolor="#666666")
    for i, v in enumerate(nodes):
        if i not in keep:
            continue
        width = widths[i] if widths else None
        label = _value_label(
            names[i], bool(v.label), data[i], grads[i], show_grad, fills.get(i), width
        )
        dot.node(f"n{i}", label=label, shape="plain")
        if not v._prev:
            continue
        op_id = f"n{i}op"
        dot.node(
            op_id, label=op_text(v), shape="ellipse", margin="0.03,0.02", width="0.4", height="0.28"
        )
        dot.edge(op_id, f"n{i}", **edge_marks.get((op_id, f"n{i}"), {}))
        outside = False
        for k, p in enumerate(v._prev):
            j = index[p]
            if j in keep:
                marks = edge_marks.get((f"n{j}", op_id), {})
                if p in v._prev[:k]:  # x * x: the label once, on the first of the two edges
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
        note = f"图已简化 simplified: 显示 {len(keep)}/{len(nodes)} 个节点 (nodes shown)"
        dot.attr(label=note, fontsize="10")
    return dot


def _as_highlight(highlight, nodes) -> set:
    if highlight is None:
        return set()
    items = [highlight] if isinstance(highlight, Value) else list(highlight)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"highlight must be a Value or Values, got {type(item).__name__}")
    return {i for i, v in enumerate(nodes) if any(v is h for h in items)}


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] | None = None,
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
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value, got {type(root).__name__}")
    _check_positive("max_nodes", max_nodes)
    _check_positive("collapse_inputs", collapse_inputs)
    nodes = topological_order(root)
    keep, hidden_inputs, collapsed = _visible(nodes, max_nodes, collapse_inputs)
    limit = DRAW_LIMIT if max_nodes is None else max_nodes
    note = check_size(nodes, keep, what="draw_dot", limit=limit, default=max_nodes is None)
    names = node_names(nodes)
    fills = dict.fromkeys(_as_highlight(highlight, nodes), HIGHLIGHT)
    data, grads = [v.data for v in nodes], [v.grad for v in nodes]
    # fixed box widths from our own text estimate: no label overflows its box under
    # either Graphviz (dot measures fonts, the WebAssembly build in the browser guesses)
    widths = [max(80.0, text_width(names[i], 12.5), text_width(f"data {data[i]:.4f}"),
                  text_width(f"grad {grads[i]:.4f}")) for i in range(len(nodes))]  # fmt: skip
    return build_graph(nodes, names, data, grads, rankdir=rankdir, show_grad=show_grad,
                       fills=fills, keep=keep, hidden_inputs=hidden_inputs, collapsed=collapsed,
                       widths=widths, size_note=note)  # fmt: skip


def __getattr__(name: str):
    """``step_frames``, ``StepThrough`` and ``export_html`` live in :mod:`micrograd_cn.player`
    (which builds on this module); they are importable from here too."""
    if name in ("StepThrough", "export_html", "step_frames", "STEP_LIMIT"):
        from . import player

        return getattr(player, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
