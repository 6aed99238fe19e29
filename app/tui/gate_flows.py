"""What the four gate keys do on screen: ask what is needed (a reason, a phase), then call the
controller, which asks ``phases.gates`` what the gate means now. Each flow runs as a worker of the App
(group ``gate``), on the event loop; every slow step inside the controller runs in a thread.

Approve at phase review commits *the review on screen*: the controller recomputes only the diff and
compares its hash; if the changes moved on, the review is loaded again and shown instead of a commit.
An approval that hits a blocker asks for the override reason and passes the same review back, so the
analyzers never run a second time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.app.tui.app import Workbench


async def approve(app: Workbench) -> None:
    from phasegate.app.session.review import ApprovalBlocked, ReviewChanged
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen
    from phasegate.phases.models import Stage

    c = app.controller
    assert c is not None
    if not await confirm_accept_reply(app):
        return
    shown = app.review if c.session.stage == Stage.PHASE_REVIEW else None
    try:
        result = await app.guarded(c.approve(run_model=False, review=shown.facts if shown else None))
    except ApprovalBlocked as blocked:
        rules = "\n".join(f"• {b.message}" for b in blocked.blockers)
        reason = await app.push_screen_wait(
            ReasonInputScreen(
                "Approval is blocked",
                f"{rules}\n\nTo commit anyway, give the reason (it goes into the commit body).",
                placeholder="why this is acceptable",
                ok_label="Override and commit",
                grace=app.grace,
            )
        )
        if not reason:
            return
        try:
            result = await app.guarded(c.approve(overrides=[reason], review=blocked.review))
        except ApprovalBlocked:  # cannot happen with an override; kept out of the user's way regardless
            return
        except ReviewChanged as changed:
            review_again(app, str(changed))
            return
    except ReviewChanged as changed:
        review_again(app, str(changed))
        return
    if isinstance(result, str) and result != "done":
        app.notify(f"Committed {result[:8]}", title="Phase approved")
    if result == "done":
        app.notify("Session done. Every phase is a commit; `phasegate log` lists them.", title="Final review approved")
    if c.model_turn_due():  # the approval handed work to the model (write the plan, start a phase)
        await app.guarded(c.run_turn())


async def confirm_accept_reply(app: Workbench) -> bool:
    """Approving a reply that is not a research report is explicit: the user confirms what it lacks."""
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen
    from phasegate.phases.gates import Approve, approve_means

    c = app.controller
    assert c is not None
    reply = c.session.unreadable_reply
    if approve_means(c.session) != Approve.ACCEPT_REPLY or reply is None:
        return True
    answer = await app.push_screen_wait(
        ReasonInputScreen(
            "Approve the reply anyway?",
            f"{reply.problem} It becomes the research report as it is, and the model writes the plan from it. "
            "Request changes (e) asks the model again instead.",
            placeholder="optional: why it is good enough",
            required=False,
            ok_label="Approve anyway",
            grace=app.grace,
        )
    )
    return answer is not None


def review_again(app: Workbench, why: str) -> None:
    app.chat.add_notice(why, "warning")
    app.notify(why, severity="warning", timeout=8)
    app.views.forget("review_for")
    app.views.refresh_viewer()


async def ask_again(app: Workbench) -> None:
    """The model's reply was not the report (or plan) asked for: ask again; it is told what was wrong."""
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen

    c = app.controller
    assert c is not None and c.session.unreadable_reply is not None
    text = await app.push_screen_wait(
        ReasonInputScreen(
            "Ask the model again",
            f"{c.session.unreadable_reply.problem} The model is told so; add your own words if you like.",
            placeholder="optional, e.g. keep each section to five points",
            required=False,
            ok_label="Ask again",
            grace=app.grace,
        )
    )
    if text is None:
        return
    app.chat.add_user(text or "(ask again)")
    await app.guarded(c.request_changes(text))


async def request_changes(app: Workbench) -> None:
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen
    from phasegate.phases.gates import Changes, changes_mean
    from phasegate.phases.models import Stage

    c = app.controller
    assert c is not None
    if c.session.unreadable_reply is not None and changes_mean(c.session) == Changes.ASK_AGAIN:
        await ask_again(app)
        return
    rejected = app.diff_view.rejected_hunks()
    prefill = ""
    if app.review is not None:
        failures = app.review.facts.failed_commands + app.review.facts.failed_steps
        if failures:
            prefill = "Fix the failing verification: " + "; ".join(failures)
    hunks = f" ({len(rejected)} rejected hunk(s) will be reversed and sent with it.)" if rejected else ""
    comments = len(c.session.plan_comments) if c.session.stage == Stage.PLAN_REVIEW else 0
    if comments:
        hunks += f" (Your {comments} comment(s) on the plan go with it.)"
    text = await app.push_screen_wait(
        ReasonInputScreen(
            "Request changes",
            f"What should the model change?{hunks}",
            placeholder="e.g. wrap the two inserts in one transaction",
            initial=prefill,
            required=not rejected and not comments,
            ok_label="Send to the model",
            grace=app.grace,
        )
    )
    if text is None:
        return
    app.chat.add_user(text or ("(your comments on the plan)" if comments else "(rejected hunks)"))
    await app.guarded(c.request_changes(text, rejected_hunks=rejected))


async def reject(app: Workbench) -> None:
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen

    c = app.controller
    assert c is not None
    gate = c.gate()
    reason = await app.push_screen_wait(
        ReasonInputScreen(
            gate.reject_label,
            "Its changes are discarded from the working tree (committed phases are not touched). Why?",
            placeholder="optional reason, sent to the model",
            required=False,
            ok_label=gate.reject_label,
            grace=app.grace,
        )
    )
    if reason is None:
        return
    await app.guarded(c.reject(skip=gate.reject_skips, reason=reason))
    app.refresh_diff()


async def rollback(app: Workbench, *, rewind_to: str | None = None) -> None:
    """The rollback dialog: roll back one committed phase, or rewind to before one (its second choice; the
    palette's "Rewind to before phase X" opens it on X with that choice focused)."""
    from phasegate.app.tui.screens.rollback_picker import (
        RewindChoice,
        RollbackCandidate,
        RollbackPickerScreen,
    )
    from phasegate.phases.gates import rewind_targets
    from phasegate.phases.models import PhaseStatus

    c = app.controller
    assert c is not None
    candidates = []
    for p in c.session.phases:
        if p.status != PhaseStatus.COMMITTED or not p.commit_sha:
            continue
        files = await asyncio.to_thread(c.git.commit_files, p.commit_sha)
        heading = c.session.plan.phase(p.slug).heading if c.session.plan else p.slug
        candidates.append(RollbackCandidate(p.slug, heading, p.commit_sha, tuple(files)))
    choice = await app.push_screen_wait(RollbackPickerScreen(
        candidates, preselect=rewind_to, rewindable=rewind_targets(c.session), rewind_first=rewind_to is not None,
        grace=app.grace))
    if not choice:
        return
    if isinstance(choice, RewindChoice):
        reverts = await app.guarded(c.rewind(choice.slug))
        if reverts is not None:
            app.chat.add_notice(
                f"Rewound to before {choice.slug}: {len(reverts)} phase commit(s) reverted; the model's conversation "
                f"goes back to where {choice.slug} started (this chat keeps it).", "information")
            app.notify(f"Rewound to before {choice.slug}", title="Rewind")
            app.refresh_diff()
        return
    sha = await app.guarded(c.rollback(choice))
    if sha:
        app.notify(f"{choice} rolled back by {str(sha)[:8]}", title="Rollback")
