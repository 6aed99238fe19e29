"""Drizzle ORM schemas: ``pgTable`` / ``mysqlTable`` / ``sqliteTable`` (and a ``pgTableCreator`` prefix,
``pgSchema(...).table``), their column builders and constraints, and ``pgEnum`` types.

A column's database name is the builder's first string argument (``text('full_name')``), else its
key, snake_cased when the project sets ``casing: 'snake_case'``. ``.notNull()``, ``.primaryKey()``
(implies NOT NULL), ``.unique()``, ``.default(v)``/``.defaultNow()``, ``.references(() => users.id)``;
the table's third argument gives ``index()``/``uniqueIndex()``/``unique()``/``primaryKey()``/``foreignKey()``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, EnumType, ForeignKey, Index, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._js import (
    JS_EXT,
    UNKNOWN,
    Link,
    call_args,
    callee,
    chain,
    dotted,
    is_js,
    key_name,
    lit,
    named,
    obj,
    parse_js,
    snake,
    str_lit,
    unwrap,
    walk,
)
from phasegate.app.analyzers.schema_readers._replay import default_text
from phasegate.app.analyzers.treesitter import line, text

if TYPE_CHECKING:
    from tree_sitter import Node

_TABLE_FUNCS = {"pgTable", "mysqlTable", "sqliteTable", "singlestoreTable", "gelTable"}
_CREATORS = {"pgTableCreator", "mysqlTableCreator", "sqliteTableCreator", "singlestoreTableCreator"}
_ENUM_FUNCS = {"pgEnum"}
_SERIAL = {"serial", "bigserial", "smallserial"}


@dataclass
class DColumn:
    key: str
    name: str | None
    type: str
    not_null: bool = False
    primary: bool = False
    unique: bool = False
    default: str | None = None
    ref: tuple[str, str] | None = None  # (table variable, column key)
    spread: bool = False  # `...timestamps`: ``key`` names an object of columns, resolved at build


@dataclass
class DTable:
    var: str | None
    name: str
    creator: str | None  # the pgTableCreator variable that prefixes the name
    line: int
    columns: list[DColumn] = field(default_factory=list)
    indexes: list[tuple[str | None, list[str], bool]] = field(default_factory=list)  # column keys
    primary: list[str] = field(default_factory=list)
    fks: list[tuple[list[str], str, list[str]]] = field(default_factory=list)  # keys, table var, keys
    dialect: str = ""


@dataclass
class DrizzleFile:
    tables: list[DTable] = field(default_factory=list)
    creators: dict[str, tuple[str, str]] = field(default_factory=dict)
    enums: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    column_sets: dict[str, list[DColumn]] = field(default_factory=dict)  # `const timestamps = {...}`
    snake_casing: bool = False
    warnings: list[SourceWarning] = field(default_factory=list)


def _creator_template(node: Node | None) -> tuple[str, str] | None:
    """``(name) => `app_${name}``` as (``app_``, ``"")."""
    fn = unwrap(node)
    if fn is None or fn.type != "arrow_function":
        return None
    body = unwrap(fn.child_by_field_name("body"))
    if body is None:
        return None
    if body.type != "template_string":
        return ("", "") if body.type == "identifier" else None
    before: list[str] = []
    after: list[str] = []
    seen = False
    for child in body.children:
        if child.type == "template_substitution":
            seen = True
        elif child.type == "string_fragment":
            (after if seen else before).append(text(child))
    return "".join(before), "".join(after)


def _arrow_ref(node: Node | None) -> tuple[str, str] | None:
    fn = unwrap(node)
    if fn is not None and fn.type == "arrow_function":
        fn = unwrap(fn.child_by_field_name("body"))
    name = dotted(fn)
    if name and "." in name:
        table, column = name.rsplit(".", 1)
        return table.rsplit(".", 1)[-1], column
    return None


def _type_text(link: Link, enums: dict[str, tuple[str, list[str]]]) -> str:
    if link.name in enums:
        return enums[link.name][0]
    base = link.name.rsplit(".", 1)[-1]
    params: list[str] = []
    for arg in link.args:
        options = lit(arg)
        if isinstance(options, dict):
            for key in ("length", "precision", "scale"):
                if isinstance(options.get(key), int):
                    params.append(str(options[key]))
            if options.get("withTimezone") is True and base == "timestamp":
                base = "timestamptz"
    return base + (f"({','.join(params)})" if params else "")


def _column(key: str, value: Node, enums: dict[str, tuple[str, list[str]]]) -> DColumn | None:
    _base, links = chain(value)
    if not links:
        return None
    first = links[0]
    name = str_lit(first.args[0]) if first.args else None
    col = DColumn(key=key, name=name, type=_type_text(first, enums))
    if first.name.rsplit(".", 1)[-1] in _SERIAL:
        col.not_null = True
    for link in links[1:]:
        if link.name == "notNull":
            col.not_null = True
        elif link.name == "primaryKey":
            col.primary = col.not_null = True
        elif link.name == "unique":
            col.unique = True
        elif link.name == "default" and link.args:
            value_ = lit(link.args[0])
            col.default = default_text(value_) if value_ is not UNKNOWN else text(link.args[0])[:80]
        elif link.name == "defaultNow":
            col.default = "now()"
        elif link.name == "defaultRandom":
            col.default = "gen_random_uuid()"
        elif link.name in {"generatedAlwaysAsIdentity", "generatedByDefaultAsIdentity", "autoincrement"}:
            col.not_null = True
        elif link.name == "array":
            col.type += "[]"
        elif link.name == "references" and link.args:
            col.ref = _arrow_ref(link.args[0])
    return col


def _keys(nodes: list[Node]) -> list[str]:
    out = []
    for node in nodes:
        name = dotted(node)
        if name:
            out.append(name.rsplit(".", 1)[-1])
    return out


def _extra(table: DTable, node: Node | None) -> None:
    fn = unwrap(node)
    if fn is None or fn.type != "arrow_function":
        return
    body = unwrap(fn.child_by_field_name("body"))
    if body is None:
        return
    if body.type == "statement_block":
        ret = next((c for c in walk(body) if c.type == "return_statement"), None)
        body = unwrap(named(ret)[0]) if ret is not None and named(ret) else None
    items: list[Node] = []
    if body is not None and body.type == "array":
        items = named(body)
    elif body is not None and (options := obj(body)) is not None:
        items = list(options.values())
    for item in items:
        _b, links = chain(item)
        if not links:
            continue
        head = links[0].name.rsplit(".", 1)[-1]
        name = str_lit(links[0].args[0]) if links[0].args else None
        on = next((lk for lk in links[1:] if lk.name == "on"), None)
        if head in {"index", "uniqueIndex", "unique"}:
            cols = _keys(on.args) if on is not None else []
            if cols:
                table.indexes.append((name, cols, head != "index"))
        elif head == "primaryKey":
            options = obj(links[0].args[0]) if links[0].args else None
            cols_node = unwrap(options.get("columns")) if options else None
            table.primary = _keys(named(cols_node)) if cols_node is not None else _keys(links[0].args)
        elif head == "foreignKey" and links[0].args:
            options = obj(links[0].args[0]) or {}
            cols = _keys(named(unwrap(options.get("columns")))) if options.get("columns") is not None else []
            foreign = named(unwrap(options.get("foreignColumns"))) if options.get("foreignColumns") is not None else []
            refs = [dotted(f) for f in foreign]
            if cols and refs and refs[0] and "." in refs[0]:
                table_var = refs[0].rsplit(".", 1)[0].rsplit(".", 1)[-1]
                table.fks.append((cols, table_var, [r.rsplit(".", 1)[-1] for r in refs if r]))


def _assigned(node: Node) -> str | None:
    parent = node.parent
    while parent is not None and parent.type in {"parenthesized_expression", "as_expression", "satisfies_expression"}:
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        return text(parent.child_by_field_name("name"))
    return None


def parse(path: str, source: str) -> DrizzleFile | None:
    if "drizzle" not in source and "Table(" not in source and "drizzle" not in path:
        return None
    root = parse_js(path, source)
    found = DrizzleFile()
    calls: list[Node] = []
    for node in walk(root):
        if node.type == "pair" and key_name(node.child_by_field_name("key")) == "casing":
            if str_lit(node.child_by_field_name("value")) == "snake_case":
                found.snake_casing = True
        if node.type != "call_expression":
            continue
        name = callee(node)
        short = name.rsplit(".", 1)[-1] if name else None
        args = call_args(node)
        var = _assigned(node)
        if short in _CREATORS and var:
            template = _creator_template(args[0] if args else None)
            if template is not None:
                found.creators[var] = template
        elif short in _ENUM_FUNCS and var and len(args) > 1:
            values = lit(args[1])
            if str_lit(args[0]) is not None and isinstance(values, list):
                found.enums[var] = (str_lit(args[0]) or "", [v for v in values if isinstance(v, str)])
        else:
            calls.append(node)
    for node in walk(root):
        if node.type != "variable_declarator":
            continue
        value = unwrap(node.child_by_field_name("value"))
        members = obj(value)
        var_node = node.child_by_field_name("name")
        if not members or var_node is None:
            continue
        cols = [_column(k, v, found.enums) for k, v in members.items()
                if v.type == "call_expression" or unwrap(v) is not None and unwrap(v).type == "call_expression"]
        if cols and len(cols) == len(members) and all(c is not None and c.type for c in cols):
            found.column_sets[text(var_node)] = [c for c in cols if c is not None]
    for node in calls:
        name = callee(node) or ""
        short = name.rsplit(".", 1)[-1]
        args = call_args(node)
        if len(args) < 2 or str_lit(args[0]) is None:
            continue
        creator = None
        if short in _TABLE_FUNCS or (short == "table" and "." in name):
            pass
        elif name and "." not in name:
            creator = name  # createTable("post", …): a table creator, checked against creators at build
        else:
            continue
        columns_node = unwrap(args[1])
        if columns_node is not None and columns_node.type == "arrow_function":  # (d) => ({ … })
            columns_node = unwrap(columns_node.child_by_field_name("body"))
        columns = obj(columns_node)
        if columns is None:
            if creator is None:
                found.warnings.append(SourceWarning(path=path, line=line(node),
                                                    reason="drizzle: table columns are not an object literal"))
            continue
        table = DTable(var=_assigned(node), name=str_lit(args[0]) or "", creator=creator, line=line(node),
                       dialect=short)
        spread_at = {child.start_byte: child for child in named(unwrap(columns_node)) if child.type == "spread_element"}
        entries: list[tuple[int, str, Node | None]] = [(v.start_byte, k, v) for k, v in columns.items()]
        entries += [(start, "", None) for start in spread_at]
        for start, key, value in sorted(entries, key=lambda e: e[0]):  # source order, spreads in place
            if value is None:
                inner = named(spread_at[start])
                spread_var = dotted(inner[0]) if inner else None
                if spread_var is None:
                    found.warnings.append(SourceWarning(path=path, line=line(spread_at[start]),
                                                        reason=f"drizzle: spread columns of {table.name} not read"))
                else:
                    table.columns.append(DColumn(key=spread_var.rsplit(".", 1)[-1], name=None, type="", spread=True))
                continue
            col = _column(key, value, found.enums)
            if col is None:
                if creator is None:
                    found.warnings.append(SourceWarning(path=path, line=line(value),
                                                        reason=f"drizzle: column {key} of {table.name} is not a builder"))
                continue
            table.columns.append(col)
        if creator is not None and not table.columns:
            continue
        if len(args) > 2:
            _extra(table, args[2])
        found.tables.append(table)
    return found if found.tables or found.creators or found.enums or found.column_sets or found.snake_casing \
        else None


def build(parsed: dict[str, DrizzleFile]) -> SchemaPart:
    part = SchemaPart(reader="drizzle", origin="models")
    creators: dict[str, tuple[str, str]] = {}
    snake_casing = any(f.snake_casing for f in parsed.values())
    column_sets: dict[str, list[DColumn]] = {}
    for facts in parsed.values():
        creators.update(facts.creators)
        for var, cols in facts.column_sets.items():
            column_sets.setdefault(var, cols)
    tables: list[tuple[str, DTable, Table]] = []
    by_var: dict[str, tuple[DTable, Table]] = {}
    seen: set[str] = set()
    for path in sorted(parsed):
        facts = parsed[path]
        part.warnings.extend(facts.warnings)
        for name, values in facts.enums.values():
            if all(e.name != name for e in part.enums):
                part.enums.append(EnumType(name=name, values=values))
        for dt in facts.tables:
            if dt.creator is not None:
                # the file's own creator first: generator repositories hold several with the same name
                creator = facts.creators.get(dt.creator) or creators.get(dt.creator)
                if creator is None:
                    continue
                before, after = creator
                name = before + dt.name + after
            else:
                name = dt.name
            if name.lower() in seen:
                if dt.var:
                    by_var.setdefault(dt.var, (dt, next(t for _, _, t in tables if t.name.lower() == name.lower())))
                continue
            seen.add(name.lower())
            table = Table(name=name, source=path, origin="models")
            expanded: list[DColumn] = []
            for col in dt.columns:
                if not col.spread:
                    expanded.append(col)
                    continue
                found_set = facts.column_sets.get(col.key) or column_sets.get(col.key)
                if found_set is None:
                    part.warnings.append(SourceWarning(path=path, line=dt.line, reason=(
                        f"drizzle: columns spread from {col.key} into {name} not found")))
                    continue
                expanded.extend(found_set)
            dt = dataclasses.replace(dt, columns=expanded)  # parsed facts are cached: never change them
            for col in dt.columns:
                table.columns.append(Column(name=col.name or (snake(col.key) if snake_casing else col.key),
                                            type=col.type, nullable=not col.not_null, primary_key=col.primary,
                                            unique=col.unique, default=col.default))
            tables.append((path, dt, table))
            if dt.var:
                by_var[dt.var] = (dt, table)
            part.tables.append(table)
            if path not in part.sources:
                part.sources.append(path)

    def col_name(dt: DTable, key: str) -> str:
        col = next((c for c in dt.columns if c.key == key), None)
        if col is None:
            return key
        return col.name or (snake(col.key) if snake_casing else col.key)

    for path, dt, table in tables:
        for col in dt.columns:
            if col.ref is None:
                continue
            target = by_var.get(col.ref[0])
            if target is None:
                part.warnings.append(SourceWarning(path=path, line=dt.line,
                                                   reason=f"drizzle: {table.name}.{col.key} references {col.ref[0]}, "
                                                          "a table not found"))
                continue
            table.foreign_keys.append(ForeignKey(columns=[col_name(dt, col.key)], ref_table=target[1].name,
                                                 ref_columns=[col_name(target[0], col.ref[1])]))
        for keys, target_var, ref_keys in dt.fks:
            target = by_var.get(target_var)
            if target is not None:
                table.foreign_keys.append(ForeignKey(columns=[col_name(dt, k) for k in keys],
                                                     ref_table=target[1].name,
                                                     ref_columns=[col_name(target[0], k) for k in ref_keys]))
        for ix_name, keys, unique in dt.indexes:
            table.indexes.append(Index(name=ix_name, columns=[col_name(dt, k) for k in keys], unique=unique))
        if dt.primary:
            names = {col_name(dt, k) for k in dt.primary}
            for column in table.columns:
                if column.name in names:
                    column.primary_key, column.nullable = True, False
    return part




READERS = [Reader("drizzle", is_js, parse, build, suffixes=JS_EXT,  # ``parse``'s first test:
                  keywords=("drizzle", "Table("), keywordless=lambda path: "drizzle" in path)]
