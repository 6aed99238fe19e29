"""TypeORM: entity classes (``@Entity`` and the column/relation decorators) and migrations
(``queryRunner.query`` SQL and the ``createTable``/``addColumn``/… API), read with tree-sitter.

Names follow TypeORM's ``DefaultNamingStrategy``: the table of ``class UserProfile`` is
``user_profile`` (its ``snakeCase``), a column keeps its property name, a ``@ManyToOne author`` owns
the column ``authorId`` (``camelCase(relation + "_" + referenced column)``) and a ``@ManyToMany`` with
``@JoinTable`` the table ``<owner table>_<property>_<target table>`` with ``<table>Id`` columns. When the
project configures ``SnakeNamingStrategy`` (typeorm-naming-strategies), columns, join columns and
join-table columns are snake_cased instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import ForeignKey, Index, Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._js import (
    JS_EXT,
    UNKNOWN,
    Decorator,
    bindings,
    call_args,
    camel,
    class_base,
    class_members,
    class_name,
    classes,
    decorators,
    dotted,
    is_js,
    lit,
    member_name,
    member_type,
    method_name,
    new_args,
    obj,
    outermost_calls,
    parse_js,
    receiver,
    resolve,
    snake,
    str_lit,
    unwrap,
    up_functions,
    walk,
)
from phasegate.app.analyzers.schema_readers._replay import ColumnSpec, Op, default_text, replay
from phasegate.app.analyzers.treesitter import line, text

if TYPE_CHECKING:
    from tree_sitter import Node

_COLUMN_DECORATORS = {"Column", "PrimaryColumn", "PrimaryGeneratedColumn", "CreateDateColumn", "UpdateDateColumn",
                      "DeleteDateColumn", "VersionColumn", "ObjectIdColumn"}
_RELATIONS = {"ManyToOne", "OneToOne", "ManyToMany", "OneToMany"}
_JS_CONSTRUCTORS = {"String": "varchar", "Number": "integer", "Boolean": "boolean", "Date": "timestamp"}
_TS_TYPES = {"string": "varchar", "number": "integer", "boolean": "boolean", "Date": "timestamp",
             "bigint": "bigint", "Buffer": "bytea"}


@dataclass
class EntityColumn:
    prop: str
    name: str | None
    type: str
    nullable: bool = False
    unique: bool = False
    primary: bool = False
    default: str | None = None
    line: int = 0
    embedded: str | None = None  # ``@Column(() => Address)``: the embedded class


@dataclass
class Relation:
    kind: str
    prop: str
    target: str | None
    line: int
    join_column: dict[str, Any] | None = None  # present: @JoinColumn was given
    join_table: dict[str, Any] | None = None
    nullable: bool = True


@dataclass
class Entity:
    cls: str
    path: str
    line: int
    is_entity: bool
    table: str | None = None
    base: str | None = None
    child_of_sti: bool = False
    columns: list[EntityColumn] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    indexes: list[tuple[str | None, list[str], bool]] = field(default_factory=list)  # property names


@dataclass
class EntityFile:
    entities: list[Entity] = field(default_factory=list)
    snake_naming: bool = False
    warnings: list[SourceWarning] = field(default_factory=list)


def _type_text(value: Any, length: Any = None, precision: Any = None, scale: Any = None) -> str:
    base = str(value)
    if isinstance(length, (int, str)) and length not in ("", None):
        return f"{base}({length})"
    if isinstance(precision, int):
        return f"{base}({precision},{scale})" if isinstance(scale, int) else f"{base}({precision})"
    return base


def _default(node: Node | None) -> str | None:
    if node is None:
        return None
    node = unwrap(node)
    if node is not None and node.type == "arrow_function":  # default: () => "CURRENT_TIMESTAMP" is raw SQL
        body = node.child_by_field_name("body")
        raw = str_lit(body)
        return raw if raw is not None else text(body)
    value = lit(node)
    return default_text(value) if value is not UNKNOWN else text(node)


def _target(node: Node | None) -> str | None:
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "arrow_function":
        return _target(node.child_by_field_name("body"))
    if node.type == "string":
        return str_lit(node)
    name = dotted(node)
    return name.rsplit(".", 1)[-1] if name else None


def _column(dec: Decorator, prop: str, ts_type: str | None, path: str, warnings: list[SourceWarning]) -> EntityColumn:
    args = dec.args
    type_value: Any = None
    options: dict[str, Node] = {}
    embedded = None
    for arg in args:
        arg_u = unwrap(arg)
        if arg_u is None:
            continue
        if arg_u.type == "object":
            options = obj(arg_u) or {}
        elif arg_u.type == "arrow_function" and dec.name == "Column":
            embedded = _target(arg_u)
        elif str_lit(arg_u) is not None:
            type_value = str_lit(arg_u)
    opt = {k: lit(v) for k, v in options.items()}
    if isinstance(opt.get("type"), str):
        type_value = opt["type"]
    elif "type" in options and opt.get("type") is UNKNOWN:  # type: String, the JS constructor
        written = dotted(options["type"]) or text(options["type"])
        type_value = _JS_CONSTRUCTORS.get(written, written)
    name = opt.get("name") if isinstance(opt.get("name"), str) else None
    col = EntityColumn(prop=prop, name=name, type="", line=dec.line, embedded=embedded)
    kind = dec.name
    if kind == "PrimaryGeneratedColumn":
        strategy = type_value or "increment"
        col.type = "uuid" if strategy == "uuid" else ("integer" if strategy in {"increment", "identity", "rowid"}
                                                       else str(strategy))
        if isinstance(opt.get("type"), str):
            col.type = opt["type"]
        col.primary = True
    elif kind in {"CreateDateColumn", "UpdateDateColumn", "DeleteDateColumn"}:
        col.type = str(type_value or "timestamp")
        col.default = None if kind == "DeleteDateColumn" else "now()"
        col.nullable = kind == "DeleteDateColumn"
    elif kind == "VersionColumn":
        col.type = str(type_value or "integer")
    elif kind == "ObjectIdColumn":
        col.type, col.primary, col.name = "objectid", True, name or "_id"
    else:
        if type_value is None and "enum" in options:
            type_value = "enum"
        if type_value is None:
            base_ts = (ts_type or "").rstrip("[]").replace(" | null", "").replace("null | ", "").strip()
            type_value = _TS_TYPES.get(base_ts, "varchar" if ts_type is None else base_ts)
        col.type = _type_text(type_value, opt.get("length"), opt.get("precision"), opt.get("scale"))
        col.primary = kind == "PrimaryColumn" or opt.get("primary") is True
    if opt.get("array") is True:
        col.type += "[]"
    if opt.get("nullable") is True and not col.primary:
        col.nullable = True
    if opt.get("unique") is True:
        col.unique = True
    if "default" in options:
        col.default = _default(options["default"])
    return col


def _relation(dec: Decorator, prop: str, others: list[Decorator]) -> Relation:
    rel = Relation(kind=dec.name, prop=prop, target=_target(dec.args[0]) if dec.args else None, line=dec.line)
    for arg in dec.args[1:]:
        options = obj(arg)
        if options is not None and lit(options.get("nullable")) is False:
            rel.nullable = False
    for other in others:
        if other.name == "JoinColumn":
            rel.join_column = {}
            if other.args:
                first = unwrap(other.args[0])
                if first is not None and first.type == "array" and first.named_children:
                    first = first.named_children[0]
                rel.join_column = {k: v for k, v in (lit(first) or {}).items()} \
                    if isinstance(lit(first), dict) else {}
        elif other.name == "JoinTable":
            value = lit(other.args[0]) if other.args else {}
            rel.join_table = value if isinstance(value, dict) else {}
    return rel


def _class_indexes(entity: Entity, decs: list[Decorator]) -> None:
    for dec in decs:
        if dec.name not in {"Index", "Unique"}:
            continue
        values = [lit(a) for a in dec.args]
        name = values[0] if values and isinstance(values[0], str) else None
        cols: list[str] = []
        unique = dec.name == "Unique"
        for value in values:
            if isinstance(value, list):
                cols = [v for v in value if isinstance(v, str)]
            elif isinstance(value, dict) and value.get("unique") is True:
                unique = True
        for arg in dec.args:  # @Index((t) => [t.a, t.b])
            arg_u = unwrap(arg)
            if arg_u is not None and arg_u.type == "arrow_function":
                body = unwrap(arg_u.child_by_field_name("body"))
                if body is not None:
                    cols = [text(n.child_by_field_name("property")) for n in body.named_children
                            if n.type == "member_expression"]
        if cols:
            entity.indexes.append((name, cols, unique))


def parse_entities(path: str, source: str) -> EntityFile | None:
    if "typeorm" not in source and "Entity" not in source and "SnakeNamingStrategy" not in source:  # cheap skip
        return None
    root = parse_js(path, source)
    found = EntityFile()
    # Each whole-tree pass below looks for a name the source must then spell out: a file without it is
    # not walked (these two passes were most of an entity file's parse time, docs/performance.md).
    if "SnakeNamingStrategy" in source:
        for node in walk(root):
            if node.type == "new_expression" and (dotted(node.child_by_field_name("constructor")) or "").endswith(
                    "SnakeNamingStrategy"):
                found.snake_naming = True
    if "EntitySchema" in source:
        for node in walk(root):
            args = new_args(node, "EntitySchema")
            if args:
                entity = _entity_schema(path, args[0], line(node), found.warnings)
                if entity is not None:
                    found.entities.append(entity)
    for cls in classes(root):
        name = class_name(cls)
        if name is None:
            continue
        decs = decorators(cls)
        entity_dec = next((d for d in decs if d.name in {"Entity", "ChildEntity"}), None)
        entity = Entity(cls=name, path=path, line=line(cls), is_entity=entity_dec is not None,
                        base=class_base(cls), child_of_sti=entity_dec is not None and entity_dec.name == "ChildEntity")
        if entity_dec is not None and entity_dec.name == "Entity" and entity_dec.args:
            first = lit(entity_dec.args[0])
            if isinstance(first, str):
                entity.table = first
            elif isinstance(first, dict) and isinstance(first.get("name"), str):
                entity.table = first["name"]
            elif first is UNKNOWN:
                found.warnings.append(SourceWarning(path=path, line=entity_dec.line,
                                                    reason=f"typeorm: the table name of {name} is not a literal"))
        if any(d.name == "ViewEntity" for d in decs):
            continue
        _class_indexes(entity, decs)
        for member in class_members(cls):
            prop = member_name(member)
            mdecs = decorators(member)
            if prop is None or not mdecs:
                continue
            for dec in mdecs:
                if dec.name in _COLUMN_DECORATORS:
                    entity.columns.append(_column(dec, prop, member_type(member), path, found.warnings))
                elif dec.name in _RELATIONS:
                    entity.relations.append(_relation(dec, prop, mdecs))
                elif dec.name in {"Index", "Unique"}:
                    value = lit(dec.args[-1]) if dec.args else {}
                    unique = dec.name == "Unique" or (isinstance(value, dict) and value.get("unique") is True)
                    first = lit(dec.args[0]) if dec.args else None
                    entity.indexes.append((first if isinstance(first, str) else None, [prop], unique))
        if entity.is_entity or entity.columns or entity.relations:
            found.entities.append(entity)
    return found if found.entities or found.snake_naming or found.warnings else None


_SCHEMA_RELATIONS = {"many-to-one": "ManyToOne", "one-to-one": "OneToOne", "many-to-many": "ManyToMany",
                     "one-to-many": "OneToMany"}


def _entity_schema(path: str, node: Node, at: int, warnings: list[SourceWarning]) -> Entity | None:
    """``new EntitySchema({name, tableName, columns: {...}, relations: {...}, indices: [...]})``."""
    options = obj(node)
    if options is None:
        warnings.append(SourceWarning(path=path, line=at, reason="typeorm: EntitySchema options are not a literal"))
        return None
    name = str_lit(options.get("name"))
    if name is None:
        return None
    table = str_lit(options.get("tableName"))
    entity = Entity(cls=name, path=path, line=at, is_entity=True, table=table)
    for prop, value in (obj(options.get("columns")) or {}).items():
        opt = lit(value)
        if not isinstance(opt, dict):
            continue
        col = EntityColumn(prop=prop, name=opt.get("name") if isinstance(opt.get("name"), str) else None,
                           type="", line=line(value))
        type_value = opt.get("type")
        if type_value is UNKNOWN:  # type: String / Number
            type_value = {"String": "varchar", "Number": "integer", "Boolean": "boolean", "Date": "timestamp"}.get(
                dotted((obj(value) or {}).get("type")) or "", "varchar")
        if opt.get("createDate") is True or opt.get("updateDate") is True:
            type_value = type_value or "timestamp"
            col.default = "now()"
        col.type = _type_text(type_value or "varchar", opt.get("length"), opt.get("precision"), opt.get("scale"))
        col.primary = opt.get("primary") is True
        col.nullable = opt.get("nullable") is True and not col.primary
        col.unique = opt.get("unique") is True
        if "default" in (obj(value) or {}):
            col.default = _default((obj(value) or {})["default"])
        entity.columns.append(col)
    for prop, value in (obj(options.get("relations")) or {}).items():
        opt = lit(value)
        if not isinstance(opt, dict) or opt.get("type") not in _SCHEMA_RELATIONS:
            continue
        target = opt.get("target") if isinstance(opt.get("target"), str) else _target((obj(value) or {}).get("target"))
        rel = Relation(kind=_SCHEMA_RELATIONS[opt["type"]], prop=prop, target=target, line=line(value),
                       nullable=opt.get("nullable") is not False)
        join_column, join_table = opt.get("joinColumn"), opt.get("joinTable")
        if join_column is True or isinstance(join_column, dict):
            rel.join_column = join_column if isinstance(join_column, dict) else {}
        if join_table is True or isinstance(join_table, dict):
            rel.join_table = join_table if isinstance(join_table, dict) else {}
        entity.relations.append(rel)
    for item in lit(options.get("indices")) or [] if isinstance(lit(options.get("indices")), list) else []:
        if isinstance(item, dict) and isinstance(item.get("columns"), list):
            entity.indexes.append((item.get("name") if isinstance(item.get("name"), str) else None,
                                   [c for c in item["columns"] if isinstance(c, str)], item.get("unique") is True))
    return entity


class _Naming:
    def __init__(self, snake_case: bool) -> None:
        self.snake = snake_case

    def table(self, cls: str, given: str | None) -> str:
        return given or snake(cls)

    def column(self, prop: str, given: str | None, prefixes: list[str]) -> str:
        if self.snake:
            return snake("_".join(prefixes)) + ("_" if prefixes else "") + (given or snake(prop)) if prefixes \
                else (given or snake(prop))
        name = given or prop
        if prefixes:
            return camel("_".join(prefixes)) + name[:1].upper() + name[1:]
        return name

    def join_column(self, relation: str, referenced: str) -> str:
        return snake(f"{relation}_{referenced}") if self.snake else camel(f"{relation}_{referenced}")

    def join_table(self, first: str, second: str, prop: str) -> str:
        return snake(f"{first}_{prop.replace('.', '_')}_{second}")

    def join_table_column(self, table: str, prop: str, column: str | None) -> str:
        raw = f"{table}_{column or prop}"
        return snake(raw) if self.snake else camel(raw)


def build_entities(parsed: dict[str, EntityFile]) -> SchemaPart:
    part = SchemaPart(reader="typeorm", origin="models")
    naming = _Naming(any(f.snake_naming for f in parsed.values()))
    by_class: dict[str, Entity] = {}
    for path in sorted(parsed):
        part.warnings.extend(parsed[path].warnings)
        for entity in parsed[path].entities:
            by_class.setdefault(entity.cls, entity)

    def lineage(entity: Entity) -> list[Entity]:
        chain, seen = [entity], {entity.cls}
        while chain[-1].base and chain[-1].base in by_class and chain[-1].base not in seen:
            seen.add(chain[-1].base)
            chain.append(by_class[chain[-1].base])
        return list(reversed(chain))  # base first: inherited columns come first, as TypeORM orders them

    def own_columns(entity: Entity) -> list[EntityColumn]:
        return [c for e in lineage(entity) for c in e.columns]

    def table_of(cls: str | None) -> str | None:
        target = by_class.get(cls or "")
        if target is None or not target.is_entity:
            return None
        if target.child_of_sti and target.base in by_class:
            return table_of(target.base)
        return naming.table(target.cls, target.table)

    def primary_of(cls: str | None) -> EntityColumn | None:
        target = by_class.get(cls or "")
        if target is None:
            return None
        return next((c for c in own_columns(target) if c.primary), None)

    tables: dict[str, Table] = {}
    for entity in sorted(by_class.values(), key=lambda e: (e.path, e.line)):
        if not entity.is_entity:
            continue
        name = table_of(entity.cls)
        if name is None:
            continue
        table = tables.get(name.lower())
        if table is None:
            table = Table(name=name, source=entity.path, origin="models")
            tables[name.lower()] = table
            part.tables.append(table)
            part.sources.append(entity.path)

        def add(spec: EntityColumn, prefixes: list[str], table: Table = table, entity: Entity = entity) -> None:
            if spec.embedded:
                inner = by_class.get(spec.embedded)
                if inner is None:
                    part.warnings.append(SourceWarning(path=entity.path, line=spec.line,
                                                       reason=f"typeorm: embedded class {spec.embedded} not found"))
                    return
                for sub in own_columns(inner):
                    add(sub, prefixes + [spec.name or spec.prop])
                return
            col_name = naming.column(spec.prop, spec.name, prefixes)
            if table.column(col_name) is not None:
                return
            table.columns.append(ColumnSpec(name=col_name, type=spec.type, nullable=spec.nullable,
                                            primary_key=spec.primary, unique=spec.unique,
                                            default=spec.default).column())

        for spec in own_columns(entity):
            add(spec, [])
        relations = [r for e in lineage(entity) for r in e.relations]
        for rel in relations:
            owner = rel.kind == "ManyToOne" or (rel.kind == "OneToOne" and rel.join_column is not None)
            target_table = table_of(rel.target)
            target_pk = primary_of(rel.target)
            if owner:
                ref_prop = (rel.join_column or {}).get("referencedColumnName") or (target_pk.prop if target_pk else "id")
                col_name = (rel.join_column or {}).get("name") or naming.join_column(rel.prop, ref_prop)
                ref_col = naming.column(ref_prop, target_pk.name if target_pk and target_pk.prop == ref_prop else None, [])
                if table.column(col_name) is None:
                    table.columns.append(ColumnSpec(name=col_name, type=target_pk.type if target_pk else "integer",
                                                    nullable=rel.nullable,
                                                    unique=rel.kind == "OneToOne").column())
                if target_table is None:
                    part.warnings.append(SourceWarning(path=entity.path, line=rel.line,
                                                       reason=f"typeorm: relation target {rel.target} is not an entity"))
                    continue
                table.foreign_keys.append(ForeignKey(columns=[col_name], ref_table=target_table, ref_columns=[ref_col]))
            elif rel.kind == "ManyToMany" and rel.join_table is not None:
                if target_table is None:
                    part.warnings.append(SourceWarning(path=entity.path, line=rel.line,
                                                       reason=f"typeorm: relation target {rel.target} is not an entity"))
                    continue
                own_pk = primary_of(entity.cls)
                jt: dict[str, Any] = rel.join_table
                given_name = jt.get("name")
                jt_name: str = given_name if isinstance(given_name, str) else naming.join_table(name, target_table,
                                                                                                rel.prop)
                join_col: dict[str, Any] = jt["joinColumn"] if isinstance(jt.get("joinColumn"), dict) else {}
                inverse_col: dict[str, Any] = jt["inverseJoinColumn"] if isinstance(jt.get("inverseJoinColumn"),
                                                                                   dict) else {}
                own_pk_name = naming.column(own_pk.prop, own_pk.name, []) if own_pk else "id"
                target_pk_name = naming.column(target_pk.prop, target_pk.name, []) if target_pk else "id"
                first = join_col.get("name") or naming.join_table_column(name, own_pk.prop if own_pk else "id",
                                                                         own_pk_name)
                second = inverse_col.get("name") or naming.join_table_column(target_table,
                                                                             target_pk.prop if target_pk else "id",
                                                                             target_pk_name)
                if jt_name.lower() in tables:
                    continue
                join = Table(name=jt_name, source=entity.path, origin="models")
                join.columns = [
                    ColumnSpec(name=first, type=own_pk.type if own_pk else "integer", nullable=False,
                               primary_key=True).column(),
                    ColumnSpec(name=second, type=target_pk.type if target_pk else "integer", nullable=False,
                               primary_key=True).column(),
                ]
                join.foreign_keys = [ForeignKey(columns=[first], ref_table=name, ref_columns=[own_pk_name]),
                                     ForeignKey(columns=[second], ref_table=target_table, ref_columns=[target_pk_name])]
                join.indexes = [Index(columns=[first]), Index(columns=[second])]
                tables[jt_name.lower()] = join
                part.tables.append(join)
        prop_to_col = {c.prop: naming.column(c.prop, c.name, []) for c in own_columns(entity)}
        for rel in relations:
            if rel.kind in {"ManyToOne", "OneToOne"}:
                target_pk = primary_of(rel.target)
                ref_prop = (rel.join_column or {}).get("referencedColumnName") or (target_pk.prop if target_pk else "id")
                prop_to_col.setdefault(rel.prop, (rel.join_column or {}).get("name")
                                       or naming.join_column(rel.prop, ref_prop))
        for ix_name, props, unique in [ix for e in lineage(entity) for ix in e.indexes]:
            cols = [prop_to_col.get(p, p) for p in props]
            if unique and len(cols) == 1 and ix_name is None and (col := table.column(cols[0])):
                col.unique = True
            else:
                table.indexes.append(Index(name=ix_name, columns=cols, unique=unique))
    return part


# --- migrations -----------------------------------------------------------------------------------
@dataclass
class MigrationFile:
    order: str
    ops: list[Op]


_API = {"query", "createTable", "dropTable", "addColumn", "addColumns", "dropColumn", "dropColumns",
        "renameColumn", "renameTable", "changeColumn", "createIndex", "createIndices", "dropIndex",
        "createForeignKey", "createForeignKeys", "dropForeignKey", "createPrimaryKey", "createUniqueConstraint"}


def _table_name(node: Node | None, scope: dict[str, Node]) -> str | None:
    node = resolve(node, scope)
    value = str_lit(node)
    if value is not None:
        return value
    args = new_args(node, "Table")
    if args:
        options = obj(args[0]) or {}
        return str_lit(resolve(options.get("name"), scope))
    return None


def _column_spec(node: Node | None, scope: dict[str, Node]) -> ColumnSpec | None:
    node = resolve(node, scope)
    args = new_args(node, "TableColumn")
    if args:
        node = args[0]
    options = obj(node)
    if options is None:
        return None
    opt = {k: lit(resolve(v, scope)) for k, v in options.items()}
    name = opt.get("name")
    if not isinstance(name, str):
        return None
    type_value = opt.get("type") if isinstance(opt.get("type"), str) else "UNKNOWN"
    spec = ColumnSpec(name=name, type=_type_text(type_value, opt.get("length"), opt.get("precision"), opt.get("scale")),
                      nullable=opt.get("isNullable") is True, primary_key=opt.get("isPrimary") is True,
                      unique=opt.get("isUnique") is True)
    if opt.get("isArray") is True:
        spec.type += "[]"
    if "default" in options:
        raw = opt["default"]
        spec.default = raw if isinstance(raw, str) else default_text(raw) if raw is not UNKNOWN else text(options["default"])
    return spec


def _index(node: Node | None, scope: dict[str, Node]) -> tuple[str | None, list[str], bool] | None:
    node = resolve(node, scope)
    args = new_args(node, "TableIndex") or new_args(node, "TableUnique")
    unique_ctor = new_args(node, "TableUnique") is not None
    options = obj(args[0]) if args else obj(node)
    if options is None:
        return None
    cols = lit(options.get("columnNames"))
    if not isinstance(cols, list):
        return None
    name = lit(options.get("name"))
    return (name if isinstance(name, str) else None, [c for c in cols if isinstance(c, str)],
            unique_ctor or lit(options.get("isUnique")) is True)


def _foreign_key(node: Node | None, scope: dict[str, Node]) -> tuple[list[str], str, list[str]] | None:
    node = resolve(node, scope)
    args = new_args(node, "TableForeignKey")
    options = obj(args[0]) if args else obj(node)
    if options is None:
        return None
    cols, ref_cols = lit(options.get("columnNames")), lit(options.get("referencedColumnNames"))
    ref_table = lit(options.get("referencedTableName"))
    if not (isinstance(cols, list) and isinstance(ref_table, str)):
        return None
    return [c for c in cols if isinstance(c, str)], ref_table, [c for c in ref_cols or [] if isinstance(c, str)]


def _create_table_op(node: Node | None, scope: dict[str, Node], at: int) -> Op | None:
    node = resolve(node, scope)
    args = new_args(node, "Table")
    options = obj(args[0]) if args else None
    if options is None:
        return None
    name = str_lit(resolve(options.get("name"), scope))
    if name is None:
        return None
    op = Op("create_table", at, table=name)
    columns_node = resolve(options.get("columns"), scope)
    for item in (columns_node.named_children if columns_node is not None and columns_node.type == "array" else []):
        spec = _column_spec(item, scope)
        if spec is None:
            return Op("warn", line(item), sql=f"typeorm migration: a column of {name} is not a literal")
        op.columns.append(spec)
    return op


def _migration_ops(call: Node, param: str | None, scope: dict[str, Node]) -> list[Op]:
    method = method_name(call)
    if method not in _API:
        return []
    recv = dotted(receiver(call))
    if recv is None or (param is not None and recv != param and not recv.endswith("queryRunner")):
        return []
    args = call_args(call)
    at = line(call)
    if method == "query":
        sql = str_lit(resolve(args[0], scope)) if args else None
        if sql is None:
            return [Op("warn", at, sql="typeorm migration: query() whose SQL is not a literal string")]
        return [Op("sql", at, sql=sql)]
    if method == "createTable":
        op = _create_table_op(args[0] if args else None, scope, at)
        if op is None:
            return [Op("warn", at, sql="typeorm migration: createTable() with a table that is not a literal")]
        ops = [op]
        table_node = resolve(args[0], scope)
        options = obj((new_args(table_node, "Table") or [None])[0]) or {}
        for key, unique in (("indices", False), ("uniques", True)):
            arr = resolve(options.get(key), scope)
            for item in (arr.named_children if arr is not None and arr.type == "array" else []):
                ix = _index(item, scope)
                if ix:
                    ops.append(Op("add_index", at, table=op.table, names=ix[1], name=ix[0], unique=ix[2] or unique))
        arr = resolve(options.get("foreignKeys"), scope)
        for item in (arr.named_children if arr is not None and arr.type == "array" else []):
            fk = _foreign_key(item, scope)
            if fk:
                ops.append(Op("add_fk", at, table=op.table, names=fk[0], ref_table=fk[1], ref_columns=fk[2]))
        return ops
    table = _table_name(args[0], scope) if args else None
    if table is None:
        return [Op("warn", at, sql=f"typeorm migration: {method}() on a table that is not a literal")]
    if method == "dropTable":
        return [Op("drop_table", at, table=table)]
    if method == "renameTable" and len(args) > 1:
        new = _table_name(args[1], scope)
        return [Op("rename_table", at, table=table, name=new)] if new else []
    if method in {"addColumn", "addColumns", "changeColumn"}:
        items = args[1:]
        if method == "addColumns" and items:
            arr = resolve(items[0], scope)
            items = arr.named_children if arr is not None and arr.type == "array" else []
        if method == "changeColumn":
            old = resolve(args[1], scope) if len(args) > 1 else None
            old_name = str_lit(old) or (s.name if (s := _column_spec(old, scope)) else None)
            spec = _column_spec(args[2], scope) if len(args) > 2 else None
            if spec is None or old_name is None:
                return [Op("warn", at, sql="typeorm migration: changeColumn() with a column that is not a literal")]
            return [Op("change_column", at, table=table, columns=[spec], names=[old_name])]
        specs = [_column_spec(i, scope) for i in items]
        if any(s is None for s in specs):
            return [Op("warn", at, sql=f"typeorm migration: {method}() with a column that is not a literal")]
        return [Op("add_column", at, table=table, columns=[s for s in specs if s is not None])]
    if method in {"dropColumn", "dropColumns"}:
        items = args[1:]
        if method == "dropColumns" and items:
            arr = resolve(items[0], scope)
            items = arr.named_children if arr is not None and arr.type == "array" else []
        names = [str_lit(resolve(i, scope)) or (s.name if (s := _column_spec(i, scope)) else None) for i in items]
        return [Op("drop_column", at, table=table, names=[n for n in names if n])]
    if method == "renameColumn" and len(args) > 2:
        old = str_lit(resolve(args[1], scope)) or (s.name if (s := _column_spec(args[1], scope)) else None)
        new = str_lit(resolve(args[2], scope)) or (s.name if (s := _column_spec(args[2], scope)) else None)
        return [Op("rename_column", at, table=table, names=[old, new])] if old and new else []
    if method in {"createIndex", "createIndices", "createUniqueConstraint"}:
        out = []
        items = args[1:]
        if method == "createIndices" and items:
            arr = resolve(items[0], scope)
            items = arr.named_children if arr is not None and arr.type == "array" else []
        for item in items:
            ix = _index(item, scope)
            if ix:
                out.append(Op("add_index", at, table=table, names=ix[1], name=ix[0],
                              unique=ix[2] or method == "createUniqueConstraint"))
        return out
    if method == "dropIndex" and len(args) > 1:
        ix_name = str_lit(resolve(args[1], scope)) or ((_index(args[1], scope) or (None, [], False))[0])
        return [Op("drop_index", at, table=table, name=ix_name)] if ix_name else []
    if method in {"createForeignKey", "createForeignKeys"}:
        items = args[1:]
        if method == "createForeignKeys" and items:
            arr = resolve(items[0], scope)
            items = arr.named_children if arr is not None and arr.type == "array" else []
        out = []
        for item in items:
            fk = _foreign_key(item, scope)
            if fk:
                out.append(Op("add_fk", at, table=table, names=fk[0], ref_table=fk[1], ref_columns=fk[2]))
        return out
    if method == "dropForeignKey" and len(args) > 1:
        fk = _foreign_key(args[1], scope)
        return [Op("drop_fk", at, table=table, names=fk[0])] if fk else []
    if method == "createPrimaryKey" and len(args) > 1:
        cols = lit(resolve(args[1], scope))
        return [Op("primary_key", at, table=table, names=[c for c in cols if isinstance(c, str)])] \
            if isinstance(cols, list) else []
    return []


def parse_migration(path: str, source: str) -> MigrationFile | None:
    if "queryRunner" not in source and "QueryRunner" not in source:
        return None
    root = parse_js(path, source)
    scope = bindings(root)
    ops: list[Op] = []
    found = False
    for up in up_functions(root):
        if not up.in_class:
            continue
        found = True
        for call in outermost_calls(up.body):
            ops.extend(_migration_ops(call, up.param, scope))
    if not found:
        return None
    name = path.rsplit("/", 1)[-1]
    return MigrationFile(order=name, ops=ops)


def _migration_order(item: tuple[str, MigrationFile]) -> list[object]:
    # TypeORM runs migrations by the timestamp that ends the class name and starts the file name
    return natural_key(item[1].order)


def build_migrations(parsed: dict[str, MigrationFile]) -> SchemaPart:
    part = SchemaPart(reader="typeorm-migrations", origin="migrations")
    schema = Schema()
    for path, mig in sorted(parsed.items(), key=_migration_order):
        part.sources.append(path)
        replay(schema, mig.ops, path, part.warnings, "")
    for table in schema.tables:
        table.origin = "migrations"
    part.tables = schema.tables
    part.enums = schema.enums
    return part


def _wants_entity(path: str) -> bool:
    return is_js(path)


def _wants_migration(path: str) -> bool:
    return is_js(path) and "migration" in path.lower()


READERS = [
    Reader("typeorm", _wants_entity, parse_entities, build_entities, suffixes=JS_EXT,
           keywords=("typeorm", "Entity", "SnakeNamingStrategy")),  # ``parse_entities``' first test
    Reader("typeorm-migrations", _wants_migration, parse_migration, build_migrations, suffixes=JS_EXT,
           keywords=("queryRunner", "QueryRunner")),  # ``parse_migration``'s first test
]
