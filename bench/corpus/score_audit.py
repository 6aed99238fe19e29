"""Score ``phasegate scan`` (the repository audit) against hand-written truth files of corpus repositories.

Truth files are ``bench/corpus/truth/audit/<name>.json``, one per repository, written by reading the
repository's files (never by copying phasegate's output)::

    {
      "repo": "owner/name", "commit": "40 hex digits",
      "working_copy": "schema/<name>",      # under /work/corpus (or any --root)
      "aside": false,                       # true: kept aside, scored only with --aside / --only-aside
      "note": "why the borderline files are in or out",
      "schema_sources": ["app/models.py"],  # files that define tables: models, entities, schema dumps
      "migrations": ["db/migrate"],         # migration directories
      "manifests": ["package.json"],        # dependency manifests
      "lockfiles": ["yarn.lock"],
      "specs": ["openapi.yaml"],            # OpenAPI/Swagger documents, fragments, specs defined in code
      "auth": ["jwt", "bcrypt"],            # mechanisms, in the audit's vocabulary
      "route_files": ["src/routes/users.js"],  # files declaring endpoints, their handlers, what mounts them
      "env_config": [".env.example"]        # env files and templates, compose/process files setting
    }                                       # environment, config modules and framework config files

The audit's JSON is mapped onto the categories: ``schema_files`` + ``orm_models`` (paths) are the
schema sources, ``migration_dirs`` the migrations, ``manifests``, ``lockfiles``, ``openapi_specs``,
the set of ``auth`` mechanisms, ``api_route_files`` and ``env_files``. Recall is the truth items the
audit lists; precision the listed items that are in the truth; both summed over repositories (micro)
per category, and per repository over all categories. Repositories without a working copy are
skipped, never counted.

    python bench/corpus/score_audit.py [--root DIR ...] [--aside | --only-aside] [--only NAME] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TRUTH_DIR = Path(__file__).parent / "truth" / "audit"
DEFAULT_ROOT = Path("/work/corpus")
CATEGORIES = ("schema_sources", "migrations", "manifests", "lockfiles", "specs", "auth", "route_files", "env_config")
# Targets of issue 15: recall per category, precision for all.
RECALL_TARGET = {"route_files": 0.85, "env_config": 0.85}
RECALL_DEFAULT, PRECISION_TARGET = 0.95, 0.95


def _paths(items: list[dict[str, Any]]) -> set[str]:
    return {i["path"] for i in items if isinstance(i, dict) and "path" in i}


def reported(scan: dict[str, Any]) -> dict[str, set[str]]:
    """The audit's findings per truth category."""
    return {
        "schema_sources": _paths(scan.get("schema_files", [])) | _paths(scan.get("orm_models", [])),
        "migrations": _paths(scan.get("migration_dirs", [])),
        "manifests": _paths(scan.get("manifests", [])),
        "lockfiles": _paths(scan.get("lockfiles", [])),
        "specs": _paths(scan.get("openapi_specs", [])),
        "auth": {a["mechanism"] for a in scan.get("auth", [])},
        "route_files": _paths(scan.get("api_route_files", [])),
        "env_config": _paths(scan.get("env_files", [])),
    }


def _phasegate() -> list[str]:
    beside = Path(sys.executable).parent / "phasegate"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "phasegate"]


def run_scan(path: Path) -> dict[str, Any]:
    out = subprocess.run([*_phasegate(), "scan", str(path), "--json"], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"phasegate scan {path} failed ({out.returncode}): {out.stderr.strip()[-400:]}")
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def find_copy(truth: dict[str, Any], roots: list[Path]) -> Path | None:
    for root in roots:
        rel = truth.get("working_copy")
        owner, _, name = truth["repo"].partition("/")
        for candidate in ([root / rel] if rel else []) + [root / owner / name, root / name]:
            if candidate.is_dir():
                return candidate
    return None


def score(truths: list[dict[str, Any]], roots: list[Path], show_misses: bool) -> int:
    totals = {c: [0, 0, 0, 0] for c in CATEGORIES}  # truth, found, reported, correct
    print(f"{'repository':<40} {'recall':>8} {'precision':>10}  misses / extras")
    for truth in truths:
        copy = find_copy(truth, roots)
        name = truth["_name"] + (" (aside)" if truth.get("aside") else "")
        if copy is None:
            print(f"{name:<40} {'skipped: no working copy':>20}")
            continue
        got = reported(run_scan(copy))
        t_all = f_all = r_all = c_all = 0
        notes = []
        for cat in CATEGORIES:
            want, have = set(truth.get(cat, [])), got[cat]
            found, correct = len(want & have), len(have & want)
            for n, v in zip(range(4), (len(want), found, len(have), correct), strict=True):
                totals[cat][n] += v
            t_all, f_all, r_all, c_all = t_all + len(want), f_all + found, r_all + len(have), c_all + correct
            if show_misses:
                notes += [f"    {cat} missed: {p}" for p in sorted(want - have)]
                notes += [f"    {cat} extra:  {p}" for p in sorted(have - want)]
        recall = f_all / t_all if t_all else 1.0
        precision = c_all / r_all if r_all else 1.0
        print(f"{name:<40} {recall:>8.1%} {precision:>10.1%}  {t_all - f_all} / {r_all - c_all}")
        for line in notes:
            print(line)
    print()
    print(f"{'category':<16} {'truth':>6} {'recall':>8} {'reported':>9} {'precision':>10}  target")
    ok = True
    for cat in CATEGORIES:
        t, f, r, c = totals[cat]
        recall = f / t if t else 1.0
        precision = c / r if r else 1.0
        target = RECALL_TARGET.get(cat, RECALL_DEFAULT)
        met = recall >= target and precision >= PRECISION_TARGET
        ok &= met
        print(f"{cat:<16} {t:>6} {recall:>8.1%} {r:>9} {precision:>10.1%}  recall>={target:.0%} precision>="
              f"{PRECISION_TARGET:.0%} {'ok' if met else 'MISSED'}")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", action="append", type=Path, help="where working copies live (default /work/corpus)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--aside", action="store_true", help="also score the repositories kept aside")
    group.add_argument("--only-aside", action="store_true", help="score only the repositories kept aside")
    parser.add_argument("--only", action="append", help="score only these truth names")
    parser.add_argument("--show-misses", action="store_true", help="list every missed and extra item")
    args = parser.parse_args(argv)
    truths = []
    for path in sorted(TRUTH_DIR.glob("*.json")):
        truth = json.loads(path.read_text())
        truth["_name"] = path.stem
        if args.only and path.stem not in args.only:
            continue
        if not args.only and (truth.get("aside") and not (args.aside or args.only_aside)
                              or args.only_aside and not truth.get("aside")):
            continue
        truths.append(truth)
    return score(truths, args.root or [DEFAULT_ROOT], args.show_misses)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
