"""Lesson 04's explorers: sliders change the picture, and the numbers shown are right."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course import metrics
from imgprep_course.boxes import convert
from imgprep_course.explore.detection import (FIXED_BOX, draw_iou, iou_explorer,
                                              noise_explorer, pr_explorer,
                                              simulate_detector)


def _title(explorer) -> str:
    figure = explorer.draw(**explorer.values)
    return figure._suptitle.get_text() if figure._suptitle else figure.axes[0].get_title()


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return float(found.group(1))


@pytest.fixture(scope="module")
def ground_truth():
    """Four images of five boxes each, three classes."""
    rng = np.random.default_rng(3)
    corner = rng.uniform(0, 150, (20, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(15, 60, (20, 2))], axis=1)
    return boxes, rng.integers(1, 4, 20), np.repeat(np.arange(1, 5), 5)


# -------------------------------------------------------------------------------- IoU
def test_iou_explorer_shows_the_library_iou_and_redraws():
    explorer = iou_explorer()
    before = explorer.png
    x0, y0, x1, y1 = FIXED_BOX
    explorer.controls["x"].value, explorer.controls["y"].value = x0, y0
    explorer.controls["w"].value, explorer.controls["h"].value = x1 - x0, y1 - y0
    assert explorer.png != before and explorer.png.startswith(b"\x89PNG")
    assert _number(r"= ([\d.]+)$", _title(explorer)) == 1.0
    explorer.controls["x"].value = 90   # far to the right: no overlap
    assert _number(r"= ([\d.]+)$", _title(explorer)) == 0.0


@pytest.mark.parametrize("x, y, w, h", [(40, 30, 40, 40), (10, 50, 30, 5), (25, 25, 10, 10)])
def test_iou_title_matches_box_iou(x, y, w, h):
    expected = metrics.box_iou([FIXED_BOX], [[x, y, x + w, y + h]])[0, 0]
    title = draw_iou(x, y, w, h).axes[0].get_title()
    assert _number(r"= ([\d.]+)$", title) == pytest.approx(expected, abs=6e-4)
    inter, union = map(float, re.findall(r"([\d.]+) / ([\d.]+)", title)[0])
    assert inter / union == pytest.approx(expected)


# ---------------------------------------------------------------------------- PR curve
def test_pr_explorer_walks_along_the_curve():
    is_tp = np.array([True, False, True, True, False, False, True, False])
    scores = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.1])
    explorer = pr_explorer(is_tp, scores, 5)
    precision, recall = metrics.precision_recall(is_tp, scores, 5)
    seen = set()
    for threshold, kept in [(0.99, 0), (0.85, 2), (0.65, 4), (0.0, 8)]:
        explorer.controls["threshold"].value = threshold
        seen.add(explorer.png)
        title = _title(explorer)
        if kept == 0:
            assert "nothing kept" in title
            continue
        assert f"{kept} kept ({int(is_tp[:kept].sum())} TP" in title
        assert _number(r"precision ([\d.]+)", title) == pytest.approx(precision[kept - 1],
                                                                     abs=6e-4)
        assert _number(r"recall ([\d.]+)", title) == pytest.approx(recall[kept - 1],
                                                                  abs=6e-4)
    assert len(seen) == 4


def test_pr_explorer_shows_the_all_point_ap():
    is_tp, scores = [True, False, True, False], [0.9, 0.8, 0.7, 0.6]
    figure = pr_explorer(is_tp, scores, 3).draw(threshold=0.5)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "area = AP = 0.556" in labels


def test_pr_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        pr_explorer([True, False], [0.5], 2)
    with pytest.raises(ValueError, match="n_positives must be a positive int"):
        pr_explorer([True], [0.5], 0)


# ------------------------------------------------------------------ simulated detector
def test_noise_free_detector_finds_exact_boxes(ground_truth):
    boxes, labels, images = ground_truth
    det, scores, det_labels, det_images = simulate_detector(
        boxes, labels, images, 0.0, seed=1, miss_rate=0.0, false_positives=0.0)
    np.testing.assert_allclose(det, boxes)
    np.testing.assert_array_equal(det_labels, labels)
    np.testing.assert_array_equal(det_images, images)
    assert ((scores > 0) & (scores < 1)).all()
    result = metrics.evaluate_coco_arrays(det, scores, det_labels, det_images, boxes,
                                          labels, images)
    assert result.stats[0] == pytest.approx(1.0)


def test_detector_misses_adds_false_positives_and_is_seeded(ground_truth):
    boxes, labels, images = ground_truth
    first = simulate_detector(boxes, labels, images, 0.1, seed=5, miss_rate=0.5,
                              false_positives=0.5, fmt="xyxy")
    again = simulate_detector(boxes, labels, images, 0.1, seed=5, miss_rate=0.5,
                              false_positives=0.5, fmt="xyxy")
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    n_found = len(first[0]) - 10
    assert 0 < n_found < 20
    assert set(first[2]) <= set(labels) and set(first[3]) <= set(images)
    xywh = simulate_detector(convert(boxes, "xyxy", "xywh"),
                             labels, images, 0.1, seed=5, miss_rate=0.5,
                             false_positives=0.5, fmt="xywh")
    np.testing.assert_allclose(xywh[0][:, 2:], first[0][:, 2:] - first[0][:, :2])


def test_detector_refuses_bad_parameters(ground_truth):
    boxes, labels, images = ground_truth
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        simulate_detector(boxes, labels, images, -0.1)
    with pytest.raises(ValueError, match="miss_rate must be in"):
        simulate_detector(boxes, labels, images, 0.1, miss_rate=1.5)
    with pytest.raises(ValueError, match=r"one entry per box \(20\)"):
        simulate_detector(boxes, labels[:3], images, 0.1)
    with pytest.raises(ValueError, match="gt_boxes is empty"):
        simulate_detector(np.zeros((0, 4)), [], [], 0.1)


def test_detector_that_misses_everything_returns_empty_arrays(ground_truth):
    boxes, scores, labels, images = simulate_detector(*ground_truth, 0.1, seed=0,
                                                      miss_rate=1.0, false_positives=0.0)
    assert boxes.shape == (0, 4) and scores.shape == labels.shape == images.shape == (0,)


def test_map_falls_as_noise_rises(ground_truth):
    explorer = noise_explorer(*ground_truth, seed=0)
    maps, pictures = [], set()
    for noise in (0.0, 0.05, 0.1, 0.2, 0.3):
        explorer.controls["noise"].value = noise
        pictures.add(explorer.png)
        title = _title(explorer)
        assert title.startswith(f"noise {noise:.2f}")
        maps.append(_number(r"mAP@\[\.5:\.95\] = ([\d.]+)", title))
        assert _number(r"AP50 = ([\d.]+)", title) >= _number(r"AP75 = ([\d.]+)", title)
    assert len(pictures) == 5
    assert maps == sorted(maps, reverse=True) and maps[0] > 0.7 and maps[-1] < 0.1


def test_noise_explorer_reports_the_library_map(ground_truth):
    boxes, labels, images = ground_truth
    explorer = noise_explorer(boxes, labels, images, seed=2)
    explorer.controls["noise"].value = 0.12
    detections = simulate_detector(boxes, labels, images, 0.12, seed=2)
    expected = metrics.evaluate_coco_arrays(*detections, boxes, labels, images).stats[0]
    assert _number(r"mAP@\[\.5:\.95\] = ([\d.]+)", _title(explorer)) == pytest.approx(
        expected, abs=6e-4)


@settings(max_examples=40, deadline=None)
@given(noise=st.floats(0, 1), seed=st.integers(0, 2 ** 32 - 1),
       miss_rate=st.floats(0, 1), false_positives=st.floats(0, 2),
       fmt=st.sampled_from(["xyxy", "xywh", "voc"]))
def test_simulated_detections_are_well_formed(ground_truth, noise, seed, miss_rate,
                                              false_positives, fmt):
    boxes, labels, images = ground_truth
    given_boxes = convert(boxes, "xyxy", fmt)
    copy = given_boxes.copy()
    det, scores, det_labels, det_images = simulate_detector(
        given_boxes, labels, images, noise, seed, fmt=fmt, miss_rate=miss_rate,
        false_positives=false_positives)
    np.testing.assert_array_equal(given_boxes, copy)            # input untouched
    n = len(det)
    assert det.shape == (n, 4) and scores.shape == det_labels.shape == det_images.shape == (n,)
    assert n - round(false_positives * len(boxes)) in range(len(boxes) + 1)
    assert (convert(det, fmt, "xywh")[:, 2:] >= 0).all()
    assert ((scores >= 0) & (scores <= 1)).all()
    assert set(det_labels) <= set(labels) and set(det_images) <= set(images)
