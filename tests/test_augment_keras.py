"""Parity of imgprep_course.augment with Keras 3's ImageDataGenerator.

Two sources of truth: fixtures that Keras produced (``tests/fixtures/keras_augment``, made by
``tests/fixtures/make_keras_augment.py``) and Keras itself on fresh random cases (keras,
jax and scipy are test dependencies: ``pip install -e .[test]``; these tests never skip).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgprep_course.augment import (ImageGenerator, about_center, affine_matrix,
                                    apply_affine_transform, rotation_matrix, shear_matrix,
                                    shift_matrix, warp, zoom_matrix)

FIXTURE = Path(__file__).parent / "fixtures" / "keras_augment" / "keras_augment.npz"


@pytest.fixture(scope="module")
def keras_data():
    with np.load(FIXTURE) as data:
        return dict(data)


def keras_rng(seed: int) -> np.random.Generator:
    """A Generator in the state ``np.random.seed(seed)`` puts numpy's global RNG in.

    Keras draws from the legacy global RandomState; a Generator over the same MT19937
    state produces the same uniform floats, so our draws can be compared one to one.
    """
    bit_generator = np.random.MT19937()
    bit_generator.state = np.random.RandomState(seed).get_state(legacy=False)
    return np.random.Generator(bit_generator)


def affine_cases(data):
    offsets = np.concatenate([[0], np.cumsum(np.prod(data["affine_shapes"], axis=1))])
    for i, shape in enumerate(data["affine_shapes"]):
        part = slice(offsets[i], offsets[i + 1])
        yield (data["affine_x"][part].reshape(shape), data["affine_out"][part].reshape(shape),
               data["affine_params"][i], str(data["affine_modes"][data["affine_mode"][i]]),
               int(data["affine_order"][i]), float(data["affine_cval"][i]))


def test_fixture_is_small_and_complete(keras_data):
    assert FIXTURE.stat().st_size < 2_000_000
    modes = {str(m) for m in keras_data["affine_modes"][keras_data["affine_mode"]]}
    assert modes == {"constant", "nearest", "reflect"}
    assert set(keras_data["affine_order"].tolist()) == {0, 1}
    assert len(keras_data["affine_shapes"]) >= 300


def test_apply_affine_transform_matches_keras_fixtures(keras_data):
    worst = {0: 0.0, 1: 0.0}
    count = 0
    for x, expected, params, mode, order, cval in affine_cases(keras_data):
        out = apply_affine_transform(x, *params, fill_mode=mode, cval=cval, order=order)
        assert out.dtype == np.float32 and out.shape == expected.shape
        worst[order] = max(worst[order], float(np.abs(out - expected).max()))
        count += 1
    assert count >= 300
    assert worst[1] <= 1e-4, worst
    assert worst[0] == 0.0, worst                 # nearest: the very same pixels


def test_keras_non_square_centre_is_reproduced_and_corrected(keras_data):
    """Keras turns an (h, w) image about (x, y) = (h/2 - 0.5, w/2 - 0.5); we do not."""
    offsets = np.concatenate([[0], np.cumsum(np.prod(keras_data["nonsquare_shapes"], axis=1))])
    differ = 0
    for i, shape in enumerate(keras_data["nonsquare_shapes"]):
        part = slice(offsets[i], offsets[i + 1])
        x = keras_data["nonsquare_x"][part].reshape(shape)
        expected = keras_data["nonsquare_out"][part].reshape(shape)
        h, w = shape[:2]
        theta, tx, ty, shear, zx, zy = keras_data["nonsquare_params"][i]
        raw = np.linalg.multi_dot([rotation_matrix(theta), shift_matrix(tx, ty),
                                   shear_matrix(shear), zoom_matrix(zx, zy)])
        keras_matrix = about_center(raw, (h / 2 - 0.5, w / 2 - 0.5))
        np.testing.assert_allclose(warp(x, keras_matrix), expected, atol=1e-4)
        ours = affine_matrix(shape, theta=theta, tx=tx, ty=ty, shear=shear, zx=zx, zy=zy)
        differ += not np.allclose(warp(x, ours), expected, atol=1e-3)
    assert differ >= 0.9 * len(keras_data["nonsquare_shapes"])


def test_channels_first_axes_match_keras_fixtures(keras_data):
    for x, expected, params, mode, order, cval in list(affine_cases(keras_data))[:40]:
        out = apply_affine_transform(np.moveaxis(x, 2, 0), *params, row_axis=1, col_axis=2,
                                     channel_axis=0, fill_mode=mode, cval=cval, order=order)
        np.testing.assert_allclose(np.moveaxis(out, 0, 2), expected, atol=1e-4)


def generator_cases(data):
    configs = json.loads(str(data["params_configs_json"]))
    keys = [str(k) for k in data["params_keys"]]
    for i, c in enumerate(data["params_config"]):
        values = dict(zip(keys, data["params_values"][i].tolist()))
        yield (configs[c], int(data["params_seed"][i]), values, data["apply_x"][i],
               data["apply_out"][i])


def test_random_draws_match_keras_given_the_same_random_state(keras_data):
    """Same draws in the same order; only the shifts trade places (Keras' swap bug)."""
    for config, seed, keras, x, _ in generator_cases(keras_data):
        ours = ImageGenerator(**config).get_random_transform(x.shape, seed=keras_rng(seed))
        assert ours["ty"] == pytest.approx(keras["tx"], abs=1e-9), config
        assert ours["tx"] == pytest.approx(keras["ty"], abs=1e-9), config
        for key in ("theta", "shear", "zx", "zy", "flip_horizontal", "flip_vertical"):
            assert float(ours[key]) == pytest.approx(keras[key], abs=1e-9), (key, config)
        for key in ("channel_shift_intensity", "brightness"):
            if np.isnan(keras[key]):
                assert ours[key] is None
            else:
                assert ours[key] == pytest.approx(keras[key], abs=1e-9)


def test_apply_transform_matches_keras_fixtures(keras_data):
    brightness_cases = 0
    for config, _, keras, x, expected in generator_cases(keras_data):
        params = {k: (None if isinstance(v, float) and np.isnan(v) else v)
                  for k, v in keras.items()}
        params["flip_horizontal"] = bool(params["flip_horizontal"])
        params["flip_vertical"] = bool(params["flip_vertical"])
        out = ImageGenerator(**config).apply_transform(x, params)
        if params["brightness"] is None:
            np.testing.assert_allclose(out, expected, atol=1e-3, err_msg=str(config))
        else:
            # Keras rounds through an 8-bit PIL image (truncation, then rounding); we don't
            brightness_cases += 1
            np.testing.assert_allclose(out, expected, atol=1 + params["brightness"])
    assert brightness_cases > 0


def test_standardize_matches_keras_fixtures(keras_data):
    configs = json.loads(str(keras_data["standardize_configs_json"]))
    train, test = keras_data["standardize_train"], keras_data["standardize_x"]
    for config, expected in zip(configs, keras_data["standardize_out"]):
        gen = ImageGenerator(**config).fit(train)
        out = gen.standardize(test)
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(out, expected, atol=2e-4 * scale, err_msg=str(config))
        single = np.stack([gen.standardize(x) for x in test])
        np.testing.assert_allclose(single, out, atol=1e-5 * scale)


# -- live comparison with Keras (a test dependency: keras, with jax and scipy) ------------

#: Keras 3.15 reaches scipy.ndimage.interpolation.affine_transform through a namespace
#: that scipy deprecates; that warning is Keras' business, not a defect of ours.
SCIPY_BEFORE_1_16 = tuple(int(p) for p in
                          __import__("scipy").__version__.split(".")[:2]) < (1, 16)

keras_uses_old_scipy_namespace = pytest.mark.filterwarnings(
    "ignore:Please import `affine_transform`:DeprecationWarning")


@pytest.fixture(scope="module")
def keras_image():
    """Keras' legacy preprocessing module, on the numpy backend (no accelerator set-up;
    Keras 3's numpy backend still imports jax)."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    from keras.src.legacy.preprocessing import image
    return image


@keras_uses_old_scipy_namespace
def test_live_apply_affine_transform_matches_keras(keras_image):
    rng = np.random.default_rng(7)
    for case in range(120):
        size, channels = int(rng.integers(1, 16)), int(rng.integers(1, 4))
        x = rng.normal(size=(size, size, channels)).astype(np.float32)
        params = dict(theta=rng.uniform(-180, 180), tx=rng.uniform(-6, 6),
                      ty=rng.uniform(-6, 6), shear=rng.uniform(-45, 45),
                      zx=rng.uniform(0.4, 2), zy=rng.uniform(0.4, 2))
        mode = ("constant", "nearest", "reflect")[case % 3]
        order = case // 3 % 2
        ours = apply_affine_transform(x, **params, fill_mode=mode, cval=0.5, order=order)
        theirs = keras_image.apply_affine_transform(x, **params, row_axis=0, col_axis=1,
                                                    channel_axis=2, fill_mode=mode, cval=0.5,
                                                    order=order)
        np.testing.assert_allclose(ours, theirs, atol=1e-4 if order else 0)


@keras_uses_old_scipy_namespace
def test_live_keras_is_wrong_on_non_square_images_and_we_are_not(keras_image):
    x = np.arange(5 * 8, dtype=np.float32).reshape(5, 8, 1)
    theirs = keras_image.apply_affine_transform(x, theta=180, row_axis=0, col_axis=1,
                                                channel_axis=2, order=0)
    assert not np.array_equal(theirs, np.rot90(x, 2))
    np.testing.assert_array_equal(apply_affine_transform(x, theta=180, order=0),
                                  np.rot90(x, 2))


@keras_uses_old_scipy_namespace
def test_live_keras_loses_an_edge_to_cval_on_half_turns_and_we_do_not(keras_image):
    """sin(180°) is 1.2e-16 in floating point: Keras samples 1e-16 outside the image."""
    x = np.arange(1, 17, dtype=np.float32).reshape(4, 4, 1)
    theirs = keras_image.apply_affine_transform(x, theta=180, row_axis=0, col_axis=1,
                                                channel_axis=2, fill_mode="constant",
                                                cval=-1)
    assert (theirs == -1).sum() == 4
    np.testing.assert_array_equal(
        apply_affine_transform(x, theta=180, fill_mode="constant", cval=-1), np.rot90(x, 2))


def test_live_random_draws_match_keras(keras_image):
    for config in ({"rotation_range": 45, "width_shift_range": 0.3, "height_shift_range": 4.0,
                    "shear_range": 10, "zoom_range": [0.7, 1.1], "channel_shift_range": 5.0,
                    "brightness_range": [0.8, 1.2], "horizontal_flip": True},):
        gen, ours = keras_image.ImageDataGenerator(**config), ImageGenerator(**config)
        for seed in range(20):
            theirs = gen.get_random_transform((16, 16, 3), seed=seed)
            mine = ours.get_random_transform((16, 16, 3), seed=keras_rng(seed))
            assert (mine["tx"], mine["ty"]) == pytest.approx((theirs["ty"], theirs["tx"]))
            for key in ("theta", "shear", "zx", "zy", "channel_shift_intensity", "brightness"):
                assert mine[key] == pytest.approx(theirs[key])
            assert mine["flip_horizontal"] == bool(theirs["flip_horizontal"])


@keras_uses_old_scipy_namespace
@pytest.mark.parametrize("size", [41, 225, 9, 64])
def test_live_random_shears_match_keras_at_odd_sizes(keras_image, size):
    """A fused multiply-add (``fastmath``) once put the centre row's edge pixel 1e-14
    outside the image, so it took cval in ~20 % of random shears at odd sizes."""
    rng = np.random.default_rng(size)
    for case in range(40 if size < 100 else 12):
        x = rng.random((size, size, 1)).astype(np.float32)
        shear = 38.645 if case == 0 else rng.uniform(-60, 60)
        order = case % 2
        ours = apply_affine_transform(x, shear=shear, fill_mode="constant", cval=-1,
                                      order=order)
        theirs = keras_image.apply_affine_transform(x, shear=shear, row_axis=0, col_axis=1,
                                                    channel_axis=2, fill_mode="constant",
                                                    cval=-1, order=order)
        differ = (ours == -1) != (theirs == -1)
        if SCIPY_BEFORE_1_16 and order == 1:
            # scipy before 1.16 (the newest on Python 3.10) gives cval to a few bilinear
            # samples that fall exactly on the last row or column (shear -55.5 at 225x225:
            # output (112, 224) samples input (112.0, 224.0) exactly); 1.16 and later, as
            # we do, interpolate there
            rows, cols = np.nonzero(differ[..., 0])
            assert np.isin(rows, [0, size - 1]).all() or np.isin(cols, [0, size - 1]).all()
            assert (theirs[differ] == -1).all() and (ours[differ] != -1).all()
            assert differ.sum() <= 2, (shear, differ.sum())
        else:
            assert not differ.any(), f"shear {shear}: {np.argwhere(differ)[:5].tolist()}"
        np.testing.assert_allclose(ours[~differ], theirs[~differ], atol=1e-5 if order else 0)


def test_live_list_shift_ranges_draw_what_keras_draws(keras_image):
    """Keras' own docstring example, ``[-1, 0, +1]``, and its test's ``[-2, 2]``: one
    element times a random sign, in pixels (the largest element is not below 1)."""
    for shift_range in ([-1, 0, 1], [-2, 2], [0.1, 0.25]):
        keras_gen = keras_image.ImageDataGenerator(width_shift_range=shift_range)
        ours = ImageGenerator(width_shift_range=shift_range)
        theirs = {round(float(keras_gen.get_random_transform((20, 40, 1), seed=s)["ty"]), 9)
                  for s in range(200)}
        mine = {round(float(ours.get_random_transform((20, 40, 1), seed=s)["tx"]), 9)
                for s in range(200)}
        assert mine == theirs, shift_range


def test_live_grayscale_keeps_16_bit_values_as_keras(keras_image, tmp_path):
    (tmp_path / "a").mkdir()
    Image.fromarray(np.array([[0, 1000, 65535]], dtype=np.uint16)).save(tmp_path / "a/x.png")
    kwargs = dict(target_size=(1, 3), color_mode="grayscale", class_mode=None, shuffle=False)
    theirs = next(keras_image.ImageDataGenerator().flow_from_directory(str(tmp_path),
                                                                       **kwargs))
    ours = next(ImageGenerator().flow_from_directory(tmp_path, verbose=False, **kwargs))
    assert ours[0, 0, :, 0].tolist() == [0, 1000, 65535]
    np.testing.assert_array_equal(ours, theirs)


def test_live_featurewise_statistics_of_other_channels_raise_as_in_keras(keras_image):
    rgb = np.random.default_rng(0).random((4, 6, 6, 3)).astype(np.float32)
    gray = rgb[..., :1].copy()
    keras_gen = keras_image.ImageDataGenerator(featurewise_center=True)
    keras_gen.fit(rgb)
    with pytest.raises(ValueError):
        keras_gen.standardize(gray.copy())
    ours = ImageGenerator(featurewise_center=True).fit(rgb)
    with pytest.raises(ValueError, match="channels"):
        ours.standardize(gray)
    with pytest.raises(ValueError, match="channels"):
        next(ours.flow(gray))


def test_live_samplewise_on_a_batch_is_keras_image_by_image(keras_image):
    """The documented difference: Keras' standardize(batch) pools the batch's statistics;
    ours (like Keras' own iterators) standardizes each image by its own."""
    x = np.random.default_rng(1).normal(3, 2, (5, 4, 4, 2)).astype(np.float32)
    keras_gen = keras_image.ImageDataGenerator(samplewise_center=True,
                                               samplewise_std_normalization=True)
    per_image = np.stack([keras_gen.standardize(image.copy()) for image in x])
    pooled = keras_gen.standardize(x.copy())
    ours = ImageGenerator(samplewise_center=True, samplewise_std_normalization=True)
    np.testing.assert_allclose(ours.standardize(x), per_image, atol=1e-5)
    assert not np.allclose(pooled, per_image, atol=1e-3)


def test_live_tuple_input_past_the_end_and_empty_input_as_keras(keras_image, tmp_path):
    images = np.random.default_rng(2).random((5, 4, 4, 1)).astype(np.float32)
    misc = [np.arange(5.0), np.arange(10.0).reshape(5, 2)]
    keras_it = keras_image.ImageDataGenerator().flow((images, misc), np.arange(5),
                                                     batch_size=2, shuffle=False)
    ours_it = ImageGenerator().flow((images, misc), np.arange(5), batch_size=2,
                                    shuffle=False)
    for i in range(3):
        (tx, *tmisc), ty = keras_it[i]
        (ox, *omisc), oy = ours_it[i]
        np.testing.assert_allclose(ox, tx)
        for a, b in zip(omisc, tmisc):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(oy, ty)
    for it in (keras_it, ours_it):
        with pytest.raises(ValueError):
            it[3]
    empty = np.zeros((0, 4, 4, 1), dtype=np.float32)
    assert len(keras_image.ImageDataGenerator().flow(empty)) == 0
    assert len(ImageGenerator().flow(empty)) == 0
    (tmp_path / "empty_class").mkdir()
    keras_dir = keras_image.ImageDataGenerator().flow_from_directory(str(tmp_path))
    assert len(keras_dir) == 0
    assert len(ImageGenerator().flow_from_directory(tmp_path, verbose=False)) == 0
