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
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from phasegate.app.analyzers.bulk import bulk_read
from phasegate.app.errors import PhasegateError
from phasegate.phases.findings import Finding

if TYPE_CHECKING:
    from pathlib import Path

    from phasegate.app.analyzers._files import Tree
    from phasegate.app.git.service import FileChange, GitService
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


#: The version of ``ReviewFacts.to_json`` (``phasegate review --format json``, docs/cli.md). Adding a key
#: keeps it; renaming or removing one, or changing a value's meaning, raises it.
REVIEW_SCHEMA_VERSION = 1
# Parse-cache entries a review keeps (every wanted file of two revisions, once per reader that wants it).
REVIEW_CACHE_ENTRIES = 500_000


@dataclass
class ReviewFacts:
    """The review of a change from ``base`` to ``head`` (None: the working tree): the one object the
    workbench's phase review and ``phasegate review`` build (``review_range``) and render
    (``app/session/review_formats.py``)."""

    base: str | None = None
    diff: str = ""
    findings: list[Finding] = field(default_factory=list)
    contract_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The code-derived contract (``analyzers.api_review``): endpoint changes base -> head, and the
    # drift between the code and a committed spec.
    endpoint_changes: list[dict[str, Any]] = field(default_factory=list)
    api_drift: list[dict[str, Any]] = field(default_factory=list)
    schema_changes: list[dict[str, Any]] = field(default_factory=list)
    schema_after: dict[str, Any] | None = None
    failed_commands: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    phase: str = ""
    head: str | None = None  # None: the working tree (untracked files included)
    files: list[dict[str, Any]] = field(default_factory=list)  # path, old_path, status, added, removed, binary
    migrations: list[dict[str, Any]] = field(default_factory=list)  # ``analyzers.migration_reversal.Migration``
    # The version-bump check of each compared spec ({path: {before, after, bumped}}) and of the package
    # manifest (only read when the code's contract has a breaking change).
    spec_versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    package_version: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # what could not be read: path, line, reason

    @property
    def identity(self) -> str:
        return diff_identity(self.base, self.diff)

    @property
    def breaking_changes(self) -> int:
        spec = sum(1 for changes in self.contract_changes.values() for c in changes if c.get("breaking"))
        return spec + sum(1 for c in self.endpoint_changes if c.get("breaking"))

    @property
    def destructive_changes(self) -> int:
        return sum(1 for c in self.schema_changes if c.get("destructive"))

    @property
    def irreversible_migrations(self) -> int:
        return sum(1 for m in self.migrations if m.get("reversible") is False)

    @property
    def unsafe_migration_findings(self) -> int:
        """squawk's findings of medium severity or worse (locks, rewrites, dropped or renamed columns…)."""
        return sum(1 for f in self.findings if f.kind.startswith("squawk/") and f.severity in ("critical", "high", "medium"))

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of a review (docs/cli.md, "review"); ``schema_version`` says its shape."""
        return {
            "schema_version": REVIEW_SCHEMA_VERSION,
            "base": self.base,
            "head": self.head,
            "files": self.files,
            "schema_changes": self.schema_changes,
            "migrations": self.migrations,
            "api": {
                "spec_changes": self.contract_changes,
                "spec_versions": self.spec_versions,
                "endpoint_changes": self.endpoint_changes,
                "package_version": self.package_version,
                "drift": self.api_drift,
            },
            "findings": [f.to_json() for f in self.findings],
            "blockers": [{"rule": b.rule, "message": b.message} for b in blockers_from(self)],
            "warnings": self.warnings,
            "summary": {
                "files": len(self.files),
                "schema_changes": len(self.schema_changes),
                "destructive": self.destructive_changes,
                "migrations": len(self.migrations),
                "irreversible_migrations": self.irreversible_migrations,
                "unsafe_migrations": self.unsafe_migration_findings,
                "breaking": self.breaking_changes,
                "findings": len(self.findings),
                "high": sum(1 for f in self.findings if f.blocking),
            },
        }


def _warning(path: str, line: int | None, reason: str) -> dict[str, Any]:
    return {"path": path, "line": line, "reason": reason}


def _contract(facts: ReviewFacts, root: Path, base: str, head: str | None, specs_changed: bool = True) -> None:
    """The API contract of the review: committed specs (with the version-bump check) and the endpoints
    the code declares, from ``base`` to ``head`` (None: the working tree). ``specs_changed`` False: no
    YAML or JSON file changed, so no spec (nor a file one refers to) did, and the specs are not read."""
    from phasegate.app.analyzers._files import open_tree
    from phasegate.app.analyzers.openapi import (
        contract_findings,
        diff_revisions,
        parse_spec_text,
        version_bumped,
    )

    try:
        per_spec = diff_revisions(root, base, head) if specs_changed else {}  # refs into other files resolved
        trees = open_tree(root, base), open_tree(root, head)
        try:
            for path, spec_changes in per_spec.items():
                a, b = ((parse_spec_text(t.read_text(path, None) or "", path) if t.read(path, 1) is not None else {})
                        for t in trees)
                facts.findings += list(contract_findings(a, b, path, spec_changes))
                facts.spec_versions[path] = {"before": (a.get("info") or {}).get("version"),
                                             "after": (b.get("info") or {}).get("version"),
                                             "bumped": version_bumped(a, b)}
        finally:
            for t in trees:
                t.close()
        facts.contract_changes = {path: [c.to_json() for c in cs] for path, cs in per_spec.items()}
    except Exception as exc:  # a broken spec must not block the review; say it instead
        facts.findings.append(Finding("contract_unreadable", "low", "", 0, f"API contract not compared: {exc}"))
    try:  # the endpoints the code declares: the contract of a repository without a spec, and beside one
        from phasegate.app.analyzers.api_review import endpoint_review, major_bumped

        spec_reported = {f.evidence for f in facts.findings if f.kind.startswith("breaking_api_change")}
        endpoints = endpoint_review(root, base, already_reported=spec_reported, head=head)
        facts.endpoint_changes = [c.to_json() for c in endpoints.changes]
        facts.api_drift = [d.to_json() for d in endpoints.drift]
        facts.findings += endpoints.findings
        if endpoints.version_before or endpoints.version_after:
            facts.package_version = {"before": endpoints.version_before, "after": endpoints.version_after,
                                     "bumped": major_bumped(endpoints.version_before, endpoints.version_after)}
    except Exception as exc:  # an unreadable tree must not block the review; say it instead
        facts.findings.append(Finding("contract_unreadable", "low", "", 0, f"Endpoints not compared: {exc}"))


def _csrf(facts: ReviewFacts, root: Path, head: str | None) -> None:
    """The seed's CSRF rule on the added lines (``analyzers.csrf``); the tree says whether sessions are used."""
    from phasegate.app.analyzers._files import open_tree
    from phasegate.app.analyzers.csrf import csrf_findings

    try:
        tree = open_tree(root, head)
        try:
            facts.findings += csrf_findings(tree, facts.diff)
        finally:
            tree.close()
    except Exception as exc:  # an unreadable file must not block the review; say it instead
        facts.warnings.append(_warning("", None, f"CSRF protection not checked: {exc}"))


def _migration_safety(facts: ReviewFacts, tree: Tree, changes: list[tuple[str, str]]) -> None:
    """squawk's findings on the PostgreSQL migrations the change adds or edits (``analyzers.migration_lint``)."""
    from phasegate.app.analyzers.migration_lint import lint_migrations

    lint = lint_migrations(tree, changes, facts.diff)
    facts.findings += lint.findings
    facts.warnings += [w.to_json() for w in lint.warnings]


def schema_change(root: Path, base: str | None, head: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The schema at ``head`` (None: the working tree) as JSON, and its changes since ``base`` (none
    without a base), each naming the source of its table. The phase review and the workbench's live
    Schema tab both read it here, so the two show the same change. Slow: call it in a thread."""
    from phasegate.app.analyzers.schema import diff_schemas, schema_at

    schema = schema_at(root, head)
    changes: list[dict[str, Any]] = []
    if base is not None:
        before = schema_at(root, base)
        for change in diff_schemas(before, schema):
            table = (schema.table(change.table) or before.table(change.table)) if change.table else None
            changes.append({**change.to_json(), "source": table.source if table is not None else None})
    return schema.to_json(), changes


def _begin_searches(root: Path, head: str) -> None:
    """Begin the schema and endpoint readers' keyword searches of ``head`` (two ``git grep`` processes), so
    that they run while the added lines are scanned; the reads of ``head`` below take their answers."""
    from phasegate.app.analyzers import api, schema
    from phasegate.app.git.trees import RevTree, resolve_root

    try:
        tree = RevTree(resolve_root(root), head)  # keyed as the analyzers' own trees of it are (``open_tree``)
    except Exception:  # an unknown revision: the reads below say so
        return
    try:
        schema.begin_keyword_search(tree)
        api.begin_keyword_search(tree)
    finally:
        tree.close()


@bulk_read()
def review_range(git: GitService, base: str, head: str | None = None) -> ReviewFacts:
    """The review of the change from ``base`` to ``head`` (None: the working tree): the files, the
    security scan of the added lines, the API contract (committed specs and the code's endpoints, with
    the version-bump check), the schema diff and the added migrations. Slow: run it in a thread; it reads
    git and writes nothing. Both the workbench and ``phasegate review`` call it."""
    from phasegate.app.analyzers.security import scan_added_lines

    facts = ReviewFacts(base=base, head=head)
    facts.diff, changes = git.range_review(base, head)
    root = git.root
    if head is not None:
        _begin_searches(root, head)
    facts.files = [{"path": c.path, "old_path": c.old_path, "status": c.status, "added": c.added,
                    "removed": c.removed, "binary": c.binary} for c in changes]
    # The security scan of the added lines mostly waits on Kingfisher (a process: ~0.4 s of start-up, then
    # the files), so it runs in a thread beside the analyzers; its findings come first, as before. A daemon
    # thread: quitting the workbench mid-review does not wait on the scanner.
    scanned: list[tuple[bool, Any]] = []

    def scan() -> None:
        try:
            scanned.append((True, scan_added_lines(facts.diff)))
        except BaseException as exc:  # handed to the caller below, as a call in this thread would raise it
            scanned.append((False, exc))

    security = threading.Thread(target=scan, name="phasegate-security", daemon=True)
    security.start()
    try:
        _analyze(facts, git, base, head, changes)
    finally:
        security.join()
        if head is not None:
            from phasegate.app.git.trees import forget_begun

            forget_begun(root)  # a search no read took (the read failed, or the cache answered)
    ok, value = scanned[0]
    if not ok:
        raise value
    facts.findings = value + facts.findings
    return facts


def _analyze(facts: ReviewFacts, git: GitService, base: str, head: str | None, changes: list[FileChange]) -> None:
    """Everything of ``review_range`` but the security scan: CSRF, the contract, the schema, migrations."""
    root = git.root
    # Speed, same result: the analyzers read the newer side first, so the base's unchanged files are
    # parse-cache hits by blob id; a revision's file is read from the working tree when its content there
    # hashes to the revision's blob (``RevTree.read``: a CI checkout is read with open(), and its blob ids
    # key the cache and the keyword pre-filter's answers for the base too); and the base's changed files
    # are read ahead in one pipelined git process (bench/bench_review.py).
    _csrf(facts, root, head)
    # Both sides' parses must fit the parse cache, or the base's unchanged files are parsed again: the
    # schema readers' default (50,000 entries) is one revision of a 10,000-file repository.
    from phasegate.app.analyzers import readers as parse_cache

    parse_cache.CACHE.size = max(parse_cache.CACHE.size, REVIEW_CACHE_ENTRIES)
    from phasegate.app.git.trees import forget_prefetched, prefetch_blobs

    prefetch_blobs(root, base, [c.old_path or c.path for c in changes if c.status != "added"])
    try:
        specs_changed = any(p.lower().endswith((".yaml", ".yml", ".json"))
                            for c in changes for p in (c.path, c.old_path) if p)
        _contract(facts, root, base, head, specs_changed)
        try:
            facts.schema_after, facts.schema_changes = schema_change(root, base, head)
        except Exception as exc:  # an unparsable schema file must not block the review; say it instead
            facts.warnings.append(_warning("", None, f"schema not compared: {exc}"))
    finally:
        forget_prefetched(root)
    try:
        from phasegate.app.analyzers._files import open_tree
        from phasegate.app.analyzers.migration_reversal import review_migrations

        added = [c.path for c in changes if c.status in ("added", "copied", "renamed")]
        tree = open_tree(root, head)
        try:
            migrations = review_migrations(tree, added)
            _migration_safety(facts, tree, [(c.path, c.status) for c in changes])
        finally:
            tree.close()
        facts.migrations = [m.to_json() for m in migrations.migrations]
        facts.warnings += [w.to_json() for w in migrations.warnings]
    except Exception as exc:  # an unreadable tree must not block the review; say it instead
        facts.warnings.append(_warning("", None, f"migrations not read: {exc}"))


def review_facts(session: Session, git: GitService, base: str | None) -> ReviewFacts:
    """The review of the session's open phase, its changes counted from ``base`` to the working tree:
    ``review_range`` plus the phase's own verification results."""
    active = session.active_phase
    if active is None or base is None:
        return ReviewFacts()
    facts = review_range(git, base, None)
    facts.phase = active.slug
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
        if not f.blocking:  # high and critical
            continue
        if f.kind.startswith("breaking_api_change"):
            rule = "never break an API contract without a versioning strategy"
        elif f.kind == "csrf_protection_skipped":
            rule = "never skip CSRF protection for state-changing operations"
        else:
            rule = "never commit secrets; validate and protect everything"
        out.append(Blocker("security" if "api" not in f.kind else "api", f"{f.message} ({f.location}) — blocked by the rule: {rule}."))
    for command in facts.failed_commands:
        out.append(Blocker("verification", f"`{command}` failed — blocked by the rule: never ignore test failures."))
    for step in facts.failed_steps:
        out.append(Blocker("verification", f"Verification step failed: {step} — blocked by the rule: fix failures before proceeding."))
    return out


FailOn = Literal["approval", "high", "breaking", "destructive", "any", "never"]
FAIL_ON_LEVELS: tuple[FailOn, ...] = ("approval", "high", "breaking", "destructive", "any", "never")


def fail_reasons(facts: ReviewFacts, level: FailOn = "approval") -> list[str]:
    """Why a review fails at ``level`` (``phasegate review --fail-on``); empty: it passes.

    ``approval`` (the default) is exactly what blocks a phase approval in the workbench
    (:func:`blockers_from`); ``high`` any high or critical finding; ``breaking`` any breaking API
    change (spec or code, version bumped or not); ``destructive`` any destructive schema change,
    migration that cannot be reverted or unsafe migration statement (squawk, medium or worse); ``any``
    any of these or any finding at all; ``never`` nothing.
    """
    if level == "never":
        return []
    if level == "approval":
        return [b.message for b in blockers_from(facts)]
    reasons: list[str] = []
    if level in ("high", "any"):
        reasons += [f"{f.severity} finding: {f.message} ({f.location})" for f in facts.findings
                    if f.blocking or level == "any"]
    if level in ("breaking", "any") and facts.breaking_changes:
        reasons.append(f"{facts.breaking_changes} breaking API change(s)")
    if level in ("destructive", "any"):
        if facts.destructive_changes:
            reasons.append(f"{facts.destructive_changes} destructive schema change(s)")
        if facts.irreversible_migrations:
            reasons.append(f"{facts.irreversible_migrations} migration(s) that cannot be reverted")
        unsafe = facts.unsafe_migration_findings
        if unsafe and level == "destructive":  # ``any`` lists every finding already
            reasons.append(f"{unsafe} unsafe migration statement(s) (squawk)")
    return reasons


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
