"""The ``phasegate`` command line.

``phasegate [TASK]`` opens the workbench; ``phasegate <subcommand> …`` runs one of the modules in
``phasegate.app.cli.commands``. Errors are one line on stderr and an exit code: 0 ok, 1 the work
failed, 2 usage error. No traceback reaches the user unless ``PHASEGATE_DEBUG`` is set.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from phasegate.app.cli import commands as _commands_pkg
from phasegate.app.cli.commands._shared import add_repo_argument
from phasegate.app.errors import PhasegateError

PROG = "phasegate"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("phasegate")
    except Exception:  # pragma: no cover - only when run from an uninstalled tree
        return "0+unknown"


def discover_commands() -> dict[str, ModuleType]:
    """Subcommand name -> module, for every module in ``phasegate.app.cli.commands``."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(_commands_pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_commands_pkg.__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if name:
            found[name] = module
    return found


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata costs every start ~15 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        sys.stdout.write(f"{PROG} {_version()}\n")
        raise SystemExit(0)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_workbench_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Pair with an LLM on backend work through review gates enforced by code.",
        epilog="subcommands: " + ", ".join(sorted(discover_commands())) + f"  (see '{PROG} <subcommand> --help')",
    )
    parser.add_argument("task", nargs="?", help="what to build; starts the research turn at once")
    add_repo_argument(parser)
    parser.add_argument("--model", help="model name (overrides PHASEGATE_MODEL)")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (overrides OPENAI_BASE_URL)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="resume the newest unfinished session")
    group.add_argument("--new", action="store_true", help="start a new session even if one is unfinished")
    parser.add_argument("--log-level", default=None, help="log level for the log file (DEBUG, INFO, …)")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    return parser


def build_subcommand_parser(name: str, module: ModuleType) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"{PROG} {name}", description=getattr(module, "HELP", None))
    module.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        commands = discover_commands()
        if args_list and args_list[0] in commands:
            module = commands[args_list[0]]
            args = build_subcommand_parser(args_list[0], module).parse_args(args_list[1:])
            return int(module.run(args) or 0)
        args = build_workbench_parser().parse_args(args_list)
        from phasegate.app.tui.main import run_workbench  # deferred: pulls in textual

        return int(run_workbench(args) or 0)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except PhasegateError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:  # the promise: one clear line, never a traceback
        if os.environ.get("PHASEGATE_DEBUG"):
            raise
        sys.stderr.write(f"{PROG}: error: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
