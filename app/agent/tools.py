"""The repository tools the model calls: read, search, write and run, all inside the sandbox.

Every tool returns a ``ToolResult`` whose ``text`` is plain text the model can act on — never a
traceback. Paths go through ``Workspace.resolve``; ``.env``-style files are shown with names only;
commands are classified by ``command_policy`` and need the user's approval through an async callback
(migrations: the typed word ``migrate``, checked here so a buggy UI cannot skip it). Which tools a
stage may use is decided by ``phasegate.phases.tool_policy``; this module only implements them.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import fnmatch
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate.app.agent.command_policy import CommandClass, classify, target_database
from phasegate.app.agent.workspace import SandboxError, Workspace, env_values, is_env_file, redact_env
from phasegate.app.errors import PhasegateError
from phasegate.app.secrets import Masker

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
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target",
                        "vendor", ".tox", ".mypy_cache", ".next"})


@dataclass(frozen=True)
class ToolEvent:
    """Posted to ``ToolRunner.on_event`` after a change, e.g. "wrote app/x.py (+12 −3)"."""

    kind: str  # "wrote" | "edited" | "deleted" | "command"
    summary: str
    path: str | None = None
    added: int = 0
    removed: int = 0
    exit_code: int | None = None


@dataclass
class ToolResult:
    """What a tool call produced. ``text`` goes back to the model; ``summary`` is one line for the UI."""

    ok: bool
    text: str
    halt_turn: bool = False
    changed_paths: list[str] = field(default_factory=list)
    summary: str = ""
    event: ToolEvent | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CommandRequest:
    """What the user is asked to approve."""

    command: str
    cwd: str
    reason: str
    kind: str
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


# -- the OpenAI function specs -----------------------------------------------------------------------------


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    # Plain single types (no ["string", "null"] unions): small local servers turn schemas into grammars
    # and not all of them handle unions. Optional arguments are simply not required; null is accepted.
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required,
                           "additionalProperties": False},
        },
    }


_PATH = {"type": "string", "description": "path relative to the repository root, forward slashes"}
TOOL_SPECS: dict[str, dict[str, Any]] = {
    "list_files": _spec(
        "list_files",
        "List files under a directory of the repository (tracked and untracked, without git-ignored files).",
        {"path": {**_PATH, "default": "."},
         "pattern": {"type": "string", "description": "optional glob such as '*.py' or 'src/**/*.ts'"}},
        [],
    ),
    "read_file": _spec(
        "read_file",
        "Read a text file with line numbers, optionally only lines start_line..end_line (1-based, inclusive).",
        {"path": _PATH, "start_line": {"type": "integer", "minimum": 1},
         "end_line": {"type": "integer", "minimum": 1}},
        ["path"],
    ),
    "search_code": _spec(
        "search_code",
        "Search the repository's text files with an extended regular expression (git grep -E); "
        "returns path:line: text.",
        {"pattern": {"type": "string"}, "path": {**_PATH, "description": "optional directory or file to search"}},
        ["pattern"],
    ),
    "git_log": _spec(
        "git_log",
        "Show recent commits (hash, date, author, subject), optionally only those touching a path.",
        {"max_count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
         "path": {**_PATH, "description": "optional path whose history to show"}},
        [],
    ),
    "write_file": _spec(
        "write_file",
        "Create or overwrite a file with the full content given (parent directories are created).",
        {"path": _PATH, "content": {"type": "string"}},
        ["path", "content"],
    ),
    "edit_file": _spec(
        "edit_file",
        "Replace one exact occurrence of `search` with `replace` in a file. `search` must match the file "
        "exactly (whitespace included) and occur exactly once; include surrounding lines to make it unique.",
        {"path": _PATH, "search": {"type": "string"}, "replace": {"type": "string"}},
        ["path", "search", "replace"],
    ),
    "delete_file": _spec("delete_file", "Delete one file.", {"path": _PATH}, ["path"]),
    "run_command": _spec(
        "run_command",
        "Run a shell command in the repository root after the user approves it. Database migrations need "
        "the user's typed confirmation and end your turn. Destructive commands are refused.",
        {"command": {"type": "string"},
         "reason": {"type": "string", "description": "why you need to run it, shown to the user"}},
        ["command", "reason"],
    ),
}


class _ArgError(Exception):
    pass


def _check_arguments(name: str, arguments: Any) -> dict[str, Any]:
    """Validate and coerce the model's arguments against TOOL_SPECS; unknown keys are ignored."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise _ArgError(f"{name}: arguments must be a JSON object, got {type(arguments).__name__}.")
    params = TOOL_SPECS[name]["function"]["parameters"]
    out: dict[str, Any] = {}
    for key in params["required"]:
        if arguments.get(key) is None:
            raise _ArgError(f"{name}: missing required argument {key!r}.")
    for key, schema in params["properties"].items():
        if key not in arguments or arguments[key] is None:
            continue
        value = arguments[key]
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "integer" in types and not isinstance(value, bool):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
        if "integer" in types and isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
        elif "string" in types and isinstance(value, str):
            out[key] = value
        else:
            raise _ArgError(f"{name}: argument {key!r} must be {' or '.join(t for t in types if t != 'null')}.")
    return out


# -- helpers ---------------------------------------------------------------------------------------------------


def _numbered(lines: list[str], first: int) -> str:
    width = len(str(first + len(lines) - 1))
    return "\n".join(f"{n:>{width}} | {line}" for n, line in enumerate(lines, start=first))


def _diffstat(old: str, new: str) -> tuple[int, int]:
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


def command_environment(base: dict[str, str], api_key: str | None, extra_names: tuple[str, ...] = ()) -> dict[str, str]:
    """``base`` without the API key: OPENAI_*, PHASEGATE_*, the named secrets, and any variable holding the key."""
    names = set(extra_names)
    key_masker = Masker([api_key or ""], include_environment=False)
    env: dict[str, str] = {}
    for key, value in base.items():
        if key.startswith(("OPENAI_", "PHASEGATE_")) or key in names:
            continue
        if key_masker.contains_secret(value):
            continue
        env[key] = value
    # Never block on a pager or a credential prompt: nobody is there to answer.
    env.update({"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"})
    return env


class ToolRunner:
    """Runs the repository tools for the agent loop: ``await runner.call(name, arguments)``."""

    def __init__(
        self,
        workspace: Workspace,
        config: ToolConfig | None = None,
        approve: Approver | None = None,
        on_event: Callable[[ToolEvent], None] | None = None,
    ) -> None:
        self.workspace = workspace
        self.config = config or ToolConfig()
        self.approve = approve
        self.on_event = on_event

    @property
    def root(self) -> Path:
        return self.workspace.root

    async def call(self, name: str, arguments: dict[str, Any] | None) -> ToolResult:
        """Run one tool; every failure comes back as a ``ToolResult`` with ``ok=False`` and a clear text."""
        result = await self._call(name, arguments)
        result.text = valid_text(result.text)
        return result

    async def _call(self, name: str, arguments: dict[str, Any] | None) -> ToolResult:
        method = getattr(self, f"_tool_{name}", None) if name in TOOL_SPECS else None
        if method is None:
            return ToolResult(False, f"There is no repository tool named {name!r}. Known: {', '.join(TOOL_SPECS)}.")
        try:
            args = _check_arguments(name, arguments)
            result = await method(**args)
        except _ArgError as exc:
            return ToolResult(False, str(exc))
        except SandboxError as exc:
            return ToolResult(False, f"Refused: {exc}")
        except PhasegateError as exc:
            return ToolResult(False, str(exc))
        except UnicodeDecodeError:
            return ToolResult(False, f"{name}: the file is not UTF-8 text.")
        except OSError as exc:
            what = self._safe_name(exc.filename)
            return ToolResult(False, f"{name} failed{' on ' + what if what else ''}: {exc.strerror or exc}.")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the model must get text, never a traceback
            return ToolResult(False, f"{name} failed unexpectedly ({type(exc).__name__}: {exc}).")
        if result.changed_paths or name == "run_command":
            self._emit(name, result)
        return result

    def _safe_name(self, filename: Any) -> str:
        if not filename:
            return ""
        try:
            return self.workspace.relative(Path(filename))
        except ValueError:
            return ""

    def _emit(self, name: str, result: ToolResult) -> None:
        if self.on_event is None:
            return
        event = result.event or ToolEvent(kind=name, summary=result.summary)
        with contextlib.suppress(Exception):  # a broken UI hook must not break the tool
            self.on_event(event)

    # -- git ------------------------------------------------------------------------------------------------

    async def _git(self, *args: str, timeout: float = GIT_TIMEOUT_S) -> tuple[int, bytes, bytes]:
        proc = await asyncio.create_subprocess_exec(
            "git", "-c", "core.quotePath=false", "-c", "color.ui=never", *args,
            cwd=self.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=command_environment(dict(os.environ), self.config.api_key, self.config.secret_env_names),
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise
        return proc.returncode or 0, out, err

    async def _git_files(self, rel: str) -> list[str] | None:
        """Tracked + untracked, non-ignored files under ``rel`` (None when this is not a git repository)."""
        spec = [] if rel == "." else ["--", rel]
        code, out, _ = await self._git("ls-files", "-z", "--cached", "--others", "--exclude-standard", *spec)
        if code != 0:
            return None
        names = sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})
        # --cached still lists files deleted from the work tree; those are not there to read.
        return [n for n in names if os.path.lexists(self.root / n)]

    # -- read tools -------------------------------------------------------------------------------------------

    async def _tool_list_files(self, path: str = ".", pattern: str | None = None) -> ToolResult:
        base = self.workspace.resolve(path)
        rel = self.workspace.relative(base)
        if not base.exists():
            return ToolResult(False, f"{rel} does not exist.")
        names = await self._git_files(rel)
        if names is None:
            names = await asyncio.to_thread(self._walk, base)
        names = [n for n in names if ".git" not in n.split("/")]
        if pattern:
            names = [n for n in names if fnmatch.fnmatch(n, pattern) or fnmatch.fnmatch(n.rsplit("/", 1)[-1], pattern)]
        if not names:
            where = "the repository" if rel == "." else rel
            return ToolResult(True, f"No files under {where}{' matching ' + repr(pattern) if pattern else ''}.")
        shown = names[:LIST_CAP]
        text = "\n".join(shown)
        if len(names) > LIST_CAP:
            text += f"\n… {len(names) - LIST_CAP} more (narrow with path or pattern)"
        return ToolResult(True, text)

    def _walk(self, base: Path) -> list[str]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d.casefold() != ".git")
            for name in filenames:
                found.append(self.workspace.relative(Path(dirpath) / name))
            if len(found) > LIST_CAP * 4:
                break
        return sorted(found)

    async def _tool_read_file(self, path: str, start_line: int | None = None, end_line: int | None = None) -> ToolResult:
        target = self.workspace.resolve(path)
        rel = self.workspace.relative(target)
        if not target.exists():
            return ToolResult(False, f"{rel} does not exist; use list_files to see what is there.")
        if target.is_dir():
            return ToolResult(False, f"{rel} is a directory; use list_files on it.")
        size = target.stat().st_size
        ranged = start_line is not None or end_line is not None
        if size > self.config.read_cap_bytes and not ranged:
            return ToolResult(
                False,
                f"{rel} is {size:,} bytes, over the {self.config.read_cap_bytes:,}-byte cap; "
                "read a part with start_line and end_line, or search it with search_code.",
            )
        if size > RANGED_READ_MAX_BYTES:
            return ToolResult(False, f"{rel} is {size:,} bytes, too large to read; search it with search_code.")
        data = self._read_bytes(target, None)
        if b"\0" in data[:8192]:
            return ToolResult(False, f"{rel} looks binary ({size:,} bytes); it is not shown.")
        text = data.decode("utf-8", "replace")
        note = ""
        if self._is_env(target):
            text = redact_env(text)
            note = f"({rel} is a .env-style file: variable names only, values redacted)\n"
        lines = text.splitlines()
        total = len(lines)
        first = max(1, start_line or 1)
        last = min(total, end_line or total)
        if total == 0:
            return ToolResult(True, f"{note}{rel} is empty.")
        if first > total:
            return ToolResult(False, f"{rel} has {total} lines; start_line {first} is past the end.")
        if last < first:
            return ToolResult(False, f"end_line {end_line} is before start_line {first}.")
        body = _numbered(lines[first - 1 : last], first)
        if len(body.encode()) > self.config.read_cap_bytes:
            body = body.encode()[: self.config.read_cap_bytes].decode("utf-8", "ignore")
            body += "\n… cut at the size cap; read a smaller line range"
        header = f"{note}{rel} (lines {first}-{last} of {total})\n" if (first, last) != (1, total) else note
        return ToolResult(True, header + body)

    @staticmethod
    def _read_bytes(path: Path, limit: int | None) -> bytes:
        # O_NOFOLLOW on the last component: resolve() vetted any symlink there, but a swap between the
        # check and the open must not redirect the read. (A vetted in-root symlink is read via its target.)
        real = os.path.realpath(path)
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            return handle.read() if limit is None else handle.read(limit)

    async def _tool_search_code(self, pattern: str, path: str | None = None) -> ToolResult:
        if not pattern:
            return ToolResult(False, "search_code needs a non-empty pattern.")
        spec: list[str] = []
        if path not in (None, "", "."):
            spec = ["--", self.workspace.relative(self.workspace.resolve(path))]
        code, out, err = await self._git("grep", "-n", "-z", "-I", "-E", "--untracked", "--no-color",
                                         "-e", pattern, *spec)
        if code == 128 and b"not a git repository" in err:
            # Not a repository (yet): search the directory itself; .git is still never searched.
            code, out, err = await self._git("grep", "--no-index", "--exclude-standard", "-n", "-z", "-I", "-E",
                                             "--no-color", "-e", pattern, *spec)
        if code == 1:
            return ToolResult(True, f"No matches for /{pattern}/.")
        if code != 0:
            message = err.decode("utf-8", "replace").strip().splitlines()
            return ToolResult(False, f"search_code failed: {message[-1] if message else 'git grep error'}.")
        hits: list[str] = []
        total = 0
        for record in out.decode("utf-8", "replace").split("\n"):
            parts = record.split("\0", 2)
            if len(parts) != 3:
                continue
            name, line_no, text = parts
            if is_env_file(name) or ".git" in name.split("/"):
                continue  # never the values of a .env file
            total += 1
            if len(hits) < SEARCH_CAP:
                if len(text) > SEARCH_LINE_CHARS:
                    text = text[:SEARCH_LINE_CHARS] + " …"
                hits.append(f"{name}:{line_no}: {clean_output(text)}")
        if not hits:
            return ToolResult(True, f"No matches for /{pattern}/.")
        more = f"\n… {total - SEARCH_CAP} more matches (narrow the pattern or path)" if total > SEARCH_CAP else ""
        return ToolResult(True, "\n".join(hits) + more)

    async def _tool_git_log(self, max_count: int = 10, path: str | None = None) -> ToolResult:
        count = min(max(int(max_count), 1), 100)
        spec: list[str] = []
        if path not in (None, "", "."):
            spec = ["--", self.workspace.relative(self.workspace.resolve(path))]
        code, out, err = await self._git("log", f"--max-count={count}", "--date=short",
                                         "--pretty=format:%h %ad %an: %s", *spec)
        if code != 0:
            message = err.decode("utf-8", "replace")
            if "does not have any commits" in message or "bad default revision" in message:
                return ToolResult(True, "The repository has no commits yet.")
            return ToolResult(False, f"git_log failed: {message.strip().splitlines()[-1] if message.strip() else code}.")
        text = clean_output(out.decode("utf-8", "replace")).strip()
        return ToolResult(True, text or "No commits" + (" touch that path." if spec else " yet."))

    # -- write tools -----------------------------------------------------------------------------------------

    def _is_env(self, target: Path) -> bool:
        """By its own name or, for a symlink inside the root, by the name of the file it points to."""
        return is_env_file(target.name) or is_env_file(os.path.realpath(target))

    def _writable(self, path: str) -> tuple[Path, str]:
        target = self.workspace.resolve(path)
        rel = self.workspace.relative(target)
        if target == self.root:
            raise SandboxError("Give a file path, not the repository root.")
        if target.is_dir():
            raise SandboxError(f"{rel} is a directory.")
        return target, rel

    def _changed(self, kind: str, rel: str, text: str, added: int, removed: int) -> ToolResult:
        summary = f"{kind} {rel} (+{added} −{removed})"
        event = ToolEvent(kind=kind, summary=summary, path=rel, added=added, removed=removed)
        return ToolResult(True, text, changed_paths=[rel], summary=summary, event=event)

    async def _tool_write_file(self, path: str, content: str) -> ToolResult:
        target, rel = self._writable(path)
        if len(content.encode("utf-8", "surrogatepass")) > WRITE_CAP_BYTES:
            return ToolResult(False, f"The content is over {WRITE_CAP_BYTES:,} bytes; write smaller files.")
        existed = target.is_file()
        if existed and self._is_env(target):
            return ToolResult(False, f"{rel} holds the user's secrets; the model may not overwrite it. "
                                     "Ask the user to change it.")
        old = target.read_text("utf-8", "replace") if existed else ""
        self.workspace.write_text(rel, content)
        added, removed = _diffstat(old, content)
        verb = "updated" if existed else "created"
        return self._changed("wrote", rel, f"{verb} {rel} (+{added} −{removed} lines)", added, removed)

    async def _tool_edit_file(self, path: str, search: str, replace: str) -> ToolResult:
        target, rel = self._writable(path)
        if not target.exists():
            return ToolResult(False, f"{rel} does not exist; use write_file to create it.")
        if self._is_env(target):
            return ToolResult(False, f"{rel} is a .env-style file whose values you cannot see; "
                                     "ask the user to change it.")
        if not search:
            return ToolResult(False, "edit_file needs a non-empty search text.")
        text = target.read_bytes().decode("utf-8")
        if "\r\n" in text and "\r\n" not in search and search.replace("\n", "\r\n") in text:
            # The file has Windows line endings; the model wrote Unix ones.
            search, replace = search.replace("\n", "\r\n"), replace.replace("\n", "\r\n")
        count = text.count(search)
        if count == 0:
            # The similarity scan is CPU work: keep it off the event loop the UI runs on.
            return ToolResult(False, await asyncio.to_thread(self._no_match, rel, text, search))
        if count > 1:
            lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(re.escape(search), text)]
            return ToolResult(False, f"The search text occurs {count} times in {rel} (at lines "
                                     f"{', '.join(map(str, lines[:10]))}); include more surrounding lines "
                                     "so it matches exactly once.")
        new = text.replace(search, replace, 1)
        self.workspace.write_text(rel, new)
        added, removed = _diffstat(text, new)
        return self._changed("edited", rel, f"edited {rel} (+{added} −{removed} lines)", added, removed)

    @staticmethod
    def _no_match(rel: str, text: str, search: str) -> str:
        lines = text.splitlines()
        wanted = search.strip("\n").splitlines() or [search]
        head = f"No exact match for the search text in {rel}."
        if not lines:
            return head + f" {rel} is empty."
        squash = " ".join(search.split())
        if squash and squash in " ".join(text.split()):
            head += " It matches if whitespace is ignored: copy indentation and line breaks exactly."
        size = len(wanted)
        target = "\n".join(line.strip() for line in wanted)
        best, best_at = -1.0, 0
        window_limit = 20_000
        for start in range(0, max(1, len(lines) - size + 1))[:window_limit]:
            candidate = "\n".join(line.strip() for line in lines[start : start + size])
            matcher = difflib.SequenceMatcher(None, target, candidate, autojunk=False)
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            ratio = matcher.ratio()
            if ratio > best:
                best, best_at = ratio, start
        if best < 0.3:
            return head + " Nothing similar was found; read the file again before editing."
        first = max(0, best_at - 1)
        last = min(len(lines), best_at + size + 1)
        return (f"{head} Did you mean these lines ({first + 1}-{last})?\n"
                f"{_numbered(lines[first:last], first + 1)}")

    async def _tool_delete_file(self, path: str) -> ToolResult:
        target, rel = self._writable(path)
        if not os.path.lexists(target):
            return ToolResult(False, f"{rel} does not exist.")
        if self._is_env(target):
            return ToolResult(False, f"{rel} holds the user's secrets; the model may not delete it.")
        removed = 0
        if target.is_file() and not target.is_symlink():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                removed = len(target.read_bytes().decode("utf-8").splitlines())
        os.unlink(target)
        return self._changed("deleted", rel, f"deleted {rel} (−{removed} lines)", 0, removed)

    # -- run_command ------------------------------------------------------------------------------------------

    def allowlisted(self, command: str) -> bool:
        """True when ``command`` is an allow-list entry, alone or with more arguments, and chains nothing."""
        try:
            words = shlex.split(command)
        except ValueError:
            return False
        if any(ch in command for ch in ";&|<>`$\n(){}") or not words:
            return False
        for entry in self.config.allowlist:
            try:
                prefix = shlex.split(entry)
            except ValueError:
                continue
            if prefix and words[: len(prefix)] == prefix:
                return True
        return False

    def _env_text(self) -> str:
        """The contents of the repository's .env-style files (for the migration target and scrubbing)."""
        chunks: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            depth = len(Path(dirpath).relative_to(self.root).parts)
            dirnames[:] = [] if depth >= 3 else [d for d in dirnames if d not in _SKIP_DIRS]
            for name in sorted(filenames):
                full = Path(dirpath) / name
                if is_env_file(name) and full.is_file() and not full.is_symlink():
                    with contextlib.suppress(OSError):
                        if full.stat().st_size < 256_000:
                            chunks.append(full.read_text("utf-8", "replace"))
        return "\n".join(chunks)

    async def _tool_run_command(self, command: str, reason: str) -> ToolResult:
        if not command.strip():
            return ToolResult(False, "run_command needs a command.")
        verdict: CommandClass = classify(command, self.root)
        if verdict.kind == "destructive":
            return ToolResult(False, f"Refused: {verdict.reason}. phasegate never runs this kind of command; "
                                     "find a safer way or ask the user to do it.",
                              summary=f"refused `{command}`")
        env_text = await asyncio.to_thread(self._env_text)
        target = target_database(command, env_text) if verdict.kind == "migration" else None
        needs_approval = verdict.kind != "normal" or not self.allowlisted(command)
        if needs_approval:
            if self.approve is None:
                return ToolResult(False, "Not run: no one is available to approve commands in this mode.")
            request = CommandRequest(command=command, cwd=str(self.root), reason=reason, kind=verdict.kind,
                                     warnings=verdict.warnings, target_database=target,
                                     classification_reason=verdict.reason)
            decision = await self.approve(request)
            note = f" Their note: {decision.note}" if decision.note else ""
            if not decision.approved:
                return ToolResult(False, f"The user declined to run `{command}`.{note}",
                                  summary=f"declined `{command}`")
            if verdict.kind == "migration" and (decision.typed_confirmation or "").strip() != MIGRATE_WORD:
                return ToolResult(False, f"Not run: `{command}` is a database migration and needs the user to "
                                         f"type '{MIGRATE_WORD}' to confirm.{note}",
                                  summary=f"migration not confirmed `{command}`")
        code, output, timed_out = await self._run(command)
        output = Masker(self._secrets(env_text)).mask(output)
        status = f"timed out after {self.config.timeout_s:g} s and was killed" if timed_out else f"exit code {code}"
        text = f"$ {command}\n{status}\n{output}".rstrip("\n")
        summary = f"ran `{command}` ({status})"
        result = ToolResult(ok=code == 0 and not timed_out, text=text, summary=summary)
        if verdict.kind == "migration":
            result.halt_turn = True
            result.text += ("\n\nThis was a database migration: your turn ends here. Report what happened and "
                            "wait until the user continues.")
        result.event = ToolEvent(kind="command", summary=summary, exit_code=code)
        return result

    def _secrets(self, env_text: str) -> list[str]:
        values = env_values(env_text)
        if self.config.api_key:
            values.add(self.config.api_key)
        return sorted(values, key=len, reverse=True)

    async def _run(self, command: str) -> tuple[int, str, bool]:
        """Run in the repository root in its own process group; (exit code, capped output, timed_out)."""
        env = command_environment(dict(os.environ), self.config.api_key, self.config.secret_env_names)
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", command, cwd=self.root, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        cap = max(self.config.output_cap_bytes, 64)
        head = bytearray()
        tail = bytearray()
        total = 0

        async def pump() -> None:
            nonlocal total, tail
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(65536):
                total += len(chunk)
                room = cap // 2 - len(head)
                if room > 0:
                    head.extend(chunk[:room])
                    chunk = chunk[room:]
                if chunk:
                    tail.extend(chunk)
                    if len(tail) > cap // 2:
                        del tail[: len(tail) - cap // 2]

        timed_out = False
        reader = asyncio.ensure_future(pump())
        try:
            await asyncio.wait_for(asyncio.shield(reader), self.config.timeout_s)
            await proc.wait()
        except TimeoutError:
            timed_out = True
            await self._kill(proc)
        except asyncio.CancelledError:
            await self._kill(proc)
            reader.cancel()
            raise
        finally:
            if not reader.done():
                # A grandchild that left the process group may hold the pipe open; do not wait for it.
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(reader), 2.0)
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
        output = bytes(head)
        if total > len(head) + len(tail):
            output += f"\n… [{total - len(head) - len(tail):,} bytes of output omitted; {total:,} in all] …\n".encode()
        output += bytes(tail)
        return (proc.returncode if proc.returncode is not None else -1,
                clean_output(output.decode("utf-8", "replace")), timed_out)

    @staticmethod
    async def _kill(proc: asyncio.subprocess.Process) -> None:
        """Stop the whole process group: TERM, up to two seconds for the shell to go, then KILL the rest."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 2.0)
        # Members of the group that ignored TERM (or outlived the shell) go now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
