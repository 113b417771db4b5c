"""Lesson 02's exercises: a rotation about the centre, flips, bilinear sampling, fill
modes and a box that moves with the image.

Every reference is the library's own code (:mod:`imgprep_course.augment`), called with
fixed arguments, so an answer that passes agrees with :class:`~imgprep_course.augment.
ImageGenerator` on these cases.
"""

import numpy as np

from imgprep_course.augment import affine_matrix, shift_matrix, transform_boxes, warp
from imgprep_course.exercises._core import Case, Exercise


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


rotation_about_center = Exercise(
    name="rotation_about_center", number="2.1", points=2,
    title="The pull matrix of a rotation about the image centre",
    reference=lambda theta, height, width: affine_matrix((height, width), theta=theta),
    make_cases=_rotation_cases,
    hints=("Three 3x3 matrices: move the centre to the origin, rotate, move it back. "
           "The centre of an image of width w and height h is (cx, cy) = "
           "((w - 1) / 2, (h - 1) / 2): x is the column, y the row.",
           "The rotation (pull) is [[c, -s, 0], [s, c, 0], [0, 0, 1]] with c = cos, s = sin "
           "of np.deg2rad(theta). The centring is C = [[1, 0, cx], [0, 1, cy], [0, 0, 1]].",
           "Return C @ R @ inv(C), where inv(C) is C with -cx and -cy."),
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


flip = Exercise(
    name="flip", number="2.2", points=1,
    title="Flip an image left-right and/or top-bottom",
    reference=_flip_ref, make_cases=_flip_cases,
    hints=("A horizontal flip reverses the order of the columns (axis 1); a vertical flip "
           "reverses the rows (axis 0).",
           "image[:, ::-1] and image[::-1] are views; both flips at once is image[::-1, ::-1].",
           "With neither flip, return the image as it is (a copy is fine)."),
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


bilinear_sample = Exercise(
    name="bilinear_sample", number="2.3", points=2,
    title="Bilinear interpolation at fractional (row, col) points",
    reference=_bilinear_ref, make_cases=_bilinear_cases,
    hints=("For one point: r0 = floor(row), c0 = floor(col), and the fractions "
           "dr = row - r0, dc = col - c0. The four neighbours are (r0, c0), (r0, c0 + 1), "
           "(r0 + 1, c0) and (r0 + 1, c0 + 1).",
           "Weights: (1 - dr)(1 - dc), (1 - dr) dc, dr (1 - dc) and dr dc; they add up to 1.",
           "A point on the last row has no row below it: clip the neighbour indices with "
           "np.minimum(r0 + 1, height - 1) (its weight is 0 there anyway). Work with arrays "
           "of points at once, or loop over them."),
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


fill_index = Exercise(
    name="fill_index", number="2.4", points=2,
    title="Which pixel fills an index outside the image, for each fill mode",
    reference=_fill_index_ref, make_cases=_fill_index_cases, dtype_kind="i",
    hints=("Indices inside 0..n-1 stay as they are in every mode. 'constant' gives -1 "
           "outside (the caller then uses cval); 'nearest' clips to 0..n-1.",
           "'wrap' repeats the row with period n: i % n (Python's % is never negative "
           "for n > 0, and neither is np.mod).",
           "'reflect' repeats a b c d | d c b a with period 2n: m = i % (2 * n), then "
           "m if m < n else 2 * n - 1 - m. Return an integer array (np.int64)."),
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


transform_box = Exercise(
    name="transform_box", number="2.5", points=3,
    title="Move a box (xyxy) through a pull matrix, clip it, or lose it",
    reference=_transform_box_ref, make_cases=_transform_box_cases,
    hints=("The matrix pulls: output p takes the input at M @ p. A box's corners move "
           "forward, through np.linalg.inv(matrix).",
           "Box coordinates are continuous (a pixel i covers [i, i + 1)), the matrix works "
           "on pixel indices (centres at integers): subtract 0.5 from each of the four "
           "corners (x, y) before, add 0.5 after.",
           "The new box spans the min and max of the four moved corners; clip x to "
           "[0, width] and y to [0, height]; if the clipped box has no area, return None."),
)

EXERCISES = (rotation_about_center, flip, bilinear_sample, fill_index, transform_box)
