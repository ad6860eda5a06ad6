"""outputs: one file renamed into place, a set of frames published as one (all old or all new),
Ctrl-C held back during the swap, errors undone, folders named like frames."""

import os
import shutil
import signal
import subprocess
import threading

import pytest

from micrograd_cn import outputs, render
from micrograd_cn.cli import demo_graph  # 《梯度下降和反向传播》: (x + y) * z at x=-2, y=5, z=-4
from micrograd_cn.outputs import (
    frame_paths,
    interrupts_deferred,
    publish_frames,
    publish_steps,
    write_all,
)
from micrograd_cn.viz import step_frames


def state(folder) -> dict:
    """Every entry of the folder: file name -> text, folder name -> "<folder>"."""
    return {
        p.name: "<folder>" if p.is_dir() else p.read_text(encoding="utf-8")
        for p in folder.iterdir()
    }


def writers(texts):
    return [lambda path, text=text: path.write_text(text, encoding="utf-8") for text in texts]


@pytest.fixture
def old_run(tmp_path):
    """Five frames of an earlier run, and files that only look like frames."""
    publish_frames(tmp_path / "s.svg", writers(f"old {k}" for k in range(1, 6)))
    for name in ("s_1.svg", "s_01.png", "t_01.svg", "s_final.svg", "notes.txt"):
        (tmp_path / name).write_text("mine", encoding="utf-8")
    return state(tmp_path)


NEW = {f"s_0{k}.svg": f"new {k}" for k in range(1, 4)}
MINE = {name: "mine" for name in ("s_1.svg", "s_01.png", "t_01.svg", "s_final.svg", "notes.txt")}


def test_frames_are_numbered_with_at_least_two_digits(tmp_path):
    names = [p.name for p in frame_paths(tmp_path / "s.svg", 100)]
    assert names[:2] == ["s_001.svg", "s_002.svg"] and names[-1] == "s_100.svg"
    assert [p.name for p in frame_paths(tmp_path / "s.svg", 2)] == ["s_01.svg", "s_02.svg"]


def test_a_shorter_run_replaces_the_set_and_leaves_other_files_alone(tmp_path, old_run):
    assert publish_frames(tmp_path / "s.svg", writers(NEW.values())) == [
        tmp_path / name for name in NEW
    ]
    assert state(tmp_path) == {**NEW, **MINE}  # s_04, s_05 of the old run are gone


def test_an_interrupted_writer_keeps_the_old_set_and_no_temporary_folder(tmp_path, old_run):
    def interrupted(path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish_frames(tmp_path / "s.svg", [*writers(["new 1"]), interrupted, *writers(["x"])])
    assert state(tmp_path) == old_run


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_at_any_rename_of_the_swap_puts_the_old_set_back(
    tmp_path, old_run, monkeypatch, error
):
    """Each rename of the swap fails in turn (as a full disk, or a Ctrl-C raised right there):
    the old frames come back, the new ones and the temporary folder are gone."""
    real_replace = os.replace
    for fail_at in range(1, 20):
        calls = []

        def failing(source, target, fail_at=fail_at, calls=calls):
            calls.append(target)
            if len(calls) == fail_at:
                raise error
            return real_replace(source, target)

        monkeypatch.setattr(outputs.os, "replace", failing)
        try:
            publish_frames(tmp_path / "s.svg", writers(NEW.values()))
        except type(error):
            assert state(tmp_path) == old_run, f"failure at rename {fail_at}"
        else:  # fewer renames than fail_at: every one of them has failed once
            assert state(tmp_path) == {**NEW, **MINE} and fail_at == 9  # 5 aside, 3 in, + 1
            return
        finally:
            monkeypatch.undo()
    pytest.fail("more renames than expected")


def test_a_real_sigint_during_the_swap_waits_for_its_end(
    tmp_path, old_run, monkeypatch, python_handles_ctrl_c
):
    """SIGINT between two renames: the swap ends first (all new), then KeyboardInterrupt."""
    real_replace = os.replace
    calls = []

    def signalled(source, target):
        calls.append(target)
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGINT)
        return real_replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", signalled)
    with pytest.raises(KeyboardInterrupt):
        publish_frames(tmp_path / "s.svg", writers(NEW.values()))
    assert len(calls) == 8 and state(tmp_path) == {**NEW, **MINE}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_real_sigint_while_one_file_is_renamed_in_keeps_it_whole(
    tmp_path, monkeypatch, python_handles_ctrl_c
):
    real_replace = os.replace

    def signalled(source, target):
        os.kill(os.getpid(), signal.SIGINT)
        return real_replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", signalled)
    with pytest.raises(KeyboardInterrupt):
        write_all([(tmp_path / "g.svg", lambda path: path.write_text("whole"))])
    assert state(tmp_path) == {"g.svg": "whole"}


def test_a_folder_with_the_name_of_a_frame_is_refused_before_anything_is_written(tmp_path, old_run):
    """Mutant: without the folder check the swap died half-way (IsADirectoryError)."""
    (tmp_path / "s_02.svg").unlink()
    (tmp_path / "s_02.svg").mkdir()
    before = state(tmp_path)
    with pytest.raises(IsADirectoryError) as refused:
        publish_frames(tmp_path / "s.svg", writers(NEW.values()))
    assert str(refused.value) == (  # kills outputs.x_publish_frames__mutmut_9/10 (the advice)
        f"{tmp_path / 's_02.svg'} is a folder, and frame s_02.svg of this run needs that name "
        "(move it, or choose another -o)"
    )
    assert state(tmp_path) == before


def test_a_folder_with_the_name_of_a_stale_frame_is_left_alone(tmp_path, old_run):
    """``s_05.svg/`` beyond this run's three frames: not a frame to remove, and no crash."""
    (tmp_path / "s_05.svg").unlink()
    (tmp_path / "s_05.svg").mkdir()
    (tmp_path / "s_05.svg" / "inside.txt").write_text("mine", encoding="utf-8")
    publish_frames(tmp_path / "s.svg", writers(NEW.values()))
    assert state(tmp_path) == {**NEW, **MINE, "s_05.svg": "<folder>"}
    assert (tmp_path / "s_05.svg" / "inside.txt").read_text(encoding="utf-8") == "mine"


def test_frames_published_from_another_thread(tmp_path, old_run):
    """Only the main thread may set signal handlers: elsewhere the swap runs as it is."""
    errors = []

    def publish():
        try:
            publish_frames(tmp_path / "s.svg", writers(NEW.values()))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=publish)
    worker.start()
    worker.join()
    assert errors == [] and state(tmp_path) == {**NEW, **MINE}


def test_interrupts_deferred_restores_the_handler_and_drops_nothing():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            assert seen == []  # held back
        assert seen == [signal.SIGINT]  # delivered to the caller's handler at the end
    finally:
        signal.signal(signal.SIGINT, previous)


def test_frames_are_written_in_a_hidden_folder_next_to_the_output(tmp_path):
    """Next to the output (same disk: the renames are atomic), hidden, named after it.

    kills outputs.x_publish_frames__mutmut_13..16 (mkdtemp's prefix or dir dropped)."""
    folders = []

    def write(path):
        folders.append(path.parent)
        path.write_text("frame", encoding="utf-8")

    publish_frames(tmp_path / "s.svg", [write, write])
    assert [folder.parent for folder in folders] == [tmp_path, tmp_path]
    assert folders[0] == folders[1] and folders[0].name.startswith(".s.frames-")
    assert state(tmp_path) == {"s_01.svg": "frame", "s_02.svg": "frame"}


def test_a_failed_cleanup_never_hides_the_error_that_stopped_the_run(tmp_path):
    """The hidden folder already gone (removed by hand, or by a cleaning tool) when a writer
    fails: the writer's error is the one raised, not the cleanup's.

    kills outputs.x_publish_frames__mutmut_38/40/41 (``ignore_errors=True`` dropped)."""

    def fails(path):
        shutil.rmtree(path.parent)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match=r"^disk full$"):
        publish_frames(tmp_path / "s.svg", [fails])
    assert state(tmp_path) == {}


# ---------------------------------------------------------------- draw --steps: publish_steps


@pytest.fixture
def demo_frames():
    """The step-through frames of (x + y) * z: one per forward and backward step."""
    return step_frames(demo_graph())


@pytest.fixture
def dot_runs(monkeypatch):
    """The ``-T`` option of every ``dot`` the test starts, in order."""
    runs, real_run = [], subprocess.run

    def counting(command, *args, **kwargs):
        if command[0] == "dot":
            runs.append(command[1])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    return runs


def test_the_frame_limit_itself_is_allowed_and_one_more_is_refused(
    tmp_path, demo_frames, monkeypatch, ascii_locale
):
    """kills outputs.x_publish_steps__mutmut_2 (``>`` -> ``>=``: exactly the limit refused) and
    the ``encoding="utf-8"`` of the .dot frames (None, left out: the × of the product node
    cannot be written in the locale's ASCII)."""
    n = len(demo_frames)
    monkeypatch.setitem(outputs.FRAME_LIMITS, "dot", n)
    paths = publish_steps(tmp_path / "s.dot", "dot", demo_frames)
    assert [p.name for p in paths] == [f"s_{k:02d}.dot" for k in range(1, n + 1)]
    assert [p.read_bytes().decode("utf-8") for p in paths] == [g.source for g in demo_frames]
    assert "×" in demo_frames[0].source
    monkeypatch.setitem(outputs.FRAME_LIMITS, "dot", n - 1)
    with pytest.raises(ValueError) as refused:
        publish_steps(tmp_path / "t.dot", "dot", demo_frames)
    assert str(refused.value) == (
        f"--steps would write {n} DOT frames, more than the limit of {n - 1} for .dot; "
        "use -o steps.html (one page with every step) or a smaller expression"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


@pytest.mark.needs_dot
def test_svg_frames_are_drawn_in_one_dot_run(tmp_path, demo_frames, dot_runs):
    """kills outputs.x_publish_steps__mutmut_53/54 (``fmt == "svg"`` never true: one run per
    frame) and _59 (``pipe_all(frames, None)``: the Digraph's own format, PDF, once each)."""
    paths = publish_steps(tmp_path / "s.svg", "svg", demo_frames)
    assert dot_runs == ["-Tsvg"]
    assert len(paths) == len(demo_frames) >= 2
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<?xml") and text.count("<svg") == 1


@pytest.mark.needs_dot
@pytest.mark.parametrize("count", [1, 3])
def test_raster_frames_are_measured_once_then_drawn_one_run_each(
    tmp_path, demo_frames, dot_runs, count
):
    """Every frame has the first one's layout: one layout run (``-Tjson0``) measures them all,
    then one ``-Tpng`` run each, and the files are PNGs.

    kills outputs.x_publish_steps__mutmut_28 (``frames[1]``: a lone frame has none), _39/40
    (``pixels_checked`` not True: each frame measured again) and _67 (``pipe(format=None)``:
    the Digraph's own format, PDF)."""
    paths = publish_steps(tmp_path / "s.png", "png", demo_frames[:count])
    assert dot_runs == ["-Tjson0"] + ["-Tpng"] * count
    assert [p.read_bytes()[:8] for p in paths] == [b"\x89PNG\r\n\x1a\n"] * count


@pytest.mark.needs_dot
def test_the_pixel_budget_itself_is_allowed_and_its_refusal_gives_the_sizes(
    tmp_path, demo_frames, monkeypatch
):
    """Frames of 1,050 × 1,000 pixels against a budget of 1 megapixel (2.1 for two frames).

    kills outputs.x_publish_steps__mutmut_32 (``>`` -> ``>=``: exactly the budget refused) and
    _36 (``/ 1e6`` -> ``/ 1000001.0``: 1.05 megapixels would read 1.0, not 1.1)."""
    monkeypatch.setattr(render, "picture_pixels", lambda graph, fmt, engine=None: (1050, 1000))
    monkeypatch.setattr(render, "PIXEL_BUDGET", 2 * 1050 * 1000)
    assert len(publish_steps(tmp_path / "s.png", "png", demo_frames[:2])) == 2
    monkeypatch.setattr(render, "PIXEL_BUDGET", 1_000_000)
    with pytest.raises(ValueError) as refused:
        publish_steps(tmp_path / "t.png", "png", demo_frames[:1])
    assert str(refused.value) == (
        "--steps would draw 1 PNG frames of 1,050 × 1,000 pixels (1.1 megapixels together), "
        "more than the budget of 1 megapixels; use -o steps.html (one page with every step, "
        "one layout) or .svg frames (one dot run)"
    )
