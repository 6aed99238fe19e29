"""What the workbench shows: the header, the plan, the gate, the viewer tabs, and the chat replay.

``Views`` renders the controller's session into the widgets. It keeps ONE cache of what is shown
(``shown``), so a session change re-renders only what changed: a long report re-rendered on every
ticked task was work on the hot path. It never computes slow facts itself: the App's workers do, and
hand them here on the event loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.widgets import TabbedContent, Tabs

from phasegate.phases.text import first_line
from phasegate.widgets.approval_bar import SECURITY_ITEMS, BarAction
from phasegate.widgets.commands_log import CommandsLog
from phasegate.widgets.markdown_pane import MarkdownPane
from phasegate.widgets.schema_view import SchemaView

if TYPE_CHECKING:
    from phasegate.app.session.controller import Controller
    from phasegate.app.session.review import Blocker, ReviewFacts
    from phasegate.app.tui.app import Workbench
    from phasegate.phases.gates import GateAction
    from phasegate.phases.models import Session

#: The gate's actions (``phases.gates``) as the approval bar's ids and the App's key actions name them.
BAR_ACTIONS: dict[GateAction, BarAction] = {
    "approve": "approve", "request_changes": "request-changes", "reject": "reject", "rollback": "rollback",
}


#: The viewer's tabs that can carry a mark, by id, and the mark: a tab with content to look at.
TAB_TITLES = {"schema-tab": "Schema", "report-tab": "Report"}
TAB_MARK = "●"


def stage_moment(s: Session) -> tuple[object, ...]:
    """What the viewer follows: the stage, the phase, whether the research is in and whether a migration
    halted the phase. The viewer brings a tab to the front only when this changes."""
    active = s.active_phase
    return (s.stage, s.current_phase or "", s.research is not None, s.halted_reason is not None,
            len(active.migrations_run) if active is not None else 0)


def stage_tab(s: Session) -> str | None:
    """The tab a moment is about (None: leave the viewer as it is): the research once it arrives, the diff
    while a phase executes and at its review, the schema right after a migration ran, the report at the
    final review."""
    from phasegate.phases.models import Stage

    match s.stage:
        case Stage.RESEARCH:
            return "research-tab" if s.research is not None else None
        case Stage.EXECUTING if s.active_phase is not None:
            return "schema-tab" if s.halted_reason is not None else "diff-tab"
        case Stage.PHASE_REVIEW:
            return "diff-tab"
        case Stage.FINAL_REVIEW | Stage.DONE:
            return "report-tab"
    return None


@dataclass(frozen=True)
class ShownReview:
    """The review on screen: what Approve commits (``facts.identity``) and what blocks it."""

    facts: ReviewFacts
    blockers: list[Blocker]


class Views:
    def __init__(self, app: Workbench) -> None:
        self.app = app
        # Keys: "research"/"report" (the text shown), "commands" (runs shown), "gate" (the gate whose
        # bindings the footer shows), "review_for" (the phase and history length the review was loaded
        # for), "moment" (the ``stage_moment`` the viewer last followed), "report_for" (the phase whose
        # review the Report tab holds), "schema_changes_for" ((phase, any changes) the Schema tab shows),
        # "mark:<tab>" (whether that tab's label carries the mark).
        self.shown: dict[str, object] = {}

    @property
    def controller(self) -> Controller | None:
        return self.app.controller

    def forget(self, key: str) -> None:
        self.shown.pop(key, None)

    # ------------------------------------------------------------------ everything
    def refresh_all(self) -> None:
        self.refresh_header()
        self.refresh_plan()
        self.refresh_gate()
        self.refresh_viewer()

    def refresh_header(self) -> None:
        c = self.controller
        if c is None:
            return
        s = c.session
        self.app.header.update_status(
            repo=str(c.git.root),
            branch=s.branch or "(detached)",
            stage=s.stage.value,
            phase=s.current_phase or "",
            model=self.app.settings.model if self.app.settings else "…",
            tokens=s.usage.total_tokens,
            cost=s.usage.cost,
            estimated=s.usage.estimated_tokens > 0,
        )

    def refresh_plan(self) -> None:
        c = self.controller
        if c is None:
            return
        s = c.session
        from phasegate.phases.workflow import plan_editable

        self.app.plan_widget.update_plan(s.plan, s.phases, s.current_phase, s.plan_comments)
        self.app.plan_widget.set_versions([(v.version, v.reason, v.author) for v in s.plan_versions])
        self.app.plan_widget.set_editable(plan_editable(s) and not c.busy)

    def refresh_gate(self) -> None:
        c = self.controller
        if c is None:
            self.app.bar.set_gate(None, ())
            return
        gate = c.gate()
        allowed = [BAR_ACTIONS[a] for a in gate.allowed]
        self.app.bar.set_gate(gate.label, allowed, changes_label=gate.changes_label)
        shown = (gate.label, frozenset(allowed), self.app.bar.checklist_complete(), gate.changes_label)
        if shown != self.shown.get("gate"):  # the footer re-lays itself out on every bindings refresh
            self.shown["gate"] = shown
            self.app.refresh_bindings()

    def refresh_viewer(self) -> None:
        from phasegate.phases.models import Stage

        c = self.controller
        if c is None:
            return
        s = c.session
        self.show_research()
        key = (s.current_phase or "", len(s.history))
        if s.stage == Stage.PHASE_REVIEW and self.shown.get("review_for") != key:
            self.shown["review_for"] = key
            self.app.load_review()
        elif s.stage != Stage.PHASE_REVIEW and self.app.bar.checklist_state():
            self.app.bar.set_security_checklist(None)  # only when one is shown: hiding remounts the box
        if s.stage in (Stage.FINAL_REVIEW, Stage.DONE):
            self.app.load_final_report()
        self.follow_stage()
        self.refresh_commands()

    def follow_stage(self) -> None:
        """Bring the tab the stage is about to the front, once per moment of the session (``stage_moment``):
        a tab the user picks afterwards stays until the next moment. Entering a phase's execution (or a
        migration's halt) also reads its live schema at once."""
        from phasegate.phases.models import Stage

        c = self.controller
        if c is None:
            return
        s = c.session
        moment = stage_moment(s)
        if moment != self.shown.get("moment"):
            self.shown["moment"] = moment
            tab = stage_tab(s)
            if tab is not None:
                self.show_tab(tab)
                # In the narrow layout only one pane shows: at a gate, the one holding what is approved
                # (while a phase just executes, the chat stays in front: that is where the work shows).
                at_gate = not (s.stage == Stage.EXECUTING and s.halted_reason is None)
                if at_gate and self.app.screen.has_class("-narrow"):
                    self.app.query_one("#narrow-tabs", Tabs).active = "pane-viewer"
            if s.stage == Stage.EXECUTING and s.active_phase is not None:
                self.app.schedule_schema(0)  # the live Schema tab, not "No schema loaded."
        self.refresh_marks()

    def refresh_marks(self) -> None:
        """Mark (●) the Schema tab while it shows the open phase's schema changes, and the Report tab
        while it holds the report of the phase under review: content the user should look at."""
        from phasegate.phases.models import Stage

        c = self.controller
        if c is None:
            return
        s = c.session
        phase = s.current_phase or ""
        schema_for = self.shown.get("schema_changes_for")
        self.mark_tab("schema-tab", s.stage in (Stage.EXECUTING, Stage.PHASE_REVIEW) and bool(phase)
                      and schema_for == (phase, True))
        self.mark_tab("report-tab", s.stage == Stage.PHASE_REVIEW and bool(phase) and self.shown.get("report_for") == phase)

    def mark_tab(self, tab: str, marked: bool) -> None:
        if self.shown.get(f"mark:{tab}", False) == marked:
            return
        self.shown[f"mark:{tab}"] = marked
        title = TAB_TITLES[tab]
        self.app.query_one("#viewer", TabbedContent).get_tab(tab).label = f"{title} {TAB_MARK}" if marked else title

    def show_tab(self, tab: str) -> None:
        self.app.query_one("#viewer", TabbedContent).active = tab

    # ------------------------------------------------------------------ the viewer's tabs
    def refresh_commands(self) -> None:
        c = self.controller
        if c is None:
            return
        runs = [run for p in c.session.phases for run in p.commands]
        if len(runs) != self.shown.get("commands"):  # runs are only ever appended
            self.shown["commands"] = len(runs)
            self.app.query_one("#commands", CommandsLog).set_commands(runs)

    def show_research(self) -> None:
        """The Research tab: the report (once there is one) and the repository audit."""
        c = self.controller
        if c is None:
            return
        research = c.session.research.to_markdown() if c.session.research else ""
        text = "\n\n".join(part for part in (research, c.repo_summary) if part)
        if text and text != self.shown.get("research"):
            self.shown["research"] = text
            self.app.query_one("#research", MarkdownPane).show(text)

    def show_report(self, markdown: str, *, phase: str = "") -> None:
        """The Report tab, re-rendered only when its text changed; ``phase``: the phase whose review it is
        (its tab is marked while that phase is under review)."""
        self.shown["report_for"] = phase
        self.refresh_marks()
        if markdown != self.shown.get("report"):
            self.shown["report"] = markdown
            self.app.query_one("#report", MarkdownPane).show(markdown)

    def show_diff(self, text: str) -> None:
        if text:
            self.app.diff_view.set_diff(text)
        else:
            self.app.diff_view.show_message("No changes in this phase yet.")

    def show_schema(self, phase: str, schema: dict[str, Any] | None, changes: list[dict[str, Any]]) -> None:
        """The Schema tab: ``schema`` with ``changes`` on top, for ``phase`` (live, or its review)."""
        self.shown["schema_changes_for"] = (phase, bool(changes))
        self.app.query_one("#schema", SchemaView).show_schema(schema, {"changes": changes})
        self.refresh_marks()

    def show_review(self, facts: ReviewFacts, blockers: list[Blocker]) -> ShownReview:
        from phasegate.app.session.review_formats import render_markdown, repository_masker

        self.show_diff(facts.diff)
        self.app.bar.set_security_checklist(list(SECURITY_ITEMS), facts.findings)
        self.show_schema(facts.phase, facts.schema_after, facts.schema_changes)
        c = self.controller
        state = c.session.active_phase if c is not None else None
        if c is not None and state is not None and state.report:
            # The review is what `phasegate review <base> --format md` prints for the same range: one
            # renderer, so the two cannot drift (tests/tui/test_review_matches_cli.py).
            report = state.report.to_markdown(state.slug) + "\n\n" + render_markdown(facts, repository_masker(c.git.root))
            if blockers:
                report += "\n**⛔ Approval blocked until you override with a reason** (the blockers above).\n"
            self.show_report(report, phase=state.slug)
        self.refresh_gate()
        return ShownReview(facts, blockers)

    # ------------------------------------------------------------------ the chat of a resumed session
    async def replay_conversation(self) -> None:
        """Show a resumed session's transcript in the chat."""
        # Imported here: the agent module pulls in pydantic and the domain models, which the first
        # frame does not need (bench/bench_startup.py).
        from phasegate.app.agent.loop import DISPLAY_CAP_CHARS

        c = self.controller
        assert c is not None
        chat = self.app.chat
        for message in c.conversation[-200:]:
            role, content = message.get("role"), message.get("content")
            if role == "user" and content:
                if content.startswith("[phasegate]"):
                    chat.add_notice(content.removeprefix("[phasegate] "))
                else:
                    chat.add_user(content)
            elif role == "assistant":
                if content:
                    handle = chat.begin_assistant()
                    await handle.append(content[:DISPLAY_CAP_CHARS])
                    await handle.finish()
                for call in message.get("tool_calls") or ():
                    chat.add_tool_call(call["id"], call["function"]["name"], replayed_args(call["function"].get("arguments", "")))
            elif role == "tool":
                chat.complete_tool_call(message.get("tool_call_id", ""), not str(content).startswith("Refused"),
                                        first_line(str(content)))


def short_args(arguments: dict[str, Any]) -> str:
    """A tool call's arguments on one line, as the chat shows them (``key=value``)."""
    parts = []
    for key, value in arguments.items():
        text = str(value).replace("\n", "⏎")
        parts.append(f"{key}={text[:40]}{'…' if len(text) > 40 else ''}")
    return ", ".join(parts)[:120]


def replayed_args(raw: str) -> str:
    """A stored call's arguments shown as the live chat shows them."""
    try:
        arguments = json.loads(raw or "{}")
    except ValueError:
        arguments = None
    if isinstance(arguments, dict):
        return short_args(arguments)
    return raw.replace("\n", " ")[:120]
