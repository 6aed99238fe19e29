"""Ask for one line of text: a reason for rejecting a hunk, an override, the changes to request.

Dismisses the stripped text, or ``None`` when cancelled. With ``required`` (the default) an empty line
is not accepted.
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


class ReasonInputScreen(GatedModal[str | None]):
    CSS_PATH = "reason_input.tcss"

    def __init__(
        self,
        title: str,
        prompt: str = "",
        *,
        placeholder: str = "",
        initial: str = "",
        required: bool = True,
        ok_label: str = "OK",
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.title_text = clean(title)
        self.prompt = clean(prompt)
        self.placeholder = clean(placeholder)
        self.initial = clean(initial)
        self.required = required
        self.ok_label = ok_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(self.title_text), id="title")
            if self.prompt:
                yield Static(Content(self.prompt), id="prompt")
            yield Input(self.initial, placeholder=self.placeholder, id="reason")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.ok_label, id="ok", variant="primary", disabled=self.required and not self.initial.strip())

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason", Input).focus()

    def _value(self) -> str:
        return self.query_one("#reason", Input).value.strip()

    @on(Input.Changed, "#reason")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = self.required and not self._value()

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.in_grace():
            self.on_choice("ok")

    def on_choice(self, button_id: str) -> None:
        if button_id == "ok" and (self._value() or not self.required):
            self.dismiss(self._value())
        elif button_id == "cancel":
            self.dismiss(None)
