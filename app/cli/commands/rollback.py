"""``phasegate rollback PHASE``: revert a committed phase with ``git revert`` and record it.

Order matters: find the phase's commit from the trailers, refuse early on a dirty tree, open the
session that recorded the commit through ``Controller.open`` (which takes the repository lock: no
workbench may be driving it), refuse a rollback the session could not record, show what will be
reverted (and which later phases touch the same files), confirm, then ``Controller.rollback`` — the
same code as the workbench's ``u``: revert, record ``RollbackPhase``, transcript, note to the model. A
conflicting revert is aborted by the git service: tree and session stay exactly as they were. A commit
no session recorded is reverted in git only (under the lock).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from phasegate.app.cli.commands._shared import add_repo_argument, add_session_argument

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService, PhaseCommit
    from phasegate.app.session.store import SessionStore
    from phasegate.phases.models import PhaseState, Session

NAME = "rollback"
HELP = "Roll back a committed phase (git revert, history kept) and record it in its session."

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phase", help="the phase slug, e.g. database")
    add_repo_argument(parser)
    add_session_argument(parser, "the session whose phase commit to revert")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store

    service = open_repo(args.repo, read_only=False)
    store = open_store(service)
    target = service.find_phase_commit(args.phase, session_id=args.session)
    service.ensure_clean(f"rolling back the {args.phase} phase")
    session = _session_for(store, target)
    if session is None:  # no session recorded this commit: revert it in git only
        with store.lock():
            if not _confirm(service, target, args):
                return 1
            revert_sha = service.revert_phase(target.phase, session_id=args.session)
        print(f"Rolled back {target.phase}: {revert_sha}")
        return 0
    return asyncio.run(_rollback_in_session(args, service, target, session.id))


async def _rollback_in_session(args: argparse.Namespace, service: GitService, target: PhaseCommit,
                               session_id: str) -> int:
    """The workbench's own path (``Controller.rollback``): lock, revert, record, transcript, note to the model."""
    from phasegate.app.config import load_settings
    from phasegate.app.errors import PhasegateError
    from phasegate.app.session.controller import Controller
    from phasegate.app.session.headless import refusing_approver

    settings = load_settings(service.root, {}).settings
    controller = Controller.open(service.root, settings, approver=refusing_approver(), session_id=session_id)
    try:
        try:  # refuse now, before git changes anything, if the session could not record it
            controller.check_rollback(target.phase)
        except PhasegateError as exc:
            raise PhasegateError(f"Session {session_id} can't record this rollback: {exc}") from None
        if not _confirm(service, target, args):
            return 1
        revert_sha = await controller.rollback(target.phase)
    finally:
        await controller.aclose()
    print(f"Rolled back {target.phase}: {revert_sha}")
    print(f"Recorded in session {session_id}.")
    return 0


def _confirm(service: GitService, target: PhaseCommit, args: argparse.Namespace) -> bool:
    """Show what will be reverted (and later phases touching the same files); ask unless ``--yes``."""
    from phasegate.app.errors import UsageError

    files = service.commit_files(target.sha)
    shown = ", ".join(files[:6]) + (f" and {len(files) - 6} more" if len(files) > 6 else "")
    print(f"Will revert {target.sha[:7]} {target.subject}")
    print(f"  files: {shown or 'none (empty phase)'}")
    for phase, touched in service.later_phases_touching(target.phase, session_id=args.session).items():
        print(f"  later phase {phase} also touches: {', '.join(touched)}")
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("rollback asks for confirmation; run it in a terminal or pass --yes")
    answer = input("Roll back? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        sys.stderr.write("Rollback cancelled; nothing changed.\n")
        return False
    return True


def _session_for(store: SessionStore, target: PhaseCommit) -> Session | None:
    """The session to record the rollback in: the newest whose phase has this exact commit, else the
    commit's own session (by its trailer) if that phase is committed there. A session that committed the
    phase as some *other* commit is left alone: recording there would mark the wrong commit."""
    from phasegate.phases.models import PhaseStatus

    sessions = store.list_sessions()

    def state(session: Session) -> PhaseState | None:
        return next((p for p in session.phases if p.slug == target.phase), None)

    exact = [s for s in sessions if (st := state(s)) is not None and st.commit_sha == target.sha]
    if exact:
        return exact[-1]
    own = [
        s for s in sessions
        if s.id == target.session and (st := state(s)) is not None and st.status == PhaseStatus.COMMITTED
    ]
    return own[-1] if own else None
