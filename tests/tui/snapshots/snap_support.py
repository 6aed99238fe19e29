"""Deterministic workbench runs for the screen-level snapshots.

Every snapshot must come out byte-identical run after run and machine to machine, so everything the
screen could show that is not part of the App's behaviour is pinned here:

- the repository lives at a fixed path (``/tmp/phasegate-snapshots/<name>``, recreated per test): the
  header shows it, and pytest's ``tmp_path`` differs per run;
- git author/committer identity and dates are fixed, and the session id and the domain clock
  (``phasegate.phases.models``) are frozen, so the phase commits' shas (shown in the checklist, the
  final report and the rollback picker) are the same every run;
- the model is ``workbench_script()`` (plus one migration turn) with explicit token usage, each reply
  in one streamed chunk (the screen ends up the same; the run is several times cheaper);
- the snapshot is taken when idle: no turn, no gate action, no worker running, every Markdown pane
  rendered, no toast on screen, the text cursor's blink off.

Two ways to reach a stage. *Live*: the App opens on a fresh repository and Pilot presses the gates
as a user does (research, plan review, the migration, the first phase review). *Resumed*: the
session is driven headlessly with the real ``Controller`` (same scripted model, same repository)
to a later stage, then the App opens on it with ``resume=True``: what a user sees after restarting
phasegate mid-session, and a fraction of the cost of pressing through every earlier gate on a
shared 2-core machine. The chat of a resumed session is the replayed transcript.
"""

from __future__ import annotations

import asyncio
import fcntl
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import textual.constants
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent, TextArea

from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import Settings, load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.tui.app import NARROW_WIDTH, Workbench
from phasegate.phases import models
from phasegate.phases.models import Session, Stage
from tests.support.workbench import idle, notes_repo, press_gate, report, wait_until, workbench_script

SNAPSHOT_ROOT = Path("/tmp/phasegate-snapshots")
WIDE = (160, 45)
NARROW = (100, 40)
TASK = "Add users"
FROZEN_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
GIT_DATE = "2026-01-02T03:04:05+00:00"

Driver = Callable[[Pilot[Any]], Awaitable[None]]


class _FrozenDatetime(datetime):
    """``datetime`` whose ``now()`` is FROZEN_NOW: session ids and stored times stop depending on the clock."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return FROZEN_NOW if tz is not None else FROZEN_NOW.replace(tzinfo=None)


class _FixedUuid:
    """Stands in for the ``uuid`` module inside ``phasegate.phases.models`` only."""

    @staticmethod
    def uuid4() -> uuid.UUID:
        return uuid.UUID(int=0xC0FFEE)


def freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the clock-, random- and machine-dependent inputs (see the module docstring)."""
    # The developer's terminal preferences must not reach the picture (Textual reads these when the App starts).
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(textual.constants, "FILTERS", "")
    monkeypatch.setattr(models, "datetime", _FrozenDatetime)
    monkeypatch.setattr(models, "uuid", _FixedUuid)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Snapshot User")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "snapshot@example.invalid")
        monkeypatch.setenv(f"GIT_{who}_DATE", GIT_DATE)


@contextmanager
def fixed_repo(name: str) -> Iterator[Path]:
    """The repository for one snapshot, at a fixed path, recreated from scratch.

    The path is shared by every checkout on the machine, so a lock keeps two test runs (two
    engineers, or xdist workers) from recreating the same repository under each other.
    """
    SNAPSHOT_ROOT.mkdir(parents=True, exist_ok=True)
    with open(SNAPSHOT_ROOT / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            path = SNAPSHOT_ROOT / name
            shutil.rmtree(path, ignore_errors=True)
            yield notes_repo(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


MIGRATE_SH = "#!/bin/sh\n# Applies migrations/*.sql in order (a stand-in for a real migration tool).\necho \"applied 0001_users\"\n"
API_SCHEMA_EDIT = "  name TEXT NOT NULL,\n  email TEXT UNIQUE\n"
API_PY = "def create_user(name, email=None):\n    \"\"\"POST /users\"\"\"\n    return {'name': name, 'email': email}\n"
USERS_SQL = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\n"


def snapshot_script(*, migration: bool = False) -> list[Turn]:
    """``workbench_script()`` with fixed usage, one chunk per reply, an api phase that edits a committed
    file, and (``migration``) a database phase that runs a migration."""
    turns = workbench_script()
    if migration:
        turns.insert(0, Turn(
            match="Current phase: database",
            text="Writing the users migration, then applying it.",
            tool_calls=[
                ToolCall("write_file", {"path": "migrations/0001_users.sql", "content": USERS_SQL}),
                ToolCall("write_file", {"path": "migrate.sh", "content": MIGRATE_SH}),
                ToolCall("mark_task_done", {"task_id": "database.1"}),
                ToolCall("run_command", {"command": "sh migrate.sh up", "reason": "apply 0001_users to the dev database"}),
            ],
        ))
    # The api phase also changes a committed file, so the split diff has two sides to show.
    turns.insert(0, Turn(
        match="Current phase: api",
        text="Adding the endpoint; names become required.",
        tool_calls=[
            ToolCall("edit_file", {"path": "schema.sql", "search": "  name TEXT\n", "replace": API_SCHEMA_EDIT}),
            ToolCall("write_file", {"path": "api.py", "content": API_PY}),
            ToolCall("complete_phase", report("POST /users")),
        ],
    ))
    for turn in turns:
        turn.usage = (900, 100)
        turn.chunk_chars = 100_000  # one chunk per reply: the picture is the same, the run much cheaper
    return turns


def settings_for(repo: Path, server: ScriptedServer) -> Settings:
    return load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings


def make_app(repo: Path, server: ScriptedServer, *, resume: bool = False) -> Workbench:
    return Workbench(repo, settings_for(repo, server), task=TASK, resume=resume, grace=0)


async def _no_commands(request: CommandRequest) -> CommandDecision:
    raise AssertionError(f"the pre-driven session asked to run {request.command!r}")


def drive_headless(repo: Path, server: ScriptedServer, until: Callable[[Session], bool]) -> Session:
    """Approve every gate with the real Controller (no UI) until ``until(session)``; the App resumes there."""
    from phasegate.app.session.controller import Controller

    async def drive() -> Session:
        controller = Controller.open(repo, settings_for(repo, server), approver=_no_commands, resume=False, task=TASK)
        try:
            await controller.start()
            for _ in range(20):
                if until(controller.session):
                    return controller.session
                await controller.approve()
            raise AssertionError(f"the session never reached the wanted state (at {controller.session.stage})")
        finally:
            controller.close()
            # Controller.close() leaves the model client open; closed here, on its own loop, it does not
            # log "Event loop is closed" when it is collected after asyncio.run() returns.
            if controller._llm is not None:
                await controller._llm.aclose()

    return asyncio.run(drive())


def at_stage(stage: Stage, phase: str | None = None) -> Callable[[Session], bool]:
    return lambda s: s.stage == stage and (phase is None or s.current_phase == phase)


# ---------------------------------------------------------------------------------------------- settling


def _busy(app: Workbench) -> bool:
    if app.controller is None or app.controller.busy:
        return True
    if any(not worker.is_finished for worker in app.workers):
        return True
    return any(not getattr(pane, "complete", True) for pane in app.query("MarkdownPane"))


async def settle(pilot: Pilot[Any]) -> None:
    """Idle and still: nothing running, nothing rendering, no toast, the cursor not blinking."""
    app = pilot.app
    assert isinstance(app, Workbench)
    await idle(pilot, app)
    await wait_until(pilot, lambda: not _busy(app), what="every worker and Markdown pane to finish")
    app.clear_notifications()
    for widget in (*app.query(TextArea), *app.query(Input)):
        widget.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)
    await wait_until(pilot, lambda: not _busy(app), what="the last repaint's workers")
    # The picture is of the layout the width asks for (narrow below NARROW_WIDTH columns).
    assert app.screen.has_class("-narrow") == (app.size.width < NARROW_WIDTH)


# ---------------------------------------------------------------------------------------------- live stages


def _app(pilot: Pilot[Any]) -> Workbench:
    app = pilot.app
    assert isinstance(app, Workbench)
    return app


async def _opened(pilot: Pilot[Any]) -> Workbench:
    app = _app(pilot)
    await wait_until(pilot, lambda: app.controller is not None, what="the session to open")
    return app


async def to_research(pilot: Pilot[Any]) -> None:
    """The research report is in: the Research tab shows it; the gate offers the plan."""
    app = await _opened(pilot)
    await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
    await idle(pilot, app)
    app.action_show_tab("research-tab")
    await settle(pilot)


async def narrow_chat(pilot: Pilot[Any]) -> None:
    """Narrow terminal once the research is in: the panes are tabs; the research brought the Viewer pane
    forward, and the user went back to the Chat pane."""
    app = await _opened(pilot)
    await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
    await idle(pilot, app)
    app.query_one("#narrow-tabs").active = "pane-chat"
    await settle(pilot)


async def to_plan_review(pilot: Pilot[Any]) -> None:
    app = _app(pilot)
    await to_research(pilot)
    await press_gate(pilot, app, "y")
    await idle(pilot, app)
    assert app.controller is not None and app.controller.session.stage == Stage.PLAN_REVIEW
    app.action_show_tab("diff-tab")
    await settle(pilot)


async def to_executing_after_migration(pilot: Pilot[Any]) -> None:
    """The database phase ran a migration (typed confirmation): its turn ended, the phase waits for the user,
    and the viewer shows the live Schema tab (the phase's schema change so far: the users table added)."""
    from phasegate.app.tui.screens.migration_confirm import MigrationConfirmScreen

    app = _app(pilot)
    await to_plan_review(pilot)
    await press_gate(pilot, app, "y")
    await wait_until(pilot, lambda: isinstance(app.screen, MigrationConfirmScreen), what="the migration modal")
    await pilot.pause()  # grace=0: no grace period to wait out
    app.screen.query_one("#confirm-word", Input).value = "migrate"
    await pilot.press("enter")
    await idle(pilot, app)
    assert app.controller is not None
    session = app.controller.session
    assert session.stage == Stage.EXECUTING and session.current_phase == "database" and session.halted_reason
    assert app.query_one("#viewer", TabbedContent).active == "schema-tab"  # the viewer followed the migration
    await settle(pilot)


async def _phase_reviewed(pilot: Pilot[Any]) -> Workbench:
    app = await _opened(pilot)
    await idle(pilot, app)
    await wait_until(
        pilot,
        lambda: app.review is not None and app.controller is not None
        and app.controller.session.stage == Stage.PHASE_REVIEW,
        what="the phase review",
    )
    return app


async def to_phase_review(pilot: Pilot[Any]) -> None:
    """The database phase is back for review: its diff (unified) and the security checklist."""
    app = _app(pilot)
    await to_plan_review(pilot)
    await press_gate(pilot, app, "y")
    await _phase_reviewed(pilot)
    await settle(pilot)


# ---------------------------------------------------------------------------------------------- resumed stages


async def phase_review_split(pilot: Pilot[Any]) -> None:
    """Resumed at the api phase's review (it edits schema.sql): the diff side by side."""
    app = await _phase_reviewed(pilot)
    app.diff_view.split = True
    await settle(pilot)


async def final_review(pilot: Pilot[Any]) -> None:
    """Resumed at the final review: every phase committed, the final report in the Report tab."""
    app = await _opened(pilot)
    await idle(pilot, app)
    app.action_show_tab("report-tab")
    await settle(pilot)


async def done(pilot: Pilot[Any]) -> None:
    """Resumed at the final review, approved with y: the session is done."""
    app = await _opened(pilot)
    await idle(pilot, app)
    await press_gate(pilot, app, "y")
    await idle(pilot, app)
    assert app.controller is not None and app.controller.session.stage == Stage.DONE
    app.action_show_tab("report-tab")
    await settle(pilot)


async def narrow_viewer(pilot: Pilot[Any]) -> None:
    """Narrow terminal, resumed at the api phase's review, the Viewer tab picked (d shows the diff)."""
    app = await _phase_reviewed(pilot)
    app.set_focus(None)
    await pilot.press("d")
    await settle(pilot)
