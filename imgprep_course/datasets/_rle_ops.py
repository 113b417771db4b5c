"""Numba kernels behind :mod:`imgprep_course.datasets.masks` (private): work on runs.

Runs are as in :mod:`~imgprep_course.datasets._rle` (column-major, background first,
several RLEs as one ``runs`` array plus ``offsets``). Here they are measured (area,
box), compared (box and mask IoU, also for many groups at once, as COCO evaluation
needs), merged and made from polygons.

Where a result depends on the order of the steps (polygon rasterisation, box
rounding, the walk that merges two RLEs, the IoU divisions), the kernels take
pycocotools' ``maskApi.c`` steps in its order, so results agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Polygons are scaled by this factor before their boundary is traced.
POLYGON_UPSAMPLING = 5


# ------------------------------------------------------------------ measurements
@njit(cache=True)
def areas(runs, offsets):
    """Foreground pixel count of each RLE: the sum of its odd runs."""
    n = offsets.size - 1
    out = np.zeros(n, np.int64)
    for i in range(n):
        total = 0
        for j in range(offsets[i] + 1, offsets[i + 1], 2):
            total += runs[j]
        out[i] = total
    return out


@njit(cache=True)
def bboxes(runs, offsets, sizes):
    """``[x, y, width, height]`` of the foreground of each RLE (zeros when empty).

    A foreground run spanning two columns or more makes the box span every row.
    """
    n = offsets.size - 1
    out = np.zeros((n, 4))
    for i in range(n):
        height = sizes[i, 0]
        x_min, y_min = sizes[i, 1], height
        x_max, y_max = -1, -1
        end = 0
        first = offsets[i]
        n_runs = offsets[i + 1] - first
        for j in range(n_runs - n_runs % 2):
            start = end
            end += runs[first + j]
            if j % 2 == 0 or runs[first + j] == 0:
                continue
            x_start, y_start = start // height, start % height
            x_end, y_end = (end - 1) // height, (end - 1) % height
            x_min = min(x_min, x_start)
            x_max = max(x_max, x_end)
            if x_start < x_end:
                y_min, y_max = 0, height - 1
            else:
                y_min = min(y_min, y_start)
                y_max = max(y_max, y_end)
        if x_max >= 0:
            out[i, 0] = x_min
            out[i, 1] = y_min
            out[i, 2] = x_max - x_min + 1
            out[i, 3] = y_max - y_min + 1
    return out


@njit(cache=True)
def box_ious(dt, gt, crowd):
    """IoU of ``[x, y, w, h]`` boxes, ``(len(dt), len(gt))``; crowd: over dt's area."""
    out = np.zeros((dt.shape[0], gt.shape[0]))
    for g in range(gt.shape[0]):
        gt_area = gt[g, 2] * gt[g, 3]
        for d in range(dt.shape[0]):
            dt_area = dt[d, 2] * dt[d, 3]
            w = min(dt[d, 2] + dt[d, 0], gt[g, 2] + gt[g, 0]) - max(dt[d, 0], gt[g, 0])
            if w <= 0:
                continue
            h = min(dt[d, 3] + dt[d, 1], gt[g, 3] + gt[g, 1]) - max(dt[d, 1], gt[g, 1])
            if h <= 0:
                continue
            inter = w * h
            union = dt_area if crowd[g] else dt_area + gt_area - inter
            out[d, g] = inter / union
    return out


@njit(cache=True)
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


@njit(cache=True)
def mask_ious(dt_runs, dt_offsets, dt_sizes, gt_runs, gt_offsets, gt_sizes, crowd):
    """IoU of every detection RLE with every ground-truth RLE (all of one size).

    Pairs whose boxes do not overlap are 0 without walking their runs; against a
    crowd ground truth the union is the detection's area.
    """
    out = box_ious(bboxes(dt_runs, dt_offsets, dt_sizes),
                   bboxes(gt_runs, gt_offsets, gt_sizes), crowd)
    dt_areas = areas(dt_runs, dt_offsets)
    no_runs = np.empty(0, np.int64)
    for g in range(out.shape[1]):
        b = gt_runs[gt_offsets[g]:gt_offsets[g + 1]]
        for d in range(out.shape[0]):
            if out[d, g] <= 0:
                continue
            a = dt_runs[dt_offsets[d]:dt_offsets[d + 1]]
            _, inter, union = _combine(a, b, False, no_runs)
            if inter == 0:
                out[d, g] = 0.0
            else:
                out[d, g] = inter / (dt_areas[d] if crowd[g] else union)
    return out


# ------------------------------------------------------------------------ groups
@njit(cache=True, nogil=True)
def group_box_ious(dt, gt, crowd, dt_start, dt_count, gt_start, gt_count, offsets):
    """Box IoUs of every group, by :func:`box_ious`: each block flat, row-major.

    Group ``i`` compares boxes ``dt[dt_start[i]:dt_start[i] + dt_count[i]]`` with
    ``gt[gt_start[i]:gt_start[i] + gt_count[i]]``; its block goes to
    ``out[offsets[i]:offsets[i + 1]]``.
    """
    out = np.zeros(offsets[-1])
    for i in range(dt_start.size):
        nd, ng, d0, g0 = dt_count[i], gt_count[i], dt_start[i], gt_start[i]
        if nd == 0 or ng == 0:
            continue
        block = box_ious(dt[d0:d0 + nd], gt[g0:g0 + ng], crowd[g0:g0 + ng])
        out[offsets[i]:offsets[i + 1]] = block.ravel()
    return out


@njit(cache=True, nogil=True)
def group_mask_ious(dt_runs, dt_starts, dt_rows, dt_sizes, gt_runs, gt_starts, gt_rows,
                    gt_sizes, crowd, dt_start, dt_count, gt_start, gt_count, offsets):
    """Mask IoUs of every group, by :func:`mask_ious`: each block flat, row-major.

    Each group's masks are copied next to each other first (rows are reordered without
    moving the runs, so a group's masks lie anywhere).
    """
    out = np.zeros(offsets[-1])
    for i in range(dt_start.size):
        nd, ng, d0, g0 = dt_count[i], gt_count[i], dt_start[i], gt_start[i]
        if nd == 0 or ng == 0:
            continue
        dt_local, dt_offsets = _pack_runs(dt_runs, dt_starts, dt_rows[d0:d0 + nd])
        gt_local, gt_offsets = _pack_runs(gt_runs, gt_starts, gt_rows[g0:g0 + ng])
        block = mask_ious(dt_local, dt_offsets, dt_sizes[d0:d0 + nd], gt_local,
                          gt_offsets, gt_sizes[g0:g0 + ng], crowd[g0:g0 + ng])
        out[offsets[i]:offsets[i + 1]] = block.ravel()
    return out


@njit(cache=True, nogil=True)
def _pack_runs(runs, starts, rows):
    """The RLEs ``rows``, next to each other: their runs and offsets."""
    offsets = np.zeros(rows.size + 1, np.int64)
    for j in range(rows.size):
        offsets[j + 1] = offsets[j] + starts[rows[j] + 1] - starts[rows[j]]
    out = np.empty(offsets[-1], runs.dtype)
    for j in range(rows.size):
        out[offsets[j]:offsets[j + 1]] = runs[starts[rows[j]]:starts[rows[j] + 1]]
    return out, offsets


# ------------------------------------------------------------------- combination
@njit(cache=True)
def merge_runs(runs, offsets, intersect):
    """Union (or intersection) of several RLEs of one size, folded left to right."""
    merged = np.empty(runs.size, np.int64)
    n_merged = offsets[1] - offsets[0]
    merged[:n_merged] = runs[offsets[0]:offsets[1]]
    result = np.empty(runs.size, np.int64)
    for i in range(1, offsets.size - 1):
        b = runs[offsets[i]:offsets[i + 1]]
        n_result, _, _ = _combine(merged[:n_merged], b, intersect, result)
        merged, result = result, merged
        n_merged = n_result
    return merged[:n_merged].copy()


# ---------------------------------------------------------------------- polygons
@njit(cache=True)
def polygon_runs(xy, height, width):
    """Run lengths of the polygon ``xy`` (``(K, 2)`` x, y vertices) rasterised.

    As COCO does it: vertices scaled by 5 and rounded, the closed boundary traced
    densely at that scale, and wherever it crosses a pixel column's centre line the
    first pixel row below it marks a switch between background and foreground.
    """
    scale = float(POLYGON_UPSAMPLING)
    k = xy.shape[0]
    xs = np.empty(k + 1, np.int64)
    ys = np.empty(k + 1, np.int64)
    for j in range(k):
        xs[j] = int(scale * xy[j, 0] + 0.5)
        ys[j] = int(scale * xy[j, 1] + 0.5)
    xs[k], ys[k] = xs[0], ys[0]
    n_points = 0
    for j in range(k):
        n_points += max(abs(xs[j] - xs[j + 1]), abs(ys[j] - ys[j + 1])) + 1
    u = np.empty(n_points, np.int64)
    v = np.empty(n_points, np.int64)
    m = 0
    for j in range(k):
        x0, x1, y0, y1 = xs[j], xs[j + 1], ys[j], ys[j + 1]
        dx, dy = abs(x1 - x0), abs(y0 - y1)
        flip = (dx >= dy and x0 > x1) or (dx < dy and y0 > y1)
        if flip:
            x0, x1 = x1, x0
            y0, y1 = y1, y0
        if dx >= dy:
            slope = (y1 - y0) / dx if dx else np.nan
            for d in range(dx + 1):
                t = dx - d if flip else d
                u[m] = t + x0
                v[m] = int(y0 + slope * t + 0.5)
                m += 1
        else:
            slope = (x1 - x0) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v[m] = t + y0
                u[m] = int(x0 + slope * t + 0.5)
                m += 1
    # Column crossings, scaled back to pixels: (column, first row inside).
    switches = np.empty(m + 1, np.int64)
    n_switches = 0
    for j in range(1, m):
        if u[j] == u[j - 1]:
            continue
        column = float(u[j] if u[j] < u[j - 1] else u[j] - 1)
        column = (column + 0.5) / scale - 0.5
        if np.floor(column) != column or column < 0 or column > width - 1:
            continue
        row = (min(v[j], v[j - 1]) + 0.5) / scale - 0.5
        row = np.ceil(min(max(row, 0.0), float(height)))
        switches[n_switches] = int(column) * height + int(row)
        n_switches += 1
    switches[n_switches] = height * width
    switches = np.sort(switches[:n_switches + 1])
    lengths = np.diff(switches)
    out = np.empty(lengths.size + 1, np.int64)
    out[0] = switches[0]
    n_out = 1
    j = 0
    while j < lengths.size:
        if lengths[j] > 0:
            out[n_out] = lengths[j]
            n_out += 1
            j += 1
        else:
            j += 1
            if j < lengths.size:
                out[n_out - 1] += lengths[j]
                j += 1
    return out[:n_out]
