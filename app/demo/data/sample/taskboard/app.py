"""The WSGI application: environ in, JSON out, one database connection per request."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from taskboard import db
from taskboard.routes import router
from taskboard.web import HTTPError, Request, Response

log = logging.getLogger("taskboard")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_app(database_url: str | None = None) -> WSGIApp:
    """Build the app for the database at ``database_url`` (default: the DATABASE_URL variable)."""
    path = db.database_path(database_url)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        conn = db.connect(path)
        try:
            request = Request.from_environ(environ)
            response = router.dispatch(request, conn)
        except HTTPError as error:
            response = Response(error.status, error.body())
        except Exception:
            # Log the details for us; never send a traceback or a database error to the client.
            log.exception("unhandled error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = Response(500, {"error": {"code": "internal_error", "message": "Internal server error."}})
        finally:
            conn.close()
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [payload]

    return app
