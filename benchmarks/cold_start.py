"""Cold start: the first result of a fresh process with empty compilation caches.

Each measurement is a new Python process with ``NUMBA_CACHE_DIR`` pointing at a new,
empty folder (so every numba kernel it needs is compiled, as on a fresh install), timed
two ways: from process start (what a user waits for after ``python script.py`` or a new
kernel) and from after the imports (what the first call costs), in wall-clock seconds and
in CPU seconds of the process (which a busy machine inflates much less). A second process on the
same, now filled, cache shows the warm figure. Peers run the same work in their own fresh
processes and are printed beside.

Sections (``--only NAME`` runs one):

``augment``
    The first batch of ``ImageGenerator.flow`` (32 images of 224x224x3 uint8, rotation,
    shifts, zoom, flips; float32 out, as lesson 02's first generator cell) against
    albumentations and Keras' ``ImageDataGenerator`` on the same settings. The bar (issue
    #14): at most 2 s.

Run on a machine with little else running (``uptime``)::

    python benchmarks/cold_start.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

#: The child's code: imports, then the first batch; prints its own timings as JSON.
AUGMENT_CHILD = {
    "imgprep_course": """
import time
start, start_cpu = time.perf_counter(), time.process_time()
import numpy as np
from imgprep_course.augment import ImageGenerator
imported, imported_cpu = time.perf_counter(), time.process_time()
x = np.random.default_rng(0).integers(0, 256, (32, 224, 224, 3), dtype=np.uint8)
gen = ImageGenerator(rotation_range=30, width_shift_range=0.1, height_shift_range=0.1,
                     zoom_range=0.2, horizontal_flip=True)
batch = next(gen.flow(x, batch_size=32, seed=0))
""",
    "albumentations": """
import time
start, start_cpu = time.perf_counter(), time.process_time()
import numpy as np
import albumentations as A
import cv2
imported, imported_cpu = time.perf_counter(), time.process_time()
x = np.random.default_rng(0).integers(0, 256, (32, 224, 224, 3), dtype=np.uint8)
t = A.Compose([A.Affine(rotate=(-30, 30), translate_percent={"x": (-0.1, 0.1),
                                                             "y": (-0.1, 0.1)},
                        scale={"x": (0.8, 1.2), "y": (0.8, 1.2)},
                        interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_REPLICATE,
                        p=1.0), A.HorizontalFlip(p=0.5)], seed=0)
batch = np.stack([t(image=image.astype(np.float32))["image"] for image in x])
""",
    "keras": """
import os, time
os.environ.setdefault("KERAS_BACKEND", "numpy")
start, start_cpu = time.perf_counter(), time.process_time()
import numpy as np
from keras.src.legacy.preprocessing.image import ImageDataGenerator
imported, imported_cpu = time.perf_counter(), time.process_time()
x = np.random.default_rng(0).integers(0, 256, (32, 224, 224, 3), dtype=np.uint8)
gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.1, height_shift_range=0.1,
                         zoom_range=0.2, horizontal_flip=True)
batch = next(gen.flow(x, batch_size=32, seed=0))
""",
}
_REPORT = """
import json
done, done_cpu = time.perf_counter(), time.process_time()
assert batch.shape == (32, 224, 224, 3), batch.shape
print(json.dumps({"imports": imported - start, "first_batch": done - imported,
                  "imports_cpu": imported_cpu - start_cpu,
                  "first_batch_cpu": done_cpu - imported_cpu}))
"""


def run_child(code: str, cache_dir: str) -> dict:
    """Run ``code`` in a fresh interpreter; return its timings plus the process's wall time."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    start, start_cpu = time.perf_counter(), time.process_time()
    done = subprocess.run([sys.executable, "-c", code + _REPORT], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = wall
    return result


def augment(repeats: int) -> None:
    """Cold (and warm) first batch of each library; best of ``repeats`` cold runs."""
    print("augment: first batch of 32 images 224x224x3 (uint8 in, float32 out)")
    for library, code in AUGMENT_CHILD.items():
        try:
            colds = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory(prefix="cold-numba-") as cache:
                    colds.append(run_child(code, cache))
                    warm = run_child(code, cache)
        except RuntimeError as error:
            print(f"{library:>15}: failed\n{error}")
            continue
        cold = min(colds, key=lambda r: r["process"])
        print(f"{library:>15}: cold {cold['process']:5.2f} s from process start "
              f"({cold['imports']:.2f} s imports + {cold['first_batch']:.2f} s first batch; "
              f"CPU {cold['imports_cpu']:.2f} + {cold['first_batch_cpu']:.2f} s); warm cache "
              f"{warm['process']:5.2f} s ({warm['first_batch']:.2f} s first batch, CPU "
              f"{warm['first_batch_cpu']:.2f} s)")
        if library == "imgprep_course":
            verdict = "meets" if cold["first_batch"] <= 2.0 else "MISSES"
            verdict_start = "meets" if cold["process"] <= 2.0 else "MISSES"
            print(f"{'':>17}bar <= 2 s: first batch after imports {verdict}; from process "
                  f"start {verdict_start}")


SECTIONS = {"augment": augment}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--repeats", type=int, default=2,
                        help="cold runs per library, best kept (default 2)")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, section in SECTIONS.items():
        if args.only in (None, name):
            section(args.repeats)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
