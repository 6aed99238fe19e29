"""The git layer: GitPython for repository state and commands, one environment, and only app/git runs git."""

from __future__ import annotations

import ast
import asyncio
import functools
import subprocess
import sys
from pathlib import Path

import git as gitpython
import pytest

from phasegate.app.errors import PhasegateError
from phasegate.app.git import trailers
from phasegate.app.git.read_tools import git_log_for_tool, grep_for_tool, list_files_for_tool
from phasegate.app.git.run import run_read_only
from phasegate.app.git.service import (
    EmptyRepositoryError,
    GitService,
    NotARepositoryError,
    check_repository,
)
from phasegate.app.git.trees import open_tree
from tests.support.repos import git

APP = Path(__file__).resolve().parents[2] / "app"


def commit_phase(service: GitService, slug: str) -> str:
    return service.commit_phase(session_id="s1", slug=slug, title=slug.title(), body="Report.", plan_version=1)


# ------------------------------------------------------------------------------------------------ state


def test_the_service_holds_the_real_git_repo(repo: Path) -> None:
    service = GitService.open(repo / "README.md")
    assert isinstance(service.repo, gitpython.Repo)
    assert Path(service.repo.working_tree_dir or "").resolve() == repo.resolve()
    assert service.head_sha() == git(repo, "rev-parse", "HEAD").strip() == service.repo.head.commit.hexsha
    assert service.branch() == "main" and not service.is_detached()


def test_bare_repository_is_refused_with_and_without_gitpython(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    with pytest.raises(NotARepositoryError, match="bare repository"):
        GitService.open(bare)
    with pytest.raises(NotARepositoryError, match="bare repository"):
        check_repository(bare)


def test_empty_repository_is_told_apart_and_can_be_given_a_root_commit(tmp_path: Path) -> None:
    GitService.init(tmp_path / "new", initial_branch="trunk")
    with pytest.raises(EmptyRepositoryError):
        GitService.open(tmp_path / "new")
    with pytest.raises(EmptyRepositoryError):
        check_repository(tmp_path / "new")
    service = GitService.open(tmp_path / "new", allow_empty=True)
    assert service.head_or_none() is None and not service.has_commits()
    assert service.branch() == "trunk"  # an unborn branch still has a name
    assert service.phase_commits() == []
    sha = service.make_initial_commit()
    assert service.head_sha() == sha and service.repo.head.commit.hexsha == sha
    check_repository(tmp_path / "new")


def test_not_a_repository_says_git_init(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError, match="git init"):
        GitService.open(tmp_path)
    with pytest.raises(NotARepositoryError, match="git init"):
        check_repository(tmp_path)


def test_detached_head_is_read_from_the_repo(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    service = GitService.open(repo)
    assert service.is_detached() and service.repo.head.is_detached
    assert service.branch() is None
    assert service.notices and "detached" in service.notices[0]


def _conflicting_branches(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "README.md").write_text("other\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("main\n")
    git(repo, "commit", "-qam", "main")


def test_merge_in_progress_is_seen_before_and_after_opening(repo: Path) -> None:
    _conflicting_branches(repo)
    subprocess.run(["git", "-C", str(repo), "merge", "-q", "other"], capture_output=True, check=False)
    with pytest.raises(PhasegateError, match="merge is in progress"):
        check_repository(repo)
    service = GitService.open(repo, allow_in_progress=True)
    assert service.operation_in_progress() == "merge"


def test_revert_in_progress_is_seen_before_and_after_opening(repo: Path) -> None:
    (repo / "README.md").write_text("changed\n")
    git(repo, "commit", "-qam", "change")
    (repo / "README.md").write_text("changed again\n")
    git(repo, "commit", "-qam", "change again")
    subprocess.run(["git", "-C", str(repo), "revert", "--no-edit", "HEAD~1"], capture_output=True, check=False)
    assert (repo / ".git" / "REVERT_HEAD").exists()
    with pytest.raises(PhasegateError, match="revert is in progress"):
        check_repository(repo)
    service = GitService.open(repo, allow_in_progress=True)
    assert service.operation_in_progress() == "revert"
    service.undo_revert()
    assert service.operation_in_progress() is None and git(repo, "status", "--porcelain") == ""


def test_the_pre_frame_check_does_not_import_gitpython(repo: Path) -> None:
    child = (
        "import sys\nfrom phasegate.app.git.service import check_repository\n"
        f"check_repository({str(repo)!r})\nprint('git' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ------------------------------------------------------------------------------------------------ environment


def test_an_inherited_index_git_dir_and_work_tree_are_not_honoured(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    stray_index = tmp_path / "stray-index"
    monkeypatch.setenv("GIT_INDEX_FILE", str(stray_index))
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    service = GitService.open(repo)
    assert service.root == repo.resolve()
    (repo / "api.py").write_text("def f(): pass\n")
    assert [c.path for c in service.phase_changes(service.head_sha())] == ["api.py"]
    sha = commit_phase(service, "api")
    monkeypatch.delenv("GIT_INDEX_FILE")
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert git(repo, "rev-parse", "HEAD").strip() == sha
    assert git(repo, "status", "--porcelain") == ""  # the real index was brought up to the commit
    assert not stray_index.exists()
    assert subprocess.run(["git", "-C", str(other), "rev-parse", "HEAD"], capture_output=True).returncode != 0


# ------------------------------------------------------------------------------------------------ trailers


def test_trailers_round_trip_through_a_real_commit(repo: Path) -> None:
    service = GitService.open(repo)
    (repo / "a.txt").write_text("a\n")
    sha = service.commit_phase(
        session_id="s1", slug="api", title="Add   the\nAPI", body="Report.\n\nKey: not a trailer, a body line",
        plan_version=3, overrides=["tests red", "hook slow"],
    )
    message = service.commit_message(sha)
    assert message.split("\n", 1)[0] == "phase(api): Add the API"
    assert trailers.parse_trailers(message) == [
        ("Phasegate-Session", "s1"), ("Phasegate-Phase", "api"), ("Phasegate-Plan-Version", "3"),
        ("Phasegate-Override", "tests red"), ("Phasegate-Override", "hook slow"),
    ]
    [found] = service.phase_commits()
    assert (found.sha, found.phase, found.plan_version, found.overrides) == (sha, "api", 3, ("tests red", "hook slow"))


def test_trailer_parsing_follows_gits_rule() -> None:
    assert trailers.parse_trailers("subject only: not a trailer\n") == []
    assert trailers.parse_trailers("s\n\nbody\n\nnot: all\nof these lines\n") == []
    assert trailers.parse_trailers("s\n\nphasegate-phase: api\nSigned-off-by: A\n  continued\n") == [
        ("phasegate-phase", "api"), ("Signed-off-by", "A continued"),
    ]
    record = trailers.read_record("0" * 40, "s\n\nbody\n\nPHASEGATE-PHASE: api\n")
    assert record.phase == "api"  # keys compare case-insensitively, as git's do
    assert trailers.reverted_in_body("Revert \"x\"\n\nThis reverts commit " + "a" * 40 + ".\n") == "a" * 40


# ------------------------------------------------------------------------------------------------ trees


def test_rev_tree_reads_blobs_through_gitpython(repo: Path) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "src")
    (repo / "src" / "app.py").write_text("x = 2\n")
    tree = open_tree(repo, "HEAD")
    try:
        assert sorted(tree.paths()) == ["README.md", "src/app.py"]
        assert tree.read("src/app.py") == b"x = 1\n"
        assert tree.read("src/app.py", limit=3) == b"x ="
        assert tree.read("src") is None  # a tree, not a file
        assert tree.read("missing.py") is None
        assert tree.read("bad\nname") is None
    finally:
        tree.close()
    assert open_tree(repo).read("src/app.py") == b"x = 2\n"


# ------------------------------------------------------------------------------------------------ the tools' reads


async def test_git_log_for_tool(repo: Path, tmp_path: Path) -> None:
    (repo / "api.py").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add the api")
    answer = await git_log_for_tool(repo, max_count=500)
    lines = answer.text.splitlines()
    assert answer.ok and len(lines) == 2
    assert lines[0].endswith("Test User: add the api") and lines[1].endswith(": initial")
    touching = await git_log_for_tool(repo, path="api.py")
    assert touching.ok and len(touching.text.splitlines()) == 1
    none = await git_log_for_tool(repo, path="README.md", max_count=0)
    assert none.ok and none.text.endswith(": initial")
    missing = await git_log_for_tool(repo, path="nothing-here.txt")
    assert missing.ok and missing.text == "No commits touch that path."
    GitService.init(tmp_path / "empty")
    assert await git_log_for_tool(tmp_path / "empty") == type(answer)(True, "The repository has no commits yet.")


async def test_file_list_and_grep_for_tools(repo: Path, tmp_path: Path) -> None:
    (repo / ".gitignore").write_text("ignored.txt\n")
    (repo / "ignored.txt").write_text("needle\n")
    (repo / "new.py").write_text("needle = 1\n")
    (repo / "README.md").unlink()  # tracked but gone: not listed
    assert await list_files_for_tool(repo) == [".gitignore", "new.py"]
    assert await list_files_for_tool(tmp_path) is None
    found = await grep_for_tool(repo, "needle")
    assert found.returncode == 0 and found.stdout.split("\n")[0].split("\0") == ["new.py", "1", "needle = 1"]
    assert (await grep_for_tool(repo, "absent-word")).returncode == 1
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "f.txt").write_text("needle\n")
    assert (await grep_for_tool(plain, "needle")).stdout.startswith("f.txt\0" + "1\0")


async def test_read_only_runner_refuses_writes_and_kills_on_cancel(repo: Path) -> None:
    with pytest.raises(ValueError, match="not a read-only command"):
        await run_read_only(repo, "commit", "-m", "x")
    task = asyncio.create_task(run_read_only(repo, "log", "--follow", "--", "README.md"))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# ------------------------------------------------------------------------------------------------ only app/git


# What starts a process: subprocess.run/Popen/check_*/call, os.exec*/spawn*, asyncio's, GitPython's execute.
_STARTERS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec", "execute",
             "execv", "execvp", "execlp", "spawnv", "spawnvp", "system", "popen"}


@functools.cache
def _modules() -> list[tuple[str, ast.Module]]:
    return [(str(p.relative_to(APP)), ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(APP.rglob("*.py"))]


def _starts_git(tree: ast.Module) -> list[int]:
    """Lines of process-starting calls whose first argument is ``"git"`` or a list/tuple starting with ``"git"``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in _STARTERS:
            continue
        first = node.args[0]
        if isinstance(first, ast.List | ast.Tuple) and first.elts:
            first = first.elts[0]
        if isinstance(first, ast.Constant) and first.value == "git":
            lines.append(node.lineno)
    return lines


def _imports_gitpython(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "git" or a.name.startswith("git.") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "git":
            return True
    return False


def test_only_app_git_starts_git() -> None:
    offenders = {
        name: lines for name, tree in _modules()
        if not name.startswith("git/") and (lines := _starts_git(tree))
    }
    assert offenders == {}


def test_only_app_git_imports_gitpython() -> None:
    importers = sorted(name for name, tree in _modules() if _imports_gitpython(tree))
    assert importers and all(name.startswith("git/") for name in importers), importers


def test_the_scan_sees_a_git_call() -> None:
    tree = ast.parse("import subprocess, git\nsubprocess.run(['git', 'status'])\nasync def f():\n"
                     "    await asyncio.create_subprocess_exec('git', 'log')\nCheck('git', 'ok')\n")
    assert _starts_git(tree) == [2, 4] and _imports_gitpython(tree)


async def test_the_tools_git_never_sees_the_api_key(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program git runs for a read (here the user's fsmonitor hook) gets the key's variables blank."""
    dump = tmp_path / "env.txt"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\nenv > {dump}\nexit 1\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("DEPLOY_TOKEN", "prefix-sk-test-0123456789")
    monkeypatch.setenv("SHOP_SECRET", "s3")
    result = await run_read_only(repo, "status", "--porcelain", secret="sk-test-0123456789", hide=("SHOP_SECRET",))
    assert result.ok
    seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert seen["OPENAI_API_KEY"] == seen["DEPLOY_TOKEN"] == seen["SHOP_SECRET"] == ""
    assert seen["LC_ALL"] == "C" and seen["GIT_OPTIONAL_LOCKS"] == "0"
