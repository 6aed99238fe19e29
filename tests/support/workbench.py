"""Helpers for driving the workbench with Pilot against the scripted server on a real repository."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from phasegate.app.demo.scripted_server import ToolCall, Turn
from phasegate.app.tui.app import Workbench

RESEARCH = {
    "understanding": [{"text": "A notes API with a README", "evidence": "README.md"}],
    "assumptions": [{"text": "SQLite in development"}],
    "questions": [{"text": "Which roles exist?"}],
    "risks": [{"text": "No auth on admin routes", "evidence": "README.md"}],
}


def plan(*slugs: str, extra_task: bool = False) -> dict:
    titles = {"database": "Database", "api": "API", "testing": "Testing"}
    phases = []
    for slug in slugs:
        tasks = [{"title": "Design", "detail": f"{slug} design"}, {"title": "Verification", "detail": "run checks"}]
        if extra_task and slug == "database":
            tasks.append({"title": "Rollback Plan", "detail": "down migration"})
        phases.append({"slug": slug, "title": titles[slug], "tasks": tasks})
    return {"phases": phases}


def report(summary: str) -> dict:
    return {"summary": summary, "changes": [summary], "verification": [{"step": "checks", "passed": True}]}


def workbench_script() -> list[Turn]:
    """Research, a plan and a revised plan, three phases; the database phase is revised once."""
    return [
        Turn(match="Stage: research", text="Looking at the repository.", tool_calls=[ToolCall("read_file", {"path": "README.md"})]),
        Turn(match="Stage: research", text="Here is what I found.", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", plan("database", "api", "testing"))]),
        Turn(match="Stage: planning", text="Added a rollback task.", tool_calls=[ToolCall("submit_plan", plan("database", "api", "testing", extra_task=True))]),
        Turn(
            match="Revision requested: yes",
            text="Reworked the schema.",
            tool_calls=[
                ToolCall("edit_file", {"path": "schema.sql", "search": "name TEXT", "replace": "name TEXT NOT NULL"}),
                ToolCall("complete_phase", report("users table, revised")),
            ],
        ),
        Turn(
            match="Current phase: database",
            text="Creating the users table.",
            tool_calls=[
                ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n"}),
                ToolCall("write_file", {"path": "notes.txt", "content": "temporary scratch notes\n"}),
                ToolCall("mark_task_done", {"task_id": "database.1"}),
                ToolCall("complete_phase", report("users table")),
            ],
        ),
        Turn(
            match="Current phase: api",
            tool_calls=[
                ToolCall("write_file", {"path": "api.py", "content": "def create_user(name):\n    return {'name': name}\n"}),
                ToolCall("complete_phase", report("POST /users")),
            ],
        ),
        Turn(
            match="Current phase: testing",
            tool_calls=[
                ToolCall("write_file", {"path": "test_api.py", "content": "from api import create_user\n\n\ndef test_create():\n    assert create_user('a') == {'name': 'a'}\n"}),
                ToolCall("complete_phase", report("tests")),
            ],
        ),
        Turn(match="Stage: final_review", text="Everything is in place.", repeat=True),
        Turn(text="Noted.", repeat=True),
    ]


def notes_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    run = lambda *a: subprocess.run(["git", "-C", str(path), *a], check=True, capture_output=True)  # noqa: E731
    run("init", "-q", "-b", "main")
    (path / "README.md").write_text("# notes api\n")
    run("add", "-A")
    run("commit", "-qm", "initial")
    return path


def screen_text(app: Workbench) -> str:
    """The text the terminal shows now, line by line (the composed screen, modals included)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def shown(pilot: Pilot, app: Workbench, text: str, timeout: float = 10.0) -> str:
    """Wait until ``text`` is on the screen (repaints lag behind state on a loaded machine)."""
    await wait_until(pilot, lambda: text in screen_text(app), timeout, what=f"{text!r} on screen")
    return screen_text(app)


async def wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    steps = int(timeout / 0.05)
    for _ in range(steps):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


ACTIVE_GROUPS = ("turn", "gate", "open", "review", "diff", "schema")


async def idle(pilot: Pilot, app: Workbench, timeout: float = 15.0) -> None:
    """Wait until the model's turn, every gate action and the review/diff loads are over: on the workers'
    completion (and the messages they posted being handled), not on a timer. A worker waiting on a modal
    never completes: that times out, as it should."""

    def active() -> list:
        return [w for w in app.workers if w.group in ACTIVE_GROUPS and not w.is_finished]

    async def settle() -> None:
        while True:
            await app.workers.wait_for_complete(active())
            await pilot.pause()  # the Messages the workers posted are handled, which may start new workers
            if app.controller is not None and not app.controller.busy and not active():
                return

    try:
        await asyncio.wait_for(settle(), timeout)
    except TimeoutError:
        raise AssertionError("timed out waiting for the workbench to become idle") from None


async def press_gate(pilot: Pilot, app: Workbench, key: str) -> None:
    """Press an approval key the way a user does: outside the chat input, after the grace period (none
    when the test made the app with ``grace=0``)."""
    app.set_focus(None)
    await pilot.pause(app.grace + 0.05 if app.grace else None)
    await pilot.press(key)
