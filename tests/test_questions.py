"""Questions: judged in the notebook and by the grader alike, from a literal, never run."""

import json

import nbformat
import pytest

from imgprep_course.exercises import LESSONS, Choice, Question, lesson_questions
from imgprep_course.grading import grade_paths
from imgprep_course.grading._child import Limits
from imgprep_course.exercises._literal import find_question_answer, judge_question
from imgprep_course.notebooks import course_root, strip_solution

ROOT = course_root()
QUESTIONS = [(lesson, q) for lesson in sorted(LESSONS) for q in lesson_questions(lesson)]


def _choice():
    return Question("pick", "9.2", "Pick", "Which?", choices=(
        Choice("a", "right", True, "because"), Choice("b", "wrong", False, "b is wrong: why"),
        Choice("c", "also wrong", False, "c is wrong: why")))


def _several():
    return Question("picks", "9.3", "Picks", "Which ones?", several=True, choices=(
        Choice("a", "right", True, "a ok"), Choice("b", "right too", True, "b ok"),
        Choice("c", "wrong", False, "c is wrong: why")))


def _number():
    return Question("count", "9.4", "Count", "How many?", value=0.8, tolerance=0.01,
                    wrong_values=((1.0, "forgot the misses"),))


def test_a_right_choice_passes_and_says_why():
    feedback = _choice().check("a")
    assert feedback.status == "passed"
    assert "1/1 point" in feedback.text and "why:      (a) because" in feedback.text
    assert _choice().check(" A ").passed


def test_each_wrong_option_gets_its_own_explanation():
    assert "(b) is not right: b is wrong: why" in _choice().check("b").text
    assert "(c) is not right: c is wrong: why" in _choice().check("c").text
    assert "no option 'z'" in _choice().check("z").text


def test_several_choices_need_all_the_right_ones_and_no_wrong_one():
    assert _several().check({"a", "b"}).passed and _several().check(["b", "a"]).passed
    text = _several().check({"a", "c"}).text
    assert "(c) is not right: c is wrong: why" in text and "1 right option is missing" in text
    assert "(c)" not in _several().check({"a"}).text.split("problem:")[1]


def test_numbers_within_tolerance_and_named_mistakes():
    assert _number().check(0.805).passed and not _number().check(0.85).passed
    assert "looks like a common mistake: forgot the misses" in _number().check(1.0).text
    assert "wants a number" in _number().check("0.8").text
    assert _number().check(True).status == "failed"


@pytest.mark.parametrize("unanswered", [..., None])
def test_an_unanswered_question_is_not_attempted(unanswered):
    feedback = _choice().check(unanswered)
    assert feedback.status == "not attempted" and "not attempted yet" in feedback.text
    assert "option:   (b) wrong" in feedback.text and "assign one option letter" in feedback.text


def test_feedback_is_static_html_that_needs_no_kernel():
    html = _choice().check("b")._repr_html_()
    assert "imgprep-feedback" in html and "b is wrong: why" in html
    assert "<script" not in html


def test_a_question_needs_exactly_one_kind_of_answer():
    with pytest.raises(ValueError, match="either choices or a value"):
        Question("q", "9.9", "Q", "?")
    with pytest.raises(ValueError, match="one correct choice"):
        Question("q", "9.9", "Q", "?", choices=(Choice("a", "x", True, "."),
                                                Choice("b", "y", True, ".")))


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_lesson_has_three_questions_with_explained_options(lesson):
    questions = lesson_questions(lesson)
    assert len(questions) >= 3
    for question in questions:
        assert all(c.why for c in question.choices), question.name
        assert question.choices or question.wrong_values, question.name


def code_cells(lesson, folder="solutions"):
    notebook = nbformat.read(ROOT / folder / f"{lesson}.ipynb", as_version=4)
    return [{"cell_type": c.cell_type, "source": c.source} for c in notebook.cells]


@pytest.mark.parametrize("lesson, question", QUESTIONS, ids=[q.number for _, q in QUESTIONS])
def test_the_solution_answers_right_and_the_lesson_is_not_attempted(lesson, question):
    assert judge_question(question, code_cells(lesson))[0].status == "passed"
    assert judge_question(question, code_cells(lesson, "lessons"))[0].status == "not attempted"
    assert any(f"ex.{_attribute(lesson, question)}.check({question.name})" in c["source"]
               for c in code_cells(lesson))


def _attribute(lesson, question):
    import importlib

    module = importlib.import_module(LESSONS[lesson])
    return next(name for name, value in vars(module).items() if value is question)


def test_the_answer_is_read_from_the_check_cell_else_the_last_assignment():
    cell = lambda source: {"cell_type": "code", "source": source}  # noqa: E731
    assert find_question_answer([cell("pick = 'b'"), cell("pick = 'c'")], _choice()) == "c"
    assert find_question_answer([cell("pick = 'a'\nex.pick.check(pick)"),
                                 cell("pick = 'c'")], _choice()) == "a"
    assert find_question_answer([cell("%time pick = 1\npick = {'a', 'b'}")], _choice()) \
        == {"a", "b"}
    assert find_question_answer([cell("x = 1")], _choice()) is ...


def test_a_computed_or_huge_answer_is_an_error_and_nothing_runs(tmp_path):
    cell = lambda source: {"cell_type": "code", "source": source}  # noqa: E731
    flag = tmp_path / "ran"
    result = judge_question(_choice(), [cell(f"pick = open({str(flag)!r}, 'w').name")])
    assert result[0].status == "error" and "literal value" in result[0].message
    assert not flag.exists()
    huge = judge_question(_number(), [cell("count = '" + "1" * 5000 + "'")])
    assert huge[0].status == "error" and "longer than" in huge[0].message


def test_the_builder_stubs_an_answer_so_the_lesson_runs():
    stub = strip_solution("# BEGIN SOLUTION\npick = {'a'}\n# END SOLUTION\nex.p.check(pick)")
    assert stub == "pick = ...  # YOUR ANSWER HERE\nex.p.check(pick)"
    assert "raise NotImplementedError" in strip_solution(
        "# BEGIN SOLUTION\nprint(1)\n# END SOLUTION")


def test_grade_scores_questions_full_marks_for_solutions_zero_for_lessons(tmp_path):
    submission = tmp_path / "00_start_here.ipynb"
    submission.write_text((ROOT / "solutions" / "00_start_here.ipynb").read_text())
    wrong = tmp_path / "00_start_here_wrong.ipynb"
    notebook = json.loads(submission.read_text())
    for c in notebook["cells"]:
        text = "".join(c["source"])
        c["source"] = text.replace("uint8_sum_answer = 44", "uint8_sum_answer = 300")
    wrong.write_text(json.dumps(notebook))
    lesson = tmp_path / "00_start_here_lesson.ipynb"
    lesson.write_text((ROOT / "lessons" / "00_start_here.ipynb").read_text())
    grades = {g.path: g for g in grade_paths([tmp_path], limits=Limits(sandbox=False))}
    solved, mistaken, untouched = (grades[str(p)] for p in (submission, wrong, lesson))
    ids = [q.name for q in lesson_questions("00_start_here")]
    assert (solved.score, solved.max_score) == (4, 4)
    assert {e.id: e.status for e in solved.exercises if e.id in ids} == dict.fromkeys(
        ids, "passed")
    assert mistaken.score == 3
    wrong_grade = next(e for e in mistaken.exercises if e.id == "uint8_sum_answer")
    assert "uint8 holds 0..255 only" in wrong_grade.message
    assert untouched.score == 0
    assert all(e.status == "not attempted" for e in untouched.exercises)
