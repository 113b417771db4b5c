"""The exercise engine: comparison in words, statuses, feedback text and the Hint button."""

import numpy as np
import pytest

from imgprep_course.exercises import (LESSONS, Case, Exercise, compare, describe,
                                      lesson_exercises)
from imgprep_course.exercises._compare import SHOWN_WHOLE, describe_pair
from imgprep_course.exercises._feedback import Feedback


def _double():
    return Exercise(
        name="double", title="Double it", number="9.1", points=2,
        reference=lambda x: 2 * np.asarray(x, dtype=np.float64),
        make_cases=lambda hidden: [Case((np.arange(3.0),)), Case((np.ones((2, 2)),)),
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
    assert "expected: array([0., >>2.<<, 4.], dtype=float64)" in feedback.text
    assert "actual:   array([0., >>3.<<, 6.], dtype=float64)" in feedback.text
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


def test_feedback_carries_a_static_html_copy_for_renderers_without_widgets():
    feedback = _double().check(lambda x: x)
    feedback.next_hint()
    html = feedback._repr_mimebundle_()["text/html"]
    assert "[FAILED] Exercise 9.1 double" in html and "Hint 1/2" in html


def test_feedback_text_is_deterministic():
    assert _double().check(lambda x: x).text == _double().check(lambda x: x).text


def test_small_arrays_are_shown_whole_on_one_line():
    assert describe(np.arange(16)) == f"array([{', '.join(map(str, range(16)))}], dtype=int64)"
    mask = np.zeros((4, 5), np.uint8)
    mask[1:3, 1:4] = 1
    assert describe(mask) == ("array([[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], "
                              "[0, 0, 0, 0, 0]], dtype=uint8)")
    assert "shape" not in describe(np.zeros((4, 4)))
    assert describe(np.zeros(SHOWN_WHOLE + 1)).startswith("array of shape (49,)")


def test_close_arrays_get_the_digits_that_tell_them_apart_and_a_mark():
    # lesson 1.3: both printed as array([0.0145, 0.0145, 0.0146]) before
    expected = np.array([0.014521, 0.014533, 0.014581])
    actual = np.array([0.014521, 0.014533, 0.014612])
    shown_expected, shown_actual = describe_pair(expected, actual, rtol=1e-6, atol=1e-9)
    assert shown_expected != shown_actual
    assert ">>0.01458<<" in shown_expected and ">>0.01461<<" in shown_actual
    assert shown_expected.count(">>") == 1 and "0.01452, 0.01453" in shown_expected


def test_values_within_tolerance_are_not_marked():
    expected = np.array([1.0, 2.0, 3.0])
    shown, _ = describe_pair(expected, expected + np.array([1e-9, 0.5, 0.0]), rtol=1e-6,
                             atol=1e-9)
    assert shown == "array([1., >>2.<<, 3.], dtype=float64)"


def test_summaries_of_big_arrays_never_show_rounding_as_a_difference():
    # lesson 1.1: "mean -6.47787e-07" expected, "mean 0" actual, though the means agree
    rng = np.random.default_rng(0)
    actual = rng.random((5, 8, 6, 3))
    actual -= actual.mean()
    expected = (actual + 2e-7).astype(np.float32)   # float32 rounding, mean about 2e-7
    expected[0, 1, 2, 0] += 0.25
    expected[4, 7, 5, 2] -= 0.25
    shown_expected, shown_actual = describe_pair(expected, actual, rtol=1e-4, atol=1e-4)
    assert "mean 0," in shown_expected and "mean 0," in shown_actual
    assert "; at (0, 1, 2, 0): >>" in shown_expected and "; at (0, 1, 2, 0): >>" in shown_actual
    assert shown_expected.split("; at")[1] != shown_actual.split("; at")[1]


def test_every_failing_pair_looks_different():
    rng = np.random.default_rng(1)
    for _ in range(300):
        size = int(rng.integers(1, 60))
        expected = rng.normal(0, 10.0 ** rng.integers(-6, 6), size)
        actual = expected.copy()
        actual[rng.integers(size)] *= 1 + 10.0 ** rng.uniform(-7, 0)
        if compare(expected, actual, rtol=1e-7, atol=0, dtype_kind="f") is None:
            continue
        shown = describe_pair(expected, actual, rtol=1e-7, atol=0)
        assert shown[0] != shown[1], shown


def test_describe_is_short_for_big_arrays():
    assert describe(np.zeros((100, 100))).startswith("array of shape (100, 100)")
    assert describe((1, 2.5)) == "(1, 2.5)"


def _perturbed(value):
    """A result that differs from ``value`` but has its type, shape and dtype."""
    if isinstance(value, tuple):
        return (_perturbed(value[0]), *value[1:])
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return np.zeros(value.shape[:-1] + (value.shape[-1] + 1,), value.dtype) \
                if value.ndim else value
        flat = value.copy().reshape(-1)
        flat[0] = ~flat[0] if value.dtype == bool else flat[0] + 1
        return flat.reshape(value.shape)
    if isinstance(value, str):
        return value + "?"
    return None if value is None else value + 1


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_reference_passes_its_own_exercise_and_a_wrong_answer_fails(lesson):
    exercises = lesson_exercises(lesson)
    assert exercises, lesson
    for exercise in exercises:
        assert exercise.check(exercise.reference).status == "passed", exercise.name
        assert exercise.hints, f"{exercise.name} has no hints"
        cases = exercise.cases()
        assert len(cases) >= 3 and any(c.hidden for c in cases), exercise.name

        def wrong(*args, **kwargs):
            return _perturbed(exercise.reference(*args, **kwargs))

        feedback = exercise.check(wrong)
        assert feedback.status == "failed", (exercise.name, feedback.text)
        assert "case 1 of" in feedback.text, (exercise.name, feedback.text)
        assert exercise.check(lambda *a, **k: 1 / 0).status == "error", exercise.name


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_hidden_cases_come_from_the_seed_and_visible_ones_never_change(lesson):
    for exercise in lesson_exercises(lesson):
        default, again, other = exercise.cases(), exercise.cases(None), exercise.cases(7)
        assert [c.hidden for c in default] == [c.hidden for c in other], exercise.name
        for a, b, c in zip(default, again, other):
            assert _same((a.args, a.kwargs), (b.args, b.kwargs)), exercise.name
            if not a.hidden:
                assert _same((a.args, a.kwargs), (c.args, c.kwargs)), exercise.name
        assert any(not _same(a.args, c.args) for a, c in zip(default, other)
                   if a.hidden), f"{exercise.name}: no hidden input depends on the seed"


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_an_answer_that_hard_codes_the_default_hidden_values_fails_under_another_seed(lesson):
    for exercise in lesson_exercises(lesson):
        table = [(c.args, c.kwargs, exercise.expected(c)) for c in exercise.cases()]

        def lookup(*args, **kwargs):
            for known_args, known_kwargs, value in table:
                if _same((known_args, known_kwargs), (args, kwargs)):
                    return value
            raise KeyError("not in the table")

        assert exercise.status_of(exercise.run(lookup)) == "passed", exercise.name
        results = exercise.run(lookup, seed=12345)
        assert exercise.status_of(results) == "error", exercise.name
        assert results[-1].message == "KeyError: 'not in the table'"
        assert exercise.cases()[results[-1].index].hidden


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_a_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        _double().cases(seed)


def test_cases_are_made_once_and_cannot_be_changed_by_a_student():
    calls = []
    exercise = Exercise("f", "F", "9.9", 1, lambda x: x,
                        lambda hidden: calls.append(1) or [Case((np.zeros(2),))])
    first, second = exercise.cases(), exercise.cases()
    assert first[0] is second[0] and len(calls) == 1
    assert exercise.status_of(exercise.run(lambda x: x)) == "passed" and len(calls) == 1
    with pytest.raises(ValueError, match="read-only"):
        first[0].args[0][0] = 1


def test_unknown_lesson():
    with pytest.raises(ValueError, match="unknown lesson '99_nothing'"):
        lesson_exercises("99_nothing")


def test_feedback_for_an_exercise_without_hints_disables_the_button():
    bare = Exercise("f", "F", "9.9", 1, lambda: 1.0, lambda hidden: [Case(())])
    feedback = Feedback(bare, bare.run(lambda: 2.0))
    assert feedback.hint_button.disabled and "hint" not in feedback.text.lower()
