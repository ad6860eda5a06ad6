"""trace.record: forward values in topological order, backward steps with upstream × local captions.

Expected numbers come from the articles' worked examples (《梯度下降和反向传播》's
(x + y) · z, 《误差反向传播法·计算图》's apples) and closed forms.  Every caption
is checked twice: its symbolic part as text, and its numbers part parsed back
and evaluated, which must give the node's gradient.
"""

import math
import re

import pytest
from hypothesis import given

from micrograd_cn import F, Value, derivatives, ops, trace
from micrograd_cn.engine import topological_order
from micrograd_cn.formula import evaluate
from micrograd_cn.numbers_text import format_number
from micrograd_cn.tables import terminal_width
from micrograd_cn.testing import expressions, variable_values
from micrograd_cn.trace import fresh_record, record

CJK = re.compile(r"[\u4e00-\u9fff]")
TO_PYTHON = {"−": "-", "×": "*", "·": "*", "²": "**2", "³": "**3", "^": "**", "σ(": "sigmoid("}


def caption_parts(caption: str) -> tuple[str, str, str, str]:
    """``head = names = numbers = result`` (a caption with terms has exactly these four);
    the note of a measured local derivative after the result is dropped."""
    head, names, numbers, result = caption.removesuffix(trace.MEASURED_NOTE).split(" = ")
    return head, names, numbers, result


def numbers_value(numbers: str) -> float:
    """Evaluate the caption's numbers part (``1 × (1 − 0.761594²)``) as arithmetic."""
    for shown, python in TO_PYTHON.items():
        numbers = numbers.replace(shown, python)
    return evaluate(numbers, {})


PRINTED = re.compile(r"\d+(?:\.\d*)?(?:e[-+]?\d+)?")
HALF_DIGIT = 5e-6  # format_number keeps 6 significant digits: each printed number is within
# half a unit of its 6th digit, at most 5e-6 of its size, of the number the engine used


def printed_tolerance(numbers: str) -> float:
    """How far the numbers part may be from the true gradient because its numbers are printed
    to 6 significant digits: each number's rounding (``HALF_DIGIT`` of it) times how much the
    expression moves with it (measured by moving it that much), summed, doubled for the
    second-order terms.  A cancellation such as ``1 − 0.999999²`` (tanh near saturation) turns
    rounding in the 6th digit into a large relative error, and this bound says so."""
    bound = 0.0
    for m in PRINTED.finditer(numbers):
        ends = []
        for factor in (1 + HALF_DIGIT, 1 - HALF_DIGIT):
            moved = repr(float(m[0]) * factor)
            ends.append(numbers_value(numbers[: m.start()] + moved + numbers[m.end() :]))
        bound += abs(ends[0] - ends[1]) / 2
    return 2 * bound


def check_numbers(step):
    """The numbers part evaluates to the step's gradient, and the result printed is it too."""
    assert math.fsum(t.product for t in step.terms) == pytest.approx(step.grad, rel=1e-12)
    if "…" in step.caption:  # a shortened sum: the terms above carry the numbers
        return
    _, _, numbers, result = caption_parts(step.caption)
    assert abs(numbers_value(numbers) - step.grad) <= printed_tolerance(numbers) + 1e-12, (
        step.caption
    )
    assert float(result) == pytest.approx(step.grad, rel=1e-5, abs=1e-12)


def by_name(trace) -> dict:
    return {s.name: s for s in trace.backward}


def article_graph():
    """《梯度下降和反向传播》: f = (x + y) · z at x = -2, y = 5, z = -4, q = x + y."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, (x, y, z, q)


def test_forward_is_topological_with_the_article_values():
    f, _ = article_graph()
    t = record(f)
    assert [(s.name, s.value) for s in t.forward] == [
        ("x", -2.0), ("y", 5.0), ("q", 3.0), ("z", -4.0), ("f", -12.0)
    ]  # fmt: skip
    assert t.forward[2].parents == (0, 1) and t.forward[4].parents == (2, 3)
    assert t.forward[2].formula == "q = x + y = (-2) + 5 = 3"
    assert t.forward[4].formula == "f = q × z = 3 × (-4) = -12"
    assert t.forward[0].formula == "x = -2"


def test_backward_captions_messages_and_terms_of_the_article_example():
    f, (x, y, z, q) = article_graph()
    t = record(f)
    assert [(s.name, s.grad) for s in t.backward] == [
        ("f", 1.0), ("z", 3.0), ("q", -4.0), ("y", -4.0), ("x", -4.0)
    ]  # fmt: skip
    assert [s.caption for s in t.backward] == [
        "∂f/∂f = 1",
        "∂f/∂z = ∂f/∂f × q = 1 × 3 = 3",  # right under the root: the factor 1 is kept
        "∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4",
        "∂f/∂y = ∂f/∂q × 1 = (-4) × 1 = -4",
        "∂f/∂x = ∂f/∂q × 1 = (-4) × 1 = -4",
    ]
    f_step, q_step = t.backward[0], t.backward[2]
    assert [(m.parent, m.local, m.delta, m.local_text) for m in f_step.sent] == [
        (2, -4.0, -4.0, "z"), (3, 3.0, 3.0, "q")
    ]  # fmt: skip
    assert [(m.local, m.delta, m.local_text) for m in q_step.sent] == [(1, -4, "1")] * 2
    (term,) = q_step.terms
    assert (term.child, term.upstream, term.local, term.local_text, term.product) == (
        4, 1.0, -4.0, "z", -4.0
    )  # fmt: skip
    assert t.backward[-1].sent == ()  # leaves send nothing
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)
    assert t.backward[3].why == ops.OPS["add"].why
    assert t.backward[2].why == ops.OPS["mul"].why
    assert t.backward[0].why.startswith("根节点")
    assert t.whys() == [s.why for s in t.forward] + [s.why for s in t.backward]


def test_forward_steps_say_why_the_value_can_be_computed_now():
    f, _ = article_graph()
    t = record(f)
    assert t.forward[0].why == trace.INPUT_WHY and "给定" in t.forward[0].why
    assert t.forward[2].why == "x、y 都已算好（拓扑顺序把父节点排在前面），所以现在能算 q。"
    a = Value(3.0, label="a")
    square = a * a
    square.label = "s"
    assert record(square).forward[1].why.startswith("a 都已算好")  # a parent named once


def test_each_caption_has_one_step_counter_matching_its_position():
    f, _ = article_graph()
    captions = record(f).captions()
    assert captions[0] == "步 step 1/10 · 前向 Forward · x = -2"
    assert captions[4] == "步 step 5/10 · 前向 Forward · f = q × z = 3 × (-4) = -12"
    assert captions[7] == "步 step 8/10 · 反向 Backward · ∂f/∂q = ∂f/∂f × z = 1 × (-4) = -4"
    for k, caption in enumerate(captions, start=1):
        assert re.findall(r"\d+/\d+", caption) == [f"{k}/10"]


def test_the_two_examples_of_the_step_through_design():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(-1.0, label="c")
    f = (a * b + c).tanh()
    f.label = "f"
    t = record(f)
    n = t.backward[1]  # unlabelled nodes are v1 (a·b) and v2 (a·b + c), in topological order
    assert n.caption == "∂f/∂v2 = ∂f/∂f × (1 − f²) = 1 × (1 − 0.761594²) = 0.419974"
    assert [s.name for s in t.forward] == ["a", "b", "v1", "c", "v2", "f"]
    w, x = Value(1.0, label="w"), Value(2.0, label="x")
    o = w * x
    o.label = "o"
    loss = o * 0.5
    loss.label = "L"
    assert by_name(record(loss))["w"].caption == "∂L/∂w = ∂L/∂o × x = 0.5 × 2 = 1"


def one_input(op, x0=0.7, **labels):
    x = Value(x0, label="x")
    f = op(x)
    f.label = "f"
    return record(f), x


CASES = [  # (op, x, expected names part for ∂f/∂x, closed-form local at x)
    (lambda x: x.tanh(), 0.7, "∂f/∂f × (1 − f²)", 1 - math.tanh(0.7) ** 2),
    (lambda x: x.exp(), 0.7, "∂f/∂f × f", math.exp(0.7)),
    (lambda x: x.log(), 0.7, "∂f/∂f × (1/x)", 1 / 0.7),
    (lambda x: x.sqrt(), 0.7, "∂f/∂f × (1/(2·f))", 0.5 / math.sqrt(0.7)),
    (lambda x: x.sigmoid(), 0.7, "∂f/∂f × (f·(1 − f))", math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2),
    (lambda x: x.relu(), 0.7, "∂f/∂f × (1 if x > 0 else 0)", 1.0),
    (lambda x: x.relu(), -0.7, "∂f/∂f × (1 if x > 0 else 0)", 0.0),
    (lambda x: x.leaky_relu(0.2), -0.7, "∂f/∂f × (1 if x > 0 else 0.2)", 0.2),
    (lambda x: x.elu(0.5), -0.7, "∂f/∂f × (1 if x > 0 else f + 0.5)", 0.5 * math.exp(-0.7)),
    (lambda x: x.softplus(), 0.7, "∂f/∂f × σ(x)", 1 / (1 + math.exp(-0.7))),
    (lambda x: x.abs(), -0.7, "∂f/∂f × sign(x)", -1.0),
    (lambda x: x + 2.5, 0.7, "∂f/∂f × 1", 1.0),
    (lambda x: x * -3.0, 0.7, "∂f/∂f × (-3)", -3.0),
    (lambda x: x**3, -2.0, "∂f/∂f × (3·x²)", 12.0),
    (lambda x: x**0.5, 4.0, "∂f/∂f × (0.5·x^(-0.5))", 0.25),
    (lambda x: x**2, 3.0, "∂f/∂f × (2·x)", 6.0),
    (lambda x: 2.0**x, 3.0, "∂f/∂f × (f·log(v1))", 8 * math.log(2)),
]


@pytest.mark.parametrize(("op", "x0", "names", "local"), CASES)
def test_each_one_input_op_caption_in_names_and_numbers(op, x0, names, local):
    t, x = one_input(op, x0)
    step = t.backward[-1] if t.backward[-1].name == "x" else by_name(t)["x"]
    head, shown, _, _ = caption_parts(step.caption)
    assert (head, shown) == ("∂f/∂x", names)
    assert step.grad == pytest.approx(local, rel=1e-12) and x.grad == step.grad
    check_numbers(step)
    assert CJK.search(step.why) and step.why == step.why.strip()


def two_inputs(op, x0, y0):
    x, y = Value(x0, label="x"), Value(y0, label="y")
    f = op(x, y)
    f.label = "f"
    return by_name(record(f))


@pytest.mark.parametrize(
    ("op", "x0", "y0", "names_x", "names_y"),
    [
        (lambda x, y: x * y, 2.0, -3.0, "∂f/∂f × y", "∂f/∂f × x"),
        (lambda x, y: x + y, 2.0, -3.0, "∂f/∂f × 1", "∂f/∂f × 1"),
        (lambda x, y: x**y, 2.0, 3.0, "∂f/∂f × (y·x^(y − 1))", "∂f/∂f × (f·log(x))"),
        (F.maximum, 2.0, -3.0, "∂f/∂f × (1 if x > y else (0.5 if x == y else 0))",
         "∂f/∂f × (1 if y > x else (0.5 if x == y else 0))"),
        (F.minimum, 2.0, 2.0, "∂f/∂f × (1 if x < y else (0.5 if x == y else 0))",
         "∂f/∂f × (1 if y < x else (0.5 if x == y else 0))"),
        (lambda x, y: F.logsumexp([x, y]), 1.0, 2.0, "∂f/∂f × exp(x − f)", "∂f/∂f × exp(y − f)"),
        (lambda x, y: F.sum([x, y, 4.0]), 1.0, 2.0, "∂f/∂f × 1", "∂f/∂f × 1"),
    ],
)  # fmt: skip
def test_each_two_input_op_caption_in_names_and_numbers(op, x0, y0, names_x, names_y):
    steps = two_inputs(op, x0, y0)
    assert caption_parts(steps["x"].caption)[1] == names_x
    assert caption_parts(steps["y"].caption)[1] == names_y
    for name in "xy":
        check_numbers(steps[name])


def test_max_tie_splits_and_min_routes_to_the_smaller():
    tie = two_inputs(F.maximum, 2.0, 2.0)
    assert tie["x"].caption.endswith("= 1 × 0.5 = 0.5") and tie["y"].grad == 0.5
    routed = two_inputs(F.minimum, 2.0, -3.0)
    assert routed["x"].caption.endswith("= 1 × 0 = 0") and routed["y"].grad == 1.0
    assert "较大" in tie["x"].why and "较小" in routed["y"].why


def test_dot_names_the_other_factor_the_folded_number_and_the_bias():
    w1, w2, x1, b = (Value(v, label=n) for v, n in [(0.5, "w1"), (-1.0, "w2"), (2.0, "x1"),
                                                     (0.1, "b")])  # fmt: skip
    d = F.dot([w1, w2], [x1, 3.0], b)
    d.label = "d"
    steps = by_name(record(d))
    assert steps["w1"].caption == "∂d/∂w1 = ∂d/∂d × x1 = 1 × 2 = 2"
    assert steps["x1"].caption == "∂d/∂x1 = ∂d/∂d × w1 = 1 × 0.5 = 0.5"
    assert steps["w2"].caption == "∂d/∂w2 = ∂d/∂d × 3 = 1 × 3 = 3"
    assert steps["b"].caption == "∂d/∂b = ∂d/∂d × 1 = 1 × 1 = 1"
    assert steps["b"].why == ops.OPS["dot"].why


def test_a_node_used_twice_sums_its_terms():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    step = by_name(record(b))["a"]
    assert step.caption == "∂b/∂a = ∂b/∂b × a + ∂b/∂b × a = 1 × 3 + 1 × 3 = 6"
    assert trace.REUSE_WHY in step.why and "+=" in step.why
    (message,) = record(b).backward[0].sent
    assert (message.local, message.delta, message.local_text) == (6.0, 6.0, "a + a")
    a2 = Value(1.5, label="a")
    c = a2 + a2
    c.label = "c"
    d = c * c.tanh()  # c feeds two children
    d.label = "d"
    steps = by_name(record(d))
    assert steps["a"].caption == "∂d/∂a = ∂d/∂c × 1 + ∂d/∂c × 1 = " + (
        f"{steps['c'].grad:.6g} × 1 + {steps['c'].grad:.6g} × 1 = {steps['a'].grad:.6g}"
    )
    assert len(steps["c"].terms) == 2 and trace.REUSE_WHY in steps["c"].why
    t = record(d)
    lines = t.term_lines(steps["c"].index)  # the click panel: one line per child's term
    assert [line.split(" = ")[0] for line in lines] == caption_parts(steps["c"].caption)[1].split(
        " + "
    )
    assert math.fsum(float(line.split(" = ")[-1]) for line in lines) == pytest.approx(
        steps["c"].grad, rel=1e-5
    )
    for s in steps.values():
        if s.terms:
            check_numbers(s)


def test_root_factor_is_the_gradient_passed_to_backward():
    f, _ = article_graph()
    steps = by_name(record(f, grad=0.5))
    assert steps["f"].caption == "∂f/∂f = 0.5" and "∂f/∂f = 0.5" in steps["f"].why
    assert steps["z"].caption == "∂f/∂z = ∂f/∂f × q = 0.5 × 3 = 1.5"


def test_a_learners_lecture_style_op_gets_a_measured_caption():
    x = Value(2.0, label="x")
    out = Value(x.data**3, (x,), "cube")  # micrograd's lecture way of adding an op

    def _backward():  # zero arguments, reads out.grad
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    out.label = "c"
    f = out * 2.0
    f.label = "f"
    steps = by_name(record(f))
    assert steps["x"].caption == "∂f/∂x = ∂f/∂c × 12 = 2 × 12 = 24" + trace.MEASURED_NOTE
    assert trace.MEASURED_NOTE == "（局部导数由数值测得：这个运算没有登记在运算表里）"
    assert steps["x"].why == derivatives.MEASURED_WHY.format(op="cube")
    assert steps["x"].terms[0].measured and not steps["c"].terms[0].measured
    assert x.grad == 24.0 and steps["c"].grad == 2.0


def test_a_node_without_backward_sends_nothing_and_says_so():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    f = Value(a.data * b.data, (a, b), "*")  # built by hand, no _backward attached
    f.label = "f"
    steps = by_name(record(f))
    assert steps["a"].caption == "∂f/∂a = 0" and steps["a"].terms == ()
    assert steps["a"].why == trace.NO_TERMS_WHY and steps["f"].sent == ()


def test_an_assignment_bug_in_a_learners_closure_shows_in_the_caption():
    x = Value(2.0, label="x")

    def square(v):
        out = Value(v.data**2, (v,), "sq")

        def _backward():
            v.grad = 2 * v.data * out.grad  # the lecture's bug: = instead of +=

        out._backward = _backward
        return out

    f = square(x) + square(x)
    f.label = "f"
    step = by_name(record(f))["x"]
    _, _, numbers, result = caption_parts(step.caption)
    assert numbers_value(numbers) == 8.0  # what the chain rule asks for
    assert float(result) == 4.0  # what the buggy closure left behind: visible to the learner


def test_singular_points_fall_back_to_the_measured_local():
    x = Value(0.0, label="x")
    f = x.sqrt()
    f.label = "f"
    assert by_name(record(f))["x"].caption == "∂f/∂x = ∂f/∂f × inf = 1 × inf = inf"
    y = Value(0.0, label="y")
    g = y**0
    g.label = "g"
    assert by_name(record(g))["y"].grad == 0.0  # as PyTorch


def test_a_singular_point_with_a_zero_upstream_gradient_reads_nan():
    """sqrt at 0 with upstream 0: the closure sends inf × 0 = nan (PyTorch: nan too), and the
    local derivative read back from it is nan, not a division by zero.

    kills trace.xǁ_Recorderǁfinish__mutmut_23 (``delta / grad`` even when grad is 0)."""
    x = Value(0.0, label="x")
    f = x.sqrt()
    f.label = "f"
    step = by_name(record(f, 0.0))["x"]
    assert step.caption == "∂f/∂x = ∂f/∂f × nan = 0 × nan = nan" and math.isnan(step.grad)


def test_many_terms_are_shortened_with_their_count():
    x = Value(1.0, label="x")
    f = x
    for _ in range(9):
        f = f + x
    f.label = "f"
    step = by_name(record(f))["x"]
    assert step.caption.endswith("= 10（共 10 项）") and step.caption.count("…") == 2
    assert len(step.terms) == 10


def test_every_op_step_has_a_chinese_why():
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    s = F.sum([a, b * 2.0, c])
    d = F.dot([a, b], [c, 3.0], bias=s)
    parts = [F.maximum(d, a.tanh()), F.minimum(a, c), F.logsumexp([a, b, c]), b / c, (a**2).exp()]
    parts += [c.log(), c.sqrt(), a.sigmoid(), b.relu(), b.leaky_relu(), b.elu(), a.softplus()]
    parts += [b.abs(), a**c]
    m = F.sum(parts)
    t = record(m)
    for step in t.backward:
        assert CJK.search(step.why), step
        if step.terms:
            check_numbers(step)
    rows = {ops.row_of(v).name for v in t.nodes if v._prev}
    assert len(rows) >= 19  # every primitive op but `x + y` and `x ** k`'s twin


def test_record_gives_the_same_grads_as_backward_on_nary_and_reused_graphs():
    def graph():
        a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
        s = F.sum([a, b * 2.0, c, a])
        d = F.dot([a, b, a], [c, 3.0, b], bias=s)  # a used twice inside one dot
        return F.maximum(d, a.tanh()) + F.logsumexp([a, b, c]) - b / c + (a**2).exp()

    reference = graph()
    reference.backward(0.75)
    traced = graph()
    t = record(traced, grad=0.75)
    for ref, got in zip(topological_order(reference), topological_order(traced), strict=True):
        assert got.grad == pytest.approx(ref.grad, rel=1e-12, abs=1e-15)
    for step in t.backward:
        if step.terms:
            check_numbers(step)


@given(expressions(max_leaves=8), variable_values())
def test_record_matches_backward_on_random_expressions(expr, env):
    """Also the captions' numbers: within what printing them to 6 digits allows (a fixed
    tolerance failed on (tanh(x + 2.0) * 1.125 + 1.75) ** 3.0 near tanh's saturation)."""

    def build():
        leaves = {n: Value(v, label=n) for n, v in env.items()}
        return expr.evaluate_value(leaves), leaves

    (reference, ref_leaves), (traced, traced_leaves) = build(), build()
    if not isinstance(reference, Value):
        return  # a constant expression: nothing to trace
    reference.backward(-1.25)
    t = record(traced, grad=-1.25)
    for name in env:
        assert traced_leaves[name].grad == pytest.approx(ref_leaves[name].grad, rel=1e-9, abs=1e-12)
    assert [s.index for s in t.backward] == list(range(len(t.nodes) - 1, -1, -1))
    for step in t.backward:
        if step.terms and len(step.terms) <= 6:
            _, _, numbers, _ = caption_parts(step.caption)
            assert abs(numbers_value(numbers) - step.grad) <= printed_tolerance(numbers) + 1e-12


def test_intermediates_hold_this_calls_gradient_leaves_accumulate():
    f, (x, _, _, q) = article_graph()
    record(f)
    record(f)
    assert q.grad == -4.0 and x.grad == -8.0


def test_fresh_record_leaves_grads_as_they_were():
    f, (x, _, _, q) = article_graph()
    x.grad = 123.0
    t = fresh_record(f)
    assert x.grad == 123.0 and q.grad == 0.0
    assert t.backward[-1].grad == -4.0  # this call's gradient, not 123 - 4
    message = (
        r"fresh_record expects a micrograd-style value \(with data, grad, _prev and _op\): "
        r"float has no attribute 'data'"
    )
    with pytest.raises(TypeError, match=message):
        fresh_record(1.0)


def test_apple_example_of_the_computational_graph_article():
    apple, count, tax = Value(100.0, label="苹果单价"), Value(2.0, label="个数"), Value(1.1)
    tax.label = "消费税"
    price = apple * count * tax
    price.label = "支付金额"
    steps = by_name(record(price))
    assert steps["苹果单价"].grad == pytest.approx(2.2, abs=1e-12)
    assert steps["个数"].caption == "∂支付金额/∂个数 = ∂支付金额/∂v1 × 苹果单价 = 1.1 × 100 = 110"
    assert steps["消费税"].grad == pytest.approx(200.0, abs=1e-12)


def test_forward_formula_shows_parameters_without_double_brackets():
    t, _ = one_input(lambda x: x.elu(0.5), -0.3)
    assert (
        t.forward[-1].formula == f"f = ELU(x, 0.5) = ELU(-0.3, 0.5) = {0.5 * math.expm1(-0.3):.6g}"
    )


def test_tables_show_every_value_and_align_chinese_labels():
    apple, n = Value(100.0, label="苹果 单价"), Value(2.0, label="个数")
    total = apple * n
    total.label = "总价"
    t = record(total)
    forward, backward = t.forward_table().splitlines(), t.backward_table().splitlines()
    assert "200.0000" in forward[-1] and "总价" in forward[-1]
    assert all("输入" in row for row in forward[2:4])
    starts = {
        terminal_width(row[: row.index(value)])
        for row, value in zip(forward[2:], ["100.0000", "2.0000", "200.0000"], strict=True)
    }
    assert len(starts) == 1  # the value column starts at one display column (CJK = 2)
    assert "2.0000" in backward[-1] and "100.0000" in backward[-2]
    assert "苹果 单价 += 2" in backward[2]
    assert "∂总价/∂个数 = ∂总价/∂总价 × (苹果 单价) = 1 × 100 = 100" in backward[3]


def test_automatic_names_never_repeat_a_label():
    """Mutant: ``v{i}`` for every unlabelled node even when a label is ``v{i}``."""
    v2, v3, a = Value(1.0, label="v2"), Value(2.0, label="v3"), Value(3.0, label="a")
    t = record(v2 * v3 + a)
    names = [s.name for s in t.forward]
    assert len(set(names)) == len(names)
    product = next(s for s in t.forward if s.op == "*")
    assert product.formula == f"{product.name} = v2 × v3 = 1 × 2 = 2"
    assert product.name != "v2"


def test_automatic_names_are_consecutive_in_topological_order():
    a, b, c = Value(1.0, label="a"), Value(2.0), Value(-1.0, label="c")
    f = ((a * b + c) * 2.0).tanh()
    t = record(f)
    assert [s.name for s in t.forward] == ["a", "v1", "v2", "c", "v3", "v4", "v5"]


# ---------------------------------------------------------------- F.dot pairs


def test_dot_captions_name_the_recorded_partner_even_when_values_coincide():
    """w1 = 3 and x = 3: guessing partners from the numbers named w1 for x; the record says w2."""
    w1, w2, x = Value(3.0, label="w1"), Value(2.0, label="w2"), Value(3.0, label="x")
    f = F.dot([w1, w2], [2.0, x])
    f.label = "f"
    t = record(f)
    steps = by_name(t)
    assert steps["w2"].caption == "∂f/∂w2 = ∂f/∂f × x = 1 × 3 = 3"
    assert steps["x"].caption == "∂f/∂x = ∂f/∂f × w2 = 1 × 2 = 2"
    assert steps["w1"].caption == "∂f/∂w1 = ∂f/∂f × 2 = 1 × 2 = 2"
    assert t.forward[-1].formula == "f = w1 × 2 + w2 × x = 3 × 2 + 2 × 3 = 12"
    assert (w1.grad, w2.grad, x.grad) == (2.0, 3.0, 2.0)


# ---------------------------------------------------------------- the engine's closures


def count_closure_calls(root) -> dict:
    """Wrap every engine closure of ``root``'s graph in a counter (the row stays attached)."""
    calls = {}
    for node in topological_order(root):
        closure = node._grad_fn
        if closure is not None:

            def counted(g, closure=closure, node=node):
                calls[node] = calls.get(node, 0) + 1
                closure(g)

            node._grad_fn = counted  # not the _backward setter: the op's row stays attached
            calls[node] = 0
    return calls


def every_op_graph():
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    s = F.sum([a, b * 2.0, c, a])
    d = F.dot([a, b, a], [c, 3.0, b], bias=s)
    parts = [F.maximum(d, a.tanh()), F.minimum(a, c), F.logsumexp([a, b, c]), b / c, (a**2).exp()]
    parts += [c.log(), c.sqrt(), a.sigmoid(), b.relu(), b.leaky_relu(0.2), b.elu(0.5)]
    parts += [a.softplus(), b.abs(), a**c, Value(0.0, label="z").sqrt(), 2.0**a, a - 1.0]
    return F.sum(parts)


def test_the_tracer_calls_no_engine_closure_itself():
    """Each engine closure runs once per pass, inside the backward loop: the tracer reads the
    local derivatives from the op rows and never sends a probe through an engine closure."""
    root = every_op_graph()
    calls = count_closure_calls(root)
    t = record(root)
    assert len(calls) >= 20 and set(calls.values()) == {1}
    assert not any(term.measured for step in t.backward for term in step.terms)
    fresh_record(root)
    assert set(calls.values()) == {2}
    reference = every_op_graph()
    reference.backward()
    for ref, got in zip(topological_order(reference), t.nodes, strict=True):
        if got.label == "z":  # sqrt at 0: inf, as the engine says
            assert ref.grad == got.grad == math.inf
        else:
            assert got.grad == pytest.approx(ref.grad, rel=1e-12, abs=1e-15)


def test_a_learners_closure_is_measured_by_calling_it_once_more():
    calls = []
    x = Value(2.0, label="x")
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        calls.append(out.grad)
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    out.label = "c"
    record(out)
    assert calls == [1.0, 1.0]  # the measurement (upstream 1), then the loop (∂c/∂c = 1)


# ---------------------------------------------------------------- other Value classes


def test_a_lecture_style_value_class_is_traced_with_the_table_where_its_ops_agree(lecture_value):
    a, b, c = lecture_value(2.0, label="a"), lecture_value(-3.0, label="b"), lecture_value(10.0)
    c.label = "c"
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    n = d.tanh()
    n.label = "n"
    t = record(n)
    names = [s.name for s in t.forward]
    assert names.index("a") < names.index("b")  # a set's parents in a stable order: by label
    steps = by_name(t)
    tanh_local = 1 - math.tanh(4.0) ** 2
    t4 = format_number(math.tanh(4.0))
    expected = f"∂n/∂d = ∂n/∂n × (1 − n²) = 1 × (1 − {t4}²) = {format_number(tanh_local)}"
    assert steps["d"].caption == expected
    assert steps["a"].caption.startswith("∂n/∂a = ∂n/∂e × b = ")
    assert steps["a"].grad == pytest.approx(-3.0 * tanh_local, rel=1e-12)
    assert steps["e"].why == ops.OPS["add"].why
    assert (a.grad, b.grad, c.grad) == pytest.approx((-3 * tanh_local, 2 * tanh_local, tanh_local))


def test_a_lecture_op_the_table_does_not_know_is_measured_and_says_so(lecture_value):
    x = lecture_value(3.0, label="x")
    y = x**2  # op "**2": no row
    y.label = "y"
    step = by_name(record(y))["x"]
    assert step.caption == "∂y/∂x = ∂y/∂y × 6 = 1 × 6 = 6" + trace.MEASURED_NOTE
    assert step.why == derivatives.MEASURED_WHY.format(op="**2")


def test_a_wrong_closure_of_a_known_op_is_shown_as_measured_not_as_the_table_says(lecture_value):
    a, b = lecture_value(2.0, label="a"), lecture_value(5.0, label="b")
    f = a * b
    f.label = "f"

    def wrong():  # both get the other's value... swapped
        a.grad += a.data * f.grad
        b.grad += b.data * f.grad

    f._backward = wrong
    steps = by_name(record(f))
    assert steps["a"].caption == "∂f/∂a = ∂f/∂f × 2 = 1 × 2 = 2" + trace.MEASURED_NOTE
    assert steps["a"].why == derivatives.MEASURED_WHY.format(op="*")


def test_micrograds_value_is_traced_with_the_same_gradients_as_its_own_backward():
    engine = pytest.importorskip("micrograd.engine")

    def build():
        x, w = engine.Value(-2.0), engine.Value(3.0)
        return (x * w + x).relu() + (x * x) ** 2, (x, w)

    ours, (x, w) = build()
    t = record(ours)
    theirs, (x2, w2) = build()
    theirs.backward()
    assert (x.grad, w.grad) == (x2.grad, w2.grad) == (4 * (-2.0) ** 3, 0.0)  # relu off: 4x³
    assert [s.name for s in t.forward] == [f"v{k}" for k in range(1, len(t.nodes) + 1)]
    first, second = (record(build()[0]) for _ in range(2))
    assert [s.caption for s in first.backward] == [s.caption for s in second.backward]
    assert any(trace.MEASURED_NOTE in s.caption for s in t.backward)  # ReLU, **2: no rows


@pytest.mark.parametrize("missing", ["data", "grad", "_prev", "_op", "_backward"])
def test_an_object_missing_an_attribute_is_refused_naming_it(lecture_value, missing):
    node = lecture_value(1.0) + lecture_value(2.0)
    child = next(iter(node._prev))
    delattr(child, missing)
    with pytest.raises(TypeError, match=rf"record expects .* has no attribute '{missing}'$"):
        record(node)


# ---------------------------------------------------------------- tables in notebooks


def test_tables_are_html_tables_in_a_notebook():
    apple, n = Value(100.0, label="苹果 单价"), Value(2.0, label="个数")
    total = apple * n
    total.label = "总价"
    t = record(total)
    html_table = t.forward_table()._repr_html_()
    assert html_table.startswith("<table") and html_table.count("<tr>") == 4
    assert "<td>苹果 单价</td>" in html_table and "<th>值 value</th>" in html_table
    back = t.backward_table()
    assert back.rows[1][:3] == ("2", "个数", "100.0000") and back.header[0] == "步 step"
    assert "∂总价/∂个数 = ∂总价/∂总价 × (苹果 单价) = 1 × 100 = 100" in back._repr_html_()


def test_a_saturated_tanh_caption_is_within_its_printed_precision():
    """(tanh(x + 2) · 1.125 + 1.75)³ at x = 5.6: the caption prints tanh = 0.999999, so its
    1 − 0.999999² is 2e-6 where the engine used 1 − t² = 1.0e-6; the bound covers that, and a
    number that is really wrong (the true gradient doubled) is still caught."""
    x = Value(5.6, label="x")
    t = record(((x + 2.0).tanh() * 1.125 + 1.75) ** 3.0, grad=-1.25)
    (step,) = [s for s in t.backward if "0.999999²" in s.caption]
    numbers = caption_parts(step.caption)[2]
    tanh = math.tanh(7.6)
    assert step.grad == pytest.approx(
        -1.25 * 3 * (tanh * 1.125 + 1.75) ** 2 * 1.125 * (1 - tanh**2)
    )
    assert abs(numbers_value(numbers) - step.grad) > 1e-5  # what the fixed tolerance rejected
    assert abs(numbers_value(numbers) - step.grad) <= printed_tolerance(numbers)
    (scaled,) = [s for s in t.backward if s.caption.endswith("× 1.125 = -34.8706")]
    scaled_numbers = caption_parts(scaled.caption)[2]  # (-30.9961) × 1.125: no cancellation
    assert printed_tolerance(scaled_numbers) < 1e-3  # about 1e-5 of the gradient, not more
    assert abs(1.0001 * numbers_value(scaled_numbers) - scaled.grad) > printed_tolerance(
        scaled_numbers
    )


# ---------------------------------------------------------------- mutation audit (trace)


def reused_input(terms: int):
    """f = y1 + … + yn with yk = x · k: x's caption sums ``terms`` chain-rule terms of 1 × k."""
    x = Value(2.0, label="x")
    ys = []
    for k in range(1, terms + 1):
        y = x * float(k)
        y.label = f"y{k}"
        ys.append(y)
    f = ys[0]
    for y in ys[1:]:
        f = f + y
    f.label = "f"
    return f


def x_caption(terms: int) -> str:
    (caption,) = [s.caption for s in record(reused_input(terms)).backward if s.name == "x"]
    return caption


def test_six_chain_rule_terms_are_shown_in_full_seven_are_shortened():
    """Kills ``len(terms) > MAX_TERMS_SHOWN`` -> ``>=`` / ``> MAX + 1`` and MAX_TERMS_SHOWN
    6 -> 5 / 7 (a 7-term sum shortened off by one), and the shortened sum losing its last term
    (``[*symbolic[:3], "…"]``): the closing ``∂f/∂y1 × 1`` and ``1 × 1`` must be there."""
    six = " + ".join(f"∂f/∂y{k} × {k}" for k in range(6, 0, -1))
    six_numbers = " + ".join(f"1 × {k}" for k in range(6, 0, -1))
    assert x_caption(6) == f"∂f/∂x = {six} = {six_numbers} = {sum(range(1, 7))}"
    head = "∂f/∂y7 × 7 + ∂f/∂y6 × 6 + ∂f/∂y5 × 5 + … + ∂f/∂y1 × 1"
    numbers = "1 × 7 + 1 × 6 + 1 × 5 + … + 1 × 1"
    assert x_caption(7) == f"∂f/∂x = {head} = {numbers} = {sum(range(1, 8))}（共 7 项）"


def test_recording_from_a_leaf_root_accumulates_like_backward():
    """Kills ``record`` overwriting a leaf root's gradient (``root.grad = grad``) where
    ``Value.backward()`` accumulates: a leaf holding 3 gets 3 + 1 = 4 either way."""
    by_backward = Value(2.0, label="a")
    by_backward.grad = 3.0
    by_backward.backward()
    a = Value(2.0, label="a")
    a.grad = 3.0
    t = record(a)
    assert by_backward.grad == a.grad == 4.0
    assert t.backward[-1].grad == 4.0 and t.backward[-1].caption == "∂a/∂a = 4"


def test_both_tables_cell_by_cell_on_the_apples():
    """The apples of 《误差反向传播法·计算图》: 100 × 2 = 200, so ∂总价/∂个数 = 100 and
    ∂总价/∂苹果 单价 = 2.  Kills ``forward_table``'s step numbers ``str(i + 1)`` -> ``None`` /
    ``i - 1`` / ``i + 2`` (__mutmut_2-4), the op column always "输入" (__mutmut_5), "输入" ->
    "XX输入XX" (__mutmut_8), and every header cell changed (__mutmut_14-23); in
    ``backward_table`` an input's empty "sent" cell ``"-"`` -> ``"XX-XX"`` (__mutmut_12) and
    every header cell changed (__mutmut_16-23)."""
    apple, n = Value(100.0, label="苹果 单价"), Value(2.0, label="个数")
    total = apple * n
    total.label = "总价"
    t = record(total)
    forward, backward = t.forward_table(), t.backward_table()
    assert forward.header == ("步 step", "节点 node", "运算 op", "值 value", "计算 formula")
    assert forward.rows == (
        ("1", "苹果 单价", "输入", "100.0000", "苹果 单价 = 100"),
        ("2", "个数", "输入", "2.0000", "个数 = 2"),
        ("3", "总价", "×", "200.0000", "总价 = 苹果 单价 × 个数 = 100 × 2 = 200"),
    )
    assert backward.header == (
        "步 step", "节点 node", "梯度 grad", "链式法则 chain rule", "传给父节点 sent"
    )  # fmt: skip
    assert backward.rows == (
        ("1", "总价", "1.0000", "∂总价/∂总价 = 1", "苹果 单价 += 2, 个数 += 100"),
        ("2", "个数", "100.0000", "∂总价/∂个数 = ∂总价/∂总价 × (苹果 单价) = 1 × 100 = 100", "-"),
        ("3", "苹果 单价", "2.0000", "∂总价/∂苹果 单价 = ∂总价/∂总价 × 个数 = 1 × 2 = 2", "-"),
    )


def test_a_dot_formula_writes_every_pair_after_a_value_times_value_pair():
    """w1·x1 + w2·3 + b with w1 = 0.5, x1 = 2, w2 = -1, b = 0.1: 1 - 3 + 0.1 = -1.9.  Kills
    ``_dot_formula``'s ``continue`` -> ``break`` after x1's slot (__mutmut_9: the formula
    stopped at ``w1 × x1``, dropping ``w2 × 3`` and the bias)."""
    w1, w2, x1, b = (Value(v, label=n) for v, n in [(0.5, "w1"), (-1.0, "w2"), (2.0, "x1"),
                                                     (0.1, "b")])  # fmt: skip
    d = F.dot([w1, w2], [x1, 3.0], b)
    d.label = "d"
    assert d.data == 0.5 * 2.0 + (-1.0) * 3.0 + 0.1
    formula = record(d).forward[-1].formula
    assert formula == "d = w1 × x1 + w2 × 3 + b = 0.5 × 2 + (-1) × 3 + 0.1 = -1.9"


def test_forward_formulas_of_constants_powers_and_dot():
    """Each forward step written out with its numbers (worked by hand: (-2) + 2.5 = 0.5,
    0.5 × 3 = 1.5, 1.5² = 2.25, 0.5 × (-2) + (-1) × 1.5 + 0.25 = -2.25); a dot of three terms
    and no bias (six inputs) is shortened.

    kills trace.x__forward_formula__mutmut_14 (the symbol taken from op_text), _18.._21 (the
    constant k not read), _28/_29 (the dot limit of five slots moved)."""
    x = Value(-2.0, label="x")
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    root = ((x + 2.5) * 3.0) ** 2.0 + F.dot(w, [x, 1.5], bias=Value(0.25, label="b"))
    assert [step.formula for step in trace.fresh_record(root).forward] == [
        "x = -2",
        "v1 = x + 2.5 = (-2) + 2.5 = 0.5",
        "v2 = v1 × 3 = 0.5 × 3 = 1.5",
        "v3 = v2^2 = 1.5^2 = 2.25",
        "w1 = 0.5",
        "w2 = -1",
        "b = 0.25",
        "v4 = w1 × x + w2 × 1.5 + b = 0.5 × (-2) + (-1) × 1.5 + 0.25 = -2.25",
        "v5 = v3 + v4 = 2.25 + (-2.25) = 0",
    ]
    ws = [Value(v, label=f"w{i}") for i, v in enumerate((0.5, -1.0, 2.0), 1)]
    inputs = [Value(v, label=n) for v, n in ((1.0, "a"), (2.0, "c"), (3.0, "e"))]
    steps = trace.fresh_record(F.dot(ws, inputs)).forward
    assert steps[-1].formula == "v1 = dot(w1, …, e) = 4.5"  # 0.5 - 2 + 6
    y, b = Value(1.5, label="y"), Value(0.25, label="b")  # five slots: still written out
    steps = trace.fresh_record(F.dot(w, [x, y], bias=b)).forward
    assert steps[-1].formula == (
        "v1 = w1 × x + w2 × y + b = 0.5 × (-2) + (-1) × 1.5 + 0.25 = -2.25"
    )


def test_a_power_of_two_values_and_n_ary_ops_up_to_four_inputs_are_written_out():
    """x ** y with both nodes is written like x ** 3 (``x ^ y = (-2) ^ 3 = -8``), not as a
    function call; an n-ary op is written out up to four inputs and shortened from five
    (1 + 2 + 3 + 4 = 10, 15 with e = 5; logsumexp(1, 2, 3, 4) = 4 + log(1 + e⁻¹ + e⁻² + e⁻³)).
    A sum without numbers among its elements shows no constant; with numbers, their sum.

    kills trace.x__forward_formula__mutmut_59 (``**`` dropped from the infix ops: "^(x, y)"),
    _63/_64 (the n-ary limit moved to ``>= 4`` or ``> 5``)."""
    x, y = Value(-2.0, label="x"), Value(3.0, label="y")
    assert trace.fresh_record(x**y).forward[-1].formula == "v1 = x ^ y = (-2) ^ 3 = -8"
    a, b, c, d, e = (Value(float(i), label=n) for i, n in enumerate("abcde", 1))
    lse4 = format_number(4.0 + math.log(sum(math.exp(-k) for k in range(4))))
    formulas = [
        trace.fresh_record(root).forward[-1].formula
        for root in (F.sum([a, b, c, d]), F.logsumexp([a, b, c, d]), F.sum([a, b, c, d, e]),
                     F.sum([a, 2.0, 3.0]))
    ]  # fmt: skip
    assert formulas == [
        "v1 = Σ(a, b, c, d) = Σ(1, 2, 3, 4) = 10",
        f"v1 = logsumexp(a, b, c, d) = logsumexp(1, 2, 3, 4) = {lse4}",
        "v1 = Σ(a, …, e) = 15",
        "v1 = Σ(a, 5) = Σ(1, 5) = 6",
    ]


def test_fresh_record_needs_a_backward_on_every_node():
    """A hand-written Value without ``_backward`` cannot be stepped: refused up front, by name.

    kills trace.x_fresh_record__mutmut_4/7/10 (``stepping=True`` not passed to graph_of)."""

    class Bare:  # data, grad, _prev, _op: enough to draw, not to step
        def __init__(self, data, prev=()):
            self.data, self.grad, self._prev, self._op = data, 0.0, set(prev), ""

    leaf = Bare(1.0)
    root = Bare(2.0, (leaf,))
    root._op = "f"
    with pytest.raises(TypeError) as refused:
        trace.fresh_record(root)
    assert str(refused.value) == (
        "fresh_record expects a micrograd-style value (with data, grad, _prev, _op and "
        "_backward): Bare has no attribute '_backward'"
    )


def test_a_reused_input_s_why_is_its_op_sentence_then_the_reuse_sentence():
    """kills trace.xǁ_Recorderǁ_why__mutmut_17 (the sentences joined by "XX XX")."""
    x = Value(2.0, label="x")
    f = x * x
    f.label = "f"
    why = by_name(record(f))["x"].why
    assert why == "乘法门：交给一个输入的梯度 = 上游梯度 × 另一个输入的值。 " + trace.REUSE_WHY


def test_record_refuses_a_gradient_that_is_not_a_number():
    """kills trace.x__record__mutmut_6 (the refusal without "backward grad")."""
    x = Value(2.0, label="x")
    with pytest.raises(TypeError) as refused:
        record(x * 3.0, "1")
    assert str(refused.value) == "backward grad must be a real number (int or float), got str"
