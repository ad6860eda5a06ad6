"""bridge: to_torch / from_torch keep weights, activations, outputs and gradients (to 1e-12)."""

import inspect
import math
import random
import sys

import pytest

from micrograd_cn import bridge
from micrograd_cn.bridge import TORCH_ACTIVATIONS, from_torch, to_torch
from micrograd_cn.engine import Value
from micrograd_cn.losses import mse_loss
from micrograd_cn.nn import ACTIVATIONS, MLP, Layer, Neuron

EVERY_ACTIVATION = sorted(ACTIVATIONS)
POINTS = [[0.5, -1.2, 2.0], [-0.3, 0.8, -1.5], [1.7, 0.1, 0.4], [-2.2, -0.6, 1.1]]
TARGETS = [[0.3, -0.7], [1.0, 0.2], [-0.5, 0.9], [0.0, -1.1]]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def linears(torch, net):
    return [m for m in net if isinstance(m, torch.nn.Linear)]


def as_rows(output):
    """Our model's output for one point as a list (a Value when nout == 1)."""
    return [output.data] if isinstance(output, Value) else [v.data for v in output]


def our_loss_and_grads(model, points, targets):
    model.zero_grad()
    loss = Value(0.0)
    for x, t in zip(points, targets):
        out = model(x)
        out = [out] if isinstance(out, Value) else out
        loss = loss + mse_loss(out, t)
    loss = loss * (1.0 / len(points))
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def torch_loss_and_grads(torch, net, points, targets):
    """The same loss in torch, gradients in our parameter order (neuron: weights, then bias)."""
    net.zero_grad()
    out = net(torch.tensor(points, dtype=torch.float64))
    loss = ((out - torch.tensor(targets, dtype=torch.float64)) ** 2).mean()
    loss.backward()
    grads = []
    for linear in linears(torch, net):
        for row, b in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            grads.extend([*row, b])
    return loss.item(), grads


def assert_close(ours, theirs, tol=1e-12):
    assert len(ours) == len(theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= tol, worst


# ---------------------------------------------------------------- to_torch
@pytest.mark.parametrize("out_activation", ["linear", "same"])
@pytest.mark.parametrize("activation", EVERY_ACTIVATION)
def test_to_torch_same_outputs_and_gradients(torch, activation, out_activation):
    out_activation = activation if out_activation == "same" else out_activation
    model = MLP(3, [4, 5, 2], activation=activation, out_activation=out_activation, seed=7)
    net = to_torch(model)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    got = net(torch.tensor(POINTS, dtype=torch.float64)).tolist()
    for x, row in zip(POINTS, got):
        assert_close(as_rows(model(x)), row)
    loss_o, grads_o = our_loss_and_grads(model, POINTS, TARGETS)
    loss_t, grads_t = torch_loss_and_grads(torch, net, POINTS, TARGETS)
    assert loss_o == pytest.approx(loss_t, rel=0, abs=1e-12)
    assert_close(grads_o, grads_t)
    for layer in model.layers:  # the comparison is not one of zeros
        assert any(p.grad != 0.0 for p in layer.parameters())


def test_to_torch_modules_in_order(torch):
    model = MLP(2, [3, 3, 1], activation="leaky_relu", seed=0)
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "LeakyReLU"] * 2 + ["Linear"]
    assert net[1].negative_slope == inspect.signature(Value.leaky_relu).parameters["slope"].default
    assert net[0].weight.tolist() == [[w.data for w in n.w] for n in model.layers[0].neurons]
    assert net[0].bias.tolist() == [n.b.data for n in model.layers[0].neurons]
    assert str(to_torch(MLP(2, [1], activation="elu", out_activation="elu", seed=0))[1]) == (
        "ELU(alpha=1.0)"
    )


def test_every_activation_has_a_torch_module():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS)


def test_to_torch_copies_the_weights(torch):
    model = MLP(2, [2, 1], seed=0)
    net = to_torch(model)
    with torch.no_grad():
        net[0].weight.zero_()
    assert model.layers[0].neurons[0].w[0].data != 0.0


@pytest.mark.parametrize("activation", EVERY_ACTIVATION)
def test_to_torch_of_a_layer_and_a_neuron(torch, activation):
    layer = Layer(3, 2, activation=activation, seed=3)
    neuron = Neuron(3, activation=activation, seed=4)
    x = torch.tensor(POINTS, dtype=torch.float64)
    for module, ours in [(layer, layer), (neuron, neuron)]:
        got = to_torch(module)(x).tolist()
        for point, row in zip(POINTS, got):
            assert_close(as_rows(ours(point)), row)
    loss_o, grads_o = our_loss_and_grads(layer, POINTS, TARGETS)
    loss_t, grads_t = torch_loss_and_grads(torch, to_torch(layer), POINTS, TARGETS)
    assert loss_o == pytest.approx(loss_t, rel=0, abs=1e-12)
    assert_close(grads_o, grads_t)


def test_softplus_far_above_torchs_default_threshold(torch):
    # torch's Softplus returns x itself above its threshold; to_torch sets it where
    # float64 rounds ours to x too, so large pre-activations still agree exactly
    neuron = Neuron(1, activation="softplus", seed=0)
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    net = to_torch(neuron)
    for x in [-30.0, -1.0, 0.5, 25.0, 38.0, 45.0, 300.0]:
        xt = torch.tensor([[x]], dtype=torch.float64, requires_grad=True)
        net(xt).sum().backward()
        v = Value(x)
        out = neuron([v])
        out.backward()
        assert out.data == pytest.approx(net(xt).item(), rel=1e-15, abs=1e-15)
        assert v.grad == pytest.approx(xt.grad.item(), rel=0, abs=1e-15)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu"])
def test_kink_at_exactly_zero_has_torchs_gradient(torch, activation):
    # pre-activation exactly 0: relu sends 0, leaky_relu its slope, elu its alpha, like torch
    neuron = Neuron(2, activation=activation, seed=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -1.0, 0.0
    net = to_torch(neuron)
    point = [0.5, 1.0]  # 2 * 0.5 - 1 * 1 + 0 = 0
    xt = torch.tensor([point], dtype=torch.float64, requires_grad=True)
    net(xt).sum().backward()
    xs = [Value(v) for v in point]
    neuron(xs).backward()
    expected_local = {"relu": 0.0, "leaky_relu": 0.01, "elu": 1.0}[activation]
    assert [v.grad for v in xs] == xt.grad[0].tolist() == [2.0 * expected_local, -expected_local]
    assert neuron.b.grad == net[0].bias.grad.item() == expected_local


def test_to_torch_rejects_what_is_not_a_model():
    with pytest.raises(TypeError, match=r"to_torch expects an MLP, Layer or Neuron .* got list"):
        to_torch([1.0, 2.0])
    with pytest.raises(TypeError, match="got Value"):
        to_torch(Value(1.0))


# ---------------------------------------------------------------- from_torch
def torch_sequential(torch, *modules):
    torch.manual_seed(0)
    return torch.nn.Sequential(*modules).double()


def test_from_torch_equals_torchs_outputs_and_gradients(torch):
    nn = torch.nn
    net = torch_sequential(
        torch, nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)
    )
    model = from_torch(net)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "relu", "linear"]
    # the layer rebuilt for its own activation keeps the MLP's parameter labels
    plain = MLP(3, [5, 4, 2], seed=0)
    assert [p.label for p in model.parameters()] == [p.label for p in plain.parameters()]
    got = net(torch.tensor(POINTS, dtype=torch.float64)).tolist()
    for x, row in zip(POINTS, got):
        assert_close(as_rows(model(x)), row)
    loss_o, grads_o = our_loss_and_grads(model, POINTS, TARGETS)
    loss_t, grads_t = torch_loss_and_grads(torch, net, POINTS, TARGETS)
    assert loss_o == pytest.approx(loss_t, rel=0, abs=1e-12)
    assert_close(grads_o, grads_t)


@pytest.mark.parametrize("activation", EVERY_ACTIVATION)
def test_round_trip_keeps_every_weight_and_activation(torch, activation):
    model = MLP(3, [4, 2], activation=activation, out_activation=activation, seed=11)
    back = from_torch(to_torch(model))
    assert back.state_dict() == model.state_dict()  # exactly: float64 both ways
    assert repr(back.layers) == repr(model.layers)
    assert as_rows(back(POINTS[0])) == as_rows(model(POINTS[0]))


def test_from_torch_defaults_and_float32(torch):
    nn = torch.nn
    net = nn.Sequential(
        nn.Linear(2, 3), nn.Softplus(), nn.Linear(3, 3), nn.ELU(), nn.Identity(), nn.Linear(3, 1)
    )  # float32, torch's default Softplus (threshold 20) and ELU
    model = from_torch(net)
    assert model.layers[0].neurons[1].w[0].data == net[0].weight[1, 0].item()  # exact widening
    assert [layer.neurons[0].activation for layer in model.layers] == ["softplus", "elu", "linear"]
    expected = net.double()(torch.tensor([[0.4, -0.9]], dtype=torch.float64)).item()
    assert model([0.4, -0.9]).data == pytest.approx(expected, rel=0, abs=1e-12)
    single = from_torch(nn.Linear(2, 2).double())
    assert repr(single.layers) == "[Layer(nin=2, nout=2, activation='linear')]"


def test_from_torch_leaves_the_global_generator_alone(torch):
    net = torch_sequential(torch, torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    random.seed(5)
    expected = random.random()
    random.seed(5)
    from_torch(net)
    assert random.random() == expected


def test_from_torch_names_the_unsupported_layer(torch):
    nn = torch.nn
    with pytest.raises(TypeError, match=r"module 1 is Dropout, which micrograd_cn.nn has no layer"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1), nn.Linear(2, 1)))
    with pytest.raises(TypeError, match="supported: Linear, Identity, ReLU, Tanh, Sigmoid, ELU"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.GELU()))
    with pytest.raises(TypeError, match=r"expects a torch\.nn\.Sequential .*got ReLU"):
        from_torch(nn.ReLU())
    with pytest.raises(TypeError, match="got MLP"):
        from_torch(MLP(2, [1], seed=0))


@pytest.mark.parametrize(
    "modules, message",
    [
        (lambda nn: [nn.Linear(2, 2), nn.LeakyReLU(0.2)], r"only negative_slope=0.01"),
        (lambda nn: [nn.Linear(2, 2), nn.ELU(alpha=0.5)], r"only alpha=1.0"),
        (lambda nn: [nn.Linear(2, 2), nn.Softplus(beta=2.0)], r"only beta=1 with threshold >= 20"),
        (lambda nn: [nn.Linear(2, 2), nn.Softplus(threshold=5)], r"threshold >= 20"),
        (lambda nn: [nn.Linear(2, 2, bias=False)], r"module 0 .*has no bias"),
        (lambda nn: [nn.Linear(2, 3), nn.Linear(2, 1)], r"module 1 .*takes 2 inputs .* gives 3"),
        (lambda nn: [nn.ReLU(), nn.Linear(2, 1)], r"module 0 \(ReLU\(\)\) must follow a Linear"),
        (lambda nn: [nn.Linear(2, 2), nn.ReLU(), nn.Tanh()], r"module 2 .*must follow a Linear"),
        (lambda nn: [], r"the Sequential is empty"),
        (lambda nn: [nn.Identity()], r"has no Linear layer"),
    ],
)
def test_from_torch_settings_it_cannot_reproduce(torch, modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*modules(torch.nn)))


# ---------------------------------------------------------------- without torch
def test_without_torch_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "micrograd_cn\[torch\]"'):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match=r"micrograd_cn.bridge needs PyTorch"):
        from_torch(object())
    assert bridge.TORCH_ACTIVATIONS["relu"] == "ReLU()"  # the module itself imports fine


# ---------------------------------------------------------------- graph_to_torch: op by op
def test_graph_to_torch_sin_and_cos_equal_torch(torch):
    """sin and cos came with two edits (engine.py, ops.py); the bridge reads their rows."""
    from micrograd_cn.bridge import graph_to_torch

    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    f = x.sin() * y.cos() + (x * y).sin()
    f.backward(0.5)
    out, leaves = graph_to_torch(f)
    out.backward(torch.tensor(0.5, dtype=torch.float64))
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.7, -1.3))
    reference = torch.sin(tx) * torch.cos(ty) + torch.sin(tx * ty)
    reference.backward(torch.tensor(0.5, dtype=torch.float64))
    assert f.data == pytest.approx(reference.item(), rel=1e-15)
    assert out.item() == pytest.approx(reference.item(), rel=1e-15)
    assert (x.grad, y.grad) == pytest.approx((tx.grad.item(), ty.grad.item()), rel=1e-13)
    assert (leaves[x].grad.item(), leaves[y].grad.item()) == pytest.approx(
        (tx.grad.item(), ty.grad.item()), rel=1e-13
    )


def test_graph_to_torch_pairs_dot_factors_and_folds_numbers(torch):
    from micrograd_cn import functional as F
    from micrograd_cn.bridge import graph_to_torch

    w1, w2, x = Value(3.0), Value(2.0), Value(3.0)
    f = F.dot([w1, w2, 4.0], [2.0, x, 0.5], 0.25) + F.sum([w1, 1.5])
    f.backward()
    out, leaves = graph_to_torch(f)
    out.backward()
    assert out.item() == f.data == 3 * 2 + 2 * 3 + 4 * 0.5 + 0.25 + 3 + 1.5
    assert [leaves[v].grad.item() for v in (w1, w2, x)] == [w1.grad, w2.grad, x.grad] == [
        3.0, 3.0, 2.0,
    ]  # fmt: skip


def test_graph_to_torch_refuses_a_closure_no_row_describes(torch):
    from micrograd_cn.bridge import graph_to_torch

    a = Value(2.0)
    cube = Value(8.0, (a,), "cube")
    with pytest.raises(ValueError, match=r"^graph_to_torch: no torch function for the op 'cube'$"):
        graph_to_torch(cube * 2)


# ---------------------------------------------------------------- what from_torch cannot carry
@pytest.mark.parametrize(
    "modules, message",
    [
        (
            lambda nn: [nn.Linear(3, 0)],
            r"^from_torch: module 0 \(Linear\(in_features=3, out_features=0, bias=True\)\) "
            r"has 0 outputs; a micrograd_cn layer has at least one neuron$",
        ),
        (lambda nn: [nn.Linear(2, 0), nn.Linear(0, 1)], r"^from_torch: module 0 .* has 0 outputs"),
        (
            lambda nn: [nn.Linear(0, 3)],
            r"^from_torch: module 0 \(Linear\(in_features=0, .*\)\) takes 0 inputs; "
            r"a micrograd_cn neuron takes at least one$",
        ),
        (
            lambda nn: [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 0)],
            r"^from_torch: module 2 .* 0 out",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
def test_from_torch_refuses_zero_width_layers(torch, modules, message):
    """``from_torch(nn.Linear(3, 0))`` died with a bare IndexError."""
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*modules(torch.nn)))


@pytest.mark.parametrize(
    "parameter, index, number, shown",
    [
        ("weight", (1, 0), math.nan, r"weight\[1\]\[0\] = nan"),
        ("weight", (0, 1), math.inf, r"weight\[0\]\[1\] = inf"),
        ("bias", (1,), -math.inf, r"bias\[1\] = -inf"),
    ],
)
def test_from_torch_refuses_non_finite_weights(torch, parameter, index, number, shown):
    """NaN and inf weights were carried over silently (``MLP.load_state_dict`` refuses them)."""
    nn = torch.nn
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    with torch.no_grad():
        getattr(net[2], parameter)[index] = number
    with pytest.raises(ValueError, match=rf"^from_torch: module 2 \(Linear\(.*\)\) has {shown}; "):
        from_torch(net)


def test_from_torch_refuses_weights_it_cannot_read_as_real_numbers(torch):
    nn = torch.nn
    with pytest.raises(ValueError, match=r"^from_torch: module 0 .* has complex64 weights"):
        from_torch(nn.Linear(2, 2, dtype=torch.complex64))  # .to(float64) drops the imaginary part
    with pytest.raises(ValueError, match=r"^from_torch: module 0 .* is on the meta device"):
        from_torch(nn.Linear(2, 2, device="meta"))
    with pytest.raises(
        ValueError, match=r"^from_torch: module 1 \(LazyLinear.*\) has not been init"
    ):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.LazyLinear(1)))


def test_from_torch_refuses_a_weight_of_the_wrong_shape(torch):
    linear = torch.nn.Linear(2, 3)
    linear.weight = torch.nn.Parameter(torch.zeros(3, 5))  # in_features still says 2
    with pytest.raises(
        ValueError,
        match=r"^from_torch: module 0 .* has a weight of shape \(3, 5\) and a bias of "
        r"shape \(3,\); a Linear\(2, 3\) needs \(3, 2\) and \(3,\)$",
    ):
        from_torch(linear)


# ---------------------------------------------------------------- mutation audit: exact messages
def test_without_torch_the_whole_message_names_the_extra(monkeypatch):
    """kills bridge._import_torch: either half of the message changed ("XX…XX", upper case)."""
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError) as error:
        to_torch(MLP(2, [1], seed=0))
    assert str(error.value) == (
        "micrograd_cn.bridge needs PyTorch, which is optional: "
        'pip install "micrograd_cn[torch]" (or install torch yourself)'
    )
    assert isinstance(error.value.__cause__, ImportError)


def test_to_torch_refuses_a_layer_whose_neurons_differ():
    """kills bridge._neurons_of: the refusal of a layer mixing activations (one torch module
    follows each Linear), its message; checked before PyTorch is imported."""
    layer = Layer(2, 3, activation="tanh", seed=0)
    layer.neurons[1] = Neuron(2, activation="relu", seed=1)
    with pytest.raises(ValueError) as error:
        to_torch(layer)
    assert str(error.value) == "to_torch: a layer mixes activations ['relu', 'tanh']"


LINEAR_2_2 = "Linear(in_features=2, out_features=2, bias=True)"


@pytest.mark.parametrize(
    "modules, message",
    [
        (
            lambda nn: [nn.Linear(2, 2), nn.LeakyReLU(0.2)],
            "from_torch: module 1 (LeakyReLU(negative_slope=0.2)): "
            "only negative_slope=0.01 is supported",
        ),
        (
            lambda nn: [nn.Linear(2, 2), nn.ELU(alpha=0.5)],
            "from_torch: module 1 (ELU(alpha=0.5)): only alpha=1.0 is supported",
        ),
        (
            lambda nn: [nn.Linear(2, 2), nn.Softplus(beta=2.0)],
            "from_torch: module 1 (Softplus(beta=2.0, threshold=20.0)): "
            "only beta=1 with threshold >= 20 is supported",
        ),
        (lambda nn: [], "from_torch: the Sequential is empty"),
        (lambda nn: [nn.Identity()], "from_torch: the Sequential has no Linear layer"),
        (
            lambda nn: [nn.Linear(2, 2), nn.ReLU(), nn.Tanh()],
            "from_torch: module 2 (Tanh()) must follow a Linear (one activation per Linear)",
        ),
        (
            lambda nn: [nn.Linear(2, 2), nn.LazyLinear(1, bias=False)],
            "from_torch: module 1 (LazyLinear(in_features=0, out_features=1, bias=False)) "
            "has not been initialised yet: call it once on a batch first",
        ),
    ],
    ids=["leaky-slope", "elu-alpha", "softplus-beta", "empty", "no-linear", "two-acts", "lazy"],
)
def test_from_torch_refusals_name_the_module_and_its_index_exactly(torch, modules, message):
    """kills bridge._activation_name ``where = None`` and index None, bridge._read_sequential
    and bridge._read_linear messages ("XX…XX", upper/lower case), ``is_lazy(weight) or
    is_lazy(bias)`` -> ``and`` (a LazyLinear without bias is not initialised either)."""
    with pytest.raises(ValueError) as error:
        from_torch(torch.nn.Sequential(*modules(torch.nn)))
    assert str(error.value) == message


def test_from_torch_names_a_non_finite_weight_exactly(torch):
    """kills bridge._read_linear: the message's last part ("XX(MLP.load_state_dict …)XX")."""
    net = torch.nn.Linear(2, 2)
    with torch.no_grad():
        net.bias[1] = math.inf
    with pytest.raises(ValueError) as error:
        from_torch(net)
    assert str(error.value) == (
        f"from_torch: module 0 ({LINEAR_2_2}) has bias[1] = inf; only finite weights can be "
        "carried over (MLP.load_state_dict refuses them too)"
    )


def test_from_torch_rebuilds_layers_without_the_global_generator(torch):
    """kills bridge.from_torch: the rebuilt layer's ``seed=0`` -> ``seed=None`` (draws from the
    global generator), the model's and the rebuilt layer's ``init="uniform"`` dropped."""
    nn = torch.nn
    net = torch_sequential(
        torch, nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)
    )
    random.seed(5)
    expected = random.random()
    random.seed(5)
    model = from_torch(net)  # tanh and relu hidden: layers rebuilt for their own activation
    assert random.random() == expected
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "relu", "linear"]
    assert repr(model).endswith("# 25 parameters, init='uniform'")  # 9 + 12 + 4
    assert {n.init for layer in model.layers for n in layer.neurons} == {"uniform"}


def test_graph_to_torch_passes_each_rows_parameters_and_no_constant_when_none(torch):
    """kills bridge._torch_node: an n-ary row without a constant (logsumexp) getting ``None``
    or ``1.0`` instead of ``0.0``, and a row's parameters (× 2, ** 3) dropped from the call.

    f = 2·log(e^a + e^b + e^c) + a³: ∂f/∂a = 2·e^a/S + 3a², ∂f/∂b = 2·e^b/S, ∂f/∂c = 2·e^c/S.
    """
    from micrograd_cn import functional as F
    from micrograd_cn.bridge import graph_to_torch

    a, b, c = Value(0.5), Value(-1.0), Value(2.0)
    f = F.logsumexp([a, b, c]) * 2.0 + a**3
    out, leaves = graph_to_torch(f)
    out.backward()
    s = math.exp(0.5) + math.exp(-1.0) + math.exp(2.0)
    assert out.item() == pytest.approx(2 * math.log(s) + 0.125, rel=1e-15)
    expected = [2 * math.exp(0.5) / s + 0.75, 2 * math.exp(-1.0) / s, 2 * math.exp(2.0) / s]
    assert [leaves[v].grad.item() for v in (a, b, c)] == pytest.approx(expected, rel=1e-13)


def test_to_torch_copies_biases_in_float64(torch):
    """kills bridge.to_torch: the bias tensor built without ``dtype=torch.float64`` (0.1 would
    become float32's 0.100000001…); fresh neurons' biases are 0.0, exact in either."""
    model = MLP(2, [3, 1], seed=0)
    for j, neuron in enumerate(model.layers[0].neurons):
        neuron.b.data = 0.1 * (j + 1)
    net = to_torch(model)
    assert net[0].bias.tolist() == [0.1, 0.2, 0.30000000000000004]  # 0.1·1, 0.1·2, 0.1·3
    x = [0.5, -1.5]
    assert net(torch.tensor([x], dtype=torch.float64)).item() == pytest.approx(
        model(x).data, rel=0, abs=1e-15
    )
