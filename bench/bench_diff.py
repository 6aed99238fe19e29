"""Big diff: open a 50,000-line diff (200 files) in the diff view and paint it, scroll it, and its memory.

- open: from ``DiffView.set_diff(text)`` to the last line of the first painted screen, against
  ``git diff`` writing the same diff to /dev/null (same repository, same run). Budget 3x.
- page: one page of scrolling until every row of the new page is painted, 20 pages each at the
  start, the middle and the end of the diff plus the jump to the end; the mean ("scrolling to the
  end paints in <= 50 ms per page") against the absolute 50 ms budget (``BENCH_VERBOSE=1`` prints
  median, p90 and max too). Each time includes the App's frame pacing (its update timer), as a user
  would see it. The slowest pages are Python's full garbage collections, which depend on everything
  the process holds (the App can take its start-up objects out of them with ``gc.freeze()``).
- memory: tracemalloc peak while opening, painting, paging and toggling split, against the size of
  the diff text. Budget 5x.

The paint is timed by wrapping the body's ``render_line``: a screen is painted once every visible
row has been rendered (headless ``run_test``, so no terminal I/O is counted on either side).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench._common import Result, best_of

FILES = 200
LINES_PER_FILE = 200  # every 4th line changes: 200 context/removed + 50 added = 250 diff lines per file
SEED = 20261127
SIZE = (120, 40)
OPEN_BUDGET = 3.0
PAGE_BUDGET_MS = 50.0
MEMORY_BUDGET = 5.0
DIFF_ARGS = ["diff", "--no-ext-diff", "--no-color", "--find-renames", "--binary", "--src-prefix=a/", "--dst-prefix=b/"]

_WORDS = ["user", "order", "invoice", "product", "cart", "payment", "shipment", "review", "account", "team"]


def _line(rng: random.Random, i: int, version: str) -> str:
    word = rng.choice(_WORDS)
    return f"    {word}_{i} = compute_{word}(items[{i}], factor={rng.randrange(100)})  # {version}\n"


def generate(root: Path) -> None:
    """A repository with FILES Python files, committed, then every 4th line edited in the tree."""
    rng = random.Random(SEED)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    texts = []
    for f in range(FILES):
        lines = [f"def handler_{f}(items):\n"] + [_line(rng, i, "v1") for i in range(1, LINES_PER_FILE)]
        texts.append(lines)
        path = root / "pkg" / f"mod_{f:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))
    for args in (["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)
    for f, lines in enumerate(texts):
        for i in range(2, LINES_PER_FILE, 4):
            lines[i] = _line(rng, i, "v2")
        (root / "pkg" / f"mod_{f:03d}.py").write_text("".join(lines))


def git_diff(root: Path) -> str:
    out = subprocess.run(["git", "-C", str(root), *DIFF_ARGS], check=True, capture_output=True).stdout
    return out.decode("utf-8", "surrogateescape")


class _Probe:
    """Records (time, y) for each render_line call on the diff body."""

    def __init__(self, body) -> None:  # noqa: ANN001 - DiffBody, imported lazily
        self.calls: list[tuple[float, int]] = []
        self.height = 0
        original = body.render_line

        def render_line(y: int):  # noqa: ANN202
            strip = original(y)
            self.calls.append((time.perf_counter(), y))
            return strip

        body.render_line = render_line

    def painted(self, start: float) -> float:
        """Seconds from ``start`` until every visible row had been rendered at least once."""
        seen: set[int] = set()
        for t, y in self.calls:
            if t >= start:
                seen.add(y)
                if len(seen) >= self.height:
                    return t - start
        return float("inf")


async def _measure(text: str) -> tuple[float, list[float], int]:
    """(best open-and-paint seconds, every page's seconds, tracemalloc peak bytes)."""
    from textual.app import App, ComposeResult

    from phasegate.widgets.diff_view import DiffView

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield DiffView(id="diff")

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        body = view.body
        probe = _Probe(body)
        await pilot.pause()

        async def open_once() -> float:
            view.clear()
            await pilot.pause()
            start = time.perf_counter()
            view.set_diff(text)
            await pilot.pause()  # the App's own frame pacing paints meanwhile; the probe times it
            probe.height = body.scrollable_content_region.height
            return probe.painted(start)

        opens = [await open_once() for _ in range(3)]

        async def page(y: int | None = None) -> float:
            if y is not None:
                body.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
            start = time.perf_counter()
            body.scroll_to(y=body.scroll_y + body.scrollable_content_region.height, animate=False, immediate=True)
            await pilot.pause()
            return probe.painted(start)

        height = body.scrollable_content_region.height
        pages: list[float] = []
        for anchor in (0, body.row_count // 2, body.row_count - 22 * height):
            pages.append(await page(anchor))
            pages += [await page() for _ in range(19)]
        body.scroll_to(y=body.row_count // 3, animate=False, immediate=True)
        await pilot.pause()
        start = time.perf_counter()
        body.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        pages.append(probe.painted(start))
        if os.environ.get("BENCH_VERBOSE"):
            print("open ms", [round(t * 1000, 1) for t in opens], "pages ms", [round(t * 1000, 1) for t in pages])

        # Memory: a fresh open, a few pages, and the split layout, all under tracemalloc.
        view.clear()
        await pilot.pause()
        tracemalloc.start()
        view.set_diff(text)
        await pilot.pause()
        for _ in range(10):
            await page()
        view.split = True
        await pilot.pause()
        body.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return min(opens), pages, peak


def run() -> list[Result]:
    tmp = Path(tempfile.mkdtemp(prefix="phasegate-bench-diff-"))
    try:
        generate(tmp)
        text = git_diff(tmp)
        lines = text.count("\n")
        baseline = best_of(
            lambda: subprocess.run(["git", "-C", str(tmp), *DIFF_ARGS], check=True, stdout=subprocess.DEVNULL),
            repeat=5,
        )
        opened, pages, peak = asyncio.run(_measure(text))
        pages.sort()
        mean_page = sum(pages) / len(pages)
        if os.environ.get("BENCH_VERBOSE"):
            print(f"page ms: median {pages[len(pages) // 2] * 1000:.1f}, p90 {pages[int(0.9 * (len(pages) - 1))] * 1000:.1f},"
                  f" max {pages[-1] * 1000:.1f}; diff {lines} lines, {len(text) / 1e6:.1f} MB")
        size = len(text.encode("utf-8", "surrogateescape"))
        k = f"{lines // 1000}k"
        return [
            Result(f"diff_open_{k}_lines_vs_git", opened * 1000, baseline * 1000, "ms", OPEN_BUDGET),
            Result("diff_page_mean_vs_50ms", mean_page * 1000, PAGE_BUDGET_MS, "ms", 1.0),
            Result("diff_peak_mem_vs_diff_size", peak / 1e6, size / 1e6, "MB", MEMORY_BUDGET),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for result in run():
        print(result.line())
