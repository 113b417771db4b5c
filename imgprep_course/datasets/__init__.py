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

import importlib

from imgprep_course import boxes

# Each name's module, imported on first use: ``import imgprep_course.datasets.masks``
# (as the metrics do) must not load Pillow, tqdm, XML and the shapes generator.
_HOME = {"masks": None, "COCO": "coco", "load_json": "coco", "coco_to_voc": "convert",
         "voc_to_coco": "convert", "ImageFolder": "imagenet", "IMAGE_EXTENSIONS": "imagenet",
         "read_synset_mapping": "imagenet", "CATEGORIES": "shapes", "make_shapes": "shapes",
         "render_scene": "shapes", "sample_scene": "shapes", "SIZE_RANGES": "stats",
         "caption_lengths": "stats", "images_per_class": "stats",
         "objects_per_class": "stats", "objects_per_image": "stats", "size_ranges": "stats",
         "VOID": "voc", "VocAnnotation": "voc", "VocObject": "voc", "parse_voc_xml": "voc",
         "read_voc_dataset": "voc", "read_voc_segmentation": "voc", "read_voc_xml": "voc",
         "voc_colormap": "voc", "voc_xml_string": "voc", "write_voc_segmentation": "voc",
         "write_voc_xml": "voc"}

__all__ = ["boxes", *_HOME]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOME[name] or name}")
    value = module if _HOME[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
