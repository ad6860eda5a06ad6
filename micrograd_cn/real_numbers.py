"""Turning user numbers into floats, with errors that say what was wrong.

Every number that enters the engine (a Value's data, a constant, an exponent, an
activation's parameter) goes through :func:`as_real`, so a ``str``, a ``bool`` or
an int too large for a float is stopped where it comes in, named.

>>> as_real(3)
3.0
>>> as_real(10**400, "exponent")
Traceback (most recent call last):
...
OverflowError: exponent is too large for a float: an int of about 10**400 (floats stop near 1.8e308)
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = [
    "NumberLike",
    "as_real",
    "is_real",
    "finite_parameter",
    "divisor",
    "power",
    "power_slope",
]


def as_real(x, what: str = "value") -> float:
    """Convert a real number (int, float, numpy scalar, Fraction) to float.

    bool, str, None, complex and containers are rejected with a TypeError that
    names the type, because silently turning ``True`` into ``1.0`` hides bugs.

    >>> as_real(True)
    Traceback (most recent call last):
    ...
    TypeError: value must be a real number (int or float), got bool
    """
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise _too_large(x, what) from None


def _too_large(x, what: str) -> OverflowError:
    if isinstance(x, int):
        # math.log10 takes ints of any size (str() of a huge int is slow and limited)
        digits = math.floor(math.log10(abs(x)))
        size = f"an int of about {'-' if x < 0 else ''}10**{digits}"
    else:
        size = f"a {type(x).__name__} beyond ±1.8e308"
    return OverflowError(f"{what} is too large for a float: {size} (floats stop near 1.8e308)")


def is_real(x) -> bool:
    """True for what :func:`as_real` accepts (bool excluded)."""
    return type(x) is float or (isinstance(x, Real) and not isinstance(x, bool))


def finite_parameter(x, what: str) -> float:
    """``as_real`` for an op's parameter (elu's alpha, leaky_relu's slope): NaN and inf refused.

    >>> finite_parameter(float("nan"), "elu alpha")
    Traceback (most recent call last):
    ...
    ValueError: elu alpha must be a finite number, got nan
    """
    x = as_real(x, what)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return x


def divisor(b) -> float:
    """A divisor as float; 0 raises ZeroDivisionError naming the op."""
    b = as_real(b, "divisor")
    if b == 0.0:
        raise ZeroDivisionError("/: division by zero (divisor is 0.0)")
    return b


def range_error(op: str, x: float, error: OverflowError) -> OverflowError:
    return OverflowError(f"{op}: result out of range for input {x!r} ({error})")


def power(op: str, a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{op}: 0.0 cannot be raised to a negative power ({b!r})")
    try:
        result = a**b
    except OverflowError as error:
        raise OverflowError(f"{op}: result out of range for {a!r} ** {b!r} ({error})") from None
    if isinstance(result, complex):
        raise ValueError(f"{op}: negative base {a!r} with non-integer exponent {b!r}")
    return result


def power_slope(a: float, b: float) -> float:
    """d(a**b)/da = b * a**(b-1); +-inf where that blows up (a == 0, b < 1), as in PyTorch.

    The infinity has the sign of the true product: a**(b-1) is negative when the base
    is (a sign bit set, -0.0 included) and b - 1 is an odd integer.

    >>> power_slope(-1e-110, -2.0), power_slope(1e-110, -2.0)   # -2 * (-1e-110)**-3 > 0
    (inf, -inf)
    """
    if b == 0.0:
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except (ZeroDivisionError, OverflowError):
        k = b - 1.0
        power_is_negative = math.copysign(1.0, a) < 0.0 and k.is_integer() and k % 2.0 == 1.0
        return math.copysign(math.inf, -b if power_is_negative else b)


class NumberLike:
    """A node seen as a Python number: formatting, rounding and ordering look at ``data``.

    Like a 0-d tensor's ``.item()``, none of this builds a graph; ``==`` and ``hash`` stay
    identity (nodes are dictionary keys).  :class:`micrograd_cn.engine.Value` inherits it;
    no slots of its own, so a node is no bigger.

    >>> class Number(NumberLike):
    ...     def __init__(self, data):
    ...         self.data = data
    ...     def __repr__(self):
    ...         return f"Number({self.data})"
    >>> v = Number(2.0 / 3.0)
    >>> f"{v:.3f}", f"{v:>8.2e}", f"{Number(1.5)}", round(v, 2), float(v), v.item()
    ('0.667', '6.67e-01', 'Number(1.5)', 0.67, 0.6666666666666666, 0.6666666666666666)
    >>> v < 1, v >= Number(0.5)
    (True, True)
    >>> v < "1"
    Traceback (most recent call last):
    ...
    TypeError: '<' not supported between instances of 'Number' and 'str'
    """

    __slots__ = ()

    def __float__(self):
        return self.data

    def __format__(self, spec):
        """``f"{loss:.4f}"`` formats ``data``; an empty spec keeps ``str(v)``."""
        return format(self.data, spec) if spec else str(self)

    def __round__(self, ndigits=None):
        """``round(v, 2)`` is a float, ``round(v)`` an int, exactly as for ``v.data``."""
        return round(self.data, ndigits)

    def __lt__(self, other):
        other = _compared(other)
        return NotImplemented if other is NotImplemented else self.data < other

    def __le__(self, other):
        other = _compared(other)
        return NotImplemented if other is NotImplemented else self.data <= other

    def __gt__(self, other):
        other = _compared(other)
        return NotImplemented if other is NotImplemented else self.data > other

    def __ge__(self, other):
        other = _compared(other)
        return NotImplemented if other is NotImplemented else self.data >= other

    def item(self) -> float:
        """The plain float, as ``torch.Tensor.item()``."""
        return self.data


def _compared(other):
    """The number a comparison uses: a node's data or a real number; else NotImplemented."""
    if isinstance(other, NumberLike):
        return other.data
    return other if is_real(other) else NotImplemented
