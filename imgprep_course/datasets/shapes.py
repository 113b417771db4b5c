"""A small synthetic "shapes" dataset, written in COCO, PASCAL VOC and ImageNet layouts.

Nothing is downloaded: :func:`make_shapes` draws scenes of coloured shapes on a pale
background and writes the same images in all three formats::

    OUT/coco/images/000000000001.jpg ...      JPEG, quality 90
    OUT/coco/instances.json                   images, categories, annotations
    OUT/coco/captions.json                    five captions per image
    OUT/voc/JPEGImages/000000000001.jpg ...   the same JPEG bytes
    OUT/voc/Annotations/000000000001.xml ...
    OUT/voc/SegmentationClass/*.png, SegmentationObject/*.png   VOC palette PNGs
    OUT/voc/ImageSets/Main/trainval.txt, ImageSets/Segmentation/trainval.txt
    OUT/imagenet/train/<wnid>/<wnid>_<k>.JPEG  object crops, one folder per class
    OUT/imagenet/LOC_synset_mapping.txt

How the scenes are made, and the choices behind the annotations:

- **Categories.** Eight shapes under three supercategories (:data:`CATEGORIES`), drawn
  with a long-tailed frequency (circles about 10 times as common as crosses), so
  class imbalance shows in every statistic.
- **Objects** are polygons (circles and ellipses as 24-gons), placed back to front;
  later objects hide earlier ones. Sizes are log-uniform, so small (area < 32²),
  medium and large (area ≥ 96²) objects all occur; objects may reach over the border.
- **Visible part.** COCO annotates what is visible. An object's ``segmentation`` is
  the polygon of its visible part: its outline cut to the image, minus the outlines of
  the objects in front of it. When something does hide it, that part is written as
  several convex polygons (the object's convex pieces clipped against each occluder),
  whose union is the visible region; an unhidden object keeps its outline as one
  polygon. The object's mask *is* pycocotools' rasterisation of that segmentation
  (``annToMask``), and the image paints every object over exactly that mask, back to
  front. Masks of neighbours may share a boundary pixel, as in the real COCO.
- **Boxes and areas.** ``bbox`` is the tight box around the annotation's mask
  (pycocotools' ``toBbox``), so VOC's integer boxes convert to it exactly; ``area`` is
  the mask's pixel count. (The real COCO's boxes are the polygons' extent, with
  fractional coordinates, so there a box and its mask can disagree by a pixel.)
- **Crowds.** Some images hold a cluster of tiny shapes of one category, annotated in
  COCO as one region with ``iscrowd=1`` and an uncompressed RLE of its visible pixels
  (as COCO stores crowds). VOC lists each member as its own ``difficult`` object.
- **VOC flags.** ``difficult`` for crowd members and for objects with fewer than 100
  visible pixels or less than 30% of their in-image area visible; ``occluded`` when
  less than 95% is visible; ``truncated`` when the image border cuts off more than
  0.5% of the outline's area. VOC's objects are the COCO non-crowd annotations in the
  same order, then the crowd members.
- **VOC segmentation PNGs.** Class indices are the COCO category ids (0 background);
  object indices are positions in the XML (1 first). 255 (void) marks a two-pixel band
  along every edge between different objects or an object and the background, and
  every difficult object, as the VOC masks do.
- **ImageNet.** Crops around objects that are whole, barely hidden (at least 90%
  visible) and at least 24² pixels, saved per class. Folder names are WordNet-style
  ids that are fake on purpose: ``n9000000k`` lies beyond every real WordNet 3.0 noun
  offset, so nobody mistakes them for real synsets.
- **Captions** come from templates filled with the scene: counts, colours, sizes,
  positions, who hides whom, the background.

Everything follows from ``seed``: the same seed gives byte-identical files (JSON, XML,
PNG and JPEG) on one installation. Across machines the JPEG encoder may differ, and
in rare cases so may the last bit of a sine, which can move a vertex rounded to two
decimals.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from imgprep_course._validation import as_rng
from imgprep_course.datasets import masks
from imgprep_course.datasets.voc import (VOID, VocAnnotation, VocObject, voc_xml_string,
                                         write_voc_segmentation)

__all__ = ["CATEGORIES", "COLOURS", "BACKGROUNDS", "Shape", "Scene", "RenderedScene",
           "sample_scene", "render_scene", "make_shapes", "make_shapes_cli"]


@dataclass(frozen=True)
class Category:
    """A shape category: COCO id and names, a fake WordNet id, and how often it is drawn."""

    id: int
    name: str
    supercategory: str
    wnid: str
    frequency: float


#: The eight categories, most frequent first (the frequencies sum to 1).
CATEGORIES = (
    Category(1, "circle", "round", "n90000001", 0.30),
    Category(2, "square", "angular", "n90000002", 0.22),
    Category(3, "triangle", "angular", "n90000003", 0.16),
    Category(4, "ellipse", "round", "n90000004", 0.11),
    Category(5, "star", "symbol", "n90000005", 0.08),
    Category(6, "hexagon", "angular", "n90000006", 0.06),
    Category(7, "semicircle", "round", "n90000007", 0.04),
    Category(8, "cross", "symbol", "n90000008", 0.03),
)

#: Object colours, by the name captions use.
COLOURS = {"red": (220, 40, 40), "orange": (245, 140, 20), "yellow": (235, 205, 30),
           "green": (40, 150, 60), "blue": (40, 80, 210), "purple": (130, 50, 170),
           "black": (30, 30, 30), "grey": (125, 125, 125)}

#: Background colours, by the name captions use.
BACKGROUNDS = {"pale blue": (200, 220, 240), "light grey": (225, 225, 225),
               "cream": (245, 236, 212), "pale green": (210, 235, 210),
               "pink": (245, 214, 224)}

_WIDTHS, _HEIGHTS = (192, 224, 256), (144, 160, 192, 224)
_SMALL, _LARGE = 32 ** 2, 96 ** 2          # COCO's area thresholds
_MIN_PIECE_AREA = 0.5                      # polygon pieces thinner than this are dropped
_JPEG_QUALITY = 90


@dataclass(frozen=True)
class Shape:
    """One drawn shape: its category id, colour name, outline and convex pieces.

    ``outline`` is a ``(K, 2)`` array of x, y vertices in pixels, ordered so that its
    signed (shoelace) area is positive; ``pieces`` are convex polygons, ordered the same
    way, whose union is the outline.
    """

    category: int
    colour: str
    outline: np.ndarray
    pieces: tuple[np.ndarray, ...]
    crowd: bool = False


@dataclass(frozen=True)
class Scene:
    """A scene: image size, background, shapes back to front, and a seed for the noise
    and the captions' wording (so rendering is a pure function of the scene)."""

    width: int
    height: int
    background: str
    shapes: tuple[Shape, ...]
    seed: int


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


# ------------------------------------------------------------------ geometry
def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def _ring(n: int, radius: float, phase: float = 0.0) -> np.ndarray:
    t = phase + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(t), np.sin(t)], axis=1)


def _outline_and_pieces(name: str, radius: float, aspect: float
                        ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The outline (about the origin) and its convex pieces, before rotation."""
    if name == "circle":
        outline = _ring(24, radius)
    elif name == "ellipse":
        outline = _ring(24, radius) * [1.0, aspect]
    elif name == "semicircle":
        t = np.linspace(0, np.pi, 13)
        outline = radius * np.stack([np.cos(t), np.sin(t) - 4 / (3 * np.pi)], axis=1)
    elif name in ("triangle", "square", "hexagon"):
        n = {"triangle": 3, "square": 4, "hexagon": 6}[name]
        outline = _ring(n, radius, np.pi / 4 if n == 4 else np.pi / 2)
    elif name == "star":
        radii = np.where(np.arange(10) % 2 == 0, radius, 0.45 * radius)
        outline = _ring(10, 1.0, np.pi / 2) * radii[:, None]
        inner = outline[1::2]
        tips = [outline[[2 * k, 2 * k + 1, (2 * k - 1) % 10]] for k in range(5)]
        return outline, [inner] + tips
    elif name == "cross":
        a, r = 0.3 * radius, radius
        outline = np.array([[a, -r], [a, -a], [r, -a], [r, a], [a, a], [a, r], [-a, r],
                            [-a, a], [-r, a], [-r, -a], [-a, -a], [-a, -r]])
        bars = [(-a, -r, a, r), (a, -a, r, a), (-r, -a, -a, a)]
        return outline, [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
                         for x0, y0, x1, y1 in bars]
    else:
        raise ValueError(f"unknown shape {name!r}")
    return outline, [outline]


def _signed_area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * float(x @ np.roll(y, -1) - np.roll(x, -1) @ y)


def _counter_clockwise(polygon: np.ndarray) -> np.ndarray:
    return polygon if _signed_area(polygon) >= 0 else polygon[::-1]


def _cut(polygon: np.ndarray, a: np.ndarray, b: np.ndarray, keep_left: bool) -> np.ndarray:
    """The part of ``polygon`` left (or right) of the line through ``a`` towards ``b``
    (one Sutherland-Hodgman step; works for any simple polygon)."""
    if len(polygon) == 0:
        return polygon
    normal = np.array([a[1] - b[1], b[0] - a[0]])
    side = (polygon - a) @ normal
    if not keep_left:
        side = -side
    if (side >= 0).all():
        return polygon
    following = np.concatenate([polygon[1:], polygon[:1]])
    side_following = np.concatenate([side[1:], side[:1]])
    inside = side >= 0
    crossing = inside != (side_following >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(crossing, side / (side - side_following), 0.0)
    crossings = polygon + t[:, None] * (following - polygon)
    points = np.stack([polygon, crossings], axis=1).reshape(-1, 2)
    return points[np.stack([inside, crossing], axis=1).ravel()]


def _intersect(polygon: np.ndarray, convex: np.ndarray) -> np.ndarray:
    """``polygon`` clipped to the counter-clockwise convex polygon ``convex``."""
    for a, b in zip(convex, np.roll(convex, -1, axis=0)):
        polygon = _cut(polygon, a, b, keep_left=True)
    return polygon


def _subtract(piece: np.ndarray, convex: np.ndarray) -> list[np.ndarray]:
    """Convex ``piece`` minus convex ``convex``, as disjoint convex polygons."""
    if not _overlaps(piece, convex):
        return [piece]
    out, rest = [], piece
    for a, b in zip(convex, np.roll(convex, -1, axis=0)):
        outside = _cut(rest, a, b, keep_left=False)
        if len(outside) >= 3 and _signed_area(outside) > 1e-9:
            out.append(outside)
        rest = _cut(rest, a, b, keep_left=True)
        if len(rest) < 3:
            break
    return out


def _merge_pieces(pieces: list[np.ndarray]) -> list[np.ndarray] | None:
    """The boundary loops of the union of disjoint counter-clockwise ``pieces``.

    Edges shared by two pieces cancel (after splitting edges where another piece's
    vertex lies on them); what remains is chained into closed loops: outer boundaries
    counter-clockwise, holes clockwise. Returns None when floating-point noise leaves
    an edge unmatched.
    """
    if not pieces:
        return []
    snapped = [np.round(piece, 6) for piece in pieces]
    points = np.unique(np.concatenate(snapped), axis=0)
    edges: dict[tuple, int] = {}
    for piece in snapped:
        for p, q in zip(piece, np.roll(piece, -1, axis=0)):
            d = q - p
            length2 = float(d @ d)
            if length2 == 0:
                continue
            t = (points - p) @ d / length2
            off = np.abs((points[:, 0] - p[0]) * d[1] - (points[:, 1] - p[1]) * d[0])
            on = (t > 1e-9) & (t < 1 - 1e-9) & (off < 1e-6 * np.sqrt(length2))
            chain = [tuple(p)] + [tuple(v) for v in points[on][np.argsort(t[on])]] + [tuple(q)]
            for a, b in zip(chain, chain[1:]):
                if edges.get((b, a)):
                    edges[(b, a)] -= 1
                else:
                    edges[(a, b)] = edges.get((a, b), 0) + 1
    outgoing: dict[tuple, list[tuple]] = {}
    for (a, b), n in edges.items():
        outgoing.setdefault(a, []).extend([b] * n)
    loops = []
    while any(outgoing.values()):
        start = next(a for a, ends in outgoing.items() if ends)
        loop, point = [start], outgoing[start].pop()
        while point != start:
            if not outgoing.get(point):
                return None
            loop.append(point)
            point = outgoing[point].pop()
        polygon = np.array(loop)
        before = polygon - np.roll(polygon, 1, axis=0)
        after = np.roll(polygon, -1, axis=0) - polygon
        turn = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
        polygon = polygon[np.abs(turn) > 1e-9]
        if len(polygon) >= 3:
            loops.append(polygon)
    total = sum(_signed_area(piece) for piece in pieces)
    if not np.isclose(sum(_signed_area(loop) for loop in loops), total, rtol=0, atol=1e-3):
        return None
    return loops


def _outlines(pieces: list[np.ndarray], depth: int = 0) -> list[np.ndarray]:
    """Few polygons without holes whose union is the union of the convex ``pieces``.

    COCO polygons cannot hold a hole (pycocotools unites them), so a region with a hole
    is cut in two by the pixel-column boundary ``x = k`` through the hole, and each side
    outlined on its own. Falls back to the pieces themselves when that does not work.
    """
    loops = _merge_pieces(pieces)
    if loops is None:
        return pieces
    holes = [loop for loop in loops if _signed_area(loop) < 0]
    if not holes:
        return loops
    xs = holes[0][:, 0]
    x = np.floor(xs.max()) if np.floor(xs.max()) > xs.min() else (xs.min() + xs.max()) / 2
    if depth == 4:
        return pieces
    a, b = np.array([x, 0.0]), np.array([x, 1.0])
    sides = [[part for part in (_cut(piece, a, b, keep) for piece in pieces)
              if len(part) >= 3 and _signed_area(part) > 1e-9] for keep in (True, False)]
    return [loop for side in sides for loop in _outlines(side, depth + 1)]


def _as_coco_polygon(polygon: np.ndarray) -> list[float] | None:
    """COCO's flat ``[x1, y1, ...]`` with two decimals, or None when degenerate."""
    rounded = np.round(polygon, 2)
    keep = np.any(rounded != np.roll(rounded, 1, axis=0), axis=1)
    rounded = rounded[keep]
    if len(rounded) < 3 or abs(_signed_area(rounded)) < _MIN_PIECE_AREA:
        return None
    return [float(v) for v in rounded.ravel()]


def _overlaps(p: np.ndarray, q: np.ndarray) -> bool:
    return bool((p.min(0) < q.max(0)).all() and (q.min(0) < p.max(0)).all())


# ------------------------------------------------------------------- sampling
def _make_shape(rng: np.random.Generator, category: Category, centre, radius: float,
                crowd: bool = False) -> Shape:
    aspect = rng.uniform(0.45, 0.75)
    angle = rng.uniform(0, 2 * np.pi)
    colour = str(rng.choice(list(COLOURS)))
    outline, pieces = _outline_and_pieces(category.name, radius, aspect)

    def place(points: np.ndarray) -> np.ndarray:
        return _counter_clockwise(_rotate(points, angle) + centre)

    return Shape(category.id, colour, place(outline), tuple(place(p) for p in pieces), crowd)


def sample_scene(seed=None, width: int | None = None, height: int | None = None) -> Scene:
    """Draw a random scene: one to nine shapes, sometimes a crowd of tiny ones.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        The randomness (see :func:`imgprep_course._validation.as_rng`).
    width, height : int, optional
        The image size; by default drawn from 192..256 by 144..224.

    Examples
    --------
    >>> scene = sample_scene(seed=3, width=200, height=150)
    >>> scene.width, scene.height, len(scene.shapes) > 0
    (200, 150, True)
    """
    rng = as_rng(seed)
    width = int(rng.choice(_WIDTHS)) if width is None else int(width)
    height = int(rng.choice(_HEIGHTS)) if height is None else int(height)
    if width < 16 or height < 16:
        raise ValueError(f"width and height must be at least 16, got {width}x{height}")
    frequencies = np.array([c.frequency for c in CATEGORIES])
    background = str(rng.choice(list(BACKGROUNDS)))
    shapes = []
    if rng.random() < 0.15:
        category = CATEGORIES[rng.choice(len(CATEGORIES), p=frequencies)]
        middle = rng.uniform([0.2 * width, 0.2 * height], [0.8 * width, 0.8 * height])
        spread = rng.uniform(6, 12)
        for _ in range(rng.integers(5, 13)):
            shapes.append(_make_shape(rng, category, middle + rng.normal(0, spread, 2),
                                      rng.uniform(2.0, 4.0), crowd=True))
    largest = 0.55 * min(width, height)
    for _ in range(min(1 + rng.poisson(3.0), 9)):
        category = CATEGORIES[rng.choice(len(CATEGORIES), p=frequencies)]
        radius = float(np.exp(rng.uniform(np.log(7.0), np.log(largest))))
        centre = rng.uniform([0, 0], [width, height])
        shapes.append(_make_shape(rng, category, centre, radius))
    return Scene(width, height, background, tuple(shapes), int(rng.integers(2 ** 31)))


# ------------------------------------------------------------------ rendering
def _visible_polygons(index: int, shapes: tuple[Shape, ...], frame: np.ndarray
                      ) -> tuple[list[list[float]], float]:
    """COCO polygons of what is visible of ``shapes[index]``, and its in-image area."""
    shape = shapes[index]
    inside = _intersect(shape.outline, frame)
    whole = _signed_area(inside) if len(inside) >= 3 else 0.0
    in_front = [other for other in shapes[index + 1:]
                if not other.crowd and _overlaps(shape.outline, other.outline)]
    pieces = [inside] if len(inside) >= 3 else []
    if in_front:
        cut = [_intersect(piece, frame) for piece in shape.pieces]
        cut = [piece for piece in cut if len(piece) >= 3]
        for other in in_front:
            for convex in other.pieces:
                cut = [part for piece in cut for part in _subtract(piece, convex)]
        if abs(sum(_signed_area(piece) for piece in cut) - whole) > 1e-6:
            pieces = _outlines(cut)
    polygons = [p for p in (_as_coco_polygon(piece) for piece in pieces) if p is not None]
    return polygons, whole


def render_scene(scene: Scene) -> RenderedScene:
    """Draw ``scene`` and compute its COCO annotations, VOC annotation, masks and captions.

    A pure function of the scene: the same scene gives the same result.

    Examples
    --------
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
    captions = _captions(scene, objects, members, rng)
    return RenderedScene(image, annotations, voc, class_map, object_map, captions, crops)


def _draw_shapes(scene: Scene, owner: np.ndarray) -> list[dict]:
    """Mark each pixel's frontmost shape in ``owner``; describe the visible non-crowd shapes.

    Crowd members are drawn first (behind everything), as their outlines; every other
    shape is drawn as the mask of its visible polygons, back to front.
    """
    width, height = scene.width, scene.height
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], float)
    for i, shape in enumerate(scene.shapes):
        inside = _as_coco_polygon(_intersect(shape.outline, frame)) if shape.crowd else None
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
        full = _as_coco_polygon(_intersect(shape.outline, frame))
        full_area = int(masks.area(masks.from_segmentation([full], height, width))) if full else 0
        objects.append({"index": i, "polygons": polygons, "rle": rle, "area": area,
                        "visible": min(area / full_area, 1.0) if full_area else 1.0,
                        "truncated": whole < 0.995 * _signed_area(shape.outline)})
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


# ------------------------------------------------------------------- captions
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten", "eleven", "twelve")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _plural(word: str, n: int | None = None) -> str:
    """``a circle``, ``two crosses``; without ``n`` just the plural noun."""
    if n == 1:
        return _a(word)
    noun = word + ("es" if word.endswith("ss") else "s")
    return noun if n is None else f"{_NUMBERS[n] if n < len(_NUMBERS) else n} {noun}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _where(box: np.ndarray, width: int, height: int) -> str:
    column = min(int(3 * (box[0] + box[2] / 2) / width), 2)
    row = min(int(3 * (box[1] + box[3] / 2) / height), 2)
    return [["in the top left corner", "at the top", "in the top right corner"],
            ["on the left", "in the middle", "on the right"],
            ["in the bottom left corner", "at the bottom", "in the bottom right corner"]
            ][row][column]


def _captions(scene: Scene, objects: list[dict], members: list[int],
              rng: np.random.Generator) -> list[str]:
    """Five captions from templates: counts, the largest shape, colours, a relation, totals."""
    names = {c.id: c.name for c in CATEGORIES}
    background = scene.background
    described = []
    for obj in sorted(objects, key=lambda o: -o["area"]):
        shape = scene.shapes[obj["index"]]
        size = ("small" if obj["area"] < _SMALL
                else "large" if obj["area"] >= _LARGE else "medium-sized")
        described.append({"name": names[shape.category], "colour": shape.colour, "size": size,
                          "where": _where(masks.to_bbox(obj["rle"]), scene.width, scene.height),
                          "x": float(np.mean(scene.shapes[obj["index"]].outline[:, 0])),
                          "index": obj["index"], "visible": obj["visible"]})
    counts: dict[str, int] = {}
    for d in described:
        counts[d["name"]] = counts.get(d["name"], 0) + 1
    listing = _join([_plural(name, n) for name, n in
                     sorted(counts.items(), key=lambda item: (-item[1], item[0]))])
    first = described[0] if described else None
    intro = ["A picture of", "An image showing", "A drawing of"][rng.integers(3)]
    out = [f"{intro} {listing} on a {background} background." if described
           else f"An empty {background} background."]
    if first:
        out.append(f"{_a(first['size'])} {first['colour']} {first['name']} "
                   f"{first['where']}.".capitalize())
    if len(described) >= 2:
        second = described[1]
        out.append(f"{_a(first['colour'])} {first['name']} and {_a(second['colour'])} "
                   f"{second['name']}.".capitalize())
        hidden = [d for d in described if d["visible"] < 0.95]
        pairs = [(d, e) for d in hidden for e in described if e["index"] > d["index"]
                 and _overlaps(scene.shapes[d["index"]].outline, scene.shapes[e["index"]].outline)]
        if pairs:
            d, front = pairs[0]
            out.append(f"{_a(d['colour'])} {d['name']} partly hidden behind "
                       f"{_a(front['colour'])} {front['name']}.".capitalize())
        else:
            left, right = sorted(described[:2], key=lambda e: e["x"])
            out.append(f"{_a(left['colour'])} {left['name']} to the left of "
                       f"{_a(right['colour'])} {right['name']}.".capitalize())
    elif first:
        out.append(f"A single {first['colour']} {first['name']} and nothing else.")
        out.append(f"Only one shape, {_a(first['name'])}, on a {background} background.")
    if members:
        name = names[scene.shapes[members[0]].category]
        out.append(f"A cluster of tiny {_plural(name)} on a {background} background.")
    else:
        total = len(described)
        smallest = described[-1] if described else None
        out.append(f"{_NUMBERS[min(total, 12)].capitalize()} "
                   f"shape{'s' if total != 1 else ''} in all, the smallest "
                   f"{_a(smallest['colour'])} {smallest['name']}." if smallest
                   else "Nothing but the background.")
    while len(out) < 5:
        out.append(f"Shapes on a {background} background.")
    return out[:5]


# -------------------------------------------------------------------- writing
def _jpeg(image: np.ndarray) -> bytes:
    buffer = BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


def _dump(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _write_dataset(root: Path, images: int, rng: np.random.Generator, quiet: bool) -> dict:
    """Write every file under ``root``; return a summary."""
    folders = {name: root / name for name in (
        "coco/images", "voc/JPEGImages", "voc/Annotations", "voc/SegmentationClass",
        "voc/SegmentationObject", "voc/ImageSets/Main", "voc/ImageSets/Segmentation",
        "imagenet/train")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    wnids = {c.id: c.wnid for c in CATEGORIES}
    info = {"description": "imgprep-course synthetic shapes", "version": "1.0",
            "contributor": "imgprep_course.datasets.shapes", "year": 2026}
    licenses = [{"id": 1, "name": "CC0 1.0",
                 "url": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    coco_images, instances, captions, names = [], [], [], []
    crop_counts = {c.id: 0 for c in CATEGORIES}
    for image_id in tqdm(range(1, images + 1), desc="make-shapes", unit="image",
                         disable=quiet):
        scene = sample_scene(rng)
        rendered = render_scene(scene)
        name = f"{image_id:012d}"
        names.append(name)
        jpeg = _jpeg(rendered.image)
        (folders["coco/images"] / f"{name}.jpg").write_bytes(jpeg)
        (folders["voc/JPEGImages"] / f"{name}.jpg").write_bytes(jpeg)
        coco_images.append({"id": image_id, "file_name": f"{name}.jpg", "width": scene.width,
                            "height": scene.height, "license": 1})
        for ann in rendered.annotations:
            instances.append({**ann, "image_id": image_id, "id": len(instances) + 1})
        for text in rendered.captions:
            captions.append({"image_id": image_id, "id": len(captions) + 1, "caption": text})
        rendered.voc.filename = f"{name}.jpg"
        (folders["voc/Annotations"] / f"{name}.xml").write_text(
            voc_xml_string(rendered.voc), encoding="utf-8")
        write_voc_segmentation(rendered.class_map, folders["voc/SegmentationClass"] / f"{name}.png")
        write_voc_segmentation(rendered.object_map,
                               folders["voc/SegmentationObject"] / f"{name}.png")
        for category, (x0, y0, x1, y1) in rendered.crops:
            crop_counts[category] += 1
            folder = folders["imagenet/train"] / wnids[category]
            folder.mkdir(exist_ok=True)
            (folder / f"{wnids[category]}_{crop_counts[category]}.JPEG").write_bytes(
                _jpeg(rendered.image[y0:y1, x0:x1]))
    categories = [{"supercategory": c.supercategory, "id": c.id, "name": c.name}
                  for c in CATEGORIES]
    _dump({"info": info, "licenses": licenses, "images": coco_images,
           "annotations": instances, "categories": categories},
          root / "coco" / "instances.json")
    _dump({"info": info, "licenses": licenses, "images": coco_images,
           "annotations": captions}, root / "coco" / "captions.json")
    listing = "".join(f"{name}\n" for name in names)
    (folders["voc/ImageSets/Main"] / "trainval.txt").write_text(listing)
    (folders["voc/ImageSets/Segmentation"] / "trainval.txt").write_text(listing)
    (root / "imagenet" / "LOC_synset_mapping.txt").write_text(
        "".join(f"{c.wnid} {c.name}\n" for c in CATEGORIES if crop_counts[c.id]))
    return {"images": images, "annotations": len(instances), "captions": len(captions),
            "crops": sum(crop_counts.values())}


def make_shapes(out: str | os.PathLike, images: int = 200, seed=0, *,
                quiet: bool = False) -> Path:
    """Generate the shapes dataset into the new folder ``out`` (see the module docstring).

    Everything is written into a temporary sibling folder that is renamed to ``out`` at
    the end; on any error, or Ctrl-C, the temporary folder is removed, so ``out`` either
    holds the whole dataset or does not exist.

    Parameters
    ----------
    out : path
        The folder to create; it must not exist, or be empty.
    images : int
        Number of images (200 takes a few seconds).
    seed : None, int or numpy.random.Generator
        The randomness; one seed always gives the same dataset.
    quiet : bool
        Hide the progress bar.

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = make_shapes(pathlib.Path(tempfile.mkdtemp()) / "shapes", images=2, quiet=True)
    >>> sorted(p.name for p in out.iterdir())
    ['coco', 'imagenet', 'voc']
    """
    out = Path(out)
    if isinstance(images, bool) or not isinstance(images, (int, np.integer)) or images < 1:
        raise ValueError(f"images must be a positive integer, got {images!r}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"out {out} already exists and is not an empty folder; "
                              f"choose a new folder or remove it")
    rng = as_rng(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        _write_dataset(partial, int(images), rng, quiet)
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return out


def make_shapes_cli(args: argparse.Namespace) -> int:
    """``python -m imgprep_course make-shapes OUT [--images N] [--seed S] [--quiet]``."""
    try:
        out = make_shapes(args.out, images=args.images, seed=args.seed, quiet=args.quiet)
    except (FileExistsError, ValueError) as error:
        print(f"make-shapes: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"make-shapes: interrupted; {args.out} was not written", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"wrote {args.images} images to {out} (coco/, voc/, imagenet/)")
    return 0
