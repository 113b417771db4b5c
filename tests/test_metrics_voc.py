"""VOC AP and evaluation against the devkit (py-faster-rcnn lib/datasets/voc_eval.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course.metrics import box_iou, voc_ap, voc_evaluate


def devkit_voc_ap(rec, prec, use_07_metric=False):
    """``voc_ap`` of py-faster-rcnn ``lib/datasets/voc_eval.py``, transcribed literally."""
    if use_07_metric:
        # 11 point metric
        ap = 0.
        for t in np.arange(0., 1.1, 0.1):
            if np.sum(rec >= t) == 0:
                p = 0
            else:
                p = np.max(prec[rec >= t])
            ap = ap + p / 11.
    else:
        # correct AP calculation
        # first append sentinel values at the end
        mrec = np.concatenate(([0.], rec, [1.]))
        mpre = np.concatenate(([0.], prec, [0.]))

        # compute the precision envelope
        for i in range(mpre.size - 1, 0, -1):
            mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])

        # to calculate area under PR curve, look for points
        # where X axis (recall) changes value
        i = np.where(mrec[1:] != mrec[:-1])[0]

        # and sum (\Delta recall) * prec
        ap = np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])
    return ap


def devkit_overlaps(bb, BBGT):
    """The overlaps in ``voc_eval`` of py-faster-rcnn ``lib/datasets/voc_eval.py`` (one
    detection ``bb`` with the ground truths ``BBGT``), transcribed literally."""
    # compute overlaps
    # intersection
    ixmin = np.maximum(BBGT[:, 0], bb[0])
    iymin = np.maximum(BBGT[:, 1], bb[1])
    ixmax = np.minimum(BBGT[:, 2], bb[2])
    iymax = np.minimum(BBGT[:, 3], bb[3])
    iw = np.maximum(ixmax - ixmin + 1., 0.)
    ih = np.maximum(iymax - iymin + 1., 0.)
    inters = iw * ih

    # union
    uni = ((bb[2] - bb[0] + 1.) * (bb[3] - bb[1] + 1.) +
           (BBGT[:, 2] - BBGT[:, 0] + 1.) *
           (BBGT[:, 3] - BBGT[:, 1] + 1.) - inters)
    return inters / uni


def devkit_voc_eval(recs, imagenames, classname, det_lines, ovthresh=0.5, use_07_metric=False):
    """``voc_eval`` of py-faster-rcnn ``lib/datasets/voc_eval.py``, transcribed literally
    from "extract gt objects for this class" on. Only the I/O differs: ``recs`` is what
    ``parse_rec`` returns per image, ``det_lines`` the detection file's lines; Python 3
    (``np.bool`` is ``bool``), 0/0 warnings silenced (the devkit lets them print), and the
    overlap computation is the function :func:`devkit_overlaps`."""
    # extract gt objects for this class
    class_recs = {}
    npos = 0
    for imagename in imagenames:
        R = [obj for obj in recs[imagename] if obj['name'] == classname]
        bbox = np.array([x['bbox'] for x in R])
        difficult = np.array([x['difficult'] for x in R]).astype(bool)
        det = [False] * len(R)
        npos = npos + sum(~difficult)
        class_recs[imagename] = {'bbox': bbox,
                                 'difficult': difficult,
                                 'det': det}

    # read dets
    lines = det_lines

    splitlines = [x.strip().split(' ') for x in lines]
    image_ids = [x[0] for x in splitlines]
    confidence = np.array([float(x[1]) for x in splitlines])
    BB = np.array([[float(z) for z in x[2:]] for x in splitlines])

    # sort by confidence
    sorted_ind = np.argsort(-confidence)
    BB = BB[sorted_ind, :]
    image_ids = [image_ids[x] for x in sorted_ind]

    # go down dets and mark TPs and FPs
    nd = len(image_ids)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for d in range(nd):
        R = class_recs[image_ids[d]]
        bb = BB[d, :].astype(float)
        ovmax = -np.inf
        BBGT = R['bbox'].astype(float)

        if BBGT.size > 0:
            overlaps = devkit_overlaps(bb, BBGT)
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)

        if ovmax > ovthresh:
            if not R['difficult'][jmax]:
                if not R['det'][jmax]:
                    tp[d] = 1.
                    R['det'][jmax] = 1
                else:
                    fp[d] = 1.
        else:
            fp[d] = 1.

    # compute precision recall
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    rec = tp / float(npos)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = tp / (tp + fp)
    ap = devkit_voc_ap(rec, prec, use_07_metric)

    return rec, prec, ap


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("use_07_metric", [False, True])
def test_voc_ap_equals_the_devkit_bit_for_bit(seed, use_07_metric):
    rng = np.random.default_rng(seed)
    n_pos = int(rng.choice([5, 10, 20, 7]))   # 10 and 20 put recalls exactly on the grid
    tp = rng.random(int(rng.integers(1, 40))) < .6
    fp = ~tp
    rec = np.cumsum(tp).astype(float) / float(n_pos)
    prec = np.cumsum(tp) / (np.cumsum(tp) + np.cumsum(fp)).astype(float)
    rec = np.minimum(rec, 1.0)
    assert voc_ap(rec, prec, use_07_metric) == devkit_voc_ap(rec, prec, use_07_metric)


def test_recall_exactly_on_the_11_point_grid():
    """``np.arange(0, 1.1, .1)[3]`` is 0.30000000000000004: a recall of 0.3 misses it."""
    rec, prec = np.array([0.3]), np.array([1.0])
    assert voc_ap(rec, prec, use_07_metric=True) == devkit_voc_ap(rec, prec, True) == 3 / 11
    rec = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])   # 0.6 and 0.7 miss theirs too
    prec = np.linspace(1, .4, 7)
    assert voc_ap(rec, prec, True) == devkit_voc_ap(rec, prec, True)
    assert voc_ap(rec, prec, True) != pytest.approx(np.mean([prec[rec >= t].max(initial=0)
                                                             for t in np.arange(11) / 10]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0, 1)), max_size=30),
       st.sampled_from([4, 5, 10, 20]), st.booleans())
def test_voc_ap_on_grid_recalls_equals_the_devkit(points, n_pos, use_07_metric):
    rec = np.sort(np.minimum([k for k, _ in points], n_pos)).astype(float) / n_pos
    prec = np.array([p for _, p in points], dtype=float)
    assert voc_ap(rec, prec, use_07_metric) == devkit_voc_ap(rec, prec, use_07_metric)


@pytest.mark.parametrize("seed", range(4))
def test_voc_equals_the_devkit_bit_for_bit(seed):
    """Overlaps, recall, precision and AP: the devkit's float64 bits, not just close."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(1, 60, (40, 2))
    boxes = np.concatenate([xy, xy + rng.integers(0, 30, (40, 2))], axis=1).astype(float)
    dt, gt = boxes[:25], boxes[25:]
    ours = box_iou(dt, gt, fmt="voc")
    for i, bb in enumerate(dt):
        assert ours[i].tobytes() == devkit_overlaps(bb, gt).tobytes()
    dets, gts = random_voc_set(100 + seed)
    result = voc_evaluate(**dets, **gts)
    for label in range(3):
        rec, prec, ap = devkit_run(dets, gts, label)
        assert result.recall[label].tobytes() == rec.tobytes()
        assert result.precision[label].tobytes() == np.nan_to_num(prec, nan=0.0).tobytes()
        assert np.float64(result.ap[label]).tobytes() == np.float64(ap).tobytes()
        assert 0 < ap < 1


def random_voc_set(seed: int, n_images: int = 30, n_classes: int = 3):
    """Integer VOC boxes, 20 % difficult, detections near objects and anywhere, distinct
    scores (the devkit's unstable sort leaves ties undefined)."""
    rng = np.random.default_rng(seed)
    gt_boxes, gt_labels, gt_images, difficult = [], [], [], []
    for image in range(n_images):
        for _ in range(rng.integers(0, 6)):
            xy = rng.integers(1, 80, 2)
            gt_boxes.append([*xy, *(xy + rng.integers(0, 40, 2))])
            gt_labels.append(int(rng.integers(n_classes)))
            gt_images.append(image)
            difficult.append(rng.random() < .2)
    boxes, labels, images = [], [], []
    for i in rng.integers(0, len(gt_boxes), 4 * n_images):
        boxes.append(np.array(gt_boxes[i]) + rng.integers(-4, 5, 4))
        labels.append(gt_labels[i] if rng.random() < .9 else int(rng.integers(n_classes)))
        images.append(gt_images[i])
    for _ in range(n_images):
        xy = rng.integers(1, 80, 2)
        boxes.append([*xy, *(xy + rng.integers(0, 40, 2))])
        labels.append(int(rng.integers(n_classes)))
        images.append(int(rng.integers(n_images)))
    boxes = np.array(boxes)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
    scores = rng.permutation(len(boxes)) / len(boxes) + 0.001
    return (dict(boxes=boxes, scores=scores, labels=np.array(labels), image_ids=np.array(images)),
            dict(gt_boxes=np.array(gt_boxes), gt_labels=np.array(gt_labels),
                 gt_image_ids=np.array(gt_images), gt_difficult=np.array(difficult)))


def devkit_run(dets: dict, gts: dict, classname: int, **kwargs):
    imagenames = [str(i) for i in range(int(max(gts["gt_image_ids"].max(),
                                                 dets["image_ids"].max())) + 1)]
    recs = {name: [] for name in imagenames}
    for box, label, image, hard in zip(gts["gt_boxes"], gts["gt_labels"], gts["gt_image_ids"],
                                       gts["gt_difficult"]):
        recs[str(image)].append({"name": int(label), "difficult": int(hard),
                                 "bbox": [int(v) for v in box]})
    lines = [f"{image} {float(score)!r} " + " ".join(f"{float(v)!r}" for v in box)
             for box, score, label, image in zip(dets["boxes"], dets["scores"], dets["labels"],
                                                 dets["image_ids"]) if label == classname]
    return devkit_voc_eval(recs, imagenames, classname, lines, **kwargs)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("use_07_metric", [False, True])
def test_equals_the_devkit(seed, use_07_metric):
    dets, gts = random_voc_set(seed)
    threshold = [0.5, 0.5, 0.3, 0.7][seed % 4]
    result = voc_evaluate(**dets, **gts, iou_threshold=threshold, use_07_metric=use_07_metric)
    for label in range(3):
        rec, prec, ap = devkit_run(dets, gts, label, ovthresh=threshold,
                                   use_07_metric=use_07_metric)
        assert np.array_equal(result.recall[label], rec)
        # where the top detections hit difficult objects the devkit's precision is 0/0
        assert np.array_equal(result.precision[label], np.nan_to_num(prec, nan=0.0))
        if np.isnan(ap):  # the port's 11-point AP is then NaN; MATLAB's max skips the NaN
            assert use_07_metric and np.isnan(prec[0])
            ap = devkit_voc_ap(rec, np.nan_to_num(prec, nan=0.0), use_07_metric)
        assert result.ap[label] == ap
    assert result.mean_ap == pytest.approx(np.mean(list(result.ap.values())))


def test_difficult_first_gives_a_number_not_nan():
    """The port's 11-point AP is NaN when the best detection hits a difficult object;
    MATLAB's max ignores that NaN, and so do we."""
    result = voc_evaluate([[1, 1, 10, 10], [20, 20, 30, 30]], [.9, .8], [0, 0], [0, 0],
                          [[1, 1, 10, 10], [20, 20, 30, 30]], [0, 0], [0, 0],
                          gt_difficult=[True, False], use_07_metric=True)
    assert result.precision[0].tolist() == [0.0, 1.0]
    assert result.ap[0] == pytest.approx(1.0, abs=1e-15)  # 11 * (1 / 11), added one by one


def test_rules_strict_threshold_no_fallback_difficult():
    gt = dict(gt_boxes=[[1, 1, 10, 10], [1, 1, 10, 9]], gt_labels=[0, 0], gt_image_ids=[0, 0])
    # overlap exactly 0.5 is not enough (strictly greater)
    half = voc_evaluate([[1, 1, 10, 5]], [1.], [0], [0], **dict(gt, gt_boxes=[[1, 1, 10, 10]],
                                                                gt_labels=[0], gt_image_ids=[0]))
    assert half.recall[0].tolist() == [0.0]
    # the second detection's best ground truth is taken: a false positive, no fall-back
    taken = voc_evaluate([[1, 1, 10, 10], [1, 1, 10, 10]], [.9, .8], [0, 0], [0, 0], **gt)
    assert taken.precision[0].tolist() == [1.0, 0.5]
    # a difficult best match is neither TP nor FP
    hard = voc_evaluate([[1, 1, 10, 10]], [.9], [0], [0], **gt, gt_difficult=[True, False])
    assert hard.recall[0].tolist() == [0.0] and hard.n_positives[0] == 1


def test_ties_keep_input_order():
    gt = dict(gt_boxes=[[1, 1, 10, 10]], gt_labels=[0], gt_image_ids=[0])
    first_wrong = voc_evaluate([[50, 50, 60, 60], [1, 1, 10, 10]], [.5, .5], [0, 0], [0, 0], **gt)
    first_right = voc_evaluate([[1, 1, 10, 10], [50, 50, 60, 60]], [.5, .5], [0, 0], [0, 0], **gt)
    assert first_wrong.precision[0].tolist() == [0.0, 0.5]
    assert first_right.precision[0].tolist() == [1.0, 0.5]


def test_formats_and_class_without_positives():
    # xyxy [0, 0, 10, 10] is VOC [1, 1, 10, 10]; class 1 has only a difficult object
    result = voc_evaluate([[0, 0, 10, 10]], [.9], [0], [7], [[0, 0, 10, 10], [0, 0, 5, 5]],
                          [0, 1], [7, 7], gt_difficult=[False, True], fmt="xyxy")
    assert result.ap == {0: 1.0} and result.mean_ap == 1.0
    empty = voc_evaluate(np.zeros((0, 4)), [], [], [], [[1, 1, 5, 5]], [3], [0])
    assert empty.ap == {3: 0.0}


@pytest.mark.parametrize("kwargs, message", [
    ({"boxes": [[5, 5, 3, 10]]}, r"boxes\[0\] has a negative width"),
    ({"scores": [np.nan]}, r"scores\[0\] is nan"),
    ({"labels": [0, 1]}, r"labels must be a \(1,\) array"),
    ({"gt_difficult": [True, False, True]}, r"gt_difficult must be a \(1,\) array"),
    ({"fmt": "yxyx"}, "fmt must be one of"),
    ({"iou_threshold": 1.0}, r"iou_threshold must be in \[0, 1\)"),
])
def test_bad_input(kwargs, message):
    args = dict(boxes=[[1, 1, 5, 5]], scores=[.5], labels=[0], image_ids=[0],
                gt_boxes=[[1, 1, 5, 5]], gt_labels=[0], gt_image_ids=[0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        voc_evaluate(**args)


def test_tied_scores_follow_a_stable_sort_not_the_ports_quicksort(monkeypatch):
    """Ties keep the input order (documented): equal to the devkit port run with a stable
    argsort; the port's own quicksort may order ties otherwise (Padilla's example: 22.35%
    / 23.81% where the stable order gives the published 24.57% / 26.84%)."""
    dets, gts = random_voc_set(3)
    dets["scores"] = np.round(dets["scores"] * 4) / 4   # a handful of values: many ties
    ours = voc_evaluate(**dets, **gts)
    argsort = np.argsort
    monkeypatch.setattr(np, "argsort", lambda a, *args, **kw: argsort(a, kind="stable"))
    for label in range(3):
        rec, prec, ap = devkit_run(dets, gts, label)
        assert ours.recall[label].tobytes() == rec.tobytes()
        assert ours.ap[label] == ap
