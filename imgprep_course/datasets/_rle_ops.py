"""Numba kernels behind :mod:`imgprep_course.datasets.masks` (private): work on runs.

Runs are as in :mod:`~imgprep_course.datasets._rle` (column-major, background first,
several RLEs as one ``runs`` array plus ``offsets``). Here they are measured (area,
box; from counts strings, one RLE at a time), compared (mask IoU of chosen pairs, as
COCO evaluation needs them), merged and made from polygons.

Where a result depends on the order of the steps (polygon rasterisation, box
rounding, the walk that merges two RLEs, the IoU divisions), the kernels take
pycocotools' ``maskApi.c`` steps in its order, so results agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._jit import forget_stale_kernels, kernel
from imgprep_course._threads import even_ranges, in_threads, ranges
from imgprep_course.datasets._rle import OK, _longest, _parse_one
from imgprep_course.datasets._rle_numpy import POLYGON_UPSAMPLING

forget_stale_kernels(__name__)  # numba would keep kernels compiled from older imports


# ------------------------------------------------------------------ moving runs
@kernel(nogil=True)
def place_runs(runs, offsets, rows, part_runs, part_offsets):
    """Copy each block ``j`` of a part (``part_runs[part_offsets[j]:part_offsets[j + 1]]``,
    ``part_offsets[0] == 0``) to ``runs`` at ``offsets[rows[j]]``.

    Examples
    --------
    >>> runs = np.zeros(4, np.int64)
    >>> place_runs(runs, np.array([0, 1, 3, 4]), np.array([2, 0]), np.array([7, 8, 9]),
    ...            np.array([0, 1, 3]))
    >>> runs.tolist()
    [8, 9, 0, 7]
    """
    for j in range(rows.size):
        shift = offsets[rows[j]] - part_offsets[j]
        for k in range(part_offsets[j], part_offsets[j + 1]):
            runs[shift + k] = part_runs[k]


# ------------------------------------------------------------------ measurements
@kernel
def _area(runs):
    """Foreground pixel count of one RLE: the sum of its odd runs."""
    total = 0
    for j in range(1, runs.size, 2):
        total += runs[j]
    return total


@kernel
def _bbox(runs, height, width, out):
    """``out[:] = [x, y, width, height]`` of the foreground of one RLE (zeros if empty).

    A foreground run spanning two columns or more makes the box span every row. The
    column of a position is kept up to date as the runs go by: one step to the next
    column, a division only for a farther one.
    """
    x_min, y_min = width, height
    x_max, y_max = -1, -1
    end = 0
    column, column_start = 0, 0
    for j in range(1, runs.size, 2):   # the foreground runs
        start = end + runs[j - 1]
        end = start + runs[j]
        if runs[j] == 0:
            continue
        if start - column_start >= height:
            if start - column_start < 2 * height:   # the next column, as mostly
                column += 1
                column_start += height
            else:
                column = start // height
                column_start = column * height
        x_start, y_start = column, start - column_start
        if end - 1 - column_start >= height:
            column = (end - 1) // height
            column_start = column * height
        x_end, y_end = column, end - 1 - column_start
        x_min = min(x_min, x_start)
        x_max = max(x_max, x_end)
        if x_start < x_end:
            y_min, y_max = 0, height - 1
        else:
            y_min = min(y_min, y_start)
            y_max = max(y_max, y_end)
    for k in range(4):  # a loop compiles faster than out[:] = 0
        out[k] = 0
    if x_max >= 0:
        out[0] = x_min
        out[1] = y_min
        out[2] = x_max - x_min + 1
        out[3] = y_max - y_min + 1


def boxes_and_areas(runs, offsets, sizes):
    """Box and area of each of several RLEs (runs and offsets).

    Examples
    --------
    >>> boxes, areas = boxes_and_areas(np.array([1, 2, 3]), np.array([0, 3]),
    ...                                np.array([[2, 3]]))   # 2 x 3, pixels 1 and 2
    >>> boxes.tolist(), areas.tolist()   # they span two columns: the box, both rows
    ([[0.0, 0.0, 2.0, 2.0]], [2])
    """
    boxes, areas, _ = measured(runs, offsets, sizes, plain=False)
    return boxes, areas


def measured(runs, offsets, sizes, plain: bool = True):
    """Box, area and (with ``plain``) plainness (see :func:`_plain_runs`) of each RLE,
    the RLEs shared out over the cores by their runs."""
    n = offsets.size - 1
    boxes, areas = np.zeros((n, 4)), np.zeros(n, np.int64)
    plains = np.ones(n if plain else 0, np.bool_)
    in_threads(_measure, [(runs, offsets, sizes, start, stop, boxes, areas, plains)
                          for start, stop in ranges(offsets)])
    return boxes, areas, plains


@kernel(nogil=True)
def _measure(runs, offsets, sizes, start, stop, boxes, areas, plains):
    """Box, area and, if ``plains`` is not empty, plainness of RLEs ``start:stop``."""
    for i in range(start, stop):
        part = runs[offsets[i]:offsets[i + 1]]
        _bbox(part, sizes[i, 0], sizes[i, 1], boxes[i])
        areas[i] = _area(part)
        if plains.size:
            plains[i] = _plain_runs(part)


@kernel
def measure_counts(chars, lengths, sizes, boxes):
    """Area of each RLE and, with ``boxes``, its box (else zeros), from counts strings.

    Returns ``areas, bboxes, bad, error, where`` (see :func:`parse_counts`).
    """
    n = lengths.size
    areas = np.zeros(n, np.int64)
    out = np.zeros((n, 4))
    runs = np.empty(_longest(lengths), np.int64)
    start = 0
    for i in range(n):
        text = chars[start:start + lengths[i]]
        start += lengths[i]
        n_runs, error, where, areas[i] = _parse_one(text, sizes[i, 0] * sizes[i, 1], runs,
                                                    boxes)
        if error != OK:
            return areas, out, i, error, where
        if boxes:
            _bbox(runs[:n_runs], sizes[i, 0], sizes[i, 1], out[i])
    return areas, out, -1, OK, 0


@kernel
def merge_counts(chars, lengths, sizes, intersect):
    """Union (or intersection) of RLEs of one size, folded left to right.

    Returns ``runs, bad, error, where`` (see :func:`parse_counts`). RLEs with no run
    of 0 after the first are combined by :func:`_combine_plain`, others by
    pycocotools' walk (:func:`_combine`); both give pycocotools' runs.
    """
    total = sizes[0, 0] * sizes[0, 1]
    longest = _longest(lengths)
    merged = np.empty(0, np.int64)
    result = np.empty(0, np.int64)
    b = np.empty(longest, np.int64)
    room = 0
    n_merged = 0
    plain = True
    start = 0
    for i in range(lengths.size):
        text = chars[start:start + lengths[i]]
        start += lengths[i]
        n_runs, error, where, _ = _parse_one(text, total, b)
        if error != OK:
            return merged[:0], i, error, where
        if i == 0:
            room = 2 * longest + 2
            merged = np.empty(room, np.int64)
            result = np.empty(room, np.int64)
            _copy(b, n_runs, merged)
            n_merged = n_runs
            plain = _plain_runs(b[:n_runs])
            continue
        if n_merged + n_runs > room:
            room = 2 * (n_merged + n_runs)
            grown = np.empty(room, np.int64)
            _copy(merged, n_merged, grown)
            merged = grown
            result = np.empty(room, np.int64)
        if plain and n_merged and n_runs and _plain_runs(b[:n_runs]):
            n_merged = _combine_plain(merged[:n_merged], b[:n_runs], intersect, result)
        else:
            n_merged, _, _ = _combine(merged[:n_merged], b[:n_runs], intersect, result)
            plain = _plain_runs(result[:n_merged])
        merged, result = result, merged
    out = np.empty(n_merged, np.int64)
    _copy(merged, n_merged, out)
    return out, -1, OK, 0


@kernel
def _combine_plain(a, b, intersect, out):
    """The runs of :func:`_combine` for two RLEs of one size with no run of 0 after
    the first (then the walk's runs are the combined mask's, none of 0 but a first).

    Goes over the runs of the RLE with fewer: where one of its runs decides the
    result alone (a foreground run for a union, a background run for an
    intersection), the other RLE's runs under it are passed over in a loop of one
    addition each; elsewhere the result follows the other RLE. Folding many masks
    into a union that soon covers most pixels (or an intersection that soon covers
    few) then costs little more than reading them. Returns the number of runs
    written to ``out`` (room for ``a.size + b.size``).
    """
    if b.size < a.size:
        a, b = b, a
    deciding = not intersect
    n_out = 0
    state = False                  # of the run of the result being built
    length = np.int64(0)
    j = 0
    b_end = b[0]
    b_state = False
    a_end = np.int64(0)
    for i in range(a.size):
        a_state = i % 2 == 1
        a_start = a_end
        a_end += a[i]
        if a_state == deciding:
            n_out, state, length = _grow(out, n_out, state, length, a_state,
                                         a_end - a_start)
            while b_end <= a_end and j + 1 < b.size:
                j += 1
                b_end += b[j]
            b_state = j % 2 == 1
        else:
            position = a_start
            while b_end < a_end:
                n_out, state, length = _grow(out, n_out, state, length, b_state,
                                             b_end - position)
                position = b_end
                j += 1
                b_end += b[j]
                b_state = not b_state
            n_out, state, length = _grow(out, n_out, state, length, b_state,
                                         a_end - position)
            if b_end == a_end and j + 1 < b.size:
                j += 1
                b_end += b[j]
                b_state = not b_state
    out[n_out] = length
    return n_out + 1


@kernel
def _grow(out, n_out, state, length, piece_state, piece):
    """Add ``piece`` pixels of ``piece_state`` to the result's last run, or close that
    run in ``out`` and start another; returns the new ``n_out, state, length``."""
    if piece == 0 or piece_state == state:
        return n_out, state, length + piece
    out[n_out] = length
    return n_out + 1, piece_state, piece


@kernel
def _copy(source, n, target):
    """``target[:n] = source[:n]`` as a loop (it compiles much faster than slices)."""
    for k in range(n):
        target[k] = source[k]


@kernel
def _combine(a, b, intersect, out):
    """Walk two RLEs of one size together, as pycocotools does.

    Writes the runs of their union (or, with ``intersect``, their intersection) to
    ``out`` (room for ``a.size + b.size`` runs; or nothing, when ``out`` is empty)
    and returns how many, with the pixel counts of the intersection and of the
    union.
    """
    keep = out.size > 0
    left_a, left_b = a[0], b[0]
    in_a = in_b = inside = False
    next_a = next_b = 1
    inter = union = 0
    n_out = 0
    length = 0
    remaining = 1
    while remaining > 0:
        if ((left_a == 0 and next_a >= a.size and left_b > 0)
                or (left_b == 0 and next_b >= b.size and left_a > 0)):
            break  # one RLE ended before the other: pycocotools' loop never ends here
        step = min(left_a, left_b)
        length += step
        if in_a or in_b:
            union += step
            if in_a and in_b:
                inter += step
        left_a -= step
        if left_a == 0 and next_a < a.size:
            left_a = a[next_a]
            next_a += 1
            in_a = not in_a
        left_b -= step
        if left_b == 0 and next_b < b.size:
            left_b = b[next_b]
            next_b += 1
            in_b = not in_b
        remaining = left_a + left_b
        if not keep:
            continue
        was_inside = inside
        inside = (in_a and in_b) if intersect else (in_a or in_b)
        if inside != was_inside or remaining == 0:
            out[n_out] = length
            n_out += 1
            length = 0
    return n_out, inter, union


def pair_ious(dt_runs, dt_offsets, dt_sizes, gt_runs, gt_offsets, gt_sizes, dt_index,
              gt_index, crowd):
    """IoU of RLE ``dt_index[p]`` with RLE ``gt_index[p]`` for each pair ``p``.

    Pairs whose boxes do not overlap are 0 without walking their runs; against a crowd
    ground truth (``crowd[p]``) the union is the detection's area. The RLEs are measured,
    and the pairs compared, on every core.

    Examples
    --------
    >>> runs, offsets, sizes = np.array([0, 2, 2, 1, 2, 1]), np.array([0, 3, 6]), \\
    ...     np.array([[1, 4], [1, 4]])
    >>> pair_ious(runs, offsets, sizes, runs, offsets, sizes, np.array([0]), np.array([1]),
    ...           np.array([False])).tolist()
    [0.3333333333333333]
    """
    dt_boxes, dt_areas, dt_plain = measured(dt_runs, dt_offsets, dt_sizes)
    gt_boxes, gt_areas, gt_plain = measured(gt_runs, gt_offsets, gt_sizes)
    out = np.zeros(dt_index.size)
    # a pair costs about a walk over one RLE's runs: the mean RLE's
    per_pair = (dt_runs.size + gt_runs.size) // max(dt_offsets.size + gt_offsets.size - 2, 1)
    in_threads(_pair_ious_into, [
        (dt_runs, dt_offsets, dt_boxes, dt_areas, dt_plain, gt_runs, gt_offsets, gt_boxes,
         gt_areas, gt_plain, dt_index, gt_index, crowd, start, stop, out)
        for start, stop in even_ranges(dt_index.size, dt_index.size * per_pair)])
    return out


@kernel(nogil=True)
def _pair_ious_into(dt_runs, dt_offsets, dt_boxes, dt_areas, dt_plain, gt_runs, gt_offsets,
                    gt_boxes, gt_areas, gt_plain, dt_index, gt_index, crowd, start, stop,
                    out):
    """:func:`pair_ious` of pairs ``start:stop``, into ``out``."""
    no_runs = np.empty(0, np.int64)
    for p in range(start, stop):
        d, g = dt_index[p], gt_index[p]
        for axis in range(2):
            if (min(dt_boxes[d, axis + 2] + dt_boxes[d, axis],
                    gt_boxes[g, axis + 2] + gt_boxes[g, axis])
                    - max(dt_boxes[d, axis], gt_boxes[g, axis]) <= 0):
                break
        else:
            a = dt_runs[dt_offsets[d]:dt_offsets[d + 1]]
            b = gt_runs[gt_offsets[g]:gt_offsets[g + 1]]
            if dt_plain[d] and gt_plain[g]:
                inter = _intersection(a, b)
                union = dt_areas[d] + gt_areas[g] - inter
            else:
                _, inter, union = _combine(a, b, False, no_runs)
            if inter:
                out[p] = inter / (dt_areas[d] if crowd[p] else union)


@kernel
def _plain_runs(runs):
    """Whether the runs of one RLE after the first are all > 0: then pycocotools' walk
    counts its pixels exactly (a run of 0 inside can end the walk early)."""
    empty = False
    for j in range(1, runs.size):  # no early exit, so that the loop compiles to vector code
        empty |= runs[j] == 0
    return not empty


@kernel
def _intersection(a, b):
    """Pixels in the foreground of both RLEs (of one size), found by walking their
    foreground intervals side by side: half the steps of a walk over every run."""
    if a.size < 2 or b.size < 2:
        return 0
    inter = 0
    i = j = 1
    start_a, start_b = a[0], b[0]
    end_a, end_b = start_a + a[1], start_b + b[1]
    while True:
        inter += max(min(end_a, end_b) - max(start_a, start_b), 0)
        if end_a <= end_b:
            i += 2
            if i >= a.size:
                return inter
            start_a = end_a + a[i - 1]
            end_a = start_a + a[i]
        else:
            j += 2
            if j >= b.size:
                return inter
            start_b = end_b + b[j - 1]
            end_b = start_b + b[j]


def polygon_runs(xy, starts, height, width):
    """Run lengths of polygons rasterised: polygon ``i`` is ``xy[starts[i]:starts[i + 1]]``
    (``(K, 2)`` float64 x, y vertices). Returns ``runs, offsets``: polygon ``i``'s
    runs are ``runs[offsets[i]:offsets[i + 1]]``.

    As COCO does it: vertices scaled by 5 and rounded, the closed boundary traced
    densely at that scale, and wherever it crosses a pixel column's centre line the
    first pixel row below it marks a switch between background and foreground.

    Examples
    --------
    >>> runs, offsets = polygon_runs(np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]]),
    ...                              np.array([0, 3]), 4, 5)
    >>> runs.tolist(), offsets.tolist()
    ([0, 3, 1, 2, 2, 1, 11], [0, 7])
    """
    height, width = int(height), int(width)
    xy, starts = np.ascontiguousarray(xy, np.float64), np.asarray(starts, np.int64)
    if starts[0] != 0 or starts[-1] != xy.shape[0] or (np.diff(starts) < 0).any():
        raise ValueError(f"starts must rise from 0 to the {xy.shape[0]} vertices, got "
                         f"{starts.tolist()[:10]}")   # the kernel does not check bounds
    n = starts.size - 1
    pieces = even_ranges(n, 10 * (height + width) * n)  # the work as masks counts it
    return joined(in_threads(_polygon_piece, [(xy, starts, start, stop, height, width)
                                              for start, stop in pieces]))


def _polygon_piece(xy, starts, start, stop, height, width):
    """:func:`polygon_runs` of polygons ``start:stop``."""
    first, last = starts[start], starts[stop]
    switches, offsets = _polygon_switches(xy[first:last], starts[start:stop + 1] - first,
                                          height, width)
    return _runs_from_switches(switches, offsets, height * width)


def joined(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The ``runs, offsets`` of several calls one after another.

    Examples
    --------
    >>> runs, offsets = joined([(np.array([1, 2]), np.array([0, 2])),
    ...                         (np.array([3, 4, 5]), np.array([0, 1, 3]))])
    >>> runs.tolist(), offsets.tolist()
    ([1, 2, 3, 4, 5], [0, 2, 3, 5])
    """
    if len(parts) == 1:
        return parts[0]
    shifts = np.cumsum([0] + [runs.size for runs, _ in parts[:-1]])
    return (np.concatenate([runs for runs, _ in parts]),
            np.concatenate([parts[0][1][:1]] + [offsets[1:] + shift for (_, offsets), shift
                                                 in zip(parts, shifts)]))


@kernel(nogil=True)
def _polygon_switches(xy, starts, height, width):
    """Positions (column-major) where each rasterised polygon switches, sorted:
    polygon ``i``'s are ``switches[offsets[i]:offsets[i + 1]]``.

    pycocotools traces every point of the boundary at 5x scale and keeps the steps
    between two points whose left column is a pixel centre (``5 k + 2``). Along an edge
    wider than tall every step moves one column, so only every fifth is visited here;
    the points it reads are computed with pycocotools' arithmetic, so the switches are
    the same, and an edge taller than wide is walked point by point. Each polygon's
    switches are then sorted by column (a counting sort) and, within a column, by row.
    """
    scale = float(POLYGON_UPSAMPLING)
    step = POLYGON_UPSAMPLING
    centre = (POLYGON_UPSAMPLING - 1) // 2   # the scaled column of a pixel centre, mod 5
    n = starts.size - 1
    # the vertices at 5x scale, each polygon closed (its first vertex again after its
    # last): polygon i's k + 1 vertices start at starts[i] + i
    xs = np.empty(xy.shape[0] + n, np.int64)
    ys = np.empty(xy.shape[0] + n, np.int64)
    n_traced = longest = 0
    for i in range(n):
        base, k = starts[i] + i, starts[i + 1] - starts[i]
        for j in range(k):
            xs[base + j] = int(scale * xy[starts[i] + j, 0] + 0.5)
            ys[base + j] = int(scale * xy[starts[i] + j, 1] + 0.5)
        xs[base + k], ys[base + k] = xs[base], ys[base]
        traced = 0
        for j in range(base, base + k):
            traced += max(abs(xs[j] - xs[j + 1]), abs(ys[j] - ys[j + 1])) + 1
        n_traced += traced
        longest = max(longest, traced)
    switches = np.empty(n_traced, np.int64)   # at most one per traced point
    columns = np.empty(longest, np.int64)     # the pixel column of each, per polygon
    offsets = np.zeros(n + 1, np.int64)
    per_column = np.empty(width + 1, np.int64)
    scratch = np.empty(longest, np.int64)
    for i in range(n):
        base, k = starts[i] + i, starts[i + 1] - starts[i]
        count = offsets[i]
        u_prev = v_prev = 0
        started = False
        for j in range(base, base + k):
            x0, x1, y0, y1 = xs[j], xs[j + 1], ys[j], ys[j + 1]
            dx, dy = abs(x1 - x0), abs(y0 - y1)
            flip = (dx >= dy and x0 > x1) or (dx < dy and y0 > y1)
            if flip:
                x0, x1 = x1, x0
                y0, y1 = y1, y0
            if dx >= dy:
                slope = (y1 - y0) / dx if dx else np.nan
                t = dx if flip else 0                        # the edge's first point
                u, v = t + x0, int(y0 + slope * t + 0.5)
                if started and u != u_prev:
                    count = _crossing(u if u < u_prev else u - 1, min(v, v_prev), height,
                                      width, switches, columns, count, offsets[i])
                # the step between t = s and s + 1 has column x0 + s on its left
                for s in range((centre - x0) % step, dx, step):
                    low = min(int(y0 + slope * s + 0.5), int(y0 + slope * (s + 1) + 0.5))
                    count = _crossing(x0 + s, low, height, width, switches, columns, count,
                                      offsets[i])
                t = 0 if flip else dx                        # and its last
                u_prev, v_prev = t + x0, int(y0 + slope * t + 0.5)
            else:
                slope = (x1 - x0) / dy
                for d in range(dy + 1):
                    t = dy - d if flip else d
                    u, v = int(x0 + slope * t + 0.5), t + y0
                    if (started or d) and u != u_prev:
                        count = _crossing(u if u < u_prev else u - 1, min(v, v_prev),
                                          height, width, switches, columns, count,
                                          offsets[i])
                    u_prev, v_prev = u, v
            started = True
        offsets[i + 1] = count
        _sort_switches(switches, columns, offsets[i], count, per_column, scratch)
    return switches[:offsets[n]], offsets


@kernel
def _crossing(column, v_low, height, width, switches, columns, count, first):
    """Record the switch of a step whose left column (at 5x scale) is ``column`` and
    whose lower point is at ``v_low``, if that column is a pixel centre inside the
    image, and its pixel column in ``columns[count - first]`` (the polygon's switches
    start at ``first``). Returns the new count of ``switches``.

    pycocotools computes ``x = (column + .5) / 5 - .5`` and ``y = ceil((v_low + .5) / 5
    - .5)``, clamped to ``[0, height]``: that is ``(column - 2) / 5`` and ``(v_low - 2) /
    5`` exactly (a quotient at a half is exact in floating point, one elsewhere is at
    least 0.2 from an integer), so integers give the same pixels without a division.
    """
    step = POLYGON_UPSAMPLING
    centre = (POLYGON_UPSAMPLING - 1) // 2
    if (column - centre) % step:
        return count
    x = (column - centre) // step
    if x < 0 or x > width - 1:
        return count
    row = min(max(-((centre - v_low) // step), 0), height)   # ceil((v_low - 2) / 5)
    switches[count] = x * height + row
    columns[count - first] = x
    return count + 1


@kernel
def _sort_switches(switches, columns, start, end, per_column, scratch):
    """Sort ``switches[start:end]``, whose pixel columns are ``columns[:end - start]``:
    counted into place by column (``per_column``, ``width + 1`` long, and ``scratch``,
    at least ``end - start`` long, are work space), then by row within each column (an
    insertion sort: a column holds a few)."""
    if end - start < 2:
        return
    low, high = columns[0], columns[0]
    for j in range(start, end):
        low, high = min(low, columns[j - start]), max(high, columns[j - start])
    for c in range(low, high + 2):
        per_column[c] = 0
    for j in range(start, end):
        per_column[columns[j - start] + 1] += 1
    for c in range(low + 1, high + 2):
        per_column[c] += per_column[c - 1]
    for j in range(start, end):
        c = columns[j - start]
        scratch[per_column[c]] = switches[j]
        per_column[c] += 1
    for j in range(1, end - start):   # each is out of order only within its column
        value = scratch[j]
        k = j
        while k > 0 and scratch[k - 1] > value:
            scratch[k] = scratch[k - 1]
            k -= 1
        scratch[k] = value
    for j in range(end - start):
        switches[start + j] = scratch[j]


@kernel(nogil=True)
def _runs_from_switches(switches, offsets, total):
    """Run lengths between sorted switches and up to ``total`` pixels, for each block
    ``switches[offsets[i]:offsets[i + 1]]``; returns ``runs, run_offsets``.

    As pycocotools does it: the first run ends at the first switch; a run of length
    0 (two switches at one pixel) is dropped and the run after it joins the one
    before it.
    """
    n_blocks = offsets.size - 1
    out = np.empty(switches.size + n_blocks, np.int64)
    run_offsets = np.zeros(n_blocks + 1, np.int64)
    for i in range(n_blocks):
        start, n = offsets[i], offsets[i + 1] - offsets[i]
        first = run_offsets[i]
        out[first] = switches[start] if n else total
        n_out = 1
        j = 0
        while j < n:
            length = (switches[start + j + 1] if j + 1 < n else total) - switches[start + j]
            j += 1
            if length > 0:
                out[first + n_out] = length
                n_out += 1
            elif j < n:
                out[first + n_out - 1] += ((switches[start + j + 1] if j + 1 < n else total)
                                           - switches[start + j])
                j += 1
        run_offsets[i + 1] = first + n_out
    return out[:run_offsets[n_blocks]], run_offsets
