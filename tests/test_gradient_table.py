"""micrograd_cn.rules: every row of the gradient-rule table against the engine, and the doc.

Each row's ``form`` is built with Values (walking a whitelist of syntax, never
``eval``); after ``backward(g)`` with a random upstream gradient ``g`` the
input's grad must be ``g * local`` with ``local`` evaluated from the row's
formula, at random points of the row's smooth domain (hypothesis).  Kinks and
ties are checked on purpose.  The rule of every primitive gate is also compared
with the engine's own closure through :func:`rules.bindings` (the path the
captions use), and ``docs/gradients.md`` must hold exactly the generated table.
"""

import ast
import math
import operator
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd_cn import functional as F
from micrograd_cn import rules
from micrograd_cn.engine import Value
from micrograd_cn.formula import PARAMS, evaluate, names_in, render

DOC = Path(__file__).resolve().parent.parent / "docs" / "gradients.md"
PRIMITIVE_RULES = [r for r in rules.RULES if rules.GATES[r.form].op]

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow}  # fmt: skip
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
VALUE_FUNCTIONS = {
    **{name: getattr(Value, name) for name in ("exp", "log", "sqrt", "tanh", "sigmoid")},
    **{name: getattr(Value, name) for name in ("relu", "leaky_relu", "elu", "softplus", "abs")},
    **{name: getattr(F, name) for name in F.__all__},
}


def build(node, env):
    """Build a form (``x * y``, ``dot([x, w], [y, c], b)``) from Values and numbers."""
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return BINARY[type(node.op)](build(node.left, env), build(node.right, env))
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](build(node.operand, env))
    if isinstance(node, ast.Call) and not node.keywords:
        return VALUE_FUNCTIONS[node.func.id](*(build(a, env) for a in node.args))
    if isinstance(node, ast.List):
        return [build(e, env) for e in node.elts]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return build(node.value, env)[node.slice.value]
    raise ValueError(f"form element not allowed: {ast.dump(node)}")


def run(rule, point: dict, g: float):
    """Build the row's form at ``point``, backward ``g``; (engine grad, g * table local)."""
    values = {n: (x if n in PARAMS else Value(x)) for n, x in point.items()}
    out = build(ast.parse(rule.form, mode="eval").body, values)
    out.backward(g)
    local = evaluate(rule.local, {**point, "out": out.data})
    return values[rule.role].grad, g * local


def in_domain(rule, point) -> bool:
    return not rule.domain or bool(evaluate(rule.domain, point))


REALS = st.floats(-3.0, 3.0, allow_nan=False).map(lambda x: round(x, 3))
PARAM_VALUES = {"k": st.sampled_from([-2.0, -1.0, 0.5, 1.5, 2.0, 3.0]),
                "c": REALS, "slope": st.sampled_from([0.01, 0.2]),
                "alpha": st.sampled_from([1.0, 0.5])}  # fmt: skip
# away from kinks and ties, where the smooth rule holds; kinks are tested below
SMOOTH = REALS.filter(lambda x: abs(x) > 1e-3)


def points(rule):
    names = sorted(names_in(rule.form))
    return st.fixed_dictionaries({n: PARAM_VALUES.get(n, SMOOTH) for n in names})


def row_id(rule) -> str:
    return f"{rule.form}/d{rule.role}"


@pytest.mark.parametrize("rule", rules.RULES, ids=row_id)
def test_row_matches_engine_at_random_points(rule):
    @settings(max_examples=60, deadline=None)
    @given(points(rule), st.floats(-2.0, 2.0).filter(lambda g: abs(g) > 0.05))
    def check(point, g):
        assume(in_domain(rule, point))
        assume(
            len({point[n] for n in point if n in "xyz"}) == len([n for n in point if n in "xyz"])
        )
        engine, table = run(rule, point, g)  # g random: a rule missing `* g` fails
        assert engine == pytest.approx(table, rel=1e-12, abs=1e-12), point

    check()


@pytest.mark.parametrize(
    ("form", "role", "point", "local"),
    [
        ("relu(x)", "x", {"x": 0.0}, 0.0),  # kink: 0 at 0, as PyTorch
        ("abs(x)", "x", {"x": 0.0}, 0.0),  # sign(0) = 0
        ("leaky_relu(x, slope)", "x", {"x": 0.0, "slope": 0.2}, 0.2),
        ("elu(x, alpha)", "x", {"x": 0.0, "alpha": 0.5}, 0.5),  # out + alpha = alpha
        ("maximum(x, y)", "x", {"x": 1.5, "y": 1.5}, 0.5),  # tie: split evenly
        ("maximum(x, y)", "y", {"x": 1.5, "y": 1.5}, 0.5),
        ("minimum(x, y)", "y", {"x": -1.0, "y": -1.0}, 0.5),
        ("maximum(x, y)", "y", {"x": 2.0, "y": -1.0}, 0.0),  # the smaller gets nothing
    ],
)
def test_kinks_and_ties_follow_the_table(form, role, point, local):
    rule = rules.RULES_BY_KEY[form, role]
    engine, table = run(rule, point, -0.75)
    assert engine == table == -0.75 * local


def closure_locals(node) -> list[float]:
    """∂node/∂parent for each parent (all distinct here), read from the node's own closure."""
    for p in node._prev:
        p.grad = 0.0
    node._backward(1.0)
    return [p.grad for p in node._prev]


@pytest.mark.parametrize("rule", PRIMITIVE_RULES, ids=row_id)
def test_bindings_agree_with_the_engine_closure(rule):
    """The path the captions take: build the node, bind the rule, compare with its closure."""
    numbers = {"k": 2.0, "c": -1.5, "slope": 0.2, "alpha": 0.5}
    inputs = zip(sorted(names_in(rule.form)), (0.7, 1.3, -0.4, 2.1, 0.9))
    point = {n: numbers.get(n, v) for n, v in inputs}
    values = {n: (x if n in PARAMS else Value(x)) for n, x in point.items()}
    node = build(ast.parse(rule.form, mode="eval").body, values)
    assert rules.gate_of(node) is rules.GATES[rule.form]
    closure = closure_locals(node)  # the engine's closure, upstream 1
    found = rules.bindings(node, lambda: tuple(closure))  # dot: per-slot coefficients
    assert found is not None and len(found) == len(node._prev)
    for p, engine in zip(node._prev, closure):
        mine = [b for b in found if node._prev[b.position] is p]
        table = math.fsum(evaluate(b.rule.local, b.env) for b in mine)
        assert engine == pytest.approx(table, rel=1e-12, abs=1e-15)
    assert rule.role in {b.rule.role for b in found} or rule.form.startswith("dot")


def test_dot_pairs_each_factor_with_its_partner_and_finds_the_bias():
    w, x, v, b = Value(0.5), Value(2.0), Value(-1.0), Value(0.1)
    node = F.dot([w, v], [x, 3.0], b)
    roles = [(bd.rule.role, bd.slots) for bd in rules.bindings(node, lambda: (2.0, 0.5, 3.0, 1.0))]
    assert roles == [("x", {"x": 0, "y": 1}), ("y", {"y": 1, "x": 0}), ("w", {"w": 2}),
                     ("b", {"b": 3})]  # fmt: skip


def test_unknown_ops_have_no_rule():
    a = Value(2.0)
    custom = Value(a.data**3, (a,), "cube")
    assert rules.gate_of(custom) is None and rules.bindings(custom) is None
    assert rules.gate_of(a) is None  # a leaf
    assert rules.gate_of(Value(1.0, (a, a, a), "+")) is None  # + never has three inputs


NUMERIC_DUNDERS = {
    f"__{prefix}{name}__"
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
    for prefix in ("", "r")
} | {"__neg__", "__pos__", "__abs__"}


def test_every_public_op_has_a_row():
    """A new public op on Value (or in functional) without a table row fails here."""
    not_ops = {"backward", "zero_grad", "item"}
    ops = {
        name
        for name, member in vars(Value).items()
        if callable(member) and (name in NUMERIC_DUNDERS or not name.startswith("_"))
    } - not_ops
    assert {"__add__", "__rsub__", "__rpow__", "tanh", "elu"} <= ops
    documented = {m for gate in rules.GATES.values() for m in gate.method.split(", ")}
    missing = (ops | {f"F.{name}" for name in F.__all__}) - documented
    assert not missing, f"ops without a row in micrograd_cn/rules.py: {sorted(missing)}"
    for method in documented:
        owner, name = (F, method[2:]) if method.startswith("F.") else (Value, method)
        assert callable(getattr(owner, name, None)), method


def test_every_gate_has_rules_and_every_rule_a_gate():
    assert {r.form for r in rules.RULES} == set(rules.GATES)
    for rule in rules.RULES:
        assert rule.role in names_in(rule.form) - PARAMS, rule
        assert names_in(rule.local) <= names_in(rule.form) | {"out"}, rule


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_gate_explains_itself_in_chinese():
    for gate in rules.GATES.values():
        assert CJK.search(gate.why) and gate.why.endswith("。"), gate.form
    for sentence in (rules.REUSE_WHY, rules.ROOT_WHY, rules.NUMERIC_WHY, rules.NO_TERMS_WHY):
        assert CJK.search(sentence)
    assert "+=" in rules.REUSE_WHY


def test_rules_render_as_a_learner_writes_them():
    shown = {(r.form, r.role): render(r.local, {"alpha": "α"}) for r in rules.RULES}
    assert shown["tanh(x)", "x"] == "1 − out²"
    assert shown["x ** k", "x"] == "k·x^(k − 1)"
    assert shown["sqrt(x)", "x"] == "1/(2·out)"
    assert shown["sigmoid(x)", "x"] == "out·(1 − out)"
    assert shown["softplus(x)", "x"] == "σ(x)"
    assert shown["elu(x, alpha)", "x"] == "1 if x > 0 else out + α"
    assert shown["logsumexp([x, y, z])", "x"] == "exp(x − out)"
    assert shown["x / y", "y"] == "−x/y²"
    # learner's names, folded numbers computed, numbers mode picks the branch taken
    env = {"x": -2.0, "k": 3.0, "out": -8.0}
    assert render("k * x ** (k - 1)", {"x": "a"}, env) == "3·a²"
    assert render("k * x ** (k - 1)", {}, env, numeric=True) == "3·(-2)²"
    assert render("1 - out ** 2", {"out": "苹果 总价"}) == "1 − (苹果 总价)²"
    assert render("1 if x > 0 else slope", {}, {"x": -1.0, "slope": 0.2}, numeric=True) == "0.2"
    assert render("1 if x > y else (0.5 if x == y else 0)", {"x": "p", "y": "q"}, {}) == (
        "1 if p > q else (0.5 if p == q else 0)"
    )


def test_formula_walker_rejects_anything_else():
    for text in ["__import__('os')", "a.data", "(lambda: 1)()", "[x for x in a]", "open('f')"]:
        with pytest.raises((ValueError, KeyError)):
            evaluate(text, {"a": 1.0})


def test_docs_table_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(rules.BEGIN), text.index(rules.END) + len(rules.END)
    assert text[start:end] == rules.markdown(), "regenerate: python -m micrograd_cn.rules " + str(
        DOC.relative_to(DOC.parent.parent)
    )
    for rule in rules.RULES:  # every rule is in the doc, in the learner's notation
        assert f"| `{rule.form}` |" in text and f"`{rule.local}`" in text
