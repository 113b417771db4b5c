"""Feedback on an exercise: a plain text summary and an ipywidgets view with hints."""

from __future__ import annotations

import html
import inspect
from typing import Sequence

import ipywidgets as widgets

from imgprep_course.exercises._compare import describe
from imgprep_course.exercises._core import CaseResult, Exercise

_BADGES = {"passed": "PASSED", "failed": "FAILED", "not attempted": "NOT ATTEMPTED",
           "error": "ERROR", "timeout": "TIMEOUT"}
_COLOURS = {"passed": "#1b7f3b", "failed": "#b42318", "not attempted": "#6b7280",
            "error": "#b42318", "timeout": "#b54708"}


class Feedback:
    """The outcome of :meth:`Exercise.check`: text for terminals, a widget for notebooks.

    Attributes
    ----------
    status : str
        "passed", "failed", "not attempted" or "error".
    text : str
        A deterministic plain-text summary (what nbval and a terminal show).
    widget : ipywidgets.VBox
        The status, the first failing case, and a Hint button that reveals hints one at
        a time.
    """

    def __init__(self, exercise: Exercise, results: Sequence[CaseResult]):
        self.exercise = exercise
        self.results = list(results)
        self._cases = exercise.cases()  # made once: cases may load images
        self.status = exercise.status_of(self.results)
        self.hints_shown = 0
        self._headline = self._make_headline()
        self._rows = self._make_rows()
        self.text = self._text()
        self._hint_box = widgets.HTML()
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o",
                                          tooltip="Show the next hint",
                                          disabled=not exercise.hints)
        self.hint_button.add_class("imgprep-hint")
        self.hint_button.on_click(lambda _button: self.next_hint())
        self.widget = widgets.VBox(
            [widgets.HTML(self._html()), widgets.HBox([self.hint_button]), self._hint_box],
            layout=widgets.Layout(border=f"1px solid {_COLOURS[self.status]}",
                                  padding="4px 8px", margin="4px 0"))
        self.widget.add_class("imgprep-feedback")
        self._hint_box.add_class("imgprep-hints")

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def next_hint(self) -> str | None:
        """Reveal the next hint (what the Hint button does); return it, or None if none left."""
        hints = self.exercise.hints
        if self.hints_shown >= len(hints):
            return None
        self.hints_shown += 1
        self._hint_box.value = "".join(
            f"<p><b>Hint {i + 1}/{len(hints)}:</b> {html.escape(h)}</p>"
            for i, h in enumerate(hints[:self.hints_shown]))
        if self.hints_shown == len(hints):
            self.hint_button.disabled = True
            self.hint_button.description = "No more hints"
        return hints[self.hints_shown - 1]

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = self.text
        # for renderers without the widget's model (a website, nbconvert, GitHub)
        bundle["text/html"] = (f"<div class='imgprep-feedback' style='border:1px solid "
                               f"{_COLOURS[self.status]};padding:4px 8px'>{self._html()}"
                               f"{self._hint_box.value}</div>")
        return bundle

    def _make_headline(self) -> str:
        ex = self.exercise
        earned = ex.points if self.passed else 0
        unit = "point" if ex.points == 1 else "points"
        head = f"[{_BADGES[self.status]}] Exercise {ex.number} {ex.name}: {ex.title}"
        n = len(self._cases)
        if self.status == "passed":
            return f"{head} -- all {n} cases passed ({earned}/{ex.points} {unit})"
        if self.status == "not attempted":
            return f"{head} -- not attempted yet ({ex.points} {unit})"
        last = self.results[-1]
        return (f"{head} -- case {last.index + 1} of {n} {_verb(last.status)} "
                f"({earned}/{ex.points} {unit})")

    def details(self) -> list[tuple[str, str]]:
        """The rows shown under the headline: (label, text) pairs; none when passed.

        Hidden cases show neither their input nor any expected value.
        """
        return list(self._rows)

    def _make_rows(self) -> list[tuple[str, str]]:
        if self.status in ("passed", "not attempted") or not self.results:
            return []
        last = self.results[-1]
        case = self._cases[last.index] if last.index < len(self._cases) else None
        rows = [("mistake", last.diagnosis)] if last.diagnosis else []
        if case is not None and case.hidden:
            rows.append(("input", "hidden (this case is graded, but not shown)"))
        elif case is not None:
            rows.append(("input", _describe_args(self.exercise.reference, case)))
            if last.status == "failed" and not case.hidden:
                rows.append(("expected", last.expected))
                rows.append(("actual", last.actual))
        rows.append(("problem", last.message))
        return rows

    def _text(self) -> str:
        lines = [self._headline]
        lines += [f"  {k + ':':<9} {v}" for k, v in self._rows]
        if self.status != "passed" and self.exercise.hints:
            n = len(self.exercise.hints)
            lines.append(f"  {n} hint{'s' if n > 1 else ''} available: click Hint.")
        return "\n".join(lines)

    def _html(self) -> str:
        colour = _COLOURS[self.status]
        rows = "".join(
            f"<tr><td style='padding-right:8px;vertical-align:top'><b>{html.escape(k)}</b></td>"
            f"<td><code>{html.escape(v)}</code></td></tr>" for k, v in self._rows)
        return (f"<div style='color:{colour};font-weight:bold'>"
                f"{html.escape(self._headline)}</div>"
                + (f"<table>{rows}</table>" if rows else ""))


def _verb(status: str) -> str:
    return {"failed": "failed", "error": "raised an error", "timeout": "timed out"}.get(
        status, status)


def _describe_args(function, case) -> str:
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = []
    parts = []
    for i, value in enumerate(case.args):
        label = names[i] if i < len(names) else f"arg{i}"
        parts.append(f"{label} = {describe(value)}")
    parts += [f"{k} = {describe(v)}" for k, v in case.kwargs.items()]
    return ", ".join(parts)
