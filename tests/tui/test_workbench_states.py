"""Starting the workbench in the states users meet: a dirty tree, an unfinished session, no task."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import Stage
from tests.support.repos import git
from tests.support.workbench import idle, notes_repo, screen_text, shown, wait_until, workbench_script


def app_for(repo: Path, server: ScriptedServer, *, task: str = "Add users", resume: bool | None = False) -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task=task, resume=resume, grace=0)


async def press_modal_button(pilot, button_id: str) -> None:  # noqa: ANN001
    await wait_until(pilot, lambda: len(pilot.app.screen_stack) > 1, what="a modal")
    await pilot.pause()
    pilot.app.screen.query_one(f"#{button_id}", Button).press()
    await pilot.pause(0.1)


async def test_dirty_tree_is_committed_as_a_baseline_before_research(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    (repo / "README.md").write_text("# notes api\n\nmy own edit\n")
    (repo / "scratch.py").write_text("x = 1\n")
    with ScriptedServer(workbench_script()) as server:
        app = app_for(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: len(app.screen_stack) > 1, what="the dirty-tree question")
            await shown(pilot, app, "uncommitted changes")
            await press_modal_button(pilot, "baseline")
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            assert git(repo, "status", "--porcelain") == ""
            assert git(repo, "log", "-1", "--format=%s").strip() == "Your changes before the phasegate session"
            assert app.controller.session.base_sha == git(repo, "rev-parse", "HEAD").strip()
            await pilot.press("ctrl+q")


async def test_dirty_tree_abort_starts_nothing(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    (repo / "README.md").write_text("changed\n")
    with ScriptedServer(workbench_script()) as server:
        app = app_for(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await press_modal_button(pilot, "abort")
            await pilot.pause(0.3)
            await shown(pilot, app, "Stopped: the working tree has changes")
            assert server.requests == []
            assert (repo / "README.md").read_text() == "changed\n"
            await pilot.press("ctrl+q")


async def test_unfinished_session_is_resumed_with_its_conversation(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        first = app_for(repo, server)
        async with first.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: first.controller is not None and first.controller.session.research is not None)
            await idle(pilot, first)
            session_id = first.controller.session.id
            await pilot.press("ctrl+q")
        second = app_for(repo, server, task="", resume=None)
        async with second.run_test(size=(180, 50)) as pilot:
            assert "Resume the unfinished session?" in screen_text(second) or await _modal(pilot)
            await press_modal_button(pilot, "resume")
            await wait_until(pilot, lambda: second.controller is not None)
            await idle(pilot, second)
            assert second.controller.session.id == session_id
            assert second.controller.session.stage == Stage.RESEARCH
            text = screen_text(second)
            assert "Here is what I found." in text and "Approve research" in text
            await pilot.press("ctrl+q")


async def _modal(pilot) -> bool:  # noqa: ANN001
    await wait_until(pilot, lambda: len(pilot.app.screen_stack) > 1, what="the resume question")
    await pilot.pause(0.2)
    text = screen_text(pilot.app)
    assert "Resume the unfinished session?" in text, text
    return True


async def test_without_a_task_the_chat_asks_and_the_first_message_starts_research(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = app_for(repo, server, task="")
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None)
            await pilot.pause(0.2)
            await shown(pilot, app, "What should we build?")
            assert server.requests == []
            chat_input = app.query_one("#chat-input")
            chat_input.focus()
            chat_input.insert("Add user accounts")
            await pilot.press("ctrl+j")
            await wait_until(pilot, lambda: app.controller.session.research is not None)
            await idle(pilot, app)
            assert app.controller.session.task == "Add user accounts"
            await pilot.press("ctrl+q")
