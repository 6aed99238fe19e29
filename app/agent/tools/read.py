"""The read tools: ``list_files``, ``read_file``, ``search_code`` and ``git_log``."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import subprocess
from pathlib import Path

from phasegate.app.agent.tools.base import (
    GIT_TIMEOUT_S,
    LIST_CAP,
    RANGED_READ_MAX_BYTES,
    SEARCH_CAP,
    SEARCH_LINE_CHARS,
    ToolHost,
    ToolResult,
    clean_output,
    numbered,
)
from phasegate.app.agent.tools.shell import command_environment
from phasegate.app.agent.workspace import is_env_file, redact_env


class ReadTools(ToolHost):
    async def _git(self, *args: str, timeout: float = GIT_TIMEOUT_S) -> tuple[int, bytes, bytes]:
        proc = await asyncio.create_subprocess_exec(
            "git", "-c", "core.quotePath=false", "-c", "color.ui=never", *args,
            cwd=self.workspace.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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
        return [n for n in names if os.path.lexists(self.workspace.root / n)]

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
        body = numbered(lines[first - 1 : last], first)
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
