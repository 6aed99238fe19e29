"""``phasegate demo``: the whole workflow on a bundled sample repository with a bundled scripted model.

Copies the sample into a fresh directory (a temp dir, or ``--dir``), makes it a git repository with
one initial commit, starts the scripted OpenAI-compatible server on 127.0.0.1 and opens the
workbench on it with the task filled in — or, with ``--headless --yes``, drives the same session
without the TUI, approving every gate, and prints each stage and phase commit. Nothing leaves the
machine: the model is a script served on loopback, through the real ``openai`` client.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

from phasegate.app.errors import PhasegateError, UsageError

# The task the bundled script answers (kept beside the script so they cannot drift apart).
DEMO_TASK = (
    "Add user accounts with email/password sign-up, login with JWT, and role-based access to the admin routes"
)

NAME = "demo"
HELP = "run the workflow on a bundled sample repository with a scripted model (offline)"
DEMO_MODEL = "phasegate-demo (scripted)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", metavar="PATH", help="where to create the sample repository (default: a temp dir)")
    parser.add_argument("--headless", action="store_true", help="no TUI: print each stage and commit")
    parser.add_argument("--yes", action="store_true", help="approve every gate (headless only)")
    parser.add_argument("--pace", type=float, default=None, help="seconds between streamed chunks (default 0.02; 0 = instant)")


def sample_source() -> Path:
    return Path(str(resources.files("phasegate.app.demo") / "data" / "sample"))


def prepare_repository(target: Path | None) -> Path:
    """Copy the sample into ``target`` (must be new or empty) and commit it."""
    if target is None:
        target = Path(tempfile.mkdtemp(prefix="phasegate-demo-")) / "sample"
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} is not empty; give --dir a new or empty directory.")
    source = sample_source()
    if not source.is_dir():
        raise PhasegateError(f"The bundled sample is missing from the installation ({source}); reinstall phasegate.")
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "dev.db"))

    from phasegate.app.git.service import GitService

    service = GitService.init(target, initial_branch="main")
    # The demo repository gets its own identity so commits work on a machine with no git config.
    service.set_config("user.name", "phasegate demo")
    service.set_config("user.email", "demo@phasegate.invalid")
    service.commit_baseline("taskboard: the sample backend before the demo task")
    service.close()
    return target


def run(args: argparse.Namespace) -> int:
    if args.yes and not args.headless:
        raise UsageError("--yes only works with --headless; the workbench never approves on its own.")
    if args.headless and not args.yes:
        raise UsageError("--headless needs --yes: without the TUI, only --yes can approve the gates.")
    from phasegate.app.config import load_settings
    from phasegate.app.demo.script import build_demo_script
    from phasegate.app.demo.scripted_server import ScriptedServer

    repo = prepare_repository(Path(args.dir) if args.dir else None)
    _demo_environment()
    pace = args.pace if args.pace is not None else (0.0 if args.headless else 0.02)
    with ScriptedServer(build_demo_script(), pace_s=pace) as server:
        loaded = load_settings(
            None, {"base_url": server.base_url, "api_key": "demo-key-not-secret", "model": DEMO_MODEL, "max_retries": 1}
        )
        settings = loaded.settings
        if args.headless:
            code = _run_headless(repo, settings)
        else:
            from phasegate.app.tui.main import open_workbench

            code = open_workbench(repo, settings, task=DEMO_TASK, banner="Scripted demo model: replies come from a bundled script, not an LLM.")
    print(f"\nThe demo repository is {repo}")
    print(f"  see the phase commits:  git -C {repo} log --format='%h %s' ")
    print(f"  or:                     phasegate log --repo {repo}")
    return code


def _demo_environment() -> None:
    """Commands the scripted model runs must find this Python (with pytest) and never the user's DB."""
    import os

    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    for name in ("DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV"):
        os.environ.pop(name, None)
    # phasegate's own pytest plugins (hypothesis, snapshots…) would double every sample test run.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"


def _run_headless(repo: Path, settings: object) -> int:
    import asyncio

    from phasegate.app.session.controller import Controller
    from phasegate.app.session.headless import auto_approver, drive_to_done, printing_listener

    out = sys.stdout
    out.write(f"phasegate demo (headless, scripted model) in {repo}\nTask: {DEMO_TASK}\n\n")

    async def main() -> int:
        controller = Controller.open(
            repo, settings, approver=auto_approver(out), listener=printing_listener(out), resume=False, task=DEMO_TASK  # type: ignore[arg-type]
        )
        try:
            code = await drive_to_done(controller, out)
            report = getattr(controller.session, "final_report", None)
            if report and report.get("markdown"):
                out.write("\n" + report["markdown"] + "\n")
            return code
        finally:
            await controller.aclose()

    return asyncio.run(main())
