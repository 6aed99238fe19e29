"""The one atomic file writer: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".phasegate-tmp"  # every temp file this writer leaves after a crash ends so (recovery sweeps them)


def write_atomic(path: str | os.PathLike[str], data: bytes, *, new_mode: int | None = None) -> Path:
    """Replace ``path`` with ``data``; returns the path.

    Writes a temp file in the same directory (same filesystem, so the rename is atomic), fsyncs it,
    keeps the old file's permission bits (a new file gets ``new_mode``, else the umask's), renames it over the target and
    fsyncs the directory. Parents are created. A symlink at ``path`` is replaced, not written through.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        st = os.lstat(target)
        mode: int | None = st.st_mode & 0o7777 if not os.path.islink(target) and os.path.isfile(target) else None
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            view = memoryview(data)
            while view:
                view = view[handle.write(view):]
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else new_mode if new_mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    return target


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def is_temp_file(name: str) -> bool:
    """A leftover of :func:`write_atomic` killed between its write and its rename."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def _fsync_dir(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(dir_fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
