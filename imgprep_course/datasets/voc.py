"""PASCAL VOC files: annotation XML (read and write) and segmentation PNGs.

A VOC dataset folder holds ``JPEGImages/NAME.jpg``, ``Annotations/NAME.xml`` (one per
image: its size and one ``<object>`` per object), ``ImageSets/Main/*.txt`` (lists of
names) and, for the segmentation subset, ``SegmentationClass/NAME.png`` and
``SegmentationObject/NAME.png``.

Boxes in the XML are VOC's 1-based, inclusive pixel indices ``xmin ymin xmax ymax``: a
box around the top-left pixel alone is ``1 1 1 1``. :meth:`VocAnnotation.boxes`
converts them with :func:`imgprep_course.boxes.convert`.

Segmentation PNGs are palette images: each pixel holds an index, not a colour.
``SegmentationClass`` holds the class index (0 background, 1..20 the classes in
alphabetical order for VOC), ``SegmentationObject`` the object's position in the XML
(1 for the first ``<object>``), and 255 marks "void": object borders and regions that
are not to be scored. :func:`voc_colormap` gives VOC's palette.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from imgprep_course._validation import as_array
from imgprep_course.boxes import as_boxes, convert

__all__ = ["VocObject", "VocAnnotation", "read_voc_xml", "parse_voc_xml", "voc_xml_string",
           "write_voc_xml", "read_voc_dataset", "voc_colormap", "read_voc_segmentation",
           "write_voc_segmentation", "VOID"]

#: The index marking void pixels (borders, regions not to be scored) in segmentation PNGs.
VOID = 255


@dataclass
class VocObject:
    """One ``<object>`` of a VOC annotation.

    ``bbox`` holds VOC's 1-based inclusive ``xmin, ymin, xmax, ymax``.
    """

    name: str
    bbox: tuple[float, float, float, float]
    difficult: bool = False
    truncated: bool = False
    occluded: bool = False
    pose: str = "Unspecified"


@dataclass
class VocAnnotation:
    """The content of one VOC annotation XML file."""

    filename: str
    width: int
    height: int
    depth: int = 3
    objects: list[VocObject] = field(default_factory=list)
    folder: str = "VOC"
    segmented: bool = False

    def boxes(self, fmt: str = "voc") -> np.ndarray:
        """The objects' boxes, ``(N, 4)`` floats in ``fmt`` (see :mod:`imgprep_course.boxes`).

        Examples
        --------
        >>> ann = VocAnnotation("a.jpg", 5, 4, objects=[VocObject("dog", (1, 1, 2, 3))])
        >>> ann.boxes("xywh").tolist()
        [[0.0, 0.0, 2.0, 3.0]]
        """
        return convert([obj.bbox for obj in self.objects], "voc", fmt)

    def names(self) -> list[str]:
        """The objects' class names, in XML order."""
        return [obj.name for obj in self.objects]


def parse_voc_xml(text: str | bytes, source: str = "<string>") -> VocAnnotation:
    """Parse the text of a VOC annotation XML file.

    Required: ``<filename>``, ``<size>`` with ``<width>`` and ``<height>``, and for each
    ``<object>`` its ``<name>`` and ``<bndbox>`` with ``xmin ymin xmax ymax``. Optional
    fields (``<depth>``, ``<difficult>``, ``<truncated>``, ``<occluded>``, ``<pose>``,
    ``<segmented>``, ``<folder>``) default to 3, 0, 0, 0, ``Unspecified``, 0, ``VOC``.

    Raises
    ------
    ValueError
        For malformed XML (with line and column), a missing element, a value that is
        not a number, or a box whose ``xmax < xmin`` or ``ymax < ymin``; the message
        names ``source`` and the object.

    Examples
    --------
    >>> ann = parse_voc_xml('''<annotation><filename>a.jpg</filename>
    ...   <size><width>5</width><height>4</height></size>
    ...   <object><name>dog</name><difficult>1</difficult>
    ...     <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox>
    ...   </object></annotation>''')
    >>> ann.objects[0]
    VocObject(name='dog', bbox=(1.0, 2.0, 3.0, 4.0), difficult=True, truncated=False, occluded=False, pose='Unspecified')
    >>> parse_voc_xml("<annotation><filename>a.jpg</filename></annotation>", "a.xml")
    Traceback (most recent call last):
    ...
    ValueError: a.xml: <annotation> has no <size>
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ValueError(f"{source} is not well-formed XML: {error}") from None
    if root.tag != "annotation":
        raise ValueError(f"{source}: the root element is <{root.tag}>, not <annotation>")
    size = _child(root, "size", source)
    objects = []
    for i, element in enumerate(root.findall("object")):
        where = f"{source}: object {i}"
        name = _text(element, "name", where)
        box = _child(element, "bndbox", f"{where} ({name})")
        bbox = tuple(_number(box, key, f"{where} ({name}) <bndbox>")
                     for key in ("xmin", "ymin", "xmax", "ymax"))
        objects.append(VocObject(
            name=name, bbox=bbox,
            difficult=_flag(element, "difficult", where),
            truncated=_flag(element, "truncated", where),
            occluded=_flag(element, "occluded", where),
            pose=element.findtext("pose", "Unspecified").strip()))
    try:
        as_boxes([obj.bbox for obj in objects], f"{source}: the <bndbox> of object", fmt="voc")
    except ValueError as error:
        raise ValueError(str(error).replace("(format voc)", "(xmin, ymin, xmax, ymax)")) from None
    return VocAnnotation(
        filename=_text(root, "filename", source),
        width=_count(size, "width", f"{source}: <size>"),
        height=_count(size, "height", f"{source}: <size>"),
        depth=_count(size, "depth", f"{source}: <size>", default=3),
        objects=objects,
        folder=root.findtext("folder", "VOC").strip(),
        segmented=_flag(root, "segmented", source))


def read_voc_xml(path: str | os.PathLike) -> VocAnnotation:
    """Read one VOC annotation XML file (see :func:`parse_voc_xml`)."""
    path = Path(path)
    return parse_voc_xml(path.read_bytes(), str(path))


def voc_xml_string(annotation: VocAnnotation) -> str:
    """The VOC XML text of ``annotation``, indented, as the VOC files lay it out.

    Coordinates that are whole numbers are written without a decimal point.

    Examples
    --------
    >>> ann = VocAnnotation("a.jpg", 5, 4, objects=[VocObject("dog", (1, 2, 3, 4))])
    >>> parse_voc_xml(voc_xml_string(ann)) == ann
    True
    """
    root = ET.Element("annotation")
    _add(root, "folder", annotation.folder)
    _add(root, "filename", annotation.filename)
    size = _add(root, "size")
    for key in ("width", "height", "depth"):
        _add(size, key, getattr(annotation, key))
    _add(root, "segmented", int(annotation.segmented))
    as_boxes([obj.bbox for obj in annotation.objects], "annotation.objects' bbox", fmt="voc")
    for obj in annotation.objects:
        element = _add(root, "object")
        _add(element, "name", obj.name)
        _add(element, "pose", obj.pose)
        _add(element, "truncated", int(obj.truncated))
        _add(element, "occluded", int(obj.occluded))
        _add(element, "difficult", int(obj.difficult))
        box = _add(element, "bndbox")
        for key, value in zip(("xmin", "ymin", "xmax", "ymax"), obj.bbox):
            _add(box, key, int(value) if float(value).is_integer() else float(value))
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="unicode") + "\n"


def write_voc_xml(annotation: VocAnnotation, path: str | os.PathLike) -> None:
    """Write ``annotation`` as a VOC XML file (see :func:`voc_xml_string`)."""
    Path(path).write_text(voc_xml_string(annotation), encoding="utf-8")


def read_voc_dataset(root: str | os.PathLike, image_set: str | None = None
                     ) -> dict[str, VocAnnotation]:
    """Read the annotations of a VOC folder, by image name.

    Parameters
    ----------
    root : path
        The folder holding ``Annotations/`` (e.g. ``VOCdevkit/VOC2012``).
    image_set : str, optional
        A list in ``ImageSets/Main/`` (``"train"``, ``"val"``, ``"trainval"``): read only
        the names it holds, in its order. By default every XML file, sorted by name.
    """
    root = Path(root)
    folder = root / "Annotations"
    if not folder.is_dir():
        raise FileNotFoundError(f"{root} has no Annotations folder; is it a VOC folder "
                                f"(e.g. VOCdevkit/VOC2012)?")
    if image_set is None:
        names = sorted(path.stem for path in folder.glob("*.xml"))
    else:
        listing = root / "ImageSets" / "Main" / f"{image_set}.txt"
        if not listing.is_file():
            raise FileNotFoundError(f"image_set {image_set!r}: {listing} does not exist")
        names = [line.split()[0] for line in listing.read_text().splitlines() if line.strip()]
    return {name: read_voc_xml(folder / f"{name}.xml") for name in names}


def voc_colormap(n: int = 256) -> np.ndarray:
    """VOC's palette: ``(n, 3)`` uint8 RGB, colour ``i`` spreading the bits of ``i``.

    Index 0 (background) is black, 1 is dark red, 255 (void) is a light cream.

    Examples
    --------
    >>> voc_colormap()[[0, 1, 2, 15, 255]].tolist()
    [[0, 0, 0], [128, 0, 0], [0, 128, 0], [192, 128, 128], [224, 224, 192]]
    """
    indices = np.arange(n)
    colours = np.zeros((n, 3), np.int64)
    for shift in range(7, -1, -1):
        for channel in range(3):
            colours[:, channel] |= ((indices >> channel) & 1) << shift
        indices = indices >> 3
    return colours.astype(np.uint8)


def write_voc_segmentation(labels, path: str | os.PathLike) -> None:
    """Write an ``(H, W)`` array of indices 0..255 as a palette PNG with VOC's colours.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "seg.png"
    >>> write_voc_segmentation(np.array([[0, 1], [255, 2]], np.uint8), path)
    >>> read_voc_segmentation(path).tolist()
    [[0, 1], [255, 2]]
    """
    array = as_array(labels, "labels", ndim=2, kinds="iu")
    if array.min() < 0 or array.max() > 255:
        raise ValueError(f"labels must lie in 0..255, got {array.min()}..{array.max()}")
    height, width = array.shape
    image = Image.frombytes("P", (width, height), array.astype(np.uint8).tobytes())
    image.putpalette(voc_colormap().ravel().tolist())
    image.save(path, format="PNG")


def read_voc_segmentation(path: str | os.PathLike) -> np.ndarray:
    """The ``(H, W)`` uint8 indices of a VOC segmentation PNG (not its colours)."""
    with Image.open(path) as image:
        if image.mode not in ("P", "L"):
            raise ValueError(f"{path} is a {image.mode} image; a VOC segmentation PNG is a "
                             f"palette (P) image holding class or object indices")
        return np.array(image)


# -------------------------------------------------------------------- helpers
def _child(element: ET.Element, tag: str, where: str) -> ET.Element:
    child = element.find(tag)
    if child is None:
        raise ValueError(f"{where}: <{element.tag}> has no <{tag}>")
    return child


def _text(element: ET.Element, tag: str, where: str) -> str:
    return (_child(element, tag, where).text or "").strip()


def _number(element: ET.Element, tag: str, where: str, default: float | None = None) -> float:
    if default is not None and element.find(tag) is None:
        return float(default)
    text = _text(element, tag, where)
    try:
        value = float(text)
    except ValueError:
        value = np.nan
    if not np.isfinite(value):
        raise ValueError(f"{where}: <{tag}> holds {text!r}, which is not a finite number")
    return value


def _count(element: ET.Element, tag: str, where: str, default: int | None = None) -> int:
    value = _number(element, tag, where, default)
    if value < 0 or not value.is_integer():
        raise ValueError(f"{where}: <{tag}> holds {value:g}; it must be a whole number >= 0")
    return int(value)


def _flag(element: ET.Element, tag: str, where: str) -> bool:
    return bool(_number(element, tag, where, default=0))


def _add(parent: ET.Element, tag: str, text=None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child
