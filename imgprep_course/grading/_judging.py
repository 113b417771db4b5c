"""Judge what an answer's process reported, trusting nothing in it.

The child sends, per case, an outcome, a value and, for an exception, its type, the line
of the answer it came from and its message (:mod:`._runner`). Here that becomes a
:class:`~imgprep_course.exercises.CaseResult`: values are judged by the exercise against
its reference; an error is described by its type and the student's line, its message
shown only for visible cases graded in the sandbox, and cut (:data:`MESSAGE_CHARS`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from imgprep_course.exercises import CaseResult, Exercise
from imgprep_course.grading._child import Limits
from imgprep_course.grading._text import printable as _printable

#: Characters of an error message shown for a visible case.
MESSAGE_CHARS = 300


def describe_error(error, answer: str, *, reveal: bool,
                   origins: tuple[tuple[str, int], ...] = ()) -> str:
    """An exception the answer raised, in words: its type and where in the notebook it
    came from (the cell and line, from ``origins``; else the line of the answer); its
    message only with ``reveal`` (visible cases), capped.

    ``error`` comes from the answer's process (``{"type", "line", "message"}``), so every
    field is checked; the line's text is taken from ``answer``, the grader's own copy.

    Examples
    --------
    >>> error = {"type": "ValueError", "line": 2, "message": "secret"}
    >>> describe_error(error, "def f(x):\\n    raise ValueError(x)", reveal=False)
    'ValueError on line 2 of your answer: raise ValueError(x)'
    >>> describe_error(error, "def f(x):\\n    raise ValueError(x)", reveal=True,
    ...                origins=(("cell 7", 3), ("cell 7", 4)))
    'ValueError: secret (cell 7, line 4: raise ValueError(x))'
    """
    error = error if isinstance(error, dict) else {}
    kind = error.get("type")
    kind = kind if isinstance(kind, str) and re.fullmatch(r"[A-Za-z_]\w{0,79}", kind) \
        else "an exception"
    lines = answer.split("\n")
    line = error.get("line")
    where = ""
    if isinstance(line, int) and not isinstance(line, bool) and 1 <= line <= len(lines):
        code = _printable(lines[line - 1].strip(), 120)
        if len(origins) == len(lines):
            cell, in_cell = origins[line - 1]
            where = f"{cell}, line {in_cell}: {code}"
        else:
            where = f"line {line} of your answer: {code}"
    message = error.get("message")
    if reveal and isinstance(message, str) and message:
        text = f"{kind}: {_printable(message, MESSAGE_CHARS)}" + (f" ({where})" if where else "")
    else:
        text = f"{kind} {'in' if where.startswith('cell') else 'on'} {where}" if where \
            else kind
    if kind == "NameError":
        text += (" (the grader runs only your answer's definitions: the function, and the "
                 "functions, classes, imports and assignments it uses, after the lesson's "
                 "set-up cells)")
    return text


def judge_frame(exercise: Exercise, index: int, case, frame: dict, answer: str,
                limits: Limits, sandbox: bool, origins: tuple[tuple[str, int], ...] = ()
                ) -> CaseResult:
    """Judge what the child said about one case, trusting nothing in it.

    Hidden cases, and every case outside the sandbox, never show an error's message;
    errors say the notebook cell and line they came from (``origins``, per answer line).
    """
    outcome, error = frame.get("outcome"), frame.get("error")
    reveal = sandbox and not case.hidden
    megabytes = limits.max_output // 2**20
    messages = {
        "not a function": f"{exercise.name} is not a function in the answer cell",
        "too large": f"your function returned more than the {megabytes} MiB allowed "
                     "per answer",
        "unsendable": "your function returned "
                      + _printable(str(frame.get("message", "")), MESSAGE_CHARS)}
    if outcome == "cell failed":
        outcome, message = "raised", ("the answer cell failed before any case ran: "
                                      + describe_error(error, answer, reveal=sandbox,
                                                     origins=origins))
    elif outcome in messages:
        outcome, message = "raised", messages[outcome]
    elif outcome == "raised":
        message = describe_error(error, answer, reveal=reveal, origins=origins)
    elif outcome in ("returned", "not implemented"):
        message = ""
    else:
        outcome, message = "raised", "the answer's process sent an unknown outcome"
    if outcome == "raised" and isinstance(error, dict) and error.get("type") == "MemoryError":
        message += f" (the memory limit is {limits.memory // 2**20} MiB per answer)"
    try:  # judge() keeps hidden cases' expected values out of its messages
        result = exercise.judge(index, case, outcome, frame.get("value"), message)
    except Exception as problem:  # a value compare() cannot handle: the answer's fault
        result = CaseResult(index, "error", "the grader could not compare your result: "
                            + type(problem).__name__)
    return replace(result, message=_printable(result.message, 2 * MESSAGE_CHARS),
                   actual=_printable(result.actual, MESSAGE_CHARS))
