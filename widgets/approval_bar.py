"""The approval bar: the only buttons that move the workflow forward, plus the security checkpoint.

The App decides *what* is allowed (``set_gate``); this widget makes sure a stray keystroke cannot act on
a gate that just appeared: for ``grace`` seconds (0.5 by default, monotonic clock, injectable for tests)
presses and ``trigger`` calls are ignored. During phase review a security checklist can be shown; while
it is incomplete, approve is held back even if the App allows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label, Static

from phasegate.phases.findings import SEVERITY_ORDER, Finding
from phasegate.widgets._support import GRACE_SECONDS, clean, load_css

BarAction = Literal["approve", "request-changes", "reject", "rollback"]
ACTIONS: tuple[BarAction, ...] = ("approve", "request-changes", "reject", "rollback")
BUTTON_LABELS: dict[str, str] = {
    "approve": "Approve (y)",
    "request-changes": "Request changes (e)",
    "reject": "Reject (n)",
    "rollback": "Roll back (u)",
}
SECURITY_ITEMS: tuple[str, ...] = ("Authentication", "Authorization", "Input validation", "Secrets")


class ApprovalBar(Widget):
    """Approve / Request changes / Reject / Roll back, a label saying what approve does, and a checklist."""

    DEFAULT_CSS = load_css(__file__)

    class Action(Message):
        """The user chose an action on a gate that allowed it, after the grace period.

        Attributes:
            bar: the approval bar it came from.
            name: the action, one of ``ACTIONS``.
        """

        def __init__(self, bar: ApprovalBar, name: BarAction) -> None:
            super().__init__()
            self.bar = bar
            self.name: BarAction = name

        @property
        def control(self) -> ApprovalBar:
            return self.bar

    class ChecklistChanged(Message):
        """A checklist item was ticked or unticked.

        Attributes:
            bar: the approval bar it came from.
            complete: whether every item is ticked now.
        """

        def __init__(self, bar: ApprovalBar, complete: bool) -> None:
            super().__init__()
            self.bar = bar
            self.complete = complete

        @property
        def control(self) -> ApprovalBar:
            return self.bar

    def __init__(
        self,
        *,
        grace: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._grace = grace
        self._clock = clock
        self._label: str | None = None
        self._allowed: frozenset[str] = frozenset()
        self._gate_opened_at = float("-inf")
        self._checklist_items: list[str] = []
        self._findings: list[Finding] = []
        self._boxes: list[Checkbox] = []
        self._showing = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="security", classes="hidden"):
            yield Label("Security checkpoint — tick each item you have checked in this diff:", id="security-title")
            yield Vertical(id="security-items")
            yield Static(id="security-findings")
        with Horizontal(id="gate-row"):
            yield Label("Nothing to approve", id="gate-label")
            for action in ACTIONS:
                yield Button(
                    BUTTON_LABELS[action],
                    id=action,
                    variant="success" if action == "approve" else ("error" if action == "reject" else "default"),
                    disabled=True,
                    compact=True,
                )

    # -- gate ----------------------------------------------------------------------------------------

    def set_gate(self, label: str | None, allowed: Iterable[BarAction], *, changes_label: str = "Request changes") -> None:
        """Show what approve will do now (``None``: no gate) and enable exactly the ``allowed`` actions;
        ``changes_label`` is what the request-changes button says (its key stays ``e``)."""
        allowed_set = frozenset(a for a in allowed if a in ACTIONS)
        changes = self.query_one("#request-changes", Button)
        if str(changes.label) != f"{changes_label} (e)":
            changes.label = f"{changes_label} (e)"
            changes.refresh(layout=True)  # Button.label does not re-lay out: its width must follow the label
        if (label, allowed_set) != (self._label, self._allowed) and allowed_set:
            self._gate_opened_at = self._clock()
        self._label, self._allowed = label, allowed_set
        self.query_one("#gate-label", Label).update(Content(clean(label)) if label else "Nothing to approve")
        self._refresh_buttons()

    def is_allowed(self, action: str) -> bool:
        """Whether ``action`` is enabled by the gate (ignores the grace period; use it for ``check_action``)."""
        if action not in self._allowed:
            return False
        return not (action == "approve" and self._checklist_items and not self.checklist_complete())

    def in_grace(self) -> bool:
        return self._clock() - self._gate_opened_at < self._grace

    def trigger(self, action: str) -> bool:
        """Act as if the user pressed ``action`` (for the App's key bindings). Returns whether it was posted."""
        if not self.is_allowed(action) or self.in_grace():
            return False
        self.post_message(self.Action(self, cast(BarAction, action)))
        return True

    def _refresh_buttons(self) -> None:
        for action in ACTIONS:
            self.query_one(f"#{action}", Button).disabled = not self.is_allowed(action)

    @on(Button.Pressed, "#gate-row Button")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id in ACTIONS:
            self.trigger(event.button.id)

    # -- security checkpoint ---------------------------------------------------------------------------

    def set_security_checklist(self, items: Sequence[str] | None, findings: Sequence[Finding] | None = None) -> None:
        """Show the checklist (``items``, e.g. ``SECURITY_ITEMS``) and the scans' findings; empty ``items``
        hides it."""
        self._checklist_items = list(items or [])
        self._findings = sorted(findings or [], key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
        box = self.query_one("#security-items", Vertical)
        box.remove_children()
        # A fresh id per showing: the old boxes may still be on their way out when a new review arrives.
        self._showing += 1
        self._boxes = [
            Checkbox(Content(clean(item)), id=f"check-{self._showing}-{index}", compact=True)
            for index, item in enumerate(self._checklist_items)
        ]
        box.mount_all(self._boxes)
        self.query_one("#security", Vertical).set_class(not self._checklist_items, "hidden")
        self.query_one("#security-findings", Static).update(self._render_findings())
        self._refresh_buttons()

    def _render_findings(self) -> Content:
        if not self._findings:
            return Content("No findings from the automatic scans.") if self._checklist_items else Content("")
        parts: list[Content] = []
        for finding in self._findings:
            style = {"critical": "bold red", "high": "bold red", "medium": "yellow"}.get(finding.severity, "dim")
            parts.append(
                Content.assemble(
                    (f"{finding.severity.upper():<8}", style),
                    " ",
                    (clean(finding.location), "underline"),
                    "  ",
                    clean(finding.message),
                )
            )
        return Content("\n").join(parts)

    def checklist_state(self) -> dict[str, bool]:
        return {item: box.value for item, box in zip(self._checklist_items, self._boxes, strict=True)}

    def checklist_complete(self) -> bool:
        """True when every checklist item is ticked (and trivially when no checklist is shown)."""
        return all(self.checklist_state().values())

    @on(Checkbox.Changed, "#security-items Checkbox")
    def _ticked(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._refresh_buttons()
        self.post_message(self.ChecklistChanged(self, self.checklist_complete()))
