"""The grader's parts: the codec, finding answers, lessons, paths and reports."""

import ast
import io
import json
import subprocess
import sys
import textwrap
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from imgprep_course.exercises import LESSONS, CaseResult, lesson_exercises
from imgprep_course.exercises._batches import Batches
from imgprep_course.grading import (ExerciseGrade, Limits, SubmissionGrade, collect,
                                    grade_exercise, grade_paths, identify_lesson)
from imgprep_course.grading._child import WorkerError
from imgprep_course.grading._answers import (NotebookError, read_notebook, refuses_reference,
                                             setup_sources)
from imgprep_course.grading import _child, _codec, _runner
from imgprep_course.grading._codec import MAX_DEPTH, CodecError, pack, read_frames, unpack
from imgprep_course.grading._report import (class_summary, feedback_names,
                                            summary_markdown, write_gradebook)
from imgprep_course.grading._similarity import findings
from imgprep_course.notebooks import course_root

ROOT = course_root()

# ----------------------------------------------------------------------------- codec

arrays = hnp.arrays(st.sampled_from([np.uint8, np.int64, np.float32, np.float64, np.bool_]),
                    hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                   st.floats(allow_nan=False), arrays)
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=8)


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=60, deadline=None)
@given(values)
def test_pack_round_trips_any_supported_value(value):
    assert same(unpack(pack(value)), value)


def test_pack_refuses_objects_and_deep_nesting():
    with pytest.raises(CodecError, match="is a object"):
        pack([object()])
    with pytest.raises(CodecError, match="dtype <U1"):
        pack(np.array(["a"]))
    deep = 1
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(CodecError, match="nested more than"):
        pack(deep)


def npz_frame(write) -> bytes:
    """A frame whose JSON is ``{"array": "a0"}`` and whose npz is written by ``write``."""
    document = json.dumps({"array": "a0", "scalar": False}).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        write(archive)
    return len(document).to_bytes(8, "big") + document + buffer.getvalue()


def test_unpack_never_unpickles_and_checks_sizes_before_reading():
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(CodecError, match="dtype object"):
        unpack(npz_frame(lambda z: z.writestr("a0.npy", pickled.getvalue())))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    with pytest.raises(CodecError, match="declares more bytes than it holds"):
        unpack(npz_frame(lambda z: z.writestr("a0.npy", header.getvalue())), max_bytes=1000)
    full = io.BytesIO()
    np.save(full, np.zeros(200))
    with pytest.raises(CodecError, match="more than 1000 bytes"):
        unpack(npz_frame(lambda z: z.writestr("a0.npy", full.getvalue())), max_bytes=1000)


def test_frames_that_would_inflate_are_refused_and_all_frames_share_one_budget():
    bomb = io.BytesIO()
    np.save(bomb, np.zeros(10**6))
    compressed = npz_frame(lambda z: z.writestr("a0.npy", bomb.getvalue(),
                                                 compress_type=zipfile.ZIP_DEFLATED))
    assert len(compressed) < 20_000
    with pytest.raises(CodecError, match="a0.npy is compressed"):
        unpack(compressed)
    frame = pack(np.zeros(100))  # 800 bytes of arrays, about 1 kB of frame
    stream = b"".join(len(frame).to_bytes(8, "big") + frame for _ in range(5))
    decoded = read_frames(stream, max_bytes=2500)
    assert [isinstance(v, np.ndarray) for v in decoded] == [True, True, False, False, False]


def test_read_frames_keeps_complete_frames_and_reports_broken_ones():
    frames = [pack({"index": 0}), b"\x00" * 8 + b"garbage", pack({"index": 1})]
    data = b"".join(len(f).to_bytes(8, "big") + f for f in frames)
    first, broken, last = read_frames(data)
    assert first == {"index": 0} and last == {"index": 1}
    assert isinstance(broken, CodecError)
    truncated = read_frames(data[:-1])
    assert len(truncated) == 2 and truncated[0] == first
    assert read_frames(b"\xff" * 8) == []


def test_threads_never_parse_array_headers_at_once(monkeypatch):
    # numpy parses .npy headers with ast.literal_eval, which CPython 3.11 cannot run in
    # two threads at once (gh-106905); the grader unpacks frames in a thread pool
    parse, active, most = ast.literal_eval, [0], [0]

    def overlapping_parse(text):
        active[0] += 1
        most[0] = max(most[0], active[0])
        time.sleep(0.002)  # long enough for another thread to come in, were it let
        active[0] -= 1
        return parse(text)

    monkeypatch.setattr(ast, "literal_eval", overlapping_parse)
    frame = pack([np.arange(3.0), {"b": np.ones((2, 2), np.int32)}])
    with ThreadPoolExecutor(max_workers=4) as pool:
        unpacked = list(pool.map(lambda _: unpack(frame), range(16)))
    assert most[0] == 1
    assert all(value[0].tolist() == [0.0, 1.0, 2.0] and value[1]["b"].sum() == 4
               for value in unpacked)


def stream() -> Batches:
    return Batches([np.arange(6, dtype=np.float32).reshape(1, 2, 1, 3),
                    np.ones((2, 2, 1, 3), np.uint8)])


def test_a_stream_round_trips_fresh_and_unread():
    original = stream()
    sent = [original]
    next(iter(original))   # read already here: the other side gets an unread stream
    [back] = unpack(pack(sent))
    assert type(back) is Batches and back == original and back is not original
    assert [b.dtype.name for b in back] == ["float32", "uint8"]


def document_frame(document, arrays: dict) -> bytes:
    """A frame holding ``document`` (JSON) and ``arrays``, written by hand."""
    text = json.dumps(document).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return len(text).to_bytes(8, "big") + text + buffer.getvalue()


ARRAY = {"array": "a0", "scalar": False}


@pytest.mark.parametrize("document", [
    {"batches": "a0"}, {"batches": {"a": ARRAY}}, {"batches": [{"int": "1"}]},
    {"batches": [{"array": "a0", "scalar": True}]},
    {"batches": [{"array": "a1", "scalar": False}]}, {"batches": [{"array": "a0"}]},
    {"batches": [[ARRAY]]},
    {"batches": [ARRAY, {"array": "a9", "scalar": False}]},
    {"batches": [ARRAY], "scalar": False}, {"batches": [{"batches": [ARRAY]}]}])
def test_malformed_streams_are_refused(document):
    with pytest.raises(CodecError, match="malformed"):
        unpack(document_frame(document, {"a0": np.zeros((2, 3)), "a1": np.zeros(())}))


def test_the_codec_imported_and_loaded_by_path_carry_the_same_stream():
    # imported: the package's class, which encode() recognises
    assert _codec._batches.Batches is Batches
    # loaded by file path, as the grader's worker does: _batches.py by its path too
    by_path = _runner._load("_codec")
    assert by_path.__name__ == "_imgprep__codec"
    assert Path(by_path._batches.__file__) == _codec.BATCHES_PATH.resolve()
    assert by_path._batches.Batches is not Batches
    [back] = by_path.unpack(pack([stream()]))
    assert type(back).__name__ == "Batches" and len(back) == 2
    assert [b.tolist() for b in back] == [b.tolist() for b in stream()]
    assert unpack(by_path.pack(back)) == stream()


def test_the_worker_decodes_a_stream_without_importing_the_course():
    program = textwrap.dedent(f"""
        import importlib.util, sys
        sys.path[:0] = {_child.site_dirs()!r}
        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "imgprep_course":
                    raise ImportError("refused: " + name)
        sys.meta_path.insert(0, Refuse())
        spec = importlib.util.spec_from_file_location("_imgprep__codec", {str(_codec.__file__)!r})
        codec = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(codec)
        [batches] = codec.unpack(sys.stdin.buffer.read())
        print(len(batches), sum(int(b.sum()) for b in batches),
              any(m.split(".")[0] == "imgprep_course" for m in sys.modules))
        """)
    result = subprocess.run([sys.executable, "-I", "-S", "-c", program],
                            input=pack([stream()]), capture_output=True, check=True)
    assert result.stdout.decode().split() == ["2", "27", "False"]


def test_the_similarity_report_names_tracemalloc_which_the_stream_of_1_3_measures_with():
    answer = "import tracemalloc\n\ndef dataset_stats(batches):\n    tracemalloc.stop()"
    assert findings(answer) == ["line 1: uses tracemalloc (exercise 1.3 measures memory "
                                "with it)"]


# --------------------------------------------------------------------------- answers

@pytest.mark.parametrize("code", ["import imgprep_course", "import imgprep_course.rescale as r",
                                  "from imgprep_course import rescale",
                                  "def f():\n    from imgprep_course.images import to_float"])
def test_any_import_of_the_reference_is_refused(code):
    assert "imports imgprep_course, the reference" in refuses_reference(code)


@pytest.mark.parametrize("code", ["import pycocotools.mask", "from pycocotools import mask",
                                  "def f(m):\n    import pycocotools.mask as cm"])
def test_the_peer_the_coco_exercises_match_is_refused(code):
    assert "imports pycocotools, which computes what the COCO exercises ask for" in \
        refuses_reference(code)


@pytest.mark.parametrize("code", ["import importlib", "m = __import__('numpy')",
                                  "from importlib import import_module"])
def test_dynamic_imports_are_refused(code):
    assert "dynamic imports are not allowed" in refuses_reference(code)


def test_notebooks_from_other_editors_are_read():
    v3 = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["def f():\n", "  pass"],
                                     "metadata": {"tags": ["setup"]}}]}], "metadata": {}}
    metadata, cells = read_notebook(b"\xef\xbb\xbf" + json.dumps(v3).encode())
    assert cells == [{"cell_type": "code", "source": "def f():\n  pass", "tags": ["setup"]}]
    assert setup_sources(cells) == ["def f():\n  pass"]
    for bad, message in [(b"\xff\xfe", "invalid JSON"), (b"[1, 2]", "not an object"),
                         (b'{"cells": 3}', "no list of cells")]:
        with pytest.raises(NotebookError, match=message):
            read_notebook(bad)


def test_the_lesson_comes_from_metadata_then_the_file_name(tmp_path):
    assert identify_lesson({"imgprep_course": {"lesson": "01_rescaling"}},
                           tmp_path / "hw.ipynb", LESSONS) == "01_rescaling"
    assert identify_lesson({"imgprep_course": {"lesson": "99_nope"}},
                           tmp_path / "00_start_here_v2.ipynb", LESSONS) == "00_start_here"
    with pytest.raises(ValueError, match="its metadata says lesson 01_rescaling but its "
                                         "file name says 00_start_here"):
        identify_lesson({"imgprep_course": {"lesson": "01_rescaling"}},
                        tmp_path / "00_start_here.ipynb", LESSONS)
    with pytest.raises(ValueError, match="cannot tell which lesson this is"):
        identify_lesson({"imgprep_course": "junk"}, tmp_path / "homework.ipynb", LESSONS)


def test_folders_are_searched_without_checkpoints_or_the_output_folder(tmp_path):
    for name in ["a/x.ipynb", "a/.ipynb_checkpoints/x.ipynb", "b/y.ipynb", "out/z.ipynb",
                 "b/notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = collect([tmp_path, tmp_path / "b" / "y.ipynb"], exclude=tmp_path / "out")
    assert [f.path for f in found] == [tmp_path / "a/x.ipynb", tmp_path / "b/y.ipynb"]
    assert all(f.refusal is None for f in found)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        collect([tmp_path / "missing"])


def test_limits_refuse_nonsense():
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        Limits(timeout=0)
    with pytest.raises(ValueError, match="memory must be a positive number of bytes"):
        Limits(memory=-1)


def test_answers_that_cannot_run_are_graded_without_a_process():
    exercise = lesson_exercises("00_start_here")[0]
    missing = grade_exercise(exercise, None, [])
    assert (missing.status, missing.message) == ("not attempted", "no cell defines to_float()")
    refused = grade_exercise(exercise, "import importlib\ndef to_float(x):\n    return x", [])
    assert (refused.status, refused.score) == ("error", 0)


def test_answer_cells_run_alone_and_say_so(tmp_path):
    exercise = lesson_exercises("00_start_here")[0]
    helper = grade_exercise(exercise, "def to_float(image):\n    return helper(image)\n",
                            ["import numpy as np"], limits=Limits(timeout=20))
    assert helper.status == "error"
    assert helper.message.startswith(
        "case 1: NameError: name 'helper' is not defined (line 2 of your answer: return "
        "helper(image)) (the grader runs only your answer's definitions")
    not_function = grade_exercise(exercise, "def to_float(x):\n    pass\nto_float = 3\n",
                                  [], limits=Limits(timeout=20))
    assert not_function.message == "case 1: to_float is not a function in the answer cell"


def test_an_error_names_the_notebook_cell_and_line_it_came_from(tmp_path):
    notebook = json.loads((ROOT / "solutions" / "00_start_here.ipynb").read_text())
    at = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"
              and "def to_float(" in "".join(c["source"]))
    helper = {"cell_type": "code", "id": "helper", "metadata": {}, "outputs": [],
              "execution_count": None,
              "source": "def scale(image):\n    if image.size > 0:\n"
                        "        raise ValueError('too big for me')\n    return image / 255"}
    notebook["cells"][at]["source"] = ("def to_float(image):\n"
                                       "    return scale(image.astype(np.float32))\n"
                                       "\nex.to_float.check(to_float)")
    notebook["cells"].insert(at, helper)
    path = tmp_path / "00_start_here.ipynb"
    path.write_text(json.dumps(notebook))
    [grade] = grade_paths([path], limits=Limits(timeout=30))
    to_float = grade.exercises[0]
    assert to_float.status == "error"
    # the helper's cell is cell at + 1 (counting every cell from 1); its line 3 raised
    assert f"ValueError on cell {at + 1}, line 3: raise ValueError('too big for me')" \
        in to_float.message or f"ValueError: too big for me (cell {at + 1}, line 3: " \
        "raise ValueError('too big for me'))" in to_float.message, to_float.message


def test_origins_from_the_intake_are_checked():
    from imgprep_course.grading import _origins

    assert _origins([["cell 3", 1], ["cell 4", 2]]) == (("cell 3", 1), ("cell 4", 2))
    for bad in (None, [["cell 3", 1], ["\x1b[2J", 2]], [["cell 3", True]], [["cell 3"]],
                [["cell 3", -1]], "cell 3"):
        assert _origins(bad) == ()


# --------------------------------------------------------------------------- reports

def grades_for(statuses_per_student):
    grades = []
    for i, statuses in enumerate(statuses_per_student):
        exercises = []
        for exercise, status in zip(lesson_exercises("01_rescaling"), statuses):
            results = [CaseResult(0, "passed")] + ([] if status == "passed" else
                                                   [CaseResult(1, status, "why")])
            score = exercise.points if status == "passed" else 0
            exercises.append(ExerciseGrade(exercise.id, score, exercise.points, status,
                                           "", results))
        grades.append(SubmissionGrade(f"=student{i}.ipynb", "01_rescaling",
                                      sum(e.score for e in exercises), 10, exercises))
    return grades


def test_summary_ranks_exercises_and_cases_by_failures():
    grades = grades_for([("passed", "failed", "passed", "timeout"),
                         ("passed", "failed", "error", "passed"),
                         ("passed", "passed", "passed", "passed")])
    summary = class_summary(grades)
    assert summary["submissions"] == 3
    assert [(e["id"], e["passed"]) for e in summary["exercises"]] == [
        ("standardize", 1), ("dataset_stats", 2), ("zca_matrix", 2), ("subtract_mean", 3)]
    assert summary["cases"][0] == {"lesson": "01_rescaling", "exercise": "standardize",
                                   "case": 2, "hidden": False, "ran": 2, "not passed": 2}
    assert "| 01_rescaling | standardize | 2 | 2 | 2 |" in summary_markdown(summary)


def test_gradebook_has_a_row_per_submission_and_escapes_formulas(tmp_path):
    grades = grades_for([("passed", "failed", "passed", "passed")])
    grades.append(SubmissionGrade("mystery.ipynb", None, error="cannot tell"))
    write_gradebook(grades, tmp_path / "book.csv")
    assert (tmp_path / "book.csv").read_text().splitlines() == [
        "submission,lesson,score,max_score,sandbox,subtract_mean,standardize,dataset_stats,"
        "zca_matrix,xray_answer,test_statistics_answer,whitened_covariance_answer",
        "'=student0.ipynb,01_rescaling,8,10,on,2,0,3,3,,,", "mystery.ipynb,,0,0,on,,,,,,,"]


def test_feedback_names_are_distinct_and_safe():
    names = feedback_names(["c/a b/x.ipynb", "c/a_b/x.ipynb", "c/z/../y.ipynb"])
    assert len(set(names.values())) == 3
    assert all("/" not in n and " " not in n for n in names.values())


def test_a_set_up_that_cannot_run_stops_grading_with_a_reason():
    exercise = lesson_exercises("00_start_here")[0]
    with pytest.raises(WorkerError, match="did not start: ModuleNotFoundError: No module "
                                          "named 'no_such_module'"):
        grade_exercise(exercise, "def to_float(x):\n    return x\n",
                       ["import no_such_module"], limits=Limits(timeout=20))
