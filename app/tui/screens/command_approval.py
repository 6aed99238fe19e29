"""Ask the user before a command runs: approve once (``y``), always allow it for this session (``a``), or
deny (``n``, escape, or enter in the note field) with an optional note for the model.

Shows the command, the directory it runs in, why the model wants it and the policy's warnings. Dismisses
a ``CommandChoice``. Migrations do not come here: they need ``MigrationConfirmScreen``.

The least safe answer is never one keystroke from the default: focus starts on "Approve once", the
"always" button takes no focus (Tab and shift+Tab never land on it; only ``a`` or a click choose it),
and it is not offered at all for what ``command_policy.always_allow_refusal`` refuses (network,
migration, destructive, chained or warned commands): the dialog says why instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from phasegate.app.agent.command_policy import Kind, always_allow_refusal, redact_dsn
from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean


@dataclass(frozen=True)
class CommandChoice:
    """The user's answer. Field names follow ``phasegate.app.agent.tools.CommandDecision``, plus ``always_allow``."""

    approved: bool
    always_allow: bool = False
    note: str | None = None


def key_label(key: str, text: str) -> Content:
    """A button label that shows its key: "y Approve once" with the key in bold."""
    return Content.assemble((key, "bold reverse"), " ", text)


class AlwaysAllowButton(Button, can_focus=False):
    """Chosen with ``a`` or a click only: focus never moves onto the least safe answer."""


class CommandApprovalScreen(GatedModal[CommandChoice]):
    CSS_PATH = "command_approval.tcss"
    # Enter approves once (after the grace period): the common answer is one key away; a deny note
    # is a Tab away, and enter there denies with the note.
    AUTO_FOCUS = "#approve-once"
    BINDINGS = [
        Binding("y", "choose('approve-once')", "Approve once", id="command.approve-once"),
        Binding("a", "choose('always-allow')", "Always allow", id="command.always-allow"),
        Binding("n", "choose('deny')", "Deny", id="command.deny"),
        Binding("escape", "cancel", "Deny", id="command.cancel"),
    ]

    def __init__(
        self,
        command: str,
        cwd: str,
        reason: str = "",
        warnings: Sequence[str] = (),
        *,
        kind: Kind = "normal",
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        #: Why "always allow" is not offered (None: it is); decided on the command as the tool saw it.
        self.always_refusal = always_allow_refusal(command, kind)
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
            yield Input(placeholder="Note for the model if you deny (optional; enter denies with it)", id="deny-note")
            if self.always_refusal:
                yield Static(Content.assemble(("No \"always allow\": ", "dim"), clean(self.always_refusal)),
                             id="no-always")
            with Horizontal(id="buttons"):
                yield Button(key_label("y", "Approve once"), id="approve-once", variant="success")
                if self.always_refusal is None:
                    yield AlwaysAllowButton(key_label("a", "Always allow for this session"), id="always-allow",
                                            variant="primary")
                yield Button(key_label("n", "Deny"), id="deny", variant="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters == ("always-allow",) and self.always_refusal is not None:
            return False  # not offered: the key does nothing and the footer does not show it
        return True

    def action_choose(self, button_id: str) -> None:
        """``y`` / ``a`` / ``n``: the same as pressing the button, grace period included."""
        if not self.in_grace():
            self.on_choice(button_id)

    @on(Input.Submitted, "#deny-note")
    def _deny_with_note(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose("deny")

    def on_choice(self, button_id: str) -> None:
        note = self.query_one("#deny-note", Input).value.strip() or None
        if button_id == "approve-once":
            self.dismiss(CommandChoice(approved=True))
        elif button_id == "always-allow" and self.always_refusal is None:
            self.dismiss(CommandChoice(approved=True, always_allow=True))
        elif button_id == "deny":
            self.dismiss(CommandChoice(approved=False, note=note))

    def action_cancel(self) -> None:
        self.dismiss(CommandChoice(approved=False, note=self.query_one("#deny-note", Input).value.strip() or None))
