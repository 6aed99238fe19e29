"""A writer killed with SIGKILL at random moments never leaves an unreadable session or transcript."""

from __future__ import annotations

import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

from phasegate.app.session.store import SessionStore
from tests.support.crash_writer import counter_of, write_forever

KILLS = 60
SESSION_ID = "crash-session"


def spawn_writer(git_dir: Path) -> tuple[int, int]:
    """Fork a child running the writer (fork: no interpreter start-up per kill). Returns (pid, ready fd)."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(ready_r)
            write_forever(str(git_dir), SESSION_ID, ready_w)
        except BaseException:
            traceback.print_exc(file=sys.stderr)
        finally:
            os._exit(code)
    os.close(ready_w)
    return pid, ready_r


def test_sigkill_at_random_points_leaves_readable_state(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    store = SessionStore(git_dir)
    rng = random.Random(int(os.environ.get("PHASEGATE_CRASH_SEED", "20261127")))
    last_counter = 0
    mid_save = 0
    for kill in range(KILLS):
        pid, ready = spawn_writer(git_dir)
        try:
            # Wait for the event "one full save + append happened", then kill at a random moment.
            assert os.read(ready, 1) == b"r", f"writer died before its first save (kill {kill})"
            time.sleep(rng.uniform(0, 0.03))  # the random kill point is the point of the test
        finally:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            os.close(ready)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert killed, f"the writer failed on its own before kill {kill}"

        session = store.load(SESSION_ID)  # must load every time
        counter = counter_of(session)
        assert counter > last_counter, "a save went backwards"
        last_counter = counter
        assert len(session.history) > 0
        assert [s.id for s in store.list_sessions()] == [SESSION_ID]  # temp leftovers are never listed

        records = store.read_transcript(SESSION_ID)  # must read every time
        ns = [r["n"] for r in records]
        assert ns == sorted(set(ns)), "transcript records out of order or duplicated"
        assert ns[-1] >= counter - 1  # at most the record after the last save is missing
        leftovers = list(store.sessions_dir.glob(".*.phasegate-tmp"))
        mid_save += bool(leftovers)
        for leftover in leftovers:  # what the next lock holder would clean up
            leftover.unlink()
    # The harness itself: kills did land in the middle of a save.
    print(f"{mid_save}/{KILLS} kills mid-save, {last_counter} saves")
    assert mid_save > 0, "no kill landed inside a save; make the session bigger"
