"""A question's answer as the grader reads it: the literal a notebook assigns, never run.

A question's answer is the value assigned to its variable at the top level of a code
cell: in the cell that calls the question's check, else the last such assignment in the
notebook. Only literal values count (:func:`ast.literal_eval`: strings, numbers, sets,
lists, tuples). The grader's intake reads it here (:func:`answer_literal`, in its own
process), the grader judges what the intake read (:func:`judge_literal`), and the
notebook's check judges the kernel's cells the same way (:func:`judge_question`).
"""

from __future__ import annotations

import ast

from imgprep_course.exercises._cells import python_only
from imgprep_course.exercises._results import CaseResult

#: Longest answer expression read, in characters: an answer is a letter, a few letters
#: or a number, and ``literal_eval`` must not be handed a pathological expression.
MAX_ANSWER = 1_000


class AnswerError(ValueError):
    """The notebook assigns the answer, but not as a literal value."""


def answer_literal(cells: list[dict], name: str) -> str | None:
    """The source text of the literal the notebook assigns to ``name`` (checked to be a
    literal of at most :data:`MAX_ANSWER` characters), or None if it assigns none.

    Raises :class:`AnswerError` when the answer is assigned but is not such a literal.

    Examples
    --------
    >>> cells = [{"cell_type": "code", "source": "crop_shape_answer = 'c'"},
    ...          {"cell_type": "code", "source": "crop_shape_answer = 'a'\\n"
    ...                                          "ex.crop_shape.check(crop_shape_answer)"},
    ...          {"cell_type": "code", "source": "crop_shape_answer = 'd'  # scratch"}]
    >>> answer_literal(cells, "crop_shape_answer")
    "'a'"
    """
    found, in_check_cell = None, None
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = python_only(str(cell.get("source", "")))
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        assigned = [node.value for node in tree.body if isinstance(node, ast.Assign)
                    and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == name]
        if not assigned:
            continue
        found = (source, assigned[-1])
        if _calls_check(tree, name) and in_check_cell is None:
            in_check_cell = found
    if found is None:
        return None
    source, node = in_check_cell or found
    text = ast.get_source_segment(source, node) or ""
    literal_value(text, name)
    return text


def literal_value(text: str, name: str):
    """The value of ``text``, a literal of at most :data:`MAX_ANSWER` characters assigned
    to ``name``; else :class:`AnswerError`.

    Examples
    --------
    >>> literal_value("{'a', 'b'}", "pick") == {"a", "b"}
    True
    """
    if len(text) > MAX_ANSWER:
        raise AnswerError(f"the answer assigned to {name} is longer than {MAX_ANSWER} "
                          "characters")
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise AnswerError(f"{name} must be assigned a literal value (a string, a set of "
                          f"strings or a number), not {text[:60]!r}") from None


def _calls_check(tree: ast.Module, name: str) -> bool:
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "check"
               and any(isinstance(a, ast.Name) and a.id == name for a in node.args)
               for node in ast.walk(tree))


def find_question_answer(cells: list[dict], question):
    """The literal value the notebook assigns to ``question.name``, or ``...`` if none.

    Examples
    --------
    >>> from imgprep_course.exercises import start_here as ex
    >>> find_question_answer([{"cell_type": "code", "source": "crop_shape_answer = 'b'"}],
    ...                      ex.crop_shape)
    'b'
    """
    text = answer_literal(cells, question.name)
    return ... if text is None else literal_value(text, question.name)


def judge_question(question, cells: list[dict]) -> list[CaseResult]:
    """The question's result for a notebook's cells, as the grader gives it."""
    try:
        text, error = answer_literal(cells, question.name), None
    except AnswerError as problem:
        text, error = None, str(problem)
    return judge_literal(question, text, error)


def judge_literal(question, text: str | None, error: str | None) -> list[CaseResult]:
    """The question's result from what the grader's intake read: the literal's text
    (None: unanswered) or the reason it is not one."""
    try:
        if error:
            raise AnswerError(error)
        answer = ... if text is None else literal_value(text, question.name)
    except AnswerError as problem:
        return [CaseResult(0, "error", str(problem))]
    return question.run(answer)
