"""``phasegate schema``: the database schema at a revision, or the schema diff between two."""

from __future__ import annotations

import argparse
import json
import sys

from phasegate.app.cli.main import add_json_argument, add_repo_argument
from phasegate.app.errors import UsageError

NAME = "schema"
HELP = "show the database schema (Prisma or SQL migrations) at a revision, or diff two revisions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
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


def _print_schema(schema: object) -> None:
    from phasegate.app.analyzers.schema import Schema

    assert isinstance(schema, Schema)
    if not schema.tables and not schema.enums:
        print("No schema found (no Prisma schema, SQL migrations or DDL files).")
        return
    print("sources: " + ", ".join(schema.sources))
    for table in schema.tables:
        print(f"{table.name}")
        for col in table.columns:
            flags = [f for f, on in (("PK", col.primary_key), ("UNIQUE", col.unique), ("NULL", col.nullable)) if on]
            default = f" DEFAULT {col.default}" if col.default is not None else ""
            print(f"  {col.name:<24} {col.type}{default} {' '.join(flags)}".rstrip())
        for ix in table.indexes:
            print(f"  {'unique ' if ix.unique else ''}index {ix.name or ''} ({', '.join(ix.columns)})")
        for fk in table.foreign_keys:
            print(f"  fk ({', '.join(fk.columns)}) -> {fk.ref_table}({', '.join(fk.ref_columns)})")
    for enum in schema.enums:
        print(f"enum {enum.name}: {', '.join(enum.values)}")


def run(args: argparse.Namespace) -> int:
    from phasegate.app.analyzers.schema import diff_schemas, schema_at

    if args.diff:
        rev_a, rev_b = _split_range(args.diff)
        changes = diff_schemas(schema_at(args.repo, rev_a), schema_at(args.repo, rev_b))
        if args.json:
            json.dump({"changes": [c.to_json() for c in changes]}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif not changes:
            print("No schema changes.")
        else:
            for c in changes:
                where = ".".join(x for x in (c.table, c.column) if x) or (c.after or c.before or {}).get("name", "")
                print(f"{c.kind:<15} {where}{'  [DESTRUCTIVE]' if c.destructive else ''}")
        return 0
    schema = schema_at(args.repo, args.rev)
    if args.json:
        json.dump(schema.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_schema(schema)
    return 0
