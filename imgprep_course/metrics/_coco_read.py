"""Ground truth and results of a COCO evaluation, read into arrays (private).

Every field is checked by :mod:`imgprep_course.datasets.coco_format`, the checks the
COCO index makes too, so both give one message for one problem. What is read here is
what pycocotools' ``COCO`` and ``COCO.loadRes`` read (see
:mod:`imgprep_course.metrics.coco` for the rules kept).
"""

from __future__ import annotations

import os
import re
from itertools import chain

import numpy as np

from imgprep_course.datasets import coco_format as fmt
from imgprep_course.datasets import masks
from imgprep_course.datasets._rle_checks import _json_counts as json_counts
from imgprep_course.datasets._rle_checks import join_runs, pack_runs, take_runs
from imgprep_course.datasets._rle_paths import implementation
from imgprep_course.metrics._coco_core import Annotations


def load(source, name: str, kind: type) -> tuple[object, str | None]:
    """The loaded JSON of ``source`` (a path, the loaded content, or a COCO index) and
    the file name messages use (None for content passed in)."""
    what = "a COCO instances dict" if kind is dict else "a COCO results list"
    if isinstance(getattr(source, "dataset", None), dict):  # a COCO index (ours or theirs)
        source = source.dataset if kind is dict else source.dataset.get("annotations", [])
    if isinstance(source, (str, os.PathLike)):
        data = fmt.load_json(source)
        if not isinstance(data, kind):
            raise TypeError(f"{source} holds a JSON {type(data).__name__}, but {name} "
                            f"must be {what}")
        return data, str(source)
    if not isinstance(source, kind):
        raise TypeError(f"{name} must be a path or {what}, got {type(source).__name__}")
    return source, None


class GroundTruth:
    """The ground truth's images, categories and annotations, read for one ``iou_type``."""

    def __init__(self, data: dict, source: str | None, iou_type: str) -> None:
        self.source = source
        images = fmt.records_of(data, "images", source)
        categories = fmt.records_of(data, "categories", source)
        self.image_ids = self._ids(images, "images")
        self.category_ids = self._ids(categories, "categories")
        self.sizes = _image_sizes(images, self.image_ids, source) if iou_type == "segm" else None
        self.annotations = self._annotations(fmt.records_of(data, "annotations", source,
                                                            required=False), iou_type)

    def _ids(self, records: list, name: str) -> np.ndarray:
        ids = fmt.ids_of(fmt.column(records, "id", self.source, name), records, self.source,
                         name, strings=True)
        return fmt.unique(ids, records, self.source, name)

    def index(self, records: list, source: str | None, name: str, field: str,
              what: str, unknown: str = "raise") -> np.ndarray:
        """Positions of the records' ``field`` (an image or category id) among the ids;
        ``source`` names the records' file. An unknown id raises, or with
        ``unknown="drop"`` gets position -1."""
        known = self.image_ids if what == "image" else self.category_ids
        values = fmt.ids_of(fmt.column(records, field, source, name), records, source, name,
                            field, strings=known.dtype.kind == "U")
        return self.place(values, records, source, name, field, what, unknown)

    def place(self, values: np.ndarray, records: list, source: str | None, name: str,
              field: str, what: str, unknown: str = "raise") -> np.ndarray:
        """:meth:`index` of ids already read (``values``)."""
        known = self.image_ids if what == "image" else self.category_ids
        if unknown == "drop":
            found = np.isin(values, known)
            out = np.full(values.size, -1, np.int64)
            out[found] = fmt.positions(values[found], known, records, source, name, field,
                                       what)
            return out
        return fmt.positions(values, known, records, source, name, field, what)

    def _annotations(self, anns: list, iou_type: str) -> Annotations:
        if not anns:
            return no_annotations(iou_type)
        source, name = self.source, "annotations"
        ids = fmt.ids_of(fmt.column(anns, "id", source, name), anns, source, name)
        try:
            fmt.unique(ids, anns, source, name)
        except ValueError as error:
            raise ValueError(f"{error}; pycocotools would silently evaluate one of them "
                             f"twice") from None
        image = self.index(anns, source, name, "image_id", "image")
        category = self.index(anns, source, name, "category_id", "category")
        areas = fmt.numbers(fmt.column(anns, "area", source, name), anns, source, name, "area")
        iscrowd = fmt.flags_of(fmt.column(anns, "iscrowd", source, name, default=0), anns,
                               source, name)
        n = len(anns)
        if iou_type == "bbox":
            return Annotations(image, category, ids, np.zeros(n), areas, iscrowd,
                               fmt.boxes_of(fmt.column(anns, "bbox", source, name), anns,
                                            source, name))
        rles = mask_runs(fmt.column(anns, "segmentation", source, name), self.sizes[image],
                         anns, source, name)
        return Annotations.with_masks(image, category, ids, np.zeros(n), areas, iscrowd, rles)

    def detections(self, results: list, source: str | None, iou_type: str) -> Annotations:
        """The results as ``COCO.loadRes`` reads them and ``COCOeval`` uses them: those of
        a category the ground truth does not list are left out, as pycocotools ignores
        them (their ids ``1..N`` still count them)."""
        name = "results"
        n = len(results)
        if n == 0:
            return no_annotations(iou_type)
        image = self.index(results, source, name, "image_id", "image")
        category = self.index(results, source, name, "category_id", "category",
                              unknown="drop")
        return known_categories(self._detections(results, source, iou_type, image,
                                                 category), category)

    def read_ahead(self, columns: tuple) -> Annotations | None:
        """:meth:`detections` of results read by :func:`result_columns` (elsewhere; their
        RLEs perhaps parsed there too: ``kind`` ``"runs"``), or None where reading them
        needs the records (an unknown image, a malformed counts string: for the message)
        or string ids."""
        kind, image_values, category_values, scores, *rest = columns
        if "U" in (self.image_ids.dtype.kind, self.category_ids.dtype.kind) \
                or not np.isin(image_values, self.image_ids).all():
            return None
        areas = None
        if kind == "masks":
            rles = parsed_rles(*rest)
            if rles is None:
                return None
        elif kind == "runs":
            sizes, offsets, areas, runs = rest
            rles = masks.Runs(sizes, runs, offsets)
        image = self.place(image_values, [], None, "results", "image_id", "image")
        category = self.place(category_values, [], None, "results", "category_id",
                              "category", unknown="drop")
        dt = box_detections(image, category, scores, *rest) if kind == "boxes" else \
            mask_detections(image, category, scores, rles, areas)
        return known_categories(dt, category)

    def _detections(self, results: list, source: str | None, iou_type: str, image,
                    category) -> Annotations:
        name, n = "results", len(results)
        scores = fmt.numbers(fmt.column(results, "score", source, name), results, source,
                             name, "score")
        first = results[0]
        boxes = rles = None
        if _has_box(first):
            # loadRes: the first result decides; area is the box's, the mask the box's polygon
            boxes = fmt.boxes_of(fmt.column(results, "bbox", source, name), results, source,
                                 name)
            if iou_type == "bbox":
                return box_detections(image, category, scores, boxes)
            areas = boxes[:, 2] * boxes[:, 3]
            if iou_type == "segm":
                segmentations = [r["segmentation"] if "segmentation" in r else
                                 [[x, y, x, y + h, x + w, y + h, x + w, y]]
                                 for r, (x, y, w, h) in zip(results, boxes.tolist())]
                rles = mask_runs(segmentations, self.sizes[image], results, source, name)
                boxes = None
        elif "segmentation" in first:
            segmentations = fmt.column(results, "segmentation", source, name)
            if iou_type == "segm":
                return mask_detections(image, category, scores, mask_runs(
                    segmentations, self.sizes[image], results, source, name))
            else:
                areas = masks.area(segmentations).astype(np.float64)
                boxes = masks.to_bbox(segmentations)
        else:
            raise ValueError(f"{fmt.record_label(source, name, 0, first)} has neither a "
                             f"'bbox' nor a 'segmentation'")
        if iou_type == "segm":
            return Annotations.with_masks(image, category, np.arange(1, n + 1), scores, areas,
                                          np.zeros(n, bool), rles)
        return Annotations(image, category, np.arange(1, n + 1), scores, areas,
                           np.zeros(n, bool), boxes)


def result_columns(results: list, source: str | None, iou_type: str) -> tuple | None:
    """Results read as :meth:`GroundTruth.detections` reads them, up to where it needs
    the ground truth: ``(kind, image_id values, category_id values, scores, *more)``,
    ``kind`` ``"boxes"`` with the boxes (``bbox``: results with boxes), ``"masks"`` with
    the counts strings ``chars, lengths, sizes`` (``segm``: results that are all RLE
    dicts, no ``bbox``, as detectors give them). None for any other results; what the
    checks refuse raises, as there."""
    name = "results"
    if not (isinstance(results, list) and results and isinstance(results[0], dict)):
        return None
    first = results[0]
    if not (_has_box(first) if iou_type == "bbox" else
            "segmentation" in first and "bbox" not in first):
        return None
    ids = [fmt.ids_of(fmt.column(results, field, source, name), results, source, name,
                      field) for field in ("image_id", "category_id")]
    scores = fmt.numbers(fmt.column(results, "score", source, name), results, source, name,
                         "score")
    if iou_type == "bbox":
        return ("boxes", *ids, scores, fmt.boxes_of(fmt.column(results, "bbox", source, name),
                                                    results, source, name))
    segmentations = fmt.column(results, "segmentation", source, name)
    counts = json_counts(segmentations, "rles", False) \
        if set(map(type, segmentations)) == {dict} else None
    if counts is None:
        return None
    return ("masks", *ids, scores, counts.chars, counts.lengths, counts.sizes)


def parsed_rles(chars: np.ndarray, lengths: np.ndarray, sizes: np.ndarray,
                out: np.ndarray | None = None) -> masks.Runs | None:
    """The RLEs of ``result_columns``' counts strings as :class:`masks.Runs` (their runs
    in ``out`` where given, see ``parse_counts``), or None if a string is bad (reading
    the records again says which, and how)."""
    runs, offsets, bad, _, _ = implementation("parse_counts", chars.size)(chars, lengths,
                                                                          sizes, out)
    return None if bad >= 0 else masks.Runs(sizes, runs, offsets)


def _has_box(result: dict) -> bool:
    """Whether ``loadRes`` takes the results' boxes (the first result decides)."""
    return "bbox" in result and not (isinstance(result["bbox"], list) and result["bbox"] == [])


def box_detections(image: np.ndarray, category: np.ndarray, scores: np.ndarray,
                   boxes: np.ndarray) -> Annotations:
    """Detections of boxes, ``COCO.loadRes`` style: ids ``1..N``, the area the box's."""
    n = image.size
    return Annotations(image, category, np.arange(1, n + 1), scores, boxes[:, 2] * boxes[:, 3],
                       np.zeros(n, bool), boxes)


def mask_detections(image: np.ndarray, category: np.ndarray, scores: np.ndarray,
                    rles: masks.Runs, areas: np.ndarray | None = None) -> Annotations:
    """Detections of masks, ``COCO.loadRes`` style: ids ``1..N``, the area the mask's
    (``areas``, where already counted)."""
    n = image.size
    if areas is None:
        areas = masks.area(rles).astype(np.float64)
    return Annotations.with_masks(image, category, np.arange(1, n + 1), scores, areas,
                                  np.zeros(n, bool), rles)


def known_categories(dt: Annotations, category: np.ndarray) -> Annotations:
    """``dt`` without the detections of a category the ground truth does not list (-1)."""
    return dt if (category >= 0).all() else dt.take(np.flatnonzero(category >= 0))


def no_annotations(iou_type: str) -> Annotations:
    """No ground truths, or no detections."""
    empty = np.zeros(0, np.int64)
    if iou_type == "segm":
        return Annotations.with_masks(empty, empty, empty, np.zeros(0), np.zeros(0),
                                      np.zeros(0, bool), masks.unpack([]))
    return Annotations(empty, empty, empty, np.zeros(0), np.zeros(0), np.zeros(0, bool),
                       np.zeros((0, 4)))


def mask_runs(segmentations: list, sizes: np.ndarray, records: list, source: str | None,
              name: str) -> masks.Runs:
    """Every segmentation as runs (``COCO.annToRLE``), as :class:`masks.Runs`.

    ``sizes[i]`` is the ``(height, width)`` of record ``i``'s image. Polygons are
    rasterised in one call per image size; a multi-polygon annotation is the union of
    its polygons; a polygon with an odd number of coordinates loses the last one. An RLE
    keeps its own size, even when it is not its image's: as in pycocotools, it then
    matches only masks of that size (the IoU of two sizes is -1).
    """
    if set(map(type, segmentations)) == {dict}:   # RLEs only, as results mostly are
        return _read_rles(segmentations, np.arange(len(segmentations)), records, source,
                          name)
    rles: dict = {}   # record -> RLE dict
    owners, polygons = [], []   # the records with polygons, and their polygons
    for i, segmentation in enumerate(segmentations):
        if isinstance(segmentation, dict):
            rles[i] = segmentation
        elif isinstance(segmentation, list) and segmentation and all(
                isinstance(p, (list, tuple)) for p in segmentation):
            owners.append(i)
            polygons.append(segmentation)
        else:
            rles[i] = _one_segmentation(segmentation, sizes[i], records, i, source, name)
    parts = []
    if polygons:
        owner = np.repeat(owners, np.fromiter(map(len, polygons), np.int64, len(polygons)))
        flat = masks.drop_odd_coordinate(list(chain.from_iterable(polygons)))
        groups = _same_size(sizes[owner])
        for group in groups:
            height, width = (int(v) for v in sizes[owner[group[0]]])
            parts.extend(_rasterised(owner[group], flat if len(groups) == 1 else
                                     [flat[j] for j in group], height, width,
                                     segmentations, sizes, records, source, name, rles))
    if rles:
        rows = np.fromiter(rles, np.int64, len(rles))
        parts.append((rows, _read_rles(list(rles.values()), rows, records, source, name)))
    return join_runs(len(segmentations), parts)


def _read_rles(rles: list, rows: np.ndarray, records: list, source: str | None,
               name: str) -> masks.Runs:
    """The runs of RLE dicts, ``rles[j]`` that of record ``rows[j]`` (a message names it)."""
    try:
        return masks.unpack(rles)
    except (ValueError, TypeError) as error:
        match = re.match(r"^rles\[(\d+)\]", str(error))
        if match is None:
            raise
        i = int(rows[int(match.group(1))])
        label = fmt.record_label(source, name, i, records[i])
        raise type(error)(f"{label}: 'segmentation'{str(error)[match.end():]}") from None


def _same_size(shapes: np.ndarray) -> list[np.ndarray]:
    """Positions of the rows of ``shapes`` (``(N, 2)`` image sizes), grouped by size,
    each group in order."""
    if (shapes == shapes[0]).all():
        return [np.arange(shapes.shape[0])]
    _, which = np.unique(shapes, axis=0, return_inverse=True)
    order = np.argsort(which.ravel(), kind="stable")
    return np.split(order, np.flatnonzero(np.diff(which.ravel()[order])) + 1)


def _rasterised(owner: np.ndarray, polygons: list, height: int, width: int,
                segmentations: list, sizes: np.ndarray, records: list, source: str | None,
                name: str, rles: dict) -> list[tuple[np.ndarray, masks.Runs]]:
    """The polygons of one image size rasterised: ``owner[j]`` is polygon ``j``'s record
    (a record's polygons are together). A record of one polygon gets its runs (the
    returned part), one of several their union, in ``rles``."""
    try:
        runs = masks.polygon_runs(polygons, height, width)
    except (ValueError, TypeError):
        for i in dict.fromkeys(owner.tolist()):   # find and name the bad one
            _one_segmentation(segmentations[i], sizes[i], records, i, source, name)
        raise
    first = np.flatnonzero(np.diff(owner, prepend=-1))
    count = np.diff(np.append(first, owner.size))
    if count.size == owner.size:   # one polygon each
        return [(owner, masks.Runs(np.tile([height, width], (owner.size, 1)), *runs))]
    alone = first[count == 1]
    several = np.flatnonzero(np.repeat(count > 1, count))
    packed = pack_runs(*take_runs(*runs, several), height, width)
    for group in np.split(np.arange(several.size),
                          np.flatnonzero(np.diff(owner[several])) + 1):
        rles[int(owner[several[group[0]]])] = masks.merge([packed[j] for j in group])
    return [(owner[alone], masks.Runs(np.tile([height, width], (alone.size, 1)),
                                      *take_runs(*runs, alone)))]


def _one_segmentation(segmentation, size, records: list, i: int, source: str | None,
                      name: str) -> dict:
    try:
        return masks.from_segmentation(segmentation, int(size[0]), int(size[1]))
    except (ValueError, TypeError) as error:
        label = fmt.record_label(source, name, i, records[i])
        raise type(error)(f"{label} 'segmentation': {error}") from None


def _image_sizes(images: list, image_ids: np.ndarray, source: str | None) -> np.ndarray:
    """``(height, width)`` of each image, in the order of the sorted ``image_ids``."""
    out = np.zeros((image_ids.size, 2), np.int64)
    ids = fmt.ids_of(fmt.column(images, "id", source, "images"), images, source, "images",
                     strings=image_ids.dtype.kind == "U")
    where = np.searchsorted(image_ids, ids)
    for k, key in enumerate(("height", "width")):
        values = fmt.column(images, key, source, "images")
        if not all(type(v) is int and v >= 0 for v in values):
            i = next(i for i, v in enumerate(values) if not (type(v) is int and v >= 0))
            raise TypeError(f"{fmt.record_label(source, 'images', i, images[i])} has {key!r} "
                            f"{values[i]!r}; it must be an integer >= 0")
        out[where, k] = values
    return out
