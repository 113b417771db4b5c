"""The shapes generator's polygon geometry on its own: clipping, differences, outlines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgprep_course.datasets import masks
from imgprep_course.datasets.shapes import polygons as geo

SQUARE = np.array([[0., 0], [4, 0], [4, 4], [0, 4]])


def random_convex(rng: np.random.Generator) -> np.ndarray:
    return geo.counter_clockwise(rng.uniform(0, 10, 2)
                                 + geo.ring(int(rng.integers(3, 9)), rng.uniform(1, 5)))


def random_difference(seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Two random convex polygons A and B, and A minus B as convex pieces."""
    rng = np.random.default_rng(seed)
    a, b = random_convex(rng), random_convex(rng)
    return a, b, geo.subtract(a, b)


def pixels(polygons: list[np.ndarray], size: int = 24) -> np.ndarray:
    """pycocotools' rasterisation of the union of ``polygons`` (x, y rows), 4x finer."""
    rles = masks.from_polygons([4 * p for p in polygons], size * 4, size * 4)
    return masks.decode(masks.merge(rles)) if rles else np.zeros((size * 4,) * 2, np.uint8)


def test_signed_area_and_orientation():
    assert geo.signed_area(SQUARE) == 16.0
    assert geo.signed_area(SQUARE[::-1]) == -16.0
    assert geo.counter_clockwise(SQUARE[::-1]).tolist() == SQUARE.tolist()


def test_cut_keeps_one_side_of_a_line():
    left = geo.cut(SQUARE, np.array([1., 0]), np.array([1., 1]), keep_left=True)
    right = geo.cut(SQUARE, np.array([1., 0]), np.array([1., 1]), keep_left=False)
    assert geo.signed_area(left) + geo.signed_area(right) == pytest.approx(16.0)
    assert {round(geo.signed_area(left), 9), round(geo.signed_area(right), 9)} == {4.0, 12.0}


def test_intersect_of_overlapping_squares():
    inside = geo.intersect(SQUARE, SQUARE + 2)
    assert geo.signed_area(inside) == pytest.approx(4.0)
    assert len(geo.intersect(SQUARE, SQUARE + 10)) == 0
    assert geo.overlaps(SQUARE, SQUARE + 2) and not geo.overlaps(SQUARE, SQUARE + 10)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_subtracting_a_convex_piece_keeps_area(seed):
    """A minus B, as pieces, plus A intersected with B is A again (areas), pieces disjoint."""
    a, b, pieces = random_difference(seed)
    inside = geo.intersect(a, b)
    kept = sum(geo.signed_area(p) for p in pieces)
    both = geo.signed_area(inside) if len(inside) >= 3 else 0.0
    dropped_slivers = len(b) * geo.MIN_PIECE_AREA
    assert kept + both == pytest.approx(geo.signed_area(a), abs=dropped_slivers)
    assert all(geo.signed_area(p) > 0 for p in pieces)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_outlines_cover_what_the_pieces_cover(seed):
    """The outlines of A minus B cover the same pixels as its convex pieces."""
    _, _, pieces = random_difference(seed)
    loops = geo.outlines(pieces)
    assert all(geo.signed_area(loop) > 0 for loop in loops)   # no holes left
    assert sum(geo.signed_area(p) for p in loops) == pytest.approx(
        sum(geo.signed_area(p) for p in pieces), abs=1e-4)
    differ = np.count_nonzero(pixels(loops) != pixels(pieces))
    assert differ <= 4 * sum(len(p) for p in pieces)   # only boundary pixels may differ


def test_a_ring_is_outlined_without_a_hole():
    """A square with a square hole: cut along a pixel column into holeless polygons."""
    outer, hole = SQUARE * 2, SQUARE + 2
    pieces = geo.subtract(outer, hole)
    loops = geo.outlines(pieces)
    assert len(loops) >= 2 and all(geo.signed_area(loop) > 0 for loop in loops)
    assert sum(geo.signed_area(loop) for loop in loops) == pytest.approx(64 - 16)


def test_as_coco_polygon_rounds_and_drops_degenerate():
    assert geo.as_coco_polygon(SQUARE + 0.123) == [0.12, 0.12, 4.12, 0.12, 4.12, 4.12, 0.12,
                                                   4.12]
    assert geo.as_coco_polygon(np.array([[0., 0], [1, 0], [2, 0]])) is None
