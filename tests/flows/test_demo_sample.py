"""The bundled demo sample (taskboard): shipped as package data, and a real project whose tests pass."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from phasegate.app.demo.script import sample_root

# Everything a newcomer (and the scripted session) relies on, dotfiles and nested folders included.
EXPECTED_FILES = {
    ".env.example", ".gitignore", "README.md", "migrate.py", "openapi.yaml", "pytest.ini", "requirements.txt",
    "migrations/0001_init.sql", "migrations/0001_init.down.sql",
    "migrations/0002_task_due_date.sql", "migrations/0002_task_due_date.down.sql",
    "taskboard/__init__.py", "taskboard/__main__.py", "taskboard/app.py", "taskboard/db.py",
    "taskboard/routes.py", "taskboard/validation.py", "taskboard/web.py",
    "tests/conftest.py", "tests/test_api.py", "tests/test_migrate.py",
}
BUILD_LITTER = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.db")


def copy_sample(dest: Path) -> Path:
    """Copy the sample out of the installed package, as ``phasegate demo`` does."""
    with resources.as_file(sample_root()) as source:
        shutil.copytree(source, dest, ignore=BUILD_LITTER)
    return dest


def run(cwd: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_sample_ships_as_package_data_with_dotfiles_and_nested_folders():
    root = resources.files("phasegate.app.demo") / "data" / "sample"
    for rel in sorted(EXPECTED_FILES):
        node = root
        for part in rel.split("/"):
            node = node / part
        assert node.is_file(), f"{rel} is missing from the package data"
    assert "DATABASE_URL=" in (root / ".env.example").read_text()
    assert "*.db" in (root / ".gitignore").read_text().splitlines()


def test_the_sample_has_no_auth_yet_and_no_secret_values(tmp_path):
    sample = copy_sample(tmp_path / "sample")
    code = "\n".join(p.read_text() for p in sample.rglob("*.py"))
    for word in ("password", "jwt", "hmac", "SECRET_KEY"):
        assert word.lower() not in code.lower(), f"the sample should start without {word!r}: the demo adds it"
    env = dict(line.split("=", 1) for line in (sample / ".env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env == {"DATABASE_URL": "sqlite:///dev.db", "SECRET_KEY": ""}


def test_the_samples_own_tests_pass_in_a_copy(tmp_path):
    sample = copy_sample(tmp_path / "sample")
    result = run(sample, "-m", "pytest", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout
    # pytest.ini made the copy its own rootdir: no cache directory, nothing of phasegate's config.
    assert not (sample / ".pytest_cache").exists()


def test_migrate_up_status_down_against_database_url(tmp_path):
    sample = copy_sample(tmp_path / "sample")
    url = f"sqlite:///{tmp_path / 'demo.db'}"

    status = run(sample, "migrate.py", "status", database_url=url)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == ["[ ] 0001_init", "[ ] 0002_task_due_date"]

    up = run(sample, "migrate.py", "up", database_url=url)
    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines() == ["applied 0001_init", "applied 0002_task_due_date"]
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(tasks)")}
    assert "due_date" in columns and {"idx_tasks_project_id", "idx_tasks_due_date"} <= indexes
    assert run(sample, "migrate.py", "up", database_url=url).stdout.strip() == "nothing to apply"

    down = run(sample, "migrate.py", "down", database_url=url)
    assert down.returncode == 0, down.stderr
    assert down.stdout.strip() == "reverted 0002_task_due_date"
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        assert "due_date" not in {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}
    status = run(sample, "migrate.py", "status", database_url=url)
    assert status.stdout.splitlines() == ["[x] 0001_init", "[ ] 0002_task_due_date"]


def test_migrate_defaults_to_dev_db_and_refuses_other_urls(tmp_path):
    sample = copy_sample(tmp_path / "sample")
    assert run(sample, "migrate.py", "up").returncode == 0
    assert (sample / "dev.db").is_file()  # DATABASE_URL's documented default, git-ignored
    bad = run(sample, "migrate.py", "up", database_url="postgres://db.example/app")
    assert bad.returncode == 1
    assert bad.stderr.startswith("migration failed: DATABASE_URL must look like sqlite:///")
    assert "Traceback" not in bad.stderr
    usage = run(sample, "migrate.py", "sideways")
    assert usage.returncode == 2 and "usage:" in usage.stderr


@pytest.mark.parametrize("path", ["migrations/0001_init.sql", "migrations/0002_task_due_date.sql"])
def test_migrations_are_plain_ddl_a_schema_reader_can_parse(path):
    sqlglot = pytest.importorskip("sqlglot")
    text = (sample_root() / path).read_text()
    statements = [s for s in sqlglot.parse(text, read="sqlite") if s is not None]
    assert statements and all(s.key in {"create", "alter"} for s in statements)
