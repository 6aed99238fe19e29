"""The viewer follows the stage (issue 17), and the live Schema tab (issue 13), in the real workbench.

Real parts: a git repository, the openai client talking to the scripted server on 127.0.0.1, the Textual
app, the schema readers on the files the scripted model writes. One session walks every moment: the
research arrives, a phase writes a migration and runs it, the phase comes back for review, the final
review; at each, the test asserts which tab is in front and what it shows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from textual.widgets import Input, TabbedContent

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.tui.app import Workbench
from phasegate.app.tui.screens.migration_confirm import MigrationConfirmScreen
from phasegate.phases.models import Stage
from phasegate.widgets.diff_view import DiffView
from phasegate.widgets.schema_view import SchemaView
from tests.support.workbench import RESEARCH, idle, notes_repo, plan, press_gate, report, shown, wait_until

USERS_SQL = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\n"
NAME_SQL = "ALTER TABLE users ADD COLUMN display_name TEXT;\n"
MIGRATE_SH = "#!/bin/sh\necho \"applied 0001_users\"\n"


def script() -> list[Turn]:
    """Research, a one-phase plan, a database phase that writes and runs a migration, then (after the user
    continues) adds a column and completes; the final review."""
    return [
        Turn(match="Stage: research", text="Here is what I found.", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", plan("database"))]),
        Turn(match="Current phase: database", text="Writing the users migration, then applying it.", tool_calls=[
            ToolCall("write_file", {"path": "migrations/0001_users.sql", "content": USERS_SQL}),
            ToolCall("write_file", {"path": "migrate.sh", "content": MIGRATE_SH}),
            ToolCall("run_command", {"command": "sh migrate.sh up", "reason": "apply 0001_users to the dev database"}),
        ]),
        Turn(match="Current phase: database", text="Adding the display name.", tool_calls=[
            ToolCall("write_file", {"path": "migrations/0002_users_name.sql", "content": NAME_SQL}),
            ToolCall("complete_phase", report("users table")),
        ]),
        Turn(match="Stage: final_review", text="Everything is in place.", repeat=True),
        Turn(text="Noted.", repeat=True),
    ]


def make_app(repo: Path, server: ScriptedServer) -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task="Add users", resume=False, grace=0)


def active_tab(app: Workbench) -> str:
    return app.query_one("#viewer", TabbedContent).active


def tab_label(app: Workbench, tab: str) -> str:
    return app.query_one("#viewer", TabbedContent).get_tab(tab).label.plain


def main_screen_text(app: Workbench) -> str:
    """What the workbench's own screen shows, under any modal on top of it."""
    return "\n".join(strip.text for strip in app.screen_stack[0]._compositor.render_strips())


async def tick_checklist_and_approve(pilot, app: Workbench) -> None:  # noqa: ANN001
    for checkbox in app.bar.query("Checkbox"):
        checkbox.value = True
    await pilot.pause(0.1)
    await press_gate(pilot, app, "y")
    await idle(pilot, app)


async def test_the_viewer_brings_each_stages_tab_forward_and_keeps_the_users_pick(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            # The research arrives: the Research tab is in front, showing the report to approve.
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            assert active_tab(app) == "research-tab"
            await shown(pilot, app, "A notes API with a README")

            await press_gate(pilot, app, "y")  # approve the research: the plan comes
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PLAN_REVIEW

            # The phase runs: its files are written, then the migration asks for the typed word. Meanwhile
            # the Diff tab is in front with the written files, and the Schema tab holds the live schema.
            await press_gate(pilot, app, "y")
            await wait_until(pilot, lambda: isinstance(app.screen, MigrationConfirmScreen), what="the migration modal")
            diff = app.query_one("#diff", DiffView)
            schema = app.query_one("#schema", SchemaView)
            await wait_until(pilot, lambda: {f.path for f in diff.files} == {"migrations/0001_users.sql", "migrate.sh"},
                             what="the phase's writes in the diff")
            assert app.controller.session.stage == Stage.EXECUTING
            assert active_tab(app) == "diff-tab"
            await wait_until(pilot, lambda: "email TEXT NOT NULL UNIQUE" in main_screen_text(app),
                             what="the written migration's lines on screen")
            await wait_until(pilot, lambda: any(line.strip() == "table added users" for line in schema.rendered_text()),
                             what="the live schema")
            assert not any("No schema loaded." in line for line in schema.rendered_text())

            # The migration runs: the Schema tab comes to the front with the phase's schema change.
            app.screen.query_one("#confirm-word", Input).value = "migrate"
            await pilot.press("enter")
            await idle(pilot, app)
            assert app.controller.session.halted_reason is not None
            assert active_tab(app) == "schema-tab"
            text = await shown(pilot, app, "table added users")
            assert "email TEXT" in text and "Schema ●" in text

            # The user continues: the model adds a column and completes; at the review the Diff tab is in
            # front, and the Schema and Report tabs are marked: both have something to look at.
            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            await wait_until(pilot, lambda: app.review is not None and app.controller.session.stage == Stage.PHASE_REVIEW)
            assert active_tab(app) == "diff-tab"
            assert (tab_label(app, "schema-tab"), tab_label(app, "report-tab")) == ("Schema ●", "Report ●")
            assert tab_label(app, "diff-tab") == "Diff"
            text = await shown(pilot, app, "Report ●")
            assert "Schema ●" in text
            lines = [line.strip() for line in schema.rendered_text()]  # the review's schema: the whole phase
            assert "table added users" in lines and any(line.startswith("display_name TEXT") for line in lines)

            # The user picks the Schema tab. A change within the stage leaves it in front: here the user
            # edits a file by hand and approves, so the review is read again (what they saw is not what
            # would be committed).
            app.set_focus(None)
            await pilot.press("s")
            assert active_tab(app) == "schema-tab"
            (repo / "HAND.md").write_text("written by hand during the review\n")
            await tick_checklist_and_approve(pilot, app)
            await wait_until(pilot, lambda: app.review is not None and "HAND.md" in {f["path"] for f in app.review.facts.files},
                             what="the review read again")
            assert app.controller.session.stage == Stage.PHASE_REVIEW
            assert active_tab(app) == "schema-tab"

            # Commit the phase: the final review's report comes to the front, the marks go.
            await tick_checklist_and_approve(pilot, app)
            assert app.controller.session.stage == Stage.FINAL_REVIEW
            assert active_tab(app) == "report-tab"
            assert (tab_label(app, "schema-tab"), tab_label(app, "report-tab")) == ("Schema", "Report")
            await pilot.press("ctrl+q")


async def test_a_burst_of_writes_reads_the_live_schema_once(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Six files written in one reply: the live schema is read when the phase starts and once after the
    burst (debounced), not once per write."""
    from phasegate.app.session.controller import Controller

    reads: list[str] = []
    real = Controller.phase_schema

    def counted(self: Controller) -> tuple:
        result = real(self)
        reads.append(result[0])
        return result

    monkeypatch.setattr(Controller, "phase_schema", counted)
    writes = [ToolCall("write_file", {"path": f"migrations/000{i}_t{i}.sql", "content": f"CREATE TABLE t{i} (id INTEGER);\n"})
              for i in range(1, 7)]
    turns = [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", plan("database"))]),
        Turn(match="Current phase: database", text="Six tables.", tool_calls=[
            *writes, ToolCall("run_command", {"command": "sh migrate.sh up", "reason": "apply them"})]),
        Turn(text="Noted.", repeat=True),
    ]
    repo = notes_repo(tmp_path / "repo")
    (repo / "migrate.sh").write_text(MIGRATE_SH)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "migration runner"], check=True, capture_output=True)
    with ScriptedServer(turns) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # the phase starts and writes its six files
            await wait_until(pilot, lambda: isinstance(app.screen, MigrationConfirmScreen), what="the migration modal")
            schema = app.query_one("#schema", SchemaView)
            await wait_until(pilot, lambda: "t6  1 columns" in [line.strip() for line in schema.rendered_text()],
                             what="all six tables in the live schema")
            await pilot.pause(0.5)  # longer than the debounce: a read per write would have happened by now
            assert reads and set(reads) == {"database"} and len(reads) <= 2, reads
            app.screen.dismiss(False)  # deny the migration
            await idle(pilot, app)
            await pilot.press("ctrl+q")


def narrow_pane(app: Workbench) -> str | None:
    from textual.widgets import Tabs

    return app.query_one("#narrow-tabs", Tabs).active


async def test_in_the_narrow_layout_a_gate_brings_the_viewer_pane_forward(tmp_path: Path) -> None:
    """Only one pane shows in a narrow terminal: the research to approve, the migration's schema change
    and the review come to the front; while the phase just executes, the chat stays."""
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(100, 40)) as pilot:
            assert narrow_pane(app) == "pane-chat"
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            assert narrow_pane(app) == "pane-viewer" and active_tab(app) == "research-tab"
            await shown(pilot, app, "A notes API with a README")

            await press_gate(pilot, app, "y")  # the plan
            await idle(pilot, app)
            app.query_one("#narrow-tabs").active = "pane-chat"  # the user goes back to the chat
            await pilot.pause()
            await press_gate(pilot, app, "y")  # the phase executes: the chat stays in front
            await wait_until(pilot, lambda: isinstance(app.screen, MigrationConfirmScreen), what="the migration modal")
            assert app.controller.session.stage == Stage.EXECUTING and narrow_pane(app) == "pane-chat"

            app.screen.query_one("#confirm-word", Input).value = "migrate"
            await pilot.press("enter")
            await idle(pilot, app)
            assert narrow_pane(app) == "pane-viewer" and active_tab(app) == "schema-tab"
            await shown(pilot, app, "table added users")
            await pilot.press("ctrl+q")
