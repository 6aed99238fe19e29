"""Import hygiene: the workbench's first frame is painted before the heavy modules are imported.

``openai``, GitPython, ``sqlglot`` and the analyzers are needed only once the session opens (after the
first frame, in workers). Importing any of them earlier makes every start slower for nothing. A fresh
interpreter starts the workbench exactly as ``phasegate --repo REPO --new`` does, headless; at the first
frame the screen hands to the driver it reports which of those modules are in ``sys.modules``.
Untimed: it checks what is imported, not how long it takes (``bench/bench_startup.py`` times it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("openai", "git", "sqlglot", "phasegate.app.analyzers")

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from textual.app import App

    HEAVY = {heavy!r}
    original_display = App._display
    state = {{}}

    def _display(self, screen, renderable):
        original_display(self, screen, renderable)
        if renderable is not None and "event" in state and not state["event"].is_set():
            state["loaded"] = [m for m in HEAVY if m in sys.modules]
            state["widgets"] = [w.id for w in self.screen.walk_children() if w.id]
            state["event"].set()

    async def _headless(app):
        state["event"] = asyncio.Event()
        async with app.run_test(size=(160, 48)):
            await asyncio.wait_for(state["event"].wait(), 60)

    def run(self, *args, **kwargs):
        asyncio.run(_headless(self))
        return 0

    App._display = _display
    App.run = run
    from phasegate.app.cli.main import main
    code = main(["--repo", sys.argv[1], "--new"])
    print("REPORT " + json.dumps({{"code": code, **{{k: v for k, v in state.items() if k != "event"}}}}))
    """
).format(heavy=HEAVY)


def test_first_frame_is_painted_before_heavy_imports(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(repo)], capture_output=True, text=True, timeout=120
    )
    reports = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert reports, f"the workbench did not paint a frame: {proc.stderr[-3000:]}"
    report = json.loads(reports[-1].removeprefix("REPORT "))
    # The frame is the workbench's (not an error screen): its panes are there.
    assert {"plan", "chat", "chat-input", "diff", "approval-bar"} <= set(report["widgets"]), report["widgets"]
    assert report["loaded"] == [], f"imported before the first frame: {report['loaded']}"
    assert report["code"] == 0, proc.stderr[-3000:]


def test_the_check_can_fail(repo: Path) -> None:
    """The same child, with one heavy module imported on purpose, reports it (the test above is not vacuous)."""
    child = CHILD.replace("from phasegate.app.cli.main import main", "import sqlglot\nfrom phasegate.app.cli.main import main")
    proc = subprocess.run([sys.executable, "-c", child, str(repo)], capture_output=True, text=True, timeout=120)
    report = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")][-1][7:])
    assert report["loaded"] == ["sqlglot"]
