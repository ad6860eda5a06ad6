"""Exercises with feedback: check a learner's backward rule and say, in Chinese, what is wrong.

Writing an op's local gradient by hand is where backprop is learned, and the
mistakes are few and classic: forgetting the upstream gradient, ``=`` instead
of ``+=``, a flipped sign, an output-form derivative (``1 - t**2``) fed the
input.  A bare ``assert`` only says "wrong".  :func:`check_op` runs the op in
the ways that tell these mistakes apart (upstream gradient 1, a random upstream
gradient, the node used twice, a leaf that already has a gradient) and compares
every gradient with central differences of the op's own forward value.

>>> from micrograd_cn import Value
>>> def cube(x):
...     out = Value(x.data ** 3, (x,), "cube")
...     def _backward():
...         x.grad += 3 * x.data ** 2      # forgot "* out.grad"
...     out._backward = _backward
...     return out
>>> result = check_op(cube)
>>> result.ok, result.mistake, result.input
(False, 'forgot_upstream', 'x')
>>> "上游梯度" in result.message
True
"""

from __future__ import annotations

import html
import inspect
import random
import re
from dataclasses import dataclass, field

from . import engine
from .engine import Value, as_real, topological_order
from .gradcheck import numerical_grad

__all__ = ["CheckResult", "check_op"]

_UNBOUNDED = (-1.3, -0.45, 0.35, 0.8, 1.6)  # off 0 and ±1, where rules often coincide
_HALF_LINE = (0.35, 0.8, 1.3, 2.1, 3.2)  # offsets from a finite bound
_FRACTIONS = (0.11, 0.29, 0.47, 0.68, 0.86)  # of a finite interval
_PRESET = 0.75  # the gradient a leaf already holds in the accumulation check


@dataclass
class CheckResult:
    """What :func:`check_op` found: ``ok``, a Chinese ``message``, and the failing check.

    ``mistake`` is None or a code (``"forgot_upstream"``, ``"sign"``, ...);
    ``analytic`` is the gradient the learner's backward gave in the failing
    check and ``numeric`` what it should have been there (from central
    differences).  ``bool(result)`` is ``result.ok``; Jupyter shows a ✅/❌ box.
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

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        color = "#2e7d32" if self.ok else "#c62828"
        head, _, rest = html.escape(self.message).partition("\n")
        body = f"<b>{head}</b><br>" + rest.replace("\n", "<br>")
        body = re.sub(r"`([^`]+)`", r"<code>\1</code>", body)
        return (
            f'<div style="border-left:4px solid {color};padding:6px 10px;'
            f'background:{color}11;line-height:1.6">{body}</div>'
        )


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _inside(v: float, bounds) -> bool:
    low, high = bounds
    return (low is None or v > low) and (high is None or v < high)


def _input_names(op, nin):
    """(nin, names): nin from op's required positional parameters unless given."""
    try:
        params = list(inspect.signature(op).parameters.values())
    except (TypeError, ValueError):  # no signature: a builtin
        params = []
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


def _domains(domain, nin):
    if domain is None:
        return [(None, None)] * nin
    pairs = [domain] * nin
    if isinstance(domain, (list, tuple)) and domain and isinstance(domain[0], (list, tuple)):
        pairs = list(domain)
    if len(pairs) != nin:
        raise ValueError(f"check_op: domain has {len(pairs)} intervals for {nin} inputs")
    result = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"check_op: domain must be (low, high) pairs, got {pair!r}")
        low, high = (None if b is None else as_real(b, "domain bound") for b in pair)
        if low is not None and high is not None and not low < high:
            raise ValueError(f"check_op: domain ({low}, {high}) is empty")
        result.append((low, high))
    return result


def _default_coordinates(low, high):
    if low is None:
        return list(_UNBOUNDED) if high is None else [high - t for t in _HALF_LINE]
    if high is None:
        return [low + t for t in _HALF_LINE]
    return [low + (high - low) * t for t in _FRACTIONS]


def _points(points, domains, names):
    nin = len(domains)
    if points is None:
        columns = [_default_coordinates(*b) for b in domains]
        return [tuple(columns[j][(i + 2 * j) % 5] for j in range(nin)) for i in range(5)]
    if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
        raise TypeError(f"check_op: points must be a list of numbers, got {type(points).__name__}")
    result = []
    for p in points:
        p = tuple(p) if isinstance(p, (list, tuple)) else (p,)
        if len(p) != nin:
            raise ValueError(f"check_op: point {p!r} has {len(p)} coordinates, op takes {nin}")
        p = tuple(as_real(v, "point coordinate") for v in p)
        for v, name, bounds in zip(p, names, domains):
            if not _inside(v, bounds):
                raise ValueError(f"check_op: point {name}={v!r} is outside domain {bounds}")
        result.append(p)
    if not result:
        raise ValueError("check_op: points is empty")
    return result


def _run(op, point, names, upstream=1.0, preset=0.0, twice=False):
    """Build op at point (twice: op(x) + op(x)) and backward(upstream).

    Returns (out, the inputs' grads, names of inputs missing from out's graph).
    """
    leaves = [Value(v, label=n) for v, n in zip(point, names)]
    for leaf in leaves:
        leaf.grad = preset
    with engine.enable_grad():  # even inside no_grad()
        out = op(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"check_op: op must return a Value, got {type(out).__name__}")
        root = out + op(*leaves) if twice else out
    if not twice:
        missing = set(leaves) - set(topological_order(out))
        if missing:
            return out, None, [n for leaf, n in zip(leaves, names) if leaf in missing]
    root.backward(upstream)
    return out, [leaf.grad for leaf in leaves], []


_HINTS = {
    "missing_parents": "`{name}` 的输出没有把输入 {input} 记成父节点：创建输出时要把输入写进"
    '第二个参数，例如 `Value(data, ({inputs},), "{name}")`；否则画图看不到这条边，'
    "前面的节点也收不到梯度。",
    "grad_not_number": "{input}.grad 变成了一个 Value（{analytic_text}），而不是一个数：闭包里的"
    "公式用了 `{input}` 或 `out`，应当用 `{input}.data`、`out.data`。梯度是普通的数，"
    "否则每一步反向传播都会悄悄再建一张图。",
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
    "先在纸上求出 ∂{name}/∂{input}，再和上面的数值梯度逐点比较。",
    "forgot_upstream": "可能的错误：忘了乘上游梯度——{input}.grad 没有随上游梯度变化（g = 1 时对，"
    "g = {g} 时还是 {analytic_text}）。链式法则：`{input}.grad += 局部导数 * out.grad`"
    "（本引擎 `_backward(g)` 的写法里是 `* g`）。",
    "upstream_misused": "可能的错误：上游梯度用得不对——应当是 局部导数 × 上游梯度，相乘且只乘一次："
    "`{input}.grad += 局部导数 * out.grad`。",
    "assign_instead_of_accumulate": "可能的错误：用了 `=` 而不是 `+=`。{case}，你的闭包运行之前"
    " {input}.grad 里已经有梯度（另一次使用送来的，或叶子原有的），赋值把它覆盖了；链式法则要求"
    "把各条路径的梯度相加。把 `{input}.grad = ...` 改成 `{input}.grad += ...`。",
    "reuse_wrong": "可能的错误：节点被重复使用或叶子已有梯度时结果不对——梯度应当用 `+=` 累加，"
    "而且闭包每次只加一份 局部导数 × 上游梯度。",
}


def _diagnose_formula(op, i, records, names, domains, tol, eps):
    """Which mistake explains analytic != numeric for input i at every point (g = 1)?"""
    a = [r[2][i] for r in records]
    d = [r[3][i] for r in records]
    if all(v == 0.0 for v in a):
        return "no_gradient", None
    if all(_close(x, -y, *tol) for x, y in zip(a, d)) and any(abs(y) > 1e-6 for y in d):
        return "sign", None
    for j in range(len(names)):
        if j != i and all(_close(x, r[3][j], *tol) for x, r in zip(a, records)):
            return "swapped_inputs", names[j]
    if len(names) == 1:
        as_output, as_input = [], []  # a(f(x0)) vs d(x0); a(x0) vs d(f(x0))
        for _, value, grads, numeric in records:
            if not _inside(value, domains[0]):
                continue
            try:
                _, grads_at_value, _ = _run(op, (value,), names)
                numeric_at_value = numerical_grad(op, [Value(value)], eps)[0]
            except (ArithmeticError, ValueError):
                continue
            as_output.append(_close(grads_at_value[0], numeric[0], *tol))
            as_input.append(_close(grads[0], numeric_at_value, *tol))
        if len(as_output) >= 2 and all(as_output):
            return "input_in_output_form", None
        if len(as_input) >= 2 and all(as_input):
            return "output_in_input_form", None
    return "wrong_formula", None


def check_op(
    op, *, nin=None, points=None, domain=None, name=None, eps=1e-6, atol=1e-6, rtol=1e-4, seed=0
) -> CheckResult:
    """Check a learner's op (Values -> Value, with its own ``_backward``) by central differences.

    Checks, first failure reported: the output lists each input as a parent;
    gradient with upstream 1 at every point (else: no gradient, sign, input vs
    output form, swapped inputs, wrong formula); with a random upstream ``g``
    (``out.backward(g)``: forgot the upstream gradient); ``op(x) + op(x)`` and
    a leaf that already has grad 0.75 (``=`` instead of ``+=``).  ``points``:
    numbers, or tuples for several inputs; ``domain``: ``(low, high)`` with
    None for an open side, or one pair per input.  See the module docstring.

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
    >>> check_op(lambda x: x.log(), domain=(0, None)).ok
    True
    """
    if not callable(op):
        raise TypeError(f"check_op: op must be a function of Values, got {type(op).__name__}")
    nin, names = _input_names(op, nin)
    name = name or getattr(op, "__name__", "op")
    if name == "<lambda>":
        name = "op"
    domains = _domains(domain, nin)
    pts = _points(points, domains, names)
    tol = (as_real(atol, "atol"), as_real(rtol, "rtol"))
    rng = random.Random(seed)

    def fail(mistake, point, i, analytic=None, numeric=None, upstream=1.0, how="", **extra):
        where = ", ".join(f"{n} = {_fmt(v)}" for n, v in zip(names, point))
        hint = _HINTS[mistake].format(input=names[i], name=name, g=_fmt(upstream), **extra)
        numbers = ""
        if analytic is not None:
            numbers = (
                f"你的反向传播给出 {names[i]}.grad = {_fmt(analytic)}，\n"
                f"数值梯度（中心差分）说应当是 {extra.get('via', '')}{_fmt(numeric)}。\n"
            )
        message = f"❌ `{name}` 的反向传播有错。在 {where} 处{how}：\n{numbers}{hint}"
        return CheckResult(False, message, name, mistake, point, names[i], analytic, numeric,
                           upstream if analytic is not None else None, pts)  # fmt: skip

    records = []  # (point, f(point), analytic grads, numeric grads), upstream 1
    for point in pts:
        try:
            out, grads, missing = _run(op, point, names)
        except (ValueError, ArithmeticError) as error:  # e.g. log at a negative default point
            where = ", ".join(f"{n}={v!r}" for n, v in zip(names, point))
            raise ValueError(
                f"check_op: op raised {type(error).__name__} at {where} ({error}); check it only"
                " inside its domain: pass domain=(low, high) or points=[...]"
            ) from error
        if missing:
            i = names.index(missing[0])
            return fail("missing_parents", point, i, inputs=", ".join(names))
        for i, grad in enumerate(grads):
            if isinstance(grad, Value):
                return fail("grad_not_number", point, i, analytic_text=repr(grad))
        numeric = numerical_grad(op, [Value(v, label=n) for v, n in zip(point, names)], eps)
        records.append((point, out.data, grads, numeric))

    for point, _, grads, numeric in records:
        for i in range(nin):
            if not _close(grads[i], numeric[i], *tol):
                mistake, other = _diagnose_formula(op, i, records, names, domains, tol, eps)
                return fail(mistake, point, i, grads[i], numeric[i], 1.0, "（上游梯度 1）",
                            other=other)  # fmt: skip

    for point, _, _, numeric in records:
        g = 1.0
        while abs(g - 1.0) < 0.25:  # far enough from 1 to show whether it was used
            g = rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 2.5)
        how = f"，上游梯度 g = {_fmt(g)}"
        _, grads, _ = _run(op, point, names, upstream=g)
        for i in range(nin):
            if not _close(grads[i], g * numeric[i], *tol):
                forgot = _close(grads[i], numeric[i], *tol)
                mistake = "forgot_upstream" if forgot else "upstream_misused"
                via = f"g × {_fmt(numeric[i])} = "
                return fail(mistake, point, i, grads[i], g * numeric[i], g, how, via=via,
                            analytic_text=_fmt(grads[i]))  # fmt: skip

        call = f"{name}({', '.join(names)})"
        for twice, preset, case in (
            (True, 0.0, f"把 `{call} + {call}` 这样用两次"),
            (False, _PRESET, f"输入的 .grad 事先已是 {_PRESET}"),
        ):
            _, grads, _ = _run(op, point, names, upstream=g, preset=preset, twice=twice)
            for i in range(nin):
                expected = preset + (2.0 if twice else 1.0) * g * numeric[i]
                if not _close(grads[i], expected, *tol):
                    overwrote = _close(grads[i], g * numeric[i], *tol)
                    mistake = "assign_instead_of_accumulate" if overwrote else "reuse_wrong"
                    how = f"，{case}、上游梯度 g = {_fmt(g)}"
                    via = "2 × g × " if twice else f"{_PRESET} + g × "
                    via += f"{_fmt(numeric[i])} = "
                    return fail(mistake, point, i, grads[i], expected, g, how, case=case, via=via)

    worst = max(abs(a - d) for r in records for a, d in zip(r[2], r[3]))
    where = "；".join(", ".join(f"{n} = {_fmt(v)}" for n, v in zip(names, p)) for p in pts)
    message = (
        f"✅ `{name}` 的反向传播正确：在 {len(pts)} 个点（{where}）上与数值梯度一致"
        f"（最大差 {worst:.1e}）；乘上了随机的上游梯度；节点用两次、叶子已有梯度时也正确累加。"
    )
    return CheckResult(True, message, name, points=pts)
