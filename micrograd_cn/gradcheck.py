"""Check backpropagation against central finite differences.

Backprop computes every gradient exactly from local rules; a finite difference
estimates it from two forward passes, knowing nothing about those rules.  When
the two agree at random points the rules are almost certainly right, which is
how every autodiff library (PyTorch's ``torch.autograd.gradcheck`` included)
tests itself.

>>> from micrograd_cn.engine import Value
>>> x, y = Value(0.5, label="x"), Value(-1.5, label="y")
>>> gradcheck(lambda x, y: (x * y).tanh() + x.exp(), [x, y])
True
>>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [2.0, 3.0])]
[3.0, 2.0]
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable

from . import engine
from .engine import Value, as_real, no_grad

__all__ = ["GradcheckError", "gradcheck", "numerical_grad"]


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when analytic and numeric gradients disagree.

    It subclasses ``AssertionError`` because a mismatch is a failed *check* of
    the code under test, not bad input: pytest reports it as a test failure
    (with the message below), and ``except ValueError`` around a call that got
    bad arguments never swallows a wrong gradient.  Unlike ``assert`` it is
    raised explicitly, so it also works under ``python -O``.

    ``failures`` holds one ``(index, label, analytic, numeric)`` tuple per
    failing input, worst (largest ``|analytic - numeric|``) first.
    """

    def __init__(self, message: str, failures: list[tuple[int, str, float, float]]):
        super().__init__(message)
        self.failures = failures


def _check_function(f, n_inputs: int) -> Callable[[list], object]:
    """Return ``call(values)``: ``f(*values)``, or ``f(values)`` for a one-list-argument f."""
    if not callable(f):
        raise TypeError(f"f must be callable (a function of Values), got {type(f).__name__}")
    try:
        signature = inspect.signature(f)
        signature.bind(*range(n_inputs))
    except TypeError:  # cannot take the inputs one by one: maybe it takes them as one list
        if n_inputs > 1 and _binds_one(signature):
            return lambda values: f(values)
        raise TypeError(
            f"f{signature} cannot take the {n_inputs} inputs in xs, "
            "neither one by one nor as one list"
        ) from None
    except ValueError:  # no signature (some builtins): just call it
        pass
    return lambda values: f(*values)


def _binds_one(signature) -> bool:
    try:
        signature.bind(None)
    except TypeError:
        return False
    return True


def _check_eps(eps) -> float:
    eps = as_real(eps, "eps")
    if not (eps > 0.0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    return eps


def _input_data(xs) -> tuple[list[float], list[str]]:
    """Floats and labels of ``xs`` (Values or real numbers)."""
    if isinstance(xs, (Value, str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"xs must be a sequence of Values or numbers, got {type(xs).__name__}")
    data, labels = [], []
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            data.append(x.data)
            labels.append(x.label)
        else:
            data.append(as_real(x, f"xs[{i}]"))
            labels.append("")
    if not data:
        raise ValueError("xs is empty: gradcheck needs at least one input")
    return data, labels


def _output_data(out) -> float:
    if isinstance(out, Value):
        return out.data
    return as_real(out, "f's result")


def _central_differences(call, data: list[float], labels: list[str], eps: float) -> list[float]:
    def evaluate(point: list[float]) -> float:
        return _output_data(call([Value(d, label=lab) for d, lab in zip(point, labels)]))

    grads = []
    with no_grad():  # a forward pass only: no graph, no closures
        for i, d in enumerate(data):
            point = list(data)
            point[i] = d + eps
            up = evaluate(point)
            point[i] = d - eps
            down = evaluate(point)
            grads.append((up - down) / (2.0 * eps))
    return grads


def numerical_grad(f: Callable, xs: Iterable, eps: float = 1e-6) -> list[float]:
    """Estimate d f / d x_i by central differences (f(x + eps) - f(x - eps)) / (2 eps).

    ``f`` is called as ``f(*values)`` (or ``f(values)`` when it takes a single
    list and there are several inputs) with fresh Values under ``no_grad``, so
    no graph is built and ``xs`` is not touched.  The error is O(eps²) from the
    truncated Taylor series plus O(machine-eps·|f| / eps) from rounding, which
    is why eps = 1e-6 (not 1e-12) is the default.

    >>> [round(g, 6) for g in numerical_grad(lambda a: a ** 3, [2.0])]   # 3·2² = 12
    [12.0]
    """
    eps = _check_eps(eps)
    data, labels = _input_data(xs)
    return _central_differences(_check_function(f, len(data)), data, labels, eps)


def _analytic_grad(call, data: list[float], labels: list[str]) -> list[float]:
    inputs = [Value(d, label=lab) for d, lab in zip(data, labels)]
    with engine.enable_grad():  # works even when called inside no_grad()
        out = call(inputs)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}")
    out.backward()
    return [v.grad for v in inputs]


def _describe(index: int, label: str) -> str:
    return f"{label} (input {index})" if label else f"input {index}"


def gradcheck(
    f: Callable,
    xs: Iterable,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backprop's gradient of ``f(*xs)`` with central finite differences.

    ``f`` is called as ``f(*values)``; a function of one list (``lambda vs:
    F.sum(vs)``) gets the list when there are several inputs.
    Input i passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    The check runs on fresh copies of ``xs`` (Values or numbers), so their
    ``grad`` is left alone.  On a mismatch it raises :class:`GradcheckError`
    naming every failing input (label, or index when unlabeled) with both
    numbers, worst first; with ``raise_exception=False`` it returns False.

    >>> from micrograd_cn.engine import Value, make_node
    >>> def bad_square(a):                      # a wrong rule: d a² / da is 2a, not a
    ...     send = lambda g: setattr(a, "grad", a.grad + a.data * g)
    ...     return make_node(a.data ** 2, (a,), "sq", send)
    >>> gradcheck(lambda a: bad_square(a), [Value(3.0, label="a")], raise_exception=False)
    False
    >>> gradcheck(lambda a: bad_square(a), [Value(3.0, label="a")])
    Traceback (most recent call last):
    ...
    micrograd_cn.gradcheck.GradcheckError: gradcheck failed for 1 of 1 inputs ...
      a (input 0): analytic 3.000000000, numeric 6.00000..., |difference| 3.00000...
    """
    eps = _check_eps(eps)
    atol, rtol = as_real(atol, "atol"), as_real(rtol, "rtol")
    if not (atol >= 0.0 and rtol >= 0.0):
        raise ValueError(f"atol and rtol must be >= 0, got atol={atol!r}, rtol={rtol!r}")
    data, labels = _input_data(xs)
    call = _check_function(f, len(data))

    analytic = _analytic_grad(call, data, labels)
    numeric = _central_differences(call, data, labels, eps)
    failures = [
        (i, labels[i], a, n)
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)  # `not <=` also catches nan
    ]
    if not failures:
        return True
    if not raise_exception:
        return False

    def badness(failure) -> float:
        difference = abs(failure[2] - failure[3])
        return math.inf if math.isnan(difference) else difference

    failures.sort(key=badness, reverse=True)
    lines = [
        f"gradcheck failed for {len(failures)} of {len(data)} inputs "
        f"(eps={eps!r}, atol={atol!r}, rtol={rtol!r}), worst first:"
    ]
    for i, label, a, n in failures:
        lines.append(
            f"  {_describe(i, label)}: analytic {a:#.10g}, numeric {n:#.10g}, "
            f"|difference| {abs(a - n):#.10g}"
        )
    raise GradcheckError("\n".join(lines), failures)
