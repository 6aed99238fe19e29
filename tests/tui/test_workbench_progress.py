"""Honest progress and the way from the chat to the gate keys, in the real workbench.

Real parts: a git repository, the openai client talking to the scripted server on 127.0.0.1 (here in
the mode that reports no usage, as llama.cpp's server does while streaming), the Textual app.
"""

from __future__ import annotations

from pathlib import Path

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, Turn
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import Stage
from phasegate.widgets.chat import Chat
from tests.support.workbench import idle, notes_repo, shown, wait_until, workbench_script

LONG_REPLY = "The repository keeps notes in one table and serves them over a small API. " * 40


def make_app(repo: Path, server: ScriptedServer, task: str = "Add users") -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task=task, resume=False, grace=0)


def header_text(app: Workbench) -> str:
    return app.header.render().plain


async def test_without_usage_from_the_server_the_header_shows_estimates_and_the_chat_shows_progress(
    tmp_path: Path,
) -> None:
    repo = notes_repo(tmp_path / "repo")
    # The first reply streams slowly (3,000 characters in 100 pieces, 30 ms apart): long enough to watch.
    script = [Turn(match="Stage: research", text=LONG_REPLY, chunk_chars=30), *workbench_script()]
    with ScriptedServer(script, pace_s=0.03, report_usage=False) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            chat = app.query_one(Chat)
            await wait_until(pilot, lambda: "tok/s" in chat.progress_line, what="the progress line with a speed")
            line = chat.progress_line
            assert line.startswith("reply ≈") and " tokens  ·  " in line and line.endswith(" s")
            assert "tok/s" in await shown(pilot, app, "tok/s")  # on the screen, not only in the widget
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.usage.total_tokens > 0)
            await idle(pilot, app)
            usage = app.controller.session.usage
            assert usage.estimated_tokens == usage.total_tokens > 0  # all counted by phasegate
            # The reply is 2,960 characters: 740 tokens at the calibrated 4 characters a token.
            assert usage.completion_tokens == round(len(LONG_REPLY) / 4) and usage.prompt_tokens > 0
            header = header_text(app)
            assert f"tokens ≈{usage.total_tokens / 1000:.1f}k" in header and "tokens 0" not in header
            assert "cost ≈$0.00" in header
            assert chat.progress_line == ""  # the turn is over: no progress line
            await pilot.press("ctrl+q")


async def test_a_server_that_reports_usage_gets_plain_figures(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            assert app.controller.session.usage.estimated_tokens == 0
            assert "≈" not in header_text(app) and "tokens 0" not in header_text(app)
            await pilot.press("ctrl+q")


async def test_escape_in_the_idle_chat_input_moves_to_the_plan_where_y_approves(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            await shown(pilot, app, "Approve research → write the plan")
            chat_input = app.query_one("#chat-input")
            chat_input.focus()
            await pilot.pause()
            text = await shown(pilot, app, "esc Plan · gate keys")  # the footer says what escape does
            assert "y Approve" not in text.splitlines()[-1]  # in the input, y is a letter: no gate keys
            await pilot.press("escape")
            await pilot.pause()
            assert app.focused is app.plan_widget.plan_tree
            footer = (await shown(pilot, app, "y Approve")).splitlines()[-1]
            assert "e Changes" in footer
            await pilot.press("y")
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PLAN_REVIEW
            await pilot.press("ctrl+q")
