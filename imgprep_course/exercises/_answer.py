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

import builtins
import re
from dataclasses import dataclass, field
from typing import Sequence

from imgprep_course.exercises._cells import (Cell, code_cells, notebook_cells, pristine_setup,
                                             python_only, setup_sources)
from imgprep_course.exercises._statements import (REFUSED_MODULES, Parsed, Statement, checks,
                                                  parse_cell, refused_import, refuses_reference,
                                                  uses)

__all__ = ["Answer", "Cell", "build_answer", "code_cells", "notebook_cells", "pristine_setup",
           "python_only", "refuses_reference", "setup_sources"]
_CHECKER = "imgprep_course.exercises"
#: Names every answer may use without defining them (``display`` is IPython's; the
#: grader provides one that shows nothing).
_ALWAYS_THERE = frozenset(dir(builtins)) | {"display", "__name__"}
_END = 1 << 30  # a statement index after every statement of a cell


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


# ------------------------------------------------------------------------- the answer
def _bound_names(sources: Sequence[str]) -> set[str]:
    names = set()
    for source in sources:
        for statement in parse_cell(0, source).statements:
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
    parsed = [parse_cell(i, c.source) for i, c in enumerate(cells)]
    return _Resolver(cells, parsed, name, _bound_names(setup)).answer(check_cell)


class _Resolver:
    """Find the answer's statement and, transitively, the definitions it uses."""

    def __init__(self, cells: list[Cell], parsed: list[Parsed], name: str,
                 setup_names: set[str]):
        self.cells, self.parsed, self.name = cells, parsed, name
        self.setup_names = setup_names
        self.statements = [s for p in parsed for s in p.statements]

    def _bindings(self, name: str) -> list[Statement]:
        """Statements of the student's cells binding ``name``, in notebook order; a name
        of the pristine set-up is never taken from the student's own set-up cell."""
        return [s for s in self.statements if name in s.binds
                and not (self.cells[s.cell].setup and name in self.setup_names)]

    def answer(self, check_cell: int | None) -> Answer:
        name = self.name
        checking = [s.cell for s in self.statements if checks(s.node, name)]
        if check_cell is None and checking:
            check_cell = checking[-1]
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

    def _resolve(self, name: str, at: tuple[int, int]) -> Statement | None:
        """The binding of ``name`` in force at position ``at``: the last one before it,
        else (cells run out of order) the first one after it."""
        bindings = self._bindings(name)
        before = [s for s in bindings if s.position < at]
        if before:
            return before[-1]
        return bindings[0] if bindings else None

    def _collect(self, chosen: Statement, point: int) -> Answer:
        name = self.name
        included: dict[tuple[int, int], Statement] = {chosen.position: chosen}
        needs: dict[tuple[int, int], set[tuple[int, int]]] = {}
        problems: list[str] = []
        refusal = None
        seen: set[tuple[str, tuple[int, int]]] = set()
        todo = [(chosen, ())]
        while todo:
            statement, path = todo.pop()
            immediate, deferred = uses(statement)
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
                module = refused_import(binding.node)
                if module is not None and refusal is None:
                    refusal = self._refused(chain, binding, module)
        module = refused_import(chosen.node)
        if module is not None:
            refusal = (f"the answer imports {REFUSED_MODULES[module.split('.')[0]]}: "
                       "write your own code")
        source, lines = self._compose(included, needs)
        return Answer(name, source, self.cells[chosen.cell].label, refusal,
                      tuple(dict.fromkeys(problems)), lines)

    def _compose(self, included, needs) -> tuple[str, tuple[tuple[str, int], ...]]:
        """The included statements in notebook order, each after those it needs when
        it runs."""
        order: list[Statement] = []
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

    def _computed(self, chain, binding: Statement) -> str:
        label = self.cells[binding.cell].label
        return (f"{self._subject(chain)}, a variable computed in {label} "
                f"(`{binding.summary}`); the grader runs only definitions (functions, "
                f"classes, imports, assignments), so `{chain[-1]}` will be undefined: "
                "define it inside the function or pass it as an argument")

    def _changed(self, chain, binding: Statement, change: Statement) -> str:
        return (f"{self._subject(chain)}, assigned in {self.cells[binding.cell].label} "
                f"and changed in {self.cells[change.cell].label} by `{change.summary}`, "
                "which the grader does not run: it will see the value as first assigned")

    def _refused(self, chain, binding: Statement, module: str) -> str:
        top = module.split(".")[0]
        label = self.cells[binding.cell].label
        if module == _CHECKER or module.startswith(_CHECKER + "."):
            what = (f"`{chain[-1]}` is the exercise checker (imported in {label}), and "
                    f"`{chain[-1]}.{self.name}.reference` is the reference answer")
        else:
            what = f"`{chain[-1]}` comes from `{binding.summary}` in {label}"
        return (f"the answer imports {REFUSED_MODULES[top]}: {what}; the grader does not "
                "have it, so the answer gets 0: write your own code")
