"""The one tool that runs things: ``run_command``, classified by ``command_policy`` and approved by the user.

Migrations need the typed word ``migrate``, checked here so a buggy UI cannot skip it; the output the
model sees has terminal escapes dropped and the repository's ``.env`` values masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import subprocess
from pathlib import Path

from phasegate.app.agent.command_policy import CommandClass, classify, target_database
from phasegate.app.agent.tools.base import (
    MIGRATE_WORD,
    SKIP_DIRS,
    CommandRequest,
    ToolHost,
    ToolResult,
    clean_output,
)
from phasegate.app.agent.workspace import env_values, is_env_file
from phasegate.app.secrets import Masker


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


class ShellTools(ToolHost):
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
        for dirpath, dirnames, filenames in os.walk(self.workspace.root):
            depth = len(Path(dirpath).relative_to(self.workspace.root).parts)
            dirnames[:] = [] if depth >= 3 else [d for d in dirnames if d not in SKIP_DIRS]
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
        verdict: CommandClass = classify(command, self.workspace.root)
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
            request = CommandRequest(command=command, cwd=str(self.workspace.root), reason=reason, kind=verdict.kind,
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
        result.exit_code = code
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
            "/bin/sh", "-c", command, cwd=self.workspace.root, env=env, stdin=subprocess.DEVNULL,
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
