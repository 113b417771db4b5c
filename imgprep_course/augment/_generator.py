"""``ImageGenerator``: Keras' ``ImageDataGenerator``, exact, box-aware and fast."""

from __future__ import annotations

from typing import Callable

import numpy as np

from imgprep_course import rescale
from imgprep_course._validation import as_array, as_rng
from imgprep_course.augment._affine import _as_box_table, transform_boxes
from imgprep_course.augment._iterators import DirectoryIterator, NumpyArrayIterator
from imgprep_course.augment._matrices import affine_matrix
from imgprep_course.augment._params import IDENTITY, TransformRanges
from imgprep_course.augment._warp import (check_fill_mode, check_order, warp_batch,
                                          warp_labels)

#: Keras' epsilon in ``x / (std + 1e-6)`` for sample-wise and feature-wise normalization.
STD_EPSILON = 1e-6


class ImageGenerator:
    """Random augmentation and standardization of images, with Keras' parameters.

    The constructor takes the parameters of Keras' ``ImageDataGenerator`` with the same
    names, defaults and meanings (channels-last images). What differs, on purpose:
    ``width_shift_range`` shifts horizontally (Keras shifts vertically with it),
    rotations are about the true centre of non-square images, ``wrap`` is a true
    period-n wrap, randomness comes from a ``numpy.random.Generator`` (``seed``) instead
    of numpy's global state, no method modifies its input, and an unfitted feature-wise
    option raises instead of warning. Beyond Keras: boxes and masks move with the images
    (:meth:`apply_transform`, :meth:`flow`), and ``augment_probability`` mixes originals
    and augmented images in a batch. Left out: ``data_format`` (channels last only),
    ``validation_split`` and ``subset``, ``save_to_dir``, ``flow_from_dataframe``, and
    ``keep_aspect_ratio`` of ``flow_from_directory``.

    Parameters
    ----------
    featurewise_center, featurewise_std_normalization : bool
        Subtract the training set's per-channel mean / divide by its std (+1e-6); needs
        :meth:`fit`. The std option turns the centring on.
    samplewise_center, samplewise_std_normalization : bool
        The same with each image's own mean and std over all its values.
    zca_whitening : bool
        ZCA whitening fitted by :meth:`fit` (turns featurewise centring on, and
        featurewise std normalization off, as in Keras).
    zca_epsilon : float
        Regularisation of the whitening.
    rotation_range, width_shift_range, height_shift_range, shear_range, zoom_range,
    channel_shift_range, brightness_range, horizontal_flip, vertical_flip
        The random ranges; see :class:`~imgprep_course.augment.TransformRanges`.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        How pixels from outside the image are filled.
    cval : float
        Fill value for ``"constant"``.
    rescale : float, optional
        Multiply every image by this (e.g. ``1/255``), after augmentation.
    preprocessing_function : callable, optional
        Called on each image (rank 3) first thing in :meth:`standardize`.
    interpolation_order : {0, 1}
        Nearest or bilinear resampling.
    dtype : {"float32", "float64", "uint8"}
        Dtype of the images produced. With "uint8" (not in Keras) uint8 images stay
        uint8 end to end, as OpenCV and albumentations keep them: each output value is
        the float64 result rounded half to even and clipped to [0, 255] (``cval``, channel
        shifts and brightness too), i.e. ``np.rint`` of what ``dtype="float64"`` gives,
        clipped. The images given must be uint8, and the options that leave the 0..255
        range (``rescale``, sample-wise and feature-wise normalization, ZCA) are refused.
    augment_probability : float
        Probability that an image is augmented at all (Keras: always, 1.0).
    min_visibility : float
        A box is dropped when less than this share of its transformed area stays in view.
    mask_cval : int
        The label that ``fill_mode="constant"`` gives to filled-in mask pixels.

    Examples
    --------
    >>> gen = ImageGenerator(rotation_range=30, width_shift_range=0.1, zoom_range=0.2,
    ...                      horizontal_flip=True, rescale=1 / 255)
    >>> images = np.random.default_rng(0).integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    >>> batches = gen.flow(images, y=np.arange(10), batch_size=4, seed=0)
    >>> len(batches)
    3
    >>> x, y = batches[2]               # the last, partial batch
    >>> x.shape, x.dtype, len(y)
    ((2, 32, 32, 3), dtype('float32'), 2)
    """

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False,
                 samplewise_std_normalization: bool = False, zca_whitening: bool = False,
                 zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range: float = 0.0, zoom_range=0.0, channel_shift_range: float = 0.0,
                 fill_mode: str = "nearest", cval: float = 0.0, horizontal_flip: bool = False,
                 vertical_flip: bool = False, rescale: float | None = None,
                 preprocessing_function: Callable | None = None,
                 interpolation_order: int = 1, dtype="float32", *,
                 augment_probability: float = 1.0, min_visibility: float = 0.1,
                 mask_cval: int = 0):
        self.ranges = TransformRanges(
            rotation_range=rotation_range, width_shift_range=width_shift_range,
            height_shift_range=height_shift_range, shear_range=shear_range,
            zoom_range=zoom_range, channel_shift_range=channel_shift_range,
            brightness_range=brightness_range, horizontal_flip=horizontal_flip,
            vertical_flip=vertical_flip, augment_probability=augment_probability)
        check_fill_mode(fill_mode)
        self.fill_mode = fill_mode
        self.cval = float(cval)
        self.interpolation_order = check_order(interpolation_order)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64, np.uint8):
            raise TypeError(f"dtype must be float32, float64 or uint8, got {self.dtype}")
        if rescale is not None and not np.isfinite(rescale):
            raise ValueError(f"rescale must be a finite number or None, got {rescale!r}")
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError("preprocessing_function must be callable, got "
                            f"{type(preprocessing_function).__name__}")
        self.preprocessing_function = preprocessing_function
        if not 0 <= min_visibility <= 1:
            raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility!r}")
        self.min_visibility = min_visibility
        self.mask_cval = mask_cval
        if not zca_epsilon > 0:
            raise ValueError(f"zca_epsilon must be > 0, got {zca_epsilon!r}")
        self.zca_epsilon = zca_epsilon
        # Keras' implications between the normalization options
        self.zca_whitening = zca_whitening
        self.featurewise_center = featurewise_center or featurewise_std_normalization \
            or zca_whitening
        self.featurewise_std_normalization = featurewise_std_normalization and not zca_whitening
        self.samplewise_center = samplewise_center or samplewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.mean = self.std = self.whitening = None
        if self.dtype == np.uint8:
            float_only = [name for name, on in (
                ("rescale", rescale is not None), ("samplewise_center", self.samplewise_center),
                ("featurewise_center", self.featurewise_center))
                if on]
            if float_only:
                raise ValueError(f"dtype='uint8' keeps images in 0..255; {float_only[0]} "
                                 "needs a float dtype (float32 or float64)")

    # -- random transforms ------------------------------------------------------------

    def get_random_transform(self, shape, seed=None) -> dict:
        """Draw the parameters of one random transform for an image of ``shape``.

        ``seed`` is None, an int or a ``numpy.random.Generator`` (pass one Generator to
        successive calls to continue its stream). See :meth:`TransformRanges.sample`.

        Examples
        --------
        >>> gen = ImageGenerator(rotation_range=10)
        >>> gen.get_random_transform((8, 8, 1), seed=0) == gen.get_random_transform(
        ...     (8, 8, 1), seed=0)
        True
        """
        return self.ranges.sample(tuple(shape), as_rng(seed))

    def apply_transform(self, x, transform_parameters: dict, *, boxes=None, mask=None):
        """Apply the transform ``transform_parameters`` to one image (and its boxes, mask).

        The order is Keras': one affine resampling (with the flips), channel shift,
        brightness. A parameter missing from the dict means "no change"; a key that is
        not one of Keras' (e.g. ``"rotation"`` for ``"theta"``) raises a ValueError
        naming it, where Keras silently ignores it.

        Parameters
        ----------
        x : (H, W, C) array_like
            The image.
        transform_parameters : dict
            As returned by :meth:`get_random_transform`.
        boxes : (N, 4 + k) array_like, optional
            ``xyxy`` pixel boxes, optionally with extra columns (e.g. class ids); see
            :func:`~imgprep_course.augment.transform_boxes`.
        mask : (H, W) or (H, W, K) array_like of int or bool, optional
            Labels, moved with nearest-pixel sampling and the same fill mode.

        Returns
        -------
        ndarray or dict
            The image (float, ``dtype``) when neither ``boxes`` nor ``mask`` is given,
            else a dict with ``"x"`` and the given ones of ``"boxes"`` and ``"mask"``.

        Examples
        --------
        >>> gen = ImageGenerator()
        >>> x = np.zeros((4, 6, 1)); x[0, 0] = 1
        >>> out = gen.apply_transform(x, {"flip_horizontal": True}, boxes=[[0, 0, 1, 1, 3]])
        >>> float(out["x"][0, 5, 0]), out["boxes"].tolist()
        (1.0, [[5.0, 0.0, 6.0, 1.0, 3.0]])
        """
        image = self._as_image(x, "x")
        masks = None if mask is None else self._as_masks(mask, "mask", image.shape[:2])[None]
        table = None if boxes is None else [_as_box_table(boxes)]
        unknown = sorted(set(transform_parameters) - set(IDENTITY), key=str)
        if unknown:
            raise ValueError(f"unknown transform parameters {unknown}; the keys are "
                             f"{sorted(IDENTITY)}")
        params = {**IDENTITY, **transform_parameters}
        images, masks, table = self._transform_batch(image[None], [params], None, masks,
                                                     table)
        if boxes is None and mask is None:
            return images[0]
        out = {"x": images[0]}
        if boxes is not None:
            out["boxes"] = table[0]
        if mask is not None:
            out["mask"] = masks[0]
        return out

    def random_transform(self, x, seed=None, *, boxes=None, mask=None):
        """Draw a random transform and apply it: :meth:`get_random_transform` then
        :meth:`apply_transform`.

        Examples
        --------
        >>> gen = ImageGenerator(horizontal_flip=True, vertical_flip=True)
        >>> x = np.arange(12.0).reshape(2, 2, 3)
        >>> out = gen.random_transform(x, seed=1)
        >>> sorted(out.ravel().tolist()) == sorted(x.ravel().tolist())
        True
        """
        params = self.get_random_transform(np.shape(x), seed)
        return self.apply_transform(x, params, boxes=boxes, mask=mask)

    # -- standardization --------------------------------------------------------------

    def fit(self, x, augment: bool = False, rounds: int = 1, seed=None) -> "ImageGenerator":
        """Compute the feature-wise statistics (mean, std, ZCA) from training images.

        As Keras: ``x`` (rank 4) is multiplied by ``rescale`` (``preprocessing_function``
        is not applied), optionally augmented ``rounds`` times, then the per-channel mean
        and std over images, rows and columns are stored, and ZCA is fitted on the
        centred data. The statistics come from :mod:`imgprep_course.rescale`.

        Returns
        -------
        ImageGenerator
            ``self``, so that ``gen.fit(x).flow(...)`` reads well.

        Examples
        --------
        >>> gen = ImageGenerator(featurewise_std_normalization=True)
        >>> x = np.random.default_rng(0).normal(5, 2, (20, 4, 4, 3))
        >>> out = gen.fit(x).standardize(x)
        >>> bool(abs(out.mean()) < 1e-5), bool(abs(out.std() - 1) < 1e-4)
        (True, True)
        """
        data = as_array(x, "x", ndim=4, finite=True).astype(self.dtype)
        if not isinstance(rounds, int) or rounds < 1:
            raise ValueError(f"rounds must be an int >= 1, got {rounds!r}")
        if self.rescale:
            data = data * self.rescale
        if augment:
            rng = as_rng(seed)
            data = np.concatenate([
                self._transform_batch(data, [self.ranges.sample(data.shape[1:], rng)
                                             for _ in range(len(data))])[0]
                for _ in range(rounds)])
        mean, std = rescale.dataset_stats([data], per_channel=True)
        self.mean = mean.astype(self.dtype) if self.featurewise_center else None
        self.std = std.astype(self.dtype) if self.featurewise_std_normalization else None
        if self.zca_whitening:
            centred = rescale.normalize(data, mean, 1.0, dtype=np.float64)
            self.whitening = rescale.fit_whitening(centred, "zca", eps=self.zca_epsilon,
                                                   center=False)
        return self

    def standardize(self, x) -> np.ndarray:
        """Normalize an image ``(H, W, C)`` or a batch ``(N, H, W, C)``, in Keras' order.

        ``preprocessing_function`` (per image), ``* rescale``, sample-wise centre and
        ``/ (std + 1e-6)`` (statistics of each image), feature-wise ``- mean`` and
        ``/ (std + 1e-6)``, ZCA. The input is not modified (Keras changes it in place).

        On a batch, sample-wise statistics are each image's own, on purpose: Keras'
        ``standardize`` called on a batch takes one mean and std over the whole batch
        (``np.mean(x, keepdims=True)``), so an image's values would depend on the other
        images it is batched with; Keras' own iterators call it image by image, and that
        is what this gives for a batch too (``standardize(batch)`` equals
        ``np.stack([standardize(image) for image in batch])``). Feature-wise statistics
        need images with the channels they were fitted on (a ValueError otherwise, as
        Keras' broadcasting fails).

        Examples
        --------
        >>> gen = ImageGenerator(rescale=0.5, samplewise_center=True)
        >>> gen.standardize(np.array([[[2.0], [4.0]]]))[..., 0].tolist()
        [[-0.5, 0.5]]
        """
        data = as_array(x, "x", ndim=(3, 4), finite=True)
        out = self._standardize_batch(data if data.ndim == 4 else data[None])
        if np.shares_memory(out, data):
            out = out.copy()
        return out if data.ndim == 4 else out[0]

    def _standardize_batch(self, batch: np.ndarray) -> np.ndarray:
        """:meth:`standardize` of a trusted ``(N, H, W, C)`` batch; returns ``batch``
        itself when there is nothing to do."""
        if self.preprocessing_function is not None:
            batch = np.stack([np.asarray(self.preprocessing_function(image.copy()))
                              for image in batch])
        if self.dtype == np.uint8 and batch.dtype != np.uint8:
            raise TypeError("with dtype='uint8', preprocessing_function must return uint8 "
                            f"images, got {batch.dtype}")
        batch = batch.astype(self.dtype, copy=False)
        if self.rescale:
            batch = batch * batch.dtype.type(self.rescale)
        if self.samplewise_std_normalization:
            batch = rescale.standardize(batch, axis=(1, 2, 3), eps=STD_EPSILON,
                                        dtype=self.dtype)
        elif self.samplewise_center:
            batch = rescale.subtract_mean(batch, axis=(1, 2, 3), dtype=self.dtype)
        if self.featurewise_center:
            self._require_fit("featurewise_center", self.mean)
            if self.mean.shape[-1] != batch.shape[-1]:
                raise ValueError(f"x has {batch.shape[-1]} channels but the feature-wise "
                                 f"statistics were fitted on images with {self.mean.shape[-1]}")
            std, eps = (self.std, STD_EPSILON) if self.featurewise_std_normalization \
                else (1.0, 0.0)
            batch = rescale.normalize(batch, self.mean, std, eps=eps, dtype=self.dtype)
        if self.zca_whitening:
            self._require_fit("zca_whitening", self.whitening)
            batch = self.whitening.transform(batch, dtype=self.dtype)
        return batch

    # -- batches ----------------------------------------------------------------------

    def flow(self, x, y=None, batch_size: int = 32, shuffle: bool = True,
             sample_weight=None, seed=None, *, boxes=None, masks=None):
        """Batches of augmented, standardized images from arrays, forever, epoch by epoch.

        Keras' iterator semantics: ``len()`` is the number of batches per epoch,
        ``ceil(n / batch_size)``; the last batch of an epoch is partial; the order is
        reshuffled every epoch; ``it[i]`` is batch ``i`` of the current epoch and
        ``next(it)`` walks on through the epochs. With a ``seed`` every batch is
        reproducible: batch ``i`` of epoch ``e`` depends only on ``(seed, e, i)``.

        Parameters
        ----------
        x : (N, H, W, C) array_like
            Images (any numeric dtype; converted batch by batch).
        y : array_like, optional
            Labels, ``len(y) == N``.
        batch_size : int
        shuffle : bool
        sample_weight : array_like, optional
            Per-image weights, returned as a third element as in Keras.
        seed : None, int or numpy.random.Generator
        boxes : sequence of N arrays (M_i, 4 + k), optional
            Per-image ``xyxy`` pixel boxes (extra columns ride along).
        masks : (N, H, W) or (N, H, W, K) array_like of int or bool, optional
            Per-image label masks.

        Returns
        -------
        NumpyArrayIterator
            Yields ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` as Keras; with ``boxes``
            or ``masks``, a dict with ``"x"`` and those of ``"y"``, ``"sample_weight"``,
            ``"boxes"`` (a list) and ``"masks"`` that were given.

        Examples
        --------
        >>> gen = ImageGenerator(horizontal_flip=True, augment_probability=0.5)
        >>> x = np.zeros((3, 8, 8, 1))
        >>> it = gen.flow(x, boxes=[[[0, 0, 2, 2, 1]], [], [[4, 4, 8, 8, 2]]], seed=0)
        >>> batch = next(it)
        >>> sorted(batch), len(batch["boxes"])
        (['boxes', 'x'], 3)
        """
        return NumpyArrayIterator(self, x, y, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, boxes=boxes,
                                  masks=masks)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode: str = "rgb",
                            classes=None, class_mode: str | None = "categorical",
                            batch_size: int = 32, shuffle: bool = True, seed=None,
                            follow_links: bool = False, interpolation: str = "nearest",
                            verbose: bool = True):
        """Batches from a class-per-folder directory, as Keras' ``flow_from_directory``.

        Classes are the sorted sub-folders (or ``classes``); each image is read with
        Pillow, converted to ``color_mode`` ("rgb", "rgba", "grayscale"), resized to
        ``target_size = (height, width)`` with ``interpolation``, then augmented and
        standardized. ``class_mode``: "categorical" (one-hot), "binary" or "sparse"
        (class index), "input" (the images themselves) or None (images only).

        Returns
        -------
        DirectoryIterator
            With Keras' attributes ``filenames``, ``filepaths``, ``classes``,
            ``class_indices``, ``num_classes`` and ``samples``.
        """
        return DirectoryIterator(self, directory, target_size=target_size,
                                 color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                 interpolation=interpolation, verbose=verbose)

    # -- internals --------------------------------------------------------------------

    def _as_image(self, x, name: str) -> np.ndarray:
        return self._as_source(x, name, ndim=3).astype(self.dtype, copy=False)

    def _as_source(self, x, name: str, ndim: int = 4) -> np.ndarray:
        """Images as given (any real dtype; uint8 for ``dtype="uint8"``), validated."""
        array = as_array(x, name, ndim=ndim, allow_empty=ndim == 4, finite=True)
        if self.dtype == np.uint8 and array.dtype != np.uint8:
            raise TypeError(f"dtype='uint8' keeps uint8 images end to end: {name} must be "
                            f"uint8, got {array.dtype}")
        return array

    @staticmethod
    def _as_masks(masks, name: str, size: tuple, *, batched: bool = False) -> np.ndarray:
        """Validate one mask ``(H, W[, K])`` or, ``batched``, masks ``(N, H, W[, K])``."""
        array = as_array(masks, name, kinds="biu", ndim=(3, 4) if batched else (2, 3),
                         allow_empty=batched)
        if tuple(array.shape[int(batched):int(batched) + 2]) != tuple(size):
            raise ValueError(f"{name} must cover the image's {size[0]}x{size[1]} pixels, got "
                             f"shape {array.shape}")
        return array

    def _transform_batch(self, source: np.ndarray, params: list[dict], index=None,
                         masks=None, boxes=None):
        """Transform images ``source[index]`` (not modified), one parameter dict each.

        ``source`` is ``(M, H, W, C)`` of any real dtype and ``index`` picks the images
        (default: all, in order), read in place without a gathered copy. ``masks`` and
        ``boxes`` belong to the picked images. Returns the images (``dtype``), the masks
        (or None) and the list of box tables (or None).
        """
        shape = source.shape[1:]
        matrices = np.array([
            affine_matrix(shape, theta=p["theta"], tx=p["tx"], ty=p["ty"], shear=p["shear"],
                          zx=p["zx"], zy=p["zy"], flip_horizontal=p["flip_horizontal"],
                          flip_vertical=p["flip_vertical"]) for p in params]).reshape(-1, 3, 3)
        out = warp_batch(source, matrices, index=index, order=self.interpolation_order,
                         fill_mode=self.fill_mode, cval=self.cval, dtype=self.dtype)
        for i, p in enumerate(params):
            if p["channel_shift_intensity"] is None and p["brightness"] is None:
                continue
            image = out[i].astype(np.float64) if out.dtype == np.uint8 else out[i]
            if p["channel_shift_intensity"] is not None:
                image = _channel_shift(image, p["channel_shift_intensity"])
            if p["brightness"] is not None:
                image = _brightness(image, p["brightness"])
            out[i] = np.clip(np.rint(image), 0, 255) if out.dtype == np.uint8 else image
        if masks is not None:
            masks = warp_labels(masks, matrices, fill_mode=self.fill_mode, cval=self.mask_cval)
        if boxes is not None:
            boxes = [transform_boxes(b, m, shape, min_visibility=self.min_visibility)
                     for b, m in zip(boxes, matrices)]
        return out, masks, boxes

    @staticmethod
    def _require_fit(option: str, statistic) -> None:
        if statistic is None:
            raise RuntimeError(f"{option} needs statistics of the training data: call "
                               "fit(x_train) first")


def _channel_shift(image: np.ndarray, intensity: float) -> np.ndarray:
    """Keras' channel shift: add ``intensity`` to every channel, clip to the image's range."""
    return np.clip(image + image.dtype.type(intensity), image.min(), image.max())


def _brightness(image: np.ndarray, factor: float) -> np.ndarray:
    """Keras' brightness shift without its round trip through an 8-bit PIL image.

    Images within [0, 255] are multiplied by ``factor`` and clipped to [0, 255]; others
    are scaled about their minimum and clipped to their own range, as Keras does.
    """
    lo, hi = image.min(), image.max()
    if lo >= 0 and hi <= 255:
        return np.clip(image * image.dtype.type(factor), 0, 255)
    return np.clip((image - lo) * image.dtype.type(factor), 0, hi - lo) + lo
