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
    """kills plot._pyplot__mutmut_2: the message is exactly this one."""
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError,
        match=r"^micrograd_cn\.plot needs matplotlib: pip install 'micrograd_cn\[train\]'$",
    ):
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


def test_loss_curve_axes_labels_colours_and_limits():
    """kills plot.loss_curve__mutmut_32/33/36/37/40-45/48-50/59-61/63/64/67-69/72-74/77-82:
    the colours, labels, epoch axis and the accuracy axis's 0..1.05 range."""
    from matplotlib.colors import to_hex

    blue, orange = to_hex("tab:blue"), to_hex("tab:orange")
    fig = loss_curve(History(loss=[0.9, 0.4, 0.2, 0.1], accuracy=[0.25, 0.5, 0.75, 1.0]))
    loss_ax, acc_ax = fig.axes
    (loss_line,) = loss_ax.get_lines()
    (acc_line,) = acc_ax.get_lines()
    assert (loss_line.get_label(), to_hex(loss_line.get_color())) == ("loss", blue)
    assert (acc_line.get_label(), to_hex(acc_line.get_color())) == ("accuracy", orange)
    assert acc_line.get_xdata().tolist() == [1, 2, 3, 4]  # epochs count from 1, as fit's
    assert loss_ax.get_xlabel() == "epoch"
    assert loss_ax.get_ylabel() == "loss"
    assert to_hex(loss_ax.yaxis.label.get_color()) == blue  # each axis coloured as its curve
    assert acc_ax.get_ylabel() == "accuracy"
    assert to_hex(acc_ax.yaxis.label.get_color()) == orange
    assert acc_ax.get_ylim() == (0.0, 1.05)  # accuracy is a fraction: always the full range


def test_loss_curve_size_and_given_axes():
    """kills plot.loss_curve__mutmut_24 (given ax ignored), _25/_28/_29 (figsize 6x4 changed)."""
    import matplotlib.pyplot as plt

    assert tuple(loss_curve({"loss": [1.0]}).get_size_inches()) == (6.0, 4.0)
    fig, ax = plt.subplots()
    try:
        assert loss_curve({"loss": [2.0, 1.0]}, ax=ax) is fig
        (line,) = ax.get_lines()
        assert line.get_ydata().tolist() == [2.0, 1.0]
        assert plt.fignum_exists(fig.number)  # the caller's figure stays the caller's
    finally:
        plt.close(fig)


def test_loss_curve_error_text():
    """kills plot.loss_curve__mutmut_7: the message is exactly the one below."""
    with pytest.raises(ValueError, match=r"^loss_curve: the history has no epochs$"):
        loss_curve({"loss": []})


def test_use_chinese_font_without_cjk_fonts_silences_only_missing_glyph_warnings(monkeypatch):
    """kills plot.use_chinese_font__mutmut_15-22: no CJK font -> matplotlib's
    "Glyph ... missing" warnings are ignored, other warnings still shown;
    with a CJK font nothing is silenced."""
    import warnings

    from matplotlib import font_manager

    from micrograd_cn.plot import use_chinese_font

    glyph = "Glyph 20320 (\\N{CJK UNIFIED IDEOGRAPH-4F60}) missing from font(s) DejaVu Sans."
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with matplotlib.rc_context(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert use_chinese_font() == []
        assert matplotlib.rcParams["font.sans-serif"] == ["DejaVu Sans"]
        warnings.warn(glyph, UserWarning, stacklevel=1)
        warnings.warn("something else is missing", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else is missing"]

    cjk = font_manager.FontEntry(name="Noto Sans CJK SC")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [cjk])
    with matplotlib.rc_context(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert use_chinese_font() == ["Noto Sans CJK SC"]
        assert matplotlib.rcParams["font.sans-serif"] == ["Noto Sans CJK SC", "DejaVu Sans"]
        warnings.warn(glyph, UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == [glyph]


def test_loss_curve_colours_do_not_follow_the_style_cycle():
    """kills plot.loss_curve__mutmut_32/_36: the loss curve is tab:blue like its axis label even
    when the style's colour cycle starts elsewhere (by default its first colour is tab:blue too)."""
    from cycler import cycler
    from matplotlib.colors import to_hex

    with matplotlib.rc_context({"axes.prop_cycle": cycler(color=["red", "green"])}):
        fig = loss_curve(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0]))
    loss_ax, acc_ax = fig.axes
    assert to_hex(loss_ax.get_lines()[0].get_color()) == to_hex("tab:blue")
    assert to_hex(acc_ax.get_lines()[0].get_color()) == to_hex("tab:orange")


def test_decision_boundary_bands_have_the_colours_of_their_classes():
    """kills plot.decision_boundary__mutmut_72-75/80: bands use the Spectral map at alpha 0.6,
    scaled so band k has exactly the colour of the points of class k (first class at one end
    of the map, last class at the other)."""
    from matplotlib import colormaps

    spectral = colormaps["Spectral"]
    X = [[-1.0, 0.5], [2.0, -0.5], [0.3, 1.5], [1.2, 0.0]]
    fig = decision_boundary(linear_model(1.0, 0.0, -0.5), X, [0, 1, 0, 1], resolution=5)
    ax = fig.axes[0]
    scatter = next(c for c in ax.collections if isinstance(c, PathCollection))
    (bands,) = [c for c in ax.collections if c is not scatter]
    expected = spectral([0.0, 1.0])  # RGBA rows
    assert bands.get_facecolor()[:, :3] == pytest.approx(expected[:, :3])
    assert bands.get_facecolor()[:, 3].tolist() == pytest.approx([0.6, 0.6])
    assert scatter.to_rgba([0, 1]) == pytest.approx(expected)


def test_decision_boundary_grid_defaults_and_given_axes():
    """kills plot.decision_boundary__mutmut_1 (60 points per axis), the margin default 0.5,
    _9/_10 (resolution 2 is allowed: the four corners), _62 (given ax ignored) and
    _63/_66/_67 (figsize 5x5)."""
    import matplotlib.pyplot as plt

    inner = linear_model(1.0, 0.0, 0.0)
    seen = []

    def model(x):
        seen.append([float(v) for v in x])
        return inner(x)

    X, y = [[0.0, 1.0], [2.0, 3.0]], [0, 1]
    fig = decision_boundary(model, X, y)
    assert len(seen) == 60 * 60
    assert (seen[0], seen[-1]) == ([-0.5, 0.5], [2.5, 3.5])  # data range plus 0.5 each side
    assert tuple(fig.get_size_inches()) == (5.0, 5.0)
    seen.clear()
    decision_boundary(model, X, y, resolution=2, margin=1.0)
    assert seen == [[-1.0, 0.0], [3.0, 0.0], [-1.0, 4.0], [3.0, 4.0]]
    fig, ax = plt.subplots()
    try:
        assert decision_boundary(model, X, y, resolution=2, ax=ax) is fig
        assert len(ax.collections) == 2  # the bands and the points, on the caller's axes
    finally:
        plt.close(fig)


def test_decision_boundary_error_text():
    """kills plot.decision_boundary__mutmut_7/_11: the messages are exactly these."""
    model = linear_model(1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"^decision_boundary: no points to plot$"):
        decision_boundary(model, [], [])
    with pytest.raises(ValueError, match=r"^decision_boundary: resolution must be >= 2, got 1$"):
        decision_boundary(model, [[0.0, 0.0]], [0], resolution=1)


def test_decision_boundary_points_keep_their_class_colour_and_style():
    """kills plot.decision_boundary__mutmut_91/93-95/99/101-104: points are size 25 with black
    edges, and a class's colour does not depend on which classes the points happen to have
    (here every point is class 1, yet the model predicts both bands)."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    X = [[1.0, 0.0], [2.0, 1.0]]
    fig = decision_boundary(linear_model(1.0, 0.0, -1.5), X, [1, 1], resolution=5)
    ax = fig.axes[0]
    scatter = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert scatter.get_sizes().tolist() == [25.0]
    assert scatter.get_edgecolor().tolist() == [list(to_rgba("k"))]
    one = colormaps["Spectral"](1.0)
    assert scatter.to_rgba([1, 1]) == pytest.approx(np.array([one, one]))
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"  # kills _124-129


def test_decision_boundary_view_is_the_grid_even_when_zoomed_in():
    """kills plot.decision_boundary__mutmut_110/111/113/117/118/120: with a negative margin
    (zooming in) the view is still exactly the coloured grid, not widened to the points."""
    X = [[0.0, 0.0], [4.0, 4.0]]
    fig = decision_boundary(linear_model(1.0, 0.0, -2.0), X, [0, 1], resolution=5, margin=-1.0)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((1.0, 3.0))
    assert ax.get_ylim() == pytest.approx((1.0, 3.0))


def test_decision_boundary_class_colours_span_the_predicted_classes_too():
    """kills plot.decision_boundary__mutmut_94/102: the points' colour scale runs to the last
    class the model predicts (2 here), not only to the last label among the points (1)."""
    import numpy as np
    from matplotlib import colormaps

    model = MLP(2, [3], seed=0)  # scores (-x1, 0, x1): class 0 left, class 2 right
    for neuron, w0 in zip(model.layers[0].neurons, (-1.0, 0.0, 1.0)):
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = w0, 0.0, 0.0
    fig = decision_boundary(model, [[-1.0, 0.0], [1.0, 0.0]], [0, 1], resolution=4)
    scatter = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection))
    assert scatter.to_rgba([0, 1]) == pytest.approx(colormaps["Spectral"](np.array([0.0, 0.5])))
