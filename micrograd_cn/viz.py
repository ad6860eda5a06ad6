"""Drawing the computational graph, and stepping through the forward and backward passes.

Every Value is a box with its label, ``data`` and ``grad`` (``%.4f``); every
operation is a small oval with its symbol (``+``, ``×``, ``×2``, ``tanh`` …);
edges run parent → op → result.  Node ids follow the topological order
(``n0``, ``n1``, … and ``n3op`` for the op that made ``n3``), so the same graph
always gives the same DOT text.  Labels are HTML-like tables built with
:func:`html.escape`: any label text (``a|b{c}<d>"e"``, ``苹果 单价``) survives.

graphviz (the Python package) is imported only when a drawing is made; rendering
also needs Graphviz's ``dot`` program, and without it the error says how to
install it (``.source`` still gives the DOT text).

>>> from micrograd_cn import Value
>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> f = (x + y) * z; f.label = "f"; f.backward()
>>> dot = draw_dot(f)
>>> "data -12.0000" in dot.source and "grad 3.0000" in dot.source
True
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path

from .engine import Value, topological_order
from .trace import Trace, fresh_record, op_text

__all__ = [
    "FONTS",
    "GraphvizNotFoundError",
    "StepThrough",
    "draw_dot",
    "export_html",
    "step_frames",
]

#: CJK-capable fallback list: Debian/Ubuntu (Noto, WenQuanYi), macOS (PingFang), Windows (YaHei).
FONTS = "Noto Sans CJK SC,PingFang SC,Microsoft YaHei,WenQuanYi Micro Hei,sans-serif"
HIGHLIGHT = "#ffe08a"
FORWARD_COLOR = "#2e9d46"  # seed 002: forward in green
BACKWARD_COLOR = "#d62728"  # backward in red
NARY_OPS = ("sum", "dot", "logsumexp")

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found, so the graph cannot be rendered "
    "(the DOT text is still available as .source). Install Graphviz: "
    "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "or see https://graphviz.org/download/ (Windows)."
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` executable; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HINT):
        super().__init__(message)


def _import_graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing graphs needs the graphviz Python package: pip install micrograd_cn[viz]"
        ) from None
    return graphviz


_digraph_class = None


def _Digraph(**kwargs):
    """A graphviz.Digraph whose rendering errors say how to install Graphviz."""
    global _digraph_class
    if _digraph_class is None:
        graphviz = _import_graphviz()

        def friendly(method):
            def call(self, *args, **kwargs):
                try:
                    return method(self, *args, **kwargs)
                except graphviz.ExecutableNotFound:
                    raise GraphvizNotFoundError() from None

            return call

        class Digraph(graphviz.Digraph):
            pipe = friendly(graphviz.Digraph.pipe)
            render = friendly(graphviz.Digraph.render)

            def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
                try:  # Jupyter: inline SVG
                    return super()._repr_mimebundle_(include, exclude, **kwargs)
                except GraphvizNotFoundError as error:
                    return {"text/plain": f"{error}\n\n{self.source}"}

        _digraph_class = Digraph
    return _digraph_class(**kwargs)


def _new_graph(rankdir: str):
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    return _Digraph(
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": FONTS, "nodesep": "0.3", "ranksep": "0.35"},
        node_attr={"fontname": FONTS, "fontsize": "12"},
        edge_attr={"fontname": FONTS, "fontsize": "10", "color": "#666666"},
    )


def _value_label(name, shown_name, data, grad, show_grad, fill) -> str:
    """HTML-like table: name | data | grad; ``None`` values are not known yet (shown as ?)."""
    cells = []
    if shown_name:
        cells.append(f"<td><b>{html.escape(name)}</b></td>")
    else:  # unlabelled: its id in grey, as used by the step captions
        cells.append(f'<td><font color="#999999">{html.escape(name)}</font></td>')
    data_text = "?" if data is None else f"{data:.4f}"
    cells.append(f'<td><font color="#1b6e30">data {data_text}</font></td>')
    if show_grad:
        grad_text = "?" if grad is None else f"{grad:.4f}"
        cells.append(f'<td><font color="#a31515">grad {grad_text}</font></td>')
    bgcolor = f' bgcolor="{fill}"' if fill else ""
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"{bgcolor}>'
        f"<tr>{''.join(cells)}</tr></table>>"
    )


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


def _build(
    nodes,
    names,
    data,
    grads,
    *,
    rankdir,
    show_grad,
    fills,
    edge_marks,
    max_nodes=None,
    collapse_inputs=None,
):
    """One Digraph; data[i]/grads[i] None mean "not computed yet" (step-through)."""
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if collapse_inputs is not None and (
        not isinstance(collapse_inputs, int) or collapse_inputs < 1
    ):
        raise ValueError(f"collapse_inputs must be a positive int or None, got {collapse_inputs!r}")
    dot = _new_graph(rankdir)
    index = {v: i for i, v in enumerate(nodes)}
    keep, hidden_inputs, collapsed = _visible(nodes, max_nodes, collapse_inputs)
    dropped = len(nodes) - len(keep)
    truncated = dropped > len(collapsed)
    if truncated:
        text = f"… 另有 {dropped} 个节点未画出 ({dropped} more nodes not shown)"
        dot.node("more", label=text, shape="note", color="#999999", fontcolor="#666666")
    for i, v in enumerate(nodes):
        if i not in keep:
            continue
        label = _value_label(names[i], bool(v.label), data[i], grads[i], show_grad, fills.get(i))
        dot.node(f"n{i}", label=label, shape="plain")
        if not v._prev:
            continue
        op_id = f"n{i}op"
        dot.node(op_id, label=op_text(v), shape="ellipse", margin="0.03,0.02", height="0.3")
        dot.edge(op_id, f"n{i}", **edge_marks.get((op_id, f"n{i}"), {}))
        outside = False
        for p in v._prev:
            j = index[p]
            if j in keep:
                dot.edge(f"n{j}", op_id, **edge_marks.get((f"n{j}", op_id), {}))
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

    ``highlight``: Values to fill in yellow.  Large graphs: ``max_nodes`` draws only
    the nodes nearest the root; ``collapse_inputs`` shows at most that many
    leaf inputs of each n-ary node (sum, dot, logsumexp).  Both leave a note.
    In Jupyter the result displays inline as SVG; ``.render()``/``.pipe()`` write files.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value, got {type(root).__name__}")
    nodes = topological_order(root)
    names = [v.label or f"v{i}" for i, v in enumerate(nodes)]
    fills = dict.fromkeys(_as_highlight(highlight, nodes), HIGHLIGHT)
    data, grads = [v.data for v in nodes], [v.grad for v in nodes]
    return _build(nodes, names, data, grads, rankdir=rankdir, show_grad=show_grad, fills=fills,
                  edge_marks={}, max_nodes=max_nodes, collapse_inputs=collapse_inputs)  # fmt: skip


def _frames_from_trace(tr: Trace, rankdir: str, **options) -> list:
    nodes, n = tr.nodes, len(tr.nodes)
    names, values = [s.name for s in tr.forward], [s.value for s in tr.forward]

    def frame(i, data, grads, marks):
        return _build(nodes, names, data, grads, rankdir=rankdir, show_grad=True,
                      fills={i: HIGHLIGHT}, edge_marks=marks, **options)  # fmt: skip

    frames = []
    green = {"color": FORWARD_COLOR, "penwidth": "2.2"}
    for step in tr.forward:  # values appear one node at a time
        i = step.index
        marks = {(f"n{i}op", f"n{i}"): green, **{(f"n{j}", f"n{i}op"): green for j in step.parents}}
        frames.append(
            frame(i, [values[j] if j <= i else None for j in range(n)], [None] * n, marks)
        )
    grads: list = [None] * n
    red = {"color": BACKWARD_COLOR, "penwidth": "2.2", "fontcolor": BACKWARD_COLOR}
    for step in tr.backward:  # gradients appear in reverse order, red edges carried them here
        i = step.index
        grads[i] = step.grad
        marks = {}
        for child in tr.backward:
            for m in child.sent:
                if m.parent == i:
                    c = child.index
                    marks[(f"n{c}op", f"n{c}")] = red
                    marks[(f"n{i}", f"n{c}op")] = {**red, "label": _short(m.delta)}
        frames.append(frame(i, values, list(grads), marks))
    return frames


def step_frames(root: Value, rankdir: str = "LR", **options) -> list:
    """One Digraph per step: the forward pass node by node, then the backward pass.

    Forward frames reveal values in topological order (edges of the step in
    green), backward frames reveal gradients in reverse order (edges that carried
    the gradient in red, labelled with what was sent); the current node is
    highlighted.  The graph's own grads are left as they were.

    >>> from micrograd_cn import Value
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> frames = step_frames(x * y)
    >>> len(frames)   # 3 nodes forward + 3 nodes backward
    6
    """
    return _frames_from_trace(fresh_record(root), rankdir, **options)


def _short(x: float) -> str:
    """An edge label: 4 decimals without trailing zeros (``-4``, ``0.6347``)."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _svg(graph) -> str:
    """Inline-ready SVG: no XML prolog, DOCTYPE or namespace URLs (HTML5 needs none)."""
    svg = graph.pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    for attr in (
        ' xmlns="http://www.w3.org/2000/svg"',
        ' xmlns:xlink="http://www.w3.org/1999/xlink"',
    ):
        svg = svg.replace(attr, "")
    return svg


class StepThrough:
    """Step through the forward and backward passes in Jupyter.

    With ipywidgets installed: a slider; otherwise a static list of frames
    (``_repr_html_``).  ``len()``, indexing and ``captions`` give the frames.
    """

    def __init__(self, root: Value, rankdir: str = "LR", **options):
        self.trace = fresh_record(root)
        self.frames = _frames_from_trace(self.trace, rankdir, **options)
        self.captions = self.trace.captions()
        self._svgs: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, k):
        return self.frames[k]

    def svg(self, k: int) -> str:
        if k not in self._svgs:
            self._svgs[k] = _svg(self.frames[k])
        return self._svgs[k]

    def _repr_html_(self) -> str:
        parts = [
            f"<div><p><b>{html.escape(caption)}</b></p>{self.svg(k)}</div>"
            for k, caption in enumerate(self.captions)
        ]
        return "\n".join(parts)

    def widget(self):
        """An ipywidgets box (slider + caption + graph); ImportError without ipywidgets."""
        import ipywidgets

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self) - 1, description="步 step")
        caption = ipywidgets.HTML(f"<b>{html.escape(self.captions[0])}</b>")
        picture = ipywidgets.HTML(self.svg(0))

        def show(change):
            k = change["new"]
            caption.value = f"<b>{html.escape(self.captions[k])}</b>"
            picture.value = self.svg(k)

        slider.observe(show, names="value")
        return ipywidgets.VBox([slider, caption, picture])

    def _ipython_display_(self):
        from IPython.display import HTML, display

        try:
            display(self.widget())
        except ImportError:
            display(HTML(self._repr_html_()))


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", "Helvetica Neue", Arial, {fonts}; margin: 1.5em; }}
button {{ font-size: 1em; }}
#controls {{ display: flex; gap: .6em; align-items: center; }} .frame svg {{ max-width: 100%; }}
#caption {{ font-size: 1.15em; margin: .8em 0; min-height: 1.5em; }}
</style></head><body>
<h2>{title}</h2>
<div id="controls"><button id="prev">← 上一步 Prev</button>
<input id="slider" type="range" min="0" max="{last}" value="0">
<button id="next">下一步 Next →</button> <span id="counter"></span></div>
<div id="caption"></div>
{frames}
<p style="color:#777">方向键 ← → (arrow keys) · 前向绿色 forward green · 反向红色 backward red</p>
<script>
const captions = {captions};
const frames = document.querySelectorAll(".frame");
const slider = document.getElementById("slider");
let current = 0;
function show(k) {{
  current = Math.max(0, Math.min(frames.length - 1, k));
  frames.forEach((f, i) => {{ f.hidden = i !== current; }});
  document.getElementById("caption").textContent = captions[current];
  document.getElementById("counter").textContent = (current + 1) + " / " + frames.length;
  slider.value = current;
}}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
slider.oninput = () => show(Number(slider.value));
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowRight") show(current + 1);
  if (e.key === "ArrowLeft") show(current - 1);
}});
show(0);
</script></body></html>
"""


def export_html(root: Value, path, title: str = "计算图逐步演示 · step-through", **options) -> Path:
    """Write one self-contained offline HTML file stepping through forward and backward.

    Inline SVG frames, prev/next buttons, a slider, arrow keys and a caption per
    step (``∂f/∂q = z = -4``); no external URL.  Needs Graphviz's ``dot``.
    """
    steps = StepThrough(root, **options)
    frames = "\n".join(
        f'<div class="frame" data-step="{k}" hidden>{steps.svg(k)}</div>' for k in range(len(steps))
    )
    page = _PAGE.format(
        title=html.escape(title),
        fonts=html.escape(FONTS),
        last=len(steps) - 1,
        frames=frames,
        captions=json.dumps(steps.captions, ensure_ascii=False).replace("</", "<\\/"),
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
