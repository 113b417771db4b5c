"""metrics.haar: OpenCV's Haar face cascade on the annotated photos."""

from __future__ import annotations

import numpy as np
import pytest

from imgprep_course.datasets.photos import load_photo, photos_coco
from imgprep_course.metrics import box_iou
from imgprep_course.metrics.haar import detect_faces

pytest.importorskip("cv2")       # a dependency of the course; absent only in a broken env


def _faces(name):
    data = photos_coco()
    image_id = next(i["id"] for i in data["images"] if i["file_name"] == f"{name}.jpg")
    face = next(c["id"] for c in data["categories"] if c["name"] == "face")
    return np.array([a["bbox"] for a in data["annotations"]
                     if a["image_id"] == image_id and a["category_id"] == face])


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_finds_the_frontal_faces_annotated_by_hand(name):
    boxes, scores = detect_faces(load_photo(name), min_size=48)
    assert boxes.shape == (len(scores), 4) and boxes.dtype == np.float64
    best = box_iou(boxes, _faces(name), fmt="xywh").max()
    assert best > 0.5


def test_grey_and_rgb_give_the_same_boxes():
    photo = load_photo("astronaut")
    grey = np.rint(photo @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    colour, _ = detect_faces(photo, min_size=48)
    assert len(colour) >= 1
    grey_boxes, _ = detect_faces(grey, min_size=48)
    assert box_iou(colour, grey_boxes, fmt="xywh").max(axis=1).min() > 0.9


def test_no_face_in_a_flat_image():
    boxes, scores = detect_faces(np.full((60, 80), 128, np.uint8))
    assert boxes.shape == (0, 4) and scores.shape == (0,)


@pytest.mark.parametrize("bad, message", [
    (dict(image=np.zeros((10, 10), np.float32)), "uint8"),
    (dict(image=np.zeros((10, 10, 4), np.uint8)), r"\(H, W, 3\)"),
    (dict(image=np.zeros((10, 10), np.uint8), scale_factor=1.0), "scale_factor"),
    (dict(image=np.zeros((10, 10), np.uint8), min_neighbors=-1), "min_neighbors"),
    (dict(image=np.zeros((10, 10), np.uint8), min_size=2.5), "min_size"),
])
def test_bad_input_names_the_argument(bad, message):
    with pytest.raises(ValueError, match=message):
        detect_faces(**bad)
