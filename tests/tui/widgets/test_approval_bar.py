"""The approval bar: exactly the allowed buttons, a grace period after a gate appears, the security checkpoint."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox

from phasegate.phases.findings import Finding
from phasegate.widgets.approval_bar import ACTIONS, SECURITY_ITEMS, ApprovalBar
from tests.tui.widgets.widget_hosts import ApprovalHost, screen_text

HOSTS = Path(__file__).parent / "widget_hosts.py"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def actions(app: ApprovalHost) -> list[str]:
    return [m.name for m in app.posted if isinstance(m, ApprovalBar.Action)]


async def test_exactly_the_allowed_buttons_are_enabled_and_the_label_says_what_approve_does() -> None:
    clock = FakeClock()
    app = ApprovalHost(clock=clock)
    async with app.run_test(size=(120, 10)) as pilot:
        enabled = {b.id for b in app.query(Button) if not b.disabled}
        assert enabled == {"approve", "request-changes"}
        assert "Approve plan v2" in screen_text(app)
        bar = app.query_one(ApprovalBar)
        bar.set_gate("Commit phase database", {"approve", "reject", "rollback", "bogus"})
        await pilot.pause()
        assert {b.id for b in app.query(Button) if not b.disabled} == {"approve", "reject", "rollback"}
        assert "Commit phase database" in screen_text(app)
        bar.set_gate(None, set())
        await pilot.pause()
        assert all(app.query_one(f"#{a}", Button).disabled for a in ACTIONS)
        assert "Nothing to approve" in screen_text(app)


async def test_presses_during_the_grace_period_are_ignored() -> None:
    clock = FakeClock()
    app = ApprovalHost(clock=clock)
    async with app.run_test(size=(120, 10)) as pilot:
        # The button's own 0.2 s "active" animation swallows a second click; we test our grace, not it.
        for button in app.query(Button):
            button.active_effect_duration = 0
        clock.now += 0.3
        await pilot.click("#approve")
        await pilot.pause()
        assert actions(app) == []
        clock.now += 0.25  # 0.55 s after the gate appeared
        await pilot.click("#approve")
        await pilot.pause()
        assert actions(app) == ["approve"]


async def test_a_new_gate_restarts_the_grace_period_but_the_same_gate_does_not() -> None:
    clock = FakeClock()
    app = ApprovalHost(clock=clock)
    async with app.run_test(size=(120, 10)) as pilot:
        bar = app.query_one(ApprovalBar)
        clock.now += 1.0
        bar.set_gate("Approve plan v2", {"approve", "request-changes"})  # unchanged: still open
        assert bar.trigger("approve") is True
        bar.set_gate("Approve plan v3", {"approve", "request-changes"})  # a new gate appears
        assert bar.trigger("approve") is False
        clock.now += 0.5
        assert bar.trigger("approve") is True
        assert bar.trigger("rollback") is False  # never allowed by this gate
        await pilot.pause()
        assert actions(app) == ["approve", "approve"]


async def test_grace_period_with_the_real_clock() -> None:
    app = ApprovalHost()
    async with app.run_test(size=(120, 10)) as pilot:
        bar = app.query_one(ApprovalBar)
        bar.set_gate("Approve research", {"approve"})
        await pilot.click("#approve")
        await pilot.pause()
        assert actions(app) == []
        await pilot.pause(0.6)
        await pilot.click("#approve")
        await pilot.pause()
        assert actions(app) == ["approve"]


async def test_security_checklist_holds_approve_until_every_item_is_ticked() -> None:
    clock = FakeClock()
    app = ApprovalHost(clock=clock, checklist=True)
    async with app.run_test(size=(120, 20)) as pilot:
        clock.now += 1
        bar = app.query_one(ApprovalBar)
        text = screen_text(app)
        for item in SECURITY_ITEMS:
            assert item in text
        # Findings are sorted by severity, with file:line.
        assert text.index("hard-coded secret") < text.index("request body not validated")
        assert "config.py:3" in text and "api/users.py:12" in text
        assert app.query_one("#approve", Button).disabled
        assert bar.trigger("approve") is False
        boxes = list(app.query("#security-items Checkbox").results(Checkbox))
        assert len(boxes) == len(SECURITY_ITEMS)
        for box in boxes:
            assert not bar.checklist_complete()
            await pilot.click(f"#{box.id}")
            await pilot.pause()
        assert bar.checklist_complete()
        assert not app.query_one("#approve", Button).disabled
        await pilot.click("#approve")
        await pilot.pause()
        assert actions(app) == ["approve"]
        changed = [m.complete for m in app.posted if isinstance(m, ApprovalBar.ChecklistChanged)]
        assert changed == [False, False, False, True]
        bar.set_security_checklist([])
        await pilot.pause()
        assert "Authentication" not in screen_text(app)


async def test_checklist_and_finding_text_is_not_markup() -> None:
    app = ApprovalHost()
    async with app.run_test(size=(120, 20)) as pilot:
        bar = app.query_one(ApprovalBar)
        bar.set_security_checklist(["[b]Auth[/b]"], [Finding("smell", "low", "x.py", 0, "[red]boom\x1b[2J")])
        await pilot.pause()
        text = screen_text(app)
        assert "[b]Auth[/b]" in text and "[red]boom[2J" in text


def test_snapshot_gate(snap_compare) -> None:
    assert snap_compare(f"{HOSTS}:approval_app", terminal_size=(120, 6))


def test_snapshot_security_checkpoint(snap_compare) -> None:
    assert snap_compare(f"{HOSTS}:approval_checklist_app", terminal_size=(120, 16))
