"""Lesson 02's playground: every control redraws, the seed reproduces, boxes follow."""

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from imgprep_course.augment import ImageGenerator, affine_matrix, transform_boxes
from imgprep_course.explore.augmentation import (augmentation_explorer, augmented_batch,
                                                 describe_transform, draw_augmentation)
from imgprep_course.images import load_sample

BOX = [[29.0, 29.0, 69.0, 74.0]]


@pytest.fixture(scope="module")
def photo():
    return load_sample("grace_hopper")[0:480:5, 16:496:5]


@pytest.fixture()
def explorer(photo):
    return augmentation_explorer(photo, BOX, n=3)


def test_every_control_changes_the_picture(explorer):
    seen = {explorer.png}
    changes = [("rotation_range", 35), ("shift_range", 0.3), ("zoom_range", 0.4),
               ("shear_range", 20), ("seed", 7), ("fill_mode", "wrap"),
               ("horizontal_flip", False), ("vertical_flip", True)]
    for name, value in changes:
        explorer.controls[name].value = value
        assert explorer.png not in seen, f"changing {name} did not change the picture"
        seen.add(explorer.png)
    assert explorer.png.startswith(b"\x89PNG")
    assert list(explorer.controls)[0] == "rotation_range"   # the browser test moves it


def test_the_same_seed_gives_the_same_picture(explorer):
    explorer.controls["seed"].value = 3
    first = explorer.png
    explorer.controls["seed"].value = 4
    assert explorer.png != first
    explorer.controls["seed"].value = 3
    assert explorer.png == first


def test_batch_is_seeded_and_matches_the_generator(photo):
    ranges = dict(rotation_range=30, width_shift_range=0.2, zoom_range=0.3,
                  horizontal_flip=True, fill_mode="reflect")
    a = augmented_batch(photo, BOX, 4, seed=11, **ranges)
    b = augmented_batch(photo, BOX, 4, seed=11, **ranges)
    rng = np.random.default_rng(11)
    gen = ImageGenerator(**ranges)
    for item, again in zip(a, b):
        np.testing.assert_array_equal(item["x"], again["x"])
        params = gen.get_random_transform(photo.shape, rng)
        assert params == item["params"]
        matrix = affine_matrix(photo.shape, **{k: params[k] for k in (
            "theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")})
        np.testing.assert_allclose(item["boxes"], transform_boxes(BOX, matrix, photo.shape))
    assert not np.array_equal(a[0]["x"], a[1]["x"])


def test_drawn_rectangles_are_the_moved_boxes(photo):
    args = dict(rotation_range=40, shift_range=0.1, zoom_range=0.2, shear_range=10,
                seed=5, fill_mode="constant", horizontal_flip=True, vertical_flip=False)
    figure = draw_augmentation(photo, np.array(BOX), n=3, **args)
    batch = augmented_batch(photo, np.array(BOX), 3, 5, rotation_range=40,
                            width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.2,
                            shear_range=10, fill_mode="constant", horizontal_flip=True)
    for axes, item in zip(figure.axes[1:], batch):
        rectangles = [p for p in axes.patches if isinstance(p, Rectangle)]
        assert len(rectangles) == len(item["boxes"]) == 1
        x0, y0, x1, _ = item["boxes"][0]
        assert rectangles[0].get_xy() == pytest.approx((x0 - 0.5, y0 - 0.5))
        assert rectangles[0].get_width() == pytest.approx(x1 - x0)
        assert axes.get_title() == describe_transform(item["params"])


def test_a_box_shifted_out_of_view_says_so(photo):
    figure = draw_augmentation(photo, np.array([[0.0, 0.0, 8.0, 8.0]]), 0, 0.45, 0, 0,
                               seed=2, fill_mode="constant", horizontal_flip=False,
                               vertical_flip=False, n=7)
    lost = [axes for axes in figure.axes[1:]
            if any(t.get_text() == "box lost" for t in axes.texts)]
    assert lost and all(not axes.patches for axes in lost)


def test_describe_transform_has_no_negative_zero():
    label = describe_transform({"theta": -0.2, "tx": -0.4, "ty": 3.6, "shear": 0,
                                "zx": 1, "zy": 1, "flip_horizontal": False,
                                "flip_vertical": True})
    assert label == "θ 0°  t (0, 4)\nzoom 1.00×1.00  ↕"


def test_explorer_refuses_bad_input(photo):
    with pytest.raises(ValueError, match=r"image must be a uint8 RGB photo"):
        augmentation_explorer(photo.astype(np.uint16), BOX)
    with pytest.raises(ValueError, match=r"image must"):
        augmentation_explorer(photo[..., 0], BOX)
    with pytest.raises(ValueError, match=r"boxes"):
        augmentation_explorer(photo, [[10, 10, 5, 5]])
    with pytest.raises(ValueError, match=r"n must be an int in 1..15, got 0"):
        augmentation_explorer(photo, BOX, n=0)
