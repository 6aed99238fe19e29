"""Small helpers shared by the widgets: safe text for model output, and CSS loaded from the `.tcss` beside a module.

Model and tool output is untrusted: a reply containing ``\\x1b[2J`` or an OSC 52 sequence must not clear
the screen or write the clipboard when rendered. ``clean`` strips every C0/C1 control character except
newline and tab; ``escape_markup`` makes text safe to interpolate into Textual content markup.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.markup import escape as _escape

#: How long a freshly shown gate or decision modal ignores presses, so a keystroke meant for something
#: else cannot approve it. The one value for the approval bar and every ``GatedModal``; the workbench
#: passes its own (``Workbench(grace=…)``; tests use 0).
GRACE_SECONDS = 0.5

# C0 controls except \t (0x09) and \n (0x0a), DEL, and the C1 range (0x80-0x9f).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Return ``text`` without terminal control characters (``\\r\\n`` becomes ``\\n``; a lone ``\\r`` too)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def escape_markup(text: str) -> str:
    """Clean ``text`` and escape it for use inside Textual content markup."""
    return _escape(clean(text))


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters (an ellipsis marks a cut)."""
    line = " ".join(clean(text).split())
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def load_css(module_file: str) -> str:
    """The contents of the ``.tcss`` file beside ``module_file`` (package data, read once at import)."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")
