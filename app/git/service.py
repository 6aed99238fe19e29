"""Everything phasegate does to git, in one place (like aider's ``repo.py``, but restart-proof).

Everything goes through the git CLI: on big repositories ``git add``/``diff``/``commit``/``revert`` are
much faster than anything in Python, the CLI's behaviour (hooks, filters, ignore rules, rename detection)
is exactly what the user's own ``git`` would do, and ``phasegate`` opens the repository before its first
frame, where importing GitPython (~0.1 s) would be paid on every start. GitPython is still available as
:attr:`GitService.repo`, imported on first use only.

Three ideas carry the design:

- **A scratch index.** The phase diff and the phase commit are built in a *temporary* index
  (``GIT_INDEX_FILE``) seeded from a copy of the user's index (so git's stat cache still spares it from
  re-hashing an unchanged tree) and then ``git add -A``-ed. The diff therefore covers new, deleted,
  renamed and binary files, honours ``.gitignore``, and never touches what the user has staged. If a
  hook refuses the commit, the real index and the working tree are exactly as they were.
- **Trailers are the record.** Phase commits carry ``Phasegate-Session/Phase/Plan-Version`` trailers and
  rollbacks carry ``Phasegate-Rollback``/``Phasegate-Reverts``, so ``phase_commits`` rebuilds the whole
  story from ``git log`` alone: after a restart, without a session file, on a fresh clone.
- **Rollback is ``git revert``.** History is kept, it works after a push and for phases that created
  files; a conflicting revert is aborted and leaves the tree exactly as it was.

Errors a user can act on are ``PhasegateError`` subclasses with one-sentence messages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from phasegate.app.errors import PhasegateError
from phasegate.app.git.recovery import recorded

if TYPE_CHECKING:
    import git

SESSION_TRAILER = "Phasegate-Session"
PHASE_TRAILER = "Phasegate-Phase"
PLAN_VERSION_TRAILER = "Phasegate-Plan-Version"
OVERRIDE_TRAILER = "Phasegate-Override"
ROLLBACK_TRAILER = "Phasegate-Rollback"
REVERTS_TRAILER = "Phasegate-Reverts"
BRANCH_PREFIX = "phasegate/"

# Options that pin the diff format whatever the user's configuration says (phases.diffs relies on it).
_DIFF_FORMAT = ("--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")
_REVERTS_BODY_RE = re.compile(r"^This reverts commit ([0-9a-f]{40})", re.MULTILINE)
_FIELD, _RECORD = "\x1f", "\x1e"
_STATUS_NAMES = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type_changed",
    "U": "unmerged",
}

ChangeStatus = Literal["added", "modified", "deleted", "renamed", "copied", "type_changed", "unmerged"]


# ------------------------------------------------------------------------------------------------ errors


class GitError(PhasegateError):
    """A git command failed; the message carries git's own last line of explanation."""


class NotARepositoryError(PhasegateError):
    pass


class EmptyRepositoryError(PhasegateError):
    """No commit yet. ``GitService.open(path, allow_empty=True).make_initial_commit()`` fixes it."""


class DirtyTreeError(PhasegateError):
    def __init__(self, message: str, files: Sequence[str]) -> None:
        super().__init__(message)
        self.files = list(files)


class CommitRefused(PhasegateError):
    """``git commit`` failed (usually a pre-commit/commit-msg hook). ``output`` is everything it said."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


class RevertConflict(PhasegateError):
    """The revert did not apply cleanly; it was aborted and the tree is as it was. ``files`` conflicted."""

    def __init__(self, message: str, files: Sequence[str]) -> None:
        super().__init__(message)
        self.files = list(files)


class PatchDoesNotApply(PhasegateError):
    pass


# ------------------------------------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of a phase diff. ``added``/``removed`` are line counts (0 for binary files)."""

    path: str
    old_path: str | None
    status: ChangeStatus
    added: int
    removed: int
    binary: bool


@dataclass(frozen=True, slots=True)
class PhaseCommit:
    """A phase commit found in history by its trailers, and whether a later commit reverted it."""

    phase: str
    sha: str
    subject: str
    session: str | None
    plan_version: int | None
    status: Literal["committed", "rolled_back"] = "committed"
    rollback_sha: str | None = None
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["overrides"] = list(self.overrides)
        return data


@dataclass(frozen=True, slots=True)
class _LogEntry:
    sha: str
    subject: str
    body: str
    phase: str | None
    session: str | None
    plan_version: str | None
    rollback: str | None
    reverts: str | None
    overrides: tuple[str, ...]


# ------------------------------------------------------------------------------------------------ service


class GitService:
    """One repository's working tree, as phasegate uses it. Build it with :meth:`open`."""

    def __init__(self, root: Path, git_dir: Path) -> None:
        self.root = root.resolve()
        # The real git dir: for a linked worktree this is .git/worktrees/<name>, not the .git file.
        self.git_dir = git_dir
        self.notices: list[str] = []
        self._index_file: Path | None = None
        if self.is_detached():
            self.notices.append(
                f"HEAD is detached at {self.head_sha()[:12]}: phase commits go on top of it, "
                "but phasegate will not create a session branch."
            )

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] = ".", *, allow_empty: bool = False, allow_in_progress: bool = False
    ) -> GitService:
        """Open the repository containing ``path`` or raise a ``PhasegateError`` that says what to do.

        ``allow_empty`` accepts a repository without commits (then offer :meth:`make_initial_commit`);
        ``allow_in_progress`` accepts one in the middle of a merge/rebase (read-only commands).
        A detached HEAD is accepted and described in :attr:`notices`.
        """
        where = Path(path).expanduser()
        if not where.exists():
            raise NotARepositoryError(f"{where} does not exist.")
        if not where.is_dir():
            where = where.parent
        root, git_dir = _locate(where)
        service = cls(root, git_dir)
        if not allow_empty and not service.has_commits():
            raise EmptyRepositoryError(
                f"The repository at {service.root} has no commits yet; phasegate needs one to diff and roll "
                "back against — commit something first, or let phasegate make an empty initial commit."
            )
        if not allow_in_progress:
            service.ensure_no_operation_in_progress()
        return service

    @cached_property
    def repo(self) -> git.Repo:
        """The GitPython ``Repo``, for callers that want it (imported on first use; the service needs none)."""
        import git

        return git.Repo(self.root)

    def has_commits(self) -> bool:
        return self._run_raw("rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0

    def make_initial_commit(self, message: str = "Initial commit") -> str:
        """Give an empty repository an empty root commit (nothing the user staged goes into it)."""
        if self.has_commits():
            raise PhasegateError("The repository already has commits; no initial commit is needed.")
        empty_tree = self._run("hash-object", "-t", "tree", "-w", "--stdin", input=b"").strip()
        sha = self._run("commit-tree", empty_tree, "-m", message).strip()
        self._run("update-ref", "HEAD", sha)  # HEAD is symbolic: this creates the current branch
        return sha

    def operation_in_progress(self) -> str | None:
        """'merge', 'rebase', 'cherry-pick', 'revert' or 'bisect' when one is unfinished, else None."""
        markers = {
            "rebase-merge": "rebase",
            "rebase-apply": "rebase",
            "MERGE_HEAD": "merge",
            "CHERRY_PICK_HEAD": "cherry-pick",
            "REVERT_HEAD": "revert",
            "BISECT_LOG": "bisect",
        }
        for name, what in markers.items():
            if (self.git_dir / name).exists():
                return what
        return None

    def ensure_no_operation_in_progress(self) -> None:
        what = self.operation_in_progress()
        if what:
            how = "git bisect reset" if what == "bisect" else f"git {what} --continue / git {what} --abort"
            raise PhasegateError(f"A {what} is in progress in {self.root}; finish or abort it first ({how}).")

    # -- where we are ----------------------------------------------------------------------------

    def head_sha(self) -> str:
        result = self._run_raw("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        if result.returncode != 0:
            raise EmptyRepositoryError(f"The repository at {self.root} has no commits yet.")
        return result.stdout.strip()

    def is_detached(self) -> bool:
        return self._symbolic_head() is None

    def branch(self) -> str | None:
        """The current branch name (also on an unborn branch), or None on a detached HEAD."""
        ref = self._symbolic_head()
        return ref.removeprefix("refs/heads/") if ref else None

    def _symbolic_head(self) -> str | None:
        result = self._run_raw("symbolic-ref", "--quiet", "HEAD")
        return result.stdout.strip() if result.returncode == 0 else None

    def resolve(self, rev: str) -> str:
        """Full sha of ``rev`` (a sha prefix, branch, tag…), or a ``PhasegateError``."""
        try:
            return self._run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
        except GitError:
            raise PhasegateError(f"{rev!r} is not a commit in this repository.") from None

    # -- the user's own pending changes ------------------------------------------------------------

    def dirty_files(self) -> list[str]:
        """Paths that differ from HEAD: staged, unstaged and untracked non-ignored (ignored excluded)."""
        out = self._run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none")
        files: list[str] = []
        parts = out.split("\0")
        i = 0
        while i < len(parts):
            entry = parts[i]
            i += 1
            if len(entry) < 4:
                continue
            files.append(entry[3:])
            if entry[0] in "RC":  # a staged rename/copy is followed by its source path
                files.append(parts[i])
                i += 1
        return sorted(set(files))

    def is_dirty(self) -> bool:
        return bool(self.dirty_files())

    @recorded("commit")
    def commit_baseline(self, message: str = "Your changes before the phasegate session") -> str:
        """Commit the user's pending changes on their own, so they never mix with a phase's."""
        self.ensure_no_operation_in_progress()
        if not self.is_dirty():
            raise PhasegateError("There are no pending changes to commit as a baseline.")
        return self._commit_worktree(message, allow_empty=False)

    def stash(self, message: str = "phasegate: stashed before the session") -> None:
        """Put the user's pending changes (untracked files included) aside with ``git stash``."""
        self.ensure_no_operation_in_progress()
        if not self.is_dirty():
            raise PhasegateError("There are no pending changes to stash.")
        self._run("stash", "push", "--include-untracked", "--quiet", "-m", message)

    def ensure_clean(self, action: str) -> None:
        files = self.dirty_files()
        if files:
            shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
            raise DirtyTreeError(
                f"The working tree has uncommitted changes ({shown}); "
                f"commit, stash or discard them before {action}.",
                files,
            )

    # -- session branch ----------------------------------------------------------------------------

    def create_session_branch(self, slug: str) -> str:
        """Create and switch to ``phasegate/<slug>`` (``-2``, ``-3``… if taken); pending changes follow."""
        if self.is_detached():
            raise PhasegateError("HEAD is detached, so phasegate works on it without a session branch.")
        clean = re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-.") or "session"
        base = f"{BRANCH_PREFIX}{clean}"
        existing = set(self._run("for-each-ref", "--format=%(refname:strip=2)", "refs/heads/").split())
        name, n = base, 1
        while name in existing:
            n += 1
            name = f"{base}-{n}"
        self._run("check-ref-format", "--branch", name)
        self._run("switch", "--quiet", "-c", name)
        return name

    # -- the phase's changes -----------------------------------------------------------------------

    def phase_diff(self, base_sha: str, *, binary: bool = False, context: int = 3) -> str:
        """Unified diff of the working tree (untracked non-ignored files included) against ``base_sha``.

        ``binary=True`` emits full binary patches (``git apply`` can reverse those); otherwise binary
        files show as "Binary files … differ". Renames are detected. The user's index is not touched.
        """
        return self.phase_review(base_sha, binary=binary, context=context)[0]

    def phase_changes(self, base_sha: str) -> list[FileChange]:
        """The files of :meth:`phase_diff`, with status and line counts, sorted by path."""
        base = self.resolve(base_sha)
        with self._worktree_index() as env:
            return self._changes(base, env)

    def phase_review(
        self, base_sha: str, *, binary: bool = False, context: int = 3
    ) -> tuple[str, list[FileChange]]:
        """:meth:`phase_diff` and :meth:`phase_changes` from one scratch index (half the work of both)."""
        base = self.resolve(base_sha)
        args = ["diff", "--cached", "-M", f"-U{context}", *_DIFF_FORMAT]
        if binary:
            args.append("--binary")
        with self._worktree_index() as env:
            return self._run(*args, base, "--", env=env), self._changes(base, env)

    def _changes(self, base: str, env: dict[str, str]) -> list[FileChange]:
        # One diff prints both the raw records (status, paths) and the line counts: rename detection,
        # the costly part on a big change, runs once.
        out = self._run("diff", "--cached", "-M", "-z", "--no-ext-diff", "--no-textconv", "--raw", "--numstat",
                        base, env=env)
        parts = out.split("\0")
        records: list[tuple[str, str | None, str]] = []  # (status letter, old path, path)
        i = 0
        while i < len(parts) and parts[i].startswith(":"):  # ":<modes> <shas> <status>" then the path(s)
            letter = parts[i].rsplit(" ", 1)[-1][:1]
            if letter in "RC":
                records.append((letter, parts[i + 1], parts[i + 2]))
                i += 3
            else:
                records.append((letter, None, parts[i + 1]))
                i += 2
        counts = _parse_numstat("\0".join(parts[i:]))
        changes: list[FileChange] = []
        for letter, old_path, path in records:
            added, removed, is_binary = counts.get(path, (0, 0, False))
            status = _STATUS_NAMES.get(letter, "modified")
            change = FileChange(path, old_path, status, added, removed, is_binary)  # type: ignore[arg-type]
            changes.append(change)
        return sorted(changes, key=lambda c: c.path)

    @recorded("discard")
    def discard_changes(self, base_sha: str) -> list[FileChange]:
        """Reject a phase: put every changed file back as it is in ``base_sha``; return what was undone.

        Tracked files are restored (index and worktree), files created since are deleted, ignored files
        are left alone.
        """
        self.ensure_no_operation_in_progress()
        base = self.resolve(base_sha)
        changes = self.phase_changes(base)
        created: list[str] = []  # paths that do not exist in base: delete them
        restore: list[str] = []  # paths that exist in base: put base's version back
        for change in changes:
            if change.status in ("added", "copied"):
                created.append(change.path)
            elif change.status == "renamed" and change.old_path:
                created.append(change.path)
                restore.append(change.old_path)
            else:
                restore.append(change.path)
        for rel in created:
            target = self.root / rel
            if target.is_symlink() or target.is_file():
                target.unlink()
            self._prune_empty_dirs(target.parent)
        if created:
            # --literal-pathspecs: a file named "*.py" is that file, not a glob.
            self._run(
                "--literal-pathspecs",
                "rm",
                "--cached",
                "--quiet",
                "--ignore-unmatch",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                input="\0".join(created).encode("utf-8", "surrogateescape"),
            )
        if restore:
            self._run(
                "--literal-pathspecs",
                "restore",
                f"--source={base}",
                "--staged",
                "--worktree",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                input="\0".join(restore).encode("utf-8", "surrogateescape"),
            )
        return changes

    def reverse_patch(self, patch_text: str) -> None:
        """Undo ``patch_text`` (e.g. the hunks the user rejected) in the working tree, or explain why not."""
        if not patch_text.strip():
            return
        data = patch_text.encode("utf-8", "surrogateescape")
        check = self._run_raw("apply", "-R", "--check", "--whitespace=nowarn", "-", input=data)
        if check.returncode != 0:
            raise PatchDoesNotApply(
                "Those changes can no longer be undone automatically because the files changed since "
                f"({_last_line(check.stderr)})."
            )
        self._run("apply", "-R", "--whitespace=nowarn", "-", input=data)

    # -- commits -----------------------------------------------------------------------------------

    @recorded("commit")
    def commit_phase(
        self,
        *,
        session_id: str,
        slug: str,
        title: str,
        body: str = "",
        plan_version: int,
        overrides: Sequence[str] = (),
        base_sha: str | None = None,
    ) -> str:
        """Commit every working-tree change (new and deleted files too) as the phase's one commit.

        Subject ``phase(<slug>): <title>``, the report as body, trailers per DESIGN §4. A phase without
        file changes still gets its (empty) commit. ``base_sha``, when given, guards against HEAD having
        moved since the phase started. A refused commit (hook) raises ``CommitRefused``; the changes stay.
        """
        self.ensure_no_operation_in_progress()
        if base_sha is not None and self.head_sha() != self.resolve(base_sha):
            raise PhasegateError(
                f"HEAD moved since the {slug} phase started "
                f"(from {base_sha[:12]} to {self.head_sha()[:12]}); "
                "the phase commit would mix in other work."
            )
        trailers = [
            (SESSION_TRAILER, session_id),
            (PHASE_TRAILER, slug),
            (PLAN_VERSION_TRAILER, str(plan_version)),
        ]
        trailers += [(OVERRIDE_TRAILER, o) for o in overrides]
        message = _message(f"phase({slug}): {_one_line(title)}", body, trailers)
        return self._commit_worktree(message, allow_empty=True)

    def _commit_worktree(self, message: str, *, allow_empty: bool) -> str:
        installed = False
        with self._worktree_index() as env, self._message_file(message) as msg_path:
            args = ["commit", "--quiet", "--cleanup=whitespace", "-F", str(msg_path)]
            if allow_empty:
                args.append("--allow-empty")
            result = self._run_raw(*args, env=env)
            if result.returncode == 0:
                installed = self._install_index(Path(env["GIT_INDEX_FILE"]))
        if result.returncode != 0:
            output = (result.stdout + "\n" + result.stderr).strip()
            raise CommitRefused(
                _commit_failure(output, result.returncode, "the changes are still in the working tree"),
                output,
            )
        if not installed:
            # The commit was built in the scratch index; bring the real index up to the new HEAD. This
            # re-reads every committed file, hence the faster path above whenever it is allowed.
            self._run("reset", "--quiet", "--mixed", "HEAD")
        return self.head_sha()

    def _install_index(self, scratch: Path) -> bool:
        """Make the just-committed scratch index the real one (what ``reset --mixed HEAD`` would compute).

        After a whole-tree commit the scratch index holds exactly HEAD's tree with fresh stat data, so
        installing it spares git re-reading the committed files. Done under git's own ``index.lock``
        protocol; returns False (the caller resets instead) when another git holds the lock or the
        repository uses a split index, whose shared part lives beside the real index only.
        """
        real = self._index_path()
        if any(real.parent.glob("sharedindex.*")):
            return False
        lock = real.with_name(real.name + ".lock")
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            return False
        try:
            # Both live in the git dir (one file system): two renames, no copy. The lock is ours
            # from its creation to the final rename, as git's own writers do it.
            os.replace(scratch, lock)
            os.replace(lock, real)
        except BaseException:
            lock.unlink(missing_ok=True)
            raise
        return True

    def _index_path(self) -> Path:
        if self._index_file is None:  # fixed for the service's life: GIT_INDEX_FILE is never inherited
            real = Path(self._run("rev-parse", "--git-path", "index").strip())
            self._index_file = real if real.is_absolute() else self.root / real
        return self._index_file

    # -- history -----------------------------------------------------------------------------------

    def phase_commits(self, session_id: str | None = None) -> list[PhaseCommit]:
        """Phase commits reachable from HEAD, oldest first, each marked committed or rolled_back.

        Built from commit trailers only. A revert is recognised by our ``Phasegate-Reverts`` trailer or by
        git's own "This reverts commit <sha>" line (so a manual ``git revert`` counts too).
        """
        entries = self._log_entries()
        reverted: dict[str, str] = {}
        for entry in entries:  # oldest first: a later revert wins
            target = entry.reverts or _reverted_in_body(entry.body)
            if target:
                reverted[target] = entry.sha
        commits: list[PhaseCommit] = []
        for entry in entries:
            if not entry.phase:
                continue
            if session_id is not None and entry.session != session_id:
                continue
            rollback = reverted.get(entry.sha)
            version = int(entry.plan_version) if entry.plan_version and entry.plan_version.isdigit() else None
            commits.append(
                PhaseCommit(
                    phase=entry.phase,
                    sha=entry.sha,
                    subject=entry.subject,
                    session=entry.session,
                    plan_version=version,
                    status="rolled_back" if rollback else "committed",
                    rollback_sha=rollback,
                    overrides=entry.overrides,
                )
            )
        return commits

    def find_phase_commit(self, slug: str, *, session_id: str | None = None) -> PhaseCommit:
        """The newest not-yet-reverted commit of phase ``slug`` (in ``session_id``, if given)."""
        commits = self.phase_commits(session_id)
        live = [c for c in commits if c.phase == slug and c.status == "committed"]
        if live:
            return live[-1]
        if any(c.phase == slug for c in commits):
            raise PhasegateError(f"The {slug} phase is already rolled back; there is nothing left to revert.")
        known = sorted({c.phase for c in commits if c.status == "committed"})
        hint = f"committed phases: {', '.join(known)}" if known else "no phase commits found"
        scope = f" in session {session_id}" if session_id else ""
        raise PhasegateError(f"No commit of a phase named {slug!r}{scope} is reachable from HEAD ({hint}).")

    def later_phases_touching(self, slug: str, *, session_id: str | None = None) -> dict[str, list[str]]:
        """For the phase about to be rolled back: later live phase commits that touch its files."""
        commits = self.phase_commits(session_id)
        target = self.find_phase_commit(slug, session_id=session_id)
        index = next(i for i, c in enumerate(commits) if c.sha == target.sha)
        mine = set(self.commit_files(target.sha))
        touching: dict[str, list[str]] = {}
        for later in commits[index + 1 :]:
            if later.status != "committed":
                continue
            shared = mine.intersection(self.commit_files(later.sha))
            if shared:
                touching.setdefault(later.phase, [])
                touching[later.phase] = sorted(set(touching[later.phase]) | shared)
        return touching

    def commit_files(self, sha: str) -> list[str]:
        """Paths a commit touched (both sides of a rename)."""
        out = self._run(
            "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--no-renames", "--root", sha
        )
        return sorted({p for p in out.split("\0") if p})

    def show_commit(self, sha: str) -> str:
        """Header, stat and patch of a commit, for the viewer."""
        return self._run(
            "show", "--stat", "--patch", "-M", "--format=fuller", *_DIFF_FORMAT, self.resolve(sha)
        )

    # -- rollback ----------------------------------------------------------------------------------

    @recorded("revert")
    def revert_phase(self, slug: str, *, session_id: str | None = None) -> str:
        """Revert the newest live commit of phase ``slug`` with a commit carrying ``Phasegate-Rollback``.

        Refuses on a dirty tree. A conflict aborts the revert (tree left as it was) and raises
        ``RevertConflict`` naming the files. Returns the revert commit's sha.
        """
        self.ensure_no_operation_in_progress()
        self.ensure_clean(f"rolling back the {slug} phase")
        target = self.find_phase_commit(slug, session_id=session_id)
        result = self._run_raw("revert", "--no-commit", "--no-edit", target.sha)
        if result.returncode != 0:
            conflicted = [
                p for p in self._run("diff", "--name-only", "--diff-filter=U", "-z").split("\0") if p
            ]
            self._abort_revert()
            if conflicted:
                raise RevertConflict(
                    f"Rolling back {slug} conflicts with later changes to {', '.join(conflicted)}; "
                    "the revert was "
                    "aborted and nothing changed — roll back the later phases first or edit by hand.",
                    conflicted,
                )
            raise GitError(
                f"git could not revert the {slug} phase: {_last_line(result.stderr or result.stdout)}"
            )
        trailers = [(ROLLBACK_TRAILER, slug), (REVERTS_TRAILER, target.sha)]
        if target.session:
            trailers.append((SESSION_TRAILER, target.session))
        message = _message(f'Revert "{target.subject}"', f"This reverts commit {target.sha}.", trailers)
        with self._message_file(message) as msg_path:
            commit = self._run_raw(
                "commit", "--quiet", "--allow-empty", "--cleanup=whitespace", "-F", str(msg_path)
            )
        if commit.returncode != 0:
            output = (commit.stdout + "\n" + commit.stderr).strip()
            self._abort_revert()
            raise CommitRefused(_commit_failure(output, commit.returncode, "the rollback was undone"), output)
        return self.head_sha()

    def _abort_revert(self) -> None:
        if self._run_raw("revert", "--abort").returncode != 0:
            # Last resort: the tree was clean before we started, so HEAD is exactly what it should be.
            self._run("reset", "--quiet", "--merge")

    # -- plumbing ----------------------------------------------------------------------------------

    def _log_entries(self) -> list[_LogEntry]:
        if not self.has_commits():
            return []
        keys = (
            PHASE_TRAILER,
            SESSION_TRAILER,
            PLAN_VERSION_TRAILER,
            ROLLBACK_TRAILER,
            REVERTS_TRAILER,
            OVERRIDE_TRAILER,
        )
        trailer_fields = [f"%(trailers:key={k},valueonly,separator=%x1d)" for k in keys]
        fmt = "%x1f".join(["%H", "%s", *trailer_fields, "%b"]) + "%x1e"
        out = self._run(
            "log",
            f"--format={fmt}",
            "--extended-regexp",
            f"--grep=^({PHASE_TRAILER}|{ROLLBACK_TRAILER}):",
            "--grep=^This reverts commit ",
            "HEAD",
            "--",
        )
        entries: list[_LogEntry] = []
        for record in out.split(_RECORD):
            record = record.lstrip("\n")
            if not record:
                continue
            fields = record.split(_FIELD)
            if len(fields) < 9:
                continue
            sha, subject, phase, session, version, rollback, reverts, overrides, body = fields[:9]
            entries.append(
                _LogEntry(
                    sha=sha,
                    subject=subject,
                    body=body,
                    phase=_first(phase),
                    session=_first(session),
                    plan_version=_first(version),
                    rollback=_first(rollback),
                    reverts=_first(reverts),
                    overrides=tuple(v.strip() for v in overrides.split("\x1d") if v.strip()),
                )
            )
        entries.reverse()
        return entries

    @contextmanager
    def _worktree_index(self) -> Iterator[dict[str, str]]:
        """A scratch index holding the whole working tree (as ``git add -A`` sees it); yields the env."""
        with tempfile.TemporaryDirectory(prefix="phasegate-index-", dir=self.git_dir) as tmp:
            index = Path(tmp) / "index"
            env = {"GIT_INDEX_FILE": str(index)}
            real = self._index_path()
            if real.exists():
                # Keeps git's stat cache (unchanged files are not re-hashed) AND the index file's own
                # mtime: git's racy-clean check compares entries against it. A fresh mtime made a file
                # rewritten with the same size in the same second as the last commit look unchanged.
                shutil.copy2(real, index)
            elif self.has_commits():
                self._run("read-tree", "HEAD", env=env)
            self._run("add", "--all", env=env)
            yield env

    @contextmanager
    def _message_file(self, message: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="phasegate-msg-", dir=self.git_dir) as tmp:
            path = Path(tmp) / "MESSAGE"
            path.write_text(message, encoding="utf-8")
            yield path

    def _prune_empty_dirs(self, directory: Path) -> None:
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def _run_raw(
        self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [_git_executable(), "-C", str(self.root), *args],
            input=input if input is not None else b"",
            capture_output=True,
            env=_git_env(env),
            check=False,
        )
        return subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", "surrogateescape"),
            proc.stderr.decode("utf-8", "replace"),
        )

    def _run(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        result = self._run_raw(*args, env=env, input=input)
        if result.returncode != 0:
            command = next((a for a in args if not a.startswith("-")), "")
            raise GitError(f"git {command} failed: {_last_line(result.stderr or result.stdout)}")
        return result.stdout


# ------------------------------------------------------------------------------------------------ helpers


def _git_executable() -> str:
    # The variable GitPython honours, so a user who pointed GitPython at another git keeps that git.
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    full_env = dict(os.environ)
    # C locale: stable messages to parse; no prompt or editor may ever block a worker.
    # No optional locks: a killed `git status` must not leave an index.lock that blocks the user.
    full_env.update({"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true",
                     "GIT_OPTIONAL_LOCKS": "0"})
    # Never inherit an index/dir override from the caller's environment: we pick them explicitly.
    for var in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        full_env.pop(var, None)
    if extra:
        full_env.update(extra)
    return full_env


def _locate(where: Path) -> tuple[Path, Path]:
    """(working-tree root, absolute git dir) of the repository containing the directory ``where``."""
    proc = subprocess.run(
        [_git_executable(), "-C", str(where), "rev-parse", "--is-bare-repository", "--is-inside-git-dir",
         "--absolute-git-dir", "--show-toplevel"],
        capture_output=True, env=_git_env(), check=False,
    )
    out = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(out) < 3:  # git said nothing about a repository: there is none here
        stderr = proc.stderr.decode("utf-8", "replace")
        if "not a git repository" in stderr:
            raise NotARepositoryError(
                f"{where.resolve()} is not inside a git repository; run `git init` there first "
                "(phasegate keeps every approved phase as a commit)."
            )
        raise NotARepositoryError(f"{where.resolve()} cannot be opened as a git repository: {_last_line(stderr)}")
    bare, inside_git_dir, git_dir = out[0] == "true", out[1] == "true", Path(out[2])
    if bare:
        raise NotARepositoryError(
            f"{where.resolve()} is a bare repository; phasegate needs a working tree — clone it and "
            "run phasegate in the clone."
        )
    if len(out) < 4:
        if inside_git_dir and git_dir.name == ".git":  # pointed at <repo>/.git itself: open <repo>
            return _locate(git_dir.parent)
        raise NotARepositoryError(f"{where.resolve()} is not in a working tree of a git repository.")
    return Path(out[3]), git_dir


def _message(subject: str, body: str, trailers: Sequence[tuple[str, str]]) -> str:
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    parts.append("\n".join(f"{key}: {_one_line(value)}" for key, value in trailers))
    return "\n\n".join(parts) + "\n"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _first(value: str) -> str | None:
    for item in value.split("\x1d"):
        if item.strip():
            return item.strip()
    return None


def _reverted_in_body(body: str) -> str | None:
    match = _REVERTS_BODY_RE.search(body)
    return match.group(1) if match else None


def _last_line(text: str) -> str:
    """git's own explanation: its last fatal/error line if any, else its last line that is not a hint."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("hint:")]
    errors = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (errors or lines or ["no output"])[-1]


def _commit_failure(output: str, code: int, kept: str) -> str:
    if "Author identity unknown" in output or "unable to auto-detect email" in output:
        return f"git does not know who you are; set user.name and user.email, then retry — {kept}."
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    tail = " | ".join(lines[-5:]) or f"exit code {code}"
    return f"git refused the commit (a pre-commit or commit-msg hook?); nothing was lost, {kept}: {tail}"


def _parse_numstat(out: str) -> dict[str, tuple[int, int, bool]]:
    """``--numstat -z`` output → path → (added, removed, binary). Renames list the new path."""
    counts: dict[str, tuple[int, int, bool]] = {}
    parts = out.split("\0")
    i = 0
    while i < len(parts) and parts[i]:
        added, removed, path = parts[i].split("\t", 2)
        i += 1
        if path == "":  # rename/copy: the old and new paths follow as their own fields
            path = parts[i + 1]
            i += 2
        binary = added == "-"
        counts[path] = (0 if binary else int(added), 0 if binary else int(removed), binary)
    return counts
