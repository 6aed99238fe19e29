"""Choose a committed phase to roll back, see which later phases touch the same files, confirm.

Rollback is a ``git revert`` of the phase's commit; when a later phase changed the same files the revert
may conflict or leave that phase's code inconsistent, so those phases and files are listed before the
user confirms. Dismisses the chosen slug, or ``None``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from phasegate.app.tui.screens._base import GRACE_SECONDS, GatedModal
from phasegate.widgets._support import clean


@dataclass(frozen=True)
class RollbackCandidate:
    """A committed phase, in commit order, with the files its commit changed."""

    slug: str
    heading: str
    commit_sha: str
    files: tuple[str, ...] = field(default_factory=tuple)


def later_overlaps(candidates: Sequence[RollbackCandidate], slug: str) -> list[tuple[RollbackCandidate, list[str]]]:
    """The phases committed after ``slug`` that changed some of the same files, with those files."""
    index = next((i for i, c in enumerate(candidates) if c.slug == slug), None)
    if index is None:
        return []
    mine = set(candidates[index].files)
    result = []
    for later in candidates[index + 1 :]:
        shared = sorted(mine.intersection(later.files))
        if shared:
            result.append((later, shared))
    return result


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


class RollbackPickerScreen(GatedModal[str | None]):
    CSS_PATH = "rollback_picker.tcss"

    def __init__(
        self,
        candidates: Sequence[RollbackCandidate],
        *,
        preselect: str | None = None,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.candidates = list(candidates)
        self.preselect = preselect
        self.chosen: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Roll back a committed phase", id="title")
            if not self.candidates:
                yield Static("No phase has been committed yet, so there is nothing to roll back.", id="details")
            else:
                yield OptionList(
                    *(
                        Option(
                            Content.assemble(clean(c.heading), "  ", (c.commit_sha[:7], "cyan"), (f"  {_files(len(c.files))}", "dim")),
                            id=c.slug,
                        )
                        for c in self.candidates
                    ),
                    id="phases",
                )
                yield Static("Choose a phase to see what its rollback affects.", id="details")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Roll back", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        super().on_mount()
        if self.candidates:
            options = self.query_one("#phases", OptionList)
            options.focus()
            slugs = [c.slug for c in self.candidates]
            if self.preselect in slugs:
                options.highlighted = slugs.index(self.preselect)

    @on(OptionList.OptionHighlighted, "#phases")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.choose(event.option.id)

    def choose(self, slug: str | None) -> None:
        candidate = next((c for c in self.candidates if c.slug == slug), None)
        self.chosen = candidate.slug if candidate else None
        button = self.query_one("#confirm", Button)
        button.disabled = candidate is None
        if candidate is None:
            return
        button.label = f"Roll back {candidate.slug}"
        lines = [
            Content.assemble(
                "git revert ", (candidate.commit_sha[:7], "cyan"), " — ", (clean(candidate.heading), "bold"),
                f" ({_files(len(candidate.files))})",
            )
        ]
        overlaps = later_overlaps(self.candidates, candidate.slug)
        if overlaps:
            lines.append(Content.styled("⚠ Later phases changed the same files; the revert may conflict:", "bold $warning"))
            for later, files in overlaps:
                shown = ", ".join(clean(f) for f in files[:6]) + (f" … +{len(files) - 6}" if len(files) > 6 else "")
                lines.append(Content.assemble("  ", (clean(later.heading), "bold"), f": {shown}"))
        else:
            lines.append(Content.styled("No later phase touches these files.", "$success"))
        details = self.query_one("#details", Static)
        details.update(Content("\n").join(lines))


    def on_choice(self, button_id: str) -> None:
        if button_id == "confirm" and self.chosen:
            self.dismiss(self.chosen)
        elif button_id == "cancel":
            self.dismiss(None)
