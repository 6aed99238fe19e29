"""The workflow's invariants (DESIGN §1), example-based and as a hypothesis state machine."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from phasegate.phases import workflow as wf
from phasegate.phases.models import PhaseReport, PhaseStatus, Plan, ResearchReport, Session, Stage
from phasegate.phases.plan_markdown import parse_plan
from phasegate.phases.tool_policy import WRITE_TOOLS, is_allowed, refusal, tools_for, tools_for_session

PLAN = parse_plan(
    "## Database Phase\n- [ ] **Schema**: users\n- [ ] **Migration**: 0003\n"
    "## API Phase\n- [ ] **Contract**: POST /users\n"
    "## Testing Phase\n- [ ] **Unit**: service\n"
)
RESEARCH = ResearchReport(understanding=["Express + Prisma"], questions=["Which roles?"])
REPORT = PhaseReport(summary="done", changes=["added users table"])


def planned() -> Session:
    s = Session(task="add users")
    s = wf.apply(s, wf.SubmitResearch(RESEARCH))
    s = wf.apply(s, wf.ApproveResearch())
    s = wf.apply(s, wf.SubmitPlan(PLAN))
    return s


def test_happy_path_through_every_stage() -> None:
    s = planned()
    assert s.stage == Stage.PLAN_REVIEW and s.plan_version == 1
    s = wf.apply(s, wf.ApprovePlan())
    for i, slug in enumerate(["database", "api", "testing"]):
        assert s.stage == Stage.EXECUTING and s.active_phase is None
        s = wf.apply(s, wf.StartPhase(base_sha=f"base{i}"))
        assert s.current_phase == slug and s.phase_state(slug).status == PhaseStatus.IN_PROGRESS
        s = wf.apply(s, wf.CompletePhase(REPORT))
        assert s.stage == Stage.PHASE_REVIEW
        s = wf.apply(s, wf.ApprovePhase(commit_sha=f"sha{i}"))
        assert s.phase_state(slug).commit_sha == f"sha{i}"
    assert s.stage == Stage.FINAL_REVIEW
    s = wf.apply(s, wf.ApproveFinal())
    assert s.stage == Stage.DONE
    s = wf.apply(s, wf.RollbackPhase("api", revert_sha="rev"))
    assert s.phase_state("api").status == PhaseStatus.ROLLED_BACK
    assert [h.event for h in s.history][:3] == ["SubmitResearch", "ApproveResearch", "SubmitPlan"]


def test_refused_event_leaves_state_untouched_and_says_why() -> None:
    s = Session(task="x")
    before = s.model_dump()
    with pytest.raises(wf.WorkflowError, match="can't approve the plan during research"):
        wf.apply(s, wf.ApprovePlan())
    with pytest.raises(wf.WorkflowError, match="no research report"):
        wf.apply(s, wf.ApproveResearch())
    assert s.model_dump() == before


def test_plan_changes_keep_versions_and_reprioritize_drops() -> None:
    s = planned()
    s = wf.apply(s, wf.RequestPlanChanges("add a security phase"))
    assert s.stage == Stage.PLANNING and s.plan_feedback == ["add a security phase"]
    s = wf.apply(s, wf.SubmitPlan(PLAN, reason="with security"))
    s = wf.apply(s, wf.Reprioritize(("api", "database")))
    assert s.plan_version == 3 and s.plan is not None and s.plan.slugs == ["api", "database"]
    assert "dropped testing" in s.plan_versions[-1].reason
    with pytest.raises(wf.WorkflowError, match="no phase named"):
        wf.apply(s, wf.Reprioritize(("nope",)))
    s = wf.apply(s, wf.ApprovePlan())
    assert [p.slug for p in s.phases] == ["api", "database"]


def test_request_changes_reject_and_skip() -> None:
    s = wf.apply(planned(), wf.ApprovePlan())
    s = wf.apply(s, wf.StartPhase(base_sha="b"))
    s = wf.apply(s, wf.MarkTaskDone("database.2"))
    assert s.plan is not None and s.plan.phase("database").tasks[1].done
    with pytest.raises(wf.WorkflowError, match="has no task"):
        wf.apply(s, wf.MarkTaskDone("api.1"))
    s = wf.apply(s, wf.CompletePhase(REPORT))
    s = wf.apply(s, wf.RequestPhaseChanges("use a transaction"))
    assert s.stage == Stage.EXECUTING and s.phase_state("database").attempts == 2
    s = wf.apply(s, wf.CompletePhase(REPORT))
    s = wf.apply(s, wf.RejectPhase(skip=False, reason="wrong table"))
    assert s.phase_state("database").status == PhaseStatus.IN_PROGRESS
    s = wf.apply(s, wf.CompletePhase(REPORT))
    s = wf.apply(s, wf.RejectPhase(skip=True))
    assert s.phase_state("database").status == PhaseStatus.SKIPPED and s.next_pending == "api"
    s = wf.apply(s, wf.SkipPhase("api"))
    s = wf.apply(s, wf.SkipPhase("testing"))
    assert s.stage == Stage.FINAL_REVIEW


def test_migration_halts_until_the_user_continues() -> None:
    s = wf.apply(wf.apply(planned(), wf.ApprovePlan()), wf.StartPhase(base_sha="b"))
    s = wf.apply(s, wf.MigrationRan("python migrate.py up"))
    assert s.halted_reason and "migration" in s.halted_reason
    assert tools_for(s.stage, halted=True) == ("list_files", "read_file", "search_code", "git_log")
    assert s.phase_state("database").migrations_run == ["python migrate.py up"]
    s = wf.apply(s, wf.ContinueAfterMigration())
    assert s.halted_reason is None


def test_rollback_refused_while_a_phase_has_uncommitted_work() -> None:
    s = wf.apply(planned(), wf.ApprovePlan())
    s = wf.apply(s, wf.StartPhase(base_sha="b"))
    s = wf.apply(s, wf.CompletePhase(REPORT))
    s = wf.apply(s, wf.ApprovePhase("sha1"))
    s = wf.apply(s, wf.StartPhase(base_sha="sha1"))
    with pytest.raises(wf.WorkflowError, match="uncommitted work"):
        wf.apply(s, wf.RollbackPhase("database", "rev"))


def test_tool_policy_offers_no_write_tool_before_execution() -> None:
    for stage in (Stage.RESEARCH, Stage.PLANNING, Stage.PLAN_REVIEW, Stage.PHASE_REVIEW, Stage.FINAL_REVIEW, Stage.DONE):
        assert not set(tools_for(stage)) & set(WRITE_TOOLS)
        assert "read-only" in refusal(stage, "write_file")
    assert is_allowed(Stage.EXECUTING, "write_file")
    assert "no tool named" in refusal(Stage.EXECUTING, "format_disk")


# ---------------------------------------------------------------------------------------------------
# The invariants, checked after every step of random event sequences.

EVENTS = st.one_of(
    st.just(wf.SubmitResearch(RESEARCH)),
    st.just(wf.ApproveResearch()),
    st.just(wf.AnswerResearch("roles: admin, user")),
    st.just(wf.SubmitPlan(PLAN)),
    st.just(wf.RequestPlanChanges("more tests")),
    st.lists(st.sampled_from(PLAN.slugs), min_size=1, unique=True).map(lambda o: wf.Reprioritize(tuple(o))),
    st.just(wf.ApprovePlan()),
    st.builds(wf.StartPhase, base_sha=st.just("base"), slug=st.none() | st.sampled_from(PLAN.slugs)),
    st.sampled_from(["database.1", "database.2", "api.1", "testing.1", "zzz"]).map(wf.MarkTaskDone),
    st.just(wf.CompletePhase(REPORT)),
    st.just(wf.RequestPhaseChanges("again")),
    st.builds(wf.RejectPhase, skip=st.booleans()),
    st.builds(wf.ApprovePhase, commit_sha=st.sampled_from(["", "c0ffee"])),
    st.sampled_from(PLAN.slugs).map(wf.SkipPhase),
    st.sampled_from(PLAN.slugs).map(lambda s: wf.RollbackPhase(s, revert_sha="rev")),
    st.just(wf.MigrationRan("alembic upgrade head")),
    st.just(wf.ContinueAfterMigration()),
    st.just(wf.ApproveFinal()),
)


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session = Session(task="t")
        self.plan_was_approved = False

    @rule(event=EVENTS)
    def step(self, event: wf.Event) -> None:
        before = self.session.model_dump()
        try:
            after = wf.apply(self.session, event)
        except wf.WorkflowError as exc:
            # Refused: one sentence, state untouched.
            assert str(exc) and "\n" not in str(exc)
            assert self.session.model_dump() == before
            return
        # A stage only changes through a named event, and history records it.
        assert after.history[-1].event == event.name
        assert after.history[-1].from_stage == self.session.stage
        assert after.history[-1].to_stage == after.stage
        if isinstance(event, wf.ApprovePlan):
            self.plan_was_approved = True
        self.session = after

    @invariant()
    def nothing_written_before_plan_approval(self) -> None:
        if not self.plan_was_approved:
            assert self.session.stage in (Stage.RESEARCH, Stage.PLANNING, Stage.PLAN_REVIEW)
            assert not any(is_allowed(self.session.stage, t) for t in WRITE_TOOLS)
            assert all(p.status == PhaseStatus.PENDING for p in self.session.phases)

    @invariant()
    def at_most_one_phase_open(self) -> None:
        open_ = [p for p in self.session.phases if p.status in (PhaseStatus.IN_PROGRESS, PhaseStatus.AWAITING_REVIEW)]
        assert len(open_) <= 1

    @invariant()
    def committed_phase_has_a_sha(self) -> None:
        for p in self.session.phases:
            if p.status in (PhaseStatus.COMMITTED, PhaseStatus.ROLLED_BACK):
                assert p.commit_sha
            if p.status == PhaseStatus.ROLLED_BACK:
                assert p.rollback_sha

    @invariant()
    def review_stage_matches_phase_status(self) -> None:
        awaiting = [p for p in self.session.phases if p.status == PhaseStatus.AWAITING_REVIEW]
        assert (self.session.stage == Stage.PHASE_REVIEW) == bool(awaiting)

    @invariant()
    def write_tools_only_while_a_phase_runs(self) -> None:
        s = self.session
        if "write_file" in tools_for_session(s):
            assert s.stage == Stage.EXECUTING and s.halted_reason is None
            assert s.active_phase is not None and s.active_phase.status == PhaseStatus.IN_PROGRESS


TestWorkflowMachine = WorkflowMachine.TestCase
TestWorkflowMachine.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)


def test_plan_model_validation_messages_are_actionable() -> None:
    with pytest.raises(ValueError, match="repeated: database"):
        Plan.model_validate(
            {"phases": [{"slug": "database", "title": "D", "tasks": [{"title": "a"}]}] * 2}
        )


# ------------------------------------------------------------------ every session change is an event


def test_task_and_baseline_are_events_before_the_first_phase() -> None:
    s = wf.apply(Session(), wf.SetTask("  add users  "))
    assert s.task == "add users" and s.history[-1].event == "SetTask"
    with pytest.raises(wf.WorkflowError, match="already has its task"):
        wf.apply(s, wf.SetTask("something else"))
    s = wf.apply(s, wf.SetBaseline("baseline1"))
    assert s.base_sha == "baseline1"
    s = wf.apply(planned(), wf.ApprovePlan())
    with pytest.raises(wf.WorkflowError, match="during execution"):
        wf.apply(s, wf.SetBaseline("late"))


def test_phase_bookkeeping_needs_an_open_phase_and_leaves_no_history_line() -> None:
    from phasegate.phases.models import CommandRun

    s = wf.apply(planned(), wf.ApprovePlan())
    with pytest.raises(wf.WorkflowError, match="No phase is open"):
        wf.apply(s, wf.CountWrite())
    s = wf.apply(s, wf.StartPhase(base_sha="base"))
    lines = len(s.history)
    s = wf.apply(s, wf.CountWrite())
    s = wf.apply(s, wf.RecordCommandRun(CommandRun(command="pytest", exit_code=1, after_write=1)))
    s = wf.apply(s, wf.RecordUsage(100, 20, 0.5))
    state = s.phase_state("database")
    assert state.writes == 1 and [r.command for r in state.commands] == ["pytest"]
    assert (s.usage.total_tokens, s.usage.cost) == (120, 0.5)
    assert len(s.history) == lines  # bookkeeping, not a step of the workflow
    s = wf.apply(s, wf.MovePhaseBase("their-commit"))
    assert state.base_sha == "base" and s.phase_state("database").base_sha == "their-commit"
    assert s.history[-1].event == "MovePhaseBase"


def test_usage_counted_by_phasegate_makes_the_totals_estimates() -> None:
    s = wf.apply(planned(), wf.RecordUsage(100, 20, 0.5))
    assert (s.usage.total_tokens, s.usage.estimated_tokens) == (120, 0)
    s = wf.apply(s, wf.RecordUsage(300, 40, estimated=True))
    assert (s.usage.total_tokens, s.usage.estimated_tokens) == (460, 340)
    assert type(s.usage).model_validate({"prompt_tokens": 1}).estimated_tokens == 0  # sessions saved before


def committed_three() -> Session:
    """Three phases committed, each started at a known place in the conversation (0, 10, 20)."""
    s = wf.apply(planned(), wf.ApprovePlan())
    for i in range(3):
        s = wf.apply(s, wf.StartPhase(base_sha=f"base{i}", conversation_at=10 * i))
        s = wf.apply(s, wf.MarkTaskDone(s.plan.phase(s.current_phase).tasks[0].id))
        s = wf.apply(s, wf.CompletePhase(REPORT))
        s = wf.apply(s, wf.ApprovePhase(commit_sha=f"sha{i}"))
    return wf.apply(s, wf.ApproveFinal())


def test_rewind_sets_the_phases_back_to_pending_and_hides_their_conversation() -> None:
    s = committed_three()
    assert s.stage == Stage.DONE
    # The reverts come first (the controller's side effect): a committed phase from api on refuses the rewind.
    with pytest.raises(wf.WorkflowError, match="Roll back api, testing before rewinding to before api"):
        wf.apply(s, wf.RewindTo("api", conversation_end=30))
    s = wf.apply(s, wf.RollbackPhase("testing", revert_sha="rev-t"))
    s = wf.apply(s, wf.RollbackPhase("api", revert_sha="rev-a"))
    version = s.plan_version
    s = wf.apply(s, wf.RewindTo("api", conversation_end=30))
    assert [p.status for p in s.phases] == [PhaseStatus.COMMITTED, PhaseStatus.PENDING, PhaseStatus.PENDING]
    assert s.stage == Stage.EXECUTING and s.next_pending == "api" and s.final_report is None
    assert s.plan_version == version  # the plan stays; only the rewound phases' ticks go back
    assert [t.done for t in s.plan.phase("database").tasks][0] and not any(t.done for t in s.plan.phase("api").tasks)
    assert [s.hidden_from_model(i) for i in (9, 10, 29, 30)] == [False, True, True, False]
    assert s.history[-1].event == "RewindTo"
    # Started again, the phase records its new start; a second rewind hides that stretch too.
    s = wf.apply(s, wf.StartPhase(base_sha="base9", conversation_at=31))
    assert s.phase_state("api").conversation_at == 31


def test_rewind_is_refused_with_open_work_or_an_unknown_start() -> None:
    s = wf.apply(planned(), wf.ApprovePlan())
    s = wf.apply(s, wf.StartPhase(base_sha="b0"))  # no conversation_at: a session from before rewind existed
    s = wf.apply(s, wf.CompletePhase(REPORT))
    with pytest.raises(wf.WorkflowError, match="can't rewind to before a phase during phase review"):
        wf.apply(s, wf.RewindTo("database", conversation_end=5))
    s = wf.apply(s, wf.ApprovePhase(commit_sha="c0"))
    s = wf.apply(s, wf.RollbackPhase("database", revert_sha="r0"))
    before = s.model_dump()
    with pytest.raises(wf.WorkflowError, match="does not know where the database phase started"):
        wf.apply(s, wf.RewindTo("database", conversation_end=5))
    assert s.model_dump() == before


def test_a_reply_that_is_not_a_report_is_kept_until_asked_again_or_replaced() -> None:
    from phasegate.phases.gates import Approve, Changes, approve_means, changes_mean, gate
    from phasegate.phases.models import UnreadableReply

    s = Session(task="add users")
    reply = UnreadableReply(kind="research", problem="The reply is not a research report: it has no Risks section.",
                            missing=["risks"], text="## Understanding\n- x")
    s = wf.apply(s, wf.ReplyNotAReport(reply))
    assert approve_means(s) == Approve.ACCEPT_REPLY and changes_mean(s) == Changes.ASK_AGAIN
    assert gate(s, busy=False).label == "Approve the reply anyway as the research report"
    with pytest.raises(wf.WorkflowError, match="no research report to approve"):
        wf.apply(s, wf.ApproveResearch())  # the reply alone approves nothing
    asked = wf.apply(s, wf.AskAgain("shorter, please"))
    assert asked.unreadable_reply is None and asked.research_feedback == ["shorter, please"]
    assert gate(asked, busy=False).label is None
    with pytest.raises(wf.WorkflowError, match="nothing to ask again for"):
        wf.apply(asked, wf.AskAgain())
    assert wf.apply(s, wf.SubmitResearch(RESEARCH)).unreadable_reply is None
    # A plan revision that does not parse: at plan review approve asks again, never approving v1 by mistake.
    p = wf.apply(planned(), wf.ReplyNotAReport(UnreadableReply(kind="plan", problem="line 3: bad", line=3)))
    assert approve_means(p) == Approve.ASK_FOR_PLAN and gate(p, busy=False).label == "Ask the model for the plan again"
    from phasegate.phases.gates import model_turn_due

    asked_plan = wf.apply(p, wf.AskAgain())
    assert model_turn_due(asked_plan, "user") and not model_turn_due(asked_plan, "assistant")
    with pytest.raises(wf.WorkflowError, match="only fail to be the research report during research"):
        wf.apply(p, wf.ReplyNotAReport(reply))
