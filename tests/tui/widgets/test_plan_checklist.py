"""The plan checklist: what it shows, what the user's keys post, and a cursor that survives updates."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from phasegate.phases.models import ArchitecturalPhase, PhaseStatus, Plan, Task
from phasegate.widgets.plan_checklist import PlanChecklist
from tests.tui.widgets.widget_hosts import (
    SAMPLE_COMMENTS,
    PlanEditHost,
    PlanHost,
    sample_plan,
    sample_states,
    screen_text,
)

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


# -------------------------------------------------------------------- the user's edits (plan under review)


def edits(app: PlanEditHost) -> list[tuple[str, str, str | None]]:
    return [(m.action, m.phase, m.task_id) for m in app.posted if isinstance(m, PlanChecklist.EditRequested)]


async def test_edit_keys_post_what_the_user_asked_for_on_the_node_under_the_cursor() -> None:
    app = PlanEditHost()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for label in ("Edit task", "Add task", "Delete task", "Move task", "Comment"):
            assert label in footer
        # The cursor starts on the first phase: add and comment work there; task keys do nothing.
        await pilot.press("t", "x", "m")
        await pilot.press("a", "c")
        await pilot.pause()
        assert edits(app) == [("add-task", "database", None), ("comment", "database", None)]
        await pilot.press("down", "down")  # database.2
        await pilot.press("t", "m", "delete", "c", "a", "enter")
        await pilot.pause()
        assert edits(app)[2:] == [
            ("edit-task", "database", "database.2"), ("move-task", "database", "database.2"),
            ("delete-task", "database", "database.2"), ("comment", "database", "database.2"),
            ("add-task", "database", None), ("edit-task", "database", "database.2"),  # enter edits under review
        ]
        assert posted(app, PlanChecklist.TaskToggled) == []
        assert app.app_c_pressed == 0


async def test_when_the_plan_is_not_editable_the_keys_are_hidden_and_c_goes_to_the_app() -> None:
    app = PlanEditHost(editable=False)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Edit task" not in footer and "Comment" not in footer and "App's c" in footer
        await pilot.press("down", "t", "a", "x", "m", "c")
        await pilot.pause()
        assert edits(app) == [] and app.app_c_pressed == 1
        app.query_one(PlanChecklist).set_editable(True)
        await pilot.pause()
        assert "Edit task" in screen_text(app).splitlines()[-1]


async def test_comments_show_under_their_task_and_phase_and_enter_on_one_edits_it() -> None:
    app = PlanEditHost(comments=SAMPLE_COMMENTS)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        task_row = next(i for i, line in enumerate(lines) if "Index users.email" in line)
        assert "💬 make it a partial index on active users" in lines[task_row + 1]
        api_row = next(i for i, line in enumerate(lines) if "📡 API" in line)
        assert "💬 version every route under /v1" in lines[api_row + 1]
        assert "Plan v2 · you — edited database.1" in screen_text(app)
        checklist = app.query_one(PlanChecklist)
        assert checklist.comment_on("database.2") == "make it a partial index on active users"
        await pilot.press("down", "down", "down", "enter")  # the comment line under database.2
        await pilot.pause()
        assert checklist.plan_tree.cursor_node.data == ("comment", "database.2")
        assert edits(app) == [("comment", "database", "database.2")]


def test_snapshot_of_a_comment_on_a_task(snap_compare) -> None:
    assert snap_compare(f"{HOSTS}:plan_comments_app", terminal_size=(96, 18))
