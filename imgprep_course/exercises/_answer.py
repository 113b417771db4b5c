"""The answer to an exercise: one definition, used by the notebook's check and the grader.

"The answer to exercise X" is the callable bound to the exercise's name at the top level
of a code cell (a ``def``, a class, or a name bound to a lambda, an instance,
``functools.partial(...)``, another function...), taken from the cell that calls the
exercise's check (``ex.X.check(X)``), else from the last cell that binds it; plus the
student's own top-level *definitions* it uses, transitively: functions, classes, imports
and assignments (``EPS = 1e-6``, ``f = g``), found through function bodies, default
arguments, decorators and class bodies. They run, in order, after the lesson's pristine
set-up cells (the cells tagged ``setup`` in ``lessons/``, never the student's copy).

Nothing else runs: test lines (``print(f(x))``, ``ex.f.check(f)``), loops, ``if``
blocks and other statements are not part of the answer. When the answer uses a name the
grader will not have (a variable computed by such statements, a name no cell defines),
:attr:`Answer.problems` says so in words; when it uses the reference implementation (the
course package, the exercise checker ``ex``, pycocotools), :attr:`Answer.refusal` says
why the grader gives it 0 without running it.

This module only reads source text: it imports nothing heavy and runs no student code.
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import re
import symtable
from dataclasses import dataclass, field
from typing import Iterable, Sequence

SETUP_TAG = "setup"

#: Modules an answer may not import: the reference implementation, the peer it matches
#: (pycocotools answers the COCO exercises), and the ways around an import check.
REFUSED_MODULES = {
    "imgprep_course": "imgprep_course, the reference implementation",
    "pycocotools": "pycocotools, which computes what the COCO exercises ask for",
    "importlib": "importlib (dynamic imports are not allowed)",
    "__import__": "__import__ (dynamic imports are not allowed)",
}
_CHECKER = "imgprep_course.exercises"
#: Names every answer may use without defining them (``display`` is IPython's; the
#: grader provides one that shows nothing).
_ALWAYS_THERE = frozenset(dir(builtins)) | {"display", "__name__"}
_END = 1 << 30  # a statement index after every statement of a cell


@dataclass(frozen=True)
class Cell:
    """A code cell as the answer model sees it.

    ``label`` names it in messages ("cell 14", or "cell [12]" in a kernel, after the
    execution count a student sees); ``setup`` marks a cell tagged ``setup``.
    """

    source: str
    label: str
    setup: bool = False


@dataclass(frozen=True)
class Answer:
    """What runs as the answer to one exercise, and what the grader will make of it.

    Attributes
    ----------
    name : str
        The exercise's function name.
    source : str
        The definitions to execute after the pristine set-up, in order; empty when
        nothing binds ``name``.
    cell : str or None
        The label of the cell whose statement binds ``name``.
    refusal : str or None
        Why the grader gives the answer 0 without running it (it uses the reference
        implementation), else ``None``.
    problems : tuple of str
        Each name the answer uses that the grader will not have, and why, in words.
    lines : tuple of (str, int)
        For each line of ``source``: the label of its cell and its line number there.
    """

    name: str
    source: str = ""
    cell: str | None = None
    refusal: str | None = None
    problems: tuple[str, ...] = ()
    lines: tuple[tuple[str, int], ...] = field(default=(), repr=False)
    error: str | None = None

    @property
    def found(self) -> bool:
        """Whether some cell binds the exercise's name at the top level."""
        return self.cell is not None

    @property
    def verdict(self) -> tuple[str, str] | None:
        """``(status, message)`` when the grade is decided without running the answer
        (not attempted, refused, a cell that does not parse), else ``None``."""
        if self.error:
            return "error", self.error
        if not self.found:
            message = f"no cell defines {self.name}()"
            return "not attempted", "; ".join((message, *self.problems))
        if self.refusal:
            return "error", self.refusal
        return None

    def origin(self, line: int) -> tuple[str, int] | None:
        """The (cell label, line in that cell) of line ``line`` (1-based) of
        :attr:`source`, or ``None`` outside it."""
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else None


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


# ----------------------------------------------------------------------------- parsing
@dataclass
class _Statement:
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
class _Parsed:
    statements: list[_Statement]
    unparsable: str | None = None   # the syntax error, when the cell does not parse


def _parse_cell(number: int, source: str) -> _Parsed:
    code = python_only(source)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        return _Parsed([], f"{type(error).__name__}: {error}"[:300])
    lines = code.split("\n")
    statements = []
    for index, node in enumerate(tree.body):
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        text = "\n".join(lines[start - 1:node.end_lineno])
        kind, binds, mutates = _classify(node)
        statements.append(_Statement(number, index, node, text, start, kind,
                                     frozenset(binds), frozenset(mutates)))
    return _Parsed(statements)


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
def _uses(statement: _Statement) -> tuple[set[str], set[str]]:
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


def _checks(node: ast.stmt, name: str) -> bool:
    """Whether a statement calls the check of exercise ``name`` on ``name`` itself
    (``ex.name.check(name)``, also inside ``assert`` or an assignment)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr == "check" and isinstance(n.func.value, ast.Attribute)
               and n.func.value.attr == name and n.args
               and isinstance(n.args[0], ast.Name) and n.args[0].id == name
               for n in ast.walk(node))


def _refused_import(node: ast.AST) -> str | None:
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
    module = _refused_import(tree)
    if module is None:
        return None
    return f"the answer imports {REFUSED_MODULES[module.split('.')[0]]}: write your own code"


# ------------------------------------------------------------------------- the answer
def _bound_names(sources: Sequence[str]) -> set[str]:
    names = set()
    for source in sources:
        for statement in _parse_cell(0, source).statements:
            names |= statement.binds
    return names


def build_answer(cells: Sequence[Cell | str], name: str, *, check_cell: int | None = None,
                 setup: Sequence[str] = ()) -> Answer:
    """The answer to exercise ``name`` in ``cells`` (code cells, in notebook order).

    Parameters
    ----------
    cells : sequence of Cell or str
        The notebook's code cells (a plain string is a cell labelled by its position).
    name : str
        The name the exercise's function must have.
    check_cell : int, optional
        The index in ``cells`` of the cell that calls the check (the notebook's check
        knows it: the cell being run). By default, the last cell that calls
        ``<exercise>.name.check(name)``.
    setup : sequence of str
        The lesson's pristine set-up sources, which the answer runs on top of.

    Examples
    --------
    >>> cells = ["def helper(x):\\n    return 2 * x",
    ...          "def double(x):\\n    return helper(x)\\nprint(double(data))\\n"
    ...          "ex.double.check(double)",
    ...          "def double(x):\\n    return 0   # scratch"]
    >>> answer = build_answer(cells, "double")
    >>> print(answer.source)
    def helper(x):
        return 2 * x
    <BLANKLINE>
    def double(x):
        return helper(x)
    >>> answer.cell, answer.verdict
    ('cell 2', None)
    >>> build_answer(["x = 1"], "double").verdict
    ('not attempted', 'no cell defines double()')
    """
    cells = [c if isinstance(c, Cell) else Cell(c, f"cell {i + 1}")
             for i, c in enumerate(cells)]
    parsed = [_parse_cell(i, c.source) for i, c in enumerate(cells)]
    return _Resolver(cells, parsed, name, _bound_names(setup)).answer(check_cell)


class _Resolver:
    """Find the answer's statement and, transitively, the definitions it uses."""

    def __init__(self, cells: list[Cell], parsed: list[_Parsed], name: str,
                 setup_names: set[str]):
        self.cells, self.parsed, self.name = cells, parsed, name
        self.setup_names = setup_names
        self.statements = [s for p in parsed for s in p.statements]

    def _bindings(self, name: str) -> list[_Statement]:
        """Statements of the student's cells binding ``name``, in notebook order; a name
        of the pristine set-up is never taken from the student's own set-up cell."""
        return [s for s in self.statements if name in s.binds
                and not (self.cells[s.cell].setup and name in self.setup_names)]

    def answer(self, check_cell: int | None) -> Answer:
        name = self.name
        checks = [s.cell for s in self.statements if _checks(s.node, name)]
        if check_cell is None and checks:
            check_cell = checks[-1]
        bindings = self._bindings(name)
        definitions = [s for s in bindings if s.kind != "statement"]
        before = [s for s in definitions if check_cell is None or s.cell <= check_cell]
        chosen = (before or definitions or [None])[-1]
        broken = [i for i, p in enumerate(self.parsed) if p.unparsable and re.search(
            rf"^(def\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*=[^=])",
            python_only(self.cells[i].source), re.M)]
        limit = check_cell if check_cell is not None and any(
            b <= check_cell for b in broken) else None
        broken = [b for b in broken if limit is None or b <= limit]
        if broken and (chosen is None or broken[-1] > chosen.cell):
            cell = self.cells[broken[-1]]
            return Answer(name, cell=cell.label, error=(
                f"{cell.label}, which defines {name}, is not valid Python: "
                f"{self.parsed[broken[-1]].unparsable}"))
        if chosen is None:
            blocks = [s for s in bindings if s.kind == "statement"]
            problems = () if not blocks else (
                f"{name} is defined inside a block (`{blocks[-1].summary}` in "
                f"{self.cells[blocks[-1].cell].label}); the grader runs only top-level "
                f"definitions: define {name} at the top level of a cell",)
            return Answer(name, problems=problems)
        point = max(chosen.cell, check_cell if check_cell is not None else -1)
        return self._collect(chosen, point)

    def _resolve(self, name: str, at: tuple[int, int]) -> _Statement | None:
        """The binding of ``name`` in force at position ``at``: the last one before it,
        else (cells run out of order) the first one after it."""
        bindings = self._bindings(name)
        before = [s for s in bindings if s.position < at]
        if before:
            return before[-1]
        return bindings[0] if bindings else None

    def _collect(self, chosen: _Statement, point: int) -> Answer:
        name = self.name
        included: dict[tuple[int, int], _Statement] = {chosen.position: chosen}
        needs: dict[tuple[int, int], set[tuple[int, int]]] = {}
        problems: list[str] = []
        refusal = None
        seen: set[tuple[str, tuple[int, int]]] = set()
        todo = [(chosen, ())]
        while todo:
            statement, path = todo.pop()
            immediate, deferred = _uses(statement)
            needs.setdefault(statement.position, set())
            wanted = [(n, statement.position, True) for n in sorted(immediate)]
            wanted += [(n, (point, _END), False) for n in sorted(deferred - immediate)]
            for used, at, now in wanted:
                if (used, at) in seen or used in statement.binds and not now:
                    continue
                seen.add((used, at))
                chain = (*path, used)
                binding = self._resolve(used, at)
                if binding is None:
                    if used not in self.setup_names and used not in _ALWAYS_THERE:
                        problems.append(self._undefined(chain))
                    continue
                if binding.kind == "statement":
                    problems.append(self._computed(chain, binding))
                    continue
                if binding.kind == "assignment":
                    changed = [s for s in self.statements if used in s.mutates
                               and binding.position < s.position < at]
                    if changed:
                        problems.append(self._changed(chain, binding, changed[-1]))
                if now:
                    needs[statement.position].add(binding.position)
                if binding.position not in included:
                    included[binding.position] = binding
                    todo.append((binding, chain))
                module = _refused_import(binding.node)
                if module is not None and refusal is None:
                    refusal = self._refused(chain, binding, module)
        module = _refused_import(chosen.node)
        if module is not None:
            refusal = (f"the answer imports {REFUSED_MODULES[module.split('.')[0]]}: "
                       "write your own code")
        source, lines = self._compose(included, needs)
        return Answer(name, source, self.cells[chosen.cell].label, refusal,
                      tuple(dict.fromkeys(problems)), lines)

    def _compose(self, included, needs) -> tuple[str, tuple[tuple[str, int], ...]]:
        """The included statements in notebook order, each after those it needs when
        it runs."""
        order: list[_Statement] = []
        done: set[tuple[int, int]] = set()

        def emit(position, visiting=()):
            if position in done or position in visiting:
                return
            for need in sorted(needs.get(position, ())):
                emit(need, (*visiting, position))
            done.add(position)
            order.append(included[position])

        for position in sorted(included):
            emit(position)
        texts, lines = [], []
        for statement in order:
            if texts:
                texts.append("")
                lines.append(lines[-1])
            label = self.cells[statement.cell].label
            for offset, text in enumerate(statement.text.split("\n")):
                texts.append(text)
                lines.append((label, statement.first_line + offset))
        return "\n".join(texts), tuple(lines)

    def _subject(self, chain: tuple[str, ...]) -> str:
        through = "".join(f" (through `{n}`)" for n in chain[:-1][:1])
        return f"`{self.name}` uses `{chain[-1]}`{through}"

    def _undefined(self, chain) -> str:
        return (f"{self._subject(chain)}, which no cell defines: the grader will raise "
                f"NameError; define `{chain[-1]}` in a cell, or inside the function")

    def _computed(self, chain, binding: _Statement) -> str:
        label = self.cells[binding.cell].label
        return (f"{self._subject(chain)}, a variable computed in {label} "
                f"(`{binding.summary}`); the grader runs only definitions (functions, "
                f"classes, imports, assignments), so `{chain[-1]}` will be undefined: "
                "define it inside the function or pass it as an argument")

    def _changed(self, chain, binding: _Statement, change: _Statement) -> str:
        return (f"{self._subject(chain)}, assigned in {self.cells[binding.cell].label} "
                f"and changed in {self.cells[change.cell].label} by `{change.summary}`, "
                "which the grader does not run: it will see the value as first assigned")

    def _refused(self, chain, binding: _Statement, module: str) -> str:
        top = module.split(".")[0]
        label = self.cells[binding.cell].label
        if module == _CHECKER or module.startswith(_CHECKER + "."):
            what = (f"`{chain[-1]}` is the exercise checker (imported in {label}), and "
                    f"`{chain[-1]}.{self.name}.reference` is the reference answer")
        else:
            what = f"`{chain[-1]}` comes from `{binding.summary}` in {label}"
        return (f"the answer imports {REFUSED_MODULES[top]}: {what}; the grader does not "
                "have it, so the answer gets 0: write your own code")
