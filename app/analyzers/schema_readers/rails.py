"""Rails: ``db/schema.rb`` (a dump of the database, origin "ddl") and ``db/migrate/*.rb`` replayed in
version order (origin "migrations"), both read with tree-sitter-ruby.

Both are sequences of the same schema statements, so one replay serves them: ``create_table`` (with
``id: false``, ``id: :uuid``, ``primary_key:``, and the block's ``t.<type>``, ``t.column``,
``t.references``/``t.belongs_to``, ``t.timestamps``, ``t.index``), ``change_table``, ``create_join_table``,
``drop_table``, ``rename_table``, ``add_column``, ``remove_column(s)``, ``rename_column``,
``change_column``, ``change_column_null``, ``change_column_default``, ``add_reference``,
``remove_reference``, ``add_timestamps``, ``add_index``, ``remove_index``, ``add_foreign_key``,
``remove_foreign_key`` and ``execute`` of literal SQL (through the SQL replay). Of a migration only
``change`` and ``up`` are read (``down`` undoes them). Statements that do not change the schema
(``enable_extension``, data updates…) are skipped; a schema statement whose arguments are not
literals is a warning.
"""

from __future__ import annotations

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

TYPES = {
    "string": "VARCHAR", "text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "float": "FLOAT",
    "decimal": "DECIMAL", "numeric": "NUMERIC", "datetime": "TIMESTAMP", "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ", "time": "TIME", "date": "DATE", "binary": "BLOB", "blob": "BLOB",
    "boolean": "BOOLEAN", "json": "JSON", "jsonb": "JSONB", "uuid": "UUID", "citext": "CITEXT",
    "inet": "INET", "cidr": "CIDR", "hstore": "HSTORE", "serial": "SERIAL", "bigserial": "BIGSERIAL",
    "primary_key": "BIGINT", "virtual": "VIRTUAL", "interval": "INTERVAL", "enum": "ENUM",
}
SCHEMA_STATEMENTS = {
    "create_table", "change_table", "create_join_table", "drop_table", "drop_join_table", "rename_table",
    "add_column", "remove_column", "remove_columns", "rename_column", "change_column", "change_column_null",
    "change_column_default", "add_reference", "add_belongs_to", "remove_reference", "remove_belongs_to",
    "add_timestamps", "remove_timestamps", "add_index", "remove_index", "add_foreign_key",
    "remove_foreign_key", "execute", "rename_index",
}


@dataclass
class Op:
    name: str
    args: list[Any]
    opts: dict[str, Any]
    line: int
    block: list[Op] = field(default_factory=list)  # ``t.<method>`` calls of a create/change_table block
    literal: bool = True  # False when an argument was not a literal


@dataclass
class RubyFile:
    kind: str  # "schema" or "migration"
    ops: list[Op]
    version: float | None = None  # ``ActiveRecord::Migration[5.0]``; None for Rails 4 and older
    warnings: list[SourceWarning] = field(default_factory=list)


class _NotLiteral(Exception):
    pass


def _value(node: Node) -> Any:
    from phasegate.app.analyzers.treesitter import text

    kind = node.type
    if kind == "string":
        if any(c.type == "interpolation" for c in node.named_children):
            raise _NotLiteral(text(node))
        return "".join(text(c) for c in node.named_children if c.type in ("string_content", "escape_sequence"))
    if kind in ("simple_symbol", "hash_key_symbol"):
        return text(node).lstrip(":")
    if kind == "delimited_symbol":
        return "".join(text(c) for c in node.named_children if c.type == "string_content")
    if kind == "integer":
        return int(text(node).replace("_", ""), 0)
    if kind == "float":
        return float(text(node))
    if kind in ("true", "false"):
        return kind == "true"
    if kind == "nil":
        return None
    if kind == "array":
        return [_value(c) for c in node.named_children if c.type != "comment"]
    if kind in ("string_array", "symbol_array"):
        return [text(c) for c in node.named_children if c.type in ("bare_string", "bare_symbol")]
    if kind == "hash":
        out: dict[str, Any] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key is not None and value is not None:
                    out[str(_value(key))] = _value(value)
        return out
    if kind == "heredoc_beginning":
        raise _NotLiteral(text(node))
    if kind in ("lambda", "constant", "scope_resolution", "call", "identifier"):
        return {"~": text(node)}  # an expression (``-> { "now()" }``, ``Foo::BAR``): kept as its text
    raise _NotLiteral(text(node))


def _call_op(node: Node, text_of: Any) -> Op | None:
    from phasegate.app.analyzers.treesitter import line, text

    method = node.child_by_field_name("method")
    if method is None:
        return None
    op = Op(name=text(method), args=[], opts={}, line=line(node))
    arguments = node.child_by_field_name("arguments")
    for arg in arguments.named_children if arguments is not None else []:
        try:
            if arg.type == "pair":
                key, value = arg.child_by_field_name("key"), arg.child_by_field_name("value")
                if key is not None and value is not None:
                    op.opts[str(_value(key))] = _value(value)
            elif arg.type == "heredoc_beginning":
                op.args.append(text_of(arg))
            elif arg.type == "comment":
                continue
            else:
                value = _value(arg)
                if isinstance(value, dict) and "~" in value:
                    op.literal = False  # a name held in a variable or computed
                op.args.append(value)
        except _NotLiteral:
            op.literal = False
    block = node.child_by_field_name("block")
    if block is not None:
        body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)
        for stmt in body.named_children if body is not None else []:
            if stmt.type == "call" and stmt.child_by_field_name("receiver") is not None:
                inner = _call_op(stmt, text_of)
                if inner is not None:
                    op.block.append(inner)
    return op


def _heredoc_text(root: Node) -> Any:
    """A function giving the body of the heredoc a ``heredoc_beginning`` opens (its text follows later)."""
    from phasegate.app.analyzers.treesitter import text

    bodies = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "heredoc_body":
            bodies.append(node)
        stack.extend(node.named_children)
    bodies.sort(key=lambda n: n.start_byte)

    def body_for(start: Node) -> str:
        body = next((b for b in bodies if b.start_byte >= start.end_byte), None)
        if body is None:
            return ""
        parts = [text(c) for c in body.named_children if c.type == "heredoc_content"]
        return "".join(parts)

    return body_for


def _block_body(call: Node) -> Node | None:
    block = call.child_by_field_name("block")
    if block is None:
        return None
    return next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)


def _statements(body: Node | None, text_of: Any, ops: list[Op]) -> None:
    """The schema statements of a method or block body, also inside the blocks of other calls
    (``reversible``'s ``dir.up``, ``safety_assured``, ``each`` loops), statement modifiers
    (``rename_table … unless table_exists?(…)``) and conditionals; ``dir.down`` is left out."""

    if body is None:
        return
    for stmt in body.named_children:
        if stmt.type in ("if_modifier", "unless_modifier", "while_modifier", "until_modifier", "rescue_modifier"):
            if stmt.named_children:
                _statements_of([stmt.named_children[0]], text_of, ops)
        elif stmt.type == "call":
            _statements_of([stmt], text_of, ops)
        elif stmt.type in ("if", "unless", "elsif", "else", "begin", "then", "body_statement", "case", "when",
                           "parenthesized_statements", "ensure"):
            _statements(stmt, text_of, ops)


def _statements_of(calls: list[Node], text_of: Any, ops: list[Op]) -> None:
    from phasegate.app.analyzers.treesitter import text

    for stmt in calls:
        if stmt.type != "call":
            continue
        receiver = stmt.child_by_field_name("receiver")
        if receiver is None:
            op = _call_op(stmt, text_of)
            if op is not None and op.name in SCHEMA_STATEMENTS:
                ops.append(op)
            else:
                _statements(_block_body(stmt), text_of, ops)
        elif text(stmt.child_by_field_name("method")) != "down":
            _statements(_block_body(stmt), text_of, ops)


def parse(path: str, source: str) -> RubyFile | None:
    from phasegate.app.analyzers.treesitter import parse as ts_parse
    from phasegate.app.analyzers.treesitter import text

    tree = ts_parse("ruby", source)
    root = tree.root_node
    text_of = _heredoc_text(root)
    if _is_schema(path):
        ops: list[Op] = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "call" and text(node.child_by_field_name("method")) == "define":
                block = node.child_by_field_name("block")
                body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")),
                            None) if block is not None else None
                _statements(body, text_of, ops)
                return RubyFile(kind="schema", ops=ops)
            stack.extend(reversed(node.named_children))
        return None
    for cls in (n for n in _walk(root) if n.type == "class"):
        superclass = cls.child_by_field_name("superclass")
        if superclass is None or "Migration" not in text(superclass):
            continue
        version = None
        ref = next((c for c in superclass.named_children if c.type == "element_reference"), None)
        if ref is not None:
            number = next((c for c in ref.named_children if c.type in ("float", "integer")), None)
            version = float(text(number)) if number is not None else None
        migration = RubyFile(kind="migration", ops=[], version=version)
        body = cls.child_by_field_name("body") or next(
            (c for c in cls.named_children if c.type == "body_statement"), None)
        for method in body.named_children if body is not None else []:
            name = text(method.child_by_field_name("name"))
            if method.type in ("method", "singleton_method") and name in ("change", "up"):
                inner = method.child_by_field_name("body") or next(
                    (c for c in method.named_children if c.type == "body_statement"), None)
                _statements(inner, text_of, migration.ops)
        return migration
    return None


def _walk(root: Node) -> list[Node]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.named_children))
    return out


def _is_schema(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 2 and parts[-2] == "db" and parts[-1].endswith("schema.rb")


def _is_migration(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 3 and parts[-3] == "db" and parts[-2].endswith("migrate") and parts[-1].endswith(".rb")


def _own(path: str) -> bool:
    return is_own_code(path)


def singular(word: str) -> str:
    """English singular for table names (``categories`` → ``category``), as ActiveSupport's common rules."""
    low = word.lower()
    for plural, single in (("people", "person"), ("children", "child"), ("men", "man")):
        if low.endswith(plural):
            return word[: len(word) - len(plural)] + single
    if low.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if low.endswith("ss"):
        return word
    if low.endswith("s"):
        return word[:-1]
    return word


def plural(word: str) -> str:
    low = word.lower()
    if low.endswith("y") and len(word) > 1 and low[-2] not in "aeiou":
        return word[:-1] + "ies"
    if low.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    if low == "person":
        return "people"
    return word + "s"


class _Replay:
    def __init__(self, origin: str) -> None:
        self.schema = Schema()
        self.origin = origin
        self.warnings: list[SourceWarning] = []
        self.path = ""
        self.version: float | None = None

    def legacy_ids(self) -> bool:
        """Before Rails 5.1 (a migration without ``[version]`` is older) keys were integers, then bigints."""
        return self.origin == "migrations" and (self.version is None or self.version < 5.1)

    def warn(self, op: Op, reason: str) -> None:
        self.warnings.append(SourceWarning(path=self.path, line=op.line, reason=reason))

    def table(self, op: Op, name: Any) -> Table | None:
        table = self.schema.table(str(name))
        if table is None:
            if self.origin == "migrations":
                # migrations squashed away or made by an engine: the table is known by name only
                table = Table(name=str(name), source=self.path, origin="migrations", columns_known=False)
                self.schema.tables.append(table)
            else:
                self.warn(op, f"{op.name}: table {name!r} is not created before")
        return table

    def column_type(self, kind: str, opts: dict[str, Any]) -> str:
        base = TYPES.get(kind, kind.upper())
        if kind == "string" and isinstance(opts.get("limit"), int):
            return f"VARCHAR({opts['limit']})"
        if kind == "integer" and opts.get("limit") == 8:
            return "BIGINT"
        if kind == "integer" and opts.get("limit") == 2:
            return "SMALLINT"
        if kind in ("decimal", "numeric") and "precision" in opts:
            return f"{base}({opts['precision']},{opts.get('scale', 0)})"
        if opts.get("array") is True:
            return base + "[]"
        return base

    def add_column(self, table: Table, name: str, kind: str, opts: dict[str, Any]) -> None:
        col = Column(name=name, type=self.column_type(kind, opts), nullable=opts.get("null") is not False,
                     primary_key=opts.get("primary_key") is True or kind == "primary_key")
        if col.primary_key:
            col.nullable = False
        default = opts.get("default")
        if default is not None:
            col.default = default["~"] if isinstance(default, dict) and "~" in default else str(default)
        existing = table.column(name)
        if existing is not None:
            table.columns[table.columns.index(existing)] = col
        else:
            table.columns.append(col)
        if opts.get("index"):
            unique = isinstance(opts["index"], dict) and opts["index"].get("unique") is True
            table.indexes.append(Index(name=f"index_{table.name}_on_{name}", columns=[name], unique=unique))
        if opts.get("unique") is True:
            col.unique = True

    def reference(self, table: Table, ref: str, opts: dict[str, Any]) -> None:
        kind = str(opts.get("type", "integer" if self.legacy_ids() else "bigint"))
        column = f"{ref}_id"
        self.add_column(table, column, kind, {"null": opts.get("null")})
        cols = [column]
        if opts.get("polymorphic"):
            self.add_column(table, f"{ref}_type", "string", {"null": opts.get("null")})
            cols = [f"{ref}_type", column]
        if opts.get("index", True) is not False:
            index_opts: dict[str, Any] = opts["index"] if isinstance(opts.get("index"), dict) else {}
            table.indexes.append(Index(name=index_opts.get("name") or f"index_{table.name}_on_{'_and_'.join(cols)}",
                                       columns=cols, unique=index_opts.get("unique") is True))
        fk = opts.get("foreign_key")
        if fk:
            target = fk.get("to_table") if isinstance(fk, dict) else None
            table.foreign_keys.append(ForeignKey(columns=[column], ref_table=str(target or plural(ref)),
                                                 ref_columns=["id"]))

    def timestamps(self, table: Table, opts: dict[str, Any]) -> None:
        null = opts.get("null", None if self.version is None and self.origin == "migrations" else False)
        for name in ("created_at", "updated_at"):
            self.add_column(table, name, "datetime", {"null": null, "precision": opts.get("precision")})

    def index(self, table: Table, columns: Any, opts: dict[str, Any]) -> None:
        cols = [str(c) for c in columns] if isinstance(columns, list) else [str(columns)]
        name = opts.get("name") or f"index_{table.name}_on_{'_and_'.join(cols)}"
        table.indexes.append(Index(name=str(name), columns=cols, unique=opts.get("unique") is True))

    def table_block(self, table: Table, op: Op) -> None:
        for stmt in op.block:
            name, args, opts = stmt.name, stmt.args, stmt.opts
            if not stmt.literal:
                self.warn(stmt, f"t.{name}: arguments that are not literals, not read")
                continue
            if name in TYPES or name in ("column",):
                kind = name
                names = args
                if name == "column":
                    names, kind = args[:1], str(args[1]) if len(args) > 1 else "string"
                for col in names:
                    if isinstance(col, str):
                        self.add_column(table, col, kind, opts)
            elif name in ("references", "belongs_to"):
                for ref in args:
                    self.reference(table, str(ref), opts)
            elif name == "timestamps":
                self.timestamps(table, opts)
            elif name == "index":
                self.index(table, args[0] if args else [], opts)
            elif name in ("remove", "remove_columns"):
                self.remove_columns(table, [str(a) for a in args if isinstance(a, str)])
            elif name == "rename" and len(args) >= 2:
                rename_column(table, str(args[0]), str(args[1]))
            elif name == "change" and len(args) >= 2:
                self.add_column(table, str(args[0]), str(args[1]), opts)
            elif name in ("remove_references", "remove_belongs_to"):
                for ref in args:
                    self.remove_columns(table, [f"{ref}_id", f"{ref}_type"])
            elif name == "remove_timestamps":
                self.remove_columns(table, ["created_at", "updated_at"])
            elif name == "remove_index":
                self.remove_index(table, args, opts)
            elif name in ("check_constraint", "remove_check_constraint", "exclusion_constraint"):
                continue
            else:
                self.warn(stmt, f"t.{name} is not read")

    def remove_columns(self, table: Table, names: list[str]) -> None:
        low = {n.lower() for n in names}
        table.columns = [c for c in table.columns if c.name.lower() not in low]
        table.indexes = [ix for ix in table.indexes if not low & {c.lower() for c in ix.columns}]
        table.foreign_keys = [f for f in table.foreign_keys if not low & {c.lower() for c in f.columns}]

    def remove_index(self, table: Table, args: list[Any], opts: dict[str, Any]) -> None:
        if opts.get("name"):
            table.indexes = [ix for ix in table.indexes if ix.name != opts["name"]]
            return
        cols = opts.get("column", args[0] if args else None)
        cols = [str(c) for c in cols] if isinstance(cols, list) else [str(cols)]
        table.indexes = [ix for ix in table.indexes if ix.columns != cols]

    def apply(self, op: Op) -> None:
        name, args, opts = op.name, op.args, op.opts
        if not op.literal and name != "execute":
            self.warn(op, f"{name}: arguments that are not literals, not read")
            return
        if not args and name not in ("execute",):
            return
        if name == "create_table":
            table_name = str(args[0])
            existing = self.schema.table(table_name)
            if existing is not None:
                self.schema.tables.remove(existing)
            table = Table(name=table_name, source=self.path, origin=self.origin)  # type: ignore[arg-type]
            self.schema.tables.append(table)
            id_kind = opts.get("id", "primary_key")
            pk = opts.get("primary_key", "id")
            if id_kind is not False and not isinstance(pk, list):
                kind = "primary_key" if id_kind in ("primary_key", True) else str(id_kind)
                if kind == "primary_key" and self.legacy_ids():
                    kind = "integer"
                self.add_column(table, str(pk), "bigint" if kind == "primary_key" else kind,
                                {"null": False, "primary_key": True})
            self.table_block(table, op)
            if isinstance(pk, list):
                for col in table.columns:
                    if col.name in pk:
                        col.primary_key, col.nullable = True, False
        elif name == "change_table":
            table = self.table(op, args[0])
            if table is not None:
                self.table_block(table, op)
        elif name == "create_join_table" and len(args) >= 2:
            first, second = str(args[0]), str(args[1])
            table_name = str(opts.get("table_name") or "_".join(sorted([first, second])))
            table = Table(name=table_name, source=self.path, origin=self.origin)  # type: ignore[arg-type]
            self.schema.tables.append(table)
            for ref in (first, second):
                self.add_column(table, f"{singular(ref)}_id", "bigint", {"null": False})
            self.table_block(table, op)
        elif name in ("drop_table", "drop_join_table"):
            names = {str(a).lower() for a in args if isinstance(a, str)}
            if name == "drop_join_table" and len(args) >= 2:
                names = {str(opts.get("table_name") or "_".join(sorted([str(args[0]), str(args[1])]))).lower()}
            self.schema.tables = [t for t in self.schema.tables if t.name.lower() not in names]
        elif name == "rename_table" and len(args) >= 2:
            table = self.table(op, args[0])
            if table is not None:
                table.name = str(args[1])
        elif name == "add_column" and len(args) >= 3:
            table = self.table(op, args[0])
            if table is not None:
                self.add_column(table, str(args[1]), str(args[2]), opts)
        elif name in ("remove_column", "remove_columns"):
            table = self.table(op, args[0])
            cols = args[1:2] if name == "remove_column" else args[1:]
            if table is not None:
                self.remove_columns(table, [str(c) for c in cols])
        elif name == "rename_column" and len(args) >= 3:
            table = self.table(op, args[0])
            if table is not None:
                rename_column(table, str(args[1]), str(args[2]))
        elif name == "change_column" and len(args) >= 3:
            table = self.table(op, args[0])
            col = table.column(str(args[1])) if table is not None else None
            if table is not None:
                merged = {"null": None if col is None else (False if not col.nullable else None), **opts}
                self.add_column(table, str(args[1]), str(args[2]), merged)
                if col is not None and col.primary_key:
                    new = table.column(str(args[1]))
                    if new is not None:
                        new.primary_key, new.nullable = True, False
        elif name == "change_column_null" and len(args) >= 3:
            table = self.table(op, args[0])
            col = table.column(str(args[1])) if table is not None else None
            if col is not None:
                col.nullable = bool(args[2])
        elif name == "change_column_default" and len(args) >= 2:
            table = self.table(op, args[0])
            col = table.column(str(args[1])) if table is not None else None
            if col is not None:
                value = opts.get("to") if "to" in opts else (args[2] if len(args) > 2 else None)
                col.default = None if value is None else (value["~"] if isinstance(value, dict) and "~" in value
                                                          else str(value))
        elif name in ("add_reference", "add_belongs_to") and len(args) >= 2:
            table = self.table(op, args[0])
            if table is not None:
                self.reference(table, str(args[1]), opts)
        elif name in ("remove_reference", "remove_belongs_to") and len(args) >= 2:
            table = self.table(op, args[0])
            if table is not None:
                self.remove_columns(table, [f"{args[1]}_id", f"{args[1]}_type"])
        elif name in ("add_timestamps", "remove_timestamps"):
            table = self.table(op, args[0])
            if table is not None:
                if name == "add_timestamps":
                    self.timestamps(table, opts)
                else:
                    self.remove_columns(table, ["created_at", "updated_at"])
        elif name == "add_index" and len(args) >= 2:
            table = self.table(op, args[0])
            if table is not None:
                self.index(table, args[1], opts)
        elif name == "remove_index":
            table = self.table(op, args[0])
            if table is not None:
                self.remove_index(table, args[1:], opts)
        elif name == "rename_index" and len(args) >= 3:
            table = self.table(op, args[0])
            for ix in table.indexes if table is not None else []:
                if ix.name == args[1]:
                    ix.name = str(args[2])
        elif name == "add_foreign_key" and len(args) >= 2:
            table = self.table(op, args[0])
            if table is not None:
                column = str(opts.get("column") or f"{singular(str(args[1]))}_id")
                table.foreign_keys.append(ForeignKey(columns=[column], ref_table=str(args[1]),
                                                     ref_columns=[str(opts.get("primary_key", "id"))]))
        elif name == "remove_foreign_key":
            table = self.table(op, args[0])
            if table is not None:
                target = str(args[1]) if len(args) > 1 else str(opts.get("to_table") or "")
                by_column = opts.get("column")
                table.foreign_keys = [fk for fk in table.foreign_keys if not ((target and fk.ref_table == target)
                                                                              or (by_column and fk.columns == [by_column]))]
        elif name == "execute":
            sql = args[0] if args and isinstance(args[0], str) else None
            if sql is None:
                self.warn(op, "execute: SQL that is not a literal string is not read")
                return
            self.warnings.extend(apply_sql(self.schema, sql, None, self.path, self.origin, op.line))


def _wants_schema(path: str) -> bool:
    return _own(path) and _is_schema(path)


def _wants_migration(path: str) -> bool:
    return _own(path) and _is_migration(path)


def _database(path: str, kind: str) -> tuple[int, str]:
    """Which database a file describes: ``db/schema.rb``/``db/migrate`` are the primary one (sorted first),
    ``db/<name>_schema.rb``/``db/<name>_migrate`` another (Rails' multiple databases)."""
    parts = path.split("/")
    name = parts[-1] if kind == "schema" else parts[-2]
    prefix = "/".join(parts[:-1]) if kind == "schema" else "/".join(parts[:-2])
    primary = name in ("schema.rb", "migrate")
    return (0 if primary else 1), f"{prefix}/{name}"


def _build(parsed: dict[str, RubyFile], kind: str) -> SchemaPart:
    origin = "ddl" if kind == "schema" else "migrations"
    groups: dict[tuple[int, str], list[tuple[str, RubyFile]]] = {}
    for path, facts in parsed.items():
        if facts.kind == kind:
            groups.setdefault(_database(path, kind), []).append((path, facts))
    tables: list[Table] = []
    enums = []
    warnings: list[SourceWarning] = []
    sources = []
    for database in sorted(groups):
        # each database is replayed on its own: two databases may hold tables of the same name
        replay = _Replay(origin)
        for path, facts in sorted(groups[database], key=lambda item: natural_key(item[0].rsplit("/", 1)[-1])):
            replay.path, replay.version = path, facts.version if kind == "migration" else None
            replay.warnings.extend(facts.warnings)
            for op in facts.ops:
                replay.apply(op)
            sources.append(path)
        warnings.extend(replay.warnings)
        enums.extend(replay.schema.enums)
        known = {t.name.lower() for t in tables}
        for table in replay.schema.tables:
            if table.name.lower() in known:
                warnings.append(SourceWarning(path=table.source or database[1], reason=(
                    f"table {table.name!r} of the database in {database[1]} has the name of one already read; "
                    "shown once")))
                continue
            tables.append(table)
    return SchemaPart(reader=f"rails-{'schema' if kind == 'schema' else 'migrations'}", origin=origin,  # type: ignore[arg-type]
                      tables=tables, enums=enums, warnings=warnings, sources=sources,
                      migrations_dump=kind == "schema")


def build_schema(parsed: dict[str, RubyFile]) -> SchemaPart:
    return _build(parsed, "schema")


def build_migrations(parsed: dict[str, RubyFile]) -> SchemaPart:
    return _build(parsed, "migration")


READERS = [
    Reader(name="rails-schema", wants=_wants_schema, parse=parse, build=build_schema,
           suffixes=frozenset({".rb"})),
    Reader(name="rails-migrations", wants=_wants_migration, parse=parse, build=build_migrations,
           suffixes=frozenset({".rb"})),
]
