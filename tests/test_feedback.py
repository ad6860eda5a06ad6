"""Tests for micrograd_cn.feedback: the time budget, the learner's line, Chinese explanations,
the blank, and how a verdict is shown (text table in a terminal, HTML table in Jupyter)."""

import importlib
import os
import sys
import time

import pytest

import micrograd_cn.feedback
from micrograd_cn.feedback import (
    CheckResult,
    OutOfTime,
    Stop,
    call_with_budget,
    empty_function,
    explain,
    guarded_call,
    is_blank,
    learner_place,
)

PACKAGE = os.path.dirname(os.path.abspath(micrograd_cn.feedback.__file__)) + os.sep


def test_a_call_within_budget_returns_its_value_and_restores_the_tracer():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        assert call_with_budget(lambda a, b: a * b, (6, 7), 1.0) == 42
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_an_endless_loop_is_stopped_in_its_own_frame():
    def spin(n):
        while n >= 0:
            n += 1

    start = time.monotonic()
    with pytest.raises(OutOfTime) as info:
        call_with_budget(spin, (0,), 0.1)
    assert time.monotonic() - start < 2 and info.value.seconds == 0.1
    place = learner_place(info.value.__traceback__)
    assert place.function == "spin" and place.text in ("while n >= 0:", "n += 1")
    assert str(place).startswith(f"`spin` 里的第 {place.lineno} 行 `")


def test_the_learners_line_skips_the_packages_frames():
    from micrograd_cn import Value

    def op(x):
        return x.log()  # raises inside engine.py

    with pytest.raises(ValueError) as info:
        op(Value(-1.0))
    place = learner_place(info.value.__traceback__)
    assert (place.function, place.text) == ("op", "return x.log()  # raises inside engine.py")
    assert learner_place(None) is None  # no traceback, no place (not "")


def test_blanks_are_recognised():
    assert is_blank(NotImplementedError("在这里写你的答案"))
    assert is_blank(TypeError("unsupported operand type(s) for +=: 'float' and 'ellipsis'"))
    assert not is_blank(TypeError("unsupported operand type(s) for +=: 'float' and 'str'"))

    def empty(x): ...

    def filled(x):
        return x

    assert empty_function(empty) == empty.__code__.co_firstlineno
    assert empty_function(filled) is None and empty_function(len) is None


@pytest.mark.parametrize(
    ("error", "meaning"),
    [
        (AttributeError("'Value' object has no attribute 'dat'"),
         "Value 对象没有属性 `dat`：检查拼写"),
        (AttributeError("'float' object has no attribute 'data'"),
         "这里的变量是一个普通的数（float），不是 Value，数没有 `.data`"),
        (NameError("name 'maht' is not defined"), "名字 `maht` 没有定义"),
        (RecursionError("maximum recursion depth exceeded"), "递归太深"),
        (ZeroDivisionError("float division by zero"), "除以了 0。"),
        (OverflowError("math range error"), "溢出"),
        (ValueError("math domain error"), "数学上没有定义"),
        (TypeError("Value children must be Values: child 1 is float"),
         "父节点只能是 Value：常数直接写进计算里"),
        (TypeError("'Value' object is not iterable"), "父节点要写成元组，例如 `(x,)`"),
        (TypeError("Value children must be a tuple of Values, got Value"),
         "父节点要写成元组，例如 `(x,)`"),
        (TypeError("Value children must be Values: child 1 is float (2.0)"),
         "父节点只能是 Value"),
        (TypeError("Value data must be a real number (int or float), got Value"),
         "用 `x.data`，而不是 `x` 本身"),
        (TypeError("_backward() takes 0 positional arguments but 1 was given"),
         "`_backward` 要么不带参数"),
        (IndexError("list index out of range"), "下标或键不存在"),
        (RuntimeError("boom"), "程序在这里出错了。"),
    ],
)  # fmt: skip
def test_explanations_are_chinese(error, meaning):
    assert meaning in explain(error)


def test_a_verdict_shows_its_table_as_text_and_as_html():
    result = CheckResult(False, "有错：x <b>", "op", "sign", header=("x", "结果"),
                         rows=[("-1.3", "错"), ("0.35", "对")])  # fmt: skip
    assert str(result) == repr(result)
    assert str(result).splitlines()[1:] == ["检查过的点：", "x     结果", "----  ----",
                                            "-1.3  错", "0.35  对"]  # fmt: skip
    page = result._repr_html_()
    assert ">有错</span> x &lt;b&gt;" in page  # the badge, then the message without it
    assert page.count("<tr") == 3 and page.count('style="background:#fde8e8"') == 1


# ---------------------------------------------------------------- mutation audit (feedback)


_CHILD_RULE = "父节点只能是 Value：常数直接写进计算里（例如 `x.data * 2`），不要放进父节点元组。"


@pytest.mark.parametrize(
    ("error", "sentence"),
    [(AttributeError("read-only field", name="grad"),
      "? 对象没有属性 `grad`：检查拼写（Value 的属性是 data、grad、_prev、_op、label）。"),
     (NameError("undefined here", name="maht"),
      "名字 `maht` 没有定义：检查拼写；如果它定义在别的单元格里，先运行那个单元格"
      "（例如开头导入 `math` 的那一格）。"),
     (TypeError("Value children must be Values: child 1 is float (2.0)"),
      f"父节点里有一个 float（2.0），不是 Value。{_CHILD_RULE}"),
     (TypeError("Value children must be Values: child 0 is str ('2')"),
      f"父节点里有一个 str（'2'），不是 Value。{_CHILD_RULE}"),
     (TypeError("_backward() missing 1 required positional argument: 'g'"),
      "调用时参数的个数不对：`_backward` 要么不带参数（从 `out.grad` 读上游梯度），"
      "要么只带一个参数（上游梯度本身）。")],
    ids=["attribute-name", "name-name", "child-float", "child-str", "positional-argument"],
)  # fmt: skip
def test_the_explanation_uses_the_exceptions_own_name_and_the_childs_type(error, sentence):
    """Kills ``explain`` reading ``getattr(None / error, "XXnameXX" / "NAME", None)`` (the name the
    exception carries, not in its text), the child's type and value dropped from the sentence
    (``found = None``, the pattern changed, ``and False``, ``found[2]`` twice) and
    ``"positional argument"`` changed (the singular is in "missing 1 … argument")."""
    assert explain(error) == sentence


def test_an_attribute_error_without_the_usual_wording_is_explained_with_question_marks():
    """Kills ``_match`` returning ``m.group(1)`` even without a match (``if m or True``: a crash
    inside the explainer) and its fallback ``"?"`` changed (``"XX?XX"``)."""
    assert explain(AttributeError("boom")) == (
        "? 对象没有属性 `?`：检查拼写（Value 的属性是 data、grad、_prev、_op、label）。"
    )
    assert explain(NameError("no such thing")).startswith("名字 `?` 没有定义：")


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (AttributeError("'float' object has no attribute 'data'"),
         '这里的变量是一个普通的数（float），不是 Value，数没有 `.data`'
         '：检查它是不是已经取过一次 `.data`。'),
        (AttributeError("'int' object has no attribute 'grad'"),
         '这里的变量是一个普通的数（int），不是 Value，数没有 `.grad`：检'
         '查它是不是已经取过一次 `.data`。'),
        (AttributeError("'float' object has no attribute 'dat'"),
         'float 对象没有属性 `dat`：检查拼写（Value 的属性是 data、'
         'grad、_prev、_op、label）。'),
        (AttributeError("'Value' object has no attribute 'dta'"),
         'Value 对象没有属性 `dta`：检查拼写（Value 的属性是 data、'
         'grad、_prev、_op、label）。'),
        (NameError("name 'math' is not defined"),
         '名字 `math` 没有定义：检查拼写；如果它定义在别的单元格里，先运行那个单元'
         '格（例如开头导入 `math` 的那一格）。'),
        (RecursionError("maximum recursion depth exceeded"),
         '函数一层层调用自己停不下来（递归太深）：例如在 `_backward` 里又调用'
         '了 `backward()`，或者运算里又调用了这个运算本身。'),
        (ZeroDivisionError("float division by zero"),
         '除以了 0。'),
        (OverflowError("math range error"),
         '得到的数太大，超出了浮点数的范围（溢出）。'),
        (ValueError("math domain error"),
         '数学上没有定义：例如对负数或 0 取对数、对负数开平方。'),
        (ValueError("x must be > 0"),
         '数学上没有定义：例如对负数或 0 取对数、对负数开平方。'),
        (ValueError("something else"),
         '程序在这里出错了。'),
        (TypeError("'Value' object is not iterable"),
         '要一个可以逐个取出的序列，却给了单个对象：父节点要写成元组，例如 `(x,)`（'
         '只有一个时别漏了逗号）。'),
        (TypeError("Value children must be a tuple of Values"),
         '要一个可以逐个取出的序列，却给了单个对象：父节点要写成元组，例如 `(x,)`（'
         '只有一个时别漏了逗号）。'),
        (TypeError("Value data must be a real number (int or float), got Value"),
         'Value 的第一个参数要是一个数：用 `x.data`，而不是 `x` 本身。'),
        (TypeError("Value data must be a real number (int or float), got str"),
         '这两种东西不能这样运算：检查是不是把 Value 和数混在了一起（闭包里的公式用'
         ' `x.data`、`out.grad` 这样的数），或者某个变量是 None。'),
        (TypeError("Value children must be Values: child 1 is float"),
         '父节点只能是 Value：常数直接写进计算里（例如 `x.data * 2`），'
         '不要放进父节点元组。'),
        (TypeError("one of the children is odd"),
         '父节点只能是 Value：常数直接写进计算里（例如 `x.data * 2`），'
         '不要放进父节点元组。'),
        (TypeError("unsupported operand type(s) for *: 'NoneType' and 'float'"),
         '这两种东西不能这样运算：检查是不是把 Value 和数混在了一起（闭包里的公式用'
         ' `x.data`、`out.grad` 这样的数），或者某个变量是 None。'),
        (TypeError("can't multiply sequence by non-int of type 'float'"),
         '这两种东西不能这样运算：检查是不是把 Value 和数混在了一起（闭包里的公式用'
         ' `x.data`、`out.grad` 这样的数），或者某个变量是 None。'),
        (TypeError("x must be str"),
         '这两种东西不能这样运算：检查是不是把 Value 和数混在了一起（闭包里的公式用'
         ' `x.data`、`out.grad` 这样的数），或者某个变量是 None。'),
        (TypeError("_backward() takes 0 positional arguments but 1 was given"),
         '调用时参数的个数不对：`_backward` 要么不带参数（从 `out.gra'
         'd` 读上游梯度），要么只带一个参数（上游梯度本身）。'),
        (TypeError("f() missing required arguments"),
         '调用时参数的个数不对：`_backward` 要么不带参数（从 `out.gra'
         'd` 读上游梯度），要么只带一个参数（上游梯度本身）。'),
        (TypeError("odd type"),
         '类型不对：某个值的类型和这里要求的不一样。'),
        (IndexError("list index out of range"),
         '下标或键不存在：检查列表的长度和下标。'),
        (KeyError("k"),
         '下标或键不存在：检查列表的长度和下标。'),
        (RuntimeError("boom"),
         '程序在这里出错了。'),
    ],
)  # fmt: skip
def test_every_explanation_is_the_whole_chinese_sentence(error, sentence):
    """Kills the 68 mutants of ``explain`` that the substring checks above let through: each
    branch's condition (``in`` / ``or`` / ``and`` turned around, ``"domain"`` / ``"must be >"`` /
    ``"child"`` … changed) and each sentence changed ("XX…XX", upper/lower case)."""
    assert explain(error) == sentence


# ---------------------------------------------------------------- mutation audit (feedback, h2)

_CELL = '<td style="padding:1px 8px;text-align:right">'


def test_a_verdict_in_jupyter_is_exactly_badge_message_and_table():
    """Kills ``CheckResult._repr_html_`` mutants: ``"<br>"`` -> ``"XX<br>XX"`` (17),
    ``<code>`` replacement changed (27), ``table = ""`` -> ``None`` / ``"XXXX"`` (29, 30), the
    header cells joined with ``"XXXX"`` (33), the red row chosen by ``row[+1]`` / ``row[-2]``
    (three columns tell them apart), and every other changed tag, style or escape."""
    result = CheckResult(False, "有错：在 `x` 处\n<b>", "op", "sign", header=("x", "a<b", "结果"),
                         rows=[("-1.3", "2", "错"), ("0&1", "3", "对")])  # fmt: skip
    red = "#c62828"
    badge = (
        f'<div style="border-left:4px solid {red};padding:6px 10px;background:{red}11;'
        f'line-height:1.6"><span style="background:{red};color:#fff;padding:0 .45em;'
        'border-radius:3px;font-weight:bold">有错</span> '
    )
    table = (
        '<table style="margin-top:.4em;border-collapse:collapse">'
        "<tr><th>x</th><th>a&lt;b</th><th>结果</th></tr>"
        f'<tr style="background:#fde8e8">{_CELL}-1.3</td>{_CELL}2</td>{_CELL}错</td></tr>'
        f"<tr>{_CELL}0&amp;1</td>{_CELL}3</td>{_CELL}对</td></tr>"
        "</table>"
    )
    body = "在 <code>x</code> 处<br>&lt;b&gt;"
    assert result._repr_html_() == f"{badge}{body}{table}</div>"


@pytest.mark.parametrize(
    ("ok", "mistake", "message", "label", "color"),
    [(True, None, "正确：全部通过。", "正确", "#2e7d32"),
     (False, "blank", "还没写：`cube` 里还留着空白。", "还没写", "#8a6d00"),
     (False, "sign", "符号反了。", "有错", "#c62828")],
)  # fmt: skip
def test_a_verdict_without_a_table_shows_only_its_badge_and_message(
    ok, mistake, message, label, color
):
    """Kills ``table = ""`` -> ``None`` / ``"XXXX"`` (29, 30: "None" or "XXXX" after the
    message), the blank's badge chosen from ``ok`` (还没写 lost), and ``__str__`` showing a
    table heading when there is no row."""
    result = CheckResult(ok, message, "cube", mistake)
    text = message.removeprefix(f"{label}：").replace("`cube`", "<code>cube</code>")
    assert result._repr_html_() == (
        f'<div style="border-left:4px solid {color};padding:6px 10px;background:{color}11;'
        f'line-height:1.6"><span style="background:{color};color:#fff;padding:0 .45em;'
        f'border-radius:3px;font-weight:bold">{label}</span> {text}</div>'
    )
    assert str(result) == repr(result) == message and result.badge == label
    assert bool(result) is ok


def test_the_stops_carry_their_numbers_and_verdicts():
    """Kills ``OutOfTime.__init__`` and ``Stop.__init__`` mutants: the message lost or changed
    (``str(error)``), ``seconds`` / ``result`` set to None."""
    error = OutOfTime(0.25)
    assert (str(error), error.seconds) == ("ran past 0.25 s", 0.25)
    result = CheckResult(False, "有错：符号反了。", "op", "sign")
    stop = Stop(result)
    assert str(stop) == "有错：符号反了。" and stop.result is result


def test_a_body_of_only_dots_after_a_docstring_is_still_empty():
    """Kills ``empty_function`` keeping the docstring in the body (``... and False``, 13) or
    skipping two statements (``body[2:]``, 15), and ``getattr(s.value, "value")`` without its
    default (24: a call statement such as ``print(x)`` has no ``.value``: a crash)."""

    def documented(x):
        """Still to be written."""
        ...

    def prints(x):
        print(x)

    def documented_pass(x):
        """Still to be written."""
        pass

    def only_a_docstring(x):
        """Nothing else."""

    first = documented.__code__.co_firstlineno
    assert empty_function(documented) == first
    assert empty_function(documented_pass) == documented_pass.__code__.co_firstlineno
    assert empty_function(prints) is None and empty_function(only_a_docstring) is None


def code_from(filename, source):
    """The functions of ``source`` as if they were written in ``filename``."""
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_only_code_outside_the_package_is_traced_line_by_line():
    """Kills ``call_with_budget``'s ``on_call`` tracing this package's own frames line by line
    (``startswith(_PACKAGE)) and False``: every engine call checked on every line)."""
    inside = code_from(
        os.path.join(PACKAGE, "pretend.py"),
        "import sys\ndef own_tracer():\n    return sys._getframe().f_trace\n",
    )
    assert call_with_budget(inside["own_tracer"], (), 1.0) is None

    def learners():
        return sys._getframe().f_trace

    assert callable(call_with_budget(learners, (), 1.0))


def test_a_loop_in_the_packages_code_is_stopped_at_its_next_call():
    """Kills ``call_with_budget``'s ``on_call`` raising ``OutOfTime(None)``: a loop that is not
    traced line by line is stopped by the clock check at a call, with the budget it ran past."""
    inside = code_from(
        os.path.join(PACKAGE, "pretend.py"),
        "def step():\n    pass\ndef spin():\n    while True:\n        step()\n",
    )
    with pytest.raises(OutOfTime) as info:
        call_with_budget(inside["spin"], (), 0.05)
    assert (info.value.seconds, str(info.value)) == (0.05, "ran past 0.05 s")


def raise_inside(namespace):
    with pytest.raises(ZeroDivisionError) as info:
        namespace["divide"]()
    return learner_place(info.value.__traceback__)


DIVIDE = "def divide():\n    return 1 / 0\n"


def test_a_relative_file_name_inside_the_package_is_the_packages(monkeypatch):
    """Kills ``_not_learners`` not making a relative file name absolute (``and False``, the
    ``startswith("<")`` test turned around): ``micrograd_cn/x.py`` seen from the package's parent
    is the package's code, so the learner's line is the caller's."""
    monkeypatch.chdir(os.path.dirname(os.path.dirname(PACKAGE)))
    relative = os.path.join(os.path.basename(os.path.dirname(PACKAGE)), "pretend.py")
    place = raise_inside(code_from(relative, DIVIDE))
    assert place.function == "raise_inside" and place.text == 'namespace["divide"]()'


def test_a_cell_name_in_angle_brackets_is_the_learners_wherever_the_kernel_runs(monkeypatch):
    """Kills ``_not_learners`` making ``<ipython-input-…>`` absolute (``or True``, ``"XX<XX"``,
    the test turned around): run from inside the package it would look like the package's."""
    monkeypatch.chdir(PACKAGE)
    place = raise_inside(code_from("<ipython-input-3-5f2e>", DIVIDE))
    assert (place.function, place.lineno) == ("divide", 2)


def test_the_import_machinery_is_not_the_learners():
    """Kills ``_not_learners``'s ``"<frozen"`` changed (``"XX<frozenXX"``, ``"<FROZEN"``) or
    joined with ``and``: ``importlib.import_module`` of a misspelt name fails inside
    ``<frozen importlib._bootstrap>``, and the learner's line is the call."""

    def imports_a_typo():
        return importlib.import_module("maht")

    with pytest.raises(ModuleNotFoundError) as info:
        imports_a_typo()
    place = learner_place(info.value.__traceback__)
    assert (place.function, place.text) == (
        "imports_a_typo",
        'return importlib.import_module("maht")',
    )


# ---------------------------------------------------------------- guarded_call's verdicts

FORWARD = "正向计算（运行 `op` 本身）"
PTS = [(3.0,), (1.0,)]


def verdict_of(function, where="x = 3", limit=1.0, name="op", stage="forward"):
    """The CheckResult that ``guarded_call`` stops with."""
    with pytest.raises(Stop) as info:
        guarded_call(function, (), limit, name, stage, FORWARD, where, point=(3.0,), points=PTS)
    result = info.value.result
    assert (result.ok, result.name, result.point, result.points) == (False, name, (3.0,), PTS)
    return result


PRETEND = os.path.join(PACKAGE, "pretend.py")  # code there is the package's, never the learner's


def test_a_guarded_call_returns_what_the_call_returns():
    """Kills ``guarded_call`` calling ``call_with_budget`` without the function, args or limit."""
    assert guarded_call(lambda a, b: a * b, (6, 7), 1.0, "op", "forward", FORWARD, "") == 42


def test_a_timeout_names_the_stage_the_point_and_the_learners_line():
    """Kills ``guarded_call``'s timeout mutants: the message / mistake / place lost (``None``,
    ``learner_place(None)``), "XX…XX", ``at`` / ``at_point`` always or never shown."""

    def spin():
        while True:
            pass

    result = verdict_of(spin, limit=0.05)
    first = spin.__code__.co_firstlineno
    assert (result.mistake, result.badge, result.place.function) == ("timeout", "有错", "spin")
    assert (result.place.lineno, result.place.text) in [
        (first + 1, "while True:"),
        (first + 2, "pass"),
    ]
    assert result.message == (
        f"有错：{FORWARD}在 x = 3 处运行超过 0.05 秒还没结束，已经停下，停在 `spin` 里的第 "
        f"{result.place.lineno} 行 `{result.place.text}`。"
        "多半是死循环：检查循环的条件最后会不会变成假、循环里有没有更新变量。"
    )
    inside = code_from(
        PRETEND, "def spin():\n    while True:\n        spin_once()\ndef spin_once():\n    pass\n"
    )
    result = verdict_of(inside["spin"], where="", limit=0.05)
    assert (result.mistake, result.place) == ("timeout", None)
    assert result.message == (
        f"有错：{FORWARD}运行超过 0.05 秒还没结束，已经停下。"
        "多半是死循环：检查循环的条件最后会不会变成假、循环里有没有更新变量。"
    )


def fill_me():
    raise NotImplementedError("在这里写你的答案")


def test_the_blank_still_in_place_is_not_written_yet():
    """Kills ``guarded_call``'s blank mutants: ``is_blank(None)``, the badge / mistake / message /
    place lost or changed, ``at`` always or never shown."""
    line = fill_me.__code__.co_firstlineno + 1
    result = verdict_of(fill_me, name="cube")
    assert (result.mistake, result.badge, result.place.function) == ("blank", "还没写", "fill_me")
    assert result.message == (
        f"还没写：`cube` 里还留着空白（`fill_me` 里的第 {line} 行 "
        '`raise NotImplementedError("在这里写你的答案")`）。'
        "按上面的说明把它换成你的答案，再运行这一格。"
    )
    inside = code_from(PRETEND, "def blank():\n    raise NotImplementedError\n")
    result = verdict_of(inside["blank"], name="cube")
    assert (result.mistake, result.badge, result.place) == ("blank", "还没写", None)
    assert (
        result.message
        == "还没写：`cube` 里还留着空白。按上面的说明把它换成你的答案，再运行这一格。"
    )


def divide():
    return 1 / 0


def test_an_exception_names_its_stage_point_line_type_and_meaning():
    """Kills ``guarded_call``'s exception mutants: the kind (``{stage}_error``) / message / place
    lost, ``type(None)``, ``explain(None)``, ``at`` always or never shown."""
    line = divide.__code__.co_firstlineno + 1
    result = verdict_of(divide, stage="backward")
    assert (result.mistake, result.place.function) == ("backward_error", "divide")
    assert result.message == (
        f"有错：{FORWARD}在 x = 3 处出错\n出错的是 `divide` 里的第 {line} 行 `return 1 / 0`\n"
        "ZeroDivisionError: division by zero\n除以了 0。"
    )
    inside = code_from(PRETEND, "def divide():\n    return 1 / 0\n")
    result = verdict_of(inside["divide"], where="")
    assert (result.mistake, result.place) == ("forward_error", None)
    assert result.message == f"有错：{FORWARD}出错\nZeroDivisionError: division by zero\n除以了 0。"


@pytest.mark.parametrize(
    ("error", "mistake"),
    [(TypeError("Value children must be Values: child 1 is float (2.0)"), "bad_child"),
     (TypeError("Value children must be a tuple"), "bad_child"),
     (TypeError("childish"), "forward_error"),
     (ValueError("one child is odd"), "forward_error")],
)  # fmt: skip
def test_a_number_where_a_child_belongs_is_its_own_mistake(error, mistake):
    """Kills the ``bad_child`` test in ``guarded_call`` (``or``, the pattern changed or upper
    case, ``str(None)``) and its name changed: only a TypeError about a child / children."""

    def refuse():
        raise error

    assert verdict_of(refuse).mistake == mistake
