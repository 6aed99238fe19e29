"""What each gate means in each stage: one pure table for the workbench, the headless driver and the CLI.

``gate(session, busy)`` says what the approval bar offers now (its label and the allowed actions);
``approve_means``, ``changes_mean``, ``message_means`` and ``reject_means`` say what Approve, Request
changes, a chat message and Reject *do* in the session's stage. The ``Controller`` performs that
meaning (side effect first, then the workflow event); nothing else decides it. Pure: no git, no UI.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from phasegate.phases.models import PhaseStatus, Session, Stage

GateAction = Literal["approve", "request_changes", "reject", "rollback"]
GATE_ACTIONS: tuple[GateAction, ...] = ("approve", "request_changes", "reject", "rollback")


class Approve(StrEnum):
    """What the Approve gate does."""

    NOTHING = "nothing"  # the session is done
    APPROVE_RESEARCH = "approve_research"  # then the model writes the plan
    ACCEPT_REPLY = "accept_reply"  # take the reply that is not a report as the research report anyway
    ASK_FOR_PLAN = "ask_for_plan"  # planning without a plan: ask the model for it again
    APPROVE_PLAN = "approve_plan"  # then the first phase starts
    START_PHASE = "start_phase"  # the next pending phase
    CONTINUE_AFTER_MIGRATION = "continue_after_migration"
    RESUME_PHASE = "resume_phase"  # a phase in progress whose turn ended: the model goes on
    COMMIT_PHASE = "commit_phase"  # the reviewed phase becomes a commit
    APPROVE_FINAL = "approve_final"  # the session is done


class Changes(StrEnum):
    """What Request changes does."""

    PHASE = "phase"  # the phase goes back to the model (rejected hunks reversed)
    PLAN = "plan"  # the plan goes back to the model
    ASK_AGAIN = "ask_again"  # the reply was not the report (or plan) asked for: ask again, saying why
    MESSAGE = "message"  # elsewhere it is a chat message (see ``message_means``)


class ChatMeans(StrEnum):
    """What a chat message from the user does before it reaches the model."""

    SET_TASK = "set_task"  # the first message is the task
    ANSWER_RESEARCH = "answer_research"
    PLAN_CHANGES = "plan_changes"
    PHASE_CHANGES = "phase_changes"
    CONTINUE_AFTER_MIGRATION = "continue_after_migration"
    PLAIN = "plain"  # just a message


class Reject(StrEnum):
    """What Reject does."""

    NOTHING = "nothing"
    SKIP_NEXT = "skip_next"  # no phase open: skip the next pending one
    DISCARD = "discard"  # discard the open phase's changes (redo it, or skip it)


@dataclass(frozen=True)
class Gate:
    """What the approval bar offers now. ``label`` says what Approve will do; ``None`` = no gate."""

    label: str | None
    allowed: frozenset[GateAction]
    reject_label: str = "Reject"
    approve: Approve = Approve.NOTHING
    #: What the Request changes button says: "Ask again" when the reply was not the report asked for.
    changes_label: str = "Request changes"

    @property
    def reject_skips(self) -> bool:
        """Whether Reject drops the phase (skip) rather than having it redone."""
        return self.reject_label.startswith("Skip")


def can_rollback(session: Session) -> bool:
    """A committed phase can be rolled back while no phase has uncommitted work."""
    return session.active_phase is None and any(p.status == PhaseStatus.COMMITTED for p in session.phases)


def rewind_targets(session: Session) -> list[str]:
    """The phases the session can be rewound to before: committed ones whose start in the conversation
    is known, while no phase has uncommitted work."""
    if session.active_phase is not None:
        return []
    return [p.slug for p in session.phases if p.status == PhaseStatus.COMMITTED and p.conversation_at is not None]


def refused_reply(session: Session) -> bool:
    """The model's last prose reply was not the report or plan it was asked for (``ReplyNotAReport``)."""
    return session.unreadable_reply is not None and session.stage in (Stage.RESEARCH, Stage.PLANNING, Stage.PLAN_REVIEW)


def approve_means(session: Session) -> Approve:
    s = session
    if s.stage == Stage.RESEARCH:
        if s.research is None and refused_reply(s):
            return Approve.ACCEPT_REPLY
        return Approve.APPROVE_RESEARCH
    if s.stage == Stage.PLANNING:
        return Approve.ASK_FOR_PLAN
    if s.stage == Stage.PLAN_REVIEW:
        if refused_reply(s):  # the model's revision did not parse: never approve the older plan by mistake
            return Approve.ASK_FOR_PLAN
        return Approve.APPROVE_PLAN
    if s.stage == Stage.EXECUTING:
        if s.active_phase is None:
            return Approve.START_PHASE
        return Approve.CONTINUE_AFTER_MIGRATION if s.halted_reason else Approve.RESUME_PHASE
    if s.stage == Stage.PHASE_REVIEW:
        return Approve.COMMIT_PHASE
    if s.stage == Stage.FINAL_REVIEW:
        return Approve.APPROVE_FINAL
    return Approve.NOTHING


def changes_mean(session: Session) -> Changes:
    if refused_reply(session):
        return Changes.ASK_AGAIN
    if session.stage == Stage.PHASE_REVIEW:
        return Changes.PHASE
    if session.stage == Stage.PLAN_REVIEW:
        return Changes.PLAN
    return Changes.MESSAGE


def message_means(session: Session) -> ChatMeans:
    s = session
    if not s.task:
        return ChatMeans.SET_TASK
    if s.stage == Stage.RESEARCH and s.research is not None:
        return ChatMeans.ANSWER_RESEARCH
    if s.stage == Stage.PLAN_REVIEW:
        return ChatMeans.PLAN_CHANGES
    if s.stage == Stage.PHASE_REVIEW:
        return ChatMeans.PHASE_CHANGES
    if s.stage == Stage.EXECUTING and s.halted_reason:
        return ChatMeans.CONTINUE_AFTER_MIGRATION
    return ChatMeans.PLAIN


def reject_means(session: Session) -> Reject:
    if session.stage == Stage.EXECUTING and session.active_phase is None:
        return Reject.SKIP_NEXT if session.next_pending is not None else Reject.NOTHING
    return Reject.DISCARD if session.active_phase is not None else Reject.NOTHING


def model_turn_due(session: Session, last_message_role: str | None) -> bool:
    """After an approval that hands work to the model (write the plan, start a phase), its turn is due."""
    s = session
    if s.stage == Stage.PLANNING:
        return True
    if s.stage == Stage.PLAN_REVIEW and last_message_role == "user":
        return True  # asked again for the plan its last reply was not (``Approve.ASK_FOR_PLAN``)
    return (s.stage == Stage.EXECUTING and s.active_phase is not None and not s.halted_reason
            and last_message_role == "user")


def gate(session: Session, busy: bool) -> Gate:
    """The gate the approval bar shows: nothing while the model works."""
    shown = _gate(session, busy)
    if "request_changes" in shown.allowed and changes_mean(session) == Changes.ASK_AGAIN:
        return replace(shown, changes_label="Ask again")
    return shown


def _gate(session: Session, busy: bool) -> Gate:
    s = session
    if busy:
        return Gate(None, frozenset())
    means = approve_means(s)
    rollback: frozenset[GateAction] = frozenset({"rollback"}) if can_rollback(s) else frozenset()
    review: frozenset[GateAction] = frozenset({"approve", "request_changes"})
    discard: frozenset[GateAction] = frozenset({"reject"})
    if s.stage == Stage.RESEARCH:
        if s.research is None:
            if means == Approve.ACCEPT_REPLY:  # request changes asks again; approve needs a confirmation
                return Gate("Approve the reply anyway as the research report", review | rollback, approve=means)
            return Gate(None, rollback)
        return Gate("Approve research → write the plan", review | rollback, approve=means)
    only_approve: frozenset[GateAction] = frozenset({"approve"})
    if s.stage == Stage.PLANNING:
        if refused_reply(s):
            return Gate("Ask the model for the plan again", review | rollback, approve=means)
        return Gate("Ask the model for the plan again", only_approve | rollback, approve=means)
    if s.stage == Stage.PLAN_REVIEW:
        if means == Approve.ASK_FOR_PLAN:
            return Gate("Ask the model for the plan again", review | rollback, approve=means)
        first = s.plan.slugs[0] if s.plan else "?"
        return Gate(f"Approve plan v{s.plan_version} → start {first}", review | rollback, approve=means)
    if s.stage == Stage.EXECUTING:
        active = s.active_phase
        if active is None:
            nxt = s.next_pending
            if nxt is None:
                return Gate(None, rollback)
            start: frozenset[GateAction] = frozenset({"approve", "reject"})
            return Gate(f"Start phase {nxt}", start | rollback,
                        reject_label=f"Skip {nxt}", approve=means)
        label = "Continue after the migration" if s.halted_reason else f"Resume phase {active.slug}"
        return Gate(label, review | discard, reject_label=f"Discard {active.slug}", approve=means)
    if s.stage == Stage.PHASE_REVIEW:
        active = s.active_phase
        slug = active.slug if active else "?"
        return Gate(f"Commit phase {slug}", review | discard | rollback, reject_label=f"Reject {slug}",
                    approve=means)
    if s.stage == Stage.FINAL_REVIEW:
        return Gate("Approve the final review → done", only_approve | rollback, approve=means)
    return Gate(None, rollback)
