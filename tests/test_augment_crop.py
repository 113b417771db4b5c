"""augment._crop: resize (Pillow's bilinear weights), centre crop, RandomResizedCrop's draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from imgprep_course.augment import center_crop, random_resized_crop_params, resize, resized_crop


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 60), st.integers(1, 60),
       st.integers(0, 2 ** 32 - 1))
def test_antialiased_resize_is_pillows_bilinear(h, w, out_h, out_w, seed):
    image = np.random.default_rng(seed).random((h, w)).astype(np.float32)
    pillow = np.asarray(Image.fromarray(image).resize((out_w, out_h), Image.BILINEAR))
    np.testing.assert_allclose(resize(image, (out_h, out_w)), pillow, atol=1e-5)


def test_channels_batch_like_a_loop_and_the_input_is_kept():
    rng = np.random.default_rng(1)
    image = rng.random((17, 23, 3))
    before = image.copy()
    out = resize(image, (9, 30), antialias=False)
    assert out.shape == (9, 30, 3) and out.dtype == np.float64
    for c in range(3):
        np.testing.assert_allclose(out[..., c], resize(image[..., c], (9, 30), antialias=False))
    np.testing.assert_array_equal(image, before)
    np.testing.assert_allclose(resize(image, (17, 23)), image)       # same size: unchanged


def test_antialiasing_removes_the_false_pattern_of_fine_stripes():
    stripes = np.tile([0.0, 1.0], (16, 64)).astype(float)          # 16 x 128
    smooth = resize(stripes, (16, 37))
    aliased = resize(stripes, (16, 37), antialias=False)
    assert np.abs(smooth - 0.5).max() < 0.05
    assert np.abs(aliased - 0.5).max() > 0.3


def test_center_crop_rounds_like_torchvision():
    image = np.arange(7 * 8).reshape(7, 8)
    assert center_crop(image, 3).tolist() == image[2:5, 2:5].tolist()
    assert center_crop(image, (4, 5))[0, 0] == image[2, 2]          # round(1.5) = 2, round(1.5)
    with pytest.raises(ValueError, match="larger than the image"):
        center_crop(image, (8, 2))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(0, 2 ** 32 - 1))
def test_random_resized_crops_fit_and_follow_the_ranges(h, w, seed):
    top, left, height, width = random_resized_crop_params((h, w, 3), rng=seed)
    assert 0 <= top and 0 <= left and top + height <= h and left + width <= w
    assert height >= 1 and width >= 1


def test_random_resized_crop_area_and_ratio_when_the_first_draw_fits():
    rng = np.random.default_rng(0)
    draws = [random_resized_crop_params((400, 400), rng) for _ in range(500)]
    areas = np.array([h * w for _, _, h, w in draws]) / 400 ** 2
    ratios = np.array([w / h for _, _, h, w in draws])
    assert 0.07 < areas.min() and areas.max() <= 1.0 and 0.4 < areas.mean() < 0.65
    assert ratios.min() > 0.7 and ratios.max() < 1.4
    assert random_resized_crop_params((400, 400), rng=3) == random_resized_crop_params(
        (400, 400), rng=3)


def test_resized_crop_and_bad_input():
    image = np.arange(100.0).reshape(10, 10)
    np.testing.assert_allclose(resized_crop(image, (2, 3, 4, 4), (4, 4)), image[2:6, 3:7])
    with pytest.raises(ValueError, match="does not fit"):
        resized_crop(image, (8, 0, 4, 4), 2)
    with pytest.raises(ValueError, match="size must be"):
        resize(image, (0, 3))
    with pytest.raises(ValueError, match="scale must be"):
        random_resized_crop_params((10, 10), scale=(0.5, 0.1))
