"""The autograder: score submitted notebooks, trusting nothing an answer can touch.

Grading a class (:func:`grade_class`) goes in this order:

1. **Files** (:mod:`._files`): each submission is found without following links and
   read once, size-capped; links, FIFOs, devices and ``/proc`` files are refused.
2. **Intake** (:mod:`._intake`): its bytes are parsed in a separate, limited process,
   which finds its lesson (metadata or file name, checked against its cells) and each
   exercise's answer; a pathological file costs only itself.
3. **Trusted preparation**, before any answer runs: the lessons' pristine set-up cells,
   every case (hidden ones drawn from ``seed``) and its expected value, the report code,
   numba's cache moved where no answer can write (:mod:`._trust`), and a fingerprint of
   the course's files.
4. **Answers** run in child processes (:mod:`._child`): in the sandbox
   (:mod:`._sandbox`: a new root holding only the standard library, the allowed
   packages and a private scratch space; no network, no other process), or, with
   ``sandbox=False``, under a uid of their own (as root), Landlock and seccomp. They
   only compute outputs; the comparison and the score happen here.
5. The fingerprint is checked again: a course file that changed stops the run.

Nothing of a hidden case's error message reaches a report: only the error's type and
the line of the student's code (see :func:`describe_error`).

``python -m imgprep_course grade PATH... [--jobs N] [--timeout S] [--memory MB]
[--out DIR] [--feedback md|html] [--sandbox on|off] [--seed N] [--json] [--quiet]``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from imgprep_course.exercises import (LESSONS, CaseResult, Exercise, lesson_exercises,
                                      lesson_questions, pristine_setup)
from imgprep_course.grading import _trust
from imgprep_course.grading._answers import read_notebook, refuses_reference
from imgprep_course.grading._child import Limits, Workers, sandbox_available
from imgprep_course.grading._codec import CodecError
from imgprep_course.grading._files import Found, Refused, collect, read_submission
from imgprep_course.grading._intake import Intake, fingerprint, identify_lesson
from imgprep_course.grading._judging import MESSAGE_CHARS, describe_error, judge_frame  # noqa: F401
from imgprep_course.exercises._literal import judge_literal
from imgprep_course.grading._sandbox import landlock_abi
from imgprep_course.grading._text import printable as _printable
from imgprep_course.course import lesson_file
from imgprep_course.notebooks import course_root

#: Exit statuses of ``grade``.
EXIT_OK, EXIT_NOT_GRADED, EXIT_USAGE, EXIT_NO_SANDBOX, EXIT_COURSE_CHANGED = 0, 1, 2, 3, 4


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start here, and grading without it was not asked for."""


class CourseChanged(RuntimeError):
    """A file of the course changed while answers ran: the grades cannot be trusted."""


@dataclass
class ExerciseGrade:
    """The grade of one exercise of one submission.

    ``results`` holds the judged cases, up to the first one that did not pass (more when
    the answer ran every case): the feedback and the class summary read them.
    """

    id: str
    score: int
    max_score: int
    status: str
    message: str = ""
    results: list[CaseResult] = field(default_factory=list, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"id": self.id, "score": self.score, "max_score": self.max_score,
                "status": self.status, "message": self.message}

    @property
    def decisive(self) -> list[CaseResult]:
        """The results up to and including the first case that did not pass."""
        return _until_failure(self.results)


def _until_failure(results: list[CaseResult]) -> list[CaseResult]:
    failing = next((i for i, r in enumerate(results) if r.status != "passed"), None)
    return results if failing is None else results[:failing + 1]


@dataclass
class SubmissionGrade:
    """The grade of one submitted notebook; ``error`` says why it could not be graded."""

    path: str
    lesson: str | None
    score: int = 0
    max_score: int = 0
    exercises: list[ExerciseGrade] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        data = {"path": self.path, "lesson": self.lesson, "score": self.score,
                "max_score": self.max_score,
                "exercises": [e.to_dict() for e in self.exercises]}
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class ClassGrades:
    """A class's grades, with how they were made: the ``seed`` the hidden cases were
    drawn from and whether answers ran in the ``sandbox``; ``similarity`` holds what
    ``similarity.md`` lists."""

    submissions: list[SubmissionGrade]
    seed: int
    sandbox: bool
    similarity: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {"seed": self.seed, "sandbox": "on" if self.sandbox else "off",
                "submissions": [g.to_dict() for g in self.submissions]}


@dataclass
class _Lesson:
    """What the grader needs of one lesson, prepared before any answer runs."""

    setup: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    cases: dict[str, list]


def _pristine_cells(lesson: str) -> list[dict]:
    return read_notebook(lesson_file(lesson).read_bytes())[1]


def _prepare_lesson(lesson: str, seed: int | None) -> _Lesson:
    """The pristine set-up, the cases and their expected values (computed once now, so
    every reference's code is loaded before any answer runs)."""
    exercises = lesson_exercises(lesson)
    cases = {}
    for exercise in exercises:
        cases[exercise.id] = list(exercise.cases(seed))
        for case in cases[exercise.id]:
            exercise.expected(case)
    return _Lesson(pristine_setup(lesson), exercises, cases)


def _intake_header() -> dict:
    lessons = {}
    for lesson in LESSONS:
        cells = _pristine_cells(lesson)
        lessons[lesson] = {"exercises": [e.name for e in lesson_exercises(lesson)],
                           "questions": [q.name for q in lesson_questions(lesson)],
                           "setup": list(pristine_setup(lesson)),
                           "cells": sorted({fingerprint(c["source"]) for c in cells} - {None})}
    return {"lessons": lessons}


def grade_notebook(path, *, limits: Limits = Limits(), seed: int | None = None
                   ) -> SubmissionGrade:
    """Grade one submitted notebook (read once, never modified).

    Examples
    --------
    >>> grade = grade_notebook(course_root() / "solutions" / "00_start_here.ipynb")
    >>> grade.score, grade.max_score, grade.exercises[0].status   # an exercise, 3 questions
    (4, 4, 'passed')
    """
    return grade_class([path], limits=limits, seed=seed).submissions[0]


def grade_paths(paths, **options) -> list[SubmissionGrade]:
    """The submissions' grades of :func:`grade_class` (same options)."""
    return grade_class(paths, **options).submissions


def _sandbox_mode(limits: Limits) -> bool:
    """Whether answers run in the sandbox; :class:`SandboxUnavailable` if they should
    and cannot."""
    if limits.sandbox is False:
        return False
    available, reason = sandbox_available()
    if not available:
        raise SandboxUnavailable(
            f"the sandbox cannot start on this machine ({reason}), so nothing was graded. "
            "Fix: allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone"
            "=1, or user.max_user_namespaces > 0; in a container, run it with "
            "--security-opt seccomp=unconfined or as a privileged one), or grade without "
            "isolation with --sandbox off, which the reports then say")
    return True


def grade_class(paths, *, limits: Limits = Limits(), jobs: int = 1, progress: bool = False,
                exclude: Path | None = None, seed: int | None = None) -> ClassGrades:
    """Grade every notebook named by ``paths`` (files or folders), ``jobs`` answers at a
    time, hidden cases drawn from ``seed`` (a fresh random one if None, recorded).

    A submission refused (a link, a FIFO...), unreadable as a notebook whose lesson is
    unknown, or claiming a lesson its cells contradict comes back with ``error`` set and
    no exercises; a readable one with an unreadable body scores 0, every exercise in
    error. Raises :class:`SandboxUnavailable` (nothing graded) where the sandbox cannot
    start and ``limits.sandbox`` is not False, :class:`CourseChanged` if a course file
    changed while answers ran.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    seed = secrets.randbits(48) if seed is None else int(seed)
    sandbox = _sandbox_mode(limits)
    shared = sandbox or os.geteuid() == 0 or landlock_abi() > 0  # answers cannot write it
    cache = _trust.numba_cache_folder(shared=shared)
    _trust.seal_numba(cache)
    before = _trust.course_files()
    found = collect(paths, exclude)
    grades, answers, similarity = _read_class(found)
    lessons = {g.lesson: _prepare_lesson(g.lesson, seed)
               for g in grades if g.lesson and not g.error}
    _trust.seal_numba(cache)
    from imgprep_course.grading import _report  # noqa: F401  (loaded before answers run)

    tasks = []
    for grade, found_answers in zip(grades, answers):
        if grade.error or found_answers is None:
            continue
        lesson = lessons[grade.lesson]
        for position, exercise in enumerate(lesson.exercises):
            answer = found_answers.get(exercise.name) or {}
            if answer.get("verdict"):  # decided without running it
                grade.exercises.append(_grade(exercise, [CaseResult(0, *answer["verdict"])]))
                continue
            grade.exercises.append(None)
            tasks.append((grade, position, exercise, answer, lesson))
        for question in lesson_questions(grade.lesson):  # their literal is read, never run
            read = found_answers.get(question.name) or {}
            grade.exercises.append(_grade(question, judge_literal(
                question, read.get("text"), read.get("error"))))
    with Workers(sandbox=sandbox, startup=limits.startup) as workers, \
            ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(tasks), unit="answer", desc="grading",
                 disable=None if progress else True, file=sys.stderr) as bar:
        futures = [(grade, position, pool.submit(
            _grade_answer, exercise, answer.get("source"), answer.get("refusal"),
            lesson, limits=limits, workers=workers, sandbox=sandbox,
            origins=answer.get("lines", ())))
            for grade, position, exercise, answer, lesson in tasks]
        for grade, position, future in futures:
            grade.exercises[position] = future.result()
            bar.update(1)
    if not shared:
        shutil.rmtree(cache, ignore_errors=True)
    changed = _trust.changed_files(before)
    if changed:
        raise CourseChanged("these files of the course changed while answers ran, so no "
                            "grade can be trusted: " + ", ".join(changed[:10]))
    for grade in grades:
        grade.score = sum(e.score for e in grade.exercises)
        grade.max_score = sum(e.max_score for e in grade.exercises)
    similarity["entries"] = _reference_copies(similarity["entries"], lessons)
    return ClassGrades(grades, seed, sandbox, similarity)


def _read_class(found: list[Found]):
    """Read and examine each submission: (grades, answers per submission, similarity)."""
    grades, answers = [], []
    similarity = {"entries": [], "duplicates": [], "links": []}
    by_bytes: dict[str, list[str]] = {}
    with Intake(_intake_header()) as intake:
        for item in found:
            path = str(item.path)
            try:
                if item.refusal:
                    raise Refused(item.refusal)
                submission = read_submission(item.path)
            except Refused as refusal:
                grades.append(SubmissionGrade(path, None, error=str(refusal)))
                answers.append(None)
                continue
            by_bytes.setdefault(hashlib.sha256(submission.data).hexdigest(), []).append(path)
            if submission.links > 1:
                similarity["links"].append(path)
            result = intake.examine(item.path.name, submission.data)
            grade, found_answers = _from_intake(path, result)
            grades.append(grade)
            answers.append(found_answers)
            for name, answer in (found_answers or {}).items():
                if answer.get("source") is not None:
                    similarity["entries"].append({
                        "path": path, "lesson": grade.lesson, "exercise": name,
                        "canonical": answer.get("canonical"),
                        "function": answer.get("function"),
                        "findings": [str(f) for f in answer.get("findings") or []][:20]})
    similarity["duplicates"] = [paths for paths in by_bytes.values() if len(paths) > 1]
    return grades, answers, similarity


def _text(value, limit: int = 100_000) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _from_intake(path: str, result) -> tuple[SubmissionGrade, dict | None]:
    """A grade (exercises still to run) and the answers, from the intake's reply, whose
    every field is checked (it was computed from hostile bytes)."""
    if not isinstance(result, dict):
        return SubmissionGrade(path, None, error="the intake sent a malformed reply"), None
    if _text(result.get("error")):
        return SubmissionGrade(path, None, error=_text(result["error"], 500)), None
    lesson = result.get("lesson")
    if lesson not in LESSONS:
        return SubmissionGrade(path, None, error="cannot tell which lesson this is"), None
    grade = SubmissionGrade(path, lesson)
    unreadable = _text(result.get("unreadable"), 500)
    if unreadable:
        for exercise in (*lesson_exercises(lesson), *lesson_questions(lesson)):
            grade.exercises.append(_grade(exercise, [CaseResult(0, "error", unreadable)]))
        return grade, None
    raw = result.get("answers") if isinstance(result.get("answers"), dict) else {}
    answers = {}
    for exercise in lesson_exercises(lesson):
        entry = raw.get(exercise.name) if isinstance(raw.get(exercise.name), dict) else {}
        verdict = entry.get("verdict")
        verdict = ((verdict[0], _text(verdict[1], 2000) or "") if isinstance(verdict, list)
                   and len(verdict) == 2 and verdict[0] in ("error", "not attempted")
                   else None)
        answers[exercise.name] = {
            "verdict": verdict, "source": _text(entry.get("source"), 10**7),
            "refusal": _text(entry.get("refusal"), 500),
            "canonical": _text(entry.get("canonical"), 10**7),
            "function": _text(entry.get("function"), 10**7),
            "findings": [f for f in entry.get("findings") or [] if isinstance(f, str)]
            if isinstance(entry.get("findings"), list) else [],
            "lines": _origins(entry.get("lines"))}
    raw = result.get("questions") if isinstance(result.get("questions"), dict) else {}
    for question in lesson_questions(lesson):
        entry = raw.get(question.name) if isinstance(raw.get(question.name), dict) else {}
        answers[question.name] = {"text": _text(entry.get("text"), 2000),
                                  "error": _text(entry.get("error"), 500)}
    return grade, answers


def _origins(lines) -> tuple[tuple[str, int], ...]:
    """The (cell label, line) of each line of an answer, as the intake sent them; empty
    unless every entry is a short label and a positive line number."""
    if not isinstance(lines, list) or len(lines) > 100_000:
        return ()
    good = tuple((label, line) for label, line in (
        entry for entry in lines if isinstance(entry, list) and len(entry) == 2)
        if isinstance(label, str) and re.fullmatch(r"cell \d{1,7}", label)
        and isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**7)
    return good if len(good) == len(lines) else ()


def _reference_copies(entries: list[dict], lessons: dict) -> list[dict]:
    """Mark the entries whose function is one of the reference's canonical forms."""
    from imgprep_course.grading._similarity import reference_forms

    forms = {}
    for lesson in lessons.values():
        for exercise in lesson.exercises:
            forms[exercise.name] = reference_forms(exercise.reference)
    return [dict(e, reference=bool(e["function"]) and e["function"] in
                 forms.get(e["exercise"], set())) for e in entries]


def grade_exercise(exercise: Exercise, answer: str | None, setup: list[str], *,
                   limits: Limits = Limits(), workers: Workers | None = None,
                   seed: int | None = None) -> ExerciseGrade:
    """Run one answer (trusted to parse: the caller's own string) after ``setup`` in a
    child process and score its outputs here.

    ``workers`` (shared by a class's grading) keeps Python warm between answers; without
    it, one is started for this answer alone.
    """
    refusal = refuses_reference(answer) if answer is not None else None
    lesson = _Lesson(tuple(setup), (exercise,), {exercise.id: list(exercise.cases(seed))})
    sandbox = _sandbox_mode(limits)
    if workers is None and answer is not None and not refusal:
        with Workers(sandbox=sandbox, startup=limits.startup) as own:
            return _grade_answer(exercise, answer, refusal, lesson, limits=limits,
                                 workers=own, sandbox=sandbox)
    return _grade_answer(exercise, answer, refusal, lesson, limits=limits, workers=workers,
                         sandbox=sandbox)


def _grade_answer(exercise: Exercise, answer: str | None, refusal: str | None,
                  lesson: _Lesson, *, limits: Limits, workers: Workers | None,
                  sandbox: bool, origins: tuple[tuple[str, int], ...] = ()
                  ) -> ExerciseGrade:
    if answer is None:
        return _grade(exercise, [CaseResult(0, "not attempted",
                                            f"no cell defines {exercise.name}()")])
    if refusal:
        return _grade(exercise, [CaseResult(0, "error", refusal)])
    cases = lesson.cases[exercise.id]
    try:
        run = workers.run(list(lesson.setup), answer, exercise.name,
                          [[c.args, c.kwargs] for c in cases], limits)
    except CodecError as error:  # the exercise's own inputs: a fault of the course
        raise TypeError(f"exercise {exercise.id}: its cases cannot be sent to the "
                        f"grader's child process: {error}") from None
    frames = {}
    for frame in run.frames:
        if isinstance(frame, dict) and isinstance(frame.get("index"), int):
            frames.setdefault(frame["index"], frame)
    results = []
    for index, case in enumerate(cases):
        frame = frames.get(index)
        if frame is None:
            if not results or results[-1].status == "passed":
                outcome, message = run.ending(limits)
                results.append(exercise.judge(index, case, outcome, message=message))
            break
        results.append(judge_frame(exercise, index, case, frame, answer, limits, sandbox,
                                   origins))
        if frame.get("outcome") in ("cell failed", "not a function"):
            break
    return _grade(exercise, results)


def _grade(exercise: Exercise, results: list[CaseResult]) -> ExerciseGrade:
    judged = _until_failure(results)
    status = exercise.status_of(judged)
    score = exercise.points if status == "passed" else 0
    last = judged[-1] if judged else None
    if last is None or last.status == "passed":
        message = ""
    elif status == "not attempted":
        message = last.message
    else:
        message = f"case {last.index + 1}: {last.message}"
    return ExerciseGrade(exercise.id, score, exercise.points, status, message, results)


def grade_cli(paths: list[str], *, jobs: int = 1, timeout: float = 60.0,
              memory_mb: float = 2048, out: str | None = None, feedback: str = "md",
              sandbox: bool = True, seed: int | None = None, as_json: bool = False,
              progress: bool = True) -> int:
    """``python -m imgprep_course grade PATH...``: print grades; with ``out``, write the
    gradebook, feedback, class summary and similarity list. Returns the exit status:
    :data:`EXIT_OK` (0) when every submission was graded, whatever the scores;
    :data:`EXIT_NOT_GRADED` (1) when some could not be (refused, lesson unknown);
    :data:`EXIT_USAGE` (2) for bad arguments or missing paths; :data:`EXIT_NO_SANDBOX`
    (3) when the sandbox cannot start and ``sandbox`` is True (nothing graded);
    :data:`EXIT_COURSE_CHANGED` (4) when a course file changed while answers ran."""
    from imgprep_course.grading._report import format_table, write_outputs

    try:
        limits = Limits(timeout=timeout, memory=int(memory_mb * 2**20), sandbox=sandbox)
        folder = Path(out) if out else None
        graded = grade_class(paths, limits=limits, jobs=jobs, progress=progress,
                             exclude=folder, seed=seed)
    except SandboxUnavailable as error:
        print(f"grade: {error}", file=sys.stderr)
        return EXIT_NO_SANDBOX
    except CourseChanged as error:
        print(f"grade: {error}", file=sys.stderr)
        return EXIT_COURSE_CHANGED
    except (OSError, ValueError, RuntimeError) as error:
        print(f"grade: {_printable(str(error), 1000)}", file=sys.stderr)
        return EXIT_USAGE
    if folder is not None:
        write_outputs(graded, folder, feedback=feedback)
    if as_json:
        print(json.dumps(graded.to_dict(), indent=1))
    else:
        print(format_table(graded))
    for grade in graded.submissions:
        if grade.error:
            print(f"grade: {_printable(grade.path, 300)}: {_printable(grade.error, 500)}",
                  file=sys.stderr)
    return EXIT_NOT_GRADED if any(g.error for g in graded.submissions) else EXIT_OK


__all__ = ["ClassGrades", "CourseChanged", "EXIT_COURSE_CHANGED", "EXIT_NOT_GRADED",
           "EXIT_NO_SANDBOX", "EXIT_OK", "EXIT_USAGE", "ExerciseGrade", "Limits",
           "SandboxUnavailable", "SubmissionGrade", "collect", "describe_error",
           "grade_class", "grade_cli", "grade_exercise", "grade_notebook", "grade_paths",
           "identify_lesson"]
