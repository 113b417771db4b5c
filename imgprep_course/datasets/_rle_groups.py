"""IoUs of many groups of masks or boxes at once (private; public as ``masks.group_iou``).

COCO evaluation compares detections with ground truths image by image and category by
category; :func:`group_iou` makes those thousands of small IoU calls in one.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.boxes import as_boxes
from imgprep_course.datasets._rle_checks import Runs, iou_kind, read_rles
from imgprep_course.datasets._rle_paths import implementation


def group_iou(dt, gt, iscrowd, dt_start, dt_count, gt_start, gt_count,
              dt_rows=None, gt_rows=None) -> np.ndarray:
    """:func:`~imgprep_course.datasets.masks.iou` of many groups at once, the blocks
    flat, one after another.

    COCO evaluation compares detections with ground truths image by image and
    category by category: thousands of small IoU calls, made here in one.

    Parameters
    ----------
    dt, gt : Runs, list of dict, or (N, 4) array_like
        All detections and all ground truths, as for
        :func:`~imgprep_course.datasets.masks.iou` (a :class:`Runs` from
        :func:`~imgprep_course.datasets.masks.unpack` avoids reading the RLEs again).
    iscrowd : (len(gt_rows),) array_like of bool, or None
        Crowd flags, in the order of ``gt_rows``.
    dt_start, dt_count, gt_start, gt_count : (G,) array_like of int
        Group ``i`` compares detections ``dt_rows[dt_start[i]:dt_start[i] +
        dt_count[i]]`` with ground truths ``gt_rows[gt_start[i]:gt_start[i] +
        gt_count[i]]``.
    dt_rows, gt_rows : (K,) array_like of int, optional
        Which detections (ground truths) take part, in group order; all, in their
        order, by default.

    Returns
    -------
    ndarray of float64
        Group ``i``'s ``(dt_count[i], gt_count[i])`` block of IoUs, row-major, then
        group ``i + 1``'s. Two RLEs of different sizes have IoU -1, as in
        pycocotools (``rleIou``), so that they never match.

    Examples
    --------
    >>> from imgprep_course.datasets.masks import group_iou
    >>> boxes = [[0, 0, 2, 2], [1, 0, 2, 2], [5, 5, 1, 1]]
    >>> group_iou(boxes, boxes, None, [0, 2], [2, 1], [0, 2], [1, 1]).tolist()
    [1.0, 0.3333333333333333, 1.0]
    """
    dt, gt, boxes = iou_operands(dt, gt)
    n_dt, n_gt = n_items(dt), n_items(gt)
    dt_rows = np.arange(n_dt) if dt_rows is None else _indices(dt_rows, "dt_rows", n_dt)
    gt_rows = np.arange(n_gt) if gt_rows is None else _indices(gt_rows, "gt_rows", n_gt)
    crowd = as_crowd(iscrowd, gt_rows.size)
    groups = [_indices(v, name, None) for v, name in ((dt_start, "dt_start"),
              (dt_count, "dt_count"), (gt_start, "gt_start"), (gt_count, "gt_count"))]
    if len({g.size for g in groups}) != 1:
        raise ValueError(f"dt_start, dt_count, gt_start and gt_count must have one entry "
                         f"per group, got sizes {[g.size for g in groups]}")
    dt_start, dt_count, gt_start, gt_count = groups
    for start, count, rows, name in ((dt_start, dt_count, dt_rows, "dt"),
                                     (gt_start, gt_count, gt_rows, "gt")):
        if (start + count > rows.size).any():
            raise ValueError(f"a group runs past the end of {name}_rows ({rows.size})")
    # every pair of every group, group by group, each block row-major
    sizes = dt_count * gt_count
    group = np.repeat(np.arange(sizes.size), sizes)
    local = np.arange(group.size) - (np.cumsum(sizes) - sizes)[group]
    d = dt_start[group] + local // np.maximum(gt_count[group], 1)
    g = gt_start[group] + local % np.maximum(gt_count[group], 1)
    if boxes:
        return box_ious(dt[dt_rows[d]], gt[gt_rows[g]], crowd[g])
    d, g, crowd = dt_rows[d], gt_rows[g], crowd[g]
    same = (dt.sizes[d] == gt.sizes[g]).all(axis=1)
    out = np.full(d.size, -1.0)   # RLEs of different sizes, as pycocotools' rleIou
    pair_ious = implementation("pair_ious", dt.runs.size + gt.runs.size + d.size)
    out[same] = pair_ious(dt.runs, dt.offsets, dt.sizes, gt.runs, gt.offsets, gt.sizes,
                          d[same], g[same], crowd[same])
    return out


def box_ious(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """pycocotools' box IoU (``bbIou``) of broadcastable ``[..., 4]`` xywh boxes.

    Its operations in its order: the overlap's width is ``min(x + w) - max(x)``, a
    pair without positive overlap width and height is 0, the union is ``(area_dt +
    area_gt) - intersection``, or the detection's area against a crowd.

    Examples
    --------
    >>> box_ious(np.array([[0., 0, 2, 2]]), np.array([[1., 0, 2, 2]]), np.array([False]))
    array([0.33333333])
    """
    w = (np.minimum(dt[..., 2] + dt[..., 0], gt[..., 2] + gt[..., 0])
         - np.maximum(dt[..., 0], gt[..., 0]))
    h = (np.minimum(dt[..., 3] + dt[..., 1], gt[..., 3] + gt[..., 1])
         - np.maximum(dt[..., 1], gt[..., 1]))
    inter = w * h
    dt_area = dt[..., 2] * dt[..., 3]
    union = np.where(crowd, dt_area, dt_area + gt[..., 2] * gt[..., 3] - inter)
    return np.divide(inter, union, out=np.zeros(np.shape(inter)), where=(w > 0) & (h > 0))


def iou_operands(dt, gt) -> tuple:
    """``dt, gt`` as two ``(N, 4)`` box arrays or two :class:`Runs`, and which."""
    dt_kind, gt_kind = iou_kind(dt, "dt"), iou_kind(gt, "gt")
    if "empty" not in (dt_kind, gt_kind) and dt_kind != gt_kind:
        raise TypeError(f"dt holds {dt_kind} but gt holds {gt_kind}; give both as "
                        f"lists of RLE dicts or both as (N, 4) xywh boxes")
    if "boxes" in (dt_kind, gt_kind) or (dt_kind == gt_kind == "empty" and not
                                         isinstance(dt, Runs) and not isinstance(gt, Runs)):
        return as_boxes(dt, "dt", fmt="xywh"), as_boxes(gt, "gt", fmt="xywh"), True
    return (read_rles(dt, "dt", allow_empty=True)[0],
            read_rles(gt, "gt", allow_empty=True)[0], False)


def n_items(operand) -> int:
    return operand.sizes.shape[0] if isinstance(operand, Runs) else len(operand)


def _indices(values, name: str, n: int | None) -> np.ndarray:
    """Non-negative int64 indices (below ``n`` when given)."""
    array = as_array(values, name, ndim=1, kinds="iu", allow_empty=True).astype(np.int64)
    if array.size and (array.min() < 0 or (n is not None and array.max() >= n)):
        raise ValueError(f"{name} must hold indices in [0, {n}), got {array.min()} .. "
                         f"{array.max()}" if n is not None else
                         f"{name} must not be negative, got {array.min()}")
    return array
