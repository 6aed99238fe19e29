"""The layering rules of DESIGN §3, enforced: the domain stays pure, widgets stay dumb."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: str) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        result[str(path.relative_to(ROOT))] = names
    return result


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path, names in imported_modules(folder).items():
        for name in names:
            if name.split(".")[0] in forbidden or any(name.startswith(f) for f in forbidden if "." in f):
                bad.append(f"{path} imports {name}")
    return bad


def test_phases_imports_no_framework() -> None:
    assert offenders("phases", ("textual", "openai", "git", "httpx", "rich", "phasegate.app", "phasegate.widgets")) == []


def test_prompts_imports_stdlib_only() -> None:
    assert offenders("prompts", ("textual", "openai", "git", "pydantic", "phasegate.app", "phasegate.widgets")) == []


def test_widgets_never_touch_git_network_or_services() -> None:
    assert offenders("widgets", ("git", "openai", "httpx", "subprocess", "phasegate.app")) == []


@pytest.mark.parametrize("folder", ["phases", "prompts", "widgets"])
def test_checker_sees_files(folder: str) -> None:
    # Guards the guard: if the folder moved, the tests above would pass vacuously.
    assert imported_modules(folder), f"no Python files found under {folder}/"
