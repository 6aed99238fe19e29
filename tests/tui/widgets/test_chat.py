"""The chat: input keys, streamed replies, tool entries, notices, escape stripping, copy, busy line."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, TextArea

from phasegate.widgets.chat import Chat
from phasegate.widgets.chat_message import AssistantMessage, Notice, UserMessage
from tests.tui.widgets.widget_hosts import ChatFooterHost, ChatHost, screen_lines, screen_text

HOSTILE = "Done.\x1b[2J\x1b]52;c;ZXZpbA==\x07 and \x9b31m[red]not markup[/red]\r\nnext line"


async def wait_for_text(pilot, app: ChatHost, text: str, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Until ``text`` is on the screen (the progress line repaints on its own timer)."""
    for _ in range(int(timeout / 0.05)):
        if text in screen_text(app):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} never shown; the screen:\n{screen_text(app)}")


def submitted(app: ChatHost) -> list[str]:
    return [m.text for m in app.posted if isinstance(m, Chat.Submitted)]


async def test_typing_y_in_the_input_inserts_y_and_does_not_approve() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.focused is app.query_one("#chat-input")
        await pilot.press("y", "e", "s")
        assert app.query_one("#chat-input", TextArea).text == "yes"
        assert app.approvals == 0
        # Outside the input the same key does approve: the test above is not vacuous.
        app.set_focus(None)
        await pilot.press("y")
        assert app.approvals == 1


async def test_enter_inserts_a_newline_and_ctrl_j_or_alt_enter_send() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        text_area = app.query_one("#chat-input", TextArea)
        await pilot.press("h", "i", "enter", "t", "h", "e", "r", "e")
        assert text_area.text == "hi\nthere"
        assert submitted(app) == []
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert submitted(app) == ["hi\nthere"]
        assert text_area.text == ""
        await pilot.press("o", "k", "alt+enter")
        await pilot.pause()
        assert submitted(app) == ["hi\nthere", "ok"]
        await pilot.press("space", "ctrl+j")  # blank input: nothing to send
        await pilot.pause()
        assert submitted(app) == ["hi\nthere", "ok"]


async def test_escape_cancels_a_running_turn_and_otherwise_leaves_for_the_gate_keys() -> None:
    app = ChatFooterHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        await pilot.pause()
        assert "esc: to the plan and the gate keys y/e/n" in screen_text(app)  # the placeholder says so
        assert "Plan · gate keys" in screen_text(app) and "Cancel turn" not in screen_text(app)  # the footer
        await pilot.press("escape")
        await pilot.pause()
        assert [type(m) for m in app.posted] == [Chat.LeaveRequested]
        chat.set_busy(True, "researching…")
        await pilot.pause()
        assert "Cancel turn" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert [type(m) for m in app.posted] == [Chat.LeaveRequested, Chat.CancelRequested]


async def test_streamed_reply_renders_markdown_and_no_terminal_escapes() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat.add_user("please add a users table")
        handle = chat.begin_assistant()
        for chunk in ("# Plan\n\n", "Adding **users** ", "table.\n\n", HOSTILE):
            await handle.append(chunk)
        await handle.finish()
        await pilot.pause()
        markdown = handle.message.query_one(Markdown)
        assert "\x1b" not in markdown.source and "\x07" not in markdown.source and "\x9b" not in markdown.source
        assert handle.text == markdown.source
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert "please add a users table" in text
        assert "Plan" in text and "Adding users table." in text
        assert "[2J]52;c;ZXZpbA== and 31m[red]not markup[/red]" in text
        assert "next line" in text
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in segment.text), segment
        assert chat.messages_text()[0] == "please add a users table"


async def test_user_text_and_notices_are_not_markup() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat.add_user("[b]bold?[/b] \x1b[31mred")
        chat.add_notice("rate limited [429], retrying in 2 s", "warning")
        chat.add_notice("stream cut", "error")
        await pilot.pause()
        text = screen_text(app)
        assert "[b]bold?[/b] [31mred" in text
        assert "⚠ rate limited [429], retrying in 2 s" in text
        assert "✗ stream cut" in text
        notices = list(app.query(Notice))
        assert [n.severity for n in notices] == ["warning", "error"]
        assert notices[1].has_class("-error")


async def test_tool_calls_are_compact_entries_completed_in_place() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat.add_tool_call("c1", "read_file", '{"path": "db/schema.sql"}')
        chat.add_tool_call("c2", "run_command", "[b]rm -rf /[/b]")
        await pilot.pause()
        text = screen_text(app)
        assert '… read_file({"path": "db/schema.sql"})' in text
        assert "run_command([b]rm -rf /[/b])" in text
        chat.complete_tool_call("c1", True, "42 lines")
        chat.complete_tool_call("c2", False, "refused: not allowed in research")
        await pilot.pause()
        text = screen_text(app)
        assert '✓ read_file({"path": "db/schema.sql"})  → 42 lines' in text
        assert "✗ run_command([b]rm -rf /[/b])  → refused: not allowed in research" in text
        # Collapsed: the detail is not shown until the entry is expanded.
        assert "arguments:" not in text
        await pilot.click("ToolEntry CollapsibleTitle")
        await pilot.pause()
        assert 'arguments: {"path": "db/schema.sql"}' in screen_text(app)
        chat.complete_tool_call("unknown", False, "late result")
        await pilot.pause()
        assert "tool result error: late result" in screen_text(app)


async def test_the_log_stays_anchored_to_the_bottom_while_streaming() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 24)) as pilot:
        chat = app.query_one(Chat)
        for index in range(30):
            chat.add_notice(f"event {index}")
        handle = chat.begin_assistant()
        for index in range(20):
            await handle.append(f"line {index}\n\n")
        await handle.finish()
        await pilot.pause()
        log = chat.log_view
        assert log.max_scroll_y > 0
        assert log.scroll_y == log.max_scroll_y
        assert "line 19" in screen_text(app)


async def test_c_copies_the_focused_message_and_failure_is_reported_not_raised() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat.add_user("copy me")
        handle = chat.begin_assistant()
        await handle.append("the **reply**")
        await handle.finish()
        await pilot.pause()
        app.query_one(AssistantMessage).focus()
        await pilot.press("c")
        assert app.clipboard == "the **reply**"
        app.query_one(UserMessage).focus()

        def broken(text: str) -> None:
            raise OSError("no clipboard here")

        app.copy_to_clipboard = broken  # type: ignore[method-assign]
        await pilot.press("c")
        await pilot.pause()
        assert any("Could not copy" in str(n.message) for n in app._notifications)


async def test_busy_line_shows_the_label_and_goes_away() -> None:
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat.set_busy(True, "researching…")
        await pilot.pause()
        assert chat.busy and "researching…" in screen_text(app)
        chat.set_busy(False)
        await pilot.pause()
        assert not chat.busy and "researching…" not in screen_text(app)


def test_snapshot_transcript(snap_compare) -> None:
    assert snap_compare(f"{Path(__file__).parent / 'widget_hosts.py'}:chat_app", terminal_size=(90, 34))


async def test_a_long_session_keeps_a_window_of_entries_and_says_how_many_are_hidden() -> None:
    from phasegate.widgets.chat import MAX_ENTRIES, TRIM_BATCH

    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        total = MAX_ENTRIES + TRIM_BATCH + 5
        for i in range(total):
            chat.add_tool_call(f"call-{i}", "read_file", f"path=f{i}.py")
        await pilot.pause()
        entries = [c for c in chat.log_view.children if c.id != "chat-earlier"]
        assert MAX_ENTRIES <= len(entries) < MAX_ENTRIES + TRIM_BATCH
        hidden = total - len(entries)
        marker = chat.log_view.children[0]
        assert marker.id == "chat-earlier"
        assert f"{hidden} earlier entries are not shown" in str(marker.render())
        # The newest entries are the ones kept; a result for a trimmed call still shows, as a notice.
        assert [e.call_id for e in entries][-1] == f"call-{total - 1}"
        assert entries[0].call_id == f"call-{hidden}"
        chat.complete_tool_call("call-0", True, "1 | old")
        await pilot.pause()
        assert "tool result ok: 1 | old" in chat.messages_text()[-1]


async def test_a_long_reply_is_streamed_into_segments_never_splitting_a_code_fence() -> None:
    from phasegate.widgets.chat import SEGMENT_CHARS, block_boundary

    paragraph = "The service validates the request body before the repository writes a row.\n\n"
    fence = "```python\n" + "x = 1\n\n" * 40 + "```\n\n"
    reply = paragraph * (SEGMENT_CHARS // len(paragraph)) + fence + paragraph * 60
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        handle = chat.begin_assistant()
        for i in range(0, len(reply), 7):
            await handle.append(reply[i:i + 7])
        await handle.finish()
        await pilot.pause()
        message = handle.message
        assert len(message.segments) >= 3
        assert message.rendered_source == reply
        # Closed segments are single Statics; every segment holds whole fences.
        assert all(not isinstance(s, Markdown) for s in message.segments[:-1])
        for segment in message.segments:
            assert segment.source.count("```") % 2 == 0
    assert block_boundary("a\n\nb", False) == (3, False)
    assert block_boundary("```\na\n\nb", False) == (None, True)


async def test_progress_line_shows_tokens_speed_and_elapsed_time_and_keeps_counting() -> None:
    clock = [100.0]
    app = ChatHost()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(Chat)
        chat._clock = lambda: clock[0]
        chat.set_busy(True, "researching…")
        chat.show_progress(0, 0.0)
        await pilot.pause()
        assert "reply waiting for the first token  ·  0.0 s" in screen_text(app)
        clock[0] += 3.0  # no token yet: the elapsed time goes on all the same
        await wait_for_text(pilot, app, "waiting for the first token  ·  3.0 s")
        chat.show_progress(4012, 222.5, 18.1)
        await wait_for_text(pilot, app, "reply ≈4,012 tokens  ·  18.1 tok/s  ·  3m42s")
        chat.show_progress(4100, 230.0, 18.0, done=True)
        clock[0] += 10.0  # done: the figures stay as they are
        await wait_for_text(pilot, app, "reply done ≈4,100 tokens  ·  18.0 tok/s  ·  3m50s")
        assert chat.progress_line == "reply done ≈4,100 tokens  ·  18.0 tok/s  ·  3m50s"
        chat.set_busy(False)  # the turn ended: no progress line
        await pilot.pause()
        assert chat.progress_line == "" and "tok/s" not in screen_text(app)


def test_snapshot_progress_line(snap_compare) -> None:
    assert snap_compare(f"{Path(__file__).parent / 'widget_hosts.py'}:chat_progress_app", terminal_size=(90, 20))
