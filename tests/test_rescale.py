"""Tests for imgprep_course.rescale: invariants (hypothesis), streaming statistics, errors."""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from imgprep_course import rescale

AXES = [None, (1, 2, 3), (1, 2), (0, 1, 2), 0, -1]

batches = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=4, max_dims=4, min_side=2, max_side=5),
    elements=st.floats(-1e3, 1e3, allow_nan=False, width=32),
)


def _spread_ok(x, axis):
    """Only slices with a real spread: float32 rounding makes tiny spreads meaningless."""
    return (np.asarray(x).std(axis=axis) > 1e-2 * (1 + np.abs(x).max())).all()


@settings(max_examples=60, deadline=None)
@given(x=batches, axis=st.sampled_from(AXES))
def test_standardize_gives_zero_mean_unit_std(x, axis):
    assume(_spread_ok(x, axis))
    z = rescale.standardize(x, axis=axis, dtype=np.float64)
    np.testing.assert_allclose(z.mean(axis=axis), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=axis), 1, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(x=batches, axis=st.sampled_from(AXES))
def test_subtract_mean_centres(x, axis):
    y = rescale.subtract_mean(x, axis=axis, dtype=np.float64)
    np.testing.assert_allclose(y.mean(axis=axis), 0, atol=1e-9 * (1 + np.abs(x).max()))
    assert y.shape == x.shape


@settings(max_examples=60, deadline=None)
@given(x=batches)
def test_denormalize_undoes_normalize(x):
    mean, std = x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2)) + 0.5
    y = rescale.normalize(x, mean, std, dtype=np.float64)
    np.testing.assert_allclose(rescale.denormalize(y, mean, std, dtype=np.float64), x,
                               atol=1e-9 * (1 + np.abs(x).max()))


@settings(max_examples=60, deadline=None)
@given(x=batches, cuts=st.lists(st.integers(0, 5), max_size=4),
       per_channel=st.booleans())
def test_dataset_stats_equals_whole_array_for_any_split(x, cuts, per_channel):
    edges = sorted({0, len(x), *[c for c in cuts if c < len(x)]})
    parts = [x[a:b] for a, b in zip(edges, edges[1:])]
    mean, std = rescale.dataset_stats(iter(parts), per_channel=per_channel)
    axis = (0, 1, 2) if per_channel else None
    scale = 1 + np.abs(x).max()
    np.testing.assert_allclose(mean, x.mean(axis=axis), atol=1e-12 * scale)
    np.testing.assert_allclose(std, x.std(axis=axis), atol=1e-9 * scale)


def test_dataset_stats_exact_with_large_offset_small_spread():
    rng = np.random.default_rng(0)
    x = (1e4 + rng.normal(0, 0.01, size=(64, 16, 16, 3))).astype(np.float32)
    naive_mean = x.sum(axis=(0, 1, 2), dtype=np.float32) / (x.size / 3)
    naive_var = (np.square(x).sum(axis=(0, 1, 2), dtype=np.float32) / (x.size / 3)
                 - naive_mean ** 2)
    truth = x.astype(np.float64).std(axis=(0, 1, 2))
    assert not np.allclose(np.sqrt(np.abs(naive_var)), truth, rtol=0.1)  # naive fails
    mean, std = rescale.dataset_stats(x[i:i + 5] for i in range(0, 64, 5))
    np.testing.assert_allclose(std, truth, rtol=1e-6)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=(0, 1, 2)), rtol=1e-12)


def test_min_max_and_its_inverse_through_denormalize():
    x = np.array([[3, 5, 11]], dtype=np.uint8)
    y = rescale.min_max(x)
    np.testing.assert_allclose(y, [[0, 0.25, 1]])
    np.testing.assert_allclose(rescale.denormalize(y, 3, 8), x)


def test_results_are_float32_and_input_untouched():
    x = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
    before = x.copy()
    for out in (rescale.subtract_mean(x), rescale.standardize(x), rescale.min_max(x),
                rescale.normalize(x, 1.0, 2.0)):
        assert out.dtype == np.float32
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("method", ["zca", "pca"])
def test_whitening_decorrelates_and_inverts(method):
    rng = np.random.default_rng(1)
    mixing = rng.normal(size=(12, 12))
    x = (rng.normal(size=(400, 2, 2, 3)).reshape(400, 12) @ mixing).reshape(400, 2, 2, 3)
    white = rescale.fit_whitening(x, method, eps=1e-8)
    y = white.transform(x, dtype=np.float64)
    flat = y.reshape(len(y), -1)
    np.testing.assert_allclose(np.cov(flat.T, bias=True), np.eye(12), atol=1e-6)
    np.testing.assert_allclose(white.inverse_transform(y, dtype=np.float64), x, atol=1e-8)
    if method == "zca":
        assert y.shape == x.shape
        np.testing.assert_allclose(white.matrix, white.matrix.T, atol=1e-12)


def test_zca_differs_from_standardization():
    rng = np.random.default_rng(2)
    base = rng.normal(size=(300, 1))
    x = np.hstack([base, base + 0.1 * rng.normal(size=(300, 1))])  # correlated features
    z = rescale.standardize(x, axis=0, dtype=np.float64)
    w = rescale.fit_whitening(x, "zca").transform(x, dtype=np.float64)
    assert np.corrcoef(z.T)[0, 1] > 0.9
    assert abs(np.corrcoef(w.T)[0, 1]) < 1e-3


@pytest.mark.parametrize("call, error, match", [
    (lambda: rescale.standardize(np.ones((2, 3))), ValueError, "zero variance"),
    (lambda: rescale.standardize([1.0, np.nan]), ValueError, "x contains NaN"),
    (lambda: rescale.standardize(np.zeros((0, 3))), ValueError, "x must not be empty"),
    (lambda: rescale.standardize("image"), TypeError, "x must be a numeric array"),
    (lambda: rescale.standardize(np.ones((2, 2)), axis=3), ValueError, "axis 3 is out of range"),
    (lambda: rescale.subtract_mean(np.ones(3), dtype=np.uint8), TypeError, "wrap around"),
    (lambda: rescale.min_max(np.ones(3)), ValueError, "constant"),
    (lambda: rescale.normalize(np.ones((2, 3)), [1, 2], 1), ValueError, "mean of shape"),
    (lambda: rescale.normalize(np.ones(3), 0, [1, 0, 1]), ValueError, "std contains zeros"),
    (lambda: rescale.standardize(np.ones((2, 2)), eps=-1), ValueError, "eps must be"),
    (lambda: rescale.dataset_stats([]), ValueError, "batches is empty"),
    (lambda: rescale.dataset_stats([np.ones((2, 2, 3))]), ValueError,
     r"batches\[0\] must have 4 dimensions"),
    (lambda: rescale.dataset_stats([np.ones((1, 2, 2, 3)), np.ones((1, 2, 2, 1))]),
     ValueError, r"batches\[1\] has 1 channels"),
    (lambda: rescale.fit_whitening(np.ones((1, 4))), ValueError, "at least 2 samples"),
    (lambda: rescale.fit_whitening(np.ones((3, 4)), "svd"), ValueError, "method must be"),
    (lambda: rescale.fit_whitening(np.eye(3)).transform(np.ones((2, 4))), ValueError,
     r"samples of shape \(3,\)"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
