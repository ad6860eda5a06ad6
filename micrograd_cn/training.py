"""Training loop: :func:`fit` (with a tqdm progress bar), :func:`predict`, :func:`accuracy`,
:func:`objective`, and how outputs and labels become classes (:func:`predicted_class`,
:func:`class_index`, used by the plots too).  The ``micrograd-cn train`` command is in
:mod:`micrograd_cn.cli_train`.

``fit`` is micrograd's demo loop made reusable: forward every sample of a
batch, average the loss, add the L2 term, ``zero_grad``, ``backward``,
``step``.  It records the loss and the training accuracy of every epoch (as
micrograd prints them: measured on the forward pass before the update).

>>> from micrograd_cn.datasets import make_moons
>>> from micrograd_cn.nn import MLP
>>> X, y = make_moons(30, noise=0.1, seed=0)
>>> history = fit(MLP(2, [8, 1], seed=0), X, y, epochs=5, progress=False)
>>> len(history.loss), len(history["accuracy"])
(5, 5)
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass, field
from numbers import Integral

from . import functional as F
from . import losses as L
from .autograd import collector_paused
from .engine import Value, no_grad
from .optim import SGD

__all__ = [
    "History",
    "accuracy",
    "class_index",
    "fit",
    "objective",
    "predict",
    "predicted_class",
]

LOSSES = ("hinge", "cross_entropy", "mse")


@dataclass
class History:
    """Per-epoch ``loss`` and training ``accuracy`` (``history["loss"]`` works too)."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)

    def __getitem__(self, key: str) -> list:
        if key not in ("loss", "accuracy"):
            raise KeyError(key)
        return getattr(self, key)

    def __len__(self) -> int:
        return len(self.loss)


def predicted_class(output, threshold: float = 0.0) -> int:
    """Class of one model output: argmax of a list, ``score > threshold`` for one Value.

    >>> predicted_class(Value(0.3)), predicted_class([Value(0.1), Value(2.0), Value(-1.0)])
    (1, 1)
    """
    if isinstance(output, Value):
        return 1 if output.data > threshold else 0
    scores = [o.data for o in output]
    return max(range(len(scores)), key=scores.__getitem__)


def class_index(label) -> int:
    """A label as a class index: ±1 labels (micrograd's demo) count as 0/1.

    >>> class_index(-1), class_index(1), class_index(2.0)
    (0, 1, 2)
    """
    return 0 if label == -1 else int(label)


def predict(model, X, threshold: float = 0.0) -> list[int]:
    """Class labels: argmax for multi-output models, ``score > threshold`` -> 1 for one output.

    >>> from micrograd_cn.nn import MLP
    >>> model = MLP(2, [1], seed=0)
    >>> model.layers[0].neurons[0].w[0].data = 1.0; model.layers[0].neurons[0].w[1].data = 0.0
    >>> predict(model, [[2.0, 5.0], [-1.0, 5.0]])
    [1, 0]
    """
    with no_grad():
        return [predicted_class(model(x), threshold) for x in X]


def accuracy(model, X, y, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class equals ``y`` (±1 labels count as 0/1)."""
    if len(X) != len(y):
        raise ValueError(f"accuracy: length mismatch, {len(X)} samples and {len(y)} labels")
    if not X:
        raise ValueError("accuracy: empty data set")
    hits = sum(p == class_index(t) for p, t in zip(predict(model, X, threshold), y))
    return hits / len(X)


def _is_class_label(t) -> bool:
    return isinstance(t, Integral) or (isinstance(t, float) and t.is_integer())


def _prepare(loss, y):
    """-> (batch loss function, targets as fed to it, threshold for one-output accuracy)."""
    if callable(loss):
        return loss, list(y), 0.0
    if loss == "hinge":
        values = set(y)
        if values <= {0, 1}:
            return L.hinge_loss, [2 * t - 1 for t in y], 0.0
        if values <= {-1, 1}:
            return L.hinge_loss, list(y), 0.0
        raise ValueError(f"hinge loss needs labels 0/1 or -1/+1, got {sorted(values)[:5]}")
    if loss == "cross_entropy":

        def cross_entropy(outputs, targets):
            if isinstance(outputs[0], Value):  # else read as the logits of one sample
                raise ValueError(
                    "cross_entropy needs a model with one output per class (at least 2), "
                    "this one has 1; use loss='hinge' or 'mse', or end the MLP with one "
                    "neuron per class"
                )
            return L.cross_entropy(outputs, targets)

        return cross_entropy, list(y), 0.0
    if loss == "mse":

        def mse(outputs, targets):
            if isinstance(outputs[0], Value):
                return L.mse_loss(outputs, targets)
            # several outputs and class labels: regress onto one-hot targets (《反向传播算法》)
            onehots = [
                [1.0 if k == t else 0.0 for k in range(len(o))] for o, t in zip(outputs, targets)
            ]
            return F.sum([L.mse_loss(o, h, reduction="sum") for o, h in zip(outputs, onehots)]) * (
                1.0 / (len(outputs) * len(outputs[0]))
            )

        midpoint = 0.0 if any(t == -1 for t in y) else 0.5  # between labels -1/+1, or 0/1
        return mse, list(y), midpoint
    raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}, or a callable")


def _interactive() -> bool:
    """True in a terminal or a Jupyter notebook (where a progress bar is worth drawing)."""
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
        if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
            return True
    stream = sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


def _progress_bar(total: int, enabled: bool, desc: str):
    if not enabled or not _interactive():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is an optional extra: train silently without it
        return None
    return tqdm(total=total, desc=desc, unit="epoch")


def fit(
    model,
    X,
    y,
    loss="hinge",
    optimizer=None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    lr: float = 0.1,
    seed=None,
    progress: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)``; return the per-epoch :class:`History`.

    ``loss``: "hinge" (one output; labels 0/1 or ±1), "cross_entropy" (K
    outputs, labels 0..K-1), "mse", or a callable ``loss(outputs, targets) ->
    Value``.  ``optimizer`` defaults to ``SGD(lr=lr, momentum=0.9)``.  ``l2``
    adds ``l2_penalty(params, l2)`` = l2/2·Σp² (micrograd's ``alpha·Σp²`` is
    ``l2=2*alpha``).  ``batch_size=None`` is full batch; otherwise batches are
    reshuffled every epoch with ``seed``.

    The cyclic garbage collector is paused while training and restored after:
    the graphs have no reference cycles, refcounting frees each one as soon as
    the next step starts, and the collector's scans of live graphs only cost
    time (about a quarter of a step here).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"fit: length mismatch, {len(X)} samples and {len(y)} labels")
    if not X:
        raise ValueError("fit: empty data set")
    n = len(X)
    if batch_size is None:
        batch_size = n
    elif isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    batch_loss, targets, threshold = _prepare(loss, y)
    classes = [class_index(t) if _is_class_label(t) else None for t in y]
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, lr=lr, momentum=0.9)
    rng = random.Random(seed)
    order = list(range(n))
    history = History()
    bar = _progress_bar(
        epochs, progress, f"{type(model).__name__} {loss if isinstance(loss, str) else 'loss'}"
    )
    try:
        with collector_paused():  # no cycles to find; safe across threads
            for _ in range(epochs):
                if batch_size < n:
                    rng.shuffle(order)
                total, hits = 0.0, 0
                for start in range(0, n, batch_size):
                    batch = order[start : start + batch_size]
                    outputs = [model(X[i]) for i in batch]
                    batch_objective = batch_loss(outputs, [targets[i] for i in batch])
                    if l2:
                        batch_objective = batch_objective + L.l2_penalty(params, l2)
                    optimizer.zero_grad()
                    batch_objective.backward()
                    optimizer.step()
                    total += batch_objective.data * len(batch)
                    hits += sum(
                        predicted_class(o, threshold) == classes[i] for o, i in zip(outputs, batch)
                    )
                history.loss.append(total / n)
                history.accuracy.append(hits / n if None not in classes else math.nan)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(
                        loss=f"{history.loss[-1]:.4f}", acc=f"{history.accuracy[-1]:.1%}"
                    )
    finally:
        if bar is not None:
            bar.close()
    return history


def objective(model, X, y, loss="hinge", l2: float = 0.0) -> float:
    """The number :func:`fit` minimises (batch loss + L2 term) for the model as it is now.

    ``fit``'s recorded loss of the last epoch comes from the forward pass before
    the last update; this is the loss of the model that :func:`accuracy` measures.

    >>> from micrograd_cn.nn import MLP
    >>> model = MLP(2, [1], seed=0)
    >>> objective(model, [[1.0, 2.0]], [1], loss="mse") == (model([1.0, 2.0]).data - 1.0) ** 2
    True
    """
    batch_loss, targets, _ = _prepare(loss, list(y))
    with no_grad():
        total = batch_loss([model(x) for x in X], targets)
        if l2:
            total = total + L.l2_penalty(model.parameters(), l2)
    return total.data
