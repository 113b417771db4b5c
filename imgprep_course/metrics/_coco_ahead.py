"""A COCO results file read by a child process while this one reads the ground truth
(private; the ``coco-eval`` command's).

Parsing a results file and gathering its columns is Python work, which one process does
on one core at a time. So ``coco-eval`` forks, on Linux, before it reads anything: the
child parses the results and checks them as far as
:func:`~imgprep_course.metrics._coco_read.result_columns` goes (the same code the
evaluation runs in one process), sends the arrays through a pipe and exits; the parent
meanwhile reads the ground truth. For ``segm`` the child also turns the counts strings
into runs and areas (the parent would do it next, while the child had finished long
before): the runs, a hundred megabytes and more, go into an anonymous file in memory
(``memfd``) that the parent maps, so that they are neither copied through the pipe nor
faulted in twice. Where numba's cache holds the parsing kernel, the parent imports numba
and readies its typing before it forks, so that the two processes pay for that once
(both use kernels) and the child starts its parse at once. Anything else (results
without boxes for ``bbox``, not all RLE dicts for ``segm``; a problem the checks report,
a bad counts string among them; a child that fails or cannot start) and the parent reads
the file itself, as without the child, so that every number and every message is the
same.
"""

from __future__ import annotations

import mmap
import os
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

from imgprep_course._jit import prepare_numba
from imgprep_course.datasets import coco_format as fmt
from imgprep_course.datasets import masks
from imgprep_course.datasets._rle_paths import in_numba_cache
from imgprep_course.metrics._coco_read import parsed_rles, result_columns

#: The last bytes the child sends: all arrays arrived whole.
_DONE = b"columns sent"


class ResultsAhead:
    """``path``'s results for an ``iou_type`` evaluation, read in a child process from
    now on (see the module).

    Examples
    --------
    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "dt.json"
    >>> _ = path.write_text(json.dumps([{"image_id": 1, "category_id": 2, "score": .5,
    ...                                  "segmentation": {"size": [1, 2], "counts": "11"}}]))
    >>> kind, images, categories, scores, sizes, offsets, areas, runs = ResultsAhead(
    ...     path, "segm").columns()
    >>> kind, images.tolist(), scores.tolist(), runs.tolist(), areas.tolist()
    ('runs', [1], [0.5], [1, 1], [1.0])
    """

    def __init__(self, path: str | os.PathLike, iou_type: str) -> None:
        self.path = Path(path)
        self._pid = self._pipe = self._runs_file = None
        if not (hasattr(os, "fork") and sys.platform.startswith("linux")):
            return   # macOS's system libraries are not safe to use in a forked child
        if iou_type == "segm":
            self._runs_file = _memory_file()
            if in_numba_cache("parse_counts"):   # the kernels parse: numba is loaded
                prepare_numba()                   # once, for both processes
        read, write = os.pipe()
        try:
            with warnings.catch_warnings():   # 3.12+: "fork() may lead to deadlocks": the
                warnings.simplefilter("ignore", DeprecationWarning)   # child only reads,
                pid = os.fork()                                       # computes, writes
        except OSError:   # no process to spare: the parent reads the file
            os.close(read)
            os.close(write)
            self._close_runs_file()
            return
        if pid == 0:
            os.close(read)
            try:
                with os.fdopen(write, "wb") as out:
                    columns = result_columns(fmt.load_json(self.path), str(self.path),
                                             iou_type)
                    if columns is not None and columns[0] == "masks" \
                            and self._runs_file is not None:
                        columns = _parsed(columns, self._runs_file)
                    _send(out, columns)
            finally:
                os._exit(0)   # whatever happened: the parent reads what arrived
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def columns(self) -> tuple | None:
        """The child's columns, or None: then read the file.

        ``("boxes", images, categories, scores, boxes)`` or ``("masks", images,
        categories, scores, chars, lengths, sizes)`` as ``result_columns`` gives them,
        or for parsed RLEs ``("runs", images, categories, scores, sizes, offsets,
        areas, runs)``: :class:`~imgprep_course.datasets.masks.Runs` and their areas.
        """
        if self._pipe is None:
            return None
        try:
            columns = _receive(self._pipe)
            if columns is not None and columns[0] == "runs":
                *columns, n_runs = columns
                columns.append(_mapped_runs(self._runs_file, int(n_runs[0])))
            return None if columns is None else tuple(columns)
        except (OSError, ValueError):
            return None
        finally:
            self.close()

    def __enter__(self) -> ResultsAhead:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child if it still runs, and collect it."""
        if self._pipe is None:
            return
        self._pipe.close()
        self._pipe = None
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._close_runs_file()

    def _close_runs_file(self) -> None:
        if self._runs_file is not None:
            os.close(self._runs_file)
            self._runs_file = None


def _memory_file() -> int | None:
    """A new anonymous file in memory (``memfd``), or None where there is none."""
    try:
        return os.memfd_create("imgprep-course-runs", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None


def _parsed(columns: tuple, runs_file: int) -> tuple | None:
    """The ``"masks"`` columns parsed: ``("runs", images, categories, scores, sizes,
    offsets, areas, [n_runs])``, the runs written to ``runs_file`` (parsed into its
    pages: no copy to fault in); None for a bad counts string (the parent reads the
    file, for the message)."""
    _, images, categories, scores, chars, lengths, sizes = columns
    if not chars.size:
        return columns
    os.ftruncate(runs_file, 8 * chars.size)   # room for a run per character
    room = np.frombuffer(mmap.mmap(runs_file, 8 * chars.size), np.int64)
    rles = parsed_rles(chars, lengths, sizes, room)
    if rles is None:
        return None
    areas = masks.area(rles).astype(np.float64)
    os.ftruncate(runs_file, rles.runs.nbytes)   # the runs only (the mapping ends with us)
    return ("runs", images, categories, scores, sizes, rles.offsets, areas,
            np.array([rles.runs.size]))


def _mapped_runs(runs_file: int, n_runs: int) -> np.ndarray:
    """The ``n_runs`` int64 runs the child wrote to ``runs_file``, mapped copy-on-write."""
    if os.fstat(runs_file).st_size != 8 * n_runs:
        raise ValueError("the runs file does not hold the runs announced")
    mapped = mmap.mmap(runs_file, 8 * n_runs, flags=mmap.MAP_PRIVATE)
    return np.frombuffer(mapped, np.int64)


#: The dtypes the columns come in, by the code sent for each.
_DTYPES = (np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.uint8))
_KINDS = ("boxes", "masks", "runs")


def _send(out, columns: tuple | None) -> None:
    """The columns, each array after a header: dtype code, rows, columns (0: 1-D)."""
    if columns is None:
        return
    kind, *arrays = columns
    out.write(np.array([_KINDS.index(kind), len(arrays)], np.int64).tobytes())
    for array in arrays:
        array = np.ascontiguousarray(array)
        shape = (array.shape[0], array.shape[1] if array.ndim == 2 else 0)
        out.write(np.array([_DTYPES.index(array.dtype), *shape], np.int64).tobytes())
        out.write(array.tobytes())
    out.write(_DONE)


def _receive(pipe) -> tuple | None:
    header = _read_array(pipe, np.int64, 2)
    if header is None:
        return None
    kind, n_arrays = (int(v) for v in header)
    arrays = []
    for _ in range(n_arrays):
        shape = _read_array(pipe, np.int64, 3)
        if shape is None:
            return None
        code, rows, columns = (int(v) for v in shape)
        array = _read_array(pipe, _DTYPES[code], rows * max(columns, 1))
        if array is None:
            return None
        arrays.append(array.reshape(rows, columns) if columns else array)
    if pipe.read(len(_DONE) + 1) != _DONE:
        return None
    return (_KINDS[kind], *arrays)


def _read_array(pipe, dtype, size: int) -> np.ndarray | None:
    """``size`` values of ``dtype`` from ``pipe``, or None if it ends first."""
    array = np.empty(size, dtype)
    view, got = memoryview(array).cast("B"), 0
    while got < view.nbytes:
        n = pipe.readinto(view[got:])
        if not n:
            return None
        got += n
    return array
