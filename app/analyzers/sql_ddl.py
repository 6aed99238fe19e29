"""Schema operations, their replay, and SQL DDL read into them with sqlglot.

Every migration tool is read into the same small list of operations (``CreateTable``, ``AddColumn``,
``RenameTable``…): SQL statements here, Alembic's ``op.*`` calls and Django's migration operations in
their readers. ``Replay`` applies operations in order to build the tables a migration history
produces. Operations hold plain data, so a file's operations can be cached by its blob id and replayed
again without re-parsing; the replay never mutates them (it copies what it keeps).

SQL is split into statements with sqlglot's own tokenizer (so a ``;`` inside a comment, a string or a
``$$`` body never splits a statement) and each statement is parsed alone: one statement sqlglot cannot
read is a warning with its line, never the loss of its neighbours. Each statement's syntax tree is
turned into operations at once and dropped, which keeps a 20,000-statement dump linear in time and
memory. sqlglot is imported inside the functions: the TUI's cold start must not pay for it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers.readers import SourceWarning
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


# --- operations ------------------------------------------------------------------------------------
@dataclass
class CreateTable:
    table: str
    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[tuple[str | None, ForeignKey]] = field(default_factory=list)  # (constraint name, fk)
    primary_key: list[str] = field(default_factory=list)
    if_not_exists: bool = False
    columns_known: bool = True
    line: int | None = None


@dataclass
class AddColumn:
    table: str
    column: Column
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    line: int | None = None


@dataclass
class DropColumn:
    table: str
    column: str
    line: int | None = None


@dataclass
class AlterColumn:
    table: str
    column: str
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    drop_default: bool = False
    new_name: str | None = None
    primary_key: bool | None = None
    unique: bool | None = None
    line: int | None = None


@dataclass
class ReplaceColumn:
    """MySQL ``MODIFY``/``CHANGE COLUMN``, Django's ``AlterField``: the column's whole definition anew."""

    table: str
    old_name: str
    column: Column
    line: int | None = None


@dataclass
class RenameTable:
    old: str
    new: str
    line: int | None = None


@dataclass
class DropTable:
    table: str
    line: int | None = None


@dataclass
class AddIndex:
    table: str
    index: Index
    line: int | None = None


@dataclass
class DropIndex:
    name: str
    table: str | None = None
    line: int | None = None


@dataclass
class AddForeignKey:
    table: str
    foreign_key: ForeignKey
    name: str | None = None
    line: int | None = None


@dataclass
class DropConstraint:
    table: str
    name: str
    line: int | None = None


@dataclass
class SetPrimaryKey:
    table: str
    columns: list[str]
    line: int | None = None


@dataclass
class CreateEnum:
    name: str
    values: list[str]
    line: int | None = None


@dataclass
class DropEnum:
    name: str
    line: int | None = None


@dataclass
class EnumValue:
    """``ALTER TYPE … ADD VALUE`` (``old`` None) or ``RENAME VALUE old TO new``."""

    name: str
    new: str
    old: str | None = None
    line: int | None = None


Op = (CreateTable | AddColumn | DropColumn | AlterColumn | ReplaceColumn | RenameTable | DropTable | AddIndex
      | DropIndex | AddForeignKey | DropConstraint | SetPrimaryKey | CreateEnum | DropEnum | EnumValue)


# --- replay ------------------------------------------------------------------------------------------
class Replay:
    """The tables and enums a sequence of operations produces; lookups by name are O(1)."""

    def __init__(self, origin: str = "migrations") -> None:
        self.origin = origin
        self.tables: dict[str, Table] = {}
        self.enums: dict[str, EnumType] = {}
        self.fk_names: dict[tuple[str, str], ForeignKey] = {}
        self.warnings: list[SourceWarning] = []

    def table(self, name: str, path: str | None = None, create: bool = False) -> Table | None:
        key = name.lower()
        table = self.tables.get(key)
        if table is None and create:
            # Altered before it was created here (made by another tool, or by code we cannot read):
            # known by name, its other columns unknown.
            table = Table(name=name, source=path, origin=self.origin, columns_known=False)  # type: ignore[arg-type]
            self.tables[key] = table
        return table

    def apply_all(self, ops: list[Op], path: str) -> None:
        for op in ops:
            self.apply(op, path)

    def apply(self, op: Op, path: str) -> None:
        if isinstance(op, CreateTable):
            self._create(op, path)
        elif isinstance(op, DropTable):
            self.tables.pop(op.table.lower(), None)
        elif isinstance(op, RenameTable):
            table = self.tables.pop(op.old.lower(), None)
            if table is not None:
                table.name = op.new
                self.tables[op.new.lower()] = table
        elif isinstance(op, (CreateEnum, DropEnum, EnumValue)):
            self._enum(op)
        elif isinstance(op, DropIndex):
            low = op.name.lower()
            if op.table is not None:
                found = self.table(op.table)
                tables = [found] if found is not None else []
            else:
                tables = list(self.tables.values())
            for table in tables:
                table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() != low]
        else:
            table = self.table(op.table, path, create=True)
            assert table is not None
            self._alter(table, op)

    def _create(self, op: CreateTable, path: str) -> None:
        key = op.table.lower()
        if key in self.tables and op.if_not_exists:
            return  # CREATE TABLE IF NOT EXISTS on a table we have: no-op
        table = Table(name=op.table, columns=[c.model_copy() for c in op.columns],
                      source=path, origin=self.origin, columns_known=op.columns_known)  # type: ignore[arg-type]
        self.tables.pop(key, None)
        self.tables[key] = table
        for index in op.indexes:
            self._alter(table, AddIndex(table=op.table, index=index))
        for name, fk in op.foreign_keys:
            self._add_fk(table, fk, name)
        if op.primary_key:
            self._set_pk(table, op.primary_key)

    def _add_fk(self, table: Table, fk: ForeignKey, name: str | None) -> None:
        # a copy (the op may be a cached reader's), made field by field: a deep model_copy was 3x slower
        fk = ForeignKey.model_construct(columns=list(fk.columns), ref_table=fk.ref_table,
                                        ref_columns=list(fk.ref_columns))
        table.foreign_keys.append(fk)
        if name:
            self.fk_names[(table.name.lower(), name.lower())] = fk

    @staticmethod
    def _set_pk(table: Table, columns: list[str]) -> None:
        low = {c.lower() for c in columns}
        for col in table.columns:
            if col.name.lower() in low:
                col.primary_key, col.nullable = True, False

    def _alter(self, table: Table, op: Op) -> None:
        if isinstance(op, AddColumn):
            if table.column(op.column.name) is None:
                table.columns.append(op.column.model_copy())
            for fk in op.foreign_keys:
                self._add_fk(table, fk, None)
        elif isinstance(op, DropColumn):
            low = op.column.lower()
            table.columns = [c for c in table.columns if c.name.lower() != low]
            table.indexes = [ix for ix in table.indexes if low not in {c.lower() for c in ix.columns}]
            table.foreign_keys = [f for f in table.foreign_keys if low not in {c.lower() for c in f.columns}]
        elif isinstance(op, AlterColumn):
            col = table.column(op.column)
            if col is None:
                return
            if op.type is not None:
                col.type = op.type
            if op.nullable is not None:
                col.nullable = op.nullable
            if op.default is not None:
                col.default = op.default
            elif op.drop_default:
                col.default = None
            if op.primary_key is not None:
                col.primary_key = op.primary_key
            if op.unique is not None:
                col.unique = op.unique
            if op.new_name and op.new_name != col.name:
                self._rename_column(table, col.name, op.new_name)
        elif isinstance(op, ReplaceColumn):
            new_col = op.column.model_copy()
            for i, col in enumerate(table.columns):
                if col.name.lower() == op.old_name.lower():
                    new_col.primary_key = new_col.primary_key or col.primary_key
                    table.columns[i] = new_col
                    if op.old_name != new_col.name:
                        self._rename_column(table, op.old_name, new_col.name)
                    break
        elif isinstance(op, AddIndex):
            index = op.index.model_copy(deep=True)
            if len(index.columns) == 1 and index.unique and not index.name and (col := table.column(index.columns[0])):
                col.unique = True
            else:
                table.indexes.append(index)
        elif isinstance(op, AddForeignKey):
            self._add_fk(table, op.foreign_key, op.name)
        elif isinstance(op, DropConstraint):
            fk = self.fk_names.pop((table.name.lower(), op.name.lower()), None)
            if fk is not None:
                table.foreign_keys = [f for f in table.foreign_keys if f is not fk]
            table.indexes = [ix for ix in table.indexes if (ix.name or "").lower() != op.name.lower()]
        elif isinstance(op, SetPrimaryKey):
            self._set_pk(table, op.columns)

    @staticmethod
    def _rename_column(table: Table, old: str, new: str) -> None:
        for col in table.columns:
            if col.name.lower() == old.lower():
                col.name = new
        for ix in table.indexes:
            ix.columns = [new if c.lower() == old.lower() else c for c in ix.columns]
        for fk in table.foreign_keys:
            fk.columns = [new if c.lower() == old.lower() else c for c in fk.columns]

    def _enum(self, op: CreateEnum | DropEnum | EnumValue) -> None:
        if isinstance(op, CreateEnum):
            self.enums.pop(op.name, None)
            self.enums[op.name] = EnumType(name=op.name, values=list(op.values))
        elif isinstance(op, DropEnum):
            self.enums.pop(op.name, None)
        else:
            enum = self.enums.get(op.name)
            if enum is None:
                return
            if op.old is None:
                if op.new not in enum.values:
                    enum.values.append(op.new)
            else:
                enum.values = [op.new if v == op.old else v for v in enum.values]

    def into(self, schema: Schema) -> Schema:
        schema.tables.extend(self.tables.values())
        schema.enums.extend(self.enums.values())
        schema.warnings.extend(self.warnings)
        return schema


# --- SQL into operations -----------------------------------------------------------------------------
@dataclass
class SqlFacts:
    """What one SQL text says: its operations, and (line, reason) for each statement we could not read."""

    ops: list[Op] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    dialect: str = "postgres"

    def warnings(self, path: str) -> list[SourceWarning]:
        return [SourceWarning(path=path, line=line, reason=reason) for line, reason in self.problems]


_SCHEMA_WORDS = {"TABLE", "INDEX", "TYPE", "VIEW", "SEQUENCE"}


def _quiet_sqlglot() -> None:
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def sql_facts(sql: str, dialect: str | None = None, first_line: int = 1) -> SqlFacts:
    """The operations of every statement of ``sql``; what sqlglot cannot read becomes a problem line."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ParseError, TokenError
    from sqlglot.tokens import TokenType

    _quiet_sqlglot()
    dialect = dialect or guess_dialect(sql)
    facts = SqlFacts(dialect=dialect)
    reader = Dialect.get_or_raise(dialect)
    try:
        tokens = reader.tokenize(sql)
    except TokenError as exc:
        facts.problems.append((_error_line(exc, first_line), f"SQL could not be tokenized ({_short(exc)}); "
                               "statements after this point were not read"))
        return facts
    chunks: list[list[Any]] = []
    chunk: list[Any] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if chunk:
                chunks.append(chunk)
                chunk = []
        else:
            chunk.append(token)
    if chunk:
        chunks.append(chunk)
    to_ops = _StatementOps(dialect)
    parser = reader.parser()  # ``parse`` resets it: one parser for every statement, as sqlglot.parse does
    for chunk in chunks:
        line = chunk[0].line + first_line - 1
        try:
            statements = parser.parse(chunk, sql)
        except ParseError as exc:
            if _touches_schema(chunk):
                facts.problems.append((line, f"SQL statement not read: {_short(exc)}"))
            continue
        for stmt in statements:
            if stmt is None:
                continue
            try:
                ops = to_ops.ops(stmt, line)
            except (AttributeError, TypeError, ValueError) as exc:  # a tree shape we did not expect
                facts.problems.append((line, f"SQL statement not understood: {exc}"))
                continue
            if ops is None:
                if _touches_schema(chunk):
                    facts.problems.append((line, "SQL statement not read: sqlglot kept it as raw text"))
                continue
            facts.ops.extend(ops)
    return facts


def _touches_schema(chunk: list[Any]) -> bool:
    """A CREATE/ALTER/DROP of a table, index, type, view or sequence: its loss would change the schema."""
    words = [t.text.upper() for t in chunk[:6]]
    if not words or words[0] not in ("CREATE", "ALTER", "DROP"):
        return False
    return any(w in _SCHEMA_WORDS for w in words[1:])


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _error_line(exc: Exception, first_line: int) -> int | None:
    m = re.search(r"[Ll]ine (\d+)", str(exc))
    return int(m.group(1)) + first_line - 1 if m else None


def _name(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Ordered):
        node = node.this
    if isinstance(node, exp.Schema) and node.this is not None:
        node = node.this
    return node.name if hasattr(node, "name") else str(node)


def _names(nodes: list[Any] | None) -> list[str]:
    return [_name(n) for n in nodes or []]


class _StatementOps:
    """One sqlglot statement into operations (None: not something the schema model reads)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._generators: dict[str | None, Any] = {}

    def _sql(self, node: Any, dialect: str | None) -> str:
        """``node.sql(dialect)`` with one generator per dialect and no copy of the node: ``Expression.sql``
        builds a dialect and a generator and deep-copies the node on every call, which was most of the
        time a 20,000-table dump took beyond sqlglot's own parse (docs/performance.md). The statement is
        ours and read once, so the generator may rewrite it in place."""
        generator = self._generators.get(dialect)
        if generator is None:
            from sqlglot.dialects.dialect import Dialect

            generator = self._generators[dialect] = Dialect.get_or_raise(dialect).generator()
        return str(generator.generate(node, copy=False))

    def ops(self, stmt: Any, line: int) -> list[Op] | None:
        from sqlglot import exp

        if isinstance(stmt, exp.Create):
            return self.create(stmt, line)
        if isinstance(stmt, exp.Alter):
            if (stmt.args.get("kind") or "TABLE").upper() == "TABLE":
                return self.alter(stmt, line)
            return []
        if isinstance(stmt, exp.Drop):
            return self.drop(stmt, line)
        if isinstance(stmt, exp.Command):
            return self.command(stmt, line)
        return []  # SELECT, INSERT, GRANT, COMMENT…: data or permissions, not the schema

    def _type(self, dtype: Any) -> str:
        return self._sql(dtype, None) if dtype is not None else "UNKNOWN"

    def column(self, cdef: Any, fks: list[ForeignKey]) -> Column:
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
                col.default = self._sql(kind.this, self.dialect) if kind.this is not None else None
            elif isinstance(kind, exp.Reference):
                fks.append(self.reference([col.name], kind))
        if col.type.upper().startswith(("SERIAL", "BIGSERIAL", "SMALLSERIAL")):
            col.nullable = False
        return col

    @staticmethod
    def reference(columns: list[str], ref: Any) -> ForeignKey:
        target = ref.this if ref is not None else None
        ref_table = _name(target.this) if target is not None else "?"
        ref_cols = _names(target.expressions) if target is not None else []
        return ForeignKey(columns=columns, ref_table=ref_table, ref_columns=ref_cols)

    def constraint(self, table: str, node: Any, name: str | None, line: int, columns: dict[str, Column],
                   ) -> list[Op]:
        """A table constraint as operations (applied right after the table's creation)."""
        from sqlglot import exp

        out: list[Op] = []
        if isinstance(node, exp.Constraint):
            for inner in node.expressions:
                out += self.constraint(table, inner, node.name, line, columns)
        elif isinstance(node, exp.ForeignKey):
            fk = self.reference(_names(node.expressions), node.args.get("reference"))
            out.append(AddForeignKey(table=table, foreign_key=fk, name=name, line=line))
        elif isinstance(node, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
            out.append(SetPrimaryKey(table=table, columns=_names(node.expressions), line=line))
        elif isinstance(node, exp.UniqueColumnConstraint):
            schema = node.this
            cols = _names(schema.expressions) if schema is not None else []
            ix_name = name or (schema.this.name if schema is not None and schema.this is not None else None)
            if len(cols) == 1 and not ix_name and cols[0].lower() in columns:
                columns[cols[0].lower()].unique = True
            else:
                out.append(AddIndex(table=table, index=Index(name=ix_name or f"{table}_{'_'.join(cols)}_key",
                                                             columns=cols, unique=True), line=line))
        elif isinstance(node, exp.IndexColumnConstraint):
            cols = _names(node.expressions)
            out.append(AddIndex(table=table, index=Index(name=node.name or f"{table}_{'_'.join(cols)}_idx",
                                                         columns=cols), line=line))
        return out

    def create(self, stmt: Any, line: int) -> list[Op]:
        from sqlglot import exp

        kind = (stmt.args.get("kind") or "").upper()
        target = stmt.this
        if kind == "TABLE" and isinstance(target, exp.Schema):
            name = _name(target.this)
            op = CreateTable(table=name, if_not_exists=bool(stmt.args.get("exists")), line=line)
            fks: list[ForeignKey] = []
            later: list[Any] = []
            for item in target.expressions:
                if isinstance(item, exp.ColumnDef):
                    op.columns.append(self.column(item, fks))
                else:
                    later.append(item)
            columns = {c.name.lower(): c for c in op.columns}
            rest: list[Op] = []
            for item in later:
                for sub in self.constraint(name, item, None, line, columns):
                    if isinstance(sub, SetPrimaryKey):
                        op.primary_key += sub.columns
                    elif isinstance(sub, AddForeignKey):
                        op.foreign_keys.append((sub.name, sub.foreign_key))
                    elif isinstance(sub, AddIndex):
                        op.indexes.append(sub.index)
                    else:
                        rest.append(sub)
            op.foreign_keys[:0] = [(None, fk) for fk in fks]
            return [op, *rest]
        if kind == "TABLE" and isinstance(target, exp.Table):  # CREATE TABLE … AS SELECT / LIKE
            return [CreateTable(table=_name(target), columns_known=False, line=line,
                                if_not_exists=bool(stmt.args.get("exists")))]
        if kind == "INDEX" and isinstance(target, exp.Index):
            params = target.args.get("params")
            cols = _names(params.args.get("columns")) if params is not None else []
            return [AddIndex(table=_name(target.args.get("table")), line=line,
                             index=Index(name=target.name or None, columns=cols, unique=bool(stmt.args.get("unique"))))]
        if kind == "TYPE":
            dtype = stmt.args.get("expression")
            if dtype is not None and isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                return [CreateEnum(name=_name(target), values=[v.this for v in dtype.expressions], line=line)]
        return []

    def alter(self, stmt: Any, line: int) -> list[Op]:
        from sqlglot import exp

        table = _name(stmt.this)
        out: list[Op] = []
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                fks: list[ForeignKey] = []
                col = self.column(action, fks)
                out.append(AddColumn(table=table, column=col, foreign_keys=fks, line=line))
            elif isinstance(action, exp.ModifyColumn):
                cdef = action.this
                old = action.args.get("rename_from")
                out.append(ReplaceColumn(table=table, old_name=old.name if old is not None else cdef.name,
                                         column=self.column(cdef, []), line=line))
            elif isinstance(action, exp.AlterColumn):
                allow_null = action.args.get("allow_null")
                default = action.args.get("default")
                out.append(AlterColumn(
                    table=table, column=action.name, line=line,
                    type=self._type(action.args["dtype"]) if action.args.get("dtype") is not None else None,
                    nullable=bool(allow_null) if allow_null is not None else None,
                    default=self._sql(default, self.dialect) if default is not None else None,
                    drop_default=bool(action.args.get("drop")) and allow_null is None))
            elif isinstance(action, exp.RenameColumn):
                out.append(AlterColumn(table=table, column=_name(action.this), new_name=_name(action.args.get("to")),
                                       line=line))
            elif isinstance(action, exp.AlterRename):
                to = next((o for o in stmt.args.get("options") or [] if isinstance(o, exp.ToTableProperty)), None)
                if to is not None:
                    # PostgreSQL's ``ALTER TABLE t RENAME col TO new`` (COLUMN is optional): sqlglot reads
                    # ``col`` as the new table name and leaves ``TO new`` as an option
                    out.append(AlterColumn(table=table, column=_name(action.this), new_name=_name(to.this),
                                           line=line))
                    continue
                out.append(RenameTable(old=table, new=_name(action.this), line=line))
                table = _name(action.this)
            elif isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    out += self.constraint(table, item, None, line, {})
            elif isinstance(action, exp.Drop):
                kind = (action.args.get("kind") or "").upper()
                names = [_name(t) for t in action.args.get("tables") or []]
                if kind == "COLUMN":
                    out += [DropColumn(table=table, column=n, line=line) for n in names]
                else:  # CONSTRAINT, FOREIGN KEY, INDEX, KEY
                    out += [DropConstraint(table=table, name=n, line=line) for n in names]
        return out

    def drop(self, stmt: Any, line: int) -> list[Op]:
        from sqlglot import exp

        kind = (stmt.args.get("kind") or "").upper()
        names = [_name(t) for t in stmt.args.get("tables") or []]
        if kind == "TABLE":
            return [DropTable(table=n, line=line) for n in names]
        if kind == "INDEX":
            cluster = stmt.args.get("cluster")
            on = _name(cluster.this) if isinstance(cluster, exp.OnProperty) else None
            return [DropIndex(name=n, table=on, line=line) for n in names]
        if kind == "TYPE":
            return [DropEnum(name=n, line=line) for n in names]
        return []

    def command(self, stmt: Any, line: int) -> list[Op] | None:
        """Statements sqlglot keeps as raw commands; ``ALTER TYPE … ADD/RENAME VALUE`` is read from tokens."""
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.errors import TokenError

        text = self._sql(stmt, self.dialect)
        try:
            tokens = Dialect.get_or_raise(self.dialect).tokenize(text)
        except TokenError:
            return None
        words = [t.text for t in tokens]
        upper = [w.upper() for w in words]
        if upper[:2] == ["ALTER", "TYPE"] and len(words) > 4:
            name = words[2]
            if upper[3:5] == ["ADD", "VALUE"]:
                return [EnumValue(name=name, new=words[-1], line=line)]
            if upper[3:5] == ["RENAME", "VALUE"] and len(words) >= 8 and upper[6] == "TO":
                return [EnumValue(name=name, old=words[5], new=words[7], line=line)]
        return None


def apply_sql(schema: Schema, sql: str, dialect: str | None = None, path: str = "schema.sql") -> Schema:
    """Apply the DDL statements in ``sql`` to ``schema`` in order and return it (a fresh replay)."""
    facts = sql_facts(sql, dialect)
    replay = Replay(origin="ddl")
    for table in schema.tables:
        replay.tables[table.name.lower()] = table
    for enum in schema.enums:
        replay.enums[enum.name] = enum
    replay.apply_all(facts.ops, path)
    schema.tables = list(replay.tables.values())
    schema.enums = list(replay.enums.values())
    schema.warnings.extend(facts.warnings(path))
    return schema


def parse_sql(sql: str, dialect: str | None = None, source: str = "schema.sql") -> Schema:
    """A fresh schema from DDL text."""
    return apply_sql(Schema(sources=[source]), sql, dialect, source)


def goose_up(sql: str) -> str:
    """The ``-- +goose Up`` part of a goose migration (the Down part undoes it)."""
    m = re.search(r"--\s*\+goose\s+Up\b(.*?)(?:--\s*\+goose\s+Down\b|\Z)", sql, re.S | re.I)
    if not m:
        return sql
    return re.sub(r"--\s*\+goose\s+Statement(?:Begin|End)", "", m.group(1), flags=re.I)
