"""The autograder: score submitted notebooks, never trusting or changing them.

For each exercise of the lesson, the grader finds the student's answer cell (the last
code cell that defines the exercise's function, wherever it is), and runs that cell
alone after the *pristine* set-up cells of the lesson (the cells tagged ``setup`` in
``lessons/``, not the student's copy) in a fresh child process with a time and memory
limit. The child only computes the function's outputs on the grader's inputs; the
comparison with the reference implementation and the score happen here, in a process
that never runs student code and never unpickles anything. The submission file is only
read.

``python -m imgprep_course grade NOTEBOOK... [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import site
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from imgprep_course.exercises import GRADING_ENV, LESSONS, Exercise, lesson_exercises
from imgprep_course.grading import _codec
from imgprep_course.grading._answers import find_answer, refuses_reference, setup_cells
from imgprep_course.notebooks import course_root

RUNNER = Path(__file__).with_name("_runner.py")
MEMORY_LIMIT = 2 * 1024 ** 3


@dataclass
class ExerciseGrade:
    """The grade of one exercise of one submission."""

    id: str
    score: int
    max_score: int
    status: str
    message: str = ""


@dataclass
class SubmissionGrade:
    """The grade of one submitted notebook."""

    path: str
    lesson: str
    score: int = 0
    max_score: int = 0
    exercises: list[ExerciseGrade] = field(default_factory=list)


def identify_lesson(notebook: nbformat.NotebookNode, path: Path) -> str:
    """The lesson id of a submission: from its metadata, else from its file name.

    Examples
    --------
    >>> identify_lesson(nbformat.v4.new_notebook(), Path("01_rescaling_ada.ipynb"))
    '01_rescaling'
    """
    lesson = notebook.get("metadata", {}).get("imgprep_course", {}).get("lesson")
    if lesson in LESSONS:
        return lesson
    matches = [name for name in LESSONS if path.name.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    raise ValueError(f"{path}: cannot tell which lesson this is: its metadata has no "
                     "imgprep_course.lesson and its file name does not start with one of "
                     + ", ".join(sorted(LESSONS)))


def grade_notebook(path, *, timeout: float = 60.0) -> SubmissionGrade:
    """Grade one submitted notebook (read only; never modified)."""
    path = Path(path)
    notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    lesson = identify_lesson(notebook, path)
    pristine = nbformat.read(course_root() / "lessons" / f"{lesson}.ipynb", as_version=4)
    setup = setup_cells(pristine)
    grade = SubmissionGrade(str(path), lesson)
    for exercise in lesson_exercises(lesson):
        result = grade_exercise(exercise, find_answer(notebook, exercise.name), setup,
                                timeout=timeout)
        grade.exercises.append(result)
        grade.score += result.score
        grade.max_score += result.max_score
    return grade


def grade_exercise(exercise: Exercise, answer: str | None, setup: list[str], *,
                   timeout: float = 60.0) -> ExerciseGrade:
    """Run one answer cell in a child process and score its outputs here."""
    def done(status: str, message: str = "") -> ExerciseGrade:
        score = exercise.points if status == "passed" else 0
        return ExerciseGrade(exercise.id, score, exercise.points, status, message)

    if answer is None:
        return done("not attempted", f"no cell defines {exercise.name}()")
    refusal = refuses_reference(answer)
    if refusal:
        return done("error", refusal)
    cases = exercise.cases()
    with tempfile.TemporaryDirectory(prefix="imgprep-grade-") as tmp:
        work = Path(tmp)
        (work / "job.json").write_text(json.dumps(
            {"setup": setup, "answer": answer, "name": exercise.name}), encoding="utf-8")
        _codec.save([[c.args, c.kwargs] for c in cases], work / "inputs.json",
                    work / "inputs.npz")
        timed_out = _run_child(work, timeout)
        results = []
        for index, case in enumerate(cases):
            try:
                report = _codec.load(work / f"case{index}.json", work / f"case{index}.npz")
                outcome, message = report["outcome"], report["message"]
                value = report["value"]
            except (OSError, ValueError, KeyError, TypeError):
                outcome, value = ("timeout" if timed_out else "raised"), None
                message = (f"ran out of time ({timeout:g} s)" if timed_out else
                           "the answer's process ended before this case finished")
            results.append(exercise.judge(index, case, outcome, value, message))
            if results[-1].status != "passed":
                break
    status = exercise.status_of(results)
    last = results[-1]
    message = ("" if status == "passed" else last.message if status == "not attempted"
               else f"case {last.index + 1}: {last.message}")
    return done(status, message)


def _run_child(work: Path, timeout: float) -> bool:
    """Run the answer's child process; return True when it ran out of time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY"))}
    env.update({GRADING_ENV: "1", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    command = [sys.executable, "-I", "-S", str(RUNNER), str(work), *site.getsitepackages()]
    try:
        subprocess.run(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout, preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired:
        return True
    return False


def _limit_memory() -> None:  # pragma: no cover - runs in the child before exec
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def format_table(grades: list[SubmissionGrade]) -> str:
    """A readable table of grades, one block per submission."""
    lines = []
    for grade in grades:
        lines.append(f"{grade.path}  ({grade.lesson})  {grade.score}/{grade.max_score}")
        for ex in grade.exercises:
            note = f"  {ex.message}" if ex.message else ""
            lines.append(f"  {ex.id:<22} {ex.score:>2}/{ex.max_score:<2} {ex.status}{note}")
    return "\n".join(lines)


def grade_cli(args: argparse.Namespace) -> int:
    """``python -m imgprep_course grade NOTEBOOK... [--json] [--timeout S]``."""
    grades = []
    for name in args.paths:
        path = Path(name)
        try:
            grades.append(grade_notebook(path, timeout=args.timeout))
        except (OSError, ValueError, nbformat.reader.NotJSONError) as error:
            print(f"grade: {path}: {error}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps({"submissions": [asdict(g) for g in grades]}, indent=1))
    else:
        print(format_table(grades))
    return 0


__all__ = ["ExerciseGrade", "SubmissionGrade", "grade_exercise", "grade_notebook",
           "identify_lesson", "format_table", "grade_cli"]
