"""derivatives: each input slot's local derivative from the op row, or measured (and said so)."""

import math

import pytest

from micrograd_cn import F, Value, ops
from micrograd_cn.derivatives import MEASURED_WHY, slots_of
from micrograd_cn.graph import graph_of


def slots(root, name):
    g = graph_of(root, "test", stepping=True)
    return g, *slots_of(g, g.names.index(name))


def test_a_row_gives_the_number_the_names_and_the_numbers():
    x = Value(0.5, label="x")
    f = x.tanh()
    f.label = "f"
    _, (slot,), why = slots(f, "f")
    assert (slot.parent, slot.text, slot.measured) == (0, "1 − f²", False)
    assert slot.local == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-15)
    assert slot.numbers == f"1 − {math.tanh(0.5):.6g}²" and why == ops.OPS["tanh"].why


def test_a_folded_constant_and_a_reused_parent():
    x = Value(-2.0, label="x")
    cube = x**3
    cube.label = "c"
    _, (slot,), _ = slots(cube, "c")
    assert (slot.text, slot.numbers, slot.local) == ("3·x²", "3·(-2)²", 12.0)
    square = x * x
    square.label = "s"
    _, found, _ = slots(square, "s")
    assert [(s.parent, s.text, s.local) for s in found] == [(0, "x", -2.0), (0, "x", -2.0)]


def test_dot_pairs_each_weight_with_its_own_input():
    w1, w2, x = Value(3.0, label="w1"), Value(2.0, label="w2"), Value(3.0, label="x")
    f = F.dot([w1, w2], [2.0, x])
    f.label = "f"
    g, found, _ = slots(f, "f")
    shown = {g.names[s.parent]: (s.text, s.local) for s in found}
    assert shown == {"w1": ("2", 2.0), "w2": ("x", 3.0), "x": ("w2", 2.0)}


def test_a_singular_row_leaves_the_number_to_what_the_closure_sends():
    """kills derivatives.x__observed_later__mutmut_2, 3, 8, 9 (text/numbers None or "XXXX")."""
    z = Value(0.0, label="z")
    r = z.sqrt()
    r.label = "r"
    _, (slot,), why = slots(r, "r")
    assert (slot.parent, slot.local, slot.text, slot.numbers, slot.measured) == (
        0, None, "", "", False
    ), "nothing to show until the closure has run"  # fmt: skip
    assert why == ops.OPS["sqrt"].why


def test_a_learners_closure_is_measured_and_every_gradient_put_back():
    x = Value(2.0, label="x")
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    out.label = "c"
    x.grad, out.grad = 5.0, 7.0
    _, (slot,), why = slots(out, "c")
    assert (slot.local, slot.text, slot.measured) == (12.0, "12", True)
    assert why == MEASURED_WHY.format(op="cube") and (x.grad, out.grad) == (5.0, 7.0)


def test_a_hand_built_node_without_a_closure_sends_nothing():
    a = Value(2.0, label="a")
    f = Value(4.0, (a,), "*")
    f.label = "f"
    assert slots(f, "f")[1:] == ([], "")


def test_another_class_reads_the_row_only_where_its_closure_agrees(lecture_value):
    a, b = lecture_value(2.0, label="a"), lecture_value(5.0, label="b")
    right = a * b
    right.label = "r"
    g, found, why = slots(right, "r")
    assert sorted((g.names[s.parent], s.text, s.measured) for s in found) == [
        ("a", "b", False), ("b", "a", False)
    ]  # fmt: skip
    assert why == ops.OPS["mul"].why
    wrong = a * b
    wrong.label = "w"

    def swapped():  # each input gets its own value instead of the other's
        a.grad += a.data * wrong.grad
        b.grad += b.data * wrong.grad

    wrong._backward = swapped
    g, found, why = slots(wrong, "w")
    assert sorted((g.names[s.parent], s.local, s.measured) for s in found) == [
        ("a", 2.0, True), ("b", 5.0, True)
    ]  # fmt: skip
    assert why == MEASURED_WHY.format(op="*")


def test_a_closure_that_agrees_up_to_rounding_still_shows_the_row(lecture_value):
    """sech²(x) and the row's 1 − out² differ only by rounding; at x = 10 both are about
    8e-9, where rounding is a relative 1e-8 but an absolute 1e-16: still the row's formula.
    kills derivatives.x__agree__mutmut_16 (abs_tol dropped)."""
    a = lecture_value(10.0, label="a")
    t = a.tanh()
    t.label = "t"

    def sech_squared():
        a.grad += t.grad / math.cosh(a.data) ** 2

    t._backward = sech_squared
    _, (slot,), why = slots(t, "t")
    assert (slot.text, slot.measured) == ("1 − t²", False) and why == ops.OPS["tanh"].why
    assert slot.local == pytest.approx(1 / math.cosh(10.0) ** 2, rel=1e-7)


def test_a_closure_off_by_a_half_is_measured(lecture_value):
    """kills derivatives.x__agree__mutmut_18 (abs_tol 1e-12 -> 1.000000000001)."""
    a, b = lecture_value(2.0, label="a"), lecture_value(2.5, label="b")
    wrong = a * b
    wrong.label = "w"

    def swapped():  # 2 and 2.5 instead of 2.5 and 2: each off by only 0.5
        a.grad += a.data * wrong.grad
        b.grad += b.data * wrong.grad

    wrong._backward = swapped
    g, found, why = slots(wrong, "w")
    assert sorted((g.names[s.parent], s.local, s.text, s.measured) for s in found) == [
        ("a", 2.0, "2", True), ("b", 2.5, "2.5", True)
    ]  # fmt: skip
    assert why == MEASURED_WHY.format(op="*")


def test_our_value_with_a_hand_written_closure_is_measured_even_for_a_known_op():
    """kills derivatives.x_slots_of__mutmut_37, 41, 42: ``hasattr(node, "_grad_fn")`` ->
    ``hasattr(None, …)`` / ``"XX_grad_fnXX"`` / ``"_GRAD_FN"`` (our Value would read the
    row of ``*`` as if it were another class)."""
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    out = Value(10.0, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    out.label = "p"
    g, found, why = slots(out, "p")
    assert sorted((g.names[s.parent], s.local, s.text, s.measured) for s in found) == [
        ("a", 5.0, "5", True), ("b", 2.0, "2", True)
    ]  # fmt: skip
    assert why == MEASURED_WHY.format(op="*")


def test_a_measured_node_without_an_op_is_named_with_a_question_mark():
    """kills derivatives.x_slots_of__mutmut_88: ``node._op or "?"`` -> ``"XX?XX"``."""
    a = Value(2.0, label="a")
    out = Value(6.0, (a,), "")

    def _backward():
        a.grad += 3 * out.grad

    out._backward = _backward
    out.label = "t"
    _, (slot,), why = slots(out, "t")
    assert (slot.local, slot.measured) == (3.0, True)
    assert why == "「?」的 _backward 是自己写的：局部导数是送进梯度 1 量出来的。"
