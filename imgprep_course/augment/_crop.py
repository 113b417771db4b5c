"""Resizing and cropping: the steps that give every image the network's input size.

- :func:`resize` to a given ``(height, width)``, bilinear, with or without **antialiasing**:
  when shrinking, plain bilinear sampling reads 4 pixels per output pixel and skips the
  rest, so fine patterns alias (stripes become coarse false stripes, moiré);
  ``antialias=True`` widens the triangle filter by the shrink factor, so every input pixel
  contributes: the weights of Pillow's ``Image.resize(..., Image.BILINEAR)``.
- :func:`center_crop`: the deterministic crop of evaluation (torchvision's
  ``CenterCrop``; ImageNet evaluation resizes the short side to 256, then crops 224).
- :func:`random_resized_crop_params` and :func:`resized_crop`: training's random crop of a
  random area and aspect ratio, resized to the output size (torchvision's
  ``RandomResizedCrop``, the Inception recipe of Szegedy et al., 2015).

Everything works on ``(H, W)`` or ``(H, W, C)`` arrays and returns float64 (resizing
interpolates), except the crops, which return copies in the input's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from imgprep_course._validation import as_array, as_rng

__all__ = ["resize", "center_crop", "random_resized_crop_params", "resized_crop"]


def _image(image) -> np.ndarray:
    data = as_array(image, "image", ndim=(2, 3))
    if 0 in data.shape[:2]:
        raise ValueError(f"image must have at least one row and column, got shape {data.shape}")
    return data


def _size(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or a pair (height, width), got {size!r}") from None
    if height < 1 or width < 1 or (height, width) != tuple(size):
        raise ValueError(f"{name} must be positive integers, got {size!r}")
    return height, width


def _weights(n_in: int, n_out: int, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix of bilinear (triangle-filter) weights along one axis."""
    scale = n_in / n_out
    centres = (np.arange(n_out) + 0.5) * scale           # output pixel centres, input units
    if antialias and scale > 1:
        # the triangle widened by the shrink factor, truncated at the edges and normalised
        positions = np.arange(n_in) + 0.5
        weights = np.maximum(0.0, 1 - np.abs(positions[None, :] - centres[:, None]) / scale)
        return weights / weights.sum(axis=1, keepdims=True)
    # plain bilinear: the two nearest pixels, clamped to the image (edge pixels repeat)
    weights = np.zeros((n_out, n_in))
    x = np.clip(centres - 0.5, 0, n_in - 1)
    left = np.floor(x).astype(int)
    right = np.minimum(left + 1, n_in - 1)
    rows = np.arange(n_out)
    np.add.at(weights, (rows, left), 1 - (x - left))
    np.add.at(weights, (rows, right), x - left)
    return weights


def resize(image, size, *, antialias: bool = True) -> np.ndarray:
    """Resize ``image`` to ``size = (height, width)``, bilinear.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    size : int or (int, int)
        The output's height and width (an int: a square).
    antialias : bool
        When shrinking, average over every input pixel under the widened filter (as Pillow
        and torchvision's ``antialias=True``); ``False`` samples 4 pixels per output pixel
        (OpenCV's ``INTER_LINEAR``), which aliases fine patterns.

    Returns
    -------
    ndarray of float64, shape ``(height, width[, C])``

    Examples
    --------
    >>> stripes = np.tile([0.0, 1.0], (4, 4))              # 4 x 8, one-pixel stripes
    >>> resize(stripes, (4, 3)).round(2)[0].tolist()       # averaged: about grey
    [0.47, 0.5, 0.53]
    >>> resize(stripes, (4, 3), antialias=False).round(2)[0].tolist()   # a false gradient
    [0.83, 0.5, 0.17]
    """
    data = _image(image).astype(np.float64)
    height, width = _size(size)
    rows = _weights(data.shape[0], height, antialias)
    cols = _weights(data.shape[1], width, antialias)
    out = np.tensordot(rows, data, axes=(1, 0))           # rows first: (height, W[, C])
    return np.moveaxis(np.tensordot(cols, out, axes=(1, 1)), 0, 1)   # then columns


def center_crop(image, size) -> np.ndarray:
    """The central ``size = (height, width)`` part of ``image`` (a copy).

    Where the margin is odd, the extra row or column is left at the bottom or right, as
    torchvision's ``CenterCrop`` (which rounds the top-left corner to the nearest integer).

    Raises
    ------
    ValueError
        When the crop is larger than the image.

    Examples
    --------
    >>> center_crop(np.arange(20).reshape(4, 5), (2, 3)).tolist()
    [[6, 7, 8], [11, 12, 13]]
    """
    data = _image(image)
    height, width = _size(size)
    if height > data.shape[0] or width > data.shape[1]:
        raise ValueError(f"size {(height, width)} is larger than the image {data.shape[:2]}")
    top = int(round((data.shape[0] - height) / 2))
    left = int(round((data.shape[1] - width) / 2))
    return data[top:top + height, left:left + width].copy()


def random_resized_crop_params(shape, rng=None, *, scale=(0.08, 1.0),
                               ratio=(3 / 4, 4 / 3)) -> tuple[int, int, int, int]:
    """Draw a crop ``(top, left, height, width)`` as torchvision's ``RandomResizedCrop``.

    Up to 10 times: an area uniform in ``scale`` times the image's area, an aspect ratio
    (width / height) log-uniform in ``ratio``; the first crop that fits is placed uniformly.
    If none fits, the central crop of the whole image with the ratio clamped to ``ratio``.

    Parameters
    ----------
    shape : tuple
        The image's shape; its first two numbers are the height and width.
    rng : None, int or numpy.random.Generator
        The randomness.
    scale, ratio : (float, float)
        Ranges of the crop's area (fraction of the image's) and aspect ratio.

    Examples
    --------
    >>> top, left, height, width = random_resized_crop_params((100, 200), rng=0)
    >>> 0 <= top <= 100 - height and 0 <= left <= 200 - width
    True
    """
    image_height, image_width = _size(tuple(shape)[:2], "shape")
    low_scale, high_scale = (float(v) for v in scale)
    low_ratio, high_ratio = (float(v) for v in ratio)
    if not 0 < low_scale <= high_scale:
        raise ValueError(f"scale must be (low, high) with 0 < low <= high, got {scale!r}")
    if not 0 < low_ratio <= high_ratio:
        raise ValueError(f"ratio must be (low, high) with 0 < low <= high, got {ratio!r}")
    generator = as_rng(rng)
    area = image_height * image_width
    for _ in range(10):
        target = area * generator.uniform(low_scale, high_scale)
        aspect = math.exp(generator.uniform(math.log(low_ratio), math.log(high_ratio)))
        width = int(round(math.sqrt(target * aspect)))
        height = int(round(math.sqrt(target / aspect)))
        if 0 < width <= image_width and 0 < height <= image_height:
            top = int(generator.integers(0, image_height - height + 1))
            left = int(generator.integers(0, image_width - width + 1))
            return top, left, height, width
    aspect = image_width / image_height
    if aspect < low_ratio:
        width, height = image_width, int(round(image_width / low_ratio))
    elif aspect > high_ratio:
        height, width = image_height, int(round(image_height * high_ratio))
    else:
        height, width = image_height, image_width
    return (image_height - height) // 2, (image_width - width) // 2, height, width


def resized_crop(image, crop, size, *, antialias: bool = True) -> np.ndarray:
    """Cut ``crop = (top, left, height, width)`` out of ``image`` and resize it to ``size``.

    Examples
    --------
    >>> resized_crop(np.ones((10, 10)), (2, 3, 4, 4), (2, 2)).round(6).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    data = _image(image)
    top, left, height, width = (int(v) for v in crop)
    if top < 0 or left < 0 or height < 1 or width < 1 or top + height > data.shape[0] \
            or left + width > data.shape[1]:
        raise ValueError(f"crop {tuple(crop)} does not fit in the image {data.shape[:2]}")
    return resize(data[top:top + height, left:left + width], size, antialias=antialias)
