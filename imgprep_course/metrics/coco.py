"""COCO detection and segmentation evaluation with pycocotools' numbers, much faster.

:func:`evaluate_coco` takes a ground-truth file and a results file (paths, or the loaded
JSON) and returns a :class:`COCOResult`: the 12 summary numbers of
``COCOeval.summarize()`` (equal to pycocotools' for the same files), the full precision
and recall arrays shaped like ``COCOeval.eval``, and breakdowns per category and per IoU
threshold. :func:`evaluate_coco_arrays` does the same from numpy arrays of boxes.

pycocotools' conventions and quirks that change numbers, all kept on purpose:

- Results are read as ``COCO.loadRes`` reads them: detection ids become ``1..N`` in
  file order, ``iscrowd`` 0, and ``area`` is the box's ``w * h`` if the *first*
  detection has a non-empty ``bbox`` (even when evaluating masks), else the mask's area.
  A detection without ``segmentation`` in a ``segm`` evaluation gets its box as polygon.
- A ground truth's ``ignore`` is its ``iscrowd`` flag (any ``ignore`` field is
  overwritten). Area ranges are judged on the ``area`` field, not on the box or mask,
  both ends inclusive; ``all`` is ``[0, 1e10]``.
- Per image and category, detections are sorted by score with a stable sort (ties keep
  file order) and cut to 100; ground truths in file order, ignored ones last.
- Matching: for each IoU threshold ``t``, each detection takes the free ground truth of
  highest IoU, starting from ``min(t, 1 - 1e-10)`` (so IoU ``>= t``); among equal IoUs
  the *later* ground truth wins; crowds can be matched any number of times; once a
  regular ground truth is matched, ignored ones are not tried. A matched detection is
  ignored if its ground truth is; an unmatched one if its area is outside the range.
- pycocotools records a match as the ground truth's id, with 0 meaning "unmatched", so a
  detection matched to a ground truth whose id is 0 counts as a false positive (a bug,
  kept for parity; give your annotations ids from 1).
- Accumulation: each image's first ``maxDet`` detections, in image-id order, stably
  sorted by score; ``precision = tp / (tp + fp + np.spacing(1))``; envelope from the
  right; read at ``np.linspace(0, 1, 101)`` with ``searchsorted(side="left")``, 0 past
  the last recall. A category with no non-ignored ground truth in an area range keeps
  -1 and is left out of the means.

Where pycocotools fails on bad input, or quietly drops it, these functions raise a
``ValueError`` or ``TypeError`` that names the annotation and the field: detections or
ground truths for images or categories that the ground truth does not list (pycocotools
asserts on unknown images and drops unknown categories), boxes of negative size, NaN
scores, missing fields, duplicate annotation ids (pycocotools evaluates one of the two
twice), masks whose size is not their image's (pycocotools gives them IoU -1, so they
never match). A missing ``iscrowd`` means 0. An empty results list is valid: every
category with ground truth scores 0 (pycocotools crashes on it).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.boxes import as_boxes
from imgprep_course.datasets import masks
from imgprep_course.datasets.coco import load_json
from imgprep_course.metrics import _coco_core
from imgprep_course.metrics._ap import COCO_RECALL_THRESHOLDS
from imgprep_course.metrics._coco_core import (COCO_AREA_RANGES, COCO_IOU_THRESHOLDS,
                                               COCO_MAX_DETS, STAT_SPECS, Annotations,
                                               stat_max_det)
from imgprep_course.metrics._inputs import box_sets, check_finite, per_box

IOU_TYPES = ("bbox", "segm")

#: Short names of the 12 summary numbers, in ``stats`` order.
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl",
              "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")

@dataclass(frozen=True)
class COCOResult:
    """The outcome of a COCO evaluation.

    Attributes
    ----------
    stats : (12,) ndarray
        ``COCOeval.stats``: AP@[.5:.95], AP50, AP75, AP small/medium/large, AR@1, AR@10,
        AR@100, AR small/medium/large (see :data:`STAT_NAMES`); -1 where undefined.
    precision : (T, R, K, A, M) ndarray
        ``COCOeval.eval["precision"]``: IoU thresholds x 101 recalls x categories x area
        ranges x max detections; -1 for a category without ground truth.
    recall : (T, K, A, M) ndarray
        ``COCOeval.eval["recall"]``, the highest recall reached.
    scores : (T, R, K, A, M) ndarray
        ``COCOeval.eval["scores"]``, the score at which each recall is reached.
    category_ids, iou_thresholds, recall_thresholds : ndarray
        The axes ``K``, ``T`` and ``R``.
    area_ranges : dict
        Area label to ``(min, max)``, the axis ``A``.
    max_dets : tuple of int
        The axis ``M``.
    n_positives : (K, A) ndarray
        Ground truths that count (not crowd, inside the area range) per category.
    iou_type : {"bbox", "segm"}

    Examples
    --------
    >>> result = evaluate_coco_arrays(
    ...     boxes=[[0, 0, 10, 10], [0, 0, 10, 7], [30, 30, 40, 40]], scores=[.9, .8, .7],
    ...     labels=[1, 2, 2], image_ids=[0, 0, 0],
    ...     gt_boxes=[[0, 0, 10, 10], [0, 0, 10, 10]], gt_labels=[1, 2], gt_image_ids=[0, 0])
    >>> {k: round(ap, 3) for k, ap in result.ap_per_class().items()}  # IoU 1 and 0.7
    {1: 1.0, 2: 0.5}
    >>> {t: round(ap, 2) for t, ap in result.ap_per_iou().items() if t in (.5, .7, .75)}
    {0.5: 1.0, 0.7: 1.0, 0.75: 0.5}
    >>> print(result.summary().splitlines()[1])
     Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000
    """

    stats: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    category_ids: np.ndarray
    n_positives: np.ndarray
    iou_type: str = "bbox"
    iou_thresholds: np.ndarray = field(default_factory=lambda: COCO_IOU_THRESHOLDS.copy())
    recall_thresholds: np.ndarray = field(
        default_factory=lambda: COCO_RECALL_THRESHOLDS.copy())
    area_ranges: dict = field(default_factory=lambda: dict(COCO_AREA_RANGES))
    max_dets: tuple = COCO_MAX_DETS

    def summary(self) -> str:
        """The 12 lines that ``COCOeval.summarize()`` prints, character for character."""
        lines = []
        first, last = self.iou_thresholds[0], self.iou_thresholds[-1]
        for value, (ap, iou, area, index) in zip(self.stats, STAT_SPECS):
            iou_text = f"{first:0.2f}:{last:0.2f}" if iou is None else f"{iou:0.2f}"
            title, kind = ("Average Precision", "(AP)") if ap else ("Average Recall", "(AR)")
            lines.append(f" {title:<18} {kind} @[ IoU={iou_text:<9} | area={area:>6s} | "
                         f"maxDets={stat_max_det(index, self.max_dets):>3d} ] = "
                         f"{value:0.3f}")
        return "\n".join(lines)

    def ap_per_class(self, iou_threshold: float | None = None, area: str = "all",
                     max_dets: int | None = None) -> dict:
        """AP of each category: ``{category_id: AP}``, categories without ground truth left out.

        ``iou_threshold=None`` averages over all thresholds (AP@[.5:.95]); ``max_dets``
        defaults to the largest (100). The mean of the values is ``stats[0]`` (for the
        defaults) up to summation order.
        """
        s = self._precision(iou_threshold, area, max_dets)
        out = {}
        for k, category in enumerate(self.category_ids.tolist()):
            values = s[:, :, k]
            if (values > -1).any():
                out[category] = float(np.mean(values[values > -1]))
        return out

    def ap_per_iou(self, area: str = "all", max_dets: int | None = None) -> dict:
        """AP at each IoU threshold, over categories: ``{0.5: AP50, 0.55: ..., 0.95: ...}``.

        Thresholds where no category has ground truth are left out.
        """
        out = {}
        for t, threshold in enumerate(self.iou_thresholds.tolist()):
            values = self._precision(threshold, area, max_dets)
            if (values > -1).any():
                out[round(threshold, 10)] = float(np.mean(values[values > -1]))
        return out

    def precision_curve(self, category_id, iou_threshold: float = 0.5, area: str = "all",
                        max_dets: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One category's interpolated precision at the 101 recalls, ready to plot.

        Returns ``(recall_thresholds, precision)``; precision is 0 beyond the highest
        recall reached and -1 everywhere when the category has no ground truth here.

        Examples
        --------
        >>> result = evaluate_coco_arrays([[0, 0, 4, 4], [9, 9, 12, 12]], [.9, .8], [1, 1],
        ...                               [0, 0], [[0, 0, 4, 4], [20, 20, 24, 24]], [1, 1],
        ...                               [0, 0])
        >>> recall, precision = result.precision_curve(1)
        >>> precision[[0, 50, 51]].tolist()   # found 1 of 2: recall 0.5, then nothing
        [0.9999999999999998, 0.9999999999999998, 0.0]

        (``1 / (1 + np.spacing(1))``: pycocotools' precision is never exactly 1.)
        """
        matches = np.flatnonzero(self.category_ids == category_id)
        if matches.size == 0:
            raise ValueError(f"category_id {category_id!r} is not one of "
                             f"{self.category_ids.tolist()}")
        curve = self._precision(iou_threshold, area, max_dets)[0, :, matches[0]]
        return self.recall_thresholds.copy(), curve.copy()

    def to_dict(self) -> dict:
        """A JSON-ready summary: stats, their names, and the two breakdowns."""
        return {"iou_type": self.iou_type,
                "stats": self.stats.tolist(),
                "stat_names": list(STAT_NAMES),
                "ap_per_class": {str(k): v for k, v in self.ap_per_class().items()},
                "ap_per_iou": {f"{k:.2f}": v for k, v in self.ap_per_iou().items()}}

    def _precision(self, iou_threshold, area, max_dets) -> np.ndarray:
        """``precision[t, :, :, a, m]`` for the selection, shape (T', R, K)."""
        if area not in self.area_ranges:
            raise ValueError(f"area must be one of {list(self.area_ranges)}, got {area!r}")
        max_dets = self.max_dets[-1] if max_dets is None else max_dets
        if max_dets not in self.max_dets:
            raise ValueError(f"max_dets must be one of {self.max_dets}, got {max_dets!r}")
        s = self.precision[:, :, :, list(self.area_ranges).index(area),
                           self.max_dets.index(max_dets)]
        if iou_threshold is None:
            return s
        t = np.flatnonzero(np.isclose(self.iou_thresholds, iou_threshold, rtol=0,
                                      atol=1e-9))
        if t.size == 0:
            raise ValueError(f"iou_threshold must be one of "
                             f"{np.round(self.iou_thresholds, 2).tolist()}, got "
                             f"{iou_threshold!r}")
        return s[t]


def evaluate_coco(ground_truth, results, iou_type: str = "bbox", *,
                  iou_thresholds=COCO_IOU_THRESHOLDS,
                  max_dets: tuple = COCO_MAX_DETS) -> COCOResult:
    """Evaluate COCO results against ground truth, as pycocotools' ``COCOeval`` does.

    Parameters
    ----------
    ground_truth : str, path, dict or COCO index
        A COCO instances file, or its loaded content (``images``, ``categories``,
        ``annotations``), or a ``COCO`` object (pycocotools' or
        :class:`imgprep_course.datasets.coco.COCO`). Never modified.
    results : str, path, list of dict or COCO index
        A results file, or its loaded content: ``[{"image_id", "category_id", "bbox"
        or "segmentation", "score"}, ...]`` as for ``COCO.loadRes``, or what
        ``loadRes`` returned. Never modified.
    iou_type : {"bbox", "segm"}
        Compare boxes or masks.
    iou_thresholds : (T,) array_like of float, optional
        ``COCOeval.params.iouThrs``; ``np.linspace(.5, .95, 10)`` by default. AP50 and
        AP75 are -1 when 0.5 or 0.75 is not among them.
    max_dets : three ints, optional
        ``COCOeval.params.maxDets`` (sorted); ``(1, 10, 100)`` by default. As in
        pycocotools, AP@[.5:.95] (``stats[0]``) always reads ``maxDets=100``, so it is -1
        when 100 is not among them; the other numbers read the first, second or third.

    Returns
    -------
    COCOResult

    Examples
    --------
    >>> gt = {"images": [{"id": 1, "height": 100, "width": 100}],
    ...       "categories": [{"id": 1, "name": "cat"}],
    ...       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
    ...                        "bbox": [10, 10, 40, 40], "area": 1600}]}
    >>> dt = [{"image_id": 1, "category_id": 1, "bbox": [12, 10, 40, 40], "score": .9}]
    >>> result = evaluate_coco(gt, dt)
    >>> result.stats[:3].round(3).tolist()   # IoU 0.905: matched at 9 of 10 thresholds
    [0.9, 1.0, 1.0]
    >>> print(result.summary().splitlines()[0])
     Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.900
    """
    if iou_type not in IOU_TYPES:
        raise ValueError(f"iou_type must be one of {IOU_TYPES}, got {iou_type!r}")
    gt_data = _load(ground_truth, "ground_truth", dict)
    dt_data = _load(results, "results", list)
    images = _records(gt_data, "images", "ground truth")
    categories = _records(gt_data, "categories", "ground truth")
    image_ids = _unique_ids(_column(images, "id", "images"), "images")
    category_ids = _unique_ids(_column(categories, "id", "categories"), "categories")
    annotations = gt_data.get("annotations", [])
    if not isinstance(annotations, list):
        raise TypeError(f"the ground truth's 'annotations' must be a list, got "
                        f"{type(annotations).__name__}")
    sizes = _image_sizes(images, image_ids) if iou_type == "segm" else None
    gt = _ground_truths(annotations, image_ids, category_ids, iou_type, sizes)
    dt = _detections(dt_data, image_ids, category_ids, iou_type, sizes)
    return _run(gt, dt, image_ids.size, category_ids, iou_type, iou_thresholds, max_dets)


def evaluate_coco_arrays(boxes, scores, labels, image_ids, gt_boxes, gt_labels,
                         gt_image_ids, *, fmt: str = "xyxy", gt_iscrowd=None,
                         gt_areas=None, iou_thresholds=COCO_IOU_THRESHOLDS,
                         max_dets: tuple = COCO_MAX_DETS) -> COCOResult:
    """COCO box evaluation from numpy arrays: one row per detection or ground truth.

    The same computation as :func:`evaluate_coco`; the images are those named in
    ``image_ids`` or ``gt_image_ids``, the categories those in ``labels`` or
    ``gt_labels``. Detections and ground truths get ids ``1..N`` in row order.

    Parameters
    ----------
    boxes : (N, 4) array_like
        Detected boxes in format ``fmt`` (see :mod:`imgprep_course.boxes`).
    scores : (N,) array_like of float
        Their confidences.
    labels, image_ids : (N,) array_like of int
        Their categories and images.
    gt_boxes : (G, 4) array_like
        Ground-truth boxes in format ``fmt``.
    gt_labels, gt_image_ids : (G,) array_like of int
        Their categories and images.
    fmt : {"xyxy", "xywh", "voc"}
        Box format.
    gt_iscrowd : (G,) array_like of bool, optional
        Crowd regions (none by default).
    gt_areas : (G,) array_like of float, optional
        The areas judged against the small / medium / large ranges; the box areas by
        default (COCO's files store the mask area instead).
    iou_thresholds, max_dets : optional
        As for :func:`evaluate_coco`.

    Examples
    --------
    >>> result = evaluate_coco_arrays(
    ...     boxes=[[0, 0, 10, 10], [50, 50, 60, 60]], scores=[0.9, 0.8], labels=[1, 1],
    ...     image_ids=[7, 7], gt_boxes=[[0, 0, 10, 10]], gt_labels=[1], gt_image_ids=[7])
    >>> result.stats[[0, 8]].round(3).tolist()   # AP@[.5:.95], AR@100
    [1.0, 1.0]
    """
    sets = box_sets(boxes, scores, labels, image_ids, gt_boxes, gt_labels, gt_image_ids,
                    fmt, "xywh")
    dt_boxes, conf, dt_labels, dt_images, gt_xywh, gt_cats, gt_imgs = sets
    n_dt, n_gt = len(dt_boxes), len(gt_xywh)
    crowd = as_crowd(gt_iscrowd, n_gt, "gt_iscrowd")
    if gt_areas is None:
        areas = gt_xywh[:, 2] * gt_xywh[:, 3]
    else:
        areas = per_box(gt_areas, "gt_areas", n_gt, "iuf").astype(np.float64)
        check_finite(areas, "gt_areas[{}]")
    category_ids = np.unique(np.concatenate([gt_cats, dt_labels]))
    all_images = np.unique(np.concatenate([gt_imgs, dt_images]))
    gt = Annotations(np.searchsorted(all_images, gt_imgs), np.searchsorted(category_ids, gt_cats),
                     np.arange(1, n_gt + 1), np.zeros(n_gt), areas, crowd, gt_xywh)
    dt = Annotations(np.searchsorted(all_images, dt_images),
                     np.searchsorted(category_ids, dt_labels), np.arange(1, n_dt + 1),
                     conf, dt_boxes[:, 2] * dt_boxes[:, 3],
                     np.zeros(n_dt, bool), dt_boxes)
    return _run(gt, dt, all_images.size, category_ids, "bbox", iou_thresholds, max_dets)


def coco_eval_cli(args) -> int:
    """``python -m imgprep_course coco-eval GT.json DT.json [--iou-type] [--json]``.

    Prints the 12-line summary, or with ``--json`` one JSON document (see
    :meth:`COCOResult.to_dict`). Bad files or content: one line on stderr, exit 1.
    """
    try:
        result = evaluate_coco(args.ground_truth, args.results, iou_type=args.iou_type)
    except (OSError, ValueError, TypeError) as error:
        print(f"coco-eval: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_dict()) if args.json else result.summary())
    return 0


# ---------------------------------------------------------------------- reading
def _run(gt: Annotations, dt: Annotations, n_images: int, category_ids, iou_type: str,
         iou_thresholds, max_dets) -> COCOResult:
    """Check the parameters, evaluate, and wrap the outcome."""
    thresholds = as_array(iou_thresholds, "iou_thresholds", ndim=1, kinds="iuf",
                          finite=True).astype(np.float64)
    if ((thresholds < 0) | (thresholds > 1)).any():
        raise ValueError(f"iou_thresholds must lie in [0, 1], got {thresholds.tolist()}")
    dets = np.asarray(max_dets)
    if dets.shape != (3,) or dets.dtype.kind not in "iu" or (dets < 1).any():
        raise ValueError(f"max_dets must be three positive ints (the summary reads three), "
                         f"got {max_dets!r}")
    dets = tuple(sorted(int(m) for m in dets))
    evaluation = _coco_core.evaluate(gt, dt, n_images, len(category_ids),
                                     iou_thresholds=thresholds, max_dets=dets)
    return COCOResult(stats=evaluation.stats, precision=evaluation.precision,
                      recall=evaluation.recall, scores=evaluation.scores,
                      category_ids=np.asarray(category_ids),
                      n_positives=evaluation.n_positives, iou_type=iou_type,
                      iou_thresholds=thresholds, max_dets=dets)


def _load(source, name: str, kind: type):
    what = "a COCO instances dict" if kind is dict else "a COCO results list"
    if isinstance(getattr(source, "dataset", None), dict):  # a COCO index (ours or theirs)
        source = source.dataset if kind is dict else source.dataset.get("annotations", [])
    if isinstance(source, (str, os.PathLike)):
        data = load_json(source)
        if not isinstance(data, kind):
            raise TypeError(f"{source} holds a JSON {type(data).__name__}, but {name} "
                            f"must be {what}")
        return data
    if not isinstance(source, kind):
        raise TypeError(f"{name} must be a path or {what}, got {type(source).__name__}")
    return source


def _records(data: dict, key: str, name: str) -> list:
    if key not in data:
        raise ValueError(f"the {name} has no {key!r} list")
    records = data[key]
    if not isinstance(records, list):
        raise TypeError(f"the {name}'s {key!r} must be a list, got {type(records).__name__}")
    return records


def _column(records: list, key: str, name: str, default=None) -> list:
    """``[r[key] for r in records]`` with an error naming the first bad record."""
    try:
        if default is None:
            return [r[key] for r in records]
        return [r.get(key, default) for r in records]
    except (KeyError, TypeError, AttributeError):
        for i, r in enumerate(records):
            if not isinstance(r, dict):
                raise TypeError(f"{name}[{i}] must be a dict, got {type(r).__name__}") from None
            if key not in r:
                raise ValueError(f"{name}[{i}] has no {key!r} field: {_short(r)}") from None
        raise


def _unique_ids(ids: list, name: str) -> np.ndarray:
    if len(ids) == 0:
        return np.zeros(0, np.int64)
    array = np.asarray(ids)
    if array.dtype.kind not in "iuU" or array.ndim != 1:
        raise TypeError(f"{name} ids must be integers or strings, got {ids[:5]!r}...")
    return np.unique(array)


def _indices(ids: list, known: np.ndarray, name: str, what: str) -> np.ndarray:
    """Positions of ``ids`` in the sorted ``known``; an unknown id raises, named."""
    array = np.asarray(ids)
    if len(ids) == 0:
        return np.zeros(0, np.int64)
    if array.dtype.kind not in "iuU" or array.ndim != 1 or (
            (array.dtype.kind == "U") != (known.dtype.kind == "U") and known.size):
        bad = next((i for i, v in enumerate(ids)
                    if not isinstance(v, (int, np.integer, str)) or isinstance(v, bool)
                    or isinstance(v, str) != (known.dtype.kind == "U")), 0)
        raise ValueError(f"{name}[{bad}] refers to {what} {ids[bad]!r}, which is not in "
                         f"the ground truth's {what}s")
    index = np.minimum(np.searchsorted(known, array), max(known.size - 1, 0))
    unknown = np.flatnonzero(known[index] != array) if known.size else np.arange(array.size)
    if unknown.size:
        i = int(unknown[0])
        raise ValueError(f"{name}[{i}] refers to {what} {ids[i]!r}, which is not in the "
                         f"ground truth's {what}s ({unknown.size} such entries)")
    return index


def _ground_truths(annotations, image_ids, category_ids, iou_type, sizes) -> Annotations:
    name = "annotations"
    n = len(annotations)
    if n == 0:
        return _no_annotations(iou_type)
    ids = _column(annotations, "id", name)
    id_array = np.asarray(ids)
    if id_array.dtype.kind not in "iu" or id_array.ndim != 1:
        raise TypeError(f"annotation ids must be integers, got {ids[:5]!r}...")
    unique, counts = np.unique(id_array, return_counts=True)
    if (counts > 1).any():
        dup = unique[counts > 1][0]
        where = np.flatnonzero(id_array == dup)[:2].tolist()
        raise ValueError(f"annotation id {dup} is used twice ({name}{where}); "
                         f"pycocotools would silently evaluate one of them twice")
    image = _indices(_column(annotations, "image_id", name), image_ids, name, "image")
    category = _indices(_column(annotations, "category_id", name), category_ids, name,
                        "category")
    areas = _floats(_column(annotations, "area", name), name, "area")
    iscrowd = np.asarray(_column(annotations, "iscrowd", name, default=0)).astype(bool)
    ids = id_array.astype(np.int64)
    if iou_type == "bbox":
        return Annotations(image, category, ids, np.zeros(n), areas, iscrowd,
                           _boxes(_column(annotations, "bbox", name), name))
    rles = _mask_runs(_column(annotations, "segmentation", name), sizes[image], name)
    return Annotations.with_masks(image, category, ids, np.zeros(n), areas, iscrowd, rles)


def _no_annotations(iou_type: str) -> Annotations:
    empty = np.zeros(0, np.int64)
    if iou_type == "segm":
        return Annotations.with_masks(empty, empty, empty, np.zeros(0), np.zeros(0),
                                      np.zeros(0, bool), masks.unpack([]))
    return Annotations(empty, empty, empty, np.zeros(0), np.zeros(0), np.zeros(0, bool),
                       np.zeros((0, 4)))


def _detections(results, image_ids, category_ids, iou_type, sizes) -> Annotations:
    name = "results"
    n = len(results)
    if n == 0:
        return _no_annotations(iou_type)
    image = _indices(_column(results, "image_id", name), image_ids, name, "image")
    category = _indices(_column(results, "category_id", name), category_ids, name,
                        "category")
    scores = _floats(_column(results, "score", name), name, "score")
    first = results[0]
    boxes = rles = None
    if "bbox" in first and not (isinstance(first["bbox"], list) and first["bbox"] == []):
        # loadRes: the first result decides; area is the box's, the mask the box's polygon
        boxes = _boxes(_column(results, "bbox", name), name)
        areas = boxes[:, 2] * boxes[:, 3]
        if iou_type == "segm":
            segmentations = [r["segmentation"] if "segmentation" in r else
                             [[x, y, x, y + h, x + w, y + h, x + w, y]]
                             for r, (x, y, w, h) in zip(results, boxes.tolist())]
            rles = _mask_runs(segmentations, sizes[image], name)
            boxes = None
    elif "segmentation" in first:
        segmentations = _column(results, "segmentation", name)
        if iou_type == "segm":
            rles = _mask_runs(segmentations, sizes[image], name)
            areas = masks.area(rles).astype(np.float64)  # loadRes: the mask's area
        else:
            areas = masks.area(segmentations).astype(np.float64)
            boxes = masks.to_bbox(segmentations)
    else:
        raise ValueError(f"{name}[0] has neither a 'bbox' nor a 'segmentation': "
                         f"{_short(first)}")
    if iou_type == "segm":
        return Annotations.with_masks(image, category, np.arange(1, n + 1), scores, areas,
                                      np.zeros(n, bool), rles)
    return Annotations(image, category, np.arange(1, n + 1), scores, areas,
                       np.zeros(n, bool), boxes)


def _mask_runs(segmentations: list, sizes: np.ndarray, name: str):
    """Every segmentation as uncompressed runs (``COCO.annToRLE``), concatenated.

    ``sizes[i]`` is the ``(height, width)`` of annotation ``i``'s image. Returns them as
    :class:`~imgprep_course.datasets.masks.Runs`. Polygons are rasterised in one call per image
    size; a multi-polygon annotation is the union of its polygons.
    """
    rles: list = list(segmentations)
    polygons: dict = {}  # (height, width) -> [(annotation, polygon), ...]
    for i, segmentation in enumerate(segmentations):
        if isinstance(segmentation, list) and segmentation and all(
                isinstance(p, (list, tuple)) for p in segmentation):
            key = (int(sizes[i, 0]), int(sizes[i, 1]))
            polygons.setdefault(key, []).extend((i, p) for p in segmentation)
        elif not isinstance(segmentation, dict):
            rles[i] = _one_segmentation(segmentation, sizes[i], f"{name}[{i}]")
    for (height, width), items in polygons.items():
        try:
            parts = masks.from_polygons([p for _, p in items], height, width)
        except (ValueError, TypeError):
            for i in dict.fromkeys(i for i, _ in items):   # find and name the bad one
                _one_segmentation(segmentations[i], sizes[i], f"{name}[{i}]")
            raise
        owners = np.array([i for i, _ in items])
        cuts = np.flatnonzero(np.diff(owners)) + 1
        for group in np.split(np.arange(owners.size), cuts):
            i = int(owners[group[0]])
            rles[i] = (parts[group[0]] if group.size == 1
                       else masks.merge([parts[j] for j in group]))
    try:
        unpacked = masks.unpack(rles)
    except (ValueError, TypeError) as error:
        message = re.sub(r"^rles\[(\d+)\]", rf"{name}[\1]['segmentation']", str(error))
        raise type(error)(message) from None
    wrong = np.flatnonzero((unpacked.sizes != sizes).any(axis=1))
    if wrong.size:
        i = int(wrong[0])
        raise ValueError(f"{name}[{i}]['segmentation'] has size "
                         f"{unpacked.sizes[i].tolist()} but its image is "
                         f"{sizes[i, 0]}x{sizes[i, 1]}")
    return unpacked


def _one_segmentation(segmentation, size, label: str) -> dict:
    try:
        return masks.from_segmentation(segmentation, int(size[0]), int(size[1]))
    except (ValueError, TypeError) as error:
        raise type(error)(f"{label}['segmentation']: {error}") from None


def _image_sizes(images: list, image_ids: np.ndarray) -> np.ndarray:
    """``(height, width)`` of each image, in the order of the sorted ``image_ids``."""
    heights = _column(images, "height", "images")
    widths = _column(images, "width", "images")
    try:
        sizes = np.array([heights, widths], dtype=np.int64).T
    except (TypeError, ValueError):
        raise TypeError("every image's 'height' and 'width' must be integers") from None
    ids = np.asarray(_column(images, "id", "images"))
    out = np.zeros((image_ids.size, 2), np.int64)
    out[np.searchsorted(image_ids, ids)] = sizes
    return out


def _boxes(values: list, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        bad = next((i for i, v in enumerate(values)
                    if not isinstance(v, (list, tuple)) or len(v) != 4), 0)
        raise ValueError(f"{name}[{bad}]['bbox'] must be [x, y, width, height], got "
                         f"{values[bad]!r}") from None
    if array.ndim != 2 or array.shape[1] != 4:
        bad = next((i for i, v in enumerate(values) if len(v) != 4), 0)
        raise ValueError(f"{name}[{bad}]['bbox'] must be [x, y, width, height], got "
                         f"{values[bad]!r}")
    return as_boxes(array, f"{name} bbox", fmt="xywh")


def _floats(values: list, name: str, key: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        bad = next(i for i, v in enumerate(values)
                   if not isinstance(v, (int, float, np.integer, np.floating))
                   or isinstance(v, bool))
        raise TypeError(f"{name}[{bad}][{key!r}] must be a number, got {values[bad]!r}") from None
    if array.ndim != 1:
        raise TypeError(f"every {name}[i][{key!r}] must be a number")
    check_finite(array, f"{name}[{{}}][{key!r}]")
    return array


def _short(record) -> str:
    text = repr(record)
    return text if len(text) <= 120 else text[:117] + "..."
