"""The scalar autodiff engine: :class:`Value`, its operations, ``backward`` and ``no_grad``.

Every operation is one method with the same shape as micrograd's: compute the
result, define its ``_backward(g)`` right below (``g`` is the gradient arriving
at the result), and attach it.  Two rules keep it fast and memory-light:

* the closure captures the *parents*, never the result, so a graph has no
  reference cycles and is freed by reference counting the moment it is dropped;
* constants (plain numbers) are folded into the closure instead of becoming
  graph nodes, as in PyTorch.

>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> f = (x + y) * z
>>> f.backward()
>>> f.data, x.grad, y.grad, z.grad
(-12.0, -4.0, -4.0, 3.0)
"""

from __future__ import annotations

import functools
import gc
import math
from numbers import Real

__all__ = ["Value", "no_grad", "is_grad_enabled", "topological_order", "as_real"]

_grad_enabled = True


class no_grad:
    """Context manager (and decorator) that stops recording the graph.

    Inside it every operation returns a plain leaf ``Value``: no parents, no
    closure.  Use it for evaluation and for optimiser updates, as in PyTorch.

    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.data, b._prev, b._grad_fn
    (9.0, (), None)
    """

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return wrapper


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block."""
    return _grad_enabled


def as_real(x, what: str = "value") -> float:
    """Convert a real number (int, float, numpy scalar, Fraction) to float.

    bool, str, None, complex and containers are rejected with a TypeError that
    names the type, because silently turning ``True`` into ``1.0`` hides bugs.

    >>> as_real(3)
    3.0
    >>> as_real(True)
    Traceback (most recent call last):
    ...
    TypeError: value must be a real number (int or float), got bool
    """
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}")
    return float(x)


def _node(data: float, parents: tuple, op: str, grad_fn, const=None) -> Value:
    """Create an operation's result; under ``no_grad`` it is a bare leaf.

    ``grad_fn(g)`` is the op's local-gradient closure (it captures the parents,
    never the result); ``const`` is the number folded into the op (``x * 2`` ->
    2.0, ``x ** 3`` -> 3.0, leaky_relu's slope, elu's alpha), kept for the
    teaching layer so it never has to look inside a closure.
    """
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._const = const
    if _grad_enabled:
        out._prev = parents
        out._grad_fn = grad_fn
    else:
        out._prev = ()
        out._grad_fn = None
    return out


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


def _range_error(op: str, x: float, error: OverflowError) -> OverflowError:
    return OverflowError(f"{op}: result out of range for input {x!r} ({error})")


class Value:
    """A scalar that remembers how it was computed, so it can send gradients back.

    >>> a = Value(2.0, label="a")
    >>> a
    Value(data=2.0, grad=0.0, label='a')
    >>> Value("2")
    Traceback (most recent call last):
    ...
    TypeError: Value data must be a real number (int or float), got str
    """

    # "__dict__" lets code keep its own attributes on a Value (``v._vis_color``,
    # an optimiser's ``p.m``); the dict is created only when first used.
    __slots__ = ("data", "grad", "label", "_prev", "_op", "_grad_fn", "_const", "__dict__")

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = as_real(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._grad_fn = None
        self._const = None

    # ------------------------------------------------------------------ _backward
    @property
    def _backward(self):
        """micrograd's ``node._backward``: call it to send ``node.grad`` to the parents once.

        The lecture steps a graph by hand this way (``o.grad = 1.0; o._backward()``
        …).  On a leaf it does nothing.  ``node._backward(g)`` sends ``g`` instead.
        Assigning a closure works too: a zero-argument one written the lecture's
        way (reading ``out.grad``) or one taking the upstream gradient ``g``.

        >>> a = Value(3.0); b = Value(4.0); c = a * b
        >>> c.grad = 1.0; c._backward(); a.grad, b.grad
        (4.0, 3.0)
        >>> a._backward()   # a leaf: nothing to send
        """
        return self._send_grad

    @_backward.setter
    def _backward(self, function):
        if function is None:
            self._grad_fn = None
        elif not callable(function):
            raise TypeError(f"_backward must be callable, got {type(function).__name__}")
        elif _lecture_style(function):
            self._grad_fn = lambda g: function()  # it reads out.grad itself
        else:
            self._grad_fn = function

    def _send_grad(self, g=None):
        grad_fn = self._grad_fn
        if grad_fn is not None:
            grad_fn(self.grad if g is None else g)

    # ------------------------------------------------------------------ primitives
    def __add__(self, other):
        if isinstance(other, Value):
            out_data = self.data + other.data

            def _backward(g):
                self.grad += g
                other.grad += g

            return _node(out_data, (self, other), "+", _backward)
        if type(other) is not float:
            if isinstance(other, bool) or not isinstance(other, Real):
                return NotImplemented
            other = float(other)  # numpy scalars would otherwise compute in their own dtype
        out_data = self.data + other

        def _backward(g):
            self.grad += g

        return _node(out_data, (self,), "+", _backward, other)

    def __mul__(self, other):
        if isinstance(other, Value):
            out_data = self.data * other.data

            def _backward(g):
                self.grad += other.data * g
                other.grad += self.data * g

            return _node(out_data, (self, other), "*", _backward)
        if type(other) is not float and (isinstance(other, bool) or not isinstance(other, Real)):
            return NotImplemented
        k = float(other)
        out_data = self.data * k

        def _backward(g):
            self.grad += k * g

        return _node(out_data, (self,), "*", _backward, k)

    def __pow__(self, other):
        if isinstance(other, Value):
            return self._pow_value(other)
        k = as_real(other, "exponent")
        x = self.data
        out_data = _power("**", x, k)

        def _backward(g):
            self.grad += _power_slope(x, k) * g

        return _node(out_data, (self,), "**", _backward, k)

    def _pow_value(self, other):
        a, b = self.data, other.data
        out_data = _power("**", a, b)

        def _backward(g):
            # d(a**b)/db = a**b * ln a  (0 at a == 0, the limit for b > 0; nan for a < 0)
            self.grad += _power_slope(a, b) * g
            other.grad += out_data * math.log(a) * g if a > 0.0 else (0.0 if a == 0.0 else math.nan)

        return _node(out_data, (self, other), "**", _backward)

    def exp(self):
        try:
            out_data = math.exp(self.data)
        except OverflowError as error:
            raise _range_error("exp", self.data, error) from None

        def _backward(g):
            self.grad += out_data * g

        return _node(out_data, (self,), "exp", _backward)

    def log(self):
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: input must be > 0, got {x!r}")
        out_data = math.log(x)

        def _backward(g):
            self.grad += g / x

        return _node(out_data, (self,), "log", _backward)

    def sqrt(self):
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
        out_data = math.sqrt(x)

        def _backward(g):
            self.grad += 0.5 / out_data * g if out_data else math.inf * g

        return _node(out_data, (self,), "sqrt", _backward)

    def tanh(self):
        out_data = math.tanh(self.data)

        def _backward(g):
            self.grad += (1.0 - out_data * out_data) * g

        return _node(out_data, (self,), "tanh", _backward)

    def sigmoid(self):
        x = self.data
        if x >= 0.0:
            out_data = 1.0 / (1.0 + math.exp(-x))
        else:  # exp(-x) would overflow for very negative x
            e = math.exp(x)
            out_data = e / (1.0 + e)

        def _backward(g):
            self.grad += out_data * (1.0 - out_data) * g

        return _node(out_data, (self,), "sigmoid", _backward)

    def relu(self):
        out_data = self.data if self.data > 0.0 else 0.0

        def _backward(g):
            # kink: the gradient at exactly 0 is 0 (PyTorch and micrograd agree)
            if out_data > 0.0:
                self.grad += g

        return _node(out_data, (self,), "relu", _backward)

    def leaky_relu(self, slope=0.01):
        slope = as_real(slope, "leaky_relu slope")
        x = self.data
        out_data = x if x > 0.0 else slope * x

        def _backward(g):
            self.grad += g if x > 0.0 else slope * g

        return _node(out_data, (self,), "leaky_relu", _backward, slope)

    def elu(self, alpha=1.0):
        alpha = as_real(alpha, "elu alpha")
        x = self.data
        out_data = x if x > 0.0 else alpha * math.expm1(x)

        def _backward(g):
            # output form (seed 003): y + alpha below zero
            self.grad += g if x > 0.0 else (out_data + alpha) * g

        return _node(out_data, (self,), "elu", _backward, alpha)

    def softplus(self):
        x = self.data
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows
        out_data = max(x, 0.0) + math.log1p(math.exp(-abs(x)))

        def _backward(g):
            # d softplus / dx = sigmoid(x) = 1 - e^-softplus(x)
            self.grad += -math.expm1(-out_data) * g

        return _node(out_data, (self,), "softplus", _backward)

    def abs(self):
        x = self.data
        out_data = abs(x)

        def _backward(g):
            # kink: sign(0) = 0, as in PyTorch
            if x > 0.0:
                self.grad += g
            elif x < 0.0:
                self.grad -= g

        return _node(out_data, (self,), "abs", _backward)

    # ------------------------------------------------------------------ derived ops
    def __neg__(self):  # -a = a * -1
        return self * -1.0

    def __radd__(self, other):  # b + a = a + b
        return self + other

    def __sub__(self, other):  # a - b = a + (-b)
        if not isinstance(other, Value):
            return self + -other if _is_real(other) else NotImplemented
        return self + (-other)

    def __rsub__(self, other):  # b - a = (-a) + b
        return (-self) + other if _is_real(other) else NotImplemented

    def __rmul__(self, other):  # b * a = a * b
        return self * other

    def __truediv__(self, other):  # a / b = a * b**-1
        if not isinstance(other, Value):
            if not _is_real(other):
                return NotImplemented
            return self * (1.0 / _divisor(other))
        _divisor(other.data)
        return self * other**-1

    def __rtruediv__(self, other):  # b / a = b * a**-1
        if not _is_real(other):
            return NotImplemented
        _divisor(self.data)
        return self**-1 * other

    def __rpow__(self, other):  # b ** a with a Value exponent
        return Value(as_real(other, "base")) ** self

    def __pos__(self):
        return self

    # ------------------------------------------------------------------ conveniences
    def __float__(self):
        return self.data

    def item(self) -> float:
        """The plain float, as ``torch.Tensor.item()``."""
        return self.data

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters (no parents), as in PyTorch."""
        return not self._prev

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def backward(self, grad=1.0):
        """Send ``grad`` (d root / d root) back through the graph.

        Intermediate nodes get this call's gradient; leaves accumulate with
        ``+=`` (mini-batches), as in PyTorch.  The order is computed without
        recursion, so a million-node chain works at the default recursion limit.

        >>> a = Value(3.0); b = a * a
        >>> b.backward(); b.backward(); a.grad   # leaves accumulate: 6 + 6
        12.0
        """
        grad = as_real(grad, "backward grad")
        # Our graphs have no reference cycles, so the cyclic collector has nothing to
        # find here; pausing it stops it rescanning the live graph mid-pass.  The
        # caller's setting is restored, even on error (it is never switched on if off).
        collector_was_on = gc.isenabled()
        gc.disable()
        try:
            order = topological_order(self)
            for node in order:
                if node._prev:
                    node.grad = 0.0  # intermediate: holds this call's gradient only
            self.grad += grad
            for node in reversed(order):  # children before parents
                grad_fn = node._grad_fn
                if grad_fn is not None:
                    grad_fn(node.grad)
        finally:
            if collector_was_on:
                gc.enable()

    def zero_grad(self):
        """Reset ``grad`` to 0 on this node and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


_new_value = object.__new__


def _is_real(x) -> bool:
    return type(x) is float or (isinstance(x, Real) and not isinstance(x, bool))


def _divisor(b) -> float:
    b = as_real(b, "divisor")
    if b == 0.0:
        raise ZeroDivisionError("/: division by zero (divisor is 0.0)")
    return b


def _power(op: str, a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{op}: 0.0 cannot be raised to a negative power ({b!r})")
    try:
        result = a**b
    except OverflowError as error:
        raise OverflowError(f"{op}: result out of range for {a!r} ** {b!r} ({error})") from None
    if isinstance(result, complex):
        raise ValueError(f"{op}: negative base {a!r} with non-integer exponent {b!r}")
    return result


def _power_slope(a: float, b: float) -> float:
    """d(a**b)/da = b * a**(b-1); +-inf where that blows up (a == 0, b < 1), as in PyTorch."""
    if b == 0.0:
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except (ZeroDivisionError, OverflowError):
        return math.copysign(math.inf, b)


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children (iterative DFS).

    >>> a = Value(1.0, label="a"); b = a + 1; c = b * a
    >>> [v.label or v._op for v in topological_order(c)]
    ['a', '+', '*']
    """
    order = []
    visited = {root}
    stack = [(root, iter(root._prev))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._prev)))
                break
        else:
            stack.pop()
            order.append(node)
    return order
