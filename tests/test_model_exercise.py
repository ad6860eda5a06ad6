"""Tests for micrograd_cn.model_exercise.check_mlp: a learner's micrograd-style MLP is compared
with nn.MLP(init="uniform") and each way of getting it wrong is named in Chinese."""

import random

import pytest

from micrograd_cn import Value, nn
from micrograd_cn.exercises import check_mlp


def learner_mlp(*, last_relu=False, hidden_relu=True, bias=0.0, list_out=False,
                bias_first=False, blank=False, numbers_only=False):  # fmt: skip
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
