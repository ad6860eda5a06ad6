"""micrograd_cn: a scalar reverse-mode autodiff engine for Chinese-speaking learners.

>>> from micrograd_cn import Value, F
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> c = F.sum([a * b, a])
>>> c.backward()
>>> c.data, a.grad, b.grad
(8.0, 4.0, 2.0)

The names below are loaded on first use (PEP 562), so ``import micrograd_cn`` itself
costs next to nothing: the ``micrograd-cn`` command installs its Ctrl-C handler
before anything heavy is imported.
"""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (15 ms)
if TYPE_CHECKING:  # what the lazy names are, for editors and type checkers
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

# public name -> (module, attribute of it or None for the module itself)
_LAZY = {
    "F": ("functional", None),
    "functional": ("functional", None),
    "losses": ("losses", None),
    "nn": ("nn", None),
    "optim": ("optim", None),
    "Value": ("engine", "Value"),
    "enable_grad": ("engine", "enable_grad"),
    "no_grad": ("engine", "no_grad"),
    "set_grad_enabled": ("engine", "set_grad_enabled"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'micrograd_cn' has no attribute {name!r}")
    from importlib import import_module  # here, so that importing the package imports nothing

    module_name, attribute = _LAZY[name]
    module = import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
