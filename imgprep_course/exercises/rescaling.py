"""Lesson 01's exercises: mean subtraction, standardization, one-pass statistics, ZCA."""

import numpy as np

from imgprep_course import rescale
from imgprep_course.exercises._core import Case, Exercise


def _batch(rng, shape, offset=0.0, scale=1.0, dtype=np.float32):
    return (offset + scale * rng.random(shape)).astype(dtype)


def _subtract_mean_ref(images):
    return rescale.subtract_mean(images, axis=(1, 2, 3))


def _subtract_mean_cases(hidden):
    rng = np.random.default_rng(1)
    return [
        Case((np.arange(2 * 2 * 2 * 1, dtype=np.float32).reshape(2, 2, 2, 1),)),
        Case((rng.integers(0, 256, (3, 4, 4, 3), dtype=np.uint8),)),
        Case((_batch(rng, (5, 8, 6, 3), offset=100, scale=50),)),
        Case((_batch(hidden, (2, 3, 3, 1), offset=-7),), hidden=True),
    ]


subtract_mean = Exercise(
    name="subtract_mean", number="1.1", points=2,
    title="Subtract each image's mean (sample-wise, all channels)",
    reference=_subtract_mean_ref, make_cases=_subtract_mean_cases,
    hints=("images has shape (N, H, W, C); each image gets its own mean.",
           "images.mean(axis=(1, 2, 3), keepdims=True) has shape (N, 1, 1, 1) and "
           "broadcasts against images.",
           "Convert to float32 first: uint8 arithmetic wraps around below 0."),
)


def _standardize_ref(images, per_channel):
    return rescale.standardize(images, axis=(1, 2) if per_channel else (1, 2, 3))


def _standardize_cases(hidden):
    rng = np.random.default_rng(2)
    colour_cast = _batch(rng, (3, 6, 6, 3)) * np.array([1.0, 4.0, 0.25], np.float32)
    return [
        Case((np.array([[[[0.0], [2.0]], [[4.0], [6.0]]]], np.float32), False)),
        Case((colour_cast, True)),
        Case((colour_cast, False)),
        Case((rng.integers(0, 256, (2, 5, 4, 3), dtype=np.uint8), True)),
        Case((_batch(hidden, (4, 3, 3, 2), offset=100, scale=3), True), hidden=True),
    ]


standardize = Exercise(
    name="standardize", number="1.2", points=2,
    title="Standardize each image, globally or per channel",
    reference=_standardize_ref, make_cases=_standardize_cases,
    hints=("Per channel: statistics over rows and columns, axis=(1, 2). Globally: over "
           "rows, columns and channels, axis=(1, 2, 3).",
           "(x - x.mean(axis, keepdims=True)) / x.std(axis, keepdims=True)",
           "np.std is the population standard deviation (ddof=0), which is what we want."),
)


def _dataset_stats_ref(batches):
    return rescale.dataset_stats(batches, per_channel=True)


def _dataset_stats_cases(hidden):
    rng = np.random.default_rng(3)
    far = _batch(rng, (40, 8, 8, 3), offset=10_000, scale=0.05)
    return [
        Case(([np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3),
               np.arange(12, 24, dtype=np.float32).reshape(1, 2, 2, 3)],)),
        Case(([_batch(rng, (n, 4, 4, 3), scale=255) for n in (5, 3, 7)],)),
        Case(([far[:10], far[10:25], far[25:]],)),
        Case(([hidden.integers(0, 256, (n, 6, 5, 1), dtype=np.uint8) for n in (2, 9)],),
             hidden=True),
    ]


dataset_stats = Exercise(
    name="dataset_stats", number="1.3", points=3,
    title="Per-channel mean and std of a dataset, one pass over its batches",
    reference=_dataset_stats_ref, make_cases=_dataset_stats_cases, rtol=1e-6, atol=1e-9,
    hints=("Keep three running numbers per channel: count, mean, and M2, the sum of "
           "squared deviations from the mean.",
           "For each batch compute its own count n, mean m and M2 (in float64, about m). "
           "Merge: delta = m - mean; total = count + n; mean += delta * n / total; "
           "M2 += M2_batch + delta**2 * count * n / total.",
           "At the end std = sqrt(M2 / count). Summing x and x**2 in float32 loses every "
           "digit when the values are large and the spread small (case 3)."),
)


def _zca_ref(x, eps):
    return rescale.fit_whitening(x, "zca", eps=eps).matrix


def _zca_cases(hidden):
    rng = np.random.default_rng(4)
    mix = rng.normal(size=(4, 4))
    return [
        Case((rng.normal(size=(200, 2)) @ np.array([[2.0, 1.0], [0.0, 0.5]]), 1e-6)),
        Case((rng.normal(size=(300, 4)) @ mix + 5.0, 1e-6)),
        Case((rng.random((50, 12)), 1e-3)),
        Case((hidden.normal(size=(80, 3)) @ hidden.normal(size=(3, 3)), 0.1), hidden=True),
    ]


zca_matrix = Exercise(
    name="zca_matrix", number="1.4", points=3,
    title="The ZCA whitening matrix of flattened samples",
    reference=_zca_ref, make_cases=_zca_cases, rtol=1e-5, atol=1e-8,
    hints=("Centre first: x - x.mean(axis=0).",
           "u, s, _ = np.linalg.svd(centred.T, full_matrices=False) gives the principal "
           "directions (columns of u) and singular values s.",
           "Scale each direction by sqrt(N) / (s + eps), then rotate back: "
           "(u * scale) @ u.T."),
)

EXERCISES = (subtract_mean, standardize, dataset_stats, zca_matrix)
