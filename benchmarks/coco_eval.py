"""COCO evaluation end to end: pycocotools against ``imgprep_course.metrics``, same data.

A synthetic set is generated in memory, deterministically: ``--images`` images (640 x 480)
with 7 ground truths and 20 detections each, in 10 categories, with crowd regions (5 %)
and objects of every size (small, medium, large). Detections are jittered copies of the
ground truths (some with the wrong category) plus random boxes, with scores rounded to
two decimals so that ties occur. For ``segm`` the ground truths are 16-gon ellipse
polygons (crowds: uncompressed RLEs) and the detections compressed RLEs.

Each library is timed end to end on the same in-memory dicts: pycocotools'
``COCO`` index + ``loadRes`` + ``evaluate`` + ``accumulate`` + ``summarize`` (its printing
silenced), and :func:`imgprep_course.metrics.evaluate_coco` + ``summary()``. The script
checks that the 12 numbers are identical and prints seconds and the ratio::

    python benchmarks/coco_eval.py [--images 5000] [--iou-type bbox segm]

Ours is warmed up on a tiny set first, so numba's one-off loading of its compiled
kernels (from the on-disk cache) is not counted; the script prints that time too.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from imgprep_course.datasets import masks
from imgprep_course.metrics import evaluate_coco

HEIGHT, WIDTH = 480, 640


def synthetic_set(n_images: int, iou_type: str, seed: int = 0) -> tuple[dict, list]:
    """Ground truth dict and results list (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_gt, n_dt, n_cat = 7, 20, 10
    images = [{"id": i + 1, "height": HEIGHT, "width": WIDTH, "file_name": f"{i + 1}.jpg"}
              for i in range(n_images)]
    categories = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(n_cat)]
    sizes = np.exp(rng.uniform(np.log(8), np.log(300), (n_images, n_gt, 2)))
    corners = rng.uniform(0, 1, (n_images, n_gt, 2)) * ([WIDTH, HEIGHT] - sizes)
    gt_boxes = np.concatenate([corners, sizes], axis=2).round(2)
    gt_cats = rng.integers(1, n_cat + 1, (n_images, n_gt))
    crowd = rng.random((n_images, n_gt)) < 0.05
    annotations = []
    for i in range(n_images):
        for j in range(n_gt):
            box = gt_boxes[i, j].tolist()
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1,
                                "category_id": int(gt_cats[i, j]), "bbox": box,
                                "iscrowd": int(crowd[i, j]),
                                "area": round(box[2] * box[3] * np.pi / 4, 2)})
    # 14 detections near ground truths, 6 anywhere
    near = rng.integers(0, n_gt, (n_images, 14))
    base = np.take_along_axis(gt_boxes, near[..., None], axis=1)
    jitter = rng.normal(0, 0.1, base.shape) * base[..., [2, 3, 2, 3]]
    near_boxes = np.abs(base + jitter)
    far_sizes = np.exp(rng.uniform(np.log(8), np.log(300), (n_images, 6, 2)))
    far_boxes = np.concatenate([rng.uniform(0, 1, (n_images, 6, 2)) * ([WIDTH, HEIGHT] -
                                                                        far_sizes),
                                far_sizes], axis=2)
    dt_boxes = np.concatenate([near_boxes, far_boxes], axis=1).round(2)
    dt_cats = np.concatenate([np.take_along_axis(gt_cats, near, axis=1),
                              rng.integers(1, n_cat + 1, (n_images, 6))], axis=1)
    wrong = rng.random(dt_cats.shape) < 0.1
    dt_cats[wrong] = rng.integers(1, n_cat + 1, wrong.sum())
    scores = rng.random((n_images, n_dt)).round(2)
    results = [{"image_id": i + 1, "category_id": int(dt_cats[i, k]),
                "bbox": dt_boxes[i, k].tolist(), "score": float(scores[i, k])}
               for i in range(n_images) for k in range(n_dt)]
    if iou_type == "segm":
        for ann in annotations:
            if ann["iscrowd"]:
                ann["segmentation"] = masks.uncompress(
                    masks.from_boxes(ann["bbox"], HEIGHT, WIDTH))
            else:
                ann["segmentation"] = [ellipse(ann["bbox"])]
        polygons = [ellipse(r.pop("bbox")) for r in results]
        for r, polygon in zip(results, polygons):
            rle = masks.from_polygons([polygon], HEIGHT, WIDTH)[0]
            r["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
    return {"images": images, "categories": categories, "annotations": annotations}, results


def ellipse(box: list, n: int = 16) -> list:
    """The 16-gon inscribed in an xywh box, as COCO's flat ``[x1, y1, x2, y2, ...]``."""
    x, y, w, h = box
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    xy = np.stack([x + w / 2 * (1 + np.cos(t)), y + h / 2 * (1 + np.sin(t))], axis=1)
    return xy.round(2).ravel().tolist()


def run_pycocotools(gt: dict, results: list, iou_type: str) -> np.ndarray:
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, iou_type)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def run_ours(gt: dict, results: list, iou_type: str) -> np.ndarray:
    result = evaluate_coco(gt, results, iou_type)
    result.summary()
    return result.stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000, help="number of images")
    parser.add_argument("--iou-type", nargs="+", default=["bbox", "segm"],
                        choices=["bbox", "segm"])
    args = parser.parse_args()
    start = time.perf_counter()
    for iou_type in args.iou_type:
        run_ours(*synthetic_set(3, iou_type, seed=1), iou_type)
    print(f"warm-up (numba kernels loaded from cache or compiled): "
          f"{time.perf_counter() - start:.2f} s")
    for iou_type in args.iou_type:
        gt, results = synthetic_set(args.images, iou_type)
        # loadRes and COCOeval modify what they are given: pycocotools gets a copy
        peer_gt, peer_results = copy.deepcopy(gt), copy.deepcopy(results)
        start = time.perf_counter()
        peer_stats = run_pycocotools(peer_gt, peer_results, iou_type)
        peer_seconds = time.perf_counter() - start
        start = time.perf_counter()
        our_stats = run_ours(gt, results, iou_type)
        our_seconds = time.perf_counter() - start
        same = np.array_equal(peer_stats, our_stats)
        print(f"{iou_type}: {args.images} images, {len(gt['annotations'])} ground truths, "
              f"{len(results)} detections, 10 categories")
        print(f"  pycocotools     {peer_seconds:8.2f} s")
        print(f"  imgprep_course  {our_seconds:8.2f} s   {peer_seconds / our_seconds:6.1f}x "
              f"faster")
        print(f"  12 numbers identical: {same}  (max |diff| "
              f"{np.abs(peer_stats - our_stats).max():.1e}); AP = {our_stats[0]:.4f}")
        if not same:
            raise SystemExit("the numbers differ")


if __name__ == "__main__":
    main()
