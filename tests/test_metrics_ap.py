"""Precision/recall, AP, greedy matching (VOC AP against the devkit: test_metrics_voc.py)."""

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
    crowd_second = greedy_match([[0.6, 0.9], [0.0, 0.8]], [.9, .8], iscrowd=[False, True])
    assert crowd_second.tolist() == [0, 1]


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
    (lambda: greedy_match([[.5]], [.5], iscrowd=[1, 0]), ValueError, "one flag per ground truth"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 60), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 4), st.integers(0, 2 ** 32 - 1), st.integers(1, 3))
def test_accumulate_kernel_equals_numpy(n_dt, n_cat, n_thr, n_area, n_max, seed, cores):
    """COCO's accumulate as the kernel computes it (categories shared out over threads)
    and as numpy does: the same precision, recall and scores, bit for bit."""
    from imgprep_course import _threads
    from imgprep_course.metrics import _ap, _ap_kernel

    rng = np.random.default_rng(seed)
    category = rng.integers(0, n_cat, n_dt)
    scores = rng.integers(0, 5, n_dt) / 4   # ties
    order = np.lexsort((-scores, category))
    starts = np.searchsorted(category[order], np.arange(n_cat + 1))
    matched = rng.random((n_dt, n_thr, n_area)) < rng.random()
    ignored = ~matched & (rng.random((n_dt, n_thr, n_area)) < .2)
    ignored |= matched & (rng.random((n_dt, n_thr, n_area)) < .1)
    chosen = np.sort(rng.random((n_max, n_dt)) < .8, axis=0)   # more for larger maxDets
    positives = rng.integers(0, 9, (n_cat, n_area)).astype(np.float64)
    need = _ap._true_positives_needed(positives, _ap.COCO_RECALL_THRESHOLDS)
    rows = (order, starts, matched, ignored, chosen, scores, positives, need)
    saved = _threads.cores, _threads.THREAD_WORK
    _threads.cores, _threads.THREAD_WORK = (lambda: cores), 1
    try:
        kernel = _ap_kernel.accumulate_rows(*rows)
    finally:
        _threads.cores, _threads.THREAD_WORK = saved
    for ours, theirs in zip(kernel, _ap._accumulate_rows(*rows)):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        # recall where a category has no positives: numpy's 0 / 0, the kernel's 0 (both
        # become -1 afterwards)
        counted = np.tile(positives, (1, n_max * n_thr)) > 0 if theirs.ndim == 2 else ...
        assert np.array_equal(ours[counted], theirs[counted])
