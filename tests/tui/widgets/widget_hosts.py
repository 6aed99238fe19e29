"""Host apps for the workbench widgets: used by the Pilot tests and loaded by snap_compare by path
(``widget_hosts.py:NAME``). Each host records the messages its widget posts in ``app.posted``."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer

from phasegate.phases.findings import Finding
from phasegate.phases.models import ArchitecturalPhase, PhaseState, PhaseStatus, Plan, PlanComment, Task
from phasegate.widgets.approval_bar import SECURITY_ITEMS, ApprovalBar
from phasegate.widgets.chat import Chat
from phasegate.widgets.commands_log import CommandsLog
from phasegate.widgets.markdown_pane import MarkdownPane
from phasegate.widgets.plan_checklist import PlanChecklist
from phasegate.widgets.schema_view import SchemaView
from phasegate.widgets.status_header import StatusHeader


def sample_plan(done: tuple[str, ...] = ("database.1",)) -> Plan:
    plan = Plan(
        phases=[
            ArchitecturalPhase(
                slug="database",
                title="Database",
                tasks=[Task(title="Add users table migration"), Task(title="Index users.email")],
            ),
            ArchitecturalPhase(
                slug="api",
                title="API",
                tasks=[Task(title="POST /users endpoint"), Task(title="Validate request bodies")],
            ),
            ArchitecturalPhase(slug="testing", title="Testing", tasks=[Task(title="Integration tests for /users")]),
        ]
    )
    for phase in plan.phases:
        for task in phase.tasks:
            task.done = task.id in done
    return plan


def sample_states() -> list[PhaseState]:
    return [
        PhaseState(slug="database", status=PhaseStatus.COMMITTED, commit_sha="3f2a9c1d0e"),
        PhaseState(slug="api", status=PhaseStatus.IN_PROGRESS),
        PhaseState(slug="testing", status=PhaseStatus.PENDING),
    ]


SAMPLE_FINDINGS = [
    Finding("unvalidated_input", "medium", "api/users.py", 12, "request body not validated"),
    Finding("hardcoded_secret", "high", "config.py", 3, "hard-coded secret"),
]


class Recorder(App[None]):
    """Keeps every message of the types in ``RECORD`` that bubbles up to the App."""

    RECORD: tuple[type[Message], ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Message] = []

    def post_message(self, message: Message) -> bool:
        # Messages bubble to the App through post_message: record them on the way in.
        if isinstance(message, self.RECORD):
            self.posted.append(message)
        return super().post_message(message)


class ApprovalHost(Recorder):
    RECORD = (ApprovalBar.Action, ApprovalBar.ChecklistChanged)

    def __init__(self, clock=None, checklist: bool = False) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self._bar_clock = clock
        self._checklist = checklist

    def compose(self) -> ComposeResult:
        kwargs = {"clock": self._bar_clock} if self._bar_clock else {}
        yield ApprovalBar(id="approval-bar", **kwargs)

    def on_mount(self) -> None:
        bar = self.query_one(ApprovalBar)
        if self._checklist:
            bar.set_security_checklist(list(SECURITY_ITEMS), SAMPLE_FINDINGS)
            bar.set_gate("Commit phase api", {"approve", "request-changes", "reject"})
        else:
            bar.set_gate("Approve plan v2", {"approve", "request-changes"})


class PlanHost(Recorder):
    RECORD = (PlanChecklist.PhaseSelected, PlanChecklist.TaskToggled, PlanChecklist.VersionSelected)

    def compose(self) -> ComposeResult:
        yield PlanChecklist(id="plan")

    def on_mount(self) -> None:
        checklist = self.query_one(PlanChecklist)
        checklist.update_plan(sample_plan(), sample_states(), "api")
        checklist.set_versions([(1, "first plan"), (2, "dropped deployment")])
        checklist.plan_tree.focus()


class PlanEditHost(Recorder):
    """The checklist of a plan under review (editable), with a footer, and an App binding on ``c`` (as
    the workbench's security checklist key) to show where the key goes when the plan is not editable."""

    RECORD = (PlanChecklist.EditRequested, PlanChecklist.TaskToggled)
    BINDINGS = [Binding("c", "app_c", "App's c")]

    def __init__(self, editable: bool = True, comments: tuple[PlanComment, ...] = ()) -> None:
        super().__init__()
        self.editable = editable
        self.comments = comments
        self.app_c_pressed = 0

    def compose(self) -> ComposeResult:
        yield PlanChecklist(id="plan")
        yield Footer()

    def on_mount(self) -> None:
        checklist = self.query_one(PlanChecklist)
        pending = [PhaseState(slug=s.slug) for s in sample_states()]
        checklist.update_plan(sample_plan(done=()), pending, None, self.comments)
        checklist.set_versions([(1, "first draft", "model"), (2, "edited database.1", "user")])
        checklist.set_editable(self.editable)
        checklist.plan_tree.focus()

    def action_app_c(self) -> None:
        self.app_c_pressed += 1


SAMPLE_COMMENTS = (
    PlanComment(phase="database", task_id="database.2", text="make it a partial index on active users"),
    PlanComment(phase="api", text="version every route under /v1"),
)


class ChatHost(Recorder):
    """A chat under an App that, like the workbench, binds ``y`` to approve."""

    RECORD = (Chat.Submitted, Chat.CancelRequested, Chat.LeaveRequested)
    BINDINGS = [("y", "approve", "Approve")]

    def __init__(self) -> None:
        super().__init__()
        self.approvals = 0

    def action_approve(self) -> None:
        self.approvals += 1

    def compose(self) -> ComposeResult:
        yield Chat(id="chat")

    def on_mount(self) -> None:
        self.query_one(Chat).focus_input()


SAMPLE_SCHEMA = {
    "sources": ["db/schema.sql"],
    "tables": [
        {
            "name": "users",
            "columns": [
                {"name": "id", "type": "integer", "nullable": False, "default": None, "primary_key": True, "unique": False},
                {"name": "email", "type": "text", "nullable": False, "default": None, "primary_key": False, "unique": True},
                {"name": "age", "type": "bigint", "nullable": True, "default": "0", "primary_key": False, "unique": False},
            ],
            "indexes": [{"name": "users_email_idx", "columns": ["email"], "unique": True}],
            "foreign_keys": [],
        },
        {
            "name": "orders",
            "columns": [
                {"name": "id", "type": "integer", "nullable": False, "default": None, "primary_key": True, "unique": False},
                {"name": "user_id", "type": "integer", "nullable": False, "default": None, "primary_key": False, "unique": False},
            ],
            "indexes": [],
            "foreign_keys": [{"columns": ["user_id"], "ref_table": "users", "ref_columns": ["id"]}],
        },
    ],
    "enums": [{"name": "order_status", "values": ["new", "paid", "shipped"]}],
}

SAMPLE_DIFF = {
    "changes": [
        {"kind": "table_added", "table": "orders", "column": None, "before": None, "after": None, "destructive": False},
        {"kind": "column_changed", "table": "users", "column": "age", "before": {"type": "integer"},
         "after": {"type": "bigint"}, "destructive": False},
        {"kind": "column_removed", "table": "users", "column": "nickname", "before": {"type": "text"},
         "after": None, "destructive": True},
        {"kind": "table_removed", "table": "legacy_sessions", "column": None, "before": None, "after": None,
         "destructive": True},
    ]
}


class ChatTranscriptHost(ChatHost):
    """A finished exchange: user, tool calls, a streamed reply with a code fence, notices (for the snapshot)."""

    async def on_mount(self) -> None:
        chat = self.query_one(Chat)
        chat.add_user("Add a users table with a unique email.")
        chat.add_tool_call("1", "read_file", '{"path": "db/schema.sql"}')
        chat.complete_tool_call("1", True, "18 lines")
        chat.add_tool_call("2", "write_file", '{"path": ".git/config"}')
        chat.complete_tool_call("2", False, "refused: .git/ is off limits")
        handle = chat.begin_assistant()
        for chunk in ("## Migration\n\n", "```sql\nCREATE TABLE users (\n", "  email TEXT UNIQUE NOT NULL\n);\n```\n"):
            await handle.append(chunk)
        await handle.finish()
        chat.add_notice("HTTP 429 from the server, retrying in 2 s (attempt 2 of 5)", "warning")
        chat.focus_input()


class ChatFooterHost(ChatHost):
    """A chat with the footer under it: what escape means is shown there."""

    def compose(self) -> ComposeResult:
        yield Chat(id="chat")
        yield Footer()


class ChatProgressHost(ChatHost):
    """A reply streaming, with its progress line; the chat's clock is frozen so the snapshot is stable."""

    def compose(self) -> ComposeResult:
        yield Chat(id="chat", clock=lambda: 100.0)

    async def on_mount(self) -> None:
        chat = self.query_one(Chat)
        chat.add_user("Add a users table with a unique email.")
        handle = chat.begin_assistant()
        await handle.append("## Migration\n\nI will add the `users` table with a unique index on `email`, then ")
        chat.show_progress(1234, 67.5, 18.25)
        chat.focus_input()


chat_progress_app = ChatProgressHost()


class SchemaHost(App[None]):
    def compose(self) -> ComposeResult:
        yield SchemaView(id="schema")

    def on_mount(self) -> None:
        self.query_one(SchemaView).show_schema(SAMPLE_SCHEMA, SAMPLE_DIFF)


class PaneHost(App[None]):
    """A status header, a Markdown pane and a commands log stacked: the simple viewers."""

    CSS = "MarkdownPane { height: 1fr; } CommandsLog { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status")
        yield MarkdownPane(id="research")
        yield CommandsLog(id="commands")


approval_app = ApprovalHost()
approval_checklist_app = ApprovalHost(checklist=True)
plan_app = PlanHost()
plan_comments_app = PlanEditHost(comments=SAMPLE_COMMENTS)
schema_app = SchemaHost()
chat_app = ChatTranscriptHost()


def screen_lines(app: App) -> list[str]:  # type: ignore[type-arg]
    """The text the user sees on the active screen now, one string per terminal row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App) -> str:  # type: ignore[type-arg]
    return "\n".join(screen_lines(app))
