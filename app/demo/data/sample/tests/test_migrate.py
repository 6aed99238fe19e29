"""The migration runner: forward in order, back one step at a time, nothing half-applied."""

from __future__ import annotations

import sqlite3

import migrate


def tables(path):
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_up_applies_every_migration_once(tmp_path):
    path = str(tmp_path / "m.db")
    versions = [p.stem for p in migrate.available()]
    assert migrate.up(path) == versions
    assert migrate.up(path) == []
    assert {"projects", "tasks"} <= tables(path)
    assert all(is_applied for _, is_applied in migrate.status(path))


def test_down_reverts_the_latest_migration(tmp_path):
    path = str(tmp_path / "m.db")
    migrate.up(path)
    latest = migrate.available()[-1].stem
    assert migrate.down(path) == latest
    assert migrate.status(path)[-1] == (latest, False)
    assert migrate.up(path) == [latest]


def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "0001_ok.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
    (directory / "0002_bad.sql").write_text("CREATE TABLE b (id INTEGER);\nINSERT INTO missing VALUES (1);\n")
    path = str(tmp_path / "m.db")
    try:
        migrate.up(path, directory)
    except sqlite3.OperationalError:
        pass
    else:
        raise AssertionError("0002_bad.sql should have failed")
    assert "b" not in tables(path)
    assert migrate.status(path, directory) == [("0001_ok", True), ("0002_bad", False)]
