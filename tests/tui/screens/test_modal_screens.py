"""The modal screens: what they show, what they dismiss with, the grace period and the typed `migrate`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input

from phasegate.app.tui.screens.command_approval import CommandChoice
from phasegate.app.tui.screens.dirty_tree import DirtyTreeScreen
from phasegate.app.tui.screens.help_screen import HelpScreen
from phasegate.app.tui.screens.rollback_picker import RollbackPickerScreen, later_overlaps
from tests.tui.screens.screen_hosts import (
    NO_RESULT,
    ScreenHost,
    command_screen,
    dirty_screen,
    migration_screen,
    reason_screen,
    resume_screen,
    rollback_screen,
)

HOSTS = Path(__file__).parent / "screen_hosts.py"
SIZE = (100, 30)


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def screen_text(app: ScreenHost) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def open_gate(app: ScreenHost, clock: FakeClock) -> None:
    clock.now += 1.0
    for button in app.screen.query(Button):
        button.active_effect_duration = 0


async def test_command_approval_shows_what_and_why_with_secrets_redacted() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: command_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "$ psql postgres://app:****@db.internal/shop -c 'select 1'" in text
        assert "s3cret" not in text
        assert "in /home/dev/shop" in text
        assert "why: check that the users table exists" in text
        assert "⚠ reads the database" in text and "⚠ network access" in text


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ("#approve-once", CommandChoice(approved=True)),
        ("#always-allow", CommandChoice(approved=True, always_allow=True)),
        ("#deny", CommandChoice(approved=False, note="use the read replica")),
    ],
)
async def test_command_approval_answers(button: str, expected: CommandChoice) -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: command_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#deny-note", Input).value = "use the read replica"
        for widget in app.screen.query(Button):  # no 0.2 s click animation swallowing the second click
            widget.active_effect_duration = 0
        await pilot.click(button)  # inside the grace period: ignored
        await pilot.pause()
        assert app.result is NO_RESULT
        open_gate(app, clock)
        await pilot.click(button)
        await pilot.pause()
        assert app.result == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("y", CommandChoice(approved=True)), ("a", CommandChoice(approved=True, always_allow=True)),
     ("n", CommandChoice(approved=False))],
)
async def test_command_approval_keys_answer_after_the_grace_period(key: str, expected: CommandChoice) -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: command_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "y Approve once" in text and "a Always allow for this session" in text and "n Deny" in text
        await pilot.press(key)  # inside the grace period: ignored
        await pilot.pause()
        assert app.result is NO_RESULT
        open_gate(app, clock)
        await pilot.press(key)
        await pilot.pause()
        assert app.result == expected


async def test_command_approval_focus_never_lands_on_always_allow() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: command_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.focused is not None and app.screen.focused.id == "approve-once"
        seen = []
        for key in ["tab"] * 6 + ["shift+tab"] * 6:
            await pilot.press(key)
            seen.append(app.screen.focused.id if app.screen.focused else None)
        assert "always-allow" not in seen and {"deny-note", "approve-once", "deny"} <= set(seen)
        # From the note field: tab goes to "Approve once"; letters are text, not answers.
        app.screen.query_one("#deny-note", Input).focus()
        await pilot.press("tab")
        assert app.screen.focused.id == "approve-once"
        app.screen.query_one("#deny-note", Input).focus()
        open_gate(app, clock)
        await pilot.press(*"any note", "y")
        await pilot.pause()
        assert app.result is NO_RESULT and app.screen.query_one("#deny-note", Input).value == "any notey"
        await pilot.press("enter")  # enter in the note denies, with the note
        await pilot.pause()
        assert app.result == CommandChoice(approved=False, note="any notey")


async def test_command_approval_enter_on_the_default_approves_once() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: command_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_gate(app, clock)
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == CommandChoice(approved=True)


@pytest.mark.parametrize(
    ("command", "kind", "why"),
    [
        ("curl https://example.com/install.sh", "network", "reaches the network"),
        ("alembic upgrade head", "migration", "typed confirmation"),
        ("cd src && pytest -q", "normal", "chains"),
        ("ls", "network", "reaches the network"),  # the tool's verdict (with the repository's root) counts
    ],
)
async def test_command_approval_never_offers_always_for_risky_commands(command: str, kind: str, why: str) -> None:
    from phasegate.app.tui.screens.command_approval import CommandApprovalScreen

    clock = FakeClock()
    app = ScreenHost(lambda: CommandApprovalScreen(command, "/home/dev/shop", "because", kind=kind, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert not app.screen.query("#always-allow") and "Always allow for this session" not in text
        assert 'No "always allow"' in text and why in text
        open_gate(app, clock)
        await pilot.press("a")  # not offered: the key does nothing
        await pilot.pause()
        assert app.result is NO_RESULT
        await pilot.press("y")
        await pilot.pause()
        assert app.result == CommandChoice(approved=True)


async def test_command_approval_escape_denies() -> None:
    app = ScreenHost(command_screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.result == CommandChoice(approved=False)


async def test_migration_needs_exactly_the_typed_word() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: migration_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_gate(app, clock)
        text = screen_text(app)
        assert "target database: postgres://app:****@db.internal:5432/shop" in text
        assert "$ DATABASE_URL=postgres://app:****@db.internal:5432/shop alembic upgrade" in text
        assert "s3cret" not in text
        confirm = app.screen.query_one("#confirm", Button)
        assert confirm.disabled
        await pilot.click("#confirm")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is NO_RESULT
        for attempt in ("migrat", "Migrate", "migrate ", "yes"):
            app.screen.query_one("#confirm-word", Input).value = attempt
            await pilot.pause()
            assert confirm.disabled, attempt
            await pilot.press("enter")
            await pilot.pause()
            assert app.result is NO_RESULT, attempt
        app.screen.query_one("#confirm-word", Input).value = ""
        await pilot.press(*"migrate")
        await pilot.pause()
        assert not confirm.disabled
        await pilot.click("#confirm")
        await pilot.pause()
        assert app.result is True


async def test_migration_enter_confirms_only_after_the_grace_period_and_escape_cancels() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: migration_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"migrate", "enter")
        await pilot.pause()
        assert app.result is NO_RESULT  # typed within the grace period: not taken
        clock.now += 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is True
    app = ScreenHost(migration_screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is False


@pytest.mark.parametrize("choice", ["baseline", "stash", "abort"])
async def test_dirty_tree_choices(choice: str) -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: dirty_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "M app/models.py" in text and "?? notes.txt" in text
        open_gate(app, clock)
        await pilot.click(f"#{choice}")
        await pilot.pause()
        assert app.result == choice


async def test_dirty_tree_lists_at_most_thirty_files_and_escape_aborts() -> None:
    app = ScreenHost(lambda: DirtyTreeScreen([f"M file{i}.py" for i in range(45)]))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "… and 15 more" in str(screen.query_one("#files Static").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.result == "abort"


@pytest.mark.parametrize("choice", ["resume", "new"])
async def test_resume_session(choice: str) -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: resume_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "task: Add a users API with email login" in text
        assert "stage: Phase review" in text
        assert "phases committed: 1 of 3" in text
        assert "last saved: 2026-11-27 09:30 UTC" in text
        open_gate(app, clock)
        await pilot.click(f"#{choice}")
        await pilot.pause()
        assert app.result == choice


async def test_resume_is_the_default_answer() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: resume_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for widget in app.screen.query(Button):  # no 0.2 s press animation swallowing the second Enter
            widget.active_effect_duration = 0
        await pilot.press("enter")  # within the grace period: nothing
        await pilot.pause()
        assert app.result is NO_RESULT
        open_gate(app, clock)
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == "resume"


async def test_reason_input_requires_text() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: reason_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_gate(app, clock)
        ok = app.screen.query_one("#ok", Button)
        assert ok.disabled
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.result is NO_RESULT
        await pilot.press(*"keep the old name")
        await pilot.pause()
        assert not ok.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == "keep the old name"


async def test_reason_input_cancel_and_optional() -> None:
    app = ScreenHost(reason_screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None
    clock = FakeClock()
    app = ScreenHost(lambda: reason_screen(clock=clock, required=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        clock.now += 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ""


def test_later_overlaps() -> None:
    from tests.tui.screens.screen_hosts import CANDIDATES

    assert [(c.slug, files) for c, files in later_overlaps(CANDIDATES, "database")] == [("api", ["app/models.py"])]
    assert later_overlaps(CANDIDATES, "api") == []
    assert later_overlaps(CANDIDATES, "nope") == []


async def test_rollback_picker_shows_overlaps_and_confirms_the_choice() -> None:
    clock = FakeClock()
    app = ScreenHost(lambda: rollback_screen(clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_gate(app, clock)
        screen = app.screen
        assert isinstance(screen, RollbackPickerScreen)
        text = screen_text(app)  # the first phase is highlighted when the picker opens
        assert "git revert 1111111 — 🗄️ Database (2 files)" in text
        assert "Later phases changed the same files" in text and "📡 API: app/models.py" in text
        await pilot.press("down")
        await pilot.pause()
        assert "No later phase touches these files." in screen_text(app)
        assert str(screen.query_one("#confirm", Button).label) == "Roll back api"
        await pilot.click("#confirm")
        await pilot.pause()
        assert app.result == "api"


async def test_rollback_picker_with_nothing_committed() -> None:
    app = ScreenHost(lambda: RollbackPickerScreen([]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "nothing to roll back" in screen_text(app)
        assert app.screen.query_one("#confirm", Button).disabled
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_help_lists_the_bindings_below_and_the_input_keys() -> None:
    app = ScreenHost(HelpScreen)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for expected in ("y", "Approve", "Request changes", "Roll back", "ctrl+j / alt+enter", "send the message",
                         "w / ← →", "search the diff, next / previous match",
                         "if none runs, go to the plan", "move a task; comment",
                         "approve once, always allow, deny"):
            assert expected in text, expected
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize(
    "name", ["command_app", "command_network_app", "migration_app", "dirty_app", "resume_app", "reason_app", "rollback_app", "help_app"]
)
def test_snapshots(snap_compare, name: str) -> None:
    assert snap_compare(f"{HOSTS}:{name}", terminal_size=(100, 30))
