"""render: every dot run has a time limit, missing Graphviz says how to install it, batches."""

import html
import math
import os
import re
import shutil
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd_cn import render
from micrograd_cn.cli import demo_graph  # 《梯度下降和反向传播》: (x + y) * z at x=-2, y=5, z=-4
from micrograd_cn.render import GraphvizNotFoundError, GraphvizTimeoutError, pipe_all
from micrograd_cn.viz import StepThrough, draw_dot, step_frames


def test_missing_dot_says_how_to_install_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no 'dot' anywhere
    graph = draw_dot(demo_graph())
    assert "data -12.0000" in graph.source  # the DOT text still works
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*brew install"):
        graph.pipe(format="svg")
    with pytest.raises(GraphvizNotFoundError, match=r"graphviz\.org/download"):
        graph.render(tmp_path / "out", format="png")
    text = graph._repr_mimebundle_()["text/plain"]
    assert "apt-get install graphviz" in text and "digraph" in text


def test_missing_graphviz_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setattr(render, "_digraph_class", None)
    with pytest.raises(ImportError, match=r"pip install micrograd_cn\[viz\]"):
        draw_dot(demo_graph())


def fake_dot(tmp_path, script: str):
    """A `dot` on PATH that runs ``script`` (sh) instead of Graphviz."""
    program = tmp_path / "dot"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)
    return str(tmp_path)


def test_every_dot_run_has_a_time_limit(monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("PATH", fake_dot(tmp_path, f"exec {shutil.which('sleep')} 30"))
    monkeypatch.setattr(render, "DOT_TIMEOUT_SECONDS", 0.5)
    graph = draw_dot(demo_graph())
    message = (
        r"Graphviz did not finish within 0\.5 s on a graph of 7 nodes, 6 edges; draw less: "
        r"max_nodes=50 .* collapse_inputs=3 .*DOT_TIMEOUT_SECONDS"
    )
    start = time.perf_counter()
    with pytest.raises(GraphvizTimeoutError, match=message):
        graph.pipe(format="svg")
    with pytest.raises(GraphvizTimeoutError, match=message):
        graph.render(tmp_path / "out", format="png")
    with pytest.raises(GraphvizTimeoutError, match=r"graph of 7 nodes, 6 edges"):
        StepThrough(demo_graph()).svg()
    page = StepThrough(demo_graph())._repr_html_()  # Jupyter: the reason and the steps, no crash
    assert "did not finish within 0.5 s" in page and page.count("<li>") == 10
    assert time.perf_counter() - start < 5.0


def test_a_failing_dot_reports_its_error(monkeypatch, tmp_path):
    """graphviz's own CalledProcessError, with dot's command, exit status, output and message.

    kills render.x__dot_output__mutmut_58..64 (the command, stdout or stderr left out)."""
    graphviz = pytest.importorskip("graphviz")
    script = "echo partial; echo 'syntax error in line 1' >&2; exit 3"
    monkeypatch.setenv("PATH", fake_dot(tmp_path, script))
    with pytest.raises(graphviz.CalledProcessError, match="exit status 3") as failed:
        draw_dot(demo_graph()).pipe(format="svg")
    error = failed.value
    assert (error.returncode, error.cmd) == (3, ["dot", "-Tsvg"])
    assert (error.stdout, error.stderr) == (b"partial\n", b"syntax error in line 1\n")


@pytest.mark.needs_dot
def test_render_writes_the_source_and_the_picture(tmp_path):
    path = draw_dot(demo_graph()).render(tmp_path / "graph", format="svg")
    assert path == str(tmp_path / "graph.svg")
    assert "data -12.0000" in html.unescape((tmp_path / "graph.svg").read_text(encoding="utf-8"))
    assert "digraph" in (tmp_path / "graph").read_text(encoding="utf-8")


@pytest.mark.needs_dot
def test_render_and_pipe_take_graphviz_s_own_arguments(tmp_path, monkeypatch):
    """The drawing's ``render``/``pipe`` are graphviz's, with the limits added: the format
    from ``outfile``'s suffix in any case (else the graph's, SVG), ``cleanup`` removes the
    DOT file, ``pipe`` gives bytes or, with an encoding, text; every picture is the same
    drawing.  kills render.x__render__mutmut_12 (``lstrip("XX.XX")``: ".Xsvg" read as svg)."""
    monkeypatch.chdir(tmp_path)  # a render that loses its directory writes here, not in the repo
    graph = draw_dot(demo_graph())
    svg_bytes = graph.pipe()
    assert svg_bytes.startswith(b"<?xml") and b"</svg>" in svg_bytes
    assert graph.pipe(encoding="utf-8") == svg_bytes.decode("utf-8")
    assert graph.pipe("dot", encoding="utf-8").startswith("digraph {")
    png = tmp_path / "picture.png"
    assert graph.render(tmp_path / "g1", outfile=png) == str(png)
    assert png_size(png.read_bytes()) == render.picture_pixels(graph, "png")
    assert (tmp_path / "g1").read_text(encoding="utf-8") == graph.source
    plain = tmp_path / "picture"  # no suffix: the graph's own format
    assert graph.render(tmp_path / "g2", outfile=plain) == str(plain)
    assert plain.read_bytes() == svg_bytes
    assert graph.render(tmp_path / "g3") == str(tmp_path / "g3.svg")
    assert graph.render(tmp_path / "g4", format="dot", cleanup=True) == str(tmp_path / "g4.dot")
    assert not (tmp_path / "g4").exists()
    assert (tmp_path / "g4.dot").read_text(encoding="utf-8").startswith("digraph {")
    assert (tmp_path / "g3").exists()  # kept without cleanup
    assert graph.render("g5", directory=tmp_path) == os.path.join(tmp_path, "g5.svg")
    assert (tmp_path / "g5").read_text(encoding="utf-8") == graph.source
    shouted = tmp_path / "PICTURE.PNG"  # a suffix in capitals is still the format
    graph.render(tmp_path / "g6", outfile=shouted)
    assert shouted.read_bytes() == png.read_bytes()
    with pytest.raises(subprocess.CalledProcessError) as refused:  # a suffix no format has
        graph.render(tmp_path / "g7", outfile=tmp_path / "picture.Xsvg")
    assert b'Format: "xsvg" not recognized' in refused.value.stderr


@pytest.mark.needs_dot
def test_render_passes_the_renderer_formatter_and_layout_engine_to_dot(tmp_path):
    """``render(format="png", renderer="cairo", formatter="gd", engine="neato")`` draws what
    ``pipe`` draws with the same arguments, and each argument changes the picture.

    kills render.x__render__mutmut_17/19 (the directory dropped, in the test above),
    _29/_30/_34/_35 (the renderer or formatter dropped or shifted), _31/_36 (the engine)."""
    graph = draw_dot(demo_graph())
    path = graph.render(tmp_path / "g", format="png", renderer="cairo", formatter="gd",
                        engine="neato")  # fmt: skip
    drawn = Path(path).read_bytes()
    assert path == str(tmp_path / "g.png")
    assert drawn == graph.pipe("png", renderer="cairo", formatter="gd", engine="neato")
    assert drawn != graph.pipe("png", renderer="cairo", formatter="gd")  # dot's layout
    assert drawn != graph.pipe("png", renderer="cairo", formatter="cairo", engine="neato")


@pytest.mark.needs_dot
def test_jupyter_s_include_and_exclude_choose_the_pictures():
    """kills render.x__repr_mimebundle__mutmut_2/_5 (include dropped: SVG only), _3/_6
    (exclude dropped)."""
    graph = draw_dot(demo_graph())
    png = graph._repr_mimebundle_(include=["image/png"])
    assert list(png) == ["image/png"] and png_size(png["image/png"]) == render.picture_pixels(
        graph, "png"
    )
    both = graph._repr_mimebundle_(include=["image/svg+xml", "image/png"])
    assert sorted(both) == ["image/png", "image/svg+xml"]
    assert list(graph._repr_mimebundle_(include=list(both), exclude=["image/svg+xml"])) == [
        "image/png"
    ]


def positions(svg: bytes) -> list:
    """Every shape's coordinates and every text, in document order (titles and ids left out)."""
    found = []
    for el in ET.fromstring(svg).iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("polygon", "ellipse", "path", "text"):
            found.append((tag, el.get("points"), el.get("cx"), el.get("d"), el.get("x"), el.text))
    return found


@pytest.mark.needs_dot
def test_pipe_all_renders_every_frame_in_one_run_like_one_by_one(monkeypatch):
    frames = step_frames(demo_graph())
    runs = []
    original = render._run_dot
    monkeypatch.setattr(render, "_run_dot", lambda *a, **k: runs.append(1) or original(*a, **k))
    together = pipe_all(frames)
    assert len(runs) == 1 and len(together) == 10
    alone = [frame.pipe(format="svg") for frame in frames]
    assert [positions(svg) for svg in together] == [positions(svg) for svg in alone]
    assert frames[0].size_note == "7 nodes, 6 edges"  # put back after the batch


# ---------------------------------------------------------------- pixel and time budgets
def one_box(inches: float):
    """A graph of one square box ``inches`` wide: its picture size is known in advance."""
    graph = render.new_digraph("1 node, 0 edges")
    graph.node("n0", shape="box", fixedsize="true", width=str(inches), height=str(inches))
    return graph


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.needs_dot
@pytest.mark.parametrize(("fmt", "inches", "dpi"), [("png", 75.0, 96), ("pdf", 100.0, 72)])
def test_a_picture_above_the_pixel_budget_is_refused_before_it_is_drawn(fmt, inches, dpi):
    """A 30,824 x 8,239-pixel PNG took 8.9 s and ~1 GB in dot: the size guard counted nodes and
    layout work, never pixels.  Now one layout run measures the picture first."""
    import time

    side = round(inches * dpi)  # 7,200 px at 96 dpi (52 megapixels); a PDF counts points
    start = time.perf_counter()
    with pytest.raises(render.PictureTooLargeError) as refused:
        one_box(inches).pipe(format=fmt)
    assert time.perf_counter() - start < 5.0
    message = str(refused.value)
    assert re.fullmatch(
        r"the picture would be [\d,]+ × [\d,]+ pixels \([\d.]+ megapixels\), more than "
        r"the budget of 50 megapixels; draw it as SVG \(no pixels\), or draw less "
        r"\(max_nodes=\.\.\. draws only the nodes nearest the root\)",
        message,
    ), message
    found = re.match(r"the picture would be ([\d,]+) × ([\d,]+) pixels \(([\d.]+) ", message)
    width, height = (int(found[k].replace(",", "")) for k in (1, 2))
    assert side <= width == height <= side + 20  # the picture's own size, margins included
    assert found[3] == f"{width * height / 1e6:.1f}"
    assert isinstance(refused.value, ValueError)  # bad input: the CLI answers with exit code 2


@pytest.mark.needs_dot
def test_a_picture_within_the_budget_is_measured_right():
    """The measured size is the one dot then draws (so the budget is about real pixels)."""
    graph = one_box(30.0)
    assert render.picture_pixels(graph, "png") == png_size(graph.pipe(format="png"))
    assert render.picture_pixels(graph, "svg") is None  # vector: no pixel budget


@pytest.mark.needs_dot
def test_dot_runs_share_one_time_budget(monkeypatch):
    """A --steps run ran dot once per frame with 30 s each and no overall limit (238 s)."""

    timeouts = []
    real_run = subprocess.run

    def timed_run(command, **kwargs):
        timeouts.append(kwargs["timeout"])
        return real_run(command, **kwargs)

    monkeypatch.setattr(render.subprocess, "run", timed_run)
    graph = draw_dot(demo_graph())
    with render.time_budget(0.05, "the frames took too long"):
        import time

        time.sleep(0.06)
        with pytest.raises(GraphvizTimeoutError, match=r"^the frames took too long$"):
            graph.pipe(format="svg")
    with render.time_budget(20.0, "unused"):
        graph.pipe(format="svg")
    graph.pipe(format="svg")
    assert 19.0 < timeouts[0] <= 20.0 and timeouts[1] == render.DOT_TIMEOUT_SECONDS


# ---------------------------------------------------------------- pipe_all: one run, right format
def noted_box(note: str):
    """A tiny graph (a 0.3-inch box) with its own size note; its own format is graphviz's pdf."""
    graph = one_box(0.3)
    graph.size_note = note
    return graph


@pytest.mark.needs_dot
def test_pipe_all_of_two_svg_graphs_is_one_dot_run_named_after_the_first(monkeypatch):
    """Two frames already share one run; its timeout names the first graph's size.

    kills render.x_pipe_all__mutmut_7/8: ``len(graphs) < 2`` -> ``<= 2`` / ``< 3`` (two runs);
    kills render.x_pipe_all__mutmut_11: ``graphs[0]`` -> ``graphs[1]`` (the second's note)."""
    seen = []
    original = render._run_dot

    def counted(graph, fmt, *args, **kwargs):
        seen.append((graph.size_note, fmt, kwargs.get("source") is not None))
        return original(graph, fmt, *args, **kwargs)

    monkeypatch.setattr(render, "_run_dot", counted)
    first, second = noted_box("1 node, 0 edges"), noted_box("9 nodes, 8 edges")
    svgs = pipe_all([first, second])
    assert seen == [("2 frames of 1 node, 0 edges", "svg", True)]
    assert [svg[:5] for svg in svgs] == [b"<?xml", b"<?xml"]
    assert all(b"<svg" in svg and b"</svg>" in svg for svg in svgs)
    assert (first.size_note, second.size_note) == ("1 node, 0 edges", "9 nodes, 8 edges")


@pytest.mark.needs_dot
@pytest.mark.parametrize("count", [1, 2])
def test_pipe_all_to_png_draws_each_graph_as_png(count):
    """PNG is not batched: one run per graph, each a PNG (the graphs' own format is pdf).

    kills render.x_pipe_all__mutmut_3: ``or`` -> ``and`` (two PNG graphs sent as one SVG run);
    kills render.x_pipe_all__mutmut_9: ``pipe(format=None)`` (the graph's own pdf)."""
    graphs = [noted_box(f"box {k}") for k in range(count)]
    pictures = pipe_all(graphs, format="png")
    side = math.ceil((0.3 + 2 * 0.0555) * 96)  # the box and dot's default pad, at 96 dpi
    assert [png_size(picture) for picture in pictures] == [(side, side)] * count


@pytest.mark.needs_dot
def test_pipe_all_falls_back_to_one_run_per_graph_in_svg(monkeypatch):
    """If the batch ever gave a wrong number of documents, each graph is drawn alone, in SVG.

    kills render.x_pipe_all__mutmut_33: the fallback's ``pipe(format=None)`` (pdf)."""
    original = render._run_dot

    runs = []

    def batch_loses_one(graph, fmt, *args, source=None, **kwargs):
        runs.append(source is not None)  # the batch's text dropped: one document for two
        return original(graph, fmt, *args, **kwargs)

    monkeypatch.setattr(render, "_run_dot", batch_loses_one)
    pictures = pipe_all([noted_box("a"), noted_box("b")])
    assert len(pictures) == 2 and runs == [True, False, False]
    for picture in pictures:
        assert picture.startswith(b"<?xml") and b"<svg" in picture and b"%PDF" not in picture


# ---------------------------------------------------------------- Graphviz in the browser (faked)
class FakeBrowser:
    """What Pyodide gives Python in a browser page (``js``, ``pyodide.code``, ``pyodide.ffi``),
    with @viz-js/viz's ``Viz`` as the shipped script defines it.  Records every call."""

    FORMATS = ("svg", "dot", "json", "plain")  # what @viz-js/viz's WebAssembly build renders

    def __init__(self, can_block: bool):
        self.can_block = can_block
        self.scripts_run, self.instances, self.renders, self.callbacks = [], [], [], []
        self.viz = types.SimpleNamespace(formats=list(self.FORMATS), renderString=self.render)
        self.promise = types.SimpleNamespace(then=self.callbacks.append)
        self.js = types.ModuleType("js")
        code = types.ModuleType("pyodide.code")
        code.run_js = self.run_js
        ffi = types.ModuleType("pyodide.ffi")
        ffi.can_run_sync = lambda: self.can_block
        ffi.run_sync = self.run_sync
        ffi.create_once_callable = lambda function: ("once", function)
        self.modules = {"js": self.js, "pyodide": types.ModuleType("pyodide")}
        self.modules |= {"pyodide.code": code, "pyodide.ffi": ffi}

    def run_js(self, text):
        self.scripts_run.append(text)
        self.js.Viz = types.SimpleNamespace(instance=self.instance)

    def instance(self):
        self.instances.append(1)
        return self.promise

    def run_sync(self, promise):
        assert self.can_block and promise is self.promise
        return self.viz

    def render(self, source, options):
        self.renders.append((source, options))
        return f"<svg>{source}</svg>"

    def resolve(self):
        """The WebAssembly module has compiled: JavaScript calls the callback given to then."""
        ((kind, function),) = self.callbacks
        assert kind == "once"
        function(self.viz)


SCRIPT_TEXT = "globalThis.Viz = …; // @viz-js/viz, Graphviz → WebAssembly"


@pytest.fixture
def browser(monkeypatch, tmp_path):
    """This process as a Pyodide page: ``sys.platform`` is emscripten, the wheel ships the
    script (read from a folder of its own), nothing loaded yet, and text read without an
    encoding would be ASCII (so reading the script as UTF-8 is checked)."""
    import io

    (tmp_path / render.WASM_SCRIPT).write_text(SCRIPT_TEXT, encoding="utf-8")
    monkeypatch.setattr(render, "sys", types.SimpleNamespace(platform="emscripten"))
    monkeypatch.setattr(
        render,
        "resources",
        types.SimpleNamespace(
            files=lambda package: tmp_path if package == render.__package__ else None
        ),
    )
    monkeypatch.setattr(render, "_wasm", {})
    monkeypatch.setattr(io, "text_encoding", lambda encoding, *rest: encoding or "ascii")

    def open_page(can_block: bool):
        page = FakeBrowser(can_block)
        for name, module in page.modules.items():
            monkeypatch.setitem(sys.modules, name, module)
        return page

    return open_page


SOURCE = 'digraph { a -> b [label="×"] }'


def test_outside_the_browser_wasm_render_says_to_install_graphviz():
    """kills render.x_wasm_render__mutmut_12..17: the refusal's text (None, -, case, XX…XX)."""
    with pytest.raises(GraphvizNotFoundError) as refused:
        render.wasm_render(SOURCE)
    assert str(refused.value) == (
        "Graphviz compiled to WebAssembly is used only in the browser (Pyodide); here "
        + render.INSTALL_HINT
    )


def test_in_a_browser_that_can_block_the_first_render_waits_for_graphviz(browser):
    """Chromium (JavaScript Promise Integration): the script runs once, the render waits for the
    compiled module, later renders reuse it; options go to renderString as given.

    kills render.x_wasm_render__mutmut_1..11, 29..51 but 51 (defaults, the cached module, the
    format's kind, renderString's arguments, the UTF-8 bytes) and
    render.x__start_wasm_load__mutmut_1..10, 19..21, 23, 33..37 (loading the script once)."""
    page = browser(can_block=True)
    assert render.wasm_render(SOURCE) == f"<svg>{SOURCE}</svg>".encode()
    assert render.wasm_render("digraph { c }", "svg:cairo", "neato") == b"<svg>digraph { c }</svg>"
    assert page.renders == [
        (SOURCE, {"format": "svg", "engine": "dot"}),
        ("digraph { c }", {"format": "svg", "engine": "neato"}),
    ]
    assert (page.scripts_run, page.instances) == ([SCRIPT_TEXT], [1])
    assert render._wasm == {"promise": page.promise, "viz": page.viz}
    with pytest.raises(GraphvizNotFoundError) as refused:
        render.wasm_render(SOURCE, "png")
    assert str(refused.value) == (
        "in the browser Graphviz (WebAssembly) renders svg, dot, json, plain, not 'png'"
    )


def test_in_a_browser_that_cannot_block_the_cell_is_run_again_once_graphviz_is_ready(browser):
    """Firefox: no waiting inside a cell; the first render asks for a rerun, the module then
    compiles (the promise calls back) and the rerun draws.

    kills render.x_wasm_render__mutmut_22..28 (the Chinese-first "still loading" sentence) and
    render.x__start_wasm_load__mutmut_4/5 (loading again while loading) and 24..32 (the
    callback that keeps the compiled module)."""
    page = browser(can_block=False)
    for _ in range(2):  # run again too soon: still loading, the script is not run again
        with pytest.raises(GraphvizNotFoundError) as refused:
            render.wasm_render(SOURCE)
        assert str(refused.value) == (
            "Graphviz (WebAssembly) 还在加载，请稍后再运行这一格 "
            "(still loading in the browser: run this cell again in a moment)"
        )
    assert (page.scripts_run, page.instances) == ([SCRIPT_TEXT], [1])
    assert render._wasm == {"promise": page.promise}
    page.resolve()
    assert render._wasm == {"promise": page.promise, "viz": page.viz}
    assert render.wasm_render(SOURCE, "dot") == f"<svg>{SOURCE}</svg>".encode()
    assert page.renders == [(SOURCE, {"format": "dot", "engine": "dot"})]
    assert (page.scripts_run, page.instances) == ([SCRIPT_TEXT], [1])


def test_a_page_that_already_defines_viz_does_not_run_the_script_again(browser):
    """kills render.x__start_wasm_load__mutmut_11..18 (the ``hasattr(js, "Viz")`` check)."""
    page = browser(can_block=True)
    page.js.Viz = types.SimpleNamespace(instance=page.instance)
    assert render.wasm_render(SOURCE) == f"<svg>{SOURCE}</svg>".encode()
    assert (page.scripts_run, page.instances) == ([], [1])


def test_a_browser_wheel_without_the_script_says_it_is_missing(browser, tmp_path):
    """kills render.x_wasm_render__mutmut_18..21 (which sentence ends the refusal)."""
    (tmp_path / render.WASM_SCRIPT).unlink()
    page = browser(can_block=True)
    with pytest.raises(GraphvizNotFoundError) as refused:
        render.wasm_render(SOURCE)
    assert str(refused.value) == (
        "Graphviz compiled to WebAssembly is used only in the browser (Pyodide); "
        "here viz-global.js is missing"
    )
    assert (page.scripts_run, page.instances, render._wasm) == ([], [], {})


def branching_graph():
    """Three boxes, one feeding two: dot lays it out wide, neato tall, circo wider still."""
    graph = render.new_digraph("3 nodes, 2 edges")
    graph.attr(rankdir="LR")
    for name in "abc":
        graph.node(name, f"box {name}")
    graph.edge("a", "b")
    graph.edge("a", "c")
    return graph


@pytest.mark.needs_dot
@pytest.mark.parametrize("engine", ["dot", "neato", "circo"])
def test_the_measured_size_is_the_layout_engine_s_own(engine):
    """Each layout engine places the nodes its own way, so the picture is measured with the
    engine that will draw it, and a renderer after the format (``png:cairo``) is the same PNG.

    kills render.x_picture_pixels__mutmut_2 (the format split on whitespace: ``png:cairo`` not
    measured), _11/_14 (measured with the graph's default engine, dot)."""
    graph = branching_graph()
    drawn = png_size(graph.pipe(format="png", engine=engine))
    measured = render.picture_pixels(graph, "png", engine)
    assert all(abs(m - d) <= 2 for m, d in zip(measured, drawn))  # dot rounds a pixel or two
    assert render.picture_pixels(graph, "png:cairo", engine) == measured
    layouts = {e: render.picture_pixels(graph, "png", e) for e in ("dot", "neato", "circo")}
    assert len(set(layouts.values())) == 3  # three different pictures: the test means something


@pytest.mark.needs_dot
def test_the_pixel_budget_is_checked_with_the_drawing_engine_and_is_inclusive(monkeypatch):
    """kills render.x_check_pixels__mutmut_4/7 (the budget checked on dot's layout when neato
    draws), _11 (height × height), _13 (``<=`` -> ``<``: exactly the budget refused)."""
    graph = branching_graph()
    width, height = render.picture_pixels(graph, "png", "neato")
    dot_width, dot_height = render.picture_pixels(graph, "png", "dot")
    assert width * height != dot_width * dot_height and height != width
    monkeypatch.setattr(render, "PIXEL_BUDGET", width * height)
    assert png_size(graph.pipe(format="png", engine="neato"))[0] > 0
    monkeypatch.setattr(render, "PIXEL_BUDGET", width * height - 1)
    with pytest.raises(render.PictureTooLargeError):
        graph.pipe(format="png", engine="neato")
    monkeypatch.setattr(render, "PIXEL_BUDGET", min(width, height) * max(width, height) - 1)
    with pytest.raises(render.PictureTooLargeError):
        graph.pipe(format="png", engine="neato")


def test_the_pixel_refusal_gives_both_sizes_in_megapixels(monkeypatch):
    """1,050 × 1,000 pixels against a budget of 1 megapixel: 1.05 rounds to 1.1.

    kills render.x_check_pixels__mutmut_18/20 (``/ 1e6`` -> ``/ 1000001.0``: "1.0", and a
    budget of "0.999999" megapixels)."""
    monkeypatch.setattr(render, "picture_pixels", lambda graph, fmt, engine=None: (1050, 1000))
    monkeypatch.setattr(render, "PIXEL_BUDGET", 1_000_000)
    with pytest.raises(render.PictureTooLargeError) as refused:
        render.check_pixels(object(), "png")
    assert str(refused.value) == (
        "the picture would be 1,050 × 1,000 pixels (1.1 megapixels), more than the budget of "
        "1 megapixels; draw it as SVG (no pixels), or draw less (max_nodes=... draws only the "
        "nodes nearest the root)"
    )


@pytest.mark.needs_dot
def test_inline_svg_is_svg_whatever_the_graph_s_own_format():
    """kills render.x_inline_svg__mutmut_2/4 (``format="svg"`` dropped: a graph made for PNG
    output would be piped as PNG bytes)."""
    graph = branching_graph()
    graph.format = "png"
    svg = render.inline_svg(graph)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and ">box a<" in svg


@pytest.mark.needs_dot
@pytest.mark.parametrize("size", ["1,1", "9,9!"])
def test_a_size_attribute_scales_the_measured_picture(size):
    """``size="1,1"`` shrinks the drawing to fit one inch; with "!" it is blown up to fit
    (the budget only needs the size to within the margins).

    kills render.x_picture_pixels__mutmut_50..52 (the size attribute not read: the unscaled
    layout measured), _53..61 (the fit given nothing or the wrong sides)."""
    graph = branching_graph()
    unscaled = render.picture_pixels(graph, "png")
    graph.attr(size=size)
    measured = render.picture_pixels(graph, "png")
    drawn = png_size(graph.pipe(format="png"))
    assert measured == drawn  # dot fits the margins too, so the scaled size is exact
    assert all(abs(u - d) > 0.5 * d for u, d in zip(unscaled, drawn))


@pytest.mark.needs_dot
def test_an_empty_graph_with_a_size_is_its_margins_alone():
    """No nodes: a 0 × 0 layout, so the picture is its margins alone, 11 × 11 pixels as dot
    draws them, smaller than the size (never enlarged without "!").
    kills render.x_picture_pixels__mutmut_40/_47 (each margin counted three times)."""
    graph = render.new_digraph()
    graph.attr(size="1,1")
    assert render.picture_pixels(graph, "png") == png_size(graph.pipe(format="png")) == (11, 11)


@pytest.mark.needs_dot
@pytest.mark.parametrize(
    ("attrs", "rankdir"),
    [
        ({"size": "1,1"}, "TB"),  # tall: the height is what has to fit
        ({"size": "3.5,2"}, "LR"),  # room to spare: a size without "!" never enlarges
        ({"pad": "0.5"}, "LR"),
        ({"pad": "0.5,0.5"}, "LR"),
        ({"dpi": "150"}, "LR"),
        ({"resolution": "150"}, "LR"),
    ],
)
def test_every_attribute_that_changes_the_picture_s_pixels_is_measured(attrs, rankdir):
    """size (either side binding, never enlarging without "!"), pad (one value or "x,y"),
    dpi and its synonym resolution: each moves the measured size with the drawn one.

    kills render.x_picture_pixels__mutmut_23..33 and _41/_48/_49 (pad not read or its "x,y"
    form split wrong), _35/_36/_38.._43/_45.._49 (the inches or the margins computed wrong), _62..71
    (dpi or resolution not read)."""
    graph = branching_graph()
    graph.attr(rankdir=rankdir)
    if rankdir == "TB":
        graph.edge("b", "c")  # a chain of three: taller than wide
    plain = render.picture_pixels(graph, "png")
    graph.attr(**attrs)
    measured = render.picture_pixels(graph, "png")
    drawn = png_size(graph.pipe(format="png"))
    assert measured == drawn
    if attrs != {"size": "3.5,2"}:
        assert any(abs(p - d) > 20 for p, d in zip(plain, drawn)), (plain, drawn)
    else:
        assert measured == plain


@pytest.mark.needs_dot
@pytest.mark.parametrize("size", ["2,2!", "0.5,3!", "7,7!", "2"])
@pytest.mark.parametrize("pad", ["0", "0.3,0", "0.0555"])
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_a_layout_with_a_side_of_zero_is_measured_as_dot_draws_it(size, pad, rankdir):
    """Two zero-sized points one above the other: a layout 0 points wide (36 high; LR turns
    it).  dot counts a zero side as the size's own and fits the rest, margins included;
    the old measure skipped the fit whenever a side was zero (122 × 672 pixels measured as
    11 × 59, a side of 0 without margins) and a size of one number ("2", both sides) made it
    raise ValueError.  "!" enlarges."""
    graph = render.new_digraph()
    graph.attr(size=size, pad=pad, rankdir=rankdir)
    graph.node("a", shape="point", width="0", height="0")
    graph.node("b", shape="point", width="0", height="0")
    graph.edge("a", "b")
    layout_box = graph.pipe(format="json0", encoding="utf-8")
    assert ('"bb": "0,0,0,36"' if rankdir == "TB" else '"bb": "0,0,36,0"') in layout_box
    assert render.picture_pixels(graph, "png") == png_size(graph.pipe(format="png"))


@pytest.mark.needs_dot
@pytest.mark.parametrize(
    "attrs",
    [{"size": "0,0"}, {"size": "-1,2"}, {"size": "0.005"}, {"size": "0.008"},
     {"size": "0.3,0.3", "dpi": "300"}, {"size": "0.3,0.3!", "dpi": "150"}],
)  # fmt: skip
def test_a_size_is_read_in_whole_points_and_one_without_area_is_ignored(attrs):
    """dot reads a size in whole points: 0.3 inch is 22 points, a 92-pixel side at 300 dpi
    (not 90); 0.008 inch is 1 point.  A size that comes to 0 points or less ("0,0", "-1,2",
    "0.005") is ignored and the drawing keeps its own size, so it is measured unscaled.
    Before, such a size measured 0 × 0 pixels: any drawing passed the pixel budget."""
    graph = branching_graph()
    graph.attr(**attrs)
    assert render.picture_pixels(graph, "png") == png_size(graph.pipe(format="png"))
    huge = one_box(75.0)  # 7,200 × 7,200 pixels unscaled
    huge.attr(**attrs)
    if attrs["size"] in ("0,0", "-1,2", "0.005"):
        with pytest.raises(render.PictureTooLargeError):
            huge.pipe(format="png")


@pytest.mark.parametrize(
    ("width", "height", "size", "fitted"),
    [
        (4.0, 1.0, "2,2", (2.0, 0.5)),  # too wide: scaled down until the width fits
        (1.0, 4.0, "2,2", (0.5, 2.0)),  # too tall
        (1.0, 0.5, "2,2", (1.0, 0.5)),  # small enough: a size without "!" never enlarges
        (1.0, 0.5, "2,2!", (2.0, 1.0)),  # "!": enlarged until one side fits
        (3.0, 0.5, "2,2!", (2.0, 1 / 3)),  # too big on one side: scaled down, "!" or not
        (2.0, 1.0, "2,2!", (2.0, 1.0)),  # one side already fits: nothing to enlarge
        (1.0, 1.0, "3", (1.0, 1.0)),  # one number is both sides
        (1.0, 1.0, "0.5", (0.5, 0.5)),
        (0.0, 0.5, "2,2!", (2.0, 0.5)),  # a side of zero counts as the size's own
        (0.5, 0.0, "2,2!", (0.5, 2.0)),
        (0.0, 0.0, "1,3", (1.0, 3.0)),
        (4.0, 4.0, "0.3", (22 / 72, 22 / 72)),  # whole points: 21.6 is 22
        (4.0, 4.0, "0.0069,2", (4.0, 4.0)),  # 0.4968 points: 0, ignored
        (4.0, 4.0, "0.007,2", (1 / 72, 1 / 72)),  # 0.504 points: 1
        (4.0, 1.0, "0,0", (4.0, 1.0)),  # no area: the drawing's own size
        (4.0, 1.0, "-2,2", (4.0, 1.0)),
        (4.0, 1.0, "2,-2", (4.0, 1.0)),
        (4.0, 1.0, "2,0", (4.0, 1.0)),  # kills render.x_fit_to_size__mutmut_19 (``< 0``)
    ],
)
def test_fit_to_size_follows_dot_s_rule(width, height, size, fitted):
    assert render.fit_to_size(width, height, size) == pytest.approx(fitted, rel=1e-12)


@pytest.mark.needs_dot
def test_a_pdf_counts_its_points_whatever_the_dpi():
    """kills render.x_picture_pixels__mutmut_72..77 (the PDF test wrong: dpi read)."""
    graph = branching_graph()
    points = render.picture_pixels(graph, "pdf")
    graph.attr(dpi="300")
    assert render.picture_pixels(graph, "pdf") == points
    assert render.picture_pixels(graph, "png")[0] > 3 * points[0]


@pytest.mark.needs_dot
def test_in_pyodide_without_dot_viz_js_gets_the_source_format_and_engine(monkeypatch, tmp_path):
    """sys.platform "emscripten" and no ``dot`` on PATH: the DOT text goes to viz.js
    (``wasm_render``) with the whole format and the layout engine, a batch as one text;
    with ``dot`` on PATH it is still run; outside Pyodide a missing ``dot`` is an install hint.

    kills render.x__dot_output__mutmut_4 (the format's parts joined wrong), _8/_9/_10/_11 (the
    platform test), _12/_13/_14 (the PATH test), _15.._24 (wasm_render's arguments), and
    x__run_dot__mutmut_21/22 (renderer or formatter dropped)."""
    calls = []

    def fake_wasm_render(source, fmt, engine):
        calls.append((source, fmt, engine))
        return b"<?xml ?><svg/>" * source.count("digraph")

    first, second = branching_graph(), render.new_digraph()
    second.node("z")
    real_path = os.environ["PATH"]
    monkeypatch.setattr(render, "wasm_render", fake_wasm_render)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot
    monkeypatch.setattr(sys, "platform", "emscripten")
    assert first.pipe(format="svg") == b"<?xml ?><svg/>"
    assert first.pipe(format="svg", engine="neato") == b"<?xml ?><svg/>"
    first.pixels_checked = True  # the layout run would go to the fake too
    first.pipe(format="png", renderer="cairo", formatter="cairo")
    assert pipe_all([first, second], "svg") == [b"<?xml ?><svg/>"] * 2
    assert calls == [
        (first.source, "svg", "dot"),
        (first.source, "svg", "neato"),
        (first.source, "png:cairo:cairo", "dot"),
        (first.source + "\n" + second.source, "svg", "dot"),
    ]
    monkeypatch.setenv("PATH", real_path)  # Pyodide with a dot (never seen, but honoured)
    assert b"<svg" in first.pipe(format="svg") and len(calls) == 4
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError):
        first.pipe(format="svg")
    assert len(calls) == 4


def test_a_dot_timeout_inside_a_roomy_budget_names_dot_s_own_limit(monkeypatch):
    """A budget with more than DOT_TIMEOUT_SECONDS left: a run that times out hit dot's own
    30 s limit, and the error says so (not the budget's message).

    kills render.x__dot_output__mutmut_42/44 (``and`` -> ``or``, ``<`` -> ``<=``)."""

    def times_out(command, **kwargs):
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", times_out)
    graph = branching_graph()
    with (
        render.time_budget(1000.0, "the budget's message"),
        pytest.raises(GraphvizTimeoutError) as stopped,
    ):
        graph.pipe(format="svg")
    assert str(stopped.value) == (
        "Graphviz did not finish within 30 s on a graph of 3 nodes, 2 edges; draw less: "
        "max_nodes=50 draws only the 50 nodes nearest the root, collapse_inputs=3 folds the "
        "inputs of sum/dot nodes (or raise micrograd_cn.render.DOT_TIMEOUT_SECONDS)"
    )  # kills render.x__dot_output__mutmut_50/52/54 (the advice changed)
    with pytest.raises(GraphvizTimeoutError, match=r"on a graph of unknown size; draw less"):
        render.new_digraph().pipe(format="svg")  # kills _48/_49 (no size note)


def test_the_drawing_class_is_made_once_and_a_copy_keeps_its_methods(monkeypatch):
    """The class is made on the first drawing (graphviz imported only then) and kept;
    ``graph.copy()`` (graphviz's own) is the same class without the size note, and still
    has the time limit.  The class is made again here so its body runs under the mutant
    (mutmut forks from a process that has already made it).

    kills render.x_new_digraph__mutmut_5 (the class's size note "XXXX"), _6 (the methods not
    set: the class cannot be made), _7 (the class not kept)."""

    def times_out(command, **kwargs):
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(render, "_digraph_class", None)
    first, second = render.new_digraph("1 node"), render.new_digraph("2 nodes")
    assert type(first) is type(second) is render._digraph_class
    assert (first.size_note, second.size_note) == ("1 node", "2 nodes")
    copied = first.copy()
    assert type(copied) is type(first) and copied.pipe is not None
    monkeypatch.setattr(subprocess, "run", times_out)
    with pytest.raises(GraphvizTimeoutError, match=r"on a graph of unknown size; draw less"):
        copied.pipe(format="svg")


@pytest.mark.needs_dot
def test_a_budget_with_under_a_second_left_still_runs_dot():
    """kills render.x__time_left__mutmut_7 (``left <= 0.0`` -> ``<= 1.0``: refused early)."""
    with render.time_budget(0.9, "too slow"):
        assert b"<svg" in branching_graph().pipe(format="svg")
