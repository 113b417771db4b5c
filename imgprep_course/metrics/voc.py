"""PASCAL VOC detection evaluation: per-class AP and mAP, as the VOC devkit computes them.

The algorithm is the devkit's (``VOCevaldet.m``; its Python port is ``voc_eval`` in
py-faster-rcnn's ``lib/datasets/voc_eval.py``), for every class at once:

- boxes are 1-based inclusive pixel indices and overlaps use the "+1" convention
  (a box ``[1, 1, 1, 1]`` is one pixel), see :func:`imgprep_course.metrics.box_iou`;
- detections are ranked by confidence; each is compared with its single best ground
  truth in the same image (the first one on ties); it is a true positive when that
  overlap is *strictly* greater than the threshold and the ground truth is not yet taken
  (py-faster-rcnn's ``ovmax > ovthresh``; the MATLAB devkit's ``VOCevaldet.m`` tests
  ``ovmax >= VOCopts.minoverlap``, so an overlap of exactly 0.5 counts there and not
  here, and the IJCV 2010 paper says "exceed 50%");
  a ground truth already taken makes it a false positive (no fall-back to the second
  best); a ``difficult`` ground truth makes it neither;
- recall is over the non-difficult ground truths; AP is :func:`voc_ap` (11-point for
  VOC 2007, the area under the envelope from VOC 2010 on).

Two deliberate differences, both where the Python port is not well defined: ties in
confidence keep the input order (a stable sort, as MATLAB's ``sort`` in the original
devkit; the port's ``np.argsort`` default, an unstable quicksort, may order them either
way: on the tied scores of Padilla et al.'s published example, in
review_object_detection_metrics, the port gives 22.35% and 23.81% where a stable sort,
and so this function, gives their published 24.57% and 26.84%), and where no
detection has counted yet (the top-ranked ones all hit difficult objects) precision is
0 instead of the port's 0/0 = NaN, which makes the port's 11-point AP NaN. Classes
without a single non-difficult ground truth have no recall and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgprep_course.boxes import FORMATS
from imgprep_course.metrics._ap import precision_recall, voc_ap
from imgprep_course.metrics._inputs import box_sets, flags
from imgprep_course.metrics._iou import voc_overlaps


@dataclass(frozen=True)
class VOCResult:
    """Per-class VOC results.

    Attributes
    ----------
    ap : dict
        ``{label: AP}`` for every class with at least one non-difficult ground truth.
    mean_ap : float
        The mean of ``ap`` (mAP); 0.0 when ``ap`` is empty.
    precision, recall : dict
        ``{label: (N,) ndarray}``, the curve of each class in rank order.
    n_positives : dict
        ``{label: int}``, the non-difficult ground truths of each class.
    """

    ap: dict
    mean_ap: float
    precision: dict
    recall: dict
    n_positives: dict


def voc_evaluate(boxes, scores, labels, image_ids, gt_boxes, gt_labels, gt_image_ids, *,
                 gt_difficult=None, iou_threshold: float = 0.5, use_07_metric: bool = False,
                 fmt: str = "voc") -> VOCResult:
    """Evaluate detections against ground truths the PASCAL VOC way, every class at once.

    Parameters
    ----------
    boxes : (N, 4) array_like
        Detected boxes, in format ``fmt`` (VOC's 1-based ``xmin, ymin, xmax, ymax`` by
        default).
    scores : (N,) array_like of float
        Confidences.
    labels, image_ids : (N,) array_like of int
        Class and image of each detection.
    gt_boxes : (G, 4) array_like
        Ground-truth boxes, in format ``fmt``.
    gt_labels, gt_image_ids : (G,) array_like of int
        Class and image of each ground truth.
    gt_difficult : (G,) array_like of bool, optional
        VOC's ``difficult`` flags (none by default).
    iou_threshold : float
        A detection needs an overlap *greater than* this (0.5 in VOC).
    use_07_metric : bool
        11-point AP (VOC 2007) instead of the area under the curve (VOC 2010 on).
    fmt : {"voc", "xyxy", "xywh"}
        Box format (see :mod:`imgprep_course.boxes`); boxes are converted to VOC's.

    Returns
    -------
    VOCResult

    Examples
    --------
    >>> result = voc_evaluate(
    ...     boxes=[[1, 1, 10, 10], [20, 20, 29, 29], [1, 1, 9, 10]], scores=[.9, .8, .7],
    ...     labels=[0, 0, 0], image_ids=[0, 0, 0],
    ...     gt_boxes=[[1, 1, 10, 10], [50, 50, 60, 60], [2, 2, 10, 10]], gt_labels=[0, 0, 0],
    ...     gt_image_ids=[0, 0, 0])
    >>> round(result.ap[0], 4)   # TP, FP, then the third box's best match is taken: FP
    0.3333
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if not 0 <= iou_threshold < 1:
        raise ValueError(f"iou_threshold must be in [0, 1), got {iou_threshold!r}")
    sets = box_sets(boxes, scores, labels, image_ids, gt_boxes, gt_labels, gt_image_ids,
                    fmt, "voc")
    dt_boxes, conf, dt_labels, dt_images, gt, gt_labels_, gt_images = sets
    n_dt, n_gt = len(dt_boxes), len(gt)
    difficult = flags(gt_difficult, "gt_difficult", n_gt)

    # the best ground truth of every detection: same class, same image, first of the max
    classes, class_index = np.unique(np.concatenate([gt_labels_, dt_labels]),
                                     return_inverse=True)
    images, image_index = np.unique(np.concatenate([gt_images, dt_images]),
                                    return_inverse=True)
    key_all = class_index.astype(np.int64) * images.size + image_index
    keys, dt_keys = key_all[:n_gt], key_all[n_gt:]
    gt_order = np.argsort(keys, kind="stable")
    sorted_keys = keys[gt_order]
    start = np.searchsorted(sorted_keys, dt_keys, side="left")
    count = np.searchsorted(sorted_keys, dt_keys, side="right") - start
    pair_dt = np.repeat(np.arange(n_dt), count)
    pair_gt = gt_order[np.repeat(start, count) + np.arange(count.sum())
                       - np.repeat(np.cumsum(count) - count, count)]
    overlaps = voc_overlaps(dt_boxes[pair_dt], gt[pair_gt])
    best = np.full(n_dt, -np.inf)
    np.maximum.at(best, pair_dt, overlaps)
    first_best = np.full(n_dt, pair_dt.size)
    at_best = overlaps == best[pair_dt]
    np.minimum.at(first_best, pair_dt[at_best], np.flatnonzero(at_best))
    best_gt = np.full(n_dt, -1)
    found = count > 0
    best_gt[found] = pair_gt[first_best[found]]

    ap, precision, recall, positives = {}, {}, {}, {}
    for label in classes:
        n_pos = int(np.count_nonzero((gt_labels_ == label) & ~difficult))
        if n_pos == 0:
            continue
        mine = np.flatnonzero(dt_labels == label)
        ranked = mine[np.argsort(-conf[mine], kind="stable")]
        hit = best[ranked] > iou_threshold
        on_difficult = hit & difficult[best_gt[ranked]]
        candidates = np.flatnonzero(hit & ~on_difficult)
        _, first = np.unique(best_gt[ranked[candidates]], return_index=True)
        is_tp = np.zeros(ranked.size, bool)
        is_tp[candidates[first]] = True
        prec, rec = precision_recall(is_tp, conf[ranked], n_pos, ignored=on_difficult)
        key = label.item()
        ap[key] = voc_ap(rec, prec, use_07_metric)
        precision[key], recall[key], positives[key] = prec, rec, n_pos
    mean_ap = float(np.mean(list(ap.values()))) if ap else 0.0
    return VOCResult(ap, mean_ap, precision, recall, positives)
