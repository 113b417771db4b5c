"""The autograder: score submitted notebooks, never trusting or changing them.

For each exercise of the lesson, the grader finds the student's answer with the one
answer model the notebook's check uses too (:mod:`imgprep_course.exercises._answer`: the
function the exercise names, from the cell that calls its check, with the top-level
definitions it uses), refuses it if it uses the reference implementation, and otherwise
runs those definitions after the *pristine* set-up cells of the lesson (the cells tagged
``setup`` in ``lessons/``, not the student's copy) in a fresh, confined child process with a time and a memory limit
(:mod:`imgprep_course.grading._child`: a warm worker per set-up forks one child per
answer; on Linux the child runs in namespaces with a read-only file system, no network
and no view of other processes, see :mod:`imgprep_course.grading._sandbox`). The child
only computes the function's outputs on the grader's inputs; the comparison with the
reference implementation and the score happen here, in a process that never runs
student code and never unpickles anything. Each submission is read once, as bytes, and
never written to; outputs go only to the folder named by ``--out``
(:mod:`imgprep_course.grading._report`).

``python -m imgprep_course grade PATH... [--jobs N] [--timeout S] [--memory MB]
[--out DIR] [--feedback md|html] [--sandbox auto|required|off] [--json] [--quiet]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from imgprep_course.exercises import (LESSONS, CaseResult, Exercise, lesson_exercises,
                                      lesson_questions, pristine_setup)
from imgprep_course.grading._answers import (NotebookError, find_answer, read_notebook,
                                             refuses_reference)
from imgprep_course.grading._child import (Limits, Workers, hidden_folders,
                                           sandbox_available)
from imgprep_course.grading._codec import CodecError
from imgprep_course.grading._questions import judge_question


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


def identify_lesson(metadata: dict, path: Path) -> str:
    """The lesson id of a submission: from its metadata, else from its file name.

    Examples
    --------
    >>> identify_lesson({}, Path("01_rescaling_ada.ipynb"))
    '01_rescaling'
    >>> identify_lesson({"imgprep_course": {"lesson": "00_start_here"}}, Path("hw.ipynb"))
    '00_start_here'
    """
    course = metadata.get("imgprep_course")
    lesson = course.get("lesson") if isinstance(course, dict) else None
    if isinstance(lesson, str) and lesson in LESSONS:
        return lesson
    matches = [name for name in LESSONS if path.name.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    raise ValueError("cannot tell which lesson this is: its metadata has no known "
                     "imgprep_course.lesson and its file name does not start with one of "
                     + ", ".join(sorted(LESSONS)))


def collect(paths, exclude: Path | None = None) -> list[Path]:
    """The notebooks named by ``paths``: files as given, folders searched recursively
    (skipping ``.ipynb_checkpoints`` and the folder ``exclude``)."""
    found = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*.ipynb") if p.is_file()
                and ".ipynb_checkpoints" not in p.parts
                and not (exclude and exclude.resolve() in p.resolve().parents))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return list(dict.fromkeys(found))


def grade_notebook(path, *, limits: Limits = Limits()) -> SubmissionGrade:
    """Grade one submitted notebook (read once, never modified).

    Examples
    --------
    >>> from imgprep_course.notebooks import course_root
    >>> grade = grade_notebook(course_root() / "solutions" / "00_start_here.ipynb")
    >>> grade.score, grade.max_score, grade.exercises[0].status   # an exercise, 3 questions
    (4, 4, 'passed')
    """
    return grade_paths([path], limits=limits)[0]


def grade_paths(paths, *, limits: Limits = Limits(), jobs: int = 1, progress: bool = False,
                exclude: Path | None = None) -> list[SubmissionGrade]:
    """Grade every notebook named by ``paths`` (files or folders), ``jobs`` answers at a time.

    In the sandbox, answers cannot see the folders that hold the submissions (nor
    ``exclude``, the output folder), so no answer can copy a classmate's. A submission whose lesson cannot be identified comes back with ``error`` set and no
    exercises; one that is not a readable notebook scores 0 with every exercise in error.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    grades, tasks = [], []
    submissions = collect(paths, exclude)
    for path in submissions:
        grade, todo = _prepare(path)
        grades.append(grade)
        tasks += [(grade, *task) for task in todo]
    sandbox = _sandbox_mode(limits) if tasks else False
    private = {p.resolve().parent for p in submissions} | ({exclude} if exclude else set())
    with Workers(sandbox=sandbox, startup=limits.startup,
                 hide=hidden_folders(private)) as workers, \
            ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(tasks), unit="answer", desc="grading",
                 disable=None if progress else True, file=sys.stderr) as bar:
        futures = [(grade, position, pool.submit(grade_exercise, exercise, answer,
                                                 list(pristine_setup(grade.lesson)),
                                                 limits=limits, workers=workers))
                   for grade, position, exercise, answer in tasks]
        for grade, position, future in futures:
            grade.exercises[position] = future.result()
            bar.update(1)
    for grade in grades:
        grade.score = sum(e.score for e in grade.exercises)
        grade.max_score = sum(e.max_score for e in grade.exercises)
    return grades


def _prepare(path: Path) -> tuple[SubmissionGrade, list]:
    """Read a submission; return its grade (exercises still to run are None) and the
    (position, exercise, answer) of each exercise to run."""
    data = path.read_bytes()
    try:
        metadata, cells = read_notebook(data)
        unreadable = None
    except NotebookError as error:
        metadata, cells, unreadable = {}, [], str(error)
    try:
        lesson = identify_lesson(metadata, path)
    except ValueError as error:
        return SubmissionGrade(str(path), None, error=str(error)), []
    grade, tasks = SubmissionGrade(str(path), lesson), []
    for position, exercise in enumerate(lesson_exercises(lesson)):
        answer = None if unreadable else find_answer(cells, exercise.name,
                                                     pristine_setup(lesson))
        verdict = (("error", unreadable) if unreadable else answer.verdict)
        if verdict:
            grade.exercises.append(_grade(exercise, [CaseResult(0, *verdict)]))
        else:
            grade.exercises.append(None)
            tasks.append((position, exercise, answer.source))
    for question in lesson_questions(lesson):  # questions: their literal is read, never run
        grade.exercises.append(_grade(question, [CaseResult(0, "error", unreadable)]
                                      if unreadable else judge_question(question, cells)))
    return grade, tasks


def _sandbox_mode(limits: Limits) -> bool:
    if limits.sandbox is False:
        return False
    available, reason = sandbox_available()
    if limits.sandbox and not available:
        raise RuntimeError(f"the sandbox is not available on this machine: {reason}")
    if not available:
        print("grade: warning: answers run without the sandbox (read-only file system, "
              f"no network, own PID namespace) because {reason}; they can still not "
              "change a score, but they can touch your files", file=sys.stderr)
    return available


def grade_exercise(exercise: Exercise, answer: str | None, setup: list[str], *,
                   limits: Limits = Limits(), workers: Workers | None = None,
                   seed: int | None = None) -> ExerciseGrade:
    """Run one answer (:attr:`Answer.source`) in a child process and score its outputs
    here, on the exercise's cases with hidden ones drawn from ``seed``.

    ``workers`` (shared by a class's grading) keeps Python warm between answers; without
    it, one is started for this answer alone.
    """
    if answer is None:
        return _grade(exercise, [CaseResult(0, "not attempted",
                                            f"no cell defines {exercise.name}()")])
    refusal = refuses_reference(answer)
    if refusal:
        return _grade(exercise, [CaseResult(0, "error", refusal)])
    cases = exercise.cases(seed)
    if workers is None:
        with Workers(sandbox=_sandbox_mode(limits), startup=limits.startup) as own:
            return grade_exercise(exercise, answer, setup, limits=limits, workers=own,
                                  seed=seed)
    try:
        run = workers.run(setup, answer, exercise.name,
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
        results.append(_judge_frame(exercise, index, case, frame, limits))
    return _grade(exercise, results)


def _judge_frame(exercise: Exercise, index: int, case, frame: dict,
                 limits: Limits) -> CaseResult:
    """Judge what the child said about one case, trusting nothing in it."""
    outcome, message = frame.get("outcome"), str(frame.get("message", ""))[:1000]
    if outcome not in ("returned", "not implemented", "raised"):
        outcome, message = "raised", "the answer's process sent an unknown outcome"
    if outcome == "raised" and message.split(":")[0].endswith("MemoryError"):
        message += f" (the memory limit is {limits.memory // 2**20} MiB per answer)"
    try:  # judge() keeps hidden cases' expected values out of its messages
        return exercise.judge(index, case, outcome, frame.get("value"), message)
    except Exception as error:  # a value compare() cannot handle: the answer's fault
        return CaseResult(index, "error", "the grader could not compare your result: "
                                          f"{type(error).__name__}: {error}"[:500])


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


def grade_cli(args: argparse.Namespace) -> int:
    """``python -m imgprep_course grade PATH...``: print grades; with ``--out``, write
    the gradebook, feedback and class summary. Exit 0 when grading worked, whatever the
    scores; 1 when a submission could not be identified; 2 for bad arguments."""
    from imgprep_course.grading._report import format_table, write_outputs

    try:
        sandbox = {"auto": None, "required": True, "off": False}[args.sandbox]
        limits = Limits(timeout=args.timeout, memory=int(args.memory * 2**20),
                        sandbox=sandbox)
        out = Path(args.out) if args.out else None
        grades = grade_paths(args.paths, limits=limits, jobs=args.jobs,
                             progress=not args.quiet, exclude=out)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    if out is not None:
        write_outputs(grades, out, feedback=args.feedback)
    if args.json:
        print(json.dumps({"submissions": [g.to_dict() for g in grades]}, indent=1))
    else:
        print(format_table(grades))
    for grade in grades:
        if grade.error:
            print(f"grade: {grade.path}: {grade.error}", file=sys.stderr)
    return 1 if any(g.error for g in grades) else 0


__all__ = ["ExerciseGrade", "Limits", "SubmissionGrade", "collect", "grade_cli",
           "grade_exercise", "grade_notebook", "grade_paths", "identify_lesson"]
