"""The shapes generator, and the COCO index against pycocotools on its output.

One run, same files for both libraries::

    python benchmarks/datasets.py [--images 500] [--repeat 3]

1. ``make_shapes``: seconds and images/s to write the whole dataset (COCO, VOC and
   ImageNet layouts, JPEG and PNG encoding included). No peer generates this set; the
   number is there to keep "in seconds" honest.
2. ``load``: ``COCO(instances.json)`` -- JSON parsing plus indexing, and for ours the
   validation of every image, category and annotation.
3. ``annToMask``: the mask of every annotation (polygons rasterised and merged, crowd
   RLEs compressed and decoded). The script checks that every mask is equal first.

Each step is timed as the best of ``--repeat`` runs; ours is warmed up first, so numba's
one-off loading of its compiled kernels is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO as PyCOCO

from imgprep_course.datasets import COCO, make_shapes


def quiet_pycocotools(path: Path) -> PyCOCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return PyCOCO(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        make_shapes(Path(folder) / "warm-up", images=2, quiet=True)
        start = time.perf_counter()
        root = make_shapes(Path(folder) / "shapes", images=args.images, seed=0, quiet=True)
        seconds = time.perf_counter() - start
        print(f"make_shapes: {args.images} images in {seconds:.2f} s "
              f"({args.images / seconds:.0f} images/s)")

        path = root / "coco" / "instances.json"
        peer, ours = quiet_pycocotools(path), COCO(path)
        anns = list(peer.anns.values())
        for ann in anns:
            if not np.array_equal(peer.annToMask(ann), ours.annToMask(ours.anns[ann["id"]])):
                raise SystemExit(f"masks differ for annotation {ann['id']}")
        print(f"{len(anns)} annotations ({sum(a['iscrowd'] for a in anns)} crowd), "
              f"every mask equal")

        rows = [
            ("load", lambda: quiet_pycocotools(path), lambda: COCO(path)),
            ("annToMask, all", lambda: [peer.annToMask(a) for a in anns],
             lambda: [ours.annToMask(a) for a in anns]),
        ]
        print(f"{'step':<16}{'pycocotools s':>15}{'ours s':>10}{'ours/peer':>11}"
              f"{'peer ann/s':>12}{'ours ann/s':>12}")
        for name, run_peer, run_ours in rows:
            peer_s = min(timeit.repeat(run_peer, number=1, repeat=args.repeat))
            ours_s = min(timeit.repeat(run_ours, number=1, repeat=args.repeat))
            print(f"{name:<16}{peer_s:>15.3f}{ours_s:>10.3f}{ours_s / peer_s:>11.2f}"
                  f"{len(anns) / peer_s:>12.0f}{len(anns) / ours_s:>12.0f}")


if __name__ == "__main__":
    main()
