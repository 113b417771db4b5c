"""Exercises: pose, check and explain, in the notebook and in the grader alike.

In a lesson::

    from imgprep_course.exercises import rescaling as ex

    def subtract_mean(images):
        ...                       # the student's code
    ex.subtract_mean.check(subtract_mean)

``check`` runs the exercise's cases against the reference implementation and shows
passed / failed / not attempted / error, the first failing case (input, expected,
actual, what differs, in words) and a Hint button. An untouched stub (``raise
NotImplementedError``) shows "not attempted yet" and raises nothing.

Each lesson's exercises live in a module of this package, listed in :data:`LESSONS`.
"""

from __future__ import annotations

import importlib

from imgprep_course.exercises._compare import compare, describe
from imgprep_course.exercises._answer import Answer, build_answer, pristine_setup
from imgprep_course.exercises._core import Exercise, Misconception
from imgprep_course.exercises._progress import progress
from imgprep_course.exercises._question import Choice, Question
from imgprep_course.exercises._results import DEFAULT_SEED, STATUSES, Case, CaseResult

#: Lesson id (the notebook's file name without ``.ipynb``) -> module with its exercises.
LESSONS = {
    "00_start_here": "imgprep_course.exercises.start_here",
    "01_rescaling": "imgprep_course.exercises.rescaling",
    "02_generator": "imgprep_course.exercises.augmentation",
    "03_datasets": "imgprep_course.exercises.datasets",
    "04_map": "imgprep_course.exercises.detection",
}


def lesson_questions(lesson: str) -> tuple[Question, ...]:
    """The questions of ``lesson``, in the lesson's order.

    Examples
    --------
    >>> [q.number for q in lesson_questions("00_start_here")]
    ['0.2', '0.3', '0.4']
    """
    lesson_exercises(lesson)   # the same check of the lesson's name
    return importlib.import_module(LESSONS[lesson]).QUESTIONS


def _remember_cells_in_a_kernel() -> None:
    """In a Jupyter kernel, start noting which frontend cell each execution comes from."""
    from imgprep_course.exercises._notebook import remember_cell_ids, shell

    if shell() is not None:
        remember_cell_ids()


_remember_cells_in_a_kernel()


def lesson_exercises(lesson: str) -> tuple[Exercise, ...]:
    """The exercises of ``lesson`` (e.g. ``"01_rescaling"``), in the lesson's order.

    Examples
    --------
    >>> [ex.name for ex in lesson_exercises("00_start_here")]
    ['to_float']
    """
    if lesson not in LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; the lessons are {sorted(LESSONS)}")
    return importlib.import_module(LESSONS[lesson]).EXERCISES


__all__ = ["Answer", "Case", "CaseResult", "Choice", "DEFAULT_SEED", "Exercise", "LESSONS",
           "Misconception", "Question", "STATUSES", "build_answer", "compare", "describe",
           "lesson_exercises", "lesson_questions", "pristine_setup", "progress"]
