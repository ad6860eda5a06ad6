"""nn: micrograd compatibility (its demo notebook, same numbers), activations, inits, state_dict."""

import gc
import json
import math
import random
import re
import statistics
import sys

import pytest

from micrograd_cn import nn
from micrograd_cn.datasets import make_moons
from micrograd_cn.engine import Value
from micrograd_cn.nn import MLP, Layer, Module, Neuron

# ---------------------------------------------------------------- micrograd's demo notebook
# The code cells of karpathy/micrograd demo.ipynb after the imports and the data set
# (which needs scikit-learn and a plot): model, loss function, optimisation loop.
DEMO_MODEL = """
# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))
"""

DEMO_LOSS = """
# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)
"""

DEMO_OPTIMIZE = """
# optimization
for k in range(100):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


def _demo_namespace(library: str):
    np = pytest.importorskip("numpy")
    namespace = {"np": np, "random": random}
    exec(
        f"from {library}.engine import Value\nfrom {library}.nn import Neuron, Layer, MLP",
        namespace,
    )
    exec("np.random.seed(1337)\nrandom.seed(1337)", namespace)
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    namespace["X"] = np.array(X)
    namespace["y"] = np.array(y) * 2 - 1  # make y be -1 or 1
    return namespace


def test_micrograd_demo_runs_unchanged_and_learns(capsys):
    ns = _demo_namespace("micrograd_cn")
    gc.disable()  # only for speed: micrograd_cn's graphs have no cycles, refcounting frees them
    try:
        for cell in (DEMO_MODEL, DEMO_LOSS, DEMO_OPTIMIZE):
            exec(cell, ns)
    finally:
        gc.enable()
    lines = capsys.readouterr().out.splitlines()
    assert "number of parameters 337" in lines
    assert lines[-1].startswith("step 99 loss ")
    final_accuracy = float(lines[-1].rsplit(" ", 1)[1].rstrip("%"))
    assert final_accuracy >= 97.0
    assert len([line for line in lines if line.startswith("step ")]) == 100


def test_demo_loss_and_gradients_equal_micrograd(capsys):
    pytest.importorskip("micrograd")
    theirs, ours = _demo_namespace("micrograd"), _demo_namespace("micrograd_cn")
    for ns in (theirs, ours):
        exec(DEMO_MODEL + DEMO_LOSS, ns)
    # copy our (Xavier) weights into micrograd's model
    for mine, other in zip(ours["model"].parameters(), theirs["model"].parameters(), strict=True):
        other.data = mine.data
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 10_000))  # micrograd's backward recurses
    gc.disable()  # micrograd's graphs are cycles: collected once at the end, 5x faster
    try:
        for k in range(2):  # two SGD steps of the demo loop
            results = []
            for ns in (theirs, ours):
                total_loss, acc = ns["loss"]()
                ns["model"].zero_grad()
                total_loss.backward()
                results.append((total_loss.data, acc, [p.grad for p in ns["model"].parameters()]))
                learning_rate = 1.0 - 0.9 * k / 100
                for p in ns["model"].parameters():
                    p.data -= learning_rate * p.grad
            (loss_t, acc_t, grads_t), (loss_o, acc_o, grads_o) = results
            assert loss_o == pytest.approx(loss_t, rel=0, abs=1e-9)
            assert acc_o == acc_t
            assert max(abs(a - b) for a, b in zip(grads_t, grads_o, strict=True)) < 1e-9
            assert any(g != 0.0 for g in grads_o)
    finally:
        sys.setrecursionlimit(old_limit)
        gc.enable()
        gc.collect()
    capsys.readouterr()


def test_uniform_init_draws_like_micrograd():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(42)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(42)
    ours = MLP(2, [16, 16, 1], init="uniform")
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert str(ours.layers[0].neurons[0]) == str(theirs.layers[0].neurons[0]) == "ReLUNeuron(2)"
    assert str(ours.layers[2].neurons[0]) == str(theirs.layers[2].neurons[0]) == "LinearNeuron(16)"


def test_micrograd_style_constructors():
    assert Neuron(3, nonlin=True).activation == "relu"
    assert Neuron(3, nonlin=False).activation == "linear"
    assert Neuron(3, nonlin=False).nonlin is False
    assert Neuron(3, False).activation == "linear"  # micrograd's positional nonlin
    layer = Layer(3, 2, nonlin=False)
    assert [n.activation for n in layer.neurons] == ["linear", "linear"]
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4


# ---------------------------------------------------------------- forward and gradients
ACTIVATION_FORMS = {
    # name: (f(z), f'(z)) in closed form
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "tanh": (math.tanh, lambda z: 1 - math.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + math.exp(-z)), lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2),
    "linear": (lambda z: z, lambda z: 1.0),
    "elu": (lambda z: z if z > 0 else math.exp(z) - 1, lambda z: 1.0 if z > 0 else math.exp(z)),
    "softplus": (lambda z: math.log1p(math.exp(z)), lambda z: 1 / (1 + math.exp(-z))),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
}


@pytest.mark.parametrize("activation", sorted(ACTIVATION_FORMS))
@pytest.mark.parametrize("z_sign", [1.0, -1.0])
def test_neuron_is_activation_of_w_dot_x_plus_b(activation, z_sign):
    f, df = ACTIVATION_FORMS[activation]
    n = Neuron(3, activation=activation, seed=0)
    weights, bias, x = [0.4, -0.3, 0.25], 0.1 * z_sign, [z_sign * 1.0, z_sign * -0.5, z_sign * 0.8]
    for w, value in zip(n.w, weights):
        w.data = value
    n.b.data = bias
    z = sum(w * xi for w, xi in zip(weights, x)) + bias
    out = n(x)
    out.backward()
    assert out.data == pytest.approx(f(z), rel=1e-12, abs=1e-15)
    for w, xi in zip(n.w, x):
        assert w.grad == pytest.approx(df(z) * xi, rel=1e-12, abs=1e-15)
    assert n.b.grad == pytest.approx(df(z), rel=1e-12, abs=1e-15)


def test_neuron_uses_one_dot_node():
    n = Neuron(4, activation="linear", seed=0)
    out = n([1.0, 2.0, 3.0, 4.0])
    assert out._op == "dot" and len(out._prev) == 5  # 4 weights + bias; float inputs are constants
    hidden = Neuron(4, seed=0)([1.0, 2.0, 3.0, 4.0])
    assert hidden._op == "relu" and hidden._prev[0]._op == "dot"


def test_mlp_gradients_match_finite_differences():
    model = MLP(3, [4, 2], activation="tanh", seed=5)
    x = [0.3, -0.7, 1.1]

    def f():
        out = model(x)
        return out[0] * 0.7 - out[1] * 1.3  # a random-ish upstream gradient

    f().backward()
    for p in model.parameters():
        analytic, original = p.grad, p.data
        p.data = original + 1e-6
        up = f().data
        p.data = original - 1e-6
        down = f().data
        p.data = original
        assert analytic == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)


def test_mlp_output_kinds_and_parameter_order():
    model = MLP(2, [3, 1], seed=0)
    assert isinstance(model([1.0, 2.0]), Value)
    assert len(MLP(2, [3, 2], seed=0)([1.0, 2.0])) == 2
    expected = []
    for layer in model.layers:
        for neuron in layer.neurons:
            expected += [*neuron.w, neuron.b]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert len(model.parameters()) == 3 * 3 + 4
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "linear"]
    custom = MLP(2, [3, 3, 2], activation="tanh", out_activation="sigmoid", seed=0)
    assert [layer.neurons[0].activation for layer in custom.layers] == ["tanh", "tanh", "sigmoid"]


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ---------------------------------------------------------------- initialisation
def test_xavier_bound_uses_nout_as_fan_out():
    layer = Layer(30, 20, seed=1)  # bound sqrt(6 / 50)
    bound = math.sqrt(6 / 50)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.98 * bound  # 600 draws reach the edge
    assert statistics.pvariance(weights) == pytest.approx(bound**2 / 3, rel=0.15)  # U(-a, a)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_he_and_uniform_bounds():
    he = [w.data for n in Layer(24, 10, init="he", seed=2).neurons for w in n.w]
    assert min(he) < -0.9 * math.sqrt(6 / 24) and max(he) > 0.9 * math.sqrt(6 / 24)  # both signs
    assert max(abs(w) for w in he) <= math.sqrt(6 / 24)
    assert max(abs(w) for w in he) > 0.95 * math.sqrt(6 / 24)
    uniform = [w.data for n in Layer(24, 10, init="uniform", seed=2).neurons for w in n.w]
    assert max(abs(w) for w in uniform) <= 1.0
    assert max(abs(w) for w in uniform) > 0.95


def test_seed_and_rng_reproducible():
    a = MLP(2, [8, 8, 1], seed=7).state_dict()
    assert MLP(2, [8, 8, 1], seed=7).state_dict() == a
    assert MLP(2, [8, 8, 1], rng=random.Random(7)).state_dict() == a
    assert MLP(2, [8, 8, 1], seed=8).state_dict() != a
    layer = Layer(2, 5, seed=3)
    rows = [[w.data for w in n.w] for n in layer.neurons]
    assert len({tuple(r) for r in rows}) == 5  # one generator shared by the neurons: no symmetry
    random.seed(11)
    first = MLP(2, [4, 1]).state_dict()
    random.seed(11)
    assert MLP(2, [4, 1]).state_dict() == first  # no seed: the global generator, like micrograd


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Neuron(2)([1.0, 2.0, 3.0]), ValueError, "Neuron expects 2 inputs, got 3"),
        (lambda: MLP(2, [3, 1], seed=0)([1.0]), ValueError, "expects 2 inputs, got 1"),
        (lambda: Neuron(2, activation="swish"), ValueError, "unknown activation 'swish'"),
        (lambda: MLP(2, [1], out_activation="soft"), ValueError, "unknown out_activation 'soft'"),
        (lambda: MLP(2, [1], init="normal"), ValueError, "unknown init 'normal'"),
        (lambda: Layer(2, 0), ValueError, "nout must be >= 1, got 0"),
        (lambda: Neuron(2.5), TypeError, "nin must be an int, got float"),
        (lambda: MLP(2, []), ValueError, "nouts must be a non-empty list"),
        (lambda: MLP(2, [1], seed=1, rng=random.Random(1)), ValueError, "either seed or rng"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ---------------------------------------------------------------- state_dict and repr
def test_state_dict_round_trip_through_json():
    source, target = MLP(2, [4, 3], seed=1), MLP(2, [4, 3], seed=2)
    state = json.loads(json.dumps(source.state_dict()))
    assert sorted(state) == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]
    assert len(state["layers.0.weight"]) == 4 and len(state["layers.0.weight"][0]) == 2
    assert state["layers.1.weight"][2][3] == source.layers[1].neurons[2].w[3].data
    target.load_state_dict(state)
    x = [0.3, -1.2]
    assert [v.data for v in target(x)] == [v.data for v in source(x)]


@pytest.mark.parametrize(
    ("corrupt", "error", "match"),
    [
        (lambda s: s.pop("layers.1.bias"), ValueError, r"missing \['layers.1.bias'\]"),
        (lambda s: s.update(extra=1.0), ValueError, r"unexpected \['extra'\]"),
        (
            lambda s: s["layers.0.weight"].__setitem__(2, [1.0]),
            ValueError,
            r"state_dict\['layers.0.weight'\]\[2\]: expected 2 numbers, got a list of 1",
        ),
        (
            lambda s: s["layers.1.bias"].__setitem__(0, "0.5"),
            TypeError,
            "must be a real number",
        ),
        (
            lambda s: s["layers.1.bias"].__setitem__(0, float("nan")),
            ValueError,
            r"state_dict\['layers.1.bias'\]\[0\] is nan, expected a finite number",
        ),
        (
            lambda s: s["layers.1.weight"][0].__setitem__(2, -math.inf),
            ValueError,
            r"state_dict\['layers.1.weight'\]\[0\]\[2\] is -inf, expected a finite number",
        ),
    ],
)
def test_failed_load_leaves_model_unchanged(corrupt, error, match):
    """One bad dict, checked alone: valid new numbers come first, the fault last.

    Mutant killed: ``_pair_up`` writing ``param.data = number`` while it is still
    checking (instead of collecting pairs and writing after every check passed).
    """
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    bad = MLP(2, [3, 1], seed=99).state_dict()  # every number differs from the model's
    corrupt(bad)
    with pytest.raises(error, match=match):
        model.load_state_dict(bad)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("corrupt", "error", "match"),
    [
        (
            lambda s: s.update({"layers.0.weight": 1.0}),
            ValueError,
            r"\['layers.0.weight'\]: expected 3 x 2 numbers, got a number$",
        ),
        (
            lambda s: s.update({"layers.1.weight": []}),
            ValueError,
            r"\['layers.1.weight'\]: expected 1 x 3 numbers, got a list of 0$",
        ),
        (
            lambda s: s["layers.1.bias"].__setitem__(0, [0.5]),
            ValueError,
            r"^state_dict\['layers.1.bias'\]\[0\]: expected a number, got a list$",
        ),
        (
            lambda s: s["layers.1.bias"].__setitem__(0, None),
            TypeError,
            r"^state_dict\['layers.1.bias'\]\[0\] must be a real number",
        ),
        (
            lambda s: s.update(extra=0.0) or s.pop("layers.0.bias"),
            ValueError,
            r"^state_dict keys do not match: missing \['layers.0.bias'\]; unexpected \['extra'\]$",
        ),
        (
            lambda s: s.clear(),
            ValueError,
            "^state_dict keys do not match: missing \\['layers.0.bias', ",
        ),
    ],
)
def test_load_state_dict_error_messages(corrupt, error, match):
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    corrupt(state)
    with pytest.raises(error, match=match):
        model.load_state_dict(state)


def test_load_state_dict_rejects_non_dicts():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match="expects a dict, got list"):
        model.load_state_dict([])


def test_neuron_and_layer_state_dicts_use_pytorch_keys():
    n = Neuron(2, seed=0)
    assert n.state_dict() == {"weight": [n.w[0].data, n.w[1].data], "bias": 0.0}
    layer = Layer(1, 2, seed=0)
    assert layer.state_dict() == {
        "weight": [[layer.neurons[0].w[0].data], [layer.neurons[1].w[0].data]],
        "bias": [0.0, 0.0],
    }
    Neuron(2, seed=5).load_state_dict({"weight": [1.0, 2.0], "bias": 3.0})


def test_custom_module_with_only_parameters():
    class Affine(Module):
        def __init__(self):
            self.a, self.b = Value(2.0), Value(-1.0)

        def parameters(self):
            return [self.a, self.b]

    m = Affine()
    assert m.state_dict() == {"parameters": [2.0, -1.0]}
    m.load_state_dict({"parameters": [0.5, 0.25]})
    assert (m.a.data, m.b.data) == (0.5, 0.25)


def test_reprs():
    assert repr(Neuron(3, activation="leaky_relu", seed=0)) == "LeakyReLUNeuron(3)"
    assert (
        repr(Layer(2, 16, activation="tanh", seed=0)) == "Layer(nin=2, nout=16, activation='tanh')"
    )
    text = repr(MLP(2, [16, 16, 1], seed=0))
    assert text.splitlines()[1] == "  (0): Layer(nin=2, nout=16, activation='relu')"
    assert text.endswith("# 337 parameters, init='xavier'")


# ---------------------------------------------------------------- inputs that are not samples
@pytest.mark.parametrize(
    ("make", "who"), [(lambda: Neuron(2, seed=0), "Neuron"), (lambda: Layer(2, 3, seed=0), "Layer")]
)
def test_modules_reject_a_mapping_as_input(make, who):
    module = make()
    with pytest.raises(TypeError, match=f"^{who} expects a list of 2 inputs .*, got dict$"):
        module({0.5: "a", 1.5: "b"})  # a dict's keys are numbers, but they are not a sample
    with pytest.raises(ValueError, match=f"^{who} expects 2 inputs, got 3$"):
        module([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("x", "kind"), [({"x": 1.0, "y": 2.0}, "dict"), ("ab", "str"), (Value(1.0), "Value")]
)
def test_mlp_rejects_inputs_that_are_not_a_list(x, kind):
    with pytest.raises(TypeError, match=f"MLP expects a list of 2 inputs .*, got {kind}"):
        MLP(2, [3, 1], seed=0)(x)


# ---------------------------------------------------------------- names and labels
def test_named_parameters_follow_the_attribute_path_in_parameters_order():
    model = MLP(2, [3, 1], seed=0)
    named = list(model.named_parameters())
    assert [p for _, p in named] == model.parameters()  # same objects, same order
    names = [name for name, _ in named]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-3:] == [
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.w.2",
        "layers.1.neurons.0.b",
    ]
    assert len(names) == 13
    assert dict(named)["layers.1.neurons.0.w.2"] is model.layers[1].neurons[0].w[2]
    assert len(set(names)) == len(names)
    assert [n for n, _ in Neuron(3, seed=0).named_parameters()] == ["w.0", "w.1", "w.2", "b"]
    assert [n for n, _ in Layer(1, 2, seed=0).named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.b",
        "neurons.1.w.0",
        "neurons.1.b",
    ]
    assert next(Neuron(1, seed=0).named_parameters(prefix="head"))[0] == "head.w.0"


def test_named_parameters_agree_with_state_dict():
    model = MLP(3, [4, 2], seed=3)
    state = model.state_dict()
    for name, p in model.named_parameters():
        _, i, _, j, kind, *k = name.split(".")
        if kind == "w":
            assert state[f"layers.{i}.weight"][int(j)][int(k[0])] == p.data
        else:
            assert kind == "b" and not k
            assert state[f"layers.{i}.bias"][int(j)] == p.data


def test_custom_module_names_its_attributes_or_falls_back_to_indices():
    class Affine(Module):
        def __init__(self):
            self.a, self.b, self._hidden = Value(2.0), Value(-1.0), Value(7.0)

        def parameters(self):
            return [self.a, self.b]

    assert [n for n, _ in Affine().named_parameters()] == ["a", "b"]

    class Reversed(Affine):
        def parameters(self):
            return [self.b, self.a]

    reversed_ = Reversed()
    named = list(reversed_.named_parameters())
    assert named == [("parameters.0", reversed_.b), ("parameters.1", reversed_.a)]


def test_parameters_are_labelled_by_layer_and_unit():
    assert [p.label for p in Neuron(2, seed=0).parameters()] == ["w0", "w1", "b"]
    assert [p.label for p in Layer(1, 2, seed=0).parameters()] == ["n0.w0", "n0.b", "n1.w0", "n1.b"]
    model = MLP(2, [2, 1], seed=0)
    assert [p.label for p in model.parameters()] == [
        "L0.n0.w0", "L0.n0.w1", "L0.n0.b",
        "L0.n1.w0", "L0.n1.w1", "L0.n1.b",
        "L1.n0.w0", "L1.n0.w1", "L1.n0.b",
    ]  # fmt: skip


def test_inputs_are_labelled_leaves_and_give_input_gradients():
    x = nn.inputs([2.0, 3], prefix="x")
    assert [(v.label, v.data, v._prev) for v in x] == [("x0", 2.0, ()), ("x1", 3.0, ())]
    n = Neuron(2, activation="linear", seed=0)
    out = n(x)
    out.backward()
    assert [v.grad for v in x] == [w.data for w in n.w]  # d(w·x + b)/dx_i = w_i
    assert out.data == n([2.0, 3.0]).data  # same number as with floats
    assert len(out._prev) == 5 and len(n([2.0, 3.0])._prev) == 3  # floats are folded
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a real number"):
        nn.inputs([1.0, "2"])
    with pytest.raises(TypeError, match="inputs expects a list of numbers, got dict"):
        nn.inputs({"a": 1.0})
    with pytest.raises(TypeError, match=r"^prefix must be a str, got int$"):
        nn.inputs([1.0], prefix=1)
    assert [v.label for v in nn.inputs((4, 5), prefix="特征")] == ["特征0", "特征1"]


def test_drawing_a_small_mlp_shows_parameter_and_input_names():
    viz = pytest.importorskip("micrograd_cn.viz")
    model = MLP(2, [2, 1], seed=0)
    source = viz.draw_dot(model(nn.inputs([1.0, -1.0]))).source
    shown = re.findall(r"(?<![\w.])(L\d\.n\d\.(?:w\d|b)|x\d)(?![\w.])", source)
    expected = ["x0", "x1"] + [p.label for p in model.parameters()]
    assert sorted(shown) == sorted(expected)  # every parameter and input once, by its name


# ---------------------------------------------------------------- construction, pinned exactly
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: Neuron(2, activation="swish"),
            ValueError,
            "^unknown activation 'swish'; choose one of: relu, tanh, sigmoid, linear, elu, "
            "softplus, leaky_relu$",
        ),
        (lambda: Neuron(2, init="normal"), ValueError, "^unknown init 'normal'; choose one of: "),
        (lambda: Neuron(2, fan_out=0), ValueError, "^fan_out must be >= 1, got 0$"),
        (lambda: MLP(2.5, [1]), TypeError, "^nin must be an int, got float$"),
        (lambda: MLP(2, [3, 0]), ValueError, "^layer size must be >= 1, got 0$"),
        (lambda: MLP(2, [1], activation="x"), ValueError, "^unknown activation 'x'"),
        (lambda: MLP(2, True), ValueError, "^nouts must be a non-empty list of layer sizes"),
        (
            lambda: Neuron(2, seed=1, rng=random.Random(1)),
            ValueError,
            "^pass either seed or rng, not both$",
        ),
        (lambda: Layer(2, 3, seed=1, rng=random.Random(1)), ValueError, "^pass either seed or rng"),
    ],
)
def test_construction_errors_exactly(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_neuron_draws_from_its_seed_with_xavier_fan_out_1():
    """U(±sqrt(6 / (nin + 1))) from random.Random(seed), in order; init kept on the neuron."""
    draws = random.Random(3)
    bound = math.sqrt(6 / (2 + 1))
    n = Neuron(2, seed=3)
    assert [w.data for w in n.w] == [draws.uniform(-bound, bound) for _ in range(2)]
    assert Neuron(2, init="he", seed=0).init == "he"


def test_layer_seed_is_its_own_generator():
    a = Layer(2, 3, seed=4).state_dict()
    assert Layer(2, 3, seed=4).state_dict() == a
    assert Layer(2, 3, rng=random.Random(4)).state_dict() == a
    assert Layer(2, 3, seed=5).state_dict() != a
    random.seed(9)
    first = Layer(2, 3, seed=None).state_dict()
    random.seed(9)
    assert Layer(2, 3, seed=None).state_dict() == first  # seed=None: the global generator


def test_mlp_accepts_one_int_as_its_layer_sizes():
    model = MLP(3, 2, seed=0)
    assert [len(layer.neurons) for layer in model.layers] == [2]
