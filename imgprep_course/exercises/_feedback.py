"""The feedback widget: a summary (:mod:`._render`) with a Hint button, for notebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import ipywidgets as widgets

from imgprep_course.exercises._render import COLOURS, as_html, as_text, hints_html, summarise

if TYPE_CHECKING:
    from imgprep_course.exercises._core import CaseResult, Exercise


class Feedback:
    """The outcome of :meth:`Exercise.check`: text for terminals, a widget for notebooks.

    Attributes
    ----------
    status : str
        "passed", "failed", "not attempted", "error" or "timeout": in a notebook, the
        status the grader will give the notebook's answer.
    text : str
        A deterministic plain-text summary (what nbval and a terminal show).
    notes : tuple of str
        Where the grader will see the answer differently from this notebook, in words.
    widget : ipywidgets.VBox
        The status, the first failing case, and a Hint button that reveals hints one at
        a time.
    """

    def __init__(self, exercise: Exercise, results: Sequence[CaseResult],
                 notes: Sequence[str] = ()):
        self.exercise = exercise
        self.results = list(results)
        self.summary = summarise(exercise, self.results, notes=notes)
        self.status = self.summary.status
        self.notes = self.summary.notes
        self.hints_shown = 0
        self.text = as_text(self.summary)
        self._summary_html = as_html(self.summary)
        self._hint_box = widgets.HTML()
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o",
                                          tooltip="Show the next hint",
                                          disabled=not exercise.hints)
        self.hint_button.add_class("imgprep-hint")
        self.hint_button.on_click(lambda _button: self.next_hint())
        self.widget = widgets.VBox(
            [widgets.HTML(self._summary_html), widgets.HBox([self.hint_button]),
             self._hint_box],
            layout=widgets.Layout(border=f"1px solid {COLOURS[self.status]}",
                                  padding="4px 8px", margin="4px 0"))
        self.widget.add_class("imgprep-feedback")
        self._hint_box.add_class("imgprep-hints")

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def details(self) -> list[tuple[str, str]]:
        """The rows shown under the headline: (label, text) pairs; none when passed."""
        return list(self.summary.rows)

    def next_hint(self) -> str | None:
        """Reveal the next hint (what the Hint button does); return it, or None if none left."""
        hints = self.exercise.hints
        if self.hints_shown >= len(hints):
            return None
        self.hints_shown += 1
        self._hint_box.value = hints_html(hints, self.hints_shown)
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
                               f"{COLOURS[self.status]};padding:4px 8px'>"
                               f"{self._summary_html}{self._hint_box.value}</div>")
        return bundle
