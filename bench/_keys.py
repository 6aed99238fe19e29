"""Key-press latency as the user sees it: from the key arriving to the first painted frame showing its effect.

A key is injected the way the terminal driver injects one (``driver.send_message`` from outside the
app's own tasks), not through ``Pilot.press`` (which waits for the app to go idle first and would hide
exactly the wait we want to see). Each press carries a predicate that says whether its effect happened
(the input holds the typed text, the log scrolled…). The app's ``_display`` — where every rendered frame
goes to the driver — is wrapped: at each frame, the presses whose predicate now holds are done, and the
time since their key was sent is their latency. Rendering is synchronous up to ``_display``, so a frame
that passes the predicate check was rendered from that very state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App


class KeyProbe:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.latencies: list[float] = []
        self._pending: list[tuple[float, str, Callable[[], bool]]] = []
        self.frames = 0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            self.frames += 1
            now = time.monotonic()
            waiting = []
            for sent, key, done in self._pending:
                if done():
                    self.latencies.append(now - sent)
                else:
                    waiting.append((sent, key, done))
            self._pending = waiting

        app._display = display

    def press(self, key: str, done: Callable[[], bool], char: str | None = None) -> None:
        """Send ``key`` now; it is done at the first frame painted after ``done()`` became true."""
        event = events.Key(key, char if char is not None else (key if len(key) == 1 else None))
        event.set_sender(self.app)
        self._pending.append((time.monotonic(), key, done))
        self.app._driver.send_message(event)

    async def settle(self, timeout: float = 2.0) -> None:
        """Wait until every press has been seen on screen; a press never seen counts as ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        for sent, _key, _done in self._pending:
            self.latencies.append(max(timeout, time.monotonic() - sent))
        self._pending = []

    @property
    def worst_ms(self) -> float:
        return max(self.latencies, default=float("inf")) * 1000


def chat_host() -> App[None]:
    """A bare App holding one Chat widget (id ``chat``): what the chat benchmarks drive."""
    from textual.app import ComposeResult

    from phasegate.widgets.chat import Chat

    class ChatHost(App[None]):
        def compose(self) -> ComposeResult:
            yield Chat(id="chat")

    return ChatHost()
