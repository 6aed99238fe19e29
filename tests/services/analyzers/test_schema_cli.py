"""``phasegate schema PATH``: the positional path, where each table comes from, warnings and drift, the diff."""

from __future__ import annotations

import json

from phasegate.app.cli.main import main
from tests.support.repos import commit_all, write_files

MODEL = ("from sqlalchemy import Column, Integer, Text\nfrom sqlalchemy.orm import declarative_base\n"
         "Base = declarative_base()\n\n\nclass Note(Base):\n    __tablename__ = 'notes'\n"
         "    id = Column(Integer, primary_key=True)\n    body = Column(Text)\n")
MIGRATION = "CREATE TABLE notes (id INT PRIMARY KEY);\nCREATE TABLE bad (x int check (x > 0) no inherit);\n"


def test_schema_path_argument_text_sources_warnings_and_drift(make_repo, capsys) -> None:
    root = make_repo({"app/models.py": MODEL, "db/migrations/0001_init.sql": MIGRATION})
    assert main(["schema", str(root)]) == 0
    out = capsys.readouterr().out
    assert "notes  [migrations: db/migrations/0001_init.sql]" in out
    assert "drift between models and migrations (1):" in out and "notes.body is only in the models" in out
    assert "warnings (1):" in out and "db/migrations/0001_init.sql:2: SQL statement not read" in out
    assert main(["schema", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == [{"path": "db/migrations/0001_init.sql", "line": 2,
                                 "reason": data["warnings"][0]["reason"]}]
    assert data["drift"] == [{"table": "notes", "column": "body", "kind": "column_only_in_models",
                              "model_source": "app/models.py", "migration_source": "db/migrations/0001_init.sql"}]
    assert {c["name"] for c in data["tables"][0]["columns"]} == {"id", "body"}


def test_schema_diff_text_names_the_source_and_flags_destructive(make_repo, capsys) -> None:
    root = make_repo({"app/models.py": MODEL})
    write_files(root, {"app/models.py": MODEL.replace("    body = Column(Text)\n", "")})
    commit_all(root, "drop body")
    assert main(["schema", str(root), "--diff", "HEAD~1..HEAD"]) == 0
    out = capsys.readouterr().out
    assert "column_removed  notes.body  [DESTRUCTIVE]  (app/models.py)" in out
