"""Real photos with real annotations: a small set, annotated by hand, in all three formats.

The photos are not stored here: they ship with scikit-image (``skimage.data``) and
matplotlib (its sample data), so nothing is downloaded. What the course adds is in
``photos.json`` beside this module: for every photo, its source and licence, and the
objects in it, each outlined by hand with one or more polygons (by the course's
authors, looking at the photo with a pixel grid over it, then drawing the polygons over
the photo and correcting them until they fitted). Boxes are the polygons' extents.

=================  ==============  ==========================================================
photo              ships with      licence, as the package states it
=================  ==============  ==========================================================
``astronaut``      scikit-image    public domain (NASA)
``coffee``         scikit-image    CC0 (Rachel Michetti)
``chelsea``        scikit-image    CC0 (Stefan van der Walt)
``rocket``         scikit-image    public domain (SpaceX)
``camera``         scikit-image    CC0 (Lav Varshney)
``grace_hopper``   matplotlib      public domain (U.S. Navy)
=================  ==============  ==========================================================

How the annotations follow COCO:

- **Visible parts.** A polygon outlines what is visible (COCO's convention): the saucer's
  polygon goes round the cup standing on it; the tripod, seen as five thin parts, has
  five polygons. Objects may overlap (a face lies inside its person), as in COCO.
- **Category ids.** ``person`` 1, ``cat`` 17, ``cup`` 47 and ``spoon`` 50 are COCO's own
  ids for those classes; the other classes are not COCO classes and get ids from 91 up
  (COCO's ids end at 90). Ids are not indices: see :func:`class_index`.
- **bbox** is ``[x, y, width, height]``, the extent of the polygons (as in the real
  files); **area** is the polygons' area by the shoelace formula, a float, as real COCO
  polygon areas are floats; ``annToMask`` gives the pixels, whose count is close to it.

:func:`make_photos` writes the set as COCO JSON, as PASCAL VOC (XML through
:func:`~imgprep_course.datasets.convert.coco_to_voc` and
:func:`~imgprep_course.datasets.voc.write_voc_xml`, segmentation PNGs through
:func:`~imgprep_course.datasets.voc.write_voc_segmentation`) and as class folders of
object crops that :class:`~imgprep_course.datasets.imagenet.ImageFolder` reads.

Examples
--------
>>> data = photos_coco()
>>> len(data["images"]), len(data["annotations"])
(6, 22)
>>> load_photo("coffee").shape
(400, 600, 3)
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from imgprep_course.datasets._atomic import write_folder_atomically
from imgprep_course.datasets.coco import COCO
from imgprep_course.datasets.convert import coco_to_voc
from imgprep_course.datasets.voc import write_voc_segmentation, write_voc_xml

__all__ = ["PHOTO_NAMES", "load_photo", "photo_info", "photos_coco", "class_index",
           "make_photos"]

_ANNOTATIONS = Path(__file__).with_name("photos.json")
_JPEG_QUALITY = 95


@lru_cache(maxsize=1)
def _annotations() -> dict:
    return json.loads(_ANNOTATIONS.read_text(encoding="utf-8"))


#: The photos, in image-id order (ids from 1).
PHOTO_NAMES = tuple(photo["name"] for photo in _annotations()["photos"])


def photo_info(name: str) -> dict:
    """Source, licence and description of one photo (a copy of its ``photos.json`` entry).

    Examples
    --------
    >>> photo_info("chelsea")["license"]
    'CC0 by the photographer, Stefan van der Walt (skimage.data.chelsea docstring)'
    """
    for photo in _annotations()["photos"]:
        if photo["name"] == name:
            return {key: value for key, value in photo.items() if key != "objects"}
    raise ValueError(f"name must be one of {list(PHOTO_NAMES)}, got {name!r}")


def _photo_file(name: str) -> Path:
    info = photo_info(name)
    if info["package"] == "matplotlib":
        from matplotlib import cbook

        return Path(cbook.get_sample_data(info["file"], asfileobj=False))
    # scikit-image's bundled files, read without importing skimage (which takes seconds):
    # skimage.data.<name>() reads this very file.
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"photo {name!r} ships with scikit-image: "
                                  f"pip install scikit-image")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / info["file"]


def load_photo(name: str) -> np.ndarray:
    """Load one photo of the set as an ``(H, W, 3)`` uint8 RGB array.

    A grey-level photo (``camera``) has its one channel repeated three times.

    Examples
    --------
    >>> load_photo("camera").shape
    (512, 512, 3)
    """
    with Image.open(_photo_file(name)) as image:
        return np.asarray(image.convert("RGB"))


def _shoelace(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def photos_coco() -> dict:
    """The annotations as a COCO instances dataset (a dict, ready for ``json.dump``).

    Examples
    --------
    >>> data = photos_coco()
    >>> first = data["annotations"][0]
    >>> data["images"][0]["file_name"], first["category_id"], first["bbox"]
    ('astronaut.jpg', 91, [180.0, 72.0, 105.0, 108.0])
    >>> round(first["area"], 1)
    9026.0
    """
    data = _annotations()
    ids = {c["name"]: c["id"] for c in data["categories"]}
    licenses, images, annotations = [], [], []
    for image_id, photo in enumerate(data["photos"], 1):
        height, width = photo["height"], photo["width"]
        licenses.append({"id": image_id, "name": photo["license"]})
        images.append({"id": image_id, "file_name": f"{photo['name']}.jpg", "width": width,
                       "height": height, "license": image_id})
        for obj in photo["objects"]:
            polygons = [np.reshape(np.asarray(p, dtype=np.float64), (-1, 2))
                        for p in obj["polygons"]]
            points = np.concatenate(polygons)
            low, high = points.min(axis=0), points.max(axis=0)
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id,
                "category_id": ids[obj["category"]], "iscrowd": 0,
                "segmentation": [p.ravel().tolist() for p in polygons],
                "area": sum(_shoelace(p) for p in polygons),
                "bbox": [float(low[0]), float(low[1]), float(high[0] - low[0]),
                         float(high[1] - low[1])]})
    return {"info": {"description": data["description"], "version": "1.0", "year": 2026},
            "licenses": licenses, "images": images, "annotations": annotations,
            "categories": [dict(c) for c in data["categories"]]}


def class_index(category_ids, categories: list[dict]) -> np.ndarray:
    """Map COCO category ids to 0-based class indices, in the order of ``categories``.

    A model's output has one unit per class, numbered from 0; COCO's category ids are
    labels with gaps (1..90 for 80 classes). The mapping is a choice: write it down once.

    Raises
    ------
    ValueError
        When an id is not among the categories (the message names it).

    Examples
    --------
    >>> class_index([17, 1, 91], [{"id": 1}, {"id": 17}, {"id": 91}]).tolist()
    [1, 0, 2]
    """
    index = {c["id"]: k for k, c in enumerate(categories)}
    ids = np.asarray(category_ids).ravel().tolist()
    unknown = sorted({i for i in ids if i not in index})
    if unknown:
        raise ValueError(f"category_ids holds ids {unknown} that are not in categories")
    return np.array([index[i] for i in ids], dtype=np.int64)


def _segmentation_maps(coco: COCO, image_id: int, height: int, width: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """VOC class and object maps: larger objects first, so a face is painted over its person."""
    class_of = {c["id"]: k for k, c in enumerate(coco.dataset["categories"], 1)}
    class_map = np.zeros((height, width), np.uint8)
    object_map = np.zeros((height, width), np.uint8)
    anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id))
    for position, ann in sorted(enumerate(anns, 1), key=lambda item: -item[1]["area"]):
        mask = coco.annToMask(ann).astype(bool)
        class_map[mask] = class_of[ann["category_id"]]
        object_map[mask] = position
    return class_map, object_map


def make_photos(out: str | os.PathLike) -> Path:
    """Write the photo set into the new folder ``out``, in COCO, VOC and class-folder form::

        OUT/coco/images/<name>.jpg, OUT/coco/instances.json
        OUT/voc/JPEGImages/<name>.jpg, Annotations/<name>.xml,
        OUT/voc/SegmentationClass/<name>.png, SegmentationObject/<name>.png,
        OUT/voc/ImageSets/Main/trainval.txt
        OUT/classes/<category>/<name>_<k>.jpg   each object's box, cropped

    VOC class indices in the segmentation PNGs are positions in the category list
    (1 first, 0 background); there is no void band.

    Raises
    ------
    FileExistsError
        When ``out`` exists and is not an empty folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = make_photos(pathlib.Path(tempfile.mkdtemp()) / "photos")
    >>> sorted(p.name for p in out.iterdir())
    ['classes', 'coco', 'voc']
    """
    return write_folder_atomically(out, _write)


def _write(root: Path) -> None:
    data = photos_coco()
    folders = {name: root / name for name in (
        "coco/images", "voc/JPEGImages", "voc/Annotations", "voc/SegmentationClass",
        "voc/SegmentationObject", "voc/ImageSets/Main", "classes")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    (root / "coco" / "instances.json").write_text(json.dumps(data), encoding="utf-8")
    coco = COCO(data)
    names = {c["id"]: c["name"] for c in data["categories"]}
    crops: dict[str, int] = {}
    for info in data["images"]:
        name = Path(info["file_name"]).stem
        photo = load_photo(name)
        for folder in ("coco/images", "voc/JPEGImages"):
            Image.fromarray(photo).save(folders[folder] / info["file_name"],
                                        quality=_JPEG_QUALITY)
        write_voc_xml(coco_to_voc(coco, info["id"]), folders["voc/Annotations"] / f"{name}.xml")
        class_map, object_map = _segmentation_maps(coco, info["id"], info["height"],
                                                   info["width"])
        write_voc_segmentation(class_map, folders["voc/SegmentationClass"] / f"{name}.png")
        write_voc_segmentation(object_map, folders["voc/SegmentationObject"] / f"{name}.png")
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=info["id"])):
            x, y, w, h = ann["bbox"]
            category = names[ann["category_id"]]
            crops[category] = crops.get(category, 0) + 1
            folder = folders["classes"] / category
            folder.mkdir(exist_ok=True)
            crop = photo[int(y):int(np.ceil(y + h)), int(x):int(np.ceil(x + w))]
            Image.fromarray(crop).save(folder / f"{name}_{crops[category]}.jpg",
                                       quality=_JPEG_QUALITY)
    (folders["voc/ImageSets/Main"] / "trainval.txt").write_text(
        "".join(f"{Path(i['file_name']).stem}\n" for i in data["images"]))

