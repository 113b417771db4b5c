"""Carry function arguments and results between processes without pickle.

Values are encoded as JSON with the arrays stored beside it in ``.npz`` bytes (read
back with ``allow_pickle=False``, after checking every array's declared size against a
cap). Supported: None, bool, int, float, str, numpy scalars and arrays of numbers or
booleans, one-pass streams of arrays (:class:`~imgprep_course.exercises._batches.Batches`,
the input of exercise 1.3), and tuples, lists and str-keyed dicts of those, nested at
most :data:`MAX_DEPTH` deep. Anything else is refused with a message.

On the wire, :func:`pack` turns a value into one *frame* (bytes), and
a stream of frames holds each preceded by its 8-byte length (:func:`read_frames`).

This module imports only the standard library, numpy and the leaf module
``exercises/_batches.py``: the grader's child process loads it by file path, without
importing ``imgprep_course``, and then it loads ``_batches.py`` by its path too.
"""

from __future__ import annotations

import importlib.util
import io
import json
import struct
import threading
import zipfile
from pathlib import Path

import numpy as np

#: Where the stream class lives, for a codec loaded by file path.
BATCHES_PATH = Path(__file__).resolve().parent.parent / "exercises" / "_batches.py"


def _load_batches_by_path():
    """``exercises/_batches.py`` loaded from :data:`BATCHES_PATH`, not imported."""
    spec = importlib.util.spec_from_file_location("_imgprep__batches", BATCHES_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__.startswith("imgprep_course."):  # imported as part of the package
    from imgprep_course.exercises import _batches
else:  # loaded by file path in the grader's worker, where imgprep_course is refused
    _batches = _load_batches_by_path()

#: How deep tuples, lists and dicts may nest.
MAX_DEPTH = 16
_LENGTH = struct.Struct(">Q")
#: Held while numpy reads ``.npy`` headers, which it parses with ``ast.literal_eval``:
#: CPython 3.11 keeps the AST constructor's recursion depth in state that all threads
#: share, and two threads building ASTs at once may fail with "SystemError: AST
#: constructor recursion depth mismatch" (CPython gh-106905). The grader reads the
#: frames of several answers at once, one thread each.
_HEADER_LOCK = threading.Lock()


class CodecError(TypeError):
    """A value cannot be carried between processes."""


def encode(value, arrays: dict, where: str = "value", depth: int = 0):
    """Return a JSON-able form of ``value``; arrays go into ``arrays`` under new keys."""
    if depth > MAX_DEPTH:
        raise CodecError(f"{where} is nested more than {MAX_DEPTH} levels deep")
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
    if isinstance(value, _batches.Batches):
        return {"batches": [encode(a, arrays, f"batch {i} of {where}", depth + 1)
                            for i, a in enumerate(_batches.contents(value))]}
    if isinstance(value, (tuple, list)):
        items = [encode(v, arrays, f"item {i} of {where}", depth + 1)
                 for i, v in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise CodecError(f"{where} is a dict with non-string keys")
        return {"dict": {k: encode(v, arrays, f"{where}[{k!r}]", depth + 1)
                         for k, v in value.items()}}
    raise CodecError(f"{where} is a {type(value).__name__}; expected numbers, arrays, "
                     "streams of arrays, tuples or lists")


def decode(data, arrays, depth: int = 0):
    """Inverse of :func:`encode`; refuses anything :func:`encode` cannot produce."""
    if data is None or isinstance(data, (bool, str)):
        return data
    if depth > MAX_DEPTH or not isinstance(data, dict) or len(data) not in (1, 2):
        raise CodecError(f"malformed encoded value: {str(data)[:80]}")
    kind, content = next(iter(data.items()))
    if kind == "int" and isinstance(content, str):
        return int(content)
    if kind == "float" and isinstance(content, str):
        return float(content)
    if kind == "array" and content in arrays:
        array = arrays[content]
        return array[()] if data.get("scalar") is True else array
    if kind in ("tuple", "list") and isinstance(content, list):
        items = [decode(v, arrays, depth + 1) for v in content]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(content, dict):
        return {str(k): decode(v, arrays, depth + 1) for k, v in content.items()}
    if kind == "batches" and isinstance(content, list) and len(data) == 1 and all(
            isinstance(v, dict) and v.keys() == {"array", "scalar"} and v["scalar"] is False
            and v["array"] in arrays and arrays[v["array"]].ndim > 0 for v in content):
        return _batches.Batches([arrays[v["array"]] for v in content])
    raise CodecError(f"malformed encoded value: {str(data)[:80]}")


def pack(value) -> bytes:
    """One frame holding ``value``: its JSON's length, the JSON, then ``.npz`` bytes.

    Examples
    --------
    >>> value = {"outcome": "returned", "value": (np.arange(3), 2.5, None)}
    >>> unpack(pack(value))
    {'outcome': 'returned', 'value': (array([0, 1, 2]), 2.5, None)}
    """
    arrays: dict = {}
    document = json.dumps(encode(value, arrays)).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return _LENGTH.pack(len(document)) + document + buffer.getvalue()


def unpack(frame: bytes, max_bytes: int = 1 << 30):
    """Inverse of :func:`pack`. Never unpickles; arrays may hold at most ``max_bytes``.

    Raises :class:`CodecError` for anything malformed or too large.
    """
    try:
        (size,) = _LENGTH.unpack_from(frame)
        document = json.loads(frame[_LENGTH.size:_LENGTH.size + size].decode("utf-8"))
        arrays = _load_arrays(frame[_LENGTH.size + size:], max_bytes)
        return decode(document, arrays)
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, OSError, RecursionError, struct.error,
            zipfile.BadZipFile) as error:
        raise CodecError(f"malformed frame: {type(error).__name__}: {error}"[:300]) from None


def _load_arrays(data: bytes, max_bytes: int) -> dict:
    """The arrays of ``.npz`` bytes, after checking each ``.npy`` header's size: members
    must be stored uncompressed (nothing inflates) and hold the bytes they declare."""
    with _HEADER_LOCK:
        return _checked_arrays(data, max_bytes)


def _checked_arrays(data: bytes, max_bytes: int) -> dict:
    """:func:`_load_arrays` for the thread that holds the header lock."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise CodecError(f"array {info.filename} is compressed")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    raise CodecError(f"array {info.filename} has .npy version {version}")
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member, max_header_size=10_000)
            if dtype.hasobject or dtype.kind not in "biuf":
                raise CodecError(f"array {info.filename} has dtype {dtype}")
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if size > info.file_size:
                raise CodecError(f"array {info.filename} declares more bytes than it holds")
            total += size
            if total > max_bytes:
                raise CodecError(f"the arrays hold more than {max_bytes} bytes")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def read_frames(data: bytes, max_bytes: int = 1 << 30) -> list:
    """Every complete frame in ``data`` (a truncated last frame is dropped), unpacked;
    the arrays of all frames together may hold at most ``max_bytes``.

    A frame that cannot be unpacked becomes the :class:`CodecError` that says why.

    Examples
    --------
    >>> frames = [pack(1), pack([np.float32(2)])]
    >>> data = b"".join(_LENGTH.pack(len(f)) + f for f in frames)
    >>> read_frames(data)
    [1, [np.float32(2.0)]]
    >>> read_frames(data[:-3])
    [1]
    """
    values, position, budget = [], 0, max_bytes
    while position + _LENGTH.size <= len(data):
        (size,) = _LENGTH.unpack_from(data, position)
        start, position = position + _LENGTH.size, position + _LENGTH.size + size
        if position > len(data):
            break
        try:
            values.append(unpack(data[start:position], budget))
            budget -= size  # an upper bound of what its arrays hold
        except CodecError as error:
            values.append(error)
    return values
