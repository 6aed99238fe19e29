"""SQLite access: where the database is, how to open it, and the queries the routes need.

Every query is parameterised (``?`` placeholders): request values never become part of the SQL text.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///dev.db"


def database_path(url: str | None = None) -> str:
    """The file named by DATABASE_URL: ``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(f"DATABASE_URL must look like sqlite:///path/to/file.db, got {url!r}")
    return url[len(prefix) :]


def connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with foreign keys enforced."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block of statements atomically: all committed, or all rolled back on any error.

    IMMEDIATE takes the write lock up front, so a read-then-write block cannot interleave with
    another writer between its read and its write.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def list_projects(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM projects ORDER BY id")]


def get_project(conn: sqlite3.Connection, project_id: int) -> dict[str, Any] | None:
    return _row(conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone())


def create_project(conn: sqlite3.Connection, name: str, description: str) -> dict[str, Any]:
    cursor = conn.execute("INSERT INTO projects (name, description) VALUES (?, ?)", (name, description))
    return get_project(conn, cursor.lastrowid or 0) or {}


def delete_project(conn: sqlite3.Connection, project_id: int) -> bool:
    """Delete a project; its tasks go with it (ON DELETE CASCADE)."""
    return conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount > 0


def list_tasks(conn: sqlite3.Connection, project_id: int, status: str | None = None) -> list[dict[str, Any]]:
    if status is None:
        rows = conn.execute("SELECT * FROM tasks WHERE project_id = ? ORDER BY id", (project_id,))
    else:
        rows = conn.execute(
            "SELECT * FROM tasks WHERE project_id = ? AND status = ? ORDER BY id", (project_id, status)
        )
    return [dict(r) for r in rows]


def get_task(conn: sqlite3.Connection, task_id: int) -> dict[str, Any] | None:
    return _row(conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone())


def create_task(
    conn: sqlite3.Connection, project_id: int, title: str, status: str, due_date: str | None
) -> dict[str, Any]:
    cursor = conn.execute(
        "INSERT INTO tasks (project_id, title, status, due_date) VALUES (?, ?, ?, ?)",
        (project_id, title, status, due_date),
    )
    return get_task(conn, cursor.lastrowid or 0) or {}


def update_task(
    conn: sqlite3.Connection, task_id: int, title: str | None, status: str | None, due_date: str | None
) -> dict[str, Any] | None:
    """Change the given fields of a task; a field passed as None keeps its value."""
    conn.execute(
        "UPDATE tasks SET title = COALESCE(?, title), status = COALESCE(?, status),"
        " due_date = COALESCE(?, due_date) WHERE id = ?",
        (title, status, due_date, task_id),
    )
    return get_task(conn, task_id)


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    projects = conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
    by_status = dict(conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall())
    return {"projects": projects, "tasks": {s: by_status.get(s, 0) for s in ("todo", "doing", "done")}}
