"""COCO evaluation: parity with pycocotools' COCOeval on data built to trip evaluators."""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import json
import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from imgprep_course import cli
from imgprep_course.cli import main
from imgprep_course.metrics import STAT_NAMES, evaluate_coco, evaluate_coco_arrays

HEIGHT, WIDTH = 60, 80


# ------------------------------------------------------------------ the peer and data
def peer(gt: dict, dt: list, iou_type: str = "bbox") -> COCOeval:
    """pycocotools on copies (it modifies what it is given), its printing silenced."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        evaluator = COCOeval(coco_gt, coco_gt.loadRes(copy.deepcopy(dt)), iou_type)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def assert_same(ours, theirs: COCOeval) -> None:
    np.testing.assert_allclose(ours.stats, theirs.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.precision, theirs.eval["precision"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.recall, theirs.eval["recall"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.scores, theirs.eval["scores"], rtol=0, atol=1e-12)


def tricky_set(seed: int, n_images: int = 25) -> tuple[dict, list]:
    """Random ground truth and results with everything that trips evaluators.

    Crowd regions, images without ground truth, an image with more than 100 detections,
    scores rounded so that they tie, duplicated detections and ground truths, a category
    with detections but no ground truth and one with nothing, a ground-truth id 0 (on odd
    seeds), an ``ignore`` field that pycocotools overwrites, areas right on the range
    limits, integer boxes whose IoUs land exactly on the thresholds, zero-size boxes.
    """
    rng = np.random.default_rng(seed)
    images = [{"id": 10 * i + 3, "height": HEIGHT, "width": WIDTH} for i in range(n_images)]
    categories = [{"id": c, "name": f"c{c}"} for c in (2, 5, 7, 11)]  # 11: no ground truth
    categories.append({"id": 13, "name": "nothing"})                  # 13: nothing at all
    annotations, results = [], []
    first_id = seed % 2  # id 0 on odd seeds: pycocotools counts its matches as misses
    for img in images[: n_images - 3]:  # the last 3 images have no ground truth
        for _ in range(rng.integers(0, 7)):
            w, h = rng.integers(0, 40, 2) if rng.random() < .5 else rng.uniform(0, 40, 2)
            x, y = rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h)
            if rng.random() < .5:
                x, y = float(int(x)), float(int(y))
            area = rng.choice([w * h, 32 ** 2, 96 ** 2, w * h * rng.uniform(.3, 1)])
            ann = {"id": len(annotations) + 1 - first_id, "image_id": img["id"],
                   "category_id": int(rng.choice([2, 5, 7])), "bbox": [x, y, float(w), float(h)],
                   "area": float(area), "iscrowd": int(rng.random() < .15)}
            if rng.random() < .1:
                ann["ignore"] = 1
            annotations.append(ann)
            if rng.random() < .1:  # a duplicate ground truth
                annotations.append(dict(ann, id=len(annotations) + 1 - first_id))
    for img in images:
        mine = [a for a in annotations if a["image_id"] == img["id"]]
        for _ in range(rng.integers(0, 12)):
            if mine and rng.random() < .7:
                source = mine[rng.integers(len(mine))]
                x, y, w, h = source["bbox"]
                shift = rng.integers(-3, 4, 4) if rng.random() < .5 else rng.normal(0, 3, 4)
                box = [x + shift[0], y + shift[1], abs(w + shift[2]), abs(h + shift[3])]
                category = source["category_id"] if rng.random() < .85 else 11
            else:
                box = [*rng.uniform(0, 50, 2), *rng.uniform(0, 30, 2)]
                category = int(rng.choice([2, 5, 7, 11]))
            det = {"image_id": img["id"], "category_id": int(category),
                   "bbox": [float(v) for v in box], "score": float(rng.integers(0, 10) / 10)}
            results.append(det)
            if rng.random() < .1:
                results.append(dict(det))  # a duplicate detection
    crowded = images[0]["id"]
    for k in range(130):  # more than 100 detections on one image and category
        results.append({"image_id": crowded, "category_id": 2, "score": float(k % 7) / 7,
                        "bbox": [float(k % 40), float(k % 20), 10., 12.]})
    order = rng.permutation(len(results))
    return ({"images": images, "categories": categories, "annotations": annotations},
            [results[i] for i in order])


def with_masks(gt: dict, dt: list, seed: int, dt_form: str) -> tuple[dict, list]:
    """The same set with masks: polygons (crowds: uncompressed RLE) and RLE results.

    ``dt_form``: ``"rle"`` (segmentation only: area from the mask), ``"both"`` (bbox and
    segmentation: loadRes takes the box's area) or ``"box"`` (bbox only: the box's
    polygon becomes the mask).
    """
    rng = np.random.default_rng(seed)
    gt, dt = copy.deepcopy(gt), copy.deepcopy(dt)
    for ann in gt["annotations"]:
        x, y, w, h = ann["bbox"]
        if ann["iscrowd"]:
            rle = coco_mask.frPyObjects([[x, y, x, y + h, x + w, y + h, x + w, y]], HEIGHT,
                                        WIDTH)[0]
            runs = _runs(coco_mask.decode(rle))
            ann["segmentation"] = {"size": [HEIGHT, WIDTH], "counts": runs}
        else:
            parts = [[x, y, x + w, y, x + w / 2, y + h]]
            if rng.random() < .3:
                parts.append([x, y + h / 2, x + w / 3, y + h / 2, x, y + h])
            ann["segmentation"] = parts
    for det in dt:
        if dt_form == "box":
            continue
        x, y, w, h = det["bbox"]
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        mask[int(y):int(y + h) + 1, int(x):int(x + w) + 1] = 1
        mask[int(y):int(y + h / 3) + 1, int(x):int(x + w / 2) + 1] = 0
        rle = coco_mask.encode(np.asfortranarray(mask))
        det["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
        if dt_form == "rle":
            del det["bbox"]
    return gt, dt


def _runs(mask: np.ndarray) -> list:
    flat = mask.ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    return [0] + runs if flat[0] else runs


# ----------------------------------------------------------------------- parity
@pytest.mark.parametrize("seed", range(12))
def test_bbox_equals_pycocotools(seed):
    gt, dt = tricky_set(seed)
    assert_same(evaluate_coco(gt, dt), peer(gt, dt))


@pytest.mark.parametrize("seed, dt_form", [(0, "rle"), (1, "rle"), (2, "both"), (3, "both"),
                                           (4, "box"), (5, "rle")])
def test_segm_equals_pycocotools(seed, dt_form):
    gt, dt = with_masks(*tricky_set(seed, n_images=12), seed, dt_form)
    assert_same(evaluate_coco(gt, dt, "segm"), peer(gt, dt, "segm"))


def test_bbox_of_mask_results_equals_pycocotools():
    gt, dt = with_masks(*tricky_set(6, n_images=10), 6, "rle")
    assert_same(evaluate_coco(gt, dt, "bbox"), peer(gt, dt, "bbox"))


boxes_on_a_grid = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 8),
                                     st.integers(0, 8), st.integers(0, 6), st.integers(1, 2),
                                     st.booleans()),
                           min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(gts=boxes_on_a_grid, dts=boxes_on_a_grid.filter(len))
def test_small_grids_equal_pycocotools(gts, dts):
    """Tiny integer boxes on 2 images: IoUs right on the thresholds, ties everywhere."""
    images = [{"id": 1, "height": 20, "width": 20}, {"id": 2, "height": 20, "width": 20}]
    gt = {"images": images, "categories": [{"id": 1}, {"id": 2}],
          "annotations": [{"id": i + 1, "image_id": img, "category_id": cat,
                           "bbox": [x, y, w + 1, h + 1], "area": (w + 1) * (h + 1) * 20,
                           "iscrowd": int(crowd)}
                          for i, (x, y, w, h, _, cat, crowd) in enumerate(gts)
                          for img in [1 + i % 2]]}
    dt = [{"image_id": 1 + i % 3 // 2, "category_id": cat, "bbox": [x, y, w + 1, h],
           "score": s / 6} for i, (x, y, w, h, s, cat, _) in enumerate(dts)]
    assert_same(evaluate_coco(gt, dt), peer(gt, dt))


@pytest.mark.parametrize("iou_thresholds, max_dets", [
    (np.array([0.3, 0.5, 0.75, 0.9]), (1, 10, 100)),
    (np.linspace(.5, .95, 10), (100, 5, 300)),
    (np.array([0.6]), (2, 3, 4)),
])
def test_custom_parameters_equal_pycocotools(iou_thresholds, max_dets):
    gt, dt = tricky_set(9)
    printed = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        theirs = COCOeval(coco_gt, coco_gt.loadRes(copy.deepcopy(dt)), "bbox")
        theirs.params.iouThrs = iou_thresholds
        theirs.params.maxDets = list(max_dets)
        theirs.evaluate()
        theirs.accumulate()
    with contextlib.redirect_stdout(printed):
        theirs.summarize()
    ours = evaluate_coco(gt, dt, iou_thresholds=iou_thresholds, max_dets=max_dets)
    assert_same(ours, theirs)
    assert ours.summary() == printed.getvalue().rstrip("\n")


def test_accepts_pycocotools_objects():
    gt, dt = with_masks(*tricky_set(7, n_images=8), 7, "rle")
    theirs = peer(gt, dt, "segm")
    assert_same(evaluate_coco(theirs.cocoGt, theirs.cocoDt, "segm"), theirs)


def test_string_image_ids_equal_pycocotools():
    gt, dt = tricky_set(3)
    name = {img["id"]: f"img{img['id']:04d}" for img in gt["images"]}
    for record in gt["images"]:
        record["id"] = name[record["id"]]
    for record in gt["annotations"] + dt:
        record["image_id"] = name[record["image_id"]]
    assert_same(evaluate_coco(gt, dt), peer(gt, dt))


def test_arrays_api_equals_pycocotools():
    gt, dt = tricky_set(3)
    gt["annotations"] = [dict(a, area=a["bbox"][2] * a["bbox"][3]) for a in gt["annotations"]
                         if a["id"] > 0]
    gt["categories"] = [c for c in gt["categories"] if c["id"] != 13]
    result = evaluate_coco_arrays(
        boxes=[d["bbox"] for d in dt], scores=[d["score"] for d in dt],
        labels=[d["category_id"] for d in dt], image_ids=[d["image_id"] for d in dt],
        gt_boxes=[a["bbox"] for a in gt["annotations"]],
        gt_labels=[a["category_id"] for a in gt["annotations"]],
        gt_image_ids=[a["image_id"] for a in gt["annotations"]],
        gt_iscrowd=[a["iscrowd"] for a in gt["annotations"]], fmt="xywh")
    # the images without ground truth and detections do not change any number
    assert_same(result, peer(gt, dt))


def test_arrays_api_formats_agree():
    rng = np.random.default_rng(0)
    xywh = np.concatenate([rng.uniform(0, 50, (30, 2)), rng.uniform(1, 30, (30, 2))], axis=1)
    xywh[20:] = xywh[:10] + rng.uniform(-2, 2, (10, 4))   # ground truth near 10 detections
    xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
    labels, images = rng.integers(0, 3, 20), rng.integers(0, 4, 20)
    args = dict(scores=rng.random(20), labels=labels, image_ids=images,
                gt_labels=labels[:10], gt_image_ids=images[:10])
    a = evaluate_coco_arrays(boxes=xywh[:20], gt_boxes=xywh[20:], fmt="xywh", **args)
    b = evaluate_coco_arrays(boxes=xyxy[:20], gt_boxes=xyxy[20:], **args)
    np.testing.assert_allclose(a.precision, b.precision, atol=1e-12)
    np.testing.assert_allclose(a.recall, b.recall, atol=1e-12)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-12)
    np.testing.assert_allclose(a.stats, b.stats, atol=1e-12)
    assert (a.stats > 0).sum() >= 6   # the comparison is not between two empty results


# ------------------------------------------------------------------- the result
def test_summary_is_pycocotools_text():
    gt, dt = tricky_set(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):
        theirs = peer(gt, dt)
    with contextlib.redirect_stdout(printed):
        theirs.summarize()
    assert evaluate_coco(gt, dt).summary() == printed.getvalue().rstrip("\n")


def test_breakdowns_are_slices_of_precision():
    gt, dt = tricky_set(2)
    result = evaluate_coco(gt, dt)
    per_class = result.ap_per_class()
    assert set(per_class) == {2, 5, 7}  # 11 and 13 have no ground truth
    assert np.mean(list(per_class.values())) == pytest.approx(result.stats[0], abs=1e-12)
    per_iou = result.ap_per_iou()
    assert list(per_iou) == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert per_iou[0.5] == pytest.approx(result.stats[1], abs=1e-12)
    assert per_iou[0.75] == pytest.approx(result.stats[2], abs=1e-12)
    assert result.ap_per_class(iou_threshold=0.5, area="small")[2] == pytest.approx(
        np.mean(result.precision[0, :, 0, 1, 2]), abs=1e-12)
    recall, curve = result.precision_curve(5, iou_threshold=0.75, area="medium", max_dets=10)
    assert np.array_equal(recall, np.linspace(0, 1, 101))
    assert np.array_equal(curve, result.precision[5, :, 1, 2, 1])
    assert (result.precision_curve(11)[1] == -1).all()
    with pytest.raises(ValueError, match="category_id 4 is not one of"):
        result.precision_curve(4)
    document = result.to_dict()
    assert document["stat_names"] == list(STAT_NAMES)
    assert json.loads(json.dumps(document))["stats"] == result.stats.tolist()


@pytest.mark.parametrize("kwargs, message", [
    ({"iou_threshold": 0.52}, "iou_threshold must be one of"),
    ({"area": "huge"}, "area must be one of"),
    ({"max_dets": 50}, "max_dets must be one of"),
])
def test_breakdown_arguments_are_checked(kwargs, message):
    result = evaluate_coco(*tricky_set(0, n_images=5))
    with pytest.raises(ValueError, match=message):
        result.ap_per_class(**kwargs)


def test_inputs_are_not_modified():
    gt, dt = with_masks(*tricky_set(4, n_images=8), 4, "rle")
    gt_copy, dt_copy = copy.deepcopy(gt), copy.deepcopy(dt)
    evaluate_coco(gt, dt, "segm")
    assert gt == gt_copy and dt == dt_copy


# ----------------------------------------------------------- bad input, edge cases
def test_no_detections_scores_zero():
    gt, _ = tricky_set(0, n_images=6)
    result = evaluate_coco(gt, [])
    has_gt = result.n_positives[:, 0] > 0
    assert (result.precision[:, :, has_gt, 0, :] == 0).all()
    assert (result.precision[:, :, ~has_gt] == -1).all()
    assert result.stats[0] == 0 and result.stats[8] == 0


def test_no_ground_truth_at_all_gives_minus_one():
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": []}
    dt = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": .5}]
    assert evaluate_coco(gt, dt).stats.tolist() == [-1.0] * 12
    nothing = {"images": [], "categories": [], "annotations": []}
    assert evaluate_coco(nothing, []).stats.tolist() == [-1.0] * 12


@pytest.mark.parametrize("change, error, message", [
    (lambda gt, dt: dt[0].update(image_id=999), ValueError,
     r"results\[0\] has 'image_id' 999, which is not among the image ids"),
    (lambda gt, dt: dt[1].update(image_id=1.5), TypeError,
     r"results\[1\] has 'image_id' 1.5; ids must be integers"),
    (lambda gt, dt: dt[2].update(bbox=[1, 1, -2, 3]), ValueError, "negative width or height"),
    (lambda gt, dt: dt[3].update(score=float("nan")), ValueError,
     r"results\[3\] has 'score' nan; it must be a finite number"),
    (lambda gt, dt: dt[0].update(score="high"), TypeError,
     r"results\[0\] has 'score' 'high'; it must be a number"),
    (lambda gt, dt: dt[4].pop("bbox"), ValueError, r"results\[4\] has no 'bbox'"),
    (lambda gt, dt: dt[2].update(bbox=[1, 2, 3]), ValueError, r"must be \[x, y, width, height\]"),
    (lambda gt, dt: gt["annotations"][1].update(id=gt["annotations"][0]["id"]), ValueError,
     r"annotations\[1\] repeats id .* pycocotools would silently evaluate one"),
    (lambda gt, dt: gt["annotations"][0].pop("area"), ValueError,
     r"annotations\[0\] \(id 1\) has no 'area'"),
    (lambda gt, dt: gt["annotations"][0].update(image_id=-5), ValueError,
     r"annotations\[0\] \(id 1\) has 'image_id' -5"),
    (lambda gt, dt: gt.pop("images"), ValueError, "has no 'images' list"),
    (lambda gt, dt: dt.append("oops"), TypeError, r"results\[\d+\] must be a JSON object, got str"),
])
def test_bad_input_gets_a_clear_error(change, error, message):
    gt, dt = tricky_set(0, n_images=6)
    dt = [d for d in dt if d["category_id"] != 11]
    change(gt, dt)
    with pytest.raises(error, match=message):
        evaluate_coco(gt, dt)


def test_bad_arguments():
    gt, dt = tricky_set(0, n_images=4)
    with pytest.raises(ValueError, match=r"iou_thresholds must lie in \[0, 1\]"):
        evaluate_coco(gt, dt, iou_thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="max_dets must be three positive ints"):
        evaluate_coco(gt, dt, max_dets=(1, 10))
    with pytest.raises(ValueError, match="iou_type must be one of"):
        evaluate_coco(gt, dt, iou_type="keypoints")
    with pytest.raises(TypeError, match="ground_truth must be a path or a COCO instances dict"):
        evaluate_coco([gt], dt)
    with pytest.raises(TypeError, match="results must be a path or a COCO results list"):
        evaluate_coco(gt, {"annotations": dt})
    with pytest.raises(ValueError, match=r"scores\[1\] is nan"):
        evaluate_coco_arrays([[0, 0, 1, 1]] * 2, [1, np.nan], [0, 0], [0, 0],
                             [[0, 0, 1, 1]], [0], [0])
    with pytest.raises(ValueError, match=r"labels must be a \(2,\) array"):
        evaluate_coco_arrays([[0, 0, 1, 1]] * 2, [1, 1], [0], [0, 0],
                             [[0, 0, 1, 1]], [0], [0])


def test_segm_mask_of_another_size_as_pycocotools_and_bad_counts_refused():
    """A mask of another size than its image is kept at its size (IoU -1 with the image's
    masks, as pycocotools); a malformed one is refused."""
    gt, dt = with_masks(*tricky_set(0, n_images=4), 0, "rle")
    other = coco_mask.encode(np.asfortranarray(np.ones((HEIGHT + 1, WIDTH), np.uint8)))
    dt[0]["segmentation"] = {"size": [HEIGHT + 1, WIDTH], "counts": other["counts"].decode()}
    assert_same(evaluate_coco(gt, dt, "segm"), peer(gt, dt, "segm"))
    dt[0]["segmentation"] = {"size": [HEIGHT, WIDTH], "counts": "0000"}
    with pytest.raises(ValueError, match=r"results\[0\]: 'segmentation'\['counts'\] is not a "
                                         r"valid compressed RLE"):
        evaluate_coco(gt, dt, "segm")


@pytest.mark.parametrize("seed", range(4))
def test_segm_polygons_on_images_of_several_sizes_equal_pycocotools(seed):
    """Ground truths as polygons on images of three sizes, in any order: several
    polygons to one object, some with an odd number of coordinates, crowds among them;
    each rasterised at its own image's size (results: RLEs of jittered copies)."""
    rng = np.random.default_rng(seed)
    shapes = [(HEIGHT, WIDTH), (HEIGHT + 7, WIDTH - 3), (31, 45)]
    images = [{"id": i + 1, "height": shapes[i % 3][0], "width": shapes[i % 3][1]}
              for i in range(9)]

    def polygons(image: dict) -> list:
        out = []
        for _ in range(1 + (rng.random() < .3)):
            x, y = rng.uniform(-3, image["width"] - 5), rng.uniform(-3, image["height"] - 5)
            w, h = rng.uniform(1, 30, 2)
            out.append(np.round([x, y, x + w, y, x + w / 2, y + h], 2).tolist())
        if rng.random() < .2:
            out[0].append(float(rng.uniform(0, 9)))   # an odd coordinate: dropped
        return out

    annotations, results = [], []
    for k in rng.permutation(90):
        image = images[k % 9]
        segmentation = polygons(image)
        annotations.append({"id": len(annotations) + 1, "image_id": image["id"],
                            "category_id": 1 + k % 2, "iscrowd": int(rng.random() < .05),
                            "area": float(rng.uniform(10, 900)),
                            "bbox": [0, 0, 1, 1], "segmentation": segmentation})
        jittered = [(np.array(p[:len(p) // 2 * 2]) + rng.normal(0, 1.5, len(p) // 2 * 2))
                    .round(2).tolist() for p in segmentation]
        rle = coco_mask.merge(coco_mask.frPyObjects(jittered, image["height"],
                                                    image["width"]))
        results.append({"image_id": image["id"], "category_id": 1 + k % 2,
                        "score": round(float(rng.random()), 2),
                        "segmentation": {"size": rle["size"],
                                         "counts": rle["counts"].decode()}})
    gt = {"images": images, "categories": [{"id": 1}, {"id": 2}], "annotations": annotations}
    assert_same(evaluate_coco(gt, results, "segm"), peer(gt, results, "segm"))


def test_segm_needs_image_sizes():
    gt, dt = with_masks(*tricky_set(0, n_images=4), 0, "rle")
    del gt["images"][1]["height"]
    with pytest.raises(ValueError, match=r"images\[1\] \(id \d+\) has no 'height'"):
        evaluate_coco(gt, dt, "segm")


# ------------------------------------------------------------------------- CLI
@pytest.fixture
def files(tmp_path):
    gt, dt = tricky_set(5, n_images=10)
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text(json.dumps(dt))
    return tmp_path / "gt.json", tmp_path / "dt.json", peer(gt, dt)


def test_cli_prints_the_summary(files, capsys):
    gt, dt, theirs = files
    assert main(["coco-eval", str(gt), str(dt)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12 and lines[0].startswith(" Average Precision  (AP) @[ IoU=0.50:0.95")
    assert [float(line.rsplit("= ", 1)[1]) for line in lines] == [
        float(f"{v:0.3f}") for v in theirs.stats]


def test_cli_json(files, capsys):
    gt, dt, theirs = files
    assert main(["coco-eval", str(gt), str(dt), "--iou-type", "bbox", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(document["stats"], theirs.stats, rtol=0, atol=1e-12)


def test_cli_segm(tmp_path, capsys):
    gt, dt = with_masks(*tricky_set(8, n_images=6), 8, "rle")
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text(json.dumps(dt))
    assert main(["coco-eval", str(tmp_path / "gt.json"), str(tmp_path / "dt.json"),
                 "--iou-type", "segm", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["iou_type"] == "segm"
    np.testing.assert_allclose(document["stats"], peer(gt, dt, "segm").stats, rtol=0, atol=1e-12)


def test_cli_errors_are_one_line(files, tmp_path, capsys):
    gt, _, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"image_id": 12345, "category_id": 2, "bbox": [0, 0, 1, 1],
                                "score": 1}]))
    assert main(["coco-eval", str(gt), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("coco-eval: error: ") and err.count("\n") == 1
    assert "bad.json: results[0] has 'image_id' 12345, which is not among the image ids" in err
    assert main(["coco-eval", str(gt), str(tmp_path / "missing.json")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_the_program_exits_with_the_status_and_freezes_what_is_alive(files, monkeypatch,
                                                                    capsys):
    # run() is the process's entry: after the command, gc.freeze() spares the
    # interpreter's shutdown collections a walk over every live object
    gt, dt, theirs = files
    gc.unfreeze()
    for argv, status in (([str(gt), str(dt), "--json"], 0),
                         ([str(gt), str(gt.parent / "missing.json")], 1)):
        monkeypatch.setattr(sys, "argv", ["imgprep-course", "coco-eval", *argv])
        try:
            with pytest.raises(SystemExit) as exited:
                cli.run()
            assert exited.value.code == status and gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
    out = capsys.readouterr()
    np.testing.assert_allclose(json.loads(out.out)["stats"], theirs.stats, rtol=0, atol=1e-12)
    assert out.err.startswith("coco-eval: error: ")


def test_the_module_and_the_console_script_run_the_program():
    process = subprocess.run([sys.executable, "-m", "imgprep_course", "coco-eval", "x.json",
                              "y.json"], capture_output=True, text=True)
    assert process.returncode == 1 and process.stderr.startswith("coco-eval: error: ")
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["imgprep-course"] == "imgprep_course.cli:run"


def test_a_malformed_rle_is_named_by_its_result_index():
    gt = {"images": [{"id": 1, "height": 4, "width": 4}],
          "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                           "area": 4, "bbox": [0, 0, 2, 2],
                           "segmentation": {"size": [4, 4], "counts": [0, 2, 2, 2, 10]}}]}
    dt = [{"image_id": 1, "category_id": 1, "score": 0.5,
           "segmentation": {"size": [4, 4], "counts": "!!bad"}}]
    with pytest.raises(ValueError, match=r"\[0\]: 'segmentation'"):
        evaluate_coco(gt, dt, iou_type="segm")
