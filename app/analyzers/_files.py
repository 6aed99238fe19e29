"""File listing and reading for the analyzers, for the working tree or any git revision.

Every analyzer sees a repository through a ``Tree``: a list of relative POSIX paths and a way to
read one file's first bytes. The working tree is listed with git's own file list (tracked plus
untracked-but-not-ignored, so ``.gitignore`` is honoured for free and fast) and falls back to a
directory walk outside a repository; a revision is listed with ``git ls-tree`` and read through one
long-lived ``git cat-file --batch`` process instead of a ``git show`` per file.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from phasegate.app.errors import PhasegateError

# Directories whose contents are not the project's own code: vendored dependencies, build output,
# caches, virtualenvs. Nothing under them is reported.
VENDORED_DIRS = frozenset(
    {
        "node_modules", "bower_components", "jspm_packages", "vendor", "third_party", "third-party",
        "dist", "build", "out", "target", "bin", "obj", ".next", ".nuxt", ".svelte-kit", ".output",
        "coverage", "__pycache__", ".venv", "venv", "site-packages", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".gradle", ".idea", ".vscode", "Pods", ".terraform", ".git",
        ".yarn", ".pnpm-store", "generated", "__generated__", "gen",
    }
)
# Directories of fixtures and code templates: shaped like real code, but not the application.
FIXTURE_DIRS = frozenset({"fixtures", "__fixtures__", "fixture", "testdata", "_templates", "templates-src"})
# File names that are generated or templates (hygen ``*.ejs.t``, protobuf stubs, minified bundles…),
# as suffixes so that ``str.endswith`` (C speed) decides; ``.generated.`` anywhere in the name too.
GENERATED_SUFFIXES = (
    ".min.js", ".min.css", ".d.ts", ".ejs.t", ".hbs", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", "_pb2.py",
    "_pb2.pyi", "_pb2_grpc.py", ".pb.go", ".pb.gw.go", ".g.cs", ".g.dart", ".designer.cs", ".snap", ".map",
    "-lock.json", ".lock",
)
TEST_NAME_RE = re.compile(
    r"(^test_.*\.py$|_test\.(py|go|rb|exs?)$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(java|kt|cs)$|_spec\.rb$)"
)
TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "e2e", "testing"})

MAX_READ = 128 * 1024  # bytes read per file: enough for any hand-written route or model file


def is_vendored(path: str) -> bool:
    """True for paths under vendored, build or cache directories."""
    parts = path.split("/")
    return any(part in VENDORED_DIRS for part in parts[:-1])


def is_generated_or_fixture(path: str) -> bool:
    """True for generated files, templates and fixtures: never reported as models or routes."""
    parts = path.split("/")
    if any(part in FIXTURE_DIRS for part in parts[:-1]):
        return True
    name = parts[-1].lower()
    return name.endswith(GENERATED_SUFFIXES) or ".generated." in name


def is_test_path(path: str) -> bool:
    """True for test files: a test's routes and models are not the application's."""
    parts = path.split("/")
    return bool(TEST_NAME_RE.search(parts[-1])) or any(part in TEST_DIRS for part in parts[:-1])


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=check)


def _split_z(data: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def is_git_worktree(root: Path) -> bool:
    proc = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


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
            # ``--full-name`` is not needed: paths are relative to -C, which is our root.
            tracked = _git(self.root, "ls-files", "-z", "--cached").stdout
            other = _git(self.root, "ls-files", "-z", "--others", "--exclude-standard").stdout
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
    """The files of one git revision, read with a single ``git cat-file --batch`` process."""

    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self.rev = rev
        proc = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
        if proc.returncode != 0:
            raise PhasegateError(f"unknown revision {rev!r} in {root}")
        self.commit = proc.stdout.decode().strip()
        self._paths: list[str] | None = None
        self._blobs: dict[str, str] | None = None
        self._cat: subprocess.Popen[bytes] | None = None

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = list(self.blob_ids())
        return self._paths

    def blob_ids(self) -> dict[str, str]:
        """Path -> blob id of every file, from the same ``ls-tree`` that lists them: a reader's parse
        cached by blob id is reused without reading the file again."""
        if self._blobs is None:
            out = _git(self.root, "ls-tree", "-r", "-z", self.commit).stdout
            blobs: dict[str, str] = {}
            for entry in _split_z(out):
                meta, _, path = entry.partition("\t")
                parts = meta.split()
                if len(parts) == 3 and parts[1] == "blob":
                    blobs[path] = parts[2]
            self._blobs = blobs
        return self._blobs

    def changed_paths(self, since: str) -> dict[str, str | None] | None:
        """Path -> new blob id (None: deleted) of every file that differs between commit ``since`` and
        this revision; None when that cannot be told (an unknown commit). The two trees are compared
        through the ``cat-file`` process already open, descending only into subtrees whose ids differ:
        a handful of object reads instead of a ``git diff-tree`` process."""
        old_root, new_root = self._tree_of(since), self._tree_of(self.commit)
        if old_root is None or new_root is None:
            return None
        out: dict[str, str | None] = {}
        stack = [("", old_root, new_root)]
        while stack:
            prefix, old, new = stack.pop()
            a, b = self._entries(old) if old else {}, self._entries(new) if new else {}
            if a is None or b is None:
                return None
            for name in a.keys() | b.keys():
                ea, eb = a.get(name), b.get(name)
                if ea == eb:
                    continue
                path = prefix + name
                a_tree = ea is not None and ea[0] == "tree"
                b_tree = eb is not None and eb[0] == "tree"
                if a_tree or b_tree:
                    stack.append((path + "/", ea[1] if a_tree and ea else "", eb[1] if b_tree and eb else ""))
                if ea is not None and not a_tree and (eb is None or b_tree):
                    out[path] = None
                if eb is not None and not b_tree:
                    out[path] = eb[1]
        return out

    def _object(self, spec: str) -> tuple[bytes, bytes] | None:
        """(type, content) of one object through the ``cat-file --batch`` process."""
        if self._cat is None:
            self._cat = subprocess.Popen(
                ["git", "-C", str(self.root), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )
        assert self._cat.stdin is not None and self._cat.stdout is not None
        self._cat.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        if len(header) < 3:
            return None
        data = self._cat.stdout.read(int(header[2]))
        self._cat.stdout.read(1)
        return header[1], data

    def _tree_of(self, commit: str) -> str | None:
        obj = self._object(f"{commit}^{{commit}}")
        if obj is None or obj[0] != b"commit" or not obj[1].startswith(b"tree "):
            return None
        return obj[1][5:45].decode()

    def _entries(self, tree: str) -> dict[str, tuple[str, str]] | None:
        """name -> ("tree" | "blob" | "commit", id) of one tree object."""
        obj = self._object(tree)
        if obj is None or obj[0] != b"tree":
            return None
        data, out, i = obj[1], {}, 0
        while i < len(data):
            space = data.index(b" ", i)
            nul = data.index(b"\0", space)
            mode = data[i:space]
            name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
            kind = "tree" if mode == b"40000" else "commit" if mode == b"160000" else "blob"
            out[name] = (kind, data[nul + 1 : nul + 21].hex())
            i = nul + 21
        return out

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        if self._cat is None:
            self._cat = subprocess.Popen(
                ["git", "-C", str(self.root), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._cat.stdin is not None and self._cat.stdout is not None
        self._cat.stdin.write(f"{self.commit}:{path}\n".encode("utf-8", "surrogateescape"))
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = self._cat.stdout.read(size)
        self._cat.stdout.read(1)  # the newline after each object
        return data if limit is None else data[:limit]

    def close(self) -> None:
        if self._cat is not None:
            if self._cat.stdin:
                self._cat.stdin.close()
            self._cat.wait()
            self._cat = None


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


def natural_key(path: str) -> list[object]:
    """Sort key that orders ``V2__x`` before ``V10__x`` and ``2_a`` before ``10_a``."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", path)]


def suffix(path: str) -> str:
    """Lower-case extension of a path's last component (``""`` for none or a dot-file), cheaply."""
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""
