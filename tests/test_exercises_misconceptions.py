"""Feedback that diagnoses: each exercise's common wrong answers are recognised by name."""

import numpy as np
import pytest

from imgprep_course.exercises import LESSONS, lesson_exercises
from imgprep_course.exercises import datasets, detection, rescaling, start_here

EXERCISES = [ex for lesson in sorted(LESSONS) for ex in lesson_exercises(lesson)]
MISCONCEPTIONS = [(ex, wrong) for ex in EXERCISES for wrong in ex.misconceptions]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.number)
def test_every_coding_exercise_names_at_least_two_mistakes(exercise):
    assert len(exercise.misconceptions) >= 2
    assert len({m.says for m in exercise.misconceptions}) == len(exercise.misconceptions)


@pytest.mark.parametrize("exercise, wrong", MISCONCEPTIONS,
                         ids=[f"{ex.number}-{i}" for ex in EXERCISES
                              for i in range(len(ex.misconceptions))])
def test_a_wrong_answer_is_diagnosed_before_the_numbers(exercise, wrong):
    feedback = exercise.check(wrong.function)
    assert feedback.status == "failed", feedback.text
    lines = feedback.text.splitlines()
    assert lines[1] == f"  mistake:  this looks like a common mistake: {wrong.says}"
    assert not any(line.startswith("  mistake") for line in lines[2:])


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.number)
def test_the_reference_and_a_random_answer_are_not_diagnosed(exercise):
    assert all(r.diagnosis == "" for r in exercise.run(exercise.reference))
    for case in exercise.cases():
        assert exercise.diagnose(case, "no such answer") == ""


# Wrong answers written the way a student would, independently of the exercise modules.
def _divides_only(image):
    return image / 255


def _forgets_keepdims(images):
    images = images.astype(np.float32)
    return images - images.mean(axis=(1, 2, 3))


def _textbook_zca(x, eps):
    centred = x - x.mean(axis=0)
    covariance = np.cov(centred, rowvar=False, bias=True)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    return eigenvectors @ np.diag(1 / np.sqrt(eigenvalues + eps)) @ eigenvectors.T


def _row_major_rle(mask):
    pixels = mask.ravel()
    counts, current, run = [], 0, 0
    for p in pixels:
        if p != current:
            counts.append(run)
            current, run = p, 0
        run += 1
    counts.append(run)
    return np.array(counts, dtype=np.int64)


def _argmax_match(ious, scores, threshold):
    taken = np.zeros(ious.shape[1], bool)
    is_tp = np.zeros(len(scores), bool)
    for d in np.argsort(-scores, kind="stable"):
        candidates = np.where(taken, -1, ious[d])
        if candidates.size and candidates.max() >= threshold:
            taken[np.argmax(candidates)] = True
            is_tp[d] = True
    return is_tp


def _voc_plus_one_iou(a, b):
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2])
                 - np.maximum(a[:, None, 0], b[None, :, 0]) + 1, 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3])
                 - np.maximum(a[:, None, 1], b[None, :, 1]) + 1, 0, None)
    area = lambda x: (x[:, 2] - x[:, 0] + 1) * (x[:, 3] - x[:, 1] + 1)  # noqa: E731
    return ix * iy / (area(a)[:, None] + area(b)[None, :] - ix * iy)


def _no_envelope(recall, precision):
    total, previous = 0.0, 0.0
    for r, p in zip(recall, precision):
        total += (r - previous) * p
        previous = r
    return total


def _pycocotools_ranges(areas):
    return (int((areas <= 32 ** 2).sum()), int(((areas >= 32 ** 2) & (areas <= 96 ** 2)).sum()),
            int((areas >= 96 ** 2).sum()))


def _nms_keeping_only_lower_overlaps(boxes, scores, iou_threshold):
    kept = []
    for i in np.argsort(-scores, kind="stable"):
        if all(_one_iou(boxes[i], boxes[k]) < iou_threshold for k in kept):   # < : drops ties
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def _one_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def _class_index_by_sorted_names(category_ids, categories):
    names = sorted(c["name"] for c in categories)
    name_of = {c["id"]: c["name"] for c in categories}
    return np.array([names.index(name_of[i]) for i in category_ids], dtype=np.int64)


@pytest.mark.parametrize("exercise, answer, words", [
    (detection.non_max_suppression, _nms_keeping_only_lower_overlaps, "IoU >= threshold"),
    (datasets.class_index, _class_index_by_sorted_names, "ImageFolder's rule"),
    (start_here.to_float, _divides_only, "float64"),
    (rescaling.subtract_mean, _forgets_keepdims, "forgot keepdims"),
    (rescaling.zca_matrix, _textbook_zca, "where eps goes"),
    (datasets.rle_counts, _row_major_rle, "row-major RLE"),
    (datasets.size_histogram, _pycocotools_ranges, "pycocotools' evaluation ranges"),
    (detection.match, _argmax_match, "np.argmax takes the first of equal IoUs"),
    (detection.iou, _voc_plus_one_iou, "the VOC devkit's +1"),
    (detection.all_point_ap, _no_envelope, "AP without the precision envelope"),
])
def test_a_student_written_mistake_is_recognised(exercise, answer, words):
    feedback = exercise.check(answer)
    assert feedback.status == "failed"
    assert words in feedback.text.splitlines()[1], feedback.text


def test_float64_fails_where_float32_is_asked_with_a_clear_message():
    feedback = start_here.to_float.check(_divides_only)
    assert "has dtype float64, expected float32, as the exercise asks" in feedback.text
