"""Answers that look alike, or copied, or up to something: a list for the instructor.

:func:`canonical` turns an answer's source into a canonical form that ignores names,
comments, docstrings, whitespace and the order of top-level definitions; two answers
with the same form are the same program. :func:`findings` lists the constructs an
answer has no business using (``exec``, decoding base64 or zlib, ``gc``,
``sys.meta_path``, ``__builtins__``, ``ctypes``, ``tracemalloc``, ``/proc``...). :func:`similarity_markdown`
writes ``similarity.md``. Nothing here changes a score.

The grader calls :func:`canonical` and :func:`findings` on submissions only in its intake
process (:mod:`imgprep_course.grading._intake`), never in its own.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
from collections import defaultdict

from imgprep_course.grading._text import printable

_CALLS = {"exec": "calls exec", "eval": "calls eval", "compile": "calls compile",
          "__import__": "calls __import__", "globals": "reads globals()",
          "vars": "reads vars()", "breakpoint": "calls breakpoint", "open": "opens a file",
          "getattr": "uses getattr"}
_MODULES = {"base64": "decodes base64", "binascii": "decodes binascii",
            "zlib": "decompresses zlib", "gzip": "decompresses gzip",
            "bz2": "decompresses bz2", "lzma": "decompresses lzma", "codecs": "uses codecs",
            "marshal": "loads marshal data", "pickle": "loads pickles",
            "gc": "reaches into gc", "ctypes": "uses ctypes", "importlib": "uses importlib",
            "inspect": "uses inspect", "subprocess": "starts programs",
            "socket": "opens sockets", "signal": "sends signals", "os": "uses os",
            "sys": "uses sys", "builtins": "reaches into builtins", "shutil": "uses shutil",
            "tracemalloc": "uses tracemalloc (exercise 1.3 measures memory with it)"}
_ATTRIBUTES = {"meta_path": "reaches into sys.meta_path", "modules": "reads sys.modules",
               "b64decode": "decodes base64", "decompress": "decompresses data",
               "__builtins__": "reaches into __builtins__",
               "__subclasses__": "walks __subclasses__", "__globals__": "reads __globals__",
               "__code__": "reads __code__", "f_globals": "reads frame globals",
               "f_back": "walks frames", "get_objects": "walks gc objects",
               "kill": "sends signals", "system": "runs a shell",
               "reference": "calls the exercise's reference"}
_NAMES = {"__builtins__": "reaches into __builtins__", "__loader__": "uses __loader__",
          "__spec__": "uses __spec__"}
_STRINGS = ("/proc", "/dev/shm", "/sys/", "/root", "/home", ".ssh", ".git", "site-packages",
            "solutions", "imgprep_course", "pycocotools", ".nbi", "__pycache__")


def _parse(source: str):
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def findings(source: str) -> list[str]:
    """What in ``source`` an instructor should look at, as short phrases with line numbers.

    Examples
    --------
    >>> findings("import base64\\nexec(base64.b64decode(b'cHJpbnQoMSk='))")
    ['line 1: decodes base64', 'line 2: calls exec']
    >>> findings("def f(x):\\n    return x + 1")
    []
    """
    tree = _parse(source)
    if tree is None:
        return []
    seen = {}
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            what = _CALLS.get(node.func.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""])
            what = next((_MODULES[m.split(".")[0]] for m in modules
                         if m.split(".")[0] in _MODULES), None)
        elif isinstance(node, ast.Attribute):
            what = _ATTRIBUTES.get(node.attr)
        elif isinstance(node, ast.Name):
            what = _NAMES.get(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            what = next((f"names {s}" for s in _STRINGS if s in text), None)
        if what and what not in seen:
            seen[what] = getattr(node, "lineno", 0)
    return [f"line {line}: {what}" for what, line in sorted(seen.items(), key=lambda i: i[1])]


class _Renamer(ast.NodeTransformer):
    """Rename every name the code binds to v0, v1, ... in order of first appearance."""

    def __init__(self, bound: set[str]):
        self.bound, self.names = bound, {}

    def _new(self, name: str) -> str:
        if name not in self.bound:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def _definition(self, node):
        node.name = self._new(node.name)
        if hasattr(node, "returns"):
            node.returns = None
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_alias(self, node):
        node.asname = self._new(node.asname or node.name.split(".")[0])
        return node


def _bound_names(tree) -> set[str]:
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
    return bound - set(dir(builtins))


def _strip_docstrings(tree) -> None:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]


def _shape(node) -> str:
    """A statement with every identifier blanked: orders definitions whatever their names."""
    blank = copy.deepcopy(node)
    for inner in ast.walk(blank):
        for name in ("id", "arg", "name", "asname"):
            if isinstance(getattr(inner, name, None), str):
                setattr(inner, name, "_")
    return ast.dump(blank, annotate_fields=False)


def canonical(source: str, function: str | None = None) -> str | None:
    """The canonical form of ``source`` (of only the definition of ``function``, if given),
    or None when it does not parse (or defines no such function).

    Examples
    --------
    >>> a = "def f(x):\\n    # double\\n    y = x * 2\\n    return y"
    >>> b = "def g(image):\\n    '''Twice.'''\\n    doubled = image * 2\\n    return doubled"
    >>> canonical(a) == canonical(b)
    True
    >>> canonical(a) == canonical("def f(x):\\n    return x * 3")
    False
    """
    tree = _parse(source)
    if tree is None:
        return None
    if function is not None:
        tree.body = [n for n in tree.body if isinstance(
            n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function][-1:]
        if not tree.body:
            return None
    try:
        _strip_docstrings(tree)
        tree.body = sorted(tree.body, key=_shape)
        tree = _Renamer(_bound_names(tree)).visit(tree)
        return ast.dump(tree, annotate_fields=False)
    except (RecursionError, MemoryError, ValueError):
        return None


def reference_forms(reference, depth: int = 2) -> set[str]:
    """Canonical forms of the reference function and of the course functions it calls
    (``depth`` levels down), from their source (the course's own, trusted code)."""
    forms, todo, seen = set(), [(reference, 0)], set()
    while todo:
        function, level = todo.pop()
        function = getattr(function, "py_func", function)
        if id(function) in seen or not inspect.isfunction(function):
            continue
        seen.add(id(function))
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        form = canonical(inspect.cleandoc("\n" + source) if source[:1].isspace() else source,
                         function.__name__)
        if form:
            forms.add(form)
        if level >= depth:
            continue
        for name in function.__code__.co_names:
            target = function.__globals__.get(name)
            candidates = [target] + ([getattr(target, attr, None) for attr in
                                      function.__code__.co_names]
                                     if inspect.ismodule(target) and target.__name__
                                     .startswith("imgprep_course") else [])
            todo += [(c, level + 1) for c in candidates if inspect.isfunction(
                getattr(c, "py_func", c)) and getattr(c, "__module__", "").startswith(
                "imgprep_course")]
    return forms


def similarity_markdown(entries: list[dict], duplicates: list[list[str]],
                        links: list[str]) -> str:
    """``similarity.md``. ``entries``: one per graded answer, ``{"path", "exercise",
    "canonical", "function", "reference", "findings"}`` (``reference``: whether the
    function's form is one of the reference's); ``duplicates``: groups of paths with the
    same bytes; ``links``: paths whose file has other hard links.

    Examples
    --------
    >>> text = similarity_markdown(
    ...     [{"path": p, "exercise": "f", "canonical": "X", "function": "X",
    ...       "reference": False, "findings": []} for p in ("a.ipynb", "b.ipynb")], [], [])
    >>> "| f | a.ipynb, b.ipynb |" in text
    True
    """
    lines = ["# Similar answers", "",
             "A list to look at, not a verdict: nothing here changed a score.", ""]
    lines += ["## Identical submissions (same bytes)", ""]
    lines += [f"- {', '.join(_code(p) for p in group)}" for group in duplicates] or ["none"]
    if links:
        lines += ["", "Files with other hard links (the same file under another name): "
                  + ", ".join(_code(p) for p in links)]
    groups = defaultdict(list)
    for entry in entries:
        if entry["canonical"]:
            groups[(entry["exercise"], entry["canonical"])].append(entry["path"])
    lines += ["", "## Same answer after normalising names, comments, whitespace and order",
              "", "| exercise | submissions |", "|---|---|"]
    same = sorted((exercise, sorted(paths)) for (exercise, _), paths in groups.items()
                  if len(set(paths)) > 1)
    lines += [f"| {_cell(e)} | {', '.join(_cell(p) for p in paths)} |" for e, paths in same]
    if not same:
        lines.append("| | none |")
    lines += ["", "## Answers that reproduce the reference implementation", "",
              "| submission | exercise |", "|---|---|"]
    copied = [e for e in entries if e["reference"]]
    lines += [f"| {_cell(e['path'])} | {_cell(e['exercise'])} |" for e in copied]
    if not copied:
        lines.append("| | none |")
    lines += ["", "## Constructs to look at", "", "| submission | exercise | what |",
              "|---|---|---|"]
    flagged = [e for e in entries if e["findings"]]
    lines += [f"| {_cell(e['path'])} | {_cell(e['exercise'])} | "
              f"{_cell('; '.join(e['findings']))} |" for e in flagged]
    if not flagged:
        lines.append("| | | none |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return printable(text).replace("\n", " ").replace("|", "\\|").replace("`", "'")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"
