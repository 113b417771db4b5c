"""The library's numba kernels: how they are compiled, and when numba is loaded.

Every kernel is declared with :func:`kernel`, so that one switch decides whether
compiled machine code is kept in numba's on-disk cache (``__pycache__``, or
``NUMBA_CACHE_DIR``): it is unless the environment variable
``IMGPREP_COURSE_NUMBA_CACHE`` is ``0`` when the kernel modules are imported (for a
process that must neither read nor write compiled code; the grader instead points the
cache at a private folder, see :mod:`imgprep_course.grading._trust`).

Importing numba takes a good part of a second, so modules that merely *may* call a
kernel reach the kernel modules through :func:`lazy_module`: numba is imported the
first time a kernel is called, never by ``import imgprep_course.metrics`` or a COCO
box evaluation. The warp goes one step further: its first call is served by a numpy loop
with the same arithmetic while a background thread compiles its kernel (see
:mod:`imgprep_course.augment._warp`). The mask kernels have numpy twins that serve a
process until it has given a kernel enough work to repay its compilation, so that
lesson-sized mask work and short CLI runs never load numba (see
:mod:`imgprep_course.datasets._rle_paths`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

#: The environment variable that turns numba's on-disk cache off (``0``).
CACHE_VARIABLE = "IMGPREP_COURSE_NUMBA_CACHE"
#: Held while numba or a kernel module is imported: one thread at a time. numba's modules
#: import each other in cycles, and two threads importing them at once (the warp's
#: background compile and the main thread, say) can be handed a module half executed
#: ("cannot import name 'NullCache' from partially initialized module").
_IMPORT_LOCK = threading.RLock()


def use_cache() -> bool:
    """Whether kernels keep their compiled code on disk (see the module docstring).

    Examples
    --------
    >>> os.environ.get(CACHE_VARIABLE, "1") != "0" and use_cache()
    True
    """
    return os.environ.get(CACHE_VARIABLE, "1") != "0"


def in_numba_cache(module: str, function: str) -> bool:
    """Whether numba's on-disk cache holds a compiled ``function`` of ``module``.

    ``function`` is the kernel's name as numba's cache files spell it (a glob pattern
    may stand for several). Looks where numba 0.5x-0.6x keeps them (``NUMBA_CACHE_DIR``,
    else ``__pycache__`` beside the module) without importing numba: a miss only means
    that a numpy loop serves first.

    Examples
    --------
    >>> in_numba_cache("imgprep_course.datasets._rle", "parse_counts") in (True, False)
    True
    """
    if not use_cache():
        return False
    source = Path(importlib.util.find_spec(module).origin).resolve()
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        folder = source.parent.name + "_" + hashlib.sha1(
            str(source.parent).encode()).hexdigest()
        where = Path(root) / folder
    else:
        where = source.parent / "__pycache__"
    version = f"py{sys.version_info.major}{sys.version_info.minor}"
    try:
        return any(where.glob(f"{source.stem}.{function}-*.{version}.nbi"))
    except OSError:
        return False


def import_numba() -> ModuleType:
    """``numba``, imported by one thread at a time (see ``_IMPORT_LOCK``).

    Examples
    --------
    >>> import_numba().__name__
    'numba'
    """
    with _IMPORT_LOCK:
        import numba
    return numba


def kernel(function=None, **options):
    """``numba.njit`` with the library's options; usable bare or with numba options.

    Compiled lazily, on the first call, for the argument types of that call (no eager
    signatures: callers normalise dtypes, so that each kernel compiles once).

    Examples
    --------
    >>> from imgprep_course.datasets import _rle   # its kernels are declared so
    >>> type(_rle.parse_counts).__name__, _rle.parse_counts.targetoptions["nopython"]
    ('CPUDispatcher', True)
    """
    decorate = import_numba().njit(cache=use_cache(), **options)
    return decorate if function is None else decorate(function)


class _LazyModule(ModuleType):
    """Stands for a module not imported yet; the first attribute asked for imports it.

    The import goes through :func:`importlib.import_module`, whose per-module lock makes
    a first use from several threads at once safe (``importlib.util.LazyLoader`` is not,
    before Python 3.12: a second thread could see the module half executed), under
    ``_IMPORT_LOCK``, since a kernel module imports numba.
    """

    def __getattr__(self, attribute: str):
        with _IMPORT_LOCK:
            module = importlib.import_module(self.__name__)
        value = getattr(module, attribute)
        setattr(self, attribute, value)  # next time, no import machinery
        return value


def lazy_module(name: str) -> ModuleType:
    """Module ``name``, imported only when one of its attributes is first used.

    Examples
    --------
    >>> statistics = lazy_module("statistics")
    >>> statistics.mean([1, 2, 3])
    2
    """
    if name in sys.modules:
        return sys.modules[name]
    return _LazyModule(name)
