"""Precision/recall, VOC and COCO AP, greedy matching: the devkit's and pycocotools' numbers."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from imgprep_course.metrics import (box_iou, coco_ap, greedy_match, precision_recall,
                                    voc_ap)


def devkit_voc_ap(rec, prec, use_07_metric=False):
    """``voc_ap`` of py-faster-rcnn ``lib/datasets/voc_eval.py``, transcribed literally."""
    if use_07_metric:
        # 11 point metric
        ap = 0.
        for t in np.arange(0., 1.1, 0.1):
            if np.sum(rec >= t) == 0:
                p = 0
            else:
                p = np.max(prec[rec >= t])
            ap = ap + p / 11.
    else:
        # correct AP calculation
        # first append sentinel values at the end
        mrec = np.concatenate(([0.], rec, [1.]))
        mpre = np.concatenate(([0.], prec, [0.]))

        # compute the precision envelope
        for i in range(mpre.size - 1, 0, -1):
            mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])

        # to calculate area under PR curve, look for points
        # where X axis (recall) changes value
        i = np.where(mrec[1:] != mrec[:-1])[0]

        # and sum (\Delta recall) * prec
        ap = np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])
    return ap


# --------------------------------------------------------------------- the lesson
def test_ap_is_not_tp_over_tp_plus_fp():
    """One class, 3 ground truths, detections ranked TP, FP, TP, FP (the worked example)."""
    is_tp, scores = [True, False, True, False], [.9, .8, .7, .6]
    precision, recall = precision_recall(is_tp, scores, 3)
    assert precision[-1] == 0.5                                       # TP / (TP + FP)
    assert coco_ap(recall, precision) == pytest.approx(56 / 101, abs=1e-15)
    assert voc_ap(recall, precision) == pytest.approx(5 / 9, abs=1e-15)
    assert voc_ap(recall, precision, use_07_metric=True) == pytest.approx(6 / 11, abs=1e-15)


def test_precision_recall_ranks_by_score_and_skips_ignored():
    precision, recall = precision_recall([False, True, True], [.1, .9, .5], 4,
                                         ignored=[False, False, True])
    assert precision.tolist() == [1.0, 1.0, 0.5]  # ranked: TP, ignored, FP
    assert recall.tolist() == [.25, .25, .25]
    precision, _ = precision_recall([True, True], [.9, .5], 2, ignored=[True, False])
    assert precision.tolist() == [0.0, 1.0]  # nothing counted yet: 0, not the devkit's NaN


# --------------------------------------------------------------------- VOC AP
@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("use_07_metric", [False, True])
def test_voc_ap_equals_the_devkit_bit_for_bit(seed, use_07_metric):
    rng = np.random.default_rng(seed)
    n_pos = int(rng.choice([5, 10, 20, 7]))   # 10 and 20 put recalls exactly on the grid
    tp = rng.random(int(rng.integers(1, 40))) < .6
    fp = ~tp
    rec = np.cumsum(tp).astype(float) / float(n_pos)
    prec = np.cumsum(tp) / (np.cumsum(tp) + np.cumsum(fp)).astype(float)
    rec = np.minimum(rec, 1.0)
    assert voc_ap(rec, prec, use_07_metric) == devkit_voc_ap(rec, prec, use_07_metric)


def test_recall_exactly_on_the_11_point_grid():
    """``np.arange(0, 1.1, .1)[3]`` is 0.30000000000000004: a recall of 0.3 misses it."""
    rec, prec = np.array([0.3]), np.array([1.0])
    assert voc_ap(rec, prec, use_07_metric=True) == devkit_voc_ap(rec, prec, True) == 3 / 11
    rec = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])   # 0.6 and 0.7 miss theirs too
    prec = np.linspace(1, .4, 7)
    assert voc_ap(rec, prec, True) == devkit_voc_ap(rec, prec, True)
    assert voc_ap(rec, prec, True) != pytest.approx(np.mean([prec[rec >= t].max(initial=0)
                                                             for t in np.arange(11) / 10]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0, 1)), max_size=30),
       st.sampled_from([4, 5, 10, 20]), st.booleans())
def test_voc_ap_on_grid_recalls_equals_the_devkit(points, n_pos, use_07_metric):
    rec = np.sort(np.minimum([k for k, _ in points], n_pos)).astype(float) / n_pos
    prec = np.array([p for _, p in points], dtype=float)
    assert voc_ap(rec, prec, use_07_metric) == devkit_voc_ap(rec, prec, use_07_metric)


def test_empty_curve():
    assert voc_ap([], []) == 0.0
    assert voc_ap([], [], use_07_metric=True) == 0.0
    assert coco_ap([], []) == 0.0


# -------------------------------------------------------------------- matching
def test_greedy_match_by_score():
    ious = [[0.6, 0.9], [0.8, 0.7], [0.55, 0.0]]
    assert greedy_match(ious, [0.9, 0.8, 0.7]).tolist() == [1, 0, -1]
    assert greedy_match(ious, [0.7, 0.8, 0.9]).tolist() == [-1, 1, 0]
    assert greedy_match(ious, [0.9, 0.8, 0.7], iou_threshold=0.85).tolist() == [1, -1, -1]
    # IoU exactly at the threshold qualifies; among equal IoUs the later column wins
    assert greedy_match([[0.5, 0.5]], [1.0]).tolist() == [1]
    # a crowd is tried last and can absorb several detections
    assert greedy_match([[0.6, 0.9], [0.0, 0.8]], [.9, .8], iscrowd=[False, True]).tolist() == [0, 1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 6),
                          st.integers(1, 6)), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 6),
                          st.integers(1, 6), st.integers(0, 3)), min_size=1, max_size=10),
       st.sampled_from([0, 2, 5, 9]))
def test_greedy_match_equals_pycocotools(gts, dts, t):
    """The matches of one image and category at threshold ``t`` are ``dtMatches[t]``."""
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                           "bbox": list(b), "area": 1.0} for i, b in enumerate(gts)]}
    dt = [{"image_id": 1, "category_id": 1, "bbox": list(b[:4]), "score": b[4] / 3}
          for b in dts]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(dt), "bbox")
        evaluator.evaluate()
    first = evaluator.evalImgs[0]  # category 1, area "all", image 1
    scores = [d["score"] for d in dt]
    ious = box_iou([d["bbox"] for d in dt], [a["bbox"] for a in gt["annotations"]], fmt="xywh")
    ours = greedy_match(ious, scores, iou_threshold=evaluator.params.iouThrs[t])
    ranked = ours[np.argsort(-np.array(scores), kind="stable")]
    assert (ranked + 1).tolist() == first["dtMatches"][t].astype(int).tolist()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, error, message", [
    (lambda: precision_recall([True], [.5, .4], 1), ValueError, "same shape"),
    (lambda: precision_recall([True], [np.nan], 1), ValueError, "NaN"),
    (lambda: precision_recall([True], [.5], 0), ValueError, "n_positives must be a positive"),
    (lambda: precision_recall([True], [.5], 1, ignored=[True, False]), ValueError, "ignored"),
    (lambda: voc_ap([.1, .2], [1.]), ValueError, "same shape"),
    (lambda: voc_ap([[.1]], [[1.]]), ValueError, "1 dimensions"),
    (lambda: coco_ap([.1], [np.inf]), ValueError, "NaN or infinite"),
    (lambda: greedy_match([[.5]], [.5, .4]), ValueError, "one entry per row"),
    (lambda: greedy_match([[.5]], [.5], iou_threshold=1.5), ValueError, r"in \[0, 1\]"),
    (lambda: greedy_match([[.5]], [.5], iscrowd=[1, 0]), ValueError, "one flag per column"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
