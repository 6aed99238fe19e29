"""Move a task of the plan under review to another phase: pick the phase.

Dismisses the chosen phase's slug, or ``None`` (escape). The task goes to the end of that phase.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean


class PlanMoveScreen(GatedModal[str | None]):
    CSS_PATH = "plan_move.tcss"

    def __init__(
        self,
        task_title: str,
        phases: Sequence[tuple[str, str]],
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``phases``: ``(slug, heading)`` of the phases the task may move to."""
        super().__init__(grace=grace, clock=clock)
        self.task_title = clean(task_title)
        self.phases = list(phases)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content.assemble("Move ", (self.task_title, "bold"), " to"), id="title")
            yield OptionList(*(Option(Content(clean(heading)), id=slug) for slug, heading in self.phases), id="phases")
            yield Static(Content.from_markup("[dim]enter moves it to the end of that phase · escape cancels[/dim]"),
                         id="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#phases", OptionList).focus()

    @on(OptionList.OptionSelected, "#phases")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not self.in_grace():
            self.dismiss(event.option.id)
