"""One cold start, in the process that runs this file: ``python -m bench._startup_child (phasegate|bare) REPO``.

Both contenders go through exactly the same harness, so the harness costs the same on both sides:

- ``App.run`` is replaced by a headless run (``run_test``, fixed terminal size), because there is no
  terminal to paint on and the point is what the app does, not what the terminal does;
- ``App._display`` is wrapped: the first time a screen hands a rendered frame to the driver is the
  "first painted frame" (the compositor has rendered every visible widget by then; headless drivers just
  do not write the bytes). At that instant the child prints one JSON line — ``time.monotonic()`` (the
  same clock in every process on Linux, so the parent can subtract its own start time), the CPU seconds
  spent so far (its own and its finished subprocesses'), and which of the heavy modules were already
  imported — and the app is shut down.

``phasegate`` runs the real command line (``phasegate --repo REPO --new``) so everything the user's
``phasegate`` does before its first frame is counted; ``bare`` runs a Textual app with no logic that
composes the same stock widgets as the workbench's first screen.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

SIZE = (160, 48)  # wide enough for the workbench's three-pane layout
#: Imported before the first frame, these would make every start pay for work that can wait.
HEAVY_MODULES = ("openai", "git", "sqlglot", "phasegate.app.analyzers")


def _install_probe() -> None:
    from textual.app import App

    original_display = App._display
    painted: dict[str, asyncio.Event] = {}

    def _display(self: App[Any], screen: Any, renderable: Any) -> None:
        original_display(self, screen, renderable)
        event = painted.get("event")
        if renderable is not None and not self._batch_count and event is not None and not event.is_set():
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            report = {
                "painted_at": time.monotonic(),
                "cpu": time.process_time() + children.ru_utime + children.ru_stime,
                "heavy": [m for m in HEAVY_MODULES if m in sys.modules],
            }
            sys.stdout.write(json.dumps(report) + "\n")
            sys.stdout.flush()
            event.set()

    async def _headless(app: App[Any]) -> None:
        painted["event"] = asyncio.Event()
        async with app.run_test(size=SIZE):
            await painted["event"].wait()

    def run(self: App[Any], *args: Any, **kwargs: Any) -> int:
        asyncio.run(_headless(self))
        return 0

    App._display = _display  # type: ignore[method-assign]
    App.run = run  # type: ignore[method-assign]


def _bare() -> int:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal, Vertical, VerticalScroll
    from textual.widgets import (
        Button,
        Checkbox,
        Footer,
        Header,
        Markdown,
        OptionList,
        RichLog,
        Select,
        Static,
        Tab,
        TabbedContent,
        TabPane,
        Tabs,
        TextArea,
        Tree,
    )

    class Bare(App[None]):
        """The workbench's first screen made of the same stock widgets, with no logic and no CSS of ours."""

        def compose(self) -> ComposeResult:
            yield Header()
            yield Tabs(Tab("Plan"), Tab("Chat"), Tab("Viewer"))
            with Horizontal():
                with Vertical():
                    yield Select([("v1", 1)], prompt="plan version")
                    tree: Tree[None] = Tree("plan")
                    tree.root.expand()
                    yield tree
                with Vertical():
                    yield VerticalScroll(Static("notice"))
                    yield Static("")
                    yield TextArea()
                with TabbedContent():
                    with TabPane("Diff"):
                        yield OptionList()
                        yield Static("no diff yet")
                    with TabPane("Schema"):
                        yield Tree("schema")
                    for title in ("Research", "Report"):
                        with TabPane(title):
                            yield Markdown("")
                    with TabPane("Commands"):
                        yield RichLog()
            with Horizontal():
                yield Static("gate")
                for label in ("Approve", "Request changes", "Reject", "Roll back"):
                    yield Button(label)
                yield Checkbox("checked")
            yield Footer()

    return int(Bare().run() or 0)


def main(argv: list[str]) -> int:
    which, repo = argv
    _install_probe()
    if which == "bare":
        return _bare()
    from phasegate.app.cli.main import main as phasegate_main

    return phasegate_main(["--repo", repo, "--new"])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
