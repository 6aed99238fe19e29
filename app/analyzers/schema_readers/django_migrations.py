"""Django migrations (``<app>/migrations/NNNN_*.py``) replayed in dependency order, read with ``ast``.

Operations read: ``CreateModel``, ``DeleteModel``, ``RenameModel``, ``AlterModelTable``, ``AddField``,
``RemoveField``, ``AlterField``, ``RenameField``, ``AddIndex``, ``RemoveIndex``, ``AddConstraint``,
``AlterUniqueTogether`` and ``RunSQL`` (its SQL read with sqlglot). Table and column names follow the
model rules of ``django.py`` (app label from the folder or its ``AppConfig``). A migration runs after
every migration it depends on; dependencies on apps outside the repository (``auth``, swappable
settings) are ignored. An operation we cannot read (``RunPython``, a computed argument) is a warning
only where it could change the schema: ``RunPython`` is data, not schema, and is not reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart
from phasegate.app.analyzers.schema_readers._python import dotted, kwarg, last, literal
from phasegate.app.analyzers.schema_readers.django import DjangoFile, FieldFacts, app_folder, field_facts
from phasegate.app.analyzers.schema_readers.django import _parse as parse_apps
from phasegate.app.analyzers.sql_ddl import (
    AddColumn,
    AddIndex,
    CreateTable,
    DropColumn,
    DropIndex,
    DropTable,
    Op,
    RenameTable,
    ReplaceColumn,
    Replay,
    sql_facts,
)


@dataclass
class Step:
    """One operation of a migration, still in model terms (tables are named in build, once labels are known)."""

    kind: str
    line: int
    model: str = ""
    name: str = ""
    new: str = ""
    call: dict[str, object] = field(default_factory=dict)


@dataclass
class MigrationFile:
    app: str  # the app folder
    name: str  # "0002_auto"
    dependencies: list[tuple[str, str]] = field(default_factory=list)  # (app label, migration name)
    steps: list[Step] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    labels: DjangoFile | None = None  # an AppConfig file, read for labels


def _wants(path: str) -> bool:
    if not path.endswith(".py"):
        return False
    if "/migrations/" in f"/{path}":
        return not path.endswith("__init__.py")
    return path.rsplit("/", 1)[-1] in ("apps.py", "__init__.py")


def _field_data(name: str, node: ast.AST | None) -> dict[str, object] | None:
    if not isinstance(node, ast.Call):
        return None
    facts = field_facts(name, node)
    if facts is None:
        return None
    return {"facts": facts}


def _parse(path: str, text: str) -> MigrationFile | None:
    if "/migrations/" not in f"/{path}":
        labels = parse_apps(path, text) if "AppConfig" in text else None
        if labels is None or not labels.labels:
            return None
        return MigrationFile(app="", name="", labels=DjangoFile(labels=labels.labels))
    if "Migration" not in text:
        return None
    tree = ast.parse(text)
    migration = MigrationFile(app=app_folder(path), name=path.rsplit("/", 1)[-1][:-3])
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == "Migration"):
            continue
        for stmt in node.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            key = stmt.targets[0].id
            if key == "dependencies" and isinstance(stmt.value, (ast.List, ast.Tuple)):
                for dep in stmt.value.elts:
                    value = literal(dep)
                    if isinstance(value, (tuple, list)) and len(value) == 2:
                        migration.dependencies.append((str(value[0]), str(value[1])))
            elif key == "operations" and isinstance(stmt.value, (ast.List, ast.Tuple)):
                for op in stmt.value.elts:
                    if isinstance(op, ast.Call):
                        _step(op, migration)
    return migration


def _arg(call: ast.Call, index: int, name: str) -> ast.AST | None:
    return call.args[index] if len(call.args) > index else kwarg(call, name)


def _s(node: ast.AST | None) -> str:
    value = literal(node)
    return value if isinstance(value, str) else ""


def _step(call: ast.Call, migration: MigrationFile) -> None:
    kind = last(call.func)
    line = call.lineno
    steps = migration.steps
    if kind == "CreateModel":
        fields_node = _arg(call, 1, "fields")
        fields = []
        if isinstance(fields_node, (ast.List, ast.Tuple)):
            for item in fields_node.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    data = _field_data(_s(item.elts[0]), item.elts[1])
                    if data is not None:
                        fields.append(data["facts"])
        options = literal(_arg(call, 2, "options"), {})
        options = options if isinstance(options, dict) else {}
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "name")),
                          call={"fields": fields, "db_table": options.get("db_table"),
                                "abstract": bool(options.get("abstract")), "proxy": bool(options.get("proxy")),
                                "unique_together": options.get("unique_together")}))
    elif kind in ("AddField", "AlterField"):
        data = _field_data(_s(_arg(call, 1, "name")), _arg(call, 2, "field"))
        if data is None:
            migration.problems.append((line, f"django migration: {kind} of a field we cannot read"))
            return
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "model_name")), name=_s(_arg(call, 1, "name")),
                          call=data))
    elif kind == "RemoveField":
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "model_name")), name=_s(_arg(call, 1, "name"))))
    elif kind == "RenameField":
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "model_name")),
                          name=_s(_arg(call, 1, "old_name")), new=_s(_arg(call, 2, "new_name"))))
    elif kind == "DeleteModel":
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "name"))))
    elif kind == "RenameModel":
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "old_name")), new=_s(_arg(call, 1, "new_name"))))
    elif kind == "AlterModelTable":
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "name")), new=_s(_arg(call, 1, "table"))))
    elif kind in ("AddIndex", "AddConstraint"):
        index = _arg(call, 1, "index" if kind == "AddIndex" else "constraint")
        if isinstance(index, ast.Call) and last(index.func) in ("Index", "UniqueConstraint"):
            fields = [f.lstrip("-") for f in literal(kwarg(index, "fields"), []) or [] if isinstance(f, str)]
            steps.append(Step(kind="AddIndex", line=line, model=_s(_arg(call, 0, "model_name")),
                              name=_s(kwarg(index, "name")),
                              call={"fields": fields, "unique": last(index.func) == "UniqueConstraint"}))
    elif kind in ("RemoveIndex", "RemoveConstraint"):
        steps.append(Step(kind="RemoveIndex", line=line, model=_s(_arg(call, 0, "model_name")),
                          name=_s(_arg(call, 1, "name"))))
    elif kind == "AlterUniqueTogether":
        groups = literal(_arg(call, 1, "unique_together"), None)
        steps.append(Step(kind=kind, line=line, model=_s(_arg(call, 0, "name")), call={"groups": groups}))
    elif kind == "RunSQL":
        sql_node = _arg(call, 0, "sql")
        sql = literal(sql_node)
        if isinstance(sql, (list, tuple)):
            sql = ";\n".join(s if isinstance(s, str) else s[0] for s in sql if isinstance(s, (str, tuple, list)))
        if not isinstance(sql, str):
            migration.problems.append((line, "django migration: RunSQL of SQL built at run time, not read"))
            return
        facts = sql_facts(sql, None, line)
        steps.append(Step(kind=kind, line=line, call={"ops": facts.ops}))
        migration.problems += facts.problems
    elif kind in ("SeparateDatabaseAndState",):
        migration.problems.append((line, "django migration: SeparateDatabaseAndState not replayed"))
    elif dotted(call.func).startswith("migrations.") and kind not in (
            "RunPython", "AlterModelOptions", "AlterModelManagers", "AlterIndexTogether", "AlterOrderWithRespectTo",
            "AlterModelTableComment"):
        migration.problems.append((line, f"django migration: {kind} not replayed"))


def _order(files: dict[str, MigrationFile], labels: dict[str, str]) -> list[str]:
    def label(m: MigrationFile) -> str:
        return labels.get(m.app) or m.app.rsplit("/", 1)[-1]

    key_of = {(label(m), m.name): p for p, m in files.items()}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(path: str) -> None:
        if state.get(path) is not None:
            return
        state[path] = 1
        for dep in files[path].dependencies:
            target = key_of.get(dep)
            if target is not None:
                visit(target)
        state[path] = 2
        order.append(path)

    for path in sorted(files, key=natural_key):
        visit(path)
    return order


def _build(parsed: dict[str, MigrationFile]) -> SchemaPart:
    labels: dict[str, str] = {}
    for path, mig in parsed.items():
        if mig.labels is not None:
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            for short, label in mig.labels.labels.items():
                if folder.rsplit("/", 1)[-1] == short or folder not in labels:
                    labels[folder] = label
    files = {p: m for p, m in parsed.items() if m.labels is None}
    replay = Replay(origin="migrations")
    warnings: list[SourceWarning] = []
    tables: dict[tuple[str, str], str] = {}  # (label, model lower) -> table name
    sources: list[str] = []
    order = _order(files, labels)
    # Every model's table first, so a relation to a model created later (or to the swappable user
    # model, whose dependency is computed) still names the right table.
    for path in order:
        mig = files[path]
        label = labels.get(mig.app) or mig.app.rsplit("/", 1)[-1]
        for step in mig.steps:
            if step.kind == "CreateModel" and not step.call.get("abstract"):
                db_table = step.call.get("db_table")
                tables.setdefault((label, step.model.lower()),
                                  db_table if isinstance(db_table, str) else f"{label}_{step.model.lower()}")
    for path in order:
        mig = files[path]
        label = labels.get(mig.app) or mig.app.rsplit("/", 1)[-1]
        sources.append(path)
        warnings += [SourceWarning(path=path, line=line, reason=reason) for line, reason in mig.problems]
        for step in mig.steps:
            for op in _ops(step, label, tables):
                replay.apply(op, path)
    return SchemaPart(reader="django-migrations", origin="migrations", tables=list(replay.tables.values()),
                      warnings=warnings, sources=sources)


def _target(field_facts_target: str | None, label: str, model: str, tables: dict[tuple[str, str], str]) -> str:
    target = field_facts_target or "self"
    if target == "self":
        return tables.get((label, model.lower()), f"{label}_{model.lower()}")
    if target.endswith("AUTH_USER_MODEL"):
        users = [t for (lab, name), t in tables.items() if name == "user"]
        return users[0] if users else "auth_user"
    app, _, name = target.rpartition(".")
    app = app or label
    return tables.get((app, name.lower()), f"{app.lower()}_{name.lower()}")


def _ops(step: Step, label: str, tables: dict[tuple[str, str], str]) -> list[Op]:
    model = step.model.lower()
    table = tables.get((label, model), f"{label}_{model}")
    line = step.line
    if step.kind == "CreateModel":
        if step.call.get("abstract") or step.call.get("proxy"):
            return []
        db_table = step.call.get("db_table")
        table = db_table if isinstance(db_table, str) else f"{label}_{model}"
        tables[(label, model)] = table
        create = CreateTable(table=table, line=line)
        after: list[Op] = []
        fields = step.call.get("fields") or []
        for f in fields:  # type: ignore[attr-defined]
            if f.column is None:
                if f.kind == "ManyToManyField" and not f.through:
                    after.append(_join(f, label, step.model, table, tables, line))
                continue
            col = f.column.model_copy()
            if f.parent_link:
                col.primary_key, col.nullable = True, False
            create.columns.append(col)
            if col.primary_key:
                create.primary_key.append(col.name)
            if f.target is not None:
                create.foreign_keys.append((None, ForeignKey(columns=[col.name], ref_columns=["id"],
                                                             ref_table=_target(f.target, label, step.model, tables))))
            if f.index:
                create.indexes.append(Index(columns=[col.name]))
        groups = step.call.get("unique_together")
        for group in _groups(groups):
            create.indexes.append(Index(columns=[_col(fields, g) for g in group], unique=True))
        return [create, *after]
    if step.kind == "DeleteModel":
        tables.pop((label, model), None)
        return [DropTable(table=table, line=line)]
    if step.kind == "RenameModel":
        new_table = table if table != f"{label}_{model}" else f"{label}_{step.new.lower()}"
        tables.pop((label, model), None)
        tables[(label, step.new.lower())] = new_table
        return [RenameTable(old=table, new=new_table, line=line)] if new_table != table else []
    if step.kind == "AlterModelTable":
        new_table = step.new or f"{label}_{model}"
        tables[(label, model)] = new_table
        return [RenameTable(old=table, new=new_table, line=line)]
    if step.kind in ("AddField", "AlterField"):
        f = step.call["facts"]
        assert isinstance(f, FieldFacts)
        if f.column is None:
            if step.kind == "AddField" and f.kind == "ManyToManyField" and not f.through:
                return [_join(f, label, step.model, table, tables, line)]
            return []
        column = f.column.model_copy()
        fks = [] if f.target is None else [ForeignKey(
            columns=[column.name], ref_table=_target(f.target, label, step.model, tables), ref_columns=["id"])]
        if step.kind == "AddField":
            return [AddColumn(table=table, column=column, foreign_keys=fks, line=line)]
        return [ReplaceColumn(table=table, old_name=column.name, column=column, line=line)]
    if step.kind == "RemoveField":
        # the column of a relation is ``<name>_id``; the replay drops whichever exists
        return [DropColumn(table=table, column=step.name, line=line),
                DropColumn(table=table, column=f"{step.name}_id", line=line),
                DropTable(table=f"{table}_{step.name}", line=line)]
    if step.kind == "RenameField":
        from phasegate.app.analyzers.sql_ddl import AlterColumn

        return [AlterColumn(table=table, column=step.name, new_name=step.new, line=line),
                AlterColumn(table=table, column=f"{step.name}_id", new_name=f"{step.new}_id", line=line)]
    if step.kind == "AddIndex":
        return [AddIndex(table=table, line=line, index=Index(name=step.name or None,
                                                             columns=list(step.call.get("fields") or []),  # type: ignore[call-overload]
                                                             unique=bool(step.call.get("unique"))))]
    if step.kind == "RemoveIndex":
        return [DropIndex(name=step.name, table=table, line=line)]
    if step.kind == "AlterUniqueTogether":
        return [AddIndex(table=table, line=line, index=Index(columns=list(g), unique=True))
                for g in _groups(step.call.get("groups"))]
    if step.kind == "RunSQL":
        return list(step.call.get("ops") or [])  # type: ignore[call-overload]
    return []


def _groups(value: object) -> list[tuple[str, ...]]:
    # Django writes ``unique_together`` as a set in its migrations: a set is iterated sorted, or the
    # indexes' order would follow the process's string hash seed (a ``schema --json`` differing per run)
    if not isinstance(value, (list, tuple, set, frozenset)):
        return []
    unordered = isinstance(value, (set, frozenset))
    if value and all(isinstance(v, str) for v in value):
        return [tuple(sorted(value) if unordered else value)]
    out = []
    for group in sorted(value, key=repr) if unordered else value:
        if isinstance(group, (list, tuple)):
            out.append(tuple(str(g) for g in group))
    return out


def _col(fields: object, name: str) -> str:
    for f in fields or ():  # type: ignore[attr-defined]
        if f.name == name and f.column is not None:
            return str(f.column.name)
    return name


def _join(f: FieldFacts, label: str, model: str, table: str, tables: dict[tuple[str, str], str],
          line: int) -> CreateTable:
    m2m_table = f.m2m_table
    target_name = f.target or "self"
    target_model = model.lower() if target_name == "self" else (
        "user" if target_name.endswith("AUTH_USER_MODEL") else target_name.rpartition(".")[2].lower())
    source = model.lower()
    if source == target_model:
        source, target_model = f"from_{source}", f"to_{target_model}"
    name = m2m_table or f"{table}_{f.name}"
    return CreateTable(
        table=name, line=line, primary_key=["id"],
        columns=[Column(name="id", type="INTEGER", nullable=False, primary_key=True),
                 Column(name=f"{source}_id", type="INTEGER", nullable=False),
                 Column(name=f"{target_model}_id", type="INTEGER", nullable=False)],
        foreign_keys=[(None, ForeignKey(columns=[f"{source}_id"], ref_table=table, ref_columns=["id"])),
                      (None, ForeignKey(columns=[f"{target_model}_id"], ref_columns=["id"],
                                        ref_table=_target(target_name, label, model, tables)))],
        indexes=[Index(columns=[f"{source}_id", f"{target_model}_id"], unique=True)])


READERS = [Reader(name="django-migrations", wants=_wants, parse=_parse, build=_build,
                  suffixes=frozenset({".py"}), keywords=("AppConfig", "Migration"))]  # ``_parse``'s tests
