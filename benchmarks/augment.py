"""Augmentation speed: Keras' ImageDataGenerator, albumentations and imgprep_course.augment.

The same settings for all three: rotation up to 30°, shifts up to 10 % of the width and
height, zoom 0.8-1.2 (x and y drawn independently), horizontal flips, fill mode "nearest"
(OpenCV's BORDER_REPLICATE), bilinear interpolation, 224×224×3 images, batches of 32; first
float32 images in and out (all three), then uint8 images in and out (albumentations and
``ImageGenerator(dtype="uint8")``; Keras has no uint8 path). Each library runs in its own
process, one after the other, so that their thread pools do not compete; each is warmed up
with one batch (compilation, imports), then timed on whole batches for ``--seconds``, best
of ``--repeats``. Besides images per second (wall clock, the number the bars are about) it
prints images per CPU-second of the process (all its threads): a machine shared with other
jobs lowers the first much more than the second. It prints the load average too.

Run (keras, jax and albumentations come from ``benchmarks/requirements.txt``)::

    python benchmarks/augment.py

The bars (issues #3 and #14, 2-core reference machine): float32 at least 8x Keras and 2x
albumentations; uint8 at least 1.5x albumentations.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SIZE, BATCH, N_IMAGES = 224, 32, 256
SETTINGS = dict(rotation_range=30, width_shift_range=0.1, height_shift_range=0.1,
                zoom_range=0.2, horizontal_flip=True, fill_mode="nearest")
LIBRARIES = ("keras", "albumentations", "imgprep_course")
#: (dtype, libraries run, {peer: bar})
RUNS = (("float32", LIBRARIES, {"keras": 8.0, "albumentations": 2.0}),
        ("uint8", LIBRARIES[1:], {"albumentations": 1.5}))


def make_images(dtype: str) -> np.ndarray:
    return (np.random.default_rng(0).random((N_IMAGES, SIZE, SIZE, 3)) * 255).astype(dtype)


def keras_batches(x):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras
    from keras.src.legacy.preprocessing.image import ImageDataGenerator
    it = ImageDataGenerator(**SETTINGS).flow(x, batch_size=BATCH, seed=0)
    return (lambda: next(it)), f"keras {keras.__version__} ({keras.backend.backend()})"


def albumentations_batches(x):
    import albumentations as A
    import cv2
    transform = A.Compose([
        A.Affine(rotate=(-30, 30), translate_percent={"x": (-0.1, 0.1), "y": (-0.1, 0.1)},
                 scale={"x": (0.8, 1.2), "y": (0.8, 1.2)}, interpolation=cv2.INTER_LINEAR,
                 border_mode=cv2.BORDER_REPLICATE, p=1.0),
        A.HorizontalFlip(p=0.5),
    ], seed=0)
    order = np.random.default_rng(0)
    state = {"start": 0}

    def batch():
        start = state["start"]
        if start == 0:
            state["perm"] = order.permutation(len(x))
        indices = state["perm"][start:start + BATCH]
        state["start"] = (start + BATCH) % len(x)
        return np.stack([transform(image=x[i])["image"] for i in indices])

    return batch, f"albumentations {A.__version__} (OpenCV {cv2.__version__})"


def ours_batches(x):
    import numba

    from imgprep_course.augment import ImageGenerator
    from imgprep_course.augment._warp import _thread_count, wait_for_kernels
    it = ImageGenerator(**SETTINGS, dtype=x.dtype).flow(x, batch_size=BATCH, seed=0)
    next(it)                # served by numpy while numba compiles the kernel behind it
    wait_for_kernels()      # time the compiled kernel (cold_start.py times the rest)
    return (lambda: next(it)), f"imgprep_course.augment (numba {numba.__version__}, " \
                               f"{_thread_count()} threads)"


def measure(library: str, dtype: str, seconds: float, repeats: int) -> dict:
    """Images per second of one library (run in a child process)."""
    x = make_images(dtype)
    make = {"keras": keras_batches, "albumentations": albumentations_batches,
            "imgprep_course": ours_batches}[library]
    next_batch, label = make(x)
    first = next_batch()                       # warm-up: imports, compilation, caches
    assert first.shape == (BATCH, SIZE, SIZE, 3) and first.dtype == dtype, first.dtype
    best = best_cpu = 0.0
    for _ in range(repeats):
        images, start, start_cpu = 0, time.perf_counter(), time.process_time()
        while True:
            images += len(next_batch())
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and images >= 3 * BATCH:
                break
        best = max(best, images / elapsed)
        best_cpu = max(best_cpu, images / (time.process_time() - start_cpu))
    return {"library": library, "label": label, "images_per_second": best,
            "images_per_cpu_second": best_cpu}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="time each repeat for at least this long (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="best of N (default 3)")
    parser.add_argument("--only", choices=LIBRARIES, help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:                                  # child process: one library
        print(json.dumps(measure(args.only, args.dtype, args.seconds, args.repeats)))
        return 0
    print(f"augmentation of {SIZE}x{SIZE}x3 images, batches of {BATCH}: {json.dumps(SETTINGS)}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for dtype, libraries, bars in RUNS:
        print(f"-- {dtype} in and out")
        rates, cpu_rates = {}, {}
        for library in libraries:
            done = subprocess.run([sys.executable, __file__, "--only", library, "--dtype",
                                   dtype, "--seconds", str(args.seconds), "--repeats",
                                   str(args.repeats)], capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{library:>15}: failed\n{done.stderr.strip()[-2000:]}")
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rates[library] = result["images_per_second"]
            cpu_rates[library] = result["images_per_cpu_second"]
            print(f"{library:>15}: {rates[library]:8,.0f} images/s  "
                  f"({cpu_rates[library]:,.0f} per CPU-second)   {result['label']}")
        if "imgprep_course" not in rates:
            continue
        for peer, bar in bars.items():
            if peer in rates:
                ratio = rates["imgprep_course"] / rates[peer]
                verdict = "meets" if ratio >= bar else "MISSES"
                per_cpu = cpu_rates["imgprep_course"] / cpu_rates[peer]
                print(f"{dtype} imgprep_course / {peer}: {ratio:5.2f}x  ({verdict} the bar "
                      f"of {bar:g}x; {per_cpu:.2f}x per CPU-second)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
