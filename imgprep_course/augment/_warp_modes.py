"""The fill modes and interpolation orders of the warp, and their codes in the loops."""

from __future__ import annotations

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_MODE_CODES = {name: code for code, name in enumerate(FILL_MODES)}
CONSTANT, NEAREST, REFLECT, WRAP = range(4)


def check_fill_mode(fill_mode: str) -> int:
    """Return the loops' code for ``fill_mode``, or raise a ValueError naming the choices.

    Examples
    --------
    >>> check_fill_mode("nearest") == NEAREST
    True
    """
    if fill_mode not in _MODE_CODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    return _MODE_CODES[fill_mode]


def check_order(order: int) -> int:
    """Return ``order`` if it is 0 (nearest) or 1 (bilinear), else raise a ValueError.

    Examples
    --------
    >>> check_order(1)
    1
    """
    if isinstance(order, bool) or order not in (0, 1):
        raise ValueError(f"order must be 0 (nearest) or 1 (bilinear), got {order!r}")
    return int(order)
