"""``python -m taskboard``: serve the API on http://127.0.0.1:8000 (development server only)."""

from __future__ import annotations

import os
from wsgiref.simple_server import make_server

from taskboard.app import create_app


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, create_app()) as server:
        print(f"taskboard listening on http://127.0.0.1:{port}")
        server.serve_forever()


if __name__ == "__main__":
    main()
