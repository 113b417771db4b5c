"""Scene sampling for the shapes generator: categories, colours, shapes and scenes.

Examples
--------
>>> scene = sample_scene(seed=0, width=64, height=48)
>>> {shape.category for shape in scene.shapes} <= {c.id for c in CATEGORIES}
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imgprep_course._validation import as_rng
from imgprep_course.datasets.shapes.polygons import counter_clockwise, ring, rotate


@dataclass(frozen=True)
class Category:
    """A shape category: COCO id and names, a fake WordNet id, and how often it is drawn."""

    id: int
    name: str
    supercategory: str
    wnid: str
    frequency: float


#: The eight categories, most frequent first (the frequencies sum to 1).
CATEGORIES = (
    Category(1, "circle", "round", "n90000001", 0.30),
    Category(2, "square", "angular", "n90000002", 0.22),
    Category(3, "triangle", "angular", "n90000003", 0.16),
    Category(4, "ellipse", "round", "n90000004", 0.11),
    Category(5, "star", "symbol", "n90000005", 0.08),
    Category(6, "hexagon", "angular", "n90000006", 0.06),
    Category(7, "semicircle", "round", "n90000007", 0.04),
    Category(8, "cross", "symbol", "n90000008", 0.03),
)

#: Object colours, by the name captions use.
COLOURS = {"red": (220, 40, 40), "orange": (245, 140, 20), "yellow": (235, 205, 30),
           "green": (40, 150, 60), "blue": (40, 80, 210), "purple": (130, 50, 170),
           "black": (30, 30, 30), "grey": (125, 125, 125)}

#: Background colours, by the name captions use.
BACKGROUNDS = {"pale blue": (200, 220, 240), "light grey": (225, 225, 225),
               "cream": (245, 236, 212), "pale green": (210, 235, 210),
               "pink": (245, 214, 224)}

_WIDTHS, _HEIGHTS = (192, 224, 256), (144, 160, 192, 224)



@dataclass(frozen=True)
class Shape:
    """One drawn shape: its category id, colour name, outline and convex pieces.

    ``outline`` is a ``(K, 2)`` array of x, y vertices in pixels, ordered so that its
    signed (shoelace) area is positive; ``pieces`` are convex polygons, ordered the same
    way, whose union is the outline.
    """

    category: int
    colour: str
    outline: np.ndarray
    pieces: tuple[np.ndarray, ...]
    crowd: bool = False


@dataclass(frozen=True)
class Scene:
    """A scene: image size, background, shapes back to front, and a seed for the noise
    and the captions' wording (so rendering is a pure function of the scene)."""

    width: int
    height: int
    background: str
    shapes: tuple[Shape, ...]
    seed: int


def _outline_and_pieces(name: str, radius: float, aspect: float
                        ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The outline (about the origin) and its convex pieces, before rotation."""
    if name == "circle":
        outline = ring(24, radius)
    elif name == "ellipse":
        outline = ring(24, radius) * [1.0, aspect]
    elif name == "semicircle":
        t = np.linspace(0, np.pi, 13)
        outline = radius * np.stack([np.cos(t), np.sin(t) - 4 / (3 * np.pi)], axis=1)
    elif name in ("triangle", "square", "hexagon"):
        n = {"triangle": 3, "square": 4, "hexagon": 6}[name]
        outline = ring(n, radius, np.pi / 4 if n == 4 else np.pi / 2)
    elif name == "star":
        radii = np.where(np.arange(10) % 2 == 0, radius, 0.45 * radius)
        outline = ring(10, 1.0, np.pi / 2) * radii[:, None]
        inner = outline[1::2]
        tips = [outline[[2 * k, 2 * k + 1, (2 * k - 1) % 10]] for k in range(5)]
        return outline, [inner] + tips
    elif name == "cross":
        a, r = 0.3 * radius, radius
        outline = np.array([[a, -r], [a, -a], [r, -a], [r, a], [a, a], [a, r], [-a, r],
                            [-a, a], [-r, a], [-r, -a], [-a, -a], [-a, -r]])
        bars = [(-a, -r, a, r), (a, -a, r, a), (-r, -a, -a, a)]
        return outline, [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
                         for x0, y0, x1, y1 in bars]
    else:
        raise ValueError(f"unknown shape {name!r}")
    return outline, [outline]


def _make_shape(rng: np.random.Generator, category: Category, centre, radius: float,
                crowd: bool = False) -> Shape:
    aspect = rng.uniform(0.45, 0.75)
    angle = rng.uniform(0, 2 * np.pi)
    colour = str(rng.choice(list(COLOURS)))
    outline, pieces = _outline_and_pieces(category.name, radius, aspect)

    def place(points: np.ndarray) -> np.ndarray:
        return counter_clockwise(rotate(points, angle) + centre)

    return Shape(category.id, colour, place(outline), tuple(place(p) for p in pieces), crowd)


def sample_scene(seed=None, width: int | None = None, height: int | None = None) -> Scene:
    """Draw a random scene: one to nine shapes, sometimes a crowd of tiny ones.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        The randomness (see :func:`imgprep_course._validation.as_rng`).
    width, height : int, optional
        The image size; by default drawn from 192..256 by 144..224.

    Examples
    --------
    >>> scene = sample_scene(seed=3, width=200, height=150)
    >>> scene.width, scene.height, len(scene.shapes) > 0
    (200, 150, True)
    """
    rng = as_rng(seed)
    width = int(rng.choice(_WIDTHS)) if width is None else int(width)
    height = int(rng.choice(_HEIGHTS)) if height is None else int(height)
    if width < 16 or height < 16:
        raise ValueError(f"width and height must be at least 16, got {width}x{height}")
    frequencies = np.array([c.frequency for c in CATEGORIES])
    background = str(rng.choice(list(BACKGROUNDS)))
    shapes = []
    if rng.random() < 0.15:
        category = CATEGORIES[rng.choice(len(CATEGORIES), p=frequencies)]
        middle = rng.uniform([0.2 * width, 0.2 * height], [0.8 * width, 0.8 * height])
        spread = rng.uniform(6, 12)
        for _ in range(rng.integers(5, 13)):
            shapes.append(_make_shape(rng, category, middle + rng.normal(0, spread, 2),
                                      rng.uniform(2.0, 4.0), crowd=True))
    largest = 0.55 * min(width, height)
    for _ in range(min(1 + rng.poisson(3.0), 9)):
        category = CATEGORIES[rng.choice(len(CATEGORIES), p=frequencies)]
        radius = float(np.exp(rng.uniform(np.log(7.0), np.log(largest))))
        centre = rng.uniform([0, 0], [width, height])
        shapes.append(_make_shape(rng, category, centre, radius))
    return Scene(width, height, background, tuple(shapes), int(rng.integers(2 ** 31)))
