"""How a number is written in captions, formulas, tables and drawings: one formatter.

Six significant digits and no trailing ``.0`` (``-4.0`` reads ``-4``); a negative
number placed after an operator is bracketed (``3 × (-4)``), as a learner writes it.

>>> format_number(-4.0), format_number(0.6456563062257954), paren(-4.0), paren(2.5)
('-4', '0.645656', '(-4)', '2.5')
"""

from __future__ import annotations

__all__ = ["format_number", "paren"]


def format_number(x: float) -> str:
    """Short human form of a number: ``-4.0`` -> ``-4``, 6 significant digits.

    >>> format_number(2.2), format_number(1e-12), format_number(float("inf"))
    ('2.2', '1e-12', 'inf')
    """
    return format(x, ".6g")


def paren(x: float) -> str:
    """A number for a formula, in brackets when negative: ``(-4)``."""
    text = format_number(x)
    return f"({text})" if x < 0 else text
