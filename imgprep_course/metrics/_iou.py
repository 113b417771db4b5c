"""Intersection over union (IoU) of boxes and masks, all pairs at once.

Each formula keeps the peer's order of floating-point operations, so that our values are
bit-identical to theirs: pycocotools' ``bbIou`` and ``rleIou`` (``common/maskApi.c``) for
continuous boxes and masks (both computed by :func:`imgprep_course.datasets.masks.iou`),
and the PASCAL VOC devkit (py-faster-rcnn
``lib/datasets/voc_eval.py``) for 1-based pixel boxes with the "+1" convention.

A *crowd* ground truth (COCO's ``iscrowd=1``) is a region of many objects: a detection
inside it should not be punished, so the union is the detection's own area and the IoU
becomes the fraction of the detection that lies inside the crowd region.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.boxes import as_boxes, convert
from imgprep_course.datasets import masks


def box_iou(boxes1, boxes2, fmt: str = "xyxy", iscrowd=None) -> np.ndarray:
    """IoU of every box in ``boxes1`` with every box in ``boxes2``.

    Parameters
    ----------
    boxes1 : (N, 4) array_like
        Detections, in format ``fmt``.
    boxes2 : (M, 4) array_like
        Ground truths, in format ``fmt``.
    fmt : {"xyxy", "xywh", "voc"}
        Box format (see :mod:`imgprep_course.boxes`). ``"xywh"`` gives exactly
        pycocotools' ``maskUtils.iou``; ``"voc"`` gives exactly the VOC devkit's overlap,
        where a box ``[1, 1, 1, 1]`` covers one pixel (the "+1" convention).
    iscrowd : (M,) array_like of bool, optional
        Crowd flags of ``boxes2``; against a crowd box the union is the ``boxes1`` box
        alone. Not defined for ``fmt="voc"``.

    Returns
    -------
    (N, M) ndarray of float64
        Row ``i``, column ``j``: IoU of ``boxes1[i]`` with ``boxes2[j]``. Like
        pycocotools', a box with itself can give slightly more than 1: the overlap's width is
        computed as ``(x + w) - x``, which rounds.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2], [0, 0, 1, 1]]).tolist()
    [[0.3333333333333333, 0.25]]
    >>> box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2]], iscrowd=[True]).tolist()
    [[0.5]]
    >>> box_iou([[1, 1, 2, 2]], [[2, 1, 3, 2]], fmt="voc").tolist()
    [[0.3333333333333333]]
    """
    b1 = as_boxes(boxes1, "boxes1", fmt)
    b2 = as_boxes(boxes2, "boxes2", fmt)
    crowd = as_crowd(iscrowd, len(b2))
    if fmt == "voc":
        if crowd.any():
            raise ValueError("iscrowd is a COCO notion; it is not defined for fmt='voc'")
        return voc_overlaps(b1[:, None, :], b2[None, :, :])
    if fmt == "xyxy":
        b1, b2 = convert(b1, "xyxy", "xywh"), convert(b2, "xyxy", "xywh")
    return masks.iou(b1, b2, crowd)


def voc_overlaps(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """The VOC devkit's overlap of broadcastable 1-based ``[..., 4]`` float64 boxes.

    Bit-identical to ``voc_eval.py``: widths ``max(min(x2) - max(x1) + 1, 0)`` and union
    ``(area_dt + area_gt) - intersection`` with areas ``(x2 - x1 + 1) * (y2 - y1 + 1)``.
    A pair whose union is empty (two zero-size boxes) gets 0 rather than the devkit's NaN.

    Examples
    --------
    >>> voc_overlaps(np.array([1., 1, 10, 10]), np.array([1., 1, 10, 5])).tolist()
    0.5
    """
    ixmin, iymin = np.maximum(gt[..., 0], dt[..., 0]), np.maximum(gt[..., 1], dt[..., 1])
    ixmax, iymax = np.minimum(gt[..., 2], dt[..., 2]), np.minimum(gt[..., 3], dt[..., 3])
    iw = np.maximum(ixmax - ixmin + 1., 0.)
    ih = np.maximum(iymax - iymin + 1., 0.)
    inter = iw * ih
    union = ((dt[..., 2] - dt[..., 0] + 1.) * (dt[..., 3] - dt[..., 1] + 1.)
             + (gt[..., 2] - gt[..., 0] + 1.) * (gt[..., 3] - gt[..., 1] + 1.) - inter)
    return np.divide(inter, union, out=np.zeros(np.shape(inter)), where=union > 0)


def mask_iou(masks1, masks2, iscrowd=None) -> np.ndarray:
    """IoU of every mask in ``masks1`` with every mask in ``masks2``, through their RLEs.

    pycocotools' ``maskUtils.iou``, computed by :func:`imgprep_course.datasets.masks.iou`
    on run-length encodings: intersection and union are pixel counts, and against a
    crowd mask the union is the ``masks1`` mask's area.

    Parameters
    ----------
    masks1 : (N, H, W) array_like of bool or 0/1, or list of RLE dicts
        Detections.
    masks2 : (M, H, W) array_like of bool or 0/1, or list of RLE dicts
        Ground truths, on the same ``H x W`` grid.
    iscrowd : (M,) array_like of bool, optional
        Crowd flags of ``masks2``.

    Returns
    -------
    (N, M) ndarray of float64

    Examples
    --------
    >>> a = np.zeros((1, 4, 4), bool); a[0, :2, :2] = True
    >>> b = np.zeros((1, 4, 4), bool); b[0, :2, :] = True
    >>> mask_iou(a, b).tolist(), mask_iou(a, b, iscrowd=[True]).tolist()
    ([[0.5]], [[1.0]])
    >>> mask_iou([{"size": [4, 4], "counts": [0, 2, 2, 2, 10]}], b).tolist()
    [[0.5]]
    """
    dt, dt_grid = _rles(masks1, "masks1")
    gt, gt_grid = _rles(masks2, "masks2")
    if dt_grid and gt_grid and dt_grid != gt_grid:
        raise ValueError(f"masks1 and masks2 must share one H x W grid, got {dt_grid[0]} x "
                         f"{dt_grid[1]} and {gt_grid[0]} x {gt_grid[1]}")
    return masks.iou(dt, gt, iscrowd)


def _rles(stack, name: str) -> tuple[list, tuple]:
    """RLE dicts of a ``(N, H, W)`` stack (or the given list of RLEs) and the H, W."""
    if isinstance(stack, (list, tuple)) and all(isinstance(r, dict) for r in stack):
        return list(stack), tuple(stack[0]["size"]) if stack else ()
    array = as_array(stack, name, ndim=3, kinds="biu", allow_empty=True)
    if len(array) == 0:
        return [], tuple(array.shape[1:])
    return masks.encode(np.moveaxis(array, 0, -1)), tuple(array.shape[1:])
