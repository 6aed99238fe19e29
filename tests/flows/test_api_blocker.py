"""The API blocker on a contract read from the code: a phase that deletes an endpoint in a repository
that commits no OpenAPI spec is blocked at review until overridden with a reason; with a spec as well,
both the spec's diff and the code's are shown.

Real parts: real git repositories, the real openai client against the scripted server on 127.0.0.1,
the real Textual app (headless) for the Pilot test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall, Turn
from phasegate.app.session.controller import ApprovalBlocked, Controller
from phasegate.app.session.review import api_section
from phasegate.app.tui.app import Workbench
from phasegate.phases.models import PhaseStatus, Stage
from tests.support.repos import git
from tests.support.workbench import idle, press_gate, shown, wait_until

MAIN = """from fastapi import FastAPI

from app.routers import users

app = FastAPI()
app.include_router(users.router, prefix="/api")
"""
USERS = """from fastapi import APIRouter

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
def read_user(user_id: int):
    return {}


@router.delete("/{user_id}")
def delete_user(user_id: int):
    return None
"""
USERS_WITHOUT_DELETE = USERS.split("\n\n\n@router.delete")[0] + "\n"
SPEC = """openapi: 3.0.3
info: {title: users, version: "1.0.0"}
paths:
  /api/users/{user_id}:
    parameters:
      - {name: user_id, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        '200': {description: ok}
    delete:
      responses:
        '204': {description: gone}
"""
SPEC_WITHOUT_DELETE = SPEC.split("    delete:")[0]
RESEARCH = {"understanding": [{"text": "A users API", "evidence": "app/main.py"}]}
PLAN = {"phases": [{"slug": "api", "title": "API", "tasks": [{"title": "Contract", "detail": "users"}]}]}
REPORT = {"summary": "deletion moved to the admin tool", "changes": ["removed DELETE"],
          "verification": [{"step": "tests", "passed": True}]}
RULE = "never break an API contract without a versioning strategy"


def _script(*phase_calls: ToolCall) -> list[Turn]:
    return [
        Turn(match="Stage: research", tool_calls=[ToolCall("submit_research", RESEARCH)]),
        Turn(match="Stage: planning", tool_calls=[ToolCall("submit_plan", PLAN)]),
        Turn(match="Current phase: api", tool_calls=[*phase_calls, ToolCall("complete_phase", REPORT)]),
        Turn(text="Waiting for you.", repeat=True),
    ]


def _service(repo: Path, extra: dict[str, str] | None = None) -> None:
    files = {"app/__init__.py": "", "app/main.py": MAIN, "app/routers/__init__.py": "",
             "app/routers/users.py": USERS, **(extra or {})}
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "users service")


async def _approve_all(request: CommandRequest) -> CommandDecision:
    return CommandDecision(approved=True)


def _open(repo: Path, server: ScriptedServer) -> Controller:
    settings = load_settings(
        repo, {"base_url": server.base_url, "api_key": "sk-test-not-real-123456", "model": "scripted", "max_retries": 0}
    ).settings
    return Controller.open(repo, settings, approver=_approve_all, task="Drop user deletion", resume=False)


async def _to_review(c: Controller) -> None:
    await c.start()
    await c.approve()  # research approved; the plan turn runs
    await c.approve()  # plan approved; the api phase runs and completes
    assert c.session.stage == Stage.PHASE_REVIEW


DROP_DELETE = ToolCall("write_file", {"path": "app/routers/users.py", "content": USERS_WITHOUT_DELETE})


async def test_without_a_spec_the_inventory_diff_is_the_contract(repo: Path) -> None:
    _service(repo)
    with ScriptedServer(_script(DROP_DELETE)) as server:
        c = _open(repo, server)
        await _to_review(c)
        review = c.compute_review()
        assert review.contract_changes == {} and review.api_drift == []
        assert [(e["kind"], e["method"], e["path"], e["breaking"]) for e in review.endpoint_changes] == [
            ("endpoint-removed", "DELETE", "/api/users/{user_id}", True)]
        [blocker] = [b for b in c.approval_blockers() if b.rule == "api"]
        assert "DELETE /api/users/{user_id} removed" in blocker.message and RULE in blocker.message
        assert "app/routers/users.py:11" in blocker.message
        with pytest.raises(ApprovalBlocked):
            await c.approve(review=review)
        sha = await c.approve(overrides=["deletion moves to the admin tool"], review=review)
        body = git(repo, "log", "-1", "--format=%b")
        assert isinstance(sha, str) and "Phasegate-Override: deletion moves to the admin tool" in body
        assert "DELETE /api/users/{user_id} removed" in body
        c.close()


async def test_with_a_spec_the_spec_diff_and_the_code_diff_are_both_shown(repo: Path) -> None:
    """The phase deletes the route from the code and the spec: the spec diff and the endpoint diff both
    show it, and it blocks once; the endpoint the spec no longer lists is named in both sections."""
    _service(repo, {"openapi.yaml": SPEC})
    spec_call = ToolCall("write_file", {"path": "openapi.yaml", "content": SPEC_WITHOUT_DELETE})
    with ScriptedServer(_script(DROP_DELETE, spec_call)) as server:
        c = _open(repo, server)
        await _to_review(c)
        review = c.compute_review()
        assert [(ch["method"], ch["path"], ch["breaking"]) for ch in review.contract_changes["openapi.yaml"]] == [
            ("delete", "/api/users/{user_id}", True)]
        assert [(e["kind"], e["path"]) for e in review.endpoint_changes] == [("endpoint-removed", "/api/users/{user_id}")]
        api_blockers = [b.message for b in c.approval_blockers() if b.rule == "api"]
        assert len(api_blockers) == 1 and "openapi.yaml" in api_blockers[0], api_blockers
        section = api_section(review)
        assert "- openapi.yaml: DELETE /api/users/{user_id}" in section
        assert "- code: endpoint-removed — DELETE /api/users/{user_id} removed **breaking**" in section
        c.close()


async def test_with_a_spec_the_drift_between_code_and_spec_is_shown(repo: Path) -> None:
    """The code loses the route, the spec keeps it: the code diff blocks, and the drift says the spec
    lists an endpoint the code no longer serves."""
    _service(repo, {"openapi.yaml": SPEC})
    with ScriptedServer(_script(DROP_DELETE)) as server:
        c = _open(repo, server)
        await _to_review(c)
        review = c.compute_review()
        assert review.contract_changes == {}
        assert [(d["kind"], d["method"], d["path"]) for d in review.api_drift] == [
            ("spec_not_in_code", "DELETE", "/api/users/{user_id}")]
        assert [b.rule for b in c.approval_blockers()] == ["api"]
        assert "- drift: DELETE /api/users/{user_id} in the spec, not in the code (openapi.yaml:" in api_section(review)
        c.close()


async def test_pilot_a_phase_that_deletes_an_endpoint_is_blocked_until_overridden(repo: Path) -> None:
    _service(repo)
    with ScriptedServer(_script(DROP_DELETE)) as server:
        settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted"}).settings
        app = Workbench(repo, settings, task="Drop user deletion", resume=False, grace=0)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.controller is not None and app.controller.session.research is not None)
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # research approved: the plan
            await idle(pilot, app)
            await press_gate(pilot, app, "y")  # plan approved: the api phase runs
            await idle(pilot, app)
            assert app.controller.session.stage == Stage.PHASE_REVIEW
            await wait_until(pilot, lambda: app.review is not None, what="the review")
            assert [b.rule for b in app.review.blockers] == ["api"]
            for checkbox in app.query_one("#approval-bar").query("Checkbox"):
                checkbox.value = True
            await pilot.pause(0.1)
            await press_gate(pilot, app, "y")
            text = await shown(pilot, app, "Approval is blocked")
            assert "DELETE /api/users/{user_id} removed" in text
            assert app.controller.session.phase_state("api").status != PhaseStatus.COMMITTED
            await pilot.pause()
            app.screen.query_one(Input).value = "deletion moves to the admin tool"
            await pilot.press("enter")
            await idle(pilot, app)
            assert app.controller.session.phase_state("api").status == PhaseStatus.COMMITTED
            assert "Phasegate-Override: deletion moves to the admin tool" in git(repo, "log", "-1", "--format=%b")
