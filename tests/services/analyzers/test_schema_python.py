"""Python schema readers on small fixture projects: SQLAlchemy, SQLModel, Flask-SQLAlchemy, Django, Alembic,
Django migrations; models and migrations combined with drift; the diff between two commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from phasegate.app.analyzers.schema import Schema, diff_schemas, schema_at
from tests.support.repos import commit_all, write_files


def table(schema: Schema, name: str):
    found = schema.table(name)
    assert found is not None, f"no table {name}: {[t.name for t in schema.tables]}"
    return found


def cols(schema: Schema, name: str) -> dict[str, tuple[str, bool, bool]]:
    return {c.name: (c.type, c.nullable, c.primary_key) for c in table(schema, name).columns}


def fks(schema: Schema, name: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    return {(tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in table(schema, name).foreign_keys}


SQLALCHEMY = '''
from typing import Optional
import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint, Index
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True))


member_roles = Table(
    "member_roles", Base.metadata,
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("role_id", ForeignKey("roles.id"), primary_key=True),
)


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_member_org_email"),
                      Index("ix_members_nick", "nickname"))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    nickname: Mapped[Optional[str]] = mapped_column(String(40))
    bio: Mapped[str | None]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    org: Mapped["Org"] = relationship(back_populates="members")


class Org(Base):
    __tablename__ = "orgs"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    motto = Column("tagline", sa.Text)
    members: Mapped[list["Member"]] = relationship()


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(30), nullable=True)
'''


def test_sqlalchemy_declarative_models(make_repo) -> None:
    schema = schema_at(make_repo({"app/db/models.py": SQLALCHEMY}))
    assert {t.name for t in schema.tables} == {"members", "orgs", "roles", "member_roles"}
    assert cols(schema, "members") == {
        "created_at": ("TIMESTAMP WITH TIME ZONE", False, False), "id": ("INTEGER", False, True),
        "email": ("VARCHAR(255)", False, False), "nickname": ("VARCHAR(40)", True, False),
        "bio": ("VARCHAR", True, False), "org_id": ("INTEGER", False, False)}
    members = table(schema, "members")
    assert members.column("email").unique and members.source == "app/db/models.py" and members.origin == "models"
    assert fks(schema, "members") == {(("org_id",), "orgs", ("id",))}
    assert {(ix.name, tuple(ix.columns), ix.unique) for ix in members.indexes} == {
        ("ix_members_org_id", ("org_id",), False), ("uq_member_org_email", ("org_id", "email"), True),
        ("ix_members_nick", ("nickname",), False)}
    assert cols(schema, "orgs") == {"id": ("INTEGER", False, True), "name": ("VARCHAR(100)", False, False),
                                    "tagline": ("TEXT", True, False)}
    assert cols(schema, "roles")["label"] == ("VARCHAR(30)", True, False)  # explicit nullable wins
    assert cols(schema, "member_roles") == {"member_id": ("INTEGER", False, True), "role_id": ("INTEGER", False, True)}
    assert fks(schema, "member_roles") == {(("member_id",), "members", ("id",)), (("role_id",), "roles", ("id",))}
    assert schema.warnings == [] and schema.drift == []


SQLMODEL = '''
import uuid
from sqlmodel import Field, SQLModel


class HeroBase(SQLModel):
    name: str = Field(max_length=80, index=True)
    age: int | None = None


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    headquarters: str


class Hero(HeroBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")


class HeroPublic(HeroBase):
    id: uuid.UUID
'''


def test_sqlmodel_tables_and_default_names(make_repo) -> None:
    schema = schema_at(make_repo({"backend/models.py": SQLMODEL}))
    assert [t.name for t in schema.tables] == ["team", "hero"]  # HeroBase and HeroPublic are not tables
    assert cols(schema, "hero") == {"name": ("VARCHAR(80)", False, False), "age": ("INTEGER", True, False),
                                    "id": ("UUID", False, True), "team_id": ("INTEGER", True, False)}
    assert fks(schema, "hero") == {(("team_id",), "team", ("id",))}
    assert [(ix.columns, ix.unique) for ix in table(schema, "hero").indexes] == [(["name"], False)]
    assert cols(schema, "team")["id"] == ("INTEGER", False, True)


FLASK = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

followers = db.Table("followers",
    db.Column("follower_id", db.Integer, db.ForeignKey("user_account.id")),
    db.Column("followed_id", db.Integer, db.ForeignKey("user_account.id")))


class BaseModel(db.Model):
    __abstract__ = True
    id = db.Column(db.Integer, primary_key=True)


class UserAccount(BaseModel):
    username = db.Column(db.String(64), index=True, unique=True)
    posts = db.relationship("BlogPost", backref="author")


class BlogPost(BaseModel):
    body = db.Column(db.Text, nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey(UserAccount.id))
'''


def test_flask_sqlalchemy_default_names_abstract_base_and_db_table(make_repo) -> None:
    schema = schema_at(make_repo({"app/models.py": FLASK}))
    assert {t.name for t in schema.tables} == {"followers", "user_account", "blog_post"}
    assert cols(schema, "user_account") == {"id": ("INTEGER", False, True), "username": ("VARCHAR(64)", True, False)}
    assert [(ix.name, ix.unique) for ix in table(schema, "user_account").indexes] == [("ix_user_account_username", True)]
    assert cols(schema, "blog_post")["body"] == ("TEXT", False, False)
    assert fks(schema, "blog_post") == {(("user_id",), "user_account", ("id",))}
    assert fks(schema, "followers") == {(("follower_id",), "user_account", ("id",)),
                                        (("followed_id",), "user_account", ("id",))}


ALEMBIC_1 = '''
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def timestamps():
    return (sa.Column("created_at", sa.DateTime(), nullable=False),)


def upgrade():
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index(op.f("ix_members_org_id"), "members", ["org_id"], unique=False)
    op.create_table("orgs", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.Text()))
    op.create_foreign_key("fk_members_org", "members", "orgs", ["org_id"], ["id"])
'''
ALEMBIC_2A = '''
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(40)))
        batch_op.alter_column("email", new_column_name="mail", type_=sa.String(320))
    op.execute("CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, what TEXT NOT NULL)")
'''
ALEMBIC_2B = '''
from alembic import op

revision = "c3"
down_revision = "a1"


def upgrade():
    op.rename_table("orgs", "organizations")
'''
ALEMBIC_MERGE = '''
from alembic import op
import sqlalchemy as sa

revision = "d4"
down_revision = ("b2", "c3")


def upgrade():
    op.drop_column("members", "created_at")
    op.alter_column("organizations", "name", nullable=False)
    op.drop_table("audit")
    op.execute(some_sql())
'''


def test_alembic_replay_in_revision_order_with_branches_and_merge(make_repo) -> None:
    root = make_repo({
        # file names sort opposite to the revision order: the order must come from down_revision
        "migrations/versions/z_first.py": ALEMBIC_1,
        "migrations/versions/m_branch_a.py": ALEMBIC_2A,
        "migrations/versions/k_branch_b.py": ALEMBIC_2B,
        "migrations/versions/a_merge.py": ALEMBIC_MERGE,
    })
    schema = schema_at(root)
    assert {t.name for t in schema.tables} == {"members", "organizations"}
    assert cols(schema, "members") == {"id": ("INTEGER", False, True), "mail": ("VARCHAR(320)", False, False),
                                       "org_id": ("INTEGER", True, False), "nickname": ("VARCHAR(40)", True, False)}
    members = table(schema, "members")
    assert members.origin == "migrations" and members.source == "migrations/versions/z_first.py"
    assert [(ix.name, ix.columns) for ix in members.indexes] == [("ix_members_org_id", ["org_id"])]
    assert members.column("mail").unique
    assert fks(schema, "members") == {(("org_id",), "orgs", ("id",))}
    assert cols(schema, "organizations")["name"] == ("TEXT", False, False)
    assert [(w.path, w.line) for w in schema.warnings] == [("migrations/versions/a_merge.py", 13)]
    assert "built at run time" in schema.warnings[0].reason


DJANGO_CORE = '''
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
'''
DJANGO_USERS = '''
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
'''
DJANGO_BLOG = '''
from django.conf import settings
from django.db import models
from project.core.models import TimestampedModel


class Tag(models.Model):
    label = models.SlugField(unique=True)

    class Meta:
        db_table = "tags"


class Post(TimestampedModel):
    title = models.CharField(max_length=200, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    editor = models.ForeignKey("users.User", null=True, on_delete=models.SET_NULL, db_column="editor")
    tags = models.ManyToManyField(Tag)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)

    class Meta:
        indexes = [models.Index(fields=["title", "created_at"], name="post_title_created")]


class FeaturedPost(Post):
    rank = models.PositiveIntegerField(default=0)


class PostProxy(Post):
    class Meta:
        proxy = True
'''
DJANGO_APPS = '''
from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "project.blog"
    label = "journal"
'''


def test_django_models(make_repo) -> None:
    schema = schema_at(make_repo({
        "project/core/models.py": DJANGO_CORE, "project/users/models.py": DJANGO_USERS,
        "project/blog/models.py": DJANGO_BLOG, "project/blog/apps.py": DJANGO_APPS,
    }))
    assert {t.name for t in schema.tables} == {
        "users_user", "users_user_groups", "users_user_user_permissions", "tags", "journal_post",
        "journal_post_tags", "journal_featuredpost"}
    assert cols(schema, "users_user") == {
        "id": ("INTEGER", False, True), "password": ("VARCHAR(128)", False, False),
        "last_login": ("TIMESTAMP", True, False), "is_superuser": ("BOOLEAN", False, False),
        "email": ("VARCHAR(254)", False, False)}
    assert cols(schema, "journal_post") == {
        "id": ("INTEGER", False, True), "created_at": ("TIMESTAMP", False, False),
        "title": ("VARCHAR(200)", False, False), "author_id": ("INTEGER", False, False),
        "editor": ("INTEGER", True, False), "price": ("NUMERIC(8,2)", True, False)}
    assert fks(schema, "journal_post") == {(("author_id",), "users_user", ("id",)), (("editor",), "users_user", ("id",))}
    post_ix = {(ix.name, tuple(ix.columns)) for ix in table(schema, "journal_post").indexes}
    assert ("post_title_created", ("title", "created_at")) in post_ix and (None, ("title",)) in post_ix
    assert cols(schema, "journal_post_tags") == {"id": ("INTEGER", False, True), "post_id": ("INTEGER", False, False),
                                                 "tag_id": ("INTEGER", False, False)}
    assert fks(schema, "journal_post_tags") == {(("post_id",), "journal_post", ("id",)), (("tag_id",), "tags", ("id",))}
    assert cols(schema, "journal_featuredpost") == {"post_ptr_id": ("INTEGER", False, True),
                                                    "rank": ("INTEGER", False, False)}
    assert fks(schema, "journal_featuredpost") == {(("post_ptr_id",), "journal_post", ("id",))}
    assert table(schema, "tags").column("label").unique


DJANGO_0001 = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("users", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
                ("author", models.ForeignKey(on_delete=models.CASCADE, to="users.user")),
            ],
        ),
    ]
'''
DJANGO_0002 = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]
    operations = [
        migrations.AddField(model_name="post", name="summary", field=models.TextField(null=True)),
        migrations.RenameField(model_name="post", old_name="title", new_name="headline"),
        migrations.AlterField(model_name="post", name="headline", field=models.CharField(max_length=300)),
        migrations.RunSQL("CREATE INDEX post_headline_idx ON blog_post (headline);"),
        migrations.AlterModelTable(name="post", table="articles"),
    ]
'''
DJANGO_USERS_0001 = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(name="User", fields=[("id", models.AutoField(primary_key=True)),
                                                    ("email", models.EmailField(max_length=254))]),
        migrations.CreateModel(name="Old", fields=[("id", models.AutoField(primary_key=True))]),
        migrations.DeleteModel(name="Old"),
    ]
'''


def test_django_migrations_in_dependency_order(make_repo) -> None:
    schema = schema_at(make_repo({
        "blog/migrations/__init__.py": "", "blog/migrations/0001_initial.py": DJANGO_0001,
        "blog/migrations/0002_more.py": DJANGO_0002, "users/migrations/0001_initial.py": DJANGO_USERS_0001,
    }))
    assert {t.name for t in schema.tables} == {"articles", "users_user"}
    assert cols(schema, "articles") == {"id": ("BIGINT", False, True), "headline": ("VARCHAR(300)", False, False),
                                        "author_id": ("INTEGER", False, False), "summary": ("TEXT", True, False)}
    articles = table(schema, "articles")
    assert fks(schema, "articles") == {(("author_id",), "users_user", ("id",))}
    assert [(ix.name, ix.columns) for ix in articles.indexes] == [(None, ["author_id"]),
                                                                  ("post_headline_idx", ["headline"])]
    assert articles.source == "blog/migrations/0001_initial.py" and articles.origin == "migrations"



DJANGO_UNIQUE_SET = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Student",
            fields=[("id", models.AutoField(primary_key=True)), ("email", models.EmailField()),
                    ("identifier", models.CharField(max_length=20)), ("code", models.CharField(max_length=9))],
            options={"unique_together": {("identifier", "code"), ("email", "code")}},
        ),
        migrations.AlterUniqueTogether(name="student", unique_together={("email", "identifier"), ("code", "id")}),
    ]
'''


def test_django_unique_together_sets_give_one_schema_whatever_the_hash_seed(make_repo) -> None:
    """Django writes ``unique_together`` as a set; ``phasegate schema --json`` must not change per run."""
    repo = make_repo({"school/migrations/__init__.py": "", "school/migrations/0001_initial.py": DJANGO_UNIQUE_SET})
    outputs = set()
    for seed in ("1", "4", "10", "23"):
        done = subprocess.run([sys.executable, "-m", "phasegate.app", "schema", str(repo), "--json"],
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    student = next(t for t in json.loads(outputs.pop())["tables"] if t["name"] == "school_student")
    assert [ix["columns"] for ix in student["indexes"] if ix["unique"]][:2] == [["email", "code"], ["identifier", "code"]]

MODELS_V1 = '''
from sqlalchemy import Column, Integer, String
from app.db import Base


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)
'''
REV_1 = '''
from alembic import op
import sqlalchemy as sa

revision = "r1"
down_revision = None


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(50), nullable=False),
                    sa.Column("legacy", sa.Text()))
    op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True))
'''
BASE = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"


def test_models_and_migrations_together_drift_and_diff(make_repo) -> None:
    root = make_repo({"app/db.py": BASE, "app/models.py": MODELS_V1, "alembic/versions/r1.py": REV_1})
    first = commit_all(root, "same tree")
    schema = schema_at(root)
    items = table(schema, "items")
    # the migrations' definition wins, a column only they have stays (the database has it)
    assert [c.name for c in items.columns] == ["id", "name", "legacy"] and items.origin == "migrations"
    assert {(d.table, d.column, d.kind) for d in schema.drift} == {
        ("items", "legacy", "column_only_in_migrations"), ("audit_log", None, "table_only_in_migrations")}
    drift = next(d for d in schema.drift if d.column == "legacy")
    assert (drift.model_source, drift.migration_source) == ("app/models.py", "alembic/versions/r1.py")

    # a change to the models alone shows in the diff, and as drift
    write_files(root, {"app/models.py": MODELS_V1 + "    note = Column(String(20))\n"})
    models_only = commit_all(root, "model column")
    changes = {(c.kind, c.table, c.column) for c in diff_schemas(schema_at(root, first), schema_at(root, models_only))}
    assert changes == {("column_added", "items", "note")}
    assert ("items", "note", "column_only_in_models") in {(d.table, d.column, d.kind)
                                                          for d in schema_at(root, models_only).drift}

    # a migration alone shows: dropping a column is destructive
    write_files(root, {"alembic/versions/r2.py": REV_1.replace('"r1"', '"r2"').replace("None", '"r1"').split(
        "def upgrade")[0] + 'def upgrade():\n    op.drop_column("items", "legacy")\n'})
    migration_only = commit_all(root, "drop legacy")
    changes = {(c.kind, c.column, c.destructive)
               for c in diff_schemas(schema_at(root, models_only), schema_at(root, migration_only))}
    assert changes == {("column_removed", "legacy", True)}

    # both: a new table in the model and its migration
    write_files(root, {
        "app/models.py": MODELS_V1 + "    note = Column(String(20))\n\n\nclass Tag(Base):\n"
                         "    __tablename__ = 'tags'\n    id = Column(Integer, primary_key=True)\n",
        "alembic/versions/r3.py": 'from alembic import op\nimport sqlalchemy as sa\nrevision = "r3"\n'
                                  'down_revision = "r2"\n\n\ndef upgrade():\n'
                                  '    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))\n'
                                  '    op.add_column("items", sa.Column("note", sa.String(20)))\n'})
    both = commit_all(root, "tags")
    after = schema_at(root, both)
    changes = {(c.kind, c.table) for c in diff_schemas(schema_at(root, migration_only), after)}
    assert ("table_added", "tags") in changes
    assert {(d.table, d.column) for d in after.drift} == {("audit_log", None)}


def test_a_table_altered_before_any_create_is_known_by_name_only(make_repo) -> None:
    rev = ('from alembic import op\nimport sqlalchemy as sa\nrevision = "x"\ndown_revision = None\n\n\n'
           'def upgrade():\n    op.add_column("accounts", sa.Column("flag", sa.Boolean()))\n')
    schema = schema_at(make_repo({"migrations/versions/x.py": rev}))
    accounts = table(schema, "accounts")
    assert not accounts.columns_known and [c.name for c in accounts.columns] == ["flag"]


FLASK_HELPERS = '''
from app.extensions import db

Model = db.Model
Column = db.Column


def reference_col(tablename, nullable=False, pk_name="id", **kwargs):
    return db.Column(db.ForeignKey("{0}.{1}".format(tablename, pk_name)), nullable=nullable, **kwargs)


class Account(Model):
    __tablename__ = "accounts"
    id = Column(db.Integer, primary_key=True)


class Session(Model):
    __tablename__ = "sessions"
    id = Column(db.Integer, primary_key=True)
    account_id = reference_col("accounts")
    parent_id = reference_col("sessions", nullable=True)
'''


def test_column_helpers_and_aliased_bases_are_read_and_not_taken_for_django(make_repo) -> None:
    schema = schema_at(make_repo({"app/models.py": FLASK_HELPERS}))
    assert {t.name for t in schema.tables} == {"accounts", "sessions"}  # no Django reading of ``Model``
    assert cols(schema, "sessions") == {"id": ("INTEGER", False, True), "account_id": ("INTEGER", False, False),
                                        "parent_id": ("INTEGER", True, False)}
    assert fks(schema, "sessions") == {(("account_id",), "accounts", ("id",)), (("parent_id",), "sessions", ("id",))}


def test_django_models_of_an_app_sub_package_take_the_enclosing_app_label(make_repo) -> None:
    schema = schema_at(make_repo({
        "site/blog/apps.py": DJANGO_APPS.replace('"project.blog"', '"site.blog"'),
        "site/blog/models.py": "from django.db import models\nfrom .extras.models import Badge  # noqa\n",
        "site/blog/extras/models.py": "from django.db import models\n\n\nclass Badge(models.Model):\n"
                                      "    label = models.CharField(max_length=20)\n",
    }))
    assert [t.name for t in schema.tables] == ["journal_badge"]


def test_a_rebuild_after_one_change_keeps_every_other_model_right(make_repo) -> None:
    base = "from sqlalchemy import Column, ForeignKey, Integer\nfrom sqlalchemy.orm import declarative_base\n" \
           "Base = declarative_base()\n"
    owner = ("from sqlalchemy import Column, Integer\nfrom app.base import Base\n\n\nclass Owner(Base):\n"
             "    __tablename__ = 'owners'\n    id = Column(Integer, primary_key=True)\n")
    pet = ("from sqlalchemy import Column, ForeignKey, Integer\nfrom app.base import Base\n\n\nclass Pet(Base):\n"
           "    __tablename__ = 'pets'\n    id = Column(Integer, primary_key=True)\n"
           "    owner_id = Column(ForeignKey('Owner.id'))\n")
    root = make_repo({"app/base.py": base, "app/owner.py": owner, "app/pet.py": pet})
    assert fks(schema_at(root), "pets") == {(("owner_id",), "owners", ("id",))}
    # the class Pet points at is renamed to another table: Pet's (unchanged) file must follow
    write_files(root, {"app/owner.py": owner.replace("'owners'", "'people'")})
    after = schema_at(root)
    assert fks(after, "pets") == {(("owner_id",), "people", ("id",))}
    write_files(root, {"app/owner.py": owner})
    assert fks(schema_at(root), "pets") == {(("owner_id",), "owners", ("id",))}
    assert fks(after, "pets") == {(("owner_id",), "people", ("id",))}  # an earlier result is not changed
