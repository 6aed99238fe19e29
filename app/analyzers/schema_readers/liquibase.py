"""Liquibase changelogs: XML, YAML, JSON and formatted SQL, replayed in the master changelog's order.

Each changelog file is parsed on its own (XML with expat, so every change keeps its line; YAML with
PyYAML; JSON with ``json``; formatted SQL by its ``--liquibase formatted sql`` header). ``build``
finds the master changelogs (the ones no other changelog includes), follows their ``include`` and
``includeAll`` entries in order, and applies every change to one schema: ``createTable``,
``addColumn``, ``dropColumn``, ``renameColumn``, ``renameTable``, ``dropTable``, ``createIndex``,
``dropIndex``, ``addForeignKeyConstraint``, ``dropForeignKeyConstraint``, ``addPrimaryKey``,
``addUniqueConstraint``, ``addNotNullConstraint``/``dropNotNullConstraint``, ``modifyDataType``,
``addDefaultValue``/``dropDefaultValue``, and ``sql``/``sqlFile``/formatted SQL through the SQL replay.
Changes that hold data, not schema (``loadData``, ``insert``…), are skipped on purpose; any other
change, and an include that names no file of the repository, is a warning.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers._files import (
    is_own_code,
    natural_key,
    suffix,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._jvm_common import NamedConstraints, apply_sql, rename_column

DATA_CHANGES = {
    "loadData", "loadUpdateData", "insert", "update", "delete", "tagDatabase", "output", "empty", "stop",
    "createSequence", "dropSequence", "alterSequence", "renameSequence", "createView", "dropView", "renameView",
    "createProcedure", "dropProcedure", "addAutoIncrement", "executeCommand", "customChange", "comment",
    "validCheckSum", "preConditions", "rollback", "setTableRemarks", "setColumnRemarks", "addLookupTable",
    "mergeColumns", "createFunction", "dropFunction", "createTrigger", "dropTrigger", "enableTrigger",
    "disableTrigger", "createSynonym", "dropSynonym", "markUnused", "modifySql",
}
_PROPERTY_RE = re.compile(r"\$\{([^}]+)\}")


@dataclass
class Change:
    kind: str
    attrs: dict[str, Any]
    columns: list[dict[str, Any]] = field(default_factory=list)  # each: attrs plus "constraints"
    text: str = ""  # the SQL of a ``sql`` change
    line: int | None = None


@dataclass
class Entry:
    kind: str  # "include", "includeAll", "changeSet", "property", "sql" (a formatted SQL file's text)
    attrs: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    line: int | None = None
    text: str = ""


@dataclass
class Changelog:
    entries: list[Entry] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    plain_sql: str | None = None  # a SQL file that is no changelog, for ``sqlFile``


# --- XML ----------------------------------------------------------------------------------------
@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Element] = field(default_factory=list)
    text: str = ""


def _xml_tree(text: str) -> _Element | None:
    """A small element tree from expat that keeps each element's line (ElementTree drops it)."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    stack: list[_Element] = []
    root: list[_Element] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        element = _Element(tag=name.rsplit(" ", 1)[-1], attrs={k.rsplit(" ", 1)[-1]: v for k, v in attrs.items()},
                           line=parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text.encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValueError(f"XML: {exc}") from exc
    return root[0] if root else None


def _xml_change(element: _Element) -> Change:
    change = Change(kind=element.tag, attrs=dict(element.attrs), line=element.line)
    for child in element.children:
        if child.tag == "column":
            column: dict[str, Any] = dict(child.attrs)
            for sub in child.children:
                if sub.tag == "constraints":
                    column["constraints"] = dict(sub.attrs)
            change.columns.append(column)
        elif child.tag in ("sql", "comment") and element.tag == "sql":
            pass
    if element.tag in ("sql", "createProcedure"):
        change.text = element.text
    return change


def _parse_xml(text: str) -> Changelog | None:
    root = _xml_tree(text)
    if root is None or root.tag != "databaseChangeLog":
        return None
    log = Changelog()
    for child in root.children:
        if child.tag == "changeSet":
            entry = Entry(kind="changeSet", attrs=dict(child.attrs), line=child.line)
            for change in child.children:
                if change.tag not in ("rollback", "comment", "preConditions", "validCheckSum"):
                    entry.changes.append(_xml_change(change))
            log.entries.append(entry)
        elif child.tag in ("include", "includeAll", "property"):
            log.entries.append(Entry(kind=child.tag, attrs=dict(child.attrs), line=child.line))
    return log


# --- YAML and JSON ------------------------------------------------------------------------------
def _struct_change(kind: str, body: Any) -> Change:
    body = body if isinstance(body, dict) else {}
    change = Change(kind=kind, attrs={k: v for k, v in body.items() if not isinstance(v, (list, dict))})
    for item in body.get("columns") or []:
        column = item.get("column") if isinstance(item, dict) else None
        if isinstance(column, dict):
            col = {k: v for k, v in column.items() if k != "constraints"}
            if isinstance(column.get("constraints"), dict):
                col["constraints"] = column["constraints"]
            change.columns.append(col)
    if kind == "sql":
        change.text = str(body.get("sql") or "") if isinstance(body, dict) else str(body)
    return change


def _parse_struct(data: Any) -> Changelog | None:
    if not isinstance(data, dict) or not isinstance(data.get("databaseChangeLog"), list):
        return None
    log = Changelog()
    for item in data["databaseChangeLog"]:
        if not isinstance(item, dict):
            continue
        for kind, body in item.items():
            if kind == "changeSet" and isinstance(body, dict):
                entry = Entry(kind="changeSet", attrs={k: v for k, v in body.items() if not isinstance(v, list)})
                for change in body.get("changes") or []:
                    if isinstance(change, dict):
                        for ckind, cbody in change.items():
                            entry.changes.append(_struct_change(ckind, cbody))
                log.entries.append(entry)
            elif kind in ("include", "includeAll", "property") and isinstance(body, dict):
                log.entries.append(Entry(kind=kind, attrs=dict(body)))
    return log


# --- the reader's parse -------------------------------------------------------------------------
def _wants(path: str) -> bool:
    if not is_own_code(path):
        return False
    low = path.lower()
    return suffix(path) in (".xml", ".yaml", ".yml", ".json", ".sql") and ("liquibase" in low or "changelog" in low)


def parse(path: str, text: str) -> Changelog | None:
    ext = suffix(path)
    if ext == ".xml":
        if "databaseChangeLog" not in text:
            return None
        return _parse_xml(text)
    if ext in (".yaml", ".yml"):
        if "databaseChangeLog" not in text:
            return None
        import yaml

        try:
            return _parse_struct(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise ValueError(f"YAML: {exc}") from exc
    if ext == ".json":
        if "databaseChangeLog" not in text:
            return None
        try:
            return _parse_struct(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON: {exc}") from exc
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if first.replace(" ", "").lower().startswith("--liquibaseformattedsql"):
        return Changelog(entries=[Entry(kind="sql", attrs={}, line=1, text=text)])
    return Changelog(plain_sql=text)


# --- build: order and replay --------------------------------------------------------------------
class _Replay:
    def __init__(self, logs: dict[str, Changelog]) -> None:
        self.logs = logs
        self.schema = Schema()
        self.warnings: list[SourceWarning] = []
        self.properties: dict[str, str] = {}
        self.sources: list[str] = []
        self.table_source: dict[str, str] = {}
        self.named = NamedConstraints()

    def resolve(self, base: str, target: str, relative: bool) -> str | None:
        target = target.removeprefix("classpath:").removeprefix("classpath*:").lstrip("/")
        if relative:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), target))
            return joined if joined in self.logs else None
        if target in self.logs:
            return target
        matches = sorted(p for p in self.logs if p.endswith("/" + target))
        return matches[0] if matches else None

    def targets(self, path: str, entry: Entry) -> list[str | None]:
        """The changelogs one include/includeAll entry names, in order (None: nothing found)."""
        relative = str(entry.attrs.get("relativeToChangelogFile", "false")).lower() == "true"
        if entry.kind == "include":
            return [self.resolve(path, str(entry.attrs.get("file", "")), relative)]
        folder = str(entry.attrs.get("path", "")).removeprefix("classpath:").strip("/")
        if relative:
            folder = posixpath.normpath(posixpath.join(posixpath.dirname(path), folder))
        found: list[str | None] = [p for p in sorted(self.logs, key=natural_key)
                                   if p != path and self.logs[p].plain_sql is None
                                   and (p.startswith(folder + "/") or f"/{folder}/" in p)]
        return found or [None]

    def includes(self, path: str) -> list[str]:
        return [t for e in self.logs[path].entries if e.kind in ("include", "includeAll")
                for t in self.targets(path, e) if t]

    def walk(self, path: str, done: set[str]) -> None:
        """Apply a changelog and what it includes, each included file where its include stands."""
        if path in done:
            return
        done.add(path)
        log = self.logs[path]
        self.warnings.extend(log.warnings)
        contributed = False
        for entry in log.entries:
            if entry.kind == "property":
                name, value = entry.attrs.get("name"), entry.attrs.get("value")
                if isinstance(name, str) and value is not None:
                    self.properties.setdefault(name, str(value))  # the first definition wins
            elif entry.kind in ("include", "includeAll"):
                for target in self.targets(path, entry):
                    if target is None:
                        what = entry.attrs.get("file") or entry.attrs.get("path")
                        self.warnings.append(SourceWarning(path=path, line=entry.line,
                                                           reason=f"included changelog {what!r} not found"))
                    else:
                        self.walk(target, done)
            elif entry.kind == "sql":
                self.apply_sql(entry.text, path)
                contributed = True
            elif entry.kind == "changeSet":
                for change in entry.changes:
                    self.apply_change(change, path)
                contributed = contributed or bool(entry.changes)
        if contributed and path not in self.sources:
            self.sources.append(path)

    # --- changes -------------------------------------------------------------------------------
    def prop(self, value: Any) -> str:
        return _PROPERTY_RE.sub(lambda m: self.properties.get(m.group(1), m.group(0)), str(value))

    def table(self, name: Any, path: str, line: int | None, create: bool = False) -> Table | None:
        table = self.schema.table(self.prop(name))
        if table is None and create:
            table = Table(name=self.prop(name), source=path, origin="migrations")
            self.schema.tables.append(table)
        if table is None:
            self.warnings.append(SourceWarning(path=path, line=line, reason=f"table {self.prop(name)!r} not created before"))
        return table

    def column(self, table: Table, spec: dict[str, Any]) -> Column:
        constraints = spec.get("constraints") or {}
        col = Column(name=self.prop(spec.get("name", "?")), type=self.prop(spec.get("type", "UNKNOWN")).upper())
        col.nullable = str(constraints.get("nullable", "true")).lower() != "false"
        if str(constraints.get("primaryKey", "false")).lower() == "true":
            col.primary_key, col.nullable = True, False
        col.unique = str(constraints.get("unique", "false")).lower() == "true"
        for key in ("defaultValue", "defaultValueNumeric", "defaultValueBoolean", "defaultValueComputed",
                    "defaultValueDate"):
            if spec.get(key) is not None:
                col.default = self.prop(spec[key])
        if str(spec.get("autoIncrement", "false")).lower() == "true":
            col.default = col.default or "autoincrement"
        ref_table = constraints.get("referencedTableName")
        references = constraints.get("references")
        if ref_table:
            cols = _split(constraints.get("referencedColumnNames") or "id")
            table.foreign_keys.append(ForeignKey(columns=[col.name], ref_table=self.prop(ref_table), ref_columns=cols))
        elif isinstance(references, str) and "(" in references:
            target, _, rest = references.partition("(")
            table.foreign_keys.append(ForeignKey(columns=[col.name], ref_table=target.strip(),
                                                 ref_columns=_split(rest.rstrip(")"))))
        return col

    def apply_sql(self, sql: str, path: str, line: int | None = None) -> None:
        self.warnings.extend(apply_sql(self.schema, sql, None, path, "migrations", line))

    def apply_change(self, change: Change, path: str) -> None:
        a, kind, line = change.attrs, change.kind, change.line
        if kind in DATA_CHANGES:
            return
        if kind == "createTable":
            existing = self.schema.table(self.prop(a.get("tableName")))
            if existing is not None:
                self.schema.tables.remove(existing)
            table = self.table(a.get("tableName"), path, line, create=True)
            assert table is not None
            for spec in change.columns:
                table.columns.append(self.column(table, spec))
        elif kind == "addColumn":
            table = self.table(a.get("tableName"), path, line)
            for spec in change.columns if table is not None else []:
                if table is not None and table.column(self.prop(spec.get("name", ""))) is None:
                    table.columns.append(self.column(table, spec))
        elif kind == "dropColumn":
            table = self.table(a.get("tableName"), path, line)
            names = {self.prop(c.get("name", "")).lower() for c in change.columns}
            if a.get("columnName"):
                names.add(self.prop(a["columnName"]).lower())
            if table is not None:
                table.columns = [c for c in table.columns if c.name.lower() not in names]
                table.indexes = [ix for ix in table.indexes if not names & {c.lower() for c in ix.columns}]
                table.foreign_keys = [f for f in table.foreign_keys if not names & {c.lower() for c in f.columns}]
        elif kind == "renameColumn":
            table = self.table(a.get("tableName"), path, line)
            if table is not None:
                rename_column(table, self.prop(a.get("oldColumnName")), self.prop(a.get("newColumnName")))
        elif kind == "renameTable":
            table = self.table(a.get("oldTableName"), path, line)
            if table is not None:
                table.name = self.prop(a.get("newTableName"))
        elif kind == "dropTable":
            name = self.prop(a.get("tableName")).lower()
            self.schema.tables = [t for t in self.schema.tables if t.name.lower() != name]
        elif kind == "createIndex":
            table = self.table(a.get("tableName"), path, line)
            if table is not None:
                table.indexes.append(Index(name=a.get("indexName"), columns=[self.prop(c.get("name")) for c in change.columns],
                                           unique=str(a.get("unique", "false")).lower() == "true"))
        elif kind == "dropIndex":
            table = self.table(a.get("tableName"), path, line)
            if table is not None:
                table.indexes = [ix for ix in table.indexes if (ix.name or "") != a.get("indexName")]
        elif kind == "addForeignKeyConstraint":
            table = self.table(a.get("baseTableName"), path, line)
            if table is not None:
                fk = ForeignKey(columns=_split(self.prop(a.get("baseColumnNames", ""))),
                                ref_table=self.prop(a.get("referencedTableName", "?")),
                                ref_columns=_split(self.prop(a.get("referencedColumnNames", ""))))
                self.named.add(table, fk, str(a["constraintName"]) if a.get("constraintName") else None)
        elif kind == "dropForeignKeyConstraint":
            table = self.table(a.get("baseTableName"), path, line)
            if table is not None and a.get("constraintName"):
                self.named.drop(table, str(a["constraintName"]))
        elif kind == "addPrimaryKey":
            table = self.table(a.get("tableName"), path, line)
            cols = {c.lower() for c in _split(self.prop(a.get("columnNames", "")))}
            for col in table.columns if table is not None else []:
                if col.name.lower() in cols:
                    col.primary_key, col.nullable = True, False
        elif kind == "addUniqueConstraint":
            table = self.table(a.get("tableName"), path, line)
            if table is not None:
                table.indexes.append(Index(name=a.get("constraintName"), unique=True,
                                           columns=_split(self.prop(a.get("columnNames", "")))))
        elif kind in ("addNotNullConstraint", "dropNotNullConstraint", "modifyDataType", "addDefaultValue",
                      "dropDefaultValue"):
            table = self.table(a.get("tableName"), path, line)
            col = table.column(self.prop(a.get("columnName", ""))) if table is not None else None
            if col is None:
                if table is not None:
                    self.warnings.append(SourceWarning(path=path, line=line,
                                                       reason=f"{kind}: no column {a.get('columnName')!r}"))
                return
            if kind == "addNotNullConstraint":
                col.nullable = False
            elif kind == "dropNotNullConstraint":
                col.nullable = True
            elif kind == "modifyDataType":
                col.type = self.prop(a.get("newDataType", col.type)).upper()
            elif kind == "addDefaultValue":
                value = next((a[k] for k in a if k.startswith("defaultValue")), None)
                col.default = None if value is None else self.prop(value)
            else:
                col.default = None
        elif kind == "sql":
            self.apply_sql(change.text, path, line)
        elif kind == "sqlFile":
            target = self.resolve(path, str(a.get("path", "")),
                                  str(a.get("relativeToChangelogFile", "false")).lower() == "true")
            sql = self.logs[target].plain_sql if target else None
            if sql is None:
                self.warnings.append(SourceWarning(path=path, line=line, reason=f"sqlFile {a.get('path')!r} not found"))
            else:
                self.apply_sql(sql, path)
        else:
            self.warnings.append(SourceWarning(path=path, line=line, reason=f"Liquibase change {kind!r} not read"))


def _split(value: Any) -> list[str]:
    return [part.strip() for part in str(value).split(",") if part.strip()]


def build(parsed: dict[str, Changelog]) -> SchemaPart:
    replay = _Replay(parsed)
    included: set[str] = set()
    for path in parsed:
        included.update(replay.includes(path))
    roots = sorted((p for p, log in parsed.items() if p not in included and log.plain_sql is None),
                   key=lambda p: (0 if "master" in p.rsplit("/", 1)[-1].lower() else 1, natural_key(p)))
    masters = [r for r in roots if replay.includes(r)]
    done: set[str] = set()
    for root in roots:
        if masters and root not in masters:
            replay.warnings.append(SourceWarning(path=root, reason="changelog not included by a master changelog; "
                                                 "read after the master"))
        replay.walk(root, done)
    for table in replay.schema.tables:
        table.origin = "migrations"
    return SchemaPart(reader="liquibase", origin="migrations", tables=replay.schema.tables,
                      enums=replay.schema.enums, warnings=replay.warnings, sources=replay.sources)


READERS = [Reader(name="liquibase", wants=_wants, parse=parse, build=build,
                  suffixes=frozenset({".xml", ".yaml", ".yml", ".json", ".sql"}))]
