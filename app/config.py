"""Configuration: one ``Settings`` object built from flags, environment and two TOML files.

Precedence, highest first (DESIGN §4):

1. explicit overrides (CLI flags), passed to :func:`load_settings` as a dict (``None`` = flag not given);
2. the environment: ``PHASEGATE_<FIELD>`` for every field, plus ``OPENAI_API_KEY`` and
   ``OPENAI_BASE_URL`` (``PHASEGATE_BASE_URL`` wins over ``OPENAI_BASE_URL`` when both are set);
3. the repository's ``.phasegate.toml``;
4. the user's ``$XDG_CONFIG_HOME/phasegate/config.toml`` (``~/.config`` when the variable is unset).

Both files are flat TOML tables whose keys are the field names below, e.g.::

    model = "qwen2.5-coder"
    step_limit = 40
    command_allowlist = ["pytest -q", "ruff check"]

A repository's file is written by whoever wrote the repository, not by the user, so it may NOT set
``base_url``, ``api_key`` or ``command_allowlist`` (a cloned repository must not be able to send the
key elsewhere or pre-approve commands). Such keys are dropped and reported in
``LoadedSettings.warnings`` so the UI can show them. ``.env`` files are never read.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import AliasChoices, Field, SecretStr, TypeAdapter, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from phasegate.app.errors import PhasegateError

REPO_CONFIG_NAME = ".phasegate.toml"
#: Keys a repository's own config file may not set; see the module docstring.
REPO_FORBIDDEN_KEYS: frozenset[str] = frozenset({"base_url", "api_key", "command_allowlist"})
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class Settings(BaseSettings):
    """Everything phasegate can be configured with. ``api_key`` is a ``SecretStr``: it never shows
    in ``repr``, ``str`` or ``model_dump_json``; call ``.get_secret_value()`` at the one place that
    hands it to the HTTP client."""

    model_config = SettingsConfigDict(
        env_prefix="PHASEGATE_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    # The TOML files this class reads (see :meth:`reading`); None: flags and environment only.
    config_files: ClassVar[list[_ConfigFile] | None] = None

    # --- the endpoint ---------------------------------------------------------------------------
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        validation_alias=AliasChoices("PHASEGATE_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint, including the /v1 suffix",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PHASEGATE_API_KEY", "OPENAI_API_KEY"),
        description="API key; local servers (Ollama, llama.cpp…) usually need none",
    )
    model: str = Field(default="gpt-4o-mini", min_length=1)
    timeout_s: float = Field(default=60.0, gt=0, description="seconds without a byte before giving up")
    max_retries: int = Field(default=3, ge=0, description="automatic retries on 429, 5xx and timeouts")
    max_tokens: int | None = Field(default=4096, gt=0, description="reply cap sent to the server; None = none")
    temperature: float | None = Field(default=0.2, ge=0, le=2)

    # --- cost display (0 = unknown: the UI shows tokens only) ----------------------------------
    price_input_per_mtok: float = Field(default=0.0, ge=0)
    price_output_per_mtok: float = Field(default=0.0, ge=0)

    # --- the agent loop and its tools -----------------------------------------------------------
    context_token_budget: int = Field(default=100_000, gt=0)
    step_limit: int = Field(default=25, gt=0, description="model/tool round trips per turn")
    command_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="commands run without asking (exact command lines)"
    )
    command_timeout_s: float = Field(default=120.0, gt=0)
    output_cap_bytes: int = Field(default=64_000, gt=0)

    # --- presentation -------------------------------------------------------------------------
    stream_pace_s: float = Field(default=0.03, ge=0, description="pause between chunks of the scripted demo")
    log_level: str = Field(default="WARNING")

    @field_validator("command_allowlist", mode="before")
    @classmethod
    def _split_allowlist(cls, value: Any) -> Any:
        # From the environment a list arrives as text: accept JSON (["a", "b"]) or one command
        # per line / per comma-free ";" separated item, so PHASEGATE_COMMAND_ALLOWLIST is usable.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]
        return value

    @field_validator("log_level", mode="after")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No dotenv and no secrets dir: a repository's .env must never configure phasegate. The two
        # TOML files come last (lowest priority), the repository's above the user's.
        files = getattr(settings_cls, "config_files", None)
        if files is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, *(_VettedToml(settings_cls, f) for f in reversed(files)))

    @classmethod
    def reading(cls, files: list[_ConfigFile]) -> type[Settings]:
        """This class, reading ``files`` (lowest priority first) as its last sources."""
        namespace = {"__annotations__": {"config_files": ClassVar[list[_ConfigFile]]},
                     "config_files": files, "__module__": cls.__module__}
        return type(cls.__name__, (cls,), namespace)


@dataclass
class _ConfigFile:
    """One TOML file to read, and whether the repository (not the user) wrote it."""

    path: Path
    repo_file: bool
    warnings: list[str]


class _VettedToml(TomlConfigSettingsSource):
    """pydantic-settings' TOML source, reading one file through :func:`_vet_file`: a repository's file
    cannot set the forbidden keys, unknown keys are reported, and an invalid value names its file."""

    def __init__(self, settings_cls: type[BaseSettings], config: _ConfigFile) -> None:
        self.file = config
        super().__init__(settings_cls, toml_file=config.path)

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        path = Path(str(file_path))
        data = _read_toml(path) or {}
        return _vet_file(path, data, repo_file=self.file.repo_file, warnings=self.file.warnings)


@dataclass
class LoadedSettings:
    """The settings plus what the user should be told about how they were made."""

    settings: Settings
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # config files that existed and were read


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "phasegate" / "config.toml"


def repo_config_path(repo: Path) -> Path:
    return Path(repo) / REPO_CONFIG_NAME


def _read_toml(path: Path) -> dict[str, Any] | None:
    """The file's table, or None when there is no file. Malformed TOML is the user's to fix."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PhasegateError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PhasegateError(f"{path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already carries "(at line N, column M)".
        raise PhasegateError(f"{path} is not valid TOML: {exc}") from exc


def _field_adapter(name: str) -> TypeAdapter[Any]:
    info = Settings.model_fields[name]
    if not info.metadata:
        return TypeAdapter(info.annotation)  # type: ignore[arg-type]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)])  # type: ignore[arg-type]


def _vet_file(path: Path, data: dict[str, Any], *, repo_file: bool, warnings: list[str]) -> dict[str, Any]:
    """Keep the known, allowed keys of one file, each validated so an error names the file."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key not in Settings.model_fields:
            warnings.append(f"{path}: unknown setting '{key}'; ignored")
            continue
        if repo_file and key in REPO_FORBIDDEN_KEYS:
            warnings.append(f"{path} tried to set {key}; ignored (only your own config or environment may)")
            continue
        try:
            kept[key] = _field_adapter(key).validate_python(value)
        except ValidationError as exc:
            raise PhasegateError(f"{path}: invalid {key}: {exc.errors()[0]['msg']}") from exc
    return kept


def load_settings(repo: Path | None = None, overrides: Mapping[str, Any] | None = None) -> LoadedSettings:
    """Build the settings for ``repo`` (None = no repository file) with CLI ``overrides`` on top.

    Raises :class:`PhasegateError` with one sentence for malformed TOML or an invalid value.
    """
    warnings: list[str] = []
    configs = [_ConfigFile(user_config_path(), repo_file=False, warnings=warnings)]
    if repo is not None:
        configs.append(_ConfigFile(repo_config_path(repo), repo_file=True, warnings=warnings))
    for config in configs:
        _read_toml(config.path)  # a malformed or unreadable file is reported before anything else
    files = [c.path for c in configs if c.path.is_file()]

    explicit = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = sorted(set(explicit) - set(Settings.model_fields))
    if unknown:
        raise PhasegateError(f"unknown setting override: {', '.join(unknown)}")

    try:
        settings = Settings.reading(configs)(**explicit)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise PhasegateError(
            f"invalid setting {where}: {first['msg']} (check the command line and PHASEGATE_* variables)"
        ) from exc
    return LoadedSettings(settings=settings, warnings=warnings, files=files)
