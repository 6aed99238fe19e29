"""Helpers the git/store subcommands (status, log, plan, rollback) share. Not a subcommand itself.

Imports of GitPython and pydantic stay inside the functions, so ``phasegate --help`` does not pay them.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService
    from phasegate.app.session.store import SessionStore
    from phasegate.phases.models import Session


def open_repo(path: str, *, read_only: bool) -> GitService:
    """The repository at ``path``. Read-only commands also accept an empty repo or a merge in progress."""
    from phasegate.app.git.service import GitService

    return GitService.open(path, allow_empty=read_only, allow_in_progress=read_only)


def open_store(service: GitService) -> SessionStore:
    from phasegate.app.session.store import SessionStore

    return SessionStore(service.git_dir)


def pick_session(store: SessionStore, session_id: str | None) -> Session | None:
    """``--session ID`` if given, else the current session (newest unfinished, else newest)."""
    return store.load(session_id) if session_id else store.current()


def add_repo_argument(parser: Any) -> None:
    parser.add_argument("--repo", default=".", metavar="PATH", help="repository (default: current directory)")


def add_json_argument(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_session_argument(parser: Any, help: str = "a session id (default: the current session)") -> None:
    parser.add_argument("--session", metavar="ID", help=help)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
