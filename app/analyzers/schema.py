"""Database schema of a repository at any revision, and the diff between two of them.

Where the schema comes from, in order of authority:
1. Prisma schema files (``*.prisma`` with models or enums, anywhere): they *are* the schema.
2. SQL migrations (Prisma/Diesel/Flyway/golang-migrate/goose/SQLx layouts, or any ``.sql`` in a
   ``migrations`` folder), replayed oldest first (natural order, so ``V10`` comes after ``V9``).
3. Otherwise standalone DDL files (``schema.sql``, ``structure.sql``…).

``schema_at(root, rev)`` reads files at ``rev`` through git, so the same code describes HEAD, the
working tree or the state before a phase. ``diff_schemas`` lists the changes with the kinds of
DESIGN §4 and marks destructive ones: dropped tables and columns, narrowing type changes, a new
NOT NULL column without default on a table that already existed, removed enum values.
"""

from __future__ import annotations

import re

from phasegate.app.analyzers._files import (
    Tree,
    is_generated_or_fixture,
    is_test_path,
    is_vendored,
    natural_key,
    open_tree,
)
from phasegate.app.analyzers.prisma import parse_prisma
from phasegate.app.analyzers.schema_model import (
    Column,
    EnumType,
    ForeignKey,
    Index,
    Schema,
    SchemaChange,
    Table,
)

__all__ = [
    "Column", "EnumType", "ForeignKey", "Index", "Schema", "SchemaChange", "Table",
    "schema_at", "schema_from_tree", "diff_schemas", "is_narrowing",
]

MAX_SQL = 4 * 1024 * 1024
_MIGRATION_SQL_RE = re.compile(
    r"(^|/)(?:migrations?|migrate|db/migration|schema_migrations)/(?:.*/)?[^/]+\.sql$"
    r"|(^|/)V\d+(?:[._]\d+)*__[^/]+\.sql$|(^|/)\d+_[^/]+\.up\.sql$",
    re.IGNORECASE,
)
_DOWN_SQL_RE = re.compile(r"(^|/)(?:down\.sql|[^/]+\.down\.sql|U\d+(?:[._]\d+)*__[^/]+\.sql|R__[^/]+\.sql)$", re.I)
_DDL_RE = re.compile(r"(?i)\b(?:create|alter)\s+(?:table|type|unique\s+index|index)\b")
_PRISMA_BLOCK_RE = re.compile(r"(?m)^\s*(?:model|enum)\s+\w+\s*\{")


def _own(path: str) -> bool:
    return not (is_vendored(path) or is_generated_or_fixture(path) or is_test_path(path))


def _read_sql(tree: Tree, path: str) -> str:
    """A SQL file's text; for a goose migration only its Up part (its Down part undoes it)."""
    text = tree.read_text(path, MAX_SQL) or ""
    if "+goose" in text:
        from phasegate.app.analyzers.sql_ddl import goose_up

        text = goose_up(text)
    return text


def schema_from_tree(tree: Tree) -> Schema:
    """The schema described by the files of ``tree`` (see the module docstring for the precedence)."""
    paths = [p for p in tree.paths() if _own(p)]
    prisma_texts: list[tuple[str, str]] = []
    for path in paths:
        if path.endswith(".prisma"):
            text = tree.read_text(path, MAX_SQL) or ""
            if _PRISMA_BLOCK_RE.search(text):
                prisma_texts.append((path, text))
    if prisma_texts:
        schema = parse_prisma("\n".join(text for _, text in prisma_texts), prisma_texts[0][0])
        schema.sources = [p for p, _ in prisma_texts]
        return schema

    sql_paths = [p for p in paths if p.lower().endswith(".sql")]
    migrations = sorted((p for p in sql_paths if _MIGRATION_SQL_RE.search(p) and not _DOWN_SQL_RE.search(p)),
                        key=natural_key)
    chosen: list[tuple[str, str]] = []
    for path in migrations:
        text = _read_sql(tree, path)
        if _DDL_RE.search(text) or re.search(r"(?i)\bdrop\s+(?:table|index|type)\b|\balter\s+", text):
            chosen.append((path, text))
    if not chosen:
        for path in sorted(sql_paths, key=natural_key):
            if path in migrations:
                continue
            text = _read_sql(tree, path)
            if _DDL_RE.search(text):
                chosen.append((path, text))
    if not chosen:
        return Schema()

    from phasegate.app.analyzers.sql_ddl import SqlReplay, dialect_for_provider, guess_dialect

    dialect = None
    for path in paths:
        if path.endswith("migration_lock.toml"):
            m = re.search(r'provider\s*=\s*"(\w+)"', tree.read_text(path) or "")
            dialect = dialect_for_provider(m.group(1) if m else None)
            break
    dialect = dialect or guess_dialect("\n".join(text[:20000] for _, text in chosen[:50]))
    schema = Schema(sources=[p for p, _ in chosen])
    replay = SqlReplay(schema, dialect)
    for _path, text in chosen:
        replay.apply_sql(text)
    return schema


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
