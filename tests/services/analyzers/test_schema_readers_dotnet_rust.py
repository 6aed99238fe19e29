"""EF Core models and migrations, and Diesel's schema.rs, on small fixture repositories."""

from __future__ import annotations

from phasegate.app.analyzers.schema_readers import diesel, efcore
from tests.services.analyzers.schema_reader_helpers import col, columns, fks, read, table
from tests.support.repos import commit_all, write_files

EF_MODEL, EF_MIGRATIONS = efcore.READERS
DIESEL = diesel.READERS[0]

CONTEXT = """using Microsoft.EntityFrameworkCore;
namespace Shop.Data;

public class ShopContext : DbContext
{
    public DbSet<Customer> Customers { get; set; } = null!;
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<Product> Products { get; set; } = null!;
    public DbSet<OrderLine> Lines { get; set; } = null!;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderLine>(b =>
        {
            b.ToTable("order_lines");
            b.HasKey(l => new { l.OrderId, l.ProductId });
            b.Property(l => l.Quantity).HasColumnName("qty");
        });
        modelBuilder.Entity<Customer>().HasIndex(c => c.Email).IsUnique();
        modelBuilder.Entity<Customer>().Ignore(c => c.Cache);
        modelBuilder.Entity<Customer>().Property(c => c.Nickname).IsRequired(true).HasMaxLength(30);
        modelBuilder.Entity<Order>().OwnsOne(o => o.ShipTo, a => { a.Property(x => x.Street).HasMaxLength(90); });
    }
}
"""
ENTITIES = """using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;
namespace Shop.Domain;

public abstract class Entity
{
    public int Id { get; set; }
}

public class Customer : Entity
{
    [Required, MaxLength(200)]
    public string Email { get; set; }
    public string? Nickname { get; set; }
    public string Cache { get; set; }
    [NotMapped]
    public string Display => Email;
    public List<Order> Orders { get; set; } = new();
    public Status Status { get; private set; }
}

public enum Status { Active, Closed }

public class Order : Entity
{
    public Customer? Buyer { get; set; }
    public DateTime PlacedAt { get; set; }
    public decimal Total { get; set; }
    public Address ShipTo { get; set; } = null!;
    private readonly List<Note> _notes = new();
    public IReadOnlyCollection<Note> Notes => _notes.AsReadOnly();
}

public class Address
{
    public string Street { get; set; } = "";
    public string? City { get; set; }
}

public class Note
{
    public Guid NoteId { get; set; }
    public string Text { get; set; } = "";
}

[Table("catalog_products")]
public class Product
{
    [Key]
    public string Sku { get; set; } = "";
    [Column("display_name")]
    public string Name { get; set; } = "";
}

public class OrderLine
{
    public int OrderId { get; set; }
    public Order Order { get; set; } = null!;
    public string ProductId { get; set; } = "";
    public int Quantity { get; set; }
}
"""


def ef_project(nullable: bool) -> dict[str, str]:
    csproj = "<Project><PropertyGroup>" + ("<Nullable>enable</Nullable>" if nullable else "") + \
        "</PropertyGroup></Project>"
    return {"src/Shop/Data/ShopContext.cs": CONTEXT, "src/Shop/Domain/Entities.cs": ENTITIES,
            "src/Shop/Shop.csproj": csproj}


def test_ef_model_tables_keys_and_columns(make_repo) -> None:
    part, warnings = read(EF_MODEL, make_repo(ef_project(nullable=True)))
    assert part.origin == "models"
    # DbSet property names; [Table] and ToTable override; Note is reached through a navigation only
    assert sorted(t.name for t in part.tables) == ["Customers", "Note", "Orders", "catalog_products", "order_lines"]
    assert columns(part, "Customers") == ["Id", "Email", "Nickname", "Status"]
    assert col(part, "Customers", "Id") == ("INTEGER", False, True)
    assert col(part, "Customers", "Email") == ("VARCHAR(200)", False, False)
    assert col(part, "Customers", "Nickname") == ("VARCHAR(30)", False, False)  # IsRequired(true)
    assert col(part, "Customers", "Status") == ("INTEGER", False, False)  # an enum
    assert [(i.columns, i.unique) for i in table(part, "Customers").indexes] == [(["Email"], True)]
    assert col(part, "catalog_products", "Sku") == ("TEXT", False, True)
    assert columns(part, "catalog_products") == ["Sku", "display_name"]
    assert columns(part, "order_lines") == ["OrderId", "ProductId", "qty"]
    assert [c.name for c in table(part, "order_lines").columns if c.primary_key] == ["OrderId", "ProductId"]
    assert fks(part, "order_lines") == [(("OrderId",), "Orders", ("Id",))]
    assert table(part, "Customers").source == "src/Shop/Domain/Entities.cs"
    assert not warnings


def test_ef_model_shadow_keys_owned_types_and_nullability(make_repo) -> None:
    part, _ = read(EF_MODEL, make_repo(ef_project(nullable=True)))
    # Buyer has no BuyerId property: EF's shadow key is <navigation><principal key>
    assert columns(part, "Orders") == ["Id", "PlacedAt", "Total", "ShipTo_Street", "ShipTo_City", "BuyerId"]
    assert col(part, "Orders", "BuyerId") == ("INTEGER", True, False)
    assert col(part, "Orders", "Total")[0] == "DECIMAL(18,2)"
    # an owned type is optional: its columns may be NULL; its own fluent block still applies
    assert col(part, "Orders", "ShipTo_Street") == ("VARCHAR(90)", True, False)
    assert col(part, "Orders", "ShipTo_City") == ("TEXT", True, False)
    assert fks(part, "Orders") == [(("BuyerId",), "Customers", ("Id",))]
    # a collection without an inverse navigation (here read-only, through its field) puts <principal><key>
    # on the dependent
    assert columns(part, "Note") == ["NoteId", "Text", "OrderId"]
    assert fks(part, "Note") == [(("OrderId",), "Orders", ("Id",))]
    # without nullable reference types a plain string column may be NULL
    # Navigation(…).IsRequired() makes the owned type required: its columns keep their own nullability
    files = ef_project(nullable=True)
    files["src/Shop/Data/ShopContext.cs"] = CONTEXT.replace(
        "modelBuilder.Entity<Order>().OwnsOne", "modelBuilder.Entity<Order>().Navigation(o => o.ShipTo).IsRequired();\n"
        "        modelBuilder.Entity<Order>().OwnsOne")
    required, _ = read(EF_MODEL, make_repo(files))
    assert col(required, "Orders", "ShipTo_Street") == ("VARCHAR(90)", False, False)
    assert col(required, "Orders", "ShipTo_City") == ("TEXT", True, False)
    legacy, _ = read(EF_MODEL, make_repo(ef_project(nullable=False)))
    assert col(legacy, "Orders", "PlacedAt") == ("TIMESTAMP", False, False)  # a value type
    assert col(legacy, "Note", "Text") == ("TEXT", True, False)
    assert col(legacy, "Customers", "Email") == ("VARCHAR(200)", False, False)  # [Required]


MIGRATION_1 = """using Microsoft.EntityFrameworkCore.Migrations;
namespace Shop.Migrations;

public partial class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Customers",
            columns: table => new
            {
                Id = table.Column<int>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                Email = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Legacy = table.Column<string>(type: "TEXT", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Customers", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Orders",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false),
                BuyerId = table.Column<int>(name: "buyer_id", type: "INTEGER", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Orders", x => x.Id);
                table.ForeignKey(
                    name: "FK_Orders_Customers_BuyerId",
                    column: x => x.BuyerId,
                    principalTable: "Customers",
                    principalColumn: "Id");
            });

        migrationBuilder.CreateIndex(
            name: "IX_Orders_BuyerId",
            table: "Orders",
            column: "buyer_id");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "Orders");
    }
}
"""
MIGRATION_2 = """using Microsoft.EntityFrameworkCore.Migrations;
public partial class Second : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "Legacy", table: "Customers");
        migrationBuilder.AddColumn<DateTime>(name: "PlacedAt", table: "Orders", nullable: false);
        migrationBuilder.RenameColumn(name: "Email", table: "Customers", newName: "EmailAddress");
        migrationBuilder.DropForeignKey(name: "FK_Orders_Customers_BuyerId", table: "Orders");
        migrationBuilder.Sql("CREATE TABLE Audit (Id INTEGER NOT NULL, Note TEXT)");
        migrationBuilder.RenameTable(name: "Orders", newName: "Purchases");
        migrationBuilder.ReticulateSplines(name: "x");
    }
}
"""


def test_ef_migrations_replayed_in_id_order(make_repo) -> None:
    files = {"src/Shop/Migrations/20240101000000_Initial.cs": MIGRATION_1,
             "src/Shop/Migrations/20240101000000_Initial.Designer.cs": "// generated, not read",
             "src/Shop/Migrations/20240201000000_Second.cs": MIGRATION_2,
             "src/Shop/Migrations/ShopContextModelSnapshot.cs": "partial class Snap : ModelSnapshot {}"}
    part, warnings = read(EF_MIGRATIONS, make_repo(files))
    assert part.origin == "migrations"
    assert [t.name for t in part.tables] == ["Customers", "Purchases", "Audit"]
    assert columns(part, "Customers") == ["Id", "EmailAddress"]
    assert col(part, "Customers", "Id") == ("INTEGER", False, True)
    assert col(part, "Customers", "EmailAddress") == ("TEXT", False, False)
    assert columns(part, "Purchases") == ["Id", "buyer_id", "PlacedAt"]
    assert col(part, "Purchases", "PlacedAt") == ("TIMESTAMP", False, False)
    assert table(part, "Purchases").foreign_keys == []  # dropped by name
    assert [(i.name, i.columns) for i in table(part, "Purchases").indexes] == [("IX_Orders_BuyerId", ["buyer_id"])]
    assert columns(part, "Audit") == ["Id", "Note"]
    assert [(w.path, w.line, w.reason) for w in warnings] == [
        ("src/Shop/Migrations/20240201000000_Second.cs", 12, "migrationBuilder.ReticulateSplines not read")]


SCHEMA_RS = """// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;

    /// Registered people.
    users (id) {
        id -> Int4,
        #[max_length = 120]
        email -> Varchar,
        bio -> Nullable<Text>,
        mood -> Nullable<Mood>,
        r#type -> Text,
    }
}

table! {
    #[sql_name = "blog_posts"]
    posts (id) {
        id -> Int8,
        author_id -> Int4,
        tags -> Array<Nullable<Text>>,
        published_at -> Nullable<Timestamptz>,
    }

    post_likes (post_id, user_id) {
        post_id -> Int8,
        user_id -> Int4,
    }
}

diesel::joinable!(posts -> users (author_id));
diesel::joinable!(ghosts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(posts, users, post_likes);
"""


def test_diesel_schema_rs(make_repo) -> None:
    part, warnings = read(DIESEL, make_repo({"src/schema.rs": SCHEMA_RS, "src/main.rs": "fn main() {}\n"}))
    assert part.origin == "ddl" and part.sources == ["src/schema.rs"]
    assert [t.name for t in part.tables] == ["users", "blog_posts", "post_likes"]
    assert columns(part, "users") == ["id", "email", "bio", "mood", "type"]
    assert col(part, "users", "id") == ("INTEGER", False, True)
    assert col(part, "users", "email") == ("VARCHAR(120)", False, False)
    assert col(part, "users", "bio") == ("TEXT", True, False)
    assert col(part, "users", "mood") == ("MOOD", True, False)
    assert col(part, "blog_posts", "tags") == ("TEXT[]", True, False)
    assert col(part, "blog_posts", "published_at") == ("TIMESTAMPTZ", True, False)
    assert [c.name for c in table(part, "post_likes").columns if c.primary_key] == ["post_id", "user_id"]
    assert fks(part, "blog_posts") == [(("author_id",), "users", ("id",))]
    assert [(w.line, w.reason) for w in warnings] == [(40, "joinable!(ghosts -> users): table not declared")]


def test_diesel_schema_at_a_revision(make_repo) -> None:
    root = make_repo({"src/schema.rs": SCHEMA_RS})
    write_files(root, {"src/schema.rs": SCHEMA_RS.replace("        r#type -> Text,\n", "")})
    commit_all(root, "drop type")
    before, _ = read(DIESEL, root, rev="HEAD~1")
    after, _ = read(DIESEL, root)
    assert "type" in columns(before, "users")
    assert columns(after, "users") == ["id", "email", "bio", "mood"]


def test_diesel_table_macros_outside_the_schema_file_are_query_helpers(make_repo) -> None:
    files = {"diesel.toml": '[print_schema]\nfile = "src/db/tables.rs"\n',
             "src/db/tables.rs": "diesel::table! { users (id) { id -> Int4, } }\n",
             "src/jobs.rs": "fn run() {\n    table! { results (count) { count -> Int8, } }\n}\n"}
    part, warnings = read(DIESEL, make_repo(files))
    assert [t.name for t in part.tables] == ["users"]
    assert [(w.path, w.reason) for w in warnings] == [
        ("src/jobs.rs", "table! outside the schema file (results): a query helper, not read as a table")]


def test_readers_give_the_same_part_from_the_parse_cache(make_repo) -> None:
    from phasegate.app.analyzers._files import open_tree
    from phasegate.app.analyzers.readers import ParseCache, run_reader

    root = make_repo({"src/schema.rs": SCHEMA_RS, **ef_project(nullable=True)})
    cache = ParseCache()
    tree = open_tree(root)
    for reader in (DIESEL, EF_MODEL):
        first = run_reader(reader, tree, tree.paths(), [], cache=cache).model_dump()
        again = run_reader(reader, tree, tree.paths(), [], cache=cache).model_dump()
        assert again == first


IDENTITY_CONTEXT = """public class AppContext : IdentityDbContext<AppUser, IdentityRole, string>
{
    public DbSet<Course> Courses { get; set; }
    public DbSet<Student> Students { get; set; }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<IdentityUserClaim<string>>().ToTable("UserClaims");
        builder.Entity<Course>().HasMany(c => c.Students).WithMany(s => s.Courses)
            .UsingEntity<Dictionary<string, object>>("Enrollments", l => l.HasOne<Student>().WithMany(),
                                                     r => r.HasOne<Course>().WithMany());
    }
}

public class BaseEntity<TKey> { public TKey Id { get; set; } }
public class Course : BaseEntity<long> { public string Title { get; set; } public IList<Student> Students { get; set; } }
public class Student : BaseEntity<Guid> { public IList<Course> Courses { get; set; } }
public class AppUser : IdentityUser { public string Nickname { get; set; } }
"""


def test_ef_identity_tables_generic_keys_and_many_to_many(make_repo) -> None:
    part, _ = read(EF_MODEL, make_repo({"src/AppContext.cs": IDENTITY_CONTEXT}))
    names = sorted(t.name for t in part.tables)
    assert names == ["AspNetRoleClaims", "AspNetRoles", "AspNetUserLogins", "AspNetUserRoles", "AspNetUserTokens",
                     "AspNetUsers", "Courses", "Enrollments", "Students", "UserClaims"]
    assert col(part, "Courses", "Id") == ("BIGINT", False, True)  # BaseEntity<long>: TKey bound
    assert col(part, "Students", "Id") == ("UUID", False, True)
    # the entity deriving IdentityUser takes its table and columns
    assert columns(part, "AspNetUsers")[:3] == ["Id", "UserName", "NormalizedUserName"]
    assert "Nickname" in columns(part, "AspNetUsers")
    assert columns(part, "UserClaims") == ["Id", "UserId", "ClaimType", "ClaimValue"]
    assert [c.name for c in table(part, "AspNetUserLogins").columns if c.primary_key] == ["LoginProvider", "ProviderKey"]
    assert col(part, "AspNetUsers", "AccessFailedCount") == ("INTEGER", False, False)
    # skip navigations: the join table EF makes, keyed <inverse navigation><key>
    assert columns(part, "Enrollments") == ["CoursesId", "StudentsId"]
    assert fks(part, "Enrollments") == [(("CoursesId",), "Courses", ("Id",)), (("StudentsId",), "Students", ("Id",))]
