"""Endpoint inventory on a generated 50,000-file repository with 500 route files.

Cold: the inventory of the working tree with an empty parse cache, against ``git grep -l -E`` of the
route patterns over the same tree (the floor for "read the repository's contents"), budget 3x.
Warm: after one route file changed and was committed, the inventory of ``HEAD`` with the cache of
the previous read, against ``git ls-files`` (listing alone), budget 1.5x: the blob ids come with the
revision's listing, so only the changed file is read and parsed again.

The repository is ``bench_scan``'s polyglot monorepo (49,500 files) plus 500 route files of real
frameworks (FastAPI routers included under a prefix, Express routers mounted by an app), so the
readers resolve mounts across files, not just match lines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench._common import Result, best_of
from bench.bench_scan import generate

FILES = 50_000
ROUTE_FILES = 500
ROUTE_PATTERN = r"(app|router)\.(get|post|put|delete|patch|use|include_router)\(|@(app|router)\.(get|post)"
COLD_BUDGET = 3.0
WARM_BUDGET = 1.5
_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "gc.auto=0", *args], check=True, env=_ENV, capture_output=True)


def add_route_files(root: Path, count: int = ROUTE_FILES) -> None:
    """``count`` route files: half FastAPI routers under one app, half Express routers under one app."""
    py = root / "apps" / "pyapi"
    js = root / "apps" / "jsapi"
    (py / "routes").mkdir(parents=True, exist_ok=True)
    (js / "routes").mkdir(parents=True, exist_ok=True)
    half = count // 2
    (py / "__init__.py").write_text("")
    (py / "routes" / "__init__.py").write_text("")
    includes = []
    for i in range(half - 1):
        (py / "routes" / f"r{i}.py").write_text(
            f"from fastapi import APIRouter, Depends\n\nrouter = APIRouter(prefix='/r{i}')\n\n"
            "def get_current_user():\n    return 1\n\n"
            f"@router.get('/{{item_id}}')\nasync def read_{i}(item_id: int, user=Depends(get_current_user)):\n"
            "    return {}\n\n"
            f"@router.post('')\nasync def create_{i}():\n    return {{}}\n")
        includes.append(f"from apps.pyapi.routes import r{i}\napp.include_router(r{i}.router, prefix='/api')\n")
    (py / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n" + "".join(includes))
    mounts = []
    for i in range(count - half - 1):
        (js / "routes" / f"r{i}.js").write_text(
            "const express = require('express');\nconst router = express.Router();\n"
            "router.get('/:id', (req, res) => res.json({}));\nrouter.post('/', (req, res) => res.json({}));\n"
            "module.exports = router;\n")
        mounts.append(f"app.use('/v1/r{i}', require('./routes/r{i}'));\n")
    (js / "app.js").write_text("const express = require('express');\nconst app = express();\n" + "".join(mounts)
                               + "app.listen(3000);\n")


def run() -> list[Result]:
    from phasegate.app.analyzers._files import open_tree
    from phasegate.app.analyzers.api import inventory_at, inventory_from_tree
    from phasegate.app.analyzers.readers import ParseCache

    tmp = Path(tempfile.mkdtemp(prefix="phasegate-bench-api-"))
    try:
        started = time.perf_counter()
        generate(tmp, count=FILES - ROUTE_FILES)
        add_route_files(tmp)
        _git(tmp, "add", "-A")
        _git(tmp, "commit", "-q", "-m", "routes")
        print(f"  (generated {FILES} files in {time.perf_counter() - started:.1f}s)", flush=True)

        def git_grep() -> None:
            subprocess.run(["git", "-C", str(tmp), "grep", "-l", "-E", ROUTE_PATTERN], capture_output=True)

        def cold() -> int:
            tree = open_tree(tmp)
            try:
                return len(inventory_from_tree(tree, cache=ParseCache()).endpoints)
            finally:
                tree.close()

        git_grep()
        found = cold()
        assert found >= 2 * (ROUTE_FILES - 2), f"the inventory found {found} endpoints: broken bench"
        baseline = best_of(git_grep, repeat=3)
        ours = best_of(cold, repeat=3)
        results = [Result("api_50k_cold_vs_git_grep", ours, baseline, "s", COLD_BUDGET)]

        inventory_at(tmp, "HEAD")  # warm the shared cache
        target = tmp / "apps" / "pyapi" / "routes" / "r0.py"
        counter = [0]

        def change_one() -> None:
            counter[0] += 1
            target.write_text(target.read_text() + f"\n# change {counter[0]}\n")
            _git(tmp, "commit", "-q", "-am", f"change {counter[0]}")

        def warm() -> None:
            inventory_at(tmp, "HEAD")

        def ls_files() -> None:
            subprocess.run(["git", "-C", str(tmp), "ls-files"], capture_output=True)

        ls_files()
        baseline = best_of(ls_files, repeat=5)
        best = float("inf")
        for _ in range(3):
            change_one()
            start = time.perf_counter()
            warm()
            best = min(best, time.perf_counter() - start)
        results.append(Result("api_50k_warm_one_change_vs_ls_files", best, baseline, "s", WARM_BUDGET))
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
