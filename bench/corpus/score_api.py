"""Score ``phasegate api`` against hand-written truth files of the corpus repositories.

Truth files are ``bench/corpus/truth/api/<name>.json``, one per repository, written by reading the
repository's code (never by copying phasegate's output)::

    {
      "repo": "owner/name",                 # the GitHub repository
      "commit": "40 hex digits",            # the commit the working copy was made from
      "framework": "fastapi",               # the stack of every endpoint unless one says otherwise
      "aside": false,                       # true: kept aside, scored only with --aside
      "endpoints": [                        # every live endpoint a client can call, full paths
        {"method": "GET", "path": "/api/users/{id}", "handler_file": "app/api/users.py",
         "framework": "fastapi"}            # "framework" optional (defaults to the top-level one)
      ],
      "dead": [{"method": "GET", "path": "/old"}]   # declared but never mounted/served (optional)
    }

Paths are written as a client calls them with parameters as ``{name}``; methods upper case, ``ANY``
for a handler that takes every method (a plain Django view). The working copy of ``owner/name`` is
looked up as ``<root>/<owner>/<name>``, ``<root>/<name>`` or ``<root>/*/<name>`` for each ``--root`` (default ``/work/corpus/api``);
repositories without a working copy are skipped, never counted.

Scores: full-path recall (truth endpoints found, by method and path), precision (live code endpoints
reported that are in the truth), handler-file accuracy (found endpoints whose handler file matches),
and dead recall (truth dead endpoints reported with ``dead: true``). Per repository and per framework.

    python bench/corpus/score_api.py [--root DIR ...] [--aside] [--only NAME] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

TRUTH_DIR = Path(__file__).parent / "truth" / "api"
DEFAULT_ROOT = Path("/work/corpus/api")


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


def score_one(truth: dict, copy: Path, show_misses: bool) -> dict[str, dict[str, int]]:
    """Counts per framework: truth, found, reported, correct, handler_ok, dead_truth, dead_found."""
    from phasegate.app.analyzers.api import inventory_at

    inv = inventory_at(copy)
    default_fw = truth.get("framework", "?")
    truth_eps = {(e["method"].upper(), e["path"]): e for e in truth["endpoints"]}
    live = [e for e in inv.endpoints if e.source == "code" and not e.dead]
    reported = {(e.method, e.path): e for e in live}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, t in truth_eps.items():
        fw = t.get("framework", default_fw)
        c = counts[fw]
        c["truth"] += 1
        got = reported.get(key)
        if got is not None:
            c["found"] += 1
            c["handler_ok"] += int(got.handler_file == t.get("handler_file", got.handler_file))
        elif show_misses:
            print(f"    missed   {key[0]:<7} {key[1]}")
    for key, e in reported.items():
        fw = truth_eps[key].get("framework", default_fw) if key in truth_eps else default_fw
        counts[fw]["reported"] += 1
        if key in truth_eps:
            counts[fw]["correct"] += 1
        elif show_misses:
            print(f"    extra    {key[0]:<7} {key[1]}  ({e.file}:{e.line})")
    dead = {(e.method, e.path) for e in inv.endpoints if e.dead}
    for d in truth.get("dead", []):
        c = counts[d.get("framework", default_fw)]
        c["dead_truth"] += 1
        c["dead_found"] += int((d["method"].upper(), d["path"]) in dead)
    if show_misses:
        for w in inv.warnings[:10]:
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
    header = f"{'repository':<40} {'framework':<10} {'recall':>7} {'precision':>9} {'handler':>8} {'dead':>6}"
    print(header)
    for path in sorted(TRUTH_DIR.glob("*.json")):
        if args.only and path.stem != args.only:
            continue
        truth = json.loads(path.read_text())
        if bool(truth.get("aside")) != args.aside:
            continue
        copy = _working_copy(truth["repo"], roots)
        if copy is None:
            print(f"{truth['repo']:<40} (no working copy, skipped)")
            continue
        for fw, c in sorted(score_one(truth, copy, args.show_misses).items()):
            print(f"{truth['repo']:<40} {fw:<10} {_pct(c['found'], c['truth']):>7} "
                  f"{_pct(c['correct'], c['reported']):>9} {_pct(c['handler_ok'], c['found']):>8} "
                  f"{_pct(c['dead_found'], c['dead_truth']):>6}")
            for k, v in c.items():
                totals[fw][k] += v
    print("-" * len(header))
    for fw, c in sorted(totals.items()):
        print(f"{'all':<40} {fw:<10} {_pct(c['found'], c['truth']):>7} {_pct(c['correct'], c['reported']):>9} "
              f"{_pct(c['handler_ok'], c['found']):>8} {_pct(c['dead_found'], c['dead_truth']):>6}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    raise SystemExit(main(sys.argv[1:]))
