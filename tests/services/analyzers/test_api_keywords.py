"""The keyword pre-filter of the endpoint inventory (``Reader.keywords``, ``api._without_keywords``): files
holding none of their readers' keywords are not read, and the inventory comes out exactly as when every
file is read — in the working tree (whose search starts before the listing, ``WorkTree.start_grep``) and at
a revision.

That the keywords themselves are right is checked on every parse the analyzer tests make (``conftest.py``,
tests/support/reader_keywords.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from phasegate.app.analyzers import api, readers
from phasegate.app.analyzers._files import RevTree, open_tree
from phasegate.app.analyzers.api_readers import all_readers
from phasegate.app.analyzers.readers import ParseCache
from phasegate.app.git import trees
from tests.support.reader_keywords import record_skips, search_answers_at_once
from tests.support.repos import commit_all, git, init_repo, write_files

ROUTER = ("from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/things{n}')\n\n\n"
          "@router.get('/{{thing_id}}')\nasync def read_{n}(thing_id: int):\n    return {{}}\n")
PLAIN_PY = "def compute_{n}(values: list[int]) -> int:\n    return sum(v * {n} for v in values)\n"
PLAIN_TS = "export function helper{n}(input: string): string {{\n  return input.trim() + '-{n}';\n}}\n"
EXPRESS = ("const express = require('express');\nconst app = express();\n"
           "app.get('/health', (req, res) => res.json({}));\napp.listen(3000);\n")
GIN = ('package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() {\n\tr := gin.Default()\n'
       '\tr.GET("/ping", ping)\n\tr.Run()\n}\n\nfunc ping(c *gin.Context) {}\n')
SPEC = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /spec-only:\n    get:\n      responses: {}\n"


def _json(tree: trees.Tree) -> str:
    try:
        return json.dumps(api.inventory_from_tree(tree, cache=ParseCache()).to_json(), indent=1, sort_keys=True)
    finally:
        tree.close()


@pytest.fixture
def big_repo(tmp_path: Path) -> Path:
    files = {f"app/lib/util_{n}.py": PLAIN_PY.format(n=n) for n in range(api._PREFILTER_MIN)}
    files |= {f"web/src/lib/helper_{n}.ts": PLAIN_TS.format(n=n) for n in range(100)}
    files |= {f"app/routes/r{n}.py": ROUTER.format(n=n) for n in range(3)}
    files |= {"app/main.py": "from fastapi import FastAPI\nfrom app.routes import r0, r1, r2\n\napp = FastAPI()\n"
                             "for r in (r0, r1, r2):\n    app.include_router(r.router)\n",
              "app/__init__.py": "", "app/routes/__init__.py": "",
              "web/server.js": EXPRESS, "svc/main.go": GIN, "svc/go.mod": "module example.com/svc\n\ngo 1.22\n",
              "docs/openapi.yaml": SPEC, "config/deploy.yaml": "name: web\nreplicas: 2\n",
              "app/broken.py": "from fastapi import APIRouter\nrouter = APIRouter(\n",  # a parse warning, kept
              "app/huge.py": "# APIRouter " + "x" * (readers.MAX_SOURCE + 10) + "\n",  # too large: a warning, kept
              # too large and without a keyword: no fact whatever its size, no warning (with the pre-filter
              # or without)
              "app/huge_plain.py": "# " + "x" * (readers.MAX_SOURCE + 10) + "\n",
              "app/hidden.py": PLAIN_PY.format(n=999)}
    root = init_repo(tmp_path / "big", files)
    os.symlink("routes/r0.py", root / "app/linked.py")  # read through the link; git grep sees the link text
    git(root, "update-index", "--assume-unchanged", "app/hidden.py")
    write_files(root, {"app/hidden.py": ROUTER.format(n=77),  # git grep would see the index's plain text
                       "app/untracked.py": ROUTER.format(n=88), "app/untracked_plain.py": PLAIN_PY.format(n=5)})
    return root


def _without_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_without_keywords", lambda *args: set())


def test_prefilter_gives_the_inventory_of_a_full_read(big_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    concurrent = _json(open_tree(big_repo))  # read while its search runs, as the product does
    search_answers_at_once(monkeypatch)  # so that the skips below do not depend on the machine's load
    skipped = record_skips(monkeypatch, api, "_without_keywords")
    work, head = _json(open_tree(big_repo)), _json(RevTree(big_repo, "HEAD"))
    assert len(skipped) == 2 and skipped[0] >= api._PREFILTER_MIN and skipped[1] >= api._PREFILTER_MIN, skipped
    _without_prefilter(monkeypatch)
    assert work == concurrent == _json(open_tree(big_repo)) and head == _json(RevTree(big_repo, "HEAD"))
    found = json.loads(work)
    paths = {e["path"] for e in found["endpoints"]}
    # assume-unchanged, untracked and symlinked files; FastAPI, Express, Gin and a spec
    assert {"/things77/{thing_id}", "/things88/{thing_id}", "/things0/{thing_id}", "/health", "/ping",
            "/spec-only"} <= paths
    assert any(e["file"] == "app/linked.py" for e in found["endpoints"])
    reasons = " ".join(w["reason"] for w in found["warnings"])
    assert "could not parse" in reasons and "KiB, not read" in reasons
    assert "huge.py" in reasons_paths(work) and "huge_plain.py" not in reasons_paths(work)


def test_many_untracked_files_are_searched_not_read(big_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``_GREP_UNTRACKED_MAX`` untracked files the search walks for them (``git grep --untracked``)."""
    monkeypatch.setattr(trees, "_GREP_UNTRACKED_MAX", 0)
    searched: list[tuple[str, ...]] = []
    real = trees.Runner.run

    def spy(self: trees.Runner, *args: str, **kwargs: Any) -> Any:
        if "grep" in args:
            searched.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(trees.Runner, "run", spy)
    with_untracked = _json(open_tree(big_repo))
    assert searched and all("--untracked" in args for args in searched[1:])  # the begun search is tracked-only
    _without_prefilter(monkeypatch)
    assert with_untracked == _json(open_tree(big_repo))
    assert "/things88/{thing_id}" in with_untracked


def test_a_skipped_file_that_gains_a_route_is_read(big_repo: Path) -> None:
    assert "/late" not in _json(open_tree(big_repo))
    path = big_repo / "app/lib/util_3.py"
    path.write_text("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/late')\n"
                    "def late():\n    return {}\n\n\nfrom app.main import app\napp.include_router(router)\n")
    assert "/late" in _json(open_tree(big_repo))
    commit_all(big_repo, "util_3 declares a route")
    assert "/late" in _json(RevTree(big_repo, "HEAD")) and "/late" not in _json(RevTree(big_repo, "HEAD~1"))


def test_a_begun_search_answers_the_same_as_a_direct_one(big_repo: Path) -> None:
    words, nocase = api._keywords(api._plan(all_readers()))
    specs = ["*.py", "*.ts"]
    direct = open_tree(big_repo)
    expected = direct.grep_files(words, specs, nocase)
    direct.close()
    begun = open_tree(big_repo)
    begun.start_grep(words, specs, nocase)
    assert begun.grep_files(words, specs, nocase) == expected and not begun.grep_pending()
    assert expected is not None and "app/routes/r1.py" in expected and "app/lib/util_1.py" not in expected
    unused = open_tree(big_repo)
    unused.start_grep(words, specs, nocase)
    unused.close()  # a search nobody asked for is waited for, not left running
    assert not unused.grep_pending()


def test_a_search_begun_for_a_commit_is_taken_by_the_next_tree_of_it(big_repo: Path) -> None:
    """A review begins its head's searches (``review_range``) before the analyzers open their own trees of
    that commit: whichever tree of the commit asks first takes the answer, once."""
    trees.forget_begun()  # (searches other tests' reads began and did not need)
    words, nocase = api._keywords(api._plan(all_readers()))
    specs = ["*.py", "*.ts"]
    expected = RevTree(big_repo, "HEAD").grep_files(words, specs, nocase)
    assert expected is not None and "app/routes/r1.py" in expected and "app/lib/util_1.py" not in expected
    RevTree(big_repo, "HEAD").start_grep(words, specs, nocase)
    later = RevTree(big_repo, "HEAD")
    assert later.grep_begun(words, specs, nocase) and not RevTree(big_repo, "HEAD~0").grep_begun(words, ["*.py"], nocase)
    assert later.grep_files(words, specs, nocase) == expected
    assert not later.grep_begun(words, specs, nocase) and not later.grep_pending()
    # begun and never taken (a review that failed half-way): forgotten, and a later read searches itself
    RevTree(big_repo, "HEAD").start_grep(words, specs, nocase)
    trees.forget_begun(big_repo)
    assert not later.grep_begun(words, specs, nocase)
    assert later.grep_files(words, specs, nocase) == expected
    # the inventory of a commit whose search was begun is the inventory of a plain read
    plain = _json(RevTree(big_repo, "HEAD"))
    api._SNAPSHOTS.clear()
    trees._LISTINGS.clear()  # as in a fresh process: a listed commit begins no search (the cache answers)
    assert api.begin_keyword_search(RevTree(big_repo, "HEAD")) is not None
    assert trees._BEGUN
    assert api.begin_keyword_search(RevTree(big_repo, "HEAD")) is not None  # begun already: taken as it is
    assert len(trees._BEGUN) == 1
    assert _json(RevTree(big_repo, "HEAD")) == plain
    assert not trees._BEGUN, "the read did not take the search begun for it"


def reasons_paths(report: str) -> set[str]:
    """The file names the warnings of a JSON report are about."""
    return {w["path"].rsplit("/", 1)[-1] for w in json.loads(report)["warnings"]}
