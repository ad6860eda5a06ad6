"""micrograd_cn: a scalar reverse-mode autodiff engine for Chinese-speaking learners.

>>> from micrograd_cn import Value, F
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> c = F.sum([a * b, a])
>>> c.backward()
>>> c.data, a.grad, b.grad
(8.0, 4.0, 2.0)
"""

from . import functional, losses, nn, optim
from . import functional as F
from .engine import Value, enable_grad, no_grad, set_grad_enabled

__all__ = [
    "F",
    "Value",
    "enable_grad",
    "functional",
    "losses",
    "nn",
    "no_grad",
    "optim",
    "set_grad_enabled",
]
__version__ = "0.1.0"
