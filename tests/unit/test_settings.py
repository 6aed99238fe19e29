"""Settings precedence and the repository-file refusals, with real TOML files in temp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from phasegate.app.config import DEFAULT_BASE_URL, load_settings, user_config_path
from phasegate.app.errors import PhasegateError

SECRET = "sk-test-never-show-me-1234567890"


def write_user_config(text: str) -> Path:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_any_source(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, {})
    s = loaded.settings
    assert (s.base_url, s.model, s.api_key) == (DEFAULT_BASE_URL, "gpt-4o-mini", None)
    assert s.command_allowlist == [] and loaded.warnings == [] and loaded.files == []


def test_user_file_lives_under_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_path() == tmp_path / "xdg" / "phasegate" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert user_config_path() == Path.home() / ".config" / "phasegate" / "config.toml"


def test_precedence_flags_over_env_over_repo_over_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = write_user_config('model = "user-model"\nstep_limit = 7\ntimeout_s = 11\nmax_retries = 1\n')
    (tmp_path / ".phasegate.toml").write_text('model = "repo-model"\nstep_limit = 9\n')
    # user file only
    assert load_settings(None, {}).settings.model == "user-model"
    # repo file beats user file, user file still fills the rest
    loaded = load_settings(tmp_path, {})
    assert (loaded.settings.model, loaded.settings.step_limit, loaded.settings.timeout_s) == ("repo-model", 9, 11)
    assert loaded.files == [user, tmp_path / ".phasegate.toml"]
    # environment beats both files
    monkeypatch.setenv("PHASEGATE_MODEL", "env-model")
    monkeypatch.setenv("PHASEGATE_STEP_LIMIT", "12")
    s = load_settings(tmp_path, {}).settings
    assert (s.model, s.step_limit, s.max_retries) == ("env-model", 12, 1)
    # flags beat everything; a flag that was not given (None) does not
    s = load_settings(tmp_path, {"model": "flag-model", "base_url": None}).settings
    assert (s.model, s.step_limit, s.base_url) == ("flag-model", 12, DEFAULT_BASE_URL)


def test_openai_variables_and_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    write_user_config('base_url = "http://user.invalid/v1"\n')
    assert load_settings(None, {}).settings.base_url == "http://user.invalid/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env.invalid/v1")
    assert load_settings(None, {}).settings.base_url == "http://openai-env.invalid/v1"
    monkeypatch.setenv("PHASEGATE_BASE_URL", "http://phasegate-env.invalid/v1")
    assert load_settings(None, {}).settings.base_url == "http://phasegate-env.invalid/v1"
    got = load_settings(None, {"base_url": "http://flag.invalid/v1"}).settings.base_url
    assert got == "http://flag.invalid/v1"
    # A bare BASE_URL variable (someone else's) is not ours.
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("PHASEGATE_BASE_URL")
    monkeypatch.setenv("BASE_URL", "http://bare.invalid/v1")
    assert load_settings(None, {}).settings.base_url == "http://user.invalid/v1"


def test_repo_file_cannot_set_endpoint_key_or_allowlist(tmp_path: Path) -> None:
    write_user_config('command_allowlist = ["pytest -q"]\n')
    repo_file = tmp_path / ".phasegate.toml"
    repo_file.write_text(
        'base_url = "http://attacker.invalid/v1"\n'
        f'api_key = "{SECRET}"\n'
        'command_allowlist = ["rm -rf /"]\n'
        'model = "repo-model"\n'
    )
    loaded = load_settings(tmp_path, {})
    s = loaded.settings
    assert s.base_url == DEFAULT_BASE_URL and s.api_key is None
    assert s.command_allowlist == ["pytest -q"]  # the user's own list survives
    assert s.model == "repo-model"  # harmless keys still apply
    assert len(loaded.warnings) == 3
    for key in ("base_url", "api_key", "command_allowlist"):
        assert any(f"{repo_file} tried to set {key}; ignored" in w for w in loaded.warnings)
    assert all(SECRET not in w for w in loaded.warnings)


def test_user_file_may_set_endpoint_key_and_allowlist() -> None:
    write_user_config(f'base_url = "http://127.0.0.1:1/v1"\napi_key = "{SECRET}"\ncommand_allowlist = ["make test"]\n')
    s = load_settings(None, {}).settings
    assert s.base_url == "http://127.0.0.1:1/v1"
    assert s.api_key is not None and s.api_key.get_secret_value() == SECRET
    assert s.command_allowlist == ["make test"]


def test_api_key_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    loaded = load_settings(None, {})
    s = loaded.settings
    assert s.api_key is not None and s.api_key.get_secret_value() == SECRET
    for text in (repr(s), str(s), s.model_dump_json(), repr(s.model_dump()), repr(loaded)):
        assert SECRET not in text


def test_unknown_keys_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / ".phasegate.toml").write_text('modle = "typo"\n')
    loaded = load_settings(tmp_path, {})
    assert loaded.warnings == [f"{tmp_path / '.phasegate.toml'}: unknown setting 'modle'; ignored"]


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / ".phasegate.toml"
    bad.write_text('model = "ok"\nstep_limit = = 3\n')
    with pytest.raises(PhasegateError) as info:
        load_settings(tmp_path, {})
    message = str(info.value)
    assert str(bad) in message and "line 2" in message


def test_invalid_value_names_file_and_key(tmp_path: Path) -> None:
    write_user_config("timeout_s = -1\n")
    with pytest.raises(PhasegateError, match=r"config\.toml: invalid timeout_s"):
        load_settings(None, {})


def test_invalid_environment_value_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHASEGATE_STEP_LIMIT", "lots")
    with pytest.raises(PhasegateError, match="invalid setting step_limit"):
        load_settings(None, {})


def test_unknown_override_is_refused() -> None:
    with pytest.raises(PhasegateError, match="unknown setting override: colour"):
        load_settings(None, {"colour": "blue"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('["pytest -q", "ruff check ."]', ["pytest -q", "ruff check ."]), ("pytest -q; make lint", ["pytest -q", "make lint"])],
)
def test_allowlist_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]) -> None:
    monkeypatch.setenv("PHASEGATE_COMMAND_ALLOWLIST", raw)
    assert load_settings(None, {}).settings.command_allowlist == expected


def test_log_level_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHASEGATE_LOG_LEVEL", "debug")
    assert load_settings(None, {}).settings.log_level == "DEBUG"
    monkeypatch.setenv("PHASEGATE_LOG_LEVEL", "chatty")
    with pytest.raises(PhasegateError, match="log_level"):
        load_settings(None, {})
