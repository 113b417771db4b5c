"""Converting annotations between COCO and PASCAL VOC.

What carries over and what does not:

- **Boxes.** COCO's ``[x, y, width, height]`` are continuous coordinates; VOC's are
  1-based pixel indices ``xmin ymin xmax ymax``, both ends included. A COCO box on whole
  pixels converts exactly (:func:`imgprep_course.boxes.convert`); a fractional one becomes
  the VOC box of every pixel it touches (rounded outwards).
- **Masks** do not go into VOC's XML (VOC keeps them in separate PNGs), and VOC's XML
  has none to give, so :func:`voc_to_coco` writes each box as a four-corner polygon:
  ``annToMask`` then gives the box's pixels and ``area`` is the box's area.
- **Crowds and difficult objects** are different ideas: a COCO crowd region is many
  objects under one mask, a VOC difficult object is one object the benchmark does not
  score. Both are "do not count a miss here" to an evaluator, so by default each
  becomes the other.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from imgprep_course.boxes import convert
from imgprep_course.datasets.coco import COCO
from imgprep_course.datasets.voc import VocAnnotation, VocObject

__all__ = ["coco_to_voc", "voc_to_coco"]


def coco_to_voc(coco: COCO, image_id: int, *, crowd: str = "difficult") -> VocAnnotation:
    """The VOC annotation of one image of a COCO index.

    Parameters
    ----------
    coco : COCO
        An instances index.
    image_id : int
        The image.
    crowd : {"difficult", "skip"}
        Whether a crowd region becomes one ``difficult`` object or is left out.

    Examples
    --------
    >>> coco = COCO({"images": [{"id": 1, "file_name": "a.jpg", "height": 8, "width": 9}],
    ...              "categories": [{"id": 3, "name": "star"}],
    ...              "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "iscrowd": 0,
    ...                               "bbox": [2, 1, 3, 4], "area": 12},
    ...                              {"id": 2, "image_id": 1, "category_id": 3, "iscrowd": 1,
    ...                               "bbox": [0.5, 0, 2, 2.2], "area": 3}]})
    >>> [(o.name, o.bbox, o.difficult) for o in coco_to_voc(coco, 1).objects]
    [('star', (3, 2, 5, 5), False), ('star', (1, 1, 3, 3), True)]
    """
    if crowd not in ("difficult", "skip"):
        raise ValueError(f"crowd must be 'difficult' or 'skip', got {crowd!r}")
    img = coco.loadImgs(image_id)[0]
    anns = [ann for ann in coco.loadAnns(coco.getAnnIds(imgIds=image_id))
            if "category_id" in ann and not (crowd == "skip" and ann["iscrowd"])]
    xyxy = convert([ann["bbox"] for ann in anns], "xywh", "xyxy")
    voc = np.concatenate([np.floor(xyxy[:, :2]) + 1, np.ceil(xyxy[:, 2:])], axis=1).astype(int)
    objects = [VocObject(coco.cats[ann["category_id"]]["name"], tuple(int(v) for v in box),
                         difficult=bool(ann["iscrowd"]))
               for ann, box in zip(anns, voc)]
    return VocAnnotation(img["file_name"], img["width"], img["height"], objects=objects,
                         folder="COCO")


def voc_to_coco(annotations: Mapping[str, VocAnnotation] | list[VocAnnotation],
                categories: list[str] | None = None, *, difficult: str = "crowd") -> dict:
    """A COCO instances dataset (a dict, ready for ``json.dump`` or :class:`COCO`) from VOC.

    Parameters
    ----------
    annotations : dict or list of VocAnnotation
        What :func:`~imgprep_course.datasets.voc.read_voc_dataset` returns, or a list.
        Images are numbered from 1 in this order.
    categories : list of str, optional
        Class names in category-id order (ids from 1). By default the names found,
        sorted, which for VOC's 20 classes is VOC's own order.
    difficult : {"crowd", "keep", "skip"}
        A difficult object becomes a crowd region (``iscrowd=1``, ignored by COCO's
        evaluator), an ordinary object, or is left out.

    Examples
    --------
    >>> voc = [VocAnnotation("a.jpg", 9, 8, objects=[VocObject("star", (3, 2, 5, 5)),
    ...                                              VocObject("dog", (1, 1, 1, 1), True)])]
    >>> data = voc_to_coco(voc)
    >>> [c["name"] for c in data["categories"]]
    ['dog', 'star']
    >>> [(a["category_id"], a["bbox"], a["area"], a["iscrowd"]) for a in data["annotations"]]
    [(2, [2.0, 1.0, 3.0, 4.0], 12.0, 0), (1, [0.0, 0.0, 1.0, 1.0], 1.0, 1)]
    """
    if difficult not in ("crowd", "keep", "skip"):
        raise ValueError(f"difficult must be 'crowd', 'keep' or 'skip', got {difficult!r}")
    items = list(annotations.values()) if isinstance(annotations, Mapping) else list(annotations)
    names = sorted({obj.name for ann in items for obj in ann.objects})
    if categories is None:
        categories = names
    missing = sorted(set(names) - set(categories))
    if missing:
        raise ValueError(f"categories lacks the classes {missing}")
    ids = {name: i for i, name in enumerate(categories, 1)}
    images, instances = [], []
    for image_id, ann in enumerate(items, 1):
        images.append({"id": image_id, "file_name": ann.filename, "width": ann.width,
                       "height": ann.height})
        objects = [obj for obj in ann.objects if not (difficult == "skip" and obj.difficult)]
        for obj, (x, y, w, h) in zip(objects, convert([o.bbox for o in objects], "voc", "xywh")):
            x, y, w, h = float(x), float(y), float(w), float(h)
            instances.append({"segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]],
                              "area": w * h,
                              "iscrowd": int(difficult == "crowd" and obj.difficult),
                              "image_id": image_id, "bbox": [x, y, w, h],
                              "category_id": ids[obj.name], "id": len(instances) + 1})
    return {"images": images, "annotations": instances,
            "categories": [{"id": i, "name": name, "supercategory": name}
                           for name, i in ids.items()]}
