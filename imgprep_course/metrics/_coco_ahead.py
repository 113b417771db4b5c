"""A COCO results file read by a child process while this one reads the ground truth
(private; the ``coco-eval`` command's).

Parsing a results file and gathering its columns is Python work, which one process does
on one core at a time. So ``coco-eval`` forks, on Linux, before it reads anything: the
child parses the results and checks them as far as
:func:`~imgprep_course.metrics._coco_read.result_columns` goes (the same code the
evaluation runs in one process), sends the arrays through a pipe and exits; the parent
meanwhile reads the ground truth. Anything else (results without boxes for ``bbox``,
not all RLE dicts for ``segm``; a problem the checks report; a child that fails or
cannot start) and the parent reads the file itself, as without the child, so that every
number and every message is the same.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

from imgprep_course.datasets import coco_format as fmt
from imgprep_course.metrics._coco_read import result_columns

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
    >>> kind, images, categories, scores, chars, lengths, sizes = ResultsAhead(
    ...     path, "segm").columns()
    >>> kind, images.tolist(), scores.tolist(), chars.tobytes(), sizes.tolist()
    ('masks', [1], [0.5], b'11', [[1, 2]])
    """

    def __init__(self, path: str | os.PathLike, iou_type: str) -> None:
        self.path = Path(path)
        self._pid = self._pipe = None
        if not (hasattr(os, "fork") and sys.platform.startswith("linux")):
            return   # macOS's system libraries are not safe to use in a forked child
        read, write = os.pipe()
        try:
            with warnings.catch_warnings():   # 3.12+: "fork() may lead to deadlocks": the
                warnings.simplefilter("ignore", DeprecationWarning)   # child only reads,
                pid = os.fork()                                       # computes, writes
        except OSError:   # no process to spare: the parent reads the file
            os.close(read)
            os.close(write)
            return
        if pid == 0:
            os.close(read)
            try:
                with os.fdopen(write, "wb") as out:
                    _send(out, result_columns(fmt.load_json(self.path), str(self.path),
                                              iou_type))
            finally:
                os._exit(0)   # whatever happened: the parent reads what arrived
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def columns(self) -> tuple | None:
        """The child's columns (see ``result_columns``), or None: then read the file."""
        if self._pipe is None:
            return None
        try:
            return _receive(self._pipe)
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


#: The dtypes the columns come in, by the code sent for each.
_DTYPES = (np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.uint8))
_KINDS = ("boxes", "masks")


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
