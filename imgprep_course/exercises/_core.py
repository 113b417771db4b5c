"""Exercises: cases, the reference answer, and running a student's function on them."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from imgprep_course.exercises._compare import compare, describe

#: Set by the grader in the process that runs a submission: ``check`` then does nothing,
#: because the score is computed elsewhere.
GRADING_ENV = "IMGPREP_GRADING"

STATUSES = ("passed", "failed", "not attempted", "error", "timeout")


@dataclass(frozen=True)
class Case:
    """One input for an exercise: positional and keyword arguments of the function.

    ``hidden`` cases are graded but their expected values are never shown to students.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    hidden: bool = False


@dataclass(frozen=True)
class CaseResult:
    """What happened on one case: a status from :data:`STATUSES` and a message."""

    index: int
    status: str
    message: str = ""
    actual: str = ""


@dataclass(frozen=True)
class Exercise:
    """An exercise: the function a student writes, its reference, its cases and hints.

    Parameters
    ----------
    name : str
        The name of the function the student defines; also the exercise's id.
    title : str
        A short title shown in feedback ("Subtract the mean").
    number : str
        Its number in the lesson ("1.1").
    points : int
        Points for passing every case.
    reference : callable
        The correct implementation; the cases' expected values come from it.
    make_cases : callable
        Returns the list of :class:`Case` (deterministic: seeded).
    hints : sequence of str
        Revealed one at a time.
    rtol, atol : float
        Tolerances for numbers (``numpy.isclose``); the defaults accept a float32
        computation of a float64 reference.
    dtype_kind : str or None
        Required dtype kind of array results ("f" float, "u", "i", "b"), or ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> double = Exercise("double", "Double it", "0.1", 1, lambda x: 2 * x,
    ...                   lambda: [Case((np.arange(3.0),))], hints=("Multiply.",))
    >>> double.check(lambda x: x + x).status
    'passed'
    >>> print(double.check(lambda x: x * 3).text)
    [FAILED] Exercise 0.1 double: Double it -- case 1 of 1 failed (0/1 point)
      input:    x = array([0., 1., 2.], dtype=float64)
      expected: array([0., 2., 4.], dtype=float64)
      actual:   array([0., 3., 6.], dtype=float64)
      problem:  your result at index (1,) is 3, expected 2 (2 of 3 values differ)
      1 hint available: click Hint.
    """

    name: str
    title: str
    number: str
    points: int
    reference: Callable
    make_cases: Callable[[], Sequence[Case]]
    hints: Sequence[str] = ()
    rtol: float = 1e-4
    atol: float = 1e-4
    dtype_kind: str | None = "f"

    @property
    def id(self) -> str:
        return self.name

    def cases(self) -> list[Case]:
        """The cases, fresh copies each call (a student's function may modify its input)."""
        return list(self.make_cases())

    def expected(self, case: Case):
        """The reference answer for ``case`` (computed on copies of its inputs)."""
        args, kwargs = copy.deepcopy((case.args, case.kwargs))
        return self.reference(*args, **kwargs)

    def judge(self, index: int, case: Case, outcome: str, value: Any = None,
              message: str = "") -> CaseResult:
        """Turn what the student's function did on one case into a :class:`CaseResult`.

        ``outcome`` is ``"returned"`` (with ``value``), ``"not implemented"``, ``"raised"``
        (with ``message``) or ``"timeout"``. The grader calls this in its own process
        with values computed elsewhere; :meth:`run` calls it in the notebook.
        """
        if outcome == "returned":
            problem = compare(self.expected(case), value, rtol=self.rtol, atol=self.atol,
                              dtype_kind=self.dtype_kind, reveal=not case.hidden)
            return CaseResult(index, "failed" if problem else "passed", problem or "",
                              actual="" if case.hidden else describe(value))
        if outcome == "not implemented":
            return CaseResult(index, "not attempted", "not attempted yet")
        if outcome == "timeout":
            return CaseResult(index, "timeout", message or "ran out of time")
        return CaseResult(index, "error", message)

    def run(self, function: Callable) -> list[CaseResult]:
        """Run ``function`` on every case in this process and judge each result.

        Stops at the first case that is not passed: the feedback shows that one.
        """
        if not callable(function):
            return [CaseResult(0, "error", f"{self.name} is a {type(function).__name__}, "
                                           "not a function")]
        results = []
        for index, case in enumerate(self.cases()):
            args, kwargs = copy.deepcopy((case.args, case.kwargs))
            try:
                value = function(*args, **kwargs)
            except NotImplementedError:
                results.append(self.judge(index, case, "not implemented"))
            except Exception as error:  # the student's code: any error is feedback
                results.append(self.judge(index, case, "raised",
                                          message=f"{type(error).__name__}: {error}"))
            else:
                results.append(self.judge(index, case, "returned", value))
            if results[-1].status != "passed":
                break
        return results

    def status_of(self, results: Sequence[CaseResult], n_cases: int | None = None) -> str:
        """The exercise's status from its case results: passed only if every case passed.

        ``n_cases`` is the number of cases, when the caller already has them.
        """
        for result in results:
            if result.status != "passed":
                if result.status == "not attempted" and result.index > 0:
                    return "error"
                return result.status
        if n_cases is None:
            n_cases = len(self.cases())
        return "passed" if len(results) == n_cases else "error"

    def check(self, function: Callable):
        """Check ``function`` against every case; return feedback to display.

        In a notebook the feedback shows as a widget with a Hint button; its ``text`` is
        a plain, deterministic summary. Nothing is raised, whatever the function does.
        While a submission is being graded this returns ``None``: the grader scores it
        in another process.
        """
        if os.environ.get(GRADING_ENV):
            return None
        from imgprep_course.exercises._feedback import Feedback
        return Feedback(self, self.run(function))
