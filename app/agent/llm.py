"""The LLM client: Chat Completions over ``openai.AsyncOpenAI``, streamed as typed events.

Chat Completions (not the Responses API) because every OpenAI-compatible server speaks it: OpenAI,
Ollama, vLLM, llama.cpp, LM Studio. One call to :meth:`LLMClient.stream` is one model reply::

    async with contextlib.aclosing(client.stream(messages, tools)) as events:
        async for event in events:
            match event:
                case TextDelta(text): ...                 # show as it arrives
                case Retrying(attempt, wait_s, reason): ... # "rate limited, retrying in 2 s"
                case ToolCallRequest(id, name, arguments): ...  # after the text, arguments complete
                case Progress(chars, elapsed_s, first_text_s): ...  # a few times a second while it streams
                case Usage(prompt_tokens, completion_tokens, estimated): ...  # counted here if the server did not
                case Finished(reason): ...                # always last: "stop", "tool_calls", "length"…

Failures raise :class:`LLMError`, one sentence per cause. Retries are driven here (the SDK's own are
off) so the UI can say what is happening: 429, 5xx, timeouts and dropped connections are retried with
exponential backoff (honouring ``Retry-After``) up to ``settings.max_retries`` times — but only while
nothing has been shown yet. Once text has streamed, a cut stream raises ``LLMError(interrupted=True)``
carrying the partial text and the tool calls that were complete; the caller keeps them and may retry
the turn. Cancelling the consuming task closes the HTTP stream at once.

Token usage: a server that reports none (llama.cpp's while streaming, some proxies) still gets a
``Usage``, counted here from the characters sent and received (``estimated=True``, see
:func:`estimate_tokens`): the header then shows "≈" figures instead of "tokens 0".

``openai`` is imported lazily, on first use: the workbench's cold start must not pay for it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.errors import PhasegateError

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from phasegate.app.config import Settings

MAX_RETRY_WAIT_S = 60.0  # never sleep longer than this on one Retry-After
#: Seconds between two ``Progress`` events of one reply: a few updates a second, not one per token.
PROGRESS_INTERVAL_S = 0.25
#: Characters per token, measured with tiktoken's cl100k_base on real text: this repository's docs
#: (3.90), its Python (4.19), its prompts (4.39), the demo sample (4.14), TypeScript and Go backends of
#: the corpus (3.99); 4.11 over all 2.7 MB. A tokenizer library is not used: tiktoken downloads its
#: vocabulary on first use (it fails offline), and no permissively licensed package ships one.
CHARS_PER_TOKEN = 4.0
#: A message's role and separators in the chat template: about 4 tokens each.
MESSAGE_OVERHEAD_CHARS = 16
NO_KEY_PLACEHOLDER = "not-needed"  # local servers ignore the key, but the SDK wants one


# --- events -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str  # raw JSON text as the model wrote it; may be malformed — the agent validates


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False  # counted by phasegate (the server reported none), not by the server


@dataclass(frozen=True)
class Progress:
    """How far the reply streaming now is: text and tool-call arguments received so far."""

    chars: int
    elapsed_s: float  # since the request was sent
    first_text_s: float | None = None  # when the first character arrived (None: still waiting)

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.chars)

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed: tokens over the time since the first character (None before there is one)."""
        if self.first_text_s is None or self.elapsed_s - self.first_text_s < 0.2:
            return None
        return self.tokens / (self.elapsed_s - self.first_text_s)


@dataclass(frozen=True)
class Finished:
    reason: str


@dataclass(frozen=True)
class Retrying:
    attempt: int  # 1 for the first retry
    wait_s: float
    reason: str  # e.g. "rate limited (429)", "server error (503)", "timeout"

    def describe(self) -> str:
        """One line for the UI: "rate limited (429), retrying in 2 s (retry 1)"."""
        return f"{self.reason}, retrying in {self.wait_s:.3g} s (retry {self.attempt})"


LLMEvent = TextDelta | ToolCallRequest | Usage | Progress | Finished | Retrying


def estimate_tokens(chars: int) -> int:
    """Tokens in ``chars`` characters of text or code (see ``CHARS_PER_TOKEN``); at least 1 for any text."""
    if chars <= 0:
        return 0
    return max(1, round(chars / CHARS_PER_TOKEN))


def prompt_chars(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> int:
    """Characters the model reads for one request: the messages' text, tool calls and the tool specs."""
    size = 0
    for message in messages:
        content = message.get("content") or ""
        size += (len(content) if isinstance(content, str) else len(json.dumps(content))) + MESSAGE_OVERHEAD_CHARS
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            size += len(function.get("name") or "") + len(function.get("arguments") or "")
    if tools:
        size += len(json.dumps(tools, separators=(",", ":")))
    return size


class LLMError(PhasegateError):
    """A model call that failed; ``str(exc)`` is one sentence for the user.

    ``retryable``: trying the same turn again may work (rate limit, server hiccup, dropped stream);
    ``interrupted``: the reply was cut after some of it arrived — ``partial_text`` and the complete
    ``tool_calls`` are what arrived; ``kind`` is a stable short name of the cause for code to test.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        partial_text: str = "",
        tool_calls: list[ToolCallRequest] | None = None,
        interrupted: bool = False,
        kind: str = "error",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.partial_text = partial_text
        self.tool_calls = list(tool_calls or [])
        self.interrupted = interrupted
        self.kind = kind
        self.status = status


def cost(usage: Usage, settings: Settings) -> float:
    """Dollars for ``usage`` at the configured prices (0.0 when the prices are unknown)."""
    return (
        usage.prompt_tokens * settings.price_input_per_mtok + usage.completion_tokens * settings.price_output_per_mtok
    ) / 1_000_000


# --- internals ----------------------------------------------------------------------------------------
class _StreamEndedEarly(Exception):
    """The HTTP stream ended cleanly but without a finish_reason: the reply is incomplete."""


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _Reply:
    """What one attempt has received so far."""

    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    usage: Usage | None = None
    finish: str | None = None
    shown: bool = False  # something was yielded to the caller: no transparent retry any more
    chars: int = 0  # text and tool-call arguments received (for Progress and an estimated Usage)

    def add_tool_delta(self, delta: Any) -> None:
        index = delta.index if delta.index is not None else len(self.calls)
        call = self.calls.setdefault(index, _PartialCall())
        if delta.id:
            call.id = delta.id
        function = delta.function
        if function is not None:
            # OpenAI sends the whole name once; tolerate servers that repeat it on every delta.
            if function.name and function.name != call.name:
                call.name += function.name
            if function.arguments:
                call.arguments.append(function.arguments)
                self.chars += len(function.arguments)

    def tool_calls(self, *, complete_only: bool) -> list[ToolCallRequest]:
        indexes = sorted(self.calls)
        if complete_only and self.finish is None and indexes:
            indexes = indexes[:-1]  # the last call may have been cut mid-arguments
        return [
            ToolCallRequest(self.calls[i].id or f"call_{i}", self.calls[i].name, "".join(self.calls[i].arguments))
            for i in indexes
        ]


@dataclass
class _Failure:
    kind: str
    message: str
    auto_retry: bool  # retried here, transparently, while nothing was shown
    retryable: bool  # the user may retry the turn
    status: int | None = None
    wait_s: float | None = None  # from Retry-After

    def kind_label(self) -> str:
        """Short words for the "retrying" line of the UI."""
        labels = {"rate_limit": "rate limited", "server": "server error", "timeout": "timeout",
                  "interrupted": "connection dropped", "connection": "connection error"}
        label = labels.get(self.kind, self.kind)
        return f"{label} ({self.status})" if self.status else label


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


class LLMClient:
    """One endpoint and model; see the module docstring. Call :meth:`aclose` when done."""

    def __init__(self, settings: Settings, *, backoff_s: float = 1.0) -> None:
        self.settings = settings
        self.backoff_s = backoff_s
        self._openai: AsyncOpenAI | None = None
        self._include_usage = True  # switched off for servers that reject stream_options

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.settings.base_url!r}, model={self.settings.model!r})"

    # --- the SDK client ---------------------------------------------------------------------------
    def _client(self) -> AsyncOpenAI:
        if self._openai is None:
            import openai  # lazy: see the module docstring

            key = self.settings.api_key.get_secret_value() if self.settings.api_key else None
            if not key and "api.openai.com" in self.settings.base_url:
                raise LLMError(
                    "no API key: set OPENAI_API_KEY, or point --base-url at a local server",
                    kind="config",
                )
            self._openai = openai.AsyncOpenAI(
                api_key=key or NO_KEY_PLACEHOLDER,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout_s,
                max_retries=0,  # we retry ourselves, visibly
            )
        return self._openai

    async def aclose(self) -> None:
        if self._openai is not None:
            await self._openai.close()
            self._openai = None

    async def list_models(self) -> list[str]:
        """Model ids the endpoint offers (for ``phasegate doctor``); raises :class:`LLMError`."""
        try:
            page = await self._client().models.list()
            return [model.id async for model in page]
        except LLMError:
            raise
        except Exception as exc:
            failure = self._classify(exc, attempts=0)
            raise LLMError(failure.message, retryable=failure.retryable, kind=failure.kind,
                           status=failure.status) from exc

    # --- streaming ----------------------------------------------------------------------------------
    async def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
                     ) -> AsyncIterator[LLMEvent]:
        """Stream one reply to ``messages``; see the module docstring for events and errors."""
        attempt = 0
        while True:
            reply = _Reply()
            try:
                async for event in self._attempt(messages, tools, reply):
                    yield event
                return
            except LLMError:
                raise
            except Exception as exc:
                failure = self._classify(exc, attempts=attempt)
                if failure.kind == "stream_options":
                    self._include_usage = False  # this server cannot do usage chunks; ask without
                    continue
                if failure.auto_retry and not reply.shown and attempt < self.settings.max_retries:
                    attempt += 1
                    wait = failure.wait_s if failure.wait_s is not None else self.backoff_s * 2 ** (attempt - 1)
                    wait = min(wait, MAX_RETRY_WAIT_S)
                    yield Retrying(attempt, wait, failure.kind_label())
                    await asyncio.sleep(wait)
                    continue
                if failure.auto_retry and attempt:
                    failure.message += f" (after {attempt} {'retry' if attempt == 1 else 'retries'})"
                raise self._error(failure, reply) from exc

    async def _attempt(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
                       reply: _Reply) -> AsyncIterator[LLMEvent]:
        kwargs: dict[str, Any] = {"model": self.settings.model, "messages": messages, "stream": True}
        if tools:
            kwargs["tools"] = tools
        if self._include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if self.settings.max_tokens is not None:
            kwargs["max_tokens"] = self.settings.max_tokens
        if self.settings.temperature is not None:
            kwargs["temperature"] = self.settings.temperature
        started = time.monotonic()
        first_text: float | None = None
        reported = started
        stream = await self._client().chat.completions.create(**kwargs)
        try:
            async for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
                    reply.usage = Usage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))
                before = reply.chars
                for choice in chunk.choices or ():
                    delta = choice.delta
                    if delta is not None:
                        for tool_delta in delta.tool_calls or ():
                            reply.add_tool_delta(tool_delta)
                        if delta.content:
                            reply.text.append(delta.content)
                            reply.chars += len(delta.content)
                            reply.shown = True
                            yield TextDelta(delta.content)
                    if choice.finish_reason:
                        reply.finish = str(choice.finish_reason)
                now = time.monotonic()
                if first_text is None and reply.chars > before:
                    first_text = now
                if now - reported >= PROGRESS_INTERVAL_S:
                    reported = now
                    yield Progress(reply.chars, now - started, None if first_text is None else first_text - started)
        finally:
            # Runs on completion, on error, on the caller's aclose() and on cancellation alike:
            # the HTTP stream must not outlive the reply.
            await stream.close()
        if reply.finish is None:
            raise _StreamEndedEarly()
        now = time.monotonic()
        yield Progress(reply.chars, now - started, None if first_text is None else first_text - started)
        for call in reply.tool_calls(complete_only=False):
            yield ToolCallRequest(call.id, call.name, call.arguments)
        if reply.usage is not None:
            yield reply.usage
        else:  # the server counted nothing (or zeros): count it here, and say it is an estimate
            names = sum(len(c.name) for c in reply.calls.values())
            yield Usage(estimate_tokens(prompt_chars(messages, tools)), estimate_tokens(reply.chars + names),
                        estimated=True)
        yield Finished(reply.finish)

    # --- errors -------------------------------------------------------------------------------------
    def _error(self, failure: _Failure, reply: _Reply) -> LLMError:
        interrupted = failure.kind in ("interrupted", "malformed") and reply.shown
        message = failure.message
        if interrupted and failure.kind == "interrupted":
            message = "the connection dropped in the middle of the reply; what arrived is kept and the turn can be retried"
        return LLMError(
            self._redact(message),
            retryable=failure.retryable,
            partial_text="".join(reply.text),
            tool_calls=reply.tool_calls(complete_only=True),
            interrupted=interrupted,
            kind=failure.kind,
            status=failure.status,
        )

    def _redact(self, text: str) -> str:
        from phasegate.app.secrets import Masker

        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        return Masker([key]).mask(text)

    def _classify(self, exc: BaseException, *, attempts: int) -> _Failure:
        import openai

        url = self.settings.base_url
        if isinstance(exc, _StreamEndedEarly):
            return _Failure("interrupted", "the server ended the stream before the reply was complete", True, True)
        if isinstance(exc, ValueError):  # json.JSONDecodeError from the SSE decoder, and kin
            return _Failure("malformed", f"the server at {url} sent a malformed stream (an event that is not JSON)",
                            False, True)
        if isinstance(exc, openai.APITimeoutError):
            return _Failure("timeout", f"no reply from {url} within {self.settings.timeout_s:g} s (timeout)", True, True)
        if isinstance(exc, openai.APIConnectionError):
            return self._classify_connection(exc, url)
        if isinstance(exc, openai.APIStatusError):
            return self._classify_status(exc, url)
        if isinstance(exc, openai.APIError):  # an error event inside the stream
            return _Failure("server", f"the server at {url} reported an error mid-reply: {exc.message}", False, True)
        return _Failure("unknown", f"the model call failed: {type(exc).__name__}: {exc}", False, False)

    def _classify_connection(self, exc: BaseException, url: str) -> _Failure:
        chain = _chain(exc)
        if any(isinstance(e, ConnectionRefusedError) or "connection refused" in str(e).lower() for e in chain):
            return _Failure("refused", f"could not connect to {url}: connection refused (is the server running?)",
                            False, True)
        if any(isinstance(e, socket.gaierror) or "name or service not known" in str(e).lower()
               or "nodename nor servname" in str(e).lower() or "name resolution" in str(e).lower() for e in chain):
            return _Failure("host", f"could not find the host of {url}; check the base URL", False, False)
        if any(type(e).__name__ in ("RemoteProtocolError", "ReadError", "EndOfStream", "IncompleteRead") for e in chain):
            return _Failure("interrupted", f"the connection to {url} dropped before the reply was complete",
                            True, True)
        reason = next((str(e) for e in chain[1:] if str(e)), "connection error")
        return _Failure("connection", f"lost the connection to {url}: {reason}", True, True)

    def _classify_status(self, exc: Any, url: str) -> _Failure:
        status = int(exc.status_code)
        server_says = _server_message(exc)
        if status == 401:
            return _Failure("auth", f"{url} refused the API key (401); check OPENAI_API_KEY", False, False, status)
        if status == 403:
            return _Failure("forbidden", f"{url} refused access (403): {server_says}", False, False, status)
        if status == 404:
            return _Failure("model", f"{url} does not know the model '{self.settings.model}' (404); choose another "
                            "with --model or PHASEGATE_MODEL, or check that the base URL ends in /v1",
                            False, False, status)
        if status == 429:
            return _Failure("rate_limit", f"rate limited by {url} (429); wait a moment and retry", True, True, status,
                            _retry_after(exc.response.headers))
        if status >= 500 or status in (408, 409):
            return _Failure("server", f"the server at {url} failed with HTTP {status}", True, True, status,
                            _retry_after(exc.response.headers))
        if status == 400 and "stream_options" in server_says and self._include_usage:
            return _Failure("stream_options", server_says, False, True, status)
        return _Failure("bad_request", f"{url} rejected the request ({status}): {server_says}", False, False, status)


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    try:
        return json.dumps(body)[:200] if body is not None else str(getattr(exc, "message", exc))
    except (TypeError, ValueError):
        return str(exc)[:200]
