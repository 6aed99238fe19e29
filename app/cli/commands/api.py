"""``phasegate api``: the endpoints the code declares (and any committed spec), or the diff of two revisions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument
from phasegate.app.errors import UsageError

NAME = "api"
HELP = "list the API endpoints the code declares (full paths, handlers, auth, models), or diff two revisions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="repository to read (overrides --repo)")
    add_repo_argument(parser)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--rev", help="revision to read (default: the working tree)")
    group.add_argument("--diff", metavar="A..B", help="changes from revision A to B (B empty: working tree)")
    add_json_argument(parser)


def _split_range(spec: str) -> tuple[str, str | None]:
    if ".." not in spec or spec.startswith(".."):
        raise UsageError(f"--diff expects A..B (for example HEAD~1..HEAD), got {spec!r}")
    a, b = spec.split("..", 1)
    return a, (b.lstrip(".") or None)


def _group(path: str) -> str:
    """The prefix an endpoint is listed under: its first two static segments."""
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    return "/" + "/".join(segments[:2]) if segments else "/"


def _flags(ep: Any) -> str:
    flags = []
    if ep.auth:
        flags.append(f"auth: {ep.auth}")
    if ep.request:
        flags.append(f"body: {ep.request}")
    if ep.response:
        flags.append(f"returns: {ep.response}")
    if ep.dev_only:
        flags.append("dev only")
    return f"  [{'; '.join(flags)}]" if flags else ""


def print_inventory(inv: Any, out: Any = None) -> None:
    out = out or sys.stdout
    code = [e for e in inv.endpoints if e.source == "code"]
    live = [e for e in code if not e.dead]
    dead = [e for e in code if e.dead]
    if not code and not inv.specs:
        out.write("No endpoints found (no route declarations of a supported framework, no OpenAPI spec).\n")
    groups: dict[str, list[Any]] = {}
    for ep in live:
        groups.setdefault(_group(ep.path), []).append(ep)
    for prefix in sorted(groups):
        out.write(f"{prefix}\n")
        for ep in groups[prefix]:
            handler = f"{ep.handler or '(inline)'}" + (f" {ep.handler_file}:{ep.handler_line}" if ep.handler_file and
                                                       ep.handler_line else "")
            out.write(f"  {ep.method:<7} {ep.path:<44} {ep.framework:<8} {ep.file}:{ep.line}  -> {handler}"
                      f"{_flags(ep)}\n")
    if dead:
        out.write("dead (declared, never mounted or served)\n")
        for ep in dead:
            out.write(f"  {ep.method:<7} {ep.path:<44} {ep.framework:<8} {ep.file}:{ep.line}\n")
    if inv.specs:
        spec_count = sum(1 for e in inv.endpoints if e.source == "spec")
        out.write(f"specs: {', '.join(inv.specs)} ({spec_count} endpoints)\n")
        if inv.drift:
            out.write("drift between the code and the spec\n")
            for d in inv.drift:
                what = "in the code, not in the spec" if d.kind == "code_not_in_spec" else "in the spec, not in the code"
                out.write(f"  {d.method:<7} {d.path:<44} {what} ({d.file}:{d.line})\n")
        else:
            out.write("the code and the spec list the same endpoints\n")
    for w in inv.warnings:
        out.write(f"warning: {w.path}{f':{w.line}' if w.line else ''}: {w.reason}\n")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.analyzers.api import diff_inventories, inventory_at

    repo = args.path or args.repo
    if args.diff:
        rev_a, rev_b = _split_range(args.diff)
        changes = diff_inventories(inventory_at(repo, rev_a), inventory_at(repo, rev_b))
        if args.json:
            json.dump({"changes": [c.to_json() for c in changes]}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif not changes:
            print("No endpoint changes.")
        else:
            for c in changes:
                print(f"{c.kind:<23} {c.method:<7} {c.path}  {c.detail}{'  [BREAKING]' if c.breaking else ''}")
        return 0
    inv = inventory_at(repo, args.rev)
    if args.json:
        json.dump(inv.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_inventory(inv)
    return 0
