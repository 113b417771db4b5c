"""Lesson 03's explorer: a browser over a COCO-format dataset (boxes, masks, captions).

:func:`draw_example` is the pure part: one image, its annotations and masks, its
captions, drawn as a matplotlib figure. :func:`dataset_browser` wires it to an image
slider, three toggles and a category filter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from imgprep_course.datasets import COCO
from imgprep_course.explore import Explorer

__all__ = ["ALL", "category_colours", "overlay_masks", "draw_example", "dataset_browser"]

#: The category filter's value that keeps every category.
ALL = "all categories"


def category_colours(category_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """One RGB colour in ``[0, 1]`` per category id, from matplotlib's ``tab10``, in order.

    Examples
    --------
    >>> colours = category_colours([1, 2])
    >>> colours[1].round(3).tolist(), len(colours)
    ([0.122, 0.467, 0.706], 2)
    """
    palette = colormaps["tab10"]
    return {cat_id: np.array(palette(i % 10)[:3]) for i, cat_id in enumerate(category_ids)}


def overlay_masks(image, masks: Sequence[np.ndarray], colours: Sequence, alpha: float = 0.5
                  ) -> np.ndarray:
    """Paint each binary mask over ``image`` in its colour, later masks on top.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
    masks : sequence of (H, W) ndarray
        Nonzero where the object is.
    colours : sequence of RGB in [0, 1]
        One per mask.
    alpha : float
        Opacity of the paint.

    Returns
    -------
    (H, W, 3) ndarray of uint8
        A new image; ``image`` is not modified.

    Examples
    --------
    >>> image = np.zeros((1, 2, 3), np.uint8)
    >>> overlay_masks(image, [np.array([[0, 1]])], [(1.0, 0.0, 0.0)])[0].tolist()
    [[0, 0, 0], [128, 0, 0]]
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be a uint8 array of shape (H, W, 3), got "
                         f"{image.dtype} {image.shape}")
    if len(masks) != len(colours):
        raise ValueError(f"masks and colours must have one entry each, got {len(masks)} "
                         f"masks and {len(colours)} colours")
    out = image.astype(np.float64)
    for k, (mask, colour) in enumerate(zip(masks, colours)):
        mask = np.asarray(mask)
        if mask.shape != image.shape[:2]:
            raise ValueError(f"masks[{k}] has shape {mask.shape}, the image {image.shape[:2]}")
        paint = 255.0 * np.asarray(colour, np.float64)
        inside = mask != 0
        out[inside] = (1 - alpha) * out[inside] + alpha * paint
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def draw_example(image, annotations: Sequence[dict], categories: dict[int, dict],
                 masks: Sequence[np.ndarray] | None = None, captions: Sequence[str] = (), *,
                 show_boxes: bool = True, show_masks: bool = True,
                 show_captions: bool = True, category: str = ALL, title: str = "") -> Figure:
    """Draw one image with its COCO annotations: boxes, masks, captions.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
    annotations : sequence of dict
        COCO instance annotations of the image (``bbox`` in xywh, ``category_id``,
        ``iscrowd``).
    categories : dict
        COCO categories by id (``{"id": ..., "name": ...}``), as ``COCO.cats``.
    masks : sequence of (H, W) ndarray, optional
        The annotations' masks (``COCO.annToMask``), in the same order; needed only
        with ``show_masks``.
    captions : sequence of str
        Shown under the image with ``show_captions``.
    show_boxes, show_masks, show_captions : bool
        What to draw.
    category : str
        A category name: draw only its annotations; :data:`ALL` draws every one.
    title : str
        Drawn above the image.

    Returns
    -------
    matplotlib.figure.Figure
        The image axes hold one :class:`~matplotlib.patches.Rectangle` per box drawn,
        labelled with its category name.

    Examples
    --------
    >>> image = np.full((20, 30, 3), 200, np.uint8)
    >>> anns = [{"bbox": [2, 3, 10, 8], "category_id": 1, "iscrowd": 0},
    ...         {"bbox": [15, 5, 6, 6], "category_id": 2, "iscrowd": 0}]
    >>> cats = {1: {"id": 1, "name": "circle"}, 2: {"id": 2, "name": "square"}}
    >>> figure = draw_example(image, anns, cats, category="square", show_masks=False)
    >>> [patch.get_label() for patch in figure.axes[0].patches]
    ['square']
    """
    names = {cat_id: cat["name"] for cat_id, cat in categories.items()}
    if category != ALL and category not in names.values():
        raise ValueError(f"category must be {ALL!r} or one of {sorted(names.values())}, "
                         f"got {category!r}")
    if show_masks and (masks is None or len(masks) != len(annotations)):
        raise ValueError(f"show_masks needs one mask per annotation ({len(annotations)}), "
                         f"got {'none' if masks is None else len(masks)}")
    keep = [k for k, ann in enumerate(annotations)
            if category == ALL or names[ann["category_id"]] == category]
    colours = category_colours(list(categories))
    shown = np.asarray(image)
    if show_masks:
        shown = overlay_masks(shown, [masks[k] for k in keep],
                              [colours[annotations[k]["category_id"]] for k in keep])
    lines = list(captions) if show_captions else []
    figure = Figure(figsize=(5.2, 3.6 + 0.22 * len(lines)), layout="constrained")
    if lines:
        top, bottom = figure.subplots(2, 1, height_ratios=[3.6, 0.22 * len(lines) + 0.05])
    else:
        top, bottom = figure.subplots(), None
    top.imshow(shown)
    top.set_axis_off()
    if title:
        top.set_title(title, fontsize=9)
    if show_boxes:
        for k in keep:
            ann = annotations[k]
            x, y, w, h = ann["bbox"]
            name = names[ann["category_id"]]
            crowd = bool(ann.get("iscrowd", 0))
            # Pixel (0, 0) spans [0, 1] in COCO's coordinates but [-0.5, 0.5] in imshow's.
            top.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, label=name,
                                    edgecolor=colours[ann["category_id"]], linewidth=1.5,
                                    linestyle="--" if crowd else "-"))
            inside = y < 12  # no room above the box: write the name inside it
            top.text(x - 0.5 + inside, y - 0.5 + (1 if inside else -1),
                     name + (" (crowd)" if crowd else ""), fontsize=7, color="white",
                     va="top" if inside else "bottom",
                     bbox={"facecolor": colours[ann["category_id"]], "pad": 1,
                           "linewidth": 0})
    if bottom is not None:
        bottom.set_axis_off()
        bottom.text(0, 1, "\n".join(f"\u2022 {line}" for line in lines), fontsize=8,
                    va="top", ha="left", transform=bottom.transAxes)
    return figure


def dataset_browser(coco: COCO | str | os.PathLike, image_dir: str | os.PathLike,
                    captions: COCO | str | os.PathLike | None = None) -> Explorer:
    """Browse a COCO-format dataset: an image slider, toggles and a category filter.

    Parameters
    ----------
    coco : COCO or path
        The instances index (or its JSON file).
    image_dir : path
        The folder holding the images' ``file_name``.
    captions : COCO or path, optional
        A captions index (or its JSON file) over the same images.

    Returns
    -------
    Explorer
        Controls ``index`` (an ``IntSlider`` over the images that hold the chosen
        category), ``boxes``, ``masks``, ``captions_on`` (checkboxes; the last is
        disabled without ``captions``) and ``category`` (a dropdown: :data:`ALL` or a
        category name).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from imgprep_course.datasets import make_shapes
    >>> root = make_shapes(pathlib.Path(tempfile.mkdtemp()) / "shapes", images=3, quiet=True)
    >>> browser = dataset_browser(root / "coco" / "instances.json", root / "coco" / "images",
    ...                           root / "coco" / "captions.json")
    >>> list(browser.controls), browser.controls["index"].max
    (['index', 'boxes', 'masks', 'captions_on', 'category'], 2)
    """
    coco = coco if isinstance(coco, COCO) else COCO(coco)
    if captions is not None and not isinstance(captions, COCO):
        captions = COCO(captions)
    image_dir = Path(image_dir)
    if not image_dir.is_dir():
        raise FileNotFoundError(f"image_dir {image_dir} is not a folder")
    if not coco.imgs:
        raise ValueError(f"coco {coco.source} holds no images")
    by_name = {cat["name"]: cat_id for cat_id, cat in coco.cats.items()}

    def image_ids(category: str) -> list[int]:
        if category == ALL:
            return list(coco.imgs)
        return coco.getImgIds(catIds=by_name[category])

    def draw(index: int, boxes: bool, masks: bool, captions_on: bool, category: str) -> Figure:
        ids = image_ids(category)
        if not ids:
            figure = Figure(figsize=(5.2, 1))
            figure.text(0.5, 0.5, f"no image holds an object of category {category!r}",
                        ha="center")
            return figure
        position = min(index, len(ids) - 1)
        img = coco.imgs[ids[position]]
        with Image.open(image_dir / img["file_name"]) as file:
            image = np.asarray(file.convert("RGB"))
        anns = coco.imgToAnns.get(img["id"], [])
        texts = [ann["caption"] for ann in captions.imgToAnns.get(img["id"], [])] \
            if captions is not None else []
        crowd = sum(bool(ann["iscrowd"]) for ann in anns)
        shown = sum(category in (ALL, coco.cats[ann["category_id"]]["name"]) for ann in anns)
        title = (f"image {position + 1} of {len(ids)}: id {img['id']}, "
                 f"{img['file_name']}, {len(anns)} annotations"
                 + (f" ({crowd} crowd)" if crowd else "")
                 + (f", {shown} {category}" if category != ALL else ""))
        return draw_example(image, anns, coco.cats,
                            [coco.annToMask(ann) for ann in anns] if masks else None,
                            texts, show_boxes=boxes, show_masks=masks,
                            show_captions=captions_on, category=category, title=title)

    controls = {
        "index": widgets.IntSlider(value=0, min=0, max=len(coco.imgs) - 1, description="image"),
        "boxes": widgets.Checkbox(value=True, description="boxes"),
        "masks": widgets.Checkbox(value=True, description="masks"),
        "captions_on": widgets.Checkbox(value=captions is not None, description="captions",
                                        disabled=captions is None),
        "category": widgets.Dropdown(options=[ALL, *by_name], value=ALL,
                                     description="category"),
    }

    def on_category(change) -> None:
        # Registered before the Explorer's own observer, so the slider's range is right
        # before the picture is redrawn.
        controls["index"].max = max(len(image_ids(change["new"])) - 1, 0)

    controls["category"].observe(on_category, names="value")
    return Explorer(controls, draw, title="Dataset browser")
