"""datasets.imagenet: ImageFolder conventions (as torchvision's) and the synset mapping file."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgprep_course.datasets import ImageFolder, read_synset_mapping


def _tree(root, layout: dict[str, list[str]]):
    for folder, files in layout.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for k, name in enumerate(files):
            if name.lower().endswith((".jpeg", ".jpg", ".png")):
                Image.new("RGB", (5 + k, 4), (k, 2 * k, 3 * k)).save(root / folder / name)
            else:
                (root / folder / name).write_text("not an image")
    return root


def test_classes_samples_and_counts(tmp_path):
    root = _tree(tmp_path, {"n02": ["b.JPEG", "a.jpg", "notes.txt"], "n01": ["z.png"],
                            ".hidden": ["x.jpg"]})
    data = ImageFolder(root)
    assert data.classes == ["n01", "n02"]
    assert data.class_to_idx == {"n01": 0, "n02": 1}
    assert [(p.name, t) for p, t in data.samples] == [("z.png", 0), ("a.jpg", 1), ("b.JPEG", 1)]
    assert data.targets == [0, 1, 1] and len(data) == 3
    assert data.counts() == {"n01": 1, "n02": 2}
    image, target = data[2]
    assert image.shape == (4, 5, 3) and image.dtype == np.uint8 and target == 1
    assert "3 images, 2 classes" in repr(data)


def test_errors_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="root .*missing is not a folder"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "flat").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "flat" / "a.jpg")
    with pytest.raises(FileNotFoundError, match="flat holds no class folders"):
        ImageFolder(tmp_path / "flat")
    root = _tree(tmp_path / "tree", {"n01": ["a.jpg"], "n02": ["readme.txt"]})
    with pytest.raises(FileNotFoundError, match="class folder .*n02 holds no image"):
        ImageFolder(root)


def test_synset_mapping(tmp_path):
    path = tmp_path / "LOC_synset_mapping.txt"
    path.write_text("n01440764 tench, Tinca tinca\n\nn01443537 goldfish, Carassius auratus\n")
    assert read_synset_mapping(path) == {"n01440764": "tench, Tinca tinca",
                                         "n01443537": "goldfish, Carassius auratus"}
    path.write_text("n01440764 tench\nfish n01443537\n")
    with pytest.raises(ValueError,
                       match=r"line 2: expected 'nXXXXXXXX name', got 'fish n01443537'"):
        read_synset_mapping(path)
    path.write_text("n0144076 tench\n")
    with pytest.raises(ValueError, match="line 1"):
        read_synset_mapping(path)
