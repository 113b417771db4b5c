"""Top-level statements of a cell: what each binds, changes and uses, and which imports
the grader refuses. Pure source analysis (:mod:`ast`, :mod:`symtable`): nothing runs.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass
from typing import Iterable

from imgprep_course.exercises._cells import python_only

#: Modules an answer may not import: the reference implementation, the peer it matches
#: (pycocotools answers the COCO exercises), and the ways around an import check.
REFUSED_MODULES = {
    "imgprep_course": "imgprep_course, the reference implementation",
    "pycocotools": "pycocotools, which computes what the COCO exercises ask for",
    "importlib": "importlib (dynamic imports are not allowed)",
    "__import__": "__import__ (dynamic imports are not allowed)",
}


@dataclass
class Statement:
    cell: int                 # index in the cells given
    index: int                # position in its cell
    node: ast.stmt
    text: str                 # the statement's source (magics blanked)
    first_line: int           # its first line in the cell (1-based)
    kind: str                 # "definition", "assignment" or "statement"
    binds: frozenset[str]
    mutates: frozenset[str] = frozenset()

    @property
    def position(self) -> tuple[int, int]:
        return self.cell, self.index

    @property
    def summary(self) -> str:
        line = self.text.strip().split("\n")[0]
        return line if len(line) <= 60 else line[:57] + "..."


@dataclass
class Parsed:
    statements: list[Statement]
    unparsable: str | None = None   # the syntax error, when the cell does not parse


def parse_cell(number: int, source: str) -> Parsed:
    code = python_only(source)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        return Parsed([], f"{type(error).__name__}: {error}"[:300])
    lines = code.split("\n")
    statements = []
    for index, node in enumerate(tree.body):
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        text = "\n".join(lines[start - 1:node.end_lineno])
        kind, binds, mutates = _classify(node)
        statements.append(Statement(number, index, node, text, start, kind,
                                     frozenset(binds), frozenset(mutates)))
    return Parsed(statements)


def _classify(node: ast.stmt) -> tuple[str, set[str], set[str]]:
    """(kind, names bound, names changed in place) of a top-level statement."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "definition", {node.name}, set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "definition", {(a.asname or a.name).split(".")[0] for a in node.names
                              if a.name != "*"}, set()
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names, changed = set(), set()
        for target in targets:
            for part in _flatten(target):
                if isinstance(part, ast.Name):
                    names.add(part.id)
                elif (root := _root_name(part)) is not None:
                    changed.add(root)
        if node.value is None:
            return "statement", set(), set()
        if changed or _walrus_names(node.value):
            return "statement", names | _walrus_names(node.value), changed
        return "assignment", names, set()
    return "statement", _bound_inside(node), _changed_inside(node)


def _changed_inside(node: ast.stmt) -> set[str]:
    """Names a statement may change in place: ``x.append(...)``, ``x[0] = ...``,
    ``x.y = ...``, ``x += ...`` (not counting what the functions it defines do)."""
    names, todo = set(), [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                ast.ClassDef)):
            continue
        root = None
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            root = _root_name(current.func.value)
        elif isinstance(current, (ast.Subscript, ast.Attribute)) and isinstance(
                current.ctx, (ast.Store, ast.Del)):
            root = _root_name(current.value)
        if root is not None:
            names.add(root)
        todo.extend(ast.iter_child_nodes(current))
    return names


def _flatten(target: ast.expr) -> Iterable[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flatten(element)
    elif isinstance(target, ast.Starred):
        yield from _flatten(target.value)
    else:
        yield target


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _walrus_names(node: ast.AST) -> set[str]:
    return {n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr)}


def _bound_inside(node: ast.stmt) -> set[str]:
    """Every name a compound statement (a loop, ``if``, ``with``, ``try``...) binds at the
    top level, not counting names local to the functions it defines."""
    names, todo = set(), [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue
        if isinstance(current, ast.Lambda):
            continue
        if isinstance(current, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in current.names}
        elif isinstance(current, ast.Name) and isinstance(current.ctx, (ast.Store, ast.Del)):
            names.add(current.id)
        elif isinstance(current, ast.ExceptHandler) and current.name:
            names.add(current.name)
        todo.extend(ast.iter_child_nodes(current))
    return names


# -------------------------------------------------------------------- names a statement uses
def uses(statement: Statement) -> tuple[set[str], set[str]]:
    """(immediate, deferred): global names the statement reads when it runs, and names
    read later, when a function or lambda it defines is called."""
    return _immediate_names(statement.node), _deferred_names(statement.text)


def _immediate_names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    todo: list[tuple[ast.AST, frozenset[str]]] = [(node, frozenset())]
    while todo:
        current, local = todo.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = current.args
            parts = [*args.defaults, *[d for d in args.kw_defaults if d is not None]]
            if not isinstance(current, ast.Lambda):
                parts += [*current.decorator_list, *([current.returns] if current.returns
                                                     else [])]
                parts += [a.annotation for a in (*args.posonlyargs, *args.args,
                                                 *args.kwonlyargs, args.vararg, args.kwarg)
                          if a is not None and a.annotation is not None]
            todo += [(part, local) for part in parts]
            continue
        if isinstance(current, ast.ClassDef):
            todo += [(part, local) for part in (*current.decorator_list, *current.bases,
                                                *(k.value for k in current.keywords))]
            inside = local | {n.id for stmt in current.body for n in ast.walk(stmt)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            todo += [(stmt, inside) for stmt in current.body]
            continue
        if isinstance(current, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            targets = {n.id for g in current.generators for n in ast.walk(g.target)
                       if isinstance(n, ast.Name)}
            todo.append((current.generators[0].iter, local))
            inside = local | targets
            rest = [*(g.iter for g in current.generators[1:]),
                    *(i for g in current.generators for i in g.ifs)]
            rest += ([current.key, current.value] if isinstance(current, ast.DictComp)
                     else [current.elt])
            todo += [(part, inside) for part in rest]
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
            if current.id not in local:
                names.add(current.id)
        todo += [(child, local) for child in ast.iter_child_nodes(current)]
    return names


def _deferred_names(text: str) -> set[str]:
    try:
        table = symtable.symtable(text, "<cell>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return set()
    names: set[str] = set()
    todo = [(child, False) for child in table.get_children()]
    while todo:
        current, deferred = todo.pop()
        kind = str(current.get_type()).lower()
        is_function = kind.endswith("function")
        comprehension = is_function and current.get_name() in (
            "listcomp", "setcomp", "dictcomp", "genexpr")
        now_deferred = deferred or (is_function and not comprehension)
        if now_deferred:
            names |= {s.get_name() for s in current.get_symbols()
                      if s.is_global() and s.is_referenced()}
        todo += [(child, now_deferred) for child in current.get_children()]
    return names


def checks(node: ast.stmt, name: str) -> bool:
    """Whether a statement calls the check of exercise ``name`` on ``name`` itself
    (``ex.name.check(name)``, also inside ``assert`` or an assignment)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr == "check" and isinstance(n.func.value, ast.Attribute)
               and n.func.value.attr == name and n.args
               and isinstance(n.args[0], ast.Name) and n.args[0].id == name
               for n in ast.walk(node))


def refused_import(node: ast.AST) -> str | None:
    """The top-level module of the first refused import in ``node``, else None."""
    for current in ast.walk(node):
        modules = []
        if isinstance(current, ast.Import):
            modules = [alias.name for alias in current.names]
        elif isinstance(current, ast.ImportFrom) and current.module:
            modules = [current.module]
        elif (isinstance(current, ast.Call) and isinstance(current.func, ast.Name)
              and current.func.id == "__import__"):
            modules = ["__import__"]
        for module in modules:
            if module.split(".")[0] in REFUSED_MODULES:
                return module
    return None


def refuses_reference(source: str) -> str | None:
    """Why an answer's source is refused without running it (it imports the reference
    implementation, pycocotools, or imports dynamically), or None.

    Examples
    --------
    >>> refuses_reference("from imgprep_course.rescale import standardize")
    'the answer imports imgprep_course, the reference implementation: write your own code'
    >>> print(refuses_reference("import numpy as np"))
    None
    """
    try:
        tree = ast.parse(python_only(source))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # the grader's child reports the syntax error as the student's error
    module = refused_import(tree)
    if module is None:
        return None
    return f"the answer imports {REFUSED_MODULES[module.split('.')[0]]}: write your own code"
