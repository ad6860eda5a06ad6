"""Where :func:`micrograd_cn.exercises.check_op` tries a learner's op: the points, read from
the op table.

A rule is checked at a few points; they must lie where the op is smooth (log and
sqrt on positive numbers, away from relu's kink) and off 0 and ±1, where wrong
rules often coincide with right ones.  The op table's row (:data:`micrograd_cn.ops.OPS`)
says where: ``sample`` (an interval per input) and ``kink`` (a formula that is 0
on the kink).  :func:`op_domain` finds the row by the op's name or symbol;
:func:`sample_points` makes the points.

>>> where = op_domain("relu", 1)
>>> [round(x, 6) for (x,) in sample_points(None, [(-0.5, 0.5)], ["x"], where)]
[-0.39, -0.21, -0.1, 0.18, 0.36]

(-0.03, at 0.47 of the interval, was moved off relu's kink at 0.)
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .engine import as_real
from .formula import evaluate
from .ops import OPS

__all__ = ["Domain", "inside", "intervals", "op_domain", "sample_points"]

_UNBOUNDED = (-1.3, -0.45, 0.35, 0.8, 1.6)  # off 0 and ±1, where rules often coincide
_HALF_LINE = (0.35, 0.8, 1.3, 2.1, 3.2)  # offsets from a finite bound
_FRACTIONS = (0.11, 0.29, 0.47, 0.68, 0.86)  # of a finite interval
_KINK_GAP = 0.05  # default points stay this far from a kink or pole

_ALIASES = {"ln": "log"}  # a learner's name for an op whose row calls it otherwise


def _names(row) -> tuple:
    """Every way a learner may call the row's op: its name, its node's ``_op``, its symbol,
    its function and its torch name (``div``)."""
    keys = (row.name, row.op, row.symbol, row.function, row.torch.rpartition(".")[2])
    return tuple(k.lower() for k in keys if k)


class Domain(NamedTuple):
    """Where an op's default sample points come from (read from its row in the op table)."""

    intervals: tuple  #: per input, the open interval ``(low, high)`` (None: an open side)
    kink: str  #: a formula in ``inputs`` that is 0 on the op's kink ("" = none)
    inputs: tuple  #: the row's input names, in the order check_op passes the inputs


def op_domain(name: str, nin: int) -> Domain | None:
    """Where the op called ``name`` with ``nin`` inputs is sampled, from its row in the op
    table (:data:`micrograd_cn.ops.OPS`, the only place that knows), or None if unknown.

    ``name`` is the op's name, its symbol or its function; names like ``my_log``
    or ``safe_sqrt`` count.

    >>> op_domain("my_log", 1)
    Domain(intervals=((0.0, None),), kink='', inputs=('x',))
    >>> op_domain("relu", 1).kink, op_domain("maximum", 2).kink, op_domain("cube", 1)
    ('x', 'x - y', None)
    """
    text = str(name).lower()
    for key in (text, *re.split(r"[^0-9a-z*/]+", text)):
        key = _ALIASES.get(key, key)
        for row in OPS.values():  # the table's order: an op before its derived forms
            if not row.nary and len(row.inputs) == nin and key in _names(row):
                return Domain(tuple(row.interval(n) for n in row.inputs), row.kink, row.inputs)
    return None


def inside(v: float, bounds) -> bool:
    """``v`` lies in the open interval ``bounds`` (None: an open side)."""
    low, high = bounds
    return (low is None or v > low) and (high is None or v < high)


def intervals(domain, nin):
    """check_op's ``domain`` argument as one ``(low, high)`` per input, checked."""
    if domain is None:
        return [(None, None)] * nin
    pairs = [domain] * nin
    if isinstance(domain, (list, tuple)) and domain and isinstance(domain[0], (list, tuple)):
        pairs = list(domain)
    if len(pairs) != nin:
        raise ValueError(f"check_op: domain has {len(pairs)} intervals for {nin} inputs")
    result = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"check_op: domain must be (low, high) pairs, got {pair!r}")
        low, high = (None if b is None else as_real(b, "domain bound") for b in pair)
        if low is not None and high is not None and not low < high:
            raise ValueError(f"check_op: domain ({low}, {high}) is empty")
        result.append((low, high))
    return result


def _default_coordinates(low, high):
    if low is None:
        return list(_UNBOUNDED) if high is None else [high - t for t in _HALF_LINE]
    if high is None:
        return [low + t for t in _HALF_LINE]
    return [low + (high - low) * t for t in _FRACTIONS]


def _off_kink(point: tuple, where: Domain) -> tuple:
    """``point``, or, within ``_KINK_GAP`` of the kink (``where.kink`` near 0), the point
    moved to ``2 * _KINK_GAP`` from it on the same side, along the first input that moves
    the kink formula (its slope measured there: the formulas are linear near the kink)."""

    def kink(p):
        return float(evaluate(where.kink, dict(zip(where.inputs, p))))

    value = kink(point)
    if abs(value) >= _KINK_GAP:
        return point
    h = _KINK_GAP / 10
    for j, v in enumerate(point):

        def moved(to, j=j):
            return (*point[:j], to, *point[j + 1 :])

        slope = (kink(moved(v + h)) - kink(moved(v - h))) / (2 * h)
        if slope:
            at = v - value / slope  # where the formula is 0 along input j
            side = 1.0 if v > at or (v == at and slope > 0) else -1.0
            return moved(at + side * 2 * _KINK_GAP / abs(slope))
    return point


def sample_points(points, domains, names, where: Domain | None):
    """The given ``points`` checked (one coordinate per input, inside ``domains``), or, for
    None, five default points from ``domains``, moved off ``where``'s kink."""
    nin = len(domains)
    if points is None:
        columns = [_default_coordinates(*b) for b in domains]
        grid = [tuple(columns[j][(i + 2 * j) % 5] for j in range(nin)) for i in range(5)]
        return [_off_kink(p, where) for p in grid] if where and where.kink else grid
    if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
        raise TypeError(f"check_op: points must be a list of numbers, got {type(points).__name__}")
    result = []
    for p in points:
        p = tuple(p) if isinstance(p, (list, tuple)) else (p,)
        if len(p) != nin:
            raise ValueError(f"check_op: point {p!r} has {len(p)} coordinates, op takes {nin}")
        p = tuple(as_real(v, "point coordinate") for v in p)
        for v, name, bounds in zip(p, names, domains):
            if not inside(v, bounds):
                raise ValueError(f"check_op: point {name}={v!r} is outside domain {bounds}")
        result.append(p)
    if not result:
        raise ValueError("check_op: points is empty")
    return result
