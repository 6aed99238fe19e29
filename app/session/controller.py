"""The session controller: the one owner of a session while phasegate drives a repository.

It ties the pure workflow (``phases.workflow``) and the pure gate table (``phases.gates``) to the
services — git, the store, the model, the tools — and is shared by the Textual workbench, the
headless commands (``demo --headless``, ``plan --headless``) and the CLI's ``rollback``. Every user
action is a method here; each one:

1. asks ``phases.gates`` what the gate means in this stage (the workflow refuses an event the stage
   does not allow, with a sentence);
2. performs the side effect in the repository, off the event loop (git can be slow in big repos);
3. applies the workflow event that records it, saves the session atomically and appends the
   transcript;
4. tells its listener (the UI) what changed.

One writer: ``_apply`` is the only place the session changes, always on the thread that owns the
store (the event loop); thread workers compute and hand back results, never write (the store refuses
a save from another thread). The agent's side of the controller is ``app/session/host.py``.

A side effect always comes *before* the event that records it: after a crash between the two, the
repository holds the truth (phase commits are found by their trailers) and ``reconcile`` brings the
session back in line, so an approved phase is never lost and nothing unapproved is ever committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from phasegate.app.agent.loop import TurnResult
from phasegate.app.errors import PhasegateError
from phasegate.app.git.trailers import commit_body
from phasegate.app.session.events import (
    CommandApprover,
    ControllerEvent,
    FilesChanged,
    Listener,
    SessionChanged,
    TurnEnded,
    TurnStarted,
)
from phasegate.app.session.host import SessionHost
from phasegate.app.session.review import (
    ApprovalBlocked,
    Blocker,
    ReviewChanged,
    ReviewFacts,
    blockers_from,
    diff_identity,
    final_blockers,
    review_facts,
)
from phasegate.phases import gates
from phasegate.phases import workflow as wf
from phasegate.phases.gates import Approve, Changes, ChatMeans, Gate, Reject
from phasegate.phases.models import PhaseState, PhaseStatus, Session, Stage, utcnow

if TYPE_CHECKING:
    from phasegate.app.agent.llm import LLMClient
    from phasegate.app.agent.tools import CommandDecision, CommandRequest, ToolRunner
    from phasegate.app.config import Settings
    from phasegate.app.git.service import GitService
    from phasegate.app.session.store import SessionStore, StoreLock

__all__ = [
    "ApprovalBlocked", "Blocker", "CommandApprover", "Controller", "ControllerEvent", "FilesChanged", "Gate",
    "Listener", "ReviewChanged", "SessionChanged", "TurnEnded", "TurnStarted",
]

log = logging.getLogger("phasegate.controller")


@dataclass(eq=False)
class Controller(SessionHost):
    git: GitService
    store: SessionStore
    settings: Settings
    tools: ToolRunner
    session: Session
    listener: Listener | None = None
    conversation: list[dict[str, Any]] = field(default_factory=list)
    repo_summary: str = ""
    busy: bool = False
    recovered: list[str] = field(default_factory=list)  # repairs made on open after a crash, for the UI
    _turn_task: asyncio.Task[Any] | None = field(default=None, repr=False)
    _llm: LLMClient | None = field(default=None, repr=False)
    _lock: StoreLock | None = field(default=None, repr=False)
    _schema_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        session_id: str | None = None,
    ) -> Controller:
        """Open the repository, take its lock, resume the newest unfinished session or start one.

        ``resume``: True = must resume (error if none), False = always new, None = resume if any.
        ``session_id`` opens that session instead (``phasegate rollback`` records in the session of the
        phase's commit, finished or not).
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
            if session_id is not None:
                session = store.load(session_id)
            elif resume is not False:
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
            session = Session(task=task, repo_path=str(git.root), model=settings.model, base_sha=git.head_sha(),
                              branch=git.branch())
            store.save(session)
        controller = cls(git=git, store=store, settings=settings, tools=runner, session=session, listener=listener)
        controller._lock = held
        controller.conversation = [r["message"] for r in store.read_transcript(session.id) if r.get("type") == "message"]
        controller.recovered = repaired + controller.reconcile()
        return controller

    def claim(self) -> None:
        """The calling thread (the workbench's event loop) becomes the session's one writer."""
        self.store.claim()

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

    def append_transcript(self, record: dict[str, Any]) -> None:
        self.store.append_transcript(self.session.id, record)

    async def _apply(self, event: wf.Event, *, announce: bool = True) -> Session:
        """The one place the session changes: the workflow event, the save, the transcript, the listener.

        ``announce=False`` for bookkeeping the UI hears about through another event anyway (a write is
        followed by ``FilesChanged``, a command run by the tool's end, usage by ``AgentUsage``).
        """
        self.session = wf.apply(self.session, event)
        self.store.save(self.session)
        if event.recorded:
            self.append_transcript({"type": "event", "event": event.name, "stage": self.session.stage.value})
            log.info("event=%s session=%s stage=%s phase=%s", event.name, self.session.id, self.session.stage.value,
                     self.session.current_phase or "-")
        if announce:
            await self._emit(SessionChanged(self.session, event.name))
        return self.session

    def reconcile(self) -> list[str]:
        """Bring the session in line with the repository after a crash or a restart.

        A phase awaiting review whose commit exists (the process died between the commit and saving the
        session) is recorded as committed; a committed phase whose revert exists is recorded as rolled
        back. Returns what was repaired, for the UI to say. Runs while opening, on the opening thread.
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
            if (state.status == PhaseStatus.AWAITING_REVIEW and commit.status in ("committed", "rolled_back")
                    and not self._older_than_attempt(commit.sha, state)):
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

    def _older_than_attempt(self, sha: str, state: PhaseState) -> bool:
        """A commit of an earlier attempt at the phase (rolled back or rewound, then started again): it is
        already in the phase's base, so it is not the commit of the attempt under review."""
        if not state.base_sha:
            return False
        try:
            return self.git.is_ancestor(sha, state.base_sha)
        except Exception:  # an unknown base (history rewritten by hand): keep the old behaviour
            return False

    # ------------------------------------------------------------------ state the UI hands over
    def set_repo_summary(self, summary: str) -> None:
        """The repository audit a worker computed: the model sees it in its system prompt."""
        self.repo_summary = summary

    def switch_model(self, name: str) -> None:
        self.settings.model = name
        self._llm = None  # the next turn builds a client for the new model

    def allow_command(self, command: str) -> None:
        """The user chose "always allow" for ``command``: it runs without asking for the rest of the session."""
        self.tools.config.allowlist.append(command)

    async def tick_task(self, task_id: str, done: bool) -> None:
        """The user ticked (or unticked) a task in the checklist."""
        await self._apply(wf.MarkTaskDone(task_id, done))

    async def set_aside_changes(self, how: Literal["baseline", "stash"]) -> str | None:
        """Before the first phase: commit the user's own changes separately, or stash them; the session
        then starts from the new HEAD. Returns the baseline commit's sha (``None`` for a stash)."""
        sha: str | None = None
        if how == "baseline":
            sha = await asyncio.to_thread(self.git.commit_baseline)
        else:
            await asyncio.to_thread(self.git.stash)
        head = await asyncio.to_thread(self.git.head_sha)
        await self._apply(wf.SetBaseline(head))
        return sha

    # ------------------------------------------------------------------ user actions
    async def user_message(self, text: str) -> TurnResult | None:
        """A chat message from the user. What it means depends on the stage (``gates.message_means``)."""
        text = text.strip()
        if not text:
            return None
        match gates.message_means(self.session):
            case ChatMeans.SET_TASK:
                await self._apply(wf.SetTask(text))
                await self.append_message({"role": "user", "content": f"Task: {text}"})
                return await self.run_turn("research")
            case ChatMeans.ANSWER_RESEARCH:
                await self._apply(wf.AnswerResearch(text))
            case ChatMeans.PLAN_CHANGES:
                text = self._with_plan_comments(text)  # one message: the words and the plan's comments
                await self._apply(wf.RequestPlanChanges(text))
            case ChatMeans.PHASE_CHANGES:
                await self._apply(wf.RequestPhaseChanges(text))
            case ChatMeans.CONTINUE_AFTER_MIGRATION:
                await self._apply(wf.ContinueAfterMigration())
            case ChatMeans.PLAIN:
                pass
        await self.append_message({"role": "user", "content": text})
        return await self.run_turn()

    # ------------------------------------------------------------------ gates
    def gate(self) -> Gate:
        """What the approval bar offers now (``phases.gates.gate``)."""
        return gates.gate(self.session, self.busy)

    def model_turn_due(self) -> bool:
        """After an approval that handed work to the model (write the plan, start a phase): run its turn."""
        last = self.conversation[-1].get("role") if self.conversation else None
        return gates.model_turn_due(self.session, last)

    def approval_blockers(self) -> list[Blocker]:
        """Rules that block committing the phase under review, each naming its rule (computed now:
        slow, for scripts and tests; the workbench passes the review it showed to ``approve``)."""
        return blockers_from(review_facts(self.session, self.git, self.phase_base()))

    def compute_review(self) -> ReviewFacts:
        """The review of the open phase (slow: call it in a thread; it writes nothing)."""
        session = self.session
        return review_facts(session, self.git, self.phase_base(session))

    # ------------------------------------------------------------------ user actions
    async def approve(self, *, overrides: list[str] | None = None, run_model: bool = True,
                      review: ReviewFacts | None = None) -> TurnResult | str | None:
        """The Approve gate: what it does depends on the stage (``phases.gates.approve_means``).

        At phase review ``review`` is the review the user saw: the commit uses it if the phase's diff is
        still the same (else ``ReviewChanged``); without it the review is computed (in a thread).
        """
        if self.busy:
            raise PhasegateError("The model is still working; approval waits until its turn ends.")
        s = self.session
        match gates.approve_means(s):
            case Approve.ACCEPT_REPLY:
                from phasegate.app.agent.loop import research_from_text

                reply = s.unreadable_reply
                assert reply is not None
                # The user's explicit choice: the reply becomes the report as it is, then it is approved.
                await self._apply(wf.SubmitResearch(research_from_text(reply.text)))
                await self._apply(wf.ApproveResearch())
                await self.note("approved_research")
                return await self.run_turn("planning") if run_model else None
            case Approve.APPROVE_RESEARCH:
                await self._apply(wf.ApproveResearch())
                await self.note("approved_research")
                return await self.run_turn("planning") if run_model else None
            case Approve.ASK_FOR_PLAN:
                if s.unreadable_reply is not None:
                    return await self.ask_again("", run_model=run_model)
                await self.note("ask_for_plan")
                return await self.run_turn("planning") if run_model else None
            case Approve.APPROVE_PLAN:
                comments = self._plan_comment_facts()
                await self._apply(wf.ApprovePlan())
                if comments:  # comments the model has not seen go with the approval, never dropped
                    await self.note("plan_approved_with_comments", **comments)
                return await self.start_next_phase(run_model=run_model)
            case Approve.START_PHASE:
                return await self.start_next_phase(run_model=run_model)
            case Approve.CONTINUE_AFTER_MIGRATION:
                await self._apply(wf.ContinueAfterMigration())
                await self.note("continue_after_migration")
                return await self.run_turn(self.session.current_phase or "") if run_model else None
            case Approve.RESUME_PHASE:
                await self.note("continue_phase", slug=s.current_phase or "")
                return await self.run_turn(s.current_phase or "") if run_model else None
            case Approve.COMMIT_PHASE:
                return await self.commit_phase(overrides=overrides or [], review=review)
            case Approve.APPROVE_FINAL:
                report = s.final_report or await self.prepare_final_review()
                blockers = final_blockers(report)
                if blockers and not overrides:
                    raise ApprovalBlocked(blockers)
                await self._apply(wf.ApproveFinal())
                return "done"
        raise PhasegateError("There is nothing to approve: the session is done.")

    async def start_next_phase(self, *, run_model: bool = True) -> TurnResult | None:
        head = await asyncio.to_thread(self.git.head_sha)
        # The phase's conversation starts with the note below: a rewind to before it trims back to here.
        await self._apply(wf.StartPhase(base_sha=head, conversation_at=len(self.conversation)))
        slug = self.session.current_phase
        assert slug is not None and self.session.plan is not None
        await self.note("start_phase", heading=self.session.plan.phase(slug).heading)
        return await self.run_turn(slug) if run_model else None

    async def commit_phase(self, *, overrides: list[str], review: ReviewFacts | None = None) -> str:
        """Commit the phase under review. Only its diff is recomputed here (in a thread) when ``review`` is
        given; the analyzers ran when the review was computed."""
        if self.session.stage != Stage.PHASE_REVIEW or self.session.active_phase is None:
            raise PhasegateError("No phase is waiting for review.")
        await self.follow_user_commits()
        s = self.session
        active = s.active_phase
        assert active is not None and s.plan is not None
        if review is None:
            review = await asyncio.to_thread(review_facts, s, self.git, active.base_sha)
        else:
            diff = await asyncio.to_thread(self.git.phase_diff, active.base_sha) if active.base_sha else ""
            if review.phase != active.slug or diff_identity(active.base_sha, diff) != review.identity:
                raise ReviewChanged(f"The {active.slug} phase's changes differ from the review you approved; "
                                    "look at the review again, then approve.")
        blockers = blockers_from(review)
        if blockers and not overrides:
            raise ApprovalBlocked(blockers, review)
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
        if nxt:
            await self.note("phase_committed", slug=active.slug, sha=sha[:8], next=nxt)
        else:
            await self.note("last_phase_committed", slug=active.slug, sha=sha[:8])
        if self.session.stage == Stage.FINAL_REVIEW:
            await self.prepare_final_review()
        return sha

    async def prepare_final_review(self) -> dict[str, Any]:
        """The final review: the full test run, then the report (kept in the session)."""
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
        feedback = feedback.strip()
        match gates.changes_mean(self.session):
            case Changes.ASK_AGAIN:
                return await self.ask_again(feedback, run_model=run_model)
            case Changes.PHASE:
                lines = [feedback] if feedback else []
                if rejected_hunks:
                    await self.reverse_hunks(rejected_hunks)
                    lines += [f"Rejected hunk {i + 1} of {path} (reversed in the working tree): {why}" for path, i, why in rejected_hunks]
                text = "\n".join(lines)
                if not text:
                    raise PhasegateError("Say what should change, or reject some hunks, before requesting changes.")
                await self._apply(wf.RequestPhaseChanges(text))
                await self.note("phase_changes", text=text)
                return await self.run_turn(self.session.current_phase or "") if run_model else None
            case Changes.PLAN:
                feedback = self._with_plan_comments(feedback)
                await self._apply(wf.RequestPlanChanges(feedback))
                await self.note("plan_changes", text=feedback)
                return await self.run_turn("planning") if run_model else None
        return await self.user_message(feedback)  # Changes.MESSAGE: elsewhere it is a chat message

    async def ask_again(self, feedback: str = "", *, run_model: bool = True) -> TurnResult | None:
        """The model's last reply was not the report (or plan) asked for: ask again, telling it what was wrong."""
        reply = self.session.unreadable_reply
        if reply is None:
            raise PhasegateError("The model's last reply was not refused, so there is nothing to ask again for.")
        await self._apply(wf.AskAgain(feedback))
        words = f"\n\nThe user adds: {feedback}" if feedback else ""
        if reply.kind == "research":
            await self.note("not_a_research_report", problem=reply.problem, user=words)
            return await self.run_turn("research") if run_model else None
        await self.note("not_a_plan", problem=reply.problem, user=words)
        return await self.run_turn("planning") if run_model else None

    async def reverse_hunks(self, hunks: list[tuple[str, int, str]]) -> None:
        from phasegate.phases.diffs import build_patch, parse_diff

        if self.session.active_phase is None or self.session.active_phase.base_sha is None:
            raise PhasegateError("No phase has changes to reject hunks from.")
        await self.follow_user_commits()
        base = self.session.active_phase.base_sha
        diff_text = await asyncio.to_thread(self.git.phase_diff, base)
        selection: dict[str, set[int]] = {}
        for path, index, _ in hunks:
            selection.setdefault(path, set()).add(index)
        patch = build_patch((f, sorted(selection[f.path])) for f in parse_diff(diff_text) if f.path in selection)
        await asyncio.to_thread(self.git.reverse_patch, patch)
        await self._emit(FilesChanged(tuple(selection)))

    async def reject(self, *, skip: bool = False, reason: str = "") -> None:
        """Reject: discard the phase's changes (redo it, or skip it), or skip the next pending phase."""
        s = self.session
        match gates.reject_means(s):
            case Reject.NOTHING:
                if s.stage == Stage.EXECUTING and s.active_phase is None:
                    raise PhasegateError("There is no phase left to skip.")
                raise PhasegateError("There is no phase to reject.")
            case Reject.SKIP_NEXT:
                assert s.next_pending is not None
                await self._apply(wf.SkipPhase(s.next_pending, reason))
                if self.session.stage == Stage.FINAL_REVIEW:
                    await self.prepare_final_review()
                return
            case Reject.DISCARD:
                pass
        active = s.active_phase
        if active is None or active.base_sha is None:
            raise PhasegateError("There is no phase to reject.")
        await self.follow_user_commits()
        base = self.session.active_phase.base_sha if self.session.active_phase else active.base_sha
        await asyncio.to_thread(self.git.discard_changes, base)
        await self._emit(FilesChanged(()))
        await self._apply(wf.RejectPhase(skip=skip, reason=reason))
        await self.note("phase_rejected", slug=active.slug, what="skipped" if skip else "to be redone from scratch",
                        why=f" Reason: {reason}" if reason else "")
        if self.session.stage == Stage.FINAL_REVIEW:
            await self.prepare_final_review()

    def check_rollback(self, slug: str) -> PhaseState:
        """Refuse (one sentence) a rollback the session could not record, before git does anything."""
        state = self._phase_or_error(slug)
        if state.status != PhaseStatus.COMMITTED:
            raise PhasegateError(f"Only a committed phase can be rolled back; {slug} is {state.status.value.replace('_', ' ')}.")
        if self.session.active_phase is not None:
            raise PhasegateError(
                f"The {self.session.active_phase.slug} phase has uncommitted work; approve or reject it before rolling back {slug}."
            )
        return state

    async def rollback(self, slug: str) -> str:
        """Revert a committed phase with ``git revert`` and record it (the workbench's ``u`` and
        ``phasegate rollback`` both come here)."""
        self.check_rollback(slug)
        sha = await asyncio.to_thread(lambda: self.git.revert_phase(slug, session_id=self.session.id))
        log.info("rollback phase=%s revert=%s", slug, sha)
        await self._apply(wf.RollbackPhase(slug, revert_sha=sha))
        await self.note("rolled_back", slug=slug, sha=sha[:8])
        return sha

    def rewind_plan(self, slug: str) -> list[PhaseState]:
        """The committed phases a rewind to before ``slug`` reverts, newest first; refuses (one sentence) a
        rewind the session could not record, before git does anything."""
        state = self._phase_or_error(slug)
        if self.session.active_phase is not None:
            raise PhasegateError(
                f"The {self.session.active_phase.slug} phase has uncommitted work; approve or reject it before rewinding."
            )
        if state.conversation_at is None:
            raise PhasegateError(
                f"The {slug} phase has not been started in this session (or started before phasegate recorded where "
                "phases start in the conversation), so there is nothing to rewind to."
            )
        later = self.session.phases[self.session.phases.index(state):]
        committed = [p for p in later if p.status == PhaseStatus.COMMITTED]
        # Newest first, as a user undoing by hand would: each revert applies on top of the later ones' reverts.
        return sorted(committed, key=lambda p: p.committed_at or p.started_at or utcnow(), reverse=True)

    async def rewind(self, slug: str) -> list[str]:
        """Rewind to before ``slug``: ``git revert`` the committed phases from it on (newest first, exactly as
        ``rollback`` does), then record each revert and the rewind (the phases pending again, the model's
        conversation trimmed back to where ``slug`` started; the transcript keeps it). Returns the revert shas."""
        reverts: list[str] = []
        for state in self.rewind_plan(slug):
            sha = await asyncio.to_thread(self.git.revert_phase, state.slug, session_id=self.session.id)
            log.info("rewind phase=%s revert=%s", state.slug, sha)
            await self._apply(wf.RollbackPhase(state.slug, revert_sha=sha))  # each revert recorded as it lands
            reverts.append(sha)
        later = [p.slug for p in self.session.phases[[p.slug for p in self.session.phases].index(slug):]]
        await self._apply(wf.RewindTo(slug, conversation_end=len(self.conversation)))
        await self.note("rewound", slug=slug, phases=", ".join(later),
                        reverts=", ".join(sha[:8] for sha in reverts) or "none")
        return reverts

    def _phase_or_error(self, slug: str) -> PhaseState:
        try:
            return self.session.phase_state(slug)
        except KeyError:
            names = ", ".join(p.slug for p in self.session.phases) or "none"
            raise PhasegateError(f"There is no phase named {slug!r} in this session (phases: {names}).") from None

    async def reprioritize(self, order: list[str]) -> None:
        await self._apply(wf.Reprioritize(tuple(order)))

    # ------------------------------------------------------------------ the user's plan edits
    async def edit_plan(self, event: wf.PlanEdit | wf.CommentOnPlan) -> None:
        """The user changed the plan under review (a new plan version, marked as theirs) or commented
        on a phase or task of it (kept for the next "request changes")."""
        if not isinstance(event, (wf.PlanEdit, wf.CommentOnPlan)):
            raise TypeError(f"{event.name} is not an edit of the plan")
        if self.busy:
            raise PhasegateError("The model is working; edit the plan when its turn ends.")
        await self._apply(event)

    def _plan_comment_facts(self) -> dict[str, str]:
        """The user's unsent plan comments as the facts of their notes (``prompts/notes.md``), or {}."""
        from phasegate.phases.plan_markdown import comment_lines

        s = self.session
        if not s.plan_comments or s.plan is None:
            return {}
        return {"version": str(s.plan_version), "comments": "\n".join(comment_lines(s.plan, s.plan_comments))}

    def _with_plan_comments(self, feedback: str) -> str:
        """The user's words and their plan comments, as the one "plan changes" message to the model."""
        from phasegate import prompts

        facts = self._plan_comment_facts()
        comments = prompts.note_text("plan_comments", **facts) if facts else ""
        return "\n\n".join(part for part in (feedback, comments) if part)

    # ------------------------------------------------------------------ the phase's changes
    def phase_base(self, session: Session | None = None) -> str | None:
        """The commit the open phase's changes count from: its base, or HEAD when the user committed by
        hand on top of it. Reads only (safe in a thread); ``follow_user_commits`` records the move."""
        active = (session or self.session).active_phase
        if active is None or active.base_sha is None:
            return None
        return self._base_moved_to(active.base_sha) or active.base_sha

    def phase_diff(self) -> str:
        """The open phase's diff (reads only: safe in a thread)."""
        base = self.phase_base()
        return self.git.phase_diff(base) if base else ""

    def phase_schema(self) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
        """The live Schema tab's content: the open phase's slug, the working tree's schema and its changes
        since the phase's base (the same comparison as the phase review's; no changes outside a phase).
        Reads only: call it in a thread. Reads are serialised, so a refresh superseded while it ran
        never parses the same tree at the same time as the next one."""
        from phasegate.app.session.review import schema_change

        with self._schema_lock:
            slug = self.session.current_phase or ""
            schema, changes = schema_change(self.git.root, self.phase_base(), None)
        return slug, schema, changes

    def _base_moved_to(self, base: str) -> str | None:
        """HEAD, when it is a descendant of ``base`` other than ``base`` itself (git reads only)."""
        head = self.git.head_sha()
        if head == base:
            return None
        if not self.git.is_ancestor(base, head):
            return None
        return head

    async def follow_user_commits(self) -> str | None:
        """The user committed by hand during the phase: their commit is theirs; the phase continues from it.

        Otherwise the phase diff would present their commit as the model's work, and rejecting the phase
        would delete their committed files from the working tree. Only a HEAD that descends from the
        phase's base is followed (a rewritten history is left for the commit to refuse). Returns a sentence
        for the UI when the base moved. Call it before showing, committing or discarding the phase.
        """
        active = self.session.active_phase
        if active is None or active.base_sha is None:
            return None
        head = await asyncio.to_thread(self._base_moved_to, active.base_sha)
        if head is None:
            return None
        await self._apply(wf.MovePhaseBase(head))
        log.info("phase_base_moved phase=%s base=%s", active.slug, head)
        return (f"You committed by hand during the {active.slug} phase (HEAD is now {head[:8]}); "
                "the phase's changes are counted from your commit.")

