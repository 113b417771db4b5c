"""datasets.stats: the statistics, recounted independently on a generated set."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools.coco import COCO as PyCOCO

from imgprep_course.datasets import (COCO, ImageFolder, caption_lengths, images_per_class,
                                     objects_per_class, objects_per_image, read_voc_dataset,
                                     shapes, size_ranges)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return shapes.make_shapes(tmp_path_factory.mktemp("stats") / "shapes", images=15, seed=2,
                              quiet=True)


@pytest.fixture(scope="module")
def peer(root):
    return PyCOCO(str(root / "coco" / "instances.json"))


def test_coco_counts_agree_with_pycocotools_queries(root, peer):
    coco = COCO(root / "coco" / "instances.json")
    for include_crowd in (False, True):
        crowd = None if include_crowd else 0
        per_class = objects_per_class(coco, include_crowd=include_crowd)
        images = images_per_class(coco, include_crowd=include_crowd)
        for cat in peer.loadCats(peer.getCatIds()):
            anns = peer.loadAnns(peer.getAnnIds(catIds=cat["id"], iscrowd=crowd))
            assert per_class[cat["name"]] == len(anns)
            assert images[cat["name"]] == len({a["image_id"] for a in anns})
        histogram = objects_per_image(coco, include_crowd=include_crowd)
        numbers = [len(peer.getAnnIds(imgIds=i, iscrowd=crowd)) for i in peer.getImgIds()]
        np.testing.assert_array_equal(histogram, np.bincount(numbers))
        assert histogram.sum() == len(peer.imgs)


def test_size_ranges_partition_the_objects(root, peer):
    coco = COCO(root / "coco" / "instances.json")
    sizes = size_ranges(coco)
    anns = peer.loadAnns(peer.getAnnIds(iscrowd=0))
    assert sum(sizes.values()) == len(anns)
    # pycocotools' open ranges agree with ours wherever no area sits on a threshold.
    assert all(a["area"] not in (32 ** 2, 96 ** 2) for a in anns)
    assert sizes["small"] == len(peer.getAnnIds(areaRng=[-1, 32 ** 2], iscrowd=0))
    assert sizes["medium"] == len(peer.getAnnIds(areaRng=[32 ** 2, 96 ** 2], iscrowd=0))
    assert sizes["large"] == len(peer.getAnnIds(areaRng=[96 ** 2, 1e10], iscrowd=0))


def test_caption_lengths(root):
    captions = COCO(root / "coco" / "captions.json")
    lengths = caption_lengths(captions)
    assert lengths.shape == (5 * 15,) and lengths.dtype == np.int64 and lengths.min() >= 3
    first = captions.loadAnns(1)[0]["caption"]
    assert lengths[0] == len(first.split())
    with pytest.raises(ValueError, match="holds no captions"):
        caption_lengths(COCO(root / "coco" / "instances.json"))


def test_voc_and_imagenet_statistics_match_coco(root):
    coco = COCO(root / "coco" / "instances.json")
    voc = read_voc_dataset(root / "voc")
    assert len(voc) == 15
    coco_objects = objects_per_class(coco)
    voc_objects = objects_per_class(voc, include_difficult=True)
    # VOC lists each crowd member on its own, so it has at least COCO's non-crowd objects.
    assert all(voc_objects.get(name, 0) >= n for name, n in coco_objects.items())
    assert sum(objects_per_class(list(voc.values())).values()) == sum(
        len(a.objects) for a in voc.values())
    assert objects_per_image(voc).sum() == 15
    assert images_per_class(voc) == {name: n for name, n in images_per_class(
        coco, include_crowd=True).items() if n}
    folder = ImageFolder(root / "imagenet" / "train")
    assert images_per_class(folder) == folder.counts()


def test_wrong_input_types():
    with pytest.raises(TypeError, match="dataset must be a COCO index, VOC annotations or an "
                                        "ImageFolder, got str"):
        images_per_class("instances.json")
    with pytest.raises(TypeError, match="got list"):
        objects_per_image([1, 2])
    with pytest.raises(TypeError, match="dataset must be a COCO index, got dict"):
        size_ranges({})
