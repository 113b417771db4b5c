"""Polygon geometry of the shapes generator: clipping, differences, unions, outlines.

Polygons are ``(K, 2)`` float arrays of x, y vertices. Counter-clockwise means a
positive signed (shoelace) area, in the coordinates as given (with y pointing down, as
in images, that is clockwise on screen). Clipping is Sutherland-Hodgman against convex
polygons; differences of convex polygons come out as disjoint convex pieces; a union of
disjoint pieces is traced back into boundary loops, cut along a pixel column where it
holds a hole (COCO polygons cannot hold one).

Examples
--------
>>> square = np.array([[0., 0], [2, 0], [2, 2], [0, 2]])
>>> signed_area(square), signed_area(intersect(square, square + 1))
(4.0, 1.0)
>>> sum(signed_area(piece) for piece in subtract(square, square + 1))
3.0
"""

from __future__ import annotations

import numpy as np

#: Polygon pieces of less area than this (in square pixels) are dropped.
MIN_PIECE_AREA = 0.5


def rotate(points: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def ring(n: int, radius: float, phase: float = 0.0) -> np.ndarray:
    t = phase + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(t), np.sin(t)], axis=1)



def signed_area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * float(x @ np.roll(y, -1) - np.roll(x, -1) @ y)


def counter_clockwise(polygon: np.ndarray) -> np.ndarray:
    return polygon if signed_area(polygon) >= 0 else polygon[::-1]


def cut(polygon: np.ndarray, a: np.ndarray, b: np.ndarray, keep_left: bool) -> np.ndarray:
    """The part of ``polygon`` left (or right) of the line through ``a`` towards ``b``
    (one Sutherland-Hodgman step; works for any simple polygon)."""
    if len(polygon) == 0:
        return polygon
    normal = np.array([a[1] - b[1], b[0] - a[0]])
    side = (polygon - a) @ normal
    if not keep_left:
        side = -side
    if (side >= 0).all():
        return polygon
    following = np.concatenate([polygon[1:], polygon[:1]])
    side_following = np.concatenate([side[1:], side[:1]])
    inside = side >= 0
    crossing = inside != (side_following >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(crossing, side / (side - side_following), 0.0)
    crossings = polygon + t[:, None] * (following - polygon)
    points = np.stack([polygon, crossings], axis=1).reshape(-1, 2)
    return points[np.stack([inside, crossing], axis=1).ravel()]


def intersect(polygon: np.ndarray, convex: np.ndarray) -> np.ndarray:
    """``polygon`` clipped to the counter-clockwise convex polygon ``convex``."""
    for a, b in zip(convex, np.roll(convex, -1, axis=0)):
        polygon = cut(polygon, a, b, keep_left=True)
    return polygon


def subtract(piece: np.ndarray, convex: np.ndarray) -> list[np.ndarray]:
    """Convex ``piece`` minus convex ``convex``, as disjoint convex polygons."""
    if not overlaps(piece, convex):
        return [piece]
    out, rest = [], piece
    for a, b in zip(convex, np.roll(convex, -1, axis=0)):
        outside = cut(rest, a, b, keep_left=False)
        if len(outside) >= 3 and signed_area(outside) > 1e-9:
            out.append(outside)
        rest = cut(rest, a, b, keep_left=True)
        if len(rest) < 3:
            break
    return out


def _merge_pieces(pieces: list[np.ndarray]) -> list[np.ndarray] | None:
    """The boundary loops of the union of disjoint counter-clockwise ``pieces``.

    Edges shared by two pieces cancel (after splitting edges where another piece's
    vertex lies on them); what remains is chained into closed loops: outer boundaries
    counter-clockwise, holes clockwise. Returns None when floating-point noise leaves
    an edge unmatched.
    """
    if not pieces:
        return []
    snapped = [np.round(piece, 6) for piece in pieces]
    points = np.unique(np.concatenate(snapped), axis=0)
    edges: dict[tuple, int] = {}
    for piece in snapped:
        for p, q in zip(piece, np.roll(piece, -1, axis=0)):
            d = q - p
            length2 = float(d @ d)
            if length2 == 0:
                continue
            t = (points - p) @ d / length2
            off = np.abs((points[:, 0] - p[0]) * d[1] - (points[:, 1] - p[1]) * d[0])
            on = (t > 1e-9) & (t < 1 - 1e-9) & (off < 1e-6 * np.sqrt(length2))
            chain = [tuple(p)] + [tuple(v) for v in points[on][np.argsort(t[on])]] + [tuple(q)]
            for a, b in zip(chain, chain[1:]):
                if edges.get((b, a)):
                    edges[(b, a)] -= 1
                else:
                    edges[(a, b)] = edges.get((a, b), 0) + 1
    outgoing: dict[tuple, list[tuple]] = {}
    for (a, b), n in edges.items():
        outgoing.setdefault(a, []).extend([b] * n)
    loops = []
    while any(outgoing.values()):
        start = next(a for a, ends in outgoing.items() if ends)
        loop, point = [start], outgoing[start].pop()
        while point != start:
            if not outgoing.get(point):
                return None
            loop.append(point)
            point = outgoing[point].pop()
        polygon = np.array(loop)
        before = polygon - np.roll(polygon, 1, axis=0)
        after = np.roll(polygon, -1, axis=0) - polygon
        turn = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
        polygon = polygon[np.abs(turn) > 1e-9]
        if len(polygon) >= 3:
            loops.append(polygon)
    total = sum(signed_area(piece) for piece in pieces)
    if not np.isclose(sum(signed_area(loop) for loop in loops), total, rtol=0, atol=1e-3):
        return None
    return loops


def outlines(pieces: list[np.ndarray], depth: int = 0) -> list[np.ndarray]:
    """Few polygons without holes whose union is the union of the convex ``pieces``.

    COCO polygons cannot hold a hole (pycocotools unites them), so a region with a hole
    is cut in two by the pixel-column boundary ``x = k`` through the hole, and each side
    outlined on its own. Falls back to the pieces themselves when that does not work.
    """
    loops = _merge_pieces(pieces)
    if loops is None:
        return pieces
    holes = [loop for loop in loops if signed_area(loop) < 0]
    if not holes:
        return loops
    xs = holes[0][:, 0]
    x = np.floor(xs.max()) if np.floor(xs.max()) > xs.min() else (xs.min() + xs.max()) / 2
    if depth == 4:
        return pieces
    a, b = np.array([x, 0.0]), np.array([x, 1.0])
    sides = [[part for part in (cut(piece, a, b, keep) for piece in pieces)
              if len(part) >= 3 and signed_area(part) > 1e-9] for keep in (True, False)]
    return [loop for side in sides for loop in outlines(side, depth + 1)]


def as_coco_polygon(polygon: np.ndarray) -> list[float] | None:
    """COCO's flat ``[x1, y1, ...]`` with two decimals, or None when degenerate."""
    rounded = np.round(polygon, 2)
    keep = np.any(rounded != np.roll(rounded, 1, axis=0), axis=1)
    rounded = rounded[keep]
    if len(rounded) < 3 or abs(signed_area(rounded)) < MIN_PIECE_AREA:
        return None
    return [float(v) for v in rounded.ravel()]


def overlaps(p: np.ndarray, q: np.ndarray) -> bool:
    return bool((p.min(0) < q.max(0)).all() and (q.min(0) < p.max(0)).all())
