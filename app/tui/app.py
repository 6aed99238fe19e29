"""The workbench: the Textual App that puts the plan, the chat, the viewer and the gates on one screen.

The App owns the ``Controller`` (and through it the session). Slow work — model turns, git, the
review analyzers — runs in workers; the controller's events arrive here (on the App's loop) and
are rendered into the widgets, which never touch git, the network or the disk themselves.

Gates: every approval key and button is enabled only when ``Controller.gate()`` allows it
(``check_action``), never while the model works, and not during the half second after a gate
appears (the approval bar's grace period). Keys typed into the chat input are text, not commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Tab, TabbedContent, TabPane, Tabs

from phasegate.widgets.approval_bar import SECURITY_ITEMS, ApprovalBar
from phasegate.widgets.chat import AssistantHandle, Chat
from phasegate.widgets.commands_log import CommandsLog
from phasegate.widgets.diff_view import DiffView
from phasegate.widgets.markdown_pane import MarkdownPane
from phasegate.widgets.plan_checklist import PlanChecklist
from phasegate.widgets.schema_view import SchemaView
from phasegate.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from phasegate.app.agent.tools import CommandDecision, CommandRequest
    from phasegate.app.config import Settings
    from phasegate.app.session.controller import Controller

NARROW_WIDTH = 120
GATE_ACTIONS = {"approve": "approve", "request_changes": "request-changes", "reject": "reject", "rollback": "rollback"}

ControllerFactory = Callable[..., "Controller"]


class Workbench(App[int]):
    """phasegate's terminal workbench."""

    CSS_PATH = "app.tcss"
    TITLE = "phasegate"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("y", "gate('approve')", "Approve", id="approve"),
        Binding("e", "gate('request-changes')", "Changes", id="request-changes"),
        Binding("n", "gate('reject')", "Reject", id="reject"),
        Binding("u", "gate('rollback')", "Roll back", id="rollback"),
        Binding("c", "focus_checklist", "Checklist", id="security-checklist"),
        Binding("d", "show_tab('diff-tab')", "Diff", id="show-diff"),
        Binding("s", "show_tab('schema-tab')", "Schema", id="show-schema"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("escape", "cancel_turn", "Cancel turn", id="cancel", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(
        self,
        repo: Path,
        settings: Settings | None = None,
        *,
        settings_loader: Callable[[], Any] | None = None,
        task: str = "",
        resume: bool | None = None,
        banner: str | None = None,
        warnings: list[str] | None = None,
        open_controller: ControllerFactory | None = None,
    ) -> None:
        super().__init__()
        self.repo = repo
        # Settings may arrive later: loading them imports pydantic-settings, which the first frame need
        # not wait for. ``settings_loader`` returns a LoadedSettings (settings + warnings).
        self.settings: Settings | None = settings
        self._settings_loader = settings_loader
        self.initial_task = task.strip()
        self.resume_choice = resume
        self.banner = banner
        self.startup_warnings = list(warnings or [])
        self._open_controller = open_controller
        self.controller: Controller | None = None
        self._assistant: AssistantHandle | None = None
        self._pending_messages: list[str] = []
        self._diff_shown_for: tuple[str, int] | None = None
        self._report_shown_for: str | None = None
        # What the viewer tabs show now, so a session change re-renders only what changed.
        self._shown: dict[str, Any] = {"research": "", "report": "", "commands": -1}
        self._gate_shown_at = 0.0
        self.review: Any = None
        self.exit_code = 0

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status")
        yield Tabs(Tab("Plan", id="pane-plan"), Tab("Chat", id="pane-chat"), Tab("Viewer", id="pane-viewer"), id="narrow-tabs")
        with Horizontal(id="panes"):
            yield PlanChecklist(id="plan")
            yield Chat(id="chat")
            with TabbedContent(id="viewer", initial="diff-tab"):
                with TabPane("Diff", id="diff-tab"):
                    yield DiffView(id="diff")
                with TabPane("Schema", id="schema-tab"):
                    yield SchemaView(id="schema")
                with TabPane("Research", id="research-tab"):
                    yield MarkdownPane(id="research")
                with TabPane("Report", id="report-tab"):
                    yield MarkdownPane(id="report")
                with TabPane("Commands", id="commands-tab"):
                    yield CommandsLog(id="commands")
        yield ApprovalBar(id="approval-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#narrow-tabs", Tabs).active = "pane-chat"  # the conversation comes first
        self.chat.focus_input()
        self._apply_width(self.size.width)
        if self.banner:
            self.chat.add_notice(self.banner, "warning")
        for warning in self.startup_warnings:
            self.chat.add_notice(warning, "warning")
        self.header.update_status(repo=str(self.repo), model=self.settings.model if self.settings else "…")
        # Opening the repository imports GitPython and reads the store: do it after the first paint.
        self.call_after_refresh(self._open)

    def on_resize(self, event: Any) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        narrow = width < NARROW_WIDTH
        self.screen.set_class(narrow, "-narrow")
        if narrow:
            self._show_pane(self.query_one("#narrow-tabs", Tabs).active or "pane-chat")

    @on(Tabs.TabActivated, "#narrow-tabs")
    def _narrow_tab(self, event: Tabs.TabActivated) -> None:
        self._show_pane(event.tab.id or "pane-chat")

    def _show_pane(self, tab_id: str) -> None:
        for pane_id, widget_id in (("pane-plan", "#plan"), ("pane-chat", "#chat"), ("pane-viewer", "#viewer")):
            self.query_one(widget_id).set_class(pane_id == tab_id, "-shown")

    # ------------------------------------------------------------------ widget shortcuts
    @property
    def chat(self) -> Chat:
        return self.query_one("#chat", Chat)

    @property
    def bar(self) -> ApprovalBar:
        return self.query_one("#approval-bar", ApprovalBar)

    @property
    def header(self) -> StatusHeader:
        return self.query_one("#status", StatusHeader)

    @property
    def plan_widget(self) -> PlanChecklist:
        return self.query_one("#plan", PlanChecklist)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one("#diff", DiffView)

    # ------------------------------------------------------------------ opening the session
    @work(exclusive=True, group="open", exit_on_error=False)
    async def _open(self) -> None:
        from phasegate.app.errors import PhasegateError

        def import_controller() -> Any:
            # Off the event loop: the controller's imports take a few hundred ms, and the user may
            # already be typing.
            from phasegate.app.session.controller import Controller

            return Controller

        factory = self._open_controller or (await asyncio.to_thread(import_controller)).open
        resume = self.resume_choice
        try:
            if self.settings is None and self._settings_loader is not None:
                loaded = await asyncio.to_thread(self._settings_loader)
                self.settings = loaded.settings
                for warning in loaded.warnings:
                    self.chat.add_notice(warning, "warning")
                self.header.update_status(model=self.settings.model)
            from phasegate.app.logs import configure_logging

            configure_logging(self.settings)
            if resume is None:
                resume = await self._ask_resume()
            controller = await asyncio.to_thread(
                factory, self.repo, self.settings, approver=self._approve_command, listener=self._on_event,
                resume=resume, task=self.initial_task,
            )
        except PhasegateError as exc:
            self.chat.add_notice(str(exc), "error")
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.controller = controller
        for notice in [*getattr(controller.git, "notices", []), *getattr(controller, "recovered", [])]:
            self.chat.add_notice(notice, "warning")
        if controller.session.task and self.initial_task and controller.session.task != self.initial_task and resume:
            self.chat.add_notice(f"Resumed the unfinished session for: {controller.session.task}", "information")
        await self._replay_conversation()
        self._refresh_all()
        if not await self._handle_dirty_tree():
            return
        self._load_repo_summary()
        if controller.session.task and not controller.conversation:
            self.chat.add_user(f"Task: {controller.session.task}")
            self._run(controller.start())
        elif not controller.session.task:
            self.chat.add_notice("What should we build? Describe the task and send it with ctrl+j (or alt+enter).")
        for text in self._pending_messages:
            self._send(text)
        self._pending_messages.clear()

    async def _ask_resume(self) -> bool | None:
        from phasegate.app.git.service import GitService
        from phasegate.app.session.store import SessionStore
        from phasegate.app.tui.screens.resume_session import ResumeSessionScreen

        def latest() -> Any:
            try:
                return SessionStore(GitService.open(self.repo).git_dir).latest_unfinished()
            except Exception:
                return None

        session = await asyncio.to_thread(latest)
        if session is None:
            return False
        if self.initial_task and session.task != self.initial_task:
            self.chat.add_notice(f"An unfinished session exists for: {session.task}", "warning")
        choice = await self.push_screen_wait(ResumeSessionScreen(session))
        return choice == "resume"

    async def _handle_dirty_tree(self) -> bool:
        from phasegate.app.tui.screens.dirty_tree import DirtyTreeScreen

        c = self.controller
        assert c is not None
        if c.session.phases:  # a resumed session past plan approval: its own changes may be in the tree
            return True
        files = await asyncio.to_thread(c.git.dirty_files)
        if not files:
            return True
        choice = await self.push_screen_wait(DirtyTreeScreen(files))
        if choice == "baseline":
            sha = await asyncio.to_thread(c.git.commit_baseline)
            self.chat.add_notice(f"Your changes were committed separately as {sha[:8]} so they never mix with the AI's.")
        elif choice == "stash":
            await asyncio.to_thread(c.git.stash)
            self.chat.add_notice("Your changes were stashed; `git stash pop` brings them back.")
        else:
            self.chat.add_notice("Stopped: the working tree has changes. Commit or stash them, then start again.", "error")
            return False
        c.session.base_sha = await asyncio.to_thread(c.git.head_sha)
        c.store.save(c.session)
        return True

    @work(thread=True, exclusive=True, group="summary", exit_on_error=False)
    def _load_repo_summary(self) -> None:
        from phasegate.app.analyzers.scan import scan_repository, summary_markdown

        c = self.controller
        if c is None:
            return
        result = scan_repository(c.git.root)
        summary = summary_markdown(result)
        c.repo_summary = summary
        self.call_from_thread(self._show_research)

    def _show_research(self) -> None:
        """The Research tab: the report (once there is one) and the repository audit.

        Called on every session change, so it re-renders only when the text changed: a long report
        re-rendered on every ticked task was work on the hot path.
        """
        c = self.controller
        if c is None:
            return
        research = c.session.research.to_markdown() if c.session.research else ""
        text = "\n\n".join(part for part in (research, c.repo_summary) if part)
        if text and text != self._shown["research"]:
            self._shown["research"] = text
            self.query_one("#research", MarkdownPane).show(text)

    async def _replay_conversation(self) -> None:
        """Show a resumed session's transcript in the chat."""
        # Imported here: the agent module pulls in pydantic and the domain models, which the first
        # frame does not need (bench/bench_startup.py).
        from phasegate.app.agent.loop import DISPLAY_CAP_CHARS

        c = self.controller
        assert c is not None
        for message in c.conversation[-200:]:
            role, content = message.get("role"), message.get("content")
            if role == "user" and content:
                if content.startswith("[phasegate]"):
                    self.chat.add_notice(content.removeprefix("[phasegate] "))
                else:
                    self.chat.add_user(content)
            elif role == "assistant":
                if content:
                    handle = self.chat.begin_assistant()
                    await handle.append(content[:DISPLAY_CAP_CHARS])
                    await handle.finish()
                for call in message.get("tool_calls") or ():
                    entry_id = call["id"]
                    self.chat.add_tool_call(entry_id, call["function"]["name"], _replayed_args(call["function"].get("arguments", "")))
            elif role == "tool":
                self.chat.complete_tool_call(message.get("tool_call_id", ""), not str(content).startswith("Refused"), _first_line(str(content)))

    # ------------------------------------------------------------------ controller events
    async def _on_event(self, event: Any) -> None:
        from phasegate.app.agent.loop import (
            AgentNotice,
            AgentText,
            AgentToolFinished,
            AgentToolStarted,
            AgentUsage,
        )
        from phasegate.app.session.controller import FilesChanged, SessionChanged, TurnEnded, TurnStarted

        if isinstance(event, AgentText):
            if self._assistant is None:
                self._assistant = self.chat.begin_assistant()
            await self._assistant.append(event.text)
        elif isinstance(event, AgentToolStarted):
            await self._finish_assistant()
            self.chat.add_tool_call(event.call_id, event.name, _short_args(event.arguments))
        elif isinstance(event, AgentToolFinished):
            self.chat.complete_tool_call(event.call_id, event.ok, event.summary)
            if event.name == "run_command":
                self._refresh_commands()
        elif isinstance(event, AgentNotice):
            self.chat.add_notice(event.text, event.severity)
            if event.severity == "error":
                self.notify(event.text, severity="error", timeout=8)
        elif isinstance(event, AgentUsage):
            self._refresh_header()
        elif isinstance(event, TurnStarted):
            self.chat.set_busy(True, f"model working ({event.label})… escape cancels")
            self._refresh_gate()
        elif isinstance(event, TurnEnded):
            await self._finish_assistant()
            self.chat.set_busy(False)
            self._refresh_all()
        elif isinstance(event, SessionChanged):
            self._refresh_all()
        elif isinstance(event, FilesChanged):
            self._refresh_diff()

    async def _finish_assistant(self) -> None:
        if self._assistant is not None:
            handle, self._assistant = self._assistant, None
            await handle.finish()

    # ------------------------------------------------------------------ refreshing what is shown
    def _refresh_all(self) -> None:
        self._refresh_header()
        self._refresh_plan()
        self._refresh_gate()
        self._refresh_views()

    def _refresh_header(self) -> None:
        c = self.controller
        if c is None:
            return
        s = c.session
        self.header.update_status(
            repo=str(c.git.root),
            branch=s.branch or "(detached)",
            stage=s.stage.value,
            phase=s.current_phase or "",
            model=self.settings.model if self.settings else "…",
            tokens=s.usage.total_tokens,
            cost=s.usage.cost,
        )

    def _refresh_plan(self) -> None:
        c = self.controller
        if c is None:
            return
        s = c.session
        self.plan_widget.update_plan(s.plan, s.phases, s.current_phase)
        self.plan_widget.set_versions([(v.version, v.reason) for v in s.plan_versions])

    def _refresh_gate(self) -> None:
        c = self.controller
        if c is None:
            self.bar.set_gate(None, ())
            return
        gate = c.gate()
        self.bar.set_gate(gate.label, [GATE_ACTIONS[a] for a in gate.allowed])
        self.refresh_bindings()

    def _refresh_views(self) -> None:
        from phasegate.phases.models import Stage

        c = self.controller
        if c is None:
            return
        s = c.session
        self._show_research()
        key = (s.current_phase or "", len(s.history))
        if s.stage == Stage.PHASE_REVIEW and self._diff_shown_for != key:
            self._diff_shown_for = key
            self._load_review()
            self.query_one("#viewer", TabbedContent).active = "diff-tab"
        elif s.stage != Stage.PHASE_REVIEW and self.bar.checklist_state():
            self.bar.set_security_checklist(None)  # only when one is shown: hiding remounts the box
        if s.stage in (Stage.FINAL_REVIEW, Stage.DONE):
            self._load_final_report()
            if self._report_shown_for != s.id:
                self._report_shown_for = s.id  # show it once; the user may switch tabs afterwards
                self.query_one("#viewer", TabbedContent).active = "report-tab"
        self._refresh_commands()

    def _refresh_commands(self) -> None:
        c = self.controller
        if c is None:
            return
        runs = [run for p in c.session.phases for run in p.commands]
        if len(runs) != self._shown["commands"]:  # runs are only ever appended
            self._shown["commands"] = len(runs)
            self.query_one("#commands", CommandsLog).set_commands(runs)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _refresh_diff(self) -> None:
        c = self.controller
        if c is None:
            return
        text = c.phase_diff()
        self.call_from_thread(self._show_diff, text)

    def _show_diff(self, text: str) -> None:
        if text:
            self.diff_view.set_diff(text)
        else:
            self.diff_view.show_message("No changes in this phase yet.")

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load_review(self) -> None:
        from phasegate.app.session.review import blockers_from, review_facts

        c = self.controller
        if c is None:
            return
        moved = c.follow_user_commits()  # a commit the user made by hand mid-phase is theirs, not the model's
        if moved:
            self.call_from_thread(self.chat.add_notice, moved, "warning")
        facts = review_facts(c)
        blockers = blockers_from(facts)
        self.call_from_thread(self._show_review, facts, blockers)

    def _show_review(self, facts: Any, blockers: list[Any]) -> None:
        self.review = (facts, blockers)
        self._show_diff(facts.diff)
        self.bar.set_security_checklist(list(SECURITY_ITEMS), facts.findings)
        self.query_one("#schema", SchemaView).show_schema(facts.schema_after, {"changes": facts.schema_changes})
        c = self.controller
        if c is not None and c.session.active_phase and c.session.active_phase.report:
            state = c.session.active_phase
            report = state.report.to_markdown(state.slug)
            if blockers:
                report += "\n## ⛔ Approval blocked until you override with a reason\n\n" + "\n".join(f"- {b.message}" for b in blockers)
            self._shown["report"] = report
            self.query_one("#report", MarkdownPane).show(report)
        self._refresh_gate()

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _load_final_report(self) -> None:
        c = self.controller
        if c is None:
            return
        report = c.session.final_report
        if not report:
            from phasegate.app.session.final_report import build_report

            report = build_report(c.session, c.git)
        markdown = report.get("markdown", "")
        if markdown != self._shown["report"]:
            self._shown["report"] = markdown
            self.call_from_thread(self.query_one("#report", MarkdownPane).show, markdown)

    # ------------------------------------------------------------------ gates
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "gate":
            name = str(parameters[0]) if parameters else ""
            bars = self.query(ApprovalBar)
            return bool(bars) and bars.first().is_allowed(name)
        if action == "cancel_turn":
            return bool(self.controller and self.controller.busy)
        if action == "focus_checklist":
            return bool(self.query("#security-items Checkbox"))
        return True

    def action_gate(self, name: str) -> None:
        self.bar.trigger(name)

    @on(ApprovalBar.Action)
    def _on_gate_action(self, event: ApprovalBar.Action) -> None:
        c = self.controller
        if c is None or c.busy:
            self.notify("The model is still working; wait for its turn to end.", severity="warning")
            return
        handlers = {
            "approve": self._do_approve,
            "request-changes": self._do_request_changes,
            "reject": self._do_reject,
            "rollback": self._do_rollback,
        }
        handlers[event.name]()

    @work(exclusive=True, group="gate", exit_on_error=False)
    async def _do_approve(self) -> None:
        from phasegate.app.session.controller import ApprovalBlocked
        from phasegate.app.tui.screens.reason_input import ReasonInputScreen

        c = self.controller
        assert c is not None
        try:
            result = await self._guarded(c.approve(run_model=False))
        except ApprovalBlocked as blocked:
            rules = "\n".join(f"• {b.message}" for b in blocked.blockers)
            reason = await self.push_screen_wait(
                ReasonInputScreen(
                    "Approval is blocked",
                    f"{rules}\n\nTo commit anyway, give the reason (it goes into the commit body).",
                    placeholder="why this is acceptable",
                    ok_label="Override and commit",
                )
            )
            if not reason:
                return
            result = await self._guarded(c.approve(overrides=[reason]))
        if isinstance(result, str) and result != "done":
            self.notify(f"Committed {result[:8]}", title="Phase approved")
        if result == "done":
            self.notify("Session done. Every phase is a commit; `phasegate log` lists them.", title="Final review approved")
        await self._continue_model_if_due()

    async def _continue_model_if_due(self) -> None:
        """After an approval that hands work to the model (start a phase, write the plan), run its turn."""
        from phasegate.phases.models import Stage

        c = self.controller
        assert c is not None
        s = c.session
        due = (
            s.stage == Stage.PLANNING
            or (s.stage == Stage.EXECUTING and s.active_phase is not None and not s.halted_reason and c.conversation
                and c.conversation[-1].get("role") == "user")
        )
        if due:
            await self._guarded(c.run_turn())

    @work(exclusive=True, group="gate", exit_on_error=False)
    async def _do_request_changes(self) -> None:
        from phasegate.app.tui.screens.reason_input import ReasonInputScreen

        c = self.controller
        assert c is not None
        rejected = self.diff_view.rejected_hunks()
        prefill = ""
        if self.review is not None:
            facts = self.review[0]
            failures = facts.failed_commands + facts.failed_steps
            if failures:
                prefill = "Fix the failing verification: " + "; ".join(failures)
        text = await self.push_screen_wait(
            ReasonInputScreen(
                "Request changes",
                f"What should the model change?{f' ({len(rejected)} rejected hunk(s) will be reversed and sent with it.)' if rejected else ''}",
                placeholder="e.g. wrap the two inserts in one transaction",
                initial=prefill,
                required=not rejected,
                ok_label="Send to the model",
            )
        )
        if text is None:
            return
        self.chat.add_user(text or "(rejected hunks)")
        await self._guarded(c.request_changes(text, rejected_hunks=rejected))

    @work(exclusive=True, group="gate", exit_on_error=False)
    async def _do_reject(self) -> None:
        from phasegate.app.tui.screens.reason_input import ReasonInputScreen

        c = self.controller
        assert c is not None
        gate = c.gate()
        reason = await self.push_screen_wait(
            ReasonInputScreen(
                gate.reject_label,
                "Its changes are discarded from the working tree (committed phases are not touched). Why?",
                placeholder="optional reason, sent to the model",
                required=False,
                ok_label=gate.reject_label,
            )
        )
        if reason is None:
            return
        skip = gate.reject_label.startswith("Skip")
        await self._guarded(c.reject(skip=skip, reason=reason))
        self._refresh_diff()

    @work(exclusive=True, group="gate", exit_on_error=False)
    async def _do_rollback(self) -> None:
        from phasegate.app.tui.screens.rollback_picker import RollbackCandidate, RollbackPickerScreen
        from phasegate.phases.models import PhaseStatus

        c = self.controller
        assert c is not None
        committed = [p for p in c.session.phases if p.status == PhaseStatus.COMMITTED and p.commit_sha]
        candidates = []
        for p in committed:
            files = await asyncio.to_thread(c.git.commit_files, p.commit_sha)
            heading = c.session.plan.phase(p.slug).heading if c.session.plan else p.slug
            candidates.append(RollbackCandidate(p.slug, heading, p.commit_sha or "", tuple(files)))
        slug = await self.push_screen_wait(RollbackPickerScreen(candidates))
        if not slug:
            return
        sha = await self._guarded(c.rollback(slug))
        if sha:
            self.notify(f"{slug} rolled back by {str(sha)[:8]}", title="Rollback")

    async def _guarded(self, coro: Any) -> Any:
        """Await a controller action; a refusal becomes a one-line notice, never a crash."""
        from phasegate.app.errors import PhasegateError
        from phasegate.app.session.controller import ApprovalBlocked
        from phasegate.phases.workflow import WorkflowError

        try:
            return await coro
        except ApprovalBlocked:
            raise
        except (PhasegateError, WorkflowError) as exc:
            self.chat.add_notice(str(exc), "error")
            self.notify(str(exc), severity="error", timeout=8)
            return None
        finally:
            self._refresh_all()

    # ------------------------------------------------------------------ chat
    @on(Chat.Submitted)
    def _on_submit(self, event: Chat.Submitted) -> None:
        self._send(event.text)

    def _send(self, text: str) -> None:
        if not text.strip():
            return
        c = self.controller
        if c is None:
            self._pending_messages.append(text)
            self.chat.add_user(text)
            return
        if c.busy:
            self.notify("The model is working; wait for it or press escape to cancel.", severity="warning")
            return
        self.chat.add_user(text)
        self._run(c.user_message(text))

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _run(self, coro: Any) -> None:
        await self._guarded(coro)

    @on(Chat.CancelRequested)
    def _on_cancel(self) -> None:
        self.action_cancel_turn()

    def action_cancel_turn(self) -> None:
        c = self.controller
        if c is not None and c.cancel():
            self.chat.add_notice("Cancelling the model's turn…", "warning")

    # ------------------------------------------------------------------ command approval (called by tools)
    async def _approve_command(self, request: CommandRequest) -> CommandDecision:
        from phasegate.app.agent.tools import CommandDecision
        from phasegate.app.tui.screens.command_approval import CommandApprovalScreen
        from phasegate.app.tui.screens.migration_confirm import MigrationConfirmScreen

        if request.kind == "migration":
            confirmed = await self.push_screen_wait(
                MigrationConfirmScreen(request.command, request.target_database, request.reason)
            )
            # The screen only returns True after the word was typed; the runner checks the word again.
            return CommandDecision(approved=bool(confirmed), typed_confirmation="migrate" if confirmed else None)
        warnings = list(request.warnings)
        if request.kind == "network":
            warnings.insert(0, "This command reaches the network or reads secrets outside the repository.")
        choice = await self.push_screen_wait(
            CommandApprovalScreen(request.command, request.cwd, request.reason, warnings)
        )
        if choice is None:
            return CommandDecision(approved=False, note="dismissed")
        if choice.always_allow and self.controller is not None:
            self.controller.tools.config.allowlist.append(request.command)
            self.chat.add_notice(f"`{request.command}` is allowed for the rest of this session.")
        return CommandDecision(approved=choice.approved, note=choice.note)

    # ------------------------------------------------------------------ command palette
    def get_system_commands(self, screen: Any) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        gate = self.controller.gate() if self.controller is not None else None
        allowed = gate.allowed if gate is not None else frozenset()
        if "approve" in allowed and gate is not None and gate.label:
            yield SystemCommand(gate.label, "The Approve gate (y)", lambda: self.bar.trigger("approve"))
        if "request_changes" in allowed:
            yield SystemCommand("Request changes", "Send the phase or plan back to the model (e)", lambda: self.bar.trigger("request-changes"))
        if "reject" in allowed and gate is not None:
            yield SystemCommand(gate.reject_label, "Discard the phase's changes (n)", lambda: self.bar.trigger("reject"))
        if "rollback" in allowed:
            yield SystemCommand("Roll back a phase…", "Revert a committed phase with git revert (u)", lambda: self.bar.trigger("rollback"))
        yield SystemCommand("Toggle unified/split diff", "Switch the diff view's layout (v in the diff)", self.diff_view.action_toggle_split)
        for tab, title in (("diff-tab", "Diff"), ("schema-tab", "Schema"), ("research-tab", "Research"), ("report-tab", "Report"), ("commands-tab", "Commands")):
            yield SystemCommand(f"Show {title}", f"Open the {title} tab of the viewer", lambda tab=tab: self.action_show_tab(tab))
        yield SystemCommand("Export report", "Write the session report to a Markdown file under .git/phasegate/", self.action_export_report)
        yield SystemCommand("Switch model…", "Use another model for the next turns", self.action_switch_model)
        if self.controller is not None and self.controller.session.stage.value == "plan_review":
            yield SystemCommand("Reorder or drop phases…", "Give the phase order, e.g. database, api, testing", self.action_reprioritize)
        yield SystemCommand("Copy last reply", "Copy the model's last message to the clipboard", self.action_copy_last_reply)

    @work(exclusive=True, group="palette", exit_on_error=False)
    async def action_switch_model(self) -> None:
        from phasegate.app.tui.screens.reason_input import ReasonInputScreen

        if self.settings is None or self.controller is None:
            return
        name = await self.push_screen_wait(
            ReasonInputScreen("Switch model", "The model name the endpoint knows (e.g. gpt-4o, qwen2.5-coder).",
                              initial=self.settings.model, ok_label="Switch")
        )
        if not name:
            return
        self.settings.model = name
        self.controller.settings.model = name
        self.controller._llm = None  # the next turn builds a client for the new model
        self._refresh_header()
        self.notify(f"Next turns use {name}.", title="Model switched")

    @work(exclusive=True, group="palette", exit_on_error=False)
    async def action_reprioritize(self) -> None:
        from phasegate.app.tui.screens.reason_input import ReasonInputScreen

        c = self.controller
        if c is None or c.session.plan is None:
            return
        order = await self.push_screen_wait(
            ReasonInputScreen("Reorder or drop phases", "Phases in the order to run them; leave one out to drop it.",
                              initial=", ".join(c.session.plan.slugs), ok_label="Apply")
        )
        if order:
            await self._guarded(c.reprioritize([p.strip() for p in order.replace(",", " ").split() if p.strip()]))

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def action_export_report(self) -> None:
        from phasegate.app.session.final_report import build_report

        c = self.controller
        if c is None:
            return
        report = c.session.final_report or build_report(c.session, c.git)
        path = c.store.root / "reports" / f"{c.session.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report["markdown"], encoding="utf-8")
        self.call_from_thread(self.notify, f"Report written to {path}", title="Export report")

    def action_copy_last_reply(self) -> None:
        c = self.controller
        replies = [m.get("content") for m in (c.conversation if c else []) if m.get("role") == "assistant" and m.get("content")]
        if not replies:
            self.notify("There is no reply to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(replies[-1])
        self.notify("Copied the last reply.")

    def copy_to_clipboard(self, text: str) -> None:
        """OSC 52 (Textual) and, where one exists, the OS clipboard too: not every terminal honours OSC 52."""
        super().copy_to_clipboard(text)
        copy_to_os_clipboard(text)

    # ------------------------------------------------------------------ misc actions
    def action_focus_checklist(self) -> None:
        """Jump to the first unticked item of the security checklist (space ticks, tab moves on)."""
        boxes = list(self.query("#security-items Checkbox"))
        target = next((b for b in boxes if not getattr(b, "value", False)), boxes[0] if boxes else None)
        if target is not None:
            target.focus()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#viewer", TabbedContent).active = tab
        if self.screen.has_class("-narrow"):
            self.query_one("#narrow-tabs", Tabs).active = "pane-viewer"

    def action_help(self) -> None:
        from phasegate.app.tui.screens.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    @on(PlanChecklist.TaskToggled)
    def _on_task_toggled(self, event: PlanChecklist.TaskToggled) -> None:
        c = self.controller
        if c is None:
            return
        from phasegate.phases import workflow as wf

        try:
            c.session = wf.apply(c.session, wf.MarkTaskDone(event.task_id, event.done))
            c.store.save(c.session)
        except wf.WorkflowError as exc:
            self.notify(str(exc), severity="warning")
        self._refresh_plan()

    @on(PlanChecklist.PhaseSelected)
    def _on_phase_selected(self, event: PlanChecklist.PhaseSelected) -> None:
        c = self.controller
        if c is None:
            return
        try:
            state = c.session.phase_state(event.slug)
        except KeyError:
            return
        if state.commit_sha:
            self._show_commit(state.commit_sha)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _show_commit(self, sha: str) -> None:
        c = self.controller
        assert c is not None
        text = c.git.show_commit(sha)
        self.call_from_thread(self._show_commit_diff, text)

    def _show_commit_diff(self, text: str) -> None:
        self.diff_view.set_diff(text)
        self.query_one("#viewer", TabbedContent).active = "diff-tab"

    @on(PlanChecklist.VersionSelected)
    def _on_version_selected(self, event: PlanChecklist.VersionSelected) -> None:
        from phasegate.phases.plan_markdown import diff_plans, render_plan

        c = self.controller
        if c is None:
            return
        versions = {v.version: v for v in c.session.plan_versions}
        chosen = versions.get(event.version)
        if chosen is None:
            return
        text = f"# Plan v{chosen.version}\n\n_{chosen.reason}_\n\n" + render_plan(chosen.plan)
        previous = versions.get(event.version - 1)
        if previous is not None:
            changes = diff_plans(previous.plan, chosen.plan)
            text += f"\n## Changes from v{previous.version}\n\n" + (
                "\n".join(f"- `{ch.describe()}`" for ch in changes) or "_none_"
            )
        self._shown["report"] = text
        self.query_one("#report", MarkdownPane).show(text)
        self.query_one("#viewer", TabbedContent).active = "report-tab"

    async def action_quit(self) -> None:
        if self.controller is not None:
            self.controller.cancel()
            await self.controller.aclose()
        self.exit(self.exit_code)


def copy_to_os_clipboard(text: str) -> bool:
    """Pipe ``text`` to the first clipboard tool found; never raises (a machine may have none)."""
    import shutil
    import subprocess

    for command in (["pbcopy"], ["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]):
        if shutil.which(command[0]):
            try:
                subprocess.run(command, input=text.encode("utf-8"), timeout=2, check=True, capture_output=True)
                return True
            except (OSError, subprocess.SubprocessError):
                continue
    return False


def _short_args(arguments: dict[str, Any]) -> str:
    parts = []
    for key, value in arguments.items():
        text = str(value).replace("\n", "⏎")
        parts.append(f"{key}={text[:40]}{'…' if len(text) > 40 else ''}")
    return ", ".join(parts)[:120]


def _replayed_args(raw: str) -> str:
    """A stored call's arguments shown as the live chat shows them (``key=value``)."""
    import json

    try:
        arguments = json.loads(raw or "{}")
    except ValueError:
        arguments = None
    if isinstance(arguments, dict):
        return _short_args(arguments)
    return raw.replace("\n", " ")[:120]


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0][:160] if stripped else ""
