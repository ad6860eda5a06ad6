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

import os as _os
import sys as _sys


def _started_as_the_command() -> bool:
    """True when this process is ``micrograd-cn`` (its console script) or
    ``python -m micrograd_cn``, and the package is being imported on the way to it."""
    argv0 = _os.path.basename(str(getattr(_sys, "argv", [""])[0]))
    if argv0 in ("micrograd-cn", "micrograd-cn.exe", "micrograd-cn-script.py"):
        return True
    command = list(getattr(_sys, "orig_argv", ()))  # the -m module is located with argv0 "-m"
    for i, word in enumerate(command):
        if word.startswith("-m"):  # "-m micrograd_cn" or "-mmicrograd_cn"
            module = word[2:] or (command[i + 1] if i + 1 < len(command) else "")
            return argv0 == "-m" and module in ("micrograd_cn", "micrograd_cn.__main__")
    return False


def _leave_quietly(signum, frame):
    """Ctrl-C before the command's own handler (nothing written yet): one line, exit 130."""
    _os.write(2, b"micrograd-cn: interrupted (Ctrl-C); no partial output was kept\n")
    _os._exit(130)


if _started_as_the_command():  # never for a program that merely imports the package
    try:  # the C module behind signal, loaded at start-up (signal itself imports enum)
        import _signal
    except ImportError:  # not CPython
        import signal as _signal

    _signal.signal(_signal.SIGINT, _leave_quietly)

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
