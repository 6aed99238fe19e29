"""GitService on real repositories in temp dirs: opening, phase diffs, phase commits, rollback."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from phasegate.app.errors import PhasegateError
from phasegate.app.git.service import (
    CommitRefused,
    DirtyTreeError,
    EmptyRepositoryError,
    GitService,
    NotARepositoryError,
    PatchDoesNotApply,
    RevertConflict,
)
from tests.support.repos import git

BINARY = bytes(range(256)) * 4


def trailers(repo: Path, sha: str) -> dict[str, str]:
    out = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", sha)
    return dict(line.split(": ", 1) for line in out.splitlines() if line.strip())


def files_in(repo: Path, sha: str) -> set[str]:
    return set(git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).split())


def commit_phase(
    service: GitService, slug: str, title: str = "", session: str = "s1", version: int = 1
) -> str:
    return service.commit_phase(
        session_id=session,
        slug=slug,
        title=title or f"{slug} work",
        body="## Changes\n- x",
        plan_version=version,
    )


# ------------------------------------------------------------------------------------------------ opening


def test_not_a_repository_suggests_git_init(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError, match="git init"):
        GitService.open(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError, match="does not exist"):
        GitService.open(tmp_path / "nope")


def test_bare_repository_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    with pytest.raises(NotARepositoryError, match="bare"):
        GitService.open(bare)


def test_empty_repository_offers_an_initial_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "staged.txt").write_text("mine\n")
    git(tmp_path, "add", "staged.txt")
    with pytest.raises(EmptyRepositoryError, match="no commits"):
        GitService.open(tmp_path)
    service = GitService.open(tmp_path, allow_empty=True)
    assert service.phase_commits() == []
    sha = service.make_initial_commit()
    assert git(tmp_path, "rev-parse", "main").strip() == sha
    assert files_in(tmp_path, sha) == set()  # the user's staged file stays theirs, uncommitted
    assert GitService.open(tmp_path).dirty_files() == ["staged.txt"]


def test_subdirectory_or_file_opens_the_root(repo: Path) -> None:
    (repo / "pkg").mkdir()
    assert GitService.open(repo / "README.md").root == repo.resolve()
    service = GitService.open(repo / "pkg")
    assert service.root == repo.resolve()
    assert service.git_dir == (repo / ".git").resolve()
    assert service.branch() == "main"


def test_linked_worktree_has_its_own_git_dir(repo: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(wt))
    service = GitService.open(wt)
    assert service.root == wt.resolve()
    assert service.git_dir == (repo / ".git" / "worktrees" / "wt").resolve()
    (wt / "f.txt").write_text("x\n")
    sha = commit_phase(service, "api")
    assert git(repo, "rev-parse", "feature").strip() == sha


def test_detached_head_works_and_is_described(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    service = GitService.open(repo)
    assert service.branch() is None
    assert any("detached" in n for n in service.notices)
    (repo / "a.txt").write_text("a\n")
    sha = commit_phase(service, "database")
    assert git(repo, "rev-parse", "HEAD").strip() == sha


def test_merge_in_progress_is_refused_but_readable(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "README.md").write_text("other\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("main\n")
    git(repo, "commit", "-qam", "main")
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "merge", "-q", "other")
    with pytest.raises(PhasegateError, match="merge is in progress"):
        GitService.open(repo)
    assert GitService.open(repo, allow_in_progress=True).phase_commits() == []


# ------------------------------------------------------------------------------------------------ dirty tree


def test_dirty_files_include_untracked_but_not_ignored(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore logs")
    service = GitService.open(repo)
    assert not service.is_dirty()
    (repo / "debug.log").write_text("noise\n")
    assert not service.is_dirty()
    (repo / "README.md").write_text("changed\n")
    (repo / "new dir").mkdir()
    (repo / "new dir" / "n.txt").write_text("n\n")
    assert service.dirty_files() == ["README.md", "new dir/n.txt"]


def test_baseline_commit_keeps_the_users_changes_apart(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "README.md").write_text("user edit\n")
    (repo / "notes.txt").write_text("user file\n")
    baseline = service.commit_baseline("my work in progress")
    assert not service.is_dirty()
    assert files_in(repo, baseline) == {"README.md", "notes.txt"}
    (repo / "schema.sql").write_text("create table t (id int);\n")
    phase = commit_phase(service, "database")
    assert files_in(repo, phase) == {"schema.sql"}
    with pytest.raises(PhasegateError, match="no pending changes"):
        service.commit_baseline()


def test_stash_puts_untracked_changes_aside(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "README.md").write_text("user edit\n")
    (repo / "scratch.txt").write_text("mine\n")
    service.stash()
    assert not service.is_dirty()
    git(repo, "stash", "pop", "-q")
    assert (repo / "scratch.txt").read_text() == "mine\n"


def make_varied_changes(repo: Path) -> None:
    """Base with several files, then: modify, delete, rename, new text, new binary, ignored file."""
    (repo / ".gitignore").write_text("build/\n")
    (repo / "old_name.py").write_text("".join(f"line {i}\n" for i in range(30)))
    (repo / "gone.txt").write_text("bye\n")
    (repo / "logo.bin").write_bytes(BINARY)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "README.md").write_text("# sample\nmore\n")
    (repo / "gone.txt").unlink()
    os.rename(repo / "old_name.py", repo / "new_name.py")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('hi')\n")
    (repo / "logo.bin").write_bytes(BINARY[::-1])
    (repo / "data.bin").write_bytes(b"\x00\x01\x02binary\x00")
    (repo / "build").mkdir()
    (repo / "build" / "out.o").write_bytes(b"ignored")


def test_phase_changes_cover_new_deleted_renamed_binary(repo: Path) -> None:
    make_varied_changes(repo)
    service = GitService.open(repo)
    changes = {c.path: c for c in service.phase_changes("HEAD")}
    assert set(changes) == {"README.md", "gone.txt", "new_name.py", "src/app.py", "logo.bin", "data.bin"}
    assert changes["README.md"].status == "modified" and (
        changes["README.md"].added,
        changes["README.md"].removed,
    ) == (1, 0)
    assert changes["gone.txt"].status == "deleted"
    assert changes["new_name.py"].status == "renamed" and changes["new_name.py"].old_path == "old_name.py"
    assert changes["src/app.py"].status == "added" and changes["src/app.py"].added == 1
    assert changes["logo.bin"].binary and changes["data.bin"].binary and changes["data.bin"].status == "added"

    diff = service.phase_diff("HEAD")
    assert "rename from old_name.py\nrename to new_name.py" in diff
    assert "deleted file mode" in diff and "+print('hi')" in diff
    assert "Binary files a/logo.bin and b/logo.bin differ" in diff
    assert "build/out.o" not in diff
    assert "GIT binary patch" in service.phase_diff("HEAD", binary=True)
    assert service.phase_review("HEAD") == (diff, sorted(changes.values(), key=lambda c: c.path))


def test_phase_diff_leaves_the_users_index_alone(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "README.md").write_text("staged version\n")
    git(repo, "add", "README.md")
    (repo / "README.md").write_text("worktree version\n")
    (repo / "untracked.txt").write_text("u\n")
    before = git(repo, "status", "--porcelain")
    diff = service.phase_diff("HEAD")
    assert "+worktree version" in diff and "+u" in diff
    assert git(repo, "status", "--porcelain") == before
    assert not list(service.git_dir.glob("phasegate-*")), "scratch index must be cleaned up"


def test_phase_diff_against_an_older_base(repo: Path) -> None:
    service = GitService.open(repo)
    base = service.head_sha()
    (repo / "a.txt").write_text("a\n")
    commit_phase(service, "database")
    (repo / "b.txt").write_text("b\n")
    assert [c.path for c in service.phase_changes(base)] == ["a.txt", "b.txt"]
    assert [c.path for c in service.phase_changes("HEAD")] == ["b.txt"]
    with pytest.raises(PhasegateError, match="not a commit"):
        service.phase_diff("deadbeef")


# ------------------------------------------------------------------------------------------------ commits


def test_phase_commit_has_trailers_and_only_the_phase_changes(repo: Path) -> None:
    make_varied_changes(repo)  # commits a base, then changes files in every way
    service = GitService.open(repo)
    base = service.head_sha()
    expected = {c.path for c in service.phase_changes(base)} | {"old_name.py"}
    sha = service.commit_phase(
        session_id="20260101-000000-abc123",
        slug="database",
        title="Users table",
        body="# ✅ Database Phase Complete\n\n- added users",
        plan_version=3,
        overrides=["allowed a failing lint"],
        base_sha=base,
    )
    assert git(repo, "log", "-1", "--format=%s", sha).strip() == "phase(database): Users table"
    body = git(repo, "log", "-1", "--format=%B", sha)
    assert "# ✅ Database Phase Complete" in body  # '#' lines survive (no comment stripping)
    assert trailers(repo, sha) == {
        "Phasegate-Session": "20260101-000000-abc123",
        "Phasegate-Phase": "database",
        "Phasegate-Plan-Version": "3",
        "Phasegate-Override": "allowed a failing lint",
    }
    assert git(repo, "rev-parse", f"{sha}^").strip() == base
    assert files_in(repo, sha) == expected
    assert git(repo, "status", "--porcelain") == ""  # real index follows the new HEAD
    assert (repo / "build" / "out.o").exists()  # ignored files are never committed or removed
    assert "build/out.o" not in files_in(repo, sha)


def test_empty_phase_still_gets_its_commit(repo: Path) -> None:
    service = GitService.open(repo)
    before = service.head_sha()
    sha = commit_phase(service, "security")
    assert sha != before and files_in(repo, sha) == set()
    assert trailers(repo, sha)["Phasegate-Phase"] == "security"


def test_head_moved_since_phase_start_is_refused(repo: Path) -> None:
    service = GitService.open(repo)
    base = service.head_sha()
    git(repo, "commit", "-q", "--allow-empty", "-m", "someone else")
    with pytest.raises(PhasegateError, match="HEAD moved"):
        service.commit_phase(session_id="s", slug="api", title="t", plan_version=1, base_sha=base)


def test_failing_pre_commit_hook_loses_nothing(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: 3 problems'\necho 'refusing commit' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    service = GitService.open(repo)
    head = service.head_sha()
    (repo / "README.md").write_text("phase edit\n")
    (repo / "new.txt").write_text("new\n")
    git(repo, "add", "README.md")  # something the user staged must stay staged
    before = git(repo, "status", "--porcelain")
    with pytest.raises(CommitRefused, match="refusing commit") as info:
        commit_phase(service, "api")
    assert "lint: 3 problems" in info.value.output
    assert service.head_sha() == head
    assert git(repo, "status", "--porcelain") == before
    assert (repo / "new.txt").read_text() == "new\n"


# ---------------------------------------------------------------------------------------- discard / reverse


def test_discard_changes_restores_base_and_keeps_ignored(repo: Path) -> None:
    make_varied_changes(repo)  # commits base, then changes everything
    (repo / "keep.txt").write_text("tracked and untouched\n")
    git(repo, "add", "keep.txt")
    git(repo, "commit", "-qm", "keep", "--", "keep.txt")
    service = GitService.open(repo)
    base = service.head_sha()
    git(repo, "add", "src/app.py")  # a staged new file is discarded too
    (repo / "*.txt").write_text("a file named like a glob\n")
    git(repo, "add", ":(literal)*.txt")  # un-indexing it must leave other .txt files tracked
    (repo / "[x].md").write_text("another\n")
    service.discard_changes(base)
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "old_name.py").exists() and not (repo / "new_name.py").exists()
    assert (repo / "gone.txt").read_text() == "bye\n"
    assert (repo / "logo.bin").read_bytes() == BINARY
    assert not (repo / "src").exists() and not (repo / "data.bin").exists()
    assert not (repo / "*.txt").exists() and not (repo / "[x].md").exists()
    assert git(repo, "ls-files", "keep.txt").strip() == "keep.txt"
    assert (repo / "build" / "out.o").read_bytes() == b"ignored"


def test_reverse_patch_undoes_selected_changes(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "keep.txt").write_text("keep\n")
    (repo / "README.md").write_text("# sample\nrejected line\n")
    diff = service.phase_diff("HEAD")
    readme_part = diff[diff.index("diff --git a/README.md") : diff.index("diff --git a/keep.txt")]
    service.reverse_patch(readme_part)
    assert (repo / "README.md").read_text() == "# sample\n"
    assert (repo / "keep.txt").exists()
    with pytest.raises(PatchDoesNotApply):
        service.reverse_patch(readme_part)  # already undone


# ------------------------------------------------------------------------------------------------ rollback


def three_phases(repo: Path) -> tuple[GitService, dict[str, str]]:
    service = GitService.open(repo)
    shas = {}
    (repo / "db.sql").write_text("create table users (id int);\n")
    shas["database"] = commit_phase(service, "database", "Users table")
    (repo / "api.py").write_text("def users(): ...\n")
    (repo / "routes.txt").write_text("GET /users\n")
    shas["api"] = commit_phase(service, "api", "Users endpoint")
    (repo / "test_users.py").write_text("def test(): ...\n")
    shas["testing"] = commit_phase(service, "testing", "Users tests")
    return service, shas


def test_revert_a_middle_phase(repo: Path) -> None:
    service, shas = three_phases(repo)
    revert = service.revert_phase("api")
    assert not (repo / "api.py").exists() and not (repo / "routes.txt").exists()
    assert (repo / "db.sql").exists() and (repo / "test_users.py").exists()
    assert git(repo, "status", "--porcelain") == ""
    assert trailers(repo, revert) == {
        "Phasegate-Rollback": "api",
        "Phasegate-Reverts": shas["api"],
        "Phasegate-Session": "s1",
    }
    assert git(repo, "log", "-1", "--format=%s", revert).strip() == 'Revert "phase(api): Users endpoint"'
    status = {c.phase: (c.status, c.rollback_sha) for c in service.phase_commits()}
    assert status == {
        "database": ("committed", None),
        "api": ("rolled_back", revert),
        "testing": ("committed", None),
    }
    with pytest.raises(PhasegateError, match="already rolled back"):
        service.revert_phase("api")
    with pytest.raises(PhasegateError, match="committed phases: database, testing"):
        service.revert_phase("nonexistent")


def test_revert_conflict_aborts_and_leaves_the_tree_clean(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "models.py").write_text("class User:\n    name: str\n")
    commit_phase(service, "database")
    (repo / "models.py").write_text("class User:\n    name: str\n    email: str\n")
    commit_phase(service, "api")
    (repo / "models.py").write_text("class Account:\n    name: str\n    email: str\n")
    commit_phase(service, "logic")
    head = service.head_sha()
    assert service.later_phases_touching("database") == {"api": ["models.py"], "logic": ["models.py"]}
    with pytest.raises(RevertConflict, match="models.py") as info:
        service.revert_phase("database")
    assert info.value.files == ["models.py"]
    assert service.head_sha() == head
    assert git(repo, "status", "--porcelain") == ""
    assert service.operation_in_progress() is None
    assert (repo / "models.py").read_text() == "class Account:\n    name: str\n    email: str\n"


def test_revert_refuses_a_dirty_tree(repo: Path) -> None:
    service, _ = three_phases(repo)
    (repo / "db.sql").write_text("edited\n")
    (repo / "scratch.txt").write_text("x\n")
    with pytest.raises(DirtyTreeError, match="db.sql, scratch.txt") as info:
        service.revert_phase("database")
    assert info.value.files == ["db.sql", "scratch.txt"]
    assert (repo / "db.sql").read_text() == "edited\n"


def test_revert_of_a_redone_phase_targets_the_newest_live_commit(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "v1.txt").write_text("1\n")
    first = commit_phase(service, "api", session="s1")
    service.revert_phase("api")
    (repo / "v2.txt").write_text("2\n")
    second = commit_phase(service, "api", session="s1", version=2)
    assert service.find_phase_commit("api").sha == second
    service.revert_phase("api")
    commits = service.phase_commits("s1")
    assert [(c.sha, c.status) for c in commits] == [(first, "rolled_back"), (second, "rolled_back")]
    assert commits[1].plan_version == 2


def test_manual_git_revert_counts_as_rollback_and_history_survives_a_clone(
    repo: Path, tmp_path: Path
) -> None:
    service, shas = three_phases(repo)
    git(repo, "revert", "--no-edit", shas["testing"])
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    fresh = GitService.open(clone)
    commits = fresh.phase_commits()
    assert [(c.phase, c.status, c.session) for c in commits] == [
        ("database", "committed", "s1"),
        ("api", "committed", "s1"),
        ("testing", "rolled_back", "s1"),
    ]
    assert fresh.phase_commits(session_id="other") == []
    assert "phase(api): Users endpoint" in fresh.show_commit(shas["api"])
    assert "routes.txt" in fresh.show_commit(shas["api"])


def test_failing_hook_on_rollback_undoes_the_revert(repo: Path) -> None:
    service, shas = three_phases(repo)
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\necho 'commit-msg: missing ticket id' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    head = service.head_sha()
    with pytest.raises(CommitRefused, match="missing ticket id"):
        service.revert_phase("api")
    assert service.head_sha() == head
    assert git(repo, "status", "--porcelain") == ""
    assert service.operation_in_progress() is None
    assert (repo / "api.py").exists()


def test_unknown_identity_is_explained(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("EMAIL", "")
    git(repo, "config", "user.useConfigOnly", "true")
    service = GitService.open(repo)
    (repo / "a.txt").write_text("a\n")
    with pytest.raises(CommitRefused, match="set user.name and user.email"):
        commit_phase(service, "api")
    assert (repo / "a.txt").exists()


def test_non_utf8_content_survives_diff_and_reverse(repo: Path) -> None:
    (repo / "latin1.txt").write_bytes(b"caf\xe9\n")
    git(repo, "add", "latin1.txt")
    git(repo, "commit", "-qm", "latin-1 file")
    service = GitService.open(repo)
    (repo / "latin1.txt").write_bytes(b"caf\xe9 cr\xe8me\n")
    diff = service.phase_diff("HEAD")
    assert "+caf\udce9 cr\udce8me" in diff  # surrogateescape: the exact bytes, not replacement chars
    service.reverse_patch(diff)
    assert (repo / "latin1.txt").read_bytes() == b"caf\xe9\n"


def test_a_git_failure_is_reported_by_its_cause_not_its_closing_line() -> None:
    from phasegate.app.git.service import _git_reason

    # what git revert prints when the merge refuses (the "fatal:" line only says that it gave up)
    output = ("error: Your local changes to the following files would be overwritten by merge:\n\tschema.sql\n"
              "Please commit your changes or stash them before you merge.\nAborting\nfatal: revert failed\n")
    assert _git_reason(output) == ("error: Your local changes to the following files would be overwritten by "
                                  "merge: schema.sql")
    assert _git_reason("hint: x\nfatal: not a git repository\n") == "fatal: not a git repository"
    assert _git_reason("something odd\nhint: y\n") == "something odd"
    assert _git_reason("") == "no output"
