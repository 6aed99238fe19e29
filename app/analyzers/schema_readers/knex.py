"""Knex migrations: the ``up`` of every file in a migrations folder, replayed in file-name order
(Knex's default order: the timestamp prefix). ``knex.schema.createTable('t', (t) => {...})``,
``alterTable``/``table``, ``dropTable(IfExists)``, ``renameTable`` and ``knex.raw``/``schema.raw`` SQL.

Column builders follow Knex's documentation: ``increments`` is an auto-increment primary key,
``timestamps()`` adds ``created_at``/``updated_at`` (``createdAt``/``updatedAt`` when its third argument
is true), ``string(name, length=255)`` is ``varchar(length)``; ``.notNullable()``, ``.primary()``,
``.unique()``, ``.defaultTo()``, ``.references('t.id')``/``.references('id').inTable('t')``; ``.alter()``
in ``alterTable`` changes an existing column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader
from phasegate.app.analyzers.schema_model import Schema, SchemaPart
from phasegate.app.analyzers.schema_readers._js import (
    JS_EXT,
    UNKNOWN,
    Link,
    bindings,
    chain,
    is_js,
    lit,
    named,
    outermost_calls,
    parse_js,
    resolve,
    str_lit,
    up_functions,
)
from phasegate.app.analyzers.schema_readers._replay import ColumnSpec, Op, default_text, replay
from phasegate.app.analyzers.treesitter import line, text

if TYPE_CHECKING:
    from tree_sitter import Node

# builder method -> SQL-ish type (the length/precision arguments are appended where Knex takes them)
_TYPES = {
    "increments": "integer", "bigIncrements": "bigint", "integer": "integer", "bigInteger": "bigint",
    "bigint": "bigint", "tinyint": "tinyint", "smallint": "smallint", "mediumint": "mediumint",
    "text": "text", "string": "varchar", "float": "float", "double": "double", "decimal": "decimal",
    "boolean": "boolean", "date": "date", "datetime": "datetime", "dateTime": "datetime", "time": "time",
    "timestamp": "timestamp", "binary": "binary", "enum": "enum", "enu": "enum", "json": "json",
    "jsonb": "jsonb", "uuid": "uuid", "geometry": "geometry", "geography": "geography", "point": "point",
    "specificType": "", "timestamptz": "timestamptz", "datetimetz": "datetime",
}
_TABLE_METHODS = {"createTable", "createTableIfNotExists", "alterTable", "table", "dropTable", "dropTableIfExists",
                  "renameTable", "raw", "createTableLike"}


@dataclass
class KnexMigration:
    ops: list[Op]


def _column_from_chain(links: list[Link], table: str, alter: bool) -> tuple[list[Op], ColumnSpec | None]:
    first = links[0]
    method = first.name
    args = [lit(a) for a in first.args]
    name = args[0] if args and isinstance(args[0], str) else None
    if method == "increments" or method == "bigIncrements":
        name = name or "id"
    if name is None:
        return [], None
    if method == "specificType":
        type_ = args[1] if len(args) > 1 and isinstance(args[1], str) else "UNKNOWN"
    else:
        type_ = _TYPES[method]
        if method == "string":
            length = args[1] if len(args) > 1 and isinstance(args[1], int) else 255
            type_ = f"varchar({length})"
        elif method in {"decimal", "float", "double"} and len(args) > 1 and isinstance(args[1], int):
            type_ += f"({args[1]},{args[2]})" if len(args) > 2 and isinstance(args[2], int) else f"({args[1]})"
    spec = ColumnSpec(name=name, type=type_, primary_key=method in {"increments", "bigIncrements"})
    ops: list[Op] = []
    ref: str | None = None
    ref_table: str | None = None
    is_alter = False
    for link in links[1:]:
        values = [lit(a) for a in link.args]
        if link.name == "notNullable":
            spec.nullable = False
        elif link.name == "nullable":
            spec.nullable = True
        elif link.name == "primary":
            spec.primary_key = True
        elif link.name == "unique":
            spec.unique = True
        elif link.name == "index":
            ops.append(Op("add_index", line(link.node) if link.node else 0, table=table, names=[name],
                          name=values[0] if values and isinstance(values[0], str) else None))
        elif link.name == "defaultTo" and link.args:
            value = values[0]
            if value is UNKNOWN:
                spec.default = text(link.args[0])
                inner = chain(link.args[0])[1]  # knex.raw('now()') or knex.fn.now()
                if inner and inner[-1].name == "raw" and inner[-1].args:
                    spec.default = str_lit(inner[-1].args[0]) or spec.default
                elif inner and inner[-1].name == "now":
                    spec.default = "now()"
            else:
                spec.default = default_text(value)
        elif link.name == "references" and values and isinstance(values[0], str):
            ref = values[0]
        elif link.name == "inTable" and values and isinstance(values[0], str):
            ref_table = values[0]
        elif link.name == "alter":
            is_alter = True
    if ref is not None:
        if ref_table is None and "." in ref:
            ref_table, ref = ref.rsplit(".", 1)
        if ref_table:
            spec.references = (ref_table, [ref])
    at = line(first.node) if first.node else 0
    ops.insert(0, Op("change_column" if (alter and is_alter) else "add_column", at, table=table, columns=[spec],
                     names=[name]))
    return ops, None


def _table_ops(table: str, callback: Node | None, alter: bool, scope: dict[str, Node]) -> list[Op]:
    fn = resolve(callback, scope)
    if fn is None or fn.type not in {"arrow_function", "function_expression", "function"}:
        return [Op("warn", line(callback) if callback is not None else 0,
                   sql=f"knex: the builder of table {table} is not an inline function")]
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    param = None
    if params is not None:
        if params.type == "identifier":
            param = text(params)
        else:
            ps = named(params)
            if ps:
                target = ps[0].child_by_field_name("pattern") or ps[0]
                param = text(target)
    body = fn.child_by_field_name("body")
    ops: list[Op] = []
    if body is None or param is None:
        return ops
    for call in outermost_calls(body):
        base, links = chain(call)
        if base != param or not links:
            continue
        method = links[0].name
        args = [lit(a) for a in links[0].args]
        at = line(call)
        if method in _TYPES:
            ops.extend(_column_from_chain(links, table, alter)[0])
        elif method == "timestamps":
            camel_case = len(args) > 2 and args[2] is True
            default_now = len(args) > 1 and args[1] is True
            for col in (("createdAt", "updatedAt") if camel_case else ("created_at", "updated_at")):
                ops.append(Op("add_column", at, table=table, columns=[ColumnSpec(
                    name=col, type="timestamp" if args and args[0] is True else "datetime",  # useTimestamps
                    nullable=not default_now, default="now()" if default_now else None)]))
        elif method in {"primary", "unique", "index"}:
            cols = args[0] if args and isinstance(args[0], list) else [args[0]] if args and isinstance(args[0], str) else []
            name = args[1] if len(args) > 1 and isinstance(args[1], str) else None
            if isinstance(args[1] if len(args) > 1 else None, dict):
                name = args[1].get("indexName") if isinstance(args[1].get("indexName"), str) else None
            cols = [c for c in cols if isinstance(c, str)]
            if method == "primary":
                ops.append(Op("primary_key", at, table=table, names=cols))
            else:
                ops.append(Op("add_index", at, table=table, names=cols, name=name, unique=method == "unique"))
        elif method == "foreign":
            cols = args[0] if args and isinstance(args[0], list) else [args[0]] if args and isinstance(args[0], str) else []
            ref = ref_table = None
            for link in links[1:]:
                values = [lit(a) for a in link.args]
                if link.name == "references" and values:
                    ref = values[0]
                elif link.name == "inTable" and values:
                    ref_table = values[0]
            ref_cols: list[str] = []
            if isinstance(ref, str):
                if ref_table is None and "." in ref:
                    ref_table, ref = ref.rsplit(".", 1)
                ref_cols = [ref]
            elif isinstance(ref, list):
                ref_cols = [r for r in ref if isinstance(r, str)]
            if isinstance(ref_table, str):
                ops.append(Op("add_fk", at, table=table, names=[c for c in cols if isinstance(c, str)],
                              ref_table=ref_table, ref_columns=ref_cols))
        elif method in {"dropColumn", "dropColumns"}:
            ops.append(Op("drop_column", at, table=table, names=[a for a in args if isinstance(a, str)]))
        elif method == "renameColumn" and len(args) == 2 and all(isinstance(a, str) for a in args):
            ops.append(Op("rename_column", at, table=table, names=[args[0], args[1]]))
        elif method in {"dropTimestamps"}:
            ops.append(Op("drop_column", at, table=table, names=["created_at", "updated_at"]))
        elif method in {"dropIndex", "dropUnique"}:
            cols = args[0] if args and isinstance(args[0], list) else []
            name = args[1] if len(args) > 1 and isinstance(args[1], str) else None
            ops.append(Op("drop_index", at, table=table, names=[c for c in cols if isinstance(c, str)], name=name))
        elif method == "dropForeign":
            cols = args[0] if args and isinstance(args[0], list) else [args[0]] if args and isinstance(args[0], str) else []
            ops.append(Op("drop_fk", at, table=table, names=[c for c in cols if isinstance(c, str)]))
        elif method in {"comment", "engine", "charset", "collate", "inherits", "dropPrimary", "setNullable",
                        "dropNullable", "check", "dropChecks", "queryContext"}:
            if method == "setNullable" and args and isinstance(args[0], str):
                ops.append(Op("warn", at, sql=f"knex: setNullable on {table}.{args[0]} is not applied"))
        else:
            ops.append(Op("warn", at, sql=f"knex: table builder method {method}() is not read"))
    return ops


def _schema_call_ops(base: str | None, links: list[Link], knex: str, scope: dict[str, Node]) -> list[Op]:
    ops: list[Op] = []
    if base is None:
        return ops
    if base == knex and links and links[0].name == "raw":
        links = links[:1]
    elif base != f"{knex}.schema":
        return ops
    for link in links:
        at = line(link.node) if link.node else 0
        args = link.args
        name = str_lit(resolve(args[0], scope)) if args else None
        if link.name == "raw":
            if name is None:
                ops.append(Op("warn", at, sql="knex: raw() whose SQL is not a literal string"))
            else:
                ops.append(Op("sql", at, sql=name))
            continue
        if link.name not in _TABLE_METHODS:
            continue
        if name is None:
            ops.append(Op("warn", at, sql=f"knex: {link.name}() on a table whose name is not a literal"))
            continue
        if link.name in {"createTable", "createTableIfNotExists"}:
            ops.append(Op("create_table", at, table=name, if_not_exists=link.name == "createTableIfNotExists"))
            ops.extend(_table_ops(name, args[1] if len(args) > 1 else None, False, scope))
        elif link.name in {"alterTable", "table"}:
            ops.extend(_table_ops(name, args[1] if len(args) > 1 else None, True, scope))
        elif link.name in {"dropTable", "dropTableIfExists"}:
            ops.append(Op("drop_table", at, table=name))
        elif link.name == "renameTable" and len(args) > 1:
            new = str_lit(resolve(args[1], scope))
            if new:
                ops.append(Op("rename_table", at, table=name, name=new))
    return ops


def parse(path: str, source: str) -> KnexMigration | None:
    if ".schema" not in source and "raw(" not in source:
        return None
    root = parse_js(path, source)
    scope = bindings(root)
    ops: list[Op] = []
    found = False
    for up in up_functions(root):
        if up.in_class or up.param is None:
            continue
        for call in outermost_calls(up.body):
            base, links = chain(call)
            got = _schema_call_ops(base, links, up.param, scope)
            found = found or bool(got)
            ops.extend(got)
    return KnexMigration(ops) if found else None


def build(parsed: dict[str, KnexMigration]) -> SchemaPart:
    part = SchemaPart(reader="knex", origin="migrations")
    schema = Schema()
    for path in sorted(parsed, key=lambda p: natural_key(p.rsplit("/", 1)[-1])):
        part.sources.append(path)
        replay(schema, parsed[path].ops, path, part.warnings, "")
    part.tables = schema.tables
    part.enums = schema.enums
    return part


def _wants(path: str) -> bool:
    return is_js(path) and "migration" in path.lower()


READERS = [Reader("knex", _wants, parse, build, suffixes=JS_EXT, keywords=(".schema", "raw("))]  # ``parse``
