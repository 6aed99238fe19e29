"""Replies that are not a report, and rewinding to before a phase, in the real workbench.

Real parts: a git repository, the openai client talking to the scripted server on 127.0.0.1, the Textual
app (headless), driven with keys and asserting what the chat and the approval bar show.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, OptionList

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import PhaseStatus, Stage
from tests.flows.test_rewind import open_controller, three_committed
from tests.support.repos import git
from tests.support.workbench import (
    RESEARCH,
    idle,
    notes_repo,
    press_gate,
    shown,
    wait_until,
    workbench_script,
)

NONSENSE = "report report the the of of research research " * 30  # what a tiny model's loop looks like


def make_app(repo: Path, server: ScriptedServer, task: str = "Add users") -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task=task, resume=False, grace=0)


async def test_a_nonsense_research_reply_is_not_taken_as_the_report(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    script = [
        Turn(match="Stage: research", text=NONSENSE),
        Turn(match="The reply is not a research report", text="Here it is.",
             tool_calls=[ToolCall("submit_research", RESEARCH)]),
    ]
    with ScriptedServer(script) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.unreadable_reply is not None)
            await idle(pilot, app)
            text = await shown(pilot, app, "The reply is not a research report: it has no Understanding,")
            assert "Approve the reply anyway as the research report" in text
            assert "Approve research → write the plan" not in text
            assert "Ask again (e)" in text and "Request changes (e)" not in text  # the button says what e does
            assert app.controller.session.research is None

            # Approve is explicit: a confirmation that says what the reply lacks; escape approves nothing.
            await press_gate(pilot, app, "y")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            assert "Approve the reply anyway?" in await shown(pilot, app, "Approve anyway")
            await pilot.press("escape")
            await wait_until(pilot, lambda: len(app.screen_stack) == 1)
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.RESEARCH and app.controller.session.research is None

            # Request changes asks again; the model is told what was missing and sends its report.
            await press_gate(pilot, app, "e")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            await shown(pilot, app, "Ask again")
            await pilot.pause()
            app.screen.query_one(Input).value = ""
            await pilot.press("enter")
            await idle(pilot, app)
            told = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"][-1]
            assert told.startswith("[phasegate] The reply is not a research report: it has no Understanding")
            assert app.controller.session.research is not None
            text = await shown(pilot, app, "Approve research → write the plan")
            assert "Request changes (e)" in text and "Ask again (e)" not in text
            await pilot.press("ctrl+q")


BROKEN_PLAN = """## 🗄️ Database Phase
- [ ] **Schema Design**: users table
and an index too
- [ ] **Verification**: run the migration
"""
GOOD_PLAN = "## 🗄️ Database Phase\n- [ ] **Schema Design**: users table\n- [ ] **Verification**: run the migration\n"


async def test_a_plan_reply_that_does_not_parse_shows_its_line_and_approves_nothing(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    script = [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", text=BROKEN_PLAN),
        Turn(match="The plan in the reply could not be read: line 3", text=GOOD_PLAN),
    ]
    with ScriptedServer(script) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # approve the research: the model writes its (broken) plan
            await idle(pilot, app)
            text = await shown(pilot, app, "The plan in the reply could not be read: line 3:")
            assert "Ask the model for the plan again" in text and app.controller.session.plan is None
            await press_gate(pilot, app, "y")  # ask again: the model is told the line, its plan parses
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PLAN_REVIEW
            await shown(pilot, app, "Approve plan v1 → start database")
            await pilot.press("ctrl+q")


async def run_palette_command(pilot, app: Workbench, title: str) -> None:  # noqa: ANN001
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await shown(pilot, app, title)
    await pilot.press("enter")


async def test_rewind_from_the_rollback_dialog_and_the_palette(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        c = open_controller(repo, server, resume=False)
        await three_committed(c)  # database, api and testing committed; the final review waits
        c.close()
        settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
        app = Workbench(repo, settings, resume=True, grace=0)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None)
            await idle(pilot, app)
            await shown(pilot, app, "Approve the final review → done")

            # The rollback dialog's second choice: rewind to before api (api and testing are reverted).
            await press_gate(pilot, app, "u")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            await pilot.pause()
            app.screen.query_one(OptionList).highlighted = 1  # api
            text = await shown(pilot, app, "Rewind to before api")
            assert "Rewind to before api: git revert testing, api (newest first)" in text
            app.screen.query_one("#rewind", Button).press()
            await idle(pilot, app)
            await wait_until(pilot, lambda: app.controller.session.phase_state("api").status == PhaseStatus.PENDING)
            s = app.controller.session
            assert [p.status for p in s.phases] == [PhaseStatus.COMMITTED, PhaseStatus.PENDING, PhaseStatus.PENDING]
            subjects = git(repo, "log", "-3", "--format=%s").splitlines()
            assert [line.startswith("Revert") for line in subjects] == [True, True, False]
            await shown(pilot, app, "Rewound to before api")
            await shown(pilot, app, "Start phase api")

            # The palette offers "Rewind to before phase database"; it opens the dialog on it, rewind focused.
            await run_palette_command(pilot, app, "Rewind to before phase database")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1 and app.screen.query("#rewind"))
            await pilot.pause()
            assert app.screen.focused is app.screen.query_one("#rewind", Button)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.controller.session.phase_state("database").status == PhaseStatus.PENDING)
            await idle(pilot, app)
            await shown(pilot, app, "Start phase database")
            assert not (repo / "schema.sql").exists() and git(repo, "status", "--porcelain") == ""
            await pilot.press("ctrl+q")
