"""Checking a learner's ``MLP`` (micrograd's design, written on ``Value``) against ``nn.MLP``.

Chapter 05 has the learner write ``Neuron``, ``Layer`` and ``MLP`` themselves.
Written micrograd's way -- every weight drawn in turn with
``random.uniform(-1, 1)``, the bias starting at 0, ReLU on every layer but the
last, parameters listed layer by layer, neuron by neuron, weights before bias --
the model is the very one ``nn.MLP(nin, nouts, init="uniform", seed=s)`` builds
after ``random.seed(s)``, so :func:`check_mlp` can compare the two number for
number: the parameters, the outputs on a few inputs, and every gradient.  Each
difference it finds gets a Chinese sentence saying which rule was missed.

>>> from micrograd_cn import nn
>>> check_mlp(lambda nin, nouts: nn.MLP(nin, nouts, init="uniform")).badge
'正确'
"""

from __future__ import annotations

import random

from . import nn
from .feedback import CheckResult, Stop, guarded_call
from .op_runner import fmt, is_node, is_number

__all__ = ["check_mlp"]

_INPUTS = ([0.5, -1.2], [1.5, 0.3], [-0.7, 0.9], [2.0, 1.1])
_CLOSE = 1e-9


def _fail(message: str, name: str, mistake: str) -> CheckResult:
    return CheckResult(False, f"有错：{message}", name, mistake)


def _reference(nin, nouts, seed, **kwargs):
    return nn.MLP(nin, list(nouts), init="uniform", seed=seed, **kwargs)


def _position(label: str):
    """``L0.n1.w2`` -> (1, 2, "第 3 个权重"): counted from 1 for the learner."""
    layer, neuron, last = label.split(".")
    which = "偏置" if last == "b" else f"第 {int(last[1:]) + 1} 个权重"
    return int(layer[1:]) + 1, int(neuron[1:]) + 1, which


def _guess_activation(model_outputs, nin, nouts, seed) -> str:
    """Which activation rule explains outputs that differ from the reference, if any."""
    for kwargs, hint in (
        ({"out_activation": "relu"}, "最后一层多了 ReLU：最后一层是线性的（`nonlin=False`），"
         "输出可以是负数（它是一个分数，正负表示类别）。"),
        ({"activation": "linear"}, "隐藏层忘了 ReLU：除最后一层外，每个神经元的加权和都要再过 "
         "`relu()`。"),
        ({"activation": "linear", "out_activation": "relu"}, "ReLU 放错了层：应当是除最后一层外"
         "每层都用 ReLU，最后一层不用。"),
    ):  # fmt: skip
        other = _reference(nin, nouts, seed, **kwargs)
        if all(abs(a - other(x).data) <= _CLOSE for a, x in zip(model_outputs, _INPUTS)):
            return hint
    return "检查加权和 `w·x + b`（每个权重乘对应的输入，再加偏置）和每层的激活函数。"


def check_mlp(MLP, *, nin=2, nouts=(4, 4, 1), seed=0, time_limit=1.0) -> CheckResult:
    """Build ``MLP(nin, list(nouts))`` after ``random.seed(seed)`` and compare it with
    ``nn.MLP(nin, nouts, init="uniform", seed=seed)``: parameters, outputs, gradients.

    The global :mod:`random` state is restored afterwards.  ``MLP`` is the
    learner's class (or any callable ``(nin, nouts) -> model``).
    """
    name = getattr(MLP, "__name__", "MLP")
    call = f"{name}({nin}, {list(nouts)})"
    state = random.getstate()

    def guarded(function, args, stage, what):
        return guarded_call(function, args, time_limit, name, stage, what, "")

    try:
        random.seed(seed)
        model = guarded(MLP, (nin, list(nouts)), "build", f"创建模型 `{call}` 时")
        return _compare(model, guarded, call, name, nin, nouts, seed)
    except Stop as stop:
        return stop.result
    finally:
        random.setstate(state)


def _compare(model, guarded, call, name, nin, nouts, seed) -> CheckResult:
    reference = _reference(nin, nouts, seed)
    expected = reference.parameters()
    params = guarded(lambda: list(model.parameters()), (), "parameters", "调用 `parameters()` 时")
    sizes = " + ".join(f"{a}·{b}+{b}" for a, b in zip([nin, *nouts], nouts))
    if len(params) != len(expected):
        return _fail(f"`{call}` 有 {len(params)} 个参数，应当是 {len(expected)} 个：每个神经元有"
                     f" nin 个权重和 1 个偏置，逐层相加是 {sizes} = {len(expected)}。"
                     "检查每层的输入个数（上一层的输出个数）和 `parameters()` 是否把"
                     "每一层、每个神经元的参数都收齐了。", name, "parameter_count")  # fmt: skip
    for k, (p, e) in enumerate(zip(params, expected)):
        if not is_node(p) or not is_number(p.data):
            return _fail(f"`parameters()` 里第 {k + 1} 个是 {type(p).__name__}，不是 Value："
                         "参数要是 Value，训练时才能读到它们的 `.grad`。", name,
                         "parameter_type")  # fmt: skip
        if abs(p.data - e.data) > _CLOSE:
            bias = e.label.endswith(".b")
            hint = ("偏置从 0 开始：`Value(0.0)`。" if bias else
                    "每个权重依次用 `random.uniform(-1, 1)` 抽一个数，偏置是 0（不抽随机数）；"
                    "`parameters()` 的顺序是逐层、逐个神经元、先权重后偏置。")  # fmt: skip
            layer, neuron, which = _position(e.label)
            return _fail(f"`random.seed({seed})` 之后，第 {k + 1} 个参数（{e.label}：第 {layer} 层"
                         f"第 {neuron} 个神经元的{which}）是 {fmt(p.data)}，应当是 {fmt(e.data)}。"
                         f"{hint}", name,
                         "initial_values")  # fmt: skip
    outputs = []
    for x in _INPUTS:
        out = guarded(model, ([*x],), "forward", f"正向计算 `model({x})` 时")
        if isinstance(out, list) and nouts[-1] == 1:
            return _fail("最后一层只有 1 个神经元时，`Layer` 返回那个 Value 本身，而不是长度为 1 的"
                         "列表（micrograd 的约定，这样 `model(x)` 就是一个分数）。", name,
                         "output_list")  # fmt: skip
        if not is_node(out):
            return _fail(f"`model({x})` 返回的是 {type(out).__name__}，不是 Value。", name,
                         "output_type")  # fmt: skip
        outputs.append(out)
    values = [o.data for o in outputs]
    if any(abs(v - reference(x).data) > _CLOSE for v, x in zip(values, _INPUTS)):
        shown = "、".join(f"{fmt(v)}（应为 {fmt(reference(x).data)}）" for v, x in
                         zip(values, _INPUTS))  # fmt: skip
        hint = _guess_activation(values, nin, nouts, seed)
        return _fail(f"参数都对，但输出不同：在 {len(_INPUTS)} 个输入上你的模型给出 {shown}。"
                     f"{hint}", name, "forward")  # fmt: skip
    total = guarded(lambda: sum(outputs[1:], outputs[0]), (), "forward", "把几个输出加起来时")
    guarded(total.backward, (), "backward", "反向传播 `backward()` 时")
    ref_total = sum((reference(x) for x in _INPUTS[1:]), reference(_INPUTS[0]))
    ref_total.backward()
    for k, (p, e) in enumerate(zip(params, expected)):
        if not is_number(p.grad) or abs(p.grad - e.grad) > 1e-9:
            return _fail(f"输出都对，但反向传播后第 {k + 1} 个参数（{e.label}）的梯度是 "
                         f"{fmt(p.grad)}，应当是 {fmt(e.grad)}：运算要用 Value 的运算符"
                         "（`*`、`+`、`relu()`），不要取出 `.data` 再算。", name,
                         "gradient")  # fmt: skip
    return CheckResult(True, f"正确：你的 `{name}` 和 `nn.MLP({nin}, {list(nouts)}, "
                       f'init="uniform")` 完全一致：{len(params)} 个参数的初始值、'
                       f"{len(_INPUTS)} 个输入上的输出、每个参数的梯度都相同。", name)  # fmt: skip
