"""Ask the user before a command runs: approve once, always allow this command, or deny with a note.

Shows the command, the directory it runs in, why the model wants it and the policy's warnings. Dismisses
a ``CommandChoice``; escape denies. Migrations do not come here: they need ``MigrationConfirmScreen``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from phasegate.app.agent.command_policy import redact_dsn
from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean


@dataclass(frozen=True)
class CommandChoice:
    """The user's answer. Field names follow ``phasegate.app.agent.tools.CommandDecision``, plus ``always_allow``."""

    approved: bool
    always_allow: bool = False
    note: str | None = None


class CommandApprovalScreen(GatedModal[CommandChoice]):
    CSS_PATH = "command_approval.tcss"
    # Enter approves once (after the grace period): the common answer is one key away; a deny note
    # is a Tab away.
    AUTO_FOCUS = "#approve-once"
    BINDINGS = [("escape", "cancel", "Deny")]

    def __init__(
        self,
        command: str,
        cwd: str,
        reason: str = "",
        warnings: Sequence[str] = (),
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.command = redact_dsn(clean(command))
        self.cwd = clean(cwd)
        self.reason = clean(reason)
        self.warnings = [clean(w) for w in warnings]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("The model wants to run a command", id="title")
            yield Static(Content.assemble(("$ ", "bold"), (self.command, "bold")), id="command")
            yield Static(Content.assemble(("in ", "dim"), self.cwd), id="cwd")
            yield Static(Content.assemble(("why: ", "dim"), self.reason or "(no reason given)"), id="reason")
            if self.warnings:
                yield Static(Content("\n").join(Content(f"⚠ {w}") for w in self.warnings), id="warnings")
            yield Input(placeholder="Note for the model if you deny (optional)", id="deny-note")
            with Horizontal(id="buttons"):
                yield Button("Approve once", id="approve-once", variant="success")
                yield Button("Always allow this command", id="always-allow", variant="primary")
                yield Button("Deny", id="deny", variant="error")

    def on_choice(self, button_id: str) -> None:
        note = self.query_one("#deny-note", Input).value.strip() or None
        if button_id == "approve-once":
            self.dismiss(CommandChoice(approved=True))
        elif button_id == "always-allow":
            self.dismiss(CommandChoice(approved=True, always_allow=True))
        elif button_id == "deny":
            self.dismiss(CommandChoice(approved=False, note=note))

    def action_cancel(self) -> None:
        self.dismiss(CommandChoice(approved=False, note=self.query_one("#deny-note", Input).value.strip() or None))
