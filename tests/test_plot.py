"""plot: the figures hold the data (scatter offsets, contour classes, curves), lazy matplotlib."""

import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.collections import PathCollection  # noqa: E402

from micrograd_cn.nn import MLP  # noqa: E402
from micrograd_cn.plot import decision_boundary, loss_curve  # noqa: E402
from micrograd_cn.training import History  # noqa: E402


def linear_model(a, b, c):
    """score = a*x1 + b*x2 + c: the boundary is a known line."""
    model = MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = a, b, c
    return model


def test_decision_boundary_scatter_is_the_data_and_contour_the_model():
    X = [[-1.0, 0.5], [2.0, -0.5], [0.3, 1.5], [1.2, 0.0]]
    y = [0, 1, 0, 1]
    fig = decision_boundary(linear_model(1.0, 0.0, -0.5), X, y, resolution=21, title="demo")
    (ax,) = fig.axes
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 1
    assert scatters[0].get_offsets().tolist() == X
    assert scatters[0].get_array().tolist() == y
    (contour,) = [c for c in ax.collections if c is not scatters[0]]
    assert list(contour.levels) == [-0.5, 0.5, 1.5]  # one band per class
    assert ax.get_xlim() == pytest.approx((-1.5, 2.5))  # data range plus the 0.5 margin
    assert ax.get_ylim() == pytest.approx((-1.0, 2.0))
    assert ax.get_title() == "demo"
    # band 0 (score <= 0) is x1 < 0.5, band 1 is x1 > 0.5, up to one grid step (0.2)
    band0, band1 = (path.vertices[:, 0] for path in contour.get_paths())
    assert band0.min() == pytest.approx(-1.5) and band0.max() < 0.5 + 0.2
    assert band1.max() == pytest.approx(2.5) and band1.min() > 0.5 - 0.2


def test_decision_boundary_multiclass_and_pm1_labels():
    model = MLP(2, [3], seed=1)
    X = [[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]]
    fig = decision_boundary(model, X, [0, 1, 2], resolution=10)
    contour = next(c for c in fig.axes[0].collections if not isinstance(c, PathCollection))
    assert list(contour.levels) == [-0.5, 0.5, 1.5, 2.5]
    fig = decision_boundary(linear_model(1.0, 0.0, 0.0), X, [-1, 1, -1], resolution=10)
    scatter = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection))
    assert scatter.get_array().tolist() == [0, 1, 0]  # ±1 drawn as 0/1


def test_loss_curve_plots_history():
    history = History(loss=[1.0, 0.6, 0.3], accuracy=[0.5, 0.8, 0.9])
    fig = loss_curve(history, title="training")
    loss_ax, acc_ax = fig.axes
    (loss_line,) = loss_ax.get_lines()
    (acc_line,) = acc_ax.get_lines()
    assert loss_line.get_xdata().tolist() == [1, 2, 3]
    assert loss_line.get_ydata().tolist() == [1.0, 0.6, 0.3]
    assert acc_line.get_ydata().tolist() == [0.5, 0.8, 0.9]
    assert loss_ax.get_title() == "training"
    only_loss = loss_curve({"loss": [3.0, 2.0]})
    assert len(only_loss.axes) == 1


def test_figures_are_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    decision_boundary(linear_model(1.0, 1.0, 0.0), [[0.0, 1.0]], [1], resolution=5)
    loss_curve({"loss": [1.0]})
    assert plt.get_fignums() == before


def test_errors():
    model = linear_model(1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="length mismatch, 1 points and 2 labels"):
        decision_boundary(model, [[0.0, 0.0]], [0, 1])
    with pytest.raises(ValueError, match="no points"):
        decision_boundary(model, [], [])
    with pytest.raises(ValueError, match="no epochs"):
        loss_curve({"loss": []})


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'micrograd_cn\[train\]'"):
        loss_curve({"loss": [1.0]})


def test_use_chinese_font_puts_installed_cjk_fonts_first():
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from micrograd_cn.plot import use_chinese_font

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = use_chinese_font()
    assert all(name in installed for name in found)
    assert plt.rcParams["font.sans-serif"][: len(found) + 1] == [*found, "DejaVu Sans"]
    assert plt.rcParams["axes.unicode_minus"] is False
