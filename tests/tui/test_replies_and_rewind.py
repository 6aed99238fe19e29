"""Replies that are not a report, and rewinding to before a phase, in the real workbench.

Real parts: a git repository, the openai client talking to the scripted server on 127.0.0.1, the Textual
app (headless), driven with keys and asserting what the chat and the approval bar show.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import Stage
from tests.support.workbench import RESEARCH, idle, notes_repo, press_gate, shown, wait_until

NONSENSE = "report report the the of of research research " * 30  # what a tiny model's loop looks like


def make_app(repo: Path, server: ScriptedServer, task: str = "Add users") -> Workbench:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
    return Workbench(repo, settings, task=task, resume=False, grace=0)


async def test_a_nonsense_research_reply_is_not_taken_as_the_report(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    script = [
        Turn(match="Stage: research", text=NONSENSE),
        Turn(match="The reply is not a research report", text="Here it is.",
             tool_calls=[ToolCall("submit_research", RESEARCH)]),
    ]
    with ScriptedServer(script) as server:
        app = make_app(repo, server)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.unreadable_reply is not None)
            await idle(pilot, app)
            text = await shown(pilot, app, "The reply is not a research report: it has no Understanding,")
            assert "Approve the reply anyway as the research report" in text
            assert "Approve research → write the plan" not in text
            assert app.controller.session.research is None

            # Approve is explicit: a confirmation that says what the reply lacks; escape approves nothing.
            await press_gate(pilot, app, "y")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            assert "Approve the reply anyway?" in await shown(pilot, app, "Approve anyway")
            await pilot.press("escape")
            await wait_until(pilot, lambda: len(app.screen_stack) == 1)
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.RESEARCH and app.controller.session.research is None

            # Request changes asks again; the model is told what was missing and sends its report.
            await press_gate(pilot, app, "e")
            await wait_until(pilot, lambda: len(app.screen_stack) > 1)
            await shown(pilot, app, "Ask again")
            await pilot.pause()
            app.screen.query_one(Input).value = ""
            await pilot.press("enter")
            await idle(pilot, app)
            told = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"][-1]
            assert told.startswith("[phasegate] The reply is not a research report: it has no Understanding")
            assert app.controller.session.research is not None
            await shown(pilot, app, "Approve research → write the plan")
            await pilot.press("ctrl+q")
