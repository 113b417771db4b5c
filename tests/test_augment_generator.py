"""ImageGenerator: random parameters, transforms with boxes and masks, standardize, flow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgprep_course import rescale
from imgprep_course.augment import IDENTITY, ImageGenerator, TransformRanges


def images(n=10, h=8, w=8, c=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, c)).astype(np.uint8)


def box_of_mask(mask):
    rows, cols = np.nonzero(mask)
    return [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]


# -- random parameters --------------------------------------------------------------------

def test_ranges_follow_keras_meanings():
    rng = np.random.default_rng(0)
    ranges = TransformRanges(rotation_range=20, width_shift_range=0.25, height_shift_range=3.0,
                             shear_range=5, zoom_range=0.3, channel_shift_range=10,
                             brightness_range=(0.5, 1.5), horizontal_flip=True)
    draws = [ranges.sample((40, 80, 3), rng) for _ in range(400)]
    theta = np.array([d["theta"] for d in draws])
    assert theta.min() >= -20 and theta.max() <= 20 and theta.std() > 5
    tx = np.array([d["tx"] for d in draws])           # fraction of the width, 80
    assert np.abs(tx).max() <= 20 and np.abs(tx).max() > 15
    ty = np.array([d["ty"] for d in draws])           # a float >= 1: pixels
    assert np.abs(ty).max() <= 3 and np.abs(ty).max() > 2.5
    zooms = np.array([(d["zx"], d["zy"]) for d in draws])
    assert zooms.min() >= 0.7 and zooms.max() <= 1.3
    assert not np.allclose(zooms[:, 0], zooms[:, 1])  # two independent draws
    assert 100 < sum(d["flip_horizontal"] for d in draws) < 300
    assert not any(d["flip_vertical"] for d in draws)
    assert all(0.5 <= d["brightness"] <= 1.5 for d in draws)
    assert all(abs(d["channel_shift_intensity"]) <= 10 for d in draws)


def test_int_and_list_shift_ranges():
    rng = np.random.default_rng(1)
    ints = TransformRanges(width_shift_range=3)
    values = {ints.sample((10, 10, 1), rng)["tx"] for _ in range(300)}
    assert values == {-2, -1, 0, 1, 2}                # k in 0..n-1 with a random sign
    listed = TransformRanges(height_shift_range=[0.1, 0.2])
    values = {round(listed.sample((50, 10, 1), rng)["ty"], 9) for _ in range(300)}
    assert values == {-10.0, -5.0, 5.0, 10.0}         # fractions of the height, 50
    signed = TransformRanges(width_shift_range=[-1, 0, 1])   # Keras' docstring example
    assert {signed.sample((10, 10, 1), rng)["tx"] for _ in range(300)} == {-1, 0, 1}


def test_width_shift_range_shifts_horizontally():
    """Keras swaps the two (keras-team/keras#17398); here width means x."""
    gen = ImageGenerator(width_shift_range=[2])
    params = gen.get_random_transform((6, 6, 1), seed=3)
    assert abs(params["tx"]) == 2 and params["ty"] == 0
    x = np.zeros((6, 6, 1), dtype=np.float32)
    x[:, 3] = 1                                       # a vertical line
    out = gen.apply_transform(x, params)
    assert np.array_equal(out[:, :, 0].sum(axis=0) > 0, np.roll(x[0, :, 0], -params["tx"]) > 0)


def test_augment_probability_mixes_originals_and_modified():
    ranges = TransformRanges(rotation_range=30, augment_probability=0.25)
    rng = np.random.default_rng(2)
    kept = sum(ranges.sample((8, 8, 3), rng) == IDENTITY for _ in range(2000))
    assert 1350 < kept < 1650                          # about 75 % left as they are
    assert TransformRanges(rotation_range=30, augment_probability=0).sample(
        (8, 8, 3), rng) == IDENTITY
    gen = ImageGenerator(rotation_range=30, augment_probability=0.5)
    x = images(64)
    batch = gen.flow(x, batch_size=64, shuffle=False, seed=0)[0]
    unchanged = [np.array_equal(b, a) for a, b in zip(x.astype(np.float32), batch)]
    assert 16 < sum(unchanged) < 48


def test_seeded_draws_are_reproducible_and_use_no_global_state():
    gen = ImageGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    state = np.random.get_state()[1].copy()
    first = gen.get_random_transform((8, 8, 3), seed=5)
    assert first == gen.get_random_transform((8, 8, 3), seed=5)
    assert first != gen.get_random_transform((8, 8, 3), seed=6)
    gen.flow(images(), seed=1)[0]
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# -- transforms ---------------------------------------------------------------------------

def test_apply_transform_moves_boxes_and_masks_with_the_image():
    gen = ImageGenerator(fill_mode="constant", interpolation_order=0)
    x = np.zeros((10, 12, 1), dtype=np.float32)
    x[2:5, 3:9] = 1
    mask = (x[..., 0] > 0).astype(np.uint8) * 7
    for params in ({"theta": 90}, {"tx": -3, "ty": 2}, {"flip_vertical": True},
                   {"theta": 180, "flip_horizontal": True}, {"tx": 20}):
        out = gen.apply_transform(x, params, boxes=[[3, 2, 9, 5, 4]], mask=mask)
        np.testing.assert_array_equal(out["mask"], (out["x"][..., 0] > 0) * 7)
        if out["mask"].any():
            np.testing.assert_allclose(out["boxes"], [box_of_mask(out["mask"]) + [4]],
                                       atol=1e-9)
        else:
            assert out["boxes"].shape == (0, 5)


def test_channel_shift_and_brightness_as_keras():
    gen = ImageGenerator()
    x = np.array([[[10.0, 100.0, 200.0]]], dtype=np.float32)
    shifted = gen.apply_transform(x, {"channel_shift_intensity": 50.0})
    np.testing.assert_array_equal(shifted, [[[60, 150, 200]]])   # clipped to x's range
    bright = gen.apply_transform(x, {"brightness": 1.5})
    np.testing.assert_array_equal(bright, [[[15, 150, 255]]])    # clipped to 0..255
    wide = np.array([[[-10.0, 0.0, 10.0]]], dtype=np.float32)    # outside 0..255
    np.testing.assert_array_equal(gen.apply_transform(wide, {"brightness": 0.5}),
                                  [[[-10, -5, 0]]])


def test_apply_transform_does_not_modify_its_input():
    gen = ImageGenerator(channel_shift_range=5, rotation_range=40, brightness_range=(0.5, 2))
    x = np.random.default_rng(0).random((6, 7, 3)).astype(np.float32) * 255
    copy = x.copy()
    gen.random_transform(x, seed=0)
    gen.apply_transform(x, {})
    np.testing.assert_array_equal(x, copy)
    np.testing.assert_array_equal(gen.apply_transform(x, {}), x)   # {} is the identity


# -- standardize and fit ------------------------------------------------------------------

def test_standardize_reuses_rescale_in_keras_order():
    x = images(6).astype(np.float32)
    gen = ImageGenerator(rescale=1 / 255, samplewise_std_normalization=True)
    assert gen.samplewise_center                                # forced, as Keras
    np.testing.assert_allclose(
        gen.standardize(x), rescale.standardize(x / 255, axis=(1, 2, 3), eps=1e-6), atol=1e-5)
    gen = ImageGenerator(featurewise_std_normalization=True).fit(x)
    assert gen.featurewise_center
    mean, std = rescale.dataset_stats([x])
    np.testing.assert_allclose(gen.standardize(x), rescale.normalize(x, mean, std, eps=1e-6),
                               atol=1e-5)
    zca = ImageGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert zca.featurewise_center and not zca.featurewise_std_normalization


def test_preprocessing_function_runs_first_per_image():
    seen = []

    def negate(image):
        seen.append(image.shape)
        return -image

    gen = ImageGenerator(preprocessing_function=negate, rescale=2.0)
    out = gen.standardize(np.ones((3, 4, 4, 1)))
    np.testing.assert_array_equal(out, -2.0)
    assert seen == [(4, 4, 1)] * 3


def test_standardize_needs_fit_and_does_not_modify_input():
    x = images(4).astype(np.float32)
    with pytest.raises(RuntimeError, match="call fit"):
        ImageGenerator(featurewise_center=True).standardize(x)
    with pytest.raises(RuntimeError, match="call fit"):
        ImageGenerator(zca_whitening=True).standardize(x)
    copy = x.copy()
    ImageGenerator(rescale=0.5, samplewise_center=True).standardize(x)
    np.testing.assert_array_equal(x, copy)


def test_fit_with_augmentation_and_zca():
    x = images(12, 4, 4, 2).astype(np.float32)
    gen = ImageGenerator(zca_whitening=True, rotation_range=20, zca_epsilon=0.1)
    assert gen.fit(x, augment=True, rounds=2, seed=0) is gen
    white = gen.standardize(x)
    assert white.shape == x.shape and np.isfinite(white).all()
    again = ImageGenerator(zca_whitening=True, rotation_range=20, zca_epsilon=0.1)
    np.testing.assert_allclose(again.fit(x, augment=True, rounds=2, seed=0).standardize(x),
                               white, rtol=1e-6, atol=1e-5)


# -- flow ---------------------------------------------------------------------------------

def test_flow_length_partial_batch_and_epochs():
    x, y = images(10), np.arange(10)
    it = ImageGenerator().flow(x, y, batch_size=4, shuffle=True, seed=0)
    assert len(it) == 3
    epochs = []
    for _ in range(2):
        labels = [next(it)[1] for _ in range(len(it))]
        assert [len(b) for b in labels] == [4, 4, 2]
        epochs.append(np.concatenate(labels))
        assert sorted(epochs[-1]) == list(range(10))   # every sample once per epoch
    assert not np.array_equal(epochs[0], epochs[1])    # reshuffled
    assert it.epoch == 2 and it.batch_index == 0


def test_flow_without_shuffle_keeps_order_and_returns_keras_tuples():
    x, y, w = images(5), np.arange(5) * 10, np.linspace(0, 1, 5)
    gen = ImageGenerator()
    xb, yb, wb = gen.flow(x, y, batch_size=3, shuffle=False, sample_weight=w)[1]
    np.testing.assert_array_equal(yb, [30, 40])
    np.testing.assert_array_equal(wb, w[3:])
    np.testing.assert_array_equal(xb, x[3:].astype(np.float32))
    only_x = gen.flow(x, batch_size=2, shuffle=False)[0]
    assert isinstance(only_x, np.ndarray) and only_x.shape == (2, 8, 8, 3)


def test_flow_is_reproducible_with_a_seed_and_random_access_matches_next():
    gen = ImageGenerator(rotation_range=40, zoom_range=0.3, horizontal_flip=True)
    x, y = images(7), np.arange(7)
    a = gen.flow(x, y, batch_size=3, seed=11)
    b = gen.flow(x, y, batch_size=3, seed=11)
    c = gen.flow(x, y, batch_size=3, seed=12)
    first = [next(a) for _ in range(6)]                 # two epochs
    for batch, index in zip(first[3:], range(3)):        # b jumps to epoch 1 directly
        if index == 0:
            b.on_epoch_end()
        np.testing.assert_array_equal(b[index][0], batch[0])
        np.testing.assert_array_equal(b[index][1], batch[1])
    assert not np.array_equal(c[0][0], first[0][0])


def test_flow_moves_boxes_and_masks():
    x = np.zeros((6, 12, 12, 1), dtype=np.float32)
    masks = np.zeros((6, 12, 12), dtype=np.int16)
    boxes = []
    for i in range(6):
        x[i, i:i + 4, 2:8] = 1
        masks[i, i:i + 4, 2:8] = i + 1
        boxes.append([[2, i, 8, i + 4, i + 1]])
    gen = ImageGenerator(width_shift_range=3, height_shift_range=2, horizontal_flip=True,
                         vertical_flip=True, fill_mode="constant", interpolation_order=0)
    for batch in (next(gen.flow(x, np.arange(6), batch_size=4, seed=s, boxes=boxes,
                                masks=masks)) for s in range(5)):
        assert sorted(batch) == ["boxes", "masks", "x", "y"]
        for image, mask, box, label in zip(batch["x"], batch["masks"], batch["boxes"],
                                           batch["y"]):
            np.testing.assert_array_equal(mask > 0, image[..., 0] > 0)
            assert set(np.unique(mask)) <= {0, label + 1}
            if mask.any():
                np.testing.assert_allclose(box, [box_of_mask(mask) + [label + 1]], atol=1e-9)


def test_flow_from_directory(tmp_path):
    rng = np.random.default_rng(0)
    for name, count in (("cats", 3), ("dogs", 2)):
        (tmp_path / name).mkdir()
        for i in range(count):
            Image.fromarray(rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)).save(
                tmp_path / name / f"{i}.png")
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    gen = ImageGenerator(horizontal_flip=True)
    it = gen.flow_from_directory(tmp_path, target_size=(6, 5), batch_size=2, shuffle=False,
                                 verbose=False)
    assert it.class_indices == {"cats": 0, "dogs": 1} and it.samples == 5 and len(it) == 3
    assert it.filenames[:2] == ["cats/0.png", "cats/1.png"]
    np.testing.assert_array_equal(it.classes, [0, 0, 0, 1, 1])
    x, y = it[2]
    assert x.shape == (1, 6, 5, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [[0, 1]])
    sparse = gen.flow_from_directory(tmp_path, target_size=(9, 7), class_mode="sparse",
                                     color_mode="grayscale", shuffle=False, verbose=False)
    xs, ys = sparse[0]
    assert xs.shape == (5, 9, 7, 1) and ys.tolist() == [0, 0, 0, 1, 1]
    assert gen.flow_from_directory(tmp_path, class_mode=None, target_size=(4, 4),
                                   verbose=False)[0].shape == (5, 4, 4, 3)


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"rotation_range": -10}, "rotation_range must be a finite number >= 0"),
    ({"width_shift_range": -0.1}, "width_shift_range"),
    ({"height_shift_range": [0.1, float("inf")]}, "every element of height_shift_range"),
    ({"width_shift_range": []}, "must not be an empty sequence"),
    ({"dtype": "uint8", "rescale": 1 / 255}, "rescale needs a float dtype"),
    ({"dtype": "uint8", "featurewise_std_normalization": True}, "featurewise_center needs"),
    ({"dtype": "uint8", "samplewise_center": True}, "samplewise_center needs"),
    ({"shear_range": float("nan")}, "shear_range"),
    ({"zoom_range": 1.5}, "zoom_range z means"),
    ({"zoom_range": (1.2, 0.8)}, "low <= high"),
    ({"zoom_range": (0, 1)}, "zoom_range values"),
    ({"zoom_range": (1, 2, 3)}, "pair"),
    ({"brightness_range": 0.5}, "brightness_range must be a pair"),
    ({"channel_shift_range": -1}, "channel_shift_range"),
    ({"fill_mode": "grid-wrap"}, "fill_mode must be one of"),
    ({"interpolation_order": 3}, "order must be 0"),
    ({"augment_probability": 1.5}, "augment_probability"),
    ({"min_visibility": -0.1}, "min_visibility"),
    ({"zca_epsilon": 0}, "zca_epsilon"),
])
def test_bad_generator_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageGenerator(**kwargs)


def test_bad_dtype():
    with pytest.raises(TypeError, match="float32, float64 or uint8"):
        ImageGenerator(dtype="int16")
    with pytest.raises(TypeError, match="x must be uint8"):
        next(ImageGenerator(dtype="uint8").flow(np.zeros((1, 4, 4, 3))))
    with pytest.raises(TypeError, match="must return uint8"):
        ImageGenerator(dtype="uint8", preprocessing_function=lambda x: x / 2).standardize(
            np.zeros((4, 4, 3), dtype=np.uint8))


def test_bad_flow_input():
    gen = ImageGenerator()
    x = images(4)
    with pytest.raises(ValueError, match="4 dimensions"):
        gen.flow(x[0])
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(x, batch_size=0)
    with pytest.raises(ValueError, match="y must have one entry per image"):
        gen.flow(x, y=[1, 2])
    with pytest.raises(ValueError, match="boxes must hold one array per image"):
        gen.flow(x, boxes=[[[0, 0, 1, 1]]])
    with pytest.raises(ValueError, match="masks must cover"):
        gen.flow(x, masks=np.zeros((4, 5, 5), dtype=np.uint8))
    with pytest.raises(ValueError, match="batch index 2 is out of range"):
        gen.flow(x, batch_size=2)[2]
    with pytest.raises(TypeError, match="batch index must be an int"):
        gen.flow(x, batch_size=2)[0.5]
    with pytest.raises(ValueError, match="as a tuple must be"):
        gen.flow((x, x[:, 0], x[:, 1]))
    with pytest.raises(ValueError, match="cannot be combined with boxes"):
        next(gen.flow((x, np.arange(4)), boxes=[[]] * 4))
    with pytest.raises(ValueError, match="3 dimensions"):
        gen.random_transform(x)
    with pytest.raises(ValueError, match=r"unknown transform parameters \['rotation'\]"):
        gen.apply_transform(x[0], {"rotation": 90})
    with pytest.raises(ValueError, match="directory"):
        gen.flow_from_directory("/nonexistent/folder")
    with pytest.raises(ValueError, match="4 dimensions"):
        gen.fit(x[0])


# -- uint8 end to end -----------------------------------------------------------------------

UINT8_SETTINGS = dict(rotation_range=40, width_shift_range=0.2, height_shift_range=3.0,
                      shear_range=20, zoom_range=0.3, horizontal_flip=True, vertical_flip=True)


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
def test_uint8_is_the_float64_result_rounded_half_to_even(fill_mode, order):
    x = np.random.default_rng(5).integers(0, 256, (6, 15, 12, 3), dtype=np.uint8)
    x[0] = 0
    x[0, :, ::2] = 255                     # stripes: many exact .5 ties under half shifts
    settings = dict(UINT8_SETTINGS, fill_mode=fill_mode, cval=99.5,
                    interpolation_order=order)
    as_uint8 = next(ImageGenerator(dtype="uint8", **settings).flow(x, shuffle=False, seed=3))
    as_float = next(ImageGenerator(dtype="float64", **settings).flow(x, shuffle=False, seed=3))
    assert as_uint8.dtype == np.uint8
    np.testing.assert_array_equal(as_uint8, np.clip(np.rint(as_float), 0, 255))
    half = ImageGenerator(dtype="uint8", interpolation_order=1).apply_transform(
        x[0], {"tx": 0.5})
    assert set(np.unique(half).tolist()) <= {0, 128, 255}    # 127.5 rounds to even, 128


def test_uint8_colour_steps_round_and_clip():
    x = np.array([[[10, 100, 250]]], dtype=np.uint8)
    gen = ImageGenerator(dtype="uint8")
    assert gen.apply_transform(x, {"channel_shift_intensity": 20.4}).tolist() == \
        [[[30, 120, 250]]]                                   # clipped to x's range
    assert gen.apply_transform(x, {"brightness": 1.5}).tolist() == [[[15, 150, 255]]]
    assert gen.random_transform(x, seed=0).dtype == np.uint8


def test_uint8_directory_images_stay_uint8_and_16_bit_ones_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    Image.fromarray(np.full((4, 4, 3), 7, dtype=np.uint8)).save(tmp_path / "a" / "x.png")
    it = ImageGenerator(dtype="uint8").flow_from_directory(tmp_path, target_size=(4, 4),
                                                           class_mode=None, verbose=False)
    assert next(it).dtype == np.uint8 and int(next(it).max()) == 7
    Image.fromarray(np.full((4, 4), 300, dtype=np.uint16)).save(tmp_path / "a" / "y.png")
    it = ImageGenerator(dtype="uint8").flow_from_directory(
        tmp_path, target_size=(4, 4), color_mode="grayscale", class_mode=None, verbose=False)
    with pytest.raises(TypeError, match="must be uint8, got uint16"):
        next(it)


def test_empty_input_gives_empty_epochs_as_keras(tmp_path):
    it = ImageGenerator().flow(np.zeros((0, 8, 8, 3)), np.zeros(0))
    assert len(it) == 0
    x, y = next(it)
    assert x.shape == (0, 8, 8, 3) and y.shape == (0,)
    (tmp_path / "cats").mkdir()
    folder = ImageGenerator().flow_from_directory(tmp_path, target_size=(5, 5), verbose=False)
    assert len(folder) == 0 and next(folder)[0].shape == (0, 5, 5, 3)
