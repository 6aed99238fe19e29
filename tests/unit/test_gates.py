"""What each gate means in each stage (``phases/gates.py``): one pure table for the workbench, the
headless driver and the CLI."""

from __future__ import annotations

from phasegate.phases import gates
from phasegate.phases import workflow as wf
from phasegate.phases.gates import Approve, Changes, ChatMeans, Reject
from phasegate.phases.models import PhaseReport, ResearchReport, Session
from phasegate.phases.plan_markdown import parse_plan

PLAN = parse_plan("## Database Phase\n- [ ] **Schema**: users\n## API Phase\n- [ ] **Contract**: POST /users\n")
REPORT = PhaseReport(summary="done", changes=["users table"])


def walk() -> list[tuple[str, Session]]:
    """The session at each gate, in order."""
    s = Session()
    out = [("no task", s)]
    s = wf.apply(s, wf.SetTask("add users"))
    out.append(("researching", s))
    s = wf.apply(s, wf.SubmitResearch(ResearchReport(understanding=["Flask"])))
    out.append(("research", s))
    s = wf.apply(s, wf.ApproveResearch())
    out.append(("planning", s))
    s = wf.apply(s, wf.SubmitPlan(PLAN))
    out.append(("plan review", s))
    s = wf.apply(s, wf.ApprovePlan())
    out.append(("start", s))
    s = wf.apply(s, wf.StartPhase(base_sha="b0"))
    out.append(("in progress", s))
    s = wf.apply(s, wf.MigrationRan("alembic upgrade head"))
    out.append(("halted", s))
    s = wf.apply(wf.apply(s, wf.ContinueAfterMigration()), wf.CompletePhase(REPORT))
    out.append(("phase review", s))
    s = wf.apply(s, wf.ApprovePhase(commit_sha="c1"))
    out.append(("after a commit", s))
    s = wf.apply(s, wf.SkipPhase("api"))
    out.append(("final review", s))
    s = wf.apply(s, wf.ApproveFinal())
    out.append(("done", s))
    return out


def test_the_gate_table() -> None:
    table = {name: gates.gate(s, busy=False) for name, s in walk()}
    assert {name: (g.label, sorted(g.allowed), g.approve) for name, g in table.items()} == {
        "no task": (None, [], Approve.NOTHING),
        "researching": (None, [], Approve.NOTHING),
        "research": ("Approve research → write the plan", ["approve", "request_changes"], Approve.APPROVE_RESEARCH),
        "planning": ("Ask the model for the plan again", ["approve"], Approve.ASK_FOR_PLAN),
        "plan review": ("Approve plan v1 → start database", ["approve", "request_changes"], Approve.APPROVE_PLAN),
        "start": ("Start phase database", ["approve", "reject"], Approve.START_PHASE),
        "in progress": ("Resume phase database", ["approve", "reject", "request_changes"], Approve.RESUME_PHASE),
        "halted": ("Continue after the migration", ["approve", "reject", "request_changes"],
                   Approve.CONTINUE_AFTER_MIGRATION),
        "phase review": ("Commit phase database", ["approve", "reject", "request_changes"], Approve.COMMIT_PHASE),
        "after a commit": ("Start phase api", ["approve", "reject", "rollback"], Approve.START_PHASE),
        "final review": ("Approve the final review → done", ["approve", "rollback"], Approve.APPROVE_FINAL),
        "done": (None, ["rollback"], Approve.NOTHING),
    }
    assert table["after a commit"].reject_label == "Skip api" and table["after a commit"].reject_skips
    assert table["phase review"].reject_label == "Reject database" and not table["phase review"].reject_skips


def test_nothing_is_offered_while_the_model_works() -> None:
    for _, s in walk():
        assert gates.gate(s, busy=True).allowed == frozenset()


def test_what_changes_messages_and_reject_mean() -> None:
    at = dict(walk())
    assert gates.changes_mean(at["phase review"]) == Changes.PHASE
    assert gates.changes_mean(at["plan review"]) == Changes.PLAN
    assert gates.changes_mean(at["research"]) == Changes.MESSAGE
    assert [gates.message_means(at[n]) for n in ("no task", "researching", "research", "plan review",
                                                "phase review", "halted", "in progress")] == [
        ChatMeans.SET_TASK, ChatMeans.PLAIN, ChatMeans.ANSWER_RESEARCH, ChatMeans.PLAN_CHANGES,
        ChatMeans.PHASE_CHANGES, ChatMeans.CONTINUE_AFTER_MIGRATION, ChatMeans.PLAIN]
    assert gates.reject_means(at["after a commit"]) == Reject.SKIP_NEXT
    assert gates.reject_means(at["phase review"]) == Reject.DISCARD
    assert gates.reject_means(at["final review"]) == Reject.NOTHING


def test_a_model_turn_is_due_after_handing_it_work() -> None:
    at = dict(walk())
    assert gates.model_turn_due(at["planning"], "user")
    assert gates.model_turn_due(at["in progress"], "user")
    assert not gates.model_turn_due(at["in progress"], "assistant")
    assert not gates.model_turn_due(at["halted"], "user")
    assert not gates.model_turn_due(at["after a commit"], "user")
    assert gates.can_rollback(at["after a commit"]) and not gates.can_rollback(at["phase review"])
