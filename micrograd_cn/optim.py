"""Optimisers: :class:`SGD` (momentum, weight decay) and :class:`Adam`, with PyTorch's update rules.

An optimiser holds a list of parameters and, on ``step()``, moves each
``p.data`` using ``p.grad``.  Updates are plain float arithmetic: no graph is
built.  ``zero_grad()`` resets the gradients, which leaves accumulate.

>>> from micrograd_cn.engine import Value
>>> x = Value(3.0)
>>> opt = SGD([x], lr=0.1)
>>> for _ in range(100):
...     opt.zero_grad()
...     loss = (x - 1.0) ** 2
...     loss.backward()
...     opt.step()
>>> round(x.data, 6)          # minimum of (x - 1)² at x = 1
1.0

Hyperparameters are checked when set, with PyTorch's ranges made strict
where PyTorch's let a run blow up silently: every one must be finite (an
``inf`` learning rate or weight decay turns the first step into inf/nan);
``lr >= 0``, ``weight_decay >= 0``; ``momentum`` and Adam's betas in
``[0, 1)`` (PyTorch accepts momentum >= 1, where the velocity never forgets a
gradient and grows without bound); Adam's ``eps > 0`` (with ``eps = 0`` a
parameter whose gradient is still 0 divides 0 by 0).
"""

from __future__ import annotations

import math

from .engine import Value, as_real

__all__ = ["SGD", "Adam", "Optimizer"]


def _check_hyper(value, name: str, high: float | None = None, positive: bool = False) -> float:
    """A finite float >= 0 (> 0 when ``positive``), below ``high`` when given."""
    value = as_real(value, name)
    low_ok = value > 0.0 if positive else value >= 0.0
    if not (math.isfinite(value) and low_ok and (high is None or value < high)):
        span = f"in [0.0, {high})" if high is not None else "> 0" if positive else ">= 0"
        raise ValueError(f"invalid {name}: {value!r} (must be a finite number {span})")
    return value


class Optimizer:
    """Base class: keeps the parameter list, resets gradients."""

    def __init__(self, params):
        if isinstance(params, Value):
            raise TypeError(
                "params must be a list of Values (e.g. model.parameters()), got a Value"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] is {type(p).__name__}, expected a Value")

    @property
    def lr(self) -> float:
        """Learning rate; assign to it to follow a schedule (``opt.lr = 1.0 - 0.9 * k / 100``)."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = _check_hyper(value, "learning rate")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``::

        g = p.grad + weight_decay * p
        buf = g (first step) or momentum * buf + g
        g = g + momentum * buf (nesterov) or buf
        p = p - lr * g

    >>> from micrograd_cn.engine import Value
    >>> p = Value(1.0); p.grad = 2.0
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> opt.step(); p.data          # 1 - 0.1 * 2
    0.8
    >>> opt.step(); round(p.data, 12)   # buf = 0.9 * 2 + 2 = 3.8
    0.42
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params)
        self.lr = lr
        self.momentum = _check_hyper(momentum, "momentum", 1.0)
        self.weight_decay = _check_hyper(weight_decay, "weight_decay")
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov momentum requires momentum > 0")
        self.nesterov = bool(nesterov)
        self._buffers = [0.0] * len(self.params)  # PyTorch's first buf = g is momentum * 0 + g

    def step(self) -> None:
        lr, mu, wd = self._lr, self.momentum, self.weight_decay
        buffers = self._buffers
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data
            buf = mu * buffers[i] + g  # momentum 0: buf = g, plain SGD
            buffers[i] = buf
            p.data -= lr * (g + mu * buf if self.nesterov else buf)


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (L2 ``weight_decay`` added to the gradient)::

        g = p.grad + weight_decay * p
        m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g²
        p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    >>> from micrograd_cn.engine import Value
    >>> p = Value(1.0); p.grad = 5.0
    >>> opt = Adam([p], lr=0.1)
    >>> opt.step(); round(p.data, 9)   # the first step moves by ~lr whatever the gradient's size
    0.9
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr = lr
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"invalid betas: {betas!r} (must be a pair (beta1, beta2))")
        self.betas = (
            _check_hyper(betas[0], "beta1", 1.0),
            _check_hyper(betas[1], "beta2", 1.0),
        )
        self.eps = _check_hyper(eps, "eps", positive=True)
        self.weight_decay = _check_hyper(weight_decay, "weight_decay")
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        wd, eps = self.weight_decay, self.eps
        step_size = self._lr / (1.0 - b1**self.t)
        root_correction2 = math.sqrt(1.0 - b2**self.t)
        m, v = self._m, self._v
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_correction2 + eps)
