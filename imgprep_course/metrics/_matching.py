"""Greedy matching of detections to ground truths, highest score first (COCO's rule).

Each detection, in score order, takes the still-free ground truth with the highest IoU of
at least the threshold. Two refinements come from COCO: a *crowd* ground truth stays free
(it can absorb any number of detections), and ground truths that are *ignored* (crowds,
or objects outside the area range being scored) are tried only after the others, and
only when no regular ground truth qualifies.

The loops are numba kernels: :func:`match_groups` runs every image x category group of a
COCO evaluation for all IoU thresholds and area ranges in one call.
"""

from __future__ import annotations

import numba
import numpy as np

from imgprep_course._validation import as_array, as_crowd


def greedy_match(ious, scores, iou_threshold: float = 0.5, iscrowd=None) -> np.ndarray:
    """Match detections to ground truths greedily by score, as COCO does.

    Parameters
    ----------
    ious : (N, M) array_like of float
        IoU of each detection (row) with each ground truth (column), e.g. from
        :func:`box_iou`.
    scores : (N,) array_like of float
        Detection confidences; ties keep the input order.
    iou_threshold : float
        A pair qualifies when its IoU is at least this (COCO's ``>=``).
    iscrowd : (M,) array_like of bool, optional
        Crowd ground truths: they can be matched again and again, and are tried only
        when no regular ground truth qualifies.

    Returns
    -------
    (N,) ndarray of int64
        For each detection (in the input order), the column of its ground truth, or -1.

    Examples
    --------
    >>> ious = [[0.6, 0.9], [0.8, 0.7], [0.55, 0.0]]
    >>> greedy_match(ious, [0.9, 0.8, 0.7]).tolist()   # the 3rd finds nothing left
    [1, 0, -1]
    """
    iou = as_array(ious, "ious", ndim=2, kinds="biuf", allow_empty=True, finite=True)
    conf = as_array(scores, "scores", ndim=1, kinds="biuf", allow_empty=True, finite=True)
    if conf.shape != iou.shape[:1]:
        raise ValueError(f"scores must have one entry per row of ious {iou.shape}, "
                         f"got shape {conf.shape}")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold!r}")
    n_dt, n_gt = iou.shape
    crowd = as_crowd(iscrowd, n_gt)
    order = np.argsort(-conf, kind="stable")
    gt_order = np.argsort(crowd, kind="stable")
    matches = np.empty(n_dt, np.int64)
    match_one(np.ascontiguousarray(iou[order], np.float64).ravel(), 0, n_dt, n_gt,
              gt_order, crowd, crowd, float(iou_threshold), np.zeros(n_gt, np.bool_),
              matches)
    out = np.empty(n_dt, np.int64)
    out[order] = matches
    return out


@numba.njit(cache=True, nogil=True)
def match_one(ious, offset, n_dt, n_gt, gt_order, crowd, gt_ignored, threshold, taken,
              match_out) -> None:
    """Match one group at one threshold; the loop of pycocotools' ``evaluateImg``.

    ``ious[offset + d * n_gt + g]`` is the IoU of detection ``d`` (in score order) with
    ground truth ``g``; ``gt_order`` lists the ground truths, regular ones first. The
    best IoU so far starts at ``min(threshold, 1 - 1e-10)``; a later ground truth with an
    equal IoU replaces an earlier one; once a regular ground truth is the best, the
    search stops at the first ignored one. ``match_out[d]`` gets the ground truth's
    index or -1; ``taken`` is scratch space.
    """
    for g in range(n_gt):
        taken[g] = False
    for d in range(n_dt):
        best = min(threshold, 1 - 1e-10)
        m = -1
        for k in range(n_gt):
            g = gt_order[k]
            if taken[g] and not crowd[g]:
                continue
            if m > -1 and not gt_ignored[m] and gt_ignored[g]:
                break
            iou = ious[offset + d * n_gt + g]
            if iou < best:
                continue
            best = iou
            m = g
        match_out[d] = m
        if m > -1:
            taken[m] = True


@numba.njit(cache=True, nogil=True)
def match_groups(ious, iou_offsets, dt_start, dt_count, gt_start, gt_count, gt_crowd,
                 gt_ignored, gt_id_is_zero, dt_outside, thresholds):
    """Match every group at every IoU threshold and area range (COCO's evaluate).

    Groups are image x category pairs; group ``i`` holds detections
    ``dt_start[i]:dt_start[i] + dt_count[i]`` (score order, at most ``maxDets[-1]``) and
    ground truths ``gt_start[i]:...`` (input order), whose IoUs start at
    ``ious[iou_offsets[i]]``. ``gt_ignored[a, g]`` and ``dt_outside[a, d]`` say which
    ground truths are ignored and which detections lie outside area range ``a``.

    Returns
    -------
    dt_matched, dt_ignored : (T, A, D) bool arrays
        pycocotools' ``dtMatches != 0`` (so a match with a ground truth whose id is 0
        counts as unmatched, as there) and ``dtIgnore``.
    """
    n_thr, n_area, n_dt = thresholds.size, gt_ignored.shape[0], dt_outside.shape[1]
    dt_matched = np.zeros((n_thr, n_area, n_dt), np.bool_)
    dt_ignored = np.zeros((n_thr, n_area, n_dt), np.bool_)
    max_gt = max(1, gt_count.max()) if gt_count.size else 1
    max_dt = max(1, dt_count.max()) if dt_count.size else 1
    gt_order = np.empty(max_gt, np.int64)
    taken = np.empty(max_gt, np.bool_)
    matches = np.empty(max_dt, np.int64)
    for i in range(dt_start.size):
        nd, ng, d0, g0 = dt_count[i], gt_count[i], dt_start[i], gt_start[i]
        if nd == 0:
            continue
        crowd = gt_crowd[g0:g0 + ng]
        for a in range(n_area):
            ignored = gt_ignored[a, g0:g0 + ng]
            k = 0
            for flag in (False, True):
                for g in range(ng):
                    if ignored[g] == flag:
                        gt_order[k] = g
                        k += 1
            for t in range(n_thr):
                match_one(ious, iou_offsets[i], nd, ng, gt_order, crowd, ignored,
                          thresholds[t], taken, matches)
                for d in range(nd):
                    m = matches[d]
                    real = m > -1 and not gt_id_is_zero[g0 + m]
                    dt_matched[t, a, d0 + d] = real
                    dt_ignored[t, a, d0 + d] = ((m > -1 and ignored[m])
                                                or (not real and dt_outside[a, d0 + d]))
    return dt_matched, dt_ignored
