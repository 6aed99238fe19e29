"""The layering rules are import-linter contracts (pyproject.toml); this runs them, and proves they bite."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_module():
    spec = importlib.util.spec_from_file_location("lint_imports", ROOT / ".ci" / "lint_imports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_keeps_every_contract() -> None:
    result = _lint_module().lint(ROOT, capture=True)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "kept" in result.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path: Path) -> None:
    for folder in ("app", "phases", "widgets", "prompts"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "phases" / "models.py").open("a") as fh:
        fh.write("\nimport textual  # noqa\n")
    with (tmp_path / "widgets" / "_support.py").open("a") as fh:
        fh.write("\nimport subprocess  # noqa\n")
    with (tmp_path / "app" / "analyzers" / "scan.py").open("a") as fh:
        fh.write("\nimport phasegate.app.session.controller  # noqa\n")
    result = _lint_module().lint(tmp_path, capture=True)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode != 0
    out = result.stdout
    broken = {line.rsplit(" ", 1)[0] for line in out.splitlines() if line.endswith(" BROKEN")}
    assert {"The domain (phases) imports no framework and nothing of the app or the widgets",
            "Widgets render and post messages: nothing of the app, git or the model",
            "Analyzers read trees: neither the session, the TUI, the agent nor the CLI"} <= broken
    assert "Only phasegate.app.git imports GitPython (git)" not in broken
    assert "phasegate.phases.models -> textual" in out
    assert "phasegate.widgets._support -> subprocess" in out
    assert "phasegate.app.analyzers.scan -> phasegate.app.session.controller" in out
