"""Resampling an image through a pull matrix: the compiled loop behind every warp.

For each output pixel the kernel computes the input coordinate with the pull matrix, maps
it into the image according to the fill mode, and interpolates (order 0: the nearest
pixel; order 1: bilinear). It follows ``scipy.ndimage.affine_transform`` step by step (the
same coordinate arithmetic, the same treatment of borders), so that on the modes Keras
uses it gives scipy's numbers:

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


@numba.njit(cache=True, parallel=True)
def _warp_batch(images, matrices, out, order, mode, cval):  # pragma: no cover - compiled
    """Resample ``images[k]`` through ``matrices[k]`` into ``out[k]``.

    ``images``: (N, H, W, C); ``matrices``: (N, 2, 3) pull matrices in (row, col) order
    as scipy takes them; ``out``: (N, Ho, Wo, C), same dtype as ``images``.
    """
    n_images, height, width, channels = images.shape
    out_height, out_width = out.shape[1], out.shape[2]
    for job in numba.prange(n_images * out_height):
        k = job // out_height
        r = job % out_height
        a00, a01, b0 = matrices[k, 0, 0], matrices[k, 0, 1], matrices[k, 0, 2]
        a10, a11, b1 = matrices[k, 1, 0], matrices[k, 1, 1], matrices[k, 1, 2]
        for c in range(out_width):
            # the same arithmetic as scipy: ((r * a0) + (c * a1)) + b
            y = _map_coordinate(r * a00 + c * a01 + b0, height, mode)
            x = _map_coordinate(r * a10 + c * a11 + b1, width, mode)
            if y <= -1.0 or x <= -1.0:
                for ch in range(channels):
                    out[k, r, c, ch] = cval
                continue
            if order == 0:
                yi = _index(np.int64(np.floor(y + 0.5)), height, mode)
                xi = _index(np.int64(np.floor(x + 0.5)), width, mode)
                for ch in range(channels):
                    out[k, r, c, ch] = images[k, yi, xi, ch]
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
                out[k, r, c, ch] = (w00 * images[k, y0, x0, ch] + w01 * images[k, y0, x1, ch]
                                    + w10 * images[k, y1, x0, ch] + w11 * images[k, y1, x1, ch])


def pull_rows_cols(matrix: np.ndarray) -> np.ndarray:
    """Turn an (x, y) pull matrix (3×3) into scipy's (row, col) form: a 2×3 matrix."""
    return np.array([[matrix[1, 1], matrix[1, 0], matrix[1, 2]],
                     [matrix[0, 1], matrix[0, 0], matrix[0, 2]]])


def warp_batch(images: np.ndarray, matrices: np.ndarray, *, order: int = 1,
               fill_mode: str = "nearest", cval: float = 0.0) -> np.ndarray:
    """Resample each image of a ``(N, H, W, C)`` batch through its own (x, y) pull matrix.

    The internal workhorse of :func:`imgprep_course.augment.warp`; arguments are trusted
    (validated by the callers). Returns a new array of the images' dtype.
    """
    rows_cols = np.stack([pull_rows_cols(m) for m in matrices]) if len(matrices) else \
        np.zeros((0, 2, 3))
    out = np.empty_like(images)
    if images.size:
        _warp_batch(np.ascontiguousarray(images), rows_cols, out, order,
                    check_fill_mode(fill_mode), images.dtype.type(cval))
    return out
