"""The help screen (``?``): every key binding active under it, grouped, plus the chat input's keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

# Keys handled inside widgets (they are not active bindings while the help screen is open).
FIXED_KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+j / alt+enter", "send the message (in the chat input)"),
    ("enter", "new line (in the chat input)"),
    ("escape", "cancel the turn; if none runs, go to the plan (chat input)"),
    ("c", "copy the focused chat message"),
    ("space / enter", "tick a task or select a phase (in the plan)"),
    ("t · a · x · m · c", "edit, add, delete, move a task; comment (in the plan)"),
    ("y · a · n", "approve once, always allow, deny (command dialog)"),
    ("w / ← →", "wrap long lines, or scroll them sideways (in the diff)"),
    ("/ · n N", "search the diff, next / previous match (in the diff)"),
)


def binding_rows(bindings: Sequence[Binding], display: Callable[[Binding], str] | None = None) -> list[tuple[str, str]]:
    """(key, description) rows, without repeats; ``display`` turns a binding into its key label."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for binding in bindings:
        key = display(binding) if display else (binding.key_display or binding.key)
        row = (key, binding.description or binding.action)
        if row not in seen:
            seen.add(row)
            rows.append(row)
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help_screen.tcss"
    BINDINGS = [("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, rows: Sequence[tuple[str, str]] | None = None) -> None:
        """``rows`` (key, description); by default, the bindings active on the screen below."""
        super().__init__()
        self._rows = list(rows) if rows is not None else None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Keys", id="title")
            with VerticalScroll(id="keys"):
                yield Static(id="table")
            yield Static(Content.styled("escape or ? closes this help", "dim"), id="hint")

    def on_mount(self) -> None:
        rows = self._rows
        if rows is None:
            below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else self.app.screen
            rows = binding_rows([active.binding for active in below.active_bindings.values()], self.app.get_key_display)
        rows = rows + [r for r in FIXED_KEYS if r not in rows]
        width = max((len(k) for k, _ in rows), default=0) + 2
        self.query_one("#table", Static).update(
            Content("\n").join(Content.assemble((k.ljust(width), "bold $accent"), d) for k, d in rows)
        )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
