"""The conversation sent to the model stays well-formed whatever interrupted the last turn.

OpenAI-compatible servers reject (HTTP 400) an assistant message whose ``tool_calls`` are not each
answered by a ``tool`` message. A turn cancelled while a tool waited for the user's approval, or a
process killed in the middle of a batch of calls, leaves exactly that in the transcript; the next
request must still be accepted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.session.controller import Controller
from tests.flows.reliability.rel_support import (
    API_KEY,
    Approvals,
    open_controller,
    settings_for,
    submit_research,
    to_executing,
)


def unanswered_tool_calls(messages: list[dict]) -> list[str]:
    """Ids of tool calls not answered by a tool message before the next assistant/user message."""
    missing: list[str] = []
    pending: list[str] = []
    for message in messages:
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") in pending:
                pending.remove(message["tool_call_id"])
            continue
        missing += pending
        pending = [c["id"] for c in message.get("tool_calls") or ()] if role == "assistant" else []
    return missing + pending


async def test_cancel_while_a_command_waits_for_approval_keeps_the_next_request_valid(repo: Path) -> None:
    waiting = asyncio.Event()

    async def never_answers(request: CommandRequest) -> CommandDecision:
        waiting.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    turns = [
        Turn(match="Current phase: database", tool_calls=[
            ToolCall("run_command", {"command": "echo hi", "reason": "check"}),
            ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE t (id INT);\n"}),
        ]),
        submit_research(),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", {"phases": [
            {"slug": "database", "title": "Database", "tasks": [{"title": "Schema", "detail": "t"}]}]})]),
        Turn(text="Understood, continuing.", repeat=True),
    ]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, Approvals())
        c.tools.approve = never_answers
        await to_executing(c)
        turn = asyncio.create_task(c.run_turn("database"))
        await asyncio.wait_for(waiting.wait(), 10)
        assert c.cancel()
        result = await turn
        assert result.reason == "cancelled" and not c.busy
        assert not (repo / "schema.sql").exists()  # the call after the cancelled one never ran
        before = len(server.requests)
        result = await c.run_turn("database")
        assert result.reason == "finished"
        sent = server.requests[before]["messages"]
        assert unanswered_tool_calls(sent) == [], sent
        c.close()


async def test_a_transcript_cut_between_a_tool_call_and_its_result_resumes_cleanly(repo: Path) -> None:
    """What a kill between the assistant message and its tool results leaves on disk."""
    with ScriptedServer([Turn(text="Carrying on.", repeat=True)]) as server:
        c = open_controller(repo, server.base_url)
        await c.append_message({"role": "user", "content": "Task: Add users"})
        await c.append_message({"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "list_files", "arguments": "{}"}}]})
        c.close()
        settings = settings_for(repo, server.base_url)
        resumed = Controller.open(repo, settings, approver=Approvals(), resume=True)
        await resumed.run_turn()
        assert unanswered_tool_calls(server.requests[-1]["messages"]) == []
        assert API_KEY not in str(server.requests)
        resumed.close()
