"""Captions of a rendered scene: five sentences from templates filled with what it shows.

Examples
--------
>>> where_in_image(np.array([0., 0, 10, 10]), 100, 100)
'in the top left corner'
>>> plural("cross", 2), plural("circle", 1)
('two crosses', 'a circle')
"""

from __future__ import annotations

import numpy as np

from imgprep_course.datasets import masks
from imgprep_course.datasets.shapes.polygons import overlaps
from imgprep_course.datasets.shapes.scene import CATEGORIES, Scene

SMALL, LARGE = 32 ** 2, 96 ** 2          # COCO's area thresholds

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten", "eleven", "twelve")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def plural(word: str, n: int | None = None) -> str:
    """``a circle``, ``two crosses``; without ``n`` just the plural noun."""
    if n == 1:
        return _a(word)
    noun = word + ("es" if word.endswith("ss") else "s")
    return noun if n is None else f"{_NUMBERS[n] if n < len(_NUMBERS) else n} {noun}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def where_in_image(box: np.ndarray, width: int, height: int) -> str:
    column = min(int(3 * (box[0] + box[2] / 2) / width), 2)
    row = min(int(3 * (box[1] + box[3] / 2) / height), 2)
    return [["in the top left corner", "at the top", "in the top right corner"],
            ["on the left", "in the middle", "on the right"],
            ["in the bottom left corner", "at the bottom", "in the bottom right corner"]
            ][row][column]


def scene_captions(scene: Scene, objects: list[dict], members: list[int],
              rng: np.random.Generator) -> list[str]:
    """Five captions from templates: counts, the largest shape, colours, a relation, totals."""
    names = {c.id: c.name for c in CATEGORIES}
    background = scene.background
    described = []
    for obj in sorted(objects, key=lambda o: -o["area"]):
        shape = scene.shapes[obj["index"]]
        size = ("small" if obj["area"] < SMALL
                else "large" if obj["area"] >= LARGE else "medium-sized")
        described.append({"name": names[shape.category], "colour": shape.colour, "size": size,
                          "where": where_in_image(masks.to_bbox(obj["rle"]), scene.width, scene.height),
                          "x": float(np.mean(scene.shapes[obj["index"]].outline[:, 0])),
                          "index": obj["index"], "visible": obj["visible"]})
    counts: dict[str, int] = {}
    for d in described:
        counts[d["name"]] = counts.get(d["name"], 0) + 1
    listing = _join([plural(name, n) for name, n in
                     sorted(counts.items(), key=lambda item: (-item[1], item[0]))])
    first = described[0] if described else None
    intro = ["A picture of", "An image showing", "A drawing of"][rng.integers(3)]
    out = [f"{intro} {listing} on a {background} background." if described
           else f"An empty {background} background."]
    if first:
        out.append(f"{_a(first['size'])} {first['colour']} {first['name']} "
                   f"{first['where']}.".capitalize())
    if len(described) >= 2:
        second = described[1]
        out.append(f"{_a(first['colour'])} {first['name']} and {_a(second['colour'])} "
                   f"{second['name']}.".capitalize())
        hidden = [d for d in described if d["visible"] < 0.95]
        pairs = [(d, e) for d in hidden for e in described if e["index"] > d["index"]
                 and overlaps(scene.shapes[d["index"]].outline, scene.shapes[e["index"]].outline)]
        if pairs:
            d, front = pairs[0]
            out.append(f"{_a(d['colour'])} {d['name']} partly hidden behind "
                       f"{_a(front['colour'])} {front['name']}.".capitalize())
        else:
            left, right = sorted(described[:2], key=lambda e: e["x"])
            out.append(f"{_a(left['colour'])} {left['name']} to the left of "
                       f"{_a(right['colour'])} {right['name']}.".capitalize())
    elif first:
        out.append(f"A single {first['colour']} {first['name']} and nothing else.")
        out.append(f"Only one shape, {_a(first['name'])}, on a {background} background.")
    if members:
        name = names[scene.shapes[members[0]].category]
        out.append(f"A cluster of tiny {plural(name)} on a {background} background.")
    else:
        total = len(described)
        smallest = described[-1] if described else None
        out.append(f"{_NUMBERS[min(total, 12)].capitalize()} "
                   f"shape{'s' if total != 1 else ''} in all, the smallest "
                   f"{_a(smallest['colour'])} {smallest['name']}." if smallest
                   else "Nothing but the background.")
    while len(out) < 5:
        out.append(f"Shapes on a {background} background.")
    return out[:5]
