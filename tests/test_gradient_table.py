"""Walk docs/gradients.md: every row's forward and local derivative must match the engine.

Formulas are parsed with ``ast`` and evaluated by walking a whitelist of node
types (never ``eval``).  The ``运算`` column is evaluated with Values, the
``前向`` and ``局部导数`` columns with floats; the engine's gradient after
``backward(g)`` must equal ``g * local derivative`` at every sample point,
kinks included (the table states their conventions).
"""

import ast
import math
import operator
import random
from pathlib import Path

import pytest

from micrograd_cn import functional as F
from micrograd_cn.engine import Value

TABLE = Path(__file__).resolve().parent.parent / "docs" / "gradients.md"
CONSTANT_NAMES = {"k", "slope", "alpha"}
SAMPLES = {
    "k": [-2.0, -1.0, 0.5, 1.5, 2.0, 3.0],
    "slope": [0.01, 0.2],
    "alpha": [1.0, 0.5],
}
POINTS = [-2.5, -1.3, -0.7, 0.0, 0.4, 1.1, 2.2]  # 0.0 on purpose: kinks follow the table

BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
COMPARE = {
    ast.Gt: operator.gt,
    ast.Lt: operator.lt,
    ast.GtE: operator.ge,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
FLOAT_FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "abs": abs,
    "round": round,
    "sign": lambda x: (x > 0) - (x < 0),
}
VALUE_FUNCTIONS = {
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "softplus": Value.softplus,
    "abs": Value.abs,
    **{name: getattr(F, name) for name in F.__all__},
}


def evaluate(node, env, functions):
    """Evaluate a whitelisted expression tree; anything else is an error."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body, env, functions)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = evaluate(node.left, env, functions), evaluate(node.right, env, functions)
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](evaluate(node.operand, env, functions))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        args = [evaluate(a, env, functions) for a in node.args]
        return functions[node.func.id](*args)
    if isinstance(node, ast.IfExp):
        branch = node.body if evaluate(node.test, env, functions) else node.orelse
        return evaluate(branch, env, functions)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE:
        left = evaluate(node.left, env, functions)
        right = evaluate(node.comparators[0], env, functions)
        return COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.BoolOp):
        values = (evaluate(v, env, functions) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.List):
        return [evaluate(e, env, functions) for e in node.elts]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return evaluate(node.value, env, functions)[node.slice.value]
    raise ValueError(f"formula element not allowed: {ast.dump(node)}")


def names_in(tree) -> list[str]:
    callees = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - callees
    return sorted(found)


def read_rows():
    """Rows of every table whose header has 局部导数, as dicts of column -> text."""
    rows, header = [], None
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if "局部导数" in cells:
            header = cells
        elif header and not set(line) <= set("|-: "):
            row = dict(zip(header, (c.strip("`") for c in cells)))
            row["line"] = number
            rows.append(row)
    return rows


ROWS = read_rows()


def row_id(row) -> str:
    return f"L{row['line']}:{row['运算']}/d{row['对']}"


def sample_envs(row, count=25):
    """Seeded sample points (floats) inside the row's 定义域, ties and zeros included."""
    tree = ast.parse(row["运算"], mode="eval")
    variables = names_in(tree)
    domain = ast.parse(row["定义域"], mode="eval") if row["定义域"] else None
    rng = random.Random(row["line"])
    candidates = [dict.fromkeys(variables, 0.0), dict.fromkeys(variables, 1.1)]
    for _ in range(count * 4):
        candidates.append({v: rng.choice(SAMPLES.get(v, POINTS)) for v in variables})
    envs = [env for env in candidates if domain is None or evaluate(domain, env, FLOAT_FUNCTIONS)]
    return envs[:count]


def test_table_is_found_and_big_enough():
    assert len(ROWS) >= 40
    assert {row["对"] for row in ROWS} >= {"a", "b", "a1", "b1", "c"}


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_matches_engine(row):
    op_tree = ast.parse(row["运算"], mode="eval")
    forward = ast.parse(row["前向"], mode="eval")
    derivative = ast.parse(row["局部导数"], mode="eval")
    wrt = row["对"]
    envs = sample_envs(row)
    assert len(envs) >= 10, "too few sample points inside the domain"
    for env in envs:
        values = {n: (x if n in CONSTANT_NAMES else Value(x)) for n, x in env.items()}
        out = evaluate(op_tree, values, VALUE_FUNCTIONS)
        g = -0.75  # a non-trivial upstream gradient: catches a rule missing `* g`
        out.backward(g)
        expected_out = evaluate(forward, env, FLOAT_FUNCTIONS)
        assert out.data == pytest.approx(expected_out, rel=1e-12, abs=1e-12), env
        local = evaluate(derivative, {**env, "out": out.data}, FLOAT_FUNCTIONS)
        assert values[wrt].grad == pytest.approx(g * local, rel=1e-12, abs=1e-12), env


def documented_methods() -> set[str]:
    return {row["方法"] for row in ROWS}


NUMERIC_DUNDERS = {
    f"__{prefix}{name}__"
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
    for prefix in ("", "r")
} | {"__neg__", "__pos__", "__abs__"}


def test_every_value_op_has_a_row():
    """A new public op on Value (or in functional) without a table row fails here."""
    not_ops = {"backward", "zero_grad", "item"}
    ops = {
        name
        for name, member in vars(Value).items()
        if callable(member) and (name in NUMERIC_DUNDERS or not name.startswith("_"))
    } - not_ops
    assert {"__add__", "__rsub__", "__rpow__", "tanh", "elu"} <= ops
    functional = {f"F.{name}" for name in F.__all__}
    missing = (ops | functional) - documented_methods()
    assert not missing, f"ops without a row in docs/gradients.md: {sorted(missing)}"


def test_every_row_names_a_real_method():
    for method in documented_methods():
        if method.startswith("F."):
            assert method[2:] in F.__all__, method
        else:
            assert callable(getattr(Value, method, None)), method


def test_formula_walker_rejects_anything_else():
    for text in ["__import__('os')", "a.data", "(lambda: 1)()", "[x for x in a]", "open('f')"]:
        with pytest.raises((ValueError, KeyError)):
            evaluate(ast.parse(text, mode="eval"), {"a": 1.0}, FLOAT_FUNCTIONS)
