"""Lessons are generated from solutions: the builder, its --check and its refusal to clobber."""

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from imgprep_course.notebooks import (build_lessons, course_root, lesson_from_solution,
                                      strip_solution)

ROOT = course_root()


def _solution():
    nb = new_notebook(metadata={"imgprep_course": {"lesson": "09_demo"}, "widgets": {"x": 1}})
    nb.cells = [
        new_markdown_cell("# Demo"),
        new_code_cell("import numpy as np", metadata={"tags": ["setup"]}),
        new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    y = 2 * x\n    return y\n"
                      "    # END SOLUTION\n\nex.f.check(f)", execution_count=3,
                      outputs=[nbformat.v4.new_output("stream", text="ok\n")]),
        new_code_cell("assert ex.f.check(wrong).status == 'failed'",
                      metadata={"tags": ["solution-only"]}),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def test_the_repository_lessons_are_up_to_date():
    result = subprocess.run([sys.executable, "-m", "imgprep_course", "build-lessons", "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_lessons_are_committed_without_outputs_and_solutions_with_them():
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path
        assert any("raise NotImplementedError" in c.source for c in code), path
        assert "BEGIN SOLUTION" not in path.read_text(), path
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        checked = [c for c in nb.cells if "NBVAL_CHECK_OUTPUT" in c.source]
        assert checked and all(c.outputs for c in checked), f"{path}: pin numbers with outputs"
        assert nb.metadata["imgprep_course"]["lesson"] == path.stem


def test_strip_solution_keeps_indentation_and_the_rest():
    lesson = lesson_from_solution(_solution(), "09_demo.ipynb")
    sources = [c.source for c in lesson.cells]
    assert sources[2] == ("def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError\n\n"
                          "ex.f.check(f)")
    assert len(lesson.cells) == 3, "solution-only cells are dropped"
    assert lesson.cells[2].outputs == [] and lesson.cells[2].execution_count is None
    assert lesson.cells[1].metadata == {"tags": ["setup"]}
    assert "widgets" not in lesson.metadata
    assert lesson.metadata["imgprep_course"]["lesson"] == "09_demo"


@pytest.mark.parametrize("source, match", [
    ("# BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n# END SOLUTION", "line 2: # END SOLUTION without # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another region"),
])
def test_unbalanced_markers_are_errors(source, match):
    with pytest.raises(ValueError, match=match):
        strip_solution(source, "demo")


def _layout(tmp_path):
    solutions, lessons = tmp_path / "solutions", tmp_path / "lessons"
    solutions.mkdir()
    nbformat.write(_solution(), solutions / "09_demo.ipynb")
    return solutions, lessons


def test_build_check_and_force(tmp_path):
    solutions, lessons = _layout(tmp_path)
    assert build_lessons(solutions, lessons, check=True) == ["09_demo.ipynb (missing)"]
    assert build_lessons(solutions, lessons) == ["09_demo.ipynb (missing)"]
    assert build_lessons(solutions, lessons, check=True) == []

    # The solution changes: the lesson is out of date but unedited, so a rebuild is allowed.
    nb = nbformat.read(solutions / "09_demo.ipynb", as_version=4)
    nb.cells[0].source = "# Demo, revised"
    nbformat.write(nb, solutions / "09_demo.ipynb")
    assert build_lessons(solutions, lessons, check=True) == ["09_demo.ipynb"]
    build_lessons(solutions, lessons)
    assert "revised" in (lessons / "09_demo.ipynb").read_text()

    # A student edits the lesson: a rebuild refuses, --force overwrites.
    edited = json.loads((lessons / "09_demo.ipynb").read_text())
    edited["cells"][2]["source"] = "def f(x):\n    return 2 * x\n"
    (lessons / "09_demo.ipynb").write_text(json.dumps(edited))
    before = (lessons / "09_demo.ipynb").read_bytes()
    nb.cells[0].source = "# Demo, revised again"
    nbformat.write(nb, solutions / "09_demo.ipynb")
    with pytest.raises(PermissionError, match="09_demo.ipynb; rerun with --force"):
        build_lessons(solutions, lessons)
    assert (lessons / "09_demo.ipynb").read_bytes() == before
    build_lessons(solutions, lessons, force=True)
    assert "revised again" in (lessons / "09_demo.ipynb").read_text()


def test_check_names_lessons_without_solution(tmp_path):
    solutions, lessons = _layout(tmp_path)
    build_lessons(solutions, lessons)
    (lessons / "stray.ipynb").write_text("{}")
    assert build_lessons(solutions, lessons, check=True) == ["stray.ipynb (no solution)"]


def test_cli_check_exits_nonzero_and_names_the_lesson(tmp_path):
    solutions, lessons = _layout(tmp_path)
    result = subprocess.run([sys.executable, "-m", "imgprep_course", "build-lessons", "--check",
                             "--solutions", str(solutions), "--lessons", str(lessons)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "09_demo.ipynb (missing)" in result.stderr
