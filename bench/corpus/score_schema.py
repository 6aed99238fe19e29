"""Score ``phasegate schema --json`` against the truth files in ``truth/schema/`` (not run in CI).

Each truth file lists, for one public repository at one commit, the tables its code really defines
(database names), a sample of their columns and the files that declare them, verified by reading the
code. The working copies are looked for under ``--corpus`` (default ``$PHASEGATE_CORPUS`` or
``/work/corpus/schema``), one folder per repository named like its truth file; absent ones are
skipped. Repositories marked ``"aside": true`` are scored only with ``--aside`` (kept for a final,
untuned measurement).

    python bench/corpus/score_schema.py [--corpus DIR] [--aside | --only-aside] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

TRUTH = Path(__file__).parent / "truth" / "schema"
RUN = "import sys; from phasegate.app.cli.main import main; sys.exit(main(sys.argv[1:]))"


def schema_json(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN, "schema", str(path), "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"phasegate schema failed on {path}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def truth_tables(truth: dict) -> list[dict]:
    """The truth's tables as a list of {name, source: [paths], columns}; a truth file may also map each
    name to {source (one path or a list), columns}."""
    tables = truth["tables"]
    if isinstance(tables, dict):
        tables = [{"name": name, **entry} for name, entry in tables.items()]
    out = []
    for entry in tables:
        source = entry.get("source", [])
        out.append({**entry, "source": [source] if isinstance(source, str) else list(source)})
    return out


def score(truth: dict, found: dict) -> dict:
    tables = {t["name"].lower(): t for t in found["tables"]}
    hit_tables = hit_cols = cols = hit_sources = 0
    misses: list[str] = []
    expected_tables = truth_tables(truth)
    for expected in expected_tables:
        got = tables.get(expected["name"].lower())
        cols += len(expected["columns"])
        if got is None:
            misses.append(f"table {expected['name']}")
            continue
        hit_tables += 1
        hit_sources += got.get("source") in expected["source"]
        have = {c["name"].lower() for c in got["columns"]}
        for col in expected["columns"]:
            if col.lower() in have:
                hit_cols += 1
            else:
                misses.append(f"column {expected['name']}.{col}")
    truth_names = {t["name"].lower() for t in expected_tables}
    extra = [t["name"] for t in found["tables"] if t["name"].lower() not in truth_names]
    misses += [f"extra table {name}" for name in extra]
    return {"tables": len(expected_tables), "hit_tables": hit_tables, "found": len(found["tables"]),
            "true_found": len(found["tables"]) - len(extra), "cols": cols, "hit_cols": hit_cols,
            "hit_sources": hit_sources, "warnings": len(found.get("warnings", [])),
            "drift": len(found.get("drift", [])), "misses": misses}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   - "


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("PHASEGATE_CORPUS", "/work/corpus/schema"))
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--aside", action="store_true", help="also score the repositories kept aside")
    group.add_argument("--only-aside", action="store_true", help="score only the repositories kept aside")
    parser.add_argument("--misses", action="store_true", help="list every missed table and column")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, dict]] = []
    for truth_path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(truth_path.read_text())
        aside = bool(truth.get("aside"))
        if (aside and not (args.aside or args.only_aside)) or (args.only_aside and not aside):
            continue
        copy = Path(args.corpus) / truth_path.stem
        if not copy.is_dir():
            print(f"{truth_path.stem}: no working copy at {copy}, skipped")
            continue
        rows.append((truth_path.stem + (" (aside)" if aside else ""), truth["stack"], score(truth, schema_json(copy))))
    print(f"{'repository':<42} {'stack':<26} {'tables':>7} {'t.prec':>7} {'columns':>8} {'source':>7} warn drift")
    per_stack: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    total = [0, 0, 0, 0, 0, 0]
    for name, stack, s in rows:
        print(f"{name:<42} {stack:<26} {_pct(s['hit_tables'], s['tables']):>7} {_pct(s['true_found'], s['found']):>7} "
              f"{_pct(s['hit_cols'], s['cols']):>8} {_pct(s['hit_sources'], s['hit_tables']):>7} "
              f"{s['warnings']:>4} {s['drift']:>5}")
        for acc in (per_stack[stack], total):
            for i, key in enumerate(("hit_tables", "tables", "true_found", "found", "hit_cols", "cols")):
                acc[i] += s[key]
        if args.misses:
            for miss in s["misses"]:
                print(f"    miss: {miss}")
    print()
    for stack, (ht, t, tf, f, hc, c) in sorted(per_stack.items()):
        print(f"stack {stack:<36} tables {_pct(ht, t)}  precision {_pct(tf, f)}  columns {_pct(hc, c)}")
    ht, t, tf, f, hc, c = total
    print(f"{'all':<42} tables {_pct(ht, t)}  precision {_pct(tf, f)}  columns {_pct(hc, c)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
