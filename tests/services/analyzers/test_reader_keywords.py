"""The keyword pre-filter of the schema read (``Reader.keywords``, ``schema._prefilter``): files holding none
of their readers' keywords are not read, and the schema comes out exactly as when every file is read.

That the keywords themselves are right is checked on every parse the analyzer tests make (``conftest.py``,
tests/support/reader_keywords.py); ``test_guard_refuses_a_parse_without_keywords`` shows that guard bites.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from phasegate.app.analyzers import readers, schema
from phasegate.app.analyzers.readers import Reader, keyword_search
from phasegate.app.analyzers.schema_readers import all_readers
from phasegate.app.git import trees
from tests.support.reader_keywords import guarded, record_skips, search_answers_at_once
from tests.support.repos import commit_all, git, init_repo, write_files

MODEL = ("from sqlalchemy import Column, Integer, String\nfrom app.db import Base\n\n\n"
         "class Thing{n}(Base):\n    __tablename__ = \"thing_{n}\"\n    id = Column(Integer, primary_key=True)\n"
         "    name = Column(String(40))\n")
PLAIN = "def compute_{n}(values: list[int]) -> int:\n    return sum(v * {n} for v in values)\n"
ENTITY = ("import { Entity, PrimaryGeneratedColumn } from \"typeorm\";\n\n@Entity()\n"
          "export class Widget {\n  @PrimaryGeneratedColumn()\n  id: number;\n}\n")


def test_keywords_are_plain_ascii_words() -> None:
    declared = [r for r in all_readers() if r.has_keywords]
    assert {r.name for r in declared} >= {"sqlalchemy", "alembic", "django", "typeorm", "sequelize"}
    for reader in declared:
        for word in reader.keywords + reader.keywords_nocase:
            assert word and word.isascii() and word.strip() == word, (reader.name, word)
    # one case-insensitive keyword (sequelize's) and the search ignores case for all: a superset
    words, nocase = keyword_search(all_readers())
    assert nocase and {"sequelize", "Table(", "__tablename__"} <= set(words)


def test_guard_refuses_a_parse_without_keywords() -> None:
    reader: Reader[Any, Any] = Reader("fake", lambda p: True, lambda p, t: {"x": 1}, lambda d: d, keywords=("Column",))
    check = guarded(reader, reader.parse)
    assert check("m.py", "x = Column()") == {"x": 1}
    with pytest.raises(AssertionError, match="holds none of its keywords"):
        check("m.py", "x = 1")


def _json(root: Path, rev: str | None = None) -> str:
    return json.dumps(schema.schema_at(root, rev).to_json(), indent=2)


def _cold() -> None:
    readers.CACHE = readers.ParseCache(size=readers.CACHE.size)
    schema._settle_memo()  # (a previous read may still be filling the stat memo)
    for memo in (schema._BUILT, schema._WANTS, schema._WANTED_LISTS, schema._STATS, schema._STATE,
                 schema._COMBINED, schema._INTERN, schema._LISTINGS, schema._NO_KEYWORDS):
        memo.clear()
    trees.forget_begun()  # a search of a revision begun and not taken (a test's own pre-filter skipped it)


@pytest.fixture
def big_repo(tmp_path: Path) -> Path:
    files = {f"app/lib/util_{n}.py": PLAIN.format(n=n) for n in range(schema._PREFILTER_MIN + 50)}
    files |= {f"app/models/thing_{n}.py": MODEL.format(n=n) for n in range(5)}
    files |= {"app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
              "web/src/widget.entity.ts": ENTITY, "web/src/plain.ts": "export const x = 1;\n",
              "app/broken.py": "from sqlalchemy import Column\nclass (:\n",  # a parse warning, kept
              "app/huge.py": "# Column " + "x" * (readers.MAX_SOURCE + 10) + "\n",  # too large: a warning, kept
              # too large and without a keyword: no fact whatever its size, no warning (with the pre-filter
              # or without)
              "app/huge_plain.py": "# " + "x" * (readers.MAX_SOURCE + 10) + "\n",
              "app/hidden.py": PLAIN.format(n=999)}
    root = init_repo(tmp_path / "big", files)
    os.symlink("models/thing_0.py", root / "app/linked.py")  # read through the link, grep skips links
    os.symlink("models/thing_1.py", root / "app/tracked_link.py")  # a tracked one: its mode says so
    git(root, "add", "app/tracked_link.py")
    git(root, "commit", "-q", "-m", "a tracked symlink")
    git(root, "update-index", "--assume-unchanged", "app/hidden.py")
    write_files(root, {"app/hidden.py": MODEL.format(n=77),  # grep would see the index's plain text
                       "app/untracked_model.py": MODEL.format(n=88), "app/untracked_plain.py": PLAIN.format(n=5)})
    # written a while ago: a file changed within the last second is never remembered as searched (it may
    # change again within its mtime's tick), and whether the reads below fall inside that second would
    # depend on the machine's speed
    past = time.time_ns() - 5_000_000_000
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and ".git" not in path.parts:
            os.utime(path, ns=(past, past))
    return root


def test_prefilter_gives_the_schema_of_a_full_read(big_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cold()
    concurrent = _json(big_repo)  # read while its search runs, as the product does
    search_answers_at_once(monkeypatch)  # so that the skips below do not depend on the machine's load
    skipped = record_skips(monkeypatch, schema, "_prefilter")
    _cold()
    work, head = _json(big_repo), _json(big_repo, "HEAD")
    warm_work, warm_head = _json(big_repo), _json(big_repo, "HEAD")
    assert work == concurrent
    assert skipped[0] >= schema._PREFILTER_MIN, "the working-tree read read every file"
    assert skipped[2] >= schema._PREFILTER_MIN, "the warm re-read searched the skipped files again"
    monkeypatch.setattr(schema, "_prefilter", lambda *args: set())
    _cold()
    assert work == _json(big_repo) and head == _json(big_repo, "HEAD")
    assert warm_work == _json(big_repo) and warm_head == _json(big_repo, "HEAD")  # (a warm read keeps no
    # parse warnings, with or without the pre-filter: the cache holds facts, not warnings)
    tables = {t["name"] for t in json.loads(work)["tables"]}
    assert {"thing_77", "thing_88", "widget"} <= tables  # assume-unchanged and untracked files, a .ts entity
    reasons = " ".join(w["reason"] for w in json.loads(work)["warnings"])
    assert "could not parse" in reasons and "KiB, not read" in reasons
    assert "huge.py" in reasons_paths(work) and "huge_plain.py" not in reasons_paths(work)


def test_a_skipped_file_that_gains_a_keyword_is_read(big_repo: Path) -> None:
    _cold()
    assert "thing_500" not in _json(big_repo)
    path = big_repo / "app/lib/util_3.py"
    path.write_text(MODEL.format(n=500))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # as a later write would
    assert "thing_500" in _json(big_repo)
    commit_all(big_repo, "util_3 becomes a model")
    assert "thing_500" in _json(big_repo, "HEAD") and "thing_500" not in _json(big_repo, "HEAD~1")


def test_files_read_ahead_are_decided_without_a_search(big_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review reads its base's changed files ahead; the pre-filter looks at those bytes itself."""

    head = git(big_repo, "rev-parse", "HEAD").strip()
    real_prefilter = schema._prefilter
    monkeypatch.setattr(schema, "_prefilter", lambda *args: set())
    _cold()
    full = _json(big_repo, head)
    monkeypatch.setattr(schema, "_prefilter", real_prefilter)
    searches: list[list[str]] = []
    real_grep = trees.RevTree.grep_files

    def spy(self: trees.RevTree, words: list[str], *rest: Any) -> set[str] | None:
        searches.append(words)
        return real_grep(self, words, *rest)

    monkeypatch.setattr(trees.RevTree, "grep_files", spy)
    parsed: list[str] = []
    _cold()
    listed = git(big_repo, "ls-tree", "-r", "--name-only", head).split()
    trees.prefetch_blobs(big_repo, head, listed)
    originals = {id(r): r.parse for r in all_readers()}
    try:
        for reader in all_readers():
            object.__setattr__(reader, "parse", _recording(reader.parse, parsed))  # a frozen dataclass
        assert _json(big_repo, head) == full
    finally:
        trees.forget_prefetched(big_repo)
        for reader in all_readers():
            object.__setattr__(reader, "parse", originals[id(reader)])
    assert searches == [], "files already in memory were searched with git grep"
    assert not any(p.startswith("app/lib/util_") for p in parsed), "files without a keyword were parsed"
    _cold()
    assert _json(big_repo, head) == full and searches, "without the files read ahead, git grep decides"


def _recording(parse: Any, seen: list[str]) -> Any:
    def record(path: str, text: str) -> Any:
        seen.append(path)
        return parse(path, text)

    return record


def reasons_paths(report: str) -> set[str]:
    """The file names the warnings of a JSON report are about."""
    return {w["path"].rsplit("/", 1)[-1] for w in json.loads(report)["warnings"]}
