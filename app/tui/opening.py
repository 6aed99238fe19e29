"""Opening a session in the workbench: settings, the resume question, the controller (opened in a
thread, then driven from the event loop), the replayed chat, and the user's own uncommitted changes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from phasegate.app.tui import bridge

if TYPE_CHECKING:
    from phasegate.app.session.controller import Controller
    from phasegate.app.tui.app import Workbench


async def open_session(app: Workbench) -> None:
    """Load the settings, ask whether to resume, open the controller (in a thread), show the session."""
    from phasegate.app.errors import PhasegateError

    def import_controller() -> type[Controller]:
        # Off the event loop: the controller's imports take a few hundred ms, and the user may
        # already be typing.
        from phasegate.app.session.controller import Controller

        return Controller

    factory = app.open_controller_factory or (await asyncio.to_thread(import_controller)).open
    resume = app.resume_choice
    try:
        if app.settings is None and app.settings_loader is not None:
            loaded = await asyncio.to_thread(app.settings_loader)
            app.settings = loaded.settings
            for warning in loaded.warnings:
                app.chat.add_notice(warning, "warning")
            app.header.update_status(model=app.settings.model)
        from phasegate.app.logs import configure_logging

        configure_logging(app.settings)
        if resume is None:
            resume = await ask_resume(app)
        controller = await asyncio.to_thread(
            factory, app.repo, app.settings, approver=app.approve_command, listener=bridge.Bridge(app),
            resume=resume, task=app.initial_task,
        )
    except PhasegateError as exc:
        app.chat.add_notice(str(exc), "error")
        app.notify(str(exc), severity="error", timeout=10)
        return
    controller.claim()  # opened in a thread; from now on the event loop is the session's one writer
    app.controller = controller
    for notice in [*getattr(controller.git, "notices", []), *controller.recovered]:
        app.chat.add_notice(notice, "warning")
    if controller.session.task and app.initial_task and controller.session.task != app.initial_task and resume:
        app.chat.add_notice(f"Resumed the unfinished session for: {controller.session.task}", "information")
    await app.views.replay_conversation()
    app.views.refresh_all()
    if not await handle_dirty_tree(app):
        return
    app.load_repo_summary()
    if controller.session.task and not controller.conversation:
        app.chat.add_user(f"Task: {controller.session.task}")
        app.run_turn(controller.start())
    elif not controller.session.task:
        app.chat.add_notice("What should we build? Describe the task and send it with ctrl+j (or alt+enter).")
    app.start_pending()

async def ask_resume(app: Workbench) -> bool | None:
    from phasegate.app.git.service import GitService
    from phasegate.app.session.store import SessionStore
    from phasegate.app.tui.screens.resume_session import ResumeSessionScreen
    from phasegate.phases.models import Session

    def latest() -> Session | None:
        try:
            return SessionStore(GitService.open(app.repo).git_dir).latest_unfinished()
        except Exception:
            return None

    session = await asyncio.to_thread(latest)
    if session is None:
        return False
    if app.initial_task and session.task != app.initial_task:
        app.chat.add_notice(f"An unfinished session exists for: {session.task}", "warning")
    choice = await app.push_screen_wait(ResumeSessionScreen(session, grace=app.grace))
    return choice == "resume"

async def handle_dirty_tree(app: Workbench) -> bool:
    """Before the first phase, the user's own changes are committed apart or stashed (or we stop)."""
    from phasegate.app.tui.screens.dirty_tree import DirtyTreeScreen

    c = app.controller
    assert c is not None
    if c.session.phases:  # a resumed session past plan approval: its own changes may be in the tree
        return True
    files = await asyncio.to_thread(c.git.dirty_files)
    if not files:
        return True
    choice = await app.push_screen_wait(DirtyTreeScreen(files, grace=app.grace))
    if choice == "baseline":
        sha = await c.set_aside_changes("baseline")
        app.chat.add_notice(f"Your changes were committed separately as {(sha or '')[:8]} so they never mix with the AI's.")
    elif choice == "stash":
        await c.set_aside_changes("stash")
        app.chat.add_notice("Your changes were stashed; `git stash pop` brings them back.")
    else:
        app.chat.add_notice("Stopped: the working tree has changes. Commit or stash them, then start again.", "error")
        return False
    return True

