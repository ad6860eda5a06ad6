"""Toy 2-D classification data sets, pure Python and seeded: moons, circles, spiral.

Each returns ``(X, y)`` like scikit-learn: ``X`` a list of ``[x1, x2]`` floats,
``y`` a list of int labels ``0..k-1``.  The same ``seed`` gives the same data;
``seed=None`` draws from fresh entropy.  Noise is Gaussian (``random.gauss``).

>>> X, y = make_moons(4, noise=0.0, shuffle=False)
>>> [[round(a, 3), round(b, 3)] for a, b in X], y
([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]], [0, 0, 1, 1])
"""

from __future__ import annotations

import math
import random
from numbers import Integral

from .engine import as_real

__all__ = ["make_circles", "make_moons", "make_spiral"]


def _check_count(n, what: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {n}")
    return int(n)


def _check_noise(noise) -> float:
    noise = as_real(noise, "noise")
    if not (math.isfinite(noise) and noise >= 0.0):  # inf noise is all noise: no data set
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return noise


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


def _finish(points, labels, noise: float, rng, shuffle: bool):
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for x1, x2 in points]
    y = list(labels)
    if shuffle:
        order = list(range(len(X)))
        rng.shuffle(order)
        X, y = [X[i] for i in order], [y[i] for i in order]
    return X, y


def make_moons(n_samples=100, noise=0.1, seed=None, shuffle=True):
    """Two interleaving half circles (scikit-learn's layout).

    Class 0 lies on the upper unit semicircle ``(cos t, sin t)``, class 1 on the
    lower one shifted to ``(1 - cos t, 0.5 - sin t)``, t in [0, π]; then
    Gaussian noise of standard deviation ``noise`` is added.

    >>> X, y = make_moons(100, seed=0)
    >>> len(X), sum(y)
    (100, 50)
    """
    n = _check_count(n_samples, "n_samples", 2)
    noise = _check_noise(noise)
    n_out = n // 2
    n_in = n - n_out
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n_out)]
    inner = [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, n_in)]
    return _finish(outer + inner, [0] * n_out + [1] * n_in, noise, random.Random(seed), shuffle)


def make_circles(n_samples=100, noise=0.05, factor=0.5, seed=None, shuffle=True):
    """A large circle (radius 1, class 0) around a small one (radius ``factor``, class 1).

    >>> X, y = make_circles(8, noise=0.0, shuffle=False)
    >>> [round(math.hypot(*p), 9) for p in X]
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    n = _check_count(n_samples, "n_samples", 2)
    noise = _check_noise(noise)
    factor = as_real(factor, "factor")
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"factor must be in [0, 1), got {factor!r}")
    n_out = n // 2
    n_in = n - n_out
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, 2 * math.pi, n_out, False)]
    inner = [
        (factor * math.cos(t), factor * math.sin(t))
        for t in _linspace(0.0, 2 * math.pi, n_in, False)
    ]
    return _finish(outer + inner, [0] * n_out + [1] * n_in, noise, random.Random(seed), shuffle)


def make_spiral(n_samples=100, n_classes=3, noise=0.2, seed=None, shuffle=True):
    """``n_classes`` spiral arms (CS231n's data set), ``n_samples`` points in all.

    Arm k starts at the origin at angle ``2πk / n_classes`` and winds 4 radians
    while its radius grows from 0 to 1: point ``r·(sin θ, cos θ)`` with
    ``θ = 2πk / n_classes + 4r`` plus Gaussian noise of standard deviation
    ``noise`` on θ (radians).  Classes differ in size by at most one.

    >>> X, y = make_spiral(7, n_classes=3, seed=0)
    >>> len(X), sorted(y)
    (7, [0, 0, 0, 1, 1, 2, 2])
    """
    n = _check_count(n_samples, "n_samples")
    k = _check_count(n_classes, "n_classes")
    if n < k:
        raise ValueError(f"n_samples ({n}) must be >= n_classes ({k})")
    noise = _check_noise(noise)
    rng = random.Random(seed)
    X, y = [], []
    for label in range(k):
        count = n // k + (1 if label < n % k else 0)
        start = 2 * math.pi * label / k
        for r in _linspace(0.0, 1.0, count):
            theta = start + 4.0 * r + rng.gauss(0.0, noise)
            X.append([r * math.sin(theta), r * math.cos(theta)])
            y.append(label)
    return _finish(X, y, 0.0, rng, shuffle)
