"""Exercises with feedback: check a learner's backward rule and say, in Chinese, what is wrong.

Writing an op's local gradient by hand is where backprop is learned, and the
mistakes are few and classic: forgetting the upstream gradient, ``=`` instead
of ``+=``, a flipped sign, an output-form derivative (``1 - t**2``) fed the
input.  A bare ``assert`` only says "wrong".  :func:`check_op` runs the op in
the ways that tell these mistakes apart (upstream gradient 1, a random upstream
gradient, the node used twice, a leaf that already has a gradient) and compares
every gradient with central differences of the op's own forward value.  Code
that crashes, loops forever, returns the wrong thing or still holds the
chapter's blank gets a Chinese sentence too, never a traceback
(:mod:`micrograd_cn.feedback`).  The op may build its result with any
micrograd-style class (``data``, ``grad``, ``_prev``, ``_backward``).

>>> from micrograd_cn import Value
>>> def cube(x):
...     out = Value(x.data ** 3, (x,), "cube")
...     def _backward():
...         x.grad += 3 * x.data ** 2      # forgot "* out.grad"
...     out._backward = _backward
...     return out
>>> result = check_op(cube)
>>> result.ok, result.mistake, result.input, result.badge
(False, 'forgot_upstream', 'x', '有错')
>>> "上游梯度" in result.message
True
"""

from __future__ import annotations

import inspect
import random

from . import engine
from .engine import Value, as_real
from .feedback import CheckResult, OutOfTime, Stop, call_with_budget, empty_function
from .model_exercise import check_mlp
from .op_runner import Runner, fmt
from .sample_points import Domain, inside, intervals, op_domain, sample_points

__all__ = ["CheckResult", "Domain", "check_mlp", "check_op", "op_domain"]

_PRESET = 0.75  # the gradient a leaf already holds in the accumulation check
TIME_LIMIT = 1.0  # seconds for one forward or one backward of the learner's op


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _positional(op) -> list | None:
    try:
        params = list(inspect.signature(op).parameters.values())
    except (TypeError, ValueError):  # no signature: a builtin
        return None
    return params


def _input_names(op, nin):
    """(nin, names): nin from op's required positional parameters unless given."""
    params = _positional(op) or []
    positional = [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if nin is None:
        nin = len(positional) or 1
        if not positional and any(p.kind == p.VAR_POSITIONAL for p in params):
            raise TypeError("check_op: op takes *args; pass nin= (the number of inputs)")
    elif isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        raise ValueError(f"check_op: nin must be an int >= 1, got {nin!r}")
    if len(positional) == nin:
        return nin, positional
    return nin, ["x", "y", "z"][:nin] if nin <= 3 else [f"x{i + 1}" for i in range(nin)]


def _probe_symbol(op, nin: int) -> str:
    """The ``_op`` of op's result at a harmless point (inside every domain we know), or ""."""
    leaves = [Value(0.8 - 0.1 * i) for i in range(nin)]
    try:
        with engine.enable_grad():
            out = call_with_budget(op, tuple(leaves), TIME_LIMIT)
    except (Exception, OutOfTime):  # the real run reports it
        return ""
    return str(getattr(out, "_op", "") or "")


_HINTS = {
    "no_gradient": "可能的错误：梯度没有传到 {input}——{input}.grad 一直是 0。检查是否写了"
    " `out._backward = _backward`，以及闭包里是否给 `{input}.grad` 加上了 局部导数 × 上游梯度。",
    "sign": "可能的错误：符号反了——在每个检查点上你的结果都正好是正确值的相反数，检查公式里的负号"
    "（例如把 1 − t² 写成了 t² − 1）。",
    "input_in_output_form": "可能的错误：你写的是用输出表示的导数（如 tanh 的 1 − t²、sigmoid 的"
    " s(1 − s)，t、s 指输出 out.data），却代入了输入 {input}.data。把输入换成输出值后，你的公式"
    "在每个检查点都正好给出正确导数。",
    "output_in_input_form": "可能的错误：你写的是用输入表示的导数（如 1 − tanh(x)²），却代入了输出"
    " out.data，相当于多套了一层函数。要么代入输入 {input}.data，要么改用输出形式（如 1 − t²）。",
    "swapped_inputs": "可能的错误：{input} 和 {other} 的偏导对调了——{input}.grad 得到的正是"
    " ∂{name}/∂{other}（例如 a·b 对 a 的导数是 b，对 b 的导数是 a）。",
    "wrong_formula": "可能的错误：局部导数的公式不对（不是符号问题，也不是输入、输出代错）。"
    "先在纸上求出 ∂{name}/∂{input}，再和下表里每个点的数值梯度比较。",
    "forgot_upstream": "可能的错误：忘了乘上游梯度——{input}.grad 没有随上游梯度变化（g = 1 时对，"
    "g = {g} 时还是 {analytic_text}）。链式法则：`{input}.grad += 局部导数 * out.grad`"
    "（闭包带一个参数接收上游梯度时，乘的就是那个参数）。",
    "upstream_misused": "可能的错误：上游梯度用得不对——应当是 局部导数 × 上游梯度，相乘且只乘一次："
    "`{input}.grad += 局部导数 * out.grad`。",
    "assign_instead_of_accumulate": "可能的错误：用了 `=` 而不是 `+=`。{case}，你的闭包运行之前"
    " {input}.grad 里已经有梯度（另一次使用送来的，或叶子原有的），赋值把它覆盖了；链式法则要求"
    "把各条路径的梯度相加。把 `{input}.grad = ...` 改成 `{input}.grad += ...`。",
    "reuse_wrong": "可能的错误：节点被重复使用或叶子已有梯度时结果不对——梯度应当用 `+=` 累加，"
    "而且闭包每次只加一份 局部导数 × 上游梯度。",
}


def _diagnose_formula(runner, i, records, domains, tol, eps):
    """Which mistake explains analytic != numeric for input i at every point (g = 1)?"""
    names = runner.names
    a = [r[2][i] for r in records]
    d = [r[3][i] for r in records]
    if all(v == 0.0 for v in a):
        return "no_gradient", None
    if all(_close(x, -y, *tol) for x, y in zip(a, d)) and any(abs(y) > 1e-6 for y in d):
        return "sign", None
    for j in range(len(names)):
        if j != i and all(_close(x, r[3][j], *tol) for x, r in zip(a, records)):
            return "swapped_inputs", names[j]
    # an output-form formula fed the input, or the reverse; the input itself is neither
    # (exp's gradient written as x.data is a wrong formula, not e^x's output form)
    if len(names) == 1 and not all(_close(x, r[0][0], *tol) for x, r in zip(a, records)):
        as_output, as_input = [], []  # a(f(x0)) vs d(x0); a(x0) vs d(f(x0))
        for _, value, grads, numeric in records:
            if not inside(value, domains[0]):
                continue
            try:
                _, grads_at_value = runner.run((value,))
                numeric_at_value = runner.numeric((value,), eps)[0]
            except (Stop, ArithmeticError, ValueError):
                continue
            as_output.append(_close(grads_at_value[0], numeric[0], *tol))
            as_input.append(_close(grads[0], numeric_at_value, *tol))
        if len(as_output) >= 2 and all(as_output):
            return "input_in_output_form", None
        if len(as_input) >= 2 and all(as_input):
            return "output_in_input_form", None
    return "wrong_formula", None


def _table(names, runs, tol):
    """(header, rows, first failure (k, i) or None) for runs of (point, g, grads, expected)."""
    header = (*names, "上游梯度 g")
    for n in names:
        header += (f"你的 {n}.grad", f"应为 {n}.grad")
    rows, first = [], None
    for k, (point, g, grads, expected) in enumerate(runs):
        cells = [fmt(v) for v in (*point, g)]
        right = True
        for i, (a, e) in enumerate(zip(grads, expected)):
            cells += [fmt(a), fmt(e)]
            if not _close(a, e, *tol):
                right = False
                first = first or (k, i)
        rows.append((*cells, "对" if right else "错"))
    return (*header, "结果"), rows, first


def _wrong_inputs(op, nin, names, name, pts):
    params = _positional(op)
    if params is None:
        return None
    try:
        inspect.signature(op).bind(*range(nin))
    except TypeError:
        return CheckResult(False, f"有错：`{name}` 要接收 {nin} 个输入（{', '.join(names)}），"
                           f"可是你的函数写成了 `{name}{inspect.signature(op)}`，不能这样调用："
                           "检查 `def` 那一行括号里的参数。", name, "wrong_inputs",
                           points=pts)  # fmt: skip
    return None


def check_op(
    op,
    *,
    nin=None,
    points=None,
    domain=None,
    name=None,
    eps=1e-6,
    atol=1e-6,
    rtol=1e-4,
    seed=0,
    time_limit=TIME_LIMIT,
) -> CheckResult:
    """Check a learner's op (Values -> Value, with its own ``_backward``) by central differences.

    Checks, first failure reported: the op runs (no exception, within
    ``time_limit`` seconds per forward and per backward, no blank left) and
    returns a Value whose parents are Values and include each input; gradient
    with upstream 1 at every point (else: no gradient, sign, input vs output
    form, swapped inputs, wrong formula); with a random upstream ``g``
    (forgot the upstream gradient); the op used twice on the same inputs and a
    leaf that already has grad 0.75 (``=`` instead of ``+=``).  A failed
    comparison lists every point of that check (``result.rows``).  ``points``:
    numbers, or tuples for several inputs; ``domain``: ``(low, high)`` with None
    for an open side, or one pair per input; by default the points stay inside
    the op's smooth domain when its name or symbol is known (:func:`op_domain`).

    >>> import math
    >>> from micrograd_cn import Value
    >>> def tanh(x):
    ...     out = Value(math.tanh(x.data), (x,), "tanh")
    ...     def _backward():
    ...         x.grad += (1 - x.data ** 2) * out.grad    # 1 − t² with the input put in
    ...     out._backward = _backward
    ...     return out
    >>> result = check_op(tanh)
    >>> result.mistake, result.point, round(result.analytic, 4), round(result.numeric, 4)
    ('input_in_output_form', (-1.3,), -0.69, 0.2574)
    >>> check_op(lambda x: x.log()).ok        # sampled at x > 0: log's domain
    True
    """
    if not callable(op):
        raise TypeError(f"check_op: op must be a function of Values, got {type(op).__name__}")
    nin, names = _input_names(op, nin)
    name = name or getattr(op, "__name__", "op")
    if name == "<lambda>":
        name = "op"
    limit = as_real(time_limit, "time_limit")
    if not limit > 0:
        raise ValueError(f"check_op: time_limit must be > 0 seconds, got {time_limit!r}")
    domains, where = intervals(domain, nin), None
    if points is None and _positional(op) is not None:  # sample inside its smooth domain
        where = op_domain(name, nin) or op_domain(_probe_symbol(op, nin), nin)
        if where is not None and domain is None:
            domains = list(where.intervals)
    pts = sample_points(points, domains, names, where)
    tol = (as_real(atol, "atol"), as_real(rtol, "rtol"))
    wrong = _wrong_inputs(op, nin, names, name, pts)
    if wrong is not None:
        return wrong
    runner = Runner(op, names, name, pts, limit)
    try:
        return _check(runner, domains, tol, eps, random.Random(seed))
    except Stop as stop:
        return stop.result


def _check(runner, domains, tol, eps, rng) -> CheckResult:
    names, name, pts = runner.names, runner.name, runner.pts

    def fail(mistake, runs, k, i, how, via="", **extra):
        point, g, grads, expected = runs[k]
        header, rows, _ = _table(names, runs, tol)
        hint = _HINTS[mistake].format(input=names[i], name=name, g=fmt(g), **extra)
        message = (
            f"有错：`{name}` 的反向传播有错。在 {runner.where(point)} 处{how}：\n"
            f"你的反向传播给出 {names[i]}.grad = {fmt(grads[i])}，\n"
            f"数值梯度（中心差分）说应当是 {via}{fmt(expected[i])}。\n{hint}"
        )
        return CheckResult(False, message, name, mistake, point, names[i], grads[i], expected[i],
                           g, pts, header, rows)  # fmt: skip

    records = []  # (point, f(point), analytic grads, numeric grads), upstream 1
    for point in pts:
        out, grads = runner.run(point)
        records.append((point, float(out.data), grads, runner.numeric(point, eps)))
    runs = [(p, 1.0, grads, numeric) for p, _, grads, numeric in records]
    first = _table(names, runs, tol)[2]
    if first is not None:
        k, i = first
        mistake, other = _diagnose_formula(runner, i, records, domains, tol, eps)
        line = empty_function(runner.op) if mistake == "no_gradient" else None
        if line is not None:
            return CheckResult(False, f"还没写：`{name}` 的 `_backward` 还是空的（第 {line} 行"
                               "的函数体只有 `...`）。按上面的说明写出它，再运行这一格。", name,
                               "blank", points=pts)  # fmt: skip
        return fail(mistake, runs, k, i, "（上游梯度 1）", other=other)

    upstreams = []
    for _ in pts:
        g = 1.0
        while abs(g - 1.0) < 0.25:  # far enough from 1 to show whether it was used
            g = rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 2.5)
        upstreams.append(g)
    runs = []
    for (point, _, _, numeric), g in zip(records, upstreams):
        grads = runner.run(point, upstream=g)[1]
        runs.append((point, g, grads, [g * d for d in numeric]))
    first = _table(names, runs, tol)[2]
    if first is not None:
        k, i = first
        point, g, grads, _ = runs[k]
        forgot = _close(grads[i], records[k][3][i], *tol)
        return fail("forgot_upstream" if forgot else "upstream_misused", runs, k, i,
                    f"，上游梯度 g = {fmt(g)}", f"g × {fmt(records[k][3][i])} = ",
                    analytic_text=fmt(grads[i]))  # fmt: skip

    call = f"{name}({', '.join(names)})"
    for twice, preset, case in (
        (True, 0.0, f"把 `{call} + {call}` 这样用两次"),
        (False, _PRESET, f"输入的 .grad 事先已是 {_PRESET}"),
    ):
        runs = []
        for (point, _, _, numeric), g in zip(records, upstreams):
            grads = runner.run(point, upstream=g, preset=preset, twice=twice)[1]
            runs.append((point, g, grads, [preset + (2 if twice else 1) * g * d for d in numeric]))
        first = _table(names, runs, tol)[2]
        if first is not None:
            k, i = first
            point, g, grads, _ = runs[k]
            overwrote = _close(grads[i], g * records[k][3][i], *tol)
            via = ("2 × g × " if twice else f"{_PRESET} + g × ") + f"{fmt(records[k][3][i])} = "
            return fail("assign_instead_of_accumulate" if overwrote else "reuse_wrong", runs, k,
                        i, f"，{case}、上游梯度 g = {fmt(g)}", via, case=case)  # fmt: skip

    worst = max(abs(a - d) for r in records for a, d in zip(r[2], r[3]))
    where = "；".join(runner.where(p) for p in pts)
    message = (
        f"正确：`{name}` 的反向传播正确：在 {len(pts)} 个点（{where}）上与数值梯度一致"
        f"（最大差 {worst:.1e}）；乘上了随机的上游梯度；节点用两次、叶子已有梯度时也正确累加。"
    )
    return CheckResult(True, message, name, points=pts)
