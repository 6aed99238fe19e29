"""SIGKILL a scripted phasegate session at random points, many times; every restart must find the
repository and the session consistent.

A forked child (``crash_session.drive_forever``: controller + scripted server + a real repository)
announces the moments worth aiming at — a model reply streaming, a tool write, a phase commit, a
revert — and the test kills its whole process group (git included, as a closed terminal would) a
random few milliseconds after one of them. Then it reopens the session the way the workbench does
(``Controller.open(..., resume=True)``) and checks, after every kill:

- the session loads, and every session file and transcript in the repository reads;
- the approved phases are exactly the phase commits git has (by trailers), rolled back ones included;
- no commit holds anything unapproved: a phase commit touches only that phase's files, each with the
  complete content that phase wrote; a rollback touches exactly what it reverts; nothing else exists;
- the working tree holds the in-progress phase's complete changes, or is clean; the index is HEAD;
- no lock file, half-done revert, operation marker or temp file is left to block the user.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

from phasegate.app.agent.tools import CommandDecision
from phasegate.app.config import load_settings
from phasegate.app.git.recovery import marker_path, recover
from phasegate.app.git.service import GitService
from phasegate.app.session.controller import Controller
from phasegate.app.session.store import SessionStore
from phasegate.phases.models import PhaseStatus
from tests.flows.reliability import crash_session
from tests.flows.reliability.crash_session import PHASE_FILES, content
from tests.support.repos import git

KILLS = int(os.environ.get("PHASEGATE_CRASH_KILLS", "50"))
# How long after the announced moment the kill may land (seconds): about the length of that moment.
WINDOWS = {b"s": 0.15, b"w": 0.01, b"c": 0.06, b"v": 0.05}


def _preload() -> None:
    """Import what the child would import lazily, once, before forking (each kill costs less)."""
    import openai  # noqa: F401

    import phasegate.app.agent.llm  # noqa: F401
    import phasegate.app.agent.submissions  # noqa: F401
    import phasegate.app.analyzers.openapi  # noqa: F401
    import phasegate.app.analyzers.scan  # noqa: F401
    import phasegate.app.analyzers.schema  # noqa: F401
    import phasegate.app.analyzers.security  # noqa: F401
    import phasegate.app.session.final_report  # noqa: F401
    import phasegate.app.session.review  # noqa: F401
    import phasegate.prompts  # noqa: F401

    with __import__("contextlib").suppress(ImportError):
        import phasegate.app.session.verification  # noqa: F401


def spawn(repo: Path) -> tuple[int, int]:
    events_r, events_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so the kill takes its git processes too
        code = 1
        try:
            os.setpgid(0, 0)
            os.close(events_r)
            crash_session.drive_forever(str(repo), events_w)
        except BaseException:
            traceback.print_exc(file=sys.stderr)
        finally:
            os._exit(code)
    os.close(events_w)
    with __import__("contextlib").suppress(OSError):
        os.setpgid(pid, pid)  # either side may win the race to set it
    return pid, events_r


def wait_for(events: int, count: int, deadline_s: float = 30.0) -> bytes:
    """Wait for the ``count``-th announced moment; return which kind it was."""
    started = time.monotonic()
    seen = 0
    while time.monotonic() - started < deadline_s:
        byte = os.read(events, 1)
        if not byte:
            raise AssertionError("the session process died on its own (see its traceback above)")
        if byte in WINDOWS:
            seen += 1
            if seen == count:
                return byte
    raise AssertionError(f"the session announced fewer than {count} moments within {deadline_s} s")


def kill_group(pid: int) -> float:
    """SIGKILL the session's process group; return how long its last process took to go (seconds)."""
    started = time.monotonic()
    with __import__("contextlib").suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the child exited on its own"
    # Its git processes were killed too; wait until none of them is still running (zombies are fine). A
    # process killed inside a system call (a slow disk: uninterruptible sleep) still finishes that call, an
    # unlink or a rename in the repository, when the disk answers: the restart must not race it, as a user's
    # restart does not race a closed terminal's processes. (This waited 1 s at most, then went on.)
    while _group_alive(pid):
        assert time.monotonic() - started < 30, "a killed process of the session is still running after 30 s"
        time.sleep(0.005)
    return time.monotonic() - started


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


async def _refuse(request):  # the checker never runs anything
    return CommandDecision(approved=False)


class Checker:
    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.settings = load_settings(repo, {"base_url": "http://127.0.0.1:9/v1", "model": "scripted"}).settings
        self.checked: set[str] = set()
        self.stats = {"marker": 0, "locks": 0, "repairs": 0, "active": 0, "sessions": 0, "commits": 0}

    def __call__(self) -> None:
        git_dir = self.repo / ".git"
        self.stats["marker"] += marker_path(git_dir).exists()
        self.stats["locks"] += bool(_lock_files(git_dir))
        store = SessionStore(git_dir)
        if store.latest_unfinished() is not None:
            c = Controller.open(self.repo, self.settings, approver=_refuse, resume=True)
            try:
                self.stats["repairs"] += bool(c.recovered)
                self._check(c.git, store, c.session.active_phase, c.session.id)
            finally:
                c.close()
        else:  # killed between sessions: what Controller.open does before it picks a session
            with store.lock():
                service = GitService.open(self.repo, allow_in_progress=True)
                self.stats["repairs"] += bool(recover(service))
                self._check(service, store, None, None)

    def _check(self, service: GitService, store: SessionStore, active, session_id: str | None) -> None:
        git_dir = service.git_dir
        assert not _lock_files(git_dir), _lock_files(git_dir)
        assert service.operation_in_progress() is None
        assert not marker_path(git_dir).exists()
        sessions = store.list_sessions()
        assert len(sessions) == len(list(store.sessions_dir.glob("*.json"))), "a session file does not load"
        self.stats["sessions"] = len(sessions)
        for session in sessions:
            store.read_transcript(session.id)
            recorded = {(p.slug, p.commit_sha, p.status.value, p.rollback_sha) for p in session.phases if p.commit_sha}
            in_git = {
                (pc.phase, pc.sha, "committed" if pc.status == "committed" else PhaseStatus.ROLLED_BACK.value,
                 pc.rollback_sha)
                for pc in service.phase_commits(session_id=session.id)
            }
            assert recorded == in_git, f"session {session.id}: recorded {recorded} != git {in_git}"
        self._check_new_commits()
        dirty = service.dirty_files()
        if active is None:
            assert dirty == [], f"no phase is in progress but the tree has changes: {dirty}"
        else:
            self.stats["active"] += 1
            assert set(dirty) <= set(PHASE_FILES[active.slug]), f"{active.slug} phase: unexpected {dirty}"
            for rel in dirty:
                path = self.repo / rel
                if path.exists():
                    assert path.read_text() == content(session_id or "", active.slug, rel), f"half-written {rel}"
        staged = subprocess.run(["git", "-C", str(self.repo), "diff", "--cached", "--quiet", "HEAD"], check=False)
        assert staged.returncode == 0, "the index differs from HEAD"

    def _check_new_commits(self) -> None:
        shas = git(self.repo, "rev-list", "--reverse", "HEAD").split()
        for sha in shas:
            if sha in self.checked:
                continue
            body = git(self.repo, "log", "-1", "--format=%B", sha)
            trailers = dict(
                line.split(": ", 1) for line in body.splitlines() if line.startswith("Phasegate-") and ": " in line
            )
            files = [f for f in git(self.repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).split("\n") if f]
            if "Phasegate-Rollback" in trailers:
                reverted = trailers["Phasegate-Reverts"]
                theirs = git(self.repo, "diff-tree", "--no-commit-id", "--name-only", "-r", reverted).split()
                assert sorted(files) == sorted(theirs), f"rollback {sha[:8]} touches {files}, reverts {theirs}"
            elif "Phasegate-Phase" in trailers:
                slug, session = trailers["Phasegate-Phase"], trailers["Phasegate-Session"]
                assert set(files) <= set(PHASE_FILES[slug]), f"phase commit {sha[:8]} ({slug}) holds {files}"
                for rel in files:
                    shown = subprocess.run(["git", "-C", str(self.repo), "show", f"{sha}:{rel}"],
                                           capture_output=True, text=True, check=False)
                    if shown.returncode == 0:  # else: deleted by the commit
                        assert shown.stdout == content(session, slug, rel), f"{sha[:8]}:{rel} is not what was approved"
                self.stats["commits"] += 1
            else:
                assert body.strip() == "initial", f"a commit phasegate did not make: {sha[:8]} {body!r}"
            self.checked.add(sha)


def _lock_files(git_dir: Path) -> list[str]:
    found = [p for p in (git_dir / "index.lock", git_dir / "HEAD.lock") if p.exists()]
    found += list((git_dir / "refs").rglob("*.lock"))
    return [str(p.relative_to(git_dir)) for p in found]


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_or_leaks_work(repo: Path) -> None:
    _preload()
    rng = random.Random(int(os.environ.get("PHASEGATE_CRASH_SEED", "8")))
    check = Checker(repo)
    started = time.monotonic()
    aimed: dict[bytes, int] = {}
    slowest = 0.0  # the longest a killed session's processes took to go
    for kill in range(KILLS):
        # The kill lands a little after the 1st-8th moment the restarted session reaches: every restart
        # resumes where the last one died, so over the run the kills walk through the whole workflow.
        pid, events = spawn(repo)
        target = b"?"
        try:
            target = wait_for(events, rng.choice((1, 2, 3, 4, 6, 8)))
            time.sleep(rng.uniform(0, WINDOWS[target]))
        finally:
            slowest = max(slowest, kill_group(pid))
            os.close(events)
        aimed[target] = aimed.get(target, 0) + 1
        try:
            check()
        except AssertionError as exc:
            raise AssertionError(f"after kill {kill} (aimed at {target!r}): {exc}") from exc
    elapsed = time.monotonic() - started
    print(f"{KILLS} kills in {elapsed:.1f} s, aimed at {aimed}; {check.stats}; slowest exit {slowest:.3f} s")
    # The harness itself: the kills did reach the interesting places.
    assert check.stats["commits"] >= 3 and check.stats["sessions"] >= 2
    assert check.stats["active"] > 0
