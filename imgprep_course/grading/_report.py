"""What the grader writes: a table, a gradebook, per-student feedback, a class summary.

Folder layout written by :func:`write_outputs`::

    OUT/
      grades.json          the same document as ``grade --json`` (with the seed, and
                           whether the sandbox was on)
      gradebook.csv        one row per submission, one column of points per exercise
      summary.md           which exercises and cases the class failed most
      summary.json         the same, for scripts
      similarity.md        same answers, copies of the reference, suspicious constructs
      feedback/<name>.md   one file per submission (or .html), named after its path

Every text that came from a submission (paths, messages) is printed with its control
characters escaped, so no ANSI sequence can rewrite what a terminal shows.

Feedback shows, for each exercise, the status, the first case that did not pass (its
input, and for visible cases the expected and actual values), the problem in words and
the hints. Hidden cases never show expected values: the grader removed them from the
messages already, and :func:`~imgprep_course.exercises._render.summarise` (the notebook's
feedback text, reused here) hides the rest.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

from imgprep_course.exercises import Question, lesson_exercises, lesson_questions
from imgprep_course.exercises._question import QuestionFeedback
from imgprep_course.exercises._render import summarise
from imgprep_course.grading._similarity import similarity_markdown
from imgprep_course.grading._text import printable

NO_ISOLATION = ("WARNING: graded WITHOUT isolation (--sandbox off): answers could read "
                "and write what this user can")


def _how(graded) -> str:
    sandbox = "sandbox on" if graded.sandbox else NO_ISOLATION
    return f"hidden cases drawn with --seed {graded.seed}; {sandbox}"


def format_table(graded) -> str:
    """A readable table of a class's grades (:class:`ClassGrades`), one block per
    submission, under a line saying how it was graded."""
    lines = [_how(graded)]
    for grade in graded.submissions:
        path = printable(grade.path, 300)
        if grade.error:
            lines.append(f"{path}  (not graded: {printable(grade.error, 500)})")
            continue
        lines.append(f"{path}  ({grade.lesson})  {grade.score}/{grade.max_score}")
        for ex in grade.exercises:
            note = f"  {printable(ex.message, 800)}" if ex.message else ""
            lines.append(f"  {ex.id:<22} {ex.score:>2}/{ex.max_score:<2} {ex.status}{note}")
    return "\n".join(lines)


def write_outputs(graded, out: Path, *, feedback: str = "md") -> None:
    """Write grades.json, gradebook.csv, summary.md/.json, similarity.md and feedback/
    into ``out`` for a :class:`ClassGrades`."""
    if feedback not in ("md", "html"):
        raise ValueError(f"feedback must be 'md' or 'html', got {feedback!r}")
    out = Path(out)
    grades = graded.submissions
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    (out / "grades.json").write_text(json.dumps(graded.to_dict(), indent=1) + "\n",
                                     encoding="utf-8")
    write_gradebook(grades, out / "gradebook.csv", sandbox=graded.sandbox)
    similarity = graded.similarity or {}
    (out / "similarity.md").write_text(similarity_markdown(
        similarity.get("entries", []), similarity.get("duplicates", []),
        similarity.get("links", [])), encoding="utf-8")
    summary = class_summary(grades, seed=graded.seed)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
    names = feedback_names([g.path for g in grades])
    for grade in grades:
        if grade.error is None:
            render = feedback_html if feedback == "html" else feedback_markdown
            (out / "feedback" / f"{names[grade.path]}.{feedback}").write_text(
                render(grade), encoding="utf-8")


def feedback_names(paths: list[str]) -> dict[str, str]:
    """A distinct, file-system-safe name per submission path (its path below the
    submissions' common folder, ``/`` written as ``__``, without ``.ipynb``).

    Examples
    --------
    >>> feedback_names(["class/ada/01_rescaling.ipynb", "class/bob/01_rescaling.ipynb"])
    {'class/ada/01_rescaling.ipynb': 'ada__01_rescaling', \
'class/bob/01_rescaling.ipynb': 'bob__01_rescaling'}
    """
    resolved = {p: Path(p).resolve() for p in paths}
    common = Path(*Path(paths[0]).resolve().parts[:-1]) if paths else Path()
    for path in resolved.values():
        while common not in path.parents:
            common = common.parent
    names = {}
    for path, full in resolved.items():
        relative = full.relative_to(common).with_suffix("")
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "__".join(relative.parts)) or "submission"
        while name in names.values():
            name += "_"
        names[path] = name
    return names


def write_gradebook(grades, path: Path, *, sandbox: bool = True) -> None:
    """One row per submission: path, lesson, score, max score, whether the sandbox was
    on, points per exercise."""
    columns = []
    for lesson in dict.fromkeys(g.lesson for g in grades if g.lesson):
        columns += [(lesson, ex.id) for ex in (*lesson_exercises(lesson),
                                                 *lesson_questions(lesson))]
    ids = Counter(exercise for _, exercise in columns)
    header = ["submission", "lesson", "score", "max_score", "sandbox"] + [
        exercise if ids[exercise] == 1 else f"{lesson}:{exercise}"
        for lesson, exercise in columns]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for grade in grades:
            points = {(grade.lesson, e.id): e.score for e in grade.exercises}
            writer.writerow([_cell(printable(grade.path)), grade.lesson or "", grade.score,
                             grade.max_score, "on" if sandbox else "off"]
                            + [points.get(c, "") for c in columns])


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a file name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def class_summary(grades, seed: int | None = None) -> dict:
    """Per exercise: how many submissions got each status; per case: how many failed it
    (cases made once per exercise, hidden ones from ``seed``)."""
    exercises, cases, hidden_of = {}, {}, {}
    for grade in grades:
        if grade.error:
            continue
        for exercise, result in zip(lesson_exercises(grade.lesson), grade.exercises):
            key = f"{grade.lesson}:{exercise.id}"
            entry = exercises.setdefault(key, {"lesson": grade.lesson, "id": exercise.id,
                                               "submissions": 0, "passed": 0,
                                               "failed": 0, "not attempted": 0,
                                               "error": 0, "timeout": 0})
            entry["submissions"] += 1
            entry[result.status] += 1
            if key not in hidden_of:
                hidden_of[key] = [c.hidden for c in exercise.cases(seed)]
            hidden = hidden_of[key]
            for case in result.results:
                if case.index >= len(hidden) or case.status == "not attempted":
                    continue
                row = cases.setdefault((key, case.index), {
                    "lesson": grade.lesson, "exercise": exercise.id, "case": case.index + 1,
                    "hidden": hidden[case.index], "ran": 0, "not passed": 0})
                row["ran"] += 1
                row["not passed"] += case.status != "passed"
    ranked = sorted(exercises.values(),
                    key=lambda e: (-(e["submissions"] - e["passed"]), e["lesson"], e["id"]))
    failing = sorted((c for c in cases.values() if c["not passed"]),
                     key=lambda c: (-c["not passed"], c["lesson"], c["exercise"], c["case"]))
    return {"submissions": sum(1 for g in grades if not g.error),
            "exercises": ranked, "cases": failing}


def summary_markdown(summary: dict) -> str:
    """The class summary as Markdown tables, most failed first."""
    lines = [f"# Class summary ({summary['submissions']} submissions)", "",
             "## Exercises, most often not passed first", "",
             "| lesson | exercise | passed | failed | error | timeout | not attempted |",
             "|---|---|---|---|---|---|---|"]
    for e in summary["exercises"]:
        lines.append(f"| {e['lesson']} | {e['id']} | {e['passed']}/{e['submissions']} | "
                     f"{e['failed']} | {e['error']} | {e['timeout']} | {e['not attempted']} |")
    lines += ["", "## Cases, most often not passed first", "",
              "| lesson | exercise | case | not passed | of (ran) |", "|---|---|---|---|---|"]
    for c in summary["cases"]:
        label = f"{c['case']}{' (hidden)' if c['hidden'] else ''}"
        lines.append(f"| {c['lesson']} | {c['exercise']} | {label} | {c['not passed']} | "
                     f"{c['ran']} |")
    if not summary["cases"]:
        lines.append("| | every case that ran passed | | | |")
    return "\n".join(lines) + "\n"


def _sections(grade):
    """(heading, detail lines, hints) per exercise and question, in the notebook's
    feedback words."""
    items = (*lesson_exercises(grade.lesson), *lesson_questions(grade.lesson))
    for exercise, result in zip(items, grade.exercises):
        rows = (QuestionFeedback(exercise, result.decisive).details()
                if isinstance(exercise, Question) else summarise(exercise, result.decisive).rows)
        details = [f"{k + ':':<9} {printable(v, 2000)}" for k, v in rows]
        if result.status == "not attempted" and result.message != "not attempted yet":
            details.append(f"problem:  {printable(result.message, 800)}")
        hints = list(exercise.hints) if result.status != "passed" else []
        kind = "Question" if isinstance(exercise, Question) else "Exercise"
        heading = (f"{kind} {exercise.number} {exercise.id}: {exercise.title} -- "
                   f"{result.status} ({result.score}/{result.max_score})")
        yield heading, details, hints


def feedback_markdown(grade) -> str:
    """Feedback for one submission, as Markdown (student text stays in code blocks)."""
    lines = [f"# Feedback: {_md(printable(Path(grade.path).name))}", "",
             f"Lesson {grade.lesson}. Score: **{grade.score}/{grade.max_score}**.", ""]
    for heading, details, hints in _sections(grade):
        lines += [f"## {_md(heading)}", ""]
        if details:
            body = "\n".join(details)
            fence = "`" * max(3, 1 + max((len(r) for r in re.findall("`+", body)), default=0))
            lines += [fence + "text", body, fence, ""]
        if hints:
            lines += ["Hints:", ""] + [f"{i}. {_md(h)}" for i, h in enumerate(hints, 1)] + [""]
    return "\n".join(lines)


def _md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


def feedback_html(grade) -> str:
    """Feedback for one submission, as a self-contained HTML page (everything escaped)."""
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>",
             f"<title>Feedback: {e(printable(Path(grade.path).name))}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "pre{background:#f5f5f5;padding:.5em;white-space:pre-wrap}</style>",
             "</head><body>", f"<h1>Feedback: {e(printable(Path(grade.path).name))}</h1>",
             f"<p>Lesson {e(grade.lesson)}. Score: <b>{grade.score}/{grade.max_score}</b>.</p>"]
    for heading, details, hints in _sections(grade):
        parts.append(f"<h2>{e(heading)}</h2>")
        if details:
            parts.append(f"<pre>{e(chr(10).join(details))}</pre>")
        if hints:
            parts.append("<p>Hints:</p><ol>" + "".join(f"<li>{e(h)}</li>" for h in hints)
                         + "</ol>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
