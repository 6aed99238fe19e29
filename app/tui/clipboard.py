"""The OS clipboard, besides Textual's OSC 52: not every terminal honours OSC 52."""

from __future__ import annotations

import shutil
import subprocess

_TOOLS: tuple[list[str], ...] = (
    ["pbcopy"], ["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"],
)


def copy_to_os_clipboard(text: str) -> bool:
    """Pipe ``text`` to the first clipboard tool found; never raises (a machine may have none)."""
    for command in _TOOLS:
        if shutil.which(command[0]):
            try:
                subprocess.run(command, input=text.encode("utf-8"), timeout=2, check=True, capture_output=True)
                return True
            except (OSError, subprocess.SubprocessError):
                continue
    return False
