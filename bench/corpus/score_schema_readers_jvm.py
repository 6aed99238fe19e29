"""Score the JVM, Ruby, PHP, C# and Rust schema readers against the truth files, on working copies.

    python bench/corpus/score_schema_readers_jvm.py [--corpus DIR] [--aside] [--misses]

For every truth file in ``bench/corpus/truth/schema/`` whose ``stack`` is one of these readers' stacks and
whose working copy ``DIR/<repo name>`` exists (default ``/work/corpus/schema-jvm``), every reader of the
jpa, liquibase, rails, laravel, efcore and diesel modules runs on the working copy through
``run_reader`` (so nothing but these readers is measured), and their tables are pooled. Printed per
repository and per stack: table recall and precision (real database names, case-insensitive) and the
recall of the sampled columns each truth table lists. Repositories marked ``"aside"`` are scored only
with ``--aside``: they are kept to be measured once, at the end. Not run in CI (it needs the working copies).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TRUTH = ROOT / "bench" / "corpus" / "truth" / "schema"
MODULES = ("jpa", "liquibase", "rails", "laravel", "efcore", "diesel")
STACKS = {"jpa", "liquibase", "jpa+liquibase", "rails", "laravel", "efcore", "diesel"}


def read_repo(path: Path) -> tuple[dict[str, set[str]], dict[str, list[str]], int]:
    """Tables (lower-case name → lower-case columns) pooled over all readers, the readers that found each, warnings."""
    from phasegate.app.analyzers._files import open_tree
    from phasegate.app.analyzers.readers import ParseCache, SourceWarning, run_reader

    tree = open_tree(path)
    tables: dict[str, set[str]] = {}
    found_by: dict[str, list[str]] = defaultdict(list)
    warnings: list[SourceWarning] = []
    paths = tree.paths()
    for module_name in MODULES:
        module = importlib.import_module(f"phasegate.app.analyzers.schema_readers.{module_name}")
        for reader in module.READERS:
            part = run_reader(reader, tree, paths, warnings, cache=ParseCache())
            warnings.extend(part.warnings)
            for table in part.tables:
                key = table.name.lower()
                tables.setdefault(key, set()).update(c.name.lower() for c in table.columns)
                found_by[key].append(reader.name)
    tree.close()
    return tables, found_by, len(warnings)


def score(truth: dict[str, Any], tables: dict[str, set[str]]) -> dict[str, Any]:
    want = {name.lower(): [c.lower() for c in spec.get("columns", [])] for name, spec in truth["tables"].items()}
    hit_tables = [t for t in want if t in tables]
    extra = sorted(t for t in tables if t not in want)
    cols_total = sum(len(cols) for cols in want.values())
    missing_cols = [f"{t}.{c}" for t, cols in want.items() for c in cols if c not in tables.get(t, set())]
    return {
        "tables": len(want), "tables_found": len(hit_tables), "reported": len(tables),
        "precise": len(tables) - len(extra), "columns": cols_total, "columns_found": cols_total - len(missing_cols),
        "missing_tables": sorted(t for t in want if t not in tables), "extra_tables": extra,
        "missing_columns": missing_cols,
    }


def pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "   - "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="/work/corpus/schema-jvm", help="folder holding the working copies")
    parser.add_argument("--aside", action="store_true", help="score the repositories kept aside (only)")
    parser.add_argument("--misses", action="store_true", help="list missing and extra tables and columns")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    per_stack: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    print(f"{'repository':40} {'stack':14} {'tables':>8} {'recall':>7} {'prec.':>7} {'columns':>8} {'recall':>7}")
    for truth_path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(truth_path.read_text())
        if truth.get("stack") not in STACKS or bool(truth.get("aside")) != args.aside:
            continue
        copy = Path(args.corpus) / truth_path.stem
        if not copy.is_dir():
            print(f"{truth_path.stem:40} (no working copy at {copy}, skipped)")
            continue
        tables, found_by, warning_count = read_repo(copy)
        result = score(truth, tables)
        print(f"{truth_path.stem:40} {truth['stack']:14} {result['tables']:8} "
              f"{pct(result['tables_found'], result['tables'])} {pct(result['precise'], result['reported'])} "
              f"{result['columns']:8} {pct(result['columns_found'], result['columns'])}  ({warning_count} warnings)")
        if args.misses:
            for key in ("missing_tables", "extra_tables", "missing_columns"):
                if result[key]:
                    print(f"    {key}: {', '.join(result[key])}")
        totals = per_stack[truth["stack"]]
        for key in ("tables", "tables_found", "reported", "precise", "columns", "columns_found"):
            totals[key] += result[key]
            per_stack["all"][key] += result[key]
    print()
    for stack, totals in sorted(per_stack.items(), key=lambda item: (item[0] == "all", item[0])):
        print(f"{'stack ' + stack:55} {totals['tables']:8} {pct(totals['tables_found'], totals['tables'])} "
              f"{pct(totals['precise'], totals['reported'])} {totals['columns']:8} "
              f"{pct(totals['columns_found'], totals['columns'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
