"""Greedy matching of detections to ground truths, highest score first (COCO's rule).

Each detection, in score order, takes the still-free ground truth with the highest IoU of
at least the threshold. Two refinements come from COCO: a *crowd* ground truth stays free
(it can absorb any number of detections), and ground truths that are *ignored* (crowds,
or objects outside the area range being scored) are tried only after the others, and
only when no regular ground truth qualifies.

The work is array-at-a-time, in numpy: :func:`match_ranked` takes the candidate pairs of
many groups at once (every image x category of a COCO evaluation) and every IoU threshold
and area range together, and loops only over the rank of the detections in their group.
"""

from __future__ import annotations

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
    ranks = np.repeat(np.arange(n_dt), n_gt)
    matches = match_ranked(order[ranks], np.tile(np.arange(n_gt), n_dt),
                           iou[order].astype(np.float64).ravel(), ranks,
                           np.array([float(iou_threshold)]), crowd[None, :], crowd, n_dt)
    return matches[:, 0, 0].astype(np.int64)


def match_ranked(pair_dt: np.ndarray, pair_gt: np.ndarray, ious: np.ndarray,
                 ranks: np.ndarray, thresholds: np.ndarray, gt_ignored: np.ndarray,
                 gt_crowd: np.ndarray, n_dt: int) -> np.ndarray:
    """Greedy matching of many groups at once, at every threshold and ignore-set.

    The loop of pycocotools' ``evaluateImg``, run for all groups (image x category
    pairs) side by side: detection ``pair_dt[p]`` and ground truth ``pair_gt[p]`` (rows
    of the whole evaluation) have IoU ``ious[p]``; ``ranks[p]`` is the detection's rank
    by score in its group. Pairs are sorted by rank, then detection, then ground truth
    (in input order), and a group's ground truths are paired only with its own
    detections. Pairs may be left out where the IoU is below every threshold.

    For each threshold ``t`` and each row ``a`` of ``gt_ignored`` (an area range), a
    detection takes, among the ground truths not yet taken at ``t, a`` (crowds never
    are) whose IoU is at least ``min(t, 1 - 1e-10)``: a regular one if any qualifies,
    else an ignored one; of those the highest IoU; among equal IoUs the later one.
    That is pycocotools' loop exactly (its best IoU starts at the threshold, an equal
    IoU replaces the best so far, and the search stops at the first ignored ground
    truth once a regular one is the best).

    Every array of the loop is pairs x (threshold, area) columns, so that a pair's
    outcomes lie side by side in memory and the reductions over a detection's pairs run
    down whole rows.

    Returns
    -------
    (n_dt, T, A) ndarray of int32 (int64 past 2 ** 31 ground truths)
        The ground-truth row each detection matched, or -1.
    """
    n_thr, (n_area, n_gt) = thresholds.size, gt_ignored.shape
    width = n_thr * n_area                                   # column t * A + a
    lowest = np.repeat(np.minimum(thresholds, 1 - 1e-10), n_area)
    ignored = np.tile(gt_ignored.T, (1, n_thr))              # (n_gt, width)
    # ground-truth rows as int32 where they fit: half the memory to fill and to write
    matches = np.full((n_dt, width), -1, np.int32 if n_gt < 2 ** 31 else np.int64)
    taken = np.zeros((n_gt, width), bool)
    cuts = np.concatenate(([0], np.flatnonzero(np.diff(ranks)) + 1, [ranks.size]))
    for start, end in zip(cuts[:-1], cuts[1:]):
        if start == end:
            continue
        dt, gt, iou = pair_dt[start:end], pair_gt[start:end], ious[start:end, None]
        valid = (iou >= lowest) & (~taken[gt] | gt_crowd[gt, None])
        cut = np.concatenate(([True], dt[1:] != dt[:-1], [True]))
        alone = cut[:-1] & cut[1:]       # most detections have one candidate: it is theirs
        detections = [dt[alone]]
        winners = [np.where(valid[alone], gt[alone, None], -1)]
        if not alone.all():
            several = ~alone
            detections.append(dt[several & cut[:-1]])
            winners.append(_best_candidates(dt[several], gt[several], iou[several],
                                            valid[several], ignored))
        for detection, winner in zip(detections, winners):
            matches[detection] = winner
        winner = np.concatenate(winners)
        won = np.flatnonzero((winner >= 0) & ~gt_crowd[winner])
        taken.reshape(-1)[winner.reshape(-1)[won] * width + won % width] = True
    return matches.reshape(n_dt, n_thr, n_area)


def _best_candidates(dt: np.ndarray, gt: np.ndarray, iou: np.ndarray, valid: np.ndarray,
                     ignored: np.ndarray) -> np.ndarray:
    """Each detection's ground truth among its several pairs (sorted by detection), per
    column: a regular one if any is valid, else an ignored one; the highest IoU, the
    later of equal ones; -1 if none is valid."""
    first = np.flatnonzero(np.concatenate(([True], dt[1:] != dt[:-1])))
    owner = np.repeat(np.arange(first.size), np.diff(np.append(first, dt.size)))
    regular = valid & ~ignored[gt]
    some_regular = np.logical_or.reduceat(regular, first, axis=0)[owner]
    candidate = np.where(some_regular, regular, valid)
    value = np.where(candidate, iou, -np.inf)
    best = np.maximum.reduceat(value, first, axis=0)[owner]
    position = np.where(candidate & (value == best), np.arange(dt.size)[:, None], -1)
    choice = np.maximum.reduceat(position, first, axis=0)
    return np.where(choice >= 0, gt[choice], -1)
