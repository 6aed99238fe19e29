"""What the whole workbench shows at each stage, wide and narrow, and the diff view inside it.

Each test drives the real App (a real git repository, the real openai client against the scripted
server on 127.0.0.1) to one stage, waits until everything is idle, and compares the screen with the
SVG under ``__snapshots__/``. The early stages are reached live with Pilot; the later ones are
reached headlessly with the real Controller and the App resumes there (see ``snap_support``, which
also lists what is pinned so the SVGs are byte-stable). Widget- and modal-level snapshots live in
``tests/widgets`` and ``tests/screens``; these are the screen-level ones.

After an intended change: ``pytest tests/snapshots --snapshot-update``, then look at the SVGs
(``rsvg-convert -o x.png x.svg``) before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest

from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.phases.models import Session, Stage
from tests.tui.snapshots import snap_support as snap


class Case(NamedTuple):
    driver: snap.Driver
    size: tuple[int, int]
    stage: Stage  # where the App must be when the picture is taken
    resume_at: Callable[[Session], bool] | None = None  # pre-drive headlessly to here, then resume
    migration: bool = False


API_REVIEW = snap.at_stage(Stage.PHASE_REVIEW, "api")
CASES = {
    "research": Case(snap.to_research, snap.WIDE, Stage.RESEARCH),
    "plan_review": Case(snap.to_plan_review, snap.WIDE, Stage.PLAN_REVIEW),
    "executing_after_migration": Case(snap.to_executing_after_migration, snap.WIDE, Stage.EXECUTING, migration=True),
    "phase_review_unified": Case(snap.to_phase_review, snap.WIDE, Stage.PHASE_REVIEW),
    "phase_review_split": Case(snap.phase_review_split, snap.WIDE, Stage.PHASE_REVIEW, API_REVIEW),
    "final_review": Case(snap.final_review, snap.WIDE, Stage.FINAL_REVIEW, snap.at_stage(Stage.FINAL_REVIEW)),
    "done": Case(snap.done, snap.WIDE, Stage.DONE, snap.at_stage(Stage.FINAL_REVIEW)),
    "narrow_chat": Case(snap.narrow_chat, snap.NARROW, Stage.RESEARCH),
    "narrow_viewer": Case(snap.narrow_viewer, snap.NARROW, Stage.PHASE_REVIEW, API_REVIEW),
}


@pytest.mark.parametrize("name", list(CASES))
def test_workbench_snapshot(name: str, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[name]
    snap.freeze(monkeypatch)
    with snap.fixed_repo(name) as repo, ScriptedServer(snap.snapshot_script(migration=case.migration)) as server:
        if case.resume_at is not None:
            snap.drive_headless(repo, server, case.resume_at)
        app = snap.make_app(repo, server, resume=case.resume_at is not None)
        try:
            assert snap_compare(app, terminal_size=case.size, run_before=case.driver)
            assert app.controller is not None and app.controller.session.stage == case.stage
        finally:
            if app.controller is not None:
                app.controller.close()
