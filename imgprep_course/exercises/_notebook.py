"""The notebook's side of the answer model: cells from the kernel, the answer the grader
will see, run here on the cases, and why the two may differ, in words.

In a Jupyter kernel, :func:`check` rebuilds the notebook's answer to an exercise the way
the grader will (:func:`~imgprep_course.exercises._answer.build_answer` on the cells the
kernel has run), executes it in a fresh namespace on top of the lesson's pristine set-up,
runs the cases on *that* callable and shows the status the grader will give. Outside a
kernel (plain Python, doctests, tests) it checks the function it is given.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Callable

from imgprep_course.exercises._answer import (Answer, Cell, build_answer, pristine_setup,
                                              python_only)
from imgprep_course.exercises._results import CaseResult

if TYPE_CHECKING:
    from imgprep_course.exercises._core import Exercise
    from imgprep_course.exercises._question import Question

#: The lesson's pristine set-up, run once per kernel (process) and lesson.
_SETUP_NAMESPACES: dict[str, dict] = {}


def shell():
    """The running IPython shell, or None (never imports IPython itself)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def remember_cell_ids(active=None) -> None:
    """Start recording the cells this kernel runs (called when the exercises are imported
    in a kernel): their sources, whether or not the frontend keeps a history (nbval does
    not), and which frontend cell each comes from, so a re-run replaces a cell's earlier
    version instead of adding a cell."""
    active = active or shell()
    if active is None or not hasattr(active, "history_manager") or hasattr(
            active, "_imgprep_cells"):
        return
    history = active.history_manager
    entries = [(source, None, f"cell [{index}]")
               for index, source in enumerate(history.input_hist_raw) if index]
    parent = getattr(getattr(active, "kernel", None), "get_parent", lambda: {})()
    running = parent.get("content", {}).get("code") if isinstance(parent, dict) else None
    if running and (not entries or entries[-1][0] != running):
        entries.append((running, None, f"cell [{len(entries) + 1}]"))
    deleted: set[str] = set()

    def record(info) -> None:
        cell_id = getattr(info, "cell_id", None)
        label = (f"cell [{len(history.input_hist_raw)}]" if info.store_history
                 else f"cell [{len(entries) + 1}]")
        entries.append((info.raw_cell, str(cell_id) if cell_id else None, label))
        meta = getattr(info, "cell_meta", None)
        if isinstance(meta, dict) and isinstance(meta.get("deletedCells"), list):
            deleted.update(str(c) for c in meta["deletedCells"])

    active.events.register("pre_run_cell", record)
    active._imgprep_cells = (entries, deleted)


def kernel_cells(active, setup: tuple[str, ...]) -> tuple[list[Cell], int]:
    """The notebook's cells as the kernel knows them, and the index of the running one.

    Each execution is a cell (labelled ``cell [n]``, its execution count), except that a
    re-run of a frontend cell replaces its earlier version in place; cells whose source
    is one of the lesson's set-up cells count as set-up cells.
    """
    entries, deleted = getattr(active, "_imgprep_cells", ([], set()))
    pristine = {s.strip() for s in setup}
    cells: list[Cell] = []
    where: dict[str, int] = {}
    current = 0
    for source, cell_id, label in entries:
        if cell_id in deleted:
            continue
        cell = Cell(source, label, python_only(source).strip() in pristine)
        if cell_id is not None and cell_id in where:
            cells[where[cell_id]] = cell
            position = where[cell_id]
        else:
            cells.append(cell)
            position = len(cells) - 1
            if cell_id is not None:
                where[cell_id] = position
        current = position
    return cells, current


def lesson_of(exercise: Exercise) -> str | None:
    """The lesson whose exercise table holds ``exercise``, if any."""
    from imgprep_course.exercises import LESSONS, lesson_exercises

    for lesson in LESSONS:
        if any(e is exercise for e in lesson_exercises(lesson)):
            return lesson
    return None


@contextlib.contextmanager
def _scratch_folder():
    """Run in an empty folder, as the grader's child does (relative paths find nothing)."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="imgprep-check-") as folder:
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(before)


def run_answer(exercise: Exercise, answer: Answer, setup: tuple[str, ...],
               lesson: str | None) -> list[CaseResult]:
    """Run ``answer`` as the grader will: its definitions alone on the pristine set-up,
    in a fresh namespace and an empty folder; then the cases on the callable it binds."""
    verdict = answer.verdict
    if verdict:
        return [CaseResult(0, *verdict)]
    namespace = dict(_setup_namespace(lesson, setup))
    with _scratch_folder():
        try:
            exec(compile(answer.source, "<answer>", "exec"), namespace)
        except Exception as error:  # the student's code: feedback, like in the grader
            return [CaseResult(0, "error", "the answer's definitions failed before any "
                                           f"case ran: {type(error).__name__}: {error}")]
        function = namespace.get(exercise.name)
        if not callable(function):
            return [CaseResult(0, "error", f"{exercise.name} is not a function in the "
                                           "answer cell")]
        return exercise.run(function)


def _setup_namespace(lesson: str | None, setup: tuple[str, ...]) -> dict:
    """The pristine set-up run once per kernel and lesson (copied for each check)."""
    key = lesson or ""
    if key not in _SETUP_NAMESPACES:
        namespace = {"__name__": "__main__"}
        for number, source in enumerate(setup):
            exec(compile(source, f"<set-up cell {number + 1}>", "exec"), namespace)
        _SETUP_NAMESPACES[key] = namespace
    return _SETUP_NAMESPACES[key]


def check(exercise: Exercise, function: Callable):
    """What ``exercise.check(function)`` shows: see the module's docstring."""
    from imgprep_course.exercises._feedback import Feedback

    direct = exercise.run(function)
    active = shell()
    if active is None or not hasattr(active, "history_manager"):
        return Feedback(exercise, direct)
    remember_cell_ids(active)
    name = exercise.name
    if active.user_ns.get(name) is not function:
        notes = () if name in active.user_ns else (
            f"the grader grades the function named `{name}`, and no cell defines it: "
            f"it will say not attempted; name your function `{name}`",)
        return Feedback(exercise, direct, notes)
    lesson = lesson_of(exercise)
    setup = pristine_setup(lesson) if lesson else ()
    cells, current = kernel_cells(active, setup)
    answer = build_answer(cells, name, setup=setup)
    graded = run_answer(exercise, answer, setup, lesson)
    here = cells[current] if cells else None
    elsewhere = here is not None and answer.cell not in (None, here.label) and build_answer(
        [here], name).found
    return Feedback(exercise, graded, explain(exercise, answer, direct, graded, elsewhere))


def check_question(question: Question, answer):
    """What ``question.check(answer)`` shows: in a kernel, when ``answer`` is the
    notebook's ``<name>``, the grader's judgement of the literal the kernel's cells
    assign to it (with a note where that differs from ``answer``); else ``answer``'s."""
    from imgprep_course.exercises._literal import judge_question
    from imgprep_course.exercises._question import QuestionFeedback

    direct = question.run(answer)
    active = shell()
    name = question.name
    if active is None or not hasattr(active, "history_manager") or \
            active.user_ns.get(name, _MISSING) is not answer:
        return QuestionFeedback(question, direct)
    remember_cell_ids(active)
    cells, _ = kernel_cells(active, ())
    graded = judge_question(question, [{"cell_type": "code", "source": c.source}
                                       for c in cells])
    notes = ()
    if graded[0].status != direct[0].status:
        notes = (f"the grader reads the value written in the cell that assigns `{name}` "
                 f"(a literal such as \"b\", {{\"a\", \"c\"}} or 0.5) and runs nothing; "
                 f"here it gives {graded[0].status}, while the value in `{name}` would be "
                 f"{direct[0].status}",)
    return QuestionFeedback(question, graded, notes)


_MISSING = object()


def explain(exercise: Exercise, answer: Answer, direct: list[CaseResult],
            graded: list[CaseResult], elsewhere: bool = False) -> tuple[str, ...]:
    """Notes on where the grader's view of the answer differs from this kernel's:
    ``elsewhere`` when this cell defines the function but the grader takes another."""
    notes = list(answer.problems)
    if elsewhere:
        notes.append(f"the grader takes `{exercise.name}` from {answer.cell} (the last cell "
                     "that calls its check), not from this cell")
    mine, theirs = exercise.status_of(direct), exercise.status_of(graded)
    if mine != theirs:
        notes.append(f"in this notebook your `{exercise.name}` is {mine.upper()}, but the "
                     "grader runs only the answer's definitions, on the lesson's set-up, and "
                     f"will give {theirs.upper()}: the status above is the grader's")
    return tuple(dict.fromkeys(notes))
