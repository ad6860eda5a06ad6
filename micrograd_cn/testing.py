"""Hypothesis strategies for random expressions, to property-test gradients.

``expressions()`` draws expression trees such as ``tanh((x + y) * z)`` that can
be evaluated twice: as :class:`~micrograd_cn.engine.Value` graphs (to
backpropagate) and as plain floats (for finite differences).  Every op is kept
inside its smooth domain *by construction*, and the guard is part of the tree
you see in ``str(expr)``:

* ``log`` and ``x ** Value`` bases get ``softplus(a) + 0.5`` (>= 0.5);
* ``sqrt`` gets ``a * a + 1`` and ``/`` divides by ``softplus(b) + 0.5``;
* ``exp`` gets ``tanh(a)`` (no overflow), integer powers a ``tanh``'d base;
* ``relu``/``abs``/``leaky_relu`` have kinks at 0: use ``kink_distance(env)``
  with ``hypothesis.assume`` to stay away from them.

hypothesis is only imported when a strategy is built (``pip install
micrograd_cn[testing]``); the Expression class works without it.

>>> x, y, z = (Expression.variable(n) for n in "xyz")
>>> e = Expression("tanh", (Expression("*", (Expression("+", (x, y)), z)),))
>>> str(e), e.evaluate_float({"x": -2.0, "y": 5.0, "z": -4.0}) == math.tanh(-12.0)
('tanh((x + y) * z)', True)
"""

from __future__ import annotations

import math
import operator

from . import functional as F
from .engine import Value

__all__ = ["Expression", "expressions", "variable_values"]

CONSTANTS = (-2.0, -1.5, -0.5, 0.5, 1.0, 2.0, 3.0)


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logsumexp(a: float, b: float) -> float:
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


# op -> (float function, Value function); the float side is written independently.
_UNARY = {
    "tanh": (math.tanh, Value.tanh),
    "sigmoid": (_sigmoid, Value.sigmoid),
    "exp": (math.exp, Value.exp),
    "log": (math.log, Value.log),
    "sqrt": (math.sqrt, Value.sqrt),
    "softplus": (lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))), Value.softplus),
    "relu": (lambda x: x if x > 0.0 else 0.0, Value.relu),
    "abs": (abs, Value.abs),
    "leaky_relu": (lambda x: x if x > 0.0 else 0.01 * x, Value.leaky_relu),
    "elu": (lambda x: x if x > 0.0 else math.expm1(x), Value.elu),
}
_BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
_KINKED = ("relu", "abs", "leaky_relu")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "pow": 4}


class Expression:
    """A node of an expression tree: ``op`` with ``args`` (sub-Expressions).

    ``op`` is ``"var"`` (``value`` is the name), ``"const"`` (``value`` is the
    number), ``"neg"``, ``"pow"`` (``value`` is the number exponent), a binary
    operator ``+ - * / **``, ``"logsumexp"`` (two args, via ``F.logsumexp``) or
    a Value method name (``tanh``, ``exp``, ...).
    """

    __slots__ = ("args", "op", "value")

    def __init__(self, op: str, args: tuple = (), value=None):
        self.op, self.args, self.value = op, tuple(args), value

    @classmethod
    def variable(cls, name: str) -> Expression:
        return cls("var", value=name)

    @classmethod
    def constant(cls, number: float) -> Expression:
        return cls("const", value=float(number))

    def _evaluate(self, env: dict, as_values: bool):
        op, args = self.op, [a._evaluate(env, as_values) for a in self.args]
        if op == "var":
            return env[self.value]
        if op == "const":
            return self.value
        if op == "neg":
            return -args[0]
        if op == "pow":
            return args[0] ** self.value
        if op in _BINARY:
            return _BINARY[op](*args)
        if op == "logsumexp":
            return F.logsumexp(args) if as_values else _logsumexp(*args)
        float_function, value_function = _UNARY[op]
        if not as_values:
            return float_function(args[0])
        x = args[0] if isinstance(args[0], Value) else Value(args[0])
        return value_function(x)

    def evaluate_value(self, env: dict[str, Value]) -> Value:
        """Build the Value graph (numbers in ``env`` or in the tree become constants).

        >>> e = Expression("*", (Expression.variable("x"), Expression.constant(2.0)))
        >>> x = Value(3.0); out = e.evaluate_value({"x": x}); out.backward(); out.data, x.grad
        (6.0, 2.0)
        """
        out = self._evaluate(env, as_values=True)
        return out if isinstance(out, Value) else Value(out)

    def evaluate_float(self, env: dict[str, float]) -> float:
        """The same expression with plain floats and ``math`` (no Values involved)."""
        return float(self._evaluate(env, as_values=False))

    def nodes(self):
        """Every sub-expression, this one included (iterative, depth-first)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.args)

    def kink_distance(self, env: dict[str, float]) -> float:
        """Smallest |argument| of a relu/abs/leaky_relu node (inf if there is none).

        Finite differences across a kink are meaningless; property tests
        ``assume(expr.kink_distance(env) > 1e-3)``.
        """
        kinks = [abs(n.args[0].evaluate_float(env)) for n in self.nodes() if n.op in _KINKED]
        return min(kinks, default=math.inf)

    def _operand(self, child: Expression, right: bool) -> str:
        mine, theirs = _PRECEDENCE[self.op], child._precedence()
        right_associative = self.op in ("**", "pow")
        needs = theirs < mine or (theirs == mine and right != right_associative)
        return f"({child})" if needs else str(child)

    def _precedence(self) -> int:
        if self.op == "const" and self.value < 0:
            return _PRECEDENCE["neg"]
        return _PRECEDENCE.get(self.op, 5)

    def __str__(self) -> str:
        op, args = self.op, self.args
        if op == "var":
            return str(self.value)
        if op == "const":
            return repr(self.value)
        if op == "neg":  # -(0.5) keeps "negate a constant" apart from the constant -0.5
            child = args[0]
            return f"-({child})" if child.op == "const" else "-" + self._operand(child, True)
        if op == "pow":
            return f"{self._operand(args[0], right=False)} ** {self.value!r}"
        if op in _BINARY:
            left, right = self._operand(args[0], False), self._operand(args[1], True)
            return f"{left} {op} {right}"
        return f"{op}({', '.join(str(a) for a in args)})"

    def __repr__(self) -> str:
        return f"Expression({str(self)!r})"


def _e(op, *args, value=None) -> Expression:
    return Expression(op, args, value)


def _positive(a: Expression) -> Expression:  # softplus(a) + 0.5 >= 0.5
    return _e("+", _e("softplus", a), Expression.constant(0.5))


# Each builder wraps its arguments so the op stays inside its smooth domain.
_UNARY_BUILDERS = (
    lambda a: _e("tanh", a),
    lambda a: _e("sigmoid", a),
    lambda a: _e("softplus", a),
    lambda a: _e("exp", _e("tanh", a)),
    lambda a: _e("log", _positive(a)),
    lambda a: _e("sqrt", _e("+", _e("*", a, a), Expression.constant(1.0))),
    lambda a: _e("relu", a),
    lambda a: _e("abs", a),
    lambda a: _e("leaky_relu", a),
    lambda a: _e("elu", a),
    lambda a: _e("neg", a),
    lambda a: _e("pow", _e("tanh", a), value=2),
    lambda a: _e("pow", _e("tanh", a), value=3),
    lambda a: _e("pow", _positive(a), value=-1.0),
    lambda a: _e("pow", _positive(a), value=0.5),
)
_BINARY_BUILDERS = (
    lambda a, b: _e("+", a, b),
    lambda a, b: _e("-", a, b),
    lambda a, b: _e("*", a, b),
    lambda a, b: _e("/", a, _positive(b)),
    lambda a, b: _e("**", _positive(a), _e("tanh", b)),
    lambda a, b: _e("logsumexp", a, b),
)


def _hypothesis_strategies():
    try:
        from hypothesis import strategies
    except ImportError:
        raise ImportError(
            "micrograd_cn.testing needs hypothesis: pip install micrograd_cn[testing]"
        ) from None
    return strategies


def _check_variables(variables) -> tuple[str, ...]:
    if isinstance(variables, str):
        raise TypeError("variables must be a sequence of names, e.g. ('x', 'y'), not one str")
    variables = tuple(variables)
    if not variables or not all(isinstance(v, str) and v.isidentifier() for v in variables):
        raise ValueError(
            f"variables must be a non-empty sequence of identifiers, got {variables!r}"
        )
    return variables


def expressions(variables=("x", "y", "z"), max_leaves: int = 12):
    """Strategy of :class:`Expression` trees over ``variables`` with at most ``max_leaves`` leaves.

    Leaves are variables or small constants (constants exercise the
    number-operand paths such as ``2.0 - x``).  Pair it with
    :func:`variable_values`.
    """
    st = _hypothesis_strategies()
    variables = _check_variables(variables)
    if isinstance(max_leaves, bool) or not isinstance(max_leaves, int) or max_leaves < 1:
        raise ValueError(f"max_leaves must be an int >= 1, got {max_leaves!r}")
    leaves = st.one_of(
        st.sampled_from(variables).map(Expression.variable),
        st.sampled_from(CONSTANTS).map(Expression.constant),
    )

    def extend(children):
        unary = st.tuples(st.sampled_from(_UNARY_BUILDERS), children)
        binary = st.tuples(st.sampled_from(_BINARY_BUILDERS), children, children)
        return st.one_of(
            unary.map(lambda t: t[0](t[1])),
            binary.map(lambda t: t[0](t[1], t[2])),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def variable_values(variables=("x", "y", "z"), min_value: float = -3.0, max_value: float = 3.0):
    """Strategy of ``{name: float}`` with every value in [min_value, max_value]."""
    st = _hypothesis_strategies()
    variables = _check_variables(variables)
    if not min_value <= max_value:
        raise ValueError(f"min_value {min_value!r} must be <= max_value {max_value!r}")
    number = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return st.fixed_dictionaries({name: number for name in variables})
