"""datasets.voc: XML round trips, the standard library's view of our XML, errors, PNGs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from imgprep_course.datasets import (VocAnnotation, VocObject, parse_voc_xml, read_voc_dataset,
                                     read_voc_segmentation, read_voc_xml, voc_colormap,
                                     voc_xml_string, write_voc_segmentation, write_voc_xml)

# A file as VOC2012 writes it (2007_000027.xml, objects trimmed), with its real quirks:
# tabs, a <source> block, a <part> inside the object, no <occluded>.
REAL = """<annotation>
\t<filename>2007_000027.jpg</filename>
\t<folder>VOC2012</folder>
\t<object>
\t\t<name>person</name>
\t\t<actions><jumping>0</jumping></actions>
\t\t<bndbox>
\t\t\t<xmax>349</xmax>
\t\t\t<xmin>174</xmin>
\t\t\t<ymax>351</ymax>
\t\t\t<ymin>101</ymin>
\t\t</bndbox>
\t\t<difficult>0</difficult>
\t\t<pose>Unspecified</pose>
\t\t<part>
\t\t\t<bndbox><xmax>275</xmax><xmin>169</xmin><ymax>199</ymax><ymin>104</ymin></bndbox>
\t\t\t<name>head</name>
\t\t</part>
\t\t<truncated>0</truncated>
\t</object>
\t<segmented>0</segmented>
\t<size>
\t\t<depth>3</depth>
\t\t<height>500</height>
\t\t<width>486</width>
\t</size>
\t<source>
\t\t<annotation>PASCAL VOC2007</annotation>
\t\t<database>The VOC2007 Database</database>
\t\t<image>flickr</image>
\t</source>
</annotation>
"""


def test_reads_a_real_voc_file():
    ann = parse_voc_xml(REAL, "2007_000027.xml")
    assert (ann.filename, ann.width, ann.height, ann.depth, ann.folder) == (
        "2007_000027.jpg", 486, 500, 3, "VOC2012")
    assert ann.objects == [VocObject("person", (174.0, 101.0, 349.0, 351.0))]
    assert ann.boxes("xyxy").tolist() == [[173.0, 100.0, 349.0, 351.0]]
    assert ann.names() == ["person"]


names = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
voc_objects = st.builds(
    lambda name, x, y, w, h, d, t, o: VocObject(name, (x, y, x + w, y + h), d, t, o),
    names, st.integers(1, 500), st.integers(1, 500), st.integers(0, 300), st.integers(0, 300),
    st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(objects=st.lists(voc_objects, max_size=6), width=st.integers(1, 999),
       height=st.integers(1, 999), segmented=st.booleans())
def test_write_then_read_gives_the_same_annotation(objects, width, height, segmented):
    ann = VocAnnotation("x.jpg", width, height, objects=objects, segmented=segmented)
    text = voc_xml_string(ann)
    assert parse_voc_xml(text) == ann
    # The standard library reads the same numbers as VOC's devkit would.
    root = ET.fromstring(text)
    assert int(root.findtext("size/width")) == width
    for element, obj in zip(root.findall("object"), objects):
        assert [int(element.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax")] \
            == list(obj.bbox)
        assert int(element.findtext("difficult")) == obj.difficult


def test_fractional_coordinates_round_trip(tmp_path):
    ann = VocAnnotation("a.jpg", 10, 10, objects=[VocObject("cat", (1.5, 2, 3.25, 4))])
    write_voc_xml(ann, tmp_path / "a.xml")
    assert "<xmin>1.5</xmin>" in (tmp_path / "a.xml").read_text()
    assert "<ymin>2</ymin>" in (tmp_path / "a.xml").read_text()
    assert read_voc_xml(tmp_path / "a.xml") == ann


@pytest.mark.parametrize("text, message", [
    ("<annotation><filename>a</filename>", r"a.xml is not well-formed XML: no element found"),
    ("<notes/>", r"a.xml: the root element is <notes>, not <annotation>"),
    ("<annotation><size><width>4</width><height>4</height></size></annotation>",
     r"a.xml: <annotation> has no <filename>"),
    ("<annotation><filename>a</filename><size><width>4</width></size></annotation>",
     r"a.xml: <size>: <size> has no <height>"),
    ("<annotation><filename>a</filename><size><width>four</width><height>4</height></size>"
     "</annotation>", r"a.xml: <size>: <width> holds 'four', which is not a finite number"),
    ("<annotation><filename>a</filename><size><width>4.5</width><height>4</height></size>"
     "</annotation>", r"a.xml: <size>: <width> holds 4.5; it must be a whole number >= 0"),
    ("<annotation><filename>a</filename><size><width>4</width><height>4</height></size>"
     "<object><name>dog</name></object></annotation>",
     r"a.xml: object 0 \(dog\): <object> has no <bndbox>"),
    ("<annotation><filename>a</filename><size><width>4</width><height>4</height></size>"
     "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax></bndbox>"
     "</object></annotation>", r"a.xml: object 0 \(dog\) <bndbox>: <bndbox> has no <ymax>"),
    ("<annotation><filename>a</filename><size><width>4</width><height>4</height></size>"
     "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
     "</bndbox></object><object><name>cat</name><bndbox><xmin>3</xmin><ymin>1</ymin>"
     "<xmax>1</xmax><ymax>2</ymax></bndbox></object></annotation>",
     r"a.xml: the <bndbox> of object\[1\] has a negative width or height: "
     r"\[3.0, 1.0, 1.0, 2.0\] \(xmin, ymin, xmax, ymax\)"),
    ("<annotation><filename>a</filename><size><width>4</width><height>4</height></size>"
     "<object><name>dog</name><difficult>yes</difficult><bndbox><xmin>1</xmin><ymin>1</ymin>"
     "<xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>",
     r"a.xml: object 0: <difficult> holds 'yes', which is not a finite number"),
])
def test_bad_xml_names_what_and_where(text, message):
    with pytest.raises(ValueError, match=message):
        parse_voc_xml(text, "a.xml")


def test_writer_refuses_a_box_of_negative_size():
    ann = VocAnnotation("a.jpg", 10, 10, objects=[VocObject("cat", (5, 5, 3, 9))])
    with pytest.raises(ValueError, match="negative width or height"):
        voc_xml_string(ann)


def test_read_voc_dataset(tmp_path):
    (tmp_path / "Annotations").mkdir()
    for name in ("b", "a", "c"):
        write_voc_xml(VocAnnotation(f"{name}.jpg", 4, 4), tmp_path / "Annotations" / f"{name}.xml")
    assert list(read_voc_dataset(tmp_path)) == ["a", "b", "c"]
    (tmp_path / "ImageSets" / "Main").mkdir(parents=True)
    (tmp_path / "ImageSets" / "Main" / "val.txt").write_text("c\nb\n")
    data = read_voc_dataset(tmp_path, "val")
    assert list(data) == ["c", "b"] and data["c"].filename == "c.jpg"
    with pytest.raises(FileNotFoundError, match="image_set 'train'"):
        read_voc_dataset(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match="has no Annotations folder"):
        read_voc_dataset(tmp_path / "ImageSets")


def _bitget_colormap(n: int) -> np.ndarray:
    """VOCdevkit's labelcolormap.m, transcribed literally."""
    cmap = np.zeros((n, 3), np.uint8)
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = r, g, b
    return cmap


def test_colormap_is_vocs():
    np.testing.assert_array_equal(voc_colormap(), _bitget_colormap(256))
    assert voc_colormap(21).shape == (21, 3)


def test_segmentation_png_round_trip_and_palette(tmp_path):
    labels = np.random.default_rng(0).integers(0, 21, (7, 9)).astype(np.uint8)
    labels[0, 0] = 255
    path = tmp_path / "seg.png"
    write_voc_segmentation(labels, path)
    np.testing.assert_array_equal(read_voc_segmentation(path), labels)
    with Image.open(path) as image:
        assert image.mode == "P"
        rgb = np.asarray(image.convert("RGB"))
    np.testing.assert_array_equal(rgb, voc_colormap()[labels])


def test_segmentation_errors(tmp_path):
    with pytest.raises(ValueError, match=r"labels must lie in 0..255, got -1..3"):
        write_voc_segmentation(np.array([[-1, 3]]), tmp_path / "x.png")
    with pytest.raises(ValueError, match="labels must have 2 dimensions"):
        write_voc_segmentation(np.zeros((2, 2, 3), np.uint8), tmp_path / "x.png")
    Image.new("RGB", (3, 2)).save(tmp_path / "rgb.png")
    with pytest.raises(ValueError, match="rgb.png is a RGB image; a VOC segmentation PNG"):
        read_voc_segmentation(tmp_path / "rgb.png")


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_broken_element_gives_a_value_error_or_an_annotation(data):
    """Delete an element or change its text anywhere in a real file: a ValueError or a
    valid annotation, never another exception."""
    root = ET.fromstring(REAL)
    elements = [(parent, child) for parent in root.iter() for child in parent]
    parent, child = data.draw(st.sampled_from(elements))
    if data.draw(st.booleans()):
        parent.remove(child)
    else:
        child.text = data.draw(st.sampled_from(["", "-5", "abc", "1e3", "nan", "12.5", " 7 "]))
    try:
        ann = parse_voc_xml(ET.tostring(root), "broken.xml")
    except ValueError as error:
        assert str(error).startswith("broken.xml")
        return
    assert ann.boxes().shape == (len(ann.objects), 4)
