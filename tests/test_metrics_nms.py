"""metrics.nms: greedy non-maximum suppression, against a plain reference and torchvision's rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course.metrics import box_iou
from imgprep_course.metrics.nms import nms


def _reference(boxes, scores, threshold):
    """The textbook loop: take the best remaining box, drop what overlaps it, repeat."""
    remaining = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    kept = []
    while remaining:
        best = remaining.pop(0)
        kept.append(best)
        remaining = [i for i in remaining
                     if box_iou(boxes[best:best + 1], boxes[i:i + 1])[0, 0] <= threshold]
    return kept


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12), st.integers(0, 2 ** 32 - 1), st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]))
def test_matches_the_textbook_loop(n, seed, threshold):
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 50, (n, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(1, 30, (n, 2))], axis=1)
    scores = rng.choice([0.1, 0.5, 0.9], n) if seed % 2 else rng.random(n)   # ties too
    assert nms(boxes, scores, threshold).tolist() == _reference(boxes, scores, threshold)


def test_kept_boxes_overlap_each_other_at_most_the_threshold():
    rng = np.random.default_rng(3)
    corner = rng.uniform(0, 100, (200, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(5, 40, (200, 2))], axis=1)
    kept = nms(boxes, rng.random(200), 0.4)
    overlaps = box_iou(boxes[kept], boxes[kept])
    np.fill_diagonal(overlaps, 0)
    assert overlaps.max() <= 0.4 and 0 < len(kept) < 200


def test_exactly_the_threshold_is_kept_and_formats_agree():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 20]], float)      # IoU exactly 0.5
    assert nms(boxes, [0.9, 0.8], 0.5).tolist() == [0, 1]
    assert nms(boxes, [0.9, 0.8], 0.49).tolist() == [0]
    xywh = np.c_[boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]
    assert nms(xywh, [0.8, 0.9], 0.49, fmt="xywh").tolist() == [1]
    assert nms(np.zeros((0, 4)), [], 0.5).tolist() == []


@pytest.mark.parametrize("args, message", [
    (([[0, 0, 1, 1]], [0.5, 0.6], 0.5), "one score per box"),
    (([[0, 0, 1, 1]], [0.5], 1.5), "iou_threshold"),
    (([[0, 0, 1]], [0.5], 0.5), "shape"),
])
def test_bad_input_names_the_argument(args, message):
    with pytest.raises(ValueError, match=message):
        nms(*args)
