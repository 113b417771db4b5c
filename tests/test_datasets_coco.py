"""datasets.coco: the COCO index against pycocotools, and its errors on bad files."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from pycocotools.coco import COCO as PyCOCO
import pycocotools.mask as mask_utils

from imgprep_course.datasets import COCO, load_json, masks, shapes


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    root = shapes.make_shapes(tmp_path_factory.mktemp("coco") / "shapes", images=10, seed=11,
                              quiet=True)
    return root / "coco" / "instances.json"


@pytest.fixture(scope="module")
def peer(instances):
    return PyCOCO(str(instances))


@pytest.fixture
def dataset(instances):
    return json.loads(instances.read_text())


def test_attributes_equal_pycocotools(instances, peer):
    ours = COCO(instances)
    assert ours.dataset == peer.dataset
    assert ours.imgs == peer.imgs and ours.anns == peer.anns and ours.cats == peer.cats
    assert dict(ours.imgToAnns) == dict(peer.imgToAnns)
    assert dict(ours.catToImgs) == dict(peer.catToImgs)
    assert "10 images" in repr(ours)


def test_queries_equal_pycocotools(instances, peer):
    ours = COCO(instances)
    cat_ids, img_ids = peer.getCatIds(), peer.getImgIds()
    assert ours.getCatIds() == cat_ids and ours.getImgIds() == img_ids
    assert ours.getAnnIds() == peer.getAnnIds()
    rng = np.random.default_rng(0)
    for _ in range(40):
        imgs = [int(i) for i in rng.choice(img_ids, rng.integers(0, 4), replace=False)]
        cats = [int(c) for c in rng.choice(cat_ids, rng.integers(0, 3), replace=False)]
        area = [] if rng.random() < 0.5 else sorted(rng.uniform(0, 5000, 2).tolist())
        crowd = [None, 0, 1, False][rng.integers(4)]
        assert ours.getAnnIds(imgIds=imgs, catIds=cats, areaRng=area, iscrowd=crowd) == \
            peer.getAnnIds(imgIds=imgs, catIds=cats, areaRng=area, iscrowd=crowd)
        assert ours.getImgIds(imgIds=imgs, catIds=cats) == sorted(
            peer.getImgIds(imgIds=imgs, catIds=cats), key=img_ids.index)
    assert ours.getCatIds(catNms=["star", "cross"]) == peer.getCatIds(catNms=["star", "cross"])
    assert ours.getCatIds(supNms="round") == peer.getCatIds(supNms="round")
    assert ours.getCatIds(catNms="circle", catIds=[1, 2]) == peer.getCatIds(catNms="circle",
                                                                            catIds=[1, 2])
    assert ours.loadImgs(img_ids[3]) == peer.loadImgs(img_ids[3])
    assert ours.loadAnns([1, 2]) == peer.loadAnns([1, 2])
    assert ours.loadCats(cat_ids) == peer.loadCats(cat_ids)


def test_one_id_or_numpy_ids(instances, peer):
    ours = COCO(instances)
    assert ours.getAnnIds(imgIds=np.int64(2)) == peer.getAnnIds(imgIds=2)
    assert ours.loadAnns(np.array([1, 3])) == peer.loadAnns([1, 3])


def _real_style_dataset() -> dict:
    """Three segmentation forms on one 7x9 image, as the real files hold them."""
    rle = mask_utils.encode(np.asfortranarray(np.eye(7, 9, dtype=np.uint8)))
    return {"images": [{"id": 42, "file_name": "x.jpg", "height": 7, "width": 9}],
            "categories": [{"id": 5, "name": "thing", "supercategory": "stuff"}],
            "annotations": [
                {"id": 1, "image_id": 42, "category_id": 5, "iscrowd": 0, "area": 10.5,
                 "bbox": [1.2, 0.5, 6.1, 5.0],
                 "segmentation": [[1.2, 0.5, 7.3, 2.25, 4.0, 5.5], [0, 6, 2, 6, 1, 7]]},
                {"id": 2, "image_id": 42, "category_id": 5, "iscrowd": 1, "area": 12,
                 "bbox": [0, 0, 9, 7], "segmentation": {"size": [7, 9],
                                                        "counts": [3, 4, 10, 5, 30, 11]}},
                {"id": 3, "image_id": 42, "category_id": 5, "iscrowd": 0, "area": 7,
                 "bbox": [0, 0, 7, 7], "segmentation": {"size": [7, 9],
                                                        "counts": rle["counts"].decode()}}]}


def test_ann_to_rle_every_form_equals_pycocotools(tmp_path, capsys):
    path = tmp_path / "real.json"
    path.write_text(json.dumps(_real_style_dataset()))
    ours, peer = COCO(path), PyCOCO(str(path))
    for ann_id in (1, 2, 3):
        expected = peer.annToRLE(peer.anns[ann_id])
        got = ours.annToRLE(ours.anns[ann_id])
        counts = expected["counts"]
        assert got["counts"] == (counts.encode() if isinstance(counts, str) else counts)
        assert got["size"] == list(expected["size"])
        np.testing.assert_array_equal(ours.annToMask(ours.anns[ann_id]),
                                      peer.annToMask(peer.anns[ann_id]))


def test_random_polygons_match_pycocotools():
    rng = np.random.default_rng(5)
    anns = [{"id": k + 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 0,
             "bbox": [0, 0, 1, 1],
             "segmentation": [np.round(rng.uniform(-3, 33, rng.integers(6, 20) // 2 * 2),
                                       2).tolist() for _ in range(rng.integers(1, 4))]}
            for k in range(200)]
    data = {"images": [{"id": 1, "file_name": "a", "height": 23, "width": 31}],
            "categories": [{"id": 1, "name": "c"}], "annotations": anns}
    ours = COCO(data)
    for ann in anns:
        rles = mask_utils.frPyObjects(ann["segmentation"], 23, 31)
        assert ours.annToRLE(ann)["counts"] == mask_utils.merge(rles)["counts"]


def test_captions_file_needs_no_categories():
    coco = COCO({"images": [{"id": 1, "file_name": "a", "height": 2, "width": 2}],
                 "annotations": [{"id": 9, "image_id": 1, "caption": "A circle."}]})
    assert coco.getAnnIds(imgIds=1) == [9] and coco.getCatIds() == []
    assert coco.getAnnIds(iscrowd=0) == [] and coco.getAnnIds(areaRng=[0, 1e10]) == []


def test_empty_index():
    coco = COCO()
    assert coco.getImgIds() == [] and coco.dataset == {}


# ------------------------------------------------------------------------ errors
def test_malformed_json(tmp_path):
    path = tmp_path / "instances.json"
    path.write_text('{"images": [], "annotations": [\n  {"id": 1,}]}')
    with pytest.raises(ValueError, match=r"instances.json is not valid JSON: line 2, column 1[12]: "):
        COCO(path)
    with pytest.raises(ValueError, match="not valid JSON"):
        load_json(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        COCO(tmp_path / "missing.json")


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("images"), r"<dict> has no 'images'"),
    (lambda d: d.update(images={}), r"'images' must be a list, got dict"),
    (lambda d: d["images"][2].pop("height"),
     r"<dict>: images\[2\] \(id 3\) has no 'height' \(it has \['file_name', 'id', 'license', 'width'\]\)"),
    (lambda d: d["images"][0].update(width=0), r"images\[0\] \(id 1\) has 'width' 0; it must be a positive integer"),
    (lambda d: d["images"][1].update(id=d["images"][0]["id"]),
     r"images\[1\] repeats id 1 \(first at <dict>: images\[0\]\)"),
    (lambda d: d["images"][1].update(id="2"), r"images\[1\] \(id '2'\) has 'id' '2'; ids must be integers"),
    (lambda d: d["categories"][3].pop("name"), r"categories\[3\] \(id 4\) has no 'name'"),
    (lambda d: d["annotations"][4].pop("bbox"), r"annotations\[4\] \(id 5\) has no 'bbox'"),
    (lambda d: d["annotations"][4].pop("id"), r"annotations\[4\] has no 'id'"),
    (lambda d: d["annotations"][2].update(image_id=999),
     r"annotations\[2\] \(id 3\) has 'image_id' 999, which is not among the image ids"),
    (lambda d: d["annotations"][2].update(category_id=77),
     r"annotations\[2\] \(id 3\) has 'category_id' 77, which is not among the category ids"),
    (lambda d: d["annotations"][6].update(bbox=[3, 4, -2, 5]),
     r"annotations\[6\] \(id 7\) has 'bbox' \[3, 4, -2, 5\]: a negative width or height"),
    (lambda d: d["annotations"][6].update(bbox=[3, 4, 5]),
     r"annotations\[6\] \(id 7\) has 'bbox' \[3, 4, 5\]; it must be \[x, y, width, height\]"),
    (lambda d: d["annotations"][1].update(segmentation=[[1, 2, 3, 4, 5, 6], [1, 2, 3, 4]]),
     r"annotations\[1\] \(id 2\) segmentation\[1\] has 4 numbers; a polygon needs at "
     r"least 6 \(three points\)"),
    (lambda d: d["annotations"][1].update(segmentation=[[1, 2, 3, 4, 5]]),
     r"segmentation\[0\] has 5 numbers"),
    (lambda d: d["annotations"][1].update(segmentation=[(1, 2, 3, 4, 5, 6)]),
     r"segmentation\[0\] must be a list of numbers x1, y1, x2, y2, ..., got tuple"),
    (lambda d: d["annotations"][1].update(segmentation={"size": [5, 5], "counts": [25]}),
     r"annotations\[1\] \(id 2\) has an RLE of size \[5, 5\], but its image is"),
    (lambda d: d["annotations"][1].update(segmentation={"counts": [25]}),
     r"annotations\[1\] \(id 2\) segmentation has no 'size'"),
    (lambda d: d["annotations"][1].update(iscrowd=2), r"annotations\[1\] \(id 2\) has 'iscrowd' 2; it must be 0 or 1"),
    (lambda d: d["annotations"][1].update(area=-1), r"annotations\[1\] \(id 2\) has 'area' -1; it must be a finite number >= 0"),
    (lambda d: d["annotations"].append(dict(d["annotations"][0])),
     r"annotations\[\d+\] repeats id 1"),
])
def test_bad_files_name_what_and_where(dataset, change, message):
    broken = copy.deepcopy(dataset)
    change(broken)
    with pytest.raises(ValueError, match=message):
        COCO(broken)


def test_top_level_must_be_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"list.json: the top level must be a JSON object, "
                                         r"got list"):
        COCO(path)


def test_unknown_ids_are_named(instances):
    coco = COCO(instances)
    with pytest.raises(ValueError, match=r"image id 999 does not exist in .*instances.json "
                                         r"\(it has 10 images\)"):
        coco.getAnnIds(imgIds=[1, 999])
    with pytest.raises(ValueError, match="category id 99 does not exist"):
        coco.getImgIds(catIds=99)
    with pytest.raises(ValueError, match="annotation id 0 does not exist"):
        coco.loadAnns(0)
    with pytest.raises(ValueError, match="image id 12 does not exist"):
        coco.loadImgs([12])
    with pytest.raises(ValueError, match=r"areaRng must be \[low, high\], got \[1.0\]"):
        coco.getAnnIds(areaRng=[1])


def test_ann_to_rle_errors(dataset):
    coco = COCO(dataset)
    with pytest.raises(ValueError, match="annotation 'x' needs 'image_id' and 'segmentation'"):
        coco.annToRLE({"id": "x", "image_id": 1})
    with pytest.raises(ValueError, match="image id 31 does not exist"):
        coco.annToRLE({"id": 5, "image_id": 31, "segmentation": [[0, 0, 1, 0, 1, 1]]})
    img = coco.loadImgs(1)[0]
    bad = {"id": 8, "image_id": 1, "segmentation": {"size": [img["height"], img["width"]],
                                                    "counts": [3, 4]}}
    with pytest.raises(ValueError, match=r"annotation 8 \(image 1\): .*covers 7 pixels"):
        coco.annToRLE(bad)
    text = {"id": 10, "image_id": 1, "segmentation": [["1", 2, 3, 4, 5, 6]]}
    with pytest.raises(ValueError, match=r"annotation 10 \(image 1\): polygons\[0\] must have "
                                         r"a dtype of kind"):
        coco.annToMask(text)
    short = {"id": 9, "image_id": 1, "segmentation": [[0, 0, 5, 5]]}
    with pytest.raises(ValueError, match=r"annotation 9 \(image 1\): polygons\[0\] must have "
                                         r"at least 3 points, got 2"):
        coco.annToMask(short)


def test_ann_to_mask_of_a_result_with_a_compressed_rle(dataset):
    coco = COCO(dataset)
    img = coco.loadImgs(2)[0]
    mask = np.zeros((img["height"], img["width"]), np.uint8)
    mask[3:9, 4:7] = 1
    rle = masks.encode(mask)
    result = {"id": 1000, "image_id": 2, "segmentation": rle}
    assert coco.annToRLE(result) == rle
    np.testing.assert_array_equal(coco.annToMask(result), mask)


SMALL = {"images": [{"id": 1, "file_name": "a.jpg", "height": 6, "width": 7},
                    {"id": 2, "file_name": "b.jpg", "height": 5, "width": 5}],
         "categories": [{"id": 1, "name": "circle", "supercategory": "round"}],
         "annotations": [
             {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 4.0,
              "bbox": [1, 1, 2, 2], "segmentation": [[1, 1, 3, 1, 3, 3, 1, 3]]},
             {"id": 2, "image_id": 2, "category_id": 1, "iscrowd": 1, "area": 3,
              "bbox": [0, 0, 1, 3], "segmentation": {"size": [5, 5], "counts": [0, 3, 22]}},
             {"id": 3, "image_id": 2, "caption": "A circle."}]}

WRONG_VALUES = [None, "x", -1, 0, 2.5, True, [], [1, 2], [[1, 2, 3]], {}, {"size": [5, 5]}]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_broken_field_gives_a_value_error_or_a_working_index(data):
    """Replace or delete one field anywhere: loading and every mask either work or raise
    a ValueError, never a KeyError or TypeError from deep inside."""
    broken = copy.deepcopy(SMALL)
    section = data.draw(st.sampled_from(["images", "categories", "annotations"]))
    item = data.draw(st.sampled_from(broken[section]))
    key = data.draw(st.sampled_from(sorted(item)))
    if data.draw(st.booleans()):
        del item[key]
    else:
        item[key] = data.draw(st.sampled_from(WRONG_VALUES))
    try:
        coco = COCO(broken)
    except ValueError:
        return
    for ann in coco.anns.values():
        if "caption" in ann:
            continue
        try:
            mask = coco.annToMask(ann)
        except ValueError:
            continue
        img = coco.imgs[ann["image_id"]]
        assert mask.shape == (img["height"], img["width"])
