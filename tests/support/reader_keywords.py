"""A guard on the schema and endpoint readers' declared keywords (``Reader.keywords``), installed for the
analyzer tests.

A file holding none of a reader's keywords is never read (``schema._prefilter``, ``api._prefilter``), so a
``parse`` that finds facts in such a text, or raises on it, would silently lose a table, an endpoint or a
warning. Wrapped, every parse the analyzer tests make — every fixture file of every reader — checks that
it had a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phasegate.app.analyzers.readers import Reader


def guarded(reader: Reader[Any, Any], parse: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
    def check(path: str, text: str) -> Any:
        ok = reader.may_parse(path, text)
        try:
            facts = parse(path, text)
        except Exception:
            assert ok, f"{reader.name} raised on {path}, which holds none of its keywords {_words(reader)}"
            raise
        assert ok or facts is None, (
            f"{reader.name} found facts in {path}, which holds none of its keywords {_words(reader)}")
        return facts

    check.guarded = True  # type: ignore[attr-defined]
    return check


def record_skips(monkeypatch: Any, module: Any, name: str) -> list[int]:
    """Wrap the pre-filter ``module.name`` (it returns the paths not to read): the list fills with how many
    paths each call skipped."""
    skipped: list[int] = []
    real = getattr(module, name)

    def spy(*args: Any) -> set[str]:
        found = real(*args)
        skipped.append(len(found))
        return found

    monkeypatch.setattr(module, name, spy)
    return skipped


def search_answers_at_once(monkeypatch: Any) -> None:
    """Make a search begun before the listing (``WorkTree.start_grep``, ``RevTree.start_grep``) answer before
    the reads start, so how many files a pre-filter skips no longer depends on the machine's load; the reads
    made while it runs are covered by the reads the tests make without this."""
    from phasegate.app.git import trees

    real_work, real_rev = trees.WorkTree.start_grep, trees.RevTree.start_grep

    def work_and_wait(self: trees.WorkTree, *args: Any, **kwargs: Any) -> None:
        real_work(self, *args, **kwargs)
        for thread, _ in self._pending.values():
            thread.join()

    def rev_and_wait(self: trees.RevTree, *args: Any, **kwargs: Any) -> None:
        real_rev(self, *args, **kwargs)
        with trees._BEGUN_LOCK:
            begun = list(trees._BEGUN.values())
        for thread, _ in begun:
            thread.join()

    monkeypatch.setattr(trees.WorkTree, "start_grep", work_and_wait)
    monkeypatch.setattr(trees.RevTree, "start_grep", rev_and_wait)


def _words(reader: Reader[Any, Any]) -> tuple[str, ...]:
    return reader.keywords + reader.keywords_nocase


def install() -> None:
    """Wrap the parse of every schema and endpoint reader that declares keywords (once per process)."""
    from phasegate.app.analyzers.api_readers import all_readers as api_readers
    from phasegate.app.analyzers.schema_readers import all_readers

    for reader in [*all_readers(), *api_readers()]:
        if reader.has_keywords and not getattr(reader.parse, "guarded", False):
            object.__setattr__(reader, "parse", guarded(reader, reader.parse))  # a frozen dataclass
