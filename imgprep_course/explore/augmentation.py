"""Lesson 02's explorer: an augmentation playground, a batch of augmented copies of a
photo with its boxes moving along.

Every picture comes from :class:`imgprep_course.augment.ImageGenerator`: one
``numpy.random.Generator`` seeded with the ``seed`` slider draws each copy's parameters
(:meth:`~imgprep_course.augment.ImageGenerator.get_random_transform`), and
:meth:`~imgprep_course.augment.ImageGenerator.apply_transform` moves the image and its
boxes together. The same seed and settings always give the same picture.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from imgprep_course._validation import as_array
from imgprep_course.augment import FILL_MODES, ImageGenerator
from imgprep_course.boxes import as_boxes
from imgprep_course.explore import Explorer

_BOX_COLOUR = "yellow"


def augmented_batch(image, boxes, n: int, seed, **ranges) -> list[dict]:
    """``n`` augmented copies of ``image`` with its ``boxes``, and the parameters of each.

    ``ranges`` are :class:`~imgprep_course.augment.ImageGenerator`'s arguments
    (``rotation_range``, ``fill_mode``, ...). Returns one dict per copy with ``"x"`` (the
    image, float32), ``"boxes"`` (the boxes still in view) and ``"params"`` (the drawn
    transform). The same ``seed`` gives the same batch.

    Examples
    --------
    >>> image = np.zeros((8, 8, 3), dtype=np.uint8)
    >>> batch = augmented_batch(image, [[2, 2, 4, 4]], 3, seed=0, horizontal_flip=True)
    >>> len(batch), batch[0]["x"].shape, sorted(batch[0])
    (3, (8, 8, 3), ['boxes', 'params', 'x'])
    """
    generator = ImageGenerator(**ranges)
    rng = np.random.default_rng(seed)
    batch = []
    for _ in range(n):
        params = generator.get_random_transform(np.shape(image), rng)
        out = generator.apply_transform(image, params, boxes=boxes)
        batch.append({"x": out["x"], "boxes": out["boxes"], "params": params})
    return batch


def describe_transform(params: dict) -> str:
    """A short label of a drawn transform: angle, shift, zoom, shear, flips.

    Examples
    --------
    >>> describe_transform({"theta": 12.34, "tx": -3.2, "ty": 0, "shear": 0, "zx": 0.9,
    ...                     "zy": 1.1, "flip_horizontal": True, "flip_vertical": False})
    'θ 12°  t (-3, 0)\\nzoom 0.90×1.10  ↔'
    """
    theta, tx, ty = (round(float(params[key])) for key in ("theta", "tx", "ty"))
    first = f"θ {theta}°  t ({tx}, {ty})"
    second = f"zoom {params['zx']:.2f}×{params['zy']:.2f}"
    if params["shear"]:
        second += f"  shear {params['shear']:.0f}°"
    flips = "↔" if params["flip_horizontal"] else ""
    flips += "↕" if params["flip_vertical"] else ""
    return f"{first}\n{second}" + (f"  {flips}" if flips else "")


def show_with_boxes(axes, image, boxes=None, title: str = "") -> None:
    """Show a 0..255 ``image`` on ``axes`` without ticks, with its ``xyxy`` ``boxes``.

    ``boxes`` is None (nothing to draw) or ``(N, 4 + k)``; an empty table is marked
    "box lost".
    """
    axes.imshow(np.clip(image, 0, 255).astype(np.uint8))
    if boxes is not None:
        table = np.asarray(boxes, dtype=np.float64)
        table = table.reshape(-1, table.shape[-1] if table.ndim == 2 else 4)
        for x0, y0, x1, y1 in table[:, :4]:
            # a box's continuous coordinates start at a pixel's edge; imshow puts the
            # pixel's centre at the integer index
            axes.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                     edgecolor=_BOX_COLOUR, lw=1.5))
        if len(table) == 0:
            axes.text(0.5, 0.5, "box lost", transform=axes.transAxes, ha="center",
                      va="center", color=_BOX_COLOUR, fontsize=9, weight="bold")
    axes.set_title(title, fontsize=8)
    axes.axis("off")


def draw_augmentation(image, boxes, rotation_range: float, shift_range: float,
                      zoom_range: float, shear_range: float, seed: int, fill_mode: str,
                      horizontal_flip: bool, vertical_flip: bool, n: int = 7) -> Figure:
    """The original and ``n`` augmented copies (boxes drawn), on a grid of 4 columns.

    ``shift_range`` is used for both ``width_shift_range`` and ``height_shift_range``.
    Each copy's title gives its drawn angle, shift (pixels), zoom, shear and flips.
    """
    batch = augmented_batch(image, boxes, n, seed, rotation_range=rotation_range,
                            width_shift_range=shift_range, height_shift_range=shift_range,
                            zoom_range=zoom_range, shear_range=shear_range,
                            fill_mode=fill_mode, horizontal_flip=horizontal_flip,
                            vertical_flip=vertical_flip)
    rows = -(-(n + 1) // 4)
    figure = Figure(figsize=(9, 2.5 * rows), layout="constrained")
    grid = np.atleast_2d(figure.subplots(rows, 4)).ravel()
    show_with_boxes(grid[0], image, boxes, "original\n")
    for axes, item in zip(grid[1:], batch):
        show_with_boxes(axes, item["x"], item["boxes"], describe_transform(item["params"]))
    for axes in grid[n + 1:]:
        axes.axis("off")
    figure.suptitle(f"fill_mode={fill_mode!r}, seed {seed}: {n} copies from one "
                    "numpy Generator", fontsize=10)
    return figure


def augmentation_explorer(image, boxes, n: int = 7) -> Explorer:
    """Augmentation playground: sliders for the ranges and the seed, a fill-mode dropdown,
    flip checkboxes; the original and ``n`` augmented copies with their boxes.

    ``image`` is a small uint8 RGB photo ``(H, W, 3)`` (about 100 × 100 keeps the redraw
    fast), ``boxes`` an ``(N, 4)`` array of ``xyxy`` pixel boxes on it.
    """
    photo = as_array(image, "image", ndim=3, kinds="u")
    if photo.dtype != np.uint8 or photo.shape[-1] != 3:
        raise ValueError(f"image must be a uint8 RGB photo (H, W, 3), got {photo.dtype} "
                         f"{photo.shape}")
    table = as_boxes(boxes, "boxes")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 15:
        raise ValueError(f"n must be an int in 1..15, got {n!r}")

    def slider(kind, description, value, high, step):
        return kind(value=value, min=0, max=high, step=step, description=description,
                    continuous_update=False, style={"description_width": "initial"})

    controls = {
        "rotation_range": slider(widgets.IntSlider, "rotation_range", 20, 180, 5),
        "shift_range": slider(widgets.FloatSlider, "shift_range", 0.1, 0.5, 0.05),
        "zoom_range": slider(widgets.FloatSlider, "zoom_range", 0.1, 0.9, 0.05),
        "shear_range": slider(widgets.IntSlider, "shear_range", 0, 45, 5),
        "seed": slider(widgets.IntSlider, "seed", 0, 99, 1),
        "fill_mode": widgets.Dropdown(options=list(FILL_MODES), value="nearest",
                                      description="fill_mode"),
        "horizontal_flip": widgets.Checkbox(value=True, description="horizontal_flip"),
        "vertical_flip": widgets.Checkbox(value=False, description="vertical_flip"),
    }
    return Explorer(controls, lambda **values: draw_augmentation(photo, table, n=n, **values),
                    title="Augmentation playground (shift_range sets both width and height "
                          "shifts)")
