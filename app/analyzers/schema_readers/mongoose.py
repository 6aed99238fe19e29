"""Mongoose: ``new Schema({...})`` / ``mongoose.Schema(...)`` bound to a model by ``mongoose.model('User',
schema)``, and NestJS's ``@Schema()`` classes with ``@Prop()`` fields. Each model is a collection
(``kind="collection"``): documents, not tables.

The collection name is the third argument of ``model()``, else the schema's ``collection`` option, else
Mongoose's own rule: the model name lowercased and pluralised (``User`` -> ``users``, ``Person`` ->
``people``; see ``_inflect.mongoose_collection``). Every document has ``_id`` unless ``_id: false``;
``timestamps`` adds ``createdAt``/``updatedAt``. Nested plain objects are shown as dotted paths
(``address.city``), as Mongoose names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._inflect import mongoose_collection
from phasegate.app.analyzers.schema_readers._js import (
    JS_EXT,
    UNKNOWN,
    call_args,
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
    named,
    obj,
    parse_js,
    str_lit,
    unwrap,
    walk,
)
from phasegate.app.analyzers.schema_readers._replay import default_text
from phasegate.app.analyzers.treesitter import line, text

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass
class Field:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    index: bool = False
    default: str | None = None
    ref: str | None = None


@dataclass
class SchemaDef:
    var: str | None
    line: int
    fields: list[Field] = field(default_factory=list)
    timestamps: tuple[str, str] | None = None
    collection: str | None = None
    has_id: bool = True
    indexes: list[tuple[list[str], bool]] = field(default_factory=list)


@dataclass
class ModelDef:
    name: str
    schema_var: str | None
    inline: SchemaDef | None
    collection: str | None
    line: int


@dataclass
class MongooseFile:
    path: str
    schemas: list[SchemaDef] = field(default_factory=list)
    models: list[ModelDef] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)


def _type_name(node: Node | None) -> str:
    node = unwrap(node)
    if node is None:
        return "Mixed"
    if node.type == "array":
        inner = node.named_children
        if not inner:
            return "Array"
        first = unwrap(inner[0])
        options = obj(first)
        if options is not None:
            return "[" + (_type_name(options["type"]) if "type" in options else "Object") + "]"
        return "[" + _type_name(first) + "]"
    if node.type == "object":
        return "Object"
    name = dotted(node)
    if name:
        return name.rsplit(".", 1)[-1]
    if node.type == "new_expression":
        return "Schema"
    value = lit(node)
    return type(value).__name__ if value is not UNKNOWN else text(node)[:40]


def _is_schema_ctor(node: Node | None) -> Node | None:
    """The call/new node of ``new Schema(...)``, ``mongoose.Schema(...)``, ``new mongoose.Schema<T>(...)``."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "new_expression":
        name = dotted(node.child_by_field_name("constructor"))
    elif node.type == "call_expression":
        name = dotted(node.child_by_field_name("function"))
    else:
        return None
    return node if name is not None and name.rsplit(".", 1)[-1] == "Schema" else None


def _ctor_args(node: Node) -> list[Node]:
    return named(node.child_by_field_name("arguments"))


def _fields(node: Node | None, prefix: str, out: list[Field]) -> None:
    options = obj(node)
    if options is None:
        return
    for key, value in options.items():
        if value.type == "method_definition":
            continue
        name = prefix + key
        value_u = unwrap(value)
        inner = obj(value_u)
        if inner is not None and ("type" in inner and obj(inner["type"]) is None):
            out.append(_field(name, inner))
        elif inner is not None:
            _fields(value_u, name + ".", out)
        else:
            out.append(Field(name=name, type=_type_name(value_u), ref=_array_ref(value_u)))


def _array_ref(node: Node | None) -> str | None:
    node = unwrap(node)
    if node is not None and node.type == "array" and node.named_children:
        options = obj(node.named_children[0])
        if options is not None and isinstance(lit(options.get("ref")), str):
            return lit(options["ref"])
    return None


def _field(name: str, options: dict[str, Node]) -> Field:
    required = lit(options.get("required"))
    if isinstance(required, list):
        required = required[0] if required else False
    ref = lit(options.get("ref"))
    default = None
    if "default" in options:
        value = lit(options["default"])
        default = default_text(value) if value is not UNKNOWN else text(options["default"])[:80]
    return Field(name=name, type=_type_name(options["type"]), required=required is True,
                 unique=lit(options.get("unique")) is True, index=lit(options.get("index")) is True,
                 default=default, ref=ref if isinstance(ref, str) else _array_ref(options["type"]))


def _schema_options(schema: SchemaDef, node: Node | None) -> None:
    options = obj(node)
    if options is None:
        return
    stamps = lit(options.get("timestamps"))
    if stamps is True:
        schema.timestamps = ("createdAt", "updatedAt")
    elif isinstance(stamps, dict):
        created = stamps.get("createdAt", True)
        updated = stamps.get("updatedAt", True)
        schema.timestamps = (created if isinstance(created, str) else "createdAt" if created else "",
                             updated if isinstance(updated, str) else "updatedAt" if updated else "")
    collection = lit(options.get("collection"))
    if isinstance(collection, str):
        schema.collection = collection
    if lit(options.get("_id")) is False:
        schema.has_id = False


def _schema_def(ctor: Node, var: str | None) -> SchemaDef:
    args = _ctor_args(ctor)
    schema = SchemaDef(var=var, line=line(ctor))
    if args:
        _fields(args[0], "", schema.fields)
    if len(args) > 1:
        _schema_options(schema, args[1])
    return schema


def _var_of(node: Node) -> str | None:
    parent = node.parent
    while parent is not None and parent.type in {"parenthesized_expression", "as_expression", "await_expression"}:
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return text(name) if name is not None else None
    if parent is not None and parent.type == "assignment_expression":
        return dotted(parent.child_by_field_name("left"))
    return None


def _nest_class(cls: Node, path: str, found: MongooseFile) -> None:
    decs = decorators(cls)
    dec = next((d for d in decs if d.name == "Schema"), None)
    name = class_name(cls)
    if dec is None or name is None:
        return
    schema = SchemaDef(var=f"class:{name}", line=dec.line)
    if dec.args:
        _schema_options(schema, dec.args[0])
    for member in class_members(cls):
        prop = member_name(member)
        prop_dec = next((d for d in decorators(member) if d.name == "Prop"), None)
        if prop is None or prop_dec is None:
            continue
        options = obj(prop_dec.args[0]) if prop_dec.args else None
        if options is not None and "type" in options:
            schema.fields.append(_field(prop, options))
        else:
            ts_type = (member_type(member) or "Mixed").replace("| null", "").strip()
            fld = Field(name=prop, type={"string": "String", "number": "Number", "boolean": "Boolean"}.get(ts_type, ts_type))
            if options is not None:
                fld.required = lit(options.get("required")) is True
                fld.unique = lit(options.get("unique")) is True
                fld.index = lit(options.get("index")) is True
                ref = lit(options.get("ref"))
                fld.ref = ref if isinstance(ref, str) else None
            schema.fields.append(fld)
    found.schemas.append(schema)
    found.models.append(ModelDef(name=name, schema_var=schema.var, inline=None, collection=schema.collection,
                                 line=dec.line))


def parse(path: str, source: str) -> MongooseFile | None:
    if "mongoose" not in source and "Schema" not in source:
        return None
    root = parse_js(path, source)
    found = MongooseFile(path=path)
    by_var: dict[str, SchemaDef] = {}
    for node in walk(root):
        ctor = _is_schema_ctor(node)
        if ctor is not None and node.type in {"new_expression", "call_expression"}:
            schema = _schema_def(ctor, _var_of(node))
            found.schemas.append(schema)
            if schema.var:
                by_var[schema.var] = schema
    for cls in classes(root):
        _nest_class(cls, path, found)
    for node in walk(root):
        if node.type != "call_expression":
            continue
        method = method_name(node)
        args = call_args(node)
        if method == "index" and args:
            target = dotted(node.child_by_field_name("function"))
            var = target.rsplit(".", 1)[0] if target and "." in target else None
            keys = obj(args[0])
            if var in by_var and keys:
                unique = isinstance(lit(args[1]), dict) and lit(args[1]).get("unique") is True if len(args) > 1 else False
                by_var[var].indexes.append((list(keys), unique))
            continue
        if method != "model" or len(args) < 2:
            continue
        name = str_lit(args[0])
        if name is None:
            first = dotted(args[0])
            if first and first.endswith(".name"):  # Cat.name in NestJS registrations
                continue
            found.warnings.append(SourceWarning(path=path, line=line(node),
                                                reason="mongoose: a model whose name is not a literal"))
            continue
        collection = str_lit(args[2]) if len(args) > 2 else None
        ctor = _is_schema_ctor(args[1])
        inline = None
        schema_var = None
        if ctor is not None:
            inline = next((s for s in found.schemas if s.line == line(ctor) and s.var is None), None) \
                or _schema_def(ctor, None)
        else:
            schema_var = dotted(args[1])
            if schema_var is None:
                found.warnings.append(SourceWarning(path=path, line=line(node),
                                                    reason=f"mongoose: the schema of model {name} is not readable"))
        found.models.append(ModelDef(name=name, schema_var=schema_var, inline=inline, collection=collection,
                                     line=line(node)))
    return found if found.models or found.schemas else None


def build(parsed: dict[str, MongooseFile]) -> SchemaPart:
    part = SchemaPart(reader="mongoose", origin="models")
    global_vars: dict[str, SchemaDef] = {}
    for path in sorted(parsed):
        for defined in parsed[path].schemas:
            if defined.var:
                global_vars.setdefault(defined.var, defined)
    model_to_collection: dict[str, str] = {}
    pending: list[tuple[str, ModelDef, SchemaDef | None]] = []
    for path in sorted(parsed):
        facts = parsed[path]
        part.warnings.extend(facts.warnings)
        local = {s.var: s for s in facts.schemas if s.var}
        for model in facts.models:
            schema: SchemaDef | None = model.inline or local.get(model.schema_var or "") or global_vars.get(model.schema_var or "")
            if schema is None and model.schema_var and "." in model.schema_var:
                schema = global_vars.get(model.schema_var.rsplit(".", 1)[-1])
            name = model.collection or (schema.collection if schema else None) or mongoose_collection(model.name)
            model_to_collection.setdefault(model.name, name)
            pending.append((path, model, schema))
    seen: set[str] = set()
    for path, model, schema in pending:
        name = model_to_collection[model.name] if not model.collection else model.collection
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        table = Table(name=name, kind="collection", source=path, origin="models")
        part.sources.append(path)
        part.tables.append(table)
        if schema is None:
            table.columns_known = False
            part.warnings.append(SourceWarning(path=path, line=model.line,
                                               reason=f"mongoose: schema {model.schema_var} of model {model.name} "
                                                      "not found; fields unknown"))
            continue
        if schema.has_id:
            table.columns.append(Column(name="_id", type="ObjectId", nullable=False, primary_key=True))
        for fld in schema.fields:
            if table.column(fld.name) is not None:
                continue
            table.columns.append(Column(name=fld.name, type=fld.type, nullable=not fld.required,
                                        unique=fld.unique, default=fld.default))
            if fld.index and not fld.unique:
                table.indexes.append(Index(columns=[fld.name]))
            if fld.ref:
                target = model_to_collection.get(fld.ref) or mongoose_collection(fld.ref)
                table.foreign_keys.append(ForeignKey(columns=[fld.name], ref_table=target, ref_columns=["_id"]))
        if schema.timestamps:
            for stamp in schema.timestamps:
                if stamp and table.column(stamp) is None:
                    table.columns.append(Column(name=stamp, type="Date"))
        for keys, unique in schema.indexes:
            table.indexes.append(Index(columns=keys, unique=unique))
    return part


READERS = [Reader("mongoose", is_js, parse, build, suffixes=JS_EXT, keywords=("mongoose", "Schema"))]  # ``parse``
