"""The COCO evaluation on arrays: group, compute IoUs, match, accumulate, summarize.

The algorithm is pycocotools' (``cocoeval.py``: ``evaluate``, ``evaluateImg``,
``accumulate``, ``summarize``), reorganised around sorted arrays instead of a dict per
image x category: one sort groups everything, the IoUs of every detection x ground truth
pair of a group are one array, the matching runs over all groups at once, one loop step
per detection rank, and the accumulation over all categories at once. Plain numpy (the
box path compiles nothing, so a fresh process starts fast); only mask IoUs run in the
masks module's compiled kernels. Every quirk that changes numbers is kept (see :mod:`imgprep_course.metrics.coco` for the list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgprep_course.datasets import masks
from imgprep_course.metrics._ap import COCO_RECALL_THRESHOLDS, accumulate_coco
from imgprep_course.metrics._matching import match_ranked

#: pycocotools' IoU thresholds ``.50:.05:.95``, built the same way.
COCO_IOU_THRESHOLDS = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1,
                                  endpoint=True)
#: pycocotools' area ranges (both ends inclusive), judged on the ``area`` field.
COCO_AREA_RANGES = {"all": (0 ** 2, 1e5 ** 2), "small": (0 ** 2, 32 ** 2),
                    "medium": (32 ** 2, 96 ** 2), "large": (96 ** 2, 1e5 ** 2)}
COCO_MAX_DETS = (1, 10, 100)


@dataclass(frozen=True)
class Annotations:
    """Ground truths or detections as parallel arrays (one row per annotation).

    ``image`` and ``category`` are indices into the evaluation's sorted image and
    category ids. ``boxes`` are xywh (``None`` for segm); for segm, row ``i``'s mask is
    RLE ``mask_rows[i]`` of ``rles`` (rows are reordered without moving the runs).
    """

    image: np.ndarray
    category: np.ndarray
    ids: np.ndarray
    scores: np.ndarray
    areas: np.ndarray
    iscrowd: np.ndarray
    boxes: np.ndarray | None = None
    rles: masks.Runs | None = None
    mask_rows: np.ndarray | None = None

    @classmethod
    def with_masks(cls, image, category, ids, scores, areas, iscrowd,
                   rles: masks.Runs) -> "Annotations":
        """Annotations whose masks are ``rles`` (from :func:`masks.unpack`), one per row."""
        return cls(image, category, ids, scores, areas, iscrowd, None, rles,
                   np.arange(rles.sizes.shape[0]))

    def take(self, index: np.ndarray) -> "Annotations":
        """Rows ``index`` of every array (the runs themselves stay where they are)."""
        return Annotations(self.image[index], self.category[index], self.ids[index],
                           self.scores[index], self.areas[index], self.iscrowd[index],
                           None if self.boxes is None else self.boxes[index], self.rles,
                           None if self.mask_rows is None else self.mask_rows[index])


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` computes: pycocotools' ``eval`` dict and its ``stats``."""

    precision: np.ndarray   # [T, R, K, A, M], -1 where a category has no ground truth
    recall: np.ndarray      # [T, K, A, M]
    scores: np.ndarray      # [T, R, K, A, M]
    stats: np.ndarray       # the 12 summary numbers
    n_positives: np.ndarray  # [K, A] ground truths that count (not ignored)


def evaluate(gt: Annotations, dt: Annotations, n_images: int, n_categories: int,
             iou_thresholds: np.ndarray = COCO_IOU_THRESHOLDS,
             recall_thresholds: np.ndarray = COCO_RECALL_THRESHOLDS,
             area_ranges: dict = COCO_AREA_RANGES,
             max_dets: tuple = COCO_MAX_DETS) -> Evaluation:
    """Run pycocotools' evaluate, accumulate and summarize on validated arrays.

    Detections must be in input order (their ``ids`` are ``1..N`` as ``loadRes`` sets
    them); ground truths likewise in input order.
    """
    max_dets = tuple(sorted(max_dets))
    gt_key = gt.category.astype(np.int64) * n_images + gt.image
    gt_order = np.argsort(gt_key, kind="stable")
    gt, gt_key = gt.take(gt_order), gt_key[gt_order]

    dt_key = dt.category.astype(np.int64) * n_images + dt.image
    dt_order = np.lexsort((-dt.scores, dt_key))
    dt_key = dt_key[dt_order]
    rank = np.arange(dt_key.size) - np.searchsorted(dt_key, dt_key, side="left")
    keep = rank < max_dets[-1]
    dt, dt_key, rank = dt.take(dt_order[keep]), dt_key[keep], rank[keep]

    pair_dt, pair_gt, ious = _pair_ious(gt, dt, gt_key, dt_key)
    thresholds = np.asarray(iou_thresholds, np.float64)
    usable = ious >= min(thresholds.min(initial=1.0), 1 - 1e-10)  # the others never match
    by_rank = np.flatnonzero(usable)[np.argsort(rank[pair_dt[usable]], kind="stable")]
    pair_dt, pair_gt, ious = pair_dt[by_rank], pair_gt[by_rank], ious[by_rank]

    ranges = np.asarray(list(area_ranges.values()), np.float64)
    gt_outside = (gt.areas[None, :] < ranges[:, :1]) | (gt.areas[None, :] > ranges[:, 1:])
    dt_outside = (dt.areas[None, :] < ranges[:, :1]) | (dt.areas[None, :] > ranges[:, 1:])
    gt_ignored = gt.iscrowd[None, :] | gt_outside
    matches = match_ranked(pair_dt, pair_gt, ious, rank[pair_dt], thresholds, gt_ignored,
                           gt.iscrowd, dt_key.size)                     # (D, T, A)
    # pycocotools records a match as the ground truth's id, 0 meaning none (see coco.py)
    hit = np.flatnonzero(matches >= 0)
    winner = matches.reshape(-1)[hit]
    matched = np.zeros(matches.shape, bool)
    matched.reshape(-1)[hit] = gt.ids[winner] != 0
    ignored = ~matched & dt_outside.T[:, None, :]
    ignored.reshape(-1)[hit] |= gt_ignored[hit % ranges.shape[0], winner]

    n_positives = np.stack([np.bincount(gt.category[~row], minlength=n_categories)
                            for row in gt_ignored], axis=1)
    # pycocotools concatenates each image's first max_det detections (images in id
    # order) and then sorts them by score with a stable mergesort: the rows are in that
    # order already, so a stable sort of all by category and score, with the
    # detections past max_det left out, is it
    order = np.lexsort((-dt.scores, dt.category))
    starts = np.searchsorted(dt.category[order], np.arange(n_categories + 1))
    chosen = rank[None, :] < np.asarray(max_dets)[:, None]
    precision, recall, scores = accumulate_coco(
        order, starts, matched, ignored, chosen, dt.scores, n_positives,
        np.asarray(recall_thresholds, np.float64))
    stats = summarize_stats(precision, recall, iou_thresholds, list(area_ranges), max_dets)
    return Evaluation(precision, recall, scores, stats, n_positives)


#: The 12 summary numbers as pycocotools' ``_summarizeDets`` asks for them: (AP or AR,
#: IoU threshold or None for all, area label, index into ``max_dets`` or None). None is
#: pycocotools' hard-coded ``maxDets=100`` of the first number (a quirk: with custom
#: ``maxDets`` without 100, AP@[.5:.95] is -1 while AP50 uses ``maxDets[2]``).
STAT_SPECS = ((True, None, "all", None), (True, .5, "all", 2), (True, .75, "all", 2),
              (True, None, "small", 2), (True, None, "medium", 2), (True, None, "large", 2),
              (False, None, "all", 0), (False, None, "all", 1), (False, None, "all", 2),
              (False, None, "small", 2), (False, None, "medium", 2),
              (False, None, "large", 2))


def stat_max_det(index: int | None, max_dets: tuple) -> int:
    """The max-detections value of one summary number (see :data:`STAT_SPECS`)."""
    return 100 if index is None else max_dets[index]


def summarize_stats(precision: np.ndarray, recall: np.ndarray, iou_thresholds,
                    area_labels: list, max_dets: tuple) -> np.ndarray:
    """pycocotools' 12 numbers: means over the entries > -1 (-1 when there are none)."""
    iou_thresholds = np.asarray(iou_thresholds)
    stats = np.zeros(len(STAT_SPECS))
    for n, (ap, iou, area, index) in enumerate(STAT_SPECS):
        s = precision if ap else recall
        if iou is not None:
            s = s[np.where(iou == iou_thresholds)[0]]
        a = [i for i, label in enumerate(area_labels) if label == area]
        m = [i for i, value in enumerate(max_dets) if value == stat_max_det(index, max_dets)]
        s = s[:, :, :, a, m] if ap else s[:, :, a, m]
        stats[n] = -1 if len(s[s > -1]) == 0 else np.mean(s[s > -1])
    return stats


def _pair_ious(gt: Annotations, dt: Annotations, gt_key: np.ndarray,
               dt_key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every detection x ground truth of one group (image x category) and its IoU.

    Pairs run by detection, then ground truth: group by group, each group's IoU block
    row-major, as :func:`imgprep_course.datasets.masks.group_iou` returns them.
    """
    # the groups with detections (keys are sorted); the others pair nothing
    groups = dt_key[np.flatnonzero(np.diff(dt_key, prepend=-1))]
    dt_start = np.searchsorted(dt_key, groups, side="left")
    dt_count = np.searchsorted(dt_key, groups, side="right") - dt_start
    gt_start = np.searchsorted(gt_key, groups, side="left")
    gt_count = np.searchsorted(gt_key, groups, side="right") - gt_start
    if dt.boxes is None:
        ious = masks.group_iou(dt.rles, gt.rles, gt.iscrowd, dt_start, dt_count,
                               gt_start, gt_count, dt.mask_rows, gt.mask_rows)
    else:
        ious = masks.group_iou(dt.boxes, gt.boxes, gt.iscrowd, dt_start, dt_count,
                               gt_start, gt_count)
    first = np.searchsorted(gt_key, dt_key, side="left")
    counts = np.searchsorted(gt_key, dt_key, side="right") - first
    pair_dt = np.repeat(np.arange(dt_key.size), counts)
    offsets = np.cumsum(counts) - counts
    return pair_dt, first[pair_dt] + np.arange(pair_dt.size) - offsets[pair_dt], ious
