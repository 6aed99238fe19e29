"""What the user sees and what blocks approval when a phase is under review (issues 4 §6 and 9).

Deterministic facts about the phase's changes — security findings in the added lines, API contract
changes, schema changes, the verification commands' results — and the blockers derived from them.
Each blocker names the rule of the seed it enforces; the user may override it with a reason, which
goes into the phase commit's body and trailers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasegate.app.session.controller import Blocker, Controller


@dataclass
class ReviewFacts:
    diff: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    contract_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    schema_changes: list[dict[str, Any]] = field(default_factory=list)
    schema_after: dict[str, Any] | None = None
    failed_commands: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)


def review_facts(controller: Controller) -> ReviewFacts:
    """Compute the facts for the phase with uncommitted work (slow-ish: run it in a thread)."""
    from phasegate.app.analyzers.openapi import contract_findings, diff_revisions, specs_at
    from phasegate.app.analyzers.security import scan_added_lines

    facts = ReviewFacts()
    session = controller.session
    active = session.active_phase
    if active is None or active.base_sha is None:
        return facts
    facts.diff = controller.git.phase_diff(active.base_sha)
    facts.findings = [f.to_json() for f in scan_added_lines(facts.diff)]
    root = controller.git.root
    try:
        before, after = specs_at(root, active.base_sha), specs_at(root, None)
        for path in sorted(before.keys() | after.keys()):
            facts.findings += [f.to_json() for f in contract_findings(before.get(path) or {}, after.get(path) or {}, path)]
        facts.contract_changes = {
            path: [c.to_json() for c in changes] for path, changes in diff_revisions(root, active.base_sha, None).items()
        }
    except Exception as exc:  # a broken spec must not block the review; say it instead
        facts.findings.append(
            {"kind": "contract_unreadable", "severity": "low", "path": "", "line": 0, "message": f"API contract not compared: {exc}", "evidence": ""}
        )
    try:
        from phasegate.app.analyzers.schema import diff_schemas, schema_at

        after = schema_at(root, None)
        facts.schema_after = after.to_json()
        facts.schema_changes = [c.to_json() for c in diff_schemas(schema_at(root, active.base_sha), after)]
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
    from phasegate.app.session.controller import Blocker

    out: list[Blocker] = []
    for f in facts.findings:
        if f.get("severity") != "high":
            continue
        where = f"{f['path']}:{f['line']}" if f.get("line") else f.get("path", "")
        if str(f.get("kind", "")).startswith("breaking_api_change"):
            rule = "never break an API contract without a versioning strategy"
        else:
            rule = "never commit secrets; validate and protect everything"
        out.append(Blocker("security" if "api" not in f["kind"] else "api", f"{f['message']} ({where}) — blocked by the rule: {rule}."))
    for command in facts.failed_commands:
        out.append(Blocker("verification", f"`{command}` failed — blocked by the rule: never ignore test failures."))
    for step in facts.failed_steps:
        out.append(Blocker("verification", f"Verification step failed: {step} — blocked by the rule: fix failures before proceeding."))
    return out


def phase_blockers(controller: Controller) -> list[Blocker]:
    return blockers_from(review_facts(controller))
