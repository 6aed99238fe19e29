"""Starting the workbench from the command line (``phasegate [TASK]``) or from ``phasegate demo``.

Kept apart from ``app.py`` (the App) so ``phasegate --help`` and the subcommands never import Textual.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.app.errors import PhasegateError, UsageError

if TYPE_CHECKING:
    from phasegate.app.config import Settings


def run_workbench(args: argparse.Namespace) -> int:
    def load_settings(repo: Path, overrides: dict[str, object]) -> object:
        from phasegate.app.config import load_settings as load

        return load(repo, overrides)

    repo = Path(args.repo).expanduser()
    if not repo.exists():
        raise UsageError(f"{repo} does not exist; give --repo the path of a git repository.")
    if not repo.is_dir():
        raise UsageError(f"{repo} is not a directory; give --repo the path of a git repository.")
    _check_repository(repo)
    overrides = {"model": args.model, "base_url": args.base_url, "log_level": args.log_level}
    resume = True if args.resume else (False if args.new else None)
    # Settings are loaded by the workbench right after its first frame (pydantic-settings is slow to
    # import); a malformed config file is then reported in the chat, not as a traceback.
    return open_workbench(repo, None, task=args.task or "", resume=resume, settings_loader=lambda: load_settings(repo, overrides))


def _check_repository(repo: Path, *, ask: Callable[[str], bool] | None = None) -> None:
    """Fail before the TUI starts when the path cannot be worked on (one clear line, exit 1).

    Two states are fixable here, with the user's say-so on a terminal: a folder that is not a git
    repository yet (``git init``) and a repository with no commit (an empty root commit; the user's
    files stay untouched, and the workbench then offers to commit them as a baseline).
    """
    # No GitPython before the first frame (tests/meta/test_import_hygiene.py): check_repository probes with git
    # alone; the service (and GitPython) is opened only to fix what the user agreed to fix.
    from phasegate.app.git.service import (
        EmptyRepositoryError,
        GitService,
        NotARepositoryError,
        check_repository,
    )

    ask = ask or _ask_on_tty
    try:
        check_repository(repo)
        return
    except NotARepositoryError:
        if not ask(f"{repo.resolve()} is not a git repository. Run `git init` there? [y/N] "):
            raise
        service = GitService.init(repo)
    except EmptyRepositoryError:
        if not ask(f"{repo.resolve()} has no commit yet; phasegate needs one to diff against. Create an empty initial commit (your files stay as they are)? [y/N] "):
            raise
        service = GitService.open(repo, allow_empty=True)
    if not service.has_commits():
        service.make_initial_commit("Initial commit (before phasegate)")


def _ask_on_tty(question: str) -> bool:
    import sys

    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def open_workbench(
    repo: Path,
    settings: Settings | None,
    *,
    task: str = "",
    resume: bool | None = None,
    banner: str | None = None,
    warnings: list[str] | None = None,
    settings_loader: Callable[[], object] | None = None,
) -> int:
    from phasegate.app.tui.app import Workbench

    app = Workbench(
        repo.resolve(), settings, settings_loader=settings_loader, task=task, resume=resume, banner=banner,
        warnings=warnings or [],
    )
    code = app.run()
    if app.controller is not None:
        session = app.controller.session
        print(f"phasegate: session {session.id} saved at stage {session.stage.value}; `phasegate status` shows it.")
    return int(code or 0)


__all__ = ["PhasegateError", "open_workbench", "run_workbench"]
