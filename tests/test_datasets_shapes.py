"""The synthetic shapes dataset: pycocotools parity, VOC agreement, determinism, atomicity."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from pycocotools.coco import COCO as PyCOCO

from imgprep_course import boxes
from imgprep_course.cli import main
from imgprep_course.datasets import (COCO, CATEGORIES, ImageFolder, masks, read_synset_mapping,
                                     read_voc_segmentation, read_voc_xml, render_scene,
                                     sample_scene, shapes)
from imgprep_course.datasets.shapes import write as shapes_write
from imgprep_course.datasets.voc import VOID

N_IMAGES = 12


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return shapes.make_shapes(tmp_path_factory.mktemp("data") / "shapes", images=N_IMAGES,
                              seed=7, quiet=True)


def test_layout(root):
    assert sorted(p.name for p in root.iterdir()) == ["coco", "imagenet", "voc"]
    names = [f"{k:012d}" for k in range(1, N_IMAGES + 1)]
    assert sorted(p.stem for p in (root / "coco" / "images").iterdir()) == names
    for folder, ending in [("JPEGImages", ".jpg"), ("Annotations", ".xml"),
                           ("SegmentationClass", ".png"), ("SegmentationObject", ".png")]:
        assert sorted(p.name for p in (root / "voc" / folder).iterdir()) == [
            name + ending for name in names]
    for listing in ("Main", "Segmentation"):
        text = (root / "voc" / "ImageSets" / listing / "trainval.txt").read_text()
        assert text.split() == names
    assert (root / "coco" / "images" / f"{names[0]}.jpg").read_bytes() == (
        root / "voc" / "JPEGImages" / f"{names[0]}.jpg").read_bytes()
    # Nothing is left over beside the dataset.
    assert [p.name for p in root.parent.iterdir()] == ["shapes"]


def test_instances_load_in_pycocotools_and_every_mask_matches(root, capsys):
    peer = PyCOCO(str(root / "coco" / "instances.json"))
    ours = COCO(root / "coco" / "instances.json")
    assert len(peer.anns) == len(ours.anns) > N_IMAGES
    kinds = set()
    for ann_id, ann in peer.anns.items():
        mask = peer.annToMask(ann)
        np.testing.assert_array_equal(ours.annToMask(ours.anns[ann_id]), mask)
        assert ours.annToRLE(ours.anns[ann_id])["counts"] == peer.annToRLE(ann)["counts"]
        assert ann["area"] == int(mask.sum()) > 0
        assert ann["bbox"] == masks.to_bbox(masks.encode(mask)).tolist()
        kinds.add((ann["iscrowd"], type(ann["segmentation"]).__name__))
    assert kinds == {(0, "list"), (1, "dict")}
    for ann in peer.loadAnns(peer.getAnnIds(iscrowd=1)):
        assert isinstance(ann["segmentation"]["counts"], list)   # uncompressed, as COCO


def test_categories_have_supercategories(root):
    coco = COCO(root / "coco" / "instances.json")
    assert [(c["id"], c["name"], c["supercategory"]) for c in coco.loadCats(coco.getCatIds())] \
        == [(c.id, c.name, c.supercategory) for c in CATEGORIES]


def test_captions_five_per_image(root, capsys):
    peer = PyCOCO(str(root / "coco" / "captions.json"))
    assert len(peer.imgs) == N_IMAGES
    for img_id in peer.getImgIds():
        captions = [a["caption"] for a in peer.loadAnns(peer.getAnnIds(imgIds=img_id))]
        assert len(captions) == 5 and len(set(captions)) == 5
        assert all(c[0].isupper() and c.endswith(".") for c in captions)


def test_voc_xml_parses_with_elementtree_and_boxes_match_coco(root):
    coco = COCO(root / "coco" / "instances.json")
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    for img in coco.loadImgs(coco.getImgIds()):
        stem = img["file_name"].rsplit(".", 1)[0]
        tree = ET.parse(root / "voc" / "Annotations" / f"{stem}.xml").getroot()
        assert tree.findtext("filename") == img["file_name"]
        assert int(tree.findtext("size/width")) == img["width"]
        objects = tree.findall("object")
        voc_boxes = np.array([[int(o.findtext(f"bndbox/{k}")) for k in
                               ("xmin", "ymin", "xmax", "ymax")] for o in objects]).reshape(-1, 4)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img["id"], iscrowd=0))
        k = len(anns)
        assert len(objects) >= k
        np.testing.assert_array_equal(boxes.convert(voc_boxes[:k], "voc", "xywh"),
                                      [a["bbox"] for a in anns])
        assert [o.findtext("name") for o in objects[:k]] == [names[a["category_id"]]
                                                            for a in anns]
        # Crowd members come last, each a difficult object of the crowd's category.
        crowd = coco.loadAnns(coco.getAnnIds(imgIds=img["id"], iscrowd=1))
        assert all(o.findtext("difficult") == "1" for o in objects[k:])
        assert bool(crowd) == (len(objects) > k)
        assert (voc_boxes[:, 2:] >= voc_boxes[:, :2]).all()
        assert (voc_boxes[:, :2] >= 1).all() and (voc_boxes[:, 2] <= img["width"]).all()
        ours = read_voc_xml(root / "voc" / "Annotations" / f"{stem}.xml")
        np.testing.assert_array_equal(ours.boxes(), voc_boxes)


def test_voc_flags_occur(root):
    objects = [o for path in sorted((root / "voc" / "Annotations").iterdir())
               for o in read_voc_xml(path).objects]
    assert any(o.difficult for o in objects) and not all(o.difficult for o in objects)
    assert any(o.truncated for o in objects) and any(o.occluded for o in objects)


def test_segmentation_pngs_agree_with_voc_objects(root):
    for path in sorted((root / "voc" / "Annotations").iterdir()):
        ann = read_voc_xml(path)
        cls = read_voc_segmentation(root / "voc" / "SegmentationClass" / f"{path.stem}.png")
        obj = read_voc_segmentation(root / "voc" / "SegmentationObject" / f"{path.stem}.png")
        assert cls.shape == obj.shape == (ann.height, ann.width)
        assert ((cls == VOID) == (obj == VOID)).all() and ((cls == 0) == (obj == 0)).all()
        ids = {c.name: c.id for c in CATEGORIES}
        for k, voc_object in enumerate(ann.objects, 1):
            where = obj == k
            if voc_object.difficult:
                assert not where.any()
                continue
            assert where.any()
            assert (cls[where] == ids[voc_object.name]).all()
            rows, columns = np.nonzero(where)
            xmin, ymin, xmax, ymax = voc_object.bbox
            assert xmin <= columns.min() + 1 and columns.max() + 1 <= xmax
            assert ymin <= rows.min() + 1 and rows.max() + 1 <= ymax


def test_imagenet_folders(root):
    data = ImageFolder(root / "imagenet" / "train")
    mapping = read_synset_mapping(root / "imagenet" / "LOC_synset_mapping.txt")
    assert data.classes == sorted(mapping)
    assert set(mapping.values()) <= {c.name for c in CATEGORIES}
    counts = data.counts()
    assert sum(counts.values()) == len(data) == len(list(
        (root / "imagenet" / "train").glob("*/*.JPEG")))
    image, label = data[0]
    assert image.ndim == 3 and image.shape[2] == 3 and label == 0
    for wnid, n in counts.items():
        assert sorted(p.name for p in (root / "imagenet" / "train" / wnid).iterdir()) == sorted(
            f"{wnid}_{k}.JPEG" for k in range(1, n + 1))


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = shapes.make_shapes(tmp_path / "a", images=4, seed=3, quiet=True)
    b = shapes.make_shapes(tmp_path / "b", images=4, seed=3, quiet=True)
    c = shapes.make_shapes(tmp_path / "c", images=4, seed=4, quiet=True)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for relative in files:
        assert (a / relative).read_bytes() == (b / relative).read_bytes(), relative
    instances = "coco/instances.json"
    assert (a / instances).read_bytes() != (c / instances).read_bytes()


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_failure_leaves_nothing_behind(tmp_path, monkeypatch, error):
    calls = []
    original = shapes_write.write_voc_segmentation

    def failing(*args):
        calls.append(1)
        if len(calls) == 5:
            raise error("simulated failure")
        original(*args)

    monkeypatch.setattr(shapes_write, "write_voc_segmentation", failing)
    with pytest.raises(error, match="simulated failure"):
        shapes.make_shapes(tmp_path / "out", images=6, quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_non_empty_out_and_bad_counts(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="full already exists and is not an empty folder"):
        shapes.make_shapes(tmp_path / "full", images=1, quiet=True)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="images must be a positive integer, got 0"):
        shapes.make_shapes(tmp_path / "new", images=0)
    (tmp_path / "empty").mkdir()
    shapes.make_shapes(tmp_path / "empty", images=1, quiet=True)
    assert (tmp_path / "empty" / "coco" / "instances.json").is_file()


def test_cli(tmp_path, capsys):
    assert main(["make-shapes", str(tmp_path / "cli"), "--images", "2", "--seed", "5",
                 "--quiet"]) == 0
    coco = json.loads((tmp_path / "cli" / "coco" / "instances.json").read_text())
    assert [img["id"] for img in coco["images"]] == [1, 2]
    assert main(["make-shapes", str(tmp_path / "cli"), "--quiet"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_cli_ctrl_c(tmp_path, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(shapes_write, "write_voc_segmentation", interrupted)
    assert main(["make-shapes", str(tmp_path / "out"), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_default_dataset_statistics_are_worth_a_lesson(tmp_path):
    """Long tail, all three COCO sizes, crowds, occlusion: what the lesson discusses."""
    coco = COCO(shapes.make_shapes(tmp_path / "s", images=30, seed=0, quiet=True)
                / "coco" / "instances.json")
    from imgprep_course.datasets import objects_per_class, size_ranges
    counts = list(objects_per_class(coco).values())
    assert counts[0] >= 5 * min(counts)
    assert min(size_ranges(coco).values()) > 0
    assert coco.getAnnIds(iscrowd=1)
    assert any(len(a["segmentation"]) > 1 for a in coco.loadAnns(coco.getAnnIds(iscrowd=0)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), width=st.integers(16, 96), height=st.integers(16, 96))
def test_render_invariants(seed, width, height):
    scene = sample_scene(seed, width=width, height=height)
    rendered = render_scene(scene)
    assert rendered.image.shape == (height, width, 3) and rendered.image.dtype == np.uint8
    assert len(rendered.captions) == 5
    for ann in rendered.annotations:
        rle = masks.from_segmentation(ann["segmentation"], height, width)
        assert ann["area"] == int(masks.area(rle)) > 0
        assert ann["bbox"] == masks.to_bbox(rle).tolist()
        if not ann["iscrowd"]:
            assert all(len(p) >= 6 and len(p) % 2 == 0 for p in ann["segmentation"])
    non_crowd = [a for a in rendered.annotations if not a["iscrowd"]]
    np.testing.assert_array_equal(
        boxes.convert(rendered.voc.boxes()[:len(non_crowd)], "voc", "xywh"),
        np.array([a["bbox"] for a in non_crowd]).reshape(-1, 4))
    assert render_scene(scene).annotations == rendered.annotations   # pure


def test_sample_scene_rejects_tiny_images():
    with pytest.raises(ValueError, match="at least 16, got 8x40"):
        sample_scene(0, width=8, height=40)


def test_progress_bar_unless_quiet(tmp_path, capsys):
    shapes.make_shapes(tmp_path / "loud", images=2)
    assert "make-shapes" in capsys.readouterr().err
    shapes.make_shapes(tmp_path / "quiet", images=2, quiet=True)
    assert capsys.readouterr().err == ""


def test_creates_missing_parent_folders(tmp_path):
    out = shapes.make_shapes(tmp_path / "a" / "b" / "shapes", images=1, quiet=True)
    assert (out / "coco" / "instances.json").is_file()
