"""JPA/Hibernate entities (Java, Kotlin) and Liquibase changelogs, on small fixture repositories."""

from __future__ import annotations

from phasegate.app.analyzers.schema_readers import jpa, liquibase
from phasegate.app.analyzers.schema_readers.jpa import physical
from tests.services.analyzers.schema_reader_helpers import col, columns, fks, read, table
from tests.support.repos import commit_all, write_files

JPA = jpa.READERS[0]
LIQUIBASE = liquibase.READERS[0]

BASE = """package shop.model;
import jakarta.persistence.*;
@MappedSuperclass
public abstract class BaseEntity {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    private java.time.Instant createdAt;
}
"""
CUSTOMER = """package shop.model;
import jakarta.persistence.*;
@Entity
@Table(name = "customers", indexes = {@Index(name = "ix_customer_email", columnList = "email", unique = true)})
public class Customer extends BaseEntity {
    @Column(nullable = false, length = 120)
    private String fullName;
    @Column(unique = true)
    private String email;
    @Embedded
    private Address address;
    @Enumerated(EnumType.STRING)
    private Tier tier;
    private int loyaltyPoints;
    @Transient
    private String displayName;
    private static final long serialVersionUID = 1L;
    @OneToMany(mappedBy = "customer")
    private java.util.List<PurchaseOrder> orders;
    @ManyToMany
    private java.util.Set<Tag> tags;
}
"""
ADDRESS = """package shop.model;
import jakarta.persistence.*;
@Embeddable
public class Address {
    private String street;
    @Column(name = "zip")
    private String postalCode;
}
"""
TIER = "package shop.model;\npublic enum Tier { FREE, GOLD }\n"
TAG = """package shop.model;
import jakarta.persistence.*;
@Entity
public class Tag extends BaseEntity {
    private String label;
}
"""
ORDER = """package shop.model;
import jakarta.persistence.*;
import java.math.BigDecimal;
@Entity
public class PurchaseOrder extends BaseEntity {
    @ManyToOne(optional = false)
    private Customer customer;
    @ManyToOne
    @JoinColumn(name = "ship_to")
    private Customer shipTo;
    @Column(precision = 10, scale = 2)
    private BigDecimal totalAmount;
    @OneToMany
    @JoinColumn(name = "order_id")
    private java.util.List<OrderLine> lines;
    @ManyToMany
    @JoinTable(name = "order_coupons", joinColumns = @JoinColumn(name = "order_ref"),
               inverseJoinColumns = @JoinColumn(name = "coupon_ref"))
    private java.util.Set<Coupon> coupons;
}
"""
LINE = """package shop.model;
import jakarta.persistence.*;
@Entity
public class OrderLine extends BaseEntity {
    private Integer quantity;
}
"""
COUPON = """package shop.model;
import jakarta.persistence.*;
@Entity(name = "DiscountCoupon")
public class Coupon extends BaseEntity {
    private String code;
}
"""


def java_project() -> dict[str, str]:
    root = "src/main/java/shop/model/"
    return {root + "BaseEntity.java": BASE, root + "Customer.java": CUSTOMER, root + "Address.java": ADDRESS,
            root + "Tier.java": TIER, root + "Tag.java": TAG, root + "PurchaseOrder.java": ORDER,
            root + "OrderLine.java": LINE, root + "Coupon.java": COUPON}


def test_physical_naming_is_spring_boots_camel_case_to_underscores() -> None:
    assert physical("firstName") == "first_name"
    assert physical("PurchaseOrder") == "purchase_order"
    assert physical("HTTPStatus") == "httpstatus"  # no underscore inside a run of capitals
    assert physical("address2Line") == "address2_line"
    assert physical("`Quoted`") == "Quoted"


def test_java_entities_tables_columns_and_keys(make_repo) -> None:
    part, warnings = read(JPA, make_repo(java_project()))
    assert part.origin == "models"
    assert sorted(t.name for t in part.tables) == [
        "customers", "customers_tags", "discount_coupon", "order_coupons", "order_line", "purchase_order", "tag"]
    # mapped superclass columns first, then the entity's; @Transient, static and mappedBy collections are not columns
    assert columns(part, "customers") == ["id", "created_at", "full_name", "email", "street", "zip", "tier",
                                          "loyalty_points"]
    assert col(part, "customers", "id") == ("BIGINT", False, True)
    assert col(part, "customers", "full_name") == ("VARCHAR(120)", False, False)
    assert col(part, "customers", "email") == ("VARCHAR(255)", True, False)
    assert table(part, "customers").column("email").unique  # type: ignore[union-attr]
    assert col(part, "customers", "tier") == ("VARCHAR(255)", True, False)  # @Enumerated(STRING)
    assert col(part, "customers", "loyalty_points") == ("INTEGER", False, False)  # a primitive is NOT NULL
    ix = table(part, "customers").indexes
    assert [(i.name, i.columns, i.unique) for i in ix] == [("ix_customer_email", ["email"], True)]
    assert table(part, "customers").source == "src/main/java/shop/model/Customer.java"
    assert not warnings


def test_java_relations_join_columns_and_join_tables(make_repo) -> None:
    part, _ = read(JPA, make_repo(java_project()))
    assert columns(part, "purchase_order") == ["id", "created_at", "customer_id", "ship_to", "total_amount"]
    assert col(part, "purchase_order", "customer_id") == ("BIGINT", False, False)  # optional = false
    assert col(part, "purchase_order", "ship_to") == ("BIGINT", True, False)
    assert col(part, "purchase_order", "total_amount")[0] == "DECIMAL(10,2)"
    assert fks(part, "purchase_order") == [(("customer_id",), "customers", ("id",)),
                                           (("ship_to",), "customers", ("id",))]
    # a unidirectional @OneToMany with @JoinColumn puts the column on the other side
    assert columns(part, "order_line") == ["id", "created_at", "quantity", "order_id"]
    assert fks(part, "order_line") == [(("order_id",), "purchase_order", ("id",))]
    # default join table: <owner table>_<field>, columns <owner entity>_<key> and <field>_<key>
    assert columns(part, "customers_tags") == ["customer_id", "tags_id"]
    assert [c.name for c in table(part, "customers_tags").columns if c.primary_key] == ["customer_id", "tags_id"]
    assert fks(part, "customers_tags") == [(("customer_id",), "customers", ("id",)), (("tags_id",), "tag", ("id",))]
    assert columns(part, "order_coupons") == ["order_ref", "coupon_ref"]
    assert fks(part, "order_coupons")[1] == (("coupon_ref",), "discount_coupon", ("id",))


def test_relation_to_an_unknown_entity_is_a_warning(make_repo) -> None:
    files = {"src/Pet.java": """import jakarta.persistence.*;
@Entity
public class Pet {
    @Id private Long id;
    @ManyToOne private Owner owner;
}
"""}
    part, warnings = read(JPA, make_repo(files))
    assert columns(part, "pet") == ["id"]
    assert [(w.path, w.line) for w in warnings] == [("src/Pet.java", 5)]
    assert "Owner" in warnings[0].reason


def test_standard_physical_naming_from_application_properties(make_repo) -> None:
    files = {"src/main/java/a/UserAccount.java": """package a;
import jakarta.persistence.*;
@Entity
public class UserAccount { @Id private Long id; private String displayName; }
""", "src/main/resources/application.properties":
        "spring.jpa.hibernate.naming.physical-strategy=org.hibernate.boot.model.naming.PhysicalNamingStrategyStandardImpl\n"}
    part, _ = read(JPA, make_repo(files))
    assert [(t.name, [c.name for c in t.columns]) for t in part.tables] == [("UserAccount", ["id", "displayName"])]


KOTLIN = """package blog
import jakarta.persistence.*

@MappedSuperclass
abstract class Audited(
    @Column(name = "created")
    var createdAt: java.time.Instant? = null,
)

@Entity
@Table(name = "posts", uniqueConstraints = [UniqueConstraint(name = "uq_slug", columnNames = ["slug"])])
class Post(
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    val id: Long? = null,
    @Column(nullable = false, length = 80)
    var title: String,
    var slug: String,
    var views: Int = 0,
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "writerId")
    val writer: Writer,
    draft: Boolean = false,
) : Audited() {
    @Transient
    var cached: String? = null

    val shout: String
        get() = title.uppercase()

    var summary: String? = null
}

@Entity
class Writer(@Id val id: Long, val penName: String)
"""


def test_kotlin_entities(make_repo) -> None:
    part, warnings = read(JPA, make_repo({"src/main/kotlin/blog/Post.kt": KOTLIN}))
    assert sorted(t.name for t in part.tables) == ["posts", "writer"]
    # a constructor parameter without val/var and a property with only a getter have no column
    assert columns(part, "posts") == ["created", "id", "title", "slug", "views", "writer_id", "summary"]
    assert col(part, "posts", "title") == ("VARCHAR(80)", False, False)
    assert col(part, "posts", "views") == ("INTEGER", False, False)  # Kotlin Int is a Java int
    assert col(part, "posts", "summary") == ("VARCHAR(255)", True, False)
    assert fks(part, "posts") == [(("writer_id",), "writer", ("id",))]
    assert [(i.name, i.columns, i.unique) for i in table(part, "posts").indexes] == [("uq_slug", ["slug"], True)]
    assert columns(part, "writer") == ["id", "pen_name"]
    assert not warnings


def test_entities_at_a_revision_and_the_working_tree(make_repo) -> None:
    root = make_repo({"src/Item.java": "@Entity public class Item { @Id private Long id; }\n"})
    write_files(root, {"src/Item.java": "@Entity public class Item { @Id private Long id; private String sku; }\n"})
    commit_all(root, "add sku")
    before, _ = read(JPA, root, rev="HEAD~1")
    after, _ = read(JPA, root)
    assert columns(before, "item") == ["id"]
    assert columns(after, "item") == ["id", "sku"]


# --- Liquibase ----------------------------------------------------------------------------------
MASTER = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <property name="textType" value="varchar(500)"/>
    <include file="db/changelog/001-users.xml"/>
    <include file="002-orders.yaml" relativeToChangelogFile="true"/>
    <includeAll path="db/changelog/later/"/>
    <include file="db/changelog/missing.xml"/>
</databaseChangeLog>
"""
USERS = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <changeSet id="1" author="dev">
        <createTable tableName="app_user">
            <column name="id" type="bigint" autoIncrement="true">
                <constraints primaryKey="true" nullable="false"/>
            </column>
            <column name="login" type="varchar(50)">
                <constraints nullable="false" unique="true"/>
            </column>
            <column name="bio" type="${textType}"/>
            <column name="legacy" type="int"/>
        </createTable>
        <createIndex indexName="ix_user_login" tableName="app_user" unique="true">
            <column name="login"/>
        </createIndex>
    </changeSet>
    <changeSet id="2" author="dev">
        <dropColumn tableName="app_user" columnName="legacy"/>
        <renameColumn tableName="app_user" oldColumnName="bio" newColumnName="about"/>
        <loadData tableName="app_user" file="users.csv"/>
        <createView viewName="v">select 1</createView>
        <frobnicate tableName="app_user"/>
    </changeSet>
</databaseChangeLog>
"""
ORDERS_YAML = """databaseChangeLog:
  - changeSet:
      id: 3
      author: dev
      changes:
        - createTable:
            tableName: orders
            columns:
              - column:
                  name: id
                  type: bigint
                  constraints:
                    primaryKey: true
              - column:
                  name: user_id
                  type: bigint
                  constraints:
                    nullable: false
                    foreignKeyName: fk_orders_user
                    references: app_user(id)
        - addColumn:
            tableName: orders
            columns:
              - column:
                  name: note
                  type: text
        - addNotNullConstraint:
            tableName: orders
            columnName: note
"""
LATER_JSON = """{"databaseChangeLog": [{"changeSet": {"id": "4", "author": "dev", "changes": [
  {"createTable": {"tableName": "tmp_import", "columns": [{"column": {"name": "id", "type": "int"}}]}},
  {"renameTable": {"oldTableName": "tmp_import", "newTableName": "imports"}},
  {"addPrimaryKey": {"tableName": "imports", "columnNames": "id"}}
]}}]}
"""
LATER_SQL = """--liquibase formatted sql
--changeset dev:5
CREATE TABLE audit_log (id BIGINT PRIMARY KEY, action VARCHAR(20) NOT NULL);
--rollback DROP TABLE audit_log;
--changeset dev:6
ALTER TABLE orders ADD COLUMN status VARCHAR(10);
"""


def liquibase_project() -> dict[str, str]:
    return {"src/main/resources/db/changelog/db.changelog-master.xml": MASTER,
            "src/main/resources/db/changelog/001-users.xml": USERS,
            "src/main/resources/db/changelog/002-orders.yaml": ORDERS_YAML,
            "src/main/resources/db/changelog/later/010-imports.json": LATER_JSON,
            "src/main/resources/db/changelog/later/020-audit.sql": LATER_SQL}


def test_liquibase_changelogs_in_master_order(make_repo) -> None:
    part, warnings = read(LIQUIBASE, make_repo(liquibase_project()))
    assert part.origin == "migrations"
    assert [t.name for t in part.tables] == ["app_user", "orders", "imports", "audit_log"]
    assert columns(part, "app_user") == ["id", "login", "about"]
    assert col(part, "app_user", "id") == ("BIGINT", False, True)
    assert col(part, "app_user", "about") == ("VARCHAR(500)", True, False)  # ${textType} resolved
    assert [(i.name, i.columns, i.unique) for i in table(part, "app_user").indexes] == [
        ("ix_user_login", ["login"], True)]
    assert columns(part, "orders") == ["id", "user_id", "note", "status"]
    assert col(part, "orders", "note") == ("TEXT", False, False)  # addNotNullConstraint
    assert fks(part, "orders") == [(("user_id",), "app_user", ("id",))]
    assert col(part, "imports", "id") == ("INT", False, True)
    assert col(part, "audit_log", "action")[1] is False
    assert table(part, "audit_log").source == "src/main/resources/db/changelog/later/020-audit.sql"
    reasons = sorted((w.path.rsplit("/", 1)[-1], w.line, w.reason) for w in warnings)
    assert reasons == [
        ("001-users.xml", 23, "Liquibase change 'frobnicate' not read"),
        ("db.changelog-master.xml", 7, "included changelog 'db/changelog/missing.xml' not found"),
    ]


def test_liquibase_drop_table_and_fk_by_name(make_repo) -> None:
    files = {"db/changelog/master.yaml": """databaseChangeLog:
  - changeSet:
      id: 1
      author: a
      changes:
        - createTable: {tableName: a, columns: [{column: {name: id, type: int}}]}
        - createTable: {tableName: b, columns: [{column: {name: a_id, type: int}}]}
        - addForeignKeyConstraint: {baseTableName: b, baseColumnNames: a_id, referencedTableName: a,
                                    referencedColumnNames: id, constraintName: fk_b_a}
  - changeSet:
      id: 2
      author: a
      changes:
        - dropForeignKeyConstraint: {baseTableName: b, constraintName: fk_b_a}
        - dropTable: {tableName: a}
        - modifyDataType: {tableName: b, columnName: a_id, newDataType: bigint}
"""}
    part, warnings = read(LIQUIBASE, make_repo(files))
    assert [t.name for t in part.tables] == ["b"]
    assert table(part, "b").foreign_keys == []
    assert col(part, "b", "a_id")[0] == "BIGINT"
    assert not warnings


def test_broken_changelog_is_a_warning_not_a_crash(make_repo) -> None:
    files = {"db/changelog/master.xml": "<databaseChangeLog><changeSet id='1'><createTable tableName='x'>",
             "db/changelog/ok.xml": "<databaseChangeLog><changeSet id='1' author='a'>"
                                    "<createTable tableName='y'><column name='id' type='int'/></createTable>"
                                    "</changeSet></databaseChangeLog>"}
    part, warnings = read(LIQUIBASE, make_repo(files))
    assert [t.name for t in part.tables] == ["y"]
    assert [w.path for w in warnings] == ["db/changelog/master.xml"]
    assert "XML" in warnings[0].reason
