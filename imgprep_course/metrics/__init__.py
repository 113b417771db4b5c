"""Detection metrics: IoU, matching, precision/recall, VOC and COCO average precision.

The lecture's shorthand "AP = TP / (TP + FP)" is precision at one cut-off. The real
average precision ranks detections by confidence and integrates precision over recall;
this package computes it the way the reference tools do, with the same numbers:

- :func:`box_iou`, :func:`mask_iou` -- pairwise IoU (xyxy, xywh, VOC's +1 pixels; crowds);
- :func:`greedy_match` -- detections to ground truths, highest score first;
- :func:`precision_recall`, :func:`voc_ap`, :func:`coco_ap` -- curves and their areas;
- :func:`voc_evaluate` -- PASCAL VOC per-class AP and mAP (the devkit's ``voc_eval``);
- :func:`simulate_detector` -- detections of a made-up detector of adjustable quality;
- :func:`evaluate_coco`, :func:`evaluate_coco_arrays` -- pycocotools' ``COCOeval``,
  returning a :class:`COCOResult` with the 12 numbers and breakdowns.
"""

from imgprep_course.metrics._ap import coco_ap, precision_recall, voc_ap
from imgprep_course.metrics._iou import box_iou, mask_iou
from imgprep_course.metrics._matching import greedy_match
from imgprep_course.metrics.simulate import simulate_detector
from imgprep_course.metrics.coco import (STAT_NAMES, COCOResult, evaluate_coco,
                                         evaluate_coco_arrays)
from imgprep_course.metrics.voc import VOCResult, voc_evaluate

__all__ = ["box_iou", "mask_iou", "greedy_match", "precision_recall", "voc_ap", "coco_ap",
           "evaluate_coco", "evaluate_coco_arrays", "simulate_detector", "COCOResult",
           "STAT_NAMES",
           "voc_evaluate", "VOCResult"]
