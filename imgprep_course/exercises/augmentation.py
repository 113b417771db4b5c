"""Lesson 02's exercises: a rotation about the centre, flips, bilinear sampling, fill
modes and a box that moves with the image.

Every reference is the library's own code (:mod:`imgprep_course.augment`), called with
fixed arguments, so an answer that passes agrees with :class:`~imgprep_course.augment.
ImageGenerator` on these cases.
"""

import numpy as np

from imgprep_course.augment import affine_matrix, shift_matrix, transform_boxes, warp
from imgprep_course.exercises._core import Case, Exercise, Misconception
from imgprep_course.exercises._question import Choice, Question


# --------------------------------------------------------------- 2.1 rotation matrix
def _rotation_cases(hidden):
    return [
        Case((90, 5, 5)),
        Case((30, 4, 6)),
        Case((-45, 7, 3)),
        Case((180, 5, 8)),
        *[Case((round(float(hidden.uniform(-180, 180)), 1), int(hidden.integers(3, 12)),
                int(hidden.integers(3, 12))), hidden=True) for _ in range(2)],
    ]


def _rotation(theta, cx, cy, sign=1.0):
    """C @ R @ inv(C) with the centre (cx, cy); ``sign=-1`` gives the push matrix."""
    c, s = np.cos(np.deg2rad(theta)), sign * np.sin(np.deg2rad(theta))
    centre = np.array([[1.0, 0, cx], [0, 1, cy], [0, 0, 1]])
    back = np.array([[1.0, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    return centre @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ back


_ROTATION_MISTAKES = (
    Misconception(lambda theta, height, width: _rotation(theta, 0, 0),
                  "a rotation about the origin, the top-left pixel: move the centre to "
                  "the origin first and back afterwards, C @ R @ inv(C)"),
    Misconception(lambda theta, height, width: _rotation(theta, width / 2, height / 2),
                  "the centre at (w / 2, h / 2): pixel centres sit at integer indices, so "
                  "the middle of w pixels is (w - 1) / 2"),
    Misconception(lambda theta, height, width: _rotation(theta, (height - 1) / 2,
                                                         (width - 1) / 2),
                  "x and y swapped: x is the column, so cx comes from the width and cy "
                  "from the height"),
    Misconception(lambda theta, height, width: _rotation(theta, (width - 1) / 2,
                                                         (height - 1) / 2, sign=-1.0),
                  "the push (forward) rotation: the pull matrix maps each output pixel to "
                  "where it comes from, the inverse rotation, with +sin in the bottom row"),
)

rotation_about_center = Exercise(
    name="rotation_about_center", number="2.1", points=2,
    title="The pull matrix of a rotation about the image centre",
    reference=lambda theta, height, width: affine_matrix((height, width), theta=theta),
    make_cases=_rotation_cases, misconceptions=_ROTATION_MISTAKES,
    hints=("Three 3x3 matrices: move the centre to the origin, rotate, move it back. The "
           "centre of an image of width w and height h is (cx, cy) = ((w - 1) / 2, (h - 1) / "
           "2): x is the column, y the row.",
           "The rotation (pull) is [[c, -s, 0], [s, c, 0], [0, 0, 1]] with c and s the "
           "cosine and sine of the angle in radians (np.deg2rad). Moving the centre to (cx, "
           "cy) is the translation [[1, 0, cx], [0, 1, cy], [0, 0, 1]].",
           "Compose with @ and read right to left: the rightmost matrix acts first, so the "
           "translation by (-cx, -cy) goes on the right, its inverse on the left."),
)


# ------------------------------------------------------------------------ 2.2 flips
def _flip_ref(image, horizontal, vertical):
    matrix = affine_matrix(np.shape(image), flip_horizontal=horizontal,
                           flip_vertical=vertical)
    return warp(image, matrix, order=0)


def _flip_cases(hidden):
    rng = np.random.default_rng(22)
    return [
        Case((np.arange(12, dtype=np.float32).reshape(3, 4), True, False)),
        Case((np.arange(12, dtype=np.float32).reshape(3, 4), False, True)),
        Case((rng.random((4, 5, 3)).astype(np.float32), True, True)),
        Case((rng.random((5, 3, 3)).astype(np.float32), False, False)),
        Case((hidden.random((6, 7, 3)).astype(np.float32), True, False), hidden=True),
        Case((hidden.random((2, 9, 1)).astype(np.float32), True, True), hidden=True),
    ]


_FLIP_MISTAKES = (
    Misconception(lambda image, horizontal, vertical: _flip_ref(image, vertical, horizontal),
                  "horizontal and vertical swapped: a horizontal (left-right) flip "
                  "reverses the columns, axis 1; a vertical flip the rows, axis 0"),
    Misconception(lambda image, horizontal, vertical: np.flip(image)
                  if horizontal or vertical else image,
                  "np.flip without an axis reverses every axis, the channels too "
                  "(RGB becomes BGR) and both directions at once"),
)

flip = Exercise(
    name="flip", number="2.2", points=1,
    title="Flip an image left-right and/or top-bottom",
    reference=_flip_ref, make_cases=_flip_cases, misconceptions=_FLIP_MISTAKES,
    hints=("A horizontal flip reverses the order of the columns (axis 1); a vertical flip "
           "reverses the rows (axis 0).",
           "A slice with step -1 reverses one axis and gives a view, no copy; np.flip with "
           "an axis argument does the same.",
           "With neither flip, return the image unchanged (a copy is fine)."),
)


# ---------------------------------------------------------------- 2.3 bilinear sample
def _bilinear_ref(image, row, col):
    image = np.asarray(image, dtype=np.float64)
    return np.array([warp(image, shift_matrix(c, r), order=1)[0, 0]
                     for r, c in zip(np.asarray(row), np.asarray(col))])


def _bilinear_cases(hidden):
    rng = np.random.default_rng(23)
    square = np.array([[0.0, 10.0], [20.0, 40.0]])
    photo = rng.random((6, 8))
    return [
        Case((square, np.array([0.5, 0.0, 0.25]), np.array([0.5, 0.5, 1.0]))),
        Case((np.arange(12.0).reshape(3, 4), np.array([1.0, 1.5, 0.2]),
              np.array([2.0, 0.5, 2.9]))),
        # points on the last row and the last column: there is no pixel beyond them
        Case((photo, np.array([5.0, 2.5, 5.0, 0.0]), np.array([3.5, 7.0, 7.0, 0.0]))),
        Case((photo, rng.uniform(0, 5, 10), rng.uniform(0, 7, 10))),
        Case((hidden.random((9, 4)), np.r_[hidden.uniform(0, 8, 6), 8.0],
              np.r_[hidden.uniform(0, 3, 6), 1.25]), hidden=True),
    ]


def _bilinear_weights(image, row, col, swap=False):
    image = np.asarray(image, dtype=np.float64)
    row, col = np.asarray(row, np.float64), np.asarray(col, np.float64)
    r0, c0 = np.floor(row).astype(int), np.floor(col).astype(int)
    r1 = np.minimum(r0 + 1, image.shape[0] - 1)
    c1 = np.minimum(c0 + 1, image.shape[1] - 1)
    dr, dc = row - r0, col - c0
    if swap:
        dr, dc = 1 - dr, 1 - dc
    return ((1 - dr) * (1 - dc) * image[r0, c0] + (1 - dr) * dc * image[r0, c1]
            + dr * (1 - dc) * image[r1, c0] + dr * dc * image[r1, c1])


_BILINEAR_MISTAKES = (
    Misconception(lambda image, row, col: np.asarray(image, np.float64)[
                      np.round(row).astype(int), np.round(col).astype(int)],
                  "rounded to the nearest pixel: that is nearest-neighbour sampling "
                  "(order=0); bilinear blends the four neighbours by distance"),
    Misconception(lambda image, row, col: _bilinear_weights(image, row, col, swap=True),
                  "weights the wrong way round: the neighbour nearer to the point must "
                  "get the larger weight, (1 - dr) for row r0"),
    Misconception(lambda image, row, col: _bilinear_weights(np.asarray(image).T, row, col),
                  "row and column swapped: image[row, col], the row (y) first"),
)

bilinear_sample = Exercise(
    name="bilinear_sample", number="2.3", points=2,
    title="Bilinear interpolation at fractional (row, col) points",
    reference=_bilinear_ref, make_cases=_bilinear_cases,
    misconceptions=_BILINEAR_MISTAKES,
    hints=("For one point: r0 = floor(row), c0 = floor(col), and the fractions dr = row - "
           "r0, dc = col - c0. The four neighbours are (r0, c0), (r0, c0 + 1), (r0 + 1, c0) "
           "and (r0 + 1, c0 + 1).",
           "Weights: (1 - dr)(1 - dc), (1 - dr) dc, dr (1 - dc) and dr dc; they add up to 1.",
           "A point on the last row or column has no neighbour beyond it: keep the neighbour "
           "indices inside the image (np.minimum); their weight is 0 there anyway. Indexing "
           "with integer arrays reads all the points at once."),
)


# ------------------------------------------------------------------- 2.4 fill index
def _fill_index_ref(i, n, mode):
    """Where pixel ``i`` of a row of ``n`` comes from: warp the row of positions."""
    positions = np.arange(n, dtype=np.float64)[None, :]
    return np.array([warp(positions, shift_matrix(k, 0), order=0, fill_mode=mode,
                          cval=-1)[0, 0] for k in np.asarray(i)], dtype=np.int64)


def _fill_index_cases(hidden):
    outside = np.arange(-6, 10)
    return [
        Case((outside, 4, "constant")),
        Case((outside, 4, "nearest")),
        Case((outside, 4, "reflect")),
        Case((outside, 4, "wrap")),
        Case((np.array([-21, -13, -8, -1, 0, 2, 5, 9, 17]), 5, "reflect")),
        Case((np.array([-21, -13, -8, -1, 0, 2, 5, 9, 17]), 5, "wrap")),
        Case((np.sort(hidden.integers(-30, 30, 9)), int(hidden.integers(2, 9)), "reflect"),
             hidden=True),
        Case((np.sort(hidden.integers(-30, 30, 9)), int(hidden.integers(2, 9)), "wrap"),
             hidden=True),
        Case((np.sort(hidden.integers(-6, 6, 5)), 1, "reflect"), hidden=True),
    ]


def _fill_index_except(wrong_mode, wrong):
    def fill(i, n, mode):
        return wrong(np.asarray(i), n) if mode == wrong_mode else _fill_index_ref(i, n, mode)
    return fill


def _mirror(i, n):
    m = np.mod(i, 2 * n - 2) if n > 1 else np.zeros_like(i)
    return np.where(m < n, m, 2 * n - 2 - m).astype(np.int64)


_FILL_INDEX_MISTAKES = (
    Misconception(_fill_index_except("reflect", _mirror),
                  "that reflection does not repeat the edge pixel (d c b | b c d, "
                  "numpy's 'reflect', scipy's 'mirror'); Keras' 'reflect' is scipy's "
                  "'reflect': a b c d | d c b a, period 2n"),
    Misconception(_fill_index_except("wrap", lambda i, n: np.fmod(i, n).astype(np.int64)),
                  "np.fmod (C's remainder) keeps the sign: fmod(-1, 4) is -1, but 'wrap' "
                  "needs 3; Python's % and np.mod are never negative for n > 0"),
    Misconception(_fill_index_except("constant", lambda i, n: np.clip(i, 0, n - 1)),
                  "'constant' clipped like 'nearest': outside the image it gives -1 (the "
                  "caller then uses cval)"),
)

fill_index = Exercise(
    name="fill_index", number="2.4", points=2,
    title="Which pixel fills an index outside the image, for each fill mode",
    reference=_fill_index_ref, make_cases=_fill_index_cases, dtype_kind="i",
    misconceptions=_FILL_INDEX_MISTAKES,
    hints=("Indices inside 0..n-1 stay as they are in every mode. 'constant' gives -1 "
           "outside (the caller then uses cval); 'nearest' clips to 0..n-1.",
           "'wrap' repeats the row with period n: the remainder of i divided by n (Python's "
           "% and np.mod are never negative for n > 0; np.fmod can be).",
           "'reflect' repeats a b c d | d c b a, with period 2n: take the remainder modulo "
           "2n; the remainders n..2n-1 then count back down from n - 1 (np.where chooses per "
           "element). Return an integer array."),
)


# -------------------------------------------------------------------- 2.5 a moving box
def _transform_box_ref(box, matrix, height, width):
    moved = transform_boxes([box], matrix, (height, width), min_visibility=0)
    return moved[0] if len(moved) else None


def _transform_box_cases(hidden):
    return [
        Case((np.array([0.0, 0.0, 1.0, 1.0]), affine_matrix((5, 8), theta=180), 5, 8)),
        Case((np.array([2.0, 1.0, 6.0, 3.0]), affine_matrix((5, 8), tx=2), 5, 8)),
        Case((np.array([10.0, 20.0, 40.0, 30.0]), affine_matrix((50, 60), theta=30), 50, 60)),
        Case((np.array([5.0, 5.0, 25.0, 15.0]),
              affine_matrix((40, 40), zx=0.5, zy=0.5, flip_horizontal=True), 40, 40)),
        # shifted right out of view: nothing left of it
        Case((np.array([0.0, 0.0, 10.0, 10.0]), affine_matrix((20, 20), tx=-15), 20, 20)),
        Case((np.array([12.0, 3.0, 30.0, 22.0]),
              affine_matrix((32, 48), theta=-20, shear=10, zx=0.9, zy=1.1), 32, 48)),
        Case((np.r_[hidden.uniform(0, 20, 2), hidden.uniform(30, 50, 2)],
              affine_matrix((60, 60), theta=float(hidden.uniform(-90, 90)), tx=5.0, ty=-3.0,
                            zx=1.2, zy=0.8, flip_vertical=True), 60, 60), hidden=True),
    ]


def _moved_box(box, matrix, height, width, *, forward=True, half=0.5, clip=True,
               corners=4):
    x1, y1, x2, y2 = np.asarray(box, np.float64)
    points = [(x1, y1), (x2, y2), (x1, y2), (x2, y1)][:corners]
    move = np.linalg.inv(matrix) if forward else np.asarray(matrix)
    moved = np.array([move @ [x - half, y - half, 1.0] for x, y in points])[:, :2] + half
    low, high = moved.min(axis=0), moved.max(axis=0)
    if clip:
        low, high = np.clip(low, 0, [width, height]), np.clip(high, 0, [width, height])
    if np.any(high <= low):
        return None
    return np.r_[low, high]


_TRANSFORM_BOX_MISTAKES = (
    Misconception(lambda box, matrix, height, width: _moved_box(box, matrix, height, width,
                                                                forward=False),
                  "the corners went through the pull matrix itself; it maps output to "
                  "input, so corners move forward through np.linalg.inv(matrix)"),
    Misconception(lambda box, matrix, height, width: _moved_box(box, matrix, height, width,
                                                                half=0.0),
                  "no half-pixel shift: box coordinates are edges (pixel i covers "
                  "[i, i + 1)), the matrix works on pixel centres; subtract 0.5 before "
                  "and add it back after"),
    Misconception(lambda box, matrix, height, width: _moved_box(box, matrix, height, width,
                                                                clip=False),
                  "not clipped to the image: x to [0, width], y to [0, height]"),
    Misconception(lambda box, matrix, height, width: _moved_box(box, matrix, height, width,
                                                                corners=2),
                  "only two corners moved: under a rotation or shear the other two "
                  "corners can stick out further, so move all four"),
)

transform_box = Exercise(
    name="transform_box", number="2.5", points=3,
    title="Move a box (xyxy) through a pull matrix, clip it, or lose it",
    reference=_transform_box_ref, make_cases=_transform_box_cases,
    misconceptions=_TRANSFORM_BOX_MISTAKES,
    hints=("The matrix pulls: output p takes the input at M @ p. A box's corners move "
           "forward, through np.linalg.inv(matrix).",
           "Box coordinates are continuous (a pixel i covers [i, i + 1)), the matrix works "
           "on pixel indices (centres at integers): subtract 0.5 from each of the four "
           "corners (x, y) before, add 0.5 after.",
           "The new box spans the smallest and the largest of the four moved corners; clip x "
           "to [0, width] and y to [0, height] (np.clip); a box with no area left is None."),
)

EXERCISES = (rotation_about_center, flip, bilinear_sample, fill_index, transform_box)

# ------------------------------------------------------------------------ questions
keras_width_shift = Question(
    name="keras_shift_answer", number="2.6", title="Predict: width_shift_range in Keras",
    prompt="Keras' ImageDataGenerator(width_shift_range=0.1) on an image 224 pixels high "
           "and 300 wide: what can one random draw do to the image?",
    choices=(
        Choice("a", "shift it left or right by up to 30 pixels", False,
               "that is what the name says, and what our ImageGenerator does; Keras' "
               "code applies the shift to the other axis (keras-team/keras#17398)"),
        Choice("b", "shift it up or down by up to 30 pixels", True,
               "Keras draws the value it calls ty from width_shift_range times the "
               "number of columns, 0.1 x 300 = 30, and applies it to the rows"),
        Choice("c", "shift it up or down by up to 22.4 pixels", False,
               "the bug swaps the axis, not the length: the fraction multiplies the "
               "width, 300"),
        Choice("d", "shift it left or right by up to 22.4 pixels", False,
               "22.4 is 10% of the height; neither the axis nor the length is right"),
    ),
)

pull_direction = Question(
    name="pull_direction_answer", number="2.7", title="Predict: which way a pull shift moves",
    prompt="warp(image, shift_matrix(2, 0)) pulls each output pixel (x, y) from the input "
           "at (x + 2, y). Which way does the picture's content move?",
    choices=(
        Choice("a", "2 pixels to the left", True,
               "output column x shows what was at column x + 2: everything appears 2 "
               "columns earlier, to the left"),
        Choice("b", "2 pixels to the right", False,
               "that is the push reading of the matrix; a pull matrix reads from "
               "further right, so the content moves left"),
        Choice("c", "2 pixels down", False,
               "x is the column: the first coordinate of shift_matrix is horizontal"),
    ),
)

augment_test_set = Question(
    name="augment_test_answer", number="2.8", title="Choose: augment the test set?",
    prompt="You evaluate a trained classifier on its test set. Should the test images go "
           "through the same random ImageGenerator as the training images?",
    choices=(
        Choice("a", "yes, so that the test images look like the training images", False,
               "random transforms make the score random and usually lower; the test set "
               "measures the model on images as they come"),
        Choice("b", "no: only the deterministic preprocessing (rescaling, standardization "
                    "with the training statistics)", True,
               "augmentation is a way to train; evaluation applies exactly the fixed "
               "preprocessing and nothing random"),
        Choice("c", "yes, with a fixed seed so the score is repeatable", False,
               "a seed makes it repeatable, not right: the test images are still "
               "distorted at random"),
        Choice("d", "only the flips, which lose no information", False,
               "test-time augmentation is a separate, deliberate technique that averages "
               "the predictions over several fixed transforms; one random flip is not it"),
    ),
)

QUESTIONS = (keras_width_shift, pull_direction, augment_test_set)
