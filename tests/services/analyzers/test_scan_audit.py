"""The audit's categories on fixture projects: env/config, auth, manifests and lockfiles, specs, schema
sources, route files and mounts, each with the look-alikes that must stay out (issue 15)."""

from __future__ import annotations

import json
from typing import Any

from phasegate.app.analyzers.scan import scan_repository, summary_markdown


def paths(entries: list[dict[str, Any]]) -> set[str]:
    return {e["path"] for e in entries}


def mechanisms(out: dict[str, Any]) -> set[str]:
    return {a["mechanism"] for a in out["auth"]}


# --- env and config ---------------------------------------------------------------------------------

ENV_CONFIG = {
    "docker-compose.yml": "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://db/app\n",
    "deploy/compose.prod.yaml": "services:\n  api:\n    env_file:\n      - prod.env\n",
    "docker-compose.override.yml": "services:\n  api:\n    command: npm run dev\n",  # sets no environment
    "Procfile": "web: gunicorn app:app\n",
    "ecosystem.config.js": "module.exports = { apps: [{ name: 'api', script: 'index.js', env: { NODE_ENV: 'production' } }] };\n",
    "src/config.ts.example": "export const SECRET = 'change-me';\n",
    "ormconfig.json.example": '{"type": "mysql"}\n',
    "api/src/main/resources/application.yml": "spring:\n  datasource:\n    url: ${DB_URL}\n",
    "api/src/main/resources/application-prod.properties": "server.port=8080\n",
    "api/src/test/resources/application.yml": "spring: {}\n",  # a test's config
    "Web/appsettings.Development.json": '{"Logging": {}}\n',
    "Web/Properties/launchSettings.json": '{"profiles": {"Web": {"environmentVariables": {"ASPNETCORE_ENVIRONMENT": "Development"}}}}\n',
    "app/core/settings/base.py": "from pydantic_settings import BaseSettings\n\nclass BaseAppSettings(BaseSettings):\n"
                                 "    debug: bool = False\n",
    "app/core/settings/prod.py": "from app.core.settings.base import BaseAppSettings\n\n"
                                 "class ProdSettings(BaseAppSettings):\n    workers: int = 4\n",
    "app/models/user_settings.py": "class UserSettings:\n    theme = 'dark'\n",  # a domain class, not config
    "svc/internal/config/load.go": 'package config\n\nimport "github.com/spf13/viper"\n\nfunc Load() { viper.AutomaticEnv() }\n',
    "nest/src/database.config.ts": "import { registerAs } from '@nestjs/config';\n"
                                   "export default registerAs('database', () => ({ host: process.env.DB_HOST }));\n",
    "src/util/strings.ts": "export const upper = (s: string) => s.toUpperCase();\n",
    "notes.txt": "process.env.SECRET is read in config\n",
}


def test_env_and_config_sources(make_repo) -> None:
    out = scan_repository(make_repo(ENV_CONFIG)).to_json()
    kinds = {e["path"]: e["kind"] for e in out["env_files"]}
    assert kinds["docker-compose.yml"] == "compose" and kinds["deploy/compose.prod.yaml"] == "compose"
    assert kinds["Procfile"] == "process" and kinds["ecosystem.config.js"] == "process"
    assert kinds["Web/Properties/launchSettings.json"] == "process"
    assert kinds["src/config.ts.example"] == "template" and kinds["ormconfig.json.example"] == "template"
    assert kinds["api/src/main/resources/application.yml"] == "framework_config"
    assert kinds["api/src/main/resources/application-prod.properties"] == "framework_config"
    assert kinds["Web/appsettings.Development.json"] == "framework_config"
    # a BaseSettings class, and a class deriving from it in another file
    assert kinds["app/core/settings/base.py"] == "config_module"
    assert kinds["app/core/settings/prod.py"] == "config_module"
    assert kinds["svc/internal/config/load.go"] == "config_module"
    assert kinds["nest/src/database.config.ts"] == "config_module"
    for absent in ("docker-compose.override.yml", "api/src/test/resources/application.yml",
                   "app/models/user_settings.py", "src/util/strings.ts", "notes.txt"):
        assert absent not in kinds, absent


RAILS_LARAVEL_DJANGO = {
    "rails/Gemfile": "gem 'rails'\n",
    "Gemfile": "gem 'rails'\n",
    "config/application.rb": "module Shop\n  class Application < Rails::Application\n  end\nend\n",
    "config/database.yml": "production:\n  url: <%= ENV['DATABASE_URL'] %>\n",
    "config/locales/en.yml": "en:\n  hello: Hello\n",
    "config/boot.rb": "ENV['BUNDLE_GEMFILE'] ||= File.expand_path('../Gemfile', __dir__)\n",
    "php/artisan": "#!/usr/bin/env php\n",
    "php/composer.json": '{"require": {"laravel/framework": "^10.0"}}\n',
    "php/config/app.php": "<?php\nreturn ['name' => env('APP_NAME', 'Laravel')];\n",
    "php/config/static.php": "<?php\nreturn ['pages' => 10];\n",
    "py/shop/settings/base.py": "INSTALLED_APPS = ['django.contrib.auth']\nDATABASES = {}\n",
    "py/shop/settings/__init__.py": "",
}


def test_framework_config_files(make_repo) -> None:
    out = scan_repository(make_repo(RAILS_LARAVEL_DJANGO)).to_json()
    found = paths(out["env_files"])
    assert {"config/database.yml", "py/shop/settings/base.py"} <= found
    assert "config/locales/en.yml" not in found and "config/boot.rb" not in found
    assert "php/config/static.php" not in found  # no env() call


def test_laravel_config_reads_env(make_repo) -> None:
    files = {k.removeprefix("php/"): v for k, v in RAILS_LARAVEL_DJANGO.items() if k.startswith("php/")}
    out = scan_repository(make_repo(files)).to_json()
    assert {e["path"]: e["kind"] for e in out["env_files"]} == {"config/app.php": "framework_config"}


def test_a_repository_without_env_config_gets_none(make_repo) -> None:
    out = scan_repository(make_repo({
        "go.mod": "module example.com/lib\n\ngo 1.22\n",
        "lib/strings.go": "package lib\n\nfunc Upper(s string) string { return s }\n",
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n",
        "README.md": "Set DATABASE_URL in your environment (see config).\n",
    })).to_json()
    assert out["env_files"] == []


# --- auth -------------------------------------------------------------------------------------------

AUTH = {
    "package.json": json.dumps({"dependencies": {"passport": "^0.7", "express-session": "^1", "argon2": "^0.31",
                                                 "passport-google-oauth20": "^2"}}),
    "src/auth/google.js": "const GoogleStrategy = require('passport-google-oauth20').Strategy;\n"
                          "passport.use(new GoogleStrategy(opts, verify));\n",
    "src/app.js": "const session = require('express-session');\napp.use(session({ secret: process.env.S }));\n",
    # argon2 only in the manifest, never used: not reported
    "api/security.py": "from fastapi.security import OAuth2PasswordBearer\n"
                       "oauth2_scheme = OAuth2PasswordBearer(tokenUrl='token')\n",
    "api/basic.py": "from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth\nbasic_auth = HTTPBasicAuth()\n"
                    "token_auth = HTTPTokenAuth()\n",
    "users/models.py": "from django.contrib.auth.models import AbstractUser\n\nclass User(AbstractUser):\n    pass\n",
    "users/views.py": "from rest_framework.permissions import IsAuthenticated\n\nclass Me(APIView):\n"
                      "    permission_classes = (IsAuthenticated,)\n",
    "Api/Controllers/AdminController.cs": "[Authorize(Roles = \"Admin\")]\npublic class AdminController : ControllerBase {}\n",
    "Api/Controllers/MeController.cs": "[Authorize]\npublic class MeController : ControllerBase {}\n",
    "svc/src/main/java/a/SecurityConfig.java": "class SecurityConfig {\n"
                                               "  SecurityFilterChain f(HttpSecurity h) { h.oauth2ResourceServer(o -> o.jwt()); }\n"
                                               "  UserDetailsService users() { return null; }\n}\n",
    "config/initializers/devise.rb": "# config.omniauth :github, 'APP_ID', 'APP_SECRET'\n",
    "lib/totp.py": "import pyotp\n",
}


def test_auth_mechanisms_in_the_reports_words(make_repo) -> None:
    out = scan_repository(make_repo(AUTH)).to_json()
    found = mechanisms(out)
    assert {"passport", "social_login", "session", "oauth2_password", "basic", "bearer", "pbkdf2",
            "rbac", "oauth2_resource_server", "user_details", "totp", "jwt"} <= found
    # argon2 is only declared; OmniAuth is only in a comment
    assert "argon2" not in found and "oauth" not in found
    rbac = {a["path"] for a in out["auth"] if a["mechanism"] == "rbac"}
    assert rbac == {"Api/Controllers/AdminController.cs"}  # [Authorize] alone and IsAuthenticated are not roles


def test_drf_permission_class_beyond_login_is_rbac(make_repo) -> None:
    out = scan_repository(make_repo({
        "orders/views.py": "class Orders(APIView):\n    permission_classes = [IsAuthenticated, IsShopOwner]\n",
    })).to_json()
    assert mechanisms(out) == {"rbac"}


# --- manifests and lockfiles ----------------------------------------------------------------------

MANIFESTS = {
    "requirements/base.txt": "Django==5.0\n",
    "requirements/prod.txt": "-r base.txt\ngunicorn\n",
    "requirements-dev.txt": "pytest\n",
    "tools/pyproject.toml": "[tool.ruff]\nline-length = 100\n",  # tool settings only
    "setup.cfg": "[flake8]\nmax-line-length = 100\n",  # tool settings only
    "pyproject.toml": "[project]\nname = 'shop'\ndependencies = ['django']\n",
    "poetry.lock": "# locked\n",
    "go.work": "go 1.22\n\nuse ./svc\n",
    "svc/go.mod": "module example.com/svc\n",
    "svc/go.sum": "example.com/x v1.0.0 h1:abc=\n",
    "android/build.gradle.kts": "plugins { kotlin(\"jvm\") }\n",
    "Cargo.toml": "[workspace]\nmembers = ['crates/*']\n",
    "crates/core/Cargo.toml": "[package]\nname = 'core'\n",
    "Cargo.lock": "version = 3\n",
    "Directory.Packages.props": "<Project><ItemGroup><PackageVersion Include=\"Serilog\" Version=\"3\" /></ItemGroup></Project>\n",
    "src/Api/Api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />\n",
    "src/Api/packages.lock.json": '{"version": 1}\n',
    "web/package.json": '{"name": "web"}\n',
    "web/pnpm-lock.yaml": "lockfileVersion: '6.0'\n",
    "web/node_modules/left-pad/package.json": '{"name": "left-pad"}\n',
    "web/node_modules/left-pad/yarn.lock": "# vendored\n",
}


def test_manifests_and_lockfiles_apart(make_repo) -> None:
    out = scan_repository(make_repo(MANIFESTS)).to_json()
    assert paths(out["manifests"]) == {
        "requirements/base.txt", "requirements/prod.txt", "requirements-dev.txt", "pyproject.toml", "go.work",
        "svc/go.mod", "android/build.gradle.kts", "Cargo.toml", "crates/core/Cargo.toml",
        "Directory.Packages.props", "src/Api/Api.csproj", "web/package.json"}
    assert paths(out["lockfiles"]) == {"poetry.lock", "svc/go.sum", "Cargo.lock", "src/Api/packages.lock.json",
                                       "web/pnpm-lock.yaml"}


# --- specs ------------------------------------------------------------------------------------------

SPECS = {
    # keys sorted by a generator: the swagger key comes last
    "docs/api-docs.yaml": "basePath: /v1\ndefinitions:\n  Task:\n    type: object\npaths: {}\nswagger: \"2.0\"\n",
    "contract/root.yml": "openapi: 3.1.0\ninfo:\n  title: Shop\n  version: '1'\npaths:\n"
                         "  /users:\n    $ref: './paths/users.yml'\n",
    "contract/paths/users.yml": "get:\n  responses:\n    '200':\n      $ref: '../schemas/user.yml'\n",
    "contract/schemas/user.yml": "type: object\nproperties:\n  id:\n    type: integer\n",
    "contract/unrelated.yml": "type: object\n",
    "service.json": '{"swagger": "2.0", "info": {"title": "x"}, "paths": {}}\n',
    "src/docs/swaggerDef.js": "module.exports = {\n  openapi: '3.0.0',\n  info: { title: 'API' },\n};\n",
    "src/routes/docs.route.js": "const specs = swaggerJsdoc({ swaggerDefinition, apis: ['src/docs/*.yml'] });\n",
    "src/docs/components.yml": "components:\n  schemas:\n    User:\n      type: object\n",
    "nest/src/main.ts": "const document = SwaggerModule.createDocument(app, config);\n",
    "Api/Program.cs": "builder.Services.AddSwaggerGen();\n",
    "deploy/values.yaml": "replicas: 2\nimage: api:1\n",
    "tests/fixtures-spec/openapi.yaml": "openapi: 3.0.0\npaths: {}\n",
    "spec/openapi.yaml": "openapi: 3.0.0\npaths: {}\n",
}


def test_specs_by_content_fragments_and_code(make_repo) -> None:
    out = scan_repository(make_repo(SPECS)).to_json()
    kinds = {s["path"]: s["kind"] for s in out["openapi_specs"]}
    assert kinds == {
        "docs/api-docs.yaml": "document", "contract/root.yml": "document", "service.json": "document",
        "contract/paths/users.yml": "fragment", "contract/schemas/user.yml": "fragment",
        "src/docs/components.yml": "fragment",
        "src/docs/swaggerDef.js": "code", "nest/src/main.ts": "code", "Api/Program.cs": "code"}
    assert has_version(out, "docs/api-docs.yaml", "2.0") and has_version(out, "contract/root.yml", "3.1.0")


def has_version(out: dict[str, Any], path: str, version: str) -> bool:
    return any(s["path"] == path and s["version"] == version for s in out["openapi_specs"])


# --- schema sources ------------------------------------------------------------------------------

SCHEMA = {
    "requirements.txt": "sqlalchemy\nalembic\n",
    # models by what they are: a module not called models
    "app/db/tables.py": "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n"
                        "class Base(DeclarativeBase):\n    pass\n\n"
                        "class User(Base):\n    __tablename__ = 'users'\n"
                        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                        "    email: Mapped[str] = mapped_column()\n"
                        "    nickname: Mapped[str] = mapped_column()\n",
    "alembic/versions/0001_users.py": "revision = '0001'\ndown_revision = None\n\nfrom alembic import op\n"
                                      "import sqlalchemy as sa\n\ndef upgrade():\n"
                                      "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),\n"
                                      "                    sa.Column('email', sa.String()))\n",
    "app/models/__init__.py": "",
    "app/models/helpers.py": "def slugify(s):\n    return s.lower()\n",  # named like models, defines none
}


def test_schema_sources_readers_and_drift(make_repo) -> None:
    out = scan_repository(make_repo(SCHEMA)).to_json()
    assert paths(out["orm_models"]) == {"app/db/tables.py"}
    assert {"reader": "sqlalchemy", "origin": "models"} in [{k: r[k] for k in ("reader", "origin")}
                                                          for r in out["schema_readers"]]
    assert any(r["reader"] == "alembic" for r in out["schema_readers"])
    assert out["schema_tables"] == 1
    assert {(d["table"], d["column"], d["kind"]) for d in out["schema_drift"]} == {
        ("users", "nickname", "column_only_in_models")}
    assert any(r["kind"] == "schema_drift" and r["severity"] == "medium" for r in out["risks"])
    assert paths(out["migration_dirs"]) == {"alembic/versions"}
    text = summary_markdown(scan_repository(make_repo(SCHEMA)))
    assert "- Schema: 1 table; readers:" in text and "Schema drift (models vs migrations): users.nickname" in text


def test_abstract_models_and_migrations_are_not_schema_sources(make_repo) -> None:
    out = scan_repository(make_repo({
        "requirements.txt": "Django\n",
        "core/models.py": "from django.db import models\n\nclass Timestamped(models.Model):\n"
                          "    created = models.DateTimeField()\n\n    class Meta:\n        abstract = True\n",
        "blog/models.py": "from django.db import models\nfrom core.models import Timestamped\n\n"
                          "class Post(Timestamped):\n    title = models.CharField(max_length=10)\n",
        "db/migrations/001_init.up.sql": "CREATE TABLE audit_log (id INT PRIMARY KEY);\n",
        "db/migrations/001_init.down.sql": "DROP TABLE audit_log;\n",
    })).to_json()
    assert paths(out["orm_models"]) == {"blog/models.py"}
    assert paths(out["schema_files"]) == set()  # the migration's DDL is a migration
    assert paths(out["migration_dirs"]) == {"db/migrations"}


# --- route files and what mounts them --------------------------------------------------------------

ROUTES = {
    "requirements.txt": "Django\ndjangorestframework\n",
    "shop/urls.py": "from django.urls import include, path\n\nurlpatterns = [\n"
                    "    path('api/', include('orders.urls')),\n]\n",
    "orders/urls.py": "from django.urls import path\nfrom . import views\n\nurlpatterns = [\n"
                      "    path('orders/', views.OrderList.as_view()),\n]\n",
    "orders/views.py": "from rest_framework.views import APIView\n\nclass OrderList(APIView):\n"
                       "    def get(self, request):\n        return None\n",
    # a frontend in the same repository calls the API; it declares none
    "frontend/package.json": '{"dependencies": {"react": "^18"}}\n',
    "frontend/src/api.ts": "export const orders = () => fetch('/api/orders/');\n",
    "frontend/src/App.tsx": "export function App() { return <div>orders</div>; }\n",
    # a code generator's template of a route file
    "_templates/route/new.ejs.t": "router.get('/<%= name %>', handler)\n",
}


def test_route_files_and_the_entry_point_that_mounts_them(make_repo) -> None:
    out = scan_repository(make_repo(ROUTES)).to_json()
    files = {r["path"]: r.get("role") for r in out["api_route_files"]}
    assert files.keys() == {"shop/urls.py", "orders/urls.py", "orders/views.py"}
    assert files["shop/urls.py"] == "mounts"


def test_mounts_of_other_stacks(make_repo) -> None:
    out = scan_repository(make_repo({
        "Cargo.toml": "[package]\nname = 'r'\n[dependencies]\nrocket = '0.5'\n",
        "src/routes.rs": "#[get(\"/users\")]\npub fn users() -> &'static str { \"\" }\n",
        "src/lib.rs": "pub fn rocket() -> rocket::Rocket<rocket::Build> {\n"
                      "    rocket::build().mount(\"/api\", routes![routes::users])\n}\n",
        "Api/Program.cs": "var app = builder.Build();\napp.MapControllers();\napp.Run();\n",
        "Api/Controllers/UsersController.cs": "[ApiController]\n[Route(\"api/users\")]\n"
                                              "public class UsersController : ControllerBase {\n"
                                              "  [HttpGet] public IActionResult All() => Ok();\n}\n",
        "cmd/main.go": "package main\n\nfunc main() {\n\trestapi.NewRouter(app, cfg)\n}\n",
    })).to_json()
    routed = paths(out["api_route_files"])
    assert {"src/lib.rs", "Api/Program.cs", "cmd/main.go", "src/routes.rs", "Api/Controllers/UsersController.cs"} <= routed
