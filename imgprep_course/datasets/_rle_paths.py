"""Which code serves a mask call: the numpy twin, or the numba kernel (private).

Compiling the mask kernels costs 1-4 CPU-seconds each on a fresh install (numba's import
and compiler start-up on top), far more than the numpy twins of
:mod:`~imgprep_course.datasets._rle_numpy` spend on a lesson's masks or on a COCO
evaluation of a few hundred images, though per element a twin is 2-25 times slower than
its kernel. So a process serves each kernel's calls with its twin until the twin has
spent :data:`TWIN_SECONDS` of CPU time in all, or until one call brings at least
:data:`KERNEL_WORK` elements (characters, runs, pixels, pairs, traced polygon points);
from then on it compiles that kernel (or loads it from numba's cache) and uses it. A kernel that numba's
on-disk cache already holds (a second run on this installation) serves from the first
call: loading it costs a fraction of a second. The results are the same either way
(tested on random cases), so the switch is invisible but for the time it saves.
"""

from __future__ import annotations

import time

from imgprep_course._jit import in_numba_cache as jit_in_numba_cache
from imgprep_course._jit import lazy_module
from imgprep_course.datasets import _rle_numpy

_rle = lazy_module("imgprep_course.datasets._rle")
_rle_ops = lazy_module("imgprep_course.datasets._rle_ops")

#: CPU seconds a twin may spend in a process before its kernel is compiled: about what
#: compiling one kernel costs.
TWIN_SECONDS = 1.0
#: A call this large (in elements) goes to the kernel at once: a twin would spend about
#: a tenth to half a second on it.
KERNEL_WORK = 1 << 22

_KERNEL_MODULE = {"runs_to_chars": _rle, "parse_counts": _rle, "decode_counts": _rle,
                  "encode": _rle, "measure_counts": _rle_ops, "boxes_and_areas": _rle_ops,
                  "merge_counts": _rle_ops, "pair_ious": _rle_ops,
                  "polygon_runs": _rle_ops, "place_runs": _rle_ops,
                  # not a mask kernel: COCO's accumulate, for a process with numba loaded
                  "accumulate_coco": lazy_module("imgprep_course.metrics._ap_kernel")}
#: The compiled function behind each name, as numba's cache files name it.
_COMPILED = {"encode": "encode_*", "parse_counts": "_parse_strings",
             "polygon_runs": "_polygon_switches",
             "boxes_and_areas": "_measure", "pair_ious": "_pair_ious_into",
             "accumulate_coco": "_accumulate"}
#: CPU seconds each twin has spent in this process; a kernel's name maps to None once
#: its kernel serves.
_spent: dict[str, float | None] = {}


def use_kernel(name: str, work: int) -> bool:
    """Whether the kernel ``name`` serves a call of ``work`` elements (see the module).

    Examples
    --------
    >>> use_kernel("parse_counts", KERNEL_WORK)   # a large call: the kernel, from now on
    True
    """
    if name not in _KERNEL_MODULE:
        raise KeyError(f"no mask kernel is called {name!r}")
    spent = _spent.get(name, 0.0)
    if spent is None:
        return True
    if work >= KERNEL_WORK or spent >= TWIN_SECONDS or (name not in _spent
                                                         and in_numba_cache(name)):
        _spent[name] = None
        return True
    return False


def serve_kernels() -> None:
    """From now on every mask call of this process goes to its kernel, compiling it on
    first use if numba's cache does not hold it: for timing the kernels (the twins
    serve a process's first calls only to spare it compiling).

    Examples
    --------
    >>> saved = dict(_spent)
    >>> serve_kernels()
    >>> use_kernel("merge_counts", 1)
    True
    >>> _spent.clear(); _spent.update(saved)   # this process's choice as it was
    """
    _spent.update(dict.fromkeys(_KERNEL_MODULE))


def in_numba_cache(name: str) -> bool:
    """Whether numba's on-disk cache holds the compiled kernel ``name`` (see
    :func:`imgprep_course._jit.in_numba_cache`).

    Examples
    --------
    >>> in_numba_cache("parse_counts") in (True, False)
    True
    """
    return jit_in_numba_cache(_KERNEL_MODULE[name].__name__, _COMPILED.get(name, name))


def implementation(name: str, work: int):
    """The function that serves a call of ``work`` elements to kernel ``name``: the
    kernel, or its twin (timed, so that its CPU time counts).

    Examples
    --------
    >>> import numpy as np
    >>> chars, starts = implementation("runs_to_chars", 3)(np.array([1, 2, 3]), np.array([0, 3]))
    >>> chars.tobytes()
    b'123'
    """
    if use_kernel(name, work):
        return getattr(_KERNEL_MODULE[name], name)
    return _timed(name, getattr(_rle_numpy, name))


def _timed(name: str, twin):
    def serve(*args):
        start = time.process_time()
        try:
            return twin(*args)
        finally:
            spent = _spent.get(name, 0.0)
            if spent is not None:
                _spent[name] = spent + time.process_time() - start
    return serve

