"""Batch iterators behind ``ImageGenerator.flow`` and ``flow_from_directory``.

Keras' semantics (length, partial last batch, reshuffle every epoch, endless ``next``)
without Keras' global random state: every batch draws from its own
``numpy.random.Generator``, seeded from ``(seed, epoch, batch index)``.
"""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
from PIL import Image

from imgprep_course._validation import as_array
from imgprep_course.augment._affine import _as_box_table

#: The file extensions ``flow_from_directory`` reads, as Keras.
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
_COLOR_MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}
_WIDE_GRAYSCALE = ("I;16", "I")
_CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
_RESAMPLING = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
               "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING}


class BatchIterator:
    """Epochs of batches over ``n`` samples; subclasses say how a batch is made.

    Attributes
    ----------
    n, batch_size, shuffle, seed : as given
    epoch : int
        The current epoch (0 first); :meth:`on_epoch_end` moves to the next one.
    batch_index : int
        The batch ``next()`` returns next, within the epoch.
    """

    def __init__(self, generator, n: int, batch_size: int, shuffle: bool, seed):
        if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        self.image_data_generator = generator
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        if isinstance(seed, np.random.Generator):
            self._entropy = int(seed.integers(2 ** 63))
        elif seed is None or isinstance(seed, Integral):
            self._entropy = np.random.SeedSequence(seed).entropy
        else:
            raise TypeError(f"seed must be None, an int or a numpy.random.Generator, got "
                            f"{type(seed).__name__}")
        self.epoch = 0
        self.batch_index = 0
        self._order = None

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    @property
    def index_array(self) -> np.ndarray:
        """The sample order of the current epoch (a permutation when shuffling)."""
        if self._order is None or self._order[0] != self.epoch:
            order = np.arange(self.n)
            if self.shuffle:
                order = self._rng(0, self.epoch).permutation(self.n)
            self._order = (self.epoch, order)
        return self._order[1]

    def __getitem__(self, index: int):
        """Batch ``index`` of the current epoch; a ValueError past the end, as in Keras."""
        if isinstance(index, bool) or not isinstance(index, Integral):
            raise TypeError(f"batch index must be an int, got {type(index).__name__}")
        if not 0 <= index < len(self):
            raise ValueError(f"batch index {index} is out of range: this iterator has "
                             f"{len(self)} batches per epoch")
        indices = self.index_array[index * self.batch_size:(index + 1) * self.batch_size]
        return self._make_batch(indices, self._rng(1, self.epoch, int(index)))

    def __iter__(self):
        return self

    def __next__(self):
        if self.n == 0:                 # Keras: an empty batch, forever
            return self._make_batch(np.arange(0), self._rng(1, self.epoch, 0))
        batch = self[self.batch_index]
        self.batch_index += 1
        if self.batch_index == len(self):
            self.on_epoch_end()
        return batch

    def on_epoch_end(self) -> None:
        """Start the next epoch (a new order when shuffling)."""
        self.epoch += 1
        self.batch_index = 0

    def reset(self) -> None:
        """Go back to the first batch of the current epoch."""
        self.batch_index = 0

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self._entropy, spawn_key=key))

    def _augment(self, source: np.ndarray, rng: np.random.Generator, index=None,
                 masks=None, boxes=None):
        """Augment and standardize ``source[index]`` with parameters drawn from ``rng``."""
        gen = self.image_data_generator
        count = len(source) if index is None else len(index)
        params = [gen.ranges.sample(source.shape[1:], rng) for _ in range(count)]
        images, masks, boxes = gen._transform_batch(source, params, index, masks, boxes)
        return gen._standardize_batch(images), masks, boxes

    def _make_batch(self, indices: np.ndarray, rng: np.random.Generator):
        raise NotImplementedError


class NumpyArrayIterator(BatchIterator):
    """Batches from in-memory arrays: see :meth:`ImageGenerator.flow`."""

    def __init__(self, generator, x, y=None, *, batch_size: int = 32, shuffle: bool = True,
                 sample_weight=None, seed=None, boxes=None, masks=None):
        self.x_misc = []
        if isinstance(x, (tuple, list)):
            # Keras' form (images, misc) or (images, [misc, ...]): arrays that ride along
            if len(x) != 2:
                raise ValueError("x as a tuple must be (images, misc) or (images, [misc, "
                                 f"...]), got {len(x)} elements")
            x, misc = x
            self.x_misc = [np.asarray(m) for m in (misc if isinstance(misc, list) else [misc])]
        self.x = generator._as_source(x, "x")
        n = len(self.x)
        self.x_misc = [_same_length(m, "every misc array of x", n) for m in self.x_misc]
        self.y = None if y is None else _same_length(np.asarray(y), "y", n)
        self.sample_weight = None if sample_weight is None else \
            _same_length(np.asarray(sample_weight), "sample_weight", n)
        self.boxes = None
        if boxes is not None:
            if len(boxes) != n:
                raise ValueError(f"boxes must hold one array per image ({n}), got {len(boxes)}")
            self.boxes = [_as_box_table(b) for b in boxes]
        self.masks = None if masks is None else _same_length(
            generator._as_masks(masks, "masks", self.x.shape[1:3], batched=True), "masks", n)
        super().__init__(generator, n, batch_size, shuffle, seed)

    def _make_batch(self, indices, rng):
        masks = None if self.masks is None else self.masks[indices]
        boxes = None if self.boxes is None else [self.boxes[i] for i in indices]
        images, masks, boxes = self._augment(self.x, rng, indices, masks, boxes)
        if self.boxes is None and self.masks is None:
            output = (images,)
            if self.x_misc:
                output = ([images] + [m[indices] for m in self.x_misc],)
            if self.y is None:
                return output[0]
            output += (self.y[indices],)
            if self.sample_weight is not None:
                output += (self.sample_weight[indices],)
            return output
        if self.x_misc:
            raise ValueError("x as (images, misc) cannot be combined with boxes or masks")
        batch = {"x": images}
        if self.y is not None:
            batch["y"] = self.y[indices]
        if self.sample_weight is not None:
            batch["sample_weight"] = self.sample_weight[indices]
        if boxes is not None:
            batch["boxes"] = boxes
        if masks is not None:
            batch["masks"] = masks
        return batch


class DirectoryIterator(BatchIterator):
    """Batches read from a class-per-folder directory: see
    :meth:`ImageGenerator.flow_from_directory`."""

    def __init__(self, generator, directory, *, target_size=(256, 256),
                 color_mode: str = "rgb", classes=None, class_mode="categorical",
                 batch_size: int = 32, shuffle: bool = True, seed=None,
                 follow_links: bool = False, interpolation: str = "nearest",
                 verbose: bool = True):
        if not os.path.isdir(directory):
            raise ValueError(f"directory must be an existing folder, got {directory!r}")
        if color_mode not in _COLOR_MODES:
            raise ValueError(f"color_mode must be one of {tuple(_COLOR_MODES)}, got "
                             f"{color_mode!r}")
        if class_mode not in _CLASS_MODES:
            raise ValueError(f"class_mode must be one of {_CLASS_MODES}, got {class_mode!r}")
        if interpolation not in _RESAMPLING:
            raise ValueError(f"interpolation must be one of {tuple(_RESAMPLING)}, got "
                             f"{interpolation!r}")
        target_size = tuple(int(v) for v in target_size)
        if len(target_size) != 2 or min(target_size) < 1:
            raise ValueError(f"target_size must be (height, width) > 0, got {target_size}")
        self.directory = directory
        self.target_size = target_size
        self.color_mode = color_mode
        self.class_mode = class_mode
        self.interpolation = interpolation
        if not classes:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        self.class_indices = {name: i for i, name in enumerate(classes)}
        self.num_classes = len(classes)
        self.filenames, labels = [], []
        for name in classes:
            for relative in _image_files(os.path.join(directory, name), follow_links):
                self.filenames.append(os.path.join(name, relative))
                labels.append(self.class_indices[name])
        self.classes = np.array(labels, dtype=np.int32)
        self.samples = len(self.filenames)
        self.filepaths = [os.path.join(directory, f) for f in self.filenames]
        if verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(generator, self.samples, batch_size, shuffle, seed)

    @property
    def labels(self) -> np.ndarray:
        """The class index of every file (Keras' name for :attr:`classes`)."""
        return self.classes

    def _load(self, path: str) -> np.ndarray:
        """One image as ``(height, width, channels)``. As in Keras, "grayscale" keeps
        16-bit and 32-bit integer images (Pillow modes I;16 and I) as they are; every
        other image is converted to 8-bit L, RGB or RGBA."""
        with Image.open(path) as image:
            if not (self.color_mode == "grayscale" and image.mode in _WIDE_GRAYSCALE):
                image = image.convert(_COLOR_MODES[self.color_mode])
            height, width = self.target_size
            if image.size != (width, height):
                image = image.resize((width, height), _RESAMPLING[self.interpolation])
            array = np.asarray(image)
        array = array[..., None] if array.ndim == 2 else array
        return self.image_data_generator._as_source(array[None], path)[0]

    def _make_batch(self, indices, rng):
        dtype = self.image_data_generator.dtype
        loaded = [self._load(self.filepaths[i]) for i in indices]
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[self.color_mode]
        images, _, _ = self._augment(np.stack(loaded) if loaded else np.zeros(
            (0,) + self.target_size + (channels,), dtype=np.uint8), rng)
        if self.class_mode is None:
            return images
        if self.class_mode == "input":
            return images, images.copy()
        if self.class_mode == "categorical":
            return images, np.eye(self.num_classes, dtype=dtype)[self.classes[indices]]
        return images, self.classes[indices].astype(dtype)


def _image_files(folder: str, follow_links: bool) -> list[str]:
    """Image files below ``folder`` (relative paths), in Keras' order: folders sorted,
    files sorted within each."""
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return found


def _same_length(array: np.ndarray, name: str, n: int) -> np.ndarray:
    if array.ndim == 0 or len(array) != n:
        raise ValueError(f"{name} must have one entry per image ({n}), got shape {array.shape}")
    return array
