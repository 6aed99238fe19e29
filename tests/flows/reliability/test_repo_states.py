"""Messy repositories, through the whole session (controller + real client + scripted model + git).

The git service's own tests cover each git operation; these check what the user gets when the
session meets the state: a sentence that says what to do, nothing lost, and the gate still working.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from phasegate.app.cli.main import main
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall
from phasegate.app.errors import PhasegateError
from phasegate.app.git.service import CommitRefused, GitService
from phasegate.app.session.controller import Controller
from phasegate.phases.models import PhaseStatus, Stage
from tests.flows.reliability.rel_support import (
    Approvals,
    open_controller,
    phase_turns,
    settings_for,
    to_phase_review,
)
from tests.support.repos import git

SCHEMA = ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE users (id INTEGER);\n"})


def phase_files(repo: Path, sha: str) -> list[str]:
    return sorted(f for f in git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", sha).split("\0") if f)


async def test_not_a_repository_says_git_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(PhasegateError, match="git init"):
        Controller.open(plain, settings_for(plain, "http://127.0.0.1:9/v1"), approver=Approvals(), task="x")
    assert main(["--repo", str(plain), "a task"]) == 1  # the workbench refuses before the TUI starts
    err = capsys.readouterr().err
    assert "git init" in err and err.count("\n") == 1 and "Traceback" not in err


async def test_no_commits_is_explained_and_an_initial_commit_fixes_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q", "-b", "main")
    settings = settings_for(empty, "http://127.0.0.1:9/v1")
    with pytest.raises(PhasegateError, match="no commits yet"):
        Controller.open(empty, settings, approver=Approvals(), task="x")
    GitService.open(empty, allow_empty=True).make_initial_commit()
    c = Controller.open(empty, settings, approver=Approvals(), task="x", resume=False)
    assert c.session.base_sha == git(empty, "rev-parse", "HEAD").strip()
    c.close()


async def test_detached_head_session_commits_on_top_of_it(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach", "HEAD")
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        assert c.session.branch is None and any("detached" in n for n in c.git.notices)
        await to_phase_review(c)
        sha = await c.approve()
        assert git(repo, "rev-parse", "HEAD").strip() == sha and phase_files(repo, sha) == ["schema.sql"]
        c.close()


@pytest.mark.parametrize("operation", ["merge", "rebase"])
async def test_merge_or_rebase_in_progress_is_refused_then_works_once_finished(repo: Path, operation: str) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "README.md").write_text("# other\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("# main\n")
    git(repo, "commit", "-qam", "main")
    args = ["merge", "other"] if operation == "merge" else ["rebase", "other"]
    assert subprocess.run(["git", "-C", str(repo), *args], capture_output=True).returncode != 0  # conflict
    settings = settings_for(repo, "http://127.0.0.1:9/v1")
    with pytest.raises(PhasegateError, match=f"A {operation} is in progress.*--abort"):
        Controller.open(repo, settings, approver=Approvals(), task="x")
    git(repo, operation, "--abort")
    c = Controller.open(repo, settings, approver=Approvals(), task="x")  # the failed open released its lock
    c.close()


async def test_huge_untracked_file_is_not_read_whole_and_the_phase_still_commits(repo: Path) -> None:
    (repo / ".gitignore").write_text("")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore file")
    big = repo / "dump.log"
    line = b"2026-11-27 INFO a log line that goes on for a while\n"
    big.write_bytes(line * (3_000_000 // len(line)))
    git(repo, "add", "dump.log")
    git(repo, "commit", "-qm", "big file")  # huge but tracked (an untracked one is the dirty-tree screen's)
    (repo / "dump.log").write_bytes(line * (3_500_000 // len(line)))  # the user's log keeps growing
    turns = phase_turns(ToolCall("read_file", {"path": "dump.log"}), SCHEMA)
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        refused = [m["content"] for m in c.conversation if m["role"] == "tool"][2]
        assert "over the" in refused and "cap" in refused
        assert all(len(str(r)) < 300_000 for r in server.requests)  # the file was never sent
        sha = await c.approve()
        assert "schema.sql" in phase_files(repo, sha)
        c.close()


async def test_non_utf8_names_and_contents_round_trip(repo: Path) -> None:
    name = b"caf\xe9.txt"  # Latin-1, not UTF-8
    with open(os.path.join(os.fsencode(repo), name), "wb") as handle:
        handle.write(b"prix: 10\xa4\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "latin-1 file")
    turns = phase_turns(ToolCall("list_files", {}), ToolCall("search_code", {"pattern": "prix"}), SCHEMA)
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        listed, found = [m["content"] for m in c.conversation if m["role"] == "tool"][2:4]
        assert "caf" in listed and "prix" in found
        with open(os.path.join(os.fsencode(repo), name), "ab") as handle:  # the user edits it meanwhile
            handle.write(b"remise: 5\xa4\n")
        assert "caf" in c.phase_diff()
        sha = await c.approve()
        shown = subprocess.run(["git", "-C", str(repo), "show", f"{sha}:".encode() + name], capture_output=True)
        assert shown.stdout == b"prix: 10\xa4\nremise: 5\xa4\n"
        c.close()


async def test_crlf_file_keeps_its_line_endings_through_an_edit_and_the_commit(repo: Path) -> None:
    (repo / "app.ini").write_bytes(b"[db]\r\nhost = localhost\r\nport = 5432\r\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "crlf")
    edit = ToolCall("edit_file", {"path": "app.ini", "search": "host = localhost\nport = 5432",
                                  "replace": "host = db\nport = 5433"})
    with ScriptedServer(phase_turns(edit)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        sha = await c.approve()
        shown = subprocess.run(["git", "-C", str(repo), "show", f"{sha}:app.ini"], capture_output=True).stdout
        assert shown == b"[db]\r\nhost = db\r\nport = 5433\r\n"
        c.close()


async def test_submodule_is_left_alone_and_its_insides_are_not_writable_through_it(repo: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    (lib / "lib.py").write_text("X = 1\n")
    git(lib, "add", "-A")
    git(lib, "commit", "-qm", "lib")
    subprocess.run(["git", "-C", str(repo), "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib),
                    "vendor/lib"], check=True, capture_output=True)
    git(repo, "commit", "-qm", "submodule")
    pointer = git(repo, "rev-parse", "HEAD:vendor/lib").strip()
    turns = phase_turns(ToolCall("write_file", {"path": "vendor/lib/.git/hooks/post-checkout", "content": "x"}), SCHEMA)
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        assert "inside .git" in [m["content"] for m in c.conversation if m["role"] == "tool"][2]
        sha = await c.approve()
        assert phase_files(repo, sha) == ["schema.sql"]
        assert git(repo, "rev-parse", "HEAD:vendor/lib").strip() == pointer
        c.close()


async def test_users_own_edits_during_a_phase_show_in_its_diff_and_are_kept(repo: Path) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        (repo / "README.md").write_text("# sample\n\nEdited by the user in another editor.\n")
        (repo / "schema.sql").write_text("CREATE TABLE users (id INTEGER, name TEXT);\n")  # on top of the model's
        diff = c.phase_diff()
        assert "Edited by the user" in diff and "name TEXT" in diff
        sha = await c.approve()
        assert phase_files(repo, sha) == ["README.md", "schema.sql"]
        assert "name TEXT" in git(repo, "show", f"{sha}:schema.sql")
        assert git(repo, "status", "--porcelain") == ""
        c.close()


async def test_user_committing_by_hand_during_a_phase_keeps_both_commits_apart(repo: Path) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        (repo / "notes.md").write_text("my notes\n")
        git(repo, "add", "notes.md")
        git(repo, "commit", "-qm", "my own commit")
        mine = git(repo, "rev-parse", "HEAD").strip()
        sha = await c.approve()
        assert git(repo, "rev-parse", f"{sha}^").strip() == mine  # on top of the user's commit, not over it
        assert phase_files(repo, sha) == ["schema.sql"]
        assert phase_files(repo, mine) == ["notes.md"]
        # Rolling the phase back reverts the phase commit only; the user's commit stays.
        await c.rollback("database")
        assert (repo / "notes.md").exists() and not (repo / "schema.sql").exists()
        c.close()


async def test_failing_pre_commit_hook_blocks_the_commit_loses_nothing_and_retry_works(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: schema.sql: missing NOT NULL' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        head = git(repo, "rev-parse", "HEAD").strip()
        with pytest.raises(CommitRefused) as refused:
            await c.approve()
        assert "missing NOT NULL" in str(refused.value) and "nothing was lost" in str(refused.value)
        assert c.session.stage == Stage.PHASE_REVIEW
        assert git(repo, "rev-parse", "HEAD").strip() == head
        assert (repo / "schema.sql").read_text().startswith("CREATE TABLE users")
        hook.unlink()  # the user fixes their hook (or the file) and approves again
        sha = await c.approve()
        assert c.session.phase_state("database").status == PhaseStatus.COMMITTED
        assert phase_files(repo, sha) == ["schema.sql"]
        c.close()


async def test_rejecting_a_phase_after_a_hand_commit_keeps_the_users_committed_files(repo: Path) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        (repo / "notes.md").write_text("my notes\n")
        git(repo, "add", "notes.md")
        git(repo, "commit", "-qm", "my own commit")
        assert "notes.md" not in c.phase_diff()  # their commit is theirs, not the phase's work
        await c.reject(skip=True)
        assert (repo / "notes.md").read_text() == "my notes\n"
        assert not (repo / "schema.sql").exists()
        assert git(repo, "status", "--porcelain") == ""
        c.close()
