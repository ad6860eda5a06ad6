"""Reading a learner's expression text into a Value graph without executing anything.

``micrograd-cn draw`` uses :func:`parse_expression` and :func:`parse_assignments`:
the text goes through :mod:`ast` and a whitelist (numbers, names, ``+ - * / **``,
a few functions, written ``tanh(x)`` or as methods ``x.tanh()``), so nothing
the user types is ever evaluated by Python.  Fullwidth characters that a Chinese
input method produces (``ｘ＊（ｙ＋１）``, ``ｘ＝３``) are read as their ASCII forms.

>>> f = parse_expression("(x + y) * z", {"x": -2, "y": 5, "z": -4})
>>> f.backward(); f.data, f._prev[0]._prev[0].label, f._prev[0]._prev[0].grad
(-12.0, 'x', -4.0)
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import unicodedata
from collections.abc import Mapping

from .engine import Value, no_grad
from .ops import OPS, Op

__all__ = ["ExpressionError", "normalize_text", "parse_assignments", "parse_expression"]

MAX_EXPRESSION_LENGTH = 2000


def _callable_rows() -> dict[str, Op]:
    """The functions an expression may call, read from the op table: every op that takes
    Values one by one (or as ``f(a, b, ...)``) and returns one Value, by the name a learner
    calls (``tanh``, ``maximum``) and by its node's name when that differs (``max``)."""
    found = {}
    for row in OPS.values():
        if row.function:
            for name in (row.function, row.op):
                if name.isidentifier():
                    found.setdefault(name, row)
    return found


FUNCTIONS = _callable_rows()
ALLOWED_FUNCTIONS = tuple(FUNCTIONS)
#: x.tanh(), x.leaky_relu(0.1): the ops that are Value methods
METHODS = tuple(n for n, r in FUNCTIONS.items() if f"Value.{n}" in r.implementation.split(", "))
BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
# U+FF01..U+FF5E are the fullwidth forms of ASCII 0x21..0x7E; U+3000 is the ideographic space
_FULLWIDTH = {0xFF01 + k: 0x21 + k for k in range(0x5E)} | {0x3000: 0x20}


class ExpressionError(ValueError):
    """The expression text is not one the whitelist allows (the message says what)."""


def normalize_text(text: str) -> str:
    """Fullwidth ASCII (what a Chinese input method types) -> ASCII; nothing else changes.

    Names are then NFKC-normalised as Python itself does for identifiers.

    >>> normalize_text("ｔａｎｈ（ｘ）＊２")
    'tanh(x)*2'
    """
    return text.translate(_FULLWIDTH)


def parse_expression(text: str, values: Mapping[str, float | Value]) -> Value:
    """Build the Value graph of ``text`` (Python syntax) without executing anything.

    Allowed: numbers, variable names from ``values`` (numbers become Values
    labelled with their name; each name is one node however often it appears),
    ``+ - * / **``, unary ``-``/``+``, parentheses and calls of the op table's
    functions (:data:`ALLOWED_FUNCTIONS`: ``tanh(x)``, ``leaky_relu(x, 0.1)``,
    ``max(a, b)``, ``sum(a, b, c)`` …; the Value methods also as ``x.tanh()``).
    Anything else raises
    :class:`ExpressionError`, and so does a number or a result that is not
    finite (``1e400``, ``x * y`` overflowing to inf); math domain errors
    (``log(0)``) raise the engine's ValueError / ZeroDivisionError / OverflowError.

    >>> parse_expression("x.tanh() ** 2 - 1", {"x": 0.5}).data == math.tanh(0.5) ** 2 - 1
    True
    >>> parse_expression("x.data", {"x": 1})
    Traceback (most recent call last):
    ...
    micrograd_cn.expr.ExpressionError: attribute access is not allowed: 'x.data'
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} > {MAX_EXPRESSION_LENGTH})")
    text = normalize_text(text).strip()
    if not text:
        raise ExpressionError('the expression is empty (e.g. "(x + y) * z")')
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        detail = f"{error.msg}{where}"
        if error.msg.startswith("invalid decimal literal"):  # 2x
            detail += "; a product is written with *, e.g. 2*x"
        raise ExpressionError(f"invalid expression syntax ({detail}): {text!r}") from None
    except (ValueError, RecursionError, MemoryError) as error:  # huge literals, deep nesting
        raise ExpressionError(f"expression cannot be read: {error}") from None
    variables = {}
    for name, value in values.items():
        name = unicodedata.normalize("NFKC", name)  # as Python's parser reads the expression
        variables[name] = value if isinstance(value, Value) else Value(value, label=name)
    try:
        result = _Evaluator(text, variables).visit(tree.body)
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    return result if isinstance(result, Value) else Value(result)


class _Evaluator:
    def __init__(self, text: str, variables: dict[str, Value]):
        self.text, self.variables = text, variables

    def segment(self, node) -> str:
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def visit(self, node):
        result = self.build(node)
        data = result.data if isinstance(result, Value) else result
        if not math.isfinite(data):  # inf or nan: nothing sensible to draw or differentiate
            raise ExpressionError(f"{self.segment(node)[:60]!r} is {data}, not a finite number")
        return result

    def build(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only real numbers are allowed, got {node.value!r}")
            try:
                number = float(node.value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):  # 1e400 reads as inf: refuse it as x=1e400 is
                shown = self.segment(node)[:40]
                raise ExpressionError(f"number too large: {shown} (overflows to inf)")
            return number
        if isinstance(node, ast.Name):
            if node.id not in self.variables:
                raise ExpressionError(f"unknown variable {node.id!r} (give it as {node.id}=VALUE)")
            return self.variables[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
            left, right = self.visit(node.left), self.visit(node.right)
            return _constant_safe(BINARY_OPS[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ExpressionError(self.refusal(node))

    def refusal(self, node) -> str:
        segment = self.segment(node)
        if isinstance(node, ast.Attribute):
            return f"attribute access is not allowed: {segment!r}"
        if isinstance(node, ast.Lambda):
            return f"lambda is not allowed: {segment!r}"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            return f"operator not allowed: {segment!r} (a power is written **, e.g. x**2)"
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            return f"operator not allowed (use + - * / **): {segment!r}"
        return f"not allowed in an expression ({type(node).__name__}): {segment!r}"

    def call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            name, receiver = func.attr, [func.value]  # x.tanh() is tanh(x)
        elif isinstance(func, ast.Attribute) and func.attr in ALLOWED_FUNCTIONS:
            name = func.attr
            raise ExpressionError(f"{name} is a function, not a method: write {name}(a, b)")
        elif isinstance(func, ast.Name) and func.id in ALLOWED_FUNCTIONS:
            name, receiver = func.id, []
        else:
            allowed = ", ".join(ALLOWED_FUNCTIONS)
            raise ExpressionError(
                f"function {self.segment(func)!r} is not allowed (allowed: {allowed}; "
                f"or as a method: x.tanh())"
            )
        shown = f".{name}()" if receiver else f"{name}()"
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{shown} takes plain positional arguments only")
        row = FUNCTIONS[name]
        inputs = len(row.inputs)
        if row.nary and inputs > 1:  # dot([w1, w2], [x1, x2], b): lists, the last optional
            return self.lists_call(row, shown, node.args)
        args = [self.visit(a) for a in receiver + node.args]
        count = len(args)
        if row.nary and count >= 1:
            return row.apply([args])
        if count == inputs or (row.params and count == inputs + 1):
            values, numbers = args[:inputs], args[inputs:]
            if any(isinstance(n, Value) for n in numbers):
                raise ExpressionError(f"{shown}: {row.params[0].name} must be a number")
            return row.apply(values, _params(row, numbers))  # apply wraps numbers: tanh(2)
        expected = "at least 1" if row.nary else str(inputs)
        if row.params and not row.nary:  # sum's c is folded from its numbers, never passed
            expected = f"{inputs} or {inputs + 1}"
        if receiver:  # the receiver is not counted: x.tanh(y) has one argument too many
            count -= 1
            expected = "0 or 1" if row.params else "no"
        raise ExpressionError(f"{shown} takes {expected} argument(s), got {count}")

    def lists_call(self, row: Op, shown: str, nodes: list):
        """A call whose inputs are lists (``dot``): every input but the last is a list."""
        lists = len(row.inputs) - 1
        if len(nodes) not in (lists, lists + 1) or not all(
            isinstance(n, ast.List) for n in nodes[:lists]
        ):
            raise ExpressionError(
                f"{shown} takes {lists} lists and an optional value, "
                "e.g. dot([w1, w2], [x1, x2], b)"
            )
        args = [[self.visit(e) for e in n.elts] for n in nodes[:lists]]
        return row.apply([*args, *(self.visit(n) for n in nodes[lists:])])


def _params(row: Op, numbers: list) -> dict:
    return {p.name: n for p, n in zip(row.params, numbers)}


def _constant_safe(op, left, right):
    """Two numbers are folded with the engine's checks (0 ** -1, overflow, complex results)."""
    if isinstance(left, Value) or isinstance(right, Value):
        return op(left, right)
    with no_grad():
        return op(Value(left), right).data


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=-2", "y=5"]`` -> ``{"x": -2.0, "y": 5.0}``; finite numbers only.

    Names are read as Python reads them in the expression (NFKC, so ``ｘ`` is ``x``),
    and fullwidth ``＝`` / digits / ``－`` are accepted.

    >>> parse_assignments(["ｘ＝－３", "y=1e3"])
    {'x': -3.0, 'y': 1000.0}
    """
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = normalize_text(item).partition("=")
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep:
            raise ExpressionError(f"expected name=value, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"bad variable name {name!r} in {item!r}")
        if name in values:
            raise ExpressionError(f"variable {name!r} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"bad number for {name}: {number!r}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{name} must be a finite number, got {number!r}")
        values[name] = value
    return values
