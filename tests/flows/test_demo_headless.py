"""`phasegate demo --headless --yes`: the whole workflow, end to end, as a newcomer would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phasegate.app.cli.commands.demo import DEMO_TASK
from phasegate.app.cli.main import main
from phasegate.app.demo.script import DEMO_TASK as SCRIPT_TASK
from phasegate.app.session.final_report import SECTIONS
from tests.support.repos import git

PHASES = ["database", "api", "logic", "security", "testing", "deployment"]


def test_the_demo_task_is_the_one_the_script_answers() -> None:
    assert DEMO_TASK == SCRIPT_TASK


@pytest.mark.slow
def test_headless_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))  # the demo prepends its own bin dir; restore after
    target = tmp_path / "demo"
    assert main(["demo", "--headless", "--yes", "--dir", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Done: 6 phase commit(s)." in out
    assert f"The demo repository is {target}" in out

    # One commit per planned phase, in order, each with the trailers.
    subjects = git(target, "log", "--reverse", "--format=%s").splitlines()
    assert subjects[0].startswith("taskboard:")
    assert [s.split(")")[0].removeprefix("phase(") for s in subjects[1:]] == PHASES
    for slug in PHASES:
        body = git(target, "log", "-1", "--format=%B", f"--grep=Phasegate-Phase: {slug}")
        assert "Phasegate-Session:" in body and "Phasegate-Plan-Version: 1" in body
    assert git(target, "status", "--porcelain") == ""

    # The sample's own tests pass at the end (the model's changes work).
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=target, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout[-2000:]

    # `phasegate log --json` lists them.
    assert main(["log", "--json", "--repo", str(target)]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(e["phase"], e["status"]) for e in log] == [(p, "committed") for p in PHASES]

    # The report holds every section and was kept in the session.
    assert main(["report", "--format", "json", "--repo", str(target)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(SECTIONS) <= set(report)
    assert report["final_tests"]["passed"] is True
    assert [p["slug"] for p in report["phases"]] == PHASES
    assert any(c["kind"] == "table_added" and c["table"] == "users" for c in report["schema_diff"])
    assert "phasegate rollback deployment" in report["markdown"]

    # Roll back a middle phase afterwards: a revert commit, the tree clean.
    assert main(["rollback", "api", "--yes", "--repo", str(target)]) == 0
    assert "Rolled back api" in capsys.readouterr().out
    assert "Phasegate-Rollback: api" in git(target, "log", "-1", "--format=%B")
    assert git(target, "status", "--porcelain") == ""
    assert main(["log", "--json", "--repo", str(target)]) == 0
    statuses = {e["phase"]: e["status"] for e in json.loads(capsys.readouterr().out)}
    assert statuses["api"] == "rolled_back" and statuses["database"] == "committed"


def test_demo_refuses_yes_without_headless_and_a_non_empty_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--yes"]) == 2
    assert "--yes only works with --headless" in capsys.readouterr().err
    (tmp_path / "x").write_text("taken")
    assert main(["demo", "--headless", "--yes", "--dir", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
