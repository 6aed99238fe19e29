"""Sequelize: models (``sequelize.define('User', {...})``, ``User.init({...}, {sequelize})`` and
sequelize-typescript's ``@Table``/``@Column`` classes) and migrations (``queryInterface.createTable``,
``addColumn``, ``removeColumn``, ``changeColumn``, ``renameColumn``, ``addIndex``, ``addConstraint``,
``dropTable``, ``sequelize.query`` SQL), in file-name order as sequelize-cli runs them.

Model conventions, as Sequelize v6 applies them: the table is the model name pluralised
(``User`` -> ``Users``, Rails' rules via the ``inflection`` package) unless ``tableName`` or
``freezeTableName`` (also as the connection's ``define`` option); ``underscored`` snake_cases the
table and column names; an ``id`` INTEGER auto-increment key is added when no attribute is a primary
key; ``timestamps`` (default on) add ``createdAt``/``updatedAt``, ``paranoid`` ``deletedAt``.
Associations add their foreign keys: ``A.belongsTo(B)`` the column ``BId`` on A, ``A.hasMany(B)``
``AId`` on B, ``belongsToMany(B, {through: 'AB'})`` the join table ``AB``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import natural_key
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._inflect import rails_plural
from phasegate.app.analyzers.schema_readers._js import (
    JS_EXT,
    UNKNOWN,
    bindings,
    call_args,
    class_base,
    class_members,
    class_name,
    classes,
    decorators,
    dotted,
    is_js,
    key_name,
    lit,
    member_name,
    member_type,
    method_name,
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

_TS_TYPES = {"string": "VARCHAR(255)", "number": "INTEGER", "boolean": "BOOLEAN", "Date": "TIMESTAMP"}


@dataclass
class Attr:
    key: str
    field: str | None
    type: str
    nullable: bool = True
    primary: bool = False
    unique: bool = False
    default: str | None = None
    references: tuple[str, str] | None = None  # (model or table name, key)
    virtual: bool = False


@dataclass
class ModelDef:
    name: str  # the model name
    var: str | None
    path: str
    line: int
    attrs: list[Attr] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    indexes: list[tuple[str | None, list[str], bool]] = field(default_factory=list)


@dataclass
class Assoc:
    source: str
    kind: str
    target: str
    options: dict[str, Any]
    through_var: str | None
    line: int


@dataclass
class ModelFile:
    models: list[ModelDef] = field(default_factory=list)
    assocs: list[Assoc] = field(default_factory=list)
    define: dict[str, Any] = field(default_factory=dict)
    warnings: list[SourceWarning] = field(default_factory=list)


def _sequelize_type(node: Node | None) -> tuple[str, bool]:
    """(type text, is VIRTUAL) of ``DataTypes.STRING``, ``Sequelize.STRING(1024)``, ``DataType.ENUM('a')``."""
    node = unwrap(node)
    if node is None:
        return "UNKNOWN", False
    args: list[Any] = []
    if node.type == "call_expression":
        args = [lit(a) for a in call_args(node)]
        node = unwrap(node.child_by_field_name("function"))
    name = dotted(node)
    if name is None:
        value = str_lit(node)
        return (value.upper() if value else "UNKNOWN"), False
    base = name.rsplit(".", 1)[-1].upper()
    if base == "VIRTUAL":
        return base, True
    if base == "STRING":
        length = args[0] if args and isinstance(args[0], int) else 255
        return f"VARCHAR({length})", False
    if base == "ENUM":
        return "ENUM(" + ", ".join(repr(a) for a in args if isinstance(a, str)) + ")", False
    shown = [str(a) for a in args if isinstance(a, (int, str))]
    return base + (f"({','.join(shown)})" if shown else ""), False


def _attr(key: str, value: Node, scope: dict[str, Node]) -> Attr:
    value_u = resolve(value, scope)
    options = obj(value_u)
    if options is None or "type" not in options:
        type_, virtual = _sequelize_type(value_u)
        return Attr(key=key, field=None, type=type_, virtual=virtual)
    type_, virtual = _sequelize_type(options["type"])
    opt = {k: lit(v) for k, v in options.items()}
    attr = Attr(key=key, field=opt.get("field") if isinstance(opt.get("field"), str) else None, type=type_,
                virtual=virtual)
    attr.nullable = opt.get("allowNull") is not False
    attr.primary = opt.get("primaryKey") is True
    unique = opt.get("unique")
    attr.unique = unique is True or isinstance(unique, dict)
    if "defaultValue" in options:
        raw = opt["defaultValue"]
        attr.default = default_text(raw) if raw is not UNKNOWN else _default_expr(options["defaultValue"])
    if opt.get("autoIncrement") is True:
        attr.default = attr.default or "autoincrement"
    ref = obj(options.get("references"))
    if ref is not None:
        model = str_lit(ref.get("model"))
        if model is None and ref.get("model") is not None:
            model_node = unwrap(ref["model"])
            inner = obj(model_node)
            if inner is not None:
                model = str_lit(inner.get("tableName"))
            else:
                model = "model:" + (dotted(model_node) or "?").rsplit(".", 1)[-1]
        key_value = str_lit(ref.get("key")) or "id"
        if model:
            attr.references = (model, key_value)
    return attr


def _default_expr(node: Node) -> str:
    name = dotted(node) or ""
    if name.endswith(("NOW",)):
        return "now()"
    if name.endswith("UUIDV4") or name.endswith("UUIDV1"):
        return "uuid"
    return text(node)[:80]


def _attrs(node: Node | None, scope: dict[str, Node]) -> list[Attr] | None:
    options = obj(resolve(node, scope))
    if options is None:
        return None
    return [_attr(k, v, scope) for k, v in options.items() if v.type != "method_definition"]


def _indexes(value: Any) -> list[tuple[str | None, list[str], bool]]:
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        fields = item.get("fields")
        cols = [f if isinstance(f, str) else f.get("name") for f in fields if isinstance(f, (str, dict))] \
            if isinstance(fields, list) else []
        names = [c for c in cols if isinstance(c, str)]
        ix_name = item.get("name")
        if names:
            out.append((ix_name if isinstance(ix_name, str) else None, names, item.get("unique") is True))
    return out


def _assigned_name(node: Node) -> str | None:
    parent = node.parent
    while parent is not None and parent.type in {"parenthesized_expression", "await_expression", "as_expression"}:
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        return text(parent.child_by_field_name("name"))
    if parent is not None and parent.type == "assignment_expression":
        left = dotted(parent.child_by_field_name("left"))
        return left.rsplit(".", 1)[-1] if left else None
    return None


def _enclosing_class(node: Node) -> str | None:
    parent = node.parent
    while parent is not None:
        if parent.type in {"class_declaration", "class"}:
            return class_name(parent)
        parent = parent.parent
    return None


def _ts_model(cls: Node, path: str, found: ModelFile) -> None:
    decs = decorators(cls)
    table_dec = next((d for d in decs if d.name == "Table"), None)
    name = class_name(cls)
    if table_dec is None or name is None:
        return
    model = ModelDef(name=name, var=name, path=path, line=table_dec.line)
    options = lit(table_dec.args[0]) if table_dec.args else {}
    model.options = options if isinstance(options, dict) else {}
    if isinstance(model.options.get("modelName"), str):
        model.name = model.options["modelName"]
    model.indexes = _indexes(model.options.get("indexes"))
    for member in class_members(cls):
        prop = member_name(member)
        mdecs = {d.name: d for d in decorators(member)}
        if prop is None or not ({"Column", "CreatedAt", "UpdatedAt", "DeletedAt", "PrimaryKey"} & set(mdecs)):
            continue
        if "CreatedAt" in mdecs or "UpdatedAt" in mdecs or "DeletedAt" in mdecs:
            stamp = next(k for k in ("CreatedAt", "UpdatedAt", "DeletedAt") if k in mdecs)
            model.options[{"CreatedAt": "createdAt", "UpdatedAt": "updatedAt", "DeletedAt": "deletedAt"}[stamp]] = prop
            if stamp == "DeletedAt":
                model.options["paranoid"] = True
            continue
        column = mdecs.get("Column")
        attr = Attr(key=prop, field=None, type=_TS_TYPES.get((member_type(member) or "").strip(), "UNKNOWN"))
        if column is not None and column.args:
            first = unwrap(column.args[0])
            options_node = obj(first)
            if options_node is not None and "type" in options_node:
                attr = _attr(prop, first, {})
            elif options_node is not None:
                opt = {k: lit(v) for k, v in options_node.items()}
                attr.field = opt.get("field") if isinstance(opt.get("field"), str) else None
                attr.nullable = opt.get("allowNull") is not False
                attr.primary = opt.get("primaryKey") is True
                attr.unique = opt.get("unique") is True
            else:
                attr.type, attr.virtual = _sequelize_type(first)
        if "PrimaryKey" in mdecs:
            attr.primary = True
        if "AllowNull" in mdecs:
            attr.nullable = not (mdecs["AllowNull"].args and lit(mdecs["AllowNull"].args[0]) is False)
        if "Unique" in mdecs:
            attr.unique = True
        if "Default" in mdecs and mdecs["Default"].args:
            value = lit(mdecs["Default"].args[0])
            attr.default = default_text(value) if value is not UNKNOWN else _default_expr(mdecs["Default"].args[0])
        if "ForeignKey" in mdecs and mdecs["ForeignKey"].args:
            target = unwrap(mdecs["ForeignKey"].args[0])
            body = target.child_by_field_name("body") if target is not None and target.type == "arrow_function" else target
            target_name = dotted(body)
            if target_name:
                attr.references = ("model:" + target_name.rsplit(".", 1)[-1], "id")
        model.attrs.append(attr)
    found.models.append(model)


def parse_models(path: str, source: str) -> ModelFile | None:
    if "sequelize" not in source.lower():
        return None
    root = parse_js(path, source)
    scope = bindings(root)
    found = ModelFile()
    class_names = {class_name(c): c for c in classes(root) if class_base(c) == "Model"}
    for cls in classes(root):
        _ts_model(cls, path, found)
    for node in walk(root):
        if node.type == "pair" and key_name(node.child_by_field_name("key")) == "define":
            value = lit(resolve(node.child_by_field_name("value"), scope))
            if isinstance(value, dict) and {"freezeTableName", "underscored", "timestamps", "paranoid"} & set(value):
                found.define.update({k: v for k, v in value.items() if v is not UNKNOWN})
        if node.type != "call_expression":
            continue
        method = method_name(node)
        args = call_args(node)
        if method == "define" and len(args) >= 2 and str_lit(args[0]) is not None:
            attrs = _attrs(args[1], scope)
            if attrs is None:
                found.warnings.append(SourceWarning(path=path, line=line(node),
                                                    reason="sequelize: model attributes are not an object literal"))
                continue
            model = ModelDef(name=str_lit(args[0]) or "", var=_assigned_name(node), path=path, line=line(node),
                             attrs=attrs)
            options = lit(resolve(args[2], scope)) if len(args) > 2 else {}
            model.options = options if isinstance(options, dict) else {}
            model.indexes = _indexes(model.options.get("indexes"))
            found.models.append(model)
        elif method == "init" and args:
            target = dotted(receiver(node))
            options = lit(resolve(args[1], scope)) if len(args) > 1 else UNKNOWN
            options_node = obj(resolve(args[1], scope)) if len(args) > 1 else None
            if target is None or options_node is None or "sequelize" not in options_node:
                continue
            attrs = _attrs(args[0], scope)
            if attrs is None:
                found.warnings.append(SourceWarning(path=path, line=line(node),
                                                    reason=f"sequelize: attributes of {target} are not an object literal"))
                continue
            name = target.rsplit(".", 1)[-1]
            model = ModelDef(name=name, var=name, path=path, line=line(node), attrs=attrs)
            model.options = {k: v for k, v in (options if isinstance(options, dict) else {}).items()}
            if isinstance(model.options.get("modelName"), str):
                model.name = model.options["modelName"]
            model.indexes = _indexes(model.options.get("indexes"))
            found.models.append(model)
            class_names.pop(name, None)
        elif method in {"belongsTo", "hasMany", "hasOne", "belongsToMany"} and args:
            source_name = dotted(receiver(node))
            if source_name == "this":  # sequelize-cli's `static associate(models) { this.hasMany(…) }`
                source_name = _enclosing_class(node)
            target_name = dotted(args[0])
            if source_name is None or target_name is None:
                continue
            options_node = obj(resolve(args[1], scope)) if len(args) > 1 else None
            options = {k: lit(v) for k, v in (options_node or {}).items()}
            through_var = None
            if options_node is not None and "through" in options_node and options["through"] is UNKNOWN:
                through_node = unwrap(options_node["through"])
                inner = obj(through_node)
                if inner is not None and "model" in inner:
                    through_node = unwrap(inner["model"])
                    options["through"] = str_lit(through_node) or UNKNOWN
                if options["through"] is UNKNOWN:
                    through_var = (dotted(through_node) or "").rsplit(".", 1)[-1] or None
            elif isinstance(options.get("through"), dict):
                options["through"] = options["through"].get("model", UNKNOWN)
            found.assocs.append(Assoc(source=source_name.rsplit(".", 1)[-1], kind=method,
                                      target=target_name.rsplit(".", 1)[-1], options=options,
                                      through_var=through_var, line=line(node)))
    return found if found.models or found.assocs or found.define or found.warnings else None


def _fk_option(value: Any) -> tuple[str | None, bool | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        name = value.get("name")
        allow = value.get("allowNull")
        return (name if isinstance(name, str) else None), (allow if isinstance(allow, bool) else None)
    return None, None


def _camelize(value: str) -> str:
    """Sequelize's ``Utils.camelize``: ``User_id`` -> ``UserId``."""
    parts = value.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _singular(name: str) -> str:
    # the singular model name Sequelize uses in default keys; model names are usually singular already
    return name


def build_models(parsed: dict[str, ModelFile]) -> SchemaPart:
    part = SchemaPart(reader="sequelize", origin="models")
    define: dict[str, Any] = {}
    for facts in parsed.values():
        define.update(facts.define)
    models: list[ModelDef] = []
    for path in sorted(parsed):
        part.warnings.extend(parsed[path].warnings)
        models.extend(parsed[path].models)
    by_key: dict[str, ModelDef] = {}
    for model in models:
        by_key.setdefault(model.name, model)
    for model in models:
        if model.var:
            by_key.setdefault(model.var, model)

    def opt(model: ModelDef, key: str, default: Any) -> Any:
        value = model.options.get(key, define.get(key, default))
        return default if value is UNKNOWN else value

    def table_name(model: ModelDef) -> str:
        given = model.options.get("tableName")
        if isinstance(given, str):
            return given
        if opt(model, "freezeTableName", False) is True:
            return model.name
        plural = rails_plural(model.name)
        return snake(plural) if opt(model, "underscored", False) is True else plural

    def column_name(model: ModelDef, attr_key: str, field_name: str | None = None) -> str:
        if field_name:
            return field_name
        return snake(attr_key) if opt(model, "underscored", False) is True else attr_key

    tables: dict[int, Table] = {}
    pk_of: dict[int, tuple[str, str]] = {}
    for model in models:
        table = Table(name=table_name(model), source=model.path, origin="models")
        part.sources.append(model.path)
        for attr in model.attrs:
            if attr.virtual:
                continue
            table.columns.append(Column(name=column_name(model, attr.key, attr.field), type=attr.type,
                                        nullable=attr.nullable and not attr.primary, primary_key=attr.primary,
                                        unique=attr.unique, default=attr.default))
        if not any(a.primary for a in model.attrs) and opt(model, "noPrimaryKey", False) is not True \
                and not model.options.get("removeAttr") == "id":
            table.columns.insert(0, Column(name="id", type="INTEGER", nullable=False, primary_key=True,
                                           default="autoincrement"))
        pk = next((c for c in table.columns if c.primary_key), None)
        pk_of[id(model)] = (pk.name if pk else "id", pk.type if pk else "INTEGER")
        if opt(model, "timestamps", True) is not False:
            stamps = [("createdAt", "created_at"), ("updatedAt", "updated_at")]
            if opt(model, "paranoid", False) is True:
                stamps.append(("deletedAt", "deleted_at"))
            for key, snake_name in stamps:
                given = model.options.get(key)
                if given is False:
                    continue
                attr_name = given if isinstance(given, str) else key
                col = snake_name if opt(model, "underscored", False) is True and not isinstance(given, str) else attr_name
                if table.column(col) is None:
                    table.columns.append(Column(name=col, type="TIMESTAMP", nullable=key == "deletedAt"))
        for ix_name, cols, unique in model.indexes:
            table.indexes.append(Index(name=ix_name, columns=[column_name(model, c) for c in cols], unique=unique))
        tables[id(model)] = table
        part.tables.append(table)

    def find(name: str) -> ModelDef | None:
        return by_key.get(name) or next((m for m in models if m.name.lower() == name.lower()), None)

    for model in models:
        table = tables[id(model)]
        for attr in model.attrs:
            if attr.references is None:
                continue
            ref, key = attr.references
            if ref.startswith("model:"):
                target = find(ref[6:])
                ref_table = tables[id(target)].name if target is not None else ref[6:]
            else:
                ref_table = ref
            table.foreign_keys.append(ForeignKey(columns=[column_name(model, attr.key, attr.field)],
                                                 ref_table=ref_table, ref_columns=[key]))

    def add_fk(on: ModelDef, column: str, allow_null: bool | None, ref: ModelDef) -> None:
        table = tables[id(on)]
        ref_pk, ref_type = pk_of[id(ref)]
        col_name = column_name(on, column)
        if table.column(col_name) is None:
            table.columns.append(Column(name=col_name, type=ref_type, nullable=allow_null is not False))
        elif allow_null is False:
            existing = table.column(col_name)
            if existing is not None:
                existing.nullable = False
        if not any(fk.columns == [col_name] for fk in table.foreign_keys):
            table.foreign_keys.append(ForeignKey(columns=[col_name], ref_table=tables[id(ref)].name,
                                                 ref_columns=[ref_pk]))

    join_tables: dict[str, Table] = {}
    for path in sorted(parsed):
        for assoc in parsed[path].assocs:
            source, target = find(assoc.source), find(assoc.target)
            if source is None or target is None:
                part.warnings.append(SourceWarning(path=path, line=assoc.line,
                                                   reason=f"sequelize: association {assoc.source}.{assoc.kind}"
                                                          f"({assoc.target}) between models not found"))
                continue
            fk_name, allow_null = _fk_option(assoc.options.get("foreignKey"))
            if assoc.kind == "belongsTo":
                alias = assoc.options.get("as") if isinstance(assoc.options.get("as"), str) else _singular(target.name)
                add_fk(source, fk_name or _camelize(f"{alias}_{pk_of[id(target)][0]}"), allow_null, target)
            elif assoc.kind in {"hasMany", "hasOne"}:
                add_fk(target, fk_name or _camelize(f"{_singular(source.name)}_{pk_of[id(source)][0]}"),
                       allow_null, source)
            else:
                other_name, _ = _fk_option(assoc.options.get("otherKey"))
                first = fk_name or _camelize(f"{_singular(source.name)}_{pk_of[id(source)][0]}")
                second = other_name or _camelize(f"{_singular(target.name)}_{pk_of[id(target)][0]}")
                through = assoc.options.get("through")
                if assoc.through_var:
                    through_model = find(assoc.through_var)
                    if through_model is not None:
                        add_fk(through_model, first, False, source)
                        add_fk(through_model, second, False, target)
                        join = tables[id(through_model)]
                        if not any(a.primary for a in through_model.attrs):
                            # Sequelize drops a through model's generated id: the two keys are its primary key
                            join.columns = [c for c in join.columns if not (c.name == "id" and c.primary_key)]
                            for col in join.columns:
                                if col.name in {column_name(through_model, first), column_name(through_model, second)}:
                                    col.primary_key, col.nullable = True, False
                    continue
                if not isinstance(through, str):
                    part.warnings.append(SourceWarning(path=path, line=assoc.line,
                                                       reason="sequelize: belongsToMany without a readable 'through'"))
                    continue
                join = join_tables.get(through.lower()) or next(
                    (tables[id(m)] for m in models if m.name == through), None)
                if join is None:
                    join = Table(name=through, source=path, origin="models")
                    for stamp in ("createdAt", "updatedAt"):
                        join.columns.append(Column(name=stamp, type="TIMESTAMP", nullable=False))
                    join_tables[through.lower()] = join
                    part.tables.append(join)
                for col, ref_model in ((first, source), (second, target)):
                    if join.column(col) is None:
                        join.columns.insert(len(join.columns) - 2 if len(join.columns) >= 2 else 0,
                                            Column(name=col, type=pk_of[id(ref_model)][1], nullable=False, primary_key=True))
                        join.foreign_keys.append(ForeignKey(columns=[col], ref_table=tables[id(ref_model)].name,
                                                            ref_columns=[pk_of[id(ref_model)][0]]))
    return part


# --- migrations -----------------------------------------------------------------------------------
@dataclass
class MigrationFile:
    ops: list[Op]


def _mig_table(node: Node | None, scope: dict[str, Node]) -> str | None:
    node = resolve(node, scope)
    value = str_lit(node)
    if value is not None:
        return value
    options = obj(node)
    if options is not None:
        return str_lit(options.get("tableName"))
    return None


def _spec(name: str, attr: Attr) -> ColumnSpec:
    spec = ColumnSpec(name=attr.field or name, type=attr.type, nullable=attr.nullable and not attr.primary,
                      primary_key=attr.primary, unique=attr.unique, default=attr.default)
    if attr.references is not None:
        ref, key = attr.references
        spec.references = (ref[6:] if ref.startswith("model:") else ref, [key])
    return spec


def _mig_ops(call: Node, param: str, scope: dict[str, Node]) -> list[Op]:
    method = method_name(call)
    recv = dotted(receiver(call))
    args = call_args(call)
    at = line(call)
    if recv == f"{param}.sequelize" and method == "query":
        sql = str_lit(resolve(args[0], scope)) if args else None
        return [Op("sql", at, sql=sql)] if sql else [Op("warn", at, sql="sequelize migration: query() whose SQL "
                                                                         "is not a literal string")]
    if recv != param or method is None:
        return []
    if method in {"bulkInsert", "bulkDelete", "bulkUpdate", "sequelize", "describeTable", "showAllTables"}:
        return []
    table = _mig_table(args[0], scope) if args else None
    if method in {"createTable", "dropTable", "addColumn", "removeColumn", "changeColumn", "renameColumn",
                  "renameTable", "addIndex", "removeIndex", "addConstraint", "removeConstraint"} and table is None:
        return [Op("warn", at, sql=f"sequelize migration: {method}() on a table whose name is not a literal")]
    if table is None:
        return []
    if method == "createTable":
        attrs_node = obj(resolve(args[1], scope)) if len(args) > 1 else None
        if attrs_node is None:
            return [Op("warn", at, sql=f"sequelize migration: the columns of {table} are not an object literal")]
        op = Op("create_table", at, table=table)
        for key, value in attrs_node.items():
            attr = _attr(key, value, scope)
            if not attr.virtual:
                op.columns.append(_spec(key, attr))
        return [op]
    if method == "dropTable":
        return [Op("drop_table", at, table=table)]
    if method == "renameTable" and len(args) > 1:
        new = _mig_table(args[1], scope)
        return [Op("rename_table", at, table=table, name=new)] if new else []
    if method in {"addColumn", "changeColumn"} and len(args) > 2:
        column = str_lit(resolve(args[1], scope))
        if column is None:
            return [Op("warn", at, sql=f"sequelize migration: {method}() with a column name that is not a literal")]
        attr = _attr(column, args[2], scope)
        return [Op("add_column" if method == "addColumn" else "change_column", at, table=table,
                   columns=[_spec(column, attr)], names=[column])]
    if method == "removeColumn" and len(args) > 1:
        column = str_lit(resolve(args[1], scope))
        return [Op("drop_column", at, table=table, names=[column])] if column else []
    if method == "renameColumn" and len(args) > 2:
        old, new = str_lit(resolve(args[1], scope)), str_lit(resolve(args[2], scope))
        return [Op("rename_column", at, table=table, names=[old, new])] if old and new else []
    if method == "addIndex" and len(args) > 1:
        first = lit(resolve(args[1], scope))
        options = lit(resolve(args[2], scope)) if len(args) > 2 else {}
        if isinstance(first, dict):
            options, first = first, first.get("fields")
        options = options if isinstance(options, dict) else {}
        cols = [c if isinstance(c, str) else c.get("name") for c in first if isinstance(c, (str, dict))] \
            if isinstance(first, list) else []
        name = options.get("name") if isinstance(options.get("name"), str) else None
        return [Op("add_index", at, table=table, names=[c for c in cols if isinstance(c, str)], name=name,
                   unique=options.get("unique") is True)]
    if method == "removeIndex" and len(args) > 1:
        value = lit(resolve(args[1], scope))
        if isinstance(value, str):
            return [Op("drop_index", at, table=table, name=value)]
        if isinstance(value, list):
            return [Op("drop_index", at, table=table, names=[v for v in value if isinstance(v, str)])]
        return []
    if method == "addConstraint" and len(args) > 1:
        options = lit(resolve(args[-1], scope))
        if not isinstance(options, dict):
            return []
        fields = options.get("fields")
        if fields is None and len(args) > 2:
            fields = lit(resolve(args[1], scope))
        cols = [c for c in fields if isinstance(c, str)] if isinstance(fields, list) else []
        kind = str(options.get("type", "")).lower()
        name = options.get("name") if isinstance(options.get("name"), str) else None
        if kind == "unique":
            return [Op("add_index", at, table=table, names=cols, name=name, unique=True)]
        if kind == "primary key":
            return [Op("primary_key", at, table=table, names=cols)]
        if kind == "foreign key" and isinstance(options.get("references"), dict):
            ref = options["references"]
            ref_table = ref.get("table")
            if isinstance(ref_table, dict):
                ref_table = ref_table.get("tableName")
            ref_field = ref.get("field")
            if isinstance(ref_table, str):
                return [Op("add_fk", at, table=table, names=cols, ref_table=ref_table,
                           ref_columns=[ref_field] if isinstance(ref_field, str) else [])]
        return []
    if method == "removeConstraint":
        name = str_lit(resolve(args[1], scope)) if len(args) > 1 else None
        return [Op("drop_index", at, table=table, name=name)] if name else []
    return []


def parse_migration(path: str, source: str) -> MigrationFile | None:
    if "queryInterface" not in source and "QueryInterface" not in source and "up" not in source:
        return None
    root = parse_js(path, source)
    scope = bindings(root)
    ops: list[Op] = []
    found = False
    for up in up_functions(root):
        if up.in_class or up.param is None:
            continue
        for call in outermost_calls(up.body):
            got = _mig_ops(call, up.param, scope)
            found = found or bool(got)
            ops.extend(got)
    return MigrationFile(ops) if found else None


def build_migrations(parsed: dict[str, MigrationFile]) -> SchemaPart:
    part = SchemaPart(reader="sequelize-migrations", origin="migrations")
    schema = Schema()
    for path in sorted(parsed, key=lambda p: natural_key(p.rsplit("/", 1)[-1])):
        part.sources.append(path)
        replay(schema, parsed[path].ops, path, part.warnings, "")
    part.tables = schema.tables
    part.enums = schema.enums
    return part


def _wants_migration(path: str) -> bool:
    return is_js(path) and "migration" in path.lower()




READERS = [
    Reader("sequelize", is_js, parse_models, build_models, suffixes=JS_EXT, keywords_nocase=("sequelize",)),
    # no keywords: ``parse_migration`` accepts any text holding "up", which nearly every file does
    Reader("sequelize-migrations", _wants_migration, parse_migration, build_migrations, suffixes=JS_EXT),
]
