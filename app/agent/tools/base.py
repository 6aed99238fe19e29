"""What the repository tools share: their results, their configuration, the command approval types
and the text helpers every tool's output goes through."""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasegate.app.agent.command_policy import Kind
    from phasegate.app.agent.workspace import Workspace

READ_CAP_BYTES = 256_000
RANGED_READ_MAX_BYTES = 64_000_000
WRITE_CAP_BYTES = 2_000_000
LIST_CAP = 500
SEARCH_CAP = 200
SEARCH_LINE_CHARS = 300
GIT_TIMEOUT_S = 30.0
MIGRATE_WORD = "migrate"

# ANSI/VT escape sequences and other control characters: a command's output may carry sequences that
# would repaint the user's terminal or hide text when shown; the model gains nothing from them.
_ESCAPES = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]")
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target",
                        "vendor", ".tox", ".mypy_cache", ".next"})


@dataclass
class ToolResult:
    """What a tool call produced. ``text`` goes back to the model; ``summary`` is one line for the UI."""

    ok: bool
    text: str
    halt_turn: bool = False
    changed_paths: list[str] = field(default_factory=list)
    summary: str = ""
    exit_code: int | None = None  # run_command only


@dataclass(frozen=True)
class CommandRequest:
    """What the user is asked to approve."""

    command: str
    cwd: str
    reason: str
    kind: Kind
    warnings: tuple[str, ...] = ()
    target_database: str | None = None
    classification_reason: str = ""


@dataclass(frozen=True)
class CommandDecision:
    approved: bool
    typed_confirmation: str | None = None
    note: str | None = None


Approver = Callable[[CommandRequest], Awaitable[CommandDecision]]


@dataclass
class ToolConfig:
    """The knobs the tools need (a subset of Settings, so tests and the headless mode can build one)."""

    allowlist: list[str] = field(default_factory=list)
    timeout_s: float = 120.0
    output_cap_bytes: int = 64_000
    secret_env_names: tuple[str, ...] = ()
    api_key: str | None = None
    read_cap_bytes: int = READ_CAP_BYTES

    @classmethod
    def from_settings(cls, settings: Any) -> ToolConfig:
        """Build from ``phasegate.app.config.Settings`` (duck-typed so this module does not import it)."""
        key = getattr(settings, "api_key", None)
        if key is not None and hasattr(key, "get_secret_value"):
            key = key.get_secret_value()
        return cls(
            allowlist=list(getattr(settings, "command_allowlist", []) or []),
            timeout_s=float(getattr(settings, "command_timeout_s", 120.0)),
            output_cap_bytes=int(getattr(settings, "output_cap_bytes", 64_000)),
            api_key=key or None,
        )


def numbered(lines: list[str], first: int) -> str:
    width = len(str(first + len(lines) - 1))
    return "\n".join(f"{n:>{width}} | {line}" for n, line in enumerate(lines, start=first))


def diffstat(old: str, new: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def clean_output(text: str) -> str:
    """Drop terminal escape sequences and control characters (newlines and tabs kept)."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n"))


def valid_text(text: str) -> str:
    """``text`` with undecodable bytes (kept as lone surrogates, e.g. from a non-UTF-8 file name) written
    as ``\\xNN``: a lone surrogate cannot be encoded, so it would break the transcript and the request."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that is not an escaped byte: show its code point
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class ToolHost:
    """What every tool family needs from the runner: the sandbox, the configuration and the approver."""

    workspace: Workspace
    config: ToolConfig
    approve: Approver | None
