"""Lesson 01's exercises: mean subtraction, standardization, one-pass statistics, ZCA."""

import numpy as np

from imgprep_course import rescale
from imgprep_course.exercises._batches import Batches
from imgprep_course.exercises._core import Case, Exercise, Misconception
from imgprep_course.exercises._question import Choice, Question


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


def _float(images):
    return np.asarray(images, dtype=np.float32)


_SUBTRACT_MEAN_MISTAKES = (
    Misconception(lambda images: _float(images) - _float(images).mean(axis=(1, 2, 3)),
                  "forgot keepdims: the means have shape (N,), which numpy lines up "
                  "with the last axis (channels), not with the images; "
                  "mean(..., keepdims=True) keeps shape (N, 1, 1, 1)"),
    Misconception(lambda images: _float(images) - _float(images).mean(axis=0, keepdims=True),
                  "axis over the batch (axis=0): that subtracts the mean image of the "
                  "batch (feature-wise), not each image's own mean"),
    Misconception(lambda images: _float(images) - _float(images).mean(axis=(1, 2),
                                                                       keepdims=True),
                  "one mean per channel (axis=(1, 2)); the exercise asks one mean per "
                  "image over all its pixels and channels, axis=(1, 2, 3)"),
    Misconception(lambda images: images - images.mean(axis=(1, 2, 3), keepdims=True
                                                      ).astype(images.dtype),
                  "uint8 arithmetic: the mean was cast back to uint8 and the difference "
                  "wraps around below 0 (3 - 5 = 254); convert to float32 first"),
)

subtract_mean = Exercise(
    name="subtract_mean", number="1.1", points=2,
    title="Subtract each image's mean (sample-wise, all channels)",
    reference=_subtract_mean_ref, make_cases=_subtract_mean_cases,
    misconceptions=_SUBTRACT_MEAN_MISTAKES,
    hints=("images has shape (N, H, W, C); each image gets its own mean.",
           "A mean over several axes at once takes a tuple as axis; keepdims=True keeps the "
           "reduced axes with length 1, so the means broadcast against the images.",
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


def _standardize_with(axis_of, ddof=0, power=0.5):
    def wrong(images, per_channel):
        x = _float(images)
        axis = axis_of(per_channel)
        return (x - x.mean(axis, keepdims=True)) / x.var(axis, keepdims=True,
                                                          ddof=ddof) ** power
    return wrong


def _right_axis(per_channel):
    return (1, 2) if per_channel else (1, 2, 3)


_STANDARDIZE_MISTAKES = (
    Misconception(_standardize_with(lambda per_channel: (1, 2, 3)),
                  "per_channel is ignored: every image gets one global mean and std even "
                  "when per_channel=True asks for one per channel, axis=(1, 2)"),
    Misconception(_standardize_with(lambda per_channel: (0, 1, 2) if per_channel
                                    else (0, 1, 2, 3)),
                  "axis over the batch: the statistics include axis 0, so they are the "
                  "whole batch's (feature-wise), not each image's"),
    Misconception(_standardize_with(_right_axis, ddof=1),
                  "ddof=1 (the sample standard deviation); the exercise asks for the "
                  "population std, np.std's default ddof=0"),
    Misconception(_standardize_with(_right_axis, power=1.0),
                  "divided by the variance; standardization divides by the standard "
                  "deviation, its square root"),
)

standardize = Exercise(
    name="standardize", number="1.2", points=2,
    title="Standardize each image, globally or per channel",
    reference=_standardize_ref, make_cases=_standardize_cases,
    misconceptions=_STANDARDIZE_MISTAKES,
    hints=("Per channel: statistics over rows and columns, axis=(1, 2). Globally: over rows, "
           "columns and channels, axis=(1, 2, 3).",
           "z = (x - mean) / std, both taken over the chosen axes with keepdims=True so that "
           "they broadcast against x.",
           "np.std is the population standard deviation (ddof=0), which is what we want."),
)


def _dataset_stats_ref(batches):
    return rescale.dataset_stats(batches, per_channel=True)


def _dataset_stats_cases(hidden):
    rng = np.random.default_rng(3)
    far = _batch(rng, (40, 8, 8, 3), offset=10_000, scale=0.05)
    return [
        Case((Batches([np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3),
                       np.arange(12, 24, dtype=np.float32).reshape(1, 2, 2, 3)]),)),
        Case((Batches([_batch(rng, (n, 4, 4, 3), scale=255) for n in (5, 3, 7)]),)),
        Case((Batches([far[:10], far[10:25], far[25:]]),)),
        Case((_loader(rng, images=380, batch_size=8),)),
        Case((Batches([hidden.integers(0, 256, (n, 6, 5, 1), dtype=np.uint8)
                       for n in (2, 9)]),), hidden=True),
    ]


def _loader(rng, images, batch_size):
    """A dataset too large to hold: ``images`` 32 x 32 RGB images in batches of
    ``batch_size`` (the last one smaller), read like a data loader's, in one pass."""
    return Batches([_batch(rng, (min(batch_size, images - start), 32, 32, 3), scale=255)
                    for start in range(0, images, batch_size)])


def _float32_sums(batches):
    n, total, squares = 0, 0, 0
    for b in batches:
        n += b.size // b.shape[-1]
        total = total + b.sum(axis=(0, 1, 2), dtype=np.float32)
        squares = squares + np.square(b, dtype=np.float32).sum(axis=(0, 1, 2))
    mean = total / n
    return mean, np.sqrt(np.abs(squares / n - mean ** 2))


def _mean_of_batch_stats(batches):
    stats = [(b.astype(np.float64).mean(axis=(0, 1, 2)), b.astype(np.float64).std(
        axis=(0, 1, 2))) for b in batches]
    return np.mean([m for m, _ in stats], axis=0), np.mean([s for _, s in stats], axis=0)


def _global_stats(batches):
    return rescale.dataset_stats(batches, per_channel=False)


_DATASET_STATS_MISTAKES = (
    Misconception(_float32_sums,
                  "sum of x and of x**2 in float32, then std = sqrt(E[x**2] - E[x]**2): "
                  "with large values and a small spread the two terms cancel and every "
                  "digit is lost; keep the mean and M2 (squared deviations) in float64"),
    Misconception(_mean_of_batch_stats,
                  "averaged the batches' means and stds: batches of different sizes need "
                  "weights, and the spread between the batch means is part of the std"),
    Misconception(_global_stats,
                  "one mean and std over all channels; the exercise asks per channel, "
                  "arrays of shape (C,)"),
)

dataset_stats = Exercise(
    name="dataset_stats", number="1.3", points=3,
    title="Per-channel mean and std of a dataset, one pass over its batches",
    reference=_dataset_stats_ref, make_cases=_dataset_stats_cases, rtol=1e-6, atol=1e-9,
    misconceptions=_DATASET_STATS_MISTAKES,
    hints=("batches is read once, in order, like a data loader reading from disk: one loop "
           "over it, keeping three running numbers per channel: count, mean, and M2, the "
           "sum of squared deviations from the mean. Merge each batch into them and keep "
           "nothing else of it.",
           "Merging a batch (n, m, M2_b) into the totals: with delta the difference of the "
           "two means, the mean moves by delta times the batch's share n / (count + n), and "
           "M2 grows by M2_b plus delta squared times count * n / (count + n) (Chan et al.'s "
           "formula). Compute the batch's numbers in float64.",
           "At the end the population std is the square root of M2 over the total count. "
           "Summing x and x**2 in float32 loses every digit when the values are large and "
           "the spread small (case 3)."),
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


def _textbook_zca(x, eps):
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred.T @ centred / len(x))
    return (u / np.sqrt(s + eps)) @ u.T


def _pca_not_zca(x, eps):
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred.T, full_matrices=False)
    return u * (np.sqrt(len(x)) / (s + eps))


def _uncentred_zca(x, eps):
    u, s, _ = np.linalg.svd(np.asarray(x).T, full_matrices=False)
    return (u * (np.sqrt(len(x)) / (s + eps))) @ u.T


def _no_sqrt_n(x, eps):
    u, s, _ = np.linalg.svd((x - x.mean(axis=0)).T, full_matrices=False)
    return (u / (s + eps)) @ u.T


_ZCA_MISTAKES = (
    Misconception(_textbook_zca,
                  "the textbook recipe (CS231n, UFLDL, Keras 2): 1 / sqrt(lambda + eps) on "
                  "the covariance's eigenvalues. It differs from this exercise's (Keras 3's) "
                  "recipe only in where eps goes: here eps is added to the singular value "
                  "of the data, sqrt(N) / (s + eps), not to the variance lambda = s**2 / N"),
    Misconception(_pca_not_zca,
                  "that is PCA whitening (u * scale): ZCA rotates back, (u * scale) @ u.T, "
                  "so the whitened image still looks like the original"),
    Misconception(_uncentred_zca,
                  "the data was not centred: take the SVD of x - x.mean(axis=0)"),
    Misconception(_no_sqrt_n,
                  "missing the factor sqrt(N): the singular values of the data are "
                  "sqrt(N) times the standard deviations along each direction"),
)

zca_matrix = Exercise(
    name="zca_matrix", number="1.4", points=3,
    title="The ZCA whitening matrix of flattened samples",
    reference=_zca_ref, make_cases=_zca_cases, rtol=1e-5, atol=1e-8,
    misconceptions=_ZCA_MISTAKES,
    hints=("Centre first: subtract each feature's mean (over axis 0).",
           "np.linalg.svd of the centred data, transposed, with full_matrices=False: the "
           "columns of its u are the principal directions, s the singular values.",
           "ZCA rotates into the principal directions, scales each by sqrt(N) / (s + eps) "
           "and rotates back: u times the scales (broadcasting scales u's columns), "
           "matrix-multiplied by u's transpose."),
)

EXERCISES = (subtract_mean, standardize, dataset_stats, zca_matrix)

# ------------------------------------------------------------------------ questions
xray_statistics = Question(
    name="xray_answer", number="1.5", title="Choose: statistics for X-rays",
    prompt="Chest X-rays from two hospitals: one scanner's images are brighter overall, "
           "and brightness says nothing about the disease. Which standardization keeps "
           "the model from learning the hospital?",
    choices=(
        Choice("a", "sample-wise: each image with its own mean and std", True,
                "each scan's overall brightness and contrast are removed, so the "
                "scanner's offset never reaches the model"),
        Choice("b", "feature-wise: the training set's mean and std for every image", False,
               "one shift and scale for all images keeps the brighter hospital brighter: "
               "the offset stays in the input"),
        Choice("c", "ImageNet's per-channel mean and std", False,
               "statistics of colour photos: the same shift for every image, so the "
               "offset stays, and they do not describe X-rays at all"),
        Choice("d", "divide by 255 only", False,
               "a rescaling, not a standardization: the brightness difference stays"),
    ),
)

test_statistics = Question(
    name="test_statistics_answer", number="1.6", title="Choose: statistics for the test set",
    prompt="You standardize feature-wise. Which mean and std do you apply to the test "
           "images?",
    choices=(
        Choice("a", "the training set's", True,
               "the model must see test inputs transformed exactly as during training, "
               "and nothing about the test set may leak into the model"),
        Choice("b", "the test set's own", False,
               "then a test image's input depends on the other test images, and a "
               "different test set shifts every input: the model is judged on inputs it "
               "was never trained on"),
        Choice("c", "those of the training and the test set together", False,
               "that leaks the test set into the preprocessing the model was fitted "
               "with; the score is no longer an honest estimate"),
    ),
)

whitened_covariance = Question(
    name="whitened_covariance_answer", number="1.7",
    title="Predict the covariance after ZCA",
    prompt="x (N samples of D features) is ZCA-whitened with a tiny eps. What is the "
           "covariance matrix of the whitened samples?",
    choices=(
        Choice("a", "the D x D identity", True,
               "whitening makes the features uncorrelated with variance 1; ZCA, unlike "
               "PCA, also rotates back, but the covariance is the identity for both"),
        Choice("b", "diagonal, with the variances along the principal directions", False,
               "that is a rotation into the principal directions without the scaling"),
        Choice("c", "the correlation matrix of x (unit diagonal)", False,
               "that is what standardizing each feature gives: unit variances, but the "
               "correlations stay"),
    ),
)

QUESTIONS = (xray_statistics, test_statistics, whitened_covariance)
