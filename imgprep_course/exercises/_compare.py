"""Compare a student's result with the reference's, and say what differs in words."""

from __future__ import annotations

import numpy as np

#: Types a result may be made of: what the grader can carry between processes safely.
PLAIN = (bool, int, float, str, type(None), np.ndarray, np.generic, tuple, list)


def compare(expected, actual, *, rtol: float, atol: float, dtype_kind: str | None,
            where: str = "your result", reveal: bool = True) -> str | None:
    """Return ``None`` when ``actual`` matches ``expected``, else a sentence saying why not.

    Arrays must have the same shape and values within ``rtol``/``atol`` (NaN only where the
    reference has NaN). ``dtype_kind`` ("f", "i", "u", "b" or ``None``) is the dtype kind
    an array result must have. Tuples and lists are compared item by item. With
    ``reveal=False`` (hidden cases) the message never states an expected value.

    Examples
    --------
    >>> compare(np.zeros((2, 3)), np.zeros((3, 2)), rtol=1e-5, atol=1e-8, dtype_kind="f")
    'your result has shape (3, 2), expected shape (2, 3)'
    >>> print(compare(np.ones(3), np.ones(3), rtol=1e-5, atol=1e-8, dtype_kind="f"))
    None
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return (f"{where} is a {type(actual).__name__}, expected a tuple of "
                    f"{len(expected)} items")
        if len(actual) != len(expected):
            return f"{where} has {len(actual)} items, expected {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            problem = compare(e, a, rtol=rtol, atol=atol, dtype_kind=dtype_kind,
                              where=f"item {i} of {where}", reveal=reveal)
            if problem:
                return problem
        return None
    if isinstance(expected, str) or expected is None:
        if actual == expected:
            return None
        return f"{where} is {actual!r}, expected {expected!r}" if reveal else \
            f"{where} is not the expected value"
    if not isinstance(actual, (bool, int, float, np.ndarray, np.generic)):
        return (f"{where} is a {type(actual).__name__}, expected "
                f"{'an array' if isinstance(expected, np.ndarray) else 'a number'}")
    exp, act = np.asarray(expected), np.asarray(actual)
    if act.dtype.kind not in "biuf":
        return f"{where} has dtype {act.dtype}, expected numbers"
    if exp.shape != act.shape:
        return f"{where} has shape {act.shape}, expected shape {exp.shape}"
    if isinstance(expected, np.ndarray) and dtype_kind and act.dtype.kind != dtype_kind:
        names = {"f": "a float array", "i": "a signed integer array",
                 "u": "an unsigned integer array", "b": "a boolean array"}
        extra = ""
        if act.dtype.kind in "iu" and dtype_kind == "f":
            extra = (": integer arithmetic rounds, and unsigned integers wrap around "
                     "below 0 (uint8: 3 - 5 = 254); convert with .astype(np.float32) first")
        return f"{where} has dtype {act.dtype}, expected {names[dtype_kind]}{extra}"
    close = np.isclose(act.astype(np.float64), exp.astype(np.float64), rtol=rtol, atol=atol,
                       equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)
    count = f" ({len(bad)} of {exp.size} values differ)" if exp.ndim else ""
    if not reveal:
        return f"{where} differs from the expected values{count}"
    first = tuple(int(i) for i in bad[0])
    at = f" at index {first}" if exp.ndim else ""
    shown, wanted = _distinct(act[first], exp[first])
    return f"{where}{at} is {shown}, expected {wanted}{count}"


def describe(value, limit: int = 6) -> str:
    """A short, deterministic description of a value for feedback messages.

    Examples
    --------
    >>> describe(np.arange(3, dtype=np.uint8))
    'array([0, 1, 2], dtype=uint8)'
    >>> describe(np.zeros((10, 10, 3), np.float32))
    'array of shape (10, 10, 3), dtype float32, min 0, mean 0, max 0'
    """
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe(v, limit) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.ndarray):
        if value.size <= limit:
            with np.printoptions(precision=4, suppress=True):
                text = np.array2string(value, separator=", ")
            return f"array({text}, dtype={value.dtype})"
        if value.dtype.kind in "biuf":
            data = value.astype(np.float64)
            return (f"array of shape {value.shape}, dtype {value.dtype}, min "
                    f"{_number(data.min())}, mean {_number(data.mean())}, max "
                    f"{_number(data.max())}")
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (float, np.floating)):
        return _number(value)
    return repr(value)


def _distinct(actual, expected) -> tuple[str, str]:
    """Format two different numbers with enough digits to tell them apart.

    Examples
    --------
    >>> _distinct(10000.003, 10000.0252)
    ('10000.003', '10000.025')
    >>> _distinct(0.5, 0.75)
    ('0.5', '0.75')
    """
    a, e = _number(actual), _number(expected)
    difference = abs(float(actual) - float(expected))
    if a != e or not np.isfinite(difference) or difference == 0:
        return a, e
    decimals = min(17, max(0, 1 - int(np.floor(np.log10(difference)))))
    return f"{float(actual):.{decimals}f}", f"{float(expected):.{decimals}f}"


def _number(value) -> str:
    value = np.asarray(value).item()
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)
