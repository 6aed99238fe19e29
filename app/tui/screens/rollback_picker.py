"""Choose a committed phase to roll back, see which later phases touch the same files, confirm.

Rollback is a ``git revert`` of the phase's commit; when a later phase changed the same files the revert
may conflict or leave that phase's code inconsistent, so those phases and files are listed before the
user confirms. Dismisses the chosen slug, or ``None``.

Its second choice, "Rewind to before <phase>" (offered for the phases in ``rewindable``), dismisses a
``RewindChoice``: every committed phase from that one on is reverted, newest first, and the model's
conversation goes back to where the phase started.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
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


@dataclass(frozen=True)
class RewindChoice:
    """The user chose to rewind to before ``slug`` (not to roll back that one phase)."""

    slug: str


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


class RollbackPickerScreen(GatedModal[str | RewindChoice | None]):
    CSS_PATH = "rollback_picker.tcss"

    def __init__(
        self,
        candidates: Sequence[RollbackCandidate],
        *,
        preselect: str | None = None,
        rewindable: Collection[str] = (),
        rewind_first: bool = False,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(grace=grace, clock=clock)
        self.candidates = list(candidates)
        self.preselect = preselect
        self.rewindable = frozenset(rewindable)
        self.rewind_first = rewind_first  # opened as "Rewind to before …" (the palette): focus that button
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
                if self.rewindable:
                    yield Button("Rewind", id="rewind", variant="warning", disabled=True)
                yield Button("Roll back", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        super().on_mount()
        if self.candidates:
            options = self.query_one("#phases", OptionList)
            options.focus()
            slugs = [c.slug for c in self.candidates]
            if self.preselect in slugs:
                options.highlighted = slugs.index(self.preselect)
                self.choose(self.preselect)
            if self.rewind_first and self.rewindable:
                self.query_one("#rewind", Button).focus()

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
        rewinds = self._rewinds(candidate.slug)
        if self.rewindable:
            rewind = self.query_one("#rewind", Button)
            rewind.disabled = candidate.slug not in self.rewindable
            rewind.label = f"Rewind to before {candidate.slug}"
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
        if rewinds:
            lines.append(Content.assemble(
                ("Rewind to before ", "bold"), (clean(candidate.slug), "bold"), ": git revert ",
                ", ".join(clean(c.slug) for c in rewinds), " (newest first); they are pending again and the model's "
                "conversation goes back to where ", clean(candidate.slug), " started.",
            ))
        details = self.query_one("#details", Static)
        details.update(Content("\n").join(lines))

    def _rewinds(self, slug: str) -> list[RollbackCandidate]:
        """The committed phases a rewind to before ``slug`` reverts, newest first ([] when it is not offered)."""
        if slug not in self.rewindable:
            return []
        index = next(i for i, c in enumerate(self.candidates) if c.slug == slug)
        return list(reversed(self.candidates[index:]))


    def on_choice(self, button_id: str) -> None:
        if button_id == "confirm" and self.chosen:
            self.dismiss(self.chosen)
        elif button_id == "rewind" and self.chosen in self.rewindable:
            self.dismiss(RewindChoice(self.chosen))
        elif button_id == "cancel":
            self.dismiss(None)
