"""The user's edits of the plan under review: ask for the text in a modal, then hand the controller a
workflow event (``phases/workflow.py``: ``EditTask``, ``AddTask``, ``DeleteTask``, ``MoveTask``,
``CommentOnPlan``, ``ReplacePlan``). Each edit makes a new plan version marked as the user's; comments
wait for the next "request changes". Runs as a worker of the App (group ``plan-edit``) on the event loop.

``edit_in_editor`` is the palette's "Edit plan in $EDITOR": the plan in the strict Markdown format in a
file under ``.git/phasegate/``, the app suspended while the editor runs, the file read back. A parse
error names the line and loses nothing: the plan stays as it was and the file keeps the user's text,
which the next try opens again.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.app.tui.app import Workbench
    from phasegate.widgets.plan_checklist import PlanChecklist


async def perform(app: Workbench, request: PlanChecklist.EditRequested) -> None:
    """What the checklist's edit keys do: the modal for the text, then the event."""
    from phasegate.app.tui.screens.plan_move import PlanMoveScreen
    from phasegate.app.tui.screens.plan_task import PlanTaskScreen
    from phasegate.app.tui.screens.reason_input import ReasonInputScreen
    from phasegate.phases import workflow as wf

    c = app.controller
    if c is None or c.session.plan is None:
        return
    plan = c.session.plan
    try:
        phase = plan.phase(request.phase)
    except KeyError:
        return
    task = next((t for t in phase.tasks if t.id == request.task_id), None)
    event: wf.PlanEdit | wf.CommentOnPlan | None = None
    match request.action:
        case "edit-task" if task is not None:
            answer = await app.push_screen_wait(
                PlanTaskScreen(f"Edit task {task.id}", title=task.title, detail=task.detail,
                               where=f"in {phase.heading}", grace=app.grace)
            )
            if answer is not None and answer != (task.title, task.detail):
                event = wf.EditTask(task.id, *answer)
        case "add-task":
            answer = await app.push_screen_wait(
                PlanTaskScreen(f"Add a task to {phase.heading}", where="It goes at the end of the phase.",
                               ok_label="Add", grace=app.grace)
            )
            if answer is not None:
                event = wf.AddTask(phase.slug, *answer)
        case "delete-task" if task is not None:
            event = wf.DeleteTask(task.id)
        case "move-task" if task is not None:
            others = [(p.slug, p.heading) for p in plan.phases if p.slug != phase.slug]
            target = await app.push_screen_wait(PlanMoveScreen(task.title, others, grace=app.grace))
            if target:
                event = wf.MoveTask(task.id, target)
        case "comment":
            where = f"task {task.id} “{task.title}”" if task is not None else f"the {phase.heading} phase"
            existing = next((x.text for x in c.session.plan_comments
                             if x.phase == phase.slug and x.task_id == (task.id if task else None)), "")
            text = await app.push_screen_wait(
                ReasonInputScreen(
                    f"Comment on {where}",
                    "Sent to the model with your next “request changes” (or with the plan's approval)."
                    + (" Empty removes the comment." if existing else ""),
                    placeholder="e.g. use a partial index here",
                    initial=existing,
                    required=not existing,
                    ok_label="Save comment",
                    grace=app.grace,
                )
            )
            if text is not None and text != existing:
                event = wf.CommentOnPlan(phase.slug, text, task_id=task.id if task else None)
    if event is None:
        return
    await app.guarded(c.edit_plan(event))
    if isinstance(event, wf.DeleteTask) and task is not None and c.session.plan_versions[-1].author == "user":
        app.notify(f"Deleted “{task.title}” (plan v{c.session.plan_version}; v{c.session.plan_version - 1} "
                   "in the version list still has it).", title="Plan edited")


# ---------------------------------------------------------------------------------------------- $EDITOR

EDIT_HEADER = (
    "<!-- phasegate: the plan (v{version}) in the strict format. Save and quit the editor to apply it;\n"
    "     '## <emoji> <Name> Phase' headings, '- [ ] **Title**: detail' tasks. Lines like this one are ignored. -->\n"
)


def editor_command() -> list[str] | None:
    """The user's editor: ``$EDITOR``, else ``$VISUAL``, else vi or nano when installed."""
    for variable in ("EDITOR", "VISUAL"):
        value = os.environ.get(variable, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("vi", "nano"):
        found = shutil.which(fallback)
        if found:
            return [found]
    return None


def edit_file_path(app: Workbench) -> Path:
    assert app.controller is not None
    return app.controller.store.root / "plan-edit" / f"{app.controller.session.id}.md"


async def edit_in_editor(app: Workbench) -> None:
    """The palette's "Edit plan in $EDITOR"."""
    from phasegate.phases import workflow as wf
    from phasegate.phases.plan_markdown import PlanParseError, parse_plan_strict, render_plan

    c = app.controller
    if c is None or c.session.plan is None:
        return
    if not wf.plan_editable(c.session):
        app.notify("The plan can be edited only while it is under review.", severity="warning")
        return
    command = editor_command()
    if command is None:
        app.notify("Set $EDITOR to your editor (e.g. export EDITOR=nano) to edit the plan.", severity="error")
        return
    path = edit_file_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A file left by an edit that did not parse holds the user's text: open it again, not a fresh copy.
    reopened = path.exists()
    if not reopened:
        path.write_text(EDIT_HEADER.format(version=c.session.plan_version) + "\n" + render_plan(c.session.plan),
                        encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    code = _run_editor(app, [*command, str(path)])
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if code != 0:
        app.notify(f"The editor exited with code {code}; the plan is unchanged (your text is kept for the next try).",
                   severity="warning")
        return
    if not text.strip() or (text == before and not reopened):
        path.unlink(missing_ok=True)
        app.notify("No changes: the plan is as it was.")
        return
    try:
        plan = parse_plan_strict(text)
    except PlanParseError as exc:
        message = (f"The edited plan does not parse ({exc}); the plan is unchanged and your text is kept: "
                   "\"Edit plan in $EDITOR\" opens it again.")
        app.chat.add_notice(message, "error")
        app.notify(message, severity="error", timeout=10)
        return
    from phasegate.app.errors import PhasegateError

    try:
        await c.edit_plan(wf.ReplacePlan(plan))
    except wf.WorkflowError as exc:
        if "Nothing changed" not in str(exc):
            app.notify(str(exc), severity="warning")
            return
        app.notify("No changes: the plan is as it was.")
    except PhasegateError as exc:
        app.notify(str(exc), severity="warning")
        return
    else:
        app.notify(f"Plan v{c.session.plan_version} is yours: read back from the editor.", title="Plan edited")
    finally:
        app.views.refresh_all()
    path.unlink(missing_ok=True)


def _run_editor(app: Workbench, command: list[str]) -> int:
    """Run the editor with the terminal handed over (``App.suspend``). Where the app cannot suspend (a
    headless run, Textual Web) the editor runs as it is: a GUI editor, or a script."""
    from textual.app import SuspendNotSupported

    def run() -> int:
        try:
            return subprocess.run(command, check=False).returncode
        except OSError as exc:
            app.notify(f"Could not start the editor {command[0]!r}: {exc.strerror or exc}", severity="error")
            return -1

    try:
        with app.suspend():
            return run()
    except SuspendNotSupported:
        return run()
