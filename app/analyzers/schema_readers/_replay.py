"""Replay of migration operations read from code (TypeORM's ``createTable`` API, Sequelize's
``queryInterface``, Knex's ``knex.schema``) onto a ``Schema``, with raw SQL going through ``SqlReplay``.

A reader turns each migration's ``up`` into a list of ``Op``s at parse time (plain data, so it can be
cached by blob id); ``replay`` applies the ops of every migration in order at build time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers.readers import SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, Schema, Table


@dataclass
class ColumnSpec:
    name: str
    type: str = "UNKNOWN"
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    default: str | None = None
    references: tuple[str, list[str]] | None = None  # (table, columns)

    def column(self) -> Column:
        return Column(name=self.name, type=self.type, nullable=self.nullable and not self.primary_key,
                      default=self.default, primary_key=self.primary_key, unique=self.unique)


@dataclass
class Op:
    """One schema operation. ``kind`` is one of: create_table, drop_table, rename_table, add_column,
    drop_column, rename_column, change_column, add_index, drop_index, add_fk, primary_key, sql, warn."""

    kind: str
    line: int
    table: str = ""
    columns: list[ColumnSpec] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # column names (drop/index/pk), or [old, new] for renames
    name: str | None = None  # index / constraint name, or the new table name
    unique: bool = False
    ref_table: str = ""
    ref_columns: list[str] = field(default_factory=list)
    sql: str = ""
    if_not_exists: bool = False


def _add_column(table: Table, spec: ColumnSpec) -> None:
    existing = table.column(spec.name)
    col = spec.column()
    if existing is not None:
        table.columns[table.columns.index(existing)] = col
    else:
        table.columns.append(col)
    if spec.references is not None:
        ref_table, ref_cols = spec.references
        table.foreign_keys.append(ForeignKey(columns=[spec.name], ref_table=ref_table, ref_columns=ref_cols))


def replay(schema: Schema, ops: list[Op], path: str, warnings: list[SourceWarning], dialect: str) -> None:
    """Apply ``ops`` (one migration's, in order) to ``schema``."""
    from phasegate.app.analyzers.sql_ddl import apply_sql

    for op in ops:
        if op.kind == "warn":
            warnings.append(SourceWarning(path=path, line=op.line, reason=op.sql))
            continue
        if op.kind == "sql":
            # apply_sql is the SQL path's own entry point; its warnings (when it gives them) carry lines
            # of the SQL string, which starts on the line of the call
            before = len(schema.warnings)
            apply_sql(schema, op.sql, dialect or None)
            for warning in schema.warnings[before:]:
                warnings.append(SourceWarning(path=path, line=op.line + (warning.line or 1) - 1,
                                              reason=warning.reason))
            del schema.warnings[before:]
            for table in schema.tables:
                if table.source is None or table.source == "schema.sql":
                    table.source, table.origin = path, "migrations"
            continue
        if op.kind == "create_table":
            existing = schema.table(op.table)
            if existing is not None and op.if_not_exists:
                continue
            if existing is not None:
                schema.tables.remove(existing)
            table = Table(name=op.table, source=path, origin="migrations")
            schema.tables.append(table)
            for spec in op.columns:
                _add_column(table, spec)
            continue
        if op.kind == "drop_table":
            low = op.table.lower()
            schema.tables = [t for t in schema.tables if t.name.lower() != low]
            continue
        table = schema.table(op.table)
        if table is None:
            if op.kind in {"add_column", "change_column"}:
                warnings.append(SourceWarning(path=path, line=op.line,
                                              reason=f"{op.kind} on table {op.table!r} that no earlier migration creates"))
            continue
        if op.kind == "rename_table" and op.name:
            table.name = op.name
        elif op.kind in {"add_column", "change_column"}:
            for cached_spec in op.columns:
                spec = dataclasses.replace(cached_spec)  # ops are cached facts: never change them
                if op.kind == "change_column" and op.names and op.names[0].lower() != spec.name.lower():
                    table.columns = [c for c in table.columns if c.name.lower() != op.names[0].lower()]
                if op.kind == "change_column":
                    old = table.column(op.names[0] if op.names else spec.name)
                    if old is not None and spec.type == "UNKNOWN":
                        spec.type = old.type
                _add_column(table, spec)
        elif op.kind == "drop_column":
            dropped = {n.lower() for n in op.names}
            table.columns = [c for c in table.columns if c.name.lower() not in dropped]
            table.indexes = [ix for ix in table.indexes if not dropped & {c.lower() for c in ix.columns}]
            table.foreign_keys = [f for f in table.foreign_keys if not dropped & {c.lower() for c in f.columns}]
        elif op.kind == "rename_column" and len(op.names) == 2:
            old, new = op.names
            for col in table.columns:
                if col.name.lower() == old.lower():
                    col.name = new
            for ix in table.indexes:
                ix.columns = [new if c.lower() == old.lower() else c for c in ix.columns]
            for fk in table.foreign_keys:
                fk.columns = [new if c.lower() == old.lower() else c for c in fk.columns]
        elif op.kind == "add_index":
            if op.unique and len(op.names) == 1 and op.name is None and (col := table.column(op.names[0])):
                col.unique = True
            else:
                table.indexes.append(Index(name=op.name, columns=list(op.names), unique=op.unique))
        elif op.kind == "drop_index":
            if op.name:
                table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() != op.name.lower()]
            elif op.names:
                cols = [c.lower() for c in op.names]
                table.indexes = [ix for ix in table.indexes if [c.lower() for c in ix.columns] != cols]
        elif op.kind == "add_fk":
            table.foreign_keys.append(ForeignKey(columns=list(op.names), ref_table=op.ref_table,
                                                 ref_columns=list(op.ref_columns)))
        elif op.kind == "drop_fk":
            cols = [c.lower() for c in op.names]
            table.foreign_keys = [f for f in table.foreign_keys if [c.lower() for c in f.columns] != cols]
        elif op.kind == "primary_key":
            for col in table.columns:
                if col.name in op.names:
                    col.primary_key, col.nullable = True, False


def default_text(value: Any) -> str | None:
    """A literal default as SQL-ish text: strings quoted, booleans and numbers as written."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None
