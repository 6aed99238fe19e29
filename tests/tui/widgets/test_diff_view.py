"""The diff view driven through Pilot in a tiny host app: what it shows, what it posts, how it scales."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from phasegate.app.tui.screens.hunk_reason import HunkReasonScreen
from phasegate.widgets.diff_body import DiffBody
from phasegate.widgets.diff_file_list import DiffFileList
from phasegate.widgets.diff_view import EMPTY_MESSAGE, DiffView
from tests.tui.widgets.diff_host import SAMPLE_DIFF, DiffHost

SIZE = (120, 30)


def body_of(app: DiffHost) -> DiffBody:
    return app.query_one("#diff-body", DiffBody)


def screen_lines(app: DiffHost) -> list[str]:
    body = body_of(app)
    return [body.render_line(y).text for y in range(body.scrollable_content_region.height)]


def big_diff(files: int = 200, pairs_per_file: int = 125) -> str:
    """200 files x 250 changed lines = 50,000 diff body lines."""
    out = []
    for f in range(files):
        body = "".join(f"-    value_{i} = compute({i}, 'old')\n+    value_{i} = compute({i}, 'new')\n" for i in range(pairs_per_file))
        out.append(
            f"diff --git a/pkg/mod_{f}.py b/pkg/mod_{f}.py\nindex 1111111..2222222 100644\n"
            f"--- a/pkg/mod_{f}.py\n+++ b/pkg/mod_{f}.py\n"
            f"@@ -1,{pairs_per_file} +1,{pairs_per_file} @@ def f{f}():\n{body}"
        )
    return "".join(out)


async def test_file_list_shows_counts_and_labels() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE):
        prompts = [str(option.prompt) for option in app.query_one("#diff-files", DiffFileList).options]
        assert prompts == [
            "app/service.py  +4 −3",
            "app/schema.sql  +4 −0 [new]",
            "docs/new name.md ← docs/old name.md [renamed]",
            "static/logo.png [binary]",
            "VERSION  +1 −1",
        ]
        assert app.messages and isinstance(app.messages[0], DiffView.Loaded)
        assert app.messages[0].file_count == 5


async def test_unified_and_split_render_differently() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        unified = screen_lines(app)
        assert unified[0].startswith(" app/service.py +4 −3")
        assert any(line.startswith("   5     -     with open(path) as fh:") for line in unified)
        assert any(line.startswith("       6 +     with open(path, encoding") for line in unified)
        assert not any("│" in line for line in unified)
        assert any("Renamed from docs/old name.md without content changes" in line for line in unified)

        await pilot.press("v")
        view = app.query_one(DiffView)
        assert view.split and body_of(app).split
        split = screen_lines(app)
        paired = [line for line in split if "with open(path) as fh:" in line]
        assert len(paired) == 1 and "│" in paired[0] and "with open(path, encoding" in paired[0]
        # Removed lines sit left of the divider, added ones right of it.
        left, right = paired[0].split("│")
        assert "-     with open(path)" in left and "+     with open(path, enc" in right

        await pilot.press("v")
        assert screen_lines(app) == unified


async def test_added_and_removed_lines_get_different_backgrounds() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE):
        lines = [body_of(app).render_line(y) for y in range(12)]
        added = next(s for s in lines if "+ import logging" in s.text)
        removed = next(s for s in lines if "-     with open(path) as fh" in s.text)
        context = next(s for s in lines if "def load(path)" in s.text)
        backgrounds = {
            name: {seg.style.bgcolor for seg in strip if seg.style and seg.text.strip()}
            for name, strip in (("added", added), ("removed", removed), ("context", context))
        }
        assert backgrounds["added"].isdisjoint(backgrounds["removed"])
        assert backgrounds["added"].isdisjoint(backgrounds["context"])
        # Syntax highlighting: "import" and "logging" are not one single style.
        code = [seg for seg in added if seg.text.strip() in ("import", "logging")]
        assert len({seg.style for seg in code}) == 2


async def reject_current(pilot: Pilot, reason: str) -> None:
    await pilot.press("x")
    assert isinstance(pilot.app.screen, HunkReasonScreen)
    await pilot.press(*reason, "enter")


async def test_reject_a_hunk_with_a_reason_then_restore_it() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        assert body_of(app).current_hunk == (0, 0)  # marked ▶ on screen
        assert screen_lines(app)[1].startswith("▶ @@ -1,7 +1,8 @@")
        await pilot.press("right_square_bracket")
        assert body_of(app).current_hunk == (0, 1)
        # Near the end the view cannot scroll the header to the top; the marker still shows it.
        assert [line[:20] for line in screen_lines(app) if line.startswith("▶")] == ["▶ @@ -20,6 +21,6 @@ "]
        await reject_current(pilot, "keep print")
        assert not isinstance(app.screen, HunkReasonScreen)
        rejected = [m for m in app.messages if isinstance(m, DiffView.HunkRejected)]
        assert [(m.path, m.hunk_index, m.reason) for m in rejected] == [("app/service.py", 1, "keep print")]
        assert view.rejected_hunks() == [("app/service.py", 1, "keep print")]
        lines = screen_lines(app)
        header = next(line for line in lines if "@@ -20,6 +21,6 @@" in line)
        assert "✗ rejected: keep print" in header
        assert any(line.startswith("✗ 22     -     print(") for line in lines)
        assert not any(line.startswith("✗") and "import logging" in line for line in lines)

        await pilot.press("x")  # a second x on a rejected hunk takes the rejection back
        restored = [m for m in app.messages if isinstance(m, DiffView.HunkRestored)]
        assert [(m.path, m.hunk_index) for m in restored] == [("app/service.py", 1)]
        assert view.rejected_hunks() == []
        assert not any("rejected" in line for line in screen_lines(app))


async def test_cancelled_or_empty_reason_rejects_nothing() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.press("enter")  # empty reason: the modal stays
        assert isinstance(app.screen, HunkReasonScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HunkReasonScreen)
        assert app.query_one(DiffView).rejected_hunks() == []
        assert not [m for m in app.messages if isinstance(m, DiffView.HunkRejected)]


async def test_file_navigation_and_file_list_selection() -> None:
    app = DiffHost()
    async with app.run_test(size=(120, 12)) as pilot:
        body = body_of(app)
        await pilot.press("right_curly_bracket")
        assert screen_lines(app)[0].startswith(" app/schema.sql")
        assert body.current_hunk == (1, 0)
        await pilot.press("left_curly_bracket")
        assert screen_lines(app)[0].startswith(" app/service.py")

        file_list = app.query_one("#diff-files", DiffFileList)
        file_list.focus()
        await pilot.press("down", "down", "down", "enter")
        assert body.current_file == 3 and body.current_hunk is None  # a binary file has no hunks
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if line.startswith(" static/logo.png"))
        assert "Binary file changed" in lines[at + 1]
        await pilot.press("x")  # nothing to reject in a binary file
        assert not isinstance(app.screen, HunkReasonScreen)


async def test_rejections_survive_a_refresh_of_the_same_diff() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        view.set_diff(SAMPLE_DIFF, rejected=[("VERSION", 0, "wrong version"), ("nope", 0, "gone")])
        await pilot.pause()
        assert view.rejected_hunks() == [("VERSION", 0, "wrong version")]


async def test_empty_states_and_messages() -> None:
    app = DiffHost(diff_text=None)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        message = app.query_one("#diff-message")
        assert message.display and str(message.render()) == EMPTY_MESSAGE
        assert not body_of(app).display
        view.set_diff(SAMPLE_DIFF)
        await pilot.pause()
        assert body_of(app).display and not message.display
        view.show_message("Could not read the diff")
        await pilot.pause()
        assert str(message.render()) == "Could not read the diff" and not body_of(app).display
        view.set_diff("")
        await pilot.pause()
        assert str(message.render()) == EMPTY_MESSAGE
        view.set_diff(SAMPLE_DIFF)
        view.clear()
        await pilot.pause()
        assert view.files == [] and str(message.render()) == EMPTY_MESSAGE
        await pilot.press("x")  # nothing to reject: no modal
        assert not isinstance(app.screen, HunkReasonScreen)


async def test_terminal_escapes_in_content_are_neutralised() -> None:
    diff = (
        "diff --git a/evil.txt b/evil.txt\n--- a/evil.txt\n+++ b/evil.txt\n@@ -1 +1 @@\n"
        "-plain\n+\x1b[2Jboom\x07\tx\r\n"
    )
    app = DiffHost(diff_text=diff)
    async with app.run_test(size=SIZE):
        added = next(line for line in screen_lines(app) if "boom" in line)
        assert "\x1b" not in added and "\x07" not in added
        assert "␛[2Jboom␇   x" in added  # the tab expanded to the next 4-column stop


async def test_fifty_thousand_lines_open_lazily_and_scroll_to_the_end() -> None:
    text = big_diff()
    app = DiffHost(diff_text=text)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        body = body_of(app)
        height = body.scrollable_content_region.height
        assert body.row_count == 50_000 + 200 * 2
        assert 0 < body.lines_rendered <= 3 * height  # the screen, plus the next page prefetched
        # Only the hunk on screen was parsed: the others still hold raw offsets only.
        parsed = [h for fd in app.query_one(DiffView).files for h in fd.hunks if h._lines is not None]
        assert parsed == []
        assert len(body._hunk_data) == 1

        await pilot.press("end")
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[-1].startswith("     125 +     value_124 = compute(124, 'new')")
        # The jump may animate through intermediate frames (more of them on a loaded machine), but it
        # never renders the whole diff: a small fraction of its 50,400 rows at most.
        assert body.lines_rendered <= 5_000

        await pilot.press("v")  # the split layout of the whole diff is computed without parsing lines
        await pilot.pause()
        assert body.row_count == 200 * (2 + 125)


async def test_big_diff_is_parsed_in_a_worker_above_the_threshold() -> None:
    app = DiffHost(diff_text=None)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        view.THREAD_THRESHOLD_LINES = 1_000
        view.set_diff(big_diff(files=20))
        assert str(app.query_one("#diff-message").render()) == "Loading diff…"
        await app.workers.wait_for_complete()
        await pilot.pause()
        loaded = [m for m in app.messages if isinstance(m, DiffView.Loaded)]
        assert [m.file_count for m in loaded] == [20]
        assert screen_lines(app)[0].startswith(" pkg/mod_0.py +125 −125")


@pytest.mark.parametrize("keys", [(), ("v",)], ids=["unified", "split"])
def test_snapshots(snap_compare, keys: tuple[str, ...]) -> None:
    assert snap_compare(Path(__file__).parent / "diff_host.py", press=keys, terminal_size=SIZE)


async def test_j_k_scroll_and_a_click_picks_the_hunk() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        body = body_of(app)
        app.query_one(DiffView).focus()
        assert app.focused is body
        await pilot.press("j", "j")
        assert round(body.scroll_y) == 2
        await pilot.press("k")
        assert round(body.scroll_y) == 1
        lines = screen_lines(app)
        row = next(i for i, line in enumerate(lines) if "app/schema.sql" in line) + 2  # inside its hunk
        region = body.content_region
        await pilot.click(offset=(region.x + 5, region.y + row))
        assert body.current_hunk == (1, 0)
        await reject_current(pilot, "no new tables")
        assert app.query_one(DiffView).rejected_hunks() == [("app/schema.sql", 0, "no new tables")]


async def test_set_diff_right_after_mount_is_not_lost() -> None:
    app = DiffHost(diff_text=None)
    async with app.run_test(size=SIZE) as pilot:
        view = DiffView(id="late")
        mounting = app.mount(view)
        view.set_diff(SAMPLE_DIFF)  # before the mount has completed: children do not exist yet
        await mounting
        await pilot.pause()
        assert [fd.path for fd in view.files][:2] == ["app/service.py", "app/schema.sql"]


# --- long lines, changed words, search (issue 17) ------------------------------------------------

TAIL = "END_OF_THE_LONG_LINE"
LONG_DIFF = SAMPLE_DIFF.replace(
    "+    Path(path).write_text(text)",
    "+    Path(path).write_text(text)  # " + "and a comment that runs on " * 6 + TAIL,
)


def strip_with(app: DiffHost, text: str):  # noqa: ANN201 - a Strip
    body = body_of(app)
    return next(s for y in range(body.scrollable_content_region.height) if text in (s := body.render_line(y)).text)


@pytest.mark.parametrize("split", [False, True], ids=["unified", "split"])
async def test_a_long_line_scrolls_sideways_and_the_numbers_stay(split: bool) -> None:
    app = DiffHost(diff_text=LONG_DIFF, split=split)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not any(TAIL in line for line in screen_lines(app))  # cut at the pane's edge
        assert body_of(app).max_scroll_x > 0  # the widest line on screen widened the scroll area
        for _ in range(40):
            await pilot.press("right")
        lines = screen_lines(app)
        long = next(line for line in lines if TAIL in line)
        assert long.split("│")[-1].lstrip().startswith("24 +")  # the line numbers did not scroll away
        await pilot.press("home")  # back up: home is vertical, the code stays scrolled
        await pilot.press("left", "left")
        assert body_of(app).scroll_x < body_of(app).max_scroll_x


@pytest.mark.parametrize("split", [False, True], ids=["unified", "split"])
async def test_w_wraps_long_lines_onto_more_rows(split: bool) -> None:
    app = DiffHost(diff_text=LONG_DIFF, split=split)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        body = body_of(app)
        rows = body.row_count
        await pilot.press("w")
        assert app.query_one(DiffView).wrap and body.wrap
        assert body.row_count > rows and body.max_scroll_x == 0
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Path(path).write_text(text)" in line)
        tail = next(i for i, line in enumerate(lines) if TAIL[-9:] in line)  # the end of the line
        assert tail > at + 1  # the line goes on on rows of its own below, under the code, not the numbers
        assert "+" not in lines[tail].split("│")[-1][:8]
        assert "return len(text)" in lines[tail + 1]  # and the next line follows it
        await pilot.press("w")
        assert body.row_count == rows and not any(TAIL in line for line in screen_lines(app))


async def test_changed_words_have_their_own_background() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        body = body_of(app)
        word_bg = body.get_visual_style("diff-body--added-word").background.rich_color
        removed_word_bg = body.get_visual_style("diff-body--removed-word").background.rich_color
        line_bg = body.get_visual_style("diff-body--added").background.rich_color

        def backgrounds(strip, text: str) -> set:  # noqa: ANN001
            return {seg.style.bgcolor for seg in strip if seg.text.strip() and seg.text.strip() in text}

        added = strip_with(app, '+     logging.info("saving %s", path)')
        removed = strip_with(app, '-     print("saving", path)')
        # The changed words: "print" became "logging.info", " %s" was inserted.
        assert backgrounds(added, "logging.info") == {word_bg}
        assert backgrounds(added, "%s") == {word_bg}
        assert backgrounds(removed, "print") == {removed_word_bg}
        # Unchanged words keep the line's background, and the syntax colours survive on both.
        assert word_bg not in backgrounds(added, '"saving path )') and line_bg in backgrounds(added, "path")
        colours = {seg.style.color for seg in added if seg.text in ("logging", "saving")}
        assert len(colours) == 2
        # A line with no partner (an added import) has no word highlight.
        assert word_bg not in backgrounds(strip_with(app, "+ import logging"), "import logging")
        await pilot.press("end")
        version = strip_with(app, "+ 0.2.0")
        assert [seg.text for seg in version if seg.style.bgcolor == word_bg] == ["2"]


async def search(pilot: Pilot, term: str) -> None:
    await pilot.press("slash")
    await pilot.press(*term, "enter")


async def test_search_jumps_to_matches_counts_them_and_closes() -> None:
    app = DiffHost()
    async with app.run_test(size=(120, 12)) as pilot:
        view = app.query_one(DiffView)
        body = body_of(app)
        await search(pilot, "users")
        assert view.search_status == "match 1 of 1"
        assert any("CREATE TABLE users (" in line for line in screen_lines(app))  # scrolled to it
        assert body.scroll_y > 0
        current = body.get_visual_style("diff-body--match-current").background.rich_color
        strip = strip_with(app, "CREATE TABLE users")
        assert [seg.text for seg in strip if seg.style.bgcolor == current] == ["users"]
        assert app.focused is body

        await search(pilot, "path")  # / again: the last term is selected and typed over
        assert view.search_status == "match 1 of 8"
        await pilot.press("n", "n")
        assert view.search_status == "match 3 of 8"
        assert body.current_hunk == (0, 0)
        for _ in range(4):
            await pilot.press("n")
        assert view.search_status == "match 7 of 8" and body.current_hunk == (0, 1)
        assert any("Path(path).write_text(text)" in line for line in screen_lines(app))
        await pilot.press("n", "n")  # round the end to the first match
        assert view.search_status == "match 1 of 8"
        await pilot.press("N")
        assert view.search_status == "match 8 of 8"
        other = body.get_visual_style("diff-body--match").background.rich_color
        strip = strip_with(app, "logging.info(")
        assert [seg.text for seg in strip if seg.style.bgcolor == other] == ["path"]

        await pilot.press("escape")
        assert not view.searching and not app.query_one("#diff-search").display
        assert not [seg for seg in strip_with(app, "logging.info(") if seg.style.bgcolor == other]


async def test_search_without_a_match_says_so_and_n_is_the_apps_again_once_closed() -> None:
    app = DiffHost()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        await search(pilot, "nowhere")
        assert view.search_status == "no match for \u201cnowhere\u201d"
        assert str(app.query_one("#diff-search-status").render()) == view.search_status
        await pilot.press("n")
        assert view.search_status == "no match for \u201cnowhere\u201d"
        assert view.check_action("match", (1,))
        await pilot.press("escape")
        assert view.check_action("match", (1,)) is False  # n falls through to the App (reject)
        assert view.search_status == ""


async def test_search_is_smart_case_and_a_long_match_scrolls_into_view() -> None:
    app = DiffHost(diff_text=LONG_DIFF)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DiffView)
        await search(pilot, "Path")
        assert view.search_status == "match 1 of 1"  # upper case: only "Path(path)"
        await search(pilot, TAIL.lower())
        assert view.search_status == "match 1 of 1"
        assert any(TAIL in line for line in screen_lines(app))  # scrolled sideways to show it


def test_snapshot_of_changed_words(snap_compare) -> None:
    assert snap_compare(Path(__file__).parent / "diff_host.py", press=["right_square_bracket"], terminal_size=SIZE)


def test_snapshot_of_a_search(snap_compare) -> None:
    assert snap_compare(
        Path(__file__).parent / "diff_host.py", press=["slash", *"path", "enter", "n", "n"], terminal_size=SIZE
    )
