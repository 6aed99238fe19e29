"""The phase history read from commit trailers: which phase commits exist, which were rolled back.

Built from the commit-message contract of ``phasegate.app.git.trailers`` alone, so a fresh clone knows its
phases. A mixin of :class:`phasegate.app.git.service.GitService`, whose runner and repository it uses.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from phasegate.app.errors import PhasegateError
from phasegate.app.git import trailers

if TYPE_CHECKING:
    import git

    from phasegate.app.git.run import GitResult


# The fixed diff-format flags of every diff phasegate reads (docs/architecture.md, "Contracts").
DIFF_FORMAT = ("--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")


def text_of(message: str | bytes) -> str:
    return message if isinstance(message, str) else message.decode("utf-8", "replace")


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


class PhaseHistory:
    """Reads of the phase history; needs the service's ``repo``, ``_objects`` lock and runner."""

    repo: git.Repo
    _objects: threading.Lock

    def has_commits(self) -> bool:  # pragma: no cover - provided by GitService
        raise NotImplementedError

    def _run(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        raise NotImplementedError  # pragma: no cover - provided by GitService

    def resolve(self, rev: str) -> str:
        raise NotImplementedError  # pragma: no cover - provided by GitService

    def _run_raw(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> GitResult:
        raise NotImplementedError  # pragma: no cover - provided by GitService

    def phase_commits(self, session_id: str | None = None) -> list[PhaseCommit]:
        """Phase commits reachable from HEAD, oldest first, each marked committed or rolled_back.

        Built from commit trailers only. A revert is recognised by our ``Phasegate-Reverts`` trailer or by
        git's own "This reverts commit <sha>" line (so a manual ``git revert`` counts too).
        """
        entries = self._log_entries()
        reverted: dict[str, str] = {}
        for entry in entries:  # oldest first: a later revert wins
            target = entry.reverts or entry.reverted_in_body
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
            "show", "--stat", "--patch", "-M", "--format=fuller", *DIFF_FORMAT, self.resolve(sha)
        )

    def _log_entries(self) -> list[trailers.TrailerRecord]:
        """The commits that matter to the contract, oldest first, read as GitPython commit objects."""
        if not self.has_commits():
            return []
        with self._objects:
            commits = self.repo.iter_commits("HEAD", grep=list(trailers.LOG_GREP), extended_regexp=True)
            entries = [trailers.read_record(c.hexsha, text_of(c.message)) for c in commits]
        entries.reverse()
        return entries

