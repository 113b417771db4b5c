"""Check equals grade: for every exercise, answers in many styles show in the notebook the
status that ``grade`` gives them.

Each variant is a notebook built on the real solution (``solutions/``, without its
solution-only cells) with answer cells replaced. The notebook's side is simulated by
running the code cells in order in a fresh IPython shell (as a kernel would) and reading
the status each check displays; a few notebooks also run in a real Jupyter kernel
(nbclient). The grader's side is the real ``grade`` on the saved notebook.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgprep_course.exercises import LESSONS, lesson_exercises, lesson_questions
from imgprep_course.exercises._notebook import remember_cell_ids
from imgprep_course.grading import Limits, grade_paths
from imgprep_course.notebooks import SOLUTION_ONLY, course_root

LIMITS = Limits(timeout=60)
_IDS = itertools.count()
_BADGE = re.compile(
    r"\[(PASSED|FAILED|NOT ATTEMPTED|ERROR|TIMEOUT)\] (?:Exercise|Question) \S+ (\w+):")


# ------------------------------------------------------------------------ the notebooks
def solution_cells(lesson: str) -> list[dict]:
    notebook = json.loads((course_root() / "solutions" / f"{lesson}.ipynb").read_text("utf-8"))
    return [c for c in notebook["cells"]
            if SOLUTION_ONLY not in c.get("metadata", {}).get("tags", [])]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def code(text: str) -> dict:
    return {"cell_type": "code", "id": f"variant-{next(_IDS)}", "metadata": {},
            "execution_count": None, "outputs": [],
            "source": textwrap.dedent(text).strip("\n") + "\n"}


def answer_position(cells: list[dict], name: str) -> int:
    return next(i for i, c in enumerate(cells) if c["cell_type"] == "code"
                and re.search(rf"^def {name}\(", source(c), re.M)
                and f".{name}.check({name})" in source(c))


def solution_function(cells: list[dict], name: str) -> tuple[str, list[str]]:
    """The solution's ``def`` (markers kept out) and its parameter names."""
    tree = ast.parse(source(cells[answer_position(cells, name)]))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    text = ast.get_source_segment(source(cells[answer_position(cells, name)]), node)
    return text, [a.arg for a in node.args.args]


def notebook(lesson: str, replacements: dict[str, list[dict]], after: dict[str, list[dict]]
             = None, cells: list[dict] | None = None) -> dict:
    """The solution of ``lesson`` (or ``cells`` of it) with each named exercise's answer
    cell replaced by cells (and, optionally, more cells after it)."""
    cells = list(solution_cells(lesson) if cells is None else cells)
    for name, new in sorted(replacements.items(),
                            key=lambda item: -answer_position(cells, item[0])):
        at = answer_position(cells, name)
        cells[at:at + 1] = [*new, *(after or {}).get(name, [])]
    return {"cells": cells, "metadata": {"imgprep_course": {"lesson": lesson},
                                         "kernelspec": {"name": "python3",
                                                        "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# ------------------------------------------------------------------ the answer variants
WRONG = "lambda value: None"  # a result of the wrong type: failed on the first case


def variant(cells: list[dict], name: str, style: str, quality: str,
            extras: tuple[str, ...] = ()) -> tuple[list[dict], list[dict]]:
    """Cells answering exercise ``name`` in ``style`` ("def", "lambda", ...), of
    ``quality`` ("right", "wrong", "raises", "stub"), with ``extras``; and cells after."""
    text, params = solution_function(cells, name)
    args = ", ".join(params)
    impl = f"_impl_{name}"
    helper = text.replace(f"def {name}(", f"def {impl}(", 1)
    body = {"right": f"{impl}({args})", "wrong": f"_spoil({impl}({args}))",
            "raises": f"{impl}({args}) + 1 / 0", "stub": "_not_yet()"}[quality]
    before, same = [code(helper)], []
    setups = {"wrong": "def _spoil(value):\n    return None",
              "stub": "def _not_yet():\n    raise NotImplementedError"}
    if quality in setups:
        before.append(code(setups[quality]))
    guard = []
    if "constant" in extras:
        before.append(code("REPEAT = 1"))
        guard.append("for _ in range(REPEAT):\n        pass")
    if "import_outside" in extras:
        before.append(code("import math as _math"))
        guard.append("_math.sqrt(4.0)")
    if "import_inside" in extras:
        guard.append("import fractions\n    fractions.Fraction(1, 2)")
    if "computed" in extras:
        before.append(code("for _k in range(1):\n    offset = _k"))
        guard.append("assert offset == 0")
    if "reference" in extras:
        body = f"ex.{name}.reference({args})"
    if "library" in extras:
        before.append(code("import imgprep_course as course"))
        guard.append("course.__name__")
    lines = "".join(f"    {g}\n" for g in guard)
    if style == "def":
        answer = f"def {name}({args}):\n{lines}    return {body}\n"
    elif style == "helper_same_cell":
        answer = f"{helper}\n\n\ndef {name}({args}):\n{lines}    return {body}\n"
        before = before[1:]
    elif style == "lambda":
        if guard:
            before.append(code(f"def _guard_{name}():\n{lines}    return 0"))
        answer = (f"{name} = lambda {args}: {body}" +
                  (f" if _guard_{name}() == 0 else None" if guard else "") + "\n")
    elif style == "class":
        answer = (f"class _Answer:\n    def __call__(self, {args}):\n"
                  + textwrap.indent(lines, "    ") + f"        return {body}\n\n\n"
                  f"{name} = _Answer()\n")
    elif style == "partial":
        before.append(code("import functools"))
        answer = (f"def _inner_{name}({args}):\n{lines}    return {body}\n\n\n"
                  f"{name} = functools.partial(_inner_{name})\n")
    elif style == "alias":
        answer = (f"def _inner_{name}({args}):\n{lines}    return {body}\n\n\n"
                  f"{name} = _inner_{name}\n")
    elif style == "loop":
        answer = (f"def {name}({args}):\n{lines}    results = []\n    for _ in range(1):\n"
                  f"        results.append({body})\n    return results[0]\n")
    else:
        raise ValueError(style)
    if "test_line" in extras:
        before.append(code("for _j in range(1):\n    probe = _j + 1"))
        answer += "\nprint('probe', probe)\n"
    answer += f"\nex.{name}.check({name})\n"
    later = []
    if "scratch_later" in extras:
        later.append(code(f"def {name}(*args):\n    return None   # scratch, after the check"))
    return [*before, code(answer)], later


STYLES = ("def", "helper_same_cell", "lambda", "class", "partial", "alias", "loop")
QUALITIES = ("right", "wrong", "raises", "stub")
EXTRAS = ("constant", "import_outside", "import_inside", "computed", "reference", "library",
          "test_line", "scratch_later")


# ------------------------------------------------------------------- the notebook's side
def simulate(cells: list[dict], texts: dict[str, str] | None = None) -> dict[str, str]:
    """Run the code cells in a fresh IPython shell; the last status each check showed
    (and, in ``texts``, the output of the cell that showed it)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    remember_cell_ids(shell)
    statuses = {}
    try:
        for number, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                result = shell.run_cell(source(cell), store_history=True,
                                        cell_id=f"c{number}")
            assert result.error_in_exec is None, (source(cell), result.error_in_exec)
            for status, name in _BADGE.findall(out.getvalue()):
                statuses[name] = status.lower()
                if texts is not None:
                    texts[name] = out.getvalue()
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
        InteractiveShell.clear_instance()
    return statuses


def graded(paths: list[Path]) -> list[dict[str, str]]:
    grades = grade_paths(paths, limits=LIMITS, jobs=2)
    return [{e.id: e.status for e in g.exercises} for g in grades]


@pytest.fixture(autouse=True)
def _quiet_matplotlib(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def reduced(lesson: str) -> list[dict]:
    """The solution's set-up cells, the cell that imports the exercises and the answer
    cells: what the simulations run (the lesson's other cells define nothing an answer
    here uses; the real-kernel test runs whole notebooks)."""
    names = [e.name for e in (*lesson_exercises(lesson), *lesson_questions(lesson))]
    return [c for c in solution_cells(lesson) if c["cell_type"] == "code" and (
        "setup" in c.get("metadata", {}).get("tags", [])
        or "from imgprep_course.exercises import" in source(c)
        or any(f".check({n})" in source(c) for n in names))]


def build(lesson: str, plan: dict[str, tuple[str, str, tuple[str, ...]]],
          whole: bool = False) -> dict:
    """A notebook of ``lesson`` where each exercise is answered as ``plan`` says."""
    cells = solution_cells(lesson)
    replacements, after = {}, {}
    for name, (style, quality, extras) in plan.items():
        replacements[name], after[name] = variant(cells, name, style, quality, extras)
    return notebook(lesson, replacements, after, None if whole else reduced(lesson))


def expected_status(quality: str, extras: tuple[str, ...]) -> str:
    if {"computed", "reference", "library"} & set(extras):
        return "error"
    return {"right": "passed", "wrong": "failed", "raises": "error",
            "stub": "not attempted"}[quality]


def compare_sides(tmp_path: Path, notebooks: list[tuple[dict, dict[str, str]]]) -> None:
    """Simulate each notebook, grade them all, assert check == grade == expected."""
    paths, shown = [], []
    for number, (nb, _) in enumerate(notebooks):
        lesson = nb["metadata"]["imgprep_course"]["lesson"]
        path = tmp_path / f"{lesson}_{number:03d}.ipynb"
        path.write_text(json.dumps(nb), encoding="utf-8")
        paths.append(path)
        shown.append(simulate(nb["cells"]))
    for path, (nb, expected), check, grade in zip(paths, notebooks, shown, graded(paths)):
        assert check == grade, (path.name, check, grade)
        assert grade == {**grade, **expected}, (path.name, grade, expected)


PLANS = ([(style, "right", ()) for style in STYLES]
         + [("def", quality, ()) for quality in QUALITIES[1:]]
         + [("def", "right", (extra,)) for extra in EXTRAS]
         + [("lambda", "wrong", ("test_line", "scratch_later")),
            ("class", "right", ("constant", "import_inside", "scratch_later")),
            ("partial", "stub", ("import_outside",)), ("alias", "right", ("library",)),
            ("loop", "raises", ("test_line",))])


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_exercise_answered_in_every_style_shows_its_grade(lesson, tmp_path):
    names = [e.name for e in lesson_exercises(lesson)]
    notebooks = []
    for style, quality, extras in PLANS:
        plan = {name: (style, quality, extras) for name in names}
        notebooks.append((build(lesson, plan),
                          {name: expected_status(quality, extras) for name in names}))
    compare_sides(tmp_path, notebooks)


choices = st.tuples(st.sampled_from(STYLES), st.sampled_from(QUALITIES),
                    st.sets(st.sampled_from(EXTRAS), max_size=3).map(
                        lambda s: tuple(sorted(s))))


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_mixed_styles_in_one_notebook_show_their_grades(data, tmp_path_factory):
    lesson = data.draw(st.sampled_from(sorted(LESSONS)), label="lesson")
    plan = {e.name: data.draw(choices, label=e.name) for e in lesson_exercises(lesson)}
    expected = {name: expected_status(q, x) for name, (_, q, x) in plan.items()}
    compare_sides(tmp_path_factory.mktemp("mixed"), [(build(lesson, plan), expected)])


# ------------------------------------------------------------------- the questions
def question_variants(lesson: str) -> list[tuple[dict, dict[str, str]]]:
    """Notebooks of ``lesson`` whose every question is answered one way, with the
    status the grader must give: the literal it reads decides, nothing runs."""
    cells = reduced(lesson)
    questions = lesson_questions(lesson)
    at = {q.name: next(i for i, c in enumerate(cells) if f".check({q.name})" in source(c))
          for q in questions}

    def wrong(q) -> str:
        if q.value is not None:
            return repr(q.value + 1000 * q.tolerance + 1000)
        key = next(c.key for c in q.choices if not c.correct)
        return repr({key}) if q.several else repr(key)

    def right(q) -> str:
        return "{" + ", ".join(repr(c.key) for c in q.choices if c.correct) + "}" \
            if q.several else repr(q.value) if q.value is not None else repr(
                next(c.key for c in q.choices if c.correct))

    def check_line(q) -> str:
        return next(line for line in source(cells[at[q.name]]).splitlines()
                    if f".check({q.name})" in line)

    ways = {  # how: (cells replacing the check cell, expected status)
        "right": lambda q: ([code(f"{q.name} = {right(q)}\n{check_line(q)}")], "passed"),
        "wrong": lambda q: ([code(f"{q.name} = {wrong(q)}\n{check_line(q)}")], "failed"),
        "stub": lambda q: ([code(f"{q.name} = ...\n{check_line(q)}")], "not attempted"),
        "computed": lambda q: ([code(f"{q.name} = (lambda v: v)({right(q)})\n"
                                     f"{check_line(q)}")], "error"),
        "assigned_above": lambda q: ([code(f"{q.name} = {right(q)}"),
                                      code(check_line(q))], "passed"),
        "scratch_later": lambda q: ([code(f"{q.name} = {right(q)}\n{check_line(q)}"),
                                     code(f"{q.name} = {wrong(q)}   # scratch")], "passed"),
    }
    out = []
    for how, make in ways.items():
        new_cells, expected = list(cells), {}
        for q in sorted(questions, key=lambda q: -at[q.name]):
            replacement, expected[q.name] = make(q)
            new_cells[at[q.name]:at[q.name] + 1] = replacement
        out.append((notebook(lesson, {}, cells=new_cells), expected))
    return out


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_question_answered_every_way_shows_its_grade(lesson, tmp_path):
    compare_sides(tmp_path, question_variants(lesson))


def test_a_computed_question_answer_says_in_the_notebook_what_the_grader_reads():
    nb, _ = question_variants("00_start_here")[3]
    texts = {}
    statuses = simulate(nb["cells"], texts)
    assert set(statuses.values()) == {"error", "passed"}   # to_float passes
    assert "the grader reads the value written in the cell" in texts["crop_shape_answer"]
    assert "must be assigned a literal value" in texts["crop_shape_answer"]


# ------------------------------------------------------- the six cases of the issue
def without_inner(function: str, names: set[str]) -> str:
    """``function`` with its nested definitions of ``names`` removed (it then uses the
    notebook's top-level ones)."""
    tree = ast.parse(function)
    tree.body[0].body = [n for n in tree.body[0].body
                         if not (isinstance(n, ast.FunctionDef) and n.name in names)]
    return ast.unparse(tree)


def six_cases() -> list[tuple[str, dict, dict[str, str], dict[str, list[str]]]]:
    """(why, notebook, expected statuses, words the check must show per exercise)."""
    cases = []
    helper = code("""
        def zscore(x, axis):
            x = x.astype(np.float32)
            return (x - x.mean(axis=axis, keepdims=True)) / x.std(axis=axis, keepdims=True)
        """)
    answer = code("""
        def standardize(images, per_channel):
            return zscore(images, (1, 2) if per_channel else (1, 2, 3))

        ex.standardize.check(standardize)
        """)
    cases.append(("a helper defined in another cell",
                  notebook("01_rescaling", {"standardize": [helper, answer]}),
                  {"standardize": "passed"}, {}))
    cells = solution_cells("04_map")
    mean_ap, _ = solution_function(cells, "map_50_95")
    reuse = without_inner(mean_ap, {"iou", "match"})
    assert "def iou" not in reuse and "iou(" in reuse
    overlaps = code("""
        overlaps = iou(np.array([[0., 0, 2, 2], [1, 1, 3, 3]]), np.array([[0., 0, 2, 2]]))
        """)
    match, _ = solution_function(cells, "match")
    cases.append(("iou and match from 4.1-4.3 reused in 4.5, and a test line in the answer "
                  "cell using a variable of an earlier cell",
                  notebook("04_map", {
                      "match": [overlaps, code(match + "\n\nprint(match(overlaps, "
                                               "np.array([0.9, 0.8]), 0.5))\n"
                                               "ex.match.check(match)")],
                      "map_50_95": [code(reuse + "\n\nex.map_50_95.check(map_50_95)")]}),
                  {"iou": "passed", "match": "passed", "map_50_95": "passed"}, {}))
    cases.append(("a function the lesson imported outside the setup cell (affine_matrix)",
                  notebook("02_generator", {"rotation_about_center": [code("""
                      def rotation_about_center(theta, height, width):
                          return affine_matrix((height, width), theta=theta)

                      ex.rotation_about_center.check(rotation_about_center)
                      """)]}),
                  {"rotation_about_center": "error"},
                  {"rotation_about_center": ["`affine_matrix`", "reference implementation"]}))
    cases.append(("a lambda", notebook("00_start_here", {"to_float": [code("""
                      to_float = lambda image: image.astype(np.float32) / 255
                      ex.to_float.check(to_float)
                      """)]}), {"to_float": "passed"}, {}))
    scratch = code("def to_float(image):\n    return image   # trying something else")
    cases.append(("a later scratch cell redefines the function",
                  notebook("00_start_here", {}, cells=solution_cells("00_start_here")
                           + [scratch]), {"to_float": "passed"}, {}))
    cases.append(("the answer calls ex.<exercise>.reference or the library",
                  notebook("01_rescaling", {
                      "subtract_mean": [code("""
                          def subtract_mean(images):
                              return ex.subtract_mean.reference(images)

                          ex.subtract_mean.check(subtract_mean)
                          """)],
                      "standardize": [code("""
                          def standardize(images, per_channel):
                              return rescale.standardize(images, axis=(1, 2))

                          ex.standardize.check(standardize)
                          """)]}),
                  {"subtract_mean": "error", "standardize": "error"},
                  {"subtract_mean": ["`ex.subtract_mean.reference` is the reference answer"],
                   "standardize": ["`rescale`", "reference implementation"]}))
    cases.append(("a variable computed in a non-setup cell",
                  notebook("00_start_here", {"to_float": [
                      code("scale = 255.0\nfor _ in range(2):\n    scale = scale * 1"),
                      code("""
                          def to_float(image):
                              return image.astype(np.float32) / scale

                          ex.to_float.check(to_float)
                          """)]}),
                  {"to_float": "error"},
                  {"to_float": ["`scale`", "is PASSED, but the grader",
                                "will give ERROR"]}))
    return cases


@pytest.mark.parametrize("why, nb, expected, words", six_cases(),
                         ids=[c[0][:40] for c in six_cases()])
def test_the_issues_cases_show_in_the_notebook_what_grade_gives(why, nb, expected, words,
                                                                tmp_path):
    texts = {}
    lesson = nb["metadata"]["imgprep_course"]["lesson"]
    cells = [c for c in nb["cells"] if c in reduced(lesson) or c not in solution_cells(lesson)]
    shown = simulate(cells, texts)
    path = tmp_path / f"{lesson}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    [grade] = graded([path])
    for name, status in expected.items():
        assert shown[name] == grade[name] == status, (why, name, texts.get(name), grade)
        for word in words.get(name, []):
            assert word in texts[name], (why, name, texts[name])


# ------------------------------------------------------- 1.3's one-pass stream
HELPER_CELL = code("""
    def merged(totals, batch):
        count, mean, m2 = totals
        x = batch.astype(np.float64)
        n = x.size // x.shape[-1]
        batch_mean = x.mean(axis=(0, 1, 2))
        delta = batch_mean - mean
        return (count + n, mean + delta * n / (count + n),
                m2 + ((x - batch_mean) ** 2).sum(axis=(0, 1, 2))
                + delta ** 2 * count * n / (count + n))
    """)
STREAM_ANSWERS = {  # how: (cells, status, words the notebook's check and grade show)
    # (a second pass and np.concatenate's indexing are refused on case 1; a list of the
    # batches or of their float64 copies passes cases 1 to 3, small, and is refused on
    # case 4, the 48 batches)
    "concatenate": ([code("""
        def dataset_stats(batches):
            x = np.concatenate(batches).astype(np.float64)
            return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))

        ex.dataset_stats.check(dataset_stats)
        """)], "error", "batches cannot be indexed"),
    "list_then_concatenate": ([code("""
        def dataset_stats(batches):
            x = np.concatenate(list(batches)).astype(np.float64)
            return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))

        ex.dataset_stats.check(dataset_stats)
        """)], "error", "running totals per channel (count, mean, M2)"),
    "float64_copies": ([code("""
        def dataset_stats(batches):
            x = np.concatenate([b.astype(np.float64) for b in batches])
            return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))

        ex.dataset_stats.check(dataset_stats)
        """)], "error", "running totals per channel (count, mean, M2)"),
    "two_passes": ([code("""
        def dataset_stats(batches):
            count = sum(b.size // b.shape[-1] for b in batches)
            total = sum(b.astype(np.float64).sum(axis=(0, 1, 2)) for b in batches)
            return total / count, total

        ex.dataset_stats.check(dataset_stats)
        """)], "error", "batches can be read once: one pass"),
    "stops_tracemalloc": ([code("""
        import tracemalloc


        def dataset_stats(batches):
            kept = []
            for batch in batches:
                tracemalloc.stop()
                kept.append(batch)
            x = np.concatenate(kept).astype(np.float64)
            return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))

        ex.dataset_stats.check(dataset_stats)
        """)], "error", "tracemalloc was stopped or reset while batches"),
    "first_then_the_rest": ([HELPER_CELL, code("""
        def dataset_stats(batches):
            it = iter(batches)
            first = next(it)
            totals = merged((0, 0.0, 0.0), first)
            for batch in it:
                totals = merged(totals, batch)
            count, mean, m2 = totals
            return mean, np.sqrt(m2 / count)

        ex.dataset_stats.check(dataset_stats)
        """)], "passed", None),
    "helper_in_another_cell": ([HELPER_CELL, code("""
        def dataset_stats(batches):
            totals = (0, 0.0, 0.0)
            for batch in batches:
                totals = merged(totals, batch)
            count, mean, m2 = totals
            return mean, np.sqrt(m2 / count)

        ex.dataset_stats.check(dataset_stats)
        """)], "passed", None),
}


def test_the_one_pass_stream_of_1_3_shows_in_the_notebook_what_grade_gives(tmp_path):
    paths, shown, texts = [], [], []
    for how, (cells, _, _) in STREAM_ANSWERS.items():
        nb = notebook("01_rescaling", {"dataset_stats": cells}, cells=reduced("01_rescaling"))
        paths.append(tmp_path / f"01_rescaling_{how}.ipynb")
        paths[-1].write_text(json.dumps(nb), encoding="utf-8")
        texts.append({})
        shown.append(simulate(nb["cells"], texts[-1]))
    grades = grade_paths(paths, limits=LIMITS, jobs=2)
    for (how, (_, status, words)), check, text, grade in zip(STREAM_ANSWERS.items(), shown,
                                                             texts, grades):
        [graded_here] = [e for e in grade.exercises if e.id == "dataset_stats"]
        assert check["dataset_stats"] == graded_here.status == status, (how, text, grade)
        if status == "passed":
            assert graded_here.message == "", (how, graded_here.message)
        else:   # the lesson, in the notebook and, for this visible case, in the grade
            assert words in text["dataset_stats"] and words in graded_here.message, (
                how, text["dataset_stats"], graded_here.message)


# ---------------------------------------------------------------- a real Jupyter kernel
KERNEL_PLANS = {
    "00_start_here": {"to_float": ("lambda", "right", ("scratch_later",))},
    "01_rescaling": {"subtract_mean": ("class", "right", ("test_line",)),
                     "standardize": ("def", "right", ("computed",)),
                     "dataset_stats": ("partial", "wrong", ()),
                     "zca_matrix": ("alias", "stub", ())},
    "02_generator": {"rotation_about_center": ("helper_same_cell", "right", ()),
                     "flip": ("def", "right", ("reference",)),
                     "fill_index": ("loop", "raises", ())},
    "03_datasets": {"xywh_to_voc": ("lambda", "right", ("constant", "import_outside")),
                    "rle_counts": ("def", "right", ("library",))},
    "04_map": {"iou": ("class", "wrong", ("scratch_later",)),
               "match": ("def", "right", ("test_line", "import_inside"))},
}


@pytest.mark.parametrize("lesson", sorted(KERNEL_PLANS))
def test_in_a_real_kernel_the_whole_lesson_shows_what_grade_gives(lesson, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = build(lesson, KERNEL_PLANS[lesson], whole=True)
    path = tmp_path / f"{lesson}_kernel.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(course_root() / "solutions")}}).execute()
    shown = {}
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "") or output.get("text", "")
            for status, name in _BADGE.findall(text):
                shown[name] = status.lower()
    result = subprocess.run([sys.executable, "-m", "imgprep_course", "grade", str(path),
                             "--json", "--quiet"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    [submission] = json.loads(result.stdout)["submissions"]
    grade = {e["id"]: e["status"] for e in submission["exercises"]}
    assert shown == grade, (shown, grade)
    for name, (_, quality, extras) in KERNEL_PLANS[lesson].items():
        assert grade[name] == expected_status(quality, extras), name
