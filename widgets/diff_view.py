"""The diff view (``#diff``): a file list, a virtualised unified/side-by-side body, hunk review, search.

The widget never runs git and never touches the disk: the App hands it diff text with
:meth:`DiffView.set_diff`, and hears about the user's verdicts through :class:`DiffView.HunkRejected`
and :class:`DiffView.HunkRestored`. Rejecting needs a reason: the view posts
:class:`DiffView.HunkRejectRequested`, the App asks for it (a modal) and calls :meth:`DiffView.reject_hunk`. Reversing a rejected hunk in the working tree is the App's job
(``phasegate.phases.diffs.build_patch`` + the git service).

Search (``/``) is the view's own business: it looks through the diff it already holds
(``phasegate.phases.diffs.search_diff``), highlights the matches and says "match 3 of 12".
While a search is open, ``n``/``N`` move between matches and ``escape`` closes it; once closed,
those keys mean what the App binds them to again (``n`` is the reject gate).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from phasegate.phases.diffs import DiffMatch, FileDiff, parse_diff, search_diff
from phasegate.widgets.diff_body import DiffBody
from phasegate.widgets.diff_file_list import DiffFileList

EMPTY_MESSAGE = "No changes in this phase yet"


def no_match_text(term: str) -> str:
    return f"no match for \u201c{term}\u201d"


def match_text(index: int, count: int) -> str:
    return f"match {index + 1} of {count}"


class DiffView(Widget):
    """File list + diff body. Keys: j/k scroll, [ ] hunks, { } files, x reject/restore a hunk, v split,
    w wrap (← → scroll long lines otherwise), / search, n/N next/previous match, escape close search."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    BINDINGS = [
        Binding("j", "scroll(1)", "Down", show=False, id="diff.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="diff.up"),
        Binding("right_square_bracket", "hunk(1)", "Next hunk", id="diff.next-hunk"),
        Binding("left_square_bracket", "hunk(-1)", "Prev hunk", show=False, id="diff.prev-hunk"),
        Binding("right_curly_bracket", "file(1)", "Next file", id="diff.next-file"),
        Binding("left_curly_bracket", "file(-1)", "Prev file", show=False, id="diff.prev-file"),
        Binding("x", "toggle_reject", "Reject hunk", id="diff.reject-hunk"),
        Binding("v", "toggle_split", "Split/unified", id="diff.split"),
        Binding("w", "toggle_wrap", "Wrap", id="diff.wrap"),
        Binding("slash", "search", "Search", id="diff.search"),
        # Only while a search is open (check_action): otherwise n is the App's reject key.
        Binding("n", "match(1)", "Next match", id="diff.next-match"),
        Binding("N", "match(-1)", "Prev match", id="diff.prev-match"),
        Binding("escape", "close_search", "Close search", id="diff.close-search"),
    ]

    THREAD_THRESHOLD_LINES = 100_000
    """Diffs with more lines are parsed in a thread worker (the parser does ~50k lines in ~15 ms)."""

    split: reactive[bool] = reactive(False)
    """Side-by-side (True) or unified (False)."""
    wrap: reactive[bool] = reactive(False)
    """Long lines wrap (True) or scroll sideways with ← → (False)."""

    class HunkRejectRequested(Message):
        """The user pressed x on a hunk: the App asks why, then calls :meth:`DiffView.reject_hunk`.

        Attributes:
            view: the diff view.
            path: the file's path.
            hunk_index: the hunk's index in the file (0-based).
            header: the hunk's ``@@`` header line.
        """

        def __init__(self, view: DiffView, path: str, hunk_index: int, header: str) -> None:
            super().__init__()
            self.view = view
            self.path = path
            self.hunk_index = hunk_index
            self.header = header

        @property
        def control(self) -> DiffView:
            return self.view

    class HunkRejected(Message):
        """The user rejected a hunk, with a reason for the model.

        Attributes:
            view: the diff view.
            path: the file's path.
            hunk_index: the hunk's index in the file (0-based).
            reason: why, in the user's words.
        """

        def __init__(self, view: DiffView, path: str, hunk_index: int, reason: str) -> None:
            super().__init__()
            self.view = view
            self.path = path
            self.hunk_index = hunk_index
            self.reason = reason

        @property
        def control(self) -> DiffView:
            return self.view

    class HunkRestored(Message):
        """The user took back a rejection.

        Attributes:
            view: the diff view.
            path: the file's path.
            hunk_index: the hunk's index in the file (0-based).
        """

        def __init__(self, view: DiffView, path: str, hunk_index: int) -> None:
            super().__init__()
            self.view = view
            self.path = path
            self.hunk_index = hunk_index

        @property
        def control(self) -> DiffView:
            return self.view

    class Loaded(Message):
        """A diff set with :meth:`set_diff` is parsed and on screen.

        Attributes:
            view: the diff view.
            file_count: how many files the diff has.
        """

        def __init__(self, view: DiffView, file_count: int) -> None:
            super().__init__()
            self.view = view
            self.file_count = file_count

        @property
        def control(self) -> DiffView:
            return self.view

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._files: list[FileDiff] = []
        self._rejected: dict[tuple[int, int], str] = {}
        self._generation = 0
        self._term = ""  # the search being shown ("" while the search bar is closed or unsubmitted)
        self._matches: list[DiffMatch] = []
        self._current: int | None = None

    def compose(self) -> ComposeResult:
        yield DiffFileList(id="diff-files")
        yield DiffBody(id="diff-body")
        yield Static(EMPTY_MESSAGE, id="diff-message", markup=False)
        with Horizontal(id="diff-search"):
            yield Input(placeholder="Search the diff · enter", id="diff-search-input")
            yield Static("", id="diff-search-status", markup=False)

    def on_mount(self) -> None:
        self.show_message(EMPTY_MESSAGE)

    def focus(self, scroll_visible: bool = True) -> DiffView:
        """Focusing the view focuses its body, where the keys act."""
        self.body.focus(scroll_visible)
        return self

    @property
    def body(self) -> DiffBody:
        return self.query_one("#diff-body", DiffBody)

    @property
    def file_list(self) -> DiffFileList:
        return self.query_one("#diff-files", DiffFileList)

    @property
    def files(self) -> list[FileDiff]:
        return self._files

    @property
    def searching(self) -> bool:
        """The search bar is open."""
        return self.has_class("-searching")

    @property
    def search_status(self) -> str:
        """What the search bar says ("match 3 of 12", "no match for …", "" before a search)."""
        return str(self.query_one("#diff-search-status", Static).render())

    @property
    def matches(self) -> list[DiffMatch]:
        return self._matches

    @property
    def current_match(self) -> int | None:
        """Index into :attr:`matches` of the match the view is on."""
        return self._current

    # --- public API ------------------------------------------------------------------------------

    def set_diff(self, diff_text: str, rejected: Iterable[tuple[str, int, str]] = ()) -> None:
        """Show ``git diff`` output; ``rejected`` re-applies earlier marks (path, hunk index, reason).

        Big diffs are parsed in a thread; :class:`DiffView.Loaded` is posted once the diff is shown.
        """
        marks = list(rejected)
        if not self.is_mounted:  # called right after mounting us: run once our children exist
            self.call_after_refresh(self.set_diff, diff_text, marks)
            return
        self._generation += 1
        if diff_text.count("\n") > self.THREAD_THRESHOLD_LINES:
            self.show_message("Loading diff…")
            self._parse_in_thread(diff_text, marks, self._generation)
        else:
            self._show(parse_diff(diff_text), marks, self._generation)

    def clear(self) -> None:
        """Forget the diff and show the empty state."""
        self._generation += 1
        self._files = []
        self._rejected = {}
        self._matches, self._current = [], None
        self.body.set_files([])
        self.file_list.set_files([])
        self.show_message(EMPTY_MESSAGE)
        if self._term:
            self._show_status()

    def show_message(self, text: str) -> None:
        """Replace the diff with a one-line message (empty states, errors from the App)."""
        self.query_one("#diff-message", Static).update(text)
        self.add_class("-message")

    def rejected_hunks(self) -> list[tuple[str, int, str]]:
        """(path, hunk index, reason) for every rejected hunk, in diff order."""
        return [(self._files[f].path, h, reason) for (f, h), reason in sorted(self._rejected.items())]

    # --- loading ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="diff-parse")
    def _parse_in_thread(self, diff_text: str, marks: list[tuple[str, int, str]], generation: int) -> None:
        files = parse_diff(diff_text)
        self.app.call_from_thread(self._show, files, marks, generation)

    def _show(self, files: list[FileDiff], marks: list[tuple[str, int, str]], generation: int) -> None:
        if generation != self._generation:
            return  # a newer set_diff or clear() won
        self._files = files
        index = {fd.path: i for i, fd in enumerate(files)}
        self._rejected = {
            (index[path], h): reason
            for path, h, reason in marks
            if path in index and 0 <= h < len(files[index[path]].hunks)
        }
        if not files:
            self.body.set_files([])
            self.file_list.set_files([])
            self.show_message(EMPTY_MESSAGE)
        else:
            self.remove_class("-message")
            self.body.split = self.split
            self.body.wrap = self.wrap
            self.body.set_files(files, self._rejected)
            self.file_list.set_files(files)
        if self._term:  # a refreshed diff keeps the search: same term, matches found again, no jump
            self._matches = search_diff(files, self._term)
            if self._current is not None:
                self._current = min(self._current, len(self._matches) - 1) if self._matches else None
            self.body.set_matches(self._matches, self._current)
            self._show_status()
        self.post_message(self.Loaded(self, len(files)))

    # --- reactions -------------------------------------------------------------------------------

    def watch_split(self, split: bool) -> None:
        if self.is_mounted:
            self.body.split = split

    def watch_wrap(self, wrap: bool) -> None:
        if self.is_mounted:
            self.body.wrap = wrap

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self.file_list:
            event.stop()
            self.body.scroll_to_block(event.option_index)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    # --- actions ---------------------------------------------------------------------------------

    def action_scroll(self, delta: int) -> None:
        self.body.scroll_to(y=self.body.scroll_y + delta, animate=False)

    def action_hunk(self, delta: int) -> None:
        if not self.body.hunk_step(delta):
            self.app.bell()
        self._sync_list()

    def action_file(self, delta: int) -> None:
        if not self.body.file_step(delta):
            self.app.bell()
        self._sync_list()

    def action_toggle_split(self) -> None:
        self.split = not self.split

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    # --- search ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("match", "close_search"):
            return self.searching  # False hides them and lets the key reach the App's binding
        if action == "search":
            return bool(self._files)
        return True

    def action_search(self) -> None:
        """``/``: open the search bar (showing the last term, selected, to type over it)."""
        self.add_class("-searching")
        field = self.query_one("#diff-search-input", Input)
        field.focus()
        field.select_all()
        self.refresh_bindings()

    @on(Input.Submitted, "#diff-search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        term = event.value
        if not term:
            self.action_close_search()
            return
        self._term = term
        self._matches = search_diff(self._files, term)
        self._current = self._first_match_in_view() if self._matches else None
        self.body.set_matches(self._matches, self._current)
        if self._current is not None:
            self.body.show_match(self._current)
        else:
            self.app.bell()
        self._show_status()
        self.body.focus()

    def _first_match_in_view(self) -> int:
        """The first match at or below the top of the view, else the first one (the search wraps)."""
        top = round(self.body.scroll_y)
        block = self.body.block_at(top) or (0, -1)
        keys = [(m.file, m.hunk) for m in self._matches]
        for i in range(bisect_left(keys, block), len(self._matches)):
            if self.body.match_row(self._matches[i]) >= top:
                return i
        return 0

    def action_match(self, delta: int) -> None:
        """``n`` / ``N``: the next / previous match, round the end of the diff."""
        if not self._matches or self._current is None:
            self.app.bell()
            self._show_status()
            return
        self._current = (self._current + delta) % len(self._matches)
        self.body.show_match(self._current)
        self._show_status()

    def action_close_search(self) -> None:
        """``escape``: close the search bar and take the highlights away."""
        self.remove_class("-searching")
        self._term = ""
        self._matches, self._current = [], None
        self.body.set_matches([])
        self.query_one("#diff-search-status", Static).update("")
        self.body.focus()
        self.refresh_bindings()

    def _show_status(self) -> None:
        if self._matches and self._current is not None:
            text = match_text(self._current, len(self._matches))
        else:
            text = no_match_text(self._term) if self._term else ""
        self.query_one("#diff-search-status", Static).update(text)

    def _sync_list(self) -> None:
        current = self.body.current_file
        if current is not None and self.file_list.highlighted != current:
            self.file_list.highlighted = current

    def action_toggle_reject(self) -> None:
        current = self.body.current_hunk
        if current is None:
            self.app.bell()
            return
        f, h = current
        path = self._files[f].path
        if current in self._rejected:
            del self._rejected[current]
            self.body.set_rejected(self._rejected)
            self.post_message(self.HunkRestored(self, path, h))
            return
        self.post_message(self.HunkRejectRequested(self, path, h, self._files[f].hunks[h].header))

    def reject_hunk(self, path: str, hunk_index: int, reason: str | None) -> bool:
        """Record the App's answer to :class:`HunkRejectRequested` (``None``/empty: not rejected). The
        diff may have changed meanwhile: a hunk no longer there is not marked. Returns whether it was."""
        f = next((i for i, file in enumerate(self._files) if file.path == path), None)
        if not reason or f is None or hunk_index >= len(self._files[f].hunks):
            return False
        self._rejected[(f, hunk_index)] = reason
        self.body.set_rejected(self._rejected)
        self.post_message(self.HunkRejected(self, path, hunk_index, reason))
        return True
