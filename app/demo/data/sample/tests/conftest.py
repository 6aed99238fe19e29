"""Test fixtures: a fresh, fully migrated SQLite file per test and a client that calls the WSGI app."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import migrate
import pytest
from taskboard import db
from taskboard.app import WSGIApp, create_app


@dataclass
class Result:
    status: int
    json: Any


class Client:
    """Calls the WSGI app in-process: no server, no sockets, the same code path as production."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def request(self, method: str, path: str, json_body: Any = None, headers: dict[str, str] | None = None) -> Result:
        path, _, query = path.partition("?")
        body = b"" if json_body is None else json.dumps(json_body).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status: list[str] = []
        chunks = self.app(environ, lambda s, h: status.append(s))
        payload = b"".join(chunks)
        return Result(int(status[0].split()[0]), json.loads(payload) if payload else None)

    def get(self, path: str, **kwargs: Any) -> Result:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Result:
        return self.request("POST", path, json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Result:
        return self.request("PATCH", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Result:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate.up(db.database_path(url))
    return url


@pytest.fixture
def client(database_url: str) -> Client:
    return Client(create_app(database_url))
