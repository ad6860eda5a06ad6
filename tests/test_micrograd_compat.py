"""micrograd's numbers: its demo with ``init="uniform"`` and ``random.seed`` as the demo does.

micrograd 0.1.0 draws every weight with ``random.uniform(-1, 1)`` from the global
generator, layer by layer, neuron by neuron, weights before the bias (0); hidden
neurons are ReLU, the last layer linear.  ``MLP(..., init="uniform")`` draws the
same stream in the same order, so after the same ``random.seed`` the two models
start identical and train along the same loss curve.  tests/test_nn.py runs the
demo's cells unchanged and compares one loss and gradient step from copied weights;
here nothing is copied: the seed alone must give the same model.
"""

import gc
import math
import random
import sys

import pytest

from micrograd_cn.datasets import make_moons
from micrograd_cn.engine import Value
from micrograd_cn.nn import MLP

micrograd_engine = pytest.importorskip("micrograd.engine")
micrograd_nn = pytest.importorskip("micrograd.nn")

STEPS = 10  # a micrograd demo step takes ~0.3 s (GC paused): 10 steps show the curve


def demo_data():
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)  # a private generator
    return X, [2 * label - 1 for label in y]  # the demo's y*2 - 1


def demo_loss(model, value_class, X, y):
    """The demo's loss: SVM max-margin averaged + 1e-4 * Σp², and the accuracy."""
    inputs = [list(map(value_class, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def demo_training(model, value_class, X, y, steps=STEPS):
    """The demo's loop (full batch, SGD with the learning rate decayed by hand)."""
    curve = []
    for k in range(steps):
        total_loss, acc = demo_loss(model, value_class, X, y)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        curve.append((total_loss.data, acc))
    return curve


@pytest.fixture
def quiet_gc_deep_stack():
    """micrograd's backward recurses and its graphs are cycles: raise the limit, pause the GC."""
    old_limit, was_enabled = sys.getrecursionlimit(), gc.isenabled()
    sys.setrecursionlimit(max(old_limit, 10_000))
    gc.disable()
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)
        if was_enabled:
            gc.enable()
        gc.collect()


def test_make_moons_with_a_seed_leaves_the_global_generator_alone():
    # the demo seeds `random` before building the data; the data must not consume its stream
    random.seed(1337)
    expected = random.random()
    random.seed(1337)
    demo_data()
    assert random.random() == expected


def test_same_seed_same_initial_weights_and_structure():
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1], init="uniform")
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == len(theirs.parameters()) == 337
    # the rest of micrograd's model: ReLU hidden neurons, a linear output neuron, bias 0
    for our_layer, their_layer in zip(ours.layers, theirs.layers, strict=True):
        assert [str(n) for n in our_layer.neurons] == [str(n) for n in their_layer.neurons]
        assert all(n.b.data == 0.0 for n in our_layer.neurons)


def test_global_generator_state_after_building_matches():
    random.seed(1337)
    micrograd_nn.MLP(2, [16, 16, 1])
    after_theirs = random.random()
    random.seed(1337)
    MLP(2, [16, 16, 1], init="uniform")
    assert random.random() == after_theirs  # 337 - 33 = 304 draws each, nothing extra


def test_default_xavier_init_is_the_same_stream_scaled():
    # why init="uniform" is needed: Xavier draws U(±sqrt(6/(nin+nout))) from the same
    # random() calls, so each weight is micrograd's times that layer's bound
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    for our_layer, their_layer in zip(ours.layers, theirs.layers, strict=True):
        nin, nout = len(our_layer.neurons[0].w), len(our_layer.neurons)
        bound = math.sqrt(6.0 / (nin + nout))
        assert bound != pytest.approx(1.0)
        for our_neuron, their_neuron in zip(our_layer.neurons, their_layer.neurons, strict=True):
            for w_ours, w_theirs in zip(our_neuron.w, their_neuron.w, strict=True):
                assert w_ours.data == pytest.approx(w_theirs.data * bound, rel=1e-12, abs=1e-15)


def test_demo_loss_curve_equals_micrograds(quiet_gc_deep_stack):
    X, y = demo_data()
    random.seed(1337)  # the demo's seed, then the demo's model
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    their_curve = demo_training(theirs, micrograd_engine.Value, X, y)
    random.seed(1337)
    ours = MLP(2, [16, 16, 1], init="uniform")
    our_curve = demo_training(ours, Value, X, y)

    for (loss_o, acc_o), (loss_t, acc_t) in zip(our_curve, their_curve, strict=True):
        assert loss_o == pytest.approx(loss_t, rel=0, abs=1e-9)
        assert acc_o == acc_t
    assert their_curve[-1][0] < their_curve[0][0]  # it is a training curve, not a constant
    # the weights after the last update agree too
    diffs = [abs(a.data - b.data) for a, b in zip(ours.parameters(), theirs.parameters())]
    assert max(diffs) < 1e-9
