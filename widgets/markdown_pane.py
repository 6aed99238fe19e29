"""A Markdown viewer for the Research and Report tabs that stays responsive on very long documents.

Textual's ``Markdown`` widget mounts one widget per block: fine for a report of a few KB, but measured
here a 20 KB document took ~12 s and a 260 KB one did not finish in two minutes, freezing the app.
So ``MarkdownPane`` uses ``Markdown`` below ``SMALL_LIMIT`` characters, and above it renders with Rich,
chunk by chunk (split at blank lines outside code fences), into a Line-API view that only paints the
visible lines. The chunks are rendered by an async worker on the event loop, one small chunk (tens of
ms) per turn: a thread worker was tried first and starved the event loop through the GIL (2 s per key
press while a 300 KB document rendered). The first screenful appears after the first chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown

from phasegate.widgets._support import clean, load_css

SMALL_LIMIT = 8_000
CHUNK_CHARS = 2_000
IDLE_PAUSE = 0.02


def split_blocks(markdown: str, chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Split ``markdown`` into chunks of about ``chunk_chars`` at blank lines that are not inside a fence."""
    chunk: list[str] = []
    size = 0
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        chunk.append(line)
        size += len(line)
        if size >= chunk_chars and fence is None and not line.strip():
            yield "".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk)


class LineView(ScrollView, can_focus=True):
    """Pre-rendered lines, painted only where visible (the Line API)."""

    DEFAULT_CSS = "LineView { height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.lines: list[Strip] = []
        self._width = 0

    def clear(self) -> None:
        self.lines = []
        self._width = 0
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def add_lines(self, lines: list[Strip]) -> None:
        self.lines.extend(lines)
        self._width = max([self._width, *(line.cell_length for line in lines)])
        self.virtual_size = Size(self._width, len(self.lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        return self.lines[index].crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def plain_lines(self) -> list[str]:
        return [line.text for line in self.lines]


class MarkdownPane(Widget):
    DEFAULT_CSS = load_css(__file__)

    def __init__(self, markdown: str = "", *, placeholder: str = "", id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._source = clean(markdown)
        self._placeholder = placeholder or "_Nothing here yet._"
        self._rendered_width = 0
        self.long_mode = False
        self.complete = True

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="md-scroll"):
            yield Markdown(self._placeholder, id="md-small")
        yield LineView(id="md-long")

    def on_mount(self) -> None:
        self.query_one("#md-long").display = False
        if self._source:
            self.show(self._source)

    @property
    def source(self) -> str:
        return self._source

    def show(self, markdown: str) -> None:
        """Replace the document. Long documents render in the background; ``complete`` says when done."""
        self._source = clean(markdown)
        self.long_mode = len(self._source) > SMALL_LIMIT
        self.query_one("#md-scroll").display = not self.long_mode
        long_view = self.query_one("#md-long", LineView)
        long_view.display = self.long_mode
        self.workers.cancel_group(self, "markdown-render")
        if not self.long_mode:
            self.complete = True
            self.query_one("#md-small", Markdown).update(self._source or self._placeholder)
            long_view.clear()
            return
        self.query_one("#md-small", Markdown).update("")
        self._render_long()

    def _render_long(self) -> None:
        long_view = self.query_one("#md-long", LineView)
        long_view.clear()
        width = max((self.size.width or self.app.size.width) - 2, 20)
        self._rendered_width = width
        self.complete = False
        self.run_worker(self._render_chunks(self._source, width), exclusive=True, group="markdown-render", exit_on_error=False)

    async def _render_chunks(self, source: str, width: int) -> None:
        console = Console(width=width, color_system="truecolor", force_terminal=True, legacy_windows=False)
        options = console.options.update(width=width)
        long_view = self.query_one("#md-long", LineView)
        screenful = max(self.size.height, 24) * 2
        for chunk in split_blocks(source):
            rendered = console.render_lines(RichMarkdown(chunk), options, pad=False)
            long_view.add_lines([Strip(Segment.simplify(line)) for line in rendered])
            # The first screenfuls go out at once; after that, leave the loop a real pause between chunks
            # so input and painting (each several tasks deep) run at full speed. Cancellation lands here.
            await asyncio.sleep(IDLE_PAUSE if len(long_view.lines) > screenful else 0)
        self.complete = True

    def on_resize(self) -> None:
        # Re-wrap long documents when the width really changed (Textual's Markdown re-flows itself).
        if self.long_mode and abs(self.size.width - 2 - self._rendered_width) > 2:
            self._render_long()
