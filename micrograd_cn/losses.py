"""Loss functions over Values: MSE, binary cross-entropy, cross-entropy, hinge, L2.

Each takes one sample (a Value or number and its target) or a batch (a list of
predictions and a list of targets) and reduces with ``reduction="mean"`` (the
default, as in PyTorch), ``"sum"``, or ``"none"`` (a list of per-sample losses).

《反向传播算法》 pairs each cost with an output transform: MSE with a linear output,
cross-entropy with sigmoid (binary) or softmax (classes), SVM (hinge) with raw
scores.  The fused forms here (``bce_with_logits``, ``cross_entropy`` on logits)
are the numerically stable ones, and their gradients are that article's tidy
``prediction - target``.

>>> from micrograd_cn.engine import Value
>>> z = [Value(2.0), Value(1.0), Value(0.1)]
>>> loss = cross_entropy(z, 0)
>>> loss.backward()
>>> [round(v.grad, 4) for v in z]     # softmax(z) - onehot(0)
[-0.341, 0.2424, 0.0986]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral

from . import functional as F
from .engine import Value, as_real

__all__ = [
    "bce_with_logits",
    "binary_cross_entropy",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "mse_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: list, reduction: str, name: str):
    if reduction == "mean":
        return F.sum(losses) * (1.0 / len(losses))
    if reduction == "sum":
        return F.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: unknown reduction {reduction!r}; choose one of: mean, sum, none")


def _as_batch(x, name: str, what: str):
    """A list for a batch (any iterable of samples), the object itself for one sample.

    A dict, str, bytes or set is neither: its iteration order or its items are
    not samples, so it is refused instead of silently reading its keys.
    """
    if isinstance(x, (list, tuple)):
        return x
    if isinstance(x, (Mapping, str, bytes, set, frozenset)):
        raise TypeError(
            f"{name}: {what} must be a Value, a number or a list of them, got {type(x).__name__}"
        )
    return list(x) if hasattr(x, "__iter__") and not isinstance(x, Value) else x


def _batch(predictions, targets, name: str) -> tuple[list, list]:
    """One sample -> a batch of one; check both sides have the same length."""
    predictions = _as_batch(predictions, name, "predictions")
    targets = _as_batch(targets, name, "targets")
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
        if isinstance(targets, (list, tuple)):
            raise ValueError(f"{name}: one prediction but {len(targets)} targets")
        targets = [targets]
    elif not isinstance(targets, (list, tuple)):
        raise ValueError(f"{name}: {len(predictions)} predictions but a single target")
    if len(predictions) != len(targets):
        raise ValueError(
            f"{name}: length mismatch, {len(predictions)} predictions and {len(targets)} targets"
        )
    if not predictions:
        raise ValueError(f"{name}: empty batch")
    return list(predictions), list(targets)


def mse_loss(predictions, targets, reduction="mean"):
    """Mean squared error ``mean((p - t)²)``; d/dp = 2(p - t)/n.

    (《反向传播算法》 writes ``0.5 * mean((t - p)²)`` so that its gradient is ``p - t``;
    this is PyTorch's form, twice that.)

    >>> from micrograd_cn.engine import Value
    >>> p = [Value(1.0), Value(3.0)]
    >>> loss = mse_loss(p, [0.0, 1.0]); loss.backward()
    >>> loss.data, [v.grad for v in p]
    (2.5, [1.0, 2.0])
    """
    predictions, targets = _batch(predictions, targets, "mse_loss")
    errors = []
    for i, (p, t) in enumerate(zip(predictions, targets)):
        t = t.data if isinstance(t, Value) else as_real(t, "mse_loss target")
        if not math.isfinite(t):
            raise ValueError(f"mse_loss: target {i} is {t!r}, expected a finite number")
        d = p - t
        errors.append(d * d if isinstance(d, Value) else Value(d * d))
    return _reduce(errors, reduction, "mse_loss")


def _check_probability_target(t, name: str) -> float:
    t = as_real(t, f"{name} target")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"{name}: target must be in [0, 1], got {t!r}")
    return t


def _clamp(p: Value, lo: float, hi: float) -> Value:
    # clamp(p, lo, hi): the value is cut to [lo, hi], the gradient outside is 0 (as torch.clamp)
    if p.data < lo:
        return p * 0.0 + lo
    if p.data > hi:
        return p * 0.0 + hi
    return p


def binary_cross_entropy(probabilities, targets, eps=1e-8, reduction="mean"):
    """``-(t log p + (1 - t) log(1 - p))`` on probabilities, p clamped to [eps, 1 - eps].

    The clamp (eps = 1e-8 as in 《反向传播算法》) keeps ``log`` finite when a sigmoid
    saturates to exactly 0 or 1.  Prefer :func:`bce_with_logits` when you have
    the logit: it never needs the clamp.

    >>> from micrograd_cn.engine import Value
    >>> p = Value(0.8)
    >>> loss = binary_cross_entropy(p, 1.0); loss.backward()
    >>> round(loss.data, 6), round(p.grad, 6)      # -log 0.8, -1/0.8
    (0.223144, -1.25)
    """
    name = "binary_cross_entropy"
    predictions, targets = _batch(probabilities, targets, name)
    eps = as_real(eps, f"{name} eps")
    if not 0.0 <= eps < 0.5:
        raise ValueError(f"{name}: eps must be in [0, 0.5), got {eps!r}")
    losses = []
    for i, (p, t) in enumerate(zip(predictions, targets)):
        if not isinstance(p, Value):
            p = Value(as_real(p, f"{name} prediction"))
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{name}: prediction {i} is {p.data!r}, expected a probability in [0, 1]"
            )
        t = _check_probability_target(t, name)
        p = _clamp(p, eps, 1.0 - eps)
        if t == 1.0:
            losses.append(-p.log())
        elif t == 0.0:
            losses.append(-(1.0 - p).log())
        else:
            losses.append(-(p.log() * t + (1.0 - p).log() * (1.0 - t)))
    return _reduce(losses, reduction, name)


def bce_with_logits(logits, targets, reduction="mean"):
    """Binary cross-entropy on a logit z: ``softplus(z) - t·z``; d/dz = sigmoid(z) - t.

    Equal to ``binary_cross_entropy(sigmoid(z), t)`` but stable for any z
    (softplus never overflows).

    >>> from micrograd_cn.engine import Value
    >>> z = Value(1000.0)
    >>> loss = bce_with_logits(z, 0.0); loss.backward()
    >>> loss.data, z.grad
    (1000.0, 1.0)
    """
    name = "bce_with_logits"
    predictions, targets = _batch(logits, targets, name)
    losses = []
    for z, t in zip(predictions, targets):
        if not isinstance(z, Value):
            z = Value(as_real(z, f"{name} logit"))
        t = _check_probability_target(t, name)
        losses.append(z.softplus() - z * t if t else z.softplus())
    return _reduce(losses, reduction, name)


def _check_class(target, n_classes: int, name: str) -> int:
    if isinstance(target, bool) or not isinstance(target, Integral):
        raise TypeError(f"{name}: target must be a class index (int), got {type(target).__name__}")
    if not 0 <= target < n_classes:
        raise ValueError(f"{name}: target {target} out of range for {n_classes} classes")
    return int(target)


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy on raw scores: ``logsumexp(z) - z[target]``.

    Its gradient w.r.t. the logits is ``softmax(z) - onehot(target)``
    (《误差反向传播法·计算图》, 《反向传播算法》).  It is computed as
    ``-log_softmax(z)[target]``, after subtracting max(z), so it keeps its digits
    for any finite logits: two equal logits of 1e16 give log 2, not 0.  ``logits``
    is one sample (a list of K scores) with an int ``target``, or a batch (a list
    of such lists) with a list of ints.

    >>> from micrograd_cn.engine import Value
    >>> round(cross_entropy([Value(1000.0), Value(0.0)], 1).data, 6)
    1000.0
    >>> z = [Value(1e16), Value(1e16)]
    >>> loss = cross_entropy(z, 0); loss.backward()
    >>> round(loss.data, 6), [v.grad for v in z]
    (0.693147, [-0.5, 0.5])
    """
    name = "cross_entropy"
    if isinstance(logits, Mapping):
        raise TypeError(
            f"{name}: logits must be a list of class scores, got {type(logits).__name__}"
        )
    if not isinstance(logits, (list, tuple)) or not logits:
        raise ValueError(f"{name}: logits must be a non-empty list of class scores")
    if isinstance(logits[0], (list, tuple)):
        if not isinstance(target, (list, tuple)):
            raise ValueError(f"{name}: a batch of {len(logits)} samples needs a list of targets")
        if len(logits) != len(target):
            raise ValueError(
                f"{name}: length mismatch, {len(logits)} samples and {len(target)} targets"
            )
        samples = list(zip(logits, target))
    else:
        if isinstance(target, (list, tuple)):
            raise ValueError(f"{name}: one sample of logits but {len(target)} targets")
        samples = [(logits, target)]
    losses = []
    for z, t in samples:
        if len(z) < 1:
            raise ValueError(f"{name}: logits must be a non-empty list of class scores")
        t = _check_class(t, len(z), name)
        losses.append(-F.log_softmax(z)[t])
    return _reduce(losses, reduction, name)


def hinge_loss(scores, labels, reduction="mean"):
    """micrograd's SVM max-margin loss ``relu(1 - y·s)`` with labels y = ±1.

    Zero once a sample is on the right side with margin 1; d/ds = -y inside the
    margin.

    >>> from micrograd_cn.engine import Value
    >>> s = [Value(0.5), Value(-2.0)]
    >>> loss = hinge_loss(s, [1, -1]); loss.backward()
    >>> loss.data, [v.grad for v in s]
    (0.25, [-0.5, 0.0])
    """
    name = "hinge_loss"
    predictions, labels = _batch(scores, labels, name)
    losses = []
    for s, y in zip(predictions, labels):
        y = as_real(y, f"{name} label")
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"{name}: labels must be -1 or +1, got {y!r} (map 0/1 labels with y * 2 - 1)"
            )
        margin = 1.0 - y * s
        losses.append(margin.relu() if isinstance(margin, Value) else Value(max(margin, 0.0)))
    return _reduce(losses, reduction, name)


def l2_penalty(params, lam):
    """Weight decay term ``lam / 2 · Σ p²``; its gradient is ``lam · p``.

    The form of 《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》.

    micrograd's demo adds ``alpha · Σ p²``: that is ``l2_penalty(params, 2 * alpha)``.
    Σ p² is one ``F.dot(params, params)`` node.

    >>> from micrograd_cn.engine import Value
    >>> w = [Value(3.0), Value(-4.0)]
    >>> s = l2_penalty(w, 0.1); s.backward()
    >>> round(s.data, 12), [round(p.grad, 12) for p in w]
    (1.25, [0.3, -0.4])
    """
    lam = as_real(lam, "l2_penalty lam")
    if not (math.isfinite(lam) and lam >= 0.0):
        raise ValueError(f"l2_penalty: lam must be a finite number >= 0, got {lam!r}")
    if isinstance(params, (Mapping, Value, str)):
        raise TypeError(
            f"l2_penalty: params must be a list of Values (model.parameters()), "
            f"got {type(params).__name__}"
        )
    params = list(params)
    if not params:
        return Value(0.0)
    return F.dot(params, params) * (0.5 * lam)
