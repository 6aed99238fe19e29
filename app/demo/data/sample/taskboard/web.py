"""A deliberately tiny WSGI toolkit: requests, JSON responses, errors and path routing.

The service depends on nothing but the standard library, so this is the whole "framework".
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY_BYTES = 64 * 1024


class HTTPError(Exception):
    """An error the client caused or should know about, rendered as ``{"error": {...}}``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    params: dict[str, int] = field(default_factory=dict)  # path parameters, filled in by the router

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise HTTPError(413, "body_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO") or "/",
            query=dict(parse_qsl(environ.get("QUERY_STRING", ""))),
            headers=headers,
            body=environ["wsgi.input"].read(length) if length else b"",
        )

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; anything else is the client's error (400)."""
        try:
            data = json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HTTPError(400, "invalid_json", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise HTTPError(400, "invalid_json", "The request body must be a JSON object.")
        return data


@dataclass
class Response:
    status: int
    body: Any = None


Handler = Callable[[Request, sqlite3.Connection], Response]


class Router:
    """Maps (method, path pattern) to handlers. ``{name}`` in a pattern matches a positive integer."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[1-9][0-9]{0,17})", pattern) + "$")

        def register(handler: Handler) -> Handler:
            self._routes.append((method.upper(), regex, handler))
            return handler

        return register

    def get(self, pattern: str) -> Callable[[Handler], Handler]:
        return self.route("GET", pattern)

    def post(self, pattern: str) -> Callable[[Handler], Handler]:
        return self.route("POST", pattern)

    def patch(self, pattern: str) -> Callable[[Handler], Handler]:
        return self.route("PATCH", pattern)

    def delete(self, pattern: str) -> Callable[[Handler], Handler]:
        return self.route("DELETE", pattern)

    def dispatch(self, request: Request, conn: sqlite3.Connection) -> Response:
        path_matched = False
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match is None:
                continue
            path_matched = True
            if method == request.method:
                request.params = {k: int(v) for k, v in match.groupdict().items()}
                return handler(request, conn)
        if path_matched:
            raise HTTPError(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
        raise HTTPError(404, "not_found", f"No route for {request.path}.")
