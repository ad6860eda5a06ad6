"""training: fit reaches the promised accuracy on moons, history, losses, progress bar, the
objective, and how outputs and labels become classes."""

import gc
import io
import math
import sys
from typing import ClassVar

import pytest

from micrograd_cn.datasets import make_circles, make_moons
from micrograd_cn.engine import Value
from micrograd_cn.losses import mse_loss
from micrograd_cn.nn import MLP
from micrograd_cn.optim import SGD, Adam
from micrograd_cn.training import (
    History,
    accuracy,
    class_index,
    fit,
    objective,
    predict,
    predicted_class,
)


def test_moons_2_16_16_1_reaches_97_percent_in_150_steps():
    # The acceptance check.  Seed 0 is not hand-picked: with these settings
    # 20 of 20 (data seed s, model seed s + 100) pairs reached >= 97% (19 at 100%).
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=100)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(
        model, X, y, loss="hinge", optimizer=optimizer, epochs=150, l2=2e-4, progress=False
    )
    assert len(history) == 150
    assert accuracy(model, X, y) >= 0.97
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] >= 0.97


def test_history_records_the_loss_of_each_full_batch_step():
    X, y = make_moons(20, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=1)
    # the expected first loss, computed by hand with the losses module before training
    scores = [model(x) for x in X]
    first = sum(max(0.0, 1 - (2 * t - 1) * s.data) for s, t in zip(scores, y)) / 20
    first += 0.5 * 0.01 * sum(p.data**2 for p in model.parameters())
    first_acc = sum((s.data > 0) == (t == 1) for s, t in zip(scores, y)) / 20
    history = fit(model, X, y, epochs=3, l2=0.01, progress=False)
    assert history.loss[0] == pytest.approx(first, rel=1e-12)
    assert history.accuracy[0] == first_acc
    assert history["loss"] is history.loss
    with pytest.raises(KeyError):
        history["val_loss"]


def test_cross_entropy_on_circles_and_minibatches():
    X, y = make_circles(60, noise=0.05, seed=2)
    model = MLP(2, [8, 8, 2], seed=2)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=40,
        batch_size=16,
        seed=0,
        progress=False,
    )
    assert accuracy(model, X, y) >= 0.95
    assert history.loss[-1] < history.loss[0]
    assert predict(model, [[0.0, 0.0]]) == [1]  # the centre belongs to the inner circle


def test_mse_and_callable_losses():
    X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    y = [0, 1, 1, 1]  # OR
    model = MLP(2, [1], out_activation="sigmoid", seed=3)
    fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=2.0),
        epochs=300,
        progress=False,
    )
    assert accuracy(model, X, y, threshold=0.5) == 1.0
    targets = [0.5, -1.0, 2.0, 0.0]  # regression: accuracy is NaN
    reg = MLP(2, [8, 1], seed=4)
    history = fit(
        reg,
        X,
        targets,
        loss=lambda outputs, t: mse_loss(outputs, t),
        optimizer=Adam(reg.parameters(), lr=0.05),
        epochs=200,
        progress=False,
    )
    assert history.loss[-1] < 1e-3
    assert math.isnan(history.accuracy[-1])
    assert [reg(x).data for x in X] == pytest.approx(targets, abs=0.05)


def test_fit_restores_the_garbage_collector():
    X, y = make_moons(10, seed=0)
    assert gc.isenabled()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=1, progress=False)
    assert gc.isenabled()
    gc.disable()
    try:
        fit(MLP(2, [2, 1], seed=0), X, y, epochs=1, progress=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_fit_in_two_threads_leaves_the_collector_on(collector_race):
    """fit() pauses the collector with the same thread-safe pause as backward(): thread B
    starting a fit while A's fit has it paused must not read "off" and keep it off for good
    (the old ``was_on = gc.isenabled(); gc.disable()`` in fit did)."""

    def a_fit(inside):
        def waiting_loss(outputs, targets):
            inside()
            return mse_loss(outputs, targets)

        fit(line_model(), [[1.0]], [0.0], loss=waiting_loss, epochs=1, lr=0.0, progress=False)

    def b_fit():
        fit(line_model(), [[1.0]], [0.0], loss="mse", epochs=1, lr=0.0, progress=False)

    assert collector_race(a_fit, b_fit), "the collector stayed off after both fit() calls"


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_when_asked_and_interactive(monkeypatch):
    pytest.importorskip("tqdm")
    X, y = make_moons(10, seed=0)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=4, progress=False)
    assert terminal.getvalue() == ""
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=4, progress=True)
    drawn = terminal.getvalue()
    assert "4/4" in drawn and "loss=" in drawn and "acc=" in drawn
    pipe = io.StringIO()  # not a terminal (e.g. CI logs): silent
    monkeypatch.setattr(sys, "stderr", pipe)
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=4, progress=True)
    assert pipe.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm not installed: silent
    before = terminal.getvalue()
    history = fit(MLP(2, [2, 1], seed=0), X, y, epochs=4, progress=True)
    assert terminal.getvalue() == before and len(history) == 4


def test_predict_and_accuracy_label_conventions():
    model = MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, 0.0
    X = [[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0]]
    assert predict(model, X) == [1, 0, 1]
    assert accuracy(model, X, [1, -1, -1]) == pytest.approx(2 / 3)  # ±1 labels as 0/1
    assert accuracy(model, X, [1, 0, 1]) == 1.0
    assert predict(model, X, threshold=1.5) == [0, 0, 1]
    assert isinstance(History(), History) and len(History()) == 0


def test_outputs_and_labels_become_classes():
    assert [predicted_class(Value(v)) for v in (0.3, 0.0, -0.2)] == [1, 0, 0]  # score > 0
    assert predicted_class(Value(0.3), threshold=0.5) == 0
    assert predicted_class([Value(0.1), Value(2.0), Value(-1.0)]) == 1  # argmax
    assert predicted_class([Value(3.0), Value(3.0)]) == 0  # a tie: the first
    assert [class_index(t) for t in (-1, 1, 0, 2, 2.0)] == [0, 1, 0, 2, 2]


def test_objective_is_the_loss_of_the_model_as_it_is_now():
    X, y = [[1.0, 2.0], [-1.0, 0.5]], [1, 0]
    model = MLP(2, [1], seed=0)
    scores = [model(x).data for x in X]
    hinge = sum(max(0.0, 1.0 - t * s) for t, s in zip([1, -1], scores)) / 2  # labels 0/1 -> ±1
    params = [p.data for p in model.parameters()]
    l2 = 0.01 / 2 * sum(p * p for p in params)
    assert objective(model, X, y) == pytest.approx(hinge, rel=1e-12)
    assert objective(model, X, y, l2=0.01) == pytest.approx(hinge + l2, rel=1e-12)
    mse = sum((s - t) ** 2 for s, t in zip(scores, y)) / 2
    assert objective(model, X, y, loss="mse") == pytest.approx(mse, rel=1e-12)
    assert all(p.grad == 0.0 for p in model.parameters())  # no graph, no gradients


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"loss": "hinge", "y": [0, 2, 1]}, ValueError, r"hinge loss needs labels 0/1 or -1/\+1"),
        ({"loss": "huber"}, ValueError, "unknown loss 'huber'"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int, got 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int or None"),
        ({"y": [0, 1]}, ValueError, "length mismatch, 3 samples and 2 labels"),
    ],
)
def test_fit_errors(kwargs, error, match):
    args = {"X": [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], "y": [0, 1, 1], "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fit(MLP(2, [1], seed=0), **args)


def test_accuracy_errors():
    with pytest.raises(ValueError, match="length mismatch"):
        accuracy(MLP(2, [1], seed=0), [[0.0, 0.0]], [0, 1])


def test_value_inputs_are_accepted():
    X = [[Value(0.5), Value(-0.5)], [Value(1.0), Value(1.0)]]
    history = fit(MLP(2, [2, 1], seed=0), X, [1, 0], epochs=2, progress=False)
    assert len(history.loss) == 2


class RecordingBar:
    """Stands in for tqdm.auto.tqdm: records how fit drives the bar."""

    made: ClassVar[list] = []

    def __init__(self, **kwargs):
        self.kwargs, self.updates, self.closed = kwargs, 0, False
        RecordingBar.made.append(self)

    def update(self, n):
        self.updates += n

    def set_postfix(self, **kwargs):
        self.postfix = kwargs

    def close(self):
        self.closed = True


class ZMQInteractiveShell:  # the class name Jupyter's kernel shell has
    pass


class TerminalInteractiveShell:  # IPython in a terminal: the tty check decides
    pass


def fake_ipython(shell_class=None, has_get_ipython=True):
    import types

    module = types.ModuleType("IPython")
    if has_get_ipython:
        module.get_ipython = lambda: None if shell_class is None else shell_class()
    return module


@pytest.mark.parametrize(
    ("ipython", "bars"),
    [
        (fake_ipython(ZMQInteractiveShell), 1),  # a Jupyter notebook: draw, though not a tty
        (fake_ipython(TerminalInteractiveShell), 0),  # IPython with output piped: silent
        (fake_ipython(None), 0),  # IPython imported, no shell running
        (fake_ipython(has_get_ipython=False), 0),  # a stub IPython module: no crash
        (None, 0),  # no IPython at all
    ],
)
def test_progress_bar_in_jupyter_even_without_a_terminal(monkeypatch, ipython, bars):
    """kills training._interactive__mutmut_1-10/14-23: Jupyter's kernel shell counts as
    interactive; other shells and stub modules fall back to the tty check."""
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingBar)
    monkeypatch.setattr(RecordingBar, "made", [])
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    X, y = make_moons(6, seed=0)
    history = fit(MLP(2, [2, 1], seed=0), X, y, epochs=3, progress=True)
    assert len(RecordingBar.made) == bars
    if bars:
        (bar,) = RecordingBar.made
        assert bar.kwargs == {"total": 3, "desc": "MLP hinge", "unit": "epoch"}
        assert bar.updates == 3 and bar.closed
        assert bar.postfix == {
            "loss": f"{history.loss[-1]:.4f}",
            "acc": f"{history.accuracy[-1]:.1%}",
        }


def test_history_unknown_key_names_the_key():
    """kills training.History.__getitem__mutmut_6: KeyError carries the key asked for."""
    history = History(loss=[1.0], accuracy=[0.5])
    assert history["loss"] == [1.0] and history["accuracy"] == [0.5]
    with pytest.raises(KeyError) as error:
        history["epochs"]
    assert error.value.args == ("epochs",)


def line_model(w=1.0, b=0.0):
    """MLP(1, [1]) with a linear output set by hand: the output is w·x + b."""
    model = MLP(1, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.b.data = w, b
    return model


@pytest.mark.parametrize(
    ("loss", "y"),
    [
        ("hinge", [1, 0]),  # 0/1 labels, fed to the hinge as ±1
        ("hinge", [1, -1]),  # ±1 labels, kept
        (lambda outputs, targets: mse_loss(outputs, targets), [1, 0]),
    ],
)
def test_one_output_accuracy_counts_a_positive_score_as_class_1(loss, y):
    """kills training._prepare__mutmut_3/16/22 (threshold 0.0 -> 1.0 for a callable loss and
    both hinge label conventions) and _prepare__mutmut_17-21 (±1 labels refused or lost):
    scores 0.5 and -0.5 are classes 1 and 0, and the hinge sees the labels as ±1."""
    model = line_model()
    X = [[0.5], [-0.5]]
    history = fit(
        model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False
    )
    assert history.accuracy == [1.0]
    # hinge: max(0, 1 - (+1)(0.5)) = max(0, 1 - (-1)(-0.5)) = 0.5; mse: (0.5² + 0.5²) / 2 = 0.25
    assert history.loss == [pytest.approx(0.5 if loss == "hinge" else 0.25, rel=1e-12)]


def test_minibatch_history_is_the_mean_over_every_sample_with_the_loss_threshold():
    """kills training.fit__mutmut_98/101 (loss and hits of the last batch only), fit__mutmut_107
    (threshold 0.0 instead of mse's 0.5), _prepare__mutmut_67 (mse's threshold 1.5) and
    fit__mutmut_108 (misses counted): with lr 0 the model stays put, so every epoch records the
    same numbers whatever the batches."""
    model = line_model()  # output = x
    X, y = [[0.3], [0.7], [-0.2]], [1, 1, 0]
    history = fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.0),
        epochs=2,
        batch_size=2,
        seed=0,
        progress=False,
    )
    mse = ((0.3 - 1) ** 2 + (0.7 - 1) ** 2 + (-0.2 - 0) ** 2) / 3
    assert history.loss == [pytest.approx(mse, rel=1e-12)] * 2
    assert history.accuracy == [2 / 3] * 2  # 0.3 is not above mse's threshold 0.5: a miss


def test_mse_with_plus_minus_one_labels_counts_a_positive_score_as_class_1():
    """Regressing onto -1/+1, the midpoint between the labels is 0, not 0/1's 0.5: a score
    of 0.3 is nearer +1 and is a hit, as ``accuracy`` (threshold 0) says after training."""
    model = line_model()  # output = x
    X, y = [[0.3], [-0.4]], [1, -1]
    history = fit(
        model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.0), epochs=1,
        progress=False,
    )  # fmt: skip
    assert history.accuracy == [1.0] == [accuracy(model, X, y)]
    assert history.loss == [pytest.approx(((0.3 - 1) ** 2 + (-0.4 + 1) ** 2) / 2, rel=1e-12)]


def test_batches_keep_the_data_order_or_are_reshuffled_reproducibly():
    """kills training.fit__mutmut_71 (a full batch shuffled), fit__mutmut_52 (the seed ignored)
    and fit__mutmut_28/29 (batch_size=1 refused)."""
    X, y = [[float(i)] for i in range(8)], list(range(8))

    def batches(**kwargs):
        seen = []

        def loss(outputs, targets):
            seen.append(list(targets))
            return mse_loss(outputs, targets)

        model = line_model(0.0)
        fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.0), epochs=2, **kwargs)
        return seen

    assert batches(progress=False) == [y, y]  # full batch: the data's order, every epoch
    seeded = batches(batch_size=1, seed=0, progress=False)
    assert len(seeded) == 16 and all(len(b) == 1 for b in seeded)
    first, second = [b[0] for b in seeded[:8]], [b[0] for b in seeded[8:]]
    assert sorted(first) == sorted(second) == y  # each epoch sees every sample once
    assert first != second  # reshuffled every epoch
    assert batches(batch_size=1, seed=0, progress=False) == seeded  # the same seed, the same run
    assert batches(batch_size=1, seed=1, progress=False) != seeded


def test_fit_defaults_are_100_epochs_of_sgd_lr_0_1_momentum_0_9():
    """kills training.fit__mutmut_3 (101 epochs), fit__mutmut_5 (lr 1.1) and fit__mutmut_49
    (no momentum): two steps on (w·1 + b - 2)² from w = 0.5, b = 0, done by hand."""
    assert len(fit(line_model(0.5), [[1.0]], [2.0], loss="mse", progress=False)) == 100
    model = line_model(0.5)
    history = fit(model, [[1.0]], [2.0], loss="mse", epochs=2, progress=False)
    # step 1: out 0.5, loss 2.25, dL/dw = dL/db = 2(0.5 - 2) = -3; buf = -3; w, b += 0.3
    # step 2: out 1.1, loss 0.81, grads -1.8; buf = 0.9·(-3) - 1.8 = -4.5; w, b += 0.45
    assert history.loss == [pytest.approx(2.25, rel=1e-12), pytest.approx(0.81, rel=1e-12)]
    neuron = model.layers[0].neurons[0]
    assert neuron.w[0].data == pytest.approx(1.25, rel=1e-12)
    assert neuron.b.data == pytest.approx(0.75, rel=1e-12)


def test_progress_bar_is_on_by_default_and_names_a_callable_loss_loss(monkeypatch):
    """kills training.fit__mutmut_6 (progress off by default) and fit__mutmut_66-68 (the bar's
    label for a callable loss)."""
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingBar)
    monkeypatch.setattr(RecordingBar, "made", [])
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython(ZMQInteractiveShell))
    fit(line_model(), [[1.0]], [1.0], loss=lambda o, t: mse_loss(o, t), epochs=1)
    (bar,) = RecordingBar.made
    assert bar.kwargs == {"total": 1, "desc": "MLP loss", "unit": "epoch"}


def test_fit_and_accuracy_refusals_word_for_word():
    """kills training.fit__mutmut_8/26 (True and 2.5 taken as sizes), fit__mutmut_19-21 and
    accuracy__mutmut_5-7 (the empty-data messages), _prepare__mutmut_25 (the first 5 labels),
    _prepare__mutmut_70 (the list of losses)."""
    model, X, y = line_model(), [[0.0], [1.0]], [0, 1]
    cases = [
        ({"epochs": True}, "epochs must be a positive int, got True"),
        ({"epochs": 2.5}, "epochs must be a positive int, got 2.5"),
        ({"batch_size": True}, "batch_size must be a positive int or None, got True"),
        ({"batch_size": 2.0}, "batch_size must be a positive int or None, got 2.0"),
        ({"X": [], "y": []}, "fit: empty data set"),
        (
            {"X": [[0.0]] * 7, "y": [6, 5, 4, 3, 2, 1, 0]},
            "hinge loss needs labels 0/1 or -1/+1, got [0, 1, 2, 3, 4]",
        ),
        (
            {"loss": "huber"},
            "unknown loss 'huber'; choose one of: hinge, cross_entropy, mse, or a callable",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError) as error:
            fit(model, **{"X": X, "y": y, "progress": False, **kwargs})
        assert str(error.value) == message
    with pytest.raises(ValueError) as error:
        accuracy(model, [], [])
    assert str(error.value) == "accuracy: empty data set"


def test_mse_with_several_outputs_regresses_onto_one_hot_targets():
    """kills training._prepare__mutmut_38-65: the mean over samples and outputs of
    (output - onehot(label))², computed here from the model's outputs."""
    model = MLP(2, [3], seed=0)
    X, y = [[1.0, -0.5], [0.2, 0.8]], [2, 0]
    outputs = [[o.data for o in model(x)] for x in X]
    expected = sum(
        (o[k] - (1.0 if k == t else 0.0)) ** 2 for o, t in zip(outputs, y) for k in range(3)
    ) / (2 * 3)
    assert objective(model, X, y, loss="mse") == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_on_a_one_output_model_says_what_to_change():
    """A one-output model's batch of scores would be read as one sample's logits ("one sample
    of logits but 2 targets"); fit says what is wrong instead."""
    with pytest.raises(ValueError) as refused:
        fit(line_model(), [[1.0], [2.0]], [0, 1], loss="cross_entropy", epochs=1, progress=False)
    assert str(refused.value) == (
        "cross_entropy needs a model with one output per class (at least 2), this one has 1; "
        "use loss='hinge' or 'mse', or end the MLP with one neuron per class"
    )
