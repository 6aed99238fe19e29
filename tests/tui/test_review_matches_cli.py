"""The workbench's phase review shows exactly what ``phasegate review <base> --format md`` prints for the
same range: a phase that removes an endpoint, drops a column, adds an irreversible migration and plants
a key, reviewed in the workbench (real Textual app, real scripted server on 127.0.0.1, real git), and the
CLI run on the same repository while the review is on screen."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from phasegate.app.cli.main import main
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import Stage
from tests.support.repos import commit_all, write_files
from tests.support.workbench import idle, press_gate, wait_until

MODELS = """from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(200))
"""
MAIN = """from fastapi import FastAPI

app = FastAPI()


@app.get("/users/{user_id}")
def get_user(user_id: int):
    return {}


@app.delete("/users/{user_id}")
def delete_user(user_id: int):
    return {}
"""
MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    operations = [migrations.RunSQL("UPDATE users SET email = lower(email)")]
"""
RESEARCH = {"understanding": [{"text": "A users API", "evidence": "app/main.py"}]}
PLAN = {"phases": [{"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "users"}]}]}
REPORT = {"summary": "users trimmed", "changes": ["removed DELETE", "dropped email"],
          "verification": [{"step": "tests", "passed": True}]}
PHASE = [
    ToolCall("write_file", {"path": "app/main.py", "content": MAIN.split("\n\n\n@app.delete")[0] + "\n"}),
    ToolCall("write_file", {"path": "app/models.py", "content": MODELS.replace("    email = Column(String(200))\n", "")}),
    ToolCall("write_file", {"path": "app/migrations/0002_lower.py", "content": MIGRATION}),
    ToolCall("write_file", {"path": "app/keys.py", "content": 'KEY = "AKIAZXCVBNMASDFGHJKL"\n'}),
    ToolCall("complete_phase", REPORT),
]


async def test_the_workbench_review_is_the_cli_review(repo: Path) -> None:
    write_files(repo, {"app/__init__.py": "", "app/main.py": MAIN, "app/models.py": MODELS})
    commit_all(repo, "users service")
    script = [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)]),
        Turn(match="Current phase: api", tool_calls=PHASE),
        Turn(text="Waiting for you.", repeat=True),
    ]
    with ScriptedServer(script) as server:
        settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
        app = Workbench(repo, settings, task="Trim users", resume=False, grace=0)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # research approved: the plan
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # plan approved: the api phase runs
            await idle(pilot, app)
            c = app.controller
            assert c is not None and c.session.stage == Stage.PHASE_REVIEW
            await wait_until(pilot, lambda: app.review is not None, what="the review")
            await idle(pilot, app)
            shown = str(app.views.shown["report"])
            base = c.phase_base()
            assert base is not None
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):  # the app holds sys.stdout while it runs
                code = main(["review", base, "--repo", str(repo), "--format", "md"])
            printed = out.getvalue()
    assert code == 1  # the key and the unversioned break block, in both
    assert printed.startswith("## phasegate review ") and printed in shown
    for section in ("### ⛔ Schema changes (1, 1 destructive)", "### ⛔ Migrations added (1, 1 cannot be reverted)",
                    "RunSQL without reverse_sql", "code: endpoint-removed — DELETE /users/{user_id} removed **breaking**",
                    "high `app/keys.py:1` secret"):
        assert section in printed
    assert "AKIAZXCVBNMASDFGHJKL" not in shown
