"""Lesson 04's exercises: IoU, matching, precision and recall, all-point AP, mAP@[.5:.95].

Every reference is the library's own function (:mod:`imgprep_course.metrics`), so a
student's answer that passes agrees with pycocotools and the VOC devkit on these cases.
"""

import numpy as np

from imgprep_course import metrics
from imgprep_course.metrics.simulate import simulate_detector
from imgprep_course.exercises._core import Case, Exercise


def _random_boxes(rng, n: int, extent: float = 100.0, integer: bool = False) -> np.ndarray:
    """``n`` xyxy boxes inside ``[0, extent]``, sides at least 1 (integers if asked)."""
    xy = rng.uniform(0, 0.7 * extent, (n, 2))
    wh = rng.uniform(1, 0.3 * extent, (n, 2))
    if integer:
        xy, wh = np.round(xy), np.maximum(np.round(wh), 1)
    return np.concatenate([xy, xy + wh], axis=1)


# ------------------------------------------------------------------------------ 4.1 IoU
def _iou_cases(hidden):
    rng = np.random.default_rng(41)
    return [
        Case((np.array([[0., 0, 2, 2]]), np.array([[1., 0, 3, 2], [0, 0, 1, 1]]))),
        # identical, apart, touching along an edge, inside
        Case((np.array([[0., 0, 10, 10]]),
              np.array([[0., 0, 10, 10], [20, 20, 30, 30], [10, 0, 20, 10], [2, 2, 5, 5]]))),
        # apart in x *and* in y: both overlap lengths are negative
        Case((np.array([[0., 0, 4, 4], [50, 50, 60, 70]]),
              np.array([[10., 10, 20, 20], [55, 40, 58, 90]]))),
        Case((_random_boxes(rng, 5), _random_boxes(rng, 7))),
        Case((_random_boxes(hidden, 8), _random_boxes(hidden, 3)), hidden=True),
    ]


iou = Exercise(
    name="iou", number="4.1", points=2,
    title="IoU of every box with every other box (xyxy)",
    reference=lambda boxes_a, boxes_b: metrics.box_iou(boxes_a, boxes_b, fmt="xyxy"),
    make_cases=_iou_cases,
    hints=("Broadcast: boxes_a[:, None, :] has shape (N, 1, 4) and boxes_b[None, :, :] "
           "has shape (1, M, 4); combining them gives (N, M) arrays.",
           "The overlap's width is min(x2_a, x2_b) - max(x1_a, x1_b); clip it at 0 with "
           "np.maximum(..., 0) (and the height likewise), or boxes that are far apart "
           "get a positive 'intersection' from two negative lengths.",
           "union = area_a + area_b - intersection; IoU = intersection / union."),
)


# ------------------------------------------------------------------------- 4.2 matching
def _sparse_ious(rng, n_dt: int, n_gt: int) -> np.ndarray:
    """An IoU matrix that looks like a detector's: most pairs 0, a few overlaps."""
    ious = rng.uniform(0.2, 1.0, (n_dt, n_gt))
    return np.where(rng.random((n_dt, n_gt)) < 0.35, ious, 0.0)


def _match_cases(hidden):
    rng = np.random.default_rng(42)
    example = np.array([[0.6, 0.9], [0.8, 0.7], [0.55, 0.0]])
    return [
        Case((example, np.array([0.9, 0.8, 0.7]), 0.5)),
        # the same detections, given in another order: go by score, not by row
        Case((example[[2, 0, 1]], np.array([0.7, 0.9, 0.8]), 0.5)),
        # an IoU equal to the threshold counts
        Case((np.array([[0.5], [0.49]]), np.array([0.6, 0.9]), 0.5)),
        # equal scores: the earlier row goes first
        Case((np.array([[0.7], [0.9]]), np.array([0.8, 0.8]), 0.5)),
        # equal IoUs: the later ground truth wins, so the second detection finds nothing
        Case((np.array([[0.7, 0.7], [0.0, 0.7]]), np.array([0.9, 0.8]), 0.5)),
        # no ground truth in the image: every detection is a false positive
        Case((np.zeros((3, 0)), np.array([0.3, 0.2, 0.1]), 0.5)),
        Case((_sparse_ious(rng, 12, 6), rng.random(12), 0.5)),
        Case((_sparse_ious(hidden, 20, 8), hidden.random(20), 0.75), hidden=True),
    ]


match = Exercise(
    name="match", number="4.2", points=2,
    title="Greedy matching by score: which detections are true positives?",
    reference=lambda ious, scores, threshold: metrics.greedy_match(ious, scores,
                                                                   threshold) >= 0,
    make_cases=_match_cases, dtype_kind="b",
    hints=("Visit the detections in the order np.argsort(-scores, kind='stable') and keep "
           "a boolean array 'taken' with one entry per ground truth (column).",
           "For one detection d: best = threshold, m = -1; for each column g that is not "
           "taken: if ious[d, g] >= best, then best = ious[d, g] and m = g.",
           "If m >= 0 afterwards, mark taken[m] = True and is_tp[d] = True. Return is_tp "
           "in the input order (index it with d, not with the rank)."),
)


# ---------------------------------------------------------------- 4.3 precision, recall
def _ranked_flags(rng, n: int, good: float = 0.6) -> np.ndarray:
    """TP flags in rank order, true positives more likely near the top."""
    return rng.random(n) < np.linspace(good + 0.3, good - 0.3, n)


def _precision_recall_cases(hidden):
    rng = np.random.default_rng(43)
    return [
        Case((np.array([True, False, True, False]), 3)),
        Case((np.array([False, False, False]), 2)),
        Case((np.array([True, True, True]), 3)),
        Case((_ranked_flags(rng, 20), 15)),
        Case((_ranked_flags(hidden, 30, 0.4), 40), hidden=True),
    ]


precision_recall = Exercise(
    name="precision_recall", number="4.3", points=2,
    title="Precision and recall after each ranked detection",
    reference=lambda is_tp, n_gt: metrics.precision_recall(
        is_tp, np.zeros(len(is_tp)), n_gt),   # equal scores: the order given is kept
    make_cases=_precision_recall_cases,
    hints=("np.cumsum(is_tp) counts the true positives among the first k detections, "
           "for every k at once; np.cumsum(~is_tp) counts the false positives.",
           "precision = TP / (TP + FP), where TP + FP is simply 1, 2, 3, ...",
           "recall = TP / n_gt: every ground truth counts, found or missed. Return the "
           "tuple (precision, recall) of float arrays."),
)


# ------------------------------------------------------------------ 4.4 all-point AP
def _curve(is_tp, n_gt: int) -> tuple[np.ndarray, np.ndarray]:
    precision, recall = metrics.precision_recall(is_tp, np.zeros(len(is_tp)), n_gt)
    return recall, precision


def _all_point_ap_cases(hidden):
    rng = np.random.default_rng(44)
    return [
        Case(_curve([True, False, True, False], 3)),
        # precision rises along the curve: only the envelope gives the right area
        Case(_curve([False, True, True, True], 4)),
        Case(_curve([True, True, True], 3)),
        Case(_curve(_ranked_flags(rng, 25), 20)),
        Case(_curve(_ranked_flags(hidden, 40, 0.5), 30), hidden=True),
    ]


all_point_ap = Exercise(
    name="all_point_ap", number="4.4", points=2,
    title="All-point AP (PASCAL VOC 2010 and later)",
    reference=lambda recall, precision: metrics.voc_ap(recall, precision),
    make_cases=_all_point_ap_cases,
    hints=("Pad: mrec = [0, *recall, 1] and mpre = [0, *precision, 0] "
           "(np.concatenate).",
           "The envelope: each precision becomes the largest precision at its position or "
           "later: np.maximum.accumulate(mpre[::-1])[::-1].",
           "i = np.flatnonzero(mrec[1:] != mrec[:-1]); AP = "
           "sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])."),
)


# --------------------------------------------------------------- 4.5 mAP@[.5:.95]
def _detections(rng, gt: np.ndarray, labels: np.ndarray, noise: float, false_positives: float):
    """Integer detections for one image from the lesson's simulated detector."""
    boxes, scores, found_labels, _ = simulate_detector(
        gt, labels, np.zeros(len(gt), int), noise, rng, false_positives=false_positives)
    boxes = np.round(boxes)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)   # no empty box after rounding
    return boxes, scores, found_labels


def _map_case(rng, n_gt: int, n_classes: int, noise: float, false_positives: float) -> tuple:
    gt = _random_boxes(rng, n_gt, integer=True)
    gt[:, 2:] = np.maximum(gt[:, 2:], gt[:, :2] + 4)
    gt_labels = rng.integers(1, n_classes + 1, n_gt)
    boxes, scores, labels = _detections(rng, gt, gt_labels, noise, false_positives)
    return boxes, scores, labels, gt, gt_labels


def _map_50_95_ref(boxes, scores, labels, gt_boxes, gt_labels) -> float:
    result = metrics.evaluate_coco_arrays(boxes, scores, labels, np.zeros(len(boxes), int),
                                          gt_boxes, gt_labels, np.zeros(len(gt_boxes), int))
    return float(result.stats[0])


def _map_50_95_cases(hidden):
    rng = np.random.default_rng(45)
    gt = np.array([[0., 0, 25, 25]])
    return [
        # IoU 21/25 = 0.84: a true positive at the thresholds 0.5 ... 0.8, 7 of 10
        Case((np.array([[0., 0, 25, 21]]), np.array([0.9]), np.array([1]), gt,
              np.array([1]))),
        # class 2 has ground truth but no detection (AP 0); class 3 only a detection
        # (no ground truth: left out of the mean)
        Case((np.array([[10., 10, 50, 50], [12, 8, 50, 50], [60, 60, 80, 80]]),
              np.array([0.6, 0.8, 0.9]), np.array([1, 1, 3]),
              np.array([[10., 10, 50, 50], [0, 60, 30, 90]]), np.array([1, 2]))),
        Case(_map_case(rng, 12, 3, 0.05, 0.3)),
        Case(_map_case(rng, 25, 4, 0.1, 0.4)),
        Case(_map_case(hidden, 30, 5, 0.08, 0.5), hidden=True),
    ]


map_50_95 = Exercise(
    name="map_50_95", number="4.5", points=3,
    title="COCO's mAP@[.5:.95] for one image",
    reference=_map_50_95_ref, make_cases=_map_50_95_cases,
    hints=("For each class c that has ground truth: the detections with labels == c, the "
           "ground truths with gt_labels == c, their IoU matrix; then for each threshold in "
           "np.linspace(0.5, 0.95, 10): match, rank the flags by score (stable), "
           "precision and recall, AP. mAP is the mean of all these APs.",
           "COCO's AP: envelope = np.maximum.accumulate(precision[::-1])[::-1]; "
           "i = np.searchsorted(recall, np.linspace(0, 1, 101), side='left'); the value is "
           "envelope[i] where i < len(recall), else 0; AP is the mean of the 101 values.",
           "A class without detections has AP 0 at every threshold (a 101-point curve of "
           "zeros); a class without ground truth is skipped. Copy your iou, match and "
           "precision_recall into this cell: the grader runs the cell alone."),
)

EXERCISES = (iou, match, precision_recall, all_point_ap, map_50_95)
