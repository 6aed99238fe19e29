"""SessionStore: atomic session files, append-only transcripts, the per-repository lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from phasegate.app.errors import PhasegateError
from phasegate.app.git.service import GitService
from phasegate.app.session.store import SessionStore
from phasegate.phases.models import SCHEMA_VERSION, Session, Stage
from tests.support.repos import git


@pytest.fixture
def store(repo: Path) -> SessionStore:
    return SessionStore(GitService.open(repo).git_dir)


def test_state_lives_in_the_git_dir_not_the_work_tree(repo: Path, store: SessionStore) -> None:
    session = Session(task="add users")
    path = store.save(session)
    store.append_transcript(session.id, {"role": "user", "content": "hi"})
    assert path == repo / ".git" / "phasegate" / "sessions" / f"{session.id}.json"
    assert git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""


def test_save_and_load_round_trip_with_schema_version(store: SessionStore) -> None:
    session = Session(task="add users", stage=Stage.PLANNING, base_sha="a" * 40)
    path = store.save(session)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    loaded = store.load(session.id)
    assert loaded == session
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "no temp file left behind"


def test_older_schema_is_migrated_on_load(store: SessionStore) -> None:
    store.sessions_dir.mkdir(parents=True)
    plan = {"phases": [{"slug": "database", "title": "Database", "tasks": [{"title": "users table"}]}]}
    old = {"schema_version": 1, "id": "old-1", "task": "t", "stage": "executing", "plan": plan,
           "phase_status": {"database": "committed"}, "commit_shas": {"database": "b" * 40}}
    (store.sessions_dir / "old-1.json").write_text(json.dumps(old))
    loaded = store.load("old-1")
    assert loaded.plan_version == 1 and loaded.phase_state("database").commit_sha == "b" * 40


def test_corrupt_session_names_the_file_and_is_skipped_in_listings(store: SessionStore) -> None:
    good = Session(task="good")
    store.save(good)
    (store.sessions_dir / "broken.json").write_text('{"id": "broken", "task": ')
    with pytest.raises(PhasegateError, match=r"broken\.json is corrupt"):
        store.load("broken")
    assert [s.id for s in store.list_sessions()] == [good.id]
    with pytest.raises(PhasegateError, match="no session 'missing'"):
        store.load("missing")
    with pytest.raises(PhasegateError, match="not a valid session id"):
        store.load("../../etc/passwd")


def test_latest_unfinished_and_current(store: SessionStore) -> None:
    assert store.latest_unfinished() is None and store.current() is None
    first = Session(task="first")
    store.save(first)
    second = Session(task="second", updated_at=first.updated_at + timedelta(seconds=1))
    store.save(second)
    assert store.latest_unfinished() == second
    done = second.model_copy(update={"stage": Stage.DONE, "updated_at": second.updated_at.replace(year=2100)})
    store.save(done)
    assert store.latest_unfinished() == first
    assert store.current() == first
    store.save(first.model_copy(update={"stage": Stage.DONE}))
    assert store.latest_unfinished() is None
    assert store.current() == done  # everything finished: the most recently updated


def test_transcript_appends_and_survives_a_torn_last_line(store: SessionStore) -> None:
    store.append_transcript("s1", {"n": 1, "text": "héllo\nworld"})
    store.append_transcript("s1", {"n": 2})
    with store.transcript_path("s1").open("ab") as handle:
        handle.write(b'{"n": 3, "te')  # a crash mid-append
    assert store.read_transcript("s1") == [{"n": 1, "text": "héllo\nworld"}, {"n": 2}]
    store.append_transcript("s1", {"n": 4})
    assert [r["n"] for r in store.read_transcript("s1")] == [1, 2, 4]
    assert store.read_transcript("never") == []


def test_api_keys_are_never_written(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    session = Session(task=f"use key {secret} please", final_report={"note": secret})
    path = store.save(session)
    store.append_transcript(session.id, {"content": f"Authorization: Bearer {secret}"})
    on_disk = path.read_text() + store.transcript_path(session.id).read_text()
    assert secret not in on_disk and "***" in on_disk


def test_second_lock_names_the_holder_and_release_frees_it(store: SessionStore) -> None:
    with store.lock() as held:
        assert held.held
        assert store.lock_path.read_text().strip() == str(os.getpid())
        with pytest.raises(PhasegateError, match=f"Another phasegate \\(pid {os.getpid()}\\)"):
            SessionStore(store.root.parent).lock()
    again = store.lock()
    again.release()
    assert not again.held


HOLD_LOCK = """
import sys
from phasegate.app.session.store import SessionStore
lock = SessionStore(sys.argv[1]).lock()
print("locked", flush=True)
sys.stdin.read()
"""


def test_lock_of_a_killed_process_is_taken_over(store: SessionStore) -> None:
    (store.sessions_dir).mkdir(parents=True)
    (store.sessions_dir / ".stale.json.abc.phasegate-tmp").write_text("half a session")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(store.root.parent)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(PhasegateError, match=f"pid {holder.pid}"):
            store.lock()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with store.lock() as taken:
        assert taken.held
        assert store.lock_path.read_text().strip() == str(os.getpid())
        assert not (store.sessions_dir / ".stale.json.abc.phasegate-tmp").exists()


def test_a_worker_thread_cannot_save_the_session(store: SessionStore) -> None:
    """One writer: a save from any thread but the store's owner is refused and leaves the file as it was."""
    import threading

    from phasegate.app.session.store import SessionWriteRefused

    session = Session(task="the owner's version")
    path = store.save(session)
    before = path.read_bytes()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            store.save(session.model_copy(update={"task": "a worker's stale copy"}))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            errors.append(exc)

    thread = threading.Thread(target=worker, name="review-worker")
    thread.start()
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], SessionWriteRefused)
    assert "only the thread that opened the store writes sessions" in str(errors[0])
    assert "review-worker" in str(errors[0])
    assert path.read_bytes() == before
    assert [p.name for p in store.sessions_dir.iterdir()] == [path.name]  # refused before any temp file was written


def test_the_loop_that_takes_the_store_over_becomes_its_writer(store: SessionStore) -> None:
    """The workbench opens its controller in a thread, then claims the store on its event loop."""
    import threading

    from phasegate.app.session.store import SessionWriteRefused

    opened: list[SessionStore] = []
    thread = threading.Thread(target=lambda: opened.append(SessionStore(store.root.parent)))
    thread.start()
    thread.join()
    handed = opened[0]
    with pytest.raises(SessionWriteRefused):
        handed.save(Session(task="t"))
    handed.claim()
    assert handed.save(Session(task="t")).exists()
