"""Numba kernels behind :mod:`imgprep_course.datasets.masks` (private): the codec.

Every kernel works on run lengths in COCO's order: the mask flattened column by
column (column-major), runs alternating background / foreground and starting with
background. Several RLEs travel together as one concatenated ``runs`` array plus
``offsets`` (RLE ``i`` holds ``runs[offsets[i]:offsets[i + 1]]``).

This module turns counts strings into runs and back, and masks into runs and back;
:mod:`~imgprep_course.datasets._rle_ops` measures, compares, merges and rasterises
runs. Encoding finds pycocotools' runs by faster means (eight pixels at a time); the
counts strings are pycocotools' to the byte. The Python layer in ``masks.py`` (and
``_rle_checks.py``) validates input before anything reaches them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Error codes of ``parse_counts``; ``masks.py`` turns them into messages.
OK, BAD_CHARACTER, TRUNCATED, TOO_LONG, NEGATIVE_RUN, WRONG_TOTAL = range(6)

# What ``_scan_runs`` returns instead of a number of runs.
NOT_BINARY, FULL = -1, -2


# --------------------------------------------------------------------------- codec
@njit(cache=True)
def _append_runs_as_chars(runs, n_runs, chars, n_chars):
    """Append ``runs[:n_runs]`` as COCO counts characters to ``chars[:n_chars]``.

    From the fourth run on, a run is stored as its difference to the run two
    before it. Each value is written little end first in 5-bit groups, as the
    characters ``48 + group``; bit 0x20 says another group follows and bit 0x10
    of the last group is the sign. Returns the (possibly reallocated) buffer and
    its new length.
    """
    for i in range(n_runs):
        if chars.size - n_chars < 16:
            grown = np.empty(2 * chars.size + 16, np.uint8)
            grown[:n_chars] = chars[:n_chars]
            chars = grown
        value = np.int64(runs[i])
        if i > 2:
            value -= runs[i - 2]
        more = True
        while more:
            group = value & 0x1F
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            if more:
                group |= 0x20
            chars[n_chars] = group + 48
            n_chars += 1
    return chars, n_chars


@njit(cache=True)
def runs_to_chars(runs, offsets):
    """Counts strings of several RLEs, concatenated, and where each one starts."""
    n = offsets.size - 1
    chars = np.empty(max(16, 4 * runs.size), np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = 0
    for i in range(n):
        part = runs[offsets[i]:offsets[i + 1]]
        chars, n_chars = _append_runs_as_chars(part, part.size, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts


@njit(cache=True)
def parse_counts(chars, lengths, sizes):
    """Run lengths from concatenated counts strings, checking each string.

    String ``i`` is the next ``lengths[i]`` characters of ``chars``, for an RLE of
    size ``sizes[i]``; a length of 0 stands for an RLE given uncompressed, which
    gets no runs here. Returns ``runs, offsets, bad, error, where``: ``bad`` is the
    index of the first bad string (or -1), ``error`` one of the error codes of this
    module and ``where`` a character position (``BAD_CHARACTER``: that character;
    ``TRUNCATED``: the end; ``TOO_LONG``: the end of a number of more than 12
    characters), the run index (``NEGATIVE_RUN``) or the sum of the runs
    (``WRONG_TOTAL``).
    """
    n = lengths.size
    runs = np.empty(chars.size, np.int64)
    offsets = np.zeros(n + 1, np.int64)
    n_runs = 0
    start = 0
    for i in range(n):
        text = chars[start:start + lengths[i]]
        start += lengths[i]
        error, where = _check_characters(text)
        first = n_runs
        total = np.int64(0)
        p = 0
        while p < text.size and error == OK:
            value = np.int64(0)
            shift = 0
            while True:
                group = np.int64(text[p]) - 48
                value |= (group & 0x1F) << shift
                p += 1
                shift += 5
                if not group & 0x20:
                    break
            if shift > 60:
                error, where = TOO_LONG, p
                break
            if group & 0x10:
                value |= np.int64(-1) << shift
            k = n_runs - first
            if k > 2:
                value += runs[n_runs - 2]
            if value < 0:
                error, where = NEGATIVE_RUN, k
                break
            runs[n_runs] = value
            n_runs += 1
            total += value
        if error == OK and text.size and total != sizes[i, 0] * sizes[i, 1]:
            error, where = WRONG_TOTAL, total
        if error != OK:
            return runs[:0], offsets, i, error, where
        offsets[i + 1] = n_runs
    return runs[:n_runs], offsets, -1, OK, 0


@njit(cache=True)
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
@njit(cache=True)
def _byte_of_bit(bit):
    """Index (0-7) of the byte of a uint64 holding its single set bit ``bit``."""
    byte = 0
    for k in range(1, 8):
        byte += (bit >> np.uint64(8 * k)) != 0
    return byte


@njit(cache=True)
def _scan_runs(pixels, words, offset, start, n_pixels, runs):
    """Run lengths of ``pixels[start:start + n_pixels]`` (uint8, 0 or 1).

    ``words`` is ``pixels[offset:]`` seen as uint64. The pixels are read eight at
    a time (fewer before the first and after the last whole word): a word of eight
    copies of the current value is passed over in one comparison, and in any other
    word each change of value is found with bit operations, so the work grows with
    the number of runs more than with the number of pixels. Returns the number of
    runs written to ``runs``, ``NOT_BINARY`` at a byte other than 0 and 1, or
    ``FULL`` when ``runs`` may be too short.
    """
    ones = np.uint64(0x0101010101010101)
    end = start + n_pixels
    first_word = max(start - offset + 7, 0) // 8
    last_word = max(max(end - offset, 0) // 8, first_word)
    head_end = min(offset + 8 * first_word, end)
    tail_start = max(offset + 8 * last_word, head_end)
    n_blocks = last_word - first_word + 2
    same = np.uint64(0)  # eight copies of the current value
    n_runs = 0
    run_start = start
    for block in range(n_blocks):
        if 0 < block < n_blocks - 1:
            lo = offset + 8 * (first_word + block - 1)
            word = words[first_word + block - 1]
            if word == same:
                continue
            valid = ~np.uint64(0)
        else:
            lo, hi = (start, head_end) if block == 0 else (tail_start, end)
            if lo >= hi:
                continue
            word = np.uint64(0)
            for k in range(hi - lo):
                word |= np.uint64(pixels[lo + k]) << np.uint64(8 * k)
            valid = (np.uint64(1) << np.uint64(8 * (hi - lo))) - np.uint64(1)
        if word & ~ones & valid:
            return NOT_BINARY
        if n_runs + 9 > runs.size:
            return FULL
        changed = (word ^ same) & valid
        while changed:
            lowest = changed & (~changed + np.uint64(1))
            byte = _byte_of_bit(lowest)
            runs[n_runs] = lo + byte - run_start
            n_runs += 1
            run_start = lo + byte
            same ^= ones
            later = ~((lowest << np.uint64(8)) - np.uint64(1))
            changed = (word ^ same) & valid & later
    runs[n_runs] = end - run_start
    return n_runs + 1


@njit(cache=True)
def encode_column_major(pixels, words, offset, height, width, n):
    """COCO counts strings of ``n`` masks stored one after another, column by column.

    ``pixels`` holds the masks' bytes (0 or 1); ``words`` is ``pixels[offset:]`` as
    uint64. Returns ``chars, starts, bad``: string ``i`` is
    ``chars[starts[i]:starts[i + 1]]``; ``bad`` is the index of the first mask
    holding a value other than 0 and 1 (then nothing else is meaningful), or -1.
    """
    n_pixels = height * width
    runs = np.empty(4096, np.int64)
    chars = np.empty(4096, np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = 0
    for i in range(n):
        n_runs = _scan_runs(pixels, words, offset, i * n_pixels, n_pixels, runs)
        while n_runs == FULL:
            runs = np.empty(2 * runs.size, np.int64)
            n_runs = _scan_runs(pixels, words, offset, i * n_pixels, n_pixels, runs)
        if n_runs == NOT_BINARY:
            return chars[:0], starts, i
        chars, n_chars = _append_runs_as_chars(runs, n_runs, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts, -1


@njit(cache=True)
def _changes(mask, changes):
    """Mark, in row-major ``changes``, each pixel of the C-ordered ``mask`` that differs
    from the pixel before it in column-major order (the one above it, or the last of
    the previous column; before the first pixel comes a 0). Returns the bitwise OR
    of all pixels, which is 0 or 1 exactly when the mask is binary.
    """
    height, width = mask.shape
    pixels = mask.reshape(height * width)
    seen = np.uint8(0)
    if height == 0:
        return seen
    for x in range(width):
        before = pixels[(height - 1) * width + x - 1] if x else np.uint8(0)
        changes[x] = pixels[x] ^ before
    # Slices, not p - width indices, so that the loops compile to vector code.
    below, above, out = pixels[width:], pixels[:pixels.size - width], changes[width:]
    for p in range(below.size):
        out[p] = below[p] ^ above[p]
    for p in range(pixels.size):
        seen |= pixels[p]
    return seen


@njit(cache=True)
def _runs_from_changes(words, height, width, xs, ys, runs):
    """Run lengths from a change map (``_changes``, as uint64 ``words``).

    The changes are found row by row, skipping zero words, then put in column-major
    order with a counting sort over the columns. ``xs``, ``ys`` and ``runs`` are
    buffers of one size; returns the number of runs, or ``FULL`` when they may be
    too short.
    """
    n_pixels = height * width
    n_changes = 0
    row, row_start = 0, 0
    per_column = np.zeros(width + 1, np.int64)
    for w in range(words.size):
        word = words[w]
        while word:
            lowest = word & (~word + np.uint64(1))
            word ^= lowest
            p = 8 * w + _byte_of_bit(lowest)
            if p >= n_pixels:
                break
            while p >= row_start + width:
                row += 1
                row_start += width
            if n_changes + 1 >= runs.size:
                return FULL
            xs[n_changes] = p - row_start
            ys[n_changes] = row
            per_column[p - row_start + 1] += 1
            n_changes += 1
    for x in range(width):
        per_column[x + 1] += per_column[x]
    for k in range(n_changes):
        x = xs[k]
        runs[per_column[x]] = x * height + ys[k]
        per_column[x] += 1
    runs[n_changes] = n_pixels - (runs[n_changes - 1] if n_changes else 0)
    for k in range(n_changes - 1, 0, -1):
        runs[k] -= runs[k - 1]
    return n_changes + 1


@njit(cache=True)
def encode_row_major(masks):
    """COCO counts strings of the C-ordered masks ``masks[i]`` (``(N, H, W)``, uint8).

    Returns ``chars, starts, bad`` as :func:`encode_column_major` does.
    """
    n, height, width = masks.shape
    words = np.zeros((height * width + 7) // 8, np.uint64)
    changes = words.view(np.uint8)
    xs = np.empty(4096, np.int64)
    ys = np.empty(4096, np.int64)
    runs = np.empty(4096, np.int64)
    chars = np.empty(4096, np.uint8)
    starts = np.zeros(n + 1, np.int64)
    n_chars = 0
    for i in range(n):
        if _changes(masks[i], changes) > 1:
            return chars[:0], starts, i
        n_runs = _runs_from_changes(words, height, width, xs, ys, runs)
        while n_runs == FULL:
            xs = np.empty(2 * runs.size, np.int64)
            ys = np.empty(2 * runs.size, np.int64)
            runs = np.empty(2 * runs.size, np.int64)
            n_runs = _runs_from_changes(words, height, width, xs, ys, runs)
        chars, n_chars = _append_runs_as_chars(runs, n_runs, chars, n_chars)
        starts[i + 1] = n_chars
    return chars[:n_chars], starts, -1


@njit(cache=True)
def decode_runs(runs, offsets, out):
    """Paint RLE ``i`` into ``out[i]``, a zeroed row of ``height * width`` pixels."""
    for i in range(offsets.size - 1):
        row = out[i]
        position = 0
        for j in range(offsets[i], offsets[i + 1]):
            length = runs[j]
            if (j - offsets[i]) % 2 == 1:
                row[position:position + length] = 1
            position += length
