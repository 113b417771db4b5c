"""The course as a student gets it: the lessons the package ships, copied into a folder of
the student's own.

A wheel carries the lessons as package data (``imgprep_course/lessons/``, copied from the
repository's top-level ``lessons/`` when the wheel is built: see ``setup.py``); in a source
checkout (an editable install) they are read from ``lessons/`` itself. The grader reads
its pristine set-up cells from here, so it works from a wheel in any folder.

:func:`copy_lessons` (``imgprep-course start``) never overwrites a notebook the student
changed. It tells "unchanged" from "edited" by the digest the lesson builder records in
every lesson (:func:`imgprep_course.notebooks.was_edited`): an untouched copy of an older
version is updated, an edited one is kept and the new version is offered beside it as
``NAME.new.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imgprep_course.notebooks import recorded_digest, was_edited

_PACKAGE = Path(__file__).resolve().parent
#: The suffix of an updated lesson offered beside the student's edited one.
NEW_SUFFIX = ".new.ipynb"


def lessons_folder() -> Path:
    """The folder holding the lessons as the course ships them.

    The wheel's package data when installed from a wheel, else the source checkout's
    ``lessons/``.

    Examples
    --------
    >>> sorted(p.name for p in lessons_folder().glob("*.ipynb"))[0]
    '00_start_here.ipynb'
    """
    for folder in (_PACKAGE / "lessons", _PACKAGE.parent / "lessons"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"the course's lessons are missing: neither {_PACKAGE / 'lessons'} (an installed "
        f"wheel) nor {_PACKAGE.parent / 'lessons'} (a source checkout) exists; reinstall the "
        "course")


def repository_url() -> str:
    """The course's source repository (``[project.urls] Repository`` of its metadata):
    where Colab's first cell installs it from and the badges point."""
    from importlib.metadata import metadata

    urls = dict(entry.split(", ", 1)
                for entry in metadata("imgprep-course").get_all("Project-URL") or [])
    return urls["Repository"]


def lesson_file(lesson: str) -> Path:
    """The shipped notebook of ``lesson`` (a lesson id such as ``'01_rescaling'``)."""
    path = lessons_folder() / f"{lesson}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"the course ships no lesson {lesson!r} (looked for {path})")
    return path


@dataclass(frozen=True)
class Copied:
    """What :func:`copy_lessons` did with one lesson.

    ``action`` is one of ``"added"`` (it was not there), ``"updated"`` (an untouched copy
    of an older version, replaced), ``"unchanged"`` (already the shipped version),
    ``"kept"`` (the student edited it and the course has no newer version) or ``"offered"``
    (the student edited it; the newer version was written beside it as ``offered``).
    """

    lesson: str
    action: str
    offered: str | None = None

    def __str__(self) -> str:
        if self.action == "offered":
            return f"{self.lesson}: kept your edits; the new version is {self.offered}"
        if self.action == "kept":
            return f"{self.lesson}: kept your edits"
        return f"{self.lesson}: {self.action}"


def copy_lessons(destination, source=None) -> list[Copied]:
    """Copy the shipped lessons into ``destination`` (created if needed), keeping edits.

    Parameters
    ----------
    destination : path-like
        The student's folder.
    source : path-like, optional
        The folder of lessons to copy (default: :func:`lessons_folder`).

    Returns
    -------
    list of Copied
        One entry per lesson, in file-name order.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> {c.action for c in copy_lessons(folder)}
    {'added'}
    >>> {c.action for c in copy_lessons(folder)}
    {'unchanged'}
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise ValueError(f"destination must be a folder, got the file {destination}")
    lessons = sorted(Path(source or lessons_folder()).glob("*.ipynb"))
    if not lessons:
        raise FileNotFoundError(f"no lessons in {source or lessons_folder()}")
    destination.mkdir(parents=True, exist_ok=True)
    return [_copy_one(lesson, destination) for lesson in lessons]


def _copy_one(lesson: Path, destination: Path) -> Copied:
    shipped = lesson.read_bytes()
    target = destination / lesson.name
    if not target.exists():
        target.write_bytes(shipped)
        return Copied(lesson.name, "added")
    if target.read_bytes() == shipped:
        return Copied(lesson.name, "unchanged")
    if not was_edited(target):
        target.write_bytes(shipped)
        return Copied(lesson.name, "updated")
    if recorded_digest(target) == recorded_digest(lesson):
        return Copied(lesson.name, "kept")
    offered = destination / (lesson.name[:-len(".ipynb")] + NEW_SUFFIX)
    if offered.exists() and was_edited(offered):
        return Copied(lesson.name, "kept")  # the student works in the offered copy too
    offered.write_bytes(shipped)
    return Copied(lesson.name, "offered", offered.name)
