"""The plan editing modals: the task editor (title and detail) and the phase picker of a move."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input

from tests.tui.screens.plan_screen_hosts import move_screen, task_screen
from tests.tui.screens.screen_hosts import NO_RESULT, ScreenHost
from tests.tui.screens.test_modal_screens import FakeClock, open_gate, screen_text

HOSTS = Path(__file__).parent / "plan_screen_hosts.py"


async def test_the_task_editor_shows_the_task_and_saves_title_and_detail_on_one_line_each() -> None:
    app = ScreenHost(lambda: task_screen(grace=0))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Edit task database.2" in text and "in 🗄️ Database" in text
        assert app.screen.query_one("#task-title", Input).value == "Index users.email"
        assert app.screen.query_one("#task-detail", Input).value == "unique, in migration 0003"
        app.screen.query_one("#task-title", Input).value = "Unique  index\non users.email"
        await pilot.press("tab")
        app.screen.query_one("#task-detail", Input).value = "migration 0003, concurrently"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ("Unique index on users.email", "migration 0003, concurrently")


async def test_the_task_editor_needs_a_title_and_escape_cancels() -> None:
    app = ScreenHost(lambda: task_screen(grace=0))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#task-title", Input).value = "   "
        await pilot.pause()
        assert app.screen.query_one("#ok", Button).disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is NO_RESULT, "no title: nothing saved"
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_the_task_editor_ignores_an_enter_in_its_grace_period() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: task_screen(clock=clock))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is NO_RESULT
        open_gate(app, clock)
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ("Index users.email", "unique, in migration 0003")


async def test_the_move_picker_lists_the_other_phases_and_dismisses_the_chosen_slug() -> None:
    app = ScreenHost(lambda: move_screen(grace=0))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Move Index users.email to" in text and "📡 API" in text and "🧪 Testing" in text
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.result == "testing"


@pytest.mark.parametrize("name", ["plan_task_app", "plan_move_app"])
def test_snapshots(snap_compare, name: str) -> None:
    assert snap_compare(f"{HOSTS}:{name}", terminal_size=(100, 30))
