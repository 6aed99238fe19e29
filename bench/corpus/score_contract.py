"""Score the API contract diff on the labelled pairs of bench/corpus/contract_pairs/.

``python bench/corpus/score_contract.py [--before-rev REV] [--pairs DIR] [-v] [--history DIR]``

For each pair, a *detection* is at least one breaking change (level error; before issue 18, a change
marked ``breaking``). Prints, per kind and overall, the detection rate on the incompatible pairs and
the false-flag rate on the compatible ones, for the diff at ``--before-rev`` (default: the commit before
issue 18, whose ``app/analyzers/openapi.py`` is loaded from git) and for the diff of this checkout; and
for this checkout, how many pairs report every rule id they were written for.

``--history DIR`` also scores real spec histories: for each truth file of ``bench/corpus/truth/contract/``
whose revisions are present under ``DIR/<repo name>/<rev>/`` (skipped when absent), the error-level
changes between consecutive revisions against the ones verified by reading the diffs (recall and
precision of (rule id, method, path, location)).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAIRS = Path(__file__).resolve().parent / "contract_pairs"
TRUTH = Path(__file__).resolve().parent / "truth" / "contract"
BEFORE_REV = "9295277"  # main before issue 18: the first contract diff

Diff = Callable[[dict[str, Any]], list[Any]]


def old_diff(rev: str) -> Callable[[dict[str, Any], dict[str, Any]], list[Any]]:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:app/analyzers/openapi.py"], check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("phasegate_contract_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{rev}:app/analyzers/openapi.py", "exec"), module.__dict__)  # our own code, at rev
    return module.diff_contracts  # type: ignore[no-any-return]


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = path.stem
    return data


def new_changes(pair: dict[str, Any]) -> list[Any]:
    from phasegate.app.analyzers.openapi import diff_contracts

    files_a, files_b = pair.get("files_before") or {}, pair.get("files_after") or {}
    return diff_contracts(pair["before"], pair["after"], path_a="openapi.yaml", path_b="openapi.yaml",
                          load_a=files_a.get, load_b=files_b.get)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-rev", default=BEFORE_REV)
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every pair that is scored wrong")
    parser.add_argument("--history", type=Path, help="folder of working copies, e.g. /work/corpus/contract")
    args = parser.parse_args(argv)
    if args.history:
        score_history(args.history)
    pairs = [load(p) for p in sorted(args.pairs.glob("*.yaml"))]
    before = old_diff(args.before_rev)
    runs: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
        f"before ({args.before_rev})": lambda p: before(p["before"], p["after"]),
        "after (this checkout)": new_changes,
    }
    print(f"{len(pairs)} pairs: {sum(p['label'] == 'incompatible' for p in pairs)} incompatible, "
          f"{sum(p['label'] == 'compatible' for p in pairs)} compatible\n")
    for title, run in runs.items():
        per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # detected, incompatible, flagged, compat
        wrong, ids_hit, ids_total = [], 0, 0
        for pair in pairs:
            try:
                changes = run(pair)
            except Exception as exc:  # the old diff may not read a format at all: that is a miss, not a crash
                changes, err = [], exc
                wrong.append(f"  {pair['name']}: raised {type(err).__name__}: {err}")
            flagged = any(c.breaking for c in changes)
            row = per_kind[pair["kind"]]
            if pair["label"] == "incompatible":
                row[0] += flagged
                row[1] += 1
                if not flagged:
                    wrong.append(f"  missed   {pair['name']}")
            else:
                row[2] += flagged
                row[3] += 1
                if flagged:
                    wrong.append(f"  flagged  {pair['name']}: "
                                 + ", ".join(getattr(c, "id", "") or c.kind for c in changes if c.breaking))
            if title.startswith("after") and pair.get("expect"):
                ids_total += 1
                ids_hit += set(pair["expect"]) <= {c.id for c in changes}
        print(title)
        print(f"  {'kind':<18} {'detected':>12} {'false flags':>12}")
        totals = [0, 0, 0, 0]
        for kind in sorted(per_kind):
            row = per_kind[kind]
            totals = [t + r for t, r in zip(totals, row, strict=True)]
            print(f"  {kind:<18} {_rate(row[0], row[1]):>12} {_rate(row[2], row[3]):>12}")
        print(f"  {'all':<18} {_rate(totals[0], totals[1]):>12} {_rate(totals[2], totals[3]):>12}")
        if ids_total:
            print(f"  pairs reporting every expected rule id: {ids_hit}/{ids_total}")
        if args.verbose and wrong:
            print("\n".join(wrong))
        print()
    return 0


def score_history(root: Path) -> None:
    import json

    from phasegate.app.analyzers.openapi import diff_contracts, parse_spec_text

    for truth_path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        base = root / truth_path.stem
        if not base.is_dir():
            print(f"{truth['repository']}: no working copy under {base}, skipped\n")
            continue
        tp = fp = fn = 0
        for pair in truth["pairs"]:
            a, b = (base / pair[side] / pair["file"] for side in ("before", "after"))
            docs = [parse_spec_text(p.read_text(encoding="utf-8"), p.name) for p in (a, b)]
            got = {(c.id, c.method, c.path, c.location) for c in diff_contracts(*docs, path_a=pair["file"])
                   if c.breaking}
            want = {tuple(e) for e in pair["errors"]}
            tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
            for extra in sorted(got - want, key=str):
                print(f"  unexpected {pair['before']}..{pair['after']}: {extra}")
            for missing in sorted(want - got, key=str):
                print(f"  missed     {pair['before']}..{pair['after']}: {missing}")
        print(f"{truth['repository']} ({len(truth['pairs'])} revision pairs): breaking changes recall "
              f"{_rate(tp, tp + fn)}, precision {_rate(tp, tp + fp)}\n")


def _rate(hit: int, total: int) -> str:
    return f"{hit}/{total} {100 * hit / total:.0f}%" if total else "—"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
