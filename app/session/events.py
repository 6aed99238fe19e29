"""What the controller tells its listener (the workbench's bridge, the headless printer), besides the
agent's own events (``app/agent/loop.py``). Plain frozen dataclasses: the TUI wraps each one in a
Textual ``Message`` (``app/tui/bridge.py``); the headless driver prints some."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from phasegate.app.agent.loop import AgentEvent, TurnResult
from phasegate.phases.models import Session

if TYPE_CHECKING:
    from phasegate.app.agent.tools import CommandDecision, CommandRequest


@dataclass(frozen=True)
class SessionChanged:
    """The session changed; ``event`` is the name of the workflow event that changed it."""

    session: Session
    event: str = ""


@dataclass(frozen=True)
class TurnStarted:
    """A model turn began; ``label`` says for what (a stage or a phase slug)."""

    label: str


@dataclass(frozen=True)
class TurnEnded:
    result: TurnResult


@dataclass(frozen=True)
class FilesChanged:
    """Files in the working tree changed (a tool wrote, hunks were reversed, a phase was discarded)."""

    paths: tuple[str, ...]


SessionEvent: TypeAlias = SessionChanged | TurnStarted | TurnEnded | FilesChanged
ControllerEvent: TypeAlias = AgentEvent | SessionEvent
Listener = Callable[[ControllerEvent], Awaitable[None] | None]
CommandApprover = Callable[["CommandRequest"], Awaitable["CommandDecision"]]
