"""The repository tools on real git repositories: results, sandboxing, secrets, and gated commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.app.agent.tools import (
    TOOL_SPECS,
    CommandDecision,
    CommandRequest,
    ToolConfig,
    ToolRunner,
    command_environment,
)
from phasegate.app.agent.workspace import Workspace
from tests.support.repos import git

SECRET = "s3cr3t-Value-8812"
DSN_PASSWORD = "Pg-Pass-4471"


class Approvals:
    """A scripted approver that records what it was asked."""

    def __init__(self, approved: bool = True, typed: str | None = None, note: str | None = None) -> None:
        self.decision = CommandDecision(approved=approved, typed_confirmation=typed, note=note)
        self.requests: list[CommandRequest] = []

    async def __call__(self, request: CommandRequest) -> CommandDecision:
        self.requests.append(request)
        return self.decision


def make_runner(repo: Path, approve: Approvals | None = None, **config: object) -> ToolRunner:
    return ToolRunner(Workspace(repo), ToolConfig(**config), approve)  # type: ignore[arg-type]


@pytest.fixture
def project(repo: Path) -> Path:
    """The conftest repo plus source files, an ignored dir, an untracked file and a .env with secrets."""
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("def handler(request):\n    return 'ok'\n\n\ndef other():\n    return 1\n")
    (repo / ".gitignore").write_text("node_modules/\n*.log\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add app")
    (repo / "node_modules").mkdir()
    (repo / "node_modules" / "lib.js").write_text("ignored\n")
    (repo / "debug.log").write_text("ignored\n")
    (repo / "notes.txt").write_text("untracked notes\n")
    (repo / ".env").write_text(f"API_TOKEN={SECRET}\nDATABASE_URL=postgres://app:{DSN_PASSWORD}@db.local:5432/shop\n")
    return repo


# -- read tools --------------------------------------------------------------------------------------------


async def test_list_files_is_git_aware(project: Path) -> None:
    runner = make_runner(project)
    result = await runner.call("list_files", {})
    names = result.text.splitlines()
    assert result.ok
    assert {"README.md", "src/app.py", ".gitignore", "notes.txt", ".env"} <= set(names)
    assert not any(n.startswith(("node_modules", ".git/")) or n == "debug.log" for n in names)
    assert SECRET not in result.text

    only_py = await runner.call("list_files", {"path": "src", "pattern": "*.py"})
    assert only_py.text.splitlines() == ["src/app.py"]


async def test_list_files_caps_and_skips_deleted(project: Path) -> None:
    many = project / "many"
    many.mkdir()
    for i in range(520):
        (many / f"f{i:03}.txt").write_text("x")
    (project / "README.md").unlink()  # tracked but gone: not listed
    result = await make_runner(project).call("list_files", {"path": "."})
    assert "README.md" not in result.text.splitlines()
    assert result.text.splitlines()[-1].startswith("… ")
    assert "more" in result.text.splitlines()[-1]


async def test_list_files_works_outside_git(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".git").mkdir()  # an empty .git dir is not a repository, and is never listed
    (tmp_path / ".git" / "x").write_text("x")
    result = await make_runner(tmp_path).call("list_files", {})
    assert result.text.splitlines() == ["a.txt"]


async def test_read_file_numbers_lines_and_ranges(project: Path) -> None:
    runner = make_runner(project)
    whole = await runner.call("read_file", {"path": "src/app.py"})
    assert whole.ok
    assert whole.text.splitlines()[0] == "1 | def handler(request):"
    part = await runner.call("read_file", {"path": "src/app.py", "start_line": "5", "end_line": 6})
    assert part.text.splitlines() == ["src/app.py (lines 5-6 of 6)", "5 | def other():", "6 |     return 1"]
    past = await runner.call("read_file", {"path": "src/app.py", "start_line": 50})
    assert not past.ok and "6 lines" in past.text


async def test_read_file_refusals_are_plain_sentences(project: Path) -> None:
    runner = make_runner(project, read_cap_bytes=1000)
    (project / "blob.bin").write_bytes(b"\x89PNG\x00\x00\x01binary")
    (project / "big.txt").write_text("line\n" * 1000)
    cases = {
        "blob.bin": "binary",
        "big.txt": "cap",
        "missing.py": "does not exist",
        "src": "directory",
        ".git/config": ".git",
        "../outside": "'..'",
    }
    for path, words in cases.items():
        result = await runner.call("read_file", {"path": path})
        assert not result.ok and words in result.text, (path, result.text)
        assert "Traceback" not in result.text
    ranged = await runner.call("read_file", {"path": "big.txt", "start_line": 10, "end_line": 12})
    assert ranged.ok and "12 | line" in ranged.text


async def test_env_values_never_reach_any_tool_result(project: Path) -> None:
    (project / "config").mkdir()
    (project / "config" / ".env.production").write_text(f"API_TOKEN={SECRET}\n")
    (project / "src" / "settings.py").write_text("import os\nTOKEN = os.environ['API_TOKEN']\n")
    runner = make_runner(project, allowlist=["cat"])
    results = [
        await runner.call("list_files", {}),
        await runner.call("read_file", {"path": ".env"}),
        await runner.call("read_file", {"path": "config/.env.production"}),
        await runner.call("search_code", {"pattern": "API_TOKEN"}),
        await runner.call("search_code", {"pattern": "s3cr3t"}),
        await runner.call("search_code", {"pattern": "Value-[0-9]+"}),
    ]
    for result in results:
        assert SECRET not in result.text and DSN_PASSWORD not in result.text, result.text
    read = results[1]
    assert "API_TOKEN=<redacted>" in read.text and "DATABASE_URL=<redacted>" in read.text
    assert "src/settings.py:2:" in results[3].text  # code that uses the name is still found
    assert "No matches" in results[4].text and "No matches" in results[5].text  # .env files are not searched


async def test_env_values_are_scrubbed_from_command_output(project: Path) -> None:
    approvals = Approvals()
    runner = make_runner(project, approve=approvals)
    result = await runner.call("run_command", {"command": "cat .env; grep -h TOKEN .env", "reason": "debug"})
    assert approvals.requests[0].kind == "network"  # reading .env is flagged for the user
    assert result.ok
    assert SECRET not in result.text and DSN_PASSWORD not in result.text
    assert "API_TOKEN=***" in result.text


async def test_search_code_finds_tracked_and_untracked_and_reports_bad_patterns(project: Path) -> None:
    runner = make_runner(project)
    hit = await runner.call("search_code", {"pattern": "def (handler|other)"})
    assert hit.text.splitlines() == ["src/app.py:1: def handler(request):", "src/app.py:5: def other():"]
    untracked = await runner.call("search_code", {"pattern": "untracked"})
    assert untracked.text == "notes.txt:1: untracked notes"
    ignored = await runner.call("search_code", {"pattern": "ignored"})
    assert ignored.ok and "No matches" in ignored.text
    scoped = await runner.call("search_code", {"pattern": "notes|handler", "path": "src"})
    assert scoped.text.splitlines() == ["src/app.py:1: def handler(request):"]
    bad = await runner.call("search_code", {"pattern": "def ("})
    assert not bad.ok and bad.text.startswith("search_code failed:")
    escape = await runner.call("search_code", {"pattern": "x", "path": "../"})
    assert not escape.ok and "Refused" in escape.text


async def test_search_code_caps_matches(project: Path) -> None:
    (project / "many.txt").write_text("needle\n" * 250)
    result = await make_runner(project).call("search_code", {"pattern": "needle"})
    lines = result.text.splitlines()
    assert len(lines) == 201 and lines[-1].startswith("… 50 more matches")


async def test_git_log(project: Path) -> None:
    runner = make_runner(project)
    log = await runner.call("git_log", {"max_count": 5})
    assert [line.split(": ", 1)[1] for line in log.text.splitlines()] == ["add app", "initial"]
    only = await runner.call("git_log", {"path": "src/app.py"})
    assert len(only.text.splitlines()) == 1 and only.text.endswith("add app")


async def test_git_log_on_an_empty_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    result = await make_runner(tmp_path).call("git_log", {})
    assert result.ok and "no commits" in result.text


# -- write tools --------------------------------------------------------------------------------------------


async def test_write_file_creates_parents_and_reports_the_change(project: Path) -> None:
    runner = make_runner(project)
    created = await runner.call("write_file", {"path": "src/api/routes.py", "content": "a = 1\nb = 2\n"})
    assert created.ok and created.changed_paths == ["src/api/routes.py"]
    assert created.text == "created src/api/routes.py (+2 −0 lines)"
    assert (project / "src" / "api" / "routes.py").read_text() == "a = 1\nb = 2\n"
    updated = await runner.call("write_file", {"path": "src/api/routes.py", "content": "a = 1\nb = 3\nc = 4\n"})
    assert updated.summary == "wrote src/api/routes.py (+2 −1)"
    assert created.summary == "wrote src/api/routes.py (+2 −0)"
    assert sorted(p.name for p in (project / "src" / "api").iterdir()) == ["routes.py"]  # no temp files


async def test_write_file_may_create_but_not_overwrite_an_env_file(project: Path) -> None:
    runner = make_runner(project)
    refused = await runner.call("write_file", {"path": ".env", "content": "API_TOKEN=changed\n"})
    assert not refused.ok and "secrets" in refused.text
    assert SECRET in (project / ".env").read_text()
    example = await runner.call("write_file", {"path": ".env.example", "content": "API_TOKEN=\n"})
    assert example.ok


async def test_edit_file_replaces_exactly_one_occurrence(project: Path) -> None:
    runner = make_runner(project)
    result = await runner.call("edit_file", {"path": "src/app.py", "search": "return 'ok'", "replace": "return 'OK'"})
    assert result.ok and result.summary == "edited src/app.py (+1 −1)"
    assert "return 'OK'" in (project / "src" / "app.py").read_text()


async def test_edit_file_no_match_shows_the_closest_lines(project: Path) -> None:
    before = (project / "src" / "app.py").read_text()
    result = await make_runner(project).call(
        "edit_file", {"path": "src/app.py", "search": "def other( ):\n    return 2", "replace": "x"}
    )
    assert not result.ok
    assert result.text.startswith("No exact match for the search text in src/app.py.")
    assert "Did you mean these lines (4-6)?" in result.text
    assert "5 | def other():" in result.text
    assert (project / "src" / "app.py").read_text() == before


async def test_edit_file_whitespace_only_mismatch_is_named(project: Path) -> None:
    result = await make_runner(project).call(
        "edit_file", {"path": "src/app.py", "search": "def handler(request):\n  return 'ok'", "replace": "x"}
    )
    assert "whitespace is ignored" in result.text


async def test_edit_file_several_matches_says_how_many(project: Path) -> None:
    result = await make_runner(project).call("edit_file", {"path": "src/app.py", "search": "return", "replace": "x"})
    assert not result.ok
    assert "occurs 2 times" in result.text and "lines 2, 6" in result.text


async def test_edit_file_keeps_crlf_files_crlf(project: Path) -> None:
    (project / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    result = await make_runner(project).call("edit_file", {"path": "win.txt", "search": "one\ntwo", "replace": "1\n2"})
    assert result.ok
    assert (project / "win.txt").read_bytes() == b"1\r\n2\r\nthree\r\n"


async def test_delete_file(project: Path) -> None:
    runner = make_runner(project)
    result = await runner.call("delete_file", {"path": "src/app.py"})
    assert result.ok and result.changed_paths == ["src/app.py"] and "−6" in result.text
    assert not (project / "src" / "app.py").exists()
    again = await runner.call("delete_file", {"path": "src/app.py"})
    assert not again.ok and "does not exist" in again.text
    folder = await runner.call("delete_file", {"path": "src"})
    assert not folder.ok and "directory" in folder.text
    env = await runner.call("delete_file", {"path": ".env"})
    assert not env.ok and (project / ".env").exists()


async def test_delete_file_removes_a_link_not_its_target(project: Path) -> None:
    (project / "alias.py").symlink_to(project / "src" / "app.py")
    result = await make_runner(project).call("delete_file", {"path": "alias.py"})
    assert result.ok and (project / "src" / "app.py").exists() and not os.path.lexists(project / "alias.py")


# -- malformed calls ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "words"),
    [
        ("nope", {}, "no repository tool named 'nope'"),
        ("read_file", {}, "missing required argument 'path'"),
        ("read_file", {"path": 3}, "'path' must be string"),
        ("read_file", {"path": "README.md", "start_line": "x"}, "'start_line' must be integer"),
        ("read_file", "README.md", "must be a JSON object"),
        ("write_file", {"path": "a.txt"}, "missing required argument 'content'"),
        ("edit_file", {"path": "README.md", "search": "", "replace": "x"}, "non-empty search"),
        ("run_command", {"command": "echo hi"}, "missing required argument 'reason'"),
    ],
)
async def test_malformed_calls_get_a_sentence_back(repo: Path, name: str, arguments: object, words: str) -> None:
    result = await make_runner(repo).call(name, arguments)  # type: ignore[arg-type]
    assert not result.ok and words in result.text
    assert "Traceback" not in result.text


def test_tool_specs_are_openai_function_specs() -> None:
    assert set(TOOL_SPECS) == {"list_files", "read_file", "search_code", "git_log", "write_file", "edit_file",
                               "delete_file", "run_command"}
    for name, spec in TOOL_SPECS.items():
        assert spec["type"] == "function"
        assert spec["function"]["name"] == name
        assert spec["function"]["description"]
        params = spec["function"]["parameters"]
        assert params["type"] == "object" and set(params["required"]) <= set(params["properties"])
        # Single JSON types only: grammar-based local servers do not all accept unions.
        assert all(isinstance(prop["type"], str) for prop in params["properties"].values())
    json.dumps(TOOL_SPECS)


# -- sandbox fuzzing over the tools ------------------------------------------------------------------------------

ESCAPES = st.sampled_from(
    ["../outside/sentinel.txt", "/abs/sentinel", "~/sentinel.txt", "out/sentinel.txt", "out", "link.txt",
     ".git/config", ".git/HEAD", ".GIT/config", "sub/.git/config", "gitdir/config", "src/\x00.py",
     "\uff0e\uff0e/outside/sentinel.txt", ".ｇｉｔ/config", "../", "..", "src/../../outside/sentinel.txt"]
)
FUZZ_PATHS = st.one_of(ESCAPES, st.lists(st.sampled_from(["..", ".git", "out", "src", "x", "", "~", "/"]),
                                         min_size=1, max_size=5).map("/".join), st.text(max_size=20))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=FUZZ_PATHS, tool=st.sampled_from(["read_file", "write_file", "edit_file", "delete_file", "list_files",
                                              "search_code", "git_log"]))
def test_no_tool_reads_or_writes_outside_the_root(repo: Path, path: str, tool: str) -> None:
    outside = repo.parent / "outside"
    if not outside.exists():
        outside.mkdir()
        (outside / "sentinel.txt").write_text("SENTINEL-CONTENT\n")
        (repo / "out").symlink_to(outside)
        (repo / "link.txt").symlink_to(outside / "sentinel.txt")
        (repo / "gitdir").symlink_to(repo / ".git")
    git_config = (repo / ".git" / "config").read_text()
    git_files = sorted(str(p) for p in (repo / ".git").rglob("*"))
    arguments = {
        "read_file": {"path": path},
        "write_file": {"path": path, "content": "SENTINEL-OVERWRITE"},
        "edit_file": {"path": path, "search": "SENTINEL", "replace": "PWNED"},
        "delete_file": {"path": path},
        "list_files": {"path": path},
        "search_code": {"pattern": "SENTINEL", "path": path},
        "git_log": {"path": path},
    }[tool]
    result = asyncio.run(make_runner(repo).call(tool, arguments))
    assert "SENTINEL-CONTENT" not in result.text
    assert "Traceback" not in result.text
    assert (outside / "sentinel.txt").read_text() == "SENTINEL-CONTENT\n"
    assert sorted(p.name for p in outside.iterdir()) == ["sentinel.txt"]
    assert (repo / ".git" / "config").read_text() == git_config
    assert sorted(str(p) for p in (repo / ".git").rglob("*")) == git_files


# -- run_command ------------------------------------------------------------------------------------------------


async def test_run_command_runs_in_the_repo_with_exit_codes(project: Path) -> None:
    approvals = Approvals()
    runner = make_runner(project, approve=approvals)
    ok = await runner.call("run_command", {"command": "pwd && git rev-parse --abbrev-ref HEAD", "reason": "where am I"})
    assert ok.ok and ok.text.splitlines() == [
        "$ pwd && git rev-parse --abbrev-ref HEAD", "exit code 0", str(project.resolve()), "main",
    ]
    failed = await runner.call("run_command", {"command": "echo oops >&2; exit 7", "reason": "fail"})
    assert not failed.ok and "exit code 7" in failed.text and "oops" in failed.text
    assert approvals.requests[0].reason == "where am I" and approvals.requests[0].cwd == str(project.resolve())
    assert [ok.exit_code, failed.exit_code] == [0, 7]


async def test_run_command_timeout_kills_the_process_group(project: Path) -> None:
    runner = make_runner(project, approve=Approvals(), timeout_s=0.5)
    started = time.monotonic()
    result = await runner.call(
        "run_command", {"command": "sleep 30 & echo $! > child.pid; echo started; wait", "reason": "hang"}
    )
    assert time.monotonic() - started < 10
    assert not result.ok and "timed out after 0.5 s and was killed" in result.text and "started" in result.text
    child = int((project / "child.pid").read_text())
    # The background child was in the killed group: gone, or at worst a zombie awaiting its reaper.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        await asyncio.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


async def test_run_command_caps_output_keeping_head_and_tail(project: Path) -> None:
    runner = make_runner(project, approve=Approvals(), output_cap_bytes=1000)
    result = await runner.call(
        "run_command", {"command": f"{sys.executable} -c \"print('A'*5000); print('B'*5000)\"", "reason": "x"}
    )
    assert result.ok
    assert len(result.text) < 1400
    assert "bytes of output omitted" in result.text
    assert "AAAA" in result.text and "BBBB" in result.text


async def test_run_command_strips_escape_sequences(project: Path) -> None:
    runner = make_runner(project, approve=Approvals())
    result = await runner.call("run_command", {"command": r"printf '\033[31mred\033[0m \033]0;title\007done\n'",
                                               "reason": "x"})
    assert "\x1b" not in result.text and "\x07" not in result.text
    assert "red done" in result.text


async def test_run_command_environment_has_no_api_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-test-FAKEKEY-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PHASEGATE_MODEL", "m")
    monkeypatch.setenv("MY_COPY_OF_THE_KEY", key)
    monkeypatch.setenv("AUTH_HEADER", f"Bearer {key}")
    monkeypatch.setenv("CUSTOM_SECRET", "custom-secret-value")
    monkeypatch.setenv("HARMLESS_VAR", "visible")
    approvals = Approvals()
    runner = make_runner(project, approve=approvals, api_key=key, secret_env_names=("CUSTOM_SECRET",))
    result = await runner.call("run_command", {"command": "env > env_dump.txt", "reason": "inspect env"})
    assert result.ok
    assert approvals.requests[0].kind == "network"  # an environment dump is flagged
    dump = (project / "env_dump.txt").read_text()  # read from disk: no output scrubbing involved
    assert key not in dump
    assert "OPENAI_" not in dump and "PHASEGATE_" not in dump and "MY_COPY_OF_THE_KEY" not in dump
    assert "AUTH_HEADER" not in dump and "custom-secret-value" not in dump
    assert "HARMLESS_VAR=visible" in dump


def test_command_environment_is_a_pure_filter() -> None:
    env = command_environment({"OPENAI_X": "1", "PATH": "/bin", "K": "key-1234567"}, "key-1234567")
    assert env["PATH"] == "/bin" and "OPENAI_X" not in env and "K" not in env
    assert env["GIT_TERMINAL_PROMPT"] == "0"


async def test_destructive_commands_are_refused_without_asking(project: Path) -> None:
    (project / "src" / "app.py").write_text("uncommitted work\n")
    approvals = Approvals()
    runner = make_runner(project, approve=approvals, allowlist=["git"])
    for command in ("git reset --hard", "rm -rf ..", "git push --force", "git clean -fdx"):
        result = await runner.call("run_command", {"command": command, "reason": "clean up"})
        assert not result.ok and result.text.startswith("Refused:"), command
    assert approvals.requests == []
    assert (project / "src" / "app.py").read_text() == "uncommitted work\n"
    assert (project / "notes.txt").exists()


async def test_declined_and_unapprovable_commands_do_not_run(project: Path) -> None:
    declined = make_runner(project, approve=Approvals(approved=False, note="not now"))
    result = await declined.call("run_command", {"command": "touch made.txt", "reason": "x"})
    assert not result.ok and "declined" in result.text and "not now" in result.text
    nobody = make_runner(project)
    result = await nobody.call("run_command", {"command": "touch made.txt", "reason": "x"})
    assert not result.ok and "approve" in result.text
    assert not (project / "made.txt").exists()


MIGRATION_SCRIPT = "import pathlib; pathlib.Path('migrated.txt').write_text('yes')\n"


@pytest.mark.parametrize("typed", [None, "", "yes", "MIGRATE", "migrat"])
async def test_migration_needs_the_typed_word(project: Path, typed: str | None) -> None:
    (project / "migrate.py").write_text(MIGRATION_SCRIPT)
    approvals = Approvals(approved=True, typed=typed)
    runner = make_runner(project, approve=approvals, allowlist=[f"{sys.executable} migrate.py"])
    result = await runner.call("run_command", {"command": f"{sys.executable} migrate.py", "reason": "apply schema"})
    assert not result.ok and "type 'migrate'" in result.text
    assert not (project / "migrated.txt").exists()
    assert len(approvals.requests) == 1  # asked despite the allow-list


async def test_migration_runs_with_the_typed_word_and_ends_the_turn(project: Path) -> None:
    (project / "migrate.py").write_text(MIGRATION_SCRIPT)
    approvals = Approvals(approved=True, typed="migrate")
    runner = make_runner(project, approve=approvals)
    result = await runner.call("run_command", {"command": f"{sys.executable} migrate.py", "reason": "apply schema"})
    assert result.ok and result.halt_turn
    assert "your turn ends here" in result.text
    assert (project / "migrated.txt").read_text() == "yes"
    request = approvals.requests[0]
    assert request.kind == "migration"
    assert request.target_database == "postgres://app:****@db.local:5432/shop"
    assert DSN_PASSWORD not in repr(request)


async def test_failed_migration_also_ends_the_turn(project: Path) -> None:
    approvals = Approvals(approved=True, typed="migrate")
    runner = make_runner(project, approve=approvals)
    result = await runner.call("run_command", {"command": "alembic upgrade head", "reason": "apply"})
    assert not result.ok and result.halt_turn


async def test_allowlist_skips_approval_for_normal_commands_only(project: Path) -> None:
    approvals = Approvals()
    runner = make_runner(project, approve=approvals, allowlist=["echo", "curl", "git status"])
    quiet = await runner.call("run_command", {"command": "echo hello there", "reason": "x"})
    assert quiet.ok and "hello there" in quiet.text
    assert approvals.requests == []
    await runner.call("run_command", {"command": "git status --short", "reason": "x"})
    assert approvals.requests == []
    # Chaining off an allow-listed prefix, or a network command, still asks.
    await runner.call("run_command", {"command": "echo hi && touch x.txt", "reason": "x"})
    await runner.call("run_command", {"command": "echo $(touch y.txt)", "reason": "x"})
    await runner.call("run_command", {"command": "curl http://192.0.2.1:9/", "reason": "x", })
    assert [r.command for r in approvals.requests] == [
        "echo hi && touch x.txt", "echo $(touch y.txt)", "curl http://192.0.2.1:9/",
    ]
    assert approvals.requests[2].kind == "network" and approvals.requests[2].warnings


async def test_cancelling_a_running_command_kills_it(project: Path) -> None:
    runner = make_runner(project, approve=Approvals(), timeout_s=60)
    task = asyncio.create_task(
        runner.call("run_command", {"command": "echo $$ > shell.pid; exec sleep 30", "reason": "x"})
    )
    pid_file = project / "shell.pid"
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        await asyncio.sleep(0.05)
    assert not _alive(pid)


def test_tool_config_from_settings_unwraps_the_secret() -> None:
    class FakeSecret:
        def get_secret_value(self) -> str:
            return "sk-real"

    class FakeSettings:
        api_key = FakeSecret()
        command_allowlist = ["pytest -q"]
        command_timeout_s = 5.0
        output_cap_bytes = 1234

    config = ToolConfig.from_settings(FakeSettings())
    assert (config.api_key, config.allowlist, config.timeout_s, config.output_cap_bytes) == (
        "sk-real", ["pytest -q"], 5.0, 1234,
    )


async def test_a_link_to_an_env_file_is_redacted_too(project: Path) -> None:
    (project / "settings.txt").symlink_to(project / ".env")
    runner = make_runner(project)
    read = await runner.call("read_file", {"path": "settings.txt"})
    assert read.ok and SECRET not in read.text and "API_TOKEN=<redacted>" in read.text
    write = await runner.call("write_file", {"path": "settings.txt", "content": "x"})
    assert not write.ok and SECRET in (project / ".env").read_text()


async def test_search_code_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("needle = 1\n")
    (tmp_path / ".env").write_text(f"needle={SECRET}\n")
    result = await make_runner(tmp_path).call("search_code", {"pattern": "needle"})
    assert result.text == "a.py:1: needle = 1"


async def test_a_command_that_ignores_sigterm_is_killed_anyway(project: Path) -> None:
    runner = make_runner(project, approve=Approvals(), timeout_s=0.3)
    started = time.monotonic()
    result = await runner.call("run_command", {"command": "trap '' TERM; echo $$ > stubborn.pid; sleep 30; true",
                                               "reason": "x"})
    assert "timed out" in result.text and time.monotonic() - started < 10
    assert not _alive(int((project / "stubborn.pid").read_text()))
