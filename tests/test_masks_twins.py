"""The numpy twins of the mask kernels give the kernels' results; which one serves a call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from imgprep_course.datasets import _rle, _rle_numpy, _rle_ops, _rle_paths, masks
from imgprep_course.datasets._rle_checks import read_counts

# the kernels and the twins both compute on the same inputs in every test
CASES = settings(max_examples=150, deadline=None)


def assert_same(twin, kernel) -> None:
    """Equal results, value and dtype, tuple by tuple."""
    if isinstance(kernel, tuple):
        assert isinstance(twin, tuple) and len(twin) == len(kernel)
        for a, b in zip(twin, kernel):
            assert_same(a, b)
    elif isinstance(kernel, np.ndarray):
        assert isinstance(twin, np.ndarray)
        assert twin.dtype == kernel.dtype and twin.shape == kernel.shape
        assert np.array_equal(twin, kernel)
    else:
        assert twin == kernel


stacks = st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 4),
                   st.floats(0, 1), st.integers(0, 2 ** 32 - 1)).map(
    lambda t: (np.random.default_rng(t[4]).random(t[:3]) < t[3]).astype(np.uint8))


def counts_of(stack):
    """Counts strings, lengths and sizes of a stack's masks (the kernels' input)."""
    chars, starts, _ = _rle.encode(stack)
    sizes = np.tile(stack.shape[:2], (stack.shape[2], 1)).astype(np.int64)
    return chars, np.diff(starts), sizes


@CASES
@given(stacks, st.sampled_from(["C", "F"]))
def test_encode_twin_equals_kernel(stack, order):
    stack = np.asarray(stack, order=order)
    assert_same(_rle_numpy.encode(stack), _rle.encode(stack))


@CASES
@given(st.integers(1, 40), st.integers(1, 60), st.integers(1, 3), st.floats(0, 1),
       st.integers(0, 9), st.sampled_from(["C", "F"]), st.integers(0, 2 ** 32 - 1),
       st.booleans())
def test_encode_kernel_equals_twin_on_masks_of_long_runs(height, width, n, noise, blocks,
                                                          order, seed, broken):
    """Masks of a few rectangles and some noise (long runs: whole words of one value,
    skipped eight pixels at a time, next to words with changes), a byte other than 0
    and 1 anywhere or none: the kernel's strings, or its report, are the twin's."""
    rng = np.random.default_rng(seed)
    stack = (rng.random((height, width, n)) < noise * 0.05).astype(np.uint8)
    for _ in range(blocks):
        y, x, k = rng.integers(0, height), rng.integers(0, width), rng.integers(0, n)
        stack[y:y + rng.integers(1, height + 1), x:x + rng.integers(1, width + 1), k] ^= 1
    if broken:
        stack[rng.integers(0, height), rng.integers(0, width), rng.integers(0, n)] = 3
    stack = np.asarray(stack, order=order)
    twin, kernel = _rle_numpy.encode(stack), _rle.encode(stack)
    assert twin[2] == kernel[2]
    if kernel[2] == -1:
        assert_same(twin, kernel)
    for k in range(n) if order == "F" else []:   # one mask, from a view at any offset
        assert_same(_rle_numpy.encode(stack[:, :, k:k + 1]), _rle.encode(stack[:, :, k:k + 1]))


def test_encode_twin_finds_the_first_non_binary_mask():
    stack = np.zeros((3, 4, 3), np.uint8)
    stack[1, 2, 1] = 2
    stack[0, 0, 2] = 7
    assert _rle_numpy.encode(stack)[2] == _rle.encode(stack)[2] == 1


@CASES
@given(stacks)
def test_codec_twins_equal_kernels(stack):
    chars, lengths, sizes = counts_of(stack)
    parsed = _rle.parse_counts(chars, lengths, sizes)
    assert_same(_rle_numpy.parse_counts(chars, lengths, sizes), parsed)
    for parse in (_rle.parse_counts, _rle_numpy.parse_counts):   # into a buffer given
        out = np.full(chars.size + 3, -7, np.int64)
        into = parse(chars, lengths, sizes, out)
        assert_same(into, parsed)
        assert np.shares_memory(into[0], out) or not into[0].size
    runs, offsets = parsed[:2]
    assert_same(_rle_numpy.runs_to_chars(runs, offsets), _rle.runs_to_chars(runs, offsets))
    out_twin = np.zeros((stack.shape[2], stack.shape[0] * stack.shape[1]), np.uint8)
    out_kernel = out_twin.copy()
    assert_same(_rle_numpy.decode_counts(chars, lengths, sizes, out_twin),
                _rle.decode_counts(chars, lengths, sizes, out_kernel))
    assert_same(out_twin, out_kernel)
    # the masks themselves, column after column
    assert_same(out_kernel, stack.transpose(2, 1, 0).reshape(out_kernel.shape))


@CASES
@given(st.lists(st.lists(st.one_of(st.integers(0, 40), st.integers(0, 1100),
                                   st.integers(0, 2 ** 40)), min_size=1, max_size=9),
                max_size=5))
def test_runs_to_chars_twin_equals_kernel_on_any_runs(pieces):
    """Runs whose differences take one, two (looked up) or more characters."""
    runs = np.array([r for piece in pieces for r in piece], np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
    assert_same(_rle_numpy.runs_to_chars(runs, offsets), _rle.runs_to_chars(runs, offsets))


@CASES
@given(st.lists(st.binary(min_size=0, max_size=20), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=4, max_size=4),
       st.booleans())
def test_parse_twin_reports_what_the_kernel_reports(texts, sizes, printable):
    """Any bytes: bad characters, truncation, numbers too long, negative runs, totals."""
    if printable:  # mostly valid characters, so that the later checks are reached
        texts = [bytes(48 + b % 64 for b in text) for text in texts]
    chars = np.frombuffer(b"".join(texts), np.uint8)
    lengths = np.array([len(t) for t in texts], np.int64)
    sizes = np.array(sizes[:len(texts)], np.int64)
    twin, kernel = (f.parse_counts(chars, lengths, sizes) for f in (_rle_numpy, _rle))
    assert_same(twin[2:], kernel[2:])
    if kernel[2] < 0:
        assert_same(twin[:2], kernel[:2])


@CASES
@given(st.lists(st.one_of(st.integers(0, 40), st.integers(0, 2 ** 44), st.integers(-3, -1)),
                min_size=1, max_size=12),
       st.integers(0, 2 ** 32 - 1), st.sampled_from(["none", "byte", "cut", "total"]))
def test_the_branch_free_parse_answers_as_the_careful_one(runs, seed, change):
    """Runs of every size (numbers of 1 to 10 bytes, differences of either sign), a
    negative one here and there, the string as written or spoilt: a byte replaced, the
    string cut short, a wrong total. The fast parse gives the careful parse's runs,
    error and place, and the sum of the odd runs."""
    text = bytearray(_rle_numpy.runs_to_chars(np.array(runs, np.int64),
                                              np.array([0, len(runs)]))[0].tobytes())
    total = sum(runs)
    rng = np.random.default_rng(seed)
    if change == "byte":
        text[rng.integers(len(text))] = rng.integers(256)
    elif change == "cut":
        text = text[:rng.integers(len(text))]
    elif change == "total":
        total += 1
    chars = np.frombuffer(bytes(text), np.uint8)
    fast, careful = np.zeros(chars.size + 1, np.int64), np.zeros(chars.size + 1, np.int64)
    n_runs, error, where, foreground = _rle._parse_one(chars, total, fast)
    assert (n_runs, error, where) == _rle._parse_carefully(chars, total, careful)
    if error == _rle.OK:
        assert fast[:n_runs].tolist() == careful[:n_runs].tolist()
        assert foreground == sum(careful[1:n_runs:2])
        if change == "none":
            assert careful[:n_runs].tolist() == runs
    else:
        assert foreground == 0


@pytest.mark.parametrize("text, size", [(b"0" + b"o" * 11 + b"0", [4, 4]),   # too long
                                        (b"0" * 12 + b"1", [3, 3]),
                                        (b"1O", [1, 1]),                       # negative
                                        (b"12", [2, 2]),                       # total
                                        (b"1o", [2, 2])])                      # truncated
def test_parse_twin_errors_on_chosen_strings(text, size):
    chars = np.frombuffer(text, np.uint8)
    args = chars, np.array([len(text)]), np.array([size])
    assert _rle_numpy.parse_counts(*args)[2:] == _rle.parse_counts(*args)[2:]
    assert _rle.parse_counts(*args)[2] == 0


@CASES
@given(stacks, st.booleans())
def test_measure_twins_equal_kernels(stack, boxes):
    chars, lengths, sizes = counts_of(stack)
    assert_same(_rle_numpy.measure_counts(chars, lengths, sizes, boxes),
                _rle_ops.measure_counts(chars, lengths, sizes, boxes))
    runs, offsets = _rle.parse_counts(chars, lengths, sizes)[:2]
    assert_same(_rle_numpy.boxes_and_areas(runs, offsets, sizes),
                _rle_ops.boxes_and_areas(runs, offsets, sizes))


def uncompressed_counts(pieces, size):
    """Counts strings of hand-made runs (zeros allowed), as read_counts makes them."""
    rles = [{"size": size, "counts": piece} for piece in pieces]
    counts = read_counts(rles, "rles")
    return counts.chars, counts.lengths, counts.sizes


runs_lists = st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=8),
                      min_size=1, max_size=4)


@CASES
@given(stacks, st.booleans())
def test_merge_twin_equals_kernel(stack, intersect):
    if stack.shape[2] == 0:
        stack = np.zeros(stack.shape[:2] + (1,), np.uint8)
    chars, lengths, sizes = counts_of(stack)
    assert_same(_rle_numpy.merge_counts(chars, lengths, sizes, intersect),
                _rle_ops.merge_counts(chars, lengths, sizes, intersect))


@CASES
@given(runs_lists, st.booleans())
def test_merge_twin_equals_kernel_on_runs_with_empty_ones(pieces, intersect):
    """Zeros anywhere: the twin's own fold, or the kernel's walk where it ends early."""
    total = sum(pieces[0])
    pieces = [p for p in pieces if sum(p) == total] or pieces[:1]
    args = uncompressed_counts(pieces, [1, total])
    assert_same(_rle_numpy.merge_counts(*args, intersect),
                _rle_ops.merge_counts(*args, intersect))


def test_merge_ends_where_an_empty_run_cuts_an_rle_short():
    """An inner run of 0 ends pycocotools' walk early, so the first fold comes out shorter
    than the next RLE; pycocotools' ``merge`` then loops for ever (its loop waits for the
    shorter RLE to go on). Ours stops there, with the same first fold as pycocotools."""
    pieces = [[4, 2, 3, 1, 3, 2, 0, 2]] * 3 + [[3, 2, 3, 1, 3, 2, 0, 3]]
    two = _rle_ops.merge_counts(*uncompressed_counts(pieces[:2], [1, 17]), False)
    assert two[0].tolist() == [4, 2, 3, 1, 3, 2]      # pycocotools: b"423O01"
    for intersect in (False, True):
        args = uncompressed_counts(pieces, [1, 17])
        runs, bad, error, _ = _rle_ops.merge_counts(*args, intersect)
        assert bad == -1 and runs.sum() <= 17
        assert_same(_rle_numpy.merge_counts(*args, intersect), (runs, bad, error, _))


@CASES
@given(stacks, st.integers(0, 2 ** 32 - 1))
def test_pair_ious_twin_equals_kernel(stack, seed):
    rng = np.random.default_rng(seed)
    n = stack.shape[2]
    chars, lengths, sizes = counts_of(stack)
    runs, offsets = _rle.parse_counts(chars, lengths, sizes)[:2]
    k = int(rng.integers(0, 12)) if n else 0
    d, g = rng.integers(0, max(n, 1), k), rng.integers(0, max(n, 1), k)
    crowd = rng.random(k) < 0.3
    args = (runs, offsets, sizes, runs, offsets, sizes, d, g, crowd)
    assert_same(_rle_numpy.pair_ious(*args), _rle_ops.pair_ious(*args))


@CASES
@given(runs_lists, st.integers(0, 2 ** 32 - 1))
def test_pair_ious_twin_equals_kernel_on_runs_with_empty_ones(pieces, seed):
    total = sum(pieces[0])
    pieces = [p for p in pieces if sum(p) == total]
    chars, lengths, sizes = uncompressed_counts(pieces, [1, total])
    runs, offsets = _rle.parse_counts(chars, lengths, sizes)[:2]
    rng = np.random.default_rng(seed)
    d, g = rng.integers(0, len(pieces), 6), rng.integers(0, len(pieces), 6)
    args = (runs, offsets, sizes, runs, offsets, sizes, d, g, rng.random(6) < 0.5)
    assert_same(_rle_numpy.pair_ious(*args), _rle_ops.pair_ious(*args))


@CASES
@given(st.lists(st.integers(1, 6), min_size=1, max_size=12), st.booleans(),
       st.integers(0, 2 ** 32 - 1))
def test_intersection_of_foreground_intervals_equals_the_walk(runs, first_empty, seed):
    """Where no run after the first is 0, counting over the foreground intervals gives
    pycocotools' walk's intersection, for RLEs of every parity and first run."""
    a = np.array(([0] if first_empty else []) + runs, np.int64)
    total = int(a.sum())
    pixels = np.repeat(np.uint8([0, 1]), [total // 2, total - total // 2])
    b = _rle_numpy.encode(np.random.default_rng(seed).permutation(pixels).reshape(1, -1, 1))
    b = _rle.parse_counts(b[0], np.array([b[0].size]), np.array([[1, total]]))[0]
    for x, y in ((a, b), (b, a), (a, a)):
        assert _rle_ops._intersection(x, y) == _rle_ops._combine(x, y, False,
                                                                 np.empty(0, np.int64))[1]


@CASES
@given(st.lists(st.integers(1, 6), min_size=1, max_size=30), st.booleans(),
       st.floats(0, 1), st.integers(0, 2 ** 32 - 1), st.booleans())
def test_combining_plain_rles_gives_the_walks_runs(runs, first_empty, density, seed,
                                                    intersect):
    """Where no run after the first is 0, passing over runs under a deciding one gives
    pycocotools' walk's runs, for RLEs of every parity, first run and density, either
    way round."""
    a = np.array(([0] if first_empty else []) + runs, np.int64)
    total = int(a.sum())
    pixels = (np.random.default_rng(seed).random(total) < density).astype(np.uint8)
    b = _rle_numpy.encode(pixels.reshape(1, -1, 1))
    b = _rle.parse_counts(b[0], np.array([b[0].size]), np.array([[1, total]]))[0]
    for x, y in ((a, b), (b, a), (a, a)):
        walk = np.empty(x.size + y.size, np.int64)
        n_walk = _rle_ops._combine(x, y, intersect, walk)[0]
        plain = np.empty(x.size + y.size, np.int64)
        n_plain = _rle_ops._combine_plain(x, y, intersect, plain)
        assert plain[:n_plain].tolist() == walk[:n_walk].tolist()


coordinates = st.floats(-4, 14, allow_nan=False).map(lambda v: round(v * 4) / 4)


@CASES
@given(st.lists(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=9),
                max_size=4),
       st.integers(0, 10), st.integers(0, 10))
def test_polygon_twin_equals_kernel(polygons, height, width):
    xy = np.array([point for polygon in polygons for point in polygon],
                  np.float64).reshape(-1, 2)
    starts = np.cumsum([0] + [len(polygon) for polygon in polygons])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # int(nan) for a repeated vertex, in both
        twin = _rle_numpy.polygon_runs(xy, starts, height, width)
        runs, offsets = _rle_ops.polygon_runs(xy, starts, height, width)
        assert_same(twin, (runs, offsets))
        # a batch is its polygons one by one
        for i, polygon in enumerate(polygons):
            alone = _rle_ops.polygon_runs(np.array(polygon, np.float64),
                                          np.array([0, len(polygon)]), height, width)[0]
            assert_same(alone, runs[offsets[i]:offsets[i + 1]])


@CASES
@given(st.lists(st.lists(st.integers(0, 30), max_size=12), min_size=1, max_size=3),
       st.integers(0, 30))
def test_runs_from_switches_twin_equals_kernel(blocks, total):
    blocks = [np.sort(np.minimum(np.array(b, np.int64), total)) for b in blocks]
    offsets = np.cumsum([0] + [b.size for b in blocks])
    switches = np.concatenate(blocks).astype(np.int64)
    assert_same(_rle_numpy._runs_from_switches(switches, offsets, total),
                _rle_ops._runs_from_switches(switches, offsets, total))


@CASES
@given(st.integers(1, 40), st.integers(1, 12),
       st.lists(st.lists(st.tuples(st.integers(0, 39), st.integers(0, 12)), max_size=20),
                max_size=5))
def test_sort_switches_sorts_each_block_by_column_then_row(width, height, blocks):
    # a polygon's switches come by edge, so out of order across and within columns
    pairs = [[(min(c, width - 1), min(r, height)) for c, r in b] for b in blocks]
    columns = np.array([c for b in pairs for c, _ in b], np.int64)
    values = np.array([c * height + r for b in pairs for c, r in b], np.int64)
    offsets = np.cumsum([0] + [len(b) for b in pairs])
    scratch = np.empty(max([len(b) for b in pairs], default=0), np.int64)
    for i in range(len(pairs)):
        _rle_ops._sort_switches(values, columns[offsets[i]:offsets[i + 1]].copy(),
                                offsets[i], offsets[i + 1], np.full(width + 1, -7, np.int64),
                                scratch)
    assert values.tolist() == [c * height + r for b in pairs for c, r in sorted(b)]


@CASES
@given(st.lists(st.lists(st.integers(0, 99), max_size=6), max_size=12),
       st.integers(0, 2 ** 32 - 1))
def test_place_runs_twin_equals_kernel(blocks, seed):
    """Blocks of a part copied to their rows' places among others: the same array."""
    rng = np.random.default_rng(seed)
    n = len(blocks) + int(rng.integers(0, 4))
    rows = np.sort(rng.permutation(n)[:len(blocks)]).astype(np.int64)
    lengths = rng.integers(0, 5, n)
    lengths[rows] = [len(b) for b in blocks]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    part_runs = np.array([v for b in blocks for v in b], np.int64)
    part_offsets = np.concatenate([[0], np.cumsum([len(b) for b in blocks])]).astype(np.int64)
    twin, kernel = (np.full(offsets[-1], -1, np.int64) for _ in range(2))
    _rle_numpy.place_runs(twin, offsets, rows, part_runs, part_offsets)
    _rle_ops.place_runs(kernel, offsets, rows, part_runs, part_offsets)
    assert_same(twin, kernel)
    for j, row in enumerate(rows):
        assert kernel[offsets[row]:offsets[row + 1]].tolist() == blocks[j]


# ------------------------------------------------------------- which one serves
@pytest.fixture
def no_cached_kernels(monkeypatch):
    """A process whose kernels are in no cache (else they serve from the first call)."""
    monkeypatch.setattr(_rle_paths, "_spent", {})
    monkeypatch.setattr(_rle_paths, "in_numba_cache", lambda name: False)


def test_a_large_call_goes_to_the_kernel_and_the_kernel_stays(no_cached_kernels):
    assert not _rle_paths.use_kernel("merge_counts", 10)
    assert _rle_paths.use_kernel("merge_counts", _rle_paths.KERNEL_WORK)
    assert _rle_paths.implementation("merge_counts", 1) is _rle_ops.merge_counts
    assert _rle_paths.implementation("parse_counts", 1).__module__ == _rle_paths.__name__


def test_a_cached_kernel_serves_from_the_first_call(monkeypatch):
    monkeypatch.setattr(_rle_paths, "_spent", {})
    monkeypatch.setattr(_rle_paths, "in_numba_cache", lambda name: name == "pair_ious")
    assert _rle_paths.implementation("pair_ious", 1) is _rle_ops.pair_ious
    assert _rle_paths.implementation("merge_counts", 1).__module__ == _rle_paths.__name__


def test_a_twin_that_has_spent_its_time_hands_over(monkeypatch):
    monkeypatch.setattr(_rle_paths, "_spent", {"decode_counts": _rle_paths.TWIN_SECONDS})
    assert _rle_paths.implementation("decode_counts", 1) is _rle.decode_counts


def test_a_twin_counts_its_cpu_time(no_cached_kernels):
    serve = _rle_paths.implementation("runs_to_chars", 3)
    serve(np.array([1, 2, 3]), np.array([0, 3]))
    assert _rle_paths._spent["runs_to_chars"] >= 0.0
    with pytest.raises(KeyError, match="no mask kernel"):
        _rle_paths.use_kernel("sort", 1)


# A fresh process, empty numba cache: the lesson-sized work of masks and COCO
# evaluation, served by the twins without loading numba, gives the kernels' answers.
CHILD = """
import json, sys
import numpy as np
from imgprep_course.datasets import masks
rng = np.random.default_rng(5)
stack = (rng.random((30, 40, 6)) < 0.4).astype(np.uint8)
rles = masks.encode(stack)
polygons = masks.from_polygons([[2, 3, 30, 5, 25, 28, 4, 20], [1, 1, 39, 1, 20, 29]], 30, 40)
merged = [masks.merge(polygons), masks.merge(polygons, intersect=True)]
answer = {"rles": [r["counts"].decode() for r in rles + polygons + merged],
          "decode": masks.decode(rles).tolist(), "area": masks.area(rles).tolist(),
          "bbox": masks.to_bbox(rles).tolist(),
          "iou": masks.iou(rles, polygons, [0, 1]).tolist(),
          "group": masks.group_iou(rles, polygons, None, [0, 3], [3, 3], [0, 1], [1, 1]).tolist(),
          "numba": "numba" in sys.modules}
print(json.dumps(answer))
"""


def test_a_fresh_process_gives_the_kernels_answers_without_numba(tmp_path, monkeypatch):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, check=True)
    fresh = json.loads(done.stdout.splitlines()[-1])
    assert fresh.pop("numba") is False
    monkeypatch.setattr(_rle_paths, "_spent", dict.fromkeys(_rle_paths._KERNEL_MODULE))
    namespace = {}
    exec(CHILD.replace("print(json.dumps(answer))", ""), namespace)
    kernels = namespace["answer"]
    assert kernels.pop("numba") is True
    assert fresh == json.loads(json.dumps(kernels))
    assert not list(tmp_path.iterdir())  # nothing was compiled there


def test_a_kernel_in_numbas_cache_is_found_without_numba(tmp_path):
    """Where numba keeps a compiled kernel, the probe looks (so a warm process skips the
    twin); an empty cache holds none."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    probe = ("import sys; from imgprep_course.datasets import _rle_paths as p; "
             "print(p.in_numba_cache('parse_counts'), 'numba' in sys.modules)")

    def ask() -> str:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                              text=True, check=True).stdout.split()

    assert ask() == ["False", "False"]
    compile_one = ("import numpy as np; from imgprep_course.datasets import _rle; "
                   "_rle.parse_counts(np.zeros(1, np.uint8) + 49, np.ones(1, np.int64), "
                   "np.ones((1, 2), np.int64))")
    subprocess.run([sys.executable, "-c", compile_one], env=env, check=True)
    assert ask() == ["True", "False"]


def test_parse_refuses_a_buffer_too_small_for_the_runs():
    chars = np.frombuffer(b"1113", np.uint8)
    with pytest.raises(ValueError, match="out must be int64 of 4 values or more"):
        _rle.parse_counts(chars, np.array([2, 2]), np.array([[1, 2], [1, 4]]),
                          np.zeros(3, np.int64))


@CASES
@given(st.integers(1, 6), st.integers(1, 9), st.lists(st.integers(0, 20), max_size=30),
       st.integers(0, 2 ** 32 - 1))
def test_boxes_of_runs_that_step_or_jump_columns_equal_the_twins(height, width, cuts,
                                                                 seed):
    """Runs of 0, runs within a column, into the next one and past several: the
    kernel's column stepping gives the twin's boxes."""
    total = height * width
    rng = np.random.default_rng(seed)
    bounds = np.sort(np.concatenate([[0, total], rng.integers(0, total + 1, len(cuts))]))
    runs = np.diff(bounds).astype(np.int64)   # zeros where two bounds coincide
    offsets, sizes = np.array([0, runs.size]), np.array([[height, width]])
    assert_same(_rle_numpy.boxes_and_areas(runs, offsets, sizes),
                _rle_ops.boxes_and_areas(runs, offsets, sizes))


@pytest.mark.parametrize("seed", range(6))
def test_polygon_twin_cut_in_halves_past_its_trace_limit_equals_kernel(seed, monkeypatch):
    """Polygons whose outlines pass TRACE_LIMIT together are traced half by half, one
    alone past it by the kernel: the runs of one call over all of them."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 9, rng.integers(1, 12))
    xy = rng.uniform(-3, 25, (int(sizes.sum()), 2)).round(2)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    monkeypatch.setattr(_rle_numpy, "TRACE_LIMIT", int(rng.integers(20, 400)))
    assert_same(_rle_numpy.polygon_runs(xy, starts, 17, 23),
                _rle_ops.polygon_runs(xy, starts, 17, 23))
