"""SQL DDL replay with sqlglot: CREATE/ALTER/DROP TABLE, CREATE/DROP INDEX, constraints and enums.

Statements are applied in order to a ``Schema`` so that a migration folder replayed oldest first
gives the schema it produces. sqlglot is imported inside the functions: the TUI's cold start must not
pay for it. A statement sqlglot cannot parse (functions, triggers, ``DO $$`` blocks) is skipped, not
fatal: a schema with one unknown statement is still far more useful than none.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from phasegate.app.analyzers.schema_model import Column, EnumType, ForeignKey, Index, Schema, Table

_MYSQL_HINTS = re.compile(r"`|\bAUTO_INCREMENT\b|\bENGINE\s*=|\bUNSIGNED\b|\bMODIFY\s+COLUMN\b", re.I)
_SQLITE_HINTS = re.compile(r"\bAUTOINCREMENT\b|\bWITHOUT\s+ROWID\b|\bPRAGMA\b", re.I)
_PROVIDER_DIALECT = {"postgresql": "postgres", "postgres": "postgres", "cockroachdb": "postgres",
                     "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql"}


def guess_dialect(sql: str) -> str:
    """postgres, mysql or sqlite from tell-tale syntax; PostgreSQL when nothing tells."""
    if _MYSQL_HINTS.search(sql):
        return "mysql"
    if _SQLITE_HINTS.search(sql):
        return "sqlite"
    return "postgres"


def dialect_for_provider(provider: str | None) -> str | None:
    return _PROVIDER_DIALECT.get((provider or "").lower())


def _statements(sql: str, dialect: str) -> list[Any]:
    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        return [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError):
        pass
    out: list[Any] = []
    for chunk in re.split(r";\s*(?:\n|$)", sql):
        if not chunk.strip():
            continue
        try:
            out.extend(s for s in sqlglot.parse(chunk, read=dialect) if s is not None)
        except (ParseError, TokenError):
            continue
    return out


def _name(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Ordered):
        node = node.this
    if isinstance(node, exp.Schema) and node.this is not None:
        node = node.this
    return node.name if hasattr(node, "name") else str(node)


def _names(nodes: list[Any] | None) -> list[str]:
    return [_name(n) for n in nodes or []]


class SqlReplay:
    """Mutable schema state while statements are applied; keeps constraint names for DROP CONSTRAINT."""

    def __init__(self, schema: Schema, dialect: str) -> None:
        self.schema = schema
        self.dialect = dialect
        self.fk_names: dict[tuple[str, str], ForeignKey] = {}

    def apply_sql(self, sql: str, dialect: str | None = None) -> None:
        """Apply every statement of ``sql`` in order."""
        self.dialect = dialect or self.dialect
        for stmt in _statements(sql, self.dialect):
            self.apply(stmt)

    # --- helpers -------------------------------------------------------------------------------
    def table(self, name: str, create: bool = False) -> Table | None:
        table = self.schema.table(name)
        if table is None and create:
            table = Table(name=name)
            self.schema.tables.append(table)
        return table

    def _type(self, dtype: Any) -> str:
        return dtype.sql() if dtype is not None else "UNKNOWN"

    def column_from_def(self, table: Table, cdef: Any) -> Column:
        from sqlglot import exp

        col = Column(name=cdef.name, type=self._type(cdef.args.get("kind")))
        for constraint in cdef.args.get("constraints") or []:
            kind = constraint.args.get("kind")
            if isinstance(kind, exp.NotNullColumnConstraint):
                col.nullable = bool(kind.args.get("allow_null"))
            elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                col.primary_key, col.nullable = True, False
            elif isinstance(kind, exp.UniqueColumnConstraint):
                col.unique = True
            elif isinstance(kind, exp.DefaultColumnConstraint):
                col.default = kind.this.sql(self.dialect) if kind.this is not None else None
            elif isinstance(kind, exp.Reference):
                self.add_reference(table, [col.name], kind, None)
        if col.type.upper().startswith(("SERIAL", "BIGSERIAL", "SMALLSERIAL")):
            col.nullable = False
        return col

    def add_reference(self, table: Table, columns: list[str], ref: Any, name: str | None) -> None:
        target = ref.this
        ref_table = _name(target.this) if target is not None else "?"
        ref_cols = _names(target.expressions) if target is not None else []
        fk = ForeignKey(columns=columns, ref_table=ref_table, ref_columns=ref_cols)
        table.foreign_keys.append(fk)
        if name:
            self.fk_names[(table.name.lower(), name.lower())] = fk

    def add_constraint(self, table: Table, node: Any, name: str | None = None) -> None:
        from sqlglot import exp

        if isinstance(node, exp.Constraint):
            for inner in node.expressions:
                self.add_constraint(table, inner, node.name)
        elif isinstance(node, exp.ForeignKey):
            self.add_reference(table, _names(node.expressions), node.args.get("reference"), name)
        elif isinstance(node, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
            cols = _names(node.expressions)
            for col in table.columns:
                if col.name in cols:
                    col.primary_key, col.nullable = True, False
        elif isinstance(node, exp.UniqueColumnConstraint):
            schema = node.this
            cols = _names(schema.expressions) if schema is not None else []
            ix_name = name or (schema.this.name if schema is not None and schema.this is not None else None)
            if len(cols) == 1 and not ix_name and (col := table.column(cols[0])):
                col.unique = True
            else:
                table.indexes.append(Index(name=ix_name or f"{table.name}_{'_'.join(cols)}_key",
                                           columns=cols, unique=True))
        elif isinstance(node, exp.IndexColumnConstraint):
            cols = _names(node.expressions)
            table.indexes.append(Index(name=node.name or f"{table.name}_{'_'.join(cols)}_idx", columns=cols))

    def drop_constraint(self, table: Table, name: str) -> None:
        fk = self.fk_names.pop((table.name.lower(), name.lower()), None)
        if fk is not None:
            table.foreign_keys = [f for f in table.foreign_keys if f is not fk]
        table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() != name.lower()]

    # --- statements ----------------------------------------------------------------------------
    def apply(self, stmt: Any) -> None:
        from sqlglot import exp

        if isinstance(stmt, exp.Create):
            self.create(stmt)
        elif isinstance(stmt, exp.Alter) and (stmt.args.get("kind") or "TABLE").upper() == "TABLE":
            self.alter(stmt)
        elif isinstance(stmt, exp.Drop):
            self.drop(stmt)
        elif isinstance(stmt, exp.Command):
            self.command(stmt.sql(self.dialect))

    def create(self, stmt: Any) -> None:
        from sqlglot import exp

        kind = (stmt.args.get("kind") or "").upper()
        target = stmt.this
        if kind == "TABLE" and isinstance(target, exp.Schema):
            name = _name(target.this)
            existing = self.table(name)
            if existing is not None and stmt.args.get("exists"):
                return  # CREATE TABLE IF NOT EXISTS on a table we have: no-op
            if existing is not None:
                self.schema.tables.remove(existing)
            table = self.table(name, create=True)
            assert table is not None
            for item in target.expressions:
                if isinstance(item, exp.ColumnDef):
                    table.columns.append(self.column_from_def(table, item))
                else:
                    self.add_constraint(table, item)
        elif kind == "INDEX" and isinstance(target, exp.Index):
            table = self.table(_name(target.args.get("table")))
            params = target.args.get("params")
            cols = _names(params.args.get("columns")) if params is not None else []
            if table is not None:
                table.indexes.append(Index(name=target.name or None, columns=cols, unique=bool(stmt.args.get("unique"))))
        elif kind == "TYPE":
            dtype = stmt.args.get("expression")
            if dtype is not None and isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                name = _name(target)
                self.schema.enums = [e for e in self.schema.enums if e.name != name]
                self.schema.enums.append(EnumType(name=name, values=[v.this for v in dtype.expressions]))

    def alter(self, stmt: Any) -> None:
        from sqlglot import exp

        table = self.table(_name(stmt.this))
        if table is None:
            return
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                if table.column(action.name) is None:
                    table.columns.append(self.column_from_def(table, action))
            elif isinstance(action, exp.ModifyColumn):
                cdef = action.this
                old = action.args.get("rename_from")
                old_name = old.name if old is not None else cdef.name
                new_col = self.column_from_def(table, cdef)
                for i, col in enumerate(table.columns):
                    if col.name.lower() == old_name.lower():
                        new_col.primary_key = new_col.primary_key or col.primary_key
                        table.columns[i] = new_col
                        if old_name != new_col.name:
                            self._rename_column(table, old_name, new_col.name)
            elif isinstance(action, exp.AlterColumn):
                self._alter_column(table, action)
            elif isinstance(action, exp.RenameColumn):
                self._rename_column(table, _name(action.this), _name(action.args.get("to")))
            elif isinstance(action, exp.AlterRename):
                table.name = _name(action.this)
            elif isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self.add_constraint(table, item)
            elif isinstance(action, exp.Drop):
                kind = (action.args.get("kind") or "").upper()
                names = [_name(t) for t in action.args.get("tables") or []]
                if kind == "COLUMN":
                    low = {n.lower() for n in names}
                    table.columns = [c for c in table.columns if c.name.lower() not in low]
                    table.indexes = [ix for ix in table.indexes if not low & {c.lower() for c in ix.columns}]
                    table.foreign_keys = [f for f in table.foreign_keys if not low & {c.lower() for c in f.columns}]
                else:  # CONSTRAINT, FOREIGN KEY, INDEX, KEY
                    for name in names:
                        self.drop_constraint(table, name)

    def _alter_column(self, table: Table, action: Any) -> None:
        col = table.column(action.name)
        if col is None:
            return
        if action.args.get("dtype") is not None:
            col.type = self._type(action.args["dtype"])
        if "allow_null" in action.args and action.args.get("allow_null") is not None:
            col.nullable = bool(action.args["allow_null"])
        if action.args.get("default") is not None:
            col.default = action.args["default"].sql(self.dialect)
        elif action.args.get("drop") and action.args.get("allow_null") is None:
            col.default = None

    def _rename_column(self, table: Table, old: str, new: str) -> None:
        for col in table.columns:
            if col.name.lower() == old.lower():
                col.name = new
        for ix in table.indexes:
            ix.columns = [new if c.lower() == old.lower() else c for c in ix.columns]
        for fk in table.foreign_keys:
            fk.columns = [new if c.lower() == old.lower() else c for c in fk.columns]

    def drop(self, stmt: Any) -> None:
        from sqlglot import exp

        kind = (stmt.args.get("kind") or "").upper()
        names = [_name(t) for t in stmt.args.get("tables") or []]
        if kind == "TABLE":
            low = {n.lower() for n in names}
            self.schema.tables = [t for t in self.schema.tables if t.name.lower() not in low]
        elif kind == "INDEX":
            cluster = stmt.args.get("cluster")
            tables = [self.table(_name(cluster.this))] if isinstance(cluster, exp.OnProperty) else self.schema.tables
            low = {n.lower() for n in names}
            for table in tables:
                if table is not None:
                    table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() not in low]
        elif kind == "TYPE":
            self.schema.enums = [e for e in self.schema.enums if e.name not in names]

    def command(self, text: str) -> None:
        """Statements sqlglot keeps as raw commands; only ``ALTER TYPE … ADD VALUE`` matters here."""
        m = re.match(r"(?is)\s*ALTER\s+TYPE\s+\"?(\w+)\"?\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'([^']*)'", text)
        if m:
            for enum in self.schema.enums:
                if enum.name == m.group(1) and m.group(2) not in enum.values:
                    enum.values.append(m.group(2))
        m = re.match(r"(?is)\s*ALTER\s+TYPE\s+\"?(\w+)\"?\s+RENAME\s+VALUE\s+'([^']*)'\s+TO\s+'([^']*)'", text)
        if m:
            for enum in self.schema.enums:
                if enum.name == m.group(1):
                    enum.values = [m.group(3) if v == m.group(2) else v for v in enum.values]


def apply_sql(schema: Schema, sql: str, dialect: str | None = None) -> Schema:
    """Apply the DDL statements in ``sql`` to ``schema`` in order (mutating it) and return it."""
    SqlReplay(schema, dialect or guess_dialect(sql)).apply_sql(sql)
    return schema


def parse_sql(sql: str, dialect: str | None = None, source: str = "schema.sql") -> Schema:
    """A fresh schema from DDL text."""
    return apply_sql(Schema(sources=[source]), sql, dialect)


def goose_up(sql: str) -> str:
    """The ``-- +goose Up`` part of a goose migration (the Down part undoes it)."""
    m = re.search(r"--\s*\+goose\s+Up\b(.*?)(?:--\s*\+goose\s+Down\b|\Z)", sql, re.S | re.I)
    if not m:
        return sql
    return re.sub(r"--\s*\+goose\s+Statement(?:Begin|End)", "", m.group(1), flags=re.I)
