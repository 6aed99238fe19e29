"""The git side of ``phasegate review``: the diff and files of a commit range, the default base, whether
a revision's files read from the working tree where they are that revision's, and blobs read ahead in one ``cat-file`` — on real repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phasegate.app.git.service import GitService
from phasegate.app.git.trees import RevTree, forget_prefetched, prefetch_blobs
from tests.support.repos import commit_all, git, init_repo, write_files


def test_range_review_between_two_commits(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", {"a.py": "a = 1\n", "b.py": "b = 1\n", "old.py": "x = 1\n" * 20})
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, {"a.py": "a = 2\n", "c.py": "c = 1\n"})
    (repo / "b.py").unlink()
    git(repo, "mv", "old.py", "new.py")
    head = commit_all(repo, "change")
    write_files(repo, {"a.py": "a = 3\n", "untracked.py": "u = 1\n"})  # not part of base..head
    service = GitService.open(repo)
    diff, files = service.range_review(base, head)
    assert {(f.path, f.status, f.old_path) for f in files} == {
        ("a.py", "modified", None), ("b.py", "deleted", None), ("c.py", "added", None),
        ("new.py", "renamed", "old.py")}
    assert "+a = 2" in diff and "a = 3" not in diff and "untracked.py" not in diff
    wt_diff, wt_files = service.range_review(base, None)  # the working tree: untracked files included
    assert "+a = 3" in wt_diff and "untracked.py" in {f.path for f in wt_files}
    assert service.range_review(head, head) == ("", [])


def test_a_revision_is_read_from_the_working_tree_only_where_it_holds_that_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = "y = 2\n" * 40
    repo = init_repo(tmp_path / "r", {"same.py": "s = 1\n", "edited.py": "e = 1\n", "gone.py": "g = 1\n",
                                      "crlf.txt": "one\ntwo\n", "big.py": big, "target.py": "t = 1\n"})
    (repo / ".gitattributes").write_text("crlf.txt text eol=crlf\n")
    os.symlink("target.py", repo / "link.py")
    commit = commit_all(repo, "files")
    (repo / "crlf.txt").unlink()
    git(repo, "checkout", "--", "crlf.txt")  # checked out with CRLF: not the blob's bytes
    assert (repo / "crlf.txt").read_bytes() == b"one\r\ntwo\r\n"
    write_files(repo, {"edited.py": "e = 2\n"})
    (repo / "gone.py").unlink()
    tree = RevTree(repo, commit)
    tree.paths()
    from_git: list[str] = []
    real = RevTree._read_checked_out

    def spy(self: RevTree, path: str, limit: int | None) -> bytes | None:
        data = real(self, path, limit)
        if data is None:
            from_git.append(path)
        return data

    monkeypatch.setattr(RevTree, "_read_checked_out", spy)
    try:
        assert tree.read("same.py") == b"s = 1\n"
        assert tree.read("edited.py") == b"e = 1\n" and tree.read("gone.py") == b"g = 1\n"
        assert tree.read("crlf.txt") == b"one\ntwo\n"
        assert tree.read("link.py") == b"target.py"  # a symlink's blob is its target, as git stores it
        assert tree.read("big.py", 10) == big.encode()[:10] and tree.read("big.py", None) == big.encode()
    finally:
        tree.close()
    assert sorted(from_git) == ["big.py", "crlf.txt", "edited.py", "gone.py", "link.py"]


def test_prefetched_blobs_are_served_without_git_and_forgotten(repo: Path) -> None:
    write_files(repo, {"a.py": "a = 1\n", "dir/b.sql": "create table b (id int);\n"})
    commit = commit_all(repo, "files")
    write_files(repo, {"a.py": "a = 2\n"})
    commit_all(repo, "later")
    assert prefetch_blobs(repo, commit, ["a.py", "dir/b.sql", "missing.txt", "dir"]) == 4
    tree = RevTree(repo.resolve(), commit)
    runner = tree._runner
    tree._runner = None  # type: ignore[assignment]  # any round trip to git would fail now
    assert tree.read("a.py") == b"a = 1\n" and tree.read("dir/b.sql", 6) == b"create"
    assert tree.read("missing.txt") is None and tree.read("dir") is None
    forget_prefetched(repo)
    tree._runner = runner
    try:
        assert tree.read("a.py") == b"a = 1\n"  # read from git again, the same content
    finally:
        tree.close()


def test_a_review_begins_its_heads_searches_and_the_analyzers_take_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``review_range`` begins the schema and endpoint keyword searches of its head before anything else
    (through a symlinked path too); the analyzers' own trees of that commit take the answers, no other
    search of the head runs, and none is left behind — with the review's findings as without it."""
    from phasegate.app.analyzers import api, readers, schema
    from phasegate.app.git import trees
    from phasegate.app.session.review import review_range

    plain = "def compute_{n}(values):\n    return sum(v * {n} for v in values)\n"
    model = ("from sqlalchemy import Column, Integer\nfrom app.db import Base\n\n\nclass Thing{n}(Base):\n"
             "    __tablename__ = 'thing_{n}'\n    id = Column(Integer, primary_key=True)\n")
    route = ("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/things{n}')\n"
             "def read_{n}():\n    return {{}}\n")
    files = {f"app/lib/util_{n}.py": plain.format(n=n) for n in range(schema._PREFILTER_MIN + 50)}
    files |= {"app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
              "app/models/thing_0.py": model.format(n=0), "app/routes/r0.py": route.format(n=0),
              "app/main.py": "from fastapi import FastAPI\nfrom app.routes.r0 import router\n\napp = FastAPI()\n"
                             "app.include_router(router)\n"}
    repo = init_repo(tmp_path / "r", files)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, {"app/models/thing_1.py": model.format(n=1), "app/routes/r1.py": route.format(n=1),
                       "app/main.py": files["app/main.py"].replace("r0 import router\n", "r0 import router\n"
                                      "from app.routes.r1 import router as r1\n") + "app.include_router(r1)\n"})
    head = commit_all(repo, "a table and a route")
    link = tmp_path / "link"
    link.symlink_to(repo)

    def fresh() -> None:  # as a new process: nothing listed, searched, parsed or kept
        readers.CACHE = readers.ParseCache(size=readers.CACHE.size)
        api._SNAPSHOTS.clear()
        api.API_CACHE._items.clear()
        trees._LISTINGS.clear()
        trees.forget_begun()

    searches: list[bool] = []  # for each git grep run, whether it was begun beside the work
    real_grep = trees._grep

    def spy(*args: object, **kwargs: object) -> set[str] | None:
        searches.append(bool(kwargs.get("beside", args[6] if len(args) > 6 else False)))
        return real_grep(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trees, "_grep", spy)
    fresh()
    facts = review_range(GitService.open(link), base, head)
    assert [c["table"] for c in facts.schema_changes if c.get("table")] == ["thing_1"]
    assert any(c.get("path") == "/things1" for c in facts.endpoint_changes)
    assert searches and all(searches), "a search of the head ran that was not begun first"
    assert not trees._BEGUN, "a begun search was left behind"
    # the same review without the early searches: the same facts
    monkeypatch.setattr("phasegate.app.session.review._begin_searches", lambda root, head: None)
    fresh()
    again = review_range(GitService.open(repo), base, head)
    assert again.to_json() == facts.to_json()
