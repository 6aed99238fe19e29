"""``phasegate report``: the final review's report — task, plan, phases, schema and API diffs, checklist."""

from __future__ import annotations

import argparse

from phasegate.app.cli.commands._shared import add_repo_argument, add_session_argument

NAME = "report"
HELP = "Print the session's final report (Markdown or JSON)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_repo_argument(parser)
    add_session_argument(parser)
    parser.add_argument("--format", choices=("md", "json"), default="md", help="output format (default: md)")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store, pick_session, print_json
    from phasegate.app.errors import PhasegateError
    from phasegate.app.session.final_report import build_report

    service = open_repo(args.repo, read_only=True)
    session = pick_session(open_store(service), args.session)
    if session is None:
        raise PhasegateError("There is no phasegate session in this repository yet.")
    # The kept report is the one the user approved; a session not yet at final review gets a fresh one.
    report = session.final_report or build_report(session, service)
    if args.format == "json":
        print_json(report)
    else:
        print(report["markdown"], end="")
    return 0
