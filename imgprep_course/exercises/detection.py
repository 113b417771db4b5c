"""Lesson 04's exercises: IoU, matching, precision and recall, all-point AP, mAP@[.5:.95],
non-maximum suppression.

Every reference is the library's own function (:mod:`imgprep_course.metrics`), so a
student's answer that passes agrees with pycocotools and the VOC devkit on these cases.
"""

import numpy as np

from imgprep_course import metrics
from imgprep_course.metrics.nms import nms
from imgprep_course.metrics.simulate import simulate_detector
from imgprep_course.exercises._core import Case, Exercise, Misconception
from imgprep_course.exercises._question import Choice, Question


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


def _pairwise_iou(boxes_a, boxes_b, *, plus=0.0, clip=True, subtract=True):
    a = np.asarray(boxes_a, np.float64)[:, None, :]
    b = np.asarray(boxes_b, np.float64)[None, :, :]
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]) + plus
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]) + plus
    if clip:
        width, height = np.maximum(width, 0), np.maximum(height, 0)
    intersection = width * height
    area_a = (a[..., 2] - a[..., 0] + plus) * (a[..., 3] - a[..., 1] + plus)
    area_b = (b[..., 2] - b[..., 0] + plus) * (b[..., 3] - b[..., 1] + plus)
    return intersection / (area_a + area_b - (intersection if subtract else 0))


_IOU_MISTAKES = (
    Misconception(lambda boxes_a, boxes_b: _pairwise_iou(boxes_a, boxes_b, clip=False),
                  "the overlap's width and height were not clipped at 0: two boxes apart "
                  "in x and in y get two negative lengths, whose product is a positive "
                  "'intersection'; use np.maximum(..., 0) on each"),
    Misconception(lambda boxes_a, boxes_b: _pairwise_iou(boxes_a, boxes_b, plus=1.0),
                  "the VOC devkit's +1 (integer pixels, inclusive ends): these boxes have "
                  "continuous coordinates, so width = x2 - x1 with no +1"),
    Misconception(lambda boxes_a, boxes_b: _pairwise_iou(boxes_a, boxes_b, subtract=False),
                  "the union counts the intersection twice: union = area_a + area_b - "
                  "intersection"),
)

iou = Exercise(
    name="iou", number="4.1", points=2,
    title="IoU of every box with every other box (xyxy)",
    reference=lambda boxes_a, boxes_b: metrics.box_iou(boxes_a, boxes_b, fmt="xyxy"),
    make_cases=_iou_cases, misconceptions=_IOU_MISTAKES,
    hints=("Broadcast: boxes_a[:, None, :] has shape (N, 1, 4) and boxes_b[None, :, :] has "
           "shape (1, M, 4); combining them gives (N, M) arrays.",
           "The overlap's width is the smaller right edge minus the larger left edge; clip "
           "it at 0 (np.maximum), and the height likewise, or boxes that are far apart in x "
           "and y get a positive 'intersection' from two negative lengths.",
           "The union is the sum of the two areas minus the intersection, which they both "
           "hold; IoU is the ratio of the two."),
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


def _greedy(ious, scores, threshold, *, by_score=True, first_of_ties=False, strict=False,
            exclusive=True):
    ious = np.asarray(ious, np.float64)
    taken = np.zeros(ious.shape[1], dtype=bool)
    is_tp = np.zeros(ious.shape[0], dtype=bool)
    order = np.argsort(-np.asarray(scores), kind="stable") if by_score else range(len(ious))
    for d in order:
        free = np.where(taken, -1.0, ious[d])
        if not free.size:
            continue
        ranked = free if first_of_ties else free[::-1]
        g = int(np.argmax(ranked)) if first_of_ties else free.size - 1 - int(np.argmax(ranked))
        if free[g] > threshold or (not strict and free[g] == threshold):
            taken[g] = exclusive
            is_tp[d] = True
    return is_tp


_MATCH_MISTAKES = (
    Misconception(lambda ious, scores, threshold: _greedy(ious, scores, threshold,
                                                          first_of_ties=True),
                  "np.argmax takes the first of equal IoUs; this exercise's rule is "
                  "pycocotools': on equal IoUs the later ground truth (column) wins, "
                  "because its loop keeps a candidate when ious[d, j] >= best"),
    Misconception(lambda ious, scores, threshold: _greedy(ious, scores, threshold,
                                                          by_score=False),
                  "detections visited in row order: go by score, highest first "
                  "(np.argsort(-scores, kind='stable'))"),
    Misconception(lambda ious, scores, threshold: _greedy(ious, scores, threshold,
                                                          strict=True),
                  "IoU > threshold: an IoU equal to the threshold counts as a match (>=)"),
    Misconception(lambda ious, scores, threshold: _greedy(ious, scores, threshold,
                                                          exclusive=False),
                  "a ground truth matched more than one detection: once taken, it is no "
                  "longer free, and a second detection on it is a duplicate, a false "
                  "positive"),
)

match = Exercise(
    name="match", number="4.2", points=3,
    title="Greedy matching by score: which detections are true positives?",
    reference=lambda ious, scores, threshold: metrics.greedy_match(ious, scores,
                                                                   threshold) >= 0,
    make_cases=_match_cases, dtype_kind="b", misconceptions=_MATCH_MISTAKES,
    hints=("Visit the detections by score, highest first: a stable argsort of the negated "
           "scores keeps equal scores in row order. Keep one 'taken' flag per ground truth "
           "(column).",
           "For one detection, scan the free columns keeping the best IoU so far, starting "
           "from the threshold: with >=, an equal IoU replaces the candidate, so the later "
           "column wins, as in pycocotools (np.argmax would pick the first).",
           "A candidate found is taken and its detection a true positive: set the flag at "
           "the detection's own row, so that the result is in input order."),
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


def _cumulative(is_tp):
    return np.cumsum(np.asarray(is_tp, bool)), np.arange(1, len(is_tp) + 1)


_PRECISION_RECALL_MISTAKES = (
    Misconception(lambda is_tp, n_gt: (_cumulative(is_tp)[0] / _cumulative(is_tp)[1],
                                       _cumulative(is_tp)[0] / max(int(np.sum(is_tp)), 1)),
                  "recall divided by the true positives found: it divides by n_gt, every "
                  "ground truth, found or missed"),
    Misconception(lambda is_tp, n_gt: (np.asarray(is_tp, float) / _cumulative(is_tp)[1],
                                       np.asarray(is_tp, float) / n_gt),
                  "not cumulative: after k detections, count the true positives among "
                  "all the first k (np.cumsum), not only the k-th"),
    Misconception(lambda is_tp, n_gt: (_cumulative(is_tp)[0] / n_gt,
                                       _cumulative(is_tp)[0] / _cumulative(is_tp)[1]),
                  "precision and recall swapped: precision = TP / (TP + FP), the share of "
                  "detections that are right; recall = TP / n_gt"),
)

precision_recall = Exercise(
    name="precision_recall", number="4.3", points=2,
    title="Precision and recall after each ranked detection",
    reference=lambda is_tp, n_gt: metrics.precision_recall(
        is_tp, np.zeros(len(is_tp)), n_gt),   # equal scores: the order given is kept
    make_cases=_precision_recall_cases, misconceptions=_PRECISION_RECALL_MISTAKES,
    hints=("np.cumsum(is_tp) counts the true positives among the first k detections, for "
           "every k at once; np.cumsum(~is_tp) counts the false positives.",
           "precision = TP / (TP + FP), where TP + FP is simply 1, 2, 3, ... (np.arange).",
           "recall = TP / n_gt: every ground truth counts, found or missed. Return the two "
           "float arrays as a tuple (precision, recall)."),
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


def _area_without_envelope(recall, precision):
    return float(np.sum(np.diff(np.r_[0.0, recall]) * np.asarray(precision)))


_ALL_POINT_AP_MISTAKES = (
    Misconception(_area_without_envelope,
                  "AP without the precision envelope: each precision must first become "
                  "the largest precision at that recall or beyond "
                  "(np.maximum.accumulate from the right)"),
    Misconception(lambda recall, precision: metrics.voc_ap(recall, precision,
                                                           use_07_metric=True),
                  "that is VOC 2007's 11-point AP; the all-point AP sums the envelope over "
                  "every recall step"),
    Misconception(lambda recall, precision: metrics.coco_ap(recall, precision),
                  "that is COCO's 101-point AP; the all-point AP sums the envelope over "
                  "every recall step"),
)

all_point_ap = Exercise(
    name="all_point_ap", number="4.4", points=2,
    title="All-point AP (PASCAL VOC 2010 and later)",
    reference=lambda recall, precision: metrics.voc_ap(recall, precision),
    make_cases=_all_point_ap_cases, misconceptions=_ALL_POINT_AP_MISTAKES,
    hints=("Pad the curve: recall with 0 in front and 1 at the end, precision with 0 at both "
           "ends (np.concatenate).",
           "The envelope: each precision becomes the largest precision at its position or "
           "later, a running maximum from the right (np.maximum.accumulate of the reversed "
           "array, reversed back).",
           "Sum over the places where the padded recall changes (np.flatnonzero of its "
           "consecutive differences): the recall step times the envelope's precision after "
           "the step."),
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


def _map_variant(boxes, scores, labels, gt_boxes, gt_labels, *, thresholds=None,
                 ap=metrics.coco_ap, skip_undetected=False):
    """mAP over classes with ground truth and ``thresholds``, with ``ap`` per curve."""
    thresholds = np.linspace(0.5, 0.95, 10) if thresholds is None else thresholds
    aps = []
    for c in np.unique(gt_labels):
        mine, theirs = labels == c, gt_labels == c
        if skip_undetected and not mine.any():
            continue
        ious = metrics.box_iou(boxes[mine], gt_boxes[theirs], fmt="xyxy")
        for threshold in thresholds:
            is_tp = metrics.greedy_match(ious, scores[mine], threshold) >= 0
            precision, recall = metrics.precision_recall(is_tp, scores[mine],
                                                         int(theirs.sum()))
            aps.append(ap(recall, precision) if len(recall) else 0.0)
    return float(np.mean(aps))


_MAP_MISTAKES = (
    Misconception(lambda *arrays: _map_variant(*arrays, thresholds=[0.5]),
                  "that is AP50, at the one IoU threshold 0.5; mAP@[.5:.95] averages "
                  "over the 10 thresholds np.linspace(0.5, 0.95, 10)"),
    Misconception(lambda *arrays: _map_variant(*arrays, ap=metrics.voc_ap),
                  "the all-point (VOC) AP of each curve: COCO reads the envelope at the "
                  "101 recalls np.linspace(0, 1, 101) and averages"),
    Misconception(lambda *arrays: _map_variant(*arrays, skip_undetected=True),
                  "a class with ground truth but no detection was left out: it counts, "
                  "with AP 0 at every threshold"),
)

map_50_95 = Exercise(
    name="map_50_95", number="4.5", points=5,
    title="COCO's mAP@[.5:.95] for one image",
    reference=_map_50_95_ref, make_cases=_map_50_95_cases, misconceptions=_MAP_MISTAKES,
    hints=("For each class c that has ground truth: the detections with labels == c, the "
           "ground truths with gt_labels == c, their IoU matrix; then for each threshold in "
           "np.linspace(0.5, 0.95, 10): match, rank the flags by score (stable), precision "
           "and recall, AP. mAP is the mean of all these APs.",
           "COCO's AP reads the envelope at the 101 recalls np.linspace(0, 1, 101): "
           "np.searchsorted with side='left' finds, for each, the first rank whose recall "
           "reaches it; a recall never reached counts 0; AP is the mean of the 101 values.",
           "A class without detections has AP 0 at every threshold (a curve of zeros); a "
           "class without ground truth is skipped. Your iou and match from 4.1 and 4.2 may "
           "be called here: the check and the grader take them from their cells."),
)


# ------------------------------------------------------- 4.9 non-maximum suppression
def _clusters(rng, n_objects: int, per_object: int) -> tuple[np.ndarray, np.ndarray]:
    """A detector's raw output: ``per_object`` jittered boxes around each of ``n_objects``
    objects (xyxy), with random scores."""
    objects = _random_boxes(rng, n_objects, extent=200.0)
    size = np.repeat(objects[:, 2:] - objects[:, :2], per_object, axis=0)
    jitter = rng.normal(0, 0.12, (len(size), 4)) * np.tile(size, 2)
    boxes = np.repeat(objects, per_object, axis=0) + jitter
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    order = rng.permutation(len(boxes))
    return boxes[order], np.round(rng.random(len(boxes)), 3)


def _nms_cases(hidden):
    rng = np.random.default_rng(49)
    many, many_scores = _clusters(rng, 4, 5)
    few, few_scores = _clusters(hidden, 5, 4)
    return [
        Case((np.array([[0., 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]),
              np.array([0.8, 0.9, 0.7]), 0.5)),
        # a chain: B overlaps A, C overlaps B but not A; B is dropped, so C stays
        Case((np.array([[0., 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10]]),
              np.array([0.9, 0.8, 0.7]), 0.5)),
        # an IoU equal to the threshold (50 / 100) does not suppress
        Case((np.array([[0., 0, 10, 10], [0, 0, 10, 5]]), np.array([0.9, 0.6]), 0.5)),
        # equal scores: the earlier box comes first
        Case((np.array([[0., 0, 5, 5], [10, 10, 15, 15], [20, 20, 25, 25]]),
              np.array([0.5, 0.5, 0.7]), 0.5)),
        Case((many, many_scores, 0.5)),
        Case((few, few_scores, float(hidden.choice([0.3, 0.5, 0.7]))), hidden=True),
        Case((np.zeros((0, 4)), np.zeros(0), 0.5), hidden=True),
    ]


def _greedy_nms(boxes, scores, iou_threshold, *, strict=True, by_score=True,
                only_kept=True, input_order=False):
    """NMS with one rule changed: ``>=``, row order, suppressed boxes that still
    suppress, or the kept indices in input order."""
    boxes = np.asarray(boxes, np.float64)
    order = np.argsort(-np.asarray(scores), kind="stable") if by_score else np.arange(len(boxes))
    overlaps = metrics.box_iou(boxes, boxes, fmt="xyxy") if len(boxes) else np.zeros((0, 0))
    kept = []
    for rank, i in enumerate(order):
        rivals = kept if only_kept else order[:rank]
        above = overlaps[i, rivals] > iou_threshold
        if strict is False:
            above |= overlaps[i, rivals] == iou_threshold
        if not np.any(above):
            kept.append(i)
    kept = np.array(kept, dtype=np.int64)
    return np.sort(kept) if input_order else kept


_NMS_MISTAKES = (
    Misconception(lambda boxes, scores, iou_threshold: _greedy_nms(
                      boxes, scores, iou_threshold, only_kept=False),
                  "a suppressed box still suppressed others: compare each box only with the "
                  "boxes already kept (in a chain A-B-C where B overlaps both, dropping B "
                  "saves C)"),
    Misconception(lambda boxes, scores, iou_threshold: _greedy_nms(
                      boxes, scores, iou_threshold, strict=False),
                  "IoU >= threshold suppressed: torchvision drops a box only when its IoU "
                  "with a kept box is strictly greater than the threshold"),
    Misconception(lambda boxes, scores, iou_threshold: _greedy_nms(
                      boxes, scores, iou_threshold, input_order=True),
                  "the kept indices in input order: return them highest score first, the "
                  "order in which NMS keeps them"),
    Misconception(lambda boxes, scores, iou_threshold: _greedy_nms(
                      boxes, scores, iou_threshold, by_score=False),
                  "boxes visited in row order: NMS starts from the highest score "
                  "(np.argsort(-scores, kind='stable'))"),
)

non_max_suppression = Exercise(
    name="non_max_suppression", number="4.9", points=3,
    title="Greedy non-maximum suppression (torchvision's rules)",
    reference=lambda boxes, scores, iou_threshold: nms(boxes, scores, iou_threshold),
    make_cases=_nms_cases, rtol=0, atol=0, dtype_kind="i", misconceptions=_NMS_MISTAKES,
    hints=("Visit the boxes by score, highest first, and keep a list of the boxes kept so "
           "far; the first box visited is always kept.",
           "A box is dropped when it overlaps one of the boxes already kept by more than "
           "the threshold (strictly); a dropped box never drops anything, so compare only "
           "with the kept list, not with every box ranked above.",
           "The IoU of one box with several others is exercise 4.1 with a single row; "
           "return the kept indices, in the order kept, as an integer array (np.array(..., "
           "dtype=np.int64)), empty when there are no boxes."),
)


EXERCISES = (iou, match, precision_recall, all_point_ap, map_50_95, non_max_suppression)

# ------------------------------------------------------------------------ questions
#: The two PR curves that question 4.6 plots: TP flags in rank order, 10 objects each.
PR_CURVES = {"A": ([True] * 4 + [False] * 6 + [True] * 2, 10),
             "B": ([True, True, False] * 4 + [True], 10)}

which_curve = Question(
    name="which_curve_answer", number="4.6", title="Read a plot: which curve has the higher AP?",
    prompt="The plot above shows the PR curves of detectors A and B on the same 10 "
           "objects. Which one has the higher all-point AP?",
    choices=(
        Choice("a", "A", False,
               "A starts at precision 1 but it ends at recall 0.4 and A never gets past "
               "recall 0.6; the area under B's envelope, which reaches recall 0.9, is "
               "larger"),
        Choice("b", "B", True,
               "AP is the area under the precision envelope: B keeps a precision near "
               "0.7 all the way to recall 0.9, A's high precision ends at recall 0.4"),
        Choice("c", "the same: both start at precision 1", False,
               "the start says little: AP integrates the precision over all the recalls "
               "a curve reaches"),
    ),
)

perfect_but_incomplete = Question(
    name="missed_objects_answer", number="4.7", title="Predict: AP of a detector that misses",
    prompt="A detector finds 8 of 10 objects with one correct box each and makes no other "
           "detection. What is its all-point AP?",
    value=0.8, tolerance=0.005,
    wrong_values=((1.0, "precision is 1 at every rank, but AP also needs recall: the "
                        "curve stops at recall 0.8, and beyond it precision counts 0"),),
    explanation="Precision 1 from recall 0 to 0.8, then nothing: the area is 0.8.",
)

match_by_score = Question(
    name="match_by_score_answer", number="4.8", title="Predict: which detection matches",
    prompt="One object; detection P has IoU 0.9 with it and score 0.8, detection Q has "
           "IoU 0.7 and score 0.9. With greedy matching at IoU 0.5, which is the true "
           "positive?",
    choices=(
        Choice("a", "P, the better box", False,
               "matching visits detections by score, not by IoU: Q comes first and takes "
               "the object"),
        Choice("b", "Q, the higher score", True,
               "Q is visited first, its IoU 0.7 passes 0.5, the object is taken; P is "
               "then a duplicate, a false positive"),
        Choice("c", "both", False, "one object gives at most one true positive"),
    ),
)

QUESTIONS = (which_curve, perfect_but_incomplete, match_by_score)
