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

The compiled kernel runs over a whole batch at once, in parallel over output rows.
"""

from __future__ import annotations

import numba
import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_MODE_CODES = {name: code for code, name in enumerate(FILL_MODES)}
_CONSTANT, _NEAREST, _REFLECT, _WRAP = range(4)
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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


@numba.njit(cache=True, inline="always")
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


@numba.njit(cache=True, inline="always")
def _index(i: int, n: int, mode: int) -> int:
    """Index ``i`` (at most one step outside the image after mapping) brought inside."""
    if mode == _WRAP:
        i = i % n
        return i + n if i < 0 else i
    if i < 0:
        return 0
    return n - 1 if i >= n else i


@numba.njit(cache=True, parallel=True, fastmath=True)
def _warp_batch(source, index, matrices, moving, out, order, mode, cval):
    """Resample ``source[index[k]]`` through ``matrices[k]`` into ``out[k]``.

    ``source``: (M, H, W, C), C-contiguous, float32 or float64 like ``out``; ``index``:
    (N,) which image of ``source`` each output comes from; ``matrices``: (N, 2, 3) pull
    matrices in (row, col) order as scipy takes them; ``moving``: (N,) False where the
    matrix is the identity (a plain copy); ``out``: (N, H, W, C), C-contiguous.

    ``fastmath`` lets LLVM reorder the bilinear sums (about 20 % faster); the inputs are
    finite (the callers check), and the results stay within a float rounding of scipy's.
    """
    n_out, height, width, channels = out.shape
    flat = source.reshape(-1)
    out_flat = out.reshape(-1)
    row_len = width * channels
    for job in numba.prange(n_out * height):
        k = job // height
        r = job % height
        src = source[index[k]]
        row = out[k, r]
        if not moving[k]:
            row[:] = src[r]
            continue
        a00, a01, b0 = matrices[k, 0, 0], matrices[k, 0, 1], matrices[k, 0, 2]
        a10, a11, b1 = matrices[k, 1, 0], matrices[k, 1, 1], matrices[k, 1, 2]
        # flat offsets (unsigned: no negative-index checks) of this image and output row
        image_start = np.uint64(index[k] * height * row_len)
        row_start = np.uint64(job * row_len)
        step = np.uint64(channels)
        for c in range(width):
            # scipy's formula: ((r * a0) + (c * a1)) + b
            y = r * a00 + c * a01 + b0
            x = r * a10 + c * a11 + b1
            if order == 1 and 0.0 <= y < height - 1 and 0.0 <= x < width - 1:
                # inside: no border rule applies (most pixels; same numbers, less work)
                above = np.uint64(y)
                left = np.uint64(x)
                wy = y - above
                wx = x - left
                w00 = (1.0 - wy) * (1.0 - wx)
                w01 = (1.0 - wy) * wx
                w10 = wy * (1.0 - wx)
                w11 = wy * wx
                top = image_start + above * np.uint64(row_len) + left * step
                bottom = top + np.uint64(row_len)
                target = row_start + np.uint64(c) * step
                for ch in range(channels):
                    u = np.uint64(ch)
                    out_flat[target + u] = (w00 * flat[top + u] + w01 * flat[top + step + u]
                                            + w10 * flat[bottom + u]
                                            + w11 * flat[bottom + step + u])
                continue
            y = _map_coordinate(y, height, mode)
            x = _map_coordinate(x, width, mode)
            if y <= -1.0 or x <= -1.0:
                for ch in range(channels):
                    row[c, ch] = cval
                continue
            if order == 0:
                yi = _index(np.int64(np.floor(y + 0.5)), height, mode)
                xi = _index(np.int64(np.floor(x + 0.5)), width, mode)
                for ch in range(channels):
                    row[c, ch] = src[yi, xi, ch]
                continue
            y_floor = np.floor(y)
            x_floor = np.floor(x)
            wy = y - y_floor
            wx = x - x_floor
            y0 = _index(np.int64(y_floor), height, mode)
            y1 = _index(np.int64(y_floor) + 1, height, mode)
            x0 = _index(np.int64(x_floor), width, mode)
            x1 = _index(np.int64(x_floor) + 1, width, mode)
            w00 = (1.0 - wy) * (1.0 - wx)
            w01 = (1.0 - wy) * wx
            w10 = wy * (1.0 - wx)
            w11 = wy * wx
            for ch in range(channels):
                row[c, ch] = (w00 * src[y0, x0, ch] + w01 * src[y0, x1, ch]
                              + w10 * src[y1, x0, ch] + w11 * src[y1, x1, ch])


def pull_rows_cols(matrix: np.ndarray) -> np.ndarray:
    """Turn an (x, y) pull matrix (3×3) into scipy's (row, col) form: a 2×3 matrix."""
    return np.array([[matrix[1, 1], matrix[1, 0], matrix[1, 2]],
                     [matrix[0, 1], matrix[0, 0], matrix[0, 2]]])


def warp_batch(source: np.ndarray, matrices: np.ndarray, *, index=None, order: int = 1,
               fill_mode: str = "nearest", cval: float = 0.0, dtype=None) -> np.ndarray:
    """Resample images of a ``(M, H, W, C)`` array, each through its own (x, y) pull matrix.

    Output ``k`` is ``source[index[k]]`` (``index`` defaults to all images in order)
    resampled through ``matrices[k]``, as ``dtype`` (float32 or float64; default: the
    source's if it is one of them, else float32). A C-contiguous source of that dtype is
    read in place, sparing the caller a gathered copy. The internal workhorse behind
    :func:`imgprep_course.augment.warp`; arguments are trusted (validated by the callers).
    Returns a new array.
    """
    dtype = np.dtype(dtype or (source.dtype if source.dtype in _KERNEL_DTYPES else np.float32))
    if dtype not in _KERNEL_DTYPES:
        raise TypeError(f"the warp kernel computes in float32 or float64, not {dtype}")
    if source.dtype != dtype or not source.flags.c_contiguous:
        # one compiled kernel per dtype: convert what is needed, nothing more
        source = np.ascontiguousarray(source if index is None else source[index], dtype=dtype)
        index = None
    index = np.arange(len(source)) if index is None else np.asarray(index, dtype=np.int64)
    matrices = np.asarray(matrices, dtype=np.float64).reshape(-1, 3, 3)
    out = np.empty((len(index),) + source.shape[1:], dtype=dtype)
    if out.size:
        rows_cols = np.stack([pull_rows_cols(m) for m in matrices])
        moving = ~np.all(matrices == np.eye(3), axis=(1, 2))
        # Rows are handed out in chunks, a few per thread, as threads become free: on a
        # machine shared with other jobs a static split would wait for the slowest core.
        rows = out.shape[0] * out.shape[1]
        with numba.parallel_chunksize(max(1, rows // (8 * numba.get_num_threads()))):
            _warp_batch(source, index, rows_cols, moving, out, order,
                        check_fill_mode(fill_mode), dtype.type(cval))
    return out


def warp_labels(labels: np.ndarray, matrices: np.ndarray, *, fill_mode: str = "constant",
                cval=0) -> np.ndarray:
    """Move label masks ``(N, H, W, K)`` of any dtype, each through its own pull matrix.

    Nearest-pixel sampling copies labels, never blends them. The kernel warps an image
    that holds each pixel's own position, which tells where every output pixel comes from
    (or -1 for ``cval``); the labels are then gathered with numpy, whatever their dtype.
    """
    n, height, width = labels.shape[:3]
    positions = np.arange(height * width, dtype=np.float64).reshape(1, height, width, 1)
    where = warp_batch(positions, matrices, index=np.zeros(n, dtype=np.int64), order=0,
                       fill_mode=fill_mode, cval=-1.0).reshape(n, height * width)
    where = where.astype(np.int64)
    flat = labels.reshape(n, height * width, -1)
    out = np.take_along_axis(flat, np.maximum(where, 0)[..., None], axis=1)
    out[where < 0] = cval
    return out.reshape(labels.shape)
