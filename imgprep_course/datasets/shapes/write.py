"""Writing the shapes dataset: every file of the three layouts, into a folder made atomically.

See :func:`make_shapes`.
"""

from __future__ import annotations

import json
import os
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from imgprep_course._validation import as_rng
from imgprep_course.datasets._atomic import write_folder_atomically
from imgprep_course.datasets.shapes.render import render_scene
from imgprep_course.datasets.shapes.scene import CATEGORIES, sample_scene
from imgprep_course.datasets.voc import voc_xml_string, write_voc_segmentation

_JPEG_QUALITY = 90


def _jpeg(image: np.ndarray) -> bytes:
    buffer = BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


def _dump(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _write_dataset(root: Path, images: int, rng: np.random.Generator, quiet: bool) -> dict:
    """Write every file under ``root``; return a summary."""
    folders = {name: root / name for name in (
        "coco/images", "voc/JPEGImages", "voc/Annotations", "voc/SegmentationClass",
        "voc/SegmentationObject", "voc/ImageSets/Main", "voc/ImageSets/Segmentation",
        "imagenet/train")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    wnids = {c.id: c.wnid for c in CATEGORIES}
    info = {"description": "imgprep-course synthetic shapes", "version": "1.0",
            "contributor": "imgprep_course.datasets.shapes", "year": 2026}
    licenses = [{"id": 1, "name": "CC0 1.0",
                 "url": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    coco_images, instances, captions, names = [], [], [], []
    crop_counts = {c.id: 0 for c in CATEGORIES}
    for image_id in tqdm(range(1, images + 1), desc="make-shapes", unit="image",
                         disable=quiet):
        scene = sample_scene(rng)
        rendered = render_scene(scene)
        name = f"{image_id:012d}"
        names.append(name)
        jpeg = _jpeg(rendered.image)
        (folders["coco/images"] / f"{name}.jpg").write_bytes(jpeg)
        (folders["voc/JPEGImages"] / f"{name}.jpg").write_bytes(jpeg)
        coco_images.append({"id": image_id, "file_name": f"{name}.jpg", "width": scene.width,
                            "height": scene.height, "license": 1})
        for ann in rendered.annotations:
            instances.append({**ann, "image_id": image_id, "id": len(instances) + 1})
        for text in rendered.captions:
            captions.append({"image_id": image_id, "id": len(captions) + 1, "caption": text})
        rendered.voc.filename = f"{name}.jpg"
        (folders["voc/Annotations"] / f"{name}.xml").write_text(
            voc_xml_string(rendered.voc), encoding="utf-8")
        write_voc_segmentation(rendered.class_map, folders["voc/SegmentationClass"] / f"{name}.png")
        write_voc_segmentation(rendered.object_map,
                               folders["voc/SegmentationObject"] / f"{name}.png")
        for category, (x0, y0, x1, y1) in rendered.crops:
            crop_counts[category] += 1
            folder = folders["imagenet/train"] / wnids[category]
            folder.mkdir(exist_ok=True)
            (folder / f"{wnids[category]}_{crop_counts[category]}.JPEG").write_bytes(
                _jpeg(rendered.image[y0:y1, x0:x1]))
    categories = [{"supercategory": c.supercategory, "id": c.id, "name": c.name}
                  for c in CATEGORIES]
    _dump({"info": info, "licenses": licenses, "images": coco_images,
           "annotations": instances, "categories": categories},
          root / "coco" / "instances.json")
    _dump({"info": info, "licenses": licenses, "images": coco_images,
           "annotations": captions}, root / "coco" / "captions.json")
    listing = "".join(f"{name}\n" for name in names)
    (folders["voc/ImageSets/Main"] / "trainval.txt").write_text(listing)
    (folders["voc/ImageSets/Segmentation"] / "trainval.txt").write_text(listing)
    (root / "imagenet" / "LOC_synset_mapping.txt").write_text(
        "".join(f"{c.wnid} {c.name}\n" for c in CATEGORIES if crop_counts[c.id]))
    return {"images": images, "annotations": len(instances), "captions": len(captions),
            "crops": sum(crop_counts.values())}


def make_shapes(out: str | os.PathLike, images: int = 200, seed=0, *,
                quiet: bool = False) -> Path:
    """Generate the shapes dataset into the new folder ``out`` (see the module docstring).

    Everything is written into a temporary sibling folder that is renamed to ``out`` at
    the end; on any error, or Ctrl-C, the temporary folder is removed, so ``out`` either
    holds the whole dataset or does not exist.

    Parameters
    ----------
    out : path
        The folder to create; it must not exist, or be empty.
    images : int
        Number of images (200 takes a few seconds).
    seed : None, int or numpy.random.Generator
        The randomness; one seed always gives the same dataset.
    quiet : bool
        Hide the progress bar.

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = make_shapes(pathlib.Path(tempfile.mkdtemp()) / "shapes", images=2, quiet=True)
    >>> sorted(p.name for p in out.iterdir())
    ['coco', 'imagenet', 'voc']
    """
    out = Path(out)
    if isinstance(images, bool) or not isinstance(images, (int, np.integer)) or images < 1:
        raise ValueError(f"images must be a positive integer, got {images!r}")
    rng = as_rng(seed)
    return write_folder_atomically(
        out, lambda folder: _write_dataset(folder, int(images), rng, quiet))
