"""The agent loop through the controller: models without tool calling, headless planning, limits."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from phasegate.app.agent.loop import TRIMMED, research_from_text, trim_to_budget
from phasegate.app.agent.tools import CommandDecision
from phasegate.app.cli.main import main
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.session.controller import Controller
from phasegate.phases.models import Stage
from phasegate.phases.plan_markdown import parse_plan
from tests.support.repos import git

PROSE_RESEARCH = """## ✅ Technical Understanding
- Express app with routes in `src/routes.js`
- Prisma schema in `prisma/schema.prisma`

## ⚠️ Technical Assumptions
- PostgreSQL in production

## ❓ Architectural Questions
- Which roles exist?

## 🔍 Risk Assessment
- Admin routes are unauthenticated
"""

PROSE_PLAN = """Here is the plan.

```markdown
# Backend Architecture Plan

## 🗄️ Database Phase
- [ ] **Schema Design**: users table
- [ ] **Verification**: run the migration on a scratch database

## 📡 API Phase
- [ ] **Contract Definition**: POST /users
```

Should I proceed with the database phase first, or would you like changes to the plan?"""


async def refuse(request) -> CommandDecision:  # noqa: ANN001
    return CommandDecision(approved=False)


def controller_for(repo: Path, server: ScriptedServer, **settings_overrides) -> Controller:
    overrides = {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted", "max_retries": 0}
    overrides.update(settings_overrides)
    settings = load_settings(repo, overrides).settings
    return Controller.open(repo, settings, approver=refuse, task="Add users", resume=False)


async def test_model_without_tool_calling_still_gets_through_the_gates(repo: Path) -> None:
    script = [Turn(match="Stage: research", text=PROSE_RESEARCH), Turn(match="Stage: planning", text=PROSE_PLAN)]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server)
        result = await c.start()
        assert result is not None and result.reason == "submitted"
        report = c.session.research
        assert report is not None and report.raw_text == PROSE_RESEARCH.strip()
        assert [f.text for f in report.questions] == ["Which roles exist?"]
        assert report.understanding[1].evidence == "prisma/schema.prisma"
        await c.approve()
        assert c.session.stage == Stage.PLAN_REVIEW
        assert c.session.plan is not None and c.session.plan.slugs == ["database", "api"]
        c.close()


async def test_prose_reply_that_is_just_chat_does_not_become_a_report(repo: Path) -> None:
    nonsense = "the the the report report " * 60  # long, as a small model's loop is: length is no report
    script = [Turn(match="Stage: research", text="Let me look around first."),
              Turn(match="The reply is not a research report", text=nonsense),
              Turn(match="The user adds: look at the README", text=PROSE_RESEARCH)]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server)
        result = await c.start()
        assert result.reason == "not_a_report" and c.session.research is None
        assert result.message == (
            "The reply is not a research report: it has no Understanding, Assumptions, Questions, Risks section."
        )
        gate = c.gate()
        assert gate.label == "Approve the reply anyway as the research report"
        assert gate.allowed == {"approve", "request_changes"}
        # Request changes asks again, and the model is told what was missing.
        result = await c.request_changes("")
        assert result.reason == "not_a_report" and c.session.research is None
        told = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"][-1]
        assert told.startswith("[phasegate] The reply is not a research report: it has no Understanding")
        # Asking again with the user's words: the model's proper report is accepted.
        result = await c.request_changes("look at the README")
        assert result.reason == "submitted" and c.session.research is not None
        assert c.session.unreadable_reply is None
        assert c.gate().label == "Approve research → write the plan"
        c.close()


async def test_a_reply_that_is_not_a_report_is_approved_only_explicitly(repo: Path) -> None:
    reply = "## Understanding\n- notes live in one table\n\n## Risks\n- no auth\n"
    script = [Turn(match="Stage: research", text=reply), Turn(match="Stage: planning", text=PROSE_PLAN)]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server)
        result = await c.start()
        assert result.message == "The reply is not a research report: it has no Assumptions, Questions section."
        assert c.session.unreadable_reply is not None and c.session.unreadable_reply.missing == ["assumptions", "questions"]
        await c.approve()  # "approve anyway": the reply becomes the report as it is, then the plan is written
        assert c.session.research is not None and c.session.research.raw_text == reply.strip()
        assert [f.text for f in c.session.research.risks] == ["no auth"]
        assert c.session.stage == Stage.PLAN_REVIEW
        c.close()


BROKEN_PLAN = """Here is the plan.

## 🗄️ Database Phase
- [ ] **Schema Design**: users table
Then we will also want an index.
- [ ] **Verification**: run the migration

Shall I go on?"""


async def test_a_plan_reply_that_does_not_parse_is_shown_with_its_line_and_nothing_is_approved(repo: Path) -> None:
    script = [Turn(match="Stage: research", text=PROSE_RESEARCH),
              Turn(match="Stage: planning", text=BROKEN_PLAN),
              Turn(match="The plan in the reply could not be read: line 5", text=PROSE_PLAN)]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server)
        await c.start()
        result = await c.approve()
        assert result.reason == "not_a_report"
        assert result.message == (
            "The plan in the reply could not be read: line 5: expected a task '- [ ] **Title**: detail' or a "
            "'## <Name> Phase' heading, got 'Then we will also want an index.'."
        )
        assert c.session.stage == Stage.PLANNING and c.session.plan is None
        assert c.session.unreadable_reply is not None and c.session.unreadable_reply.line == 5
        gate = c.gate()
        assert gate.label == "Ask the model for the plan again" and "request_changes" in gate.allowed
        result = await c.approve()  # ask again: the model is told the line at fault, and its next plan parses
        assert result.reason == "submitted" and c.session.stage == Stage.PLAN_REVIEW
        assert c.session.plan is not None and c.session.plan.slugs == ["database", "api"]
        c.close()


async def test_tool_loop_that_never_ends_stops_at_the_step_limit(repo: Path) -> None:
    script = [Turn(tool_calls=[ToolCall("list_files", {"path": "."})], repeat=True)]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server, step_limit=4)
        result = await c.start()
        assert result.reason == "step_limit" and "4 steps" in result.message
        assert len(server.requests) == 4
        c.close()


async def test_cancel_stops_a_streaming_turn_and_keeps_what_arrived(repo: Path) -> None:
    script = [Turn(match="Stage: research", text="word " * 400, chunk_chars=5)]
    with ScriptedServer(script, pace_s=0.01) as server:
        c = controller_for(repo, server)
        task = asyncio.create_task(c.start())
        for _ in range(200):
            await asyncio.sleep(0.02)
            if c.busy and server.requests:
                break
        await asyncio.sleep(0.2)
        assert c.cancel()
        result = await task
        assert result.reason == "cancelled" and not c.busy
        kept = [m for m in c.conversation if m["role"] == "assistant"]
        assert kept and kept[-1]["content"].endswith("[cancelled by the user]")
        assert server.disconnected.wait(5)
        c.close()


async def test_invalid_plan_three_times_reaches_the_user(repo: Path) -> None:
    research = {"understanding": ["x"], "assumptions": [], "questions": [], "risks": []}
    script = [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", research)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", {"phases": [{"slug": "database"}]})], repeat=True),
    ]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server)
        await c.start()
        result = await c.approve()
        assert result.reason == "invalid"
        assert "could not produce a valid submission after 3 tries" in result.message
        assert c.session.stage == Stage.PLANNING
        feedback = [m["content"] for m in c.conversation if m["role"] == "tool"]
        assert sum("submit_plan was not accepted" in f for f in feedback) == 3
        assert any("phases.0.title" in f for f in feedback)
        c.close()


def test_env_values_and_the_key_never_reach_the_model(repo: Path) -> None:
    (repo / ".env").write_text("DATABASE_URL=postgres://app:hunter2-very-secret@db/app\nJWT_SECRET=s3cr3t-jwt-value-xyz\n")
    git(repo, "add", "-f", ".env")
    git(repo, "commit", "-qm", "oops, committed .env")
    script = [
        Turn(match="Stage: research", tool_calls=[ToolCall("read_file", {"path": ".env"}), ToolCall("search_code", {"pattern": "secret"})]),
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", {"understanding": ["x"], "assumptions": [], "questions": [], "risks": []})]),
    ]
    with ScriptedServer(script) as server:
        c = controller_for(repo, server, api_key="sk-live-abcdef1234567890")
        asyncio.run(c.start())
        c.close()
    sent = json.dumps(server.requests) + json.dumps(server.request_headers)
    assert "hunter2-very-secret" not in sent and "s3cr3t-jwt-value-xyz" not in sent
    assert "sk-live-abcdef1234567890" not in json.dumps(server.requests)
    assert "DATABASE_URL=<redacted>" in sent


def test_plan_headless_prints_a_plan_that_parses_back(repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    script = [Turn(match="Stage: research", text=PROSE_RESEARCH), Turn(match="Stage: planning", text=PROSE_PLAN)]
    with ScriptedServer(script) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        before = git(repo, "status", "--porcelain")
        assert main(["plan", "--headless", "Add users", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "# Research Report" in out
    plan = parse_plan(out.split("# Research Report", 1)[1])
    assert plan.slugs == ["database", "api"]
    assert git(repo, "status", "--porcelain") == before  # nothing written to the working tree
    assert main(["status", "--json", "--repo", str(repo)]) == 0
    assert json.loads(capsys.readouterr().out)["stage"] == "plan_review"


def test_plan_headless_without_a_valid_plan_exits_1_with_one_line(repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    script = [Turn(match="Stage: research", text=PROSE_RESEARCH), Turn(match="Stage: planning", text="I'd rather not.", repeat=True)]
    with ScriptedServer(script) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert main(["plan", "--headless", "Add users", "--repo", str(repo)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("phasegate: error: The model could not produce a valid plan")


def test_context_is_trimmed_oldest_tool_output_first() -> None:
    conversation = [{"role": "user", "content": "task"}]
    for i in range(20):
        conversation.append({"role": "assistant", "content": None, "tool_calls": [{"id": f"c{i}", "type": "function", "function": {"name": "read_file", "arguments": "{}"}}]})
        conversation.append({"role": "tool", "tool_call_id": f"c{i}", "content": "x" * 4000})
    trimmed = trim_to_budget(conversation, budget=8000)
    assert [m["role"] for m in trimmed] == [m["role"] for m in conversation]  # pairing kept
    assert trimmed[2]["content"] == TRIMMED and trimmed[-1]["content"] == "x" * 4000
    assert sum(len(m.get("content") or "") for m in trimmed) // 4 <= 8000


def test_research_from_text_without_headings() -> None:
    report = research_from_text("Everything is in one paragraph about the app.")
    assert report.understanding[0].text.startswith("Everything is in one paragraph")
