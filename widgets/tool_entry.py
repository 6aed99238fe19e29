"""A tool call in the chat: one compact line (name, short arguments, result) that expands to the detail."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Collapsible, Static

from phasegate.widgets._support import clean, shorten


class ToolEntry(Collapsible):
    def __init__(self, call_id: str, name: str, args_summary: str) -> None:
        self.call_id = call_id
        self.tool_name = clean(name)
        self.args_summary = clean(args_summary)
        self.ok: bool | None = None
        self.summary = ""
        self._detail = Static(self._detail_content(), classes="tool-detail")
        # Titles are given as Content, never as a str: a str title would be parsed as markup.
        super().__init__(self._detail, title=self._make_title(), collapsed=True, classes="tool -running")  # type: ignore[arg-type]

    def _make_title(self) -> Content:
        state, style = {None: ("…", "dim"), True: ("✓", "green"), False: ("✗", "bold red")}[self.ok]
        parts: list[Content | str | tuple[str, str]] = [
            (state, style),
            " ",
            (self.tool_name, "bold"),
            f"({shorten(self.args_summary, 60)})",
        ]
        if self.summary:
            parts.append((f"  → {shorten(self.summary, 60)}", "dim"))
        return Content.assemble(*parts)

    def _detail_content(self) -> Content:
        parts = [Content.assemble(("arguments: ", "bold"), self.args_summary or "(none)")]
        if self.ok is not None:
            parts.append(
                Content.assemble(("result: ", "bold"), ("ok" if self.ok else "error", "green" if self.ok else "red"))
            )
            parts.append(Content(self.summary))
        return Content("\n").join(parts)

    def complete(self, ok: bool, summary: str) -> None:
        self.ok = ok
        self.summary = clean(summary)
        self.title = self._make_title()  # type: ignore[assignment]
        self.remove_class("-running")
        self.add_class("-ok" if ok else "-error")
        self._detail.update(self._detail_content())
