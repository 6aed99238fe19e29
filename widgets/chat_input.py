"""The chat's multi-line input: enter inserts a newline, ``ctrl+j`` / ``alt+enter`` send, ``escape`` cancels.

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
        Binding("escape", "cancel", "Cancel turn", show=True, id="chat.cancel"),
    ]

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
        """escape in the input.

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
            placeholder=placeholder or "Message the model…  (ctrl+j send · enter newline · esc cancel · tab out, then y/e/n at a gate)",
        )

    def action_send(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Send(self, text))
            self.clear()

    def action_cancel(self) -> None:
        self.post_message(self.Cancel(self))
