"""The answer model: what "the answer to exercise X" is, for the check and the grader."""

import numpy as np
import pytest

from imgprep_course.exercises import Answer, build_answer, lesson_exercises
from imgprep_course.exercises._answer import Cell, code_cells, notebook_cells

SETUP = ["import numpy as np\nimport matplotlib.pyplot as plt\n"]


def answer(cells, name="f", **options):
    return build_answer(cells, name, setup=SETUP, **options)


def run(built: Answer, *args):
    namespace = {}
    for source in SETUP:
        exec(source, namespace)
    exec(built.source, namespace)
    return namespace[built.name](*args)


def test_a_helper_in_another_cell_comes_along():
    built = answer(["def zscore(x):\n    return (x - x.mean()) / x.std()",
                    "def f(x):\n    return zscore(x)\nex.f.check(f)"])
    assert built.verdict is None and built.problems == ()
    assert "def zscore" in built.source and "check" not in built.source
    assert np.allclose(run(built, np.array([1.0, 3.0])), [-1, 1])


def test_test_lines_in_the_answer_cell_are_not_part_of_the_answer():
    built = answer(["overlaps = compute_something()",
                    "def f(x):\n    return x + 1\nprint(f(overlaps))\nex.f.check(f)"])
    assert built.source == "def f(x):\n    return x + 1"
    assert built.problems == ()


def test_a_library_import_outside_the_setup_is_refused_with_its_name():
    built = answer(["from imgprep_course.augment import affine_matrix",
                    "def f(t, h, w):\n    return affine_matrix((h, w), theta=t)\n"
                    "ex.f.check(f)"])
    assert built.verdict[0] == "error"
    assert "imports imgprep_course, the reference implementation" in built.refusal
    assert "`affine_matrix`" in built.refusal and "cell 1" in built.refusal


def test_a_lambda_and_other_callables_are_answers():
    assert answer(["f = lambda x: np.float32(x) / 255"]).verdict is None
    partial = answer(["import functools", "def g(x, k):\n    return x * k",
                      "f = functools.partial(g, k=2)"])
    assert run(partial, 3) == 6
    instance = answer(["class Scale:\n    k = 3\n    def __call__(self, x):\n"
                       "        return x * self.k", "f = Scale()"])
    assert run(instance, 2) == 6
    alias = answer(["def g(x):\n    return -x", "f = g"])
    assert run(alias, 2) == -2


def test_the_cell_that_calls_the_check_wins_over_a_later_scratch_cell():
    built = answer(["def f(x):\n    return 1\nex.f.check(f)", "def f(x):\n    return 2"])
    assert run(built, 0) == 1 and built.cell == "cell 1"
    # without a check anywhere, the last definition counts
    assert run(answer(["def f(x):\n    return 1", "def f(x):\n    return 2"]), 0) == 2
    # a check in a cell of its own checks the definition above it
    split = answer(["def f(x):\n    return 1", "ex.f.check(f)", "def f(x):\n    return 2"])
    assert run(split, 0) == 1
    # the notebook's check names its cell
    assert run(answer(["def f(x):\n    return 1\nex.f.check(f)",
                       "def f(x):\n    return 2\nex.f.check(f)"], check_cell=0), 0) == 1


def test_the_reference_is_refused_however_it_is_reached():
    checker = answer(["from imgprep_course.exercises import start_here as ex",
                      "def f(x):\n    return ex.f.reference(x)\nex.f.check(f)"])
    assert checker.verdict[0] == "error"
    assert "`ex.f.reference` is the reference answer" in checker.refusal
    inside = answer(["def f(x):\n    import imgprep_course.images as i\n    return i.to_float(x)"])
    assert "imports imgprep_course" in inside.refusal
    peer = answer(["import pycocotools.mask as cm", "def f(m):\n    return cm.encode(m)"])
    assert "pycocotools" in peer.refusal


def test_a_variable_computed_in_a_cell_is_named_in_words():
    built = answer(["for i in range(3):\n    scores = [i] * 2",
                    "def f(x):\n    return x + len(scores)\nex.f.check(f)"])
    assert built.verdict is None  # it runs, and raises NameError, like in the grader
    [problem] = built.problems
    assert "`f` uses `scores`, a variable computed in cell 1" in problem
    assert "define it inside the function or pass it as an argument" in problem
    changed = answer(["total = 0", "total += 5", "def f(x):\n    return x + total"])
    assert "`total`" in changed.problems[0]
    mutated = answer(["items = [1]", "items.append(2)", "def f(x):\n    return items"])
    assert "changed in cell 2 by `items.append(2)`" in mutated.problems[0]
    looped = answer(["items = []\nfor i in range(3):\n    items.append(i)",
                     "def f(x):\n    return items"])
    assert "changed in cell 1 by `for i in range(3):`" in looped.problems[0]
    assert "no cell defines" in answer(["def f(x):\n    return ghost"]).problems[0]


def test_constants_imports_defaults_decorators_and_class_bodies_are_followed():
    cells = ["import math", "EPS = 1e-6", "SCALE = 2.0 * EPS", "def deco(g):\n    return g",
             "class Base:\n    unit = SCALE", "def helper(x, scale=SCALE):\n"
             "    return math.sqrt(x) * scale",
             "@deco\ndef f(x, base=Base):\n    return helper(x) + base.unit\nex.f.check(f)"]
    built = answer(cells)
    assert built.problems == () and built.verdict is None
    assert run(built, 4.0) == pytest.approx(2 * 2e-6 + 2e-6)
    assert all(name in built.source for name in ("import math", "EPS =", "SCALE =",
                                                 "def deco", "class Base", "def helper"))


def test_locals_and_comprehension_variables_are_not_mistaken_for_globals():
    built = answer(["scores = 3\nfor k in range(2):\n    pass",
                    "def f(x):\n    scores = [k * 2 for k in x]\n    return scores"])
    assert built.problems == ()


def test_helpers_defined_later_in_the_cell_and_nested_functions_work():
    built = answer(["def f(x):\n    def inner(y):\n        return helper(y)\n"
                    "    return inner(x)\ndef helper(y):\n    return y * 3\nex.f.check(f)"])
    assert run(built, 2) == 6


def test_the_answer_is_not_attempted_without_a_top_level_definition():
    assert answer(["x = 1"]).verdict == ("not attempted", "no cell defines f()")
    blocked = answer(["if True:\n    def f(x):\n        return x"])
    assert blocked.verdict[0] == "not attempted"
    assert "defined inside a block" in blocked.verdict[1]


def test_a_cell_that_does_not_parse_is_an_error_not_a_silent_miss():
    built = answer(["def f(x):\n    return (\n"])
    assert built.verdict[0] == "error" and "not valid Python" in built.verdict[1]
    # a later valid definition wins over an earlier broken one
    assert answer(["def f(x):\n    return (\n", "def f(x):\n    return x"]).verdict is None


def test_magics_are_blanked_and_lines_map_back_to_cells():
    built = answer([Cell("%matplotlib inline\ndef g():\n    return 1", "cell [3]"),
                    Cell("def f():\n    return g()", "cell [4]")])
    assert built.origin(1) == ("cell [3]", 2)
    assert built.origin(len(built.source.split("\n"))) == ("cell [4]", 2)
    assert built.origin(0) is None


def test_the_students_setup_cell_never_replaces_the_lessons():
    cells = code_cells(notebook_cells({"cells": [
        {"cell_type": "code", "source": "import numpy as np\nimport scipy",
         "metadata": {"tags": ["setup"]}},
        {"cell_type": "code", "source": "def f(x):\n    return np.sum(x) + scipy.pi",
         "metadata": {}}]}))
    built = answer(cells)
    assert "import scipy" in built.source and "numpy" not in built.source
    only_numpy = answer([cells[0], Cell("def f(x):\n    return np.sum(x)", "cell 2")])
    assert "import" not in only_numpy.source  # numpy comes from the pristine set-up


def test_every_solution_answer_is_found_and_clean():
    import json

    from imgprep_course.exercises import LESSONS, pristine_setup
    from imgprep_course.notebooks import course_root

    for lesson in LESSONS:
        notebook = json.loads((course_root() / "solutions" / f"{lesson}.ipynb").read_text())
        cells = code_cells(notebook_cells(notebook))
        for exercise in lesson_exercises(lesson):
            built = build_answer(cells, exercise.name, setup=pristine_setup(lesson))
            assert built.verdict is None and built.problems == (), (exercise.name, built)
