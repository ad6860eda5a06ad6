"""Hypothesis strategies for random expressions, to property-test gradients.

``expressions()`` draws expression trees such as ``tanh((x + y) * z)`` over
every op of the op table (:data:`micrograd_cn.ops.OPS`), evaluated as
:class:`~micrograd_cn.engine.Value` graphs to backpropagate through.  Every op
is kept inside the interval its row gives for each input (``row.sample``) *by
construction*, and the guard is part of the tree you see in ``str(expr)``:

* an input bounded on one side gets ``softplus(a) + c`` (``log``: c = 0.5);
* an input bounded on both sides gets ``tanh(a) * h + m`` (``exp``: ``tanh(a) * 2.7``);
* an op with a kink (``relu``, ``abs``, ``maximum`` …; the row's ``kink``) is
  not guarded: use ``kink_distance(env)`` with ``hypothesis.assume`` to stay
  away from it.

A new row in the op table is drawn with no change here.  hypothesis is only
imported when a strategy is built (``pip install micrograd_cn[testing]``); the
Expression class works without it.

>>> x, y, z = (Expression.variable(n) for n in "xyz")
>>> e = Expression("tanh", (Expression("mul", (Expression("add", (x, y)), z)),))
>>> str(e), e.evaluate_float({"x": -2.0, "y": 5.0, "z": -4.0}) == math.tanh(-12.0)
('tanh((x + y) * z)', True)
"""

from __future__ import annotations

import ast
import functools
import math

from .engine import Value, no_grad
from .formula import evaluate
from .ops import OPS, Op

__all__ = ["Expression", "OpCase", "expressions", "guard", "op_cases", "variable_values"]

CONSTANTS = (-2.0, -1.5, -0.5, 0.5, 1.0, 2.0, 3.0)
#: Python's precedence of the operator forms (higher binds tighter); calls are atoms.
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.USub: 3, ast.UAdd: 3,
               ast.Pow: 4}  # fmt: skip
_ATOM = 5


@functools.cache
def _shape(row: Op) -> tuple:
    """How a row prints: ("call", name) or (ast node type, operand names in order)."""
    if row.function:
        return ("call", row.function)
    tree = ast.parse(row.form, mode="eval").body
    if isinstance(tree, ast.UnaryOp):
        return (type(tree.op), (tree.operand.id,))
    return (type(tree.op), (tree.left.id, tree.right.id))


def drawable(row: Op) -> bool:
    """True for the rows ``expressions()`` draws: every op that returns one Value."""
    return not row.form.endswith("]")  # softmax(xs)[i]: one element of the list it returns


class Expression:
    """A node of an expression tree: an op of the table with ``args`` (sub-Expressions).

    ``op`` is ``"var"`` (``value`` is the name), ``"const"`` (``value`` is the
    number) or a row name of :data:`~micrograd_cn.ops.OPS` (``"add"``,
    ``"tanh"``, ``"pow_const"`` …); ``value`` then holds the row's parameter
    (``x ** 2``: 2.0; None for the default).  An n-ary row takes its
    elements as ``args``; ``dot`` takes ``w1 … wm, x1 … xm, b``.
    """

    __slots__ = ("args", "op", "value")

    def __init__(self, op: str, args: tuple = (), value=None):
        if op not in ("var", "const") and op not in OPS:
            raise ValueError(f"unknown op {op!r}: not 'var', 'const' or a row of ops.OPS")
        self.op, self.args, self.value = op, tuple(args), value

    @classmethod
    def variable(cls, name: str) -> Expression:
        return cls("var", value=name)

    @classmethod
    def constant(cls, number: float) -> Expression:
        return cls("const", value=float(number))

    @property
    def row(self) -> Op | None:
        """The op table's row of this node (None for a variable or a constant)."""
        return OPS.get(self.op)

    def params(self) -> dict:
        """The row's parameters: name -> number (the value given, else the default)."""
        row = self.row
        if row is None or not row.params:
            return {}
        return {row.params[0].name: row.params[0].default if self.value is None else self.value}

    def _evaluate(self, env: dict):
        op = self.op
        if op == "var":
            return env[self.value]
        if op == "const":
            return self.value
        args = [a._evaluate(env) for a in self.args]
        row = OPS[op]
        if row.name == "dot":
            m = (len(args) - 1) // 2
            return row.apply([args[:m], args[m : 2 * m], args[-1]])
        return row.apply([args] if row.nary else args, self.params())

    def evaluate_value(self, env: dict[str, Value]) -> Value:
        """Build the Value graph (numbers in ``env`` or in the tree become constants).

        >>> e = Expression("mul", (Expression.variable("x"), Expression.constant(2.0)))
        >>> x = Value(3.0); out = e.evaluate_value({"x": x}); out.backward(); out.data, x.grad
        (6.0, 2.0)
        """
        out = self._evaluate(env)
        return out if isinstance(out, Value) else Value(out)

    def evaluate_float(self, env: dict[str, float]) -> float:
        """The expression's value for plain numbers: the engine's forward pass, no graph kept."""
        with no_grad():
            return self.evaluate_value({n: Value(v) for n, v in env.items()}).data

    def nodes(self):
        """Every sub-expression, this one included (iterative, depth-first)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.args)

    def kink_distance(self, env: dict[str, float]) -> float:
        """Smallest |kink formula| over the nodes whose row has a kink (inf if none).

        Finite differences across a kink are meaningless; property tests
        ``assume(expr.kink_distance(env) > 1e-3)``.
        """
        distances = []
        for node in self.nodes():
            row = node.row
            if row is not None and row.kink and not row.nary:
                numbers = {n: a.evaluate_float(env) for n, a in zip(row.inputs, node.args)}
                distances.append(abs(evaluate(row.kink, numbers | node.params())))
        return min(distances, default=math.inf)

    def _precedence(self) -> int:
        if self.op == "const":
            return _PRECEDENCE[ast.USub] if self.value < 0 else _ATOM
        row = self.row
        return _ATOM if row is None or row.function else _PRECEDENCE[_shape(row)[0]]

    def _operand(self, text: str, precedence: int, mine: int, kind, right: bool) -> str:
        right_associative = kind is ast.Pow
        needs = precedence < mine or (precedence == mine and right != right_associative)
        return f"({text})" if needs else text

    def __str__(self) -> str:
        op, args = self.op, self.args
        if op == "var":
            return str(self.value)
        if op == "const":
            return repr(self.value)
        row = OPS[op]
        texts = [str(a) for a in args]
        numbers = [repr(float(v)) for v in self.params().values()]
        if row.function:
            if row.name == "dot":
                m = (len(args) - 1) // 2
                return (
                    f"dot([{', '.join(texts[:m])}], [{', '.join(texts[m : 2 * m])}], {texts[-1]})"
                )
            shown = texts + (numbers if self.value is not None else [])
            return f"{row.function}({', '.join(shown)})"
        kind, names = _shape(row)
        mine = _PRECEDENCE[kind]
        operands, given = [], dict(zip(row.inputs, zip(texts, args)))
        for side, name in enumerate(names):
            if name in given:
                text, child = given[name]
                precedence = child._precedence()
            else:  # the row's parameter
                number = self.params()[name]
                text, precedence = repr(float(number)), (3 if number < 0 else _ATOM)
            right = side == 1 or len(names) == 1  # -(-x): a unary operand is on the right
            operands.append(self._operand(text, precedence, mine, kind, right=right))
        if len(operands) == 1:
            symbol, (operand,) = ("-" if kind is ast.USub else "+"), operands
            if args[0].op == "const" and not operand.startswith("("):
                operand = f"({operand})"  # -(0.5) keeps "negate a constant" apart from -0.5
            return symbol + operand
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[kind]
        return f"{operands[0]} {symbol} {operands[1]}"

    def __repr__(self) -> str:
        return f"Expression({str(self)!r})"


# ---------------------------------------------------------------- the strategy
def _e(op: str, *args, value=None) -> Expression:
    return Expression(op, args, value)


def guard(a: Expression, interval) -> Expression:
    """``a`` mapped into the open ``interval`` (low, high), a side None = unbounded.

    >>> a = Expression.variable("a")
    >>> [str(guard(a, i)) for i in [(None, None), (0.0, None), (None, 1.0), (-3.0, 3.0)]]
    ['a', 'softplus(a) + 0.5', '0.5 - softplus(a)', 'tanh(a) * 2.7']
    """
    low, high = interval
    if low is None and high is None:
        return a
    if high is None:
        return _e("add_const", _e("softplus", a), value=low + 0.5)
    if low is None:
        return _e("rsub", _e("softplus", a), value=high - 0.5)
    middle, half = (low + high) / 2, (high - low) / 2
    inside = _e("mul_const", _e("tanh", a), value=0.9 * half)  # tanh rounds to ±1.0 at |a| > 19
    return inside if middle == 0 else _e("add_const", inside, value=middle)


def _builders(row: Op) -> list[tuple[int, object]]:
    """(number of children, function children -> Expression) drawing ``row``, inputs guarded."""
    intervals = [row.interval(n) for n in row.inputs]
    if row.name == "dot":  # dot([a, c], [d, a], c): two terms and a bias
        w, x, b = intervals
        return [(3, lambda a, c, d: _e("dot", guard(a, w), guard(c, w), guard(d, x),
                                       guard(a, x), guard(c, b)))]  # fmt: skip
    if row.nary:  # two elements
        return [(2, lambda a, c: _e(row.name, guard(a, intervals[0]), guard(c, intervals[0])))]
    found = []
    for value in row.params[0].samples if row.params else (None,):

        def build(*children, value=value):
            guarded = [guard(c, i) for c, i in zip(children, intervals, strict=True)]
            return Expression(row.name, guarded, value)

        found.append((len(intervals), build))
    return found


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

    Every op of the op table that returns one Value can appear.  Leaves are
    variables or small constants (constants exercise the number-operand paths
    such as ``2.0 - x``).  Pair it with :func:`variable_values`.
    """
    st = _hypothesis_strategies()
    variables = _check_variables(variables)
    if isinstance(max_leaves, bool) or not isinstance(max_leaves, int) or max_leaves < 1:
        raise ValueError(f"max_leaves must be an int >= 1, got {max_leaves!r}")
    leaves = st.one_of(
        st.sampled_from(variables).map(Expression.variable),
        st.sampled_from(CONSTANTS).map(Expression.constant),
    )
    by_arity: dict[int, list] = {}
    for row in OPS.values():
        if drawable(row):
            for arity, build in _builders(row):
                by_arity.setdefault(arity, []).append(build)

    def extend(children):
        return st.one_of(
            [
                st.tuples(st.sampled_from(builds), *[children] * arity).map(lambda t: t[0](*t[1:]))
                for arity, builds in sorted(by_arity.items())
            ]
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


# ---------------------------------------------------------------- one op at a time
class OpCase:
    """One call of one row: its inputs by flat name (``x``, ``y``; an n-ary op's ``x1 x2
    x3``; dot's ``w1 w2 x1 x2 b``) and its parameters.  ``build(values)`` makes the node.

    >>> case = OpCase(OPS["mul_const"], {"x": 1.5}, {"k": 2.0})
    >>> case, case.build({"x": Value(1.5)}).data
    (OpCase('x * k', x=1.5, k=2.0), 3.0)
    """

    def __init__(self, row: Op, point: dict, params: dict):
        self.row, self.params = row, dict(params)
        self.point = {n: point[n] for n in _names(row)}  # in the row's order

    @property
    def names(self) -> list[str]:
        return list(self.point)

    def build(self, values: dict) -> Value:
        """The row applied to ``values`` (flat name -> Value or number); one Value out."""
        row, names = self.row, self.names
        if row.name == "dot":
            return row.apply([[values["w1"], values["w2"], 1.5],
                              [values["x1"], -0.5, values["x2"]], values["b"]])  # fmt: skip
        if row.nary:
            out = row.apply([[values[n] for n in names]], self.params)
            return out[0] if isinstance(out, list) else out  # softmax: element 0
        return row.apply([values[n] for n in row.inputs], self.params)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v!r}" for n, v in (self.point | self.params).items())
        return f"OpCase({self.row.form!r}, {shown})"


def _names(row: Op) -> list[str]:
    if row.name == "dot":
        return ["w1", "w2", "x1", "x2", "b"]
    if row.nary:
        return ["x1", "x2", "x3"]
    return list(row.inputs)


def _number_in(st, interval, spread: float):
    low, high = interval
    low = -spread if low is None else max(low, -spread)
    high = spread if high is None else min(high, spread)
    margin = (high - low) * 1e-3  # open interval
    return st.floats(low + margin, high - margin, allow_nan=False, allow_infinity=False)


def op_cases(row: Op, spread: float = 3.0, kink_margin: float = 1e-3):
    """Strategy of :class:`OpCase` for ``row``: inputs drawn from the row's intervals (cut
    to ±``spread``), parameters from their samples, inside ``row.domain``, at least
    ``kink_margin`` from the row's kink, n-ary inputs distinct (no ties)."""
    st = _hypothesis_strategies()
    names = _names(row)
    single = row.inputs[0] if len(row.inputs) == 1 else None
    numbers = {n: _number_in(st, row.interval(single or n.rstrip("0123456789")), spread)
               for n in names}  # fmt: skip
    params = {p.name: st.sampled_from(p.samples) for p in row.params if not p.folded}

    def fits(case: OpCase) -> bool:
        env = case.point | case.params
        if row.domain and not evaluate(row.domain, env):
            return False
        if row.kink and not row.nary and abs(evaluate(row.kink, env)) <= kink_margin:
            return False
        values = list(case.point.values())
        return len(set(values)) == len(values)  # no ties, no coinciding numbers

    cases = st.builds(lambda p, q: OpCase(row, p, q), st.fixed_dictionaries(numbers),
                      st.fixed_dictionaries(params))  # fmt: skip
    return cases.filter(fits)
