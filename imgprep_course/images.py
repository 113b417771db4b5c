"""Images as arrays: sample photos that ship with matplotlib, and dtype conversions.

An image is an ``(H, W, C)`` array, channel last: ``image[row, column, channel]``.
Photos load as ``uint8`` (0..255); the rest of the course works in ``float32``.
Nothing here downloads anything: the photos come with matplotlib's sample data.
"""

from __future__ import annotations

import numpy as np
from matplotlib import cbook
from PIL import Image

from imgprep_course._validation import as_array, as_rng

#: Sample photos: name -> (file in matplotlib's sample data, description and source).
SAMPLES = {
    "grace_hopper": ("grace_hopper.jpg",
                     "Rear Admiral Grace Hopper, official U.S. Navy portrait (public domain), "
                     "512 x 600 pixels, RGB; from matplotlib's sample data"),
    "present": ("Minduka_Present_Blue_Pack.png",
                "an illustration of a wrapped present, 128 x 128 pixels, RGBA reduced to "
                "RGB; from matplotlib's sample data"),
}


def load_sample(name: str = "grace_hopper") -> np.ndarray:
    """Load a sample photo as an ``(H, W, 3)`` uint8 RGB array.

    Examples
    --------
    >>> photo = load_sample("grace_hopper")
    >>> photo.shape, photo.dtype
    ((600, 512, 3), dtype('uint8'))
    """
    if name not in SAMPLES:
        raise ValueError(f"name must be one of {sorted(SAMPLES)}, got {name!r}")
    path = cbook.get_sample_data(SAMPLES[name][0], asfileobj=False)
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def to_float(image) -> np.ndarray:
    """Convert a uint8 image (0..255) to float32 in [0, 1].

    Examples
    --------
    >>> to_float(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """
    data = as_array(image, "image", kinds="u")
    if data.dtype != np.uint8:
        raise TypeError(f"image must be uint8 (0..255), got {data.dtype}")
    return data.astype(np.float32) / np.float32(255)


def to_uint8(image) -> np.ndarray:
    """Convert a float image in [0, 1] back to uint8, rounding and clipping.

    Examples
    --------
    >>> to_uint8(np.array([0.0, 0.5, 1.2]))
    array([  0, 128, 255], dtype=uint8)
    """
    data = as_array(image, "image", kinds="f", finite=True)
    return np.clip(np.rint(data * 255), 0, 255).astype(np.uint8)


def random_crops(image, n: int, size: int, seed=None) -> np.ndarray:
    """``n`` random square crops of side ``size`` from ``image``: a small dataset.

    Examples
    --------
    >>> random_crops(load_sample(), 4, 32, seed=0).shape
    (4, 32, 32, 3)
    """
    data = as_array(image, "image", ndim=3)
    height, width = data.shape[:2]
    if not 1 <= size <= min(height, width):
        raise ValueError(f"size must be in 1..{min(height, width)}, got {size}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = as_rng(seed)
    rows = rng.integers(0, height - size + 1, n)
    cols = rng.integers(0, width - size + 1, n)
    return np.stack([data[r:r + size, c:c + size] for r, c in zip(rows, cols)]
                    ) if n else np.zeros((0, size, size, data.shape[2]), data.dtype)
