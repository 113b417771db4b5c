"""Build step that carries the course: the wheel gets the top-level lessons/ as package data.

lessons/ stays at the repository's top level (generated from solutions/, committed); when
a wheel is built (``pip install .``, ``python -m build``) its notebooks are copied into the
built package as ``imgprep_course/lessons/``, where :mod:`imgprep_course.course` finds
them. An editable install reads lessons/ from the checkout instead. Everything else is in
pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LESSONS = Path(__file__).resolve().parent / "lessons"


class build_py_with_lessons(build_py):
    """``build_py`` that also copies lessons/*.ipynb into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:  # the checkout's lessons/ is read in place
            return
        lessons = sorted(LESSONS.glob("*.ipynb"))
        if not lessons:
            raise FileNotFoundError(f"no lessons to ship in {LESSONS}")
        target = Path(self.build_lib) / "imgprep_course" / "lessons"
        self.mkpath(str(target))
        for lesson in lessons:
            self.copy_file(str(lesson), str(target / lesson.name))


setup(cmdclass={"build_py": build_py_with_lessons})
