"""Ask why a hunk is rejected; the reason goes back to the model with the change request.

The diff view only *asks* (``DiffView.HunkRejectRequested``): widgets push no screens. The App shows
this modal and hands the answer back with ``DiffView.reject_hunk``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal


class HunkReasonScreen(GatedModal[str | None]):
    """Dismisses with the reason (non-empty, stripped) or ``None`` when cancelled (escape)."""

    CSS_PATH = "hunk_reason.tcss"

    def __init__(self, path: str, hunk_index: int, header: str = "", *, grace: float = GRACE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(grace=grace, clock=clock)
        self.path = path
        self.hunk_index = hunk_index
        self.header = header

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Reject hunk {self.hunk_index + 1} of {self.path}", markup=False)
            if self.header:
                yield Label(self.header, markup=False, id="hunk-reason-header")
            yield Input(placeholder="Why? (sent to the model with the change request)", id="hunk-reason-input")
            yield Label("enter: reject · escape: cancel", id="hunk-reason-hint")

    @on(Input.Submitted, "#hunk-reason-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if reason and not self.in_grace():
            self.dismiss(reason)
        else:
            self.app.bell()
