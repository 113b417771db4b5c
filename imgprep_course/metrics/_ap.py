"""Precision, recall and average precision (AP) from ranked detections.

AP is *not* ``TP / (TP + FP)``: that is the precision at one cut-off. AP ranks every
detection by confidence, sweeps the cut-off down the ranking, and integrates the
precision envelope over recall, with every ground truth (found or missed) in the recall
denominator. Three integrations are in use:

- VOC 2007: the mean of the envelope at the 11 recalls ``0, 0.1, ..., 1``;
- VOC 2010 and later: the exact area under the envelope (a sum over recall steps);
- COCO: the mean of the envelope at the 101 recalls ``0, 0.01, ..., 1``.
"""

from __future__ import annotations

import sys

import numpy as np

from imgprep_course._jit import lazy_module
from imgprep_course._validation import as_array
from imgprep_course.datasets._rle_paths import use_kernel

_ap_kernel = lazy_module("imgprep_course.metrics._ap_kernel")

#: COCO's recall grid, ``np.linspace(0, 1, 101)`` as pycocotools builds it (several
#: values differ from ``i / 100`` in the last bit).
COCO_RECALL_THRESHOLDS = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1,
                                     endpoint=True)


def precision_recall(is_tp, scores, n_positives: int,
                     ignored=None) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, ranked by score (highest first).

    Parameters
    ----------
    is_tp : (N,) array_like of bool
        Whether each detection is a true positive (matched to a ground truth).
    scores : (N,) array_like of float
        Confidence of each detection. Ties keep the input order (a stable sort).
    n_positives : int
        Number of ground truths, found or not: the recall denominator.
    ignored : (N,) array_like of bool, optional
        Detections that count as neither TP nor FP (VOC: matched to a ``difficult``
        ground truth). Where nothing has counted yet the precision is 0, not the
        devkit's 0/0 = NaN.

    Returns
    -------
    precision, recall : (N,) ndarrays of float64
        After the ``k``-th ranked detection: ``TP/(TP+FP)`` and ``TP/n_positives``.

    Examples
    --------
    >>> p, r = precision_recall([True, False, True, False], [.9, .8, .7, .6], 3)
    >>> p.tolist(), r.round(3).tolist()
    ([1.0, 0.5, 0.6666666666666666, 0.5], [0.333, 0.333, 0.667, 0.667])
    """
    tp = as_array(is_tp, "is_tp", ndim=1, kinds="biu", allow_empty=True).astype(bool)
    conf = as_array(scores, "scores", ndim=1, kinds="biuf", allow_empty=True, finite=True)
    if tp.shape != conf.shape:
        raise ValueError(f"is_tp and scores must have the same shape, got {tp.shape} "
                         f"and {conf.shape}")
    if not isinstance(n_positives, (int, np.integer)) or n_positives <= 0:
        raise ValueError(f"n_positives must be a positive int (recall is undefined "
                         f"without ground truths), got {n_positives!r}")
    skip = np.zeros(tp.shape, bool) if ignored is None else as_array(
        ignored, "ignored", ndim=1, kinds="biu", allow_empty=True).astype(bool)
    if skip.shape != tp.shape:
        raise ValueError(f"ignored must have the shape of is_tp {tp.shape}, got {skip.shape}")
    order = np.argsort(-conf, kind="stable")
    tp_sum = np.cumsum(tp[order] & ~skip[order]).astype(np.float64)
    fp_sum = np.cumsum(~tp[order] & ~skip[order]).astype(np.float64)
    counted = tp_sum + fp_sum
    precision = np.divide(tp_sum, counted, out=np.zeros(counted.shape), where=counted > 0)
    return precision, tp_sum / n_positives


def voc_ap(recall, precision, use_07_metric: bool = False) -> float:
    """PASCAL VOC average precision, equal to the devkit's ``voc_ap`` bit for bit.

    Parameters
    ----------
    recall, precision : (N,) array_like of float
        The curve, in rank order (from :func:`precision_recall`).
    use_07_metric : bool
        ``True``: VOC 2007's 11-point AP, the mean over ``t in np.arange(0, 1.1, 0.1)``
        of the highest precision at recall ``>= t``. Note that this grid is
        ``np.arange``'s, so ``0.3`` is really ``0.30000000000000004`` and a recall of
        exactly ``0.3`` does not reach it, as in the devkit. ``False`` (VOC 2010 on): the
        area under the precision envelope, summed where recall changes.

    Returns
    -------
    float

    Examples
    --------
    >>> p, r = precision_recall([True, False, True, False], [.9, .8, .7, .6], 3)
    >>> round(voc_ap(r, p), 4), round(voc_ap(r, p, use_07_metric=True), 4)
    (0.5556, 0.5455)
    """
    rec, prec = _curve(recall, precision)
    if use_07_metric:
        grid = np.arange(0., 1.1, 0.1)
        reached = rec[None, :] >= grid[:, None]
        best = np.max(np.where(reached, prec[None, :], -np.inf), axis=1, initial=-np.inf)
        # the devkit adds p / 11 one term at a time; cumsum keeps that order
        return float(np.cumsum(np.where(reached.any(axis=1), best, 0.) / 11.)[-1])
    mrec = np.concatenate(([0.], rec, [1.]))
    mpre = np.concatenate(([0.], prec, [0.]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def coco_ap(recall, precision, recall_thresholds=COCO_RECALL_THRESHOLDS) -> float:
    """COCO's interpolated AP: the precision envelope read at 101 recalls, averaged.

    Equal to one entry of pycocotools' accumulate: the envelope (running maximum from the
    right) is read at the first rank whose recall reaches each threshold
    (``searchsorted(..., side="left")``) and is 0 beyond the last recall reached.

    Examples
    --------
    >>> p, r = precision_recall([True, False, True, False], [.9, .8, .7, .6], 3)
    >>> round(coco_ap(r, p), 4)  # 56 of the 101 points reach precision 1 or 2/3
    0.5545
    """
    rec, prec = _curve(recall, precision)
    thresholds = as_array(recall_thresholds, "recall_thresholds", ndim=1, kinds="f")
    envelope = np.maximum.accumulate(prec[::-1])[::-1]
    # the first rank whose recall reaches each threshold (a running maximum keeps the
    # search right on a curve that is not sorted; a real one is)
    ranks = np.searchsorted(np.maximum.accumulate(rec), thresholds, side="left")
    q = np.where(ranks < rec.size, envelope[np.minimum(ranks, rec.size - 1)]
                 if rec.size else 0.0, 0.0)
    return float(np.mean(q))


def _curve(recall, precision) -> tuple[np.ndarray, np.ndarray]:
    """Validated float64 copies of a precision-recall curve."""
    rec = as_array(recall, "recall", ndim=1, kinds="biuf", allow_empty=True, finite=True)
    prec = as_array(precision, "precision", ndim=1, kinds="biuf", allow_empty=True,
                    finite=True)
    if rec.shape != prec.shape:
        raise ValueError(f"recall and precision must have the same shape, got "
                         f"{rec.shape} and {prec.shape}")
    return rec.astype(np.float64), prec.astype(np.float64)


def accumulate_coco(order: np.ndarray, starts: np.ndarray, matched: np.ndarray,
                    ignored: np.ndarray, chosen: np.ndarray, dt_scores: np.ndarray,
                    n_positives: np.ndarray, recall_thresholds: np.ndarray):
    """pycocotools' accumulate for every max-detections value, threshold and area.

    ``order`` lists detection rows by category then score (stable); category ``k`` is
    ``order[starts[k]:starts[k + 1]]``. ``matched`` and ``ignored`` are ``(D, T, A)``
    (detections x thresholds x area ranges), ``chosen`` is ``(M, D)``: whether a
    detection is among its image's first ``maxDet`` for each max-detections value (the
    others count as absent), ``n_positives`` is ``(K, A)``. As pycocotools: precision
    is ``tp / (tp + fp + np.spacing(1))``, its envelope taken from the right and read
    at the first rank whose recall ``tp / n_positives`` reaches each recall threshold
    (``searchsorted(side="left")``), 0 past the last recall reached; -1 where a
    category has no positives.

    Only the true positives are visited: the first rank reaching a recall of ``v /
    n_positives`` is the ``v``-th true positive (``v`` the smallest count that reaches
    the threshold; division is monotonic), and the envelope there is the highest
    precision at that or a later true positive, since precision only rises at one.

    Returns
    -------
    precision, scores : (T, R, K, A, M) ndarrays
    recall : (T, K, A, M) ndarray
    """
    n_thr, n_area = matched.shape[1:]
    n_max = chosen.shape[0]
    n_cat, n_rec = starts.size - 1, recall_thresholds.size
    positives = n_positives.astype(np.float64)                          # (K, A)
    need = _true_positives_needed(positives, recall_thresholds)         # (K, A, R)
    inputs = (order, starts, matched, ignored, chosen, dt_scores, positives, need)
    if "numba" in sys.modules and use_kernel("accumulate_coco",
                                             order.size * n_max * n_thr * n_area):
        precision, recall, scores = _ap_kernel.accumulate_rows(*inputs)
    else:   # a box evaluation never loads numba for this
        precision, recall, scores = _accumulate_rows(*inputs)
    missing = (positives == 0)[:, None, None, :]                          # (K, 1, 1, A)
    shape = (n_cat, n_max, n_thr, n_area)
    precision = np.where(missing[..., None], -1.0, precision.reshape(shape + (n_rec,)))
    scores = np.where(missing[..., None], -1.0, scores.reshape(shape + (n_rec,)))
    recall = np.where(missing, -1.0, recall.reshape(shape))
    return (precision.transpose(2, 4, 0, 3, 1), recall.transpose(2, 0, 3, 1),
            scores.transpose(2, 4, 0, 3, 1))


def _true_positives_needed(positives: np.ndarray, recall_thresholds: np.ndarray) -> np.ndarray:
    """``(K, A, R)``: the fewest true positives whose recall ``tp / positives`` reaches
    each recall threshold, with pycocotools' division (0 where there are no positives)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.ceil(recall_thresholds * positives[:, :, None])
        need = np.where((need - 1) / positives[:, :, None] >= recall_thresholds, need - 1,
                        need)
        need = np.where(need / positives[:, :, None] < recall_thresholds, need + 1, need)
    return np.where(positives[:, :, None] > 0, need, 0).astype(np.int64)


def _accumulate_rows(order, starts, matched, ignored, chosen, dt_scores, positives,
                     need) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`accumulate_coco` before its reshape, in numpy: precision and scores
    ``(K, rows, R)``, recall ``(K, rows)``, row ``(m, t, a)``.

    Per category, only the true positives are visited, row by row in score order: the
    false positives before each are its place among the row's counted detections less
    its own count, and the envelope at a recall threshold is the highest precision of
    the true positives from the one it needs on, taken block by block between the
    thresholds (``maximum.reduceat``) and then from the right over the blocks.
    """
    n_thr, n_area = matched.shape[1:]
    n_max = chosen.shape[0]
    n_cat, n_rec = starts.size - 1, need.shape[2]
    n_rows = n_max * n_thr * n_area
    columns = n_thr * n_area
    # columns x detections in ``order``, so that a category's are a contiguous block
    counted = ~ignored.reshape(-1, columns)[order].T
    credited = matched.reshape(-1, columns)[order].T & counted
    present = chosen[:, order]
    precision = np.zeros((n_cat, n_rows, n_rec))
    scores = np.zeros((n_cat, n_rows, n_rec))
    recall = np.zeros((n_cat, n_rows))
    for k in range(n_cat):
        start, end = starts[k], starts[k + 1]
        if start == end:
            continue
        # rows x the category's detections in score order, flattened row by row
        n = end - start
        chosen_here = present[:, None, start:end]                        # (M, 1, n)
        kept = np.flatnonzero(chosen_here & counted[:, start:end])
        # the true positives among them, and so each one's place among its row's
        true = (chosen_here & credited[:, start:end]).ravel()
        place = np.flatnonzero(true[kept])
        row, at = np.divmod(kept[place], n)
        found = np.bincount(row, minlength=n_rows)
        first = np.cumsum(found) - found                     # each row's first, in true
        tp = np.arange(row.size) - first[row] + 1                       # 1, 2, ... per row
        kept_before = np.searchsorted(kept, np.arange(n_rows) * n)      # per row
        fp = place - kept_before[row] + 1 - tp
        # the precision at each true positive, then 0 (for the blocks that are empty)
        at_tp = np.append(tp / (fp.astype(np.float64) + tp + np.spacing(1)), 0.0)
        v = np.tile(need[k], (n_max * n_thr, 1))                         # (rows, R)
        reached = found[:, None] >= np.maximum(v, 1)
        # blocks of true positives from each threshold's (clipped to the row's end) to
        # the next one's, the last to the row's end
        bounds = first[:, None] + np.minimum(np.maximum(v - 1, 0), found[:, None])
        edges = np.concatenate([bounds, (first + found)[:, None]], axis=1).ravel()
        block = np.maximum.reduceat(at_tp, edges).reshape(n_rows, n_rec + 1)
        block[np.diff(edges, append=edges[-1]).reshape(n_rows, n_rec + 1) <= 0] = 0.0
        block[:, n_rec] = 0.0   # from the row's end on: not the row's
        envelope = np.maximum.accumulate(block[:, ::-1], axis=1)[:, ::-1][:, :n_rec]
        precision[k] = np.where(reached, envelope, 0.0)
        where = np.append(at, 0)[np.where(reached & (v > 0), bounds, row.size)]
        scores[k] = np.where(reached | (v == 0), dt_scores[order[start + where]], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            recall[k] = found / np.tile(positives[k], n_max * n_thr)
    return precision, recall, scores
