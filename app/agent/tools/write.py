"""The write tools: ``write_file``, ``edit_file`` and ``delete_file``, inside the sandbox, atomically."""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import os
import re
from pathlib import Path

from phasegate.app.agent.tools.base import WRITE_CAP_BYTES, ToolHost, ToolResult, diffstat, numbered
from phasegate.app.agent.workspace import SandboxError, is_env_file


class WriteTools(ToolHost):
    def _is_env(self, target: Path) -> bool:
        """By its own name or, for a symlink inside the root, by the name of the file it points to."""
        return is_env_file(target.name) or is_env_file(os.path.realpath(target))

    def _writable(self, path: str) -> tuple[Path, str]:
        target = self.workspace.resolve(path)
        rel = self.workspace.relative(target)
        if target == self.workspace.root:
            raise SandboxError("Give a file path, not the repository root.")
        if target.is_dir():
            raise SandboxError(f"{rel} is a directory.")
        return target, rel

    def _changed(self, kind: str, rel: str, text: str, added: int, removed: int) -> ToolResult:
        summary = f"{kind} {rel} (+{added} −{removed})"
        return ToolResult(True, text, changed_paths=[rel], summary=summary)

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
        added, removed = diffstat(old, content)
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
        added, removed = diffstat(text, new)
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
                f"{numbered(lines[first:last], first + 1)}")

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
