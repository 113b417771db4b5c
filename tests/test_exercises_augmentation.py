"""Lesson 02's exercises: the references (the library) agree with the plain numpy formulas
the lesson teaches, on many random cases, and a wrong answer fails."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course.augment import FILL_MODES, affine_matrix
from imgprep_course.exercises import augmentation as ex


def _fill_index_formula(i, n, mode):
    if mode == "constant":
        return np.where((i >= 0) & (i < n), i, -1)
    if mode == "nearest":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return np.mod(i, n)
    m = np.mod(i, 2 * n)
    return np.where(m < n, m, 2 * n - 1 - m)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 12), mode=st.sampled_from(FILL_MODES),
       i=st.lists(st.integers(-60, 60), min_size=1, max_size=12))
def test_fill_index_reference_is_the_index_formula(n, mode, i):
    i = np.array(i)
    np.testing.assert_array_equal(ex.fill_index.reference(i, n, mode),
                                  _fill_index_formula(i, n, mode))


@settings(max_examples=40, deadline=None)
@given(theta=st.floats(-360, 360), height=st.integers(1, 50), width=st.integers(1, 50))
def test_rotation_reference_is_c_r_inverse_c(theta, height, width):
    cx, cy = (width - 1) / 2, (height - 1) / 2
    t = np.deg2rad(theta)
    rotation = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    centre = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]])
    np.testing.assert_allclose(ex.rotation_about_center.reference(theta, height, width),
                               centre @ rotation @ np.linalg.inv(centre), atol=1e-9)


@pytest.mark.parametrize("horizontal, vertical", [(False, False), (True, False),
                                                  (False, True), (True, True)])
def test_flip_reference_is_numpy_flip(horizontal, vertical):
    image = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    axes = tuple(a for a, on in ((1, horizontal), (0, vertical)) if on)
    np.testing.assert_array_equal(ex.flip.reference(image, horizontal, vertical),
                                  np.flip(image, axes) if axes else image)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), height=st.integers(1, 9), width=st.integers(1, 9))
def test_bilinear_reference_is_the_four_weights(seed, height, width):
    rng = np.random.default_rng(seed)
    image = rng.random((height, width))
    row, col = rng.uniform(0, height - 1, 6), rng.uniform(0, width - 1, 6)
    r0, c0 = np.floor(row).astype(int), np.floor(col).astype(int)
    dr, dc = row - r0, col - c0
    r1, c1 = np.minimum(r0 + 1, height - 1), np.minimum(c0 + 1, width - 1)
    expected = ((1 - dr) * (1 - dc) * image[r0, c0] + (1 - dr) * dc * image[r0, c1]
                + dr * (1 - dc) * image[r1, c0] + dr * dc * image[r1, c1])
    np.testing.assert_allclose(ex.bilinear_sample.reference(image, row, col), expected,
                               rtol=1e-9, atol=1e-12)


def test_transform_box_reference_moves_corners_forward_and_loses_boxes():
    # a quarter turn of a 4 x 4 image: the top-left pixel goes to the bottom-left
    quarter = affine_matrix((4, 4), theta=90)
    np.testing.assert_allclose(ex.transform_box.reference(np.array([0.0, 0, 1, 1]),
                                                          quarter, 4, 4), [0, 3, 1, 4])
    gone = affine_matrix((10, 10), tx=20)
    assert ex.transform_box.reference(np.array([0.0, 0, 5, 5]), gone, 10, 10) is None


def test_the_exercises_reject_a_plausible_wrong_answer():
    def forgets_the_edge(image, row, col):
        r0, c0 = np.floor(row).astype(int), np.floor(col).astype(int)
        dr, dc = row - r0, col - c0
        return ((1 - dr) * (1 - dc) * image[r0, c0] + (1 - dr) * dc * image[r0, c0 + 1]
                + dr * (1 - dc) * image[r0 + 1, c0] + dr * dc * image[r0 + 1, c0 + 1])

    feedback = ex.bilinear_sample.check(forgets_the_edge)
    assert feedback.status == "error"
    assert "IndexError" in feedback.text
