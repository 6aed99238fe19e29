"""The crash repairs of ``app/git/recovery.py``, each state built exactly (the random kills of
``test_crash_resume.py`` reach them by chance; these reach them every time), and the one thing recovery
must never do: touch a lock that is not ours."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from phasegate.app.errors import PhasegateError
from phasegate.app.git.recovery import marker_path, operation
from phasegate.app.git.service import GitService
from phasegate.app.session.controller import Controller
from tests.flows.reliability.rel_support import Approvals, settings_for
from tests.support.repos import git

DEAD_PID = 2**22 + 12345  # above the default pid_max: no such process


def write_marker(repo: Path, op: str, head: str | None, started: float | None = None, **extra: str) -> None:
    path = marker_path(repo / ".git")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"op": op, "pid": DEAD_PID, "head": head, "started": started or time.time(), **extra}
    path.write_text(json.dumps(data))


def open_session(repo: Path) -> Controller:
    return Controller.open(repo, settings_for(repo, "http://127.0.0.1:9/v1"), approver=Approvals(), task="t")


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def test_lock_files_of_a_killed_commit_are_removed_and_git_works_again(repo: Path) -> None:
    write_marker(repo, "commit", head(repo))
    for lock in (repo / ".git" / "index.lock", repo / ".git" / "refs" / "heads" / "main.lock"):
        lock.write_text("")
    blocked = subprocess.run(["git", "-C", str(repo), "commit", "--allow-empty", "-qm", "x"], capture_output=True, text=True)
    assert blocked.returncode != 0 and "File exists" in blocked.stderr  # what the user would hit
    c = open_session(repo)
    assert any("index.lock" in note and "main.lock" in note for note in c.recovered)
    c.close()
    git(repo, "commit", "--allow-empty", "-qm", "works again")
    assert not marker_path(repo / ".git").exists()


def test_a_commit_that_landed_before_the_kill_gets_its_index_reset(repo: Path) -> None:
    before = head(repo)
    (repo / "schema.sql").write_text("CREATE TABLE t (id INT);\n")
    # The commit as phasegate makes it (a scratch index), but the process died before resetting the real one.
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / ".git" / "scratch-index")}
    subprocess.run(["git", "-C", str(repo), "read-tree", "HEAD"], env=env, check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], env=env, check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "phase(database): Database"], env=env, check=True)
    write_marker(repo, "commit", before)
    assert git(repo, "status", "--porcelain") != ""  # the stale index shows the file as deleted + untracked
    c = open_session(repo)
    assert any("index was brought up" in note for note in c.recovered)
    c.close()
    assert git(repo, "status", "--porcelain") == ""


def test_a_half_done_revert_is_undone_so_the_session_can_open(repo: Path) -> None:
    (repo / "api.py").write_text("def f(): pass\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "phase(api): API")
    write_marker(repo, "revert", head(repo))
    git(repo, "revert", "--no-commit", "HEAD")  # then the kill
    assert (repo / ".git" / "REVERT_HEAD").exists()
    with pytest.raises(PhasegateError, match="revert is in progress"):
        GitService.open(repo)  # without the repair nothing would open
    c = open_session(repo)
    assert any("rollback was undone" in note for note in c.recovered)
    c.close()
    assert (repo / "api.py").exists() and git(repo, "status", "--porcelain") == ""
    assert not (repo / ".git" / "REVERT_HEAD").exists()


def _phase_changing_seed(repo: Path) -> str:
    (repo / "data").mkdir(exist_ok=True)
    (repo / "data" / "seed.sql").write_text("INSERT INTO t VALUES (1);\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "seed")
    (repo / "data" / "seed.sql").write_text("INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n")
    (repo / "api.py").write_text("def f(): pass\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "phase(api): API")
    return head(repo)


@pytest.mark.parametrize("cut", ["whole", "part"])
def test_a_revert_killed_before_it_wrote_the_index_leaves_no_rewritten_file(repo: Path, cut: str) -> None:
    # Seen in the crash loop: git had rewritten the working tree but not yet the index (no REVERT_HEAD),
    # so `reset --merge` kept the rewritten file as an unstaged change. The rewrite may be cut short too.
    phase = _phase_changing_seed(repo)
    write_marker(repo, "revert", phase, target=phase)
    (repo / "data" / "seed.sql").write_text(
        "INSERT INTO t VALUES (1);\n" if cut == "whole" else "INSERT INTO"
    )
    (repo / "api.py").unlink()
    assert sorted(git(repo, "status", "--porcelain").split("\n")) != [""]
    c = open_session(repo)
    assert any("rollback was undone" in note for note in c.recovered)
    assert not any("were left" in note for note in c.recovered)
    c.close()
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "data" / "seed.sql").read_text().endswith("(2);\n") and (repo / "api.py").exists()


def test_an_edit_made_after_the_kill_is_never_undone_by_the_repair(repo: Path) -> None:
    phase = _phase_changing_seed(repo)
    write_marker(repo, "revert", phase, target=phase)
    (repo / "data" / "seed.sql").write_text("-- the user's own edit, made before reopening\n")
    c = open_session(repo)
    assert any("were left as they are" in note and "data/seed.sql" in note for note in c.recovered)
    c.close()
    assert (repo / "data" / "seed.sql").read_text().startswith("-- the user's own edit")


def test_a_rollback_records_which_commit_it_reverts_while_it_runs(repo: Path) -> None:
    phase = _phase_changing_seed(repo)
    service = GitService.open(repo)
    seen: list[dict[str, object]] = []
    real = service._run_raw

    def spy(*args: str, **kw: object):
        if args[:1] == ("revert",):
            seen.append(json.loads(marker_path(repo / ".git").read_text()))
        return real(*args, **kw)

    service._run_raw = spy  # type: ignore[method-assign]
    git(repo, "commit", "--amend", "-qm", "phase(api): API\n\nPhasegate-Phase: api\nPhasegate-Session: s1")
    phase = head(repo)
    service.revert_phase("api")
    service.close()
    assert seen and seen[0]["op"] == "revert" and seen[0]["target"] == phase


def test_a_finished_revert_is_left_alone(repo: Path) -> None:
    (repo / "api.py").write_text("def f(): pass\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "phase(api): API")
    write_marker(repo, "revert", head(repo))
    git(repo, "revert", "--no-edit", "HEAD")
    reverted = head(repo)
    c = open_session(repo)
    assert not any("rollback" in note for note in c.recovered)
    c.close()
    assert head(repo) == reverted and not (repo / "api.py").exists()


def test_temp_files_of_an_interrupted_write_are_removed_but_look_alikes_stay(repo: Path) -> None:
    (repo / "src").mkdir()
    (repo / "src" / ".app.py.k2j3h4.phasegate-tmp").write_text("half")
    (repo / "notes.phasegate-tmp.md").write_text("the user's own file")
    c = open_session(repo)
    c.close()
    assert not (repo / "src" / ".app.py.k2j3h4.phasegate-tmp").exists()
    assert (repo / "notes.phasegate-tmp.md").exists()


def test_without_a_marker_an_existing_lock_is_never_touched(repo: Path) -> None:
    """Someone else's git (or an old crash) owns it: recovery must not guess."""
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    open_session(repo).close()
    assert lock.exists()


def test_locks_older_than_the_operation_are_not_ours(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    write_marker(repo, "commit", head(repo))
    open_session(repo).close()
    assert lock.exists()


def test_a_live_process_marker_is_left_alone(repo: Path) -> None:
    path = marker_path(repo / ".git")
    path.parent.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(["sleep", "30"]) as other:
        try:
            path.write_text(json.dumps({"op": "commit", "pid": other.pid, "head": head(repo), "started": time.time()}))
            (repo / ".git" / "index.lock").write_text("")
            open_session(repo).close()
            assert path.exists() and (repo / ".git" / "index.lock").exists()
        finally:
            other.kill()


def test_the_marker_exists_only_during_the_operation(repo: Path) -> None:
    service = GitService.open(repo)
    with operation(service, "commit"):
        data = json.loads(marker_path(service.git_dir).read_text())
        assert data["op"] == "commit" and data["pid"] == os.getpid() and data["head"] == head(repo)
    assert not marker_path(service.git_dir).exists()
    with pytest.raises(RuntimeError), operation(service, "revert"):
        raise RuntimeError("a failure that is not a kill")
    assert not marker_path(service.git_dir).exists()


def test_an_unreadable_marker_is_treated_as_a_dead_process(repo: Path) -> None:
    path = marker_path(repo / ".git")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))  # someone else's, from long before
    path.write_text('{"op": "comm')  # torn
    open_session(repo).close()
    assert not path.exists()
    assert lock.exists()


def test_a_revert_that_landed_but_left_git_revert_state_is_cleared(repo: Path) -> None:
    # The kill came after the revert commit was written and HEAD moved, before git removed REVERT_HEAD
    # (seen in the crash loop): the session must open, the landed revert must stay.
    (repo / "api.py").write_text("def f(): pass\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "phase(api): API")
    phase = head(repo)
    write_marker(repo, "revert", phase)
    git(repo, "revert", "--no-commit", "HEAD")
    git(repo, "commit", "-qm", f"Revert phase(api)\n\nThis reverts commit {phase}.")
    (repo / ".git" / "REVERT_HEAD").write_text(phase + "\n")  # what the kill left behind
    reverted = head(repo)
    with pytest.raises(PhasegateError, match="revert is in progress"):
        GitService.open(repo)
    c = open_session(repo)
    assert any("had landed" in note for note in c.recovered)
    c.close()
    assert head(repo) == reverted and not (repo / "api.py").exists()
    assert not (repo / ".git" / "REVERT_HEAD").exists()
    GitService.open(repo)  # opens again without complaint
