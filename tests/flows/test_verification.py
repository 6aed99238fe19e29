"""Issue 9's gates on real repositories: verification, failed migrations, breaking API changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from phasegate.app.agent.loop import AgentNotice
from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.session.controller import ApprovalBlocked, Controller
from phasegate.app.session.verification import detect_test_commands, rollback_hints
from phasegate.phases.models import Stage
from tests.support.repos import git

RESEARCH = {"understanding": ["x"], "assumptions": [], "questions": [], "risks": []}
PLAN = {"phases": [{"slug": "database", "title": "Database", "tasks": [{"title": "Schema", "detail": "d"}]},
                   {"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "c"}]}]}
REPORT = {"summary": "s", "changes": ["c"], "verification": [{"step": "tests", "passed": True}]}


class Recorder:
    def __init__(self) -> None:
        self.notices: list[str] = []
        self.requests: list[CommandRequest] = []

    async def approve(self, request: CommandRequest) -> CommandDecision:
        self.requests.append(request)
        return CommandDecision(approved=True, typed_confirmation="migrate" if request.kind == "migration" else None)

    def listen(self, event: object) -> None:
        if isinstance(event, AgentNotice):
            self.notices.append(event.text)


def flow(*database_phase: ToolCall) -> list[Turn]:
    """Research, the plan, then one database-phase turn with these calls."""
    return [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)]),
        Turn(match="Current phase: database", tool_calls=list(database_phase)),
    ]


def open_controller(repo: Path, server: ScriptedServer, rec: Recorder) -> Controller:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "k", "model": "m"}).settings
    return Controller.open(repo, settings, approver=rec.approve, listener=rec.listen, task="t", resume=False)


def python_repo(repo: Path, *, test_body: str) -> None:
    (repo / "pytest.ini").write_text("[pytest]\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_app.py").write_text(f"def test_it():\n    {test_body}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tests")


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # `python -m pytest` in the repository must find this interpreter (with pytest), as in the demo.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":" + __import__("os").environ["PATH"])
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def test_detects_test_commands_per_stack(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "package.json").write_text('{"scripts": {"test": "jest"}}')
    (tmp_path / "pnpm-lock.yaml").write_text("")
    assert detect_test_commands(tmp_path) == ["pnpm test", "go test ./..."]
    (tmp_path / "Makefile").write_text("test:\n\tgo test ./...\n")
    assert detect_test_commands(tmp_path) == ["make test"]
    assert rollback_hints(tmp_path, ["migrations/0003_users.down.sql", "app.py"]) == ["down migration: migrations/0003_users.down.sql"]


async def test_failing_verification_blocks_approval_until_overridden(repo: Path) -> None:
    python_repo(repo, test_body="assert False, 'broken'")
    script = flow(
        ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE t (id INT);\n"}), ToolCall("complete_phase", REPORT),
    )
    rec = Recorder()
    with ScriptedServer(script) as server:
        c = open_controller(repo, server, rec)
        await c.start()
        await c.approve()
        await c.approve()
        assert c.session.stage == Stage.PHASE_REVIEW
        # phasegate ran the detected command itself, through the approval callback.
        assert [r.command for r in rec.requests] == ["python -m pytest -q"]
        assert any("FAILED" in n for n in rec.notices)
        with pytest.raises(ApprovalBlocked) as blocked:
            await c.approve()
        assert "never ignore test failures" in str(blocked.value)
        assert c.session.stage == Stage.PHASE_REVIEW
        await c.approve(overrides=["known flaky test, tracked in #12"])
        body = git(repo, "log", "-1", "--format=%B")
        assert "known flaky test, tracked in #12" in body and "Phasegate-Override: known flaky test" in body
        assert "`python -m pytest -q` → exit 1 (verification)" in body
        c.close()


async def test_passing_run_by_the_model_after_its_last_change_is_not_repeated(repo: Path) -> None:
    python_repo(repo, test_body="assert True")
    script = flow(
        ToolCall("write_file", {"path": "schema.sql", "content": "x\n"}),
        ToolCall("run_command", {"command": "python -m pytest -q", "reason": "check"}),
        ToolCall("complete_phase", REPORT),
    )
    rec = Recorder()
    with ScriptedServer(script) as server:
        c = open_controller(repo, server, rec)
        await c.start()
        await c.approve()
        await c.approve()
        assert len(rec.requests) == 1  # the model's own run; verification reused it
        assert any("run after the last change" in n for n in rec.notices)
        assert c.approval_blockers() == []
        c.close()


async def test_failed_migration_stops_the_turn_and_offers_the_rollback(repo: Path) -> None:
    (repo / "migrate.py").write_text("import sys\nsys.exit('duplicate column: email')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "runner")
    script = flow(
        ToolCall("write_file", {"path": "migrations/0003_users.down.sql", "content": "DROP TABLE users;\n"}),
        ToolCall("run_command", {"command": "python migrate.py up", "reason": "apply"}),
        ToolCall("complete_phase", REPORT),
    )
    rec = Recorder()
    with ScriptedServer(script) as server:
        c = open_controller(repo, server, rec)
        await c.start()
        await c.approve()
        result = await c.approve()
        assert result.reason == "halted"
        assert c.session.stage == Stage.EXECUTING  # complete_phase after the migration was not run
        failure = [n for n in rec.notices if "failed" in n]
        assert failure and "python migrate.py up" in failure[0]
        assert "migrations/0003_users.down.sql" in failure[0] and "python migrate.py down" in failure[0]
        assert "Reject (n) discards" in failure[0]
        # The offered rollback works: reject discards the phase's changes.
        await c.reject(reason="migration failed")
        assert not (repo / "migrations").exists()
        c.close()


async def test_breaking_api_change_without_version_bump_blocks_approval(repo: Path) -> None:
    spec = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /users:\n    get:\n      responses:\n        '200': {description: ok}\n  /admin:\n    get:\n      responses:\n        '200': {description: ok}\n"
    (repo / "openapi.yaml").write_text(spec)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "contract")
    broken = spec.split("  /admin:")[0]
    script = flow(
        ToolCall("write_file", {"path": "openapi.yaml", "content": broken}), ToolCall("complete_phase", REPORT),
    )
    rec = Recorder()
    with ScriptedServer(script) as server:
        c = open_controller(repo, server, rec)
        await c.start()
        await c.approve()
        await c.approve()
        blockers = c.approval_blockers()
        assert [b.rule for b in blockers] == ["api"]
        assert "versioning" in blockers[0].message and "/admin" in blockers[0].message
        with pytest.raises(ApprovalBlocked):
            await c.approve()
        c.close()
