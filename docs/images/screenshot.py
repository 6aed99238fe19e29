"""Regenerate docs/images/workbench.svg from the real app: ``.venv/bin/python docs/images/screenshot.py``.

The bundled demo (sample repository + scripted model on 127.0.0.1) is driven headless through research,
the plan and the database phase (committed), up to the review of the API phase; then the real
``Workbench`` resumes that session under ``run_test`` and saves what the screen shows. Offline, ~30 s.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
from pathlib import Path

from phasegate.app.cli.commands.demo import DEMO_MODEL, DEMO_TASK, prepare_repository
from phasegate.app.session.controller import Controller
from phasegate.app.demo.script import build_demo_script
from phasegate.app.session.headless import auto_approver
from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.app.config import load_settings
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import Stage

OUT = Path(__file__).resolve().parent / "workbench.svg"
SIZE = (160, 46)
REVIEWED_PHASE = "api"


def _environment() -> None:
    """The scripted model runs `python -m pytest`: make that this interpreter, with lean pytest runs."""
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for name in ("DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV"):
        os.environ.pop(name, None)


async def _drive_to_review(repo: Path, settings: object) -> None:
    controller = Controller.open(repo, settings, approver=auto_approver(io.StringIO()), resume=False, task=DEMO_TASK)  # type: ignore[arg-type]
    try:
        await controller.start()
        for _ in range(20):
            s = controller.session
            if s.stage == Stage.PHASE_REVIEW and s.current_phase == REVIEWED_PHASE:
                return
            await controller.approve()
        raise SystemExit(f"the demo never reached the review of {REVIEWED_PHASE}")
    finally:
        if controller._llm is not None:  # close the HTTP client inside this loop, not after it
            await controller._llm.aclose()
        controller.close()


async def _screenshot(repo: Path, settings: object) -> None:
    app = Workbench(repo, settings, resume=True, banner=None)  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):  # the review (diff, scan, schema) loads in workers
            await pilot.pause(0.05)
            if app.review is not None and not app.workers:
                break
        app.query_one("#diff-body").focus()
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT))


def main() -> None:
    _environment()
    repo = prepare_repository(Path(tempfile.mkdtemp(prefix="phasegate-shot-")) / "taskboard")
    with ScriptedServer(build_demo_script(), pace_s=0) as server:
        overrides = {"base_url": server.base_url, "api_key": "demo-key-not-secret", "model": DEMO_MODEL}
        settings = load_settings(None, overrides).settings
        asyncio.run(_drive_to_review(repo, settings))
        asyncio.run(_screenshot(repo, settings))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
