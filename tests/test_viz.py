"""viz: DOT text, rendering through Graphviz, step-through frames, HTML export (in Chromium)."""

import html
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest

from micrograd_cn import F, Value, viz
from micrograd_cn.cli import demo_graph  # seed 002: (x + y) * z at x=-2, y=5, z=-4
from micrograd_cn.viz import (
    BACKWARD_COLOR,
    FORWARD_COLOR,
    HIGHLIGHT,
    GraphvizNotFoundError,
    StepThrough,
    draw_dot,
    export_html,
    op_text,
    step_frames,
)

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' missing: apt-get install graphviz"
)


def node_line(source: str, node_id: str) -> str:
    (line,) = [ln for ln in source.splitlines() if ln.strip().startswith(f"{node_id} [")]
    return line


def edges(source: str) -> dict:
    """{(tail, head): attribute text} for every edge line of the DOT source."""
    found = {}
    for m in re.finditer(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M):
        found.setdefault((m.group(1), m.group(2)), m.group(3) or "")
    return found


def test_dot_text_has_every_label_value_and_gradient():
    f = demo_graph()
    f.backward()
    source = draw_dot(f).source
    # node ids follow the topological order x, y, q, z, f
    expected = {
        "n0": ("x", "-2.0000", "-4.0000"),
        "n1": ("y", "5.0000", "-4.0000"),
        "n2": ("q", "3.0000", "-4.0000"),
        "n3": ("z", "-4.0000", "3.0000"),
        "n4": ("f", "-12.0000", "1.0000"),
    }
    for node_id, (label, data, grad) in expected.items():
        line = node_line(source, node_id)
        assert f"<b>{label}</b>" in line
        assert f"data {data}<" in line and f"grad {grad}<" in line
        assert "shape=plain" in line  # HTML-like table, not a record label
    assert 'label="+"' in node_line(source, "n2op") and 'label="×"' in node_line(source, "n4op")
    assert set(edges(source)) == {
        ("n0", "n2op"),
        ("n1", "n2op"),
        ("n2op", "n2"),
        ("n2", "n4op"),
        ("n3", "n4op"),
        ("n4op", "n4"),
    }
    for kind in ("graph", "node", "edge"):
        assert re.search(rf'{kind} \[.*fontname="Noto Sans CJK SC,PingFang SC', source)


def test_ids_are_stable_and_show_grad_false_drops_gradients():
    first, second = draw_dot(demo_graph()).source, draw_dot(demo_graph()).source
    assert first == second  # ids do not depend on id()
    assert "grad" not in draw_dot(demo_graph(), show_grad=False).source
    assert "rankdir=TB" in draw_dot(demo_graph(), rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT, got 'up'"):
        draw_dot(demo_graph(), rankdir="up")
    with pytest.raises(TypeError, match="draw_dot expects a Value, got float"):
        draw_dot(1.0)


def test_constants_are_shown_on_the_op_node():
    x = Value(3.0, label="x")
    assert [op_text(x * 2.0), op_text(x + 0.5), op_text(-x), op_text(x / 4.0)] == [
        "×2",
        "+0.5",
        "×(-1)",
        "×0.25",
    ]
    assert op_text(x ** (-1)) == "^-1" and op_text(x.tanh()) == "tanh"
    assert op_text(F.sum([x, x])) == "Σ" and op_text(x.sigmoid()) == "σ"
    source = draw_dot((x * 2.0).relu()).source
    assert 'label="×2"' in source and "label=ReLU" in source


def test_labels_are_html_escaped():
    a = Value(1.0, label='a|b{c}<d>"e"&')
    source = draw_dot(a * 2).source
    assert "a|b{c}&lt;d&gt;&quot;e&quot;&amp;" in source
    assert '<d>"e"' not in source


def test_highlight_fills_only_the_given_nodes():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    out = x * y
    source = draw_dot(out, highlight=[y]).source
    assert f'bgcolor="{HIGHLIGHT}"' in node_line(source, "n1")
    assert "bgcolor" not in node_line(source, "n0") + node_line(source, "n2")
    assert f'bgcolor="{HIGHLIGHT}"' in node_line(draw_dot(out, highlight=out).source, "n2")
    with pytest.raises(TypeError, match="highlight must be a Value or Values, got str"):
        draw_dot(out, highlight=["x"])


def test_max_nodes_keeps_the_nodes_nearest_the_root_with_a_note():
    y = Value(1.0, label="x0")
    for _ in range(29):
        y = y * 1.5
    source = draw_dot(y, max_nodes=5).source
    value_nodes = re.findall(r"^\s*(n\d+) \[", source, re.M)
    assert value_nodes == ["n25", "n26", "n27", "n28", "n29"]
    assert "25 more nodes not shown" in source and "显示 5/30 个节点" in source
    assert ("more", "n25op") in edges(source)
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None, got 0"):
        draw_dot(y, max_nodes=0)


def test_collapse_inputs_folds_the_leaf_inputs_of_nary_nodes():
    xs = [Value(float(i), label=f"x{i}") for i in range(20)]
    total = F.sum(xs)
    source = draw_dot(total, collapse_inputs=3).source
    assert [lbl for lbl in re.findall(r"<b>(x\d+)</b>", source)] == ["x0", "x1", "x2"]
    assert "… +17 个输入 (inputs)" in source
    assert ("n20more", "n20op") in edges(source)
    assert "data 190.0000" in source  # the sum itself is still shown


@needs_dot
def test_hostile_and_chinese_labels_render_intact_through_dot():
    hostile, apple = Value(100.0, label='a|b{c}<d>"e"'), Value(2.0, label="苹果 单价")
    total = hostile * apple * 1.1
    total.label = "总价 (含税)"
    total.backward()
    svg = draw_dot(total).pipe(format="svg", encoding="utf-8")
    texts = [
        "".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    ]
    assert 'a|b{c}<d>"e"' in texts
    assert "苹果 单价" in texts  # the space survives (record labels lose it on Graphviz 2.42)
    assert "总价 (含税)" in texts
    assert "data 220.0000" in texts and "grad 2.2000" in texts and "grad 110.0000" in texts
    assert "×1.1" in texts
    assert "Noto Sans CJK SC" in svg


@needs_dot
def test_jupyter_displays_inline_svg():
    f = demo_graph()
    f.backward()
    bundle = draw_dot(f)._repr_mimebundle_()
    assert "image/svg+xml" in bundle
    assert "data -12.0000" in html.unescape(bundle["image/svg+xml"])  # dot writes - as &#45;


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
    monkeypatch.setattr(viz, "_digraph_class", None)
    with pytest.raises(ImportError, match=r"pip install micrograd_cn\[viz\]"):
        draw_dot(demo_graph())


def test_step_frames_forward_then_backward():
    f = demo_graph()
    frames = step_frames(f)
    assert len(frames) == 5 + 5  # forward nodes + backward nodes
    order = ["n0", "n1", "n2", "n3", "n4"]
    green, red = f'color="{FORWARD_COLOR}"', f'color="{BACKWARD_COLOR}"'
    for k, frame in enumerate(frames[:5]):  # forward: values appear in topological order
        source = frame.source
        lit = [nid for nid in order if f'bgcolor="{HIGHLIGHT}"' in node_line(source, nid)]
        assert lit == [order[k]]
        shown = [nid for nid in order if "data ?" not in node_line(source, nid)]
        assert shown == order[: k + 1]
        assert source.count("grad ?") == 5
    q_edges = edges(frames[2].source)
    assert green in q_edges[("n0", "n2op")] and green in q_edges[("n2op", "n2")]
    assert green not in q_edges[("n3", "n4op")]
    revealed = []
    for k, frame in enumerate(frames[5:]):  # backward: gradients appear in reverse order
        source = frame.source
        current = order[4 - k]
        assert [n for n in order if f'bgcolor="{HIGHLIGHT}"' in node_line(source, n)] == [current]
        revealed.append(current)
        assert [n for n in order if "grad ?" not in node_line(source, n)] == sorted(revealed)
        assert "data ?" not in source
    q_back = edges(frames[7].source)  # q's gradient came from f = q * z: -4 along q -> ×
    assert red in q_back[("n2", "n4op")] and "label=-4" in q_back[("n2", "n4op")]
    assert red in q_back[("n4op", "n4")] and red not in q_back[("n3", "n4op")]
    assert "grad -4.0000" in node_line(frames[7].source, "n2")
    assert "grad 3.0000" in node_line(frames[6].source, "n3")
    assert "grad -4.0000" in node_line(frames[9].source, "n0")
    assert f.grad == 0.0  # stepping does not touch the graph's own gradients


def test_step_through_static_list_and_widget():
    st = StepThrough(demo_graph())
    assert len(st) == 10
    assert st.captions[0] == "前向 Forward 1/5 · x = -2"
    assert st.captions[4] == "前向 Forward 5/5 · f = q × z = 3 × (-4) = -12"
    assert st.captions[7] == "反向 Backward 3/5 · ∂f/∂q = z = -4"
    assert st.captions[9] == "反向 Backward 5/5 · ∂f/∂x = ∂f/∂q·1 = (-4)×1 = -4"
    if shutil.which("dot") is None:
        return
    page = st._repr_html_()
    assert page.count("<svg") == 10 and "∂f/∂q = z = -4" in page
    pytest.importorskip("ipywidgets")
    box = st.widget()
    slider, caption, picture = box.children
    assert slider.max == 9 and "x = -2" in caption.value
    slider.value = 7
    assert "∂f/∂q = z = -4" in caption.value and "grad -4.0000" in html.unescape(picture.value)


@needs_dot
def test_export_html_is_self_contained(tmp_path):
    path = export_html(demo_graph(), tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.count('<div class="frame"') == 10 and page.count("<svg") == 10
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page and "<link" not in page
    assert "∂f/∂q = z = -4" in page and 'id="next"' in page and "ArrowRight" in page


# ---------------------------------------------------------------- real browser (Chromium)


@pytest.fixture
def chromium():
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} missing: apt-get install chromium chromium-driver to run it")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            yield driver
        finally:
            driver.quit()


HIGHLIGHTED_NODE = f"""
const frames = [...document.querySelectorAll('.frame')].filter(f => !f.hidden);
const fill = frames[0].querySelector('g.node polygon[fill="{HIGHLIGHT}"]');
return [frames.length, fill.closest('g.node').querySelector('title').textContent,
        document.getElementById('caption').textContent,
        document.getElementById('counter').textContent];
"""


@needs_dot
def test_exported_html_steps_in_a_real_browser(tmp_path, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = export_html(demo_graph(), tmp_path / "demo.html")
    chromium.get(path.as_uri())
    assert chromium.execute_script(HIGHLIGHTED_NODE) == [
        1,
        "n0",
        "前向 Forward 1/5 · x = -2",
        "1 / 10",
    ]
    chromium.find_element(By.ID, "next").click()
    assert chromium.execute_script(HIGHLIGHTED_NODE) == [
        1,
        "n1",
        "前向 Forward 2/5 · y = 5",
        "2 / 10",
    ]
    body = chromium.find_element(By.TAG_NAME, "body")
    for _ in range(6):
        body.send_keys(Keys.ARROW_RIGHT)
    visible, node, caption, counter = chromium.execute_script(HIGHLIGHTED_NODE)
    assert (visible, node, counter) == (1, "n2", "8 / 10")
    assert caption == "反向 Backward 3/5 · ∂f/∂q = z = -4"
    body.send_keys(Keys.ARROW_LEFT)
    chromium.find_element(By.ID, "prev").click()
    assert chromium.execute_script(HIGHLIGHTED_NODE)[1:] == [
        "n4",
        "反向 Backward 1/5 · ∂f/∂f = 1",
        "6 / 10",
    ]
    chromium.find_element(By.ID, "prev").click()
    assert chromium.execute_script(HIGHLIGHTED_NODE)[1:] == [
        "n4",
        "前向 Forward 5/5 · f = q × z = 3 × (-4) = -12",
        "5 / 10",
    ]
    svg_text = chromium.execute_script(
        "return [...document.querySelectorAll('.frame')].filter(f => !f.hidden)[0].textContent"
    )
    assert "data -12.0000" in svg_text and "grad ?" in svg_text
