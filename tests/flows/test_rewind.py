"""Rewind to before a phase: the controller on a real git repository against the scripted server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phasegate.app.agent.tools import CommandDecision, CommandRequest
from phasegate.app.config import load_settings
from phasegate.app.demo.scripted_server import ScriptedServer
from phasegate.app.errors import PhasegateError
from phasegate.app.session.controller import Controller
from phasegate.phases.models import PhaseStatus, Stage
from tests.support.repos import git
from tests.support.workbench import notes_repo, workbench_script


async def approve_all(request: CommandRequest) -> CommandDecision:
    return CommandDecision(approved=True)


def open_controller(repo: Path, server: ScriptedServer, **kw) -> Controller:
    settings = load_settings(repo, {"base_url": server.base_url, "api_key": "sk-test", "model": "scripted",
                                    "max_retries": 0}).settings
    return Controller.open(repo, settings, approver=approve_all, task="Add users", **kw)


async def three_committed(c: Controller) -> None:
    await c.start()
    await c.approve()  # research → plan v1
    await c.approve()  # plan → the database phase runs to review
    for slug in ("database", "api", "testing"):
        assert c.session.stage == Stage.PHASE_REVIEW, slug
        await c.approve(overrides=["test"])  # commit
        if slug != "testing":
            await c.approve()  # start the next phase
    assert c.session.stage == Stage.FINAL_REVIEW


def sent_text(request: dict) -> str:
    return json.dumps([m for m in request["messages"] if m["role"] != "system"])


async def test_rewind_reverts_newest_first_and_the_model_forgets_those_phases(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path / "repo")
    with ScriptedServer(workbench_script()) as server:
        c = open_controller(repo, server, resume=False)
        await three_committed(c)
        shas = {s: c.session.phase_state(s).commit_sha for s in ("database", "api", "testing")}
        assert "api.py" in sent_text(server.requests[-1])  # the api phase's work was sent until now

        with pytest.raises(PhasegateError, match="has not been started|no phase named"):
            await c.rewind("security")
        reverts = await c.rewind("api")

        # git: two reverts, newest first (testing, then api), exactly as rollback makes them.
        log = git(repo, "log", "-3", "--format=%H %s").splitlines()
        assert [line.split(" ", 1)[0] for line in log[:2]] == list(reversed(reverts))
        bodies = git(repo, "log", "-2", "--format=%b")
        assert f"Phasegate-Reverts: {shas['testing']}" in bodies and f"Phasegate-Reverts: {shas['api']}" in bodies
        # git log lists the newest first: the api revert on top of the testing revert, made before it.
        assert bodies.index("Phasegate-Rollback: api") < bodies.index("Phasegate-Rollback: testing")
        assert log[2].startswith(f"{shas['testing']} phase(testing)")
        assert not (repo / "api.py").exists() and not (repo / "test_api.py").exists() and (repo / "schema.sql").exists()
        assert git(repo, "status", "--porcelain") == ""

        # The session: api and testing pending again, database still committed; the plan version stays.
        s = c.session
        assert [(p.slug, p.status) for p in s.phases] == [
            ("database", PhaseStatus.COMMITTED), ("api", PhaseStatus.PENDING), ("testing", PhaseStatus.PENDING)]
        assert s.stage == Stage.EXECUTING and s.plan_version == 1 and c.gate().label == "Start phase api"
        events = [h.event for h in s.history[-3:]]
        assert events == ["RollbackPhase", "RollbackPhase", "RewindTo"]

        # The next turn: the model no longer sees the api and testing phases' conversation; the transcript does.
        before = len(server.requests)
        await c.approve()  # start api again
        request = server.requests[before]
        sent = sent_text(request)
        assert "schema.sql" in sent  # the database phase's conversation is kept
        assert "api.py" not in sent and "test_api.py" not in sent and "POST /users" not in sent
        assert "rewound the session to before the api phase" in sent
        transcript = json.dumps(c.store.read_transcript(c.session.id))
        assert "test_api.py" in transcript and "POST /users" in transcript
        assert any("test_api.py" in json.dumps(m) for m in c.conversation)  # the chat keeps everything
        session_id = c.session.id
        c.close()

    # Reopened, the session still hides the rewound stretch from the model.
    with ScriptedServer(workbench_script()) as server:
        c = open_controller(repo, server, session_id=session_id)
        assert not any("test_api.py" in json.dumps(m) for m in c.model_conversation())
        assert any("test_api.py" in json.dumps(m) for m in c.conversation)
        c.close()


async def test_a_rewound_phase_redone_is_not_mistaken_for_its_old_commit_after_a_restart(tmp_path: Path) -> None:
    from dataclasses import replace

    repo = notes_repo(tmp_path / "repo")
    script = [replace(t, repeat=True) if t.match == "Current phase: api" else t for t in workbench_script()]
    with ScriptedServer(script) as server:
        c = open_controller(repo, server, resume=False)
        await three_committed(c)
        old = c.session.phase_state("api").commit_sha
        await c.rewind("api")
        await c.approve()  # api again: the model redoes it and it waits for review
        assert c.session.stage == Stage.PHASE_REVIEW and c.session.phase_state("api").status == PhaseStatus.AWAITING_REVIEW
        session_id = c.session.id
        c.close()
        # Reopened (as after a crash): the old, reverted api commit is not taken as this attempt's commit.
        c = open_controller(repo, server, session_id=session_id)
        state = c.session.phase_state("api")
        assert state.status == PhaseStatus.AWAITING_REVIEW and state.commit_sha is None and old
        assert c.recovered == []
        c.close()
