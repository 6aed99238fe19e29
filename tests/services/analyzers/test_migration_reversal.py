"""Whether each added migration can be reverted, per tool, read from real files in a real git tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.migration_reversal import classify, review_migrations

DJANGO = """from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    operations = [
        migrations.AddField("user", "nick", models.CharField(max_length=10)),
        {op},
    ]
"""
ALEMBIC = '''revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("users", sa.Column("nick", sa.String()))


def downgrade():
{body}
'''
RAILS_CHANGE = """class AddNick < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :nick, :string
{extra}
  end
end
"""
RAILS_UP_DOWN = """class Backfill < ActiveRecord::Migration[7.1]
  def up
    execute "UPDATE users SET nick = name"
  end
{down}
end
"""
KNEX = """exports.up = function (knex) {{
  return knex.schema.createTable("users", (t) => {{ t.increments(); }});
}};
{down}
"""
TYPEORM = """import {{ MigrationInterface, QueryRunner }} from "typeorm";

export class AddNick1700000000000 implements MigrationInterface {{
  public async up(queryRunner: QueryRunner): Promise<void> {{
    await queryRunner.query(`ALTER TABLE "users" ADD "nick" varchar`);
  }}
  public async down(queryRunner: QueryRunner): Promise<void> {{
{body}
  }}
}}
"""
EF = """using Microsoft.EntityFrameworkCore.Migrations;

public partial class AddNick : Migration
{{
    protected override void Up(MigrationBuilder migrationBuilder)
    {{
        migrationBuilder.AddColumn<string>(name: "Nick", table: "Users");
    }}

    protected override void Down(MigrationBuilder migrationBuilder)
    {{
{body}
    }}
}}
"""
LIQUIBASE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <changeSet id="1" author="a">
    <addColumn tableName="users"><column name="nick" type="varchar(10)"/></addColumn>
  </changeSet>
  <changeSet id="2" author="a">
    <dropColumn tableName="users" columnName="legacy"/>
{rollback}
  </changeSet>
</databaseChangeLog>
"""


@pytest.fixture
def judge(make_repo: Callable[..., Path]) -> Callable[[dict[str, str], list[str]], list[tuple[str, str, bool | None]]]:
    def run(files: dict[str, str], added: list[str]) -> list[tuple[str, str, bool | None]]:
        repo = make_repo(files)
        tree = open_tree(repo, "HEAD")
        try:
            review = review_migrations(tree, added)
        finally:
            tree.close()
        return [(m.path, m.how, m.reversible) for m in review.migrations]

    return run


def test_sql_down_files(judge: Callable[..., list[tuple[str, str, bool | None]]]) -> None:
    files = {
        "migrations/001_users.up.sql": "CREATE TABLE users (id int);\n",
        "migrations/001_users.down.sql": "DROP TABLE users;\n",
        "migrations/002_nick.up.sql": "ALTER TABLE users ADD nick text;\n",
        "migrations/002_nick.down.sql": "-- nothing\n",
        "migrations/003_x.up.sql": "SELECT 1;\n",
        "db/migration/V4__nick.sql": "ALTER TABLE users ADD nick2 text;\n",
        "db/undo/U4__nick.sql": "ALTER TABLE users DROP nick2;\n",
        "db/migration/V5__drop.sql": "DROP TABLE x;\n",
        "migrations/2024-01-01-000000_users/up.sql": "CREATE TABLE u (id int);\n",
        "migrations/2024-01-01-000000_users/down.sql": "DROP TABLE u;\n",
        "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE p (id int);\n",
        "migrations/20240102000000_plain.sql": "CREATE TABLE s (id int);\n",
        "db/migrations/20240103_goose.sql": "-- +goose Up\nCREATE TABLE g (id int);\n-- +goose Down\nDROP TABLE g;\n",
        "db/migrations/20240104_goose.sql": "-- +goose Up\nCREATE TABLE h (id int);\n-- +goose Down\n",
    }
    got = {path: (reversible, how) for path, how, reversible in judge(files, list(files))}
    assert got["migrations/001_users.up.sql"] == (True, "down migration migrations/001_users.down.sql")
    assert got["migrations/002_nick.up.sql"][0] is False and "is empty" in got["migrations/002_nick.up.sql"][1]
    assert got["migrations/003_x.up.sql"] == (False, "no down migration migrations/003_x.down.sql")
    assert got["db/migration/V4__nick.sql"] == (True, "undo migration db/undo/U4__nick.sql")
    assert got["db/migration/V5__drop.sql"][0] is False
    assert got["migrations/2024-01-01-000000_users/up.sql"][0] is True
    assert got["prisma/migrations/20240101000000_init/migration.sql"][0] is False
    assert got["migrations/20240102000000_plain.sql"][0] is False
    assert got["db/migrations/20240103_goose.sql"] == (True, "-- +goose Down section")
    assert got["db/migrations/20240104_goose.sql"][0] is False
    # down and undo files are the revert of another migration, not migrations of their own
    assert not any(p.endswith((".down.sql", "down.sql")) or "/U4__" in p for p in got)


@pytest.mark.parametrize(("op", "reversible", "how"), [
    ("migrations.RunPython(forwards)", False, "RunPython without reverse_code"),
    ("migrations.RunPython(forwards, migrations.RunPython.noop)", True, "python manage.py migrate"),
    ("migrations.RunPython(forwards, reverse_code=forwards)", True, "python manage.py migrate"),
    ("migrations.RunSQL('UPDATE users SET nick = name')", False, "RunSQL without reverse_sql"),
    ("migrations.RunSQL('UPDATE x', reverse_sql='UPDATE y')", True, "python manage.py migrate"),
])
def test_django(judge: Callable[..., list[tuple[str, str, bool | None]]], op: str, reversible: bool, how: str) -> None:
    [(_, got_how, got)] = judge({"users/migrations/0002_nick.py": DJANGO.format(op=op)}, ["users/migrations/0002_nick.py"])
    assert got is reversible and got_how.startswith(how)


@pytest.mark.parametrize(("body", "reversible"), [
    ('    op.drop_column("users", "nick")', True), ("    pass", False), ('    """Nothing."""\n    ...', False),
    ('    raise NotImplementedError("one way")', False)])
def test_alembic(judge: Callable[..., list[tuple[str, str, bool | None]]], body: str, reversible: bool) -> None:
    [(_, _, got)] = judge({"alembic/versions/b2_nick.py": ALEMBIC.format(body=body)}, ["alembic/versions/b2_nick.py"])
    assert got is reversible


def test_alembic_without_downgrade_and_a_versions_folder_that_is_not_alembic(
        judge: Callable[..., list[tuple[str, str, bool | None]]]) -> None:
    files = {"alembic/versions/c3.py": 'revision = "c3"\ndown_revision = "b2"\n\ndef upgrade():\n    pass\n',
             "api/versions/v1.py": "VERSION = 1\n"}
    assert judge(files, list(files)) == [("alembic/versions/c3.py", "no downgrade()", False)]


@pytest.mark.parametrize(("text", "reversible"), [
    (RAILS_CHANGE.format(extra=""), True),
    (RAILS_CHANGE.format(extra="    raise ActiveRecord::IrreversibleMigration"), False),
    (RAILS_CHANGE.format(extra='    execute "UPDATE users SET nick = name"'), False),
    (RAILS_CHANGE.format(extra='    reversible do |dir|\n      dir.up { execute "UPDATE users SET nick = name" }\n    end'), True),
    (RAILS_UP_DOWN.format(down=""), False),
    (RAILS_UP_DOWN.format(down='  def down\n    execute "UPDATE users SET nick = NULL"\n  end'), True),
    (RAILS_UP_DOWN.format(down="  def down\n    raise ActiveRecord::IrreversibleMigration\n  end"), False),
])
def test_rails(judge: Callable[..., list[tuple[str, str, bool | None]]], text: str, reversible: bool) -> None:
    [(_, _, got)] = judge({"db/migrate/20240101000000_add_nick.rb": text}, ["db/migrate/20240101000000_add_nick.rb"])
    assert got is reversible


@pytest.mark.parametrize(("path", "text", "reversible"), [
    ("migrations/20240101_users.js", KNEX.format(down='exports.down = function (knex) {\n  return knex.schema.dropTable("users");\n};'), True),
    ("migrations/20240101_users.js", KNEX.format(down=""), False),
    ("migrations/20240101_users.js", KNEX.format(down="exports.down = function () {};"), False),
    ("src/migrations/1700000000000-AddNick.ts", TYPEORM.format(body='    await queryRunner.query(`ALTER TABLE "users" DROP "nick"`);'), True),
    ("src/migrations/1700000000000-AddNick.ts", TYPEORM.format(body=""), False),
])
def test_javascript_and_typescript(judge: Callable[..., list[tuple[str, str, bool | None]]], path: str, text: str,
                                   reversible: bool) -> None:
    [(_, _, got)] = judge({path: text}, [path])
    assert got is reversible


def test_a_helper_module_in_a_migrations_folder_is_not_a_migration(
        judge: Callable[..., list[tuple[str, str, bool | None]]]) -> None:
    assert judge({"migrations/helpers.js": "module.exports = { pad: (s) => s };\n"}, ["migrations/helpers.js"]) == []


@pytest.mark.parametrize(("body", "reversible"), [
    ('        migrationBuilder.DropColumn(name: "Nick", table: "Users");', True), ("", False)])
def test_ef_core(judge: Callable[..., list[tuple[str, str, bool | None]]], body: str, reversible: bool) -> None:
    path = "Data/Migrations/20240101000000_AddNick.cs"
    [(_, _, got)] = judge({path: EF.format(body=body)}, [path])
    assert got is reversible


@pytest.mark.parametrize(("rollback", "reversible"), [
    ('    <rollback><addColumn tableName="users"><column name="legacy" type="text"/></addColumn></rollback>', True),
    ("", False)])
def test_liquibase_xml(judge: Callable[..., list[tuple[str, str, bool | None]]], rollback: str, reversible: bool) -> None:
    path = "src/main/resources/db/changelog/002-nick.xml"
    [(_, how, got)] = judge({path: LIQUIBASE_XML.format(rollback=rollback)}, [path])
    assert got is reversible
    if not reversible:
        assert how == "change set 2: dropColumn without a rollback"


def test_liquibase_yaml_and_formatted_sql(judge: Callable[..., list[tuple[str, str, bool | None]]]) -> None:
    files = {
        "db/changelog/003.yaml": "databaseChangeLog:\n  - changeSet:\n      id: 3\n      author: a\n      changes:\n"
                                 "        - createTable:\n            tableName: t\n",
        "db/changelog/004.sql": "--liquibase formatted sql\n--changeset a:4\nUPDATE t SET x = 1;\n",
        "db/changelog/005.sql": "--liquibase formatted sql\n--changeset a:5\nUPDATE t SET x = 1;\n--rollback UPDATE t SET x = 0;\n",
    }
    got = {path: reversible for path, _, reversible in judge(files, list(files))}
    assert got == {"db/changelog/003.yaml": True, "db/changelog/004.sql": False, "db/changelog/005.sql": True}


def test_an_unparsable_migration_is_a_warning_and_unknown(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"alembic/versions/bad.py": "revision = (\n"})
    tree = open_tree(repo, None)
    review = review_migrations(tree, ["alembic/versions/bad.py"])
    assert [(m.path, m.reversible) for m in review.migrations] == [("alembic/versions/bad.py", None)]
    assert review.warnings and review.warnings[0].path == "alembic/versions/bad.py"


def test_classify_ignores_ordinary_files() -> None:
    assert classify("app/models.py") is None and classify("README.md") is None and classify("schema.sql") is None
    assert classify("db/migrate/20240101_x.rb") == "rails"
