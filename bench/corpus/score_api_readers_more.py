"""Score the Go, JVM, Rust, Ruby, PHP, .NET and gRPC endpoint readers against the corpus truth files.

Runs every reader of those modules (``run_reader`` directly, so the score is the readers' own, not the
integration's) on each working copy present and compares with ``bench/corpus/truth/api/<name>.json``
(the format ``score_api.py`` documents): full-path recall and precision by (method, path), handler-file
accuracy of the endpoints found, and dead recall. Per repository and per framework; repositories kept
aside (``"aside": true``) are scored only with ``--aside``. Truth files of other readers' frameworks
are skipped.

    python bench/corpus/score_api_readers_more.py [--root DIR ...] [--aside] [--only NAME] [--show-misses]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import defaultdict
from pathlib import Path

TRUTH_DIR = Path(__file__).parent / "truth" / "api"
DEFAULT_ROOT = Path("/work/corpus")
MODULES = ("go_routers", "spring", "axum", "actix", "rocket", "rails", "laravel", "aspnet", "grpc")
FRAMEWORKS = {"gin", "echo", "chi", "fiber", "net/http", "gorilla/mux", "spring", "axum", "actix", "rocket", "rails",
              "laravel", "aspnet", "aspnet-minimal", "grpc", "grpc-gateway"}


def _working_copy(repo: str, roots: list[Path]) -> Path | None:
    owner, name = repo.split("/")[-2:]
    for root in roots:
        # <root>/<owner>/<name> first: two repositories of one name (forks, rewrites) both fit
        for candidate in (root / owner / name, root / name, *sorted(root.glob(f"*/{name}"))):
            if (candidate / ".git").exists():
                return candidate
    return None


def _pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "   n/a"


def run_readers(copy: Path) -> tuple[list, list]:
    from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored, open_tree
    from phasegate.app.analyzers.readers import run_reader

    tree = open_tree(copy)
    paths = [p for p in tree.paths() if not (is_vendored(p) or is_generated_or_fixture(p) or is_test_path(p))]
    endpoints, warnings = [], []
    for name in MODULES:
        module = importlib.import_module(f"phasegate.app.analyzers.api_readers.{name}")
        for reader in module.READERS:
            part = run_reader(reader, tree, paths, warnings)
            endpoints.extend(part.endpoints)
            warnings.extend(part.warnings)
    tree.close()
    return endpoints, warnings


def score_one(truth: dict, copy: Path, show_misses: bool) -> dict[str, dict[str, int]]:
    found_eps, warnings = run_readers(copy)
    default_fw = truth.get("framework", "?")
    truth_eps = {(e["method"].upper(), e["path"]): e for e in truth["endpoints"]}
    live = [e for e in found_eps if not e.dead]
    reported: dict[tuple[str, str], object] = {}
    for e in live:
        reported.setdefault((e.method, e.path), e)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, t in truth_eps.items():
        c = counts[t.get("framework", default_fw)]
        c["truth"] += 1
        got = reported.get(key)
        if got is not None:
            c["found"] += 1
            ok = got.handler_file == t.get("handler_file", got.handler_file)  # type: ignore[attr-defined]
            c["handler_ok"] += int(ok)
            if show_misses and not ok:
                print(f"    handler  {key[0]:<7} {key[1]}  {got.handler_file} != {t['handler_file']}")  # type: ignore
        elif show_misses:
            print(f"    missed   {key[0]:<7} {key[1]}")
    for key, e in reported.items():
        fw = truth_eps[key].get("framework", default_fw) if key in truth_eps else default_fw
        counts[fw]["reported"] += 1
        if key in truth_eps:
            counts[fw]["correct"] += 1
        elif show_misses:
            print(f"    extra    {key[0]:<7} {key[1]}  ({e.file}:{e.line})")  # type: ignore[attr-defined]
    dead = {(e.method, e.path) for e in found_eps if e.dead}
    for d in truth.get("dead", []):
        c = counts[d.get("framework", default_fw)]
        c["dead_truth"] += 1
        c["dead_found"] += int((d["method"].upper(), d["path"]) in dead)
    if show_misses:
        for w in warnings[:10]:
            print(f"    warning  {w.path}:{w.line}: {w.reason}")
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", action="append", type=Path, help="folder holding working copies")
    parser.add_argument("--aside", action="store_true", help="score only the repositories kept aside")
    parser.add_argument("--only", help="score one truth file (its name without .json)")
    parser.add_argument("--show-misses", action="store_true", help="list missed and extra endpoints")
    args = parser.parse_args(argv)
    roots = args.root or [DEFAULT_ROOT]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    header = f"{'repository':<48} {'framework':<14} {'recall':>7} {'precision':>9} {'handler':>8} {'dead':>6}"
    print(header)
    for path in sorted(TRUTH_DIR.glob("*.json")):
        if args.only and path.stem != args.only:
            continue
        truth = json.loads(path.read_text())
        if truth.get("framework") not in FRAMEWORKS or bool(truth.get("aside")) != args.aside:
            continue
        copy = _working_copy(truth["repo"], roots)
        if copy is None:
            print(f"{truth['repo']:<48} (no working copy, skipped)")
            continue
        for fw, c in sorted(score_one(truth, copy, args.show_misses).items()):
            print(f"{truth['repo']:<48} {fw:<14} {_pct(c['found'], c['truth']):>7} "
                  f"{_pct(c['correct'], c['reported']):>9} {_pct(c['handler_ok'], c['found']):>8} "
                  f"{_pct(c['dead_found'], c['dead_truth']):>6}")
            for k, v in c.items():
                totals[fw][k] += v
    print("-" * len(header))
    for fw, c in sorted(totals.items()):
        print(f"{'all':<48} {fw:<14} {_pct(c['found'], c['truth']):>7} {_pct(c['correct'], c['reported']):>9} "
              f"{_pct(c['handler_ok'], c['found']):>8} {_pct(c['dead_found'], c['dead_truth']):>6}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    raise SystemExit(main(sys.argv[1:]))
