"""The repository tools the model calls: read, search, write and run, all inside the sandbox.

One module per family (``read``, ``write``, ``shell``), their specs and argument check in ``specs``,
what they share in ``base``. Every tool returns a ``ToolResult`` whose ``text`` is plain text the
model can act on — never a traceback. Paths go through ``Workspace.resolve``; ``.env``-style files
are shown with names only. Which tools a stage may use is decided by ``phasegate.phases.tool_policy``;
this package only implements them. A new tool: its spec in ``specs.TOOL_SPECS``, a ``_tool_<name>``
method in its family, an entry in ``phases/tool_policy.py`` and a refusal test.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from phasegate.app.agent.tools.base import (
    MIGRATE_WORD,
    Approver,
    CommandDecision,
    CommandRequest,
    ToolConfig,
    ToolResult,
    clean_output,
    valid_text,
)
from phasegate.app.agent.tools.read import ReadTools
from phasegate.app.agent.tools.shell import ShellTools, command_environment
from phasegate.app.agent.tools.specs import TOOL_SPECS, ArgumentError, check_arguments
from phasegate.app.agent.tools.write import WriteTools
from phasegate.app.agent.workspace import SandboxError, Workspace
from phasegate.app.errors import PhasegateError

__all__ = [
    "MIGRATE_WORD", "TOOL_SPECS", "Approver", "CommandDecision", "CommandRequest", "ToolConfig", "ToolResult",
    "ToolRunner", "clean_output", "command_environment", "valid_text",
]


class ToolRunner(ReadTools, WriteTools, ShellTools):
    """Runs the repository tools for the agent loop: ``await runner.call(name, arguments)``."""

    def __init__(
        self,
        workspace: Workspace,
        config: ToolConfig | None = None,
        approve: Approver | None = None,
    ) -> None:
        self.workspace = workspace
        self.config = config or ToolConfig()
        self.approve = approve

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
            args = check_arguments(name, arguments)
            result = await method(**args)
        except ArgumentError as exc:
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
        return result

    def _safe_name(self, filename: Any) -> str:
        if not filename:
            return ""
        try:
            return self.workspace.relative(Path(filename))
        except ValueError:
            return ""
