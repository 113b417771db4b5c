"""COCO annotation files: a validated index with pycocotools' method names.

A COCO file is one JSON object with ``images``, ``annotations`` and (for instances)
``categories``. :class:`COCO` loads one, checks it, and indexes it with the same
attributes and methods as ``pycocotools.coco.COCO`` (``getImgIds``, ``getCatIds``,
``getAnnIds``, ``loadImgs``, ``loadAnns``, ``loadCats``, ``annToRLE``, ``annToMask``, ``info``;
``dataset``, ``imgs``, ``anns``, ``cats``, ``imgToAnns``, ``catToImgs``), so what a
student learns here transfers unchanged.

Two deliberate differences, both about bad input: the file is validated when it is
loaded (pycocotools fails later, deep inside, or not at all), and asking for an image,
category or annotation id that does not exist raises a ``ValueError`` naming the id
(pycocotools silently skips unknown ids in ``getAnnIds`` and raises a bare ``KeyError``
in ``loadImgs``).

Segmentation comes in three forms, as in the real files:

- a list of polygons ``[[x1, y1, x2, y2, ...], ...]`` (``iscrowd=0``): the object is
  the union of the polygons, rasterised the way pycocotools does;
- an uncompressed RLE ``{"size": [h, w], "counts": [int, ...]}`` (``iscrowd=1``);
- a compressed RLE ``{"size": [h, w], "counts": "string"}`` (results files).

Masks come from :mod:`imgprep_course.datasets.masks`, whose results equal pycocotools'.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import orjson

from imgprep_course.datasets import masks

__all__ = ["COCO", "load_json"]


def load_json(path: str | os.PathLike) -> Any:
    """Read a JSON file; a malformed file gives a ``ValueError`` naming file, line and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "instances.json"
    >>> _ = bad.write_text('{"images": [1, 2,]}')
    >>> load_json(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../instances.json is not valid JSON: line 1, column 18: Expecting value
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        return orjson.loads(data)  # several times faster than json on COCO files
    except orjson.JSONDecodeError:
        pass
    try:  # what orjson refuses, json may read (NaN); else its message names the place
        return json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: line {error.lineno}, column "
                         f"{error.colno}: {error.msg}") from None


class COCO:
    """An index over one COCO instances or captions file, like ``pycocotools.coco.COCO``.

    Parameters
    ----------
    annotation_file : str, path or dict, optional
        The JSON file, or its already loaded content. ``None`` gives an empty index.

    Attributes
    ----------
    dataset : dict
        The file's content, as loaded.
    imgs, anns, cats : dict
        Images, annotations and categories by id, in file order.
    imgToAnns, catToImgs : dict of list
        Annotations of each image id; image ids of each category id (once per annotation,
        as in pycocotools).

    Raises
    ------
    ValueError
        When the file is not valid JSON or breaks the format: a missing key, an
        annotation of an image or category that does not exist, a duplicate id, a box
        with negative size, a polygon with fewer than three points, an RLE of the wrong
        size. The message names the file, the list and the index.

    Examples
    --------
    >>> coco = COCO({"images": [{"id": 7, "file_name": "a.jpg", "height": 4, "width": 5}],
    ...              "categories": [{"id": 1, "name": "square", "supercategory": "angular"}],
    ...              "annotations": [{"id": 3, "image_id": 7, "category_id": 1, "iscrowd": 0,
    ...                               "bbox": [1, 1, 2, 2], "area": 4.0,
    ...                               "segmentation": [[1, 1, 3, 1, 3, 3, 1, 3]]}]})
    >>> coco.getAnnIds(imgIds=7), coco.getCatIds(catNms=["square"])
    ([3], [1])
    >>> coco.annToMask(coco.loadAnns(3)[0])
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 0, 0],
           [0, 1, 1, 0, 0],
           [0, 0, 0, 0, 0]], dtype=uint8)
    >>> coco.loadImgs(8)
    Traceback (most recent call last):
    ...
    ValueError: image id 8 does not exist in <dict> (it has 1 images)
    """

    def __init__(self, annotation_file: str | os.PathLike | dict | None = None) -> None:
        self.dataset: dict = {}
        self.anns: dict[int, dict] = {}
        self.cats: dict[int, dict] = {}
        self.imgs: dict[int, dict] = {}
        self.imgToAnns: dict[int, list[dict]] = defaultdict(list)
        self.catToImgs: dict[int, list[int]] = defaultdict(list)
        self.source = "<empty>"
        if annotation_file is None:
            return
        if isinstance(annotation_file, dict):
            self.source = "<dict>"
            dataset = annotation_file
        else:
            self.source = str(annotation_file)
            dataset = load_json(annotation_file)
        _validate(dataset, self.source)
        self.dataset = dataset
        self.createIndex()

    def __repr__(self) -> str:
        return (f"COCO({self.source!r}: {len(self.imgs)} images, {len(self.anns)} "
                f"annotations, {len(self.cats)} categories)")

    def createIndex(self) -> None:
        """Build ``imgs``, ``anns``, ``cats``, ``imgToAnns`` and ``catToImgs`` from ``dataset``."""
        self.imgs = {img["id"]: img for img in self.dataset.get("images", [])}
        self.cats = {cat["id"]: cat for cat in self.dataset.get("categories", [])}
        self.anns = {ann["id"]: ann for ann in self.dataset.get("annotations", [])}
        self.imgToAnns = defaultdict(list)
        self.catToImgs = defaultdict(list)
        for ann in self.anns.values():
            self.imgToAnns[ann["image_id"]].append(ann)
            if "category_id" in ann:
                self.catToImgs[ann["category_id"]].append(ann["image_id"])

    def info(self) -> None:
        """Print the file's ``info`` entries, one ``key: value`` per line, as pycocotools.

        Examples
        --------
        >>> COCO({"info": {"year": 2017, "version": "1.0"}, "images": []}).info()
        year: 2017
        version: 1.0
        """
        for key, value in self.dataset.get("info", {}).items():
            print(f"{key}: {value}")

    # ----------------------------------------------------------------- queries
    def getAnnIds(self, imgIds: int | Iterable[int] = (), catIds: int | Iterable[int] = (),
                  areaRng: Iterable[float] = (), iscrowd: int | bool | None = None
                  ) -> list[int]:
        """Ids of the annotations that pass every given filter, in file order.

        ``areaRng = [low, high]`` keeps ``low < area < high`` (strict, as pycocotools);
        ``iscrowd`` keeps annotations whose ``iscrowd`` equals it; ``None`` keeps all.
        Captions have neither field, so either filter leaves them out.
        """
        img_ids = self._known(imgIds, self.imgs, "image")
        cat_ids = set(self._known(catIds, self.cats, "category"))
        area_range = [float(a) for a in areaRng]
        if area_range and len(area_range) != 2:
            raise ValueError(f"areaRng must be [low, high], got {area_range}")
        if img_ids:
            anns = [ann for img_id in img_ids for ann in self.imgToAnns.get(img_id, [])]
        else:
            anns = list(self.anns.values())
        if cat_ids:
            anns = [ann for ann in anns if ann.get("category_id") in cat_ids]
        if area_range:
            anns = [ann for ann in anns
                    if "area" in ann and area_range[0] < ann["area"] < area_range[1]]
        if iscrowd is not None:
            anns = [ann for ann in anns if ann.get("iscrowd") == iscrowd]
        return [ann["id"] for ann in anns]

    def getCatIds(self, catNms: str | Iterable[str] = (), supNms: str | Iterable[str] = (),
                  catIds: int | Iterable[int] = ()) -> list[int]:
        """Ids of the categories with one of the names, supercategories and ids given.

        Examples
        --------
        >>> coco = COCO({"images": [], "annotations": [], "categories": [
        ...     {"id": 1, "name": "circle", "supercategory": "round"},
        ...     {"id": 2, "name": "square", "supercategory": "angular"}]})
        >>> coco.getCatIds(supNms="angular")
        [2]
        """
        names, supers = _as_list(catNms), _as_list(supNms)
        wanted = set(self._known(catIds, self.cats, "category"))
        return [cat["id"] for cat in self.cats.values()
                if (not names or cat["name"] in names)
                and (not supers or cat.get("supercategory") in supers)
                and (not wanted or cat["id"] in wanted)]

    def getImgIds(self, imgIds: int | Iterable[int] = (),
                  catIds: int | Iterable[int] = ()) -> list[int]:
        """Ids of the images given (all when none) that hold every category given, in file order."""
        keep = set(self._known(imgIds, self.imgs, "image") or self.imgs)
        for cat_id in self._known(catIds, self.cats, "category"):
            keep &= set(self.catToImgs.get(cat_id, []))
        return [i for i in self.imgs if i in keep]

    def loadAnns(self, ids: int | Iterable[int] = ()) -> list[dict]:
        """The annotations with these ids (one id gives a list of one)."""
        return [self.anns[i] for i in self._known(ids, self.anns, "annotation")]

    def loadCats(self, ids: int | Iterable[int] = ()) -> list[dict]:
        """The categories with these ids (one id gives a list of one)."""
        return [self.cats[i] for i in self._known(ids, self.cats, "category")]

    def loadImgs(self, ids: int | Iterable[int] = ()) -> list[dict]:
        """The images with these ids (one id gives a list of one)."""
        return [self.imgs[i] for i in self._known(ids, self.imgs, "image")]

    # ------------------------------------------------------------------- masks
    def annToRLE(self, ann: dict) -> dict:
        """The annotation's mask as a compressed RLE, as pycocotools' ``annToRLE``.

        Polygons are rasterised and merged into one RLE; an uncompressed RLE is
        compressed; a compressed RLE is returned as it is (with a ``str`` counts
        turned into ``bytes``, the form :mod:`~imgprep_course.datasets.masks` uses).
        """
        where = f"annotation {ann.get('id')!r}"
        if "image_id" not in ann or "segmentation" not in ann:
            raise ValueError(f"{where} needs 'image_id' and 'segmentation' to give a mask")
        img = self.loadImgs(ann["image_id"])[0]
        try:
            return masks.from_segmentation(ann["segmentation"], img["height"], img["width"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where} (image {ann['image_id']}): {error}") from None

    def annToMask(self, ann: dict) -> np.ndarray:
        """The annotation's binary mask, ``(height, width)`` uint8, as pycocotools' does."""
        return masks.decode(self.annToRLE(ann))

    # ---------------------------------------------------------------- helpers
    def _known(self, ids, table: dict, what: str) -> list[int]:
        ids = _as_list(ids)
        for i in ids:
            if i not in table:
                raise ValueError(f"{what} id {i!r} does not exist in {self.source} "
                                 f"(it has {len(table)} {what}s)")
        return ids


# ------------------------------------------------------------------ validation
def _as_list(ids) -> list:
    if isinstance(ids, (str, int, np.integer)):
        return [ids]
    return list(ids)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _require(item, keys: Iterable[str], where: str) -> None:
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(item).__name__}")
    missing = [key for key in keys if key not in item]
    if missing:
        raise ValueError(f"{where} has no {', '.join(repr(k) for k in missing)} "
                         f"(it has {sorted(item)})")


def _check_ids(items: list, where: str, id_key: str = "id") -> dict:
    seen: dict = {}
    for i, item in enumerate(items):
        value = item[id_key]
        if not _is_int(value):
            raise ValueError(f"{where}[{i}] has {id_key} {value!r}; ids must be integers")
        if value in seen:
            raise ValueError(f"{where}[{i}] repeats id {value} (first at {where}[{seen[value]}])")
        seen[value] = i
    return seen


def _check_segmentation(segm, height: int, width: int, where: str) -> None:
    """Polygons need 3+ points; an RLE needs a size matching its image.

    Cheap checks only, so loading stays fast on the real files: the coordinates and the
    counts themselves are checked by :mod:`~imgprep_course.datasets.masks` when a mask
    is made.
    """
    if isinstance(segm, list):
        for k, polygon in enumerate(segm):
            if not isinstance(polygon, list):
                raise ValueError(f"{where} segmentation[{k}] must be a list of numbers "
                                 f"x1, y1, x2, y2, ..., got {type(polygon).__name__}")
            if len(polygon) % 2 or len(polygon) < 6:
                raise ValueError(f"{where} segmentation[{k}] has {len(polygon)} numbers; a "
                                 f"polygon needs an even number, at least 6 (three points)")
        return
    _require(segm, ("size", "counts"), f"{where} segmentation")
    size = segm["size"]
    if not isinstance(size, (list, tuple)) or list(size) != [height, width]:
        raise ValueError(f"{where} has an RLE of size {segm['size']!r}, but its image is "
                         f"[height, width] = {[height, width]}")
    if not isinstance(segm["counts"], (list, str, bytes)):
        raise ValueError(f"{where} has RLE counts of type {type(segm['counts']).__name__}; "
                         f"they must be a list of run lengths or a compressed string")


def _validate(dataset, source: str) -> None:
    """Raise a ``ValueError`` naming ``source`` and the place of the first problem."""
    if not isinstance(dataset, dict):
        raise ValueError(f"{source}: the top level must be a JSON object, "
                         f"got {type(dataset).__name__}")
    _require(dataset, ("images",), source)
    for key in ("images", "annotations", "categories"):
        if key in dataset and not isinstance(dataset[key], list):
            raise ValueError(f"{source}: {key!r} must be a list, got "
                             f"{type(dataset[key]).__name__}")
    images = dataset["images"]
    for i, img in enumerate(images):
        where = f"{source}: images[{i}]"
        _require(img, ("id", "file_name", "height", "width"), where)
        for key in ("height", "width"):
            if not _is_int(img[key]) or img[key] <= 0:
                raise ValueError(f"{where} has {key} {img[key]!r}; it must be a positive integer")
    image_index = _check_ids(images, f"{source}: images")
    categories = dataset.get("categories", [])
    for i, cat in enumerate(categories):
        _require(cat, ("id", "name"), f"{source}: categories[{i}]")
    category_index = _check_ids(categories, f"{source}: categories")
    annotations = dataset.get("annotations", [])
    for i, ann in enumerate(annotations):
        _require(ann, ("id", "image_id"), f"{source}: annotations[{i}]")
    _check_ids(annotations, f"{source}: annotations")
    boxes = []
    for i, ann in enumerate(annotations):
        where = f"{source}: annotations[{i}] (id {ann['id']})"
        if not _is_int(ann["image_id"]) or ann["image_id"] not in image_index:
            raise ValueError(f"{where} has image_id {ann['image_id']!r}, which does not exist "
                             f"in images")
        if "caption" in ann:
            if not isinstance(ann["caption"], str):
                raise ValueError(f"{where} has a caption that is not a string")
            continue
        _require(ann, ("category_id", "bbox", "area", "iscrowd"), where)
        if not _is_int(ann["category_id"]) or ann["category_id"] not in category_index:
            raise ValueError(f"{where} has category_id {ann['category_id']!r}, which does not "
                             f"exist in categories")
        if ann["iscrowd"] not in (0, 1):
            raise ValueError(f"{where} has iscrowd {ann['iscrowd']!r}; it must be 0 or 1")
        if not _is_number(ann["area"]) or ann["area"] < 0:
            raise ValueError(f"{where} has area {ann['area']!r}; it must be a number >= 0")
        bbox = ann["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox)):
            raise ValueError(f"{where} has bbox {bbox!r}; it must be [x, y, width, height]")
        boxes.append(bbox)
        if "segmentation" in ann:
            img = images[image_index[ann["image_id"]]]
            _check_segmentation(ann["segmentation"], img["height"], img["width"], where)
    # Every instance annotation has a box; name the first with a negative size.
    instances = [i for i, ann in enumerate(annotations) if "caption" not in ann]
    array = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1) | (array[:, 2:] < 0).any(axis=1))
    if bad.size:
        i = instances[bad[0]]
        raise ValueError(f"{source}: annotations[{i}] (id {annotations[i]['id']}) has bbox "
                         f"{boxes[bad[0]]}: a negative width or height, or a number that "
                         f"is not finite")
