"""The git reads behind the model's tools (``git_log``, ``list_files``, ``search_code``).

The tools live in ``phasegate.app.agent``; what they ask of git is here, so that no module outside
``phasegate.app.git`` starts git. Each function is async (the agent loop awaits it), read-only
(``run.run_read_only``: killed on timeout or cancel, the API key never in git's environment) and takes
paths already checked and made relative to the repository root by the tool's workspace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from phasegate.app.git.run import READ_TIMEOUT_S, GitResult, run_read_only


@dataclass(frozen=True, slots=True)
class LogAnswer:
    """What ``git_log`` tells the model: ``ok`` is False when git failed (``text`` says why)."""

    ok: bool
    text: str


async def git_log_for_tool(
    root: Path, *, max_count: int = 10, path: str | None = None, timeout: float = READ_TIMEOUT_S,
    hide: tuple[str, ...] = (), secret: str | None = None,
) -> LogAnswer:
    """Recent commits, one ``<short sha> <date> <author>: <subject>`` line each, newest first.

    ``max_count`` is clamped to 1..100; ``path`` (relative to ``root``; ``None``, ``""`` or ``"."`` for all)
    limits the log to commits touching it. A repository without commits is not an error. The text is
    git's, uncleaned: the tool still passes it through its output cleaner.
    """
    count = min(max(int(max_count), 1), 100)
    spec = ["--", path] if path not in (None, "", ".") else []
    result = await run_read_only(
        root, "log", f"--max-count={count}", "--date=short", "--pretty=format:%h %ad %an: %s", *spec,
        timeout=timeout, hide=hide, secret=secret,
    )
    if not result.ok:
        message = result.stderr
        if "does not have any commits" in message or "bad default revision" in message:
            return LogAnswer(True, "The repository has no commits yet.")
        last = message.strip().splitlines()[-1] if message.strip() else str(result.returncode)
        return LogAnswer(False, f"git_log failed: {last}.")
    text = result.stdout.strip()
    return LogAnswer(True, text or "No commits" + (" touch that path." if spec else " yet."))


async def list_files_for_tool(
    root: Path, rel: str = ".", *, timeout: float = READ_TIMEOUT_S, hide: tuple[str, ...] = (),
    secret: str | None = None,
) -> list[str] | None:
    """Tracked plus untracked non-ignored files under ``rel``, sorted (None when ``root`` is no repository).

    Files deleted from the working tree but still in the index are left out: they are not there to read.
    """
    spec = [] if rel in ("", ".") else ["--", rel]
    result = await run_read_only(
        root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", *spec,
        timeout=timeout, hide=hide, secret=secret,
    )
    if not result.ok:
        return None
    names = sorted({n for n in result.stdout.split("\0") if n})
    return [n for n in names if os.path.lexists(root / n)]


async def grep_for_tool(
    root: Path, pattern: str, rel: str | None = None, *, timeout: float = READ_TIMEOUT_S, hide: tuple[str, ...] = (),
    secret: str | None = None,
) -> GitResult:
    """``git grep -n -z -I -E`` of ``pattern`` (tracked and untracked files) under ``rel``.

    Outside a repository the directory itself is searched (``--no-index``, ignore rules still honoured).
    Exit code 1 means no match; records are ``path\\0line\\0text`` lines.
    """
    spec = ["--", rel] if rel not in (None, "", ".") else []
    result = await run_read_only(
        root, "grep", "-n", "-z", "-I", "-E", "--untracked", "--no-color", "-e", pattern, *spec,
        timeout=timeout, hide=hide, secret=secret,
    )
    if result.returncode == 128 and "not a git repository" in result.stderr:
        result = await run_read_only(
            root, "grep", "--no-index", "--exclude-standard", "-n", "-z", "-I", "-E", "--no-color", "-e", pattern,
            *spec, timeout=timeout, hide=hide, secret=secret,
        )
    return result
