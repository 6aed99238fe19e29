"""Sessions and transcripts on disk, under ``<git-dir>/phasegate/`` (never in the work tree).

Layout::

    <git-dir>/phasegate/
        sessions/<id>.json      one session, rewritten atomically on every save
        transcripts/<id>.jsonl  append-only, one JSON record per line
        lock                    flock'ed by the one workbench driving this repository; holds its pid

Crash safety is the point: a process killed at any instant leaves a session file that is either the
previous complete version or the new complete version (temp file in the same directory, fsync,
``os.replace``, fsync of the directory), and a transcript whose only possible damage is a torn last
line, which readers skip and the next append fences off with a newline.

No API key is ever written: the values of ``*_API_KEY`` environment variables are masked in anything
the store writes, whatever slipped into a session or a transcript record.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import ValidationError

from phasegate.app.errors import PhasegateError
from phasegate.app.fsutil import is_temp_file, write_all, write_atomic
from phasegate.app.secrets import Masker
from phasegate.phases.models import SCHEMA_VERSION, Session, load_session

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StoreLock:
    """The repository's workbench lock, held until :meth:`release` or process death (flock semantics).

    Dropping the object does not release it: the workbench takes it once and holds it for its lifetime.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)  # no stale pid for the next reader to report
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class SessionWriteRefused(PhasegateError):
    """A session save from a thread that does not own the store: a bug, never a user's doing."""


class SessionStore:
    """Reads and writes one repository's sessions. Cheap to construct; creates directories on write.

    One writer: only the thread that opened the store (or took it over with :meth:`claim`) may save a
    session. A worker thread that saved could overwrite a newer session written on the event loop (a
    lost update), so its save is refused (``SessionWriteRefused``) and the file is left as it was.
    """

    def __init__(self, git_dir: str | os.PathLike[str]) -> None:
        self.root = Path(git_dir) / "phasegate"
        self.sessions_dir = self.root / "sessions"
        self.transcripts_dir = self.root / "transcripts"
        self.lock_path = self.root / "lock"
        self.masker = Masker()
        self._owner = threading.get_ident()

    def claim(self) -> None:
        """Make the calling thread the one writer (the workbench opens its controller in a thread and
        then drives it from the event loop)."""
        self._owner = threading.get_ident()

    def mask(self, secret: str) -> None:
        """Also mask ``secret`` in everything written (a key given as a flag or in a config file is not in
        the environment, where the masking looks by default)."""
        self.masker.add(secret)

    # -- sessions ----------------------------------------------------------------------------------

    def session_path(self, session_id: str) -> Path:
        return self.sessions_dir / f"{_check_id(session_id)}.json"

    def save(self, session: Session) -> Path:
        """Write ``session`` atomically; after a crash the file holds either the old or the new version."""
        if threading.get_ident() != self._owner:
            raise SessionWriteRefused(
                f"Session {session.id} was not saved: only the thread that opened the store writes sessions "
                f"(this is {threading.current_thread().name}); a worker must post its result instead."
            )
        path = self.session_path(session.id)
        data = session.model_dump(mode="json")
        data["schema_version"] = SCHEMA_VERSION
        text = self.masker.mask(json.dumps(data, ensure_ascii=False, indent=1)) + "\n"
        write_atomic(path, text.encode("utf-8"), new_mode=0o600)
        return path

    def load(self, session_id: str) -> Session:
        path = self.session_path(session_id)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            known = ", ".join(self._ids()[-5:]) or "none"
            raise PhasegateError(
                f"There is no session {session_id!r} in this repository (recent: {known})."
            ) from None
        try:
            return load_session(json.loads(raw))
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            reason = str(exc).splitlines()[0]
            raise PhasegateError(
                f"The session file {path} is corrupt or unreadable ({reason}); move it aside to continue."
            ) from None

    def list_sessions(self) -> list[Session]:
        """Every readable session, oldest update first. Unreadable files are skipped with a warning."""
        sessions: list[Session] = []
        for session_id in self._ids():
            try:
                sessions.append(self.load(session_id))
            except PhasegateError as exc:
                log.warning("%s", exc)
        return sorted(sessions, key=lambda s: (s.updated_at, s.created_at))

    def latest_unfinished(self) -> Session | None:
        """The most recently updated session not yet done: what ``--resume`` continues."""
        unfinished = [s for s in self.list_sessions() if not s.finished]
        return unfinished[-1] if unfinished else None

    def current(self) -> Session | None:
        """The session the CLI reports on: the newest unfinished one, else the newest of all."""
        sessions = self.list_sessions()
        unfinished = [s for s in sessions if not s.finished]
        if unfinished:
            return unfinished[-1]
        return sessions[-1] if sessions else None

    def _ids(self) -> list[str]:
        if not self.sessions_dir.is_dir():
            return []
        files = self.sessions_dir.glob("*.json")
        return sorted(p.stem for p in files if not p.name.startswith(".") and _SAFE_ID.match(p.stem))

    # -- transcripts -------------------------------------------------------------------------------

    def transcript_path(self, session_id: str) -> Path:
        return self.transcripts_dir / f"{_check_id(session_id)}.jsonl"

    def append_transcript(self, session_id: str, record: dict[str, Any]) -> None:
        """Append one record as one JSON line, durably (flush + fsync)."""
        path = self.transcript_path(session_id)
        line = self.masker.mask(json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":")))
        # backslashreplace: a stray lone surrogate must cost one character, never the whole record.
        data = line.encode("utf-8", "backslashreplace") + b"\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a crash tore the last line: fence it off so this record stays whole
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_transcript(self, session_id: str) -> list[dict[str, Any]]:
        """All complete records; a torn line (from a crash mid-append) is skipped."""
        path = self.transcript_path(session_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        records: list[dict[str, Any]] = []
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number < len(lines):  # not the torn tail: worth a note
                    log.warning("skipping unreadable line %d of %s", number, path)
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    # -- lock --------------------------------------------------------------------------------------

    def lock(self) -> StoreLock:
        """Take the one-workbench-per-repository lock, or say who holds it.

        ``flock`` is released by the kernel when its holder dies, so a lock left by a crashed process
        is simply taken over; the pid in the file is only for the message.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise PhasegateError(
                    f"Another phasegate (pid {holder}) is driving this repository; close it first."
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self._remove_stale_temp_files()
        return StoreLock(self.lock_path, fd)

    def _remove_stale_temp_files(self) -> None:
        """Temp files a crash left behind mid-save; only the lock holder may remove them."""
        if self.sessions_dir.is_dir():
            for leftover in self.sessions_dir.iterdir():
                if is_temp_file(leftover.name):
                    with contextlib.suppress(OSError):
                        leftover.unlink()


# ------------------------------------------------------------------------------------------------ helpers


def _check_id(session_id: str) -> str:
    if not _SAFE_ID.match(session_id):
        raise PhasegateError(f"{session_id!r} is not a valid session id.")
    return session_id
