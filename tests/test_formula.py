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
        ("sigmoid(x)", {"x": 2.0}, 1 / (1 + math.exp(-2.0))),  # kills _sigmoid: -x -> +x
        ("sigmoid(x)", {"x": -2.0}, 1 / (1 + math.exp(2.0))),  # kills _sigmoid: / -> *, 1 + -> 1 -
        ("sigmoid(x)", {"x": 800.0}, 1.0),  # kills _sigmoid: `x >= 0 and False` (overflow)
        ("x > 0 and x < 1", {"x": 2.0}, False),  # kills _eval: all -> any
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
        ("x * (k + c + slope + alpha + n)", {"x": "a"}, dict.fromkeys(PARAMS, 1.5), False, "a·7.5"),
        ("1 if x > 0 else slope * x", {"x": "h"}, {"x": -2.0, "slope": 0.2}, True, "0.2·(-2)"),
        ("1 if x > 0 else slope", {}, {"x": 2.0, "slope": 0.2}, True, "1"),
        (
            "slope * x if x > slope else 0",
            {"x": "h"},
            {"slope": 0.2},
            False,
            "0.2·h if h > 0.2 else 0",
        ),
        (
            "1 if x > 0 else out + alpha",
            {"x": "h", "out": "f"},
            {"alpha": 1.0},
            False,
            "1 if h > 0 else f + 1",
        ),
        ("x > slope", {"x": "h"}, {"x": 2.0, "slope": 0.2}, True, "2 > 0.2"),
        ("cos(x)", {"x": "a"}, {"x": 0.5}, True, "cos(0.5)"),
        ("leaky_relu(x, slope)", {"x": "h"}, None, False, "leaky_relu(h, slope)"),
        ("+x", {"x": "a"}, {"x": 2.0}, True, "2"),
        ("+x", {}, {"x": 2.0}, False, "2"),
        ("-x", {"x": "a"}, {"x": 2.0}, True, "−2"),
        ("x ** y", {}, None, False, "x^y"),
        ("x ** k", {"x": "a"}, {"k": 4.0}, False, "a^4"),
        ("x - (y - z)", {}, None, False, "x − (y − z)"),
        ("x + k", {"x": "a"}, {"k": -2.0}, False, "a + (-2)"),
        ("1 - x * y", {}, None, False, "1 − x·y"),
    ],
)
def test_render_as_a_learner_writes_it(formula, names, env, numeric, shown):
    """The cases from ``x * (k + c + ...)`` on kill formula._show mutants: ``used <= PARAMS``
    -> ``<``; in a condition the branch taken (``and False``) and ``numeric``/``names``/``env``
    -> None; ``env``/``numeric`` -> None for comparisons, calls and unary plus;
    ``", ".join`` -> ``"XX, XX".join`` between a call's arguments; unary minus ``numeric``
    -> None; ``right[1] == _ATOM and …`` -> ``or`` (an exponent other than 2 and 3);
    the right operand of ``+``/``−`` wrapped below ``_SUM + 1`` (``_SUM - 1``, ``_SUM + 2``)."""
    assert render(formula, names, env, numeric) == shown


def test_render_shows_the_learners_names_unless_asked_for_numbers():
    """kills formula.x_render: default ``numeric=False`` -> ``True``."""
    assert render("x * y", {"x": "a"}, {"x": 2.0, "y": 3.0}) == "a·3"


def test_names_in_and_is_atom():
    """kills formula.x_is_atom: ``depth += ch == "("`` -> ``-=``, ``depth -= ch == ")"``
    -> ``+=`` (a product after a bracket is not an atom); ``" ·/^²³"`` -> ``"XX ·/^²³XX"``
    (a node named X)."""
    assert sorted(names_in("leaky_relu(x, slope)")) == ["slope", "x"]
    assert names_in("exp(x - out)") == {"x", "out"}
    assert [is_atom(t) for t in ("a", "2", "f(x, y)", "-2", "−x", "a·b", "x²", "1 − f")] == [
        True, True, True, False, False, False, False, False,
    ]  # fmt: skip
    assert [is_atom(t) for t in ("σ(x)·y", "(a + b)²", "(a + b)", "X")] == [
        False,
        False,
        True,
        True,
    ]


def test_a_negated_right_operand_of_a_product_or_quotient_is_not_wrapped():
    """kills formula.x__show__mutmut_176: the right operand of ``·``/``/`` wrapped below
    ``_PRODUCT + 1`` -> ``_PRODUCT + 2`` (a unary minus would get parentheses)."""
    assert render("x / -y", {}) == "x/−y"
    assert render("x * -y", {"y": "b"}) == "x·−b"
