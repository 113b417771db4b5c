"""The behaviours Keras 2's own ImageDataGenerator tests pin, on our API.

Written after keras-preprocessing's ``tests/image/image_data_generator_test.py`` and its
numpy-array and directory iterator tests (read, not copied): each test below pins what
one of theirs pins, adapted to :class:`ImageGenerator` (channels last only; no
``validation_split``, ``save_to_dir`` or ``data_format``, which the package leaves out).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgprep_course.augment import ImageGenerator

EVERYTHING_ON = dict(featurewise_center=True, samplewise_center=True,
                     featurewise_std_normalization=True, samplewise_std_normalization=True,
                     zca_whitening=True, rotation_range=90.0, width_shift_range=0.1,
                     height_shift_range=0.1, shear_range=0.5, zoom_range=0.2,
                     channel_shift_range=0.0, brightness_range=(1, 5), fill_mode="nearest",
                     cval=0.5, horizontal_flip=True, vertical_flip=True,
                     interpolation_order=1)


@pytest.fixture(scope="module", params=["RGB", "RGBA", "L"])
def images(request):
    """Eight 20x20 photos-like images (a random bias and spread per pixel), as Keras'
    fixture makes them, in one of its three colour modes, as a float32 batch."""
    rng = np.random.default_rng(0)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[request.param]
    batch = []
    for _ in range(8):
        bias = rng.random((20, 20, 1)) * 64
        spread = rng.random((20, 20, 1)) * (255 - 64)
        pixels = (rng.random((20, 20, channels)) * spread + bias).astype(np.uint8)
        image = Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels,
                                request.param)
        array = np.asarray(image, dtype=np.float32)
        batch.append(array[..., None] if array.ndim == 2 else array)
    return np.stack(batch)


def test_every_option_at_once_builds_fits_and_flows(images):
    gen = ImageGenerator(**EVERYTHING_ON).fit(images, augment=True, seed=0)
    x, y = next(gen.flow(images, np.arange(8), batch_size=3, shuffle=False, seed=0))
    assert x.shape == (3,) + images.shape[1:] and np.isfinite(x).all()
    assert y.tolist() == [0, 1, 2]


def test_fit_and_flow_refuse_arrays_that_are_not_image_batches():
    gen = ImageGenerator(**EVERYTHING_ON)
    with pytest.raises(ValueError, match="4 dimensions"):
        gen.fit(np.random.default_rng(0).random((3, 10, 10)))
    with pytest.raises(ValueError, match="4 dimensions"):
        gen.flow(np.arange(32))


@pytest.mark.parametrize("shape", [(32, 10, 10, 3), (32, 10, 10, 1), (32, 4, 4, 1)])
def test_fit_with_everything_on_gray_rgb_and_more_samples_than_features(shape):
    x = np.random.default_rng(1).random(shape)
    gen = ImageGenerator(**{**EVERYTHING_ON, "zoom_range": (0.2, 0.2)}).fit(x, augment=True,
                                                                          seed=1)
    assert gen.mean.shape[-1] == shape[-1]
    assert gen.whitening is not None
    out = gen.standardize(x)
    assert out.shape == shape and np.isfinite(out).all()


def test_flow_forms_keras_accepts(images):
    n = len(images)
    gen = ImageGenerator(**EVERYTHING_ON).fit(images)
    labels, weights = np.arange(n), np.arange(n) + 1.0
    assert len(next(gen.flow(images, labels, shuffle=False, batch_size=3))) == 2
    x, y, w = next(gen.flow(images, labels, sample_weight=weights, shuffle=False,
                            batch_size=3))
    assert y.tolist() == [0, 1, 2] and w.tolist() == [1.0, 2.0, 3.0]
    x, y = next(gen.flow(images, labels, shuffle=True, batch_size=3, seed=42))
    assert sorted(set(y.tolist())) == sorted(y.tolist()) and len(y) == 3
    assert next(gen.flow(images, None, shuffle=True, batch_size=3)).shape[0] == 3

    misc1 = np.random.default_rng(2).random(n)
    misc2 = np.random.default_rng(3).random((n, 3, 3))
    (x, m1), y = next(gen.flow((images, misc1), labels, shuffle=False, batch_size=2))
    assert x.shape[0] == 2 and m1.tolist() == misc1[:2].tolist() and y.tolist() == [0, 1]
    (x, m1, m2), y = next(gen.flow((images, [misc1, misc2]), labels, shuffle=False,
                                   batch_size=2))
    np.testing.assert_array_equal(m2, misc2[:2])
    x, m1 = next(gen.flow((images, misc1), None, batch_size=3, shuffle=False))
    assert m1.tolist() == misc1[:3].tolist()
    x, m1, m2 = next(gen.flow((images, [misc1, misc2]), None, batch_size=3, shuffle=False))
    assert m2.shape == (3, 3, 3)


def test_flow_refuses_arrays_of_other_lengths(images):
    n = len(images)
    gen = ImageGenerator()
    with pytest.raises(ValueError, match="misc"):
        gen.flow((images, np.zeros((n + 1, 3, 3))), np.arange(n))
    with pytest.raises(ValueError, match="y must have one entry per image"):
        gen.flow((images, np.zeros(n)), np.arange(n + 1))


def test_nearest_interpolation_keeps_labels_labels():
    labels = np.array([[2, 2, 0, 2, 2], [1, 3, 2, 3, 1], [2, 1, 0, 1, 2], [3, 1, 0, 2, 0],
                       [3, 1, 3, 2, 1]])
    gen = ImageGenerator(rotation_range=90.0, interpolation_order=0)
    it = gen.flow(labels[None, ..., None], seed=123)
    for _ in range(10):
        assert set(np.unique(next(it)).tolist()) <= {0.0, 1.0, 2.0, 3.0}


def test_brightness_range_must_be_a_pair():
    with pytest.raises(ValueError, match="brightness_range"):
        ImageGenerator(brightness_range=0.1)


def test_standardize_works_on_a_transformed_batch(images):
    gen = ImageGenerator(**EVERYTHING_ON).fit(images, augment=True, seed=0)
    transformed = np.stack([gen.random_transform(image, seed=i)
                            for i, image in enumerate(images)])
    out = gen.standardize(transformed)
    assert out.shape == images.shape and np.isfinite(out).all()


def test_deterministic_transforms():
    gen = ImageGenerator(rotation_range=90, fill_mode="constant")
    x = np.random.default_rng(4).random((32, 32, 3))
    np.testing.assert_allclose(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])
    np.testing.assert_allclose(gen.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    # a 45° turn of a 3x3 image: the corners fall outside and take cval, the cross stays
    diamond = np.array([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_allclose(gen.apply_transform(np.ones((3, 3, 3)), {"theta": 45}),
                               np.repeat(diamond[..., None], 3, axis=2), atol=1e-6)


def test_random_transforms_draw_every_parameter_and_depend_on_the_seed():
    shape = (28, 28, 2)
    gen = ImageGenerator(rotation_range=90.0, width_shift_range=0.1, height_shift_range=0.1,
                         shear_range=0.5, zoom_range=0.2, channel_shift_range=0.1,
                         brightness_range=(1, 5), horizontal_flip=True, vertical_flip=True)
    first, second = gen.get_random_transform(shape, seed=1), gen.get_random_transform(shape,
                                                                                     seed=2)
    for key in ("theta", "tx", "ty", "shear", "zx", "zy", "channel_shift_intensity",
                "brightness"):
        assert first[key] != 0 and first[key] != second[key], key
    still = ImageGenerator().get_random_transform(shape, seed=1)
    assert (still["theta"], still["tx"], still["ty"], still["shear"]) == (0, 0, 0, 0)
    assert (still["zx"], still["zy"]) == (1, 1)
    assert still["channel_shift_intensity"] is None and still["brightness"] is None


def test_fit_with_rescale_standardizes_and_zca_stays_bounded(images):
    gen = ImageGenerator(rescale=1 / 255, featurewise_center=True,
                         featurewise_std_normalization=True).fit(images)
    batch = next(gen.flow(images, batch_size=8, seed=0))
    assert abs(batch.mean()) < 1e-3 and abs(1 - batch.std()) < 1e-3
    gen = ImageGenerator(rescale=1 / 255, featurewise_center=True, zca_whitening=True)
    batch = next(gen.fit(images).flow(images, batch_size=8, seed=0))
    assert np.abs(batch).max() <= 1


def test_iterator_length_and_sequence_access(images):
    it = ImageGenerator().flow(images, np.arange(8), batch_size=3, shuffle=False)
    assert len(it) == 3
    assert [len(it[i][1]) for i in range(3)] == [3, 3, 2]
    with pytest.raises(ValueError, match="out of range"):
        it[3]


def test_directory_iterator_finds_classes_and_files(tmp_path, images):
    for name in ("cats", "dogs"):
        (tmp_path / name / "nested").mkdir(parents=True)
    for i, image in enumerate(images.astype(np.uint8)):
        folder = tmp_path / ("cats", "dogs")[i % 2] / ("nested" if i % 3 == 0 else "")
        pixels = image[..., 0] if image.shape[-1] == 1 else image
        Image.fromarray(pixels).save(folder / f"{i}.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    it = ImageGenerator().flow_from_directory(tmp_path, target_size=(20, 20), batch_size=3,
                                              verbose=False)
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert it.samples == 8 and len(it) == 3
    assert sorted(it.classes.tolist()) == [0] * 4 + [1] * 4
    x, y = it[0]
    assert x.shape == (3, 20, 20, 3) and y.shape == (3, 2)
