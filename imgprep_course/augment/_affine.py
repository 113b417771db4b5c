"""The pure core: warp an image, a mask or boxes through one affine pull matrix."""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array
from imgprep_course.augment._matrices import _as_matrix, affine_matrix, transform_points
from imgprep_course.augment._warp import check_fill_mode, check_order, warp_batch, warp_labels
from imgprep_course.boxes import as_boxes


def warp(image, matrix, *, order: int = 1, fill_mode: str = "nearest",
         cval: float = 0.0) -> np.ndarray:
    """Resample ``image`` through the pull ``matrix``: ``out[p] = image[matrix @ p]``.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        The image, channels last.
    matrix : (3, 3) array_like
        A pull matrix on ``(x, y, 1)`` pixel coordinates, e.g. from
        :func:`~imgprep_course.augment.affine_matrix`.
    order : {0, 1}
        0: nearest pixel; 1: bilinear.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        What the pixels that come from outside the image get (see
        :mod:`imgprep_course.augment`).
    cval : float
        The value used by ``fill_mode="constant"``.

    Returns
    -------
    ndarray
        Same shape as ``image``; a float image keeps its dtype, an integer one becomes
        float32.

    Examples
    --------
    >>> from imgprep_course.augment import shift_matrix
    >>> image = np.arange(4.0).reshape(1, 4)
    >>> warp(image, shift_matrix(1, 0), fill_mode="constant", cval=-1).tolist()
    [[1.0, 2.0, 3.0, -1.0]]
    """
    array = as_array(image, "image", ndim=(2, 3), finite=True)
    matrix = _as_matrix(matrix)
    check_order(order)
    check_fill_mode(fill_mode)
    batch = array.reshape(array.shape[:2] + (-1,))[None]
    out = warp_batch(batch, matrix[None], order=order, fill_mode=fill_mode, cval=cval)
    return out[0].reshape(array.shape)


def warp_mask(mask, matrix, *, fill_mode: str = "constant", cval=0) -> np.ndarray:
    """Move a label mask through the pull ``matrix``: nearest pixel, dtype kept.

    Parameters
    ----------
    mask : (H, W) or (H, W, K) array_like of bool or int
        Labels (a class per pixel) or ``K`` binary masks.
    matrix : (3, 3) array_like
        The pull matrix used for the image.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        Usually the image's fill mode, so that a label follows what the pixels show.
    cval : int
        The label of pixels filled in by ``"constant"`` (background, 0, by default).

    Examples
    --------
    >>> from imgprep_course.augment import affine_matrix
    >>> mask = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 2]], dtype=np.uint8)
    >>> warp_mask(mask, affine_matrix(mask.shape, theta=90)).tolist()
    [[0, 0, 2], [0, 0, 0], [1, 0, 0]]
    """
    array = as_array(mask, "mask", ndim=(2, 3), kinds="biu")
    matrix = _as_matrix(matrix)
    check_fill_mode(fill_mode)
    return warp_labels(array[None], matrix[None], fill_mode=fill_mode, cval=cval)[0]


def transform_boxes(boxes, matrix, shape, *, min_visibility: float = 0.1) -> np.ndarray:
    """Move boxes through the pull ``matrix``, clip them to the image, drop the lost ones.

    Each box's four corners move forward (through ``inv(matrix)``); the new box is their
    bounding box, clipped to the ``shape`` of the output image. A box is dropped when the
    part that stays in view is less than ``min_visibility`` of its (unclipped) transformed
    area, or has no area at all. After a rotation the box grows to hold the turned
    rectangle: a box cannot know the object's outline.

    Parameters
    ----------
    boxes : (N, 4 + k) array_like
        ``x_min, y_min, x_max, y_max`` in continuous pixel coordinates (see
        :mod:`imgprep_course.boxes`), optionally followed by ``k`` columns (class id,
        score, ...) that ride along unchanged.
    matrix : (3, 3) array_like
        The pull matrix used for the image.
    shape : tuple of int
        ``(height, width, ...)`` of the image.
    min_visibility : float
        In ``[0, 1]``; 0 drops only the boxes that leave the image entirely.

    Returns
    -------
    (M, 4 + k) ndarray of float64
        The kept boxes, in their original order.

    Examples
    --------
    A half turn of a 5×8 image sends the top-left pixel to the bottom-right one; a box
    shifted out of view is dropped:

    >>> from imgprep_course.augment import affine_matrix
    >>> half_turn = affine_matrix((5, 8), theta=180)
    >>> transform_boxes([[0, 0, 1, 1, 7]], half_turn, (5, 8)).round(9).tolist()
    [[7.0, 4.0, 8.0, 5.0, 7.0]]
    >>> transform_boxes([[0, 0, 2, 2]], affine_matrix((5, 8), tx=4), (5, 8)).shape
    (0, 4)
    """
    table = _as_box_table(boxes)
    matrix = _as_matrix(matrix)
    if not 0 <= min_visibility <= 1:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    height, width = int(shape[0]), int(shape[1])
    x0, y0, x1, y1 = table[:, 0], table[:, 1], table[:, 2], table[:, 3]
    # corners in pixel-index coordinates (pixel centres at integers)
    corners = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1),
                        np.stack([x0, y1], 1), np.stack([x1, y1], 1)], 1) - 0.5
    moved = transform_points(corners.reshape(-1, 2), matrix).reshape(-1, 4, 2) + 0.5
    lo, hi = moved.min(axis=1), moved.max(axis=1)
    full_area = np.prod(hi - lo, axis=1)
    lo_clipped = np.clip(lo, 0, [width, height])
    hi_clipped = np.clip(hi, 0, [width, height])
    area = np.prod(hi_clipped - lo_clipped, axis=1)
    keep = (area > 0) & (area >= min_visibility * full_area)
    out = table.copy()
    out[:, :2], out[:, 2:4] = lo_clipped, hi_clipped
    return out[keep]


def apply_affine_transform(x, theta: float = 0, tx: float = 0, ty: float = 0,
                           shear: float = 0, zx: float = 1, zy: float = 1,
                           row_axis: int = 0, col_axis: int = 1, channel_axis: int = 2,
                           fill_mode: str = "nearest", cval: float = 0.0,
                           order: int = 1) -> np.ndarray:
    """Keras' ``apply_affine_transform``, right on every image shape.

    Rotation, shift, shear and zoom composed about the image centre as in
    :func:`affine_matrix` (``M = R · T · Sh · Z``), then one resampling through the pull
    matrix. On square images this is Keras 3's result for the same arguments (tested
    against it: equal up to float rounding, bit for bit on the random test cases). Where
    Keras is wrong, this is right:

    - on other shapes Keras turns about a wrong centre, ``(h/2 - 0.5, w/2 - 0.5)`` with
      x and y swapped; here a half turn of any image is ``np.rot90(x, 2)``;
    - Keras computes ``sin(180°)`` as 1.2e-16, so with ``fill_mode="constant"`` its turns
      by 180° and 270° put ``cval`` on a whole edge row or column; quarter turns are
      exact here.

    Parameters
    ----------
    x : 3-D array_like
        One image; its axes are named by ``row_axis``, ``col_axis`` and ``channel_axis``.
        A grayscale ``(H, W)`` image needs its channel axis: ``x[..., None]``.
    theta : float
        Rotation in degrees, counter-clockwise on screen.
    tx, ty : float
        Shift in pixels along columns (x) and rows (y). Keras' convention: the output
        samples the input at ``x + tx``, so the picture moves *left* for ``tx > 0``.
    shear : float
        Shear angle in degrees.
    zx, zy : float
        Zoom factors for x and y; below 1 zooms in.
    row_axis, col_axis, channel_axis : int
        Which axis of ``x`` is which. The default is channels last (``(H, W, C)``), the
        convention of this package and of ``ImageDataGenerator``; Keras' standalone
        function defaults to channels first (``row_axis=1, col_axis=2, channel_axis=0``).
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        How the pixels that come from outside the image are filled.
    cval : float
        The fill value for ``"constant"``.
    order : {0, 1}
        Interpolation: 0 nearest, 1 bilinear.

    Returns
    -------
    ndarray
        Same shape as ``x``: float dtypes are kept, integer images become float32. The
        input is never modified.

    Examples
    --------
    >>> x = np.arange(6.0).reshape(2, 3, 1)
    >>> out = apply_affine_transform(x, theta=180, order=0)
    >>> np.array_equal(out, np.rot90(x, 2))
    True
    >>> apply_affine_transform(x, tx=1, fill_mode="constant", cval=-1)[..., 0].tolist()
    [[1.0, 2.0, -1.0], [4.0, 5.0, -1.0]]
    """
    array = as_array(x, "x", ndim=3, finite=True)
    axes = (row_axis, col_axis, channel_axis)
    if sorted(axes) != [0, 1, 2]:
        raise ValueError("row_axis, col_axis and channel_axis must be 0, 1 and 2 in some "
                         f"order, got {row_axis}, {col_axis}, {channel_axis}")
    check_order(order)
    check_fill_mode(fill_mode)
    image = np.moveaxis(array, axes, (0, 1, 2))
    matrix = affine_matrix(image.shape, theta=theta, tx=tx, ty=ty, shear=shear, zx=zx, zy=zy)
    out = warp(image, matrix, order=order, fill_mode=fill_mode, cval=cval)
    return np.moveaxis(out, (0, 1, 2), axes)


def _as_box_table(boxes) -> np.ndarray:
    """Boxes as a float64 (N, 4 + k) table; the first four columns validated as xyxy."""
    table = as_array(boxes, "boxes", kinds="biuf", allow_empty=True, finite=True)
    if table.size == 0:
        width = table.shape[-1] if table.ndim == 2 else 4
        return np.zeros((0, max(width, 4)))
    if table.ndim == 1:
        table = table[None, :]
    if table.ndim != 2 or table.shape[1] < 4:
        raise ValueError(f"boxes must have shape (N, 4 + k), got {np.shape(boxes)}")
    as_boxes(table[:, :4])
    return table.astype(np.float64)
