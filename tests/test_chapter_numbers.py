"""The chapters' numbers, recomputed on plain floats (no Value) and compared with the library.

The notebooks show a number and check it against the article's printed value,
a closed form or finite differences.  The slower, independent re-implementations
of the same networks on plain Python floats live here, so that the chapters
stay short: chapter 04's 2-2-2 sigmoid network, chapter 05's MLPs (read back
from ``state_dict()``), and chapter 06's L2-regularised network with the
gradient formulas of 《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》.
"""

from __future__ import annotations

import math
import random

import pytest

from micrograd_cn import F, Value, losses, nn, optim
from micrograd_cn.datasets import make_circles, make_moons, make_spiral
from micrograd_cn.training import accuracy, fit


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def mlp_on_floats(state: dict, x: list[float], activation) -> list[float]:
    """An nn.MLP read from its state_dict: hidden layers use activation, the last is linear."""
    n_layers = sum(key.endswith(".weight") for key in state)
    a = list(x)
    for i in range(n_layers):
        weights, biases = state[f"layers.{i}.weight"], state[f"layers.{i}.bias"]
        z = [sum(w * ai for w, ai in zip(row, a)) + b for row, b in zip(weights, biases)]
        a = z if i == n_layers - 1 else [activation(v) for v in z]
    return a


def central_differences(f, p: list[float], eps: float = 1e-6) -> list[float]:
    grads = []
    for k in range(len(p)):
        up, down = list(p), list(p)
        up[k] += eps
        down[k] -= eps
        grads.append((f(up) - f(down)) / (2 * eps))
    return grads


# ------------------------------------------------------------------ chapter 04
INPUTS, TARGETS = [0.1, 0.2], [0.01, 0.99]
PARAMS_04 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.55, 0.56, 0.66, 0.67]  # w1..w8, b1..b4


def two_layer_on_floats(p: list[float]) -> tuple[float, float, float, float, float]:
    """(h1_out, h2_out, o1_out, o2_out, cost) of the 2-2-2 sigmoid network."""
    h1 = sigmoid(p[0] * INPUTS[0] + p[1] * INPUTS[1] + p[8])
    h2 = sigmoid(p[2] * INPUTS[0] + p[3] * INPUTS[1] + p[9])
    a1 = sigmoid(p[4] * h1 + p[5] * h2 + p[10])
    a2 = sigmoid(p[6] * h1 + p[7] * h2 + p[11])
    cost = 0.5 * ((TARGETS[0] - a1) ** 2 + (TARGETS[1] - a2) ** 2)
    return h1, h2, a1, a2, cost


def two_layer_on_values(p: list[Value]) -> Value:
    h = [F.dot(p[0:2], INPUTS, p[8]).sigmoid(), F.dot(p[2:4], INPUTS, p[9]).sigmoid()]
    a = [F.dot(p[4:6], h, p[10]).sigmoid(), F.dot(p[6:8], h, p[11]).sigmoid()]
    return 0.5 * ((TARGETS[0] - a[0]) ** 2 + (TARGETS[1] - a[1]) ** 2)


def test_two_layer_network_on_floats_gives_the_articles_printed_outputs():
    h1, h2, a1, a2, _ = two_layer_on_floats(PARAMS_04)
    # 《梯度下降和反向传播》 prints these
    assert abs(h1 - 0.6456563062257954) < 1e-15 and abs(h2 - 0.6615031592029524) < 1e-15
    assert abs(a1 - 0.7989476413779711) < 1e-15 and abs(a2 - 0.8390480283342561) < 1e-15


def test_two_layer_network_backward_equals_central_differences_on_floats():
    params = [Value(v) for v in PARAMS_04]
    cost = two_layer_on_values(params)
    cost.backward()
    assert abs(cost.data - two_layer_on_floats(PARAMS_04)[-1]) < 1e-15
    numeric = central_differences(lambda p: two_layer_on_floats(p)[-1], PARAMS_04)
    for k, (v, n) in enumerate(zip(params, numeric)):
        assert abs(v.grad - n) < 1e-9, k
    assert abs(params[4].grad - 0.08182331501899741) < 1e-15  # the article's d_w5


def test_one_gradient_step_lowers_the_float_cost_as_the_first_order_estimate_says():
    params = [Value(v) for v in PARAMS_04]
    two_layer_on_values(params).backward()
    stepped = [v.data - 0.5 * v.grad for v in params]
    drop = two_layer_on_floats(PARAMS_04)[-1] - two_layer_on_floats(stepped)[-1]
    predicted = 0.5 * sum(v.grad**2 for v in params)
    stepped_cost = two_layer_on_values([Value(v) for v in stepped]).data
    assert abs(stepped_cost - two_layer_on_floats(stepped)[-1]) < 1e-15
    assert drop > 0 and abs(drop - predicted) < 0.1 * predicted


# ------------------------------------------------------------------ chapter 05
def relu(v: float) -> float:
    return max(v, 0.0)


def demo_loss_on_floats(state: dict, X, y, alpha: float = 1e-4) -> float:
    """micrograd's demo loss: mean hinge on ±1 labels plus alpha·Σp², on plain floats."""
    margins = [max(0.0, 1 - (2 * t - 1) * mlp_on_floats(state, x, relu)[0]) for x, t in zip(X, y)]
    squares = sum(
        w * w
        for value in state.values()
        for row in value
        for w in (row if isinstance(row, list) else [row])
    )
    return sum(margins) / len(margins) + alpha * squares


def test_moons_demo_loss_on_floats_equals_the_library_before_and_after_training():
    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)

    def library_loss():
        scores = [model(x) for x in X]
        hinge = losses.hinge_loss(scores, [2 * t - 1 for t in y])
        return (hinge + losses.l2_penalty(model.parameters(), 2e-4)).data

    assert abs(library_loss() - demo_loss_on_floats(model.state_dict(), X, y)) < 1e-12
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, X, y, loss="hinge", l2=2e-4, optimizer=optimizer, epochs=5, progress=False)
    state = model.state_dict()
    assert abs(library_loss() - demo_loss_on_floats(state, X, y)) < 1e-12
    hits = sum((mlp_on_floats(state, x, relu)[0] > 0) == (t == 1) for x, t in zip(X, y))
    assert hits / len(X) == accuracy(model, X, y)


@pytest.mark.parametrize(
    ("make", "hidden", "classes"),
    [(make_circles, [8], 2), (make_spiral, [16, 16], 3)],
)
def test_tanh_classifier_on_floats_predicts_the_same_classes(make, hidden, classes):
    kwargs = {"n_classes": classes} if make is make_spiral else {}
    X, y = make(n_samples=90, noise=0.1, seed=0, **kwargs)
    model = nn.MLP(2, [*hidden, classes], activation="tanh", seed=0)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    fit(model, X, y, loss="cross_entropy", optimizer=optimizer, epochs=3, progress=False)
    state = model.state_dict()
    for x in X:
        ours = [v.data for v in model(x)]
        floats = mlp_on_floats(state, x, math.tanh)
        assert max(abs(a - b) for a, b in zip(ours, floats)) < 1e-12
    hits = sum(max(range(classes), key=mlp_on_floats(state, x, math.tanh).__getitem__) == t
               for x, t in zip(X, y))  # fmt: skip
    assert hits / len(X) == accuracy(model, X, y)


# ------------------------------------------------------------------ chapter 06
def test_l2_regularised_network_matches_the_articles_gradient_formulas_on_floats():
    """J = ½‖W2·tanh(W1·x) − y‖² + λ/2 (‖W1‖² + ‖W2‖²), d=3, h=4, q=2, λ=0.1 (chapter 06)."""
    rng = random.Random(0)
    d, n_hidden, q, lam = 3, 4, 2, 0.1
    x, y = [0.5, -1.0, 2.0], [1.0, -1.0]
    W1 = [[Value(rng.uniform(-1, 1)) for _ in range(d)] for _ in range(n_hidden)]
    W2 = [[Value(rng.uniform(-1, 1)) for _ in range(n_hidden)] for _ in range(q)]
    weights = [w for row in W1 + W2 for w in row]
    h_nodes = [F.dot(row, x).tanh() for row in W1]
    o_nodes = [F.dot(row, h_nodes) for row in W2]
    J = 0.5 * F.sum([(ok - yk) ** 2 for ok, yk in zip(o_nodes, y)])
    J = J + losses.l2_penalty(weights, lam)
    J.backward()

    h = [math.tanh(sum(w.data * xi for w, xi in zip(row, x))) for row in W1]
    o = [sum(w.data * hi for w, hi in zip(row, h)) for row in W2]
    L = 0.5 * sum((ok - yk) ** 2 for ok, yk in zip(o, y))
    s = lam / 2 * sum(w.data**2 for w in weights)
    assert abs(J.data - (L + s)) < 1e-12
    dJ_do = [ok - yk for ok, yk in zip(o, y)]
    dJ_dh = [sum(W2[r][c].data * dJ_do[r] for r in range(q)) for c in range(n_hidden)]
    dJ_dz = [g * (1 - hc**2) for g, hc in zip(dJ_dh, h)]
    for r in range(q):
        for c in range(n_hidden):
            assert abs(W2[r][c].grad - (dJ_do[r] * h[c] + lam * W2[r][c].data)) < 1e-12
    for c in range(n_hidden):
        for k in range(d):
            assert abs(W1[c][k].grad - (dJ_dz[c] * x[k] + lam * W1[c][k].data)) < 1e-12
