"""Parse ``git diff`` output into files and hunks, and build patches from a chosen subset of hunks.

Pure domain code (stdlib only): the git layer hands us the diff as ``str`` (decoded with
``surrogateescape`` so non-UTF-8 content survives the round trip) and receives patch text back.

Why it is shaped like this: a phase diff can be 50,000 lines, and the viewer only ever shows a
screenful. So the parser makes one pass over *hunk headers* only (C-level ``str.find``/``str.count``
over the bodies for the +/- totals) and keeps offsets into the original text; a hunk's lines are
turned into :class:`DiffLine` objects only when someone asks for them. Memory stays a small
multiple of the diff text itself, and patches are built from the exact original bytes.

Supported input: ``git diff`` (optionally ``--find-renames``, ``--find-copies``, ``--binary``) with
the default ``a/`` and ``b/`` prefixes. The git layer should pass ``--no-ext-diff --no-color
--src-prefix=a/ --dst-prefix=b/`` so user configuration cannot change the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

FileStatus = Literal["added", "deleted", "modified", "renamed", "copied"]
LineKind = Literal[" ", "+", "-", "\\"]

_FILE_MARK = "diff --git "
_C_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(slots=True, frozen=True)
class DiffLine:
    """One line of a hunk body.

    ``kind`` is the diff marker; ``text`` is the line without marker and without its line terminator
    (LF or CRLF). ``old_no``/``new_no`` are 1-based line numbers on each side, ``None`` where the line
    does not exist on that side (and for ``\\ No newline at end of file`` markers).
    """

    kind: LineKind
    text: str
    old_no: int | None
    new_no: int | None


@dataclass(slots=True, eq=False)
class Hunk:
    """One ``@@ -a,b +c,d @@`` block; ``lines`` are parsed from the original text on first access."""

    index: int
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    header: str
    line_count: int
    """Number of body lines (including ``\\`` markers) without parsing them."""
    _text: str = field(repr=False)
    _start: int = field(repr=False)  # offset of the "@@" header line
    _body: int = field(repr=False)  # offset of the first body line
    _end: int = field(repr=False)  # offset just past the last body line
    _lines: list[DiffLine] | None = field(default=None, repr=False)
    _split_rows: int | None = field(default=None, repr=False)

    @property
    def section(self) -> str:
        """The function/section context git prints after the second ``@@`` (may be empty)."""
        close = self.header.find("@@", 2)
        return self.header[close + 2 :].strip() if close >= 0 else ""

    @property
    def lines(self) -> list[DiffLine]:
        """The body lines, parsed once and cached on the hunk."""
        if self._lines is None:
            self._lines = self.parse_lines()
        return self._lines

    def parse_lines(self) -> list[DiffLine]:
        """Parse the body lines without caching them (viewers keep their own bounded cache)."""
        body = self._text[self._body : self._end]
        raw_lines = body.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        old_no, new_no = self.old_start, self.new_start
        out: list[DiffLine] = []
        append = out.append
        for raw in raw_lines:
            marker = raw[:1]
            text = raw[1:]
            if text.endswith("\r"):
                text = text[:-1]
            if marker == "+":
                append(DiffLine("+", text, None, new_no))
                new_no += 1
            elif marker == "-":
                append(DiffLine("-", text, old_no, None))
                old_no += 1
            elif marker == "\\":
                append(DiffLine("\\", raw[1:].strip(), None, None))
            else:  # " " or a blank line whose trailing space was stripped by an editor/mailer
                append(DiffLine(" ", text, old_no, new_no))
                old_no += 1
                new_no += 1
        return out

    def split_row_count(self) -> int:
        """Rows this hunk's body takes in a side-by-side view (see :func:`pair_lines`), cached."""
        if self._split_rows is None:
            body = self._text[self._body : self._end]
            rows = dels = adds = 0
            last = " "
            for raw in body.split("\n")[: self.line_count]:
                marker = raw[:1]
                if marker == "-":
                    dels += 1
                elif marker == "+":
                    adds += 1
                elif marker == "\\":
                    if last == "-":
                        dels += 1
                    elif last == "+":
                        adds += 1
                    else:
                        rows += 1
                    continue
                else:
                    rows += max(dels, adds) + 1
                    dels = adds = 0
                last = marker if marker in "+-" else " "
            self._split_rows = rows + max(dels, adds)
        return self._split_rows

    def raw(self) -> str:
        """The hunk exactly as git printed it (header and body), newline-terminated."""
        chunk = self._text[self._start : self._end]
        return chunk if chunk.endswith("\n") else chunk + "\n"


@dataclass(slots=True, eq=False)
class FileDiff:
    """One file's section of a diff. ``path`` is the new path (the old one for deletions)."""

    path: str
    old_path: str | None
    status: FileStatus
    binary: bool
    hunks: list[Hunk]
    added: int
    removed: int
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None
    _text: str = field(default="", repr=False)
    _start: int = field(default=0, repr=False)
    _end: int = field(default=0, repr=False)
    _header_lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def mode_changed(self) -> bool:
        return self.old_mode is not None and self.new_mode is not None and self.old_mode != self.new_mode

    def raw(self) -> str:
        """The file's whole section exactly as git printed it, newline-terminated."""
        chunk = self._text[self._start : self._end]
        return chunk if chunk.endswith("\n") else chunk + "\n"


def pair_lines(lines: Sequence[DiffLine]) -> list[tuple[DiffLine | None, DiffLine | None]]:
    """Pair a hunk's lines for a side-by-side view: (old side, new side) per row.

    Context lines sit on both sides; within a run of changes the i-th removed line faces the i-th
    added line; a ``\\`` marker stays on the side of the line it annotates.
    """
    rows: list[tuple[DiffLine | None, DiffLine | None]] = []
    dels: list[DiffLine] = []
    adds: list[DiffLine] = []
    last = " "

    def flush() -> None:
        for i in range(max(len(dels), len(adds))):
            rows.append((dels[i] if i < len(dels) else None, adds[i] if i < len(adds) else None))
        dels.clear()
        adds.clear()

    for line in lines:
        if line.kind == "-":
            dels.append(line)
            last = "-"
        elif line.kind == "+":
            adds.append(line)
            last = "+"
        elif line.kind == "\\":
            if last == "-":
                dels.append(line)
            elif last == "+":
                adds.append(line)
            else:
                rows.append((line, line))
        else:
            flush()
            rows.append((line, line))
            last = " "
    flush()
    return rows


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
WORD_DIFF_MIN_SIMILARITY = 0.4
"""Below this (SequenceMatcher ratio over tokens) a pair of lines is a rewrite, not an edit: marking
nearly every word would only repeat what the line's background already says."""
WORD_DIFF_MAX_TOKENS = 400
"""Longer lines are not compared word by word (SequenceMatcher is quadratic in the worst case)."""


def word_changes(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The changed parts of a removed line ``old`` and the added line ``new`` that replaced it.

    Both lines are cut into tokens (words, runs of blanks, single punctuation characters) and
    compared with :class:`difflib.SequenceMatcher`; returns (start, end) character ranges in ``old``
    and in ``new`` that are not common to both, adjacent ranges merged. Lines too different (see
    :data:`WORD_DIFF_MIN_SIMILARITY`) or too long give no ranges.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if not a or not b or len(a) > WORD_DIFF_MAX_TOKENS or len(b) > WORD_DIFF_MAX_TOKENS:
        return [], []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < WORD_DIFF_MIN_SIMILARITY:
        return [], []
    a_at, b_at = _offsets(a), _offsets(b)
    old_ranges: list[tuple[int, int]] = []
    new_ranges: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        _add_range(old_ranges, a_at[i1], a_at[i2])
        _add_range(new_ranges, b_at[j1], b_at[j2])
    return old_ranges, new_ranges


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for token in tokens:
        out.append(out[-1] + len(token))
    return out


def _add_range(ranges: list[tuple[int, int]], start: int, end: int) -> None:
    if end <= start:
        return
    if ranges and ranges[-1][1] == start:
        ranges[-1] = (ranges[-1][0], end)
    else:
        ranges.append((start, end))


@dataclass(slots=True, frozen=True)
class DiffMatch:
    """One occurrence of a search term in the text of a hunk line.

    ``file`` and ``hunk`` index the parsed diff, ``line`` the hunk's :attr:`Hunk.lines`; ``start`` and
    ``end`` are character offsets in that line's :attr:`DiffLine.text`.
    """

    file: int
    hunk: int
    line: int
    start: int
    end: int


def search_diff(files: Sequence[FileDiff], term: str) -> list[DiffMatch]:
    """Every occurrence of ``term`` in the hunk lines' text, in diff order (not in headers, markers or
    ``\\ No newline`` notes). Smart case: ignores case unless ``term`` has an upper-case letter.

    Works on the raw hunk bodies, so no hunk is parsed into lines (a 50,000-line diff in ~10 ms, plus
    ~2 µs a match).
    """
    if not term or "\n" in term:
        return []
    flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
    pattern = re.compile(re.escape(term), flags)
    out: list[DiffMatch] = []
    append = out.append
    for f, fd in enumerate(files):
        for h, hunk in enumerate(fd.hunks):
            body = hunk._text[hunk._body : hunk._end]
            if pattern.search(body) is None:  # most hunks: one C-level scan, no split
                continue
            for i, raw in enumerate(body.split("\n")):
                if raw[:1] == "\\":
                    continue
                for found in pattern.finditer(raw, 1):  # from 1: after the marker
                    append(DiffMatch(f, h, i, found.start() - 1, found.end() - 1))
    return out


def parse_diff(text: str) -> list[FileDiff]:
    """Parse ``git diff`` output into :class:`FileDiff` objects (hunk lines stay lazy).

    Anything before the first ``diff --git`` line is ignored; a file section whose header cannot be
    understood is skipped rather than failing the whole diff.
    """
    starts: list[int] = []
    if text.startswith(_FILE_MARK):
        pos = 0
    else:
        pos = text.find("\n" + _FILE_MARK)
        pos = pos + 1 if pos >= 0 else -1
    while pos >= 0:
        starts.append(pos)
        nxt = text.find("\n" + _FILE_MARK, pos)
        pos = nxt + 1 if nxt >= 0 else -1
    ends = starts[1:] + [len(text)] if starts else []
    files: list[FileDiff] = []
    for start, end in zip(starts, ends, strict=True):
        parsed = _parse_file(text, start, end)
        if parsed is not None:
            files.append(parsed)
    return files


def added_lines(text: str) -> list[tuple[str, int, str]]:
    """``(path, new line number, text)`` for every added line of a git diff (paths unquoted, in order)."""
    out: list[tuple[str, int, str]] = []
    for fd in parse_diff(text):
        if fd.binary or fd.status == "deleted":
            continue
        for hunk in fd.hunks:
            out.extend((fd.path, line.new_no, line.text) for line in hunk.parse_lines()
                       if line.kind == "+" and line.new_no is not None)
    return out


def build_patch(selection: Iterable[tuple[FileDiff, Iterable[int] | None]]) -> str:
    """A patch holding only the chosen parts of a parsed diff, for ``git apply`` / ``git apply -R``.

    Each item is ``(file_diff, hunk_indices)``. ``None`` means the whole file section exactly as git
    printed it (renames, mode changes and binary patches included). A list of hunk indices means a
    content-only patch of those hunks against the file's *new* path (so reversing a rejected hunk in
    a renamed file does not undo the rename); for added/deleted files the original header is kept
    so that reversing the only hunk removes/recreates the file.
    """
    parts: list[str] = []
    for fd, indices in selection:
        if indices is None:
            parts.append(fd.raw())
            continue
        chosen = sorted(set(indices))
        if not chosen:
            continue
        if any(i < 0 or i >= len(fd.hunks) for i in chosen):
            raise ValueError(f"{fd.path}: no hunk {chosen} (it has {len(fd.hunks)})")
        parts.append(_content_header(fd))
        parts.extend(fd.hunks[i].raw() for i in chosen)
    return "".join(parts)


# --- internals -----------------------------------------------------------------------------------


def _content_header(fd: FileDiff) -> str:
    if fd.status in ("added", "deleted"):
        return "".join(line + "\n" for line in fd._header_lines)
    plus = next((line for line in fd._header_lines if line.startswith("+++ ")), None)
    if plus is None:
        raise ValueError(f"{fd.path}: no content hunks to build a patch from")
    new_name = plus[4:].rstrip("\t")
    if new_name.startswith('"b/'):
        old_name = '"a/' + new_name[3:]
    elif new_name.startswith("b/"):
        old_name = "a/" + new_name[2:]
    else:
        old_name = new_name
    tab = "\t" if plus.endswith("\t") else ""
    return f"diff --git {old_name} {new_name}\n--- {old_name}{tab}\n+++ {new_name}{tab}\n"


def _parse_file(text: str, start: int, end: int) -> FileDiff | None:
    header_lines: list[str] = []
    pos = start
    first_hunk = -1
    binary = False
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = nl if nl >= 0 else end
        line = text[pos:line_end]
        if line.endswith("\r"):
            line = line[:-1]
        if line.startswith("@@ "):
            first_hunk = pos
            break
        header_lines.append(line)
        if line.startswith(("Binary files ", "GIT binary patch")):
            binary = True
            break
        pos = line_end + 1

    info: dict[str, str] = {}
    for line in header_lines[1:]:
        key, _, value = line.partition(" ")
        if line.startswith(("old mode ", "new mode ", "rename from ", "rename to ", "copy from ", "copy to ")):
            sub, _, value = value.partition(" ")
            info[f"{key} {sub}"] = value
        elif line.startswith(("new file mode ", "deleted file mode ")):
            info[line.rsplit(" ", 1)[0]] = line.rsplit(" ", 1)[1]
        elif line.startswith(("similarity index ", "dissimilarity index ")):
            info[line.rsplit(" ", 1)[0]] = line.rsplit(" ", 1)[1]
        elif key in ("---", "+++"):
            info[key] = value.rstrip("\t")

    old_name, new_name = _names_from_git_line(header_lines[0] if header_lines else "")
    if "---" in info:
        old_name = _strip_prefix(_unquote(info["---"]), "a/")
    if "+++" in info:
        new_name = _strip_prefix(_unquote(info["+++"]), "b/")
    if "rename from" in info or "copy from" in info:
        old_name = _unquote(info.get("rename from") or info["copy from"])
    if "rename to" in info or "copy to" in info:
        new_name = _unquote(info.get("rename to") or info["copy to"])

    status: FileStatus
    if "new file mode" in info or old_name is None:
        status = "added"
    elif "deleted file mode" in info or new_name is None:
        status = "deleted"
    elif "rename from" in info:
        status = "renamed"
    elif "copy from" in info:
        status = "copied"
    else:
        status = "modified"
    path = new_name if status != "deleted" else old_name
    if path is None:
        return None
    hunks: list[Hunk] = []
    added = removed = 0
    if first_hunk >= 0:
        hunks, added, removed = _parse_hunks(text, first_hunk, end)
    similarity = info.get("similarity index", "").rstrip("%")
    return FileDiff(
        path=path,
        old_path=old_name if status != "added" else None,
        status=status,
        binary=binary,
        hunks=hunks,
        added=added,
        removed=removed,
        old_mode=info.get("old mode") or info.get("deleted file mode"),
        new_mode=info.get("new mode") or info.get("new file mode"),
        similarity=int(similarity) if similarity.isdigit() else None,
        _text=text,
        _start=start,
        _end=end,
        _header_lines=tuple(header_lines),
    )


def _parse_hunks(text: str, pos: int, end: int) -> tuple[list[Hunk], int, int]:
    hunks: list[Hunk] = []
    total_added = total_removed = 0
    count = text.count
    while 0 <= pos < end and text.startswith("@@ ", pos):
        nl = text.find("\n", pos, end)
        header_end = nl if nl >= 0 else end
        header = text[pos:header_end].rstrip("\r")
        ranges = _parse_ranges(header)
        if ranges is None:
            break
        old_start, old_len, new_start, new_len = ranges
        body = min(header_end + 1, end)
        # Fast path: the body runs to the next hunk header (body lines always start with a marker).
        nxt = text.find("\n@@ ", header_end, end)
        body_end = nxt + 1 if nxt >= 0 else end
        added = count("\n+", header_end, body_end)
        removed = count("\n-", header_end, body_end)
        markers = count("\n\\", header_end, body_end)
        n_lines = count("\n", header_end, body_end) - (1 if header_end < end else 0)
        if body_end > body and not text.endswith("\n", body, body_end):
            n_lines += 1
        context = n_lines - added - removed - markers
        if context + removed != old_len or context + added != new_len:
            # Something trails the hunk (or counts disagree): walk it line by line using the header.
            body_end, n_lines, added, removed = _walk_body(text, body, end, old_len, new_len)
        hunks.append(
            Hunk(
                index=len(hunks),
                old_start=old_start,
                old_len=old_len,
                new_start=new_start,
                new_len=new_len,
                header=header,
                line_count=n_lines,
                _text=text,
                _start=pos,
                _body=body,
                _end=body_end,
            )
        )
        total_added += added
        total_removed += removed
        pos = body_end
    return hunks, total_added, total_removed


def _walk_body(text: str, pos: int, end: int, old_len: int, new_len: int) -> tuple[int, int, int, int]:
    old_left, new_left = old_len, new_len
    n_lines = added = removed = 0
    while pos < end:
        marker = text[pos]
        if old_left <= 0 and new_left <= 0 and marker != "\\":
            break
        if marker == "+":
            new_left -= 1
            added += 1
        elif marker == "-":
            old_left -= 1
            removed += 1
        elif marker in " \n\r":
            old_left -= 1
            new_left -= 1
        elif marker != "\\":
            break
        n_lines += 1
        nl = text.find("\n", pos, end)
        pos = nl + 1 if nl >= 0 else end
    return pos, n_lines, added, removed


def _parse_ranges(header: str) -> tuple[int, int, int, int] | None:
    parts = header.split(" ", 3)
    if len(parts) < 3 or not parts[1].startswith("-") or not parts[2].startswith("+"):
        return None
    try:
        old_start, old_len = _range(parts[1][1:])
        new_start, new_len = _range(parts[2][1:])
    except ValueError:
        return None
    return old_start, old_len, new_start, new_len


def _range(spec: str) -> tuple[int, int]:
    start, _, length = spec.partition(",")
    return int(start), int(length) if length else 1


def _strip_prefix(name: str | None, prefix: str) -> str | None:
    if name is None or name == "/dev/null":
        return None
    return name[len(prefix) :] if name.startswith(prefix) else name


def _names_from_git_line(line: str) -> tuple[str | None, str | None]:
    """Best-effort names from ``diff --git a/X b/Y`` (used when no ---/+++ or rename lines exist)."""
    rest = line[len(_FILE_MARK) :] if line.startswith(_FILE_MARK) else ""
    if not rest:
        return None, None
    if rest.startswith('"'):
        first, used = _unquote_at(rest, 0)
        second_raw = rest[used:].lstrip(" ")
        second = _unquote(second_raw)
        return _strip_prefix(first, "a/"), _strip_prefix(second, "b/")
    if rest.endswith('"'):
        split = rest.rfind(' "')
        return _strip_prefix(rest[:split], "a/"), _strip_prefix(_unquote(rest[split + 1 :]), "b/")
    # Unquoted: "a/X b/X" is ambiguous with spaces; without a rename both halves are equal.
    n = (len(rest) - 5) // 2
    if n > 0 and rest.startswith("a/") and rest[2 + n : 5 + n] == " b/" and rest[2 : 2 + n] == rest[5 + n :]:
        return rest[2 : 2 + n], rest[5 + n :]
    split = rest.find(" b/")
    if split < 0:
        return None, None
    return _strip_prefix(rest[:split], "a/"), rest[split + 3 :]


def _unquote(name: str) -> str:
    """Undo git's C-style quoting (``"a/na\\303\\257ve"``); unquoted names pass through."""
    if not name.startswith('"'):
        return name
    return _unquote_at(name, 0)[0]


def _unquote_at(s: str, i: int) -> tuple[str, int]:
    out = bytearray()
    i += 1
    while i < len(s):
        ch = s[i]
        if ch == '"':
            return out.decode("utf-8", "surrogateescape"), i + 1
        if ch == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt in "01234567":
                digits = s[i + 1 : i + 4]
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
                continue
            out += _C_ESCAPES.get(nxt, nxt).encode()
            i += 2
            continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape"), i
