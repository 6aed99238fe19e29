"""The GORM schema reader on small fixture projects: which structs are models, GORM's naming, tags,
``gorm.Model``, ``TableName()``, many2many join tables and belongs-to keys; and that golang-migrate SQL
is left to the SQL path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.readers import ParseCache, SourceWarning, run_reader
from phasegate.app.analyzers.schema import schema_at
from phasegate.app.analyzers.schema_model import SchemaPart, Table
from phasegate.app.analyzers.schema_readers import all_readers, gorm
from phasegate.app.analyzers.schema_readers.gorm import db_name, gorm_settings, struct_tag
from tests.support.repos import commit_all, write_files


def read(root: Path, rev: str | None = None) -> SchemaPart:
    tree = open_tree(root, rev)
    try:
        warnings: list[SourceWarning] = []
        part = run_reader(gorm.READERS[0], tree, tree.paths(), warnings, cache=ParseCache())
        part.warnings = warnings + part.warnings
        return part
    finally:
        tree.close()


def table(part: SchemaPart, name: str) -> Table:
    found = next((t for t in part.tables if t.name == name), None)
    assert found is not None, f"{name} not in {[t.name for t in part.tables]}"
    return found


MODELS = {
    "go.mod": "module example.com/shop\n",
    "internal/models/user.go": """package models

import (
	"time"

	"gorm.io/gorm"
)

type Base struct {
	UUID      string `gorm:"type:uuid;default:gen_random_uuid()"`
	UpdatedBy *string
}

type User struct {
	gorm.Model
	Base
	Email     string     `gorm:"size:120;uniqueIndex;not null"`
	FullName  string     `gorm:"column:name"`
	APIKey    string     `gorm:"index:idx_key"`
	Age       *int
	Secret    string     `gorm:"-"`
	LastLogin time.Time
	Profile   Profile
	Orders    []Order
	Roles     []*Role    `gorm:"many2many:user_roles;"`
	internal  string
}

type Profile struct {
	ID     uint   `gorm:"primaryKey"`
	UserID uint
	Bio    string `gorm:"type:text"`
}
""",
    "internal/models/order.go": """package models

type Order struct {
	OrderNo    string `gorm:"primaryKey;size:20"`
	UserID     uint   `gorm:"not null"`
	User       User
	TotalCents int64  `gorm:"default:0"`
}

type Role struct {
	ID   uint
	Name string
}

func (Role) TableName() string { return "auth_roles" }

type Category struct {
	ID   uint
	Name string
}

// not a model: no gorm tag, no gorm.Model, never migrated
type OrderView struct {
	OrderNo string
	Total   float64
}
""",
    "cmd/migrate/main.go": """package main

import "example.com/shop/internal/models"

func main() {
	db := open()
	db.AutoMigrate(&models.User{}, &models.Order{}, models.Role{}, new(models.Category), &models.Ghost{})
}
""",
    "internal/models/user_test.go": "package models\n\ntype Fixture struct {\n\tgorm.Model\n}\n",
}


def test_gorm_models(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(MODELS))
    assert sorted(t.name for t in part.tables) == ["auth_roles", "categories", "orders", "profiles", "user_roles",
                                                   "users"]
    users = table(part, "users")
    assert [c.name for c in users.columns] == [
        "id", "created_at", "updated_at", "deleted_at", "uuid", "updated_by", "email", "name", "api_key", "age",
        "last_login"]
    assert users.column("id").primary_key and not users.column("id").nullable
    email = users.column("email")
    assert (email.type, email.nullable) == ("varchar(120)", False)
    assert users.column("uuid").type == "uuid" and users.column("uuid").default == "gen_random_uuid()"
    assert users.column("age").type == "bigint" and users.column("age").nullable
    assert users.column("last_login").type == "timestamp"
    assert [(ix.name, ix.columns, ix.unique) for ix in users.indexes] == [
        (None, ["deleted_at"], False), (None, ["email"], True), ("idx_key", ["api_key"], False)]
    orders = table(part, "orders")
    assert [c.name for c in orders.columns] == ["order_no", "user_id", "total_cents"]
    assert orders.column("order_no").primary_key and orders.column("order_no").type == "varchar(20)"
    assert orders.column("total_cents").default == "0"
    assert {(tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in orders.foreign_keys} == {
        (("user_id",), "users", ("id",))}
    profiles = table(part, "profiles")  # has-one: the key lives on Profile
    assert {(tuple(f.columns), f.ref_table) for f in profiles.foreign_keys} == {(("user_id",), "users")}
    join = table(part, "user_roles")
    assert [c.name for c in join.columns] == ["user_id", "role_id"]
    assert {(tuple(f.columns), f.ref_table) for f in join.foreign_keys} == {(("user_id",), "users"),
                                                                          (("role_id",), "auth_roles")}
    assert [(w.path, w.reason) for w in part.warnings] == [
        ("cmd/migrate/main.go", "gorm: AutoMigrate of Ghost, a struct not found in the repository")]


def test_gorm_naming_and_tags() -> None:
    assert [db_name(n) for n in ("UserID", "HTTPServer", "APIKey", "FollowedByID", "Address1", "OAuthToken")] == [
        "user_id", "http_server", "api_key", "followed_by_id", "address1", "o_auth_token"]
    tag = 'json:"name,omitempty" gorm:"column:full_name;type:varchar(10);not null"'
    assert struct_tag(tag, "gorm") == "column:full_name;type:varchar(10);not null"
    assert struct_tag(tag, "json") == "name,omitempty" and struct_tag(tag, "xml") is None
    assert gorm_settings("column:x;primary_key;default:'a'") == {"COLUMN": "x", "PRIMARY_KEY": "PRIMARY_KEY",
                                                                 "DEFAULT": "'a'"}


def test_gorm_v1_tags_and_a_revision(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"models.go": """package m

import "github.com/jinzhu/gorm"

type ArticleModel struct {
	gorm.Model
	Slug  string     `gorm:"unique_index"`
	Tags  []TagModel `gorm:"many2many:article_tags;"`
}

type TagModel struct {
	gorm.Model
	Tag string `gorm:"unique_index"`
}
"""})
    first = commit_all(root, "again")
    write_files(root, {"models.go": (root / "models.go").read_text().replace(
        'Tag string `gorm:"unique_index"`', 'Tag string `gorm:"unique_index"`\n\tColor string `sql:"not null"`')})
    commit_all(root, "color")
    before, after = read(root, first), read(root)
    assert [c.name for c in table(before, "tag_models").columns][-1] == "tag"
    color = table(after, "tag_models").column("color")
    assert color is not None and not color.nullable
    join = table(after, "article_tags")
    assert [c.name for c in join.columns] == ["article_model_id", "tag_model_id"]
    assert [(ix.columns, ix.unique) for ix in table(after, "article_models").indexes] == [
        (["deleted_at"], False), (["slug"], True)]


def test_golang_migrate_sql_stays_with_the_sql_path(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "migrations/000001_users.up.sql": "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n",
        "migrations/000001_users.down.sql": "DROP TABLE users;\n",
        "internal/repo/user.go": "package repo\n\ntype User struct {\n\tID    int64\n\tEmail string\n}\n",
    })
    assert read(root).tables == []  # a plain struct is not a GORM model
    assert [t.name for t in schema_at(root).tables] == ["users"]
    assert "gorm" in {r.name for r in all_readers()}


def test_gorm_naming_strategy(make_repo: Callable[..., Path]) -> None:
    model = "package m\n\ntype OrderItem struct {\n\tID  uint\n\tSku string `gorm:\"size:12\"`\n}\n"
    v2 = make_repo({"m.go": model, "db.go": """package m

func open() {
	db, _ := gorm.Open(dialector, &gorm.Config{NamingStrategy: schema.NamingStrategy{TablePrefix: "shop_", SingularTable: true}})
}
"""})
    assert [t.name for t in read(v2).tables] == ["shop_order_item"]
    v1 = make_repo({"m.go": model, "db.go": """package m

func setup() {
	gorm.DefaultTableNameHandler = func(db *gorm.DB, name string) string { return setting.Prefix + name }
	db.SingularTable(true)
}
"""})
    part = read(v1)
    assert [t.name for t in part.tables] == ["order_item"]
    assert [(w.path, w.line) for w in part.warnings] == [("db.go", 4)]
    assert "run time" in part.warnings[0].reason
