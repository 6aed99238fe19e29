"""Migration safety: the PostgreSQL SQL migrations a change adds or edits, linted with squawk.

The schema diff says *what* a migration changes; squawk (``squawk-cli``, Apache-2.0/MIT, a PostgreSQL
migration linter shipped as a binary in a wheel) says whether running it is *safe* on a live database:
a ``NOT NULL`` column added without a default fails on a table with rows, an index built without
``CONCURRENTLY`` blocks writes while it builds, a type change rewrites the table under an ``ACCESS
EXCLUSIVE`` lock, a dropped or renamed column breaks the code that still reads it. Each violation is a
finding whose kind is ``squawk/<squawk's rule id>``, with its file and line.

Only what the change wrote is judged: an added (or copied or renamed) migration file whole, an edited
one on its added lines. Only PostgreSQL: the dialect is decided as the schema readers decide it (the
nearest Prisma ``migration_lock.toml`` provider, else the SQL's tell-tale syntax,
``sql_ddl.guess_dialect``); MySQL, SQLite… migrations are skipped (their destructive changes are
flagged by the schema diff). A goose file is linted on its ``-- +goose Up`` part only.

squawk runs once per review over all the files, written into a scratch folder (the review may be of a
commit that is not checked out), with ``--reporter json`` and an explicit config: the repository's own
``.squawk.toml`` when it has one, else phasegate's, which leaves out the two rules about statement
hygiene rather than safety (``prefer-robust-stmts``, ``require-timeout-settings``). It never reaches the
network (linting has no network code; the environment it gets holds no token). A missing binary or a
failed run is one finding saying so, never silence.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_vendored
from phasegate.app.analyzers.migration_reversal import classify
from phasegate.app.analyzers.readers import SourceWarning
from phasegate.app.analyzers.schema_readers.sql import is_migration_sql
from phasegate.app.analyzers.sql_ddl import dialect_for_provider, guess_dialect
from phasegate.phases.diffs import parse_diff
from phasegate.phases.findings import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from phasegate.app.analyzers._files import Tree

__all__ = ["KIND_PREFIX", "MigrationLint", "lint_migrations", "rule_info", "squawk_binary"]

KIND_PREFIX = "squawk/"
SQUAWK_TIMEOUT_S = 120
MAX_MIGRATION_BYTES = 2 * 1024 * 1024
# Statement hygiene, not safety: squawk's idempotency rule (IF NOT EXISTS everywhere) and its timeout
# rules flag nearly every migration, safe or not. A project's own .squawk.toml decides instead.
DEFAULT_CONFIG = 'excluded_rules = ["prefer-robust-stmts", "require-timeout-settings"]\n'

# Severities. Every rule about what running the migration does to a live table or to the code reading
# it (locks, rewrites, failing on existing rows, dropping or renaming what readers use) is ``medium``:
# shown in every review and format (SARIF ``warning``), failing ``--fail-on destructive`` and ``any``,
# but, like the schema diff's destructive changes, not blocking an approval: only the user knows how
# big the table is. Schema style preferences are ``low``. A rule not listed (a newer squawk) is medium.
LOW_RULES = frozenset({
    "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity", "prefer-text-field",
    "prefer-timestamp-tz", "prefer-timestamptz", "ban-char-field", "identifier-too-long", "unused-ignore",
    "require-table-schema", "prefer-robust-stmts", "require-timeout-settings", "require-lock-timeout",
    "require-statement-timeout",
})
# Our own one-line summaries for SARIF's rule descriptions (the full text is squawk's message).
RULE_SUMMARIES: dict[str, str] = {
    "adding-required-field": "A NOT NULL column added without a default: fails on a table that has rows",
    "adding-not-nullable-field": "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
    "adding-field-with-default": "A column added with a volatile default rewrites the table",
    "adding-foreign-key-constraint": "A foreign key added without NOT VALID locks both tables while it is checked",
    "adding-serial-primary-key-field": "A serial primary key added to an existing table rewrites it",
    "require-concurrent-index-creation": "An index built without CONCURRENTLY blocks writes while it builds",
    "require-concurrent-index-deletion": "An index dropped without CONCURRENTLY blocks reads and writes",
    "changing-column-type": "A column type change rewrites the table under an ACCESS EXCLUSIVE lock",
    "renaming-column": "A renamed column breaks the code that still reads the old name",
    "renaming-table": "A renamed table breaks the code that still reads the old name",
    "ban-drop-column": "A dropped column breaks the code that still reads it and loses its data",
    "ban-drop-table": "A dropped table breaks the code that still reads it and loses its data",
    "ban-drop-database": "A dropped database",
    "ban-drop-not-null": "Dropping NOT NULL lets old code meet nulls it never expected",
    "constraint-missing-not-valid": "A constraint added without NOT VALID scans the table under a lock",
    "disallowed-unique-constraint": "A UNIQUE constraint added without an index built concurrently blocks reads",
    "ban-concurrent-index-creation-in-transaction": "CONCURRENTLY inside a transaction fails",
}
SQUAWK_DOCS = "https://squawkhq.com/docs/"


def rule_info(kind: str) -> tuple[str, str, str, str] | None:
    """(name, short description, help, help URI) of a ``squawk/…`` finding kind for SARIF, else None."""
    if not kind.startswith(KIND_PREFIX):
        return None
    rule = kind[len(KIND_PREFIX):]
    name = "Squawk" + "".join(p.title() for p in rule.split("-"))
    short = RULE_SUMMARIES.get(rule, f"squawk: {rule.replace('-', ' ')}")
    help_text = (f"squawk's rule `{rule}` flags a PostgreSQL migration that is unsafe to run on a live database. "
                 f"{short}. Rewrite the migration the way the rule's page explains, or exclude the rule in the "
                 "repository's .squawk.toml when it does not apply.")
    return name, short, help_text, SQUAWK_DOCS + rule


@dataclass
class MigrationLint:
    """What the lint found: findings, what could not be read, and which files it linted or skipped."""

    findings: list[Finding] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    linted: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> its dialect (not PostgreSQL)


def squawk_binary() -> str | None:
    """The squawk binary: the one installed beside this Python (the ``squawk-cli`` wheel puts it in the
    environment's ``bin``, which need not be on PATH under pipx), else one on PATH."""
    name = "squawk.exe" if os.name == "nt" else "squawk"
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("squawk")


def is_sql_migration(path: str) -> bool:
    """A SQL migration file (not a down or undo file), by the layouts the migration review and the
    schema readers know; fixtures and vendored copies are not the project's migrations."""
    if not path.lower().endswith(".sql") or is_generated_or_fixture(path) or is_vendored(path):
        return False
    return classify(path) is not None or is_migration_sql(path)


def _up_part(text: str) -> str:
    """A goose file's ``-- +goose Up`` part, other lines blanked so squawk's line numbers stay the file's."""
    lines = text.split("\n")
    out: list[str] = []
    state = "before"
    for line in lines:
        marker = line.strip().lower().replace(" ", "")
        if marker.startswith("--+gooseup"):
            state = "up"
            out.append("")
            continue
        if marker.startswith("--+goosedown"):
            state = "down"
        out.append(line if state == "up" else "")
    return "\n".join(out)


class _Dialects:
    """The project's dialect for a migration: the nearest ``migration_lock.toml`` above it (Prisma's
    provider), read once per folder, else the file's own syntax."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._lock: dict[str, str | None] = {}

    def _provider(self, folder: str) -> str | None:
        if folder in self._lock:
            return self._lock[folder]
        provider = None
        text = self.tree.read_text(posixpath.join(folder, "migration_lock.toml") if folder else "migration_lock.toml",
                                   64 * 1024)
        if text is not None:
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "provider":
                    provider = value.strip().strip('"').strip("'")
        elif folder:
            provider = self._provider(posixpath.dirname(folder))
        self._lock[folder] = provider
        return provider

    def of(self, path: str, text: str) -> str:
        return dialect_for_provider(self._provider(posixpath.dirname(path))) or guess_dialect(text)


def _added_line_numbers(diff: str, paths: set[str]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {p: set() for p in paths}
    if not paths:
        return out
    for fd in parse_diff(diff):
        if fd.path not in paths:
            continue
        for hunk in fd.hunks:
            out[fd.path].update(line.new_no for line in hunk.parse_lines() if line.kind == "+" and line.new_no)
    return out


def _environment(home: str) -> dict[str, str]:
    # Nothing of the user's environment but PATH: no token squawk's GitHub upload would read, no config
    # found through HOME.
    return {"PATH": os.environ.get("PATH", ""), "HOME": home, "LANG": "C.UTF-8"}


def _unavailable(reason: str) -> Finding:
    return Finding("migration_lint_unavailable", "medium", "", 0,
                   f"PostgreSQL migrations were not linted for safety: {reason}")


def lint_migrations(tree: Tree, changes: Iterable[tuple[str, str]], diff: str = "") -> MigrationLint:
    """Lint the PostgreSQL SQL migrations among ``changes`` ((path, status) of the change, read from
    ``tree``, the change's newer side) with squawk, once; ``diff`` (the change's unified diff) tells the
    added lines of an edited migration, the only lines it is judged on."""
    result = MigrationLint()
    whole: dict[str, str] = {}
    edited: set[str] = set()
    dialects = _Dialects(tree)
    for path, status in sorted(changes):
        if status not in ("added", "copied", "renamed", "modified") or not is_sql_migration(path):
            continue
        text = tree.read_text(path, MAX_MIGRATION_BYTES)
        if text is None:
            result.warnings.append(SourceWarning(path=path, reason="migration not linted: it could not be read"))
            continue
        dialect = dialects.of(path, text)
        if dialect != "postgres":
            result.skipped[path] = dialect
            continue
        whole[path] = _up_part(text) if "+goose" in text.lower() else text
        if status == "modified":
            edited.add(path)
    if not whole:
        return result
    binary = squawk_binary()
    if binary is None:
        result.findings.append(_unavailable("the squawk binary is not installed (pip install squawk-cli)."))
        return result
    added = _added_line_numbers(diff, edited)
    violations = _run_squawk(binary, tree, whole, result)
    if violations is None:
        return result
    result.linted = sorted(whole)
    seen: set[tuple[str, int, str]] = set()
    for v in violations:
        path = str(v.get("file") or "")
        if path not in whole:
            continue
        rule = str(v.get("rule_name") or "unknown")
        start = int(v.get("line") or 0) + 1  # squawk counts lines from 0
        end = max(int(v.get("line_end") or 0) + 1, start)
        if path in edited and not any(n in added[path] for n in range(start, end + 1)):
            continue  # an edited migration answers only for its added lines
        if rule == "syntax-error":
            if (path, 0, rule) not in seen:  # the first error of a file says enough
                seen.add((path, 0, rule))
                result.warnings.append(SourceWarning(path=path, line=start,
                                                     reason=f"migration not fully linted: squawk: {v.get('message')}"))
            continue
        if (path, start, rule) in seen:
            continue
        seen.add((path, start, rule))
        message = str(v.get("message") or rule).strip()
        help_text = str(v.get("help") or "").strip()
        lines = whole[path].split("\n")
        evidence = lines[start - 1].strip()[:160] if 0 < start <= len(lines) else ""
        severity: Severity = "low" if rule in LOW_RULES else "medium"
        result.findings.append(Finding(KIND_PREFIX + rule, severity, path, start,
                                       f"{message} {help_text}".strip(), evidence))
    return result


def _run_squawk(binary: str, tree: Tree, files: dict[str, str], result: MigrationLint) -> list[dict[str, Any]] | None:
    """squawk's JSON violations of ``files`` (path -> text), or None after adding the finding that says
    why it could not run."""
    with tempfile.TemporaryDirectory(prefix="phasegate-squawk-") as tmp:
        root = Path(tmp) / "tree"
        for path, text in files.items():
            target = root / path
            if not target.resolve().is_relative_to(root.resolve()):  # a git path never climbs out; be sure
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", errors="surrogateescape")
        config = Path(tmp) / "squawk.toml"
        config.write_text(tree.read_text(".squawk.toml", 64 * 1024) or DEFAULT_CONFIG, encoding="utf-8")
        command = [binary, "--reporter", "json", "--config", str(config), "--", *sorted(files)]
        try:
            proc = subprocess.run(command, cwd=root, env=_environment(tmp), capture_output=True, text=True,
                                  timeout=SQUAWK_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            result.findings.append(_unavailable(f"squawk did not finish within {SQUAWK_TIMEOUT_S} s."))
            return None
        except OSError as exc:
            result.findings.append(_unavailable(f"squawk could not be started ({exc.strerror or exc})."))
            return None
    why = (proc.stderr.strip().splitlines() or [""])[0][:200]
    if proc.returncode not in (0, 1):
        result.findings.append(_unavailable(f"squawk exited with code {proc.returncode}" + (f": {why}" if why else ".")))
        return None
    try:
        data = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list):
        result.findings.append(_unavailable("squawk's output was not the JSON report it should print."))
        return None
    return [v for v in data if isinstance(v, dict)]
