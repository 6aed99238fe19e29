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

import hashlib
import os
import threading
from collections import OrderedDict
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

    def blob_ids(self) -> dict[str, str]:
        """git blob ids of files known to be unchanged (none when unknown): lets a cache skip reading them."""
        return {}

    def grep_files(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> set[str] | None:
        """The paths whose content holds any of the fixed strings ``words`` (one ``git grep -l -F``), among
        ``pathspecs``; None when git cannot tell (then every file is a candidate). Paths git does not grep
        as they are read here are in :meth:`ungreppable`."""
        return None

    def ungreppable(self) -> set[str]:
        """Paths whose content a :meth:`grep_files` does not see as :meth:`read` does (to read anyway)."""
        return set()

    def start_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        """Let a later :meth:`grep_files` with these arguments start its search now, beside the listing and
        whatever the caller does next (a hint: a tree may ignore it)."""

    def grep_pending(self) -> bool:
        """Whether a search begun by :meth:`start_grep` is still running (its ``grep_files`` would wait)."""
        return False

    def grep_begun(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> bool:
        """Whether :meth:`start_grep` began a search with these arguments that no ``grep_files`` took yet."""
        return False

    def forget_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        """Drop the search :meth:`start_grep` began with these arguments (its answer will not be asked for);
        its git runs to its end unwatched."""

    def read_text(self, path: str, limit: int | None = None) -> str | None:
        data = self.read(path, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def close(self) -> None:
        """Release any helper process."""


# Up to this many untracked files, ``WorkTree.grep_files`` searches tracked files only and the untracked
# ones are read (reading 1,000 files costs less than ``git grep --untracked``'s directory walk).
_GREP_UNTRACKED_MAX = 1_000


class WorkTree(Tree):
    """The working tree: git's list of tracked and untracked non-ignored files, or a walk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_str = str(root)
        self.tracked: set[str] = set()
        self._unsure: set[str] = set()
        self._untracked: set[str] = set()
        self._grep_untracked = False  # the last ``grep_files`` searched untracked files too
        # searches begun by ``start_grep``, by their arguments: the thread and the box of its answer
        self._pending: dict[tuple[tuple[str, ...], tuple[str, ...], bool], tuple[threading.Thread, list[set[str] | None]]] = {}
        self._by_git = False  # listed by ``git ls-files`` here (so ``_unsure`` is known)
        self._prefix: str | None = None  # the root's path inside its repository (``rev-parse --show-prefix``)
        self._paths: list[str] | None = None

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = self._list()
        return self._paths

    def _list(self) -> list[str]:
        runner = Runner(self.root)
        where = runner.run("rev-parse", "--is-inside-work-tree", "--show-prefix")  # one process for both
        lines = where.stdout.split("\n") if where.ok else []
        if lines[:1] == ["true"]:
            self._prefix = lines[1] if len(lines) > 1 else ""
            # One git process lists tracked files (``H``…, in git's order) and untracked non-ignored ones
            # (``?``). ``--full-name`` is not needed: paths are relative to the runner's directory, our root.
            # ``-v`` tags assume-unchanged files in lower case: ``git grep`` reads those (and skip-worktree
            # ``S``) from the index, not from the file, so ``ungreppable`` names them. ``-s`` gives each
            # tracked file's mode: ``git grep`` searches a symlink's target path, a read follows the link,
            # so symlinks (and submodules) are ungreppable too. A tracked entry is "H <mode> <id> <stage>\t<path>".
            out = runner.run("ls-files", "-z", "-v", "-s", "--cached", "--others", "--exclude-standard").stdout_bytes
            entries = out.decode("utf-8", "surrogateescape").split("\0")
            tracked = [e[e.index("\t") + 1 :] for e in entries if e and e[:1] != "?"]  # H, S (skip-worktree), M
            self._unsure = {e[e.index("\t") + 1 :] for e in entries if e and e[:1] != "?" and (
                e[:1].islower() or e[:1] in "SM" or e[2:8] not in ("100644", "100755"))}
            self._by_git = True
            other = [e[2:] for e in entries if e[:1] == "?"]
            self._untracked = set(other)
            self.tracked = set(tracked)
            # A deleted-but-tracked file is still in the index; drop it lazily at read time instead
            # of stat-ing 50,000 files here.
            if other:
                return sorted(self.tracked.union(other))
            return list(dict.fromkeys(tracked))  # a conflicted path is listed once per stage
        return sorted(self._walk())

    def _walk(self) -> Iterable[str]:
        root = str(self.root)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in VENDORED_DIRS]
            rel = os.path.relpath(dirpath, root)
            prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            for name in filenames:
                yield prefix + name

    def grep_files(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> set[str] | None:
        self.paths()
        pending = self._pending.pop((tuple(words), tuple(pathspecs), ignore_case), None)
        if pending is not None:
            pending[0].join()
        if not self._by_git or self._prefix != "":
            # a directory walk or a listing handed over (git's view of the files is unknown), or a subfolder
            # of a repository: keep it simple, read every candidate
            return None
        if pending is not None:
            self._grep_untracked = False
            return pending[1][0]
        # tracked files as they are in the working tree, and untracked non-ignored ones, as ``paths`` lists;
        # ``--untracked`` walks the directories for those (0.39 s instead of 0.28 s over the 50,000 files of
        # the bench repository), so a few untracked files are read instead (``ungreppable``)
        self._grep_untracked = len(self._untracked) > _GREP_UNTRACKED_MAX
        return _grep(Runner(self.root), ["--untracked"] if self._grep_untracked else [], words, pathspecs,
                     ignore_case, "")

    def start_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        # tracked files only: whether there are many untracked ones is not known before the listing
        key = (tuple(words), tuple(pathspecs), ignore_case)
        if key in self._pending:
            return
        box: list[set[str] | None] = [None]

        def search() -> None:  # whether the root is a repository's top is checked with the listing's answer
            box[0] = _grep(Runner(self.root), [], list(words), list(pathspecs), ignore_case, "", beside=True)

        thread = threading.Thread(target=search, name="phasegate-grep", daemon=True)
        thread.start()
        self._pending[key] = (thread, box)

    def grep_pending(self) -> bool:
        return any(thread.is_alive() for thread, _ in self._pending.values())

    def grep_begun(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> bool:
        return (tuple(words), tuple(pathspecs), ignore_case) in self._pending

    def forget_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        self._pending.pop((tuple(words), tuple(pathspecs), ignore_case), None)

    def untracked(self) -> set[str]:
        """The untracked, not ignored files of the listing (empty outside a repository)."""
        self.paths()
        return self._untracked

    def ungreppable(self) -> set[str]:
        self.paths()
        if self._untracked and not self._grep_untracked:
            return self._unsure | self._untracked
        return self._unsure

    def close(self) -> None:
        for thread, _ in self._pending.values():  # a search nobody asked for after all: let its git finish
            thread.join()
        self._pending.clear()

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        # os.open/os.read, not open(): no buffered file object per file, 2.4x faster over the 37,000
        # source files of the bench repository (docs/performance.md)
        try:
            fd = os.open(os.path.join(self._root_str, path), os.O_RDONLY)
        except OSError:
            return None
        try:
            return read_fd(fd, limit)
        except OSError:  # a directory, a file that vanished under us
            return None
        finally:
            os.close(fd)


def blob_id(data: bytes) -> str:
    """git's blob id of ``data`` (``git hash-object``), the cache key of a file's parse."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_fd(fd: int, limit: int | None, size: int | None = None) -> bytes:
    """Up to ``limit`` bytes (None: all) of an open file; a short read is retried until end of file.
    ``size`` (the file's, from a stat) keeps each read's buffer to what the file holds."""
    chunks: list[bytes] = []
    got = 0
    while limit is None or got < limit:
        want = 1 << 20 if limit is None else limit - got
        if size is not None:
            want = min(want, max(size - got, 0) + 1)
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


# The listings of the last few commits, by (root, commit id): a commit never changes, and a review opens
# a tree of each side for every analyzer (11 ``ls-tree`` runs of a 50,000-file commit cost 1.2 s).
_LISTINGS: OrderedDict[tuple[str, str], tuple[list[str], dict[str, str], set[str]]] = OrderedDict()
_LISTINGS_KEPT = 4

# Keyword searches of a revision begun by ``RevTree.start_grep``, by (root, commit, words, pathspecs,
# ignore case): the thread and the box of its answer. Taken (popped) by the first ``grep_files`` asking.
_GrepKey = tuple[str, str, tuple[str, ...], tuple[str, ...], bool]
_BEGUN: dict[_GrepKey, tuple[threading.Thread, list[set[str] | None]]] = {}
_BEGUN_LOCK = threading.Lock()
_BEGUN_KEPT = 8


class RevTree(Tree):
    """The files of one git revision, read through one long-lived ``git cat-file --batch``."""

    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self._root_str = str(root)
        self.rev = rev
        self._runner = Runner(root)
        result = self._runner.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if not result.ok:
            raise PhasegateError(f"unknown revision {rev!r} in {root}")
        self.commit = result.stdout.strip()
        self._paths: list[str] | None = None
        self._blobs: dict[str, str] = {}
        self._odd: set[str] = set()  # not a regular file (a symlink): ``git grep`` may not read it as a blob
        # GitPython's persistent cat-file is not thread-safe: one reader at a time.
        self._lock = threading.Lock()

    @property
    def command(self) -> git.Git:
        return self._runner.command

    def paths(self) -> list[str]:
        if self._paths is None:
            key = (self._root_str, self.commit)
            listing = _LISTINGS.get(key)
            if listing is None:
                listing = self._list()
                _LISTINGS[key] = listing
                while len(_LISTINGS) > _LISTINGS_KEPT:
                    _LISTINGS.popitem(last=False)
            else:
                _LISTINGS.move_to_end(key)
            # copies: a caller may sort or extend what it is handed, never another tree's listing
            self._paths, self._blobs, self._odd = list(listing[0]), dict(listing[1]), set(listing[2])
        return self._paths

    def _list(self) -> tuple[list[str], dict[str, str], set[str]]:
        out = self._runner.run("ls-tree", "-r", "-z", self.commit).stdout_bytes
        paths: list[str] = []
        blobs: dict[str, str] = {}
        odd: set[str] = set()
        # "<mode> blob <id>\t<path>": the blob ids key the parse cache. Decoded once, and a regular file's
        # entry read by position (SHA-1 ids): 3x faster than splitting and decoding each of 50,000 entries
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if entry[6:12] == " blob " and entry[52:53] == "\t" and entry[:6] in ("100644", "100755"):
                path = entry[53:]
                blobs[path] = entry[12:52]
                paths.append(path)
                continue
            meta, _, path = entry.partition("\t")
            parts = meta.split(" ")
            if len(parts) == 3 and parts[1] == "blob":
                blobs[path] = parts[2]
                paths.append(path)
                if parts[0] not in ("100644", "100755"):
                    odd.add(path)
        return paths, blobs, odd

    def blob_ids(self) -> dict[str, str]:
        self.paths()
        return self._blobs

    def listed(self) -> bool:
        """Whether the listing is at hand without a git process (read before, by this tree or another)."""
        return self._paths is not None or (self._root_str, self.commit) in _LISTINGS

    def grep_files(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> set[str] | None:
        with _BEGUN_LOCK:
            begun = _BEGUN.pop(self._grep_key(words, pathspecs, ignore_case), None)
        if begun is not None:
            begun[0].join()
            return begun[1][0]
        return self._grep_now(self._runner, words, pathspecs, ignore_case)

    def _grep_now(self, runner: Runner, words: list[str], pathspecs: list[str], ignore_case: bool,
                  beside: bool = False) -> set[str] | None:
        prefix = runner.run("rev-parse", "--show-prefix")
        if not prefix.ok or prefix.stdout.strip():
            return None
        return _grep(runner, [self.commit], words, pathspecs, ignore_case, f"{self.commit}:", beside)

    def _grep_key(self, words: list[str], pathspecs: list[str], ignore_case: bool) -> _GrepKey:
        return self._root_str, self.commit, tuple(words), tuple(pathspecs), ignore_case

    def start_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        # Kept by commit, not by this tree: a review begins its head's searches before the analyzers open
        # their own trees of that commit (``review_range``), and whichever asks first takes the answer.
        key = self._grep_key(words, pathspecs, ignore_case)
        with _BEGUN_LOCK:
            if key in _BEGUN:
                return
            box: list[set[str] | None] = [None]
            thread = threading.Thread(target=lambda: box.__setitem__(0, self._grep_now(
                Runner(self.root), list(words), list(pathspecs), ignore_case, beside=True)), name="phasegate-grep",
                daemon=True)
            _BEGUN[key] = (thread, box)
            while len(_BEGUN) > _BEGUN_KEPT:  # begun and never asked for (a review that failed half-way)
                _BEGUN.pop(next(iter(_BEGUN)))
        thread.start()

    def grep_begun(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> bool:
        """Whether a search with these arguments was begun for this commit and not yet taken."""
        with _BEGUN_LOCK:
            return self._grep_key(words, pathspecs, ignore_case) in _BEGUN

    def forget_grep(self, words: list[str], pathspecs: list[str], ignore_case: bool = False) -> None:
        with _BEGUN_LOCK:
            _BEGUN.pop(self._grep_key(words, pathspecs, ignore_case), None)

    def grep_pending(self) -> bool:
        with _BEGUN_LOCK:
            return any(key[:2] == (self._root_str, self.commit) and thread.is_alive()
                       for key, (thread, _) in _BEGUN.items())

    def ungreppable(self) -> set[str]:
        self.paths()
        return self._odd

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
            a = self._entries(old) if old else {}
            b = self._entries(new) if new else {}
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

    def _object(self, spec: str) -> tuple[str, bytes] | None:
        """(type, content) of one object through the long-lived ``cat-file --batch``."""
        if "\n" in spec:
            return None
        with self._lock:
            try:
                _sha, kind, _size, data = self.command.get_object_data(spec.encode("utf-8", "surrogateescape"))
            except ValueError:
                return None
        return (kind.decode() if isinstance(kind, bytes) else str(kind)), data

    def _tree_of(self, commit: str) -> str | None:
        obj = self._object(f"{commit}^{{commit}}")
        if obj is None or obj[0] != "commit" or not obj[1].startswith(b"tree "):
            return None
        return obj[1][5:45].decode()

    def _entries(self, tree: str) -> dict[str, tuple[str, str]] | None:
        """name -> ("tree" | "blob" | "commit", id) of one tree object."""
        obj = self._object(tree)
        if obj is None or obj[0] != "tree":
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

    def _read_checked_out(self, path: str, limit: int | None) -> bytes | None:
        """The file from the working tree when its content there is exactly this revision's blob (its git
        hash is the blob id): an open() instead of a round trip to git, 0.01 ms against ~0.5 ms, and a
        review's revisions are mostly what is checked out. None: read it from git (not a regular file
        here or there, larger than ``limit``, changed, filtered by a smudge or end-of-line rule)."""
        blob = self._blobs.get(path)
        if blob is None or path in self._odd:
            return None
        try:
            fd = os.open(os.path.join(self._root_str, path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            data = read_fd(fd, None if limit is None else limit + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if limit is not None and len(data) > limit:
            return None  # the whole file is needed to check it; git reads the part asked for
        if blob_id(data) != blob:
            return None
        return data

    def has_prefetched(self) -> bool:
        """Whether some files of this commit were read ahead (``prefetch_blobs``)."""
        root = str(self.root)
        return any(key[0] == root and key[1] == self.commit for key in _PREFETCHED)

    def prefetched(self, path: str) -> tuple[bool, bytes | None]:
        """(True, the content) of a file read ahead by ``prefetch_blobs`` (None: no such file there);
        (False, None) when it was not read ahead."""
        key = (str(self.root), self.commit, path)
        if key in _PREFETCHED:
            return True, _PREFETCHED[key]
        return False, None

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        ahead, prefetched = self.prefetched(path)
        if ahead:
            return None if prefetched is None else (prefetched if limit is None else prefetched[:limit])
        from_disk = self._read_checked_out(path, limit)
        if from_disk is not None:
            return from_disk
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


def _grep(runner: Runner, where: list[str], words: list[str], pathspecs: list[str], ignore_case: bool,
          strip: str, beside: bool = False) -> set[str] | None:
    """``git grep -l -F`` of ``words`` (any of them) at ``where``: the matching paths (``strip`` removed
    from each), or None when git failed. GitPython runs git with ``LC_ALL=C``: bytes are matched as bytes.

    ``beside``: the search runs while this process works on (``start_grep``), so git gets one thread and
    the process the other core: with git's default (one thread per core) the two shared both cores and
    the search answered later (0.49-0.58 s against 0.35-0.41 s in a cold read of the schema bench)."""
    args = ["-c", "grep.fullName=false", "grep", "-l", "-z", "-F", "--no-color", "--no-textconv"]
    if beside:
        args += ["--threads", "1"]
    if ignore_case:
        args.append("-i")
    for word in words:
        args += ["-e", word]
    result = runner.run(*args, *where, "--", *pathspecs)
    if result.returncode not in (0, 1):  # 1: nothing matched
        return None
    out = _split_z(result.stdout_bytes)
    return {p[len(strip):] for p in out if p.startswith(strip)} if strip else set(out)


def forget_begun(root: Path | None = None) -> None:
    """Drop the searches ``RevTree.start_grep`` began and nobody took (of ``root``; None: all); each
    git grep runs to its end unwatched."""
    key_root = None if root is None else str(Path(root).resolve())
    with _BEGUN_LOCK:
        for key in [k for k in _BEGUN if key_root is None or k[0] == key_root]:
            _BEGUN.pop(key, None)


# Blobs read ahead in one pipelined ``git cat-file --batch`` (``prefetch_blobs``), by (root, commit, path):
# every ``RevTree`` of that commit serves them without a round trip to git. None: no such file.
_PREFETCHED: dict[tuple[str, str, str], bytes | None] = {}


def prefetch_blobs(root: Path, commit: str, paths: Iterable[str]) -> int:
    """Read the files ``paths`` of ``commit`` ahead, all through one ``git cat-file --batch`` whose input
    is written at once (one object per round trip costs ~0.5 ms each on a busy machine, which a review
    of a 2,000-file change pays twice per analyzer). Returns how many were read; ``forget_prefetched``
    drops them."""
    wanted = [p for p in dict.fromkeys(paths) if "\n" not in p]
    if not wanted:
        return 0
    key_root = str(Path(root).resolve())
    request = "".join(f"{commit}:{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
    result = Runner(Path(root)).run("cat-file", "--batch", input=request)
    if not result.ok:
        return 0
    out, pos = result.stdout_bytes, 0
    for path in wanted:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            data = out[pos : pos + size]
            pos += size + 1  # the content, then a newline
            _PREFETCHED[(key_root, commit, path)] = data if header[1] == b"blob" else None
        else:  # "<ref> missing"
            _PREFETCHED[(key_root, commit, path)] = None
    return len(wanted)


def forget_prefetched(root: Path) -> None:
    key_root = str(Path(root).resolve())
    for key in [k for k in _PREFETCHED if k[0] == key_root]:
        _PREFETCHED.pop(key, None)


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
