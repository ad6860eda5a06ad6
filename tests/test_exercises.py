"""Tests for micrograd_cn.exercises.check_op: right answers pass in both closure styles, each
classic mistake is named (code, Chinese phrase, the point and both numbers), bad input refused."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cn.engine import Value, no_grad
from micrograd_cn.engine import make_node as _node
from micrograd_cn.exercises import CheckResult, check_op


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def lecture_op(name, forward, local, *, upstream=True, accumulate=True, attach=True):
    """A one-input op written the lecture's way; ``local(x, out)`` is the learner's derivative."""

    def op(x):
        out = Value(forward(x.data), (x,), name)

        def _backward():
            step = local(x.data, out.data) * (out.grad if upstream else 1.0)
            x.grad = x.grad + step if accumulate else step

        if attach:
            out._backward = _backward
        return out

    op.__name__ = name
    return op


def engine_op(name, forward, local, *, upstream=True, accumulate=True, attach=True):
    """The same op in this engine's style: ``engine._node`` with ``_backward(g)``."""

    def op(x):
        def _backward(g):
            step = local(x.data, out_data) * (g if upstream else 1.0)
            x.grad = x.grad + step if accumulate else step

        out_data = forward(x.data)
        return _node(out_data, (x,), name, _backward if attach else None)

    op.__name__ = name
    return op


STYLES = pytest.mark.parametrize("style", [lecture_op, engine_op], ids=["lecture", "engine"])

RIGHT = {
    "tanh": (math.tanh, lambda x, t: 1 - t**2, None),
    "exp": (math.exp, lambda x, t: t, None),
    "sigmoid": (sigmoid, lambda x, s: s * (1 - s), None),
    "cube": (lambda v: v**3, lambda x, t: 3 * x**2, None),
    "log": (math.log, lambda x, t: 1 / x, (0, None)),
}


def numbers_shown(result):
    """The failing point, the analytic and the numeric gradient all appear in the message."""
    assert f"{result.input} = {result.point[0]:.6g}" in result.message
    assert f"{result.input}.grad = {result.analytic:.6g}" in result.message
    assert f"{result.numeric:.6g}" in result.message


@STYLES
@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_pass(style, name):
    forward, local, domain = RIGHT[name]
    result = check_op(style(name, forward, local), domain=domain)
    assert result.ok and bool(result) and result.mistake is None
    assert result.message.startswith(f"✅ `{name}`") and "5 个点" in result.message
    assert len(result.points) == 5
    if domain:
        assert all(p[0] > 0 for p in result.points)


def lecture_mul(a, b):
    out = Value(a.data * b.data, (a, b), "mul")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def engine_mul(a, b, swap=False, forget_b=False):
    def _backward(g):
        a.grad += (a.data if swap else b.data) * g
        b.grad += (b.data if swap else a.data) * (1.0 if forget_b else g)

    return _node(a.data * b.data, (a, b), "mul", _backward)


@pytest.mark.parametrize("op", [lecture_mul, engine_mul, lambda a, b: a * b])
def test_two_input_mul_passes_at_points_with_distinct_inputs(op):
    result = check_op(op)
    assert result.ok, result.message
    assert all(a != b for a, b in result.points)


ENGINE_OPS = [  # (op, domain): this engine's own rules are right, so check_op must agree
    (lambda x: x.tanh(), (-3, 3)),
    (lambda x: x.sigmoid(), (-3, 3)),
    (lambda x: x.exp(), (-3, 3)),
    (lambda x: x.softplus(), (-3, 3)),
    (lambda x: x.log(), (0.1, 5)),
    (lambda x: x.sqrt(), (0.1, 5)),
    (lambda x: x**3, (-3, 3)),
]


@pytest.mark.parametrize(("op", "domain"), ENGINE_OPS)
@given(t=st.floats(0.01, 0.99))
def test_no_false_alarm_on_the_engines_own_ops_at_random_points(op, domain, t):
    low, high = domain
    result = check_op(op, points=[low + (high - low) * t], domain=domain, seed=int(t * 1e6))
    assert result.ok, result.message


@given(a=st.floats(0.2, 3), b=st.floats(-2, 2))
def test_no_false_alarm_on_two_input_ops_at_random_points(a, b):
    for op in (lambda a, b: a * b, lambda a, b: b / a, lambda a, b: a**b):
        result = check_op(op, points=[(a, b)])
        assert result.ok, result.message


def test_composite_op_passes_and_works_inside_no_grad():
    with no_grad():
        result = check_op(lambda x: x * x * x + x.tanh())
    assert result.ok, result.message


@STYLES
def test_forgot_upstream_gradient(style):
    result = check_op(style("cube", lambda v: v**3, lambda x, t: 3 * x**2, upstream=False))
    assert (result.ok, result.mistake, result.input) == (False, "forgot_upstream", "x")
    x0, g = result.point[0], result.upstream
    assert 0.5 <= abs(g) <= 2.5 and abs(g - 1.0) >= 0.25
    assert result.analytic == pytest.approx(3 * x0**2)  # does not scale with g
    assert result.numeric == pytest.approx(g * 3 * x0**2, rel=1e-6)
    assert "忘了乘上游梯度" in result.message and f"g = {g:.6g}" in result.message
    numbers_shown(result)


@STYLES
def test_assign_instead_of_accumulate(style):
    result = check_op(style("cube", lambda v: v**3, lambda x, t: 3 * x**2, accumulate=False))
    assert (result.ok, result.mistake) == (False, "assign_instead_of_accumulate")
    x0, g = result.point[0], result.upstream
    assert result.analytic == pytest.approx(g * 3 * x0**2)  # one of the two uses
    assert result.numeric == pytest.approx(2 * g * 3 * x0**2, rel=1e-6)
    assert "用了 `=` 而不是 `+=`" in result.message and "cube(x) + cube(x)" in result.message
    numbers_shown(result)


@STYLES
def test_sign_error(style):
    result = check_op(style("cube", lambda v: v**3, lambda x, t: -3 * x**2))
    assert (result.mistake, result.upstream) == ("sign", 1.0)
    x0 = result.point[0]
    assert (result.analytic, result.numeric) == pytest.approx((-3 * x0**2, 3 * x0**2), rel=1e-6)
    assert "符号反了" in result.message
    numbers_shown(result)


FORMS = [  # (name, forward, learner's local, mistake, analytic(x0), numeric(x0))
    ("tanh", math.tanh, lambda x, t: 1 - x**2, "input_in_output_form", "代入了输入",
     lambda x: 1 - x**2, lambda x: 1 - math.tanh(x) ** 2),
    ("tanh", math.tanh, lambda x, t: 1 - math.tanh(t) ** 2, "output_in_input_form", "代入了输出",
     lambda x: 1 - math.tanh(math.tanh(x)) ** 2, lambda x: 1 - math.tanh(x) ** 2),
    ("sigmoid", sigmoid, lambda x, s: x * (1 - x), "input_in_output_form", "代入了输入",
     lambda x: x * (1 - x), lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ("sigmoid", sigmoid, lambda x, s: sigmoid(s) * (1 - sigmoid(s)), "output_in_input_form",
     "代入了输出", lambda x: sigmoid(sigmoid(x)) * (1 - sigmoid(sigmoid(x))),
     lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ("exp", math.exp, lambda x, t: x, "input_in_output_form", "代入了输入",
     lambda x: x, math.exp),
]  # fmt: skip


@STYLES
@pytest.mark.parametrize("case", FORMS, ids=[f"{c[0]}-{c[3]}" for c in FORMS])
def test_input_versus_output_form(style, case):
    name, forward, local, mistake, phrase, analytic, numeric = case
    result = check_op(style(name, forward, local))
    assert (result.mistake, result.input) == (mistake, "x")
    x0 = result.point[0]
    assert result.analytic == pytest.approx(analytic(x0))
    assert result.numeric == pytest.approx(numeric(x0), rel=1e-6)
    assert phrase in result.message
    numbers_shown(result)


@STYLES
def test_wrong_formula_is_named_with_both_numbers(style):
    result = check_op(style("cube", lambda v: v**3, lambda x, t: 2 * x**2))
    assert result.mistake == "wrong_formula" and "公式不对" in result.message
    x0 = result.point[0]
    assert (result.analytic, result.numeric) == pytest.approx((2 * x0**2, 3 * x0**2), rel=1e-6)
    numbers_shown(result)


@STYLES
def test_closure_never_attached_sends_no_gradient(style):
    result = check_op(style("cube", lambda v: v**3, lambda x, t: 3 * x**2, attach=False))
    assert (result.mistake, result.analytic) == ("no_gradient", 0.0)
    assert "没有传到 x" in result.message and "out._backward = _backward" in result.message
    numbers_shown(result)


def test_output_that_does_not_list_its_input():
    def cube(x):
        out = Value(x.data**3, (), "cube")  # the (x,) is missing

        def _backward():
            x.grad += 3 * x.data**2 * out.grad

        out._backward = _backward
        return out

    result = check_op(cube)
    assert (result.ok, result.mistake, result.input) == (False, "missing_parents", "x")
    assert "没有把输入 x 记成父节点" in result.message and "(x,)" in result.message


def test_gradient_built_from_values_instead_of_numbers():
    def cube(x):
        out = Value(x.data**3, (x,), "cube")

        def _backward():
            x.grad += 3 * x**2 * out.grad  # x, not x.data: x.grad becomes a Value

        out._backward = _backward
        return out

    result = check_op(cube)
    assert (result.ok, result.mistake, result.point) == (False, "grad_not_number", (-1.3,))
    assert "x.grad 变成了一个 Value（Value(data=5.07" in result.message
    assert "`x.data`" in result.message


def test_two_inputs_swapped_partials_name_both_inputs():
    result = check_op(lambda a, b: engine_mul(a, b, swap=True), name="mul")
    assert (result.mistake, result.input, result.point) == ("swapped_inputs", "a", (-1.3, 0.35))
    assert (result.analytic, result.numeric) == pytest.approx((-1.3, 0.35))
    assert "a 和 b 的偏导对调了" in result.message and "a = -1.3, b = 0.35" in result.message


def test_two_inputs_forgot_upstream_on_one_input_names_it():
    result = check_op(lambda a, b: engine_mul(a, b, forget_b=True), name="mul")
    assert (result.mistake, result.input) == ("forgot_upstream", "b")
    a0, _ = result.point
    assert result.analytic == pytest.approx(a0)
    assert result.numeric == pytest.approx(result.upstream * a0, rel=1e-6)
    assert "b.grad = " in result.message


def test_upstream_multiplied_twice_is_not_called_forgotten():
    def cube(x):
        def _backward(g):
            x.grad += 3 * x.data**2 * g * g

        return _node(x.data**3, (x,), "cube", _backward)

    result = check_op(cube)
    g, x0 = result.upstream, result.point[0]
    assert result.mistake == "upstream_misused" and "上游梯度用得不对" in result.message
    assert result.analytic == pytest.approx(3 * x0**2 * g * g)


def test_points_and_domain_are_honoured():
    log = engine_op("log", math.log, lambda x, t: 1 / x)
    assert check_op(log, points=[0.5, 2.0]).points == [(0.5,), (2.0,)]
    points = [p[0] for p in check_op(log, domain=(1, 3)).points]
    assert points == pytest.approx([1.22, 1.58, 1.94, 2.36, 2.72])  # 1 + 2 × fractions
    assert check_op(lambda a, b: a / b, points=[(1.0, 2.0), (3.0, -0.5)]).ok
    assert all(
        p[1] > 0 for p in check_op(lambda a, b: a / b, domain=[(None, None), (0, None)]).points
    )


def test_seed_fixes_the_random_upstream_gradient():
    forgot = lecture_op("cube", lambda v: v**3, lambda x, t: 3 * x**2, upstream=False)
    assert check_op(forgot, seed=7).upstream == check_op(forgot, seed=7).upstream
    assert check_op(forgot, seed=7).upstream != check_op(forgot, seed=8).upstream


def test_display_in_jupyter():
    good = check_op(lecture_mul)
    bad = check_op(lambda a, b: engine_mul(a, b, swap=True), name="a<b")
    assert isinstance(good, CheckResult) and str(good) == good.message
    assert "✅" in good._repr_html_() and "#2e7d32" in good._repr_html_()
    html = bad._repr_html_()
    assert "❌" in html and "a&lt;b" in html and "<code>a&lt;b</code>" in html and "<br>" in html


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda: check_op(3), TypeError, "op must be a function of Values, got int"),
        (lambda: check_op(lambda x: 2.0), TypeError, "op must return a Value, got float"),
        (lambda: check_op(lambda *xs: xs[0]), TypeError, "pass nin="),
        (lambda: check_op(lambda x: x, nin=0), ValueError, "nin must be an int >= 1, got 0"),
        (lambda: check_op(lambda a, b: a * b, points=[1.0]), ValueError, "has 1 coordinates"),
        (lambda: check_op(lambda x: x.log(), points=[-1.0], domain=(0, None)), ValueError,
         "point x=-1.0 is outside domain (0.0, None)"),
        (lambda: check_op(lambda x: x, domain=(2, 1)), ValueError, "domain (2.0, 1.0) is empty"),
        (lambda: check_op(lambda x: x, points=[]), ValueError, "points is empty"),
        (lambda: check_op(lambda x: x, points=0.5), TypeError, "points must be a list of numbers"),
        (lambda: check_op(lambda x: x, points=["1"]), TypeError, "point coordinate must be"),
        (lambda: check_op(lambda x: x.log()), ValueError, "op raised ValueError at x=-1.3 (log: "
         "input must be > 0, got -1.3); check it only inside its domain: pass domain=(low, high)"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)
