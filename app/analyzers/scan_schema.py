"""The audit's schema part: which files define tables, as the schema readers say (``schema.py``).

The content patterns of ``scan`` only guess (a struct deriving ``Queryable`` maps a table, it does
not define one; an abstract Django model defines none); the readers of ``schema_readers`` parse the
files. From their parts the audit takes:

- **ORM models**: the files whose models declare tables (``origin == "models"``), with the reader
  and the table names;
- **schema files**: standalone DDL and schema dumps (``origin == "ddl"``: ``schema.sql``,
  ``db/schema.rb``, Diesel's ``schema.rs``);
- **migration directories**: the folders of the migration files a reader replayed;
- which readers fired, how many tables the combined schema has, the drift between models and
  migrations (a medium risk: the code and the database disagree) and every reader warning.

Pattern-found model files of an ORM that has a reader are dropped when the readers ran (the reader
is the better judge); the ones of ORMs without a reader stay.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from phasegate.app.analyzers._files import Tree

__all__ = ["READER_ORMS", "ROW_MAPPERS", "SchemaAudit", "schema_audit"]

# scan's pattern labels whose files a schema reader judges: the label -> the reader's name. When that
# reader read tables, the pattern's guesses of the same ORM are dropped.
READER_ORMS = {"typeorm": "typeorm", "sequelize": "sequelize", "mongoose": "mongoose", "sqlalchemy": "sqlalchemy",
               "sqlmodel": "sqlalchemy", "django": "django", "gorm": "gorm", "jpa": "jpa", "diesel": "diesel"}
# Labels of structs that map rows (Diesel Queryable, sqlx FromRow, Go db tags): not table definitions.
ROW_MAPPERS = frozenset({"diesel", "sqlx", "sqlx-go"})
_MAX_DRIFT = 200


class SchemaAudit:
    def __init__(self, parts: list[Any], schema: Any) -> None:
        self.parts, self.schema = parts, schema

    @property
    def readers(self) -> list[dict[str, Any]]:
        return [{"reader": p.reader, "origin": p.origin, "tables": len(p.tables), "files": len(p.sources),
                 "path": p.sources[0] if p.sources else "",
                 "evidence": f"{p.reader} read {len(p.tables)} table{'s' if len(p.tables) != 1 else ''} from "
                             f"{len(p.sources)} file{'s' if len(p.sources) != 1 else ''}"}
                for p in self.parts]

    def models(self) -> list[dict[str, Any]]:
        """One entry per file whose models declare tables."""
        by_file: dict[str, tuple[str, list[str]]] = {}
        for part in self.parts:
            if part.origin != "models":
                continue
            for table in part.tables:
                source = table.source or (part.sources[0] if part.sources else None)
                if source:
                    by_file.setdefault(source, (part.reader, []))[1].append(table.name)
            for source in part.sources:  # a file that contributed without a table of its own (a DbContext)
                if source not in by_file and not part.tables:
                    by_file[source] = (part.reader, [])
        return [{"path": path, "orm": reader, "models": names,
                 "evidence": f"{reader}: {len(names)} table{'s' if len(names) != 1 else ''} "
                             f"({', '.join(names[:5])}{'…' if len(names) > 5 else ''})"}
                for path, (reader, names) in sorted(by_file.items()) if names]

    def ddl_files(self) -> list[dict[str, Any]]:
        out = []
        for part in self.parts:
            if part.origin == "ddl":
                for source in part.sources:
                    out.append({"path": source, "kind": part.reader, "evidence": f"{part.reader}: schema definition"})
        return out

    def migration_dirs(self) -> list[dict[str, Any]]:
        dirs: dict[str, dict[str, Any]] = {}
        for part in self.parts:
            if part.origin != "migrations":
                continue
            for source in part.sources:
                parent = PurePosixPath(source).parent
                if source.endswith(("/up.sql", "/migration.sql", "/down.sql")):
                    parent = parent.parent  # one folder per migration (Diesel, Prisma)
                entry = dirs.setdefault(str(parent), {"path": str(parent), "tool": part.reader,
                                                      "evidence": f"{part.reader} migrations", "files": 0})
                entry["files"] += 1
        return list(dirs.values())

    @property
    def table_count(self) -> int:
        return len(self.schema.tables)

    def drift(self) -> list[dict[str, Any]]:
        return [{"path": d.model_source or d.migration_source or "", "table": d.table, "column": d.column,
                 "kind": d.kind, "model_source": d.model_source,
                 "migration_source": d.migration_source, "evidence": d.describe()}
                for d in self.schema.drift[:_MAX_DRIFT]]

    def warnings(self) -> list[dict[str, Any]]:
        return [{"path": w.path, "line": getattr(w, "line", None), "reason": w.reason,
                 "evidence": f"{w.path}:{getattr(w, 'line', None) or ''} {w.reason}"} for w in self.schema.warnings]

    def drift_risk(self) -> dict[str, Any] | None:
        drift = self.schema.drift
        if not drift:
            return None
        first = drift[0]
        shown = "; ".join(d.describe() for d in drift[:3]) + (" …" if len(drift) > 3 else "")
        return {"kind": "schema_drift", "severity": "medium",
                "path": first.model_source or first.migration_source or "",
                "evidence": f"{len(drift)} difference{'s' if len(drift) != 1 else ''} between the models and the "
                            f"migrations: {shown}",
                "message": "The models and the migrations disagree; a migration is missing or a model is stale."}


def schema_audit(tree: Tree) -> SchemaAudit:
    from phasegate.app.analyzers.schema import read_parts, schema_from_parts

    parts, warnings = read_parts(tree)
    schema = schema_from_parts(parts)
    schema.warnings[:0] = warnings
    return SchemaAudit(parts, schema)
