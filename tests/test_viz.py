"""viz: DOT text, rendering through Graphviz with a time limit, size and shape guards, labels."""

import html
import math
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_cn import F, Value, viz
from micrograd_cn.cli import demo_graph  # 《梯度下降和反向传播》: (x + y) * z at x=-2, y=5, z=-4
from micrograd_cn.graph import graph_of, layout_work
from micrograd_cn.viz import (
    FONTS,
    HIGHLIGHT,
    GraphvizTimeoutError,
    StepThrough,
    draw_dot,
    export_html,
    op_text,
    step_frames,
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
    message = r"draw_dot expects a micrograd-style value \(with data, grad, _prev and _op\): float"
    with pytest.raises(TypeError, match=message + " has no attribute 'data'$"):
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
    assert 'bgcolor="white"' in node_line(source, "n0") and HIGHLIGHT not in node_line(source, "n2")
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


@pytest.mark.needs_dot
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


@pytest.mark.needs_dot
def test_jupyter_displays_inline_svg():
    f = demo_graph()
    f.backward()
    bundle = draw_dot(f)._repr_mimebundle_()
    assert "image/svg+xml" in bundle
    assert "data -12.0000" in html.unescape(bundle["image/svg+xml"])  # dot writes - as &#45;


def test_public_names_stay_importable_from_viz():
    from micrograd_cn import player

    assert (StepThrough, step_frames, export_html) == (
        player.StepThrough,
        player.step_frames,
        player.export_html,
    )
    assert FONTS.startswith("Noto Sans CJK SC") and issubclass(GraphvizTimeoutError, RuntimeError)


# ---------------------------------------------------------------- size and shape guards


def chain_of_distinct(n: int) -> Value:
    y = Value(1.0, label="x0")
    for i in range(1, n):
        y = y + Value(1.0, label=f"x{i}")
    return y


def reuse_chain(n: int, op) -> Value:
    """``x + x + …`` (or ``x * x * …``) with n terms: one variable feeding n - 1 ops."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(n - 1):
        y = op(y, x)
    return y


def test_draw_dot_refuses_a_big_graph_naming_its_size_and_the_keyword():
    big = chain_of_distinct(160)  # 160 inputs + 159 sums = 319 Values
    message = (
        r"draw_dot: the graph has 319 nodes, more than the limit of 300; pass max_nodes=319 "
        r"to draw all of them \(slow\), a smaller max_nodes to draw only the nodes nearest "
        r"the root, or collapse_inputs=3"
    )
    with pytest.raises(ValueError, match=message):
        draw_dot(big)
    everything = draw_dot(big, max_nodes=319).source
    assert len(re.findall(r"^\s*n\d+ \[", everything, re.M)) == 319
    assert "more nodes not shown" not in everything
    assert len(re.findall(r"^\s*n\d+ \[", draw_dot(big, max_nodes=20).source, re.M)) == 20
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None, got True"):
        draw_dot(big, max_nodes=True)


@pytest.mark.parametrize(
    ("op", "terms", "work"),
    [(lambda a, b: a + b, 200, 39402), (lambda a, b: a * b, 100, 9702)],
    ids=["x+x+… 200 terms", "x*x*… 100 terms"],
)
def test_one_variable_feeding_hundreds_of_ops_is_refused_at_once(op, terms, work):
    import time

    root = reuse_chain(terms, op)
    # the k-th op's result sits at rank 2k, x at rank 0: its edge crosses 2k - 2 ranks
    nodes, edges, crossed = layout_work(graph_of(root, "test"))
    assert (nodes, edges) == (2 * terms - 1, 3 * (terms - 1))
    assert crossed == sum(2 * k - 2 for k in range(1, terms)) == work
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"'x' is used {terms} times, layout work {work} > "):
        draw_dot(root)
    with pytest.raises(ValueError, match=r"draw less, e\.g\. max_nodes=40 .* F\.sum"):
        draw_dot(root, max_nodes=1000)
    # a step-through shows every node, so it never advises max_nodes to trim
    with pytest.raises(ValueError, match=r"step through a smaller expression, or .* F\.sum") as e:
        step_frames(root, max_nodes=1000)
    assert "max_nodes=40" not in str(e.value)
    assert time.perf_counter() - start < 1.0


@pytest.mark.needs_dot
def test_a_short_reuse_chain_and_a_long_chain_of_distinct_inputs_still_draw_quickly():
    import time

    start = time.perf_counter()
    svg = draw_dot(reuse_chain(15, lambda a, b: a + b)).pipe(format="svg", encoding="utf-8")
    assert "data 15.0000" in svg
    svg = draw_dot(chain_of_distinct(100)).pipe(format="svg", encoding="utf-8")
    assert "data 100.0000" in svg
    assert time.perf_counter() - start < 5.0


# ---------------------------------------------------------------- labels


def svg_texts(graph) -> list[str]:
    svg = graph.pipe(format="svg", encoding="utf-8")
    return [
        "".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    ]


@pytest.mark.needs_dot
@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("a\x00b", "a\\x00b"),  # NUL: dot would fail on it
        ("esc\x1b[31m", "esc\\x1b[31m"),  # ESC: terminal colour codes
        ("tab\tnew\nline", "tab\\x09new\\x0aline"),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),  # not encodable as UTF-8
        ("长" * 100_000, "长" * 39 + "…"),  # cut at LABEL_MAX characters
        (7, "7"),
        (2.5, "2.5"),
    ],
    ids=["NUL", "ESC", "tab-newline", "surrogate", "100k-long", "int", "float"],
)
def test_awkward_labels_are_drawn_readably(label, shown):
    x = Value(3.0)
    x.label = label
    assert viz.display_label(label) == shown
    texts = svg_texts(draw_dot(x * 2))
    assert shown in texts and "data 3.0000" in texts


def test_labels_that_are_not_text_get_a_clear_type_error():
    x = Value(3.0)
    x.label = b"bytes"
    with pytest.raises(
        TypeError, match=r"the label of node n0 must be a str, got bytes b'bytes' \(decode it"
    ):
        draw_dot(x * 2)
    x.label = ["a"]
    with pytest.raises(TypeError, match=r"the label of node n0 must be a str, got list \['a'\]"):
        step_frames(x * 2)


@pytest.mark.needs_dot
def test_hostile_label_renders_in_the_step_frames_too():
    a = Value(2.0, label='a|b{c}<d>"e"')
    b = Value(3.0, label="苹果 单价")
    frames = step_frames(a * b)
    texts = svg_texts(frames[-1])
    assert 'a|b{c}<d>"e"' in texts and "苹果 单价" in texts and "grad 3.0000" in texts


# ---------------------------------------------------------------- other Value classes


class OrderedSet:
    """A set-like _prev (not a sequence) that iterates in the order it was given."""

    def __init__(self, items):
        self.items = list(dict.fromkeys(items))

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items)


def test_a_learners_own_value_class_is_drawn_after_manual_backward_steps(lecture_value):
    a, b, k = lecture_value(2.0, label="a"), lecture_value(-3.0, label="b"), lecture_value(10.0)
    k.label = "k"
    c = a * b
    c.label = "c"
    d = c + k
    d.label = "d"
    d.grad = 1.0
    d._backward()  # the lecture's manual steps, then a picture
    c._backward()
    source = draw_dot(d).source
    expected = {"n0": ("a", "2.0000", "-3.0000"), "n1": ("b", "-3.0000", "2.0000"),
                "n2": ("c", "-6.0000", "1.0000"), "n3": ("k", "10.0000", "1.0000"),
                "n4": ("d", "4.0000", "1.0000")}  # fmt: skip
    for node_id, (label, data, grad) in expected.items():
        line = node_line(source, node_id)
        assert f"<b>{label}</b>" in line and f"data {data}<" in line and f"grad {grad}<" in line
    assert 'label="×"' in node_line(source, "n2op") and 'label="+"' in node_line(source, "n4op")
    assert set(edges(source)) == {("n0", "n2op"), ("n1", "n2op"), ("n2op", "n2"),
                                  ("n2", "n4op"), ("n3", "n4op"), ("n4op", "n4")}  # fmt: skip


def test_set_parents_are_drawn_in_the_same_order_whatever_order_the_set_iterates(lecture_value):
    def build(reverse: bool):
        x, y = lecture_value(1.0), lecture_value(2.0)  # unlabelled: ordered by their subgraphs
        u, w = x.exp(), y.tanh()
        out = u * w
        for node in (out,):
            parents = sorted(node._prev, key=lambda v: v._op, reverse=reverse)
            node._prev = OrderedSet(parents)
        return out

    first, second = draw_dot(build(False)).source, draw_dot(build(True)).source
    assert first == second
    names = re.findall(r"<font color=\"#999999\">(v\d)</font>", first)
    assert names == ["v1", "v2", "v3", "v4", "v5"]  # consecutive, in topological order


def test_micrograds_value_is_drawn_the_same_in_every_build():
    engine = pytest.importorskip("micrograd.engine")

    def build():
        x, w, b = engine.Value(-2.0), engine.Value(3.0), engine.Value(0.5)
        out = (x * w + b).relu() + x * x
        out.backward()
        return out

    sources = [draw_dot(build()).source for _ in range(5)]
    assert len(set(sources)) == 1
    source = sources[0]
    assert "label=ReLU" in source and source.count('label="×"') == 2
    assert "data 4.0000" in source and "grad 1.0000" in source  # (relu 0) + x² = 4


@pytest.mark.parametrize("missing", ["data", "grad", "_prev", "_op"])
def test_draw_dot_names_the_attribute_an_object_lacks(lecture_value, missing):
    a = lecture_value(1.0, label="a")
    root = a * 2.0
    delattr(a if missing != "_op" else root, missing)
    with pytest.raises(
        TypeError, match=rf"draw_dot expects .*: LectureValue has no attribute '{missing}'"
    ):
        draw_dot(root)
    a_leaf = lecture_value(1.0)
    del a_leaf._backward  # drawing does not step: no _backward needed
    assert "data 1.0000" in draw_dot(a_leaf).source


# ---------------------------------------------------------------- mutation audit (in-process)


def box_widths(source: str) -> dict:
    """{node id: the fixed width of its box's cells} from a DOT source."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'^\s*(n\d+) \[label=<<table.*?width="(\d+)"', source, re.M)
    }


def test_boxes_are_as_wide_as_their_widest_text_and_at_least_80_points():
    """kills viz.draw_dot widths: the 80-point floor (81.0 or dropped), the name at 12.5 pt
    (13.5 or dropped), the data/grad texts dropped; and ``size_note=note`` dropped.

    Text estimate 12·0.58·len + 4 (names 12.5·0.58·len + 4): "data -12.0000" 94.5 -> 94,
    "data -2.0000" 87.5 -> 88, "grad 1.0000" 80.6 -> 81, "data inf"/"grad nan" 59.7 (floor 80),
    the 15-letter name "long_label_name" 112.75 -> 113.
    """
    f = demo_graph()
    f.backward()
    dot = draw_dot(f)
    assert box_widths(dot.source) == {"n0": "88", "n1": "88", "n2": "88", "n3": "88", "n4": "94"}
    assert dot.size_note == "7 nodes, 6 edges"  # what a Graphviz timeout names: 5 boxes + 2 ops
    x, y = Value(math.inf, label="x"), Value(math.nan, label="long_label_name")
    f = x * y
    f.backward()  # x: data inf, grad nan; y: data nan, grad inf; f: data nan, grad 1.0000
    assert box_widths(draw_dot(f).source) == {"n0": "80", "n1": "113", "n2": "81"}


def test_collapse_inputs_folds_only_leaves_that_feed_nothing_else():
    """kills viz._visible: ``not parents[j] and consumers[j] == 1`` -> ``or``, ``consumers[j]
    += 1`` -> ``= 1``, ``len(own) > collapse_inputs`` -> ``>=`` (a "+0 inputs" note); viz.draw_dot:
    ``collapsed=collapsed`` dropped (folded inputs counted as nodes not shown)."""
    a, b, c, d = (Value(float(i), label=name) for i, name in enumerate("abcd", start=1))
    product = a * 2.0  # not a leaf: never folded
    product.label = "p"
    s = F.sum([product, b, c, d])
    out = s * b  # b feeds two ops: never folded either
    out.label = "out"
    source = draw_dot(out, collapse_inputs=1).source
    assert re.findall(r"<b>(\w+)</b>", source) == ["a", "p", "b", "c", "out"]
    assert "… +1 个输入 (inputs)" in source  # only d is folded: c is the one input kept
    assert not re.search(r"^\s*more -> ", source, re.M)  # folded, not "nodes not shown"
    exact = draw_dot(F.sum([a, b, c]), collapse_inputs=3).source
    assert re.findall(r"<b>(\w+)</b>", exact) == ["a", "b", "c"] and "个输入" not in exact


@pytest.mark.parametrize("bad", [0, -2, True, 1.5])
def test_collapse_inputs_must_be_a_positive_int(bad):
    """kills viz.draw_dot: ``check_positive("collapse_inputs", collapse_inputs)`` with the
    name or the value changed (None, "XXcollapse_inputsXX", upper case)."""
    with pytest.raises(ValueError) as error:
        draw_dot(demo_graph(), collapse_inputs=bad)
    assert str(error.value) == f"collapse_inputs must be a positive int or None, got {bad!r}"
