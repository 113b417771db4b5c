"""Tests of imgprep_course.datasets.masks: parity with pycocotools.mask, errors, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from imgprep_course.datasets import _rle, _rle_ops, masks
# pycocotools is a test dependency (pip install -e .[test]): without it these parity
# tests fail to import rather than vanish as skips
from pycocotools import mask as coco


# ------------------------------------------------------------------ generated data
def ellipse_masks(rng: np.random.Generator, height: int, width: int, n: int,
                  max_blobs: int = 4) -> np.ndarray:
    """(H, W, N) uint8 masks, each the union of a few random ellipses (some clipped)."""
    rows, cols = np.mgrid[:height, :width]
    out = np.zeros((height, width, n), np.uint8)
    for i in range(n):
        for _ in range(rng.integers(0, max_blobs + 1)):
            cy, cx = rng.uniform(-0.2, 1.2) * height, rng.uniform(-0.2, 1.2) * width
            ry, rx = rng.uniform(0.5, 0.5 * height), rng.uniform(0.5, 0.5 * width)
            out[:, :, i] |= ((rows - cy) / ry) ** 2 + ((cols - cx) / rx) ** 2 <= 1
    return out


def edge_masks(height: int, width: int) -> np.ndarray:
    """Masks that hit the corner cases of the run-length code."""
    cases = [np.zeros((height, width)), np.ones((height, width))]
    first, last, column = (np.zeros((height, width)) for _ in range(3))
    first[0, 0] = 1
    last[-1, -1] = 1
    column[:, width // 2] = 1
    checker = np.indices((height, width)).sum(axis=0) % 2
    cases += [first, last, column, checker, 1 - checker]
    return np.stack(cases, axis=2).astype(np.uint8)


def random_masks(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height, width = rng.integers(1, 40, size=2)
    blobs = ellipse_masks(rng, height, width, 12)
    noise = (rng.random((height, width, 4)) < rng.uniform(0, 1, size=4)).astype(np.uint8)
    return np.concatenate([blobs, noise, edge_masks(height, width)], axis=2)


def star_polygon(rng: np.random.Generator, height: int, width: int) -> list[float]:
    """A random star-shaped (usually concave) polygon, often partly outside the image."""
    k = rng.integers(3, 12)
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = rng.uniform(0.1, 1.0, k) * rng.uniform(0.5, 0.8) * max(height, width)
    cx, cy = rng.uniform(-0.3, 1.3) * width, rng.uniform(-0.3, 1.3) * height
    xy = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1)
    if rng.random() < 0.3:
        xy = np.round(xy * 2) / 2
    return xy.ravel().tolist()


def odd_polygons(height: int, width: int) -> list[list[float]]:
    """Degenerate, tiny, self-crossing and far-out polygons."""
    return [
        [1, 1, 1, 1, 1, 1],  # one point three times
        [0, 0, width, height, 2 * width, 2 * height],  # collinear
        [0.4, 0.4, 0.6, 0.4, 0.5, 0.6],  # smaller than a pixel
        [0, 0, width, height, width, 0, 0, height],  # bow tie
        [-5, -5, width + 5, -5, width + 5, height + 5, -5, height + 5],  # covers all
        [-50, -50, -10, -50, -10, -10],  # entirely outside
        [0, 0, width, 0, width, height, 0, height],  # the image's outline
        [0.5, 0.5, width - 0.5, 0.5, 0.5, height - 0.5],  # on pixel centres
    ]


def coco_encode(stack: np.ndarray) -> list[dict]:
    return coco.encode(np.asfortranarray(stack.astype(np.uint8)))


SEEDS = range(12)


# ------------------------------------------------------------- encode and decode
@pytest.mark.parametrize("seed", SEEDS)
def test_encode_equals_pycocotools(seed):
    stack = random_masks(seed)
    ours = masks.encode(stack)
    assert ours == coco_encode(stack)
    for i in range(stack.shape[2]):
        assert masks.encode(stack[:, :, i]) == ours[i]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.uint8, bool, np.int64, np.int8])
def test_encode_accepts_dtypes_and_orders(dtype, order):
    stack = random_masks(99)
    expected = coco_encode(stack)
    assert masks.encode(np.asarray(stack, dtype=dtype, order=order)) == expected
    assert masks.encode(stack[:, ::-1, :][:, ::-1, :].astype(dtype)) == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_decode_equals_pycocotools(seed):
    expected_rles = coco_encode(random_masks(seed))
    expected = coco.decode(expected_rles)
    for form in (lambda c: c, lambda c: c.decode()):
        rles = [{"size": r["size"], "counts": form(r["counts"])} for r in expected_rles]
        got = masks.decode(rles)
        assert got.dtype == np.uint8 and got.flags.f_contiguous
        np.testing.assert_array_equal(got, expected)
        single = masks.decode(rles[0])
        assert single.shape == expected.shape[:2]
        np.testing.assert_array_equal(single, coco.decode(expected_rles[0]))


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=3, max_dims=3, max_side=9),
                  elements=st.integers(0, 1)))
def test_encode_decode_round_trip_and_parity(stack):
    rles = masks.encode(stack)
    assert rles == coco_encode(stack)
    fortran = np.asfortranarray(stack)
    assert masks.encode(fortran) == rles
    assert masks.encode(fortran[:, :, 1:]) == rles[1:]  # masks at odd byte offsets
    if stack.shape[2]:
        np.testing.assert_array_equal(masks.decode(rles), stack)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 2 ** 20), min_size=1, max_size=12))
def test_compressed_codec_equals_pycocotools_on_any_runs(runs):
    """Large runs and arbitrary differences exercise the sign and continuation bits."""
    rle = {"size": [1, sum(runs)], "counts": runs}
    ours = masks.compress(rle)
    assert ours == coco.frPyObjects(rle, *rle["size"])
    assert masks.uncompress(ours)["counts"] == runs


@pytest.mark.parametrize("order", ["C", "F"])
def test_encode_of_masks_with_many_runs(order):
    rng = np.random.default_rng(5)
    noise = rng.random((120, 130, 3)) < [0.5, 0.05, 0.95]
    checker = np.indices((120, 130)).sum(axis=0) % 2
    stack = np.asarray(np.dstack([noise, checker]), np.uint8, order=order)
    rles = masks.encode(stack)
    assert rles == coco_encode(stack)
    np.testing.assert_array_equal(masks.decode(rles), stack)
    # the kernel itself (a C-ordered mask with many changes is read from a transposed
    # copy, one with few has its changes sorted by column)
    chars, starts, bad = _rle.encode(stack)
    assert bad == -1
    assert [chars[a:b].tobytes() for a, b in zip(starts, starts[1:])] == [
        r["counts"] for r in rles]


@pytest.mark.parametrize("order", ["C", "F"])
def test_encode_refuses_a_non_binary_pixel_anywhere(order):
    stack = np.zeros((5, 7, 3), np.uint8, order=order)
    stack[:, 3:, 1] = 1
    for y, x, i in np.ndindex(stack.shape):
        bad = stack.copy(order=order)
        bad[y, x, i] = 2 + bad[y, x, i]
        with pytest.raises(ValueError, match=rf"mask\[:, :, {i}\] must hold only 0 and 1"):
            masks.encode(bad)


def test_empty_and_single_pixel_masks():
    for shape in [(0, 5), (3, 0), (0, 0), (1, 1)]:
        mask = np.zeros(shape, np.uint8, order="F")
        assert masks.encode(mask) == coco.encode(mask)
        assert masks.decode(masks.encode(mask)).shape == shape
    assert masks.encode(np.zeros((4, 5, 0), np.uint8)) == []


# ------------------------------------------------------------ area, to_bbox, compress
@pytest.mark.parametrize("seed", SEEDS)
def test_area_and_bbox_equal_pycocotools(seed):
    rles = coco_encode(random_masks(seed))
    area = masks.area(rles)
    assert area.dtype == np.uint32
    np.testing.assert_array_equal(area, coco.area(rles))
    np.testing.assert_array_equal(masks.to_bbox(rles), coco.toBbox(rles))
    assert masks.area(rles[0]) == coco.area(rles[0])
    assert isinstance(masks.area(rles[0]), np.uint32)
    np.testing.assert_array_equal(masks.to_bbox(rles[0]), coco.toBbox(rles[0]))
    assert masks.area([]).shape == (0,) and masks.to_bbox([]).shape == (0, 4)


@pytest.mark.parametrize("seed", SEEDS)
def test_compress_and_uncompress_equal_pycocotools(seed):
    rles = coco_encode(random_masks(seed))
    uncompressed = masks.uncompress(rles)
    assert all(isinstance(c, int) for r in uncompressed for c in r["counts"])
    height, width = rles[0]["size"]
    assert masks.compress(uncompressed) == coco.frPyObjects(uncompressed, height, width)
    assert masks.compress(uncompressed) == rles
    assert masks.compress(uncompressed[0]) == rles[0]
    mixed = [uncompressed[0], rles[1], {**rles[2], "counts": rles[2]["counts"].decode()}]
    np.testing.assert_array_equal(masks.decode(mixed), coco.decode(rles[:3]))
    # read to runs (the uncompressed ones without a detour through strings): the same
    mixed = [rles[0], uncompressed[1], rles[2], uncompressed[3]] + rles[4:]
    assert masks.compress(mixed) == rles
    runs, expected = masks.unpack(mixed), masks.unpack(rles)
    for got, want in zip(runs, expected):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(masks.iou(mixed, rles, [0] * len(rles)),
                                  coco.iou(rles, rles, [0] * len(rles)))


# --------------------------------------------------------------- polygons and boxes
@pytest.mark.parametrize("seed", SEEDS)
def test_polygons_equal_pycocotools(seed):
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(1, 60, size=2))
    polygons = [star_polygon(rng, height, width) for _ in range(25)]
    polygons += odd_polygons(height, width)
    ours = masks.from_polygons(polygons, height, width)
    assert ours == coco.frPyObjects(polygons, height, width)
    np.testing.assert_array_equal(masks.decode(ours), coco.decode(ours))
    as_rows = [np.reshape(p, (-1, 2)) for p in polygons]
    assert masks.from_polygons(as_rows, height, width) == ours


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30),
       st.lists(st.tuples(st.floats(-10, 40, allow_nan=False),
                          st.floats(-10, 40, allow_nan=False)), min_size=3, max_size=9))
def test_any_polygon_equals_pycocotools(height, width, points):
    polygon = [coordinate for point in points for coordinate in point]
    assert (masks.from_polygons([polygon], height, width)
            == coco.frPyObjects([polygon], height, width))


@pytest.mark.parametrize("seed", SEEDS)
def test_zigzag_polygons_equal_pycocotools(seed):
    # outlines that cross one pixel column many times, at every slope: the kernel
    # sorts each column's switches by row
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(5, 80, size=2))
    polygons = []
    for _ in range(10):
        n = int(rng.integers(3, 40))
        xy = rng.uniform([-5, -5], [width + 5, height + 5], (n, 2))
        xy[::2, 0] = rng.uniform(width * 0.4, width * 0.6, xy[::2].shape[0])  # zigzag
        polygons.append(xy.round(int(rng.integers(0, 3))).ravel().tolist())
    theirs = coco.frPyObjects(polygons, height, width)
    assert masks.from_polygons(polygons, height, width) == theirs
    xy = np.concatenate([np.reshape(p, (-1, 2)) for p in polygons])
    starts = np.cumsum([0] + [len(p) // 2 for p in polygons])
    runs, offsets = _rle_ops.polygon_runs(xy, starts, height, width)   # the kernel itself
    expected = masks.unpack(theirs)
    np.testing.assert_array_equal(runs, expected.runs)
    np.testing.assert_array_equal(offsets, expected.offsets)


def test_polygon_in_an_image_without_pixels_is_empty():
    assert masks.from_polygons([[0, 0, 4, 0, 0, 4]], 5, 0) == [{"size": [5, 0],
                                                                 "counts": b"0"}]
    rle = masks.from_polygons([[0, 0, 4, 0, 0, 4]], 0, 5)
    assert rle == coco.frPyObjects([[0, 0, 4, 0, 0, 4]], 0, 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_boxes_equal_pycocotools(seed):
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(1, 60, size=2))
    xy = rng.uniform(-10, [width + 5, height + 5], size=(40, 2))
    wh = rng.uniform(0, [width, height], size=(40, 2)) * (rng.random((40, 1)) < 0.9)
    boxes = np.concatenate([xy, wh], axis=1)
    boxes[:10] = np.round(boxes[:10])
    ours = masks.from_boxes(boxes, height, width)
    assert ours == coco.frPyObjects(boxes, height, width)
    assert masks.from_boxes(boxes[3], height, width) == ours[3]
    assert masks.from_boxes(boxes.tolist(), height, width) == ours
    assert masks.from_boxes(np.zeros((0, 4)), height, width) == []
    assert masks.from_boxes([], height, width) == []


def test_box_on_whole_pixels_covers_exactly_them():
    mask = masks.decode(masks.from_boxes([2, 1, 3, 2], 5, 6))
    expected = np.zeros((5, 6), np.uint8)
    expected[1:3, 2:5] = 1
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(masks.to_bbox(masks.encode(expected)), [2, 1, 3, 2])


# ----------------------------------------------------------------- merge and iou
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("intersect", [False, True])
def test_merge_equals_pycocotools(seed, intersect):
    stack = random_masks(seed)
    rles = coco_encode(stack)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        pick = rng.choice(len(rles), size=rng.integers(1, 5), replace=False)
        chosen = [rles[i] for i in pick]
        ours = masks.merge(chosen, intersect=intersect)
        assert ours == coco.merge(chosen, intersect=intersect)
        combine = np.logical_and if intersect else np.logical_or
        pixels = combine.reduce(stack[:, :, pick], axis=2)
        np.testing.assert_array_equal(masks.decode(ours), pixels)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4)),
                  elements=st.integers(0, 1)),
       st.lists(st.booleans(), min_size=4, max_size=4))
def test_any_masks_combine_as_in_pycocotools(stack, crowd):
    rles = coco_encode(stack)
    crowd = np.array(crowd[:len(rles)], np.uint8)
    np.testing.assert_array_equal(masks.iou(rles, rles[::-1], crowd),
                                  coco.iou(rles, rles[::-1], crowd))
    np.testing.assert_array_equal(masks.to_bbox(rles), coco.toBbox(rles))
    np.testing.assert_array_equal(masks.area(rles), coco.area(rles))
    for intersect in (False, True):
        assert masks.merge(rles, intersect) == coco.merge(rles, intersect)


def test_merge_of_runs_with_zero_lengths_equals_pycocotools():
    """Hand-made uncompressed RLEs may hold empty runs; the fold treats them alike."""
    a = {"size": [2, 5], "counts": [2, 0, 3, 1, 0, 2, 2]}
    b = {"size": [2, 5], "counts": [0, 1, 0, 0, 4, 5]}
    for pair in ([a, b], [b, a], [a, a]):
        expected = [coco.frPyObjects(r, 2, 5) for r in pair]
        for intersect in (False, True):
            assert (masks.merge(pair, intersect=intersect)
                    == coco.merge(expected, intersect=intersect))


@pytest.mark.parametrize("seed", SEEDS)
def test_mask_iou_equals_pycocotools(seed):
    rles = coco_encode(random_masks(seed))
    rng = np.random.default_rng(seed)
    dt = [rles[i] for i in rng.permutation(len(rles))[:9]]
    crowd = rng.random(len(rles)) < 0.3
    expected = coco.iou(dt, rles, crowd.astype(np.uint8))
    got = masks.iou(dt, rles, crowd)
    assert got.shape == (len(dt), len(rles)) and got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(masks.iou(dt, rles), coco.iou(dt, rles, [0] * len(rles)))


@pytest.mark.parametrize("seed", SEEDS)
def test_box_iou_equals_pycocotools(seed):
    rng = np.random.default_rng(seed)
    dt = np.concatenate([rng.uniform(0, 50, (15, 2)), rng.uniform(0, 30, (15, 2))], axis=1)
    gt = np.concatenate([rng.uniform(0, 50, (7, 2)), rng.uniform(0, 30, (7, 2))], axis=1)
    gt[:2] = dt[:2]
    crowd = rng.random(7) < 0.4
    expected = coco.iou(dt, gt, crowd.astype(np.uint8))
    np.testing.assert_array_equal(masks.iou(dt, gt, crowd), expected)
    np.testing.assert_array_equal(masks.iou(dt.tolist(), gt.tolist(), crowd.tolist()),
                                  expected)
    np.testing.assert_array_equal(masks.iou(dt[0], gt[1], crowd[1:2]), expected[:1, 1:2])


def test_crowd_iou_is_intersection_over_detection_area():
    gt = masks.from_boxes([[0, 0, 6, 6]], 10, 10)
    dt = masks.from_boxes([[2, 2, 3, 3], [4, 4, 9, 9]], 10, 10)  # the second is cut to 6x6
    np.testing.assert_array_equal(masks.iou(dt, gt, [True]).ravel(), [1.0, 4 / 36])
    np.testing.assert_array_equal(masks.iou(dt, gt, [False]).ravel(), [9 / 36, 4 / 68])


def test_iou_with_an_empty_side_is_an_empty_matrix():
    rles = masks.from_boxes([[0, 0, 2, 2]], 4, 4)
    assert masks.iou([], rles).shape == (0, 1)
    assert masks.iou(rles, [], []).shape == (1, 0)
    assert masks.iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)


# ------------------------------------------------------------ batched helpers
def test_unpack_gives_the_runs_of_each_rle():
    rles = coco_encode(random_masks(4))
    as_text = {**rles[2], "counts": rles[2]["counts"].decode()}
    mixed = [rles[0], masks.uncompress(rles[1]), as_text, {"size": [2, 3], "counts": b"06"}]
    unpacked = masks.unpack(mixed)
    assert unpacked.sizes.tolist() == [r["size"] for r in mixed]
    for i, rle in enumerate(mixed):
        runs = unpacked.runs[unpacked.offsets[i]:unpacked.offsets[i + 1]]
        assert runs.tolist() == masks.uncompress(rle)["counts"]
    assert masks.unpack([]).runs.size == 0
    with pytest.raises(TypeError, match="rles must be a list of RLE dicts, got one dict"):
        masks.unpack(rles[0])


# ------------------------------------------------------------ segmentation helper
def test_from_segmentation_equals_ann_to_rle():
    rng = np.random.default_rng(7)
    polygons = [star_polygon(rng, 30, 40) for _ in range(3)]
    expected = coco.merge(coco.frPyObjects(polygons, 30, 40))
    assert masks.from_segmentation(polygons, 30, 40) == expected
    uncompressed = masks.uncompress(expected)
    assert masks.from_segmentation(uncompressed, 30, 40) == expected
    as_text = {"size": [30, 40], "counts": expected["counts"].decode()}
    assert masks.from_segmentation(as_text, 30, 40) == expected
    assert masks.area(masks.from_segmentation([], 30, 40)) == 0


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, error, match", [
    (lambda: masks.from_polygons([[0, 0, 4, 0, 4]], 5, 5), ValueError,
     r"polygons\[0\] must list x, y pairs, got an odd number of coordinates \(5\)"),
    (lambda: masks.from_polygons([[0, 0, 4, 0, 4, 4], [0, 0, 4, 4]], 5, 5), ValueError,
     r"polygons\[1\] must have at least 3 points, got 2"),
    (lambda: masks.from_polygons([np.zeros((4, 3))], 5, 5), ValueError,
     r"polygons\[0\] must have shape \(K, 2\) or \(2K,\), got \(4, 3\)"),
    (lambda: masks.from_polygons([[0, 0, np.nan, 0, 4, 4]], 5, 5), ValueError,
     r"polygons\[0\] contains NaN"),
    (lambda: masks.from_polygons([[0, 0, 1e9, 0, 4, 4]], 5, 5), ValueError,
     r"polygons\[0\] has a coordinate 1e\+09 pixels from the origin"),
    (lambda: masks.from_polygons(np.zeros((2, 6)), 5, 5), TypeError,
     r"polygons must be a list of polygons"),
    (lambda: masks.from_polygons([[0, 0, 4, 0, 4, 4]], -1, 5), ValueError,
     r"height must not be negative, got -1"),
    (lambda: masks.from_polygons([[0, 0, 4, 0, 4, 4]], 5, 2.5), TypeError,
     r"width must be an int, got 2.5"),
    (lambda: masks.from_boxes([[0, 0, 3, 3], [1, 1, -2, 3]], 5, 5), ValueError,
     r"boxes\[1\] has a negative width or height"),
    (lambda: masks.from_boxes([[0, 0, 3]], 5, 5), ValueError,
     r"boxes must have shape \(N, 4\) or \(4,\)"),
    (lambda: masks.encode(np.zeros((2, 3, 4, 5), np.uint8)), ValueError,
     r"mask must have 2 or 3 dimensions, got 4"),
    (lambda: masks.encode(np.zeros((2, 3), np.float32)), TypeError,
     r"mask must have a dtype of kind bool, int, unsigned int; got float32"),
    (lambda: masks.encode(np.full((2, 3), 255, np.uint8)), ValueError,
     r"mask must hold only 0 and 1 \(or be bool\), found \[255\]"),
    (lambda: masks.encode(np.stack([np.zeros((2, 3)), np.eye(2, 3) * -1], 2).astype(int)),
     ValueError, r"mask\[:, :, 1\] must hold only 0 and 1 \(or be bool\), found \[-1\]"),
    (lambda: masks.decode([]), ValueError, r"rles must hold at least one RLE"),
    (lambda: masks.decode("06"), TypeError, r"rles must be an RLE dict or a list of them"),
    (lambda: masks.decode([{"size": [2, 3]}]), TypeError,
     r"rles\[0\] must be a dict with 'size' and 'counts', got a dict with keys \['size'\]"),
    (lambda: masks.decode({"size": [2], "counts": "6"}), ValueError,
     r"rles\['size'\] must be \[height, width\], got \[2\]"),
    (lambda: masks.decode({"size": [2, 3.0], "counts": "6"}), TypeError,
     r"rles\['size'\] must hold two ints"),
    (lambda: masks.decode({"size": [2, 3], "counts": "0 6"}), ValueError,
     r"rles\['counts'\] is not a valid compressed RLE: character ' ' at position 1"),
    (lambda: masks.decode({"size": [2, 3], "counts": "0é"}), ValueError,
     r"rles\['counts'\] is not a compressed RLE: it holds characters outside"),
    (lambda: masks.decode({"size": [2, 3], "counts": "0f"}), ValueError,
     r"it ends inside a number \(its last character 'f' says more follows\)"),
    (lambda: masks.decode({"size": [2, 3], "counts": "0" + "o" * 13 + "0"}), ValueError,
     r"the number ending at position 15 has more than 12 characters"),
    (lambda: masks.decode({"size": [2, 3], "counts": "111N"}), ValueError,
     r"run 3 decodes to a negative length"),
    (lambda: masks.decode({"size": [2, 3], "counts": "05"}), ValueError,
     r"its runs cover 5 pixels but size \[2, 3\] holds 6"),
    (lambda: masks.decode({"size": [2, 3], "counts": b""}), ValueError,
     r"rles\['counts'\] is empty"),
    (lambda: masks.decode({"size": [2, 3], "counts": [1, 2, 2]}), ValueError,
     r"rles\['counts'\] covers 5 pixels but its size holds 6"),
    (lambda: masks.decode({"size": [2, 3], "counts": [1, -2, 7]}), ValueError,
     r"rles\['counts'\] has a negative run length: -2 at index 1"),
    (lambda: masks.decode({"size": [2, 3], "counts": [1, 9, 7]}), ValueError,
     r"rles\['counts'\] covers 17 pixels but its size holds 6"),   # a run past the size
    (lambda: masks.compress({"size": [2, 3], "counts": [2 ** 64 - 1, 7]}), TypeError,
     r"rles\['counts'\] must have a dtype of kind int"),
    (lambda: masks.compress({"size": [2, 3], "counts": [1.0, 5]}), TypeError,
     r"rles\['counts'\] must have a dtype of kind int"),
    (lambda: masks.decode([{"size": [2, 3], "counts": "6"}, {"size": [3, 2], "counts": "6"}]),
     ValueError, r"rles\[1\] has size \[3, 2\] but rles\[0\] has \[2, 3\]"),
    (lambda: masks.merge([{"size": [2, 3], "counts": "6"}, {"size": [3, 2], "counts": "6"}]),
     ValueError, r"rles\[1\] has size \[3, 2\] but rles\[0\] has \[2, 3\]"),
    (lambda: masks.merge({"size": [2, 3], "counts": "6"}), TypeError,
     r"rles must be a list of RLE dicts, got one dict"),
    (lambda: masks.merge([]), ValueError, r"rles must hold at least one RLE"),
    (lambda: masks.iou([{"size": [2, 3], "counts": "6"}], [{"size": [3, 3], "counts": "9"}]),
     ValueError, r"gt\[0\] has size \[3, 3\] but dt\[0\] has \[2, 3\]"),
    (lambda: masks.iou([{"size": [2, 3], "counts": "6"}], [[0, 0, 1, 1]]), TypeError,
     r"dt holds RLEs but gt holds boxes"),
    (lambda: masks.iou([[0, 0, 1, 1]], [[0, 0, 1, 1]], [0, 1]), ValueError,
     r"iscrowd must have one flag per ground truth \(1\), got 2"),
    (lambda: masks.iou([[0, 0, 1, 1]], [[0, 0, -1, 1]]), ValueError,
     r"gt\[0\] has a negative width or height"),
    (lambda: masks.iou("boxes", [[0, 0, 1, 1]]), TypeError,
     r"dt must be a list of RLE dicts or \(N, 4\) xywh boxes, got str"),
    (lambda: masks.from_segmentation({"size": [2, 3], "counts": "6"}, 3, 2), ValueError,
     r"segmentation has size \[2, 3\] but the image is 3x2"),
    (lambda: masks.from_segmentation("polygon", 3, 2), TypeError,
     r"segmentation must be a list of polygons or an RLE dict, got str"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------- input untouched
def test_inputs_are_not_modified():
    stack = random_masks(3)
    stack_copy = stack.copy()
    rles = masks.encode(stack)
    uncompressed = masks.uncompress(rles)
    frozen = [dict(r, counts=list(r["counts"])) for r in uncompressed]
    masks.decode(uncompressed)
    masks.merge(uncompressed, intersect=True)
    masks.iou(uncompressed, uncompressed, [1] * len(uncompressed))
    boxes = np.array([[0.5, 1.5, 3.0, 2.0]])
    boxes_copy = boxes.copy()
    masks.from_boxes(boxes, 5, 5)
    polygon = np.array([0.0, 0, 4, 0, 4, 4])
    masks.from_polygons([polygon], 5, 5)
    np.testing.assert_array_equal(stack, stack_copy)
    assert uncompressed == frozen
    np.testing.assert_array_equal(boxes, boxes_copy)
    np.testing.assert_array_equal(polygon, [0, 0, 4, 0, 4, 4])
