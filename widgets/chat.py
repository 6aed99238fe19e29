"""The chat pane: the conversation (anchored to the bottom while the model streams), a busy line, the input.

The App drives it: ``add_user``, ``begin_assistant`` (then ``await handle.append(chunk)`` …
``await handle.finish()``), ``add_tool_call`` / ``complete_tool_call``, ``add_notice``, ``set_busy``.
It reports the user's intent with ``Chat.Submitted(text)`` and ``Chat.CancelRequested()``; it does not
add the user's message itself, so the App can refuse a send (e.g. while a turn runs) and say why.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.await_remove import AwaitRemove
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from phasegate.widgets._support import clean, load_css
from phasegate.widgets.chat_input import ChatInput
from phasegate.widgets.chat_message import AssistantMessage, Notice, UserMessage
from phasegate.widgets.tool_entry import ToolEntry

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class AssistantHandle:
    """Streams one assistant reply into its ``Markdown`` through Textual's ``MarkdownStream``.

    Fragments are cleaned of control characters one by one; an escape sequence split across two
    fragments loses its ESC in the first and is plain text in the second, so nothing reaches the terminal.
    """

    def __init__(self, message: AssistantMessage, mounted: AwaitMount) -> None:
        self.message = message
        self._mounted: AwaitMount | None = mounted
        self._stream: MarkdownStream | None = None
        self.finished = False

    async def _ensure_stream(self) -> MarkdownStream:
        if self._mounted is not None:
            await self._mounted
            self._mounted = None
        if self._stream is None:
            self._stream = Markdown.get_stream(self.message.markdown)
        return self._stream

    async def append(self, text: str) -> None:
        if self.finished:
            raise RuntimeError("this assistant message is finished")
        fragment = clean(text)
        if not fragment:
            return
        self.message.text += fragment
        await (await self._ensure_stream()).write(fragment)

    async def finish(self) -> None:
        """Flush what is pending and stop the stream (idempotent)."""
        if self.finished:
            return
        self.finished = True
        if self._mounted is not None:
            await self._mounted
            self._mounted = None
        if self._stream is not None:
            await self._stream.stop()

    @property
    def text(self) -> str:
        return self.message.text


class Chat(Widget):
    DEFAULT_CSS = load_css(__file__)

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class CancelRequested(Message):
        pass

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(name=name, id=id, classes=classes)
        self._tools: dict[str, ToolEntry] = {}
        self._busy_timer: Timer | None = None
        self._busy_label = ""
        self._spin = 0

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat-log")
        yield Static(id="chat-busy")
        yield ChatInput(id="chat-input")

    def on_mount(self) -> None:
        self.log_view.anchor()
        self.query_one("#chat-busy", Static).display = False

    @property
    def log_view(self) -> VerticalScroll:
        return self.query_one("#chat-log", VerticalScroll)

    @property
    def input(self) -> ChatInput:
        return self.query_one("#chat-input", ChatInput)

    def focus_input(self) -> None:
        self.input.focus()

    # -- entries ---------------------------------------------------------------------------------------

    def _add(self, widget: Widget) -> AwaitMount:
        return self.log_view.mount(widget)

    def add_user(self, text: str) -> UserMessage:
        message = UserMessage(text)
        self._add(message)
        return message

    def begin_assistant(self, title: str = "assistant") -> AssistantHandle:
        message = AssistantMessage(title)
        return AssistantHandle(message, self._add(message))

    def add_tool_call(self, call_id: str, name: str, args_summary: str = "") -> ToolEntry:
        entry = ToolEntry(call_id, name, args_summary)
        self._tools[call_id] = entry
        self._add(entry)
        return entry

    def complete_tool_call(self, call_id: str, ok: bool, summary: str = "") -> None:
        entry = self._tools.get(call_id)
        if entry is None:  # a result for a call we never showed (e.g. after a resume): show it as a notice
            self.add_notice(f"tool result {'ok' if ok else 'error'}: {summary}", "information" if ok else "error")
            return
        entry.complete(ok, summary)

    def add_notice(self, text: str, severity: str = "information") -> Notice:
        notice = Notice(text, severity)
        self._add(notice)
        return notice

    def clear(self) -> AwaitRemove:
        self._tools.clear()
        return self.log_view.remove_children()

    def messages_text(self) -> list[str]:
        """The plain text of every entry, oldest first (what a copy would give)."""
        return [child.copy_text() for child in self.log_view.children if hasattr(child, "copy_text")]

    # -- busy line -------------------------------------------------------------------------------------

    def set_busy(self, busy: bool, label: str = "working…") -> None:
        busy_line = self.query_one("#chat-busy", Static)
        self._busy_label = clean(label) or "working…"
        busy_line.display = busy
        if busy:
            self._tick()
            if self._busy_timer is None:
                self._busy_timer = self.set_interval(0.1, self._tick)
        elif self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None

    @property
    def busy(self) -> bool:
        return self._busy_timer is not None

    def _tick(self) -> None:
        self._spin = (self._spin + 1) % len(SPINNER)
        self.query_one("#chat-busy", Static).update(
            Content.assemble((SPINNER[self._spin], "bold $accent"), " ", self._busy_label, ("  (esc to cancel)", "dim"))
        )

    # -- input -----------------------------------------------------------------------------------------

    @on(ChatInput.Send)
    def _send(self, event: ChatInput.Send) -> None:
        event.stop()
        self.post_message(self.Submitted(event.text))

    @on(ChatInput.Cancel)
    def _cancel(self, event: ChatInput.Cancel) -> None:
        event.stop()
        self.post_message(self.CancelRequested())
