"""The working tree has uncommitted changes at start: commit them as a baseline, stash them, or abort.

phasegate commits each phase on its own, so the user's own edits must not be mixed into a phase commit.
Dismisses ``"baseline"``, ``"stash"`` or ``"abort"`` (escape aborts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Label, Static

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean

MAX_FILES_SHOWN = 30


class DirtyTreeScreen(GatedModal[str]):
    CSS_PATH = "dirty_tree.tcss"

    def __init__(
        self,
        files: Sequence[str],
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.files = [clean(f) for f in files]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("The working tree has uncommitted changes", id="title")
            yield Static(
                "phasegate makes one commit per approved phase. Your own changes must be set aside first "
                "so they never end up in a phase commit.",
                id="explain",
            )
            shown = self.files[:MAX_FILES_SHOWN]
            more = len(self.files) - len(shown)
            lines = [Content(f"  {f}") for f in shown] + ([Content(f"  … and {more} more")] if more > 0 else [])
            with VerticalScroll(id="files"):
                yield Static(Content("\n").join(lines))
            with Horizontal(id="buttons"):
                yield Button("Abort", id="abort")
                yield Button("Stash them", id="stash", variant="primary")
                yield Button("Commit as baseline", id="baseline", variant="success")

    def on_choice(self, button_id: str) -> None:
        if button_id in ("baseline", "stash", "abort"):
            self.dismiss(button_id)

    def action_cancel(self) -> None:
        self.dismiss("abort")
