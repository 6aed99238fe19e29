"""``phasegate status|log|plan|rollback`` on real repositories, with real sessions in the store."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from phasegate.app.cli.main import main
from phasegate.app.git.service import GitService
from phasegate.app.session.store import SessionStore
from phasegate.phases import workflow as wf
from phasegate.phases.models import Finding, PhaseReport, PhaseStatus, Plan, ResearchReport, Session, Stage
from tests.support.repos import git

PLAN = Plan.model_validate({
    "phases": [
        {"slug": "database", "title": "Database", "tasks": [{"title": "Users table", "detail": "id, email"}]},
        {"slug": "api", "title": "API", "tasks": [{"title": "GET /users"}]},
        {"slug": "testing", "title": "Testing", "tasks": [{"title": "Endpoint tests"}]},
    ]
})
PHASE_FILES = {
    "database": {"db.sql": "create table users (id int, email text);\n"},
    "api": {
        "api.py": "def users(): ...\n",
        "db.sql": "create table users (id int, email text, name text);\n",
    },
    "testing": {"test_users.py": "def test_users(): ...\n"},
}


def run_cli(*argv: str) -> int:
    return main(list(argv))


def approved_session(store: SessionStore) -> Session:
    s = Session(task="add a users endpoint")
    s = wf.apply(s, wf.SubmitResearch(ResearchReport(understanding=[Finding(text="flask app")])))
    s = wf.apply(s, wf.ApproveResearch())
    s = wf.apply(s, wf.SubmitPlan(PLAN))
    s = wf.apply(s, wf.ApprovePlan())
    store.save(s)
    return s


def do_phase(service: GitService, store: SessionStore, s: Session, slug: str,
             conversation_at: int | None = None) -> Session:
    """What the workbench does for one phase: start, write files, complete, commit, approve, save."""
    s = wf.apply(s, wf.StartPhase(base_sha=service.head_sha(), slug=slug, conversation_at=conversation_at))
    for name, text in PHASE_FILES[slug].items():
        (service.root / name).write_text(text)
    s = wf.apply(s, wf.CompletePhase(PhaseReport(summary=f"{slug} done", changes=[f"wrote {slug}"])))
    sha = service.commit_phase(session_id=s.id, slug=slug, title=PLAN.phase(slug).title,
                               body=s.phase_state(slug).report.to_markdown(), plan_version=s.plan_version)
    s = wf.apply(s, wf.ApprovePhase(commit_sha=sha))
    store.save(s)
    return s


@pytest.fixture
def worked(repo: Path) -> tuple[GitService, SessionStore, Session]:
    """A repository where database, api and testing were committed through the workflow."""
    service = GitService.open(repo)
    store = SessionStore(service.git_dir)
    session = approved_session(store)
    for slug in ("database", "api", "testing"):
        session = do_phase(service, store, session, slug)
    return service, store, session


# ------------------------------------------------------------------------------------------------ log


def test_log_json_after_a_restart_without_session_files(worked, repo: Path, tmp_path: Path) -> None:
    service, store, session = worked
    git(repo, "revert", "--no-edit", session.phase_state("testing").commit_sha)  # a manual revert counts
    clone = tmp_path / "clone"  # a fresh clone: no .git/phasegate at all
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert not (clone / ".git" / "phasegate").exists()
    out = subprocess.run([sys.executable, "-m", "phasegate.app", "log", "--repo", str(clone), "--json"],
                         capture_output=True, text=True, check=True).stdout
    entries = json.loads(out)
    assert [(e["phase"], e["status"]) for e in entries] == [
        ("database", "committed"), ("api", "committed"), ("testing", "rolled_back")]
    for entry in entries:
        assert entry["sha"] == session.phase_state(entry["phase"]).commit_sha
        assert entry["subject"] == f"phase({entry['phase']}): {PLAN.phase(entry['phase']).title}"
        assert entry["session"] == session.id and entry["plan_version"] == 1


def test_log_text_and_session_filter(worked, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, session = worked
    assert run_cli("log", "--repo", str(repo)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "committed" in lines[0] and "phase(database): Database" in lines[0]
    assert run_cli("log", "--repo", str(repo), "--json", "--session", "someone-else") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_log_on_an_empty_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(tmp_path, "init", "-q")
    assert run_cli("log", "--repo", str(tmp_path), "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_not_a_repository_is_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("log", "--repo", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "git init" in err and "Traceback" not in err


# -------------------------------------------------------------------------------------------- status / plan


def test_status_json_and_text(worked, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, session = worked
    assert run_cli("status", "--repo", str(repo), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session"] == session.id and data["stage"] == "final_review" and data["plan_version"] == 1
    assert [(p["phase"], p["status"]) for p in data["phases"]] == [
        ("database", "committed"), ("api", "committed"), ("testing", "committed")]
    assert data["phases"][0]["commit_sha"] == session.phase_state("database").commit_sha
    assert run_cli("status", "--repo", str(repo)) == 0
    text = capsys.readouterr().out
    assert session.id in text and "final_review · plan v1" in text
    assert session.phase_state("api").commit_sha[:7] in text


def test_status_without_a_session(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("status", "--repo", str(repo), "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"session": None}
    assert run_cli("status", "--repo", str(repo)) == 0
    assert "No phasegate session" in capsys.readouterr().out


def test_plan_markdown_json_and_errors(worked, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("plan", "--repo", str(repo)) == 0
    out = capsys.readouterr().out
    assert "## 🗄️ Database" in out and "- [ ] **Users table**: id, email" in out
    assert run_cli("plan", "--repo", str(repo), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    assert [p["slug"] for p in data["plan"]["phases"]] == ["database", "api", "testing"]
    assert run_cli("plan", "--repo", str(repo), "--plan-version", "7") == 2
    assert run_cli("plan", "--repo", str(repo), "build it") == 2
    # With no reachable model, headless planning fails with one line (tests/flows/test_agent.py covers success).
    assert run_cli("plan", "--repo", str(repo), "--headless", "build it") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("phasegate: error: ")


def test_plan_without_a_plan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    SessionStore(repo / ".git").save(Session(task="t"))
    assert run_cli("plan", "--repo", str(repo)) == 1
    assert "no plan" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ rollback


def test_rollback_reverts_with_trailer_and_records_it(worked, repo: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    service, store, session = worked
    assert run_cli("rollback", "testing", "--repo", str(repo), "--yes") == 0
    out = capsys.readouterr().out
    head = git(repo, "rev-parse", "HEAD").strip()
    assert f"Rolled back testing: {head}" in out
    assert git(repo, "status", "--porcelain") == ""
    assert not (repo / "test_users.py").exists()
    assert "Phasegate-Rollback: testing" in git(repo, "log", "-1", "--format=%B")
    state = store.load(session.id).phase_state("testing")
    assert state.status == PhaseStatus.ROLLED_BACK and state.rollback_sha == head
    # The same path as the workbench's `u` (Controller.rollback): a transcript event and a note to the model.
    records = store.read_transcript(session.id)
    assert any(r.get("type") == "event" and r.get("event") == "RollbackPhase" for r in records)
    notes = [r["message"]["content"] for r in records if r.get("type") == "message"]
    assert notes[-1] == f"[phasegate] The user rolled back the testing phase (revert commit {head[:8]})."
    assert run_cli("log", "--repo", str(repo), "--json") == 0
    assert json.loads(capsys.readouterr().out)[-1]["status"] == "rolled_back"


def test_rollback_rewind_reverts_newest_first_and_sets_the_phases_pending(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    service = GitService.open(repo)
    store = SessionStore(service.git_dir)
    session = approved_session(store)
    for index, slug in enumerate(("database", "api", "testing")):
        store.append_transcript(session.id, {"type": "message", "message": {"role": "user", "content": f"start {slug}"}})
        session = do_phase(service, store, session, slug, conversation_at=index)
    shas = [session.phase_state(slug).commit_sha for slug in ("api", "testing")]
    assert run_cli("rollback", "api", "--rewind", "--repo", str(repo), "--yes") == 0
    out = capsys.readouterr().out
    assert f"Will rewind to before api, reverting newest first:\n  {shas[1][:7]} testing\n  {shas[0][:7]} api" in out
    reverted = git(repo, "log", "-2", "--format=%b")  # newest first: api's revert on top of testing's
    assert reverted.index(f"Phasegate-Reverts: {shas[0]}") < reverted.index(f"Phasegate-Reverts: {shas[1]}")
    saved = store.load(session.id)
    assert [p.status for p in saved.phases] == [PhaseStatus.COMMITTED, PhaseStatus.PENDING, PhaseStatus.PENDING]
    assert [(c.start, c.end) for c in saved.conversation_cuts] == [(1, 3)]
    assert not (repo / "api.py").exists() and (repo / "db.sql").exists()


def test_rollback_conflict_leaves_tree_and_session_unchanged(worked, repo: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    service, store, session = worked
    head = service.head_sha()
    saved = store.session_path(session.id).read_bytes()
    assert run_cli("rollback", "database", "--repo", str(repo), "--yes") == 1
    captured = capsys.readouterr()
    assert "later phase api also touches: db.sql" in captured.out
    assert "conflicts" in captured.err and "db.sql" in captured.err and captured.err.count("\n") == 1
    assert service.head_sha() == head
    assert git(repo, "status", "--porcelain") == ""
    assert store.session_path(session.id).read_bytes() == saved


def test_rollback_needs_a_tty_or_yes(worked, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    service, _, _ = worked
    head = service.head_sha()
    assert run_cli("rollback", "api", "--repo", str(repo)) == 2
    assert "--yes" in capsys.readouterr().err
    assert service.head_sha() == head


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rollback_asks_on_a_tty(worked, repo: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    service, store, session = worked
    head = service.head_sha()
    monkeypatch.setattr(sys, "stdin", FakeTTY("n\n"))
    assert run_cli("rollback", "testing", "--repo", str(repo)) == 1
    assert "cancelled" in capsys.readouterr().err and service.head_sha() == head
    monkeypatch.setattr(sys, "stdin", FakeTTY("y\n"))
    assert run_cli("rollback", "testing", "--repo", str(repo)) == 0
    assert service.head_sha() != head
    assert store.load(session.id).phase_state("testing").status == PhaseStatus.ROLLED_BACK


def test_rollback_refuses_while_a_workbench_holds_the_lock(worked, repo: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    service, store, _ = worked
    with store.lock():
        assert run_cli("rollback", "testing", "--repo", str(repo), "--yes") == 1
    assert "Another phasegate" in capsys.readouterr().err
    assert not service.phase_commits()[-1].rollback_sha


def test_rollback_refuses_a_dirty_tree_and_unknown_phase(worked, repo: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "api.py").write_text("my edit\n")
    assert run_cli("rollback", "testing", "--repo", str(repo), "--yes") == 1
    assert "api.py" in capsys.readouterr().err
    assert (repo / "api.py").read_text() == "my edit\n"
    assert run_cli("rollback", "security", "--repo", str(repo), "--yes") == 1
    assert "No commit of a phase named 'security'" in capsys.readouterr().err


def test_rollback_refused_before_git_when_the_session_has_open_work(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = GitService.open(repo)
    store = SessionStore(service.git_dir)
    session = do_phase(service, store, approved_session(store), "database")
    session = wf.apply(session, wf.StartPhase(base_sha=service.head_sha(), slug="api"))
    session = wf.apply(session, wf.CompletePhase(PhaseReport(summary="nothing", changes=["nothing"])))
    store.save(session)
    assert session.stage == Stage.PHASE_REVIEW
    head = service.head_sha()
    assert run_cli("rollback", "database", "--repo", str(repo), "--yes") == 1
    assert "can't record this rollback" in capsys.readouterr().err
    assert service.head_sha() == head
