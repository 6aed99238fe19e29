"""`phasegate [TASK]` before the TUI starts: bad paths and fixable repository states, one clear line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from phasegate.app.cli.main import main
from phasegate.app.errors import PhasegateError
from phasegate.app.tui.main import _check_repository


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(tmp_path / "nope"), "task"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "does not exist" in err


def test_not_a_repository_without_consent_fails_with_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(tmp_path), "task"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "git init" in err


def test_not_a_repository_is_initialised_when_the_user_agrees(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    questions: list[str] = []
    _check_repository(tmp_path, ask=lambda q: questions.append(q) or True)
    assert "not a git repository" in questions[0]
    log = subprocess.run(["git", "-C", str(tmp_path), "log", "--format=%s"], capture_output=True, text=True).stdout
    assert log.strip() == "Initial commit (before phasegate)"
    # The user's files are not swept into it: the workbench offers a baseline commit for them.
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain"], capture_output=True, text=True).stdout
    assert "?? app.py" in status


def test_empty_repository_gets_an_initial_commit_only_with_consent(tmp_path: Path) -> None:
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INT);\n")
    with pytest.raises(PhasegateError):
        _check_repository(tmp_path, ask=lambda q: False)
    _check_repository(tmp_path, ask=lambda q: True)
    assert subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True).returncode == 0
