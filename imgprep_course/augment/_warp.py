"""Resampling an image through a pull matrix: the compiled loop behind every warp.

For each output pixel the kernel computes the input coordinate with the pull matrix, maps
it into the image according to the fill mode, and interpolates (order 0: the nearest
pixel; order 1: bilinear). It follows ``scipy.ndimage.affine_transform`` step by step (the
same formulas, the same treatment of borders), so that on the modes Keras uses it gives
scipy's numbers (to float rounding; identical on the random cases of the tests):

``"constant"``
    A sample whose coordinate lies outside ``[0, n - 1]`` on either axis takes ``cval``;
    inside, it interpolates between image pixels only (scipy's ``constant``, not its
    ``grid-constant``, which would blend with ``cval`` over the last half pixel).
``"nearest"``
    Coordinates are clamped to the image: the edge pixels repeat.
``"reflect"``
    Half-sample symmetric: ``d c b a | a b c d | d c b a``.
``"wrap"``
    A true period-``n`` repetition, ``a b c d | a b c d``: what scipy calls
    ``grid-wrap``. scipy's own ``wrap`` repeats with period ``n - 1`` (the first and last
    pixel land on top of each other), which is not what "wrap" suggests; we do not copy it.

The compiled kernel (:mod:`~imgprep_course.augment._warp_kernel`) runs over a whole batch
at once, in parallel over chunks of output rows. Until it is ready, calls are served by the same loop
in numpy (:mod:`~imgprep_course.augment._warp_numpy`), which gives the very same numbers,
so a fresh process's first batch does not wait for the compiler. numba is imported, and
the kernel compiled (or loaded from numba's cache), in a background thread, started for
each kind of call (its dtypes) once the numpy loop has spent :data:`NUMPY_SECONDS` of
CPU time on it, or after its first call if numba's cache holds the kernel: a lesson's
small warps stay with numpy, and numba's compiler does not compete with the notebook.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from imgprep_course._jit import in_numba_cache, lazy_module
from imgprep_course.augment import _warp_numpy
from imgprep_course.augment._warp_modes import FILL_MODES, check_fill_mode, check_order

__all__ = ["FILL_MODES", "check_fill_mode", "check_order", "pull_rows_cols",
           "wait_for_kernels", "warp_batch", "warp_labels"]

_kernels = lazy_module("imgprep_course.augment._warp_kernel")
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))


def pull_rows_cols(matrix: np.ndarray) -> np.ndarray:
    """Turn an (x, y) pull matrix (3×3) into scipy's (row, col) form: a 2×3 matrix."""
    return np.array([[matrix[1, 1], matrix[1, 0], matrix[1, 2]],
                     [matrix[0, 1], matrix[0, 0], matrix[0, 2]]])


def warp_batch(source: np.ndarray, matrices: np.ndarray, *, index=None, order: int = 1,
               fill_mode: str = "nearest", cval: float = 0.0, dtype=None) -> np.ndarray:
    """Resample images of a ``(M, H, W, C)`` array, each through its own (x, y) pull matrix.

    Output ``k`` is ``source[index[k]]`` (``index`` defaults to all images in order)
    resampled through ``matrices[k]``, as ``dtype``: float32 or float64 (default: the
    source's if it is one of them, else float32), or uint8 for a uint8 source (the
    float64 result rounded half to even and clipped to [0, 255], ``cval`` too). A
    C-contiguous source of that dtype is read in place, sparing the caller a gathered
    copy. The internal workhorse behind :func:`imgprep_course.augment.warp`; arguments
    are trusted (validated by the callers). Returns a new array.

    The work is split into chunks of output rows run by a pool of threads (the kernel
    releases the GIL), handed out as threads become free: on a machine shared with
    other jobs a static split would wait for the slowest core. Only the dtype a call
    needs is compiled, on first use, in the background (see the module docstring).
    """
    floats = _KERNEL_DTYPES[:2]
    dtype = np.dtype(dtype or (source.dtype if source.dtype in floats else np.float32))
    if dtype not in _KERNEL_DTYPES:
        raise TypeError(f"the warp kernel computes float32, float64 or uint8, not {dtype}")
    if dtype == np.uint8 and source.dtype != np.uint8:
        raise TypeError(f"a uint8 warp needs uint8 images, got {source.dtype}")
    if source.dtype != dtype or not source.flags.c_contiguous:
        # one compiled kernel per dtype: convert what is needed, nothing more
        source = np.ascontiguousarray(source if index is None else source[index], dtype=dtype)
        index = None
    index = np.arange(len(source)) if index is None else np.asarray(index, dtype=np.int64)
    matrices = np.asarray(matrices, dtype=np.float64).reshape(-1, 3, 3)
    out = np.empty((len(index),) + source.shape[1:], dtype=dtype)
    moving = ~np.all(matrices == np.eye(3), axis=(1, 2))
    out[~moving] = source[index[~moving]]
    if out.size and moving.any():
        index, matrices = index[moving], matrices[moving]
        coefficients = np.stack([pull_rows_cols(m).reshape(6) for m in matrices])
        moved = np.empty((len(index),) + source.shape[1:], dtype=dtype) \
            if not moving.all() else out
        height, width, channels = source.shape[1:]
        args = (source.reshape(-1), index, coefficients, moved.reshape(-1), height, width,
                channels, int(order), check_fill_mode(fill_mode), float(cval),
                dtype == np.uint8)
        rows = len(index) * height
        kernel = _compiled_kernel(args)
        start = time.process_time()
        # numpy releases the GIL in its loops too: both loops run in chunks on the pool
        _run_in_chunks(kernel or _warp_numpy.warp_rows, args, rows, width * channels)
        if kernel is None:
            _served_by_numpy(args, time.process_time() - start)
        if moved is not out:
            out[moving] = moved
    return out


#: Below this many output values per call, one thread does all the work (thread hand-off
#: costs more than it saves).
_PARALLEL_MIN_VALUES = 1 << 16
#: The thread pool and the process that made it (a forked child has none of its threads).
_POOL: dict = {}


def _run_in_chunks(kernel, args, rows: int, row_values: int) -> None:
    """Run ``kernel(*args, first, stop)`` over ``rows`` rows, in parallel chunks."""
    threads = _thread_count()
    if threads == 1 or rows * row_values < _PARALLEL_MIN_VALUES:
        kernel(*args, 0, rows)
        return
    if _POOL.get("pid") != os.getpid():
        _POOL.update(pid=os.getpid(), pool=ThreadPoolExecutor(
            threads, thread_name_prefix="imgprep-warp"))
    chunk = max(1, rows // (4 * threads))
    jobs = [_POOL["pool"].submit(kernel, *args, first, min(first + chunk, rows))
            for first in range(0, rows, chunk)]
    for job in jobs:
        job.result()


def _thread_count() -> int:
    """Threads of the warp: ``NUMBA_NUM_THREADS`` if set, else the CPUs this process may
    use (numba's own rule, read without importing numba)."""
    if os.environ.get("NUMBA_NUM_THREADS"):
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


#: CPU seconds the numpy loop may spend on one kind of call (its dtypes) before the
#: kernel for it is compiled: about what the compilation costs. A lesson's small warps
#: never get there, so numba's compiler never competes with the notebook for the GIL.
NUMPY_SECONDS = 1.0
_KERNEL_MODULE = "imgprep_course.augment._warp_kernel"

#: The kernel's compilation, per argument types: which are ready, which are being
#: compiled (their threads), which stay with numpy, the numpy loop's CPU seconds and a
#: tiny call of the types it served; in which process (a forked child inherits the
#: dict, not the threads).
_COMPILING = {"pid": None, "ready": set(), "threads": {}, "numpy_only": set(),
              "spent": {}, "pending": {}, "lock": threading.Lock()}


def _compiled_kernel(args: tuple):
    """The compiled kernel for the types of ``args`` if it is ready, else None."""
    if _COMPILING["pid"] != os.getpid():
        # a forked child: the compiling threads of the parent do not exist here
        _COMPILING.update(pid=os.getpid(), threads={},
                          numpy_only=_COMPILING["numpy_only"] | set(_COMPILING["threads"]),
                          lock=threading.Lock())
    return _kernels.warp_rows if _type_key(args) in _COMPILING["ready"] else None


def _served_by_numpy(args: tuple, seconds: float) -> None:
    """Count the numpy loop's ``seconds`` on a call like ``args``; once they reach
    :data:`NUMPY_SECONDS`, or at once if numba's on-disk cache holds the kernel (loading
    it costs a fraction of a second), compile the kernel for these types."""
    key = _type_key(args)
    with _COMPILING["lock"]:
        first = key not in _COMPILING["spent"]
        _COMPILING["spent"][key] = _COMPILING["spent"].get(key, 0.0) + seconds
        _COMPILING["pending"].setdefault(key, _tiny_call(args))
        due = _COMPILING["spent"][key] >= NUMPY_SECONDS
    if due or (first and in_numba_cache(_KERNEL_MODULE, "warp_rows")):
        _compile_in_background(key)


def _compile_in_background(key: tuple) -> None:
    """Start a thread that compiles the kernel for the types ``key``, unless one has.

    The thread imports numba and compiles the kernel (or loads it from numba's cache)
    on a call of the same types that computes nothing; it is started after the numpy
    loop has served the call that needed it, so that it does not compete with that call
    for the GIL. A child forked while such a thread ran cannot compile safely (numba's
    compiler lock may be held by a thread that does not exist in the child): it keeps
    the numpy loop for those types, as does a process whose compilation failed (the
    thread's error is printed once).
    """
    with _COMPILING["lock"]:
        if key in _COMPILING["threads"] or key in _COMPILING["numpy_only"] \
                or key in _COMPILING["ready"]:
            return
        thread = threading.Thread(target=_compile, args=(key, _COMPILING["pending"][key]),
                                  name="imgprep-warp-compile")
        _COMPILING["threads"][key] = thread
    thread.start()


def wait_for_kernels(timeout: float | None = None) -> bool:
    """Compile the kernel for every kind of call the numpy loop has served, and wait
    until all are ready; True if none is still compiling.

    For benchmarks and tests that must time or check the compiled kernel: a warp made
    before this returns may have been served by the numpy loop (with the same numbers).

    Examples
    --------
    >>> wait_for_kernels()
    True
    """
    for key in list(_COMPILING["pending"]):
        _compile_in_background(key)
    for thread in list(_COMPILING["threads"].values()):
        thread.join(timeout)
    return not any(t.is_alive() for t in _COMPILING["threads"].values())


def _type_key(args: tuple) -> tuple:
    """What numba compiles a separate version of the kernel for: the arrays' dtypes."""
    return tuple(a.dtype.str if isinstance(a, np.ndarray) else type(a).__name__ for a in args)


def _tiny_call(args: tuple) -> tuple:
    """Arguments of the same types as ``args`` for a call that computes nothing."""
    return tuple(a[:1] if isinstance(a, np.ndarray) else a for a in args) + (0, 0)


def _compile(key: tuple, args: tuple) -> None:
    """Compile (or load) the kernel for ``args``' types, then mark ``key`` ready."""
    try:
        _kernels.warp_rows(*args)
        _COMPILING["ready"].add(key)
    except BaseException:
        _COMPILING["numpy_only"].add(key)
        raise


def warp_labels(labels: np.ndarray, matrices: np.ndarray, *, fill_mode: str = "constant",
                cval=0) -> np.ndarray:
    """Move label masks ``(N, H, W, K)`` of any dtype, each through its own pull matrix.

    Nearest-pixel sampling copies labels, never blends them. The kernel warps a float32
    image whose two channels hold each pixel's own row and column (exact integers), which
    tells where every output pixel comes from (or -1 for ``cval``); the labels are then
    gathered with numpy, whatever their dtype. Images and labels share one compiled kernel.
    """
    n, height, width = labels.shape[:3]
    rows, cols = np.indices((height, width), dtype=np.float32)
    positions = np.stack([rows, cols], axis=-1)[None]
    where = warp_batch(positions, matrices, index=np.zeros(n, dtype=np.int64), order=0,
                       fill_mode=fill_mode, cval=-1.0).astype(np.int64)
    outside = where[..., 0] < 0
    where = (where[..., 0] * width + where[..., 1]).reshape(n, height * width)
    flat = labels.reshape(n, height * width, -1)
    out = np.take_along_axis(flat, np.maximum(where, 0)[..., None], axis=1)
    out[outside.reshape(n, -1)] = cval
    return out.reshape(labels.shape)
