"""``phasegate review A..B`` of a 2,000-file change in the generated 50,000-file repository.

The repository is ``bench_scan``'s deterministic polyglot monorepo; ``A`` is its first commit and ``B``
the commit of ``bench_git``'s 2,000-file change on top of it (1,700 files edited, 100 deleted, 200
added). Ours: the whole review as CI runs it — a fresh ``phasegate review A..B --format sarif``
process (interpreter start and imports included, every cache empty): the diff and file list, the
security scan of the added lines, the specs, the endpoint inventory and the schema at both revisions,
the added migrations. The baseline, measured in the same run: ``git diff A B`` plus one ``git grep -l
-E`` of a route pattern over the tree — the least a reviewer's script does to see the change and look
for routes. Budget 3x; the best of three trials of each, alternating.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import Result, byte_compile
from bench.bench_git import ChangeSet, _env, _git
from bench.bench_scan import generate

FILES = 50_000
TRIALS = 3
BUDGET = 3.0
ROUTE_PATTERN = r"(app|router)\.(get|post|put|delete|patch)\("


def run() -> list[Result]:
    tmp = Path(tempfile.mkdtemp(prefix="phasegate-bench-review-"))
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(_env())
        started = time.perf_counter()
        generate(tmp, count=FILES)
        change = ChangeSet(tmp)
        change.apply()
        _git(tmp, "add", "-A")
        _git(tmp, "commit", "-q", "-m", "the 2,000-file change")
        head = _git(tmp, "rev-parse", "HEAD").strip()
        print(f"  (generated {FILES} files and a {len(change.edited) + len(change.deleted) + len(change.added)}"
              f"-file change in {time.perf_counter() - started:.1f}s)", flush=True)
        command = [sys.executable, "-m", "phasegate.app", "review", f"{change.base}..{head}", "--repo", str(tmp),
                   "--format", "sarif", "--fail-on", "never"]

        def ours() -> float:
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
            elapsed = time.perf_counter() - start
            if done.returncode != 0 or '"version": "2.1.0"' not in done.stdout:
                raise RuntimeError(f"review failed ({done.returncode}): {done.stderr.strip()[-300:]}")
            return elapsed

        def baseline() -> float:
            start = time.perf_counter()
            subprocess.run(["git", "-C", str(tmp), "diff", change.base, head], capture_output=True, check=True)
            subprocess.run(["git", "-C", str(tmp), "grep", "-l", "-E", ROUTE_PATTERN], capture_output=True)
            return time.perf_counter() - start

        byte_compile()  # as an installed copy is
        baseline()  # page cache warm for both
        best_ours, best_base = float("inf"), float("inf")
        for _ in range(TRIALS):
            best_base = min(best_base, baseline())
            best_ours = min(best_ours, ours())
        return [Result("review_2k_change_50k_vs_diff_grep", best_ours, best_base, "s", BUDGET)]
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)
