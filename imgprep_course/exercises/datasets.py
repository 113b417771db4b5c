"""Lesson 03's exercises: one VOC object, box formats, RLE by hand, COCO size ranges,
category ids to class indices."""

import numpy as np

from imgprep_course import boxes
from imgprep_course.datasets import COCO, masks, parse_voc_xml, size_ranges
from imgprep_course.datasets.photos import class_index as _class_index_ref, photos_coco
from imgprep_course.exercises._core import Case, Exercise, Misconception
from imgprep_course.exercises._question import Choice, Question


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


def _voc_object(xml_text, *, anywhere=False, convert=True):
    """A plain ElementTree reading; ``anywhere`` searches the whole subtree (a mistake)."""
    import xml.etree.ElementTree as ET

    obj = ET.fromstring(xml_text)
    prefix = ".//" if anywhere else ""
    box = obj.find(prefix + "bndbox")
    texts = [obj.findtext(prefix + "name").strip(), obj.findtext(prefix + "difficult", "0")]
    texts += [box.findtext(key) for key in ("xmin", "ymin", "xmax", "ymax")]
    if not convert:
        return tuple(texts)
    return (texts[0], int(texts[1]), *(float(t) for t in texts[2:]))


def _voc_object_as_ints(xml_text):
    name, difficult, *coordinates = _voc_object(xml_text)
    return (name, difficult, *(int(c) for c in coordinates))


_READ_VOC_MISTAKES = (
    Misconception(lambda xml_text: _voc_object(xml_text, anywhere=True),
                  "a <part>'s name or box: './/name' and iter() search the whole subtree, "
                  "and a person's <part> elements have their own <name> and <bndbox>; "
                  "read only the object's direct children (find('name'))"),
    Misconception(lambda xml_text: _voc_object(xml_text, convert=False),
                  "the values are still text: convert difficult with int() and the "
                  "coordinates with float()"),
    Misconception(_voc_object_as_ints,
                  "coordinates truncated to int: VOC coordinates may have a decimal "
                  "point (12.5), so read them with float()"),
)

read_voc_object = Exercise(
    name="read_voc_object", number="3.1", points=2,
    title="Read one object of a VOC annotation",
    reference=_read_voc_object_ref, make_cases=_read_voc_object_cases, dtype_kind=None,
    misconceptions=_READ_VOC_MISTAKES,
    hints=("xml.etree.ElementTree.fromstring(xml_text) gives the <object> element; "
           "element.find('name') finds a direct child, element.findtext('name') its text.",
           "A <part> has its own <name> and <bndbox>: only look at the object's direct "
           "children (find, not iter or './/'). A missing <difficult> counts as 0.",
           "Convert as you read: difficult to an int (findtext takes a default for a missing "
           "element), the four coordinates to floats; strip the whitespace around the name."),
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


def _xyxy_plus(xywh, low, high):
    xywh = np.asarray(xywh, dtype=np.float64)
    return np.concatenate([xywh[:, :2] + low, xywh[:, :2] + xywh[:, 2:] + high], axis=1)


_XYWH_TO_VOC_MISTAKES = (
    Misconception(lambda xywh: _xyxy_plus(xywh, 0, 0),
                  "no +1: that is 0-based xyxy edges; VOC numbers pixels from 1 and its "
                  "boxes name the first and the last pixel covered"),
    Misconception(lambda xywh: _xyxy_plus(xywh, 1, 1),
                  "+1 on every coordinate: the last pixel covered is already number "
                  "x + w in 1-based numbering, so xmax = x + w"),
    Misconception(lambda xywh: np.concatenate([np.asarray(xywh, np.float64)[:, :2] + 1,
                                               np.asarray(xywh, np.float64)[:, 2:]], axis=1),
                  "w and h are a size, not the far corner: xmax = x + w, ymax = y + h"),
)

xywh_to_voc = Exercise(
    name="xywh_to_voc", number="3.2", points=1,
    title="Convert COCO boxes (x, y, w, h) to VOC boxes (1-based, inclusive)",
    reference=_xywh_to_voc_ref, make_cases=_xywh_to_voc_cases, rtol=0, atol=1e-3,
    misconceptions=_XYWH_TO_VOC_MISTAKES,
    hints=("The box [0, 0, 1, 1] covers exactly the top-left pixel; in VOC that pixel is "
           "number 1 in x and in y, so the VOC box is [1, 1, 1, 1].",
           "The first pixel covered moves from a 0-based edge to a 1-based number (+1); the "
           "last pixel covered is number x + w in 1-based numbering, with no +1.",
           "Work on whole columns: [:, :2] and [:, 2:] select the (x, y) and (w, h) pairs of "
           "every box; do the arithmetic on a float copy, never on the input."),
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


def _runs(pixels, *, leading_zero=True):
    pixels = np.asarray(pixels).astype(np.uint8)
    edges = np.flatnonzero(np.diff(pixels)) + 1
    runs = np.diff(np.r_[0, edges, pixels.size]).astype(np.int64)
    if leading_zero and pixels.size and pixels[0] == 1:
        runs = np.r_[0, runs]
    return runs


_RLE_MISTAKES = (
    Misconception(lambda mask: _runs(np.asarray(mask).ravel()),
                  "row-major RLE: the pixels were read row by row (C order); COCO reads "
                  "them column by column, mask.flatten(order='F')"),
    Misconception(lambda mask: _runs(np.asarray(mask).flatten(order="F"), leading_zero=False),
                  "the first run must count zeros: when the first pixel is 1 the counts "
                  "start with a run of length 0"),
)

rle_counts = Exercise(
    name="rle_counts", number="3.3", points=3,
    title="Run-length encode a binary mask the COCO way (uncompressed counts)",
    reference=_rle_counts_ref, make_cases=_rle_counts_cases, rtol=0, atol=0,
    dtype_kind="i", misconceptions=_RLE_MISTAKES,
    hints=("COCO reads the mask column by column (Fortran order, the transpose's rows).",
           "Runs alternate 0, 1, 0, ... and the first run counts zeros: if the first pixel "
           "is 1, the counts start with a run of length 0.",
           "A run ends where the value changes: np.diff of the pixels is non-zero there and "
           "np.flatnonzero gives the positions; the run lengths are the gaps between "
           "consecutive boundaries, counting 0 and the end of the mask as boundaries."),
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


def _count(areas, small, medium, large):
    areas = np.asarray(areas, dtype=np.float64)
    return tuple(int(np.sum(rule(areas))) for rule in (small, medium, large))


_SIZE_HISTOGRAM_MISTAKES = (
    Misconception(lambda areas: _count(areas, lambda a: a <= 1024,
                                       lambda a: (a >= 1024) & (a <= 9216),
                                       lambda a: a >= 9216),
                  "pycocotools' evaluation ranges, closed at both ends, so an area of "
                  "exactly 1024 or 9216 counts twice; for statistics the ranges are "
                  "half-open, [0, 1024), [1024, 9216), [9216, inf)"),
    Misconception(lambda areas: _count(areas, lambda a: a < 1024,
                                       lambda a: (a > 1024) & (a < 9216),
                                       lambda a: a > 9216),
                  "the COCO web page's strict inequalities, which leave an area of exactly "
                  "1024 or 9216 in no range; each boundary belongs to the range above it"),
    Misconception(lambda areas: _count(areas, lambda a: a < 32,
                                       lambda a: (a >= 32) & (a < 96),
                                       lambda a: a >= 96),
                  "32 and 96 are side lengths: the area thresholds are 32**2 = 1024 and "
                  "96**2 = 9216"),
)

size_histogram = Exercise(
    name="size_histogram", number="3.4", points=1,
    title="Count COCO's small, medium and large objects",
    reference=_size_histogram_ref, make_cases=_size_histogram_cases, dtype_kind=None,
    misconceptions=_SIZE_HISTOGRAM_MISTAKES,
    hints=("Two thresholds, 32**2 = 1024 and 96**2 = 9216; each boundary value belongs to "
           "the range above it (half-open ranges, the library's convention for statistics).",
           "A comparison on an array gives a boolean array; its sum counts the True values, "
           "and & combines two conditions (put each in parentheses).",
           "Return plain Python ints in a tuple (int() of each count): an area of exactly "
           "1024 is medium, exactly 9216 large."),
)


# ------------------------------------------------------- 3.8 category ids -> class indices
#: COCO's 80 detection category ids: 1 to 90 without the ten ids of the paper's 91
#: categories that have no instance annotations.
_COCO_IDS = tuple(i for i in range(1, 91) if i not in (12, 26, 29, 30, 45, 66, 68, 69, 71, 83))
_WORDS = ("apple", "bear", "boat", "chair", "clock", "dog", "horse", "kite", "laptop", "oven",
          "pizza", "sheep", "sink", "train", "vase", "zebra")


def _random_categories(rng) -> tuple[list[dict], np.ndarray]:
    """Categories with ids drawn from 1..200, listed in a random order, and labels of them."""
    ids = rng.choice(np.arange(1, 201), size=int(rng.integers(5, 13)), replace=False)
    names = rng.choice(_WORDS, size=len(ids), replace=False)
    categories = [{"id": int(i), "name": str(n)} for i, n in zip(ids, names)]
    return categories, rng.choice(ids, size=int(rng.integers(10, 40)))


def _class_index_cases(hidden):
    rng = np.random.default_rng(38)
    photos = [{"id": c["id"], "name": c["name"]} for c in photos_coco()["categories"]]
    coco = [{"id": i, "name": f"class {i:02d}"} for i in _COCO_IDS]
    shuffled = [{"id": 3, "name": "cat"}, {"id": 1, "name": "zebra"}, {"id": 2, "name": "dog"}]
    categories, labels = _random_categories(hidden)
    return [
        Case((np.array([91, 1, 17, 47, 1, 99]), photos)),
        Case((rng.choice(_COCO_IDS, 25), coco)),
        Case((np.array([1, 2, 3, 3]), shuffled)),
        Case((labels, categories), hidden=True),
        Case((np.zeros(0, np.int64), categories), hidden=True),
    ]


def _by_rank(category_ids, keys, *, offset=0):
    """The index of each id when the categories are numbered in the order of ``keys``."""
    index = {c["id"]: k + offset for k, c in enumerate(keys)}
    return np.array([index[int(i)] for i in np.asarray(category_ids).ravel()], dtype=np.int64)


_CLASS_INDEX_MISTAKES = (
    Misconception(lambda category_ids, categories: _by_rank(
                      category_ids, sorted(categories, key=lambda c: c["id"])),
                  "the ids sorted (detectron2's rule): here the order is the file's, the "
                  "position in the categories list, which need not be sorted"),
    Misconception(lambda category_ids, categories: _by_rank(
                      category_ids, sorted(categories, key=lambda c: c["name"])),
                  "the names sorted: that is ImageFolder's rule for class folders; a COCO "
                  "file numbers its classes in the order of its categories list"),
    Misconception(lambda category_ids, categories: _by_rank(category_ids, categories,
                                                            offset=1),
                  "numbered from 1: that leaves 0 free for a background class (torchvision's "
                  "detection models do that); this exercise asks for 0-based indices"),
    Misconception(lambda category_ids, categories: np.asarray(category_ids, np.int64) - 1,
                  "category id minus one: COCO's ids have gaps (80 classes, ids up to 90), "
                  "so id - 1 is no class index; look each id up in the categories list"),
)

class_index = Exercise(
    name="class_index", number="3.8", points=1,
    title="COCO category ids to 0-based class indices",
    reference=_class_index_ref, make_cases=_class_index_cases, rtol=0, atol=0,
    dtype_kind="i", misconceptions=_CLASS_INDEX_MISTAKES,
    hints=("Class k of the model is the k-th entry of the categories list, counting from 0; "
           "a category id is a label, and the list says where it stands.",
           "Build the mapping once, a dict from each category's id to its position "
           "(enumerate gives the positions), then look every id up in it.",
           "Return a NumPy integer array with one index per id, in the order of the ids "
           "given (an empty input gives an empty array)."),
)


EXERCISES = (read_voc_object, xywh_to_voc, rle_counts, class_index, size_histogram)

# ------------------------------------------------------------------------ questions
size_by_area = Question(
    name="size_range_answer", number="3.5", title="Predict: the size range of an object",
    prompt="A COCO annotation has bbox [10, 20, 30, 40] (x, y, w, h) and area 702. In "
           "which range does COCO's evaluation count it?",
    choices=(
        Choice("a", "small", True,
               "the ranges go by the annotation's area, the mask's pixel count, 702 < "
               "32**2 = 1024"),
        Choice("b", "medium", False,
               "1200 is the box's w x h; COCO's ranges use the area field, the mask's "
               "pixel count"),
        Choice("c", "large", False, "large starts at 96**2 = 9216"),
    ),
)

voc_width = Question(
    name="voc_width_answer", number="3.6", title="Predict: the width of a VOC box",
    prompt="A VOC box has xmin = 1 and xmax = 10 (1-based pixel numbers, both ends "
           "included). How many pixels wide is it?",
    value=10, tolerance=0,
    wrong_values=((9, "xmax - xmin counts the steps between the first and the last "
                      "pixel; both ends are included, so xmax - xmin + 1"),
                  (11, "one +1 is enough: pixels 1 to 10 are 10 pixels")),
    explanation="Pixels 1, 2, ..., 10: ten pixels, xmax - xmin + 1 (the +1 of the VOC "
                "devkit's areas and IoU).",
)

crowd_regions = Question(
    name="crowd_answer", number="3.7", title="Choose: what iscrowd=1 means",
    prompt="Which statements about COCO annotations with iscrowd=1 are true? (several)",
    several=True,
    choices=(
        Choice("a", "their segmentation is stored as RLE", True,
               "a crowd region is one mask over many objects, stored run-length encoded"),
        Choice("b", "a detection matched to one is ignored, neither TP nor FP", True,
               "pycocotools matches leftover detections to crowd regions and ignores them"),
        Choice("c", "each counts as a ground truth object in the recall", False,
               "crowd regions are ignored ground truth: they are not in the recall's "
               "denominator"),
        Choice("d", "they form a category of their own", False,
               "iscrowd is a flag on an annotation of an ordinary category (a crowd of "
               "people is category person)"),
    ),
)

QUESTIONS = (size_by_area, voc_width, crowd_regions)
