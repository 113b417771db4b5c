"""A lesson's progress: each exercise's and question's status, and the points so far.

In the notebook, :func:`progress` reads what the checks of this kernel last said (each
``check`` call records its status here). ``python -m imgprep_course progress`` grades the
saved notebooks instead, exactly as ``grade`` does (:func:`progress_text`).
"""

from __future__ import annotations

import html
from types import ModuleType
from typing import Iterable

#: The status each exercise's or question's last check in this kernel showed, by id.
_LAST: dict[str, str] = {}

NOT_CHECKED = "not checked yet"


def record(item_id: str, status: str) -> None:
    """Remember the status the last check of ``item_id`` showed (called by ``check``)."""
    _LAST[item_id] = status


class Progress:
    """Rows of (number, kind, name, status, points earned, points): text and HTML."""

    def __init__(self, title: str, rows: Iterable[tuple[str, str, str, str, int, int]]):
        self.title = title
        self.rows = list(rows)
        self.score = sum(row[4] for row in self.rows)
        self.max_score = sum(row[5] for row in self.rows)
        width = max([len(row[2]) for row in self.rows] + [4])
        lines = [f"{title}: {self.score}/{self.max_score} points"]
        lines += [f"  {number:<4} {kind:<8} {name:<{width}}  {earned}/{points}  {status}"
                  for number, kind, name, status, earned, points in self.rows]
        self.text = "\n".join(lines)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(number)}</td><td>{html.escape(kind)}</td>"
            f"<td><code>{html.escape(name)}</code></td><td>{earned}/{points}</td>"
            f"<td>{html.escape(status)}</td></tr>"
            for number, kind, name, status, earned, points in self.rows)
        return (f"<div class='imgprep-progress'><b>{html.escape(self.title)}: "
                f"{self.score}/{self.max_score} points</b><table><tr><th>#</th><th>kind</th>"
                f"<th>name</th><th>points</th><th>status</th></tr>{body}</table></div>")


def progress(lesson) -> Progress:
    """This kernel's progress on ``lesson`` (a lesson id or its exercises module).

    Each exercise and question shows the status its last check showed here, or "not
    checked yet". The grader scores the saved notebook the same way, provided every
    answer cell has been run since its last edit.

    Examples
    --------
    >>> from imgprep_course.exercises import start_here as ex
    >>> _ = ex.to_float.check(lambda image: image)   # a wrong answer
    >>> report = progress(ex)
    >>> report.rows[0][:4], report.max_score
    (('0.1', 'exercise', 'to_float', 'failed'), 4)
    """
    from imgprep_course.exercises import LESSONS, lesson_exercises, lesson_questions

    if isinstance(lesson, ModuleType):
        lesson = next((k for k, v in LESSONS.items() if v == lesson.__name__), lesson.__name__)
    rows = []
    for kind, items in (("exercise", lesson_exercises(lesson)),
                        ("question", lesson_questions(lesson))):
        for item in items:
            status = _LAST.get(item.id, NOT_CHECKED)
            rows.append((item.number, kind, item.id, status,
                         item.points if status == "passed" else 0, item.points))
    return Progress(lesson, sorted(rows, key=lambda row: _order(row[0])))


def progress_text(grades) -> str:
    """What ``python -m imgprep_course progress`` prints for graded submissions."""
    from imgprep_course.exercises import lesson_exercises, lesson_questions

    parts = []
    for grade in grades:
        if grade.error:
            parts.append(_plain(f"{grade.path}: {grade.error}", 300))
            continue
        items = (*lesson_exercises(grade.lesson), *lesson_questions(grade.lesson))
        kinds = ["exercise"] * len(lesson_exercises(grade.lesson)) + ["question"] * len(
            lesson_questions(grade.lesson))
        rows = [(item.number, kind, e.id, _plain(e.status + (
                    f": {e.message}" if e.message and e.status != "passed" else "")),
                 e.score, e.max_score)
                for item, kind, e in zip(items, kinds, grade.exercises)]
        rows.sort(key=lambda row: _order(row[0]))
        parts.append(Progress(f"{grade.path} ({grade.lesson})", rows).text)
    return "\n\n".join(parts)


def progress_command(notebooks: list[str], *, sandbox: str = "auto") -> int:
    """``python -m imgprep_course progress [NOTEBOOK...]``: grade the saved notebooks (by
    default the lessons in the current folder) and print each one's progress. Exit 0, or
    2 when there is nothing to grade or grading cannot start."""
    import sys
    from pathlib import Path

    from imgprep_course.exercises import LESSONS
    from imgprep_course.grading import Limits, grade_paths, sandbox_available

    paths = notebooks or sorted(str(p) for p in Path.cwd().glob("*.ipynb")
                                if any(p.name.startswith(name) for name in LESSONS))
    if not paths:
        print("progress: no lesson notebooks here; name them: progress NOTEBOOK...",
              file=sys.stderr)
        return 2
    # your own notebooks: in the sandbox where this machine has one (as grade), else not
    limits = Limits(sandbox=sandbox == "on" or (sandbox == "auto" and sandbox_available()[0]))
    try:
        grades = grade_paths(paths, limits=limits)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"progress: {error}", file=sys.stderr)
        return 2
    print(progress_text(grades))
    return 0


def _plain(text: str, limit: int = 120) -> str:
    """One line of printable characters (a message may hold anything), cut at ``limit``."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _order(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split(".") if part.isdigit())
