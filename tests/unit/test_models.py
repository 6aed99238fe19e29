from __future__ import annotations

import json

import pytest

from phasegate.phases.models import (
    SCHEMA_VERSION,
    PhaseReport,
    PhaseStatus,
    Plan,
    ResearchReport,
    Session,
    load_session,
)


def test_session_json_round_trip() -> None:
    s = Session(task="add users", repo_path="/r")
    data = json.loads(s.model_dump_json())
    assert data["schema_version"] == SCHEMA_VERSION
    assert load_session(data) == s


def test_schema_1_sessions_are_migrated() -> None:
    old = {
        "schema_version": 1,
        "id": "old",
        "task": "t",
        "stage": "executing",
        "plan": {"phases": [{"slug": "database", "title": "Database", "tasks": [{"title": "Schema"}]}]},
        "phase_status": {"database": "committed"},
        "commit_shas": {"database": "abc"},
    }
    s = load_session(old)
    assert s.plan is not None and s.plan.slugs == ["database"] and s.plan_version == 1
    assert s.phase_state("database").status == PhaseStatus.COMMITTED
    assert s.phase_state("database").commit_sha == "abc"


def test_newer_schema_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="upgrade phasegate"):
        load_session({"schema_version": SCHEMA_VERSION + 1})


def test_lenient_model_input() -> None:
    report = ResearchReport.model_validate(
        {"understanding": ["Express app", {"text": "Prisma schema", "evidence": "prisma/schema.prisma"}], "notes": "x"}
    )
    assert report.understanding[1].evidence == "prisma/schema.prisma"
    assert "✅ Technical Understanding" in report.to_markdown()
    plan = Plan.model_validate(
        {"phases": [{"slug": "Business Logic", "title": "Business Logic", "tasks": [{"title": "Svc", "kind": "weird"}]}]}
    )
    assert plan.phases[0].slug == "logic" and plan.phases[0].emoji == "⚙️" and plan.phases[0].tasks[0].kind == "other"
    rep = PhaseReport.model_validate({"summary": "ok", "changes": ["a"], "verification": ["✓ tests pass", "✗ lint"]})
    assert [v.passed for v in rep.verification] == [True, False]
    assert "✗ lint" in rep.to_markdown("Database")


def test_empty_submissions_are_refused() -> None:
    with pytest.raises(ValueError):
        ResearchReport.model_validate({"understanding": []})
    with pytest.raises(ValueError):
        Plan.model_validate({"phases": []})
    with pytest.raises(ValueError):
        PhaseReport.model_validate({"summary": "x", "changes": []})
