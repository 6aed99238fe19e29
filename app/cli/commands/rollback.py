"""``phasegate rollback PHASE``: revert a committed phase with ``git revert`` and record it.

Order matters: take the repository lock (no workbench may be driving it), find the phase's commit from
the trailers, refuse early on a dirty tree or a session that cannot record the rollback, show what
will be reverted (and which later phases touch the same files), confirm, revert, then record
``RollbackPhase`` in the session. A conflicting revert is aborted by the git service: tree and session
stay exactly as they were.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from phasegate.app.cli.main import add_repo_argument

if TYPE_CHECKING:
    from phasegate.app.git.service import PhaseCommit
    from phasegate.app.session.store import SessionStore
    from phasegate.phases.models import PhaseState, Session

NAME = "rollback"
HELP = "Roll back a committed phase (git revert, history kept) and record it in its session."

_PLACEHOLDER_SHA = "0" * 40  # to dry-run the workflow event before git does anything


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phase", help="the phase slug, e.g. database")
    add_repo_argument(parser)
    parser.add_argument("--session", metavar="ID", help="the session whose phase commit to revert")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store
    from phasegate.app.errors import PhasegateError, UsageError
    from phasegate.phases.workflow import RollbackPhase, WorkflowError, apply

    service = open_repo(args.repo, read_only=False)
    store = open_store(service)
    with store.lock():
        target = service.find_phase_commit(args.phase, session_id=args.session)
        service.ensure_clean(f"rolling back the {args.phase} phase")
        session = _session_for(store, target)
        if session is not None:
            try:  # refuse now, before git changes anything, if the session could not record it
                apply(session, RollbackPhase(slug=target.phase, revert_sha=_PLACEHOLDER_SHA))
            except WorkflowError as exc:
                raise PhasegateError(f"Session {session.id} can't record this rollback: {exc}") from None

        files = service.commit_files(target.sha)
        shown = ", ".join(files[:6]) + (f" and {len(files) - 6} more" if len(files) > 6 else "")
        print(f"Will revert {target.sha[:7]} {target.subject}")
        print(f"  files: {shown or 'none (empty phase)'}")
        for phase, touched in service.later_phases_touching(target.phase, session_id=args.session).items():
            print(f"  later phase {phase} also touches: {', '.join(touched)}")

        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError("rollback asks for confirmation; run it in a terminal or pass --yes")
            answer = input("Roll back? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                sys.stderr.write("Rollback cancelled; nothing changed.\n")
                return 1

        revert_sha = service.revert_phase(target.phase, session_id=args.session)
        if session is not None:
            store.save(apply(session, RollbackPhase(slug=target.phase, revert_sha=revert_sha)))
        print(f"Rolled back {target.phase}: {revert_sha}")
        if session is not None:
            print(f"Recorded in session {session.id}.")
    return 0


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
