"""User accounts: storing, finding and changing them, independent of HTTP and of password hashing.

Routes validate the input and hash the password (``taskboard.security``); this module owns the
rules about accounts. ``public()`` is the only shape that leaves it for clients: never the hash.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from taskboard import db

ROLES = ("member", "admin")


class EmailTaken(Exception):
    """An account with this email already exists."""


class UnknownUser(Exception):
    """No account has this email."""


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user[key] for key in ("id", "email", "role", "created_at")}


def get_user(conn: sqlite3.Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return dict(row) if row is not None else None


def find_by_email(conn: sqlite3.Connection, email: str) -> dict[str, Any] | None:
    """The full account row, password hash included: for checking a login, not for responses."""
    row = conn.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
    return dict(row) if row is not None else None


def create_user(conn: sqlite3.Connection, email: str, password_hash: str, role: str = "member") -> dict[str, Any]:
    """Create an account and return its public fields.

    The existence check and the insert run in one IMMEDIATE transaction, so two sign-ups with the
    same email cannot both pass the check; the unique index is the last line of defence.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    try:
        with db.transaction(conn):
            if conn.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
                raise EmailTaken(email)
            cursor = conn.execute(
                "INSERT INTO users (email, password_hash, role) VALUES (?, ?, ?)", (email, password_hash, role)
            )
            user = get_user(conn, cursor.lastrowid or 0)
    except sqlite3.IntegrityError:
        raise EmailTaken(email) from None
    if user is None:  # cannot happen inside the transaction; says so loudly if it ever does
        raise RuntimeError("the account just created could not be read back")
    return public(user)


def set_role(conn: sqlite3.Connection, email: str, role: str) -> dict[str, Any]:
    """Give an existing account a role (how the first admin is made; see docs/DEPLOY.md)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    with db.transaction(conn):
        if conn.execute("UPDATE users SET role = ? WHERE email = ?", (role, email)).rowcount == 0:
            raise UnknownUser(email)
        user = find_by_email(conn, email)
    if user is None:
        raise UnknownUser(email)
    return public(user)
