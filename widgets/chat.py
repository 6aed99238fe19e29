"""The chat pane: the conversation (anchored to the bottom while the model streams), a busy line, the input.

The App drives it: ``add_user``, ``begin_assistant`` (then ``await handle.append(chunk)`` …
``await handle.finish()``), ``add_tool_call`` / ``complete_tool_call``, ``add_notice``, ``set_busy``,
``show_progress`` (the progress line of a streaming reply: tokens, tokens per second, elapsed time).
It reports the user's intent with ``Chat.Submitted(text)``, ``Chat.CancelRequested()`` (escape while a
turn runs) and ``Chat.LeaveRequested()`` (escape while none runs: the App moves the focus to the plan); it does not
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
from textual.widgets import Static

from phasegate.widgets._support import clean, load_css
from phasegate.widgets.chat_input import ChatInput
from phasegate.widgets.chat_message import AssistantMessage, Notice, UserMessage
from phasegate.widgets.tool_entry import ToolEntry

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: Seconds between two ``gc.freeze()`` of what the chat keeps alive (see ``Chat._freeze``).
FREEZE_EVERY = 2.0
#: Entries kept mounted in the log (older ones are trimmed TRIM_BATCH at a time; see _trim_window).
MAX_ENTRIES = 200
TRIM_BATCH = 25
#: Pause between two Markdown updates of a streaming reply (after the previous one is painted). A model
#: sends tokens far faster than a reader can see them, and each update re-parses the reply's last block
#: and lays the log out again: fragments that arrive meanwhile are written to the Markdown together.
FLUSH_INTERVAL = 1 / 20
#: Most characters written to the Markdown in one update: a backlog (a model far faster than the
#: screen) is drained in slices, with a paint between two, instead of in one long frame-less update.
#: With closed segments frozen (below), 1 KB slices keep keys under 100 ms while a 20k-token reply
#: streams, at about the bare MarkdownStream's total time (bench/bench_stream.py).
MAX_BATCH = 1024
#: A reply's Markdown segment is closed at the next block boundary once it holds this many characters;
#: a closed segment becomes one Static (AssistantMessage.add_segment), so the widget count stays small.
SEGMENT_CHARS = 2000
#: Seconds between two repaints of the progress line: a few a second, however fast tokens arrive.
PROGRESS_REFRESH_S = 0.25


def format_elapsed(seconds: float) -> str:
    """``4.2 s``, ``1m07s``, ``1h02m``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def progress_text(tokens: int, elapsed_s: float, tokens_per_s: float | None, done: bool) -> Content:
    """The progress line: "reply ≈1,234 tokens · 18.2 tok/s · 1m07s". Tokens are phasegate's own count
    of what has arrived (servers report usage only at the end, if at all), hence always "≈"."""
    if tokens == 0 and not done:
        return Content.assemble(("reply ", "dim"), "waiting for the first token", ("  ·  ", "dim"),
                                format_elapsed(elapsed_s))
    parts: list[str | tuple[str, str]] = [("reply done " if done else "reply ", "dim"), (f"≈{tokens:,} tokens", "bold")]
    if tokens_per_s is not None:
        parts += [("  ·  ", "dim"), f"{tokens_per_s:.1f} tok/s"]
    parts += [("  ·  ", "dim"), format_elapsed(elapsed_s)]
    return Content.assemble(*parts)


def block_boundary(text: str, in_fence: bool) -> tuple[int | None, bool]:
    """The index just after the first blank line of ``text`` outside a code fence, and the fence state
    at the end of ``text`` (given ``in_fence`` at its start)."""
    split: int | None = None
    position = 0
    previous_blank = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        blank = not stripped
        position += len(line)
        if split is None and blank and not previous_blank and not in_fence and line.endswith("\n") and position > 1:
            split = position
        previous_blank = blank
    return split, in_fence


class AssistantHandle:
    """Streams one assistant reply into its ``Markdown``, a batch at a time, never starving the screen.

    Fragments are cleaned of control characters one by one; an escape sequence split across two
    fragments loses its ESC in the first and is plain text in the second, so nothing reaches the terminal.

    ``append`` only buffers. One pump task per reply writes what has accumulated with
    ``Markdown.append``, then waits for the screen to paint and for ``FLUSH_INTERVAL`` before the next
    batch. Textual's ``MarkdownStream`` chains appends back to back instead, and each one holds the
    app's batch update while it re-parses and mounts blocks: on a long reply the screen stopped
    painting for over a second, and keys typed meanwhile were not seen (bench/bench_stream.py).
    """

    def __init__(
        self, message: AssistantMessage, mounted: AwaitMount, on_finish: Callable[[], None] | None = None
    ) -> None:
        self.message = message
        self._on_finish = on_finish
        self._mounted: AwaitMount | None = mounted
        self.finished = False
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    async def append(self, text: str) -> None:
        if self.finished:
            raise RuntimeError("this assistant message is finished")
        fragment = clean(text)
        if not fragment:
            return
        self.message.add_text(fragment)
        self._pending.append(fragment)
        self._wake.set()
        if self._pump is None:
            self._pump = asyncio.ensure_future(self._run_pump())
        await asyncio.sleep(0)  # as cooperative as a stream write: let the app run

    async def _run_pump(self) -> None:
        if self._mounted is not None:
            await self._mounted
            self._mounted = None
        segment_size = 0
        in_fence = False
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending:
                text = "".join(self._pending)
                self._pending[:] = [text[MAX_BATCH:]] if len(text) > MAX_BATCH else []
                text = text[:MAX_BATCH]
                split = None
                if segment_size + len(text) > SEGMENT_CHARS:
                    split, _ = block_boundary(text, in_fence)
                if split is not None:
                    head, tail = text[:split], text[split:]
                    await self.message.markdown.append(head)
                    await self.message.add_segment()
                    segment_size = 0
                    _, in_fence = block_boundary(head, in_fence)
                    text = tail
                if text:
                    await self.message.markdown.append(text)
                    segment_size += len(text)
                    _, in_fence = block_boundary(text, in_fence)
                await self._painted()
            if self._pending:
                self._wake.set()  # a backlog: the paint above was the pause
            elif self.finished:
                return
            else:
                await asyncio.sleep(FLUSH_INTERVAL)

    async def _painted(self) -> None:
        """Until the screen has refreshed after the last update (bounded, in case nothing repaints)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def mark_done() -> None:
            if not done.done():
                done.set_result(None)

        self.message.call_after_refresh(mark_done)
        try:
            await asyncio.wait_for(done, 0.5)
        except TimeoutError:
            pass

    async def finish(self) -> None:
        """Write what is pending and wait until it is in the Markdown (idempotent)."""
        if self.finished:
            return
        self.finished = True
        self._wake.set()
        if self._pump is not None:
            await self._pump
        elif self._mounted is not None:
            await self._mounted
            self._mounted = None
        if self._on_finish is not None:
            self._on_finish()

    @property
    def text(self) -> str:
        return self.message.text


class Chat(Widget):
    DEFAULT_CSS = load_css(__file__)

    class Submitted(Message):
        """The user sent a message.

        Attributes:
            chat: the chat it came from.
            text: what they wrote (stripped, never empty).
        """

        def __init__(self, chat: Chat, text: str) -> None:
            super().__init__()
            self.chat = chat
            self.text = text

        @property
        def control(self) -> Chat:
            return self.chat

    class _Request(Message):
        """A request from the chat that carries nothing but where it came from.

        Attributes:
            chat: the chat it came from.
        """

        def __init__(self, chat: Chat) -> None:
            super().__init__()
            self.chat = chat

        @property
        def control(self) -> Chat:
            return self.chat

    class LeaveRequested(_Request):
        """The user pressed escape in the input while no turn runs: they want the gate keys."""

    class CancelRequested(_Request):
        """The user asked to cancel the model's turn (escape in the input)."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        # The last figures shown by show_progress and when they came (the elapsed time goes on between).
        self._progress: tuple[int, float, float | None, bool] | None = None
        self._progress_at = 0.0
        self._tools: dict[str, ToolEntry] = {}
        self._busy_timer: Timer | None = None
        self._busy_label = ""
        self._spin = 0
        self._freeze_pending = False
        self._hidden = 0
        self._entries: list[Widget] = []

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat-log")
        yield Static(id="chat-busy")
        yield Static(id="chat-progress")
        yield ChatInput(id="chat-input")

    def on_mount(self) -> None:
        # Render caches grow as the user scrolls through old entries; they are as long-lived as the
        # entries, so they are frozen too, a little at a time.
        self.set_interval(FREEZE_EVERY, self._freeze_caches)
        self.log_view.anchor()
        self.query_one("#chat-busy", Static).display = False
        self.query_one("#chat-progress", Static).display = False
        self.set_interval(PROGRESS_REFRESH_S, self._paint_progress)

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
        self._entries.append(widget)
        self._trim_window()
        self._freeze_after_refresh()
        return mounted

    def _trim_window(self) -> None:
        """Keep at most ``MAX_ENTRIES`` entries mounted; older ones leave the DOM (not the transcript).

        Every layout anywhere on the screen walks every widget of the log: with 500 messages a key that
        changed the input's line count waited 200+ ms (bench/bench_session.py). The session's transcript
        on disk keeps everything; the chat says how many earlier entries are not shown.
        """
        # Our own list, not the DOM's: mounts and removals complete later than this call.
        excess = len(self._entries) - MAX_ENTRIES
        if excess < TRIM_BATCH:  # trim in batches so each removal's layout pays for many entries
            return
        old, self._entries = self._entries[:excess], self._entries[excess:]
        for widget in old:
            if isinstance(widget, ToolEntry):
                self._tools.pop(widget.call_id, None)
        self._hidden += len(old)
        gc.unfreeze()  # the removed entries must be collectable; what stays is frozen again after paint
        self.log_view.remove_children(old)
        text = f"… {self._hidden} earlier entries are not shown here (the session's transcript keeps them)"
        marker = self.log_view.query("#chat-earlier")
        if marker:
            marker.first(Static).update(text)
        else:
            self.log_view.mount(Static(text, id="chat-earlier", classes="notice"), before=0)

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
        self._hidden = 0
        self._entries.clear()
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
        self.input.turn_running = busy
        if busy:
            self._tick()
            if self._busy_timer is None:
                self._busy_timer = self.set_interval(0.1, self._tick)
        elif self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if not busy:
            self.hide_progress()

    @property
    def busy(self) -> bool:
        return self._busy_timer is not None

    def _tick(self) -> None:
        self._spin = (self._spin + 1) % len(SPINNER)
        self.query_one("#chat-busy", Static).update(
            Content.assemble((SPINNER[self._spin], "bold $accent"), " ", self._busy_label, ("  (esc to cancel)", "dim"))
        )

    # -- progress line -----------------------------------------------------------------------------------

    def show_progress(self, tokens: int, elapsed_s: float, tokens_per_s: float | None = None,
                      done: bool = False) -> None:
        """A reply is streaming (or, ``done``, has arrived): show its tokens so far, speed and elapsed time.

        Cheap to call often: the line is repainted every ``PROGRESS_REFRESH_S`` seconds, and the elapsed
        time keeps counting between two calls (a model thinking before its first token shows that too).
        """
        self._progress = (max(0, tokens), max(0.0, elapsed_s), tokens_per_s, done)
        self._progress_at = self._clock()
        line = self.query_one("#chat-progress", Static)
        if not line.display:
            line.display = True
            self._paint_progress()

    def hide_progress(self) -> None:
        self._progress = None
        self.query_one("#chat-progress", Static).display = False

    @property
    def progress_line(self) -> str:
        """The progress line's text ("" when none is shown)."""
        if self._progress is None:
            return ""
        return self._progress_content().plain

    def _progress_content(self) -> Content:
        assert self._progress is not None
        tokens, elapsed, rate, done = self._progress
        if not done:
            elapsed += max(0.0, self._clock() - self._progress_at)
        return progress_text(tokens, elapsed, rate, done)

    def _paint_progress(self) -> None:
        if self._progress is not None:
            self.query_one("#chat-progress", Static).update(self._progress_content())

    # -- input -----------------------------------------------------------------------------------------

    @on(ChatInput.Send)
    def _send(self, event: ChatInput.Send) -> None:
        event.stop()
        self.post_message(self.Submitted(self, event.text))

    @on(ChatInput.Cancel)
    def _cancel(self, event: ChatInput.Cancel) -> None:
        event.stop()
        self.post_message(self.CancelRequested(self))

    @on(ChatInput.Leave)
    def _leave(self, event: ChatInput.Leave) -> None:
        event.stop()
        self.post_message(self.LeaveRequested(self))
