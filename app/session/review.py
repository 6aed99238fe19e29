"""What the user sees and what blocks approval when a phase is under review.

Deterministic facts about the phase's changes — security findings in the added lines, API contract
changes, schema changes, the verification commands' results — and the blockers derived from them.
Each blocker names the rule it enforces; the user may override it with a reason, which goes into the
phase commit's body and trailers.

The facts are slow to compute (the phase diff, the scans, the OpenAPI and schema trees and the endpoint
inventory at two revisions), so they are computed once, in a thread, and shown. The commit then uses *that* review:
it is identified by a hash of the phase's base and diff (``ReviewFacts.identity``), and at commit time
only the diff is recomputed and compared; a different diff means the review is shown again instead of
committing (``ReviewChanged``). See docs/architecture.md, "One approval".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from phasegate.app.errors import PhasegateError
from phasegate.phases.findings import Finding

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService
    from phasegate.phases.models import Session

BlockerRule = Literal["security", "api", "verification"]


@dataclass(frozen=True)
class Blocker:
    """A rule that blocks approving a phase until the user overrides it with a reason."""

    rule: BlockerRule
    message: str


class ApprovalBlocked(PhasegateError):
    """Approval needs an override reason; ``review`` is the review the blockers came from (pass it back
    with the override so nothing is computed again)."""

    def __init__(self, blockers: list[Blocker], review: ReviewFacts | None = None) -> None:
        self.blockers = blockers
        self.review = review
        super().__init__(" ".join(b.message for b in blockers))


class ReviewChanged(PhasegateError):
    """The phase's changes differ from the review the user approved: show the review again."""


def diff_identity(base: str | None, diff: str) -> str:
    """What identifies a review: the phase's base commit and its diff, hashed."""
    return hashlib.sha256(f"{base or ''}\0{diff}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class ReviewFacts:
    base: str | None = None
    diff: str = ""
    findings: list[Finding] = field(default_factory=list)
    contract_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The code-derived contract (``analyzers.api_review``): endpoint changes base -> working tree, and the
    # drift between the code and a committed spec.
    endpoint_changes: list[dict[str, Any]] = field(default_factory=list)
    api_drift: list[dict[str, Any]] = field(default_factory=list)
    schema_changes: list[dict[str, Any]] = field(default_factory=list)
    schema_after: dict[str, Any] | None = None
    failed_commands: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    phase: str = ""

    @property
    def identity(self) -> str:
        return diff_identity(self.base, self.diff)


def review_facts(session: Session, git: GitService, base: str | None) -> ReviewFacts:
    """Compute the facts for the session's open phase, its changes counted from ``base`` (slow: run it
    in a thread; it reads ``session`` and git, and writes nothing)."""
    from phasegate.app.analyzers.openapi import contract_findings, diff_revisions, specs_at
    from phasegate.app.analyzers.security import scan_added_lines

    active = session.active_phase
    if active is None or base is None:
        return ReviewFacts()
    facts = ReviewFacts(base=base, phase=active.slug)
    facts.diff = git.phase_diff(base)
    facts.findings = scan_added_lines(facts.diff)
    root = git.root
    try:
        before, after = specs_at(root, base), specs_at(root, None)
        per_spec = diff_revisions(root, base, None)  # one diff, with refs into other files resolved
        for path, changes in per_spec.items():
            facts.findings += list(contract_findings(before.get(path) or {}, after.get(path) or {}, path, changes))
        facts.contract_changes = {path: [c.to_json() for c in changes] for path, changes in per_spec.items()}
    except Exception as exc:  # a broken spec must not block the review; say it instead
        facts.findings.append(Finding("contract_unreadable", "low", "", 0, f"API contract not compared: {exc}"))
    try:  # the endpoints the code declares: the contract of a repository without a spec, and beside one
        from phasegate.app.analyzers.api_review import endpoint_review

        spec_reported = {f.evidence for f in facts.findings if f.kind.startswith("breaking_api_change")}
        endpoints = endpoint_review(root, base, already_reported=spec_reported)
        facts.endpoint_changes = [c.to_json() for c in endpoints.changes]
        facts.api_drift = [d.to_json() for d in endpoints.drift]
        facts.findings += endpoints.findings
    except Exception as exc:  # an unreadable tree must not block the review; say it instead
        facts.findings.append(Finding("contract_unreadable", "low", "", 0, f"Endpoints not compared: {exc}"))
    try:
        from phasegate.app.analyzers.schema import diff_schemas, schema_at

        schema = schema_at(root, None)
        facts.schema_after = schema.to_json()
        facts.schema_changes = [c.to_json() for c in diff_schemas(schema_at(root, base), schema)]
    except Exception:  # an unparsable schema file must not block the review
        facts.schema_changes = []
    latest: dict[str, int | None] = {}
    for run in active.commands:  # only the latest run of each command counts: a fixed failure is fixed
        latest[run.command] = run.exit_code
    facts.failed_commands = [command for command, code in latest.items() if code not in (0, None)]
    if active.report:
        facts.failed_steps = [v.step for v in active.report.verification if not v.passed]
    return facts


def blockers_from(facts: ReviewFacts) -> list[Blocker]:
    out: list[Blocker] = []
    for f in facts.findings:
        if f.severity != "high":
            continue
        if f.kind.startswith("breaking_api_change"):
            rule = "never break an API contract without a versioning strategy"
        else:
            rule = "never commit secrets; validate and protect everything"
        out.append(Blocker("security" if "api" not in f.kind else "api", f"{f.message} ({f.location}) — blocked by the rule: {rule}."))
    for command in facts.failed_commands:
        out.append(Blocker("verification", f"`{command}` failed — blocked by the rule: never ignore test failures."))
    for step in facts.failed_steps:
        out.append(Blocker("verification", f"Verification step failed: {step} — blocked by the rule: fix failures before proceeding."))
    return out


def api_section(facts: ReviewFacts) -> str:
    """The review's API contract section (Markdown): spec changes, endpoint changes read from the code,
    and the drift between the code and a committed spec; empty when there is nothing to say."""
    lines: list[str] = []
    for path, changes in facts.contract_changes.items():
        for c in changes:
            mark = " **breaking**" if c.get("breaking") else ""
            lines.append(f"- {path}: {(c.get('method') or '').upper()} {c.get('path') or ''} {c.get('detail', '')}{mark}")
    for c in facts.endpoint_changes:
        mark = " **breaking**" if c.get("breaking") else ""
        where = f" ({c['file']}:{c['line']})" if c.get("file") else ""
        lines.append(f"- code: {c['kind']} — {c['detail']}{mark}{where}")
    for d in facts.api_drift:
        side = "in the code, not in the spec" if d["kind"] == "code_not_in_spec" else "in the spec, not in the code"
        lines.append(f"- drift: {d['method']} {d['path']} {side} ({d['file']}:{d['line']})")
    return "\n## API contract\n\n" + "\n".join(lines) + "\n" if lines else ""


def final_blockers(final_report: dict[str, Any]) -> list[Blocker]:
    """What blocks approving the final review: a failed full test run."""
    tests = final_report.get("final_tests") or {}
    if tests and not tests.get("passed"):
        return [Blocker("verification", f"The full test run `{tests.get('command')}` failed — blocked by the rule: never ignore test failures.")]
    return []
