"""Write the schema and endpoint JSON of every corpus working copy, to compare two builds (not run in CI).

A change meant to leave the output alone (a speed-up, a refactoring) is checked by running this with
the old build and with the new one and comparing the two folders (``diff -r``). For each git working
copy under ``--corpus`` (default ``/work/corpus``), ``<out>/<kind>__<owner>__<name>.json`` holds
``schema_at`` and ``inventory_at`` at the working tree and at HEAD, each read in a fresh process (no
cache carried over). ``--prefilter off|on`` forces the keyword pre-filter off (with the keyword guard of
``tests/support/reader_keywords.py`` wrapped round every parse: a parse that finds facts in a file without
its keywords stops the run) or on for every read, whatever the number of files; the two outputs must be
identical. ``PYTHONHASHSEED`` is passed through: run twice with different seeds to catch output whose
order follows the hash seed.

    python bench/corpus/dump_analyses.py OUT [--corpus DIR] [--prefilter off|on]
    PYTHONPATH=/path/to/old/checkout-as-phasegate python bench/corpus/dump_analyses.py OLD_OUT
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

_CHILD = r'''
import json, sys
root, prefilter = sys.argv[1], sys.argv[2]
from phasegate.app.analyzers import api, schema
if prefilter == "off":
    api._PREFILTER_MIN = schema._PREFILTER_MIN = 10**9
    sys.path.insert(0, sys.argv[3])
    from tests.support import reader_keywords
    reader_keywords.install()
elif prefilter == "on":
    api._PREFILTER_MIN = schema._PREFILTER_MIN = 0
out = {}
for rev in (None, "HEAD"):
    out[str(rev)] = {"api": api.inventory_at(root, rev).to_json(), "schema": schema.schema_at(root, rev).to_json()}
print(json.dumps(out, sort_keys=True, indent=1))
'''


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    parser.add_argument("--prefilter", choices=("default", "off", "on"), default="default")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    project = str(Path(__file__).resolve().parents[2])
    roots = sorted({git.parent for git in args.corpus.glob("**/.git")})
    failed = 0
    for root in roots:
        name = str(root.relative_to(args.corpus)).replace("/", "__")
        done = subprocess.run([sys.executable, "-c", _CHILD, str(root), args.prefilter, project],
                              capture_output=True, text=True, env=os.environ)
        if done.returncode != 0:
            failed += 1
            print(f"{name}: failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}", file=sys.stderr)
            continue
        (args.out / f"{name}.json").write_text(done.stdout, encoding="utf-8")
    print(f"{len(roots) - failed} of {len(roots)} working copies written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
