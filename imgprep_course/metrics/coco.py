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

Inputs pycocotools evaluates are evaluated the same way: ids given as floats equal to
integers (``"image_id": 1.0``); detections of a category the ground truth does not list
(pycocotools ignores them, and so do these functions); polygons with an odd number of
coordinates (the last one is dropped, as pycocotools reads ``len // 2`` points); RLE
masks of another size than their image (kept at their own size: they match masks of
that size, and against any other size the IoU is -1, as pycocotools' ``rleIou``).

Where pycocotools fails on bad input, or quietly evaluates something else, these
functions raise a ``ValueError`` or ``TypeError`` that names the file, the record (its
index and id) and the field: detections or ground truths of images the ground truth
does not list (pycocotools asserts on them), ground truths of unknown categories,
boxes of negative size, NaN scores, values that are not numbers (``"score": "0.9"``
or ``true``: pycocotools' numpy arithmetic would compare strings or count a bool as 1),
missing fields, duplicate annotation ids (pycocotools evaluates one of the two twice).
A missing ``iscrowd`` means 0. An empty results list is valid: every category with
ground truth scores 0 (pycocotools crashes on it).
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.metrics import _coco_core
from imgprep_course.metrics._coco_core import COCO_IOU_THRESHOLDS, COCO_MAX_DETS, Annotations
from imgprep_course.datasets.coco_format import collector_paused
from imgprep_course.metrics._coco_ahead import ResultsAhead
from imgprep_course.metrics._coco_read import GroundTruth, load
from imgprep_course.metrics._coco_result import STAT_NAMES, COCOResult
from imgprep_course.metrics._inputs import box_sets, check_finite, per_box

__all__ = ["evaluate_coco", "evaluate_coco_arrays", "COCOResult", "STAT_NAMES", "IOU_TYPES"]

IOU_TYPES = ("bbox", "segm")

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
    with collector_paused():  # the parsed files are freed before it runs again
        truth, dt = _read(ground_truth, results, iou_type)
    return _run(truth.annotations, dt, truth.image_ids.size, truth.category_ids, iou_type,
                iou_thresholds, max_dets)


def _read(ground_truth, results, iou_type: str) -> tuple[GroundTruth, Annotations]:
    """The ground truth and the detections as arrays (the parsed JSON is dropped).

    ``results`` may be a :class:`~imgprep_course.metrics._coco_ahead.ResultsAhead` (the
    ``coco-eval`` command's): its columns, where they come, stand for the file.
    """
    if isinstance(results, ResultsAhead):
        with results:
            return _read_ahead(ground_truth, results, iou_type)
    gt_data, gt_source = load(ground_truth, "ground_truth", dict)
    dt_data, dt_source = load(results, "results", list)
    truth = GroundTruth(gt_data, gt_source, iou_type)
    return truth, truth.detections(dt_data, dt_source, iou_type)


def _read_ahead(ground_truth, ahead: ResultsAhead,
                iou_type: str) -> tuple[GroundTruth, Annotations]:
    """:func:`_read` with the results read by a child; the same numbers and messages."""
    gt_data, gt_source = load(ground_truth, "ground_truth", dict)
    try:
        truth = GroundTruth(gt_data, gt_source, iou_type)
    except (ValueError, TypeError):
        ahead.close()
        load(ahead.path, "results", list)   # a results file that does not load comes first
        raise
    columns = ahead.columns()
    dt = None if columns is None else truth.read_ahead(columns)
    if dt is None:
        dt = truth.detections(*load(ahead.path, "results", list), iou_type)
    return truth, dt


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
