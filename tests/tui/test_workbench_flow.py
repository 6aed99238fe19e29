"""The whole workbench flow, driven with keys as a user would, asserting what the screen shows.

Real parts: a real git repository, the real openai client talking to the scripted server on
127.0.0.1, the real Textual app (headless).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, OptionList

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import PhaseStatus, Stage
from phasegate.widgets.diff_view import DiffView
from tests.support.repos import git
from tests.support.workbench import idle, notes_repo, press_gate, shown, wait_until, workbench_script


def make_app(repo: Path, server: ScriptedServer, task: str = "Add users") -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task=task, resume=False, grace=0)


async def type_into_modal(pilot, text: str, press: str = "enter") -> None:
    await pilot.pause()  # grace=0: no grace period to wait out
    modal_input = pilot.app.screen.query_one(Input)
    modal_input.value = text
    await pilot.press(press)


async def test_full_flow_from_research_to_rollback(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            # Research starts at once with the task; its report lands in the Research tab.
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            text = await shown(pilot, app, "Approve research → write the plan")
            assert "read_file" in text

            # y while typing in the chat input is a "y" in the input, not an approval.
            app.query_one("#chat-input").focus()
            await pilot.press("y")
            assert app.controller.session.stage == Stage.RESEARCH
            app.query_one("#chat-input").clear()

            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PLAN_REVIEW
            await shown(pilot, app, "Approve plan v1 → start database")

            # Request a plan change: the model answers with v2.
            await press_gate(pilot, app, "e")
            await type_into_modal(pilot, "add a rollback task to the database phase")
            await idle(pilot, app)
            assert app.controller.session.plan_version == 2
            await shown(pilot, app, "Rollback Plan")

            # Approve the plan: the database phase runs and comes back for review with its diff.
            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PHASE_REVIEW
            await wait_until(pilot, lambda: app.review is not None)
            diff = app.query_one("#diff", DiffView)
            assert {f.path for f in diff.files} == {"schema.sql", "notes.txt"}
            text = await shown(pilot, app, "Commit phase database")
            assert "schema.sql" in text

            # Reject the notes.txt hunk with a reason, then request changes.
            diff.body.focus()
            index = [f.path for f in diff.files].index("notes.txt")
            diff.file_list.highlighted = index
            await pilot.pause(0.1)
            await pilot.press("x")
            await type_into_modal(pilot, "no scratch files in the repo")
            await wait_until(pilot, lambda: diff.rejected_hunks() != [])
            assert diff.rejected_hunks() == [("notes.txt", 0, "no scratch files in the repo")]
            await press_gate(pilot, app, "e")
            await type_into_modal(pilot, "make name NOT NULL")
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PHASE_REVIEW
            assert not (repo / "notes.txt").exists(), "the rejected hunk was reversed in the working tree"
            sent = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"]
            assert any("no scratch files in the repo" in s and "make name NOT NULL" in s for s in sent)
            assert "NOT NULL" in (repo / "schema.sql").read_text()

            # The security checkpoint must be ticked before approve is enabled.
            await wait_until(pilot, lambda: app.review is not None)
            bar = app.query_one("#approval-bar")
            assert not bar.is_allowed("approve")
            # Tick the checklist from the keyboard: c jumps to the first unticked item, space ticks it.
            app.set_focus(None)
            for _ in range(4):
                await pilot.press("c")
                await pilot.press("space")
            await pilot.pause(0.1)
            assert all(bar.checklist_state().values())
            assert bar.is_allowed("approve")
            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            body = git(repo, "log", "-1", "--format=%s%n%b")
            assert body.startswith("phase(database): Database")
            assert "Phasegate-Phase: database" in body and "Phasegate-Plan-Version: 2" in body
            assert app.controller.session.phase_state("database").status == PhaseStatus.COMMITTED
            # Never starting the next phase's model turn until the user says so.
            assert app.controller.session.active_phase is None
            await shown(pilot, app, "Start phase api")

            for slug in ("api", "testing"):
                await press_gate(pilot, app, "y")  # start the phase
                await idle(pilot, app)
                await wait_until(pilot, lambda: app.review is not None and app.controller.session.stage == Stage.PHASE_REVIEW)
                for checkbox in bar.query("Checkbox"):
                    checkbox.value = True
                await pilot.pause(0.1)
                await press_gate(pilot, app, "y")  # commit it
                await idle(pilot, app)
                assert app.controller.session.phase_state(slug).status == PhaseStatus.COMMITTED

            assert app.controller.session.stage == Stage.FINAL_REVIEW
            await shown(pilot, app, "Approve the final review → done")
            await press_gate(pilot, app, "y")
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.DONE

            # Roll back the middle phase from the UI: pick it, confirm, a revert commit exists.
            await press_gate(pilot, app, "u")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            await pilot.pause()
            options = app.screen.query_one(OptionList)
            options.highlighted = 1  # api
            await pilot.pause(0.05)
            app.screen.query_one("#confirm", Button).press()
            await idle(pilot, app)
            assert app.controller.session.phase_state("api").status == PhaseStatus.ROLLED_BACK
            assert "Phasegate-Rollback: api" in git(repo, "log", "-1", "--format=%b")
            assert not (repo / "api.py").exists() and (repo / "test_api.py").exists()
            await pilot.press("ctrl+q")


async def test_approve_is_refused_while_the_model_works(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    script = workbench_script()
    with ScriptedServer(script, pace_s=0.05) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.busy)
            bar = app.query_one("#approval-bar")
            assert not bar.is_allowed("approve")
            assert app.check_action("gate", ("approve",)) is False
            await press_gate(pilot, app, "y")
            assert app.controller.session.stage == Stage.RESEARCH
            await idle(pilot, app)
            await pilot.press("ctrl+q")


async def test_escape_cancels_a_running_turn(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script(), pace_s=0.2) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.busy)
            await pilot.press("escape")
            await idle(pilot, app)
            await shown(pilot, app, "cancelled")
            assert app.controller.session.research is None
            await pilot.press("ctrl+q")


async def test_narrow_terminal_folds_panes_into_tabs(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server, task="")
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None)
            await pilot.pause(0.1)
            assert app.screen.has_class("-narrow")
            assert app.query_one("#chat").display and not app.query_one("#plan").display
            app.query_one("#narrow-tabs").active = "pane-plan"
            await pilot.pause(0.1)
            assert app.query_one("#plan").display and not app.query_one("#chat").display
            assert "What should we build?" in " ".join(app.query_one("#chat").messages_text())
            await pilot.press("ctrl+q")
