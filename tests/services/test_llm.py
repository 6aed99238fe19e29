"""The LLM client, driven through the real ``openai`` SDK against the real scripted server.

Each injected fault is checked for what the user would see: Retrying events and then the reply, or
one clear LLMError (with what arrived kept when the stream was cut).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from phasegate.app.agent.llm import (
    Finished,
    LLMClient,
    LLMError,
    LLMEvent,
    Progress,
    Retrying,
    TextDelta,
    ToolCallRequest,
    Usage,
    _retry_after,
    cost,
)
from phasegate.app.config import Settings
from phasegate.app.demo.scripted_server import Fault, ScriptedServer, ToolCall, Turn

SECRET = "sk-test-secret-value-0123456789"
MESSAGES = [{"role": "system", "content": "Stage: research"}, {"role": "user", "content": "add users"}]
TOOLS = [{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


def make_client(srv: ScriptedServer, **overrides: Any) -> LLMClient:
    values: dict[str, Any] = {"base_url": srv.base_url, "model": "scripted-model", "api_key": SECRET,
                              "timeout_s": 5.0, "max_retries": 2, "max_tokens": 256, "temperature": 0.0}
    values.update(overrides)
    return LLMClient(Settings(**values), backoff_s=0.01)


async def collect(client: LLMClient, messages: list[dict[str, Any]] = MESSAGES,
                  tools: list[dict[str, Any]] | None = None) -> list[LLMEvent]:
    try:
        async with contextlib.aclosing(client.stream(messages, tools)) as events:
            # Progress events come by the clock (every PROGRESS_INTERVAL_S): tests of them are below.
            return [event async for event in events if not isinstance(event, Progress)]
    finally:
        await client.aclose()


async def failure(client: LLMClient) -> tuple[LLMError, list[LLMEvent]]:
    seen: list[LLMEvent] = []
    try:
        async with contextlib.aclosing(client.stream(MESSAGES, None)) as events:
            async for event in events:
                if not isinstance(event, Progress):
                    seen.append(event)
    except LLMError as exc:
        return exc, seen
    finally:
        await client.aclose()
    raise AssertionError(f"no LLMError; events were {seen}")


def text_of(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_streams_text_then_usage_then_finished(server: ScriptedServer) -> None:
    server.script = [Turn(text="Schema first, then the API.", chunk_chars=4, usage=(40, 9))]
    events = await collect(make_client(server))
    assert len([e for e in events if isinstance(e, TextDelta)]) == 7  # really streamed, not one blob
    assert text_of(events) == "Schema first, then the API."
    assert events[-2:] == [Usage(40, 9), Finished("stop")]


async def test_tool_calls_are_assembled_across_chunks(server: ScriptedServer) -> None:
    server.script = [Turn(text="Let me look.", chunk_chars=3, tool_calls=[
        ToolCall("read_file", {"path": "prisma/schema.prisma", "start": 1, "end": 80}),
        ToolCall("search_code", "{not valid json"),
    ])]
    events = await collect(make_client(server), tools=TOOLS)
    calls = [e for e in events if isinstance(e, ToolCallRequest)]
    assert [(c.name, c.arguments) for c in calls] == [
        ("read_file", '{"path": "prisma/schema.prisma", "start": 1, "end": 80}'),
        ("search_code", "{not valid json"),  # passed on verbatim: the agent reports it to the model
    ]
    assert calls[0].id != calls[1].id and all(c.id for c in calls)
    assert isinstance(events[-1], Finished) and events[-1].reason == "tool_calls"
    # Tool calls come after all the text.
    assert events.index(calls[0]) > max(i for i, e in enumerate(events) if isinstance(e, TextDelta))


async def test_request_carries_model_messages_tools_and_options(server: ScriptedServer) -> None:
    server.script = [Turn(text="ok")]
    await collect(make_client(server, model="my-model", max_tokens=123, temperature=0.5), tools=TOOLS)
    body = server.requests[0]
    assert body["model"] == "my-model" and body["messages"] == MESSAGES and body["tools"] == TOOLS
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["max_tokens"], body["temperature"]) == (123, 0.5)
    assert server.request_headers[0]["authorization"] == f"Bearer {SECRET}"


async def test_optional_parameters_are_omitted_when_unset(server: ScriptedServer) -> None:
    server.script = [Turn(text="ok")]
    await collect(make_client(server, max_tokens=None, temperature=None))
    assert "max_tokens" not in server.requests[0] and "temperature" not in server.requests[0]
    assert "tools" not in server.requests[0]


async def test_server_rejecting_stream_options_is_asked_again_without(server: ScriptedServer) -> None:
    server.script = [Turn(text="no usage here", fault=Fault(status=400, message="unknown field stream_options"))]
    events = await collect(make_client(server, max_retries=0))
    assert text_of(events) == "no usage here" and events[-1] == Finished("stop")
    # The server never sent usage: phasegate's own count stands in, marked as an estimate.
    usage = [e for e in events if isinstance(e, Usage)]
    assert len(usage) == 1 and usage[0].estimated and usage[0].completion_tokens == round(len("no usage here") / 4)
    assert "stream_options" in server.requests[0] and "stream_options" not in server.requests[1]


async def test_rate_limit_is_retried_after_retry_after(server: ScriptedServer) -> None:
    server.script = [Turn(text="made it", fault=Fault(status=429, retry_after=0.05))]
    client = make_client(server)
    client.backoff_s = 30.0  # would be used only if Retry-After were ignored
    events: list[LLMEvent] = []
    async with contextlib.aclosing(client.stream(MESSAGES)) as stream:
        async for event in stream:
            if isinstance(event, Retrying):
                assert event == Retrying(1, 0.05, "rate limited (429)")
                assert event.describe() == "rate limited (429), retrying in 0.05 s (retry 1)"
            events.append(event)
    await client.aclose()
    assert isinstance(events[0], Retrying) and text_of(events) == "made it"
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_with_backoff(server: ScriptedServer, status: int) -> None:
    server.script = [Turn(text="recovered", fault=Fault(status=status, times=2))]
    events = await collect(make_client(server, max_retries=2))
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [(r.attempt, r.wait_s) for r in retries] == [(1, 0.01), (2, 0.02)]
    assert retries[0].reason == f"server error ({status})"
    assert text_of(events) == "recovered"


async def test_persistent_server_error_gives_up_with_one_clear_error(server: ScriptedServer) -> None:
    server.script = [Turn(text="never", fault=Fault(status=503, times=10))]
    error, events = await failure(make_client(server, max_retries=2))
    assert len([e for e in events if isinstance(e, Retrying)]) == 2 and len(server.requests) == 3
    assert error.kind == "server" and error.retryable and not error.interrupted
    assert str(error) == f"the server at {server.base_url} failed with HTTP 503 (after 2 retries)"


async def test_rate_limit_without_retries_left(server: ScriptedServer) -> None:
    server.script = [Turn(text="never", fault=Fault(status=429, retry_after=0))]
    error, events = await failure(make_client(server, max_retries=0))
    assert events == [] and error.kind == "rate_limit" and error.status == 429 and error.retryable
    assert "rate limited" in str(error) and "\n" not in str(error)


async def test_unauthorised_is_not_retried_and_names_the_key(server: ScriptedServer) -> None:
    server.script = [Turn(text="x", fault=Fault(status=401))]
    error, events = await failure(make_client(server))
    assert events == [] and len(server.requests) == 1
    assert error.kind == "auth" and not error.retryable and "API key" in str(error)
    assert SECRET not in str(error)


async def test_unknown_model_is_one_clear_sentence(server: ScriptedServer) -> None:
    server.models = ["other-model"]
    server.reject_unknown_models = True
    error, _ = await failure(make_client(server, model="no-such-model"))
    assert error.kind == "model" and error.status == 404
    assert "does not know the model 'no-such-model'" in str(error)


async def test_server_message_echoing_the_key_is_redacted(server: ScriptedServer) -> None:
    server.script = [Turn(text="x", fault=Fault(status=400, message=f"invalid key {SECRET} for this org"))]
    error, _ = await failure(make_client(server))
    assert error.kind == "bad_request" and SECRET not in str(error) and "invalid key *** for" in str(error)


async def test_timeout_is_retried_and_the_reply_arrives(server: ScriptedServer) -> None:
    server.script = [Turn(text="sorry for the wait", fault=Fault(delay_s=3.0))]
    events = await collect(make_client(server, timeout_s=0.2))
    assert events[0] == Retrying(1, 0.01, "timeout")
    assert text_of(events) == "sorry for the wait"


async def test_timeout_without_retries_is_a_clear_error(server: ScriptedServer) -> None:
    server.script = [Turn(text="too late", fault=Fault(delay_s=3.0))]
    error, _ = await failure(make_client(server, timeout_s=0.2, max_retries=0))
    assert error.kind == "timeout" and error.retryable and str(error).endswith("within 0.2 s (timeout)")


async def test_stream_cut_mid_text_keeps_what_arrived(server: ScriptedServer) -> None:
    server.script = [Turn(text="The users table needs an email index.", chunk_chars=5,
                          fault=Fault(cut_after_chars=13))]
    error, events = await failure(make_client(server))
    assert text_of(events) == "The users tab"  # shown live before the cut
    assert error.interrupted and error.retryable and error.kind == "interrupted"
    assert error.partial_text == "The users tab" and error.tool_calls == []
    assert "dropped in the middle of the reply" in str(error)
    assert len(server.requests) == 1  # text was already shown: no silent retry that would repeat it


async def test_stream_cut_mid_second_tool_call_keeps_the_complete_first(server: ScriptedServer) -> None:
    first = ToolCall("read_file", {"path": "a.py"})
    server.script = [Turn(text="Reading.", tool_calls=[first, ToolCall("read_file", {"path": "b.py"})],
                          fault=Fault(cut_after_chars=len("Reading.") + len(first.arguments_text()) + 4))]
    error, _ = await failure(make_client(server))
    assert error.interrupted and error.partial_text == "Reading."
    assert [(c.name, c.arguments) for c in error.tool_calls] == [("read_file", '{"path": "a.py"}')]


async def test_stream_cut_before_anything_was_shown_is_retried(server: ScriptedServer) -> None:
    server.script = [Turn(tool_calls=[ToolCall("list_files", {"path": "src"})], fault=Fault(cut_after_chars=6))]
    events = await collect(make_client(server))
    assert events[0] == Retrying(1, 0.01, "connection dropped")
    calls = [e for e in events if isinstance(e, ToolCallRequest)]
    assert [(c.name, c.arguments) for c in calls] == [("list_files", '{"path": "src"}')]


async def test_malformed_sse_is_a_clear_error(server: ScriptedServer) -> None:
    server.script = [Turn(text="x", fault=Fault(malformed_sse=True))]
    error, _ = await failure(make_client(server))
    assert error.kind == "malformed" and "malformed stream" in str(error) and error.retryable


async def test_connection_refused() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LLMClient(Settings(base_url=f"http://127.0.0.1:{port}/v1", max_retries=2), backoff_s=0.01)
    error, events = await failure(client)
    assert events == []  # refused is not worth retrying: say so at once
    assert error.kind == "refused"
    assert str(error) == f"could not connect to http://127.0.0.1:{port}/v1: connection refused (is the server running?)"


async def test_bad_host_is_recognised_from_the_resolver_error() -> None:
    # DNS is outside the machine, so the resolver's failure is constructed rather than provoked.
    import httpx2
    import openai

    client = LLMClient(Settings(base_url="http://no-such-host.invalid/v1"))
    exc = openai.APIConnectionError(request=httpx2.Request("POST", "http://no-such-host.invalid/v1"))
    exc.__cause__ = httpx2.ConnectError("[Errno -2] Name or service not known")
    exc.__cause__.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert client._classify(exc, attempts=0).kind == "host"


async def test_missing_key_for_openai_is_a_clear_error_before_any_request() -> None:
    error, _ = await failure(LLMClient(Settings()))
    assert error.kind == "config" and "OPENAI_API_KEY" in str(error)


async def test_local_server_needs_no_key(server: ScriptedServer) -> None:
    server.script = [Turn(text="hello")]
    events = await collect(make_client(server, api_key=None))
    assert text_of(events) == "hello"


async def test_cancellation_closes_the_http_stream_promptly(server: ScriptedServer) -> None:
    server.pace_s = 0.02
    server.script = [Turn(text="x" * 5000, chunk_chars=5)]  # would take 20 s to stream in full
    client = make_client(server)
    first = asyncio.Event()

    async def consume() -> None:
        async for event in client.stream(MESSAGES):
            if isinstance(event, TextDelta):
                first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The server notices the closed connection on its next write.
    assert await asyncio.to_thread(server.disconnected.wait, 5.0)
    await client.aclose()


async def test_consumer_stopping_early_closes_the_stream(server: ScriptedServer) -> None:
    server.pace_s = 0.02
    server.script = [Turn(text="y" * 5000, chunk_chars=5)]
    client = make_client(server)
    async with contextlib.aclosing(client.stream(MESSAGES)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                break
    assert await asyncio.to_thread(server.disconnected.wait, 5.0)
    await client.aclose()


async def test_list_models(server: ScriptedServer) -> None:
    server.models = ["alpha", "beta"]
    client = make_client(server)
    assert await client.list_models() == ["alpha", "beta"]
    await client.aclose()


def test_cost_uses_prices_per_million_tokens() -> None:
    settings = Settings(price_input_per_mtok=0.15, price_output_per_mtok=0.60)
    assert cost(Usage(1_000_000, 500_000), settings) == pytest.approx(0.45)
    assert cost(Usage(10, 10), Settings()) == 0.0


def test_retry_after_header_forms() -> None:
    assert _retry_after({"retry-after-ms": "250"}) == 0.25
    assert _retry_after({"retry-after": "3"}) == 3.0
    assert _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # a date in the past
    assert _retry_after({"retry-after": "soon"}) is None
    assert _retry_after({}) is None


def test_client_repr_and_error_hide_the_key() -> None:
    client = LLMClient(Settings(api_key=SECRET, base_url="http://127.0.0.1:1/v1"))
    assert SECRET not in repr(client)


def test_importing_the_client_does_not_import_openai() -> None:
    code = "import sys, phasegate.app.agent.llm, phasegate.app.config; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


async def test_a_streaming_reply_reports_progress_a_few_times_a_second_not_per_chunk() -> None:
    text = "word " * 400  # 2,000 characters in 400 chunks of 5, one every 5 ms: about 2 s of streaming
    with ScriptedServer([Turn(text=text, chunk_chars=5)], pace_s=0.005) as srv:
        client = make_client(srv)
        try:
            async with contextlib.aclosing(client.stream(MESSAGES, None)) as stream:
                events = [event async for event in stream]
        finally:
            await client.aclose()
    progress = [e for e in events if isinstance(e, Progress)]
    chunks = sum(isinstance(e, TextDelta) for e in events)
    assert chunks == 400 and 2 <= len(progress) <= chunks / 10  # throttled by time, not one per token
    assert [p.chars for p in progress] == sorted(p.chars for p in progress)
    final = progress[-1]  # the last one comes when the reply is complete
    assert final.chars == len(text) and final.tokens == 500
    assert final.first_text_s is not None and final.tokens_per_s is not None and final.tokens_per_s > 0
    assert final.elapsed_s >= 2.0 * 0.9


async def test_a_server_without_usage_gets_an_estimate_of_prompt_and_reply() -> None:
    with ScriptedServer([Turn(text="x" * 400, tool_calls=[ToolCall("list_files", {"path": "src"})])],
                        report_usage=False) as srv:
        events = await collect(make_client(srv), tools=[{"type": "function", "function": {"name": "list_files"}}])
    [usage] = [e for e in events if isinstance(e, Usage)]
    arguments = len(json.dumps({"path": "src"}))
    assert usage.estimated and usage.completion_tokens == round((400 + arguments + len("list_files")) / 4)
    assert usage.prompt_tokens > sum(len(m["content"]) for m in MESSAGES) / 4


async def test_a_server_that_reports_usage_is_believed() -> None:
    with ScriptedServer([Turn(text="hello", usage=(123, 45))]) as srv:
        events = await collect(make_client(srv))
    assert [e for e in events if isinstance(e, Usage)] == [Usage(123, 45, estimated=False)]
