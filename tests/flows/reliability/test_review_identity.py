"""The phase commit uses the review the user saw: identified by its diff's hash, only the diff is
recomputed at approval, and a changed diff means the review is shown again instead of a commit."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

import phasegate.app.session.controller as controller_module
from phasegate.app.demo.scripted_server import ScriptedServer, ToolCall
from phasegate.app.session.review import ApprovalBlocked, ReviewChanged
from phasegate.phases.models import PhaseStatus, Stage
from tests.flows.reliability.rel_support import open_controller, phase_turns, to_phase_review
from tests.support.repos import git

SCHEMA = ToolCall("write_file", {"path": "schema.sql", "content": "CREATE TABLE users (id INTEGER);\n"})
SECRET = ToolCall("write_file", {"path": "config.py", "content": 'API_TOKEN = "ghp_' + "a1B2c3D4e5F6g7H8i9J0" * 2 + '"\n'})


async def test_approving_the_review_shown_commits_it_without_running_the_analyzers(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        review = await asyncio.to_thread(c.compute_review)
        calls: list[str] = []
        monkeypatch.setattr(controller_module, "review_facts", lambda *a, **k: calls.append("analyzers") or review)
        sha = await c.approve(review=review)
        assert calls == []  # only the diff was recomputed and compared
        assert c.session.phase_state("database").commit_sha == sha
        c.close()


async def test_a_phase_that_changed_since_its_review_is_not_committed(repo: Path) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        review = await asyncio.to_thread(c.compute_review)
        head = git(repo, "rev-parse", "HEAD").strip()
        (repo / "schema.sql").write_text("CREATE TABLE users (id INTEGER, secret TEXT);\n")  # after the review
        with pytest.raises(ReviewChanged, match="differ from the review you approved"):
            await c.approve(review=review)
        assert git(repo, "rev-parse", "HEAD").strip() == head
        assert c.session.stage == Stage.PHASE_REVIEW
        fresh = await asyncio.to_thread(c.compute_review)  # the review shown again commits
        assert "secret TEXT" in fresh.diff
        await c.approve(review=fresh)
        assert c.session.phase_state("database").status == PhaseStatus.COMMITTED
        c.close()


async def test_an_override_commits_the_blocked_review_without_computing_it_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedServer(phase_turns(SECRET)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        computed: list[int] = []
        real = controller_module.review_facts
        monkeypatch.setattr(controller_module, "review_facts", lambda *a, **k: computed.append(1) or real(*a, **k))
        with pytest.raises(ApprovalBlocked) as blocked:
            await c.approve()  # no review given (the headless path): computed once, in a thread
        assert computed == [1] and blocked.value.review is not None
        assert any(b.rule == "security" for b in blocked.value.blockers)
        sha = await c.approve(overrides=["a test fixture token"], review=blocked.value.review)
        assert computed == [1]
        assert "Reason: a test fixture token" in git(repo, "log", "-1", "--format=%B", sha)
        c.close()


async def test_the_review_is_computed_off_the_event_loop(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ScriptedServer(phase_turns(SCHEMA)) as server:
        c = open_controller(repo, server.base_url)
        await to_phase_review(c)
        loop_thread = threading.get_ident()
        threads: list[int] = []
        real = controller_module.review_facts
        monkeypatch.setattr(controller_module, "review_facts",
                            lambda *a, **k: threads.append(threading.get_ident()) or real(*a, **k))
        await c.approve()
        assert threads and loop_thread not in threads
        c.close()
