"""expr: a learner's text read into a Value graph through ast and a whitelist, never executed.

The command line's use of it (exit codes, one line on stderr) is tested in test_cli.py."""

import math

import pytest
from hypothesis import given

from micrograd_cn import Value
from micrograd_cn.engine import topological_order
from micrograd_cn.expr import ExpressionError, parse_assignments, parse_expression
from micrograd_cn.testing import expressions, variable_values


def _leaves(root):
    return [v for v in topological_order(root) if not v._prev and v.label]


def test_parse_expression_reuses_one_node_per_name_and_labels_it():
    f = parse_expression("x * x + x", {"x": 3})
    product = f._prev[0]
    assert product._prev[0] is product._prev[1] and product._prev[0].label == "x"
    f.backward()
    assert product._prev[0].grad == 7.0  # d(x² + x)/dx = 2x + 1
    given_value = Value(2.0, label="given")
    assert parse_expression("y ** 3", {"y": given_value})._prev == (given_value,)


def test_parse_expression_functions_match_closed_forms():
    env = {"a": 0.3, "b": -1.2}
    cases = {
        "exp(a) + log(2) - sqrt(4)": math.exp(0.3) + math.log(2) - 2,
        "sigmoid(b) * relu(b) + softplus(a)": 1 / (1 + math.exp(1.2)) * 0
        + math.log1p(math.exp(0.3)),
        "abs(b) / 2 + leaky_relu(b, 0.1) + elu(b)": 0.6 - 0.12 + math.expm1(-1.2),
        "max(a, b) - min(a, b)": 1.5,
        "sum(a, b, 1) + logsumexp(a, b)": 0.1 + math.log(math.exp(0.3) + math.exp(-1.2)),
        "-a ** 2 + (+b)": -0.09 - 1.2,
        "2 ** -1": 0.5,
    }
    for text, expected in cases.items():
        assert parse_expression(text, env).data == pytest.approx(expected, rel=1e-12), text


def test_method_call_syntax_matches_the_function_form():
    env = {"x": 0.7, "w": -1.3, "b": 0.2}
    pairs = [
        ("(x*w + b).tanh()", "tanh(x*w + b)"),
        ("x.leaky_relu(0.1) + w.leaky_relu(0.1)", "leaky_relu(x, 0.1) + leaky_relu(w, 0.1)"),
        ("w.elu().exp().log()", "log(exp(elu(w)))"),
        ("(2).sqrt() * x.abs().sigmoid()", "sqrt(2) * sigmoid(abs(x))"),
    ]
    for method_form, function_form in pairs:
        a, b = parse_expression(method_form, env), parse_expression(function_form, env)
        a.backward()
        b.backward()
        assert a.data == b.data, method_form
        assert [v.grad for v in _leaves(a)] == [v.grad for v in _leaves(b)], method_form
    assert parse_expression("w.leaky_relu(0.1)", env).data == pytest.approx(-0.13, rel=1e-12)


def test_parse_expression_rejects_non_strings_and_reports_errors():
    with pytest.raises(TypeError, match="expression must be a str, got int"):
        parse_expression(3, {})
    with pytest.raises(ValueError, match=r"negative base -8\.0 with non-integer exponent"):
        parse_expression("(-8) ** (1/3)", {})
    with pytest.raises(ExpressionError, match="unknown variable 'q' \\(give it as q=VALUE\\)"):
        parse_expression("q + 1", {})
    assert issubclass(ExpressionError, ValueError)
    assert parse_assignments(["x=-2", "y = 1e3"]) == {"x": -2.0, "y": 1000.0}


@given(expressions(max_leaves=10), variable_values())
def test_parse_expression_reads_back_random_expressions(expr, env):
    text = str(expr)
    parsed = parse_expression(text, env)
    assert parsed.data == pytest.approx(expr.evaluate_float(env), rel=1e-9, abs=1e-12)
    reference_leaves = {n: Value(v, label=n) for n, v in env.items()}
    reference = expr.evaluate_value(reference_leaves)
    if not isinstance(reference, Value) or not parsed._prev:
        return
    reference.backward()
    parsed.backward()
    grads = {v.label: v.grad for v in _leaves(parsed)}
    for name, leaf in reference_leaves.items():
        assert grads.get(name, 0.0) == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12), text


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_and_cos_read_from_the_op_table(name):
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    for text in (f"{name}(x) * y", f"x.{name}() * y"):
        f = parse_expression(text, {"x": x, "y": y})
        f.backward()
        slope = math.cos(1.0) if name == "sin" else -math.sin(1.0)
        assert f.data == getattr(math, name)(1.0) * 2.0
        assert (x.grad, y.grad) == (2.0 * slope, getattr(math, name)(1.0))
        x.grad = y.grad = 0.0


def test_dot_with_lists_and_its_errors():
    """kills expr.xǁ_Evaluatorǁlists_call__mutmut_11/12: the example in the refusal changed."""
    f = parse_expression("dot([w1, w2], [x, 2], b)", {"w1": 3, "w2": 2, "x": 3, "b": 1})
    f.backward()
    assert f.data == 3 * 3 + 2 * 2 + 1
    assert [(v.label, v.grad) for v in f._prev] == [
        ("w1", 3.0),
        ("x", 3.0),
        ("w2", 2.0),
        ("b", 1.0),
    ]
    for text in ("dot(w1, [x])", "dot([w1])", "dot([w1], [x], b, b)"):
        with pytest.raises(ExpressionError) as refused:
            parse_expression(text, {"w1": 1, "x": 2, "b": 0})
        assert str(refused.value) == (
            "dot() takes 2 lists and an optional value, e.g. dot([w1, w2], [x1, x2], b)"
        )


# ---------------------------------------------------------------- how many arguments a call takes
@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp"])
def test_an_n_ary_function_of_one_value_is_that_value(name):
    """sum(x) = mean(x) = logsumexp(x) = x, and ∂/∂x = 1 (log e^x = x; softmax of one is 1).

    kills expr.xǁ_Evaluatorǁcall__mutmut_39/40: ``count >= 1`` -> ``> 1`` / ``>= 2`` (one
    argument was then passed as a Value where the n-ary op takes a list)."""
    x = Value(0.7, label="x")
    f = parse_expression(f"{name}(x)", {"x": x})
    f.backward()
    assert f.data == pytest.approx(0.7, rel=1e-15)
    assert x.grad == pytest.approx(1.0, rel=1e-15)
    assert _leaves(f) == [x]
    assert parse_expression(f"{name}(2)", {}).data == pytest.approx(2.0, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum()", "sum() takes at least 1 argument(s), got 0"),
        ("mean()", "mean() takes at least 1 argument(s), got 0"),
        ("elu(x, 1, 2)", "elu() takes 1 or 2 argument(s), got 3"),
        ("leaky_relu()", "leaky_relu() takes 1 or 2 argument(s), got 0"),
        ("max(x, x, x)", "max() takes 2 argument(s), got 3"),
        ("x.elu(1, 2)", ".elu() takes 0 or 1 argument(s), got 2"),
        ("x.tanh(x)", ".tanh() takes no argument(s), got 1"),
    ],
)
def test_a_call_with_the_wrong_number_of_arguments_says_how_many(text, message):
    """kills expr.xǁ_Evaluatorǁcall__mutmut_62/64/65 ("at least 1" lost or changed) and
    expr.xǁ_Evaluatorǁcall__mutmut_67/68/69 (a function with a parameter: "1 or 2")."""
    with pytest.raises(ExpressionError) as refused:
        parse_expression(text, {"x": 1.0})
    assert str(refused.value) == message


# ---------------------------------------------------------------- what a refusal says, exactly
def test_the_length_limit_counts_the_text_as_typed():
    """2000 characters (blanks included) are read; 2001 are refused, saying both numbers.

    kills expr.x_parse_expression__mutmut_4: ``len(text) > 2000`` -> ``>= 2000``."""
    assert parse_expression("x" + " " * 1999, {"x": 2.5}).data == 2.5
    with pytest.raises(ExpressionError) as refused:
        parse_expression("x" + " " * 2000, {"x": 2.5})
    assert str(refused.value) == "expression is too long (2001 > 2000)"


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])  # U+3000: a Chinese input method's space
def test_an_empty_expression_is_refused_with_an_example(text):
    """kills expr.x_parse_expression__mutmut_10: the message XX-wrapped."""
    with pytest.raises(ExpressionError) as refused:
        parse_expression(text, {})
    assert str(refused.value) == 'the expression is empty (e.g. "(x + y) * z")'


@pytest.mark.parametrize("offset", [None, 0])
def test_a_syntax_error_without_a_column_names_none(monkeypatch, offset):
    """Python gives some syntax errors no column (``x +`` on 3.11: offset 0; a null byte: None):
    the message then has no "at column".

    kills expr.x_parse_expression__mutmut_21/22: ``if error.offset`` -> ``or True`` (then "at
    column None") and ``else ""`` -> ``else "XXXX"``."""

    def parse(text, mode):
        error = SyntaxError("invalid syntax")
        error.offset = offset
        raise error

    monkeypatch.setattr("ast.parse", parse)
    with pytest.raises(ExpressionError) as refused:
        parse_expression("x +", {"x": 1})
    monkeypatch.undo()  # pytest itself needs ast.parse to report a failed assert
    assert str(refused.value) == "invalid expression syntax (invalid syntax): 'x +'"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("source code string cannot contain null bytes"),  # Python 3.10's ast.parse
        RecursionError("maximum recursion depth exceeded during compilation"),
        MemoryError("parser stack overflow"),
    ],
)
def test_what_the_parser_cannot_read_is_one_expression_error(monkeypatch, error):
    """The parser's own ValueError / RecursionError / MemoryError become an ExpressionError
    that repeats what the parser said.

    kills expr.x_parse_expression__mutmut_32: the message -> ``None``."""

    def parse(text, mode):
        raise error

    monkeypatch.setattr("ast.parse", parse)
    with pytest.raises(ExpressionError) as refused:
        parse_expression("x", {"x": 1})
    monkeypatch.undo()  # pytest itself needs ast.parse to report a failed assert
    assert str(refused.value) == f"expression cannot be read: {error}"


def test_an_expression_nested_deeper_than_python_recursion_is_refused():
    """1999 unary minus signs: Python's parser reads them, building the graph would recurse
    too deep.

    kills expr.x_parse_expression__mutmut_54/55/56: the message -> None / XX-wrapped /
    upper-cased."""
    with pytest.raises(ExpressionError) as refused:
        parse_expression("-" * 1999 + "x", {"x": 1})
    assert str(refused.value) == "expression is nested too deeply"


def test_a_long_part_that_overflows_is_shown_cut_to_60_characters():
    """kills expr.xǁ_Evaluatorǁvisit__mutmut_10: ``[:60]`` -> ``[:61]``."""
    text = "(x + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14) * y"
    assert len(text) > 61
    with pytest.raises(ExpressionError) as refused:
        parse_expression(text, {"x": 1e200, "y": 1e200})  # 1e200 · 1e200 overflows to inf
    assert str(refused.value) == f"{text[:60]!r} is inf, not a finite number"


def test_a_long_number_that_overflows_is_shown_cut_to_40_characters():
    """kills expr.xǁ_Evaluatorǁbuild__mutmut_11: ``[:40]`` -> ``[:41]``."""
    with pytest.raises(ExpressionError) as refused:
        parse_expression("x + 1" + "0" * 400, {"x": 1})
    assert str(refused.value) == f"number too large: 1{'0' * 39} (overflows to inf)"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("x==1", "bad number for x: '=1'"),  # the name ends at the first =
        ("if=1", "bad variable name 'if' in 'if=1'"),
        ("lambda=2", "bad variable name 'lambda' in 'lambda=2'"),
    ],
)
def test_a_bad_assignment_says_which_part_is_wrong(item, message):
    """kills expr.x_parse_assignments__mutmut_4 (``partition`` -> ``rpartition``: the name
    would be ``x=``) and __mutmut_18 (``keyword.iskeyword(name)`` -> ``(None)``: ``if``
    accepted)."""
    with pytest.raises(ExpressionError) as refused:
        parse_assignments([item])
    assert str(refused.value) == message
