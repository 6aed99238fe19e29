"""The tool loop: one model turn = stream → run tool calls → feed results → repeat.

The agent never decides what the model may do: it offers exactly ``tools_for_session(session)``
(``phases.tool_policy``) and re-checks that table for *every* call, because a submission in the
middle of a batch can change the stage (``complete_phase`` followed by ``write_file`` in the same
reply: the write is refused). It never changes the session either: submissions go to the
``AgentHost`` (the controller), which applies workflow events and persists them.

A turn ends when the model stops calling tools, when a submission hands work to the user, after a
migration command (the seed: no auto-continue after migrations), at the step limit, on an error
(the transcript keeps what arrived, the turn can be retried), or when cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from phasegate.app.agent.submissions import SUBMISSION_SPECS, SubmissionInvalid, validate_submission
from phasegate.phases.models import Finding, ResearchReport, Session, Stage, UnreadableReply
from phasegate.phases.plan_markdown import PlanParseError, extract_plan_markdown, parse_plan_strict
from phasegate.phases.text import first_line
from phasegate.phases.tool_policy import refusal, tools_for_session

if TYPE_CHECKING:
    from phasegate.app.agent.llm import LLMClient
    from phasegate.app.config import Settings

log = logging.getLogger("phasegate.agent")
# Until configure_logging() gives the "phasegate" logger its file, records go nowhere: without a handler,
# logging's last resort would print warnings on stderr, under the CLI's one-line errors and over the TUI.
logging.getLogger("phasegate").addHandler(logging.NullHandler())

MAX_INVALID_SUBMISSIONS = 3
TRIMMED = "[older tool output trimmed to stay within the context budget]"
# What one reply may show in the chat. Rendering streamed Markdown costs more than linearly: 100 KB takes a
# few seconds, 1 MB minutes, with the UI busy all along. The conversation and the transcript keep it all.
DISPLAY_CAP_CHARS = 60_000
#: How much of a reply that is not a report the session keeps (``UnreadableReply.text``).
REFUSED_REPLY_CHARS = 50_000


# --- what the agent tells the UI ---------------------------------------------------------------------
@dataclass(frozen=True)
class AgentText:
    text: str


@dataclass(frozen=True)
class AgentToolStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class AgentToolFinished:
    call_id: str
    name: str
    ok: bool
    summary: str


@dataclass(frozen=True)
class AgentNotice:
    text: str
    severity: str = "information"  # information | warning | error


@dataclass(frozen=True)
class AgentUsage:
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False  # counted by phasegate: the endpoint reported no usage


@dataclass(frozen=True)
class AgentProgress:
    """A reply streaming: tokens so far (always phasegate's count), speed and elapsed time.

    Sent a few times a second (``llm.PROGRESS_INTERVAL_S``), and once more when the reply is complete
    (``done``). Not recorded in the session: the reply's ``AgentUsage`` is.
    """

    tokens: int
    elapsed_s: float
    tokens_per_s: float | None = None
    done: bool = False


AgentEvent: TypeAlias = AgentText | AgentToolStarted | AgentToolFinished | AgentNotice | AgentUsage | AgentProgress


@dataclass
class TurnResult:
    reason: str  # finished | submitted | halted | step_limit | error | cancelled | invalid
    message: str = ""
    retryable: bool = False


@dataclass
class ToolOutcome:
    text: str
    ok: bool = True
    ends_turn: bool = False
    halted: bool = False
    exit_code: int | None = None


class AgentHost(Protocol):
    """What the agent needs from its owner (the controller)."""

    @property
    def session(self) -> Session: ...

    def model_conversation(self) -> list[dict[str, Any]]:
        """The conversation the model sees: all of it but what a rewind trimmed away."""
        ...

    def system_prompt(self) -> str: ...

    async def append_message(self, message: dict[str, Any]) -> None: ...

    async def emit(self, event: AgentEvent) -> None: ...

    async def submit(self, name: str, value: Any) -> str:
        """Apply a validated submission (research report, plan, phase report); return the tool result."""
        ...

    async def mark_task(self, task_id: str) -> str: ...

    async def refuse_reply(self, reply: UnreadableReply) -> None:
        """Record a prose reply that is not the report (or plan) the stage asked for."""
        ...

    async def run_repository_tool(self, name: str, arguments: dict[str, Any]) -> ToolOutcome: ...


@dataclass
class Agent:
    llm: LLMClient
    host: AgentHost
    settings: Settings
    tool_specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    _invalid: int = 0

    async def run_turn(self) -> TurnResult:
        from phasegate.app.agent.llm import LLMError, Progress, Retrying, TextDelta, ToolCallRequest, Usage

        self._invalid = 0
        steps = 0
        while True:
            if steps >= self.settings.step_limit:
                message = (
                    f"The model used {steps} steps without finishing; the turn was stopped. "
                    "Send a message to continue or give it more direction."
                )
                await self.host.emit(AgentNotice(message, "warning"))
                return TurnResult("step_limit", message, retryable=True)
            steps += 1
            session = self.host.session
            offered = tools_for_session(session)
            specs = [self._spec(name) for name in offered]
            messages = [{"role": "system", "content": self.host.system_prompt()}]
            messages += answer_dangling_tool_calls(
                trim_to_budget(self.host.model_conversation(), self.settings.context_token_budget)
            )
            text_parts: list[str] = []
            shown = 0
            calls: list[ToolCallRequest] = []
            last_progress: Progress | None = None
            # The line shows at once, counting the time until the first token (a slow local model can
            # read a long prompt for a minute before it writes anything).
            await self.host.emit(AgentProgress(0, 0.0))
            try:
                async for event in self.llm.stream(messages, [s for s in specs if s]):
                    if isinstance(event, TextDelta):
                        text_parts.append(event.text)
                        if shown < DISPLAY_CAP_CHARS:
                            piece = event.text[: DISPLAY_CAP_CHARS - shown]
                            shown += len(piece)
                            await self.host.emit(AgentText(piece))
                            if shown >= DISPLAY_CAP_CHARS:
                                await self.host.emit(AgentNotice(
                                    f"The reply is longer than {DISPLAY_CAP_CHARS:,} characters; the chat shows "
                                    "its beginning, the transcript keeps all of it.", "warning"))
                    elif isinstance(event, ToolCallRequest):
                        calls.append(event)
                    elif isinstance(event, Progress):
                        last_progress = event
                        await self.host.emit(AgentProgress(event.tokens, event.elapsed_s, event.tokens_per_s))
                    elif isinstance(event, Usage):
                        if last_progress is not None:  # the reply is complete: its final figures
                            await self.host.emit(AgentProgress(last_progress.tokens, last_progress.elapsed_s,
                                                               last_progress.tokens_per_s, done=True))
                        await self.host.emit(AgentUsage(event.prompt_tokens, event.completion_tokens,
                                                        event.estimated))
                    elif isinstance(event, Retrying):
                        await self.host.emit(
                            AgentNotice(event.describe(), "warning")
                        )
            except LLMError as exc:
                if exc.partial_text:
                    await self.host.append_message(
                        {"role": "assistant", "content": exc.partial_text + "\n\n[reply interrupted]"}
                    )
                log.warning("model_error kind=%s status=%s message=%r", exc.kind, exc.status, str(exc)[:300])
                await self.host.emit(AgentNotice(str(exc), "error"))
                return TurnResult("error", str(exc), retryable=True)
            except asyncio.CancelledError:
                if text_parts:
                    await self.host.append_message(
                        {"role": "assistant", "content": "".join(text_parts) + "\n\n[cancelled by the user]"}
                    )
                raise
            text = "".join(text_parts)
            assistant: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                assistant["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in calls
                ]
            if text or calls:
                await self.host.append_message(assistant)
            if not calls:
                return await self._without_tools(text)
            end: TurnResult | None = None
            for call in calls:
                if end is not None:
                    outcome = ToolOutcome(f"Not run: the turn ended before this call ({end.message}).", ok=False)
                else:
                    outcome = await self._dispatch(call.id, call.name, call.arguments)
                await self.host.append_message({"role": "tool", "tool_call_id": call.id, "content": outcome.text})
                if end is None and outcome.ends_turn:
                    if outcome.halted:
                        end = TurnResult("halted", "a migration ran; waiting for the user")
                    elif self._invalid >= MAX_INVALID_SUBMISSIONS:
                        end = TurnResult("invalid", outcome.text)
                    else:
                        end = TurnResult("submitted", call.name)
            if end is not None:
                if end.reason == "invalid":
                    message = (
                        f"The model could not produce a valid submission after {MAX_INVALID_SUBMISSIONS} tries; "
                        f"{first_line(end.message)} Ask it again or give it more direction."
                    )
                    await self.host.emit(AgentNotice(message, "error"))
                    end.message = message
                return end

    def _spec(self, name: str) -> dict[str, Any] | None:
        return SUBMISSION_SPECS.get(name) or self.tool_specs.get(name)

    async def _dispatch(self, call_id: str, name: str, raw_arguments: str) -> ToolOutcome:
        session = self.host.session
        offered = tools_for_session(session)
        try:
            arguments = json.loads(raw_arguments or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("the arguments must be a JSON object")
        except ValueError as exc:
            outcome = ToolOutcome(
                f"Refused: the arguments of {name} are not a valid JSON object ({exc}). Call {name} again with "
                "a JSON object.",
                ok=False,
            )
            await self.host.emit(AgentToolStarted(call_id, name, {"raw": raw_arguments[:200]}))
            await self.host.emit(AgentToolFinished(call_id, name, False, "invalid JSON arguments"))
            return self._count_invalid(name, outcome)
        await self.host.emit(AgentToolStarted(call_id, name, arguments))
        if name not in offered:
            outcome = ToolOutcome(refusal(session.stage, name, halted=session.halted_reason is not None), ok=False)
        elif name in ("submit_research", "submit_plan", "complete_phase"):
            try:
                value = validate_submission(name, arguments)
            except SubmissionInvalid as exc:
                outcome = self._count_invalid(name, ToolOutcome(str(exc), ok=False))
            else:
                outcome = ToolOutcome(await self.host.submit(name, value), ends_turn=True)
        elif name == "mark_task_done":
            outcome = ToolOutcome(await self.host.mark_task(str(arguments.get("task_id", ""))))
            outcome.ok = not outcome.text.startswith("Refused")
        else:
            outcome = await self.host.run_repository_tool(name, arguments)
        # Names and the path only: arguments may carry whole files, results may carry command output.
        log.info("tool=%s ok=%s path=%r result=%r", name, outcome.ok, str(arguments.get("path", "-"))[:200],
                 first_line(outcome.text, 120))
        await self.host.emit(AgentToolFinished(call_id, name, outcome.ok, first_line(outcome.text)))
        return outcome

    def _count_invalid(self, name: str, outcome: ToolOutcome) -> ToolOutcome:
        if name in SUBMISSION_SPECS:
            self._invalid += 1
            if self._invalid >= MAX_INVALID_SUBMISSIONS:
                outcome.ends_turn = True
        return outcome

    async def _without_tools(self, text: str) -> TurnResult:
        """The model answered in prose. Models without tool calling still get through the gates."""
        session = self.host.session
        if not text.strip():
            message = "The model sent an empty reply; try again or rephrase."
            await self.host.emit(AgentNotice(message, "warning"))
            return TurnResult("error", message, retryable=True)
        if session.stage == Stage.RESEARCH:
            missing = missing_research_sections(text)
            if not missing:
                await self.host.submit("submit_research", research_from_text(text))
                return TurnResult("submitted", "submit_research")
            if session.research is None:  # after a report, a prose reply is an answer in the chat
                names = ", ".join(SECTION_NAMES[key] for key in missing)
                problem = f"The reply is not a research report: it has no {names} section."
                return await self._refuse(UnreadableReply(kind="research", problem=problem, missing=missing,
                                                          text=text))
        if session.stage in (Stage.PLANNING, Stage.PLAN_REVIEW):
            body = plan_lines(text)
            if body is None:
                if session.stage == Stage.PLANNING:  # at plan review a prose reply is an answer in the chat
                    return await self._refuse(UnreadableReply(
                        kind="plan", text=text,
                        problem="The reply is not a plan: it has no '## <Name> Phase' headings with "
                                "'- [ ] **Task**: detail' lines."))
                return TurnResult("finished")
            try:
                plan = parse_plan_strict(body)
            except PlanParseError as exc:
                self._invalid += 1
                return await self._refuse(UnreadableReply(
                    kind="plan", text=text, line=exc.line,
                    problem=f"The plan in the reply could not be read: {exc}."))
            await self.host.submit("submit_plan", plan)
            return TurnResult("submitted", "submit_plan")
        return TurnResult("finished")

    async def _refuse(self, reply: UnreadableReply) -> TurnResult:
        """Nothing is submitted: the reply is recorded, the chat says why, the gate offers to ask again."""
        # The session is rewritten on every save: it keeps the reply's beginning (what "approve anyway" takes
        # as the report); the conversation and the transcript keep all of it.
        reply = reply.model_copy(update={"text": reply.text[:REFUSED_REPLY_CHARS]})
        await self.host.refuse_reply(reply)
        await self.host.emit(AgentNotice(reply.problem, "warning"))
        return TurnResult("not_a_report", reply.problem, retryable=True)


# --- helpers ------------------------------------------------------------------------------------------
_SECTION_PATTERNS = {
    "understanding": re.compile(r"understanding|existing architecture|summary", re.I),
    "assumptions": re.compile(r"assumption", re.I),
    "questions": re.compile(r"question", re.I),
    "risks": re.compile(r"risk", re.I),
}


#: The section names the research prompt asks for (``prompts/research.md``), as the chat names them.
SECTION_NAMES = {"understanding": "Understanding", "assumptions": "Assumptions", "questions": "Questions",
                 "risks": "Risks"}


def missing_research_sections(text: str) -> list[str]:
    """The report's sections a prose reply has no heading for (all four are asked for: a reply that lacks
    one is not taken as the report, however long it is)."""
    headings = re.findall(r"^#{1,4}\s*(.+)$|^\*\*(.+?)\*\*\s*:?\s*$", text, flags=re.M)
    found = {key for h in headings for key, pat in _SECTION_PATTERNS.items() if pat.search("".join(h))}
    return [key for key in _SECTION_PATTERNS if key not in found]


def plan_lines(text: str) -> str | None:
    """The reply with only its plan left (prose around it blanked, so a parse error's line is the reply's
    line), or None when it holds no plan. The plan itself must be in the strict format."""
    if extract_plan_markdown(text) is None:
        return None
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if line.strip().startswith("```")]
    for start, end in zip(fences[::2], fences[1::2], strict=False):
        block = "\n".join(lines[start + 1:end])
        if extract_plan_markdown(f"```\n{block}\n```") is not None:
            return "\n".join(line if start < i < end else "" for i, line in enumerate(lines))
    structural = [i for i, line in enumerate(lines) if re.match(r"^\s*(#{1,3}\s|[-*+]\s*\[)", line)]
    first, last = structural[0], structural[-1]
    return "\n".join(line if first <= i <= last else "" for i, line in enumerate(lines))


def research_from_text(text: str) -> ResearchReport:
    """Split a prose research reply into the four sections by its headings (bullets become items)."""
    sections: dict[str, list[Finding]] = {k: [] for k in _SECTION_PATTERNS}
    current = "understanding"
    loose: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        heading = re.match(r"^(?:#{1,4}\s*(.+)|\*\*(.+?)\*\*\s*:?)$", line)
        if heading:
            title = heading.group(1) or heading.group(2) or ""
            for key, pat in _SECTION_PATTERNS.items():
                if pat.search(title):
                    current = key
                    break
            continue
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", line)
        if item and item.group(1).strip():
            evidence = re.search(r"`([\w./-]+\.[\w]+)`", item.group(1))
            sections[current].append(Finding(text=item.group(1).strip(), evidence=evidence.group(1) if evidence else None))
        elif line:
            loose.append(line)
    if not sections["understanding"]:
        sections["understanding"].append(Finding(text=" ".join(loose)[:500] or text.strip()[:500]))
    return ResearchReport(**sections, raw_text=text)


NOT_RUN = "Not run: the turn was interrupted (cancelled, or phasegate stopped) before this call finished."


def answer_dangling_tool_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every tool call a result, so a cancelled or crashed turn cannot poison the conversation.

    A turn cancelled while a tool waited for approval, or a process killed between an assistant
    message and its tool results, leaves calls without results in the transcript; OpenAI-compatible
    servers reject such a conversation (HTTP 400) on every later request. The missing results are
    added (to the request only; the transcript keeps what really happened) saying the call did not run.
    """
    out: list[dict[str, Any]] = []
    pending: list[str] = []

    def close_pending() -> None:
        out.extend({"role": "tool", "tool_call_id": call_id, "content": NOT_RUN} for call_id in pending)
        pending.clear()

    for message in messages:
        if message.get("role") == "tool":
            if message.get("tool_call_id") in pending:
                pending.remove(message["tool_call_id"])
            out.append(message)
            continue
        close_pending()
        out.append(message)
        if message.get("role") == "assistant":
            pending.extend(str(call.get("id")) for call in message.get("tool_calls") or ())
    close_pending()
    return out


def estimate_tokens(message: dict[str, Any]) -> int:
    content = message.get("content") or ""
    size = len(content) if isinstance(content, str) else len(json.dumps(content))
    for call in message.get("tool_calls") or ():
        size += len(call["function"].get("arguments") or "") + 20
    return size // 4 + 4


def trim_to_budget(conversation: list[dict[str, Any]], budget: int | None, keep_recent: int = 6) -> list[dict[str, Any]]:
    """Fit the conversation into ``budget`` tokens: oldest tool output first, then old long replies.

    Message order and tool-call pairing are kept (servers reject orphaned tool messages); the
    system prompt, which carries the plan and the current phase, is built fresh by the caller and
    is never trimmed.
    """
    messages = [dict(m) for m in conversation]
    if not budget:
        return messages
    total = sum(estimate_tokens(m) for m in messages)
    cutoff = max(0, len(messages) - keep_recent)
    for role, keep_chars in (("tool", 0), ("assistant", 300), ("user", 600)):
        for message in messages[:cutoff]:
            if total <= budget:
                return messages
            content = message.get("content")
            if message["role"] != role or not isinstance(content, str) or len(content) <= max(keep_chars, len(TRIMMED)):
                continue
            before = estimate_tokens(message)
            message["content"] = TRIMMED if role == "tool" else content[:keep_chars] + " … [trimmed]"
            total -= before - estimate_tokens(message)
    return messages


__all__ = [
    "Agent",
    "AgentEvent",
    "answer_dangling_tool_calls",
    "AgentHost",
    "AgentNotice",
    "AgentProgress",
    "AgentText",
    "AgentToolFinished",
    "AgentToolStarted",
    "AgentUsage",
    "ToolOutcome",
    "TurnResult",
    "research_from_text",
    "trim_to_budget",
]
