"""The machinery around the ops: grad mode (``no_grad`` and friends), topological order,
the one backward loop (:func:`backpropagate`) and the thread-safe pause of the cyclic
garbage collector during it (:class:`collector_paused`).

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
    "GRAD_MODE",
    "backpropagate",
    "collector_paused",
    "enable_grad",
    "is_grad_enabled",
    "is_lecture_style",
    "no_grad",
    "set_grad_enabled",
    "topological_order",
]

#: True while operations record the graph.  The engine reads it (``GRAD_MODE.get()``) for
#: every op; change it only through ``no_grad``, ``enable_grad`` or ``set_grad_enabled``.
GRAD_MODE: ContextVar[bool] = ContextVar("micrograd_cn_grad_mode", default=True)


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block (of this thread)."""
    return GRAD_MODE.get()


class _GradMode:
    """A context manager and decorator that sets grad mode and restores the previous one."""

    enabled = True

    def __enter__(self):
        self._previous = GRAD_MODE.get()
        GRAD_MODE.set(self.enabled)
        return self

    def __exit__(self, *exc_info):
        GRAD_MODE.set(self._previous)
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
        self._previous = GRAD_MODE.get()
        GRAD_MODE.set(mode)

    def __enter__(self):  # the mode is already set by __init__
        return self

    def __call__(self, function):
        raise TypeError("set_grad_enabled is not a decorator; use no_grad() or enable_grad()")


def is_lecture_style(function) -> bool:
    """True for a zero-argument closure (micrograd's ``def _backward():`` reading ``out.grad``).

    The engine calls such a closure without the upstream gradient when a learner
    assigns it to ``out._backward``; a closure that takes ``g`` gets ``g``.

    >>> is_lecture_style(lambda: None), is_lecture_style(lambda g: None)
    (True, False)
    """
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


def topological_order(root, parents=None) -> list:
    """Every node ``root`` depends on, parents before children.

    A depth-first search with an explicit stack (no recursion, so a million-node
    chain works at the default recursion limit).  Expanding a node pushes it back,
    then a ``None``, then its unseen parents; when the ``None`` comes off the stack
    those parents are all finished, so the node below it is.  The stack holds bare
    nodes, no (node, iterator) pairs, so a deep graph allocates little.  The order
    is that of a recursive DFS over ``_prev`` left to right.

    ``parents(node)``, if given, replaces ``node._prev`` (a sequence, parents in the
    order to visit): the drawing puts the parents of a micrograd node, a *set*, in
    a stable order this way.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(1.0, label="a"); b = a + 1; c = b * a
    >>> [v.label or v._op for v in topological_order(c)]
    ['a', '+', '*']
    """
    order = []
    seen = {root}
    stack = [root, None, *reversed(root._prev if parents is None else parents(root))]
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
        for parent in reversed(node._prev if parents is None else parents(node)):  # [0] first
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


def backpropagate(root, grad: float = 1.0, hook=None, order=None) -> None:
    """The one backward loop: send ``grad`` from ``root`` back to everything it depends on.

    Semantics (PyTorch's): for this call, every intermediate node (one with
    parents) gets the gradient of ``root`` with respect to it, replacing what it
    held; leaves (no parents) accumulate with ``+=`` (mini-batches); ``root``
    gets ``+= grad``.  Nodes are visited children before parents, so a node's
    gradient is final when its closure sends it on.

    ``hook(node, node.grad)``, if given, is called for every node just before
    its closure runs (the step-through records each step this way); the
    closure is then called through micrograd's interface, ``node._backward()``,
    so any micrograd-style object can be stepped.  Without a hook the engine's
    closures are called directly (``node._grad_fn(node.grad)``).  ``order`` is
    a topological order of ``root``'s graph already computed by the caller.

    Our graphs have no reference cycles, so the cyclic collector has nothing to
    find here; it is paused (:class:`collector_paused`) so it does not rescan the
    live graph mid-pass.  The caller's setting is restored, even on error and
    across threads.

    >>> from micrograd_cn.engine import Value
    >>> a = Value(3.0); b = a * a
    >>> seen = []
    >>> backpropagate(b, 1.0, hook=lambda node, g: seen.append(g)); seen, a.grad
    ([1.0, 6.0], 6.0)
    """
    with collector_paused():
        if order is None:
            order = topological_order(root)
        for node in order:
            if node._prev:
                node.grad = 0.0  # intermediate: holds this call's gradient only
        root.grad += grad
        for node in reversed(order):  # children before parents
            if hook is None:
                grad_fn = node._grad_fn
                if grad_fn is not None:
                    grad_fn(node.grad)
            else:
                hook(node, node.grad)
                node._backward()
