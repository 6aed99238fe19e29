"""The endpoint inventory of a repository at any revision, and the diff between two inventories.

``inventory_at(root, rev)`` runs every endpoint reader of ``api_readers.all_readers()`` over the
repository's own files (not vendored, generated, fixture or test files), merges what they found,
writes every path the same way (``{name}`` parameters, one leading slash, no trailing slash but the
root's) and sorts the endpoints. Committed OpenAPI specs are read as well (``source="spec"``), and
the endpoints the code declares but no spec lists, or the reverse, are the inventory's ``drift``.

``diff_inventories(a, b)`` compares the live code endpoints of two inventories: endpoint added or
removed, method changed, path parameter changed, auth dropped, request or response model changed,
each marked ``breaking`` when a client written against ``a`` can fail against ``b``.

Every file is read once and its blob id computed once; each reader's parse of it is cached by that
blob id (``API_CACHE``, a ``readers.ParseCache``), so a re-read after a phase's write parses only the changed files. For a
revision the blob ids come with the listing, so unchanged files are not even read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from phasegate.app.analyzers._files import (
    RevTree,
    Tree,
    WorkTree,
    is_git_worktree,
    is_own_code,
    open_tree,
    resolve_root,
)
from phasegate.app.analyzers.api_model import ApiChange, ApiDrift, ApiEndpoint, ApiInventory, ApiPart
from phasegate.app.analyzers.bulk import bulk_read
from phasegate.app.analyzers.readers import (
    MAX_SOURCE,
    ParseCache,
    Reader,
    SourceWarning,
    blob_id,
    extension,
    grep_pathspecs,
    holds_keyword,
    keyword_misses,
    keyword_search,
    stats_while_searching,
)
from phasegate.app.errors import PhasegateError

__all__ = ["ApiChange", "ApiDrift", "ApiEndpoint", "ApiInventory", "diff_inventories", "inventory_at",
           "inventory_from_tree", "normalize_path", "path_params"]

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
# Parses by (reader, version, path, blob id). Its own, larger than the schema's: every source file of a
# large repository has an entry per reader that wants it (most of them "not of this stack").
API_CACHE = ParseCache(size=500_000)
_SPEC_READER = "openapi-spec"
_SPEC_VERSION = 1
# an OpenAPI document's head (``openapi.parse_spec_text``'s ``_OPENAPI_HEAD_RE``) names one of these
_SPEC_KEYWORDS = ("openapi", "swagger")
# fewer files to decide than this: reading them costs less than starting ``git grep`` (schema's figure)
_PREFILTER_MIN = 400
# Paths that often declare routes, read first while the keyword search runs (an order only: every file
# is read or skipped on the search's answer as any other). Matched against the lower-cased path: a
# case-insensitive pattern with a look-behind cost 2.7x as much over 35,000 paths.
_LIKELY = re.compile(r"(?<![a-z])(?:rout|controller|handler|endpoint|api|urls|views|server|app|main|index|"
                     r"module|plugin)")


def _own(path: str) -> bool:
    return is_own_code(path)


# --- paths ----------------------------------------------------------------------------------------
# Path templates are data, not code: these patterns rewrite route strings, never source files.
_COLON_PARAM = re.compile(r"^:([A-Za-z_][\w]*)(?:\(.*\))?\??$")  # Express/Rails ``:id``, ``:id(\d+)``
_ANGLE_PARAM = re.compile(r"<(?:[^<>:]+:)?([A-Za-z_]\w*)>")  # Flask/Django/Rocket ``<int:id>``, ``<id>``
_BRACE_PARAM = re.compile(r"\{\*?([A-Za-z_][\w.]*)(?:[:=][^{}]*)?\}")  # ``{id:int}``, ``{id:[0-9]+}``
_PARAM = re.compile(r"\{([^{}]+)\}")


def normalize_path(path: str) -> str:
    """``path`` as a client calls it: ``{name}`` parameters, one leading slash, no trailing slash."""
    path = path.strip()
    if (path.startswith("/") and not path.endswith("/") and "//" not in path
            and not any(c in path for c in ":<{")):
        return path  # already as a client writes it (most paths)
    segments = []
    for seg in path.split("/"):
        if not seg:
            continue
        m = _COLON_PARAM.match(seg)
        if m:
            seg = "{" + m.group(1) + "}"
        seg = _ANGLE_PARAM.sub(lambda m: "{" + m.group(1) + "}", seg)
        seg = _BRACE_PARAM.sub(lambda m: "{" + m.group(1) + "}", seg)
        segments.append(seg)
    return "/" + "/".join(segments)


def path_params(path: str) -> list[str]:
    """The ``{name}`` parameters of a normalised path, in order."""
    return _PARAM.findall(path)


def _shape(path: str) -> str:
    """The path with every parameter written ``{}``: two routes of one shape are the same URL."""
    return _PARAM.sub("{}", path)


# --- reading --------------------------------------------------------------------------------------
def _spec_wants(path: str) -> bool:
    return path.lower().endswith(SPEC_SUFFIXES)


def _spec_parse(path: str, text: str) -> list[dict[str, Any]] | None:
    """The endpoints of an OpenAPI 3 document as plain dicts, or None when the file is not one."""
    from phasegate.app.analyzers.openapi import _OPENAPI_HEAD_RE, endpoints, parse_spec_text

    if not _OPENAPI_HEAD_RE.search(text[:4096]):
        return None
    doc = parse_spec_text(text, path)
    base = ""
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url") or "")
        if "{" not in url:
            base = urlparse(url).path.rstrip("/")
    lines = text.splitlines()
    out = []
    for spec_path, method in endpoints(doc):
        needle = f"{spec_path}"
        line = next((i + 1 for i, ln in enumerate(lines) if needle in ln and ":" in ln), 1)
        out.append({"method": method.upper(), "path": base + spec_path, "line": line,
                    "request": None, "response": None})
    return out


def _known_blob_ids(tree: Tree) -> dict[str, str] | None:
    ids = getattr(tree, "blob_ids", None)
    return ids() if callable(ids) else None


@dataclass
class _Read:
    """Everything read from a tree's files, kept per path so that a few changed files update it."""

    parsed: dict[str, dict[str, Any]]  # reader name -> path -> facts
    specs: dict[str, Any] = field(default_factory=dict)  # spec path -> endpoints
    warnings: dict[str, list[SourceWarning]] = field(default_factory=dict)  # path -> read warnings


@dataclass
class _Snapshot:
    """The last inventory of a revision of one repository, to update incrementally."""

    commit: str
    readers: tuple[Reader[Any, ApiPart], ...]
    read: _Read
    parts: dict[str, tuple[list[ApiEndpoint], list[SourceWarning]]]  # reader name -> finished part
    result: ApiInventory
    blobs: dict[str, str] | None = None  # path -> blob id of ``commit``'s files, to compare the next one with


_SNAPSHOTS: dict[str, _Snapshot] = {}  # repository root -> its last revision's inventory
_MAX_INCREMENTAL = 200  # more changed files than this (and a fifth of the tree): read the tree as a whole


_PLANS: dict[int, tuple[Sequence[Reader[Any, ApiPart]], list[tuple[Any, list[Reader[Any, ApiPart]]]]]] = {}


def _plan(readers: Sequence[Reader[Any, ApiPart]]) -> list[tuple[Any, list[Reader[Any, ApiPart]]]]:
    """The readers grouped by their ``wants`` function: readers sharing one (the Python readers, the
    JavaScript readers) are asked about a path once, not once each. One plan per readers tuple (kept
    alive with it, so its id keys ``_WANTING`` safely)."""
    kept = _PLANS.get(id(readers))
    if kept is not None and kept[0] is readers:
        return kept[1]
    groups: dict[Any, list[Reader[Any, ApiPart]]] = {}
    for r in readers:
        groups.setdefault(r.wants, []).append(r)
    plan = list(groups.items())
    if len(_PLANS) > 64:
        _PLANS.clear()
        _WANTING.clear()
        _GROUPS_BY_EXT.clear()
        _ANSWERS.clear()
    _PLANS[id(readers)] = (readers, plan)
    _GROUPS_BY_EXT[id(plan)] = _groups_by_ext(plan)
    return plan


def _groups_by_ext(plan: list[tuple[Any, list[Reader[Any, ApiPart]]]]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Which groups of ``plan`` may want a path, by its ``extension`` (``Reader.suffixes``), in plan
    order; the second item is the groups asked about a path of any other extension (a group with a
    reader declaring nothing is asked about every path)."""
    declared = [frozenset().union(*(r.suffixes for r in group)) if all(r.suffixes for r in group) else None
                for _, group in plan]
    always = tuple(i for i, d in enumerate(declared) if d is None)
    by_ext = {ext: tuple(i for i, d in enumerate(declared) if d is None or ext in d)
              for ext in {e for d in declared if d for e in d}}
    return by_ext, always


_Plan = list[tuple[Any, list[Reader[Any, ApiPart]]]]
# what ``_wanted`` answers: the readers that want a path, whether it may be a spec, whether all need a keyword
_Wanted = tuple[list[Reader[Any, ApiPart]], bool, bool]


# Which readers want a path, by id(plan) then path: a review reads two revisions of the same 50,000 paths,
# and asking every reader's ``wants`` again was most of the second read.
_WANTING: dict[int, dict[str, _Wanted | None]] = {}
# Each plan's groups by path extension (``_groups_by_ext``), by id(plan): only the groups declaring a
# path's extension are asked whether they want it.
_GROUPS_BY_EXT: dict[int, tuple[dict[str, tuple[int, ...]], tuple[int, ...]]] = {}
# One answer object per distinct answer (a handful per plan), by (id(plan), the wanting readers' indices,
# is a spec, needs a keyword): 35,000 wanted paths share them instead of a list each.
_ANSWERS: dict[tuple[int, tuple[int, ...], bool, bool], _Wanted] = {}


def _wanted(path: str, plan: _Plan) -> _Wanted | None:
    """The readers that want ``path``, whether it may be a spec, and whether each of them needs a keyword
    in it (``Reader.keywords``, not ``keywordless`` here); None when nothing reads it."""
    memo = _WANTING.get(id(plan))
    if memo is not None and path in memo:
        return memo[path]
    return _wanted_all([path], plan)[path]


def _wanted_all(paths: list[str], plan: _Plan) -> dict[str, _Wanted | None]:
    """:func:`_wanted` of every path of ``paths`` at once (the memo, filled for those not in it yet)."""
    memo = _WANTING.setdefault(id(plan), {})
    if sum(len(m) for m in _WANTING.values()) > 500_000:
        memo.clear()
    by_ext, always = _GROUPS_BY_EXT[id(plan)]
    readers = _plan_readers(plan)
    index = {id(r): i for i, r in enumerate(readers)}
    for path in paths:
        if path in memo:
            continue
        groups = by_ext.get(extension(path), always)
        wanting = [r for i in groups if plan[i][0](path) for r in plan[i][1]] if groups else []
        is_spec = _spec_wants(path)
        if not (wanting or is_spec) or not _own(path):
            memo[path] = None
            continue
        keyed = all(r.needs_keyword(path) for r in wanting)
        shape = (id(plan), tuple(index[id(r)] for r in wanting), is_spec, keyed)
        answer = _ANSWERS.get(shape)
        if answer is None:
            answer = _ANSWERS[shape] = (wanting, is_spec, keyed)
        memo[path] = answer
    return memo


def _jobs(wanted: tuple[list[Reader[Any, ApiPart]], bool, bool]) -> list[tuple[str, int, Any]]:
    """(name, version, reader) of each parse a wanted path gets; the spec's reader is None."""
    wanting, is_spec, _ = wanted
    jobs: list[tuple[str, int, Any]] = [(r.name, r.version, r) for r in wanting]
    if is_spec:
        jobs.append((_SPEC_READER, _SPEC_VERSION, None))
    return jobs


def _read_path(tree: Tree, path: str, plan: _Plan, cache: ParseCache, known: dict[str, str] | None,
               read: _Read) -> set[str]:
    """Read ``path`` into ``read`` (it must hold nothing of that path); the reader names it touched."""
    wanted = _wanted(path, plan)
    if wanted is None:
        return set()
    jobs = _jobs(wanted)
    touched: set[str] = set()
    blob = known.get(path) if known is not None else None
    pending = []
    for name, version, reader in jobs:
        if blob is not None:
            hit, facts = cache.get((name, version, path, blob))
            if hit:
                if facts is not None:
                    (read.specs if reader is None else read.parsed[name])[path] = facts
                    touched.add(name)
                continue
        pending.append((name, version, reader))
    if not pending:
        return touched
    data = tree.read(path, MAX_SOURCE + 1)
    if data is None:
        return touched
    if len(data) > MAX_SOURCE:
        if wanted[2] and not holds_keyword(tree.read(path, None) or b"", *_keywords(plan)):
            return touched  # holds none of the keywords its readers need: no endpoint, whatever its size
        read.warnings.setdefault(path, []).append(
            SourceWarning(path=path, reason=f"larger than {MAX_SOURCE // 1024} KiB, not read"))
        return touched
    blob = blob or blob_id(data)
    text = data.decode("utf-8", "replace")
    for name, version, reader in pending:
        key = (name, version, path, blob)
        hit, facts = cache.get(key)
        if not hit:
            try:
                facts = reader.parse(path, text) if reader is not None else _spec_parse(path, text)
            except (RecursionError, ValueError, SyntaxError) as exc:
                read.warnings.setdefault(path, []).append(
                    SourceWarning(path=path, reason=f"{name}: could not parse ({exc})"))
                facts = None
            except Exception as exc:  # a YAML error, a grammar surprise: one file, never the inventory
                read.warnings.setdefault(path, []).append(
                    SourceWarning(path=path, reason=f"{name}: could not read ({exc})"))
                facts = None
            cache.put(key, facts)
        if facts is not None:
            (read.specs if reader is None else read.parsed[name])[path] = facts
            touched.add(name)
    return touched


def _plan_readers(plan: _Plan) -> list[Reader[Any, ApiPart]]:
    return [r for _, group in plan for r in group]


def _keywords(plan: _Plan) -> tuple[list[str], bool]:
    words, nocase = keyword_search(_plan_readers(plan))
    return words + [w for w in _SPEC_KEYWORDS if w not in words], nocase


def _candidates(paths: list[str], plan: _Plan, cache: ParseCache, known: dict[str, str] | None) -> list[str]:
    """The paths a keyword search may spare a read: every reader that wants one declares keywords
    (``Reader.keywords``; a spec's are ``_SPEC_KEYWORDS``) and the cache does not know its parses."""
    todo: list[str] = []
    answers = _wanted_all(paths, plan)
    for path in paths:
        wanted = answers[path]
        if wanted is None or not wanted[2]:
            continue
        blob = known.get(path) if known is not None else None
        if blob is not None and all(cache.get((name, version, path, blob))[0] for name, version, _ in _jobs(wanted)):
            continue  # the read answers from the cache
        todo.append(path)
    return todo


def _without_keywords(tree: Tree, todo: list[str], plan: _Plan, cache: ParseCache, known: dict[str, str] | None,
                      started: list[str] | None = None, stats: dict[str, os.stat_result] | None = None) -> set[str]:
    """The paths of ``todo`` not to read: the file holds none of the keywords of the readers that want it,
    so each parse would give None. One ``git grep -l`` of every keyword answers (the schema read's
    ``_prefilter`` does the same); at a revision the answer also becomes the cache entries those parses
    would have left, so the next revision's read finds them there. ``started``, ``stats``: as for
    ``readers.keyword_misses``."""
    words, nocase = _keywords(plan)
    misses = keyword_misses(tree, todo, words, nocase, known or {}, started, stats)
    if known is not None:
        for path, _ in misses:
            blob = known.get(path)
            wanted = _wanted(path, plan)
            if blob is not None and wanted is not None:
                for name, version, _ in _jobs(wanted):
                    cache.put((name, version, path, blob), None)  # what each parse gives
    return {path for path, _ in misses}


def _begin_search(tree: Tree, plan: _Plan) -> list[str] | None:
    """Begin the keyword search of ``tree`` before its listing: always in the working tree, at a revision
    when it is not listed yet or a caller began the search already (``begin_keyword_search``). Returns the
    search's pathspecs, or None when none was begun."""
    if not isinstance(tree, (WorkTree, RevTree)):
        return None
    started = grep_pathspecs(_plan_readers(plan), SPEC_SUFFIXES)
    words, nocase = _keywords(plan)
    if isinstance(tree, RevTree) and tree.listed() and not tree.grep_begun(words, started, nocase):
        return None
    tree.start_grep(words, started, nocase)
    return started


def begin_keyword_search(tree: Tree) -> list[str] | None:
    """Begin the endpoint readers' keyword search of ``tree`` now (``review_range`` does it for its head,
    so that the search runs while the diff is scanned), for the inventory read that follows."""
    from phasegate.app.analyzers.api_readers import all_readers

    return _begin_search(tree, _plan(all_readers()))


@bulk_read()
def _read_all(tree: Tree, readers: Sequence[Reader[Any, ApiPart]], cache: ParseCache) -> _Read:
    """Parsed facts per reader name, and per spec path; each file read once, each parse cached.

    A file whose readers all need a keyword it lacks is not read (``_without_keywords``). In the working
    tree the search starts before the listing, and what it will need is done while it runs: the untracked
    candidates' ``lstat`` taken, the files it cannot spare and those whose path looks like routes
    (``_LIKELY``) read, then files read in order; once it has answered, the files without keywords are
    skipped (docs/performance.md).
    """
    read = _Read(parsed={r.name: {} for r in readers})
    plan = _plan(readers)
    started = _begin_search(tree, plan)
    known = _known_blob_ids(tree)
    paths = tree.paths()
    todo = _candidates(paths, plan, cache, known)
    if len(todo) < _PREFILTER_MIN and not (started and isinstance(tree, RevTree)):
        skip: set[str] = set()
    elif started is None or isinstance(tree, RevTree):
        skip = _without_keywords(tree, todo, plan, cache, known, started)
    else:
        _read_while_searching(tree, paths, todo, plan, cache, read, started)
        return read
    for path in paths:
        if path not in skip:
            _read_path(tree, path, plan, cache, known, read)
    return read


def _read_while_searching(tree: Tree, paths: list[str], todo: list[str], plan: _Plan, cache: ParseCache,
                          read: _Read, started: list[str]) -> None:
    """``_read_all`` of a working tree (no blob ids) whose keyword search (``started``) is running: the stats
    of untracked candidates are taken, the files the search cannot spare and route-looking ones read, then
    the rest; once the search has answered, the candidates without keywords are skipped."""
    candidates = set(todo)
    likely = [p for p in todo if _LIKELY.search(p.lower())]
    first = set(likely)
    head = [p for p in paths if p not in candidates] + likely
    rest = [p for p in todo if p not in first]
    untracked = tree.untracked() if isinstance(tree, WorkTree) else set()
    stats = stats_while_searching(tree, [p for p in rest if p in untracked])  # (a tracked file's mode is listed)
    answer: set[str] | None = None
    for part in (head, rest):
        for n, path in enumerate(part):
            if answer is None and not (n & 31) and not tree.grep_pending():
                remaining = part[n:] if part is rest else part[n:] + rest
                answer = _without_keywords(tree, [p for p in remaining if p in candidates], plan, cache, None,
                                           started, stats)
            if answer is None or path not in answer:
                _read_path(tree, path, plan, cache, None, read)
    # facts in the listing's order, as a read in order leaves them (a reader's ``build`` may depend on it)
    position = {p: i for i, p in enumerate(paths)}
    for name, by_path in read.parsed.items():
        read.parsed[name] = dict(sorted(by_path.items(), key=lambda item: position[item[0]]))


def _build(reader: Reader[Any, ApiPart], facts: dict[str, Any]) -> tuple[list[ApiEndpoint], list[SourceWarning]]:
    if not facts:
        return [], []
    try:
        part = reader.build(facts)
    except Exception as exc:  # one reader's surprise costs its endpoints (a warning), never the inventory
        return [], [SourceWarning(path=".", reason=f"{reader.name}: could not combine its files ({exc!r})")]
    return [_finish(ep) for ep in part.endpoints], list(part.warnings)


def _finish(ep: ApiEndpoint) -> ApiEndpoint:
    """Normalise in place: the endpoint comes fresh from a reader's ``build``."""
    ep.path = normalize_path(ep.path)
    ep.params = path_params(ep.path)
    ep.method = ep.method.upper()
    return ep


def _sort_key(ep: ApiEndpoint) -> tuple[Any, ...]:
    return (ep.source != "code", ep.path, ep.method, ep.dead, ep.file, ep.line)


@bulk_read()
def _assemble(readers: Sequence[Reader[Any, ApiPart]], read: _Read,
              parts: dict[str, tuple[list[ApiEndpoint], list[SourceWarning]]]) -> ApiInventory:
    warnings = [w for ws in read.warnings.values() for w in ws]
    endpoints: list[ApiEndpoint] = []
    seen: set[tuple[Any, ...]] = set()
    for reader in readers:
        eps, part_warnings = parts[reader.name]
        warnings.extend(part_warnings)
        for ep in eps:
            key = (ep.method, ep.path, ep.file, ep.line, ep.dead)
            if key not in seen:
                seen.add(key)
                endpoints.append(ep)
    for spec_path, items in sorted(read.specs.items()):
        for item in items:
            endpoints.append(_finish(ApiEndpoint(
                method=item["method"], path=item["path"], file=spec_path, line=item["line"],
                framework="openapi", source="spec", request=item["request"], response=item["response"])))
    endpoints.sort(key=_sort_key)
    warnings.sort(key=lambda w: (w.path, w.line or 0, w.reason))
    inv = ApiInventory(endpoints=endpoints, warnings=warnings, specs=sorted(read.specs))
    if read.specs:
        inv.drift = _drift(inv.endpoints)
    return inv


def _copy(inv: ApiInventory) -> ApiInventory:
    """A copy with its own lists; the endpoints themselves are shared (inventories are read-only)."""
    return ApiInventory.model_construct(endpoints=list(inv.endpoints), warnings=list(inv.warnings),
                                        specs=list(inv.specs), drift=list(inv.drift))


def _incremental(tree: Tree, snap: _Snapshot, cache: ParseCache) -> ApiInventory | None:
    """The inventory of ``tree``'s revision from the snapshot of another one, reading only the files
    that differ; None when that is not possible (too many changes, git could not say)."""
    changed_paths = getattr(tree, "changed_paths", None)
    commit = getattr(tree, "commit", None)
    if commit == snap.commit:
        return _copy(snap.result)
    # Both listings at hand (a review's second side): compare them. Otherwise walk the trees that differ
    # first: listing a 50,000-file commit (0.1-0.2 s) is what the re-read after one phase's commit must not
    # pay; a walk that finds many changes lists the revision after all and compares.
    listed = getattr(tree, "listed", None)
    blobs = _known_blob_ids(tree) if callable(listed) and listed() else None
    changes: dict[str, str | None] | None = None
    limit = _MAX_INCREMENTAL
    if blobs is None:
        changes = changed_paths(snap.commit) if callable(changed_paths) else None
        if changes is not None and len(changes) > limit:
            blobs = _known_blob_ids(tree)
    if snap.blobs is not None and blobs is not None:
        changes = _changed_blobs(snap.blobs, blobs)
        limit = max(_MAX_INCREMENTAL, len(blobs) // 5)
    if changes is None or len(changes) > limit:
        return None
    read = snap.read
    dirty: set[str] = set()
    for path, blob in changes.items():
        for name, facts in read.parsed.items():
            if facts.pop(path, None) is not None:
                dirty.add(name)
        read.specs.pop(path, None)
        read.warnings.pop(path, None)
        if blob is not None:
            dirty |= _read_path(tree, path, _plan(snap.readers), cache, {path: blob}, read)
    for reader in snap.readers:
        if reader.name in dirty:
            snap.parts[reader.name] = _build(reader, read.parsed[reader.name])
    snap.result = _assemble(snap.readers, read, snap.parts)
    snap.commit = str(commit)
    if blobs is None and snap.blobs is not None:  # walked: bring the kept listing up to date
        for path, blob in changes.items():
            if blob is None:
                snap.blobs.pop(path, None)
            else:
                snap.blobs[path] = blob
    else:
        snap.blobs = dict(blobs) if blobs is not None else None
    return _copy(snap.result)


def _changed_blobs(old: dict[str, str], new: dict[str, str]) -> dict[str, str | None]:
    """Path -> new blob id (None: deleted) of every file that differs between two listings: both
    revisions' listings are at hand (``RevTree.blob_ids``), and comparing 50,000 entries takes ~10 ms where
    walking the trees of a 2,000-file change through ``cat-file`` took 0.6 s."""
    changes: dict[str, str | None] = {p: b for p, b in new.items() if old.get(p) != b}
    changes.update((p, None) for p in old.keys() - new.keys())
    return changes


def inventory_from_tree(tree: Tree, readers: Iterable[Reader[Any, ApiPart]] | None = None,
                        cache: ParseCache = API_CACHE) -> ApiInventory:
    """The endpoints declared by the files of ``tree`` and by its committed OpenAPI specs.

    A revision's inventory is kept per repository: the next revision asked for is read from it and
    the files git says changed in between, and only the readers of those files combine again.
    """
    return _inventory(tree, readers, cache)[0]


# What a reader's facts of a file call the routers, apps or modules it mounts (``include_router``,
# ``app.use('/x', r)``, ``nest``, ``register``…): a file holding any of them wires routes together.
# Only a file that also creates an app or router object (``objects``, where the reader records them)
# counts: a call of ``next(err)`` in a middleware is no mount.
_MOUNT_KEYS = ("includes", "mounts", "registers", "plugins", "nests")


def inventory_with_mounts(tree: Tree) -> tuple[ApiInventory, dict[str, str]]:
    """The inventory of ``tree``, and the files that mount routers or sub-applications (path -> the
    reader that says so) — the entry points a route file list names beside the declaring files."""
    inv, read = _inventory(tree, None, API_CACHE)
    mounts: dict[str, str] = {}
    if not any(e.source == "code" for e in inv.endpoints):
        return inv, mounts  # no endpoint: nothing is mounted that a route list should name
    for name, by_path in read.parsed.items():
        for path, facts in by_path.items():
            if (isinstance(facts, dict) and any(facts.get(k) for k in _MOUNT_KEYS)
                    and facts.get("objects", True)):
                mounts.setdefault(path, name)
    return inv, mounts


def _inventory(tree: Tree, readers: Iterable[Reader[Any, ApiPart]] | None,
               cache: ParseCache) -> tuple[ApiInventory, _Read]:
    if readers is None:
        from phasegate.app.analyzers.api_readers import all_readers

        readers = all_readers()
    chosen = tuple(readers)
    commit = getattr(tree, "commit", None)
    root = str(tree.root)
    snap = _SNAPSHOTS.get(root)
    if commit is not None and snap is not None and snap.readers == chosen and cache is API_CACHE:
        inv = _incremental(tree, snap, cache)
        if inv is not None:
            return inv, snap.read
    read = _read_all(tree, chosen, cache)
    parts = {r.name: _build(r, read.parsed[r.name]) for r in chosen}
    inv = _assemble(chosen, read, parts)
    if commit is not None and cache is API_CACHE:
        known = _known_blob_ids(tree)
        _SNAPSHOTS[root] = _Snapshot(commit=str(commit), readers=chosen, read=read, parts=parts,
                                     blobs=dict(known) if known is not None else None,
                                     result=_copy(inv))
    return inv, read


def inventory_at(root_or_repo: object, rev: str | None = None) -> ApiInventory:
    """The endpoint inventory of a repository's working tree (``rev=None``) or of any revision."""
    if rev is None:
        tree: Tree = open_tree(root_or_repo)
    else:
        # A revision straight away: re-reading one after a phase's commit is a few milliseconds, and
        # ``open_tree``'s separate "is this a repository" check would be one more git process.
        root = resolve_root(root_or_repo)
        try:
            tree = RevTree(root, rev)
        except PhasegateError:
            if not is_git_worktree(root):
                raise PhasegateError(f"{root} is not a git repository, so revision {rev!r} cannot be read") from None
            raise
    try:
        return inventory_from_tree(tree)
    finally:
        tree.close()


def _drift(endpoints: list[ApiEndpoint]) -> list[ApiDrift]:
    code = [e for e in endpoints if e.source == "code" and not e.dead]
    spec = [e for e in endpoints if e.source == "spec"]
    spec_keys = {(e.method, _shape(e.path)) for e in spec}
    spec_shapes = {_shape(e.path) for e in spec}
    code_keys = {(e.method, _shape(e.path)) for e in code}
    code_any = {_shape(e.path) for e in code if e.method == "ANY"}
    out: list[ApiDrift] = []
    reported: set[tuple[str, str]] = set()
    for e in code:
        shape = _shape(e.path)
        found = shape in spec_shapes if e.method == "ANY" else (e.method, shape) in spec_keys
        if not found and (e.method, shape) not in reported:
            reported.add((e.method, shape))
            out.append(ApiDrift(kind="code_not_in_spec", method=e.method, path=e.path, file=e.file, line=e.line))
    for e in spec:
        shape = _shape(e.path)
        if (e.method, shape) not in code_keys and shape not in code_any:
            out.append(ApiDrift(kind="spec_not_in_code", method=e.method, path=e.path, file=e.file, line=e.line))
    return out


# --- diff -----------------------------------------------------------------------------------------
def _live(inv: ApiInventory) -> dict[tuple[str, str], ApiEndpoint]:
    out: dict[tuple[str, str], ApiEndpoint] = {}
    for e in inv.endpoints:
        if e.source == "code" and not e.dead:
            out.setdefault((e.method, _shape(e.path)), e)
    return out


def _change(kind: Any, ep: ApiEndpoint, detail: str, breaking: bool, before: str | None = None,
            after: str | None = None) -> ApiChange:
    return ApiChange(kind=kind, method=ep.method, path=ep.path, detail=detail, breaking=breaking,
                     before=before, after=after, file=ep.file, line=ep.line)


def diff_inventories(a: ApiInventory, b: ApiInventory) -> list[ApiChange]:
    """Client-visible changes from inventory ``a`` to inventory ``b`` (live code endpoints only)."""
    ea, eb = _live(a), _live(b)
    changes: list[ApiChange] = []
    removed = [k for k in ea if k not in eb]
    added = [k for k in eb if k not in ea]
    # A path whose only change is which method serves it: the same route with another verb.
    by_shape_removed: dict[str, list[tuple[str, str]]] = {}
    for k in removed:
        by_shape_removed.setdefault(k[1], []).append(k)
    paired: set[tuple[str, str]] = set()
    for k in added:
        candidates = [r for r in by_shape_removed.get(k[1], []) if r not in paired]
        if not candidates:
            continue
        new = eb[k]
        old_key = next((r for r in candidates if ea[r].handler and ea[r].handler == new.handler), candidates[0])
        paired.update({old_key, k})
        old = ea[old_key]
        changes.append(_change("method-changed", new, f"{old.method} {old.path} is now {new.method}", True,
                               old.method, new.method))
    for k in removed:
        if k not in paired:
            old = ea[k]
            changes.append(_change("endpoint-removed", old, f"{old.method} {old.path} removed", True))
    for k in added:
        if k not in paired:
            new = eb[k]
            changes.append(_change("endpoint-added", new, f"{new.method} {new.path} added", False))
    for k in ea.keys() & eb.keys():
        old, new = ea[k], eb[k]
        if old.params != new.params:
            changes.append(_change("path-param-changed", new,
                                   f"path parameters {', '.join(old.params)} -> {', '.join(new.params)}"
                                   " (same URL shape)", False, old.path, new.path))
        if old.auth and not new.auth:
            changes.append(_change("auth-dropped", new, f"{new.method} {new.path} no longer requires {old.auth}",
                                   True, old.auth, None))
        if old.request != new.request:
            # A body the endpoint newly requires or a different model breaks callers; one it stops
            # reading does not.
            changes.append(_change("request-model-changed", new,
                                   f"request {old.request or 'none'} -> {new.request or 'none'}",
                                   new.request is not None, old.request, new.request))
        if old.response != new.response:
            # A response model that goes away or changes breaks readers of it; a new one does not.
            changes.append(_change("response-model-changed", new,
                                   f"response {old.response or 'none'} -> {new.response or 'none'}",
                                   old.response is not None, old.response, new.response))
    changes.sort(key=lambda c: (c.path, c.method, c.kind))
    return changes
