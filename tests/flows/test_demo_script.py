"""The bundled demo session: it matches the real prompts, validates, and really works on the sample.

The replay runs every tool call of the script, phase by phase, through the real ``ToolRunner`` on a
git copy of the sample: edits must match exactly once, the migration must apply, the sample's tests
must pass. The conversation test walks the script through the real scripted server and ``openai``
client with the real stage prompts, the way the agent loop asks.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openai import OpenAI

from phasegate import prompts
from phasegate.app.agent.submissions import validate_submission
from phasegate.app.agent.tools import TOOL_SPECS, CommandDecision, CommandRequest, ToolConfig, ToolRunner
from phasegate.app.agent.workspace import Workspace
from phasegate.app.analyzers.openapi import contract_findings, diff_contracts, parse_spec_text, version_bumped
from phasegate.app.analyzers.security import scan_added_lines
from phasegate.app.demo.script import (
    DEMO_TASK,
    FINAL_REVIEW,
    PHASE_SLUGS,
    PLAN,
    RESEARCH,
    build_demo_script,
    executing,
    sample_root,
)
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.phases.models import PhaseReport, Plan, ResearchReport, Stage, TaskKind
from phasegate.phases.tool_policy import tools_for
from tests.flows.test_demo_sample import copy_sample
from tests.support.repos import git

SUBMISSIONS = {"submit_research", "submit_plan", "complete_phase"}


def phase_turns(script: list[Turn], slug: str) -> list[Turn]:
    return [t for t in script if t.match == executing(slug)]


def calls(turns: list[Turn]) -> Iterator[ToolCall]:
    for turn in turns:
        yield from turn.tool_calls


def args(call: ToolCall) -> dict:
    assert isinstance(call.arguments, dict)
    return call.arguments


# -- the script on its own ----------------------------------------------------------------------------


def test_markers_match_the_real_stage_prompts():
    script = build_demo_script()
    facts = {"task": DEMO_TASK, "phase_title": "x", "plan_markdown": "x"}
    research = prompts.system_prompt("research", **facts)
    assert any(t.match == RESEARCH for t in script)
    assert re.search(RESEARCH, research, re.M)
    for slug in PHASE_SLUGS:
        doing = prompts.system_prompt("executing", phase_slug=slug, **facts)
        revising = prompts.system_prompt("executing", revising=True, phase_slug=slug, **facts)
        reviewing = prompts.system_prompt("phase_review", phase_slug=slug, **facts)
        assert re.search(executing(slug), doing, re.M)
        assert not re.search(executing(slug), revising, re.M)
        assert not re.search(executing(slug), reviewing, re.M)
        others = [s for s in PHASE_SLUGS if s != slug]
        assert not any(re.search(executing(o), doing, re.M) for o in others)
    assert re.search(FINAL_REVIEW, prompts.system_prompt("final_review", **facts), re.M)


def test_every_call_is_a_known_tool_allowed_in_its_stage():
    script = build_demo_script()
    stage_of = {RESEARCH: Stage.RESEARCH, **{executing(s): Stage.EXECUTING for s in PHASE_SLUGS}}
    for turn in script:
        stage = stage_of.get(turn.match or "")
        for call in turn.tool_calls:
            assert call.name in TOOL_SPECS or call.name in {"mark_task_done", *SUBMISSIONS}, call.name
            if stage is not None:
                assert call.name in tools_for(stage), f"{call.name} is not offered during {stage}"
        # A submission ends the model's turn: nothing may follow it in the same reply.
        names = [c.name for c in turn.tool_calls]
        for name in SUBMISSIONS & set(names):
            assert names.index(name) == len(names) - 1, names


def test_research_report_validates_and_its_evidence_exists():
    research = [t for t in build_demo_script() if t.match == RESEARCH and not t.repeat]
    submissions = [c for c in calls(research) if c.name == "submit_research"]
    assert len(submissions) == 1 and research[-1].tool_calls[-1] is submissions[0]
    report = validate_submission("submit_research", args(submissions[0]))
    assert isinstance(report, ResearchReport)
    assert report.understanding and report.assumptions and report.questions and report.risks
    sample = Path(str(sample_root()))
    evidence = [f.evidence for f in report.understanding + report.assumptions + report.risks if f.evidence]
    assert len(evidence) >= 10
    for path in evidence:
        assert (sample / path).exists(), f"research cites {path}, which the sample does not have"
    read = {args(c)["path"] for c in calls(research) if c.name == "read_file"}
    assert {"migrations/0001_init.sql", "taskboard/routes.py", "taskboard/db.py", "openapi.yaml"} <= read


def test_plan_has_six_phases_each_verified_and_reversible():
    plan = validate_submission("submit_plan", PLAN)
    assert isinstance(plan, Plan)
    assert plan.slugs == list(PHASE_SLUGS)
    for phase in plan.phases:
        kinds = {task.kind for task in phase.tasks}
        assert TaskKind.VERIFICATION in kinds, phase.slug
        assert TaskKind.ROLLBACK in kinds, phase.slug


def test_each_phase_ticks_its_own_tasks_and_ends_with_a_valid_report():
    script = build_demo_script()
    plan = Plan.model_validate(PLAN)
    for slug in PHASE_SLUGS:
        turns = phase_turns(script, slug)
        marked = [args(c)["task_id"] for c in calls(turns) if c.name == "mark_task_done"]
        assert sorted(marked) == sorted(t.id for t in plan.phase(slug).tasks), slug
        completions = [c for c in calls(turns) if c.name == "complete_phase"]
        assert len(completions) == 1 and turns[-1].tool_calls[-1] is completions[0], slug
        report = validate_submission("complete_phase", args(completions[0]))
        assert isinstance(report, PhaseReport) and report.verification, slug


def test_the_migration_ends_its_turn_and_the_phase_continues_after_it():
    turns = phase_turns(build_demo_script(), "database")
    migration_turns = [t for t in turns if any(c.name == "run_command" and "migrate.py" in args(c)["command"]
                                               for c in t.tool_calls)]
    assert len(migration_turns) == 1
    migration = migration_turns[0]
    assert migration.tool_calls[-1].name == "run_command"  # nothing after it would run anyway
    assert turns.index(migration) < len(turns) - 1, "complete_phase must come in a later turn"


# -- replay against a copy of the sample --------------------------------------------------------------


@pytest.fixture
def demo_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = copy_sample(tmp_path / "taskboard")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "taskboard")
    # The script types `python …`, as a developer would: make that this interpreter (which has pytest),
    # and keep its pytest runs lean (the sample needs none of the plugins installed here).
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return repo


@pytest.mark.slow
async def test_replay_every_phase_on_the_sample(demo_repo: Path):
    asked: list[CommandRequest] = []

    async def approve(request: CommandRequest) -> CommandDecision:
        asked.append(request)
        return CommandDecision(True, typed_confirmation="migrate" if request.kind == "migration" else None)

    runner = ToolRunner(Workspace(demo_repo), ToolConfig(timeout_s=120), approve=approve)
    script = build_demo_script()

    for call in calls([t for t in script if t.match == RESEARCH and not t.repeat]):
        if call.name in TOOL_SPECS:
            result = await runner.call(call.name, args(call))
            assert result.ok, f"research {call.name}: {result.text}"

    for slug in PHASE_SLUGS:
        for turn in phase_turns(script, slug):
            for call in turn.tool_calls:
                if call.name not in TOOL_SPECS:
                    continue
                result = await runner.call(call.name, args(call))
                assert result.ok, f"{slug}: {call.name} {json.dumps(args(call))[:120]} → {result.text}"
                if call.name == "run_command" and "migrate.py" in args(call)["command"]:
                    assert result.halt_turn and "applied 0003_users" in result.text
                    with sqlite3.connect(demo_repo / "dev.db") as conn:
                        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
                        index = conn.execute("PRAGMA index_list(users)").fetchall()
                    assert any(row[1] == "idx_users_email" and row[2] == 1 for row in index)
                elif call.name == "run_command":
                    assert " passed" in result.text and "failed" not in result.text, result.text

    assert [r.kind for r in asked].count("migration") == 1
    assert [r.command for r in asked].count("python -m pytest -q") == 5  # database … testing, all green
    assert (demo_repo / "tests" / "test_auth.py").is_file() and (demo_repo / "docs" / "DEPLOY.md").is_file()
    status = git(demo_repo, "status", "--porcelain")
    assert "dev.db" not in status, "the dev database must stay git-ignored"
    assert "__pycache__" not in status

    # What the phase reviews will see: no security finding on anything the session added, and a
    # contract change that is additive for public routes and carries a version bump.
    git(demo_repo, "add", "-A")
    added = git(demo_repo, "diff", "--cached", "HEAD")
    assert [f.to_json() for f in scan_added_lines(added)] == []
    before = parse_spec_text(git(demo_repo, "show", "HEAD:openapi.yaml"))
    after = parse_spec_text((demo_repo / "openapi.yaml").read_text())
    # The one intentional break (bearerAuth on /admin/*) is seen, and with the version bumped it does not block.
    findings = contract_findings(before, after, "openapi.yaml")
    assert findings and all(f.kind == "breaking_api_change" and f.severity == "medium" for f in findings)
    assert {f.evidence.split(" ", 1)[1].split("/")[1] for f in findings} == {"admin"}
    added_paths = {c.path for c in diff_contracts(before, after) if c.kind == "path_added"}
    assert added_paths == {"/auth/signup", "/auth/login"}
    assert version_bumped(before, after)


# -- the conversation, through the real server and client --------------------------------------------


def _system(stage: str, **facts: str) -> dict:
    return {"role": "system", "content": prompts.system_prompt(stage, task=DEMO_TASK, **facts)}


def test_the_conversation_through_the_scripted_server():
    with ScriptedServer(build_demo_script()) as server:
        client = OpenAI(base_url=server.base_url, api_key="demo", max_retries=0)

        def ask(system: dict, last: dict) -> tuple[str, list[str]]:
            reply = client.chat.completions.create(model="scripted-model", messages=[system, last]).choices[0]
            names = [c.function.name for c in reply.message.tool_calls or []]
            return reply.message.content or "", names

        tool_result = {"role": "user", "content": "(tool results)"}
        research = _system("research")
        seen: list[str] = []
        for _ in range(10):
            _, names = ask(research, {"role": "user", "content": DEMO_TASK})
            seen += names
            if "submit_research" in names:
                break
        assert seen[-1] == "submit_research" and "read_file" in seen
        # Answering the research questions gets an updated report (a repeatable fallback).
        assert ask(research, {"role": "user", "content": "Admins are internal."})[1] == ["submit_research"]
        assert ask(_system("planning"), tool_result)[1] == ["submit_plan"]
        assert ask(_system("plan_review"), {"role": "user", "content": "swap two phases"})[1] == ["submit_plan"]

        for slug in PHASE_SLUGS:
            system = _system("executing", phase_slug=slug)
            names: list[str] = []
            for _ in range(10):
                _, names = ask(system, tool_result)
                if "complete_phase" in names:
                    break
            assert names[-1] == "complete_phase", slug
            # Questions during the review get prose; requested changes get a new report.
            text, review_calls = ask(_system("phase_review", phase_slug=slug), {"role": "user", "content": "why?"})
            assert text and not review_calls
            revising = {"role": "system", "content": prompts.system_prompt(
                "executing", revising=True, task=DEMO_TASK, phase_slug=slug)}
            assert ask(revising, {"role": "user", "content": "rename it"})[1] == ["complete_phase"]

        text, names = ask(_system("final_review"), tool_result)
        assert text.startswith("# Backend Implementation Review") and not names
        assert all(turn.repeat for turn in server.remaining()), "every scripted step was used"
