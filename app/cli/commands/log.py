"""``phasegate log``: the phase commits in history, read from their trailers (no session file needed)."""

from __future__ import annotations

import argparse

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument, add_session_argument

NAME = "log"
HELP = "List phase commits reachable from HEAD (from git trailers), each committed or rolled back."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_repo_argument(parser)
    add_json_argument(parser)
    add_session_argument(parser, "only this session's phase commits")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, print_json

    service = open_repo(args.repo, read_only=True)
    commits = service.phase_commits(session_id=args.session)
    if args.json:
        print_json([c.to_json() for c in commits])
        return 0
    if not commits:
        print("No phase commits reachable from HEAD.")
        return 0
    width = max(len(c.phase) for c in commits)
    for c in commits:
        status = "rolled back" if c.status == "rolled_back" else "committed"
        line = f"{c.sha[:7]}  {status:<11}  {c.phase:<{width}}  {c.subject}"
        if c.rollback_sha:
            line += f"  (reverted by {c.rollback_sha[:7]})"
        print(line)
    return 0
