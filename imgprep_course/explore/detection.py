"""Lesson 04's explorers: IoU of two boxes, a PR curve walked by a score threshold, and
mAP@[.5:.95] of a simulated detector as its noise grows.

The simulated detector (:func:`simulate_detector`) is also what the lesson evaluates on
the shapes dataset; every number shown comes from :mod:`imgprep_course.metrics`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from imgprep_course import metrics
from imgprep_course._validation import as_array
from imgprep_course.boxes import as_boxes, convert
from imgprep_course.explore import Explorer
from imgprep_course.metrics.simulate import simulate_detector  # noqa: F401 (the lesson imports it here)

#: The IoU explorer's fixed box (xyxy) on its 100 x 100 canvas.
FIXED_BOX = (20, 20, 60, 60)

_TP, _FP, _GT = "tab:green", "tab:red", "tab:blue"


# ------------------------------------------------------------------------------ IoU
def draw_iou(x: float, y: float, w: float, h: float, fixed=FIXED_BOX) -> Figure:
    """The box ``fixed`` (xyxy) and the box with corner ``(x, y)`` and size ``w x h``.

    The intersection is filled; the title gives intersection, union and IoU (from
    :func:`imgprep_course.metrics.box_iou`). Image coordinates: ``y`` grows downwards.
    """
    a = as_boxes([fixed], "fixed")[0]
    b = np.array([x, y, x + w, y + h], dtype=np.float64)
    iou = float(metrics.box_iou(a[None], b[None])[0, 0])
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + w * h - inter
    figure = Figure(figsize=(3.6, 3.6))   # no layout engine: the PNG is cropped anyway
    axes = figure.add_subplot()
    if inter > 0:
        axes.add_patch(Rectangle((max(a[0], b[0]), max(a[1], b[1])), iw, ih,
                                 facecolor="gold", alpha=0.8, label="intersection"))
    axes.add_patch(Rectangle(a[:2], a[2] - a[0], a[3] - a[1], fill=False, lw=2,
                             edgecolor=_GT, label="box A (fixed)"))
    axes.add_patch(Rectangle((x, y), w, h, fill=False, lw=2, ls="--", edgecolor=_FP,
                             label="box B (sliders)"))
    axes.set_xlim(0, 100)
    axes.set_ylim(100, 0)
    axes.set_aspect("equal")
    axes.tick_params(labelsize=7)
    axes.legend(loc="lower right", fontsize=7)
    axes.set_title(f"IoU = {inter:g} / {union:g} = {iou:.3f}", fontsize=10)
    return figure


def iou_explorer() -> Explorer:
    """Two boxes: box B follows four sliders (corner x, y and size w, h), IoU in the title."""
    def slider(name, value, low, high):
        return widgets.IntSlider(value=value, min=low, max=high, description=name,
                                 continuous_update=False)

    controls = {"x": slider("x", 40, 0, 95), "y": slider("y", 30, 0, 95),
                "w": slider("w", 40, 1, 80), "h": slider("h", 40, 1, 80)}
    return Explorer(controls, draw_iou, title="IoU explorer: move box B")


# ---------------------------------------------------------------------- PR curve
def draw_pr(is_tp, scores, n_positives: int, threshold: float) -> Figure:
    """The PR curve of ranked detections, and where the cut-off ``score >= threshold`` is.

    Left: precision after each detection against recall, the envelope whose area is the
    all-point AP, and the operating point of the threshold. Right: the detections by
    rank, true positives green and false positives red, the dropped ones faded.
    """
    tp = as_array(is_tp, "is_tp", ndim=1, kinds="biu").astype(bool)
    conf = as_array(scores, "scores", ndim=1, kinds="biuf", finite=True)
    precision, recall = metrics.precision_recall(tp, conf, n_positives)
    ranked_tp = tp[np.argsort(-conf, kind="stable")]
    ranked_scores = np.sort(conf)[::-1]
    kept = int(np.sum(ranked_scores >= threshold))
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    ap = metrics.voc_ap(recall, precision)

    figure = Figure(figsize=(8.4, 3.2))
    curve, strip = figure.subplots(1, 2, width_ratios=(1, 1.3),
                                   gridspec_kw={"wspace": 0.25, "top": 0.88})
    curve.fill_between(np.r_[0, recall], np.r_[envelope[:1], envelope], step="pre",
                       color="tab:blue", alpha=0.12, label=f"area = AP = {ap:.3f}")
    curve.step(np.r_[0, recall], np.r_[envelope[:1], envelope], where="pre", lw=1,
               color="tab:blue", label="envelope")
    curve.plot(recall, precision, ".-", color="0.4", lw=0.8, ms=4,
               label="after each detection")
    if kept:
        p, r = precision[kept - 1], recall[kept - 1]
        curve.plot([r], [p], "o", ms=11, mfc="none", mec="black", mew=2,
                   label=f"score >= {threshold:.2f}")
        found = int(ranked_tp[:kept].sum())
        text = (f"score >= {threshold:.2f}: {kept} kept ({found} TP, {kept - found} FP): "
                f"precision {p:.3f}, recall {r:.3f}")
    else:
        text = f"score >= {threshold:.2f}: nothing kept (precision undefined, recall 0)"
    curve.set_xlim(0, 1.02)
    curve.set_ylim(0, 1.05)
    curve.set_xlabel("recall", fontsize=8)
    curve.set_ylabel("precision", fontsize=8)
    curve.legend(fontsize=7, loc="lower left")
    ranks = np.arange(1, len(ranked_tp) + 1)
    colours = np.where(ranked_tp, _TP, _FP)
    alpha = np.where(ranks <= kept, 1.0, 0.25)
    strip.bar(ranks, ranked_scores, color=colours, alpha=None, width=0.8)
    for patch, a in zip(strip.patches, alpha):
        patch.set_alpha(float(a))
    strip.axhline(threshold, color="black", lw=1, ls="--")
    strip.set_xlabel("rank (green TP, red FP; faded = dropped)", fontsize=8)
    strip.set_ylabel("score", fontsize=8)
    strip.set_ylim(0, 1.05)
    strip.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axes in (curve, strip):
        axes.tick_params(labelsize=7)
    figure.suptitle(text, fontsize=9)
    return figure


def pr_explorer(is_tp, scores, n_positives: int) -> Explorer:
    """A score-threshold slider that walks along the PR curve of ranked detections.

    ``is_tp`` and ``scores`` describe the detections (any order; scores in ``[0, 1]``),
    ``n_positives`` the number of ground truths.
    """
    tp = as_array(is_tp, "is_tp", ndim=1, kinds="biu").astype(bool)
    conf = as_array(scores, "scores", ndim=1, kinds="biuf", finite=True)
    metrics.precision_recall(tp, conf, n_positives)   # checks shapes and n_positives
    controls = {"threshold": widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01,
                                                 description="score >=",
                                                 continuous_update=False)}
    return Explorer(controls, lambda threshold: draw_pr(tp, conf, n_positives, threshold),
                    title="PR explorer: lower the threshold, walk along the curve")


# -------------------------------------------------------------- simulated detector
def _evaluate(gt_boxes, gt_labels, gt_image_ids, noise, seed, fmt):
    """:func:`simulate_detector`'s detections and their COCO evaluation."""
    detections = simulate_detector(gt_boxes, gt_labels, gt_image_ids, noise, seed, fmt=fmt)
    return detections, metrics.evaluate_coco_arrays(*detections, gt_boxes, gt_labels,
                                                    gt_image_ids, fmt=fmt)


def draw_noise(gt_boxes, gt_labels, gt_image_ids, noise: float, seed=0, *,
               fmt: str = "xyxy", baseline: dict | None = None) -> Figure:
    """AP at each IoU threshold of the simulated detector at ``noise``, and the busiest image.

    ``baseline`` (``{threshold: AP}``, e.g. the noise-free detector's) is drawn in grey
    for comparison. The title gives mAP@[.5:.95], AP50 and AP75.
    """
    detections, result = _evaluate(gt_boxes, gt_labels, gt_image_ids, noise, seed, fmt)
    per_iou = result.ap_per_iou()
    figure = Figure(figsize=(8.4, 3.2))
    bars, picture = figure.subplots(1, 2, width_ratios=(1.4, 1),
                                    gridspec_kw={"wspace": 0.1, "top": 0.8})
    thresholds = np.array(list(per_iou))
    if baseline:
        bars.plot(list(baseline), list(baseline.values()), "o-", color="0.6", ms=3, lw=1,
                  label="noise 0")
    bars.bar(thresholds, list(per_iou.values()), width=0.035, color="tab:orange",
             label=f"noise {noise:.2f}")
    bars.axhline(result.stats[0], color="black", lw=1, ls="--",
                 label="mean = mAP@[.5:.95]")
    bars.set_xticks(thresholds, [f"{t:.2f}" for t in thresholds], fontsize=7)
    bars.set_xlabel("IoU threshold", fontsize=8)
    bars.set_ylabel("AP (mean over classes)", fontsize=8)
    bars.set_ylim(0, 1.2)
    bars.set_yticks(np.linspace(0, 1, 6))
    bars.legend(fontsize=7, loc="upper center", ncol=3)
    bars.tick_params(labelsize=7)
    _draw_busiest_image(picture, gt_boxes, gt_image_ids, detections, fmt)
    ap, ap50, ap75 = result.stats[:3]
    figure.suptitle(f"noise {noise:.2f}: mAP@[.5:.95] = {ap:.3f}   AP50 = {ap50:.3f}   "
                    f"AP75 = {ap75:.3f}", fontsize=10)
    return figure


def _draw_busiest_image(axes, gt_boxes, gt_image_ids, detections, fmt) -> None:
    """The ground truths of the image that has most of them, and the detections on it."""
    images = np.asarray(gt_image_ids)
    ids, counts = np.unique(images, return_counts=True)
    busiest = ids[np.argmax(counts)]
    gt = convert(gt_boxes, fmt, "xywh")[images == busiest]
    boxes, scores, _, det_images = detections
    det = convert(boxes, fmt, "xywh")[det_images == busiest]
    for x, y, w, h in gt:
        axes.add_patch(Rectangle((x, y), w, h, fill=False, lw=1.5, edgecolor=_GT))
    for (x, y, w, h), score in zip(det, scores[det_images == busiest]):
        axes.add_patch(Rectangle((x, y), w, h, fill=False, lw=1, ls="--", edgecolor=_FP))
        axes.text(x, y, f"{score:.2f}", fontsize=6, color=_FP, va="bottom")
    corners = np.concatenate([gt[:, :2], gt[:, :2] + gt[:, 2:]])
    low, high = corners.min(axis=0), corners.max(axis=0)
    margin = 0.1 * (high - low).max()
    axes.set_xlim(low[0] - margin, high[0] + margin)
    axes.set_ylim(high[1] + margin, low[1] - margin)
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(f"image {busiest}: ground truth (blue), detections (red, score)",
                   fontsize=8)


def noise_explorer(gt_boxes, gt_labels, gt_image_ids, *, fmt: str = "xyxy",
                   seed=0) -> Explorer:
    """A detector-noise slider: watch mAP@[.5:.95] of :func:`simulate_detector` fall.

    The ground truth stays fixed; the detector's random numbers come from ``seed``.
    """
    gt = as_boxes(gt_boxes, "gt_boxes", fmt)
    baseline = _evaluate(gt, gt_labels, gt_image_ids, 0.0, seed, fmt)[1].ap_per_iou()
    controls = {"noise": widgets.FloatSlider(value=0.1, min=0.0, max=0.3, step=0.01,
                                             description="noise",
                                             continuous_update=False)}
    return Explorer(controls, lambda noise: draw_noise(
        gt, gt_labels, gt_image_ids, noise, seed, fmt=fmt, baseline=baseline),
        title="Detector-noise explorer: AP at each IoU threshold")
