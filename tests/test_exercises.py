"""The exercise engine: comparison in words, statuses, feedback text and the Hint button."""

import numpy as np
import pytest

from imgprep_course.exercises import (LESSONS, Case, Exercise, compare, describe,
                                      lesson_exercises)
from imgprep_course.exercises._feedback import Feedback


def _double():
    return Exercise(
        name="double", title="Double it", number="9.1", points=2,
        reference=lambda x: 2 * np.asarray(x, dtype=np.float64),
        make_cases=lambda: [Case((np.arange(3.0),)), Case((np.ones((2, 2)),)),
                            Case((np.full(4, 7.0),), hidden=True)],
        hints=("Multiply by two.", "x + x works too."),
    )


def test_a_right_answer_passes_and_earns_the_points():
    feedback = _double().check(lambda x: x * 2)
    assert feedback.status == "passed" and feedback.passed
    assert feedback.text.startswith("[PASSED] Exercise 9.1 double")
    assert "all 3 cases passed (2/2 points)" in feedback.text


def test_a_stub_is_not_attempted_and_raises_nothing():
    def double(x):
        raise NotImplementedError

    feedback = _double().check(double)
    assert feedback.status == "not attempted"
    assert "not attempted yet (2 points)" in feedback.text


def test_a_wrong_answer_shows_the_first_failing_case_in_words():
    feedback = _double().check(lambda x: x * 3)
    assert feedback.status == "failed"
    assert "case 1 of 3 failed (0/2 points)" in feedback.text
    assert "input:    x = array([0., 1., 2.], dtype=float64)" in feedback.text
    assert "expected: array([0., 2., 4.], dtype=float64)" in feedback.text
    assert "actual:   array([0., 3., 6.], dtype=float64)" in feedback.text
    assert "is 3, expected 2 (2 of 3 values differ)" in feedback.text


def test_a_hidden_case_never_shows_its_expected_value():
    feedback = _double().check(lambda x: 2 * x if x.size < 4 or x.ndim == 2 else x)
    assert "case 3 of 3 failed" in feedback.text
    assert "expected:" not in feedback.text and "actual:" not in feedback.text
    assert "14" not in feedback.text and "7" not in feedback.text.split("--")[1]
    assert "input:    hidden" in feedback.text
    assert "your result differs from the expected values (4 of 4 values differ)" in feedback.text


def test_an_exception_is_feedback_not_a_crash():
    feedback = _double().check(lambda x: x.nonexistent)
    assert feedback.status == "error"
    assert "AttributeError" in feedback.text


def test_not_a_function():
    assert _double().check(42).status == "error"


@pytest.mark.parametrize("actual, words", [
    (np.zeros((3, 2)), "has shape (3, 2), expected shape (2, 3)"),
    (np.zeros((2, 3), np.uint8), "has dtype uint8, expected a float array: integer"),
    ([0.0] * 6, "is a list, expected an array"),
    ("zeros", "is a str, expected an array"),
])
def test_shape_and_dtype_mismatches_are_said_in_words(actual, words):
    assert words in compare(np.zeros((2, 3)), actual, rtol=1e-5, atol=1e-8, dtype_kind="f")


def test_tuples_are_compared_item_by_item():
    expected = (np.zeros(2), np.ones(2))
    assert compare(expected, (np.zeros(2), np.ones(2)), rtol=0, atol=0, dtype_kind="f") is None
    problem = compare(expected, (np.zeros(2), np.zeros(2)), rtol=0, atol=0, dtype_kind="f")
    assert problem.startswith("item 1 of your result at index (0,) is 0, expected 1")
    assert "has 1 items, expected 2" in compare(expected, (np.zeros(2),), rtol=0, atol=0,
                                                 dtype_kind="f")


def test_close_numbers_get_enough_digits():
    problem = compare(np.array([10000.0252]), np.array([10000.003]), rtol=1e-9, atol=0,
                      dtype_kind="f")
    assert "is 10000.003, expected 10000.025" in problem


def test_the_student_function_cannot_change_the_cases():
    def vandal(x):
        x[...] = 0
        return 2 * x

    assert _double().check(vandal).status == "failed"
    assert _double().check(lambda x: 2 * x).status == "passed"


def test_hint_button_reveals_hints_one_at_a_time():
    feedback = _double().check(lambda x: x)
    assert feedback.hints_shown == 0 and feedback._hint_box.value == ""
    feedback.hint_button.click()
    assert "Hint 1/2" in feedback._hint_box.value and "Hint 2/2" not in feedback._hint_box.value
    assert not feedback.hint_button.disabled
    feedback.hint_button.click()
    assert "Hint 2/2" in feedback._hint_box.value and feedback.hint_button.disabled
    assert feedback.next_hint() is None


def test_feedback_displays_as_widget_with_plain_text():
    feedback = _double().check(lambda x: x)
    bundle = feedback._repr_mimebundle_()
    assert bundle["text/plain"] == feedback.text
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(feedback) == feedback.text


def test_feedback_text_is_deterministic():
    assert _double().check(lambda x: x).text == _double().check(lambda x: x).text


def test_check_is_silent_while_grading(monkeypatch):
    monkeypatch.setenv("IMGPREP_GRADING", "1")
    assert _double().check(lambda x: x) is None


def test_describe_is_short_for_big_arrays():
    assert describe(np.zeros((100, 100))).startswith("array of shape (100, 100)")
    assert describe((1, 2.5)) == "(1, 2.5)"


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_reference_passes_its_own_exercise(lesson):
    exercises = lesson_exercises(lesson)
    assert exercises, lesson
    for exercise in exercises:
        assert exercise.check(exercise.reference).status == "passed", exercise.name
        assert exercise.hints, f"{exercise.name} has no hints"
        cases = exercise.cases()
        assert len(cases) >= 3 and any(c.hidden for c in cases), exercise.name


def test_unknown_lesson():
    with pytest.raises(ValueError, match="unknown lesson '99_nothing'"):
        lesson_exercises("99_nothing")


def test_feedback_for_an_exercise_without_hints_disables_the_button():
    bare = Exercise("f", "F", "9.9", 1, lambda: 1.0, lambda: [Case(())])
    feedback = Feedback(bare, bare.run(lambda: 2.0))
    assert feedback.hint_button.disabled and "hint" not in feedback.text.lower()
