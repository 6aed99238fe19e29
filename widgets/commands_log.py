"""The Commands tab: every command phasegate ran for the model, its exit code, who approved it, its output.

A ``RichLog`` (Line API), so hundreds of commands with long output stay cheap. Output is cleaned of
terminal control characters (commands print colour codes and worse) and cut to its last lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import RichLog

from phasegate.widgets._support import clean, load_css

if TYPE_CHECKING:
    from phasegate.phases.models import CommandRun

MAX_OUTPUT_LINES = 200


def command_header(run: CommandRun) -> Text:
    if run.exit_code is None:
        status, style = "not finished", "yellow"
    elif run.exit_code == 0:
        status, style = "exit 0", "green"
    else:
        status, style = f"exit {run.exit_code}", "bold red"
    header = Text()
    header.append("$ ", style="bold")
    header.append(clean(run.command), style="bold")
    header.append(f"  [{status}]", style=style)
    details = [run.at.strftime("%H:%M:%S"), f"approved by {run.approved_by}"]
    if run.kind != "normal":
        details.insert(0, run.kind)
    header.append("  " + " · ".join(details), style="dim")
    return header


def command_output(run: CommandRun, max_lines: int = MAX_OUTPUT_LINES) -> Text:
    lines = clean(run.output).rstrip("\n").splitlines()
    body = Text(style="dim")
    if len(lines) > max_lines:
        body.append(f"… {len(lines) - max_lines} earlier lines not shown\n", style="italic")
        lines = lines[-max_lines:]
    body.append("\n".join(lines) if lines else "(no output)")
    return body


class CommandsLog(RichLog):
    DEFAULT_CSS = load_css(__file__)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes, wrap=True, markup=False, highlight=False, auto_scroll=True)
        self.count = 0

    def add_command(self, run: CommandRun) -> None:
        self.write(command_header(run))
        self.write(command_output(run))
        self.write(Text(""))
        self.count += 1

    def set_commands(self, runs: Iterable[CommandRun]) -> None:
        self.clear()
        self.count = 0
        for run in runs:
            self.add_command(run)
        if not self.count:
            self.write(Text("No commands have run yet.", style="dim italic"))
