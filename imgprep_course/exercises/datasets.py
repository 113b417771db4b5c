"""Lesson 03's exercises: one VOC object, box formats, RLE by hand, COCO size ranges."""

import numpy as np

from imgprep_course import boxes
from imgprep_course.datasets import COCO, masks, parse_voc_xml, size_ranges
from imgprep_course.exercises._core import Case, Exercise


# ------------------------------------------------------------------ 3.1 read a VOC object
def _read_voc_object_ref(xml_text):
    """The library's VOC parser, on the object wrapped in the smallest valid annotation."""
    wrapped = ("<annotation><filename>-</filename><size><width>1</width><height>1</height>"
               f"</size>{xml_text}</annotation>")
    obj = parse_voc_xml(wrapped).objects[0]
    return (obj.name, int(obj.difficult), *obj.bbox)


_DOG = """<object>
\t<name>dog</name>
\t<pose>Left</pose>
\t<truncated>1</truncated>
\t<difficult>0</difficult>
\t<bndbox>
\t\t<xmin>48</xmin>
\t\t<ymin>240</ymin>
\t\t<xmax>195</xmax>
\t\t<ymax>371</ymax>
\t</bndbox>
</object>"""

_DIFFICULT_BOTTLE = """<object>
  <name>bottle</name>
  <pose>Unspecified</pose>
  <truncated>0</truncated>
  <occluded>1</occluded>
  <difficult>1</difficult>
  <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>12</xmax><ymax>40</ymax></bndbox>
</object>"""

# A person with layout parts: each <part> has its own <name> and <bndbox>.
_PERSON_WITH_PARTS = """<object>
  <part>
    <name>head</name>
    <bndbox><xmin>170</xmin><ymin>30</ymin><xmax>215</xmax><ymax>80</ymax></bndbox>
  </part>
  <name>person</name>
  <pose>Frontal</pose>
  <truncated>0</truncated>
  <difficult>0</difficult>
  <bndbox><xmin>150</xmin><ymin>25</ymin><xmax>260</xmax><ymax>330</ymax></bndbox>
  <part>
    <name>hand</name>
    <bndbox><xmin>151</xmin><ymin>180</ymin><xmax>170</xmax><ymax>205</ymax></bndbox>
  </part>
</object>"""

# No <difficult> element at all, and coordinates with a decimal point.
_NO_DIFFICULT = """<object>
  <name>circle</name>
  <bndbox>
    <xmin>12.5</xmin>
    <ymin>7</ymin>
    <xmax>30.5</xmax>
    <ymax>19</ymax>
  </bndbox>
</object>"""

def _shuffled_object(rng) -> str:
    """An object with random values, its elements and box corners in a random order."""
    x0, y0 = (int(v) for v in rng.integers(1, 200, 2))
    corners = {"xmin": x0, "ymin": y0, "xmax": x0 + int(rng.integers(1, 100)),
               "ymax": y0 + int(rng.integers(1, 100))}
    box = "".join(f"<{k}>{corners[k]}</{k}>" for k in rng.permutation(list(corners)))
    parts = [f"<bndbox>{box}</bndbox>", f"<difficult>{int(rng.integers(0, 2))}</difficult>",
             f"<name>{rng.choice(['cross', 'circle', 'square', 'triangle'])}</name>"]
    return "<object>" + "".join(parts[i] for i in rng.permutation(3)) + "</object>"


def _read_voc_object_cases(hidden):
    return [Case((_DOG,)), Case((_DIFFICULT_BOTTLE,)), Case((_PERSON_WITH_PARTS,)),
            Case((_NO_DIFFICULT,)), Case((_shuffled_object(hidden),), hidden=True)]


read_voc_object = Exercise(
    name="read_voc_object", number="3.1", points=2,
    title="Read one object of a VOC annotation",
    reference=_read_voc_object_ref, make_cases=_read_voc_object_cases, dtype_kind=None,
    hints=("xml.etree.ElementTree.fromstring(xml_text) gives the <object> element; "
           "element.find('name') finds a direct child, element.findtext('name') its text.",
           "A <part> has its own <name> and <bndbox>: only look at the object's direct "
           "children (find, not iter or './/'). A missing <difficult> counts as 0.",
           "box = obj.find('bndbox'); xmin = float(box.findtext('xmin')), and so on; "
           "difficult = int(obj.findtext('difficult', '0')); strip the name's text."),
)


# ------------------------------------------------------------------ 3.2 COCO box -> VOC box
def _xywh_to_voc_ref(xywh):
    return boxes.convert(xywh, "xywh", "voc")


def _xywh_to_voc_cases(hidden):
    rng = np.random.default_rng(32)
    integer = np.column_stack([rng.integers(0, 200, (6, 2)), rng.integers(1, 60, (6, 2))])
    return [
        Case((np.array([[0.0, 0.0, 1.0, 1.0]]),)),
        Case((np.array([[10.0, 20.0, 30.0, 40.0], [47.0, 239.0, 148.0, 132.0]]),)),
        Case((integer.astype(np.float64),)),
        Case((np.round(hidden.uniform(0, 100, (5, 4)), 2),), hidden=True),
        Case((np.zeros((0, 4)),), hidden=True),
    ]


xywh_to_voc = Exercise(
    name="xywh_to_voc", number="3.2", points=2,
    title="Convert COCO boxes (x, y, w, h) to VOC boxes (1-based, inclusive)",
    reference=_xywh_to_voc_ref, make_cases=_xywh_to_voc_cases, rtol=0, atol=1e-3,
    hints=("The box [0, 0, 1, 1] covers exactly the top-left pixel; in VOC that pixel "
           "is number 1 in x and in y, so the VOC box is [1, 1, 1, 1].",
           "xmin = x + 1 and ymin = y + 1 (0-based edge to 1-based pixel); the last "
           "pixel covered is x + w in 1-based numbering, so xmax = x + w, ymax = y + h.",
           "Work on whole columns: out = boxes.astype(float).copy(); "
           "out[:, 2:] += out[:, :2]; out[:, :2] += 1."),
)


# ------------------------------------------------------------------ 3.3 RLE run lengths
def _rle_counts_ref(mask):
    return np.asarray(masks.uncompress(masks.encode(mask))["counts"], dtype=np.int64)


def _rle_counts_cases(hidden):
    rng = np.random.default_rng(33)
    square = np.zeros((4, 5), np.uint8)
    square[1:3, 1:4] = 1
    corner = np.zeros((3, 4), np.uint8)
    corner[0, 0] = 1
    return [
        Case((square,)),
        Case((corner,)),
        Case((np.zeros((2, 3), np.uint8),)),
        Case((np.ones((3, 2), bool),)),
        Case((rng.random((6, 7)) < 0.4,)),
        Case(((hidden.random((9, 5)) < 0.6).astype(np.uint8),), hidden=True),
    ]


rle_counts = Exercise(
    name="rle_counts", number="3.3", points=3,
    title="Run-length encode a binary mask the COCO way (uncompressed counts)",
    reference=_rle_counts_ref, make_cases=_rle_counts_cases, rtol=0, atol=0,
    dtype_kind="i",
    hints=("COCO reads the mask column by column: mask.flatten(order='F') (or mask.T.ravel()).",
           "Runs alternate 0, 1, 0, ... and the first run counts zeros: if the first "
           "pixel is 1, the counts start with a run of length 0.",
           "Find where the value changes: edges = np.flatnonzero(np.diff(pixels)) + 1; "
           "the runs are np.diff(np.r_[0, edges, pixels.size]); prepend 0 when "
           "pixels[0] is 1."),
)


# ------------------------------------------------------------------ 3.4 COCO size ranges
def _size_histogram_ref(areas):
    """The library's ``size_ranges`` on a one-image COCO index holding these areas."""
    annotations = [{"id": i + 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                    "bbox": [0, 0, 1, 1], "area": float(area)} for i, area in enumerate(areas)]
    coco = COCO({"images": [{"id": 1, "file_name": "-", "height": 1, "width": 1}],
                 "categories": [{"id": 1, "name": "object"}], "annotations": annotations})
    return tuple(size_ranges(coco).values())


def _size_histogram_cases(hidden):
    rng = np.random.default_rng(34)
    return [
        Case((np.array([10.0, 500.0, 2000.0, 12000.0]),)),
        Case((np.array([1023.0, 1024.0, 9215.0, 9216.0]),)),
        Case((np.exp(rng.uniform(np.log(4), np.log(40000), 200)),)),
        Case((np.array([0.0, 1023.5, 9216.5]),)),
        Case((np.round(np.exp(hidden.uniform(np.log(9), np.log(90000), 57))),),
             hidden=True),
    ]


size_histogram = Exercise(
    name="size_histogram", number="3.4", points=2,
    title="Count COCO's small, medium and large objects",
    reference=_size_histogram_ref, make_cases=_size_histogram_cases, dtype_kind=None,
    hints=("Two thresholds, 32**2 = 1024 and 96**2 = 9216; each boundary value belongs to "
           "the range above it.",
           "With a NumPy array, (areas < 1024).sum() counts the small ones; medium is "
           "(1024 <= areas) & (areas < 9216).",
           "Return plain ints in a tuple: (int(small), int(medium), int(large)); an "
           "area of exactly 1024 is medium, exactly 9216 is large."),
)

EXERCISES = (read_voc_object, xywh_to_voc, rle_counts, size_histogram)
