"""The victim of the crash test: saves one session and appends transcript lines as fast as it can.

``write_forever`` continues from whatever the store holds (so every run also proves the previous
run's files load), then loops: bump the counter, save the session, append a transcript record.
The session carries a few hundred history entries so a save takes long enough for a random SIGKILL
to land inside it. Run directly (``python -m tests.support.crash_writer GIT_DIR SESSION_ID``) or call it in a
forked child.
"""

from __future__ import annotations

import os
import sys

from phasegate.app.session.store import SessionStore
from phasegate.phases.models import HistoryEntry, Session, Stage

PAD_ENTRIES = 400


def counter_of(session: Session) -> int:
    return int(session.task.rsplit(" ", 1)[-1])


def write_forever(git_dir: str, session_id: str, ready_fd: int | None = None) -> None:
    store = SessionStore(git_dir)
    try:
        session = store.load(session_id)
    except Exception:
        if store.session_path(session_id).exists():
            raise  # a file exists but does not load: exactly what must never happen
        history = [
            HistoryEntry(event="Pad", from_stage=Stage.RESEARCH, to_stage=Stage.RESEARCH, detail="x" * 200)
            for _ in range(PAD_ENTRIES)
        ]
        session = Session(id=session_id, task="iteration 0", history=history)
    n = counter_of(session)
    while True:
        n += 1
        session = session.model_copy(update={"task": f"iteration {n}"})
        store.save(session)
        store.append_transcript(session_id, {"n": n, "text": "y" * (n % 977)})
        if ready_fd is not None:
            os.write(ready_fd, b"r")
            os.close(ready_fd)
            ready_fd = None


if __name__ == "__main__":  # pragma: no cover - manual use
    write_forever(sys.argv[1], sys.argv[2])
