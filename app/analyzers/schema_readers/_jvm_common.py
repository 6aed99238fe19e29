"""Small table edits shared by the JVM, Ruby, PHP, C# and Rust schema readers (Liquibase, Rails, Laravel,
EF Core migrations), and their bridge to the SQL replay for raw SQL inside a migration.

Only ``sql_ddl.apply_sql`` is used of the SQL replay: it applies statements to a ``Schema`` in place,
whatever replay sits behind it.
"""

from __future__ import annotations

from phasegate.app.analyzers.readers import SourceWarning
from phasegate.app.analyzers.schema_model import ForeignKey, Schema, Table


def rename_column(table: Table, old: str, new: str) -> None:
    low = old.lower()
    for col in table.columns:
        if col.name.lower() == low:
            col.name = new
    for ix in table.indexes:
        ix.columns = [new if c.lower() == low else c for c in ix.columns]
    for fk in table.foreign_keys:
        fk.columns = [new if c.lower() == low else c for c in fk.columns]


def remove_columns(table: Table, names: list[str]) -> None:
    """Drop columns and the indexes and foreign keys that use them."""
    low = {n.lower() for n in names}
    table.columns = [c for c in table.columns if c.name.lower() not in low]
    table.indexes = [ix for ix in table.indexes if not low & {c.lower() for c in ix.columns}]
    table.foreign_keys = [f for f in table.foreign_keys if not low & {c.lower() for c in f.columns}]


class NamedConstraints:
    """Foreign keys by constraint name, so that a later drop by name finds them."""

    def __init__(self) -> None:
        self.fks: dict[tuple[str, str], ForeignKey] = {}

    def add(self, table: Table, fk: ForeignKey, name: str | None) -> None:
        table.foreign_keys.append(fk)
        if name:
            self.fks[(table.name.lower(), name.lower())] = fk

    def drop(self, table: Table, name: str) -> None:
        fk = self.fks.pop((table.name.lower(), name.lower()), None)
        if fk is not None:
            table.foreign_keys = [f for f in table.foreign_keys if f is not fk]
        table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() != name.lower()]


def apply_sql(schema: Schema, sql: str, dialect: str | None, path: str, origin: str,
              line: int | None = None) -> list[SourceWarning]:
    """Apply raw SQL to ``schema`` in place; new tables get ``path`` and ``origin``. Returns its warnings."""
    from phasegate.app.analyzers import sql_ddl

    before = {t.name.lower() for t in schema.tables}
    had = len(schema.warnings)
    try:
        sql_ddl.apply_sql(schema, sql, dialect)
    except Exception as exc:  # noqa: BLE001 - sqlglot raises many kinds; a statement must not end the read
        return [SourceWarning(path=path, line=line, reason=f"SQL not read ({type(exc).__name__}: {exc})")]
    for table in schema.tables:
        if table.name.lower() not in before:
            table.source, table.origin = path, origin  # type: ignore[assignment]
    found = schema.warnings[had:]
    del schema.warnings[had:]
    return [SourceWarning(path=path, line=line if line is not None else w.line, reason=w.reason) for w in found]
