"""``phasegate scan [PATH]``: the repository audit (stack, schema, migrations, routes, env, auth, risks)."""

from __future__ import annotations

import argparse
import json
import sys

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument

NAME = "scan"
HELP = "audit a repository: stack, schema files, migrations, models, routes, env files, auth, risks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="repository to scan (overrides --repo)")
    add_repo_argument(parser)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from phasegate.app.analyzers.scan import scan_repository, summary_markdown

    result = scan_repository(args.path or args.repo)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(summary_markdown(result, limit=50))
    return 0
