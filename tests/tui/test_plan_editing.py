"""The plan is the user's too: in the workbench, with keys, the user edits, adds, deletes and moves
tasks of the plan under review and comments on them; the checklist and the version list show it, and
the comments reach the model as one message with the next request for changes. The palette's
"Edit plan in $EDITOR" runs a real editor process (a small script) and reads the plan back.

Real parts: a real git repository, the scripted OpenAI-protocol server on 127.0.0.1, the real App.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.app.tui.app import Workbench
from phasegate.app.tui.plan_edits import edit_file_path
from phasegate.phases.models import Stage
from tests.support.workbench import (
    idle,
    notes_repo,
    press_gate,
    screen_text,
    shown,
    wait_until,
    workbench_script,
)


def make_app(repo: Path, server: ScriptedServer) -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task="Add users", resume=False, grace=0)


async def to_plan_review(pilot, app: Workbench) -> None:
    await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
    await idle(pilot, app)
    await press_gate(pilot, app, "y")
    await idle(pilot, app)
    assert app.controller is not None and app.controller.session.stage == Stage.PLAN_REVIEW
    await shown(pilot, app, "Approve plan v1 → start database")


def cursor(app: Workbench) -> tuple[str, str] | None:
    node = app.plan_widget.plan_tree.cursor_node
    return node.data if node is not None else None


async def move_to(pilot, app: Workbench, data: tuple[str, str]) -> None:
    """Walk the cursor down the checklist with the arrow keys until it is on ``data``."""
    app.plan_widget.plan_tree.focus()
    await pilot.press("home")
    for _ in range(30):
        if cursor(app) == data:
            return
        await pilot.press("down")
    raise AssertionError(f"{data} is not in the checklist")


async def fill_modal(pilot, *values: str) -> None:
    """Type into the modal's inputs in order (tab between them), then enter."""
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(Input)), what="a modal with an input")
    inputs = list(pilot.app.screen.query(Input))
    for field, value in zip(inputs, values, strict=False):
        field.value = value
    await pilot.press("enter")


async def test_the_user_edits_the_plan_with_keys_and_comments_go_with_the_request_for_changes(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await to_plan_review(pilot, app)
            c = app.controller
            assert c is not None
            text = screen_text(app)
            assert "Plan v1 · model" in text

            # t on a task: edit its title and detail.
            await move_to(pilot, app, ("task", "database.1"))
            footer = screen_text(app).splitlines()[-1]
            assert "Edit task" in footer and "Comment" in footer
            await pilot.press("t")
            await fill_modal(pilot, "Schema design", "users table with a unique email")
            await wait_until(pilot, lambda: c.session.plan_version == 2, what="plan v2")
            text = await shown(pilot, app, "☐ Schema design")
            assert "Plan v2 · you — edited database.1" in text
            assert c.session.plan.phase("database").tasks[0].detail == "users table with a unique email"

            # a on a phase: a new task at its end.
            await move_to(pilot, app, ("phase", "api"))
            await pilot.press("a")
            await fill_modal(pilot, "Rate limit", "10 requests a minute on POST /users")
            await wait_until(pilot, lambda: c.session.plan_version == 3, what="plan v3")
            await shown(pilot, app, "☐ Rate limit")
            assert [t.title for t in c.session.plan.phase("api").tasks] == ["Design", "Verification", "Rate limit"]

            # m: move a task to another phase (the picker lists the others).
            await move_to(pilot, app, ("task", "api.3"))
            await pilot.press("m")
            await shown(pilot, app, "Move Rate limit to")
            await pilot.press("down", "enter")  # database, then testing
            await wait_until(pilot, lambda: c.session.plan_version == 4, what="plan v4")
            assert [t.title for t in c.session.plan.phase("testing").tasks] == ["Design", "Verification", "Rate limit"]

            # x: delete a task.
            await move_to(pilot, app, ("task", "testing.1"))
            await pilot.press("x")
            await wait_until(pilot, lambda: c.session.plan_version == 5, what="plan v5")
            assert [t.title for t in c.session.plan.phase("testing").tasks] == ["Verification", "Rate limit"]
            await shown(pilot, app, "Plan v5 · you — deleted 'Design'")
            assert c.session.plan_versions[-1].reason == "deleted 'Design' from testing"

            # c: comments on a task and on a phase, shown under them; not a plan version.
            await move_to(pilot, app, ("task", "database.2"))
            await pilot.press("c")
            await shown(pilot, app, "Comment on task database.2")
            await fill_modal(pilot, "run the migration twice to prove it is idempotent")
            await shown(pilot, app, "💬 run the migration twice")
            assert c.session.plan_comments[0].text == "run the migration twice to prove it is idempotent"
            await move_to(pilot, app, ("phase", "api"))
            await pilot.press("c")
            await fill_modal(pilot, "version every route under /v1")
            await shown(pilot, app, "💬 version every route under /v1")
            assert c.session.plan_version == 5 and len(c.session.plan_comments) == 2

            # The version diff says who changed what.
            app.query_one("#versions", Select).value = 4
            text = await shown(pilot, app, "Plan v4 · by you")
            assert "Changes from v3 (by you)" in text and "moved from api to testing" in text

            # e: request changes; the words and both comments go to the model as one message, then clear.
            await press_gate(pilot, app, "e")
            await shown(pilot, app, "Your 2 comment(s) on the plan go with it.")
            await fill_modal(pilot, "and keep the plan short")
            await idle(pilot, app)
            user_messages = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"]
            sent = [m for m in user_messages if "keep the plan short" in m]
            assert len(sent) == 1
            assert "on task database.2 (Verification): run the migration twice to prove it is idempotent" in sent[0]
            assert "on the api phase: version every route under /v1" in sent[0]
            assert "comments on plan v5" in sent[0]
            assert c.session.plan_comments == []
            assert c.session.plan_version == 6 and c.session.plan_versions[-1].author == "model"
            text = await shown(pilot, app, "Plan v6 · model")
            assert "💬" not in text


async def test_the_plan_cannot_be_edited_once_approved(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await to_plan_review(pilot, app)
            c = app.controller
            assert c is not None
            await move_to(pilot, app, ("task", "database.1"))
            await pilot.press("c")
            await fill_modal(pilot, "mind the index")
            await wait_until(pilot, lambda: len(c.session.plan_comments) == 1)
            await press_gate(pilot, app, "y")  # approve: the unsent comment goes with the approval
            await idle(pilot, app)
            assert c.session.stage == Stage.PHASE_REVIEW and c.session.plan_comments == []
            sent = [m["content"] for r in server.requests for m in r["messages"] if m["role"] == "user"]
            assert any("approved plan v1 with these comments" in m and "mind the index" in m for m in sent)
            assert not app.plan_widget.editable
            await move_to(pilot, app, ("task", "database.1"))
            footer = screen_text(app).splitlines()[-1]
            assert "Edit task" not in footer and "Comment" not in footer
            versions = c.session.plan_version
            await pilot.press("t", "a", "x")
            await pilot.pause()
            assert c.session.plan_version == versions and len(app.screen_stack) == 1  # no editor modal opened


# -------------------------------------------------------------------------------------------- $EDITOR

RENAME_SCRIPT = """
import pathlib, sys
path = pathlib.Path(sys.argv[1])
text = path.read_text()
assert text.startswith("<!-- phasegate: the plan (v1)"), text[:80]
path.write_text(text.replace("- [ ] **Design**: api design", "- [ ] **Contract**: POST /users and GET /users", 1)
                + "\\n## 🚀 Deployment Phase\\n- [ ] **Release**: tag and deploy\\n")
"""

BROKEN_SCRIPT = """
import pathlib, sys
path = pathlib.Path(sys.argv[1])
lines = path.read_text().splitlines()
lines.insert(7, "this line is not a task")  # inside the database phase
path.write_text("\\n".join(lines) + "\\n")
"""

FIX_SCRIPT = """
import pathlib, sys
path = pathlib.Path(sys.argv[1])
text = path.read_text()
if "this line is not a task" not in text:
    sys.exit(3)  # the user's text was not kept
path.write_text(text.replace("this line is not a task", "- [ ] **Backfill**: existing users"))
"""


def editor(tmp_path: Path, name: str, source: str) -> str:
    script = tmp_path / f"{name}.py"
    script.write_text(source)
    return f"{sys.executable} {script}"


async def run_palette_command(pilot, app: Workbench, title: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await shown(pilot, app, title)
    await pilot.press("enter")


async def test_edit_plan_in_editor_reads_the_plan_back_as_the_users_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = notes_repo(tmp_path / "repo")
    monkeypatch.setenv("EDITOR", editor(tmp_path, "rename", RENAME_SCRIPT))
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await to_plan_review(pilot, app)
            c = app.controller
            assert c is not None
            await run_palette_command(pilot, app, "Edit plan in $EDITOR")
            await wait_until(pilot, lambda: c.session.plan_version == 2, what="plan v2 from the editor")
            assert c.session.plan.slugs == ["database", "api", "testing", "deployment"]
            assert c.session.plan_versions[-1].author == "user"
            text = await shown(pilot, app, "☐ Contract")
            assert "Deployment  [pending]" in text and "Plan v2 · you — edited in" in text
            assert not edit_file_path(app).exists(), "the file is removed once the plan is read back"


async def test_a_broken_edit_names_the_line_keeps_the_plan_and_reopens_the_users_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = notes_repo(tmp_path / "repo")
    monkeypatch.setenv("EDITOR", editor(tmp_path, "broken", BROKEN_SCRIPT))
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await to_plan_review(pilot, app)
            c = app.controller
            assert c is not None
            before = c.session.plan
            await run_palette_command(pilot, app, "Edit plan in $EDITOR")
            await shown(pilot, app, "does not parse (line 8:")
            assert c.session.plan_version == 1 and c.session.plan == before
            assert "this line is not a task" in edit_file_path(app).read_text()

            # The next try opens the user's text again (the fixing script exits 3 if it was lost).
            monkeypatch.setenv("EDITOR", editor(tmp_path, "fix", FIX_SCRIPT))
            await run_palette_command(pilot, app, "Edit plan in $EDITOR")
            await wait_until(pilot, lambda: c.session.plan_version == 2, what="the fixed plan")
            assert [t.title for t in c.session.plan.phase("database").tasks] == ["Design", "Backfill", "Verification"]
            await shown(pilot, app, "☐ Backfill")
