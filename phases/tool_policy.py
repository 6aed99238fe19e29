"""Which tools the model is offered in each stage (DESIGN §2).

The agent offers exactly ``tools_for(stage, halted)`` and refuses any other call with
``refusal(stage, tool)`` as the tool result. This table is the plan-mode guarantee: in research and
planning there is simply no write tool to call.
"""

from __future__ import annotations

from phasegate.phases.models import PhaseStatus, Session, Stage

READ_TOOLS: tuple[str, ...] = ("list_files", "read_file", "search_code", "git_log")
WRITE_TOOLS: tuple[str, ...] = ("write_file", "edit_file", "delete_file", "run_command")
SUBMISSION_TOOLS: tuple[str, ...] = ("submit_research", "submit_plan", "mark_task_done", "complete_phase")
ALL_TOOLS: tuple[str, ...] = READ_TOOLS + WRITE_TOOLS + SUBMISSION_TOOLS

_BY_STAGE: dict[Stage, tuple[str, ...]] = {
    Stage.RESEARCH: READ_TOOLS + ("submit_research",),
    Stage.PLANNING: READ_TOOLS + ("submit_plan",),
    Stage.PLAN_REVIEW: READ_TOOLS + ("submit_plan",),
    Stage.EXECUTING: READ_TOOLS + WRITE_TOOLS + ("mark_task_done", "complete_phase"),
    Stage.PHASE_REVIEW: READ_TOOLS,
    Stage.FINAL_REVIEW: READ_TOOLS,
    Stage.DONE: READ_TOOLS,
}


def tools_for(stage: Stage, *, halted: bool = False) -> tuple[str, ...]:
    """The tool names offered to the model now. A halted turn (after a migration) gets read tools only."""
    if halted:
        return READ_TOOLS
    return _BY_STAGE[stage]


def tools_for_session(session: Session) -> tuple[str, ...]:
    """The tools for the session as it is: write tools only while a phase is actually in progress."""
    active = session.active_phase
    if session.stage == Stage.EXECUTING and (active is None or active.status != PhaseStatus.IN_PROGRESS):
        return READ_TOOLS
    return tools_for(session.stage, halted=session.halted_reason is not None)


def is_allowed(stage: Stage, tool: str, *, halted: bool = False) -> bool:
    return tool in tools_for(stage, halted=halted)


def refusal(stage: Stage, tool: str, *, halted: bool = False) -> str:
    """The tool result sent back when the model calls a tool it was not offered."""
    if tool not in ALL_TOOLS:
        return f"Refused: there is no tool named {tool!r}. Available now: {', '.join(tools_for(stage, halted=halted))}."
    if halted:
        return (
            f"Refused: {tool} is not available because a database migration just ran; "
            "the user must review it and tell you to continue."
        )
    where = stage.value.replace("_", " ")
    if tool in WRITE_TOOLS:
        why = "the repository is read-only until the user approves the plan and a phase is in progress"
    else:
        why = "it belongs to another stage of the workflow"
    return f"Refused: {tool} is not allowed during {where} ({why}). Available now: {', '.join(tools_for(stage))}."
