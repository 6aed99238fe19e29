"""Model faults through the controller: every failure of the endpoint or of the model's reply ends the
turn with one clear sentence, keeps the session and the transcript, and the turn can be retried.

Real parts: a real git repository, the real openai client, the scripted loopback server (its faults
are real HTTP behaviour: status codes, dropped connections, broken SSE, slow answers).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from phasegate.app.demo.scripted_server import Fault, ScriptedServer, ToolCall, Turn
from phasegate.phases.models import Stage
from tests.flows.reliability.rel_support import RESEARCH, Recorder, open_controller, submit_research


def assert_kept_and_clear(controller, result, recorder: Recorder) -> None:
    """The common promise: still running, one line said, the task and the session still there."""
    assert result.reason in ("error", "step_limit") and result.retryable, result
    assert result.message and "\n" not in result.message and "Traceback" not in result.message
    assert controller.busy is False
    assert controller.session.stage == Stage.RESEARCH
    records = controller.store.read_transcript(controller.session.id)
    assert any(r.get("message", {}).get("content") == "Task: Add users" for r in records)
    assert result.message in recorder.notices() or any(result.message in n for n in recorder.notices())


async def retry_succeeds(controller) -> None:
    result = await controller.run_turn()
    assert result.reason == "submitted", result
    assert controller.session.research is not None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (Fault(status=401), "401"),
        (Fault(status=404), "does not know the model"),
        (Fault(status=429, times=2), "429"),
        (Fault(status=500, times=2), "500"),
        (Fault(status=502, times=2), "502"),
        (Fault(status=503, times=2), "503"),
        (Fault(malformed_sse=True), "malformed"),
        (Fault(cut_after_chars=5, times=2), "dropped"),
    ],
    ids=["401", "404", "429-no-retry-after", "500", "502", "503", "malformed-sse", "cut-before-any-text"],
)
async def test_http_and_stream_faults_end_the_turn_clearly_and_retry_works(repo: Path, fault: Fault, says: str) -> None:
    recorder = Recorder()
    turns = [Turn(match="Stage: research", fault=fault, tool_calls=[ToolCall("submit_research", RESEARCH)])]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder, max_retries=1)
        result = await c.start()
        assert says in result.message, result.message
        assert_kept_and_clear(c, result, recorder)
        await retry_succeeds(c)
        c.close()


async def test_429_with_retry_after_is_retried_visibly_and_succeeds(repo: Path) -> None:
    recorder = Recorder()
    turns = [Turn(match="Stage: research", fault=Fault(status=429, retry_after=0.05),
                  tool_calls=[ToolCall("submit_research", RESEARCH)])]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder, max_retries=2, backoff_s=30)
        result = await c.start()  # a 30 s backoff would time the test out: the header's wait is used
        assert result.reason == "submitted"
        assert any("rate limited" in n for n in recorder.notices("warning"))
        assert len(server.requests) == 2
        c.close()


async def test_connection_refused_fails_fast_and_retry_works_once_the_server_is_up(repo: Path) -> None:
    recorder = Recorder()
    c = open_controller(repo, f"http://127.0.0.1:{closed_port()}/v1", listener=recorder)
    result = await c.start()
    assert "connection refused" in result.message
    assert_kept_and_clear(c, result, recorder)
    with ScriptedServer([submit_research()]) as server:
        c.settings = c.settings.model_copy(update={"base_url": server.base_url})
        c._llm = None  # the workbench does the same after the user fixes the URL
        await retry_succeeds(c)
    c.close()


async def test_unresolvable_host_fails_fast_with_a_hint(repo: Path) -> None:
    import time

    recorder = Recorder()
    c = open_controller(repo, "http://nonexistent.invalid/v1", listener=recorder, max_retries=3)
    started = time.monotonic()
    result = await c.start()
    assert time.monotonic() - started < 10
    assert "could not find the host" in result.message and "base URL" in result.message
    assert result.reason == "error" and "\n" not in result.message
    assert recorder.notices("error") == [result.message]
    c.close()


async def test_timeout_ends_the_turn_and_the_retry_gets_the_answer(repo: Path) -> None:
    recorder = Recorder()
    turns = [Turn(match="Stage: research", fault=Fault(delay_s=3.0), tool_calls=[ToolCall("submit_research", RESEARCH)])]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder, timeout_s=0.3)
        result = await c.start()
        assert "timeout" in result.message
        assert_kept_and_clear(c, result, recorder)
        await retry_succeeds(c)
        c.close()


async def test_stream_cut_mid_text_keeps_what_arrived(repo: Path) -> None:
    recorder = Recorder()
    text = "Looking at the repository layout and the README first. " * 3
    turns = [Turn(match="Stage: research", text=text, fault=Fault(cut_after_chars=30),
                  tool_calls=[ToolCall("submit_research", RESEARCH)])]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder, max_retries=2)
        result = await c.start()
        assert "dropped in the middle of the reply" in result.message
        assert_kept_and_clear(c, result, recorder)
        kept = [m for m in c.conversation if m["role"] == "assistant"]
        assert kept and kept[-1]["content"].startswith(text[:24]) and "[reply interrupted]" in kept[-1]["content"]
        stored = c.store.read_transcript(c.session.id)
        assert any("[reply interrupted]" in str(r.get("message", {}).get("content")) for r in stored)
        await retry_succeeds(c)
        c.close()


async def test_stream_cut_mid_tool_call_never_runs_half_a_call(repo: Path) -> None:
    recorder = Recorder()
    turns = [
        Turn(match="Stage: research", text="Writing it up.", fault=Fault(cut_after_chars=40),
             tool_calls=[ToolCall("submit_research", RESEARCH)]),
    ]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder, max_retries=2)
        result = await c.start()
        assert result.reason == "error"
        assert_kept_and_clear(c, result, recorder)
        assert c.session.research is None  # the cut submission was not applied
        assert not any(m["role"] == "tool" for m in c.conversation)
        await retry_succeeds(c)
        c.close()


async def test_malformed_tool_json_and_unknown_tool_are_refused_to_the_model(repo: Path) -> None:
    recorder = Recorder()
    turns = [
        Turn(match="Stage: research", tool_calls=[ToolCall("read_file", '{"path": '), ToolCall("no_such_tool", {})]),
        submit_research(),
    ]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url, listener=recorder)
        result = await c.start()
        assert result.reason == "submitted"  # the model saw the refusals and went on
        tool_results = [m["content"] for m in c.conversation if m["role"] == "tool"]
        assert "not a valid JSON object" in tool_results[0]
        assert "no_such_tool" in tool_results[1] and tool_results[1].startswith("Refused")
        # The refusals went back to the model in the next request.
        assert "not a valid JSON object" in str(server.requests[1]["messages"])
        c.close()


async def test_empty_reply_is_a_retryable_error(repo: Path) -> None:
    recorder = Recorder()
    with ScriptedServer([Turn(match="Stage: research", text=""), submit_research()]) as server:
        c = open_controller(repo, server.base_url, listener=recorder)
        result = await c.start()
        assert "empty reply" in result.message
        assert_kept_and_clear(c, result, recorder)
        await retry_succeeds(c)
        c.close()


async def test_endless_tool_loop_stops_at_the_step_limit(repo: Path) -> None:
    recorder = Recorder()
    loop = Turn(match="Stage: research", tool_calls=[ToolCall("list_files", {"path": "."})], repeat=True)
    with ScriptedServer([loop]) as server:
        c = open_controller(repo, server.base_url, listener=recorder, step_limit=4)
        result = await c.start()
        assert result.reason == "step_limit" and "4 steps" in result.message
        assert len(server.requests) == 4
        assert_kept_and_clear(c, result, recorder)
        server.script = [submit_research()]
        await retry_succeeds(c)
        c.close()


async def test_a_one_megabyte_reply_is_kept_whole(repo: Path) -> None:
    from phasegate.app.agent.loop import DISPLAY_CAP_CHARS, AgentText

    recorder = Recorder()
    big = ("All work and no play makes a very long reply. " * 22_000)[:1_000_000]
    with ScriptedServer([Turn(match="Stage: research", text=big, chunk_chars=64_000)]) as server:
        c = open_controller(repo, server.base_url, listener=recorder)
        result = await c.start()
        # The chat is shown the beginning (rendering 1 MB of Markdown would take minutes), and told so.
        shown = "".join(e.text for e in recorder.events if isinstance(e, AgentText))
        assert shown == big[:DISPLAY_CAP_CHARS]
        assert [n for n in recorder.notices("warning") if "longer than" in n]
        assert result.reason == "not_a_report"  # a megabyte of one sentence has none of the report's sections
        assert c.conversation[-1]["content"] == big
        assert c.session.unreadable_reply is not None and len(c.session.unreadable_reply.text) == 50_000
        stored = [r for r in c.store.read_transcript(c.session.id) if r.get("type") == "message"]
        assert stored[-1]["message"]["content"] == big
        assert c.busy is False
        c.close()


async def test_a_server_that_stalls_mid_stream_times_out_and_keeps_what_arrived(repo: Path) -> None:
    recorder = Recorder()
    text = "First words arrive, then the server goes quiet for a long time. " * 2
    with ScriptedServer([Turn(match="Stage: research", text=text, chunk_chars=40)], pace_s=2.0) as server:
        c = open_controller(repo, server.base_url, listener=recorder, timeout_s=0.4, max_retries=2)
        result = await c.start()
        assert result.reason == "error" and result.retryable and "\n" not in result.message
        assert "timeout" in result.message or "dropped" in result.message, result.message
        kept = [m for m in c.conversation if m["role"] == "assistant"]
        assert kept and kept[-1]["content"].startswith(text[:40])
        assert len(server.requests) == 1  # text was shown: no silent retry that would repeat it
        c.close()
