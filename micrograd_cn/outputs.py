"""Writing the command line's files so that an interrupted run leaves nothing half-done.

One file (``draw -o g.svg``) is written under a temporary name and renamed into
place (:func:`write_all`).  The numbered frames of ``draw --steps -o s.svg``
(``s_01.svg`` …) are one set (:func:`publish_frames`): they are all written into a
fresh hidden folder next to the target, then swapped in with renames, together
with the removal of the frames of an earlier, longer run.  Ctrl-C during the swap
is held back until the swap is done, and an error during it puts the old frames
back: the folder shows all the old frames or all the new ones, never a mix.
:func:`publish_steps` also bounds a ``--steps`` run: a frame limit, one pixel budget
and one time budget for all its frames.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> frames = frame_paths(folder / "s.txt", 3)
>>> [p.name for p in frames]
['s_01.txt', 's_02.txt', 's_03.txt']
>>> _ = publish_frames(folder / "s.txt", [lambda path: path.write_text("old")] * 3)
>>> _ = publish_frames(folder / "s.txt", [lambda path: path.write_text("new")] * 2)
>>> sorted((p.name, p.read_text()) for p in folder.iterdir())
[('s_01.txt', 'new'), ('s_02.txt', 'new')]
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "FRAME_LIMITS",
    "STEPS_TIME_BUDGET",
    "frame_paths",
    "interrupts_deferred",
    "publish_frames",
    "publish_steps",
    "write_all",
]

#: ``draw --steps`` writes at most this many numbered frames: a PNG or PDF frame is a dot
#: run of its own (and pixels); beyond, the one-page player (-o steps.html) shows every step.
FRAME_LIMITS = {"png": 30, "pdf": 30, "svg": 100, "dot": 100}
#: Seconds a whole ``--steps`` run may spend in Graphviz, all frames together (the answer,
#: frames or a refusal, then comes within about 10 s).
STEPS_TIME_BUDGET = 8.0


def frame_paths(path: Path, count: int) -> list[Path]:
    """``s.svg`` -> ``s_01.svg`` …: at least two digits, so the names sort in step order."""
    width = max(2, len(str(count)))
    return [path.with_name(f"{path.stem}_{k + 1:0{width}d}{path.suffix}") for k in range(count)]


def write_all(writers) -> None:
    """Run ``write(temp_path)`` for every ``(path, write)``, then rename all into place.

    Nothing is replaced until every file is written, and the temporary files are
    removed whatever happens (Ctrl-C included): an interrupted run leaves no
    partial file behind.  (For a set of files that must change together, use
    :func:`publish_frames`.)
    """
    temps = []
    try:
        for path, write in writers:
            temp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
            temps.append((temp, path))
            write(temp)
        with interrupts_deferred():
            for temp, path in temps:
                os.replace(temp, path)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)


def publish_frames(output: Path, writers) -> list[Path]:
    """Write the frames ``output``'s ``FILE_01`` … with ``write(path)`` each, as one set.

    Every frame is written into a fresh hidden folder next to ``output`` (same disk,
    so a rename is atomic); only then are the old frames (this run's names, and the
    ``FILE_NN`` frames of an earlier, longer run) moved aside and the new ones
    renamed in.  A folder carrying the name of one of this run's frames is refused
    before anything is written; one carrying a stale frame's name is left alone.
    Returns the frames' paths.
    """
    writers = list(writers)
    frames = frame_paths(output, len(writers))
    for path in frames:
        if path.is_dir():
            raise IsADirectoryError(
                f"{path} is a folder, and frame {path.name} of this run needs that name "
                "(move it, or choose another -o)"
            )
    staging = Path(tempfile.mkdtemp(prefix=f".{output.stem}.frames-", dir=output.parent))
    try:
        for path, write in zip(frames, writers):
            write(staging / path.name)
        old = [path for path in frames if os.path.lexists(path)]
        old += _stale_frames(output, frames)
        with interrupts_deferred():
            _swap(staging, frames, old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return frames


def publish_steps(output: Path, fmt: str, frames: list) -> list[Path]:
    """``draw --steps``: the frames (Digraphs) as ``fmt`` files, published as one set.

    Bounded three ways, each refused with a ``ValueError`` that says which and what to
    do instead: :data:`FRAME_LIMITS`, one pixel budget (``render.PIXEL_BUDGET``) for all
    raster frames together, and one time budget (:data:`STEPS_TIME_BUDGET`) for all the
    ``dot`` runs (then ``GraphvizTimeoutError``).  SVG frames are drawn in one ``dot`` run.
    """
    from . import render

    limit = FRAME_LIMITS[fmt]
    if len(frames) > limit:
        raise ValueError(
            f"--steps would write {len(frames)} {fmt.upper()} frames, more than the limit of "
            f"{limit} for .{fmt}; use -o steps.html (one page with every step) or a smaller "
            "expression"
        )
    advice = "use -o steps.html (one page with every step, one layout)" + (
        " or .svg frames (one dot run)" if fmt in render.PIXELS_PER_INCH else ""
    )
    budget = (
        f"--steps: drawing the frames took longer than its time budget of "
        f"{STEPS_TIME_BUDGET:g} s; {advice}"
    )
    with render.time_budget(STEPS_TIME_BUDGET, budget):
        if fmt in render.PIXELS_PER_INCH:  # every frame has the layout of the first
            width, height = render.picture_pixels(frames[0], fmt)
            together = len(frames) * width * height
            if together > render.PIXEL_BUDGET:
                raise ValueError(
                    f"--steps would draw {len(frames)} {fmt.upper()} frames of {width:,} × "
                    f"{height:,} pixels ({together / 1e6:.1f} megapixels together), more than "
                    f"the budget of {render.PIXEL_BUDGET / 1e6:g} megapixels; {advice}"
                )
            for graph in frames:
                graph.pixels_checked = True
        if fmt == "dot":
            writers = [
                lambda path, graph=graph: path.write_text(graph.source, encoding="utf-8")
                for graph in frames
            ]
        elif fmt == "svg":  # one dot run for all of them
            writers = [
                lambda path, svg=svg: path.write_bytes(svg)
                for svg in render.pipe_all(frames, "svg")
            ]
        else:  # one dot run each, inside publish_frames (an interrupted run keeps nothing)
            writers = [
                lambda path, graph=graph: path.write_bytes(graph.pipe(format=fmt))
                for graph in frames
            ]
        return publish_frames(output, writers)


def _stale_frames(output: Path, frames: list[Path]) -> list[Path]:
    """FILE_NN files of an earlier run that this run does not write (only its own pattern)."""
    pattern = re.compile(rf"{re.escape(output.stem)}_\d{{2,}}{re.escape(output.suffix)}")
    keep = {path.name for path in frames}
    return [
        path
        for path in sorted(output.parent.iterdir())
        if pattern.fullmatch(path.name) and path.name not in keep and not path.is_dir()
    ]


def _swap(staging: Path, frames: list[Path], old: list[Path]) -> None:
    """Old frames into ``staging/old``, new ones from ``staging`` into place; undone on error."""
    aside = staging / "old"  # frame names never contain a "/", so no frame is called that
    aside.mkdir()
    moved_aside, moved_in = [], []
    try:
        for path in old:
            os.replace(path, aside / path.name)
            moved_aside.append(path)
        for path in frames:
            os.replace(staging / path.name, path)
            moved_in.append(path)
    except BaseException:
        for path in reversed(moved_in):
            os.replace(path, staging / path.name)
        for path in reversed(moved_aside):
            os.replace(aside / path.name, path)
        raise


@contextmanager
def interrupts_deferred():
    """Hold a Ctrl-C (SIGINT) back until the end of the block, then raise it as usual.

    Renaming a set of files into place takes a few system calls; a KeyboardInterrupt
    between two of them would leave half of the set.  Only the main thread receives
    signals (and may set handlers); elsewhere the block runs as it is.

    >>> with interrupts_deferred():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if received and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt
        elif received and previous == signal.SIG_DFL:
            raise KeyboardInterrupt
