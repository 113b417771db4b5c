"""The progress view: in the kernel from the last checks, on the command line as graded."""

import shutil

from imgprep_course.cli import main
from imgprep_course.exercises import _progress, progress
from imgprep_course.exercises import start_here as ex
from imgprep_course.notebooks import course_root

ROOT = course_root()


def test_progress_lists_every_exercise_and_question_with_the_last_check(monkeypatch):
    monkeypatch.setattr(_progress, "_LAST", {})
    view = progress(ex)
    assert view.text.splitlines()[0] == "00_start_here: 0/4 points"
    assert [row[2] for row in view.rows] == ["to_float", "uint8_sum_answer",
                                             "crop_shape_answer", "float_bytes_answer"]
    assert all(row[3] == "not checked yet" for row in view.rows)
    ex.to_float.check(lambda image: image / 255)          # float64: fails
    ex.crop_shape.check("a")
    view = progress("00_start_here")
    assert dict((row[2], row[3]) for row in view.rows) == {
        "to_float": "failed", "uint8_sum_answer": "not checked yet",
        "crop_shape_answer": "passed", "float_bytes_answer": "not checked yet"}
    assert (view.score, view.max_score) == (1, 4)
    assert "imgprep-progress" in view._repr_html_()


def test_a_check_of_another_function_is_not_the_answer(monkeypatch):
    monkeypatch.setattr(_progress, "_LAST", {})

    def to_float(image):
        return image.astype("float32") / 255

    def forgets_to_rescale(image):
        return image.astype("float32")

    ex.to_float.check(to_float)
    ex.to_float.check(forgets_to_rescale)     # a self-test of the checker, not the answer
    assert progress(ex).rows[0][3] == "passed"


def test_the_command_grades_the_saved_notebooks(tmp_path, capsys, monkeypatch):
    shutil.copy(ROOT / "solutions" / "00_start_here.ipynb", tmp_path)
    shutil.copy(ROOT / "lessons" / "01_rescaling.ipynb", tmp_path)
    (tmp_path / "notes.ipynb").write_text("{}")       # not a lesson: not picked by default
    monkeypatch.chdir(tmp_path)
    assert main(["progress", "--sandbox", "off"]) == 0
    out = capsys.readouterr().out
    assert "00_start_here.ipynb (00_start_here): 4/4 points" in out
    assert "01_rescaling.ipynb (01_rescaling): 0/13 points" in out
    assert "1.5  question xray_answer" in out and "not attempted" in out
    assert "notes.ipynb" not in out


def test_the_command_says_when_there_is_nothing_to_show(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["progress"]) == 2
    assert "no lesson notebooks here" in capsys.readouterr().err
