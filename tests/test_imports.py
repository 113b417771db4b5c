"""What importing the library loads: the metrics stay free of image, XML and progress-bar code."""

import json
import os
import subprocess
import sys


def loaded_by(statement: str) -> set[str]:
    """Modules in ``sys.modules`` after running ``statement`` in a fresh interpreter."""
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_metrics_loads_no_pil_tqdm_xml_or_shapes():
    metrics = loaded_by("import imgprep_course.metrics")
    # numba may load xml.dom itself (through coverage, when installed): what it loads
    # alone is not ours
    baseline = loaded_by("import numba, numpy")
    ours = metrics - baseline
    assert "imgprep_course.metrics.coco" in metrics
    for prefix in ("PIL", "tqdm", "xml", "imgprep_course.datasets.shapes",
                   "imgprep_course.datasets.voc", "imgprep_course.datasets.imagenet",
                   "matplotlib", "ipywidgets", "argparse"):
        found = sorted(m for m in ours if m == prefix or m.startswith(prefix + "."))
        assert not found, f"import imgprep_course.metrics loads {found}"


def test_datasets_names_still_resolve_on_first_use():
    statement = ("import imgprep_course.datasets as d; "
                 "assert d.make_shapes.__module__.startswith('imgprep_course.datasets.shapes'); "
                 "assert d.masks.__name__ == 'imgprep_course.datasets.masks'; "
                 "assert set(d.__all__) <= set(dir(d))")
    assert any(m.startswith("imgprep_course.datasets.shapes") for m in loaded_by(statement))


def test_box_evaluation_loads_no_numba():
    # numba's import alone takes a good part of a second: a COCO box evaluation (and
    # the coco-eval CLI on boxes) is plain numpy and must not pay it
    statement = ("import imgprep_course.metrics as m; "
                 "m.evaluate_coco_arrays([[0, 0, 2, 2]], [.9], [1], [0], [[0, 0, 2, 2]], "
                 "[1], [0]); m.box_iou([[0, 0, 1, 1]], [[0, 0, 2, 2]])")
    loaded = loaded_by(statement)
    assert "imgprep_course.metrics._coco_core" in loaded
    assert not {m for m in loaded if m == "numba" or m.startswith("numba.")}


def test_numba_cache_switch():
    # one switch turns the on-disk cache of every kernel off (the grader uses it)
    code = ("import imgprep_course.datasets._rle as k, imgprep_course.datasets._rle_ops as o; "
            "print(type(k._parse_strings._cache).__name__, type(o._pair_ious_into._cache).__name__)")
    names = {}
    for value in ("0", "1"):
        env = dict(os.environ, IMGPREP_COURSE_NUMBA_CACHE=value)
        names[value] = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, check=True, env=env).stdout.split()
    assert names["0"] == ["NullCache", "NullCache"]
    assert names["1"] == ["FunctionCache", "FunctionCache"]


def test_the_exercise_engine_has_no_import_cycle():
    # module-level imports between the exercises' modules form no cycle (the results and
    # their rendering need not import the engine that produces them)
    import ast
    from pathlib import Path

    import imgprep_course.exercises as package

    folder = Path(package.__file__).parent
    edges = {}
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        edges[path.stem] = {alias.split(".")[-1] for node in tree.body
                            if isinstance(node, ast.ImportFrom) and node.module
                            and node.module.startswith("imgprep_course.exercises")
                            for alias in [node.module]}
    seen, stack = set(), []

    def visit(module):
        assert module not in stack, f"import cycle: {' -> '.join(stack + [module])}"
        if module in seen:
            return
        stack.append(module)
        for target in edges.get(module, ()):
            if target != "exercises":
                visit(target)
        stack.pop()
        seen.add(module)

    for module in edges:
        visit(module)
    assert "_core" not in edges["_notebook"] and "_core" not in edges["_feedback"]


def test_a_lazy_module_first_used_by_several_threads_at_once_is_whole_in_each():
    # the warp compiles its kernels in background threads: each must see the whole module
    code = """
import threading
from imgprep_course._jit import lazy_module
kernels = lazy_module("imgprep_course.augment._warp_kernel")
barrier, seen = threading.Barrier(8), []
def use():
    barrier.wait()
    seen.append(callable(kernels.warp_rows))
threads = [threading.Thread(target=use) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(seen.count(True))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["8"]


def test_numba_and_kernel_modules_are_imported_one_thread_at_a_time():
    # numba's modules import each other in cycles: two threads importing at once can be
    # handed a half-executed module. Every import of numba or of a kernel module waits
    # for _IMPORT_LOCK: while this test holds it, a thread's first use must wait.
    code = """
import threading, time
from imgprep_course import _jit
statistics = _jit.lazy_module("statistics")
done = []
with _jit._IMPORT_LOCK:
    users = [threading.Thread(target=lambda: done.append(statistics.mean([1, 3]))),
             threading.Thread(target=lambda: done.append(_jit.import_numba().__name__))]
    for user in users:
        user.start()
    time.sleep(0.5)
    print("while held:", sorted(map(str, done)))
for user in users:
    user.join()
print("after:", sorted(map(str, done)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["while held: []", "after: ['2', 'numba']"]


def test_a_mask_kernel_loads_no_scipy_linalg_and_numba_linear_algebra_still_works():
    # numba's array functions ask for scipy's BLAS when they are imported (0.2-0.3 s of
    # scipy.linalg); the library answers for them, and leaves np.dot asking for itself
    statement = ("import sys, numpy as np; from imgprep_course import _jit; "
                 "from imgprep_course.datasets import _rle_ops; "
                 "_rle_ops.polygon_runs(np.array([[0., 0], [4, 0], [0, 3]]), [0, 3], 4, 5); "
                 "assert 'scipy.linalg' not in sys.modules, 'scipy.linalg loaded'; "
                 "import numba; from numba.np import arraymath, linalg; "
                 "assert arraymath.ensure_blas is linalg.ensure_blas is not _jit._no_blas; "
                 "dot = numba.njit(lambda a: a @ a); assert dot(np.eye(2))[1, 1] == 1; "
                 "assert 'scipy.linalg' in sys.modules; "
                 "conv = numba.njit(lambda a: np.convolve(a, a)); "
                 "assert conv(np.ones(3)).tolist() == [1, 2, 3, 2, 1]")
    loaded = loaded_by(statement)
    assert "numba.np.arraymath" in loaded
