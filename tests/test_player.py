"""player: one layout for every step, the offline HTML player, StepThrough in Jupyter (Chromium)."""

import html
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_cn import Value
from micrograd_cn.autograd import topological_order
from micrograd_cn.cli import demo_graph  # 《梯度下降和反向传播》: (x + y) * z at x=-2, y=5, z=-4
from micrograd_cn.graph import BACKWARD_COLOR, FORWARD_COLOR, HIGHLIGHT
from micrograd_cn.player import STEP_LIMIT, _bounded, _json_for_script
from micrograd_cn.trace import fresh_record
from micrograd_cn.viz import StepThrough, export_html, step_frames

SVG = "{http://www.w3.org/2000/svg}"


def node_line(source: str, node_id: str) -> str:
    (line,) = [ln for ln in source.splitlines() if ln.strip().startswith(f"{node_id} [")]
    return line


def edges(source: str) -> dict:
    """{(tail, head): attribute text} for the first edge line of each pair in the DOT source."""
    found = {}
    for m in re.finditer(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M):
        attrs = re.sub(r"fontcolor=\S+", "", m.group(3) or "")  # keep only the line's color
        found.setdefault((m.group(1), m.group(2)), attrs)
    return found


def neuron(inputs: int = 3) -> Value:
    """tanh(Σ wᵢxᵢ + b) built from binary ops: 4·inputs + 2 Values (14 for 3 inputs)."""
    n = Value(0.1, label="b")
    for i in range(inputs):
        x, w = Value(0.5 * i - 0.4, label=f"x{i}"), Value(0.3 - 0.2 * i, label=f"w{i}")
        n = n + x * w
    o = n.tanh()
    o.label = "o"
    return o


def test_step_frames_forward_then_backward():
    f = demo_graph()
    frames = step_frames(f)
    assert len(frames) == 5 + 5  # forward nodes + backward nodes
    order = ["n0", "n1", "n2", "n3", "n4"]
    green, red = f'color="{FORWARD_COLOR}"', f'color="{BACKWARD_COLOR}"'
    # edge attributes: the colour of the line (fontcolor="…" is the label's)
    for k, frame in enumerate(frames[:5]):  # forward: values appear in topological order
        source = frame.source
        lit = [nid for nid in order if f'bgcolor="{HIGHLIGHT}"' in node_line(source, nid)]
        assert lit == [order[k]]
        shown = [nid for nid in order if "data ?" not in node_line(source, nid)]
        assert shown == order[: k + 1]
        assert source.count("grad ?") == 5
        assert "局部" not in source  # edge label slots are empty going forward
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
    q_back = edges(frames[7].source)  # q's gradient came from f = q * z: local z = -4, sends -4
    assert red in q_back[("n2", "n4op")] and red in q_back[("n4op", "n4")]
    assert "局部 z = -4</td>" in q_back[("n2", "n4op")] and "送回 -4</td>" in q_back[("n2", "n4op")]
    assert red not in q_back[("n3", "n4op")] and "局部" not in q_back[("n3", "n4op")]
    x_back = edges(frames[9].source)  # x from q = x + y: local 1, sends ∂f/∂q × 1 = -4
    assert "局部 1</td>" in x_back[("n0", "n2op")] and "送回 -4</td>" in x_back[("n0", "n2op")]
    assert "grad -4.0000" in node_line(frames[7].source, "n2")
    assert "grad 3.0000" in node_line(frames[6].source, "n3")
    assert "grad -4.0000" in node_line(frames[9].source, "n0")
    assert f.grad == 0.0  # stepping does not touch the graph's own gradients


def node_boxes(svg: str) -> dict:
    """{node id: every coordinate of its shapes} parsed from an SVG, plus the picture's size."""
    tree = ET.fromstring(svg)
    boxes = {"<svg>": (tree.get("width"), tree.get("height"), tree.get("viewBox"))}
    for group in tree.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title").text
            shapes = [
                (el.tag, el.get("points"), el.get("cx"), el.get("cy"), el.get("rx"))
                for el in group
                if el.tag in (f"{SVG}polygon", f"{SVG}ellipse")
            ]
            texts = [(t.get("x"), t.get("y")) for t in group.iter(f"{SVG}text")]
            boxes[title] = (shapes, texts)
    return boxes


@pytest.mark.needs_dot
@pytest.mark.parametrize("build", [demo_graph, neuron], ids=["demo", "neuron-14"])
def test_every_frame_has_the_same_node_positions(build):
    root = build()
    frames = step_frames(root)
    layouts = [node_boxes(frame.pipe(format="svg", encoding="utf-8")) for frame in frames]
    first = layouts[0]
    nodes = fresh_record(root).nodes
    assert len(first) == 1 + len(nodes) + sum(1 for v in nodes if v._prev)  # svg, boxes, ovals
    for k, layout in enumerate(layouts[1:], start=2):
        assert layout == first, f"frame {k} moved a node"


def test_step_through_captions_and_frames_come_from_the_trace():
    f = demo_graph()
    st = StepThrough(f)
    assert len(st) == 10 and st.captions == fresh_record(f).captions()
    assert st.captions[0] == "步 step 1/10 · 前向 Forward · x = -2"
    assert st.captions[4] == "步 step 5/10 · 前向 Forward · f = q × z = 3 × (-4) = -12"
    assert st[7].source == step_frames(f)[7].source  # indexing gives the frames
    assert "grad -4.0000" in node_line(st[7].source, "n2")


def test_a_step_through_runs_each_engine_closure_exactly_once():
    """The tracer reads local derivatives from the op rows: the only closure calls are the
    backward loop's, one per node; the graph's gradients are put back afterwards."""
    f = neuron(3)
    calls = {}
    for node in topological_order(f):
        if node._grad_fn is not None:
            closure = node._grad_fn

            def counted(g, closure=closure, node=node):
                calls[node] = calls.get(node, 0) + 1
                closure(g)

            node._grad_fn = counted
            calls[node] = 0
    grads_before = [v.grad for v in topological_order(f)]
    st = StepThrough(f)
    assert len(calls) == 7 and set(calls.values()) == {1}
    assert [v.grad for v in topological_order(f)] == grads_before
    assert len(st) == 28


def test_a_learners_value_class_steps_with_captions_from_its_own_closures(lecture_value):
    a, b = lecture_value(2.0, label="a"), lecture_value(-3.0, label="b")
    c = a * b
    c.label = "c"
    o = c.tanh()
    o.label = "o"
    st = StepThrough(o)
    local = 1 - math.tanh(-6.0) ** 2
    assert len(st) == 8 and st.captions[0] == "步 step 1/8 · 前向 Forward · a = 2"
    assert st.captions[5] == (
        f"步 step 6/8 · 反向 Backward · ∂o/∂c = ∂o/∂o × (1 − o²) = "
        f"1 × (1 − ({math.tanh(-6.0):.6g})²) = {local:.6g}"
    )
    assert st.captions[6].startswith("步 step 7/8 · 反向 Backward · ∂o/∂b = ∂o/∂c × a = ")
    assert (a.grad, b.grad, o.grad) == (0.0, 0.0, 0.0)  # the picture changed nothing
    frames = step_frames(o)
    assert len(frames) == 8 and "grad 2.0000" not in frames[-1].source  # local ≈ 2.5e-5


def test_micrograds_value_steps_and_names_the_missing_backward(lecture_value):
    engine = pytest.importorskip("micrograd.engine")
    x, w = engine.Value(-2.0), engine.Value(3.0)
    out = (x * w).relu() + x * x
    st = StepThrough(out)
    grads = {id(st.trace.nodes[s.index]): s.grad for s in st.trace.backward}
    out.backward()  # micrograd's own backward
    assert (grads[id(x)], grads[id(w)]) == (x.grad, w.grad) == (2 * -2.0, 0.0)
    lone = lecture_value(1.0) * 2.0
    del lone._backward
    message = (
        r"StepThrough expects .*_op and _backward\): LectureValue has no attribute '_backward'"
    )
    with pytest.raises(TypeError, match=message):
        StepThrough(lone)


def test_step_through_refuses_big_graphs_naming_the_keyword():
    big = neuron(30)  # 122 Values
    message = rf"StepThrough: the graph has 122 nodes, more than the limit of {STEP_LIMIT}; "
    with pytest.raises(ValueError, match=message + r"pass max_nodes=122 \(or more\)"):
        StepThrough(big)
    with pytest.raises(ValueError, match=r"step_frames: the graph has 122 nodes"):
        step_frames(big)
    with pytest.raises(ValueError, match=r"export_html: the graph has 122 nodes"):
        export_html(big, "unused.html")
    assert len(step_frames(big, max_nodes=122)) == 2 * 122
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None, got 0"):
        StepThrough(big, max_nodes=0)
    message = r"StepThrough expects a micrograd-style value \(.*\): int has no attribute 'data'"
    with pytest.raises(TypeError, match=message):
        StepThrough(3)


def test_embedded_json_cannot_end_the_script():
    """The line and paragraph separators U+2028/U+2029 end a line in older JavaScript: both are
    written as escapes.  kills player.x__json_for_script__mutmut_30/31 (U+2029 left as it is)."""
    label = "<!-- <script></script> & \u2028 \u2029"
    text = _json_for_script({"label": label})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert text.endswith(' \\u2028 \\u2029"}')
    assert json.loads(text) == {"label": label}


def script_of(page: str) -> str:
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    return script


@pytest.mark.needs_dot
def test_export_html_is_one_offline_picture_linear_in_the_graph(tmp_path):
    path = export_html(demo_graph(), tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and page.count("<script") == 1
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert "<script src" not in page and "<link" not in page and "url(" not in page
    assert 'class="mgp-next"' in page and "ArrowRight" in page and 'min="1" max="10"' in page
    call = re.search(r"currentScript, \"mgp-[0-9a-f]+\"\), (\{.*\}), true\)", script_of(page), re.S)
    data = json.loads(call.group(1))
    captions, whys = [s["caption"] for s in data["steps"]], [s["why"] for s in data["steps"]]
    assert captions[7].startswith("步 step 8/10 · 反向 Backward · ∂f/∂q")
    assert whys[0] == "输入（叶子节点）：它的值是给定的，不由别的节点算出。"
    assert data["nodes"][0]["formula"] == "x = -2" and data["nodes"][2]["name"] == "q"
    sizes = []
    for inputs in (6, 12):  # 26 and 50 Values
        export_html(neuron(inputs), tmp_path / "n.html")
        sizes.append((tmp_path / "n.html").stat().st_size)
    assert sizes[1] < 2.3 * sizes[0]  # twice the nodes, about twice the bytes (not 4x)


@pytest.mark.needs_dot
def test_repr_html_is_self_contained_with_unique_ids():
    st = StepThrough(demo_graph())
    first, second = st._repr_html_(), st._repr_html_()
    ids = [re.search(r'<div id="(mgp-[0-9a-f]+)"', page).group(1) for page in (first, second)]
    assert ids[0] != ids[1]
    for page in (first, second):
        assert "http://" not in page and "https://" not in page and "<script src" not in page
        assert not re.search(r'<g id="|<svg[^>]* id="', page)  # graphviz's ids would clash
    assert first.count("<svg") == 1


# ---------------------------------------------------------------- real browser (Chromium)


@pytest.fixture
def chromium(headless_chromium):
    with headless_chromium("--window-size=1000,900") as driver:
        yield driver


STATE = f"""
const root = arguments[0] ? document.getElementById(arguments[0]) : document.querySelector('.mgp');
const lit = [...root.querySelectorAll('g.node')].filter(g =>
    g.querySelector('polygon')?.getAttribute('fill') === '{HIGHLIGHT}');
const texts = [...root.querySelectorAll('g.node text')].map(t => t.textContent);
const labels = [...root.querySelectorAll('g.edge text')]
    .filter(t => t.style.visibility !== 'hidden').map(t => t.textContent);
return {{lit: lit.map(g => g.querySelector('title').textContent),
        caption: root.querySelector('.mgp-caption').textContent,
        why: root.querySelector('.mgp-why').textContent,
        counter: root.querySelector('.mgp-counter').textContent,
        slider: Number(root.querySelector('.mgp-slider').value), texts, labels}};
"""


def caption_step(caption: str) -> int:
    return int(re.match(r"步 step (\d+)/\d+ · ", caption).group(1))


@pytest.mark.needs_dot
def test_exported_player_steps_in_a_real_browser(tmp_path, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    f = demo_graph()
    captions = fresh_record(f).captions()
    chromium.get(export_html(f, tmp_path / "demo.html").as_uri())
    state = chromium.execute_script(STATE, None)
    assert state["lit"] == ["n0"] and state["caption"] == captions[0]
    assert state["counter"] == "1 / 10" and state["slider"] == 1
    assert "data -2.0000" in state["texts"] and state["texts"].count("data ?") == 4
    assert state["labels"] == []
    chromium.find_element(By.CLASS_NAME, "mgp-next").click()
    assert chromium.execute_script(STATE, None)["lit"] == ["n1"]
    body = chromium.find_element(By.TAG_NAME, "body")
    for _ in range(6):
        body.send_keys(Keys.ARROW_RIGHT)
    state = chromium.execute_script(STATE, None)
    assert state["lit"] == ["n2"] and state["counter"] == "8 / 10"
    assert state["caption"] == captions[7] and captions[7].startswith("步 step 8/10 · ")
    assert state["slider"] == caption_step(state["caption"]) == 8
    assert state["labels"] == ["局部 z = -4", "送回 -4"]  # the edge q -> × carries them
    assert state["why"] == fresh_record(f).backward[2].why != ""
    assert "grad -4.0000" in state["texts"] and state["texts"].count("grad ?") == 2  # x, y
    body.send_keys(Keys.ARROW_LEFT)
    chromium.find_element(By.CLASS_NAME, "mgp-prev").click()
    state = chromium.execute_script(STATE, None)
    assert state["lit"] == ["n4"] and state["slider"] == caption_step(state["caption"]) == 6
    # the slider moves the player, 1-based like the caption
    chromium.execute_script(
        "const s = document.querySelector('.mgp-slider'); s.value = '3';"
        "s.dispatchEvent(new Event('input'));"
    )
    state = chromium.execute_script(STATE, None)
    assert state["slider"] == caption_step(state["caption"]) == 3 and state["lit"] == ["n2"]


@pytest.mark.needs_dot
def test_clicking_a_node_shows_its_whole_chain_rule_sum(tmp_path, chromium):
    from selenium.webdriver.common.by import By

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a  # a is used twice: its gradient is the sum of two terms
    d.label = "d"
    tr = fresh_record(d)
    chromium.get(export_html(d, tmp_path / "reuse.html").as_uri())
    panel = chromium.find_element(By.CLASS_NAME, "mgp-panel")
    assert not panel.is_displayed()
    (node_a,) = [
        g
        for g in chromium.find_elements(By.CSS_SELECTOR, "g.node")
        if g.find_element(By.TAG_NAME, "title").get_attribute("textContent") == "n0"
    ]
    node_a.click()
    assert panel.is_displayed()
    text = panel.text
    a_step = next(s for s in tr.backward if s.name == "a")
    assert "节点 node a" in text and "前向 forward: a = 2" in text
    assert f"反向 backward: {a_step.caption}" in text
    terms = [li.text for li in panel.find_elements(By.TAG_NAME, "li")]
    assert terms == tr.term_lines(0) and len(terms) == 2  # one term per child, as in the caption
    assert [t.split(" = ")[-1] for t in terms] == ["1", "-3"]
    assert a_step.grad == 1 + (-3)
    # an op node opens its result's panel
    (op,) = [
        g
        for g in chromium.find_elements(By.CSS_SELECTOR, "g.node")
        if g.find_element(By.TAG_NAME, "title").get_attribute("textContent") == "n3op"
    ]
    op.click()
    assert "节点 node d" in panel.text and "根节点" in panel.text
    panel.find_element(By.CLASS_NAME, "mgp-close").click()
    assert not panel.is_displayed()


@pytest.mark.needs_dot
def test_play_advances_and_pauses(tmp_path, chromium):
    import time

    from selenium.webdriver.common.by import By

    chromium.get(export_html(demo_graph(), tmp_path / "demo.html").as_uri())
    play = chromium.find_element(By.CLASS_NAME, "mgp-play")
    play.click()
    assert "Pause" in play.text
    time.sleep(2.6)  # one step per 1.1 s
    play.click()
    state = chromium.execute_script(STATE, None)
    assert state["slider"] == caption_step(state["caption"]) >= 3 and "Play" in play.text
    time.sleep(1.3)
    assert chromium.execute_script(STATE, None)["slider"] == state["slider"]  # paused


@pytest.mark.needs_dot
def test_two_notebook_players_on_one_page_fit_a_900px_cell_and_do_not_clash(tmp_path, chromium):
    from selenium.webdriver.common.by import By

    fragments = [StepThrough(demo_graph())._repr_html_(), StepThrough(neuron())._repr_html_()]
    ids = [re.search(r'<div id="(mgp-[0-9a-f]+)"', f).group(1) for f in fragments]
    page = tmp_path / "notebook.html"
    cells = "".join(f'<div class="cell" style="width:900px">{f}</div>' for f in fragments)
    page.write_text(f'<!DOCTYPE html><meta charset="utf-8"><body>{cells}</body>', "utf-8")
    chromium.get(page.as_uri())
    second = chromium.find_element(By.ID, ids[1])
    second.find_element(By.CLASS_NAME, "mgp-next").click()
    second.find_element(By.CLASS_NAME, "mgp-next").click()
    assert chromium.execute_script(STATE, ids[0])["slider"] == 1
    assert chromium.execute_script(STATE, ids[1])["slider"] == 3
    widths = chromium.execute_script(
        "return [...document.querySelectorAll('.cell')].map(c => [c.scrollWidth, c.clientWidth,"
        " c.querySelector('svg').getBoundingClientRect().width])"
    )
    for scroll, client, svg in widths:  # 14 nodes in 900 px: scaled down, no scrollbar
        assert scroll <= client == 900 and svg <= 900


@pytest.mark.needs_dot
def test_a_label_that_opens_a_comment_or_a_script_does_not_blank_the_page(tmp_path, chromium):
    evil = Value(2.0, label="<!-- <script>")
    out = evil * 3
    out.label = "</script><b>"
    path = export_html(out, tmp_path / "evil.html")
    script = script_of(path.read_text(encoding="utf-8"))
    assert "<!--" not in script and "</script" not in script
    chromium.get(path.as_uri())
    state = chromium.execute_script(STATE, None)
    assert state["counter"] == "1 / 4" and "<!-- <script>" in state["texts"]
    assert state["caption"].startswith("步 step 1/4")


def test_without_graphviz_repr_html_still_lists_the_steps(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = StepThrough(demo_graph())._repr_html_()
    assert "apt-get install graphviz" in page and page.count("<li>") == 10
    assert html.escape("步 step 1/10 · 前向 Forward · x = -2") in page


@pytest.mark.needs_dot
def test_jupyter_shows_the_player_as_html_not_a_widget():
    formatters = pytest.importorskip("IPython.core.formatters")
    bundle, _ = formatters.DisplayFormatter().format(StepThrough(demo_graph()))
    page = bundle["text/html"]  # what nbconvert / nbviewer / VS Code keep in the notebook
    assert page.count("<svg") == 1 and 'class="mgp-slider" type="range" min="1" max="10"' in page
    assert "application/vnd.jupyter.widget-view+json" not in bundle


@pytest.mark.needs_dot
@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("n\x00ul\x1b", "n\\x00ul\\x1b"),
        ("lone \udcff", "lone \\udcff"),
        ("长" * 100_000, "长" * 39 + "…"),
    ],
    ids=["NUL-ESC", "surrogate", "100k-long"],
)
def test_awkward_labels_make_a_working_bounded_player(tmp_path, label, shown):
    a, b = Value(2.0, label=label), Value(3.0, label="b")
    path = export_html(a * b + a, tmp_path / "odd.html")
    page = path.read_text(encoding="utf-8")  # written as UTF-8: no lone surrogate left
    assert shown in page and "\x00" not in page and "\x1b" not in page
    assert len(page) < 40_000  # a 100,000-character label does not make a 100 kB page
    svgs = [frame.pipe(format="svg", encoding="utf-8") for frame in step_frames(a * b + a)]
    assert all(shown in svg for svg in svgs) and len(svgs) == 8


@pytest.mark.needs_dot
def test_the_player_starts_when_its_output_is_attached_later(tmp_path, chromium):
    """JupyterLab builds an output off-page, then attaches it: the script must find its own root."""
    fragment = StepThrough(demo_graph())._repr_html_()
    page = tmp_path / "late.html"
    page.write_text('<!DOCTYPE html><meta charset="utf-8"><body></body>', "utf-8")
    chromium.get(page.as_uri())
    chromium.execute_script(
        """const host = document.createElement('div');
        host.innerHTML = arguments[0];
        for (const old of host.querySelectorAll('script')) {  // as JupyterLab re-creates scripts
            const fresh = document.createElement('script');
            fresh.textContent = old.textContent;
            old.replaceWith(fresh);
        }
        document.body.appendChild(host);""",
        fragment,
    )
    state = chromium.execute_script(STATE, None)
    assert state["counter"] == "1 / 10" and state["lit"] == ["n0"]


# ---------------------------------------------------------------- a picture that holds still

EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u23e9-\u23fa\u25b6\u25c0\ufe0f]"
)


def tanh_neuron() -> Value:
    """tanh(a*b + c): 6 Values, 12 steps; its captions are the longest of the small graphs."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = a * b + c
    d.label = "d"
    o = d.tanh()
    o.label = "o"
    return o


def reused() -> Value:
    """a*a + a: the joined explanations of a's two uses are the longest caption here."""
    a = Value(3.0, label="a")
    f = a * a + a
    f.label = "f"
    return f


GRAPH_BOX = """const r = document.querySelector('.mgp-graph svg').getBoundingClientRect();
return [r.x, r.y, r.width, r.height];"""


@pytest.mark.needs_dot
@pytest.mark.parametrize("width", [800, 1280])
@pytest.mark.parametrize("build", [demo_graph, tanh_neuron, reused], ids=["demo", "tanh", "a*a+a"])
def test_the_graph_neither_moves_nor_rescales_between_steps_or_when_the_panel_opens(
    tmp_path, chromium, build, width
):
    chromium.set_window_size(width, 900)
    chromium.get(export_html(build(), tmp_path / "still.html").as_uri())
    steps = int(chromium.execute_script("return document.querySelector('.mgp-slider').max"))
    boxes = []
    for k in range(steps):
        chromium.execute_script(f"document.querySelector('.mgp').microgradPlayer.show({k})")
        boxes.append(chromium.execute_script(GRAPH_BOX))
    first = boxes[0]
    assert first[2] > 300 and first[3] > 50  # a real picture
    for k, box in enumerate(boxes, start=1):
        assert box == first, f"step {k} of {steps}: {box} != {first}"
    chromium.execute_script("document.querySelector('.mgp').microgradPlayer.openPanel(0)")
    assert chromium.find_element("css selector", ".mgp-panel").is_displayed()
    assert chromium.execute_script(GRAPH_BOX) == first


@pytest.mark.needs_dot
def test_a_long_caption_scrolls_inside_its_fixed_box(tmp_path, chromium):
    root = neuron(12)  # 50 Values: the last backward captions join many terms
    chromium.set_window_size(800, 900)
    chromium.get(export_html(root, tmp_path / "long.html").as_uri())
    heights = set()
    for k in range(
        int(chromium.execute_script("return document.querySelector('.mgp-slider').max"))
    ):
        chromium.execute_script(f"document.querySelector('.mgp').microgradPlayer.show({k})")
        heights.add(tuple(chromium.execute_script(
            "return ['.mgp-caption', '.mgp-why', '.mgp-graph svg'].map(s =>"
            " document.querySelector(s).getBoundingClientRect().top)")))  # fmt: skip
    assert len(heights) == 1


BACK_ARROWS = """
const out = [];
for (const g of document.querySelectorAll('g.edge')) {
  const back = g.querySelector('polygon.mgp-back');
  const head = g.querySelector('polygon:not(.mgp-back)');
  const d = g.querySelector('path').getAttribute('d').match(/-?[\\d.]+/g).map(Number);
  out.push({edge: g.querySelector('title').textContent,
            red: g.querySelector('path').getAttribute('stroke') === arguments[0],
            back: back && back.getAttribute('display') !== 'none',
            head: head.getAttribute('display') !== 'none',
            tip: back ? back.getAttribute('points').split(' ')[0].split(',').map(Number) : null,
            start: d.slice(0, 2), end: d.slice(-2)});
}
return out;
"""


@pytest.mark.needs_dot
def test_during_backward_the_edges_in_use_point_the_way_the_gradient_flows(tmp_path, chromium):
    chromium.get(export_html(demo_graph(), tmp_path / "arrows.html").as_uri())
    for k in range(10):
        chromium.execute_script(f"document.querySelector('.mgp').microgradPlayer.show({k})")
        edges = chromium.execute_script(BACK_ARROWS, BACKWARD_COLOR)
        red = [e for e in edges if e["red"]]
        if k < 5:  # forward: every arrowhead at its head end
            assert not red and all(e["head"] and not e["back"] for e in edges)
            continue
        for e in edges:
            assert (e["back"], e["head"]) == ((True, False) if e["red"] else (False, True)), e
        for e in red:  # the arrowhead's tip is where the edge leaves its tail node
            assert e["tip"] == pytest.approx(e["start"], abs=0.01)
            assert math.dist(e["tip"], e["start"]) < math.dist(e["tip"], e["end"])
    chromium.execute_script("document.querySelector('.mgp').microgradPlayer.show(7)")
    red = [e["edge"] for e in chromium.execute_script(BACK_ARROWS, BACKWARD_COLOR) if e["red"]]
    assert sorted(red) == ["n2->n4op", "n4op->n4"]  # q's gradient, from f = q × z


@pytest.mark.needs_dot
@pytest.mark.parametrize("build", [demo_graph, tanh_neuron, reused], ids=["demo", "tanh", "a*a+a"])
def test_the_player_has_no_emoji(tmp_path, build):
    page = export_html(build(), tmp_path / "plain.html").read_text(encoding="utf-8")
    fragment = StepThrough(build())._repr_html_()
    assert not EMOJI.search(page) and not EMOJI.search(fragment)
    assert "播放 Play" in page and "暂停 Pause" in page  # text buttons


@pytest.mark.needs_dot
@pytest.mark.parametrize("build", [demo_graph, tanh_neuron], ids=["demo", "tanh"])
def test_without_javascript_the_page_shows_the_final_state_consistently(tmp_path, build):
    """GitHub's notebook viewer runs no script: slider, step number and caption must agree."""
    page = export_html(build(), tmp_path / "static.html").read_text(encoding="utf-8")
    call = re.search(r"currentScript, \"mgp-[0-9a-f]+\"\), (\{.*\}), true\)", script_of(page), re.S)
    last = json.loads(call.group(1))["steps"][-1]
    n = len(json.loads(call.group(1))["steps"])
    slider = re.search(
        r'<input class="mgp-slider" type="range" min="1" max="(\d+)" value="(\d+)">', page
    )
    assert slider.groups() == (str(n), str(n))
    assert f'<span class="mgp-counter">{n} / {n}</span>' in page
    caption = re.search(r'<div class="mgp-caption">(.*?)</div>', page).group(1)
    assert html.unescape(caption) == last["caption"] and f"{n}/{n}" in last["caption"]
    why = re.search(r'<div class="mgp-why">(.*?)</div>', page).group(1)
    assert html.unescape(why) == last["why"] != ""


# ---------------------------------------------------------------- mutation audit (player)


@pytest.mark.needs_dot
def test_the_page_title_is_html_escaped(tmp_path):
    """Kills ``title=html.escape(...)`` -> ``title=clean_text(...)`` (markup injection through
    ``export_html(..., title=)``): the page's <title> and <h2> show the text, never run it."""
    title = '<script>alert(1)</script> & "q"'
    page = export_html(demo_graph(), tmp_path / "t.html", title=title).read_text(encoding="utf-8")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"
    assert f"<title>{escaped}</title>" in page and f"<h2>{escaped}</h2>" in page
    assert "<script>alert" not in page


def long_named_sum(terms: int = 7) -> Value:
    """f = Σ yk with yk = x · k and 40-character names: x's caption is far over 400 characters."""
    x = Value(2.0, label="x" * 40)
    f = None
    for k in range(1, terms + 1):
        y = x * float(k)
        y.label = f"{k}" + "y" * 39
        f = y if f is None else f + y
    f.label = "f" * 40
    return f


def player_data_of(page: str) -> dict:
    call = re.search(r"currentScript, \"mgp-[0-9a-f]+\"\), (\{.*\}), true\)", script_of(page), re.S)
    return json.loads(call.group(1))


@pytest.mark.needs_dot
def test_a_caption_over_400_characters_is_cut_with_an_ellipsis(tmp_path):
    """Kills ``_bounded`` losing its "…" (``text[: limit - 1] + "…"`` -> ``text[:limit]`` or
    ``+ ""``) and its limit moved by one: the page shows 399 characters of the caption and "…"."""
    root = long_named_sum()
    (full,) = [s.caption for s in fresh_record(root).backward if s.name == "x" * 40]
    assert len(full) > 401
    data = player_data_of(export_html(root, tmp_path / "cut.html").read_text(encoding="utf-8"))
    (x_node,) = [node for node in data["nodes"] if node["name"] == "x" * 40]
    assert x_node["sum"] == full[:399] + "…" and len(x_node["sum"]) == 400
    short = data["nodes"][-1]["sum"]  # the root's own caption is short: never cut
    assert short == f"∂{'f' * 40}/∂{'f' * 40} = 1"


@pytest.mark.parametrize(("length", "kept"), [(24, True), (25, False)])
def test_an_edge_formula_over_24_characters_is_dropped_for_its_number(length, kept):
    """Kills ``len(symbolic) > 24`` -> ``>= 24`` / ``> 25`` and the dropping made a no-op:
    a × b with b's name 24 characters long shows "局部 bbb… = 3"; 25 long, "局部 3" only."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b" * length)
    f = a * b
    f.label = "f"
    source = step_frames(f)[-1].source
    (edge,) = [line for line in source.splitlines() if line.strip().startswith("n0 -> n2op")]
    shown = f"局部 {'b' * length} = 3" if kept else "局部 3<"
    assert shown in edge and "送回 3<" in edge


# ---------------------------------------------------------------- mutation audit (in-process)


def slot(width: int, top: str = "", bottom: str = "") -> str:
    """The HTML-like label of an edge: two fixed cells, the same size whether filled or not."""
    cells = "".join(
        f'<tr><td fixedsize="true" width="{width}" height="12">{line}</td></tr>'
        for line in (top, bottom)
    )
    return f'<table border="0" cellborder="0" cellspacing="0" cellpadding="0">{cells}</table>'


def edge_lines(source: str) -> dict:
    """{"tail -> head": the whole attribute text} for every edge line of a DOT source."""
    found = {}
    for m in re.finditer(r"^\s*(\w+ -> \w+)(?: \[(.*)\])?$", source, re.M):
        found[m.group(1)] = m.group(2) or ""
    return found


def test_edge_label_slots_have_a_fixed_size_and_show_the_local_derivative_in_use():
    """kills player._Picture.__init__ (edge widths at 11 pt), edge_slot ("XXXX" in an empty
    slot, "XXXX".join), state ("XXfontcolorXX", "FONTSIZE", penwidth dropped or "XX2.4XX",
    size_note=None), _Picture.__init__ size_note=None.

    Widths are the labels' estimate at 11 pt, 11·(1.02·wide + 0.58·narrow) + 4:
    "局部 z = -4" (2 wide, 7 narrow) 71.1 -> 71; "局部 q = 3" 64.7 -> 65; "送回 -4" 45.6 -> 46.
    """
    frames = step_frames(demo_graph())
    red = f'color="{BACKWARD_COLOR}"'
    label_font = f'fontcolor="{BACKWARD_COLOR}" fontsize=11'
    # step 8: q's gradient arrives from f = q × z (local z = -4, sends -4)
    assert edge_lines(frames[7].source) == {
        "n2op -> n2": "",
        "n0 -> n2op": f"label=<{slot(46)}> {label_font}",
        "n1 -> n2op": f"label=<{slot(46)}> {label_font}",
        "n4op -> n4": f"{red} penwidth=2.4",
        "n2 -> n4op": f"label=<{slot(71, '局部 z = -4', '送回 -4')}> {red} {label_font} "
        "penwidth=2.4",
        "n3 -> n4op": f"label=<{slot(65)}> {label_font}",
    }
    green = f'color="{FORWARD_COLOR}" penwidth=2.4'
    forward = edge_lines(frames[2].source)  # step 3: q = x + y is computed
    assert forward["n2op -> n2"] == green
    assert forward["n0 -> n2op"] == (
        f'label=<{slot(46)}> color="{FORWARD_COLOR}" {label_font} penwidth=2.4'
    )
    assert forward["n2 -> n4op"] == f"label=<{slot(71)}> {label_font}"
    # what a Graphviz timeout names: 5 boxes + 2 ops, 6 edges
    assert {frame.size_note for frame in frames} == {"7 nodes, 6 edges"}


def box_widths(source: str) -> dict:
    """{node id: the fixed width of its box's cells} from a DOT source."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'^\s*(n\d+) \[label=<<table.*?width="(\d+)"', source, re.M)
    }


def test_boxes_are_as_wide_as_their_widest_text_and_at_least_80_points():
    """kills player._Picture.__init__ widths: the 80-point floor (81.0 or dropped), the name at
    12.5 pt (13.5 or dropped), the data or the grad text dropped.

    Text estimate 12·0.58·len + 4 (names 12.5·0.58·len + 4): "data -12.0000" 94.5 -> 94,
    "data -2.0000" 87.5 -> 88, "grad 1.0000" 80.6 -> 81, "data inf"/"grad nan" 59.7 (floor 80),
    the 15-letter name "long_label_name" 112.75 -> 113.
    """
    assert box_widths(step_frames(demo_graph())[0].source) == {
        "n0": "88",
        "n1": "88",  # data 5.0000 is 80.6, grad -4.0000 is 88
        "n2": "88",
        "n3": "88",
        "n4": "94",
    }
    x, y = Value(math.inf, label="x"), Value(math.nan, label="long_label_name")
    f = x * y
    f.label = "f"
    # x: data inf, grad nan; y: data nan, grad inf; f: data nan, grad 1.0000
    assert box_widths(step_frames(f)[-1].source) == {"n0": "80", "n1": "113", "n2": "81"}


def test_a_node_used_twice_gets_its_gradient_along_both_edges():
    """kills player._Picture._incoming: ``red += …`` -> ``red = …`` (only the last use in red).

    g = a·b + a: a's gradient arrives from the product (local b = 3) and the sum (local 1)."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    g = a * b + a
    g.label = "g"
    frames = step_frames(g)
    assert len(frames) == 8
    lines = edge_lines(frames[-1].source)  # the last step: a, the first input
    red = [
        edge
        for edge, attrs in lines.items()
        if re.search(rf'(^| )color="{BACKWARD_COLOR}"', attrs) and attrs.endswith("penwidth=2.4")
    ]
    assert sorted(red) == [
        "n0 -> n2op",
        "n0 -> n3op",
        "n2op -> n2",
        "n3op -> n3",
    ]
    assert "局部 b = 3" in lines["n0 -> n2op"] and "局部 1<" in lines["n0 -> n3op"]


@pytest.mark.needs_dot
def test_the_player_data_names_every_node_step_edge_and_colour(tmp_path):
    """kills player._Picture.player_data: every key renamed ("XXnameXX", "PARENTS", "EDGES",
    "XXforwardXX" …), the backward edges taken from the labelled slots (``[1]``), and
    StepThrough.html_fragment/export_html passing the data to the script.

    (x + y) · z at x = -2, y = 5, z = -4: ∂f/∂x = ∂f/∂y = z = -4, ∂f/∂z = x + y = 3.
    """
    f = demo_graph()
    page = export_html(f, tmp_path / "data.html").read_text(encoding="utf-8")
    data = player_data_of(page)
    tr = fresh_record(f)
    back = {s.index: s for s in tr.backward}
    expected_nodes = [
        ("x", "-2.0000", "-4.0000", [], "x = -2"),
        ("y", "5.0000", "-4.0000", [], "y = 5"),
        ("q", "3.0000", "-4.0000", [0, 1], "q = x + y = (-2) + 5 = 3"),
        ("z", "-4.0000", "3.0000", [], "z = -4"),
        ("f", "-12.0000", "1.0000", [2, 3], "f = q × z = 3 × (-4) = -12"),
    ]
    assert data["nodes"] == [
        {
            "name": name,
            "data": f"data {value}",
            "grad": f"grad {grad}",
            "parents": parents,
            "formula": formula,
            "sum": back[i].caption,
            "terms": tr.term_lines(i),
            "why": back[i].why,
        }
        for i, (name, value, grad, parents, formula) in enumerate(expected_nodes)
    ]
    assert [s["node"] for s in data["steps"]] == [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]
    assert [s["caption"] for s in data["steps"]] == tr.captions()
    assert [s["why"] for s in data["steps"]] == tr.whys()
    assert [s["edges"] for s in data["steps"]] == [
        [["n0op", "n0"]],  # a leaf: no op node, nothing to light up
        [["n1op", "n1"]],
        [["n2op", "n2"], ["n0", "n2op"], ["n1", "n2op"]],  # q = x + y: both inputs in green
        [["n3op", "n3"]],
        [["n4op", "n4"], ["n2", "n4op"], ["n3", "n4op"]],
        [],  # f's own gradient, 1: no edge brought it
        [["n4op", "n4"], ["n3", "n4op"]],  # z's gradient came through f = q × z
        [["n4op", "n4"], ["n2", "n4op"]],
        [["n2op", "n2"], ["n1", "n2op"]],
        [["n2op", "n2"], ["n0", "n2op"]],
    ]
    assert sorted(data["labels"]) == [
        ["n0", "n2op", 0],
        ["n1", "n2op", 1],
        ["n2", "n4op", 2],
        ["n3", "n4op", 3],
    ]
    assert (data["n"], data["forward"], data["backward"], data["highlight"]) == (
        5,
        FORWARD_COLOR,
        BACKWARD_COLOR,
        HIGHLIGHT,
    )
    assert set(data) == {"n", "nodes", "steps", "labels", "forward", "backward", "highlight"}


def test_bounded_keeps_400_characters_and_cuts_401_to_399_and_an_ellipsis():
    """kills player._bounded: ``len(text) <= limit`` -> ``<``, the slice ``text[: limit + 1]``
    -> ``text[: limit - 1]``: a 400-character caption is shown whole."""
    assert _bounded("长" * 400) == "长" * 400
    assert _bounded("长" * 401) == "长" * 399 + "…"
    assert _bounded("a\x00" * 300) == ("a\\x00" * 80)[:399] + "…"  # escapes count as shown


def test_script_json_keeps_chinese_readable():
    """kills player._json_for_script: ``ensure_ascii=False`` -> ``True`` (every Chinese
    character would be six bytes of \\uXXXX in the page)."""
    assert _json_for_script({"why": "乘法门 <b>"}) == '{"why": "乘法门 \\u003cb\\u003e"}'


def test_without_graphviz_repr_html_is_the_error_and_every_step_in_order(monkeypatch, tmp_path):
    """kills player.StepThrough._repr_html_: ``"".join`` -> ``"XXXX".join``."""
    monkeypatch.setenv("PATH", str(tmp_path))
    st = StepThrough(demo_graph())
    page = st._repr_html_()
    items = "".join(f"<li>{html.escape(c)}</li>" for c in st.captions)
    assert re.fullmatch(r"<p>[^<]*apt-get install graphviz[^<]*</p><ol>(.*)</ol>", page, re.S)
    assert page.endswith(f"</p><ol>{items}</ol>")


def test_export_html_passes_max_nodes_on(tmp_path):
    """kills player.export_html: ``max_nodes=max_nodes`` -> ``max_nodes=None``."""
    message = (
        r"^export_html: the graph has 5 nodes, more than the limit of 3; "
        r"pass max_nodes=5 \(or more\) to raise the limit$"
    )
    with pytest.raises(ValueError, match=message):
        export_html(demo_graph(), tmp_path / "refused.html", max_nodes=3)
    assert not (tmp_path / "refused.html").exists()


@pytest.mark.needs_dot
def test_the_html_fragment_scopes_its_style_and_starts_its_script(tmp_path):
    """kills player.StepThrough.html_fragment: the standalone flag (``"false"`` in a notebook,
    ``"true"`` on a page, default), the id cut at 12 hex digits, the style's ``#PLAYER``/FONTS
    placeholders; player._Picture.svg: the picture scaled to its natural width (pt · 4/3 px),
    every edge label shown in the picture, Graphviz's ids removed (not replaced by text that
    breaks the markup); export_html: the default title, the page's fonts.
    """
    from micrograd_cn.graph import FONTS

    f = demo_graph()
    fragment = StepThrough(f)._repr_html_()
    uid = re.match(r'<div id="(mgp-[0-9a-f]+)" class="mgp" tabindex="0"><style>', fragment)[1]
    assert len(uid) == len("mgp-") + 12
    (style,) = re.findall(r"<style>(.*?)</style>", fragment, re.S)
    assert style.startswith(f'#{uid} {{ font-family: "DejaVu Sans", Arial, {FONTS};')
    assert "#PLAYER" not in style and style.count(f"#{uid} ") > 10
    script = script_of(fragment)
    assert script.startswith("// micrograd_cn step-through player: one SVG")  # player.js
    assert "function microgradPlayer(root, D, standalone)" in script
    start = rf'\nmicrogradPlayer\(microgradRoot\(document\.currentScript, "{uid}"\), '
    assert re.search(start + r"\{.*\}, false\);$", script, re.S)
    # the picture: every label shown, scaled down to the cell but never above its natural size
    points = float(re.search(r'viewBox="0\.00 0\.00 ([\d.]+) ', fragment)[1])  # at scale 1
    assert f'<svg width="100%" style="max-width:{points * 4 / 3:.0f}px"' in fragment
    picture = ET.fromstring(re.search(r"<svg.*</svg>", fragment, re.S)[0])  # well-formed
    nodes = [g.find("title").text for g in picture.iter("g") if g.get("class") == "node"]
    assert sorted(nodes) == ["n0", "n1", "n2", "n2op", "n3", "n4", "n4op"]
    texts = ["".join(t.itertext()) for t in picture.iter("text")]
    assert {"局部 z = -4", "送回 -4", "局部 q = 3", "局部 1"} <= set(texts)
    page = export_html(f, tmp_path / "default.html").read_text(encoding="utf-8")
    assert "<title>计算图逐步演示 · step-through</title>" in page
    assert f'body {{ margin: 1.2em; font-family: "DejaVu Sans", Arial, {FONTS}; }}' in page
    assert re.search(r"\), \{.*\}, true\);</script></div>", page, re.S)


@pytest.mark.needs_dot
def test_the_page_is_read_and_written_as_utf8_whatever_the_locale(tmp_path, monkeypatch):
    """kills player._asset and player.export_html: ``encoding="utf-8"`` -> ``encoding=None``
    (the locale's encoding: cp936 on a Chinese Windows; simulated here with latin-1)."""
    import io

    real = io.text_encoding
    monkeypatch.setattr(io, "text_encoding", lambda encoding, *a: real(encoding or "latin-1"))
    path = export_html(demo_graph(), tmp_path / "utf8.html")
    page = path.read_bytes().decode("utf-8")
    assert "<title>计算图逐步演示 · step-through</title>" in page
    assert "暂停 Pause" in script_of(page)  # the player's own script, read from player.js


@pytest.mark.needs_dot
def test_export_html_lays_the_graph_out_in_the_direction_asked(tmp_path):
    """A chain drawn left to right is wider than tall; top to bottom, taller than wide.

    kills player.x_export_html__mutmut_11 (``rankdir`` not passed on: always left to right)."""

    def svg_size(page: str) -> tuple[float, float]:
        found = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', page)
        return float(found[1]), float(found[2])

    def page(tmp_path, rankdir):
        x = Value(0.5, label="x")
        root = ((x * 2.0).tanh() + 1.0).exp()  # a chain of five ops
        return export_html(root, tmp_path / f"{rankdir}.html", rankdir=rankdir).read_text("utf-8")

    width, height = svg_size(page(tmp_path, "LR"))
    assert width > height
    width, height = svg_size(page(tmp_path, "TB"))
    assert height > width
