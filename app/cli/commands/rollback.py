"""``phasegate rollback PHASE``: revert a committed phase with ``git revert`` and record it.

Order matters: find the phase's commit from the trailers, refuse early on a dirty tree, open the
session that recorded the commit through ``Controller.open`` (which takes the repository lock: no
workbench may be driving it), refuse a rollback the session could not record, show what will be
reverted (and which later phases touch the same files), confirm, then ``Controller.rollback`` — the
same code as the workbench's ``u``: revert, record ``RollbackPhase``, transcript, note to the model. A
conflicting revert is aborted by the git service: tree and session stay exactly as they were. A commit
no session recorded is reverted in git only (under the lock).

``--rewind`` rewinds to before the phase instead (``Controller.rewind``, the workbench's dialog choice):
the committed phases from it on are reverted newest first, set back to pending, and the model's
conversation goes back to where the phase started. It needs the session that recorded the phase.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from phasegate.app.cli.commands._shared import add_repo_argument, add_session_argument

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService, PhaseCommit
    from phasegate.app.session.controller import Controller
    from phasegate.app.session.store import SessionStore
    from phasegate.phases.models import PhaseState, Session

NAME = "rollback"
HELP = "Roll back a committed phase (git revert, history kept) and record it in its session."

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phase", help="the phase slug, e.g. database")
    add_repo_argument(parser)
    add_session_argument(parser, "the session whose phase commit to revert")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--rewind", action="store_true",
                        help="rewind to before the phase: revert it and every committed phase after it (newest "
                             "first), set them pending, take the model's conversation back to where it started")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store

    service = open_repo(args.repo, read_only=False)
    store = open_store(service)
    target = service.find_phase_commit(args.phase, session_id=args.session)
    service.ensure_clean(f"rolling back the {args.phase} phase")
    session = _session_for(store, target)
    if session is None:  # no session recorded this commit: revert it in git only
        if args.rewind:
            from phasegate.app.errors import PhasegateError

            raise PhasegateError(f"No session recorded the {target.phase} phase's commit, so there is no conversation "
                                 "to rewind; roll it back without --rewind.")
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
        if args.rewind:
            return await _rewind(args, controller, session_id)
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


async def _rewind(args: argparse.Namespace, controller: Controller, session_id: str) -> int:
    """``--rewind``: show the commits it reverts (newest first), confirm, then ``Controller.rewind``."""
    from phasegate.app.errors import PhasegateError

    try:  # refuse now, before git changes anything, if the session could not record it
        reverting = controller.rewind_plan(args.phase)
    except PhasegateError as exc:
        raise PhasegateError(f"Session {session_id} can't record this rewind: {exc}") from None
    print(f"Will rewind to before {args.phase}, reverting newest first:")
    for state in reverting:
        print(f"  {(state.commit_sha or '')[:7]} {state.slug}")
    if not _ask(args, "Rewind? [y/N] "):
        return 1
    reverts = await controller.rewind(args.phase)
    print(f"Rewound to before {args.phase}: {len(reverts)} revert commit(s), newest last: {', '.join(reverts) or 'none'}")
    print(f"Recorded in session {session_id}; the phases from {args.phase} on are pending.")
    return 0


def _ask(args: argparse.Namespace, question: str) -> bool:
    from phasegate.app.errors import UsageError

    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("rollback asks for confirmation; run it in a terminal or pass --yes")
    if input(question).strip().lower() not in ("y", "yes"):
        sys.stderr.write("Cancelled; nothing changed.\n")
        return False
    return True


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
