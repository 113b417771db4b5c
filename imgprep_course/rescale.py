"""Rescaling pixel values: mean subtraction, standardization, min-max, whitening.

Every function takes the statistics' axes explicitly. For a batch of images shaped
``(N, H, W, C)`` the usual choices are:

================================  ===========================  ==========================
what                              statistics over               ``axis``
================================  ===========================  ==========================
sample-wise, global               each image, all its values    ``(1, 2, 3)``
sample-wise, per channel          each image, each channel      ``(1, 2)``
feature-wise, global              the whole batch               ``None``
feature-wise, per channel         the batch, each channel       ``(0, 1, 2)``
================================  ===========================  ==========================

Feature-wise statistics belong to the *training* set: compute them once with
:func:`dataset_stats` (one streaming pass) and apply them to every split with
:func:`normalize`. Results are float32 unless ``dtype`` says otherwise; an integer
``dtype`` is refused, because centred values are negative and would wrap around.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from imgprep_course._validation import as_array

#: ImageNet's per-channel mean and standard deviation (RGB, pixel values scaled to [0, 1]),
#: as used by torchvision's pretrained models and ``keras.applications`` in "torch" mode.
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])

Axis = int | tuple[int, ...] | None


def subtract_mean(x, axis: Axis = None, *, dtype=np.float32) -> np.ndarray:
    """Subtract the mean taken over ``axis``.

    Parameters
    ----------
    x : array_like
        Images, e.g. ``(H, W, C)`` or ``(N, H, W, C)``; any integer or float dtype.
    axis : int or tuple of int, optional
        Axes the mean is taken over; ``None`` means all of them.
    dtype : float dtype
        Result dtype.

    Returns
    -------
    ndarray
        ``x - mean``, with the mean of every slice along ``axis`` equal to zero.

    Examples
    --------
    >>> subtract_mean(np.array([[0, 2], [4, 6]], dtype=np.uint8), axis=1)
    array([[-1.,  1.],
           [-1.,  1.]], dtype=float32)
    """
    dtype = _float_dtype(dtype)
    data = _as_data(x, "x")
    axes = _normalize_axis(axis, data.ndim)
    return (data - data.mean(axis=axes, keepdims=True)).astype(dtype)


def standardize(x, axis: Axis = None, *, eps: float = 0.0, dtype=np.float32) -> np.ndarray:
    """Scale to zero mean and unit standard deviation over ``axis``.

    Computes ``(x - mean) / (std + eps)`` with ``mean`` and ``std`` (population standard
    deviation, ``ddof=0``) taken over ``axis``. Keras' ``samplewise_std_normalization``
    uses ``eps=1e-6``.

    Parameters
    ----------
    x : array_like
        Images; any integer or float dtype.
    axis : int or tuple of int, optional
        Axes the statistics are taken over; ``None`` means all of them.
    eps : float
        Added to the standard deviation. With the default 0, a slice with zero variance
        (a constant image or channel) raises ``ValueError`` instead of giving NaN.
    dtype : float dtype
        Result dtype.

    Examples
    --------
    >>> z = standardize(np.array([[1.0, 3.0], [10.0, 30.0]]), axis=1)
    >>> z
    array([[-1.,  1.],
           [-1.,  1.]], dtype=float32)
    >>> standardize(np.ones((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: x has zero variance over axis None (a constant image or channel); pass eps > 0 (Keras uses 1e-6) to allow it
    """
    dtype = _float_dtype(dtype)
    eps = _check_eps(eps)
    data = _as_data(x, "x")
    axes = _normalize_axis(axis, data.ndim)
    mean = data.mean(axis=axes, keepdims=True)
    std = data.std(axis=axes, keepdims=True)
    if eps == 0 and (std == 0).any():
        raise ValueError(f"x has zero variance over axis {axis} (a constant image or "
                         "channel); pass eps > 0 (Keras uses 1e-6) to allow it")
    return ((data - mean) / (std + eps)).astype(dtype)


def normalize(x, mean, std, *, eps: float = 0.0, dtype=np.float32) -> np.ndarray:
    """Apply given statistics: ``(x - mean) / (std + eps)``.

    ``mean`` and ``std`` broadcast against ``x`` from the right, so per-channel statistics
    of shape ``(C,)`` work on ``(H, W, C)`` and ``(N, H, W, C)`` alike. Use it with the
    statistics of the training set (:func:`dataset_stats`) or with
    :data:`IMAGENET_MEAN` / :data:`IMAGENET_STD` on images scaled to [0, 1].
    Min-max scaling to [0, 1] is ``normalize(x, lo, hi - lo)``.

    Examples
    --------
    >>> normalize(np.array([[0.485, 0.456, 0.406]]), IMAGENET_MEAN, IMAGENET_STD)
    array([[0., 0., 0.]], dtype=float32)
    """
    dtype = _float_dtype(dtype)
    eps = _check_eps(eps)
    data = _as_data(x, "x")
    mean, std = _as_stats(mean, std, data)
    if eps == 0 and (std == 0).any():
        raise ValueError("std contains zeros; pass eps > 0 to allow a zero-variance channel")
    return ((data - mean) / (std + eps)).astype(dtype)


def denormalize(y, mean, std, *, eps: float = 0.0, dtype=np.float32) -> np.ndarray:
    """Undo :func:`normalize`: ``y * (std + eps) + mean``.

    Use it to display a normalized image: ``denormalize(y, mean, std)`` gives back the
    pixel values (clip to the display range yourself).

    Examples
    --------
    >>> x = np.array([[0.2, 0.5, 0.9]])
    >>> y = normalize(x, IMAGENET_MEAN, IMAGENET_STD)
    >>> np.allclose(denormalize(y, IMAGENET_MEAN, IMAGENET_STD), x)
    True
    """
    dtype = _float_dtype(dtype)
    eps = _check_eps(eps)
    data = _as_data(y, "y")
    mean, std = _as_stats(mean, std, data)
    return (data * (std + eps) + mean).astype(dtype)


def min_max(x, axis: Axis = None, *, dtype=np.float32) -> np.ndarray:
    """Scale to [0, 1] with the minimum and maximum over ``axis``.

    Examples
    --------
    >>> min_max(np.array([10, 20, 30], dtype=np.uint8))
    array([0. , 0.5, 1. ], dtype=float32)
    """
    dtype = _float_dtype(dtype)
    data = _as_data(x, "x")
    axes = _normalize_axis(axis, data.ndim)
    lo = data.min(axis=axes, keepdims=True)
    span = data.max(axis=axes, keepdims=True) - lo
    if (span == 0).any():
        raise ValueError(f"x is constant over axis {axis}: min-max scaling would divide by 0")
    return ((data - lo) / span).astype(dtype)


def dataset_stats(batches: Iterable, per_channel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of a dataset in one pass over its batches.

    Memory stays O(one batch): each batch's mean and sum of squared deviations are
    computed in float64 about the batch's own mean, then merged with the running totals
    (Chan, Golub and LeVeque's pairwise update). That stays exact where a naive float32
    sum of ``x`` and ``x**2`` loses every digit (large offset, small spread).

    Parameters
    ----------
    batches : iterable of array_like
        Batches shaped ``(N, H, W, C)`` (N may differ between batches), e.g. a generator
        that reads files.
    per_channel : bool
        ``True``: statistics per channel, arrays of shape ``(C,)``.
        ``False``: one mean and one std over everything, arrays of shape ``()``.

    Returns
    -------
    mean, std : ndarray of float64
        Population statistics (``ddof=0``), as ``x.mean(axis)`` and ``x.std(axis)`` of the
        whole dataset would give.

    Examples
    --------
    >>> data = np.arange(2 * 2 * 2 * 3, dtype=np.float32).reshape(2, 2, 2, 3)
    >>> mean, std = dataset_stats([data[:1], data[1:]])
    >>> np.allclose(mean, data.mean(axis=(0, 1, 2))), np.allclose(std, data.std(axis=(0, 1, 2)))
    (True, True)
    """
    count = 0
    mean = m2 = None
    channels = None
    for index, batch in enumerate(batches):
        data = as_array(batch, f"batches[{index}]", ndim=4, kinds="biuf", finite=True)
        if channels is None:
            channels = data.shape[-1]
        elif data.shape[-1] != channels:
            raise ValueError(f"batches[{index}] has {data.shape[-1]} channels, the first "
                             f"batch had {channels}")
        axes = (0, 1, 2) if per_channel else None
        n = data.size // channels if per_channel else data.size
        batch_mean = data.mean(axis=axes, dtype=np.float64)
        batch_m2 = np.square(data - batch_mean, dtype=np.float64).sum(axis=axes)
        if mean is None:
            count, mean, m2 = n, batch_mean, batch_m2
        else:
            total = count + n
            delta = batch_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + batch_m2 + delta ** 2 * (count * n / total)
            count = total
    if mean is None:
        raise ValueError("batches is empty: no data to compute statistics from")
    return np.asarray(mean, dtype=np.float64), np.sqrt(np.asarray(m2) / count)


@dataclass(frozen=True)
class Whitening:
    """A fitted PCA or ZCA whitening transform (see :func:`fit_whitening`).

    Attributes
    ----------
    method : {"pca", "zca"}
    mean : ndarray, shape (D,)
        The per-feature mean subtracted first (zeros when fitted with ``center=False``).
    components : ndarray, shape (D, k)
        Principal directions (eigenvectors of the covariance), strongest first.
    scale : ndarray, shape (k,)
        ``1 / (sqrt(eigenvalue) + eps / sqrt(n))`` for each direction.
    shape : tuple
        The shape of one sample, restored by :meth:`transform` for ZCA.
    """

    method: str
    mean: np.ndarray
    components: np.ndarray
    scale: np.ndarray
    shape: tuple

    @property
    def matrix(self) -> np.ndarray:
        """The ``(D, k)`` matrix that whitens centred, flattened samples (``(D, D)`` for ZCA)."""
        pca = self.components * self.scale
        return pca @ self.components.T if self.method == "zca" else pca

    def transform(self, x, *, dtype=np.float32) -> np.ndarray:
        """Whiten samples shaped like the training samples, ``(N, *shape)``.

        ZCA returns images of the input's shape; PCA returns ``(N, k)`` coordinates.
        """
        dtype = _float_dtype(dtype)
        flat = self._flatten(x, "x")
        white = ((flat - self.mean) @ self.components) * self.scale
        if self.method == "pca":
            return white.astype(dtype)
        return (white @ self.components.T).reshape((-1, *self.shape)).astype(dtype)

    def inverse_transform(self, y, *, dtype=np.float32) -> np.ndarray:
        """Undo :meth:`transform` (exact when no direction was dropped)."""
        dtype = _float_dtype(dtype)
        data = _as_data(y, "y")
        flat = data.reshape(len(data), -1)
        if self.method == "zca":
            flat = flat @ self.components
        if flat.shape[1] != self.scale.size:
            raise ValueError(f"y has {flat.shape[1]} features per sample, expected "
                             f"{self.scale.size}")
        restored = (flat / self.scale) @ self.components.T + self.mean
        return restored.reshape((-1, *self.shape)).astype(dtype)

    def _flatten(self, x, name: str) -> np.ndarray:
        data = _as_data(x, name)
        if data.shape[1:] != self.shape:
            raise ValueError(f"{name} must have samples of shape {self.shape}, got "
                             f"{data.shape[1:]}")
        return data.reshape(len(data), -1)


def fit_whitening(x, method: str = "zca", *, eps: float = 1e-6, center: bool = True,
                  n_components: int | None = None) -> Whitening:
    """Fit PCA or ZCA whitening on training samples ``x`` shaped ``(N, ...)``.

    Whitening decorrelates the features (pixels x channels): after it, the covariance of
    the training data is (close to) the identity. Standardization only rescales each
    feature on its own and leaves correlations between neighbouring pixels in place.

    The transform follows Keras' ``ImageDataGenerator(zca_whitening=True)``: the SVD of
    the centred data gives directions ``U`` and singular values ``s``; each direction is
    scaled by ``sqrt(N) / (s + eps)``, i.e. ``1 / (sqrt(eigenvalue) + eps / sqrt(N))``.
    PCA whitening stops in the eigenbasis; ZCA rotates back, so its output still looks
    like an image (edges enhanced).

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Training samples.
    method : {"zca", "pca"}
    eps : float
        Regularisation, > 0 (directions with tiny variance would otherwise explode).
    center : bool
        Subtract the per-feature mean first (``False`` when ``x`` is already centred,
        as Keras' generator does after its feature-wise centring).
    n_components : int, optional
        Keep only the strongest directions (PCA only; ZCA keeps all).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 2)) @ np.array([[2.0, 1.5], [0.0, 0.5]])
    >>> white = fit_whitening(x, "zca").transform(x)
    >>> bool(np.allclose(np.cov(white.T, bias=True), np.eye(2), atol=1e-4))
    True
    """
    if method not in ("zca", "pca"):
        raise ValueError(f"method must be 'zca' or 'pca', got {method!r}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0 for whitening, got {eps!r}")
    data = _as_data(x, "x")
    if data.ndim < 2 or len(data) < 2:
        raise ValueError(f"x must hold at least 2 samples shaped (N, ...), got shape "
                         f"{data.shape}")
    flat = data.reshape(len(data), -1).astype(np.float64)
    mean = flat.mean(axis=0) if center else np.zeros(flat.shape[1])
    u, s, _ = np.linalg.svd((flat - mean).T, full_matrices=False)
    if n_components is not None:
        if method == "zca":
            raise ValueError("n_components applies to PCA whitening only")
        if not 1 <= n_components <= s.size:
            raise ValueError(f"n_components must be in 1..{s.size}, got {n_components}")
        u, s = u[:, :n_components], s[:n_components]
    scale = np.sqrt(len(flat)) / (s + eps)
    return Whitening(method, mean, u, scale, data.shape[1:])


def _as_data(x, name: str) -> np.ndarray:
    """Validate image data and return it as float64 (a new array)."""
    return as_array(x, name, kinds="biuf", finite=True).astype(np.float64)


def _as_stats(mean, std, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = _as_data(mean, "mean")
    std = _as_data(std, "std")
    for name, stat in (("mean", mean), ("std", std)):
        try:
            np.broadcast_shapes(stat.shape, data.shape)
        except ValueError:
            raise ValueError(f"{name} of shape {stat.shape} does not broadcast against "
                             f"data of shape {data.shape}") from None
    if (std < 0).any():
        raise ValueError("std must not be negative")
    return mean, std


def _normalize_axis(axis: Axis, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"axis {axis!r} is out of range for data with {ndim} dimensions")
    return tuple(int(a) % ndim for a in axes)


def _float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a float type, got {dtype}: centred and scaled "
                        "values are fractional and negative, and would wrap around in "
                        "an integer type")
    return dtype


def _check_eps(eps: float) -> float:
    if not (isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return float(eps)
