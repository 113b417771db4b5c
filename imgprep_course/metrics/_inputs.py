"""Checks of the per-box arrays (scores, labels, image ids, flags) that evaluators take."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from imgprep_course.boxes import as_boxes, convert


def per_box(values, name: str, n: int, kinds: str) -> np.ndarray:
    """``values`` as an ``(n,)`` array of a dtype kind in ``kinds``, or a ``ValueError``.

    Examples
    --------
    >>> per_box([3, 4], "labels", 2, "iu").tolist()
    [3, 4]
    >>> per_box([3], "labels", 2, "iu")
    Traceback (most recent call last):
    ...
    ValueError: labels must be a (2,) array, one entry per box, got shape (1,) and dtype int64
    """
    array = np.asarray(values)
    if array.size == 0 and n == 0:
        return np.zeros(0, np.float64 if "f" in kinds else np.int64)
    if array.dtype.kind not in kinds or array.shape != (n,):
        raise ValueError(f"{name} must be a ({n},) array, one entry per box, got shape "
                         f"{array.shape} and dtype {array.dtype}")
    return array


def check_finite(array: np.ndarray, label: str) -> None:
    """Raise naming the first NaN or infinite entry; ``label`` has a ``{}`` for its index.

    Examples
    --------
    >>> check_finite(np.array([1.0, np.nan]), "scores[{}]")
    Traceback (most recent call last):
    ...
    ValueError: scores[1] is nan; it must be a finite number (1 such entries)
    """
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{label.format(int(bad[0]))} is {float(array[bad[0]])!r}; it must "
                         f"be a finite number ({bad.size} such entries)")


class BoxSets(NamedTuple):
    """Validated detections and ground truths, one row per box."""

    boxes: np.ndarray         # (N, 4) float64, in the evaluator's format
    scores: np.ndarray        # (N,) float64, finite
    labels: np.ndarray        # (N,) int or str
    image_ids: np.ndarray     # (N,) int or str
    gt_boxes: np.ndarray      # (G, 4) float64
    gt_labels: np.ndarray     # (G,)
    gt_image_ids: np.ndarray  # (G,)


def box_sets(boxes, scores, labels, image_ids, gt_boxes, gt_labels, gt_image_ids,
             fmt: str, to: str) -> BoxSets:
    """Check the arrays that the evaluators take and convert the boxes from ``fmt`` to ``to``.

    Examples
    --------
    >>> box_sets([[0, 0, 2, 2]], [.5], [1], [0], [], [], [], "xyxy", "xywh").boxes.tolist()
    [[0.0, 0.0, 2.0, 2.0]]
    """
    dt = _boxes(boxes, "boxes", fmt, to)
    gt = _boxes(gt_boxes, "gt_boxes", fmt, to)
    conf = per_box(scores, "scores", len(dt), "biuf").astype(np.float64)
    check_finite(conf, "scores[{}]")
    return BoxSets(dt, conf, per_box(labels, "labels", len(dt), "iuU"),
                   per_box(image_ids, "image_ids", len(dt), "iuU"), gt,
                   per_box(gt_labels, "gt_labels", len(gt), "iuU"),
                   per_box(gt_image_ids, "gt_image_ids", len(gt), "iuU"))


def flags(values, name: str, n: int) -> np.ndarray:
    """Optional per-box booleans (crowd, difficult): all False when ``values`` is None."""
    if values is None:
        return np.zeros(n, bool)
    return per_box(values, name, n, "biu").astype(bool)


def _boxes(boxes, name: str, fmt: str, to: str) -> np.ndarray:
    if np.size(boxes) == 0:
        return np.zeros((0, 4))
    return convert(as_boxes(boxes, name, fmt), fmt, to)
