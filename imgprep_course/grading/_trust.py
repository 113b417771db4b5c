"""What the grader's own process loads, kept where no answer can write.

* numba's on-disk cache (``cache=True`` kernels: an index that is a pickle, and machine
  code) is moved, for every kernel of the course, out of the package's ``__pycache__``
  into a folder of the grader's own (:func:`seal_numba`): mode 0700, owned by the grader,
  checked before use; fresh for each run where answers run as the grader's own user
  without Landlock (``--sandbox off`` as a normal user on an old kernel).
* The course's files the grader reads (its package, the lessons) are fingerprinted
  before any answer runs and checked again afterwards (:func:`course_files`): a change
  means the grades cannot be trusted and none are written.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

from imgprep_course._jit import import_numba
from imgprep_course.course import lessons_folder


def _owned_private_folder(path: Path) -> bool:
    info = os.lstat(path)
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and stat.S_IMODE(info.st_mode) & 0o077 == 0)


def numba_cache_folder(shared: bool) -> Path:
    """The folder for the grader's numba cache: with ``shared``, a persistent folder in
    the user's cache (``~/.cache/imgprep-course/grader-numba``, 0700, recreated if it is
    not ours and private); else a fresh temporary one."""
    if not shared:
        return Path(tempfile.mkdtemp(prefix="imgprep-grader-numba-"))
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "imgprep-course" / "grader-numba"
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        if not _owned_private_folder(folder):
            return Path(tempfile.mkdtemp(prefix="imgprep-grader-numba-"))
    return folder


def _dispatchers():
    for name, module in list(sys.modules.items()):
        if name == "imgprep_course" or name.startswith("imgprep_course."):
            for value in list(vars(module).values()):
                if hasattr(value, "py_func") and hasattr(value, "enable_caching") \
                        and getattr(value, "_cache", None) is not None:
                    yield value


def seal_numba(folder: Path) -> int:
    """Point every numba kernel of the course loaded so far, and every one loaded later,
    at ``folder``; return how many were moved (0 when called again: then it only checks).
    Raises RuntimeError if one still points elsewhere."""
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" not in sys.modules:
        return 0
    import_numba()  # another thread may be importing it: wait until it is whole
    from numba.core import config
    from numba.core.caching import NullCache

    config.CACHE_DIR = str(folder)
    moved = 0
    inside = folder.resolve()

    def where(dispatcher) -> Path:
        return Path(dispatcher._cache._cache_path).resolve()

    for dispatcher in _dispatchers():
        if not isinstance(dispatcher._cache, NullCache):
            if inside not in (where(dispatcher), *where(dispatcher).parents):
                dispatcher.enable_caching()
                moved += 1
            path = where(dispatcher)
            if inside not in (path, *path.parents):
                raise RuntimeError(f"numba kernel {dispatcher.py_func.__qualname__} still "
                                   f"caches in {path}")
    return moved


def course_files() -> dict[str, str]:
    """sha256 of each file of the package and of the lessons (what the grader loads)."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(package.rglob("*.py")) + sorted(lessons_folder().glob("*.ipynb"))
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def changed_files(before: dict[str, str]) -> list[str]:
    """The files of :func:`course_files` that differ from ``before`` (or appeared)."""
    after = course_files()
    return sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
