"""Tests for micrograd_cn.sample_points: check_op's points come from the op table's rows."""

import dataclasses

import pytest

from micrograd_cn.ops import OPS
from micrograd_cn.sample_points import Domain, intervals, op_domain, sample_points


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


# ---------------------------------------------------------------- mutation audit (sample_points)


def test_a_dotted_torch_name_counts_by_its_last_part(monkeypatch):
    """Kills ``_names``' ``rpartition(".")`` -> ``partition(".")``: ``torch.nn.functional.celu``
    is called ``celu``, not ``nn.functional.celu``."""
    monkeypatch.setitem(
        OPS, "elu", dataclasses.replace(OPS["elu"], torch="torch.nn.functional.celu")
    )
    assert op_domain("celu", 1) == Domain(((None, None),), "x", ("x",))


def test_given_points_must_lie_strictly_inside():
    """Kills ``inside``'s ``v > low`` -> ``>=`` and ``v < high`` -> ``<=``: the domain's
    intervals are open, a bound itself is outside (log at 0, a pole at the bound)."""
    with pytest.raises(
        ValueError, match=r"^check_op: point x=0.0 is outside domain \(0.0, None\)$"
    ):
        sample_points([0.0], [(0.0, None)], ["x"], None)
    with pytest.raises(
        ValueError, match=r"^check_op: point y=1.0 is outside domain \(None, 1.0\)$"
    ):
        sample_points([(0.5, 1.0)], [(None, None), (None, 1.0)], ["x", "y"], None)
    assert sample_points([(0.5, 0.999)], [(0.0, None), (None, 1.0)], ["x", "y"], None) == [
        (0.5, 0.999)
    ]


def test_a_domain_is_one_interval_for_all_inputs_or_one_per_input():
    """Kills ``intervals``' per-input list -> None / ``list(None)``, ``b is None`` flipped,
    forced true or false (a None bound is an open side, a number is read as a float), and
    ``is not None`` -> ``is None`` in the emptiness check (None < 3 cannot be compared)."""
    assert intervals([(0, 1), (None, 3)], 2) == [(0.0, 1.0), (None, 3.0)]
    assert intervals([(1, None), (-1, 0.5)], 2) == [(1.0, None), (-1.0, 0.5)]
    assert intervals((None, 2), 2) == [(None, 2.0), (None, 2.0)]
    assert intervals(None, 1) == [(None, None)]


@pytest.mark.parametrize(
    ("domain", "error", "message"),
    [([(0, 1)], ValueError, "check_op: domain has 1 intervals for 2 inputs"),
     ([(0, 1, 2), (0, 1)], ValueError, "check_op: domain must be (low, high) pairs, got (0, 1, 2)"),
     ([(0, 1), 5], ValueError, "check_op: domain must be (low, high) pairs, got 5"),
     ([(0, "1"), (0, 1)], TypeError, "domain bound must be a real number (int or float), got str"),
     ((2, 1), ValueError, "check_op: domain (2.0, 1.0) is empty"),
     ((1, 1), ValueError, "check_op: domain (1.0, 1.0) is empty")],
)  # fmt: skip
def test_a_bad_domain_is_refused_with_what_was_wrong(domain, error, message):
    """Kills ``intervals``' messages -> None, ``or`` -> ``and`` in the pair check (a triple
    would be unpacked, a number measured), the ``"domain bound"`` label (None, dropped,
    XX-wrapped, upper-cased) and ``low < high`` -> ``<=`` (an interval (1, 1) is empty)."""
    with pytest.raises(error) as raised:
        intervals(domain, 2)
    assert str(raised.value) == message


def test_default_points_on_a_half_line_step_away_from_its_bound():
    """Kills ``_default_coordinates``' ``high - t`` -> ``high + t``, ``low + t`` -> ``low - t``
    and the unbounded points used for an upper bound: offsets 0.35, 0.8, 1.3, 2.1, 3.2."""
    below = [x for (x,) in sample_points(None, [(None, 2.0)], ["x"], None)]
    above = [x for (x,) in sample_points(None, [(1.0, None)], ["x"], None)]
    assert below == pytest.approx([1.65, 1.2, 0.7, -0.1, -1.2])
    assert above == pytest.approx([1.35, 1.8, 2.3, 3.1, 4.2])


def line(kink):
    """A one-input op whose kink is where the formula ``kink`` is 0."""
    return Domain(((None, None),), kink, ("x",))


@pytest.mark.parametrize(
    ("kink", "x", "moved"),
    [("2*x - 1", 0.52, 0.55),  # above the kink at 0.5: to 0.5 + 2·0.05/2
     ("2*x - 1", 0.48, 0.45),  # below it: to 0.5 - 2·0.05/2
     ("x", 0.0, 0.1),  # on it, the formula rising: to the side where it is positive
     ("1 - 2*x", 0.5, 0.45),  # on it, the formula falling: the other way
     ("x", 0.05, 0.05),  # exactly the gap away: left where it is
     ("x", 0.049, 0.1)],
)  # fmt: skip
def test_a_point_near_a_kink_moves_twice_the_gap_away_on_its_side(kink, x, moved):
    """Kills ``_off_kink``'s ``>= _KINK_GAP`` -> ``>``, ``2 * h`` -> ``3 * h`` (a wrong slope),
    ``value / slope`` -> ``*``, every mutant of the side rule (forced, ``and``/``or``,
    ``>=``, ``!=``, ``slope > 1``, ``+1.0``/``-2.0``/``2.0``), ``at -`` / ``* abs(slope)`` /
    ``3 *`` in the move, and ``point[j - 1:]`` (which would add a coordinate)."""
    from micrograd_cn.sample_points import _off_kink

    assert _off_kink((x,), line(kink)) == pytest.approx((moved,), abs=1e-12)
    assert len(_off_kink((x,), line(kink))) == 1


def test_two_input_points_move_along_the_first_input_that_moves_the_kink():
    """max(x, y) has its kink where x - y = 0: (0.31, 0.3) moves along x to 0.3 + 0.1, and
    along y when x does not move the formula (kink ``y - 0.3``)."""
    from micrograd_cn.sample_points import _off_kink

    both = Domain(((None, None), (None, None)), "x - y", ("x", "y"))
    assert _off_kink((0.31, 0.3), both) == pytest.approx((0.4, 0.3))
    only_y = Domain(((None, None), (None, None)), "y - 0.3", ("x", "y"))
    assert _off_kink((0.7, 0.28), only_y) == pytest.approx((0.7, 0.2))


@pytest.mark.parametrize(
    ("points", "error", "message"),
    [("0.5", TypeError, "check_op: points must be a list of numbers, got str"),
     (0.5, TypeError, "check_op: points must be a list of numbers, got float"),
     ([(1.0, 2.0)], ValueError, "check_op: point (1.0, 2.0) has 2 coordinates, op takes 1"),
     (["1"], TypeError, "point coordinate must be a real number (int or float), got str"),
     ([], ValueError, "check_op: points is empty")],
)  # fmt: skip
def test_bad_points_are_refused_with_what_was_wrong(points, error, message):
    """Kills ``sample_points``' ``or`` -> ``and`` (a string would be read letter by letter),
    its messages -> None (or changed), ``type(None)``, and the ``"point coordinate"`` label
    (None, dropped, XX-wrapped, upper-cased)."""
    with pytest.raises(error) as raised:
        sample_points(points, [(None, None)], ["x"], None)
    assert str(raised.value) == message


def test_several_inputs_get_the_default_coordinates_rotated_so_they_never_coincide():
    """Input j reads the five default coordinates shifted by 2j (mod 5): x and y differ at
    every point, and so do x, y and z.  Kills the rotation's ``i + 2 * j`` -> ``i - 2 * j`` /
    ``3 * j`` and ``% 5`` -> ``% 6`` (an index past the five coordinates)."""
    two = sample_points(None, [(None, None)] * 2, ["x", "y"], None)
    assert two == [(-1.3, 0.35), (-0.45, 0.8), (0.35, 1.6), (0.8, -1.3), (1.6, -0.45)]
    three = sample_points(None, [(None, None)] * 3, ["x", "y", "z"], None)
    assert [p[2] for p in three] == [1.6, -1.3, -0.45, 0.35, 0.8]
    assert all(len(set(p)) == 3 for p in three)
