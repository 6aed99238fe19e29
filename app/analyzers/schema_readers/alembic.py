"""Alembic revisions (``…/versions/*.py``, Flask-Migrate included), replayed in ``down_revision`` order.

Each revision's ``upgrade()`` is read with ``ast`` into schema operations (``sql_ddl``): ``op.create_table``,
``add_column``, ``drop_column``, ``alter_column``, ``create_index``, ``drop_index``,
``create_foreign_key``, ``create_unique_constraint``, ``create_primary_key``, ``drop_constraint``,
``drop_table``, ``rename_table``, the same calls on ``batch_alter_table``'s ``batch_op``, and
``op.execute("…SQL…")`` read with sqlglot. Revisions are ordered parents first; a merge revision (a
tuple ``down_revision``) comes after all its parents, and branches are replayed side by side. A call
we cannot read (a computed table name, SQL built at run time) is a warning with its line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart
from phasegate.app.analyzers.schema_readers._python import kwarg, kwbool, last, literal, sa_type, source_text
from phasegate.app.analyzers.schema_readers.sqlalchemy import _column
from phasegate.app.analyzers.sql_ddl import (
    AddColumn,
    AddForeignKey,
    AddIndex,
    AlterColumn,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    Op,
    RenameTable,
    Replay,
    SetPrimaryKey,
    sql_facts,
)

_TABLE_CALLS = {"create_table", "drop_table", "rename_table", "add_column", "drop_column", "alter_column",
                "create_index", "drop_index", "create_foreign_key", "drop_constraint", "create_unique_constraint",
                "create_primary_key", "execute", "create_check_constraint", "bulk_insert", "get_bind",
                "create_table_comment", "drop_table_comment", "f", "batch_alter_table", "inline_literal"}


@dataclass
class Revision:
    revision: str
    down: tuple[str, ...]
    ops: list[Op] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _wants(path: str) -> bool:
    return path.endswith(".py") and "/versions/" in f"/{path}"


def _str(node: ast.AST | None) -> str | None:
    """A string argument, ``op.f("name")`` included."""
    if isinstance(node, ast.Call) and last(node.func) == "f" and node.args:
        node = node.args[0]
    value = literal(node)
    return value if isinstance(value, str) else None


def _strs(node: ast.AST | None) -> list[str]:
    value = literal(node)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _arg(call: ast.Call, index: int, name: str) -> ast.AST | None:
    if len(call.args) > index:
        return call.args[index]
    return kwarg(call, name)


class _Ops:
    def __init__(self, revision: Revision, functions: dict[str, ast.FunctionDef]) -> None:
        self.rev = revision
        self.functions = functions  # module-level helpers ``upgrade()`` calls: followed, not run
        self.depth = 0

    def helper(self, call: ast.Call) -> ast.FunctionDef | None:
        if isinstance(call.func, ast.Name) and self.depth < 8:
            return self.functions.get(call.func.id)
        return None

    def expand(self, items: list[ast.AST]) -> list[ast.AST]:
        """``*timestamps()`` of a helper returning a tuple of columns: those columns."""
        out: list[ast.AST] = []
        for item in items:
            if isinstance(item, ast.Starred) and isinstance(item.value, ast.Call) and (fn := self.helper(item.value)):
                for stmt in fn.body:
                    if isinstance(stmt, ast.Return) and isinstance(stmt.value, (ast.Tuple, ast.List)):
                        out += stmt.value.elts
            elif isinstance(item, ast.Call) and (fn := self.helper(item)):
                returns = [s.value for s in fn.body if isinstance(s, ast.Return) and s.value is not None]
                out += returns[:1] if returns and isinstance(returns[0], ast.Call) else [item]
            else:
                out.append(item)
        return out

    def problem(self, node: ast.AST, reason: str) -> None:
        self.rev.problems.append((getattr(node, "lineno", None), reason))

    def body(self, stmts: list[ast.stmt], batch: dict[str, str]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.With):
                inner = dict(batch)
                for item in stmt.items:
                    call = item.context_expr
                    if isinstance(call, ast.Call) and last(call.func) == "batch_alter_table":
                        table = _str(_arg(call, 0, "table_name"))
                        if table is None:
                            self.problem(call, "alembic: batch_alter_table of a table name computed at run time")
                        elif isinstance(item.optional_vars, ast.Name):
                            inner[item.optional_vars.id] = table
                self.body(stmt.body, inner)
            elif isinstance(stmt, (ast.If, ast.For, ast.Try)):
                self.body(stmt.body, batch)
                self.body(getattr(stmt, "orelse", []), batch)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                fn = self.helper(stmt.value)
                if fn is not None:
                    self.depth += 1
                    self.body(fn.body, batch)
                    self.depth -= 1
                else:
                    self.call(stmt.value, batch)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                self.call(stmt.value, batch)

    def call(self, call: ast.Call, batch: dict[str, str]) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        name = func.attr
        if owner in batch:
            self.batch_call(batch[owner], name, call)
        elif owner == "op":
            self.op_call(name, call)

    def op_call(self, name: str, call: ast.Call) -> None:
        line = call.lineno
        ops = self.rev.ops
        if name == "create_table":
            table = _str(_arg(call, 0, "table_name"))
            if table is None:
                return self.problem(call, "alembic: create_table of a table name computed at run time")
            ops.append(self.create_table(table, self.expand(list(call.args[1:])), line))
        elif name == "drop_table":
            table = _str(_arg(call, 0, "table_name"))
            if table:
                ops.append(DropTable(table=table, line=line))
        elif name == "rename_table":
            old, new = _str(_arg(call, 0, "old_table_name")), _str(_arg(call, 1, "new_table_name"))
            if old and new:
                ops.append(RenameTable(old=old, new=new, line=line))
        elif name == "execute":
            self.execute(call)
        elif name in ("add_column", "drop_column", "alter_column", "create_index", "drop_index",
                      "create_foreign_key", "drop_constraint", "create_unique_constraint", "create_primary_key"):
            table_index = {"create_index": 1, "create_foreign_key": 1, "drop_constraint": 1,
                           "create_unique_constraint": 1, "create_primary_key": 1, "drop_index": -1}.get(name, 0)
            if table_index < 0:
                index_name = _str(_arg(call, 0, "index_name"))
                table = _str(_arg(call, 1, "table_name"))
                if index_name:
                    ops.append(DropIndex(name=index_name, table=table, line=line))
                return None
            table = _str(_arg(call, table_index, "table_name" if table_index == 0 else "source_table"))
            if table is None:
                table = _str(kwarg(call, "table_name"))
            if table is None:
                return self.problem(call, f"alembic: {name} on a table name computed at run time")
            rest: list[ast.AST] = list(call.args)
            del rest[table_index:table_index + 1]
            self.table_op(table, name, rest, call)
        return None

    def batch_call(self, table: str, name: str, call: ast.Call) -> None:
        self.table_op(table, name, [*call.args], call)

    def table_op(self, table: str, name: str, args: list[ast.AST], call: ast.Call) -> None:
        """One table-level call; ``args`` are the positional arguments without the table name."""
        line = call.lineno
        ops = self.rev.ops

        def arg(index: int, key: str) -> ast.AST | None:
            return args[index] if len(args) > index else kwarg(call, key)

        if name == "add_column":
            node = arg(0, "column")
            if isinstance(node, ast.Call):
                col = _column("?", node, None)
                if col is not None:
                    fks = [ForeignKey(columns=[col.column.name], ref_table=t.rpartition(".")[0] or t,
                                      ref_columns=[t.rpartition(".")[2]]) for t in [col.fk_target] if t and t != "?"]
                    ops.append(AddColumn(table=table, column=col.column, foreign_keys=fks, line=line))
                    if col.index:
                        ops.append(AddIndex(table=table, line=line, index=Index(
                            name=f"ix_{table}_{col.column.name}", columns=[col.column.name])))
                    return
            self.problem(call, "alembic: add_column of a column we cannot read")
        elif name == "drop_column":
            column = _str(arg(0, "column_name"))
            if column:
                ops.append(DropColumn(table=table, column=column, line=line))
        elif name == "alter_column":
            column = _str(arg(0, "column_name"))
            if column is None:
                return self.problem(call, "alembic: alter_column of a column name computed at run time")
            type_node = kwarg(call, "type_")
            default_node = kwarg(call, "server_default")
            drop_default = default_node is not None and literal(default_node, "?") is None
            new_name = _str(kwarg(call, "new_column_name"))
            ops.append(AlterColumn(table=table, column=column, line=line, nullable=kwbool(call, "nullable"),
                                   type=sa_type(type_node) if type_node is not None else None,
                                   default=source_text(default_node) if default_node is not None and not drop_default
                                   else None, drop_default=drop_default, new_name=new_name))
        elif name == "create_index":
            ops.append(AddIndex(table=table, line=line, index=Index(
                name=_str(arg(0, "index_name")), columns=_strs(arg(1, "columns")), unique=bool(kwbool(call, "unique")))))
        elif name == "drop_index":
            index_name = _str(arg(0, "index_name"))
            if index_name:
                ops.append(DropIndex(name=index_name, table=table, line=line))
        elif name == "create_foreign_key":
            constraint, referent = _str(arg(0, "constraint_name")), _str(arg(1, "referent_table"))
            if referent is None:
                return self.problem(call, "alembic: create_foreign_key to a table name computed at run time")
            ops.append(AddForeignKey(table=table, name=constraint, line=line, foreign_key=ForeignKey(
                columns=_strs(arg(2, "local_cols")), ref_table=referent, ref_columns=_strs(arg(3, "remote_cols")))))
        elif name == "drop_constraint":
            constraint = _str(arg(0, "constraint_name"))
            if constraint:
                ops.append(DropConstraint(table=table, name=constraint, line=line))
        elif name == "create_unique_constraint":
            ops.append(AddIndex(table=table, line=line, index=Index(
                name=_str(arg(0, "constraint_name")), columns=_strs(arg(1, "columns")), unique=True)))
        elif name == "create_primary_key":
            ops.append(SetPrimaryKey(table=table, columns=_strs(arg(1, "columns")), line=line))
        return None

    def create_table(self, table: str, items: list[ast.AST], line: int) -> CreateTable:
        op = CreateTable(table=table, line=line)
        for item in items:
            if not isinstance(item, ast.Call):
                continue
            kind = last(item.func)
            if kind == "Column":
                col = _column("?", item, None)
                if col is None:
                    continue
                op.columns.append(col.column)
                if col.column.primary_key:
                    op.primary_key.append(col.column.name)
                if col.fk_target and col.fk_target != "?":  # "?": computed at run time
                    ref, _, ref_col = col.fk_target.rpartition(".")
                    op.foreign_keys.append((None, ForeignKey(columns=[col.column.name], ref_table=ref or ref_col,
                                                             ref_columns=[ref_col] if ref else [])))
                if col.index:
                    op.indexes.append(Index(name=f"ix_{table}_{col.column.name}", columns=[col.column.name]))
            elif kind == "PrimaryKeyConstraint":
                op.primary_key += [c for c in (literal(a) for a in item.args) if isinstance(c, str)]
            elif kind == "ForeignKeyConstraint" and len(item.args) >= 2:
                local, remote = _strs(item.args[0]), _strs(item.args[1])
                if remote:
                    ref = remote[0].rpartition(".")[0]
                    op.foreign_keys.append((_str(kwarg(item, "name")), ForeignKey(
                        columns=local, ref_table=ref, ref_columns=[r.rpartition(".")[2] for r in remote])))
            elif kind == "UniqueConstraint":
                cols = [c for c in (literal(a) for a in item.args) if isinstance(c, str)]
                op.indexes.append(Index(name=_str(kwarg(item, "name")), columns=cols, unique=True))
            elif kind == "Index":
                values = [c for c in (literal(a) for a in item.args) if isinstance(c, str)]
                if values:
                    op.indexes.append(Index(name=values[0], columns=values[1:], unique=bool(kwbool(item, "unique"))))
        for col in op.columns:
            if col.name in op.primary_key:
                col.primary_key, col.nullable = True, False
        return op

    def execute(self, call: ast.Call) -> None:
        node = _arg(call, 0, "sqltext")
        if isinstance(node, ast.Call) and last(node.func) == "text" and node.args:
            node = node.args[0]
        sql = literal(node)
        if not isinstance(sql, str):
            return self.problem(call, "alembic: op.execute of SQL built at run time, not read")
        facts = sql_facts(sql, None, call.lineno)
        self.rev.ops += facts.ops
        self.rev.problems += facts.problems
        return None


def _parse(path: str, text: str) -> Revision | None:
    if "revision" not in text or "upgrade" not in text:
        return None
    tree = ast.parse(text)
    revision: str | None = None
    down: tuple[str, ...] = ()
    upgrade: ast.FunctionDef | None = None
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "revision":
                    value = literal(node.value)
                    revision = value if isinstance(value, str) else None
                elif isinstance(target, ast.Name) and target.id == "down_revision":
                    value = literal(node.value)
                    down = (value,) if isinstance(value, str) else tuple(v for v in value or () if isinstance(v, str))
        elif isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            upgrade = node
    if revision is None or upgrade is None:
        return None
    rev = Revision(revision=revision, down=down)
    _Ops(rev, functions).body(upgrade.body, {})
    return rev


def _order(parsed: dict[str, Revision]) -> list[str]:
    """Paths parents first (Kahn's algorithm); ties, and revisions in a cycle, in path order."""
    by_rev = {r.revision: p for p, r in parsed.items()}
    pending = {p: {d for d in r.down if d in by_rev} for p, r in parsed.items()}
    children: dict[str, list[str]] = {}
    for path, rev in parsed.items():
        for d in rev.down:
            if d in by_rev:
                children.setdefault(d, []).append(path)
    ready = sorted((p for p, deps in pending.items() if not deps), key=natural_key)
    order: list[str] = []
    done: set[str] = set()
    while ready:
        path = ready.pop(0)
        order.append(path)
        done.add(path)
        for child in children.get(parsed[path].revision, []):
            pending[child].discard(parsed[path].revision)
            if not pending[child] and child not in done and child not in ready:
                ready.append(child)
        ready.sort(key=natural_key)
    order += sorted((p for p in parsed if p not in done), key=natural_key)
    return order


def _build(parsed: dict[str, Revision]) -> SchemaPart:
    # Several alembic folders (one per service) are separate histories; each is replayed in order.
    replay = Replay(origin="migrations")
    warnings: list[SourceWarning] = []
    sources: list[str] = []
    for path in _order(parsed):
        rev = parsed[path]
        sources.append(path)
        replay.apply_all(rev.ops, path)
        warnings += [SourceWarning(path=path, line=line, reason=reason) for line, reason in rev.problems]
    return SchemaPart(reader="alembic", origin="migrations", tables=list(replay.tables.values()),
                      enums=list(replay.enums.values()), warnings=warnings, sources=sources)


READERS = [Reader(name="alembic", wants=_wants, parse=_parse, build=_build,
                  suffixes=frozenset({".py"}), keywords=("upgrade",))]  # ``_parse`` needs it (and "revision")

__all__ = ["READERS", "Column"]
