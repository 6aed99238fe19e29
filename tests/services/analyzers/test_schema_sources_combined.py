"""How the schema's sources combine on real layouts: Rails' ``db/schema.rb`` beside a migration folder
that holds only the recent migrations (and the Solid Queue/Cache dumps), and a Prisma schema beside
another ORM's models in one repository. Driven through ``phasegate schema PATH --json``."""

from __future__ import annotations

import json

from phasegate.app.cli.main import main

SCHEMA_RB = """ActiveRecord::Schema[7.1].define(version: 2025_01_02_000000) do
  create_table "stories", force: :cascade do |t|
    t.string "title", limit: 150, null: false
    t.bigint "user_id", null: false
    t.boolean "is_deleted", default: false
    t.timestamps
  end

  create_table "users", force: :cascade do |t|
    t.string "username", null: false
    t.string "email"
  end

  add_foreign_key "stories", "users"
end
"""

# The migration folder was pruned: only a recent migration that changes a table it never creates.
RECENT_MIGRATION = """class AddKarmaToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :karma, :integer, default: 0, null: false
  end
end
"""

QUEUE_SCHEMA_RB = """ActiveRecord::Schema[7.1].define(version: 1) do
  create_table "solid_queue_jobs", force: :cascade do |t|
    t.string "queue_name", null: false
    t.string "class_name", null: false
    t.datetime "finished_at"
  end
end
"""

CACHE_SCHEMA_RB = """ActiveRecord::Schema[7.1].define(version: 1) do
  create_table "solid_cache_entries", force: :cascade do |t|
    t.binary "key", limit: 1024, null: false
    t.binary "value", limit: 536870912, null: false
  end
end
"""


def _schema(root, capsys) -> dict:
    assert main(["schema", str(root), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _tables(data: dict) -> dict[str, dict]:
    return {t["name"]: t for t in data["tables"]}


def test_rails_schema_rb_is_the_authority_beside_recent_migrations(make_repo, capsys) -> None:
    root = make_repo({
        "db/schema.rb": SCHEMA_RB,
        "db/queue_schema.rb": QUEUE_SCHEMA_RB,
        "db/cache_schema.rb": CACHE_SCHEMA_RB,
        "db/migrate/20250102000000_add_karma_to_users.rb": RECENT_MIGRATION,
        "app/models/story.rb": "class Story < ApplicationRecord\nend\n",
    })
    tables = _tables(_schema(root, capsys))
    assert sorted(tables) == ["solid_cache_entries", "solid_queue_jobs", "stories", "users"]
    stories = tables["stories"]
    assert [c["name"] for c in stories["columns"]] == [
        "id", "title", "user_id", "is_deleted", "created_at", "updated_at"]
    assert stories["source"] == "db/schema.rb" and stories["columns_known"]
    title = next(c for c in stories["columns"] if c["name"] == "title")
    assert (title["type"], title["nullable"]) == ("VARCHAR(150)", False)
    assert [(fk["columns"], fk["ref_table"]) for fk in stories["foreign_keys"]] == [(["user_id"], "users")]
    # the recent migration's column is added to the table the dump defines, not a bare stub
    users = tables["users"]
    assert [c["name"] for c in users["columns"]] == ["id", "username", "email", "karma"]
    assert users["source"] == "db/schema.rb" and users["columns_known"]
    assert [c["name"] for c in tables["solid_queue_jobs"]["columns"]] == [
        "id", "queue_name", "class_name", "finished_at"]
    assert tables["solid_queue_jobs"]["source"] == "db/queue_schema.rb"
    assert tables["solid_cache_entries"]["source"] == "db/cache_schema.rb"


def test_rails_migrations_alone_still_replay_without_a_dump(make_repo, capsys) -> None:
    root = make_repo({"db/migrate/20250101000000_create_tags.rb": (
        "class CreateTags < ActiveRecord::Migration[7.1]\n  def change\n    create_table :tags do |t|\n"
        "      t.string :tag, null: false\n    end\n  end\nend\n")})
    tables = _tables(_schema(root, capsys))
    assert list(tables) == ["tags"]
    assert [c["name"] for c in tables["tags"]["columns"]] == ["id", "tag"]


PRISMA = """datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Invoice {
  id     Int    @id @default(autoincrement())
  number String @unique
  @@map("invoices")
}
"""

TYPEORM_ENTITY = """import { Entity, PrimaryGeneratedColumn, Column } from "typeorm";

@Entity("audit_events")
export class AuditEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: "actor_name", length: 80 })
  actor: string;
}
"""


def test_prisma_schema_does_not_hide_another_orms_models(make_repo, capsys) -> None:
    root = make_repo({
        "prisma/schema.prisma": PRISMA,
        "prisma/migrations/20250101000000_init/migration.sql": (
            'CREATE TABLE "invoices" ("id" SERIAL PRIMARY KEY, "number" TEXT NOT NULL);\n'),
        "src/audit/audit-event.entity.ts": TYPEORM_ENTITY,
    })
    data = _schema(root, capsys)
    tables = _tables(data)
    assert sorted(tables) == ["audit_events", "invoices"]
    assert tables["invoices"]["source"] == "prisma/schema.prisma"
    assert [c["name"] for c in tables["invoices"]["columns"]] == ["id", "number"]
    assert tables["audit_events"]["source"] == "src/audit/audit-event.entity.ts"
    assert [c["name"] for c in tables["audit_events"]["columns"]] == ["id", "actor_name"]


DIESEL_SCHEMA = """// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;

    /// Representation of the `crate_owners` table.
    ///
    /// (Automatically generated by Diesel.)
    crate_owners (crate_id, owner_id) {
        /// The `crate_id` column of the `crate_owners` table.
        ///
        /// Its SQL type is `Int4`.
        crate_id -> Int4,
        /// The `owner_id` column of the `crate_owners` table.
        owner_id -> Int4,
        /// NULL or the time the invitation was accepted
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Representation of the `recent_downloads` view.
    #[sql_name = "recent_crate_downloads"]
    recent_downloads (crate_id) {
        crate_id -> Integer,
        #[sql_name = "downloads"]
        download_count -> BigInt,
    }
}
"""


def test_diesel_schema_rs_leads_the_sql_migrations(make_repo, capsys) -> None:
    root = make_repo({
        "diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n',
        "src/schema.rs": DIESEL_SCHEMA,
        # both version styles Diesel accepts, in one folder: 2017-09-23-… is 20170923…, after 20170804…
        "migrations/20170804200817_create_owners/up.sql": (
            "CREATE TABLE crate_owners (crate_id INTEGER NOT NULL, user_id INTEGER NOT NULL);\n"
            "CREATE TABLE tokens (id SERIAL PRIMARY KEY);\n"),
        "migrations/2017-09-23-182408_rename_owner/up.sql": (
            "ALTER TABLE crate_owners RENAME user_id TO owner_id;\nDROP TABLE tokens;\n"),
        "migrations/2017-09-23-182408_rename_owner/down.sql": "CREATE TABLE tokens (id SERIAL PRIMARY KEY);\n",
        "migrations/2018-01-01-000000_add_accepted/up.sql": (
            "ALTER TABLE crate_owners ADD COLUMN accepted_at TIMESTAMPTZ;\n"),
    })
    tables = _tables(_schema(root, capsys))
    # the dropped table is gone and the renamed column is not a table
    assert sorted(tables) == ["crate_owners", "recent_crate_downloads"]
    owners = tables["crate_owners"]
    assert owners["source"] == "src/schema.rs"
    assert [(c["name"], c["type"], c["nullable"], c["primary_key"]) for c in owners["columns"]] == [
        ("crate_id", "INTEGER", False, True), ("owner_id", "INTEGER", False, True),
        ("accepted_at", "TIMESTAMPTZ", True, False)]
    assert [c["name"] for c in tables["recent_crate_downloads"]["columns"]] == ["crate_id", "downloads"]


def test_diesel_migrations_alone_order_mixed_version_styles(make_repo, capsys) -> None:
    root = make_repo({
        "migrations/20170804200817_create_owners/up.sql": (
            "CREATE TABLE crate_owners (crate_id INTEGER NOT NULL, user_id INTEGER NOT NULL);\n"
            "CREATE TABLE tokens (id SERIAL PRIMARY KEY);\n"),
        "migrations/2017-09-23-182408_rename_owner/up.sql": (
            "ALTER TABLE crate_owners RENAME user_id TO owner_id;\nDROP TABLE tokens;\n"),
    })
    tables = _tables(_schema(root, capsys))
    assert list(tables) == ["crate_owners"]
    assert [c["name"] for c in tables["crate_owners"]["columns"]] == ["crate_id", "owner_id"]


GORM_V1_MODELS = {
    "go.mod": "module example.com/blog\n",
    "pkg/setting/setting.go": """package setting

type Database struct {
	Name        string
	Password    string
	TablePrefix string
}

var DatabaseSetting = &Database{}
""",
    "models/models.go": """package models

import (
	"github.com/jinzhu/gorm"

	"example.com/blog/pkg/setting"
)

type Model struct {
	ID        int `gorm:"primary_key" json:"id"`
	CreatedOn int `json:"created_on"`
}

func Setup() {
	gorm.DefaultTableNameHandler = func(db *gorm.DB, defaultTableName string) string {
		return setting.DatabaseSetting.TablePrefix + defaultTableName
	}
	db.SingularTable(true)
}
""",
    "models/post.go": """package models

type Post struct {
	Model
	Title string `json:"title" gorm:"size:200"`
}
""",
    "models/label.go": """package models

type Label struct {
	Model
	Name string `json:"name" gorm:"not null"`
}
""",
}


def test_gorm_table_prefix_from_a_committed_settings_file(make_repo, capsys) -> None:
    root = make_repo({**GORM_V1_MODELS,
                      "conf/app.ini": "[database]\nName = blog\nPassword = s3cret\nTablePrefix = blog_\n"})
    data = _schema(root, capsys)
    tables = _tables(data)
    assert sorted(tables) == ["blog_label", "blog_post"]  # every model, not only the first one read
    assert [c["name"] for c in tables["blog_post"]["columns"]] == ["id", "created_on", "title"]
    reasons = [w["reason"] for w in data["warnings"]]
    assert reasons == ["gorm: table prefix setting.DatabaseSetting.TablePrefix is set at run time; "
                       "shown with 'blog_', its value in conf/app.ini"]
    assert "s3cret" not in json.dumps(data)


def test_gorm_v2_naming_strategy_prefix_from_yaml_and_unresolved(make_repo, capsys) -> None:
    db_go = """package db

import (
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"example.com/shop/config"
)

func Open(cfg config.Config) *gorm.DB {
	db, _ := gorm.Open(nil, &gorm.Config{NamingStrategy: schema.NamingStrategy{TablePrefix: cfg.Database.TablePrefix}})
	db.AutoMigrate(&Order{})
	return db
}

type Order struct {
	ID    uint
	Total int64
}
"""
    root = make_repo({"go.mod": "module example.com/shop\n", "internal/db/db.go": db_go,
                      "config/config.yaml": "database:\n  host: localhost\n  table_prefix: shop_\n"})
    data = _schema(root, capsys)
    assert list(_tables(data)) == ["shop_orders"]
    assert "its value in config/config.yaml" in data["warnings"][0]["reason"]

    bare = make_repo({"go.mod": "module example.com/shop\n", "internal/db/db.go": db_go})
    data = _schema(bare, capsys)
    assert list(_tables(data)) == ["orders"]
    assert data["warnings"] == [{"path": "internal/db/db.go", "line": 11, "reason": (
        "gorm: table prefix cfg.Database.TablePrefix is set at run time and no committed settings file gives it; "
        "table names are shown without it")}]
