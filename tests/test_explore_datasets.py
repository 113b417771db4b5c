"""Lesson 03's dataset browser: slider and toggles redraw, the category filter filters."""

import ipywidgets as widgets
import numpy as np
import pytest

from imgprep_course.datasets import COCO, make_shapes
from imgprep_course.explore.datasets import (ALL, category_colours, dataset_browser,
                                             draw_example, overlay_masks)


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    root = make_shapes(tmp_path_factory.mktemp("browser") / "shapes", images=6, seed=3,
                       quiet=True)
    return (COCO(root / "coco" / "instances.json"), root / "coco" / "images",
            COCO(root / "coco" / "captions.json"))


@pytest.fixture()
def browser(shapes):
    return dataset_browser(*shapes)


def _two_categories():
    image = np.full((24, 32, 3), 200, np.uint8)
    anns = [{"bbox": [2.0, 3.0, 10.0, 8.0], "category_id": 1, "iscrowd": 0},
            {"bbox": [15.0, 5.0, 6.0, 6.0], "category_id": 2, "iscrowd": 0},
            {"bbox": [20.0, 12.0, 8.0, 9.0], "category_id": 1, "iscrowd": 1}]
    masks = []
    for x, y, w, h in (ann["bbox"] for ann in anns):
        mask = np.zeros((24, 32), np.uint8)
        mask[int(y):int(y + h), int(x):int(x + w)] = 1
        masks.append(mask)
    cats = {1: {"id": 1, "name": "circle"}, 2: {"id": 2, "name": "square"}}
    return image, anns, cats, masks


def test_the_first_control_is_the_image_slider_and_moving_it_redraws(browser, shapes):
    first = next(iter(browser.controls.values()))
    assert isinstance(first, widgets.IntSlider)
    assert (first.min, first.max) == (0, len(shapes[0].imgs) - 1)
    seen = {browser.png}
    for index in range(1, 4):
        first.value = index
        seen.add(browser.png)
    assert len(seen) == 4
    assert browser.png.startswith(b"\x89PNG")


@pytest.mark.parametrize("toggle", ["boxes", "masks", "captions_on"])
def test_each_toggle_changes_the_picture(browser, toggle):
    before = browser.png
    browser.controls[toggle].value = not browser.controls[toggle].value
    assert browser.png != before
    browser.controls[toggle].value = not browser.controls[toggle].value
    assert browser.png == before


def test_the_category_filter_walks_only_the_images_holding_it(browser, shapes):
    coco = shapes[0]
    name, cat_id = "triangle", coco.getCatIds(catNms="triangle")[0]
    holding = coco.getImgIds(catIds=cat_id)
    assert 0 < len(holding) < len(coco.imgs)
    browser.controls["index"].value = len(coco.imgs) - 1
    before = browser.redraws
    browser.controls["category"].value = name
    assert browser.controls["index"].max == len(holding) - 1
    assert browser.controls["index"].value <= len(holding) - 1
    assert browser.redraws > before
    browser.controls["category"].value = ALL
    assert browser.controls["index"].max == len(coco.imgs) - 1


def test_filtering_to_a_category_draws_only_its_boxes():
    image, anns, cats, masks = _two_categories()
    every = draw_example(image, anns, cats, masks)
    assert sorted(p.get_label() for p in every.axes[0].patches) == ["circle", "circle",
                                                                    "square"]
    circles = draw_example(image, anns, cats, masks, category="circle")
    assert [p.get_label() for p in circles.axes[0].patches] == ["circle", "circle"]
    assert [p.get_linestyle() for p in circles.axes[0].patches] == ["-", "--"]  # crowd dashed
    squares = draw_example(image, anns, cats, masks, category="square")
    (box,) = squares.axes[0].patches
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (14.5, 4.5, 6, 6)


def test_filtering_to_a_category_paints_only_its_masks():
    image, anns, cats, masks = _two_categories()
    painted = draw_example(image, anns, cats, masks, show_boxes=False,
                           category="square").axes[0].images[0].get_array()
    changed = np.any(np.asarray(painted) != image, axis=-1)
    np.testing.assert_array_equal(changed, masks[1] == 1)
    plain = draw_example(image, anns, cats, show_masks=False).axes[0].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(plain), image)


def test_captions_are_drawn_as_text_only_when_asked():
    image, anns, cats, masks = _two_categories()
    captions = ["A circle and a square.", "Two shapes."]
    shown = draw_example(image, anns, cats, masks, captions)
    texts = [t.get_text() for axes in shown.axes for t in axes.texts]
    assert any("A circle and a square." in t and "Two shapes." in t for t in texts)
    hidden = draw_example(image, anns, cats, masks, captions, show_captions=False)
    assert len(hidden.axes) == 1
    assert not any("Two shapes." in t.get_text() for t in hidden.axes[0].texts)


def test_overlay_masks_leaves_its_input_alone_and_paints_later_masks_on_top():
    image = np.zeros((2, 2, 3), np.uint8)
    both = np.ones((2, 2), np.uint8)
    out = overlay_masks(image, [both, both], [(1.0, 0, 0), (0, 0, 1.0)], alpha=1.0)
    assert out[0, 0].tolist() == [0, 0, 255]
    assert not image.any()
    assert len(category_colours(range(12))) == 12


def test_bad_input_is_named():
    image, anns, cats, masks = _two_categories()
    with pytest.raises(ValueError, match=r"category must be 'all categories' or one of"):
        draw_example(image, anns, cats, masks, category="hexagon")
    with pytest.raises(ValueError, match=r"show_masks needs one mask per annotation \(3\)"):
        draw_example(image, anns, cats, masks[:2])
    with pytest.raises(ValueError, match=r"masks\[0\] has shape \(3, 3\)"):
        overlay_masks(image, [np.zeros((3, 3))], [(1, 0, 0)])
    with pytest.raises(ValueError, match=r"image must be a uint8 array of shape \(H, W, 3\)"):
        overlay_masks(image[..., 0], [], [])


def test_browser_refuses_a_missing_image_folder(shapes, tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        dataset_browser(shapes[0], tmp_path / "nowhere")


def test_browser_without_captions_disables_the_toggle(shapes):
    browser = dataset_browser(shapes[0], shapes[1])
    assert browser.controls["captions_on"].disabled
    assert not browser.controls["captions_on"].value


def test_a_category_without_images_shows_a_message_not_an_error(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 6), (200, 200, 200)).save(tmp_path / "a.png")
    coco = COCO({"images": [{"id": 1, "file_name": "a.png", "height": 6, "width": 8}],
                 "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "cross"}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                                  "bbox": [1, 1, 2, 2], "area": 4,
                                  "segmentation": [[1, 1, 3, 1, 3, 3, 1, 3]]}]})
    browser = dataset_browser(coco, tmp_path)
    before = browser.png
    browser.controls["category"].value = "cross"
    assert browser.controls["index"].max == 0
    assert browser.png != before and browser.png.startswith(b"\x89PNG")
