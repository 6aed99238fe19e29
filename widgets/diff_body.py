"""The scrolling body of the diff view: a virtualised Line API widget.

A phase diff may have 50,000 lines, so nothing here is proportional to the diff except a list of
block start rows (one per file and per hunk). ``render_line`` maps a screen row to (file, hunk, line)
with a bisect, parses that hunk's lines on demand, syntax-highlights them in chunks, and caches the
finished strips; everything is held in bounded LRU caches.

Long lines scroll sideways (the line numbers stay put, the code moves) or wrap (:attr:`DiffBody.wrap`).
The scrollable width is the widest line rendered so far, not the widest in the diff: measuring every
line would cost a pass over the whole diff when it opens. Wrapping does need every line's width, so
turning it on measures the diff once (~55 ms for 50,000 lines, again on a resize); unwrapped stays lazy.

Changed words: a removed line and the added line facing it (the i-th of each in a run of changes,
as in the split layout) are compared word by word (``phases.diffs.word_changes``) when first
painted; the changed words get a stronger background on top of the syntax colours.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle

from phasegate.phases.diffs import DiffLine, DiffMatch, FileDiff, Hunk, pair_lines, word_changes
from phasegate.widgets.diff_file_list import file_labels

HIGHLIGHT_CHUNK = 32
"""Lines highlighted together: enough context for the lexer, small enough to stay fast per page."""
STRIP_CACHE_ROWS = 400
"""Rendered rows kept: the screen, the prefetched next and previous pages, and some history."""
MAX_CODE_CHARS = 2000
"""Longer lines are cut here (and end with "…"): never lex or lay out more than this of one line."""
SCROLL_STEP = 8
"""Columns one ← / → moves the code sideways."""

# Control characters must never reach the terminal; the C0 ones become their visible "control
# pictures" and line separators that str.splitlines() honours become U+FFFD (keeps lines aligned).
_SANITIZE = {c: 0x2400 + c for c in range(32) if c != 9}
_SANITIZE.update({0x7F: 0x2421, 0x85: 0xFFFD, 0x2028: 0xFFFD, 0x2029: 0xFFFD})


def sanitize(text: str) -> str:
    """Make one line of file content safe and single-line for display."""
    if len(text) > MAX_CODE_CHARS:
        text = text[:MAX_CODE_CHARS] + "…"
    return text.translate(_SANITIZE).expandtabs(4)


def display_offset(text: str, offset: int) -> int:
    """Where character ``offset`` of a line's raw text lands in its :func:`sanitize`-d form."""
    offset = min(offset, MAX_CODE_CHARS)
    return len(text[:offset].expandtabs(4)) if "\t" in text else offset


def display_width(text: str) -> int:
    """Cells the sanitized ``text`` takes (the fast path is plain ASCII without tabs)."""
    if len(text) <= MAX_CODE_CHARS and "\t" not in text and text.isascii():
        return len(text)
    return cell_len(sanitize(text))


def wrapped_rows(cells: int, width: int) -> int:
    """Rows a line of ``cells`` cells takes when wrapped at ``width`` cells (at least one)."""
    return max(1, -(-cells // max(width, 1)))


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
    partner: list[int] = field(default_factory=list)  # the line facing a changed line, -1 for none
    words: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # line -> changed ranges
    pairs: list[tuple[DiffLine | None, DiffLine | None]] | None = None
    position: dict[int, int] = field(default_factory=dict)  # id(DiffLine) -> index in lines
    pair_row: list[int] = field(default_factory=list)  # line index -> its row in the split layout
    wrap_key: tuple[bool, int, int] | None = None
    wrap_starts: list[int] = field(default_factory=list)  # first body row of each display row

    @classmethod
    def build(cls, hunk: Hunk) -> _HunkData:
        lines = hunk.parse_lines()
        old_code: list[str] = []
        new_code: list[str] = []
        code_index: list[int] = []
        partner = [-1] * len(lines)
        dels: list[int] = []
        adds: list[int] = []
        for i, line in enumerate(lines):
            if line.kind == "-":
                code_index.append(len(old_code))
                old_code.append(sanitize(line.text))
                dels.append(i)
            elif line.kind == "\\":
                code_index.append(-1)
            elif line.kind == "+":
                code_index.append(len(new_code))
                new_code.append(sanitize(line.text))
                adds.append(i)
            else:
                code_index.append(len(new_code))
                new_code.append(sanitize(line.text))
                _pair(partner, dels, adds)
        _pair(partner, dels, adds)
        return cls(lines, code_index, old_code, new_code, partner)

    def code(self, index: int) -> str:
        line = self.lines[index]
        return (self.old_code if line.kind == "-" else self.new_code)[self.code_index[index]]

    def changed_words(self, index: int) -> list[tuple[int, int]]:
        """Changed ranges (in the sanitized code) of line ``index``, computed with its partner's."""
        ranges = self.words.get(index)
        if ranges is None:
            other = self.partner[index] if index < len(self.partner) else -1
            if other < 0:
                ranges = []
            else:
                old, new = (index, other) if self.lines[index].kind == "-" else (other, index)
                old_ranges, new_ranges = word_changes(self.code(old), self.code(new))
                self.words[old], self.words[new] = old_ranges, new_ranges
                ranges = self.words[index]
        return ranges

    def ensure_pairs(self) -> list[tuple[DiffLine | None, DiffLine | None]]:
        if self.pairs is None:
            self.pairs = pair_lines(self.lines)
            self.position = {id(line): i for i, line in enumerate(self.lines)}
            self.pair_row = [0] * len(self.lines)
            for row, (old, new) in enumerate(self.pairs):
                for line in (old, new):
                    if line is not None:
                        self.pair_row[self.position[id(line)]] = row
        return self.pairs


def _pair(partner: list[int], dels: list[int], adds: list[int]) -> None:
    """The i-th removed line of a run of changes faces its i-th added line (as ``pair_lines`` does)."""
    for d, a in zip(dels, adds, strict=False):  # the longer run keeps its extra lines unpaired
        partner[d], partner[a] = a, d
    dels.clear()
    adds.clear()


def _body_rows(lines: list[DiffLine], split: bool, widths: tuple[int, int]) -> list[int]:
    """Screen rows of each display row (a line, or a side-by-side pair) when wrapped at ``widths``."""
    def rows(line: DiffLine | None, width: int) -> int:
        if line is None or line.kind == "\\":
            return 1
        return wrapped_rows(display_width(line.text), width)

    if split:
        return [max(rows(old, widths[0]), rows(new, widths[1])) for old, new in pair_lines(lines)]
    return [rows(line, widths[0]) for line in lines]


class DiffBody(ScrollView, can_focus=True):
    """Virtualised rendering of a parsed diff, unified or side by side, scrolled sideways or wrapped."""

    BINDINGS = [
        # ScrollView's own left/right move one column: too slow to read a long line.
        Binding("left", "scroll_code(-1)", "Scroll left", show=False, id="diff.scroll-left"),
        Binding("right", "scroll_code(1)", "Scroll right", show=False, id="diff.scroll-right"),
    ]

    COMPONENT_CLASSES = {
        "diff-body--file",
        "diff-body--note",
        "diff-body--hunk",
        "diff-body--hunk-current",
        "diff-body--rejected",
        "diff-body--context",
        "diff-body--added",
        "diff-body--removed",
        "diff-body--added-word",
        "diff-body--removed-word",
        "diff-body--match",
        "diff-body--match-current",
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
        /* Only the background is used, so the changed words keep their syntax colours. */
        & > .diff-body--added-word { background: $success 65%; }
        & > .diff-body--removed-word { background: $error 65%; }
        & > .diff-body--match { background: $warning 70%; color: $text; }
        & > .diff-body--match-current { background: $accent; color: $text; text-style: bold underline; }
        & > .diff-body--gutter { color: $text-muted; }
        & > .diff-body--gutter-added { color: $text-success; background: $success-muted; }
        & > .diff-body--gutter-removed { color: $text-error; background: $error-muted; }
        & > .diff-body--filler { background: $surface-darken-1; color: $text-disabled; }
    }
    """

    split: reactive[bool] = reactive(False)
    wrap: reactive[bool] = reactive(False)
    """Wrap long lines (True) or scroll them sideways (False)."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._files: list[FileDiff] = []
        self._starts: list[int] = []  # first row of each block
        self._blocks: list[tuple[int, int]] = []  # (file index, hunk index or -1 for the file header)
        self._block_index: dict[tuple[int, int], int] = {}
        self._file_rows: list[int] = []
        self._hunk_rows: list[list[int]] = []
        self._rows = 0
        self._hunk_order: list[tuple[int, int]] = []
        self._hunk_position: dict[tuple[int, int], int] = {}
        self._cursor: tuple[int, int] | None = None
        self._number_width = 3
        self._rejected: dict[tuple[int, int], str] = {}
        self._layout_width = 0  # the width wrapped rows were counted for (0: not wrapped)
        self._widest = 0  # the widest code (cells) rendered since set_files: how far x can scroll
        self._width_pending = False
        self._matches: list[DiffMatch] = []
        self._match_lines: dict[tuple[int, int, int], list[int]] = {}  # (file, hunk, line) -> matches
        self._current_match: int | None = None
        # Small on purpose: everything cached is live objects the garbage collector must walk (a Strip
        # is ~20 of them), and a full collection over a big cache is a visible pause while scrolling.
        # A few pages of strips cover paging back and forth; the rest is cheap to rebuild.
        self._strips: LRUCache[tuple[int, int, int], Strip] = LRUCache(STRIP_CACHE_ROWS)
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
        self._matches, self._match_lines, self._current_match = [], {}, None
        self._widest = 0
        self._hunk_data.clear()
        self._code.clear()
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def set_rejected(self, rejected: dict[tuple[int, int], str]) -> None:
        self._rejected = dict(rejected)
        self._invalidate()

    def set_matches(self, matches: Sequence[DiffMatch], current: int | None = None) -> None:
        """Highlight these search matches (``current`` the one the user is on; none: clear them)."""
        self._matches = list(matches)
        self._match_lines = {}
        for i, m in enumerate(self._matches):
            self._match_lines.setdefault((m.file, m.hunk, m.line), []).append(i)
        self._current_match = current
        self._invalidate()

    def set_current_match(self, current: int | None) -> None:
        if current != self._current_match:
            self._current_match = current
            self._invalidate()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        self._number_width = max(3, len(str(self._biggest_number())))
        wrap_widths = self._code_widths(width) if self.wrap and width > 0 else None
        self._layout_width = width if wrap_widths is not None else 0
        starts: list[int] = []
        blocks: list[tuple[int, int]] = []
        file_rows: list[int] = []
        hunk_rows: list[list[int]] = []
        row = 0
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
                if wrap_widths is None:
                    row += 1 + (hunk.split_row_count() if self.split else hunk.line_count)
                else:
                    data = self._hunk_data.get((f, h))
                    lines = data.lines if data is not None else hunk.parse_lines()
                    row += 1 + sum(_body_rows(lines, self.split, wrap_widths))
            hunk_rows.append(rows_here)
        self._starts, self._blocks = starts, blocks
        self._block_index = {b: i for i, b in enumerate(blocks)}
        self._file_rows, self._hunk_rows = file_rows, hunk_rows
        self._hunk_order = [b for b in blocks if b[1] >= 0]
        self._hunk_position = {b: i for i, b in enumerate(self._hunk_order)}
        if self._cursor is not None and self._cursor[1] >= 0 and self._cursor not in self._hunk_position:
            self._cursor = None
        self._rows = row
        self._strips.clear()
        self._schedule_prefetch()
        self.virtual_size = Size(self._virtual_width(), row)
        self.refresh()

    def _biggest_number(self) -> int:
        biggest = 0
        for fd in self._files:
            if fd.hunks:
                last = fd.hunks[-1]
                biggest = max(biggest, last.old_start + last.old_len, last.new_start + last.new_len)
        return biggest

    def _code_widths(self, width: int) -> tuple[int, int]:
        """Cells left for the code after the gutters: (old side, new side); both the same unified."""
        w = self._number_width
        if not self.split:
            code = max(width - 1 - (2 * w + 2) - 2, 1)
            return code, code
        half = max((width - 2) // 2, 1)
        return max(half - (w + 1) - 2, 1), max(width - 2 - half - (w + 1) - 2, 1)

    def _virtual_width(self) -> int:
        width = self.scrollable_content_region.width
        if self.wrap or width <= 0:
            return width
        return width + max(0, self._widest - min(self._code_widths(width)))

    def _note_width(self, cells: int) -> None:
        """A line of ``cells`` was rendered: widen the scrollable area if it is the widest yet."""
        if cells > self._widest:
            self._widest = cells
            if not self.wrap and not self._width_pending:
                self._width_pending = True  # not while the compositor is asking us for lines
                self.call_after_refresh(self._update_virtual_size)

    def _update_virtual_size(self) -> None:
        self._width_pending = False
        self.virtual_size = Size(self._virtual_width(), self._rows)

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
        # a message would otherwise render the first screen twice). Wrapped rows depend on the width.
        if self.wrap and self.scrollable_content_region.width != self._layout_width:
            self._relayout_keeping_place()
        else:
            self.virtual_size = Size(self._virtual_width(), self._rows)

    def watch_split(self) -> None:
        self._relayout_keeping_place()

    def watch_wrap(self) -> None:
        if self.wrap:
            self.scroll_to(x=0, animate=False, immediate=True)
        self._relayout_keeping_place()

    def _relayout_keeping_place(self) -> None:
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

    def _block_end(self, file_index: int, hunk_index: int) -> int:
        i = self._block_index[(file_index, hunk_index)]
        return self._starts[i + 1] if i + 1 < len(self._starts) else self._rows

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

    def action_scroll_code(self, direction: int) -> None:
        """← / →: move the code sideways (nothing to do when wrapped or when every line fits)."""
        self.scroll_to(x=self.scroll_x + direction * SCROLL_STEP, animate=False, immediate=True)

    def match_row(self, match: DiffMatch) -> int:
        """The screen row (from the top of the diff) showing the start of a search match."""
        f, h, index = match.file, match.hunk, match.line
        data = self._data(f, h)
        line = data.lines[index]
        if self.split:
            data.ensure_pairs()
            display = data.pair_row[index]
        else:
            display = index
        row = self.block_row(f, h) + 1
        if not self._layout_width:
            return row + display
        widths = self._code_widths(self._layout_width)
        width = widths[1] if self.split and line.kind == "+" else widths[0]
        cell = cell_len(data.code(index)[: display_offset(line.text, match.start)])
        starts = self._wrap_starts(f, h, data)
        last = (starts[display + 1] if display + 1 < len(starts) else self._block_end(f, h) - row) - 1
        return row + min(starts[display] + cell // width, last)

    def show_match(self, index: int) -> None:
        """Make match ``index`` the current one and scroll it into view, sideways too."""
        self.set_current_match(index)
        match = self._matches[index]
        if not self.wrap:
            data = self._data(match.file, match.hunk)
            line = data.lines[match.line]
            code = data.code(match.line)
            start = cell_len(code[: display_offset(line.text, match.start)])
            end = cell_len(code[: display_offset(line.text, match.end)])
            width = self.scrollable_content_region.width
            left, right = self._code_widths(width)
            visible = right if self.split and line.kind == "+" else left
            self._widest = max(self._widest, cell_len(code))
            self.virtual_size = Size(self._virtual_width(), self._rows)
            x = round(self.scroll_x)
            if start < x or end > x + visible:
                self.scroll_to(x=max(0, start - visible // 4), animate=False, immediate=True)
        row = self.match_row(match)
        top, height = round(self.scroll_y), max(self.scrollable_content_region.height, 1)
        if not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        self._set_cursor((match.file, match.hunk))
        self.refresh()

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
            end = self._block_end(f, h) if h >= 0 else start + 2
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
        x = 0 if h < 0 or self.wrap else round(self.scroll_x)
        key = (row, width, x)
        strip = self._strips.get(key)
        if strip is None:
            self.lines_rendered += 1
            if h < 0:
                strip = self._file_header(f, width) if offset == 0 else self._note(f, width)
            else:
                data = self._data(f, h)
                if self.wrap and self._layout_width:
                    starts = self._wrap_starts(f, h, data)
                    display = bisect_right(starts, offset - 1) - 1
                    part = offset - 1 - starts[display]
                else:
                    display, part = offset - 1, 0
                if self.split:
                    strip = self._split_row(f, h, data, display, part, x, width)
                else:
                    strip = self._unified_row(f, h, data, display, part, x, width)
            self._strips[key] = strip
        return strip

    def _wrap_starts(self, f: int, h: int, data: _HunkData) -> list[int]:
        """First body row of each display row of a hunk, in the wrapped layout being shown."""
        widths = self._code_widths(self._layout_width)
        key = (self.split, *widths)
        if data.wrap_key != key:
            starts, row = [], 0
            for rows in _body_rows(data.lines, self.split, widths):
                starts.append(row)
                row += rows
            data.wrap_key, data.wrap_starts = key, starts
        return data.wrap_starts

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

    def _code_segments(self, f: int, h: int, data: _HunkData, index: int) -> list[Segment]:
        """One line's whole code (not cut to the view): syntax colours, changed words, matches."""
        line = data.lines[index]
        kind = line.kind
        base = self._style({"+": "diff-body--added", "-": "diff-body--removed"}.get(kind, "diff-body--context"))
        code = self._code_line(f, h, "old" if kind == "-" else "new", data.code_index[index])
        if kind != " ":
            ranges = data.changed_words(index)
            if ranges:
                word = self._style("diff-body--added-word" if kind == "+" else "diff-body--removed-word")
                background = VisualStyle(background=word.background)
                for start, end in ranges:
                    code = code.stylize(background, start, end)
        for i in self._match_lines.get((f, h, index), ()):
            m = self._matches[i]
            name = "diff-body--match-current" if i == self._current_match else "diff-body--match"
            code = code.stylize(
                self._style(name), display_offset(line.text, m.start), display_offset(line.text, m.end)
            )
        self._note_width(code.cell_length)
        return [Segment(text, style.rich_style) for text, style in code.render(base, end="", parse_style=self._parse)]

    def _line_strip(
        self, f: int, h: int, data: _HunkData, index: int, number: str, part: int, x: int, width: int,
        lead: Segment | None = None,
    ) -> Strip:
        """``lead`` (the rejected bar), the gutter (``number`` and the marker) and the code of one line,
        ``width`` cells wide: the code from column ``x`` (scrolled sideways) or the ``part``-th piece of
        it (wrapped). The common case (no scroll, first piece) is one list of segments, cut once."""
        line = data.lines[index]
        kind = line.kind
        segments = [] if lead is None else [lead]
        if kind == "\\":
            note = self._rich("diff-body--note")
            segments += [Segment(number, self._rich("diff-body--gutter")), Segment(f"  {line.text}", note)]
            return Strip(segments).adjust_cell_length(width, note)
        name = {"+": "added", "-": "removed"}.get(kind, "context")
        gutter = self._rich(f"diff-body--gutter-{name}" if kind != " " else "diff-body--gutter")
        fill = self._rich(f"diff-body--{name}")
        if part:
            segments.append(Segment(" " * (len(number) + 2), gutter))
        else:
            segments += [Segment(number, gutter), Segment(f"{kind} ", gutter)]
        code = self._code_segments(f, h, data, index)
        start = part * max(width - (0 if lead is None else 1) - len(number) - 2, 1) if part else x
        if start:
            room = width - sum(len(segment.text) for segment in segments)
            code = list(Strip(code).crop(start, start + max(room, 0)))
        segments += code
        return Strip(segments).adjust_cell_length(width, fill)

    def _rejected_bar(self, f: int, h: int) -> Segment:
        if (f, h) in self._rejected:
            return Segment("✗", self._rich("diff-body--rejected"))
        return Segment(" ", self._rich("diff-body--gutter"))

    def _unified_row(self, f: int, h: int, data: _HunkData, index: int, part: int, x: int, width: int) -> Strip:
        line = data.lines[index]
        w = self._number_width
        old = "" if line.old_no is None or part else str(line.old_no)
        new = "" if line.new_no is None or part else str(line.new_no)
        number = f"{old:>{w}} {new:>{w}} "
        return self._line_strip(f, h, data, index, number, part, x, width, lead=self._rejected_bar(f, h))

    def _split_row(self, f: int, h: int, data: _HunkData, index: int, part: int, x: int, width: int) -> Strip:
        old, new = data.ensure_pairs()[index]
        half = max((width - 2) // 2, 1)
        left = self._split_half(f, h, data, old, "old", part, x, half)
        right = self._split_half(f, h, data, new, "new", part, x, width - 2 - half)
        divider = Strip([Segment("│", self._rich("diff-body--gutter"))])
        return Strip.join([Strip([self._rejected_bar(f, h)]), left, divider, right])

    def _split_half(
        self, f: int, h: int, data: _HunkData, line: DiffLine | None, side: str, part: int, x: int, width: int
    ) -> Strip:
        if line is None:
            return Strip.blank(width, self._rich("diff-body--filler"))
        index = data.position[id(line)]
        if part and (line.kind == "\\" or part >= self._pieces(data, index, side)):
            # The other side of this row wraps onto more rows than this line needs.
            name = {"+": "added", "-": "removed"}.get(line.kind, "context")
            return Strip.blank(width, self._rich(f"diff-body--{name}"))
        number = line.old_no if side == "old" else line.new_no
        label = f"{'' if number is None or part else number:>{self._number_width}} "
        return self._line_strip(f, h, data, index, label, part, x, width)

    def _pieces(self, data: _HunkData, index: int, side: str) -> int:
        widths = self._code_widths(self._layout_width)
        return wrapped_rows(display_width(data.lines[index].text), widths[0] if side == "old" else widths[1])


__all__ = ["DiffBody", "display_offset", "display_width", "language_for", "sanitize", "wrapped_rows"]
