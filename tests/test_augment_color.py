"""augment._color: torchvision's colour-jitter formulas and AlexNet's PCA lighting."""

from __future__ import annotations

import numpy as np
import pytest

from imgprep_course.augment import (adjust_brightness, adjust_contrast, adjust_saturation,
                                    color_jitter, fit_pca_lighting, pca_lighting,
                                    sample_color_jitter)

IMAGE = np.random.default_rng(0).random((6, 7, 3))
GREY = IMAGE @ np.array([0.2989, 0.587, 0.114])


@pytest.mark.parametrize("adjust", [adjust_brightness, adjust_contrast, adjust_saturation])
def test_factor_one_is_the_identity_and_the_input_is_kept(adjust):
    before = IMAGE.copy()
    np.testing.assert_allclose(adjust(IMAGE, 1.0), IMAGE)
    out = adjust(IMAGE, 1.7)
    assert out.shape == IMAGE.shape and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(IMAGE, before)


def test_the_formulas():
    np.testing.assert_allclose(adjust_brightness(IMAGE, 0.5), IMAGE * 0.5)
    np.testing.assert_allclose(adjust_contrast(IMAGE, 0.0), np.full_like(IMAGE, GREY.mean()))
    np.testing.assert_allclose(adjust_contrast(IMAGE, 0.3), 0.3 * IMAGE + 0.7 * GREY.mean())
    np.testing.assert_allclose(adjust_saturation(IMAGE, 0.0), np.repeat(GREY[..., None], 3, 2))
    np.testing.assert_allclose(adjust_saturation(IMAGE, 0.6),
                               np.clip(0.6 * IMAGE + 0.4 * GREY[..., None], 0, 1))


def test_jitter_draws_like_color_jitter_and_is_seeded():
    draws = [sample_color_jitter(rng, brightness=0.4, saturation=0.2)
             for rng in np.random.default_rng(1).spawn(300)]
    brightness = np.array([d["brightness"] for d in draws])
    assert 0.6 <= brightness.min() and brightness.max() <= 1.4 and brightness.std() > 0.15
    assert all(d["contrast"] == 1.0 for d in draws)
    assert {tuple(d["order"]) for d in draws} >= {("brightness", "contrast", "saturation")}
    assert sample_color_jitter(5, brightness=0.4) == sample_color_jitter(5, brightness=0.4)
    params = {"order": ["saturation", "brightness"], "saturation": 0.0, "brightness": 2.0}
    np.testing.assert_allclose(color_jitter(IMAGE, params),
                               adjust_brightness(adjust_saturation(IMAGE, 0.0), 2.0))


def test_pca_lighting_finds_the_main_colour_direction_and_shifts_every_pixel_alike():
    rng = np.random.default_rng(2)
    direction = np.array([0.8, 0.5, 0.33]) / np.linalg.norm([0.8, 0.5, 0.33])
    pixels = 0.5 + rng.normal(0, 0.1, (5000, 1)) * direction + rng.normal(0, 0.01, (5000, 3))
    values, vectors = fit_pca_lighting(pixels.reshape(50, 100, 3))
    assert values[0] > 50 * values[1] and abs(vectors[:, 0] @ direction) > 0.999
    image = np.full((4, 4, 3), 0.5)
    out = pca_lighting(image, values, vectors, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(out - image, np.broadcast_to(values[0] * vectors[:, 0], (4, 4, 3)))


@pytest.mark.parametrize("call, message", [
    (lambda: adjust_brightness(np.zeros((2, 2, 4)), 1.0), r"\(H, W, 3\)"),
    (lambda: adjust_contrast(IMAGE, -0.5), "factor must be >= 0"),
    (lambda: adjust_saturation(np.zeros((2, 2, 3), np.uint8), 1.0), "image"),
    (lambda: sample_color_jitter(0, brightness=-1), "brightness"),
    (lambda: color_jitter(IMAGE, {"order": ["hue"]}), "hue"),
    (lambda: fit_pca_lighting(np.zeros((4, 2))), "3 RGB channels"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
