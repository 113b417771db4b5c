"""The numbers the lessons state in their text match the data and code they describe.

Each test finds the sentence in the solution notebook (so a rewording that drops the fact
fails here, and is updated together with it) and recomputes the number.
"""

from __future__ import annotations

import numpy as np
import nbformat
import pytest

from imgprep_course import metrics, rescale
from imgprep_course.datasets import COCO, make_shapes, read_voc_xml
from imgprep_course.datasets.photos import PHOTO_NAMES, load_photo, photos_coco
from imgprep_course.images import load_sample, random_crops
from imgprep_course.notebooks import course_root


def _text(lesson: str) -> str:
    nb = nbformat.read(course_root() / "solutions" / f"{lesson}.ipynb", as_version=4)
    return "\n".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def _says(lesson: str, *phrases: str) -> None:
    text = _text(lesson)
    for phrase in phrases:
        assert " ".join(phrase.split()) in text, f"{lesson} no longer says {phrase!r}"


def test_03_photo_set_counts_and_coco_ids():
    _says("03_datasets", "six photos that come with scikit-image", "22 objects **by hand**",
          "`person` is 1, `cat` 17, `cup` 47 and `spoon` 50, COCO's own ids")
    data = photos_coco()
    assert len(PHOTO_NAMES) == 6 and len(data["annotations"]) == 22
    ids = {c["name"]: c["id"] for c in data["categories"]}
    assert (ids["person"], ids["cat"], ids["cup"], ids["spoon"]) == (1, 17, 47, 50)
    assert min(i for name, i in ids.items() if name not in ("person", "cat", "cup", "spoon")) == 91


def test_04_haar_cascade_numbers():
    pytest.importorskip("cv2")
    from imgprep_course.metrics.haar import detect_faces

    _says("04_map", "overlaps the annotation by 0.36", "AP50 is 0.66: two of three faces")
    data = photos_coco()
    face = next(c["id"] for c in data["categories"] if c["name"] == "face")
    faces = [a for a in data["annotations"] if a["category_id"] == face]
    assert len(faces) == 3
    boxes, scores, images = [], [], []
    for info in data["images"]:
        found, confidence = detect_faces(load_photo(info["file_name"][:-4]), min_neighbors=1,
                                         min_size=48)
        boxes.append(found)
        scores.append(confidence)
        images.append(np.full(len(confidence), info["id"]))
        if info["file_name"] == "camera.jpg":
            mine = [a["bbox"] for a in faces if a["image_id"] == info["id"]]
            assert round(float(metrics.box_iou(found, mine, fmt="xywh").max()), 2) == 0.36
    result = metrics.evaluate_coco_arrays(
        np.concatenate(boxes), np.concatenate(scores), np.full(sum(map(len, scores)), face),
        np.concatenate(images), [a["bbox"] for a in faces], [face] * 3,
        [a["image_id"] for a in faces], fmt="xywh")
    assert round(float(result.stats[1]), 2) == 0.66 and result.stats[2] == 0


def test_04_voc_threshold_edge_case():
    _says("04_map", "a 10 × 10 box inside a 10 × 20 one", "This library follows the Python port (`>`)")
    assert metrics.box_iou([[1, 1, 10, 10]], [[1, 1, 10, 20]], fmt="voc")[0, 0] == 0.5
    result = metrics.voc_evaluate([[1, 1, 10, 10]], [0.9], [1], [1], [[1, 1, 10, 20]], [1], [1])
    assert result.ap[1] == 0.0                     # exactly 0.5 is not a hit here


def test_01_curvature_of_raw_and_standardized_pixels():
    _says("01_rescaling", "about 30,000 times steeper", "(a dot product of 1.000)",
          "With a learning rate 100,000 times smaller the raw model does train")
    patches = np.concatenate([random_crops(load_sample("grace_hopper"), 200, 8, seed=0),
                              random_crops(load_sample("present"), 200, 8, seed=1)])
    features = patches.reshape(400, -1).astype(np.float64)
    scaled = rescale.standardize(features, axis=0, eps=1e-6, dtype=np.float64)
    largest = {}
    for name, x in [("raw", features), ("standardized", scaled)]:
        design = np.c_[x, np.ones(len(x))]
        curvature, directions = np.linalg.eigh(design.T @ design / (4 * len(x)))
        largest[name] = curvature[-1]
        if name == "raw":
            mean = design.mean(axis=0) / np.linalg.norm(design.mean(axis=0))
            assert round(abs(float(directions[:, -1] @ mean)), 3) == 1.0
    assert 25_000 < largest["raw"] / largest["standardized"] < 35_000


def test_03_shapes_facts(tmp_path):
    _says("03_datasets", "Image 1 has 4 COCO annotations", "but 10 VOC objects:",
          "Annotation 154 is a circle of which a single pixel is visible")
    root = make_shapes(tmp_path / "shapes", images=40, seed=0, quiet=True)
    coco = COCO(root / "coco" / "instances.json")
    assert len(coco.getAnnIds(imgIds=1)) == 4
    assert len(read_voc_xml(root / "voc" / "Annotations" / "000000000001.xml").objects) == 10
    tiny = coco.anns[154]
    assert coco.cats[tiny["category_id"]]["name"] == "circle" and tiny["area"] == 1
