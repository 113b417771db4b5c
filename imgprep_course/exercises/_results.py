"""What an exercise is judged on and what the judging says: cases and case results.

Apart from :mod:`._core` so that the modules that show results (the notebook's check,
questions, the grader's literal reading) need not import the exercise engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The seed of the hidden cases the notebook's check uses; the grader draws its own
#: (``grade --seed``), so an answer cannot learn the hidden inputs it is graded on.
DEFAULT_SEED = 0

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
    """What happened on one case: a status from :data:`STATUSES` and a message.

    ``expected`` and ``actual`` describe the two values of a failed visible case, with
    the digits that tell them apart (:func:`~imgprep_course.exercises._compare.describe_pair`).
    """

    index: int
    status: str
    message: str = ""
    actual: str = ""
    expected: str = ""
    diagnosis: str = ""
