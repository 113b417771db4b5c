"""The mask kernels in numpy (private): same arguments, same results, no compiler.

Each function here takes the arguments of the numba kernel of the same name in
:mod:`~imgprep_course.datasets._rle` or :mod:`~imgprep_course.datasets._rle_ops` and
returns what it returns (the same runs, counts strings, areas, boxes, IoUs and error
reports; tested against the kernels on random cases), working on all RLEs of a call at
once, array at a time. They serve the calls of a process until it has given a kernel
enough work to repay compiling it (:mod:`~imgprep_course.datasets._rle_paths`), so a
fresh install's lessons and short CLI runs never wait for numba.

Two walks of pycocotools end early on RLEs that hold a run of length 0 after the first
run (``merge`` and ``iou`` stop where both RLEs sit on such a run at once); on those
rare hand-made RLEs :func:`merge_counts` and :func:`pair_ious` hand the call to the
kernel, which takes pycocotools' steps one by one. So does :func:`polygon_runs` for a
polygon whose outline, traced at 5x scale, has more than :data:`TRACE_LIMIT` points
(the twin's arrays would take gigabytes).
"""

from __future__ import annotations

import numpy as np

from imgprep_course._jit import lazy_module

# Error codes of the parsers (kernels and twins); ``_rle_checks`` turns them into messages.
OK, BAD_CHARACTER, TRUNCATED, TOO_LONG, NEGATIVE_RUN, WRONG_TOTAL = range(6)
# Polygons are scaled by this factor before their boundary is traced.
POLYGON_UPSAMPLING = 5
_MAX_GROUPS = 12          # 5-bit groups in one number (a 64-bit value)
#: Polygons whose traced outline has more points go to the kernel (the twin's arrays
#: would take gigabytes).
TRACE_LIMIT = 1 << 22
_NONE = np.iinfo(np.int64).max   # "no such position yet", for minima

_rle = lazy_module("imgprep_course.datasets._rle")
_rle_ops = lazy_module("imgprep_course.datasets._rle_ops")


# --------------------------------------------------------------------- helpers
def _segment_starts(counts: np.ndarray) -> np.ndarray:
    """Offsets ``(N + 1,)`` of segments of the given sizes."""
    offsets = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _local_index(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every element of segments ``offsets``: its segment and its index in it."""
    counts = np.diff(offsets)
    segment = np.repeat(np.arange(counts.size), counts)
    return segment, np.arange(offsets[-1]) - offsets[:-1][segment]


def _per_segment(ufunc, values: np.ndarray, segment: np.ndarray, n: int, empty):
    """``ufunc`` reduced over the values of each of ``n`` segments (``segment``: sorted
    segment numbers of ``values``); ``empty`` where a segment has none."""
    out = np.full(n, empty, values.dtype)
    if values.size:
        heads = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]]))
        out[segment[heads]] = ufunc.reduceat(values, heads)
    return out


def _positions(runs: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Where each run starts, counted from the start of its own RLE."""
    ends = np.cumsum(runs)
    segment, _ = _local_index(offsets)
    before = np.concatenate([[0], ends])[offsets[:-1]]
    return ends - runs - before[segment]


# ------------------------------------------------------------------------ codec
def runs_to_chars(runs: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts strings of several RLEs, concatenated, and where each one starts.

    Examples
    --------
    >>> chars, starts = runs_to_chars(np.array([5, 2, 2, 2, 2, 2, 5]), np.array([0, 7]))
    >>> chars.tobytes(), starts.tolist()
    (b'5220003', [0, 7])
    """
    runs = runs.astype(np.int64, copy=False)
    _, local = _local_index(offsets)
    value = runs.copy()
    later = local > 2
    value[later] -= runs[np.flatnonzero(later) - 2]
    groups = np.empty((_MAX_GROUPS + 1, value.size), np.uint8)
    n_groups = np.zeros(value.size, np.int64)
    active = np.ones(value.size, bool)
    rounds = 0
    while active.any():  # at most 13 rounds: a 64-bit value has 13 groups of 5 bits
        group = value & 0x1F
        value >>= 5
        more = np.where(group & 0x10, value != -1, value != 0) & active
        groups[rounds] = group + 48 + (more << 5)
        n_groups += active
        active = more
        rounds += 1
    written = np.arange(rounds)[:, None] < n_groups
    chars = groups[:rounds].T[written.T]
    return chars, np.concatenate([[0], np.cumsum(n_groups)])[offsets]


def parse_counts(chars, lengths, sizes, out=None):
    """Run lengths from concatenated counts strings, checking each string (as the kernel;
    the runs into ``out`` if given).

    Examples
    --------
    >>> runs, offsets, bad, error, where = parse_counts(
    ...     np.frombuffer(b"5220003", np.uint8), np.array([7]), np.array([[4, 5]]))
    >>> runs.tolist(), offsets.tolist(), bad
    ([5, 2, 2, 2, 2, 2, 5], [0, 7], -1)
    """
    lengths = np.asarray(lengths, np.int64)
    n = lengths.size
    string_starts = _segment_starts(lengths)
    string, position = _local_index(string_starts)
    group = chars.astype(np.int64) - 48
    problem = np.zeros(n, np.int64)
    where = np.zeros(n, np.int64)
    # characters outside '0'..'o', then a string whose last character says "more"
    outside = (chars < 48) | (chars > 111)
    if outside.any():
        first = _per_segment(np.minimum, position[outside], string[outside], n, _NONE)
        _report(problem, where, first < _NONE, BAD_CHARACTER, first)
    nonempty = lengths > 0
    last = string_starts[1:][nonempty] - 1
    truncated = np.zeros(n, bool)
    truncated[nonempty] = (group[last] & 0x20) != 0
    _report(problem, where, truncated, TRUNCATED, lengths)
    # numbers: a group without bit 0x20 ends one (so does a string's last character)
    ends = (group & 0x20) == 0
    ends[last] = True
    number_of = np.concatenate([[0], np.cumsum(ends)[:-1]])
    number_starts = np.flatnonzero(np.concatenate([[True], ends[:-1]])) \
        if group.size else np.zeros(0, np.int64)
    in_number = np.arange(group.size) - number_starts[number_of] if group.size \
        else np.zeros(0, np.int64)
    shift = 5 * np.minimum(in_number, _MAX_GROUPS - 1)
    part = np.where(in_number < _MAX_GROUPS, (group & 0x1F) << shift, 0)
    value = np.add.reduceat(part, number_starts) if group.size else np.zeros(0, np.int64)
    end_of_number = np.flatnonzero(ends)
    n_groups = in_number[end_of_number] + 1
    negative = (group[end_of_number] & 0x10) != 0
    sign_shift = 5 * np.minimum(n_groups, _MAX_GROUPS)
    value[negative] |= np.int64(-1) << sign_shift[negative]
    too_long = n_groups > _MAX_GROUPS
    # which string and which run each number is; runs from the fourth on add the
    # run two before them (a cumulative sum over the odd and over the even runs)
    number_string = string[end_of_number]
    n_runs = np.bincount(number_string, minlength=n).astype(np.int64)
    offsets = _segment_starts(n_runs)
    run_index = np.arange(value.size) - offsets[:-1][number_string]
    runs = value.copy()
    for chain in ((run_index % 2 == 1), (run_index % 2 == 0) & (run_index >= 2)):
        members = np.flatnonzero(chain)
        if members.size:
            total = np.cumsum(value[members])
            head = np.concatenate([[True], number_string[members][1:]
                                   != number_string[members][:-1]])
            base = (total - value[members])[head]
            runs[members] = total - base[np.cumsum(head) - 1]
    faulty = too_long | (runs < 0)
    if faulty.any():
        first_bad_run = _per_segment(np.minimum, run_index[faulty], number_string[faulty],
                                     n, _NONE)
        k = np.flatnonzero(first_bad_run < _NONE)
        number = offsets[k] + first_bad_run[k]
        long_here = too_long[number]
        code = np.where(long_here, TOO_LONG, NEGATIVE_RUN)
        spot = np.where(long_here, position[end_of_number[number]] + 1, first_bad_run[k])
        chosen = np.zeros(n, bool)
        chosen[k] = True
        codes, spots = np.zeros(n, np.int64), np.zeros(n, np.int64)
        codes[k], spots[k] = code, spot
        _report(problem, where, chosen, codes, spots)
    covered = _per_segment(np.add, runs, number_string, n, 0)
    wrong = nonempty & (covered != sizes[:, 0] * sizes[:, 1])
    _report(problem, where, wrong, WRONG_TOTAL, covered)
    bad = np.flatnonzero(problem)
    if bad.size:
        i = int(bad[0])
        return runs[:0], offsets, i, int(problem[i]), int(where[i])
    if out is not None:
        out[:runs.size] = runs
        runs = out[:runs.size]
    return runs, offsets, -1, OK, 0


def _report(problem, where, found, code, spot) -> None:
    """Record ``code`` (and ``spot``) for strings ``found`` that have no problem yet."""
    new = found & (problem == 0)
    problem[new] = code[new] if isinstance(code, np.ndarray) else code
    where[new] = spot[new]


def encode(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Counts strings of the masks ``stack[:, :, i]`` (uint8), as the encode kernels give.

    Returns ``chars, starts, bad`` (``bad``: the first mask with a value other than 0
    and 1, or -1).

    Examples
    --------
    >>> mask = np.zeros((4, 5, 1), np.uint8)
    >>> mask[1:3, 1:4] = 1
    >>> encode(mask)[0].tobytes()
    b'5220003'
    """
    height, width, n = stack.shape
    if stack.size and stack.max() > 1:
        return np.zeros(0, np.uint8), np.zeros(n + 1, np.int64), \
            int(np.argmax((stack > 1).any(axis=(0, 1))))
    columns = stack.transpose(2, 1, 0).reshape(n, height * width)
    changed = np.empty(columns.shape, bool)
    changed[:, :1] = columns[:, :1] != 0
    np.not_equal(columns[:, 1:], columns[:, :-1], out=changed[:, 1:])
    mask, position = np.nonzero(changed)
    offsets = _segment_starts(np.bincount(mask, minlength=n) + 1)
    ends = np.empty(offsets[-1], np.int64)
    ends[np.arange(mask.size) + mask] = position
    ends[offsets[1:] - 1] = height * width
    runs = np.diff(ends, prepend=0)
    runs[offsets[:-1]] = ends[offsets[:-1]]
    chars, starts = runs_to_chars(runs, offsets)
    return chars, starts, -1


def decode_counts(chars, lengths, sizes, out):
    """Paint RLE ``i`` into ``out[i]`` (zeros); returns ``bad, error, where`` (as the
    kernel).

    Examples
    --------
    >>> out = np.zeros((1, 4), np.uint8)
    >>> decode_counts(np.frombuffer(b"112", np.uint8), np.array([3]), np.array([[2, 2]]), out)
    (-1, 0, 0)
    >>> out.tolist()
    [[0, 1, 0, 0]]
    """
    runs, offsets, *problem = parse_counts(chars, lengths, sizes)
    if problem[0] >= 0:
        return tuple(problem)
    _, local = _local_index(offsets)
    out.reshape(-1)[:] = np.repeat((local % 2).astype(np.uint8), runs)
    return -1, OK, 0


# ----------------------------------------------------------------- measurements
def boxes_and_areas(runs, offsets, sizes):
    """Box ``[x, y, w, h]`` (float64) and area of each of several RLEs (as the kernel).

    Examples
    --------
    >>> boxes, areas = boxes_and_areas(np.array([1, 2, 3]), np.array([0, 3]), np.array([[2, 3]]))
    >>> boxes.tolist(), areas.tolist()
    ([[0.0, 0.0, 2.0, 2.0]], [2])
    """
    n = offsets.size - 1
    segment, local = _local_index(offsets)
    odd = local % 2 == 1
    areas = _per_segment(np.add, runs[odd].astype(np.int64), segment[odd], n, 0)
    boxes = np.zeros((n, 4))
    fg = np.flatnonzero(odd & (runs > 0))
    if fg.size:
        start = _positions(runs, offsets)[fg]
        rle = segment[fg]
        height = sizes[rle, 0]
        x_start, y_start = start // height, start % height
        x_end, y_end = (start + runs[fg] - 1) // height, (start + runs[fg] - 1) % height
        found = np.unique(rle)
        x_min = _per_segment(np.minimum, x_start, rle, n, 0)
        x_max = _per_segment(np.maximum, x_end, rle, n, 0)
        spans = x_start < x_end
        y_min = _per_segment(np.minimum, np.where(spans, 0, y_start), rle, n, 0)
        y_max = _per_segment(np.maximum, np.where(spans, height - 1, y_end), rle, n, 0)
        boxes[found, 0] = x_min[found]
        boxes[found, 1] = y_min[found]
        boxes[found, 2] = x_max[found] - x_min[found] + 1
        boxes[found, 3] = y_max[found] - y_min[found] + 1
    return boxes, areas


def measure_counts(chars, lengths, sizes, boxes):
    """Areas and (with ``boxes``) boxes from counts strings; ``areas, bboxes, bad, error,
    where`` as the kernel returns them.

    Examples
    --------
    >>> measure_counts(np.frombuffer(b"123", np.uint8), np.array([3]), np.array([[2, 3]]),
    ...                True)[:3]
    (array([2]), array([[0., 0., 2., 2.]]), -1)
    """
    runs, offsets, *problem = parse_counts(chars, lengths, sizes)
    n = np.size(lengths)
    if problem[0] >= 0:
        return (np.zeros(n, np.int64), np.zeros((n, 4))) + tuple(problem)
    found, areas = boxes_and_areas(runs, offsets, sizes)
    return areas, found if boxes else np.zeros((n, 4)), -1, OK, 0


# -------------------------------------------------------------------- two masks
def _has_inner_empty_run(runs: np.ndarray, offsets: np.ndarray) -> bool:
    """Whether some RLE has a run of length 0 after its first run."""
    zero = runs == 0
    zero[offsets[:-1][np.diff(offsets) > 0]] = False
    return bool(zero.any())


def _combine(a: np.ndarray, b: np.ndarray, intersect: bool) -> np.ndarray:
    """Runs of the union (intersection) of two RLEs of one size without inner empty
    runs: the runs of the combined mask, a first run of 0 if it starts with foreground."""
    total = int(a.sum())
    cuts_a, cuts_b = np.cumsum(a)[:-1], np.cumsum(b)[:-1]
    cuts = np.union1d(cuts_a, cuts_b)
    in_a = np.searchsorted(cuts_a, cuts, "right") % 2 == 1
    in_b = np.searchsorted(cuts_b, cuts, "right") % 2 == 1
    inside = (in_a & in_b) if intersect else (in_a | in_b)
    changes = cuts[inside != np.concatenate([[False], inside[:-1]])]
    return np.diff(np.concatenate([[0], changes, [total]]))


def merge_counts(chars, lengths, sizes, intersect):
    """Union (or intersection) of RLEs of one size, folded left to right (as the kernel).

    Examples
    --------
    >>> merge_counts(np.frombuffer(b"022121", np.uint8), np.array([3, 3]),
    ...              np.array([[1, 4], [1, 4]]), False)[0].tolist()
    [0, 3, 1]
    """
    runs, offsets, *problem = parse_counts(chars, lengths, sizes)
    if problem[0] >= 0:
        return (runs[:0],) + tuple(problem)
    if _has_inner_empty_run(runs, offsets):
        return _rle_ops.merge_counts(chars, lengths, sizes, intersect)
    merged = runs[offsets[0]:offsets[1]]
    for i in range(1, offsets.size - 1):
        merged = _combine(merged, runs[offsets[i]:offsets[i + 1]], intersect)
    return merged.astype(np.int64, copy=True), -1, OK, 0


def pair_ious(dt_runs, dt_offsets, dt_sizes, gt_runs, gt_offsets, gt_sizes, dt_index,
              gt_index, crowd):
    """IoU of RLE ``dt_index[p]`` with RLE ``gt_index[p]`` for each pair (as the kernel).

    Examples
    --------
    >>> runs, offsets, sizes = np.array([0, 2, 2, 1, 2, 1]), np.array([0, 3, 6]), \\
    ...     np.array([[1, 4], [1, 4]])
    >>> pair_ious(runs, offsets, sizes, runs, offsets, sizes, np.array([0]), np.array([1]),
    ...           np.array([False])).tolist()
    [0.3333333333333333]
    """
    if _has_inner_empty_run(dt_runs, dt_offsets) or _has_inner_empty_run(gt_runs,
                                                                          gt_offsets):
        return _rle_ops.pair_ious(dt_runs, dt_offsets, dt_sizes, gt_runs, gt_offsets,
                                  gt_sizes, dt_index, gt_index, crowd)
    dt_boxes, dt_areas = boxes_and_areas(dt_runs, dt_offsets, dt_sizes)
    gt_boxes, gt_areas = boxes_and_areas(gt_runs, gt_offsets, gt_sizes)
    out = np.zeros(dt_index.size)
    d_box, g_box = dt_boxes[dt_index], gt_boxes[gt_index]
    overlap = ((np.minimum(d_box[:, 2:] + d_box[:, :2], g_box[:, 2:] + g_box[:, :2])
                - np.maximum(d_box[:, :2], g_box[:, :2])) > 0).all(axis=1)
    pairs = np.flatnonzero(overlap)
    if not pairs.size:
        return out
    # the foreground counted up to any position of the ground truths laid end to end
    gt_total = gt_sizes[:, 0] * gt_sizes[:, 1]
    gt_base = np.concatenate([[0], np.cumsum(gt_total)])
    gt_segment, gt_local = _local_index(gt_offsets)
    gt_start = _positions(gt_runs, gt_offsets) + gt_base[gt_segment]
    gt_fg = gt_local % 2 == 1
    fg_before = np.concatenate([[0], np.cumsum(np.where(gt_fg, gt_runs, 0))[:-1]])

    def foreground_below(x):
        k = np.searchsorted(gt_start, x, "right") - 1
        return fg_before[k] + np.where(gt_fg[k], x - gt_start[k], 0)

    # each detection's foreground runs, once per pair it takes part in
    dt_segment, dt_local = _local_index(dt_offsets)
    dt_start = _positions(dt_runs, dt_offsets)
    fg_runs = np.flatnonzero((dt_local % 2 == 1) & (dt_runs > 0))
    per_dt = np.bincount(dt_segment[fg_runs], minlength=dt_offsets.size - 1)
    first = np.concatenate([[0], np.cumsum(per_dt)])
    d, g = dt_index[pairs], gt_index[pairs]
    count = per_dt[d]
    pair_of = np.repeat(np.arange(pairs.size), count)
    pair_first = np.concatenate([[0], np.cumsum(count)])
    run = fg_runs[first[d][pair_of] + np.arange(pair_of.size) - pair_first[:-1][pair_of]]
    base = gt_base[g][pair_of]
    covered = foreground_below(base + dt_start[run] + dt_runs[run]) \
        - foreground_below(base + dt_start[run])
    covered_before = np.concatenate([[0], np.cumsum(covered)])
    inter = covered_before[pair_first[1:]] - covered_before[pair_first[:-1]]
    union = np.where(crowd[pairs], dt_areas[d], dt_areas[d] + gt_areas[g] - inter)
    hit = inter > 0
    out[pairs[hit]] = inter[hit] / union[hit]
    return out


# ---------------------------------------------------------------------- polygons
def polygon_runs(xy, starts, height, width):
    """Run lengths of polygons rasterised as COCO does, polygon ``i`` being
    ``xy[starts[i]:starts[i + 1]]``: ``runs, offsets`` (as
    :func:`imgprep_course.datasets._rle_ops.polygon_runs`). All polygons are traced
    together, each point knowing its polygon.

    Examples
    --------
    >>> runs, offsets = polygon_runs(np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]]),
    ...                              np.array([0, 3]), 4, 5)
    >>> runs.tolist(), offsets.tolist()
    ([0, 3, 1, 2, 2, 1, 11], [0, 7])
    """
    height, width = int(height), int(width)
    xy, starts = np.asarray(xy, np.float64).reshape(-1, 2), np.asarray(starts, np.int64)
    n = starts.size - 1
    scale = float(POLYGON_UPSAMPLING)
    xs = (scale * xy[:, 0] + 0.5).astype(np.int64)
    ys = (scale * xy[:, 1] + 0.5).astype(np.int64)
    owner = np.repeat(np.arange(n), np.diff(starts))              # each vertex's polygon
    after = np.arange(1, xs.size + 1)
    filled = np.flatnonzero(np.diff(starts) > 0)
    after[starts[filled + 1] - 1] = starts[filled]          # the last edge closes it
    x0, x1, y0, y1 = xs, xs[after], ys, ys[after]
    dx, dy = np.abs(x1 - x0), np.abs(y0 - y1)
    wide = dx >= dy
    steps = np.where(wide, dx, dy)
    if steps.sum() + steps.size > TRACE_LIMIT:
        if n == 1:
            return _rle_ops.polygon_runs(xy, starts, height, width)
        half = n // 2   # each half's arrays are smaller
        low = polygon_runs(xy[:starts[half]], starts[:half + 1], height, width)
        high = polygon_runs(xy[starts[half]:], starts[half:] - starts[half], height, width)
        return (np.concatenate([low[0], high[0]]),
                np.concatenate([low[1], high[1][1:] + low[1][-1]]))
    flip = (wide & (x0 > x1)) | (~wide & (y0 > y1))
    x0, x1 = np.where(flip, x1, x0), np.where(flip, x0, x1)
    y0, y1 = np.where(flip, y1, y0), np.where(flip, y0, y1)
    edge = np.repeat(np.arange(xs.size), steps + 1)
    d = np.arange(edge.size) - np.concatenate([[0], np.cumsum(steps + 1)])[:-1][edge]
    t = np.where(flip[edge], steps[edge] - d, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(wide, (y1 - y0) / np.where(dx > 0, dx, 1),
                         (x1 - x0) / np.where(dy > 0, dy, 1))
        slope[wide & (dx == 0)] = np.nan
        e_wide = wide[edge]
        start = np.where(e_wide, y0[edge], x0[edge]).astype(np.float64)
        across = (start + slope[edge] * t + 0.5).astype(np.int64)
    along = t + np.where(e_wide, x0[edge], y0[edge])
    u = np.where(e_wide, along, across)
    v = np.where(e_wide, across, along)
    # column crossings within a polygon, scaled back to pixels: (column, first row inside)
    point_owner = owner[edge]
    keep = (u[1:] != u[:-1]) & (point_owner[1:] == point_owner[:-1])
    u_now, u_before = u[1:][keep], u[:-1][keep]
    v_low = np.minimum(v[1:], v[:-1])[keep]
    column = np.where(u_now < u_before, u_now, u_now - 1).astype(np.float64)
    column = (column + 0.5) / scale - 0.5
    inside = (np.floor(column) == column) & (column >= 0) & (column <= width - 1)
    row = (v_low[inside] + 0.5) / scale - 0.5
    row = np.ceil(np.minimum(np.maximum(row, 0.0), float(height)))
    switches = column[inside].astype(np.int64) * height + row.astype(np.int64)
    switch_owner = point_owner[1:][keep][inside]
    return _runs_from_switches(switches, _segment_starts(np.bincount(switch_owner,
                                                                     minlength=n)),
                               height * width)


def _runs_from_switches(switches: np.ndarray, offsets: np.ndarray,
                        total: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs between each block's switches and up to ``total``: ``runs, run_offsets``, as
    the kernel. Block ``i`` is ``switches[offsets[i]:offsets[i + 1]]``, in any order; a
    switch that occurs an even number of times in its block cancels out (the kernel's
    dropping of empty runs comes to this)."""
    n = offsets.size - 1
    block = np.repeat(np.arange(n), np.diff(offsets))
    keys, times = np.unique(block * (total + 1) + switches, return_counts=True)
    owner, places = np.divmod(keys[times % 2 == 1], total + 1)
    owner, places = owner[places < total], places[places < total]
    count = np.bincount(owner, minlength=n)
    run_offsets = _segment_starts(count + 1)
    local = np.arange(owner.size) - (np.cumsum(count) - count)[owner]
    before = np.where(local == 0, 0, np.concatenate([[0], places[:-1]]))
    runs = np.empty(run_offsets[-1], np.int64)
    runs[run_offsets[:-1][owner] + local] = places - before
    last = np.zeros(n, np.int64)
    last[owner] = places   # each block's last place (0 where it has none)
    runs[run_offsets[1:] - 1] = total - last
    return runs, run_offsets


def place_runs(runs, offsets, rows, part_runs, part_offsets) -> None:
    """Copy each block of a part to ``runs`` at ``offsets[rows[j]]`` (as the kernel).

    Examples
    --------
    >>> runs = np.zeros(4, np.int64)
    >>> place_runs(runs, np.array([0, 1, 3, 4]), np.array([2, 0]), np.array([7, 8, 9]),
    ...            np.array([0, 1, 3]))
    >>> runs.tolist()
    [8, 9, 0, 7]
    """
    count = np.diff(part_offsets)
    shift = np.repeat(offsets[:-1][rows] - part_offsets[:-1], count)
    runs[np.arange(part_offsets[-1]) + shift] = part_runs[:part_offsets[-1]]


def concatenate(pieces: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Run arrays one after another, and their offsets.

    Examples
    --------
    >>> runs, offsets = concatenate([np.array([1, 2]), np.array([3])])
    >>> runs.tolist(), offsets.tolist()
    ([1, 2, 3], [0, 2, 3])
    """
    if len(pieces) == 1:
        return pieces[0].astype(np.int64, copy=False), np.array([0, pieces[0].size])
    offsets = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum([piece.size for piece in pieces], out=offsets[1:])
    runs = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
    return runs.astype(np.int64, copy=False), offsets
