"""``micrograd-cn train``: train a sensible model on a toy data set and report how it did.

Part of the command line (:mod:`micrograd_cn.cli` parses the arguments and calls
:func:`run`); kept in its own module because it needs the training stack, which
``demo`` and ``draw`` never load.  Each data set has a recipe (layer sizes, loss,
L2, optimiser, learning rate, epochs) that reaches a high training accuracy.

>>> sorted(RECIPES), RECIPES["moons"].loss, RECIPES["spiral"].optimizer
(['circles', 'moons', 'spiral'], 'hinge', 'adam')
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from numbers import Integral

from . import datasets
from .nn import MLP
from .optim import SGD, Adam
from .training import accuracy, fit, objective

__all__ = ["RECIPES", "Recipe", "run"]


@dataclass(frozen=True)
class Recipe:
    """How ``train`` fits one data set."""

    data: dict  #: keyword arguments of ``datasets.make_<name>``
    hidden: tuple  #: hidden layer sizes
    outputs: int
    loss: str
    l2: float
    optimizer: str  #: "sgd" (momentum 0.9) or "adam"
    lr: float
    epochs: int  #: default when --epochs is not given


RECIPES = {
    "moons": Recipe({"n_samples": 100, "noise": 0.1}, (16, 16), 1, "hinge", 2e-4, "sgd", 0.1, 150),
    "circles": Recipe(
        {"n_samples": 100, "noise": 0.05}, (16, 16), 2, "cross_entropy", 0.0, "sgd", 0.1, 150
    ),
    "spiral": Recipe(
        {"n_samples": 150, "noise": 0.2}, (16, 16), 3, "cross_entropy", 0.0, "adam", 0.03, 200
    ),
}


def run(
    dataset: str, epochs: int | None, seed: int | None, output: str | None, progress: bool = True
) -> int:
    """Train on ``dataset``, print the final accuracy and loss, optionally save the decision
    boundary.  Returns the exit code (0 ok, 1 missing matplotlib or unwritable file,
    2 bad arguments)."""
    if dataset not in RECIPES:
        print(
            f"error: unknown dataset {dataset!r}; choose one of: {', '.join(RECIPES)}",
            file=sys.stderr,
        )
        return 2
    recipe = RECIPES[dataset]
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
    fit(model, X, y, loss=recipe.loss, optimizer=optimizer, epochs=epochs, l2=recipe.l2,
        progress=progress)  # fmt: skip
    final = accuracy(model, X, y)
    loss = objective(model, X, y, recipe.loss, recipe.l2)  # the state `final` measured
    print(f"{dataset}: final training accuracy {final:.1%} after {epochs} epochs (loss {loss:.4f})")
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
