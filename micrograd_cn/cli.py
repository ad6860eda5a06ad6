"""Command line: ``micrograd-cn demo | draw | train`` (also ``python -m micrograd_cn``).

Exit codes: 0 done, 1 something to install (Graphviz, an extra), 2 bad input
(one line on stderr, never a traceback).  ``draw`` reads the user's expression
with :func:`parse_expression`: :mod:`ast` and a whitelist, nothing is executed.

>>> f = parse_expression("(x + y) * z", {"x": -2, "y": 5, "z": -4})
>>> f.backward(); f.data, f._prev[0]._prev[0].label, f._prev[0]._prev[0].grad
(-12.0, 'x', -4.0)
"""

from __future__ import annotations

import argparse
import ast
import keyword
import math
import operator
import sys
from collections.abc import Mapping
from pathlib import Path

from . import functional as F
from .engine import Value, no_grad

__all__ = ["ExpressionError", "main", "parse_assignments", "parse_expression"]

MAX_EXPRESSION_LENGTH = 2000
UNARY_FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs")
PARAM_FUNCTIONS = {"leaky_relu": "slope", "elu": "alpha"}  # f(x) or f(x, number)
NARY_FUNCTIONS = {"max": F.maximum, "min": F.minimum}
SEQUENCE_FUNCTIONS = {"sum": F.sum, "logsumexp": F.logsumexp}  # f(a, b, ...)
ALLOWED_FUNCTIONS = (*UNARY_FUNCTIONS, *PARAM_FUNCTIONS, *NARY_FUNCTIONS, *SEQUENCE_FUNCTIONS)
BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
FORMATS = ("svg", "png", "pdf", "dot", "html")


class ExpressionError(ValueError):
    """The expression text is not one the whitelist allows (the message says what)."""


def parse_expression(text: str, values: Mapping[str, float | Value]) -> Value:
    """Build the Value graph of ``text`` (Python syntax) without executing anything.

    Allowed: numbers, variable names from ``values`` (numbers become Values
    labelled with their name; each name is one node however often it appears),
    ``+ - * / **``, unary ``-``/``+``, parentheses and the calls
    exp log sqrt tanh sigmoid relu softplus abs, leaky_relu(x[, slope]),
    elu(x[, alpha]), max(a, b), min(a, b), sum(a, ...), logsumexp(a, ...).  Anything else raises
    :class:`ExpressionError`; math domain errors (``log(0)``) raise the engine's
    ValueError / ZeroDivisionError / OverflowError.

    >>> parse_expression("tanh(x) ** 2 - 1", {"x": 0.5}).data == math.tanh(0.5) ** 2 - 1
    True
    >>> parse_expression("x.data", {"x": 1})
    Traceback (most recent call last):
    ...
    micrograd_cn.cli.ExpressionError: attribute access is not allowed: 'x.data'
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} > {MAX_EXPRESSION_LENGTH})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        detail = f"{error.msg}{where}"
        raise ExpressionError(f"invalid expression syntax ({detail}): {text.strip()!r}") from None
    except (ValueError, RecursionError, MemoryError) as error:  # huge literals, deep nesting
        raise ExpressionError(f"expression cannot be read: {error}") from None
    variables = {}
    for name, value in values.items():
        variables[name] = value if isinstance(value, Value) else Value(value, label=name)
    try:
        result = _Evaluator(text, variables).visit(tree.body)
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    return result if isinstance(result, Value) else Value(result)


class _Evaluator:
    def __init__(self, text: str, variables: dict[str, Value]):
        self.text, self.variables = text.strip(), variables

    def segment(self, node) -> str:
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def visit(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only real numbers are allowed, got {node.value!r}")
            try:
                return float(node.value)
            except OverflowError:
                raise ExpressionError(f"number too large: {self.segment(node)[:40]}") from None
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
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            return f"operator not allowed (use + - * / **): {segment!r}"
        return f"not allowed in an expression ({type(node).__name__}): {segment!r}"

    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in ALLOWED_FUNCTIONS:
            name = self.segment(node.func)
            allowed = ", ".join(ALLOWED_FUNCTIONS)
            raise ExpressionError(f"function {name!r} is not allowed (allowed: {allowed})")
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{name}() takes plain positional arguments only")
        args = [self.visit(a) for a in node.args]
        count = len(args)
        if name in UNARY_FUNCTIONS and count == 1:
            return getattr(_as_value(args[0]), name)()
        if name in PARAM_FUNCTIONS and count in (1, 2):
            if count == 2 and isinstance(args[1], Value):
                raise ExpressionError(f"{name}(): {PARAM_FUNCTIONS[name]} must be a number")
            return getattr(_as_value(args[0]), name)(*args[1:])
        if name in NARY_FUNCTIONS and count == 2:
            return NARY_FUNCTIONS[name](*args)
        if name in SEQUENCE_FUNCTIONS and count >= 1:
            return SEQUENCE_FUNCTIONS[name](args)
        expected = {"max": "2", "min": "2", "sum": "at least 1", "logsumexp": "at least 1"}.get(
            name, "1"
        )
        if name in PARAM_FUNCTIONS:
            expected = "1 or 2"
        raise ExpressionError(f"{name}() takes {expected} argument(s), got {count}")


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _constant_safe(op, left, right):
    """Two numbers are folded with the engine's checks (0 ** -1, overflow, complex results)."""
    if isinstance(left, Value) or isinstance(right, Value):
        return op(left, right)
    with no_grad():
        return op(Value(left), right).data


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=-2", "y=5"]`` -> ``{"x": -2.0, "y": 5.0}``; finite numbers only."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
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


# ---------------------------------------------------------------------------- commands


class UsageError(Exception):
    """Bad command line: exit code 2 with one line on stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        if message.startswith("unrecognized arguments: -"):
            message += ' (an EXPR starting with "-" goes last, after --: draw -o f.svg -- "-x" x=1)'
        raise UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="micrograd-cn",
        description="micrograd_cn: 标量自动微分，逐步看懂反向传播 (scalar autodiff, step by step).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"micrograd_cn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{demo,draw,train}")
    commands.add_parser("demo", help="(x+y)*z 的前向/反向表格，写出 demo.svg 和 demo.html")
    draw = commands.add_parser(
        "draw",
        help="画出表达式的计算图 (draw an expression's graph)",
        epilog='例 example: micrograd-cn draw "(x+y)*z" x=-2 y=5 z=-4 -o graph.png. '
        'An EXPR starting with "-" goes last, after --: draw -o f.svg -- "-x*y" x=1 y=2.',
    )
    draw.add_argument("expression", metavar="EXPR", help='e.g. "tanh(x*w + b)"')
    draw.add_argument("assignments", nargs="*", default=[], metavar="name=value", help="x=-2 y=5")
    draw.add_argument("-o", "--output", default="graph.svg", help=f"one of .{', .'.join(FORMATS)}")
    draw.add_argument("--steps", action="store_true", help="step-through: HTML page or frames")
    train = commands.add_parser("train", help="训练一个小 MLP (train a small MLP)")
    train.add_argument("--dataset", choices=("moons", "circles", "spiral"), default="moons")
    train.add_argument(
        "--epochs", type=_positive_int, default=None, help="default: 150 (spiral: 200)"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("-o", "--output", default=None, help="decision-boundary plot, e.g. b.png")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def demo_graph() -> Value:
    """Seed 002's f = (x + y) * z at x=-2, y=5, z=-4, with q = x + y labelled."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f


def _demo(args) -> int:
    from .trace import fresh_record

    f = demo_graph()
    tr = fresh_record(f)
    print("f(x, y, z) = (x + y) * z,  x = -2, y = 5, z = -4   (q = x + y)\n")
    print("前向传播 Forward pass (拓扑顺序 topological order):")
    print(tr.forward_table() + "\n")
    print("反向传播 Backward pass (逆序 reverse order):")
    print(tr.backward_table() + "\n")
    f.backward()
    from . import viz

    Path("demo.svg").write_bytes(viz.draw_dot(f).pipe(format="svg"))
    print("wrote demo.svg")
    viz.export_html(f, "demo.html", title="(x + y) * z 逐步演示 step-through")
    print("wrote demo.html")
    return 0


def _frame_paths(path: Path, count: int) -> list[Path]:
    width = max(2, len(str(count)))
    return [path.with_name(f"{path.stem}_{k + 1:0{width}d}{path.suffix}") for k in range(count)]


def _draw(args) -> int:
    output = Path(args.output)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        shown = output.suffix or "(none)"
        raise UsageError(f"unsupported output suffix {shown} (use .{', .'.join(FORMATS)})")
    if not output.parent.is_dir():
        raise UsageError(f"output directory does not exist: {str(output.parent)!r}")
    values = parse_assignments(args.assignments)
    root = parse_expression(args.expression, values)
    if not root.label:
        root.label = "f" if "f" not in values else "out"
    root.backward()
    print(f"{root.label} = {args.expression.strip()} = {root.data:.4f}")
    named = _named_leaves(root, values)
    for name, v in named:
        print(f"∂{root.label}/∂{name} = {v.grad:.4f}")
    unused = [name for name in values if name not in dict(named)]
    if unused:
        print(f"note: unused variable(s): {', '.join(unused)}", file=sys.stderr)
    from . import viz

    if fmt == "html":
        if args.steps:
            viz.export_html(root, output, title=f"{args.expression.strip()} 逐步演示")
        else:
            svg = viz._svg(viz.draw_dot(root))
            output.write_text(f'<!DOCTYPE html><meta charset="utf-8">{svg}', encoding="utf-8")
        written = [output]
    else:
        graphs = viz.step_frames(root) if args.steps else [viz.draw_dot(root)]
        written = _frame_paths(output, len(graphs)) if args.steps else [output]
        for graph, path in zip(graphs, written, strict=True):
            if fmt == "dot":
                path.write_text(graph.source, encoding="utf-8")
            else:
                path.write_bytes(graph.pipe(format=fmt))
    shown = (
        f"{written[0]} … {written[-1]} ({len(written)} frames)" if len(written) > 1 else written[0]
    )
    print(f"wrote {shown}")
    return 0


def _named_leaves(root: Value, values: Mapping[str, float]):
    from .engine import topological_order

    leaves = {v.label: v for v in topological_order(root) if not v._prev and v.label}
    return [(name, leaves[name]) for name in values if name in leaves]


def _train(args) -> int:
    from . import training  # lazily: needs the nn stack (and tqdm / matplotlib extras)

    progress = not args.no_progress
    return training.run_cli(args.dataset, args.epochs, args.seed, args.output, progress=progress)


def _fail(message: str, code: int) -> int:
    print(f"micrograd-cn: {message}".replace("\n", " "), file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 missing tool, 2 bad input)."""
    from .viz import GraphvizNotFoundError

    for stream in (sys.stdout, sys.stderr):  # Chinese on a non-UTF-8 console: never crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = _build_parser().parse_args(argv)
        handler = {"demo": _demo, "draw": _draw, "train": _train}[args.command]
        return handler(args)
    except SystemExit as exit:  # --help, --version
        return exit.code if isinstance(exit.code, int) else 0
    except UsageError as error:
        return _fail(f"error: {error}", 2)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as error:
        return _fail(f"error: {error}", 2)
    except GraphvizNotFoundError as error:
        return _fail(str(error), 1)
    except ImportError as error:
        return _fail(f"missing dependency: {error}", 1)
    except OSError as error:
        return _fail(f"error: cannot write output: {error}", 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as error:  # a bug: still one line, never a traceback
        return _fail(f"internal error ({type(error).__name__}): {error}", 1)
