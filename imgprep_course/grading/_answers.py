"""Read a submitted notebook and find its answers with the one answer model.

What "the answer to an exercise" is (the same for the grader and the notebook's check)
lives in :mod:`imgprep_course.exercises._answer`; this module reads the submission's
bytes into cells and hands them over.
"""

from __future__ import annotations

import json
from typing import Sequence

from imgprep_course.exercises._answer import (Answer, build_answer, code_cells,
                                              notebook_cells, refuses_reference,
                                              setup_sources)

__all__ = ["NotebookError", "find_answer", "read_notebook", "refuses_reference",
           "setup_sources"]


class NotebookError(ValueError):
    """The file is not a notebook the grader can read."""


def read_notebook(data: bytes) -> tuple[dict, list[dict]]:
    """The metadata and the cells of a notebook file, whichever editor saved it.

    Accepts nbformat 4 (any minor version, with or without cell ids, sources as one
    string or a list of lines), nbformat 3 (worksheets, ``input``) and a byte-order mark.
    Each cell comes back as ``{"cell_type", "source", "tags"}``.

    Examples
    --------
    >>> meta, cells = read_notebook(b'{"cells": [{"cell_type": "code", '
    ...                             b'"source": ["x = 1\\\\n", "y = 2"]}], "metadata": {}}')
    >>> cells
    [{'cell_type': 'code', 'source': 'x = 1\\ny = 2', 'tags': []}]
    """
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise NotebookError(f"not a notebook (invalid JSON: {str(error)[:200]})") from None
    if not isinstance(notebook, dict):
        raise NotebookError("not a notebook (the JSON is not an object)")
    try:
        cells = notebook_cells(notebook)
    except ValueError as error:
        raise NotebookError(str(error)) from None
    metadata = notebook.get("metadata")
    return (metadata if isinstance(metadata, dict) else {}), cells


def find_answer(cells: list[dict], name: str, setup: Sequence[str] = ()) -> Answer:
    """The answer to the exercise named ``name`` in a submission's cells (as
    :func:`read_notebook` returns them), on top of the pristine ``setup`` sources.

    Examples
    --------
    >>> cells = [{"cell_type": "code", "source": "def f(x):\\n    return 1\\nex.f.check(f)"},
    ...          {"cell_type": "code", "source": "def f(x):\\n    return 2  # scratch"}]
    >>> print(find_answer(cells, "f").source)
    def f(x):
        return 1
    """
    return build_answer(code_cells(cells), name, setup=setup)
