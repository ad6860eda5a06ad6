"""The step-through: the forward pass node by node, then the backward pass, on one picture.

The graph is laid out once, with every box at its final width and a slot on every
edge for the local derivative it will carry, so nothing moves between steps:
each step is a *state* of that picture (values known so far, the current node
highlighted, the edges in use coloured).  :func:`step_frames` gives the states as
Digraphs (same node positions in every frame); :func:`export_html` and
:class:`StepThrough` give an offline player: the picture is rendered once and
JavaScript switches the states (output size linear in the graph).

Player: Prev/Next, Play/Pause, a slider numbered 1…N like the caption's one
step counter ``步 step k/N``, arrow keys, and a click on any node opens a panel
with its forward formula and its whole backward sum (one term per child that
uses it).  Every step has a Chinese *why* line, forward steps too.

The root may be any micrograd-style object (``data``, ``grad``, ``_prev``,
``_op``, ``_backward``): a learner's own ``Value`` class or micrograd's is stepped
through its own ``_backward`` closures (see :mod:`micrograd_cn.graph`).

>>> from micrograd_cn import Value
>>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
>>> frames = step_frames(x * y)
>>> len(frames)   # 3 nodes forward + 3 nodes backward
6
"""

from __future__ import annotations

import html
import json
import uuid
from importlib import resources
from pathlib import Path

from .graph import (
    BACKWARD_COLOR,
    FONTS,
    FORWARD_COLOR,
    HIGHLIGHT,
    STEP_LIMIT,
    build_graph,
    check_positive,
    check_size,
    graph_of,
)
from .labels import clean_text, points_width
from .numbers_text import format_number
from .render import GraphvizNotFoundError, GraphvizTimeoutError, inline_svg
from .trace import Trace, fresh_record

__all__ = ["STEP_LIMIT", "StepThrough", "export_html", "step_frames"]

_EDGE_FONT = 11.0


def _bounded(text: str, limit: int = 400) -> str:
    """Text for the page: control characters escaped, at most ``limit`` characters (…)."""
    text = clean_text(text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Picture:
    """Everything the frames share: names, box widths, the edge-label slots and their texts."""

    def __init__(self, root, rankdir: str, max_nodes, what: str):
        check_positive("max_nodes", max_nodes)
        graph = graph_of(root, what, stepping=True)  # also refuses bytes labels before tracing
        limit = STEP_LIMIT if max_nodes is None else max_nodes
        keep = set(range(len(graph)))
        self.size_note = check_size(graph, keep, what=what, limit=limit, default=False)
        self.trace: Trace = fresh_record(root)
        self.graph, self.names, self.rankdir = graph, graph.names, rankdir
        tr, n = self.trace, len(graph)
        self.values = [s.value for s in tr.forward]
        self.grads = [0.0] * n
        for step in tr.backward:
            self.grads[step.index] = step.grad
        # edge (parent -> child's op): the label lines shown while the parent's gradient forms
        self.edge_text: dict[tuple[int, int], tuple[str, str]] = {}
        for step in tr.backward:
            c = step.index
            for m in step.sent:
                local = format_number(m.local)
                symbolic = clean_text(m.local_text)
                if len(symbolic) > 24:  # a formula with a very long label: the number only
                    symbolic = ""
                shown = f"{symbolic} = {local}" if symbolic and symbolic != local else local
                self.edge_text[(m.parent, c)] = (f"局部 {shown}", f"送回 {format_number(m.delta)}")
        self.widths = [
            max(
                80.0,
                points_width(self.names[i], 12.5),
                points_width(f"data {self.values[i]:.4f}"),
                points_width(f"grad {self.grads[i]:.4f}"),
            )
            for i in range(n)
        ]
        self.edge_width = {
            key: max(points_width(line, _EDGE_FONT) for line in lines)
            for key, lines in self.edge_text.items()
        }

    def edge_slot(self, parent: int, child: int, shown: bool) -> str:
        """An HTML-like edge label of fixed size: the same room in every frame, text or not."""
        w = self.edge_width[(parent, child)]
        lines = self.edge_text[(parent, child)] if shown else ("", "")
        cells = "".join(
            f'<tr><td fixedsize="true" width="{w:.0f}" height="12">{html.escape(line)}</td></tr>'
            for line in lines
        )
        return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">{cells}</table>>'

    def state(self, data, grads, fill=None, green=(), red=(), labelled=(), all_labels=False):
        """One state: ``green``/``red``: (tail, head) edges to colour; ``labelled``: slots shown."""
        marks = {}
        for parent, child in self.edge_text:
            shown = all_labels or (parent, child) in labelled
            marks[(f"n{parent}", f"n{child}op")] = {
                "label": self.edge_slot(parent, child, shown),
                "fontcolor": BACKWARD_COLOR,
                "fontsize": f"{_EDGE_FONT:g}",
            }
        for edges, color in ((green, FORWARD_COLOR), (red, BACKWARD_COLOR)):
            for edge in edges:
                marks.setdefault(edge, {}).update(color=color, penwidth="2.4")
        fills = {} if fill is None else {fill: HIGHLIGHT}
        return build_graph(self.graph, data, grads, rankdir=self.rankdir,
                           fills=fills, edge_marks=marks, widths=self.widths,
                           size_note=self.size_note)  # fmt: skip

    def frames(self) -> list:
        n, tr = len(self.graph), self.trace
        frames = []
        for step in tr.forward:  # values appear one node at a time
            i = step.index
            green = [(f"n{i}op", f"n{i}")] + [(f"n{j}", f"n{i}op") for j in step.parents]
            data = [self.values[j] if j <= i else None for j in range(n)]
            frames.append(self.state(data, [None] * n, fill=i, green=green))
        grads: list = [None] * n
        for step in tr.backward:  # gradients appear in reverse order; red edges carried them
            i = step.index
            grads[i] = step.grad
            red, labelled = self._incoming(i)
            frames.append(self.state(self.values, list(grads), i, red=red, labelled=labelled))
        return frames

    def _incoming(self, i: int):
        """The edges that brought node i its gradient: (red edges, labelled slots)."""
        red, labelled = [], []
        for parent, child in self.edge_text:
            if parent == i:
                red += [(f"n{child}op", f"n{child}"), (f"n{i}", f"n{child}op")]
                labelled.append((parent, child))
        return red, labelled

    def player_data(self) -> dict:
        """What the player's JavaScript needs, linear in the graph."""
        tr, n = self.trace, len(self.graph)
        captions = [_bounded(c) for c in tr.captions()]  # each with its one step counter
        whys = [_bounded(w) for w in tr.whys()]
        back_of = {s.index: s for s in tr.backward}
        nodes = []
        for i, step in enumerate(tr.forward):
            b = back_of[i]
            nodes.append(
                {
                    "name": self.names[i],
                    "data": f"data {self.values[i]:.4f}",
                    "grad": f"grad {self.grads[i]:.4f}",
                    "parents": sorted(set(step.parents)),
                    "formula": _bounded(step.formula),
                    "sum": _bounded(b.caption),
                    "terms": [_bounded(t) for t in tr.term_lines(i)],  # one per child's term
                    "why": _bounded(b.why),
                }
            )
        steps = []
        for k, (caption, why) in enumerate(zip(captions, whys, strict=True)):
            if k < n:
                i = tr.forward[k].index
                edges = [[f"n{i}op", f"n{i}"]] + [[f"n{j}", f"n{i}op"] for j in nodes[i]["parents"]]
            else:
                i = tr.backward[k - n].index
                edges = [list(e) for e in self._incoming(i)[0]]
            steps.append({"node": i, "caption": caption, "why": why, "edges": edges})
        labels = [[f"n{p}", f"n{c}op", p] for p, c in self.edge_text]
        colors = {"forward": FORWARD_COLOR, "backward": BACKWARD_COLOR, "highlight": HIGHLIGHT}
        return {"n": n, "nodes": nodes, "steps": steps, "labels": labels, **colors}

    def svg(self) -> str:
        """The one picture: every value, gradient and edge label shown (the last state)."""
        import re

        svg = inline_svg(self.state(self.values, self.grads, all_labels=True))
        svg = re.sub(r' id="[^"]*"', "", svg)  # two players on one page: no clashing ids
        size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        if size:  # scale down to the cell, never up: at most the natural width (pt -> px)
            natural = float(size.group(1)) * 4 / 3
            svg = svg.replace(
                size.group(0), f'<svg width="100%" style="max-width:{natural:.0f}px"', 1
            )
        return svg


def step_frames(root, rankdir: str = "LR", *, max_nodes: int | None = None) -> list:
    """One Digraph per step: the forward pass node by node, then the backward pass.

    All frames share one layout (boxes at their final width, fixed room for every
    edge label), so node positions are identical in every frame.  Forward frames
    reveal values in topological order (edges of the step in green), backward
    frames reveal gradients in reverse order (the edges that carried the gradient
    in red, labelled with the local derivative and what was sent); the current
    node is highlighted.  The graph's own grads are left as they were.  Graphs
    above :data:`STEP_LIMIT` Values are refused; ``max_nodes=`` raises the limit.
    """
    return _Picture(root, rankdir, max_nodes, "step_frames").frames()


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data) -> str:
    """JSON safe inside <script>: ``<``, ``>``, ``&`` and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class StepThrough:
    """Step through the forward and backward passes: the offline player, in Jupyter too.

    ``_repr_html_`` is the same player as :func:`export_html` (works in JupyterLab,
    VS Code and exported notebooks without a kernel); ``len()``, indexing and
    ``captions`` give the frames (Digraphs) and their captions.
    """

    def __init__(self, root, rankdir: str = "LR", *, max_nodes: int | None = None, _caller=None):
        self._picture = _Picture(root, rankdir, max_nodes, _caller or "StepThrough")
        self.trace = self._picture.trace
        self.captions = self.trace.captions()
        self._frames: list | None = None
        self._svg: str | None = None

    @property
    def frames(self) -> list:
        if self._frames is None:
            self._frames = self._picture.frames()
        return self._frames

    def __len__(self) -> int:
        return len(self.captions)

    def __getitem__(self, k):
        return self.frames[k]

    def svg(self) -> str:
        """The player's one picture (needs Graphviz's ``dot``)."""
        if self._svg is None:
            self._svg = self._picture.svg()
        return self._svg

    def html_fragment(self, standalone: bool = False) -> str:
        """The player as a ``<div>`` with its own style and script (unique ids)."""
        uid = f"mgp-{uuid.uuid4().hex[:12]}"
        info = self._picture.player_data()
        data = _json_for_script(info)
        style = _asset("player.css").replace("#PLAYER", f"#{uid}").replace("FONTS", FONTS)
        script = _asset("player.js")
        flag = "true" if standalone else "false"
        last, n = info["steps"][-1], len(self)  # without JavaScript: the final state, all agreeing
        return (
            f'<div id="{uid}" class="mgp" tabindex="0"><style>{style}</style>'
            f'<div class="mgp-controls"><button class="mgp-prev">← 上一步 Prev</button>'
            f'<button class="mgp-play">播放 Play</button>'
            f'<button class="mgp-next">下一步 Next →</button>'
            f'<input class="mgp-slider" type="range" min="1" max="{n}" value="{n}">'
            f'<span class="mgp-counter">{n} / {n}</span></div>'
            f'<div class="mgp-caption">{html.escape(last["caption"])}</div>'
            f'<div class="mgp-why">{html.escape(last["why"])}</div>'
            f'<div class="mgp-body"><div class="mgp-graph">{self.svg()}</div>'
            f'<div class="mgp-panel" hidden></div></div>'
            f'<div class="mgp-help">方向键 ← → 逐步 · 点击节点看它的链式法则求和 (click a node) · '
            f"前向绿色 forward green · 反向红色 backward red</div>"
            f"<script>{script}\nmicrogradPlayer(microgradRoot(document.currentScript, "
            f"{json.dumps(uid)}), {data}, {flag});</script></div>"
        )

    def _repr_html_(self) -> str:
        try:
            return self.html_fragment()
        except (GraphvizNotFoundError, GraphvizTimeoutError) as error:  # say why, list the steps
            steps = "".join(f"<li>{html.escape(_bounded(c))}</li>" for c in self.captions)
            return f"<p>{html.escape(str(error))}</p><ol>{steps}</ol>"


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ margin: 1.2em; font-family: "DejaVu Sans", Arial, {fonts}; }}</style>
</head><body>
<h2>{title}</h2>
{player}
</body></html>
"""


def export_html(
    root,
    path,
    title: str = "计算图逐步演示 · step-through",
    rankdir: str = "LR",
    *,
    max_nodes: int | None = None,
) -> Path:
    """Write the step-through as one self-contained offline HTML file (no external URL).

    One inline SVG, Prev/Next, Play/Pause, a slider 1…N, arrow keys, a caption
    and a Chinese why-line per step, and a click on a node shows its chain-rule
    sum.  Needs Graphviz's ``dot`` (one run).  ``max_nodes=`` raises :data:`STEP_LIMIT`.
    """
    steps = StepThrough(root, rankdir, max_nodes=max_nodes, _caller="export_html")
    page = _PAGE.format(
        title=html.escape(clean_text(str(title))),
        fonts=FONTS,
        player=steps.html_fragment(standalone=True),
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
