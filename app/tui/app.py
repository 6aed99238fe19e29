"""The workbench: the Textual App that puts the plan, the chat, the viewer and the gates on one screen.

The App owns the ``Controller`` (and through it the session). It composes, binds keys and handles
Messages; the rest lives beside it: ``bridge.py`` turns controller and agent events into Messages,
``views.py`` renders the session into the widgets (one cache of what is shown), ``gate_flows.py`` is
what each gate key does, ``palette.py`` the command palette. Slow work — model turns, git, the review
analyzers — runs in workers; thread workers only compute and post their result, and the handlers
here, on the event loop, make every change (the session only through the controller).

Gates: every approval key and button is enabled only when ``Controller.gate()`` (``phases/gates.py``)
allows it (``check_action``), never while the model works, and not during the grace period after a gate
or a decision modal appears (``grace``, 0.5 s; tests pass 0). Keys typed into the chat input are text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Tab, TabbedContent, TabPane, Tabs

from phasegate.app.tui import bridge
from phasegate.app.tui.views import ShownReview, Views, short_args
from phasegate.widgets._support import GRACE_SECONDS
from phasegate.widgets.approval_bar import ApprovalBar, BarAction
from phasegate.widgets.chat import AssistantHandle, Chat
from phasegate.widgets.commands_log import CommandsLog
from phasegate.widgets.diff_view import DiffView
from phasegate.widgets.markdown_pane import MarkdownPane
from phasegate.widgets.plan_checklist import PlanChecklist
from phasegate.widgets.schema_view import SchemaView
from phasegate.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from phasegate.app.agent.tools import CommandDecision, CommandRequest
    from phasegate.app.config import LoadedSettings, Settings
    from phasegate.app.session.controller import Controller

NARROW_WIDTH = 120
#: Seconds the live Diff and Schema tabs wait after the model's last write before reading it again.
LIVE_REFRESH_DELAY = 0.4
T = TypeVar("T")
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
        settings_loader: Callable[[], LoadedSettings] | None = None,
        task: str = "",
        resume: bool | None = None,
        banner: str | None = None,
        warnings: list[str] | None = None,
        open_controller: ControllerFactory | None = None,
        grace: float = GRACE_SECONDS,
    ) -> None:
        super().__init__()
        self.repo = repo
        # Settings may arrive later: loading them imports pydantic-settings, which the first frame need
        # not wait for. ``settings_loader`` returns a LoadedSettings (settings + warnings).
        self.settings: Settings | None = settings
        self.settings_loader = settings_loader
        self.initial_task = task.strip()
        self.resume_choice = resume
        self.banner = banner
        self.startup_warnings = list(warnings or [])
        self.open_controller_factory = open_controller
        self.grace = grace  # for the approval bar and every decision modal
        self.controller: Controller | None = None
        self.views = Views(self)
        self.review: ShownReview | None = None
        self._assistant: AssistantHandle | None = None
        self._pending_messages: list[str] = []
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
        yield ApprovalBar(id="approval-bar", grace=self.grace)
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
        # Opening the repository runs git and reads the store: do it after the first paint.
        self.call_after_refresh(self._open)

    def on_resize(self, event: events.Resize) -> None:
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

    # ------------------------------------------------------------------ opening the session (opening.py)
    @work(exclusive=True, group="open", exit_on_error=False)
    async def _open(self) -> None:
        from phasegate.app.tui.opening import open_session

        await open_session(self)

    def start_pending(self) -> None:
        """After opening: send what the user typed while the session was opening."""
        for text in self._pending_messages:
            self._send(text)
        self._pending_messages.clear()

    # ------------------------------------------------------------------ workers: compute, then post
    @work(thread=True, exclusive=True, group="summary", exit_on_error=False)
    def load_repo_summary(self) -> None:
        from phasegate.app.analyzers.scan import scan_repository, summary_markdown

        c = self.controller
        if c is not None:
            self.post_message(bridge.RepoSummaryReady(summary_markdown(scan_repository(c.git.root))))

    @on(bridge.RepoSummaryReady)
    def _on_repo_summary(self, message: bridge.RepoSummaryReady) -> None:
        if self.controller is not None:
            self.controller.set_repo_summary(message.summary)
            self.views.show_research()

    @work(exclusive=True, group="diff", exit_on_error=False)
    async def refresh_diff(self, delay: float = 0) -> None:
        """Show the open phase's diff (a commit the user made by hand is followed first). ``delay``
        debounces the model's writes: each new write restarts this exclusive worker, so a burst of writes
        reads the diff once, after the last."""
        c = self.controller
        if c is None:
            return
        if delay:
            await asyncio.sleep(delay)
        await self._follow_user_commits()
        self.post_message(bridge.PhaseDiffReady(await asyncio.to_thread(c.phase_diff)))

    @on(bridge.PhaseDiffReady)
    def _on_phase_diff(self, message: bridge.PhaseDiffReady) -> None:
        self.views.show_diff(message.text)

    async def _follow_user_commits(self) -> None:
        assert self.controller is not None
        moved = await self.guarded(self.controller.follow_user_commits())
        if moved:
            self.chat.add_notice(moved, "warning")

    def schedule_schema(self, delay: float = LIVE_REFRESH_DELAY) -> None:
        """Read the open phase's live schema after ``delay`` seconds without a newer request."""
        self.refresh_schema(delay)

    @work(exclusive=True, group="schema", exit_on_error=False)
    async def refresh_schema(self, delay: float) -> None:
        """The live Schema tab: the working tree's schema and its change since the phase's base, read in a
        thread (the readers parse files) and posted. Exclusive: a newer request cancels this one while it
        waits out ``delay``, which is the debounce."""
        c = self.controller
        if c is None:
            return
        if delay:
            await asyncio.sleep(delay)
        from phasegate.phases.models import Stage

        if c.session.stage != Stage.EXECUTING:  # the phase went to review meanwhile: its review reads the schema
            return
        phase, schema, changes = await asyncio.to_thread(c.phase_schema)
        self.post_message(bridge.SchemaReady(phase, schema, changes))

    @on(bridge.SchemaReady)
    def _on_schema_ready(self, message: bridge.SchemaReady) -> None:
        from phasegate.phases.models import Stage

        c = self.controller
        # Only while that phase executes: at its review the Schema tab shows the review's own schema.
        if c is not None and c.session.stage == Stage.EXECUTING and c.session.current_phase == message.phase:
            self.views.show_schema(message.phase, message.schema, message.changes)

    @work(exclusive=True, group="review", exit_on_error=False)
    async def load_review(self) -> None:
        """Compute the review of the phase under review in a thread; show it when it arrives."""
        from phasegate.app.session.review import blockers_from

        c = self.controller
        if c is None:
            return
        self.review = None  # what Approve commits is the review shown, and this one is not shown yet
        await self._follow_user_commits()  # a commit the user made by hand mid-phase is theirs
        facts = await asyncio.to_thread(c.compute_review)
        self.post_message(bridge.ReviewReady(facts, blockers_from(facts)))

    @on(bridge.ReviewReady)
    def _on_review(self, message: bridge.ReviewReady) -> None:
        self.review = self.views.show_review(message.review, message.blockers)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def load_final_report(self) -> None:
        c = self.controller
        if c is None:
            return
        report = c.session.final_report
        if not report:
            from phasegate.app.session.final_report import build_report

            report = build_report(c.session, c.git)
        self.post_message(bridge.FinalReportReady(report.get("markdown", "")))

    @on(bridge.FinalReportReady)
    def _on_final_report(self, message: bridge.FinalReportReady) -> None:
        self.views.show_report(message.markdown)

    @work(thread=True, exclusive=True, group="commit-diff", exit_on_error=False)
    def _show_commit(self, sha: str) -> None:
        assert self.controller is not None
        self.post_message(bridge.CommitDiffReady(self.controller.git.show_commit(sha)))

    @on(bridge.CommitDiffReady)
    def _on_commit_diff(self, message: bridge.CommitDiffReady) -> None:
        self.diff_view.set_diff(message.text)
        self.views.show_tab("diff-tab")

    # ------------------------------------------------------------------ controller events (bridge.py)
    @on(bridge.ModelText)
    async def _on_model_text(self, message: bridge.ModelText) -> None:
        if self._assistant is None:
            self._assistant = self.chat.begin_assistant()
        await self._assistant.append(message.event.text)

    @on(bridge.ToolStarted)
    async def _on_tool_started(self, message: bridge.ToolStarted) -> None:
        await self._finish_assistant()
        self.chat.add_tool_call(message.event.call_id, message.event.name, short_args(message.event.arguments))

    @on(bridge.ToolFinished)
    def _on_tool_finished(self, message: bridge.ToolFinished) -> None:
        self.chat.complete_tool_call(message.event.call_id, message.event.ok, message.event.summary)
        if message.event.name == "run_command":
            self.views.refresh_commands()

    @on(bridge.Notice)
    def _on_notice(self, message: bridge.Notice) -> None:
        self.chat.add_notice(message.event.text, message.event.severity)
        if message.event.severity == "error":
            self.notify(message.event.text, severity="error", timeout=8)

    @on(bridge.UsageChanged)
    def _on_usage(self) -> None:
        self.views.refresh_header()

    @on(bridge.ReplyProgress)
    def _on_reply_progress(self, message: bridge.ReplyProgress) -> None:
        e = message.event
        self.chat.show_progress(e.tokens, e.elapsed_s, e.tokens_per_s, e.done)

    @on(bridge.TurnBegan)
    def _on_turn_began(self, message: bridge.TurnBegan) -> None:
        self.chat.set_busy(True, f"model working ({message.event.label})… escape cancels")
        self.views.refresh_gate()

    @on(bridge.TurnFinished)
    async def _on_turn_finished(self) -> None:
        await self._finish_assistant()
        self.chat.set_busy(False)
        self.views.refresh_all()

    @on(bridge.SessionUpdated)
    def _on_session_updated(self) -> None:
        self.views.refresh_all()

    @on(bridge.FilesUpdated)
    def _on_files_updated(self) -> None:
        from phasegate.phases.models import Stage

        c = self.controller
        if c is not None and c.session.stage == Stage.EXECUTING:  # the model is writing: debounce
            self.refresh_diff(LIVE_REFRESH_DELAY)
            self.schedule_schema()
        else:  # the user's own action (hunks reversed at review, a phase discarded): at once
            self.refresh_diff()

    async def _finish_assistant(self) -> None:
        if self._assistant is not None:
            handle, self._assistant = self._assistant, None
            await handle.finish()

    # ------------------------------------------------------------------ gates (gate_flows.py)
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

    def action_gate(self, name: BarAction) -> None:
        self.bar.trigger(name)

    @on(ApprovalBar.ChecklistChanged)
    def _on_checklist_changed(self) -> None:
        self.views.refresh_gate()  # approve is held back until the checklist is complete: the footer says so

    @on(ApprovalBar.Action)
    def _on_gate_action(self, event: ApprovalBar.Action) -> None:
        from phasegate.app.tui import gate_flows

        c = self.controller
        if c is None or c.busy:
            self.notify("The model is still working; wait for its turn to end.", severity="warning")
            return
        flows: dict[BarAction, Callable[[Workbench], Coroutine[Any, Any, None]]] = {
            "approve": gate_flows.approve,
            "request-changes": gate_flows.request_changes,
            "reject": gate_flows.reject,
            "rollback": gate_flows.rollback,
        }
        self.run_worker(flows[event.name](self), group="gate", exclusive=True, exit_on_error=False)

    async def guarded(self, coro: Awaitable[T]) -> T | None:
        """Await a controller action; a refusal becomes a one-line notice, never a crash. An approval
        that needs an override or a fresh look at the review is the caller's to handle."""
        from phasegate.app.errors import PhasegateError
        from phasegate.app.session.review import ApprovalBlocked, ReviewChanged
        from phasegate.phases.workflow import WorkflowError

        try:
            return await coro
        except (ApprovalBlocked, ReviewChanged):
            raise
        except (PhasegateError, WorkflowError) as exc:
            self.chat.add_notice(str(exc), "error")
            self.notify(str(exc), severity="error", timeout=8)
            return None
        finally:
            self.views.refresh_all()

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
        self.run_turn(c.user_message(text))

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def run_turn(self, coro: Awaitable[object]) -> None:
        await self.guarded(coro)

    @on(Chat.CancelRequested)
    def _on_cancel(self) -> None:
        self.action_cancel_turn()

    @on(Chat.LeaveRequested)
    def _on_leave_chat(self) -> None:
        # Escape with no turn running: out of the input, to the plan, where y/e/n/u reach the gate.
        if self.screen.has_class("-narrow"):
            self.query_one("#narrow-tabs", Tabs).active = "pane-plan"
        self.plan_widget.plan_tree.focus()

    def action_cancel_turn(self) -> None:
        c = self.controller
        if c is not None and c.cancel():
            self.chat.add_notice("Cancelling the model's turn…", "warning")

    # ------------------------------------------------------------------ command approval (called by tools)
    async def approve_command(self, request: CommandRequest) -> CommandDecision:
        from phasegate.app.agent.tools import CommandDecision
        from phasegate.app.tui.screens.command_approval import CommandApprovalScreen
        from phasegate.app.tui.screens.migration_confirm import MigrationConfirmScreen

        if request.kind == "migration":
            confirmed = await self.push_screen_wait(
                MigrationConfirmScreen(request.command, request.target_database, request.reason, grace=self.grace)
            )
            # The screen only returns True after the word was typed; the runner checks the word again.
            return CommandDecision(approved=bool(confirmed), typed_confirmation="migrate" if confirmed else None)
        warnings = list(request.warnings)
        if request.kind == "network":
            warnings.insert(0, "This command reaches the network or reads secrets outside the repository.")
        choice = await self.push_screen_wait(
            CommandApprovalScreen(request.command, request.cwd, request.reason, warnings, kind=request.kind,
                                  grace=self.grace)
        )
        if choice is None:
            return CommandDecision(approved=False, note="dismissed")
        if choice.always_allow and self.controller is not None:
            self.controller.allow_command(request.command)
            self.chat.add_notice(f"`{request.command}` is allowed for the rest of this session.")
        return CommandDecision(approved=choice.approved, note=choice.note)

    # ------------------------------------------------------------------ command palette (palette.py)
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from phasegate.app.tui.palette import system_commands

        yield from super().get_system_commands(screen)
        yield from system_commands(self)

    def run_palette(self, flow: Coroutine[Any, Any, None]) -> None:
        self.run_worker(flow, group="palette", exclusive=True, exit_on_error=False)

    def copy_to_clipboard(self, text: str) -> None:
        """OSC 52 (Textual) and, where one exists, the OS clipboard too: not every terminal honours OSC 52."""
        from phasegate.app.tui.clipboard import copy_to_os_clipboard

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
        self.views.show_tab(tab)
        if self.screen.has_class("-narrow"):
            self.query_one("#narrow-tabs", Tabs).active = "pane-viewer"

    def action_help(self) -> None:
        from phasegate.app.tui.screens.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    @on(DiffView.HunkRejectRequested)
    def _on_hunk_reject_requested(self, event: DiffView.HunkRejectRequested) -> None:
        from phasegate.app.tui.screens.hunk_reason import HunkReasonScreen

        view = event.control
        self.push_screen(HunkReasonScreen(event.path, event.hunk_index, event.header, grace=self.grace),
                         lambda reason: view.reject_hunk(event.path, event.hunk_index, reason))

    @on(PlanChecklist.TaskToggled)
    async def _on_task_toggled(self, event: PlanChecklist.TaskToggled) -> None:
        from phasegate.phases.workflow import WorkflowError

        c = self.controller
        if c is None:
            return
        try:
            await c.tick_task(event.task_id, event.done)
        except WorkflowError as exc:
            self.notify(str(exc), severity="warning")
        self.views.refresh_plan()

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

    @on(PlanChecklist.VersionSelected)
    def _on_version_selected(self, event: PlanChecklist.VersionSelected) -> None:
        from phasegate.phases.plan_markdown import version_markdown

        c = self.controller
        if c is None:
            return
        versions = {v.version: v for v in c.session.plan_versions}
        chosen = versions.get(event.version)
        if chosen is None:
            return
        text = version_markdown(chosen, versions.get(event.version - 1))  # who made it: "you" or "model"
        self.views.show_report(text)
        self.views.show_tab("report-tab")

    @on(PlanChecklist.EditRequested)
    def _on_plan_edit_requested(self, event: PlanChecklist.EditRequested) -> None:
        from phasegate.app.tui.plan_edits import perform

        self.run_worker(perform(self, event), group="plan-edit", exclusive=True, exit_on_error=False)

    async def action_quit(self) -> None:
        if self.controller is not None:
            self.controller.cancel()
            await self.controller.aclose()
        self.exit(self.exit_code)
