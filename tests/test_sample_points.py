"""Tests for micrograd_cn.sample_points: check_op's points come from the op table's rows."""

import dataclasses

import pytest

from micrograd_cn.ops import OPS
from micrograd_cn.sample_points import Domain, op_domain, sample_points


@pytest.mark.parametrize(
    ("name", "nin", "row"),
    [
        ("log", 1, "log"),  # the row's name
        ("safe_sqrt", 1, "sqrt"),  # a word in the learner's name
        ("σ", 1, "sigmoid"),  # the symbol drawn in the oval
        ("leaky_relu", 1, "leaky_relu"),  # the function
        ("div", 2, "truediv"),  # the torch name
        ("ln", 1, "log"),  # an alias
        ("**", 1, "pow_const"),  # the node's _op, one input: the folded exponent
        ("**", 2, "pow"),
        ("sin", 1, "sin"),
        ("cos", 1, "cos"),
    ],
)
def test_op_domain_reads_the_row_found_by_any_of_its_names(name, nin, row):
    found = OPS[row]
    assert op_domain(name, nin) == Domain(
        tuple(found.interval(n) for n in found.inputs), found.kink, found.inputs
    )


def test_unknown_names_and_arities_have_no_domain():
    assert op_domain("cube", 1) is None
    assert op_domain("log", 2) is None
    assert op_domain("sum", 3) is None  # n-ary rows: check_op passes one Value per input


def test_default_points_follow_a_changed_row(monkeypatch):
    monkeypatch.setitem(OPS, "sin", dataclasses.replace(OPS["sin"], sample={"x": (1.0, 2.0)}))
    where = op_domain("sin", 1)
    points = [x for (x,) in sample_points(None, list(where.intervals), ["x"], where)]
    assert points == pytest.approx([1.11, 1.29, 1.47, 1.68, 1.86])  # 1 + fractions of 1


def test_given_points_are_checked_against_the_domain():
    with pytest.raises(ValueError, match=r"check_op: point x=-1.0 is outside domain \(0.0, None\)"):
        sample_points([-1.0], [(0.0, None)], ["x"], None)
    assert sample_points([2, (3.0,)], [(0.0, None)], ["x"], None) == [(2.0,), (3.0,)]
