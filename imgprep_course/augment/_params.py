"""Random augmentation parameters: the ranges, and one draw of a transform from them."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

#: The parameters of "no augmentation": what :meth:`TransformRanges.sample` returns for an
#: image that is left as it is.
IDENTITY = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1,
            "flip_horizontal": False, "flip_vertical": False,
            "channel_shift_intensity": None, "brightness": None}


@dataclass(frozen=True)
class TransformRanges:
    """The ranges random transforms are drawn from, with Keras' names and meanings.

    Parameters
    ----------
    rotation_range : float
        Degrees; ``theta`` is uniform in ``[-rotation_range, rotation_range]``.
    width_shift_range, height_shift_range : float, int or sequence of numbers
        Horizontal and vertical shift. A float is a range: uniform in ``[-r, r]``, as a
        fraction of the width (height) when ``r < 1``, else in pixels. An int ``n`` gives
        whole pixels ``k · s`` with ``k`` uniform in ``0 .. n-1`` and a random sign ``s``.
        A sequence gives one of its elements times a random sign, as Keras does (so
        ``[-1, 0, 1]`` gives -1, 0 or 1 pixel and ``[-2, 2]`` gives -2 or 2); its elements
        are fractions of the size when the largest is below 1. Keras applies ``width_shift_range`` vertically (and vice versa); here
        the width range shifts horizontally.
    shear_range : float
        Degrees; uniform in ``[-shear_range, shear_range]``.
    zoom_range : float or (float, float)
        ``z`` means ``[1 - z, 1 + z]``; ``zx`` and ``zy`` are two independent draws.
        Factors below 1 zoom in.
    channel_shift_range : float
        One intensity, uniform in ``[-r, r]``, added to every channel; the result is
        clipped to the image's range.
    brightness_range : (float, float), optional
        A brightness factor uniform in this range.
    horizontal_flip, vertical_flip : bool
        Flip with probability 1/2.
    augment_probability : float
        Probability that an image is augmented at all; the others pass unchanged. With
        0.5, a batch mixes originals and modified images half and half. Not in Keras
        (which always augments, i.e. 1.0).

    Examples
    --------
    >>> ranges = TransformRanges(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    >>> ranges.zoom_range
    (0.8, 1.2)
    >>> params = ranges.sample((224, 224, 3), np.random.default_rng(0))
    >>> sorted(params)[:4]
    ['brightness', 'channel_shift_intensity', 'flip_horizontal', 'flip_vertical']
    >>> bool(abs(params["theta"]) <= 30)
    True
    """

    rotation_range: float = 0.0
    width_shift_range: float | int | tuple = 0.0
    height_shift_range: float | int | tuple = 0.0
    shear_range: float = 0.0
    zoom_range: float | tuple = 0.0
    channel_shift_range: float = 0.0
    brightness_range: tuple | None = None
    horizontal_flip: bool = False
    vertical_flip: bool = False
    augment_probability: float = 1.0

    def __post_init__(self):
        for name in ("rotation_range", "shear_range", "channel_shift_range"):
            _check_nonnegative(getattr(self, name), name)
        for name in ("width_shift_range", "height_shift_range"):
            object.__setattr__(self, name, _as_shift_range(getattr(self, name), name))
        object.__setattr__(self, "zoom_range", _as_zoom_range(self.zoom_range))
        if self.brightness_range is not None:
            object.__setattr__(self, "brightness_range",
                               _as_pair(self.brightness_range, "brightness_range", low=0))
        p = self.augment_probability
        if not (isinstance(p, Real) and 0 <= p <= 1):
            raise ValueError(f"augment_probability must be in [0, 1], got {p!r}")

    def sample(self, shape, rng: np.random.Generator) -> dict:
        """Draw one transform for an image of ``shape = (height, width, ...)``.

        The draws come in Keras' order (rotation, height shift, width shift, shear, the
        two zooms, both flip coins, channel shift, brightness), each skipped when its range
        is 0 as in Keras, so a Generator in the same state as Keras' global RNG gives the
        same numbers for float ranges. With ``augment_probability < 1`` one extra draw
        comes first.

        Returns
        -------
        dict
            Keras' keys: ``theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
            channel_shift_intensity, brightness``, ready for ``apply_transform``. ``tx`` is
            the horizontal shift (x, pixels), ``ty`` the vertical one.
        """
        if self.augment_probability < 1 and not rng.random() < self.augment_probability:
            return dict(IDENTITY)
        theta = rng.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        ty = _draw_shift(self.height_shift_range, shape[0], rng)
        tx = _draw_shift(self.width_shift_range, shape[1], rng)
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range == (1, 1):
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = bool(rng.random() < 0.5) and self.horizontal_flip
        flip_vertical = bool(rng.random() < 0.5) and self.vertical_flip
        channel_shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range) \
            if self.channel_shift_range else None
        brightness = rng.uniform(*self.brightness_range) \
            if self.brightness_range is not None else None
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}


def _draw_shift(shift_range, size: int, rng: np.random.Generator):
    """One shift in pixels, with Keras' meaning of float / int / sequence ranges."""
    if isinstance(shift_range, tuple):
        shift = rng.choice(shift_range) * rng.choice([-1, 1])
    elif isinstance(shift_range, Integral):
        if shift_range == 0:
            return 0
        shift = int(rng.integers(shift_range)) * int(rng.choice([-1, 1]))
    elif shift_range == 0:
        return 0
    else:
        shift = rng.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        shift *= size
    return shift


def _check_nonnegative(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) \
            or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _as_shift_range(value, name: str):
    if isinstance(value, (list, tuple, np.ndarray)):
        values = tuple(np.asarray(value).tolist())
        if not values:
            raise ValueError(f"{name} must not be an empty sequence")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v):
                raise ValueError(f"every element of {name} must be a finite number, got "
                                 f"{value!r}")
        return values
    _check_nonnegative(value, name)
    return value


def _as_zoom_range(value) -> tuple[float, float]:
    if isinstance(value, Real) and not isinstance(value, bool):
        _check_nonnegative(value, "zoom_range")
        if value >= 1:
            raise ValueError(f"zoom_range z means [1 - z, 1 + z] and must be < 1, got {value}")
        return (1 - value, 1 + value)
    return _as_pair(value, "zoom_range", low=0, strict=True)


def _as_pair(value, name: str, *, low: float, strict: bool = False) -> tuple[float, float]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {value!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v) \
                or v < low or (strict and v == low):
            relation = ">" if strict else ">="
            raise ValueError(f"{name} values must be finite and {relation} {low}, got {value!r}")
    if lo > hi:
        raise ValueError(f"{name} must be (low, high) with low <= high, got {value!r}")
    return (lo, hi)
