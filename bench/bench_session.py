"""A long session: 500 chat messages with tool entries, then scroll the log and type; no key may wait > 100 ms.

The chat is filled the way a resumed session replays it (``Workbench._replay_conversation``): user
messages, Markdown replies (paragraphs, lists, code), tool calls with their results, notices. Then keys
arrive the way a terminal sends them (``bench/_keys.py``): page up through the log, home, page down,
end, then typing into the input (letters, a newline, backspace). Each key's wait is from its arrival to
the first painted frame that shows its effect; the worst one is judged against an absolute 100 ms.
"""

from __future__ import annotations

import asyncio
import random
import time

from bench._common import Result
from bench._keys import KeyProbe, chat_host

MESSAGES = 500
SEED = 20261127
SIZE = (120, 40)
BUDGET_MS = 100.0

_WORDS = ("the handler validates the request body before the repository writes a row and the migration adds "
          "an index on user id so lookups stay fast").split()
_TOOLS = ("read_file", "search_code", "list_files", "write_file", "run_command")


def _reply(rng: random.Random, n: int) -> str:
    para = " ".join(rng.choices(_WORDS, k=rng.randrange(20, 60))).capitalize() + "."
    items = "\n".join(f"- {' '.join(rng.choices(_WORDS, k=6))}" for _ in range(rng.randrange(1, 4)))
    code = f"```python\ndef step_{n}(request):\n    return validate(request)\n```" if n % 3 == 0 else ""
    return f"{para}\n\n{items}\n\n{code}".strip()


async def fill(chat: object, pilot: object) -> int:
    """Put MESSAGES messages (and their tool entries) into the chat; returns the number of entries."""
    rng = random.Random(SEED)
    entries = 0
    for n in range(MESSAGES):
        if n % 2 == 0:
            chat.add_user(" ".join(rng.choices(_WORDS, k=rng.randrange(5, 25))))  # type: ignore[attr-defined]
            entries += 1
            continue
        handle = chat.begin_assistant()  # type: ignore[attr-defined]
        await handle.append(_reply(rng, n))
        await handle.finish()
        entries += 1
        for t in range(rng.randrange(0, 3)):
            call_id = f"call_{n}_{t}"
            chat.add_tool_call(call_id, rng.choice(_TOOLS), f"path=src/module_{n}.py")  # type: ignore[attr-defined]
            chat.complete_tool_call(call_id, rng.random() > 0.1, f"{rng.randrange(10, 400)} lines")  # type: ignore[attr-defined]
            entries += 1
        if n % 25 == 1:
            chat.add_notice(f"Phase {n // 25} is awaiting your review.")  # type: ignore[attr-defined]
            entries += 1
        if n % 50 == 1:
            await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    return entries


async def measure() -> tuple[list[float], int, float]:
    from phasegate.widgets.chat import Chat

    app = chat_host()
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(Chat)
        started = time.perf_counter()
        with app.batch_update():  # one layout at the end, as a resumed session's replay would do
            entries = await fill(chat, pilot)
        filled = time.perf_counter() - started
        log = chat.log_view
        await pilot.pause()
        probe = KeyProbe(app)

        async def key(name: str, done: object, char: str | None = None) -> None:
            probe.press(name, done, char)  # type: ignore[arg-type]
            await probe.settle()
            await pilot.pause()

        # Scrolling: the log has focus, as after shift+tab from the input or a click on the log.
        log.focus()
        await pilot.pause()
        for name in ["pageup"] * 8 + ["home"] + ["pagedown"] * 8 + ["end"]:
            before = log.scroll_y
            await key(name, lambda before=before: log.scroll_y != before)
        # Typing: back in the input.
        chat.focus_input()
        await pilot.pause()
        typed = ""
        for ch in "add an index on users.email":
            typed += ch
            await key(ch if ch != " " else "space", lambda want=typed: chat.input.text == want, ch)
        typed += "\n"
        await key("enter", lambda want=typed: chat.input.text == want)
        typed = typed[:-1]
        await key("backspace", lambda want=typed: chat.input.text == want)
    return probe.latencies, entries, filled


def run() -> list[Result]:
    latencies, entries, filled = asyncio.run(measure())
    print(f"  ({MESSAGES} messages, {entries} entries in the log, filled in {filled:.1f}s; "
          f"{len(latencies)} keys, median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms)", flush=True)
    return [Result(f"session_{MESSAGES}_msgs_worst_key_vs_100ms", max(latencies) * 1000, BUDGET_MS, "ms", 1.0)]


if __name__ == "__main__":
    for result in run():
        print(result.line())
