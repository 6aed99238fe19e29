"""The log file: structured ``key=value`` lines for turns, tool calls, approvals and commits, in the
user's state directory, never on stdout, and never the API key."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import Fault, ScriptedServer, ToolCall, Turn
from phasegate.app.logs import LOGGER_NAME, configure_logging, state_dir
from tests.flows.reliability.rel_support import (
    API_KEY,
    Approvals,
    open_controller,
    phase_turns,
    to_phase_review,
)


@pytest.fixture(autouse=True)
def _reset_logger():
    yield
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


async def test_turns_tools_approvals_and_commits_are_logged_and_nothing_reaches_stdout(
    repo: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    calls = [ToolCall("write_file", {"path": "schema.sql", "content": f"-- {API_KEY}\nCREATE TABLE t (id INT);\n"}),
             ToolCall("run_command", {"command": f"echo {API_KEY}", "reason": "show"})]
    with ScriptedServer(phase_turns(*calls)) as server:
        c = open_controller(repo, server.base_url, Approvals())
        path = configure_logging(c.settings, level="INFO")
        await to_phase_review(c)
        sha = await c.approve(overrides=["test fixture"])
        await c.rollback("database")
        c.close()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert path == state_dir() / "phasegate.log" and path.is_relative_to(Path(__import__("os").environ["XDG_STATE_HOME"]))
    text = path.read_text()
    for pattern in [
        r"INFO phasegate\.controller turn=start session=\S+ stage=research",
        r"turn=end session=\S+ reason=submitted",
        r"phasegate\.agent tool=write_file ok=True path='schema\.sql'",
        r"tool=submit_research ok=True",
        r"command_approval kind=normal approved=True command='echo \*+'",
        r"event=ApprovePlan session=\S+ stage=executing",
        r"event=StartPhase session=\S+ stage=executing phase=database",
        rf"commit phase=database sha={sha} overrides=1",
        r"event=ApprovePhase",
        r"rollback phase=database revert=[0-9a-f]{40}",
    ]:
        assert re.search(pattern, text), f"{pattern!r} not in the log:\n{text}"
    assert API_KEY not in text


async def test_model_errors_are_logged_as_warnings_with_their_kind(repo: Path) -> None:
    turns = [Turn(match="Stage: research", fault=Fault(status=401))]
    with ScriptedServer(turns) as server:
        c = open_controller(repo, server.base_url)
        path = configure_logging(c.settings)  # the default level, WARNING
        await c.start()
        c.close()
    text = path.read_text()
    assert re.search(r"WARNING phasegate\.agent model_error kind=auth status=401", text)
    assert "turn=start" not in text  # INFO lines are off by default


def test_log_level_comes_from_the_settings_and_flags(repo: Path) -> None:
    configure_logging(load_settings(repo, {"log_level": "debug"}).settings)
    assert logging.getLogger(LOGGER_NAME).level == logging.DEBUG
    configure_logging(load_settings(repo, {}).settings, level="error")
    assert logging.getLogger(LOGGER_NAME).level == logging.ERROR
    assert logging.getLogger(LOGGER_NAME).propagate is False  # never to the root logger's stderr/stdout


def test_without_a_log_file_nothing_is_printed(repo: Path) -> None:
    """Headless commands do not configure the log file: their log records must not reach stderr/stdout."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from phasegate.app.session.controller import Controller\n"
        "from phasegate.app.config import load_settings\n"
        "from phasegate.app.agent.tools import CommandDecision\n"
        "async def no(r): return CommandDecision(approved=False)\n"
        "s = load_settings(None, {'base_url': 'http://127.0.0.1:9/v1', 'model': 'm', 'max_retries': 0}).settings\n"
        "c = Controller.open(sys.argv[1], s, approver=no, task='t', resume=False)\n"
        "r = asyncio.run(c.start())\n"
        "assert r.reason == 'error', r\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
