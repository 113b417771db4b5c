"""Hints teach and never hand over the answer; points follow effort."""

import ast
import json
import re
from pathlib import Path

import pytest

from imgprep_course.exercises import LESSONS, lesson_exercises

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
EXERCISES = [(lesson, ex) for lesson in sorted(LESSONS) for ex in lesson_exercises(lesson)]


def _normalised(text: str) -> str:
    """Without whitespace, with one kind of quote: how a line reads, not how it is typed."""
    return re.sub(r"\s+", "", text).replace('"', "'")


def solution_lines(lesson: str, name: str) -> list[str]:
    """The statement lines of the solution region of the cell that defines ``name``."""
    cells = json.loads((SOLUTIONS / f"{lesson}.ipynb").read_text())["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "# BEGIN SOLUTION" not in source:
            continue
        tree = ast.parse(source)
        if not any(isinstance(node, ast.FunctionDef) and node.name == name
                   for node in tree.body):
            continue
        region = source.split("# BEGIN SOLUTION", 1)[1].split("# END SOLUTION", 1)[0]
        return [line.split("#")[0] for line in region.splitlines()
                if len(_normalised(line.split("#")[0])) >= 6]
    raise LookupError(f"no solution cell defines {name} in {lesson}")


@pytest.mark.parametrize("lesson, exercise", EXERCISES, ids=[e.number for _, e in EXERCISES])
def test_no_hint_contains_a_line_of_the_solution(lesson, exercise):
    lines = solution_lines(lesson, exercise.name)
    assert lines, exercise.name
    for number, hint in enumerate(exercise.hints, start=1):
        for line in lines:
            assert _normalised(line) not in _normalised(hint), (
                f"hint {number} of {exercise.number} hands over the line {line.strip()!r}")


def test_points_follow_effort():
    points = {ex.number: ex.points for _, ex in EXERCISES}
    assert points["4.5"] > max(points["1.3"], points["4.1"], points["4.2"])   # the capstone
    assert points["3.4"] < points["4.1"] and points["3.2"] < points["3.3"]
    assert points["0.1"] == points["2.2"] == 1
