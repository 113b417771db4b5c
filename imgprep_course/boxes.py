"""Bounding-box formats and conversions shared by datasets, augmentation and metrics.

Three formats, all as ``(N, 4)`` float arrays:

``"xyxy"``
    ``x_min, y_min, x_max, y_max`` in continuous pixel coordinates: the image's top-left
    corner is ``(0, 0)`` and a box covering only pixel ``(0, 0)`` is ``[0, 0, 1, 1]``.
``"xywh"``
    ``x_min, y_min, width, height`` in the same coordinates: COCO's ``bbox``.
``"voc"``
    PASCAL VOC's 1-based inclusive pixel indices ``xmin, ymin, xmax, ymax``: the box
    covering only the top-left pixel is ``[1, 1, 1, 1]``. As continuous coordinates that
    is ``[xmin - 1, ymin - 1, xmax, ymax]``.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array

FORMATS = ("xyxy", "xywh", "voc")


def as_boxes(boxes, name: str = "boxes", fmt: str = "xyxy") -> np.ndarray:
    """Validate ``boxes`` and return them as a float64 ``(N, 4)`` array (a copy).

    A single box of shape ``(4,)`` is accepted and returned as ``(1, 4)``. An empty list
    gives a ``(0, 4)`` array. Boxes must be finite and have no negative size.

    Examples
    --------
    >>> as_boxes([1, 2, 3, 4]).tolist()
    [[1.0, 2.0, 3.0, 4.0]]
    >>> as_boxes([[0, 0, -1, 5]], fmt="xywh")
    Traceback (most recent call last):
    ...
    ValueError: boxes[0] has a negative width or height: [0.0, 0.0, -1.0, 5.0] (format xywh)
    """
    _check_format(fmt, "fmt")
    array = as_array(boxes, name, kinds="biuf", allow_empty=True, finite=True)
    if array.size == 0:
        return np.zeros((0, 4))
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) or (4,), got {np.shape(boxes)}")
    array = array.astype(np.float64)
    if fmt == "xywh":
        sizes = array[:, 2:]
    elif fmt == "voc":
        sizes = array[:, 2:] - array[:, :2] + 1
    else:
        sizes = array[:, 2:] - array[:, :2]
    bad = np.flatnonzero((sizes < 0).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] has a negative width or height: "
                         f"{array[i].tolist()} (format {fmt})")
    return array


def convert(boxes, src: str, dst: str) -> np.ndarray:
    """Convert boxes from format ``src`` to format ``dst`` (see the module docstring).

    Parameters
    ----------
    boxes : (N, 4) or (4,) array_like
        The boxes, in format ``src``.
    src, dst : {"xyxy", "xywh", "voc"}
        The formats.

    Returns
    -------
    (N, 4) ndarray of float64

    Examples
    --------
    >>> convert([[10, 20, 30, 40]], "xywh", "xyxy").tolist()
    [[10.0, 20.0, 40.0, 60.0]]
    >>> convert([[1, 1, 1, 1]], "voc", "xywh").tolist()
    [[0.0, 0.0, 1.0, 1.0]]
    """
    _check_format(dst, "dst")
    out = as_boxes(boxes, fmt=src)
    if src == "xywh":
        out[:, 2:] += out[:, :2]
    elif src == "voc":
        out[:, :2] -= 1
    if dst == "xywh":
        out[:, 2:] -= out[:, :2]
    elif dst == "voc":
        out[:, :2] += 1
    return out


def area(boxes, fmt: str = "xyxy") -> np.ndarray:
    """Area of each box, in square pixels.

    Examples
    --------
    >>> area([[0, 0, 2, 3], [1, 1, 1, 1]]).tolist()
    [6.0, 0.0]
    """
    xyxy = convert(boxes, fmt, "xyxy")
    return (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])


def _check_format(fmt: str, name: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"{name} must be one of {FORMATS}, got {fmt!r}")
