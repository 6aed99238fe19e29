"""The user's edits of the plan under review: workflow events, user plan versions, comments, the
strict parser the editor's text goes through, and what the version diff says."""

from __future__ import annotations

import pytest

from phasegate.phases import workflow as wf
from phasegate.phases.models import PlanVersion, Session, Stage, load_session
from phasegate.phases.plan_markdown import (
    PlanParseError,
    comment_lines,
    diff_plans,
    parse_plan,
    parse_plan_strict,
    render_plan,
    version_markdown,
)
from tests.unit.test_workflow import PLAN, planned


def titles(s: Session, slug: str) -> list[str]:
    assert s.plan is not None
    return [t.title for t in s.plan.phase(slug).tasks]


def test_an_edit_is_a_new_plan_version_marked_as_the_users() -> None:
    s = planned()
    s = wf.apply(s, wf.EditTask("database.1", "Schema design", "users with a unique email"))
    assert s.plan_version == 2 and s.plan_versions[-1].author == "user" and s.plan_versions[0].author == "model"
    assert s.plan is not None and s.plan.phase("database").tasks[0].detail == "users with a unique email"
    assert titles(s, "database") == ["Schema design", "Migration"]
    assert s.plan_versions[0].plan.phase("database").tasks[0].title == "Schema", "the model's version is kept"
    assert s.stage == Stage.PLAN_REVIEW and s.history[-1].event == "EditTask"
    assert "(you)" in s.history[-1].detail


def test_add_delete_and_move_keep_ids_in_order_and_each_is_a_version() -> None:
    s = planned()
    s = wf.apply(s, wf.AddTask("api", "Rate limit", "10/min on POST /users"))
    assert titles(s, "api") == ["Contract", "Rate limit"]
    assert s.plan is not None and s.plan.phase("api").tasks[1].id == "api.2"
    s = wf.apply(s, wf.MoveTask("database.1", "testing"))
    assert titles(s, "database") == ["Migration"] and titles(s, "testing") == ["Unit", "Schema"]
    assert s.plan is not None and [t.id for t in s.plan.phase("testing").tasks] == ["testing.1", "testing.2"]
    assert s.plan.phase("database").tasks[0].id == "database.1"
    s = wf.apply(s, wf.DeleteTask("testing.1"))
    assert titles(s, "testing") == ["Schema"]
    assert [v.author for v in s.plan_versions] == ["model", "user", "user", "user"]
    assert [v.reason for v in s.plan_versions[1:]] == [
        "added a task to api", "moved 'Schema' from database to testing", "deleted 'Unit' from testing",
    ]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (wf.DeleteTask("api.1"), "only task of the api phase"),
        (wf.MoveTask("api.1", "database"), "only task of the api phase"),
        (wf.MoveTask("database.1", "database"), "already in the database phase"),
        (wf.MoveTask("database.1", "nope"), "no phase named 'nope'"),
        (wf.EditTask("database.9", "x"), "no task 'database.9'"),
        (wf.EditTask("database.1", "   "), "needs a title"),
        (wf.EditTask("database.1", "Schema", "users"), "Nothing changed"),
        (wf.AddTask("nope", "x"), "no phase named 'nope'"),
        (wf.CommentOnPlan("api", "", task_id=None), "no comment there"),
        (wf.CommentOnPlan("api", "x", task_id="database.1"), "is in the database phase"),
    ],
)
def test_refused_edits_say_why_and_change_nothing(event: wf.Event, message: str) -> None:
    s = planned()
    before = s.model_dump()
    with pytest.raises(wf.WorkflowError, match=message):
        wf.apply(s, event)
    assert s.model_dump() == before


def test_the_plan_is_editable_only_under_review() -> None:
    s = planned()
    assert wf.plan_editable(s)
    executing = wf.apply(s, wf.ApprovePlan())
    assert not wf.plan_editable(executing)
    with pytest.raises(wf.WorkflowError, match="can't edit a task of the plan during"):
        wf.apply(executing, wf.EditTask("database.1", "x"))
    with pytest.raises(wf.WorkflowError, match="can't comment on the plan during"):
        wf.apply(executing, wf.CommentOnPlan("database", "x"))
    planning = wf.apply(s, wf.RequestPlanChanges("more"))
    assert not wf.plan_editable(planning)
    assert not wf.plan_editable(Session(task="x"))


def test_comments_follow_their_task_through_edits_and_are_cleared_when_sent() -> None:
    s = planned()
    s = wf.apply(s, wf.CommentOnPlan("database", "use a partial index", task_id="database.2"))
    s = wf.apply(s, wf.CommentOnPlan("api", "version it under /v1"))
    assert [(c.phase, c.task_id) for c in s.plan_comments] == [("database", "database.2"), ("api", None)]
    assert len(s.plan_versions) == 1, "a comment is not a plan version"
    s = wf.apply(s, wf.MoveTask("database.1", "api"))  # database.2 becomes database.1
    assert [(c.phase, c.task_id) for c in s.plan_comments] == [("database", "database.1"), ("api", None)]
    s = wf.apply(s, wf.AddTask("database", "Seed data"))
    s = wf.apply(s, wf.MoveTask("database.1", "testing"))  # ...and then testing.2
    assert ("testing", "testing.2") in [(c.phase, c.task_id) for c in s.plan_comments]
    assert s.plan is not None
    assert comment_lines(s.plan, s.plan_comments) == [
        "- on task testing.2 (Migration): use a partial index",
        "- on the api phase: version it under /v1",
    ]
    # A second comment on the same place replaces the first; an empty one removes it.
    s = wf.apply(s, wf.CommentOnPlan("api", "and document it"))
    assert [c.text for c in s.plan_comments if c.task_id is None] == ["and document it"]
    s = wf.apply(s, wf.CommentOnPlan("api", ""))
    assert [c.phase for c in s.plan_comments] == ["testing"]
    s = wf.apply(s, wf.RequestPlanChanges("see my comments"))
    assert s.plan_comments == [] and s.plan_feedback == ["see my comments"]


def test_a_comment_on_a_deleted_task_stays_on_its_phase_naming_the_task() -> None:
    s = planned()
    s = wf.apply(s, wf.CommentOnPlan("database", "needs a down migration", task_id="database.2"))
    s = wf.apply(s, wf.DeleteTask("database.2"))
    assert [(c.phase, c.task_id, c.text) for c in s.plan_comments] == [
        ("database", None, "(on the deleted task 'Migration') needs a down migration")
    ]


def test_approving_the_plan_clears_the_comments_and_reorder_is_the_users_version() -> None:
    s = wf.apply(planned(), wf.CommentOnPlan("testing", "add an e2e test"))
    s = wf.apply(s, wf.Reprioritize(("database", "api")))
    assert s.plan_versions[-1].author == "user"
    assert s.plan_comments == [], "the testing phase was dropped, and its comment with it"
    s = wf.apply(wf.apply(planned(), wf.CommentOnPlan("api", "x")), wf.ApprovePlan())
    assert s.plan_comments == []


def test_replacing_the_plan_from_the_editor_matches_comments_by_title() -> None:
    s = wf.apply(planned(), wf.CommentOnPlan("database", "idempotent please", task_id="database.2"))
    text = render_plan(PLAN).replace("- [ ] **Schema**: users\n", "").replace("**Unit**: service", "**Unit**: service layer")
    s = wf.apply(s, wf.ReplacePlan(parse_plan_strict(text)))
    assert s.plan_versions[-1].author == "user" and s.plan_versions[-1].reason == "edited in the editor"
    assert titles(s, "database") == ["Migration"]
    assert [(c.task_id, c.text) for c in s.plan_comments] == [("database.1", "idempotent please")]
    with pytest.raises(wf.WorkflowError, match="Nothing changed"):
        wf.apply(s, wf.ReplacePlan(parse_plan_strict(render_plan(s.plan))))  # type: ignore[arg-type]


def test_sessions_written_before_user_edits_load_with_model_versions_and_no_comments() -> None:
    data = planned().model_dump(mode="json")
    for version in data["plan_versions"]:
        version.pop("author")
    data.pop("plan_comments")
    s = load_session(data)
    assert s.plan_versions[0].author == "model" and s.plan_comments == []


# ------------------------------------------------------------------------------ the strict parser


def test_strict_parse_reads_what_render_writes_and_ignores_html_comments() -> None:
    text = "<!-- phasegate: edit me\n  over two lines -->\n\n" + render_plan(PLAN)
    assert parse_plan_strict(text) == parse_plan(render_plan(PLAN))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("## Database Phase\n- [ ] **A**: x\nfree prose here\n", 3, "expected a task"),
        ("# Plan\n- [ ] **A**: x\n## API Phase\n- [ ] **B**\n", 2, "must come after"),
        ("## Database Phase\n- [ ] **A**\n## API Phase\n\n## Testing Phase\n- [ ] **C**\n", 3, "api phase has no tasks"),
        ("## Database Phase\n- [ ] **A**\n## Database Phase\n- [ ] **B**\n", 3, "already appears on line 1"),
        ("## Database Phase\n- [ ] ****: x\n", 2, "has no title"),
        ("## Database Phase\n- [ ] **A**\n# Title\n", 3, "before the first phase"),
        ("## Database Phase\n- [ ] **A**\n- [] **B**\n", 3, "expected a task"),
    ],
)
def test_strict_parse_names_the_line_at_fault(text: str, line: int, message: str) -> None:
    with pytest.raises(PlanParseError, match=message) as caught:
        parse_plan_strict(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}:")


def test_strict_parse_refuses_a_file_without_phases() -> None:
    with pytest.raises(PlanParseError, match="no phase found"):
        parse_plan_strict("<!-- nothing -->\n\n")


# ------------------------------------------------------------------------------ the version diff


def test_the_diff_names_moved_and_renamed_tasks_and_the_author() -> None:
    s = planned()
    s = wf.apply(s, wf.MoveTask("database.2", "api"))
    s = wf.apply(s, wf.EditTask("api.1", "API contract", "POST /users"))
    v1, v2, v3 = s.plan_versions
    assert [c.describe() for c in diff_plans(v1.plan, v2.plan)] == ["~ Migration: moved from database to api"]
    assert [c.describe() for c in diff_plans(v2.plan, v3.plan)] == ["~ api: 'Contract' → 'API contract'"]
    shown = version_markdown(v3, v2)
    assert shown.startswith("# Plan v3 · by you\n") and "## Changes from v2 (by you)" in shown
    assert "- [ ] **API contract**: POST /users" in shown
    assert version_markdown(v1).startswith("# Plan v1 · by model\n")


def test_a_version_without_an_author_reads_as_the_models() -> None:
    assert PlanVersion(version=1, plan=PLAN).author == "model"
