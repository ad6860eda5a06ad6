"""cli_train: ``micrograd-cn train`` trains each recipe, prints, plots, refuses bad input."""

import re
import sys

import pytest

from micrograd_cn import cli_train, losses
from micrograd_cn.cli_train import run


def test_run_trains_prints_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "boundary.png"
    assert run("moons", 60, 0, str(out), progress=False) == 0
    printed = capsys.readouterr().out
    percent = float(printed.split("final training accuracy ")[1].split("%")[0])
    assert percent >= 95.0
    assert f"wrote {out}" in printed
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_summary_reports_accuracy_and_loss_of_the_final_model(monkeypatch, capsys):
    """The loss printed is that of the model whose accuracy is printed (after the last step),
    computed here from the losses module, not by the code under test."""
    trained = []
    real_fit = cli_train.fit

    def spy(model, X, y, **kwargs):
        trained.append((model, X, y, kwargs))
        return real_fit(model, X, y, **kwargs)

    monkeypatch.setattr(cli_train, "fit", spy)
    assert run("moons", 3, 0, None, progress=False) == 0
    out = capsys.readouterr().out
    model, X, y, kwargs = trained[0]
    printed = re.fullmatch(
        r"moons: final training accuracy ([\d.]+)% after 3 epochs \(loss ([\d.]+)\)\n", out
    )
    assert printed, out
    scores = [model(x) for x in X]
    loss = losses.hinge_loss(scores, [2 * t - 1 for t in y]) + losses.l2_penalty(
        model.parameters(), kwargs["l2"]
    )
    hits = sum((s.data > 0) == (t == 1) for s, t in zip(scores, y))
    assert float(printed[1]) == pytest.approx(100 * hits / len(y), abs=0.05)
    assert float(printed[2]) == pytest.approx(loss.data, abs=5e-5)


def test_run_circles_with_cross_entropy(capsys, monkeypatch):
    calls = []
    real_fit = cli_train.fit

    def spy(model, X, y, **kwargs):
        calls.append((kwargs["loss"], len(model.layers[-1].neurons)))
        return real_fit(model, X, y, **kwargs)

    monkeypatch.setattr(cli_train, "fit", spy)
    assert run("circles", 30, 1, None, progress=False) == 0
    assert calls == [("cross_entropy", 2)]
    assert "circles: final training accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("blobs", 5, 0, None),
            2,
            "unknown dataset 'blobs'; choose one of: moons, circles, spiral",
        ),
        (("moons", 0, 0, None), 2, "--epochs must be a positive integer, got 0"),
        (("moons", 5, 0, "out.xyz"), 2, "cannot write 'out.xyz': use one of"),
    ],
)
def test_run_bad_arguments(args, code, message, capsys):
    pytest.importorskip("matplotlib")
    assert run(*args, progress=False) == code
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_run_without_matplotlib(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert run("moons", 5, 0, str(tmp_path / "b.png"), progress=False) == 1
    assert "pip install 'micrograd_cn[train]'" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()


def record_fit(monkeypatch):
    """Replace training by a recorder: run's wiring is checked without the cost of training."""
    from micrograd_cn.training import History

    calls = []

    def fake_fit(model, X, y, **kwargs):
        calls.append({"model": model, "X": X, "y": y, **kwargs})
        return History()

    monkeypatch.setattr(cli_train, "fit", fake_fit)
    return calls


@pytest.mark.parametrize(
    ("dataset", "optimizer", "lr"),
    [("moons", "SGD", 0.1), ("circles", "SGD", 0.1), ("spiral", "Adam", 0.03)],
)
def test_run_wires_each_recipe_into_fit(monkeypatch, capsys, dataset, optimizer, lr):
    """kills cli_train.run mutants that change the data set, the model, the optimiser, fit's
    arguments, the default epochs or the summary line."""
    from micrograd_cn import datasets
    from micrograd_cn.nn import MLP
    from micrograd_cn.training import accuracy, objective

    calls = record_fit(monkeypatch)
    recipe = cli_train.RECIPES[dataset]
    assert run(dataset, None, 3, None) == 0  # epochs None: the recipe's; progress on by default
    (call,) = calls
    X, y = getattr(datasets, f"make_{dataset}")(seed=3, **recipe.data)
    assert (call["X"], call["y"]) == (X, y)
    model = call["model"]
    twin = MLP(2, [*recipe.hidden, recipe.outputs], seed=3)
    assert [p.data for p in model.parameters()] == [p.data for p in twin.parameters()]
    opt = call["optimizer"]
    assert type(opt).__name__ == optimizer and opt.lr == lr
    assert opt.params == model.parameters()
    if optimizer == "SGD":
        assert (opt.momentum, opt.weight_decay, opt.nesterov) == (0.9, 0.0, False)
    else:
        assert (opt.betas, opt.eps, opt.weight_decay) == ((0.9, 0.999), 1e-8, 0.0)
    assert {k: call[k] for k in ("loss", "epochs", "l2", "progress")} == {
        "loss": recipe.loss,
        "epochs": recipe.epochs,
        "l2": recipe.l2,
        "progress": True,
    }
    final = accuracy(model, X, y)
    loss = objective(model, X, y, recipe.loss, recipe.l2)
    captured = capsys.readouterr()
    assert captured.out == (
        f"{dataset}: final training accuracy {final:.1%} after {recipe.epochs} epochs "
        f"(loss {loss:.4f})\n"
    )
    assert captured.err == ""


def test_run_epochs_bounds(monkeypatch, capsys):
    """kills cli_train.run mutants of the epochs check: 1 epoch is fine, True and 0 are not."""
    calls = record_fit(monkeypatch)
    assert run("moons", 1, 0, None, progress=False) == 0
    assert calls[0]["epochs"] == 1 and calls[0]["progress"] is False
    capsys.readouterr()
    for bad in (True, 0, -3, 2.0):
        assert run("moons", bad, 0, None, progress=False) == 2
        assert capsys.readouterr().err == (
            f"error: --epochs must be a positive integer, got {bad!r}\n"
        )
    assert len(calls) == 1


def test_run_error_lines_are_exact(tmp_path, monkeypatch, capsys):
    """kills cli_train.run / _check_plot_output mutants of the error messages and exit codes."""
    pytest.importorskip("matplotlib")
    from matplotlib.backend_bases import FigureCanvasBase

    monkeypatch.chdir(tmp_path)  # a name wrongly accepted is written here, not in the checkout
    calls = record_fit(monkeypatch)
    assert run("blobs", 5, 0, None) == 2
    assert capsys.readouterr().err == (
        "error: unknown dataset 'blobs'; choose one of: moons, circles, spiral\n"
    )
    kinds = ", .".join(sorted(FigureCanvasBase.get_supported_filetypes()))
    for name in ("out.xyz", "noext", "png"):
        assert run("moons", 5, 0, name) == 2
        assert capsys.readouterr().err == f"error: cannot write {name!r}: use one of .{kinds}\n"
    assert calls == []  # refused before training
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert run("moons", 5, 0, "b.png") == 1
    assert capsys.readouterr().err == (
        "error: plotting needs matplotlib: pip install 'micrograd_cn[train]'\n"
    )


def test_run_saves_the_boundary_titled_with_the_accuracy(tmp_path, monkeypatch, capsys):
    """kills cli_train.run mutants of the plot: its title, the file written, the "wrote" line,
    a folder in the file's place (exit 1); kills _check_plot_output__mutmut_16 (the suffix is
    after the last dot: "moons.v1.PNG" is a PNG, upper case accepted)."""
    pytest.importorskip("matplotlib")
    from micrograd_cn import plot
    from micrograd_cn.training import accuracy

    calls = record_fit(monkeypatch)
    figures = []
    real_boundary = plot.decision_boundary

    def spy(*args, **kwargs):  # a coarse grid: the 60 x 60 default is slow to evaluate
        figures.append(real_boundary(*args, **{**kwargs, "resolution": 3}))
        return figures[-1]

    monkeypatch.setattr(plot, "decision_boundary", spy)
    out = tmp_path / "moons.v1.PNG"
    assert run("moons", 2, 0, str(out)) == 0
    final = accuracy(calls[0]["model"], calls[0]["X"], calls[0]["y"])
    assert figures[0].axes[0].get_title() == f"moons: accuracy {final:.1%}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out.endswith(f"\nwrote {out}\n")
    folder = tmp_path / "taken.png"
    folder.mkdir()
    assert run("moons", 2, 0, str(folder)) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: cannot write {folder}: ")
    assert str(folder) in captured.err.split(": ", 1)[1].split(": ", 1)[1]  # the OSError's text
    assert "wrote" not in captured.out
