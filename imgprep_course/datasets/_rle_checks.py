"""Input checks and packing behind :mod:`imgprep_course.datasets.masks` (private).

Everything that reaches the kernels of :mod:`~imgprep_course.datasets._rle` and
:mod:`~imgprep_course.datasets._rle_ops` passes through here first: RLE dicts in their
three forms, polygons, image sizes. Errors name the argument (``rles[3]['counts']``)
and the bad value.
"""

from __future__ import annotations

import array
import operator
from itertools import chain
from typing import NamedTuple

import numpy as np

from imgprep_course._validation import as_array
from imgprep_course.datasets import _rle_numpy as _codes
from imgprep_course.datasets._rle_paths import implementation

# Polygon and box coordinates beyond this many pixels from the origin are refused:
# tracing their boundary at 5x scale would take gigabytes.
COORDINATE_LIMIT = 2.0 ** 20


class Runs(NamedTuple):
    """Several RLEs as run lengths (what :func:`unpack` returns).

    RLE ``i`` has size ``sizes[i]`` (height, width) and runs
    ``runs[offsets[i]:offsets[i + 1]]``.
    """

    sizes: np.ndarray  # (N, 2) int64
    runs: np.ndarray  # int64, all RLEs' runs one after another
    offsets: np.ndarray  # (N + 1,) int64


class Counts(NamedTuple):
    """Validated RLEs as counts strings, the form the kernels read (see :func:`read_counts`)."""

    chars: np.ndarray    # uint8, every string one after another
    lengths: np.ndarray  # (N,) int64
    sizes: np.ndarray    # (N, 2) int64
    texts: list          # the strings (bytes, or ASCII str), for error messages
    name: str
    single: bool
    given: dict | None = None  # RLE index -> its uncompressed runs, when not encoded

    def check(self, bad: int, error: int, where: int) -> None:
        """Raise for a kernel's report of a bad string (``bad >= 0``), naming it."""
        if bad >= 0:
            label = self.name if self.single else f"{self.name}[{bad}]"
            text = self.texts[bad]
            _raise_malformed(label, text.encode("ascii") if isinstance(text, str) else text,
                             error, where, self.sizes[bad])


def read_counts(rles, name: str, allow_empty: bool = False,
                encode_given: bool = True) -> Counts:
    """Check one RLE or a list of them and give their counts strings.

    Uncompressed runs are checked here and compressed (or, without ``encode_given``,
    left as they are in :attr:`Counts.given`, their strings empty); compressed strings
    are checked by the kernel that reads them (:meth:`Counts.check` raises for them).
    """
    single = isinstance(rles, dict)
    if single:
        items = [rles]
    elif isinstance(rles, (list, tuple)):
        items = rles
    else:
        raise TypeError(f"{name} must be an RLE dict or a list of them, "
                        f"got {type(rles).__name__}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must hold at least one RLE, got an empty list")

    fast = _json_counts(items, name, single)
    if fast is not None:
        return fast

    def label(i: int) -> str:
        return name if single else f"{name}[{i}]"

    sizes, texts, given_runs = [], [], {}
    for i, rle in enumerate(items):
        if not isinstance(rle, dict) or "size" not in rle or "counts" not in rle:
            raise TypeError(f"{label(i)} must be a dict with 'size' and 'counts', "
                            f"got {_describe(rle)}")
        height, width = _rle_size(rle["size"], label, i)
        sizes.append((height, width))
        counts = rle["counts"]
        if isinstance(counts, str):
            try:
                counts = counts.encode("ascii")
            except UnicodeEncodeError:
                raise ValueError(f"{label(i)}['counts'] is not a compressed RLE: it "
                                 f"holds characters outside '0'..'o': "
                                 f"{counts[:40]!r}") from None
        if isinstance(counts, bytes):
            if not counts:
                raise ValueError(f"{label(i)}['counts'] is empty; an RLE has at least "
                                 f"one run")
            texts.append(counts)
        else:
            given_runs[i] = _uncompressed_runs(counts, label(i), height * width)
            texts.append(b"")
    if given_runs and encode_given:
        chars, starts = _runs_to_chars(*_codes.concatenate(list(given_runs.values())))
        text, bounds = chars.tobytes(), starts.tolist()
        for k, i in enumerate(given_runs):
            texts[i] = text[bounds[k]:bounds[k + 1]]
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    return Counts(np.frombuffer(b"".join(texts), np.uint8), lengths,
                  np.array(sizes, np.int64).reshape(-1, 2), texts, name, single,
                  None if encode_given else given_runs)


def _json_counts(items: list, name: str, single: bool) -> Counts | None:
    """The counts of compressed RLE dicts as JSON gives them (``size`` two ints >= 0,
    ``counts`` a non-empty ASCII string, or all bytes), checked all together; None if
    any is otherwise, for :func:`read_counts`' loop to name it."""
    try:
        if not set(map(type, items)) <= {dict}:
            return None
        sizes = [rle["size"] for rle in items]
        counts = [rle["counts"] for rle in items]
    except KeyError:
        return None
    kinds = set(map(type, counts))
    if not (kinds <= {str} or kinds <= {bytes}) or not set(map(type, sizes)) <= {list} \
            or not set(map(len, sizes)) <= {2} \
            or not set(map(type, chain.from_iterable(sizes))) <= {int}:
        return None
    try:
        chars = "".join(counts).encode("ascii") if kinds == {str} else b"".join(counts)
        shape = np.fromiter(chain.from_iterable(sizes), np.int64, 2 * len(sizes)).reshape(-1, 2)
    except (UnicodeEncodeError, OverflowError):
        return None
    lengths = np.fromiter(map(len, counts), np.int64, len(counts))
    if (lengths == 0).any() or (shape < 0).any():
        return None
    return Counts(np.frombuffer(chars, np.uint8), lengths, shape, counts, name, single)


def read_rles(rles, name: str, allow_empty: bool = False) -> tuple[Runs, bool]:
    """Validate one RLE or a list of them; return their runs and whether it was one.

    A :class:`Runs` (already read) is returned as it is.
    """
    if isinstance(rles, Runs):
        return rles, False
    counts = read_counts(rles, name, allow_empty, encode_given=False)
    parse_counts = implementation("parse_counts", counts.chars.size)
    runs, offsets, *problem = parse_counts(counts.chars, counts.lengths, counts.sizes)
    counts.check(*problem)
    out = Runs(counts.sizes, runs, offsets)
    if counts.given:  # the uncompressed ones, whose strings were left empty
        n, given = len(counts.lengths), counts.given
        rows = np.fromiter(given, np.int64, len(given))
        others = np.setdiff1d(np.arange(n), rows)
        out = join_runs(n, [(others, Runs(counts.sizes[others], *take_runs(runs, offsets,
                                                                           others))),
                            (rows, Runs(counts.sizes[rows],
                                        *_codes.concatenate(list(given.values()))))])
    return out, counts.single


def _uncompressed_runs(counts, label: str, total: int) -> np.ndarray:
    runs = None
    if type(counts) is list and counts:
        # a C loop that refuses what is not an int, as as_array does; the unsigned one
        # (a negative int raises) is three times faster than the signed one
        try:
            runs = np.frombuffer(array.array("Q", counts), np.uint64)
        except (TypeError, OverflowError):
            pass
        if runs is not None and (runs.max() > total or (
                runs.max() <= 1 and bool in set(map(type, counts)))):
            # a run past the size (an error, named below), or bools, which pass as ints
            # here: as_array decides (all bools are refused)
            runs = None
    if runs is not None:  # all in [0, total]: the same values as int64
        runs = runs.view(np.int64)
    else:
        runs = as_array(counts, f"{label}['counts']", ndim=1, kinds="iu")
    if (runs < 0).any():
        raise ValueError(f"{label}['counts'] has a negative run length: "
                         f"{int(runs[runs < 0][0])} at index {int(np.argmax(runs < 0))}")
    covered = int(runs.sum())
    if covered != total:
        raise ValueError(f"{label}['counts'] covers {covered} pixels but its size "
                         f"holds {total}")
    return runs.astype(np.int64, copy=False)


def _raise_malformed(label: str, text: bytes, error: int, where: int, size) -> None:
    what = f"{label}['counts'] is not a valid compressed RLE"
    if error == _codes.BAD_CHARACTER:
        raise ValueError(f"{what}: character {chr(text[where])!r} at position {where} "
                         f"is outside '0'..'o'")
    if error == _codes.TRUNCATED:
        raise ValueError(f"{what}: it ends inside a number (its last character "
                         f"{chr(text[-1])!r} says more follows)")
    if error == _codes.TOO_LONG:
        raise ValueError(f"{what}: the number ending at position {where} has more than "
                         f"12 characters")
    if error == _codes.NEGATIVE_RUN:
        raise ValueError(f"{what}: run {where} decodes to a negative length")
    raise ValueError(f"{what}: its runs cover {where} pixels but size "
                     f"{size.tolist()} holds {int(size.prod())}")


def _rle_size(size, label, i: int) -> tuple[int, int]:
    """``size`` as ``(height, width)``, or an error naming ``label(i)``."""
    try:
        height, width = operator.index(size[0]), operator.index(size[1])
        if len(size) == 2 and height >= 0 and width >= 0:
            return height, width
    except (TypeError, IndexError, KeyError):
        pass
    if not isinstance(size, (list, tuple, np.ndarray)) or len(size) != 2:
        raise ValueError(f"{label(i)}['size'] must be [height, width], got {size!r}")
    try:
        height, width = operator.index(size[0]), operator.index(size[1])
    except TypeError:
        raise TypeError(f"{label(i)}['size'] must hold two ints, got {size!r}") from None
    raise ValueError(f"{label(i)}['size'] must not be negative, got {size!r}")


def image_size(height, width) -> tuple[int, int]:
    out = []
    for value, name in ((height, "height"), (width, "width")):
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an int, got {value!r}") from None
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        out.append(value)
    return out[0], out[1]


def one_size(sizes: np.ndarray, name: str) -> tuple[int, int]:
    if len(sizes) > 1 and (sizes != sizes[0]).any():
        i = int(np.argmax((sizes != sizes[0]).any(axis=1)))
        raise ValueError(f"{name}[{i}] has size {sizes[i].tolist()} but {name}[0] has "
                         f"{sizes[0].tolist()}; all RLEs must have one size")
    return int(sizes[0, 0]), int(sizes[0, 1])


def polygon_xy(polygon, label: str) -> np.ndarray:
    xy = as_array(polygon, label, ndim=(1, 2), kinds="iuf", finite=True)
    if xy.ndim == 1:
        if xy.size % 2:
            raise ValueError(f"{label} must list x, y pairs, got an odd number of "
                             f"coordinates ({xy.size}): {xy.tolist()}; pycocotools reads "
                             f"len // 2 points, dropping the last number, as "
                             f"masks.drop_odd_coordinate does")
        xy = xy.reshape(-1, 2)
    elif xy.shape[1] != 2:
        raise ValueError(f"{label} must have shape (K, 2) or (2K,), got {xy.shape}")
    if xy.shape[0] < 3:
        raise ValueError(f"{label} must have at least 3 points, got {xy.shape[0]}: "
                         f"{xy.ravel().tolist()}")
    xy = xy.astype(np.float64)
    check_coordinates(xy, label)
    return xy


def polygons_xy(polygons, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon checked as by :func:`polygon_xy`, all vertices in one ``(K, 2)``
    float64 array, and ``starts``: polygon ``i`` is ``xy[starts[i]:starts[i + 1]]``.

    Flat lists of numbers (what JSON gives) are checked all together; anything else,
    or a problem, goes polygon by polygon, so that the message names the polygon.
    """
    lengths = np.fromiter(map(len, polygons), np.int64, len(polygons)) \
        if all(type(p) is list for p in polygons) else None
    if lengths is not None and ((lengths % 2 == 0) & (lengths >= 6)).all() \
            and set(map(type, chain.from_iterable(polygons))) <= {int, float}:
        try:
            xy = np.fromiter(chain.from_iterable(polygons), np.float64, int(lengths.sum()))
        except OverflowError:  # an int too large for a float: named below
            xy = np.full(1, np.inf)
        if np.isfinite(xy).all() and not np.abs(xy).max(initial=0) > COORDINATE_LIMIT:
            starts = np.zeros(len(polygons) + 1, np.int64)
            np.cumsum(lengths // 2, out=starts[1:])
            return xy.reshape(-1, 2), starts
    pieces = [polygon_xy(p, f"{name}[{i}]") for i, p in enumerate(polygons)]
    starts = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum([piece.shape[0] for piece in pieces], out=starts[1:])
    return (np.concatenate(pieces) if pieces else np.zeros((0, 2))), starts


def check_coordinates(xy: np.ndarray, label: str) -> None:
    far = np.abs(xy).max()
    if far > COORDINATE_LIMIT:
        raise ValueError(f"{label} has a coordinate {far:g} pixels from the origin; "
                         f"at most {COORDINATE_LIMIT:g} is supported")


def iou_kind(objs, name: str) -> str:
    """'RLEs', 'boxes' or 'empty', for the two forms :func:`iou` accepts."""
    if isinstance(objs, Runs):
        return "RLEs" if objs.sizes.shape[0] else "empty"
    if isinstance(objs, (list, tuple)):
        if not objs:
            return "empty"
        if all(isinstance(obj, dict) for obj in objs):
            return "RLEs"
        if any(isinstance(obj, dict) for obj in objs):
            raise TypeError(f"{name} mixes RLE dicts with other things; give a list of "
                            f"RLE dicts or (N, 4) boxes")
    elif not isinstance(objs, np.ndarray):
        raise TypeError(f"{name} must be a list of RLE dicts or (N, 4) xywh boxes, "
                        f"got {type(objs).__name__}")
    return "empty" if np.size(objs) == 0 else "boxes"


def split(unpacked: Runs) -> list[np.ndarray]:
    offsets = unpacked.offsets
    return [unpacked.runs[offsets[i]:offsets[i + 1]] for i in range(offsets.size - 1)]


def take_runs(runs: np.ndarray, offsets: np.ndarray,
              index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blocks ``index`` of ``runs`` (block ``i`` is ``runs[offsets[i]:offsets[i + 1]]``),
    one after another, and their offsets.

    Examples
    --------
    >>> runs, offsets = take_runs(np.array([1, 2, 3, 4]), np.array([0, 1, 3, 4]),
    ...                           np.array([2, 1]))
    >>> runs.tolist(), offsets.tolist()
    ([4, 2, 3], [0, 1, 3])
    """
    count = offsets[1:][index] - offsets[:-1][index]
    new = np.zeros(index.size + 1, np.int64)
    np.cumsum(count, out=new[1:])
    where = np.arange(new[-1]) + np.repeat(offsets[:-1][index] - new[:-1], count)
    return runs[where], new


def join_runs(n: int, parts: list[tuple[np.ndarray, Runs]]) -> Runs:
    """``n`` RLEs gathered from ``parts``: in a part ``(rows, runs)``, RLE ``j`` of
    ``runs`` becomes RLE ``rows[j]``; every RLE is in exactly one part.

    Examples
    --------
    >>> a = Runs(np.array([[1, 2]]), np.array([0, 2]), np.array([0, 2]))
    >>> b = Runs(np.array([[1, 1], [2, 1]]), np.array([1, 2]), np.array([0, 1, 2]))
    >>> joined = join_runs(3, [(np.array([1]), a), (np.array([0, 2]), b)])
    >>> joined.runs.tolist(), joined.offsets.tolist()
    ([1, 0, 2, 2], [0, 1, 3, 4])
    """
    parts = [(rows, part) for rows, part in parts if len(rows)]
    if len(parts) == 1 and np.array_equal(parts[0][0], np.arange(n)):
        return parts[0][1]
    sizes, lengths = np.zeros((n, 2), np.int64), np.zeros(n, np.int64)
    for rows, part in parts:
        sizes[rows], lengths[rows] = part.sizes, np.diff(part.offsets)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    runs = np.empty(offsets[-1], np.int64)
    for rows, part in parts:
        place = implementation("place_runs", int(part.offsets[-1]))
        place(runs, offsets, rows, part.runs, part.offsets)
    return Runs(sizes, runs, offsets)


def pack(pieces: list[np.ndarray], height: int = 0, width: int = 0,
          sizes: np.ndarray | None = None) -> list[dict]:
    """Compressed RLE dicts for run arrays, all of ``height, width`` unless ``sizes``."""
    return pack_runs(*_codes.concatenate(pieces), height, width, sizes)


def pack_runs(runs: np.ndarray, offsets: np.ndarray, height: int = 0, width: int = 0,
              sizes: np.ndarray | None = None) -> list[dict]:
    """Compressed RLE dicts for ``runs[offsets[i]:offsets[i + 1]]``, each ``i`` (as
    :func:`pack`)."""
    chars, starts = _runs_to_chars(runs, offsets)
    return rle_dicts(chars, starts, [[height, width]] * (offsets.size - 1) if sizes is None
                     else sizes.tolist())


def _runs_to_chars(runs: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return implementation("runs_to_chars", runs.size)(runs, offsets)


def rle_dicts(chars: np.ndarray, starts: np.ndarray, sizes: list) -> list[dict]:
    """RLE dicts for the counts strings ``chars[starts[i]:starts[i + 1]]``."""
    text = chars.tobytes()
    bounds = starts.tolist()
    return [{"size": list(size), "counts": text[bounds[i]:bounds[i + 1]]}
            for i, size in enumerate(sizes)]


def raise_not_binary(stack: np.ndarray, single: bool) -> None:
    wrong = (stack != 0) & (stack != 1)
    i = int(np.argmax(wrong.any(axis=(0, 1))))
    where = "mask" if single else f"mask[:, :, {i}]"
    raise ValueError(f"{where} must hold only 0 and 1 (or be bool), found "
                     f"{np.unique(stack[:, :, i][wrong[:, :, i]])[:5].tolist()}")


def _describe(value) -> str:
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    return type(value).__name__
