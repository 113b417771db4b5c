"""datasets.photos: the hand-annotated real photos, written and read back in three formats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imgprep_course import boxes
from imgprep_course.datasets import COCO, ImageFolder, read_voc_dataset, read_voc_segmentation
from imgprep_course.datasets.photos import (PHOTO_NAMES, class_index, load_photo, make_photos,
                                            photo_info, photos_coco)
from imgprep_course.images import load_sample


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return make_photos(tmp_path_factory.mktemp("photos") / "set")


def test_the_set_is_big_enough_and_every_photo_has_a_licence():
    data = photos_coco()
    assert len(data["images"]) >= 6 and len(data["annotations"]) >= 12
    used = {a["category_id"] for a in data["annotations"]}
    assert used == {c["id"] for c in data["categories"]}
    for name in PHOTO_NAMES:
        info = photo_info(name)
        assert info["package"] in ("scikit-image", "matplotlib") and info["license"]
    with pytest.raises(ValueError, match="name must be one of"):
        photo_info("lena")


def test_photos_are_the_packages_own():
    skimage_data = pytest.importorskip("skimage.data")   # a dependency: present in the test env
    for name in PHOTO_NAMES:
        photo = load_photo(name)
        info = photo_info(name)
        assert photo.shape == (info["height"], info["width"], 3) and photo.dtype == np.uint8
        if info["package"] == "scikit-image":
            original = getattr(skimage_data, name)()
            if original.ndim == 2:
                original = np.repeat(original[..., None], 3, axis=2)
            np.testing.assert_array_equal(photo, original)
        else:
            np.testing.assert_array_equal(photo, load_sample(name))


def test_annotations_lie_inside_their_photo_and_areas_match_the_masks():
    data = photos_coco()
    coco = COCO(data)                 # validates ids, boxes and polygons
    for ann in data["annotations"]:
        image = coco.imgs[ann["image_id"]]
        points = np.concatenate([np.reshape(p, (-1, 2)) for p in ann["segmentation"]])
        assert points.min() >= 0
        assert points[:, 0].max() <= image["width"] and points[:, 1].max() <= image["height"]
        x, y, w, h = ann["bbox"]
        assert (x, y) == tuple(points.min(axis=0)) and (x + w, y + h) == tuple(points.max(axis=0))
        pixels = coco.annToMask(ann).sum()
        assert isinstance(ann["area"], float)
        assert abs(pixels - ann["area"]) <= 0.05 * ann["area"], ann["id"]


def test_coco_files_read_back(written):
    coco = COCO(written / "coco" / "instances.json")
    data = photos_coco()
    assert json.loads((written / "coco" / "instances.json").read_text()) == data
    assert len(coco.imgs) == len(PHOTO_NAMES) and len(coco.anns) == len(data["annotations"])
    for info in coco.imgs.values():
        assert (written / "coco" / "images" / info["file_name"]).is_file()


def test_voc_files_read_back_with_boxes_rounded_outwards(written):
    coco = COCO(written / "coco" / "instances.json")
    voc = read_voc_dataset(written / "voc", "trainval")
    assert list(voc) == list(PHOTO_NAMES)
    for image_id, info in coco.imgs.items():
        ann = voc[info["file_name"][:-4]]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id))
        assert (ann.width, ann.height) == (info["width"], info["height"])
        assert ann.names() == [coco.cats[a["category_id"]]["name"] for a in anns]
        xyxy = boxes.convert([a["bbox"] for a in anns], "xywh", "xyxy")
        expected = np.concatenate([np.floor(xyxy[:, :2]) + 1, np.ceil(xyxy[:, 2:])], axis=1)
        np.testing.assert_array_equal(ann.boxes("voc"), expected)
        class_map = read_voc_segmentation(written / "voc" / "SegmentationClass"
                                          / f"{info['file_name'][:-4]}.png")
        object_map = read_voc_segmentation(written / "voc" / "SegmentationObject"
                                           / f"{info['file_name'][:-4]}.png")
        assert class_map.shape == (info["height"], info["width"])
        assert set(np.unique(object_map)) - {0} <= set(range(1, len(anns) + 1))
        # a face lies inside its person, and is painted over it
        names = [c["name"] for c in coco.dataset["categories"]]
        if "face" in ann.names():
            assert (class_map == names.index("face") + 1).any()


def test_class_folders_read_back_in_sorted_order(written):
    folder = ImageFolder(written / "classes")
    data = photos_coco()
    names = sorted({c["name"] for c in data["categories"]})
    assert folder.classes == names and len(folder) == len(data["annotations"])
    by_id = {c["id"]: c["name"] for c in data["categories"]}
    counts = {name: 0 for name in names}
    for ann in data["annotations"]:
        counts[by_id[ann["category_id"]]] += 1
    assert folder.counts() == counts
    image, target = folder[0]
    assert image.ndim == 3 and folder.classes[target] == "camera"


def test_class_index_maps_ids_to_positions():
    categories = photos_coco()["categories"]
    ids = [c["id"] for c in categories]
    assert class_index(ids, categories).tolist() == list(range(len(ids)))
    assert class_index([17, 1], categories).tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"ids \[2, 90\]"):
        class_index([1, 2, 90], categories)


def test_make_photos_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        make_photos(tmp_path / "full")
