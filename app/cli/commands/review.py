"""``phasegate review [A..B]``: the phase review of any change, headless and in CI.

The same review object the workbench builds at phase review (``app/session/review.py: review_range``):
the files changed, the schema diff (destructive changes flagged), the migrations added and whether
each can be reverted, the API contract changes (committed specs and the code's endpoints, breaking
ones with the version-bump check) and the security findings of the added lines. ``--fail-on`` chooses
what makes the exit code 1; by default it is what blocks a phase approval in the workbench.
"""

from __future__ import annotations

import argparse
import sys

from phasegate.app.cli.commands._shared import add_repo_argument
from phasegate.app.errors import PhasegateError, UsageError

NAME = "review"
HELP = ("review a change like a phase review: files, schema (destructive flagged), migrations (revertible?), "
        "API contract (breaking, version bump) and security findings")

FAIL_ON_CHOICES = ("approval", "high", "breaking", "destructive", "any", "never")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("range", nargs="?", metavar="A..B",
                        help="the change to review: A..B, or A alone (A..the working tree); default: from the "
                             "merge base with the default branch (origin/HEAD, main, master, else HEAD~1)")
    add_repo_argument(parser)
    parser.add_argument("--committed", action="store_true",
                        help="end the range at HEAD instead of the working tree (when B is not given)")
    parser.add_argument("--format", choices=("text", "md", "json", "sarif"), default="text",
                        help="text (default), md (a pull-request comment), json (docs/cli.md), sarif (2.1.0)")
    parser.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default="approval",
                        help="what makes the exit code 1: approval (default: what blocks a phase approval in the "
                             "workbench), high, breaking, destructive, any, never")


def parse_range(spec: str | None, committed: bool) -> tuple[str | None, str | None]:
    """(A, B) of a range argument; None for A: the default base; None for B: the working tree."""
    working_tree_end = None if not committed else "HEAD"
    if spec is None:
        return None, working_tree_end
    if "..." in spec:
        raise UsageError(f"review takes A..B (two dots), not {spec!r}")
    if ".." not in spec:
        return spec, working_tree_end
    a, b = spec.split("..", 1)
    if not a:
        raise UsageError(f"the range {spec!r} has no start; write A..B, for example main..HEAD")
    return a, (b or working_tree_end)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("phasegate")
    except Exception:  # only when run from an uninstalled tree
        return "0"


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo
    from phasegate.app.session.review import fail_reasons, review_range
    from phasegate.app.session.review_formats import render, repository_masker

    start, end = parse_range(args.range, args.committed)
    git = open_repo(args.repo, read_only=True)
    try:
        base = git.resolve(start) if start is not None else git.review_base()
        head = git.resolve(end) if end is not None else None
    except PhasegateError as exc:  # an invalid range is a usage error: one line, exit 2
        if args.range is None:
            raise UsageError(f"no range to review: {exc}") from None
        raise UsageError(f"invalid range {args.range!r}: {exc}") from None
    facts = review_range(git, base, head)
    sys.stdout.write(render(facts, args.format, repository_masker(git.root), version=_version()))
    reasons = fail_reasons(facts, args.fail_on)
    if reasons:
        sys.stderr.write(f"phasegate review: fails --fail-on {args.fail_on}: {reasons[0]}"
                         + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else "") + "\n")
        return 1
    return 0
