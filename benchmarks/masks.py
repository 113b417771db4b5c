"""Encode + decode speed of ``imgprep_course.datasets.masks`` against ``pycocotools.mask``.

Both libraries run on the same few hundred 480x640 blobby masks (smooth random fields,
thresholded: the kind of mask a segmentation model or a COCO annotation gives), in one
run, and the script checks that they agree before it times anything::

    python benchmarks/masks.py [--masks 300] [--repeat 5]

Three ways of calling, each timed as the best CPU time of ``--repeat`` runs:

``per mask, C order``
    a loop over ``(H, W)`` uint8 arrays as numpy makes them (row-major); pycocotools
    needs ``np.asfortranarray`` first, which is part of its cost.
``per mask, F order``
    the same loop over column-major copies, which pycocotools takes as they are.
``stack``
    one ``(H, W, N)`` Fortran-ordered array encoded in one call, the list decoded
    in one call.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from pycocotools import mask as coco

from imgprep_course.datasets import masks


def blobby_masks(n: int, height: int = 480, width: int = 640, seed: int = 0) -> np.ndarray:
    """``(n, height, width)`` uint8 masks: coarse noise, bilinearly upsampled, thresholded."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, height, width), np.uint8)
    rows = np.linspace(0, 11, height)
    cols = np.linspace(0, 15, width)
    for i in range(n):
        coarse = rng.standard_normal((12, 16))
        by_row = np.array([np.interp(rows, np.arange(12), coarse[:, j]) for j in range(16)]).T
        field = np.array([np.interp(cols, np.arange(16), row) for row in by_row])
        out[i] = field > np.quantile(field, rng.uniform(0.6, 0.95))
    return out


def best_time(function, repeat: int) -> float:
    """Best CPU time of ``repeat`` runs: both sides run on one thread, and CPU time
    does not count the moments another process holds the (shared) core."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", type=int, default=300, help="number of masks")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing")
    args = parser.parse_args()

    c_order = list(blobby_masks(args.masks))
    f_order = [np.asfortranarray(m) for m in c_order]
    stack = np.asfortranarray(np.stack(c_order, axis=2))

    # Same answers first (and the numba kernels compiled or loaded from cache).
    ours = masks.encode(stack)
    theirs = coco.encode(stack)
    assert ours == theirs, "counts strings differ"
    assert np.array_equal(masks.decode(ours), coco.decode(theirs)), "decoded masks differ"
    assert [masks.encode(m) for m in c_order[:5]] == theirs[:5]
    mean_chars = np.mean([len(r["counts"]) for r in ours])
    mean_area = np.mean(masks.area(ours)) / (480 * 640)

    def loop(encode, decode, arrays):
        return lambda: [decode(encode(m)) for m in arrays]

    cases = [
        ("per mask, C order",
         loop(lambda m: coco.encode(np.asfortranarray(m)), coco.decode, c_order),
         loop(masks.encode, masks.decode, c_order)),
        ("per mask, F order",
         loop(coco.encode, coco.decode, f_order),
         loop(masks.encode, masks.decode, f_order)),
        ("stack",
         lambda: coco.decode(coco.encode(stack)),
         lambda: masks.decode(masks.encode(stack))),
    ]
    print(f"{args.masks} masks of 480x640, {mean_area:.0%} foreground on average, "
          f"{mean_chars:.0f} counts characters each; encode + decode, best CPU time of "
          f"{args.repeat}")
    print(f"{'calls':<20}{'pycocotools':>16}{'imgprep_course':>18}{'ratio':>8}")
    for name, peer, own in cases:
        peer_rate = args.masks / best_time(peer, args.repeat)
        own_rate = args.masks / best_time(own, args.repeat)
        print(f"{name:<20}{peer_rate:>11.0f} m/s{own_rate:>13.0f} m/s"
              f"{own_rate / peer_rate:>7.2f}x")

    # The operations the COCO evaluator leans on, on RLEs with str counts (as read
    # from JSON), for information: the bar above is encode + decode. At most 255
    # RLEs: pycocotools' area() overflows a uint8 on more under numpy 2.
    rles = [{"size": r["size"], "counts": r["counts"].decode()} for r in ours[:250]]
    dt, gt, crowd = rles[:100], rles[-100:], [0] * 100
    others = [
        ("area", lambda: coco.area(rles), lambda: masks.area(rles)),
        ("toBbox / to_bbox", lambda: coco.toBbox(rles), lambda: masks.to_bbox(rles)),
        ("merge", lambda: coco.merge(rles)["counts"], lambda: masks.merge(rles)["counts"]),
        ("iou 100 x 100", lambda: coco.iou(dt, gt, crowd), lambda: masks.iou(dt, gt, crowd)),
    ]
    print(f"\n{'250 RLEs, one call':<20}{'pycocotools':>16}{'imgprep_course':>18}"
          f"{'ratio':>8}")
    for name, peer, own in others:
        assert np.array_equal(peer(), own()), f"{name} differs"
        peer_time = best_time(peer, args.repeat)
        own_time = best_time(own, args.repeat)
        print(f"{name:<20}{peer_time * 1e3:>13.2f} ms{own_time * 1e3:>15.2f} ms"
              f"{peer_time / own_time:>7.2f}x")


if __name__ == "__main__":
    main()
