"""Plots for training: :func:`decision_boundary` and :func:`loss_curve` (matplotlib, optional).

matplotlib is imported only when a plot is made, so the package needs nothing
beyond the standard library; install it with ``pip install 'micrograd_cn[train]'``.
Both functions return a ``matplotlib.figure.Figure`` (shown inline in Jupyter,
saved with ``fig.savefig("boundary.png")``) and leave pyplot's list of open
figures alone, so nothing is drawn twice.
"""

from __future__ import annotations

from .engine import no_grad
from .training import class_index, predicted_class

__all__ = ["decision_boundary", "loss_curve", "use_chinese_font"]

_CMAP = "Spectral"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "micrograd_cn.plot needs matplotlib: pip install 'micrograd_cn[train]'"
        ) from error
    return plt


_CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei")


def use_chinese_font() -> list[str]:
    """Let matplotlib draw Chinese titles: put the installed CJK fonts first.

    Returns the CJK fonts found (possibly none: then Chinese glyphs show as boxes,
    and matplotlib's "Glyph missing" warnings are silenced instead of failing).
    """
    plt = _pyplot()
    import warnings

    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = [name for name in _CJK_FONTS if name in installed]
    plt.rcParams["font.sans-serif"] = [*found, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    if not found:
        warnings.filterwarnings("ignore", message="Glyph .* missing")
    return found


def _new_axes(ax, figsize):
    plt = _pyplot()
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax, True


def _grid(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def decision_boundary(model, X, y, resolution: int = 60, margin: float = 0.5, ax=None, title=None):
    """Colour the plane by the model's predicted class and scatter the data on top.

    One-output models are split at score 0 (micrograd's demo); multi-output
    models by argmax.  ``resolution`` points per axis are evaluated under
    ``no_grad``.  Labels ±1 are shown as 0/1.
    """
    if len(X) != len(y):
        raise ValueError(f"decision_boundary: length mismatch, {len(X)} points and {len(y)} labels")
    if not X:
        raise ValueError("decision_boundary: no points to plot")
    if resolution < 2:
        raise ValueError(f"decision_boundary: resolution must be >= 2, got {resolution}")
    xs = [float(p[0]) for p in X]
    ys = [float(p[1]) for p in X]
    gx = _grid(min(xs) - margin, max(xs) + margin, resolution)
    gy = _grid(min(ys) - margin, max(ys) + margin, resolution)
    with no_grad():
        Z = [[predicted_class(model([a, b])) for a in gx] for b in gy]
    labels = [class_index(t) for t in y]
    n_classes = max(max(labels), max(max(row) for row in Z)) + 1
    levels = [k - 0.5 for k in range(n_classes + 1)]
    fig, ax, created = _new_axes(ax, (5, 5))
    ax.contourf(gx, gy, Z, levels=levels, cmap=_CMAP, alpha=0.6, vmin=0, vmax=n_classes - 1)
    ax.scatter(xs, ys, c=labels, s=25, cmap=_CMAP, vmin=0, vmax=n_classes - 1, edgecolors="k")
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    if created:
        _pyplot().close(fig)  # returned, not left open in pyplot: Jupyter shows it once
    return fig


def loss_curve(history, ax=None, title=None):
    """Loss per epoch (left axis) and, when recorded, training accuracy (right axis).

    ``history`` is what :func:`~micrograd_cn.training.fit` returns, or a dict
    with a ``"loss"`` list and optionally an ``"accuracy"`` list.
    """
    loss = list(history["loss"])
    if not loss:
        raise ValueError("loss_curve: the history has no epochs")
    try:
        acc = list(history["accuracy"])
    except KeyError:
        acc = []
    epochs = list(range(1, len(loss) + 1))
    fig, ax, created = _new_axes(ax, (6, 4))
    ax.plot(epochs, loss, color="tab:blue", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="tab:blue")
    if acc and all(a == a for a in acc):  # skip NaN accuracy (regression)
        right = ax.twinx()
        right.plot(epochs, acc, color="tab:orange", label="accuracy")
        right.set_ylabel("accuracy", color="tab:orange")
        right.set_ylim(0.0, 1.05)
    if title:
        ax.set_title(title)
    if created:
        _pyplot().close(fig)
    return fig
