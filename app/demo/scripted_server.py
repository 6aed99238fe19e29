"""A scripted, OpenAI-compatible HTTP server on 127.0.0.1, for tests and for ``phasegate demo``.

It is a real server (stdlib ``ThreadingHTTPServer`` on an ephemeral port, in a thread) speaking the
Chat Completions wire protocol: ``GET /v1/models`` and ``POST /v1/chat/completions``, both streaming
(SSE chunks ending in ``data: [DONE]``, over chunked transfer encoding, with a usage chunk when the
request asks for ``stream_options.include_usage``) and non-streaming JSON. The real ``openai``
client talks to it exactly as it talks to OpenAI, Ollama or vLLM.

Usage::

    script = [
        Turn(match=r"Stage: research", tool_calls=[ToolCall("list_files", {"path": "."})]),
        Turn(match=r"Stage: research", text="Here is what I found…"),
        Turn(text="I have nothing more to say.", repeat=True),  # fallback
    ]
    with ScriptedServer(script, pace_s=0.0) as srv:
        client = AsyncOpenAI(base_url=srv.base_url, api_key="x")  # "http://127.0.0.1:PORT/v1"
        ...
        assert "Stage: research" in srv.requests[0]["messages"][0]["content"]

The script
----------
A list of :class:`Turn`. Each request is answered by the FIRST turn, in list order, that is not yet
consumed and whose ``match`` regex (``re.search`` with ``re.MULTILINE``) finds something in the
request's *match text*: the system message followed by the last ``user`` or ``tool`` message
(``match=None`` matches anything). Answering a request consumes the turn, unless ``repeat=True``
(a fallback that can answer any number of times). When no turn matches, the reply is the plain text
``scripted model: no turn matches this request`` with status 200, so a test sees the mismatch in the
conversation instead of an HTTP error that would be retried.

A turn replies with ``text`` (streamed in pieces of ``chunk_chars`` characters), then its
``tool_calls`` (each :class:`ToolCall` gets an id ``call_<n>``; its ``arguments`` are JSON-encoded
when a dict and sent verbatim when a str — that is how malformed JSON arguments are injected; the
arguments are streamed in ``chunk_chars`` pieces too). ``finish_reason`` is ``tool_calls`` when
there are tool calls, else ``stop`` (or ``finish_reason`` when given). The usage is a rough
characters/4 estimate unless ``usage=(prompt_tokens, completion_tokens)`` is given.
``ScriptedServer(report_usage=False)`` sends no usage at all (a streamed reply has no usage chunk, a
non-streamed one no ``usage`` field), as llama.cpp's server does while streaming.

``srv.script`` is a plain list: tests may append to it or replace it between requests.

Faults
------
``Turn(fault=Fault(...))`` makes the next ``fault.times`` (default 1) requests answered by that turn
fail, and *the turn is not consumed by a faulted answer*: once the fault has fired its ``times``, the
very same turn is served normally — which is what a client's retry should receive. Kinds:

- ``Fault(status=429, retry_after=1)``: HTTP 429 with ``Retry-After`` (and ``retry-after-ms``; a
  fractional ``retry_after`` keeps tests fast); any other status (401, 404, 500, 502, 503…) gets an
  OpenAI-style JSON error body.
- ``Fault(delay_s=2.0)``: wait before answering (to trip a client's timeout). If the client gave up
  and its retry was served meanwhile, the late answer is dropped (connection closed).
- ``Fault(cut_after_chars=N)``: stream the reply but close the connection abruptly after ``N``
  characters of content (text first, then tool-call arguments): a cut mid-text or mid tool call.
- ``Fault(malformed_sse=True)``: send one chunk whose ``data:`` is not JSON, then stop.

For a non-streaming request, ``cut_after_chars`` cuts the JSON body after that many bytes and
``malformed_sse`` sends a body that is not JSON.

Model mistakes need no fault: malformed JSON arguments are ``ToolCall("edit_file", '{"path": ')``
and an unknown tool is ``ToolCall("no_such_tool", {})`` — the server sends whatever the script says.

``srv.requests`` holds every chat request body (parsed JSON), ``srv.request_headers`` the matching
headers (lower-cased names), and ``srv.disconnects`` counts streams the client closed early (with
``srv.disconnected``, a ``threading.Event`` set on the first such close, so tests can wait on it).
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

NO_MATCH_TEXT = "scripted model: no turn matches this request"


@dataclass
class ToolCall:
    """One tool call the scripted model makes. A ``str`` ``arguments`` is sent verbatim."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Fault:
    """Something going wrong with the next ``times`` answers of a turn (see the module docstring)."""

    status: int | None = None
    retry_after: float | None = None
    delay_s: float = 0.0
    cut_after_chars: int | None = None
    malformed_sse: bool = False
    message: str | None = None
    times: int = 1


@dataclass
class Turn:
    """One scripted model reply; see the module docstring for matching and consumption."""

    text: str = ""
    tool_calls: list[ToolCall] | tuple[ToolCall, ...] = ()
    match: str | None = None
    repeat: bool = False
    fault: Fault | None = None
    chunk_chars: int = 12
    usage: tuple[int, int] | None = None
    finish_reason: str | None = None


@dataclass
class _TurnState:
    turn: Turn  # held so the id() used as key stays unique while the server lives
    consumed: bool = False
    faults_fired: int = 0


_ERROR_BODIES: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request_error", "bad_request", "The request was malformed."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "forbidden", "You are not allowed to use this model."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again shortly."),
}


def match_text(body: dict[str, Any]) -> str:
    """The text a turn's ``match`` is searched in: system message + last user/tool message."""
    messages = body.get("messages") or []
    parts: list[str] = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") in ("system", "developer"):
            parts.append(_content_text(message.get("content")))
            break
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") in ("user", "tool"):
            parts.append(_content_text(message.get("content")))
            break
    return "\n".join(parts)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class _ClientGone(Exception):
    """The client closed the connection while we were writing."""


class ScriptedServer:
    """The server; use as a context manager. See the module docstring."""

    def __init__(
        self,
        script: Iterable[Turn] = (),
        *,
        pace_s: float = 0.0,
        models: Iterable[str] = ("scripted-model",),
        reject_unknown_models: bool = False,
        report_usage: bool = True,
    ) -> None:
        self.script: list[Turn] = list(script)
        # False: like llama.cpp's server while streaming, no usage chunk even when the request asks.
        self.report_usage = report_usage
        self.pace_s = pace_s
        self.models = list(models)
        self.reject_unknown_models = reject_unknown_models
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        self.disconnects = 0
        self.disconnected = threading.Event()
        self._lock = threading.Lock()
        self._states: dict[int, _TurnState] = {}
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> ScriptedServer:
        handler = type("_BoundHandler", (_Handler,), {"server_ref": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on a delay or a pace
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the scripted server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def remaining(self) -> list[Turn]:
        """Turns not consumed yet (fallbacks included), for tests asserting a script was used up."""
        with self._lock:
            return [t for t in self.script if not self._state(t).consumed]

    # --- turn selection (called from handler threads) -------------------------------------------
    def _state(self, turn: Turn) -> _TurnState:
        state = self._states.get(id(turn))
        if state is None or state.turn is not turn:
            state = self._states[id(turn)] = _TurnState(turn)
        return state

    def _select(self, body: dict[str, Any]) -> tuple[Turn | None, Fault | None]:
        """Pick the answering turn; consume it now unless a fault fires (or it is a fallback)."""
        text = match_text(body)
        with self._lock:
            for turn in list(self.script):
                state = self._state(turn)
                if state.consumed:
                    continue
                if turn.match is not None and not re.search(turn.match, text, re.MULTILINE):
                    continue
                if turn.fault is not None and state.faults_fired < turn.fault.times:
                    state.faults_fired += 1
                    return turn, turn.fault
                if not turn.repeat:
                    state.consumed = True
                return turn, None
        return None, None

    def _claim_after_delay(self, turn: Turn) -> bool:
        """After a delay fault: serve the turn only if no retry took it meanwhile."""
        with self._lock:
            state = self._state(turn)
            if state.consumed:
                return False
            if not turn.repeat:
                state.consumed = True
            return True

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(headers)

    def _note_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1
        self.disconnected.set()

    def _next_call_id(self) -> str:
        return f"call_{next(self._ids)}"

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it stopped."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()


class _Handler(BaseHTTPRequestHandler):
    server_ref: ScriptedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # tests and the demo must stay quiet

    # --- plumbing -------------------------------------------------------------------------------
    def _send_json(self, status: int, payload: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError) as exc:
            raise _ClientGone from exc

    def _sse(self, payload: dict[str, Any] | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {data}\n\n".encode())

    def _abort_connection(self) -> None:
        """Drop the connection without finishing the chunked body: a mid-stream cut."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- routes ---------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        srv = self.server_ref
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "phasegate"} for m in srv.models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        srv = self.server_ref
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
            return
        srv._record(body, {k.lower(): v for k, v in self.headers.items()})
        model = str(body.get("model") or "scripted-model")
        if srv.reject_unknown_models and model not in srv.models:
            self._error(404, Fault(status=404, message=f"The model `{model}` does not exist."))
            return
        turn, fault = srv._select(body)
        if fault is not None and fault.delay_s > 0:
            if srv._wait(fault.delay_s):
                self._abort_connection()
                return
            if fault.status is None and fault.cut_after_chars is None and not fault.malformed_sse:
                # A pure delay: answer normally now, unless the client's retry was served meanwhile.
                if turn is None or not srv._claim_after_delay(turn):
                    self._abort_connection()
                    return
                fault = None
        if fault is not None and fault.status is not None:
            self._error(fault.status, fault)
            return
        if turn is None:
            turn = Turn(text=NO_MATCH_TEXT)
        try:
            if body.get("stream"):
                self._stream(body, model, turn, fault)
            else:
                self._complete(body, model, turn, fault)
        except _ClientGone:
            self.close_connection = True
            srv._note_disconnect()

    def _error(self, status: int, fault: Fault) -> None:
        kind, code, message = _ERROR_BODIES.get(status, ("server_error", "server_error", "The server had an error."))
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(max(0, round(fault.retry_after)))
            headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
        payload = {"error": {"message": fault.message or message, "type": kind, "code": code, "param": None}}
        self._send_json(status, payload, headers)

    # --- replies --------------------------------------------------------------------------------
    def _usage(self, body: dict[str, Any], turn: Turn) -> dict[str, int]:
        if turn.usage is not None:
            prompt, completion = turn.usage
        else:
            prompt_text = json.dumps(body.get("messages") or [])
            completion_text = turn.text + "".join(c.name + c.arguments_text() for c in turn.tool_calls)
            prompt, completion = _estimate_tokens(prompt_text), _estimate_tokens(completion_text)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _finish_reason(self, turn: Turn) -> str:
        return turn.finish_reason or ("tool_calls" if turn.tool_calls else "stop")

    def _complete(self, body: dict[str, Any], model: str, turn: Turn, fault: Fault | None = None) -> None:
        srv = self.server_ref
        message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {"id": srv._next_call_id(), "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments_text()}}
                for c in turn.tool_calls
            ]
        payload = {
            "id": f"chatcmpl-scripted-{len(srv.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": self._finish_reason(turn)}],
            "usage": self._usage(body, turn),
        }
        if not srv.report_usage:
            del payload["usage"]
        if fault is not None and fault.malformed_sse:
            self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [')
        elif fault is not None and fault.cut_after_chars is not None:
            data = json.dumps(payload).encode()
            self._send_raw(200, data[: fault.cut_after_chars], declared_length=len(data))
            self._abort_connection()
        else:
            self._send_json(200, payload)

    def _send_raw(self, status: int, data: bytes, *, declared_length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) if declared_length is None else declared_length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _stream(self, body: dict[str, Any], model: str, turn: Turn, fault: Fault | None) -> None:
        srv = self.server_ref
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": f"chatcmpl-scripted-{len(srv.requests)}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        self._sse(chunk({"role": "assistant", "content": ""}))
        if fault is not None and fault.malformed_sse:
            self._sse('{"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops"')
            self._abort_connection()
            return
        budget = fault.cut_after_chars if fault is not None else None
        for delta in self._deltas(turn):
            piece = delta.get("content")
            if piece is None and "tool_calls" in delta:
                piece = delta["tool_calls"][0]["function"].get("arguments", "")
            if budget is not None and piece and len(piece) >= budget:
                # Send what fits of this piece, then drop the connection mid-reply.
                if budget > 0:
                    self._sse(chunk(_truncate(delta, budget)))
                self._abort_connection()
                return
            if budget is not None and piece:
                budget -= len(piece)
            self._sse(chunk(delta))
            if srv._wait(srv.pace_s):
                self._abort_connection()
                return
        self._sse(chunk({}, self._finish_reason(turn)))
        options = body.get("stream_options") or {}
        if isinstance(options, dict) and options.get("include_usage") and srv.report_usage:
            self._sse({**base, "choices": [], "usage": self._usage(body, turn)})
        self._sse("[DONE]")
        self._write_chunk(b"")  # the terminating zero-length chunk

    def _deltas(self, turn: Turn) -> Iterator[dict[str, Any]]:
        size = max(1, turn.chunk_chars)
        for start in range(0, len(turn.text), size):
            yield {"content": turn.text[start:start + size]}
        srv = self.server_ref
        for index, call in enumerate(turn.tool_calls):
            yield {"tool_calls": [{"index": index, "id": srv._next_call_id(), "type": "function",
                                   "function": {"name": call.name, "arguments": ""}}]}
            args = call.arguments_text()
            for start in range(0, len(args), size):
                yield {"tool_calls": [{"index": index, "function": {"arguments": args[start:start + size]}}]}


def _truncate(delta: dict[str, Any], keep: int) -> dict[str, Any]:
    if "content" in delta:
        return {"content": delta["content"][:keep]}
    call = delta["tool_calls"][0]
    return {"tool_calls": [{**call, "function": {**call["function"], "arguments": call["function"]["arguments"][:keep]}}]}


def main() -> int:  # pragma: no cover - manual poking with curl or a real client
    """Serve a one-line fallback script until interrupted: ``python -m phasegate.app.demo.scripted_server``."""
    with ScriptedServer([Turn(text="Hello from the scripted model.", repeat=True)], pace_s=0.05) as srv:
        print(f"scripted model at {srv.base_url} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
