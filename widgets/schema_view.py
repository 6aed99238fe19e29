"""The Schema tab: the database schema as a tree, with a schema diff's changes highlighted.

Input is plain dicts in the JSON shapes of DESIGN §4 (``phasegate schema --json`` and
``phasegate schema --diff A..B --json``), so the widget knows nothing about the analyzers. Added items are
green, removed red (a removed table or column is still listed, struck through), changed yellow with
before → after; destructive changes carry ⚠.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from phasegate.widgets._support import clean, load_css, shorten

ADDED, REMOVED, CHANGED = "green", "red strike", "yellow"
_KIND_STYLE = {"added": ADDED, "removed": REMOVED, "changed": CHANGED}


def _kind_style(kind: str) -> str:
    return _KIND_STYLE.get(kind.rsplit("_", 1)[-1], "")


def _brief(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        return shorten(value, 60)
    if isinstance(value, Mapping) and "type" in value:
        bits = [str(value.get("type"))]
        if value.get("nullable") is False:
            bits.append("NOT NULL")
        if value.get("default") is not None:
            bits.append(f"default {value.get('default')}")
        return shorten(" ".join(bits), 60)
    return shorten(json.dumps(value, default=str, sort_keys=True), 60)


def column_text(column: Mapping[str, Any]) -> Text:
    text = Text()
    text.append(clean(str(column.get("name", "?"))), style="bold")
    text.append(f" {clean(str(column.get('type', '')))}", style="cyan")
    flags = []
    if column.get("primary_key"):
        flags.append("PK")
    if column.get("unique"):
        flags.append("UNIQUE")
    flags.append("NULL" if column.get("nullable", True) else "NOT NULL")
    if column.get("default") is not None:
        flags.append(f"default {column['default']}")
    text.append("  " + " ".join(clean(str(f)) for f in flags), style="dim")
    return text


def change_text(change: Mapping[str, Any]) -> Text:
    kind = str(change.get("kind", "?"))
    text = Text()
    if change.get("destructive"):
        text.append("⚠ ", style="bold red")
    where = ".".join(clean(str(p)) for p in (change.get("table"), change.get("column")) if p)
    text.append(f"{kind.replace('_', ' ')} ", style=_kind_style(kind).replace(" strike", ""))
    text.append(where, style="bold")
    if kind.endswith("_changed") or (change.get("before") is not None and change.get("after") is not None):
        text.append(f"  {clean(_brief(change.get('before')))} → {clean(_brief(change.get('after')))}", style="yellow")
    return text


class SchemaView(Tree[dict[str, Any]]):
    DEFAULT_CSS = load_css(__file__)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__("Schema", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._schema: dict[str, Any] = {}
        self._changes: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        self.show_schema({})

    def show_schema(self, schema: Mapping[str, Any] | None, diff: Mapping[str, Any] | None = None) -> None:
        """Render ``schema`` (``{"sources", "tables", "enums"}``) with ``diff`` (``{"changes": [...]}``) on top."""
        self._schema = dict(schema or {})
        self._changes = [dict(c) for c in (diff or {}).get("changes", [])]
        self.clear()
        root = self.root
        if self._changes:
            destructive = sum(1 for c in self._changes if c.get("destructive"))
            title = Text(f"Changes ({len(self._changes)})", style="bold")
            if destructive:
                title.append(f"  ⚠ {destructive} destructive", style="bold red")
            changes_node = root.add(title, expand=True)
            for change in self._changes:
                changes_node.add_leaf(change_text(change), data=change)
        tables = list(self._schema.get("tables", []))
        removed_tables = [c for c in self._changes if c.get("kind") == "table_removed"]
        if not tables and not removed_tables and not self._changes:
            sources = self._schema.get("sources")
            root.add_leaf(Text("No schema found." if sources is not None else "No schema loaded.", style="dim italic"))
            return
        tables_node = root.add(Text(f"Tables ({len(tables)})", style="bold"), expand=True)
        for table in tables:
            self._add_table(tables_node, table)
        for change in removed_tables:
            tables_node.add(Text(f"{clean(str(change.get('table')))}  (removed)", style=REMOVED), data=change)
        enums = list(self._schema.get("enums", []))
        if enums or any(str(c.get("kind", "")).startswith("enum_") for c in self._changes):
            enums_node = root.add(Text(f"Enums ({len(enums)})", style="bold"), expand=True)
            for enum in enums:
                name = str(enum.get("name", "?"))
                enum_change = self._change_for("enum", name)
                label = Text(clean(name), style=_kind_style(enum_change["kind"]) if enum_change else "bold")
                label.append("  " + ", ".join(clean(str(v)) for v in enum.get("values", [])), style="dim")
                self._mark(label, enum_change)
                enums_node.add_leaf(label, data=dict(enum))
            for removed in (c for c in self._changes if c.get("kind") == "enum_removed"):
                label = Text(f"{clean(str(removed.get('table') or removed.get('column')))}  (removed)", style=REMOVED)
                self._mark(label, removed)
                enums_node.add_leaf(label, data=removed)

    def _change_for(self, prefix: str, table: str, column: str | None = None) -> dict[str, Any] | None:
        for change in self._changes:
            kind = str(change.get("kind", ""))
            if not kind.startswith(prefix + "_"):
                continue
            if prefix == "enum" and (change.get("table") == table or change.get("column") == table):
                return change
            if change.get("table") == table and (column is None or change.get("column") == column):
                return change
        return None

    @staticmethod
    def _mark(label: Text, change: Mapping[str, Any] | None) -> None:
        if change and change.get("destructive"):
            label.append("  ⚠ destructive", style="bold red")

    def _add_table(self, parent: TreeNode[dict[str, Any]], table: Mapping[str, Any]) -> None:
        name = str(table.get("name", "?"))
        change = self._change_for("table", name)
        label = Text(clean(name), style=f"bold {_kind_style(change['kind'])}" if change else "bold")
        columns = list(table.get("columns", []))
        label.append(f"  {len(columns)} columns", style="dim")
        self._mark(label, change)
        touched = change is not None or any(c.get("table") == name for c in self._changes)
        node = parent.add(label, data=dict(table), expand=touched or len(self._schema.get("tables", [])) <= 3)
        for column in columns:
            col_change = self._change_for("column", name, str(column.get("name")))
            text = column_text(column)
            if col_change:
                text.stylize(_kind_style(col_change["kind"]).replace(" strike", ""), 0, len(str(column.get("name"))))
                if col_change["kind"] == "column_changed":
                    text.append(f"  (was {clean(_brief(col_change.get('before')))})", style="yellow")
                self._mark(text, col_change)
            node.add_leaf(text, data=dict(column))
        for change in self._changes:
            if change.get("kind") == "column_removed" and change.get("table") == name:
                text = Text(f"{clean(str(change.get('column')))}  (removed)", style=REMOVED)
                self._mark(text, change)
                node.add_leaf(text, data=change)
        for index in table.get("indexes", []):
            text = Text("index ", style="dim")
            text.append(clean(str(index.get("name") or "")), style="magenta")
            text.append(f" ({', '.join(clean(str(c)) for c in index.get('columns', []))})")
            if index.get("unique"):
                text.append(" unique", style="dim")
            node.add_leaf(text, data=dict(index))
        for fk in table.get("foreign_keys", []):
            text = Text("fk ", style="dim")
            text.append(f"({', '.join(clean(str(c)) for c in fk.get('columns', []))})")
            text.append(" → ", style="dim")
            text.append(clean(str(fk.get("ref_table", "?"))), style="bold")
            text.append(f"({', '.join(clean(str(c)) for c in fk.get('ref_columns', []))})")
            node.add_leaf(text, data=dict(fk))

    def rendered_text(self) -> list[str]:
        """Every label in the tree, depth first (expanded or not): what a test or a copy needs."""
        out: list[str] = []

        def walk(node: TreeNode[dict[str, Any]], depth: int) -> None:
            for child in node.children:
                label = child.label
                out.append("  " * depth + (label.plain if isinstance(label, Text) else str(label)))
                walk(child, depth + 1)

        walk(self.root, 0)
        return out
