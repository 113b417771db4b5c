"""``python -m imgprep_course``: the command-line interface."""

from imgprep_course.cli import run

run()
