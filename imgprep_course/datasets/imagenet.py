"""ImageNet-style class-per-folder datasets.

ImageNet's training set is laid out as ``train/<wnid>/<wnid>_<number>.JPEG``: one folder
per class, named by the class's WordNet synset id (``n`` and eight digits, e.g.
``n01440764`` for "tench"). Any folder of class folders works the same way, which is
why ``torchvision.datasets.ImageFolder`` and Keras' ``image_dataset_from_directory``
read it. :class:`ImageFolder` follows torchvision's conventions: classes are the
sub-folder names sorted, ``class_to_idx`` numbers them from 0, ``samples`` lists
``(path, class_index)`` sorted by class then file name.

A synset mapping file (``LOC_synset_mapping.txt`` in the ILSVRC download) holds one
``wnid name, other names`` line per class; :func:`read_synset_mapping` reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["ImageFolder", "read_synset_mapping", "IMAGE_EXTENSIONS"]

#: File endings read as images (compared in lower case), as torchvision's ``IMG_EXTENSIONS``.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class ImageFolder:
    """A class-per-folder image dataset: ``root/<class>/<image>``.

    Parameters
    ----------
    root : path
        The folder holding one sub-folder per class (e.g. ``imagenet/train``).

    Attributes
    ----------
    classes : list of str
        The class folder names, sorted.
    class_to_idx : dict
        Class name to index (position in ``classes``).
    samples : list of (Path, int)
        Every image file and its class index, sorted by class, then file name.
    targets : list of int
        The class index of each sample.

    Raises
    ------
    FileNotFoundError
        When ``root`` is not a folder, has no class folders, or a class folder holds no
        image (the message names it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for wnid, n in [("n90000001", 2), ("n90000002", 1)]:
    ...     (root / wnid).mkdir()
    ...     for k in range(n):
    ...         Image.new("RGB", (4, 3)).save(root / wnid / f"{wnid}_{k}.JPEG")
    >>> data = ImageFolder(root)
    >>> data.classes, len(data), data.targets
    (['n90000001', 'n90000002'], 3, [0, 0, 1])
    >>> image, label = data[2]
    >>> image.shape, image.dtype, label
    ((3, 4, 3), dtype('uint8'), 1)
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"root {self.root} is not a folder")
        self.classes = sorted(entry.name for entry in self.root.iterdir()
                              if entry.is_dir() and not entry.name.startswith("."))
        if not self.classes:
            raise FileNotFoundError(f"root {self.root} holds no class folders")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples: list[tuple[Path, int]] = []
        for name in self.classes:
            files = sorted(path for path in (self.root / name).iterdir()
                           if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS)
            if not files:
                raise FileNotFoundError(f"class folder {self.root / name} holds no image "
                                        f"(endings {', '.join(IMAGE_EXTENSIONS)})")
            self.samples.extend((path, self.class_to_idx[name]) for path in files)
        self.targets = [target for _, target in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        """The ``index``-th image as an ``(H, W, 3)`` uint8 RGB array, and its class index."""
        path, target = self.samples[index]
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB")), target

    def __repr__(self) -> str:
        return f"ImageFolder({str(self.root)!r}: {len(self)} images, {len(self.classes)} classes)"

    def counts(self) -> dict[str, int]:
        """Number of images of each class, in class order."""
        counts = np.bincount(self.targets, minlength=len(self.classes))
        return {name: int(n) for name, n in zip(self.classes, counts)}


def read_synset_mapping(path: str | os.PathLike) -> dict[str, str]:
    """Class names by WordNet id from a ``LOC_synset_mapping.txt``-style file.

    Each line is ``wnid name[, other names]``; the value is everything after the id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "LOC_synset_mapping.txt"
    >>> _ = path.write_text("n01440764 tench, Tinca tinca\\nn01443537 goldfish\\n")
    >>> read_synset_mapping(path)
    {'n01440764': 'tench, Tinca tinca', 'n01443537': 'goldfish'}
    """
    mapping = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.strip().split(maxsplit=1)
        wnid = parts[0]
        if len(parts) < 2 or len(wnid) != 9 or wnid[0] != "n" or not wnid[1:].isdigit():
            raise ValueError(f"{path}, line {number}: expected 'nXXXXXXXX name', got {line!r}")
        mapping[wnid] = parts[1]
    return mapping
