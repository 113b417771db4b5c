"""coco-eval's results read by a child process: the same numbers and the same messages
as reading them in one process, for results of every kind, good or bad."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from imgprep_course.datasets import masks
from imgprep_course.metrics import evaluate_coco
from imgprep_course.metrics._coco_ahead import ResultsAhead
from tests.test_metrics_coco import peer, tricky_set, with_masks


def outcome(call):
    """What a call gives: its numbers, or its error's type and message."""
    try:
        result = call()
    except (ValueError, TypeError, OSError) as error:
        return type(error).__name__, str(error)
    return result.stats.tolist(), result.precision.tolist(), result.scores.tolist()


def written(folder, gt, dt):
    """The ground truth and the results as JSON files in ``folder``: their paths."""
    gt_path, dt_path = folder / "gt.json", folder / "dt.json"
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text(json.dumps(dt))
    return gt_path, dt_path


def broken_counts(gt, dt):
    dt[3]["segmentation"]["counts"] = "!!bad"


def unknown_image(gt, dt):
    dt[5]["image_id"] = 99999


def unknown_category(gt, dt):   # dropped, as pycocotools ignores it
    dt[2]["category_id"] = 777


def score_not_a_number(gt, dt):
    dt[1]["score"] = "high"


def boxes_first(gt, dt):   # loadRes then takes every result's box
    dt[0]["bbox"] = [1, 2, 3, 4]


def uncompressed(gt, dt):
    dt[4]["segmentation"]["counts"] = [6, 2, 4792]


def not_a_dict(gt, dt):
    dt.append(["a list"])


def ground_truth_broken(gt, dt):
    gt["annotations"][0].pop("area")


def both_broken(gt, dt):
    gt["annotations"][0].pop("area")
    dt.clear()
    dt.append("text")


CHANGES = [None, broken_counts, unknown_image, unknown_category, score_not_a_number,
           boxes_first, uncompressed, not_a_dict, ground_truth_broken, both_broken]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: "as made" if c is None
                         else c.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_results_read_ahead_give_what_reading_them_here_gives(tmp_path, change, seed):
    gt, dt = with_masks(*tricky_set(seed, n_images=8), seed, "rle")
    if change is not None:
        change(gt, dt)
    gt_path, dt_path = written(tmp_path, gt, dt)
    here = outcome(lambda: evaluate_coco(gt_path, dt_path, iou_type="segm"))
    ahead = outcome(lambda: evaluate_coco(gt_path, ResultsAhead(dt_path, "segm"),
                                          iou_type="segm"))
    assert ahead == here
    if change in (None, unknown_category):   # and they are pycocotools' numbers
        np.testing.assert_allclose(here[0], peer(gt, dt, "segm").stats, rtol=0, atol=1e-12)


BOX_CHANGES = [None, unknown_image, unknown_category, score_not_a_number, not_a_dict,
               ground_truth_broken,
               lambda gt, dt: dt[2].update(bbox=[1, 1, -2, 3]),
               lambda gt, dt: dt[3].update(bbox=[1, 2, 3]),
               lambda gt, dt: dt[4].pop("bbox"),
               lambda gt, dt: dt[0].update(image_id=1.5),
               lambda gt, dt: [d.pop("bbox") for d in dt]]   # segmentations: read here


@pytest.mark.parametrize("change", BOX_CHANGES)
def test_box_results_read_ahead_give_what_reading_them_here_gives(tmp_path, change):
    gt, dt = with_masks(*tricky_set(2, n_images=8), 2, "both")
    if change is not None:
        change(gt, dt)
    gt_path, dt_path = written(tmp_path, gt, dt)
    here = outcome(lambda: evaluate_coco(gt_path, dt_path))
    assert outcome(lambda: evaluate_coco(gt_path, ResultsAhead(dt_path, "bbox"))) == here
    if change is None:
        assert ResultsAhead(dt_path, "bbox").columns()[0] == "boxes"
        np.testing.assert_allclose(here[0], peer(gt, dt).stats, rtol=0, atol=1e-12)


def test_the_child_parses_rle_results_into_a_shared_file_and_is_collected(tmp_path):
    gt, dt = with_masks(*tricky_set(3, n_images=5), 3, "rle")
    path = tmp_path / "dt.json"
    path.write_text(json.dumps(dt))
    ahead = ResultsAhead(path, "segm")
    pid = ahead._pid
    kind, images, categories, scores, sizes, offsets, areas, runs = ahead.columns()
    assert kind == "runs"
    assert images.tolist() == [d["image_id"] for d in dt]
    assert scores.tolist() == [d["score"] for d in dt]
    here = masks.unpack([d["segmentation"] for d in dt])
    np.testing.assert_array_equal(runs, here.runs)
    np.testing.assert_array_equal(offsets, here.offsets)
    np.testing.assert_array_equal(sizes, here.sizes)
    np.testing.assert_array_equal(areas, masks.area([d["segmentation"] for d in dt]))
    runs[0] += 1   # a copy of the child's pages: ours to change
    with pytest.raises(ChildProcessError):   # already collected: no zombie
        os.waitpid(pid, os.WNOHANG)
    assert ahead._runs_file is None   # and the shared file closed


def test_without_a_shared_file_the_child_sends_the_counts_strings(tmp_path, monkeypatch):
    gt, dt = with_masks(*tricky_set(3, n_images=5), 3, "rle")
    gt_path, dt_path = written(tmp_path, gt, dt)
    here = outcome(lambda: evaluate_coco(gt_path, dt_path, iou_type="segm"))
    monkeypatch.delattr(os, "memfd_create")
    kind, images, categories, scores, chars, lengths, sizes = ResultsAhead(
        dt_path, "segm").columns()
    assert kind == "masks"
    assert chars.tobytes() == b"".join(d["segmentation"]["counts"].encode() for d in dt)
    assert lengths.sum() == chars.size and sizes.shape == (len(dt), 2)
    assert outcome(lambda: evaluate_coco(gt_path, ResultsAhead(dt_path, "segm"),
                                         iou_type="segm")) == here


@pytest.mark.parametrize("content", ['[{"image_id": 1, "category_id": 1, "score": 1, '
                                     '"bbox": [0, 0, 1, 1]}]', "[]", "{}", "not json"])
def test_other_results_are_left_to_the_parent(tmp_path, content):
    path = tmp_path / "dt.json"
    path.write_text(content)
    assert ResultsAhead(path, "segm").columns() is None


def test_a_stopped_child_or_no_fork_leaves_the_reading_to_the_parent(tmp_path, monkeypatch):
    gt, dt = with_masks(*tricky_set(4, n_images=5), 4, "rle")
    gt_path, dt_path = written(tmp_path, gt, dt)
    here = outcome(lambda: evaluate_coco(gt_path, dt_path, iou_type="segm"))
    stopped = ResultsAhead(dt_path, "segm")
    stopped.close()   # killed before it sent anything, or at any point
    assert stopped.columns() is None
    monkeypatch.delattr(os, "fork")
    assert outcome(lambda: evaluate_coco(gt_path, ResultsAhead(dt_path, "segm"),
                                         iou_type="segm")) == here


@pytest.mark.parametrize("gt_broken", [False, True])
def test_a_results_file_that_does_not_parse_is_named_first_as_before(tmp_path, gt_broken):
    gt, _ = with_masks(*tricky_set(5, n_images=4), 5, "rle")
    if gt_broken:
        gt["annotations"][0].pop("area")
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text('[{"image_id": 1,')
    here = outcome(lambda: evaluate_coco(gt_path, dt_path, iou_type="segm"))
    assert here[0] == "ValueError" and "dt.json is not valid JSON" in here[1]
    assert outcome(lambda: evaluate_coco(gt_path, ResultsAhead(dt_path, "segm"),
                                         iou_type="segm")) == here
