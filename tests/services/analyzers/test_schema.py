"""Schema model: Prisma and SQL parsing, migration replay at revisions, every diff kind, destructive flags."""

from __future__ import annotations

import pytest

from phasegate.app.analyzers.prisma import parse_prisma
from phasegate.app.analyzers.schema import Schema, diff_schemas, is_narrowing, schema_at
from phasegate.app.analyzers.sql_ddl import guess_dialect, parse_sql
from phasegate.app.errors import PhasegateError
from tests.support.repos import commit_all, write_files

PRISMA = """
// Shop schema
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
generator client { provider = "prisma-client-js" }

enum Role {
  USER
  ADMIN
}

model User {
  id        Int      @id @default(autoincrement())
  email     String   @unique @db.VarChar(255)
  name      String?
  role      Role     @default(USER)
  createdAt DateTime @default(now()) @map("created_at")
  posts     Post[]
  @@map("users")
}

model Post {
  id       Int     @id @default(autoincrement())
  title    String  @default("untitled") // trailing comment
  authorId Int     @map("author_id")
  author   User    @relation(fields: [authorId], references: [id], onDelete: Cascade)
  tags     String[]
  @@index([authorId])
  @@unique([title, authorId], map: "post_title_author")
}

model Membership {
  userId Int
  teamId Int
  @@id([userId, teamId])
}
"""


def table(schema: Schema, name: str):
    found = schema.table(name)
    assert found is not None, f"no table {name}: {[t.name for t in schema.tables]}"
    return found


def test_prisma_models_fields_attributes_and_enums() -> None:
    schema = parse_prisma(PRISMA, "prisma/schema.prisma")
    assert [t.name for t in schema.tables] == ["users", "Post", "Membership"]
    users = table(schema, "users")
    cols = {c.name: c for c in users.columns}
    assert set(cols) == {"id", "email", "name", "role", "created_at"}  # relation list field is not a column
    assert cols["id"].primary_key and not cols["id"].nullable and cols["id"].default == "autoincrement()"
    assert cols["email"].unique and cols["email"].type == "VarChar(255)"
    assert cols["name"].nullable and cols["name"].type == "String"
    assert cols["role"].type == "Role" and cols["role"].default == "USER"
    post = table(schema, "Post")
    assert {c.name: c.type for c in post.columns}["tags"] == "String[]"
    assert {c.name: c.default for c in post.columns}["title"] == '"untitled"'
    assert [fk.model_dump() for fk in post.foreign_keys] == [
        {"columns": ["author_id"], "ref_table": "users", "ref_columns": ["id"]}]
    assert [(ix.name, ix.columns, ix.unique) for ix in post.indexes] == [
        ("Post_author_id_idx", ["author_id"], False), ("post_title_author", ["title", "author_id"], True)]
    assert all(c.primary_key for c in table(schema, "Membership").columns)
    assert [e.model_dump() for e in schema.enums] == [{"name": "Role", "values": ["USER", "ADMIN"]}]


def test_schema_json_shape_is_the_documented_contract() -> None:
    data = parse_prisma(PRISMA).to_json()
    assert set(data) == {"sources", "tables", "enums", "warnings", "drift"}
    t = data["tables"][0]
    assert set(t) == {"name", "columns", "indexes", "foreign_keys", "kind", "source", "origin", "columns_known"}
    assert set(t["columns"][0]) == {"name", "type", "nullable", "default", "primary_key", "unique"}
    assert set(data["tables"][1]["indexes"][0]) == {"name", "columns", "unique"}
    assert set(data["tables"][1]["foreign_keys"][0]) == {"columns", "ref_table", "ref_columns"}
    assert set(data["enums"][0]) == {"name", "values"}


def test_postgres_ddl() -> None:
    schema = parse_sql("""
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE TABLE orgs (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE users (
            id SERIAL PRIMARY KEY,
            email VARCHAR(255) NOT NULL UNIQUE,
            org_id BIGINT REFERENCES orgs(id),
            created_at TIMESTAMP DEFAULT now(),
            CONSTRAINT users_org_email UNIQUE (org_id, email)
        );
        CREATE INDEX users_created_idx ON users (created_at);
        ALTER TYPE mood ADD VALUE 'meh';
    """, "postgres")
    users = table(schema, "users")
    cols = {c.name: c for c in users.columns}
    assert cols["id"].primary_key and not cols["id"].nullable
    assert cols["email"].type == "VARCHAR(255)" and cols["email"].unique and not cols["email"].nullable
    assert cols["created_at"].default is not None and cols["created_at"].nullable
    assert users.foreign_keys[0].model_dump() == {"columns": ["org_id"], "ref_table": "orgs", "ref_columns": ["id"]}
    assert {(ix.name, tuple(ix.columns), ix.unique) for ix in users.indexes} == {
        ("users_org_email", ("org_id", "email"), True), ("users_created_idx", ("created_at",), False)}
    assert schema.enums[0].values == ["happy", "sad", "meh"]


def test_mysql_ddl() -> None:
    sql = """
        CREATE TABLE `accounts` (
          `id` INT NOT NULL AUTO_INCREMENT,
          `status` ENUM('active','closed') NOT NULL DEFAULT 'active',
          `owner_id` INT NOT NULL,
          PRIMARY KEY (`id`),
          UNIQUE KEY `uq_owner` (`owner_id`, `status`),
          KEY `ix_status` (`status`),
          CONSTRAINT `fk_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`)
        ) ENGINE=InnoDB;
        ALTER TABLE `accounts` MODIFY COLUMN `status` VARCHAR(20) NOT NULL;
        ALTER TABLE `accounts` DROP FOREIGN KEY `fk_owner`;
    """
    assert guess_dialect(sql) == "mysql"
    accounts = table(parse_sql(sql), "accounts")
    cols = {c.name: c for c in accounts.columns}
    assert cols["id"].primary_key and cols["status"].type == "VARCHAR(20)" and not cols["status"].nullable
    assert {(ix.name, ix.unique) for ix in accounts.indexes} == {("uq_owner", True), ("ix_status", False)}
    assert accounts.foreign_keys == []  # dropped by name


def test_sqlite_ddl() -> None:
    sql = """
        CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, user_id INTEGER,
                            FOREIGN KEY (user_id) REFERENCES users(id));
        ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notes RENAME COLUMN body TO content;
        CREATE UNIQUE INDEX notes_user_pinned ON notes (user_id, pinned);
    """
    assert guess_dialect(sql) == "sqlite"
    notes = table(parse_sql(sql), "notes")
    assert [c.name for c in notes.columns] == ["id", "content", "user_id", "pinned"]
    assert notes.column("pinned").default == "0"
    assert notes.indexes[0].unique and notes.indexes[0].columns == ["user_id", "pinned"]
    assert notes.foreign_keys[0].ref_table == "users"


def test_unparseable_statements_are_skipped_not_fatal() -> None:
    schema = parse_sql("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n"
                       "CREATE TABLE t (id INT PRIMARY KEY);\n", "postgres")
    assert [t.name for t in schema.tables] == ["t"]


def test_migration_replay_at_each_revision(make_repo) -> None:
    root = make_repo({"db/migrations/000001_users.up.sql": "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name TEXT);\n",
                      "db/migrations/000001_users.down.sql": "DROP TABLE users;\n"})
    first = commit_all(root, "noop")  # same tree; a named revision to come back to
    write_files(root, {
        "db/migrations/000002_email.up.sql": "ALTER TABLE users ADD COLUMN email VARCHAR(255) NOT NULL;\n"
                                             "CREATE UNIQUE INDEX users_email ON users (email);\n",
        "db/migrations/000002_email.down.sql": "ALTER TABLE users DROP COLUMN email;\n",
        # 10 sorts after 2 (natural order), and drops the column added by 2.
        "db/migrations/000010_drop_name.up.sql": "ALTER TABLE users DROP COLUMN name;\n",
    })
    second = commit_all(root, "migrations 2 and 10")
    at_first = schema_at(root, first)
    assert [c.name for c in table(at_first, "users").columns] == ["id", "name"]
    assert at_first.sources == ["db/migrations/000001_users.up.sql"]
    at_second = schema_at(root, second)
    assert [c.name for c in table(at_second, "users").columns] == ["id", "email"]
    assert schema_at(root).to_json() == at_second.to_json()  # working tree == HEAD here
    kinds = {(c.kind, c.column, c.destructive) for c in diff_schemas(at_first, at_second)}
    assert kinds == {("column_added", "email", True), ("column_removed", "name", True),
                     ("index_added", "email", False)}


def test_flyway_and_goose_and_prisma_precedence(make_repo) -> None:
    root = make_repo({
        "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE a (id INT PRIMARY KEY);\n",
        "src/main/resources/db/migration/V2__b.sql": "CREATE TABLE b (id INT PRIMARY KEY);\n",
        "src/main/resources/db/migration/V10__drop_a.sql": "DROP TABLE a;\n",
    })
    assert [t.name for t in schema_at(root).tables] == ["b"]
    goose = make_repo({"sql/001_x.sql": "-- +goose Up\nCREATE TABLE x (id INT);\n-- +goose Down\nDROP TABLE x;\n"})
    assert [t.name for t in schema_at(goose).tables] == ["x"]
    both = make_repo({"prisma/schema.prisma": PRISMA,
                      "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE other (id INT);\n"})
    assert [t.name for t in schema_at(both).tables] == ["users", "Post", "Membership"]


def test_bad_revision_is_a_clear_error(make_repo) -> None:
    root = make_repo({"a.sql": "CREATE TABLE a (id INT);\n"})
    with pytest.raises(PhasegateError, match="unknown revision"):
        schema_at(root, "no-such-rev")


BEFORE = """
CREATE TYPE status AS ENUM ('new', 'paid', 'void');
CREATE TYPE legacy AS ENUM ('x');
CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, note TEXT, score INT, born DATE);
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT REFERENCES customers(id), total NUMERIC(10,2));
CREATE INDEX orders_customer ON orders (customer_id);
CREATE TABLE audit (id INT);
"""
AFTER = """
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TYPE channel AS ENUM ('web', 'shop');
CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(500), score BIGINT,
                        born TIMESTAMP, email TEXT NOT NULL, nickname TEXT, tier INT NOT NULL DEFAULT 1);
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT, total NUMERIC(12,2),
                     channel_id INT REFERENCES channels(id));
CREATE INDEX orders_total ON orders (total);
CREATE TABLE channels (id INT PRIMARY KEY);
"""


def test_every_diff_kind_and_destructive_flags() -> None:
    changes = diff_schemas(parse_sql(BEFORE, "postgres"), parse_sql(AFTER, "postgres"))
    got = {(c.kind, c.table, c.column): c.destructive for c in changes}
    expected = {
        ("table_added", "channels", None): False,
        ("table_removed", "audit", None): True,
        ("column_changed", "customers", "name"): True,      # VARCHAR(200) -> VARCHAR(100) narrows
        ("column_changed", "customers", "note"): True,      # TEXT -> VARCHAR(500) narrows
        ("column_changed", "customers", "score"): False,    # INT -> BIGINT widens
        ("column_changed", "customers", "born"): False,     # DATE -> TIMESTAMP widens
        ("column_added", "customers", "email"): True,       # NOT NULL, no default, existing table
        ("column_added", "customers", "nickname"): False,
        ("column_added", "customers", "tier"): False,       # NOT NULL but has a default
        ("column_changed", "orders", "total"): False,       # NUMERIC(10,2) -> (12,2) widens
        ("column_added", "orders", "channel_id"): False,
        ("fk_removed", "orders", "customer_id"): False,
        ("fk_added", "orders", "channel_id"): False,
        ("index_removed", "orders", "customer_id"): False,
        ("index_added", "orders", "total"): False,
        ("enum_changed", None, None): True,                 # 'void' removed
        ("enum_added", None, None): False,
        ("enum_removed", None, None): False,
    }
    assert got == expected
    enum_change = next(c for c in changes if c.kind == "enum_changed")
    assert enum_change.before["values"] == ["new", "paid", "void"] and enum_change.after["values"] == ["new", "paid"]
    assert set(changes[0].to_json()) == {"kind", "table", "column", "before", "after", "destructive"}


def test_new_not_null_column_on_a_new_table_is_not_destructive() -> None:
    changes = diff_schemas(Schema(), parse_sql("CREATE TABLE t (id INT NOT NULL, v TEXT NOT NULL);"))
    assert [(c.kind, c.destructive) for c in changes] == [("table_added", False)]


def test_column_nullability_and_default_changes_are_reported() -> None:
    a = parse_sql("CREATE TABLE t (v INT, w INT DEFAULT 1);")
    b = parse_sql("CREATE TABLE t (v INT NOT NULL, w INT DEFAULT 2);")
    changes = {c.column: c for c in diff_schemas(a, b)}
    assert changes["v"].before["nullable"] is True and changes["v"].after["nullable"] is False
    assert changes["w"].before["default"] == "1" and changes["w"].after["default"] == "2"
    assert not changes["v"].destructive and not changes["w"].destructive


@pytest.mark.parametrize(("before", "after", "narrowing"), [
    ("VARCHAR(255)", "VARCHAR(100)", True), ("VARCHAR(100)", "TEXT", False), ("BIGINT", "INT", True),
    ("INT", "BIGINT", False), ("TEXT", "INT", True), ("DOUBLE", "REAL", True), ("INT", "DOUBLE", False),
    ("NUMERIC(10,2)", "NUMERIC(10,1)", True), ("TIMESTAMP", "DATE", True), ("String", "Int", True),
    ("Int", "BigInt", False), ("VarChar(50)", "String", False), ("INTEGER", "INT", False),
])
def test_type_narrowing(before: str, after: str, narrowing: bool) -> None:
    assert is_narrowing(before, after) is narrowing


def test_prisma_diff_between_revisions(make_repo) -> None:
    root = make_repo({"prisma/schema.prisma": PRISMA})
    base = commit_all(root, "same")
    write_files(root, {"prisma/schema.prisma": PRISMA.replace("  name      String?\n", "")
                       .replace("  ADMIN\n", "  ADMIN\n  OWNER\n")})
    head = commit_all(root, "drop name, add role")
    got = {(c.kind, c.column, c.destructive) for c in diff_schemas(schema_at(root, base), schema_at(root, head))}
    assert got == {("column_removed", "name", True), ("enum_changed", None, False)}
