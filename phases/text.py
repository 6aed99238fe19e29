"""Small pure text helpers shared by the agent loop and the views."""

from __future__ import annotations


def first_line(text: str, limit: int = 160) -> str:
    """The first non-blank line of ``text``, cut at ``limit`` characters with an ellipsis."""
    stripped = text.strip()
    line = stripped.splitlines()[0] if stripped else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
