"""Host apps for the modal screens: used by the Pilot tests and loaded by snap_compare by path
(``screen_hosts.py:NAME``). The host pushes one screen on mount and keeps what it dismissed with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from phasegate.app.tui.screens.command_approval import CommandApprovalScreen
from phasegate.app.tui.screens.dirty_tree import DirtyTreeScreen
from phasegate.app.tui.screens.help_screen import HelpScreen
from phasegate.app.tui.screens.migration_confirm import MigrationConfirmScreen
from phasegate.app.tui.screens.reason_input import ReasonInputScreen
from phasegate.app.tui.screens.resume_session import ResumeSessionScreen
from phasegate.app.tui.screens.rollback_picker import RollbackCandidate, RollbackPickerScreen
from phasegate.phases.models import PhaseState, PhaseStatus, Session, Stage

NO_RESULT = object()


class ScreenHost(App[None]):
    BINDINGS = [
        Binding("y", "noop", "Approve"),
        Binding("e", "noop", "Request changes"),
        Binding("u", "noop", "Roll back"),
        Binding("question_mark", "noop", "Help"),
    ]

    def __init__(self, factory: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.factory = factory
        self.result: Any = NO_RESULT

    def compose(self) -> ComposeResult:
        yield Static("the workbench is behind this modal")
        yield Footer()

    def on_mount(self) -> None:
        self.push_screen(self.factory(), self._dismissed)

    def _dismissed(self, result: Any) -> None:
        self.result = result

    def action_noop(self) -> None:
        pass


def command_screen(**kwargs: Any) -> CommandApprovalScreen:
    return CommandApprovalScreen(
        "psql postgres://app:s3cret@db.internal/shop -c 'select 1'",
        "/home/dev/shop",
        "check that the users table exists",
        ["reads the database", "network access"],
        **kwargs,
    )


def migration_screen(**kwargs: Any) -> MigrationConfirmScreen:
    return MigrationConfirmScreen(
        "DATABASE_URL=postgres://app:s3cret@db.internal:5432/shop alembic upgrade head",
        "postgres://app:s3cret@db.internal:5432/shop",
        "apply the users table migration",
        **kwargs,
    )


def dirty_screen(**kwargs: Any) -> DirtyTreeScreen:
    return DirtyTreeScreen(["M app/models.py", "?? notes.txt", " D old.sql"], **kwargs)


def sample_session() -> Session:
    return Session(
        task="Add a users API with email login",
        stage=Stage.PHASE_REVIEW,
        model="gpt-4o-mini",
        current_phase="api",
        phases=[
            PhaseState(slug="database", status=PhaseStatus.COMMITTED, commit_sha="abc1234"),
            PhaseState(slug="api", status=PhaseStatus.AWAITING_REVIEW),
            PhaseState(slug="testing"),
        ],
        updated_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
    )


def resume_screen(**kwargs: Any) -> ResumeSessionScreen:
    return ResumeSessionScreen(sample_session(), **kwargs)


def reason_screen(**kwargs: Any) -> ReasonInputScreen:
    return ReasonInputScreen(
        "Reject this hunk", "Why? The model gets this reason with your request for changes.",
        placeholder="e.g. keep the old column name", **kwargs,
    )


CANDIDATES = [
    RollbackCandidate("database", "🗄️ Database", "1111111aaaa", ("db/schema.sql", "app/models.py")),
    RollbackCandidate("api", "📡 API", "2222222bbbb", ("app/routes.py", "app/models.py")),
    RollbackCandidate("testing", "🧪 Testing", "3333333cccc", ("tests/test_users.py",)),
]


def rollback_screen(**kwargs: Any) -> RollbackPickerScreen:
    return RollbackPickerScreen(CANDIDATES, **kwargs)


command_app = ScreenHost(command_screen)
# A network command: no "always allow", the dialog says why.
command_network_app = ScreenHost(lambda: CommandApprovalScreen(
    "curl -sS https://api.example.com/v1/health", "/home/dev/shop", "check the staging API answers",
    ["curl can send data off this machine (exfiltration risk)"], kind="network"))
migration_app = ScreenHost(migration_screen)
dirty_app = ScreenHost(dirty_screen)
resume_app = ScreenHost(resume_screen)
reason_app = ScreenHost(reason_screen)
rollback_app = ScreenHost(lambda: rollback_screen(preselect="database"))
help_app = ScreenHost(HelpScreen)
