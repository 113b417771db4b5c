"""Explorers and the toy model: callbacks change the picture; the experiment shows its point."""

import base64

import numpy as np
import pytest

from imgprep_course.explore import rescaling_explorer
from imgprep_course.explore.rescaling import RESCALING_METHODS
from imgprep_course.images import load_sample, random_crops, to_float, to_uint8
from imgprep_course.toy_model import train_logistic


@pytest.fixture(scope="module")
def explorer():
    return rescaling_explorer(random_crops(load_sample("present"), 8, 16, seed=0))


def test_every_control_redraws_the_picture(explorer):
    seen = {explorer.png}
    for method in RESCALING_METHODS:
        explorer.controls["method"].value = method
        seen.add(explorer.png)
    explorer.controls["per_channel"].value = not explorer.controls["per_channel"].value
    seen.add(explorer.png)
    assert len(seen) == len(RESCALING_METHODS) + 1
    assert explorer.png.startswith(b"\x89PNG")


def test_explorer_displays_as_a_widget(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "imgprep-explorer" in explorer.widget._dom_classes


def test_explorer_display_carries_its_picture_for_viewers_without_a_kernel(explorer):
    explorer.controls["method"].value = list(RESCALING_METHODS)[-1]
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == explorer.png


def test_explorer_refuses_a_float_batch():
    with pytest.raises(ValueError, match=r"images must be a uint8 batch"):
        rescaling_explorer(np.zeros((2, 4, 4, 3)))


def test_raw_pixels_train_worse_than_standardized_at_the_same_rate():
    x = random_crops(load_sample(), 60, 4, seed=1).reshape(60, -1).astype(float)
    y = (x.mean(axis=1) > np.median(x.mean(axis=1))).astype(float)
    raw = train_logistic(x, y, learning_rate=0.1, steps=30)
    z = (x - x.mean(0)) / x.std(0)
    scaled = train_logistic(z, y, learning_rate=0.1, steps=30)
    assert np.isfinite(raw).all() and scaled[-1] < scaled[0]
    assert raw[-1] > 10 * scaled[-1]


def test_train_logistic_errors():
    with pytest.raises(ValueError, match="labels has 2 entries, features has 3 rows"):
        train_logistic(np.zeros((3, 2)), np.zeros(2), learning_rate=1, steps=1)


def test_uint8_float_round_trip_and_errors():
    x = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(to_uint8(to_float(x)), x)
    with pytest.raises(TypeError, match="image must be uint8"):
        to_float(np.arange(3, dtype=np.uint16))
    with pytest.raises(ValueError, match="name must be one of"):
        load_sample("lena")
    with pytest.raises(ValueError, match="size must be in 1..128"):
        random_crops(load_sample("present"), 2, 500)


def test_every_lesson_explorer_is_reachable_from_the_package():
    import imgprep_course.explore as explore
    for name in explore.__all__:
        assert callable(getattr(explore, name)), name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        explore.nothing
