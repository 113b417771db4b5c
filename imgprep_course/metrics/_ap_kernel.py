"""The numba kernel behind :func:`imgprep_course.metrics._ap.accumulate_coco` (private).

It serves a process that has loaded numba already (a mask evaluation) once numba's cache
holds it or a call is large (see :mod:`imgprep_course.datasets._rle_paths`); a box
evaluation keeps the numpy code and never loads numba. Same arithmetic in the same
order, so the same numbers bit for bit (tested on random evaluations).
"""

from __future__ import annotations

import numpy as np

from imgprep_course._jit import forget_stale_kernels, kernel
from imgprep_course._threads import in_threads, ranges

forget_stale_kernels(__name__)  # numba would keep kernels compiled from older imports


def accumulate_rows(order, starts, matched, ignored, chosen, dt_scores, positives, need):
    """Precision, recall and scores per category and row ``(m, t, a)``, as the rows of
    :func:`~imgprep_course.metrics._ap.accumulate_coco` before it reshapes them: shapes
    ``(K, rows, R)``, ``(K, rows)`` and ``(K, rows, R)``. The categories are shared out
    over the cores by their detections."""
    n_rows = chosen.shape[0] * matched.shape[1] * matched.shape[2]
    n_cat, n_rec = starts.size - 1, need.shape[2]
    precision, scores = np.zeros((n_cat, n_rows, n_rec)), np.zeros((n_cat, n_rows, n_rec))
    recall = np.zeros((n_cat, n_rows))
    sizes = np.diff(starts)

    def piece(first: int, last: int) -> None:
        widest = int(sizes[first:last].max(initial=0))
        _accumulate(order, starts, matched, ignored, chosen, dt_scores, positives, need,
                    np.spacing(1.0), first, last, precision, recall, scores,
                    np.empty((n_rows, widest)), np.empty((n_rows, widest), np.int64))

    in_threads(piece, ranges(starts * n_rows))
    return precision, recall, scores


@kernel(nogil=True)
def _accumulate(order, starts, matched, ignored, chosen, dt_scores, positives, need, eps,
                first, last, precision, recall, scores, envelope, where):
    """Categories ``first:last`` of :func:`accumulate_rows` (``eps`` is
    ``np.spacing(1)``); ``envelope`` and ``where`` (rows x the widest category) are work
    space: each row's precision at its true positives, and their ranks."""
    n_max, n_thr, n_area = chosen.shape[0], matched.shape[1], matched.shape[2]
    n_rows, n_rec = n_max * n_thr * n_area, need.shape[2]
    kept = np.zeros(n_rows, np.int64)
    found = np.zeros(n_rows, np.int64)
    for k in range(first, last):
        start, end = starts[k], starts[k + 1]
        if start == end:
            continue
        kept[:] = 0
        found[:] = 0
        for j in range(start, end):   # the category's detections by score
            d = order[j]
            for m in range(n_max):
                if not chosen[m, d]:
                    continue
                for t in range(n_thr):
                    for a in range(n_area):
                        if ignored[d, t, a]:
                            continue
                        row = (m * n_thr + t) * n_area + a
                        kept[row] += 1
                        if matched[d, t, a]:
                            v = found[row]
                            tp = np.float64(v + 1)
                            envelope[row, v] = tp / (np.float64(kept[row] - v - 1) + tp + eps)
                            where[row, v] = j - start
                            found[row] = v + 1
        for row in range(n_rows):
            f = found[row]
            for i in range(f - 2, -1, -1):   # the envelope, from the right
                if envelope[row, i + 1] > envelope[row, i]:
                    envelope[row, i] = envelope[row, i + 1]
            a = row % n_area
            recall[k, row] = f / positives[k, a] if positives[k, a] > 0 else 0.0
            for r in range(n_rec):
                v = need[k, a, r]
                reached = f >= max(v, 1)
                column = max(v - 1, 0)
                if reached:
                    precision[k, row, r] = envelope[row, column]
                if reached or v == 0:
                    rank = 0 if v == 0 else where[row, column]
                    scores[k, row, r] = dt_scores[order[start + rank]]
