"""Host apps for the plan editing modals (the task editor, the phase picker of a move), loaded by
snap_compare by path (``plan_screen_hosts.py:NAME``)."""

from __future__ import annotations

from typing import Any

from phasegate.app.tui.screens.plan_move import PlanMoveScreen
from phasegate.app.tui.screens.plan_task import PlanTaskScreen
from tests.tui.screens.screen_hosts import ScreenHost


def task_screen(**kwargs: Any) -> PlanTaskScreen:
    return PlanTaskScreen(
        "Edit task database.2", title="Index users.email", detail="unique, in migration 0003",
        where="in 🗄️ Database", **kwargs,
    )


def move_screen(**kwargs: Any) -> PlanMoveScreen:
    return PlanMoveScreen("Index users.email", [("api", "📡 API"), ("testing", "🧪 Testing")], **kwargs)


plan_task_app = ScreenHost(task_screen)
plan_move_app = ScreenHost(move_screen)
