"""Database schema of a repository at any revision, and the diff between two of them.

Every reader of ``schema_readers.all_readers()`` (one module per stack: SQLAlchemy, Django, Alembic,
Prisma, SQL migrations, TypeORM…) reads the repository's own files (not vendored, generated or test
files) and returns a ``SchemaPart``, either from **models** (classes that declare tables) or from
**migrations** (a history replayed oldest first; standalone DDL files such as ``schema.sql`` count as
migrations when no migration history exists). The parts are combined:

- every table says which file declares it (``source``) and which side (``origin``);
- when both sides know a table, its columns are the union: the migrations' definition of a column wins
  (it is what the database has), a column only the models declare is added (what the code expects);
  indexes and foreign keys are the union too. A table on one side only is kept as it is;
- each disagreement (a table or a column on one side only) is a ``Drift`` entry;
- a schema dump the migration tool writes (Rails' ``db/schema.rb``, ``migrations_dump``) leads the
  migrations side: its tables come first and the migrations add only what it lacks;
- a document store's collections (Mongoose, ``kind="collection"``) are listed but never drift;
- a part marked ``authoritative`` (a Prisma schema) leads the models side (its definition of a table
  wins) and the migrations of the repository then add no tables, they only feed drift; other model
  readers of the same repository (TypeORM entities, a Drizzle schema) still add their tables;
- every reader's warnings end up in ``Schema.warnings``.

``schema_at(root, rev)`` reads files at ``rev`` through git, so the same code describes HEAD, the
working tree or the state before a phase. Parsed facts are cached by git blob id (``readers.CACHE``),
and each reader's combined result by the blob ids of all its files, so a re-read after one file changed
parses that file only and rebuilds only its reader. ``diff_schemas`` lists the changes with the kinds
of DESIGN §4 and marks destructive ones: dropped tables and columns, narrowing type changes, a new NOT
NULL column without default on a table that already existed, removed enum values.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from typing import Any

from phasegate.app.analyzers._files import (
    RevTree,
    Tree,
    WorkTree,
    is_own_code,
    open_tree,
)
from phasegate.app.analyzers.bulk import bulk_read
from phasegate.app.analyzers.readers import (
    MAX_SOURCE,
    ParseCache,
    Reader,
    SourceWarning,
    blob_id,
    extension,
    extension_index,
    grep_pathspecs,
    holds_keyword,
    keyword_misses,
    keyword_search,
)
from phasegate.app.analyzers.schema_model import (
    Column,
    Drift,
    EnumType,
    ForeignKey,
    Index,
    Schema,
    SchemaChange,
    SchemaPart,
    Table,
)
from phasegate.app.git.trees import read_fd

__all__ = [
    "Column", "Drift", "EnumType", "ForeignKey", "Index", "Schema", "SchemaChange", "Table",
    "schema_at", "schema_from_tree", "schema_from_parts", "refresh_schema", "diff_schemas", "is_narrowing",
]


def _own(path: str) -> bool:
    return is_own_code(path)


# Which readers want a path, by readers (``id``) and path: the answer depends on the path alone, so a
# re-read of a 50,000-file tree asks each reader once per new path, not once per read.
_WANTS: dict[int, dict[str, tuple[int, ...]]] = {}
_WANTS_SIZE = 500_000
# A reader's built part by (reader, version, the (path, blob) of every file it parsed).
_BUILT: OrderedDict[tuple[Any, ...], SchemaPart] = OrderedDict()
_BUILT_SIZE = 256


# The readers' ``wants`` and their index by extension, by ``id(readers)`` (the tuple is kept alive by
# ``all_readers``' cache or the caller): hashing the tuple itself hashes every Reader's fields.
_INDEX: dict[int, tuple[tuple[Reader[Any, SchemaPart], ...], tuple[Any, ...], dict[str, tuple[int, ...]],
                       tuple[int, ...]]] = {}


def _index(readers: tuple[Reader[Any, SchemaPart], ...]) -> tuple[tuple[Any, ...], dict[str, tuple[int, ...]],
                                                                   tuple[int, ...]]:
    entry = _INDEX.get(id(readers))
    if entry is None or entry[0] is not readers:
        entry = (readers, tuple(r.wants for r in readers), *extension_index(readers))
        _INDEX[id(readers)] = entry
    return entry[1], entry[2], entry[3]


def _wants_memo(readers: tuple[Reader[Any, SchemaPart], ...], paths: list[str]) -> dict[str, tuple[int, ...]]:
    """The memo of which readers want a path, holding every one of ``paths`` (the new ones asked now)."""
    memo = _WANTS.get(id(readers))
    if memo is None or len(memo) > _WANTS_SIZE:
        memo = _WANTS[id(readers)] = {}
    new = [p for p in paths if p not in memo]
    if new:
        _ask(readers, new, memo)
    return memo


def _ask(readers: tuple[Reader[Any, SchemaPart], ...], paths: list[str], memo: dict[str, tuple[int, ...]]) -> None:
    """Record in ``memo`` which readers want each of ``paths``: grouped by extension, each reader that
    declares it is asked about the group at once (per path and reader, the bookkeeping cost more than the
    readers' own tests on a 50,000-file listing)."""
    wants, by_ext, always = _index(readers)
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(extension(path), []).append(path)
    for ext, group in groups.items():
        found: dict[str, tuple[int, ...]] = dict.fromkeys(group, ())
        for i in by_ext.get(ext, always):  # in reader order, as the tuples list them
            want = wants[i]
            for path in group:
                if want(path):
                    found[path] += (i,)
        for path, wanting in found.items():
            if wanting and not _own(path):  # the path tests last: most paths no reader wants
                found[path] = ()
        memo.update(found)


def _wanting(readers: tuple[Reader[Any, SchemaPart], ...], path: str) -> tuple[int, ...]:
    return _wants_memo(readers, [path])[path]


# The wanted paths of a whole listing, by a digest of the listing: a re-read of an unchanged file list
# (the usual case after a phase's write) skips asking about 50,000 paths one by one.
_WANTED_LISTS: OrderedDict[tuple[int, str], list[tuple[str, tuple[int, ...]]]] = OrderedDict()


def _wanted(readers: tuple[Reader[Any, SchemaPart], ...], paths: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    digest = hashlib.sha1("\0".join(paths).encode("utf-8", "surrogateescape")).hexdigest()
    key = (id(readers), digest)
    found = _WANTED_LISTS.get(key)
    if found is None:
        memo = _wants_memo(readers, paths)
        found = [(p, w) for p in paths if (w := memo[p])]
        _WANTED_LISTS[key] = found
        while len(_WANTED_LISTS) > 16:
            _WANTED_LISTS.popitem(last=False)
    return found


# Working-tree files by path: (mtime_ns, size, inode) when last read, and the blob id of that content.
# Like git's index: a file whose stat is unchanged is not read again. A file modified within the second
# of its recording is not trusted (its mtime may not have moved), so it is re-read until it settles.
_STATS: dict[str, tuple[int, int, int, str]] = {}
_RACY_NS = 1_000_000_000
# The last read of each working tree: every reader's parsed facts and blob ids, and the read warnings;
# ``refresh_schema`` starts from it and looks at the changed paths only.
_STATE: dict[tuple[str, int], tuple[list[dict[str, Any]], list[dict[str, str]], list[SourceWarning]]] = {}


def _known_blob(tree: Tree, known: dict[str, str], path: str,
                changed: set[str] | None) -> tuple[str | None, Any]:
    """The blob id of ``path`` without reading it, when that is safe; and its stat for recording.

    ``changed`` (from ``refresh_schema``) names every path written since the last read: the others are
    taken as they were without a stat.
    """
    blob = known.get(path)
    if blob is not None or not isinstance(tree, WorkTree):
        return blob, None
    full = f"{tree.root}/{path}"
    entry = _STATS.get(full)
    if entry is None:
        return None, None  # never read: the read itself takes the stat (``_read_work``)
    if changed is not None and path not in changed:
        return entry[3], None
    try:
        st = os.stat(full)
    except OSError:
        return None, None
    if entry is not None and entry[:3] == (st.st_mtime_ns, st.st_size, st.st_ino):
        return entry[3], st
    return None, st


def _read_work(full: str, limit: int) -> tuple[bytes | None, Any]:
    """A working-tree file's first ``limit`` bytes and its stat, from one open (as ``WorkTree.read``)."""
    try:
        fd = os.open(full, os.O_RDONLY)
    except OSError:
        return None, None
    try:
        st = os.fstat(fd)
        return read_fd(fd, limit, st.st_size), st
    except OSError:
        return None, None
    finally:
        os.close(fd)


# Working-tree files found without any keyword of their readers, by path: (mtime_ns, size, inode) then,
# and the patterns searched. Like ``_STATS``: an unchanged file is not searched again.
_NO_KEYWORDS: dict[str, tuple[int, int, int, int]] = {}
_PREFILTER_MIN = 400  # fewer files to decide: reading them costs less than starting ``git grep`` (measured)


def _prefilter(tree: Tree, readers: tuple[Reader[Any, SchemaPart], ...], todo: list[tuple[str, tuple[int, ...]]],
               known: dict[str, str], cache: ParseCache, started: list[str] | None = None,
               begun_ns: int | None = None) -> set[str]:
    """The paths of ``todo`` not to read: every reader that wants one declares keywords (``Reader.keywords``)
    and the file holds none of them, so each would parse it to None without a warning.

    One ``git grep -l`` of all the keywords answers for every file not known yet. At a revision the
    answer becomes the cache entries a parse would have left (None by blob id), so the read loop finds
    them; in the working tree the skipped paths are returned (and their stat kept in ``_NO_KEYWORDS``).
    Files git does not grep as they are read (symlinks, assume-unchanged, skip-worktree, conflicted) and
    files over ``MAX_SOURCE`` (a warning today) are read as before. ``started``: the pathspecs of the
    search ``Tree.start_grep`` began (``read_parts``) and when (``time.time_ns()``), for the stat memo.
    """
    if not any(r.has_keywords for r in readers):
        return set()
    eligible: list[tuple[str, tuple[int, ...]]] = []
    # per distinct ``wanting`` (a handful for 50,000 paths): None when a reader has no keywords, else the
    # readers whose ``keywordless`` test must still be asked about each path
    plans: dict[tuple[int, ...], tuple[Any, ...] | None] = {}
    for path, wanting in todo:
        if wanting in plans:
            tests = plans[wanting]
        else:
            tests = plans[wanting] = (tuple(readers[i].keywordless for i in wanting if readers[i].keywordless)
                                      if all(readers[i].has_keywords for i in wanting) else None)
        if tests is not None and (not tests or not any(test(path) for test in tests)):
            eligible.append((path, wanting))
    work = isinstance(tree, WorkTree)
    words, nocase = keyword_search(readers)
    patterns_key = hash((tuple(words), nocase))
    skip: set[str] = set()
    unknown: list[tuple[str, tuple[int, ...]]] = []
    root = f"{tree.root}/"
    if work and not known and not _STATS and not _NO_KEYWORDS:
        unknown, eligible = eligible, []  # nothing read or searched in this process yet: all undecided
    for path, wanting in eligible:
        blob = known.get(path)
        if blob is not None:
            if all(cache.get((readers[i].name, readers[i].version, path, blob))[0] for i in wanting):
                continue  # the read loop answers from the cache
        elif work:
            full = root + path
            if full in _STATS:
                continue  # read before: the read loop's stat decides
            memo = _NO_KEYWORDS.get(full)
            if memo is not None:
                try:
                    st = os.stat(full)
                except OSError:
                    st = None
                if st is not None and memo == (st.st_mtime_ns, st.st_size, st.st_ino, patterns_key):
                    skip.add(path)
                    continue
        unknown.append((path, wanting))
    if isinstance(tree, RevTree):
        unknown = _decide_read_ahead(tree, readers, unknown, known, cache, words, nocase)
    if len(unknown) < _PREFILTER_MIN and started is None:  # (a search begun already costs nothing more)
        return skip
    searched_ns = begun_ns if begun_ns is not None else time.time_ns()
    misses = keyword_misses(tree, [p for p, _ in unknown], words, nocase, known, started)
    if work:
        spared = [path for path, _ in misses]
        skip.update(spared)
        _remember_spared(root, spared, searched_ns, patterns_key)
    else:
        wanted = dict(unknown)
        for path, _ in misses:
            for i in wanted[path]:
                cache.put((readers[i].name, readers[i].version, path, known[path]), None)  # what ``parse`` gives
    return skip


# The stat memo of the files a search spared is taken after the read, in a daemon thread: their ``lstat``
# was 0.09 s of a 0.65 s cold read of the bench repository, and only the next read needs it, which waits
# for it first (``_settle_memo``).
_MEMO_PENDING: list[threading.Thread] = []


def _remember_spared(root: str, paths: list[str], searched_ns: int, patterns_key: int) -> None:
    """Put the files of ``paths`` (under ``root``, a search at ``searched_ns`` found none of the keywords in
    them) in ``_NO_KEYWORDS`` by their stat, in the background. Only files unchanged since a second before
    the search are: a later write or a file moved in has a newer mtime or ctime."""
    settled_ns = searched_ns - _RACY_NS

    def remember() -> None:
        lstat, is_regular, memo = os.lstat, stat.S_ISREG, _NO_KEYWORDS
        for path in paths:
            try:
                st = lstat(root + path)
            except OSError:
                continue
            if st.st_mtime_ns < settled_ns and st.st_ctime_ns < settled_ns and is_regular(st.st_mode):
                memo[root + path] = (st.st_mtime_ns, st.st_size, st.st_ino, patterns_key)
        if len(memo) > 500_000:
            memo.clear()

    thread = threading.Thread(target=remember, name="phasegate-spared-stats", daemon=True)
    thread.start()
    _MEMO_PENDING.append(thread)


def _settle_memo() -> None:
    """Wait for the stat memo a previous read is still filling (``_remember_spared``)."""
    while _MEMO_PENDING:
        _MEMO_PENDING.pop().join()


def _decide_read_ahead(tree: RevTree, readers: tuple[Reader[Any, SchemaPart], ...],
                       unknown: list[tuple[str, tuple[int, ...]]], known: dict[str, str], cache: ParseCache,
                       words: list[str], nocase: bool) -> list[tuple[str, tuple[int, ...]]]:
    """The files of ``unknown`` already in memory (``prefetch_blobs``: a review's changed files) are looked
    at here, as ``git grep -F`` would (bytes; ``-i`` is ASCII case folding): one without any keyword gets
    the cache entries its parse would leave. A ``git grep`` of a whole revision for them cost 0.45 s of a
    2,000-file review. Returns the files still to decide."""
    rest: list[tuple[str, tuple[int, ...]]] = []
    for path, wanting in unknown:
        have, data = tree.prefetched(path)
        blob = known.get(path)
        if not have or blob is None:
            rest.append((path, wanting))
            continue
        if data is None or len(data) > MAX_SOURCE:
            continue  # the read loop finds nothing, or warns
        if holds_keyword(data, words, nocase):
            continue  # the read loop parses it
        for i in wanting:
            cache.put((readers[i].name, readers[i].version, path, blob), None)  # what ``parse`` gives
    return rest


def _may_hold_facts(tree: Tree, readers: tuple[Reader[Any, SchemaPart], ...], wanting: tuple[int, ...],
                    path: str) -> bool:
    """Whether a file too large to parse could have given its readers facts: unless every one of them needs
    a keyword and the whole file holds none (as the pre-filter's ``git grep`` decides for the files it
    spares, so a read with the pre-filter and one without it warn about the same files)."""
    if not all(readers[i].needs_keyword(path) for i in wanting):
        return True
    data = tree.read(path, None)
    words, nocase = keyword_search(readers)
    return data is None or holds_keyword(data, words, nocase)


def begin_keyword_search(tree: Tree, readers: tuple[Reader[Any, SchemaPart], ...] | None = None) -> list[str] | None:
    """Begin the ``git grep`` of the schema readers' keywords (``Tree.start_grep``) for a first read of
    ``tree``: the working tree never read in this process, or a revision not listed yet (or whose search a
    caller began already, as ``review_range`` does for its head), unless files of it were read ahead. Returns the search's pathspecs, or None
    when none was begun (a re-read is answered by the stat memo or the parse cache instead)."""
    if readers is None:
        from phasegate.app.analyzers.schema_readers import all_readers

        readers = all_readers()
    if not any(r.has_keywords for r in readers):
        return None
    words, nocase = keyword_search(readers)
    pathspecs = grep_pathspecs(readers)
    if isinstance(tree, WorkTree):
        if (str(tree.root), id(readers)) in _STATE:
            return None
    elif not isinstance(tree, RevTree):
        return None
    elif not tree.grep_begun(words, pathspecs, nocase) and (tree.listed() or tree.has_prefetched()):
        return None  # a re-read (the cache answers), or files read ahead (decided in memory: a review's base)
    tree.start_grep(words, pathspecs, nocase)
    return pathspecs


@bulk_read()
def read_parts(tree: Tree, readers: tuple[Reader[Any, SchemaPart], ...] | None = None,
               cache: ParseCache | None = None, changed: set[str] | None = None,
               ) -> tuple[list[SchemaPart], list[SourceWarning]]:
    """Every reader's part of ``tree``; each wanted file is read once (or not at all when cached)."""
    if readers is None:
        from phasegate.app.analyzers.schema_readers import all_readers

        readers = all_readers()
    if cache is None:
        from phasegate.app.analyzers import readers as readers_module

        cache = readers_module.CACHE  # looked up now: a caller (the bench) may swap it
    _settle_memo()
    warnings: list[SourceWarning] = []
    parsed: list[dict[str, Any]] = [{} for _ in readers]
    keys: list[dict[str, str]] = [{} for _ in readers]
    state_key = (str(tree.root), id(readers))
    previous = _STATE.get(state_key) if changed is not None else None
    begun_ns = time.time_ns()
    # the pathspecs of a keyword search begun now, before the listing (a first read only)
    started = begin_keyword_search(tree, readers) if previous is None else None
    known = tree.blob_ids()
    if previous is not None:
        # only the changed paths are looked at; everything else is as the last read left it
        parsed = [dict(d) for d in previous[0]]
        keys = [dict(d) for d in previous[1]]
        warnings = [w for w in previous[2] if w.path not in changed]  # type: ignore[operator]
        for i in range(len(readers)):
            for path in changed:  # type: ignore[union-attr]
                parsed[i].pop(path, None)
                keys[i].pop(path, None)
        # a changed path that no longer exists is not read (``_read_work`` finds nothing)
        todo = [(p, w) for p in sorted(changed) if (w := _wanting(readers, p))]  # type: ignore[arg-type]
    else:
        # A first read: its keyword search runs beside the listing and the readers' choice of files, and
        # files are read in order while it runs (docs/performance.md)
        todo = _wanted(readers, tree.paths())
    skip: set[str] | None = set()
    if previous is None:
        skip = None if started is not None else _prefilter(tree, readers, todo, known, cache)
    for n, (path, wanting) in enumerate(todo):
        if skip is None and not (n & 31) and not tree.grep_pending():
            skip = _prefilter(tree, readers, todo[n:], known, cache, started, begun_ns)
        if skip is not None and path in skip:
            continue
        blob, st = _known_blob(tree, known, path, changed)
        if blob is not None:
            hits = [cache.get((readers[i].name, readers[i].version, path, blob)) for i in wanting]
            if all(hit for hit, _ in hits):
                for i, (_, facts) in zip(wanting, hits, strict=True):
                    if facts is not None:
                        parsed[i][path] = facts
                        keys[i][path] = blob
                continue
        if isinstance(tree, WorkTree):
            data, st = _read_work(f"{tree.root}/{path}", MAX_SOURCE + 1)
        else:
            data = tree.read(path, MAX_SOURCE + 1)
        if data is None:
            continue
        if len(data) > MAX_SOURCE:
            if not _may_hold_facts(tree, readers, wanting, path):
                continue  # holds none of the keywords its readers need: no fact, whatever its size
            warnings.append(SourceWarning(path=path, reason=f"larger than {MAX_SOURCE // 1024} KiB, not read"))
            continue
        blob = blob_id(data)
        if isinstance(tree, WorkTree):
            if st is not None and (changed is not None or time.time_ns() - st.st_mtime_ns > _RACY_NS):
                _STATS[f"{tree.root}/{path}"] = (st.st_mtime_ns, st.st_size, st.st_ino, blob)
        text: str | None = None
        for i in wanting:
            reader = readers[i]
            key = (reader.name, reader.version, path, blob)
            hit, facts = cache.get(key)
            if not hit:
                if text is None:
                    text = data.decode("utf-8", "replace")
                try:
                    facts = reader.parse(path, text)
                except (RecursionError, ValueError, SyntaxError) as exc:
                    warnings.append(SourceWarning(path=path, reason=f"{reader.name}: could not parse ({exc})"))
                    facts = None
                cache.put(key, facts)
            if facts is not None:
                parsed[i][path] = facts
                keys[i][path] = blob
    if isinstance(tree, WorkTree):
        _STATE[state_key] = (parsed, keys, warnings)
    parts: list[SchemaPart] = []
    for i, reader in enumerate(readers):
        if not parsed[i]:
            continue
        build_key = (reader.name, reader.version, frozenset(keys[i].items()))
        part = _BUILT.get(build_key)
        if part is None:
            part = _interned(reader.name, reader.build(parsed[i]))
            _BUILT[build_key] = part
            while len(_BUILT) > _BUILT_SIZE:
                _BUILT.popitem(last=False)
        else:
            _BUILT.move_to_end(build_key)
        if part.tables or part.enums or part.warnings:
            parts.append(part)
    return parts, warnings


# The last built table of each (reader, table name): a rebuilt part whose table came out equal reuses
# the previous object, so the combination memo (``_COMBINED``) still knows it.
_INTERN: dict[tuple[str, str], Table] = {}


def _interned(reader: str, part: SchemaPart) -> SchemaPart:
    for i, table in enumerate(part.tables):
        key = (reader, table.name.lower())
        previous = _INTERN.get(key)
        # a memoised reader (SQLAlchemy's per-class tables) returns the same object: no deep comparison
        if previous is not None and (previous is table or previous == table):
            part.tables[i] = previous
        else:
            _INTERN[key] = table
    if len(_INTERN) > 100_000:
        _INTERN.clear()
    return part


def schema_from_tree(tree: Tree) -> Schema:
    """The schema described by the files of ``tree`` (see the module docstring for how parts combine)."""
    parts, warnings = read_parts(tree)
    schema = schema_from_parts(parts)
    schema.warnings[:0] = warnings
    return schema


def _copy_table(table: Table, origin: str, source: str | None) -> Table:
    """A copy the merge may change (its lists are new) that shares the cached part's columns (never changed)."""
    return table.model_copy(update={
        "columns": list(table.columns), "indexes": list(table.indexes), "foreign_keys": list(table.foreign_keys),
        "origin": table.origin or origin, "source": table.source or source})


def _side(parts: list[SchemaPart]) -> tuple[dict[str, tuple[Table, str, str | None]], list[EnumType]]:
    """The tables of one side, uncopied, with their part's origin and first source; a later part's table
    of the same name adds what the earlier one lacked."""
    tables: dict[str, tuple[Table, str, str | None]] = {}
    enums: list[EnumType] = []
    for part in parts:
        source = part.sources[0] if part.sources else None
        for table in part.tables:
            key = table.name.lower()
            if key in tables:
                base, origin, first = tables[key]
                merged = _copy_table(base, origin, first)
                _merge_into(merged, _copy_table(table, part.origin, source), prefer_new=False)
                tables[key] = (merged, origin, first)
            else:
                tables[key] = (table, part.origin, source)
        enums += [e.model_copy(update={"values": list(e.values)}) for e in part.enums]
    return tables, enums


def _merge_into(base: Table, other: Table, prefer_new: bool) -> None:
    """Add ``other``'s columns, indexes and foreign keys to ``base``; ``prefer_new`` replaces shared columns."""
    have = {c.name.lower(): i for i, c in enumerate(base.columns)}
    for col in other.columns:
        index = have.get(col.name.lower())
        if index is None:
            have[col.name.lower()] = len(base.columns)
            base.columns.append(col)
        elif prefer_new:
            base.columns[index] = col
    have_ix = {(tuple(c.lower() for c in ix.columns), ix.unique) for ix in base.indexes}
    base.indexes += [ix for ix in other.indexes if (tuple(c.lower() for c in ix.columns), ix.unique) not in have_ix]
    have_fk = {(tuple(c.lower() for c in fk.columns), fk.ref_table.lower()) for fk in base.foreign_keys}
    base.foreign_keys += [fk for fk in other.foreign_keys
                          if (tuple(c.lower() for c in fk.columns), fk.ref_table.lower()) not in have_fk]
    base.columns_known = base.columns_known or other.columns_known


# Combined tables by the identity of the tables they come from: a re-read after one change rebuilds only
# the tables whose inputs are new objects (unchanged parts and memoised readers return the same ones).
# Values keep their inputs alive, so an id is never reused while its entry exists.
_COMBINED: dict[tuple[int, int], tuple[Any, Any, Table, list[Drift]]] = {}


def _combine(model: tuple[Table, str, str | None] | None, migrated: tuple[Table, str, str | None] | None,
             drift_wanted: bool) -> tuple[Table, list[Drift]]:
    key = (id(model[0]) if model else 0, id(migrated[0]) if migrated else 0)
    memo = _COMBINED.get(key)
    if memo is not None and memo[0] is (model[0] if model else None) and memo[1] is (
            migrated[0] if migrated else None):
        table, drift = memo[2], memo[3]
    else:
        drift = []
        if model is not None and migrated is not None:
            m, mig = _copy_table(*model), _copy_table(*migrated)
            if drift_wanted:
                drift = _table_drift(m, mig)
            if not mig.columns_known and m.columns_known:
                # known by name only in the migrations: the model's columns are the best knowledge
                _merge_into(m, mig, prefer_new=True)
                table = m
            else:
                _merge_into(mig, m, prefer_new=False)
                table = mig
        else:
            only = model or migrated
            assert only is not None
            table = _copy_table(*only)
            if drift_wanted:
                drift = [Drift(table=table.name, kind="table_only_in_models", model_source=table.source)
                         if model is not None else
                         Drift(table=table.name, kind="table_only_in_migrations", migration_source=table.source)]
        if len(_COMBINED) > 50_000:
            _COMBINED.clear()
        _COMBINED[key] = (model[0] if model else None, migrated[0] if migrated else None, table, drift)
    # shared with the memo (and with other reads): a schema's tables are read-only to its users
    return table, drift


@bulk_read()
def schema_from_parts(parts: list[SchemaPart]) -> Schema:
    """Models and migrations combined (see the module docstring), with their drift and warnings."""
    schema = Schema()
    seen_sources: set[str] = set()
    for part in parts:
        for source in part.sources:
            if source not in seen_sources:
                seen_sources.add(source)
                schema.sources.append(source)
        schema.warnings += part.warnings
    model_parts = [p for p in parts if p.origin == "models"]
    authoritative = [p for p in model_parts if p.authoritative]
    # A document store's collections (Mongoose) are not tables a SQL migration creates: they are kept
    # as they are and never compared with the migrations, so they are no drift.
    collection_parts = [p for p in model_parts if p.tables and all(t.kind == "collection" for t in p.tables)]
    model_parts = [p for p in model_parts if p not in collection_parts]
    if authoritative:
        # the authoritative part first, so that a table it shares with another model reader keeps its
        # definition; the other model readers (TypeORM entities beside a Prisma schema) still add theirs
        model_parts = authoritative + [p for p in model_parts if not p.authoritative]
    migration_parts = [p for p in parts if p.origin == "migrations"]
    # Standalone DDL (a schema dump) stands for the migrations only where there is no migration history;
    # a dump the migration tool itself writes (``db/schema.rb``) leads them: old migrations are often
    # deleted, and what it defines is what the database has.
    if not migration_parts:
        migration_parts = [p for p in parts if p.origin == "ddl"]
    else:
        migration_parts = [p for p in parts if p.origin == "ddl" and p.migrations_dump] + migration_parts
    models, model_enums = _side(model_parts)
    migrations, migration_enums = _side(migration_parts)
    drift_wanted = bool(model_parts and migration_parts)
    if authoritative:
        for entry in models.values():
            table, _ = _combine(entry, None, False)
            schema.tables.append(table)
        if drift_wanted:
            for key, entry in models.items():
                schema.drift += _combine(entry, migrations.get(key), True)[1]
            schema.drift += [_combine(None, e, True)[1][0] for k, e in migrations.items() if k not in models]
        schema.enums = model_enums
        _add_collections(schema, collection_parts)
        return schema
    model_drift: list[Drift] = []
    for key, entry in migrations.items():
        table, drift = _combine(models.get(key), entry, drift_wanted)
        schema.tables.append(table)
        if key in models:
            model_drift += drift
        else:
            schema.drift += drift
    for key, entry in models.items():
        if key not in migrations:
            table, drift = _combine(entry, None, drift_wanted)
            schema.tables.append(table)
            model_drift += drift
    schema.drift = model_drift + schema.drift
    _add_collections(schema, collection_parts)
    seen: set[str] = set()
    for enum in migration_enums + model_enums:
        if enum.name not in seen:
            seen.add(enum.name)
            schema.enums.append(enum)
    return schema


def _add_collections(schema: Schema, parts: list[SchemaPart]) -> None:
    taken = {t.name.lower() for t in schema.tables}
    for part in parts:
        for table in part.tables:
            if table.name.lower() not in taken:
                taken.add(table.name.lower())
                schema.tables.append(_copy_table(table, part.origin, part.sources[0] if part.sources else None))


def _table_drift(model: Table, migrated: Table) -> list[Drift]:
    if not migrated.columns_known or not model.columns_known:
        return []
    drift: list[Drift] = []
    model_cols = {c.name.lower() for c in model.columns}
    migrated_cols = {c.name.lower() for c in migrated.columns}
    for col in model.columns:
        if col.name.lower() not in migrated_cols:
            drift.append(Drift(table=model.name, column=col.name, kind="column_only_in_models",
                               model_source=model.source, migration_source=migrated.source))
    for col in migrated.columns:
        if col.name.lower() not in model_cols:
            drift.append(Drift(table=migrated.name, column=col.name, kind="column_only_in_migrations",
                               model_source=model.source, migration_source=migrated.source))
    return drift


class _ListedTree(WorkTree):
    """The working tree with a file list known from the previous read (no git process)."""

    def __init__(self, root: Any, paths: list[str]) -> None:
        super().__init__(root)
        self._paths = paths


_LISTINGS: dict[str, list[str]] = {}


def refresh_schema(root_or_repo: object, changed: list[str] | None = None) -> Schema:
    """The working tree's schema after writes to ``changed`` paths (the live Schema tab's re-read).

    The first call (or ``changed=None``) lists and reads the tree like ``schema_at``. Later calls trust
    that only ``changed`` moved — the tool layer knows what it wrote — so they neither list the tree nor
    stat its other files: one changed model file costs its parse and its reader's rebuild.
    """
    from phasegate.app.analyzers._files import resolve_root

    root = resolve_root(root_or_repo)
    listing = _LISTINGS.get(str(root))
    if changed is None or listing is None:
        tree = open_tree(root)
        try:
            parts, warnings = read_parts(tree)  # first: its keyword search starts before the listing
            listing = list(tree.paths())
            _LISTINGS[str(root)] = listing
        finally:
            tree.close()
    else:
        present = set(listing)
        for path in changed:
            exists = os.path.isfile(os.path.join(root, path))
            if exists and path not in present:
                listing.append(path)
                present.add(path)
            elif not exists and path in present:
                listing.remove(path)
                present.discard(path)
        listing.sort()
        parts, warnings = read_parts(_ListedTree(root, listing), changed=set(changed))
    schema = schema_from_parts(parts)
    schema.warnings[:0] = warnings
    return schema


def schema_at(root_or_repo: object, rev: str | None = None) -> Schema:
    """The schema of a repository's working tree (``rev=None``) or of any revision.

    Its tables are shared with the read caches: treat them as read-only (copy one to change it).
    """
    tree = open_tree(root_or_repo, rev)
    try:
        return schema_from_tree(tree)
    finally:
        tree.close()


# --- type narrowing -------------------------------------------------------------------------------
_INT_RANK = {"TINYINT": 1, "SMALLINT": 2, "INT2": 2, "SMALLSERIAL": 2, "MEDIUMINT": 3, "INT": 4, "INTEGER": 4,
             "INT4": 4, "SERIAL": 4, "BIGINT": 8, "INT8": 8, "BIGSERIAL": 8}
_FLOAT_RANK = {"REAL": 4, "FLOAT4": 4, "FLOAT": 8, "DOUBLE": 8, "DOUBLE PRECISION": 8, "FLOAT8": 8}
_STRING = {"CHAR", "CHARACTER", "VARCHAR", "CHARACTER VARYING", "NVARCHAR", "NCHAR", "TEXT", "STRING",
           "LONGTEXT", "MEDIUMTEXT", "TINYTEXT", "CITEXT", "CLOB"}
_TIME_RANK = {"DATE": 1, "DATETIME": 2, "TIMESTAMP": 2, "TIMESTAMPTZ": 2, "TIMESTAMP WITH TIME ZONE": 2}
_PRISMA = {"INT": "INT", "BIGINT": "BIGINT", "FLOAT": "DOUBLE", "DECIMAL": "DECIMAL", "BOOLEAN": "BOOLEAN",
           "DATETIME": "TIMESTAMP", "STRING": "TEXT", "JSON": "JSON", "BYTES": "BYTEA"}
_UNBOUNDED_STRINGS = {"TEXT", "STRING", "LONGTEXT", "MEDIUMTEXT", "CITEXT", "CLOB"}


def _parse_type(type_: str) -> tuple[str, list[int]]:
    m = re.match(r"\s*([A-Za-z][A-Za-z0-9 ]*?)\s*(?:\(([^)]*)\))?\s*(\[\])?\s*$", type_)
    if not m:
        return type_.upper(), []
    base = re.sub(r"\s+", " ", m.group(1).upper())
    if base == "UNSIGNED INT":
        base = "INT"
    params = [int(p) for p in re.findall(r"\d+", m.group(2) or "")]
    return base + ("[]" if m.group(3) else ""), params


def _family(base: str) -> str:
    if base in _INT_RANK:
        return "int"
    if base in _FLOAT_RANK:
        return "float"
    if base in ("DECIMAL", "NUMERIC", "MONEY"):
        return "decimal"
    if base in _STRING:
        return "string"
    if base in _TIME_RANK:
        return "time"
    return base


def is_narrowing(before: str, after: str) -> bool:
    """True unless the change from ``before`` to ``after`` provably keeps every existing value."""
    b_base, b_params = _parse_type(before)
    a_base, a_params = _parse_type(after)
    b_base, a_base = _PRISMA.get(b_base, b_base), _PRISMA.get(a_base, a_base)
    if (b_base, b_params) == (a_base, a_params):
        return False
    bf, af = _family(b_base), _family(a_base)
    if af == "string":
        if a_base in _UNBOUNDED_STRINGS or not a_params:
            return False  # text holds anything's textual form
        if bf == "string":
            return b_base in _UNBOUNDED_STRINGS or not b_params or a_params[0] < b_params[0]
        return True
    if bf != af:
        if bf == "int" and af in ("float", "decimal"):
            return af == "float" and _FLOAT_RANK.get(a_base, 8) < 8
        return True
    if bf == "int":
        return _INT_RANK[a_base] < _INT_RANK[b_base]
    if bf == "float":
        return _FLOAT_RANK[a_base] < _FLOAT_RANK[b_base]
    if bf == "decimal":
        if not a_params:
            return False
        if not b_params:
            return True
        b_scale = b_params[1] if len(b_params) > 1 else 0
        a_scale = a_params[1] if len(a_params) > 1 else 0
        return a_params[0] - a_scale < b_params[0] - b_scale or a_scale < b_scale
    if bf == "time":
        return _TIME_RANK[a_base] < _TIME_RANK[b_base]
    return True


def _norm_type(type_: str) -> str:
    base, params = _parse_type(type_)
    base = {"INTEGER": "INT", "INT4": "INT", "INT8": "BIGINT", "CHARACTER VARYING": "VARCHAR"}.get(base, base)
    return base + (f"({','.join(map(str, params))})" if params else "")


def _has_implicit_default(col: Column) -> bool:
    base = _parse_type(col.type)[0]
    return "SERIAL" in base or (col.default or "").lower().startswith(("autoincrement", "nextval"))


# --- diff -----------------------------------------------------------------------------------------
def diff_schemas(a: Schema, b: Schema) -> list[SchemaChange]:
    """Changes that turn schema ``a`` into schema ``b``, table by table, then enums."""
    changes: list[SchemaChange] = []
    a_tables = {t.name.lower(): t for t in a.tables}
    b_tables = {t.name.lower(): t for t in b.tables}
    for key, table in b_tables.items():
        if key not in a_tables:
            changes.append(SchemaChange(kind="table_added", table=table.name, after=table.model_dump()))
    for key, table in a_tables.items():
        if key not in b_tables:
            changes.append(SchemaChange(kind="table_removed", table=table.name, before=table.model_dump(),
                                        destructive=True))
    for key, old in a_tables.items():
        new = b_tables.get(key)
        if new is not None:
            changes.extend(_diff_table(old, new))
    a_enums = {e.name: e for e in a.enums}
    b_enums = {e.name: e for e in b.enums}
    for name, enum in b_enums.items():
        if name not in a_enums:
            changes.append(SchemaChange(kind="enum_added", table=None, after=enum.model_dump()))
        elif a_enums[name].values != enum.values:
            removed = set(a_enums[name].values) - set(enum.values)
            changes.append(SchemaChange(kind="enum_changed", before=a_enums[name].model_dump(),
                                        after=enum.model_dump(), destructive=bool(removed)))
    for name, enum in a_enums.items():
        if name not in b_enums:
            changes.append(SchemaChange(kind="enum_removed", before=enum.model_dump()))
    return changes


def _diff_table(old: Table, new: Table) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    old_cols = {c.name.lower(): c for c in old.columns}
    new_cols = {c.name.lower(): c for c in new.columns}
    for key, col in new_cols.items():
        if key not in old_cols:
            risky = not col.nullable and col.default is None and not _has_implicit_default(col)
            changes.append(SchemaChange(kind="column_added", table=new.name, column=col.name,
                                        after=col.model_dump(), destructive=risky))
    for key, col in old_cols.items():
        if key not in new_cols:
            changes.append(SchemaChange(kind="column_removed", table=new.name, column=col.name,
                                        before=col.model_dump(), destructive=True))
    for key, before in old_cols.items():
        after = new_cols.get(key)
        if after is None:
            continue
        type_changed = _norm_type(before.type) != _norm_type(after.type)
        other_changed = (before.nullable, before.default, before.primary_key, before.unique) != (
            after.nullable, after.default, after.primary_key, after.unique)
        if type_changed or other_changed:
            changes.append(SchemaChange(
                kind="column_changed", table=new.name, column=after.name,
                before=before.model_dump(), after=after.model_dump(),
                destructive=type_changed and is_narrowing(before.type, after.type),
            ))

    def ix_key(ix: Index) -> tuple[tuple[str, ...], bool]:
        return tuple(c.lower() for c in ix.columns), ix.unique

    old_ix = {ix_key(ix): ix for ix in old.indexes}
    new_ix = {ix_key(ix): ix for ix in new.indexes}
    changes += [SchemaChange(kind="index_added", table=new.name, column=", ".join(ix.columns), after=ix.model_dump())
                for k, ix in new_ix.items() if k not in old_ix]
    changes += [SchemaChange(kind="index_removed", table=new.name, column=", ".join(ix.columns),
                             before=ix.model_dump()) for k, ix in old_ix.items() if k not in new_ix]

    def fk_key(fk: ForeignKey) -> tuple[object, ...]:
        return (tuple(c.lower() for c in fk.columns), fk.ref_table.lower(), tuple(c.lower() for c in fk.ref_columns))

    old_fk = {fk_key(fk): fk for fk in old.foreign_keys}
    new_fk = {fk_key(fk): fk for fk in new.foreign_keys}
    changes += [SchemaChange(kind="fk_added", table=new.name, column=", ".join(fk.columns), after=fk.model_dump())
                for k, fk in new_fk.items() if k not in old_fk]
    changes += [SchemaChange(kind="fk_removed", table=new.name, column=", ".join(fk.columns), before=fk.model_dump())
                for k, fk in old_fk.items() if k not in new_fk]
    return changes
