"""One repository's working tree, as phasegate uses it (like aider's ``repo.py``, but restart-proof).

The service is built on GitPython: :attr:`GitService.repo` is the ``git.Repo`` that found the repository
and answers what state it is in (bare, empty, detached HEAD; a merge, rebase, cherry-pick, revert or bisect
in progress, from the markers in its git dir). Every command goes through GitPython's command wrapper with
phasegate's one environment (``phasegate.app.git.run``): ``git add``/``diff``/``commit``/``revert`` there
are much faster than GitPython's pure-Python index, and behave (hooks, filters, ignore rules, rename
detection) exactly as the user's own ``git``. Commits of the log are read as GitPython commit objects;
the commit-message contract (subject, body, trailers, and their parsing) is ``phasegate.app.git.trailers``.
GitPython is imported when a service opens, after the workbench's first frame (``run.probe`` checks the
repository before it).

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

import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from phasegate.app.errors import PhasegateError
from phasegate.app.git import run, trailers
from phasegate.app.git.history import DIFF_FORMAT as _DIFF_FORMAT
from phasegate.app.git.history import PhaseCommit, PhaseHistory, text_of
from phasegate.app.git.recovery import annotate, recorded
from phasegate.app.git.run import GitResult, Runner, probe, run_in
from phasegate.app.git.trailers import (
    OVERRIDE_TRAILER,
    PHASE_TRAILER,
    PLAN_VERSION_TRAILER,
    REVERTS_TRAILER,
    ROLLBACK_TRAILER,
    SESSION_TRAILER,
)

if TYPE_CHECKING:
    import git

__all__ = [
    "PhaseCommit",
    "OVERRIDE_TRAILER", "PHASE_TRAILER", "PLAN_VERSION_TRAILER", "REVERTS_TRAILER", "ROLLBACK_TRAILER",
    "SESSION_TRAILER", "ChangeStatus", "CommitRefused", "DirtyTreeError", "EmptyRepositoryError", "FileChange",
    "GitError", "GitService", "NotARepositoryError", "PatchDoesNotApply", "PhaseCommit", "RevertConflict",
]

# Options that pin the diff format whatever the user's configuration says (phases.diffs relies on it).
# The markers git leaves in the git dir while an operation waits for --continue/--abort.
_IN_PROGRESS = {
    "rebase-merge": "rebase",
    "rebase-apply": "rebase",
    "MERGE_HEAD": "merge",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "REVERT_HEAD": "revert",
    "BISECT_LOG": "bisect",
}
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


# ------------------------------------------------------------------------------------------------ service


class GitService(PhaseHistory):
    """One repository's working tree, as phasegate uses it. Build it with :meth:`open`."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        assert repo.working_tree_dir is not None, "a bare repository has no working tree"
        self.root = Path(repo.working_tree_dir).resolve()
        # The real git dir: for a linked worktree this is .git/worktrees/<name>, not the .git file.
        self.git_dir = Path(repo.git_dir).resolve()
        self.notices: list[str] = []
        # GIT_INDEX_FILE is never inherited (run.environment), so the index is git's default one.
        self._index_file = self.git_dir / "index"
        self._runner = Runner(self.root, command=repo.git, git_dir=self.git_dir, index=self._index_file)
        # GitPython reads commit objects through one long-lived `git cat-file --batch`, which is not
        # thread-safe; the service is used from worker threads.
        self._objects = threading.Lock()
        if self.is_detached():
            self.notices.append(
                f"HEAD is detached at {self.head_sha()[:12]}: phase commits go on top of it, "
                "on no branch (create one to keep them)."
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
        service = cls(_discover(where))
        if not allow_empty and not service.has_commits():
            raise EmptyRepositoryError(
                f"The repository at {service.root} has no commits yet; phasegate needs one to diff and roll "
                "back against — commit something first, or let phasegate make an empty initial commit."
            )
        if not allow_in_progress:
            service.ensure_no_operation_in_progress()
        return service

    @classmethod
    def init(cls, path: str | os.PathLike[str], *, initial_branch: str | None = None) -> GitService:
        """``git init`` in the directory ``path`` (created if missing) and open the new, empty repository."""
        where = Path(path).expanduser()
        where.mkdir(parents=True, exist_ok=True)
        args = ["init", "-q", *([f"--initial-branch={initial_branch}"] if initial_branch else []), str(where)]
        result = run_in(where, *args)
        if not result.ok:
            raise GitError(f"git init failed: {_git_reason(result.stderr or result.stdout)}")
        return cls.open(where, allow_empty=True)

    def set_config(self, key: str, value: str) -> None:
        """Set ``key`` in the repository's own config (``git config``)."""
        self._run("config", key, value)

    def close(self) -> None:
        """Stop GitPython's helper processes (they also stop when the service is dropped)."""
        with self._objects:
            self.repo.close()

    def has_commits(self) -> bool:
        return self.head_or_none() is not None

    def head_or_none(self) -> str | None:
        """HEAD's commit sha, or None in a repository without commits (read from the refs by GitPython)."""
        from git.refs.symbolic import SymbolicReference

        try:
            return SymbolicReference.dereference_recursive(self.repo, "HEAD")
        except ValueError:  # an unborn branch: HEAD names a ref that does not exist yet
            return None

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
        for name, what in _IN_PROGRESS.items():
            if (self.git_dir / name).exists():
                return what
        return None

    def ensure_no_operation_in_progress(self) -> None:
        what = self.operation_in_progress()
        if what:
            raise PhasegateError(_in_progress_message(what, self.root))

    # -- where we are ----------------------------------------------------------------------------

    def head_sha(self) -> str:
        sha = self.head_or_none()
        if sha is None:
            raise EmptyRepositoryError(f"The repository at {self.root} has no commits yet.")
        return sha

    def is_detached(self) -> bool:
        return bool(self.repo.head.is_detached)

    def branch(self) -> str | None:
        """The current branch name (also on an unborn branch), or None on a detached HEAD."""
        if self.is_detached():
            return None
        return str(self.repo.head.reference.path).removeprefix("refs/heads/")

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is ``descendant`` or one of its ancestors (``merge-base --is-ancestor``)."""
        return self._run_raw("merge-base", "--is-ancestor", ancestor, descendant).returncode == 0

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

    def range_review(self, base_sha: str, head: str | None, *, context: int = 3) -> tuple[str, list[FileChange]]:
        """The diff and the changed files from ``base_sha`` to the commit ``head`` (``None``: the working
        tree, untracked non-ignored files included, exactly as :meth:`phase_review`)."""
        if head is None:
            return self.phase_review(base_sha, context=context)
        base, tip = self.resolve(base_sha), self.resolve(head)
        diff = self._run("diff", "-M", f"-U{context}", *_DIFF_FORMAT, base, tip, "--")
        return diff, self._changes(base, None, tip)

    def review_base(self) -> str:
        """Where ``phasegate review`` counts a change from when no range is given: the merge base of HEAD
        with the default branch (``origin/HEAD``, else ``main``, else ``master``), else ``HEAD~1``."""
        for ref in ("refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master"):
            if self._run_raw("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
                continue
            merge_base = self._run_raw("merge-base", ref, "HEAD")
            if merge_base.returncode == 0 and merge_base.stdout.strip():
                return merge_base.stdout.strip()
        parent = self._run_raw("rev-parse", "--verify", "--quiet", "HEAD~1^{commit}")
        if parent.returncode == 0 and parent.stdout.strip():
            return parent.stdout.strip()
        return self.resolve("HEAD")  # a single commit: the review of the working tree against it

    def _changes(self, base: str, env: dict[str, str] | None, head: str | None = None) -> list[FileChange]:
        # One diff prints both the raw records (status, paths) and the line counts: rename detection,
        # the costly part on a big change, runs once. ``head`` None: the scratch index of ``env``.
        revs = (base, head) if head else ("--cached", base)
        out = self._run("diff", "-M", "-z", "--no-ext-diff", "--no-textconv", "--raw", "--numstat", *revs, env=env)
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
                f"({_git_reason(check.stderr)})."
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

        Subject ``phase(<slug>): <title>``, the report as body, trailers (``trailers.phase_message``; the
        contract is in docs/architecture.md#contracts). A phase without
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
        message = trailers.phase_message(
            session_id=session_id, slug=slug, title=title, body=body, plan_version=plan_version, overrides=overrides
        )
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
        return self._index_file

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
        annotate(self, target=target.sha)  # so a repair after a kill knows which files git may have touched
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
                f"git could not revert the {slug} phase: {_git_reason(result.stderr or result.stdout)}"
            )
        message = trailers.rollback_message(
            slug=slug, subject=target.subject, sha=target.sha, session_id=target.session
        )
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

    # -- what recovery after a crash needs (phasegate.app.git.recovery) ----------------------------

    def untracked_files(self) -> list[str]:
        """Untracked, non-ignored paths (``ls-files --others --exclude-standard``)."""
        out = self._run_raw("ls-files", "-z", "--others", "--exclude-standard").stdout
        return [p for p in out.split("\0") if p]

    def reset_index(self) -> None:
        """Bring the real index up to HEAD (what a commit from the scratch index does last)."""
        self._run_raw("reset", "--quiet", "--mixed", "HEAD")

    def forget_revert_state(self) -> None:
        """Clear git's revert state after a revert commit landed (``--quit`` changes nothing else)."""
        self._run_raw("revert", "--quit")
        (self.git_dir / "REVERT_HEAD").unlink(missing_ok=True)

    def undo_revert(self, target: str | None = None) -> list[str]:
        """Undo a half-applied revert of ``target`` on a tree that was clean before it.

        ``revert --abort`` (else ``reset --merge``) puts the index back, but a kill between git writing
        the working tree and writing the index leaves rewritten files that ``reset --merge`` keeps as
        "unstaged changes". Each file ``target`` changed is put back to HEAD when it holds the revert's
        result (``target``'s parent's content), a prefix of it (a write cut short) or is missing where
        HEAD has it; anything else is not git's doing and is kept. Returns the kept paths.
        """
        if not (
            (self.git_dir / "REVERT_HEAD").exists() and self._run_raw("revert", "--abort").returncode == 0
        ):
            self._run_raw("reset", "--quiet", "--merge")
        if not target:
            return []
        changed = self._run_raw(
            "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", f"{target}^", target
        )
        if changed.returncode != 0:
            return []
        kept: list[str] = []
        for rel in (p for p in changed.stdout.split("\0") if p):
            path = self.root / rel
            now = path.read_bytes() if path.is_file() else None
            at_head, reverted = self._blob("HEAD", rel), self._blob(f"{target}^", rel)
            if now == at_head:
                continue
            if now is None or (reverted is not None and reverted.startswith(now)):
                if at_head is None:
                    path.unlink()
                    self._prune_empty_dirs(path.parent)
                else:
                    self._run("checkout", "HEAD", "--", rel)
            else:
                kept.append(rel)
        return kept

    def _blob(self, rev: str, rel: str) -> bytes | None:
        """The bytes of ``rel`` at ``rev`` (None when it has no such file)."""
        gitpython = run.gitpython()
        try:
            with self._objects:
                return bytes(self.repo.commit(rev).tree[rel].data_stream.read())
        except (KeyError, ValueError, gitpython.BadName):
            return None

    def commit_message(self, sha: str) -> str:
        """The full message of commit ``sha`` ("" when it cannot be read)."""
        gitpython = run.gitpython()
        try:
            with self._objects:
                return text_of(self.repo.commit(sha).message)
        except (ValueError, gitpython.BadName, gitpython.GitCommandError):
            return ""

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

    def _run_raw(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> GitResult:
        return self._runner.run(*args, env=env, input=input)

    def _run(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        result = self._run_raw(*args, env=env, input=input)
        if result.returncode != 0:
            command = next((a for a in args if not a.startswith("-")), "")
            raise GitError(f"git {command} failed: {_git_reason(result.stderr or result.stdout)}")
        return result.stdout


# ------------------------------------------------------------------------------------------------ helpers


def check_repository(path: str | os.PathLike[str], *, allow_empty: bool = False) -> None:
    """Raise what :meth:`GitService.open` would raise for ``path``, without importing GitPython.

    For the check before the workbench's first frame (``run.probe``: two ``git rev-parse``); the
    workbench opens the service itself after it.
    """
    where = Path(path).expanduser()
    if not where.exists():
        raise NotARepositoryError(f"{where} does not exist.")
    if not where.is_dir():
        where = where.parent
    found = probe(where)
    if found.state == "not_a_repository":
        raise NotARepositoryError(
            f"{where.resolve()} is not inside a git repository; run `git init` there first "
            "(phasegate keeps every approved phase as a commit)."
        )
    if found.state == "error":
        raise NotARepositoryError(
            f"{where.resolve()} cannot be opened as a git repository: {_git_reason(found.message)}"
        )
    if found.state == "bare":
        raise NotARepositoryError(
            f"{where.resolve()} is a bare repository; phasegate needs a working tree — clone it and "
            "run phasegate in the clone."
        )
    if found.state == "no_work_tree" or found.root is None or found.git_dir is None:
        raise NotARepositoryError(f"{where.resolve()} is not in a working tree of a git repository.")
    if found.state == "empty" and not allow_empty:
        raise EmptyRepositoryError(
            f"The repository at {found.root} has no commits yet; phasegate needs one to diff and roll "
            "back against — commit something first, or let phasegate make an empty initial commit."
        )
    what = next((w for name, w in _IN_PROGRESS.items() if (found.git_dir / name).exists()), None)
    if what:
        raise PhasegateError(_in_progress_message(what, found.root))


def _in_progress_message(what: str, root: Path) -> str:
    how = "git bisect reset" if what == "bisect" else f"git {what} --continue / git {what} --abort"
    return f"A {what} is in progress in {root}; finish or abort it first ({how})."


def _discover(where: Path) -> git.Repo:
    """The ``git.Repo`` of the working tree containing the directory ``where``, or a one-line error."""
    gitpython = run.gitpython()
    try:
        repo = gitpython.Repo(where, search_parent_directories=True)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError):
        raise NotARepositoryError(
            f"{where.resolve()} is not inside a git repository; run `git init` there first "
            "(phasegate keeps every approved phase as a commit)."
        ) from None
    except OSError as exc:
        raise NotARepositoryError(f"{where.resolve()} cannot be opened as a git repository: {exc}") from None
    if repo.bare:
        repo.close()
        raise NotARepositoryError(
            f"{where.resolve()} is a bare repository; phasegate needs a working tree — clone it and "
            "run phasegate in the clone."
        )
    if repo.working_tree_dir is None:
        repo.close()
        raise NotARepositoryError(f"{where.resolve()} is not in a working tree of a git repository.")
    return repo


def _git_reason(text: str) -> str:
    """git's own explanation: its first ``error:`` line (the cause; a following ``fatal: revert failed``
    only says that the command gave up), else its last ``fatal:`` line, else its last line not a hint."""
    raw = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("hint:")]
    lines = [ln.strip() for ln in raw]
    first = next((i for i, ln in enumerate(lines) if ln.startswith("error:")), None)
    if first is not None:
        # "...would be overwritten by merge:" is followed by the files, one per tab-indented line
        named = [ln.strip() for ln in itertools.takewhile(lambda ln: ln.startswith("\t"), raw[first + 1 :])]
        return f"{lines[first]} {', '.join(named)}" if named and lines[first].endswith(":") else lines[first]
    fatal = [ln for ln in lines if ln.startswith("fatal:")]
    return (fatal or lines or ["no output"])[-1]


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
