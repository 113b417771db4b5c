"""numba's on-disk cache, kept honest: kernels compiled from older imports are dropped;
numba's one-time set-up, safe beside a thread that changes builtins."""

from __future__ import annotations

import builtins
import threading
import time

from imgprep_course import _jit

MODULE = "imgprep_course.datasets._rle_ops"


def cache_files(folder, stem: str) -> list:
    return [folder / f"{stem}.pair_ious-205.{_jit._VERSION}.nbi",
            folder / f"{stem}.pair_ious-205.{_jit._VERSION}.1.nbc"]


def test_a_kernel_module_is_digested_with_what_it_compiles_in():
    names = [p.name for p in _jit._library_imports(_jit._source(MODULE))]
    # _rle_ops calls _rle's parser, which reads _rle_numpy's error codes (and shares its
    # calls out with _threads: imported, so digested too)
    assert names == ["_jit.py", "_threads.py", "_rle.py", "_rle_numpy.py", "_rle_ops.py"]
    names = [p.name for p in _jit._library_imports(_jit._source(
        "imgprep_course.augment._warp_kernel"))]
    assert names == ["_jit.py", "_warp_kernel.py", "_warp_modes.py"]


def test_cached_kernels_go_when_an_imported_module_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    folder = _jit._cache_folder(_jit._source(MODULE))
    folder.mkdir(parents=True)
    ours, others = cache_files(folder, "_rle_ops"), cache_files(folder, "_rle")

    def write(files):
        for path in files:
            path.write_bytes(b"compiled")

    write(ours + others)
    _jit.forget_stale_kernels(MODULE)   # no digest yet: written from unknown sources
    assert not any(path.exists() for path in ours)
    assert all(path.exists() for path in others)   # another module's are its own affair
    write(ours)                          # numba compiles and writes them again
    _jit.forget_stale_kernels(MODULE)   # the same sources: kept
    assert all(path.exists() for path in ours)

    changed = tmp_path / "_rle.py"       # an imported module, edited
    changed.write_text("# another version\n")
    real = _jit._library_imports
    monkeypatch.setattr(_jit, "_library_imports", lambda source: [*real(source), changed])
    _jit.forget_stale_kernels(MODULE)
    assert not any(path.exists() for path in ours)


def test_nothing_is_touched_without_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(_jit.CACHE_VARIABLE, "0")
    folder = _jit._cache_folder(_jit._source(MODULE))
    folder.mkdir(parents=True)
    files = cache_files(folder, "_rle_ops")
    for path in files:
        path.write_bytes(b"compiled")
    _jit.forget_stale_kernels(MODULE)
    assert all(path.exists() for path in files)
    assert not list(folder.glob("*.sha1"))


def test_numba_set_up_survives_a_thread_changing_builtins():
    # IPython adds and removes builtins at every cell's start and end, while the warp's
    # background thread may be declaring its first kernel (a CI failure in lesson 02)
    from numba.core import base

    stop = threading.Event()

    def churn():   # what IPython's BuiltinTrap does, as fast as it can
        while not stop.is_set():
            builtins.__dict__["imgprep_test_churn"] = True
            time.sleep(0)
            del builtins.__dict__["imgprep_test_churn"]
            time.sleep(0)

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        for _ in range(30):
            base._load_global_helpers._ran = False   # as in a fresh process
            _jit._load_numba_helpers()
            assert base._load_global_helpers._ran
    finally:
        stop.set()
        thread.join()
    assert "imgprep_test_churn" not in builtins.__dict__
