"""COCO annotation files: a validated index with pycocotools' method names.

A COCO file is one JSON object with ``images``, ``annotations`` and (for instances)
``categories``. :class:`COCO` loads one, checks it, and indexes it with the same
attributes and methods as ``pycocotools.coco.COCO`` (``getImgIds``, ``getCatIds``,
``getAnnIds``, ``loadImgs``, ``loadAnns``, ``loadCats``, ``annToRLE``, ``annToMask``, ``info``;
``dataset``, ``imgs``, ``anns``, ``cats``, ``imgToAnns``, ``catToImgs``), so what a
student learns here transfers unchanged.

Two deliberate differences, both about bad input: the file is validated when it is
loaded, by :mod:`~imgprep_course.datasets.coco_format` as the evaluator reads it
(pycocotools fails later, deep inside, or not at all), and asking for an image,
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

import os
from collections import defaultdict
from typing import Iterable

import numpy as np

from imgprep_course.datasets import masks
from imgprep_course.datasets.coco_format import load_json, validate_instances

__all__ = ["COCO", "load_json"]


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
        validate_instances(dataset, self.source)
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

    # ----------------------------------------------------------------- results
    def loadRes(self, resFile) -> "COCO":
        """An index of detection results on this ground truth's images, as pycocotools'.

        ``COCO.loadRes`` semantics: the results are a JSON file, a list of dicts or an
        ``(N, 7)`` array of rows ``[image_id, x, y, w, h, score, category_id]``. The
        first result decides: with a non-empty ``bbox``, every result gets ``area = w *
        h`` and, when it has none, the box's polygon as ``segmentation``; otherwise
        (``segmentation`` results) ``area`` and, when missing, ``bbox`` come from the
        mask. Ids become ``1..N`` in order, ``iscrowd`` 0; images and categories are
        this index's. Unlike pycocotools, the given results are not modified (each is
        copied), and a result of an image this index does not hold raises a
        ``ValueError`` naming it (pycocotools asserts).

        Examples
        --------
        >>> gt = COCO({"images": [{"id": 1, "file_name": "a.jpg", "height": 8, "width": 8}],
        ...            "categories": [{"id": 1, "name": "dot"}], "annotations": []})
        >>> res = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 3],
        ...                    "score": 0.5}])
        >>> ann = res.loadAnns(1)[0]
        >>> ann["area"], ann["iscrowd"], ann["segmentation"]
        (6, 0, [[1, 1, 1, 4, 3, 4, 3, 1]])
        """
        source = "<list>"
        if isinstance(resFile, (str, os.PathLike)):
            source = str(resFile)
            anns = load_json(resFile)
        elif isinstance(resFile, np.ndarray):
            anns = _numpy_results(resFile)
        else:
            anns = resFile
        if not isinstance(anns, list):
            raise TypeError(f"results must be a list of dicts, a JSON file holding one or an "
                            f"(N, 7) array, got {type(anns).__name__}")
        anns = [dict(ann) if isinstance(ann, dict) else ann for ann in anns]
        for i, ann in enumerate(anns):
            if not isinstance(ann, dict) or ann.get("image_id") not in self.imgs:
                raise ValueError(f"{source}: results[{i}] has image_id "
                                 f"{ann.get('image_id') if isinstance(ann, dict) else ann!r}"
                                 f", which is not among the image ids of {self.source}")
        if anns and "bbox" in anns[0] and anns[0]["bbox"] != []:
            for k, ann in enumerate(anns, 1):
                x, y, w, h = ann["bbox"]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x, y, x, y + h, x + w, y + h, x + w, y]]
                ann.update(area=w * h, id=k, iscrowd=0)
        elif anns and "segmentation" in anns[0]:
            for k, ann in enumerate(anns, 1):
                ann["area"] = masks.area(ann["segmentation"])
                if "bbox" not in ann:
                    ann["bbox"] = masks.to_bbox(ann["segmentation"])
                ann.update(id=k, iscrowd=0)
        elif anns:
            raise ValueError(f"{source}: results[0] has neither a 'bbox' nor a 'segmentation'")
        res = COCO()
        res.source = f"results on {self.source}"
        res.dataset = {"images": list(self.dataset.get("images", [])),
                       "categories": [dict(c) for c in self.dataset.get("categories", [])],
                       "annotations": anns}
        res.createIndex()
        return res

    # ---------------------------------------------------------------- helpers
    def _known(self, ids, table: dict, what: str) -> list[int]:
        ids = _as_list(ids)
        for i in ids:
            if i not in table:
                raise ValueError(f"{what} id {i!r} does not exist in {self.source} "
                                 f"(it has {len(table)} {what}s)")
        return ids


# ------------------------------------------------------------------ helpers
def _numpy_results(data: np.ndarray) -> list[dict]:
    """``COCO.loadNumpyAnnotations``: rows ``[image_id, x, y, w, h, score, category_id]``."""
    if data.ndim != 2 or data.shape[1] != 7:
        raise ValueError(f"results as an array must have shape (N, 7), got {data.shape}")
    return [{"image_id": int(row[0]), "bbox": [row[1], row[2], row[3], row[4]],
             "score": row[5], "category_id": int(row[6])} for row in data]


def _as_list(ids) -> list:
    if isinstance(ids, (str, int, np.integer)):
        return [ids]
    return list(ids)
