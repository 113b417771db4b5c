"""Which code serves a mask call: the numpy twin, or the numba kernel (private).

Compiling the mask kernels costs 1-4 CPU-seconds each on a fresh install (numba's import
and compiler start-up on top), far more than the numpy twins of
:mod:`~imgprep_course.datasets._rle_numpy` spend on a lesson's masks or on a COCO
evaluation of a few hundred images. So a process uses the twin for a kernel until it has
given that kernel :data:`KERNEL_WORK` elements of work in all (characters, runs, pixels,
pairs, traced polygon points); from then on it compiles the kernel (or loads it from
numba's cache) and uses it. The results are the same either way (tested on random
cases), so the switch is invisible but for the time it saves.
"""

from __future__ import annotations

from imgprep_course._jit import lazy_module
from imgprep_course.datasets import _rle_numpy

_rle = lazy_module("imgprep_course.datasets._rle")
_rle_ops = lazy_module("imgprep_course.datasets._rle_ops")

#: Elements of work after which a process compiles a kernel rather than keep its twin:
#: at this size the twin's extra time is tens of milliseconds in all, a compilation
#: seconds once.
KERNEL_WORK = 1 << 22

_KERNEL_MODULE = {"runs_to_chars": _rle, "parse_counts": _rle, "decode_counts": _rle,
                  "encode": _rle, "measure_counts": _rle_ops, "boxes_and_areas": _rle_ops,
                  "merge_counts": _rle_ops, "pair_ious": _rle_ops,
                  "polygon_runs": _rle_ops}
_given: dict[str, int] = {}


def use_kernel(name: str, work: int) -> bool:
    """Count ``work`` for kernel ``name``; True once the process has given it enough.

    Examples
    --------
    >>> use_kernel("parse_counts", 10)
    False
    """
    if name not in _KERNEL_MODULE:
        raise KeyError(f"no mask kernel is called {name!r}")
    _given[name] = _given.get(name, 0) + int(work)
    return _given[name] >= KERNEL_WORK


def implementation(name: str, work: int):
    """The function that serves a call of ``work`` elements to kernel ``name``.

    Examples
    --------
    >>> implementation("runs_to_chars", 3).__module__
    'imgprep_course.datasets._rle_numpy'
    """
    module = _KERNEL_MODULE[name] if use_kernel(name, work) else _rle_numpy
    return getattr(module, name)
