"""The TypeScript/JavaScript schema readers (TypeORM, Sequelize, Mongoose, Knex, Drizzle) on small
fixture projects: exact tables, columns, types, nullability, keys, indexes and warnings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.readers import ParseCache, SourceWarning, run_reader
from phasegate.app.analyzers.schema import diff_schemas
from phasegate.app.analyzers.schema_model import Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers import drizzle, knex, mongoose, sequelize, typeorm
from phasegate.app.analyzers.schema_readers._inflect import mongoose_collection, rails_plural
from tests.support.repos import commit_all, write_files


def read(root: Path, module: object, rev: str | None = None) -> dict[str, SchemaPart]:
    """Every reader of ``module`` run on the repository at ``root`` (working tree or ``rev``)."""
    tree = open_tree(root, rev)
    try:
        out: dict[str, SchemaPart] = {}
        for reader in module.READERS:  # type: ignore[attr-defined]
            warnings: list[SourceWarning] = []
            part = run_reader(reader, tree, tree.paths(), warnings, cache=ParseCache())
            part.warnings = warnings + part.warnings
            out[reader.name] = part
        return out
    finally:
        tree.close()


def table(part: SchemaPart, name: str) -> Table:
    found = next((t for t in part.tables if t.name == name), None)
    assert found is not None, f"{name} not in {[t.name for t in part.tables]}"
    return found


def cols(t: Table) -> list[str]:
    return [c.name for c in t.columns]


def fks(t: Table) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    return {(tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in t.foreign_keys}


# --- TypeORM ----------------------------------------------------------------------------------------
ENTITIES = {
    "src/base.entity.ts": """
import { PrimaryGeneratedColumn, CreateDateColumn } from 'typeorm';
export abstract class Base {
  @PrimaryGeneratedColumn('uuid') id: string;
  @CreateDateColumn() createdAt: Date;
}
""",
    "src/user-profile.entity.ts": """
import { Entity, Column, OneToMany, ManyToMany, JoinTable, Index } from 'typeorm';
import { Base } from './base.entity';
@Entity()
@Index(['email', 'tenant'], { unique: true })
export class UserProfile extends Base {
  @Column({ length: 100, unique: true }) email: string;
  @Column({ name: 'tenant_key' }) tenant: string;
  @Column({ nullable: true, type: 'text' }) bio: string | null;
  @Column({ default: 0 }) loginCount: number;
  @Column('simple-array') roles: string[];
  @ManyToMany(() => Group)
  @JoinTable()
  groups: Group[];
  @OneToMany(() => Post, (p) => p.author) posts: Post[];
}
""",
    "src/post.entity.ts": """
import { Entity, Column, ManyToOne, OneToOne, JoinColumn, PrimaryGeneratedColumn, Index } from 'typeorm';
@Entity('posts')
export class Post {
  @PrimaryGeneratedColumn() id: number;
  @Index() @Column() title: string;
  @ManyToOne(() => UserProfile, (u) => u.posts, { nullable: false }) author: UserProfile;
  @OneToOne(() => Group) @JoinColumn({ name: 'group_ref' }) group: Group;
  @OneToOne(() => UserProfile) reviewer: UserProfile;
}
""",
    "src/group.entity.ts": """
import { Entity, Column, PrimaryColumn } from 'typeorm';
@Entity({ name: 'groups' })
export class Group {
  @PrimaryColumn() code: string;
  @Column() label: string;
}
""",
    "src/not-an-entity.ts": "export class Helper { name: string; }\n",
}


def test_typeorm_entities_default_naming(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(ENTITIES), typeorm)["typeorm"]
    assert sorted(t.name for t in part.tables) == ["groups", "posts", "user_profile", "user_profile_groups_groups"]
    user = table(part, "user_profile")  # DefaultNamingStrategy: snakeCase of the class name
    assert cols(user) == ["id", "createdAt", "email", "tenant_key", "bio", "loginCount", "roles"]
    assert user.column("id").type == "uuid" and user.column("id").primary_key
    assert user.column("createdAt").type == "timestamp" and not user.column("createdAt").nullable
    email = user.column("email")
    assert (email.type, email.unique, email.nullable) == ("varchar(100)", True, False)
    assert user.column("bio").type == "text" and user.column("bio").nullable
    assert user.column("loginCount").type == "integer" and user.column("loginCount").default == "0"
    assert [(ix.columns, ix.unique) for ix in user.indexes] == [(["email", "tenant_key"], True)]
    assert user.origin == "models" and user.source == "src/user-profile.entity.ts"

    post = table(part, "posts")
    assert cols(post) == ["id", "title", "authorId", "group_ref"]
    assert not post.column("authorId").nullable and post.column("authorId").type == "uuid"
    assert fks(post) == {(("authorId",), "user_profile", ("id",)), (("group_ref",), "groups", ("code",))}
    assert [(ix.columns, ix.unique) for ix in post.indexes] == [(["title"], False)]

    join = table(part, "user_profile_groups_groups")
    assert cols(join) == ["userProfileId", "groupsCode"]
    assert all(c.primary_key for c in join.columns)
    assert fks(join) == {(("userProfileId",), "user_profile", ("id",)), (("groupsCode",), "groups", ("code",))}


def test_typeorm_snake_naming_strategy(make_repo: Callable[..., Path]) -> None:
    files = dict(ENTITIES)
    files["src/data-source.ts"] = """
import { DataSource } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
export const ds = new DataSource({ type: 'postgres', namingStrategy: new SnakeNamingStrategy() });
"""
    part = read(make_repo(files), typeorm)["typeorm"]
    user = table(part, "user_profile")
    assert cols(user) == ["id", "created_at", "email", "tenant_key", "bio", "login_count", "roles"]
    assert cols(table(part, "posts")) == ["id", "title", "author_id", "group_ref"]
    assert cols(table(part, "user_profile_groups_groups")) == ["user_profile_id", "groups_code"]


def test_typeorm_entity_schema(make_repo: Callable[..., Path]) -> None:
    files = {"src/entity/post.js": """
const { EntitySchema } = require('typeorm');
module.exports = new EntitySchema({
  name: 'BlogPost',
  columns: {
    id: { primary: true, type: 'int', generated: true },
    title: { type: 'varchar', length: 200, unique: true },
    createdAt: { type: 'timestamp', createDate: true },
  },
  relations: {
    author: { type: 'many-to-one', target: 'Writer', joinColumn: { name: 'author_id' } },
    tags: { type: 'many-to-many', target: 'Writer', joinTable: true },
  },
  indices: [{ name: 'ix_title', columns: ['title', 'createdAt'] }],
});
""", "src/entity/writer.js": """
const { EntitySchema } = require('typeorm');
module.exports = new EntitySchema({ name: 'Writer', tableName: 'writers', columns: { id: { primary: true, type: 'uuid' } } });
"""}
    part = read(make_repo(files), typeorm)["typeorm"]
    assert sorted(t.name for t in part.tables) == ["blog_post", "blog_post_tags_writers", "writers"]
    post = table(part, "blog_post")
    assert cols(post) == ["id", "title", "createdAt", "author_id"]
    assert post.column("title").type == "varchar(200)" and post.column("title").unique
    assert fks(post) == {(("author_id",), "writers", ("id",))}
    assert [(ix.name, ix.columns) for ix in post.indexes] == [("ix_title", ["title", "createdAt"])]
    assert cols(table(part, "blog_post_tags_writers")) == ["blogPostId", "writersId"]


MIGRATIONS = {
    "src/migrations/1700000000000-Init.ts": """
import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
export class Init1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    const users = new Table({
      name: 'users',
      columns: [
        { name: 'id', type: 'int', isPrimary: true, isGenerated: true },
        { name: 'email', type: 'varchar', length: '120', isUnique: true },
        { name: 'nick', type: 'varchar', isNullable: true },
      ],
    });
    await queryRunner.createTable(users, true);
    await queryRunner.createIndex('users', new TableIndex({ name: 'ix_nick', columnNames: ['nick'] }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
""",
    "src/migrations/1700000000500-Posts.ts": """
import { MigrationInterface, QueryRunner } from 'typeorm';
export class Posts1700000000500 implements MigrationInterface {
  async up(queryRunner: QueryRunner) {
    await queryRunner.query(`CREATE TABLE "posts" ("id" SERIAL NOT NULL, "title" character varying NOT NULL,
      "userId" integer, CONSTRAINT "PK_posts" PRIMARY KEY ("id"))`);
    await queryRunner.query("ALTER TABLE \\"posts\\" ADD CONSTRAINT \\"FK_u\\" FOREIGN KEY (\\"userId\\") REFERENCES \\"users\\"(\\"id\\")");
  }
  async down(queryRunner: QueryRunner) { await queryRunner.query(`DROP TABLE "posts"`); }
}
""",
    "src/migrations/1700000001000-Alter.ts": """
import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
export class Alter1700000001000 implements MigrationInterface {
  async up(queryRunner: QueryRunner) {
    await queryRunner.addColumn('users', new TableColumn({ name: 'age', type: 'integer', default: 18 }));
    await queryRunner.dropColumn('users', 'nick');
    await queryRunner.renameColumn('posts', 'title', 'headline');
    await queryRunner.query(`ALTER TABLE "posts" ADD "${column}" text`);
  }
  async down(queryRunner: QueryRunner) {}
}
""",
}


def test_typeorm_migrations_replayed_in_timestamp_order(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(MIGRATIONS), typeorm)["typeorm-migrations"]
    assert part.origin == "migrations"
    users = table(part, "users")
    assert cols(users) == ["id", "email", "age"]
    assert users.column("id").primary_key and not users.column("id").nullable
    assert (users.column("email").type, users.column("email").unique) == ("varchar(120)", True)
    assert users.column("age").default == "18"
    assert users.indexes == []  # ix_nick went with its column
    posts = table(part, "posts")
    assert cols(posts) == ["id", "headline", "userId"]
    assert posts.column("id").primary_key
    assert fks(posts) == {(("userId",), "users", ("id",))}
    assert posts.source == "src/migrations/1700000000500-Posts.ts"
    assert [(w.path, w.line) for w in part.warnings] == [("src/migrations/1700000001000-Alter.ts", 8)]
    assert "not a literal" in part.warnings[0].reason


# --- Sequelize --------------------------------------------------------------------------------------
SEQUELIZE = {
    "models/user.js": """
const { DataTypes } = require('sequelize');
module.exports = (sequelize) => {
  const User = sequelize.define('User', {
    email: { type: DataTypes.STRING(120), allowNull: false, unique: true },
    displayName: DataTypes.STRING,
    secret: { type: DataTypes.VIRTUAL },
    status: { type: DataTypes.ENUM('on', 'off'), defaultValue: 'on' },
  }, { indexes: [{ fields: ['displayName'] }] });
  User.associate = (models) => {
    User.hasMany(models.Post);
    User.belongsToMany(models.Category, { through: 'UserCategories' });
  };
  return User;
};
""",
    "models/post.js": """
const { Model, DataTypes } = require('sequelize');
class Post extends Model {}
module.exports = (sequelize) => {
  Post.init({
    uuid: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
    body: DataTypes.TEXT,
  }, { sequelize, tableName: 'blog_posts', underscored: true, paranoid: true });
  Post.belongsTo(sequelize.models.Category, { foreignKey: { name: 'categoryId', allowNull: false } });
  return Post;
};
""",
    "models/category.ts": """
import { Table, Column, Model, DataType, PrimaryKey, AllowNull, Unique } from 'sequelize-typescript';
@Table({ timestamps: false })
export class Category extends Model {
  @PrimaryKey @Column(DataType.INTEGER) code: number;
  @AllowNull(false) @Unique @Column name: string;
}
""",
}


def test_sequelize_models_names_defaults_and_associations(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(SEQUELIZE), sequelize)["sequelize"]
    assert sorted(t.name for t in part.tables) == ["Categories", "UserCategories", "Users", "blog_posts"]
    users = table(part, "Users")  # the model name pluralised
    assert cols(users) == ["id", "email", "displayName", "status", "createdAt", "updatedAt"]
    assert users.column("id").primary_key and users.column("id").type == "INTEGER"
    assert (users.column("email").type, users.column("email").nullable, users.column("email").unique) == (
        "VARCHAR(120)", False, True)
    assert users.column("status").default == "'on'"
    assert [ix.columns for ix in users.indexes] == [["displayName"]]
    posts = table(part, "blog_posts")  # tableName wins; underscored renames the columns and timestamps
    assert cols(posts) == ["uuid", "body", "created_at", "updated_at", "deleted_at", "category_id", "user_id"]
    assert posts.column("uuid").primary_key and posts.column("uuid").type == "UUID"
    assert not posts.column("category_id").nullable
    assert fks(posts) == {(("user_id",), "Users", ("id",)), (("category_id",), "Categories", ("code",))}
    category = table(part, "Categories")
    assert cols(category) == ["code", "name"]  # timestamps: false
    assert not category.column("name").nullable and category.column("name").unique
    join = table(part, "UserCategories")
    assert cols(join) == ["UserId", "CategoryCode", "createdAt", "updatedAt"]
    assert fks(join) == {(("UserId",), "Users", ("id",)), (("CategoryCode",), "Categories", ("code",))}


def test_sequelize_cli_class_models(make_repo: Callable[..., Path]) -> None:
    files = {"models/comment.js": """
'use strict';
const { Model } = require('sequelize');
module.exports = (sequelize, DataTypes) => {
  class Comment extends Model {
    static associate(models) {
      this.belongsTo(models.Person, { foreignKey: 'authorId' });
    }
  }
  Comment.init({ text: DataTypes.TEXT }, { sequelize, modelName: 'Comment' });
  return Comment;
};
""", "models/person.js": """
module.exports = (sequelize, DataTypes) => {
  const Person = sequelize.define('Person', { name: DataTypes.STRING }, { timestamps: false });
  return Person;
};
"""}
    part = read(make_repo(files), sequelize)["sequelize"]
    assert sorted(t.name for t in part.tables) == ["Comments", "People"]
    comments = table(part, "Comments")
    assert cols(comments) == ["id", "text", "createdAt", "updatedAt", "authorId"]
    assert fks(comments) == {(("authorId",), "People", ("id",))}
    assert part.warnings == []


def test_sequelize_global_freeze_table_name(make_repo: Callable[..., Path]) -> None:
    files = {
        "db.js": "const { Sequelize } = require('sequelize');\n"
                 "const params = { dialect: 'sqlite', define: { freezeTableName: true } };\n"
                 "module.exports = new Sequelize(params);\n",
        "models/user.js": SEQUELIZE["models/user.js"],
    }
    part = read(make_repo(files), sequelize)["sequelize"]
    assert [t.name for t in part.tables] == ["User"]


SEQUELIZE_MIGRATIONS = {
    "migrations/20200101000000-create-user.js": """
'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('users', {
      id: { allowNull: false, autoIncrement: true, primaryKey: true, type: Sequelize.INTEGER },
      email: { type: Sequelize.STRING, allowNull: false },
      nick: Sequelize.STRING(30),
      createdAt: { allowNull: false, type: Sequelize.DATE },
    });
    await queryInterface.addIndex('users', ['email'], { unique: true, name: 'users_email' });
  },
  async down(queryInterface) { await queryInterface.dropTable('users'); },
};
""",
    "migrations/20200102000000-posts.js": """
module.exports = {
  up: (queryInterface, Sequelize) => queryInterface.sequelize.transaction(async (t) => {
    await queryInterface.createTable('posts', {
      id: { type: Sequelize.INTEGER, primaryKey: true },
      userId: { type: Sequelize.INTEGER, references: { model: 'users', key: 'id' } },
    }, { transaction: t });
    await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });
    await queryInterface.removeColumn('users', 'nick');
    await queryInterface.renameColumn('posts', 'userId', 'authorId');
    await queryInterface.sequelize.query('ALTER TABLE users ADD COLUMN age integer');
    await queryInterface.addColumn(tableName, 'x', { type: Sequelize.TEXT });
  }),
  down: () => {},
};
""",
}


def test_sequelize_migrations(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(SEQUELIZE_MIGRATIONS), sequelize)["sequelize-migrations"]
    users = table(part, "users")
    assert cols(users) == ["id", "email", "createdAt", "bio", "age"]
    assert users.column("email").type == "VARCHAR(255)" and not users.column("email").nullable
    assert [(ix.name, ix.columns, ix.unique) for ix in users.indexes] == [("users_email", ["email"], True)]
    posts = table(part, "posts")
    assert cols(posts) == ["id", "authorId"]
    assert fks(posts) == {(("authorId",), "users", ("id",))}
    assert [(w.path, w.line) for w in part.warnings] == [("migrations/20200102000000-posts.js", 12)]


# --- Mongoose ---------------------------------------------------------------------------------------
MONGOOSE = {
    "src/models/user.model.js": """
const mongoose = require('mongoose');
const userSchema = mongoose.Schema({
  email: { type: String, required: true, unique: true },
  name: String,
  age: { type: Number, index: true, default: 18 },
  address: { city: String, zip: { type: String } },
  tags: [String],
  friends: [{ type: mongoose.Schema.Types.ObjectId, ref: 'Person' }],
}, { timestamps: true });
userSchema.index({ name: 1, age: -1 }, { unique: true });
module.exports = mongoose.model('User', userSchema);
""",
    "src/models/person.ts": """
import { Schema, model } from 'mongoose';
const PersonSchema = new Schema<IPerson>({ owner: { type: Schema.Types.ObjectId, ref: 'User', required: [true, 'x'] } },
  { _id: false });
export const Person = model<IPerson>('Person', PersonSchema);
export const Category = model('Category', new Schema({ title: String }), 'cats');
export const Audit = model('Audit', auditSchema);
""",
    "src/cats/cat.schema.ts": """
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
@Schema({ timestamps: true })
export class Kitty {
  @Prop({ required: true }) name: string;
  @Prop() age: number;
}
export const KittySchema = SchemaFactory.createForClass(Kitty);
""",
}


def test_mongoose_collections(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(MONGOOSE), mongoose)["mongoose"]
    assert sorted(t.name for t in part.tables) == ["audits", "cats", "kitties", "people", "users"]
    assert all(t.kind == "collection" for t in part.tables)
    users = table(part, "users")
    assert cols(users) == ["_id", "email", "name", "age", "address.city", "address.zip", "tags", "friends",
                           "createdAt", "updatedAt"]
    assert users.column("_id").primary_key
    assert (users.column("email").nullable, users.column("email").unique) == (False, True)
    assert users.column("age").type == "Number" and users.column("age").default == "18"
    assert users.column("tags").type == "[String]"
    assert [(ix.columns, ix.unique) for ix in users.indexes] == [(["age"], False), (["name", "age"], True)]
    assert fks(users) == {(("friends",), "people", ("_id",))}
    people = table(part, "people")
    assert cols(people) == ["owner"] and not people.column("owner").nullable
    assert fks(people) == {(("owner",), "users", ("_id",))}
    assert cols(table(part, "cats")) == ["_id", "title"]
    assert cols(table(part, "kitties")) == ["_id", "name", "age", "createdAt", "updatedAt"]
    audits = table(part, "audits")
    assert not audits.columns_known
    assert [(w.path, w.line) for w in part.warnings] == [("src/models/person.ts", 7)]


def test_mongoose_and_rails_pluralisation() -> None:
    assert [mongoose_collection(n) for n in ("User", "Person", "Category", "Box", "Status", "News", "Mouse")] == [
        "users", "people", "categories", "boxes", "status", "news", "mice"]
    assert [rails_plural(n) for n in ("user_model", "Person", "Category", "status", "fish", "Address")] == [
        "user_models", "People", "Categories", "statuses", "fish", "Addresses"]


# --- Knex -------------------------------------------------------------------------------------------
KNEX = {
    "db/migrations/20200101_init.js": """
exports.up = function (knex) {
  return knex.schema
    .createTable('users', (t) => {
      t.increments();
      t.string('email', 120).notNullable().unique();
      t.text('bio').defaultTo('');
      t.boolean('active').notNullable().defaultTo(true);
      t.timestamps(true, true);
    })
    .createTable('posts', function (table) {
      table.uuid('id').primary();
      table.integer('user_id').unsigned().references('id').inTable('users').onDelete('CASCADE');
      table.integer('editor_id').references('users.id');
      table.string('title');
      table.index(['user_id', 'title'], 'ix_posts_user_title');
      table.specificType('tags', 'text[]');
    });
};
exports.down = (knex) => knex.schema.dropTable('posts').dropTable('users');
""",
    "db/migrations/20200202_more.ts": """
import { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('bio');
    t.renameColumn('email', 'mail');
    t.string('nick', 40).nullable();
    t.setNullable('mail');
  });
  await knex.schema.dropTableIfExists('legacy');
  await knex.raw('CREATE TABLE audit (id integer primary key, at timestamp)');
  await knex.schema.createTable(name, (t) => { t.increments(); });
}
export async function down(knex: Knex): Promise<void> {}
""",
}


def test_knex_migrations(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(KNEX), knex)["knex"]
    assert [t.name for t in part.tables] == ["users", "posts", "audit"]
    users = table(part, "users")
    assert cols(users) == ["id", "mail", "active", "created_at", "updated_at", "nick"]
    assert users.column("id").primary_key and users.column("id").type == "integer"
    mail = users.column("mail")
    assert (mail.type, mail.nullable, mail.unique) == ("varchar(120)", False, True)
    assert users.column("active").default == "true"
    assert users.column("created_at").default == "now()" and not users.column("created_at").nullable
    assert users.column("created_at").type == "timestamp"  # timestamps(useTimestamps=true, …)
    assert users.column("nick").type == "varchar(40)"
    posts = table(part, "posts")
    assert cols(posts) == ["id", "user_id", "editor_id", "title", "tags"]
    assert posts.column("id").primary_key and posts.column("tags").type == "text[]"
    assert fks(posts) == {(("user_id",), "users", ("id",)), (("editor_id",), "users", ("id",))}
    assert [(ix.name, ix.columns) for ix in posts.indexes] == [("ix_posts_user_title", ["user_id", "title"])]
    assert cols(table(part, "audit")) == ["id", "at"]
    assert sorted((w.line, w.reason.split(":")[0]) for w in part.warnings) == [(8, "knex"), (12, "knex")]


# --- Drizzle ----------------------------------------------------------------------------------------
DRIZZLE = {
    "src/db/schema.ts": """
import { pgTable, pgEnum, serial, text, varchar, integer, timestamp, boolean, index, uniqueIndex,
  primaryKey } from 'drizzle-orm/pg-core';
export const roleEnum = pgEnum('role', ['admin', 'member']);
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: varchar('email', { length: 256 }).notNull().unique(),
  role: roleEnum('role').default('member'),
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
});
export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id').references(() => users.id).notNull(),
  title: text('title'),
  draft: boolean('draft').default(true),
}, (t) => ({ titleIdx: index('posts_title_idx').on(t.title), uq: uniqueIndex('posts_author_title').on(t.authorId, t.title) }));
export const postTags = pgTable('post_tags', {
  postId: integer('post_id').notNull().references(() => posts.id),
  tag: text('tag').notNull(),
}, (t) => [primaryKey({ columns: [t.postId, t.tag] })]);
""",
    "src/db/other.ts": """
import { pgTableCreator } from 'drizzle-orm/pg-core';
export const createTable = pgTableCreator((name) => `app_${name}`);
export const notes = createTable('note', (d) => ({
  id: d.integer().primaryKey().generatedByDefaultAsIdentity(),
  bodyText: d.text(),
}));
""",
    "drizzle.config.ts": "export default { schema: './src/db', casing: 'snake_case' };\n",
}


def test_drizzle_tables(make_repo: Callable[..., Path]) -> None:
    part = read(make_repo(DRIZZLE), drizzle)["drizzle"]
    assert sorted(t.name for t in part.tables) == ["app_note", "post_tags", "posts", "users"]
    users = table(part, "users")
    assert cols(users) == ["id", "email", "role", "created_at"]
    assert users.column("id").primary_key and users.column("id").type == "serial"
    email = users.column("email")
    assert (email.type, email.nullable, email.unique) == ("varchar(256)", False, True)
    assert users.column("role").type == "role" and users.column("role").default == "'member'"
    assert users.column("created_at").type == "timestamptz" and users.column("created_at").default == "now()"
    assert [(e.name, e.values) for e in part.enums] == [("role", ["admin", "member"])]
    posts = table(part, "posts")
    assert fks(posts) == {(("author_id",), "users", ("id",))}
    assert not posts.column("author_id").nullable and posts.column("title").nullable
    assert [(ix.name, ix.columns, ix.unique) for ix in posts.indexes] == [
        ("posts_title_idx", ["title"], False), ("posts_author_title", ["author_id", "title"], True)]
    tags = table(part, "post_tags")
    assert [c.name for c in tags.columns if c.primary_key] == ["post_id", "tag"]
    notes = table(part, "app_note")  # the creator's prefix; key-named columns snake_cased by `casing`
    assert cols(notes) == ["id", "body_text"] and notes.column("id").primary_key


def test_drizzle_spread_columns(make_repo: Callable[..., Path]) -> None:
    files = {
        "src/db/columns.ts": """
import { timestamp } from 'drizzle-orm/pg-core';
export const lifecycle = {
  createdAt: timestamp('created_at').defaultNow().notNull(),
  updatedAt: timestamp('updated_at'),
};
""",
        "src/db/schema.ts": """
import { pgTable, text } from 'drizzle-orm/pg-core';
import { lifecycle } from './columns';
export const items = pgTable('items', { id: text('id').primaryKey(), ...lifecycle, name: text('name') });
export const logs = pgTable('logs', { id: text('id').primaryKey(), ...elsewhere });
""",
    }
    part = read(make_repo(files), drizzle)["drizzle"]
    items = table(part, "items")
    assert cols(items) == ["id", "created_at", "updated_at", "name"]
    assert not items.column("created_at").nullable and items.column("created_at").default == "now()"
    assert cols(table(part, "logs")) == ["id"]
    assert [(w.path, w.line, w.reason) for w in part.warnings] == [
        ("src/db/schema.ts", 5, "drizzle: columns spread from elsewhere into logs not found")]


# --- at a revision, and the diff between two ---------------------------------------------------------
def test_typeorm_reads_any_revision(make_repo: Callable[..., Path]) -> None:
    root = make_repo(ENTITIES)
    first = commit_all(root, "again")
    write_files(root, {"src/group.entity.ts": ENTITIES["src/group.entity.ts"].replace(
        "@Column() label: string;", "@Column() label: string;\n  @Column({ nullable: true }) color: string;")})
    commit_all(root, "color")
    before = table(read(root, typeorm, first)["typeorm"], "groups")
    after = table(read(root, typeorm)["typeorm"], "groups")
    assert cols(before) == ["code", "label"]
    assert cols(after) == ["code", "label", "color"] and after.column("color").nullable
    changes = diff_schemas(Schema(tables=[before]), Schema(tables=[after]))
    assert [(c.kind, c.table, c.column, c.destructive) for c in changes] == [
        ("column_added", "groups", "color", False)]


@pytest.mark.parametrize("module", [typeorm, sequelize, mongoose, knex, drizzle])
def test_readers_ignore_unrelated_javascript(make_repo: Callable[..., Path], module: object) -> None:
    root = make_repo({"src/app.ts": "export function up(x: number) { return x.toString(); }\nconst t = {a: 1};\n",
                      "migrations/1-x.js": "exports.up = function (db) { return db.query('select 1'); };\n"})
    for part in read(root, module).values():
        assert part.tables == [] and part.warnings == []
