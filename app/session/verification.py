"""Which commands verify a repository: its test and check commands, detected from its files.

The seed ends every phase with verification and the session with a full test run. phasegate does
not take the model's word for it: when the model completes a phase, these commands run (through
the same approval as any command) and their exit codes decide whether the phase can be approved
without an override.
"""

from __future__ import annotations

import json
import re
from pathlib import Path


def detect_test_commands(root: Path) -> list[str]:
    """The repository's test commands, most specific first; empty when none is recognised."""
    found: list[str] = []

    def has(name: str) -> bool:
        return (root / name).exists()

    makefile = root / "Makefile"
    if makefile.is_file() and re.search(r"^test\s*:", _read(makefile), flags=re.M):
        found.append("make test")
    package = root / "package.json"
    if package.is_file():
        try:
            scripts = json.loads(_read(package)).get("scripts") or {}
        except ValueError:
            scripts = {}
        if "test" in scripts:
            runner = "pnpm" if has("pnpm-lock.yaml") else "yarn" if has("yarn.lock") else "npm"
            found.append(f"{runner} test")
    if _is_python_project(root):
        found.append("python -m pytest -q")
    if has("go.mod"):
        found.append("go test ./...")
    if has("Cargo.toml"):
        found.append("cargo test")
    if has("pom.xml"):
        found.append("mvn -q test")
    elif has("build.gradle") or has("build.gradle.kts"):
        found.append("./gradlew test" if has("gradlew") else "gradle test")
    if has("Gemfile") and has("bin/rails"):
        found.append("bin/rails test")
    elif has("Gemfile") and has("spec"):
        found.append("bundle exec rspec")
    # `make test` usually wraps the others; keep it alone when it is there.
    return found[:1] if found and found[0] == "make test" else found


def _is_python_project(root: Path) -> bool:
    if (root / "pytest.ini").is_file() or (root / "conftest.py").is_file():
        return True
    for name in ("pyproject.toml", "setup.cfg", "tox.ini"):
        path = root / name
        if path.is_file() and ("[tool.pytest" in _read(path) or "[pytest]" in _read(path) or "[tool:pytest]" in _read(path)):
            return True
    tests = root / "tests"
    return tests.is_dir() and any(tests.glob("test_*.py"))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return ""


def rollback_hints(root: Path, changed_paths: list[str]) -> list[str]:
    """How to undo an applied migration: down-migration files the phase wrote, or the project's own runner."""
    hints = [p for p in changed_paths if re.search(r"(^|[/_.-])(down|rollback|revert)([/_.-]|$)", p, flags=re.I)]
    out = [f"down migration: {p}" for p in hints]
    if (root / "migrate.py").is_file():
        out.append("python migrate.py down")
    if (root / "alembic.ini").is_file():
        out.append("alembic downgrade -1")
    if (root / "manage.py").is_file():
        out.append("python manage.py migrate <app> <previous_migration>")
    return out
