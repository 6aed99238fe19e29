"""The session controller: the one owner of a session while phasegate drives a repository.

It ties the pure workflow (``phases.workflow``) to the services — git, the store, the model, the
tools — and is shared by the Textual workbench and the headless commands (``demo --headless``,
``plan --headless``). Every user action is a method here; each one:

1. checks the gate (the workflow refuses an event the stage does not allow, with a sentence);
2. performs the side effect in the repository, off the event loop (git can be slow in big repos);
3. applies the workflow event that records it, saves the session atomically and appends the
   transcript;
4. tells its listener (the UI) what changed.

A side effect always comes *before* the event that records it: after a crash between the two, the
repository holds the truth (phase commits are found by their trailers) and ``reconcile`` brings the
session back in line, so an approved phase is never lost and nothing unapproved is ever committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from phasegate.app.agent.loop import (
    Agent,
    AgentEvent,
    AgentNotice,
    AgentUsage,
    ToolOutcome,
    TurnResult,
)
from phasegate.app.errors import PhasegateError
from phasegate.phases import workflow as wf
from phasegate.phases.models import (
    CommandRun,
    PhaseReport,
    PhaseStatus,
    Plan,
    ResearchReport,
    Session,
    Stage,
)
from phasegate.phases.plan_markdown import render_plan

if TYPE_CHECKING:
    from phasegate.app.agent.tools import CommandDecision, CommandRequest, ToolRunner
    from phasegate.app.config import Settings
    from phasegate.app.git.service import GitService
    from phasegate.app.session.store import SessionStore


# --- what the controller tells its listener, besides the agent's events --------------------------------
log = logging.getLogger("phasegate.controller")


@dataclass(frozen=True)
class SessionChanged:
    session: Session
    event: str = ""


@dataclass(frozen=True)
class TurnStarted:
    label: str


@dataclass(frozen=True)
class TurnEnded:
    result: TurnResult


@dataclass(frozen=True)
class FilesChanged:
    paths: tuple[str, ...]


ControllerEvent: TypeAlias = AgentEvent | SessionChanged | TurnStarted | TurnEnded | FilesChanged
Listener = Callable[[ControllerEvent], Awaitable[None] | None]
CommandApprover = Callable[["CommandRequest"], Awaitable["CommandDecision"]]


@dataclass(frozen=True)
class Gate:
    """What the approval bar offers now. ``label`` says what Approve will do; ``None`` = no gate."""

    label: str | None
    allowed: frozenset[str]  # subset of {"approve", "request_changes", "reject", "rollback"}
    reject_label: str = "Reject"


@dataclass(frozen=True)
class Blocker:
    """A rule that blocks approving a phase until the user overrides it with a reason."""

    rule: str
    message: str


class ApprovalBlocked(PhasegateError):
    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        super().__init__(" ".join(b.message for b in blockers))




@dataclass
class Controller:
    git: GitService
    store: SessionStore
    settings: Settings
    tools: ToolRunner
    session: Session
    listener: Listener | None = None
    conversation: list[dict[str, Any]] = field(default_factory=list)
    repo_summary: str = ""
    busy: bool = False
    _turn_task: asyncio.Task[TurnResult] | None = None
    recovered: list[str] = field(default_factory=list)  # repairs made on open after a crash, for the UI
    _llm: Any = None
    _lock: Any = None

    # ------------------------------------------------------------------ construction / persistence
    @classmethod
    def open(
        cls,
        repo: Path | str,
        settings: Settings,
        *,
        approver: CommandApprover,
        listener: Listener | None = None,
        resume: bool | None = None,
        task: str = "",
        lock: bool = True,
    ) -> Controller:
        """Open the repository, take its lock, resume the newest unfinished session or start one.

        ``resume``: True = must resume (error if none), False = always new, None = resume if any.
        """
        from phasegate.app.agent.tools import ToolConfig, ToolRunner
        from phasegate.app.agent.workspace import Workspace
        from phasegate.app.git.recovery import recover
        from phasegate.app.git.service import GitService
        from phasegate.app.session.store import SessionStore

        # A merge/rebase in progress is refused below, after a revert that phasegate itself left half done
        # when it was killed has been undone (only the lock holder may repair: see app/git/recovery.py).
        git = GitService.open(Path(repo), allow_in_progress=True)
        store = SessionStore(git.git_dir)
        if settings.api_key is not None:  # a key from a flag or a config file is masked like one from the env
            store.mask(settings.api_key.get_secret_value())
        held = store.lock() if lock else None
        session: Session | None = None
        try:
            repaired = recover(git) if held is not None else []
            git.ensure_no_operation_in_progress()
            if resume is not False:
                session = store.latest_unfinished()
                if resume and session is None:
                    raise PhasegateError("There is no unfinished session to resume in this repository; start one with a task.")
        except BaseException:
            if held is not None:
                held.release()
            raise
        async def approve(request: CommandRequest) -> CommandDecision:
            decision = await approver(request)
            log.info("command_approval kind=%s approved=%s command=%r", request.kind, decision.approved,
                     request.command[:300])
            return decision

        runner = ToolRunner(Workspace(git.root), ToolConfig.from_settings(settings), approve=approve)
        if session is None:
            session = Session(task=task, repo_path=str(git.root), model=settings.model)
            session.base_sha = git.head_sha()
            session.branch = git.branch()
            store.save(session)
        controller = cls(git=git, store=store, settings=settings, tools=runner, session=session, listener=listener)
        controller._lock = held
        controller.conversation = [r["message"] for r in store.read_transcript(session.id) if r.get("type") == "message"]
        controller.recovered = repaired + controller.reconcile()
        return controller

    async def aclose(self) -> None:
        """Close the model client (its HTTP connections) and then the session, as ``close`` does."""
        if self._llm is not None:
            with contextlib.suppress(Exception):
                await self._llm.aclose()
            self._llm = None
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.store.save(self.session)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def _emit(self, event: ControllerEvent) -> None:
        if self.listener is None:
            return
        # A listener that fails to render must never abort a model turn or a commit: log and go on.
        try:
            result = self.listener(event)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("listener failed on %s", type(event).__name__)

    async def _apply(self, event: wf.Event) -> Session:
        self.session = wf.apply(self.session, event)
        self.store.save(self.session)
        self.store.append_transcript(self.session.id, {"type": "event", "event": event.name, "stage": self.session.stage.value})
        log.info("event=%s session=%s stage=%s phase=%s", event.name, self.session.id, self.session.stage.value,
                 self.session.current_phase or "-")
        await self._emit(SessionChanged(self.session, event.name))
        return self.session

    def reconcile(self) -> list[str]:
        """Bring the session in line with the repository after a crash or a restart.

        A phase awaiting review whose commit exists (the process died between the commit and saving the
        session) is recorded as committed; a committed phase whose revert exists is recorded as rolled
        back. Returns what was repaired, for the UI to say.
        """
        repaired: list[str] = []
        try:
            commits = self.git.phase_commits(session_id=self.session.id)
        except PhasegateError:
            return repaired
        for commit in commits:
            try:
                state = self.session.phase_state(commit.phase)
            except KeyError:
                continue
            if state.status == PhaseStatus.AWAITING_REVIEW and commit.status in ("committed", "rolled_back"):
                self.session = wf.apply(self.session, wf.ApprovePhase(commit_sha=commit.sha))
                repaired.append(f"{commit.phase} was committed as {commit.sha[:8]} before the restart")
            state = self.session.phase_state(commit.phase)
            if state.status == PhaseStatus.COMMITTED and commit.status == "rolled_back" and commit.rollback_sha:
                with contextlib.suppress(wf.WorkflowError):
                    self.session = wf.apply(self.session, wf.RollbackPhase(commit.phase, revert_sha=commit.rollback_sha))
                    repaired.append(f"{commit.phase} was rolled back before the restart")
        if repaired:
            self.store.save(self.session)
        return repaired

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
            "repo_summary": self.repo_summary or "(no repository summary)",
            "plan_markdown": render_plan(plan) if plan else "(no plan yet)",
            "research_markdown": s.research.to_markdown() if s.research else "(no research yet)",
            "phase_slug": s.current_phase or "",
            "phase_title": phase_title,
            "phase_tasks": phase_tasks,
            "feedback": feedback or "(none)",
            "halted_reason": s.halted_reason or "",
        }
        revising = bool(s.current_phase and s.phase_state(s.current_phase).feedback)
        return prompts.system_prompt(s.stage.value, revising=revising, **facts)

    async def append_message(self, message: dict[str, Any]) -> None:
        self.conversation.append(message)
        self.store.append_transcript(self.session.id, {"type": "message", "message": message})

    async def emit(self, event: AgentEvent) -> None:
        if isinstance(event, AgentUsage):
            from phasegate.app.agent.llm import Usage, cost

            usage = self.session.usage
            usage.prompt_tokens += event.prompt_tokens
            usage.completion_tokens += event.completion_tokens
            usage.cost += cost(Usage(event.prompt_tokens, event.completion_tokens), self.settings)
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
        if changed and self.session.active_phase is not None:
            self.session.active_phase.writes += 1
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
            self.session.active_phase.commands.append(run)
            self.store.save(self.session)
        if changed:
            await self._emit(FilesChanged(changed))
        halted = bool(getattr(result, "halt_turn", False))
        if halted:
            await self._apply(wf.MigrationRan(str(arguments.get("command", ""))))
            if exit_code not in (0, None):
                await self._migration_failed(str(arguments.get("command", "")), exit_code)
        return ToolOutcome(result.text, ok=result.ok, ends_turn=halted, halted=halted, exit_code=exit_code)

    async def _migration_failed(self, command: str, exit_code: int) -> None:
        """The seed: a failed migration stops everything, is reported, and its rollback is offered."""
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
        active = self.session.active_phase
        for command in commands:
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

    # ------------------------------------------------------------------ turns
    def _llm_client(self) -> Any:
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

    async def user_message(self, text: str) -> TurnResult | None:
        """A chat message from the user. What it means depends on the stage."""
        text = text.strip()
        if not text:
            return None
        s = self.session
        if not s.task:
            self.session = self.session.model_copy(update={"task": text})
            self.store.save(self.session)
            await self._emit(SessionChanged(self.session, "task"))
            await self.append_message({"role": "user", "content": f"Task: {text}"})
            return await self.run_turn("research")
        if s.stage == Stage.RESEARCH and s.research is not None:
            await self._apply(wf.AnswerResearch(text))
        elif s.stage == Stage.PLAN_REVIEW:
            await self._apply(wf.RequestPlanChanges(text))
        elif s.stage == Stage.PHASE_REVIEW:
            await self._apply(wf.RequestPhaseChanges(text))
        elif s.stage == Stage.EXECUTING and s.halted_reason:
            await self._apply(wf.ContinueAfterMigration())
        await self.append_message({"role": "user", "content": text})
        return await self.run_turn()

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

    # ------------------------------------------------------------------ gates
    def gate(self) -> Gate:
        s = self.session
        rollback = {"rollback"} if self._can_rollback() else set()
        if self.busy:
            return Gate(None, frozenset())
        if s.stage == Stage.RESEARCH:
            if s.research is None:
                return Gate(None, frozenset(rollback))
            return Gate("Approve research → write the plan", frozenset({"approve", "request_changes"} | rollback))
        if s.stage == Stage.PLANNING:
            return Gate("Ask the model for the plan again", frozenset({"approve"} | rollback))
        if s.stage == Stage.PLAN_REVIEW:
            first = s.plan.slugs[0] if s.plan else "?"
            return Gate(
                f"Approve plan v{s.plan_version} → start {first}", frozenset({"approve", "request_changes"} | rollback)
            )
        if s.stage == Stage.EXECUTING:
            active = s.active_phase
            if active is None:
                nxt = s.next_pending
                if nxt is None:
                    return Gate(None, frozenset(rollback))
                return Gate(f"Start phase {nxt}", frozenset({"approve", "reject"} | rollback), reject_label=f"Skip {nxt}")
            if s.halted_reason:
                return Gate(
                    "Continue after the migration", frozenset({"approve", "request_changes", "reject"}),
                    reject_label=f"Discard {active.slug}",
                )
            return Gate(
                f"Resume phase {active.slug}", frozenset({"approve", "request_changes", "reject"}),
                reject_label=f"Discard {active.slug}",
            )
        if s.stage == Stage.PHASE_REVIEW:
            active = s.active_phase
            slug = active.slug if active else "?"
            return Gate(
                f"Commit phase {slug}", frozenset({"approve", "request_changes", "reject"} | rollback),
                reject_label=f"Reject {slug}",
            )
        if s.stage == Stage.FINAL_REVIEW:
            return Gate("Approve the final review → done", frozenset({"approve"} | rollback))
        return Gate(None, frozenset(rollback))

    def _can_rollback(self) -> bool:
        s = self.session
        return s.active_phase is None and any(p.status == PhaseStatus.COMMITTED for p in s.phases)

    def approval_blockers(self) -> list[Blocker]:
        """Rules that block committing the phase under review (issue 9): each names its rule."""
        from phasegate.app.session.review import phase_blockers

        self.follow_user_commits()
        return phase_blockers(self)

    # ------------------------------------------------------------------ user actions
    async def approve(self, *, overrides: list[str] | None = None, run_model: bool = True) -> TurnResult | str | None:
        """The Approve gate: what it does depends on the stage (see ``gate``)."""
        s = self.session
        if self.busy:
            raise PhasegateError("The model is still working; approval waits until its turn ends.")
        if s.stage == Stage.RESEARCH:
            await self._apply(wf.ApproveResearch())
            await self.append_message(
                {"role": "user", "content": "[phasegate] The user approved the research. Write the architecture plan now."}
            )
            return await self.run_turn("planning") if run_model else None
        if s.stage == Stage.PLANNING:
            await self.append_message(
                {"role": "user", "content": "[phasegate] Please submit the architecture plan with submit_plan."}
            )
            return await self.run_turn("planning") if run_model else None
        if s.stage == Stage.PLAN_REVIEW:
            await self._apply(wf.ApprovePlan())
            return await self.start_next_phase(run_model=run_model)
        if s.stage == Stage.EXECUTING:
            active = s.active_phase
            if active is None:
                return await self.start_next_phase(run_model=run_model)
            if s.halted_reason:
                await self._apply(wf.ContinueAfterMigration())
                await self.append_message(
                    {"role": "user", "content": "[phasegate] The user reviewed the migration. Continue the phase."}
                )
            else:
                await self.append_message({"role": "user", "content": f"[phasegate] Continue the {active.slug} phase."})
            return await self.run_turn(active.slug) if run_model else None
        if s.stage == Stage.PHASE_REVIEW:
            return await self.commit_phase(overrides=overrides or [])
        if s.stage == Stage.FINAL_REVIEW:
            report = s.final_report or await self.prepare_final_review()
            tests = report.get("final_tests") or {}
            if tests and not tests.get("passed") and not overrides:
                raise ApprovalBlocked(
                    [Blocker("verification", f"The full test run `{tests.get('command')}` failed — blocked by the rule: never ignore test failures.")]
                )
            await self._apply(wf.ApproveFinal())
            return "done"
        raise PhasegateError("There is nothing to approve: the session is done.")

    async def start_next_phase(self, *, run_model: bool = True) -> TurnResult | None:
        head = await asyncio.to_thread(self.git.head_sha)
        await self._apply(wf.StartPhase(base_sha=head))
        slug = self.session.current_phase
        assert slug is not None and self.session.plan is not None
        phase = self.session.plan.phase(slug)
        await self.append_message(
            {"role": "user", "content": f"[phasegate] Start the {phase.heading} phase now. Only this phase."}
        )
        return await self.run_turn(slug) if run_model else None

    async def commit_phase(self, *, overrides: list[str]) -> str:
        s = self.session
        active = s.active_phase
        if s.stage != Stage.PHASE_REVIEW or active is None:
            raise PhasegateError("No phase is waiting for review.")
        blockers = self.approval_blockers()
        if blockers and not overrides:
            raise ApprovalBlocked(blockers)
        assert s.plan is not None
        phase = s.plan.phase(active.slug)
        body = commit_body(phase.heading, active.report, active, overrides, [b.message for b in blockers])
        sha = await asyncio.to_thread(
            lambda: self.git.commit_phase(
                session_id=s.id, slug=active.slug, title=phase.title, body=body, plan_version=s.plan_version,
                overrides=tuple(overrides),
            )
        )
        log.info("commit phase=%s sha=%s overrides=%d", active.slug, sha, len(overrides))
        await self._apply(wf.ApprovePhase(commit_sha=sha, overrides=tuple(overrides)))
        nxt = self.session.next_pending
        note = f"[phasegate] The user approved the {active.slug} phase; it is committed as {sha[:8]}."
        note += f" The next phase is {nxt}; wait until the user starts it." if nxt else " All phases are done."
        await self.append_message({"role": "user", "content": note})
        if self.session.stage == Stage.FINAL_REVIEW:
            await self.prepare_final_review()
        return sha

    async def prepare_final_review(self) -> dict[str, Any]:
        """The seed's final review: the full test run, then the report (kept in the session)."""
        from phasegate.app.session.final_report import build_report

        results = await self.run_verification("final")
        final_tests = None
        if results:
            command, code = results[0]
            final_tests = {"command": command, "exit_code": code, "passed": code == 0}
        report = await asyncio.to_thread(build_report, self.session, self.git, final_tests=final_tests)
        await self._apply(wf.RecordFinalReport(report))
        return report

    async def request_changes(self, feedback: str, *, rejected_hunks: list[tuple[str, int, str]] | None = None,
                              run_model: bool = True) -> TurnResult | None:
        """Send the phase (or the plan, or the research) back to the model with the user's words."""
        s = self.session
        feedback = feedback.strip()
        if s.stage == Stage.PHASE_REVIEW:
            lines = [feedback] if feedback else []
            if rejected_hunks:
                await self.reverse_hunks(rejected_hunks)
                lines += [f"Rejected hunk {i + 1} of {path} (reversed in the working tree): {why}" for path, i, why in rejected_hunks]
            text = "\n".join(lines)
            if not text:
                raise PhasegateError("Say what should change, or reject some hunks, before requesting changes.")
            await self._apply(wf.RequestPhaseChanges(text))
            await self.append_message({"role": "user", "content": f"[phasegate] The user requests changes:\n{text}"})
            return await self.run_turn(self.session.current_phase or "") if run_model else None
        if s.stage == Stage.PLAN_REVIEW:
            await self._apply(wf.RequestPlanChanges(feedback))
            await self.append_message({"role": "user", "content": f"[phasegate] The user requests plan changes:\n{feedback}"})
            return await self.run_turn("planning") if run_model else None
        return await self.user_message(feedback)

    async def reverse_hunks(self, hunks: list[tuple[str, int, str]]) -> None:
        from phasegate.phases.diffs import build_patch, parse_diff

        active = self.session.active_phase
        if active is None or active.base_sha is None:
            raise PhasegateError("No phase has changes to reject hunks from.")
        await asyncio.to_thread(self.follow_user_commits)
        diff_text = await asyncio.to_thread(self.git.phase_diff, active.base_sha)
        selection: dict[str, set[int]] = {}
        for path, index, _ in hunks:
            selection.setdefault(path, set()).add(index)
        patch = build_patch((f, sorted(selection[f.path])) for f in parse_diff(diff_text) if f.path in selection)
        await asyncio.to_thread(self.git.reverse_patch, patch)
        await self._emit(FilesChanged(tuple(selection)))

    async def reject(self, *, skip: bool = False, reason: str = "") -> None:
        """Reject: discard the phase's changes (redo it, or skip it), or skip the next pending phase."""
        s = self.session
        active = s.active_phase
        if s.stage == Stage.EXECUTING and active is None:
            nxt = s.next_pending
            if nxt is None:
                raise PhasegateError("There is no phase left to skip.")
            await self._apply(wf.SkipPhase(nxt, reason))
            if self.session.stage == Stage.FINAL_REVIEW:
                await self.prepare_final_review()
            return
        if active is None or active.base_sha is None:
            raise PhasegateError("There is no phase to reject.")
        await asyncio.to_thread(self.follow_user_commits)
        await asyncio.to_thread(self.git.discard_changes, active.base_sha)
        await self._emit(FilesChanged(()))
        await self._apply(wf.RejectPhase(skip=skip, reason=reason))
        why = f" Reason: {reason}" if reason else ""
        what = "skipped" if skip else "to be redone from scratch"
        await self.append_message(
            {"role": "user", "content": f"[phasegate] The user rejected the {active.slug} phase; its changes were discarded and it is {what}.{why}"}
        )
        if self.session.stage == Stage.FINAL_REVIEW:
            await self.prepare_final_review()

    async def rollback(self, slug: str) -> str:
        """Revert a committed phase with ``git revert`` and record it."""
        state = self._phase_or_error(slug)
        if state.status != PhaseStatus.COMMITTED:
            raise PhasegateError(f"Only a committed phase can be rolled back; {slug} is {state.status.value.replace('_', ' ')}.")
        if self.session.active_phase is not None:
            raise PhasegateError(
                f"The {self.session.active_phase.slug} phase has uncommitted work; approve or reject it before rolling back {slug}."
            )
        sha = await asyncio.to_thread(lambda: self.git.revert_phase(slug, session_id=self.session.id))
        log.info("rollback phase=%s revert=%s", slug, sha)
        await self._apply(wf.RollbackPhase(slug, revert_sha=sha))
        await self.append_message(
            {"role": "user", "content": f"[phasegate] The user rolled back the {slug} phase (revert commit {sha[:8]})."}
        )
        return sha

    def _phase_or_error(self, slug: str) -> Any:
        try:
            return self.session.phase_state(slug)
        except KeyError:
            names = ", ".join(p.slug for p in self.session.phases) or "none"
            raise PhasegateError(f"There is no phase named {slug!r} in this session (phases: {names}).") from None

    async def reprioritize(self, order: list[str]) -> None:
        await self._apply(wf.Reprioritize(tuple(order)))

    def phase_diff(self) -> str:
        self.follow_user_commits()
        active = self.session.active_phase
        if active is None or active.base_sha is None:
            return ""
        return self.git.phase_diff(active.base_sha)

    def follow_user_commits(self) -> str | None:
        """The user committed by hand during the phase: their commit is theirs; the phase continues from it.

        Otherwise the phase diff would present their commit as the model's work, and rejecting the phase
        would delete their committed files from the working tree. Only a HEAD that descends from the
        phase's base is followed (a rewritten history is left for the commit to refuse). Returns a sentence
        for the UI when the base moved. Call it before showing, committing or discarding the phase.
        """
        active = self.session.active_phase
        if active is None or active.base_sha is None:
            return None
        head = self.git.head_sha()
        if head == active.base_sha:
            return None
        if self.git._run_raw("merge-base", "--is-ancestor", active.base_sha, head).returncode != 0:
            return None
        active.base_sha = head
        self.store.save(self.session)
        log.info("phase_base_moved phase=%s base=%s", active.slug, head)
        return (f"You committed by hand during the {active.slug} phase (HEAD is now {head[:8]}); "
                "the phase's changes are counted from your commit.")


def commit_body(heading: str, report: PhaseReport | None, state: Any, overrides: list[str], blocked: list[str]) -> str:
    """The phase commit's body: the phase report, commands run, and any overrides (DESIGN §4)."""
    parts = [report.to_markdown(heading.split(" ", 1)[-1]) if report else f"{heading} phase (no report)\n"]
    if state.commands:
        parts.append("Commands run:\n" + "\n".join(f"- `{c.command}` → exit {c.exit_code} ({c.purpose})" for c in state.commands))
    if state.migrations_run:
        parts.append("Migrations run (typed confirmation):\n" + "\n".join(f"- `{m}`" for m in state.migrations_run))
    if overrides:
        lines = [f"- {b}" for b in blocked] + [f"- Reason: {o}" for o in overrides]
        parts.append("Approved with override:\n" + "\n".join(lines))
    return "\n\n".join(p.strip() for p in parts) + "\n"
