"""The schema and API readers' ``suffixes`` declarations: a read asks a reader only about paths of the
extensions it declares (``readers.extension_index``, ``api._groups_by_ext``), so a declaration narrower than its ``wants`` would drop
files silently. Every reader is checked on every file of this repository and on paths shaped like each
stack's (migrations folders, settings files, dot-files, upper-case suffixes)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from phasegate.app.analyzers import api
from phasegate.app.analyzers.api_readers import all_readers as api_readers
from phasegate.app.analyzers.readers import extension, extension_index
from phasegate.app.analyzers.schema_readers import all_readers

ROOT = Path(__file__).resolve().parents[3]

_DIRS = ["", "app/", "db/", "db/migrate/", "db/primary_migrate/", "database/migrations/", "database/schema/",
         "migrations/", "migrations/versions/", "alembic/versions/", "src/main/resources/", "config/",
         "Migrations/", "src/Data/Migrations/", "prisma/", "models/", "app/models/", "src/entity/",
         "src/migration/", "liquibase/", "db/changelog/", "internal/conf/", "settings/", "vendor/", "tests/"]
_NAMES = ["models.py", "apps.py", "__init__.py", "0001_initial.py", "schema.rb", "structure_schema.rb",
          "20240101_create_users.rb", "2024_01_01_create_users_table.php", "mysql-schema.sql", "app.php",
          "schema.prisma", ".prisma", "SCHEMA.PRISMA", "V1__init.sql", "001_init.up.sql", "init.SQL", "schema.sql",
          "migration_lock.toml", "diesel.toml", "schema.rs", "Cargo.toml", "user.go", "config.yaml",
          "settings.json", "app.ini", "conf.toml", "User.java", "User.kt", "application.properties",
          "application.yml", "application-dev.yaml", "Db.csproj", "Directory.Build.props", "AppDbContext.cs",
          "20240101_Init.cs", "AppDbContextModelSnapshot.cs", "db.changelog-master.xml", "changelog.json",
          "user.entity.ts", "1700000000-Init.ts", "user.model.js", "schema.mjs", "index.cjs", "view.tsx",
          "App.jsx", "mod.mts", "a.cts", "README.md", "Makefile", "noext", ".env", "data.JSON", "x.YML",
          "go.mod", "main.go", "routes.rb", "users_controller.rb", "UserController.php", "composer.json",
          "api.proto", "lib.rs", "UsersController.cs", ".env.example", ".env.local.example", "sample.env",
          "web.php", "urls.py", "views.py"]
_DIRS += ["config/routes/", "app/controllers/", "routes/", "app/Http/Controllers/", "proto/", "google/api/"]


def _paths() -> list[str]:
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    return tracked + [d + n for d in _DIRS for n in _NAMES]


def test_every_declared_reader_wants_only_paths_of_its_extensions() -> None:
    readers = all_readers() + api_readers()
    assert all(r.suffixes for r in readers), "a reader without suffixes is asked about every path"
    paths = _paths()
    wanted = 0
    for reader in readers:
        for path in paths:
            if reader.wants(path):
                wanted += 1
                assert extension(path) in reader.suffixes, f"{reader.name} wants {path} but does not declare it"
    assert wanted > 200  # the paths above do reach the readers


def test_candidates_keep_reader_order_and_undeclared_readers() -> None:
    readers = all_readers()
    by_ext, always = extension_index(readers)

    def lookup(path: str) -> tuple[int, ...]:
        return by_ext.get(extension(path), always)

    for path in _paths():
        found = lookup(path)
        assert list(found) == sorted(found)
        assert [i for i, r in enumerate(readers) if r.wants(path)] == [i for i in found if readers[i].wants(path)]
    assert lookup("docs/notes.md") == ()


def test_api_groups_by_extension_ask_the_same_readers() -> None:
    readers = api_readers()
    plan = api._plan(readers)
    by_ext, always = api._groups_by_ext(plan)
    for path in _paths():
        everyone = [r.name for wants, group in plan if wants(path) for r in group]
        asked = [r.name for i in by_ext.get(extension(path), always) if plan[i][0](path) for r in plan[i][1]]
        assert asked == everyone, path
    assert always == ()


def test_extension_covers_dot_files_and_case() -> None:
    assert extension("a/.prisma") == ".prisma"
    assert extension("a/b.tar.GZ") == ".gz"
    assert extension("a.b/Makefile") == ""
