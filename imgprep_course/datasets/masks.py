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

from typing import Any, Sequence

import numpy as np

from imgprep_course._validation import as_array, as_crowd
from imgprep_course.boxes import as_boxes
from imgprep_course.datasets._rle_checks import (COORDINATE_LIMIT, Runs, check_coordinates,
                                                 image_size, one_size, pack, pack_runs,
                                                 polygons_xy, raise_not_binary, read_counts,
                                                 read_rles, rle_dicts, split)
from imgprep_course.datasets._rle_groups import box_ious, group_iou, iou_operands, n_items
from imgprep_course.datasets._rle_paths import implementation


__all__ = ["RLE", "Runs", "encode", "decode", "area", "to_bbox", "from_polygons",
           "from_boxes", "merge", "iou", "group_iou", "compress", "uncompress", "unpack",
           "from_segmentation", "drop_odd_coordinate"]

RLE = dict[str, Any]
"""An RLE dict: ``{"size": [height, width], "counts": bytes | str | list of int}``."""

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
            raise_not_binary(stack, single)
        stack = stack.astype(np.uint8)
    height, width, n = stack.shape
    chars, starts, bad = implementation("encode", stack.size)(stack)
    if bad >= 0:
        raise_not_binary(stack, single)
    rles = rle_dicts(chars, starts, [[height, width]] * n)
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
    counts = read_counts(rles, "rles")
    height, width = one_size(counts.sizes, "rles")
    n = counts.sizes.shape[0]
    flat = np.zeros((n, height * width), np.uint8)   # the kernels paint the foreground
    decode_counts = implementation("decode_counts", flat.size)
    counts.check(*decode_counts(counts.chars, counts.lengths, counts.sizes, flat))
    masks = flat.reshape(n, width, height).transpose(2, 1, 0)
    return masks[:, :, 0] if counts.single else masks


def area(rles: RLE | Sequence[RLE]) -> np.uint32 | np.ndarray:
    """Number of foreground pixels: a ``numpy.uint32`` for one RLE, an array for a list.

    Examples
    --------
    >>> int(area({"size": [2, 3], "counts": [1, 2, 3]}))
    2
    >>> area([{"size": [2, 3], "counts": "6"}, {"size": [2, 3], "counts": "06"}])
    array([0, 6], dtype=uint32)
    """
    areas, _, single = _measure(rles, boxes=False)
    areas = areas.astype(np.uint32)
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
    _, boxes, single = _measure(rles, boxes=True)
    return boxes[0] if single else boxes


def _measure(rles, boxes: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Areas and (if ``boxes``) boxes of RLE dicts or :class:`Runs`; and whether one."""
    if isinstance(rles, Runs):
        boxes_and_areas = implementation("boxes_and_areas", rles.runs.size)
        out = boxes_and_areas(rles.runs, rles.offsets, rles.sizes)
        return out[1], out[0], False
    counts = read_counts(rles, "rles", allow_empty=True)
    measure_counts = implementation("measure_counts", counts.chars.size)
    areas, found, *problem = measure_counts(counts.chars, counts.lengths, counts.sizes,
                                            boxes)
    counts.check(*problem)
    return areas, found, counts.single


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
        One RLE per polygon (:func:`merge` them for an annotation's mask), always a
        list, as pycocotools' ``frPyObjects`` returns for a list of polygons: a polygon
        here is itself a list, so one polygon is ``[polygon]``, never ambiguous with a
        list of them (``frPyObjects`` of one flat polygon returns one RLE; here that is
        ``from_polygons([polygon], h, w)[0]``).

    Examples
    --------
    >>> rle = from_polygons([[0, 0, 4, 0, 0, 3]], 4, 5)[0]
    >>> decode(rle)
    array([[1, 1, 1, 0, 0],
           [1, 1, 0, 0, 0],
           [1, 0, 0, 0, 0],
           [0, 0, 0, 0, 0]], dtype=uint8)
    """
    height, width = image_size(height, width)
    return pack_runs(*polygon_runs(polygons, height, width), height, width)


def polygon_runs(polygons: Sequence, height: int, width: int) -> tuple[np.ndarray,
                                                                       np.ndarray]:
    """The runs of :func:`from_polygons`, uncompressed: ``runs, offsets``, polygon ``i``'s
    runs being ``runs[offsets[i]:offsets[i + 1]]`` (the columns of a :class:`Runs`).

    Examples
    --------
    >>> runs, offsets = polygon_runs([[0, 0, 4, 0, 0, 3]], 4, 5)
    >>> runs.tolist(), offsets.tolist()
    ([0, 3, 1, 2, 2, 1, 11], [0, 7])
    """
    if not isinstance(polygons, (list, tuple)):
        raise TypeError(f"polygons must be a list of polygons, each [x1, y1, x2, y2, ...], "
                        f"got {type(polygons).__name__}")
    xy, starts = polygons_xy(polygons, "polygons")
    # work: about the points of outlines the size of the image, traced at 5x scale
    rasterise = implementation("polygon_runs", 10 * (height + width) * len(polygons))
    return rasterise(xy, starts, height, width)


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
        One RLE for a ``(4,)`` box, a list for ``(N, 4)`` boxes: pycocotools'
        convention (``frPyObjects`` of one ``[x, y, w, h]`` returns one RLE) and this
        module's (one in, one out).

    Examples
    --------
    >>> decode(from_boxes([1, 0, 2, 1], 2, 4))
    array([[0, 1, 1, 0],
           [0, 0, 0, 0]], dtype=uint8)
    """
    height, width = image_size(height, width)
    single = np.ndim(boxes) == 1 and np.size(boxes) > 0
    xywh = as_boxes(boxes, "boxes", fmt="xywh")
    x, y = xywh[:, 0], xywh[:, 1]
    x_end, y_end = x + xywh[:, 2], y + xywh[:, 3]
    corners = np.stack([x, y, x, y_end, x_end, y_end, x_end, y], axis=1).reshape(-1, 4, 2)
    far = np.flatnonzero(np.abs(corners).max(axis=(1, 2), initial=0) > COORDINATE_LIMIT)
    if far.size:
        check_coordinates(corners[far[0]], "boxes" if single else f"boxes[{far[0]}]")
    rasterise = implementation("polygon_runs", 10 * (height + width) * len(xywh))
    runs, offsets = rasterise(corners.reshape(-1, 2), np.arange(0, 4 * len(xywh) + 1, 4),
                              height, width)
    rles = pack_runs(runs, offsets, height, width)
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
    counts = read_counts(rles, "rles")
    height, width = one_size(counts.sizes, "rles")
    merge_counts = implementation("merge_counts", counts.chars.size)
    runs, *problem = merge_counts(counts.chars, counts.lengths, counts.sizes,
                                  bool(intersect))
    counts.check(*problem)
    return pack([runs], height, width)[0]


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
    dt, gt, boxes = iou_operands(dt, gt)
    crowd = as_crowd(iscrowd, n_items(gt))
    if n_items(dt) == 0 or n_items(gt) == 0:
        return np.zeros((n_items(dt), n_items(gt)))
    if boxes:
        return box_ious(dt[:, None], gt[None, :], crowd[None, :])
    size = one_size(dt.sizes, "dt")
    if tuple(gt.sizes[0]) != size:
        raise ValueError(f"gt[0] has size {gt.sizes[0].tolist()} but dt[0] has "
                         f"{list(size)}; IoU needs masks of one size")
    one_size(gt.sizes, "gt")
    n_dt, n_gt = n_items(dt), n_items(gt)
    pairs = np.arange(n_dt * n_gt)
    pair_ious = implementation("pair_ious", dt.runs.size + gt.runs.size + pairs.size)
    return pair_ious(dt.runs, dt.offsets, dt.sizes, gt.runs, gt.offsets, gt.sizes,
                     pairs // n_gt, pairs % n_gt, np.tile(crowd, n_dt)).reshape(n_dt, n_gt)


def compress(rles: RLE | Sequence[RLE]) -> RLE | list[RLE]:
    """The same RLE(s) with compressed ``bytes`` counts, whatever form they came in.

    Examples
    --------
    >>> compress({"size": [2, 3], "counts": [1, 2, 3]})
    {'size': [2, 3], 'counts': b'123'}
    """
    unpacked, single = read_rles(rles, "rles", allow_empty=True)
    packed = pack_runs(unpacked.runs, unpacked.offsets, sizes=unpacked.sizes)
    return packed[0] if single else packed


def uncompress(rles: RLE | Sequence[RLE]) -> RLE | list[RLE]:
    """The same RLE(s) with the run lengths as a list of ints (COCO's crowd format).

    Examples
    --------
    >>> uncompress({"size": [4, 5], "counts": "5220003"})
    {'size': [4, 5], 'counts': [5, 2, 2, 2, 2, 2, 5]}
    """
    unpacked, single = read_rles(rles, "rles", allow_empty=True)
    out = [{"size": size.tolist(), "counts": runs.tolist()}
           for size, runs in zip(unpacked.sizes, split(unpacked))]
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
    return read_rles(rles, "rles", allow_empty=True)[0]


def from_segmentation(segmentation, height: int, width: int) -> RLE:
    """One compressed RLE for a COCO annotation's ``segmentation`` field.

    Polygons (a list, possibly empty) are rasterised and merged (a flat polygon with an
    odd number of coordinates loses the last one, as in pycocotools); an RLE, compressed
    or not, is checked against the image size and compressed. This is
    ``COCO.annToRLE``, except that the counts always come back as ``bytes`` and that an
    RLE of another size than its image is refused (``annToRLE`` returns it at its own
    size; pycocotools' evaluation then matches it only with masks of that size).

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
    height, width = image_size(height, width)
    if isinstance(segmentation, dict):
        unpacked, _ = read_rles(segmentation, "segmentation")
        if tuple(unpacked.sizes[0]) != (height, width):
            raise ValueError(f"segmentation has size {unpacked.sizes[0].tolist()} "
                             f"but the image is {height}x{width} (pycocotools' annToRLE "
                             f"would return it at its own size, which no mask of the "
                             f"image's size can match)")
        return pack(split(unpacked), height, width)[0]
    if not isinstance(segmentation, (list, tuple)):
        raise TypeError(f"segmentation must be a list of polygons or an RLE dict, "
                        f"got {type(segmentation).__name__}")
    if not segmentation:
        return pack([np.array([height * width])], height, width)[0]
    return merge(from_polygons(drop_odd_coordinate(segmentation), height, width))


def drop_odd_coordinate(polygons: list) -> list:
    """Flat polygons with an odd number of coordinates lose the last one, as in
    pycocotools (``frPyObjects`` reads ``len // 2`` points).

    Examples
    --------
    >>> drop_odd_coordinate([[0, 0, 4, 0, 0, 3, 9], [1, 1, 2, 1, 1, 2]])
    [[0, 0, 4, 0, 0, 3], [1, 1, 2, 1, 1, 2]]
    """
    return [p[:len(p) - 1] if isinstance(p, (list, tuple)) and len(p) % 2 else p
            for p in polygons]
