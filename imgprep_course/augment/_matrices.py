"""Affine matrices of augmentation: rotation, shift, shear, zoom and flips.

Every matrix here is a 3×3 homogeneous matrix acting on pixel coordinates ``(x, y, 1)``,
where ``x`` is the column index and ``y`` the row index (pixel centres at integers,
``y`` pointing down). The matrices are **pull** (inverse) mappings, as in Keras and
``scipy.ndimage.affine_transform``: the output pixel at ``p`` takes its value from the
input at ``M @ p``. A pull mapping never leaves holes in the output; the price is that
"shift by ``tx``" moves the picture by ``-tx`` (content goes left for ``tx > 0``).

The forward (push) mapping, which moves points such as box corners, is the inverse
matrix: :func:`transform_points` applies it.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array


def rotation_matrix(theta: float) -> np.ndarray:
    """Rotation by ``theta`` degrees about the origin (pull mapping).

    Examples
    --------
    Multiples of 90° are exact (``np.sin(np.pi)`` is not 0):

    >>> rotation_matrix(90).tolist()
    [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    c, s = _cos_sin(theta)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


def shift_matrix(tx: float, ty: float) -> np.ndarray:
    """Shift: the output at ``(x, y)`` samples the input at ``(x + tx, y + ty)``.

    Examples
    --------
    >>> shift_matrix(2, -1).tolist()
    [[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]]
    """
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=np.float64)


def shear_matrix(shear: float) -> np.ndarray:
    """Keras' shear by ``shear`` degrees: ``[[1, -sin φ, 0], [0, cos φ, 0], [0, 0, 1]]``.

    Examples
    --------
    >>> shear_matrix(30).round(3).tolist()
    [[1.0, -0.5, 0.0], [0.0, 0.866, 0.0], [0.0, 0.0, 1.0]]
    """
    c, s = _cos_sin(shear)
    return np.array([[1, -s, 0], [0, c, 0], [0, 0, 1]], dtype=np.float64)


def zoom_matrix(zx: float, zy: float) -> np.ndarray:
    """Zoom: the output at ``(x, y)`` samples the input at ``(zx·x, zy·y)``.

    A factor below 1 therefore zooms *in* (the picture looks bigger), as in Keras.

    Examples
    --------
    >>> zoom_matrix(0.5, 2).tolist()
    [[0.5, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
    """
    return np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=np.float64)


def flip_matrix(horizontal: bool = False, vertical: bool = False) -> np.ndarray:
    """Mirror about the origin: ``x -> -x`` (horizontal) and/or ``y -> -y`` (vertical).

    Examples
    --------
    >>> flip_matrix(horizontal=True).tolist()
    [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    return np.diag([-1.0 if horizontal else 1.0, -1.0 if vertical else 1.0, 1.0])


def about_center(matrix, center) -> np.ndarray:
    """Conjugate ``matrix`` so that it acts about ``center = (cx, cy)`` instead of ``(0, 0)``.

    Returns ``C @ matrix @ C⁻¹`` with ``C`` the shift to ``center``.

    Examples
    --------
    >>> about_center(flip_matrix(horizontal=True), (1.5, 0)).tolist()  # x -> 3 - x
    [[-1.0, 0.0, 3.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    cx, cy = center
    to_center = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], dtype=np.float64)
    from_center = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], dtype=np.float64)
    return np.dot(np.dot(to_center, matrix), from_center)


def image_center(shape) -> tuple[float, float]:
    """Centre ``(cx, cy)`` of an image of ``shape = (height, width, ...)``, in pixel indices.

    Examples
    --------
    >>> image_center((5, 8))
    (3.5, 2.0)
    """
    return shape[1] / 2 - 0.5, shape[0] / 2 - 0.5


def affine_matrix(shape, theta: float = 0, tx: float = 0, ty: float = 0,
                  shear: float = 0, zx: float = 1, zy: float = 1,
                  flip_horizontal: bool = False, flip_vertical: bool = False) -> np.ndarray:
    """The pull matrix of Keras' augmentation, composed about the image centre.

    ``M = R · T · Sh · Z · F`` (rotation, shift, shear, zoom, then the flips), each factor
    as in the functions above, conjugated by :func:`about_center` with the centre of
    ``shape``. The flips come last in the product because Keras flips the *output* of
    the resampling: pulling through ``F`` first is the same thing. Factors equal to the
    identity are left out, exactly as Keras does, so the matrix is Keras' to the last bit
    (except for multiples of 90°, exact here).

    Parameters
    ----------
    shape : tuple of int
        ``(height, width, ...)`` of the image.
    theta : float
        Rotation in degrees; ``+90`` turns the picture counter-clockwise (``np.rot90``).
    tx, ty : float
        Shift in pixels along x (columns) and y (rows); content moves by ``(-tx, -ty)``.
    shear : float
        Shear angle in degrees.
    zx, zy : float
        Zoom factors; below 1 zooms in.
    flip_horizontal, flip_vertical : bool
        Mirror left-right / top-bottom.

    Returns
    -------
    (3, 3) ndarray of float64

    Examples
    --------
    A half turn of a 5×8 image maps pixel ``(x, y)`` to ``(7 - x, 4 - y)``:

    >>> m = affine_matrix((5, 8), theta=180)
    >>> (m @ [0, 0, 1]).round(12).tolist()
    [7.0, 4.0, 1.0]
    """
    factors = []
    if theta != 0:
        factors.append(rotation_matrix(theta))
    if tx != 0 or ty != 0:
        factors.append(shift_matrix(tx, ty))
    if shear != 0:
        factors.append(shear_matrix(shear))
    if zx != 1 or zy != 1:
        factors.append(zoom_matrix(zx, zy))
    if flip_horizontal or flip_vertical:
        factors.append(flip_matrix(flip_horizontal, flip_vertical))
    if not factors:
        return np.eye(3)
    matrix = factors[0]
    for factor in factors[1:]:
        matrix = np.dot(matrix, factor)
    return about_center(matrix, image_center(shape))


def transform_points(points, matrix) -> np.ndarray:
    """Move points ``(x, y)`` (pixel indices) forward through the pull ``matrix``.

    The forward mapping is ``inv(matrix)``: a point of the input lands at
    ``inv(matrix) @ (x, y, 1)`` in the output.

    Parameters
    ----------
    points : (N, 2) array_like
        ``x, y`` pairs.
    matrix : (3, 3) array_like
        A pull matrix, e.g. from :func:`affine_matrix`.

    Returns
    -------
    (N, 2) ndarray of float64

    Examples
    --------
    Shifting by ``tx = 2`` pulls from 2 pixels to the right, so points move left:

    >>> transform_points([[5, 1]], shift_matrix(2, 0)).tolist()
    [[3.0, 1.0]]
    """
    pts = as_array(points, "points", ndim=2, allow_empty=True, finite=True)
    if pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {pts.shape}")
    m = _as_matrix(matrix)
    forward = np.linalg.inv(m)
    homogeneous = np.column_stack([pts.astype(np.float64), np.ones(len(pts))])
    return (homogeneous @ forward.T)[:, :2]


def _cos_sin(degrees: float) -> tuple[float, float]:
    """Cosine and sine of an angle in degrees, exact for multiples of 90°.

    ``np.sin(np.pi)`` is 1.2e-16, not 0. Keras uses it as is, and with
    ``fill_mode="constant"`` its turns by 180° and 270° push a whole edge row or column
    1e-16 outside the image, where it becomes ``cval``. Quarter turns here are exact.
    """
    if degrees % 90 == 0:
        return ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[int(degrees // 90) % 4]
    t = np.deg2rad(degrees)
    return float(np.cos(t)), float(np.sin(t))


def _as_matrix(matrix) -> np.ndarray:
    m = as_array(matrix, "matrix", ndim=2, kinds="iuf", finite=True).astype(np.float64)
    if m.shape != (3, 3):
        raise ValueError(f"matrix must have shape (3, 3), got {m.shape}")
    if abs(np.linalg.det(m[:2, :2])) < 1e-12:
        raise ValueError(f"matrix is singular (its 2x2 part has determinant 0): {m.tolist()}")
    return m
