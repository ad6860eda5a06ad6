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

from micrograd_cn import F, Value, rules
from micrograd_cn.engine import topological_order
from micrograd_cn.formula import evaluate, text_width
from micrograd_cn.testing import expressions, variable_values
from micrograd_cn.trace import constant_of, fresh_record, record

CJK = re.compile(r"[\u4e00-\u9fff]")
TO_PYTHON = {"−": "-", "×": "*", "·": "*", "²": "**2", "³": "**3", "^": "**", "σ(": "sigmoid("}


def caption_parts(caption: str) -> tuple[str, str, str, str]:
    """``head = names = numbers = result`` (a caption with terms has exactly these four)."""
    head, names, numbers, result = caption.split(" = ")
    return head, names, numbers, result


def numbers_value(numbers: str) -> float:
    """Evaluate the caption's numbers part (``1 × (1 − 0.761594²)``) as arithmetic."""
    for shown, python in TO_PYTHON.items():
        numbers = numbers.replace(shown, python)
    return evaluate(numbers, {})


def check_numbers(step):
    """The numbers part evaluates to the step's gradient, and the result printed is it too."""
    assert math.fsum(t.product for t in step.terms) == pytest.approx(step.grad, rel=1e-12)
    if "…" in step.caption:  # a shortened sum: the terms above carry the numbers
        return
    _, _, numbers, result = caption_parts(step.caption)
    assert numbers_value(numbers) == pytest.approx(step.grad, rel=1e-5, abs=1e-6), step.caption
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
    assert t.backward[3].why == rules.GATES["x + y"].why
    assert t.backward[2].why == rules.GATES["x * y"].why
    assert t.backward[0].why.startswith("根节点")
    assert t.whys() == [""] * 5 + [s.why for s in t.backward]


def test_the_two_examples_of_the_step_through_design():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(-1.0, label="c")
    f = (a * b + c).tanh()
    f.label = "f"
    t = record(f)
    n = t.backward[1]
    assert n.caption == "∂f/∂v4 = ∂f/∂f × (1 − f²) = 1 × (1 − 0.761594²) = 0.419974"
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
    (lambda x: 2.0**x, 3.0, "∂f/∂f × (f·log(v0))", 8 * math.log(2)),
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
    assert steps["b"].why == rules.GATES["dot([x, w], [y, c], b)"].why


def test_a_node_used_twice_sums_its_terms():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    step = by_name(record(b))["a"]
    assert step.caption == "∂b/∂a = ∂b/∂b × a + ∂b/∂b × a = 1 × 3 + 1 × 3 = 6"
    assert rules.REUSE_WHY in step.why and "+=" in step.why
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
    assert len(steps["c"].terms) == 2 and rules.REUSE_WHY in steps["c"].why
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
    assert steps["x"].caption == "∂f/∂x = ∂f/∂c × 12 = 2 × 12 = 24"
    assert steps["x"].why == rules.NUMERIC_WHY.format(op="cube")
    assert x.grad == 24.0 and steps["c"].grad == 2.0


def test_a_node_without_backward_sends_nothing_and_says_so():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    f = Value(a.data * b.data, (a, b), "*")  # built by hand, no _backward attached
    f.label = "f"
    steps = by_name(record(f))
    assert steps["a"].caption == "∂f/∂a = 0" and steps["a"].terms == ()
    assert steps["a"].why == rules.NO_TERMS_WHY and steps["f"].sent == ()


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
    gates = {rules.gate_of(v).form for v in t.nodes if v._prev}
    assert len(gates) >= 19  # every primitive gate but `x + y` and `x ** k`'s twin


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
            assert numbers_value(numbers) == pytest.approx(step.grad, rel=1e-4, abs=1e-5)


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
    with pytest.raises(TypeError, match="expected a Value, got float"):
        fresh_record(1.0)


def test_apple_example_of_the_computational_graph_article():
    apple, count, tax = Value(100.0, label="苹果单价"), Value(2.0, label="个数"), Value(1.1)
    tax.label = "消费税"
    price = apple * count * tax
    price.label = "支付金额"
    steps = by_name(record(price))
    assert steps["苹果单价"].grad == pytest.approx(2.2, abs=1e-12)
    assert steps["个数"].caption == "∂支付金额/∂个数 = ∂支付金额/∂v2 × 苹果单价 = 1.1 × 100 = 110"
    assert steps["消费税"].grad == pytest.approx(200.0, abs=1e-12)


def test_constant_of_reads_folded_constants():
    x = Value(3.0)
    assert (constant_of(x * 2.0), constant_of(x + 0.5), constant_of(x**3)) == (2.0, 0.5, 3.0)
    assert constant_of(-x) == -1.0
    assert constant_of(x * x) is None and constant_of(x) is None and constant_of(x.tanh()) is None


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
        text_width(row[: row.index(value)])
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
