"""A COCO results file read by a child process while this one reads the ground truth
(private; the ``coco-eval`` command's).

Parsing a results file and gathering its columns is Python work, which one process does
on one core at a time. So ``coco-eval --iou-type segm`` forks, on Linux, before it
reads anything: the child parses the results and checks them as far as
:func:`~imgprep_course.metrics._coco_read.rle_result_columns` goes (the same code the
evaluation runs in one process), sends the arrays through a pipe and exits; the parent
meanwhile reads the ground truth. Anything else (results that are not all RLE dicts, a
problem the checks report, a child that fails) and the parent reads the file itself, as
without the child, so that every number and every message is the same.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

from imgprep_course.datasets import coco_format as fmt
from imgprep_course.metrics._coco_read import rle_result_columns

#: The last bytes the child sends: all arrays arrived whole.
_DONE = b"columns sent"


class ResultsAhead:
    """``path``'s RLE results, read in a child process from now on (see the module).

    Examples
    --------
    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "dt.json"
    >>> _ = path.write_text(json.dumps([{"image_id": 1, "category_id": 2, "score": .5,
    ...                                  "segmentation": {"size": [1, 2], "counts": "11"}}]))
    >>> ahead = ResultsAhead(path)
    >>> images, categories, scores, chars, lengths, sizes = ahead.columns()
    >>> images.tolist(), scores.tolist(), chars.tobytes(), sizes.tolist()
    ([1], [0.5], b'11', [[1, 2]])
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._pid = self._pipe = None
        if not (hasattr(os, "fork") and sys.platform.startswith("linux")):
            return   # macOS's system libraries are not safe to use in a forked child
        read, write = os.pipe()
        with warnings.catch_warnings():   # 3.12+: "use of fork() may lead to deadlocks":
            warnings.simplefilter("ignore", DeprecationWarning)   # the child only reads,
            pid = os.fork()                                       # computes and writes
        if pid == 0:
            os.close(read)
            try:
                with os.fdopen(write, "wb") as out:
                    _send(out, rle_result_columns(fmt.load_json(self.path), str(self.path)))
            finally:
                os._exit(0)   # whatever happened: the parent reads what arrived
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def columns(self) -> tuple | None:
        """The child's arrays (see ``rle_result_columns``), or None: then read the file."""
        if self._pipe is None:
            return None
        try:
            return _receive(self._pipe)
        except (OSError, ValueError):
            return None
        finally:
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


def _send(out, columns: tuple | None) -> None:
    if columns is None:
        return
    images, categories, scores, chars, lengths, sizes = columns
    out.write(np.array([images.size, chars.size], np.int64).tobytes())
    for array, dtype in ((images, np.int64), (categories, np.int64), (scores, np.float64),
                         (lengths, np.int64), (sizes, np.int64), (chars, np.uint8)):
        out.write(np.ascontiguousarray(array, dtype).tobytes())
    out.write(_DONE)


def _receive(pipe) -> tuple | None:
    header = _read_array(pipe, np.int64, 2)
    if header is None:
        return None
    n, n_chars = (int(v) for v in header)
    arrays = [_read_array(pipe, dtype, size) for dtype, size in (
        (np.int64, n), (np.int64, n), (np.float64, n), (np.int64, n), (np.int64, 2 * n),
        (np.uint8, n_chars))]
    if any(array is None for array in arrays) or pipe.read(len(_DONE) + 1) != _DONE:
        return None
    images, categories, scores, lengths, sizes, chars = arrays
    return images, categories, scores, chars, lengths, sizes.reshape(n, 2)


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
