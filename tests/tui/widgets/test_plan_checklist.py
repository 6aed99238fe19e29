"""The plan checklist: what it shows, what the user's keys post, and a cursor that survives updates."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from phasegate.phases.models import ArchitecturalPhase, PhaseStatus, Plan, Task
from phasegate.widgets.plan_checklist import PlanChecklist
from tests.tui.widgets.widget_hosts import PlanHost, sample_plan, sample_states, screen_text

HOSTS = Path(__file__).parent / "widget_hosts.py"


def posted(app: PlanHost, kind: type) -> list:
    return [m for m in app.posted if isinstance(m, kind)]


async def test_phases_show_emoji_status_sha_and_task_checkboxes() -> None:
    app = PlanHost()
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "🗄️ Database  [committed] 3f2a9c1" in text
        assert "▶ 📡 API  [in progress]" in text
        assert "🧪 Testing  [pending]" in text
        assert "☑ Add users table migration" in text
        assert "☐ Index users.email" in text
        assert "Plan v2 — dropped deployment" in text


async def test_selecting_a_phase_and_ticking_a_task_post_messages() -> None:
    app = PlanHost()
    async with app.run_test(size=(80, 20)) as pilot:
        checklist = app.query_one(PlanChecklist)
        assert checklist.plan_tree.cursor_node.data == ("phase", "api")  # the cursor starts on the current phase
        await pilot.press("enter")
        await pilot.press("down", "down", "space")  # api.2 "Validate request bodies"
        await pilot.pause()
        assert [m.slug for m in posted(app, PlanChecklist.PhaseSelected)] == ["api"]
        toggles = [(m.task_id, m.done) for m in posted(app, PlanChecklist.TaskToggled)]
        assert toggles == [("api.2", True)]
        assert "☑ Validate request bodies" in screen_text(app)
        await pilot.press("enter")  # enter on a task toggles it too
        await pilot.pause()
        assert [(m.task_id, m.done) for m in posted(app, PlanChecklist.TaskToggled)][-1] == ("api.2", False)
        assert "☐ Validate request bodies" in screen_text(app)


async def test_update_keeps_the_cursor_in_place() -> None:
    app = PlanHost()
    async with app.run_test(size=(80, 20)) as pilot:
        checklist = app.query_one(PlanChecklist)
        await pilot.press("down", "down")
        assert checklist.plan_tree.cursor_node.data == ("task", "api.2")
        # Same shape (the model ticked a task, a phase moved on): relabelled in place.
        states = sample_states()
        states[1].status = PhaseStatus.AWAITING_REVIEW
        checklist.update_plan(sample_plan(done=("database.1", "api.1")), states, "api")
        await pilot.pause()
        assert checklist.plan_tree.cursor_node.data == ("task", "api.2")
        assert "☑ POST /users endpoint" in screen_text(app)
        assert "[awaiting review]" in screen_text(app)
        # New shape (database dropped): rebuilt, cursor still on the same task.
        plan = sample_plan()
        trimmed = Plan(phases=plan.phases[1:])
        checklist.update_plan(trimmed, states[1:], "api")
        await pilot.pause()
        assert checklist.plan_tree.cursor_node.data == ("task", "api.2")
        assert "Database" not in screen_text(app)
        checklist.update_plan(None)
        await pilot.pause()
        assert "No plan yet" in screen_text(app) and "API" not in screen_text(app)


async def test_model_text_in_titles_is_not_markup() -> None:
    app = PlanHost()
    async with app.run_test(size=(80, 20)) as pilot:
        plan = Plan(phases=[ArchitecturalPhase(slug="api", title="[red]API[/red]", tasks=[Task(title="[b]x\x1b[2J")])])
        app.query_one(PlanChecklist).update_plan(plan, [], None)
        await pilot.pause()
        text = screen_text(app)
        assert "[red]API[/red]" in text and "☐ [b]x[2J" in text


async def test_picking_a_plan_version_posts_it_once() -> None:
    app = PlanHost()
    async with app.run_test(size=(80, 20)) as pilot:
        select = app.query_one("#versions", Select)
        assert select.value == 2
        await pilot.pause()
        assert posted(app, PlanChecklist.VersionSelected) == []  # showing versions is not a choice
        select.focus()
        await pilot.press("enter", "up", "enter")
        await pilot.pause()
        assert [m.version for m in posted(app, PlanChecklist.VersionSelected)] == [1]


def test_snapshot(snap_compare) -> None:
    assert snap_compare(f"{HOSTS}:plan_app", terminal_size=(60, 16))
