"""Shared pieces of the reliability tests: a controller on a real repo talking to the scripted server.

Not a conftest (tests/conftest.py already is one, and two modules named ``conftest`` would clash):
the tests import it by name because pytest puts this directory on ``sys.path``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from phasegate.app.agent.llm import LLMClient
from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.session.controller import Controller

API_KEY = "sk-reliability-test-key-0123456789"

RESEARCH = {
    "understanding": [{"text": "A tiny repo with a README", "evidence": "README.md"}],
    "assumptions": [],
    "questions": [],
    "risks": [],
}
PLAN = {
    "phases": [
        {"slug": "database", "title": "Database", "tasks": [{"title": "Schema", "detail": "users table"}]},
        {"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "POST /users"}]},
    ]
}


def report(summary: str) -> dict[str, Any]:
    return {"summary": summary, "changes": [summary], "verification": [{"step": "checks", "passed": True}]}


def submit_research() -> Turn:
    return Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)])


def submit_plan() -> Turn:
    return Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)])


class Approvals:
    """The user's answers to command prompts; records every request shown."""

    def __init__(self, approve: bool = True, typed: str | None = "migrate") -> None:
        self.requests: list[CommandRequest] = []
        self.approve = approve
        self.typed = typed

    async def __call__(self, request: CommandRequest) -> CommandDecision:
        self.requests.append(request)
        typed = self.typed if request.kind == "migration" else None
        return CommandDecision(approved=self.approve, typed_confirmation=typed)


def settings_for(repo: Path, base_url: str, **overrides: Any) -> Any:
    values = {"base_url": base_url, "api_key": API_KEY, "model": "scripted", "max_retries": 0, **overrides}
    return load_settings(repo, values).settings


def open_controller(repo: Path, base_url: str, approvals: Approvals | None = None, *, task: str = "Add users",
                    backoff_s: float = 0.01, listener: Any = None, **overrides: Any) -> Controller:
    """A fresh session on ``repo``; the model client backs off in milliseconds so retries stay fast."""
    settings = settings_for(repo, base_url, **overrides)
    controller = Controller.open(repo, settings, approver=approvals or Approvals(), task=task, resume=False,
                                 listener=listener)
    controller._llm = LLMClient(settings, backoff_s=backoff_s)
    return controller


class Recorder:
    """A controller listener that keeps every event (the UI's view of what happened)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def notices(self, severity: str | None = None) -> list[str]:
        return [e.text for e in self.events
                if type(e).__name__ == "AgentNotice" and (severity is None or e.severity == severity)]


def all_requests_text(server: ScriptedServer) -> str:
    return "\n".join(json.dumps(r) for r in server.requests)


async def to_plan_review(controller: Controller) -> None:
    await controller.start()
    await controller.approve()  # research → planning → plan submitted


async def to_executing(controller: Controller) -> None:
    """Through research and plan approval, without letting the model run the first phase."""
    await to_plan_review(controller)
    await controller.approve(run_model=False)


def phase_turns(*calls: ToolCall, slug: str = "database") -> list[Turn]:
    """Research, the two-phase plan, then ``slug``'s phase making ``calls`` and completing."""
    return [
        submit_research(),
        submit_plan(),
        Turn(match=f"Current phase: {slug}", tool_calls=[*calls, ToolCall("complete_phase", report(slug))]),
        Turn(text="Noted.", repeat=True),
    ]


async def to_phase_review(controller: Controller) -> None:
    """Research, plan, and the first phase run by the model, up to its review gate."""
    await to_executing(controller)
    result = await controller.run_turn(controller.session.current_phase or "")
    assert controller.session.stage.value == "phase_review", (result, controller.conversation[-3:])
