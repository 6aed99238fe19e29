"""The victim of the SIGKILL test: a scripted phasegate session on a real repository, forever.

``drive_forever(repo, events_fd)`` opens the controller (resuming the newest unfinished session, or
starting a new one), and drives it through every gate like a user who approves everything: research,
plan, the ``database`` phase (commit), the ``api`` phase (commit), then a rollback of ``database`` (a
``git revert``), the ``testing`` phase (commit), the final review. Then it starts the next session.
It is meant to be SIGKILLed at any moment and restarted; the test checks what it left on disk.

Before each interesting moment it writes one byte to ``events_fd`` so the test can aim its kill:
``s`` a model reply starts streaming, ``w`` a tool write starts, ``c`` a phase commit starts, ``v`` a
revert starts, ``d`` a session is done. The model's replies depend on the session id, so every
session writes different contents and the test can tell exactly which phase wrote what.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from phasegate.app.agent.tools import CommandDecision, CommandRequest, ToolRunner
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.git.service import GitService
from phasegate.app.session.controller import ApprovalBlocked, Controller
from phasegate.phases.models import PhaseStatus, Stage

PHASE_FILES: dict[str, tuple[str, ...]] = {
    "database": ("schema.sql", "data/seed.sql"),
    "api": ("api/routes.txt",),
    "testing": ("docs/testing.md",),
}
SEED_LINES = 1_500  # ~75 KB: a write takes long enough for a kill to land inside it


def content(session_id: str, slug: str, path: str) -> str:
    """What phase ``slug`` of session ``session_id`` writes to ``path``: whole, or not at all."""
    if path == "data/seed.sql":
        return "".join(f"INSERT INTO users VALUES ({i}, '{session_id}-{i}');\n" for i in range(SEED_LINES))
    return f"-- {slug} phase of session {session_id}\n{path} line 1\n{path} line 2\n"


def _report(slug: str) -> dict[str, Any]:
    return {"summary": f"{slug} done", "changes": [slug], "verification": [{"step": "looked", "passed": True}]}


def script(session_id: str) -> list[Turn]:
    plan = {"phases": [
        {"slug": slug, "title": slug.title(), "tasks": [{"title": "Do it", "detail": f"the {slug} work"}]}
        for slug in PHASE_FILES
    ]}
    research = {"understanding": [{"text": "A small repository", "evidence": "README.md"}],
                "assumptions": [], "questions": [], "risks": []}
    chatter = "Thinking about this carefully, one step at a time. " * 4
    turns = [
        Turn(match="Stage: research", text=chatter, tool_calls=[
            ToolCall("read_file", {"path": "README.md"}), ToolCall("submit_research", research)], repeat=True),
        Turn(match="Stage: planning", text=chatter, tool_calls=[ToolCall("submit_plan", plan)], repeat=True),
    ]
    for slug, files in PHASE_FILES.items():
        calls = [ToolCall("write_file", {"path": p, "content": content(session_id, slug, p)}) for p in files]
        turns.append(Turn(match=f"Current phase: {slug}", text=chatter, chunk_chars=4096,
                          tool_calls=[*calls, ToolCall("complete_phase", _report(slug))], repeat=True))
    turns.append(Turn(text="Noted.", repeat=True))
    return turns


class _Signals:
    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def __call__(self, byte: bytes) -> None:
        if self.fd is not None:
            os.write(self.fd, byte)


def _instrument(signal: _Signals) -> None:
    """Announce the moments the test aims at (wrapping the real methods; the behaviour is unchanged)."""
    commit, revert, write = GitService.commit_phase, GitService.revert_phase, ToolRunner._tool_write_file

    def commit_phase(self: GitService, **kw: Any) -> str:
        signal(b"c")
        return commit(self, **kw)

    def revert_phase(self: GitService, slug: str, **kw: Any) -> str:
        signal(b"v")
        return revert(self, slug, **kw)

    async def write_file(self: ToolRunner, path: str, content: str) -> Any:
        signal(b"w")
        return await write(self, path, content)

    GitService.commit_phase = commit_phase  # type: ignore[method-assign]
    GitService.revert_phase = revert_phase  # type: ignore[method-assign]
    ToolRunner._tool_write_file = write_file  # type: ignore[method-assign]


async def _approve(request: CommandRequest) -> CommandDecision:
    return CommandDecision(approved=True, typed_confirmation="migrate" if request.kind == "migration" else None)


async def _drive(c: Controller) -> None:
    """Approve every gate, rolling back ``database`` once ``api`` is committed (as a user might)."""
    for _ in range(60):
        s = c.session
        if s.stage == Stage.DONE:
            return
        if s.stage == Stage.RESEARCH and s.research is None:
            if not c.conversation:
                await c.start()
            else:
                await c.user_message("Please submit your research report.")
        elif s.stage == Stage.PHASE_REVIEW:
            try:
                await c.approve()
            except ApprovalBlocked:
                await c.approve(overrides=["crash test"])
        elif (s.stage == Stage.EXECUTING and s.active_phase is None
              and s.phase_state("api").status == PhaseStatus.COMMITTED
              and s.phase_state("database").status == PhaseStatus.COMMITTED):
            await c.rollback("database")
        else:
            await c.approve()
    raise RuntimeError(f"the session did not finish: {c.session.stage}")


def drive_forever(repo: str, events_fd: int | None = None) -> None:
    signal = _Signals(events_fd)
    _instrument(signal)

    async def main() -> None:
        with ScriptedServer([], pace_s=0.0) as server:
            settings = load_settings(Path(repo), {
                "base_url": server.base_url, "api_key": "sk-crash-test-key-0123456789", "model": "scripted",
                "max_retries": 0,
            }).settings
            number = 0
            while True:
                number += 1

                def listener(event: Any) -> None:
                    if type(event).__name__ == "TurnStarted":
                        signal(b"s")

                c = Controller.open(repo, settings, approver=_approve, listener=listener,
                                    task=f"Add users ({os.getpid()}-{number})")
                server.script[:] = script(c.session.id)
                await _drive(c)
                c.close()
                signal(b"d")

    asyncio.run(main())


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/flows/reliability/crash_session.py REPO
    import sys

    drive_forever(sys.argv[1])
