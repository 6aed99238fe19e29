"""``phasegate doctor``: check everything phasegate depends on and say what to fix.

One line per check — ``ok``, ``warn`` or ``fail`` — with what was found and, when it is not ok, what to
do about it: git (present, recent enough), the repository (opens, has commits, no merge/rebase in
progress, dirty, detached, leftover lock files), the configuration (where each setting came from,
warnings such as a repository file trying to set the endpoint), the model endpoint (lists its models,
then one tiny completion), the terminal (colours, size) and the log file. Exit code 1 when any check
fails. Nothing is changed anywhere; the API key is never printed (only its last four characters).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument

NAME = "doctor"
HELP = "Check git, the repository, the configuration, the model endpoint and the terminal; say what to fix."

MIN_GIT = (2, 25)  # restore --pathspec-from-file, switch, trailers in log formats
MIN_COLUMNS, MIN_LINES = 100, 30


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_repo_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--model", help="model to check (overrides PHASEGATE_MODEL)")
    parser.add_argument("--base-url", help="endpoint to check (overrides OPENAI_BASE_URL)")
    parser.add_argument("--timeout", type=float, default=15.0, metavar="S",
                        help="seconds to wait for the model endpoint (default 15)")
    parser.add_argument("--offline", action="store_true", help="skip the model endpoint checks")


def run(args: argparse.Namespace) -> int:
    import asyncio

    checks: list[Check] = []
    checks.append(check_git())
    checks += check_repository(Path(args.repo))
    overrides = {"model": args.model, "base_url": args.base_url}
    config_checks, settings = check_configuration(Path(args.repo), overrides)
    checks += config_checks
    if args.offline:
        checks.append(Check("model", "warn", "not checked (--offline)", "run without --offline to test the endpoint"))
    elif settings is not None:
        checks += asyncio.run(check_model(settings, args.timeout))
    checks += check_terminal()
    checks.append(check_log_file())
    failed = any(c.status == "fail" for c in checks)
    if args.json:
        from phasegate.app.cli.commands._shared import print_json

        print_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            line = f"{c.status:<4}  {c.name:<10}  {c.detail}"
            if c.fix and c.status != "ok":
                line += f" — fix: {c.fix}"
            sys.stdout.write(line + "\n")
        worst = "some checks failed" if failed else ("all good, with warnings" if any(c.status == "warn" for c in checks)
                                                    else "all good")
        sys.stdout.write(f"\n{worst}.\n")
    return 1 if failed else 0


# ----------------------------------------------------------------------------------------- checks


def check_git() -> Check:
    import re
    import subprocess

    from phasegate.app.git.run import git_version

    try:
        exe, out = git_version(timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        exe = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"
        return Check("git", "fail", f"{exe} does not run ({exc})", "reinstall git")
    if not exe:
        return Check("git", "fail", "git is not installed or not on PATH", "install git 2.25 or newer")
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not match:
        return Check("git", "warn", f"unrecognised version output: {out.strip()!r}")
    version = (int(match.group(1)), int(match.group(2)))
    text = out.strip().removeprefix("git version ")
    if version < MIN_GIT:
        return Check("git", "fail", f"git {text} is too old", f"install git {MIN_GIT[0]}.{MIN_GIT[1]} or newer")
    return Check("git", "ok", f"git {text}")


def check_repository(path: Path) -> list[Check]:
    from phasegate.app.errors import PhasegateError
    from phasegate.app.git.service import GitService, NotARepositoryError

    try:
        service = GitService.open(path, allow_empty=True, allow_in_progress=True)
    except NotARepositoryError as exc:
        fix = f"git init {path}" if path.is_dir() else "give --repo the path of a git repository"
        return [Check("repository", "fail", str(exc), fix)]
    except PhasegateError as exc:
        return [Check("repository", "fail", str(exc))]
    checks: list[Check] = []
    root = service.root
    if not service.has_commits():
        return [Check("repository", "fail", f"{root} has no commits yet",
                      "commit something, or start phasegate and let it make an empty initial commit")]
    operation = service.operation_in_progress()
    if operation:
        checks.append(Check("repository", "fail", f"a {operation} is in progress in {root}",
                            f"finish it or run git {operation} --abort"))
    else:
        where = f"branch {service.branch()}" if service.branch() else f"detached HEAD at {service.head_sha()[:12]}"
        checks.append(Check("repository", "ok", f"{root} on {where}"))
    if service.is_detached():
        checks.append(Check("repository", "warn", "HEAD is detached: phase commits will not be on a branch",
                            "git switch -c <branch> first if you want to keep them on one"))
    dirty = service.dirty_files()
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        checks.append(Check("repository", "warn", f"{len(dirty)} uncommitted change(s): {shown}",
                            "commit or stash them (the workbench offers both) so they never mix with a phase"))
    locks = [p.name for p in (service.git_dir / "index.lock", service.git_dir / "HEAD.lock") if p.exists()]
    if locks:
        checks.append(Check("repository", "warn", f"git lock file(s) present: {', '.join(locks)}",
                            f"if no git command is running, delete {service.git_dir / locks[0]}"))
    checks += _session_checks(service)
    return checks


def _session_checks(service: Any) -> list[Check]:
    from phasegate.app.git.recovery import marker_path
    from phasegate.app.session.store import SessionStore

    checks: list[Check] = []
    if marker_path(service.git_dir).exists():
        checks.append(Check("session", "warn", "a phasegate git operation was interrupted",
                            "open phasegate in this repository: it repairs it when it starts"))
    try:
        session = SessionStore(service.git_dir).latest_unfinished()
    except Exception as exc:  # a broken store is worth a line, not a crash
        return [*checks, Check("session", "warn", f"the session store does not read: {exc}")]
    if session is not None:
        checks.append(Check("session", "ok", f"unfinished session {session.id} at stage {session.stage.value} "
                                             f"(phasegate --resume continues it)"))
    return checks


def _env_source(field: str) -> str | None:
    names = [f"PHASEGATE_{field.upper()}"]
    if field == "base_url":
        names.append("OPENAI_BASE_URL")
    if field == "api_key":
        names.append("OPENAI_API_KEY")
    upper = {k.upper(): k for k in os.environ}
    for name in names:
        if name in upper:
            return f"environment {upper[name]}"
    return None


def setting_sources(repo: Path | None, overrides: dict[str, Any]) -> dict[str, str]:
    """Where each setting's value comes from, by the precedence of DESIGN §4."""
    from phasegate.app.config import (
        REPO_FORBIDDEN_KEYS,
        Settings,
        _read_toml,
        repo_config_path,
        user_config_path,
    )

    user_path = user_config_path()
    user = _read_toml(user_path) or {}
    repo_path = repo_config_path(repo) if repo is not None else None
    repo_data = (_read_toml(repo_path) or {}) if repo_path is not None else {}
    sources: dict[str, str] = {}
    for field in Settings.model_fields:
        if overrides.get(field) is not None:
            sources[field] = "command line"
        elif env := _env_source(field):
            sources[field] = env
        elif field in repo_data and field not in REPO_FORBIDDEN_KEYS:
            sources[field] = str(repo_path)
        elif field in user:
            sources[field] = str(user_path)
        else:
            sources[field] = "default"
    return sources


def check_configuration(repo: Path, overrides: dict[str, Any]) -> tuple[list[Check], Any]:
    from phasegate.app.config import DEFAULT_BASE_URL, load_settings
    from phasegate.app.errors import PhasegateError

    repo_dir = repo if repo.is_dir() else None
    try:
        loaded = load_settings(repo_dir, overrides)
        sources = setting_sources(repo_dir, overrides)
    except PhasegateError as exc:
        return [Check("config", "fail", str(exc), "fix the file or variable it names")], None
    s = loaded.settings
    checks = [Check("config", "ok", f"model {s.model} ({sources['model']}); endpoint {s.base_url} ({sources['base_url']})")]
    key = s.api_key.get_secret_value() if s.api_key else ""
    if key:
        checks.append(Check("config", "ok", f"API key …{key[-4:]} ({sources['api_key']})"))
    elif s.base_url.rstrip("/") == DEFAULT_BASE_URL:
        checks.append(Check("config", "fail", "no API key for api.openai.com",
                            "set OPENAI_API_KEY, or point --base-url / OPENAI_BASE_URL at a local server"))
    else:
        checks.append(Check("config", "ok", "no API key (fine for a local server)"))
    changed = [f"{name}={getattr(s, name)!r} ({src})" for name, src in sources.items()
               if src != "default" and name not in ("model", "base_url", "api_key")]
    if changed:
        checks.append(Check("config", "ok", "also set: " + "; ".join(changed)))
    for warning in loaded.warnings:
        checks.append(Check("config", "warn", warning, "remove the key from that file"))
    return checks, s


async def check_model(settings: Any, timeout: float) -> list[Check]:
    import time

    from phasegate.app.agent.llm import LLMClient, LLMError, TextDelta

    quick = settings.model_copy(update={"timeout_s": min(settings.timeout_s, timeout), "max_retries": 0,
                                        "max_tokens": 16, "temperature": 0})
    client = LLMClient(quick)
    checks: list[Check] = []
    try:
        try:
            models = await client.list_models()
        except LLMError as exc:
            checks.append(Check("model", "fail", f"listing models failed: {exc}", _fix_for(exc)))
            if exc.kind in ("refused", "host", "auth", "timeout", "connection", "config"):
                return checks
        else:
            if quick.model in models:
                checks.append(Check("model", "ok", f"{len(models)} model(s) offered, {quick.model} among them"))
            else:
                offered = ", ".join(models[:8]) or "none"
                checks.append(Check("model", "warn", f"{quick.model} is not in the endpoint's list ({offered})",
                                    "choose one with --model or PHASEGATE_MODEL"))
        started = time.monotonic()
        text: list[str] = []
        try:
            messages = [{"role": "user", "content": "Reply with the single word: ok"}]
            async for event in client.stream(messages):
                if isinstance(event, TextDelta):
                    text.append(event.text)
        except LLMError as exc:
            checks.append(Check("model", "fail", f"a tiny completion failed: {exc}", _fix_for(exc)))
        else:
            reply = " ".join("".join(text).split())[:40]
            checks.append(Check("model", "ok", f"a tiny completion answered in {time.monotonic() - started:.1f} s: "
                                               f"{reply!r}"))
    finally:
        await client.aclose()
    return checks


def _fix_for(exc: Any) -> str:
    return {
        "refused": "start the model server, or fix --base-url / OPENAI_BASE_URL",
        "host": "fix the host in --base-url / OPENAI_BASE_URL",
        "auth": "set a valid OPENAI_API_KEY",
        "model": "choose an offered model with --model or PHASEGATE_MODEL",
        "timeout": "check the server is up, or raise PHASEGATE_TIMEOUT_S",
        "rate_limit": "wait a moment, or check your plan's limits",
        "config": "set OPENAI_API_KEY, or point --base-url at a local server",
    }.get(getattr(exc, "kind", ""), "check the endpoint's own logs")


def check_terminal() -> list[Check]:
    import shutil

    checks: list[Check] = []
    term = os.environ.get("TERM", "")
    colorterm = os.environ.get("COLORTERM", "").lower()
    if colorterm in ("truecolor", "24bit"):
        checks.append(Check("terminal", "ok", f"true colour (COLORTERM={colorterm}, TERM={term or 'unset'})"))
    elif "256color" in term:
        checks.append(Check("terminal", "ok", f"256 colours (TERM={term})"))
    elif not term or term == "dumb":
        checks.append(Check("terminal", "warn", f"TERM={term or 'unset'}: no colours or cursor control",
                            "run phasegate in a real terminal (TERM=xterm-256color or similar)"))
    else:
        checks.append(Check("terminal", "warn", f"TERM={term}: 8 or 16 colours only",
                            "use a 256-colour or true-colour terminal for the diff highlighting"))
    size = shutil.get_terminal_size(fallback=(0, 0))
    if not sys.stdout.isatty() and size.columns == 0:
        checks.append(Check("terminal", "warn", "stdout is not a terminal, size unknown",
                            f"the workbench needs at least {MIN_COLUMNS}×{MIN_LINES}"))
    elif size.columns < MIN_COLUMNS or size.lines < MIN_LINES:
        checks.append(Check("terminal", "warn", f"{size.columns}×{size.lines} is small",
                            f"enlarge the window to at least {MIN_COLUMNS}×{MIN_LINES}"))
    else:
        checks.append(Check("terminal", "ok", f"{size.columns}×{size.lines}"))
    return checks


def check_log_file() -> Check:
    from phasegate.app.logs import state_dir

    directory = state_dir()
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if os.access(probe, os.W_OK):
        return Check("log", "ok", f"{directory / 'phasegate.log'} (level with --log-level or PHASEGATE_LOG_LEVEL)")
    return Check("log", "warn", f"{directory} is not writable", "set XDG_STATE_HOME to a writable directory")
