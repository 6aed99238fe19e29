"""A repository's files for the analyzers: the working tree or any git revision, read through git.

Every analyzer sees a repository through a :class:`Tree`: a list of relative POSIX paths and a way to
read one file's first bytes. The working tree is listed with git's own file list (tracked plus
untracked-but-not-ignored, so ``.gitignore`` is honoured for free and fast) and falls back to a
directory walk outside a repository; a revision is listed with ``git ls-tree`` and its blobs are read
through GitPython's long-lived ``git cat-file --batch`` (``Git.get_object_data``) instead of a
``git show`` per file. All of it runs through ``phasegate.app.git.run`` (one runner, one environment).
``phasegate.app.analyzers._files`` re-exports these names for the analyzers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.app.errors import PhasegateError
from phasegate.app.git.run import Runner

if TYPE_CHECKING:
    import git

# Directories whose contents are not the project's own code: vendored dependencies, build output,
# caches, virtualenvs. Never walked here; ``phasegate.app.analyzers._files.is_vendored`` classifies by it.
VENDORED_DIRS = frozenset(
    {
        "node_modules", "bower_components", "jspm_packages", "vendor", "third_party", "third-party",
        "dist", "build", "out", "target", "bin", "obj", ".next", ".nuxt", ".svelte-kit", ".output",
        "coverage", "__pycache__", ".venv", "venv", "site-packages", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".gradle", ".idea", ".vscode", "Pods", ".terraform", ".git",
        ".yarn", ".pnpm-store", "generated", "__generated__", "gen",
    }
)

MAX_READ = 128 * 1024  # bytes read per file: enough for any hand-written route or model file


def _split_z(data: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def is_git_worktree(root: Path) -> bool:
    """True when ``root`` is inside the working tree of a git repository."""
    result = Runner(root).run("rev-parse", "--is-inside-work-tree")
    return result.ok and result.stdout.strip() == "true"


class Tree:
    """A repository's files at one point: the working tree or a revision."""

    root: Path

    def paths(self) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:  # pragma: no cover
        raise NotImplementedError

    def read_text(self, path: str, limit: int | None = None) -> str | None:
        data = self.read(path, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def close(self) -> None:
        """Release any helper process."""


class WorkTree(Tree):
    """The working tree: git's list of tracked and untracked non-ignored files, or a walk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tracked: set[str] = set()
        self._paths: list[str] | None = None

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = self._list()
        return self._paths

    def _list(self) -> list[str]:
        if is_git_worktree(self.root):
            runner = Runner(self.root)
            # ``--full-name`` is not needed: paths are relative to the runner's directory, our root.
            tracked = runner.run("ls-files", "-z", "--cached").stdout_bytes
            other = runner.run("ls-files", "-z", "--others", "--exclude-standard").stdout_bytes
            self.tracked = set(_split_z(tracked))
            paths = list(self.tracked) + _split_z(other)
            # A deleted-but-tracked file is still in the index; drop it lazily at read time instead
            # of stat-ing 50,000 files here.
            return sorted(set(paths))
        return sorted(self._walk())

    def _walk(self) -> Iterable[str]:
        root = str(self.root)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in VENDORED_DIRS]
            rel = os.path.relpath(dirpath, root)
            prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            for name in filenames:
                yield prefix + name

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        try:
            with open(os.path.join(self.root, path), "rb") as fh:
                return fh.read() if limit is None else fh.read(limit)
        except OSError:
            return None


class RevTree(Tree):
    """The files of one git revision, read through one long-lived ``git cat-file --batch``."""

    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self.rev = rev
        self._runner = Runner(root)
        result = self._runner.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if not result.ok:
            raise PhasegateError(f"unknown revision {rev!r} in {root}")
        self.commit = result.stdout.strip()
        self._paths: list[str] | None = None
        # GitPython's persistent cat-file is not thread-safe: one reader at a time.
        self._lock = threading.Lock()

    @property
    def command(self) -> git.Git:
        return self._runner.command

    def paths(self) -> list[str]:
        if self._paths is None:
            out = self._runner.run("ls-tree", "-r", "-z", "--name-only", self.commit).stdout_bytes
            self._paths = _split_z(out)
        return self._paths

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        ref = f"{self.commit}:{path}"
        if "\n" in ref:  # one object name per line is the batch protocol
            return None
        with self._lock:
            try:
                _sha, kind, _size, data = self.command.get_object_data(ref.encode("utf-8", "surrogateescape"))
            except ValueError:  # "<ref> missing": no such path at that revision
                return None
        if kind not in ("blob", b"blob"):  # GitPython hands the header back as bytes, typed as str
            return None
        return data if limit is None else data[:limit]

    def close(self) -> None:
        with self._lock:
            self.command.clear_cache()


def resolve_root(root_or_repo: object) -> Path:
    """A repository root from a path, a string or a GitPython ``Repo`` (its ``working_tree_dir``)."""
    path = getattr(root_or_repo, "working_tree_dir", None) or root_or_repo
    root = Path(str(path)).expanduser()
    if not root.is_dir():
        raise PhasegateError(f"not a directory: {root}")
    return root.resolve()


def open_tree(root_or_repo: object, rev: str | None = None) -> Tree:
    """The working tree of ``root_or_repo``, or its files at ``rev`` (which needs a git repository)."""
    root = resolve_root(root_or_repo)
    if rev is None:
        return WorkTree(root)
    if not is_git_worktree(root):
        raise PhasegateError(f"{root} is not a git repository, so revision {rev!r} cannot be read")
    return RevTree(root, rev)
