"""Interactive explorers: controls wired to a pure drawing function, shown as a picture.

Every explorer is an :class:`Explorer`: a dict of ipywidgets controls and a function
that draws a matplotlib figure from the controls' values. The figure is rendered to a
PNG shown in an ``ipywidgets.Image``, so it works the same in JupyterLab, in the classic
notebook and in tests (set a control's value, then look at ``explorer.png``).
"""

from __future__ import annotations

import io
from typing import Callable

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from imgprep_course import rescale

matplotlib.rcParams.setdefault("figure.dpi", 100)


def figure_to_png(figure: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib figure to PNG bytes (without pyplot, so nothing leaks)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class Explorer:
    """Controls plus a picture that redraws whenever a control changes.

    Parameters
    ----------
    controls : dict of str -> ipywidgets.ValueWidget
        Named controls; their values are passed to ``draw`` as keyword arguments.
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure``; a pure function of the values.
    title : str
        Shown above the controls.

    Examples
    --------
    >>> def draw(n):
    ...     figure = Figure(figsize=(2, 2))
    ...     figure.add_subplot().plot(range(n))
    ...     return figure
    >>> explorer = Explorer({"n": widgets.IntSlider(value=2, min=2, max=5)}, draw)
    >>> before = explorer.png
    >>> explorer.controls["n"].value = 5
    >>> explorer.png != before
    True
    """

    def __init__(self, controls: dict, draw: Callable[..., Figure], title: str = ""):
        self.controls = controls
        self.draw = draw
        self.image = widgets.Image(format="png")
        self.redraws = 0
        for control in controls.values():
            control.observe(lambda _change: self.update(), names="value")
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        self.widget = widgets.VBox(header + [widgets.HBox(list(controls.values()),
                                                          layout={"flex_flow": "row wrap"}),
                                             self.image])
        self.widget.add_class("imgprep-explorer")
        self.image.add_class("imgprep-explorer-picture")
        self.update()

    @property
    def values(self) -> dict:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def png(self) -> bytes:
        """The picture currently shown (PNG bytes)."""
        return bytes(self.image.value)

    def update(self) -> None:
        """Redraw the picture from the controls' values."""
        self.image.value = figure_to_png(self.draw(**self.values))
        self.redraws += 1

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = f"{type(self).__name__}({', '.join(self.controls)})"
        return bundle


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
    right.text(0.98, 0.95, f"mean {after.mean():.3g}\nstd {after.std():.3g}\n"
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
