"""Questions: the second kind of exercise, answered by assigning a literal value.

A question asks the student to predict, choose or read something: one choice, several
choices, or a number with a tolerance. The student assigns the answer to a variable::

    shift_answer = "b"
    ex.shift_question.check(shift_answer)

In the lesson the value starts as ``...`` (not attempted yet). The grader reads the
assignment from the submitted notebook with :func:`ast.literal_eval` (nothing runs), and
:meth:`Question.run` judges it the same way in the notebook and in the grader. Every wrong
option carries its own explanation, shown when it is chosen.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Sequence

from imgprep_course.exercises._results import CaseResult
from imgprep_course.exercises._render import BADGES, COLOURS

#: What the lesson's stub assigns before the student answers.
UNANSWERED = (Ellipsis, None)


@dataclass(frozen=True)
class Choice:
    """One option of a question: its text, whether it is right, and why."""

    key: str
    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Question:
    """A question the student answers with a value: a choice key, keys, or a number.

    Parameters
    ----------
    name : str
        The variable the student assigns (also the question's id in grades).
    number, title : str
        "0.2", and a short title.
    prompt : str
        The question itself, shown in the feedback box with the options.
    choices : sequence of Choice
        For choice questions. With ``several=True`` the answer is a set (or list or
        tuple) of keys and every correct key must be in it, no wrong one.
    value, tolerance : float
        For number questions: the answer is right within ``tolerance`` of ``value``.
    wrong_values : sequence of (float, str)
        Numbers a common mistake gives, each with its explanation.
    explanation : str
        Why the right answer is right, shown once it is given.
    points : int
        Points for the right answer.

    Examples
    --------
    >>> q = Question("wrap_answer", "0.9", "uint8 wraps", "What is uint8(250) + 10?",
    ...              value=4, tolerance=0, wrong_values=((260, "uint8 has no 260"),),
    ...              explanation="260 - 256 = 4.")
    >>> q.run(4)[0].status, q.run(...)[0].status
    ('passed', 'not attempted')
    >>> q.run(260)[0].message
    'your answer 260 looks like a common mistake: uint8 has no 260'
    """

    name: str
    number: str
    title: str
    prompt: str
    choices: Sequence[Choice] = ()
    several: bool = False
    value: float | None = None
    tolerance: float = 0.0
    wrong_values: Sequence[tuple[float, str]] = ()
    explanation: str = ""
    points: int = 1
    hints: Sequence[str] = ()

    def __post_init__(self):
        if bool(self.choices) == (self.value is not None):
            raise ValueError(f"question {self.name}: give either choices or a value")
        if self.choices and not any(c.correct for c in self.choices):
            raise ValueError(f"question {self.name}: no choice is correct")
        if self.choices and not self.several and sum(c.correct for c in self.choices) != 1:
            raise ValueError(f"question {self.name}: one correct choice, or several=True")

    @property
    def id(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        if self.value is not None:
            return "number"
        return "several choices" if self.several else "one choice"

    def run(self, answer: Any) -> list[CaseResult]:
        """Judge ``answer``: one :class:`CaseResult` (index 0), as for a coding exercise."""
        if any(answer is u for u in UNANSWERED):
            return [CaseResult(0, "not attempted", "not attempted yet")]
        problem = self._number(answer) if self.value is not None else self._choice(answer)
        return [CaseResult(0, "failed" if problem else "passed", problem or "",
                           actual=_shown(answer))]

    def status_of(self, results: Sequence[CaseResult], n_cases: int | None = None) -> str:
        return results[0].status if results else "error"

    def check(self, answer: Any) -> "QuestionFeedback":
        """Judge ``answer`` and return the feedback box (text for terminals, HTML).

        In a Jupyter kernel, when ``answer`` is the notebook's ``<name>``, the status
        shown is the grader's: the literal assigned to ``<name>`` in the cells the
        kernel ran (:mod:`imgprep_course.exercises._literal`); a note says why where it
        differs from ``answer`` itself (a computed value, say).
        """
        from imgprep_course.exercises._notebook import check_question
        from imgprep_course.exercises._progress import record
        feedback = check_question(self, answer)
        record(self.id, feedback.status)
        return feedback

    def _number(self, answer) -> str | None:
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            return (f"your answer is a {type(answer).__name__}; this question wants a "
                    "number")
        if not math.isfinite(answer):
            return f"your answer {answer!r} is not a finite number"
        if abs(answer - self.value) <= self.tolerance:
            return None
        for wrong, why in self.wrong_values:
            if abs(answer - wrong) <= max(self.tolerance, 1e-9 * abs(wrong)):
                return f"your answer {_shown(answer)} looks like a common mistake: {why}"
        return f"your answer {_shown(answer)} is not right"

    def _choice(self, answer) -> str | None:
        keys = {c.key: c for c in self.choices}
        picked = _keys(answer, self.several)
        if picked is None:
            wanted = ("a set of option letters, e.g. {\"a\", \"c\"}" if self.several
                      else "one option letter as a string, e.g. \"b\"")
            return f"your answer {_shown(answer)} is not {wanted}"
        unknown = sorted(k for k in picked if k not in keys)
        if unknown:
            return (f"there is no option {', '.join(map(repr, unknown))}; the options are "
                    + ", ".join(map(repr, keys)))
        wrong = [keys[k] for k in sorted(picked) if not keys[k].correct]
        missing = [c for c in self.choices if c.correct and c.key not in picked]
        if not wrong and not missing:
            return None
        reasons = [f"({c.key}) is not right: {c.why}" for c in wrong]
        if missing:
            count = len(missing)
            reasons.append(f"{count} right option{'s are' if count > 1 else ' is'} missing")
        return "; ".join(reasons)


def _keys(answer, several: bool) -> set[str] | None:
    if isinstance(answer, str):
        return {answer.strip().lower()}
    if several and isinstance(answer, (set, frozenset, list, tuple)) \
            and all(isinstance(k, str) for k in answer):
        return {k.strip().lower() for k in answer}
    return None


def _shown(answer) -> str:
    if isinstance(answer, (set, frozenset)):
        return "{" + ", ".join(repr(k) for k in sorted(answer, key=repr)) + "}"
    text = repr(answer)
    return text if len(text) <= 80 else text[:77] + "..."


class QuestionFeedback:
    """The outcome of :meth:`Question.check`: plain text and a static HTML box.

    The box needs no kernel and no widget: a saved notebook shows it as it was.
    """

    def __init__(self, question: Question, results: Sequence[CaseResult],
                 notes: Sequence[str] = ()):
        self.exercise = question
        self.results = list(results)
        self.notes = tuple(notes)
        self.status = question.status_of(self.results)
        self.text = "\n".join([self._headline()] + [f"  {k + ':':<9} {v}"
                                                    for k, v in self.details()])

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def _headline(self) -> str:
        q = self.exercise
        unit = "point" if q.points == 1 else "points"
        earned = q.points if self.passed else 0
        tail = ("not attempted yet" if self.status == "not attempted"
                else f"{earned}/{q.points} {unit}")
        if self.status == "not attempted":
            tail += f" ({q.points} {unit})"
        return f"[{BADGES[self.status]}] Question {q.number} {q.name}: {q.title} -- {tail}"

    def details(self) -> list[tuple[str, str]]:
        """(label, text) rows: the question, its options, the answer and why."""
        q, last = self.exercise, self.results[-1]
        rows = [("question", q.prompt)]
        rows += [("option", f"({c.key}) {c.text}") for c in q.choices]
        if self.status == "not attempted":
            how = ("a set of option letters, e.g. {\"a\", \"c\"}" if q.several else
                   "one option letter, e.g. \"b\"" if q.choices else "a number")
            rows.append(("answer", f"assign {how} to {q.name} and run the cell"))
            return rows
        rows.append(("answer", last.actual))
        if self.status == "passed":
            rows += [("why", f"({c.key}) {c.why}") for c in q.choices if c.correct]
            if q.explanation:
                rows.append(("why", q.explanation))
        else:
            rows.append(("problem", last.message))
        return rows + [("note", note) for note in self.notes]

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        colour = COLOURS[self.status]
        rows = "".join(
            f"<tr><td style='padding-right:8px;vertical-align:top'><b>{html.escape(k)}</b>"
            f"</td><td>{html.escape(v)}</td></tr>" for k, v in self.details())
        return (f"<div class='imgprep-feedback imgprep-question' style='border:1px solid "
                f"{colour};padding:4px 8px;margin:4px 0'><div style='color:{colour};"
                f"font-weight:bold'>{html.escape(self._headline())}</div>"
                f"<table>{rows}</table></div>")
