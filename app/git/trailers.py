"""The commit-message contract, written and read in one place (docs/architecture.md#contracts).

A phase commit is ``phase(<slug>): <title>``, the phase report (plus commands run, migrations run and any
override) as its body, and the trailers ``Phasegate-Session``, ``Phasegate-Phase``,
``Phasegate-Plan-Version`` and one ``Phasegate-Override`` per override. A rollback is git's own
``Revert "<subject>"`` / ``This reverts commit <sha>.`` with ``Phasegate-Rollback``, ``Phasegate-Reverts``
and the session's ``Phasegate-Session``. Trailers are the record: ``GitService.phase_commits`` rebuilds
the story from them alone, so this module both formats and parses them.

Messages are read through GitPython's commit objects (``Commit.message``). The trailers are parsed here
rather than with ``Commit.trailers_list``, which starts one ``git interpret-trailers`` per commit; the rule
is git's own: the trailer block is the message's last paragraph, made of ``Key: value`` lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.phases.models import PhaseReport, PhaseState

SESSION_TRAILER = "Phasegate-Session"
PHASE_TRAILER = "Phasegate-Phase"
PLAN_VERSION_TRAILER = "Phasegate-Plan-Version"
OVERRIDE_TRAILER = "Phasegate-Override"
ROLLBACK_TRAILER = "Phasegate-Rollback"
REVERTS_TRAILER = "Phasegate-Reverts"

# The commits phase_commits needs: phase commits, our rollbacks, and anyone's `git revert`.
LOG_GREP = (f"^({PHASE_TRAILER}|{ROLLBACK_TRAILER}):", "^This reverts commit ")

_REVERTS_BODY_RE = re.compile(r"^This reverts commit ([0-9a-f]{40})", re.MULTILINE)
_TRAILER_LINE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")


# ------------------------------------------------------------------------------------------------ writing


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def format_message(subject: str, body: str, trailers: Sequence[tuple[str, str]]) -> str:
    """Subject, blank line, body (if any), blank line, one ``Key: value`` line per trailer."""
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    parts.append("\n".join(f"{key}: {one_line(value)}" for key, value in trailers))
    return "\n\n".join(parts) + "\n"


def phase_message(
    *, session_id: str, slug: str, title: str, body: str, plan_version: int, overrides: Sequence[str] = ()
) -> str:
    trailers = [
        (SESSION_TRAILER, session_id),
        (PHASE_TRAILER, slug),
        (PLAN_VERSION_TRAILER, str(plan_version)),
    ]
    trailers += [(OVERRIDE_TRAILER, o) for o in overrides]
    return format_message(f"phase({slug}): {one_line(title)}", body, trailers)


def rollback_message(*, slug: str, subject: str, sha: str, session_id: str | None) -> str:
    trailers = [(ROLLBACK_TRAILER, slug), (REVERTS_TRAILER, sha)]
    if session_id:
        trailers.append((SESSION_TRAILER, session_id))
    return format_message(f'Revert "{subject}"', f"This reverts commit {sha}.", trailers)


def commit_body(
    heading: str, report: PhaseReport | None, state: PhaseState, overrides: Sequence[str], blocked: Sequence[str]
) -> str:
    """The phase commit's body: the phase report, commands run, migrations run, and any overrides."""
    parts = [report.to_markdown(heading.split(" ", 1)[-1]) if report else f"{heading} phase (no report)\n"]
    if state.commands:
        commands = "\n".join(f"- `{c.command}` → exit {c.exit_code} ({c.purpose})" for c in state.commands)
        parts.append("Commands run:\n" + commands)
    if state.migrations_run:
        parts.append("Migrations run (typed confirmation):\n" + "\n".join(f"- `{m}`" for m in state.migrations_run))
    if overrides:
        lines = [f"- {b}" for b in blocked] + [f"- Reason: {o}" for o in overrides]
        parts.append("Approved with override:\n" + "\n".join(lines))
    return "\n\n".join(p.strip() for p in parts) + "\n"


# ------------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class TrailerRecord:
    """One commit of the log as the contract sees it."""

    sha: str
    subject: str
    phase: str | None
    session: str | None
    plan_version: str | None
    rollback: str | None
    reverts: str | None
    overrides: tuple[str, ...]
    reverted_in_body: str | None


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """The ``(key, value)`` trailers of a commit message, in order (git's rule: the last paragraph).

    A paragraph counts as the trailer block when its lines are trailers (continuation lines that start
    with whitespace join the trailer above) and it is not the subject.
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    trailers: list[tuple[str, str]] = []
    for line in paragraphs[-1].splitlines():
        if line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}".strip())
            continue
        match = _TRAILER_LINE_RE.match(line)
        if match is None:
            return []
        trailers.append((match.group(1), match.group(2).strip()))
    return trailers


def trailer_values(trailers: Sequence[tuple[str, str]], key: str) -> list[str]:
    """The non-empty values of ``key`` (compared case-insensitively, as git does)."""
    wanted = key.lower()
    return [v for k, v in trailers if k.lower() == wanted and v]


def reverted_in_body(message: str) -> str | None:
    """The sha of git's own "This reverts commit <sha>" line (so a manual ``git revert`` counts too)."""
    match = _REVERTS_BODY_RE.search(message)
    return match.group(1) if match else None


def read_record(sha: str, message: str) -> TrailerRecord:
    trailers = parse_trailers(message)

    def first(key: str) -> str | None:
        values = trailer_values(trailers, key)
        return values[0] if values else None

    return TrailerRecord(
        sha=sha,
        subject=message.split("\n", 1)[0].strip(),
        phase=first(PHASE_TRAILER),
        session=first(SESSION_TRAILER),
        plan_version=first(PLAN_VERSION_TRAILER),
        rollback=first(ROLLBACK_TRAILER),
        reverts=first(REVERTS_TRAILER),
        overrides=tuple(trailer_values(trailers, OVERRIDE_TRAILER)),
        reverted_in_body=reverted_in_body(message),
    )
