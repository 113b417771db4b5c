"""The compiled warp loop (numba): see :mod:`imgprep_course.augment._warp` for what it
computes and :mod:`imgprep_course.augment._warp_numpy` for the same loop in numpy.

Loaded through :func:`imgprep_course._jit.lazy_module`, so that importing the library
does not import numba; :mod:`~imgprep_course.augment._warp` compiles it in a background
thread and serves the calls made meanwhile with the numpy loop.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._jit import forget_stale_kernels, kernel
from imgprep_course.augment._warp_modes import CONSTANT as _CONSTANT
from imgprep_course.augment._warp_modes import NEAREST as _NEAREST
from imgprep_course.augment._warp_modes import REFLECT as _REFLECT
from imgprep_course.augment._warp_modes import WRAP as _WRAP

forget_stale_kernels(__name__)  # numba would keep kernels compiled from older imports


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
def _taps(y_row, x_row, a01, a11, image, height, width, channels, order, mode, taps,
          weights, outside):
    """First pass over one output row: for each column, the flat offsets of its (up to)
    four source pixels (``taps``), their bilinear weights and whether it takes cval.

    The common case, bilinear with fill "nearest", is written without branches (a clamp
    of the coordinate gives scipy's numbers there), so that the compiler vectorises it.
    Returns True if some column of the row takes cval.
    """
    row_len = width * channels
    last_row, last_col = height - 1.0, width - 1.0
    if order == 1 and mode == _NEAREST:
        for c in range(width):
            y = min(max(y_row + c * a01, 0.0), last_row)
            x = min(max(x_row + c * a11, 0.0), last_col)
            y0, x0 = int(y), int(x)
            wy, wx = y - y0, x - x0
            top = image + y0 * row_len
            bottom = image + min(y0 + 1, height - 1) * row_len
            left, right = x0 * channels, min(x0 + 1, width - 1) * channels
            taps[0, c], taps[1, c] = top + left, top + right
            taps[2, c], taps[3, c] = bottom + left, bottom + right
            weights[0, c], weights[1, c] = (1.0 - wy) * (1.0 - wx), (1.0 - wy) * wx
            weights[2, c], weights[3, c] = wy * (1.0 - wx), wy * wx
        return False
    any_outside = False
    for c in range(width):
        y = y_row + c * a01
        x = x_row + c * a11
        outside[c] = False
        if order == 1 and 0.0 <= y < last_row and 0.0 <= x < last_col:
            # inside: no border rule applies (most pixels; same numbers, less work)
            y0, x0 = int(y), int(x)
            wy, wx = y - y0, x - x0
            top, bottom = image + y0 * row_len, image + (y0 + 1) * row_len
            left, right = x0 * channels, (x0 + 1) * channels
        else:
            y = _map_coordinate(y, height, mode)
            x = _map_coordinate(x, width, mode)
            if y <= -1.0 or x <= -1.0:
                outside[c] = any_outside = True
                continue
            if order == 0:
                taps[0, c] = image + _index(int(np.floor(y + 0.5)), height, mode) * row_len \
                    + _index(int(np.floor(x + 0.5)), width, mode) * channels
                continue
            y_floor, x_floor = np.floor(y), np.floor(x)
            wy, wx = y - y_floor, x - x_floor
            top = image + _index(int(y_floor), height, mode) * row_len
            bottom = image + _index(int(y_floor) + 1, height, mode) * row_len
            left = _index(int(x_floor), width, mode) * channels
            right = _index(int(x_floor) + 1, width, mode) * channels
        taps[0, c], taps[1, c] = top + left, top + right
        taps[2, c], taps[3, c] = bottom + left, bottom + right
        weights[0, c], weights[1, c] = (1.0 - wy) * (1.0 - wx), (1.0 - wy) * wx
        weights[2, c], weights[3, c] = wy * (1.0 - wx), wy * wx
    return any_outside


@kernel(nogil=True)
def warp_rows(source, index, coefficients, out, height, width, channels, order, mode, cval,
              to_uint8, first, stop):
    """Resample output rows ``first .. stop-1`` of a batch (row ``j`` is row ``j % height``
    of output image ``j // height``), each image ``k`` from ``source`` image ``index[k]``
    through the pull matrix ``coefficients[k]``.

    ``source`` and ``out`` are flat views of C-contiguous ``(M, H, W, C)`` and
    ``(N, H, W, C)`` arrays; ``coefficients``: (N, 6), scipy's (row, col) form ``a00, a01,
    b0, a10, a11, b1``. Every sum is computed in float64, left to right as written (no
    ``fastmath``: a fused multiply-add moves a coordinate that is exactly 0 in scipy's
    arithmetic to -1e-15, outside the image); ``to_uint8`` rounds each result to the
    nearest integer (ties to even) before it is stored (a blend of uint8 values, and
    ``cval`` clipped to [0, 255], need no other clip).

    Each row takes two passes: :func:`_taps` finds every column's source pixels and
    weights, then a loop with no border logic blends them (unsigned offsets: numba adds
    no negative-index fix-up to the loads). Split so, the row runs about twice as fast.
    """
    row_len = width * channels
    image_len = height * row_len
    taps = np.zeros((4, width), dtype=np.uint64)
    weights = np.zeros((4, width), dtype=np.float64)
    outside = np.zeros(width, dtype=np.bool_)
    fill = min(max(np.rint(cval), 0.0), 255.0) if to_uint8 else cval
    # offsets stay unsigned (uint64 plus int64 would make a float in numba)
    step, one, two = np.uint64(channels), np.uint64(1), np.uint64(2)
    for job in range(first, stop):
        k = job // height
        r = job - k * height
        a00, a01, b0 = coefficients[k, 0], coefficients[k, 1], coefficients[k, 2]
        a10, a11, b1 = coefficients[k, 3], coefficients[k, 4], coefficients[k, 5]
        # scipy's order of operations: (b + r * a0) + c * a1
        any_outside = _taps(b0 + r * a00, b1 + r * a10, a01, a11, index[k] * image_len,
                            height, width, channels, order, mode, taps, weights, outside)
        target = np.uint64(job * row_len)
        for c in range(width):
            if any_outside and outside[c]:
                for ch in range(step):
                    out[target + ch] = fill
            elif order == 0:
                for ch in range(step):
                    out[target + ch] = source[taps[0, c] + ch]
            elif channels == 3:
                # RGB, the common case, written out: a third faster than the loop below
                p00, p01, p10, p11 = taps[0, c], taps[1, c], taps[2, c], taps[3, c]
                w00, w01, w10, w11 = weights[0, c], weights[1, c], weights[2, c], weights[3, c]
                v0 = (w00 * source[p00] + w01 * source[p01]
                      + w10 * source[p10] + w11 * source[p11])
                v1 = (w00 * source[p00 + one] + w01 * source[p01 + one]
                      + w10 * source[p10 + one] + w11 * source[p11 + one])
                v2 = (w00 * source[p00 + two] + w01 * source[p01 + two]
                      + w10 * source[p10 + two] + w11 * source[p11 + two])
                if to_uint8:
                    # no clip needed: weights >= 0 summing to 1 (within 4 ulp) keep a
                    # blend of values in [0, 255] inside [0, 255.0000000000003]
                    v0, v1, v2 = np.rint(v0), np.rint(v1), np.rint(v2)
                out[target], out[target + one], out[target + two] = v0, v1, v2
            else:
                for ch in range(step):
                    value = (weights[0, c] * source[taps[0, c] + ch]
                             + weights[1, c] * source[taps[1, c] + ch]
                             + weights[2, c] * source[taps[2, c] + ch]
                             + weights[3, c] * source[taps[3, c] + ch])
                    out[target + ch] = np.rint(value) if to_uint8 else value
            target += step
