"""An unfinished session exists for this repository: resume it or start a new one.

Dismisses ``"resume"`` or ``"new"``; escape resumes (the safe choice: nothing is thrown away).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Label, Static

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.phases.models import PhaseStatus, Session
from phasegate.widgets._support import clean, shorten
from phasegate.widgets.status_header import STAGE_LABELS


def session_summary(session: Session) -> Content:
    committed = sum(1 for p in session.phases if p.status == PhaseStatus.COMMITTED)
    lines = [
        Content.assemble(("task: ", "dim"), shorten(session.task, 200) or "(none)"),
        Content.assemble(("stage: ", "dim"), (STAGE_LABELS.get(session.stage, str(session.stage)), "bold")),
        Content.assemble(("last saved: ", "dim"), session.updated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if session.phases:
        lines.append(Content.assemble(("phases committed: ", "dim"), f"{committed} of {len(session.phases)}"))
    if session.current_phase:
        lines.append(Content.assemble(("current phase: ", "dim"), clean(session.current_phase)))
    if session.model:
        lines.append(Content.assemble(("model: ", "dim"), clean(session.model)))
    return Content("\n").join(lines)


class ResumeSessionScreen(GatedModal[str]):
    CSS_PATH = "resume_session.tcss"

    def __init__(
        self,
        session: Session,
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Resume the unfinished session?", id="title")
            yield Static(session_summary(self.session), id="summary")
            with Horizontal(id="buttons"):
                yield Button("Start a new session", id="new")
                yield Button("Resume", id="resume", variant="success")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#resume", Button).focus()  # Enter (after the grace period) keeps the work

    def on_choice(self, button_id: str) -> None:
        if button_id in ("resume", "new"):
            self.dismiss(button_id)

    def action_cancel(self) -> None:
        self.dismiss("resume")
