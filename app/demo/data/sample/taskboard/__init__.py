"""taskboard: a small JSON API for projects and their tasks (WSGI, SQLite, standard library only)."""
