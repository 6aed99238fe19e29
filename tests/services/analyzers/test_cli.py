"""``phasegate scan`` and ``phasegate schema`` through the real CLI entry point."""

from __future__ import annotations

import json

from phasegate.app.analyzers.scan import SCAN_KEYS
from phasegate.app.cli.main import main
from tests.support.repos import commit_all, write_files


def test_scan_json_positional_path_and_repo_flag(make_repo, capsys) -> None:
    root = make_repo({"package.json": '{"dependencies": {"express": "^4"}}',
                      "src/routes.js": "router.get('/health', (req, res) => res.send('ok'));\n"})
    assert main(["scan", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == list(SCAN_KEYS)
    assert data["api_route_files"][0]["path"] == "src/routes.js"
    assert main(["scan", "--repo", str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_scan_text_is_the_summary(make_repo, capsys) -> None:
    root = make_repo({"package.json": '{"dependencies": {"express": "^4"}}'})
    assert main(["scan", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Repository audit") and "Express" in out


def test_scan_bad_path_is_one_line_exit_1(tmp_path, capsys) -> None:
    assert main(["scan", str(tmp_path / "missing"), "--json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err


def test_schema_json_rev_and_diff(make_repo, capsys) -> None:
    root = make_repo({"migrations/001_init.up.sql": "CREATE TABLE users (id INT PRIMARY KEY, name TEXT);\n"})
    write_files(root, {"migrations/002_drop.up.sql": "ALTER TABLE users DROP COLUMN name;\n"})
    commit_all(root, "drop name")
    assert main(["schema", "--repo", str(root), "--json"]) == 0
    now = json.loads(capsys.readouterr().out)
    assert set(now) == {"sources", "tables", "enums", "warnings", "drift"}
    assert [c["name"] for c in now["tables"][0]["columns"]] == ["id"]
    assert main(["schema", "--repo", str(root), "--rev", "HEAD~1", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in before["tables"][0]["columns"]] == ["id", "name"]
    assert main(["schema", "--repo", str(root), "--diff", "HEAD~1..HEAD", "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff == {"changes": [{"kind": "column_removed", "table": "users", "column": "name",
                                 "before": before["tables"][0]["columns"][1], "after": None, "destructive": True}],
                    "drift": [], "warnings": []}
    assert main(["schema", "--repo", str(root), "--diff", "HEAD~1.."]) == 0  # B empty: the working tree
    assert "column_removed" in capsys.readouterr().out


def test_schema_text_output(make_repo, capsys) -> None:
    root = make_repo({"schema.sql": "CREATE TABLE t (id INT PRIMARY KEY, v TEXT DEFAULT 'x');\n"})
    assert main(["schema", "--repo", str(root)]) == 0
    out = capsys.readouterr().out
    assert "sources: schema.sql" in out and "id" in out and "PK" in out and "DEFAULT 'x'" in out


def test_schema_bad_rev_and_bad_range(make_repo, capsys) -> None:
    root = make_repo({"schema.sql": "CREATE TABLE t (id INT);\n"})
    assert main(["schema", "--repo", str(root), "--rev", "nope", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown revision" in err
    assert main(["schema", "--repo", str(root), "--diff", "HEAD"]) == 2
    assert "A..B" in capsys.readouterr().err
