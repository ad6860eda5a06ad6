"""n-ary and vector helpers over :class:`~micrograd_cn.engine.Value`.

``sum``, ``dot`` and ``logsumexp`` are *single* nodes with many parents rather
than chains of binary ops: a neuron's ``w·x + b`` is one node, which is where
most of the speed comes from, and it still draws as one readable box.

Numbers may be mixed with Values anywhere; they are folded in as constants.

>>> from micrograd_cn.engine import Value
>>> w = [Value(0.5), Value(-1.0)]
>>> y = dot(w, [2.0, 3.0], bias=Value(1.0))
>>> y.data, len(y._prev)
(-1.0, 3)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .engine import Value, _node, as_real

__all__ = [
    "sum",
    "dot",
    "mean",
    "maximum",
    "minimum",
    "softmax",
    "log_softmax",
    "logsumexp",
]


def _split(values: Iterable, what: str) -> tuple[list, float]:
    """Separate Values from constant numbers (summed into one float)."""
    nodes, constant = [], 0.0
    for v in values:
        if isinstance(v, Value):
            nodes.append(v)
        else:
            constant += as_real(v, f"{what} element")
    return nodes, constant


def _sequence(values, what: str) -> list:
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        kind = type(values).__name__
        raise TypeError(f"{what} expects a sequence of Values or numbers, got {kind}")
    values = list(values)
    if not values:
        raise ValueError(f"{what} of an empty sequence")
    return values


def sum(values: Iterable) -> Value:  # shadows builtins.sum on purpose, like torch.sum
    """Σ values as one node: d out / d v_i = 1 for every input.

    >>> from micrograd_cn.engine import Value
    >>> a, b = Value(1.0), Value(2.0)
    >>> s = sum([a, b, a, 3])
    >>> s.backward(); s.data, a.grad, b.grad
    (7.0, 2.0, 1.0)
    """
    values = _sequence(values, "sum")
    nodes, constant = _split(values, "sum")
    parents = tuple(nodes)
    out_data = math.fsum([v.data for v in parents]) + constant if parents else constant

    def _backward(g):
        for v in parents:
            v.grad += g

    return _node(out_data, parents, "sum", _backward)


def dot(ws: Sequence, xs: Sequence, bias=None) -> Value:
    """w·x + b as one node: d out / d w_i = x_i, d out / d x_i = w_i, d out / d b = 1.

    Either side may hold plain numbers (a first layer's inputs are usually floats).

    >>> from micrograd_cn.engine import Value
    >>> w1, w2, b = Value(0.1), Value(0.2), Value(0.55)
    >>> h = dot([w1, w2], [0.1, 0.2], b)           # seed 002: h1_in
    >>> h.backward(); round(h.data, 12), w1.grad, w2.grad, b.grad
    (0.6, 0.1, 0.2, 1.0)
    """
    ws = _sequence(ws, "dot")
    xs = _sequence(xs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot: length mismatch, {len(ws)} weights and {len(xs)} inputs")
    # The local derivatives of a linear map are known now: store (node, coefficient).
    nodes, coefs = [], []
    out_data = 0.0
    for w, x in zip(ws, xs):
        w_is_value, x_is_value = isinstance(w, Value), isinstance(x, Value)
        wd = w.data if w_is_value else as_real(w, "dot weight")
        xd = x.data if x_is_value else as_real(x, "dot input")
        out_data += wd * xd
        if w_is_value:
            nodes.append(w)
            coefs.append(xd)
        if x_is_value:
            nodes.append(x)
            coefs.append(wd)
    if bias is not None:
        if isinstance(bias, Value):
            nodes.append(bias)
            coefs.append(1.0)
            out_data += bias.data
        else:
            out_data += as_real(bias, "dot bias")
    parents, coefs = tuple(nodes), tuple(coefs)

    def _backward(g):
        for v, c in zip(parents, coefs):
            v.grad += c * g

    return _node(out_data, parents, "dot", _backward)


def mean(values: Iterable) -> Value:
    """Arithmetic mean: mean(v) = sum(v) * (1/n)."""
    values = _sequence(values, "mean")
    return sum(values) * (1.0 / len(values))


def _as_value(v, what: str) -> Value:
    return v if isinstance(v, Value) else Value(as_real(v, what))


def maximum(a, b) -> Value:
    """max(a, b); the gradient goes to the larger input, split evenly on a tie.

    >>> from micrograd_cn.engine import Value
    >>> a, b = Value(2.0), Value(2.0)
    >>> m = maximum(a, b); m.backward(); a.grad, b.grad
    (0.5, 0.5)
    """
    return _select(a, b, larger=True)


def minimum(a, b) -> Value:
    """min(a, b); the gradient goes to the smaller input, split evenly on a tie."""
    return _select(a, b, larger=False)


def _select(a, b, larger: bool) -> Value:
    op = "max" if larger else "min"
    a, b = _as_value(a, op), _as_value(b, op)
    ad, bd = a.data, b.data
    if ad == bd:
        share_a = 0.5
    else:
        share_a = 1.0 if (ad > bd) == larger else 0.0
    out_data = ad if share_a >= 0.5 else bd

    def _backward(g):
        a.grad += share_a * g
        b.grad += (1.0 - share_a) * g

    return _node(out_data, (a, b), op, _backward)


def logsumexp(values: Iterable) -> Value:
    """log Σ exp(v_i) as one node, computed as m + log Σ exp(v_i - m) (m = max).

    Its gradient is softmax(v): d out / d v_i = exp(v_i - out).

    >>> from micrograd_cn.engine import Value
    >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data, 6)   # no overflow
    1000.693147
    """
    values = [_as_value(v, "logsumexp") for v in _sequence(values, "logsumexp")]
    parents = tuple(values)
    m = max(v.data for v in parents)
    if math.isinf(m):
        out_data = m
    else:
        out_data = m + math.log(math.fsum([math.exp(v.data - m) for v in parents]))

    def _backward(g):
        for v in parents:
            v.grad += math.exp(v.data - out_data) * g

    return _node(out_data, parents, "logsumexp", _backward)


def log_softmax(values: Iterable) -> list[Value]:
    """log softmax(v)_i = v_i - logsumexp(v): stable for any finite input."""
    values = [_as_value(v, "log_softmax") for v in _sequence(values, "log_softmax")]
    lse = logsumexp(values)
    return [v - lse for v in values]


def softmax(values: Iterable) -> list[Value]:
    """softmax(v)_i = exp(v_i - logsumexp(v)): subtracting the max keeps exp finite.

    >>> from micrograd_cn.engine import Value
    >>> [round(p.data, 4) for p in softmax([Value(1000.0), Value(0.0)])]
    [1.0, 0.0]
    """
    return [v.exp() for v in log_softmax(values)]
