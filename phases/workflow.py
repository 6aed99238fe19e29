"""The workflow state machine of DESIGN §1: stages, events, guards.

Pure and synchronous. ``apply(session, event)`` returns a *new* session with the event applied, or
raises ``WorkflowError`` with one sentence a user understands — and then the given session is
untouched (we work on a deep copy). This is the only code that changes a session's stage or its
phases' statuses, so every gate in the seed prompt that is about *order* lives here:

- research is read-only and ends only by the user's approval;
- a plan is reviewed (and may be revised, reordered, trimmed) before anything is written;
- one phase at a time; a phase ends in review, and only the user's approval — carrying the sha
  of the commit the git layer made — marks it committed;
- after a migration command has run the model's turn is halted until the user continues;
- a committed phase can be rolled back later (its revert sha is recorded).

Git, the model and the UI are not here: the App performs the side effect (commit, revert, discard)
and then applies the event that records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from phasegate.phases.models import (
    ArchitecturalPhase,
    CommandRun,
    ConversationCut,
    HistoryEntry,
    PhaseReport,
    PhaseState,
    PhaseStatus,
    Plan,
    PlanAuthor,
    PlanComment,
    PlanVersion,
    ResearchReport,
    Session,
    Stage,
    Task,
    UnreadableReply,
    utcnow,
)
from phasegate.phases.plan_markdown import infer_kind
from phasegate.phases.stages import STAGE_LABELS


class WorkflowError(Exception):
    """An event that is not allowed now. ``str(exc)`` is one sentence for the user."""


# --------------------------------------------------------------------------------------------------
# Events. Each is a small frozen dataclass; ``name`` is what history records and what the UI shows.


@dataclass(frozen=True)
class Event:
    #: Whether the event gets a line in ``Session.history`` (and the transcript). Bookkeeping events
    #: that happen on every write or model reply (counting writes, usage) change the session without one.
    recorded: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class SetTask(Event):
    """The user's first chat message becomes the session's task."""

    text: str


@dataclass(frozen=True)
class SetBaseline(Event):
    """The session's base moved before any phase started: the user's own changes were committed
    (``baseline``) or stashed, so the work starts from this HEAD."""

    base_sha: str


@dataclass(frozen=True)
class RecordUsage(Event):
    """Tokens and cost of one model reply, added to the session's totals."""

    recorded: ClassVar[bool] = False
    prompt_tokens: int
    completion_tokens: int
    cost: float = 0.0
    #: phasegate counted these tokens itself (the endpoint reported none): the totals become estimates.
    estimated: bool = False


@dataclass(frozen=True)
class SubmitResearch(Event):
    report: ResearchReport


@dataclass(frozen=True)
class ReplyNotAReport(Event):
    """The model answered in prose, and the reply is not the research report (or the plan) it was asked
    for: the reply is kept, nothing is approved, and the gate offers to ask again or accept it anyway."""

    reply: UnreadableReply


@dataclass(frozen=True)
class AskAgain(Event):
    """The user asks the model again for the report (or plan) its last reply was not; ``feedback`` are
    the user's own words, if any."""

    feedback: str = ""


@dataclass(frozen=True)
class AnswerResearch(Event):
    """The user answers the model's questions or asks for more research; stays in research."""

    feedback: str


@dataclass(frozen=True)
class ApproveResearch(Event):
    pass


@dataclass(frozen=True)
class SubmitPlan(Event):
    plan: Plan
    reason: str = ""


@dataclass(frozen=True)
class RequestPlanChanges(Event):
    feedback: str


@dataclass(frozen=True)
class Reprioritize(Event):
    """Reorder the plan's phases; phases left out of ``order`` are dropped from the plan."""

    order: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class ApprovePlan(Event):
    """The plan is approved; comments the model has not seen yet go with the approval (and are cleared)."""


# The user's own changes to the plan under review. Each makes a new plan version marked as the user's;
# task ids stay ``<phase>.<n>`` (renumbered after a change) and comments follow their task.


@dataclass(frozen=True)
class PlanEdit(Event):
    """Base of the user's edits of the plan (the controller accepts only these from the checklist)."""


@dataclass(frozen=True)
class EditTask(PlanEdit):
    task_id: str
    title: str
    detail: str = ""


@dataclass(frozen=True)
class AddTask(PlanEdit):
    """A new task at the end of ``phase``."""

    phase: str
    title: str
    detail: str = ""


@dataclass(frozen=True)
class DeleteTask(PlanEdit):
    task_id: str


@dataclass(frozen=True)
class MoveTask(PlanEdit):
    """The task moves to the end of ``to_phase``."""

    task_id: str
    to_phase: str


@dataclass(frozen=True)
class ReplacePlan(PlanEdit):
    """The whole plan as the user wrote it (``$EDITOR``, the strict Markdown format)."""

    plan: Plan
    reason: str = "edited in the editor"


@dataclass(frozen=True)
class CommentOnPlan(Event):
    """The user's comment on a phase (``task_id`` None) or a task; an empty text removes it."""

    phase: str
    text: str
    task_id: str | None = None


@dataclass(frozen=True)
class StartPhase(Event):
    """Start a phase (default: the next pending one). ``base_sha`` is HEAD when it starts."""

    base_sha: str
    slug: str | None = None
    #: The index of the phase's first message in the conversation (where a rewind trims back to).
    conversation_at: int | None = None


@dataclass(frozen=True)
class MarkTaskDone(Event):
    task_id: str
    done: bool = True


@dataclass(frozen=True)
class CountWrite(Event):
    """A tool changed files in the active phase (verification runs compare against this count)."""

    recorded: ClassVar[bool] = False


@dataclass(frozen=True)
class RecordCommandRun(Event):
    """A command ran for the active phase (the model's, or phasegate's verification): kept for the review."""

    recorded: ClassVar[bool] = False
    run: CommandRun


@dataclass(frozen=True)
class MovePhaseBase(Event):
    """The user committed by hand during the phase: the phase's changes now count from their commit."""

    base_sha: str


@dataclass(frozen=True)
class CompletePhase(Event):
    report: PhaseReport


@dataclass(frozen=True)
class RequestPhaseChanges(Event):
    feedback: str


@dataclass(frozen=True)
class RejectPhase(Event):
    """The phase's changes were discarded. ``skip`` drops the phase; otherwise it is redone."""

    skip: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ApprovePhase(Event):
    commit_sha: str
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkipPhase(Event):
    """Skip a pending phase during execution (the user decided it is not needed)."""

    slug: str
    reason: str = ""


@dataclass(frozen=True)
class RollbackPhase(Event):
    slug: str
    revert_sha: str


@dataclass(frozen=True)
class RewindTo(Event):
    """Rewind to before ``slug``: the phases from it on are pending again (the controller reverted the
    committed ones first, each recorded by ``RollbackPhase``), their ticks are cleared, and the model's
    conversation from where ``slug`` started up to ``conversation_end`` is hidden from it. The plan
    version stays."""

    slug: str
    conversation_end: int


@dataclass(frozen=True)
class MigrationRan(Event):
    command: str


@dataclass(frozen=True)
class ContinueAfterMigration(Event):
    pass


@dataclass(frozen=True)
class RecordFinalReport(Event):
    report: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ApproveFinal(Event):
    pass


# --------------------------------------------------------------------------------------------------
# Which events each stage accepts. Rollback is checked separately (any stage after a commit).

_EVERY_STAGE: frozenset[type[Event]] = frozenset({RecordUsage})
_PHASE_WORK: frozenset[type[Event]] = frozenset({CountWrite, RecordCommandRun, MovePhaseBase})

ALLOWED: dict[Stage, frozenset[type[Event]]] = {
    Stage.RESEARCH: _EVERY_STAGE | {SetTask, SetBaseline, SubmitResearch, AnswerResearch, ApproveResearch,
                                    ReplyNotAReport, AskAgain},
    Stage.PLANNING: _EVERY_STAGE | {SetBaseline, SubmitPlan, ReplyNotAReport, AskAgain},
    Stage.PLAN_REVIEW: _EVERY_STAGE | {SetBaseline, SubmitPlan, RequestPlanChanges, Reprioritize, ApprovePlan,
                                       ReplyNotAReport, AskAgain, EditTask, AddTask, DeleteTask, MoveTask, ReplacePlan, CommentOnPlan},
    Stage.EXECUTING: _EVERY_STAGE | _PHASE_WORK | frozenset(
        {
            StartPhase,
            MarkTaskDone,
            CompletePhase,
            RejectPhase,
            SkipPhase,
            MigrationRan,
            ContinueAfterMigration,
            RollbackPhase,
            RewindTo,
        }
    ),
    Stage.PHASE_REVIEW: _EVERY_STAGE | _PHASE_WORK | {RequestPhaseChanges, RejectPhase, ApprovePhase},
    Stage.FINAL_REVIEW: _EVERY_STAGE | {RecordFinalReport, ApproveFinal, RollbackPhase, RewindTo},
    Stage.DONE: _EVERY_STAGE | {RollbackPhase, RewindTo, RecordFinalReport},
}

EVENT_LABEL: dict[type[Event], str] = {
    SetTask: "set the task",
    SetBaseline: "move the session's base",
    RecordUsage: "record token usage",
    CountWrite: "count a write",
    RecordCommandRun: "record a command run",
    MovePhaseBase: "move the phase's base",
    SubmitResearch: "submit research",
    ReplyNotAReport: "record a reply that is not a report",
    AskAgain: "ask the model again",
    AnswerResearch: "answer the research questions",
    ApproveResearch: "approve the research",
    SubmitPlan: "submit a plan",
    RequestPlanChanges: "request plan changes",
    Reprioritize: "reorder the plan",
    ApprovePlan: "approve the plan",
    EditTask: "edit a task of the plan",
    AddTask: "add a task to the plan",
    DeleteTask: "delete a task of the plan",
    MoveTask: "move a task of the plan",
    ReplacePlan: "replace the plan",
    CommentOnPlan: "comment on the plan",
    StartPhase: "start a phase",
    MarkTaskDone: "tick a task",
    CompletePhase: "complete a phase",
    RequestPhaseChanges: "request changes to a phase",
    RejectPhase: "reject a phase",
    ApprovePhase: "approve a phase",
    SkipPhase: "skip a phase",
    RollbackPhase: "roll back a phase",
    RewindTo: "rewind to before a phase",
    MigrationRan: "record a migration",
    ContinueAfterMigration: "continue after a migration",
    RecordFinalReport: "record the final report",
    ApproveFinal: "approve the final review",
}


#: The user's changes to the plan and comments on it: the checklist offers its edit keys only in a stage
#: that accepts them (``plan_editable``).
PLAN_EDIT_EVENTS: frozenset[type[Event]] = frozenset({EditTask, AddTask, DeleteTask, MoveTask, ReplacePlan, CommentOnPlan})


def plan_editable(session: Session) -> bool:
    """Whether the user may edit the plan and comment on it now (the plan is under review)."""
    return session.plan is not None and PLAN_EDIT_EVENTS <= ALLOWED[session.stage]


def apply(session: Session, event: Event) -> Session:
    """Apply ``event`` to a copy of ``session`` and return the copy, or raise ``WorkflowError``."""
    if type(event) not in ALLOWED[session.stage]:
        raise WorkflowError(
            f"You can't {EVENT_LABEL.get(type(event), event.name)} during {STAGE_LABELS[session.stage].lower()}"
            f"{_what_now(session)}."
        )
    new = session.model_copy(deep=True)
    before = new.stage
    detail = _HANDLERS[type(event)](new, event) or ""
    new.updated_at = utcnow()
    if event.recorded:
        new.history.append(HistoryEntry(event=event.name, from_stage=before, to_stage=new.stage, detail=detail))
    return new


def _what_now(session: Session) -> str:
    hints = {
        Stage.RESEARCH: "; approve the research first",
        Stage.PLANNING: "; the model is writing the plan",
        Stage.PLAN_REVIEW: "; approve the plan or request changes first",
        Stage.EXECUTING: "; the phase must be completed and reviewed first",
        Stage.PHASE_REVIEW: "; approve, reject or request changes to this phase first",
        Stage.FINAL_REVIEW: "; approve the final review first",
        Stage.DONE: "; the session is done",
    }
    return hints[session.stage]


# --------------------------------------------------------------------------------------------------
# Handlers mutate the (already copied) session; they raise WorkflowError before mutating anything
# that a failure would leave half-done. Each returns a short detail string for the history.


def _set_task(s: Session, e: SetTask) -> str:
    if s.task:
        raise WorkflowError("This session already has its task; start a new session for another one.")
    if not e.text.strip():
        raise WorkflowError("Describe the task before sending it.")
    s.task = e.text.strip()
    return s.task[:200]


def _set_baseline(s: Session, e: SetBaseline) -> str:
    if s.phases:
        raise WorkflowError("The session's base can only move before its first phase starts.")
    if not e.base_sha:
        raise WorkflowError("The session's base needs a commit.")
    s.base_sha = e.base_sha
    return e.base_sha[:12]


def _record_usage(s: Session, e: RecordUsage) -> str:
    s.usage.prompt_tokens += e.prompt_tokens
    s.usage.completion_tokens += e.completion_tokens
    s.usage.cost += e.cost
    if e.estimated:
        s.usage.estimated_tokens += e.prompt_tokens + e.completion_tokens
    return ""


def _working_phase(s: Session) -> PhaseState:
    current = s.active_phase
    if current is None:
        raise WorkflowError("No phase is open, so there is no phase work to record.")
    return current


def _count_write(s: Session, e: CountWrite) -> str:
    _working_phase(s).writes += 1
    return ""


def _record_command_run(s: Session, e: RecordCommandRun) -> str:
    _working_phase(s).commands.append(e.run.model_copy(deep=True))
    return e.run.command[:200]


def _move_phase_base(s: Session, e: MovePhaseBase) -> str:
    current = _working_phase(s)
    if not e.base_sha:
        raise WorkflowError("A phase's base needs a commit.")
    current.base_sha = e.base_sha
    return f"{current.slug} {e.base_sha[:12]}"


def _submit_research(s: Session, e: SubmitResearch) -> str:
    s.research = e.report
    s.unreadable_reply = None
    return f"{len(e.report.understanding)} findings, {len(e.report.questions)} questions"


def _reply_not_a_report(s: Session, e: ReplyNotAReport) -> str:
    if e.reply.kind == "research" and s.stage != Stage.RESEARCH:
        raise WorkflowError("A reply can only fail to be the research report during research.")
    if e.reply.kind == "plan" and s.stage == Stage.RESEARCH:
        raise WorkflowError("A reply can only fail to be the plan once the plan is asked for.")
    s.unreadable_reply = e.reply.model_copy(deep=True)
    return e.reply.problem[:200]


def _ask_again(s: Session, e: AskAgain) -> str:
    if s.unreadable_reply is None:
        raise WorkflowError("The model's last reply was not refused, so there is nothing to ask again for.")
    kind = s.unreadable_reply.kind
    feedback = e.feedback.strip()
    if feedback:
        (s.research_feedback if kind == "research" else s.plan_feedback).append(feedback)
    s.unreadable_reply = None
    return f"asked again for the {'research report' if kind == 'research' else 'plan'}"


def _answer_research(s: Session, e: AnswerResearch) -> str:
    if not e.feedback.strip():
        raise WorkflowError("Write your answer before sending it.")
    s.research_feedback.append(e.feedback.strip())
    return ""


def _approve_research(s: Session, e: ApproveResearch) -> str:
    if s.research is None:
        raise WorkflowError("There is no research report to approve yet; wait for the model to submit one.")
    s.stage = Stage.PLANNING
    return ""


def _add_plan_version(s: Session, plan: Plan, reason: str, author: PlanAuthor = "model") -> int:
    version = s.plan_version + 1
    s.plan_versions.append(PlanVersion(version=version, plan=plan.model_copy(deep=True), reason=reason, author=author))
    return version


def _submit_plan(s: Session, e: SubmitPlan) -> str:
    version = _add_plan_version(s, e.plan, e.reason or ("revised" if s.plan_versions else "first draft"))
    s.unreadable_reply = None
    s.stage = Stage.PLAN_REVIEW
    return f"plan v{version}"


def _request_plan_changes(s: Session, e: RequestPlanChanges) -> str:
    if not e.feedback.strip():
        raise WorkflowError("Say what should change in the plan before sending the request.")
    s.plan_feedback.append(e.feedback.strip())
    s.plan_comments = []  # the controller put them into the feedback: the model has them now
    s.unreadable_reply = None
    s.stage = Stage.PLANNING
    return e.feedback.strip()[:200]


def _reprioritize(s: Session, e: Reprioritize) -> str:
    plan = s.plan
    assert plan is not None  # plan_review always has a plan
    order = list(e.order)
    unknown = [slug for slug in order if slug not in plan.slugs]
    if unknown:
        raise WorkflowError(f"The plan has no phase named {', '.join(unknown)}; its phases are {', '.join(plan.slugs)}.")
    if len(set(order)) != len(order):
        raise WorkflowError("Name each phase once when reordering the plan.")
    if not order:
        raise WorkflowError("A plan needs at least one phase; you can't drop them all.")
    dropped = [slug for slug in plan.slugs if slug not in order]
    new_plan = Plan(title=plan.title, phases=[plan.phase(slug) for slug in order])
    reason = e.reason or ("reordered" + (f"; dropped {', '.join(dropped)}" if dropped else ""))
    version = _add_plan_version(s, new_plan, reason, author="user")
    s.plan_comments = [c for c in s.plan_comments if c.phase in order]
    return f"plan v{version}: {' → '.join(order)}"


def _approve_plan(s: Session, e: ApprovePlan) -> str:
    plan = s.plan
    if plan is None:
        raise WorkflowError("There is no plan to approve yet.")
    s.phases = [PhaseState(slug=p.slug) for p in plan.phases]
    s.plan_comments = []  # the controller sends the unsent ones with the approval
    s.current_phase = None
    s.stage = Stage.EXECUTING
    return f"plan v{s.plan_version} approved"


# -- the user's plan edits -----------------------------------------------------------------------------


def _task_of(plan: Plan, task_id: str) -> tuple[ArchitecturalPhase, Task]:
    for phase in plan.phases:
        for task in phase.tasks:
            if task.id == task_id:
                return phase, task
    raise WorkflowError(f"The plan has no task {task_id!r}.")


def _phase_of(plan: Plan, slug: str) -> ArchitecturalPhase:
    try:
        return plan.phase(slug)
    except KeyError:
        raise WorkflowError(f"The plan has no phase named {slug!r}; its phases are {', '.join(plan.slugs)}.") from None


def _task_text(title: str, detail: str) -> tuple[str, str]:
    title, detail = " ".join(title.split()), " ".join(detail.split())  # one line each in the strict format
    if not title:
        raise WorkflowError("A task needs a title.")
    return title, detail


def _renumbered(plan: Plan) -> tuple[Plan, dict[str, str]]:
    """The plan with task ids ``<phase>.<n>`` again, and which old id became which new one."""
    ids: dict[str, str] = {}
    phases = []
    for phase in plan.phases:
        tasks = []
        for index, task in enumerate(phase.tasks, start=1):
            new_id = f"{phase.slug}.{index}"
            ids[task.id] = new_id
            tasks.append(task.model_copy(update={"id": new_id}))
        phases.append(phase.model_copy(update={"tasks": tasks}))
    return plan.model_copy(update={"phases": phases}), ids


def _commit_user_plan(s: Session, plan: Plan, reason: str, ids: dict[str, str] | None = None) -> str:
    """Record the user's edit as a new plan version; comments follow their task (a comment on a task
    that is gone stays, on its phase, naming the task: the user's words are never dropped silently)."""
    before = s.plan
    assert before is not None
    if ids is None:  # the task ids of an edited plan are positional: follow the task by its title instead
        titles = {(p.slug, t.title): t.id for p in plan.phases for t in p.tasks}
        anywhere = {t.title: t.id for p in plan.phases for t in p.tasks}
        ids = {}
        for phase in before.phases:
            for task in phase.tasks:
                found = titles.get((phase.slug, task.title)) or anywhere.get(task.title)
                if found:
                    ids[task.id] = found
    plan, renumbered = _renumbered(plan)
    old_titles = {t.id: t.title for p in before.phases for t in p.tasks}
    comments: list[PlanComment] = []
    for comment in s.plan_comments:
        if comment.task_id is None:
            if comment.phase in plan.slugs:
                comments.append(comment)
            continue
        moved = ids.get(comment.task_id)
        new_id = renumbered.get(moved) if moved else None
        if new_id is not None:
            comments.append(comment.model_copy(update={"task_id": new_id, "phase": new_id.rsplit(".", 1)[0]}))
        elif comment.phase in plan.slugs:
            title = old_titles.get(comment.task_id, comment.task_id)
            comments.append(comment.model_copy(update={"task_id": None, "text": f"(on the deleted task {title!r}) {comment.text}"}))
    if plan.model_dump(exclude={"phases": {"__all__": {"tasks": {"__all__": {"done"}}}}}) == before.model_dump(
        exclude={"phases": {"__all__": {"tasks": {"__all__": {"done"}}}}}
    ):
        raise WorkflowError("Nothing changed in the plan.")
    version = _add_plan_version(s, plan, reason, author="user")
    s.plan_comments = comments
    s.unreadable_reply = None  # the user wrote the plan themselves: the model's unreadable one is moot
    return f"plan v{version} (you): {reason}"


def _edit_task(s: Session, e: EditTask) -> str:
    plan = s.plan
    assert plan is not None
    new = plan.model_copy(deep=True)
    _, task = _task_of(new, e.task_id)
    inferred = task.kind == infer_kind(task.title)  # a kind the title implied follows the new title
    task.title, task.detail = _task_text(e.title, e.detail)
    if inferred:
        task.kind = infer_kind(task.title)
    return _commit_user_plan(s, new, f"edited {e.task_id}", {t.id: t.id for p in new.phases for t in p.tasks})


def _add_task(s: Session, e: AddTask) -> str:
    plan = s.plan
    assert plan is not None
    new = plan.model_copy(deep=True)
    phase = _phase_of(new, e.phase)
    title, detail = _task_text(e.title, e.detail)
    phase.tasks.append(Task(id=f"{phase.slug}.new", title=title, detail=detail, kind=infer_kind(title)))
    return _commit_user_plan(s, new, f"added a task to {e.phase}", {t.id: t.id for p in new.phases for t in p.tasks})


def _delete_task(s: Session, e: DeleteTask) -> str:
    plan = s.plan
    assert plan is not None
    new = plan.model_copy(deep=True)
    phase, task = _task_of(new, e.task_id)
    if len(phase.tasks) == 1:
        raise WorkflowError(
            f"{task.title!r} is the only task of the {phase.slug} phase; drop the phase with "
            "\"Reorder or drop phases…\" instead."
        )
    phase.tasks.remove(task)
    ids = {t.id: t.id for p in new.phases for t in p.tasks}
    return _commit_user_plan(s, new, f"deleted {task.title!r} from {phase.slug}", ids)


def _move_task(s: Session, e: MoveTask) -> str:
    plan = s.plan
    assert plan is not None
    new = plan.model_copy(deep=True)
    phase, task = _task_of(new, e.task_id)
    target = _phase_of(new, e.to_phase)
    if target.slug == phase.slug:
        raise WorkflowError(f"{task.title!r} is already in the {phase.slug} phase.")
    if len(phase.tasks) == 1:
        raise WorkflowError(
            f"{task.title!r} is the only task of the {phase.slug} phase; a phase needs at least one task."
        )
    phase.tasks.remove(task)
    target.tasks.append(task)
    ids = {t.id: t.id for p in new.phases for t in p.tasks}
    return _commit_user_plan(s, new, f"moved {task.title!r} from {phase.slug} to {target.slug}", ids)


def _replace_plan(s: Session, e: ReplacePlan) -> str:
    return _commit_user_plan(s, e.plan.model_copy(deep=True), e.reason or "edited in the editor")


def _comment_on_plan(s: Session, e: CommentOnPlan) -> str:
    plan = s.plan
    assert plan is not None
    _phase_of(plan, e.phase)
    if e.task_id is not None:
        phase, _ = _task_of(plan, e.task_id)
        if phase.slug != e.phase:
            raise WorkflowError(f"The task {e.task_id!r} is in the {phase.slug} phase, not in {e.phase}.")
    text = e.text.strip()
    kept = [c for c in s.plan_comments if (c.phase, c.task_id) != (e.phase, e.task_id)]
    if not text and len(kept) == len(s.plan_comments):
        raise WorkflowError("There is no comment there to remove.")
    if text:
        kept.append(PlanComment(phase=e.phase, task_id=e.task_id, text=text))
    s.plan_comments = kept
    where = e.task_id or e.phase
    return f"comment on {where}" if text else f"removed the comment on {where}"


def _start_phase(s: Session, e: StartPhase) -> str:
    if s.active_phase is not None:
        raise WorkflowError(f"The {s.active_phase.slug} phase is still open; finish it before starting another.")
    slug = e.slug or s.next_pending
    if slug is None:
        raise WorkflowError("Every phase of the plan is already done or skipped.")
    state = _state(s, slug)
    if state.status not in (PhaseStatus.PENDING, PhaseStatus.ROLLED_BACK):
        raise WorkflowError(f"The {slug} phase is {state.status.value.replace('_', ' ')}; it can't be started.")
    if not e.base_sha:
        raise WorkflowError("A phase needs the commit it starts from.")
    state.status = PhaseStatus.IN_PROGRESS
    state.base_sha = e.base_sha
    state.attempts += 1
    state.started_at = utcnow()
    state.conversation_at = e.conversation_at
    state.commit_sha = None
    state.rollback_sha = None
    s.current_phase = slug
    s.halted_reason = None
    return slug


def _mark_task_done(s: Session, e: MarkTaskDone) -> str:
    current = s.active_phase
    if current is None or current.status != PhaseStatus.IN_PROGRESS:
        raise WorkflowError("Tasks can only be ticked while their phase is in progress.")
    plan = s.plan
    assert plan is not None
    phase = plan.phase(current.slug)
    for task in phase.tasks:
        if task.id == e.task_id:
            task.done = e.done
            return e.task_id
    ids = ", ".join(t.id for t in phase.tasks)
    raise WorkflowError(f"The {current.slug} phase has no task {e.task_id!r}; its tasks are {ids}.")


def _complete_phase(s: Session, e: CompletePhase) -> str:
    current = s.active_phase
    if current is None or current.status != PhaseStatus.IN_PROGRESS:
        raise WorkflowError("No phase is in progress, so there is nothing to complete.")
    current.status = PhaseStatus.AWAITING_REVIEW
    current.report = e.report
    s.stage = Stage.PHASE_REVIEW
    return current.slug


def _request_phase_changes(s: Session, e: RequestPhaseChanges) -> str:
    current = _awaiting(s)
    if not e.feedback.strip():
        raise WorkflowError("Say what should change in this phase before sending the request.")
    current.feedback.append(e.feedback.strip())
    current.status = PhaseStatus.IN_PROGRESS
    current.attempts += 1
    s.stage = Stage.EXECUTING
    return e.feedback.strip()[:200]


def _reject_phase(s: Session, e: RejectPhase) -> str:
    # A phase can be rejected in review, or discarded while it is still in progress.
    current = s.active_phase
    if current is None:
        raise WorkflowError("No phase has changes to reject.")
    if e.reason.strip():
        current.feedback.append(f"Rejected: {e.reason.strip()}")
    current.report = None
    if e.skip:
        current.status = PhaseStatus.SKIPPED
        s.current_phase = None
    else:
        # Redo from the same base: the changes were discarded, the phase starts over.
        current.status = PhaseStatus.IN_PROGRESS
        current.attempts += 1
    s.stage = Stage.EXECUTING
    _maybe_final(s)
    return ("skipped " if e.skip else "redo ") + current.slug


def _approve_phase(s: Session, e: ApprovePhase) -> str:
    current = _awaiting(s)
    if not e.commit_sha:
        raise WorkflowError("A phase is approved by committing it; there is no commit for it.")
    current.status = PhaseStatus.COMMITTED
    current.commit_sha = e.commit_sha
    current.committed_at = utcnow()
    current.overrides.extend(e.overrides)
    s.current_phase = None
    s.halted_reason = None
    s.stage = Stage.EXECUTING
    _maybe_final(s)
    return f"{current.slug} {e.commit_sha[:12]}"


def _skip_phase(s: Session, e: SkipPhase) -> str:
    state = _state(s, e.slug)
    if state.status != PhaseStatus.PENDING:
        raise WorkflowError(f"Only a pending phase can be skipped; {e.slug} is {state.status.value.replace('_', ' ')}.")
    state.status = PhaseStatus.SKIPPED
    if e.reason:
        state.feedback.append(f"Skipped: {e.reason}")
    _maybe_final(s)
    return e.slug


def _rollback_phase(s: Session, e: RollbackPhase) -> str:
    state = _state(s, e.slug)
    if state.status != PhaseStatus.COMMITTED:
        raise WorkflowError(f"Only a committed phase can be rolled back; {e.slug} is {state.status.value.replace('_', ' ')}.")
    if s.active_phase is not None:
        raise WorkflowError(
            f"The {s.active_phase.slug} phase has uncommitted work; approve or reject it before rolling back {e.slug}."
        )
    if not e.revert_sha:
        raise WorkflowError("A rollback is recorded by its revert commit; there is none.")
    state.status = PhaseStatus.ROLLED_BACK
    state.rollback_sha = e.revert_sha
    return f"{e.slug} reverted by {e.revert_sha[:12]}"


def _rewind_to(s: Session, e: RewindTo) -> str:
    target = _state(s, e.slug)
    if s.active_phase is not None:
        raise WorkflowError(
            f"The {s.active_phase.slug} phase has uncommitted work; approve or reject it before rewinding."
        )
    if target.conversation_at is None:
        raise WorkflowError(
            f"phasegate does not know where the {e.slug} phase started in the conversation; "
            "roll its phases back one by one instead."
        )
    later = s.phases[s.phases.index(target):]
    committed = [p.slug for p in later if p.status == PhaseStatus.COMMITTED]
    if committed:
        raise WorkflowError(f"Roll back {', '.join(committed)} before rewinding to before {e.slug}.")
    if e.conversation_end < target.conversation_at:
        raise WorkflowError("A rewind cannot end before the phase it rewinds to started.")
    plan = s.plan
    for state in later:
        state.status = PhaseStatus.PENDING
        state.report = None
        if plan is not None and state.slug in plan.slugs:
            for task in plan.phase(state.slug).tasks:
                task.done = False  # the plan version stays; only its ticks go back with the code
    s.conversation_cuts.append(
        ConversationCut(start=target.conversation_at, end=e.conversation_end, reason=f"rewound to before {e.slug}")
    )
    s.current_phase = None
    s.halted_reason = None
    s.final_report = None
    s.stage = Stage.EXECUTING
    return f"rewound to before {e.slug}: {', '.join(p.slug for p in later)} pending"


def _migration_ran(s: Session, e: MigrationRan) -> str:
    current = s.active_phase
    if current is not None:
        current.migrations_run.append(e.command)
    s.halted_reason = f"A migration ran ({e.command}); the model waits for you before it goes on."
    return e.command


def _continue_after_migration(s: Session, e: ContinueAfterMigration) -> str:
    if s.halted_reason is None:
        raise WorkflowError("Nothing is waiting: no migration halted the model.")
    s.halted_reason = None
    return ""


def _record_final_report(s: Session, e: RecordFinalReport) -> str:
    s.final_report = dict(e.report)
    return ""


def _approve_final(s: Session, e: ApproveFinal) -> str:
    s.stage = Stage.DONE
    return ""


def _state(s: Session, slug: str) -> PhaseState:
    try:
        return s.phase_state(slug)
    except KeyError:
        names = ", ".join(p.slug for p in s.phases) or "none yet"
        raise WorkflowError(f"There is no phase named {slug!r} in this session (phases: {names}).") from None


def _awaiting(s: Session) -> PhaseState:
    current = s.active_phase
    if current is None or current.status != PhaseStatus.AWAITING_REVIEW:
        raise WorkflowError("No phase is waiting for review.")
    return current


def _maybe_final(s: Session) -> None:
    """When no phase is left to do, execution ends and the final review begins."""
    if s.stage == Stage.EXECUTING and s.active_phase is None and s.next_pending is None:
        s.stage = Stage.FINAL_REVIEW


_HANDLERS: dict[type[Event], Callable[[Session, Any], str | None]] = {
    SetTask: _set_task,
    SetBaseline: _set_baseline,
    RecordUsage: _record_usage,
    CountWrite: _count_write,
    RecordCommandRun: _record_command_run,
    MovePhaseBase: _move_phase_base,
    SubmitResearch: _submit_research,
    ReplyNotAReport: _reply_not_a_report,
    AskAgain: _ask_again,
    AnswerResearch: _answer_research,
    ApproveResearch: _approve_research,
    SubmitPlan: _submit_plan,
    RequestPlanChanges: _request_plan_changes,
    Reprioritize: _reprioritize,
    ApprovePlan: _approve_plan,
    EditTask: _edit_task,
    AddTask: _add_task,
    DeleteTask: _delete_task,
    MoveTask: _move_task,
    ReplacePlan: _replace_plan,
    CommentOnPlan: _comment_on_plan,
    StartPhase: _start_phase,
    MarkTaskDone: _mark_task_done,
    CompletePhase: _complete_phase,
    RequestPhaseChanges: _request_phase_changes,
    RejectPhase: _reject_phase,
    ApprovePhase: _approve_phase,
    SkipPhase: _skip_phase,
    RollbackPhase: _rollback_phase,
    RewindTo: _rewind_to,
    MigrationRan: _migration_ran,
    ContinueAfterMigration: _continue_after_migration,
    RecordFinalReport: _record_final_report,
    ApproveFinal: _approve_final,
}
assert set(_HANDLERS) == {t for ts in ALLOWED.values() for t in ts}, "every allowed event needs a handler"
