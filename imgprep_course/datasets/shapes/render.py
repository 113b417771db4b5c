"""Rendering and annotation of a scene: the image, COCO annotations, VOC objects and maps.

Examples
--------
>>> from imgprep_course.datasets.shapes.scene import sample_scene
>>> rendered = render_scene(sample_scene(seed=2, width=64, height=48))
>>> rendered.image.shape, rendered.class_map.shape
((48, 64, 3), (48, 64))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgprep_course._validation import as_rng
from imgprep_course.datasets import masks
from imgprep_course.datasets.shapes.captions import scene_captions
from imgprep_course.datasets.shapes.polygons import (as_coco_polygon, intersect, outlines,
                                                     overlaps, signed_area, subtract)
from imgprep_course.datasets.shapes.scene import (BACKGROUNDS, CATEGORIES, COLOURS, Scene,
                                                  Shape)
from imgprep_course.datasets.voc import VOID, VocAnnotation, VocObject


@dataclass
class RenderedScene:
    """A scene drawn and annotated.

    Attributes
    ----------
    image : (H, W, 3) ndarray of uint8
    annotations : list of dict
        COCO annotations without ``id`` and ``image_id``: the visible non-crowd shapes in
        drawing order, then the crowd region if any.
    voc : VocAnnotation
        The VOC objects (filename left empty).
    class_map, object_map : (H, W) ndarray of uint8
        VOC's ``SegmentationClass`` and ``SegmentationObject`` indices.
    captions : list of str
        Five captions.
    crops : list of (int, (4,) ndarray)
        ImageNet crops: category id and ``[x0, y0, x1, y1]`` pixel bounds.
    """

    image: np.ndarray
    annotations: list[dict]
    voc: VocAnnotation
    class_map: np.ndarray
    object_map: np.ndarray
    captions: list[str]
    crops: list[tuple[int, np.ndarray]]


def _visible_polygons(index: int, shapes: tuple[Shape, ...], frame: np.ndarray
                      ) -> tuple[list[list[float]], float]:
    """COCO polygons of what is visible of ``shapes[index]``, and its in-image area."""
    shape = shapes[index]
    inside = intersect(shape.outline, frame)
    whole = signed_area(inside) if len(inside) >= 3 else 0.0
    in_front = [other for other in shapes[index + 1:]
                if not other.crowd and overlaps(shape.outline, other.outline)]
    pieces = [inside] if len(inside) >= 3 else []
    if in_front:
        cut = [intersect(piece, frame) for piece in shape.pieces]
        cut = [piece for piece in cut if len(piece) >= 3]
        for other in in_front:
            for convex in other.pieces:
                cut = [part for piece in cut for part in subtract(piece, convex)]
        if abs(sum(signed_area(piece) for piece in cut) - whole) > 1e-6:
            pieces = outlines(cut)
    polygons = [p for p in (as_coco_polygon(piece) for piece in pieces) if p is not None]
    return polygons, whole


def render_scene(scene: Scene) -> RenderedScene:
    """Draw ``scene`` and compute its COCO annotations, VOC annotation, masks and captions.

    A pure function of the scene: the same scene gives the same result.

    Examples
    --------
    >>> from imgprep_course.datasets.shapes.scene import sample_scene
    >>> rendered = render_scene(sample_scene(seed=1))
    >>> rendered.image.dtype, len(rendered.captions)
    (dtype('uint8'), 5)
    >>> crowd = [a["iscrowd"] for a in rendered.annotations]
    >>> len(rendered.voc.objects) >= crowd.count(0)   # VOC adds each crowd member
    True
    """
    width, height = scene.width, scene.height
    owner = np.full((height, width), -1, np.int64)  # index into scene.shapes, per pixel
    objects = _draw_shapes(scene, owner)
    rng = as_rng(scene.seed)
    image = _paint(scene, owner, rng)
    annotations, voc_objects, crops = _annotate_objects(scene, objects)
    members = [i for i, shape in enumerate(scene.shapes) if shape.crowd and (owner == i).any()]
    if members:
        crowd, voc_members = _annotate_crowd(scene, owner, members)
        annotations.append(crowd)
        voc_objects.extend(voc_members)
    order = [obj["index"] for obj in objects] + members
    class_map, object_map = _segmentation_maps(scene, owner, order, voc_objects)
    voc = VocAnnotation("", width, height, objects=voc_objects, folder="shapes",
                        segmented=True)
    captions = scene_captions(scene, objects, members, rng)
    return RenderedScene(image, annotations, voc, class_map, object_map, captions, crops)


def _draw_shapes(scene: Scene, owner: np.ndarray) -> list[dict]:
    """Mark each pixel's frontmost shape in ``owner``; describe the visible non-crowd shapes.

    Crowd members are drawn first (behind everything), as their outlines; every other
    shape is drawn as the mask of its visible polygons, back to front.
    """
    width, height = scene.width, scene.height
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], float)
    for i, shape in enumerate(scene.shapes):
        inside = as_coco_polygon(intersect(shape.outline, frame)) if shape.crowd else None
        if inside is not None:
            owner[masks.decode(masks.from_polygons([inside], height, width)[0]) > 0] = i
    objects = []
    for i, shape in enumerate(scene.shapes):
        if shape.crowd:
            continue
        polygons, whole = _visible_polygons(i, scene.shapes, frame)
        if not polygons:
            continue
        rle = masks.from_segmentation(polygons, height, width)
        area = int(masks.area(rle))
        if area == 0:
            continue
        owner[masks.decode(rle) > 0] = i
        full = as_coco_polygon(intersect(shape.outline, frame))
        full_area = int(masks.area(masks.from_segmentation([full], height, width))) if full else 0
        objects.append({"index": i, "polygons": polygons, "rle": rle, "area": area,
                        "visible": min(area / full_area, 1.0) if full_area else 1.0,
                        "truncated": whole < 0.995 * signed_area(shape.outline)})
    return objects


def _annotate_objects(scene: Scene, objects: list[dict]
                      ) -> tuple[list[dict], list[VocObject], list[tuple[int, np.ndarray]]]:
    """COCO annotations, VOC objects and ImageNet crops of the visible non-crowd shapes."""
    annotations, voc_objects, crops = [], [], []
    names = {c.id: c.name for c in CATEGORIES}
    for obj in objects:
        shape = scene.shapes[obj["index"]]
        bbox = masks.to_bbox(obj["rle"])
        annotations.append({"segmentation": obj["polygons"], "area": obj["area"],
                            "iscrowd": 0, "bbox": [float(v) for v in bbox],
                            "category_id": shape.category})
        x, y, w, h = (int(v) for v in bbox)
        difficult = obj["area"] < 100 or obj["visible"] < 0.3
        voc_objects.append(VocObject(names[shape.category], (x + 1, y + 1, x + w, y + h),
                                     difficult=difficult, truncated=bool(obj["truncated"]),
                                     occluded=obj["visible"] < 0.95))
        if not obj["truncated"] and obj["visible"] >= 0.9 and obj["area"] >= 24 ** 2:
            margin = 0.2 * np.array([w, h])
            low = np.maximum(np.floor(bbox[:2] - margin), 0)
            high = np.minimum(np.ceil(bbox[:2] + bbox[2:] + margin), [scene.width, scene.height])
            crops.append((shape.category, np.concatenate([low, high]).astype(int)))
    return annotations, voc_objects, crops


def _annotate_crowd(scene: Scene, owner: np.ndarray, members: list[int]
                    ) -> tuple[dict, list[VocObject]]:
    """One COCO crowd annotation (uncompressed RLE of the visible members) and a
    difficult VOC object per member."""
    rle = masks.encode(np.isin(owner, members))
    category = scene.shapes[members[0]].category
    annotation = {"segmentation": masks.uncompress(rle), "area": int(masks.area(rle)),
                  "iscrowd": 1, "bbox": [float(v) for v in masks.to_bbox(rle)],
                  "category_id": category}
    name = next(c.name for c in CATEGORIES if c.id == category)
    voc_objects = []
    for i in members:
        rows, columns = np.nonzero(owner == i)
        voc_objects.append(VocObject(name, (int(columns.min()) + 1, int(rows.min()) + 1,
                                            int(columns.max()) + 1, int(rows.max()) + 1),
                                     difficult=True))
    return annotation, voc_objects


def _paint(scene: Scene, owner: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Background gradient, each pixel's owner's colour, a little noise."""
    palette = np.array([COLOURS[shape.colour] for shape in scene.shapes]
                       + [BACKGROUNDS[scene.background]], float)
    image = palette[owner]                      # owner -1 picks the background (last row)
    shade = np.where(owner < 0, np.linspace(-14, 14, scene.height)[:, None], 0.0)
    image += shade[:, :, None]
    image += rng.normal(0, 3.0, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _segmentation_maps(scene: Scene, owner: np.ndarray, order: list[int],
                       voc_objects: list[VocObject]) -> tuple[np.ndarray, np.ndarray]:
    """VOC class and object index maps, with void borders and void difficult objects."""
    position = np.zeros(len(scene.shapes) + 1, np.int64)     # owner -1 -> last entry -> 0
    category = np.zeros(len(scene.shapes) + 1, np.int64)
    difficult = np.zeros(len(scene.shapes) + 1, bool)
    for k, (i, obj) in enumerate(zip(order, voc_objects)):
        position[i], category[i], difficult[i] = k + 1, scene.shapes[i].category, obj.difficult
    objects = position[owner]
    edge = np.zeros(owner.shape, bool)
    edge[1:] |= objects[1:] != objects[:-1]
    edge[:-1] |= objects[1:] != objects[:-1]
    edge[:, 1:] |= objects[:, 1:] != objects[:, :-1]
    edge[:, :-1] |= objects[:, 1:] != objects[:, :-1]
    void = edge | difficult[owner]
    class_map = np.where(void, VOID, category[owner]).astype(np.uint8)
    object_map = np.where(void, VOID, objects).astype(np.uint8)
    return class_map, object_map
