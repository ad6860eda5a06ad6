"""The scalar autodiff engine: :class:`Value`, its operations, ``backward`` and ``no_grad``.

Every operation is one method with the same shape as micrograd's: compute the
result, define its ``_backward(g)`` right below (``g`` is the gradient arriving
at the result), and attach it; it is stored as ``node._grad_fn``.  ``node._backward()``
is micrograd's manual step that calls it with ``node.grad`` (see :attr:`Value._backward`).
Grad mode and the topological order live in :mod:`micrograd_cn.autograd`, number
checks in :mod:`micrograd_cn.real_numbers`.  Two rules keep it fast and memory-light:

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

import math

from .autograd import (
    GRAD_MODE,
    backpropagate,
    enable_grad,
    is_grad_enabled,
    is_lecture_style,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .real_numbers import (
    NumberLike,
    as_real,
    divisor,
    finite_parameter,
    is_real,
    power,
    power_slope,
    range_error,
)

__all__ = [
    "Value",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "topological_order",
    "as_real",
]


#: ``node._param`` of a node whose closure the engine did not make (a leaf, a node
#: built with ``Value(data, children, op)``, or one given a new ``_backward``): no op
#: row describes it (see :mod:`micrograd_cn.ops`).
NOT_RECORDED = type("NotRecorded", (), {"__repr__": lambda self: "NOT_RECORDED", "__slots__": ()})()


def make_node(data: float, parents: tuple, op: str, grad_fn, param=None) -> Value:
    """Create an operation's result; under ``no_grad`` it is a bare leaf.

    ``grad_fn(g)`` is the op's local-gradient closure (it captures the parents,
    never the result).  ``param`` is the op's one argument that is not a Value,
    as its row in :mod:`micrograd_cn.ops` names it: the folded constant ``k`` of
    ``x * 2`` / ``x + 0.5`` / ``x ** 3``, leaky_relu's slope, elu's alpha, the
    numbers ``F.sum`` added up, or ``F.dot``'s arguments ``(ws, xs, bias)``; None
    when the op has none.  It is kept for
    the teaching layer, so nothing ever has to look inside a closure.
    """
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._param = param
    if _recording():
        out._prev = parents
        out._grad_fn = grad_fn
    else:
        out._prev = ()
        out._grad_fn = None
    return out


class Value(NumberLike):
    """A scalar that remembers how it was computed, so it can send gradients back.

    >>> a = Value(2.0, label="a")
    >>> a
    Value(data=2.0, grad=0.0, label='a')
    >>> Value("2")
    Traceback (most recent call last):
    ...
    TypeError: Value data must be a real number (int or float), got str

    It behaves like a number where that is harmless (``abs``, ``round``, format
    specs, ``< <= > >=`` compare ``data``), but ``==`` and ``hash`` are identity:
    nodes are dictionary and set keys in the graph algorithms, so two nodes that
    hold the same number are still two nodes.  Compare ``a.data == b.data``.

    >>> a, b = Value(1.0), Value(1.0)
    >>> a == b, a == a, a <= b, a < 2, round(Value(2.71828), 2)
    (False, True, True, True, 2.72)
    """

    # "__dict__" lets code keep its own attributes on a Value (``v._vis_color``,
    # an optimiser's ``p.m``); the dict is created only when first used.
    __slots__ = ("data", "grad", "label", "_prev", "_op", "_grad_fn", "_param", "__dict__")

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = as_real(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._prev = _checked_children(_children) if _children else ()
        self._op = _op
        self._grad_fn = None
        self._param = NOT_RECORDED

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
        elif is_lecture_style(function):
            self._grad_fn = lambda g: function()  # it reads out.grad itself
        else:
            self._grad_fn = function
        self._param = NOT_RECORDED  # the op's row no longer describes this closure

    def _send_grad(self, g=None):
        grad_fn = self._grad_fn
        if grad_fn is not None:
            grad_fn(self.grad if g is None else g)

    # ------------------------------------------------------------------ primitives
    def __add__(self, other):
        if isinstance(other, Value):
            out_data = self.data + other.data
            # The closure captures the parents as one tuple, the node's _prev: one cell
            # instead of two, so a node is five GC-tracked objects, not six.
            parents = (self, other)

            def _backward(g):
                x, y = parents
                x.grad += g
                y.grad += g

            return make_node(out_data, parents, "+", _backward)
        if type(other) is not float:
            if not is_real(other):
                return NotImplemented
            other = as_real(other, "constant")  # numpy scalars would compute in their own dtype
        out_data = self.data + other

        def _backward(g):
            self.grad += g

        return make_node(out_data, (self,), "+", _backward, other)

    def __mul__(self, other):
        if isinstance(other, Value):
            out_data = self.data * other.data
            parents = (self, other)  # one cell, as in __add__

            def _backward(g):
                x, y = parents
                x.grad += y.data * g
                y.grad += x.data * g

            return make_node(out_data, parents, "*", _backward)
        if type(other) is not float and not is_real(other):
            return NotImplemented
        k = as_real(other, "constant")
        out_data = self.data * k

        def _backward(g):
            self.grad += k * g

        return make_node(out_data, (self,), "*", _backward, k)

    def __pow__(self, other):
        if isinstance(other, Value):
            return self._pow_value(other)
        k = as_real(other, "exponent")
        x = self.data
        out_data = power("**", x, k)

        def _backward(g):
            self.grad += power_slope(x, k) * g

        return make_node(out_data, (self,), "**", _backward, k)

    def _pow_value(self, other):
        a, b = self.data, other.data
        out_data = power("**", a, b)

        def _backward(g):
            # d(a**b)/db = a**b * ln a  (0 at a == 0, the limit for b > 0; nan for a < 0)
            self.grad += power_slope(a, b) * g
            other.grad += out_data * math.log(a) * g if a > 0.0 else (0.0 if a == 0.0 else math.nan)

        return make_node(out_data, (self, other), "**", _backward)

    def exp(self):
        try:
            out_data = math.exp(self.data)
        except OverflowError as error:
            raise range_error("exp", self.data, error) from None

        def _backward(g):
            self.grad += out_data * g

        return make_node(out_data, (self,), "exp", _backward)

    def log(self):
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: input must be > 0, got {x!r}")
        out_data = math.log(x)

        def _backward(g):
            self.grad += g / x

        return make_node(out_data, (self,), "log", _backward)

    def sqrt(self):
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
        out_data = math.sqrt(x)

        def _backward(g):
            self.grad += 0.5 / out_data * g if out_data else math.inf * g

        return make_node(out_data, (self,), "sqrt", _backward)

    def tanh(self):
        out_data = math.tanh(self.data)

        def _backward(g):
            self.grad += (1.0 - out_data * out_data) * g

        return make_node(out_data, (self,), "tanh", _backward)

    def sin(self):
        x = self.data
        out_data = math.sin(x)

        def _backward(g):
            self.grad += math.cos(x) * g

        return make_node(out_data, (self,), "sin", _backward)

    def cos(self):
        x = self.data
        out_data = math.cos(x)

        def _backward(g):
            self.grad -= math.sin(x) * g

        return make_node(out_data, (self,), "cos", _backward)

    def sigmoid(self):
        x = self.data
        if x >= 0.0:
            out_data = 1.0 / (1.0 + math.exp(-x))
        else:  # exp(-x) would overflow for very negative x
            e = math.exp(x)
            out_data = e / (1.0 + e)

        def _backward(g):
            self.grad += out_data * (1.0 - out_data) * g

        return make_node(out_data, (self,), "sigmoid", _backward)

    def relu(self):
        x = self.data
        out_data = 0.0 if x <= 0.0 else x  # NaN stays NaN, as in PyTorch

        def _backward(g):
            # kink: the gradient at exactly 0 is 0 (PyTorch and micrograd agree);
            # at NaN the gradient passes through, as in PyTorch
            if not x <= 0.0:
                self.grad += g

        return make_node(out_data, (self,), "relu", _backward)

    def leaky_relu(self, slope=0.01):
        slope = finite_parameter(slope, "leaky_relu slope")
        x = self.data
        out_data = x if x > 0.0 else slope * x

        def _backward(g):
            self.grad += g if x > 0.0 else slope * g

        return make_node(out_data, (self,), "leaky_relu", _backward, slope)

    def elu(self, alpha=1.0):
        alpha = finite_parameter(alpha, "elu alpha")
        x = self.data
        out_data = x if x > 0.0 else alpha * math.expm1(x)

        def _backward(g):
            # output form (《反向传播算法》): y + alpha below zero
            self.grad += g if x > 0.0 else (out_data + alpha) * g

        return make_node(out_data, (self,), "elu", _backward, alpha)

    def softplus(self):
        x = self.data
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows
        out_data = max(x, 0.0) + math.log1p(math.exp(-abs(x)))

        def _backward(g):
            # d softplus / dx = sigmoid(x) = 1 - e^-softplus(x)
            self.grad += -math.expm1(-out_data) * g

        return make_node(out_data, (self,), "softplus", _backward)

    def abs(self):
        x = self.data
        out_data = abs(x)

        def _backward(g):
            # kink: sign(0) = 0, as in PyTorch
            if x > 0.0:
                self.grad += g
            elif x < 0.0:
                self.grad -= g

        return make_node(out_data, (self,), "abs", _backward)

    # ------------------------------------------------------------------ derived ops
    def __neg__(self):  # -a = a * -1
        return self * -1.0

    def __radd__(self, other):  # b + a = a + b; "abc" + a names str first, as Python does
        return self.__add__(other)

    def __sub__(self, other):  # a - b = a + (-b)
        if not isinstance(other, Value):
            return self + -other if is_real(other) else NotImplemented
        return self + (-other)

    def __rsub__(self, other):  # b - a = (-a) + b
        return (-self) + other if is_real(other) else NotImplemented

    def __rmul__(self, other):  # b * a = a * b
        return self.__mul__(other)

    def __truediv__(self, other):  # a / b = a * b**-1
        if not isinstance(other, Value):
            if not is_real(other):
                return NotImplemented
            return self * (1.0 / divisor(other))
        divisor(other.data)
        return self * other**-1

    def __rtruediv__(self, other):  # b / a = b * a**-1
        if not is_real(other):
            return NotImplemented
        divisor(self.data)
        return self**-1 * other

    def __rpow__(self, other):  # b ** a with a Value exponent
        return Value(as_real(other, "base")) ** self

    def __pos__(self):
        return self

    def __abs__(self):  # abs(a) = a.abs(), with its gradient
        return self.abs()

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
        backpropagate(self, as_real(grad, "backward grad"))  # the loop: micrograd_cn.autograd

    def zero_grad(self):
        """Reset ``grad`` to 0 on this node and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


_new_value = object.__new__
# The grad-mode read every op makes, bound once: looking up ``GRAD_MODE.get`` per op
# cost about a tenth of a binary op (a * b: 690 -> 620 ns with the collector off).
_recording = GRAD_MODE.get


def _checked_children(children) -> tuple:
    """The children of a hand-built node as a tuple, each one a Value.

    Only ``Value(data, children, op)`` comes here (ops build nodes with ``_node``):
    a number where a child belongs, the lecture's slip, is named where it is made,
    not deep inside a later ``backward()``.
    """
    try:
        children = tuple(children)
    except TypeError:  # Value(2.0, a, "neg"): one Value, a number, ...
        kind = type(children).__name__
        raise TypeError(f"Value children must be a tuple of Values, got {kind}") from None
    for position, child in enumerate(children):
        if not isinstance(child, Value):
            shown = repr(child)
            shown = shown if len(shown) <= 40 else f"{shown[:39]}…"
            raise TypeError(
                f"Value children must be Values: child {position} is "
                f"{type(child).__name__} ({shown})"
            )
    return children
