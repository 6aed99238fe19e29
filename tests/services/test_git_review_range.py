"""The git side of ``phasegate review``: the diff and files of a commit range, the default base, whether
the working tree is exactly a commit, and blobs read ahead in one ``cat-file`` — on real repositories."""

from __future__ import annotations

from pathlib import Path

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


def test_worktree_is_a_commit_only_when_nothing_differs(repo: Path) -> None:
    service = GitService.open(repo)
    head = service.head_sha()
    assert service.worktree_is(head)
    (repo / "new.txt").write_text("untracked\n")
    assert not service.worktree_is(head)
    (repo / "new.txt").unlink()
    write_files(repo, {"README.md": "# changed\n"})
    assert not service.worktree_is(head)
    git(repo, "checkout", "-q", "--", "README.md")
    write_files(repo, {"x.py": "x = 1\n"})
    commit_all(repo, "x")
    assert not service.worktree_is(head) and service.worktree_is("HEAD")


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
