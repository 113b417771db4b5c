"""The warp loop in numpy: the compiled kernel's float64 operations, array at a time.

:func:`warp_rows` takes the arguments of :func:`imgprep_course.augment._warp_kernel.warp_rows`
and gives bit for bit the same images. Every value goes through the same IEEE operations
in the same order (the kernel is compiled without ``fastmath``, so nothing is fused or
reordered there either): coordinates ``(b + r * a0) + c * a1``, scipy's folding of a
coordinate into the image, ``floor``, the four weights, the sum of the four products left
to right, rounding and clipping for uint8. Where the kernel takes a short cut for pixels
well inside the image (``int(y)`` for ``floor(y)``, no folding, no clamping of indices),
the general path gives the same numbers, so this loop needs no short cut.

It serves the calls made while numba compiles the kernel (a fresh process's first batch
does not wait for the compiler) and keeps numba out of a process that warps little.
"""

from __future__ import annotations

import numpy as np

from imgprep_course.augment._warp_modes import CONSTANT, NEAREST, REFLECT, WRAP

#: Output pixels per numpy step: large steps (little interpreter time, which matters
#: while a compiling thread competes for the GIL), bounded memory (about 100 MB).
_PIXELS_PER_STEP = 1 << 19


def map_coordinates(x: np.ndarray, n: int, mode: int) -> np.ndarray:
    """The kernel's ``_map_coordinate`` (scipy's ``map_coordinate``) on an array.

    Examples
    --------
    >>> map_coordinates(np.array([-1.5, 0.5, 4.25]), 4, REFLECT).tolist()
    [0.5, 0.5, 2.75]
    """
    out = x.copy()
    low, high = x < 0, x > n - 1
    if mode == CONSTANT:
        out[low | high] = -1.0
        return out
    if mode == NEAREST or n <= 1:
        out[low], out[high] = 0.0, n - 1.0
        return out
    xl, xh = x[low], x[high]
    if mode == REFLECT:
        period = 2 * n
        far = xl < -period
        xl[far] = (period * (-xl[far] / period).astype(np.int64)) + xl[far]
        # scipy's guard: a reduced x of 0 must not become -1, "outside"
        out[low] = np.where(xl < -n, xl + period,
                            np.where(xl > -1e-15, 1e-15, -xl) - 1)
        xh = xh - period * (xh / period).astype(np.int64)
        out[high] = np.where(xh >= n, period - xh - 1, xh)
        return out
    out[low] = xl + n * (((-1 - xl) / n).astype(np.int64) + 1)      # wrap
    out[high] = xh - n * (xh / n).astype(np.int64)
    return out


def _indices(i: np.ndarray, n: int, mode: int) -> np.ndarray:
    """The kernel's ``_index``: indices at most one step outside brought inside."""
    return np.mod(i, n) if mode == WRAP else np.clip(i, 0, n - 1)


def warp_rows(source, index, coefficients, out, height, width, channels, order, mode, cval,
              to_uint8, first, stop) -> None:
    """Resample output rows ``first .. stop-1`` into ``out``, exactly as the kernel does.

    Examples
    --------
    >>> source = np.arange(12, dtype=np.float32)                 # one 2x2 RGB image
    >>> out = np.empty(12, dtype=np.float32)
    >>> shift = np.array([[1.0, 0.0, 0.0, 0.0, 1.0, 0.5]])      # half a pixel right
    >>> warp_rows(source, np.array([0]), shift, out, 2, 2, 3, 1, NEAREST, 0.0, False, 0, 2)
    >>> out[:6].tolist()
    [1.5, 2.5, 3.5, 3.0, 4.0, 5.0]
    """
    row_len = width * channels
    pixels = source.reshape(-1, channels)          # gathered a pixel (all channels) at a time
    step = max(1, _PIXELS_PER_STEP // max(1, width))
    for start in range(first, stop, step):
        jobs = np.arange(start, min(start + step, stop))
        k = jobs // height
        r = jobs - k * height
        a00, a01, b0, a10, a11, b1 = coefficients[k].T[..., None]
        image = (index[k] * (height * width))[:, None]
        c = np.arange(width)
        # scipy's order of operations: (b + r * a0) + c * a1
        y = map_coordinates((b0 + r[:, None] * a00) + c * a01, height, mode)
        x = map_coordinates((b1 + r[:, None] * a10) + c * a11, width, mode)
        outside = (y <= -1.0) | (x <= -1.0)
        target = out[start * row_len:(start + len(jobs)) * row_len].reshape(
            len(jobs), width, channels)
        if order == 0:
            rows = _indices(np.floor(y + 0.5).astype(np.int64), height, mode)
            cols = _indices(np.floor(x + 0.5).astype(np.int64), width, mode)
            target[...] = pixels.take(image + rows * width + cols, axis=0)
        else:
            y_floor, x_floor = np.floor(y), np.floor(x)
            wy, wx = (y - y_floor)[..., None], (x - x_floor)[..., None]
            top = image + _indices(y_floor.astype(np.int64), height, mode) * width
            bottom = image + _indices(y_floor.astype(np.int64) + 1, height, mode) * width
            left = _indices(x_floor.astype(np.int64), width, mode)
            right = _indices(x_floor.astype(np.int64) + 1, width, mode)
            value = ((1.0 - wy) * (1.0 - wx)) * pixels.take(top + left, axis=0) \
                + ((1.0 - wy) * wx) * pixels.take(top + right, axis=0) \
                + (wy * (1.0 - wx)) * pixels.take(bottom + left, axis=0) \
                + (wy * wx) * pixels.take(bottom + right, axis=0)
            target[...] = np.clip(np.rint(value), 0.0, 255.0) if to_uint8 else value
        if outside.any():
            target[outside] = min(max(np.rint(cval), 0.0), 255.0) if to_uint8 else cval
