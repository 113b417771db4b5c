"""The autograder against hostile and messy submissions, each with its exact score.

Every submission is built from the solution notebook with one kind of mischief, graded
in one class run (two answers at a time, 3 s per answer, 1 GiB per answer), and must
leave every file of the class folder byte for byte as it was.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from imgprep_course.cli import main
from imgprep_course.exercises import lesson_exercises, lesson_questions
from imgprep_course.exercises._compare import describe
from imgprep_course.grading import ClassGrades, Limits, SubmissionGrade, _child, grade_paths
from imgprep_course.grading._report import feedback_html, feedback_markdown, write_outputs
from imgprep_course.notebooks import course_root

#: The ids of lesson 01's questions (graded too: each solution answers them right).
QUESTIONS_01 = tuple(q.id for q in lesson_questions("01_rescaling"))

LIMITS = Limits(timeout=3, memory=2**30, sandbox=True)


def solution(lesson: str) -> dict:
    return json.loads((course_root() / "solutions" / f"{lesson}.ipynb").read_text("utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def answer_index(notebook: dict, name: str) -> int:
    return next(i for i, c in enumerate(notebook["cells"])
                if c["cell_type"] == "code" and f"def {name}(" in source(c))


def with_answer(notebook: dict, name: str, code: str) -> dict:
    notebook["cells"][answer_index(notebook, name)]["source"] = code
    return notebook


def code_cell(code: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": code}


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


PATCH_NUMPY = '''import numpy as np

def subtract_mean(images):
    np.isclose = lambda *a, **k: np.True_
    np.allclose = lambda *a, **k: True
    np.array_equal = lambda *a, **k: True
    return images          # wrong: the patches above must not make it pass

ex.subtract_mean.check(subtract_mean)
'''
PATCH_CHECKER_CELL = '''ex.subtract_mean.judge = lambda *a, **k: None
ex.subtract_mean.status_of = lambda results: "passed"
ex.standardize.points = 100
'''
FAKE_OUTPUT = '''import json, os, sys

def forge():
    fake = {"submissions": [{"path": "x", "lesson": "01_rescaling", "score": 10,
            "max_score": 10, "exercises": []}]}
    print(json.dumps(fake))
    sys.__stdout__.write(json.dumps(fake))
    os.write(1, b"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x10" + b"forged frame bytes")
    for i in range(5):
        with open(f"case{i}.json", "w") as f:
            json.dump({"outcome": "returned", "message": "", "value": None}, f)

forged = forge()

def standardize(images, per_channel):
    print('{"outcome": "returned", "index": 0}', forged)
    return images          # wrong

ex.standardize.check(standardize)
'''
ENDLESS = '''def dataset_stats(batches):
    while True:
        pass
'''
MEMORY_HOG = '''import numpy as np

def zca_matrix(x, eps):
    blocks = []
    while True:
        blocks.append(np.empty(2**26))
'''
STUB = '''def zca_matrix(x, eps):
    # YOUR CODE HERE
    raise NotImplementedError


ex.zca_matrix.check(zca_matrix)
'''
DELETES = '''import glob, os, shutil

def wipe():
    targets = ["..", "../..", "{folder}", *glob.glob("{folder}/*")]
    for target in targets:
        shutil.rmtree(target, ignore_errors=True)
        for path in glob.glob(os.path.join(target, "**", "*"), recursive=True):
            for attempt in (os.remove, lambda p: open(p, "w").close(),
                            lambda p: os.chmod(p, 0)):
                try:
                    attempt(path)
                except OSError:
                    pass
    os.chdir("/")

wiped = wipe()

def subtract_mean(images):
    wiped
    images = images.astype(np.float32)
    return images - images.mean(axis=(1, 2, 3), keepdims=True)
'''
COPYCAT = '''import json

def subtract_mean(images):
    try:               # wrong, unless a classmate's answer can be read
        with open("{folder}/01_rescaling_solution.ipynb") as f:
            classmate = json.load(f)
        namespace = {{"np": np}}
        exec(next("".join(c["source"]) for c in classmate["cells"]
                  if "def subtract_mean(" in "".join(c["source"])).replace("ex.", "# ex."),
             namespace)
        return namespace["subtract_mean"](images)
    except OSError:
        return images
'''
IMPORTS = {
    "subtract_mean": '''from imgprep_course.rescale import subtract_mean as reference

def subtract_mean(images):
    return reference(images, axis=(1, 2, 3))
''',
    "standardize": '''exec("from imgprep_course import rescale")

def standardize(images, per_channel):
    return rescale.standardize(images, axis=(1, 2) if per_channel else (1, 2, 3))
''',
    "dataset_stats": '''import sys

def load():
    sys.meta_path[:] = [f for f in sys.meta_path if "Refuse" not in type(f).__name__]
    namespace = {}
    exec("import imgprep_" + "course.rescale as rescale", namespace)
    return namespace["rescale"]

rescale = load()

def dataset_stats(batches):
    return rescale.dataset_stats(batches, per_channel=True)
''',
}


def messy(notebook: dict) -> dict:
    """No markdown, code cells in reverse order, two answers duplicated, one deleted,
    saved the way another editor might: one string per source, no ids, nbformat 4.0, no
    metadata."""
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"
            and "def zca_matrix(" not in source(c)][::-1]
    subtract = code[next(i for i, c in enumerate(code) if "def subtract_mean(" in source(c))]
    code.insert(0, dict(subtract, source="def subtract_mean(images):\n    return images\n"))
    code.append(dict(code[next(i for i, c in enumerate(code)
                               if "def standardize(" in source(c))],
                     source="def standardize(images, per_channel):\n    return images\n"))
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": source(c)} for c in code]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 0}


def lesson_01_class(folder: Path) -> dict[str, tuple[int, dict]]:
    """The submissions: file name -> (expected score, expected status per exercise)."""
    passed = {"subtract_mean": "passed", "standardize": "passed", "dataset_stats": "passed",
              "zca_matrix": "passed", **dict.fromkeys(QUESTIONS_01, "passed")}
    plans = {}

    def add(name, notebook, score, **statuses):
        """``score`` counts the exercises; every submission answers the questions right."""
        (folder / name).write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        plans[name] = (score + len(QUESTIONS_01), {**passed, **statuses})

    add("01_rescaling_solution.ipynb", solution("01_rescaling"), 10)
    patched = with_answer(solution("01_rescaling"), "subtract_mean", PATCH_NUMPY)
    patched["cells"].insert(3, code_cell(PATCH_CHECKER_CELL))
    add("patched_checker.ipynb", patched, 8, subtract_mean="failed")
    add("fake_output.ipynb", with_answer(solution("01_rescaling"), "standardize", FAKE_OUTPUT),
        8, standardize="failed")
    exits = solution("01_rescaling")
    exits["cells"][2:2] = [code_cell("import os\nos._exit(3)"), code_cell("raise SystemExit"),
                           code_cell("1 / 0")]
    add("exits_outside.ipynb", exits, 10)
    add("endless_loop.ipynb", with_answer(solution("01_rescaling"), "dataset_stats", ENDLESS),
        7, dataset_stats="timeout")
    add("memory_hog.ipynb", with_answer(solution("01_rescaling"), "zca_matrix", MEMORY_HOG),
        7, zca_matrix="error")
    add("stub.ipynb", with_answer(solution("01_rescaling"), "zca_matrix", STUB), 7,
        zca_matrix="not attempted")
    add("deletes_files.ipynb", with_answer(solution("01_rescaling"), "subtract_mean",
                                           DELETES.format(folder=folder)), 10)
    add("copycat.ipynb", with_answer(solution("01_rescaling"), "subtract_mean",
                                     COPYCAT.format(folder=folder)), 8, subtract_mean="failed")
    imports = solution("01_rescaling")
    for name, code in IMPORTS.items():
        with_answer(imports, name, code)
    add("imports_reference.ipynb", imports, 3, subtract_mean="error", standardize="error",
        dataset_stats="error")
    (folder / "01_rescaling-messy.ipynb").write_bytes(
        b"\xef\xbb\xbf" + json.dumps(messy(solution("01_rescaling")), indent=4,
                                     sort_keys=True).encode("utf-8"))
    # the cell that calls the check wins over the later scratch definition of standardize
    plans["01_rescaling-messy.ipynb"] = (7 + len(QUESTIONS_01),
                                         {**passed, "zca_matrix": "not attempted"})
    (folder / "notes.txt").write_text("a file next to the submissions\n")
    return plans


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    if not _child.sandbox_available()[0]:
        if os.environ.get("IMGPREP_REQUIRE_SANDBOX") == "1":
            pytest.fail("IMGPREP_REQUIRE_SANDBOX=1 but the sandbox cannot start: "
                        + _child.sandbox_available()[1])
        pytest.skip("Linux user namespaces are not available (the hostile tests need the "
                    "sandbox): " + _child.sandbox_available()[1])
    root = tmp_path_factory.mktemp("grading")
    folder, scratch = root / "class", root / "tmp"
    folder.mkdir()
    scratch.mkdir()
    plans = lesson_01_class(folder)
    before = snapshot(root)
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)  # scratch/.. reaches the class
    try:
        grades = grade_paths([folder], limits=LIMITS, jobs=2)
    finally:
        tempfile.tempdir = saved
    return folder, plans, {Path(g.path).name: g for g in grades}, before, snapshot(root)


def test_every_hostile_or_messy_submission_gets_its_exact_score(graded_class):
    _, plans, grades, _, _ = graded_class
    assert sorted(grades) == sorted(plans)
    for name, (score, statuses) in plans.items():
        grade = grades[name]
        got = {e.id: e.status for e in grade.exercises}
        assert (grade.score, got) == (score, statuses), (name, grade)
        assert grade.max_score == 10 + len(QUESTIONS_01) and grade.lesson == "01_rescaling"


def test_no_file_of_the_class_changes(graded_class):
    _, _, _, before, after = graded_class
    assert after == before


def test_the_reasons_are_given(graded_class):
    _, _, grades, _, _ = graded_class
    messages = {name: {e.id: e.message for e in g.exercises} for name, g in grades.items()}
    assert "ran out of time (3 s per answer)" in messages["endless_loop.ipynb"]["dataset_stats"]
    assert "MemoryError" in messages["memory_hog.ipynb"]["zca_matrix"]
    assert "memory limit is 1024 MiB" in messages["memory_hog.ipynb"]["zca_matrix"]
    imports = messages["imports_reference.ipynb"]
    assert "imports imgprep_course, the reference implementation" in imports["subtract_mean"]
    assert "reference implementation" in imports["standardize"]
    assert "ModuleNotFoundError" in imports["dataset_stats"]
    assert messages["stub.ipynb"]["zca_matrix"] == "not attempted yet"


def test_answers_are_judged_in_the_grader_not_by_the_student(graded_class):
    _, _, grades, _, _ = graded_class
    patched = grades["patched_checker.ipynb"].exercises[0]
    assert patched.message.startswith("case 1: your result at index")


def test_outputs_land_only_in_the_named_folder(graded_class, tmp_path):
    folder, _, grades, _, _ = graded_class
    out = tmp_path / "out"
    ordered = [grades[name] for name in sorted(grades)]
    write_outputs(ClassGrades(ordered, 7, True), out, feedback="html")
    assert sorted(p.name for p in out.iterdir()) == [
        "feedback", "gradebook.csv", "grades.json", "similarity.md", "summary.json",
        "summary.md"]
    assert len(list((out / "feedback").glob("*.html"))) == len(grades)
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[0] == ("submission,lesson,score,max_score,sandbox,subtract_mean,standardize,"
                       "dataset_stats,zca_matrix," + ",".join(QUESTIONS_01))
    assert len(rows) == 1 + len(grades)
    assert any(row.endswith("endless_loop.ipynb,01_rescaling,10,13,on,2,2,0,3,1,1,1")
               for row in rows)
    summary = json.loads((out / "summary.json").read_text())
    worst = summary["exercises"][0]
    assert (worst["id"], worst["submissions"] - worst["passed"]) == ("subtract_mean", 3)
    assert summary["cases"][0]["not passed"] >= 2
    assert "# Class summary (11 submissions)" in (out / "summary.md").read_text()
    page = (out / "feedback" / "fake_output.html").read_text()
    assert "Score: <b>11/13</b>" in page and "<script" not in page


# ---------------------------------------------------------------------------- lesson 00

KILLS = '''import os, signal

def kill():
    for pid in (os.getppid(), -1):
        try:
            if os.getpid() == 1:       # only inside the sandbox's PID namespace
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

def to_float(image):
    kill()
    return image.astype(np.float32) / 255
'''
FORKS = '''import os, threading

def fork():
    children = 0
    for _ in range(200):
        try:
            if os.fork() == 0:
                while True:
                    pass
            children += 1
        except OSError:
            break
    try:
        threading.Thread(target=lambda: None).start()
    except RuntimeError:
        pass
    assert children == 0, children

forked = fork()

def to_float(image):
    forked
    return image.astype(np.float32) / 255
'''
FILLS_DISK = '''def fill():
    written = 0
    for i in range(200):
        try:
            with open(f"junk{i}", "wb") as f:
                f.write(bytes(2**19))
            written += 1
        except OSError:
            break
    return written

written = fill()

def to_float(image):
    return image.astype(np.float32) / (255 if written <= 2 else 1)
'''
HUGE = '''def to_float(image):
    return np.zeros(2**20)
'''
HIDDEN_WRONG = '''def to_float(image):
    out = image.astype(np.float32) / 255
    return out if image.ndim == 3 or image.shape[0] == 1 else out + 1
'''


def grade_00(tmp_path, answers: dict, limits=LIMITS):
    folder, files = tmp_path / "class", []
    folder.mkdir()
    for name, code in answers.items():
        path = folder / f"00_start_here_{name}.ipynb"
        path.write_text(json.dumps(with_answer(solution("00_start_here"), "to_float", code)))
        files.append(path)
    before = snapshot(folder)
    grades = grade_paths(files, limits=limits, jobs=2)
    assert snapshot(folder) == before
    return {Path(g.path).stem.removeprefix("00_start_here_"): g.exercises[0] for g in grades}


@pytest.fixture
def sandboxed(require_sandbox):
    """The tests below need the sandbox (see conftest.py)."""


NETWORK = '''import os, socket
visible = [p for p in os.listdir("/proc") if p.isdigit()]

def to_float(image):
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
        return image                          # wrong, if the grader's network is reachable
    except OSError:
        return image.astype(np.float32) / 255
'''


def test_no_other_process_or_network_is_within_reach(tmp_path, sandboxed):
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = server.getsockname()[1]
        grades = grade_00(tmp_path, {"kills": KILLS, "network": NETWORK.format(port=port),
                                     "honest": HIDDEN_WRONG.replace(" + 1", "")})
        with pytest.raises(BlockingIOError):
            server.accept()
    assert (grades["kills"].status, grades["kills"].score) == ("passed", 1)
    assert (grades["network"].status, grades["network"].score) == ("passed", 1)
    assert grades["honest"].status == "passed"


def test_fork_bombs_disk_fillers_and_huge_outputs_are_stopped(tmp_path, sandboxed):
    limits = Limits(timeout=3, memory=2**30, max_output=2**20, sandbox=True)
    grades = grade_00(tmp_path, {"forks": FORKS, "fills": FILLS_DISK, "huge": HUGE}, limits)
    assert (grades["forks"].status, grades["forks"].score) == ("passed", 1)
    assert (grades["fills"].status, grades["fills"].score) == ("passed", 1)
    assert grades["huge"].status == "error"
    assert "returned more than the 1 MiB allowed per answer" in grades["huge"].message


def test_only_the_allowed_packages_are_exposed(tmp_path, sandboxed):
    exposed = _child.exposed_paths()
    names = {Path(p).name for p in exposed}
    assert {"numpy", "matplotlib", "PIL"} <= names
    assert not any(refused in p for p in exposed for refused in ("imgprep_course",
                                                                 "pycocotools"))
    assert not any(p.rstrip("/").endswith(("site-packages", "dist-packages")) for p in exposed)
    sneaky = '''import sys

def load():
    sys.meta_path[:] = [f for f in sys.meta_path if "Refuse" not in type(f).__name__]
    namespace = {}
    exec("import imgprep_" + "course as reference", namespace)
    return namespace["reference"]

reference = load()

def to_float(image):
    return reference.to_float(image)
'''
    grades = grade_00(tmp_path, {"sneaky": sneaky})
    assert (grades["sneaky"].status, grades["sneaky"].score) == ("error", 0)
    assert "ModuleNotFoundError" in grades["sneaky"].message


def test_hidden_cases_never_show_their_expected_values(tmp_path):
    grades = grade_00(tmp_path, {"wrong": HIDDEN_WRONG}, Limits(timeout=10))
    grade = grades["wrong"]
    assert (grade.status, grade.message.split(":")[0]) == ("failed", "case 4")
    exercise = lesson_exercises("00_start_here")[0]
    hidden = exercise.cases()[3]
    assert hidden.hidden
    expected = exercise.expected(hidden)
    submission = SubmissionGrade("x.ipynb", "00_start_here", 0, 1, [grade])
    for text in (feedback_markdown(submission), feedback_html(submission), grade.message):
        assert describe(expected) not in text
        assert not any(f"{v:.6g}" in text for v in expected.ravel() if v not in (0, 1))
        assert not any(f"{v + 1:.6g}" in text for v in expected.ravel() if v not in (0, 1))
    assert "hidden" in feedback_markdown(submission)


def test_without_the_sandbox_scores_are_still_computed_by_the_grader(tmp_path):
    grades = grade_00(tmp_path, {"prints": FAKE_OUTPUT.replace("standardize", "to_float")
                                 .replace("images, per_channel", "images"),
                                 "honest": HIDDEN_WRONG.replace(" + 1", "")},
                      Limits(timeout=10, sandbox=False))
    assert (grades["prints"].status, grades["honest"].status) == ("error", "passed")
    assert "PermissionError in cell" in grades["prints"].message  # no writes
    assert 'line 10: with open(f"case{i}.json", "w") as f:' in grades["prints"].message


# ---------------------------------------------------------------------------- the CLI

def cli(*args):
    """The real command line, in a fresh process."""
    return subprocess.run([sys.executable, "-m", "imgprep_course", "grade", *args, "--quiet"],
                          capture_output=True, text=True, timeout=600)


def grade_command(capsys, *args):
    """The command line in this process: (exit status, stdout, stderr)."""
    status = main(["grade", *args, "--quiet"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_json_contract_for_the_solution_and_the_untouched_lesson():
    root = course_root()
    result = cli(str(root / "solutions" / "01_rescaling.ipynb"),
                 str(root / "lessons" / "01_rescaling.ipynb"), "--json", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["seed", "sandbox", "submissions"]
    assert document["sandbox"] == "on" and isinstance(document["seed"], int)
    solved, untouched = document["submissions"]
    for submission in (solved, untouched):
        assert list(submission) == ["path", "lesson", "score", "max_score", "exercises"]
        assert submission["lesson"] == "01_rescaling" and submission["max_score"] == 13
        for exercise in submission["exercises"]:
            assert list(exercise) == ["id", "score", "max_score", "status", "message"]
    assert [e["id"] for e in solved["exercises"]][4:] == list(QUESTIONS_01)
    assert solved["score"] == 13
    assert {e["status"] for e in solved["exercises"]} == {"passed"}
    assert untouched["score"] == 0
    assert {e["status"] for e in untouched["exercises"]} == {"not attempted"}


def test_table_out_folder_and_exit_codes(tmp_path, capsys):
    good = tmp_path / "class" / "ada" / "00_start_here.ipynb"
    good.parent.mkdir(parents=True)
    good.write_text(json.dumps(solution("00_start_here")))
    broken = tmp_path / "class" / "bob" / "00_start_here.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ this is not json")
    checkpoint = tmp_path / "class" / "ada" / ".ipynb_checkpoints" / "00_start_here.ipynb"
    checkpoint.parent.mkdir()
    checkpoint.write_text("{}")
    out = tmp_path / "class" / "graded"
    status, stdout, _ = grade_command(capsys, str(tmp_path / "class"), "--out", str(out),
                                      "--feedback", "md")
    assert status == 0
    assert "ada/00_start_here.ipynb  (00_start_here)  4/4" in stdout
    assert "to_float                1/1  passed" in stdout
    assert "bob/00_start_here.ipynb  (00_start_here)  0/4" in stdout
    assert "not a notebook (invalid JSON" in stdout
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [
        "ada__00_start_here.md", "bob__00_start_here.md"]
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows == ["submission,lesson,score,max_score,sandbox,to_float,uint8_sum_answer,"
                    "crop_shape_answer,float_bytes_answer",
                    f"{good},00_start_here,4,4,on,1,1,1,1",
                    f"{broken},00_start_here,0,4,on,0,0,0,0"]
    status, stdout, _ = grade_command(capsys, str(tmp_path / "class"), "--out", str(out),
                                      "--json", "--sandbox", "off")
    assert [s["path"] for s in json.loads(stdout)["submissions"]] == [str(good), str(broken)]
    unknown = tmp_path / "homework.ipynb"
    unknown.write_text(json.dumps({"cells": [], "metadata": {}}))
    status, stdout, stderr = grade_command(capsys, str(unknown), "--json")
    assert status == 1
    assert "cannot tell which lesson this is" in stderr
    assert json.loads(stdout)["submissions"][0]["lesson"] is None
    status, _, stderr = grade_command(capsys, str(tmp_path / "missing.ipynb"))
    assert status == 2 and "no such file or folder" in stderr


def test_a_stub_loses_exactly_that_exercises_points(tmp_path, capsys):
    notebook = with_answer(solution("01_rescaling"), "standardize",
                           "def standardize(images, per_channel):\n    # YOUR CODE HERE\n"
                           "    raise NotImplementedError\n")
    path = tmp_path / "01_rescaling.ipynb"
    path.write_text(json.dumps(notebook))
    status, stdout, _ = grade_command(capsys, str(path), "--json", "--jobs", "2")
    submission = json.loads(stdout)["submissions"][0]
    assert (status, submission["score"]) == (0, 8 + len(QUESTIONS_01))
    assert [e["status"] for e in submission["exercises"]] == [
        "passed", "not attempted", "passed", "passed", *["passed"] * len(QUESTIONS_01)]


KILLS_WORKER = '''import os, signal

def to_float(image):
    os.kill(os.getppid(), signal.SIGKILL)
    return image.astype(np.float32) / 255
'''


def test_outside_the_sandbox_an_answer_cannot_signal_its_worker(tmp_path):
    grades = grade_00(tmp_path, {"a_kills": KILLS_WORKER,
                                 "b_honest": HIDDEN_WRONG.replace(" + 1", "")},
                      Limits(timeout=10, sandbox=False))
    assert (grades["a_kills"].status, grades["a_kills"].score) == ("error", 0)
    assert "PermissionError in cell" in grades["a_kills"].message
    assert "line 4: os.kill(os.getppid(), signal.SIGKILL)" in grades["a_kills"].message
    assert grades["b_honest"].status == "passed"
