"""Tests for micrograd_cn.testing: random expressions evaluate the same as Values and floats,
stay in their smooth domain, pass gradcheck with a random upstream gradient, print as the
tree they are, and match PyTorch."""

import ast
import math
import operator
import sys

import pytest
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from micrograd_cn import testing
from micrograd_cn.engine import Value
from micrograd_cn.gradcheck import numerical_grad
from micrograd_cn.testing import Expression, expressions, variable_values

NAMES = ("x", "y", "z")
x, y, z = (Expression.variable(n) for n in NAMES)


def e(op, *args, value=None):
    return Expression(op, args, value)


def values_of(env):
    return {name: Value(v, label=name) for name, v in env.items()}


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        (e("tanh", e("*", e("+", x, y), z)), "tanh((x + y) * z)"),
        (e("-", x, e("-", y, z)), "x - (y - z)"),
        (e("-", e("-", x, y), z), "x - y - z"),
        (e("*", e("+", x, y), e("/", y, z)), "(x + y) * (y / z)"),
        (e("pow", e("+", x, y), value=2), "(x + y) ** 2"),
        (e("pow", e("pow", x, value=2), value=3), "(x ** 2) ** 3"),
        (e("neg", e("+", x, y)), "-(x + y)"),
        (e("neg", e("pow", x, value=2)), "-x ** 2"),
        (e("neg", Expression.constant(0.5)), "-(0.5)"),
        (e("*", x, Expression.constant(-1.5)), "x * -1.5"),
        (
            e("**", e("+", e("softplus", x), Expression.constant(0.5)), e("tanh", y)),
            "(softplus(x) + 0.5) ** tanh(y)",
        ),
        (e("logsumexp", x, e("exp", y)), "logsumexp(x, exp(y))"),
        (e("**", e("**", x, y), z), "(x ** y) ** z"),
        (e("**", x, e("**", y, z)), "x ** y ** z"),
        (e("neg", e("neg", x)), "-(-x)"),
        (e("pow", Expression.constant(-0.5), value=2), "(-0.5) ** 2"),
        (e("pow", Expression.constant(0.5), value=2), "0.5 ** 2"),
        (e("pow", Expression.constant(0.0), value=2), "0.0 ** 2"),
    ],
)
def test_str_is_readable_infix(expression, text):
    assert str(expression) == text
    assert repr(expression) == f"Expression({text!r})"


def test_the_gradient_descent_article_expression_both_ways():
    expression = e("*", e("+", x, y), z)
    env = {"x": -2.0, "y": 5.0, "z": -4.0}
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward()
    assert (out.data, expression.evaluate_float(env)) == (-12.0, -12.0)
    assert [vs[n].grad for n in NAMES] == [-4.0, -4.0, 3.0]


def test_kink_distance():
    expression = e("+", e("relu", e("-", x, y)), e("abs", z))
    assert expression.kink_distance({"x": 1.0, "y": 0.75, "z": -2.0}) == 0.25
    assert e("tanh", x).kink_distance({"x": 0.0}) == math.inf


def test_constant_expressions_still_give_values():
    out = e("tanh", Expression.constant(0.5)).evaluate_value({})
    assert isinstance(out, Value) and out.data == math.tanh(0.5)
    assert Expression.constant(2.0).evaluate_value({}).data == 2.0


@given(expressions(), variable_values())
def test_values_and_floats_agree_and_stay_finite(expression, env):
    expected = expression.evaluate_float(env)
    out = expression.evaluate_value(values_of(env))
    assert math.isfinite(expected)
    # identical up to rounding: the engine divides as a * b**-1
    assert out.data == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(expressions(), variable_values(), st.floats(0.25, 2.0), st.booleans())
def test_random_expressions_backprop_matches_finite_differences(expression, env, g, negate):
    assume(expression.kink_distance(env) > 1e-3)
    g = -g if negate else g
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(g)

    def f(*args):
        return expression.evaluate_value(dict(zip(NAMES, args)))

    numeric = numerical_grad(f, [env[n] for n in NAMES])
    for name, n in zip(NAMES, numeric):
        assert vs[name].grad == pytest.approx(g * n, rel=1e-3, abs=1e-5), (str(expression), name)


def to_tree(node):
    """An ast of str(expression) back to nested tuples, to compare with the Expression."""
    if isinstance(node, ast.Expression):
        return to_tree(node.body)
    if isinstance(node, ast.Name):
        return ("var", node.id)
    if isinstance(node, ast.Constant):
        return ("const", float(node.value))
    if isinstance(node, ast.UnaryOp):  # negating a constant is folded: -(0.5) == -0.5
        operand = to_tree(node.operand)
        return ("const", -operand[1]) if operand[0] == "const" else ("neg", operand)
    if isinstance(node, ast.Call):
        return (node.func.id, *[to_tree(a) for a in node.args])
    symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[type(node.op)]
    right = to_tree(node.right)
    if symbol == "**" and right[0] == "const":
        return ("pow", to_tree(node.left), right[1])
    return (symbol, to_tree(node.left), right)


def expression_tree(expression):
    if expression.op in ("var", "const"):
        return (expression.op, expression.value)
    if expression.op == "neg":  # fold like to_tree: -(0.5) parses as -0.5
        operand = expression_tree(expression.args[0])
        return ("const", -operand[1]) if operand[0] == "const" else ("neg", operand)
    if expression.op == "pow":
        return ("pow", expression_tree(expression.args[0]), float(expression.value))
    return (expression.op, *[expression_tree(a) for a in expression.args])


@given(expressions())
def test_str_parses_back_to_the_same_tree(expression):
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


def torch_evaluate(expression, env):
    import torch
    import torch.nn.functional as tf

    unary = {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "softplus": lambda t: tf.softplus(t, threshold=1000.0),
        "relu": torch.relu,
        "abs": torch.abs,
        "leaky_relu": tf.leaky_relu,
        "elu": tf.elu,
    }
    binary = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
    op = expression.op
    args = [torch_evaluate(a, env) for a in expression.args]
    if op == "var":
        return env[expression.value]
    if op == "const":
        return torch.tensor(expression.value, dtype=torch.float64)
    if op == "neg":
        return -args[0]
    if op == "pow":
        return args[0] ** expression.value
    if op == "**":
        return args[0] ** args[1]
    if op == "logsumexp":
        return torch.logsumexp(torch.stack(args), 0)
    if op in binary:
        return binary[op](*args)
    return unary[op](args[0])


@given(expressions(), variable_values())
def test_random_expressions_match_torch_float64(expression, env):
    torch = pytest.importorskip("torch")
    assume(expression.kink_distance(env) > 1e-9)
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(0.6)
    tensors = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in env.items()}
    torch_out = torch_evaluate(expression, tensors)
    if torch_out.requires_grad:
        torch_out.backward(torch.tensor(0.6, dtype=torch.float64))
    assert out.data == pytest.approx(torch_out.item(), rel=1e-9, abs=1e-9)
    for name, t in tensors.items():
        expected = 0.0 if t.grad is None else t.grad.item()
        assert vs[name].grad == pytest.approx(expected, rel=1e-8, abs=1e-9), (str(expression), name)


# ---------------------------------------------------------------- the strategy's promises
WIDE = 1e3  # |x| up to 1e3: exp(x) would overflow, softplus(-x) is 0, x * x is 1e6


def domain_violations(expression, env):
    """Every node whose argument leaves the range testing.py promises for its op."""
    bad = []
    for node in expression.nodes():
        args = [a.evaluate_float(env) for a in node.args]
        op = node.op
        if op == "log" and not args[0] >= 0.5:  # softplus(a) + 0.5
            bad.append(f"log of {args[0]!r}")
        elif op == "sqrt" and not args[0] >= 1.0:  # a * a + 1
            bad.append(f"sqrt of {args[0]!r}")
        elif op == "/" and not args[1] >= 0.5:  # divides by softplus(b) + 0.5
            bad.append(f"division by {args[1]!r}")
        elif op == "**" and not (args[0] >= 0.5 and abs(args[1]) <= 1.0):  # base ** tanh(b)
            bad.append(f"{args[0]!r} ** {args[1]!r}")
        elif op == "exp" and not abs(args[0]) <= 1.0:  # exp(tanh(a))
            bad.append(f"exp of {args[0]!r}")
        elif op == "pow" and float(node.value).is_integer() and node.value > 0:
            if not abs(args[0]) <= 1.0:  # tanh(a) ** 2, tanh(a) ** 3
                bad.append(f"{args[0]!r} ** {node.value!r}")
        elif op == "pow" and not args[0] >= 0.5:  # (softplus(a) + 0.5) ** -1.0 or ** 0.5
            bad.append(f"{args[0]!r} ** {node.value!r}")
    return bad


@pytest.mark.parametrize("builder", range(len(testing._UNARY_BUILDERS)))
@pytest.mark.parametrize("at", [-WIDE, -50.0, -3.0, -0.6, 0.0, 0.6, 3.0, 50.0, WIDE])
def test_every_unary_builder_keeps_its_op_in_domain(builder, at):
    """Each guard alone, at the ends of a wide range.

    Mutants killed: ``softplus(a) + 0.5`` -> ``+ 0.0`` (log of 0 at -1e3), the log
    guard's argument (``log(a)``), the exp guard (``exp(a)`` overflows at 1e3),
    sqrt's ``a * a + 1`` -> ``+ 0``.
    """
    expression = testing._UNARY_BUILDERS[builder](x)
    env = {"x": at}
    assert domain_violations(expression, env) == [], str(expression)
    assert math.isfinite(expression.evaluate_float(env)), str(expression)


@pytest.mark.parametrize("builder", range(len(testing._BINARY_BUILDERS)))
@pytest.mark.parametrize("at", [(-WIDE, -WIDE), (-WIDE, WIDE), (-0.6, 0.0), (WIDE, -50.0)])
def test_every_binary_builder_keeps_its_op_in_domain(builder, at):
    expression = testing._BINARY_BUILDERS[builder](x, y)
    env = dict(zip("xy", at))
    assert domain_violations(expression, env) == [], str(expression)
    assert math.isfinite(expression.evaluate_float(env)), str(expression)


@settings(max_examples=300, deadline=None)
@given(expressions(), variable_values(min_value=-WIDE, max_value=WIDE), st.floats(-2.0, 2.0))
def test_generated_expressions_are_finite_and_in_domain_over_a_wide_range(expression, env, g):
    """The strategy's invariants, asserted: in every op's smooth domain, finite value and gradient.

    Mutants killed: any weakened guard in the builders (see the test above).
    """
    assert domain_violations(expression, env) == [], str(expression)
    assert math.isfinite(expression.evaluate_float(env)), str(expression)
    vs = values_of(env)
    out = expression.evaluate_value(vs)
    out.backward(g)
    assert math.isfinite(out.data)
    assert all(math.isfinite(v.grad) for v in vs.values()), str(expression)


def test_domain_check_sees_a_weakened_guard():
    """The checker itself: the guards this test file relies on must be able to fail."""
    unguarded = e("log", e("+", e("softplus", x), Expression.constant(0.0)))
    assert domain_violations(unguarded, {"x": -3.0}) == ["log of 0.04858735157374206"]
    assert domain_violations(e("exp", x), {"x": 2.0}) == ["exp of 2.0"]


# ---------------------------------------------------------------- strategies built at run time
# (a strategy built in @given(...) is built once at import; these build it inside the test)
def test_every_builder_prints_its_guard():
    """Mutants killed: any change to a builder's guard (``+ 0.5`` -> ``+ 1.5`` included)."""
    unary = [str(build(x)) for build in testing._UNARY_BUILDERS]
    assert unary == [
        "tanh(x)", "sigmoid(x)", "softplus(x)", "exp(tanh(x))", "log(softplus(x) + 0.5)",
        "sqrt(x * x + 1.0)", "relu(x)", "abs(x)", "leaky_relu(x)", "elu(x)", "-x",
        "tanh(x) ** 2", "tanh(x) ** 3", "(softplus(x) + 0.5) ** -1.0", "(softplus(x) + 0.5) ** 0.5",
    ]  # fmt: skip
    binary = [str(build(x, y)) for build in testing._BINARY_BUILDERS]
    assert binary == [
        "x + y", "x - y", "x * y", "x / (softplus(y) + 0.5)",
        "(softplus(x) + 0.5) ** tanh(y)", "logsumexp(x, y)",
    ]  # fmt: skip


@pytest.mark.parametrize("op", sorted(testing._UNARY))
@pytest.mark.parametrize("at", [-30.0, -1.5, -0.25, 0.25, 2.0, 30.0])
def test_float_side_of_each_op_equals_the_engine(op, at):
    if op in ("log", "sqrt") and at <= 0:
        at = -at
    expression = e(op, x)
    expected = expression.evaluate_value({"x": Value(at)}).data
    assert expression.evaluate_float({"x": at}) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert e("neg", x).evaluate_float({"x": at}) == -at


def test_float_side_never_touches_the_engine(monkeypatch):
    """Mutants killed: ``evaluate_float`` building Values, logsumexp's float side using F."""

    def boom(*args):
        raise AssertionError("the float side called the engine")

    monkeypatch.setitem(testing._UNARY, "tanh", (math.tanh, boom))
    monkeypatch.setattr(testing, "F", None)
    expression = e("tanh", e("logsumexp", x, y))
    env = {"x": 0.5, "y": -1.0}
    expected = math.tanh(math.log(math.exp(0.5) + math.exp(-1.0)))
    assert expression.evaluate_float(env) == pytest.approx(expected, rel=1e-15)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_strategies_built_at_run_time_draw_what_they_promise(data):
    env = data.draw(variable_values(("a", "b"), min_value=-0.5, max_value=2.0))
    assert sorted(env) == ["a", "b"] and all(-0.5 <= v <= 2.0 for v in env.values())
    xyz = data.draw(variable_values())
    assert sorted(xyz) == list(NAMES) and all(-3.0 <= v <= 3.0 for v in xyz.values())
    assert data.draw(variable_values(("a",), 1.0, 1.0)) == {"a": 1.0}
    expression = data.draw(expressions(("a", "b"), max_leaves=4))
    names = {n.value for n in expression.nodes() if n.op == "var"}
    assert names <= {"a", "b"}
    assert math.isfinite(expression.evaluate_float(env))


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        ("a variable", lambda t: t.op == "var"),
        ("a constant", lambda t: t.op == "const" and t.value in testing.CONSTANTS),
        ("a unary op", lambda t: t.op in testing._UNARY and t.args[0].op == "var"),
        ("a binary op", lambda t: t.op in ("+", "-", "*") and t.args[0].op != t.args[1].op),
        (
            "a two-level tree",
            lambda t: t.op in ("tanh", "relu") and t.args[0].op in testing._BINARY,
        ),
    ],
)
def test_expressions_reach_every_kind_of_node(what, condition):
    """Mutants killed: a leaf kind, the unary or binary branch, or an argument index dropped."""
    found = find(
        expressions(("a",), max_leaves=6),
        condition,
        settings=settings(database=None, max_examples=2000),
    )
    assert condition(found), what
    assert all(n.op in ("var", "const") or n.args for n in found.nodes())


def test_number_powers_both_ways():
    expression = e("pow", x, value=3)
    assert expression.evaluate_float({"x": 2.0}) == 8.0
    assert expression.evaluate_value({"x": Value(2.0)}).data == 8.0


def test_max_leaves_bounds_the_variables_drawn():
    """Mutant killed: ``max_leaves`` not passed on to ``st.recursive``."""

    def variables(t):  # distinct leaves: a builder may use one subtree twice (a * a + 1)
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
