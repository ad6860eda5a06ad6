"""graph: any micrograd-style object's nodes in a stable order; errors name what is missing."""

import re

import pytest

from micrograd_cn import Value
from micrograd_cn.graph import _value_label, build_graph, check_positive, graph_of, layout_work


class OrderedSet:
    """A set-like ``_prev`` (not a sequence) that iterates in the order it was given."""

    def __init__(self, items):
        self.items = list(dict.fromkeys(items))

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_a_value_graph_in_topological_order_with_its_names_and_parent_indices():
    a = Value(2.0, label="a")
    b = a * 3.0
    c = b + a
    c.label = "c"
    g = graph_of(c, "test")
    assert g.nodes == [a, b, c] and len(g) == 3
    assert g.parents == [(), (0,), (1, 0)] and g.ordered_parents(2) == [b, a]
    assert g.names == ["a", "v1", "c"] and g.labelled == [True, False, True]
    square = a * a
    assert graph_of(square, "test").parents == [(), (0, 0)]  # both uses of a kept


def test_set_parents_get_one_order_whatever_order_the_set_iterates(lecture_value):
    def build(reverse: bool):
        x, y, z = lecture_value(1.0), lecture_value(2.0, label="b"), lecture_value(3.0)
        z.label = "a"
        u, w = x.exp(), x.tanh()  # unlabelled: ordered by a digest of their subgraphs
        top = u * w
        mid = top + y
        out = mid * z
        for node in (top, mid, out):
            node._prev = OrderedSet(sorted(node._prev, key=id, reverse=reverse))
        return out

    first, second = graph_of(build(False), "test"), graph_of(build(True), "test")
    assert first.parents == second.parents and first.names == second.names
    assert [n._op for n in first.nodes] == [n._op for n in second.nodes]
    labels = [p.label for p in first.ordered_parents(len(first) - 1)]
    assert labels == ["", "a"]  # by label: the unlabelled product before "a"


def test_sequences_keep_their_order_and_sets_of_labelled_parents_go_by_label(lecture_value):
    a, b = lecture_value(1.0, label="b"), lecture_value(2.0, label="a")
    product = a * b  # its _prev is a set {a, b}
    g = graph_of(product, "test")
    assert [v.label for v in g.nodes] == ["a", "b", ""] and g.names[-1] == "v1"
    tuple_based = Value(2.0, (Value(1.0, label="z"), Value(1.0, label="y")), "*")
    assert [v.label for v in graph_of(tuple_based, "test").nodes] == ["z", "y", ""]


def test_a_learners_tuple_parents_keep_their_order_next_to_set_parents(lecture_value):
    """A learner's ``_prev`` that is a tuple keeps the order written, even when other nodes of
    the graph have sets (which are sorted by label: "" before "a").  Kills
    ``_stable_parents``'s tuple read as a set (__mutmut_16 ``prev = None``, __mutmut_17/18
    ``found = None``), ``tuple(None)`` (__mutmut_20), and every node sorted once one node has a
    set (__mutmut_47)."""
    z, y = lecture_value(1.0, label="z"), lecture_value(2.0, label="y")
    pair = z + y
    pair._prev = (z, y)  # a sequence: its order is the learner's
    alone = graph_of(pair, "test")
    assert [v.label for v in alone.nodes] == ["z", "y", ""] and alone.parents == [(), (), (0, 1)]
    top = pair * lecture_value(4.0, label="a")  # a set {pair, a}
    g = graph_of(top, "test")
    assert [v.label for v in g.nodes] == ["z", "y", "", "a", ""]
    assert g.parents == [(), (), (0, 1), (), (2, 3)] and g.names == ["z", "y", "v1", "a", "v2"]


def test_set_parents_that_differ_only_in_their_op_or_in_a_deeper_label_get_one_order(
    lecture_value,
):
    """x + y and x · y at x = y = 2 are both 4 with the same parents: only the op tells them
    apart; exp(a) and exp(b) at a = b = 0.5 differ only in their inputs' labels.  The digest
    must see both, or the two parents tie and come out in the set's iteration order.  Kills
    ``_digest``'s op left out (__mutmut_4 ``str(None)``) and label left out (__mutmut_5
    ``str(None)``, __mutmut_6 ``label_of(None)``)."""

    def build(reverse: bool):
        x, y = lecture_value(2.0, label="x"), lecture_value(2.0, label="y")
        a, b = lecture_value(0.5, label="a"), lecture_value(0.5, label="b")
        plus, times, ea, eb = x + y, x * y, a.exp(), b.exp()
        assert plus.data == times.data == 4.0 and ea.data == eb.data
        left, right = plus * times, ea * eb
        out = left + right
        for node in (left, right, out):
            node._prev = OrderedSet(sorted(node._prev, key=id, reverse=reverse))
        return out

    first, second = graph_of(build(False), "test"), graph_of(build(True), "test")
    assert first.parents == second.parents
    shown = [[(v._op, v.label) for v in g.nodes] for g in (first, second)]
    assert shown[0] == shown[1]
    assert {shown[0][i][0] for i in first.parents[-1]} == {"*"}  # out = left + right


def test_a_label_with_a_lone_surrogate_is_digested_and_named_escaped(lecture_value):
    """A label read from a badly decoded file can hold a lone surrogate (U+DCFF); the digest
    encodes it with backslashreplace instead of failing.  Kills ``_digest``'s encode without
    an error handler (__mutmut_16: UnicodeEncodeError) and with a misspelled one (__mutmut_19
    "XXbackslashreplaceXX", __mutmut_20 "BACKSLASHREPLACE": LookupError)."""
    x, y = lecture_value(1.0, label="x\udcff"), lecture_value(2.0)
    g = graph_of(x * y, "test")  # a set {x, y}: "" sorts before "x\udcff"
    assert g.names == ["v1", "x\\udcff", "v2"] and g.nodes[1] is x


def test_micrograds_graph_has_no_labels_and_is_named_v1_v2(lecture_value):
    engine = pytest.importorskip("micrograd.engine")
    x, w = engine.Value(2.0), engine.Value(-1.0)
    g = graph_of((x * w).relu(), "test")
    assert g.names == ["v1", "v2", "v3", "v4"] and g.labelled == [False] * 4
    assert {id(g.nodes[0]), id(g.nodes[1])} == {id(x), id(w)}


@pytest.mark.parametrize("missing", ["data", "grad", "_prev", "_op"])
def test_an_object_missing_an_attribute_is_named(lecture_value, missing):
    inner = lecture_value(1.0, label="a")
    root = inner + 2.0
    delattr(inner, missing)
    message = (
        rf"draw_dot expects a micrograd-style value \(with data, grad, _prev and _op\): "
        rf"LectureValue has no attribute '{missing}'"
    )
    with pytest.raises(TypeError, match=message):
        graph_of(root, "draw_dot")
    with pytest.raises(TypeError, match=r"expects a micrograd-style value .*: int has no .*'data'"):
        graph_of(3, "draw_dot")


def test_stepping_needs_backward_too(lecture_value):
    root = lecture_value(1.0) + 2.0
    del root._backward
    assert graph_of(root, "draw_dot").names == ["v1", "v2", "v3"]
    message = r"StepThrough expects .*\(with data, grad, _prev, _op and _backward\): .*'_backward'"
    with pytest.raises(TypeError, match=message):
        graph_of(root, "StepThrough", stepping=True)


def test_layout_work_counts_the_ranks_edges_cross():
    x = Value(1.0, label="x")
    y = x
    for _ in range(4):
        y = y + x  # x at rank 0; the k-th sum at rank 2k: its edge from x crosses 2k - 2 ranks
    assert layout_work(graph_of(y, "test")) == (9, 12, 0 + 2 + 4 + 6)


def test_layout_work_moves_each_input_next_to_its_first_use_and_nothing_else():
    """x → exp → exp → exp (ranks 0, 2, 4, 6) plus a = y · w (rank 2), out = c3 + a (rank 8),
    final = out · z (rank 10).  Inputs sit just before their first use (z at 8, not 0); a is
    an op result and stays at rank 2, so only its edge to out's op (rank 7) crosses ranks
    3–6: work 4.  16 boxes and ovals (10 values, 6 ops), 15 edges (9 from parents, 6 from
    ovals).  Kills in ``layout_work``: no input moved (__mutmut_22 ``i not in keep``,
    __mutmut_24 ``j not in keep``: 12), op results moved too (__mutmut_23 ``or``: 8), and
    op results moved instead of inputs (__mutmut_25: 16).  Drawing only out, z and final:
    3 boxes and 2 ovals, 4 edges, work 0 (kills ``keep`` ignored, __mutmut_4)."""
    x, y, w, z = (Value(v, label=n) for v, n in [(0.1, "x"), (2.0, "y"), (3.0, "w"), (4.0, "z")])
    c3 = x.exp().exp().exp()
    a = y * w
    out = c3 + a
    final = out * z
    g = graph_of(final, "test")
    assert layout_work(g) == (16, 15, 4)
    near_root = {i for i, v in enumerate(g.nodes) if any(v is u for u in (out, z, final))}
    assert len(near_root) == 3 and layout_work(g, near_root) == (5, 4, 0)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3"])
def test_check_positive_refuses_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match=rf"max_nodes must be a positive int or None, got {bad!r}"):
        check_positive("max_nodes", bad)
    check_positive("max_nodes", None)
    check_positive("max_nodes", 1)


def test_a_node_inside_the_graph_without_backward_is_named_when_stepping(lecture_value):
    """Every node is checked, not only the root.  Kills ``graph_of`` passing ``stepping=None``
    to ``_stable_parents`` (__mutmut_21: an inner node without ``_backward`` let through)."""
    inner = lecture_value(1.0, label="a")
    root = inner * 2.0
    del inner._backward
    assert graph_of(root, "draw_dot").names == ["v1", "a", "v2"]  # drawing needs no _backward
    message = r"StepThrough expects .*_backward\): LectureValue has no attribute '_backward'$"
    with pytest.raises(TypeError, match=message):
        graph_of(root, "StepThrough", stepping=True)


def test_a_value_whose_grad_was_deleted_is_refused_naming_grad():
    """``del x.grad`` (a learner "resetting" a gradient) leaves a Value the drawing cannot show.
    Kills ``graph_of``'s root check ``missing = None`` (__mutmut_2: the Value was let through
    and only the drawing failed later, with an AttributeError)."""
    x = Value(1.0, label="x")
    del x.grad
    message = (
        r"^draw_dot expects a micrograd-style value \(with data, grad, _prev and _op\): "
        r"Value has no attribute 'grad'$"
    )
    with pytest.raises(TypeError, match=message):
        graph_of(x, "draw_dot")


@pytest.mark.needs_dot
def test_rankdir_rl_is_accepted_and_draws_right_to_left():
    """kills graph.x__new_graph__mutmut_7, 8: "RL" -> "XXRLXX" / "rl" in the accepted set."""
    a = Value(2.0, label="a")
    f = a.tanh()
    f.label = "f"
    g = graph_of(f, "test")
    dot = build_graph(g, [2.0, f.data], [None, None], rankdir="RL")
    assert "rankdir=RL" in dot.source
    svg = dot.pipe(format="svg", encoding="utf-8")
    found = re.finditer(r"<title>(n\d)</title>[^<]*<polygon[^>]* points=\"([-\d.]+),", svg)
    x = {m[1]: float(m[2]) for m in found}
    assert x["n1"] < x["n0"], "the output f is left of its input a"


def test_a_value_label_with_and_without_a_width():
    """kills graph.x__value_label__mutmut_3, 4 (no width: the fixed size always / "XXXX")
    and 24 (rows joined with "XXXX")."""
    cells = (
        '<tr><td align="left"{s}><b>a</b></td></tr>'
        '<tr><td align="left"{s}><font color="#1b6e30">data 2.0000</font></td></tr>'
        '<tr><td align="left"{s}><font color="#a31515">grad ?</font></td></tr>'
    )
    head = '<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="white">'
    for width in (None, 0):
        assert _value_label("a", True, 2.0, None, True, None, width) == (
            head + cells.format(s="") + "</table>>"
        )
    sized = ' fixedsize="true" width="90" height="18"'
    assert _value_label("a", True, 2.0, None, True, None, 90.4) == (
        head + cells.format(s=sized) + "</table>>"
    )


def test_the_drawing_s_look_is_set_once_in_its_dot_source():
    """The look every picture shares: CJK fonts, tight spacing (nodesep 0.25, ranksep 0.3),
    12-point boxes, 10-point grey edges, small ellipses for ops, a grey note for hidden
    nodes, SVG by default, and each of the four directions.

    kills graph.x__new_graph__mutmut_9/10 ("BT" refused), _13/_18 (the SVG format),
    _28.._46 (the graph, node and edge attributes) and graph.x_build_graph__mutmut_27..40
    and _77.._85 (the note's and the op ellipses' attributes)."""
    from micrograd_cn.cli import demo_graph  # 《梯度下降和反向传播》: (x + y) * z
    from micrograd_cn.viz import draw_dot

    fonts = '"Noto Sans CJK SC,PingFang SC,Microsoft YaHei,WenQuanYi Micro Hei,sans-serif"'
    graph = draw_dot(demo_graph())
    lines = graph.source.splitlines()
    assert graph.format == "svg"
    assert lines[1:4] == [
        f"\tgraph [fontname={fonts} nodesep=0.25 rankdir=LR ranksep=0.3]",
        f"\tnode [fontname={fonts} fontsize=12]",
        f'\tedge [color="#666666" fontname={fonts} fontsize=10]',
    ]
    assert '\tn2op [label="+" height=0.28 margin="0.03,0.02" shape=ellipse width=0.4]' in lines
    hidden = draw_dot(demo_graph(), max_nodes=2).source.splitlines()
    assert (
        '\tmore [label="… 另有 3 个节点未画出 (3 more nodes not shown)" color="#999999" '
        'fontcolor="#666666" shape=note]'
    ) in hidden
    for rankdir in ("TB", "RL", "BT"):
        assert f"rankdir={rankdir} " in draw_dot(demo_graph(), rankdir=rankdir).source


def test_what_is_not_drawn_hangs_on_the_picture_by_grey_dashed_lines():
    """Folded inputs (``collapse_inputs``) and nodes beyond ``max_nodes`` are each one grey
    note, joined to the op they feed by a grey dashed edge: the eye reads them as "more here",
    not as part of the computation.  2 × (x0 + … + x5) with two inputs kept; 1.5⁴ with two
    nodes kept.

    kills graph.x_build_graph__mutmut_129/130/133..137 (the inputs note's shape or colour
    lost or renamed), _140/141/144..148 (its edge not dashed or not grey) and
    _151/152/155..161 (the same for the edge from the "more nodes" note), _164/166/167 (the
    picture's "simplified" caption no longer small)."""
    from micrograd_cn import F
    from micrograd_cn.viz import draw_dot

    xs = [Value(float(i), label=f"x{i}") for i in range(6)]
    folded = draw_dot(F.sum(xs) * 2.0, collapse_inputs=2).source.splitlines()
    assert '\tn6more [label="… +4 个输入 (inputs)" color="#999999" shape=note]' in folded
    assert '\tn6more -> n6op [color="#999999" style=dashed]' in folded
    y = Value(1.0, label="x0")
    for _ in range(4):
        y = y * 1.5
    cut = draw_dot(y, max_nodes=2).source.splitlines()
    assert '\tmore -> n3op [color="#999999" style=dashed]' in cut
    assert [line for line in cut if "->" in line] == [
        "\tn3op -> n3", '\tmore -> n3op [color="#999999" style=dashed]', "\tn4op -> n4",
        "\tn3 -> n4op",
    ]  # fmt: skip
    assert cut[-2] == '\tfontsize=10 label="图已简化 simplified: 显示 2/5 个节点 (nodes shown)"'


def test_an_input_used_twice_carries_its_edge_label_once():
    """x * x has two edges from x into the ×; the label (the player's local derivative)
    goes on the first only, the other marks (colour, font) on both, so the picture does not
    print the same number twice.

    kills graph.x_build_graph__mutmut_113 (only the label kept on the second edge),
    _114/_115 (the label kept: "label" misspelled)."""
    x = Value(3.0, label="x")
    graph = graph_of(x * x, "test")
    marks = {("n0", "n1op"): {"label": "2x = 6", "fontcolor": "#a31515"}}
    source = build_graph(graph, [3.0, 9.0], [6.0, 1.0], rankdir="LR", edge_marks=marks).source
    assert [line for line in source.splitlines() if "n0 -> n1op" in line] == [
        '\tn0 -> n1op [label="2x = 6" fontcolor="#a31515"]',
        '\tn0 -> n1op [fontcolor="#a31515"]',
    ]
