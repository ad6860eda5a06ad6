"""micrograd_cn.formula: the rule language evaluates only its whitelist and prints formulas
the way a learner writes them (with their names, or with numbers)."""

import math

import pytest

from micrograd_cn.formula import FUNCTIONS, PARAMS, evaluate, is_atom, names_in, render


@pytest.mark.parametrize(
    ("formula", "env", "expected"),
    [
        ("k * x ** (k - 1)", {"k": 3.0, "x": 2.0}, 12.0),
        ("1 - out ** 2", {"out": 0.5}, 0.75),
        ("1 if x > 0 else slope", {"x": -1.0, "slope": 0.2}, 0.2),
        ("1 if x > y else (0.5 if x == y else 0)", {"x": 2.0, "y": 2.0}, 0.5),
        ("x > 0 or (x != 0 and k == round(k))", {"x": -2.0, "k": 3.0}, True),
        ("x > 0 and x <= 1 and x >= 0.5 and x < 2", {"x": 0.75}, True),
        ("-exp(x_j - x_i + out)", {"x_i": 1.0, "x_j": 1.0, "out": 0.0}, -1.0),
        ("+x", {"x": 2.0}, 2.0),
        ("cos(x) + sin(x)", {"x": 0.5}, math.cos(0.5) + math.sin(0.5)),
        ("sign(x) + sign(0) + sign(-x)", {"x": 3.0}, 0.0),
        ("sigmoid(x)", {"x": -800.0}, 0.0),
        ("sigmoid(0)", {}, 0.5),
    ],
)
def test_evaluate(formula, env, expected):
    assert evaluate(formula, env) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "a.data", "(lambda: 1)()", "[x for x in a]", "open('f')", "a[0]", "~a"],
)
def test_evaluate_rejects_anything_else(text):
    with pytest.raises((ValueError, KeyError)):
        evaluate(text, {"a": 1.0})


def test_evaluate_refuses_complex_results_and_names_unknown_syntax():
    with pytest.raises(ValueError, match=r"^not a real number$"):
        evaluate("x ** 0.5", {"x": -4.0})
    with pytest.raises(ValueError, match=r"^formula element not allowed: Attribute"):
        evaluate("a.data", {"a": 1.0})
    with pytest.raises(KeyError, match="__import__"):
        evaluate("__import__('os')", {})


def test_functions_are_the_elementary_ones():
    """A new op's derivative (cos for sin) is written with no change to this module."""
    assert {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "sign"} <= set(FUNCTIONS)
    assert FUNCTIONS["cos"] is math.cos and "eval" not in FUNCTIONS and "open" not in FUNCTIONS
    assert {"k", "c", "n", "slope", "alpha"} == PARAMS


@pytest.mark.parametrize(
    ("formula", "names", "env", "numeric", "shown"),
    [
        ("1 - out ** 2", {"out": "f"}, None, False, "1 − f²"),
        ("1 - out ** 2", {}, {"out": 0.5}, True, "1 − 0.5²"),
        ("1 - out ** 2", {"out": "苹果 总价"}, None, False, "1 − (苹果 总价)²"),
        ("k * x ** (k - 1)", {}, None, False, "k·x^(k − 1)"),
        ("k * x ** (k - 1)", {"x": "a"}, {"k": 3.0, "x": -2.0}, False, "3·a²"),
        ("k * x ** (k - 1)", {"x": "a"}, {"k": 3.0, "x": -2.0}, True, "3·(-2)²"),
        ("1 / (2 * out)", {}, None, False, "1/(2·out)"),
        ("out * (1 - out)", {}, None, False, "out·(1 − out)"),
        ("sigmoid(x)", {}, None, False, "σ(x)"),
        ("1 if x > 0 else out + alpha", {"alpha": "α"}, None, False, "1 if x > 0 else out + α"),
        ("1 if x > 0 else slope", {}, {"x": -1.0, "slope": 0.2}, True, "0.2"),
        ("1 if x > 0 else 0", {"x": "h"}, None, False, "1 if h > 0 else 0"),
        (
            "1 if x > y else (0.5 if x == y else 0)",
            {"x": "p", "y": "q"},
            {},
            False,
            "1 if p > q else (0.5 if p == q else 0)",
        ),
        ("-x / y ** 2", {}, None, False, "−x/y²"),
        ("exp(x - out)", {}, None, False, "exp(x − out)"),
        ("cos(x)", {"x": "a"}, None, False, "cos(a)"),
        ("-sin(x)", {}, {"x": 0.5}, True, "−sin(0.5)"),
        ("x ** 1", {"x": "a"}, None, False, "a"),
        ("x ** 3", {"x": "a"}, None, False, "a³"),
        ("+x", {"x": "a"}, None, False, "a"),
        ("x * y", {}, {"x": -2.0, "y": 3.0}, True, "(-2)·3"),
        ("x != 0", {}, None, False, "x ≠ 0"),
    ],
)
def test_render_as_a_learner_writes_it(formula, names, env, numeric, shown):
    assert render(formula, names, env, numeric) == shown


def test_names_in_and_is_atom():
    assert sorted(names_in("leaky_relu(x, slope)")) == ["slope", "x"]
    assert names_in("exp(x - out)") == {"x", "out"}
    assert [is_atom(t) for t in ("a", "2", "f(x, y)", "-2", "−x", "a·b", "x²", "1 − f")] == [
        True, True, True, False, False, False, False, False,
    ]  # fmt: skip
