"""Non-maximum suppression: one box per object out of a detector's many overlapping boxes.

A detector scores windows at many positions and scales, so one object gets a cluster of
overlapping boxes. Greedy **non-maximum suppression** (NMS) keeps the highest-scoring box,
drops every remaining box that overlaps it by more than ``iou_threshold``, and repeats with
the next survivor. :func:`nms` follows ``torchvision.ops.nms``: boxes in ``xyxy``, a box is
suppressed when its IoU with a kept box is *strictly* greater than the threshold, and the
kept indices come back in decreasing score order (equal scores: the earlier box first).
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array
from imgprep_course.boxes import as_boxes
from imgprep_course.metrics._iou import box_iou

__all__ = ["nms"]


def nms(boxes, scores, iou_threshold: float, *, fmt: str = "xyxy") -> np.ndarray:
    """Indices of the boxes that survive greedy non-maximum suppression.

    Parameters
    ----------
    boxes : (N, 4) array_like
        Boxes in format ``fmt`` (see :mod:`imgprep_course.boxes`).
    scores : (N,) array_like of float
        Their confidences.
    iou_threshold : float
        A box whose IoU with an already kept box is greater than this is dropped.
    fmt : {"xyxy", "xywh", "voc"}
        Box format (IoU in VOC's "+1" convention for ``"voc"``).

    Returns
    -------
    (K,) ndarray of int64
        The kept boxes' indices, highest score first.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
    >>> nms(boxes, [0.8, 0.9, 0.7], iou_threshold=0.5).tolist()
    [1, 2]
    """
    data = as_boxes(boxes, "boxes", fmt)
    confidence = as_array(scores, "scores", ndim=1, allow_empty=True, finite=True).astype(np.float64)
    if len(confidence) != len(data):
        raise ValueError(f"scores must hold one score per box: {len(data)} boxes, "
                         f"{len(confidence)} scores")
    if not 0 <= float(iou_threshold) <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold!r}")
    order = np.argsort(-confidence, kind="stable")
    overlaps = box_iou(data[order], data[order], fmt=fmt)
    alive = np.ones(len(order), dtype=bool)
    for rank in range(len(order)):
        if alive[rank]:
            alive[rank + 1:] &= overlaps[rank, rank + 1:] <= iou_threshold
    return order[alive].astype(np.int64)
