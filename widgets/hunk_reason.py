"""A small modal asking why a hunk is rejected; the reason goes back to the model."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class HunkReasonScreen(ModalScreen[str | None]):
    """Dismisses with the reason (non-empty, stripped) or ``None`` when cancelled."""

    DEFAULT_CSS = """
    HunkReasonScreen {
        align: center middle;
        & > Vertical {
            width: 70;
            max-width: 90%;
            height: auto;
            border: thick $error 60%;
            background: $surface;
            padding: 1 2;
        }
        Label { width: 100%; }
        #hunk-reason-hint { color: $text-muted; }
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, path: str, hunk_index: int, header: str = "") -> None:
        super().__init__()
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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if reason:
            self.dismiss(reason)
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
