"""The seam between the session and the screen: controller and agent events become Textual Messages.

The controller calls its listener with plain dataclasses (``app/session/events.py``,
``app/agent/loop.py``); :class:`Bridge` is that listener for the workbench. It wraps each event in the
Message below and posts it to the App, whose ``@on`` handlers render it. Thread workers hand their
results back the same way (the ``…Ready`` messages): a worker computes, a handler on the event loop
owns every change (to widgets, and through the controller to the session).

Nothing here imports the agent or the session at import time: the first frame must not wait for them
(``tests/meta/test_import_hygiene.py``); the event types are looked up when the first event arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App

    from phasegate.app.agent.loop import (
        AgentNotice,
        AgentProgress,
        AgentText,
        AgentToolFinished,
        AgentToolStarted,
        AgentUsage,
    )
    from phasegate.app.session.events import (
        ControllerEvent,
        FilesChanged,
        SessionChanged,
        TurnEnded,
        TurnStarted,
    )
    from phasegate.app.session.review import Blocker, ReviewFacts


class ModelText(Message):
    """A piece of the model's reply. Attributes: ``event`` (``AgentText``: ``text``)."""

    def __init__(self, event: AgentText) -> None:
        super().__init__()
        self.event = event


class ToolStarted(Message):
    """The model called a tool. Attributes: ``event`` (``AgentToolStarted``: ``call_id``, ``name``, ``arguments``)."""

    def __init__(self, event: AgentToolStarted) -> None:
        super().__init__()
        self.event = event


class ToolFinished(Message):
    """A tool call ended. Attributes: ``event`` (``AgentToolFinished``: ``call_id``, ``name``, ``ok``, ``summary``)."""

    def __init__(self, event: AgentToolFinished) -> None:
        super().__init__()
        self.event = event


class Notice(Message):
    """Something to tell the user. Attributes: ``event`` (``AgentNotice``: ``text``, ``severity``)."""

    def __init__(self, event: AgentNotice) -> None:
        super().__init__()
        self.event = event


class UsageChanged(Message):
    """A model reply's token usage was counted. Attributes: ``event`` (``AgentUsage``)."""

    def __init__(self, event: AgentUsage) -> None:
        super().__init__()
        self.event = event


class ReplyProgress(Message):
    """A reply streaming: tokens so far, speed, elapsed. Attributes: ``event`` (``AgentProgress``)."""

    def __init__(self, event: AgentProgress) -> None:
        super().__init__()
        self.event = event


class TurnBegan(Message):
    """A model turn began. Attributes: ``event`` (``TurnStarted``: ``label``)."""

    def __init__(self, event: TurnStarted) -> None:
        super().__init__()
        self.event = event


class TurnFinished(Message):
    """A model turn ended. Attributes: ``event`` (``TurnEnded``: ``result``)."""

    def __init__(self, event: TurnEnded) -> None:
        super().__init__()
        self.event = event


class SessionUpdated(Message):
    """The session changed. Attributes: ``event`` (``SessionChanged``: ``session``, ``event`` name)."""

    def __init__(self, event: SessionChanged) -> None:
        super().__init__()
        self.event = event


class FilesUpdated(Message):
    """Files in the working tree changed. Attributes: ``event`` (``FilesChanged``: ``paths``)."""

    def __init__(self, event: FilesChanged) -> None:
        super().__init__()
        self.event = event


# --- results of the App's workers -----------------------------------------------------------------------


class ReviewReady(Message):
    """The review of the phase under review was computed (in a thread).

    Attributes:
        review: the facts (diff, findings, schema and contract changes) and their identity hash.
        blockers: what blocks committing it without an override.
    """

    def __init__(self, review: ReviewFacts, blockers: list[Blocker]) -> None:
        super().__init__()
        self.review = review
        self.blockers = blockers


class PhaseDiffReady(Message):
    """The open phase's diff was read. Attributes: ``text`` (empty: no changes)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class SchemaReady(Message):
    """The live schema of the open phase was read (in a thread).

    Attributes:
        phase: the phase it was read for (a result for a phase no longer executing is dropped).
        schema: the working tree's schema (``phasegate schema --json``'s shape).
        changes: its changes since the phase's base (``schema --diff``'s ``changes``).
    """

    def __init__(self, phase: str, schema: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        super().__init__()
        self.phase = phase
        self.schema = schema
        self.changes = changes


class CommitDiffReady(Message):
    """A committed phase's diff, for the viewer. Attributes: ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class RepoSummaryReady(Message):
    """The repository audit was computed. Attributes: ``summary`` (Markdown)."""

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


class FinalReportReady(Message):
    """The session report was built. Attributes: ``markdown``."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown


class Bridge:
    """The workbench's controller listener: posts each event to ``app`` as its Message (in order)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._kinds: dict[type, type[Message]] | None = None

    def _load(self) -> dict[type, type[Message]]:
        from phasegate.app.agent.loop import (
            AgentNotice,
            AgentProgress,
            AgentText,
            AgentToolFinished,
            AgentToolStarted,
            AgentUsage,
        )
        from phasegate.app.session.events import FilesChanged, SessionChanged, TurnEnded, TurnStarted

        self._kinds = {
            AgentText: ModelText, AgentToolStarted: ToolStarted, AgentToolFinished: ToolFinished,
            AgentNotice: Notice, AgentUsage: UsageChanged, TurnStarted: TurnBegan, TurnEnded: TurnFinished,
            SessionChanged: SessionUpdated, FilesChanged: FilesUpdated, AgentProgress: ReplyProgress,
        }
        return self._kinds

    def __call__(self, event: ControllerEvent) -> None:
        kinds = self._kinds or self._load()
        self.app.post_message(kinds[type(event)](event))  # type: ignore[call-arg]
