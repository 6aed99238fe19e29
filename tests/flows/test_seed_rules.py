"""Seed rules that had no test of their own: each test here is named in docs/workflow.md's rule table.

Real parts only: real git repositories, the real ``openai`` client against the scripted loopback
server, real commands run by the real tool runner. The prompt tests check that the rules phasegate
cannot enforce in code the model writes are stated, in our own words, in the prompt the model gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phasegate import prompts
from phasegate.app.agent.loop import AgentNotice
from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.analyzers.security import scan_added_lines
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.git.service import GitService
from phasegate.app.session.controller import ApprovalBlocked, Controller
from phasegate.app.session.review import ReviewFacts, blockers_from
from phasegate.phases.findings import Finding
from phasegate.phases.models import Stage
from tests.support.repos import git

RESEARCH = {"understanding": [{"text": "A small service", "evidence": "README.md"}]}
PLAN = {"phases": [{"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "users"}]}]}
REPORT = {"summary": "done", "changes": ["the change"], "verification": [{"step": "tests", "passed": True}]}


async def _approve_all(request: CommandRequest) -> CommandDecision:
    return CommandDecision(approved=True, typed_confirmation="migrate" if request.kind == "migration" else None)


def _phase_script(*phase_calls: ToolCall) -> list[Turn]:
    """Research, a one-phase plan, then the phase's calls (the last one ends the phase's turn)."""
    return [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)]),
        Turn(match="Current phase: api", tool_calls=list(phase_calls)),
        Turn(text="Waiting for you.", repeat=True),
    ]


def _open(repo: Path, server: ScriptedServer, events: list[object] | None = None) -> Controller:
    settings = load_settings(
        repo, {"base_url": server.base_url, "api_key": "sk-test-not-real-123456", "model": "scripted", "max_retries": 0}
    ).settings
    listener = events.append if events is not None else None
    return Controller.open(repo, settings, approver=_approve_all, listener=listener, task="Add users", resume=False)


async def _to_phase(c: Controller) -> object:
    """Research → plan review → approve the plan: the phase's scripted turn runs."""
    await c.start()
    await c.approve()  # research approved; the plan turn runs
    return await c.approve()  # plan approved; the api phase runs


def _commit(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "setup")


async def test_failing_verification_blocks_approval_until_an_override_reason_is_given(repo: Path) -> None:
    """Never ignore test failures: phasegate runs the repository's tests on complete_phase itself."""
    _commit(repo, {"Makefile": "test:\n\t@echo '1 failed'; exit 1\n"})
    turns = _phase_script(ToolCall("write_file", {"path": "api.py", "content": "x = 1\n"}), ToolCall("complete_phase", REPORT))
    with ScriptedServer(turns) as server:
        c = _open(repo, server)
        await _to_phase(c)
        assert c.session.stage == Stage.PHASE_REVIEW
        runs = c.session.phase_state("api").commands
        assert [(r.command, r.purpose) for r in runs] == [("make test", "verification")] and runs[0].exit_code != 0
        head = git(repo, "rev-parse", "HEAD")
        with pytest.raises(ApprovalBlocked, match="never ignore test failures"):
            await c.approve()
        assert git(repo, "rev-parse", "HEAD") == head and c.session.stage == Stage.PHASE_REVIEW
        await c.approve(overrides=["flaky test tracked in JIRA-12"])
        body = git(repo, "log", "-1", "--format=%B")
        assert "`make test` failed" in body and "Reason: flaky test tracked in JIRA-12" in body
        assert "Phasegate-Override: flaky test tracked in JIRA-12" in body
        # The last phase is in: the final review's full test run fails too, and blocks "done" the same way.
        assert c.session.stage == Stage.FINAL_REVIEW and c.session.final_report["final_tests"]["passed"] is False
        with pytest.raises(ApprovalBlocked, match="never ignore test failures"):
            await c.approve()
        assert c.session.stage == Stage.FINAL_REVIEW
        assert await c.approve(overrides=["known failure, see JIRA-12"]) == "done"
        assert c.session.stage == Stage.DONE
        c.close()


SPEC = """openapi: 3.0.3
info: {{title: users, version: "{version}"}}
paths:
{paths}"""
USERS_PATH = """  /users:
    get:
      responses:
        '200': {description: ok}
"""
HEALTH_PATH = """  /health:
    get:
      responses:
        '200': {description: ok}
"""


@pytest.mark.parametrize("new_version, blocked", [("1.0.0", True), ("2.0.0", False)])
async def test_breaking_api_change_without_a_version_bump_blocks_approval(
    repo: Path, new_version: str, blocked: bool
) -> None:
    """Never break an existing API contract without versioning: removing a path blocks unless info.version moves."""
    _commit(repo, {"openapi.yaml": SPEC.format(version="1.0.0", paths=USERS_PATH + HEALTH_PATH)})
    new_spec = SPEC.format(version=new_version, paths=HEALTH_PATH)
    turns = _phase_script(
        ToolCall("write_file", {"path": "openapi.yaml", "content": new_spec}), ToolCall("complete_phase", REPORT)
    )
    with ScriptedServer(turns) as server:
        c = _open(repo, server)
        await _to_phase(c)
        assert c.session.stage == Stage.PHASE_REVIEW
        rules = [b.message for b in c.approval_blockers()]
        api_rules = [m for m in rules if "never break an API contract without a versioning strategy" in m]
        assert bool(api_rules) == blocked, rules
        if blocked:
            with pytest.raises(ApprovalBlocked):
                await c.approve()
        else:
            await c.approve()
            assert c.session.phase_state("api").commit_sha
        c.close()


async def test_a_failed_migration_stops_the_turn_and_offers_the_rollback(repo: Path) -> None:
    """Database migration fails: stop, report the error, suggest the rollback (down migration, the runner's down)."""
    _commit(repo, {"migrate.py": "import sys\nprint('error: relation users already exists')\nsys.exit(3)\n"})
    turns = _phase_script(
        ToolCall("write_file", {"path": "migrations/0002_users.down.sql", "content": "DROP TABLE users;\n"}),
        ToolCall("run_command", {"command": "python migrate.py up", "reason": "apply the users table"}),
        ToolCall("complete_phase", REPORT),  # never reached: the migration ended the turn
    )
    events: list[object] = []
    with ScriptedServer(turns) as server:
        c = _open(repo, server, events)
        result = await _to_phase(c)
        assert getattr(result, "reason", None) == "halted"
        assert c.session.stage == Stage.EXECUTING and c.session.halted_reason
        assert c.session.phase_state("api").report is None  # complete_phase was never run
        errors = [e.text for e in events if isinstance(e, AgentNotice) and e.severity == "error"]
        assert len(errors) == 1
        assert "failed (exit 3)" in errors[0] and "the model stopped" in errors[0]
        assert "down migration: migrations/0002_users.down.sql" in errors[0] and "python migrate.py down" in errors[0]
        assert "reject" in c.gate().allowed  # discarding the phase's changes is offered
        c.close()


@pytest.mark.parametrize(
    "line, rule",
    [
        ('digest = hashlib.md5(password.encode()).hexdigest()', "Password hashed with a fast digest"),
        ('cur.execute(f"SELECT * FROM users WHERE email = {email}")', "SQL built by string formatting"),
        ('DB = "postgres://app:hunter2hunter2@db.example.com:5432/app"', "Connection string with a password"),
        ('requests.get(url, verify=False)', "TLS certificate verification is switched off"),
    ],
)
def test_the_security_scan_blocks_code_the_seed_forbids(repo: Path, line: str, rule: str) -> None:
    """Rules phasegate cannot enforce while the model types are checked in the phase's diff, before commit."""
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app.py").write_text(f"import hashlib\n\n\ndef handler(email, password, url):\n    {line}\n")
    diff = GitService.open(repo).phase_diff(base)
    findings = [Finding(**f.to_json()) for f in scan_added_lines(diff)]
    blockers = blockers_from(ReviewFacts(diff=diff, findings=findings))
    assert any(rule in b.message and "app.py:5" in b.message and "blocked by the rule" in b.message for b in blockers), blockers
    # The same line with the scan's own ignore mark is not flagged: the user's escape hatch is explicit.
    assert not scan_added_lines(diff.replace(line, line + "  # phasegate: ignore"))


# Rules about the code the model writes that no scan can decide (transactions, status codes, …): the
# prompt states them. Each entry: the prompt it lives in, and a pattern of our own wording.
PROMPT_RULES: dict[str, tuple[str, str]] = {
    "schema_first": ("system", r"Schema and contracts first"),
    "security_by_default": ("system", r"Validate and sanitise every input"),
    "transactions": ("system", r"runs in one database transaction"),
    "performance": ("research", r"slow queries and missing indexes"),
    "research_audit": ("research", r"the database: the files that define tables \(ORM models, schema files\), the migrations"),
    "dependency_check": ("research", r"dependencies and frameworks already available"),
    "security_review_in_research": ("research", r"authentication and authorisation as they exist today"),
    "backward_compatibility": ("system", r"Do not break an existing contract"),
    "no_hardcoded_secrets": ("system", r"come from the environment"),
    "error_handling": ("system", r"Every failure path returns a proper status code"),
    "no_raw_db_errors": ("system", r"never leak raw database errors"),
    "parameterised_queries": ("system", r"Parameterised queries only"),
    "authn_authz": ("system", r"check authentication\s+and authorisation"),
    "tests_without_external_services": ("system", r"using no external services"),
    "edge_cases": ("system", r"error paths and the edge cases"),
    "run_tests_before_reporting": ("system", r"run them before you report"),
    "house_style": ("system", r"Follow the house style"),
    "pause_on_failure": ("system", r"stop, explain what happened, propose concrete options, and wait"),
    "research_only": ("research", r"Do \*\*not\*\* write a plan, steps, or code at this stage"),
    "rollback_in_plan": ("planning", r"include a \*\*rollback\*\* task"),
    "dependency_order": ("planning", r"schema before the code"),
    "one_phase_only": ("executing", r"this phase only"),
    "halt_after_migration": ("executing", r"your turn ends right after it runs"),
    "final_review_checks": ("final_review", r"migrations reversible, indexes"),
}


@pytest.mark.parametrize("rule", sorted(PROMPT_RULES))
def test_the_prompt_states_the_rule(rule: str) -> None:
    name, pattern = PROMPT_RULES[rule]
    stage = {"system": "research", "research": "research", "planning": "planning", "executing": "executing",
             "final_review": "final_review"}[name]
    text = prompts.system_prompt(stage)  # exactly what the model receives in that stage
    assert re.search(pattern, text), f"{rule}: /{pattern}/ not in the {stage} system prompt"
