"""Dataset statistics as plain dicts and arrays, ready to print or plot.

Each function takes what the loaders return: a :class:`~imgprep_course.datasets.coco.COCO`
index, VOC annotations (the dict :func:`~imgprep_course.datasets.voc.read_voc_dataset`
returns, or a list of :class:`~imgprep_course.datasets.voc.VocAnnotation`), or an
:class:`~imgprep_course.datasets.imagenet.ImageFolder`.

COCO's size ranges are judged on each annotation's ``area`` (the mask's pixel count
for COCO, not the box's): small below 32², medium from 32² to below 96², large from
96². The COCO paper states them as ``area < 32²``, ``32² < area < 96²``,
``area > 96²``; pycocotools' evaluator includes both ends of each range, so an area of
exactly 32² counts as small *and* medium there. Here every object lands in exactly one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from imgprep_course.datasets.coco import COCO
from imgprep_course.datasets.imagenet import ImageFolder
from imgprep_course.datasets.voc import VocAnnotation

__all__ = ["images_per_class", "objects_per_class", "objects_per_image", "size_ranges",
           "caption_lengths", "SIZE_RANGES"]

#: COCO's size ranges as half-open ``[low, high)`` areas in square pixels.
SIZE_RANGES = {"small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
               "large": (96.0 ** 2, np.inf)}


def _voc_list(dataset) -> list[VocAnnotation] | None:
    if isinstance(dataset, Mapping):
        dataset = list(dataset.values())
    if isinstance(dataset, list) and all(isinstance(a, VocAnnotation) for a in dataset):
        return dataset
    return None


def _coco_instances(coco: COCO, include_crowd: bool) -> list[dict]:
    return [ann for ann in coco.anns.values()
            if "category_id" in ann and (include_crowd or not ann.get("iscrowd", 0))]


def _kind_error(dataset, what: str) -> TypeError:
    return TypeError(f"dataset must be {what}, got {type(dataset).__name__}")


def images_per_class(dataset, *, include_crowd: bool = False) -> dict[str, int]:
    """Number of images holding at least one object of each class, by class name.

    For an :class:`ImageFolder` that is the number of images in each class folder.
    Classes with no image are listed with 0, in the dataset's category order.

    Examples
    --------
    >>> coco = COCO({"images": [{"id": 1, "file_name": "a", "height": 9, "width": 9},
    ...                         {"id": 2, "file_name": "b", "height": 9, "width": 9}],
    ...              "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "cross"}],
    ...              "annotations": [
    ...     {"id": k, "image_id": i, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1,
    ...      "iscrowd": 0} for k, i in [(1, 1), (2, 1), (3, 2)]]})
    >>> images_per_class(coco)
    {'circle': 2, 'cross': 0}
    """
    if isinstance(dataset, ImageFolder):
        return dataset.counts()
    if isinstance(dataset, COCO):
        seen = {cat_id: set() for cat_id in dataset.cats}
        for ann in _coco_instances(dataset, include_crowd):
            seen[ann["category_id"]].add(ann["image_id"])
        return {dataset.cats[c]["name"]: len(images) for c, images in seen.items()}
    voc = _voc_list(dataset)
    if voc is None:
        raise _kind_error(dataset, "a COCO index, VOC annotations or an ImageFolder")
    counts: dict[str, int] = {}
    for annotation in voc:
        for name in set(annotation.names()):
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def objects_per_class(dataset, *, include_crowd: bool = False,
                      include_difficult: bool = True) -> dict[str, int]:
    """Number of annotated objects of each class, by class name.

    COCO crowd regions are left out unless ``include_crowd``; VOC ``difficult`` objects
    are counted unless ``include_difficult`` is False.

    Examples
    --------
    >>> from imgprep_course.datasets.voc import VocObject
    >>> voc = [VocAnnotation("a.jpg", 9, 9, objects=[VocObject("dog", (1, 1, 2, 2)),
    ...                                              VocObject("dog", (1, 1, 5, 5), True)])]
    >>> objects_per_class(voc), objects_per_class(voc, include_difficult=False)
    ({'dog': 2}, {'dog': 1})
    """
    if isinstance(dataset, COCO):
        counts = {cat_id: 0 for cat_id in dataset.cats}
        for ann in _coco_instances(dataset, include_crowd):
            counts[ann["category_id"]] += 1
        return {dataset.cats[c]["name"]: n for c, n in counts.items()}
    voc = _voc_list(dataset)
    if voc is None:
        raise _kind_error(dataset, "a COCO index or VOC annotations")
    counts_by_name: dict[str, int] = {}
    for annotation in voc:
        for obj in annotation.objects:
            if include_difficult or not obj.difficult:
                counts_by_name[obj.name] = counts_by_name.get(obj.name, 0) + 1
    return dict(sorted(counts_by_name.items()))


def objects_per_image(dataset, *, include_crowd: bool = False) -> np.ndarray:
    """Histogram of objects per image: entry ``k`` is the number of images with ``k`` objects.

    Images without objects count in entry 0.

    Examples
    --------
    >>> from imgprep_course.datasets.voc import VocObject
    >>> box = VocObject("dog", (1, 1, 2, 2))
    >>> objects_per_image([VocAnnotation("a", 9, 9, objects=[box, box]),
    ...                    VocAnnotation("b", 9, 9)]).tolist()
    [1, 0, 1]
    """
    if isinstance(dataset, COCO):
        per_image = {img_id: 0 for img_id in dataset.imgs}
        for ann in _coco_instances(dataset, include_crowd):
            per_image[ann["image_id"]] += 1
        numbers = list(per_image.values())
    else:
        voc = _voc_list(dataset)
        if voc is None:
            raise _kind_error(dataset, "a COCO index or VOC annotations")
        numbers = [len(annotation.objects) for annotation in voc]
    return np.bincount(np.asarray(numbers, dtype=np.int64), minlength=1)


def size_ranges(coco: COCO, *, include_crowd: bool = False) -> dict[str, int]:
    """Number of COCO objects in each size range of :data:`SIZE_RANGES`, by ``area``.

    Examples
    --------
    >>> coco = COCO({"images": [{"id": 1, "file_name": "a", "height": 99, "width": 99}],
    ...              "categories": [{"id": 1, "name": "circle"}],
    ...              "annotations": [
    ...     {"id": k, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": area,
    ...      "iscrowd": 0} for k, area in enumerate([10, 1023, 1024, 9216])]})
    >>> size_ranges(coco)
    {'small': 2, 'medium': 1, 'large': 1}
    """
    if not isinstance(coco, COCO):
        raise _kind_error(coco, "a COCO index")
    areas = np.array([ann["area"] for ann in _coco_instances(coco, include_crowd)], float)
    return {name: int(((areas >= low) & (areas < high)).sum())
            for name, (low, high) in SIZE_RANGES.items()}


def caption_lengths(coco: COCO) -> np.ndarray:
    """Number of words in each caption of a COCO captions file, in file order.

    Words are what :meth:`str.split` separates (punctuation stays on its word).

    Examples
    --------
    >>> coco = COCO({"images": [{"id": 1, "file_name": "a", "height": 9, "width": 9}],
    ...              "annotations": [{"id": 1, "image_id": 1, "caption": "A red circle."},
    ...                              {"id": 2, "image_id": 1, "caption": "Two shapes"}]})
    >>> caption_lengths(coco).tolist()
    [3, 2]
    """
    if not isinstance(coco, COCO):
        raise _kind_error(coco, "a COCO index")
    captions = [ann["caption"] for ann in coco.anns.values() if "caption" in ann]
    if not captions and coco.anns:
        raise ValueError(f"{coco.source} holds no captions (is it an instances file?)")
    return np.array([len(text.split()) for text in captions], dtype=np.int64)
