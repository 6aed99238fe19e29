"""The scrolling body of the diff view: a virtualised Line API widget.

A phase diff may have 50,000 lines, so nothing here is proportional to the diff except a list of
block start rows (one per file and per hunk). ``render_line`` maps a screen row to (file, hunk, line)
with a bisect, parses that hunk's lines on demand, syntax-highlights them in chunks, and caches the
finished strips; everything is held in bounded LRU caches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle

from phasegate.phases.diffs import DiffLine, FileDiff, Hunk, pair_lines
from phasegate.widgets.diff_file_list import file_labels

HIGHLIGHT_CHUNK = 32
"""Lines highlighted together: enough context for the lexer, small enough to stay fast per page."""
STRIP_CACHE_ROWS = 400
"""Rendered rows kept: the screen, the prefetched next and previous pages, and some history."""
MAX_CODE_CHARS = 400
"""Lines are cropped to the view (no horizontal scroll); never lex more than this of one line."""

# Control characters must never reach the terminal; the C0 ones become their visible "control
# pictures" and line separators that str.splitlines() honours become U+FFFD (keeps lines aligned).
_SANITIZE = {c: 0x2400 + c for c in range(32) if c != 9}
_SANITIZE.update({0x7F: 0x2421, 0x85: 0xFFFD, 0x2028: 0xFFFD, 0x2029: 0xFFFD})


def sanitize(text: str) -> str:
    """Make one line of file content safe and single-line for display."""
    if len(text) > MAX_CODE_CHARS:
        text = text[:MAX_CODE_CHARS]
    return text.translate(_SANITIZE).expandtabs(4)


_LANGUAGES: dict[str, str] = {}
_PREFERRED = {".tcss": "scss", ".sql": "sql"}  # ambiguous or unknown to Pygments


def language_for(path: str) -> str:
    """A Pygments lexer alias guessed from the file name only (content sniffing is slow and flaky)."""
    name = path.rsplit("/", 1)[-1]
    key = name[name.rfind(".") :] if "." in name else name
    if key not in _LANGUAGES:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound

        if key in _PREFERRED:
            _LANGUAGES[key] = _PREFERRED[key]
        else:
            try:
                lexer = get_lexer_for_filename(name)
                _LANGUAGES[key] = lexer.aliases[0] if lexer.aliases else "text"
            except ClassNotFound:
                _LANGUAGES[key] = "text"
    return _LANGUAGES[key]


@dataclass(slots=True)
class _HunkData:
    """A hunk's parsed lines plus where each one sits in the code that gets lexed.

    Context and added lines are lexed together as the new side; removed lines as the old side.
    A context line is identical on both sides, so its highlighting is shared (lexing is the
    expensive part of a page: Pygments costs ~0.2 ms a line).
    """

    lines: list[DiffLine]
    code_index: list[int]  # index into old_code for "-" lines, into new_code otherwise (-1 for "\\")
    old_code: list[str] = field(default_factory=list)
    new_code: list[str] = field(default_factory=list)
    pairs: list[tuple[DiffLine | None, DiffLine | None]] | None = None
    position: dict[int, int] = field(default_factory=dict)  # id(DiffLine) -> index in lines

    @classmethod
    def build(cls, hunk: Hunk) -> _HunkData:
        lines = hunk.parse_lines()
        old_code: list[str] = []
        new_code: list[str] = []
        code_index: list[int] = []
        for line in lines:
            if line.kind == "-":
                code_index.append(len(old_code))
                old_code.append(sanitize(line.text))
            elif line.kind == "\\":
                code_index.append(-1)
            else:
                code_index.append(len(new_code))
                new_code.append(sanitize(line.text))
        return cls(lines, code_index, old_code, new_code)


class DiffBody(ScrollView, can_focus=True):
    """Virtualised rendering of a parsed diff, unified or side by side."""

    COMPONENT_CLASSES = {
        "diff-body--file",
        "diff-body--note",
        "diff-body--hunk",
        "diff-body--hunk-current",
        "diff-body--rejected",
        "diff-body--context",
        "diff-body--added",
        "diff-body--removed",
        "diff-body--gutter",
        "diff-body--gutter-added",
        "diff-body--gutter-removed",
        "diff-body--filler",
    }

    DEFAULT_CSS = """
    DiffBody {
        background: $surface;
        & > .diff-body--file { background: $panel; color: $text; text-style: bold; }
        & > .diff-body--note { color: $text-muted; text-style: italic; }
        & > .diff-body--hunk { background: $primary-muted; color: $text-primary; }
        & > .diff-body--hunk-current { background: $primary; color: $text; text-style: bold; }
        & > .diff-body--rejected { background: $error-muted; color: $text-error; text-style: bold; }
        & > .diff-body--context { color: $text; }
        & > .diff-body--added { background: $success-muted; color: $text; }
        & > .diff-body--removed { background: $error-muted; color: $text; }
        & > .diff-body--gutter { color: $text-muted; }
        & > .diff-body--gutter-added { color: $text-success; background: $success-muted; }
        & > .diff-body--gutter-removed { color: $text-error; background: $error-muted; }
        & > .diff-body--filler { background: $surface-darken-1; color: $text-disabled; }
    }
    """

    split: reactive[bool] = reactive(False)

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._files: list[FileDiff] = []
        self._starts: list[int] = []  # first row of each block
        self._blocks: list[tuple[int, int]] = []  # (file index, hunk index or -1 for the file header)
        self._file_rows: list[int] = []
        self._hunk_rows: list[list[int]] = []
        self._rows = 0
        self._hunk_order: list[tuple[int, int]] = []
        self._hunk_position: dict[tuple[int, int], int] = {}
        self._cursor: tuple[int, int] | None = None
        self._number_width = 3
        self._rejected: dict[tuple[int, int], str] = {}
        # Small on purpose: everything cached is live objects the garbage collector must walk (a Strip
        # is ~20 of them), and a full collection over a big cache is a visible pause while scrolling.
        # A few pages of strips cover paging back and forth; the rest is cheap to rebuild.
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(STRIP_CACHE_ROWS)
        self._hunk_data: LRUCache[tuple[int, int], _HunkData] = LRUCache(16)
        self._code: LRUCache[tuple[int, int, str, int], list[Content]] = LRUCache(16)
        self._styles: dict[str, VisualStyle] = {}
        self._prefetch_pending = False
        self.lines_rendered = 0
        """How many rows were rendered from scratch (not from the cache): a test and bench probe."""

    # --- data ------------------------------------------------------------------------------------

    @property
    def files(self) -> Sequence[FileDiff]:
        return self._files

    @property
    def row_count(self) -> int:
        return self._rows

    def set_files(self, files: list[FileDiff], rejected: dict[tuple[int, int], str] | None = None) -> None:
        """Show these files from the top (the caller keeps no other state in sync with us)."""
        self._files = files
        self._cursor = None
        self._rejected = dict(rejected or {})
        self._hunk_data.clear()
        self._code.clear()
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def set_rejected(self, rejected: dict[tuple[int, int], str]) -> None:
        self._rejected = dict(rejected)
        self._invalidate()

    def _relayout(self) -> None:
        starts: list[int] = []
        blocks: list[tuple[int, int]] = []
        file_rows: list[int] = []
        hunk_rows: list[list[int]] = []
        row = 0
        biggest = 0
        for f, fd in enumerate(self._files):
            starts.append(row)
            blocks.append((f, -1))
            file_rows.append(row)
            row += 1 if fd.hunks else 2  # a note row says what changed when there is no text hunk
            rows_here: list[int] = []
            for h, hunk in enumerate(fd.hunks):
                starts.append(row)
                blocks.append((f, h))
                rows_here.append(row)
                row += self._hunk_height(hunk)
            hunk_rows.append(rows_here)
            if fd.hunks:
                last = fd.hunks[-1]
                biggest = max(biggest, last.old_start + last.old_len, last.new_start + last.new_len)
        self._starts, self._blocks = starts, blocks
        self._file_rows, self._hunk_rows = file_rows, hunk_rows
        self._hunk_order = [b for b in blocks if b[1] >= 0]
        self._hunk_position = {b: i for i, b in enumerate(self._hunk_order)}
        if self._cursor is not None and self._cursor[1] >= 0 and self._cursor not in self._hunk_position:
            self._cursor = None
        self._rows = row
        self._number_width = max(3, len(str(biggest)))
        self._strips.clear()
        self._schedule_prefetch()
        self.virtual_size = Size(self.scrollable_content_region.width, row)
        self.refresh()

    def _hunk_height(self, hunk: Hunk) -> int:
        """Rows of a hunk block: its header plus its body in the current mode."""
        return 1 + (hunk.split_row_count() if self.split else hunk.line_count)

    def _invalidate(self) -> None:
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        """Theme or CSS changed: every cached strip and parsed style is stale."""
        self._styles.clear()
        self._strips.clear()
        self._code.clear()
        super().notify_style_update()

    def on_resize(self) -> None:
        # Cached strips are keyed by width, so a resize needs no cache flush (showing the body after
        # a message would otherwise render the first screen twice).
        self.virtual_size = Size(self.scrollable_content_region.width, self._rows)

    def watch_split(self) -> None:
        anchor = self.block_at(round(self.scroll_y))
        self._relayout()
        if anchor is not None:
            self.scroll_to(y=self.block_row(*anchor), animate=False, immediate=True)

    # --- navigation ------------------------------------------------------------------------------

    def block_at(self, row: int) -> tuple[int, int] | None:
        """(file, hunk or -1) of the block containing ``row``."""
        if not self._starts:
            return None
        i = bisect_right(self._starts, max(row, 0)) - 1
        return self._blocks[max(i, 0)]

    def block_row(self, file_index: int, hunk_index: int) -> int:
        return self._file_rows[file_index] if hunk_index < 0 else self._hunk_rows[file_index][hunk_index]

    @property
    def current_hunk(self) -> tuple[int, int] | None:
        """The hunk that ``x`` acts on: the one chosen with [ ] { } or the file list while it is in
        view, otherwise the first hunk that ends below the top of the view."""
        if self._cursor is not None:
            return self._cursor if self._cursor[1] >= 0 else None
        if not self._hunk_order:
            return None
        top = round(self.scroll_y)
        i = max(bisect_right(self._starts, top) - 1, 0)
        for j in range(i, len(self._blocks)):
            f, h = self._blocks[j]
            if h >= 0:
                end = self._starts[j + 1] if j + 1 < len(self._starts) else self._rows
                if end > top:
                    return f, h
        return self._hunk_order[-1]

    @property
    def current_file(self) -> int | None:
        if self._cursor is not None:
            return self._cursor[0]
        block = self.block_at(round(self.scroll_y))
        return None if block is None else block[0]

    def _set_cursor(self, cursor: tuple[int, int] | None) -> None:
        if cursor != self._cursor:
            self._cursor = cursor
            self.refresh()

    def scroll_to_block(self, file_index: int, hunk_index: int = -1) -> None:
        """Bring a file header (hunk_index -1) or a hunk header to the top and make it current."""
        self.scroll_to(y=self.block_row(file_index, hunk_index), animate=False, immediate=True)
        if hunk_index < 0:
            hunks = self._hunk_rows[file_index]
            self._set_cursor((file_index, 0) if hunks else (file_index, -1))
        else:
            self._set_cursor((file_index, hunk_index))
        self.refresh()

    def hunk_step(self, delta: int) -> bool:
        """Make the next/previous hunk current and scroll it to the top; False when there is none."""
        current = self.current_hunk
        if current is None and self._cursor is not None:  # on a file without hunks
            f = self._cursor[0]
            following = [b for b in self._hunk_order if (b[0] > f if delta > 0 else b[0] < f)]
            if not following:
                return False
            self.scroll_to_block(*(following[0] if delta > 0 else following[-1]))
            return True
        if current is None:
            return False
        i = self._hunk_position[current] + delta
        if not 0 <= i < len(self._hunk_order):
            return False
        self.scroll_to_block(*self._hunk_order[i])
        return True

    def file_step(self, delta: int) -> bool:
        current = self.current_file
        if current is None:
            return False
        target = current + delta
        if not 0 <= target < len(self._files):
            return False
        self.scroll_to_block(target)
        return True

    def on_click(self, event: events.Click) -> None:
        """Clicking a hunk makes it current (so ``x`` rejects the hunk the user pointed at)."""
        row = event.y + round(self.scroll_y)
        block = self.block_at(row) if row < self._rows else None
        if block is not None and block[1] >= 0:
            self._set_cursor(block)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._cursor is not None:
            # Scrolled away from the chosen hunk (mouse, page keys): fall back to the derived one.
            f, h = self._cursor
            start = self.block_row(f, h)
            end = start + (self._hunk_height(self._files[f].hunks[h]) if h >= 0 else 2)
            top = round(new_value)
            if end <= top or start >= top + max(self.scrollable_content_region.height, 1):
                self._cursor = None
        if round(old_value) != round(new_value):
            self.refresh()  # the current-hunk marker may have moved
            self._schedule_prefetch()

    # --- rendering -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        return self._row_strip(y + round(self.scroll_y), width)

    def _row_strip(self, row: int, width: int) -> Strip:
        if row >= self._rows or row < 0 or width <= 0:
            return Strip.blank(width, self.rich_style)
        i = bisect_right(self._starts, row) - 1
        f, h = self._blocks[i]
        offset = row - self._starts[i]
        if h >= 0 and offset == 0:
            return self._hunk_header(f, h, width)  # not cached: depends on the current hunk
        key = (row, width)
        strip = self._strips.get(key)
        if strip is None:
            self.lines_rendered += 1
            if h < 0:
                strip = self._file_header(f, width) if offset == 0 else self._note(f, width)
            elif self.split:
                strip = self._split_row(f, h, offset - 1, width)
            else:
                strip = self._unified_row(f, h, offset - 1, width)
            self._strips[key] = strip
        return strip

    # Paging is the common move, so once a frame is on screen the next page (then the previous one)
    # is lexed and rendered into the cache while the user reads: the next page key paints from it.

    def _schedule_prefetch(self) -> None:
        if not self._prefetch_pending and self._rows:
            self._prefetch_pending = True
            self.call_after_refresh(self._prefetch, 1)

    def _prefetch(self, direction: int) -> None:
        self._prefetch_pending = False
        if not self.is_mounted or not self._rows:
            return
        width = self.scrollable_content_region.width
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        start = top + height if direction > 0 else top - height
        for row in range(max(start, 0), min(start + height, self._rows)):
            self._row_strip(row, width)
        if direction > 0 and top > 0:
            self.call_after_refresh(self._prefetch_previous, top)

    def _prefetch_previous(self, top: int) -> None:
        if round(self.scroll_y) == top:  # only if the user has not moved on meanwhile
            self._prefetch(-1)

    def _style(self, name: str) -> VisualStyle:
        return self.get_visual_style(name)

    def _rich(self, name: str) -> RichStyle:
        return self.get_component_rich_style(name)

    def _parse(self, style: str | VisualStyle) -> VisualStyle:
        if isinstance(style, VisualStyle):
            return style
        cached = self._styles.get(style)
        if cached is None:
            try:
                # Resolve theme variables ($text-accent…) through our app, whichever context calls us.
                cached = self.app.stylesheet.parse_style(style)
            except Exception:
                cached = VisualStyle()
            self._styles[style] = cached
        return cached

    def _file_header(self, f: int, width: int) -> Strip:
        fd = self._files[f]
        style = self._rich("diff-body--file")
        label = fd.path if fd.status not in ("renamed", "copied") else f"{fd.old_path} → {fd.path}"
        tags = file_labels(fd)
        segments = [Segment(f" {sanitize(label)} ", style)]
        if fd.hunks:
            segments.append(Segment(f"+{fd.added}", style + self._rich("diff-body--gutter-added")))
            segments.append(Segment(" ", style))
            segments.append(Segment(f"−{fd.removed}", style + self._rich("diff-body--gutter-removed")))
        if tags:
            segments.append(Segment(f"  [{', '.join(tags)}]", style))
        return Strip(segments).adjust_cell_length(width, style)

    def _note(self, f: int, width: int) -> Strip:
        fd = self._files[f]
        if fd.binary:
            text = "Binary file changed"
        elif fd.status in ("renamed", "copied"):
            similarity = f" (similarity {fd.similarity}%)" if fd.similarity is not None else ""
            text = f"{fd.status.capitalize()} from {fd.old_path} without content changes{similarity}"
        elif fd.mode_changed:
            text = f"Mode changed {fd.old_mode} → {fd.new_mode}"
        else:
            text = "Empty file" if fd.status in ("added", "deleted") else "No content changes"
        style = self._rich("diff-body--note")
        return Strip([Segment(f"  {sanitize(text)}", style)]).adjust_cell_length(width, style)

    def _hunk_header(self, f: int, h: int, width: int) -> Strip:
        hunk = self._files[f].hunks[h]
        current = self.current_hunk == (f, h)
        reason = self._rejected.get((f, h))
        style = self._rich("diff-body--hunk-current" if current else "diff-body--hunk")
        segments = [Segment("▶ " if current else "  ", style)]
        if reason is not None:
            segments.append(Segment(f"✗ rejected: {sanitize(reason)}  ", self._rich("diff-body--rejected")))
        segments.append(Segment(sanitize(hunk.header), style))
        return Strip(segments).adjust_cell_length(width, style)

    def _data(self, f: int, h: int) -> _HunkData:
        data = self._hunk_data.get((f, h))
        if data is None:
            data = _HunkData.build(self._files[f].hunks[h])
            self._hunk_data[(f, h)] = data
        return data

    def _code_line(self, f: int, h: int, side: str, index: int) -> Content:
        """Highlighted code for one line of one side of a hunk (lexed a chunk at a time)."""
        chunk = index // HIGHLIGHT_CHUNK
        key = (f, h, side, chunk)
        lines = self._code.get(key)
        if lines is None:
            data = self._data(f, h)
            code = data.old_code if side == "old" else data.new_code
            part = code[chunk * HIGHLIGHT_CHUNK : (chunk + 1) * HIGHLIGHT_CHUNK]
            language = language_for(self._files[f].path)
            if language == "text":
                lines = [Content(text) for text in part]
            else:
                lines = highlight("\n".join(part), language=language).split("\n", allow_blank=True)
                missing = part[len(lines) :]
                if missing and not any(missing):
                    lines += [Content("")] * len(missing)  # highlight() drops trailing blank lines
                if len(lines) != len(part):  # never let a lexer quirk shift lines
                    lines = [Content(text) for text in part]
            self._code[key] = lines
        return lines[index - chunk * HIGHLIGHT_CHUNK]

    def _line_segments(self, f: int, h: int, line: DiffLine, code_index: int, number: str) -> list[Segment]:
        kind = line.kind
        if kind == "\\":
            note = self._rich("diff-body--note")
            return [Segment(number, self._rich("diff-body--gutter")), Segment(f"  {line.text}", note)]
        name = {"+": "added", "-": "removed"}.get(kind, "context")
        gutter = self._rich(f"diff-body--gutter-{name}" if kind != " " else "diff-body--gutter")
        base = self._style(f"diff-body--{name}")
        code = self._code_line(f, h, "old" if kind == "-" else "new", code_index)
        segments = [Segment(number, gutter), Segment(f"{kind} ", gutter)]
        segments.extend(
            Segment(text, style.rich_style) for text, style in code.render(base, end="", parse_style=self._parse)
        )
        return segments

    def _rejected_bar(self, f: int, h: int) -> Segment:
        if (f, h) in self._rejected:
            return Segment("✗", self._rich("diff-body--rejected"))
        return Segment(" ", self._rich("diff-body--gutter"))

    def _unified_row(self, f: int, h: int, index: int, width: int) -> Strip:
        data = self._data(f, h)
        line = data.lines[index]
        w = self._number_width
        old = "" if line.old_no is None else str(line.old_no)
        new = "" if line.new_no is None else str(line.new_no)
        segments = [self._rejected_bar(f, h)]
        segments += self._line_segments(f, h, line, data.code_index[index], f"{old:>{w}} {new:>{w}} ")
        fill = {"+": "diff-body--added", "-": "diff-body--removed"}.get(line.kind, "diff-body--context")
        return Strip(segments).adjust_cell_length(width, self._rich(fill))

    def _split_row(self, f: int, h: int, index: int, width: int) -> Strip:
        data = self._data(f, h)
        if data.pairs is None:
            data.pairs = pair_lines(data.lines)
            data.position = {id(line): i for i, line in enumerate(data.lines)}
        old, new = data.pairs[index]
        half = max((width - 2) // 2, 1)
        left = self._split_half(f, h, data, old, "old", half)
        right = self._split_half(f, h, data, new, "new", width - 2 - half)
        divider = Strip([Segment("│", self._rich("diff-body--gutter"))])
        return Strip.join([Strip([self._rejected_bar(f, h)]), left, divider, right])

    def _split_half(
        self, f: int, h: int, data: _HunkData, line: DiffLine | None, side: str, width: int
    ) -> Strip:
        if line is None:
            filler = self._rich("diff-body--filler")
            return Strip.blank(width, filler)
        number = line.old_no if side == "old" else line.new_no
        label = f"{'' if number is None else number:>{self._number_width}} "
        segments = self._line_segments(f, h, line, data.code_index[data.position[id(line)]], label)
        fill = {"+": "diff-body--added", "-": "diff-body--removed"}.get(line.kind, "diff-body--context")
        return Strip(segments).adjust_cell_length(width, self._rich(fill))
