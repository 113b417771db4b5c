"""Write a dataset folder all at once: a reader never sees a half-written one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable


def write_folder_atomically(out, write: Callable[[Path], None]) -> Path:
    """Call ``write(folder)`` on a fresh partial folder, then rename it to ``out``.

    ``out`` must not exist or be an empty folder. On any error (or Ctrl-C) the partial
    folder is removed and ``out`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "data"
    >>> done = write_folder_atomically(out, lambda folder: (folder / "a.txt").write_text("1"))
    >>> sorted(p.name for p in done.iterdir())
    ['a.txt']
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"out {out} already exists and is not an empty folder; "
                              f"choose a new folder or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        write(partial)
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out
