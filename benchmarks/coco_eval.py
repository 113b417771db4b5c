"""COCO evaluation, whole processes: pycocotools, faster-coco-eval and ``coco-eval``.

A synthetic set is generated deterministically and written to JSON files: ``--images``
images (640 x 480) with 7 ground truths and 20 detections each, in 10 categories, with
crowd regions (5 %) and objects of every size (small, medium, large). Detections are
jittered copies of the ground truths (some with the wrong category) plus random boxes,
with scores rounded to two decimals so that ties occur. For ``segm`` the ground truths
are 16-gon ellipse polygons (crowds: uncompressed RLEs) and the detections compressed
RLEs.

Each tool runs as a user runs it, in a fresh process, from process start to the 12
numbers: for the peers, ``COCO(gt_file)``, ``loadRes(dt_file)``, ``evaluate``,
``accumulate``, ``summarize``; for us ``python -m imgprep_course coco-eval GT DT``. The
script checks that all three give the same 12 numbers, then prints the best wall-clock
time of ``--repeat`` runs (the tools take turns, so a burst of load on the shared
machine hits all of them, and each turn starts with the next tool, so that none always
runs straight after the same one), the CPU time of that run, and the ratios::

    python benchmarks/coco_eval.py [--images 5000] [--iou-type bbox segm] [--repeat 3]

Numba's on-disk cache is warm (one run first fills it); ``benchmarks/cold_start.py``
measures the first run on a fresh machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from imgprep_course.datasets import masks

HEIGHT, WIDTH = 480, 640

#: The bars of issue 14: (peer, iou type) -> how many times faster we must be.
BARS = {("faster-coco-eval", "bbox"): 3, ("pycocotools", "bbox"): 20,
        ("faster-coco-eval", "segm"): 2, ("pycocotools", "segm"): 10}

#: What a user of each peer runs; the 12 numbers then go out as JSON on the last line.
PEER_SCRIPT = """
import json, sys
from {coco} import COCO
from {module} import {evaluator}
ground_truth, results, iou_type = sys.argv[1:4]
coco_gt = COCO(ground_truth)
evaluator = {evaluator}(coco_gt, coco_gt.loadRes(results), iou_type)
evaluator.evaluate()
evaluator.accumulate()
evaluator.summarize()
print(json.dumps([float(x) for x in evaluator.stats[:12]]))
"""
PEERS = {"pycocotools": dict(coco="pycocotools.coco", module="pycocotools.cocoeval",
                             evaluator="COCOeval"),
         "faster-coco-eval": dict(coco="faster_coco_eval", module="faster_coco_eval",
                                  evaluator="COCOeval_faster")}
OURS = "imgprep_course"


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


def commands(ground_truth: Path, results: Path, iou_type: str) -> dict:
    """The command line of each tool (ours prints the 12-line summary, as users see it)."""
    out = {peer: [sys.executable, "-c", PEER_SCRIPT.format(**names), str(ground_truth),
                  str(results), iou_type] for peer, names in PEERS.items()}
    out[OURS] = [sys.executable, "-m", "imgprep_course", "coco-eval", str(ground_truth),
                 str(results), "--iou-type", iou_type]
    return out


#: Every tool's environment: Python may write bytecode (``PYTHONDONTWRITEBYTECODE`` unset),
#: as for a user, so that no tool recompiles its modules in every process (pip wrote the
#: peers' bytecode when it installed them; ours is written by the first, untimed run).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds of one process, from start to exit, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=ENVIRONMENT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def twelve_numbers(tool: str, command: list) -> np.ndarray:
    """The 12 numbers, full precision: the peers' JSON line, our ``--json``."""
    if tool == OURS:
        return np.array(json.loads(run(command + ["--json"])[2])["stats"])
    return np.array(json.loads(run(command)[2].strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000, help="number of images")
    parser.add_argument("--iou-type", nargs="+", default=["bbox", "segm"],
                        choices=["bbox", "segm"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, numba "
          f"{version('numba')}, pycocotools {version('pycocotools')}, faster-coco-eval "
          f"{version('faster-coco-eval')}; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="coco_eval_bench_"))
    failed = []
    for iou_type in args.iou_type:
        gt, results = synthetic_set(args.images, iou_type)
        ground_truth, result_file = folder / f"gt_{iou_type}.json", folder / f"dt_{iou_type}.json"
        ground_truth.write_text(json.dumps(gt))
        result_file.write_text(json.dumps(results))
        tools = commands(ground_truth, result_file, iou_type)
        numbers = {tool: twelve_numbers(tool, command) for tool, command in tools.items()}
        best = {tool: (np.inf, np.inf) for tool in tools}
        names = list(tools)
        for turn in range(args.repeat):
            for tool in names[turn % len(names):] + names[:turn % len(names)]:
                wall, cpu, _ = run(tools[tool])
                best[tool] = min(best[tool], (wall, cpu))
        print(f"\n{iou_type}: {args.images} images, {len(gt['annotations'])} ground truths, "
              f"{len(results)} detections, 10 categories; best of {args.repeat} whole "
              f"processes (load average now {os.getloadavg()[0]:.2f})")
        ours = best[OURS][0]
        for tool, (wall, cpu) in best.items():
            same = np.array_equal(numbers[tool], numbers["pycocotools"])
            line = f"  {tool:<17}{wall:8.2f} s  ({cpu:6.2f} s CPU)"
            if tool != OURS:
                ratio, bar = wall / ours, BARS[tool, iou_type]
                verdict = "meets" if ratio >= bar else "MISSES"
                if ratio < bar:
                    failed.append(f"{iou_type} vs {tool}")
                line += f"   ours {ratio:5.1f}x faster ({verdict} the bar of {bar}x)"
            print(line + ("" if same else "   12 numbers DIFFER from pycocotools'"))
        if not np.array_equal(numbers[OURS], numbers["pycocotools"]):
            raise SystemExit("our 12 numbers differ from pycocotools'")
        print(f"  12 numbers identical to pycocotools': AP = {numbers[OURS][0]:.4f}")
    print("\nall bars met" if not failed else f"\nbars missed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
