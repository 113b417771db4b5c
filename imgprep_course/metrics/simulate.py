"""A simulated object detector: ground truths jittered, missed and padded with false positives.

The lessons and exercises use it to produce detections whose quality one number
(``noise``) controls, so an evaluator's response to a worse detector can be watched.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_rng
from imgprep_course.boxes import as_boxes, convert


def simulate_detector(gt_boxes, gt_labels, gt_image_ids, noise: float, seed=None, *,
                      fmt: str = "xyxy", miss_rate: float = 0.1,
                      false_positives: float = 0.3):
    """Detections of a made-up detector: ground truths, jittered, plus false positives.

    - Each ground truth is found with probability ``1 - miss_rate``. Its box is moved by
      ``noise`` times its width and height (normal, per centre coordinate) and resized
      by a factor ``exp(noise * normal)`` per side. Its score is
      ``sigmoid(2 + (1 + 4 * noise) * normal)``.
    - ``round(false_positives * G)`` false positives: the size of a random ground truth,
      a random place among its image's ground truths, a random label of ``gt_labels``,
      score ``sigmoid(-0.5 + (1 + 4 * noise) * normal)``.

    The random numbers are drawn before ``noise`` scales them, so one ``seed`` with a
    growing ``noise`` moves the same boxes further: a fair comparison.

    Parameters
    ----------
    gt_boxes : (G, 4) array_like
        Ground-truth boxes in format ``fmt``.
    gt_labels, gt_image_ids : (G,) array_like of int
        Their categories and images.
    noise : float
        0 gives perfect boxes; 0.1 is a fair detector, 0.3 a poor one.
    seed : None, int or numpy.random.Generator
    fmt : {"xyxy", "xywh", "voc"}
        Box format, of the input and of the output.
    miss_rate, false_positives : float
        Fraction of ground truths missed; false positives per ground truth.

    Returns
    -------
    boxes : (N, 4) ndarray
    scores : (N,) ndarray
    labels, image_ids : (N,) ndarray of int

    Examples
    --------
    >>> boxes, scores, labels, images = simulate_detector(
    ...     [[0, 0, 10, 10], [5, 5, 20, 30]], [1, 2], [1, 1], noise=0.0, seed=0,
    ...     miss_rate=0.0, false_positives=0.0)
    >>> boxes.tolist(), labels.tolist()
    ([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 20.0, 30.0]], [1, 2])
    """
    gt = convert(as_boxes(gt_boxes, "gt_boxes", fmt), fmt, "xywh")
    n = len(gt)
    if n == 0:
        raise ValueError("gt_boxes is empty: the simulated detector needs objects to detect")
    labels = as_array(gt_labels, "gt_labels", ndim=1, kinds="iu")
    images = as_array(gt_image_ids, "gt_image_ids", ndim=1, kinds="iu")
    if labels.shape != (n,) or images.shape != (n,):
        raise ValueError(f"gt_labels and gt_image_ids need one entry per box ({n}), got "
                         f"shapes {labels.shape} and {images.shape}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    for name, value in (("miss_rate", miss_rate), ("false_positives", false_positives)):
        if not np.isfinite(value) or value < 0 or (name == "miss_rate" and value > 1):
            raise ValueError(f"{name} must be in [0, {'1' if name == 'miss_rate' else 'inf'}"
                             f"), got {value!r}")
    rng = as_rng(seed)
    found = rng.random(n) >= miss_rate
    shift, stretch, score_z = (rng.standard_normal((n, 2)), rng.standard_normal((n, 2)),
                               rng.standard_normal(n))
    n_false = round(false_positives * n)
    source, where = rng.integers(0, n, n_false), rng.random((n_false, 2))
    false_labels = labels[rng.integers(0, n, n_false)]
    false_z = rng.standard_normal(n_false)

    size = gt[:, 2:] * np.exp(noise * stretch)
    centre = gt[:, :2] + gt[:, 2:] / 2 + noise * gt[:, 2:] * shift
    true_boxes = np.concatenate([centre - size / 2, size], axis=1)[found]
    # a false positive lies somewhere inside the extent of its image's ground truths
    _, image_index = np.unique(images, return_inverse=True)
    lows = np.full((image_index.max() + 1, 2), np.inf)
    highs = np.full_like(lows, -np.inf)
    np.minimum.at(lows, image_index, gt[:, :2])
    np.maximum.at(highs, image_index, gt[:, :2] + gt[:, 2:])
    low, high = lows[image_index[source]], highs[image_index[source]]
    false_size = gt[source, 2:]
    false_corner = low + where * np.maximum(high - low - false_size, 0)
    spread = 1 + 4 * noise
    boxes = np.concatenate([true_boxes, np.concatenate([false_corner, false_size], axis=1)])
    scores = 1 / (1 + np.exp(-np.concatenate([2 + spread * score_z[found],
                                               -0.5 + spread * false_z])))
    return (convert(boxes, "xywh", fmt), scores,
            np.concatenate([labels[found], false_labels]).astype(np.int64),
            np.concatenate([images[found], images[source]]).astype(np.int64))
