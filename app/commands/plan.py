"""``phasegate plan``: print the current session's plan (strict checklist Markdown, or JSON).

``--headless TASK`` (research and plan without the workbench) is reserved here for the engineer who
builds the headless agent run; until then it says so.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from phasegate.app.cli import add_json_argument, add_repo_argument
from phasegate.app.commands._shared import add_session_argument

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
                        help="research and plan TASK without the workbench (not available yet)")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.commands._shared import open_repo, open_store, pick_session, print_json
    from phasegate.app.errors import PhasegateError, UsageError

    if args.task and not args.headless:
        raise UsageError("a task is only taken with --headless (phasegate plan --headless TASK)")
    if args.headless:
        if not args.task:
            raise UsageError("--headless needs a TASK: phasegate plan --headless \"TASK\"")
        # The headless research-and-plan run plugs in here.
        raise PhasegateError(
            "phasegate plan --headless is not available yet; run phasegate \"TASK\" to plan in the workbench."
        )

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
    try:
        from phasegate.phases.plan_markdown import render_plan
    except ImportError:  # the Markdown renderer is optional here: fall back to JSON rather than fail
        import json

        return json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    text = render_plan(plan)
    return text if text.endswith("\n") else text + "\n"
