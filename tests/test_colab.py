"""Open in Colab: each lesson's first cell installs the course there, and only there.

Colab is simulated: a fake ``google.colab`` module in ``sys.modules`` and a recorded
``subprocess.run`` instead of a real ``pip install``.
"""

import subprocess
import sys
import types

import nbformat
import pytest

from imgprep_course.course import repository_url
from imgprep_course.notebooks import course_root

ROOT = course_root()
NOTEBOOKS = [*sorted((ROOT / "lessons").glob("*.ipynb")),
             *sorted((ROOT / "solutions").glob("*.ipynb"))]


def _first_cell(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4).cells[0]


@pytest.fixture
def recorded(monkeypatch):
    """Record every ``subprocess.run`` call instead of running it."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.fixture
def colab(monkeypatch):
    """A fake ``google.colab`` (with ``output.enable_custom_widget_manager``), as in Colab."""
    widget_manager = []
    google, colab, output = (types.ModuleType(name) for name in
                             ("google", "google.colab", "google.colab.output"))
    output.enable_custom_widget_manager = lambda: widget_manager.append(True)
    google.colab, colab.output = colab, output
    for module in (google, colab, output):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    return widget_manager


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_in_colab_the_first_cell_installs_the_course_from_its_repository(path, recorded, colab):
    cell = _first_cell(path)
    assert cell.cell_type == "code"
    exec(cell.source, {})
    assert len(recorded) == 1, "one pip call"
    (command,), options = recorded[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == f"imgprep-course @ git+{repository_url()}"
    assert options == {"check": True}, "a failed install stops the notebook"
    assert colab == [True], "Colab's widget manager is switched on"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_outside_colab_the_first_cell_does_nothing(path, recorded):
    assert "google.colab" not in sys.modules
    exec(_first_cell(path).source, {})
    assert recorded == []


def test_every_lesson_has_the_same_first_cell():
    sources = {_first_cell(path).source for path in NOTEBOOKS}
    assert len(NOTEBOOKS) >= 10 and len(sources) == 1
