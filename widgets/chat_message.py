"""Chat entries: the user's messages, the model's streamed Markdown, and inline notices.

Every entry is focusable and copies its text with ``c``. Text is cleaned of terminal control characters
before it reaches a renderer, and never interpreted as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown, Static

from phasegate.widgets._support import clean

SEVERITIES = ("information", "warning", "error")


class _Copyable(Widget, can_focus=True):
    BINDINGS = [Binding("c", "copy", "Copy message", id="chat.copy")]

    def copy_text(self) -> str:
        raise NotImplementedError

    def action_copy(self) -> None:
        text = self.copy_text()
        try:
            self.app.copy_to_clipboard(text)
        except Exception as exc:  # a terminal without OSC 52 or a failing driver: say so, never crash
            self.notify(f"Could not copy: {exc}", severity="warning")
            return
        self.notify(f"Copied {len(text)} characters", timeout=2)


class UserMessage(_Copyable):
    def __init__(self, text: str) -> None:
        super().__init__(classes="message user")
        self.text = clean(text)
        self.border_title = "you"

    def compose(self) -> ComposeResult:
        yield Static(Content(self.text))

    def copy_text(self) -> str:
        return self.text


class AssistantMessage(_Copyable):
    """The model's reply; filled by ``AssistantHandle`` through a ``MarkdownStream``."""

    def __init__(self, title: str = "assistant") -> None:
        super().__init__(classes="message assistant")
        # Kept as fragments: a long reply arrives in thousands of pieces, and ``str +=`` on an attribute
        # copies the whole text each time.
        self._parts: list[str] = []
        self.border_title = title
        # A long reply is split into several Markdown widgets ("segments") at block boundaries: each
        # append re-lays out only the segment it grows, not every block of the whole reply.
        self.segments: list[Markdown | Static] = [Markdown("", open_links=False)]

    @property
    def markdown(self) -> Markdown:
        """The segment being written (the only one for a short reply)."""
        segment = self.segments[-1]
        assert isinstance(segment, Markdown)  # closed segments are Statics; the last one is always open
        return segment

    @property
    def rendered_source(self) -> str:
        return "".join(getattr(segment, "source", "") for segment in self.segments)

    async def add_segment(self) -> Markdown:
        """Close the current segment and start a new one.

        A closed segment is swapped for one ``Static`` showing the same Markdown rendered by Rich: every
        layout walks every widget, and a long reply's hundreds of Markdown blocks made each key typed
        during streaming wait longer and longer (bench/bench_stream.py).
        """
        from rich.markdown import Markdown as RichMarkdown

        closed = self.markdown
        frozen = Static(RichMarkdown(closed.source), classes="closed-segment")
        frozen.source = closed.source  # type: ignore[attr-defined]  # rendered_source reads it
        await self.mount(frozen, before=closed)
        await closed.remove()
        self.segments[-1] = frozen
        segment = Markdown("", open_links=False)
        self.segments.append(segment)
        await self.mount(segment)
        return segment

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @text.setter
    def text(self, value: str) -> None:
        self._parts = [value] if value else []

    def add_text(self, fragment: str) -> None:
        self._parts.append(fragment)

    def compose(self) -> ComposeResult:
        yield from self.segments

    def copy_text(self) -> str:
        return self.text


class Notice(_Copyable):
    """An inline system line: an error, a retry, a gate that opened."""

    def __init__(self, text: str, severity: str = "information") -> None:
        severity = severity if severity in SEVERITIES else "information"
        super().__init__(classes=f"notice -{severity}")
        self.text = clean(text)
        self.severity = severity

    def compose(self) -> ComposeResult:
        icon = {"information": "ℹ", "warning": "⚠", "error": "✗"}[self.severity]
        yield Static(Content(f"{icon} {self.text}"))

    def copy_text(self) -> str:
        return self.text
