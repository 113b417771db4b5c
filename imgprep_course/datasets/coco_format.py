"""COCO JSON read and checked in one place, for the index and for the evaluator.

:class:`~imgprep_course.datasets.coco.COCO` (the index) and
:func:`~imgprep_course.metrics.evaluate_coco` (the evaluator) read the same files
through this module, so a broken file gets the same message from both. A message
names the file (or ``<dict>`` for loaded content), the record (its list, index and id)
and the field::

    instances.json: annotations[6] (id 7) has 'bbox' [3, 4, -2, 5]; it must be
    [x, y, width, height] with width, height >= 0

Numbers must be numbers: ``"score": "0.9"``, ``"area": "100"``, ``"bbox": ["0", ...]``
and ``true`` are refused (a ``TypeError`` naming the field), as are NaN and infinity
(a ``ValueError``). Ids are integers or, as pycocotools accepts them, floats equal to
an integer (``1.0``); strings are ids too, in the evaluator, when all ids are strings.

Files are parsed with orjson (several times faster than :mod:`json` on COCO's large
files), with the garbage collector paused (see :func:`collector_paused`); a file that
orjson refuses is parsed again with :mod:`json`, which names the line and column of the
problem and, like pycocotools, reads ``NaN`` and ``Infinity``.
"""

from __future__ import annotations

import gc
import json
import os
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import orjson

__all__ = ["load_json", "collector_paused", "record_label", "column", "ids_of", "numbers",
           "boxes_of", "flags_of", "positions", "validate_instances"]

_MISSING = object()
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def load_json(path: str | os.PathLike) -> Any:
    """Read a JSON file; a malformed file gives a ``ValueError`` naming file, line and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "instances.json"
    >>> _ = bad.write_text('{"images": [1, 2 3]}')
    >>> load_json(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../instances.json is not valid JSON: line 1, column 18: Expecting ',' delimiter
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        with collector_paused():
            return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        with collector_paused():
            return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: it is not UTF-8 text ({error})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: line {error.lineno}, column "
                         f"{error.colno}: {error.msg}") from None


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector inside the block (if it was running).

    Parsing a large JSON file builds hundreds of thousands of dicts and lists, and every
    700 new ones start a collection that walks those built so far: paused, orjson reads
    the 100,000 results of ``benchmarks/coco_eval.py`` in half the time (57 instead of
    115 ms). JSON holds no reference cycles, so nothing waits to be collected; the
    collector runs again afterwards as before.

    Examples
    --------
    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def record_label(source: str | None, key: str, i: int, record=None) -> str:
    """How messages name a record: ``instances.json: annotations[3] (id 17)``.

    Examples
    --------
    >>> record_label("gt.json", "annotations", 3, {"id": 17})
    'gt.json: annotations[3] (id 17)'
    >>> record_label(None, "results", 0, {"score": 1})
    'results[0]'
    """
    where = f"{key}[{i}]" if source is None else f"{source}: {key}[{i}]"
    if isinstance(record, dict) and "id" in record:
        where += f" (id {record['id']!r})"
    return where


def column(records: list, key: str, source: str | None, name: str,
           default=_MISSING) -> list:
    """``[record[key] for record in records]``, or an error naming the first bad record.

    Records must be dicts; without ``default`` each must have ``key``.

    Examples
    --------
    >>> column([{"id": 1}, {"id": 2}], "id", None, "images")
    [1, 2]
    >>> column([{"id": 1}, {"name": "x"}], "id", "gt.json", "images")
    Traceback (most recent call last):
    ...
    ValueError: gt.json: images[1] has no 'id' (it has ['name'])
    """
    try:
        if default is _MISSING:
            return [r[key] for r in records]
        return [r.get(key, default) for r in records]
    except (KeyError, TypeError, AttributeError):
        for i, r in enumerate(records):
            if not isinstance(r, dict):
                raise TypeError(f"{record_label(source, name, i)} must be a JSON object, got "
                                f"{type(r).__name__}") from None
            if key not in r:
                raise ValueError(f"{record_label(source, name, i, r)} has no {key!r} (it has "
                                 f"{sorted(map(str, r))})") from None
        raise


def refuse_first(bad: np.ndarray, records: list, source: str | None, name: str,
                 problem) -> None:
    """Raise a ``ValueError`` about the first record where ``bad`` is true, if any;
    ``problem(i)`` says what is wrong with record ``i`` (after its label)."""
    rows = np.flatnonzero(bad)
    if rows.size:
        i = int(rows[0])
        raise ValueError(f"{record_label(source, name, i, records[i])} {problem(i)}")


def _first_bad(values: list, good) -> int:
    return next(i for i, v in enumerate(values) if not good(v))


def _is_number(value) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, (bool, np.bool_))


def _all_numbers(values) -> bool:
    """Whether every value is an int or float (bools and strings are not), quickly."""
    return all(issubclass(t, _NUMBER_TYPES) and not issubclass(t, (bool, np.bool_))
               for t in set(map(type, values)))


def numbers(values: list, records: list, source: str | None, name: str, field: str,
            minimum: float | None = None) -> np.ndarray:
    """The field's values as float64, each a finite number (``>= minimum`` when given).

    Examples
    --------
    >>> numbers([1, 2.5], [{}, {}], None, "results", "score").tolist()
    [1.0, 2.5]
    >>> numbers([1, "0.9"], [{}, {}], "dt.json", "results", "score")
    Traceback (most recent call last):
    ...
    TypeError: dt.json: results[1] has 'score' '0.9'; it must be a number
    """
    if not _all_numbers(values):
        i = _first_bad(values, _is_number)
        raise TypeError(f"{record_label(source, name, i, records[i])} has {field!r} "
                        f"{values[i]!r}; it must be a number")
    array = np.asarray(values, dtype=np.float64).reshape(len(values))
    rule = "a finite number" if minimum is None else f"a finite number >= {minimum:g}"
    refuse_first(~np.isfinite(array) | (False if minimum is None else array < minimum),
                 records, source, name, lambda i: f"has {field!r} {values[i]!r}; it must be "
                                                  f"{rule}")
    return array


def ids_of(values: list, records: list, source: str | None, name: str, field: str = "id",
           strings: bool = False) -> np.ndarray:
    """Ids as int64: integers, or floats equal to an integer (``1.0``, as pycocotools
    takes them). With ``strings``, a column of strings only is accepted as well.

    Examples
    --------
    >>> ids_of([3, 1.0], [{}, {}], None, "images").tolist()
    [3, 1]
    >>> ids_of([3, 1.5], [{}, {}], None, "images")
    Traceback (most recent call last):
    ...
    TypeError: images[1] has 'id' 1.5; ids must be integers
    """
    if strings and values and all(isinstance(v, str) for v in values):
        return np.asarray(values)

    def integral(v) -> bool:
        return _is_number(v) and float(v).is_integer() and -2 ** 63 <= v < 2 ** 63

    if set(map(type, values)) <= {int}:  # JSON integers: the fast path
        try:
            return np.array(values, dtype=np.int64).reshape(len(values))
        except OverflowError:
            pass
    if not _all_numbers(values) or not all(map(integral, values)):
        i = _first_bad(values, integral)
        raise TypeError(f"{record_label(source, name, i, records[i])} has {field!r} "
                        f"{values[i]!r}; ids must be integers")
    return np.asarray(values).astype(np.int64).reshape(len(values))


def unique(ids: np.ndarray, records: list, source: str | None, name: str) -> np.ndarray:
    """``ids`` sorted; a repeated id raises, naming both records."""
    order = np.argsort(ids, kind="stable")
    same = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if same.size:
        first, again = int(order[same[0]]), int(order[same[0] + 1])
        raise ValueError(f"{record_label(source, name, again)} repeats id {ids[again].item()!r} "
                         f"(first at {record_label(source, name, first)})")
    return ids[order]


def positions(values: np.ndarray, known: np.ndarray, records: list, source: str | None,
              name: str, field: str, what: str) -> np.ndarray:
    """Where each id of ``values`` is in the sorted ``known`` ids; an unknown one raises."""
    if values.size == 0:
        return np.zeros(0, np.int64)
    if (values.dtype.kind == "U") != (known.dtype.kind == "U") and known.size:
        i = 0
    else:
        index = np.minimum(np.searchsorted(known, values), max(known.size - 1, 0))
        unknown = (np.flatnonzero(known[index] != values) if known.size
                   else np.arange(values.size))
        if not unknown.size:
            return index
        i = int(unknown[0])
    raise ValueError(f"{record_label(source, name, i, records[i])} has {field!r} "
                     f"{values[i].item()!r}, which is not among the {what} ids")


def boxes_of(values: list, records: list, source: str | None, name: str) -> np.ndarray:
    """``bbox`` fields as an ``(N, 4)`` float64 array of finite numbers, no negative size."""
    def four(v) -> bool:
        return isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) == 1 and len(v) == 4

    def good(v) -> bool:
        return four(v) and all(map(_is_number, v))

    # JSON gives lists: checking their types and lengths as sets is the fast path
    shape_ok = (set(map(type, values)) <= {list} and set(map(len, values)) <= {4}) \
        or all(map(four, values))
    if not shape_ok or not _all_numbers(chain.from_iterable(values)):
        i = _first_bad(values, good)
        error = TypeError if shape_ok else ValueError
        raise error(f"{record_label(source, name, i, records[i])} has 'bbox' {values[i]!r}; "
                    f"it must be [x, y, width, height], four numbers")
    # numbers only, four each (checked above): read flat, twice as fast as asarray
    array = np.fromiter(chain.from_iterable(values), np.float64,
                        4 * len(values)).reshape(len(values), 4)
    refuse_first(~np.isfinite(array).all(axis=1) | (array[:, 2:] < 0).any(axis=1), records,
                 source, name, lambda i: f"has 'bbox' {values[i]!r}: a negative width or "
                                         f"height, or a number that is not finite")
    return array


def flags_of(values: list, records: list, source: str | None, name: str,
             field: str = "iscrowd") -> np.ndarray:
    """A 0/1 field (``iscrowd``) as bool; ``true``/``false`` are refused, as elsewhere."""
    if not all(type(v) is int and v in (0, 1) for v in values):
        i = _first_bad(values, lambda v: type(v) is int and v in (0, 1))
        raise ValueError(f"{record_label(source, name, i, records[i])} has {field!r} "
                         f"{values[i]!r}; it must be 0 or 1")
    return np.asarray(values, dtype=bool).reshape(len(values))


def records_of(data: dict, key: str, source: str | None, required: bool = True) -> list:
    """``data[key]``, which must be a list."""
    where = "<dict>" if source is None else source
    if key not in data:
        if required:
            raise ValueError(f"{where} has no {key!r} list")
        return []
    if not isinstance(data[key], list):
        raise ValueError(f"{where}: {key!r} must be a list, got {type(data[key]).__name__}")
    return data[key]


# ------------------------------------------------------------- the index's checks
def validate_instances(dataset, source: str) -> None:
    """Check a COCO instances or captions file as :class:`~imgprep_course.datasets.COCO`
    loads it: every image with id, file_name, height and width; every category with id
    and name; every annotation with id and a known image_id, and either a caption or
    category_id, bbox, area and iscrowd; cheap segmentation checks.

    Examples
    --------
    >>> validate_instances({"images": [{"id": 1, "file_name": "a", "height": 2,
    ...                                 "width": "2"}]}, "x.json")
    Traceback (most recent call last):
    ...
    ValueError: x.json: images[0] (id 1) has 'width' '2'; it must be a positive integer
    """
    if not isinstance(dataset, dict):
        raise ValueError(f"{source}: the top level must be a JSON object, "
                         f"got {type(dataset).__name__}")
    images = records_of(dataset, "images", source)
    categories = records_of(dataset, "categories", source, required=False)
    annotations = records_of(dataset, "annotations", source, required=False)
    for key in ("file_name", "height", "width"):
        column(images, key, source, "images")
    for key in ("height", "width"):
        for i, (img, value) in enumerate(zip(images, column(images, key, source, "images"))):
            if type(value) is not int or value <= 0:
                raise ValueError(f"{record_label(source, 'images', i, img)} has {key!r} "
                                 f"{value!r}; it must be a positive integer")
    image_ids = _checked_ids(images, source, "images")
    column(categories, "name", source, "categories")
    category_ids = _checked_ids(categories, source, "categories")
    _checked_ids(annotations, source, "annotations")
    positions(_ids_as_values(annotations, source, "image_id"), image_ids, annotations,
              source, "annotations", "image_id", "image")
    instances = [i for i, ann in enumerate(annotations) if "caption" not in ann]
    for i in set(range(len(annotations))) - set(instances):
        if not isinstance(annotations[i]["caption"], str):
            raise ValueError(f"{record_label(source, 'annotations', i, annotations[i])} "
                             f"has a 'caption' that is not a string")
    anns = [annotations[i] for i in instances]
    for key in ("category_id", "bbox", "area", "iscrowd"):
        column(anns, key, source, "annotations")
    try:
        positions(_ids_as_values(anns, source, "category_id"), category_ids, anns, source,
                  "annotations", "category_id", "category")
        flags_of(column(anns, "iscrowd", source, "annotations"), anns, source, "annotations")
        numbers(column(anns, "area", source, "annotations"), anns, source, "annotations",
                "area", minimum=0)
        boxes_of(column(anns, "bbox", source, "annotations"), anns, source, "annotations")
    except (ValueError, TypeError) as error:  # name the record by its place in the file
        raise ValueError(_renumber(str(error), source, instances)) from None
    sizes = {img["id"]: (img["height"], img["width"]) for img in images}
    for i in instances:
        ann = annotations[i]
        if "segmentation" in ann:
            _check_segmentation(ann["segmentation"], sizes[ann["image_id"]],
                                record_label(source, "annotations", i, ann))


def _checked_ids(records: list, source: str, name: str) -> np.ndarray:
    try:
        ids = ids_of(column(records, "id", source, name), records, source, name)
    except TypeError as error:
        raise ValueError(str(error)) from None
    unique(ids, records, source, name)
    return np.unique(ids)


def _ids_as_values(records: list, source: str, field: str) -> np.ndarray:
    try:
        return ids_of(column(records, field, source, "annotations"), records, source,
                      "annotations", field)
    except TypeError as error:
        raise ValueError(str(error)) from None


def _renumber(message: str, source: str, instances: list[int]) -> str:
    """A message about ``annotations[k]`` of the instance annotations, with k's index in
    the whole list."""
    prefix = f"{source}: annotations["
    if not message.startswith(prefix):
        return message
    k, rest = message[len(prefix):].split("]", 1)
    return f"{prefix}{instances[int(k)]}]{rest}"


def _check_segmentation(segm, size: tuple, where: str) -> None:
    """Polygons need 3+ points (an odd last number is dropped, as pycocotools does); an
    RLE needs a size matching its image (pycocotools' ``annToRLE`` would return it at
    its own size, which no mask of the image's size can match).

    Cheap checks only, so loading stays fast on the real files: the coordinates and the
    counts themselves are checked by :mod:`~imgprep_course.datasets.masks` when a mask
    is made.
    """
    if isinstance(segm, list):
        for k, polygon in enumerate(segm):
            if not isinstance(polygon, list):
                raise ValueError(f"{where} segmentation[{k}] must be a list of numbers "
                                 f"x1, y1, x2, y2, ..., got {type(polygon).__name__}")
            if len(polygon) < 6:   # an odd last number is dropped, as by pycocotools
                raise ValueError(f"{where} segmentation[{k}] has {len(polygon)} numbers; a "
                                 f"polygon needs at least 6 (three points)")
        return
    if not isinstance(segm, dict):
        raise ValueError(f"{where} has 'segmentation' of type {type(segm).__name__}; it "
                         f"must be a list of polygons or an RLE dict")
    missing = [key for key in ("size", "counts") if key not in segm]
    if missing:
        raise ValueError(f"{where} segmentation has no {', '.join(map(repr, missing))} "
                         f"(it has {sorted(map(str, segm))})")
    if not isinstance(segm["size"], (list, tuple)) or list(segm["size"]) != list(size):
        raise ValueError(f"{where} has an RLE of size {segm['size']!r}, but its image is "
                         f"[height, width] = {list(size)} (pycocotools would keep the RLE at "
                         f"its own size, where no mask of the image can match it)")
    if not isinstance(segm["counts"], (list, str, bytes)):
        raise ValueError(f"{where} has RLE counts of type {type(segm['counts']).__name__}; "
                         f"they must be a list of run lengths or a compressed string")
