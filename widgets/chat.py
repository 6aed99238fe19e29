"""The chat pane: the conversation (anchored to the bottom while the model streams), a busy line, the input.

The App drives it: ``add_user``, ``begin_assistant`` (then ``await handle.append(chunk)`` …
``await handle.finish()``), ``add_tool_call`` / ``complete_tool_call``, ``add_notice``, ``set_busy``.
It reports the user's intent with ``Chat.Submitted(text)`` and ``Chat.CancelRequested()``; it does not
add the user's message itself, so the App can refuse a send (e.g. while a turn runs) and say why.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

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
#: Seconds between two ``gc.freeze()`` of what the chat keeps alive (see ``Chat._freeze``).
FREEZE_EVERY = 2.0
#: Seconds between two Markdown updates of a streaming reply. A model sends tokens far faster than a
#: reader can see them, and each update re-parses the reply's last block and lays the log out again:
#: fragments that arrive within this interval are written to the Markdown together.
FLUSH_INTERVAL = 1 / 20


class AssistantHandle:
    """Streams one assistant reply into its ``Markdown`` through Textual's ``MarkdownStream``.

    Fragments are cleaned of control characters one by one; an escape sequence split across two
    fragments loses its ESC in the first and is plain text in the second, so nothing reaches the terminal.
    Cleaned fragments are batched (``FLUSH_INTERVAL``); ``finish`` writes whatever is still pending.
    """

    def __init__(
        self, message: AssistantMessage, mounted: AwaitMount, on_finish: Callable[[], None] | None = None
    ) -> None:
        self.message = message
        self._on_finish = on_finish
        self._mounted: AwaitMount | None = mounted
        self._stream: MarkdownStream | None = None
        self.finished = False
        self._pending: list[str] = []
        self._last_flush = 0.0
        self._flush_lock = asyncio.Lock()  # flushes write in the order their text arrived
        self._timer: asyncio.TimerHandle | None = None
        self._timer_task: asyncio.Task[None] | None = None

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
        self.message.add_text(fragment)
        self._pending.append(fragment)
        wait = FLUSH_INTERVAL - (time.monotonic() - self._last_flush)
        if wait <= 0:
            await self._flush()
            return
        if self._timer is None:  # the model may pause: what arrived must still show within the interval
            self._timer = asyncio.get_running_loop().call_later(wait, self._flush_from_timer)
        await asyncio.sleep(0)  # stay as cooperative as a direct stream write: let the app run

    def _flush_from_timer(self) -> None:
        self._timer = None
        self._timer_task = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._flush_lock:
            if not self._pending:
                return
            text = "".join(self._pending)
            self._pending.clear()
            self._last_flush = time.monotonic()
            await (await self._ensure_stream()).write(text)

    async def finish(self) -> None:
        """Flush what is pending and stop the stream (idempotent)."""
        if self.finished:
            return
        self.finished = True
        await self._flush()
        if self._timer_task is not None:
            await self._timer_task
        if self._mounted is not None:
            await self._mounted
            self._mounted = None
        if self._stream is not None:
            await self._stream.stop()
        if self._on_finish is not None:
            self._on_finish()

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
        self._freeze_pending = False

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat-log")
        yield Static(id="chat-busy")
        yield ChatInput(id="chat-input")

    def on_mount(self) -> None:
        # Render caches grow as the user scrolls through old entries; they are as long-lived as the
        # entries, so they are frozen too, a little at a time.
        self.set_interval(FREEZE_EVERY, self._freeze_caches)
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
        mounted = self.log_view.mount(widget)
        self._freeze_after_refresh()
        return mounted

    def _freeze_after_refresh(self) -> None:
        """Move everything alive now out of the garbage collector's reach (``gc.freeze``), once painted.

        A long session keeps thousands of widgets, styles and strips alive; every full collection walks
        all of them (0.5-0.9 s with 500 messages, measured), and it strikes in the middle of a key press.
        The log's entries live until the chat is cleared, so they need not be scanned at all. Freezing
        is cheap (it splices the collector's lists), so it is done after every batch of new entries.
        The price: an object frozen while alive and dropped later (a removed toast) is only collected
        after ``clear()`` unfreezes everything.
        """
        if not self._freeze_pending:
            self._freeze_pending = True
            self.call_after_refresh(self._freeze)

    def _freeze(self) -> None:
        if self.app._batch_count:  # not laid out yet: wait, so what the layout builds is frozen too
            self.set_timer(0.05, self._freeze)
            return
        self._freeze_pending = False
        gc.freeze()

    def _freeze_caches(self) -> None:
        # Young garbage is collected first (a young-generation pass is a few ms) so that dead cycles
        # are not frozen; what survives is long-lived by now.
        gc.collect(1)
        gc.freeze()

    def add_user(self, text: str) -> UserMessage:
        message = UserMessage(text)
        self._add(message)
        return message

    def begin_assistant(self, title: str = "assistant") -> AssistantHandle:
        message = AssistantMessage(title)
        return AssistantHandle(message, self._add(message), self._freeze_after_refresh)

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
        gc.unfreeze()  # the removed entries must be collectable again
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
