"""Confirm a migration by typing the word ``migrate``.

Shows the command and the target database (passwords redacted, here as well as by the caller). The
Confirm button stays disabled until the input holds exactly ``migrate``; Enter in the input confirms
only then. Dismisses ``True`` (confirmed) or ``False``; escape cancels.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from phasegate.app.agent.command_policy import redact_dsn
from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean

CONFIRM_WORD = "migrate"


class MigrationConfirmScreen(GatedModal[bool]):
    CSS_PATH = "migration_confirm.tcss"

    def __init__(
        self,
        command: str,
        target: str | None,
        reason: str = "",
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.command = redact_dsn(clean(command))
        self.target = redact_dsn(clean(target)) if target else None
        self.reason = clean(reason)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("⚠ Database migration", id="title")
            yield Static(Content.assemble(("$ ", "bold"), (self.command, "bold")), id="command")
            yield Static(
                Content.assemble(("target database: ", "dim"), (self.target or "unknown (could not be determined)", "bold $warning")),
                id="target",
            )
            if self.reason:
                yield Static(Content.assemble(("why: ", "dim"), self.reason), id="reason")
            yield Static(
                Content.from_markup("This changes the database. Type [b]$word[/b] to confirm.", word=CONFIRM_WORD),
                id="explain",
            )
            yield Input(placeholder=f"type {CONFIRM_WORD}", id="confirm-word")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Run migration", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#confirm-word", Input).focus()

    def typed_ok(self) -> bool:
        return self.query_one("#confirm-word", Input).value == CONFIRM_WORD

    @on(Input.Changed, "#confirm-word")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.typed_ok()

    @on(Input.Submitted, "#confirm-word")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.typed_ok() and not self.in_grace():
            self.dismiss(True)

    def on_choice(self, button_id: str) -> None:
        if button_id == "confirm" and self.typed_ok():
            self.dismiss(True)
        elif button_id == "cancel":
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
