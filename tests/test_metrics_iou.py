"""Pairwise IoU of boxes and masks: parity with pycocotools, properties (VOC: test_metrics_voc)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pycocotools import mask as coco_mask

from imgprep_course.boxes import convert
from imgprep_course.metrics import box_iou, mask_iou


def random_xywh(rng, n, integer=False):
    xy = rng.integers(0, 40, (n, 2)) if integer else rng.uniform(0, 40, (n, 2))
    wh = rng.integers(0, 25, (n, 2)) if integer else rng.uniform(0, 25, (n, 2))
    return np.concatenate([xy, wh], axis=1).astype(np.float64)


@pytest.mark.parametrize("seed", range(6))
def test_xywh_equals_pycocotools_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    dt, gt = random_xywh(rng, 30, seed % 2 == 0), random_xywh(rng, 20, seed % 2 == 0)
    crowd = rng.random(20) < .3
    ours = box_iou(dt, gt, fmt="xywh", iscrowd=crowd)
    theirs = coco_mask.iou(dt.tolist(), gt.tolist(), crowd.astype(np.uint8).tolist())
    assert np.array_equal(ours, theirs)


def test_xyxy_agrees_with_xywh():
    rng = np.random.default_rng(1)
    dt, gt = random_xywh(rng, 30), random_xywh(rng, 20)
    np.testing.assert_allclose(box_iou(convert(dt, "xywh", "xyxy"), convert(gt, "xywh", "xyxy")),
                               box_iou(dt, gt, fmt="xywh"), rtol=0, atol=1e-12)


def test_the_plus_one_convention():
    # a one-pixel VOC box is [1, 1, 1, 1]; two boxes sharing a column of 10 pixels
    assert box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]], fmt="voc")[0, 0] == 1.0
    assert box_iou([[1, 1, 10, 10]], [[10, 1, 19, 10]], fmt="voc")[0, 0] == 10 / 190
    assert box_iou([[0, 0, 10, 10]], [[10, 0, 20, 10]])[0, 0] == 0.0  # continuous: touching


def test_crowd_union_is_the_detection():
    assert box_iou([[0, 0, 2, 2]], [[1, 0, 10, 2]], iscrowd=[True])[0, 0] == 0.5
    assert box_iou([[0, 0, 2, 2]], [[1, 0, 10, 2]])[0, 0] == 2 / 20


def test_empty_inputs_give_empty_matrices():
    assert box_iou([], [[0, 0, 1, 1]]).shape == (0, 1)
    assert box_iou([[0, 0, 1, 1]], np.zeros((0, 4))).shape == (1, 0)
    assert mask_iou(np.zeros((0, 3, 3), bool), np.zeros((2, 3, 3), bool)).shape == (0, 2)


finite_boxes = hnp.arrays(np.float64, st.tuples(st.integers(0, 6), st.just(4)),
                          elements=st.floats(0, 100).map(lambda v: round(v, 3)))


@settings(max_examples=50, deadline=None)
@given(a=finite_boxes, b=finite_boxes)
def test_iou_properties(a, b):
    before = a.copy(), b.copy()
    ab = box_iou(a, b, fmt="xywh")
    assert ab.shape == (len(a), len(b))
    # (x + w) - x rounds, as in pycocotools: a box 0.01 wide at x = 64 gives 1 + 1e-12
    assert ((ab >= 0) & (ab <= 1 + 1e-9)).all()
    np.testing.assert_allclose(ab, box_iou(b, a, fmt="xywh").T, rtol=0, atol=1e-15)
    positive = (a[:, 2] > 0) & (a[:, 3] > 0)
    assert np.allclose(np.diag(box_iou(a, a, fmt="xywh"))[positive], 1)
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])


@pytest.mark.parametrize("seed", range(3))
def test_mask_iou_equals_pycocotools(seed):
    rng = np.random.default_rng(seed)
    dt = rng.random((6, 9, 7)) < rng.uniform(0, .6, (6, 1, 1))
    gt = rng.random((5, 9, 7)) < rng.uniform(0, .6, (5, 1, 1))
    gt[0] = False  # an empty mask
    crowd = np.array([0, 1, 0, 1, 0], np.uint8)
    encode = lambda m: coco_mask.encode(np.asfortranarray(m.transpose(1, 2, 0).astype(np.uint8)))
    theirs = coco_mask.iou(encode(dt), encode(gt), crowd)
    assert np.array_equal(mask_iou(dt, gt, iscrowd=crowd), theirs)
    assert np.array_equal(mask_iou(dt.astype(np.uint8), gt, iscrowd=crowd), theirs)


@pytest.mark.parametrize("call, error, message", [
    (lambda: box_iou([[0, 0, 1]], [[0, 0, 1, 1]]), ValueError, r"shape \(N, 4\)"),
    (lambda: box_iou([[0, 0, -1, 1]], [[0, 0, 1, 1]], fmt="xywh"), ValueError,
     r"boxes1\[0\] has a negative width"),
    (lambda: box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1]], fmt="yxyx"), ValueError, "fmt must be one of"),
    (lambda: box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1]], iscrowd=[1, 0]), ValueError,
     "one flag per ground truth"),
    (lambda: box_iou([[1, 1, 2, 2]], [[1, 1, 2, 2]], fmt="voc", iscrowd=[1]), ValueError,
     "not defined for fmt='voc'"),
    (lambda: box_iou([[0, 0, np.nan, 1]], [[0, 0, 1, 1]]), ValueError, "NaN"),
    (lambda: mask_iou(np.zeros((1, 3, 3)), np.zeros((1, 3, 3))), TypeError, "dtype"),
    (lambda: mask_iou(np.zeros((1, 3, 3), bool), np.zeros((1, 3, 4), bool)), ValueError,
     "one H x W grid"),
    (lambda: mask_iou(np.full((1, 3, 3), 2), np.zeros((1, 3, 3), bool)), ValueError,
     "only 0 and 1"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
