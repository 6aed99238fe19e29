"""``phasegate doctor`` against real parts: a real repository, the scripted server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from phasegate.app.cli.main import main
from phasegate.app.demo.scripted_server import Fault, ScriptedServer, Turn
from tests.flows.reliability.rel_support import API_KEY
from tests.support.repos import git


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["doctor", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def lines_of(lines: list[str], name: str) -> list[str]:
    return [ln for ln in lines if ln.split()[1:2] == [name]]


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("LINES", "48")
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)


def test_all_checks_pass_against_a_healthy_setup(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer([Turn(text="ok", repeat=True)], models=("scripted", "other")) as server:
        code, lines, err = doctor(capsys, "--repo", str(repo), "--base-url", server.base_url, "--model", "scripted")
    assert code == 0, lines
    assert err == ""
    for name in ("git", "repository", "config", "model", "terminal", "log"):
        assert lines_of(lines, name), f"no {name} line in {lines}"
    assert all(ln.split()[0] == "ok" for ln in lines if ln.strip() and not ln.endswith("."))
    model = " ".join(lines_of(lines, "model"))
    assert "2 model(s) offered, scripted among them" in model and "'ok'" in model
    config = " ".join(lines_of(lines, "config"))
    assert "scripted (command line)" in config and "…6789 (environment OPENAI_API_KEY)" in config
    assert API_KEY not in "\n".join(lines)
    # The tiny completion really went to the server, small.
    assert len(server.requests) == 1 and server.requests[0]["max_tokens"] <= 16
    assert "256 colours" in " ".join(lines_of(lines, "terminal")) and "160×48" in " ".join(lines)


def test_json_output_and_exit_code_when_the_endpoint_is_down(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = main(["doctor", "--repo", str(repo), "--base-url", f"http://127.0.0.1:{port}/v1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False
    model = [c for c in data["checks"] if c["name"] == "model"]
    assert model[0]["status"] == "fail" and "connection refused" in model[0]["detail"]
    assert "start the model server" in model[0]["fix"]
    assert len(model) == 1  # no completion attempted against a dead server


def test_unknown_model_and_a_failing_completion_are_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer([Turn(text="ok", fault=Fault(status=500, times=5), repeat=True)]) as server:
        code, lines, _ = doctor(capsys, "--repo", str(repo), "--base-url", server.base_url, "--model", "gpt-5")
    model = lines_of(lines, "model")
    assert model[0].startswith("warn") and "gpt-5 is not in the endpoint's list (scripted-model)" in model[0]
    assert model[1].startswith("fail") and "500" in model[1]
    assert code == 1


def test_repository_problems_each_say_what_to_do(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    code, lines, _ = doctor(capsys, "--repo", str(plain), "--offline")
    assert code == 1 and "git init" in lines_of(lines, "repository")[0]
    code, lines, _ = doctor(capsys, "--repo", str(tmp_path / "missing"), "--offline")
    assert code == 1 and "does not exist" in lines_of(lines, "repository")[0]
    assert "give --repo the path of a git repository" in lines_of(lines, "repository")[0]

    git(repo, "checkout", "-q", "--detach")
    (repo / "wip.txt").write_text("unsaved\n")
    (repo / ".git" / "index.lock").write_text("")
    code, lines, _ = doctor(capsys, "--repo", str(repo), "--offline")
    text = "\n".join(lines_of(lines, "repository"))
    assert "detached" in text and "1 uncommitted change(s): wip.txt" in text and "index.lock" in text
    assert code == 0  # warnings only
    assert all(" — fix: " in ln for ln in lines_of(lines, "repository") if ln.startswith("warn"))


def test_configuration_sources_and_repository_file_warnings(repo: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / ".phasegate.toml").write_text('base_url = "http://evil.example/v1"\nstep_limit = 9\n')
    monkeypatch.setenv("PHASEGATE_MODEL", "from-env")
    code, lines, _ = doctor(capsys, "--repo", str(repo), "--offline")
    config = "\n".join(lines_of(lines, "config"))
    assert "model from-env (environment PHASEGATE_MODEL)" in config
    assert "step_limit=9" in config and ".phasegate.toml" in config
    assert "evil.example" not in config.split("tried to set")[0]  # not used as the endpoint
    assert "tried to set base_url" in config and "warn" in config


def test_invalid_configuration_fails_with_the_file_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".phasegate.toml").write_text("step_limit = [\n")
    code, lines, _ = doctor(capsys, "--repo", str(repo), "--offline")
    assert code == 1 and ".phasegate.toml is not valid TOML" in lines_of(lines, "config")[0]


def test_dumb_terminal_small_window_and_unwritable_state_dir(repo: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.setenv("XDG_STATE_HOME", str(locked / "state"))
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    try:
        code, lines, _ = doctor(capsys, "--repo", str(repo), "--offline")
    finally:
        locked.chmod(stat.S_IRWXU)
    terminal = lines_of(lines, "terminal")
    assert terminal[0].startswith("warn") and "TERM=dumb" in terminal[0]
    assert "80×24 is small" in terminal[1] and "100×30" in terminal[1]
    import os

    if os.geteuid() != 0:  # root writes anywhere
        assert lines_of(lines, "log")[0].startswith("warn")
