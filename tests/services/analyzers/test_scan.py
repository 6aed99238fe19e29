"""Repository audit on small real-world-shaped repositories, one per stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phasegate.app.analyzers.scan import SCAN_KEYS, scan_repository, summary_markdown

EXPRESS_PRISMA = {
    "package.json": json.dumps({"name": "shop", "dependencies": {
        "express": "^4.19.0", "@prisma/client": "^5.0.0", "jsonwebtoken": "^9.0.0", "bcrypt": "^5.1.0",
        "passport": "^0.7.0", "pg": "^8.11.0"}}),
    "prisma/schema.prisma": """
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model User {
  id       Int    @id @default(autoincrement())
  email    String @unique
  password String
  orders   Order[]
}
model Order {
  id     Int  @id @default(autoincrement())
  userId Int
  user   User @relation(fields: [userId], references: [id])
}
""",
    "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
    "prisma/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY);\n',
    "src/routes/users.js": """const express = require('express');
const router = express.Router();
const jwt = require('jsonwebtoken');
router.get('/users/:id', async (req, res) => {
  const rows = await db.query("SELECT * FROM users WHERE id = " + req.params.id);
  res.json(rows);
});
module.exports = router;
""",
    "src/config.js": "module.exports = { port: process.env.PORT || 3000 };\n",
    "src/auth/jwt.js": "const jwt = require('jsonwebtoken'); const JWT_SECRET = 'Zx81-prod-SigningKey-77Qa';\n",
    "src/auth/passport.js": "const passport = require('passport');\nconst bcrypt = require('bcrypt');\n"
                            "passport.use('jwt', jwtStrategy);\n",
    "openapi.yaml": "openapi: 3.0.3\ninfo:\n  title: Shop\n  version: 1.0.0\npaths: {}\n",
    ".env": "DATABASE_URL=postgres://shop:hunter2@db.internal/shop\nJWT_SECRET=abcdef\n",
    ".env.example": "DATABASE_URL=\nJWT_SECRET=\n",
    "node_modules/express/lib/router/index.js": "app.get('/x', function(){});\n",
    "_templates/route/new/route.ejs.t": "router.get('/<%= name %>', handler)\n",
    "test/fixtures/user.entity.ts": "@Entity()\nexport class FixtureUser {}\n",
}

NEST_TYPEORM = {
    "package.json": json.dumps({"dependencies": {"@nestjs/core": "^10", "typeorm": "^0.3", "mysql2": "^3",
                                                 "@nestjs/jwt": "^10", "argon2": "^0.31"}}),
    "src/users/users.controller.ts": """import { Controller, Get, UseGuards } from '@nestjs/common';
@Controller('users')
@UseGuards(RolesGuard)
export class UsersController {
  @Get() findAll() { return []; }
}
""",
    "src/users/user.entity.ts": """import { Entity, PrimaryGeneratedColumn, Column } from 'typeorm';
@Entity('users')
export class User { @PrimaryGeneratedColumn() id: number; @Column() email: string; }
""",
    "src/migrations/1700000000000-Init.ts": """import { MigrationInterface, QueryRunner } from 'typeorm';
export class Init1700000000000 implements MigrationInterface {
  async up(q: QueryRunner) { await q.query('CREATE TABLE users (id int)'); }
}
""",
    "src/auth/hash.ts": "import * as argon2 from 'argon2';\nexport const hash = (p: string) => argon2.hash(p);\n",
    "app.env": "NODE_ENV=production\n",
}

FASTAPI_ALEMBIC = {
    "pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi", "sqlalchemy>=2", "alembic", '
                      '"asyncpg", "pyjwt", "passlib[bcrypt]"]\n',
    "requirements-dev.txt": "pytest\n",
    "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/health')\ndef health():\n"
                   "    return {'ok': True}\n",
    "app/routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.post('/items')\n"
                            "def create(): ...\n",
    "app/models.py": """from sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase
class Base(DeclarativeBase): pass
class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
""",
    "app/config.py": "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    db_url: str\n",
    "app/security.py": "import jwt\nimport hashlib\n\ndef hash_pw(password):\n"
                       "    return hashlib.md5(password.encode()).hexdigest()\n",
    "alembic.ini": "[alembic]\nscript_location = alembic\n",
    "alembic/env.py": "from alembic import context\n",
    "alembic/versions/0001_init.py": 'revision = "0001"\ndown_revision = None\n\ndef upgrade():\n    pass\n',
    "tests/test_items.py": "@app.get('/not-a-route')\ndef t(): ...\n",
}

DJANGO = {
    "requirements.txt": "Django==5.0\ndjangorestframework==3.15\npsycopg2-binary\n",
    "shop/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
    "shop/urls.py": "from django.urls import path\nfrom orders import views\nurlpatterns = [\n"
                    "    path('orders/', views.OrderList.as_view()),\n]\n",
    "orders/models.py": "from django.db import models\nclass Order(models.Model):\n    total = models.IntegerField()\n",
    "orders/views.py": "from rest_framework.views import APIView\nclass OrderList(APIView):\n"
                       "    permission_classes = [IsAdmin]\n",
    "orders/migrations/0001_initial.py": "from django.db import migrations\n"
                                         "class Migration(migrations.Migration):\n    operations = []\n",
    "orders/migrations/__init__.py": "",
}

RAILS = {
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'pg'\ngem 'devise'\ngem 'bcrypt'\n",
    "config/routes.rb": "Rails.application.routes.draw do\n  resources :posts\nend\n",
    "app/models/post.rb": "class Post < ApplicationRecord\n  belongs_to :user\nend\n",
    "app/models/user.rb": "class User < ApplicationRecord\n  devise :database_authenticatable, :registerable\nend\n",
    "app/controllers/posts_controller.rb": "class PostsController < ApplicationController\nend\n",
    "db/migrate/20240101000000_create_posts.rb": "class CreatePosts < ActiveRecord::Migration[7.1]\nend\n",
    "db/schema.rb": 'ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table "posts" do |t|\n'
                    '    t.string "title"\n  end\nend\n',
}

GO_GIN_MIGRATE = {
    "go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n"
              "\tgithub.com/golang-migrate/migrate/v4 v4.17.0\n\tgithub.com/jackc/pgx/v5 v5.5.0\n"
              "\tgithub.com/golang-jwt/jwt/v5 v5.2.0\n\tgorm.io/gorm v1.25.0\n)\n",
    "cmd/server/main.go": 'package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() {\n'
                          '\tr := gin.Default()\n\tr.GET("/users", listUsers)\n\tr.Run()\n}\n',
    "internal/models/user.go": 'package models\n\nimport "gorm.io/gorm"\n\ntype User struct {\n'
                               '\tgorm.Model\n\tEmail string `gorm:"uniqueIndex"`\n}\n',
    "internal/config/config.go": 'package config\n\nimport "os"\n\nvar Port = os.Getenv("PORT")\n',
    "internal/auth/token.go": 'package auth\n\nimport "github.com/golang-jwt/jwt/v5"\n',
    "db/migrations/000001_create_users.up.sql": "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, email TEXT);\n",
    "db/migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
    "internal/repo/q.go": 'package repo\n\nfunc q(id string) string {\n'
                          '\treturn fmt.Sprintf("SELECT * FROM users WHERE id = %s", id)\n}\n',
}

GO_GOOSE = {
    "go.mod": "module example.com/g\n\nrequire github.com/pressly/goose/v3 v3.18.0\nrequire github.com/go-chi/chi/v5 v5.0.0\n",
    "main.go": 'package main\n\nfunc main() {\n\tr := chi.NewRouter()\n\tr.Get("/ping", ping)\n}\n',
    "sql/schema/001_users.sql": "-- +goose Up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n"
                                "-- +goose Down\nDROP TABLE users;\n",
}

SPRING_FLYWAY = {
    "pom.xml": "<project><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency>"
               "<dependency><artifactId>spring-boot-starter-data-jpa</artifactId></dependency>"
               "<dependency><artifactId>flyway-core</artifactId></dependency>"
               "<dependency><artifactId>postgresql</artifactId></dependency></dependencies></project>\n",
    "src/main/java/com/acme/UserController.java": "package com.acme;\n@RestController\n@RequestMapping(\"/users\")\n"
                                                  "public class UserController {\n  @PreAuthorize(\"hasRole('ADMIN')\")\n"
                                                  "  @GetMapping public List<User> all() { return null; }\n}\n",
    "src/main/java/com/acme/User.java": "package com.acme;\nimport jakarta.persistence.*;\n@Entity\n"
                                        "public class User { @Id Long id; }\n",
    "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
    "src/main/resources/db/migration/V2__email.sql": "ALTER TABLE users ADD COLUMN email VARCHAR(255);\n",
    "src/main/resources/application.yml": "spring:\n  datasource:\n    url: ${DB_URL}\n",
}

RUST_AXUM_SQLX = {
    "Cargo.toml": '[package]\nname = "svc"\n\n[dependencies]\naxum = "0.7"\nsqlx = { version = "0.7", '
                  'features = ["postgres"] }\njsonwebtoken = "9"\nargon2 = "0.5"\n',
    "src/main.rs": 'use axum::{routing::get, Router};\n#[tokio::main]\nasync fn main() {\n'
                   '    let app = Router::new().route("/users", get(list));\n}\n',
    "src/models.rs": "#[derive(sqlx::FromRow, Debug)]\npub struct User { pub id: i64 }\n",
    "src/auth.rs": "use argon2::Argon2;\n",
    "migrations/20240101120000_init.sql": "CREATE TABLE users (id BIGSERIAL PRIMARY KEY);\n",
}

RUST_DIESEL = {
    "Cargo.toml": '[package]\nname = "d"\n\n[dependencies]\nactix-web = "4"\ndiesel = { version = "2", '
                  'features = ["sqlite"] }\n',
    "src/main.rs": '#[get("/posts")]\nasync fn posts() -> impl Responder { "" }\n',
    "src/models.rs": "#[derive(Queryable, Selectable)]\n#[diesel(table_name = crate::schema::posts)]\n"
                     "pub struct Post { pub id: i32 }\n",
    "src/schema.rs": "diesel::table! {\n    posts (id) {\n        id -> Integer,\n    }\n}\n",
    "migrations/2024-01-01-000000_create_posts/up.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
    "migrations/2024-01-01-000000_create_posts/down.sql": "DROP TABLE posts;\n",
}

DOTNET_EF = {
    "Api/Api.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"><ItemGroup>'
                      '<PackageReference Include="Microsoft.EntityFrameworkCore" Version="8.0.0" />'
                      '<PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="8.0.0" />'
                      '<PackageReference Include="Microsoft.AspNetCore.Authentication.JwtBearer" Version="8.0.0" />'
                      "</ItemGroup></Project>\n",
    "Api/Controllers/UsersController.cs": "[ApiController]\n[Route(\"api/[controller]\")]\n"
                                          "public class UsersController : ControllerBase {}\n",
    "Api/Program.cs": "builder.Services.AddAuthentication().AddJwtBearer();\napp.MapControllers();\n",
    "Api/Data/AppDbContext.cs": "public class AppDbContext : DbContext {\n  public DbSet<User> Users { get; set; }\n}\n",
    "Api/Migrations/20240101000000_Init.cs": "public partial class Init : Migration {\n"
                                             "  protected override void Up(MigrationBuilder migrationBuilder) {}\n}\n",
}


def has(entries: list[dict[str, Any]], **fields: Any) -> bool:
    return any(all(e.get(k) == v for k, v in fields.items()) for e in entries)


def names(result: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {s["name"] for s in result["stack"]}


def test_express_prisma(make_repo) -> None:
    root = make_repo(EXPRESS_PRISMA)
    out = scan_repository(root).to_json()
    assert list(out) == list(SCAN_KEYS)
    assert {"JavaScript", "Express", "Prisma", "PostgreSQL"} <= names(out)
    assert has(out["schema_files"], path="prisma/schema.prisma", kind="prisma")
    assert has(out["migration_dirs"], path="prisma/migrations", tool="prisma")
    assert has(out["orm_models"], path="prisma/schema.prisma", orm="prisma")
    assert has(out["api_route_files"], path="src/routes/users.js", framework="express")
    assert has(out["openapi_specs"], path="openapi.yaml")
    assert has(out["manifests"], path="package.json")
    assert has(out["env_files"], path=".env", kind="env", has_values=True)
    assert has(out["env_files"], path=".env.example", kind="template")
    assert has(out["env_files"], path="src/config.js", kind="config_module")
    assert {("jwt", "src/routes/users.js"), ("passport", "src/auth/passport.js"), ("bcrypt", "package.json")} <= {
        (a["mechanism"], a["path"]) for a in out["auth"]}
    kinds = {(r["kind"], r["path"]) for r in out["risks"]}
    assert ("committed_env_file", ".env") in kinds
    assert ("raw_sql_concatenation", "src/routes/users.js") in kinds
    assert ("missing_fk_index", "prisma/schema.prisma") in kinds
    assert ("plaintext_password_column", "prisma/schema.prisma") in kinds
    # Vendored code, code templates and fixtures are never reported as routes or models.
    reported = {e["path"] for key in ("api_route_files", "orm_models") for e in out[key]}
    assert not any(p.startswith(("node_modules/", "_templates/", "test/")) for p in reported)
    # Every entry carries path and evidence; no env value leaks anywhere in the output.
    for key in SCAN_KEYS:
        if key != "schema_tables":  # a count
            assert all("path" in e and "evidence" in e for e in out[key]), key
    dumped = json.dumps(out)
    assert "hunter2" not in dumped and "abcdef" not in dumped
    # A hardcoded secret on an evidence line is redacted before it can reach a prompt.
    assert has(out["auth"], mechanism="jwt", path="src/auth/jwt.js") and "SigningKey" not in dumped
    assert all({"severity", "kind"} <= set(r) for r in out["risks"])


def test_nest_typeorm(make_repo) -> None:
    out = scan_repository(make_repo(NEST_TYPEORM)).to_json()
    assert {"TypeScript", "NestJS", "TypeORM", "MySQL"} <= names(out)
    assert has(out["api_route_files"], path="src/users/users.controller.ts", framework="nestjs")
    assert has(out["orm_models"], path="src/users/user.entity.ts", orm="typeorm")
    assert has(out["migration_dirs"], path="src/migrations", tool="typeorm")
    assert has(out["auth"], mechanism="rbac", path="src/users/users.controller.ts")
    assert has(out["auth"], mechanism="argon2", path="src/auth/hash.ts")
    assert has(out["env_files"], path="app.env", kind="env")
    assert out["schema_files"] == [] and out["openapi_specs"] == []


def test_fastapi_sqlalchemy_alembic(make_repo) -> None:
    out = scan_repository(make_repo(FASTAPI_ALEMBIC)).to_json()
    assert {"Python", "FastAPI", "SQLAlchemy", "Alembic", "PostgreSQL"} <= names(out)
    assert has(out["api_route_files"], path="app/main.py", framework="fastapi")
    assert has(out["api_route_files"], path="app/routers/items.py", framework="fastapi")
    assert not has(out["api_route_files"], path="tests/test_items.py")
    assert has(out["orm_models"], path="app/models.py", orm="sqlalchemy")
    assert has(out["migration_dirs"], path="alembic/versions", tool="alembic")
    assert has(out["manifests"], path="pyproject.toml") and has(out["manifests"], path="requirements-dev.txt")
    assert has(out["env_files"], path="app/config.py", kind="config_module")
    assert has(out["auth"], mechanism="jwt", path="app/security.py")
    assert has(out["risks"], kind="weak_password_hashing", path="app/security.py")


def test_django(make_repo) -> None:
    out = scan_repository(make_repo(DJANGO)).to_json()
    assert {"Django", "Django REST framework", "PostgreSQL"} <= names(out)
    # Route files come from the inventory: the urls file routing to a DRF view, and the view's file.
    assert has(out["api_route_files"], path="shop/urls.py", framework="drf", role="routes", endpoints=1)
    assert has(out["api_route_files"], path="orders/views.py", framework="drf", role="handlers")
    assert out["endpoints"] == [{"method": "ANY", "path": "/orders", "file": "shop/urls.py", "line": 4,
                                 "framework": "drf", "auth": "IsAdmin", "dead": False, "dev_only": False,
                                 "evidence": "shop/urls.py:4"}]
    assert has(out["orm_models"], path="orders/models.py", orm="django")
    assert has(out["migration_dirs"], path="orders/migrations", tool="django")
    assert has(out["auth"], mechanism="rbac", path="orders/views.py")
    assert has(out["env_files"], path="shop/settings.py", kind="config_module")


def test_rails(make_repo) -> None:
    out = scan_repository(make_repo(RAILS)).to_json()
    assert {"Ruby", "Rails", "PostgreSQL"} <= names(out)
    assert has(out["api_route_files"], path="config/routes.rb", framework="rails")
    assert has(out["orm_models"], path="app/models/post.rb", orm="activerecord")
    assert has(out["migration_dirs"], path="db/migrate", tool="rails")
    assert has(out["manifests"], path="Gemfile")
    assert has(out["auth"], mechanism="devise", path="Gemfile")
    assert has(out["auth"], mechanism="bcrypt", path="app/models/user.rb")  # Devise stores bcrypt digests
    assert has(out["schema_files"], path="db/schema.rb")


def test_go_gin_golang_migrate(make_repo) -> None:
    out = scan_repository(make_repo(GO_GIN_MIGRATE)).to_json()
    assert {"Go", "Gin", "GORM", "PostgreSQL", "golang-migrate"} <= names(out)
    assert has(out["api_route_files"], path="cmd/server/main.go", framework="gin")
    assert has(out["orm_models"], path="internal/models/user.go", orm="gorm")
    assert has(out["migration_dirs"], path="db/migrations", tool="golang-migrate", files=2)
    # a migration is not a schema file: its table comes from the migrations reader
    assert not has(out["schema_files"], path="db/migrations/000001_create_users.up.sql")
    assert has(out["schema_readers"], reader="sql-migrations", origin="migrations", tables=1)
    assert out["schema_tables"] >= 1
    assert has(out["env_files"], path="internal/config/config.go", kind="config_module")
    assert has(out["auth"], mechanism="jwt", path="go.mod")
    assert has(out["risks"], kind="raw_sql_concatenation", path="internal/repo/q.go")


def test_go_goose_chi(make_repo) -> None:
    out = scan_repository(make_repo(GO_GOOSE)).to_json()
    assert has(out["migration_dirs"], path="sql/schema", tool="goose")
    assert has(out["api_route_files"], path="main.go", framework="chi")


def test_spring_jpa_flyway(make_repo) -> None:
    out = scan_repository(make_repo(SPRING_FLYWAY)).to_json()
    assert {"Java", "Spring Boot", "JPA/Hibernate", "Flyway", "PostgreSQL"} <= names(out)
    assert has(out["api_route_files"], path="src/main/java/com/acme/UserController.java", framework="spring")
    assert has(out["orm_models"], path="src/main/java/com/acme/User.java", orm="jpa")
    assert has(out["migration_dirs"], path="src/main/resources/db/migration", tool="flyway", files=2)
    assert has(out["auth"], mechanism="rbac", path="src/main/java/com/acme/UserController.java")
    assert has(out["manifests"], path="pom.xml")


def test_rust_axum_sqlx(make_repo) -> None:
    out = scan_repository(make_repo(RUST_AXUM_SQLX)).to_json()
    assert {"Rust", "Axum", "SQLx", "PostgreSQL"} <= names(out)
    assert has(out["api_route_files"], path="src/main.rs", framework="axum")
    # a FromRow struct maps rows of a table the migrations define; it defines none
    assert not has(out["orm_models"], path="src/models.rs")
    assert has(out["schema_readers"], origin="migrations")
    assert has(out["migration_dirs"], path="migrations", tool="sqlx")
    assert has(out["auth"], mechanism="argon2", path="Cargo.toml")


def test_rust_actix_diesel(make_repo) -> None:
    out = scan_repository(make_repo(RUST_DIESEL)).to_json()
    assert {"Actix Web", "Diesel", "SQLite"} <= names(out)
    assert has(out["api_route_files"], path="src/main.rs", framework="actix")
    assert not has(out["orm_models"], path="src/models.rs")  # Queryable maps the table schema.rs declares
    assert has(out["schema_files"], path="src/schema.rs", kind="diesel")
    assert has(out["migration_dirs"], path="migrations", tool="diesel")


def test_dotnet_ef(make_repo) -> None:
    out = scan_repository(make_repo(DOTNET_EF)).to_json()
    assert {"C#", "ASP.NET Core", "Entity Framework Core", "PostgreSQL"} <= names(out)
    assert has(out["api_route_files"], path="Api/Controllers/UsersController.cs", framework="aspnet")
    assert has(out["orm_models"], path="Api/Data/AppDbContext.cs", orm="efcore")
    assert has(out["migration_dirs"], path="Api/Migrations", tool="ef")
    assert has(out["manifests"], path="Api/Api.csproj")
    assert has(out["auth"], mechanism="jwt", path="Api/Api.csproj")


def test_untracked_files_are_seen_and_ignored_ones_are_not(make_repo) -> None:
    root = make_repo({".gitignore": "secret_routes.py\n", "pyproject.toml": "[project]\nname='x'\n"})
    (root / "new_routes.py").write_text("@app.get('/new')\ndef n(): ...\n")
    (root / "secret_routes.py").write_text("@app.get('/hidden')\ndef h(): ...\n")
    (root / ".env").write_text("TOKEN=value\n")  # untracked: listed, but not a committed-env risk
    out = scan_repository(root).to_json()
    assert has(out["api_route_files"], path="new_routes.py")
    assert not has(out["api_route_files"], path="secret_routes.py")
    assert has(out["env_files"], path=".env", tracked=False)
    assert not has(out["risks"], kind="committed_env_file")


def test_plain_directory_without_git(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef i(): ...\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "r.js").write_text("app.get('/x', f)\n")
    out = scan_repository(tmp_path).to_json()
    assert [e["path"] for e in out["api_route_files"]] == ["app.py"]


def test_summary_markdown_is_compact_and_value_free(make_repo) -> None:
    result = scan_repository(make_repo(EXPRESS_PRISMA))
    text = summary_markdown(result)
    assert text.startswith("## Repository audit")
    assert "Express" in text and "`prisma/schema.prisma`" in text and "committed_env_file" in text
    assert "hunter2" not in text


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    from phasegate.app.errors import PhasegateError

    with pytest.raises(PhasegateError, match="not a directory"):
        scan_repository(tmp_path / "nope")


def test_big_repository_reads_only_role_named_files(make_repo, monkeypatch) -> None:
    import phasegate.app.analyzers.scan as scan_module

    root = make_repo({"src/routes/users.ts": "router.get('/users', list);\n",
                      "src/lib/strings/util.ts": "router.get('/hidden', list);\n"})
    monkeypatch.setattr(scan_module, "FULL_READ_LIMIT", 0)  # as if the repository were huge
    paths = {e["path"] for e in scan_repository(root).to_json()["api_route_files"]}
    assert paths == {"src/routes/users.ts"}
    monkeypatch.setattr(scan_module, "FULL_READ_LIMIT", 4000)
    paths = {e["path"] for e in scan_repository(root).to_json()["api_route_files"]}
    assert paths == {"src/routes/users.ts", "src/lib/strings/util.ts"}


def test_every_rule_has_gate_words() -> None:
    from phasegate.app.analyzers.scan import _COMPILED

    for compiled in _COMPILED.values():
        for _cat, label, words, _rx in compiled.rules:
            assert words, label
