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
    an array result must have; a dtype name ("float32") asks for exactly that dtype. Tuples and lists are compared item by item. With
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
    if isinstance(expected, np.ndarray) and dtype_kind and len(dtype_kind) > 1 \
            and act.dtype != np.dtype(dtype_kind):
        return (f"{where} has dtype {act.dtype}, expected {dtype_kind}, as the exercise "
                f"asks: convert with .astype(np.{dtype_kind})")
    if isinstance(expected, np.ndarray) and dtype_kind and act.dtype.kind != dtype_kind[0]:
        names = {"f": "a float array", "i": "a signed integer array",
                 "u": "an unsigned integer array", "b": "a boolean array"}
        extra = ""
        if act.dtype.kind in "iu" and dtype_kind[0] == "f":
            extra = (": integer arithmetic rounds, and unsigned integers wrap around "
                     "below 0 (uint8: 3 - 5 = 254); convert with .astype(np.float32) first")
        return f"{where} has dtype {act.dtype}, expected {names[dtype_kind[0]]}{extra}"
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


#: Arrays with at most this many values are shown whole in feedback; larger ones as a
#: summary (shape, dtype, min, mean, max).
SHOWN_WHOLE = 48
#: Where feedback marks the first value that differs: ``>>0.0146<<``.
MARK = (">>", "<<")


def describe(value, limit: int = SHOWN_WHOLE) -> str:
    """A short, deterministic, one-line description of a value for feedback messages.

    Arrays of up to ``limit`` values are shown whole (4 significant digits), larger ones
    by shape, dtype, min, mean and max.

    Examples
    --------
    >>> describe(np.arange(3, dtype=np.uint8))
    'array([0, 1, 2], dtype=uint8)'
    >>> describe(np.eye(2, dtype=bool))
    'array([[True, False], [False, True]], dtype=bool)'
    >>> describe(np.zeros((10, 10, 3), np.float32))
    'array of shape (10, 10, 3), dtype float32, min 0, mean 0, max 0'
    """
    return describe_pair(value, value, limit=limit)[0]


def describe_pair(expected, actual, *, limit: int = SHOWN_WHOLE, rtol: float = 0.0,
                  atol: float = 0.0) -> tuple[str, str]:
    """Describe ``expected`` and ``actual`` so that the difference that failed shows.

    Both values get the same number of digits, enough to tell apart their first values
    that are not within ``rtol``/``atol`` of each other, and that value is marked
    ``>>like this<<`` in both. Summaries of large arrays use one resolution for both,
    so a float32 rounding error never looks like a difference ("mean 0" for both).

    Examples
    --------
    >>> exp = np.array([0.01452, 0.01453, 0.01458])
    >>> for line in describe_pair(exp, np.array([0.01452, 0.01453, 0.01461])):
    ...     print(line)
    array([0.01452, 0.01453, >>0.01458<<], dtype=float64)
    array([0.01452, 0.01453, >>0.01461<<], dtype=float64)
    >>> describe_pair((1, 2.5), (1, 2.25))
    ('(1, 2.5)', '(1, 2.25)')
    """
    if isinstance(expected, (tuple, list)) and isinstance(actual, (tuple, list)) \
            and len(expected) == len(actual):
        pairs = [describe_pair(e, a, limit=limit, rtol=rtol, atol=atol)
                 for e, a in zip(expected, actual)]
        return tuple(_bracket(value, ", ".join(p[i] for p in pairs))
                     for i, value in enumerate((expected, actual)))
    if _is_number(expected) and _is_number(actual) and not isinstance(expected, np.ndarray) \
            and not isinstance(actual, np.ndarray):
        return _distinct(expected, actual) if expected != actual else \
            (_number(expected), _number(actual))
    if isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray) \
            and expected.shape == actual.shape and expected.dtype.kind in "biuf" \
            and actual.dtype.kind in "biuf":
        return _arrays(expected, actual, limit, rtol, atol)
    return _single(expected, limit), _single(actual, limit)


def _single(value, limit: int) -> str:
    if isinstance(value, (tuple, list)):
        return _bracket(value, ", ".join(_single(v, limit) for v in value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return _arrays(value, value, limit, 0.0, 0.0)[0]
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if _is_number(value):
        return _number(value)
    return repr(value)


def _arrays(expected: np.ndarray, actual: np.ndarray, limit: int, rtol: float,
            atol: float) -> tuple[str, str]:
    first = _first_difference(expected, actual, rtol, atol)
    floats = expected.dtype.kind == "f" or actual.dtype.kind == "f"
    digits = 4
    if first is not None and floats:
        while digits < 17 and _format(expected[first], digits) == _format(actual[first],
                                                                             digits):
            digits += 1
    if expected.size > limit:
        return _summaries(expected, actual, first, digits)
    return tuple(_whole(array, first, digits) for array in (expected, actual))


def _whole(array: np.ndarray, first, digits: int) -> str:
    texts = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        texts[index] = _format(array[index], digits)
    if first is not None:
        texts[first] = MARK[0] + texts[first] + MARK[1]
    body = np.array2string(texts, separator=", ", formatter={"all": str},
                           max_line_width=10**9, threshold=10**9)
    return f"array({' '.join(body.split())}, dtype={array.dtype})"


def _summaries(expected: np.ndarray, actual: np.ndarray, first, digits: int
               ) -> tuple[str, str]:
    numbers = [a.astype(np.float64) for a in (expected, actual)]
    finite = [n[np.isfinite(n)] for n in numbers]
    scale = max((float(np.abs(f).max()) for f in finite if f.size), default=0.0)
    resolution = scale * 1e-6   # below this, float rounding: shown as 0 in both
    texts = []
    for array, data in zip((expected, actual), numbers):
        stats = [data.min(), data.mean(), data.max()] if data.size else []
        shown = [_number(0.0 if abs(v) < resolution else v) for v in stats]
        text = f"array of shape {array.shape}, dtype {array.dtype}"
        if shown:
            text += f", min {shown[0]}, mean {shown[1]}, max {shown[2]}"
        if first is not None:
            text += f"; at {first}: {MARK[0]}{_format(array[first], digits)}{MARK[1]}"
        texts.append(text)
    return texts[0], texts[1]


def _first_difference(expected: np.ndarray, actual: np.ndarray, rtol: float,
                      atol: float) -> tuple | None:
    if expected is actual or expected.ndim == 0:
        return None
    close = np.isclose(actual.astype(np.float64), expected.astype(np.float64), rtol=rtol,
                       atol=atol, equal_nan=True)
    bad = np.argwhere(~close)
    return tuple(int(i) for i in bad[0]) if len(bad) else None


def _format(value, digits: int) -> str:
    """One array value: ints and bools as they are, floats to ``digits`` significant."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = np.asarray(value)[()]
    if not np.isfinite(value):
        return str(float(value))
    if value == 0 or 1e-4 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=digits, unique=True,
                                          fractional=False, trim=".")
    return np.format_float_scientific(value, precision=digits - 1, unique=True, trim="-")


def _bracket(value, inner: str) -> str:
    return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"


def _is_number(value) -> bool:
    return isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, str)


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
