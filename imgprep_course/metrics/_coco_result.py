"""What a COCO evaluation returns: :class:`COCOResult`, its summary text and breakdowns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imgprep_course.metrics._ap import COCO_RECALL_THRESHOLDS
from imgprep_course.metrics._coco_core import (COCO_AREA_RANGES, COCO_IOU_THRESHOLDS,
                                               COCO_MAX_DETS, STAT_SPECS, stat_max_det)

#: Short names of the 12 summary numbers, in ``stats`` order.
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl",
              "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


@dataclass(frozen=True)
class COCOResult:
    """The outcome of a COCO evaluation.

    Attributes
    ----------
    stats : (12,) ndarray
        ``COCOeval.stats``: AP@[.5:.95], AP50, AP75, AP small/medium/large, AR@1, AR@10,
        AR@100, AR small/medium/large (see :data:`STAT_NAMES`); -1 where undefined.
    precision : (T, R, K, A, M) ndarray
        ``COCOeval.eval["precision"]``: IoU thresholds x 101 recalls x categories x area
        ranges x max detections; -1 for a category without ground truth.
    recall : (T, K, A, M) ndarray
        ``COCOeval.eval["recall"]``, the highest recall reached.
    scores : (T, R, K, A, M) ndarray
        ``COCOeval.eval["scores"]``, the score at which each recall is reached.
    category_ids, iou_thresholds, recall_thresholds : ndarray
        The axes ``K``, ``T`` and ``R``.
    area_ranges : dict
        Area label to ``(min, max)``, the axis ``A``.
    max_dets : tuple of int
        The axis ``M``.
    n_positives : (K, A) ndarray
        Ground truths that count (not crowd, inside the area range) per category.
    iou_type : {"bbox", "segm"}

    Examples
    --------
    >>> from imgprep_course.metrics import evaluate_coco_arrays
    >>> result = evaluate_coco_arrays(
    ...     boxes=[[0, 0, 10, 10], [0, 0, 10, 7], [30, 30, 40, 40]], scores=[.9, .8, .7],
    ...     labels=[1, 2, 2], image_ids=[0, 0, 0],
    ...     gt_boxes=[[0, 0, 10, 10], [0, 0, 10, 10]], gt_labels=[1, 2], gt_image_ids=[0, 0])
    >>> {k: round(ap, 3) for k, ap in result.ap_per_class().items()}  # IoU 1 and 0.7
    {1: 1.0, 2: 0.5}
    >>> {t: round(ap, 2) for t, ap in result.ap_per_iou().items() if t in (.5, .7, .75)}
    {0.5: 1.0, 0.7: 1.0, 0.75: 0.5}
    >>> print(result.summary().splitlines()[1])
     Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000
    """

    stats: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    category_ids: np.ndarray
    n_positives: np.ndarray
    iou_type: str = "bbox"
    iou_thresholds: np.ndarray = field(default_factory=lambda: COCO_IOU_THRESHOLDS.copy())
    recall_thresholds: np.ndarray = field(
        default_factory=lambda: COCO_RECALL_THRESHOLDS.copy())
    area_ranges: dict = field(default_factory=lambda: dict(COCO_AREA_RANGES))
    max_dets: tuple = COCO_MAX_DETS

    def summary(self) -> str:
        """The 12 lines that ``COCOeval.summarize()`` prints, character for character."""
        lines = []
        first, last = self.iou_thresholds[0], self.iou_thresholds[-1]
        for value, (ap, iou, area, index) in zip(self.stats, STAT_SPECS):
            iou_text = f"{first:0.2f}:{last:0.2f}" if iou is None else f"{iou:0.2f}"
            title, kind = ("Average Precision", "(AP)") if ap else ("Average Recall", "(AR)")
            lines.append(f" {title:<18} {kind} @[ IoU={iou_text:<9} | area={area:>6s} | "
                         f"maxDets={stat_max_det(index, self.max_dets):>3d} ] = "
                         f"{value:0.3f}")
        return "\n".join(lines)

    def ap_per_class(self, iou_threshold: float | None = None, area: str = "all",
                     max_dets: int | None = None) -> dict:
        """AP of each category: ``{category_id: AP}``, categories without ground truth left out.

        ``iou_threshold=None`` averages over all thresholds (AP@[.5:.95]); ``max_dets``
        defaults to the largest (100). The mean of the values is ``stats[0]`` (for the
        defaults) up to summation order.
        """
        s = self._precision(iou_threshold, area, max_dets)
        out = {}
        for k, category in enumerate(self.category_ids.tolist()):
            values = s[:, :, k]
            if (values > -1).any():
                out[category] = float(np.mean(values[values > -1]))
        return out

    def ap_per_iou(self, area: str = "all", max_dets: int | None = None) -> dict:
        """AP at each IoU threshold, over categories: ``{0.5: AP50, 0.55: ..., 0.95: ...}``.

        Thresholds where no category has ground truth are left out.
        """
        out = {}
        for t, threshold in enumerate(self.iou_thresholds.tolist()):
            values = self._precision(threshold, area, max_dets)
            if (values > -1).any():
                out[round(threshold, 10)] = float(np.mean(values[values > -1]))
        return out

    def precision_curve(self, category_id, iou_threshold: float = 0.5, area: str = "all",
                        max_dets: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One category's interpolated precision at the 101 recalls, ready to plot.

        Returns ``(recall_thresholds, precision)``; precision is 0 beyond the highest
        recall reached and -1 everywhere when the category has no ground truth here.

        Examples
        --------
        >>> from imgprep_course.metrics import evaluate_coco_arrays
        >>> result = evaluate_coco_arrays([[0, 0, 4, 4], [9, 9, 12, 12]], [.9, .8], [1, 1],
        ...                               [0, 0], [[0, 0, 4, 4], [20, 20, 24, 24]], [1, 1],
        ...                               [0, 0])
        >>> recall, precision = result.precision_curve(1)
        >>> precision[[0, 50, 51]].tolist()   # found 1 of 2: recall 0.5, then nothing
        [0.9999999999999998, 0.9999999999999998, 0.0]

        (``1 / (1 + np.spacing(1))``: pycocotools' precision is never exactly 1.)
        """
        matches = np.flatnonzero(self.category_ids == category_id)
        if matches.size == 0:
            raise ValueError(f"category_id {category_id!r} is not one of "
                             f"{self.category_ids.tolist()}")
        curve = self._precision(iou_threshold, area, max_dets)[0, :, matches[0]]
        return self.recall_thresholds.copy(), curve.copy()

    def to_dict(self) -> dict:
        """A JSON-ready summary: stats, their names, and the two breakdowns."""
        return {"iou_type": self.iou_type,
                "stats": self.stats.tolist(),
                "stat_names": list(STAT_NAMES),
                "ap_per_class": {str(k): v for k, v in self.ap_per_class().items()},
                "ap_per_iou": {f"{k:.2f}": v for k, v in self.ap_per_iou().items()}}

    def _precision(self, iou_threshold, area, max_dets) -> np.ndarray:
        """``precision[t, :, :, a, m]`` for the selection, shape (T', R, K)."""
        if area not in self.area_ranges:
            raise ValueError(f"area must be one of {list(self.area_ranges)}, got {area!r}")
        max_dets = self.max_dets[-1] if max_dets is None else max_dets
        if max_dets not in self.max_dets:
            raise ValueError(f"max_dets must be one of {self.max_dets}, got {max_dets!r}")
        s = self.precision[:, :, :, list(self.area_ranges).index(area),
                           self.max_dets.index(max_dets)]
        if iou_threshold is None:
            return s
        t = np.flatnonzero(np.isclose(self.iou_thresholds, iou_threshold, rtol=0,
                                      atol=1e-9))
        if t.size == 0:
            raise ValueError(f"iou_threshold must be one of "
                             f"{np.round(self.iou_thresholds, 2).tolist()}, got "
                             f"{iou_threshold!r}")
        return s[t]
