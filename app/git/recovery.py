"""Repairing what a phasegate process killed in the middle of a git operation left behind.

A SIGKILL (a closed terminal, an OOM kill, a power cut of the process) can land inside ``git commit``
or ``git revert``. Git then leaves lock files (``index.lock``, ``refs/heads/main.lock``) that make
every later git command fail with "File exists", a revert half applied (``REVERT_HEAD`` and staged
changes: "a revert is in progress"), a real index that was not brought up to the new commit, and our
own scratch directories. None of that may block the user or slip into the next phase commit.

So every mutating ``GitService`` method runs inside :func:`recorded`, which writes
``<git-dir>/phasegate/operation.json`` (what, by which pid, from which HEAD, since when) before it starts
and removes it when it ends, however it ends short of a kill. When the next phasegate takes the session
lock (so no other phasegate is working), :func:`recover` finds the marker of a dead process and undoes
exactly that operation's leftovers:

- lock files created since the operation started are removed (never older ones: those are someone
  else's, and git's own message tells the user what to do about them);
- ``commit``: if the commit landed, the real index is reset to it (what the process would have done
  next); if not, nothing changed: the phase's changes are still in the working tree;
- ``revert``: if the revert commit landed, git's leftover revert state (if any) is cleared; if not,
  the half-applied revert is undone
  (``git revert --abort`` / ``git reset --merge``: the tree was clean before, checked by the revert),
  and then each file of the reverted commit that git had already rewritten in the working tree (but
  not yet staged, which ``reset --merge`` keeps) is put back to HEAD — only when it holds the revert's
  result or a part of it, never an edit of the user's (that is left and named);
- ``discard``: reported — the user rejected the phase; rejecting again finishes the job.

Without a marker nothing is touched except our own temp files, so a crash of the user's own git is
never "repaired" behind their back.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService

log = logging.getLogger(__name__)

MARKER = Path("phasegate") / "operation.json"
TEMP_SUFFIX = ".phasegate-tmp"  # workspace.write_text_atomic's temp files in the working tree
_SCRATCH_PREFIXES = ("phasegate-index-", "phasegate-msg-")
_LOCK_SLACK_S = 2.0  # file times have coarse granularity on some filesystems

F = TypeVar("F", bound=Callable[..., Any])


def marker_path(git_dir: Path) -> Path:
    return Path(git_dir) / MARKER


@contextlib.contextmanager
def operation(service: GitService, op: str) -> Iterator[None]:
    """Record ``op`` as in progress for the duration of the block (see the module docstring)."""
    path = marker_path(service.git_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = service.head_or_none()
    _write_marker(path, {"op": op, "pid": os.getpid(), "head": head, "started": time.time()})
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def annotate(service: GitService, **fields: str) -> None:
    """Add ``fields`` to the marker of the operation in progress (what a repair needs to be exact)."""
    path = marker_path(service.git_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return
    data.update(fields)
    _write_marker(path, data)


def _write_marker(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)  # no fsync: this guards against a killed process, not a lost disk


def recorded(op: str) -> Callable[[F], F]:
    """Decorator for ``GitService`` methods that change the repository."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def inner(self: GitService, *args: Any, **kwargs: Any) -> Any:
            with operation(self, op):
                return method(self, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def _alive(pid: int) -> bool:
    if pid <= 0:  # an unreadable marker: nobody to wait for
        return False
    if pid == os.getpid():
        return False  # our own marker can only be stale (we are not inside an operation now)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (dead, not reaped yet) is not working on anything
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _stale_locks(git_dir: Path, since: float) -> list[Path]:
    # the revert's own pseudo-refs too: a git killed while writing REVERT_HEAD left REVERT_HEAD.lock, and the
    # next revert failed with "cannot lock ref 'REVERT_HEAD'" (the crash test's one CI failure)
    candidates = [git_dir / name for name in ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "packed-refs.lock",
                                              "AUTO_MERGE.lock", "MERGE_MSG.lock", "config.lock",
                                              "REVERT_HEAD.lock", "CHERRY_PICK_HEAD.lock", "MERGE_HEAD.lock",
                                              "FETCH_HEAD.lock")]
    for sub in ("refs", "logs"):
        if (git_dir / sub).is_dir():
            candidates += list((git_dir / sub).rglob("*.lock"))
    stale = []
    for path in candidates:
        try:
            if path.is_file() and path.stat().st_mtime >= since - _LOCK_SLACK_S:
                stale.append(path)
        except OSError:
            continue
    return stale


def remove_temp_files(service: GitService) -> list[str]:
    """Our own leftovers: scratch index/message dirs in the git dir, temp files of atomic writes."""
    for prefix in _SCRATCH_PREFIXES:
        for leftover in service.git_dir.glob(f"{prefix}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    removed: list[str] = []
    for rel in service.untracked_files():
        name = rel.rsplit("/", 1)[-1]
        if name.startswith(".") and name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                (service.root / rel).unlink()
                removed.append(rel)
    return removed


def recover(service: GitService) -> list[str]:
    """Undo what a killed phasegate left in the repository; return one sentence per repair.

    Call it only while holding the session store's lock (no other phasegate is working then).
    """
    notes: list[str] = []
    temp = remove_temp_files(service)
    if temp:
        notes.append(f"removed {len(temp)} half-written temp file(s) of an interrupted write")
    path = marker_path(service.git_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return notes
    except ValueError:
        data = {}
    if _alive(int(data.get("pid") or 0)):
        return notes  # a live process (not a phasegate holding our lock) is in the middle of it
    op = str(data.get("op") or "")
    # A torn marker has no start time: its own mtime is when the operation began (never "since ever").
    started = float(data.get("started") or 0.0) or path.stat().st_mtime
    locks = _stale_locks(service.git_dir, started)
    for lock in locks:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    if locks:
        names = ", ".join(str(p.relative_to(service.git_dir)) for p in locks)
        notes.append(f"removed git lock file(s) left by the interrupted {op or 'operation'}: {names}")
    head = service.head_or_none()
    moved = head is not None and head != data.get("head")
    if op == "commit" and moved:
        service.reset_index()
        notes.append("the interrupted commit had landed; the index was brought up to it")
    elif op == "revert" and moved and _is_revert(service, head):
        # The revert commit landed but the kill came before git cleared its own revert state: forget
        # that state (``--quit`` changes nothing else), or the repository stays "a revert is in progress".
        if (service.git_dir / "REVERT_HEAD").exists() or (service.git_dir / "sequencer").exists():
            service.forget_revert_state()
            notes.append("the interrupted rollback had landed; git's leftover revert state was cleared")
    elif op == "revert":
        kept = service.undo_revert(str(data.get("target") or "") or None)
        notes.append("the interrupted rollback was undone; roll back again to finish it")
        if kept:
            notes.append(
                "after the interrupted rollback these files differ from HEAD and were left as they are "
                f"(not what the rollback writes): {', '.join(kept)}"
            )
    elif op == "discard":
        notes.append("discarding a phase's changes was interrupted; reject the phase again to finish")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    for note in notes:
        log.warning("recovered after a crash: %s", note)
    return notes


def _is_revert(service: GitService, sha: str | None) -> bool:
    if not sha:
        return False
    body = service.commit_message(sha)
    return "Phasegate-Reverts:" in body or "This reverts commit" in body
