"""Find answers in a submitted notebook, by what they define, not where they are."""

from __future__ import annotations

import ast
import json
import re

SETUP_TAG = "setup"
#: Modules an answer may not import: the reference implementation, the peer it matches
#: (pycocotools answers the COCO exercises), and the ways around an import check.
_REFUSED_MODULES = {
    "imgprep_course": "imgprep_course, the reference implementation",
    "pycocotools": "pycocotools, which computes what the COCO exercises ask for",
    "importlib": "importlib (dynamic imports are not allowed)",
    "__import__": "__import__ (dynamic imports are not allowed)",
}
_CHECKER = "imgprep_course.exercises"


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
    raw = notebook.get("cells")
    if raw is None and isinstance(notebook.get("worksheets"), list):
        raw = [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
               for cell in sheet.get("cells", [])]
    if not isinstance(raw, list):
        raise NotebookError("not a notebook (no list of cells)")
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
    metadata = notebook.get("metadata")
    return (metadata if isinstance(metadata, dict) else {}), cells


def python_only(source: str) -> str:
    """Blank out IPython magics and shell escapes, which plain Python cannot run."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_only(source))
    except (SyntaxError, ValueError):
        return None


def _defines(source: str, name: str) -> bool:
    tree = _parse(source)
    if tree is None:
        return re.search(rf"^def\s+{re.escape(name)}\s*\(", source, re.M) is not None
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and node.name == name for node in tree.body)


def _is_check_call(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "check")


def _checker_import_names(node: ast.stmt) -> list[str] | None:
    """Names bound by a top-level import of the exercise checker, else None."""
    if isinstance(node, ast.ImportFrom) and node.module and (
            node.module == _CHECKER or node.module.startswith(_CHECKER + ".")):
        return [alias.asname or alias.name for alias in node.names]
    if isinstance(node, ast.Import) and all(
            alias.name.startswith(_CHECKER) and alias.asname for alias in node.names):
        return [alias.asname for alias in node.names]
    return None


def _without_checker(source: str) -> str:
    """Drop top-level ``x.check(...)`` calls (feedback, not the answer), and imports of the
    exercise checker whose names nothing else in the cell uses."""
    tree = _parse(source)
    if tree is None:
        return source
    checks = [node for node in tree.body if _is_check_call(node)]
    used = {n.id for node in tree.body if node not in checks
            for n in ast.walk(node) if isinstance(n, ast.Name)}
    dropped = checks + [node for node in tree.body
                        if (names := _checker_import_names(node)) is not None
                        and not set(names) & used]
    lines = source.split("\n")
    for node in sorted(dropped, key=lambda n: n.lineno, reverse=True):
        del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines)


def find_answer(cells: list[dict], name: str) -> str | None:
    """The source of the last code cell that defines function ``name``, minus its check.

    Examples
    --------
    >>> cells = [{"cell_type": "code", "source": "def f(x):\\n    return 1\\nex.f.check(f)"},
    ...          {"cell_type": "code", "source": "def f(x):\\n    return 2\\nex.f.check(f)"}]
    >>> print(find_answer(cells, "f"))
    def f(x):
        return 2
    """
    for cell in reversed(cells):
        if cell.get("cell_type") == "code" and _defines(cell["source"], name):
            return python_only(_without_checker(cell["source"]))
    return None


def setup_cells(cells: list[dict]) -> list[str]:
    """Sources of the cells tagged ``setup`` (imports the answers may rely on)."""
    return [python_only(cell["source"]) for cell in cells
            if cell.get("cell_type") == "code" and SETUP_TAG in cell.get("tags", [])]


def refuses_reference(source: str) -> str | None:
    """Why an answer is refused without running it (it imports the reference), or None.

    Examples
    --------
    >>> refuses_reference("from imgprep_course.rescale import standardize")
    'the answer imports imgprep_course, the reference implementation: write your own code'
    >>> print(refuses_reference("import numpy as np"))
    None
    """
    tree = _parse(source)
    if tree is None:
        return None  # the child reports the syntax error as the student's error
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__"):
            names = ["__import__"]
        for module in names:
            top = module.split(".")[0]
            if top in _REFUSED_MODULES:
                return f"the answer imports {_REFUSED_MODULES[top]}: write your own code"
    return None
