"""Input checks shared by every module: clear errors that name the argument."""

from __future__ import annotations

from typing import Iterable

import numpy as np


def as_array(value, name: str, *, ndim: int | Iterable[int] | None = None,
             kinds: str = "biuf", allow_empty: bool = False,
             finite: bool = False) -> np.ndarray:
    """Return ``value`` as an ndarray, or raise an error that names ``name``.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    ndim : int or iterable of int, optional
        The accepted numbers of dimensions.
    kinds : str
        Accepted ``dtype.kind`` letters (``b`` bool, ``i``/``u`` integers, ``f`` floats).
    allow_empty : bool
        Whether an array with no elements is accepted.
    finite : bool
        Whether NaN and infinity are refused.

    Returns
    -------
    ndarray
        ``value`` itself when it already is an ndarray (never copied).

    Raises
    ------
    TypeError
        When ``value`` is not numeric.
    ValueError
        When its rank is wrong, it is empty, or it holds NaN/inf and ``finite`` is set.

    Examples
    --------
    >>> as_array([[1, 2], [3, 4]], "image", ndim=2).shape
    (2, 2)
    >>> as_array([1, 2], "image", ndim=(3, 4))
    Traceback (most recent call last):
    ...
    ValueError: image must have 3 or 4 dimensions, got 1 (shape (2,))
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a numeric array: {error}") from None
    if array.dtype.kind not in kinds:
        wanted = {"b": "bool", "i": "int", "u": "unsigned int", "f": "float"}
        accepted = ", ".join(wanted.get(k, k) for k in kinds)
        raise TypeError(f"{name} must have a dtype of kind {accepted}; got {array.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            said = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must have {said} dimensions, got {array.ndim} "
                             f"(shape {array.shape})")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty (shape {array.shape})")
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def as_rng(seed) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    ``seed`` is ``None`` (fresh entropy), an int, or a Generator (returned as is).
    This is the one way every random function of the package takes its randomness.

    Examples
    --------
    >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or a numpy.random.Generator, "
                    f"got {type(seed).__name__}")


def as_crowd(iscrowd, n: int, name: str = "iscrowd") -> np.ndarray:
    """Crowd flags (COCO's ``iscrowd``), one per ground truth: all False for ``None``.

    The one check of ``iscrowd`` arguments: bools or numbers (nonzero means crowd),
    exactly ``n`` of them; ``name`` is the argument's name in messages.

    Examples
    --------
    >>> as_crowd([0, 1], 2).tolist(), as_crowd(None, 1).tolist()
    ([False, True], [False])
    >>> as_crowd([1], 2)
    Traceback (most recent call last):
    ...
    ValueError: iscrowd must have one flag per ground truth (2), got 1
    """
    if iscrowd is None:
        return np.zeros(n, bool)
    flags = as_array(iscrowd, name, ndim=1, kinds="biuf", allow_empty=True)
    if flags.shape[0] != n:
        raise ValueError(f"{name} must have one flag per ground truth ({n}), "
                         f"got {flags.shape[0]}")
    return flags != 0
