"""The course as people get it: the sdist and the wheel carry the lessons, and the wheel,
installed (not editable) in a fresh virtual environment, runs the course from any folder.

The sdist and the wheel are built once per session (``python -m build --no-isolation``,
wheel from sdist, from a copy of the checkout). The fresh environment links the test
environment's installed dependencies instead of downloading them again; the course itself
is installed from the wheel with ``pip install --no-deps``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from imgprep_course.notebooks import ANSWER_STUB, course_root

ROOT = course_root()
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
#: What a copy of the checkout leaves out (caches, earlier builds, the git history).
NOT_SOURCE = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", "dist",
                                    ".hypothesis", "artifacts", ".ipynb_checkpoints", ".venv")
SERVER_START_TIMEOUT = 180  # seconds; a hang guard, not a performance bound


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel built from (a copy of) this checkout."""
    source = tmp_path_factory.mktemp("source") / "imgprep-course"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                    str(source)], check=True, capture_output=True)
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


@pytest.fixture(scope="session")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment with the course installed from the wheel."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    target = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path"
                                  "('purelib'))"], check=True, capture_output=True,
                                 text=True).stdout.strip())
    ours = Path(sysconfig.get_path("purelib"))
    for entry in ours.iterdir():  # the dependencies, linked: everything but this course
        if not entry.name.lower().startswith(("imgprep_course", "__editable__")):
            (target / entry.name).symlink_to(entry)
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(dist["wheel"])], check=True, capture_output=True)
    return path


def _run(venv, *arguments, cwd, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / arguments[0]), *arguments[1:]], cwd=cwd,
                          capture_output=True, text=True, check=check, env=_environment(cwd))


def _environment(base: Path) -> dict:
    """No Jupyter or IPython state from the user's home; no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "IPYTHONDIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(base.parent / f".{base.name}-{name.lower()}")
    return env


def test_the_wheel_carries_the_lessons_and_the_package_not_the_solutions(dist):
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        for lesson in LESSONS:
            assert wheel.read(f"imgprep_course/lessons/{lesson.name}") == lesson.read_bytes()
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "imgprep_course").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules <= names, "every module of the package is in the wheel"
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "lessons/"))
                or "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc"))]


def test_the_sdist_carries_the_lessons_and_the_build_step(dist):
    with tarfile.open(dist["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {f"lessons/{p.name}" for p in LESSONS} <= names
    assert {"setup.py", "pyproject.toml", "MANIFEST.in", "README.md"} <= names
    assert not any(n.startswith("solutions") for n in names)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(url, token, path, method="GET"):
    request = urllib.request.Request(f"{url}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _open_in_jupyterlab(venv, folder) -> list[str]:
    """``imgprep-course start FOLDER --no-browser ...`` as a student runs it; return the
    notebooks the JupyterLab it opened serves, then stop it (and all it started)."""
    port, token = _free_port(), secrets.token_hex(16)
    command = [str(venv / "bin" / "imgprep-course"), "start", folder.name, "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    log = folder.parent / "jupyterlab.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=folder.parent, env=_environment(folder.parent),
                                   stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert process.poll() is None, f"start exited: {log.read_text()[-3000:]}"
            try:
                _api(url, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, f"no JupyterLab: {log.read_text()[-3000:]}"
                time.sleep(0.25)
        served = sorted(item["name"] for item in _api(url, token, "/api/contents")["content"])
        _api(url, token, "/api/shutdown", method="POST")
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # start and the JupyterLab it ran
            process.wait(timeout=30)
    return served


def _solve(lesson: Path) -> None:
    """Put the solution's answers into the student's copy (cells match by id)."""
    answers = {c.id: c.source for c in nbformat.read(ROOT / "solutions" / lesson.name, 4).cells}
    notebook = nbformat.read(lesson, as_version=4)
    for cell in notebook.cells:
        if "raise NotImplementedError" in cell.source or ANSWER_STUB in cell.source:
            cell.source = answers[cell.id]
    nbformat.write(notebook, lesson)


def test_from_the_wheel_start_writes_the_lessons_grade_scores_an_edit_and_start_keeps_it(
        venv, tmp_path):
    import imgprep_course

    location = _run(venv, "python", "-c", "import imgprep_course.course as c; "
                    "print(c.__file__); print(c.lessons_folder())", cwd=tmp_path).stdout.split()
    assert str(venv) in location[0] and location[1].endswith("imgprep_course/lessons")
    assert Path(imgprep_course.__file__).parent != Path(location[0]).parent

    folder = tmp_path / "imgprep-course"
    served = _open_in_jupyterlab(venv, folder)
    assert served == [p.name for p in LESSONS], "JupyterLab opened in the lessons' folder"
    for lesson in LESSONS:
        assert (folder / lesson.name).read_bytes() == lesson.read_bytes()

    edited = folder / "00_start_here.ipynb"
    _solve(edited)
    grades = json.loads(_run(venv, "python", "-m", "imgprep_course", "grade", edited.name,
                             "01_rescaling.ipynb", "--json", cwd=folder).stdout)
    first, untouched = grades["submissions"]
    assert first["lesson"] == "00_start_here" and first["score"] == first["max_score"] > 0
    assert untouched["score"] == 0 < untouched["max_score"]

    before = edited.read_bytes()
    again = _run(venv, "imgprep-course", "start", "--no-lab", cwd=tmp_path)
    assert "00_start_here.ipynb: kept your edits" in again.stdout
    assert edited.read_bytes() == before
    assert not list(folder.glob("*.new.ipynb")), "the same version offers nothing new"


def test_from_the_wheel_the_library_commands_work_in_any_folder(venv, tmp_path):
    _run(venv, "imgprep-course", "make-shapes", "shapes", "--images", "3", "--quiet",
         cwd=tmp_path)
    truth = json.loads((tmp_path / "shapes" / "coco" / "instances.json").read_text())
    detections = [{"image_id": a["image_id"], "category_id": a["category_id"],
                   "bbox": a["bbox"], "score": 1.0} for a in truth["annotations"]]
    (tmp_path / "dt.json").write_text(json.dumps(detections))
    result = _run(venv, "imgprep-course", "coco-eval", "shapes/coco/instances.json",
                  "dt.json", "--json", cwd=tmp_path)
    assert json.loads(result.stdout)["stats"][0] == pytest.approx(1.0)


@pytest.mark.parametrize("command", [["build-lessons"], ["run-solutions"], ["site", "out"]])
def test_from_the_wheel_developer_commands_say_they_need_the_checkout(venv, tmp_path, command):
    result = _run(venv, "imgprep-course", *command, cwd=tmp_path, check=False)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "needs the course's source checkout" in result.stderr


def test_the_environment_meets_every_requirement_the_course_declares():
    """Each dependency installed here is a version ``pyproject.toml`` allows (extras
    ``test`` and ``site`` included, as ``requirements-dev.txt`` installs them): a resolver
    that picked an excluded release (say ipykernel 7.3, whose kernels can stop reading
    execute requests) fails here, by name, not as a notebook that hangs."""
    from importlib import metadata

    from packaging.requirements import Requirement

    unmet = []
    for line in metadata.requires("imgprep-course"):
        requirement = Requirement(line)
        if requirement.marker is not None and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in ("", "test", "site")):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet.append(f"{requirement}: not installed")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{requirement}: {version} installed")
    assert unmet == []
