"""Carry function arguments and results between processes without pickle.

Values are encoded as JSON with the arrays stored beside it in an ``.npz`` file
(read back with ``allow_pickle=False``). Supported: None, bool, int, float, str, numpy
scalars and arrays of numbers or booleans, and tuples, lists and str-keyed dicts of
those. Anything else is refused with a message.

This module imports only the standard library and numpy: the grader's child process
loads it by file path, without importing ``imgprep_course``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class CodecError(TypeError):
    """A value cannot be carried between processes."""


def encode(value, arrays: dict, where: str = "value"):
    """Return a JSON-able form of ``value``; arrays go into ``arrays`` under new keys."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise CodecError(f"{where} is an array of dtype {array.dtype}; only numbers "
                             "and booleans are supported")
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"array": key, "scalar": isinstance(value, np.generic)}
    if isinstance(value, (tuple, list)):
        items = [encode(v, arrays, f"item {i} of {where}") for i, v in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise CodecError(f"{where} is a dict with non-string keys")
        return {"dict": {k: encode(v, arrays, f"{where}[{k!r}]") for k, v in value.items()}}
    raise CodecError(f"{where} is a {type(value).__name__}; expected numbers, arrays, "
                     "tuples or lists")


def decode(data, arrays):
    """Inverse of :func:`encode`."""
    if data is None or isinstance(data, (bool, str)):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise CodecError(f"malformed encoded value: {str(data)[:80]}")
    if "int" in data:
        return int(data["int"])
    if "float" in data:
        return float(data["float"])
    if "array" in data:
        array = np.asarray(arrays[data["array"]])
        return array[()] if data.get("scalar") else array
    if "tuple" in data:
        return tuple(decode(v, arrays) for v in data["tuple"])
    if "list" in data:
        return [decode(v, arrays) for v in data["list"]]
    if "dict" in data:
        return {k: decode(v, arrays) for k, v in data["dict"].items()}
    raise CodecError(f"malformed encoded value: {str(data)[:80]}")


def save(value, json_path: Path, npz_path: Path) -> None:
    """Write ``value`` to a JSON file and an npz file."""
    arrays: dict = {}
    document = encode(value, arrays)
    np.savez(npz_path, **arrays)
    Path(json_path).write_text(json.dumps(document), encoding="utf-8")


def load(json_path: Path, npz_path: Path):
    """Read a value written by :func:`save` (never unpickles)."""
    document = json.loads(Path(json_path).read_text(encoding="utf-8"))
    with np.load(npz_path, allow_pickle=False) as arrays:
        return decode(document, {k: arrays[k] for k in arrays.files})
