"""Request-body validation: every field is checked here before it reaches a query.

Each helper returns the clean value or raises a 422 naming the offending field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from taskboard.web import HTTPError

TASK_STATUSES = ("todo", "doing", "done")


def invalid(name: str, message: str) -> HTTPError:
    return HTTPError(422, "validation_error", message, field=name)


def text(body: dict[str, Any], name: str, *, max_length: int, required: bool = True) -> str | None:
    """A non-blank string of at most ``max_length`` characters, surrounding whitespace removed."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, f"'{name}' is required.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, f"'{name}' must be a non-empty string.")
    if len(value.strip()) > max_length:
        raise invalid(name, f"'{name}' must be at most {max_length} characters.")
    return value.strip()


def choice(body: dict[str, Any], name: str, choices: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is not None and value not in choices:
        raise invalid(name, f"'{name}' must be one of: {', '.join(choices)}.")
    return value


def iso_date(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise invalid(name, f"'{name}' must be a date like 2026-03-31.") from None
