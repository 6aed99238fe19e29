"""Diesel's ``schema.rs``: ``table!``/``diesel::table!`` and ``joinable!`` macros, read with tree-sitter-rust.

``schema.rs`` is what ``diesel print-schema`` writes from the migrated database, so its tables are a dump
(origin "ddl") that leads the migrations (``migrations_dump``: the migrations add only what it lacks); Diesel's ``migrations/*/up.sql`` are read by the SQL migration path. A macro body is a
token tree to tree-sitter, so this reader walks its tokens: ``#[sql_name = "…"]`` and
``#[max_length = n]`` attributes, ``schema.table (key, …) { column -> Type, … }`` (several tables in
one macro too), ``Nullable<…>``, ``Array<…>`` and ``r#raw`` column names. ``joinable!(child -> parent
(column))`` becomes a foreign key. A macro that does not have this shape is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored, suffix
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, SchemaPart, Table

if TYPE_CHECKING:
    from tree_sitter import Node

TYPES = {
    "Int2": "SMALLINT", "SmallInt": "SMALLINT", "Int4": "INTEGER", "Integer": "INTEGER", "Int8": "BIGINT",
    "BigInt": "BIGINT", "Text": "TEXT", "Varchar": "VARCHAR", "VarChar": "VARCHAR", "Char": "CHAR", "Bpchar": "CHAR",
    "Bool": "BOOLEAN", "Timestamp": "TIMESTAMP", "Timestamptz": "TIMESTAMPTZ", "Datetime": "DATETIME",
    "Date": "DATE", "Time": "TIME", "Float4": "REAL", "Float": "REAL", "Float8": "DOUBLE PRECISION",
    "Double": "DOUBLE PRECISION", "Numeric": "NUMERIC", "Decimal": "NUMERIC", "Uuid": "UUID", "Json": "JSON",
    "Jsonb": "JSONB", "Bytea": "BYTEA", "Binary": "BLOB", "Blob": "BLOB", "Interval": "INTERVAL", "Inet": "INET",
    "Cidr": "CIDR", "Money": "MONEY", "Oid": "OID", "Citext": "CITEXT", "TinyInt": "TINYINT",
    "Unsigned": "UNSIGNED",
}


@dataclass
class DieselFile:
    tables: list[Table] = field(default_factory=list)
    joins: list[tuple[str, str, str, int]] = field(default_factory=list)  # child, parent, column, line
    rust_names: dict[str, str] = field(default_factory=dict)  # the macro's name → the table's (``sql_name``)
    warnings: list[SourceWarning] = field(default_factory=list)


def _tokens(tree: Node) -> list[Node]:
    """The direct tokens of a token tree without its delimiters and comments."""
    kids = [c for c in tree.children if c.type not in ("line_comment", "block_comment")]
    return kids[1:-1] if len(kids) >= 2 else kids


def _attribute(node: Node) -> tuple[str, Any] | None:
    """``[sql_name = "x"]`` → ("sql_name", "x")."""
    from phasegate.app.analyzers.treesitter import text

    inner = _tokens(node)
    if len(inner) >= 3 and inner[1].type == "=":
        value_node = inner[2]
        if value_node.type == "string_literal":
            return text(inner[0]), "".join(text(c) for c in value_node.named_children if c.type == "string_content")
        if value_node.type == "integer_literal":
            return text(inner[0]), int(text(value_node))
    return (text(inner[0]), None) if inner else None


def _ident(node: Node) -> str:
    from phasegate.app.analyzers.treesitter import text

    raw = text(node)
    return raw[2:] if raw.startswith("r#") else raw


def _sql_type(tokens: list[Node], max_length: int | None) -> tuple[str, bool]:
    """The SQL type and nullability of a column's Diesel type tokens (``Nullable<Array<Text>>``)."""
    from phasegate.app.analyzers.treesitter import text

    names = [text(t) for t in tokens if t.type == "identifier"]
    nullable = "Nullable" in names
    names = [n for n in names if n != "Nullable"]
    array = names.count("Array")
    names = [n for n in names if n != "Array"]
    # a path (``crate::schema::sql_types::Status``) ends with the type's own name
    base = names[-1] if names else "UNKNOWN"
    if "Unsigned" in names and len(names) > 1:
        sql = TYPES.get(names[-1], names[-1].upper()) + " UNSIGNED"
    else:
        sql = TYPES.get(base, base.upper())
    if max_length is not None and sql in ("VARCHAR", "CHAR"):
        sql = f"{sql}({max_length})"
    return sql + "[]" * array, nullable


def _table_macro(tree: Node, path: str, out: DieselFile) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    tokens = _tokens(tree)
    i = 0
    sql_name: str | None = None
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "use" or text(tok) == "use":
            while i < len(tokens) and tokens[i].type != ";":
                i += 1
            i += 1
            continue
        if tok.type == "#" and i + 1 < len(tokens) and tokens[i + 1].type == "token_tree":
            attr = _attribute(tokens[i + 1])
            if attr and attr[0] == "sql_name" and isinstance(attr[1], str):
                sql_name = attr[1]
            i += 2
            continue
        if tok.type == "identifier":
            # ``schema . table`` or ``table``, then ``(keys)`` and ``{ columns }``
            name_tokens = [tok]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j].type == "." and tokens[j + 1].type == "identifier":
                name_tokens.append(tokens[j + 1])
                j += 2
            keys_tree = tokens[j] if j < len(tokens) and tokens[j].type == "token_tree" else None
            body_tree = tokens[j + 1] if j + 1 < len(tokens) and tokens[j + 1].type == "token_tree" else None
            if keys_tree is None or body_tree is None or not text(body_tree).startswith("{"):
                if keys_tree is not None and text(keys_tree).startswith("{"):
                    body_tree, keys_tree = keys_tree, None  # no key list: Diesel's default key is ``id``
                    j -= 1
                else:
                    out.warnings.append(SourceWarning(path=path, line=line(tok),
                                                      reason=f"table! entry {text(tok)!r} not in the form name (keys) {{ … }}"))
                    return
            keys = [_ident(k) for k in _tokens(keys_tree) if k.type == "identifier"] if keys_tree else ["id"]
            table = Table(name=sql_name or _ident(name_tokens[-1]), source=path, origin="ddl")
            out.rust_names[_ident(name_tokens[-1])] = table.name
            _columns(body_tree, table, keys, path, out)
            out.tables.append(table)
            sql_name = None
            i = j + 2
            continue
        i += 1


def _columns(body: Node, table: Table, keys: list[str], path: str, out: DieselFile) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    tokens = _tokens(body)
    i = 0
    attrs: dict[str, Any] = {}
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "#" and i + 1 < len(tokens) and tokens[i + 1].type == "token_tree":
            attr = _attribute(tokens[i + 1])
            if attr:
                attrs[attr[0]] = attr[1]
            i += 2
            continue
        if tok.type == "identifier" and i + 1 < len(tokens) and tokens[i + 1].type == "->":
            j = i + 2
            depth = 0
            type_tokens = []
            while j < len(tokens) and not (tokens[j].type == "," and depth == 0):
                if tokens[j].type == "<":
                    depth += 1
                elif tokens[j].type == ">":
                    depth -= 1
                elif tokens[j].type == ">>":  # ``Array<Nullable<Text>>`` closes two at once
                    depth -= 2
                type_tokens.append(tokens[j])
                j += 1
            max_length = attrs.get("max_length") if isinstance(attrs.get("max_length"), int) else None
            sql_type, nullable = _sql_type(type_tokens, max_length)
            name = attrs.get("sql_name") if isinstance(attrs.get("sql_name"), str) else _ident(tok)
            table.columns.append(Column(name=str(name), type=sql_type, nullable=nullable,
                                        primary_key=_ident(tok) in keys))
            if _ident(tok) in keys:
                table.columns[-1].nullable = False
            attrs = {}
            i = j + 1
            continue
        if tok.type not in (",",):
            out.warnings.append(SourceWarning(path=path, line=line(tok),
                                              reason=f"table! {table.name}: token {text(tok)!r} not read"))
            return
        i += 1


@dataclass
class DieselToml:
    schema_files: list[str]  # ``[print_schema] file = "src/schema.rs"`` (and ``[print_schema.<name>]``)


def _diesel_toml(path: str, source: str) -> DieselToml | None:
    import tomllib

    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"TOML: {exc}") from exc
    section = data.get("print_schema")
    if not isinstance(section, dict):
        return None
    base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    files = [section["file"]] if isinstance(section.get("file"), str) else []
    files += [v["file"] for v in section.values() if isinstance(v, dict) and isinstance(v.get("file"), str)]
    return DieselToml(schema_files=[base + f.removeprefix("./") for f in files])


def parse(path: str, source: str) -> DieselFile | DieselToml | None:
    from phasegate.app.analyzers.treesitter import line, text
    from phasegate.app.analyzers.treesitter import parse as ts_parse

    if path.endswith("diesel.toml"):
        return _diesel_toml(path, source)
    if "table!" not in source:
        return None
    out = DieselFile()
    stack = [ts_parse("rust", source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "macro_invocation":
            macro = node.child_by_field_name("macro")
            name = text(macro).rsplit("::", 1)[-1]
            tree = next((c for c in node.named_children if c.type == "token_tree"), None)
            if tree is None:
                continue
            if name == "table":
                _table_macro(tree, path, out)
            elif name == "joinable":
                toks = _tokens(tree)
                idents = [t for t in toks if t.type == "identifier"]
                column_tree = next((t for t in toks if t.type == "token_tree"), None)
                column = next((_ident(t) for t in _tokens(column_tree) if t.type == "identifier"), None) \
                    if column_tree is not None else None
                if len(idents) >= 2 and column:
                    out.joins.append((_ident(idents[0]), _ident(idents[1]), column, line(node)))
                else:
                    out.warnings.append(SourceWarning(path=path, line=line(node), reason="joinable! not read"))
            continue
        stack.extend(reversed(node.named_children))
    return out if out.tables or out.joins or out.warnings else None


def _wants(path: str) -> bool:
    return (suffix(path) == ".rs" or path.rsplit("/", 1)[-1] == "diesel.toml") and not (is_vendored(path) or is_generated_or_fixture(path) or is_test_path(path))


def _is_schema_file(path: str, configured: set[str]) -> bool:
    return path in configured or "schema" in path.rsplit("/", 1)[-1]


def build(parsed_all: dict[str, DieselFile | DieselToml]) -> SchemaPart:
    configured = {f for facts in parsed_all.values() if isinstance(facts, DieselToml) for f in facts.schema_files}
    parsed = {p: f for p, f in parsed_all.items() if isinstance(f, DieselFile)}
    # ``table!`` in other files (a temporary table, the shape of a raw query's result) is not the schema
    # when the project has its print-schema file; without one, every declaration counts.
    helpers: set[str] = set()
    if any(_is_schema_file(p, configured) and f.tables for p, f in parsed.items()):
        helpers = {p for p, f in parsed.items() if not _is_schema_file(p, configured) and f.tables}
    tables: dict[str, Table] = {}
    warnings: list[SourceWarning] = []
    sources = []
    for path, facts in sorted(parsed.items()):
        warnings.extend(facts.warnings)
        if path in helpers:  # parsed facts are cached: report, never edit them
            names = ", ".join(t.name for t in facts.tables)
            warnings.append(SourceWarning(
                path=path, reason=f"table! outside the schema file ({names}): a query helper, not read as a table"))
            continue
        if facts.tables:
            sources.append(path)
        for table in facts.tables:
            table = table.model_copy(deep=True)
            tables.setdefault(table.name.lower(), table)
    rust_names = {k: v for facts in parsed.values() for k, v in facts.rust_names.items()}
    for path, facts in sorted(parsed.items()):
        for child, parent, column, line_no in facts.joins:
            child_table = tables.get(rust_names.get(child, child).lower())
            parent_table = tables.get(rust_names.get(parent, parent).lower())
            if child_table is None or parent_table is None:
                warnings.append(SourceWarning(path=path, line=line_no,
                                              reason=f"joinable!({child} -> {parent}): table not declared"))
                continue
            keys = [c.name for c in parent_table.columns if c.primary_key] or ["id"]
            child_table.foreign_keys.append(ForeignKey(columns=[column], ref_table=parent_table.name,
                                                       ref_columns=keys[:1]))
    # ``diesel migration run`` rewrites schema.rs: it leads the SQL migrations (``migrations_dump``)
    return SchemaPart(reader="diesel", origin="ddl", tables=list(tables.values()), warnings=warnings, sources=sources,
                      migrations_dump=True)


READERS = [Reader(name="diesel", wants=_wants, parse=parse, build=build,
                  suffixes=frozenset({".rs", ".toml"}))]
