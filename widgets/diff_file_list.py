"""The file list beside the diff body: path, +added −removed, and what kind of change it is."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from phasegate.phases.diffs import FileDiff

_TAGS = {"added": "new", "deleted": "deleted", "renamed": "renamed", "copied": "copied"}


def file_labels(fd: FileDiff) -> list[str]:
    """Short tags shown after the counts (also used by tests and the app's summaries)."""
    tags = [_TAGS[fd.status]] if fd.status in _TAGS else []
    if fd.binary:
        tags.append("binary")
    if fd.mode_changed:
        tags.append("mode")
    return tags


def file_prompt(fd: FileDiff) -> Content:
    parts: list[str | tuple[str, str]] = [fd.path.translate({c: 0xFFFD for c in range(32)})]
    if fd.status in ("renamed", "copied") and fd.old_path:
        parts.append((f" ← {fd.old_path}", "$text-muted"))
    if fd.hunks:
        parts += ["  ", (f"+{fd.added}", "$text-success"), " ", (f"−{fd.removed}", "$text-error")]
    for tag in file_labels(fd):
        parts += [" ", (f"[{tag}]", "$text-warning" if tag == "binary" else "$text-accent")]
    return Content.assemble(*parts)


class DiffFileList(OptionList):
    """One option per changed file; the option index is the file's index in the diff."""

    DEFAULT_CSS = """
    DiffFileList {
        height: 1fr;
    }
    """

    def set_files(self, files: Sequence[FileDiff]) -> None:
        self.set_options(Option(file_prompt(fd)) for fd in files)
        self.highlighted = 0 if files else None
