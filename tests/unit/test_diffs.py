"""phases.diffs on real ``git diff`` output from real temp repositories, and patches that git accepts."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.phases.diffs import (
    DiffLine,
    DiffMatch,
    FileDiff,
    build_patch,
    pair_lines,
    parse_diff,
    search_diff,
    word_changes,
)
from tests.support.repos import git, git_bytes

DIFF_ARGS = ("diff", "--no-ext-diff", "--no-color", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/")


def diff_text(repo: Path, *extra: str) -> str:
    """What the git layer hands the parser: bytes decoded so that non-UTF-8 content survives."""
    return git_bytes(repo, *DIFF_ARGS, *extra).decode("utf-8", "surrogateescape")


def apply(repo: Path, patch: str, *flags: str) -> None:
    git_bytes(repo, "apply", *flags, "-", stdin=patch.encode("utf-8", "surrogateescape"))


def by_path(files: list[FileDiff]) -> dict[str, FileDiff]:
    return {f.path: f for f in files}


def numbered(n: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {i}\n" for i in range(1, n + 1))


def commit_all(repo: Path, message: str = "base") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_modified_file_counts_numbers_and_sections(repo: Path) -> None:
    src = repo / "app.py"
    src.write_text("def f():\n" + numbered(30, "    x =") + "def g():\n    return 1\n")
    commit_all(repo)
    lines = src.read_text().splitlines(keepends=True)
    lines[2] = "    x = changed\n"  # hunk near the top
    lines.insert(20, "    y = inserted\n")  # a second hunk further down
    lines[-1] = "    return 2\n"
    src.write_text("".join(lines))

    (fd,) = parse_diff(diff_text(repo))
    assert (fd.path, fd.old_path, fd.status, fd.binary) == ("app.py", "app.py", "modified", False)
    assert (fd.added, fd.removed) == (3, 2)
    assert len(fd.hunks) == 3
    first = fd.hunks[0]
    assert (first.index, first.old_start, first.new_start) == (0, 1, 1)
    changed = [line for line in first.lines if line.kind != " "]
    assert changed == [
        DiffLine("-", "    x = 2", 3, None),
        DiffLine("+", "    x = changed", None, 3),
    ]
    last = fd.hunks[-1]
    assert last.section == "def f():" or last.section.startswith("def")
    assert [line for line in last.lines if line.kind == "+"][0].text == "    return 2"
    # Every hunk's parsed lines agree with its header's lengths.
    for hunk in fd.hunks:
        assert sum(1 for x in hunk.lines if x.kind in " -") == hunk.old_len
        assert sum(1 for x in hunk.lines if x.kind in " +") == hunk.new_len
        assert hunk.line_count == len(hunk.lines)


def test_added_deleted_renamed_copied_mode_and_binary(repo: Path) -> None:
    (repo / "gone.txt").write_text("bye\n")
    (repo / "moved.txt").write_text(numbered(20))
    (repo / "renamed_edit.txt").write_text(numbered(20))
    (repo / "script.sh").write_text("echo hi\n")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01\x02")
    commit_all(repo)
    (repo / "gone.txt").unlink()
    (repo / "moved.txt").rename(repo / "moved_to.txt")
    (repo / "renamed_edit.txt").rename(repo / "renamed_edited.txt")
    (repo / "renamed_edited.txt").write_text(numbered(20).replace("line 7\n", "line seven\n"))
    (repo / "script.sh").chmod(0o755)
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x09\x08")
    (repo / "new.txt").write_text("hello\nworld\n")
    git(repo, "add", "-A")

    for extra in ((), ("--binary",)):
        files = by_path(parse_diff(diff_text(repo, "--cached", *extra)))
        assert set(files) == {"gone.txt", "moved_to.txt", "renamed_edited.txt", "script.sh", "logo.png", "new.txt"}
        assert (files["gone.txt"].status, files["gone.txt"].removed, files["gone.txt"].added) == ("deleted", 1, 0)
        assert files["new.txt"].status == "added" and files["new.txt"].old_path is None
        assert (files["new.txt"].added, files["new.txt"].hunks[0].lines[1].new_no) == (2, 2)
        moved = files["moved_to.txt"]
        assert (moved.status, moved.old_path, moved.hunks, moved.similarity) == ("renamed", "moved.txt", [], 100)
        edited = files["renamed_edited.txt"]
        assert (edited.status, edited.old_path, edited.added, edited.removed) == (
            "renamed",
            "renamed_edit.txt",
            1,
            1,
        )
        script = files["script.sh"]
        assert (script.status, script.old_mode, script.new_mode, script.mode_changed) == (
            "modified",
            "100644",
            "100755",
            True,
        )
        logo = files["logo.png"]
        assert (logo.binary, logo.hunks, logo.added, logo.removed) == (True, [], 0, 0)

    copied = parse_diff(
        diff_text(repo, "--cached", "--find-copies-harder", "HEAD", "--", "moved.txt", "moved_to.txt")
    )
    assert [f.status for f in copied] in (["renamed"], ["copied"])


def test_no_newline_crlf_and_non_utf8(repo: Path) -> None:
    (repo / "noeol.txt").write_text("a\nb")
    (repo / "dos.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    (repo / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    commit_all(repo)
    (repo / "noeol.txt").write_text("a\nc")
    (repo / "dos.txt").write_bytes(b"one\r\nTWO\r\nthree\r\n")
    (repo / "latin1.txt").write_bytes("caf\xe9 cr\xe8me\n".encode("latin-1"))

    files = by_path(parse_diff(diff_text(repo)))
    noeol = files["noeol.txt"].hunks[0].lines
    assert [(x.kind, x.text) for x in noeol] == [
        (" ", "a"),
        ("-", "b"),
        ("\\", "No newline at end of file"),
        ("+", "c"),
        ("\\", "No newline at end of file"),
    ]
    assert (files["noeol.txt"].added, files["noeol.txt"].removed) == (1, 1)
    assert pair_lines(noeol)[1:] == [(noeol[1], noeol[3]), (noeol[2], noeol[4])]
    assert files["noeol.txt"].hunks[0].split_row_count() == 3

    dos = files["dos.txt"].hunks[0].lines
    assert [(x.kind, x.text) for x in dos] == [(" ", "one"), ("-", "two"), ("+", "TWO"), (" ", "three")]

    latin = files["latin1.txt"]
    assert latin.added == 1 and "\udce9" in latin.hunks[0].lines[-1].text  # the raw byte, not lost


@pytest.mark.parametrize("name", ["with space.txt", "naïve ünïcode.txt", 'quote"and\\slash.txt', "tab\tname.txt"])
def test_quoted_and_spaced_paths(repo: Path, name: str) -> None:
    (repo / name).write_text(numbered(10) + "old\n")
    commit_all(repo)
    (repo / name).write_text(numbered(10) + "new\n")
    (repo / "plain.txt").write_text("x\n")
    git(repo, "add", "-A")
    files = by_path(parse_diff(diff_text(repo, "--cached")))
    assert set(files) == {name, "plain.txt"}
    assert files[name].status == "modified" and files[name].old_path == name
    # A rename of the odd name is parsed too (names come from the rename lines, quoted or not).
    git(repo, "mv", name, "renamed " + name)
    (renamed,) = [f for f in parse_diff(diff_text(repo, "--cached", "HEAD")) if f.status == "renamed"]
    assert (renamed.path, renamed.old_path) == ("renamed " + name, name)


def test_build_patch_reverses_exactly_the_chosen_hunks(repo: Path) -> None:
    src = repo / "service.py"
    base = numbered(60)
    src.write_text(base)
    commit_all(repo)
    lines = base.splitlines(keepends=True)
    lines[4] = "CHANGE A\n"
    lines[30] = "CHANGE B\n"
    lines[55] = "CHANGE C\n"
    src.write_text("".join(lines))
    (fd,) = parse_diff(diff_text(repo))
    assert len(fd.hunks) == 3

    patch = build_patch([(fd, [0, 2])])
    apply(repo, patch, "--check", "-R")
    apply(repo, patch, "-R")
    (left,) = parse_diff(diff_text(repo))
    assert len(left.hunks) == 1
    assert [x.text for x in left.hunks[0].lines if x.kind == "+"] == ["CHANGE B"]
    assert src.read_text() == "".join(base.splitlines(keepends=True)[:30] + ["CHANGE B\n"] + lines[31:55] + base.splitlines(keepends=True)[55:])


def test_build_patch_round_trips_every_kind_of_file(repo: Path) -> None:
    (repo / "gone.txt").write_text("bye\n")
    (repo / "noeol.txt").write_text("a\nb")
    (repo / "dos.txt").write_bytes(b"one\r\ntwo\r\n")
    (repo / "latin1.txt").write_bytes(b"caf\xe9\n")
    (repo / "sp ace ü.txt").write_text("1\n2\n")
    (repo / "img.bin").write_bytes(bytes(range(256)))
    commit_all(repo)
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}

    (repo / "gone.txt").unlink()
    (repo / "noeol.txt").write_text("a\nc")
    (repo / "dos.txt").write_bytes(b"one\r\nTWO\r\n")
    (repo / "latin1.txt").write_bytes(b"caf\xe9 \xff\n")
    (repo / "sp ace ü.txt").write_text("1\n3\n")
    (repo / "img.bin").write_bytes(bytes(reversed(range(256))))
    (repo / "fresh.txt").write_text("brand new\n")
    git(repo, "add", "-N", "fresh.txt")

    files = parse_diff(diff_text(repo, "--binary"))
    assert len(files) == 7
    # Content hunks by index for text files, the whole section for the binary one.
    selection = [(f, None if f.binary else range(len(f.hunks))) for f in files]
    patch = build_patch(selection)
    apply(repo, patch, "--check", "-R")
    apply(repo, patch, "-R")
    git(repo, "rm", "-q", "--cached", "fresh.txt")
    assert not (repo / "fresh.txt").exists()
    after = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    assert after == before
    assert diff_text(repo) == ""


def test_build_patch_on_renamed_file_keeps_the_rename(repo: Path) -> None:
    (repo / "old_name.txt").write_text(numbered(30))
    commit_all(repo)
    git(repo, "mv", "old_name.txt", "new name.txt")
    (repo / "new name.txt").write_text(numbered(30).replace("line 3\n", "line three\n"))
    git(repo, "add", "-A")
    (fd,) = parse_diff(diff_text(repo, "--cached"))
    assert fd.status == "renamed"
    apply(repo, build_patch([(fd, [0])]), "-R")
    assert (repo / "new name.txt").read_text() == numbered(30)
    assert not (repo / "old_name.txt").exists()


def test_build_patch_rejects_unknown_hunks_and_skips_empty_selections(repo: Path) -> None:
    (repo / "a.txt").write_text("1\n")
    commit_all(repo)
    (repo / "a.txt").write_text("2\n")
    (fd,) = parse_diff(diff_text(repo))
    assert build_patch([(fd, [])]) == ""
    with pytest.raises(ValueError, match="no hunk"):
        build_patch([(fd, [5])])


def test_parser_tolerates_junk_and_truncation() -> None:
    assert parse_diff("") == []
    assert parse_diff("warning: something\n") == []
    text = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c"
    (fd,) = parse_diff(text)
    assert [(x.kind, x.text) for x in fd.hunks[0].lines] == [(" ", "a"), ("-", "b"), ("+", "c")]
    assert fd.hunks[0].raw().endswith("+c\n")
    # A trailer after the last hunk (as in format-patch mail) is not taken as a removed line.
    mail = text + "\n-- \n2.39.5\n"
    (fd,) = parse_diff(mail)
    assert (fd.added, fd.removed, fd.hunks[0].line_count) == (1, 1, 3)


def test_pair_lines_faces_removed_and_added_runs() -> None:
    lines = [
        DiffLine(" ", "ctx", 1, 1),
        DiffLine("-", "a", 2, None),
        DiffLine("-", "b", 3, None),
        DiffLine("+", "A", None, 2),
        DiffLine(" ", "end", 4, 3),
        DiffLine("+", "tail", None, 4),
    ]
    assert pair_lines(lines) == [
        (lines[0], lines[0]),
        (lines[1], lines[3]),
        (lines[2], None),
        (lines[4], lines[4]),
        (None, lines[5]),
    ]


def test_big_diff_parses_lazily() -> None:
    files = []
    for f in range(200):
        body = "".join(f"-old {f} {i}\n+new {f} {i}\n" for i in range(125))
        files.append(f"diff --git a/f{f}.py b/f{f}.py\n--- a/f{f}.py\n+++ b/f{f}.py\n@@ -1,125 +1,125 @@\n{body}")
    parsed = parse_diff("".join(files))
    assert len(parsed) == 200 and sum(f.added + f.removed for f in parsed) == 50_000
    assert all(h._lines is None for f in parsed for h in f.hunks)  # nothing materialised yet
    assert parsed[-1].hunks[0].split_row_count() == 125


_WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]


@st.composite
def edited_file(draw: st.DrawFn) -> tuple[list[str], list[str], bool, bool]:
    base = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=60))
    new = list(base)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["replace", "insert", "delete"]))
        i = draw(st.integers(0, max(len(new) - 1, 0)))
        word = draw(st.sampled_from(_WORDS)) + "!"
        if op == "replace" and new:
            new[i] = word
        elif op == "insert":
            new.insert(i, word)
        elif new:
            del new[i]
    return base, new, draw(st.booleans()), draw(st.booleans())


def _text(lines: list[str], final_newline: bool) -> str:
    return "\n".join(lines) + ("\n" if final_newline and lines else "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_file(), st.data())
def test_property_counts_match_git_and_partial_patches_commute(
    case: tuple[list[str], list[str], bool, bool], data: st.DataObject
) -> None:
    """For random edits: +/- counts equal ``git diff --numstat``, and reversing any subset S of hunks
    from the new file gives the same bytes as applying the other hunks to the base file."""
    base, new, base_eol, new_eol = case
    with tempfile.TemporaryDirectory() as tmp:
        repo, other = Path(tmp) / "repo", Path(tmp) / "other"
        repo.mkdir()
        other.mkdir()
        git(repo, "init", "-q", "-b", "main")
        (repo / "f.txt").write_text(_text(base, base_eol))
        commit_all(repo)
        (repo / "f.txt").write_text(_text(new, new_eol))
        files = parse_diff(diff_text(repo))
        if (repo / "f.txt").read_bytes() == _text(base, base_eol).encode():
            assert files == []
            return
        (fd,) = files
        added, removed, _ = git(repo, "diff", "--numstat").split("\t")
        assert (fd.added, fd.removed) == (int(added), int(removed))

        indices = list(range(len(fd.hunks)))
        subset = data.draw(st.sets(st.sampled_from(indices)))
        rest = [i for i in indices if i not in subset]
        if subset:
            apply(repo, build_patch([(fd, subset)]), "-R")
        (other / "f.txt").write_text(_text(base, base_eol))
        if rest:
            subprocess.run(
                ["git", "apply", "-"], cwd=other, check=True, capture_output=True,
                input=build_patch([(fd, rest)]).encode(),
            )
        assert (repo / "f.txt").read_bytes() == (other / "f.txt").read_bytes()


def test_added_lines_unquote_c_quoted_paths_and_skip_deletions() -> None:
    from phasegate.phases.diffs import added_lines

    text = (
        'diff --git "a/caf\\303\\251 menu.py" "b/caf\\303\\251 menu.py"\n'
        '--- "a/caf\\303\\251 menu.py"\n+++ "b/caf\\303\\251 menu.py"\n'
        "@@ -1,2 +1,4 @@\n keep\n+added one\n keep too\n+added two\n"
        "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n"
        "@@ -1 +0,0 @@\n-bye\n"
    )
    assert added_lines(text) == [("café menu.py", 2, "added one"), ("café menu.py", 4, "added two")]


def test_word_changes_marks_only_what_changed_on_each_side() -> None:
    old, new = '    print("saving", path)', '    logging.info("saving %s", path)'
    old_ranges, new_ranges = word_changes(old, new)
    assert [old[a:b] for a, b in old_ranges] == ["print"]
    assert [new[a:b] for a, b in new_ranges] == ["logging.info", " %s"]
    assert word_changes("0.1.0", "0.2.0") == ([(2, 3)], [(2, 3)])
    # A pure insertion marks nothing on the old side.
    assert word_changes("open(path)", "open(path, mode)") == ([], [(9, 15)])
    # A rewrite is not an edit: nothing is marked (the line's background says it all).
    assert word_changes("import json", "class Users(Base):") == ([], [])
    assert word_changes("", "x") == ([], [])


def test_search_diff_finds_terms_in_line_text_only_with_smart_case(repo: Path) -> None:
    (repo / "a.py").write_text("alpha = 1\nbeta = 2\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "a.py").write_text("alpha = 10\nbeta = Alpha(2)\ngamma = -alpha")  # no final newline
    files = parse_diff(diff_text(repo))
    lines = files[0].hunks[0].lines
    matches = search_diff(files, "alpha")
    assert [(lines[m.line].kind, lines[m.line].text[m.start : m.end]) for m in matches] == [
        ("-", "alpha"), ("+", "alpha"), ("+", "Alpha"), ("+", "alpha"),
    ]
    assert search_diff(files, "Alpha") == [DiffMatch(0, 0, 3, 7, 12)]  # upper case: exact case only
    assert search_diff(files, "newline") == []  # not in the "\\ No newline at end of file" note
    assert search_diff(files, "a.py") == []  # not in headers
    assert [lines[m.line].text[m.start:] for m in search_diff(files, "-alpha")] == ["-alpha"]
    assert search_diff(files, "") == []
