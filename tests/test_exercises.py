"""Tests for micrograd_cn.exercises.check_op: right answers pass in both closure styles, each
classic mistake is named (code, Chinese phrase, the point and both numbers), bad input refused."""

import dataclasses
import inspect
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cn.engine import Value, no_grad
from micrograd_cn.engine import make_node as _node
from micrograd_cn.exercises import CheckResult, check_op, op_domain
from micrograd_cn.gradcheck import numerical_grad
from micrograd_cn.ops import OPS
from micrograd_cn.sample_points import inside


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
    assert result.message.startswith(f"正确：`{name}`") and "5 个点" in result.message
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
    ("exp", math.exp, lambda x, t: math.exp(t), "output_in_input_form", "代入了输出",
     lambda x: math.exp(math.exp(x)), math.exp),
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
    assert good.badge == "正确" and ">正确</span>" in good._repr_html_()
    assert "#2e7d32" in good._repr_html_()
    html = bad._repr_html_()
    assert bad.badge == "有错" and ">有错</span>" in html
    assert "a&lt;b" in html and "<code>a&lt;b</code>" in html and "<br>" in html


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda: check_op(3), TypeError, "op must be a function of Values, got int"),
        (lambda: check_op(lambda *xs: xs[0]), TypeError, "pass nin="),
        (lambda: check_op(lambda x: x, nin=0), ValueError, "nin must be an int >= 1, got 0"),
        (lambda: check_op(lambda a, b: a * b, points=[1.0]), ValueError, "has 1 coordinates"),
        (lambda: check_op(lambda x: x.log(), points=[-1.0], domain=(0, None)), ValueError,
         "point x=-1.0 is outside domain (0.0, None)"),
        (lambda: check_op(lambda x: x, domain=(2, 1)), ValueError, "domain (2.0, 1.0) is empty"),
        (lambda: check_op(lambda x: x, points=[]), ValueError, "points is empty"),
        (lambda: check_op(lambda x: x, points=0.5), TypeError, "points must be a list of numbers"),
        (lambda: check_op(lambda x: x, points=["1"]), TypeError, "point coordinate must be"),
        (lambda: check_op(lambda x: x, time_limit=0), ValueError,
         "time_limit must be > 0 seconds, got 0"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


# ------------------------------------------------------------ the learner's code misbehaves
# Every mistake below gets a Chinese verdict (never a traceback): the badge, what happened,
# where (the learner's own line) and what it most likely means.

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u23e9-\u23fa\ufe0f]")


def line_of(function, text: str) -> int:
    """The line number (in this file) of the first line of ``function`` that contains text."""
    lines, first = inspect.getsourcelines(function)
    return first + next(k for k, line in enumerate(lines) if text in line)


def verdict(result, mistake, badge="有错"):
    assert (result.ok, result.mistake, result.badge) == (False, mistake, badge)
    assert result.message.startswith(f"{badge}：")
    assert not EMOJI.search(result.message + result._repr_html_() + str(result))
    assert "Traceback" not in result.message


def cube_blank_closure(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        raise NotImplementedError("在这里写你的答案")

    out._backward = _backward
    return out


def cube_ellipsis(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += ...

    out._backward = _backward
    return out


def cube_empty_closure(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward(): ...

    out._backward = _backward
    return out


def cube_empty(x): ...


def mlp_blank(x):
    raise NotImplementedError("在这里写你的答案")


@pytest.mark.parametrize(
    ("op", "where"),
    [
        (cube_blank_closure, "raise NotImplementedError"),
        (cube_ellipsis, "x.grad += ..."),
        (mlp_blank, "raise NotImplementedError"),
    ],
)
def test_a_blank_left_in_place_says_not_yet_and_where(op, where):
    result = check_op(op)
    verdict(result, "blank", "还没写")
    assert "还留着空白" in result.message and "再运行这一格" in result.message
    assert result.place.lineno == line_of(op, where) and where in result.place.text
    assert f"第 {result.place.lineno} 行" in result.message
    assert "#8a6d00" in result._repr_html_() and ">还没写</span>" in result._repr_html_()


@pytest.mark.parametrize("op", [cube_empty_closure, cube_empty])
def test_a_body_of_only_dots_is_a_blank_too(op):
    result = check_op(op)
    verdict(result, "blank", "还没写")
    assert f"第 {line_of(op, ': ...')} 行" in result.message and "只有 `...`" in result.message


def cube_typo(x):
    out = Value(x.dat**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


def cube_typo_in_closure(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.dat**2 * out.grad

    out._backward = _backward
    return out


def test_an_exception_in_the_op_names_it_and_its_line_in_chinese():
    result = check_op(cube_typo)
    verdict(result, "forward_error")
    lineno = line_of(cube_typo, "x.dat**3")
    assert result.place.lineno == lineno and result.point == (-1.3,)
    assert result.message.startswith("有错：正向计算（运行 `cube_typo` 本身）在 x = -1.3 处出错")
    assert f'出错的是 `cube_typo` 里的第 {lineno} 行 `out = Value(x.dat**3, (x,), "cube")`' in (
        result.message
    )
    assert "AttributeError: 'Value' object has no attribute 'dat'" in result.message
    assert "Value 对象没有属性 `dat`：检查拼写" in result.message


def test_an_exception_in_the_closure_is_blamed_on_the_backward_with_its_line():
    result = check_op(cube_typo_in_closure)
    verdict(result, "backward_error")
    lineno = line_of(cube_typo_in_closure, "x.dat**2")
    assert result.message.startswith("有错：反向传播（`_backward` 闭包）在 x = -1.3 处出错")
    assert f"出错的是 `_backward` 里的第 {lineno} 行 `x.grad += 3 * x.dat**2" in result.message
    assert "没有属性 `dat`" in result.message


def log_with_bad_backward(x):
    out = Value(math.log(x.data), (x,), "log")

    def _backward():
        x.grad += math.log(-x.data) * out.grad  # ArithmeticError/ValueError in the backward

    out._backward = _backward
    return out


def cube_divides_by_zero(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad / 0

    out._backward = _backward
    return out


@pytest.mark.parametrize(
    ("op", "error", "meaning"),
    [
        (log_with_bad_backward, "ValueError: math domain error", "数学上没有定义"),
        (cube_divides_by_zero, "ZeroDivisionError: float division by zero", "除以了 0"),
    ],
)
def test_an_arithmetic_error_in_the_backward_is_not_blamed_on_the_domain(op, error, meaning):
    result = check_op(op)
    verdict(result, "backward_error")
    assert "反向传播（`_backward` 闭包）" in result.message and "正向" not in result.message
    assert error in result.message and meaning in result.message
    assert "domain=" not in result.message
    assert result.place.function == "_backward"
    if op is log_with_bad_backward:
        assert all(p[0] > 0 for p in result.points)  # log: sampled inside its domain


def test_a_float_instead_of_a_value():
    def cube(x):
        return x.data**3

    result = check_op(cube)
    verdict(result, "not_a_value")
    assert "`cube` 返回的是 float（-2.197" in result.message and "不是 Value" in result.message
    assert "return out" in result.message


def test_the_wrong_number_of_inputs():
    def mul(a):
        return a * a

    result = check_op(mul, nin=2)
    verdict(result, "wrong_inputs")
    assert result.message == (
        "有错：`mul` 要接收 2 个输入（x, y），可是你的函数写成了 `mul(a)`，不能这样调用："
        "检查 `def` 那一行括号里的参数。"
    )


def lecture_cube(local):
    def cube(x):
        out = Value(x.data**3, (x,), "cube")

        def _backward():
            x.grad = local(x.data, x.grad, out.grad)

        out._backward = _backward
        return out

    return cube


@pytest.mark.parametrize(
    ("local", "mistake", "phrase"),
    [
        (lambda x, grad, g: grad + (3 * x**2 + 0j) * g, "grad_complex",
         "x.grad 变成了一个复数（(5.07+0j)）"),
        (lambda x, grad, g: "3x²", "grad_not_real", "x.grad 变成了 str（'3x²'）"),
        (lambda x, grad, g: grad + None * g, "backward_error",
         "TypeError: unsupported operand type(s) for *: 'NoneType' and 'float'"),
    ],
    ids=["complex", "str", "None"],
)  # fmt: skip
def test_a_gradient_that_is_not_a_real_number_is_named(local, mistake, phrase):
    result = check_op(lecture_cube(local))
    verdict(result, mistake)
    assert phrase in result.message


def complex_square(x):
    out = Value(x.data**2, (x,), "square")

    def _backward():
        x.grad += complex(2 * x.data) * out.grad  # the right number, but complex

    out._backward = _backward
    return out


def test_a_complex_gradient_never_passes_as_correct():
    result = check_op(complex_square)
    assert not result.ok and result.mistake == "grad_complex"


def spin_forward(x):
    while True:
        x.data + 1


def spin_backward(x):
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        while True:
            try:
                x.grad = x.grad + 1.0
            except Exception:  # a learner's loop: does not swallow the stop
                x.grad = 0.0

    out._backward = _backward
    return out


@pytest.mark.parametrize(
    ("op", "stage", "line"),
    [(spin_forward, "正向计算（运行 `spin_forward` 本身）", "x.data + 1"),
     (spin_backward, "反向传播（`_backward` 闭包）", "")],
)  # fmt: skip
def test_an_endless_loop_is_stopped_after_the_time_budget_and_named(op, stage, line):
    import time

    start = time.monotonic()
    result = check_op(op, time_limit=0.3)
    elapsed = time.monotonic() - start
    verdict(result, "timeout")
    assert 0.3 <= elapsed < 3
    assert result.message.startswith(
        f"有错：{stage}在 x = -1.3 处运行超过 0.3 秒还没结束，已经停下"
    )
    assert "死循环" in result.message
    assert result.place.function == ("spin_forward" if op is spin_forward else "_backward")
    body = inspect.getsource(op)
    assert result.place.text and result.place.text in body and line in body


def test_the_time_budget_works_outside_the_main_thread_and_restores_the_tracer():
    import sys
    import threading

    found = []
    thread = threading.Thread(target=lambda: found.append(check_op(spin_forward, time_limit=0.2)))
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and found[0].mistake == "timeout"

    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        assert check_op(lecture_mul).ok
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_a_number_where_a_child_belongs_gets_a_chinese_hint():
    def double(x):
        out = Value(x.data * 2, (x, 2.0), "*")  # the classic slip: a constant as a parent

        def _backward():
            x.grad += 2 * out.grad

        out._backward = _backward
        return out

    result = check_op(double)
    verdict(result, "bad_child")
    assert "父节点里有一个 float（2.0），不是 Value" in result.message
    assert "常数直接写进计算" in result.message


class LectureValue:
    """Chapter 00's hand-written Value: a different class from the engine's."""

    def __init__(self, data, _prev=(), _op="", label=""):
        self.data, self.grad, self._prev, self._op, self.label = data, 0.0, _prev, _op, label
        self._backward = lambda: None


class StrictValue(LectureValue):
    """A Value that refuses a non-Value child where it is made, as the engine does."""

    def __init__(self, data, _prev=(), _op="", label=""):
        for position, child in enumerate(_prev):
            if not hasattr(child, "_prev"):
                raise TypeError(f"Value children must be Values: child {position} is float "
                                f"({child!r})")  # fmt: skip
        super().__init__(data, _prev, _op, label)


def test_a_child_refused_by_the_value_class_is_the_same_mistake():
    def double(x):
        out = StrictValue(x.data * 2, (x, 2.0), "*")

        def _backward():
            x.grad += 2 * out.grad

        out._backward = _backward
        return out

    result = check_op(double)
    verdict(result, "bad_child")
    assert "child 1 is float (2.0)" in result.message
    assert "父节点只能是 Value：常数直接写进计算里" in result.message
    # here the refusal is raised in this file; the engine's is inside the package, so there
    # the learner's own line `out = Value(...)` is named
    assert result.place.function == "__init__"


def my_log(x):
    out = Value(math.log(x.data), (x,), "log")

    def _backward():
        x.grad += out.grad / x.data

    out._backward = _backward
    return out


def safe_sqrt(x):
    out = Value(math.sqrt(x.data), (x,), "sqrt")

    def _backward():
        x.grad += 0.5 / out.data * out.grad

    out._backward = _backward
    return out


@pytest.mark.parametrize("op", [my_log, safe_sqrt, lambda x: x.log(), lambda x: x.sqrt()])
def test_default_points_stay_inside_the_ops_domain(op):
    result = check_op(op)
    assert result.ok, result.message
    assert [p[0] for p in result.points] == pytest.approx([0.35, 0.8, 1.3, 2.1, 3.2])


def test_default_points_avoid_a_kink():
    def relu(x):
        return x.relu()

    points = [p[0] for p in check_op(relu, domain=(-0.5, 0.5)).points]
    assert points == pytest.approx([-0.39, -0.21, -0.1, 0.18, 0.36])  # -0.03 moved off 0
    assert check_op(relu, domain=(-0.5, 0.5)).ok


TRIG = {"sin": (math.sin, lambda x, t: math.cos(x)), "cos": (math.cos, lambda x, t: -math.sin(x))}


@STYLES
@pytest.mark.parametrize("name", TRIG)
def test_sin_and_cos_are_sampled_where_their_rows_say(style, name, monkeypatch):
    """The new ops need no entry in exercises.py: check_op reads their rows.  Moving a row's
    interval and kink moves the sample points, and a flipped sign is still named."""
    forward, local = TRIG[name]
    row = OPS[name]
    result = check_op(style(f"my_{name}", forward, local))
    assert result.ok, result.message
    low, high = row.interval("x")
    assert all((low is None or p[0] > low) and (high is None or p[0] < high) for p in result.points)
    for engine_style in (lambda x: x.sin(), lambda x: x.cos()):
        assert check_op(engine_style).ok
    verdict(check_op(style(name, forward, lambda x, t: -local(x, t))), "sign")

    monkeypatch.setitem(
        OPS, name, dataclasses.replace(row, sample={"x": (0.5, 2.0)}, kink="x - 1.2")
    )
    assert op_domain(f"my_{name}", 1).intervals == ((0.5, 2.0),)
    points = [p[0] for p in check_op(style(f"my_{name}", forward, local)).points]
    assert len(points) == 5 and all(0.5 < x < 2.0 for x in points)
    assert min(abs(x - 1.2) for x in points) >= 0.05  # 0.5 + 1.5 × 0.47 = 1.205 moved off the kink
    assert check_op(style(f"my_{name}", forward, local), domain=(-3, -1)).points[0][0] < -1


def test_a_two_input_kink_from_the_row_is_avoided(monkeypatch):
    """maximum's row says its kink is x - y = 0: a point near x == y is moved off it.  With
    x from (0, 1) and y from (-0.35, 0.65) the first point would be (0.11, 0.12)."""
    from micrograd_cn import functional as F

    def maximum(x, y):
        return F.maximum(x, y)

    row = OPS["maximum"]
    monkeypatch.setitem(
        OPS, "maximum", dataclasses.replace(row, sample={"x": (0.0, 1.0), "y": (-0.35, 0.65)})
    )
    result = check_op(maximum)
    assert result.ok, result.message
    assert result.points[0][1] == pytest.approx(0.12)
    assert all(abs(x - y) >= 0.05 for x, y in result.points)


def test_a_failing_check_lists_every_point_it_tried():
    result = check_op(lecture_op("cube", lambda v: v**3, lambda x, t: 2 * x**2))
    assert result.mistake == "wrong_formula"
    assert result.header == ("x", "上游梯度 g", "你的 x.grad", "应为 x.grad", "结果")
    assert [row[0] for row in result.rows] == ["-1.3", "-0.45", "0.35", "0.8", "1.6"]
    for row in result.rows:
        x0 = float(row[0])
        assert float(row[2]) == pytest.approx(2 * x0**2, rel=1e-5)
        assert float(row[3]) == pytest.approx(3 * x0**2, rel=1e-5)
        assert row[4] == "错"
    text = str(result)
    assert text.startswith(result.message) and "检查过的点：" in text
    assert all(row[0] in text for row in result.rows)
    html = result._repr_html_()
    assert html.count("<tr") == 6 and html.count(">错</td>") == 5 and "<th>应为 x.grad</th>" in html


def test_the_upstream_table_marks_each_point():
    result = check_op(lecture_op("cube", lambda v: v**3, lambda x, t: 3 * x**2, upstream=False))
    assert result.mistake == "forgot_upstream" and len(result.rows) == 5
    for row in result.rows:
        x0, g = float(row[0]), float(row[1])
        assert float(row[2]) == pytest.approx(3 * x0**2, rel=1e-5)  # the same for every g
        assert float(row[3]) == pytest.approx(g * 3 * x0**2, rel=1e-5)


def test_an_op_built_with_a_hand_written_value_class_is_checked():
    def cube(x):
        out = LectureValue(x.data**3, (x,), "cube")

        def _backward():
            x.grad += 3 * x.data**2 * out.grad

        out._backward = _backward
        return out

    assert check_op(cube).ok

    def cube_assign(x):
        out = LectureValue(x.data**3, (x,), "cube")

        def _backward():
            x.grad = 3 * x.data**2 * out.grad

        out._backward = _backward
        return out

    assert check_op(cube_assign).mistake == "assign_instead_of_accumulate"


def test_an_op_built_with_micrograds_value_is_checked():
    engine = pytest.importorskip("micrograd.engine")

    def tanh(x):
        t = math.tanh(x.data)
        out = engine.Value(t, (x,), "tanh")  # micrograd keeps _prev as a set

        def _backward():
            x.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    assert check_op(tanh).ok


def test_an_object_without_the_attributes_of_a_value_is_not_a_value():
    class Half:
        data, grad = 1.0, 0.0  # no _prev

    result = check_op(lambda x: Half(), name="half")
    verdict(result, "not_a_value")
    assert "`half` 返回的是 Half" in result.message


# ---------------------------------------------------------------- mutation audit (exercises)


def tanh_output_form_for_positive_inputs(x, t):
    """The output-form 1 − t² fed the input, but only where x > 0: elsewhere a constant 2."""
    return 1 - x**2 if x > 0 else 2.0


@pytest.mark.parametrize("points", [[0.5, -1.3], [0.5]], ids=["agrees-at-one-of-two", "one-point"])
def test_output_form_is_diagnosed_from_every_point_never_from_one(points):
    """Kills ``all(as_output)`` -> ``any(as_output)`` and ``len(as_output) >= 2`` -> ``>= 1``:
    fed tanh(0.5) the formula gives tanh'(0.5), fed tanh(-1.3) it gives 2 — right in output form
    at one point only, so it is a wrong formula, not "input_in_output_form"."""
    op = lecture_op("tanh", math.tanh, tanh_output_form_for_positive_inputs)
    result = check_op(op, points=points)
    assert (result.ok, result.mistake, result.point) == (False, "wrong_formula", (0.5,))
    assert result.analytic == pytest.approx(1 - 0.5**2, rel=1e-12)
    assert result.numeric == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-6)
    assert "公式不对" in result.message
    both = check_op(lecture_op("tanh", math.tanh, lambda x, t: 1 - x**2), points=[0.5, -1.3])
    assert both.mistake == "input_in_output_form"  # right at every point: then it is named


def cube_zeroing_its_input(x):
    """``x.grad = 0.0`` in the forward (zero_grad in the wrong place): used twice, both forwards
    run before either backward, so only a leaf that already holds a gradient shows the slip."""
    x.grad = 0.0
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


def test_a_leaf_that_already_has_a_gradient_must_keep_it():
    """Kills the "leaf already has a gradient" check made a no-op (``_PRESET = 0.75`` -> 0.0,
    or the preset not passed to ``runner.run``): the zeroing op passes every other check."""
    result = check_op(cube_zeroing_its_input, points=[-1.3, 0.7], seed=0)
    assert (result.ok, result.mistake, result.point) == (
        False,
        "assign_instead_of_accumulate",
        (-1.3,),
    )
    g = result.upstream
    assert result.analytic == pytest.approx(g * 3 * 1.3**2, rel=1e-12)
    assert result.numeric == pytest.approx(0.75 + g * 3 * 1.3**2, rel=1e-6)
    assert "输入的 .grad 事先已是 0.75" in result.message and "`x.grad += ...`" in result.message


def test_a_stopped_check_still_names_the_op_its_input_and_every_point():
    """Kills ``Runner.stop`` building its CheckResult with ``name=None``, ``points=None`` or
    without ``points=`` (the op's name and the checked points lost when a check stops early)."""
    result = check_op(lecture_cube(lambda x, grad, g: "3x²"), points=[-1.3, 0.7])
    assert (result.ok, result.name, result.mistake) == (False, "cube", "grad_not_real")
    assert (result.point, result.input, result.points) == ((-1.3,), "x", [(-1.3,), (0.7,)])


# ---------------------------------------------------------------- mutation audit (exercises)
# Each verdict asserted whole: the numbers come from closed forms (3·x² for the cube, 1 − tanh²
# for tanh), the upstream gradient g from the result (its range is checked above).


def said(name, where, how, analytic, via, expected, hint):
    """The verdict check_op's failing comparisons print, with the numbers as shown (6 digits)."""
    return (
        f"有错：`{name}` 的反向传播有错。在 {where} 处{how}：\n"
        f"你的反向传播给出 {analytic}，\n数值梯度（中心差分）说应当是 {via}{expected:.6g}。\n{hint}"
    )


def cube_rule(local):
    """cube written the engine's way; ``local(x, g, grad)`` is the learner's new x.grad."""

    def cube(x):
        def _backward(g):
            x.grad = local(x.data, g, x.grad)

        return _node(x.data**3, (x,), "cube", _backward)

    return cube


TRUE = 3 * 1.3**2  # d(x³)/dx at x = 1.3: 5.07


@pytest.mark.parametrize(
    ("local", "mistake", "hint"),
    [(lambda x, g, grad: grad, "no_gradient",
      "可能的错误：梯度没有传到 x——x.grad 一直是 0。检查是否写了 `out._backward = _backward`，"
      "以及闭包里是否给 `x.grad` 加上了 局部导数 × 上游梯度。"),
     (lambda x, g, grad: grad - 3 * x**2 * g, "sign",
      "可能的错误：符号反了——在每个检查点上你的结果都正好是正确值的相反数，检查公式里的负号"
      "（例如把 1 − t² 写成了 t² − 1）。"),
     (lambda x, g, grad: grad + 2 * x**2 * g, "wrong_formula",
      "可能的错误：局部导数的公式不对（不是符号问题，也不是输入、输出代错）。"
      "先在纸上求出 ∂cube/∂x，再和下表里每个点的数值梯度比较。")],
    ids=["no_gradient", "sign", "wrong_formula"],
)  # fmt: skip
def test_a_wrong_rule_with_upstream_1_gets_the_whole_verdict(local, mistake, hint):
    """Kills the texts of the no_gradient / sign / wrong_formula hints (XX-wrapped,
    case-changed), the verdict's lines and ``（上游梯度 1）``, and the table's header
    and its ``对``/``错`` marks."""
    result = check_op(cube_rule(local), points=[1.3])
    analytic = {"no_gradient": 0.0, "sign": -TRUE, "wrong_formula": 2 * 1.3**2}[mistake]
    assert (result.ok, result.name, result.mistake, result.upstream) == (
        False, "cube", mistake, 1.0)  # fmt: skip
    assert result.message == said(
        "cube", "x = 1.3", "（上游梯度 1）", f"x.grad = {analytic:.6g}", "", TRUE, hint
    )
    assert result.header == ("x", "上游梯度 g", "你的 x.grad", "应为 x.grad", "结果")
    assert (result.point, result.input, result.points) == ((1.3,), "x", [(1.3,)])
    assert result.analytic == pytest.approx(analytic, abs=1e-12)
    assert result.numeric == pytest.approx(TRUE, rel=1e-6)
    assert result.rows == [("1.3", "1", f"{analytic:.6g}", "5.07", "错")]


@pytest.mark.parametrize(
    ("local", "mistake", "analytic", "hint"),
    [(lambda x, g, grad: grad + 3 * x**2, "forgot_upstream", lambda g: TRUE,
      "可能的错误：忘了乘上游梯度——x.grad 没有随上游梯度变化（g = 1 时对，g = {g} 时还是 5.07）。"
      "链式法则：`x.grad += 局部导数 * out.grad`"
      "（闭包带一个参数接收上游梯度时，乘的就是那个参数）。"),
     (lambda x, g, grad: grad + 3 * x**2 * g * g, "upstream_misused", lambda g: TRUE * g * g,
      "可能的错误：上游梯度用得不对——应当是 局部导数 × 上游梯度，相乘且只乘一次："
      "`x.grad += 局部导数 * out.grad`。")],
    ids=["forgot", "misused"],
)  # fmt: skip
def test_a_misused_upstream_gradient_gets_the_whole_verdict(local, mistake, analytic, hint):
    """Kills the forgot_upstream / upstream_misused hint texts, the ``，上游梯度 g = ``
    and ``g × … = `` parts and the ``analytic_text`` passed to the hint."""
    result = check_op(cube_rule(local), points=[1.3])
    g = result.upstream
    assert 0.5 <= abs(g) <= 2.5 and abs(g - 1.0) >= 0.25
    assert (result.ok, result.name, result.mistake) == (False, "cube", mistake)
    assert result.message == said(
        "cube", "x = 1.3", f"，上游梯度 g = {g:.6g}", f"x.grad = {analytic(g):.6g}",
        "g × 5.07 = ", g * TRUE, hint.format(g=f"{g:.6g}"))  # fmt: skip
    assert result.rows == [("1.3", f"{g:.6g}", f"{analytic(g):.6g}", f"{g * TRUE:.6g}", "错")]


def test_a_node_used_twice_that_adds_too_much_gets_the_whole_verdict():
    """Kills the reuse_wrong hint, the ``把 `cube(x) + cube(x)` 这样用两次`` case and the
    ``2 × g × `` shown with the expected gradient."""
    result = check_op(cube_rule(lambda x, g, grad: 2 * grad + 3 * x**2 * g), points=[1.3])
    g = result.upstream
    assert (result.ok, result.name, result.mistake) == (False, "cube", "reuse_wrong")
    assert result.message == said(
        "cube", "x = 1.3", f"，把 `cube(x) + cube(x)` 这样用两次、上游梯度 g = {g:.6g}",
        f"x.grad = {3 * g * TRUE:.6g}", "2 × g × 5.07 = ", 2 * g * TRUE,
        "可能的错误：节点被重复使用或叶子已有梯度时结果不对——梯度应当用 `+=` 累加，"
        "而且闭包每次只加一份 局部导数 × 上游梯度。")  # fmt: skip


def test_a_leaf_gradient_overwritten_gets_the_whole_verdict():
    """Kills the assign_instead_of_accumulate hint and the preset case's texts
    (``输入的 .grad 事先已是 0.75``, ``0.75 + g × ``)."""
    result = check_op(cube_zeroing_its_input, points=[1.3])
    g = result.upstream
    case = "输入的 .grad 事先已是 0.75"
    assert (result.ok, result.name, result.mistake) == (
        False, "cube_zeroing_its_input", "assign_instead_of_accumulate")  # fmt: skip
    assert result.message == said(
        "cube_zeroing_its_input", "x = 1.3", f"，{case}、上游梯度 g = {g:.6g}",
        f"x.grad = {g * TRUE:.6g}",
        "0.75 + g × 5.07 = ", 0.75 + g * TRUE,
        f"可能的错误：用了 `=` 而不是 `+=`。{case}，你的闭包运行之前 x.grad 里已经有梯度"
        "（另一次使用送来的，或叶子原有的），赋值把它覆盖了；链式法则要求把各条路径的梯度相加。"
        "把 `x.grad = ...` 改成 `x.grad += ...`。")  # fmt: skip


@STYLES
@pytest.mark.parametrize(
    ("local", "mistake", "analytic", "hint"),
    [(lambda x, t: 1 - x**2, "input_in_output_form", 0.75,
      "可能的错误：你写的是用输出表示的导数（如 tanh 的 1 − t²、sigmoid 的 s(1 − s)，t、s 指输出"
      " out.data），却代入了输入 x.data。"
      "把输入换成输出值后，你的公式在每个检查点都正好给出正确导数。"),
     (lambda x, t: 1 - math.tanh(t) ** 2, "output_in_input_form",
      1 - math.tanh(math.tanh(0.5)) ** 2,
      "可能的错误：你写的是用输入表示的导数（如 1 − tanh(x)²），却代入了输出 out.data，"
      "相当于多套了一层函数。要么代入输入 x.data，要么改用输出形式（如 1 − t²）。")],
    ids=["input_in_output_form", "output_in_input_form"],
)  # fmt: skip
def test_input_and_output_forms_get_the_whole_verdict(style, local, mistake, analytic, hint):
    """Kills the two form hints' texts."""
    result = check_op(style("tanh", math.tanh, local), points=[0.5, 1.3])
    assert (result.name, result.mistake) == ("tanh", mistake)
    assert result.message == said(
        "tanh", "x = 0.5", "（上游梯度 1）", f"x.grad = {analytic:.6g}", "",
        1 - math.tanh(0.5) ** 2, hint)  # fmt: skip


def test_swapped_partials_get_the_whole_verdict():
    """Kills the swapped_inputs hint text and the names it is given."""
    result = check_op(lambda a, b: engine_mul(a, b, swap=True), name="mul", points=[(1.5, 0.4)])
    assert (result.name, result.mistake) == ("mul", "swapped_inputs")
    assert result.message == said(
        "mul", "a = 1.5, b = 0.4", "（上游梯度 1）", "a.grad = 1.5", "", 0.4,
        "可能的错误：a 和 b 的偏导对调了——a.grad 得到的正是 ∂mul/∂b（例如 a·b 对 a 的导数是 b，"
        "对 b 的导数是 a）。")  # fmt: skip


def test_a_right_rule_gets_the_whole_verdict():
    """Kills the success verdict's texts and its point list's separator."""
    result = check_op(cube_rule(lambda x, g, grad: grad + 3 * x**2 * g), points=[1.3, -0.4])
    head, tail = result.message.split("（最大差 ")
    assert head == "正确：`cube` 的反向传播正确：在 2 个点（x = 1.3；x = -0.4）上与数值梯度一致"
    worst, rest = tail.split("）", 1)
    assert 0 <= float(worst) < 1e-6
    assert rest == "；乘上了随机的上游梯度；节点用两次、叶子已有梯度时也正确累加。"
    assert (result.ok, result.name, result.mistake, result.points) == (
        True, "cube", None, [(1.3,), (-0.4,)])  # fmt: skip


def where_checked(result):
    """The point list of a success verdict: ``在 1 个点（x = 2）上`` -> ``x = 2``."""
    assert result.ok, result.message
    return result.message.split("个点（")[1].split("）上与数值梯度一致")[0]


class Square:
    """A callable object: no ``__name__``."""

    def __call__(self, x):
        return x * x


def power(x, k=2):
    return x**k


@pytest.mark.parametrize(
    ("op", "kwargs", "name", "where"),
    [(lambda *xs: xs[0] * xs[1] + xs[2] * xs[3], {"nin": 4}, "op",
      "x1 = 1, x2 = 2, x3 = 3, x4 = 4"),
     (lambda *xs: xs[0] * xs[1] + xs[2], {"nin": 3}, "op", "x = 1, y = 2, z = 3"),
     (lambda a, b, c: a * b + c, {}, "op", "a = 1, b = 2, c = 3"),
     (Square(), {}, "op", "x = 1"),
     (power, {}, "power", "x = 1"),
     (power, {"name": "square"}, "square", "x = 1"),
     (lambda x=0.0: x * x, {}, "op", "x = 1")],
    ids=["four", "three-star", "three-named", "object", "default-not-counted", "name-given",
         "all-defaulted"],
)  # fmt: skip
def test_inputs_are_named_from_the_signature_or_x_y_z_or_x1_to_xn(op, kwargs, name, where):
    """Kills ``_input_names``' ``nin <= 3`` boundary and ``x{i + 1}`` numbering, the default
    name ``"op"`` (for a lambda and for an object without ``__name__``), parameters with
    defaults counted as inputs, and ``len(positional) or 1`` -> ``or 2``."""
    nin = where.count("=")
    point = tuple(range(1, nin + 1))
    result = check_op(op, points=[point], **kwargs)
    assert (result.name, where_checked(result)) == (name, where)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [(lambda: check_op(3), TypeError, "check_op: op must be a function of Values, got int"),
     (lambda: check_op(lambda *xs: xs[0]), TypeError,
      "check_op: op takes *args; pass nin= (the number of inputs)"),
     (lambda: check_op(lambda x: x, nin=0), ValueError, "check_op: nin must be an int >= 1, got 0"),
     (lambda: check_op(lambda x: x, nin=True), ValueError,
      "check_op: nin must be an int >= 1, got True"),
     (lambda: check_op(lambda x: x, nin=1.0), ValueError,
      "check_op: nin must be an int >= 1, got 1.0"),
     (lambda: check_op(lambda x: x, time_limit=0), ValueError,
      "check_op: time_limit must be > 0 seconds, got 0"),
     (lambda: check_op(lambda x: x, time_limit="1"), TypeError,
      "time_limit must be a real number (int or float), got str"),
     (lambda: check_op(lambda x: x, atol="0"), TypeError,
      "atol must be a real number (int or float), got str"),
     (lambda: check_op(lambda x: x, rtol=None), TypeError,
      "rtol must be a real number (int or float), got NoneType")],
)  # fmt: skip
def test_bad_arguments_are_refused_with_the_whole_message(call, error, message):
    """Kills the argument checks' messages (None, XX-wrapped, case-changed), the ``as_real``
    labels, and ``nin`` checks loosened (``bool``/``int``/``< 1``)."""
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("x0", "scale", "shift", "kwargs", "ok"),
    [(1.3, 1 + 5e-5, 0.0, {}, True),  # 5e-5 relative: inside rtol = 1e-4
     (1.3, 1 + 2e-4, 0.0, {}, False),  # 2e-4 relative: outside
     (0.0, 1.0, 4e-7, {}, True),  # the true gradient is 0: inside atol = 1e-6 (used twice too)
     (0.0, 1.0, 2e-6, {}, False),
     (1.3, 2.0, 0.0, {"rtol": 0.6}, True),  # |2d − d| <= 0.6 · max(2d, d)
     (1.3, 2.0, 0.0, {"rtol": 0.4}, False),
     (1.3, 1.0, 0.25, {"atol": 0.6, "rtol": 0.0}, True),  # used twice: 0.5 off
     (1.3, 1.0, 0.25, {"atol": 0.2, "rtol": 0.0}, False)],
)  # fmt: skip
def test_a_gradient_is_right_within_atol_plus_rtol_times_the_larger(x0, scale, shift, kwargs, ok):
    """Kills ``_close``'s tolerance changed (``<=`` -> ``<`` aside): ``atol - rtol``,
    ``rtol / max``, ``min`` for ``max``, and the defaults ``atol=1e-6`` / ``rtol=1e-4``
    turned into 1.000001 / 1.0001.  The rule is ``scale`` times 3x², plus ``shift``."""
    rule = cube_rule(lambda x, g, grad: grad + scale * 3 * x**2 * g + shift)
    result = check_op(rule, points=[x0], **kwargs)
    assert result.ok is ok, result.message


def test_the_upstream_gradients_are_random_signed_and_away_from_1():
    """Kills the upstream draw changed (and the default ``seed=0`` -> 1): the start ``g = 1.0``
    (then never redrawn), the
    ``abs(g - 1.0) < 0.25`` test, the signs ``(-1.0, 1.0)`` and the range ``uniform(0.5, 2.5)``.
    25 draws (seeds 0-4, five points each) spread over ±[0.5, 2.5], none within 0.25 of 1."""
    forgot = cube_rule(lambda x, g, grad: grad + 3 * x**2)  # fails at the upstream check
    draws = [float(row[1]) for seed in range(5) for row in check_op(forgot, seed=seed).rows]
    assert len(draws) == len(set(draws)) == 25
    assert all(0.5 <= abs(g) <= 2.5 and abs(g - 1.0) >= 0.25 for g in draws)
    assert min(draws) < -2.0 and max(draws) > 2.0 and min(map(abs, draws)) < 0.7
    assert any(0 < g < 0.75 for g in draws) and any(1.25 < g < 1.5 for g in draws)
    assert check_op(forgot).rows == check_op(forgot, seed=0).rows  # seed 0 by default


def test_an_empty_closure_gets_the_whole_not_yet_sentence():
    """Kills the empty-``_backward`` verdict's texts, its name, ``"blank"`` code and points."""
    result = check_op(cube_empty_closure, points=[1.3, 0.7])
    line = line_of(cube_empty_closure, ": ...")
    assert (result.ok, result.name, result.mistake, result.points) == (
        False, "cube_empty_closure", "blank", [(1.3,), (0.7,)])  # fmt: skip
    assert result.message == (
        f"还没写：`cube_empty_closure` 的 `_backward` 还是空的（第 {line} 行的函数体只有 `...`）。"
        "按上面的说明写出它，再运行这一格。"
    )


def tanh_rule(local):
    """tanh written the lecture's way; ``local(x)`` is the learner's local derivative."""
    return lecture_op("tanh", math.tanh, lambda x, t: local(x))


def refuses_below_0_1(x):
    """1 − x², the output form fed the input, that fails (log of a negative) below x = 0.1."""
    return 1 - x**2 if x >= 0.1 else math.log(-1.0)


@pytest.mark.parametrize(
    ("op", "points", "domain"),
    [(tanh_rule(lambda x: 1 - x**2), [0.305, 0.8, 1.3], (0.3, None)),  # tanh(0.305) < 0.3
     (tanh_rule(refuses_below_0_1), [0.1003, 0.8, 1.3], None)],  # tanh(0.1003) < 0.1
    ids=["outside-the-domain", "raises-there"],
)  # fmt: skip
def test_a_point_whose_output_cannot_be_tried_is_skipped_not_the_end(op, points, domain):
    """Kills ``_diagnose_formula``'s ``continue`` -> ``break`` (both): the output-form test
    tries the rule at f(x0); the first point's f(x0) is outside the domain, or the rule fails
    there, and the two other points still show the output form fed the input."""
    result = check_op(op, points=points, domain=domain)
    assert result.mistake == "input_in_output_form"
    (x0,) = result.point  # the first point where 1 − x0² is off by more than rtol
    assert result.analytic == pytest.approx(1 - x0**2, rel=1e-12)
    assert result.numeric == pytest.approx(1 - math.tanh(x0) ** 2, rel=1e-6)


def test_exps_gradient_written_as_the_input_is_a_wrong_formula():
    """Kills ``len(names) == 1 and`` -> ``or`` before the output-form test: x.data for exp's
    gradient agrees with e^x's output form (t) at f(x0), yet it is the input itself, not an
    output form, so it is called a wrong formula."""
    result = check_op(lecture_op("exp", math.exp, lambda x, t: x), points=[0.5, 1.3])
    assert (result.mistake, result.point) == ("wrong_formula", (0.5,))
    assert (result.analytic, result.numeric) == pytest.approx((0.5, math.exp(0.5)), rel=1e-6)


def test_a_wrong_partial_of_a_two_input_op_is_not_called_swapped():
    """Kills ``j != i and`` -> ``or`` in the swapped-inputs test: a.grad = 2b is neither
    ∂(a·b)/∂a = b nor ∂(a·b)/∂b = a."""

    def mul(a, b):
        def _backward(g):
            a.grad += 2 * b.data * g
            b.grad += a.data * g

        return _node(a.data * b.data, (a, b), "mul", _backward)

    result = check_op(mul, points=[(1.5, 0.4)])
    assert (result.mistake, result.input, result.point) == ("wrong_formula", "a", (1.5, 0.4))
    assert (result.analytic, result.numeric) == pytest.approx((0.8, 0.4), rel=1e-6)


def test_a_gradient_no_larger_than_atol_is_not_called_a_flipped_sign():
    """Kills ``abs(y) > 1e-6`` -> ``>=`` in the sign test: 1e-6 · x at x = 0 has gradient
    exactly 1e-6 (central differences give it exactly), as small as atol, so −1e-6 is not
    named a sign error."""
    tiny = lecture_op("tiny", lambda v: 1e-6 * v, lambda x, t: -1e-6)
    result = check_op(tiny, points=[0.0])
    assert (result.mistake, result.analytic, result.numeric) == ("wrong_formula", -1e-6, 1e-6)


def test_nin_of_one_is_accepted_for_an_op_taking_star_args():
    """kills exercises._input_names__mutmut_22: `nin < 1` -> `nin <= 1` (nin=1 is valid)."""
    result = check_op(lambda *xs: xs[0].tanh(), nin=1)
    assert result.ok and result.mistake is None


def test_the_probe_point_lies_inside_every_domain_in_the_op_table():
    """kills exercises._probe_symbol__mutmut_3/4/6: probe 0.8 - 0.1·i -> 0.8 + 0.1·i,
    1.8 - 0.1·i, 0.8 - 1.1·i (a point outside some domain: the probe can crash there)."""
    calls = []

    def op(x, y, z):
        calls.append((x.data, y.data, z.data))
        return x * y * z

    assert check_op(op).ok
    probe = calls[0]  # the first call is the probe, before any sampled point
    bounds = [row.interval(n) for row in OPS.values() if not row.nary for n in row.inputs]
    for v in probe:
        assert all(inside(v, b) for b in bounds), (v, [b for b in bounds if not inside(v, b)])


# 3·|x|·x instead of 3x²: right where x > 0, the opposite where x < 0
cube_wrong_for_negative_inputs = lecture_op("cube", lambda x: x**3, lambda x, t: 3 * abs(x) * x)


def test_the_table_marks_each_point_right_or_wrong():
    """kills exercises.x__table__mutmut_10/11/27/32/34: a row is "对" when every gradient of
    that point matches and "错" otherwise (right = None/False from the start, the
    failure flag None, the test always false, "对" changed)."""
    result = check_op(cube_wrong_for_negative_inputs, points=[-1.3, 0.7, -0.4, 2.0])
    assert [(row[0], row[-1]) for row in result.rows] == [
        ("-1.3", "错"),
        ("0.7", "对"),
        ("-0.4", "错"),
        ("2", "对"),
    ]


times_two = lecture_op("times_two", lambda x: 2.0 * x, lambda x, t: 2.0)


def test_zero_tolerance_accepts_an_exact_gradient():
    """With eps = 2**-20 the central difference of 2x is exactly 2 (every step is exact in
    binary), so even atol = rtol = 0 accepts it: the tolerance is inclusive (<=).

    kills exercises.x__close__mutmut_3 (``<=`` -> ``<``: 0 < 0 is false)."""
    result = check_op(times_two, points=[0.5, -1.25], eps=2.0**-20, atol=0.0, rtol=0.0)
    assert (result.ok, result.mistake) == (True, None)
    assert "（最大差 0.0e+00）" in result.message


def test_a_wrong_signature_keeps_the_name_and_the_points():
    """kills exercises.x__wrong_inputs__mutmut_8 (the result's name None), _10/_15 and
    x_check_op__mutmut_98 (its points None or left out)."""

    def cube(x, y):
        return x * x * x

    result = check_op(cube, nin=1, points=[0.5, -1.5])
    assert (result.ok, result.mistake, result.name, result.points) == (
        False,
        "wrong_inputs",
        "cube",
        [(0.5,), (-1.5,)],
    )


def test_the_name_alone_gives_the_domain_when_the_symbol_is_unknown():
    """``log`` by name, its node's ``_op`` a symbol the table does not know: sampled at x > 0.

    kills exercises.x_check_op__mutmut_54/55 (``op_domain(None, nin)``, ``op_domain(name,
    None)``: no domain, then a negative point and a forward error)."""

    def log(x):
        out = Value(math.log(x.data), (x,), "my-op")

        def _backward():
            x.grad += out.grad / x.data

        out._backward = _backward
        return out

    result = check_op(log)
    assert (result.ok, result.mistake) == (True, None)
    assert all(point[0] > 0.0 for point in result.points)


def test_an_unrelated_empty_helper_is_not_a_blank_backward():
    """A ``def`` whose body is ``pass`` elsewhere in the op is not the blank ``_backward``:
    the gradient is there and wrong, so the verdict is the formula.

    kills exercises.x__check__mutmut_86 (the blank check made for every mistake)."""

    def cube(x):
        def unused():
            pass

        out = Value(x.data**3, (x,), "cube")

        def _backward():
            x.grad += 2 * x.data * out.grad

        out._backward = _backward
        return out

    assert check_op(cube).mistake == "wrong_formula"


def mul_assigning(x, y):
    """x * y with ``=`` in place of ``+=``."""
    out = Value(x.data * y.data, (x, y), "*")

    def _backward():
        x.grad = y.data * out.grad
        y.grad = x.data * out.grad

    out._backward = _backward
    return out


def test_the_reuse_case_writes_the_call_with_every_input():
    """kills exercises.x__check__mutmut_197 (the inputs of ``mul(x, y) + mul(x, y)`` joined by
    "XX, XX")."""
    result = check_op(mul_assigning, points=[(0.5, -1.5)], name="mul")
    assert result.mistake == "assign_instead_of_accumulate"
    assert "把 `mul(x, y) + mul(x, y)` 这样用两次" in result.message


def test_the_success_message_gives_the_largest_difference():
    """The largest |analytic - numeric| over the points, to two digits.

    kills exercises.x__check__mutmut_280 (numeric compared with itself: always 0.0e+00)."""
    points = [0.5, -1.5]
    cube_done_right = lecture_op("cube", lambda x: x**3, lambda x, t: 3 * x**2)
    result = check_op(cube_done_right, points=points)
    numeric = [numerical_grad(lambda v: v**3, [p])[0] for p in points]
    worst = max(abs(3 * p**2 - d) for p, d in zip(points, numeric))
    assert result.ok and 0.0 < worst < 1e-6
    assert f"（最大差 {worst:.1e}）" in result.message
