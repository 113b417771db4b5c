"""Dataset formats: ImageNet folders, COCO JSON, PASCAL VOC XML, RLE masks, synthetic shapes.

==========================================  ==========================================
module                                      what it holds
==========================================  ==========================================
:mod:`~imgprep_course.datasets.coco`        :class:`COCO`, an index with pycocotools'
                                            method names (``getAnnIds``, ``annToMask``...)
:mod:`~imgprep_course.datasets.voc`         VOC XML read and write, segmentation PNGs
:mod:`~imgprep_course.datasets.imagenet`    :class:`ImageFolder` (class-per-folder),
                                            synset mapping files
:mod:`~imgprep_course.datasets.masks`       RLE masks, as ``pycocotools.mask``
:mod:`~imgprep_course.datasets.shapes`      the synthetic shapes set in all three
                                            formats (:func:`make_shapes`)
:mod:`~imgprep_course.datasets.stats`       images per class, objects per image, COCO
                                            size ranges, caption lengths
:mod:`~imgprep_course.datasets.convert`     COCO <-> VOC annotations
:mod:`imgprep_course.boxes`                 box formats (xywh, xyxy, VOC 1-based) and
                                            :func:`~imgprep_course.boxes.convert`
==========================================  ==========================================

Examples
--------
>>> import tempfile, pathlib
>>> from imgprep_course.datasets import make_shapes, COCO, read_voc_xml, boxes
>>> root = make_shapes(pathlib.Path(tempfile.mkdtemp()) / "shapes", images=3, quiet=True)
>>> coco = COCO(root / "coco" / "instances.json")
>>> image = coco.loadImgs(1)[0]
>>> voc = read_voc_xml(root / "voc" / "Annotations" / "000000000001.xml")
>>> first = coco.loadAnns(coco.getAnnIds(imgIds=1, iscrowd=0))[0]
>>> boxes.convert(voc.boxes()[:1], "voc", "xywh").tolist() == [first["bbox"]]
True
"""

from imgprep_course import boxes
from imgprep_course.datasets import masks
from imgprep_course.datasets.coco import COCO, load_json
from imgprep_course.datasets.convert import coco_to_voc, voc_to_coco
from imgprep_course.datasets.imagenet import IMAGE_EXTENSIONS, ImageFolder, read_synset_mapping
from imgprep_course.datasets.shapes import (CATEGORIES, make_shapes, render_scene,
                                            sample_scene)
from imgprep_course.datasets.stats import (SIZE_RANGES, caption_lengths, images_per_class,
                                           objects_per_class, objects_per_image, size_ranges)
from imgprep_course.datasets.voc import (VOID, VocAnnotation, VocObject, parse_voc_xml,
                                         read_voc_dataset, read_voc_segmentation,
                                         read_voc_xml, voc_colormap, voc_xml_string,
                                         write_voc_segmentation, write_voc_xml)

__all__ = ["boxes", "masks", "COCO", "load_json", "coco_to_voc", "voc_to_coco", "ImageFolder",
           "IMAGE_EXTENSIONS", "read_synset_mapping", "CATEGORIES", "make_shapes",
           "render_scene", "sample_scene", "SIZE_RANGES", "caption_lengths", "images_per_class",
           "objects_per_class", "objects_per_image", "size_ranges", "VOID", "VocAnnotation",
           "VocObject", "parse_voc_xml", "read_voc_dataset", "read_voc_segmentation",
           "read_voc_xml", "voc_colormap", "voc_xml_string", "write_voc_segmentation",
           "write_voc_xml"]
