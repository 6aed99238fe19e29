"""Score the TypeScript/JavaScript and Go schema readers against the truth files of the corpus.

Runs every reader of the TypeORM, Sequelize, Mongoose, Knex, Drizzle and GORM modules (through
``run_reader``, as the integrated ``phasegate schema`` does) on each working copy that is present, and
compares the tables and collections they find with ``truth/schema/<repo>.json`` (the format
score_schema.py reads: ``stack``, ``aside``, ``tables`` as a list of name/source/columns; facts verified by
reading the repositories' code). Repositories whose stack is plain SQL migrations are scored through
the existing SQL path (``schema_at``), which these readers must leave alone.

    .venv/bin/python bench/corpus/score_schema_readers.py [--corpus DIR] [--kept-aside] [-v]

Table recall/precision are by database name (case-insensitive); column recall is over the columns the
truth file lists (the sample), those of a missed table counted as missed. Not run in CI: the corpus is not in the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.readers import ParseCache, SourceWarning, run_reader
from phasegate.app.analyzers.schema import schema_at
from phasegate.app.analyzers.schema_readers import drizzle, gorm, knex, mongoose, sequelize, typeorm

MODULES = (typeorm, sequelize, mongoose, knex, drizzle, gorm)
TRUTH = Path(__file__).parent / "truth" / "schema"
OWN_STACKS = {"typeorm", "typeorm-migrations", "sequelize", "sequelize-migrations", "mongoose", "knex", "drizzle",
              "gorm", "sql"}
DEFAULT_CORPUS = Path("/work/corpus/schema-js")


def found_tables(root: Path, stacks: set[str]) -> tuple[dict[str, set[str]], list[SourceWarning]]:
    """Table/collection name (lowercased) -> its columns, from every reader; and their warnings."""
    tables: dict[str, set[str]] = defaultdict(set)
    warnings: list[SourceWarning] = []
    tree = open_tree(root)
    try:
        paths = tree.paths()
        for module in MODULES:
            for reader in module.READERS:
                part = run_reader(reader, tree, paths, warnings, cache=ParseCache())
                warnings.extend(part.warnings)
                for table in part.tables:
                    tables[table.name.lower()].update(c.name for c in table.columns)
    finally:
        tree.close()
    if "sql" in stacks:
        for table in schema_at(root).tables:
            tables[table.name.lower()].update(c.name for c in table.columns)
    return tables, warnings


def score(truth: dict[str, Any], found: dict[str, set[str]]) -> dict[str, Any]:
    # the truth format shared with score_schema.py: tables (collections with "kind") as a list
    want = {spec["name"].lower(): spec for spec in truth["tables"]}
    hit = [n for n in want if n in found]
    extra = sorted(n for n in found if n not in want)
    col_total = col_hit = 0
    missing_cols: list[str] = []
    for name in want:  # a missed table misses all its columns
        have = {c.lower() for c in found.get(name, ())}
        for col in want[name]["columns"]:
            col_total += 1
            if col.lower() in have:
                col_hit += 1
            else:
                missing_cols.append(f"{name}.{col}")
    return {"tables": len(want), "tables_found": len(hit), "found": len(found), "extra": extra,
            "missing_tables": sorted(n for n in want if n not in found), "columns": col_total,
            "columns_found": col_hit, "missing_columns": missing_cols}


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   - "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of working copies")
    parser.add_argument("--kept-aside", action="store_true", help="score the kept-aside repositories instead")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and warnings")
    args = parser.parse_args(argv)
    per_stack: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    total = [0, 0, 0, 0, 0]
    print(f"{'repository':52} {'stack':22} {'tables':>8} {'recall':>7} {'prec.':>7} {'columns':>9} {'recall':>7}")
    for path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(path.read_text())
        stacks = set(truth.get("stack", "").split("+"))
        if not stacks & OWN_STACKS or bool(truth.get("aside")) != args.kept_aside:
            continue  # another helper's stack (score_schema.py scores the integrated schema)
        root = args.corpus / path.stem
        if not (root / ".git").exists():
            print(f"{path.stem:52} (no working copy, skipped)")
            continue
        found, warnings = found_tables(root, stacks)
        result = score(truth, found)
        in_truth = result["tables_found"]
        stack = truth["stack"]
        print(f"{path.stem:52} {stack:22} {in_truth:>3}/{result['tables']:<4} {pct(in_truth, result['tables'])} "
              f"{pct(in_truth, result['found'])} {result['columns_found']:>4}/{result['columns']:<4} "
              f"{pct(result['columns_found'], result['columns'])}")
        if args.verbose:
            for label in ("missing_tables", "extra", "missing_columns"):
                if result[label]:
                    print(f"    {label}: {', '.join(result[label])}")
            for warning in warnings:
                print(f"    warning {warning.path}:{warning.line}: {warning.reason}")
        row = [result["tables"], in_truth, result["found"], result["columns"], result["columns_found"]]
        for i, value in enumerate(row):
            per_stack[stack][i] += value
            total[i] += value
    print()
    for stack, (tables, hit, n_found, cols, col_hit) in sorted(per_stack.items()):
        print(f"{'stack ' + stack:75} {hit:>3}/{tables:<4} {pct(hit, tables)} {pct(hit, n_found)} "
              f"{col_hit:>4}/{cols:<4} {pct(col_hit, cols)}")
    tables, hit, n_found, cols, col_hit = total
    print(f"{'all':75} {hit:>3}/{tables:<4} {pct(hit, tables)} {pct(hit, n_found)} {col_hit:>4}/{cols:<4} "
          f"{pct(col_hit, cols)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
