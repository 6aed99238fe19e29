"""The database schema model shared by every schema reader, the diff and the Schema tab.

Its JSON (``Schema.to_json()``) is the stable ``phasegate schema --json`` contract of DESIGN §4;
keep field names and nesting exactly as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from phasegate.app.analyzers.readers import SourceWarning


class Column(BaseModel):
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    primary_key: bool = False
    unique: bool = False


class Index(BaseModel):
    name: str | None = None
    columns: list[str] = Field(default_factory=list)
    unique: bool = False


class ForeignKey(BaseModel):
    columns: list[str] = Field(default_factory=list)
    ref_table: str
    ref_columns: list[str] = Field(default_factory=list)


class Table(BaseModel):
    name: str  # the database name (``blog_post``, not ``Post``)
    columns: list[Column] = Field(default_factory=list)
    indexes: list[Index] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    kind: Literal["table", "collection"] = "table"  # a collection is a document store's (Mongoose)
    source: str | None = None  # the file the table is declared in (model or migration)
    origin: Literal["models", "migrations", "ddl"] | None = None  # which kind of source said so
    columns_known: bool = True  # False: known by name only, its columns could not be read

    def column(self, name: str) -> Column | None:
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


class EnumType(BaseModel):
    name: str
    values: list[str] = Field(default_factory=list)


class Drift(BaseModel):
    """A disagreement between the models and the migrations of one repository.

    ``column`` is None when a whole table is in one and not the other. ``kind`` says which side has it.
    """

    table: str
    column: str | None = None
    kind: Literal["table_only_in_models", "table_only_in_migrations",
                  "column_only_in_models", "column_only_in_migrations"]
    model_source: str | None = None
    migration_source: str | None = None

    def describe(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        side = "the models" if self.kind.endswith("models") else "the migrations"
        return f"{where} is only in {side}"


class Schema(BaseModel):
    sources: list[str] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    enums: list[EnumType] = Field(default_factory=list)
    warnings: list[SourceWarning] = Field(default_factory=list)
    drift: list[Drift] = Field(default_factory=list)

    def table(self, name: str) -> Table | None:
        low = name.lower()
        return next((t for t in self.tables if t.name.lower() == low), None)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SchemaPart(BaseModel):
    """What one reader found in the files of one stack: its tables and enums, and what it could not read."""

    reader: str  # the reader's name: "sqlalchemy", "alembic", "typeorm", "liquibase", …
    origin: Literal["models", "migrations", "ddl"]
    tables: list[Table] = Field(default_factory=list)
    enums: list[EnumType] = Field(default_factory=list)
    warnings: list[SourceWarning] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)  # the files that contributed
    # True when this part *is* the schema by the tool's own rules (a Prisma schema): other parts of the
    # same side then only feed drift, they add no tables.
    authoritative: bool = False
    # True for a dump the migration tool keeps in step with its migrations (Rails' ``db/schema.rb``):
    # it leads the migrations side even when the migration folder holds only the recent migrations.
    migrations_dump: bool = False


class SchemaChange(BaseModel):
    """One difference between two schemas; ``before``/``after`` hold the changed item's JSON."""

    kind: str
    table: str | None = None
    column: str | None = None
    before: Any = None
    after: Any = None
    destructive: bool = False

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
