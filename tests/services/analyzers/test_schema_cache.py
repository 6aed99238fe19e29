"""The schema read's caches: after one file changed only that file is parsed again, by schema_at (which
finds the change itself) and by refresh_schema (told which path was written)."""

from __future__ import annotations

import os
import time

from phasegate.app.analyzers import schema as schema_module
from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.readers import ParseCache, Reader
from phasegate.app.analyzers.schema import read_parts, refresh_schema, schema_at
from phasegate.app.analyzers.schema_model import SchemaPart, Table
from tests.support.repos import write_files


def _counting_reader(parsed: list[str]) -> Reader[str, SchemaPart]:
    def parse(path: str, text: str) -> str:
        parsed.append(path)
        return text.strip()

    def build(facts: dict[str, str]) -> SchemaPart:
        return SchemaPart(reader="count", origin="models",
                          tables=[Table(name=text, source=path) for path, text in sorted(facts.items())])

    return Reader(name="count", wants=lambda p: p.endswith(".tbl"), parse=parse, build=build)


def _age(root, names: list[str]) -> None:
    """Files older than the racy-stat second, as after any real pause between two reads."""
    old = time.time() - 10
    for name in names:
        os.utime(root / name, (old, old))


def test_working_tree_reread_parses_only_the_changed_file(make_repo) -> None:
    names = [f"m/t{i}.tbl" for i in range(5)]
    root = make_repo({name: f"table_{i}\n" for i, name in enumerate(names)})
    _age(root, names)
    parsed: list[str] = []
    readers = (_counting_reader(parsed),)
    cache = ParseCache()
    tree = open_tree(root)
    parts, _ = read_parts(tree, readers, cache)
    assert sorted(parsed) == names and [t.name for t in parts[0].tables] == [f"table_{i}" for i in range(5)]
    parsed.clear()
    write_files(root, {"m/t3.tbl": "table_three\n"})
    parts, _ = read_parts(open_tree(root), readers, cache)
    assert parsed == ["m/t3.tbl"]
    assert [t.name for t in parts[0].tables][3] == "table_three"
    parsed.clear()
    read_parts(open_tree(root), readers, cache)  # nothing changed: nothing parsed
    assert parsed == []


def test_refresh_schema_reads_the_written_paths_only(make_repo) -> None:
    model = ("from sqlalchemy import Column, Integer, String\nfrom sqlalchemy.orm import declarative_base\n"
             "Base = declarative_base()\n\n\nclass Item(Base):\n    __tablename__ = 'items'\n"
             "    id = Column(Integer, primary_key=True)\n")
    root = make_repo({"app/models.py": model, "app/other.py": "x = 1\n"})
    _age(root, ["app/models.py", "app/other.py"])
    first = refresh_schema(root)
    assert [c.name for c in first.table("items").columns] == ["id"]
    write_files(root, {"app/models.py": model + "    name = Column(String(30))\n",
                       "app/new_models.py": model.replace("Item", "Tag").replace("items", "tags")})
    after = refresh_schema(root, ["app/models.py", "app/new_models.py"])
    assert [c.name for c in after.table("items").columns] == ["id", "name"]
    assert {t.name for t in after.tables} == {"items", "tags"}
    assert after.to_json() == schema_at(root).to_json()
    os.remove(root / "app/new_models.py")
    assert {t.name for t in refresh_schema(root, ["app/new_models.py"]).tables} == {"items"}
    assert schema_module._LISTINGS[str(root.resolve())].count("app/models.py") == 1
