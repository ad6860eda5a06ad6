"""Writing the command line's files so that an interrupted run leaves nothing half-done.

``micrograd-cn draw --steps -o s.svg`` writes numbered frames ``s_01.svg`` …: all
of them are written under temporary names first and renamed into place only
when every one is complete (Ctrl-C keeps nothing partial), and the frames of an
earlier, longer run that this run would leave behind are removed.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> frames = frame_paths(folder / "s.txt", 3)
>>> [p.name for p in frames]
['s_01.txt', 's_02.txt', 's_03.txt']
>>> write_all([(p, lambda path: path.write_text("frame")) for p in frames])
>>> sorted(p.name for p in folder.iterdir())
['s_01.txt', 's_02.txt', 's_03.txt']
>>> remove_stale_frames(folder / "s.txt", frames[:2]); sorted(p.name for p in folder.iterdir())
['s_01.txt', 's_02.txt']
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["frame_paths", "remove_stale_frames", "write_all"]


def frame_paths(path: Path, count: int) -> list[Path]:
    """``s.svg`` -> ``s_01.svg`` …: at least two digits, so the names sort in step order."""
    width = max(2, len(str(count)))
    return [path.with_name(f"{path.stem}_{k + 1:0{width}d}{path.suffix}") for k in range(count)]


def write_all(writers) -> None:
    """Run ``write(temp_path)`` for every ``(path, write)``, then rename all into place.

    Nothing is replaced until every file is written, and the temporary files are
    removed whatever happens (Ctrl-C included): an interrupted run leaves no
    partial output behind.
    """
    temps = []
    try:
        for path, write in writers:
            temp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
            temps.append((temp, path))
            write(temp)
        for temp, path in temps:
            os.replace(temp, path)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)


def remove_stale_frames(output: Path, written: list[Path]) -> None:
    """Delete FILE_NN frames of an earlier, longer run (only names this run's pattern makes)."""
    pattern = re.compile(rf"{re.escape(output.stem)}_\d{{2,}}{re.escape(output.suffix)}")
    keep = {p.name for p in written}
    for path in output.parent.iterdir():
        if pattern.fullmatch(path.name) and path.name not in keep and path.is_file():
            path.unlink()
