"""The schema view: tables, columns, indexes, FKs and enums from the schema JSON, with diff changes marked."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from phasegate.widgets.schema_view import SchemaView
from tests.tui.widgets.widget_hosts import SAMPLE_SCHEMA, SchemaHost, screen_text

HOSTS = Path(__file__).parent / "widget_hosts.py"


def label_of(view: SchemaView, startswith: str) -> Text:
    stack = list(view.root.children)
    while stack:
        node = stack.pop(0)
        if node.label.plain.startswith(startswith):
            return node.label
        stack.extend(node.children)
    raise AssertionError(f"no node starting with {startswith!r}")


def styles(label: Text) -> set[str]:
    return {str(span.style) for span in label.spans} | {str(label.style)}


async def test_schema_tree_lists_everything_with_changes_marked() -> None:
    app = SchemaHost()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(SchemaView)
        lines = view.rendered_text()
        assert lines[0] == "Changes (4)  ⚠ 2 destructive"
        assert "  column changed users.age  integer → bigint" in lines
        assert "  ⚠ column removed users.nickname  text → ∅" not in lines  # removal shows no bogus "after"
        assert "  ⚠ table removed legacy_sessions" in lines
        assert "    id integer  PK NOT NULL" in lines
        assert "    email text  UNIQUE NOT NULL" in lines
        assert "    age bigint  NULL default 0  (was integer)" in lines
        assert "    nickname  (removed)  ⚠ destructive" in lines
        assert "    index users_email_idx (email) unique" in lines
        assert "    fk (user_id) → users(id)" in lines
        assert "  legacy_sessions  (removed)" in lines
        assert "  order_status  new, paid, shipped" in lines
        assert any("green" in s for s in styles(label_of(view, "orders")))
        assert any("yellow" in s for s in styles(label_of(view, "age")))
        assert any("strike" in s for s in styles(label_of(view, "legacy_sessions")))
        assert "age bigint  NULL default 0  (was integer)" in screen_text(app)


async def test_empty_and_plain_schema() -> None:
    app = SchemaHost()
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.query_one(SchemaView)
        view.show_schema({"sources": [], "tables": [], "enums": []})
        await pilot.pause()
        assert view.rendered_text() == ["No schema found."]
        view.show_schema(SAMPLE_SCHEMA)
        await pilot.pause()
        assert not any(line.startswith("Changes") for line in view.rendered_text())
        assert view.rendered_text()[0] == "Tables (2)"


async def test_names_from_the_repository_are_not_markup() -> None:
    app = SchemaHost()
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.query_one(SchemaView)
        view.show_schema({"tables": [{"name": "[b]evil[/b]\x1b[2J", "columns": []}]}, {"changes": []})
        await pilot.pause()
        assert "[b]evil[/b][2J  0 columns" in screen_text(app)


def test_snapshot(snap_compare) -> None:
    assert snap_compare(f"{HOSTS}:schema_app", terminal_size=(90, 30))
