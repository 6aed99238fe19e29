"""``python .ci/lint_imports.py``: run import-linter's contracts (``[tool.importlinter]`` in pyproject.toml)
on a copy of a project root.

``make lint`` runs ``lint-imports`` itself (``make venv`` gives the package a real directory). This runs
the same contracts on any root's four folders (``app/``, ``phases/``, ``widgets/``, ``prompts/``) copied into
a temporary ``phasegate/`` package: ``tests/meta/test_import_contracts.py`` breaks a copy on purpose to
prove the contracts bite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("app", "phases", "widgets", "prompts")  # phasegate.<folder>, as in pyproject.toml's package-dir


def _python_only(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".py") and not os.path.isdir(os.path.join(directory, n))
            or n in ("__pycache__", "data")]


def main(argv: list[str]) -> int:
    return lint(ROOT, argv)


def lint(root: Path, argv: list[str] = (), *, capture: bool = False) -> int | subprocess.CompletedProcess[str]:
    """Run the contracts of ``root``'s pyproject.toml over ``root``'s four folders (a copy)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    with tempfile.TemporaryDirectory(prefix="phasegate-imports-") as tmp:
        package = Path(tmp) / "phasegate"
        package.mkdir()
        (package / "__init__.py").write_text("")
        for folder in FOLDERS:
            shutil.copytree(root / folder, package / folder, ignore=_python_only)
        env = {**os.environ, "PYTHONPATH": tmp}
        command = [str(lint_imports), str(root / "pyproject.toml"), "--no-cache", *argv]
        if capture:
            return subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)
        return subprocess.call(command, cwd=tmp, env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
