"""The scripted OpenAI-compatible server: wire format, matching, consumption, faults, request log.

Wire-level checks use urllib (what is actually on the socket); client-level checks use the real
``openai`` SDK, which is the client the rest of phasegate talks through.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest

from phasegate.app.demo.scripted_server import (
    NO_MATCH_TEXT,
    Fault,
    ScriptedServer,
    ToolCall,
    Turn,
    match_text,
)


def post(srv: ScriptedServer, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{srv.base_url}/chat/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def sse_payloads(raw: bytes) -> list[str]:
    return [line[len("data: "):] for line in raw.decode().split("\n") if line.startswith("data: ")]


def chat(text: str, system: str = "sys", **extra: Any) -> dict[str, Any]:
    return {"model": "scripted-model", "messages": [{"role": "system", "content": system},
                                                    {"role": "user", "content": text}], **extra}


def sync_client(srv: ScriptedServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0, timeout=5)


def test_streaming_wire_format_text_tools_usage_and_done() -> None:
    turn = Turn(text="Hello, scripted world", chunk_chars=5,
                tool_calls=[ToolCall("read_file", {"path": "app.py"})], usage=(11, 7))
    with ScriptedServer([turn]) as srv:
        status, headers, raw = post(srv, chat("hi", stream=True, stream_options={"include_usage": True}))
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    payloads = sse_payloads(raw)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Hello, scripted world"
    args = "".join(
        tc["function"].get("arguments", "")
        for c in chunks if c["choices"] for tc in c["choices"][0]["delta"].get("tool_calls", [])
    )
    assert json.loads(args) == {"path": "app.py"}
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finishes == ["tool_calls"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["prompt_tokens"] == 11
    assert chunks[-1]["usage"]["completion_tokens"] == 7


def test_usage_chunk_only_when_asked() -> None:
    with ScriptedServer([Turn(text="x", repeat=True)]) as srv:
        _, _, raw = post(srv, chat("hi", stream=True))
    assert all("usage" not in json.loads(p) for p in sse_payloads(raw)[:-1])


def test_non_streaming_reply_through_the_real_sdk() -> None:
    script = [Turn(text="plain answer", usage=(3, 2)),
              Turn(tool_calls=[ToolCall("git_log", {"limit": 5}), ToolCall("broken", "{not json")])]
    with ScriptedServer(script) as srv, sync_client(srv) as client:
        first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
        second = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "b"}])
    assert first.choices[0].message.content == "plain answer" and first.choices[0].finish_reason == "stop"
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (3, 2)
    calls = second.choices[0].message.tool_calls
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("git_log", '{"limit": 5}'), ("broken", "{not json")]
    assert second.choices[0].finish_reason == "tool_calls"


def test_models_endpoint() -> None:
    with ScriptedServer(models=["alpha", "beta"]) as srv, sync_client(srv) as client:
        assert [m.id for m in client.models.list()] == ["alpha", "beta"]


def test_unknown_model_rejected_when_asked() -> None:
    with ScriptedServer([Turn(text="x")], models=["alpha"], reject_unknown_models=True) as srv:
        status, _, raw = post(srv, chat("hi"))
    assert status == 404 and json.loads(raw)["error"]["code"] == "model_not_found"


def test_match_text_is_system_plus_last_user_or_tool_message() -> None:
    body = {"messages": [
        {"role": "system", "content": "Stage: research"},
        {"role": "user", "content": "old question"},
        {"role": "assistant", "content": "Stage: planning"},
        {"role": "tool", "tool_call_id": "c", "content": [{"type": "text", "text": "tool output"}]},
    ]}
    assert match_text(body) == "Stage: research\ntool output"


def test_first_matching_turn_answers_and_is_consumed_fallback_repeats() -> None:
    script = [
        Turn(text="research reply", match=r"^Stage: research$"),
        Turn(text="planning reply", match=r"Stage: planning"),
        Turn(text="fallback", repeat=True),
    ]
    with ScriptedServer(script) as srv, sync_client(srv) as client:
        def ask(system: str) -> str | None:
            reply = client.chat.completions.create(
                model="m", messages=[{"role": "system", "content": system}, {"role": "user", "content": "go"}])
            return reply.choices[0].message.content

        assert ask("Stage: planning") == "planning reply"
        assert ask("intro\nStage: research\nmore") == "research reply"
        assert ask("Stage: research") == "fallback"  # consumed; the fallback answers any number of times
        assert ask("Stage: research") == "fallback"
        assert srv.remaining() == [script[2]]


def test_no_matching_turn_says_so_with_status_200() -> None:
    with ScriptedServer([Turn(text="never", match="nothing like this")]) as srv:
        status, _, raw = post(srv, chat("hi"))
    assert status == 200 and json.loads(raw)["choices"][0]["message"]["content"] == NO_MATCH_TEXT


def test_script_can_be_extended_between_requests() -> None:
    with ScriptedServer([]) as srv, sync_client(srv) as client:
        srv.script.append(Turn(text="late addition"))
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        srv.script = [Turn(text="replaced")]
        again = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert (reply.choices[0].message.content, again.choices[0].message.content) == ("late addition", "replaced")


def test_requests_and_headers_are_recorded() -> None:
    with ScriptedServer([Turn(text="ok")]) as srv, sync_client(srv) as client:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "remember me"}],
                                       tools=[{"type": "function", "function": {"name": "t", "parameters": {}}}])
    assert srv.requests[0]["messages"] == [{"role": "user", "content": "remember me"}]
    assert srv.requests[0]["tools"][0]["function"]["name"] == "t"
    assert srv.request_headers[0]["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("status", [401, 404, 429, 500, 502, 503])
def test_status_fault_fires_once_then_the_same_turn_is_served(status: int) -> None:
    script = [Turn(text="after the fault", fault=Fault(status=status, retry_after=2)), Turn(text="second turn")]
    with ScriptedServer(script) as srv:
        code, headers, raw = post(srv, chat("x"))
        assert code == status and json.loads(raw)["error"]["message"]
        assert headers["Retry-After"] == "2" and headers["retry-after-ms"] == "2000"
        assert json.loads(post(srv, chat("x"))[2])["choices"][0]["message"]["content"] == "after the fault"
        assert json.loads(post(srv, chat("x"))[2])["choices"][0]["message"]["content"] == "second turn"


def test_fault_times_repeats_the_fault() -> None:
    with ScriptedServer([Turn(text="finally", fault=Fault(status=503, times=2))]) as srv:
        assert [post(srv, chat("x"))[0] for _ in range(3)] == [503, 503, 200]


def test_cut_after_chars_drops_the_connection_mid_tool_call() -> None:
    turn = Turn(text="abc", tool_calls=[ToolCall("write_file", {"path": "x.py", "content": "print(1)"})],
                fault=Fault(cut_after_chars=10))
    with ScriptedServer([turn]) as srv, sync_client(srv) as client:
        with pytest.raises(openai.APIConnectionError):
            stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                                    stream=True)
            received = []
            for chunk in stream:
                delta = chunk.choices[0].delta
                received.append(delta.content or "".join(t.function.arguments or "" for t in delta.tool_calls or []))
        assert "".join(received) == 'abc{"path"'  # 3 chars of text + 7 of arguments, then the cut
        retry = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert retry.choices[0].message.tool_calls[0].function.name == "write_file"


def test_malformed_sse_sends_an_event_that_is_not_json() -> None:
    with ScriptedServer([Turn(text="x", fault=Fault(malformed_sse=True))]) as srv:
        request = urllib.request.Request(f"{srv.base_url}/chat/completions",
                                         data=json.dumps(chat("x", stream=True)).encode(), method="POST")
        with pytest.raises(http.client.IncompleteRead):  # the chunked body is cut after the broken event
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()
        # The next request gets the same turn, whole.
        assert "".join(json.loads(p)["choices"][0]["delta"].get("content") or "" for p in
                       sse_payloads(post(srv, chat("x", stream=True))[2])[:-1]) == "x"


def test_delay_fault_trips_a_client_timeout_and_the_retry_is_served() -> None:
    with ScriptedServer([Turn(text="slow but sure", fault=Fault(delay_s=2.0))]) as srv:
        with openai.OpenAI(base_url=srv.base_url, api_key="k", max_retries=0, timeout=0.2) as client:
            with pytest.raises(openai.APITimeoutError):
                client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
            reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert reply.choices[0].message.content == "slow but sure"
        assert len(srv.requests) == 2


def test_stopping_the_server_wakes_a_delayed_handler() -> None:
    srv = ScriptedServer([Turn(text="x", fault=Fault(delay_s=30))]).start()
    with openai.OpenAI(base_url=srv.base_url, api_key="k", max_retries=0, timeout=0.2) as client:
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    srv.stop()  # must not wait 30 s for the sleeping handler
    with pytest.raises(RuntimeError):
        _ = srv.base_url


def test_non_streaming_faults_cut_or_break_the_json_body() -> None:
    script = [Turn(text="whole", fault=Fault(cut_after_chars=20, times=1)),
              Turn(text="second", match="second", fault=Fault(malformed_sse=True))]
    with ScriptedServer(script) as srv, sync_client(srv) as client:
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        whole = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert whole.choices[0].message.content == "whole"
        _, _, raw = post(srv, chat("second"))
        with pytest.raises(ValueError):
            json.loads(raw)
