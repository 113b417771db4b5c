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
import re
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
    >>> in_numba_cache("imgprep_course.datasets._rle", "_parse_strings") in (True, False)
    True
    """
    if not use_cache():
        return False
    source = _source(module)
    try:
        return any(_cache_folder(source).glob(f"{source.stem}.{function}-*.{_VERSION}.nbi"))
    except OSError:
        return False


#: How numba's cache files name the running Python (``py311``).
_VERSION = f"py{sys.version_info.major}{sys.version_info.minor}"


def _source(module: str) -> Path:
    return Path(importlib.util.find_spec(module).origin).resolve()


def _cache_folder(source: Path) -> Path:
    """Where numba 0.5x-0.6x keeps the cache files of the kernels of ``source``."""
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        return Path(root) / (source.parent.name + "_" + hashlib.sha1(
            str(source.parent).encode()).hexdigest())
    return source.parent / "__pycache__"


def forget_stale_kernels(module: str) -> None:
    """Delete the cached kernels of ``module`` if a module they compile in has changed.

    numba checks a cached kernel against the time stamp and size of its own file only:
    a kernel that calls a kernel of another module, or reads a constant of one, keeps
    its old machine code when only that other module changes (a ``git pull`` that
    touches one file does that). So a digest of the module's source and of every
    library module it imports, and they import, is kept beside its cache files; when it
    no longer matches, its cache files are deleted and its kernels compile afresh.
    Called by each kernel module when it is imported (compilation is lazy, later).

    Examples
    --------
    >>> forget_stale_kernels("imgprep_course.datasets._rle_ops")  # nothing stale: no-op
    """
    if not use_cache():
        return
    source = _source(module)
    digest = hashlib.sha1(b"".join(path.read_bytes()
                                   for path in _library_imports(source))).hexdigest()
    folder = _cache_folder(source)
    stamp = folder / f"{source.stem}.sources-{_VERSION}.sha1"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for path in [*folder.glob(f"{source.stem}.*.{_VERSION}.nbi"),
                     *folder.glob(f"{source.stem}.*.{_VERSION}.*.nbc")]:
            path.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        written = folder / f"{stamp.name}.{os.getpid()}"
        written.write_text(digest)
        os.replace(written, stamp)
    except OSError:  # a read-only installation: numba then keeps no cache here either
        pass


def _library_imports(source: Path) -> list[Path]:
    """``source`` and the files of the library modules it imports at its top level,
    and they import, in a fixed order."""
    found, todo = {source: None}, [source]
    while todo:
        for name in _TOP_LEVEL_IMPORT.findall(todo.pop().read_text(encoding="utf-8")):
            path = _source(name)
            if path not in found:
                found[path] = None
                todo.append(path)
    return sorted(found)


#: ``from imgprep_course.x import ...`` at the start of a line: a top-level import.
_TOP_LEVEL_IMPORT = re.compile(r"^from (imgprep_course(?:\.\w+)*) import", re.MULTILINE)


def import_numba() -> ModuleType:
    """``numba``, imported by one thread at a time (see ``_IMPORT_LOCK``).

    Examples
    --------
    >>> import_numba().__name__
    'numba'
    """
    with _IMPORT_LOCK:
        import numba
        _load_numba_helpers()
        _import_array_functions()
    return numba


def prepare_numba() -> ModuleType:
    """:func:`import_numba`, and its CPU target's typing context made ready: the part of a
    process's first kernel call that every kernel shares (about 0.1 s), so that a process
    forked afterwards starts with it done and loads only its kernels. A numba without
    this private name has its context made ready on the first call, as usual.

    Examples
    --------
    >>> prepare_numba().__name__
    'numba'
    """
    numba = import_numba()
    with _IMPORT_LOCK:
        from numba.core import registry

        target = getattr(registry, "cpu_target", None)
        if target is not None:
            target.typing_context.refresh()
    return numba


def _import_array_functions() -> None:
    """Import numba's implementations of numpy's array functions without importing scipy.

    ``numba.np.arraymath`` asks when it is imported whether scipy's BLAS is there, by
    importing ``scipy.linalg`` (0.2-0.3 s, most of what numba's start costs beside numba
    itself; numba imports the module before its first compilation or cache load). The
    answer chooses one thing only: whether a compiled ``np.convolve`` or ``np.correlate``
    sums its products through BLAS or in a loop of its own. ``np.dot``, ``@`` and
    ``np.linalg`` ask again, each when a kernel that uses them is typed. No kernel of the
    library uses any of them, so the question is answered "no" without asking, under
    numba's compiler lock (typing, which asks, holds it too). A numba without these
    private names, or with the module imported already, is left as it is.
    """
    if "numba.np.arraymath" in sys.modules:
        return
    from numba.core.compiler_lock import global_compiler_lock
    from numba.np import linalg

    asks = getattr(linalg, "ensure_blas", None)
    if asks is None:
        return
    with global_compiler_lock:
        linalg.ensure_blas = _no_blas
        try:
            from numba.np import arraymath
        finally:
            linalg.ensure_blas = asks
        if getattr(arraymath, "ensure_blas", None) is _no_blas:
            arraymath.ensure_blas = asks


def _no_blas() -> None:
    """What ``numba.np.linalg.ensure_blas`` does without scipy."""
    raise ImportError("not asked: see imgprep_course._jit._import_array_functions")


#: How many times numba's one-time set-up is tried while another thread changes
#: ``builtins`` (see :func:`_load_numba_helpers`).
_HELPER_ATTEMPTS = 1000


def _load_numba_helpers() -> None:
    """Run numba's one-time set-up of its symbol table, retried if ``builtins`` changes.

    numba makes its CPU target on the first kernel declared, and that set-up iterates
    over ``builtins.__dict__`` (to register the exception classes) with the GIL released
    between items. IPython adds and removes builtins (``get_ipython``, ``exit``) at the
    start and end of every cell, so a kernel declared in a background thread (the warp's
    compile) while a cell ends can fail with "dictionary changed size during iteration".
    numba's ``runonce`` wrapper only records a set-up that finished, so trying again is
    safe; a numba without this private function has nothing to retry.
    """
    from numba.core import base

    load = getattr(base, "_load_global_helpers", None)
    if load is None:
        return
    for attempt in range(_HELPER_ATTEMPTS):
        try:
            load()
            return
        except RuntimeError:  # "dictionary changed size during iteration"
            if attempt == _HELPER_ATTEMPTS - 1:
                raise


def kernel(function=None, **options):
    """``numba.njit`` with the library's options; usable bare or with numba options.

    Compiled lazily, on the first call, for the argument types of that call (no eager
    signatures: callers normalise dtypes, so that each kernel compiles once).

    Examples
    --------
    >>> from imgprep_course.datasets import _rle   # its kernels are declared so
    >>> type(_rle.runs_to_chars).__name__, _rle.runs_to_chars.targetoptions["nopython"]
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
