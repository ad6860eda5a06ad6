"""trace.record: forward values in topological order, backward gradients in reverse order.

Expected numbers come from the seeds (002's (x+y)*z, 000's apples) and closed forms.
"""

import math

import pytest
from hypothesis import given

from micrograd_cn import F, Value
from micrograd_cn.testing import expressions, variable_values
from micrograd_cn.trace import _width, constant_of, fresh_record, record


def seed_002():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, (x, y, z, q)


def test_forward_is_topological_with_the_seed_values():
    f, _ = seed_002()
    t = record(f)
    assert [(s.name, s.value) for s in t.forward] == [
        ("x", -2.0),
        ("y", 5.0),
        ("q", 3.0),  # seed 002: "q become 3"
        ("z", -4.0),
        ("f", -12.0),  # "f become -12"
    ]
    assert [s.index for s in t.forward] == [0, 1, 2, 3, 4]
    assert t.forward[2].parents == (0, 1) and t.forward[4].parents == (2, 3)
    assert t.forward[2].formula == "q = x + y = (-2) + 5 = 3"
    assert t.forward[4].formula == "f = q × z = 3 × (-4) = -12"
    assert t.forward[0].formula == "x = -2"


def test_backward_is_reverse_order_with_the_seed_gradients_and_messages():
    f, (x, y, z, q) = seed_002()
    t = record(f)
    assert [(s.name, s.grad) for s in t.backward] == [
        ("f", 1.0),
        ("z", 3.0),  # dfdz = q = 3
        ("q", -4.0),  # dfdq = z = -4
        ("y", -4.0),
        ("x", -4.0),
    ]
    f_step, q_step = t.backward[0], t.backward[2]
    # f = q * z sends z.data * 1 to q and q.data * 1 to z; q = x + y sends 1 * -4 to both.
    assert [(m.parent, m.local, m.delta) for m in f_step.sent] == [(2, -4.0, -4.0), (3, 3.0, 3.0)]
    assert [(m.parent, m.local, m.delta) for m in q_step.sent] == [(0, 1.0, -4.0), (1, 1.0, -4.0)]
    assert t.backward[-1].sent == ()  # leaves send nothing
    assert [s.caption for s in t.backward] == [
        "∂f/∂f = 1",
        "∂f/∂z = q = 3",
        "∂f/∂q = z = -4",
        "∂f/∂y = ∂f/∂q·1 = (-4)×1 = -4",
        "∂f/∂x = ∂f/∂q·1 = (-4)×1 = -4",
    ]
    # and the graph itself now holds the gradients, as after f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_apple_example_seed_000():
    apple, count, tax = Value(100.0, label="apple"), Value(2.0, label="count"), Value(1.1)
    tax.label = "tax"
    price = apple * count * tax
    t = record(price)
    grads = {s.name: s.grad for s in t.backward}
    assert t.forward[-1].value == pytest.approx(220.0, abs=1e-12)
    assert grads["apple"] == pytest.approx(2.2, abs=1e-12)
    assert grads["count"] == pytest.approx(110.0, abs=1e-12)
    assert grads["tax"] == pytest.approx(200.0, abs=1e-12)


def test_local_derivative_of_tanh_is_one_minus_square_and_delta_is_times_upstream():
    x = Value(0.7, label="x")
    h = x.tanh()
    out = h * 3.0
    t = record(out)
    h_step = next(s for s in t.backward if s.index == 1)
    (message,) = h_step.sent
    assert message.local == pytest.approx(1.0 - math.tanh(0.7) ** 2, rel=1e-15)
    assert message.delta == pytest.approx(3.0 * (1.0 - math.tanh(0.7) ** 2), rel=1e-15)
    assert x.grad == pytest.approx(3.0 * (1.0 - math.tanh(0.7) ** 2), rel=1e-15)


def test_reused_parent_gets_one_summed_message():
    a = Value(3.0, label="a")
    b = a * a  # a appears twice in _prev
    t = record(b)
    (message,) = t.backward[0].sent
    assert (message.local, message.delta) == (6.0, 6.0)  # d(a²)/da = 2a
    assert t.backward[1].caption == "∂v1/∂a = 2·a = 6"
    c = a + a
    d = c + c  # reuse: d = 4a
    record(d)
    assert a.grad == 6.0 + 4.0  # leaves accumulate across calls, as backward() does


def test_intermediates_hold_this_calls_gradient_leaves_accumulate():
    f, (x, _, _, q) = seed_002()
    record(f)
    record(f)
    assert q.grad == -4.0  # intermediate: reset each call
    assert x.grad == -8.0  # leaf: accumulated


def test_fresh_record_leaves_grads_as_they_were():
    f, (x, _, _, q) = seed_002()
    x.grad = 123.0
    t = fresh_record(f)
    assert x.grad == 123.0 and q.grad == 0.0
    assert t.backward[-1].grad == -4.0  # this call's gradient, not 123 - 4
    with pytest.raises(TypeError, match="expected a Value, got float"):
        fresh_record(1.0)


def _nary_graph():
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    s = F.sum([a, b * 2.0, c, a])
    d = F.dot([a, b], [c, 3.0], bias=s)
    m = F.maximum(d, a.tanh()) + F.logsumexp([a, b, c]) - b / c + (a**2).exp()
    return m


def test_record_gives_the_same_grads_as_backward_on_nary_and_reused_graphs():
    reference = _nary_graph()
    reference.backward(0.75)
    traced = _nary_graph()
    record(traced, grad=0.75)
    from micrograd_cn.engine import topological_order

    for ref, got in zip(topological_order(reference), topological_order(traced), strict=True):
        assert got.grad == pytest.approx(ref.grad, rel=1e-12, abs=1e-15)


@given(expressions(max_leaves=8), variable_values())
def test_record_matches_backward_on_random_expressions(expr, env):
    def build():
        leaves = {n: Value(v, label=n) for n, v in env.items()}
        return expr.evaluate_value(leaves), leaves

    (reference, ref_leaves), (traced, traced_leaves) = build(), build()
    if not isinstance(reference, Value):
        return  # a constant expression: nothing to trace
    reference.backward(-1.25)
    t = record(traced, grad=-1.25)
    for name in env:
        assert traced_leaves[name].grad == pytest.approx(ref_leaves[name].grad, rel=1e-9, abs=1e-12)
    assert [s.index for s in t.backward] == list(range(len(t.nodes) - 1, -1, -1))
    assert t.forward[-1].value == reference.data


def test_constant_of_reads_folded_constants():
    x = Value(3.0)
    assert constant_of(x * 2.0) == 2.0
    assert constant_of(x + 0.5) == 0.5
    assert constant_of(x**3) == 3.0
    assert constant_of(-x) == -1.0
    assert constant_of(x * x) is None
    assert constant_of(x) is None
    assert constant_of(x.tanh()) is None


def test_tables_show_every_value_and_align_chinese_labels():
    apple, n = Value(100.0, label="苹果 单价"), Value(2.0, label="个数")
    total = apple * n
    total.label = "总价"
    t = record(total)
    forward, backward = t.forward_table().splitlines(), t.backward_table().splitlines()
    assert "200.0000" in forward[-1] and "总价" in forward[-1]
    assert all("输入" in row for row in forward[2:4])
    # the value column starts at the same display column on every row (CJK = 2 columns)
    starts = {
        _width(row[: row.index(value)])
        for row, value in zip(forward[2:], ["100.0000", "2.0000", "200.0000"], strict=True)
    }
    assert len(starts) == 1
    assert "2.0000" in backward[-1] and "100.0000" in backward[-2]
    assert "苹果 单价 += 2" in backward[2]
