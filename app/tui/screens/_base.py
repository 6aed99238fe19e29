"""What every decision screen shares: a short grace period in which button presses are ignored.

A modal that pops up while the user is typing must not take the next keystroke (an Enter meant for the
chat) as an approval. ``GatedModal`` ignores ``Button.Pressed`` for ``grace`` seconds after it mounts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button

GRACE_SECONDS = 0.5
ResultT = TypeVar("ResultT")


class GatedModal(ModalScreen[ResultT]):
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, *, grace: float = GRACE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._grace = grace
        self._clock = clock
        self._opened_at = clock()

    def on_mount(self) -> None:
        self._opened_at = self._clock()

    def in_grace(self) -> bool:
        return self._clock() - self._opened_at < self._grace

    @on(Button.Pressed)
    def _gate_button(self, event: Button.Pressed) -> None:
        event.stop()
        if self.in_grace():
            return
        self.on_choice(event.button.id or "")

    def on_choice(self, button_id: str) -> None:
        """A button was pressed after the grace period; subclasses map its id to a result."""

    def action_cancel(self) -> None:
        """Escape: the safe answer (each screen says what that is)."""
        self.dismiss(None)  # type: ignore[arg-type]
