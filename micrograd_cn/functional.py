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
from collections.abc import Iterable, Mapping, Sequence

from .engine import Value, as_real, make_node

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
        if type(v) is Value or isinstance(v, Value):
            nodes.append(v)
        else:
            constant += as_real(v, f"{what} element")
    return nodes, constant


def _sequence(values, what: str) -> list | tuple:
    """The values as a list or tuple (copied only if they are neither); empty is an error.

    A mapping is refused: iterating a dict gives its keys, which is never what was meant.
    """
    kind = type(values)
    if kind is not list and kind is not tuple:
        if isinstance(values, (Value, str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise TypeError(f"{what} expects a sequence of Values or numbers, got {kind.__name__}")
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
    out_data = _total([v.data for v in parents], constant, values)

    def _backward(g):
        for v in parents:
            v.grad += g

    return make_node(out_data, parents, "sum", _backward, constant)


def _total(data: list, constant: float, values) -> float:
    """Σ data + constant, exactly rounded (fsum) when every term is finite.

    Otherwise (inf, nan, or an overflow on the way) the result is that of the chain
    of binary ``+`` the node stands for, left to right: inf, -inf or nan by float rules.
    """
    try:
        return math.fsum(data) + constant
    except (OverflowError, ValueError):  # "intermediate overflow", "-inf + inf in fsum"
        total = 0.0
        for v in values:
            total += v.data if isinstance(v, Value) else as_real(v)
        return total


def dot(ws: Sequence, xs: Sequence, bias=None) -> Value:
    """w·x + b as one node: d out / d w_i = x_i, d out / d x_i = w_i, d out / d b = 1.

    Either side may hold plain numbers (a first layer's inputs are usually floats).

    >>> from micrograd_cn.engine import Value
    >>> w1, w2, b = Value(0.1), Value(0.2), Value(0.55)
    >>> h = dot([w1, w2], [0.1, 0.2], b)   # h1 的输入, 《梯度下降和反向传播》
    >>> h.backward(); round(h.data, 12), w1.grad, w2.grad, b.grad
    (0.6, 0.1, 0.2, 1.0)
    """
    ws = _sequence(ws, "dot")
    xs = _sequence(xs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot: length mismatch, {len(ws)} weights and {len(xs)} inputs")
    # The local derivatives of a linear map are known now: the closure keeps one
    # coefficient per parent.  The node records which weight pairs with which input
    # (see micrograd_cn.ops): nothing when every factor is a Value (the parents are
    # then w1, x1, w2, x2, …, b), else the arguments as called, numbers as floats.
    nodes, coefs = [], []
    add_node, add_coef = nodes.append, coefs.append
    out_data, all_values, floats_as_given = 0.0, True, True
    for w, x in zip(ws, xs):
        if type(w) is Value and type(x) is Value:  # the common case, checked cheaply
            wd, xd = w.data, x.data
            add_node(w)
            add_coef(xd)
            add_node(x)
            add_coef(wd)
        else:
            wd, xd, converted = _dot_term(w, x, add_node, add_coef)
            all_values = False
            if converted:  # an int or a numpy scalar: recorded as a float below
                floats_as_given = False
        out_data += wd * xd
    if bias is not None:
        if isinstance(bias, Value):
            nodes.append(bias)
            coefs.append(1.0)
            out_data += bias.data
        else:
            bias = as_real(bias, "dot bias")
            out_data += bias
            all_values = False
    parents, coefs = tuple(nodes), tuple(coefs)
    if all_values:
        factors = None
    elif floats_as_given:
        factors = (tuple(ws), tuple(xs), bias)
    else:
        factors = (tuple(map(_factor, ws)), tuple(map(_factor, xs)), bias)

    def _backward(g):
        for v, c in zip(parents, coefs):
            v.grad += c * g

    return make_node(out_data, parents, "dot", _backward, factors)


def _factor(v):
    return v if isinstance(v, Value) else as_real(v)


def _dot_term(w, x, add_node, add_coef) -> tuple[float, float, bool]:
    """One term of a dot product where w or x is a number (or a Value subclass):
    (w's number, x's number, whether a number had to be converted to a float)."""
    w_is_value, x_is_value = isinstance(w, Value), isinstance(x, Value)
    wd = w.data if w_is_value else as_real(w, "dot weight")
    xd = x.data if x_is_value else as_real(x, "dot input")
    if w_is_value:
        add_node(w)
        add_coef(xd)
    if x_is_value:
        add_node(x)
        add_coef(wd)
    return wd, xd, (wd is not w and not w_is_value) or (xd is not x and not x_is_value)


def mean(values: Iterable) -> Value:
    """Arithmetic mean: mean(v) = sum(v) * (1/n)."""
    values = _sequence(values, "mean")
    return sum(values) * (1.0 / len(values))


def _as_value(v, what: str) -> Value:
    return v if isinstance(v, Value) else Value(as_real(v, what))


def maximum(a, b) -> Value:
    """max(a, b); the gradient goes to the larger input, split evenly on a tie.

    NaN on either side gives NaN (as ``torch.maximum``; Python's ``max`` depends on the order).

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
    if ad != ad or bd != bd:  # NaN on either side gives NaN, whichever side, as torch.maximum;
        out_data, share_a, share_b = math.nan, 1.0, 1.0  # the gradient reaches both, as in torch
    elif ad == bd:
        out_data, share_a, share_b = ad, 0.5, 0.5
    elif (ad > bd) == larger:
        out_data, share_a, share_b = ad, 1.0, 0.0
    else:
        out_data, share_a, share_b = bd, 0.0, 1.0

    def _backward(g):
        a.grad += share_a * g
        b.grad += share_b * g

    return make_node(out_data, (a, b), op, _backward)


def logsumexp(values: Iterable) -> Value:
    """log Σ exp(v_i) as one node, computed as m + log1p(Σ exp(v_i - m) - 1) (m = max).

    Its gradient is softmax(v): d out / d v_i = exp(v_i - m) / Σ exp(v_j - m), taken
    from the shifted sum rather than from ``exp(v_i - out)``: at v = [1e16, 1e16], out
    rounds to 1e16 (its log 2 is below the last digit) and exp(v_i - out) would be 1.
    ``log1p`` keeps the digits of a small tail (logsumexp([0, -40]) = 4.25e-18, not 0).

    >>> from micrograd_cn.engine import Value
    >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data, 6)   # no overflow
    1000.693147
    >>> v = [Value(1e16), Value(1e16)]
    >>> logsumexp(v).backward(); v[0].grad, v[1].grad
    (0.5, 0.5)
    """
    values = [_as_value(v, "logsumexp") for v in _sequence(values, "logsumexp")]
    parents = tuple(values)
    data = [v.data for v in parents]
    m = max(data)
    if math.isinf(m):  # ±inf: the answer is m (exp(inf - inf) would make it nan), unless
        out_data = math.nan if any(d != d for d in data) else m  # a NaN hides behind the inf
        shift, total = out_data, 1.0  # the gradient exp(v - out), as PyTorch's
    else:
        terms = [math.exp(d - m) for d in data]  # each <= 1; the max gives exactly 1
        tail = math.fsum([*terms, -1.0])  # Σ terms - 1, rounded once
        out_data = m + math.log1p(tail)
        shift, total = m, math.fsum(terms)

    def _backward(g):
        for v in parents:
            v.grad += math.exp(v.data - shift) / total * g

    return make_node(out_data, parents, "logsumexp", _backward)


def _shifted_by_max(values: list[Value]) -> list[Value]:
    """v - max(v) (one constant shift each): the largest becomes 0, so nothing below loses
    digits to it.  An infinite or NaN max makes every entry nan (inf - inf), as in PyTorch."""
    m = max(v.data for v in values)
    return [v - m for v in values]


def log_softmax(values: Iterable) -> list[Value]:
    """log softmax(v)_i = (v_i - m) - log Σ exp(v_j - m), m = max(v): exact for any finite input.

    Writing it ``v_i - logsumexp(v)`` would lose every digit at large v: logsumexp([1e16,
    1e16]) rounds to 1e16, and 1e16 - 1e16 is 0, not -log 2.  Shifted by the max first,
    the logsumexp is between 0 and log n and keeps all its digits.

    >>> from micrograd_cn.engine import Value
    >>> [round(p.data, 6) for p in log_softmax([Value(1e16), Value(1e16)])]
    [-0.693147, -0.693147]
    """
    values = [_as_value(v, "log_softmax") for v in _sequence(values, "log_softmax")]
    shifted = _shifted_by_max(values)
    minus_lse = -logsumexp(shifted)
    return [v + minus_lse for v in shifted]


def softmax(values: Iterable) -> list[Value]:
    """softmax(v)_i = exp(v_i - m) / Σ exp(v_j - m), m = max(v): every exp is at most 1.

    The quotient keeps the last digits even of a tiny share (exp of a log_softmax would
    lose a few to the rounding of a large negative log).

    >>> from micrograd_cn.engine import Value
    >>> [round(p.data, 4) for p in softmax([Value(1000.0), Value(0.0)])]
    [1.0, 0.0]
    >>> [p.data for p in softmax([Value(1e16), Value(1e16)])]
    [0.5, 0.5]
    """
    values = [_as_value(v, "softmax") for v in _sequence(values, "softmax")]
    exps = [v.exp() for v in _shifted_by_max(values)]
    inverse_total = sum(exps) ** -1.0  # Σ >= 1: the max contributes exp(0) = 1
    return [e * inverse_total for e in exps]
