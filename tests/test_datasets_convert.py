"""datasets.convert: COCO <-> VOC on the generated set, checked with pycocotools."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools.coco import COCO as PyCOCO

from imgprep_course.datasets import (COCO, VocAnnotation, VocObject, coco_to_voc,
                                     read_voc_dataset, read_voc_xml, shapes, voc_to_coco)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return shapes.make_shapes(tmp_path_factory.mktemp("convert") / "shapes", images=8, seed=4,
                              quiet=True)


def test_coco_to_voc_gives_the_written_voc_boxes(root):
    coco = COCO(root / "coco" / "instances.json")
    for img_id in coco.getImgIds():
        ours = coco_to_voc(coco, img_id, crowd="skip")
        stem = coco.loadImgs(img_id)[0]["file_name"].rsplit(".", 1)[0]
        written = read_voc_xml(root / "voc" / "Annotations" / f"{stem}.xml")
        k = len(ours.objects)
        assert [o.name for o in written.objects[:k]] == ours.names()
        np.testing.assert_array_equal(written.boxes()[:k], ours.boxes())
        assert (ours.filename, ours.width, ours.height) == (written.filename, written.width,
                                                            written.height)
        with_crowd = coco_to_voc(coco, img_id)
        assert len(with_crowd.objects) == len(coco.getAnnIds(imgIds=img_id))


def test_voc_to_coco_loads_in_pycocotools(root, tmp_path, capsys):
    voc = read_voc_dataset(root / "voc", "trainval")
    data = voc_to_coco(voc, [c.name for c in shapes.CATEGORIES], difficult="skip")
    path = tmp_path / "from_voc.json"
    path.write_text(json.dumps(data))
    peer, ours = PyCOCO(str(path)), COCO(path)
    original = COCO(root / "coco" / "instances.json")
    assert [c["name"] for c in ours.loadCats(ours.getCatIds())] == [
        c["name"] for c in original.loadCats(original.getCatIds())]
    for img_id in peer.getImgIds():
        anns = peer.loadAnns(peer.getAnnIds(imgIds=img_id))
        for ann in anns:
            mask = peer.annToMask(ann)
            np.testing.assert_array_equal(ours.annToMask(ours.anns[ann["id"]]), mask)
            assert mask.sum() == ann["area"]
        # Every non-difficult VOC object is a non-crowd COCO object with the same box.
        kept = [a["bbox"] for a in original.loadAnns(original.getAnnIds(imgIds=img_id,
                                                                         iscrowd=0))]
        assert all(a["bbox"] in kept for a in anns)


def test_difficult_choices():
    voc = [VocAnnotation("a.jpg", 9, 8, objects=[VocObject("cat", (1, 1, 4, 4), True)])]
    assert voc_to_coco(voc)["annotations"][0]["iscrowd"] == 1
    assert voc_to_coco(voc, difficult="keep")["annotations"][0]["iscrowd"] == 0
    assert voc_to_coco(voc, difficult="skip")["annotations"] == []


def test_errors():
    voc = [VocAnnotation("a.jpg", 9, 8, objects=[VocObject("cat", (1, 1, 4, 4))])]
    with pytest.raises(ValueError, match=r"categories lacks the classes \['cat'\]"):
        voc_to_coco(voc, ["dog"])
    with pytest.raises(ValueError, match="difficult must be 'crowd', 'keep' or 'skip', got 'no'"):
        voc_to_coco(voc, difficult="no")
    coco = COCO(voc_to_coco(voc))
    with pytest.raises(ValueError, match="crowd must be 'difficult' or 'skip', got 'keep'"):
        coco_to_voc(coco, 1, crowd="keep")
    with pytest.raises(ValueError, match="image id 2 does not exist"):
        coco_to_voc(coco, 2)
