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
- a part marked ``authoritative`` (a Prisma schema) is the models side by itself: migrations of the
  repository then add no tables, they only feed drift;
- every reader's warnings end up in ``Schema.warnings``.

``schema_at(root, rev)`` reads files at ``rev`` through git, so the same code describes HEAD, the
working tree or the state before a phase. Parsed facts are cached by git blob id (``readers.CACHE``),
and each reader's combined result by the blob ids of all its files, so a re-read after one file changed
parses that file only and rebuilds only its reader. ``diff_schemas`` lists the changes with the kinds
of DESIGN §4 and marks destructive ones: dropped tables and columns, narrowing type changes, a new NOT
NULL column without default on a table that already existed, removed enum values.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from phasegate.app.analyzers._files import (
    Tree,
    is_generated_or_fixture,
    is_test_path,
    is_vendored,
    open_tree,
)
from phasegate.app.analyzers.readers import CACHE, MAX_SOURCE, ParseCache, Reader, SourceWarning, blob_id
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

__all__ = [
    "Column", "Drift", "EnumType", "ForeignKey", "Index", "Schema", "SchemaChange", "Table",
    "schema_at", "schema_from_tree", "schema_from_parts", "diff_schemas", "is_narrowing",
]


def _own(path: str) -> bool:
    return not (is_vendored(path) or is_generated_or_fixture(path) or is_test_path(path))


# Which readers want a path, by path: the answer depends on the path alone, so a re-read of a
# 50,000-file tree asks each reader once per new path, not once per read.
_WANTS: dict[tuple[int, str], tuple[int, ...]] = {}
# A reader's built part by (reader, version, the (path, blob) of every file it parsed).
_BUILT: OrderedDict[tuple[Any, ...], SchemaPart] = OrderedDict()
_BUILT_SIZE = 256


def _wanting(readers: tuple[Reader[Any, SchemaPart], ...], path: str) -> tuple[int, ...]:
    key = (id(readers), path)
    found = _WANTS.get(key)
    if found is None:
        found = tuple(i for i, r in enumerate(readers) if r.wants(path)) if _own(path) else ()
        if len(_WANTS) > 500_000:
            _WANTS.clear()
        _WANTS[key] = found
    return found


def read_parts(tree: Tree, readers: tuple[Reader[Any, SchemaPart], ...] | None = None,
               cache: ParseCache = CACHE) -> tuple[list[SchemaPart], list[SourceWarning]]:
    """Every reader's part of ``tree``; each wanted file is read once (or not at all when cached)."""
    if readers is None:
        from phasegate.app.analyzers.schema_readers import all_readers

        readers = all_readers()
    warnings: list[SourceWarning] = []
    parsed: list[dict[str, Any]] = [{} for _ in readers]
    keys: list[list[tuple[str, str]]] = [[] for _ in readers]
    known = tree.blob_ids()
    for path in tree.paths():
        wanting = _wanting(readers, path)
        if not wanting:
            continue
        blob = known.get(path)
        if blob is not None:
            hits = [cache.get((readers[i].name, readers[i].version, path, blob)) for i in wanting]
            if all(hit for hit, _ in hits):
                for i, (_, facts) in zip(wanting, hits):
                    if facts is not None:
                        parsed[i][path] = facts
                        keys[i].append((path, blob))
                continue
        data = tree.read(path, MAX_SOURCE + 1)
        if data is None:
            continue
        if len(data) > MAX_SOURCE:
            warnings.append(SourceWarning(path=path, reason=f"larger than {MAX_SOURCE // 1024} KiB, not read"))
            continue
        blob = blob_id(data)
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
                keys[i].append((path, blob))
    parts: list[SchemaPart] = []
    for i, reader in enumerate(readers):
        if not parsed[i]:
            continue
        build_key = (reader.name, reader.version, tuple(keys[i]))
        part = _BUILT.get(build_key)
        if part is None:
            part = reader.build(parsed[i])
            _BUILT[build_key] = part
            while len(_BUILT) > _BUILT_SIZE:
                _BUILT.popitem(last=False)
        else:
            _BUILT.move_to_end(build_key)
        if part.tables or part.enums or part.warnings:
            parts.append(part)
    return parts, warnings


def schema_from_tree(tree: Tree) -> Schema:
    """The schema described by the files of ``tree`` (see the module docstring for how parts combine)."""
    parts, warnings = read_parts(tree)
    schema = schema_from_parts(parts)
    schema.warnings[:0] = warnings
    return schema


def _copy_table(table: Table, origin: str, source: str | None) -> Table:
    copy = table.model_copy(deep=True)
    copy.origin = copy.origin or origin  # type: ignore[assignment]
    copy.source = copy.source or source
    return copy


def _side(parts: list[SchemaPart]) -> tuple[dict[str, Table], list[EnumType]]:
    """The tables of one side; a later part's table of the same name adds what the earlier one lacked."""
    tables: dict[str, Table] = {}
    enums: list[EnumType] = []
    for part in parts:
        for table in part.tables:
            key = table.name.lower()
            copy = _copy_table(table, part.origin, part.sources[0] if part.sources else None)
            if key in tables:
                _merge_into(tables[key], copy, prefer_new=False)
            else:
                tables[key] = copy
        enums += [e.model_copy(deep=True) for e in part.enums]
    return tables, enums


def _merge_into(base: Table, other: Table, prefer_new: bool) -> None:
    """Add ``other``'s columns, indexes and foreign keys to ``base``; ``prefer_new`` replaces shared columns."""
    for col in other.columns:
        existing = base.column(col.name)
        if existing is None:
            base.columns.append(col)
        elif prefer_new:
            base.columns[base.columns.index(existing)] = col
    have_ix = {(tuple(c.lower() for c in ix.columns), ix.unique) for ix in base.indexes}
    base.indexes += [ix for ix in other.indexes if (tuple(c.lower() for c in ix.columns), ix.unique) not in have_ix]
    have_fk = {(tuple(c.lower() for c in fk.columns), fk.ref_table.lower()) for fk in base.foreign_keys}
    base.foreign_keys += [fk for fk in other.foreign_keys
                          if (tuple(c.lower() for c in fk.columns), fk.ref_table.lower()) not in have_fk]
    base.columns_known = base.columns_known or other.columns_known


def schema_from_parts(parts: list[SchemaPart]) -> Schema:
    """Models and migrations combined (see the module docstring), with their drift and warnings."""
    schema = Schema()
    for part in parts:
        schema.sources += [s for s in part.sources if s not in schema.sources]
        schema.warnings += part.warnings
    model_parts = [p for p in parts if p.origin == "models"]
    authoritative = [p for p in model_parts if p.authoritative]
    if authoritative:
        model_parts = authoritative
    migration_parts = [p for p in parts if p.origin == "migrations"]
    # Standalone DDL (a schema dump) stands for the migrations only where there is no migration history.
    ddl_parts = [p for p in parts if p.origin == "ddl"]
    if not migration_parts:
        migration_parts = ddl_parts
    models, model_enums = _side(model_parts)
    migrations, migration_enums = _side(migration_parts)
    if model_parts and migration_parts:
        schema.drift = _drift(models, migrations)
    if authoritative:
        schema.tables = list(models.values())
        schema.enums = model_enums
        return schema
    tables: dict[str, Table] = {}
    for key, table in migrations.items():
        tables[key] = table
    for key, table in models.items():
        if key in tables:
            merged = tables[key]
            if not merged.columns_known and table.columns_known:
                # known by name only in the migrations: the model's columns are the best knowledge
                table_copy = table.model_copy(deep=True)
                _merge_into(table_copy, merged, prefer_new=True)
                table_copy.source, table_copy.origin = table.source, table.origin
                tables[key] = table_copy
            else:
                _merge_into(merged, table, prefer_new=False)
        else:
            tables[key] = table
    schema.tables = list(tables.values())
    seen: set[str] = set()
    for enum in migration_enums + model_enums:
        if enum.name not in seen:
            seen.add(enum.name)
            schema.enums.append(enum)
    return schema


def _drift(models: dict[str, Table], migrations: dict[str, Table]) -> list[Drift]:
    drift: list[Drift] = []
    for key, model in models.items():
        migrated = migrations.get(key)
        if migrated is None:
            drift.append(Drift(table=model.name, kind="table_only_in_models", model_source=model.source))
            continue
        if not migrated.columns_known or not model.columns_known:
            continue
        for col in model.columns:
            if migrated.column(col.name) is None:
                drift.append(Drift(table=model.name, column=col.name, kind="column_only_in_models",
                                   model_source=model.source, migration_source=migrated.source))
        for col in migrated.columns:
            if model.column(col.name) is None:
                drift.append(Drift(table=migrated.name, column=col.name, kind="column_only_in_migrations",
                                   model_source=model.source, migration_source=migrated.source))
    for key, migrated in migrations.items():
        if key not in models:
            drift.append(Drift(table=migrated.name, kind="table_only_in_migrations",
                               migration_source=migrated.source))
    return drift


def schema_at(root_or_repo: object, rev: str | None = None) -> Schema:
    """The schema of a repository's working tree (``rev=None``) or of any revision."""
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
