"""micrograd_cn.ops: every row of the op table against the engine, central differences and
PyTorch; kinks on purpose; every public op has a row and every row an op; the node reading
(row_of, bind, local_derivatives) the captions use.

For each row, random points of its smooth domain (hypothesis, ``testing.op_cases``) and a
random upstream gradient ``g``: after ``backward(g)`` every input's grad must be ``g`` times
the row's formula (evaluated here from the point, independently of :func:`ops.bind`) and
``g`` times the central difference (:func:`gradcheck.numerical_grad`).
"""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cn import functional as F
from micrograd_cn.engine import Value
from micrograd_cn.formula import FUNCTIONS, PARAMS, evaluate, names_in
from micrograd_cn.gradcheck import numerical_grad
from micrograd_cn.ops import OPS, bind, local_derivatives, op_text, row_of
from micrograd_cn.testing import OpCase, op_cases

ROWS = list(OPS.values())
PRIMITIVES = [r for r in ROWS if not r.derived]
KINKED = [r for r in ROWS if r.kink]
UPSTREAM = st.one_of(st.floats(0.1, 2.0), st.floats(-2.0, -0.1)).filter(lambda g: abs(g - 1) > 1e-3)


def row_id(row) -> str:
    return row.name


def expected_local(case: OpCase, name: str, out: float) -> float:
    """The row's formula for input ``name`` of ``case``, evaluated from the case's numbers."""
    row, point, params = case.row, case.point, case.params
    if row.name == "dot":  # build(): dot([w1, w2, 1.5], [x1, -0.5, x2], b)
        partner = {"w1": point["x1"], "w2": -0.5, "x1": point["w1"], "x2": 1.5, "b": None}
        role = name[0]
        other = "x" if role == "w" else "w"
        env = {"out": out, other: partner[name]} if partner[name] is not None else {"out": out}
        return evaluate(row.grads[role], env)
    env = {"out": out, "n": len(point), **params}
    if row.nary and len(row.inputs) == 2:  # softmax(xs)[0]: x_i = x1, the others x_j
        formula = row.grads["x_i" if name == "x1" else "x_j"]
        return evaluate(formula, env | {"x_i": point["x1"], "x_j": point[name]})
    if row.nary:
        return evaluate(row.grads["x"], env | {"x": point[name]})
    return evaluate(row.grads[name], env | point)


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_matches_engine_and_central_differences(row):
    @settings(max_examples=40, deadline=None)
    @given(op_cases(row), UPSTREAM)
    def check(case, g):
        leaves = {n: Value(x, label=n) for n, x in case.point.items()}
        out = case.build(leaves)
        out.backward(g)  # g random: a closure missing `* g` fails
        numeric = numerical_grad(
            lambda *vs: case.build(dict(zip(case.names, vs))), list(case.point.values())
        )
        for (name, leaf), central in zip(leaves.items(), numeric):
            table = g * expected_local(case, name, out.data)
            assert leaf.grad == pytest.approx(table, rel=1e-12, abs=1e-12), (case, name)
            assert leaf.grad == pytest.approx(g * central, rel=1e-5, abs=1e-6), (case, name)
        if not row.derived:
            assert out._op == row.op and row_of(out) is row

    check()


@pytest.mark.parametrize("row", PRIMITIVES, ids=row_id)
def test_local_derivatives_agree_with_the_engine_closure(row):
    """The path the captions take (row, bound to the node) against the node's own closure."""

    @settings(max_examples=15, deadline=None)
    @given(op_cases(row))
    def check(case):
        out = case.build({n: Value(x) for n, x in case.point.items()})
        for p in out._prev:
            p.grad = 0.0
        out._backward(1.0)  # the engine's closure, upstream 1; the parents are distinct
        assert local_derivatives(out) == pytest.approx([p.grad for p in out._prev], rel=1e-12)

    check()


def kink_point(row) -> dict:
    """A point on the row's kink: every input 0 (relu, abs …) or all equal (maximum)."""
    params = {p.name: p.samples[-1] for p in row.params if not p.folded}
    point = {n: 0.0 for n in row.inputs}
    assert evaluate(row.kink, point | params) == 0, row.name
    return point | params


# the documented side at each kink (PyTorch's and micrograd's convention), per input
KINK_LOCALS = {
    "relu": {"x": 0.0},
    "abs": {"x": 0.0},
    "leaky_relu": {"x": 0.2},  # slope (the last sample)
    "elu": {"x": 0.5},  # out + alpha = alpha (the last sample)
    "maximum": {"x": 0.5, "y": 0.5},  # a tie splits evenly
    "minimum": {"x": 0.5, "y": 0.5},
}


@pytest.mark.parametrize("row", KINKED, ids=row_id)
def test_kinks_take_the_documented_side(row):
    point = kink_point(row)
    leaves = {n: Value(point[n]) for n in row.inputs}
    params = {n: v for n, v in point.items() if n not in leaves}
    out = row.apply([leaves[n] for n in row.inputs], params)
    out.backward(-0.75)
    for name, leaf in leaves.items():
        table = evaluate(row.grads[name], point | {"out": out.data})
        assert leaf.grad == -0.75 * table == -0.75 * KINK_LOCALS[row.name][name]
    assert set(KINK_LOCALS) == {r.name for r in KINKED}


@pytest.mark.parametrize("row", [r for r in PRIMITIVES if r.torch], ids=row_id)
def test_row_matches_torch_float64(row):
    torch = pytest.importorskip("torch")
    from micrograd_cn.bridge import graph_to_torch

    @settings(max_examples=10, deadline=None)
    @given(op_cases(row), UPSTREAM)
    def check(case, g):
        leaves = {n: Value(x) for n, x in case.point.items()}
        out = case.build(leaves)
        out.backward(g)
        tensor, tensors = graph_to_torch(out)
        tensor.backward(torch.tensor(g, dtype=torch.float64))
        assert out.data == pytest.approx(tensor.item(), rel=1e-12, abs=1e-12), case
        for leaf in leaves.values():
            assert leaf.grad == pytest.approx(tensors[leaf].grad.item(), rel=1e-9, abs=1e-12)

    check()


# ---------------------------------------------------------------- the table and the engine
NUMERIC_DUNDERS = {
    f"__{prefix}{name}__"
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
    for prefix in ("", "r")
} | {"__neg__", "__pos__", "__abs__"}
NOT_OPS = {"backward", "zero_grad", "item"}


def implemented_by(row) -> list:
    found = []
    for part in row.implementation.split(", "):
        owner, _, name = part.partition(".")
        found.append(getattr(F if owner == "F" else Value, name, None))
    return found


def test_every_public_op_has_a_row_and_every_row_an_op():
    """A new public op on Value (or in functional) without a row fails here, and so does a
    row whose method is gone."""
    methods = {
        f"Value.{name}"
        for name, member in vars(Value).items()
        if callable(member) and (name in NUMERIC_DUNDERS or not name.startswith("_"))
    } - {f"Value.{n}" for n in NOT_OPS}
    assert {"Value.__add__", "Value.__rsub__", "Value.__rpow__", "Value.tanh"} <= methods
    public = methods | {f"F.{name}" for name in F.__all__}
    listed = {part for row in ROWS for part in row.implementation.split(", ")}
    assert public - listed == set(), "ops without a row in micrograd_cn/ops.py"
    assert listed - public == set(), "rows whose op does not exist"
    for row in ROWS:
        assert all(callable(f) for f in implemented_by(row)), row.name


def test_rows_are_consistent():
    reading = {}
    for name, row in OPS.items():
        assert name == row.name and row.grads, name
        assert bool(row.op) != row.derived, name  # a derived form makes other ops' nodes
        assert {p.name for p in row.params} <= PARAMS, name  # printed as numbers
        known = set(row.inputs) | {p.name for p in row.params} | {"out", "n"}
        for formula in [*row.grads.values(), row.domain, row.kink]:
            if formula:
                assert names_in(formula) <= known, (name, formula)
                calls = {f for f in re.findall(r"([a-z_]+)\(", formula)}
                assert calls <= set(FUNCTIONS), (name, formula)
        assert set(row.sample) <= set(row.inputs), name
        if not row.derived:  # the engine's nodes are read back by (_op, number of parents)
            key = (row.op, -1 if row.nary else len(row.inputs))
            assert key not in reading, (name, reading.get(key))
            reading[key] = name
        if row.torch:
            assert row.torch.startswith("torch."), name


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_row_explains_itself_in_chinese():
    for row in ROWS:
        assert CJK.search(row.why) and row.why.endswith("。"), row.name


def test_every_row_is_reachable_by_expressions_or_is_a_list():
    from micrograd_cn.testing import drawable

    assert [r.name for r in ROWS if not drawable(r)] == ["log_softmax", "softmax"]


# ---------------------------------------------------------------- reading a node
def test_dot_names_the_partner_recorded_even_when_values_coincide():
    """With w1 = 3, w2 = 2, x = 3, the weight 2 pairs with x and x with w2, whatever the
    numbers: the partners come from what F.dot recorded, not from matching values."""
    w1, w2, x = Value(3.0), Value(2.0), Value(3.0)
    node = F.dot([w1, w2], [2.0, x])
    slots = bind(node).slots
    assert [(s.position, s.input) for s in slots] == [(0, "w"), (1, "w"), (2, "x")]
    assert "x" not in slots[0].sources and slots[0].env["x"] == 2.0  # w1 × 2
    assert slots[1].sources == {"w": 1, "x": 2}  # w2 × x
    assert slots[2].sources == {"w": 1, "x": 2}  # x × w2
    assert local_derivatives(node) == [2.0, 3.0, 2.0]
    node.backward()
    assert (w1.grad, w2.grad, x.grad) == (2.0, 3.0, 2.0)


def test_dot_and_sum_record_the_numbers_they_fold_in():
    a, b = Value(1.0), Value(2.0)
    assert bind(F.sum([a, 2, b, 0.5])).params == {"c": 2.5}
    node = F.dot([a, 2.0, 3.0], [4.0, b, 5.0], 0.25)  # 2·b, plus 3·5 + 0.25 folded
    assert bind(node).params == {"c": 15.25} and node.data == 4.0 + 4.0 + 15.25
    assert [s.input for s in bind(node).slots] == ["w", "x"]
    with_bias = bind(F.dot([a], [b], Value(0.5)))
    assert [s.input for s in with_bias.slots] == ["w", "x", "b"]
    assert with_bias.params == {"c": 0.0}


def test_dot_of_values_alone_has_a_bias_slot_only_when_given_one():
    """F.dot records nothing when every factor is a Value: the parents are w1, x1, w2, x2
    and then the bias, if any. kills ops.x__bind_dot__mutmut_12, 15 (a bias read from an
    even number of parents)."""
    w1, x1, w2, x2, b = Value(1.0), Value(2.0), Value(3.0), Value(4.0), Value(0.5)
    plain = bind(F.dot([w1, w2], [x1, x2]))
    assert [(s.position, s.input, dict(s.sources)) for s in plain.slots] == [
        (0, "w", {"w": 0, "x": 1}), (1, "x", {"w": 0, "x": 1}),
        (2, "w", {"w": 2, "x": 3}), (3, "x", {"w": 2, "x": 3}),
    ]  # fmt: skip
    assert local_derivatives(F.dot([w1, w2], [x1, x2])) == [2.0, 1.0, 4.0, 3.0]
    biased = F.dot([w1, w2], [x1, x2], b)
    assert [s.input for s in bind(biased).slots] == ["w", "x", "w", "x", "b"]
    assert local_derivatives(biased) == [2.0, 1.0, 4.0, 3.0, 1.0]


def test_every_slot_sees_out_as_a_number_and_finds_itself_in_its_sources():
    """A slot's env holds ``out`` (the node's number) and plain floats, and its sources give
    its own position under its own input name: the dot's bias slot as much as any other.
    kills ops.x__bind_dot__mutmut_36/37 (a factor's ``"out"`` key renamed), _95 (the bias
    env None), _106/107 (its ``"out"`` key renamed), _108/109 (its ``"b"`` source renamed),
    x__number__mutmut_1 (a Value left in the env instead of its number)."""
    w1, w2, x, b = Value(3.0), Value(2.0), Value(-1.5), Value(0.5)
    node = F.dot([w1, w2], [4.0, x], b)  # 3·4 + 2·(-1.5) + 0.5
    assert node.data == 9.5
    slots = bind(node).slots
    assert [dict(s.env) for s in slots] == [
        {"out": 9.5, "w": 3.0, "x": 4.0},
        {"out": 9.5, "w": 2.0, "x": -1.5},
        {"out": 9.5, "w": 2.0, "x": -1.5},
        {"out": 9.5},
    ]
    assert {type(v) for s in slots for v in s.env.values()} == {float}
    others = [w1 * x, w1**2, F.sum([w1, x]), F.logsumexp([w1, x]), F.dot([w1, w2], [x, b], b)]
    for n in [node, *others]:
        for s in bind(n).slots:
            assert s.env["out"] == n.data, (n._op, s)
            assert s.sources[s.input] == s.position, (n._op, s)


def test_parameters_and_folded_constants_are_bound_by_name():
    x = Value(-2.0)
    assert bind(x.leaky_relu(0.2)).params == {"slope": 0.2}
    assert bind(x.elu()).params == {"alpha": 1.0}
    assert bind(x - 1).params == {"k": -1.0} and row_of(x - 1).name == "add_const"
    assert bind(x / 4).params == {"k": 0.25} and row_of(3 / x).name == "mul_const"
    assert bind(x**3).slots[0].env == {"out": -8.0, "k": 3.0, "x": -2.0}
    assert bind(x.tanh()).params == {}


def test_nodes_no_row_describes():
    a = Value(2.0)
    assert row_of(a) is None and bind(a) is None and local_derivatives(a) is None
    hand_built = Value(8.0, (a,), "+")  # + with one parent, but the engine did not make it
    assert row_of(hand_built) is None
    cube = Value(8.0, (a,), "cube")
    assert row_of(cube) is None and op_text(cube) == "cube"
    mine = a * 3.0
    assert row_of(mine).name == "mul_const"

    def _backward():  # a learner replaces the closure: the row no longer describes it
        a.grad += 99.0 * mine.grad

    mine._backward = _backward
    assert row_of(mine) is None and local_derivatives(mine) is None
    assert op_text(mine) == "×"  # drawn by its _op all the same
    with pytest.raises(AttributeError):  # micrograd-style objects without _param: no row
        object().__getattribute__("_param")
    foreign = type("Other", (), {"data": 1.0, "_prev": (a,), "_op": "tanh"})()
    assert row_of(foreign) is None


def test_op_text_shows_the_symbol_and_the_folded_number():
    x = Value(3.0)
    shown = [op_text(n) for n in (x * 2, x + 0.5, -x, x / 4, x**-1, x.tanh(), x.sigmoid())]
    assert shown == ["×2", "+0.5", "×(-1)", "×0.25", "^-1", "tanh", "σ"]
    assert op_text(F.sum([x, x])) == "Σ" and op_text(F.maximum(x, 1.0)) == "max"


def test_apply_and_function():
    x = Value(2.0)
    assert OPS["rpow"].apply([x], {"k": 3.0}).data == 9.0
    assert OPS["pos"].apply([x]) is x
    assert [v.data for v in OPS["softmax"].apply([[0.0, 0.0]])] == [0.5, 0.5]
    assert OPS["dot"].apply([[x], [3.0], 1.0]).data == 7.0
    assert [r.function for r in (OPS["maximum"], OPS["sub"], OPS["mean"])] == [
        "maximum", "", "mean"
    ]  # fmt: skip
    assert OPS["exp"].interval("x") == (-3.0, 3.0) and OPS["tanh"].interval("x") == (None, None)


def test_sin_and_cos_rows_give_the_caption_formulas():
    """The row side of ``∂f/∂x = ∂f/∂y × cos(x) = …``: the formula, with the learner's names."""
    from micrograd_cn.formula import render

    x = Value(1.0, label="x")
    for node, text, number in ((x.sin(), "cos(x)", math.cos(1.0)),
                               (x.cos(), "−sin(x)", -math.sin(1.0))):  # fmt: skip
        (slot,) = bind(node).slots
        assert render(slot.grad, {"x": "x"}, slot.env) == text
        assert render(slot.grad, {}, slot.env, numeric=True) == text.replace("x", "1")
        assert local_derivatives(node) == [number]
        assert row_of(node).torch == f"torch.{node._op}" and op_text(node) == node._op


def test_a_function_row_on_a_plain_number_gives_a_value_node():
    """``tanh(0.5)``: a row implemented by a Value method wraps a plain number in a Value and
    gives the method's node, even when the row names two methods (abs: ``Value.abs,
    Value.__abs__``; the first one is called).

    kills ops.xǁOpǁapply__mutmut_9 (``partition(".")`` -> ``rpartition``: abs read as the
    operator ``__abs__``, its form evaluated on the float, a float 2.0 and no node)."""
    out = OPS["abs"].apply([-2.0])
    assert isinstance(out, Value) and (out.data, out._op) == (2.0, "abs")
    out = OPS["tanh"].apply([0.5])
    assert isinstance(out, Value) and (out.data, out._op) == (math.tanh(0.5), "tanh")


def test_op_text_of_a_zero_constant_and_of_an_n_ary_node_no_row_describes():
    """A folded 0 is not negative: ``×0``, no parentheses.  A sum whose closure a learner
    replaced is still drawn with the sum row's symbol Σ (found under the n-ary key).

    kills ops.x_op_text__mutmut_24 (``k < 0`` -> ``k <= 0``: ``×(0)``), _6 / _7 / _8 (the
    fallback looking up ``None`` / ``(op, +1)`` / ``(op, -2)`` instead of ``(op, -1)``: the
    bare ``sum``)."""
    x = Value(3.0)
    assert [op_text(x * 0.0), op_text(x + 0.0), op_text(x**0.0)] == ["×0", "+0", "^0"]
    total = F.sum([x, x])

    def _backward():  # a learner's own closure: no row describes the node any more
        x.grad += total.grad

    total._backward = _backward
    assert row_of(total) is None and bind(total) is None
    assert op_text(total) == "Σ"
