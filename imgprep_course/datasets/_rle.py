"""Numba kernels behind :mod:`imgprep_course.datasets.masks` (private): the codec.

Every kernel works on run lengths in COCO's order: the mask flattened column by
column (column-major), runs alternating background / foreground and starting with
background. Several RLEs travel together either as compressed counts strings
(``chars``, one string after another, string ``i`` ``lengths[i]`` characters long)
or as one concatenated ``runs`` array plus ``offsets`` (RLE ``i`` holds
``runs[offsets[i]:offsets[i + 1]]``). Here: counts strings to runs and back, masks to
counts strings (eight pixels at a time) and back. Kernels that need one RLE at a time
(decode here; area, box and merge in :mod:`~imgprep_course.datasets._rle_ops`) read
the strings directly, parsing each into a small reused buffer, so that a stack of
large high-entropy masks never becomes one huge array of runs.

The Python layer in ``masks.py`` validates input before anything reaches them, and
:mod:`~imgprep_course.datasets._rle_paths` decides whether they or their numpy twins
(:mod:`~imgprep_course.datasets._rle_numpy`, same results) serve a call.
"""

from __future__ import annotations

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from imgprep_course._jit import forget_stale_kernels, kernel
from imgprep_course._threads import in_threads, ranges
from imgprep_course.datasets._rle_numpy import OK, TOO_LONG, TRUNCATED  # noqa: F401
from imgprep_course.datasets._rle_numpy import (BAD_CHARACTER, NEGATIVE_RUN,  # noqa: F401
                                                WRONG_TOTAL)
from imgprep_course.datasets._rle_numpy import runs_to_chars as _twin_runs_to_chars

forget_stale_kernels(__name__)  # numba would keep kernels compiled from older imports

# What ``_scan_runs`` returns instead of a number of runs.
NOT_BINARY = -1

# The most characters one run can take (a 64-bit value in 5-bit groups, plus sign).
MAX_CHARS_PER_RUN = 13
#: A C-ordered mask with more than one change in this many pixels is encoded from a
#: transposed copy (its changes would cost more to sort by column).
DENSE_CHANGES = 16


# --------------------------------------------------------------------------- codec
#: Numbers in ``[-SHORT, SHORT)`` take at most two characters (ten bits with the sign).
SHORT = 512


def _short_number_table() -> np.ndarray:
    """The counts characters of each number in ``[-SHORT, SHORT)``, for
    :func:`_append_runs_as_chars`: ``first | second << 8 | n_chars << 16`` (one or two
    characters; ``second`` is 0 for one)."""
    values = np.arange(-SHORT, SHORT)
    chars, starts = _twin_runs_to_chars(values, np.arange(values.size + 1))
    chars, first, lengths = chars.astype(np.int64), starts[:-1], np.diff(starts)
    second = np.where(lengths == 2, chars[np.minimum(first + 1, chars.size - 1)], 0)
    return chars[first] | second << 8 | lengths << 16


_SHORT_NUMBERS = _short_number_table()


@kernel
def _append_runs_as_chars(runs, n_runs, chars, n_chars):
    """Append ``runs[:n_runs]`` as COCO counts characters to ``chars[:n_chars]``.

    From the fourth run on, a run is stored as its difference to the run two
    before it. Each value is written little end first in 5-bit groups, as the
    characters ``48 + group``; bit 0x20 says another group follows and bit 0x10
    of the last group is the sign. A value of one or two characters (most of them)
    is looked up, both characters written and the end moved by its length, so that
    the mix of lengths costs no mispredicted jumps. Returns the (possibly
    reallocated) buffer and its new length.
    """
    if chars.size - n_chars < MAX_CHARS_PER_RUN * n_runs:
        grown = np.empty(max(2 * chars.size, n_chars + MAX_CHARS_PER_RUN * n_runs),
                         np.uint8)
        for p in range(n_chars):  # a loop compiles faster than a slice copy
            grown[p] = chars[p]
        chars = grown
    for i in range(n_runs):
        value = np.int64(runs[i])
        if i > 2:
            value -= runs[i - 2]
        if -SHORT <= value < SHORT:   # room for two: 13 characters a run are kept free
            entry = _SHORT_NUMBERS[value + SHORT]
            chars[n_chars] = entry & 0xFF
            chars[n_chars + 1] = (entry >> 8) & 0xFF
            n_chars += entry >> 16
            continue
        more = True
        while more:
            group = value & 0x1F
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            if more:
                group |= 0x20
            chars[n_chars] = np.uint8(group + 48)
            n_chars += 1
    return chars, n_chars


@kernel
def runs_to_chars(runs, offsets):
    """Counts strings of several RLEs, concatenated, and where each one starts."""
    n = offsets.size - 1
    chars = np.empty(max(16, 2 * runs.size), np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = np.int64(0)  # not a literal 0: one signature for every caller
    for i in range(n):
        part = runs[offsets[i]:offsets[i + 1]]
        chars, n_chars = _append_runs_as_chars(part, part.size, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts


def _group_table() -> np.ndarray:
    """What each byte of a counts string adds, for :func:`_decode`: ``2 * group + end``.

    ``group`` is the byte's five bits (sign-extended from bit 0x10 in a number's last
    byte) and ``end`` says the number ends there. Bytes outside '0'..'o' get 0; the
    character check rejects them before the table is read.
    """
    groups = np.arange(64)
    last = (groups & 0x20) == 0
    values = np.where(last, (groups & 0x1F) - ((groups & 0x10) << 1), groups & 0x1F)
    table = np.zeros(256, np.int64)
    table[48:112] = 2 * values + last
    return table


_GROUPS = _group_table()


@kernel
def _parse_one(text, total, runs, keep=True):
    """Run lengths of one counts string into ``runs`` (room for ``text.size``).

    Returns ``n_runs, error, where, foreground``: ``error`` is one of this module's
    codes and ``where`` a character position (``BAD_CHARACTER``: that character;
    ``TRUNCATED``: the end; ``TOO_LONG``: the end of a number of more than 12
    characters), the run index (``NEGATIVE_RUN``) or the sum of the runs
    (``WRONG_TOTAL``, when they do not add up to ``total``); ``foreground`` is the sum
    of the odd runs (0 after an error). An empty string gives no runs and no error.
    Without ``keep`` only the sums are wanted: ``runs`` is left as stored, differences
    from the fourth run on.

    A string that passes every check is decoded without a branch on its characters
    (:func:`_decode`); one that fails any is parsed again by
    :func:`_parse_carefully`, which says where.
    """
    if _check_characters(text)[0] != OK:
        return _parse_again(text, total, runs)
    n_runs, longest = _decode(text, runs)
    covered, lowest, foreground = _undo_differences(runs, n_runs, keep)
    if longest >= 64 or lowest < 0 or (text.size and covered != total):
        return _parse_again(text, total, runs)
    return n_runs, OK, 0, foreground


@kernel
def _parse_again(text, total, runs):
    """:func:`_parse_one`'s answer from :func:`_parse_carefully`, with the foreground."""
    n_runs, error, where = _parse_carefully(text, total, runs)
    foreground = 0
    if error == OK:
        for i in range(1, n_runs, 2):
            foreground += runs[i]
    return n_runs, error, where, foreground


@kernel
def _decode(text, runs):
    """The numbers of a counts string of good characters into ``runs``, as stored
    (differences from the fourth on): ``n_runs`` and the bits of every shift taken
    (64 or more if a number has more than 12 bytes).

    Each byte adds its group at the number's current shift and writes the sum so far
    to the number's slot; a number's last byte leaves it complete and moves on. No
    branch depends on the data, so the mix of one- and two-byte numbers in a string
    costs no mispredicted jumps.
    """
    n_runs = 0
    value = shift = longest = np.int64(0)
    for p in range(text.size):
        entry = _GROUPS[text[p]]
        value += (entry >> 1) << (shift & 63)
        runs[n_runs] = value
        last = entry & 1
        n_runs += last
        ongoing = last - 1   # all ones within a number, zero after its last byte
        value &= ongoing
        shift += 5
        longest |= shift   # 64 or more once a number takes 13 bytes
        shift &= ongoing
    return n_runs, longest


@kernel
def _undo_differences(runs, n_runs, keep):
    """``runs[i] += runs[i - 2]`` from the fourth run on, in place if ``keep``. Returns
    the sum of the runs, a value that is negative if any run is, and the sum of the odd
    runs (the foreground), the odd and the even runs added up side by side."""
    covered = lowest = foreground = np.int64(0)
    for i in range(min(n_runs, 3)):
        covered += runs[i]
        lowest |= runs[i]
        foreground += runs[i] * (i % 2)
    if n_runs <= 3:
        return covered, lowest, foreground
    odd, even = runs[1], runs[2]
    i = 3
    while i + 1 < n_runs:
        odd += runs[i]
        even += runs[i + 1]
        if keep:
            runs[i], runs[i + 1] = odd, even
        covered += odd + even
        lowest |= odd | even
        foreground += odd
        i += 2
    if i < n_runs:   # a last odd run (the mask ends in foreground)
        odd += runs[i]
        if keep:
            runs[i] = odd
        covered += odd
        lowest |= odd
        foreground += odd
    return covered, lowest, foreground


@kernel
def _parse_carefully(text, total, runs):
    """:func:`_parse_one` one number at a time, with every check where it applies.

    Returns ``n_runs, error, where``: ``error`` is one of this module's codes and
    ``where`` a character position (``BAD_CHARACTER``: that character; ``TRUNCATED``:
    the end; ``TOO_LONG``: the end of a number of more than 12 characters), the run
    index (``NEGATIVE_RUN``) or the sum of the runs (``WRONG_TOTAL``, when they do not
    add up to ``total``). An empty string gives no runs and no error.
    """
    # one pass: the character checks come from what the pass sees (a character outside
    # '0'..'o' sets a bit above 0x3F of ``seen``), and are made first only for a string
    # that fails, so that its error is the one a check before the parse would give
    n = text.size
    n_runs = 0
    covered = np.int64(0)
    two_back = one_back = np.int64(0)  # the runs before: registers, not memory
    seen = np.int64(0)
    p = 0
    while p < n:
        group = np.int64(text[p]) - 48
        seen |= group
        value = group & 0x1F
        shift = 5
        p += 1
        while group & 0x20:
            if p == n:
                return _failure(text, n_runs, TRUNCATED, n)
            group = np.int64(text[p]) - 48
            seen |= group
            value |= (group & 0x1F) << shift
            shift += 5
            p += 1
        if shift > 60:
            return _failure(text, n_runs, TOO_LONG, p)
        if group & 0x10:
            value |= np.int64(-1) << shift
        if n_runs > 2:
            value += two_back
        if value < 0:
            return _failure(text, n_runs, NEGATIVE_RUN, n_runs)
        runs[n_runs] = value
        two_back, one_back = one_back, value
        n_runs += 1
        covered += value
    if seen & ~0x3F:
        return _failure(text, n_runs, OK, 0)
    if n and covered != total:
        return n_runs, WRONG_TOTAL, covered
    return n_runs, OK, 0


@kernel
def _failure(text, n_runs, error, where):
    """``_parse_carefully``'s answer for a string that fails with ``error`` at ``where``,
    unless a character check fails first (then no runs, and that error)."""
    first, at = _check_characters(text)
    if first != OK:
        return 0, first, at
    return n_runs, error, where


def parse_counts(chars, lengths, sizes, out=None):
    """Run lengths from concatenated counts strings, checking each string.

    String ``i`` is the next ``lengths[i]`` characters of ``chars``, for an RLE of
    size ``sizes[i]``. Returns ``runs, offsets, bad, error, where``: ``bad`` is the
    index of the first bad string (or -1), ``error`` and ``where`` say what is wrong
    with it (see :func:`_parse_one`). The strings are shared out over the cores by
    their characters. ``out``, an int64 array of ``chars.size`` or more, takes the runs
    (``runs`` is its start) where given; it is work space either way.

    Examples
    --------
    >>> runs, offsets, bad, error, where = parse_counts(
    ...     np.frombuffer(b"1113", np.uint8), np.array([2, 2]), np.array([[1, 2], [1, 4]]))
    >>> runs.tolist(), offsets.tolist(), bad
    ([1, 1, 1, 3], [0, 2, 4], -1)
    """
    n = lengths.size
    begins = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=begins[1:])
    if out is None:
        out = np.empty(chars.size, np.int64)   # a run takes one character at least
    elif out.dtype != np.int64 or out.ndim != 1 or out.size < chars.size:
        raise ValueError(f"out must be int64 of {chars.size} values or more")
    runs = out
    offsets = np.zeros(n + 1, np.int64)
    pieces = ranges(begins)
    found = in_threads(_parse_strings, [(chars, begins, sizes, start, stop, runs, offsets)
                                        for start, stop in pieces])
    for (start, stop), (bad, error, where) in zip(pieces, found):
        if bad >= 0:
            return runs[:0], offsets, bad, error, where
        if start:   # its runs begin where its characters do: moved to follow the last
            _move_down(runs, begins[start], offsets[start], offsets[stop] - begins[start])
            offsets[start + 1:stop + 1] -= begins[start] - offsets[start]
    return runs[:offsets[n]], offsets, -1, OK, 0


@kernel(nogil=True)
def _parse_strings(chars, begins, sizes, start, stop, runs, offsets):
    """Parse strings ``start:stop`` (string ``i`` is ``chars[begins[i]:begins[i + 1]]``),
    their runs into ``runs`` from position ``begins[start]`` on, each one's end into
    ``offsets[i + 1]``. Returns ``bad, error, where`` as :func:`parse_counts`."""
    position = begins[start]
    for i in range(start, stop):
        n_runs, error, where, _ = _parse_one(chars[begins[i]:begins[i + 1]],
                                          sizes[i, 0] * sizes[i, 1], runs[position:])
        if error != OK:
            return i, error, where
        position += n_runs
        offsets[i + 1] = position
    return -1, OK, 0


@kernel
def _move_down(values, source, target, n):
    """``values[target:target + n] = values[source:source + n]``, ``target <= source``
    (front to back: no copy of an overlapping source)."""
    for k in range(n):
        values[target + k] = values[source + k]


@kernel
def _check_characters(text):
    """``OK, 0``; or ``BAD_CHARACTER`` and its position; or ``TRUNCATED`` and the
    length, when the last character says more follows."""
    outside = False
    for c in text:  # no early exit, so that the loop compiles to vector code
        outside |= (c < 48) | (c > 111)
    if outside:
        for p in range(text.size):
            if text[p] < 48 or text[p] > 111:
                return BAD_CHARACTER, p
    if text.size and (text[-1] - 48) & 0x20:
        return TRUNCATED, text.size
    return OK, 0


# ---------------------------------------------------------------- masks <-> runs
@kernel
def _scan_runs(pixels, words, offset, start, n_pixels, runs):
    """Run lengths of ``pixels[start:start + n_pixels]`` (uint8, 0 or 1).

    ``words`` is ``pixels[offset:]`` seen as uint64; ``runs`` has room for
    ``n_pixels + 1``. The pixels are read eight at a time (fewer before the first and
    after the last whole word): words of eight copies of the current value are passed
    over in a loop of one comparison each, and in any other word the pixels that differ
    from the one before them are marked in one shift and xor and visited lowest first.
    Returns the number of runs written to ``runs``, or ``NOT_BINARY`` at a byte other
    than 0 and 1.
    """
    ones = np.uint64(0x0101010101010101)
    end = start + n_pixels
    first_word = max(start - offset + 7, 0) // 8
    last_word = max(max(end - offset, 0) // 8, first_word)
    head_end = min(offset + 8 * first_word, end)
    tail_start = max(offset + 8 * last_word, head_end)
    current = np.uint64(0)  # the value of the last pixel seen
    n_runs = 0
    run_start = start
    # the pixels before the first whole word
    if start < head_end:
        word, valid, last_byte = _partial_word(pixels, start, head_end)
        n_runs, run_start, current = _word_runs(word, valid, last_byte, start, current,
                                                runs, n_runs, run_start)
        if n_runs == NOT_BINARY:
            return NOT_BINARY
    same = current * ones   # eight copies of the current value
    j = first_word
    while j < last_word:
        if words[j] == same:
            j += 1
            continue
        n_runs, run_start, current = _word_runs(words[j], ~np.uint64(0), np.uint64(56),
                                                offset + 8 * j, current, runs, n_runs,
                                                run_start)
        if n_runs == NOT_BINARY:
            return NOT_BINARY
        same = current * ones
        j += 1
    if tail_start < end:   # and those after the last
        word, valid, last_byte = _partial_word(pixels, tail_start, end)
        n_runs, run_start, current = _word_runs(word, valid, last_byte, tail_start,
                                                current, runs, n_runs, run_start)
        if n_runs == NOT_BINARY:
            return NOT_BINARY
    runs[n_runs] = end - run_start
    return n_runs + 1


@kernel
def _partial_word(pixels, lo, hi):
    """Pixels ``lo:hi`` (fewer than eight) as the low bytes of a word; the mask of
    those bytes; the shift of the last one."""
    word = np.uint64(0)
    for k in range(hi - lo):
        word |= np.uint64(pixels[lo + k]) << np.uint64(8 * k)
    return (word, (np.uint64(1) << np.uint64(8 * (hi - lo))) - np.uint64(1),
            np.uint64(8 * (hi - lo - 1)))


@kernel
def _word_runs(word, valid, last_byte, lo, current, runs, n_runs, run_start):
    """The runs that end in the ``valid`` bytes of ``word`` (pixel ``lo`` first), after
    a pixel of value ``current``: returns ``n_runs, run_start, current`` updated, or
    ``NOT_BINARY`` as ``n_runs`` at a byte other than 0 and 1."""
    ones = np.uint64(0x0101010101010101)
    if word & ~ones & valid:
        return NOT_BINARY, run_start, current
    changed = (word ^ ((word << np.uint64(8)) | current)) & valid
    while changed:
        position = lo + np.int64(trailing_zeros(changed) >> np.uint64(3))
        runs[n_runs] = position - run_start
        n_runs += 1
        run_start = position
        changed &= changed - np.uint64(1)
    return n_runs, run_start, (word >> last_byte) & np.uint64(1)


@kernel
def encode_column_major(pixels, words, offset, height, width, n):
    """COCO counts strings of ``n`` masks stored one after another, column by column.

    ``pixels`` holds the masks' bytes (0 or 1); ``words`` is ``pixels[offset:]`` as
    uint64. Returns ``chars, starts, bad``: string ``i`` is
    ``chars[starts[i]:starts[i + 1]]``; ``bad`` is the index of the first mask
    holding a value other than 0 and 1 (then nothing else is meaningful), or -1.
    """
    n_pixels = height * width
    runs = np.empty(n_pixels + 1, np.int64)
    chars = np.empty(4096, np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = np.int64(0)  # not a literal 0: one signature for every caller
    for i in range(n):
        n_runs = _scan_runs(pixels, words, offset, i * n_pixels, n_pixels, runs)
        if n_runs == NOT_BINARY:
            return chars[:0], starts, i
        chars, n_chars = _append_runs_as_chars(runs, n_runs, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts, -1


@kernel
def _changes(mask, changes):
    """Mark, in row-major ``changes``, each pixel of the C-ordered ``mask`` that differs
    from the pixel before it in column-major order (the one above it, or the last of
    the previous column; before the first pixel comes a 0). Returns the bitwise OR
    of all pixels, which is 0 or 1 exactly when the mask is binary, and the number of
    changes (meaningful for a binary mask).
    """
    height, width = mask.shape
    pixels = mask.reshape(height * width)
    seen = np.uint8(0)
    n_changes = 0
    if height == 0:
        return seen, n_changes
    for x in range(width):
        before = pixels[(height - 1) * width + x - 1] if x else np.uint8(0)
        changes[x] = pixels[x] ^ before
    # Slices, not p - width indices, so that the loops compile to vector code.
    below, above, out = pixels[width:], pixels[:pixels.size - width], changes[width:]
    for p in range(below.size):
        out[p] = below[p] ^ above[p]
    for p in range(pixels.size):
        seen |= pixels[p]
        n_changes += changes[p]
    return seen, n_changes


@kernel
def _runs_from_changes(words, height, width, columns, rows, runs):
    """Run lengths from a change map (``_changes``, as uint64 ``words``).

    The changes are found row by row, skipping zero words, then put in column-major
    order with a counting sort over the columns. ``columns``, ``rows`` and ``runs``
    are buffers with room for ``height * width + 1``; returns the number of runs.
    """
    n_pixels = height * width
    n_changes = 0
    row, row_start = 0, 0
    per_column = np.zeros(width + 1, np.int64)
    for w in range(words.size):
        word = words[w]
        while word:
            p = 8 * w + np.int64(trailing_zeros(word) >> np.uint64(3))
            word &= word - np.uint64(1)
            if p >= n_pixels:
                break
            while p >= row_start + width:
                row += 1
                row_start += width
            columns[n_changes] = p - row_start
            rows[n_changes] = row
            per_column[p - row_start + 1] += 1
            n_changes += 1
    for x in range(width):
        per_column[x + 1] += per_column[x]
    for k in range(n_changes):
        x = columns[k]
        runs[per_column[x]] = x * height + rows[k]
        per_column[x] += 1
    runs[n_changes] = n_pixels - (runs[n_changes - 1] if n_changes else 0)
    for k in range(n_changes - 1, 0, -1):
        runs[k] -= runs[k - 1]
    return n_changes + 1


@kernel
def encode_row_major(masks):
    """COCO counts strings of the C-ordered masks ``masks[i]`` (``(N, H, W)``, uint8).

    Returns ``chars, starts, bad`` as :func:`encode_column_major` does.
    """
    n, height, width = masks.shape
    words = np.zeros((height * width + 7) // 8, np.uint64)
    changes = words.view(np.uint8)
    columns = rows = np.empty(0, np.int64)   # made when a sparse mask needs them
    runs = np.empty(height * width + 1, np.int64)
    chars = np.empty(4096, np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = np.int64(0)  # not a literal 0: one signature for every caller
    for i in range(n):
        seen, n_changes = _changes(masks[i], changes)
        if seen > 1:
            return chars[:0], starts, i
        if n_changes * DENSE_CHANGES > height * width:
            # many changes (a noisy mask): sorting them by column costs more than
            # reading the mask column by column from a transposed copy
            _transpose(masks[i], changes)
            n_runs = _scan_runs(changes, words, 0, 0, height * width, runs)
        else:
            if columns.size == 0:
                columns = np.empty(height * width + 1, np.int64)
                rows = np.empty(height * width + 1, np.int64)
            n_runs = _runs_from_changes(words, height, width, columns, rows, runs)
        chars, n_chars = _append_runs_as_chars(runs, n_runs, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts, -1


@kernel
def _transpose(mask, out):
    """``out[:mask.size]`` = the ``(H, W)`` mask in column-major order, copied in
    64 x 64 tiles (each read and written while in the cache)."""
    height, width = mask.shape
    for y0 in range(0, height, 64):
        for x0 in range(0, width, 64):
            for x in range(x0, min(x0 + 64, width)):
                for y in range(y0, min(y0 + 64, height)):
                    out[x * height + y] = mask[y, x]


def encode(stack):
    """COCO counts strings of the uint8 masks ``stack[:, :, i]``, by the kernel that
    suits the stack's memory order; ``chars, starts, bad`` as
    :func:`encode_column_major` returns them."""
    height, width, n = stack.shape
    if stack.flags.f_contiguous:
        pixels = stack.ravel(order="F")
        offset = -pixels.ctypes.data % 8
        n_words = max(0, (pixels.size - offset) // 8)
        words = pixels[offset:offset + 8 * n_words].view(np.uint64)
        return encode_column_major(pixels, words, offset, height, width, n)
    return encode_row_major(np.ascontiguousarray(np.moveaxis(stack, 2, 0)))


@kernel
def _longest(lengths):
    """Room for the runs of the longest string (at least 1)."""
    longest = 1
    for length in lengths:
        longest = max(longest, length)
    return longest


@kernel
def decode_counts(chars, lengths, sizes, out):
    """Paint RLE ``i`` (counts string ``i``) into ``out[i]``, a row of ``H * W`` zeros.

    Only the foreground is written: the zeros of a fresh ``np.zeros`` are pages the
    system maps on first use, so a mostly empty mask costs little. Returns ``bad,
    error, where`` as :func:`parse_counts`.
    """
    runs = np.empty(_longest(lengths), np.int64)
    start = 0
    for i in range(lengths.size):
        text = chars[start:start + lengths[i]]
        start += lengths[i]
        n_runs, error, where, _ = _parse_one(text, sizes[i, 0] * sizes[i, 1], runs)
        if error != OK:
            return i, error, where
        row = out[i]
        position = 0
        for j in range(1, n_runs, 2):  # background, foreground, background, ...
            position += runs[j - 1]
            for k in range(position, position + runs[j]):
                row[k] = 1
            position += runs[j]
    return -1, OK, 0
