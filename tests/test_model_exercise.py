"""Tests for micrograd_cn.model_exercise.check_mlp: a learner's micrograd-style MLP is compared
with nn.MLP(init="uniform") and each way of getting it wrong is named in Chinese."""

import functools
import random

import pytest

from micrograd_cn import Value, nn
from micrograd_cn.exercises import check_mlp
from micrograd_cn.gradcheck import numerical_grad


def learner_mlp(*, last_relu=False, hidden_relu=True, bias=0.0, list_out=False,
                bias_first=False, blank=False, numbers_only=False, hidden_tanh=False):  # fmt: skip
    """Chapter 05's exercise written the way a learner would, with one slip switched on."""

    class Neuron:
        def __init__(self, nin, nonlin=True):
            if blank:
                raise NotImplementedError("在这里写你的答案")
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(bias)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            if numbers_only:  # the right number, but no graph behind it
                return Value(act.relu().data if self.nonlin else act.data)
            if hidden_tanh and self.nonlin:
                return act.tanh()
            relu = hidden_relu if self.nonlin else last_relu
            return act.relu() if relu else act

        def parameters(self):
            return [self.b, *self.w] if bias_first else [*self.w, self.b]

    class Layer:
        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 and not list_out else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP:
        def __init__(self, nin, nouts):
            sizes = [nin, *nouts]
            last = len(nouts) - 1
            self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(last + 1)]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP


def test_a_right_mlp_passes_and_the_random_state_is_restored():
    random.seed(123)
    before = random.getstate()
    result = check_mlp(learner_mlp())
    assert result.ok and result.badge == "正确" and result.mistake is None
    assert "37 个参数" in result.message  # 2·4+4 + 4·4+4 + 4·1+1
    assert random.getstate() == before


def test_it_is_the_model_nn_mlp_builds():
    random.seed(5)
    mine = learner_mlp()(2, [3, 1])
    theirs = nn.MLP(2, [3, 1], init="uniform", seed=5)
    assert [p.data for p in mine.parameters()] == [p.data for p in theirs.parameters()]
    assert mine([0.3, -0.4]).data == pytest.approx(theirs([0.3, -0.4]).data, abs=1e-15)


@pytest.mark.parametrize(
    ("slip", "mistake", "phrase"),
    [
        ({"last_relu": True}, "forward", "最后一层多了 ReLU"),
        ({"hidden_relu": False}, "forward", "隐藏层忘了 ReLU"),
        ({"bias": 0.1}, "initial_values", "第 3 个参数（L0.n0.b：第 1 层第 1 个神经元的偏置）是 "
         "0.1，应当是 0。偏置从 0 开始"),
        ({"bias_first": True}, "initial_values", "先权重后偏置"),
        ({"list_out": True}, "output_list", "而不是长度为 1 的列表"),
        ({"numbers_only": True}, "gradient", "不要取出 `.data` 再算"),
    ],
)  # fmt: skip
def test_each_slip_is_named(slip, mistake, phrase):
    result = check_mlp(learner_mlp(**slip))
    assert (result.ok, result.mistake, result.badge) == (False, mistake, "有错")
    assert result.message.startswith("有错：") and phrase in result.message


def test_the_blank_says_not_yet():
    result = check_mlp(learner_mlp(blank=True))
    assert (result.mistake, result.badge) == ("blank", "还没写")
    assert "`MLP` 里还留着空白" in result.message and "`__init__`" in result.message


def test_too_few_parameters_are_counted():
    class Tiny:
        def __init__(self, nin, nouts):
            self.w = Value(random.uniform(-1, 1))

        def parameters(self):
            return [self.w]

    result = check_mlp(Tiny)
    assert result.mistake == "parameter_count"
    assert "`Tiny(2, [4, 4, 1])` 有 1 个参数，应当是 37 个" in result.message
    assert "2·4+4 + 4·4+4 + 4·1+1 = 37" in result.message


# ---------------------------------------------------------------- mutation audit (model_exercise)


@pytest.mark.parametrize(
    ("label", "place"),
    [("L0.n1.w2", (1, 2, "第 3 个权重")), ("L0.n0.w0", (1, 1, "第 1 个权重")),
     ("L1.n0.b", (2, 1, "偏置"))],
)  # fmt: skip
def test_a_parameter_is_placed_counting_from_one(label, place):
    """Kills ``_position``'s ``last == "b"`` made always true and its ``+ 1`` turned into
    ``- 1`` / ``+ 2``: the learner reads layers, neurons and weights counted from 1."""
    from micrograd_cn.model_exercise import _position

    assert _position(label) == place


def reference():
    """The model check_mlp's defaults compare with: nn.MLP(2, [4, 4, 1]) drawn after seed 0."""
    return nn.MLP(2, [4, 4, 1], init="uniform", seed=0)


INPUTS = ([0.5, -1.2], [1.5, 0.3], [-0.7, 0.9], [2.0, 1.1])


def built(MLP):
    """The learner's model as check_mlp builds it: right after ``random.seed(0)``."""
    random.seed(0)
    return MLP(2, [4, 4, 1])


def test_the_right_verdict_is_one_exact_sentence():
    """Kills ``_compare``'s success verdict losing the name (``name`` -> None)."""
    result = check_mlp(learner_mlp())
    assert result.name == "MLP"
    assert result.message == (
        '正确：你的 `MLP` 和 `nn.MLP(2, [4, 4, 1], init="uniform")` 完全一致：37 个参数的初始值、'
        "4 个输入上的输出、每个参数的梯度都相同。"
    )


class Tiny:
    """A model with one parameter where 37 are due."""

    def __init__(self, nin, nouts):
        self.w = Value(random.uniform(-1, 1))

    def parameters(self):
        return [self.w]


def test_a_callable_without_a_name_is_called_mlp_and_the_count_sentence_is_whole():
    """Kills ``check_mlp``'s fallback name ``"MLP"`` -> None / "XXMLPXX" / "mlp" / no default,
    ``_fail``'s name -> None and the ``parameter_count`` sentence's text mutants."""
    result = check_mlp(functools.partial(Tiny))
    assert (result.ok, result.name, result.mistake) == (False, "MLP", "parameter_count")
    assert result.message == (
        "有错：`MLP(2, [4, 4, 1])` 有 1 个参数，应当是 37 个：每个神经元有 nin 个权重和 1 个偏置，"
        "逐层相加是 2·4+4 + 4·4+4 + 4·1+1 = 37。检查每层的输入个数（上一层的输出个数）和 "
        "`parameters()` 是否把每一层、每个神经元的参数都收齐了。"
    )


def test_a_number_among_the_parameters_is_named_by_its_place_and_type():
    """Kills ``_compare``'s ``parameter_type`` verdict: ``or`` -> ``and`` (a float has no
    ``.data``), ``k + 1`` -> ``k - 1`` / ``k + 2``, ``type(None)``, the text, name and code."""

    def MLP(nin, nouts):
        model = learner_mlp()(nin, nouts)
        params = model.parameters()
        model.parameters = lambda: [params[0], params[1].data, *params[2:]]
        return model

    result = check_mlp(MLP)
    assert (result.ok, result.name, result.mistake) == (False, "MLP", "parameter_type")
    assert result.message == (
        "有错：`parameters()` 里第 2 个是 float，不是 Value："
        "参数要是 Value，训练时才能读到它们的 `.grad`。"
    )


def test_a_wrong_first_value_gets_the_whole_sentence_with_the_seed():
    """Kills ``_compare``'s ``initial_values`` hints (``Value(0.0)``, ``random.uniform(-1, 1)``,
    ``parameters()`` upper-cased or wrapped in XX), its name -> None, and a changed default
    ``seed``: the first weight after ``random.seed(0)`` is ``random.uniform(-1, 1)``."""
    random.seed(0)
    first = random.uniform(-1, 1)
    weight = check_mlp(learner_mlp(bias_first=True))
    assert (weight.name, weight.mistake) == ("MLP", "initial_values")
    assert weight.message == (
        "有错：`random.seed(0)` 之后，第 1 个参数"
        f"（L0.n0.w0：第 1 层第 1 个神经元的第 1 个权重）是 0，应当是 {first:.6g}。"
        "每个权重依次用 `random.uniform(-1, 1)` 抽一个数，偏置是 0（不抽随机数）；"
        "`parameters()` 的顺序是逐层、逐个神经元、先权重后偏置。"
    )
    bias = check_mlp(learner_mlp(bias=0.25))
    assert (bias.name, bias.mistake) == ("MLP", "initial_values")
    assert bias.message == (
        "有错：`random.seed(0)` 之后，第 3 个参数（L0.n0.b：第 1 层第 1 个神经元的偏置）是 0.25，"
        "应当是 0。偏置从 0 开始：`Value(0.0)`。"
    )


def test_a_list_or_a_number_out_of_the_model_gets_its_sentence():
    """Kills ``_compare``'s ``output_list`` text (``Layer``/``Value``/``micrograd``/``model(x)``
    case) and name, and every ``output_type`` mutant (text, ``type(None)``, name, code)."""
    listed = check_mlp(learner_mlp(list_out=True))
    assert (listed.name, listed.mistake) == ("MLP", "output_list")
    assert listed.message == (
        "有错：最后一层只有 1 个神经元时，`Layer` 返回那个 Value 本身，而不是长度为 1 的列表"
        "（micrograd 的约定，这样 `model(x)` 就是一个分数）。"
    )

    def MLP(nin, nouts):
        model = learner_mlp()(nin, nouts)

        class Numbers:  # gives the number, not the Value
            def parameters(self):
                return model.parameters()

            def __call__(self, x):
                return model(x).data

        return Numbers()

    number = check_mlp(MLP)
    assert (number.name, number.mistake) == ("MLP", "output_type")
    assert number.message == "有错：`model([0.5, -1.2])` 返回的是 float，不是 Value。"


LAST_RELU = (
    "最后一层多了 ReLU：最后一层是线性的（`nonlin=False`），"
    "输出可以是负数（它是一个分数，正负表示类别）。"
)
HIDDEN_LINEAR = "隐藏层忘了 ReLU：除最后一层外，每个神经元的加权和都要再过 `relu()`。"
SWAPPED = "ReLU 放错了层：应当是除最后一层外每层都用 ReLU，最后一层不用。"
UNKNOWN = "检查加权和 `w·x + b`（每个权重乘对应的输入，再加偏置）和每层的激活函数。"


@pytest.mark.parametrize(
    ("slip", "hint"),
    [({"last_relu": True}, LAST_RELU), ({"hidden_relu": False}, HIDDEN_LINEAR),
     ({"hidden_relu": False, "last_relu": True}, SWAPPED), ({"hidden_tanh": True}, UNKNOWN)],
    ids=["last_relu", "hidden_linear", "swapped", "tanh"],
)  # fmt: skip
def test_wrong_outputs_are_listed_against_the_reference_with_the_rule_missed(slip, hint):
    """Kills ``_guess_activation``'s hint texts (XX-wrapped, ``relu()``/``ReLU``/``w·x + b``
    case), the third rule's keys and values (``activation``/``linear``/``out_activation``/
    ``relu`` renamed: nn.MLP refuses them), and in ``_compare`` the list of outputs
    (``shown`` -> None, ``"XX、XX"``, ``fmt(None)`` either side) and the name -> None."""
    mine = built(learner_mlp(**slip))
    model = reference()
    shown = "、".join(f"{mine(x).data:.6g}（应为 {model(x).data:.6g}）" for x in INPUTS)
    result = check_mlp(learner_mlp(**slip))
    assert (result.name, result.mistake) == ("MLP", "forward")
    said = f"有错：参数都对，但输出不同：在 4 个输入上你的模型给出 {shown}。{hint}"
    assert result.message == said


def test_a_gradient_off_by_less_than_one_is_named_with_both_numbers():
    """Kills ``_compare``'s gradient tolerance ``1e-9`` -> ``1.000000001`` (this one is off by
    0.2), ``k + 1`` -> ``k - 1`` / ``k + 2``, ``fmt(None)`` either side, the text and name."""

    class Leaky:
        def __init__(self, nin, nouts):
            self.model = learner_mlp()(nin, nouts)

        def parameters(self):
            return self.model.parameters()

        def __call__(self, x):
            w = self.model.parameters()[0]
            return self.model(x) + (w - w.data) * 0.05

    model = reference()
    total = sum((model(x) for x in INPUTS[1:]), model(INPUTS[0]))
    total.backward()
    w0 = model.parameters()[0]
    right, start = w0.grad, w0.data  # d/dw of the four outputs' sum, by the engine

    def outputs_sum(w):
        w0.data = w.data
        return sum((model(x) for x in INPUTS[1:]), model(INPUTS[0]))

    assert right == pytest.approx(numerical_grad(outputs_sum, [start])[0], abs=1e-6)
    w0.data = start
    result = check_mlp(Leaky)
    assert (result.name, result.mistake) == ("Leaky", "gradient")
    assert result.message == (
        f"有错：输出都对，但反向传播后第 1 个参数（L0.n0.w0）的梯度是 {right + 0.2:.6g}，"
        f"应当是 {right:.6g}：运算要用 Value 的运算符"
        "（`*`、`+`、`relu()`），不要取出 `.data` 再算。"
    )


class Steps:
    """A learner's model that breaks at one stage of the check (``stage``)."""

    def __init__(self, nin, nouts, stage):
        if stage == "build":
            raise ValueError(f"no {stage}")
        self.model, self.stage = learner_mlp()(nin, nouts), stage

    def parameters(self):
        if self.stage == "parameters":
            raise ValueError(f"no {self.stage}")
        return self.model.parameters()

    def __call__(self, x):
        if self.stage == "forward":
            raise ValueError(f"no {self.stage}")
        out = self.model(x)
        return Sticky(out.data, self.stage) if self.stage in ("sum", "backward") else out


class Sticky(Value):
    """An output with the right number that cannot be added up (``sum``) or back-propagated."""

    def __init__(self, data, stage):
        super().__init__(data)
        self.stage = stage

    def __add__(self, other):
        if self.stage == "sum":
            raise ValueError(f"no {self.stage}")
        return Sticky(self.data + other.data, self.stage)

    def backward(self, grad=1.0):
        raise ValueError(f"no {self.stage}")


@pytest.mark.parametrize(
    ("stage", "mistake", "said"),
    [("build", "build_error", "创建模型 `MLP(2, [4, 4, 1])` 时出错"),
     ("parameters", "parameters_error", "调用 `parameters()` 时出错"),
     ("forward", "forward_error", "正向计算 `model([0.5, -1.2])` 时出错"),
     ("sum", "forward_error", "把几个输出加起来时出错"),
     ("backward", "backward_error", "反向传播 `backward()` 时出错")],
)  # fmt: skip
def test_an_error_names_the_stage_it_happened_in(stage, mistake, said):
    """Kills the stage codes (``"build"``, ``"parameters"``, ``"forward"`` twice,
    ``"backward"``: None, XX-wrapped or upper-cased) and their Chinese descriptions (None,
    XX-wrapped, ``PARAMETERS()``/``BACKWARD()``), and ``guarded``'s ``stage``/``what`` -> None
    and ``where`` -> ``"XXXX"`` in ``check_mlp``."""
    result = check_mlp(functools.partial(Steps, stage=stage))
    assert (result.ok, result.name, result.mistake) == (False, "MLP", mistake)
    assert result.message.startswith(f"有错：{said}\n出错的是 ")
    assert f"\nValueError: no {stage}\n" in result.message


def test_the_time_budget_is_one_second_by_default(monkeypatch):
    """Kills a changed default ``time_limit`` (1.0 -> 2.0): the clock is a fake one the
    learner's constructor moves 1.5 s on, so the test itself takes no time."""
    from micrograd_cn import feedback

    now = [100.0]
    monkeypatch.setattr(feedback, "time", type("Clock", (), {"monotonic": lambda: now[0]}))

    class Slow:
        def __init__(self, nin, nouts):
            now[0] += 1.5
            self.nin = nin

    result = check_mlp(Slow)
    assert (result.name, result.mistake) == ("Slow", "timeout")
    assert result.message.startswith("有错：创建模型 `Slow(2, [4, 4, 1])` 时运行超过 1 秒还没结束")


def test_differences_of_exactly_1e_9_count_as_equal():
    """Kills ``_compare``'s three tolerances ``> _CLOSE``/``> 1e-9`` turned into ``>=``
    (initial values, outputs, gradients).  In the reference, neuron L1.n1 is dead on all four
    inputs and the third input's output is exactly 0; this model differs by exactly 1e-9 from
    the reference in that neuron's bias, in that output and in the gradient of L1.n1.w0."""
    model = reference()
    assert model(INPUTS[2]).data == 0.0
    dead = model.layers[1].neurons[1]
    for x in INPUTS:
        hidden = [h.data for h in model.layers[0](x)]
        assert sum(w.data * h for w, h in zip(dead.w, hidden)) + dead.b.data <= 0.0

    class Edge:
        def __init__(self, nin, nouts):
            self.model = learner_mlp()(nin, nouts)
            self.dead = self.model.layers[1].neurons[1]
            self.dead.b.data = -1e-9  # still dead: its weighted sum stays <= 0

        def parameters(self):
            return self.model.parameters()

        def __call__(self, x):
            out = self.model(x)
            if out.data != 0.0:
                return out
            w = self.dead.w[0]  # value 1e-9 more, and dOut/dw 1e-9 more (its true grad is 0)
            return out + (w - w.data + 1.0) * 1e-9

    result = check_mlp(Edge)
    assert result.ok, result.message


def test_outputs_exactly_1e_9_from_a_rule_get_its_hint():
    """Kills ``_guess_activation``'s ``<= _CLOSE`` turned into ``< _CLOSE``: a model as close
    to "last layer with ReLU" as the check's own tolerance is told that rule."""

    class AlmostLastRelu:
        def __init__(self, nin, nouts):
            self.model = learner_mlp(last_relu=True)(nin, nouts)

        def parameters(self):
            return self.model.parameters()

        def __call__(self, x):
            out = self.model(x)
            return out + 1e-9 if x == INPUTS[2] else out  # relu(0) + 1e-9 there

    result = check_mlp(AlmostLastRelu)
    assert result.mistake == "forward"
    assert result.message.endswith(LAST_RELU)
