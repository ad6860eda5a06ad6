"""The little rule language the op table is written in: evaluate and print, never ``eval``.

A formula is restricted Python: numbers, names, ``+ - * / **``, unary minus,
calls of :data:`FUNCTIONS` (``exp log sqrt sin cos tanh sigmoid sign`` …),
comparisons, ``and``/``or`` and ``a if cond else b``.  :func:`evaluate` walks
a whitelist of syntax nodes (anything else is an error); :func:`render` prints
a formula the way a learner writes it, with their node names or with numbers.

>>> render("1 - out ** 2", {"out": "f"}), render("1 - out ** 2", {}, {"out": 0.5}, numeric=True)
('1 − f²', '1 − 0.5²')
>>> evaluate("1 - out ** 2", {"out": 0.5})
0.75
"""

from __future__ import annotations

import ast
import functools
import math
import operator

from .numbers_text import format_number

__all__ = ["FUNCTIONS", "PARAMS", "evaluate", "is_atom", "names_in", "render"]

#: Formula names that stand for plain numbers (an op's parameters, never graph nodes):
#: a part of a formula made only of them is computed when printed (``k - 1`` -> 2).
PARAMS = frozenset({"k", "c", "slope", "alpha", "n"})


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


#: The functions a formula may call: the elementary functions, so that a new op's
#: derivative (``cos(x)`` for sin) can be written without touching this module.
FUNCTIONS = {name: getattr(math, name) for name in (
    "exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos",
    "atan", "expm1", "log1p", "erf")} | {"round": round, "abs": abs, "sigmoid": _sigmoid,
    "sign": lambda x: float((x > 0) - (x < 0))}  # fmt: skip
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}  # fmt: skip
_COMPARE = {ast.Gt: (operator.gt, ">"), ast.Lt: (operator.lt, "<"), ast.Eq: (operator.eq, "=="),
            ast.NotEq: (operator.ne, "≠"), ast.GtE: (operator.ge, "≥"),
            ast.LtE: (operator.le, "≤")}  # fmt: skip
_SHOWN_FUNCTIONS = {"sigmoid": "σ"}
_SUPERSCRIPTS = {2.0: "²", 3.0: "³"}
_ATOM, _POWER, _UNARY, _PRODUCT, _SUM, _SPACED, _TEST = 9, 8, 7, 6, 5, 4, 1


@functools.cache
def _tree(formula: str) -> ast.expr:
    return ast.parse(formula, mode="eval").body


def _eval(node, env):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        result = _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
        if isinstance(result, complex):
            raise ValueError("not a real number")
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _eval(node.operand, env)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, env) else node.orelse, env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        return _COMPARE[type(node.ops[0])][0](
            _eval(node.left, env), _eval(node.comparators[0], env)
        )
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, env) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    raise ValueError(f"formula element not allowed: {ast.dump(node)}")


def evaluate(formula: str, env: dict) -> float:
    """The formula's value with the names in ``env`` (floats); only whitelisted syntax runs.

    >>> evaluate("k * x ** (k - 1)", {"k": 3.0, "x": 2.0})
    12.0
    >>> evaluate("__import__('os')", {})
    Traceback (most recent call last):
    ...
    KeyError: '__import__'
    """
    return _eval(_tree(formula), env)


def _number(x: float) -> tuple[str, int]:
    text = format_number(x)
    return text, (_SPACED if text.startswith("-") else _ATOM)  # (-2)², 3·(-2)


def _wrap(part: tuple[str, int], at_least: int) -> str:
    text, precedence = part
    return f"({text})" if precedence < at_least else text


def _show(node, names, env, numeric) -> tuple[str, int]:
    """(text, precedence) of a formula node; see :func:`render`."""
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    if env is not None and used <= PARAMS and not isinstance(node, (ast.Name, ast.Constant)):
        return _number(_eval(node, env))  # fold what only involves numbers: k - 1 -> 2
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in names and not numeric:
            name = names[node.id]
            return name, (_ATOM if name.isidentifier() else _SPACED)
        return _number(env[node.id]) if env is not None else (node.id, _ATOM)
    if isinstance(node, ast.IfExp):
        if numeric:
            return _show(node.body if _eval(node.test, env) else node.orelse, names, env, numeric)
        body, test = _show(node.body, names, env, numeric), _show(node.test, names, env, numeric)
        orelse = _show(node.orelse, names, env, numeric)
        return f"{_wrap(body, _SUM)} if {test[0]} else {_wrap(orelse, _SUM)}", _TEST
    if isinstance(node, ast.Compare):
        left, right = (_show(n, names, env, numeric) for n in (node.left, node.comparators[0]))
        return f"{left[0]} {_COMPARE[type(node.ops[0])][1]} {right[0]}", _TEST
    if isinstance(node, ast.Call):
        args = ", ".join(_show(a, names, env, numeric)[0] for a in node.args)
        return f"{_SHOWN_FUNCTIONS.get(node.func.id, node.func.id)}({args})", _ATOM
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return _show(node.operand, names, env, numeric)
    if isinstance(node, ast.UnaryOp):
        return f"−{_wrap(_show(node.operand, names, env, numeric), _POWER)}", _UNARY
    left, right = _show(node.left, names, env, numeric), _show(node.right, names, env, numeric)
    if isinstance(node.op, ast.Pow):
        base, exponent = _wrap(left, _ATOM), right[0]
        if _parses_as(exponent) == 1.0:
            return left
        if right[1] == _ATOM and _parses_as(exponent) in _SUPERSCRIPTS:
            return base + _SUPERSCRIPTS[_parses_as(exponent)], _POWER
        return f"{base}^{_wrap(right, _ATOM)}", _POWER
    if isinstance(node.op, (ast.Mult, ast.Div)):
        symbol = "·" if isinstance(node.op, ast.Mult) else "/"
        return f"{_wrap(left, _PRODUCT)}{symbol}{_wrap(right, _PRODUCT + 1)}", _PRODUCT
    symbol = " + " if isinstance(node.op, ast.Add) else " − "
    return f"{_wrap(left, _SPACED)}{symbol}{_wrap(right, _SUM + 1)}", _SUM


def _parses_as(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def render(formula: str, names: dict, env: dict | None = None, numeric: bool = False) -> str:
    """The formula as a learner writes it.

    ``names`` maps formula names to the learner's node names; numbers in ``env``
    are shown for the rest (and for every name when ``numeric``); with no ``env``
    the formula's own names are kept (the docs' form).  Parts made only of
    folded numbers are computed (``k - 1`` with k = 3 shows as 2).  With
    ``numeric``, a condition shows only the branch taken.

    >>> render("k * x ** (k - 1)", {})
    'k·x^(k − 1)'
    >>> render("k * x ** (k - 1)", {"x": "a"}, {"k": 3.0, "x": -2.0})
    '3·a²'
    >>> render("k * x ** (k - 1)", {"x": "a"}, {"k": 3.0, "x": -2.0}, numeric=True)
    '3·(-2)²'
    >>> render("1 if x > 0 else 0", {"x": "h"}), render("1 if x > 0 else 0", {}, {"x": 2}, True)
    ('1 if h > 0 else 0', '1')
    """
    return _show(_tree(formula), names, env, numeric)[0]


def is_atom(text: str) -> bool:
    """True when ``text`` needs no brackets next to ×: a name, a number ≥ 0, ``f(…)``."""
    if text.startswith("-") or text.startswith("−"):
        return False
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in " ·/^²³":
            return False
    return True


def names_in(formula: str) -> set[str]:
    """The variable names of a formula (function names excluded).

    >>> sorted(names_in("leaky_relu(x, slope)"))
    ['slope', 'x']
    """
    tree = _tree(formula)
    callees = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - callees
