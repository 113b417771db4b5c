"""What feedback on an exercise says: pure text and HTML, for the notebook and the grader.

:func:`summarise` turns an exercise and its case results into a :class:`Summary` (the
status, a headline, the rows about the first case that did not pass, notes, hints);
:func:`as_text` and :func:`as_html` render it. The notebook's widget
(:mod:`imgprep_course.exercises._feedback`) and the grader's reports both use these, so
a student reads the same words in both places. Hidden cases show neither their input nor
any expected value.
"""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from imgprep_course.exercises._compare import describe

if TYPE_CHECKING:
    from imgprep_course.exercises._core import CaseResult, Exercise

BADGES = {"passed": "PASSED", "failed": "FAILED", "not attempted": "NOT ATTEMPTED",
          "error": "ERROR", "timeout": "TIMEOUT"}
COLOURS = {"passed": "#1b7f3b", "failed": "#b42318", "not attempted": "#6b7280",
           "error": "#b42318", "timeout": "#b54708"}


@dataclass(frozen=True)
class Summary:
    """Feedback on one exercise, before it is rendered.

    ``rows`` are (label, text) pairs about the first case that did not pass (none when
    passed); ``notes`` say where the notebook and the grader would see the answer
    differently; ``hints`` are the exercise's hints (empty when passed).
    """

    status: str
    headline: str
    rows: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


def summarise(exercise: Exercise, results: Sequence[CaseResult], *, seed: int | None = None,
              notes: Sequence[str] = ()) -> Summary:
    """The :class:`Summary` of ``results`` (judged on the cases of ``seed``).

    Examples
    --------
    >>> from imgprep_course.exercises import CaseResult
    >>> from imgprep_course.exercises.start_here import to_float
    >>> summary = summarise(to_float, [CaseResult(0, "passed"), CaseResult(1, "failed",
    ...                                "your result differs")])
    >>> summary.status, summary.headline
    ('failed', '[FAILED] Exercise 0.1 to_float: Convert a uint8 image to float32 in [0, 1] \
-- case 2 of 4 failed (0/1 point)')
    """
    cases = exercise.cases(seed)
    status = exercise.status_of(results)
    earned = exercise.points if status == "passed" else 0
    unit = "point" if exercise.points == 1 else "points"
    head = f"[{BADGES[status]}] Exercise {exercise.number} {exercise.name}: {exercise.title}"
    if status == "passed":
        headline = f"{head} -- all {len(cases)} cases passed ({earned}/{exercise.points} {unit})"
    elif status == "not attempted":
        headline = f"{head} -- not attempted yet ({exercise.points} {unit})"
    else:
        last = results[-1]
        headline = (f"{head} -- case {last.index + 1} of {len(cases)} {_verb(last.status)} "
                    f"({earned}/{exercise.points} {unit})")
    rows = []
    if status not in ("passed", "not attempted") and results:
        last = results[-1]
        case = cases[last.index] if last.index < len(cases) else None
        if last.diagnosis:
            rows.append(("mistake", last.diagnosis))
        if case is not None and case.hidden:
            rows.append(("input", "hidden (this case is graded, but not shown)"))
        elif case is not None:
            rows.append(("input", _describe_args(exercise.reference, case)))
            if last.status == "failed":
                rows.append(("expected", last.expected or describe(exercise.expected(case))))
                rows.append(("actual", last.actual))
        rows.append(("problem", last.message))
    hints = () if status == "passed" else tuple(exercise.hints)
    return Summary(status, headline, tuple(rows), tuple(notes), hints)


def as_text(summary: Summary) -> str:
    """A deterministic plain-text rendering (what nbval and a terminal show)."""
    lines = [summary.headline]
    lines += [f"  {label + ':':<9} {text}" for label, text in summary.rows]
    lines += [f"  {'note:':<9} {note}" for note in summary.notes]
    if summary.hints:
        n = len(summary.hints)
        lines.append(f"  {n} hint{'s' if n > 1 else ''} available: click Hint.")
    return "\n".join(lines)


def as_html(summary: Summary) -> str:
    """The headline, rows and notes as an HTML fragment (everything escaped)."""
    rows = "".join(
        f"<tr><td style='padding-right:8px;vertical-align:top'><b>{html.escape(k)}</b></td>"
        f"<td><code>{html.escape(v)}</code></td></tr>" for k, v in summary.rows)
    notes = "".join(f"<p style='margin:2px 0'>&#9888; {html.escape(n)}</p>"
                    for n in summary.notes)
    return (f"<div style='color:{COLOURS[summary.status]};font-weight:bold'>"
            f"{html.escape(summary.headline)}</div>"
            + (f"<table>{rows}</table>" if rows else "") + notes)


def hints_html(hints: Sequence[str], shown: int) -> str:
    """The first ``shown`` hints, numbered, as HTML."""
    return "".join(f"<p><b>Hint {i + 1}/{len(hints)}:</b> {html.escape(h)}</p>"
                   for i, h in enumerate(hints[:shown]))


def _verb(status: str) -> str:
    return {"failed": "failed", "error": "raised an error", "timeout": "timed out"}.get(
        status, status)


def _describe_args(function, case) -> str:
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = []
    parts = []
    for i, value in enumerate(case.args):
        label = names[i] if i < len(names) else f"arg{i}"
        parts.append(f"{label} = {describe(value)}")
    parts += [f"{k} = {describe(v)}" for k, v in case.kwargs.items()]
    return ", ".join(parts)
