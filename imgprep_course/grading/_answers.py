"""Find answers in a submitted notebook, by what they define, not where they are."""

from __future__ import annotations

import ast
import re

import nbformat

SETUP_TAG = "setup"
_REFUSED_MODULES = ("imgprep_course", "importlib")


def python_only(source: str) -> str:
    """Blank out IPython magics and shell escapes, which plain Python cannot run."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(python_only(source))
    except SyntaxError:
        return re.search(rf"^def\s+{re.escape(name)}\s*\(", source, re.M) is not None
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and node.name == name for node in tree.body)


def _without_check_calls(source: str) -> str:
    """Drop top-level ``something.check(...)`` statements: feedback, not part of the answer."""
    try:
        tree = ast.parse(python_only(source))
    except SyntaxError:
        return source
    lines = source.split("\n")
    for node in reversed(tree.body):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "check"):
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines)


def find_answer(notebook: nbformat.NotebookNode, name: str) -> str | None:
    """The source of the last code cell that defines function ``name``, minus its check call.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("def f(x):\\n    return 1\\nex.f.check(f)"),
    ...     nbformat.v4.new_code_cell("def f(x):\\n    return 2\\nex.f.check(f)")])
    >>> print(find_answer(nb, "f"))
    def f(x):
        return 2
    """
    for cell in reversed(notebook.get("cells", [])):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if cell.get("cell_type") == "code" and _defines(source, name):
            return python_only(_without_check_calls(source))
    return None


def setup_cells(notebook: nbformat.NotebookNode) -> list[str]:
    """Sources of the cells tagged ``setup`` (imports the answers may rely on)."""
    return [python_only(cell.source) for cell in notebook.cells if cell.cell_type == "code"
            and SETUP_TAG in cell.get("metadata", {}).get("tags", [])]


def refuses_reference(source: str) -> str | None:
    """Why an answer is refused without running it (it imports the reference), or None.

    Examples
    --------
    >>> refuses_reference("from imgprep_course.rescale import standardize")
    'the answer imports imgprep_course, the reference implementation: write your own code'
    >>> print(refuses_reference("import numpy as np"))
    None
    """
    try:
        tree = ast.parse(python_only(source))
    except SyntaxError:
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
            if top in _REFUSED_MODULES or top == "__import__":
                what = "imgprep_course, the reference implementation" if top == \
                    "imgprep_course" else f"{top} (dynamic imports are not allowed)"
                return f"the answer imports {what}: write your own code"
    return None
