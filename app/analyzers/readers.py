"""The reader protocol shared by the schema and API analyzers, and its parse cache.

A reader understands one stack (SQLAlchemy models, Alembic revisions, TypeORM entities, FastAPI
routes…). It is three pure functions:

- ``wants(path)``: a cheap test on the path alone (suffix, folder), to pick candidate files;
- ``parse(path, text)``: the facts of one file, or None when the file is not of this stack. Results
  are cached by the file's git blob id, so a re-read after a phase's write parses only what changed;
  they must therefore depend on nothing but the path and the text;
- ``build(parsed)``: combine the facts of every file it parsed (ordering migrations, resolving
  router prefixes across files…) into the reader's result.

Readers parse (``ast``, tree-sitter, sqlglot, XML/YAML/JSON parsers); they never import or run the
user's code. Anything they cannot read becomes a ``SourceWarning`` with its file and line.
"""

from __future__ import annotations

import functools
import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from phasegate.app.analyzers._files import RevTree, Tree, WorkTree
from phasegate.app.git.trees import blob_id

F = TypeVar("F")
R = TypeVar("R")

MAX_SOURCE = 2 * 1024 * 1024  # bytes read per source file; a larger one is a warning, not a silent cut


class SourceWarning(BaseModel):
    """Something a reader could not read: a file, a statement, a declaration."""

    path: str
    line: int | None = None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Reader(Generic[F, R]):
    name: str
    wants: Callable[[str], bool]
    parse: Callable[[str, str], F | None]
    build: Callable[[dict[str, F]], R]
    version: int = 1  # bump when ``parse`` changes what it returns, so cached facts are not reused
    # What ``wants`` can accept, declared so that an analyzer asks it only about candidate paths: a path
    # is a candidate when its ``extension`` is one of ``suffixes`` (lower case, with the dot). Empty means
    # "ask about every path". A declaration must never be narrower than ``wants`` itself
    # (tests/services/analyzers/test_reader_index.py checks every reader on a list of paths).
    suffixes: frozenset[str] = frozenset()
    # Words of which a file's text holds at least one whenever ``parse`` may return facts or raise: a file
    # with none of them is not read at all (one ``git grep -l`` finds the others: ``schema.read_parts``,
    # ``api._read_all``).
    # ``keywords`` match exactly, ``keywords_nocase`` in any ASCII case (``parse`` tests ``text.lower()``);
    # ``keywordless(path)`` names the paths ``parse`` may read without any (a path-based test).
    # Both empty: every wanted file is read. Every parse of the analyzer tests checks them
    # (tests/support/reader_keywords.py; test_reader_keywords.py, test_api_keywords.py).
    keywords: tuple[str, ...] = ()
    keywords_nocase: tuple[str, ...] = ()
    keywordless: Callable[[str], bool] | None = None

    @property
    def has_keywords(self) -> bool:
        return bool(self.keywords or self.keywords_nocase)

    def needs_keyword(self, path: str) -> bool:
        """Whether ``parse`` finds nothing in a file of ``path`` that holds none of the keywords."""
        return self.has_keywords and (self.keywordless is None or not self.keywordless(path))

    def may_parse(self, path: str, text: str) -> bool:
        """False when ``text`` holds none of the keywords (and the path needs one): ``parse`` finds nothing."""
        if not self.needs_keyword(path):
            return True
        lower = text.lower()
        return any(k in text for k in self.keywords) or any(k in lower for k in self.keywords_nocase)


def extension(path: str) -> str:
    """Lower-case text from the last dot of a path's last component (``.prisma`` for a dot-file of that
    name too), ``""`` without a dot: the key under which readers declare the paths they may want."""
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def extension_index(readers: tuple[Reader[Any, Any], ...]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """For ``readers``: by extension, the indices of the readers that may want a path of it (in order),
    and those of the readers declaring nothing (every other extension's). Most paths of a big repository
    (docs, assets, languages no reader reads) then ask no reader at all."""
    always = tuple(i for i, r in enumerate(readers) if not r.suffixes)
    by_ext: dict[str, tuple[int, ...]] = {}
    for ext in {e for r in readers for e in r.suffixes}:
        by_ext[ext] = tuple(i for i, r in enumerate(readers) if not r.suffixes or ext in r.suffixes)
    return by_ext, always


def keyword_search(readers: Iterable[Reader[Any, Any]]) -> tuple[list[str], bool]:
    """Every keyword of ``readers`` (fixed strings for ``git grep -F``), and whether to match them ignoring
    case: when any reader's keyword is case-insensitive, all are (a superset of the files, so still
    safe; ``git grep -F -i`` is as fast as ``-F``, an ``-E`` of bracket expressions twice as slow)."""
    words: dict[str, None] = {}
    nocase = False
    for reader in readers:
        words.update(dict.fromkeys(reader.keywords))
        words.update(dict.fromkeys(reader.keywords_nocase))
        nocase = nocase or bool(reader.keywords_nocase)
    return list(words), nocase


def grep_pathspecs(readers: Iterable[Reader[Any, Any]], extra: Iterable[str] = ()) -> list[str]:
    """``*.py``-style pathspecs of every suffix the keyword-declaring ``readers`` declare (and ``extra``),
    for a search begun before the files are listed; none (the whole tree) when one of them declares none."""
    suffixes = set(extra)
    for reader in readers:
        if reader.has_keywords:
            if not reader.suffixes:
                return []
            suffixes |= reader.suffixes
    return sorted("*" + x for x in suffixes)


def keyword_misses(tree: Tree, paths: list[str], words: list[str], nocase: bool, known: dict[str, str],
                   started: list[str] | None = None, stats: dict[str, os.stat_result] | None = None,
                   ) -> list[tuple[str, os.stat_result | None]]:
    """Of ``paths``, the files holding none of ``words``, found with one ``git grep -l -F`` (``Tree.grep_files``);
    empty when git cannot tell. Each comes with its working-tree ``lstat`` where one was taken (an untracked
    file searched with ``--untracked``), else None.

    Left out, so that they are read as before: files git does not grep as they are read (symlinks and
    submodules, assume-unchanged, skip-worktree, conflicted: ``Tree.ungreppable``; an untracked file that is
    no regular one), and at a revision files whose blob id is unknown. Their size does not matter: a file
    without any keyword holds no fact whatever its size (a read does not warn about it either:
    ``holds_keyword``). ``started``: the pathspecs of a search begun earlier (``grep_pathspecs``,
    ``Tree.start_grep``), used when they cover ``paths``; ``stats``: working-tree ``lstat`` results taken
    while it ran.
    """
    if not paths:
        if started is not None:
            tree.forget_grep(words, started, nocase)  # nothing left to decide: its answer is not needed
        return []
    names = {path[path.rfind("/") + 1 :] for path in paths}
    suffixes = {name[name.rfind(".") :] if "." in name else "" for name in names}
    # ``*.py`` matches at any depth; anything odd in a suffix and the whole tree is searched instead
    pathspecs = [] if any(not x or set(x) & set("*?[]\\:") for x in suffixes) else sorted("*" + x for x in suffixes)
    if started is not None:
        if not started or (pathspecs and set(pathspecs) <= set(started)):
            pathspecs = started
        else:
            tree.forget_grep(words, started, nocase)  # it does not cover these paths: searched below
    matched = tree.grep_files(words, pathspecs, nocase)
    if matched is None:
        return []
    odd = tree.ungreppable()
    missing = [p for p in paths if p not in matched and p not in odd]
    out: list[tuple[str, os.stat_result | None]] = []
    if isinstance(tree, WorkTree):
        root = f"{tree.root}/"
        taken = stats or {}
        untracked = tree.untracked()
        for path in missing:
            if path not in untracked:
                out.append((path, None))  # tracked: the listing's mode says it is a regular file
                continue
            st = taken.get(path)
            try:
                st = st or os.lstat(root + path)
            except OSError:
                continue  # gone: the read finds nothing either
            if stat.S_ISREG(st.st_mode):
                out.append((path, st))
    elif isinstance(tree, RevTree):
        out = [(path, None) for path in missing if path in known]
    return out


def holds_keyword(data: bytes, words: Sequence[str], nocase: bool) -> bool:
    """Whether ``data`` holds one of ``words`` as ``git grep -F`` (``-i``: ASCII case folding, as git runs
    with ``LC_ALL=C``) would find it, without asking git: for files already in memory, and for a file too
    large to parse (reported only when it may hold facts)."""
    text = data.lower() if nocase else data
    return any(needle in text for needle in _needles(tuple(words), nocase))


@functools.lru_cache(maxsize=16)
def _needles(words: tuple[str, ...], nocase: bool) -> tuple[bytes, ...]:
    encoded = (w.encode("utf-8", "surrogateescape") for w in words)
    return tuple(n.lower() for n in encoded) if nocase else tuple(encoded)


def stats_while_searching(tree: Tree, paths: list[str]) -> dict[str, os.stat_result]:
    """The working-tree ``lstat`` of ``paths``, taken while the tree's begun keyword search runs and until
    it answers: what ``keyword_misses`` needs of the files it spares, off the path after the answer."""
    stats: dict[str, os.stat_result] = {}
    root = f"{tree.root}/"
    for n, path in enumerate(paths):
        if not (n & 255) and not tree.grep_pending():
            break
        try:
            stats[path] = os.lstat(root + path)
        except OSError:
            pass
    return stats


class ParseCache:
    """Parsed facts by (reader, reader version, path, blob id), least recently used dropped first."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, str, str], Any] = OrderedDict()

    def get(self, key: tuple[str, int, str, str]) -> tuple[bool, Any]:
        if key in self._items:
            self._items.move_to_end(key)
            return True, self._items[key]
        return False, None

    def put(self, key: tuple[str, int, str, str], value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


# Every (reader, path) a read asks about has an entry, most of them "not of this stack" (None): a
# 50,000-file repository holds about 200,000 (each Python and TypeScript file is asked by several
# readers). Smaller, the LRU evicts the entries of the next re-read and every file is parsed again.
CACHE = ParseCache(size=500_000)


def run_reader(reader: Reader[F, R], tree: Tree, paths: Iterable[str],
               warnings: list[SourceWarning], cache: ParseCache = CACHE) -> R:
    """Parse every wanted path of ``paths`` with ``reader`` (through the cache) and build the result."""
    parsed: dict[str, F] = {}
    for path in paths:
        if not reader.wants(path):
            continue
        data = tree.read(path, MAX_SOURCE + 1)
        if data is None:
            continue
        if len(data) > MAX_SOURCE:
            warnings.append(SourceWarning(path=path, reason=f"larger than {MAX_SOURCE // 1024} KiB, not read"))
            continue
        key = (reader.name, reader.version, path, blob_id(data))
        hit, facts = cache.get(key)
        if not hit:
            try:
                facts = reader.parse(path, data.decode("utf-8", "replace"))
            except (RecursionError, ValueError, SyntaxError) as exc:
                warnings.append(SourceWarning(path=path, reason=f"{reader.name}: could not parse ({exc})"))
                facts = None
            cache.put(key, facts)
        if facts is not None:
            parsed[path] = facts
    return reader.build(parsed)
