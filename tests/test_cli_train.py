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
