"""Apply the SQL migrations in ``migrations/`` to the database named by DATABASE_URL.

    python migrate.py up        apply every pending migration, oldest first
    python migrate.py down      revert the most recent one with its NNNN_name.down.sql
    python migrate.py status    list the migrations and whether each is applied

A migration and its row in ``schema_migrations`` are written in one transaction, so a migration
that fails halfway leaves the database as it was.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

from taskboard import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# "0003_users.sql" is a migration; "0003_users.down.sql" is its rollback (the dot keeps it out).
MIGRATION_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


def available(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The forward migrations, in the order they must be applied."""
    return sorted(p for p in directory.glob("*.sql") if MIGRATION_NAME.match(p.name))


def applied(conn: sqlite3.Connection) -> list[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def statements(sql: str) -> list[str]:
    """Split a migration file into statements (sqlite3 runs one statement per execute call)."""
    found, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(line.strip().startswith("--") for line in buffer.strip().splitlines()):
        raise ValueError(f"unterminated SQL statement: {buffer.strip()[:60]!r}")
    return found


def _apply(conn: sqlite3.Connection, sql: str, version: str, *, forward: bool) -> None:
    with db.transaction(conn):
        for statement in statements(sql):
            conn.execute(statement)
        if forward:
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))", (version,)
            )
        else:
            conn.execute("DELETE FROM schema_migrations WHERE version = ?", (version,))


def up(path: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the pending migrations; returns the versions applied."""
    conn = db.connect(path)
    try:
        done = set(applied(conn))
        pending = [p for p in available(directory) if p.stem not in done]
        for migration in pending:
            _apply(conn, migration.read_text(encoding="utf-8"), migration.stem, forward=True)
        return [p.stem for p in pending]
    finally:
        conn.close()


def down(path: str, directory: Path = MIGRATIONS_DIR) -> str | None:
    """Revert the most recently applied migration; returns its version, or None if none is applied."""
    conn = db.connect(path)
    try:
        versions = applied(conn)
        if not versions:
            return None
        version = versions[-1]
        rollback = directory / f"{version}.down.sql"
        if not rollback.exists():
            raise FileNotFoundError(f"{version} has no rollback script ({rollback.name}); restore a backup instead")
        _apply(conn, rollback.read_text(encoding="utf-8"), version, forward=False)
        return version
    finally:
        conn.close()


def status(path: str, directory: Path = MIGRATIONS_DIR) -> list[tuple[str, bool]]:
    conn = db.connect(path)
    try:
        done = set(applied(conn))
    finally:
        conn.close()
    return [(p.stem, p.stem in done) for p in available(directory)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in {"up", "down", "status"}:
        print("usage: python migrate.py up|down|status", file=sys.stderr)
        return 2
    try:
        path = db.database_path()
        if args[0] == "up":
            versions = up(path)
            print("\n".join(f"applied {v}" for v in versions) or "nothing to apply")
        elif args[0] == "down":
            version = down(path)
            print(f"reverted {version}" if version else "nothing to revert")
        else:
            for version, is_applied in status(path):
                print(f"[{'x' if is_applied else ' '}] {version}")
    except (sqlite3.Error, OSError, ValueError) as error:
        print(f"migration failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
