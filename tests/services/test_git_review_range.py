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
