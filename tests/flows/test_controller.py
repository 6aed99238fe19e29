"""The controller end to end: the real openai client against the scripted loopback server, on a real
git repository, through every gate — and the gates refusing what they must refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import Fault, ScriptedServer, ToolCall, Turn
from phasegate.app.errors import PhasegateError
from phasegate.app.session.controller import ApprovalBlocked, Controller
from phasegate.phases.models import PhaseStatus, Stage
from tests.support.repos import git

RESEARCH = {
    "understanding": [{"text": "A tiny repo with a README", "evidence": "README.md"}],
    "assumptions": [],
    "questions": [{"text": "Which database?"}],
    "risks": [],
}
PLAN = {
    "phases": [
        {"slug": "database", "title": "Database", "tasks": [{"title": "Schema", "detail": "users table"}]},
        {"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "POST /users"}]},
    ]
}


def report(summary: str) -> dict:
    return {"summary": summary, "changes": [summary], "verification": [{"step": "tests", "passed": True}]}


def script() -> list[Turn]:
    return [
        Turn(match="Stage: research", tool_calls=[ToolCall("read_file", {"path": "README.md"})]),
        Turn(match="Stage: research", tool_calls=[ToolCall("write_file", {"path": "evil.txt", "content": "x"})]),
        Turn(match="Stage: research", text="Done looking.", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", {"phases": []})]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)]),
        Turn(
            match="Current phase: database",
            tool_calls=[
                ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n"}),
                ToolCall("mark_task_done", {"task_id": "database.1"}),
            ],
        ),
        Turn(match="Current phase: database", tool_calls=[ToolCall("run_command", {"command": "python migrate.py up", "reason": "apply"})]),
        Turn(match="Current phase: database", tool_calls=[ToolCall("complete_phase", report("users table"))]),
        Turn(
            match="Current phase: api",
            tool_calls=[
                ToolCall("write_file", {"path": "api.py", "content": "def create_user():\n    return 201\n"}),
                ToolCall("complete_phase", report("POST /users")),
                ToolCall("write_file", {"path": "sneaky.py", "content": "after complete"}),
            ],
        ),
        Turn(match="Stage: final_review", text="All done.", repeat=True),
    ]


class Approvals:
    def __init__(self, typed: str | None = "migrate") -> None:
        self.requests: list[CommandRequest] = []
        self.typed = typed

    async def __call__(self, request: CommandRequest) -> CommandDecision:
        self.requests.append(request)
        return CommandDecision(approved=True, typed_confirmation=self.typed if request.kind == "migration" else None)


def open_controller(repo: Path, server: ScriptedServer, approvals: Approvals, **kw) -> Controller:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test-not-real-123456", "model": "scripted", "max_retries": 1}).settings
    return Controller.open(repo, settings, approver=approvals, task="Add users", resume=False, **kw)


async def test_full_flow_through_every_gate(repo: Path) -> None:
    (repo / "migrate.py").write_text("print('migrated')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "migrate script")
    approvals = Approvals()
    with ScriptedServer(script()) as server:
        c = open_controller(repo, server, approvals)
        result = await c.start()
        assert result is not None and result.reason == "submitted"
        s = c.session
        assert s.stage == Stage.RESEARCH and s.research is not None
        # The write attempted during research was refused, and nothing was written.
        refused = [m for m in c.conversation if m["role"] == "tool" and "not allowed during research" in m["content"]]
        assert refused and not (repo / "evil.txt").exists()
        # The first (empty) plan was sent back to the model as a validation error; the second was accepted.
        await c.approve()
        assert c.session.stage == Stage.PLAN_REVIEW and c.session.plan is not None
        assert any("submit_plan was not accepted" in (m.get("content") or "") for m in c.conversation)
        # Approving the plan starts the database phase; the migration halts the turn.
        result = await c.approve()
        assert result.reason == "halted"
        assert c.session.halted_reason and c.session.phase_state("database").migrations_run == ["python migrate.py up"]
        assert [r.kind for r in approvals.requests] == ["migration"]
        assert c.gate().label == "Continue after the migration"
        result = await c.approve()
        assert c.session.stage == Stage.PHASE_REVIEW
        assert "schema.sql" in c.phase_diff()
        sha = await c.approve()
        log = git(repo, "log", "-1", "--format=%s%n%b")
        assert log.startswith("phase(database): Database")
        assert "Phasegate-Phase: database" in log and f"Phasegate-Session: {c.session.id}" in log
        assert c.session.phase_state("database").commit_sha == sha
        # The next phase waits for the user.
        assert c.session.stage == Stage.EXECUTING and c.session.active_phase is None
        assert c.gate().label == "Start phase api"
        await c.approve()
        assert c.session.stage == Stage.PHASE_REVIEW
        # The write after complete_phase in the same batch was refused: the phase is under review.
        assert not (repo / "sneaky.py").exists()
        await c.approve()
        assert c.session.stage == Stage.FINAL_REVIEW
        await c.approve()
        assert c.session.stage == Stage.DONE
        # Roll back the first phase: a revert commit, the tree clean, the session updated.
        revert = await c.rollback("database")
        assert c.session.phase_state("database").status == PhaseStatus.ROLLED_BACK
        assert "Phasegate-Rollback: database" in git(repo, "log", "-1", "--format=%b")
        assert not (repo / "schema.sql").exists() and (repo / "api.py").exists()
        assert git(repo, "status", "--porcelain") == ""
        assert revert == git(repo, "rev-parse", "HEAD").strip()
        c.close()
    # Nothing sent to the model contained the API key.
    assert all("sk-test-not-real-123456" not in json.dumps(r) for r in server.requests)


async def test_migration_without_typed_word_does_not_run(repo: Path) -> None:
    (repo / "migrate.py").write_text("open('ran.txt', 'w').write('x')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "m")
    turns = script()
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server, Approvals(typed="yes please"))
        await c.start()
        await c.approve()
        await c.approve()
        await c.approve()  # plan approved → database phase runs until the migration request
        assert not (repo / "ran.txt").exists()
        assert c.session.phase_state("database").migrations_run == []
        c.close()


async def test_second_workbench_cannot_drive_the_same_repository(repo: Path) -> None:
    with ScriptedServer(script()) as server:
        c = open_controller(repo, server, Approvals())
        with pytest.raises(PhasegateError, match="(?i)another phasegate"):
            open_controller(repo, server, Approvals())
        c.close()
        open_controller(repo, server, Approvals()).close()


async def test_server_error_keeps_the_session_and_the_turn_can_be_retried(repo: Path) -> None:
    turns = [Turn(match="Stage: research", fault=Fault(status=500, times=2), tool_calls=[ToolCall("submit_research", RESEARCH)])]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server, Approvals())
        result = await c.start()
        assert result.reason == "error" and result.retryable
        assert "500" in result.message or "server" in result.message.lower()
        assert c.session.stage == Stage.RESEARCH
        result = await c.run_turn()  # the fault has fired its two times; the retry goes through
        assert result.reason == "submitted" and c.session.research is not None
        c.close()


async def test_phase_with_a_planted_secret_is_blocked_until_overridden(repo: Path) -> None:
    secret_turns = script()
    secret_turns[5] = Turn(
        match="Current phase: database",
        tool_calls=[
            ToolCall("write_file", {"path": "config.py", "content": 'AWS_KEY = "AKIAIOSFODNN7EXAMPLQ"\n'}),
            ToolCall("complete_phase", report("config")),
        ],
    )
    with ScriptedServer(secret_turns) as server:
        c = open_controller(repo, server, Approvals())
        await c.start()
        await c.approve()
        await c.approve()
        assert c.session.stage == Stage.PHASE_REVIEW
        with pytest.raises(ApprovalBlocked, match="rule"):
            await c.approve()
        assert c.session.stage == Stage.PHASE_REVIEW  # nothing committed
        await c.approve(overrides=["test key from the AWS docs"])
        body = git(repo, "log", "-1", "--format=%b")
        assert "Approved with override" in body and "test key from the AWS docs" in body
        c.close()
