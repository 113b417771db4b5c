"""Interactive explorers: controls wired to a pure drawing function, shown as a picture.

One module per lesson holds its explorers (:mod:`.rescaling`, ...); this one holds the
shared :class:`Explorer`.

Every explorer is an :class:`Explorer`: a dict of ipywidgets controls and a function
that draws a matplotlib figure from the controls' values. The figure is rendered to a
PNG shown in an ``ipywidgets.Image``, so it works the same in JupyterLab, in the classic
notebook and in tests (set a control's value, then look at ``explorer.png``). Its display
also carries that PNG as a static ``image/png`` output, which a saved notebook shows
without a kernel (the course website shows it in place of the widget).
"""

from __future__ import annotations

import base64
import importlib
import io
from typing import Callable

import ipywidgets as widgets
from matplotlib.figure import Figure


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
        # flex-start: shown at its natural size, not stretched to the output width (blurry)
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))
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
        # the picture as shown, for what has no kernel: a saved notebook, the course website
        bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle


#: Each lesson's explorers, by the module that holds them. They are imported on first use,
#: so a lesson loads only its own topic's library (numba kernels compile on demand).
_EXPLORERS = {
    "rescaling_explorer": "rescaling",
    "augmentation_explorer": "augmentation",
    "dataset_browser": "datasets",
    "iou_explorer": "detection",
    "pr_explorer": "detection",
    "noise_explorer": "detection",
}


def __getattr__(name: str):
    if name in _EXPLORERS:
        module = importlib.import_module(f"imgprep_course.explore.{_EXPLORERS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'imgprep_course.explore' has no attribute {name!r}")


__all__ = ["Explorer", "figure_to_png", *_EXPLORERS]
