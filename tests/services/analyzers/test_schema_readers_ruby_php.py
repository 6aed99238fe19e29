"""Rails (db/schema.rb, db/migrate replay) and Laravel migrations, on small fixture repositories."""

from __future__ import annotations

from phasegate.app.analyzers.schema_readers import laravel, rails
from tests.services.analyzers.schema_reader_helpers import col, columns, fks, read, table
from tests.support.repos import commit_all, write_files

RAILS_SCHEMA, RAILS_MIGRATIONS = rails.READERS
LARAVEL = laravel.READERS[0]

SCHEMA_RB = """ActiveRecord::Schema[7.1].define(version: 2024_05_01_000000) do
  enable_extension "plpgsql"

  create_table "accounts", force: :cascade do |t|
    t.string "email", default: "", null: false
    t.string "name", limit: 80
    t.decimal "balance", precision: 12, scale: 2
    t.references "plan", foreign_key: true
    t.timestamps
    t.index ["email"], name: "index_accounts_on_email", unique: true
  end

  create_table "memberships", id: false, force: :cascade do |t|
    t.bigint "account_id", null: false
    t.bigint "group_id", null: false
  end

  create_table "plans", id: :uuid do |t|
    t.jsonb "limits", default: {}
  end

  create_table "legacy_codes", primary_key: "code", id: :string do |t|
    t.text "label"
  end

  add_index "memberships", ["account_id", "group_id"], unique: true
  add_foreign_key "memberships", "accounts"
end
"""


def test_schema_rb(make_repo) -> None:
    part, warnings = read(RAILS_SCHEMA, make_repo({"db/schema.rb": SCHEMA_RB, "app/models/account.rb": "class X; end"}))
    assert part.origin == "ddl" and part.sources == ["db/schema.rb"]
    assert [t.name for t in part.tables] == ["accounts", "memberships", "plans", "legacy_codes"]
    assert columns(part, "accounts") == ["id", "email", "name", "balance", "plan_id", "created_at", "updated_at"]
    assert col(part, "accounts", "id") == ("BIGINT", False, True)
    assert col(part, "accounts", "email") == ("VARCHAR", False, False)
    assert table(part, "accounts").column("email").default == ""  # type: ignore[union-attr]
    assert col(part, "accounts", "name") == ("VARCHAR(80)", True, False)
    assert col(part, "accounts", "balance")[0] == "DECIMAL(12,2)"
    assert col(part, "accounts", "created_at") == ("TIMESTAMP", False, False)
    assert fks(part, "accounts") == [(("plan_id",), "plans", ("id",))]
    assert [(i.name, i.columns, i.unique) for i in table(part, "accounts").indexes] == [
        ("index_accounts_on_plan_id", ["plan_id"], False), ("index_accounts_on_email", ["email"], True)]
    assert columns(part, "memberships") == ["account_id", "group_id"]  # id: false
    assert fks(part, "memberships") == [(("account_id",), "accounts", ("id",))]  # singular of the target
    assert table(part, "memberships").indexes[0].unique
    assert col(part, "plans", "id") == ("UUID", False, True)
    assert col(part, "legacy_codes", "code") == ("VARCHAR", False, True)
    assert not warnings


MIGRATIONS = {
    "db/migrate/20240101000000_create_authors.rb": """class CreateAuthors < ActiveRecord::Migration[7.0]
  def change
    create_table :authors do |t|
      t.string :name, null: false
      t.string :nickname
      t.timestamps
    end
  end
end
""",
    "db/migrate/20240102000000_create_books.rb": """class CreateBooks < ActiveRecord::Migration[7.0]
  def up
    create_table :books do |t|
      t.belongs_to :author, foreign_key: true
      t.string :title
      t.references :publishable, polymorphic: true
    end
    add_column :books, :isbn, :string, limit: 13
    add_index :books, :isbn, unique: true
    execute <<~SQL
      CREATE TABLE book_stats (book_id BIGINT NOT NULL, reads INTEGER)
    SQL
  end

  def down
    drop_table :books
  end
end
""",
    "db/migrate/20240103000000_tidy.rb": """class Tidy < ActiveRecord::Migration[7.0]
  def change
    remove_column :authors, :nickname, :string
    rename_column :books, :title, :name
    change_column :books, :isbn, :string, limit: 17, null: false
    change_table :authors do |t|
      t.text :bio
      t.rename :name, :full_name
    end
    add_reference :books, :editor, foreign_key: { to_table: :authors }
    rename_table :book_stats, :statistics
    create_join_table :authors, :tags
    add_column :tags_catalog, :color, :string
  end
end
""",
    "db/migrate/20240104000000_dynamic.rb": """class Dynamic < ActiveRecord::Migration[7.0]
  def change
    add_column :authors, "#{prefix}_id", :integer
  end
end
""",
}


def test_rails_migrations_replayed_in_version_order(make_repo) -> None:
    part, warnings = read(RAILS_MIGRATIONS, make_repo(MIGRATIONS))
    assert part.origin == "migrations"
    assert [t.name for t in part.tables] == ["authors", "books", "statistics", "authors_tags", "tags_catalog"]
    assert columns(part, "authors") == ["id", "full_name", "created_at", "updated_at", "bio"]
    assert col(part, "authors", "full_name") == ("VARCHAR", False, False)
    assert columns(part, "books") == ["id", "author_id", "name", "publishable_id", "publishable_type", "isbn",
                                      "editor_id"]
    assert col(part, "books", "isbn") == ("VARCHAR(17)", False, False)
    assert fks(part, "books") == [(("author_id",), "authors", ("id",)), (("editor_id",), "authors", ("id",))]
    assert ("index_books_on_isbn", ["isbn"], True) in [(i.name, i.columns, i.unique) for i in table(part, "books").indexes]
    assert columns(part, "statistics") == ["book_id", "reads"]  # execute of SQL, then rename_table
    assert table(part, "statistics").source == "db/migrate/20240102000000_create_books.rb"
    assert columns(part, "authors_tags") == ["author_id", "tag_id"]
    # altered but never created here: known by name only
    assert table(part, "tags_catalog").columns_known is False
    assert [(w.path, w.line) for w in warnings] == [("db/migrate/20240104000000_dynamic.rb", 3)]


def test_rails_schema_at_a_revision(make_repo) -> None:
    root = make_repo({"db/schema.rb": SCHEMA_RB})
    write_files(root, {"db/schema.rb": SCHEMA_RB.replace('    t.text "label"\n', "")})
    commit_all(root, "drop label")
    before, _ = read(RAILS_SCHEMA, root, rev="HEAD~1")
    after, _ = read(RAILS_SCHEMA, root)
    assert columns(before, "legacy_codes") == ["code", "label"]
    assert columns(after, "legacy_codes") == ["code"]


# --- Laravel ------------------------------------------------------------------------------------
LARAVEL_FILES = {
    "database/migrations/2024_01_01_000000_create_users_table.php": """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration {
    public function up(): void
    {
        Schema::create('users', function (Blueprint $table) {
            $table->id();
            $table->string('name', 100);
            $table->string('email')->unique();
            $table->text('bio')->nullable();
            $table->boolean('active')->default(true);
            $table->rememberToken();
            $table->timestamps();
            $table->softDeletes();
        });
    }

    public function down(): void
    {
        Schema::dropIfExists('users');
    }
};
""",
    "database/migrations/2024_01_02_000000_create_posts_table.php": """<?php
class CreatePostsTable extends Migration
{
    public function up()
    {
        Schema::create('posts', function (Blueprint $table) {
            $table->increments('id');
            $table->foreignId('user_id')->constrained()->cascadeOnDelete();
            $table->unsignedInteger('category_id');
            $table->decimal('price', 8, 2);
            $table->morphs('commentable');
            $table->enum('state', ['draft', 'live']);
            $table->foreign('category_id')->references('id')->on('categories');
            $table->index(['user_id', 'state'], 'posts_user_state');
        });
        Schema::create('scratch', function (Blueprint $table) {
            $table->id();
        });
    }
}
""",
    "database/migrations/2024_01_03_000000_change_posts.php": """<?php
return new class extends Migration {
    public function up()
    {
        Schema::table('posts', function (Blueprint $table) {
            $table->string('title')->after('id');
            $table->renameColumn('price', 'amount');
            $table->dropColumn(['state']);
            $table->string('name', 200)->nullable()->change();
        });
        Schema::table('users', function (Blueprint $table) {
            $table->string('name', 200)->nullable()->change();
            $table->dropSoftDeletes();
            $table->frobnicate('x');
        });
        Schema::dropIfExists('scratch');
        Schema::rename('posts', 'articles');
        DB::statement('CREATE TABLE audit (id INT NOT NULL, note VARCHAR(20))');
        if (DB::getDriverName() === 'sqlite') {
            Schema::create('sqlite_only', function (Blueprint $table) { $table->id(); });
        } else {
            Schema::table('users', function (Blueprint $table) { $table->string('locale', 5)->default('en'); });
        }
        $names = config('permission.table_names');
        Schema::create($names['roles'], function (Blueprint $table) {
            $table->id();
            $table->string('guard_name');
        });
        Schema::create($names['unknown'], function (Blueprint $table) { $table->id(); });
    }
};
""",
    "config/permission.php": """<?php
return [
    'table_names' => [
        'roles' => 'acl_roles',
    ],
];
""",
}


def test_laravel_migrations_replayed_in_file_order(make_repo) -> None:
    part, warnings = read(LARAVEL, make_repo(LARAVEL_FILES))
    assert part.origin == "migrations"
    assert [t.name for t in part.tables] == ["users", "articles", "audit", "acl_roles"]
    assert columns(part, "users") == ["id", "name", "email", "bio", "active", "remember_token", "created_at",
                                      "updated_at", "locale"]
    assert col(part, "users", "id") == ("BIGINT UNSIGNED", False, True)
    assert col(part, "users", "name") == ("VARCHAR(200)", True, False)  # ->change()
    assert col(part, "users", "email") == ("VARCHAR(255)", False, False)
    assert table(part, "users").column("email").unique  # type: ignore[union-attr]
    assert col(part, "users", "bio") == ("TEXT", True, False)
    assert table(part, "users").column("active").default == "True"  # type: ignore[union-attr]
    assert col(part, "users", "created_at") == ("TIMESTAMP", True, False)
    # Schema::rename keeps the columns; renameColumn, dropColumn and a later add all apply
    assert columns(part, "articles") == ["id", "user_id", "category_id", "amount", "commentable_type",
                                         "commentable_id", "title", "name"]
    assert col(part, "articles", "id") == ("INTEGER UNSIGNED", False, True)
    assert col(part, "articles", "amount")[0] == "DECIMAL(8,2)"
    assert fks(part, "articles") == [(("user_id",), "users", ("id",)), (("category_id",), "categories", ("id",))]
    assert [(i.name, i.columns) for i in table(part, "articles").indexes] == [
        ("posts_commentable_type_commentable_id_index", ["commentable_type", "commentable_id"])]
    assert columns(part, "audit") == ["id", "note"]  # DB::statement
    assert columns(part, "acl_roles") == ["id", "guard_name"]  # config('permission.table_names')['roles']
    reasons = [(w.line, w.reason) for w in warnings]
    assert reasons == [(14, "$table->frobnicate(…) is not read"),
                       (29, "Schema::create: config value permission.table_names.unknown not found in config/")]


def test_laravel_unreadable_argument_is_a_warning(make_repo) -> None:
    files = {"database/migrations/2024_01_01_000000_x.php": """<?php
return new class extends Migration {
    public function up()
    {
        foreach (['a', 'b'] as $name) {
            Schema::create($name, function (Blueprint $table) { $table->id(); });
        }
        Schema::create('kept', function (Blueprint $table) {
            $table->string(strtolower('Mixed'));
            $table->string('plain');
        });
    }
};
"""}
    part, warnings = read(LARAVEL, make_repo(files))
    assert [t.name for t in part.tables] == ["kept"]
    assert columns(part, "kept") == ["plain"]
    assert [(w.line, w.reason.partition(": ")[0]) for w in warnings] == [
        (6, "Schema::create with an argument that is not a literal"),
        (9, "Blueprint call with an argument that is not a literal")]


def test_laravel_schema_dump_then_the_migrations_it_has_not_run(make_repo) -> None:
    files = {
        "database/schema/mysql-schema.sql": """/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `migrations` (`id` int unsigned NOT NULL AUTO_INCREMENT, `migration` varchar(255) NOT NULL,
  `batch` int NOT NULL, PRIMARY KEY (`id`));
CREATE TABLE `users` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, `email` varchar(255) NOT NULL,
  PRIMARY KEY (`id`));
INSERT INTO `migrations` (`id`, `migration`, `batch`) VALUES (1,'2019_01_01_000000_create_users_table',1);
""",
        # squashed into the dump: recorded as run, so not replayed (it would drop the email column)
        "database/migrations/2019_01_01_000000_create_users_table.php": """<?php
return new class extends Migration {
    public function up() { Schema::create('users', function (Blueprint $table) { $table->id(); }); }
};
""",
        "database/migrations/2024_01_01_000000_add_avatar.php": """<?php
return new class extends Migration {
    public function up()
    {
        Schema::table('users', function (Blueprint $table) {
            $table->after('email', function () use ($table) {
                $table->string('avatar')->nullable();
                $table->string('avatar_alt')->nullable();
            });
        });
    }
};
""",
    }
    part, warnings = read(LARAVEL, make_repo(files))
    assert [t.name for t in part.tables] == ["migrations", "users"]
    assert columns(part, "users") == ["id", "email", "avatar", "avatar_alt"]
    assert col(part, "users", "email") == ("VARCHAR(255)", False, False)
    assert table(part, "users").source == "database/schema/mysql-schema.sql"
    assert part.sources == ["database/schema/mysql-schema.sql", "database/migrations/2024_01_01_000000_add_avatar.php"]
    assert not warnings


def test_rails_blocks_modifiers_loops_and_a_second_database(make_repo) -> None:
    files = {
        "db/migrate/20240101000000_create_places.rb": """class CreatePlaces < ActiveRecord::Migration[7.1]
  def change
    create_table :places do |t|
      t.string :name
    end
    create_table :partners do |t|
      t.string :label
    end
  end
end
""",
        "db/migrate/20240102000000_rename.rb": """class Rename < ActiveRecord::Migration[7.1]
  def up
    safety_assured do
      rename_table :places, :sites unless table_exists?(:sites)
    end
    %i[sites partners].each do |table|
      add_column table, :org_id, :bigint
    end
    reversible do |dir|
      dir.up { add_column :sites, :code, :string }
      dir.down { remove_column :sites, :name }
    end
  end
end
""",
        # another database (config/database.yml's partners): replayed apart, its same-named table shown once
        "db/partners_migrate/20240101000000_create_partners.rb": """class CreatePartners < ActiveRecord::Migration[7.1]
  def change
    create_table :partners do |t|
      t.string :email
    end
    create_table :requests do |t|
      t.text :body
    end
  end
end
""",
    }
    part, warnings = read(RAILS_MIGRATIONS, make_repo(files))
    assert [t.name for t in part.tables] == ["sites", "partners", "requests"]
    assert columns(part, "sites") == ["id", "name", "code"]
    assert columns(part, "partners") == ["id", "label"]
    assert [(w.path, w.line, w.reason.split(":")[0]) for w in warnings] == [
        ("db/migrate/20240102000000_rename.rb", 7, "add_column"),
        ("db/partners_migrate/20240101000000_create_partners.rb", None,
         "table 'partners' of the database in db/partners_migrate has the name of one already read; shown once")]
