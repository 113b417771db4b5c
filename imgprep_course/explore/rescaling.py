"""Lesson 01's explorer: histograms before and after rescaling."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from imgprep_course import rescale
from imgprep_course.explore import Explorer

#: The rescaling explorer's methods: label -> function(batch, axis) of the reference.
RESCALING_METHODS = {
    "raw pixels": lambda x, axis: x.astype(np.float32),
    "subtract mean": lambda x, axis: rescale.subtract_mean(x, axis=axis),
    "standardize": lambda x, axis: rescale.standardize(x, axis=axis, eps=1e-6),
    "min-max": lambda x, axis: rescale.min_max(x, axis=axis),
    "ImageNet mean/std": lambda x, axis: rescale.normalize(x / 255.0, rescale.IMAGENET_MEAN,
                                                           rescale.IMAGENET_STD),
}

_CHANNEL_COLOURS = ("tab:red", "tab:green", "tab:blue")


def draw_rescaling(images: np.ndarray, method: str, per_channel: bool) -> Figure:
    """Histograms of a uint8 batch's channels before and after a rescaling method.

    ``per_channel`` takes the statistics per channel (axis ``(0, 1, 2)``) instead of over
    all values (``None``). Returns the figure.
    """
    axis = (0, 1, 2) if per_channel else None
    after = RESCALING_METHODS[method](images, axis)
    figure = Figure(figsize=(8, 2.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    for channel, colour in enumerate(_CHANNEL_COLOURS):
        left.hist(images[..., channel].ravel(), bins=64, color=colour, alpha=0.45,
                  histtype="stepfilled")
        right.hist(after[..., channel].ravel(), bins=64, color=colour, alpha=0.45,
                   histtype="stepfilled")
    left.set_title("before: uint8 pixels", fontsize=9)
    scope = "per channel" if per_channel else "global"
    right.set_title(f"after: {method} ({scope})", fontsize=9)
    right.axvline(0, color="black", lw=0.8)
    mean = np.round(after.mean(), 3) + 0.0  # + 0.0: never "-0.000"
    right.text(0.98, 0.95, f"mean {mean:.3f}\nstd {after.std():.3f}\n"
               f"range [{after.min():.3g}, {after.max():.3g}]",
               transform=right.transAxes, ha="right", va="top", fontsize=8)
    for axes in (left, right):
        axes.set_yticks([])
        axes.tick_params(labelsize=8)
    return figure


def rescaling_explorer(images) -> Explorer:
    """Histograms before and after rescaling, with a method dropdown and a per-channel toggle.

    ``images`` is a uint8 batch ``(N, H, W, 3)``.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be a uint8 batch of shape (N, H, W, 3), got "
                         f"{images.dtype} {images.shape}")
    controls = {
        "method": widgets.Dropdown(options=list(RESCALING_METHODS), value="standardize",
                                   description="method"),
        "per_channel": widgets.Checkbox(value=True, description="per channel"),
    }
    return Explorer(controls, lambda method, per_channel: draw_rescaling(
        images, method, per_channel), title="Rescaling explorer")
