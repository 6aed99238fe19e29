"""Starting the workbench from the command line (``phasegate [TASK]``) or from ``phasegate demo``.

Kept apart from ``workbench.py`` so ``phasegate --help`` and the subcommands never import Textual.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.app.errors import PhasegateError, UsageError

if TYPE_CHECKING:
    from phasegate.app.settings import Settings


def run_workbench(args: argparse.Namespace) -> int:
    from phasegate.app.settings import load_settings

    repo = Path(args.repo).expanduser()
    if not repo.exists():
        raise UsageError(f"{repo} does not exist; give --repo the path of a git repository.")
    if not repo.is_dir():
        raise UsageError(f"{repo} is not a directory; give --repo the path of a git repository.")
    _check_repository(repo)
    loaded = load_settings(repo, {"model": args.model, "base_url": args.base_url, "log_level": args.log_level})
    resume = True if args.resume else (False if args.new else None)
    return open_workbench(repo, loaded.settings, task=args.task or "", resume=resume, warnings=loaded.warnings)


def _check_repository(repo: Path) -> None:
    """Fail before the TUI starts when the path cannot be worked on (one clear line, exit 1)."""
    from phasegate.app.git_service import GitService

    GitService.open(repo)


def open_workbench(
    repo: Path,
    settings: Settings,
    *,
    task: str = "",
    resume: bool | None = None,
    banner: str | None = None,
    warnings: list[str] | None = None,
) -> int:
    from phasegate.app.logging_setup import configure_logging
    from phasegate.app.workbench import Workbench

    configure_logging(settings)
    app = Workbench(repo.resolve(), settings, task=task, resume=resume, banner=banner, warnings=warnings or [])
    code = app.run()
    if app.controller is not None:
        session = app.controller.session
        print(f"phasegate: session {session.id} saved at stage {session.stage.value}; `phasegate status` shows it.")
    return int(code or 0)


__all__ = ["PhasegateError", "open_workbench", "run_workbench"]
