"""Lesson 04's exercises tell the usual mistakes apart from the right answer.

Each wrong answer here is a plausible student mistake; its exercise's cases must fail it.
The right answers are the library's functions (``tests/test_exercises.py`` checks that).
"""

import numpy as np
import pytest

from imgprep_course import metrics
from imgprep_course.exercises import detection as ex


def _greedy(ious, scores, threshold, *, order=None, ties="later", strict=False):
    """Greedy matching with one rule changed; the defaults are COCO's."""
    order = np.argsort(-scores, kind="stable") if order is None else order
    taken = np.zeros(ious.shape[1], bool)
    is_tp = np.zeros(len(scores), bool)
    for d in order:
        best, candidate = threshold, -1
        for j in range(ious.shape[1]):
            iou = ious[d, j]
            if strict:
                better = iou > best
            elif ties == "earlier":
                better = iou > best or (candidate < 0 and iou >= best)
            else:
                better = iou >= best
            if not taken[j] and better:
                best, candidate = iou, j
        if candidate >= 0:
            taken[candidate] = is_tp[d] = True
    return is_tp


def test_the_test_matcher_is_coco_with_default_rules():
    assert ex.match.check(_greedy).status == "passed"


@pytest.mark.parametrize("wrong", [
    lambda ious, scores, t: _greedy(ious, scores, t, ties="earlier"),
    lambda ious, scores, t: _greedy(ious, scores, t, strict=True),         # IoU > t
    lambda ious, scores, t: _greedy(ious, scores, t, order=np.arange(len(scores))),
    lambda ious, scores, t: _greedy(ious, scores, t,                       # ties: later row
                                    order=np.lexsort((-np.arange(len(scores)), -scores))),
    lambda ious, scores, t: (ious >= t).any(axis=1),                       # no "taken"
], ids=["ties-earlier-column", "strict", "row-order", "ties-later-row", "no-taken"])
def test_match_rejects_other_rules(wrong):
    assert ex.match.check(wrong).status == "failed"


@pytest.mark.parametrize("wrong", [
    lambda a, b: metrics.box_iou(a, b, fmt="voc"),                         # "+1" pixels
    lambda a, b: metrics.box_iou(a, b) * 1.001,
    lambda a, b: metrics.box_iou(b, a),                                    # transposed
], ids=["voc-plus-one", "off", "transposed"])
def test_iou_rejects_wrong_answers(wrong):
    assert ex.iou.check(wrong).status == "failed"


def test_precision_recall_rejects_recall_over_found_objects_or_detections():
    def over_found(is_tp, n_gt):
        tp = np.cumsum(is_tp)
        return tp / np.arange(1, len(tp) + 1), tp / max(int(is_tp.sum()), 1)

    def over_detections(is_tp, n_gt):
        tp = np.cumsum(is_tp)
        return tp / np.arange(1, len(tp) + 1), tp / len(tp)

    assert ex.precision_recall.check(over_found).status == "failed"
    assert ex.precision_recall.check(over_detections).status == "failed"


@pytest.mark.parametrize("wrong", [
    lambda r, p: metrics.voc_ap(r, p, use_07_metric=True),
    lambda r, p: metrics.coco_ap(r, p),
    lambda r, p: float(np.sum(np.diff(np.r_[0, r]) * p)),                  # no envelope
    lambda r, p: float(p[-1]),                                             # TP/(TP+FP)
], ids=["11-point", "101-point", "no-envelope", "final-precision"])
def test_all_point_ap_rejects_the_other_interpolations(wrong):
    assert ex.all_point_ap.check(wrong).status == "failed"


def _evaluate(boxes, scores, labels, gt_boxes, gt_labels):
    return metrics.evaluate_coco_arrays(boxes, scores, labels, np.zeros(len(boxes), int),
                                        gt_boxes, gt_labels, np.zeros(len(gt_boxes), int))


@pytest.mark.parametrize("wrong", [
    lambda *args: float(_evaluate(*args).stats[1]),                        # AP50 only
    lambda *args: float(_evaluate(*args).stats[8]),                        # AR@100
    lambda *args: float(np.mean(list(_evaluate(*args).ap_per_iou().values())[:5])),
], ids=["ap50", "ar100", "half-the-thresholds"])
def test_map_50_95_rejects_wrong_answers(wrong):
    assert ex.map_50_95.check(wrong).status == "failed"


def test_map_50_95_rejects_all_point_ap_and_counting_classes_without_ground_truth():
    def with_ap(ap_of, skip_no_gt=True):
        def answer(boxes, scores, labels, gt_boxes, gt_labels):
            aps = []
            classes = np.unique(gt_labels) if skip_no_gt else np.union1d(labels, gt_labels)
            for c in classes:
                mine, theirs = labels == c, gt_labels == c
                ious = metrics.box_iou(boxes[mine], gt_boxes[theirs])
                for t in np.linspace(0.5, 0.95, 10):
                    tp = metrics.greedy_match(ious, scores[mine], t) >= 0
                    n_gt = int(theirs.sum())
                    if n_gt == 0:
                        aps.append(0.0)
                        continue
                    p, r = metrics.precision_recall(tp, scores[mine], n_gt)
                    aps.append(ap_of(r, p))
            return float(np.mean(aps))
        return answer

    assert ex.map_50_95.check(with_ap(metrics.coco_ap)).status == "passed"
    assert ex.map_50_95.check(with_ap(metrics.voc_ap)).status == "failed"
    assert ex.map_50_95.check(with_ap(metrics.coco_ap, skip_no_gt=False)).status == "failed"
