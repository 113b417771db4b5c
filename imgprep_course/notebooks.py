"""Lessons are generated from solutions: one source of truth for both.

A solution notebook marks the student's part of a cell with two comment lines::

    def subtract_mean(images):
        # BEGIN SOLUTION
        return images - images.mean(axis=(1, 2, 3), keepdims=True)
        # END SOLUTION

The lesson gets, at the indentation of ``# BEGIN SOLUTION``::

    def subtract_mean(images):
        # YOUR CODE HERE
        raise NotImplementedError

A region at the top level that only assigns names (a question's answer,
``shift_answer = "b"``) becomes ``shift_answer = ...  # YOUR ANSWER HERE`` instead, so
the lesson still runs and the question's check says "not attempted yet".

Cells tagged ``solution-only`` (self-tests that show the checker rejecting a wrong
answer) are left out of the lesson. Outputs and execution counts are stripped. Each
lesson records a digest of what the builder wrote, so a rebuild can tell a lesson a
student has edited (refused without ``force``) from one that is merely out of date.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbformat takes a second to import: only where a notebook is read
    import nbformat

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError")
ANSWER_STUB = "# YOUR ANSWER HERE"
SOLUTION_ONLY = "solution-only"
_MARKER = re.compile(r"^(\s*)(# BEGIN SOLUTION|# END SOLUTION)\s*$")
_KEEP_CELL_METADATA = ("tags",)
_KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "imgprep_course")


class NoCheckoutError(Exception):
    """A course-developer command ran where there is no source checkout (a wheel install)."""


def course_root() -> Path:
    """The source checkout: the folder holding ``solutions/`` and ``lessons/`` (the
    repository's top level), which course-developer commands need."""
    root = Path(__file__).resolve().parents[1]
    if not ((root / "solutions").is_dir() and (root / "lessons").is_dir()):
        raise NoCheckoutError(
            f"needs the course's source checkout (solutions/ and lessons/ in {root}); "
            "run it in a git clone of the course installed with `pip install -e .`")
    return root


def strip_solution(source: str, where: str = "cell") -> str:
    """Replace every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` region with the stub.

    Examples
    --------
    >>> print(strip_solution("def f(x):\\n    # BEGIN SOLUTION\\n    return x\\n"
    ...                      "    # END SOLUTION\\nprint(1)"))
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError
    print(1)
    >>> print(strip_solution('# BEGIN SOLUTION\\nanswer = "b"\\n# END SOLUTION\\n'
    ...                      'ex.q.check(answer)'))
    answer = ...  # YOUR ANSWER HERE
    ex.q.check(answer)
    """
    out, indent, region = [], None, []
    for number, line in enumerate(source.split("\n"), start=1):
        marker = _MARKER.match(line)
        if marker and marker.group(2) == BEGIN:
            if indent is not None:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside another region")
            indent, region = marker.group(1), []
        elif marker:
            if indent is None:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN}")
            out += _stub(indent, region)
            indent = None
        elif indent is None:
            out.append(line)
        else:
            region.append(line)
    if indent is not None:
        raise ValueError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def _stub(indent: str, region: list[str]) -> list[str]:
    """What replaces a solution region: the stub, or for a question's answer (top-level
    assignments only) each name assigned ``...``, which its check reads as unanswered."""
    if not indent:
        try:
            body = ast.parse("\n".join(region)).body
        except SyntaxError:
            body = []
        if body and all(isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name) for node in body):
            return [f"{node.targets[0].id} = ...  {ANSWER_STUB}" for node in body]
    return [indent + STUB[0], indent + STUB[1]]


def lesson_from_solution(solution: nbformat.NotebookNode, name: str = "notebook"
                         ) -> nbformat.NotebookNode:
    """The lesson notebook for a solution notebook (a new object; the input is untouched)."""
    lesson = copy.deepcopy(solution)
    cells = []
    for index, cell in enumerate(lesson.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_ONLY in tags:
            continue
        cell.metadata = {k: v for k, v in cell.get("metadata", {}).items()
                         if k in _KEEP_CELL_METADATA}
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, f"{name}, cell {index}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    lesson.cells = cells
    lesson.metadata = {k: v for k, v in lesson.metadata.items() if k in _KEEP_NOTEBOOK_METADATA}
    metadata = lesson.metadata.setdefault("imgprep_course", {})
    metadata.pop("digest", None)
    metadata["generated_from"] = f"solutions/{name}"
    metadata["digest"] = _digest(lesson)
    return lesson


def build_lessons(solutions: Path, lessons: Path, *, check: bool = False,
                  force: bool = False) -> list[str]:
    """Write (or with ``check``, compare) every lesson; return what differs or changed.

    Raises
    ------
    PermissionError
        When a lesson holds edits (its content no longer matches the digest the builder
        recorded) and ``force`` is not set; nothing is written then.
    """
    import nbformat

    solutions, lessons = Path(solutions), Path(lessons)
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no solution notebooks in {solutions}")
    planned = {}
    for path in sources:
        solution = nbformat.read(path, as_version=4)
        planned[path.name] = dumps(lesson_from_solution(solution, path.name))
    differs = []
    for name, text in planned.items():
        target = lessons / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            differs.append(name if current is not None else f"{name} (missing)")
    extra = sorted(p.name for p in lessons.glob("*.ipynb") if p.name not in planned)
    differs += [f"{name} (no solution)" for name in extra]
    if check:
        return differs
    edited = [name for name in planned
              if (lessons / name).exists() and was_edited(lessons / name)]
    if edited and not force:
        raise PermissionError(
            "these lessons hold edits made after they were generated: "
            + ", ".join(edited) + "; rerun with --force to overwrite them")
    lessons.mkdir(parents=True, exist_ok=True)
    for name, text in planned.items():
        if (lessons / name).exists() and (lessons / name).read_text(encoding="utf-8") == text:
            continue
        (lessons / name).write_text(text, encoding="utf-8")
    return [d for d in differs if not d.endswith("(no solution)")]


def execute_solution(path: Path, timeout: float = 600) -> None:
    """Run a solution notebook top to bottom in a fresh kernel and save it with its outputs.

    Widget state and run timestamps are not saved (the first would store every picture
    twice, the second would make every re-run a diff); the outputs keep their plain-text
    form, which is what nbval compares.
    """
    import nbformat

    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:  # run timestamps would make every re-run a diff
        cell.get("metadata", {}).pop("execution", None)
    Path(path).write_text(dumps(notebook), encoding="utf-8")


def dumps(notebook: nbformat.NotebookNode) -> str:
    """Serialise a notebook the way the builder writes it (stable, one trailing newline)."""
    import nbformat

    return nbformat.writes(notebook, version=4) + "\n"


def _digest(notebook: nbformat.NotebookNode) -> str:
    body = copy.deepcopy(notebook)
    body.metadata.get("imgprep_course", {}).pop("digest", None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def was_edited(path: Path) -> bool:
    """Whether a lesson's content no longer matches the digest the builder recorded in it
    (an unreadable notebook, or one without a digest, counts as edited)."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # unreadable means someone changed it by hand
        return True
    recorded = notebook.metadata.get("imgprep_course", {}).get("digest")
    return recorded is None or recorded != _digest(notebook)


def recorded_digest(path: Path) -> str | None:
    """The digest the builder recorded in a lesson: which version of the lesson it was
    made from, even after a student edited it (None when unreadable or absent)."""
    try:
        course = json.loads(Path(path).read_text(encoding="utf-8"))["metadata"]["imgprep_course"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    digest = course.get("digest") if isinstance(course, dict) else None
    return digest if isinstance(digest, str) else None
