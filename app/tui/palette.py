"""The command palette's entries (ctrl+p) and the actions only the palette offers.

The gate entries trigger the approval bar, so the palette obeys the same gates (and grace period) as
the keys. The slow or modal actions run as the App's workers (``Workbench.run_palette``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from phasegate.app.tui.app import Workbench

VIEWER_TABS: tuple[tuple[str, str], ...] = (
    ("diff-tab", "Diff"), ("schema-tab", "Schema"), ("research-tab", "Research"), ("report-tab", "Report"),
    ("commands-tab", "Commands"),
)


def system_commands(app: Workbench) -> Iterator[SystemCommand]:
    from phasegate.phases.gates import rewind_targets
    from phasegate.phases.workflow import plan_editable

    c = app.controller
    gate = c.gate() if c is not None else None
    allowed = gate.allowed if gate is not None else frozenset()
    bar = app.bar
    if "approve" in allowed and gate is not None and gate.label:
        yield SystemCommand(gate.label, "The Approve gate (y)", lambda: bar.trigger("approve"))
    if "request_changes" in allowed:
        yield SystemCommand("Request changes", "Send the phase or plan back to the model (e)", lambda: bar.trigger("request-changes"))
    if "reject" in allowed and gate is not None:
        yield SystemCommand(gate.reject_label, "Discard the phase's changes (n)", lambda: bar.trigger("reject"))
    if "rollback" in allowed:
        yield SystemCommand("Roll back a phase…", "Revert a committed phase with git revert (u)", lambda: bar.trigger("rollback"))
    if c is not None and not c.busy:
        for slug in rewind_targets(c.session):
            yield SystemCommand(f"Rewind to before phase {slug}",
                                f"Revert {slug} and the phases after it; the model's conversation goes back to where {slug} started",
                                lambda slug=slug: app.run_palette(rewind(app, slug)))
    yield SystemCommand("Toggle unified/split diff", "Switch the diff view's layout (v in the diff)", app.diff_view.action_toggle_split)
    for tab, title in VIEWER_TABS:
        yield SystemCommand(f"Show {title}", f"Open the {title} tab of the viewer", lambda tab=tab: app.action_show_tab(tab))
    yield SystemCommand("Export report", "Write the session report to a Markdown file under .git/phasegate/",
                        lambda: app.run_palette(export_report(app)))
    yield SystemCommand("Switch model…", "Use another model for the next turns", lambda: app.run_palette(switch_model(app)))
    if c is not None and c.session.stage.value == "plan_review":
        yield SystemCommand("Reorder or drop phases…", "Give the phase order, e.g. database, api, testing",
                            lambda: app.run_palette(reprioritize(app)))
    if c is not None and not c.busy and plan_editable(c.session):
        yield SystemCommand("Edit plan in $EDITOR", "Write the plan in the strict Markdown format in your editor, read it back",
                            lambda: app.run_palette(edit_plan_in_editor(app)))
    yield SystemCommand("Copy last reply", "Copy the model's last message to the clipboard", lambda: copy_last_reply(app))


async def rewind(app: Workbench, slug: str) -> None:
    """The rollback dialog opened on ``slug`` with its "Rewind to before" choice focused (a confirmation)."""
    from phasegate.app.tui.gate_flows import rollback

    await rollback(app, rewind_to=slug)


async def edit_plan_in_editor(app: Workbench) -> None:
    """The plan in ``$EDITOR`` (``app/tui/plan_edits.py: edit_in_editor``)."""
    from phasegate.app.tui.plan_edits import edit_in_editor

    await edit_in_editor(app)


async def switch_model(app: Workbench) -> None:
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen

    if app.settings is None or app.controller is None:
        return
    name = await app.push_screen_wait(
        ReasonInputScreen("Switch model", "The model name the endpoint knows (e.g. gpt-4o, qwen2.5-coder).",
                          initial=app.settings.model, ok_label="Switch", grace=app.grace)
    )
    if not name:
        return
    app.settings.model = name
    app.controller.switch_model(name)
    app.views.refresh_header()
    app.notify(f"Next turns use {name}.", title="Model switched")


async def reprioritize(app: Workbench) -> None:
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen

    c = app.controller
    if c is None or c.session.plan is None:
        return
    order = await app.push_screen_wait(
        ReasonInputScreen("Reorder or drop phases", "Phases in the order to run them; leave one out to drop it.",
                          initial=", ".join(c.session.plan.slugs), ok_label="Apply", grace=app.grace)
    )
    if order:
        await app.guarded(c.reprioritize([p.strip() for p in order.replace(",", " ").split() if p.strip()]))


async def export_report(app: Workbench) -> None:
    """Write the session report under ``.git/phasegate/reports/`` (built in a thread)."""
    import asyncio

    from phasegate.app.session.final_report import build_report

    c = app.controller
    if c is None:
        return
    session, git = c.session, c.git
    path = c.store.root / "reports" / f"{session.id}.md"

    def write() -> None:
        report = session.final_report or build_report(session, git)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report["markdown"], encoding="utf-8")

    await asyncio.to_thread(write)
    app.notify(f"Report written to {path}", title="Export report")


def copy_last_reply(app: Workbench) -> None:
    c = app.controller
    replies = [m.get("content") for m in (c.conversation if c else []) if m.get("role") == "assistant" and m.get("content")]
    if not replies:
        app.notify("There is no reply to copy yet.", severity="warning")
        return
    app.copy_to_clipboard(str(replies[-1]))
    app.notify("Copied the last reply.")


