"""Inputs pycocotools evaluates that real users produce: we evaluate them the same way.

Each case runs pycocotools (``COCO``, ``loadRes``, ``COCOeval``) and us on the same input
and compares the 12 numbers and the precision / recall arrays; ``loadRes`` is compared
annotation by annotation.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from pycocotools import mask as peer_mask
from pycocotools.coco import COCO as PeerCOCO
from pycocotools.cocoeval import COCOeval

from imgprep_course.datasets import COCO, masks
from imgprep_course.metrics import evaluate_coco


def peer_eval(gt: dict, dt, iou_type: str = "bbox") -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        truth = PeerCOCO()
        truth.dataset = copy.deepcopy(gt)
        truth.createIndex()
        results = truth.loadRes(copy.deepcopy(dt))
        evaluation = COCOeval(truth, results, iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation


def assert_same(gt: dict, dt, iou_type: str = "bbox") -> np.ndarray:
    ours, theirs = evaluate_coco(gt, dt, iou_type), peer_eval(gt, dt, iou_type)
    np.testing.assert_array_equal(ours.stats, theirs.stats)
    np.testing.assert_array_equal(ours.precision, theirs.eval["precision"])
    np.testing.assert_array_equal(ours.recall, theirs.eval["recall"])
    return ours.stats


def scene(seed: int, size: int = 64, n_images: int = 4) -> tuple[dict, list]:
    """Ground truth boxes with polygons, and noisy detections of them plus a few misses."""
    rng = np.random.default_rng(seed)
    images = [{"id": k, "file_name": f"{k}.jpg", "height": size, "width": size}
              for k in range(1, n_images + 1)]
    anns, dets = [], []
    for k in range(1, n_images + 1):
        for _ in range(rng.integers(1, 5)):
            x, y = (float(v) for v in rng.uniform(0, size / 2, 2).round(1))
            w, h = (float(v) for v in rng.uniform(4, size / 2, 2).round(1))
            anns.append({"id": len(anns) + 1, "image_id": k, "category_id": int(rng.integers(1, 3)),
                         "iscrowd": 0, "area": float(w * h), "bbox": [x, y, w, h],
                         "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]]})
            jitter = rng.uniform(-2, 2, 4).round(1)
            dets.append({"image_id": k, "category_id": anns[-1]["category_id"],
                         "bbox": [float(v) for v in np.maximum(anns[-1]["bbox"] + jitter, 1)],
                         "score": round(float(rng.uniform(.1, 1)), 2)})
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
    return gt, dets


@pytest.mark.parametrize("seed", range(3))
def test_float_ids_equal_to_integers(seed):
    gt, dt = scene(seed)
    expected = assert_same(gt, dt)
    floats = [dict(d, image_id=float(d["image_id"]), category_id=float(d["category_id"]))
              for d in dt]
    np.testing.assert_array_equal(assert_same(gt, floats), expected)
    gt_floats = copy.deepcopy(gt)
    for img in gt_floats["images"]:
        img["id"] = float(img["id"])
    for ann in gt_floats["annotations"]:
        ann["image_id"] = float(ann["image_id"])
    np.testing.assert_array_equal(assert_same(gt_floats, dt), expected)


def test_a_float_id_that_is_not_an_integer_is_refused():
    gt, dt = scene(0)
    dt[0]["image_id"] = 1.5
    with pytest.raises(TypeError, match=r"results\[0\] has 'image_id' 1.5; ids must be "
                                        r"integers"):
        evaluate_coco(gt, dt)


@pytest.mark.parametrize("seed", range(3))
def test_detections_of_unknown_categories_are_ignored(seed):
    gt, dt = scene(seed)
    expected = assert_same(gt, dt)
    extra = [dict(d, category_id=99, score=0.99) for d in dt[::2]]
    mixed = [d for pair in zip(dt, extra) for d in pair] + dt[len(extra):]
    np.testing.assert_array_equal(assert_same(gt, mixed), expected)


@pytest.mark.parametrize("seed", range(3))
def test_odd_length_polygons_lose_their_last_number(seed):
    gt, dt = scene(seed)
    for ann in gt["annotations"][::2]:
        ann["segmentation"][0].append(7.0)
    segm = [dict(d, segmentation=peer_mask.frPyObjects(
        [[x, y, x + w, y, x + w, y + h, x, y + h]], 64, 64)[0]) for d in dt
        for x, y, w, h in [d["bbox"]]]
    for d in segm:
        d["segmentation"]["counts"] = d["segmentation"]["counts"].decode()
        del d["bbox"]
    stats = assert_same(gt, segm, "segm")
    assert stats[1] > 0.5
    peer = PeerCOCO()
    peer.dataset = copy.deepcopy(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        peer.createIndex()
    ann = gt["annotations"][0]
    assert masks.from_segmentation(ann["segmentation"], 64, 64)["counts"] == \
        peer.annToRLE(ann)["counts"]


def test_masks_smaller_than_their_image():
    """10x10 masks in a 640x640 image: they match each other (AP 1), and a mask of the
    image's size never matches them (pycocotools' IoU of two sizes is -1)."""
    small = np.zeros((10, 10), np.uint8, order="F")
    small[2:8, 2:8] = 1
    rle = peer_mask.encode(small)
    rle["counts"] = rle["counts"].decode()
    gt = {"images": [{"id": 1, "file_name": "a.jpg", "height": 640, "width": 640}],
          "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                           "area": 36, "bbox": [2, 2, 6, 6], "segmentation": rle}]}
    same = [{"image_id": 1, "category_id": 1, "segmentation": rle, "score": .9}]
    assert assert_same(gt, same, "segm")[0] == pytest.approx(1.0)
    full = np.zeros((640, 640), np.uint8, order="F")
    full[2:8, 2:8] = 1
    big = peer_mask.encode(full)
    big["counts"] = big["counts"].decode()
    other = same + [{"image_id": 1, "category_id": 1, "segmentation": big, "score": .95}]
    assert assert_same(gt, other, "segm")[0] < 1.0


def loadres_cases(gt: dict, dt: list, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(dt))
    array = np.array([[d["image_id"], *d["bbox"], d["score"], d["category_id"]] for d in dt])
    segm = [{"image_id": d["image_id"], "category_id": d["category_id"], "score": d["score"],
             "segmentation": {"size": [64, 64], "counts": peer_mask.frPyObjects(
                 np.array([d["bbox"]]), 64, 64)[0]["counts"].decode()}} for d in dt]
    return {"list": dt, "path": str(path), "array": array, "segm": segm}


@pytest.mark.parametrize("kind", ["list", "path", "array", "segm"])
def test_load_res_equals_pycocotools(kind, tmp_path):
    gt, dt = scene(5)
    given = loadres_cases(gt, dt, tmp_path)[kind]
    before = copy.deepcopy(given)
    ours = COCO(copy.deepcopy(gt)).loadRes(given)
    with contextlib.redirect_stdout(io.StringIO()):
        peer = PeerCOCO()
        peer.dataset = copy.deepcopy(gt)
        peer.createIndex()
        theirs = peer.loadRes(copy.deepcopy(given))
    assert sorted(ours.anns) == sorted(theirs.anns) == list(range(1, len(dt) + 1))
    for ann_id, theirs_ann in theirs.anns.items():
        ours_ann = ours.anns[ann_id]
        assert set(ours_ann) == set(theirs_ann)
        for key, value in theirs_ann.items():
            if isinstance(value, (np.ndarray, float, np.floating, np.integer)):
                np.testing.assert_array_equal(ours_ann[key], value)
            else:
                assert ours_ann[key] == value, key
    assert ours.getCatIds() == theirs.getCatIds() and ours.getImgIds() == theirs.getImgIds()
    if kind != "array":
        assert given == before   # not modified
    iou_type = "segm" if kind == "segm" else "bbox"
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(peer, theirs, iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    np.testing.assert_array_equal(evaluate_coco(gt, ours, iou_type).stats, evaluation.stats)


def test_load_res_refuses_unknown_images():
    gt, dt = scene(1)
    dt[2]["image_id"] = 77
    with pytest.raises(ValueError, match=r"results\[2\] has image_id 77, which is not among "
                                         r"the image ids"):
        COCO(gt).loadRes(dt)
