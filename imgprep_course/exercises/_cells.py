"""Notebook cells as the answer model reads them: sources, tags, the pristine set-up.

Shared by the notebook's check and the grader (see :mod:`imgprep_course.exercises._answer`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Sequence

SETUP_TAG = "setup"


@dataclass(frozen=True)
class Cell:
    """A code cell as the answer model sees it.

    ``label`` names it in messages ("cell 14", or "cell [12]" in a kernel, after the
    execution count a student sees); ``setup`` marks a cell tagged ``setup``.
    """

    source: str
    label: str
    setup: bool = False


def python_only(source: str) -> str:
    """Blank out IPython magics and shell escapes, which plain Python cannot run.

    Examples
    --------
    >>> python_only("%matplotlib inline\\nx = 1")
    '\\nx = 1'
    """
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def notebook_cells(notebook: dict) -> list[dict]:
    """The cells of a parsed notebook as ``{"cell_type", "source", "tags"}``, whichever
    editor saved it (nbformat 4 or 3, sources as one string or a list of lines).

    Examples
    --------
    >>> notebook_cells({"cells": [{"cell_type": "code", "source": ["x = 1\\n", "y"],
    ...                            "metadata": {"tags": ["setup"]}}]})
    [{'cell_type': 'code', 'source': 'x = 1\\ny', 'tags': ['setup']}]
    """
    raw = notebook.get("cells")
    if raw is None and isinstance(notebook.get("worksheets"), list):
        raw = [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
               for cell in sheet.get("cells", [])]
    if not isinstance(raw, list):
        raise ValueError("not a notebook (no list of cells)")
    cells = []
    for cell in raw:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        cells.append({"cell_type": cell.get("cell_type"), "source": str(source),
                      "tags": [str(t) for t in tags]})
    return cells


def code_cells(cells: Sequence[dict]) -> list[Cell]:
    """The code cells of :func:`notebook_cells`, labelled by their position in the
    notebook ("cell 1" is the notebook's first cell, of any kind)."""
    return [Cell(c["source"], f"cell {i + 1}", SETUP_TAG in c.get("tags", ()))
            for i, c in enumerate(cells) if c.get("cell_type") == "code"]


def setup_sources(cells: Sequence[dict]) -> list[str]:
    """Sources of the code cells tagged ``setup`` (magics blanked)."""
    return [python_only(c.source) for c in code_cells(cells) if c.setup]


@functools.cache
def pristine_setup(lesson: str) -> tuple[str, ...]:
    """The set-up cells of ``lesson`` as the course ships it (never the student's copy):
    what the grader and the notebook's check run before an answer.

    Examples
    --------
    >>> "import numpy as np" in pristine_setup("00_start_here")[0]
    True
    """
    from imgprep_course.course import lesson_file

    path = lesson_file(lesson)
    return tuple(setup_sources(notebook_cells(json.loads(path.read_text("utf-8")))))
