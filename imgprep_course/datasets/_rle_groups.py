"""IoUs of many groups of masks or boxes at once (private; public as ``masks.group_iou``).

COCO evaluation compares detections with ground truths image by image and category by
category; :func:`group_iou` makes those thousands of small IoU calls in one.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.boxes import as_boxes
from imgprep_course.datasets import _rle_ops
from imgprep_course.datasets._rle_checks import Runs, iou_kind, read_rles


def group_iou(dt, gt, iscrowd, dt_start, dt_count, gt_start, gt_count,
              dt_rows=None, gt_rows=None) -> np.ndarray:
    """:func:`~imgprep_course.datasets.masks.iou` of many groups at once, the blocks flat, one after another.

    COCO evaluation compares detections with ground truths image by image and
    category by category: thousands of small :func:`~imgprep_course.datasets.masks.iou` calls, made here in one.

    Parameters
    ----------
    dt, gt : Runs, list of dict, or (N, 4) array_like
        All detections and all ground truths, as for :func:`~imgprep_course.datasets.masks.iou` (a :class:`Runs` from
        :func:`unpack` avoids reading the RLEs again). The RLEs of one group must share
        one size.
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
        Group ``i``'s ``(dt_count[i], gt_count[i])`` block of :func:`~imgprep_course.datasets.masks.iou`, row-major,
        then group ``i + 1``'s. Two RLEs of different sizes have IoU -1, as in
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
    offsets = np.concatenate(([0], np.cumsum(dt_count * gt_count)))
    if boxes:
        return _rle_ops.group_box_ious(dt[dt_rows], gt[gt_rows], crowd, dt_start, dt_count,
                                       gt_start, gt_count, offsets)
    dt_sizes, gt_sizes = dt.sizes[dt_rows], gt.sizes[gt_rows]
    mixed = _groups_of_mixed_sizes(dt_sizes, gt_sizes, dt_start, dt_count, gt_start,
                                   gt_count)
    out = _rle_ops.group_mask_ious(dt.runs, dt.offsets, dt_rows, dt_sizes, gt.runs,
                                   gt.offsets, gt_rows, gt_sizes, crowd, dt_start,
                                   np.where(mixed, 0, dt_count), gt_start, gt_count, offsets)
    for i in np.flatnonzero(mixed):   # rare: pair by pair, -1 where the sizes differ
        block = [[_pair_iou(dt, gt, d, g, crowd[k], dt_sizes[j], gt_sizes[k])
                  for k, g in enumerate(gt_rows[gt_start[i]:gt_start[i] + gt_count[i]],
                                        gt_start[i])]
                 for j, d in enumerate(dt_rows[dt_start[i]:dt_start[i] + dt_count[i]],
                                       dt_start[i])]
        out[offsets[i]:offsets[i + 1]] = np.ravel(block)
    return out


def _groups_of_mixed_sizes(dt_sizes, gt_sizes, dt_start, dt_count, gt_start,
                           gt_count) -> np.ndarray:
    """Which groups hold RLEs of more than one size (bool, one per group)."""
    sizes = np.concatenate([dt_sizes, gt_sizes]).reshape(-1, 2)
    if len(sizes) == 0 or (sizes == sizes[0]).all():
        return np.zeros(dt_start.size, bool)
    mixed = np.zeros(dt_start.size, bool)
    for i in range(dt_start.size):
        block = np.concatenate([dt_sizes[dt_start[i]:dt_start[i] + dt_count[i]],
                                gt_sizes[gt_start[i]:gt_start[i] + gt_count[i]]])
        mixed[i] = len(block) > 0 and (block != block[0]).any()
    return mixed


def _pair_iou(dt: Runs, gt: Runs, d: int, g: int, crowd: bool, dt_size, gt_size) -> float:
    """One IoU, or -1 when the two RLEs differ in size (pycocotools' ``rleIou``)."""
    if (dt_size != gt_size).any():
        return -1.0
    (a, a_offsets), (b, b_offsets) = [
        (r.runs[r.offsets[k]:r.offsets[k + 1]], np.array([0, r.offsets[k + 1] - r.offsets[k]]))
        for r, k in ((dt, d), (gt, g))]
    return float(_rle_ops.mask_ious(a, a_offsets, dt_size[None], b, b_offsets, gt_size[None],
                                    np.array([crowd]))[0, 0])


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
