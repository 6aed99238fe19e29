"""``phasegate plan``: print the current session's plan (strict checklist Markdown, or JSON).

``--headless TASK`` researches and plans against the configured endpoint without the workbench: it
prints the research report and the plan, saves the session (the workbench resumes it at plan review)
and never writes to the working tree; it exits 1 with one line if the model produces no valid plan.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument, add_session_argument

if TYPE_CHECKING:
    from phasegate.phases.models import Plan

NAME = "plan"
HELP = "Print the current session's plan as checklist Markdown (or --json)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="?", help="with --headless: the task to research and plan")
    add_repo_argument(parser)
    add_json_argument(parser)
    add_session_argument(parser)
    parser.add_argument("--plan-version", type=int, metavar="N", help="an earlier version of the plan")
    parser.add_argument("--headless", action="store_true",
                        help="research and plan TASK without the workbench")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store, pick_session, print_json
    from phasegate.app.errors import PhasegateError, UsageError

    if args.task and not args.headless:
        raise UsageError("a task is only taken with --headless (phasegate plan --headless TASK)")
    if args.headless:
        if not args.task:
            raise UsageError("--headless needs a TASK: phasegate plan --headless \"TASK\"")
        return _headless(args)

    service = open_repo(args.repo, read_only=True)
    session = pick_session(open_store(service), args.session)
    if session is None or not session.plan_versions:
        where = f"session {session.id}" if session else "this repository"
        raise PhasegateError(f"There is no plan in {where} yet.")
    versions = {v.version: v for v in session.plan_versions}
    number = args.plan_version or session.plan_version
    if number not in versions:
        raise UsageError(f"plan version {number} does not exist; versions: {', '.join(map(str, versions))}")
    chosen = versions[number]
    if args.json:
        print_json({
            "session": session.id,
            "version": chosen.version,
            "reason": chosen.reason,
            "plan": chosen.plan.model_dump(mode="json"),
        })
        return 0
    print(_render(chosen.plan), end="")
    return 0


def _render(plan: Plan) -> str:
    from phasegate.phases.plan_markdown import render_plan

    return render_plan(plan)


def _headless(args: argparse.Namespace) -> int:
    """Research and plan against the configured endpoint, without the TUI; never writes the tree."""
    import asyncio

    from phasegate.app.config import load_settings
    from phasegate.app.session.controller import Controller
    from phasegate.app.session.headless import plan_only, printing_listener, refusing_approver

    loaded = load_settings(Path(args.repo), {})
    for warning in loaded.warnings:
        sys.stderr.write(f"phasegate: warning: {warning}\n")

    async def main() -> int:
        controller = Controller.open(
            args.repo, loaded.settings, approver=refusing_approver(), listener=printing_listener(sys.stderr),
            resume=False, task=args.task,
        )
        try:
            return await plan_only(controller, sys.stdout)
        finally:
            await controller.aclose()

    return asyncio.run(main())
