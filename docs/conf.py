"""Sphinx configuration of the course website (``python -m imgprep_course site OUT``).

The sources are staged by :mod:`imgprep_course.website`: README.md as the front page and
the solution notebooks with their saved outputs. Nothing is executed, nothing fetched.
"""

project = "imgprep-course"
author = "the imgprep-course authors"
extensions = ["myst_nb"]

# The pages show the outputs saved in the solution notebooks (run-solutions wrote them).
nb_execution_mode = "off"
# A widget view needs a live kernel: show the static output beside it instead (an
# explorer's picture, a check's feedback text).
nb_mime_priority_overrides = [("*", "application/vnd.jupyter.widget-view+json", None)]
nb_output_stderr = "remove"

html_theme = "furo"
html_title = "imgprep-course"
html_show_sourcelink = False
html_copy_source = False
exclude_patterns = ["**.ipynb_checkpoints"]
