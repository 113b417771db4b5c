"""The warp's two loops, numba's and numpy's, give the same bits on random cases.

The numpy loop serves the calls made while the kernel compiles, so every result must be
the same whichever loop made it: same float64 operations in the same order (neither is
allowed to fuse or reorder), same border rules, same rounding to the output dtype.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course.augment import _warp, _warp_kernel, _warp_numpy, affine_matrix
from imgprep_course.augment._warp_modes import FILL_MODES


@pytest.fixture(autouse=True)
def kernel_module_loaded():
    """Let a background compilation started by an earlier test finish first: it loads the
    lazily imported kernel module, which Python 3.11 does not guard against a second
    thread."""
    assert _warp.wait_for_kernels()


def test_importing_the_library_does_not_import_numba():
    code = "import sys, imgprep_course.augment; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


@st.composite
def warp_cases(draw):
    dtype = draw(st.sampled_from(["float32", "float64", "uint8"]))
    n = draw(st.integers(1, 3))
    h, w, c = draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    images = rng.random((n, h, w, c)) * 300 - 20
    images = images.round().clip(0, 255) if dtype == "uint8" else images
    # whole-pixel shifts, right angles and plain zooms put coordinates exactly on pixels
    # and on the image's edges, where a border decision could go either way
    exact = draw(st.booleans())
    matrices = []
    for _ in range(n):
        theta = draw(st.sampled_from([0, 90, 180, -90])) if exact \
            else draw(st.floats(-180, 180))
        shift = st.integers(-15, 15) if exact else st.floats(-15, 15)
        zoom = st.sampled_from([0.5, 1, 2]) if exact else st.floats(0.3, 3)
        matrices.append(affine_matrix(
            (h, w), theta=theta, tx=draw(shift), ty=draw(shift),
            shear=0 if exact else draw(st.floats(-40, 40)), zx=draw(zoom), zy=draw(zoom),
            flip_horizontal=draw(st.booleans()), flip_vertical=draw(st.booleans())))
    order = draw(st.sampled_from([0, 1]))
    mode = draw(st.sampled_from(range(len(FILL_MODES))))
    cval = draw(st.floats(-300, 300))
    return images.astype(dtype), np.stack(matrices), order, mode, cval


@settings(max_examples=300, deadline=None)
@given(warp_cases())
def test_numpy_loop_equals_the_kernel_bit_for_bit(case):
    images, matrices, order, mode, cval = case
    n, h, w, c = images.shape
    coefficients = np.stack([_warp.pull_rows_cols(m).reshape(6) for m in matrices])
    index = np.arange(n)[::-1].copy()            # each output from another source image
    outs = []
    for loop in (_warp_kernel.warp_rows, _warp_numpy.warp_rows):
        out = np.full_like(images, 7)
        loop(images.reshape(-1), index, coefficients, out.reshape(-1), h, w, c, order, mode,
             float(cval), images.dtype == np.uint8, 0, n * h)
        outs.append(out)
    np.testing.assert_array_equal(outs[0].view(np.uint8), outs[1].view(np.uint8))


def test_numpy_loop_serves_a_part_of_the_rows():
    """``first, stop`` pick rows as in the kernel; the other rows are left alone."""
    images = np.random.default_rng(1).random((2, 9, 7, 3)).astype(np.float32)
    coefficients = np.stack([_warp.pull_rows_cols(affine_matrix((9, 7), theta=t)).reshape(6)
                             for t in (20, -35)])
    outs = []
    for loop in (_warp_kernel.warp_rows, _warp_numpy.warp_rows):
        out = np.zeros_like(images)
        loop(images.reshape(-1), np.arange(2), coefficients, out.reshape(-1), 9, 7, 3, 1, 1,
             0.0, False, 5, 13)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not outs[1][0, :5].any() and not outs[1][1, 4:].any() and outs[1][0, 5:].any()


def test_a_forked_child_keeps_numpy_for_a_kernel_compiling_at_the_fork(monkeypatch):
    """The compiling thread does not exist in a forked child; the child must not wait for
    it, nor compile (numba's lock may be held): it stays with the numpy loop."""
    key = ("<f4", "fake")
    state = dict(_warp._COMPILING, pid=-1, threads={key: None}, numpy_only=set(),
                 ready=set(_warp._COMPILING["ready"]))
    monkeypatch.setattr(_warp, "_COMPILING", state)
    monkeypatch.setattr(_warp, "_type_key", lambda args: key)
    assert _warp._compiled_kernel(()) is None
    assert key in state["numpy_only"] and state["threads"] == {}
    _warp._compile_in_background(key)            # refuses: no thread is started
    assert state["threads"] == {}


@pytest.fixture
def fresh_compilation(monkeypatch):
    """The warp's compilation state as in a new process, with numba's cache holding the
    kernel or not (``cached(flag)``); returns the state and the keys whose compilation
    was started (recorded, never run)."""
    state = dict(_warp._COMPILING, pid=os.getpid(), ready=set(), threads={},
                 numpy_only=set(), spent={}, pending={})
    started = []
    monkeypatch.setattr(_warp, "_COMPILING", state)
    monkeypatch.setattr(_warp, "_compile_in_background", started.append)

    def cached(flag: bool):
        monkeypatch.setattr(_warp, "in_numba_cache", lambda module, function: flag)
        return state, started
    return cached


def test_the_kernel_is_compiled_once_the_numpy_loop_has_spent_its_budget(fresh_compilation):
    """Small warps stay with numpy (no compiler beside the notebook) until they have cost
    NUMPY_SECONDS of CPU; then a thread compiles the kernel."""
    state, started = fresh_compilation(False)
    images = np.random.default_rng(2).random((2, 9, 7, 3)).astype(np.float32)
    matrices = [affine_matrix((9, 7), theta=30)] * 2
    expected = _warp.warp_batch(images, matrices)
    key = next(iter(state["pending"]))
    assert started == [] and 0 < state["spent"][key] < _warp.NUMPY_SECONDS
    state["spent"][key] = _warp.NUMPY_SECONDS      # as if the loop had spent its budget
    np.testing.assert_array_equal(_warp.warp_batch(images, matrices), expected)
    assert started == [key]


def test_a_kernel_in_numbas_cache_is_loaded_after_the_first_numpy_call(fresh_compilation):
    state, started = fresh_compilation(True)
    _warp.warp_batch(np.zeros((1, 5, 5, 1)), [affine_matrix((5, 5), theta=10)])
    assert started == list(state["pending"]) and len(started) == 1


def test_wait_for_kernels_compiles_whatever_numpy_served(fresh_compilation):
    """For code that must time or check the kernel: nothing waits for a budget."""
    state, started = fresh_compilation(False)
    _warp.warp_batch(np.zeros((1, 5, 5, 1)), [affine_matrix((5, 5), theta=10)])
    assert started == []
    assert _warp.wait_for_kernels()
    assert started == list(state["pending"]) and len(started) == 1
