"""Command line: ``micrograd-cn demo | draw | train`` (also ``python -m micrograd_cn``).

Exit codes: 0 done, 1 something to install (Graphviz, an extra), 2 bad input
(one line on stderr, never a traceback), 130 interrupted (Ctrl-C).  With no
arguments the usage goes to stderr with exit code 2, as argparse does for a
missing subcommand.  ``draw`` reads the user's expression with
:func:`~micrograd_cn.expr.parse_expression`: :mod:`ast` and a whitelist, nothing
is executed.

>>> f = parse_expression("(x + y) * z", {"x": -2, "y": 5, "z": -4})
>>> f.backward(); f.data, f._prev[0]._prev[0].label, f._prev[0]._prev[0].grad
(-12.0, 'x', -4.0)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from .engine import Value, topological_order
from .expr import (
    ALLOWED_FUNCTIONS,
    ExpressionError,
    normalize_text,
    parse_assignments,
    parse_expression,
)
from .outputs import publish_steps, write_all

__all__ = ["ExpressionError", "main", "parse_assignments", "parse_expression"]

FORMATS = ("svg", "png", "pdf", "dot", "html")
ECHO_LENGTH = 80  # a longer expression is shown cut with … in the first printed line
PRINTED_GRADIENTS = 20  # ∂f/∂name lines printed; the rest are only drawn
ROOT_NAMES = ("f", "out", "result")  # the first one that no variable uses names the root
DRAW_VALUE_OPTIONS = (
    "-o",
    "--output",
    "--max-nodes",
    "--collapse-inputs",
)  # draw options followed by a value
DRAW_SHORT_OPTIONS = ("-o", "-h")
OPERATOR_CHARS = set("*+/(), ")  # in a leading-dash token: an expression, not an option


class UsageError(Exception):
    """Bad command line: exit code 2 with one line on stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        if message.startswith("unrecognized arguments: -"):
            message += " (see micrograd-cn draw --help; an EXPR may also follow --)"
        raise UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="micrograd-cn",
        description="micrograd_cn: 标量自动微分，逐步看懂反向传播 (scalar autodiff, step by step).",
        epilog="每个子命令的帮助 help of a command: micrograd-cn draw --help",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"micrograd_cn {__version__}",
        help="显示版本 show the version and exit",
    )
    commands = parser.add_subparsers(
        dest="command",
        metavar="{demo,draw,train}",
        title="子命令 commands",
        help="先试 demo (start with demo)",
    )
    demo_help = "(x+y)*z 的前向/反向表格，写出 demo.svg 和 demo.html (the worked example)"
    commands.add_parser("demo", help=demo_help, description=demo_help)
    draw_help = "画出表达式的计算图和梯度 (draw an expression's graph with its gradients)"
    draw = commands.add_parser(
        "draw",
        help=draw_help,
        description=draw_help + ". 表达式只经 ast 白名单解析，不会被执行 (never evaluated).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="例 examples:\n"
        '  micrograd-cn draw "(x+y)*z" x=-2 y=5 z=-4 -o graph.png\n'
        '  micrograd-cn draw "x.tanh() * y" x=1 y=2\n'
        '  micrograd-cn draw "-x*y" x=1 y=2 -o steps.html --steps',
    )
    draw.add_argument(
        "expression",
        metavar="EXPR",
        help="表达式 expression: numbers, variables, + - * / **, "
        f"{' '.join(ALLOWED_FUNCTIONS)}; "
        'e.g. "tanh(x*w + b)" or "(x*w + b).tanh()"',
    )
    draw.add_argument(
        "assignments",
        nargs="*",
        default=[],
        metavar="name=value",
        help="每个变量的值 the value of each variable, e.g. x=-2 y=5",
    )
    draw.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        metavar="FILE",
        help=f"输出文件 output file (default graph.svg); format from the suffix: "
        f".{', .'.join(FORMATS)}",
    )
    draw.add_argument(
        "--steps",
        action="store_true",
        help="逐步演示 step-through: one HTML player (.html) or numbered frames (FILE_01.svg …)",
    )
    from .player import STEP_LIMIT
    from .viz import DRAW_LIMIT

    draw.add_argument(
        "--max-nodes",
        type=_positive_int,
        default=None,
        metavar="N",
        help="节点上限 size limit: a drawing shows at most N values (those nearest the result); "
        f"--steps refuses graphs above N. Without it, graphs above {DRAW_LIMIT} values "
        f"(--steps: {STEP_LIMIT}) are refused",
    )
    draw.add_argument(
        "--collapse-inputs",
        type=_positive_int,
        default=None,
        metavar="K",
        help="折叠输入 show at most K inputs of each sum(...) node (one picture, not --steps)",
    )
    train_help = "训练一个小 MLP (train a small MLP on a toy data set)"
    train = commands.add_parser("train", help=train_help, description=train_help)
    train.add_argument(
        "--dataset",
        choices=("moons", "circles", "spiral"),
        default="moons",
        help="数据集 data set (default moons)",
    )
    train.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="训练轮数 number of epochs (default: 150; spiral: 200)",
    )
    train.add_argument("--seed", type=int, default=0, help="随机种子 random seed (default 0)")
    train.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="决策边界图 save the decision-boundary plot, e.g. b.png (needs matplotlib)",
    )
    train.add_argument("--no-progress", action="store_true", help="不显示进度条 no progress bar")
    for sub in (parser, *commands.choices.values()):
        sub._actions[0].help = "显示帮助并退出 show this help and exit"  # argparse's -h
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _expression_first(argv: list[str]) -> list[str]:
    """``draw "-x*y" x=1``: argparse would read ``-x*y`` as an option; mark it as EXPR.

    A token right after ``draw`` (and its options) that starts with one ``-`` and
    is not ``-o``/``-h`` (or contains an operator) is the expression: it gets a
    leading space, which argparse reads as a positional and the parser strips.
    """
    argv = list(argv)
    i = 0
    while i < len(argv) and argv[i].startswith("-"):  # --version, -h: no values
        i += 1
    if i == len(argv) or argv[i] != "draw":
        return argv
    i += 1
    while i < len(argv):
        token = argv[i]
        if token in DRAW_VALUE_OPTIONS:
            i += 2
            continue
        if token == "--" or not token.startswith("-"):
            break  # EXPR is here or after --: nothing to do
        if _is_expression(token):
            argv[i] = " " + token
            break
        i += 1
    return argv


def _is_expression(token: str) -> bool:
    if len(token) < 2 or token.startswith("--"):
        return False
    return token[:2] not in DRAW_SHORT_OPTIONS or bool(OPERATOR_CHARS & set(token[2:]))


def demo_graph() -> Value:
    """《梯度下降和反向传播》's f = (x + y) * z at x=-2, y=5, z=-4, with q = x + y labelled."""
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

    svg, page = Path("demo.svg"), Path("demo.html")
    write_all([(svg, lambda path: path.write_bytes(viz.draw_dot(f).pipe(format="svg")))])
    print(f"wrote {svg}")
    title = "(x + y) * z 逐步演示 step-through"
    write_all([(page, lambda path: viz.export_html(f, path, title=title))])
    print(f"wrote {page}")
    print(f"\n用浏览器打开 {page.resolve()}：按“播放”或方向键 ← → 逐步观看前向和反向传播，")
    print("点击任一节点看它的链式法则求和；")
    print(f"整张计算图（含每个节点的值和梯度）在 {svg.resolve()}。")
    print(f"Open {page.resolve()} in a browser to step through the passes.")
    return 0


def _root_name(root: Value, values: Mapping[str, float]) -> str:
    """``f``, unless a variable (or a label in the graph) is called that: then ``out``, …"""
    taken = set(values) | {v.label for v in topological_order(root) if v.label}
    for name in ROOT_NAMES:
        if name not in taken:
            return name
    k = 1
    while f"f_{k}" in taken:
        k += 1
    return f"f_{k}"


def _draw(args) -> int:
    output = Path(args.output)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        shown = output.suffix or "(none)"
        raise UsageError(f"unsupported output suffix {shown} (use .{', .'.join(FORMATS)})")
    if not output.parent.is_dir():
        raise UsageError(f"output directory does not exist: {str(output.parent)!r}")
    values = parse_assignments(args.assignments)
    text = normalize_text(args.expression).strip()
    root = parse_expression(text, values)
    if not root.label:
        root.label = _root_name(root, values)
    root.backward()
    shown = text if len(text) <= ECHO_LENGTH else f"{text[: ECHO_LENGTH - 1]}…"
    formula = "" if shown == root.label else f" = {shown}"  # draw "x" x=1: no "x = x"
    print(f"{root.label}{formula} = {root.data + 0.0:.4f}")  # + 0.0: -0.0 prints as 0
    named = _named_leaves(root, values)
    for name, v in named[:PRINTED_GRADIENTS]:
        print(f"∂{root.label}/∂{name} = {v.grad:.4f}")  # grads start at +0.0: never -0.0
    if len(named) > PRINTED_GRADIENTS:
        print(f"… {len(named) - PRINTED_GRADIENTS} more variables (their grads are in the drawing)")
    unused = [name for name in values if name not in dict(named)]
    if unused:
        print(f"note: unused variable(s): {', '.join(unused)}", file=sys.stderr)
    written = _render(root, output, fmt, args, title=f"{text} 逐步演示")
    shown = (
        f"{written[0]} … {written[-1]} ({len(written)} frames)" if len(written) > 1 else written[0]
    )
    print(f"wrote {shown}")
    if fmt == "html":
        print(f"用浏览器打开 open in a browser: {output.resolve()}")
    return 0


def _render(root: Value, output: Path, fmt: str, args, title: str):
    """Write the drawing(s); returns the paths written."""
    from . import viz
    from .render import inline_svg

    sizes = {} if args.max_nodes is None else {"max_nodes": args.max_nodes}
    drawing = dict(sizes)
    if args.collapse_inputs is not None:
        if args.steps:
            raise UsageError("--collapse-inputs is for one picture; it does not work with --steps")
        drawing["collapse_inputs"] = args.collapse_inputs
    try:
        if fmt == "html" and args.steps:
            writers = [(output, lambda path: viz.export_html(root, path, title=title, **sizes))]
        elif fmt == "html":
            svg = inline_svg(viz.draw_dot(root, **drawing))
            page = f'<!DOCTYPE html><meta charset="utf-8">{svg}'
            writers = [(output, lambda path: path.write_text(page, encoding="utf-8"))]
        elif args.steps:  # numbered frames, published as one set
            return publish_steps(output, fmt, viz.step_frames(root, **sizes))
        else:
            writers = [(output, _graph_writer(viz.draw_dot(root, **drawing), fmt))]
        write_all(writers)
    except ValueError as error:  # the size guard: say how to raise the limit from here
        raise UsageError(_cli_words(str(error))) from None
    return [path for path, _ in writers]


def _graph_writer(graph, fmt: str):
    if fmt == "dot":
        return lambda path: path.write_text(graph.source, encoding="utf-8")
    return lambda path: path.write_bytes(graph.pipe(format=fmt))


def _cli_words(message: str) -> str:
    """The drawing's advice in command-line words (``max_nodes=50`` -> ``--max-nodes 50``)."""
    message = re.sub(r"^(draw_dot|step_frames|export_html): ", "", message)
    message = message.replace("F.sum([...])", "sum(a, b, ...)")
    return re.sub(
        r"\b(max_nodes|collapse_inputs)\b(=?)",
        lambda m: f"--{m[1].replace('_', '-')}{' ' if m[2] else ''}",
        message,
    )


def _named_leaves(root: Value, values: Mapping[str, float]):
    leaves = {v.label: v for v in topological_order(root) if not v._prev and v.label}
    return [(name, leaves[name]) for name in values if name in leaves]


def _train(args) -> int:
    if args.output is not None:  # checked before importing the training stack and training
        parent = Path(args.output).parent
        if not parent.is_dir():
            raise UsageError(f"output directory does not exist: {str(parent)!r}")
    from . import cli_train  # lazily: needs the nn stack (and tqdm / matplotlib extras)

    progress = not args.no_progress
    return cli_train.run(args.dataset, args.epochs, args.seed, args.output, progress=progress)


def _fail(message: str, code: int) -> int:
    print(f"micrograd-cn: {message}".replace("\n", " "), file=sys.stderr)
    return code


INTERRUPTED = "interrupted (Ctrl-C); no partial output was kept"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 missing tool, 2 bad input, 130 Ctrl-C)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:  # wherever it lands, imports included: one line, exit 130
        return _fail(INTERRUPTED, 130)


def _run(argv: list[str] | None) -> int:
    from . import viz

    for stream in (sys.stdout, sys.stderr):  # Chinese on a non-UTF-8 console: never crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = _build_parser()
        if not argv:  # no command: the usage, on stderr, exit 2 (argparse's convention)
            parser.print_help(sys.stderr)
            return 2
        args = parser.parse_args(_expression_first(argv))
        if args.command is None:
            raise UsageError("a command is required: demo, draw or train (see --help)")
        handler = {"demo": _demo, "draw": _draw, "train": _train}[args.command]
        return handler(args)
    except SystemExit as exit:  # --help, --version
        return exit.code if isinstance(exit.code, int) else 0
    except UsageError as error:
        return _fail(f"error: {error}", 2)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as error:
        return _fail(f"error: {error}", 2)
    except viz.GraphvizTimeoutError as error:
        return _fail(f"error: {_cli_words(str(error))}", 2)
    except viz.GraphvizNotFoundError as error:
        return _fail(str(error), 1)
    except ImportError as error:
        return _fail(f"missing dependency: {error}", 1)
    except OSError as error:
        return _fail(f"error: cannot write output: {error}", 2)
    except Exception as error:  # a bug: still one line, never a traceback
        return _fail(f"internal error ({type(error).__name__}): {error}", 1)
