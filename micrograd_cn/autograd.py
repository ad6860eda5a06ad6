"""The machinery around the ops: grad mode (``no_grad`` and friends), topological order,
and the pause of the cyclic garbage collector during ``backward()``.

Grad mode is kept per thread (a :class:`contextvars.ContextVar`, so also per asyncio
task), as in PyTorch: while one thread evaluates a model under ``no_grad()``,
another thread still records its graph.  Reading it costs one C call per op.

>>> from micrograd_cn.engine import Value
>>> a = Value(2.0)
>>> with no_grad():
...     b = a * a
...     with enable_grad():
...         c = a * a
>>> b._prev, len(c._prev)
((), 2)
"""

from __future__ import annotations

import functools
import gc
import threading
from contextvars import ContextVar

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "topological_order",
    "collector_paused",
]

# True while operations record the graph.  Read by engine._node for every op.
_grad_mode: ContextVar[bool] = ContextVar("micrograd_cn_grad_mode", default=True)


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block (of this thread)."""
    return _grad_mode.get()


class _GradMode:
    """A context manager and decorator that sets grad mode and restores the previous one."""

    enabled = True

    def __enter__(self):
        self._previous = _grad_mode.get()
        _grad_mode.set(self.enabled)
        return self

    def __exit__(self, *exc_info):
        _grad_mode.set(self._previous)
        return False

    def __call__(self, function):
        mode = type(self)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with mode():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Context manager (and decorator) that stops recording the graph.

    Inside it every operation returns a plain leaf ``Value``: no parents, no
    closure.  Use it for evaluation and for optimiser updates, as in PyTorch.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.data, b._prev, b._grad_fn
    (9.0, (), None)
    """

    enabled = False


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad()`` block (a gradient check, say)."""

    enabled = True


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode`` now; used in a ``with``, restore the previous mode after.

    >>> previous = set_grad_enabled(False); is_grad_enabled()
    False
    >>> with set_grad_enabled(True):
    ...     is_grad_enabled()
    True
    >>> is_grad_enabled()
    False
    >>> _ = set_grad_enabled(True)
    >>> set_grad_enabled("yes")
    Traceback (most recent call last):
    ...
    TypeError: set_grad_enabled expects True or False, got str
    """

    def __init__(self, mode: bool):
        if type(mode) is not bool:
            raise TypeError(f"set_grad_enabled expects True or False, got {type(mode).__name__}")
        self.enabled = mode
        self._previous = _grad_mode.get()
        _grad_mode.set(mode)

    def __enter__(self):  # the mode is already set by __init__
        return self

    def __call__(self, function):
        raise TypeError("set_grad_enabled is not a decorator; use no_grad() or enable_grad()")


def _lecture_style(function) -> bool:
    """True for a zero-argument closure (micrograd's ``def _backward():`` reading ``out.grad``)."""
    code = getattr(function, "__code__", None)
    if code is not None and not hasattr(function, "__self__"):
        return code.co_argcount == 0 and not code.co_flags & 0x04  # no *args
    try:
        import inspect

        inspect.signature(function).bind()
    except TypeError:
        return False
    except ValueError:  # builtins without a signature: call them with g
        return False
    return True


def topological_order(root) -> list:
    """Every node ``root`` depends on, parents before children.

    A depth-first search with an explicit stack (no recursion, so a million-node
    chain works at the default recursion limit).  Expanding a node pushes it back,
    then a ``None``, then its unseen parents; when the ``None`` comes off the stack
    those parents are all finished, so the node below it is.  The stack holds bare
    nodes, no (node, iterator) pairs, so a deep graph allocates little.  The order
    is that of a recursive DFS over ``_prev`` left to right.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(1.0, label="a"); b = a + 1; c = b * a
    >>> [v.label or v._op for v in topological_order(c)]
    ['a', '+', '*']
    """
    order = []
    seen = {root}
    stack = [root, None, *reversed(root._prev)]
    push, pop, finish = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        if node is None:  # every parent of the node below it is in ``order`` now
            finish(pop())
            continue
        if node in seen:  # pushed twice before it was expanded
            continue
        seen.add(node)
        push(node)
        push(None)
        for parent in reversed(node._prev):  # so that _prev[0] is expanded first
            if parent not in seen:
                push(parent)
    return order


# The collector is one per process, so its pause is too: how many passes are inside
# collector_paused() right now, and whether it was on when the first of them came in.
_pause_lock = threading.Lock()
_pause_depth = 0
_collector_was_on = False


class collector_paused:
    """Pause Python's cyclic garbage collector inside a ``with`` block, safely across threads.

    Our graphs have no reference cycles, so the collector finds nothing in them; while a
    backward pass allocates, it would only rescan the live graph again and again.  The
    collector is process-wide, so the pause counts the blocks that are inside it: the
    first one in records whether the collector was on and switches it off, the last one
    out switches it back on if it was (a lock makes each step atomic).  Two threads in
    ``backward()`` at once can then never leave it off for good, and a caller who keeps
    it off keeps it off.

    >>> import gc
    >>> with collector_paused():
    ...     with collector_paused():   # nested, or another thread: still paused
    ...         inside = gc.isenabled()
    ...     still_inside = gc.isenabled()
    >>> inside, still_inside, gc.isenabled()
    (False, False, True)
    """

    __slots__ = ()

    def __enter__(self):
        global _pause_depth, _collector_was_on
        with _pause_lock:
            if _pause_depth == 0:
                _collector_was_on = gc.isenabled()
                gc.disable()
            _pause_depth += 1
        return self

    def __exit__(self, *exc_info):
        global _pause_depth
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _collector_was_on:
                gc.enable()
        return False
