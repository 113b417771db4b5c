"""Colour augmentation: brightness, contrast and saturation jitter, and AlexNet's PCA lighting.

The pure kernels take a float RGB image in ``[0, 1]`` (``(H, W, 3)``) and one number each,
with torchvision's formulas (``torchvision.transforms.v2.functional.adjust_*``):

- :func:`adjust_brightness`: ``x * factor``;
- :func:`adjust_contrast`: blend with the mean of the image's grey level,
  ``factor * x + (1 - factor) * mean(grey)``;
- :func:`adjust_saturation`: blend with the grey image, ``factor * x + (1 - factor) * grey``,
  grey = 0.2989 R + 0.587 G + 0.114 B (ITU-R 601, as torchvision);

each clipped to ``[0, 1]``. :func:`sample_color_jitter` draws the factors as
``ColorJitter(brightness=b, contrast=c, saturation=s)`` does (uniform in
``[max(0, 1 - b), 1 + b]``, in a random order) and :func:`color_jitter` applies them.

**PCA lighting** (Krizhevsky, Sutskever and Hinton, *ImageNet Classification with Deep
Convolutional Neural Networks*, 2012, section 4.1): find the principal components of the
RGB values of the training pixels (:func:`fit_pca_lighting`), then add to every pixel of an
image ``eigenvectors @ (alphas * eigenvalues)``, one ``alphas ~ N(0, 0.1)`` draw per image
(:func:`pca_lighting`): the colour of the light changes along the directions in which
natural colours vary most.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_rng

__all__ = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "sample_color_jitter",
           "color_jitter", "fit_pca_lighting", "pca_lighting"]

_GREY = np.array([0.2989, 0.587, 0.114])


def _rgb(image) -> np.ndarray:
    data = as_array(image, "image", ndim=3, kinds="f", finite=True)
    if data.shape[-1] != 3:
        raise ValueError(f"image must be (H, W, 3) RGB, got shape {data.shape}")
    return data.astype(np.float64)


def _factor(factor, name: str) -> float:
    value = float(factor)
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {factor!r}")
    return value


def adjust_brightness(image, factor: float) -> np.ndarray:
    """Multiply every value by ``factor`` (0 black, 1 unchanged), clipped to [0, 1].

    Examples
    --------
    >>> adjust_brightness(np.full((1, 1, 3), 0.4), 1.5).ravel().round(3).tolist()
    [0.6, 0.6, 0.6]
    """
    return np.clip(_rgb(image) * _factor(factor, "factor"), 0, 1)


def adjust_contrast(image, factor: float) -> np.ndarray:
    """Blend with the image's mean grey level (0: flat grey, 1 unchanged), clipped.

    Examples
    --------
    >>> image = np.array([[[0.2, 0.2, 0.2], [0.6, 0.6, 0.6]]])
    >>> adjust_contrast(image, 0.5).round(3)[0, :, 0].tolist()
    [0.3, 0.5]
    """
    data = _rgb(image)
    mean = float((data @ _GREY).mean())
    value = _factor(factor, "factor")
    return np.clip(value * data + (1 - value) * mean, 0, 1)


def adjust_saturation(image, factor: float) -> np.ndarray:
    """Blend with the grey version of the image (0: grey, 1 unchanged, 2 more vivid), clipped.

    Examples
    --------
    >>> adjust_saturation(np.array([[[1.0, 0.0, 0.0]]]), 0.0).round(4).ravel().tolist()
    [0.2989, 0.2989, 0.2989]
    """
    data = _rgb(image)
    value = _factor(factor, "factor")
    return np.clip(value * data + (1 - value) * (data @ _GREY)[..., None], 0, 1)


_ADJUST = {"brightness": adjust_brightness, "contrast": adjust_contrast,
           "saturation": adjust_saturation}


def sample_color_jitter(rng=None, *, brightness: float = 0.0, contrast: float = 0.0,
                        saturation: float = 0.0) -> dict:
    """Draw the factors and order of one ``ColorJitter(brightness, contrast, saturation)``.

    Returns
    -------
    dict
        ``{"order": [names...], "brightness": f, "contrast": f, "saturation": f}``; a
        strength of 0 gives the factor 1.

    Examples
    --------
    >>> params = sample_color_jitter(0, brightness=0.4)
    >>> 0.6 <= params["brightness"] <= 1.4, params["contrast"]
    (True, 1.0)
    """
    generator = as_rng(rng)
    params: dict = {"order": [str(n) for n in generator.permutation(list(_ADJUST))]}
    for name, strength in [("brightness", brightness), ("contrast", contrast),
                           ("saturation", saturation)]:
        strength = _factor(strength, name)
        params[name] = (float(generator.uniform(max(0.0, 1 - strength), 1 + strength))
                        if strength else 1.0)
    return params


def color_jitter(image, params: dict) -> np.ndarray:
    """Apply the adjustments of :func:`sample_color_jitter` in their order.

    Examples
    --------
    >>> image = np.full((2, 2, 3), 0.5)
    >>> params = {"order": ["contrast", "brightness"], "contrast": 0.0, "brightness": 2.0}
    >>> color_jitter(image, params).round(4).ravel()[:3].tolist()   # flat grey, then doubled
    [0.9999, 0.9999, 0.9999]
    """
    out = _rgb(image)
    for name in params["order"]:
        if name not in _ADJUST:
            raise ValueError(f"params['order'] holds {name!r}; expected names of {list(_ADJUST)}")
        out = _ADJUST[name](out, params.get(name, 1.0))
    return out


def fit_pca_lighting(images) -> tuple[np.ndarray, np.ndarray]:
    """The principal components of the RGB values of ``images`` (any shape ending in 3).

    Returns
    -------
    eigenvalues : (3,) ndarray
        Variances along the components, largest first.
    eigenvectors : (3, 3) ndarray
        The components as columns.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> grey = np.repeat(rng.random((100, 1)), 3, axis=1)   # colours vary only in brightness
    >>> values, vectors = fit_pca_lighting(grey)
    >>> np.abs(vectors[:, 0]).round(3).tolist(), bool(values[1] < 1e-12)
    ([0.577, 0.577, 0.577], True)
    """
    data = as_array(images, "images", kinds="biuf", finite=True)
    if data.shape[-1] != 3:
        raise ValueError(f"images must end in 3 RGB channels, got shape {data.shape}")
    pixels = data.reshape(-1, 3).astype(np.float64)
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    return values[::-1].clip(0), vectors[:, ::-1]


def pca_lighting(image, eigenvalues, eigenvectors, alphas) -> np.ndarray:
    """Add ``eigenvectors @ (alphas * eigenvalues)`` to every pixel, clipped to [0, 1].

    ``alphas`` is one draw per image of three ``N(0, 0.1)`` numbers (AlexNet's recipe).

    Examples
    --------
    >>> out = pca_lighting(np.full((1, 2, 3), 0.5), [0.1, 0, 0], np.eye(3), [1.0, 0, 0])
    >>> out[0, 0].tolist()
    [0.6, 0.5, 0.5]
    """
    data = _rgb(image)
    shift = np.asarray(eigenvectors, float) @ (np.asarray(alphas, float)
                                               * np.asarray(eigenvalues, float))
    return np.clip(data + shift, 0, 1)
