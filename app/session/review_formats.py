"""A review (``review.ReviewFacts``) as people and machines read it: text for a terminal, Markdown for a
pull-request comment and the workbench, JSON, and SARIF 2.1.0 for code scanning.

The workbench's phase review shows :func:`render_markdown` of the very review object ``phasegate review
--format md`` prints, so the two cannot drift apart (``tests/tui/test_review_matches_cli.py``).

No secret is ever printed whole: every free text that comes from the repository (a finding's message
and evidence, an endpoint's detail, a migration's note) goes through :class:`Scrubber` — the scan's own
``redact_line`` for anything shaped like a key, then a ``Masker`` holding the repository's ``.env``
values and the environment's API keys and tokens.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.app.secrets import Masker
from phasegate.phases.findings import SEVERITY_ORDER, Finding

if TYPE_CHECKING:
    from phasegate.app.session.review import ReviewFacts

FORMATS = ("text", "md", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/phasegate/phasegate/blob/main/docs/cli.md#review"


class Scrubber:
    """Makes a repository's text safe to print: secret shapes redacted, known secret values masked."""

    def __init__(self, masker: Masker | None = None) -> None:
        from phasegate.app.analyzers.security import redact_line

        self._redact = redact_line
        self.masker = masker or Masker()

    def __call__(self, text: object) -> str:
        return self.masker.mask(self._redact(str(text or "")))


def repository_masker(root: Path) -> Masker:
    """A masker for a review of ``root``: its ``.env`` files' values and the environment's keys."""
    from phasegate.app.agent.workspace import env_values

    masker = Masker()
    for env_file in sorted(root.glob(".env*")):
        if env_file.is_file() and not env_file.name.endswith((".example", ".sample", ".template")):
            try:
                text = env_file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for value in env_values(text):
                masker.add(value)
    return masker


def short(rev: str | None) -> str:
    return "working tree" if rev is None else rev[:12]


def range_label(facts: ReviewFacts) -> str:
    return f"{short(facts.base)}..{short(facts.head)}"


def _schema_where(change: dict[str, Any]) -> str:
    where = ".".join(x for x in (change.get("table"), change.get("column")) if x)
    if not where:
        item = change.get("after") or change.get("before") or {}
        where = str(item.get("name", "")) if isinstance(item, dict) else ""
    return where


def _sorted_findings(facts: ReviewFacts) -> list[Finding]:
    return sorted(facts.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.path, f.line, f.kind))


# ------------------------------------------------------------------------------------------------ lines
# Each section is a heading and a list of lines; text and Markdown lay the same lines out differently.
def _sections(facts: ReviewFacts, clean: Scrubber, md: bool) -> list[tuple[str, list[str], bool]]:
    """(heading, lines, flagged) per section, in the order the review reads."""
    code = (lambda s: f"`{s}`") if md else (lambda s: s)
    flag = (lambda s: f" **{s}**") if md else (lambda s: f"  [{s.upper()}]")
    sections: list[tuple[str, list[str], bool]] = []

    added = sum(f["added"] for f in facts.files)
    removed = sum(f["removed"] for f in facts.files)
    lines = []
    for f in facts.files:
        moved = f" (from {code(f['old_path'])})" if f.get("old_path") else ""
        counts = "binary" if f["binary"] else f"+{f['added']} -{f['removed']}"
        lines.append(f"{f['status']:<9} {code(f['path'])}{moved} {counts}")
    sections.append((f"Files changed ({len(facts.files)}, +{added} -{removed})", lines, False))

    lines = []
    for c in facts.schema_changes:
        source = f" ({code(c['source'])})" if c.get("source") else ""
        lines.append(f"{c['kind']} {code(_schema_where(c))}{flag('destructive') if c.get('destructive') else ''}{source}")
    destructive = facts.destructive_changes
    sections.append((f"Schema changes ({len(facts.schema_changes)}, {destructive} destructive)", lines, destructive > 0))

    lines = []
    for m in facts.migrations:
        verdict = {True: "can be reverted", False: "cannot be reverted", None: "revert unknown"}[m["reversible"]]
        at = f" (line {m['line']})" if m.get("line") else ""
        mark = flag("irreversible") if m["reversible"] is False else ""
        lines.append(f"{code(m['path'])} [{m['tool']}] {verdict}: {clean(m['how'])}{at}{mark}")
    irreversible = facts.irreversible_migrations
    sections.append((f"Migrations added ({len(facts.migrations)}, {irreversible} cannot be reverted)", lines,
                     irreversible > 0))

    lines = []
    for path, changes in facts.contract_changes.items():
        version = facts.spec_versions.get(path) or {}
        for c in changes:
            mark = flag("breaking") if c.get("breaking") else ""
            detail = clean(c.get("detail", ""))
            where = f"{(c.get('method') or '').upper()} {c.get('path') or ''}".strip()
            if where and where not in detail:  # the catalogue's detail usually names the operation itself
                detail = f"{where}: {detail}"
            lines.append(f"{code(path)}: {detail}{mark}")
        if any(c.get("breaking") for c in changes):
            bumped = "bumped" if version.get("bumped") else "not bumped"
            lines.append(f"{code(path)}: info.version {version.get('before')} → {version.get('after')} ({bumped})")
    for c in facts.endpoint_changes:
        mark = flag("breaking") if c.get("breaking") else ""
        where = " ({})".format(code(f"{c['file']}:{c['line']}")) if c.get("file") else ""
        lines.append(f"code: {c['kind']} — {clean(c['detail'])}{mark}{where}")
    if facts.package_version:
        pv = facts.package_version
        bumped = "major bumped" if pv.get("bumped") else "major not bumped"
        lines.append(f"package version: {pv.get('before')} → {pv.get('after')} ({bumped})")
    for d in facts.api_drift:
        side = "in the code, not in the spec" if d["kind"] == "code_not_in_spec" else "in the spec, not in the code"
        lines.append(f"drift: {d['method']} {d['path']} {side} (" + code(f"{d['file']}:{d['line']}") + ")")
    breaking = facts.breaking_changes
    count = sum(len(cs) for cs in facts.contract_changes.values()) + len(facts.endpoint_changes)
    sections.append((f"API contract changes ({count}, {breaking} breaking)", lines, breaking > 0))

    lines = []
    for f in _sorted_findings(facts):
        evidence = f" — {code(clean(f.evidence))}" if f.evidence else ""
        lines.append(f"{f.severity} {code(f.location or '(repository)')} {f.kind}: {clean(f.message)}{evidence}")
    high = sum(1 for f in facts.findings if f.blocking)
    sections.append((f"Findings: security and API contract ({len(facts.findings)}, {high} high)", lines, high > 0))

    from phasegate.app.session.review import blockers_from

    blockers = [clean(b.message) for b in blockers_from(facts)]
    if blockers:
        sections.append((f"Blocks a phase approval ({len(blockers)})", blockers, True))
    if facts.warnings:
        lines = [f"{w.get('path') or '(repository)'}{':' + str(w['line']) if w.get('line') else ''}: {clean(w['reason'])}"
                 for w in facts.warnings]
        sections.append((f"Not read ({len(facts.warnings)})", lines, False))
    return sections


def render_text(facts: ReviewFacts, masker: Masker | None = None) -> str:
    """The review for a terminal."""
    clean = Scrubber(masker)
    out = [f"phasegate review {range_label(facts)}"]
    for heading, lines, _flagged in _sections(facts, clean, md=False):
        out.append("")
        out.append(heading + (":" if lines else ": none"))
        out += [f"  {line}" for line in lines]
    return "\n".join(out) + "\n"


def render_markdown(facts: ReviewFacts, masker: Masker | None = None) -> str:
    """The review as Markdown: a pull-request comment (each section collapsible, open when it holds
    something flagged) and the workbench's review tab (which shows the headings and lists)."""
    clean = Scrubber(masker)
    out = [f"## phasegate review `{range_label(facts)}`", ""]
    for heading, lines, flagged in _sections(facts, clean, md=True):
        out.append(f"### {'⛔ ' if flagged else ''}{heading}")
        out.append("")
        if not lines:
            out += ["None.", ""]
            continue
        out += [f"<details{' open' if flagged else ''}><summary>{len(lines)} item{'s' if len(lines) != 1 else ''}"
                "</summary>", ""]
        out += [f"- {line}" for line in lines]
        out += ["", "</details>", ""]
    return "\n".join(out)


def render_json(facts: ReviewFacts, masker: Masker | None = None) -> str:
    """``ReviewFacts.to_json`` with every repository text scrubbed (documented in docs/cli.md)."""
    clean = Scrubber(masker)
    data = facts.to_json()
    for finding in data["findings"]:
        finding["message"], finding["evidence"] = clean(finding["message"]), clean(finding["evidence"])
    for blocker in data["blockers"]:
        blocker["message"] = clean(blocker["message"])
    for change in data["api"]["endpoint_changes"]:
        change["detail"] = clean(change["detail"])
    for changes in data["api"]["spec_changes"].values():
        for change in changes:
            change["detail"] = clean(change.get("detail", ""))
            for key in ("before", "after"):
                if isinstance(change.get(key), str):
                    change[key] = clean(change[key])
    for migration in data["migrations"]:
        migration["how"] = clean(migration["how"])
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


# ------------------------------------------------------------------------------------------------ SARIF
# Rule id -> (name, short description, help). A kind not listed (a newer check) gets a generic help text.
RULES: dict[str, tuple[str, str, str]] = {
    "secret": ("LeakedSecret", "A provider key or token in the added lines",
               "Secrets belong in the environment or a secret manager, never in source. Remove it, rotate it "
               "(it is in the history now), and read it from the environment."),
    "hardcoded_credentials": ("HardcodedCredentials", "A password or credential written into the source",
                              "Read credentials from the environment or a secret manager; rotate the exposed one."),
    "high_entropy_string": ("HighEntropyString", "A high-entropy string that looks like a secret",
                            "If it is a secret, move it out of the source and rotate it; if not, mark the line "
                            "`pragma: allowlist secret`."),
    "weak_password_hashing": ("WeakPasswordHashing", "A password hashed with a fast digest",
                              "Hash passwords with argon2, bcrypt or scrypt: a fast digest (MD5, SHA-1, SHA-256) "
                              "is brute-forced in hours."),
    "sql_string_building": ("SqlStringBuilding", "SQL built from strings",
                            "Pass values as bound parameters; SQL built by formatting or concatenation is "
                            "open to SQL injection."),
    "tls_verification_disabled": ("TlsVerificationDisabled", "TLS certificate verification switched off",
                                  "Keep certificate verification on; trust a private CA by configuring it instead."),
    "eval_of_input": ("EvalOfInput", "eval/exec of request or user input",
                      "Never evaluate input as code; parse it (json, ast.literal_eval) or dispatch on it."),
    "csrf_protection_skipped": ("CsrfProtectionSkipped", "CSRF protection skipped where sessions authenticate",
                                "Keep the framework's CSRF check on for state-changing routes of a cookie- or "
                                "session-authenticated app: remove the exemption, or authenticate that route with "
                                "a token instead of the session (docs/workflow.md, the seed's CSRF rule)."),
    "cors_wildcard_with_credentials": ("CorsWildcardWithCredentials", "Wildcard CORS together with credentials",
                                       "List the allowed origins explicitly when credentials are allowed."),
    "breaking_api_change_without_version_bump": (
        "BreakingApiChangeWithoutVersionBump", "A breaking API change without a version bump",
        "Version the endpoint (a /v2/ path beside the old one) or bump the spec's info.version or the package's "
        "major version, so clients see the break coming (docs/contract-checks.md)."),
    "breaking_api_change": ("BreakingApiChange", "A breaking API change, versioned",
                            "The change breaks existing clients; it is versioned, so tell them how to move on."),
    "contract_unreadable": ("ContractUnreadable", "The API contract could not be compared",
                            "A spec or a route file could not be read; fix it so the contract is checked."),
    "destructive_schema_change": ("DestructiveSchemaChange", "A schema change that loses data or breaks readers",
                                  "Dropping or narrowing a table or column loses data and breaks code that still "
                                  "reads it: expand first, migrate the data, contract in a later release."),
    "irreversible_migration": ("IrreversibleMigration", "A migration that cannot be reverted",
                               "Give the migration a down step (a down file, a downgrade(), a Liquibase rollback, a "
                               "reverse_code) so a bad deploy can be rolled back without a restore."),
}
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning ranks security results by this property (a CVSS-like score as a string).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def _location(path: str, line: int, end_line: int | None = None) -> dict[str, Any]:
    start = max(line, 1)
    return {"physicalLocation": {
        "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": start, "endLine": max(end_line or start, start)},
    }}


def sarif_results(facts: ReviewFacts, clean: Scrubber) -> tuple[list[tuple[str, str, str, list[dict[str, Any]]]], list[str]]:
    """(rule id, severity, message, locations) per result, and the notes of what has no location."""
    results: list[tuple[str, str, str, list[dict[str, Any]]]] = []
    notes: list[str] = []
    for f in _sorted_findings(facts):
        message = clean(f.message) + (f" Evidence: {clean(f.evidence)}" if f.evidence else "")
        if not f.path:
            notes.append(f"{f.kind}: {message}")
            continue
        results.append((f.kind, f.severity, message, [_location(f.path, f.line)]))
    for c in facts.schema_changes:
        if not c.get("destructive"):
            continue
        message = f"Destructive schema change: {c['kind']} {_schema_where(c)}."
        if c.get("source"):
            results.append(("destructive_schema_change", "medium", message, [_location(c["source"], 1)]))
        else:
            notes.append(message)
    for m in facts.migrations:
        if m["reversible"] is False:
            results.append(("irreversible_migration", "medium", f"Migration cannot be reverted: {clean(m['how'])}.",
                            [_location(m["path"], m.get("line") or 1)]))
    notes += [f"not read: {w.get('path') or '(repository)'}: {clean(w['reason'])}" for w in facts.warnings]
    return results, notes


def _rule(rule_id: str) -> tuple[str, str, str, str, list[str]]:
    """(name, short description, help, help URI, tags) of a SARIF rule: phasegate's own checks from
    ``RULES``, squawk's migration rules (``squawk/<rule>``) from ``analyzers.migration_lint``."""
    from phasegate.app.analyzers.migration_lint import rule_info

    squawk = rule_info(rule_id)
    if squawk is not None:
        return (*squawk, ["database"])
    name, short_text, help_text = RULES.get(rule_id, (
        "".join(p.title() for p in rule_id.split("_")), rule_id.replace("_", " "),
        "See phasegate's docs/workflow.md for the rule this check enforces."))
    database = rule_id in ("destructive_schema_change", "irreversible_migration", "migration_lint_unavailable")
    return name, short_text, help_text, INFORMATION_URI, ["database"] if database else ["security"]


def render_sarif(facts: ReviewFacts, masker: Masker | None = None, *, version: str = "0") -> str:
    """The review as one SARIF 2.1.0 run (GitHub code scanning's upload format): a rule per check with
    its help text, a result per finding, destructive schema change and irreversible migration, each
    located by file and line range; levels from severities (high/critical error, medium warning, else
    note). What has no file becomes a tool notification, never dropped."""
    clean = Scrubber(masker)
    results, notes = sarif_results(facts, clean)
    rule_ids = sorted({r[0] for r in results})
    rules = []
    for rule_id in rule_ids:
        name, short_text, help_text, help_uri, tags = _rule(rule_id)
        severity = next(r[1] for r in results if r[0] == rule_id)
        rules.append({
            "id": rule_id, "name": name,
            "shortDescription": {"text": short_text},
            "fullDescription": {"text": help_text},
            "help": {"text": help_text, "markdown": help_text},
            "helpUri": help_uri,
            "defaultConfiguration": {"level": _LEVELS.get(severity, "warning")},
            "properties": {"tags": tags, "security-severity": _SECURITY_SEVERITY.get(severity, "5.5")},
        })
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "phasegate", "version": version, "informationUri": INFORMATION_URI,
                            "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the repository root"}}},
        "properties": {"base": facts.base, "head": facts.head},
        "results": [
            {"ruleId": rule_id, "ruleIndex": index[rule_id], "level": _LEVELS.get(severity, "warning"),
             "message": {"text": message}, "locations": locations}
            for rule_id, severity, message, locations in results
        ],
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"level": "note", "message": {"text": note}} for note in notes],
        }],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def render(facts: ReviewFacts, fmt: str, masker: Masker | None = None, *, version: str = "0") -> str:
    if fmt == "text":
        return render_text(facts, masker)
    if fmt == "md":
        return render_markdown(facts, masker)
    if fmt == "json":
        return render_json(facts, masker)
    if fmt == "sarif":
        return render_sarif(facts, masker, version=version)
    raise ValueError(f"unknown format {fmt!r}")
