"""The controller's other face: model turns, and what the agent loop calls while the model works (``AgentHost`` in
``app/agent/loop.py``): the system prompt, the conversation, the model's submissions, its tool calls
and the verification runs. Every session change here is a workflow event applied by
``Controller._apply`` on the event loop, like the user's actions in ``app/session/controller.py``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from phasegate.app.agent.loop import Agent, AgentEvent, AgentNotice, AgentUsage, ToolOutcome, TurnResult
from phasegate.app.errors import PhasegateError
from phasegate.app.session.events import ControllerEvent, FilesChanged, TurnEnded, TurnStarted
from phasegate.phases import workflow as wf
from phasegate.phases.models import (
    CommandRun,
    PhaseReport,
    Plan,
    ResearchReport,
    Session,
    Stage,
    UnreadableReply,
)
from phasegate.phases.plan_markdown import render_plan

if TYPE_CHECKING:
    from phasegate.app.agent.llm import LLMClient
    from phasegate.app.agent.tools import ToolRunner
    from phasegate.app.config import Settings
    from phasegate.app.git.service import GitService
    from phasegate.app.session.store import SessionStore


log = logging.getLogger("phasegate.controller")


class SessionHost:
    """The ``AgentHost`` implementation, mixed into ``Controller`` (which provides the fields below)."""

    session: Session
    settings: Settings
    git: GitService
    tools: ToolRunner
    store: SessionStore
    conversation: list[dict[str, Any]]
    repo_summary: str
    busy: bool
    _turn_task: asyncio.Task[Any] | None
    _llm: LLMClient | None

    async def _apply(self, event: wf.Event, *, announce: bool = True) -> Session:
        raise NotImplementedError

    async def _emit(self, event: ControllerEvent) -> None:
        raise NotImplementedError

    def append_transcript(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ turns
    def _llm_client(self) -> LLMClient:
        if self._llm is None:
            from phasegate.app.agent.llm import LLMClient

            self._llm = LLMClient(self.settings)
        return self._llm

    async def run_turn(self, label: str = "") -> TurnResult:
        """Run one model turn now (the caller decides when: never on its own after a gate)."""
        if self.busy:
            raise PhasegateError("The model is already working; wait for it or cancel it with escape.")
        from phasegate.app.agent.tools import TOOL_SPECS

        self.busy = True
        log.info("turn=start session=%s stage=%s label=%s", self.session.id, self.session.stage.value, label or "-")
        await self._emit(TurnStarted(label or f"{self.session.stage.value}"))
        agent = Agent(llm=self._llm_client(), host=self, settings=self.settings, tool_specs=TOOL_SPECS)
        try:
            self._turn_task = asyncio.current_task()  # type: ignore[assignment]
            result = await agent.run_turn()
        except asyncio.CancelledError:
            result = TurnResult("cancelled", "The turn was cancelled; send a message or approve to go on.", retryable=True)
            await self._emit(AgentNotice(result.message, "warning"))
        finally:
            self.busy = False
            self._turn_task = None
            self.store.save(self.session)
        log.info("turn=end session=%s reason=%s message=%r", self.session.id, result.reason, result.message[:200])
        await self._emit(TurnEnded(result))
        return result

    async def start(self) -> TurnResult | None:
        """Begin (or continue) the research turn for the session's task."""
        if not self.session.task:
            return None
        if not self.conversation:
            await self.append_message({"role": "user", "content": f"Task: {self.session.task}"})
        return await self.run_turn("research")

    def cancel(self) -> bool:
        task = self._turn_task
        if task is not None and not task.done():
            task.cancel()
            return True
        return False

    # ------------------------------------------------------------------ the agent's host interface
    def system_prompt(self) -> str:
        from phasegate import prompts

        s = self.session
        plan = s.plan
        phase_title = phase_tasks = ""
        feedback = ""
        if s.current_phase and plan is not None:
            phase = plan.phase(s.current_phase)
            phase_title = phase.heading
            phase_tasks = "\n".join(f"- [{'x' if t.done else ' '}] {t.id} **{t.title}**: {t.detail}" for t in phase.tasks)
            feedback = "\n".join(f"- {f}" for f in s.phase_state(s.current_phase).feedback)
        elif s.stage in (Stage.PLANNING, Stage.PLAN_REVIEW):
            feedback = "\n".join(f"- {f}" for f in s.plan_feedback)
        elif s.stage == Stage.RESEARCH:
            feedback = "\n".join(f"- {f}" for f in s.research_feedback)
        facts = {
            "task": s.task,
            "stage": s.stage.value,
            # Missing facts are left empty: prompts.FACTS says what the model sees instead (one wording).
            "repo_summary": self.repo_summary,
            "plan_markdown": render_plan(plan) if plan else None,
            "research_markdown": s.research.to_markdown() if s.research else None,
            "phase_slug": s.current_phase or "",
            "phase_title": phase_title,
            "phase_tasks": phase_tasks,
            "feedback": feedback,
            "halted_reason": s.halted_reason or "",
        }
        revising = bool(s.current_phase and s.phase_state(s.current_phase).feedback)
        return prompts.system_prompt(s.stage.value, revising=revising, **facts)

    def model_conversation(self) -> list[dict[str, Any]]:
        """The conversation the model is sent: ``conversation`` (what the transcript and the chat keep) without
        the messages a rewind hid from it (``Session.conversation_cuts``)."""
        if not self.session.conversation_cuts:
            return self.conversation
        return [m for i, m in enumerate(self.conversation) if not self.session.hidden_from_model(i)]

    async def refuse_reply(self, reply: UnreadableReply) -> None:
        """The model's prose reply is not the report (or plan) asked for: recorded, nothing approved."""
        await self._apply(wf.ReplyNotAReport(reply))

    async def append_message(self, message: dict[str, Any]) -> None:
        self.conversation.append(message)
        self.append_transcript({"type": "message", "message": message})

    async def note(self, name: str, **facts: object) -> None:
        """Tell the model what the user did at a gate (``prompts/notes.md``)."""
        from phasegate import prompts

        await self.append_message({"role": "user", "content": prompts.note(name, **facts)})

    async def emit(self, event: AgentEvent) -> None:
        """An agent event: usage is added to the session (a workflow event), then the listener hears it."""
        if isinstance(event, AgentUsage):
            from phasegate.app.agent.llm import Usage, cost

            spent = cost(Usage(event.prompt_tokens, event.completion_tokens), self.settings)
            await self._apply(wf.RecordUsage(event.prompt_tokens, event.completion_tokens, spent,
                                             estimated=event.estimated), announce=False)
        await self._emit(event)

    async def submit(self, name: str, value: Any) -> str:
        try:
            if name == "submit_research":
                assert isinstance(value, ResearchReport)
                await self._apply(wf.SubmitResearch(value))
                return "Research report received. The user will review it; stop here and wait for them."
            if name == "submit_plan":
                assert isinstance(value, Plan)
                await self._apply(wf.SubmitPlan(value))
                return (
                    f"Plan v{self.session.plan_version} received. The user reviews it now; stop here and wait for "
                    "their approval or their changes."
                )
            if name == "complete_phase":
                assert isinstance(value, PhaseReport)
                slug = self.session.current_phase
                results = await self.run_verification("verification")
                await self._apply(wf.CompletePhase(value))
                ran = "; ".join(f"`{c}` exit {code}" for c, code in results)
                return (
                    f"The {slug} phase is now waiting for the user's review. Stop here; do not start another phase."
                    + (f" phasegate ran the verification: {ran}." if ran else "")
                )
        except wf.WorkflowError as exc:
            return f"Refused: {exc}"
        raise ValueError(name)

    async def mark_task(self, task_id: str) -> str:
        try:
            await self._apply(wf.MarkTaskDone(task_id))
        except wf.WorkflowError as exc:
            return f"Refused: {exc}"
        return f"Ticked {task_id}."

    async def run_repository_tool(self, name: str, arguments: dict[str, Any], *, purpose: str = "model") -> ToolOutcome:
        result = await self.tools.call(name, arguments)
        changed = tuple(result.changed_paths)
        exit_code = result.exit_code
        # Quiet events (announce=False): the FilesChanged and AgentToolFinished that follow refresh the UI.
        if changed and self.session.active_phase is not None:
            await self._apply(wf.CountWrite(), announce=False)
        if name == "run_command" and exit_code is not None and self.session.active_phase is not None:
            from phasegate.app.agent.command_policy import classify

            command = str(arguments.get("command", ""))
            run = CommandRun(
                command=command,
                exit_code=exit_code,
                output=(result.text or "")[-4000:],
                kind=classify(command, self.tools.root).kind,
                purpose=purpose,
                after_write=self.session.active_phase.writes,
            )
            await self._apply(wf.RecordCommandRun(run), announce=False)
        if changed:
            await self._emit(FilesChanged(changed))
        halted = result.halt_turn
        if halted:
            await self._apply(wf.MigrationRan(str(arguments.get("command", ""))))
            if exit_code not in (0, None):
                await self._migration_failed(str(arguments.get("command", "")), exit_code)
        return ToolOutcome(result.text, ok=result.ok, ends_turn=halted, halted=halted, exit_code=exit_code)

    async def _migration_failed(self, command: str, exit_code: int) -> None:
        """A failed migration stops everything, is reported, and its rollback is offered."""
        from phasegate.app.session.verification import rollback_hints

        active = self.session.active_phase
        changed: list[str] = []
        if active is not None and active.base_sha:
            changed = [c.path for c in await asyncio.to_thread(self.git.phase_changes, active.base_sha)]
        hints = rollback_hints(self.git.root, changed)
        message = (
            f"The migration `{command}` failed (exit {exit_code}); the model stopped. Reject (n) discards the "
            "phase's changes"
            + (f"; to undo what the migration applied: {'; '.join(hints)}" if hints else "")
            + "."
        )
        await self._emit(AgentNotice(message, "error"))

    async def run_verification(self, purpose: str) -> list[tuple[str, int | None]]:
        """Run the repository's test commands (each approved like any command); return their exit codes."""
        from phasegate.app.session.verification import detect_test_commands

        commands = await asyncio.to_thread(detect_test_commands, self.git.root)
        if purpose == "final":
            commands = commands[:1]
        results: list[tuple[str, int | None]] = []
        for command in commands:
            active = self.session.active_phase
            if purpose == "verification" and active is not None:
                fresh = [r for r in active.commands if r.command == command and r.after_write == active.writes]
                if fresh and fresh[-1].exit_code == 0:
                    # The model already ran it after the last change and it passed: no need to ask again.
                    results.append((command, 0))
                    await self._emit(AgentNotice(f"Verification `{command}`: passed (run after the last change)"))
                    continue
            reason = "phasegate: verify the phase" if purpose == "verification" else "phasegate: the full test run of the final review"
            outcome = await self.run_repository_tool("run_command", {"command": command, "reason": reason}, purpose=purpose)
            results.append((command, outcome.exit_code))
            await self._emit(
                AgentNotice(
                    f"Verification `{command}`: "
                    + ("passed" if outcome.exit_code == 0 else f"FAILED (exit {outcome.exit_code})" if outcome.exit_code is not None else "not run"),
                    "information" if outcome.exit_code == 0 else "warning",
                )
            )
        return results
