"""SQL files: migration folders replayed oldest first, or standalone DDL files (``schema.sql``…).

Migrations are the SQL files of Prisma/Diesel/Flyway/golang-migrate/goose/SQLx/refinery layouts, or
any ``.sql`` in a ``migrations`` folder, replayed in natural order (``V10`` after ``V9``; Flyway's
``V<version>__`` files by their parsed version, so ``V1__`` < ``V1_1__`` < ``V2__`` < ``V10__``); down
migrations are not replayed. Other ``.sql`` files holding DDL are a schema dump, used where no
migration history exists (``schema.schema_from_parts``). Each file is read with sqlglot statement by
statement (``sql_ddl.sql_facts``); what cannot be read is a warning with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader
from phasegate.app.analyzers.schema_model import SchemaPart
from phasegate.app.analyzers.sql_ddl import Replay, SqlFacts, dialect_for_provider, guess_dialect, sql_facts

# Path patterns (file names, not code) of migration layouts.
_MIGRATION_SQL_RE = re.compile(
    r"(^|/)(?:migrations?|migrate|db/migration|schema_migrations)/(?:.*/)?[^/]+\.sql$"
    r"|(^|/)V\d+(?:[._]\d+)*__[^/]+\.sql$|(^|/)\d+_[^/]+\.up\.sql$",
    re.IGNORECASE,
)
_DOWN_SQL_RE = re.compile(r"(^|/)(?:down\.sql|[^/]+\.down\.sql|U\d+(?:[._]\d+)*__[^/]+\.sql|R__[^/]+\.sql)$", re.I)
# A Flyway versioned migration's file name: ``V`` + version parts split by ``.`` or ``_``, then ``__``.
_FLYWAY_NAME_RE = re.compile(r"^V(\d+(?:[._]\d+)*)__", re.IGNORECASE)
# Cheap pre-filters on a file's text: a file without these words has no DDL worth parsing.
_DDL_WORDS = ("create", "alter", "drop")


@dataclass(frozen=True)
class SqlFile:
    facts: SqlFacts | None  # None for the Prisma lock file
    text: str  # kept to re-read in another dialect when the project names one
    provider: str | None = None  # from ``migration_lock.toml``


def is_migration_sql(path: str) -> bool:
    return bool(_MIGRATION_SQL_RE.search(path)) and not _DOWN_SQL_RE.search(path)


def _wants_migration(path: str) -> bool:
    return (path[-4:].lower() == ".sql" and is_migration_sql(path)) or path.endswith("migration_lock.toml")


def _wants_ddl(path: str) -> bool:
    return path[-4:].lower() == ".sql" and not _MIGRATION_SQL_RE.search(path)


def _up_part(text: str) -> tuple[str, int]:
    """A goose migration's ``-- +goose Up`` part and the line it starts on (the Down part undoes it)."""
    lower = text.lower()
    marker = lower.find("+goose up")
    if marker < 0:
        return text, 1
    start = text.find("\n", marker)
    start = len(text) if start < 0 else start + 1
    end = lower.find("+goose down", start)
    if end < 0:
        body = text[start:]
    else:
        cut = lower.rfind("\n", start, end)  # the Down marker's line starts after this newline
        body = text[start:cut + 1] if cut >= 0 else ""
    # StatementBegin/End markers are comments to SQL: nothing to strip.
    return body, text.count("\n", 0, start) + 1


# A timestamp version written with dashes before the name (Diesel: ``2017-09-23-182408_name``).
_DASHED_VERSION_RE = re.compile(r"(?:^|(?<=/))(\d+(?:-\d+)+)(?=_)")


def _undashed(text: str) -> str:
    """Diesel's version is the digits before the first ``_`` with the dashes taken out, so
    ``2017-09-23-182408_x`` sorts as 20170923182408 among ``20170804200817_y`` (both styles occur in
    one folder); natural order would put 2017 before 20170804200817."""
    return _DASHED_VERSION_RE.sub(lambda m: m.group(1).replace("-", ""), text)


def replay_order(path: str) -> tuple[list[object], tuple[int, ...], list[object]]:
    """Sort key of a migration file: its folder, then its Flyway version (numbers, not text: ``V1_1__``
    sorts after ``V1__``, which the name's text order gets wrong), then its name in natural order."""
    folder, _, name = path.rpartition("/")
    match = _FLYWAY_NAME_RE.match(name)
    version = tuple(int(n) for n in re.split(r"[._]", match.group(1))) if match else ()
    return natural_key(_undashed(folder)), version, natural_key(_undashed(name))


def _parse_sql(path: str, text: str) -> SqlFile | None:
    if path.endswith("migration_lock.toml"):
        provider = None
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "provider":
                provider = value.strip().strip('"').strip("'")
        return SqlFile(facts=None, text="", provider=provider)
    lower = text.lower()
    if not any(word in lower for word in _DDL_WORDS):
        return None
    body, first = _up_part(text) if "+goose" in lower else (text, 1)
    facts = sql_facts(body, guess_dialect(body), first)
    if not facts.ops and not facts.problems:
        return None
    return SqlFile(facts=facts, text=body if first == 1 else "\n" * (first - 1) + body)


def _build(origin: str, reader: str):  # type: ignore[no-untyped-def]
    def build(parsed: dict[str, SqlFile]) -> SchemaPart:
        provider = next((f.provider for f in parsed.values() if f.provider), None)
        project_dialect = dialect_for_provider(provider)
        replay = Replay(origin=origin)
        sources: list[str] = []
        warnings = []
        for path in sorted(parsed, key=replay_order):
            sql = parsed[path]
            facts = sql.facts
            if facts is None:
                continue
            if project_dialect and facts.dialect != project_dialect:
                facts = sql_facts(sql.text, project_dialect)
            sources.append(path)
            warnings += facts.warnings(path)
            replay.apply_all(facts.ops, path)
        part = SchemaPart(reader=reader, origin=origin, tables=list(replay.tables.values()),  # type: ignore[arg-type]
                          enums=list(replay.enums.values()), sources=sources, warnings=warnings)
        return part

    return build


READERS = [
    Reader(name="sql-migrations", wants=_wants_migration, parse=_parse_sql, build=_build("migrations", "sql-migrations"),
           suffixes=frozenset({".sql", ".toml"})),
    Reader(name="sql-ddl", wants=_wants_ddl, parse=_parse_sql, build=_build("ddl", "sql-ddl"),
           suffixes=frozenset({".sql"})),
]
