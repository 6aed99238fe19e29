"""Smoke test of the real terminal: ``phasegate demo`` in a tmux pane, driven with keys, read back.

Pilot runs the App headless; this runs the installed ``phasegate`` entry point in a real terminal
(tmux's), with the real driver, so it catches what Pilot cannot: the console script, the terminal
set-up and restore, key decoding, and what is printed after the TUI closes.

The test uses its own tmux server (``-L <unique socket>``, no config file) so it never touches a
developer's sessions, and kills it in ``finally``. Each wait polls ``capture-pane`` against a deadline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PHASEGATE = Path(sys.executable).parent / "phasegate"
GRACE_S = 0.6  # approval keys are ignored for 0.5 s after a gate appears (a timer, nothing to await)


class Pane:
    """One detached tmux session on a private server."""

    def __init__(self) -> None:
        self.socket = f"phasegate-smoke-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session = "smoke"
        self.socket_path: Path | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}

    def start(self, command: str, *, width: int = 200, height: int = 50) -> None:
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), command)
        self.socket_path = Path(self.tmux("display-message", "-p", "#{socket_path}").strip())
        # Keep the pane after the process exits, so what it printed last can still be read.
        self.tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, timeout=10, env=self.env,
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; the screen shows:\n{text}")

    def wait_for_text(self, needle: str, timeout: float = 20.0) -> str:
        return self.wait_for(lambda text: needle in text, repr(needle), timeout)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-session", "-t", self.session], capture_output=True, env=self.env)
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env)
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)  # a killed server leaves its socket file behind


def footer(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.mark.skipif(not PHASEGATE.exists(), reason="the phasegate console script is not installed in this venv")
def test_demo_in_a_real_terminal(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    exit_file = tmp_path / "exit"
    pane = Pane()
    try:
        pane.start(f"{PHASEGATE} demo --dir {demo} --pace 0; echo EXIT=$? > {exit_file}")
        # The research turn starts at once with the demo task; its end opens the first gate.
        pane.wait_for_text("Approve research → write the plan", timeout=45)
        text = pane.wait_for_text("submit_research")
        assert "stage Research" in text and str(demo) in text
        assert "Send" in footer(text), "the chat input has the focus when the workbench opens"

        # Tab leaves the input: the footer switches to the gate keys; then y approves.
        pane.keys("Tab")
        pane.wait_for(lambda t: "y Approve" in footer(t), "the gate keys in the footer")
        time.sleep(GRACE_S)
        pane.keys("y")
        text = pane.wait_for_text("Approve plan v1 → start database", timeout=30)
        assert "stage Plan review" in text
        assert "Plan v1" in text and "Database  [pending]" in text, "the plan is in the checklist"

        pane.keys("?")
        text = pane.wait_for_text("closes this help")
        assert "Approve" in text and "Quit" in text
        pane.keys("Escape")
        pane.wait_for(lambda t: "closes this help" not in t, "the help screen to close")

        pane.keys("C-q")
        pane.wait_for(lambda _: exit_file.exists() and exit_file.read_text().strip() != "", "the process to exit")
        assert exit_file.read_text().strip() == "EXIT=0"
        text = pane.wait_for_text(f"The demo repository is {demo}")
        assert f"git -C {demo} log" in text
        # The terminal was handed back: the alternate screen is gone, so the workbench is not on it.
        assert "Approve plan v1" not in text
    finally:
        pane.close()
    # Nothing was committed past the demo's initial commit: no phase ran.
    log = subprocess.run(["git", "-C", str(demo), "log", "--format=%s"], capture_output=True, text=True, check=True)
    assert log.stdout.strip().splitlines() == ["taskboard: the sample backend before the demo task"]


@pytest.mark.skipif(not PHASEGATE.exists(), reason="the phasegate console script is not installed in this venv")
def test_demo_walk_to_the_first_phase_review_with_keys_only(tmp_path: Path) -> None:
    """Research → plan (a task edited and commented) → the database phase (the migration typed, a command
    approved with ``y``) → its review, with keys alone, as a user at a terminal would."""
    demo = tmp_path / "demo"
    pane = Pane()
    try:
        pane.start(f"{PHASEGATE} demo --dir {demo} --pace 0; sleep 600")
        pane.wait_for_text("Approve research → write the plan", timeout=45)
        # The viewer brought the Research tab forward: the report to approve is on screen, not an empty diff.
        text = pane.wait_for_text("Technical Understanding")
        assert "No changes in this phase yet" not in text

        # Escape in the chat input with no turn running: the focus goes to the plan, the footer to the gate keys.
        pane.keys("Escape")
        pane.wait_for(lambda t: "y Approve" in footer(t), "the gate keys after escape")
        time.sleep(GRACE_S)
        pane.keys("y")
        text = pane.wait_for_text("Approve plan v1 → start database", timeout=30)
        assert "t Edit task" in footer(text) and "c Comment" in footer(text), "the checklist keys are in the footer"

        # The first task of the database phase: edit its title, then comment on it.
        pane.keys("Down")
        pane.keys("t")
        pane.wait_for_text("Edit task database.1")
        time.sleep(GRACE_S)
        # ctrl+u empties the title (whether or not its select-on-focus has landed yet), then the new one.
        pane.keys("C-u")
        pane.wait_for_text("e.g. Add a unique index")  # the empty title shows its placeholder
        pane.keys("Schema Design of users")
        pane.keys("Enter")
        pane.wait_for(lambda t: "Plan v2 · you — edited database.1" in t and "Schema Design of users" in t,
                      "the edited task in a new plan version marked as the user's")
        pane.keys("c")
        pane.wait_for_text("Comment on task database.1")
        time.sleep(GRACE_S)
        pane.keys("keep email unique")
        pane.keys("Enter")
        text = pane.wait_for_text("💬 keep email unique")

        time.sleep(GRACE_S)
        pane.keys("y")
        # The database phase runs; its migration waits for the typed word.
        pane.wait_for_text("Type migrate to confirm", timeout=45)
        time.sleep(GRACE_S)
        pane.keys("migrate")
        pane.keys("Enter")
        pane.wait_for_text("Continue after the migration", timeout=30)
        time.sleep(GRACE_S)
        pane.keys("y")
        # The test run asks for approval: y approves it once.
        text = pane.wait_for_text("y Approve once", timeout=30)
        assert "$ python -m pytest -q" in text and "a Always allow for this session" in text
        time.sleep(GRACE_S)
        pane.keys("y")
        text = pane.wait_for_text("Commit phase database", timeout=60)
        assert "stage Phase review" in text and "phase database" in text
    finally:
        pane.close()
    log = subprocess.run(["git", "-C", str(demo), "log", "--format=%s"], capture_output=True, text=True, check=True)
    assert log.stdout.strip().splitlines() == ["taskboard: the sample backend before the demo task"], \
        "nothing is committed before the phase review is approved"
