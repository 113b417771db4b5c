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

import numba
import numpy as np

from imgprep_course._validation import as_array

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
    q = np.zeros(thresholds.size)
    interpolate_precision(rec, prec, thresholds, q, np.zeros(rec.size), q.copy())
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


@numba.njit(cache=True, nogil=True)
def interpolate_precision(rc, pr, recall_thresholds, q_out, scores, s_out) -> None:
    """Write the precision envelope of ``pr`` at ``recall_thresholds`` into ``q_out``.

    The kernel of :func:`coco_ap` and of the COCO evaluator's accumulate step. ``pr`` is
    overwritten with its envelope; ``s_out`` gets ``scores`` at the same ranks (as
    pycocotools' ``eval['scores']``). Entries past the last recall reached stay as they
    are (0 in pycocotools).
    """
    nd = rc.size
    for i in range(nd - 1, 0, -1):
        if pr[i] > pr[i - 1]:
            pr[i - 1] = pr[i]
    j = 0
    for r in range(recall_thresholds.size):
        while j < nd and rc[j] < recall_thresholds[r]:
            j += 1
        if j == nd:
            break
        q_out[r] = pr[j]
        s_out[r] = scores[j]


@numba.njit(cache=True, nogil=True)
def accumulate_coco(orders, starts, matched, ignored, dt_scores, n_positives,
                    recall_thresholds, precision, recall, scores) -> None:
    """pycocotools' accumulate, per category x area x max-dets x IoU threshold.

    Here, next to :func:`interpolate_precision`, because numba's cache does not notice
    when a kernel called from another file changes.

    ``orders[m]`` lists detection rows by category then score (stable), each image
    contributing its first ``max_dets[m]``; ``starts[m, k]`` is where category ``k``
    begins. Precision is ``tp / (tp + fp + eps)`` with numpy's ``spacing(1)``.
    """
    n_thr, n_area = matched.shape[0], matched.shape[1]
    n_rec = recall_thresholds.size
    eps = np.spacing(1.0)
    for m in range(len(orders)):
        order = orders[m]
        for k in range(starts.shape[1] - 1):
            s, e = starts[m, k], starts[m, k + 1]
            nd = e - s
            rc = np.empty(nd)
            pr = np.empty(nd)
            sc = np.empty(nd)
            for j in range(nd):
                sc[j] = dt_scores[order[s + j]]
            for a in range(n_area):
                npig = n_positives[k, a]
                if npig == 0:
                    continue
                for t in range(n_thr):
                    tp = 0.0
                    fp = 0.0
                    for j in range(nd):
                        d = order[s + j]
                        if not ignored[t, a, d]:
                            if matched[t, a, d]:
                                tp += 1.0
                            else:
                                fp += 1.0
                        rc[j] = tp / npig
                        pr[j] = tp / (fp + tp + eps)
                    recall[t, k, a, m] = rc[nd - 1] if nd else 0.0
                    q = np.zeros(n_rec)
                    ss = np.zeros(n_rec)
                    interpolate_precision(rc, pr, recall_thresholds, q, sc, ss)
                    precision[t, :, k, a, m] = q
                    scores[t, :, k, a, m] = ss
