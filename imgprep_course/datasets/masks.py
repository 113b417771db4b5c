"""Binary masks as COCO run-length encodings (RLE), computed as ``pycocotools.mask`` does.

The format
----------
An RLE is a dict ``{"size": [height, width], "counts": ...}``. The mask is read column
by column (column-major, Fortran order) and cut into runs of equal pixels that
alternate background, foreground, background, ..., always starting with background (a
mask whose first pixel is foreground starts with a run of length 0). ``counts`` is
either

- *compressed*: ``bytes`` (what :func:`encode` returns, as pycocotools does) or ``str``
  (what COCO's JSON files hold). From the fourth run on, a run is replaced by its
  difference to the run two before it; each number is written in 5-bit groups, low
  group first, as the characters ``chr(48 + group)``, where bit 0x20 of a group means
  "more follows" and bit 0x10 of the last group is the sign; or
- *uncompressed*: the list of run lengths, as COCO stores crowd regions.

Every function accepts all three forms and returns compressed RLEs with ``bytes``
counts (``rle["counts"].decode()`` gives the string to store in JSON). Masks are
``(H, W)`` or ``(H, W, N)`` arrays of bool, or of integers holding only 0 and 1, in
any memory order. Given one RLE dict or one ``(H, W)`` mask a function answers for
one mask; given a list or an ``(H, W, N)`` stack, for each.

=========================================  ============================
``pycocotools.mask``                       here
=========================================  ============================
``encode(np.asfortranarray(mask))``        :func:`encode`
``decode``                                 :func:`decode`
``area``                                   :func:`area`
``toBbox``                                 :func:`to_bbox`
``frPyObjects(polygons, h, w)``            :func:`from_polygons`
``frPyObjects(boxes, h, w)``               :func:`from_boxes`
``frPyObjects(uncompressed_rles, h, w)``   :func:`compress`
``merge``                                  :func:`merge`
``iou``                                    :func:`iou`
``COCO.annToRLE``                          :func:`from_segmentation`
=========================================  ============================

Results are pycocotools' to the byte (counts strings), the pixel and the bit (areas,
boxes, IoUs). Where pycocotools crashes, loops forever, reads stray memory or returns
a sentinel on bad input (an RLE whose runs do not cover its size, a polygon with two
points, RLEs of different sizes, a box of negative size), these functions raise a
``ValueError`` or ``TypeError`` that names the argument and the bad value. An
:func:`iou` with no detections or no ground truths returns an empty ``(m, n)`` array
where pycocotools returns ``[]``; a polygon in an image of width 0 gives an empty
mask where pycocotools gives garbage.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from imgprep_course._validation import as_array
from imgprep_course.boxes import as_boxes
from imgprep_course.datasets import _rle

__all__ = ["RLE", "Runs", "encode", "decode", "area", "to_bbox", "from_polygons",
           "from_boxes", "merge", "iou", "compress", "uncompress", "unpack",
           "from_segmentation"]

RLE = dict[str, Any]
"""An RLE dict: ``{"size": [height, width], "counts": bytes | str | list of int}``."""

# Polygon and box coordinates beyond this many pixels from the origin are refused:
# tracing their boundary at 5x scale would take gigabytes.
COORDINATE_LIMIT = 2.0 ** 20


class Runs(NamedTuple):
    """Several RLEs as run lengths (what :func:`unpack` returns).

    RLE ``i`` has size ``sizes[i]`` (height, width) and runs
    ``runs[offsets[i]:offsets[i + 1]]``.
    """

    sizes: np.ndarray  # (N, 2) int64
    runs: np.ndarray  # int64, all RLEs' runs one after another
    offsets: np.ndarray  # (N + 1,) int64


# ----------------------------------------------------------------------- public API
def encode(mask) -> RLE | list[RLE]:
    """Run-length encode a binary mask, or each mask of a stack.

    Parameters
    ----------
    mask : (H, W) or (H, W, N) array_like of bool or int
        Foreground 1 (True), background 0 (False); any memory order.

    Returns
    -------
    dict or list of dict
        One RLE for an ``(H, W)`` mask, a list of ``N`` for an ``(H, W, N)`` stack.

    Examples
    --------
    >>> mask = np.zeros((4, 5), dtype=np.uint8)
    >>> mask[1:3, 1:4] = 1
    >>> encode(mask)
    {'size': [4, 5], 'counts': b'5220003'}
    >>> len(encode(np.zeros((4, 5, 3), dtype=bool)))
    3
    """
    array = as_array(mask, "mask", ndim=(2, 3), kinds="biu", allow_empty=True)
    single = array.ndim == 2
    stack = array[:, :, None] if single else array
    if stack.dtype == np.bool_:
        stack = stack.view(np.uint8)
    elif stack.dtype != np.uint8:
        if stack.size and (stack.min() < 0 or stack.max() > 1):
            _raise_not_binary(stack, single)
        stack = stack.astype(np.uint8)
    height, width, n = stack.shape
    if stack.flags.f_contiguous:
        pixels = stack.ravel(order="F")
        offset = -pixels.ctypes.data % 8
        n_words = max(0, (pixels.size - offset) // 8)
        words = pixels[offset:offset + 8 * n_words].view(np.uint64)
        chars, starts, bad = _rle.encode_column_major(pixels, words, offset,
                                                      height, width, n)
    else:
        by_mask = np.ascontiguousarray(np.moveaxis(stack, 2, 0))
        chars, starts, bad = _rle.encode_row_major(by_mask)
    if bad >= 0:
        _raise_not_binary(stack, single)
    rles = _rle_dicts(chars, starts, [[height, width]] * n)
    return rles[0] if single else rles


def decode(rles: RLE | Sequence[RLE]) -> np.ndarray:
    """The binary mask(s) an RLE or a list of RLEs describes.

    Parameters
    ----------
    rles : dict or list of dict
        One RLE, or a non-empty list of RLEs of one size.

    Returns
    -------
    ndarray of uint8
        ``(H, W)`` for one RLE, ``(H, W, N)`` for a list; Fortran-ordered, like
        pycocotools.

    Examples
    --------
    >>> decode({"size": [2, 3], "counts": [1, 2, 3]})
    array([[0, 1, 0],
           [1, 0, 0]], dtype=uint8)
    >>> decode([{"size": [2, 3], "counts": b"06"}] * 2).shape
    (2, 3, 2)
    """
    unpacked, single = _unpack(rles, "rles")
    height, width = _one_size(unpacked.sizes, "rles")
    n = unpacked.sizes.shape[0]
    flat = np.zeros((n, height * width), np.uint8)
    _rle.decode_runs(unpacked.runs, unpacked.offsets, flat)
    masks = flat.reshape(n, width, height).transpose(2, 1, 0)
    return masks[:, :, 0] if single else masks


def area(rles: RLE | Sequence[RLE]) -> np.uint32 | np.ndarray:
    """Number of foreground pixels: a ``numpy.uint32`` for one RLE, an array for a list.

    Examples
    --------
    >>> int(area({"size": [2, 3], "counts": [1, 2, 3]}))
    2
    >>> area([{"size": [2, 3], "counts": "6"}, {"size": [2, 3], "counts": "06"}])
    array([0, 6], dtype=uint32)
    """
    unpacked, single = _unpack(rles, "rles", allow_empty=True)
    areas = _rle.areas(unpacked.runs, unpacked.offsets).astype(np.uint32)
    return areas[0] if single else areas


def to_bbox(rles: RLE | Sequence[RLE]) -> np.ndarray:
    """Bounding box ``[x, y, width, height]`` of the foreground, COCO's ``bbox``.

    Continuous pixel coordinates: a box around pixel (row 0, column 0) alone is
    ``[0, 0, 1, 1]``. An empty mask gives ``[0, 0, 0, 0]``.

    Returns
    -------
    ndarray of float64
        ``(4,)`` for one RLE, ``(N, 4)`` for a list.

    Examples
    --------
    >>> to_bbox({"size": [2, 3], "counts": [1, 2, 3]}).tolist()
    [0.0, 0.0, 2.0, 2.0]
    """
    unpacked, single = _unpack(rles, "rles", allow_empty=True)
    boxes = _rle.bboxes(unpacked.runs, unpacked.offsets, unpacked.sizes)
    return boxes[0] if single else boxes


def from_polygons(polygons: Sequence, height: int, width: int) -> list[RLE]:
    """Rasterise polygons as COCO does, one RLE per polygon.

    The vertices are scaled by 5 and rounded, the closed outline is traced at that
    scale, and a pixel is inside where the traced outline crosses its column's centre
    line an odd number of times above the pixel's centre. This is pycocotools'
    rasterisation, which differs from what PIL or OpenCV fill by a pixel here and
    there. Parts outside the image are cut off.

    Parameters
    ----------
    polygons : sequence of array_like
        Each polygon as COCO writes it, ``[x1, y1, x2, y2, ...]``, or as ``(K, 2)``
        x, y rows; at least 3 points. Coordinates are continuous: pixel (row 0,
        column 0) spans ``0 <= x, y <= 1``.
    height, width : int
        The image size.

    Returns
    -------
    list of dict
        One RLE per polygon (:func:`merge` them for an annotation's mask).

    Examples
    --------
    >>> rle = from_polygons([[0, 0, 4, 0, 0, 3]], 4, 5)[0]
    >>> decode(rle)
    array([[1, 1, 1, 0, 0],
           [1, 1, 0, 0, 0],
           [1, 0, 0, 0, 0],
           [0, 0, 0, 0, 0]], dtype=uint8)
    """
    height, width = _image_size(height, width)
    if not isinstance(polygons, (list, tuple)):
        raise TypeError(f"polygons must be a list of polygons, each [x1, y1, x2, y2, ...], "
                        f"got {type(polygons).__name__}")
    runs = [_rle.polygon_runs(_polygon(polygon, f"polygons[{i}]"), height, width)
            for i, polygon in enumerate(polygons)]
    return _pack(runs, height, width)


def from_boxes(boxes, height: int, width: int) -> RLE | list[RLE]:
    """Masks of ``[x, y, width, height]`` boxes (COCO's ``bbox``), rasterised as COCO does.

    A box is rasterised as the polygon of its four corners (see
    :func:`from_polygons`), so a box on whole pixels covers exactly those pixels.

    Parameters
    ----------
    boxes : (N, 4) or (4,) array_like
        Boxes in xywh format; no negative width or height.
    height, width : int
        The image size.

    Returns
    -------
    dict or list of dict
        One RLE for a ``(4,)`` box, a list for ``(N, 4)`` boxes.

    Examples
    --------
    >>> decode(from_boxes([1, 0, 2, 1], 2, 4))
    array([[0, 1, 1, 0],
           [0, 0, 0, 0]], dtype=uint8)
    """
    height, width = _image_size(height, width)
    single = np.ndim(boxes) == 1 and np.size(boxes) > 0
    xywh = as_boxes(boxes, "boxes", fmt="xywh")
    runs = []
    for i, (x, y, w, h) in enumerate(xywh):
        x_end, y_end = x + w, y + h
        corners = np.array([[x, y], [x, y_end], [x_end, y_end], [x_end, y]])
        _check_coordinates(corners, "boxes" if single else f"boxes[{i}]")
        runs.append(_rle.polygon_runs(corners, height, width))
    rles = _pack(runs, height, width)
    return rles[0] if single else rles


def merge(rles: Sequence[RLE], intersect: bool = False) -> RLE:
    """Union (or, with ``intersect=True``, intersection) of RLEs of one size.

    Examples
    --------
    >>> a = {"size": [1, 4], "counts": [0, 2, 2]}
    >>> b = {"size": [1, 4], "counts": [1, 2, 1]}
    >>> decode(merge([a, b])).tolist(), decode(merge([a, b], intersect=True)).tolist()
    ([[1, 1, 1, 0]], [[0, 1, 0, 0]])
    """
    if isinstance(rles, dict):
        raise TypeError("rles must be a list of RLE dicts, got one dict; "
                        "wrap it in a list")
    unpacked, _ = _unpack(rles, "rles")
    height, width = _one_size(unpacked.sizes, "rles")
    runs = _rle.merge_runs(unpacked.runs, unpacked.offsets, bool(intersect))
    return _pack([runs], height, width)[0]


def iou(dt, gt, iscrowd=None) -> np.ndarray:
    """Intersection over union of each detection with each ground truth.

    Both sides are lists of RLEs (mask IoU) or both are ``[x, y, w, h]`` boxes (box
    IoU, no +1). Against a crowd ground truth the union is the detection's area
    alone, so a detection inside a crowd region scores 1.

    Parameters
    ----------
    dt, gt : list of dict, or (N, 4) or (4,) array_like
        Detections and ground truths; all RLEs must have one size.
    iscrowd : sequence of bool or int, optional
        One flag per ground truth; none are crowds by default.

    Returns
    -------
    (len(dt), len(gt)) ndarray of float64

    Examples
    --------
    >>> iou([[0, 0, 2, 2]], [[1, 0, 2, 2], [1, 1, 1, 1]], [0, 1]).tolist()
    [[0.3333333333333333, 0.25]]
    >>> a, b = from_boxes([[0, 0, 2, 2], [1, 0, 2, 2]], 4, 4)
    >>> iou([a], [b, a]).tolist()
    [[0.3333333333333333, 1.0]]
    """
    dt_kind, gt_kind = _iou_kind(dt, "dt"), _iou_kind(gt, "gt")
    if "empty" not in (dt_kind, gt_kind) and dt_kind != gt_kind:
        raise TypeError(f"dt holds {dt_kind} but gt holds {gt_kind}; give both as "
                        f"lists of RLE dicts or both as (N, 4) xywh boxes")
    boxes = "boxes" in (dt_kind, gt_kind)
    if boxes:
        dt, gt = as_boxes(dt, "dt", fmt="xywh"), as_boxes(gt, "gt", fmt="xywh")
    crowd = np.zeros(len(gt), bool)
    if iscrowd is not None:
        flags = as_array(iscrowd, "iscrowd", ndim=1, kinds="biuf", allow_empty=True)
        if flags.shape[0] != len(gt):
            raise ValueError(f"iscrowd must have one flag per ground truth ({len(gt)}), "
                             f"got {flags.shape[0]}")
        crowd = flags != 0
    if len(dt) == 0 or len(gt) == 0:
        return np.zeros((len(dt), len(gt)))
    if boxes:
        return _rle.box_ious(dt, gt, crowd)
    dts, _ = _unpack(dt, "dt")
    gts, _ = _unpack(gt, "gt")
    size = _one_size(dts.sizes, "dt")
    if tuple(gts.sizes[0]) != size:
        raise ValueError(f"gt[0] has size {gts.sizes[0].tolist()} but dt[0] has "
                         f"{list(size)}; IoU needs masks of one size")
    _one_size(gts.sizes, "gt")
    return _rle.mask_ious(dts.runs, dts.offsets, dts.sizes,
                          gts.runs, gts.offsets, gts.sizes, crowd)


def compress(rles: RLE | Sequence[RLE]) -> RLE | list[RLE]:
    """The same RLE(s) with compressed ``bytes`` counts, whatever form they came in.

    Examples
    --------
    >>> compress({"size": [2, 3], "counts": [1, 2, 3]})
    {'size': [2, 3], 'counts': b'123'}
    """
    unpacked, single = _unpack(rles, "rles", allow_empty=True)
    packed = _pack(_split(unpacked), sizes=unpacked.sizes)
    return packed[0] if single else packed


def uncompress(rles: RLE | Sequence[RLE]) -> RLE | list[RLE]:
    """The same RLE(s) with the run lengths as a list of ints (COCO's crowd format).

    Examples
    --------
    >>> uncompress({"size": [4, 5], "counts": "5220003"})
    {'size': [4, 5], 'counts': [5, 2, 2, 2, 2, 2, 5]}
    """
    unpacked, single = _unpack(rles, "rles", allow_empty=True)
    out = [{"size": size.tolist(), "counts": runs.tolist()}
           for size, runs in zip(unpacked.sizes, _split(unpacked))]
    return out[0] if single else out


def unpack(rles: Sequence[RLE]) -> Runs:
    """The run lengths of many RLEs at once, for batched work such as COCO evaluation.

    Each RLE may come in any of the three forms and is checked as by :func:`decode`;
    the RLEs may have different sizes.

    Examples
    --------
    >>> unpacked = unpack([{"size": [2, 3], "counts": "123"}, {"size": [1, 2], "counts": [2]}])
    >>> unpacked.runs.tolist(), unpacked.offsets.tolist(), unpacked.sizes.tolist()
    ([1, 2, 3, 2], [0, 3, 4], [[2, 3], [1, 2]])
    """
    if isinstance(rles, dict):
        raise TypeError("rles must be a list of RLE dicts, got one dict; "
                        "wrap it in a list")
    return _unpack(rles, "rles", allow_empty=True)[0]


def from_segmentation(segmentation, height: int, width: int) -> RLE:
    """One compressed RLE for a COCO annotation's ``segmentation`` field.

    Polygons (a list, possibly empty) are rasterised and merged; an RLE, compressed or
    not, is checked against the image size and compressed. This is
    ``COCO.annToRLE``, except that the counts always come back as ``bytes``.

    Examples
    --------
    >>> rle = from_segmentation([[0, 0, 2, 0, 2, 2, 0, 2], [3, 0, 5, 0, 5, 3]], 3, 5)
    >>> rle
    {'size': [3, 5], 'counts': b'02103ON1O'}
    >>> decode(rle)
    array([[1, 1, 0, 1, 1],
           [1, 1, 0, 0, 1],
           [0, 0, 0, 0, 0]], dtype=uint8)
    """
    height, width = _image_size(height, width)
    if isinstance(segmentation, dict):
        unpacked, _ = _unpack(segmentation, "segmentation")
        if tuple(unpacked.sizes[0]) != (height, width):
            raise ValueError(f"segmentation has size {unpacked.sizes[0].tolist()} "
                             f"but the image is {height}x{width}")
        return _pack(_split(unpacked), height, width)[0]
    if not isinstance(segmentation, (list, tuple)):
        raise TypeError(f"segmentation must be a list of polygons or an RLE dict, "
                        f"got {type(segmentation).__name__}")
    if not segmentation:
        return _pack([np.array([height * width])], height, width)[0]
    return merge(from_polygons(segmentation, height, width))


# ------------------------------------------------------------------------ helpers
def _unpack(rles, name: str, allow_empty: bool = False) -> tuple[Runs, bool]:
    """Validate one RLE or a list of them; return their runs and whether it was one."""
    single = isinstance(rles, dict)
    if single:
        items = [rles]
    elif isinstance(rles, (list, tuple)):
        items = rles
    else:
        raise TypeError(f"{name} must be an RLE dict or a list of them, "
                        f"got {type(rles).__name__}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must hold at least one RLE, got an empty list")

    def label(i: int) -> str:
        return name if single else f"{name}[{i}]"

    sizes, texts, given_runs = [], [], {}
    for i, rle in enumerate(items):
        if not isinstance(rle, dict) or "size" not in rle or "counts" not in rle:
            raise TypeError(f"{label(i)} must be a dict with 'size' and 'counts', "
                            f"got {_describe(rle)}")
        height, width = _rle_size(rle["size"], label, i)
        sizes.append((height, width))
        counts = rle["counts"]
        if isinstance(counts, str):
            try:
                counts = counts.encode("ascii")
            except UnicodeEncodeError:
                raise ValueError(f"{label(i)}['counts'] is not a compressed RLE: it "
                                 f"holds characters outside '0'..'o': "
                                 f"{counts[:40]!r}") from None
        if isinstance(counts, bytes):
            if not counts:
                raise ValueError(f"{label(i)}['counts'] is empty; an RLE has at least "
                                 f"one run")
            texts.append(counts)
        else:
            given_runs[i] = _uncompressed_runs(counts, label(i), height * width)
            texts.append(b"")
    sizes = np.array(sizes, np.int64).reshape(-1, 2)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    runs, offsets, bad, error, where = _rle.parse_counts(
        np.frombuffer(b"".join(texts), np.uint8), lengths, sizes)
    if bad >= 0:
        _raise_malformed(label(bad), texts[bad], error, where, sizes[bad])
    unpacked = Runs(sizes, runs, offsets)
    if given_runs:
        pieces = _split(unpacked)
        for i, piece in given_runs.items():
            pieces[i] = piece
        unpacked = Runs(sizes, *_concatenate(pieces))
    return unpacked, single


def _uncompressed_runs(counts, label: str, total: int) -> np.ndarray:
    runs = as_array(counts, f"{label}['counts']", ndim=1, kinds="iu")
    if (runs < 0).any():
        raise ValueError(f"{label}['counts'] has a negative run length: "
                         f"{int(runs[runs < 0][0])} at index {int(np.argmax(runs < 0))}")
    covered = int(runs.sum())
    if covered != total:
        raise ValueError(f"{label}['counts'] covers {covered} pixels but its size "
                         f"holds {total}")
    return runs.astype(np.int64)


def _raise_malformed(label: str, text: bytes, error: int, where: int, size) -> None:
    what = f"{label}['counts'] is not a valid compressed RLE"
    if error == _rle.BAD_CHARACTER:
        raise ValueError(f"{what}: character {chr(text[where])!r} at position {where} "
                         f"is outside '0'..'o'")
    if error == _rle.TRUNCATED:
        raise ValueError(f"{what}: it ends inside a number (its last character "
                         f"{chr(text[-1])!r} says more follows)")
    if error == _rle.TOO_LONG:
        raise ValueError(f"{what}: the number ending at position {where} has more than "
                         f"12 characters")
    if error == _rle.NEGATIVE_RUN:
        raise ValueError(f"{what}: run {where} decodes to a negative length")
    raise ValueError(f"{what}: its runs cover {where} pixels but size "
                     f"{size.tolist()} holds {int(size.prod())}")


def _rle_size(size, label, i: int) -> tuple[int, int]:
    """``size`` as ``(height, width)``, or an error naming ``label(i)``."""
    try:
        height, width = operator.index(size[0]), operator.index(size[1])
        if len(size) == 2 and height >= 0 and width >= 0:
            return height, width
    except (TypeError, IndexError, KeyError):
        pass
    if not isinstance(size, (list, tuple, np.ndarray)) or len(size) != 2:
        raise ValueError(f"{label(i)}['size'] must be [height, width], got {size!r}")
    try:
        height, width = operator.index(size[0]), operator.index(size[1])
    except TypeError:
        raise TypeError(f"{label(i)}['size'] must hold two ints, got {size!r}") from None
    raise ValueError(f"{label(i)}['size'] must not be negative, got {size!r}")


def _image_size(height, width) -> tuple[int, int]:
    out = []
    for value, name in ((height, "height"), (width, "width")):
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an int, got {value!r}") from None
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        out.append(value)
    return out[0], out[1]


def _one_size(sizes: np.ndarray, name: str) -> tuple[int, int]:
    if len(sizes) > 1 and (sizes != sizes[0]).any():
        i = int(np.argmax((sizes != sizes[0]).any(axis=1)))
        raise ValueError(f"{name}[{i}] has size {sizes[i].tolist()} but {name}[0] has "
                         f"{sizes[0].tolist()}; all RLEs must have one size")
    return int(sizes[0, 0]), int(sizes[0, 1])


def _polygon(polygon, label: str) -> np.ndarray:
    xy = as_array(polygon, label, ndim=(1, 2), kinds="iuf", finite=True)
    if xy.ndim == 1:
        if xy.size % 2:
            raise ValueError(f"{label} must list x, y pairs, got an odd number of "
                             f"coordinates ({xy.size}): {xy.tolist()}")
        xy = xy.reshape(-1, 2)
    elif xy.shape[1] != 2:
        raise ValueError(f"{label} must have shape (K, 2) or (2K,), got {xy.shape}")
    if xy.shape[0] < 3:
        raise ValueError(f"{label} must have at least 3 points, got {xy.shape[0]}: "
                         f"{xy.ravel().tolist()}")
    xy = xy.astype(np.float64)
    _check_coordinates(xy, label)
    return xy


def _check_coordinates(xy: np.ndarray, label: str) -> None:
    far = np.abs(xy).max()
    if far > COORDINATE_LIMIT:
        raise ValueError(f"{label} has a coordinate {far:g} pixels from the origin; "
                         f"at most {COORDINATE_LIMIT:g} is supported")


def _iou_kind(objs, name: str) -> str:
    """'RLEs', 'boxes' or 'empty', for the two forms :func:`iou` accepts."""
    if isinstance(objs, (list, tuple)):
        if not objs:
            return "empty"
        if all(isinstance(obj, dict) for obj in objs):
            return "RLEs"
        if any(isinstance(obj, dict) for obj in objs):
            raise TypeError(f"{name} mixes RLE dicts with other things; give a list of "
                            f"RLE dicts or (N, 4) boxes")
    elif not isinstance(objs, np.ndarray):
        raise TypeError(f"{name} must be a list of RLE dicts or (N, 4) xywh boxes, "
                        f"got {type(objs).__name__}")
    return "empty" if np.size(objs) == 0 else "boxes"


def _split(unpacked: Runs) -> list[np.ndarray]:
    offsets = unpacked.offsets
    return [unpacked.runs[offsets[i]:offsets[i + 1]] for i in range(offsets.size - 1)]


def _concatenate(pieces: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if len(pieces) == 1:
        return pieces[0].astype(np.int64, copy=False), np.array([0, pieces[0].size])
    offsets = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum([piece.size for piece in pieces], out=offsets[1:])
    runs = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
    return runs.astype(np.int64, copy=False), offsets


def _pack(pieces: list[np.ndarray], height: int = 0, width: int = 0,
          sizes: np.ndarray | None = None) -> list[RLE]:
    """Compressed RLE dicts for run arrays, all of ``height, width`` unless ``sizes``."""
    chars, starts = _rle.runs_to_chars(*_concatenate(pieces))
    return _rle_dicts(chars, starts, [[height, width]] * len(pieces) if sizes is None
                      else sizes.tolist())


def _rle_dicts(chars: np.ndarray, starts: np.ndarray, sizes: list) -> list[RLE]:
    """RLE dicts for the counts strings ``chars[starts[i]:starts[i + 1]]``."""
    text = chars.tobytes()
    bounds = starts.tolist()
    return [{"size": list(size), "counts": text[bounds[i]:bounds[i + 1]]}
            for i, size in enumerate(sizes)]


def _raise_not_binary(stack: np.ndarray, single: bool) -> None:
    wrong = (stack != 0) & (stack != 1)
    i = int(np.argmax(wrong.any(axis=(0, 1))))
    where = "mask" if single else f"mask[:, :, {i}]"
    raise ValueError(f"{where} must hold only 0 and 1 (or be bool), found "
                     f"{np.unique(stack[:, :, i][wrong[:, :, i]])[:5].tolist()}")


def _describe(value) -> str:
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    return type(value).__name__
