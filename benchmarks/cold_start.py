"""Cold start: the first call on a fresh machine, when numba has compiled nothing yet.

Every measurement runs in a fresh process whose ``NUMBA_CACHE_DIR`` is a new, empty
folder (numba then neither reads nor finds any compiled kernel), beside the peer's
figure for the same job in a fresh process::

    python benchmarks/cold_start.py [--skip-lessons] [--lessons 01_rescaling ...]

- ``coco-eval`` on the shapes set (``python -m imgprep_course make-shapes``, 200
  images, with detections of :func:`imgprep_course.metrics.simulate_detector`), from
  process start to the 12 numbers, ``bbox`` and ``segm``; beside it pycocotools and
  faster-coco-eval, fresh processes too. The bar: at most 1.5 s.
- Run All of each solution notebook (``solutions/*.ipynb``) in a fresh kernel, timed
  with nbclient from kernel start to the last cell. The bar: at most 15 s each.

Measure when the machine is quiet: the script prints the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from coco_eval import PEER_SCRIPT, PEERS  # noqa: E402  (the peers, run as there)

COCO_BAR, LESSON_BAR = 1.5, 15.0


def cold_env(folder: Path) -> dict:
    """The environment with a new, empty numba cache folder under ``folder``."""
    cache = Path(tempfile.mkdtemp(prefix="numba_cache_", dir=folder))
    return dict(os.environ, NUMBA_CACHE_DIR=str(cache))


def timed(command: list, env: dict) -> float:
    """Seconds from process start to exit (the command must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    return seconds


def shapes_set(folder: Path) -> tuple[Path, Path]:
    """The shapes set's instances file and a results file of simulated detections."""
    from imgprep_course.datasets import make_shapes
    from imgprep_course.metrics import simulate_detector

    root = make_shapes(folder / "shapes", quiet=True)
    instances = root / "coco" / "instances.json"
    annotations = json.loads(instances.read_text())["annotations"]
    boxes, scores, labels, images = simulate_detector(
        [a["bbox"] for a in annotations], [a["category_id"] for a in annotations],
        [a["image_id"] for a in annotations], noise=0.1, seed=0, fmt="xywh")
    results = [{"image_id": int(i), "category_id": int(c), "bbox": b, "score": float(s)}
               for b, s, c, i in zip(boxes.round(2).tolist(), scores, labels, images)]
    path = folder / "detections.json"
    path.write_text(json.dumps(results))
    return instances, path


def coco_eval_cold(folder: Path) -> list[str]:
    """Time every tool's fresh process on the shapes set; return the missed bars."""
    instances, results = shapes_set(folder)
    missed = []
    print(f"coco-eval on the shapes set ({instances}), fresh process, empty numba cache")
    for iou_type in ("bbox", "segm"):
        ours = timed([sys.executable, "-m", "imgprep_course", "coco-eval", str(instances),
                      str(results), "--iou-type", iou_type], cold_env(folder))
        peers = {peer: timed([sys.executable, "-c", PEER_SCRIPT.format(**names),
                              str(instances), str(results), iou_type], dict(os.environ))
                 for peer, names in PEERS.items()}
        verdict = "meets" if ours <= COCO_BAR else "MISSES"
        if ours > COCO_BAR:
            missed.append(f"coco-eval {iou_type}")
        print(f"  {iou_type}: imgprep_course {ours:5.2f} s ({verdict} the bar of "
              f"{COCO_BAR} s); " + ", ".join(f"{peer} {s:5.2f} s" for peer, s in
                                             peers.items()))
    return missed


def lessons_cold(folder: Path, names: list[str]) -> list[str]:
    """Run All of each solution notebook in a fresh kernel; return the missed bars."""
    import nbformat
    from nbclient import NotebookClient

    missed = []
    print("Run All of each solution notebook, fresh kernel, empty numba cache")
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        if names and path.stem not in names:
            continue
        notebook = nbformat.read(path, as_version=4)
        saved = dict(os.environ)
        os.environ.update(cold_env(folder))  # the kernel inherits this environment
        try:
            client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            start = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - start
        finally:
            os.environ.clear()
            os.environ.update(saved)
        verdict = "meets" if seconds <= LESSON_BAR else "MISSES"
        if seconds > LESSON_BAR:
            missed.append(path.stem)
        print(f"  {path.stem:<18}{seconds:7.1f} s ({verdict} the bar of {LESSON_BAR:.0f} s)")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-lessons", action="store_true", help="only coco-eval")
    parser.add_argument("--lessons", nargs="*", default=[],
                        help="solution notebooks to run, by name (default: all)")
    args = parser.parse_args()
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="cold_start_") as name:
        folder = Path(name)
        missed = coco_eval_cold(folder)
        if not args.skip_lessons:
            missed += lessons_cold(folder, args.lessons)
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("all bars met" if not missed else f"bars missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
