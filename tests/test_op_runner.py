"""Tests for micrograd_cn.op_runner: one point of a check -- the op built on fresh leaves, its
graph walked, a gradient sent back -- and the exact verdict when the learner's op stops it.

Each test names the mutants it kills (``Runner.run__mutmut_N`` ...); the messages are asserted
whole, because the learner reads them."""

import pytest

from micrograd_cn import Value, no_grad
from micrograd_cn.feedback import Stop
from micrograd_cn.op_runner import Runner, fmt, is_node, is_number


def stopped(runner, point, **options):
    """The verdict of a run that the learner's op stops."""
    with pytest.raises(Stop) as info:
        runner.run(point, **options)
    return info.value.result


def mul(x, y):
    return x * y


class Node:
    """A micrograd-style node of some other class: no ``_backward`` at all."""

    def __init__(self, data, prev):
        self.data, self.grad, self._prev = data, 0.0, prev


class NodeWithoutClosure(Node):
    _backward = None


def test_numbers_and_nodes_are_told_apart_and_shown_with_six_digits():
    """Kills ``fmt``'s test turned around (``and False`` / ``or True``, repr(None)), ``is_node``'s
    attribute names changed or dropped, and ``is_number``'s ``and not bool`` turned around."""
    assert (fmt(1 / 3), fmt(-2), fmt(2.5e-9), fmt(1234567.0)) == (
        "0.333333",
        "-2",
        "2.5e-09",
        "1.23457e+06",
    )
    assert (fmt("3x²"), fmt(None), fmt(2 + 1j)) == ("'3x²'", "None", "(2+1j)")
    assert is_number(1.5) and is_number(-2)
    assert not any(is_number(v) for v in (True, 1j, "1", None, Value(1.0)))
    assert is_node(Value(1.0)) and is_node(Node(1.0, ()))
    for absent in ("data", "grad", "_prev"):
        partial = type("Partial", (), {a: 0.0 for a in ("data", "grad", "_prev") if a != absent})
        assert not is_node(partial()), absent
    assert not is_node(2.0)


def test_a_right_op_gives_the_chain_rule_times_the_upstream_gradient():
    """Kills ``Runner.where`` mutants, ``run``'s leaves built without their values or labels,
    the upstream gradient or the preset lost (``leaf.grad = None``), ``range(3 if twice ...)`` /
    ``range(2 if twice else 2)`` / ``twice and False`` and ``outs[1]``: d(xy)/dx = y, d/dy = x."""
    runner = Runner(mul, ["x", "y"], "mul", [(3.0, 2.0)], limit=1.0)
    assert runner.where((3.0, 1 / 3)) == "x = 3, y = 0.333333"
    out, grads = runner.run((3.0, 2.0), upstream=0.5)
    assert out.data == 6.0 and grads == [2.0 * 0.5, 3.0 * 0.5]
    assert sorted((leaf.label, leaf.data) for leaf in out._prev) == [("x", 3.0), ("y", 2.0)]
    assert runner.run((3.0, 2.0), preset=0.25)[1] == [0.25 + 2.0, 0.25 + 3.0]
    assert runner.run((3.0, 2.0), twice=True)[1] == [2 * 2.0, 2 * 3.0]  # two uses, two backwards
    with no_grad():  # the check builds its graph even where the learner switched recording off
        assert runner.run((3.0, 2.0))[1] == [2.0, 3.0]


def test_a_node_used_twice_is_walked_once():
    """Kills ``Runner.order`` mutants: a node seen twice sent back twice (``seen`` not kept:
    ``id(None)``, ``seen.add(None)``), children pushed as done (``(child, True)``) or never
    (``id(child) in seen``), ``break`` for ``continue``, the root not marked seen (``id(None)``):
    f(x) = x² + x², f'(x) = 4x; f(x) = 2x whose node lists itself as a parent, f'(x) = 2."""

    def double_square(x):
        square = x * x
        return square + square

    def itself_as_parent(x):
        out = x * 2
        out._prev = (x, out)  # a loop in the graph: the walk must still end, each node once
        return out

    runner = Runner(double_square, ["x"], "f", [(1.5,)], limit=1.0)
    assert runner.run((1.5,))[1] == [4 * 1.5]
    assert runner.run((-0.5,), upstream=3.0)[1] == [4 * -0.5 * 3.0]
    assert Runner(itself_as_parent, ["x"], "f", [(1.5,)], limit=1.0).run((1.5,))[1] == [2.0]


@pytest.mark.parametrize("node", [Node, NodeWithoutClosure])
def test_a_node_without_a_closure_sends_nothing_back(node):
    """Kills ``Runner.backward`` mutants: ``getattr(node, "_backward")`` without its default
    (a node with no closure at all crashes), ``node._prev or callable(step)`` (calls None)."""
    out, grads = Runner(lambda x: node(2 * x.data, (x,)), ["x"], "f", [(1.5,)], 1.0).run((1.5,))
    assert (out.data, out.grad, grads) == (3.0, 1.0, [0.0])


def forgets_y(x, y):
    return Value(x.data * y.data, (x,), "mul")


def keeps_no_parent(x, y):
    return Value(x.data * y.data)


@pytest.mark.parametrize(("op", "name"), [(forgets_y, "y"), (keeps_no_parent, "x")])
def test_an_input_missing_from_the_parents_is_named(op, name):
    """Kills ``Runner.run``'s missing-parents mutants: ``all(v is leaf ...)``, ``missing[1]``,
    the hint's ``name`` / ``input`` / ``inputs`` lost or joined with "XX, XX", ``i=None``,
    ``where(None)``, and ``Runner.stop``'s ``name`` / ``points`` / ``input`` lost."""
    pts = [(3.0, 2.0), (-1.0, 0.5)]
    result = stopped(Runner(op, ["x", "y"], "mul", pts, limit=1.0), (3.0, 2.0))
    assert (result.ok, result.mistake, result.name, result.badge) == (
        False,
        "missing_parents",
        "mul",
        "有错",
    )
    assert (result.point, result.input, result.points) == ((3.0, 2.0), name, pts)
    assert result.message == (
        f"有错：`mul` 的反向传播有错。在 x = 3, y = 2 处：`mul` 的输出没有把输入 {name} "
        '记成父节点：创建输出时要把输入写进第二个参数，例如 `Value(data, (x, y,), "mul")`；'
        "否则画图看不到这条边，前面的节点也收不到梯度。"
    )


def mul_setting_y_grad_to(bad):
    """x * y whose closure gets x's gradient right and sets y's to ``bad``."""

    def op(x, y):
        out = Value(x.data * y.data, (x, y), "mul")

        def _backward():
            x.grad += y.data * out.grad
            y.grad = bad

        out._backward = _backward
        return out

    return op


@pytest.mark.parametrize(
    ("bad", "mistake", "hint"),
    [(Value(12.0, label="g"), "grad_not_number",
      "y.grad 变成了一个 Value（Value(data=12.0, grad=0.0, label='g')），而不是一个数：闭包里的公式"
      "用了 `y` 或 `out`，应当用 `y.data`、`out.data`。梯度是普通的数，否则每一步反向传播都会悄悄"
      "再建一张图。"),
     (2 + 1j, "grad_complex",
      "y.grad 变成了一个复数（(2+1j)）：梯度是实数。检查是不是对负数取了分数次方（Python 里 "
      "`(-8) ** (1/3)` 是复数），或者乘上了 `1j`。"),
     ("3x²" * 30, "grad_not_real",
      "y.grad 变成了 str（'" + "3x²" * 19 + "3x），而不是一个数：闭包里要给 `y.grad` 加上一个数"
      "——局部导数 × 上游梯度。"),
     (None, "grad_not_real",
      "y.grad 变成了 NoneType（None），而不是一个数：闭包里要给 `y.grad` 加上一个数——局部导数 × "
      "上游梯度。")],
    ids=["Value", "complex", "long-str", "None"],
)  # fmt: skip
def test_a_gradient_that_is_not_a_real_number_is_named_whole(bad, mistake, hint):
    """Kills ``Runner.run``'s gradient-kind mutants: the kind chosen wrongly (``and False`` /
    ``or True``, "XX…XX" / upper case), ``is_number(g)`` turned around, the hint's ``input`` /
    ``analytic_text`` / ``kind`` lost, ``i=None``, ``where(None)``; the repr cut at 60 chars."""
    pts = [(3.0, 2.0)]
    result = stopped(Runner(mul_setting_y_grad_to(bad), ["x", "y"], "mul", pts, 1.0), (3.0, 2.0))
    assert (result.mistake, result.name, result.point, result.input, result.points) == (
        mistake,
        "mul",
        (3.0, 2.0),
        "y",
        pts,
    )
    assert result.message == f"有错：`mul` 的反向传播有错。在 x = 3, y = 2 处：{hint}"


def returns_a_float_and_leaves_a_helper_empty(x):
    def helper(): ...

    return 2.0


def computes_but_returns_nothing(x):
    x.data * 2


def left_empty(x): ...


@pytest.mark.parametrize(
    ("op", "shown"),
    [(lambda x: 2.0, "float（2.0）"),
     (returns_a_float_and_leaves_a_helper_empty, "float（2.0）"),
     (computes_but_returns_nothing, "NoneType（None）"),
     (lambda x: "v" * 100, "str（'" + "v" * 59 + "）")],
    ids=["float", "float-with-empty-helper", "None", "long-str"],
)  # fmt: skip
def test_an_op_that_returns_no_value_is_told_so(op, shown):
    """Kills ``Runner.forward``'s not-a-value mutants (``is_node(out)`` turned around, the
    message / mistake / point lost, ``type(None)``, "value" / "VALUE"), and the blank looked for
    when the op returned something (``out is None`` -> ``or True`` / ``is not None``)."""
    pts = [(3.0,), (-1.0,)]
    result = stopped(Runner(op, ["x"], "op", pts, limit=1.0), (3.0,))
    assert (result.mistake, result.badge, result.name, result.point, result.points) == (
        "not_a_value",
        "有错",
        "op",
        (3.0,),
        pts,
    )
    assert result.message == (
        f"有错：`op` 返回的是 {shown}，不是 Value。运算要返回一个新的 Value："
        '`out = Value(结果的数, (输入,), "op")`，挂上 `_backward` 以后 `return out`。'
    )


def test_an_op_still_empty_is_not_written_yet():
    """Kills ``Runner.forward``'s blank mutants: ``empty_function(None)``, ``line is None``,
    ``out is not None``, the mistake / message / point / badge lost or changed."""
    result = stopped(Runner(left_empty, ["x"], "op", [(3.0,)], limit=1.0), (3.0,))
    line = left_empty.__code__.co_firstlineno
    assert (result.mistake, result.badge, result.point) == ("blank", "还没写", (3.0,))
    assert result.message == (
        f"还没写：`op` 还是空的（第 {line} 行的函数体只有 `...`）。"
        "按上面的说明写出它，再运行这一格。"
    )


def test_a_result_whose_data_is_not_a_number_is_told_so():
    """Kills ``Runner.forward``'s data-not-number mutants: ``is_number(out.data)`` turned around
    or given None, the mistake / message / point lost, ``type(None)``, "`.DATA`"."""
    result = stopped(Runner(lambda x: Node("6", (x,)), ["x"], "op", [(3.0,)], 1.0), (3.0,))
    assert (result.mistake, result.point) == ("data_not_number", (3.0,))
    assert result.message == (
        "有错：`op` 的结果 `out.data` 是 str（'6'），不是一个数：`Value(...)` 的第一个参数要用"
        "输入的 `.data` 算出一个数。"
    )


def test_a_number_among_the_parents_is_a_bad_child():
    """Kills ``Runner.order``'s bad-child mutants: ``is_node(child)`` turned around or given None,
    the mistake / message / point lost, ``type(None)``, "value" / "VALUE" / "XX…XX"."""
    result = stopped(Runner(lambda x: Node(6.0, (x, 2.0)), ["x"], "op", [(3.0,)], 1.0), (3.0,))
    assert (result.mistake, result.point) == ("bad_child", (3.0,))
    assert result.message == (
        "有错：`op` 创建结果时，父节点里有一个 float（2.0），不是 Value。父节点元组里只放 Value"
        "（例如 `(x,)`）；常数直接写进计算（例如 `x.data * 2`），它不是节点。"
    )


def divides_by_x_minus_3(x):
    return Value(1 / (x.data - 3), (x,), "op")


def backward_divides_by_zero(x):
    out = Value(x.data**2, (x,), "op")

    def _backward():
        x.grad += out.grad / 0

    out._backward = _backward
    return out


def raises_the_blank(x):
    raise NotImplementedError("在这里写你的答案")


def test_an_error_is_blamed_on_its_stage_point_and_line():
    """Kills ``Runner.call`` mutants (``what`` / ``name`` / ``stage`` / ``where`` / ``point`` /
    ``points`` lost or swapped) and the stage names in ``forward`` / ``backward`` changed."""
    pts = [(3.0,), (1.0,)]
    first = divides_by_x_minus_3.__code__.co_firstlineno
    result = stopped(Runner(divides_by_x_minus_3, ["x"], "op", pts, 1.0), (3.0,))
    assert (result.mistake, result.point, result.points) == ("forward_error", (3.0,), pts)
    assert result.message == (
        "有错：正向计算（运行 `op` 本身）在 x = 3 处出错\n"
        f"出错的是 `divides_by_x_minus_3` 里的第 {first + 1} 行 "
        '`return Value(1 / (x.data - 3), (x,), "op")`\n'
        "ZeroDivisionError: float division by zero\n除以了 0。"
    )
    first = backward_divides_by_zero.__code__.co_firstlineno
    result = stopped(Runner(backward_divides_by_zero, ["x"], "op", pts, 1.0), (1.0,))
    assert (result.mistake, result.point, result.points) == ("backward_error", (1.0,), pts)
    assert result.message == (
        "有错：反向传播（`_backward` 闭包）在 x = 1 处出错\n"
        f"出错的是 `_backward` 里的第 {first + 4} 行 `x.grad += out.grad / 0`\n"
        "ZeroDivisionError: float division by zero\n除以了 0。"
    )
    first = raises_the_blank.__code__.co_firstlineno
    result = stopped(Runner(raises_the_blank, ["x"], "cube", pts, 1.0), (3.0,))
    assert (result.mistake, result.badge, result.name, result.point) == (
        "blank",
        "还没写",
        "cube",
        (3.0,),
    )
    assert result.message == (
        f"还没写：`cube` 里还留着空白（`raises_the_blank` 里的第 {first + 1} 行 "
        '`raise NotImplementedError("在这里写你的答案")`）。'
        "按上面的说明把它换成你的答案，再运行这一格。"
    )


def test_an_endless_op_is_stopped_after_its_limit():
    """Kills ``Runner.call`` passing ``limit=None`` or dropping it: the budget is the runner's."""

    def spin(x):
        while x.data > 0:
            pass

    result = stopped(Runner(spin, ["x"], "op", [(3.0,)], limit=0.05), (3.0,))
    assert (result.mistake, result.point) == ("timeout", (3.0,))
    assert "正向计算（运行 `op` 本身）在 x = 3 处运行超过 0.05 秒还没结束" in result.message


def test_central_differences_of_the_ops_own_forward():
    """Kills ``Runner.numeric`` mutants: ``value`` / ``point`` / ``eps`` lost, and a point that
    stops the differences (sqrt just left of 0) still named in the verdict."""
    runner = Runner(mul, ["x", "y"], "mul", [(3.0, 2.0)], limit=1.0)
    assert runner.numeric((3.0, 2.0), 1e-6) == pytest.approx([2.0, 3.0], rel=1e-8)
    cube = Runner(lambda x: x**3, ["x"], "cube", [(1.5,)], limit=1.0)
    assert cube.numeric((1.5,), 1e-3) == pytest.approx([3 * 1.5**2 + 1e-6], rel=1e-10)
    root = Runner(lambda x: x**0.5, ["x"], "sqrt", [(0.0,)], limit=1.0)
    with pytest.raises(Stop) as info:
        root.numeric((0.0,), 1e-6)
    assert (info.value.result.mistake, info.value.result.point) == ("forward_error", (0.0,))
    assert "正向计算（运行 `sqrt` 本身）在 x = 0 处出错" in info.value.result.message
