"""``phasegate schema [PATH]``: the database schema at a revision, or the schema diff between two."""

from __future__ import annotations

import argparse
import json
import sys

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument
from phasegate.app.errors import UsageError

NAME = "schema"
HELP = "show the database schema (models, migrations, Prisma, SQL) at a revision, or diff two revisions"


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


def _print_warnings(schema: object) -> None:
    from phasegate.app.analyzers.schema import Schema

    assert isinstance(schema, Schema)
    if schema.drift:
        print(f"drift between models and migrations ({len(schema.drift)}):")
        for d in schema.drift:
            files = " vs ".join(f for f in (d.model_source, d.migration_source) if f)
            print(f"  {d.describe()}" + (f"  ({files})" if files else ""))
    if schema.warnings:
        print(f"warnings ({len(schema.warnings)}):")
        for w in schema.warnings:
            print(f"  {w.path}{f':{w.line}' if w.line else ''}: {w.reason}")


def _print_schema(schema: object) -> None:
    from phasegate.app.analyzers.schema import Schema

    assert isinstance(schema, Schema)
    if not schema.tables and not schema.enums:
        print("No schema found (no models, migrations, Prisma schema or DDL files that phasegate reads).")
        _print_warnings(schema)
        return
    print("sources: " + ", ".join(schema.sources))
    for table in schema.tables:
        origin = f"  [{table.origin}: {table.source}]" if table.source else ""
        kind = "collection " if table.kind == "collection" else ""
        print(f"{kind}{table.name}{origin}")
        if not table.columns_known:
            print("  (columns unknown: known by name only)")
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
    _print_warnings(schema)


def run(args: argparse.Namespace) -> int:
    from phasegate.app.analyzers.schema import diff_schemas, schema_at

    repo = args.path or args.repo
    if args.diff:
        rev_a, rev_b = _split_range(args.diff)
        before, after = schema_at(repo, rev_a), schema_at(repo, rev_b)
        changes = diff_schemas(before, after)
        if args.json:
            json.dump({"changes": [c.to_json() for c in changes],
                       "drift": [d.model_dump(mode="json") for d in after.drift],
                       "warnings": [w.to_json() for w in after.warnings]}, sys.stdout, indent=2)
            sys.stdout.write("\n")
            return 0
        if not changes:
            print("No schema changes.")
        for c in changes:
            where = ".".join(x for x in (c.table, c.column) if x) or (c.after or c.before or {}).get("name", "")
            table = after.table(c.table) if c.table else None
            table = table or (before.table(c.table) if c.table else None)
            source = f"  ({table.source})" if table is not None and table.source else ""
            print(f"{c.kind:<15} {where}{'  [DESTRUCTIVE]' if c.destructive else ''}{source}")
        _print_warnings(after)
        return 0
    schema = schema_at(repo, args.rev)
    if args.json:
        json.dump(schema.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_schema(schema)
    return 0
