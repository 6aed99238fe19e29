"""The chat's multi-line input: enter inserts a newline, ``ctrl+j`` / ``alt+enter`` send; ``escape`` cancels
the model's turn while one runs (``Cancel``) and otherwise leaves the input for the plan (``Leave``), where
the gate keys work.

Printable keys (``y``, ``n``…) are consumed by the TextArea before any App binding sees them, so typing
a reply can never approve a gate.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class ChatInput(TextArea):
    BINDINGS = [
        Binding("ctrl+j", "send", "Send", show=True, id="chat.send"),
        Binding("alt+enter", "send", "Send", show=False, id="chat.send-alt"),
        # One key, two meanings: only one of the two is active at a time (check_action).
        Binding("escape", "cancel", "Cancel turn", show=True, id="chat.cancel"),
        Binding("escape", "leave", "Plan · gate keys", show=True, id="chat.leave"),
    ]
    PLACEHOLDER = "Message the model…  (ctrl+j send · enter newline · esc: to the plan and the gate keys y/e/n)"

    class Send(Message):
        """ctrl+j (or alt+enter) with text in the input.

        Attributes:
            input: the chat input.
            text: the text, stripped.
        """

        def __init__(self, input: ChatInput, text: str) -> None:  # noqa: A002 - what it is
            super().__init__()
            self.input = input
            self.text = text

        @property
        def control(self) -> ChatInput:
            return self.input

    class Cancel(Message):
        """escape in the input while a turn runs.

        Attributes:
            input: the chat input.
        """

        def __init__(self, input: ChatInput) -> None:  # noqa: A002 - what it is
            super().__init__()
            self.input = input

        @property
        def control(self) -> ChatInput:
            return self.input

    class Leave(Message):
        """escape in the input while no turn runs: the user wants the gate keys (the App moves the focus).

        Attributes:
            input: the chat input.
        """

        def __init__(self, input: ChatInput) -> None:  # noqa: A002 - what it is
            super().__init__()
            self.input = input

        @property
        def control(self) -> ChatInput:
            return self.input

    def __init__(self, *, id: str | None = "chat-input", placeholder: str = "") -> None:  # noqa: A002
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder or self.PLACEHOLDER,
        )
        self._turn_running = False

    @property
    def turn_running(self) -> bool:
        """Whether escape cancels a turn (True) or leaves the input (False); the chat sets it."""
        return self._turn_running

    @turn_running.setter
    def turn_running(self, running: bool) -> None:
        if running != self._turn_running:
            self._turn_running = running
            self.refresh_bindings()  # the footer shows "Cancel turn" or "Plan · gate keys"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self._turn_running
        if action == "leave":
            return not self._turn_running
        return super().check_action(action, parameters)

    def action_send(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Send(self, text))
            self.clear()

    def action_cancel(self) -> None:
        self.post_message(self.Cancel(self))

    def action_leave(self) -> None:
        self.post_message(self.Leave(self))
