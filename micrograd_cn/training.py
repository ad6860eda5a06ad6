"""Training loop: :func:`fit` (with a tqdm progress bar), :func:`predict`, :func:`accuracy`, and
the ``micrograd-cn train`` job (:func:`run_cli`).

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

import gc
import math
import random
import sys
from dataclasses import dataclass, field
from numbers import Integral

from . import functional as F
from . import losses as L
from .engine import Value, no_grad
from .optim import SGD

__all__ = ["History", "accuracy", "fit", "predict", "run_cli"]

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


def _label(output, threshold: float) -> int:
    """Class of one model output: argmax of a list, ``score > threshold`` for one Value."""
    if isinstance(output, Value):
        return 1 if output.data > threshold else 0
    scores = [o.data for o in output]
    return max(range(len(scores)), key=scores.__getitem__)


def _as_class(label) -> int:
    # ±1 labels (micrograd's demo) compare as 0/1
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
        return [_label(model(x), threshold) for x in X]


def accuracy(model, X, y, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class equals ``y`` (±1 labels count as 0/1)."""
    if len(X) != len(y):
        raise ValueError(f"accuracy: length mismatch, {len(X)} samples and {len(y)} labels")
    if not X:
        raise ValueError("accuracy: empty data set")
    hits = sum(p == _as_class(t) for p, t in zip(predict(model, X, threshold), y))
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
        return L.cross_entropy, list(y), 0.0
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

        return mse, list(y), 0.5
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
    classes = [_as_class(t) if _is_class_label(t) else None for t in y]
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, lr=lr, momentum=0.9)
    rng = random.Random(seed)
    order = list(range(n))
    history = History()
    bar = _progress_bar(
        epochs, progress, f"{type(model).__name__} {loss if isinstance(loss, str) else 'loss'}"
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(epochs):
            if batch_size < n:
                rng.shuffle(order)
            total, hits = 0.0, 0
            for start in range(0, n, batch_size):
                batch = order[start : start + batch_size]
                outputs = [model(X[i]) for i in batch]
                objective = batch_loss(outputs, [targets[i] for i in batch])
                if l2:
                    objective = objective + L.l2_penalty(params, l2)
                optimizer.zero_grad()
                objective.backward()
                optimizer.step()
                total += objective.data * len(batch)
                hits += sum(_label(o, threshold) == classes[i] for o, i in zip(outputs, batch))
            history.loss.append(total / n)
            history.accuracy.append(hits / n if None not in classes else math.nan)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{history.loss[-1]:.4f}", acc=f"{history.accuracy[-1]:.1%}")
    finally:
        if gc_was_enabled:
            gc.enable()
        if bar is not None:
            bar.close()
    return history


# ---------------------------------------------------------------------------- CLI job
@dataclass(frozen=True)
class _Recipe:
    data: dict  # keyword arguments of datasets.make_<name>
    hidden: tuple  # hidden layer sizes
    outputs: int
    loss: str
    l2: float
    optimizer: str  # "sgd" (momentum 0.9) or "adam"
    lr: float
    epochs: int  # default when --epochs is not given


_RECIPES = {
    "moons": _Recipe({"n_samples": 100, "noise": 0.1}, (16, 16), 1, "hinge", 2e-4, "sgd", 0.1, 150),
    "circles": _Recipe(
        {"n_samples": 100, "noise": 0.05}, (16, 16), 2, "cross_entropy", 0.0, "sgd", 0.1, 150
    ),
    "spiral": _Recipe(
        {"n_samples": 150, "noise": 0.2}, (16, 16), 3, "cross_entropy", 0.0, "adam", 0.03, 200
    ),
}


def run_cli(
    dataset: str, epochs: int | None, seed: int | None, output: str | None, progress: bool = True
) -> int:
    """``micrograd-cn train``: train a sensible model on a toy data set, print its accuracy,
    optionally save the decision boundary.  Returns the exit code (0 ok, 1 missing
    matplotlib, 2 bad arguments)."""
    from . import datasets
    from .nn import MLP
    from .optim import Adam

    if dataset not in _RECIPES:
        print(
            f"error: unknown dataset {dataset!r}; choose one of: {', '.join(_RECIPES)}",
            file=sys.stderr,
        )
        return 2
    recipe = _RECIPES[dataset]
    epochs = recipe.epochs if epochs is None else epochs
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        print(f"error: --epochs must be a positive integer, got {epochs!r}", file=sys.stderr)
        return 2
    if output is not None:
        problem = _check_plot_output(output)
        if problem is not None:
            print(problem[1], file=sys.stderr)
            return problem[0]
    X, y = getattr(datasets, f"make_{dataset}")(seed=seed, **recipe.data)
    model = MLP(2, [*recipe.hidden, recipe.outputs], seed=seed)
    params = model.parameters()
    if recipe.optimizer == "adam":
        optimizer = Adam(params, lr=recipe.lr)
    else:
        optimizer = SGD(params, lr=recipe.lr, momentum=0.9)
    fit(
        model,
        X,
        y,
        loss=recipe.loss,
        optimizer=optimizer,
        epochs=epochs,
        l2=recipe.l2,
        progress=progress,
    )
    final = accuracy(model, X, y)
    loss_text = f"loss {_final_loss(model, X, y, recipe):.4f}"  # the state `final` measured
    print(f"{dataset}: final training accuracy {final:.1%} after {epochs} epochs ({loss_text})")
    if output is not None:
        from .plot import decision_boundary

        figure = decision_boundary(model, X, y, title=f"{dataset}: accuracy {final:.1%}")
        try:
            figure.savefig(output)
        except OSError as error:
            print(f"error: cannot write {output}: {error}", file=sys.stderr)
            return 1
        print(f"wrote {output}")
    return 0


def _final_loss(model, X, y, recipe: _Recipe) -> float:
    """The objective (loss + L2) of the model as it is now: the state ``accuracy`` sees.

    ``fit``'s last recorded loss is from the forward pass before the last update,
    so printing it next to the final accuracy would mix two models.
    """
    batch_loss, targets, _ = _prepare(recipe.loss, y)
    with no_grad():
        objective = batch_loss([model(x) for x in X], targets)
        if recipe.l2:
            objective = objective + L.l2_penalty(model.parameters(), recipe.l2)
    return objective.data


def _check_plot_output(output: str):
    """(exit code, message) if the plot cannot be written, else None."""
    try:
        import matplotlib
    except ImportError:
        return 1, "error: plotting needs matplotlib: pip install 'micrograd_cn[train]'"
    matplotlib.use("Agg")
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    supported = FigureCanvasBase.get_supported_filetypes()
    if suffix not in supported:
        return 2, f"error: cannot write {output!r}: use one of .{', .'.join(sorted(supported))}"
    return None
