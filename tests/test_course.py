"""`imgprep-course start`: lessons copied into the student's folder, edits never overwritten."""

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from imgprep_course import cli, notebooks
from imgprep_course.course import copy_lessons, lesson_file, lessons_folder
from imgprep_course.notebooks import course_root, dumps, lesson_from_solution


def _ship(folder, text="# Demo"):
    """Write a one-lesson course (as the builder writes it) into ``folder``."""
    solution = new_notebook(cells=[new_markdown_cell(text), new_code_cell("x = 1")])
    for i, cell in enumerate(solution.cells):
        cell.id = f"c{i}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "09_demo.ipynb").write_text(dumps(lesson_from_solution(solution, "09_demo.ipynb")),
                                          encoding="utf-8")
    return folder


def _edit(path):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source = "x = 2  # the student's answer"
    nbformat.write(notebook, path)
    return path.read_bytes()


def _actions(copied):
    return [(c.lesson, c.action, c.offered) for c in copied]


def test_first_start_adds_every_lesson_and_a_second_changes_nothing(tmp_path):
    shipped = _ship(tmp_path / "v1")
    student = tmp_path / "student"
    assert _actions(copy_lessons(student, shipped)) == [("09_demo.ipynb", "added", None)]
    assert (student / "09_demo.ipynb").read_bytes() == (shipped / "09_demo.ipynb").read_bytes()
    assert _actions(copy_lessons(student, shipped)) == [("09_demo.ipynb", "unchanged", None)]


def test_an_edited_lesson_is_kept_when_the_course_did_not_change(tmp_path):
    shipped, student = _ship(tmp_path / "v1"), tmp_path / "student"
    copy_lessons(student, shipped)
    edited = _edit(student / "09_demo.ipynb")
    assert _actions(copy_lessons(student, shipped)) == [("09_demo.ipynb", "kept", None)]
    assert (student / "09_demo.ipynb").read_bytes() == edited
    assert not (student / "09_demo.new.ipynb").exists()


def test_a_newer_version_updates_an_untouched_lesson(tmp_path):
    student = tmp_path / "student"
    copy_lessons(student, _ship(tmp_path / "v1"))
    newer = _ship(tmp_path / "v2", "# Demo, revised")
    assert _actions(copy_lessons(student, newer)) == [("09_demo.ipynb", "updated", None)]
    assert (student / "09_demo.ipynb").read_bytes() == (newer / "09_demo.ipynb").read_bytes()


def test_a_newer_version_is_offered_beside_an_edited_lesson(tmp_path):
    student = tmp_path / "student"
    copy_lessons(student, _ship(tmp_path / "v1"))
    edited = _edit(student / "09_demo.ipynb")
    newer = _ship(tmp_path / "v2", "# Demo, revised")
    copied = copy_lessons(student, newer)
    assert _actions(copied) == [("09_demo.ipynb", "offered", "09_demo.new.ipynb")]
    assert "kept your edits; the new version is 09_demo.new.ipynb" in str(copied[0])
    assert (student / "09_demo.ipynb").read_bytes() == edited
    offered = student / "09_demo.new.ipynb"
    assert offered.read_bytes() == (newer / "09_demo.ipynb").read_bytes()
    # the student starts working in the offered copy: a still newer version keeps it too
    work = _edit(offered)
    copy_lessons(student, _ship(tmp_path / "v3", "# Demo, revised again"))
    assert offered.read_bytes() == work and (student / "09_demo.ipynb").read_bytes() == edited


def test_an_unreadable_lesson_counts_as_edited(tmp_path):
    student = tmp_path / "student"
    copy_lessons(student, _ship(tmp_path / "v1"))
    (student / "09_demo.ipynb").write_text("{ half a notebook")
    copy_lessons(student, _ship(tmp_path / "v2", "# Demo, revised"))
    assert (student / "09_demo.ipynb").read_text() == "{ half a notebook"
    assert (student / "09_demo.new.ipynb").exists()


def test_the_destination_must_be_a_folder_and_the_source_hold_lessons(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="destination must be a folder"):
        copy_lessons(tmp_path / "file", _ship(tmp_path / "v1"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no lessons in"):
        copy_lessons(tmp_path / "student", tmp_path / "empty")


def test_in_a_checkout_the_shipped_lessons_are_lessons_folder():
    assert lessons_folder() == course_root() / "lessons"
    assert lesson_file("01_rescaling") == course_root() / "lessons" / "01_rescaling.ipynb"
    with pytest.raises(FileNotFoundError, match="ships no lesson '99_nothing'"):
        lesson_file("99_nothing")


def test_start_copies_then_opens_jupyterlab_there_with_the_options_passed_on(
        tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, cwd: calls.append((command, cwd)) or 0)
    folder = tmp_path / "course"
    assert cli.main(["start", str(folder), "--no-browser", "--ServerApp.port=8899"]) == 0
    assert calls == [([sys.executable, "-m", "jupyterlab", "--no-browser",
                       "--ServerApp.port=8899"], str(folder))]
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(
        p.name for p in lessons_folder().glob("*.ipynb"))
    assert "00_start_here.ipynb: added" in capsys.readouterr().out


def test_start_with_no_lab_only_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("JupyterLab started"))
    assert cli.main(["start", str(tmp_path / "course"), "--no-lab"]) == 0
    assert (tmp_path / "course" / "00_start_here.ipynb").is_file()


def test_start_into_a_file_is_an_error(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert cli.main(["start", str(tmp_path / "file"), "--no-lab"]) == 1
    assert "destination must be a folder" in capsys.readouterr().err


def test_other_commands_refuse_options_they_do_not_know(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["coco-eval", "gt.json", "dt.json", "--no-browser"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --no-browser" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["build-lessons"], ["run-solutions"], ["site", "out"]])
def test_developer_commands_without_a_checkout_say_so_in_one_line(command, monkeypatch, capsys):
    def no_checkout():
        raise notebooks.NoCheckoutError("needs the course's source checkout")
    monkeypatch.setattr(notebooks, "course_root", no_checkout)
    monkeypatch.setattr("imgprep_course.website.course_root", no_checkout)
    assert cli.main(command) == cli.NO_CHECKOUT
    err = capsys.readouterr().err
    assert err == f"{command[0]}: needs the course's source checkout\n"


def test_help_marks_the_course_developer_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    lines = " ".join(capsys.readouterr().out.split())
    for command in ("build-lessons", "run-solutions", "site"):
        assert f"{command} {cli.DEVELOPER}" in lines
    assert f"grade {cli.DEVELOPER}" not in lines and f"start {cli.DEVELOPER}" not in lines
    assert f"exit with status {cli.NO_CHECKOUT}" in lines
