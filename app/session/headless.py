"""Driving a session without the TUI: ``phasegate demo --headless --yes`` and ``phasegate plan --headless``.

The real workbench never approves anything on its own. These drivers exist to show and check the
mechanics end to end (every gate still runs: commands still go through the approval callback,
migrations still need the typed word — the driver types it because ``--yes`` said so).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from phasegate.app.agent.loop import AgentNotice, AgentToolFinished
from phasegate.app.errors import PhasegateError
from phasegate.app.session.controller import ApprovalBlocked, Controller, SessionChanged, TurnEnded
from phasegate.phases.models import PhaseStatus, Stage
from phasegate.phases.plan_markdown import render_plan

if TYPE_CHECKING:
    from phasegate.app.agent.tools import CommandDecision, CommandRequest

MAX_ACTIONS = 200  # a scripted or real model that never finishes must not loop forever


def auto_approver(out: TextIO) -> Callable[[CommandRequest], object]:
    """Approve every command, typing the confirmation word for migrations (``--yes`` only)."""
    from phasegate.app.agent.tools import CommandDecision

    async def approve(request: CommandRequest) -> CommandDecision:
        kind = getattr(request, "kind", "normal")
        out.write(f"  $ {request.command}    [{kind}; approved by --yes]\n")
        return CommandDecision(approved=True, typed_confirmation="migrate" if kind == "migration" else None)

    return approve


def refusing_approver() -> Callable[[CommandRequest], object]:
    from phasegate.app.agent.tools import CommandDecision

    async def refuse(request: CommandRequest) -> CommandDecision:
        return CommandDecision(approved=False, note="headless planning runs no commands")

    return refuse


def printing_listener(out: TextIO, *, verbose: bool = False) -> Callable[[object], None]:
    def listen(event: object) -> None:
        if isinstance(event, SessionChanged) and event.event in (
            "ApproveResearch", "SubmitResearch", "SubmitPlan", "ApprovePlan", "StartPhase", "CompletePhase",
            "ApprovePhase", "MigrationRan", "ApproveFinal", "RollbackPhase",
        ):
            s = event.session
            where = f" [{s.current_phase}]" if s.current_phase else ""
            out.write(f"• {event.event:<16} → stage {s.stage.value}{where}\n")
        elif isinstance(event, AgentNotice):
            out.write(f"  ! {event.text}\n")
        elif isinstance(event, AgentToolFinished) and verbose:
            out.write(f"  {'✓' if event.ok else '✗'} {event.name}: {event.summary}\n")
        elif isinstance(event, TurnEnded) and event.result.reason in ("error", "step_limit", "invalid"):
            out.write(f"  turn ended: {event.result.reason}: {event.result.message}\n")
        out.flush()

    return listen


async def drive_to_done(controller: Controller, out: TextIO = sys.stdout) -> int:
    """Approve every gate until the session is done. Returns an exit code."""
    if not controller.conversation:
        await controller.start()
    stalls = 0
    for _ in range(MAX_ACTIONS):
        s = controller.session
        if s.stage == Stage.DONE:
            break
        before = (s.stage, s.current_phase, len(s.history))
        if s.stage == Stage.RESEARCH and s.research is None:
            result = await controller.user_message("Please submit your research report with submit_research.")
        elif s.stage == Stage.PHASE_REVIEW:
            try:
                sha = await controller.approve()
            except ApprovalBlocked as blocked:
                for b in blocked.blockers:
                    out.write(f"  blocked: {b.message}\n")
                sha = await controller.approve(overrides=["approved by `phasegate demo --headless --yes`"])
            slug = [p for p in controller.session.phases if p.commit_sha == sha]
            out.write(f"  committed {slug[0].slug if slug else ''} as {str(sha)[:10]}\n")
            continue
        else:
            result = await controller.approve()
        after = controller.session
        if (after.stage, after.current_phase, len(after.history)) == before:
            stalls += 1
            if stalls >= 3:
                reason = getattr(result, "message", "") if result is not None else ""
                raise PhasegateError(f"The session stopped making progress at {after.stage.value}: {reason or 'no reason given'}")
        else:
            stalls = 0
    else:
        raise PhasegateError(f"The session did not finish within {MAX_ACTIONS} steps.")
    s = controller.session
    out.write("\nPhase commits:\n")
    for p in s.phases:
        status = p.status.value
        sha = (p.commit_sha or "")[:10]
        out.write(f"  {p.slug:<12} {status:<12} {sha}\n")
    committed = [p for p in s.phases if p.status == PhaseStatus.COMMITTED]
    out.write(f"\nDone: {len(committed)} phase commit(s).\n")
    return 0


async def plan_only(controller: Controller, out: TextIO = sys.stdout) -> int:
    """Research, approve the research (read-only), plan; print both. Exit 1 without a valid plan."""
    await controller.start()
    if controller.session.research is None:
        await controller.user_message("Please submit your research report with submit_research.")
    if controller.session.research is None:
        raise PhasegateError("The model did not produce a research report; nothing was planned.")
    out.write(controller.session.research.to_markdown() + "\n")
    await controller.approve()
    if controller.session.stage != Stage.PLAN_REVIEW:
        await controller.approve()  # one more request for the plan
    plan = controller.session.plan
    if plan is None or controller.session.stage != Stage.PLAN_REVIEW:
        raise PhasegateError("The model could not produce a valid plan; see `phasegate status` for the session.")
    out.write(render_plan(plan))
    return 0
