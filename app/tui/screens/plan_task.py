"""Edit a task of the plan under review, or write a new one: its title and its detail.

The plan checklist only asks (``PlanChecklist.EditRequested``); the App shows this modal and applies
the answer as a workflow event (a new plan version, marked as the user's). Dismisses
``(title, detail)`` with both on one line each (the strict plan format has one line per task), or
``None`` when cancelled (escape). The title is required.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean


class PlanTaskScreen(GatedModal[tuple[str, str] | None]):
    CSS_PATH = "plan_task.tcss"

    def __init__(
        self,
        heading: str,
        *,
        title: str = "",
        detail: str = "",
        where: str = "",
        ok_label: str = "Save",
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.heading = clean(heading)
        self.where = clean(where)
        self.initial_title = clean(title)
        self.initial_detail = clean(detail)
        self.ok_label = ok_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(self.heading), id="title")
            if self.where:
                yield Static(Content(self.where), id="where")
            yield Label("Title", classes="field")
            yield Input(self.initial_title, placeholder="e.g. Add a unique index on users.email", id="task-title")
            yield Label("Detail", classes="field")
            yield Input(self.initial_detail, placeholder="files, tables, endpoints or commands involved (optional)",
                        id="task-detail")
            yield Static(Content.from_markup("[dim]enter saves · tab moves · escape cancels[/dim]"), id="hint")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.ok_label, id="ok", variant="primary", disabled=not self.initial_title.strip())

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#task-title", Input).focus()

    def _values(self) -> tuple[str, str]:
        title = " ".join(self.query_one("#task-title", Input).value.split())
        detail = " ".join(self.query_one("#task-detail", Input).value.split())
        return title, detail

    @on(Input.Changed, "#task-title")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = not self._values()[0]

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.in_grace():
            return
        if self._values()[0]:
            self.on_choice("ok")
        else:
            self.query_one("#task-title", Input).focus()
            self.app.bell()

    def on_choice(self, button_id: str) -> None:
        if button_id == "ok" and self._values()[0]:
            self.dismiss(self._values())
        elif button_id == "cancel":
            self.dismiss(None)
