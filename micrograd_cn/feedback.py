"""Running a learner's code for a checker, and telling the learner in Chinese what happened.

A checker (:func:`micrograd_cn.exercises.check_op`) calls code a learner has just
written.  That code may loop forever, raise anywhere, or still hold the blank the
chapter left for it.  This module runs it and turns each of those into a sentence:

* :func:`call_with_budget` stops a call that runs past its time budget.  It uses
  :func:`sys.settrace`: no signals, no extra thread, so it works in Jupyter, in
  any thread, on every platform and in a browser (Pyodide).  Only code outside
  this package is traced line by line; a loop inside a single C call (a huge
  ``math.factorial``) cannot be stopped this way.
* :func:`learner_place` finds the learner's own line in a traceback (the innermost
  frame outside this package and the standard library).
* :func:`explain` says what an exception means, in Chinese.
* :func:`is_blank` / :func:`empty_function` recognise the blank a chapter leaves:
  ``raise NotImplementedError("在这里写你的答案")``, a ``...`` used as a value, or a
  function whose body is only ``...``.
* :class:`CheckResult` carries the verdict: a text badge (正确 / 有错 / 还没写),
  the Chinese message, and the table of every point tried (HTML in Jupyter).

>>> def spin():
...     while True:
...         pass
>>> try:
...     call_with_budget(spin, (), seconds=0.05)
... except OutOfTime as stop:
...     print(stop.seconds, learner_place(stop.__traceback__).function)
0.05 spin
"""

from __future__ import annotations

import ast
import html
import inspect
import linecache
import os
import re
import sys
import sysconfig
import textwrap
import time
from dataclasses import dataclass, field

from .tables import Table

__all__ = [
    "STAGES",
    "CheckResult",
    "OutOfTime",
    "Stop",
    "guarded_call",
    "Place",
    "call_with_budget",
    "empty_function",
    "explain",
    "is_blank",
    "learner_place",
]

ANSWER_HERE = "在这里写你的答案"
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STDLIB = tuple(
    os.path.abspath(p) + os.sep
    for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
)


class OutOfTime(BaseException):
    """A learner's call ran past its budget.  A BaseException, so ``except Exception`` in the
    learner's own loop does not swallow it."""

    def __init__(self, seconds: float):
        super().__init__(f"ran past {seconds:g} s")
        self.seconds = seconds


def _not_learners(filename: str) -> bool:
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return path.startswith(_PACKAGE) or path.startswith(_STDLIB) or filename.startswith("<frozen")


def call_with_budget(function, args: tuple, seconds: float):
    """``function(*args)``, stopped with :class:`OutOfTime` once it runs past ``seconds``.

    The trace function checks the clock on every call and on every line of code
    outside this package, and raises inside the frame that is running, so the
    traceback ends at the line the learner's loop was on.  The caller's own trace
    function (a debugger, coverage) is put back afterwards.
    """
    deadline = time.monotonic() + seconds

    def on_line(frame, event, arg):
        if time.monotonic() > deadline:
            raise OutOfTime(seconds)
        return on_line

    def on_call(frame, event, arg):
        if time.monotonic() > deadline:
            raise OutOfTime(seconds)
        return None if frame.f_code.co_filename.startswith(_PACKAGE) else on_line

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        return function(*args)
    finally:
        sys.settrace(previous)


@dataclass(frozen=True)
class Place:
    """A line of the learner's code: its number (in the file, or in the Jupyter cell), text,
    and the function it is in."""

    lineno: int
    text: str
    function: str

    def __str__(self) -> str:
        return f"`{self.function}` 里的第 {self.lineno} 行 `{self.text}`"


def learner_place(tb) -> Place | None:
    """The innermost frame of ``tb`` that is the learner's (not this package's, not stdlib's)."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if not _not_learners(code.co_filename):
            text = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            found = Place(tb.tb_lineno, text, code.co_name)
        tb = tb.tb_next
    return found


def is_blank(error: BaseException) -> bool:
    """The chapter's blank ran: ``raise NotImplementedError(...)``, or ``...`` used as a value."""
    if isinstance(error, NotImplementedError):
        return True
    return isinstance(error, TypeError) and "'ellipsis'" in str(error)


def empty_function(function) -> int | None:
    """Line of a ``def`` inside ``function`` (or itself) whose body is only ``...``/``pass``.

    A learner who deletes the ``raise`` and leaves ``...`` has not written anything yet.
    Needs the source (works in Jupyter, whose cells are kept in :mod:`linecache`).
    """
    try:
        lines, first = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:] if isinstance(body[0].value.value, str) else body  # docstring
            if body and all(
                isinstance(s, ast.Pass)
                or (isinstance(s, ast.Expr) and getattr(s.value, "value", None) is Ellipsis)
                for s in body
            ):
                return first + node.lineno - 1
    return None


def _match(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1) if m else "?"


def explain(error: BaseException) -> str:
    """What an exception in a learner's op or closure most likely means, in Chinese."""
    text = str(error)
    if isinstance(error, AttributeError):
        attribute = getattr(error, "name", None) or _match(r"attribute '([^']+)'", text)
        owner = _match(r"^'([^']+)' object", text)
        if owner in ("float", "int") and attribute in ("data", "grad"):
            return (f"这里的变量是一个普通的数（{owner}），不是 Value，数没有 `.{attribute}`："
                    "检查它是不是已经取过一次 `.data`。")  # fmt: skip
        return (f"{owner} 对象没有属性 `{attribute}`：检查拼写（Value 的属性是 data、grad、"
                "_prev、_op、label）。")  # fmt: skip
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or _match(r"name '([^']+)'", text)
        return (f"名字 `{name}` 没有定义：检查拼写；如果它定义在别的单元格里，先运行那个单元格"
                "（例如开头导入 `math` 的那一格）。")  # fmt: skip
    if isinstance(error, RecursionError):
        return ("函数一层层调用自己停不下来（递归太深）：例如在 `_backward` 里又调用了"
                " `backward()`，或者运算里又调用了这个运算本身。")  # fmt: skip
    if isinstance(error, ZeroDivisionError):
        return "除以了 0。"
    if isinstance(error, OverflowError):
        return "得到的数太大，超出了浮点数的范围（溢出）。"
    if isinstance(error, ValueError) and ("domain" in text or "must be >" in text):
        return "数学上没有定义：例如对负数或 0 取对数、对负数开平方。"
    if isinstance(error, TypeError):
        if "not iterable" in text or "must be a tuple" in text:
            return ("要一个可以逐个取出的序列，却给了单个对象：父节点要写成元组，例如 `(x,)`"
                    "（只有一个时别漏了逗号）。")  # fmt: skip
        if "must be a real number" in text and "got Value" in text:
            return "Value 的第一个参数要是一个数：用 `x.data`，而不是 `x` 本身。"
        if "child" in text:  # "children" too
            found = re.search(r"child \d+ is (\w+) \((.{0,40})\)", text)
            which = f"父节点里有一个 {found[1]}（{found[2]}），不是 Value。" if found else ""
            return (f"{which}父节点只能是 Value：常数直接写进计算里（例如 `x.data * 2`），"
                    "不要放进父节点元组。")  # fmt: skip
        if "unsupported operand" in text or "can't multiply" in text or "must be" in text:
            return ("这两种东西不能这样运算：检查是不是把 Value 和数混在了一起（闭包里的"
                    "公式用 `x.data`、`out.grad` 这样的数），或者某个变量是 None。")  # fmt: skip
        if "positional argument" in text or "arguments" in text:
            return ("调用时参数的个数不对：`_backward` 要么不带参数（从 `out.grad` 读上游梯度），"
                    "要么只带一个参数（上游梯度本身）。")  # fmt: skip
        return "类型不对：某个值的类型和这里要求的不一样。"
    if isinstance(error, (IndexError, KeyError)):
        return "下标或键不存在：检查列表的长度和下标。"
    return "程序在这里出错了。"


# ---------------------------------------------------------------- the verdict


_BADGES = {True: ("正确", "#2e7d32"), False: ("有错", "#c62828"), None: ("还没写", "#8a6d00")}


@dataclass(repr=False)
class CheckResult:
    """What a checker found: ``ok``, a Chinese ``message``, and the failing check.

    ``mistake`` is None or a code (``"forgot_upstream"``, ``"sign"``, ``"blank"``,
    ``"backward_error"``, ``"timeout"`` ...); ``analytic`` is the gradient the
    learner's backward gave in the failing check and ``numeric`` what it should
    have been there (from central differences); ``rows`` is the table of every
    point that check tried (``header`` names its columns).  ``bool(result)`` is
    ``result.ok``; Jupyter shows a badge (正确 / 有错 / 还没写), the message and the table.
    """

    ok: bool
    message: str
    name: str
    mistake: str | None = None
    point: tuple | None = None
    input: str | None = None
    analytic: float | None = None
    numeric: float | None = None
    upstream: float | None = None
    points: list = field(default_factory=list)
    header: tuple = ()
    rows: list = field(default_factory=list)
    place: Place | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def badge(self) -> str:
        """正确, 有错, or 还没写 (the blank is still there)."""
        return _BADGES[None if self.mistake == "blank" else self.ok][0]

    def __str__(self) -> str:
        if not self.rows:
            return self.message
        return f"{self.message}\n检查过的点：\n{Table(self.header, self.rows)}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        label, color = _BADGES[None if self.mistake == "blank" else self.ok]
        message = self.message.removeprefix(f"{label}：")  # the badge says it
        body = html.escape(message).replace("\n", "<br>")
        body = re.sub(r"`([^`]+)`", r"<code>\1</code>", body)
        table = ""
        if self.rows:
            cells = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
            table = f'<table style="margin-top:.4em;border-collapse:collapse"><tr>{cells}</tr>'
            for row in self.rows:
                style = ' style="background:#fde8e8"' if row[-1] == "错" else ""
                tds = "".join(
                    f'<td style="padding:1px 8px;text-align:right">{html.escape(c)}</td>'
                    for c in row
                )
                table += f"<tr{style}>{tds}</tr>"
            table += "</table>"
        return (
            f'<div style="border-left:4px solid {color};padding:6px 10px;'
            f'background:{color}11;line-height:1.6"><span style="background:{color};color:#fff;'
            f'padding:0 .45em;border-radius:3px;font-weight:bold">{label}</span> '
            f"{body}{table}</div>"
        )


class Stop(Exception):
    """The learner's code did something a check cannot go past; ``result`` is the verdict."""

    def __init__(self, result: CheckResult):
        super().__init__(result.message)
        self.result = result


#: What each stage of a check is called in the verdicts.
STAGES = {"forward": "正向计算（运行 `{name}` 本身）", "backward": "反向传播（`_backward` 闭包）"}


def guarded_call(function, args, limit, name, stage, what, where, *, point=None, points=()):
    """``function(*args)`` within ``limit`` seconds; anything else raises :class:`Stop`.

    ``stage`` is a code (an exception's verdict is ``{stage}_error``), ``what`` names
    it for the learner (正向计算…), ``where`` the point (``x = -1.3``).  A blank
    still in place, a timeout and an exception each get their Chinese verdict,
    with the learner's line.
    """

    def stop(mistake, message, place, badge="有错"):
        raise Stop(CheckResult(False, f"{badge}：{message}", name, mistake, point,
                               points=list(points), place=place))  # fmt: skip

    at_point = f"在 {where} 处" if where else ""
    try:
        return call_with_budget(function, args, limit)
    except OutOfTime as error:
        place = learner_place(error.__traceback__)
        at = f"，停在 {place}" if place else ""
        stop("timeout", f"{what}{at_point}运行超过 {error.seconds:g} 秒还没结束，已经停下{at}。"
             "多半是死循环：检查循环的条件最后会不会变成假、循环里有没有更新变量。",
             place)  # fmt: skip
    except Exception as error:
        place = learner_place(error.__traceback__)
        if is_blank(error):
            at = f"（{place}）" if place else ""
            stop("blank", f"`{name}` 里还留着空白{at}。按上面的说明把它换成你的答案，"
                 "再运行这一格。", place, badge="还没写")  # fmt: skip
        kind = f"{stage}_error"
        if isinstance(error, TypeError) and re.search(r"\bchild(ren)?\b", str(error)):
            kind = "bad_child"  # the engine refused a number where a child belongs
        at = f"\n出错的是 {place}" if place else ""
        stop(kind, f"{what}{at_point}出错{at}\n{type(error).__name__}: {error}\n"
             f"{explain(error)}", place)  # fmt: skip
