"""Running Graphviz: every ``dot`` run has a time limit and errors that say what to do.

``graphviz.Digraph.pipe``/``render`` (and Jupyter's inline SVG, which calls ``pipe``)
go through :func:`_run_dot`: ``dot`` is started with an argument list (no shell),
fed the DOT text on stdin and stopped after :data:`DOT_TIMEOUT_SECONDS`.  Without
Graphviz the error says how to install it; on a timeout it names the graph's size
and how to draw less.  A picture with pixels (PNG, PDF) is measured first and refused
above :data:`PIXEL_BUDGET` (:func:`check_pixels`), and several runs can share one
time budget (:func:`time_budget`).

>>> DOT_TIMEOUT_SECONDS, PIXEL_BUDGET
(30.0, 50000000)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

__all__ = [
    "DOT_TIMEOUT_SECONDS",
    "PIXEL_BUDGET",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "PictureTooLargeError",
    "check_pixels",
    "inline_svg",
    "new_digraph",
    "picture_pixels",
    "pipe_all",
    "time_budget",
]

#: Seconds one ``dot`` run may take before :class:`GraphvizTimeoutError`.
DOT_TIMEOUT_SECONDS = 30.0
#: Largest picture drawn, in pixels: rasterizing 50 megapixels takes dot ~200 MB and a few
#: seconds; the 30,824 x 8,239 PNG of a 149-term sum took ~1 GB.
PIXEL_BUDGET = 50_000_000
#: Pixels per inch of the formats that have pixels (a PDF's are its points).
PIXELS_PER_INCH = {"png": 96.0, "pdf": 72.0}

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


class GraphvizTimeoutError(RuntimeError):
    """Graphviz took longer than :data:`DOT_TIMEOUT_SECONDS`; the message says how to draw less."""


class PictureTooLargeError(ValueError):
    """The picture would have more than :data:`PIXEL_BUDGET` pixels; the message says its size."""


def _import_graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing graphs needs the graphviz Python package: pip install micrograd_cn[viz]"
        ) from None
    return graphviz


_digraph_class = None


def new_digraph(size_note: str = "", **kwargs):
    """A graphviz.Digraph whose ``dot`` runs have a time limit and say how to install Graphviz.

    The class is made on first use (graphviz is imported only then); its methods are the
    module's functions below, so what they do is tested like any other function.
    """
    global _digraph_class
    if _digraph_class is None:
        graphviz = _import_graphviz()

        class Digraph(graphviz.Digraph):
            size_note = ""  # "12 nodes, 14 edges": named in the timeout error
            pipe, render, _repr_mimebundle_ = _pipe, _render, _repr_mimebundle

        _digraph_class = Digraph
    graph = _digraph_class(**kwargs)
    graph.size_note = size_note
    return graph


def _pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
          engine=None, encoding=None):  # fmt: skip
    """``Digraph.pipe``: dot's output (bytes, or text with ``encoding``), within the limits."""
    output = _run_dot(self, format or self.format, renderer, formatter, engine)
    return output.decode(encoding) if encoding else output


def _render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
            renderer=None, formatter=None, *, outfile=None, engine=None, **ignored):  # fmt: skip
    """``Digraph.render``: the DOT file, then the picture next to it (or at ``outfile``)."""
    if format is None and outfile is not None:
        format = Path(outfile).suffix.lstrip(".").lower() or None  # .PNG: png, as graphviz
    format = format or self.format
    source = self.save(filename, directory=directory)
    target = Path(outfile) if outfile is not None else Path(f"{source}.{format}")
    target.write_bytes(_run_dot(self, format, renderer, formatter, engine))
    if cleanup:
        os.remove(source)
    return str(target)


def _repr_mimebundle(self, include=None, exclude=None, **ignored):
    """Jupyter shows the picture inline as SVG; without Graphviz, the install hint and the
    DOT text instead of a traceback."""
    try:
        return _import_graphviz().Digraph._repr_mimebundle_(self, include, exclude)
    except GraphvizNotFoundError as error:
        return {"text/plain": f"{error}\n\n{self.source}"}


def _run_dot(graph, fmt, renderer=None, formatter=None, engine=None, source=None) -> bytes:
    """Run Graphviz on the graph's source with a time limit (no shell, argv only)."""
    if source is None and not getattr(graph, "pixels_checked", False):
        check_pixels(graph, fmt, engine)
    return _dot_output(graph, fmt, renderer, formatter, engine, source)


def _dot_output(graph, fmt, renderer=None, formatter=None, engine=None, source=None) -> bytes:
    graphviz = _import_graphviz()
    fmt = ":".join(str(part) for part in (fmt, renderer, formatter) if part)
    command = [engine or graph.engine, f"-T{fmt}"]
    if sys.platform == "emscripten" and shutil.which(command[0]) is None:
        return wasm_render(graph.source if source is None else source, fmt, command[0])
    timeout, budget = _time_left()
    try:
        done = subprocess.run(
            command,
            input=(graph.source if source is None else source).encode("utf-8"),
            capture_output=True,
            timeout=timeout,
        )
    except FileNotFoundError:
        raise GraphvizNotFoundError() from None
    except subprocess.TimeoutExpired:
        if budget is not None and timeout < DOT_TIMEOUT_SECONDS:
            raise GraphvizTimeoutError(budget) from None
        raise GraphvizTimeoutError(
            f"Graphviz did not finish within {DOT_TIMEOUT_SECONDS:g} s on a graph of "
            f"{graph.size_note or 'unknown size'}; draw less: max_nodes=50 draws only the "
            "50 nodes nearest the root, collapse_inputs=3 folds the inputs of sum/dot nodes "
            "(or raise micrograd_cn.render.DOT_TIMEOUT_SECONDS)"
        ) from None
    if done.returncode != 0:
        raise graphviz.CalledProcessError(
            done.returncode, command, output=done.stdout, stderr=done.stderr
        )
    return done.stdout


# ---------------------------------------------------------------- pixel and time budgets
def picture_pixels(graph, fmt: str, engine=None) -> tuple[int, int] | None:
    """(width, height) in pixels of the picture ``dot -T<fmt>`` would draw; None for formats
    without pixels (SVG, DOT …).  Costs one layout run, no drawing: the layout's bounding box
    (points), the graph's ``pad``, ``size`` and ``dpi``, and the format's pixels per inch.
    """
    base = str(fmt).split(":")[0]
    if base not in PIXELS_PER_INCH:
        return None
    layout = json.loads(_dot_output(graph, "json0", engine=engine))
    x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
    pad = [float(v) for v in layout.get("pad", "0.0555").split(",")]  # inches: "x" or "x,y"
    width, height = (x1 - x0) / 72.0 + 2 * pad[0], (y1 - y0) / 72.0 + 2 * pad[-1]
    if layout.get("size"):
        width, height = fit_to_size(width, height, layout["size"])
    per_inch = float(layout.get("dpi") or layout.get("resolution") or PIXELS_PER_INCH[base])
    if base == "pdf":
        per_inch = PIXELS_PER_INCH["pdf"]  # a page counts its points, whatever the dpi
    return round(width * per_inch), round(height * per_inch)


def fit_to_size(width: float, height: float, size: str) -> tuple[float, float]:
    """The drawing's size (inches, margins included) after Graphviz's ``size`` attribute.

    dot's rule: the size is rounded to whole points, and one without area is ignored; a
    drawing too big on either side is scaled down to fit; with "!" one too small on both
    sides is scaled up; a side of zero counts as the size's own (so an empty graph without
    margins still has one).  One number is both sides.

    >>> fit_to_size(4.0, 1.0, "2,2"), fit_to_size(1.0, 0.5, "2,2!"), fit_to_size(1.0, 1.0, "3")
    ((2.0, 0.5), (2.0, 1.0), (1.0, 1.0))
    """
    points = [math.floor(float(v) * 72.0 + 0.5) for v in size.rstrip("!").split(",")]
    if points[0] <= 0 or points[-1] <= 0:  # "0,0", "-1,2", "0.005": dot draws it unscaled
        return width, height
    fit_width, fit_height = points[0] / 72.0, points[-1] / 72.0
    width, height = width or fit_width, height or fit_height
    too_big = fit_width < width or fit_height < height
    too_small = size.endswith("!") and fit_width > width and fit_height > height
    if too_big or too_small:
        scale = min(fit_width / width, fit_height / height)
        width, height = width * scale, height * scale
    return width, height


def check_pixels(graph, fmt: str, engine=None) -> None:
    """Refuse a picture above :data:`PIXEL_BUDGET` pixels before ``dot`` draws it.

    Rasterizing is what costs (memory grows with the pixels, ~4 bytes each); the layout
    alone is cheap, so the picture is measured first.  Refusing is better than scaling
    down: a picture that large, shrunk to the budget, has unreadable labels.
    """
    size = picture_pixels(graph, fmt, engine)
    if size is None or size[0] * size[1] <= PIXEL_BUDGET:
        return
    width, height = size
    raise PictureTooLargeError(
        f"the picture would be {width:,} × {height:,} pixels ({width * height / 1e6:.1f} "
        f"megapixels), more than the budget of {PIXEL_BUDGET / 1e6:g} megapixels; draw it as "
        "SVG (no pixels), or draw less (max_nodes=... draws only the nodes nearest the root)"
    )


# (deadline on time.monotonic(), the error message) of the budget the dot runs share now
_budget: ContextVar[tuple[float, str] | None] = ContextVar("micrograd_cn_dot_budget", default=None)


@contextmanager
def time_budget(seconds: float, message: str):
    """Every ``dot`` run inside shares one time budget of ``seconds``; past it, the run in
    progress is stopped and :class:`GraphvizTimeoutError` says ``message``.

    Many frames, each a ``dot`` run with its own :data:`DOT_TIMEOUT_SECONDS`, could add
    up to minutes; this bounds the whole.

    >>> with time_budget(10.0, "the frames took too long"):
    ...     pass
    """
    token = _budget.set((time.monotonic() + seconds, message))
    try:
        yield
    finally:
        _budget.reset(token)


def _time_left() -> tuple[float, str | None]:
    """The timeout of the next ``dot`` run and the budget's message (None: no budget)."""
    budget = _budget.get()
    if budget is None:
        return DOT_TIMEOUT_SECONDS, None
    deadline, message = budget
    left = deadline - time.monotonic()
    if left <= 0.0:
        raise GraphvizTimeoutError(message)
    return min(DOT_TIMEOUT_SECONDS, left), message


def pipe_all(graphs: list, format: str = "svg") -> list[bytes]:
    """Every graph rendered; SVG in one ``dot`` run (starting ``dot`` costs more than a small
    layout: 60 step-through frames take 0.7 s this way, 3 s one by one), other formats one
    run each.  The time limit applies to each run.
    """
    if format != "svg" or len(graphs) < 2:
        return [graph.pipe(format=format) for graph in graphs]
    first = graphs[0]
    first_note, first.size_note = first.size_note, f"{len(graphs)} frames of {first.size_note}"
    try:
        output = _run_dot(first, "svg", source="\n".join(g.source for g in graphs))
    finally:
        first.size_note = first_note
    marker = b"<?xml"
    documents = [marker + part for part in output.split(marker)[1:]]
    if len(documents) != len(graphs):  # never seen; fall back to one run per graph
        return [graph.pipe(format=format) for graph in graphs]
    return documents


def inline_svg(graph) -> str:
    """Inline-ready SVG: no XML prolog, DOCTYPE or namespace URLs (HTML5 needs none)."""
    svg = graph.pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    for attr in (
        ' xmlns="http://www.w3.org/2000/svg"',
        ' xmlns:xlink="http://www.w3.org/1999/xlink"',
    ):
        svg = svg.replace(attr, "")
    return svg


# ---------------------------------------------------------------- Graphviz in the browser

#: @viz-js/viz's one-file build: Graphviz compiled to WebAssembly.  The book's build
#: (scripts/build_site.py) puts it into the wheel it gives the browser's Python (Pyodide),
#: where no ``dot`` program can exist; elsewhere ``dot`` is used and this file is absent.
WASM_SCRIPT = "viz-global.js"
_wasm: dict = {}


def wasm_render(source: str, fmt: str = "svg", engine: str = "dot") -> bytes:
    """Render DOT text in Pyodide with Graphviz compiled to WebAssembly (same DOT, same SVG).

    Why: in the browser there is no ``dot`` to start, so :func:`_run_dot` comes here.
    The WebAssembly module is compiled asynchronously, once, when this module is
    imported; a render waits for it where the browser can block (JavaScript Promise
    Integration, as in Chromium) and otherwise asks to run the cell again.  No time
    limit applies (nothing can stop a WebAssembly call); the size guards of
    :mod:`micrograd_cn.viz` still do.  Outside Pyodide it says so:

    >>> wasm_render("digraph { a -> b }")
    Traceback (most recent call last):
    micrograd_cn.render.GraphvizNotFoundError: Graphviz compiled to WebAssembly is used only ...
    """
    viz = _wasm.get("viz")
    if viz is None:
        promise = _start_wasm_load()
        if promise is None:
            raise GraphvizNotFoundError(
                "Graphviz compiled to WebAssembly is used only in the browser (Pyodide); here "
                + (INSTALL_HINT if sys.platform != "emscripten" else f"{WASM_SCRIPT} is missing")
            )
        from pyodide.ffi import can_run_sync, run_sync

        if not can_run_sync():
            raise GraphvizNotFoundError(
                "Graphviz (WebAssembly) 还在加载，请稍后再运行这一格 "
                "(still loading in the browser: run this cell again in a moment)"
            )
        viz = _wasm["viz"] = run_sync(promise)
    kind = fmt.split(":")[0]
    if kind not in list(viz.formats):
        raise GraphvizNotFoundError(
            f"in the browser Graphviz (WebAssembly) renders svg, dot, json, plain, not {kind!r}"
        )
    return str(viz.renderString(source, {"format": kind, "engine": engine})).encode("utf-8")


def _start_wasm_load():
    """In Pyodide with the script shipped: start compiling Graphviz (once); its promise."""
    if sys.platform != "emscripten":
        return None
    if "promise" not in _wasm:
        script = resources.files(__package__).joinpath(WASM_SCRIPT)
        if not script.is_file():
            return None
        import js
        from pyodide.code import run_js
        from pyodide.ffi import create_once_callable

        if not hasattr(js, "Viz"):
            run_js(script.read_text(encoding="utf-8"))  # defines globalThis.Viz
        promise = js.Viz.instance()
        promise.then(create_once_callable(lambda viz: _wasm.setdefault("viz", viz)))
        _wasm["promise"] = promise
    return _wasm["promise"]


_start_wasm_load()  # in the browser, compile while the reader reads the first cells
