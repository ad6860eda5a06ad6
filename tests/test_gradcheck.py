"""Tests for micrograd_cn.gradcheck: closed-form finite differences, passing checks, wrong
rules caught with every failing input listed worst first, and input validation."""

import math
import re

import pytest

from micrograd_cn import functional as F
from micrograd_cn.engine import Value, make_node, no_grad
from micrograd_cn.gradcheck import GradcheckError, gradcheck, numerical_grad


def wrong_times(a, b, factor_a=1.0, factor_b=1.0):
    """a * b with a deliberately wrong rule: each side's gradient scaled by a factor."""

    def _backward(g):
        a.grad += factor_a * b.data * g
        b.grad += factor_b * a.data * g

    return make_node(a.data * b.data, (a, b), "bad*", _backward)


def parse_failures(message):
    pattern = r"  (.+?): analytic (\S+), numeric (\S+), \|difference\| (\S+)"
    return [(name, float(a), float(n), float(d)) for name, a, n, d in re.findall(pattern, message)]


def test_numerical_grad_matches_closed_forms():
    grads = numerical_grad(lambda x, y: x * y + x.exp(), [2.0, Value(3.0)])
    assert grads == pytest.approx([3.0 + math.exp(2.0), 2.0], rel=1e-8)
    assert numerical_grad(lambda x: x**3, [Value(-1.5)], eps=1e-4) == pytest.approx(
        [6.75], rel=1e-7
    )


def test_numerical_grad_builds_no_graph_and_leaves_inputs_alone():
    seen = []

    def f(x):
        out = x * x
        seen.append(out._prev)
        return out

    x = Value(3.0, label="x")
    numerical_grad(f, [x])
    assert seen == [(), ()]
    assert (x.data, x.grad) == (3.0, 0.0)


@pytest.mark.parametrize(
    ("f", "xs"),
    [
        (lambda x, y: (x * y).tanh() + x.exp(), [0.5, -1.5]),
        (lambda x, y, z: ((x + y) * z).sigmoid() / (1.0 + y * y), [-2.0, 5.0, -4.0]),
        (lambda a, b: a**b + (2.0 - a).softplus(), [1.3, 0.7]),
        (
            lambda a, b, c: F.logsumexp([a, b * 2.0, c]) + F.dot([a, b], [c, c], bias=1.0),
            [0.1, -0.2, 0.3],
        ),
        (lambda a: a.log() + a.sqrt() + a.abs() + a.relu() + a.elu() + a.leaky_relu(), [1.7]),
    ],
)
def test_correct_rules_pass(f, xs):
    assert gradcheck(f, xs) is True
    assert gradcheck(f, [Value(x) for x in xs], raise_exception=False) is True


def test_a_function_of_one_list_gets_the_list():
    def f(vs):
        return F.sum([v * v for v in vs])

    assert numerical_grad(f, [1.0, -2.0, 0.5]) == pytest.approx([2.0, -4.0, 1.0], rel=1e-8)
    assert gradcheck(f, [1.0, -2.0, 0.5])
    assert not gradcheck(
        lambda vs: wrong_times(vs[0], vs[1], 3.0), [1.0, 2.0], raise_exception=False
    )


def test_inputs_are_not_modified():
    x = Value(2.0, label="x")
    x.grad = 5.0
    gradcheck(lambda x: x * x, [x])
    assert (x.data, x.grad) == (2.0, 5.0)


def test_works_inside_no_grad():
    with no_grad():
        assert gradcheck(lambda x: x.tanh(), [0.3])


def test_wrong_rule_lists_every_failing_input_worst_first():
    a, b, c = Value(3.0, label="a"), Value(-2.0), Value(0.5, label="c")

    def f(a, b, c):  # d/da is 10x wrong, d/db 2x wrong, d/dc right
        return wrong_times(a, b, factor_a=10.0, factor_b=2.0) + c * c

    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [a, b, c])
    message = str(caught.value)
    assert message.startswith("gradcheck failed for 2 of 3 inputs")
    failures = parse_failures(message)
    names = [name for name, *_ in failures]
    assert names == ["a (input 0)", "input 1"]  # |10·(-2) - (-2)| = 18 before |2·3 - 3| = 3
    (_, analytic_a, numeric_a, diff_a), (_, analytic_b, numeric_b, diff_b) = failures
    assert (analytic_a, analytic_b) == (-20.0, 6.0)
    assert (numeric_a, numeric_b) == pytest.approx((-2.0, 3.0), rel=1e-8)
    assert (diff_a, diff_b) == pytest.approx((18.0, 3.0), rel=1e-8)
    # at least 6 significant digits of each number are shown
    assert re.search(r"analytic -20\.0000\d*, numeric -2\.0000\d+", message)
    assert [f[:2] for f in caught.value.failures] == [(0, "a"), (1, "")]
    assert isinstance(caught.value, AssertionError)
    assert gradcheck(f, [a, b, c], raise_exception=False) is False


def test_a_missing_upstream_factor_is_caught():
    def forgets_g(a):
        def _backward(g):
            a.grad += 2.0 * a.data  # should be 2 a · g

        return make_node(a.data**2, (a,), "sq", _backward)

    x = Value(1.5)
    assert gradcheck(lambda x: forgets_g(x), [x])  # alone, the upstream gradient is 1
    with pytest.raises(
        GradcheckError, match=r"input 0: analytic 3\.00000+, numeric (9\.0000|8\.9999)"
    ):
        gradcheck(lambda x: forgets_g(x) * 3.0, [x])


def test_nan_gradients_are_failures():
    def nan_rule(a):
        def _backward(g):
            a.grad += math.nan

        return make_node(a.data, (a,), "nan", _backward)

    with pytest.raises(GradcheckError, match="analytic nan"):
        gradcheck(lambda x, y: nan_rule(x) + wrong_times(y, y, 2.0, 2.0), [1.0, 1.0])


def test_tolerances_are_applied_per_input():
    f = lambda a: wrong_times(a, Value(1.0), factor_a=1.01)  # noqa: E731 - 1% off
    assert not gradcheck(f, [2.0], raise_exception=False)
    assert gradcheck(f, [2.0], rtol=0.02)
    assert gradcheck(f, [2.0], rtol=0.0, atol=0.011)


def linear_with_rule(true, told):
    """f(*xs) = Σ true_i · x_i, whose backward sends ``told_i · g`` (a deliberately wrong rule)."""

    def f(*xs):
        def _backward(g):
            for x, c in zip(xs, told):
                x.grad += c * g

        return make_node(sum(t * x.data for t, x in zip(true, xs)), xs, "lin", _backward)

    return f


def test_failures_are_sorted_by_their_difference_not_their_sum():
    """a: analytic 10, numeric 9 (difference 1); b: analytic -3, numeric 3 (difference 6).

    Mutants killed: the sort key ``|a + n|`` (b would sort last), ``|n - n|`` (no order).
    """
    with pytest.raises(GradcheckError) as caught:
        gradcheck(linear_with_rule([9.0, 3.0], [10.0, -3.0]), [Value(1.0, label="a"), 2.0])
    assert [f[0] for f in caught.value.failures] == [1, 0]
    lines = str(caught.value).splitlines()
    assert lines[1].startswith("  input 1: analytic -3.000000000, numeric ")  # no label
    assert lines[2].startswith("  a (input 0): analytic 10.00000000, numeric ")


def test_a_nan_gradient_sorts_first():
    """Mutants killed: nan's sort key left nan (``and False``) or every key inf (``or True``)."""
    with pytest.raises(GradcheckError) as caught:
        gradcheck(linear_with_rule([2.0, 2.0, 2.0], [3.0, math.nan, 2.5]), [1.0, 1.0, 1.0])
    assert [f[0] for f in caught.value.failures] == [1, 0, 2]


def test_tolerance_boundary_is_inclusive_and_zero_tolerances_are_allowed():
    """|difference| == atol + rtol·|n| passes: with eps 0.5 at 0, x's numeric slope is exactly 1.

    Mutants killed: ``<=`` -> ``<``, ``atol >= 0`` -> ``atol > 0``.
    """
    assert numerical_grad(lambda x: x * 1.0, [0.0], eps=0.5) == [1.0]
    assert gradcheck(lambda x: x * 1.0, [0.0], eps=0.5, atol=0.0, rtol=0.0)
    assert gradcheck(linear_with_rule([1.0], [1.25]), [0.0], eps=0.5, atol=0.25, rtol=0.0)
    assert not gradcheck(
        linear_with_rule([1.0], [1.25]), [0.0], eps=0.5, atol=0.0, rtol=0.2, raise_exception=False
    )


def test_f_sees_the_labels_of_its_inputs():
    def f(*vs):  # picks its inputs by label: both passes must hand over labelled Values
        named = {v.label: v for v in vs}
        return named["x"] * named["y"] ** 2

    assert gradcheck(f, [Value(3.0, label="x"), Value(-2.0, label="y")])
    assert gradcheck(lambda v: v * 2.0 if v.label == "" else None, [1.5])  # a number: no label
    assert numerical_grad(f, [Value(3.0, label="x"), Value(-2.0, label="y")]) == pytest.approx(
        [4.0, -12.0], rel=1e-8
    )


def test_a_function_returning_a_number_has_zero_numeric_gradient():
    assert numerical_grad(lambda x: 3.0, [1.0]) == [0.0]


def test_a_rule_returning_zero_for_a_small_true_gradient_fails():
    """d/da (0.001 a) = 0.001, the rule says 0: |0 - 0.001| > atol + rtol * 0.001.

    Mutant killed: the tolerance ``atol + rtol * |n|`` written ``atol + rtol``
    (1.01e-3 with the defaults, so a gradient of 1e-3 could be dropped entirely).
    """
    f = lambda a: wrong_times(a, Value(0.001), factor_a=0.0)  # noqa: E731 - the rule gives 0
    assert numerical_grad(lambda a: a * 0.001, [1.0])[0] == pytest.approx(1e-3, rel=1e-9)
    assert not gradcheck(f, [1.0], raise_exception=False)
    with pytest.raises(GradcheckError, match=r"analytic 0\.000000000, numeric 0\.00100000"):
        gradcheck(f, [1.0])


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_relative_tolerance_scales_with_the_size_of_the_true_gradient(sign):
    """True gradient ±1e4: 0.05 % off passes (rtol 1e-3 allows 10), 0.2 % off fails.

    Mutants killed: the ``rtol * |n|`` term dropped or multiplied into atol,
    ``|n|`` written ``n`` (a negative gradient would get a negative tolerance).
    """
    b = Value(sign * 1e4)
    close = lambda a: wrong_times(a, b, factor_a=1.0005)  # noqa: E731 - off by 5
    far = lambda a: wrong_times(a, b, factor_a=1.002)  # noqa: E731 - off by 20
    assert gradcheck(close, [0.5], eps=1e-4)
    assert not gradcheck(far, [0.5], eps=1e-4, raise_exception=False)
    assert gradcheck(far, [0.5], eps=1e-4, atol=25.0)  # atol adds to the relative part


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: gradcheck(lambda a, b, c: a, [1.0, 2.0]),
            TypeError,
            r"^f\(a, b, c\) cannot take the 2 inputs in xs, neither one by one nor as one list$",
        ),
        (
            lambda: numerical_grad(lambda: 1.0, [1.0]),
            TypeError,
            r"^f\(\) cannot take the 1 inputs in xs",
        ),
        (lambda: gradcheck(lambda x: x, [1.0], atol="0"), TypeError, "^atol must be a real number"),
        (
            lambda: gradcheck(lambda x: x, [1.0], rtol=None),
            TypeError,
            "^rtol must be a real number",
        ),
        (lambda: gradcheck(42, [1.0]), TypeError, "f must be callable .*got int"),
        (lambda: numerical_grad("x", [1.0]), TypeError, "f must be callable .*got str"),
        (
            lambda: gradcheck(lambda x: x, []),
            ValueError,
            "^xs is empty: gradcheck needs at least one input$",
        ),
        (lambda: numerical_grad(lambda x: x, ()), ValueError, "xs is empty"),
        (
            lambda: gradcheck(lambda x: x, Value(1.0)),
            TypeError,
            "xs must be a sequence .*got Value",
        ),
        (lambda: gradcheck(lambda x: x, 3.0), TypeError, "xs must be a sequence .*got float"),
        (
            lambda: gradcheck(lambda x: x, ["1"]),
            TypeError,
            r"xs\[0\] must be a real number.*got str",
        ),
        (
            lambda: gradcheck(lambda x: x, [1.0], eps=0.0),
            ValueError,
            "eps must be a finite number > 0",
        ),
        (lambda: numerical_grad(lambda x: x, [1.0], eps=-1e-6), ValueError, "eps must be"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=math.inf), ValueError, "eps must be"),
        (
            lambda: gradcheck(lambda x: x, [1.0], eps="small"),
            TypeError,
            "eps must be a real number",
        ),
        (
            lambda: gradcheck(lambda x: x, [1.0], atol=-1.0),
            ValueError,
            "atol and rtol must be >= 0",
        ),
        (lambda: gradcheck(lambda x: 2.0, [1.0]), TypeError, "f must return a Value, got float"),
        (
            lambda: numerical_grad(lambda x: "y", [1.0]),
            TypeError,
            "f's result must be a real number",
        ),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("x", [-2.5, -0.4, 0.0, 1.0, 3.0])
def test_gradcheck_passes_on_sin_and_cos(x):
    """sin and cos came with two edits; gradcheck needs nothing to know them."""
    assert gradcheck(lambda a: a.sin() * a.cos(), [Value(x)])
    assert gradcheck(lambda a, b: (a * b).sin() + b.cos(), [Value(x), Value(0.7)])
    (d,) = numerical_grad(lambda a: a.sin(), [x])
    assert d == pytest.approx(math.cos(x), rel=1e-8, abs=1e-9)


def test_gradcheck_catches_a_sign_error_in_a_cos_like_op():
    def bad_cos(a):
        def _backward(g):
            a.grad += math.sin(a.data) * g  # the sign of -sin forgotten

        return make_node(math.cos(a.data), (a,), "bad_cos", _backward)

    with pytest.raises(GradcheckError, match=r"input 0: analytic 0\.84147\d+, numeric -0\.84147"):
        gradcheck(bad_cos, [Value(1.0)])
