"""The pure core of imgprep_course.augment: matrices, warps, boxes and masks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imgprep_course.augment import (FILL_MODES, about_center, affine_matrix,
                                    apply_affine_transform, flip_matrix, rotation_matrix,
                                    shear_matrix, shift_matrix, transform_boxes,
                                    transform_points, warp, warp_mask, zoom_matrix)
from imgprep_course.augment._warp import warp_batch

#: np.pad's name for each fill mode: an independent implementation of the same border.
NP_PAD_MODE = {"constant": "constant", "nearest": "edge", "reflect": "symmetric",
               "wrap": "wrap"}

small_floats = st.floats(-100, 100, allow_nan=False, width=32)


def images(min_side=1, max_side=9, square=False, channels=(1, 4)):
    @st.composite
    def build(draw):
        h = draw(st.integers(min_side, max_side))
        w = h if square else draw(st.integers(min_side, max_side))
        c = draw(st.integers(*channels))
        return draw(arrays(np.float32, (h, w, c), elements=small_floats))
    return build()


def shifted_copy(x, dx: int, dy: int, mode: str, cval: float = 0.0):
    """What a shift by (dx, dy) must give: pad with np.pad's version of the mode, slice."""
    h, w = x.shape[:2]
    pad = max(abs(dx), abs(dy), 1) + max(h, w)
    kwargs = {"constant_values": cval} if mode == "constant" else {}
    padded = np.pad(x, ((pad, pad), (pad, pad), (0, 0)), mode=NP_PAD_MODE[mode], **kwargs)
    return padded[pad + dy:pad + dy + h, pad + dx:pad + dx + w]


def box_of_mask(mask):
    rows, cols = np.nonzero(mask)
    return [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]


# -- matrices ---------------------------------------------------------------------------

def test_elementary_matrices():
    np.testing.assert_allclose(rotation_matrix(90), [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
                               atol=1e-15)
    np.testing.assert_array_equal(shift_matrix(2, 3) @ [1, 1, 1], [3, 4, 1])
    np.testing.assert_allclose(shear_matrix(90)[:2, :2], [[1, -1], [0, 0]], atol=1e-15)
    np.testing.assert_array_equal(zoom_matrix(2, 3) @ [1, 1, 1], [2, 3, 1])
    np.testing.assert_array_equal(flip_matrix(True, True) @ [1, 2, 1], [-1, -2, 1])


def test_affine_matrix_is_the_product_about_the_centre():
    shape = (6, 10)
    m = affine_matrix(shape, theta=20, tx=1, ty=-2, shear=5, zx=0.9, zy=1.2,
                      flip_horizontal=True)
    product = (rotation_matrix(20) @ shift_matrix(1, -2) @ shear_matrix(5)
               @ zoom_matrix(0.9, 1.2) @ flip_matrix(True, False))
    np.testing.assert_allclose(m, about_center(product, (4.5, 2.5)), atol=1e-12)
    np.testing.assert_allclose(m @ [4.5, 2.5, 1], product @ [0, 0, 1] + [4.5, 2.5, 0],
                               atol=1e-12)
    np.testing.assert_array_equal(affine_matrix(shape), np.eye(3))


def test_transform_points_inverts_the_pull_matrix():
    m = affine_matrix((7, 7), theta=33, tx=1.5, zx=1.3, zy=0.8)
    points = np.array([[0.0, 0.0], [3.0, 5.0], [6.5, 1.25]])
    moved = transform_points(points, m)
    back = (np.column_stack([moved, np.ones(3)]) @ m.T)[:, :2]
    np.testing.assert_allclose(back, points, atol=1e-12)


# -- properties of the warp ---------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(images(square=True))
def test_four_quarter_turns_give_the_image_back(x):
    out = x
    for turn in range(4):
        out = apply_affine_transform(out, theta=90, order=0)
        np.testing.assert_array_equal(out, np.rot90(x, turn + 1))
    np.testing.assert_array_equal(out, x)


@settings(max_examples=40, deadline=None)
@given(images(), st.sampled_from([0, 1]))
def test_half_turn_is_rot90_twice_on_any_shape(x, order):
    # sin(180°) is 1.2e-16, not 0: bilinear weights of 1e-16 may blend in a neighbour
    np.testing.assert_allclose(apply_affine_transform(x, theta=180, order=order),
                               np.rot90(x, 2), rtol=0, atol=1e-4 if order else 0)


@settings(max_examples=40, deadline=None)
@given(images(), st.booleans(), st.booleans(), st.sampled_from([0, 1]))
def test_two_flips_give_the_image_back(x, horizontal, vertical, order):
    flip = affine_matrix(x.shape, flip_horizontal=horizontal, flip_vertical=vertical)
    once = warp(x, flip, order=order)
    expected = x[::-1 if vertical else 1, ::-1 if horizontal else 1]
    np.testing.assert_array_equal(once, expected)
    np.testing.assert_array_equal(warp(once, flip, order=order), x)


@settings(max_examples=80, deadline=None)
@given(images(), st.integers(-12, 12), st.integers(-12, 12), st.sampled_from(FILL_MODES),
       st.sampled_from([0, 1]), small_floats)
def test_integer_shift_is_a_shifted_copy_with_the_fill(x, dx, dy, mode, order, cval):
    out = apply_affine_transform(x, tx=dx, ty=dy, fill_mode=mode, cval=cval, order=order)
    np.testing.assert_array_equal(out, shifted_copy(x, dx, dy, mode, cval))


def test_wrap_is_a_true_period_n_wrap():
    x = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    np.testing.assert_array_equal(apply_affine_transform(x, tx=4, fill_mode="wrap"), x)
    half = apply_affine_transform(x, tx=0.5, fill_mode="wrap")
    np.testing.assert_allclose(half, (x + np.roll(x, -1, axis=1)) / 2)


def test_constant_does_not_blend_with_cval_at_the_border():
    x = np.full((3, 4, 1), 10, dtype=np.float32)
    out = apply_affine_transform(x, tx=0.5, fill_mode="constant", cval=-5)
    np.testing.assert_array_equal(out[:, :3], 10)   # inside: image pixels only
    np.testing.assert_array_equal(out[:, 3], -5)    # beyond the last pixel centre: cval


def test_reflect_is_half_sample_symmetric():
    x = np.array([[[1.0], [2.0], [3.0]]], dtype=np.float32)
    out = apply_affine_transform(x, tx=-2, fill_mode="reflect", order=0)
    np.testing.assert_array_equal(out[0, :, 0], [2, 1, 1])


@settings(max_examples=30, deadline=None)
@given(images(max_side=7), st.floats(-180, 180), st.floats(-3, 3), st.floats(0.5, 2),
       st.sampled_from(FILL_MODES), st.sampled_from([0, 1]))
def test_batch_equals_loop_and_input_untouched(x, theta, tx, zoom, mode, order):
    copy = x.copy()
    matrices = np.stack([affine_matrix(x.shape, theta=theta, tx=tx, zx=zoom),
                         affine_matrix(x.shape, theta=-theta, ty=tx, zy=zoom)])
    batch = warp_batch(np.stack([x, x]), matrices, order=order, fill_mode=mode, cval=1.0)
    for image, matrix in zip(batch, matrices):
        np.testing.assert_array_equal(image, warp(x, matrix, order=order, fill_mode=mode,
                                                  cval=1.0))
    np.testing.assert_array_equal(x, copy)


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32),
                                             (np.float64, np.float64),
                                             (np.uint8, np.float32), (bool, np.float32)])
def test_dtypes(dtype, expected):
    x = np.ones((4, 5, 2), dtype=dtype)
    assert apply_affine_transform(x, theta=10).dtype == expected
    assert warp(x[..., 0], np.eye(3)).dtype == expected


def test_grayscale_2d_warp_and_channels_first():
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    np.testing.assert_array_equal(warp(x, affine_matrix(x.shape, theta=180), order=0),
                                  np.rot90(x, 2))
    chw = np.stack([x, -x])
    out = apply_affine_transform(chw, theta=180, row_axis=1, col_axis=2, channel_axis=0,
                                 order=0)
    np.testing.assert_array_equal(out, chw[:, ::-1, ::-1])


# -- masks and boxes ------------------------------------------------------------------------

@st.composite
def box_in_image(draw):
    h, w = draw(st.integers(2, 12)), draw(st.integers(2, 12))
    x0, y0 = draw(st.integers(0, w - 1)), draw(st.integers(0, h - 1))
    x1, y1 = draw(st.integers(x0 + 1, w)), draw(st.integers(y0 + 1, h))
    return (h, w), [x0, y0, x1, y1]


@settings(max_examples=60, deadline=None)
@given(box_in_image(), st.integers(0, 3), st.booleans(), st.booleans(),
       st.integers(-4, 4), st.integers(-4, 4))
def test_box_moves_exactly_as_its_mask(case, turns, flip_h, flip_v, dx, dy):
    """Quarter turns, flips and integer shifts: the box is the bounding box of the mask."""
    (h, w), box = case
    if turns % 2:
        h = w = max(h, w)                      # quarter turns keep square images whole
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[box[1]:box[3], box[0]:box[2]] = 1
    m = affine_matrix((h, w), theta=90 * turns, tx=dx, ty=dy,
                      flip_horizontal=flip_h, flip_vertical=flip_v)
    moved_mask = warp_mask(mask, m, fill_mode="constant")
    moved_box = transform_boxes([box], m, (h, w), min_visibility=0.0)
    if moved_mask.any():
        np.testing.assert_allclose(moved_box[0], box_of_mask(moved_mask), atol=1e-9)
    else:
        assert len(moved_box) == 0


@settings(max_examples=60, deadline=None)
@given(box_in_image(), st.floats(-180, 180), st.floats(-2, 2), st.floats(0.6, 1.6))
def test_box_is_the_box_of_its_mask_under_any_affine(case, theta, tx, zoom):
    (h, w), box = case
    margin = 3                 # room around the image, so the object stays in view
    mask = np.zeros((h + 2 * margin, w + 2 * margin), dtype=bool)
    mask[box[1] + margin:box[3] + margin, box[0] + margin:box[2] + margin] = True
    shifted = np.add(box, margin)
    m = affine_matrix(mask.shape, theta=theta, tx=tx, zx=zoom, zy=zoom)
    moved_mask = warp_mask(mask, m)
    moved_box = transform_boxes([shifted], m, mask.shape, min_visibility=0.0)
    assume(moved_mask.any() and not (moved_mask[[0, -1]].any() or moved_mask[:, [0, -1]].any()))
    # The mask is sampled at pixel centres (nearest pixel), the box is continuous: the
    # mask stays within a pixel of the box, and fills it up to two pixels when the
    # object is big enough to be sampled well.
    got, ref = moved_box[0], np.array(box_of_mask(moved_mask), dtype=float)
    assert np.all(ref[:2] >= got[:2] - 1) and np.all(ref[2:] <= got[2:] + 1), (got, ref)
    if min(box[2] - box[0], box[3] - box[1]) >= 3 and zoom <= 1.25:
        np.testing.assert_allclose(got, ref, atol=2)


def test_boxes_are_clipped_and_dropped_with_extra_columns_kept():
    m = affine_matrix((10, 10), tx=5)                            # content moves 5 left
    boxes = [[0, 0, 4, 4, 1], [4, 0, 8, 4, 2], [5, 5, 10, 10, 3]]
    out = transform_boxes(boxes, m, (10, 10), min_visibility=0.5)
    np.testing.assert_array_equal(out, [[0, 0, 3, 4, 2], [0, 5, 5, 10, 3]])
    assert transform_boxes(np.zeros((0, 5)), m, (10, 10)).shape == (0, 5)


def test_warp_mask_keeps_dtype_and_labels():
    mask = np.random.default_rng(0).integers(0, 5, (6, 6, 2)).astype(np.int32)
    out = warp_mask(mask, affine_matrix(mask.shape, theta=37, zx=0.8, zy=0.8))
    assert out.dtype == np.int32 and out.shape == mask.shape
    assert set(np.unique(out)) <= set(np.unique(mask)) | {0}
    flags = mask > 2
    assert warp_mask(flags, np.eye(3)).dtype == bool


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, match", [
    (lambda: apply_affine_transform(np.zeros((4, 4))), ValueError, "3 dimensions"),
    (lambda: apply_affine_transform(np.zeros((2, 4, 4, 1))), ValueError, "3 dimensions"),
    (lambda: apply_affine_transform(np.zeros((4, 4, 1)), fill_mode="mirror"), ValueError,
     "fill_mode must be one of"),
    (lambda: apply_affine_transform(np.zeros((4, 4, 1)), order=3), ValueError, "order"),
    (lambda: apply_affine_transform(np.zeros((4, 4, 1)), row_axis=0, col_axis=0),
     ValueError, "row_axis, col_axis and channel_axis"),
    (lambda: apply_affine_transform(np.zeros((0, 4, 1))), ValueError, "empty"),
    (lambda: apply_affine_transform("image"), TypeError, "numeric array"),
    (lambda: apply_affine_transform(np.full((2, 2, 1), np.nan)), ValueError, "NaN"),
    (lambda: warp(np.full((2, 2), np.inf), np.eye(3)), ValueError, "infinite"),
    (lambda: warp(np.zeros((4, 4)), np.zeros((3, 3))), ValueError, "singular"),
    (lambda: warp(np.zeros((4, 4)), np.eye(2)), ValueError, r"shape \(3, 3\)"),
    (lambda: warp_mask(np.zeros((4, 4)), np.eye(3)), TypeError, "dtype of kind"),
    (lambda: transform_boxes([[0, 0, 1]], np.eye(3), (4, 4)), ValueError, r"\(N, 4 \+ k\)"),
    (lambda: transform_boxes([[2, 0, 1, 1]], np.eye(3), (4, 4)), ValueError, "negative"),
    (lambda: transform_boxes([[0, 0, 1, 1]], np.eye(3), (4, 4), min_visibility=2),
     ValueError, "min_visibility"),
    (lambda: transform_points([[1, 2, 3]], np.eye(3)), ValueError, r"\(N, 2\)"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_threaded_warp_equals_one_thread_and_survives_a_fork():
    """Chunks of rows run on a thread pool; a forked child (multiprocessing's default on
    Linux) has none of the parent's threads and gets a pool of its own."""
    import multiprocessing
    import warnings

    from imgprep_course.augment import _warp, _warp_kernel
    x = np.random.default_rng(3).random((6, 70, 60, 3)).astype(np.float32)
    matrices = np.stack([affine_matrix(x.shape[1:], theta=7 * k, zx=0.9) for k in range(6)])
    first = warp_batch(x, matrices)              # numpy, unless the kernel is ready
    assert _warp.wait_for_kernels()
    threaded = warp_batch(x, matrices)           # the compiled kernel, in chunks
    assert any(key[0] == "<f4" for key in _warp._COMPILING["ready"])
    rows = 6 * 70
    single = np.empty_like(x)
    coefficients = np.stack([_warp.pull_rows_cols(m).reshape(6) for m in matrices])
    _warp_kernel.warp_rows(x.reshape(-1), np.arange(6), coefficients, single.reshape(-1),
                           70, 60, 3, 1, 1, 0.0, False, 0, rows)
    np.testing.assert_array_equal(threaded, single)
    np.testing.assert_array_equal(first, single)
    with warnings.catch_warnings():
        # Python >= 3.12 warns that forking a process with threads may deadlock
        warnings.simplefilter("ignore", DeprecationWarning)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            np.testing.assert_array_equal(pool.apply(warp_batch, (x, matrices)), threaded)
