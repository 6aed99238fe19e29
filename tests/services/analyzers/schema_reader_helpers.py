"""Run one schema reader on a fixture repository, as ``all_readers()``' caller will (not a test module)."""

from __future__ import annotations

from pathlib import Path

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.readers import ParseCache, Reader, SourceWarning, run_reader
from phasegate.app.analyzers.schema_model import SchemaPart, Table


def read(reader: Reader, root: Path, rev: str | None = None) -> tuple[SchemaPart, list[SourceWarning]]:
    """The reader's part and every warning (run_reader's and the part's), at ``rev`` or the working tree."""
    tree = open_tree(root, rev)
    try:
        warnings: list[SourceWarning] = []
        part = run_reader(reader, tree, tree.paths(), warnings, cache=ParseCache())
        return part, warnings + part.warnings
    finally:
        tree.close()


def table(part: SchemaPart, name: str) -> Table:
    found = [t for t in part.tables if t.name == name]
    assert found, f"no table {name!r} in {[t.name for t in part.tables]}"
    return found[0]


def columns(part: SchemaPart, name: str) -> list[str]:
    return [c.name for c in table(part, name).columns]


def col(part: SchemaPart, table_name: str, column: str) -> tuple[str, bool, bool]:
    """(type, nullable, primary key) of one column."""
    found = table(part, table_name).column(column)
    assert found is not None, f"no column {column!r} in {table_name}: {columns(part, table_name)}"
    return found.type, found.nullable, found.primary_key


def fks(part: SchemaPart, name: str) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    return [(tuple(fk.columns), fk.ref_table, tuple(fk.ref_columns)) for fk in table(part, name).foreign_keys]
