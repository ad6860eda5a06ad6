"""Tests for micrograd_cn.testing: random expressions over every op of the op table stay in
each row's sample interval, pass central differences with a random upstream gradient, print
as the tree they are, and match PyTorch; op_cases draws what it promises."""

import ast
import dataclasses
import math
import sys

import pytest
from hypothesis import Phase, assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from micrograd_cn import testing
from micrograd_cn.engine import Value
from micrograd_cn.formula import evaluate
from micrograd_cn.gradcheck import numerical_grad
from micrograd_cn.ops import OPS
from micrograd_cn.testing import Expression, OpCase, expressions, guard, op_cases, variable_values

NAMES = ("x", "y", "z")
x, y, z = (Expression.variable(n) for n in NAMES)
DRAWN = [r for r in OPS.values() if testing.drawable(r)]


def e(op, *args, value=None):
    return Expression(op, args, value)


def c(number):
    return Expression.constant(number)


def values_of(env):
    return {name: Value(v, label=name) for name, v in env.items()}


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        (e("tanh", e("mul", e("add", x, y), z)), "tanh((x + y) * z)"),
        (e("sub", x, e("sub", y, z)), "x - (y - z)"),
        (e("sub", e("sub", x, y), z), "x - y - z"),
        (e("mul", e("add", x, y), e("truediv", y, z)), "(x + y) * (y / z)"),
        (e("pow_const", e("add", x, y), value=2.0), "(x + y) ** 2.0"),
        (e("pow_const", e("pow_const", x, value=2.0), value=3.0), "(x ** 2.0) ** 3.0"),
        (e("neg", e("add", x, y)), "-(x + y)"),
        (e("neg", e("pow_const", x, value=2.0)), "-x ** 2.0"),
        (e("neg", c(0.5)), "-(0.5)"),
        (e("neg", c(-0.5)), "-(-0.5)"),
        (e("mul", x, c(-1.5)), "x * -1.5"),
        (e("rsub", x, value=2.0), "2.0 - x"),
        (e("rsub", e("sub", x, y), value=2.0), "2.0 - (x - y)"),
        (e("radd", e("mul", x, y), value=-2.0), "-2.0 + x * y"),
        (e("rpow", x, value=0.5), "0.5 ** x"),
        (e("div_const", e("add", x, y), value=4.0), "(x + y) / 4.0"),
        (
            e("pow", e("add_const", e("softplus", x), value=0.5), e("tanh", y)),
            "(softplus(x) + 0.5) ** tanh(y)",
        ),
        (e("logsumexp", x, e("exp", y)), "logsumexp(x, exp(y))"),
        (e("pow", e("pow", x, y), z), "(x ** y) ** z"),
        (e("pow", x, e("pow", y, z)), "x ** y ** z"),
        (e("neg", e("neg", x)), "-(-x)"),
        (e("pow_const", c(-0.5), value=2.0), "(-0.5) ** 2.0"),
        (e("pow_const", c(0.5), value=2.0), "0.5 ** 2.0"),
        (e("leaky_relu", x), "leaky_relu(x)"),
        (e("leaky_relu", x, value=0.2), "leaky_relu(x, 0.2)"),
        (e("maximum", x, c(1.0)), "maximum(x, 1.0)"),
        (e("dot", x, y, z, c(2.0), x), "dot([x, y], [z, 2.0], x)"),
    ],
)
def test_str_is_readable_infix(expression, text):
    assert str(expression) == text
    assert repr(expression) == f"Expression({text!r})"


def test_unknown_ops_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^unknown op 'cube': not 'var', 'const' or a row"):
        Expression("cube", (x,))


def test_the_gradient_descent_article_expression():
    expression = e("mul", e("add", x, y), z)
    env = {"x": -2.0, "y": 5.0, "z": -4.0}
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward()
    assert (out.data, expression.evaluate_float(env)) == (-12.0, -12.0)
    assert [vs[n].grad for n in NAMES] == [-4.0, -4.0, 3.0]


def test_kink_distance_reads_each_rows_kink():
    expression = e("add", e("relu", e("sub", x, y)), e("abs", z))
    assert expression.kink_distance({"x": 1.0, "y": 0.75, "z": -2.0}) == 0.25
    assert e("maximum", x, y).kink_distance({"x": 1.0, "y": 1.5}) == 0.5
    assert e("tanh", x).kink_distance({"x": 0.0}) == math.inf


def test_constant_expressions_still_give_values():
    out = e("tanh", c(0.5)).evaluate_value({})
    assert isinstance(out, Value) and out.data == math.tanh(0.5)
    assert c(2.0).evaluate_value({}).data == 2.0
    assert e("add", c(1.0), c(2.0)).evaluate_value({}).data == 3.0


def test_guards_map_into_each_interval():
    a = Expression.variable("a")
    shown = [str(guard(a, i)) for i in [(None, None), (0.0, None), (None, 1.0), (-3.0, 3.0)]]
    assert shown == ["a", "softplus(a) + 0.5", "0.5 - softplus(a)", "tanh(a) * 2.7"]
    assert str(guard(a, (0.5, 3.0))) == "tanh(a) * 1.125 + 1.75"


WIDE = [-1e3, -50.0, -3.0, -0.6, 0.0, 0.6, 3.0, 50.0, 1e3]


@pytest.mark.parametrize("interval", [(0.0, None), (None, 1.0), (-3.0, 3.0), (0.5, 3.0)])
@pytest.mark.parametrize("at", WIDE)
def test_a_guarded_input_stays_strictly_inside(interval, at):
    """Mutants killed: ``+ 0.5`` -> ``+ 0.0`` (log of 0 at -1e3), the 0.9 margin dropped
    (tanh rounds to ±1.0 at |a| > 19: the bound itself)."""
    value = guard(x, interval).evaluate_float({"x": at})
    low, high = interval
    assert (low is None or value > low) and (high is None or value < high), value


def arguments_inside(expression, env) -> list[str]:
    """Every node whose argument leaves its row's sample interval or domain."""
    bad = []
    for node in expression.nodes():
        row = node.row
        if row is None or row.nary:
            continue
        numbers = {n: a.evaluate_float(env) for n, a in zip(row.inputs, node.args)}
        for name, value in numbers.items():
            low, high = row.interval(name)
            if (low is not None and not value > low) or (high is not None and not value < high):
                bad.append(f"{row.name}: {name} = {value!r}")
        if row.domain and not evaluate(row.domain, numbers | node.params()):
            bad.append(f"{row.name}: outside {row.domain}")
    return bad


@settings(max_examples=300, deadline=None)
@given(expressions(), variable_values(min_value=-1e3, max_value=1e3), st.floats(-2.0, 2.0))
def test_generated_expressions_stay_in_every_rows_interval_over_a_wide_range(expression, env, g):
    """The strategy's invariants: every op inside its row's interval, finite value and grads."""
    assert arguments_inside(expression, env) == [], str(expression)
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(g)
    assert math.isfinite(out.data), str(expression)
    assert all(math.isfinite(v.grad) for v in vs.values()), str(expression)


def test_the_interval_check_sees_a_weakened_guard():
    """The checker itself must be able to fail."""
    assert arguments_inside(e("log", e("add_const", e("softplus", x), value=0.0)), {"x": -800.0})
    assert arguments_inside(e("exp", x), {"x": 4.0}) == ["exp: x = 4.0"]


@given(expressions(), variable_values(), st.floats(0.25, 2.0), st.booleans())
def test_random_expressions_backprop_matches_central_differences(expression, env, g, negate):
    assume(expression.kink_distance(env) > 1e-3)
    g = -g if negate else g
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(g)
    numeric = numerical_grad(
        lambda *args: expression.evaluate_value(dict(zip(NAMES, args))), [env[n] for n in NAMES]
    )
    for name, n in zip(NAMES, numeric):
        assert vs[name].grad == pytest.approx(g * n, rel=1e-3, abs=1e-5), (str(expression), name)


@given(expressions(), variable_values())
def test_random_expressions_match_torch_float64(expression, env):
    torch = pytest.importorskip("torch")
    from micrograd_cn.bridge import graph_to_torch

    assume(expression.kink_distance(env) > 1e-9)
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(0.6)
    tensor, leaves = graph_to_torch(out)
    if tensor.requires_grad:
        tensor.backward(torch.tensor(0.6, dtype=torch.float64))
    assert out.data == pytest.approx(tensor.item(), rel=1e-9, abs=1e-9)
    for v in vs.values():
        expected = 0.0 if v not in leaves or leaves[v].grad is None else leaves[v].grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-8, abs=1e-9), (str(expression), v.label)


def to_tree(node):
    """The ast of str(expression) as nested tuples, to compare with the Expression."""
    if isinstance(node, ast.Expression):
        return to_tree(node.body)
    if isinstance(node, ast.Name):
        return ("var", node.id)
    if isinstance(node, ast.Constant):
        return ("const", float(node.value))
    if isinstance(node, ast.UnaryOp):  # -(0.5) parses as the constant -0.5
        operand = to_tree(node.operand)
        return ("const", -operand[1]) if operand[0] == "const" else ("-", operand)
    if isinstance(node, ast.Call):
        args = [a for n in node.args for a in (n.elts if isinstance(n, ast.List) else [n])]
        return (node.func.id, *[to_tree(a) for a in args])
    symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
    return (symbol[type(node.op)], to_tree(node.left), to_tree(node.right))


def expression_tree(expression):
    """The same shape from the Expression: operator rows as their operator, the row's
    parameter as a constant where the form puts it (k - x: on the left)."""
    op = expression.op
    if op in ("var", "const"):
        return (op, expression.value)
    row = expression.row
    args = [expression_tree(a) for a in expression.args]
    if row.function:
        shown = args + [("const", float(v)) for v in expression.params().values()]
        return (row.function, *(shown if expression.value is not None else args))
    tree = ast.parse(row.form, mode="eval").body
    if isinstance(tree, ast.UnaryOp):
        if isinstance(tree.op, ast.UAdd):
            return ("+x", args[0])
        return ("const", -args[0][1]) if args[0][0] == "const" else ("-", args[0])
    given = dict(zip(row.inputs, args))
    sides = [
        given.get(side.id) or ("const", float(expression.params()[side.id]))
        for side in (tree.left, tree.right)
    ]
    symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
    return (symbol[type(tree.op)], *sides)


@given(expressions())
def test_str_parses_back_to_the_same_tree(expression):
    assume(not any(n.op == "pos" for n in expression.nodes()))  # +x prints as +x: UAdd
    assert to_tree(ast.parse(str(expression), mode="eval")) == expression_tree(expression)


@given(variable_values(("a", "b"), min_value=-0.5, max_value=2.0))
def test_variable_values_stay_in_range(env):
    assert set(env) == {"a", "b"}
    assert all(-0.5 <= v <= 2.0 for v in env.values())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: expressions("xy"),
            TypeError,
            r"^variables must be a sequence of names, e\.g\. \('x', 'y'\), not one str$",
        ),
        (lambda: expressions(max_leaves=True), ValueError, "max_leaves must be an int >= 1"),
        (lambda: expressions(max_leaves=2.0), ValueError, "max_leaves must be an int >= 1"),
        (lambda: variable_values("ab"), TypeError, "variables must be a sequence of names"),
        (lambda: expressions(()), ValueError, "non-empty sequence of identifiers"),
        (lambda: expressions(("x", "1y")), ValueError, "identifiers"),
        (  # kills testing.x__check_variables__mutmut_10: ``and`` -> ``or`` (AttributeError)
            lambda: expressions(("x", 3)),
            ValueError,
            r"^variables must be a non-empty sequence of identifiers, got \('x', 3\)$",
        ),
        (lambda: expressions(max_leaves=0), ValueError, "max_leaves must be an int >= 1"),
        (
            lambda: variable_values(min_value=1.0, max_value=0.0),
            ValueError,
            "min_value 1.0 must be",
        ),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_missing_hypothesis_names_the_testing_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(
        ImportError,
        match=r"^micrograd_cn.testing needs hypothesis: pip install micrograd_cn\[testing\]$",
    ):
        expressions()
    with pytest.raises(ImportError, match="needs hypothesis"):
        variable_values()
    with pytest.raises(ImportError, match="needs hypothesis"):
        op_cases(OPS["tanh"])


# ---------------------------------------------------------------- every row is drawn
@pytest.mark.parametrize("row", DRAWN, ids=lambda r: r.name)
def test_expressions_draw_every_row_of_the_table(row):
    """A new row is drawn with no change to testing.py (mutant: a row left out)."""
    found = find(
        expressions(("a",), max_leaves=3),
        lambda t: any(n.op == row.name for n in t.nodes()),
        settings=settings(database=None, max_examples=5000),
    )
    assert any(n.op == row.name for n in found.nodes())


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        ("a variable", lambda t: t.op == "var"),
        ("a constant", lambda t: t.op == "const" and t.value in testing.CONSTANTS),
        ("a one-input op on a variable", lambda t: len(t.args) == 1 and t.args[0].op == "var"),
        ("a binary op", lambda t: t.op in ("add", "sub", "mul") and t.args[0].op != t.args[1].op),
        ("a two-level tree", lambda t: len(t.args) == 1 and t.args[0].row is not None),
    ],
)
def test_expressions_reach_every_kind_of_node(what, condition):
    found = find(
        expressions(("a",), max_leaves=6),
        condition,
        settings=settings(database=None, max_examples=2000),
    )
    assert condition(found), what
    assert all(n.op in ("var", "const") or n.args for n in found.nodes())


def test_max_leaves_bounds_the_variables_drawn():
    """Mutant killed: ``max_leaves`` not passed on to ``st.recursive``."""

    def variables(t):  # distinct leaves: a guard or dot may use one subtree twice
        return len({id(n) for n in t.nodes() if n.op == "var"})

    with pytest.raises(NoSuchExample):
        find(
            expressions(("a",), max_leaves=2),
            lambda t: variables(t) > 2,
            settings=settings(database=None, max_examples=300),
        )


def test_one_leaf_is_allowed():
    found = find(expressions(("a",), max_leaves=1), lambda t: t.op == "var")
    assert str(found) == "a"


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_strategies_built_at_run_time_draw_what_they_promise(data):
    env = data.draw(variable_values(("a", "b"), min_value=-0.5, max_value=2.0))
    assert sorted(env) == ["a", "b"] and all(-0.5 <= v <= 2.0 for v in env.values())
    assert data.draw(variable_values(("a",), 1.0, 1.0)) == {"a": 1.0}
    expression = data.draw(expressions(("a", "b"), max_leaves=4))
    assert {n.value for n in expression.nodes() if n.op == "var"} <= {"a", "b"}
    assert math.isfinite(expression.evaluate_float(env))


# ---------------------------------------------------------------- op_cases
@pytest.mark.parametrize("row", list(OPS.values()), ids=lambda r: r.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_op_cases_draw_inside_the_rows_domain_away_from_kinks(row, data):
    case = data.draw(op_cases(row))
    env = case.point | case.params
    assert not row.domain or evaluate(row.domain, env)
    if row.kink and not row.nary:
        assert abs(evaluate(row.kink, env)) > 1e-3
    for name, value in case.point.items():
        low, high = row.interval(name if not row.nary else row.inputs[0][0])
        assert (
            -3.0 < value < 3.0 and (low is None or value > low) and (high is None or value < high)
        )
    assert len(set(case.point.values())) == len(case.point)
    assert set(case.params) == {p.name for p in row.params if not p.folded}
    out = case.build({n: Value(v) for n, v in case.point.items()})
    assert isinstance(out, Value) and math.isfinite(out.data)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_expressions_generate_sin_and_cos(name):
    """sin and cos came with two edits (engine.py, ops.py); the strategy draws them."""
    found = find(
        expressions(("a",), max_leaves=3),
        lambda t: any(n.op == name for n in t.nodes()),
        settings=settings(database=None, max_examples=5000),
    )
    node = next(n for n in found.nodes() if n.op == name)
    assert str(node) == f"{name}({node.args[0]})"
    env = {"a": 0.3}
    value = node.args[0].evaluate_float(env)
    assert node.evaluate_float(env) == getattr(math, name)(value)


# ---------------------------------------------------------------- mutation audit (testing)
@settings(max_examples=15, database=None)
@given(variable_values())
def test_variable_values_by_default_draw_x_y_z_from_minus_3_to_3(env):
    """kills testing.x_variable_values__mutmut_1: default ``max_value=3.0`` -> ``4.0``."""
    assert sorted(env) == ["x", "y", "z"]
    assert all(-3.0 <= v <= 3.0 for v in env.values())


def test_an_op_case_shows_its_form_and_every_input_and_parameter():
    """kills testing.xǁOpCaseǁ__repr____mutmut_1..4: ``shown`` None, ``join(None)``,
    ``"XX, XX"`` separator, ``point & params``.  Inputs in the row's order, then parameters."""
    assert repr(OpCase(OPS["mul_const"], {"x": 1.5}, {"k": 2.0})) == "OpCase('x * k', x=1.5, k=2.0)"
    case = OpCase(OPS["sub"], {"y": -0.5, "x": 0.25}, {})
    assert repr(case) == "OpCase('x - y', x=0.25, y=-0.5)"


def test_an_op_case_builds_its_row_from_the_inputs_it_names():
    """kills testing.xǁOpCaseǁbuild__mutmut_10, _13, _14 (dot's fixed factors 1.5 and -0.5
    changed), _26 (softmax's element 1 instead of 0), testing.x__names__mutmut_14.._19 (the
    n-ary names x1 x2 x3 changed).  dot is ``dot([w1, w2, 1.5], [x1, -0.5, x2], b)``."""
    point = {"w1": 0.5, "w2": -2.0, "x1": 3.0, "x2": 0.25, "b": 1.0}
    case = OpCase(OPS["dot"], point, {})
    assert case.names == ["w1", "w2", "x1", "x2", "b"]
    values = {n: Value(v) for n, v in point.items()}
    out = case.build(values)
    assert out.data == 0.5 * 3.0 + (-2.0) * (-0.5) + 1.5 * 0.25 + 1.0 == 3.875
    out.backward()
    grads = {n: v.grad for n, v in values.items()}
    assert grads == {"w1": 3.0, "w2": -0.5, "x1": 0.5, "x2": 1.5, "b": 1.0}

    shares = OpCase(OPS["softmax"], {"x1": 0.0, "x2": math.log(2.0), "x3": math.log(5.0)}, {})
    assert shares.names == ["x1", "x2", "x3"]
    first = shares.build({n: Value(v) for n, v in shares.point.items()})
    assert first.data == pytest.approx(1.0 / (1.0 + 2.0 + 5.0), rel=1e-12)  # element 0
    total = OpCase(OPS["sum"], {"x3": 4.0, "x1": 1.0, "x2": 2.0}, {})
    assert list(total.point) == ["x1", "x2", "x3"]
    assert total.build({n: Value(v) for n, v in total.point.items()}).data == 7.0


def test_op_cases_come_as_close_to_a_kink_as_the_margin_allows():
    """kills testing.x_op_cases__mutmut_2: default ``kink_margin=1e-3`` -> ``1.001`` (relu
    would then never be drawn in (-1, 1), where most of its interesting points are)."""
    quick = settings(database=None, max_examples=100)
    near = find(op_cases(OPS["relu"]), lambda c: abs(c.point["x"]) < 0.1, settings=quick)
    assert 1e-3 < abs(near.point["x"]) < 0.1


def test_variable_values_are_finite_even_between_infinite_bounds():
    """A point is finite whatever the bounds: an expression is checked where it has numbers.
    kills testing.x_variable_values__mutmut_12/16: ``allow_infinity=False`` -> None / omitted
    (hypothesis then draws ±inf, within about 100 examples, when a bound is infinite)."""
    with pytest.raises(NoSuchExample):
        find(
            variable_values(("a",), min_value=-math.inf, max_value=math.inf),
            lambda env: not math.isfinite(env["a"]),
            settings=settings(database=None, max_examples=250),
        )


def test_variable_values_default_to_minus_three_to_three():
    """No value lies beyond either end of [-3, 3], in a hundred draws.

    kills testing.x_variable_values__mutmut_1 (default ``max_value`` 3.0 -> 4.0)."""
    quick = settings(database=None, max_examples=100)
    for outside in (lambda env: max(env.values()) > 3.0, lambda env: min(env.values()) < -3.0):
        with pytest.raises(NoSuchExample):
            find(variable_values(), outside, settings=quick)


def test_dot_evaluates_weights_inputs_and_bias_in_their_places():
    """dot(w, x, b) = w·x + b, its ``args`` being w1 … wm, x1 … xm, b.

    kills testing.xǁExpressionǁ_evaluate__mutmut_22 (``args[-1]`` -> ``args[+1]``: with one
    weight, the input taken as the bias)."""
    tree = e("dot", x, y, z)  # x * y + z
    assert tree.evaluate_float({"x": 2.0, "y": 3.0, "z": 0.5}) == 6.5
    tree = e("dot", x, c(-1.0), y, z, c(0.25))  # x * y - z + 0.25
    assert tree.evaluate_float({"x": 2.0, "y": 3.0, "z": 0.5}) == 5.75


def test_a_zero_constant_is_printed_bare_next_to_a_power():
    """0.0 is not negative: no parentheses around it, on either side of ``**``.

    kills testing.xǁExpressionǁ_precedence__mutmut_6 (``self.value < 0`` -> ``<= 0``: 0.0
    would bind like ``-0.5`` and print as ``(0.0) ** x``)."""
    assert str(e("pow", c(0.0), x)) == "0.0 ** x"
    assert str(e("pow", x, c(0.0))) == "x ** 0.0"
    assert eval(str(e("pow", c(0.0), x)), {"x": 2.0}) == 0.0


def _new_row(name, **changes):
    """A row of the table changed as a future row could be: op_cases reads it with no edit."""
    return dataclasses.replace(OPS[name], **changes)


@pytest.mark.parametrize(
    ("row", "inside"),
    [
        # one n-ary input not called x: x1 x2 x3 come from that input's interval (0.5, 3)
        (
            _new_row("mean", grads={"v": "1 / n"}, sample={"v": (0.5, 3.0)}),
            lambda p: all(0.5 < v < 3.0 for v in p.values()),
        ),
        # dot's weights w1 w2 from the interval of "w" (digits stripped), the rest unbounded
        (
            _new_row("dot", sample={"w": (0.5, 3.0)}),
            lambda p: 0.5 < p["w1"] < 3.0 and 0.5 < p["w2"] < 3.0,
        ),
        # no interval at all: the domain x > 0 alone keeps log's points positive
        (_new_row("log", sample={}), lambda p: 0.0 < p["x"] < 3.0),
    ],
    ids=["mean-of-v", "dot-with-positive-weights", "log-without-interval"],
)
def test_op_cases_of_a_new_row_draw_from_its_intervals_and_domain(row, inside):
    """op_cases reads every interval and the domain from the row (none listed in testing.py).

    kills testing.x_op_cases__mutmut_6/_7 (``single`` dropped: mean's x1 x2 x3 drawn from the
    interval of "x", i.e. unbounded), _21/_22 (``rstrip(None)`` / ``lstrip``: "w1" keeps its
    digit, no interval found), _35 (a point outside the domain accepted)."""
    quick = settings(database=None, max_examples=60, derandomize=True)
    with pytest.raises(NoSuchExample):
        find(op_cases(row), lambda case: not inside(case.point), settings=quick)


def test_op_cases_stay_strictly_farther_than_the_kink_margin():
    """A point exactly ``kink_margin`` from the kink is refused too (hypothesis likes 1.0).

    kills testing.x_op_cases__mutmut_44 (``<= kink_margin`` -> ``<``: relu at x = ±1.0 drawn
    with ``kink_margin=1.0``)."""
    quick = settings(database=None, max_examples=100, derandomize=True)
    cases = op_cases(OPS["relu"], kink_margin=1.0)
    with pytest.raises(NoSuchExample):
        find(cases, lambda case: abs(case.point["x"]) <= 1.0, settings=quick)
    near = find(cases, lambda case: abs(case.point["x"]) < 1.5, settings=quick)
    assert 1.0 < abs(near.point["x"]) < 1.5


def test_a_rows_parameter_is_parenthesised_exactly_when_python_needs_it():
    """A negative parameter next to ``**`` gets parentheses (``(-2.0) ** x`` is 4.0 at x = 2,
    ``-2.0 ** x`` would be -4.0); zero and positive ones do not; ``+x`` keeps its plus.

    kills testing.xǁExpressionǁ__str____mutmut_60 (negative parameter printed bare), _62
    (bound like ``**``: ``x ** -1.0``), _63 (``number <= 0``: ``x ** (0.0)``), _86 / _89
    (``pos`` printed with ``-`` / ``XX+XX``)."""
    base = e("rpow", x, value=-2.0)
    assert str(base) == "(-2.0) ** x"
    assert eval(str(base), {"x": 2.0}) == base.evaluate_float({"x": 2.0}) == 4.0
    assert str(e("pow_const", x, value=-1.0)) == "x ** (-1.0)"
    assert str(e("pow_const", x, value=0.0)) == "x ** 0.0"
    assert str(e("rpow", x, value=0.0)) == "0.0 ** x"
    assert str(e("mul_const", x, value=-0.5)) == "x * -0.5"
    assert (str(e("pos", x)), str(e("pos", c(0.5))), str(e("pos", e("neg", x)))) == (
        "+x",
        "+(0.5)",
        "+(-x)",
    )


def test_guards_of_intervals_off_zero_are_centred_on_their_middle():
    """(0.5, 3): middle 1.75, half-width 1.25, ``tanh`` scaled to 0.9 of it; one-sided ones
    start 0.5 inside their bound; the ends of tanh land strictly inside.

    kills testing.x_guard__mutmut_40/_42/_44/_45 (``middle`` / ``half``: ``* 2``, ``/ 3``,
    ``high + low``), _63.._66 (``middle == 0`` always false / always true / ``!= 0`` /
    ``== 1``), _72 (the offset dropped), _21/_37/_38 (0.5 inside a one-sided bound changed)."""
    a = Expression.variable("a")
    shown = [str(guard(a, i)) for i in [(0.5, 3.0), (-1.0, 1.0), (0.5, None), (None, -1.0)]]
    assert shown == [
        f"tanh(a) * {0.9 * 1.25} + 1.75",
        "tanh(a) * 0.9",
        "softplus(a) + 1.0",
        "-1.5 - softplus(a)",
    ]
    ends = [guard(a, (0.5, 3.0)).evaluate_float({"a": s * 25.0}) for s in (-1.0, 1.0)]
    assert ends == [1.75 - 0.9 * 1.25, 1.75 + 0.9 * 1.25] and 0.5 < ends[0] < ends[1] < 3.0


def _drawn(condition):
    """The first drawn expression that has a node meeting ``condition``, and that node."""
    tree = find(
        expressions(("a",), max_leaves=3),
        lambda t: any(condition(n) for n in t.nodes()),
        settings=settings(
            database=None, max_examples=5000, derandomize=True, phases=[Phase.generate]
        ),
    )
    return next(n for n in tree.nodes() if condition(n))


def test_expressions_draw_dot_as_two_terms_and_a_bias_and_n_ary_ops_of_two():
    """dot is ``dot([a, c], [d, a], c)`` (5 arguments, a and c used twice); sum, mean,
    logsumexp take two elements.

    kills testing.x__builders__mutmut_16.._20 (one of dot's five arguments dropped: a dot of
    one term, still a valid tree), _49/_50 (an n-ary op of one element)."""
    dot = _drawn(lambda n: n.op == "dot")
    assert len(dot.args) == 5 and dot.args[0] is dot.args[3] and dot.args[1] is dot.args[4]
    texts = [str(t) for t in dot.args]
    assert str(dot) == f"dot([{texts[0]}, {texts[1]}], [{texts[2]}, {texts[0]}], {texts[1]})"
    assert len(_drawn(lambda n: n.op in ("sum", "mean", "logsumexp")).args) == 2


def test_expressions_draw_the_samples_of_a_rows_parameter():
    """``x ** -1.0``, ``leaky_relu(x, 0.2)`` …: a row's parameter takes its samples, not only
    the default (None).

    kills testing.x__builders__mutmut_62 (the samples loop made ``(None,)``), _79/_82 (the
    value not passed on to ``Expression``: None / omitted)."""
    node = _drawn(lambda n: n.row is not None and n.value is not None)
    assert node.value in node.row.params[0].samples
    assert node.params() == {node.row.params[0].name: node.value}


def test_drawn_log_and_sqrt_nodes_get_inputs_inside_their_domain():
    """A drawn ``log``/``sqrt`` node's child is guarded into its interval (x > 0), so the tree
    has a value wherever its variables are, even all at -3.

    kills testing.x__builders__mutmut_2 (every input guarded into (None, None): log(-3))."""
    quick = settings(database=None, max_examples=300, derandomize=True)
    for op in ("log", "sqrt"):
        tree = find(
            expressions(), lambda t, op=op: any(n.op == op for n in t.nodes()), settings=quick
        )
        for value in (-3.0, 0.0, 3.0):
            assert math.isfinite(tree.evaluate_float(dict.fromkeys(NAMES, value)))
