"""The integrated schema (every reader combined): Flyway replay order, Mongoose collections beside SQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers.schema import schema_at
from phasegate.app.analyzers.schema_readers.sql import replay_order

MIGRATIONS = "src/main/resources/db/migration"


def test_flyway_versions_replay_by_number(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        # text order puts V1_1 before V1__ ("_" < "__"); Flyway's order is 1 < 1.1 < 2 < 10
        f"{MIGRATIONS}/V1__users.sql": "CREATE TABLE users (id INT PRIMARY KEY);\n",
        f"{MIGRATIONS}/V1_1__email.sql": "ALTER TABLE users ADD COLUMN email VARCHAR(200) NOT NULL;\n",
        f"{MIGRATIONS}/V2__rename.sql": "ALTER TABLE users RENAME COLUMN email TO mail;\n",
        f"{MIGRATIONS}/V10__drop.sql": "ALTER TABLE users DROP COLUMN mail;\nCREATE TABLE audit (id INT);\n",
        f"{MIGRATIONS}/V1.2__notes.sql": "CREATE TABLE notes (id INT, body TEXT);\n",
    })
    schema = schema_at(root)
    users = schema.table("users")
    assert users is not None and [c.name for c in users.columns] == ["id"]
    assert sorted(t.name for t in schema.tables) == ["audit", "notes", "users"]
    assert schema.warnings == []
    names = [f"{MIGRATIONS}/{n}" for n in ("V10__drop.sql", "V2__rename.sql", "V1_1__email.sql",
                                          "V1.2__notes.sql", "V1__users.sql")]
    assert [p.rsplit("/", 1)[1] for p in sorted(names, key=replay_order)] == [
        "V1__users.sql", "V1_1__email.sql", "V1.2__notes.sql", "V2__rename.sql", "V10__drop.sql"]


def test_mongoose_collections_are_no_drift_against_sql(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "src/models/user.js": (
            "const mongoose = require('mongoose');\n"
            "const s = new mongoose.Schema({ email: String });\n"
            "module.exports = mongoose.model('User', s);\n"),
        "src/models/event.js": (
            "const mongoose = require('mongoose');\n"
            "module.exports = mongoose.model('Event', new mongoose.Schema({ at: Date }));\n"),
        "migrations/001_init.sql": "CREATE TABLE accounts (id INT PRIMARY KEY);\nCREATE TABLE users (id INT);\n",
    })
    schema = schema_at(root)
    assert schema.drift == []
    kinds = {t.name: (t.kind, t.origin) for t in schema.tables}
    # a SQL table and a collection of the same name: the migration's table is what the database has
    assert kinds == {"accounts": ("table", "migrations"), "users": ("table", "migrations"),
                     "events": ("collection", "models")}
