"""The git service's fast paths the benchmarks rely on give exactly what the slow, obvious paths gave.

- After a phase commit the scratch index is installed as the real one instead of ``git reset --mixed
  HEAD``: the real index must equal HEAD, with stat data fresh enough that git sees a clean tree without
  re-reading any file; a split-index repository takes the reset path and ends the same.
- ``phase_changes`` reads statuses and line counts from one ``--raw --numstat`` diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from phasegate.app.git.service import GitError, GitService
from tests.support.repos import git


def _make_phase_changes(repo: Path) -> None:
    (repo / "pkg").mkdir()
    for i in range(5):
        (repo / "pkg" / f"m{i}.py").write_text(f"value = {i}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base files")
    (repo / "pkg" / "m0.py").write_text("value = 'changed'\nother = 1\n")
    (repo / "pkg" / "m1.py").unlink()
    (repo / "pkg" / "new.py").write_text("def new():\n    return 1\n")
    (repo / "README.md").rename(repo / "READ_ME.md")


@pytest.mark.parametrize("split_index", [False, True], ids=["installed-index", "split-index-reset"])
def test_phase_commit_leaves_the_real_index_at_head(repo: Path, split_index: bool) -> None:
    if split_index:
        git(repo, "config", "core.splitIndex", "true")
        git(repo, "update-index", "--split-index")
        assert list((repo / ".git").glob("sharedindex.*"))
    _make_phase_changes(repo)
    service = GitService.open(repo)
    sha = service.commit_phase(session_id="s1", slug="api", title="Endpoints", plan_version=1)
    assert sha == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    # The index is HEAD's tree, entry for entry…
    assert git(repo, "write-tree").strip() == git(repo, "rev-parse", "HEAD^{tree}").strip()
    # …and its stat data matches the files, so nothing needs re-reading (diff-files compares stat only).
    git(repo, "diff-files", "--quiet")
    assert not (repo / ".git" / "index.lock").exists()
    assert sorted(git(repo, "diff-tree", "--no-commit-id", "-r", "--name-only", "--no-renames", "HEAD").split()) == sorted([
        "READ_ME.md", "README.md", "pkg/m0.py", "pkg/m1.py", "pkg/new.py",
    ])


def test_a_held_index_lock_is_left_to_git_which_refuses_to_move_the_index(repo: Path) -> None:
    _make_phase_changes(repo)
    service = GitService.open(repo)
    (repo / ".git" / "index.lock").write_text("")  # another git is running
    with pytest.raises(GitError, match="index.lock"):
        service.commit_phase(session_id="s1", slug="api", title="Endpoints", plan_version=1)
    (repo / ".git" / "index.lock").unlink()
    # The commit itself was made (from the scratch index); the lock only kept the real index from moving.
    assert "phase(api)" in git(repo, "log", "-1", "--format=%s")


def test_phase_changes_single_diff_statuses_and_counts(repo: Path) -> None:
    _make_phase_changes(repo)
    (repo / "logo.bin").write_bytes(b"\x00\x01\x02" * 10)
    base = git(repo, "rev-parse", "HEAD").strip()
    changes = {c.path: c for c in GitService.open(repo).phase_changes(base)}
    assert set(changes) == {"READ_ME.md", "logo.bin", "pkg/m0.py", "pkg/m1.py", "pkg/new.py"}
    assert (changes["pkg/m0.py"].status, changes["pkg/m0.py"].added, changes["pkg/m0.py"].removed) == ("modified", 2, 1)
    assert (changes["pkg/m1.py"].status, changes["pkg/m1.py"].removed) == ("deleted", 1)
    assert (changes["pkg/new.py"].status, changes["pkg/new.py"].added) == ("added", 2)
    assert changes["READ_ME.md"].status == "renamed" and changes["READ_ME.md"].old_path == "README.md"
    assert changes["logo.bin"].binary and changes["logo.bin"].status == "added"


def test_a_revert_killed_while_writing_revert_head_leaves_no_lock_behind(repo: Path) -> None:
    """A git killed mid-revert can leave ``REVERT_HEAD.lock``; the next revert then failed with "cannot lock
    ref 'REVERT_HEAD'". Recovery counts it among the locks the interrupted operation left."""
    import time

    from phasegate.app.git.recovery import _stale_locks

    git_dir = repo / ".git"
    since = time.time() - 1
    for name in ("REVERT_HEAD.lock", "CHERRY_PICK_HEAD.lock", "index.lock"):
        (git_dir / name).write_text("")
    found = {p.name for p in _stale_locks(git_dir, since)}
    assert {"REVERT_HEAD.lock", "CHERRY_PICK_HEAD.lock", "index.lock"} <= found
