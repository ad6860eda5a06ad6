"""outputs: one file renamed into place, a set of frames published as one (all old or all new),
Ctrl-C held back during the swap, errors undone, folders named like frames."""

import os
import signal
import threading

import pytest

from micrograd_cn import outputs
from micrograd_cn.outputs import frame_paths, interrupts_deferred, publish_frames, write_all


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
    import shutil

    def fails(path):
        shutil.rmtree(path.parent)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match=r"^disk full$"):
        publish_frames(tmp_path / "s.svg", [fails])
    assert state(tmp_path) == {}
