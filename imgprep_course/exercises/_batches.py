"""A dataset read one batch at a time, in one pass: the input of exercise 1.3.

:class:`Batches` stands for a data loader reading from disk. ``len()`` is its number of
batches; iterating yields a fresh copy of each batch in turn, once. A second pass,
indexing, and keeping the data while reading it are refused with a
:class:`OnePassError` that says why: a streaming answer keeps running totals, not the
batches.

Keeping is measured with :mod:`tracemalloc` (numpy reports its data buffers to it):
each time the next batch is asked for, the memory allocated since the pass began and
still held may be at most :data:`HELD_COPIES` float64 copies of the largest batch (or
:data:`MIN_ALLOWANCE`, for tiny batches). A one-pass answer holds the batch it is on, a
float64 copy or two and its totals; a list of the batches, or a concatenation, grows
with every batch read.

This module imports only the standard library and numpy: the grader's worker loads it
by file path (through :mod:`imgprep_course.grading._codec`), without importing
``imgprep_course``.
"""

from __future__ import annotations

import contextlib
import tracemalloc
from typing import Iterable, Iterator

import numpy as np

#: How many float64 copies of its largest batch a pass may hold when it asks for a batch.
HELD_COPIES = 8
#: What a pass may always hold, whatever the batch size: room for the interpreter's own
#: bookkeeping, so small streams are never refused.
MIN_ALLOWANCE = 1 << 20


class OnePassError(RuntimeError):
    """A :class:`Batches` was read twice, indexed, or kept while being read."""


#: The passes under way, and whether this module started tracemalloc for them.
_TRACING = {"passes": 0, "ours": False}


@contextlib.contextmanager
def _traced() -> Iterator[None]:
    """Trace allocations during a pass: start tracemalloc unless it is running, and stop
    it when the last pass that needed it ends."""
    if not tracemalloc.is_tracing():
        tracemalloc.start()
        _TRACING["ours"] = True
    _TRACING["passes"] += 1
    try:
        yield
    finally:
        _TRACING["passes"] -= 1
        if _TRACING["passes"] == 0 and _TRACING["ours"]:
            _TRACING["ours"] = False
            tracemalloc.stop()


class Batches:
    """A dataset read one batch at a time, in one pass, like a data loader.

    Parameters
    ----------
    batches : iterable of ndarray
        The batches, arrays of numbers or booleans of at least one dimension. They are
        copied (read-only) when the stream is made.

    Examples
    --------
    >>> stream = Batches([np.zeros((2, 3, 3, 1), np.float32), np.ones((1, 3, 3, 1), np.float32)])
    >>> stream
    Batches(2 batches, shapes (2, 3, 3, 1), (1, 3, 3, 1), dtype float32, values 0 to 1; one pass)
    >>> len(stream), [batch.shape[0] for batch in stream]
    (2, [2, 1])
    >>> list(stream)
    Traceback (most recent call last):
    ...
    imgprep_course.exercises._batches.OnePassError: batches can be read once: one pass \
(a for loop over it) must compute everything, like a data loader reading from disk
    """

    def __init__(self, batches: Iterable[np.ndarray]):
        arrays = []
        for index, batch in enumerate(batches):
            if not isinstance(batch, np.ndarray) or batch.dtype.kind not in "biuf" \
                    or batch.ndim == 0:
                raise TypeError(f"batches[{index}] must be an array of numbers of at least "
                                f"one dimension, got {_kind_of(batch)}")
            copy = batch.copy()
            copy.flags.writeable = False
            arrays.append(copy)
        self._arrays = tuple(arrays)
        self._read = False

    def __len__(self) -> int:
        return len(self._arrays)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._read:
            raise OnePassError("batches can be read once: one pass (a for loop over it) "
                               "must compute everything, like a data loader reading "
                               "from disk")
        self._read = True
        return self._pass()

    def __getitem__(self, index):
        raise OnePassError("batches cannot be indexed, as batches[i] and "
                           "np.concatenate(batches) do: it is a stream, read one batch at a "
                           "time by one pass (a for loop over it); keep running totals, not "
                           "the batches")

    def __eq__(self, other) -> bool:
        """Two streams are equal when they hold the same batches (comparing reads neither)."""
        if not isinstance(other, Batches):
            return NotImplemented
        return len(self) == len(other) and all(
            a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(self._arrays, other._arrays))

    __hash__ = None  # equal by content, like a list

    def __deepcopy__(self, memo) -> Batches:
        """A fresh, unread stream of the same batches (they are read-only: shared)."""
        fresh = object.__new__(Batches)
        fresh._arrays, fresh._read = self._arrays, False
        return fresh

    def __repr__(self) -> str:
        shapes = [a.shape for a in self._arrays]
        count = f"{len(shapes)} batch{'' if len(shapes) == 1 else 'es'}"
        if not shapes:
            return f"Batches({count}; one pass)"
        if len(set(shapes)) == 1:
            shape = f"each of shape {shapes[0]}"
        elif len(shapes) <= 4:
            shape = "shapes " + ", ".join(map(str, shapes))
        elif len({len(s) for s in shapes}) == 1:
            sides = [(min(s), max(s)) for s in zip(*shapes)]
            shape = "shapes (" + ", ".join(str(lo) if lo == hi else f"{lo} to {hi}"
                                           for lo, hi in sides) + ")"
        else:
            shape = f"{len({len(s) for s in shapes})} different numbers of dimensions"
        dtypes = ", ".join(dict.fromkeys(a.dtype.name for a in self._arrays))
        sized = [a for a in self._arrays if a.size]
        values = (f", values {_short(min(a.min() for a in sized))} to "
                  f"{_short(max(a.max() for a in sized))}") if sized else ""
        return (f"Batches({count}, {shape}, dtype{'s' if ',' in dtypes else ''} {dtypes}"
                f"{values}; one pass)")

    def _allowance(self) -> int:
        """The bytes a pass may hold: :data:`HELD_COPIES` float64 copies of the largest
        batch, at least :data:`MIN_ALLOWANCE`."""
        largest = max((a.size for a in self._arrays), default=0)
        return max(HELD_COPIES * 8 * largest, MIN_ALLOWANCE)

    def _pass(self) -> Iterator[np.ndarray]:
        allowance = self._allowance()
        with _traced():
            sentinel = bytearray(64)  # traced from now on, unless tracing is reset
            start = tracemalloc.get_traced_memory()[0]
            for index, batch in enumerate(self._arrays):
                self._check(start, sentinel, allowance, index)
                yield batch.copy()
            self._check(start, sentinel, allowance, len(self._arrays))

    def _check(self, start: int, sentinel: bytearray, allowance: int, read: int) -> None:
        """Refuse to go on when tracing was reset or more than ``allowance`` bytes
        allocated since ``start`` are still held, after ``read`` batches."""
        if not tracemalloc.is_tracing() or tracemalloc.get_object_traceback(sentinel) is None:
            raise OnePassError("tracemalloc was stopped or reset while batches was being "
                               "read: the check uses it to measure the memory your function "
                               "holds, so leave tracemalloc alone")
        held = tracemalloc.get_traced_memory()[0] - start
        if held > allowance:
            size = sum(a.nbytes for a in self._arrays[:read]) / max(read, 1)
            raise OnePassError(
                f"after reading {read} of {len(self)} batches your function holds "
                f"{held / 2**20:.1f} MiB, as much as {held / max(size, 1):.0f} batches "
                f"(at most {HELD_COPIES} float64 copies of one are allowed): one pass keeps "
                "running totals per channel (count, mean, M2) and lets each batch go; "
                "no list of batches, no concatenate")


def contents(stream: Batches) -> tuple[np.ndarray, ...]:
    """The read-only batches ``stream`` holds, without reading it (for the grader's codec,
    which carries a stream to the answer's process).

    Examples
    --------
    >>> [a.shape for a in contents(Batches([np.zeros((1, 2)), np.zeros((3, 2))]))]
    [(1, 2), (3, 2)]
    """
    return stream._arrays


def _short(value) -> str:
    """A number with at most 4 decimals: ``10000.0527``, ``0.0001``, ``255``."""
    return np.format_float_positional(float(value), precision=4, trim="-")


def _kind_of(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return f"a {type(value).__name__}"
