"""Tests for micrograd_cn.real_numbers: what gets in as a float, and the errors that name it."""

import math
from fractions import Fraction

import pytest

from micrograd_cn.real_numbers import (
    as_real,
    divisor,
    finite_parameter,
    is_real,
    power,
    power_slope,
)


@pytest.mark.parametrize(("x", "expected"), [(3, 3.0), (-2.5, -2.5), (Fraction(1, 4), 0.25)])
def test_as_real_gives_floats(x, expected):
    result = as_real(x)
    assert (result, type(result)) == (expected, float)


@pytest.mark.parametrize(
    ("x", "type_name"), [(True, "bool"), ("1", "str"), (None, "NoneType"), (1j, "complex")]
)
def test_as_real_refuses_non_reals_naming_the_type(x, type_name):
    with pytest.raises(TypeError, match=f"weight must be a real number .*got {type_name}"):
        as_real(x, "weight")
    assert not is_real(x)


@pytest.mark.parametrize(("x", "size"), [(10**400, r"10\*\*400"), (-(2**1100), r"-10\*\*331")])
def test_as_real_names_the_size_of_an_int_too_large(x, size):
    with pytest.raises(OverflowError, match=f"constant is too large .*about {size}"):
        as_real(x, "constant")


def test_finite_parameter():
    assert finite_parameter(2, "slope") == 2.0
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=rf"slope must be a finite number, got {bad!r}"):
            finite_parameter(bad, "slope")


def test_divisor():
    assert divisor(4) == 4.0
    with pytest.raises(ZeroDivisionError, match=r"divisor is 0\.0"):
        divisor(-0.0)


@pytest.mark.parametrize(
    ("a", "b", "slope"),
    [
        (0.0, 0.0, 0.0),
        (5.0, 0.0, 0.0),
        (0.0, 1.0, 1.0),
        (0.0, 2.0, 0.0),
        (2.0, 3.0, 12.0),
        (4.0, 0.5, 0.25),
        (0.0, 0.5, math.inf),
        (0.0, -1.0, -math.inf),
    ],
)
def test_power_slope_is_b_times_a_to_the_b_minus_1(a, b, slope):
    """Mutant: without the ``b == 0`` guard, d/da a**0 at a = 0 was inf (PyTorch: 0)."""
    assert power_slope(a, b) == slope


@pytest.mark.parametrize(
    ("a", "b", "error", "message"),
    [
        (0.0, -1.0, ZeroDivisionError, r"\*\*: 0\.0 cannot be raised to a negative power"),
        (-8.0, 1 / 3, ValueError, r"negative base -8\.0"),
        (10.0, 400.0, OverflowError, r"result out of range for 10\.0 \*\* 400\.0"),
    ],
)
def test_power_errors_name_the_operands(a, b, error, message):
    with pytest.raises(error, match=message):
        power("**", a, b)


def test_error_texts_name_what_was_converted():
    """Mutants: ``as_real``'s default name, the names passed by ``finite_parameter`` and
    ``divisor``, and the exact text of the division-by-zero error."""
    with pytest.raises(TypeError, match=r"^value must be a real number \(int or float\), got str$"):
        as_real("2")
    with pytest.raises(TypeError, match=r"^elu alpha must be a real number .*got str$"):
        finite_parameter("1", "elu alpha")
    with pytest.raises(TypeError, match=r"^divisor must be a real number .*got NoneType$"):
        divisor(None)
    with pytest.raises(OverflowError, match=r"^divisor is too large .*about 10\*\*400"):
        divisor(10**400)
    with pytest.raises(ZeroDivisionError) as error:
        divisor(0)
    assert str(error.value) == "/: division by zero (divisor is 0.0)"


# base, exponent -> the sign of k * x**(k-1) when it overflows (PyTorch float64 agrees on each)
OVERFLOWING_SLOPES = [
    (-1e-110, -2.0, math.inf),  # -2 * (negative)**-3 = -2 * -huge: the audit's case
    (1e-110, -2.0, -math.inf),
    (-1e-110, -3.0, -math.inf),  # -3 * (negative)**-4 = -3 * +huge
    (1e-110, -3.0, -math.inf),
    (-1e-110, -4.0, math.inf),
    (-1e200, 3.0, math.inf),  # 3 * (negative)**2 overflows positive
    (-1e200, 4.0, -math.inf),  # 4 * (negative)**3 overflows negative
    (1e200, 4.0, math.inf),
    (-0.0, -2.0, math.inf),  # -2 * (-0.0)**-3 = -2 * -inf
    (0.0, -2.0, -math.inf),
    (-0.0, -3.0, -math.inf),  # -3 * (-0.0)**-4 = -3 * +inf
    (-0.0, -1.0, -math.inf),
    (0.0, 0.5, math.inf),
]


@pytest.mark.parametrize(("a", "b", "slope"), OVERFLOWING_SLOPES)
def test_an_overflowing_power_slope_has_the_sign_of_the_true_product(a, b, slope):
    """It took the exponent's sign alone: d/dx x**-2 at x = -1e-110 was -inf (PyTorch: +inf)."""
    assert power_slope(a, b) == slope


def test_overflowing_power_slopes_match_torch():
    torch = pytest.importorskip("torch")
    for a, b, _ in OVERFLOWING_SLOPES:
        x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
        (x**b).backward()
        assert power_slope(a, b) == x.grad.item(), (a, b)
