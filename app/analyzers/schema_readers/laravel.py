"""Laravel migrations (``database/migrations/*.php``), replayed in file-name order with tree-sitter-php.

Of each migration only ``up()`` is read (``down()`` undoes it): ``Schema::create``/``Schema::table``
with their ``Blueprint`` closure (column types such as ``id``, ``increments``, ``string``,
``foreignId``/``foreignIdFor``, ``morphs``, ``timestamps``, ``softDeletes``, ``rememberToken``, and the
modifiers ``nullable``, ``default``, ``unique``, ``index``, ``primary``, ``constrained``,
``references()->on()``, ``change``; the table commands ``primary``, ``unique``, ``index``, ``foreign``,
``dropColumn``, ``renameColumn``, ``dropForeign``, ``dropIndex``…), ``Schema::drop``/``dropIfExists``,
``Schema::rename``, ``Schema::dropColumns``, and ``DB::statement`` of literal SQL (through the SQL
replay). A statement that cannot be read (a column name that is not a literal, an unknown Blueprint
method) is a warning.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import (
    is_own_code,
    natural_key,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._jvm_common import apply_sql, rename_column

if TYPE_CHECKING:
    from tree_sitter import Node

# Blueprint column methods: SQL type and, for the auto-increment ones, that they are the key.
COLUMN_TYPES: dict[str, str] = {
    "string": "VARCHAR", "char": "CHAR", "text": "TEXT", "tinyText": "TINYTEXT", "mediumText": "MEDIUMTEXT",
    "longText": "LONGTEXT", "integer": "INTEGER", "tinyInteger": "TINYINT", "smallInteger": "SMALLINT",
    "mediumInteger": "MEDIUMINT", "bigInteger": "BIGINT", "unsignedInteger": "INTEGER UNSIGNED",
    "unsignedTinyInteger": "TINYINT UNSIGNED", "unsignedSmallInteger": "SMALLINT UNSIGNED",
    "unsignedMediumInteger": "MEDIUMINT UNSIGNED", "unsignedBigInteger": "BIGINT UNSIGNED",
    "boolean": "BOOLEAN", "float": "FLOAT", "double": "DOUBLE", "decimal": "DECIMAL", "unsignedDecimal": "DECIMAL",
    "date": "DATE", "dateTime": "DATETIME", "dateTimeTz": "DATETIME", "time": "TIME", "timeTz": "TIME",
    "timestamp": "TIMESTAMP", "timestampTz": "TIMESTAMP", "year": "YEAR", "json": "JSON", "jsonb": "JSONB",
    "uuid": "UUID", "ulid": "CHAR(26)", "binary": "BLOB", "ipAddress": "VARCHAR(45)", "macAddress": "VARCHAR(17)",
    "enum": "ENUM", "set": "SET", "geometry": "GEOMETRY", "point": "POINT", "foreignId": "BIGINT UNSIGNED",
    "foreignUuid": "UUID", "foreignUlid": "CHAR(26)", "vector": "VECTOR",
}
INCREMENTS = {"id": "BIGINT UNSIGNED", "bigIncrements": "BIGINT UNSIGNED", "increments": "INTEGER UNSIGNED",
              "mediumIncrements": "MEDIUMINT UNSIGNED", "smallIncrements": "SMALLINT UNSIGNED",
              "tinyIncrements": "TINYINT UNSIGNED"}
IGNORED = {"engine", "charset", "collation", "comment", "temporary", "after", "first", "storedAs",
           "virtualAs", "invisible", "dropFullText", "dropSpatialIndex", "rawIndex",
           "dropConstrainedForeignId", "dropForeignIdFor", "renameIndex", "check"}


@dataclass
class Call:
    method: str
    args: list[Any]
    line: int


@dataclass
class Statement:
    kind: str  # create, table, drop, rename, dropColumns, sql
    args: list[Any]
    line: int
    chains: list[list[Call]] = field(default_factory=list)  # the closure's ``$table->…`` chains


@dataclass
class Migration:
    statements: list[Statement]
    warnings: list[SourceWarning] = field(default_factory=list)


class _NotLiteral(Exception):
    pass


# Variables of the ``up()`` being read that hold a literal or a ``config('key', default)`` value
# (``$tableNames = config('permission.table_names')``): set by ``parse`` for one file at a time.
_ENV: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("laravel_env", default=None)


def _config_ref(node: Node) -> dict[str, Any] | None:
    """``config('a.b', 'x')`` → {"~config": "a.b", "default": "x"}."""
    from phasegate.app.analyzers.treesitter import text

    if node.type != "function_call_expression" or text(node.child_by_field_name("function")) != "config":
        return None
    args = _args(node.child_by_field_name("arguments"))
    if not args or not isinstance(args[0], str):
        return None
    return {"~config": args[0], "default": args[1] if len(args) > 1 else None}


def _value(node: Node) -> Any:
    from phasegate.app.analyzers.treesitter import text

    kind = node.type
    if kind == "argument":
        named = [c for c in node.named_children if c.type != "name"]
        return _value(named[-1]) if named else None
    if kind in ("string", "encapsed_string"):
        if any(c.type not in ("string_content", "string_value", "escape_sequence") for c in node.named_children):
            raise _NotLiteral(text(node))
        return "".join(text(c) for c in node.named_children)
    if kind == "integer":
        return int(text(node), 0)
    if kind == "float":
        return float(text(node))
    if kind == "boolean":
        return text(node).lower() == "true"
    if kind == "null":
        return None
    if kind == "array_creation_expression":
        return [_value(c.named_children[-1]) for c in node.named_children if c.type == "array_element_initializer"]
    if kind == "class_constant_access_expression":
        return {"~class": text(node.named_children[0]).rsplit("\\", 1)[-1]} if text(node).endswith("::class") \
            else {"~": text(node)}
    if kind == "unary_op_expression" and text(node).startswith("-"):
        return -_value(node.named_children[-1])
    env = _ENV.get() or {}
    if kind == "variable_name" and text(node) in env:
        return env[text(node)]
    if kind == "subscript_expression" and len(node.named_children) == 2:
        base, key = _value(node.named_children[0]), _value(node.named_children[1])
        if isinstance(base, dict) and "~config" in base and isinstance(key, str):
            return {"~config": f"{base['~config']}.{key}", "default": None}
        if isinstance(base, dict) and key in base:
            return base[key]
    if kind == "function_call_expression" and (ref := _config_ref(node)) is not None:
        return ref
    raise _NotLiteral(text(node))


def _args(node: Node | None) -> list[Any]:
    if node is None:
        return []
    out = []
    for arg in node.named_children:
        if arg.type == "argument":
            out.append(_value(arg))
    return out


def _chain(node: Node) -> tuple[Node, list[Call]]:
    """``$table->string('x')->nullable()`` → (the ``$table`` node, [string('x'), nullable()])."""
    from phasegate.app.analyzers.treesitter import line, text

    calls: list[Call] = []
    while node.type in ("member_call_expression", "nullsafe_member_call_expression"):
        name = node.child_by_field_name("name")
        calls.append(Call(method=text(name), args=_args(node.child_by_field_name("arguments")), line=line(node)))
        obj = node.child_by_field_name("object")
        if obj is None:
            break
        node = obj
    calls.reverse()
    return node, calls


def _closure_chains(closure: Node, warnings: list[SourceWarning], path: str) -> list[list[Call]]:
    from phasegate.app.analyzers.treesitter import line, text

    body = closure.child_by_field_name("body")
    params = closure.child_by_field_name("parameters")
    var = None
    for param in params.named_children if params is not None else []:
        name = param.child_by_field_name("name")
        if name is not None:
            var = text(name)
            break
    chains: list[list[Call]] = []
    stack = list(reversed(body.named_children)) if body is not None else []
    while stack:
        stmt = stack.pop()
        if stmt.type == "expression_statement" and stmt.named_children:
            expr = stmt.named_children[0]
            if expr.type == "member_call_expression" and text(expr.child_by_field_name("name")) == "after":
                # ``$table->after('col', function () use ($table) { … })``: the columns inside are added after col
                arguments = expr.child_by_field_name("arguments")
                inner = [c for arg in (arguments.named_children if arguments is not None else [])
                         for c in arg.named_children if c.type in ("anonymous_function", "arrow_function")]
                if inner and (inner_body := inner[0].child_by_field_name("body")) is not None:
                    stack.extend(reversed(inner_body.named_children))
                    continue
            if expr.type in ("member_call_expression", "nullsafe_member_call_expression"):
                try:
                    obj, calls = _chain(expr)
                except _NotLiteral as exc:
                    warnings.append(SourceWarning(path=path, line=line(stmt),
                                                  reason=f"Blueprint call with an argument that is not a literal: {exc}"))
                    continue
                if text(obj) == var:
                    chains.append(calls)
            elif expr.type == "assignment_expression":
                continue  # ``$table->engine = 'InnoDB'``
        elif stmt.type in ("if_statement", "compound_statement", "else_clause", "else_if_clause", "foreach_statement"):
            stack.extend(reversed([c for c in stmt.named_children]))
    return chains


def _statements(body: Node, path: str, out: Migration) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in ("scoped_call_expression", "member_call_expression"):
            scope = node.child_by_field_name("scope")
            obj = node.child_by_field_name("object")
            name = text(node.child_by_field_name("name"))
            is_schema = (scope is not None and text(scope).rsplit("\\", 1)[-1] == "Schema") or (
                obj is not None and obj.type == "scoped_call_expression"
                and text(obj.child_by_field_name("scope")).rsplit("\\", 1)[-1] == "Schema")
            is_db = scope is not None and text(scope).rsplit("\\", 1)[-1] == "DB" and name in ("statement", "unprepared")
            if is_schema or is_db:
                arguments = node.child_by_field_name("arguments")
                plain, closure = [], None
                try:
                    for arg in arguments.named_children if arguments is not None else []:
                        inner = [c for c in arg.named_children if c.type != "name"]
                        if inner and inner[-1].type in ("anonymous_function", "anonymous_function_creation_expression",
                                                        "arrow_function"):
                            closure = inner[-1]
                        elif arg.type == "argument":
                            plain.append(_value(arg))
                except _NotLiteral as exc:
                    out.warnings.append(SourceWarning(path=path, line=line(node),
                                                      reason=f"{text(scope or obj)}::{name} with an argument that is "
                                                             f"not a literal: {exc}"))
                    continue
                stmt = Statement(kind="sql" if is_db else name, args=plain, line=line(node))
                if closure is not None:
                    stmt.chains = _closure_chains(closure, out.warnings, path)
                out.statements.append(stmt)
                continue
        if node.type == "if_statement":
            branch = _sqlite_branch(node)
            if branch is not None:
                stack.extend(reversed(branch))
                continue
        stack.extend(reversed(node.named_children))


def _sqlite_branch(node: Node) -> list[Node] | None:
    """For ``if (<driver> === 'sqlite') {…} else {…}``, the nodes to read: the other databases' branch.

    SQLite cannot alter columns, so migrations rebuild its tables in a branch of their own that ends in
    the same schema; reading both branches would apply the change twice. None: not such an ``if``."""
    from phasegate.app.analyzers.treesitter import text

    condition = node.child_by_field_name("condition")
    cond = text(condition).lower()
    if "sqlite" not in cond:
        return None
    body = node.child_by_field_name("body")
    alternatives = [c for c in node.named_children if c.type in ("else_clause", "else_if_clause")]
    negated = "!==" in cond or "!=" in cond
    if negated:
        return [body] if body is not None else []
    return alternatives


@dataclass
class SchemaDump:
    """``database/schema/<connection>-schema.sql``: what ``php artisan schema:dump`` squashed, loaded first."""

    sql: str
    dialect: str
    ran: list[str]  # the migrations the dump records as run (its ``INSERT INTO migrations`` rows)


def _is_dump(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 3 and parts[-3] == "database" and parts[-2] == "schema" and parts[-1].endswith("-schema.sql")


def _schema_dump(path: str, source: str) -> SchemaDump:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    connection = path.rsplit("/", 1)[-1].removesuffix("-schema.sql")
    dialect = {"pgsql": "postgres", "sqlite": "sqlite"}.get(connection, "mysql")
    ran: list[str] = []
    # only the INSERT statements are parsed here; the DDL goes through the SQL replay in ``build``
    for chunk in source.split(";\n"):
        if "insert into" not in chunk.lower() or "migrations" not in chunk:
            continue
        try:
            statements = sqlglot.parse(chunk, read=dialect)
        except (ParseError, TokenError):
            continue
        for stmt in statements:
            if not isinstance(stmt, exp.Insert):
                continue
            target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
            if getattr(target, "name", "") != "migrations" or not isinstance(stmt.expression, exp.Values):
                continue
            for row in stmt.expression.expressions:
                names = [v.this for v in row.expressions if isinstance(v, exp.Literal) and v.is_string]
                ran.extend(names[:1])
    return SchemaDump(sql=source, dialect=dialect, ran=ran)


def parse(path: str, source: str) -> Migration | ConfigFile | SchemaDump | None:
    from phasegate.app.analyzers.treesitter import parse as ts_parse
    from phasegate.app.analyzers.treesitter import text

    if _is_dump(path):
        return _schema_dump(path, source)
    if _is_config(path):
        return _config_file(path, ts_parse("php", source).root_node) if "table" in source else None
    if "Schema" not in source and "DB::" not in source:
        return None
    root = ts_parse("php", source).root_node
    out = Migration(statements=[])
    stack = [root]
    found = False
    while stack:
        node = stack.pop()
        if node.type == "method_declaration" and text(node.child_by_field_name("name")) == "up":
            body = node.child_by_field_name("body")
            if body is not None:
                token = _ENV.set(_assignments(body))
                try:
                    _statements(body, path, out)
                finally:
                    _ENV.reset(token)
                found = True
            continue
        stack.extend(reversed(node.named_children))
    return out if found else None


def _assignments(body: Node) -> dict[str, Any]:
    """``$name = <literal or config(...)>`` assignments of a method body (the last one wins)."""
    from phasegate.app.analyzers.treesitter import text

    env: dict[str, Any] = {}
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and left.type == "variable_name":
                token = _ENV.set(env)
                try:
                    env[text(left)] = _value(right)
                except (_NotLiteral, ValueError):
                    pass
                finally:
                    _ENV.reset(token)
            continue
        if node.type in ("anonymous_function", "arrow_function"):
            continue
        stack.extend(node.named_children)
    return env


def _is_config(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 2 and parts[-2] == "config" and path.endswith(".php")


@dataclass
class ConfigFile:
    values: dict[str, Any]  # flattened: ``permission.table_names.roles`` → ``roles``


def _config_file(path: str, root: Node) -> ConfigFile | None:
    """A Laravel ``config/<name>.php`` returning an array: its literal values by dotted key."""
    prefix = path.rsplit("/", 1)[-1].removesuffix(".php")
    values: dict[str, Any] = {}

    def walk(array: Node, key: str) -> None:
        for element in (c for c in array.named_children if c.type == "array_element_initializer"):
            parts = [c for c in element.named_children if c.type not in ("comment",)]
            if len(parts) != 2:
                continue
            try:
                name = _value(parts[0])
            except _NotLiteral:
                continue
            if parts[1].type == "array_creation_expression":
                walk(parts[1], f"{key}.{name}")
                continue
            try:
                values[f"{key}.{name}"] = _value(parts[1])
            except _NotLiteral:
                continue

    ret = next((n for n in root.named_children if n.type == "return_statement"), None)
    array = next((c for c in ret.named_children if c.type == "array_creation_expression"), None) if ret else None
    if array is None:
        return None
    walk(array, prefix)
    return ConfigFile(values=values)


def plural(word: str) -> str:
    """English plural as Laravel's ``Str::plural`` does for common table names."""
    low = word.lower()
    if low.endswith("y") and len(word) > 1 and low[-2] not in "aeiou":
        return word[:-1] + "ies"
    if low.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    if low == "person":
        return "people"
    if low.endswith("child"):
        return word + "ren"
    return word + "s"


def snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and (name[i - 1].islower() or name[i - 1].isdigit()):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class _Replay:
    def __init__(self) -> None:
        self.schema = Schema()
        self.warnings: list[SourceWarning] = []
        self.path = ""

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append(SourceWarning(path=self.path, line=line, reason=reason))

    def table(self, name: Any, line: int) -> Table:
        table = self.schema.table(str(name))
        if table is None:
            # a table made outside these migrations (a package's, a squashed dump): known by name only
            table = Table(name=str(name), source=self.path, origin="migrations", columns_known=False)
            self.schema.tables.append(table)
        return table

    def apply(self, stmt: Statement) -> None:
        args = stmt.args
        if stmt.kind in ("create", "createIfNotExists") and args:
            existing = self.schema.table(str(args[0]))
            if existing is not None and stmt.kind == "createIfNotExists":
                return
            if existing is not None:
                self.schema.tables.remove(existing)
            table = Table(name=str(args[0]), source=self.path, origin="migrations")
            self.schema.tables.append(table)
            self.blueprint(table, stmt)
        elif stmt.kind == "table" and args:
            self.blueprint(self.table(args[0], stmt.line), stmt)
        elif stmt.kind in ("drop", "dropIfExists"):
            low = {str(a).lower() for a in args}
            self.schema.tables = [t for t in self.schema.tables if t.name.lower() not in low]
        elif stmt.kind == "rename" and len(args) >= 2:
            self.table(args[0], stmt.line).name = str(args[1])
        elif stmt.kind == "dropColumns" and len(args) >= 2:
            cols = args[1] if isinstance(args[1], list) else args[1:]
            self.remove_columns(self.table(args[0], stmt.line), [str(c) for c in cols])
        elif stmt.kind == "sql" and args and isinstance(args[0], str):
            self.warnings.extend(apply_sql(self.schema, args[0], "mysql", self.path, "migrations", stmt.line))
        elif stmt.kind in ("hasTable", "hasColumn", "hasColumns", "hasIndex", "getColumnListing", "connection",
                           "disableForeignKeyConstraints", "enableForeignKeyConstraints", "withoutForeignKeyConstraints",
                           "defaultStringLength", "getColumnType", "hasView", "getTables", "getIndexes",
                           "getForeignKeys", "getConnection", "dropAllTables", "morphUsingUuids", "getColumns"):
            return
        else:
            self.warn(stmt.line, f"Schema::{stmt.kind} is not read")

    def remove_columns(self, table: Table, names: list[str]) -> None:
        low = {n.lower() for n in names}
        table.columns = [c for c in table.columns if c.name.lower() not in low]
        table.indexes = [ix for ix in table.indexes if not low & {c.lower() for c in ix.columns}]
        table.foreign_keys = [f for f in table.foreign_keys if not low & {c.lower() for c in f.columns}]

    def put(self, table: Table, col: Column, change: bool) -> Column:
        existing = table.column(col.name)
        if existing is not None:
            if change:
                col.primary_key = col.primary_key or existing.primary_key
            table.columns[table.columns.index(existing)] = col
        else:
            table.columns.append(col)
        return col

    def blueprint(self, table: Table, stmt: Statement) -> None:
        for chain in stmt.chains:
            head, mods = chain[0], chain[1:]
            method, args = head.method, head.args
            names = {m.method for m in mods}
            change = "change" in names
            try:
                made = self.column_method(table, method, args, change)
            except (IndexError, TypeError, ValueError):
                self.warn(head.line, f"$table->{method}(…) could not be read")
                continue
            if made is None:
                self.table_command(table, chain)
                continue
            for col in made:
                self.modifiers(table, col, mods)

    def column_method(self, table: Table, method: str, args: list[Any], change: bool) -> list[Column] | None:
        if method in INCREMENTS:
            name = str(args[0]) if args else "id"
            return [self.put(table, Column(name=name, type=INCREMENTS[method], nullable=False, primary_key=True,
                                           default="autoincrement"), change)]
        if method == "foreignIdFor":
            model = args[0].get("~class", "") if isinstance(args[0], dict) else str(args[0])
            name = str(args[1]) if len(args) > 1 and args[1] else f"{snake(model)}_id"
            return [self.put(table, Column(name=name, type="BIGINT UNSIGNED", nullable=False), change)]
        if method in COLUMN_TYPES:
            sql_type = COLUMN_TYPES[method]
            if method in ("string", "char"):
                length = args[1] if len(args) > 1 and isinstance(args[1], int) else 255
                sql_type = f"{sql_type}({length})"
            elif method in ("decimal", "unsignedDecimal", "double", "float") and len(args) > 1:
                nums = [a for a in args[1:] if isinstance(a, int)]
                if nums:
                    sql_type = f"{sql_type}({','.join(map(str, nums))})"
            elif method in ("enum", "set") and len(args) > 1 and isinstance(args[1], list):
                sql_type = f"{sql_type}({', '.join(repr(str(v)) for v in args[1])})"
            nullable = False
            return [self.put(table, Column(name=str(args[0]), type=sql_type, nullable=nullable), change)]
        if method in ("timestamps", "timestampsTz", "nullableTimestamps", "datetimes"):
            kind = "DATETIME" if method == "datetimes" else "TIMESTAMP"
            return [self.put(table, Column(name=n, type=kind), change) for n in ("created_at", "updated_at")]
        if method in ("softDeletes", "softDeletesTz", "softDeletesDatetime"):
            name = str(args[0]) if args else "deleted_at"
            return [self.put(table, Column(name=name, type="TIMESTAMP"), change)]
        if method == "rememberToken":
            return [self.put(table, Column(name="remember_token", type="VARCHAR(100)"), change)]
        if method in ("morphs", "nullableMorphs", "uuidMorphs", "nullableUuidMorphs", "ulidMorphs",
                      "nullableUlidMorphs", "numericMorphs", "nullableNumericMorphs"):
            base = str(args[0])
            nullable = method.startswith("nullable")
            id_type = "UUID" if "Uuid" in method else "CHAR(26)" if "Ulid" in method else "BIGINT UNSIGNED"
            self.put(table, Column(name=f"{base}_type", type="VARCHAR(255)", nullable=nullable), change)
            self.put(table, Column(name=f"{base}_id", type=id_type, nullable=nullable), change)
            table.indexes.append(Index(name=f"{table.name}_{base}_type_{base}_id_index",
                                       columns=[f"{base}_type", f"{base}_id"]))
            return []  # morph columns take no modifiers of their own here
        return None

    def modifiers(self, table: Table, col: Column, mods: list[Call]) -> None:
        for mod in mods:
            name, args = mod.method, mod.args
            if name == "nullable":
                col.nullable = args[0] is not False if args else True
            elif name == "default":
                value = args[0] if args else None
                col.default = None if value is None else (value["~"] if isinstance(value, dict) and "~" in value
                                                          else str(value))
            elif name in ("useCurrent",):
                col.default = "CURRENT_TIMESTAMP"
            elif name == "unsigned" and "UNSIGNED" not in col.type:
                col.type += " UNSIGNED"
            elif name == "unique":
                col.unique = True
            elif name == "index":
                table.indexes.append(Index(name=str(args[0]) if args and args[0] else f"{table.name}_{col.name}_index",
                                           columns=[col.name]))
            elif name == "primary":
                col.primary_key, col.nullable = True, False
            elif name in ("autoIncrement",):
                col.default = "autoincrement"
            elif name == "constrained":
                target = str(args[0]) if args and args[0] else plural(col.name.rsplit("_", 1)[0])
                ref_col = str(args[1]) if len(args) > 1 and args[1] else "id"
                table.foreign_keys.append(ForeignKey(columns=[col.name], ref_table=target, ref_columns=[ref_col]))
            elif name == "references":
                ref_cols = args[0] if args and isinstance(args[0], list) else [str(args[0])] if args else ["id"]
                on = next((m for m in mods if m.method == "on"), None)
                target = str(on.args[0]) if on is not None and on.args else "?"
                table.foreign_keys.append(ForeignKey(columns=[col.name], ref_table=target,
                                                     ref_columns=[str(c) for c in ref_cols]))

    def table_command(self, table: Table, chain: list[Call]) -> None:
        head = chain[0]
        method, args = head.method, head.args
        cols = [str(c) for c in (args[0] if args and isinstance(args[0], list) else args[:1])]
        if method in ("primary", "unique", "index", "fullText", "fulltext", "spatialIndex"):
            if method == "primary":
                for name in cols:
                    col = table.column(name)
                    if col is not None:
                        col.primary_key, col.nullable = True, False
                return
            name = str(args[1]) if len(args) > 1 and args[1] else f"{table.name}_{'_'.join(cols)}_{method}"
            if method == "unique" and len(cols) == 1 and (col := table.column(cols[0])) is not None and len(args) < 2:
                col.unique = True
            else:
                table.indexes.append(Index(name=name, columns=cols, unique=method == "unique"))  # fullText too
        elif method == "foreign":
            refs = next((c for c in chain if c.method == "references"), None)
            on = next((c for c in chain if c.method == "on"), None)
            ref_cols = refs.args[0] if refs and refs.args and isinstance(refs.args[0], list) else \
                [str(refs.args[0])] if refs and refs.args else ["id"]
            table.foreign_keys.append(ForeignKey(columns=cols, ref_table=str(on.args[0]) if on and on.args else "?",
                                                 ref_columns=[str(c) for c in ref_cols]))
        elif method in ("dropColumn", "dropColumns"):
            names = args[0] if args and isinstance(args[0], list) else args
            self.remove_columns(table, [str(n) for n in names])
        elif method == "renameColumn" and len(args) >= 2:
            rename_column(table, str(args[0]), str(args[1]))
        elif method in ("dropForeign", "dropIndex", "dropUnique", "dropPrimary"):
            if args and isinstance(args[0], list):
                if method == "dropForeign":
                    table.foreign_keys = [fk for fk in table.foreign_keys if fk.columns != [str(c) for c in args[0]]]
                else:
                    table.indexes = [ix for ix in table.indexes if ix.columns != [str(c) for c in args[0]]]
            elif args:
                name = str(args[0])
                table.indexes = [ix for ix in table.indexes if ix.name != name]
                if method == "dropForeign":
                    table.foreign_keys = [fk for fk in table.foreign_keys
                                          if f"{table.name}_{'_'.join(fk.columns)}_foreign" != name]
                if method == "dropUnique":
                    for col in table.columns:
                        if name in (col.name, f"{table.name}_{col.name}_unique"):
                            col.unique = False
        elif method in ("dropTimestamps", "dropTimestampsTz"):
            self.remove_columns(table, ["created_at", "updated_at"])
        elif method in ("dropSoftDeletes", "dropSoftDeletesTz"):
            self.remove_columns(table, [str(args[0]) if args else "deleted_at"])
        elif method == "dropRememberToken":
            self.remove_columns(table, ["remember_token"])
        elif method == "dropMorphs" and args:
            self.remove_columns(table, [f"{args[0]}_type", f"{args[0]}_id"])
        elif method == "rename" and args:
            table.name = str(args[0])
        elif method in IGNORED:
            return
        else:
            self.warn(head.line, f"$table->{method}(…) is not read")


def _wants(path: str) -> bool:
    if not is_own_code(path):
        return False
    if not path.endswith(".php"):
        return _is_dump(path)
    return "database/migrations/" in path or path.startswith("migrations/") or "/migrations/" in path \
        or _is_config(path) or _is_dump(path)


class _Unresolved(Exception):
    pass


def _resolve(value: Any, config: dict[str, Any]) -> Any:
    """Replace ``config(...)`` references by the repository's config values (or their defaults)."""
    if isinstance(value, list):
        return [_resolve(v, config) for v in value]
    if isinstance(value, dict) and "~config" in value:
        found = config.get(value["~config"], value.get("default"))
        if found is None:
            raise _Unresolved(value["~config"])
        return found
    return value


def build(parsed: dict[str, Migration | ConfigFile | SchemaDump]) -> SchemaPart:
    replay = _Replay()
    sources = []
    config: dict[str, Any] = {}
    for facts in parsed.values():
        if isinstance(facts, ConfigFile):
            config.update(facts.values)
    ran: set[str] = set()
    # the schema dump is loaded first, then the migrations it does not record as run (Laravel's order)
    for path, dump in sorted((p, d) for p, d in parsed.items() if isinstance(d, SchemaDump)):
        if ran:  # one dump per connection; the tables of a second connection are read all the same
            replay.warn(1, f"{path}: a second schema dump, read into the same schema")
        replay.path = path
        replay.warnings.extend(apply_sql(replay.schema, dump.sql, dump.dialect, path, "migrations"))
        ran.update(dump.ran)
        sources.append(path)
    migrations = [(p, m) for p, m in parsed.items() if isinstance(m, Migration)
                  and p.rsplit("/", 1)[-1].removesuffix(".php") not in ran]
    for path, migration in sorted(migrations, key=lambda item: natural_key(item[0].rsplit("/", 1)[-1])):
        replay.path = path
        replay.warnings.extend(migration.warnings)
        for stmt in migration.statements:
            try:
                stmt = Statement(kind=stmt.kind, args=_resolve(stmt.args, config), line=stmt.line,
                                 chains=[[Call(c.method, _resolve(c.args, config), c.line) for c in chain]
                                         for chain in stmt.chains])
            except _Unresolved as exc:
                replay.warn(stmt.line, f"Schema::{stmt.kind}: config value {exc} not found in config/")
                continue
            replay.apply(stmt)
        if migration.statements:
            sources.append(path)
    return SchemaPart(reader="laravel", origin="migrations", tables=replay.schema.tables,
                      enums=replay.schema.enums, warnings=replay.warnings, sources=sources)


READERS = [Reader(name="laravel", wants=_wants, parse=parse, build=build,
                  suffixes=frozenset({".php", ".sql"}))]
