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

The compiled kernel runs over a whole batch at once, in parallel over chunks of output rows.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from imgprep_course._jit import kernel

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_MODE_CODES = {name: code for code, name in enumerate(FILL_MODES)}
_CONSTANT, _NEAREST, _REFLECT, _WRAP = range(4)
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))


def check_fill_mode(fill_mode: str) -> int:
    """Return the kernel's code for ``fill_mode``, or raise a ValueError naming the choices."""
    if fill_mode not in _MODE_CODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    return _MODE_CODES[fill_mode]


def check_order(order: int) -> int:
    """Return ``order`` if it is 0 (nearest) or 1 (bilinear), else raise a ValueError."""
    if isinstance(order, bool) or order not in (0, 1):
        raise ValueError(f"order must be 0 (nearest) or 1 (bilinear), got {order!r}")
    return int(order)


@kernel(nogil=True)
def _map_coordinate(x: float, n: int, mode: int) -> float:
    """scipy's ``map_coordinate``: fold a coordinate outside ``[0, n-1]`` into the image.

    Returns -1.0 for "outside" in constant mode (the caller then uses cval).
    """
    if x < 0:
        if mode == _CONSTANT:
            return -1.0
        if mode == _NEAREST or n <= 1:
            return 0.0
        if mode == _REFLECT:
            period = 2 * n
            if x < -period:
                x = period * np.int64(-x / period) + x
            if x < -n:
                return x + period
            # scipy's guard: a reduced x of 0 must not become -1, "outside"
            return (1e-15 if x > -1e-15 else -x) - 1
        return x + n * (np.int64((-1 - x) / n) + 1)          # wrap
    if x > n - 1:
        if mode == _CONSTANT:
            return -1.0
        if mode == _NEAREST or n <= 1:
            return n - 1.0
        if mode == _REFLECT:
            period = 2 * n
            x -= period * np.int64(x / period)
            return period - x - 1 if x >= n else x
        return x - n * np.int64(x / n)                        # wrap
    return x


@kernel(nogil=True)
def _index(i: int, n: int, mode: int) -> int:
    """Index ``i`` (at most one step outside the image after mapping) brought inside."""
    if mode == _WRAP:
        i = i % n
        return i + n if i < 0 else i
    if i < 0:
        return 0
    return n - 1 if i >= n else i


@kernel(nogil=True)
def _warp_rows(source, index, coefficients, out, height, width, channels, order, mode, cval,
               to_uint8, first, stop):
    """Resample output rows ``first .. stop-1`` of a batch (row ``j`` is row ``j % height``
    of output image ``j // height``), each image ``k`` from ``source`` image ``index[k]``
    through the pull matrix ``coefficients[k]``.

    ``source`` and ``out`` are flat views of C-contiguous ``(M, H, W, C)`` and
    ``(N, H, W, C)`` arrays; ``coefficients``: (N, 6), scipy's (row, col) form ``a00, a01,
    b0, a10, a11, b1``. Every sum is computed in float64, left to right as written (no
    ``fastmath``: a fused multiply-add moves a coordinate that is exactly 0 in scipy's
    arithmetic to -1e-15, outside the image); ``to_uint8`` rounds each result to the
    nearest integer (ties to even) and clips it to [0, 255] before it is stored.
    """
    row_len = width * channels
    image_len = height * row_len
    last_row, last_col = height - 1.0, width - 1.0
    for job in range(first, stop):
        k = job // height
        r = job - k * height
        a00, a01, b0 = coefficients[k, 0], coefficients[k, 1], coefficients[k, 2]
        a10, a11, b1 = coefficients[k, 3], coefficients[k, 4], coefficients[k, 5]
        image = index[k] * image_len
        target = job * row_len - channels
        # scipy's order of operations: (b + r * a0) + c * a1
        y_row, x_row = b0 + r * a00, b1 + r * a10
        for c in range(width):
            target += channels
            y = y_row + c * a01
            x = x_row + c * a11
            if order == 1 and 0.0 <= y < last_row and 0.0 <= x < last_col:
                # inside: no border rule applies (most pixels; same numbers, less work)
                y0, x0 = int(y), int(x)
                wy, wx = y - y0, x - x0
                p00 = image + y0 * row_len + x0 * channels
                p01, p10 = p00 + channels, p00 + row_len
                p11 = p10 + channels
            else:
                y = _map_coordinate(y, height, mode)
                x = _map_coordinate(x, width, mode)
                if y <= -1.0 or x <= -1.0:
                    value = cval
                    if to_uint8:
                        value = min(max(np.rint(value), 0.0), 255.0)
                    for ch in range(channels):
                        out[target + ch] = value
                    continue
                if order == 0:
                    p00 = image + _index(int(np.floor(y + 0.5)), height, mode) * row_len \
                        + _index(int(np.floor(x + 0.5)), width, mode) * channels
                    for ch in range(channels):
                        out[target + ch] = source[p00 + ch]
                    continue
                y_floor, x_floor = np.floor(y), np.floor(x)
                wy, wx = y - y_floor, x - x_floor
                top = image + _index(int(y_floor), height, mode) * row_len
                bottom = image + _index(int(y_floor) + 1, height, mode) * row_len
                left = _index(int(x_floor), width, mode) * channels
                right = _index(int(x_floor) + 1, width, mode) * channels
                p00, p01, p10, p11 = top + left, top + right, bottom + left, bottom + right
            w00 = (1.0 - wy) * (1.0 - wx)
            w01 = (1.0 - wy) * wx
            w10 = wy * (1.0 - wx)
            w11 = wy * wx
            if channels == 3:
                # RGB, the common case, written out: a third faster than the loop below
                v0 = (w00 * source[p00] + w01 * source[p01]
                      + w10 * source[p10] + w11 * source[p11])
                v1 = (w00 * source[p00 + 1] + w01 * source[p01 + 1]
                      + w10 * source[p10 + 1] + w11 * source[p11 + 1])
                v2 = (w00 * source[p00 + 2] + w01 * source[p01 + 2]
                      + w10 * source[p10 + 2] + w11 * source[p11 + 2])
                if to_uint8:
                    v0 = min(max(np.rint(v0), 0.0), 255.0)
                    v1 = min(max(np.rint(v1), 0.0), 255.0)
                    v2 = min(max(np.rint(v2), 0.0), 255.0)
                out[target], out[target + 1], out[target + 2] = v0, v1, v2
                continue
            for ch in range(channels):
                value = (w00 * source[p00 + ch] + w01 * source[p01 + ch]
                         + w10 * source[p10 + ch] + w11 * source[p11 + ch])
                if to_uint8:
                    value = min(max(np.rint(value), 0.0), 255.0)
                out[target + ch] = value


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
    needs is compiled, on first use.
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
        _run_in_chunks(_warp_rows, args, len(index) * height, width * channels)
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
    """Threads of the warp: ``NUMBA_NUM_THREADS`` if set, else the CPUs this process may use."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


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
