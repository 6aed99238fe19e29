"""Cold ``phasegate schema`` on the largest corpus repositories against ``git grep`` (issue 13).

The generated repository of ``bench_schema`` is shaped like real code; this line reads real code: the
corpus working copies (``bench/corpus/working_copies.py`` makes them, under ``$PHASEGATE_CORPUS`` or
``/work/corpus/schema``). For each of the repositories below whose working copy is present, ours is a
fresh ``phasegate schema PATH --json`` process (start-up and imports included, every cache empty), the
schema a user asks for; the baseline, in the same run, is ``git grep -l -E`` of the words that
introduce a table in any of the stacks read (``create_table``, ``CREATE TABLE``, ``table!``,
``Schema::create``, ``@Entity``, ``__tablename__``) over the same tree. Best of three, alternating.
Budget 3x. Absent working copies are skipped (so the line never runs in CI): nothing is printed for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench._common import Result

# the corpus repositories with the most files, one per stack where possible (diesel, rails, laravel)
REPOSITORIES = ("crates.io", "human-essentials", "koel")
PATTERN = r"create_table|CREATE TABLE|table!|Schema::create|@Entity|__tablename__"
TRIALS = 3
BUDGET = 3.0


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # git grep: 1 is "nothing matched"
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-300:]}")
    return elapsed


def run() -> list[Result]:
    corpus = Path(os.environ.get("PHASEGATE_CORPUS", "/work/corpus/schema"))
    results: list[Result] = []
    for name in REPOSITORIES:
        copy = corpus / name
        if not (copy / ".git").exists():
            continue
        ours_args = [sys.executable, "-m", "phasegate.app", "schema", str(copy), "--json"]
        grep_args = ["git", "-C", str(copy), "grep", "-l", "-E", PATTERN]
        _timed(grep_args)  # page cache warm for both
        ours = base = float("inf")
        for _ in range(TRIALS):
            base = min(base, _timed(grep_args))
            ours = min(ours, _timed(ours_args))
        results.append(Result(f"schema_cold_{name}_vs_git_grep", ours, base, "s", BUDGET))
    return results
