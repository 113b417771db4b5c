"""Exercises: cases, the reference answer, and running a student's function on them."""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from imgprep_course.exercises._compare import compare, describe_pair
from imgprep_course.exercises._results import DEFAULT_SEED, STATUSES, Case, CaseResult

@dataclass(frozen=True)
class Misconception:
    """A common wrong answer, written as a function, and the mistake it shows, in words.

    When a student's result on a case equals ``function``'s result there (within the
    exercise's tolerances, same dtype), the feedback says ``says`` before the numbers.
    """

    function: Callable
    says: str


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
        ``make_cases(hidden_rng)`` returns the list of :class:`Case`: the visible ones
        from fixed seeds of their own (they never change), the hidden ones drawn from
        ``hidden_rng``, a ``numpy.random.Generator`` (see :meth:`cases`).
    hints : sequence of str
        Revealed one at a time.
    rtol, atol : float
        Tolerances for numbers (``numpy.isclose``); the defaults accept a float32
        computation of a float64 reference.
    dtype_kind : str or None
        Required dtype of array results: a kind ("f" float, "u", "i", "b"), an exact
        dtype name ("float32"), or ``None``.
    misconceptions : sequence of Misconception
        Common wrong answers; a failed result equal to one of them is diagnosed.

    Examples
    --------
    >>> import numpy as np
    >>> double = Exercise("double", "Double it", "0.1", 1, lambda x: 2 * x,
    ...                   lambda hidden: [Case((np.arange(3.0),))], hints=("Multiply.",))
    >>> double.check(lambda x: x + x).status
    'passed'
    >>> print(double.check(lambda x: x * 3).text)
    [FAILED] Exercise 0.1 double: Double it -- case 1 of 1 failed (0/1 point)
      input:    x = array([0., 1., 2.], dtype=float64)
      expected: array([0., >>2.<<, 4.], dtype=float64)
      actual:   array([0., >>3.<<, 6.], dtype=float64)
      problem:  your result at index (1,) is 3, expected 2 (2 of 3 values differ)
      1 hint available: click Hint.
    """

    name: str
    title: str
    number: str
    points: int
    reference: Callable
    make_cases: Callable[[np.random.Generator], Sequence[Case]]
    hints: Sequence[str] = ()
    rtol: float = 1e-4
    atol: float = 1e-4
    dtype_kind: str | None = "f"
    misconceptions: Sequence[Misconception] = ()
    _made: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.name

    def cases(self, seed: int | None = None) -> list[Case]:
        """The cases: the visible ones always the same, the hidden ones drawn from ``seed``.

        ``seed`` is a non-negative integer; ``None`` is :data:`DEFAULT_SEED`, what the
        notebook's check uses. Each exercise draws from its own stream of the seed.
        The cases are made once per seed; their arrays are read-only (:meth:`run` and
        :meth:`expected` pass copies to the functions they call).

        Examples
        --------
        >>> from imgprep_course.exercises.start_here import to_float
        >>> [c.hidden for c in to_float.cases()]
        [False, False, False, True]
        >>> import numpy as np
        >>> a, b = to_float.cases(seed=1), to_float.cases(seed=2)
        >>> np.array_equal(a[0].args[0], b[0].args[0]), np.array_equal(a[3].args[0], b[3].args[0])
        (True, False)
        """
        return list(self._case_set(seed)[0])

    def _case_set(self, seed: int | None) -> tuple[tuple[Case, ...], dict]:
        """The cases for ``seed`` and a cache of their expected values, made once."""
        seed = DEFAULT_SEED if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        seed = int(seed)
        if seed not in self._made:
            hidden = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
            cases = tuple(self.make_cases(hidden))
            for case in cases:
                _freeze((case.args, case.kwargs))
            self._made[seed] = (cases, {})
        return self._made[seed]

    def expected(self, case: Case):
        """The reference answer for ``case`` (computed once per case, on copies of its
        inputs)."""
        for cases, values in self._made.values():
            for index, known in enumerate(cases):
                if known is case:
                    if index not in values:
                        values[index] = self._reference_on(case)
                    return values[index]
        return self._reference_on(case)

    def _reference_on(self, case: Case):
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
            expected = self.expected(case)
            problem = compare(expected, value, rtol=self.rtol, atol=self.atol,
                              dtype_kind=self.dtype_kind, reveal=not case.hidden)
            shown = ("", "") if case.hidden or not problem else describe_pair(
                expected, value, rtol=self.rtol, atol=self.atol)
            return CaseResult(index, "failed" if problem else "passed", problem or "",
                              actual=shown[1], expected=shown[0],
                              diagnosis=self.diagnose(case, value) if problem else "")
        if outcome == "not implemented":
            return CaseResult(index, "not attempted", "not attempted yet")
        if outcome == "timeout":
            return CaseResult(index, "timeout", message or "ran out of time")
        return CaseResult(index, "error", message)

    def diagnose(self, case: Case, value: Any) -> str:
        """The first misconception whose result on ``case`` equals ``value``, in words."""
        for wrong in self.misconceptions:
            args, kwargs = copy.deepcopy((case.args, case.kwargs))
            try:
                result = wrong.function(*args, **kwargs)
                dtype = result.dtype.name if isinstance(result, np.ndarray) else None
                same = compare(result, value, rtol=self.rtol, atol=self.atol,
                               dtype_kind=dtype) is None
            except Exception:  # a misconception that cannot run here does not apply
                continue
            if same:
                return f"this looks like a common mistake: {wrong.says}"
        return ""

    def run(self, function: Callable, seed: int | None = None) -> list[CaseResult]:
        """Run ``function`` on every case (hidden ones drawn from ``seed``) in this
        process and judge each result.

        Stops at the first case that is not passed: the feedback shows that one.
        """
        if not callable(function):
            return [CaseResult(0, "error", f"{self.name} is a {type(function).__name__}, "
                                           "not a function")]
        results = []
        for index, case in enumerate(self.cases(seed)):
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

    def status_of(self, results: Sequence[CaseResult]) -> str:
        """The exercise's status from its case results: passed only if every case passed.

        Examples
        --------
        >>> from imgprep_course.exercises.start_here import to_float
        >>> to_float.status_of([CaseResult(i, "passed") for i in range(4)])
        'passed'
        >>> to_float.status_of([CaseResult(0, "passed"), CaseResult(1, "failed")])
        'failed'
        """
        for result in results:
            if result.status != "passed":
                if result.status == "not attempted" and result.index > 0:
                    return "error"
                return result.status
        return "passed" if len(results) == len(self._case_set(None)[0]) else "error"

    def check(self, function: Callable):
        """Check ``function`` against every case; return feedback to display.

        In a notebook the feedback shows as a widget with a Hint button; its ``text`` is
        a plain, deterministic summary. Nothing is raised, whatever the function does.

        In a Jupyter kernel, when ``function`` is the notebook's ``<name>``, the status
        shown is the grader's: the answer is rebuilt from the cells the kernel ran, the
        way ``grade`` will (:mod:`imgprep_course.exercises._answer`), and run on the
        lesson's pristine set-up; where that differs from the function here, the
        feedback's notes say why. Elsewhere, ``function`` itself is checked.
        """
        from imgprep_course.exercises._notebook import check
        from imgprep_course.exercises._progress import record
        feedback = check(self, function)
        if getattr(function, "__name__", self.name) in (self.name, "<lambda>"):
            record(self.id, feedback.status)   # another function's check is not the answer
        return feedback


def _freeze(value) -> None:
    """Make the arrays in a case's arguments read-only (cases are made once, shared)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for item in value:
            _freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            _freeze(item)
