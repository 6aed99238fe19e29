"""GORM models (v1 ``jinzhu/gorm`` and v2 ``gorm.io/gorm``), read from Go structs with tree-sitter.

A struct is a model when it is passed to ``AutoMigrate`` anywhere, embeds ``gorm.Model``, or has a
``gorm`` struct tag (a struct only embedded into other models is a base, not a table). Names follow
GORM's ``NamingStrategy``: the table is the snake_cased struct name pluralised (``UserProfile`` ->
``user_profiles``; Rails' rules via ``jinzhu/inflection``) unless a ``TableName()`` method returns a
literal; a column is the snake_cased field name (``UserID`` -> ``user_id``, common initialisms kept
whole) unless ``column:``. ``gorm.Model`` adds ``id``, ``created_at``, ``updated_at``, ``deleted_at``.
Tags: ``primaryKey``/``primary_key``, ``not null``, ``unique``, ``index``/``uniqueIndex``/``unique_index``,
``type:``, ``size:``, ``default:``, ``embedded``/``embeddedPrefix:``, ``many2many:`` (a join table of
``<owner>_<pk>`` and ``<target>_<pk>``), ``foreignKey:``, ``-``. Relation fields (a model, or a slice
of models) are not columns; a belongs-to field with its ``<Field>ID`` column gives a foreign key.

A table prefix (``NamingStrategy{TablePrefix: …}``, a ``DefaultTableNameHandler`` that prepends one) is
used when it is a literal; when it is read from configuration (``setting.DatabaseSetting.TablePrefix``)
the value of that key in a committed settings file (``conf/app.ini``, ``config.yaml``…; only its
``*prefix*`` keys are read) stands in for it, with a warning that it is set at run time; with no such
value, the warning says the names are shown without it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasegate.app.analyzers._files import is_own_code
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._inflect import rails_plural
from phasegate.app.analyzers.treesitter import line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

# GORM's commonInitialisms, in its order: at one position the first listed wins (strings.Replacer)
_INITIALISMS = ["API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP", "JSON",
                "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SSH", "TLS", "TTL", "UID", "UI", "UUID", "URI",
                "URL", "UTF8", "VM", "XML", "XSRF", "XSS"]
_INITIAL_LETTERS = frozenset(w[0] for w in _INITIALISMS)
_GO_TYPES = {
    "string": "text", "bool": "boolean", "int": "bigint", "int64": "bigint", "uint": "bigint", "uint64": "bigint",
    "int32": "integer", "uint32": "integer", "int16": "smallint", "uint16": "smallint", "int8": "smallint",
    "uint8": "smallint", "byte": "smallint", "float32": "real", "float64": "double precision",
    "time.Time": "timestamp", "[]byte": "bytea", "gorm.DeletedAt": "timestamp", "sql.NullString": "text",
    "sql.NullInt64": "bigint", "sql.NullInt32": "integer", "sql.NullFloat64": "double precision",
    "sql.NullBool": "boolean", "sql.NullTime": "timestamp", "uuid.UUID": "uuid", "datatypes.JSON": "json",
    "decimal.Decimal": "decimal", "json.RawMessage": "json", "datatypes.Date": "date",
}
_NULLABLE_WRAPPERS = {"sql.NullString", "sql.NullInt64", "sql.NullInt32", "sql.NullFloat64", "sql.NullBool",
                      "sql.NullTime", "gorm.DeletedAt"}


@functools.lru_cache(maxsize=4096)
def db_name(name: str) -> str:
    """GORM's ``toDBName``: ``UserID`` -> ``user_id``, ``HTTPServer`` -> ``http_server``."""
    out: list[str] = []
    i = 0
    while i < len(name):
        match = next((w for w in _INITIALISMS if name.startswith(w, i)), None) if name[i] in _INITIAL_LETTERS \
            else None
        if match:
            out.append(match[0] + match[1:].lower())
            i += len(match)
        else:
            out.append(name[i])
            i += 1
    value = "".join(out)
    result: list[str] = []
    for i, ch in enumerate(value):
        if ch.isupper() and i > 0:
            prev = value[i - 1]
            nxt = value[i + 1] if i + 1 < len(value) else ""
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                result.append("_")
        result.append(ch.lower())
    return "".join(result)


def struct_tag(tag: str, key: str) -> str | None:
    """``reflect.StructTag.Lookup``: the value of ``key`` in ``key:"value" other:"x"``."""
    i = 0
    while i < len(tag):
        while i < len(tag) and tag[i] == " ":
            i += 1
        start = i
        while i < len(tag) and tag[i] > " " and tag[i] not in ':"':
            i += 1
        if i >= len(tag) or tag[i] != ":" or i + 1 >= len(tag) or tag[i + 1] != '"':
            return None
        name = tag[start:i]
        i += 2
        value_start = i
        while i < len(tag) and tag[i] != '"':
            i += 2 if tag[i] == "\\" else 1
        value = tag[value_start:i]
        i += 1
        if name == key:
            return value
    return None


def gorm_settings(tag: str | None) -> dict[str, str]:
    """GORM's ``ParseTagSetting``: ``column:x;not null;index`` -> {COLUMN: x, NOT NULL: NOT NULL, INDEX: INDEX}."""
    out: dict[str, str] = {}
    for part in (tag or "").split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(":")
        key = key.strip().upper()
        out[key] = value.strip() if _ else key
    return out


@dataclass
class GoField:
    name: str | None  # None: an embedded field
    type: str
    gorm: dict[str, str]
    sql: dict[str, str]
    line: int
    has_gorm_tag: bool = False


@dataclass
class GoStruct:
    name: str
    path: str
    line: int
    fields: list[GoField] = field(default_factory=list)


@dataclass
class GoFile:
    structs: list[GoStruct] = field(default_factory=list)
    table_names: dict[str, str] = field(default_factory=dict)
    migrated: list[str] = field(default_factory=list)
    singular: bool = False  # db.SingularTable(true) (v1) or NamingStrategy{SingularTable: true} (v2)
    prefix: str | None = None  # NamingStrategy{TablePrefix: "t_"} or a literal DefaultTableNameHandler prefix
    # A prefix read from configuration (``setting.DatabaseSetting.TablePrefix``): the field's name, and
    # where it is used, so that a committed settings file's value can stand in for it
    prefix_setting: tuple[str, int, str] | None = None  # (field name, line, expression)
    warnings: list[SourceWarning] = field(default_factory=list)


@dataclass
class SettingsFile:
    """The ``*prefix*`` keys of a committed settings file (``conf/app.ini``, ``config.yaml``…), by their
    name folded (lower case, no ``_``/``-``). Only these keys are kept: a settings file also holds
    passwords, which are never read into the schema."""

    prefixes: dict[str, str]


def _walk(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children))
    return out


def _type_name(node: Node | None) -> str | None:
    """The struct name a composite literal / new() / type refers to (last segment)."""
    if node is None:
        return None
    if node.type == "unary_expression":
        return _type_name(node.child_by_field_name("operand"))
    if node.type == "composite_literal":
        return _type_name(node.child_by_field_name("type"))
    if node.type == "call_expression" and text(node.child_by_field_name("function")) == "new":
        args = node.child_by_field_name("arguments")
        inner = [c for c in args.named_children] if args is not None else []
        return _type_name(inner[0]) if inner else None
    if node.type in {"type_identifier", "identifier"}:
        return text(node)
    if node.type == "qualified_type":
        name = node.child_by_field_name("name")
        return text(name) if name is not None else None
    if node.type == "pointer_type":
        inner = node.named_children
        return _type_name(inner[0]) if inner else None
    if node.type == "generic_type":
        return _type_name(node.child_by_field_name("type"))
    return None


def parse_go(path: str, source: str) -> GoFile | None:
    if "gorm" not in source and "AutoMigrate" not in source and "TableName" not in source:
        return None
    root = parse("go", source).root_node
    found = GoFile()
    for node in _walk(root):
        if node.type == "type_spec":
            name_node, type_node = node.child_by_field_name("name"), node.child_by_field_name("type")
            if name_node is None or type_node is None or type_node.type != "struct_type":
                continue
            struct = GoStruct(name=text(name_node), path=path, line=line(node))
            body = next((c for c in type_node.named_children if c.type == "field_declaration_list"), None)
            for decl in body.named_children if body is not None else []:
                if decl.type != "field_declaration":
                    continue
                ftype = decl.child_by_field_name("type")
                tag_node = decl.child_by_field_name("tag")
                tag = string_value(tag_node) if tag_node is not None else None
                gorm_tag = struct_tag(tag, "gorm") if tag else None
                sql_tag = struct_tag(tag, "sql") if tag else None
                names = [c for c in decl.children if c.type == "field_identifier"]
                for fname in names or [None]:  # type: ignore[list-item]
                    struct.fields.append(GoField(name=text(fname) if fname is not None else None,
                                                 type=text(ftype), gorm=gorm_settings(gorm_tag),
                                                 sql=gorm_settings(sql_tag), line=line(decl),
                                                 has_gorm_tag=gorm_tag is not None))
            found.structs.append(struct)
        elif node.type == "method_declaration":
            name = node.child_by_field_name("name")
            if name is None or text(name) != "TableName":
                continue
            receiver = node.child_by_field_name("receiver")
            params = [c for c in receiver.named_children if c.type == "parameter_declaration"] if receiver else []
            target = _type_name(params[0].child_by_field_name("type")) if params else None
            body = node.child_by_field_name("body")
            returns = [n for n in _walk(body) if n.type == "return_statement"] if body is not None else []
            values = []
            for ret in returns:
                exprs = [n for n in ret.named_children if n.type == "expression_list"]
                expr = exprs[0].named_children[0] if exprs and exprs[0].named_children else None
                values.append(string_value(expr) if expr is not None else None)
            if target and len(values) == 1 and values[0] is not None:
                found.table_names[target] = values[0]
            elif target:
                found.warnings.append(SourceWarning(path=path, line=line(node),
                                                    reason=f"gorm: TableName() of {target} does not return one literal"))
        elif node.type == "composite_literal" and text(node.child_by_field_name("type")).endswith("NamingStrategy"):
            body = node.child_by_field_name("body")
            for element in _walk(body) if body is not None else []:
                if element.type != "keyed_element" or len(element.named_children) < 2:
                    continue
                key, value = text(element.named_children[0]), element.named_children[1]
                if value.type == "literal_element" and value.named_children:
                    value = value.named_children[0]
                if key == "SingularTable" and text(value) == "true":
                    found.singular = True
                elif key == "TablePrefix":
                    literal = _go_string(value)
                    if literal is not None:
                        found.prefix = literal
                    elif value.type == "selector_expression":
                        found.prefix_setting = (_selector_field(value), line(element), text(value))
                    else:
                        found.warnings.append(SourceWarning(path=path, line=line(element), reason=(
                            "gorm: TablePrefix is computed at run time; table names are shown without it")))
        elif node.type == "assignment_statement" and text(node.child_by_field_name("left")) == \
                "gorm.DefaultTableNameHandler":
            right = node.child_by_field_name("right")
            returns = [n for n in _walk(right) if n.type == "return_statement"] if right is not None else []
            exprs = [n for r in returns for n in _walk(r) if n.type == "binary_expression"]
            left = exprs[0].child_by_field_name("left") if exprs else None
            literal = _go_string(left)
            if literal is not None:
                found.prefix = literal
            elif left is not None and left.type == "selector_expression":
                found.prefix_setting = (_selector_field(left), line(node), text(left))
            else:
                found.warnings.append(SourceWarning(path=path, line=line(node), reason=(
                    "gorm: DefaultTableNameHandler renames tables at run time; table names are shown without it")))
        elif node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is None or fn.type != "selector_expression":
                continue
            field_node = fn.child_by_field_name("field")
            if field_node is not None and text(field_node) == "SingularTable":
                args = node.child_by_field_name("arguments")
                if args is not None and text(args).replace(" ", "") == "(true)":
                    found.singular = True
                continue
            if field_node is None or text(field_node) != "AutoMigrate":
                continue
            args = node.child_by_field_name("arguments")
            for arg in args.named_children if args is not None else []:
                migrated = _type_name(arg)
                if migrated:
                    found.migrated.append(migrated)
                elif arg.type != "comment":
                    found.warnings.append(SourceWarning(path=path, line=line(arg),
                                                        reason=f"gorm: AutoMigrate argument {text(arg)[:60]} not read"))
    return found if found.structs or found.table_names or found.migrated or found.singular \
        or found.prefix is not None or found.prefix_setting is not None or found.warnings else None


def _selector_field(node: Node) -> str:
    """``setting.DatabaseSetting.TablePrefix`` -> ``TablePrefix``."""
    name = node.child_by_field_name("field")
    return text(name) if name is not None else text(node).rsplit(".", 1)[-1]


def _fold(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


_SETTINGS_SUFFIXES = (".ini", ".yaml", ".yml", ".toml", ".json")
_SETTINGS_WORDS = ("conf", "setting")


def _is_settings_file(path: str) -> bool:
    low = path.lower()
    return low.endswith(_SETTINGS_SUFFIXES) and any(w in low for w in _SETTINGS_WORDS)


def _flat_prefixes(value: object, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, (dict, list)):
                _flat_prefixes(inner, out)
            elif "prefix" in str(key).lower() and isinstance(inner, str):
                out.setdefault(_fold(str(key)), inner)
    elif isinstance(value, list):
        for inner in value:
            _flat_prefixes(inner, out)


def parse_settings(path: str, source: str) -> SettingsFile | None:
    """A settings file's prefix keys; a file that does not parse is no settings file (not a warning:
    the reader only looks here for a value the Go code names)."""
    if "prefix" not in source.lower():
        return None
    low = path.lower()
    data: object = None
    try:
        if low.endswith(".ini"):
            import configparser

            ini = configparser.ConfigParser(interpolation=None, strict=False)
            ini.read_string(source)
            data = {section: dict(ini[section]) for section in ini.sections()}
        elif low.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(source)
        elif low.endswith(".toml"):
            import tomllib

            data = tomllib.loads(source)
        else:
            import json

            data = json.loads(source)
    except Exception:  # noqa: BLE001 - any parser's error: not a settings file we can use
        return None
    prefixes: dict[str, str] = {}
    _flat_prefixes(data, prefixes)
    return SettingsFile(prefixes=prefixes) if prefixes else None


def parse_file(path: str, source: str) -> GoFile | SettingsFile | None:
    if _is_settings_file(path):
        return parse_settings(path, source)
    return parse_go(path, source)


def _go_string(node: Node | None) -> str | None:
    if node is not None and node.type == "literal_element" and node.named_children:
        node = node.named_children[0]
    if node is None or node.type not in {"interpreted_string_literal", "raw_string_literal"}:
        return None
    return string_value(node)


def _base_type(type_text: str) -> str:
    return type_text.lstrip("*")


def _column_type(fld: GoField) -> str:
    settings = fld.gorm or fld.sql
    if "TYPE" in settings:
        return settings["TYPE"]
    base = _base_type(fld.type)
    if base == "string" and "SIZE" in settings:
        return f"varchar({settings['SIZE']})"
    return _GO_TYPES.get(base, base)


def _settings_prefix(parsed: dict[str, GoFile], settings: dict[str, SettingsFile],
                     part: SchemaPart) -> str:
    """The table prefix the code reads from configuration, when a committed settings file gives it one
    value; otherwise a warning says it is set at run time."""
    for path, facts in sorted(parsed.items()):
        if facts.prefix_setting is None:
            continue
        field_name, line_no, expr = facts.prefix_setting
        values = {(p, s.prefixes[_fold(field_name)]) for p, s in settings.items() if _fold(field_name) in s.prefixes}
        distinct = sorted({v for _, v in values})
        if len(distinct) == 1:
            files = ", ".join(sorted(p for p, _ in values))
            part.warnings.append(SourceWarning(path=path, line=line_no, reason=(
                f"gorm: table prefix {expr} is set at run time; shown with {distinct[0]!r}, its value in {files}")))
            return distinct[0]
        reason = (f"gorm: table prefix {expr} is set at run time ({len(distinct)} values in the settings files); "
                  "table names are shown without it") if distinct else (
            f"gorm: table prefix {expr} is set at run time and no committed settings file gives it; "
            "table names are shown without it")
        part.warnings.append(SourceWarning(path=path, line=line_no, reason=reason))
        return ""
    return ""


def build(parsed_all: dict[str, GoFile | SettingsFile]) -> SchemaPart:
    part = SchemaPart(reader="gorm", origin="models")
    settings_files = {p: f for p, f in parsed_all.items() if isinstance(f, SettingsFile)}
    parsed = {p: f for p, f in parsed_all.items() if isinstance(f, GoFile)}
    structs: dict[str, GoStruct] = {}
    table_names: dict[str, str] = {}
    migrated: set[str] = set()
    for path in sorted(parsed):
        facts = parsed[path]
        part.warnings.extend(facts.warnings)
        for struct in facts.structs:
            structs.setdefault(struct.name, struct)
        table_names.update(facts.table_names)
        migrated.update(facts.migrated)
    singular = any(f.singular for f in parsed.values())
    table_prefix = next((f.prefix for f in parsed.values() if f.prefix is not None), None)
    if table_prefix is None:
        table_prefix = _settings_prefix(parsed, settings_files, part)

    def embeds_model(struct: GoStruct) -> bool:
        return any(f.name is None and _base_type(f.type) in {"gorm.Model", "Model"} for f in struct.fields)

    embedded_only: set[str] = set()
    for struct in structs.values():
        for fld in struct.fields:
            if fld.name is None or "EMBEDDED" in fld.gorm:
                embedded_only.add(_base_type(fld.type).rsplit(".", 1)[-1])
    models = [s for s in structs.values() if s.name in migrated or (
        (embeds_model(s) or any(f.has_gorm_tag for f in s.fields)) and s.name not in embedded_only)]
    model_names = {m.name for m in models}
    for name in sorted(migrated - set(structs)):
        part.warnings.append(SourceWarning(path=next((p for p, f in parsed.items() if name in f.migrated), ""),
                                           reason=f"gorm: AutoMigrate of {name}, a struct not found in the repository"))

    def table_of(name: str) -> str:
        # a TableName() method is used as written; the naming strategy makes the others
        return table_names.get(name) or table_prefix + (db_name(name) if singular else rails_plural(db_name(name)))

    def flat_fields(struct: GoStruct, prefix: str, depth: int = 0) -> list[tuple[str, GoField]]:
        out: list[tuple[str, GoField]] = []
        for fld in struct.fields:
            base = _base_type(fld.type)
            short = base.rsplit(".", 1)[-1]
            if fld.name is None or "EMBEDDED" in fld.gorm:
                if base in {"gorm.Model"}:
                    out.extend((prefix, f) for f in _GORM_MODEL)
                elif short in structs and depth < 5:
                    inner_prefix = prefix + fld.gorm.get("EMBEDDEDPREFIX", "")
                    out.extend(flat_fields(structs[short], inner_prefix, depth + 1))
                continue
            out.append((prefix, fld))
        return out

    tables: dict[str, Table] = {}
    pk_of: dict[str, tuple[str, str]] = {}
    for struct in sorted(models, key=lambda s: (s.path, s.line)):
        table = Table(name=table_of(struct.name), source=struct.path, origin="models")
        fields = flat_fields(struct, "")
        explicit_pk = any("PRIMARYKEY" in f.gorm or "PRIMARY_KEY" in f.gorm for _, f in fields)
        for column_prefix, fld in fields:  # an embedded struct's ``embeddedPrefix``, not the table prefix
            assert fld.name is not None
            if not fld.name[:1].isupper():
                continue
            settings = {**fld.sql, **fld.gorm}
            if settings.get("-") == "-" or "-" in settings:
                continue
            base = _base_type(fld.type)
            short = base.rsplit(".", 1)[-1]
            is_slice = base.startswith("[]") and base != "[]byte"
            elem = base[2:].lstrip("*").rsplit(".", 1)[-1] if is_slice else short
            if elem in model_names or elem in structs and not ("TYPE" in settings or "SERIALIZER" in settings):
                continue  # a relation: belongs-to / has-one / has-many / many2many
            if is_slice and "TYPE" not in settings and "SERIALIZER" not in settings:
                part.warnings.append(SourceWarning(path=struct.path, line=fld.line,
                                                   reason=f"gorm: field {struct.name}.{fld.name} of type {fld.type} "
                                                          "has no column type"))
                continue
            name = settings.get("COLUMN") or column_prefix + db_name(fld.name)
            primary = "PRIMARYKEY" in settings or "PRIMARY_KEY" in settings or (
                not explicit_pk and fld.name == "ID")
            nullable = not primary and "NOT NULL" not in settings
            default = settings.get("DEFAULT")
            col = Column(name=name, type=_column_type(fld), nullable=nullable, primary_key=primary,
                         unique="UNIQUE" in settings, default=default)
            if table.column(name) is None:
                table.columns.append(col)
            for key, unique in (("INDEX", False), ("UNIQUEINDEX", True), ("UNIQUE_INDEX", True)):
                if key in settings:
                    ix_name = settings[key] if settings[key] != key else None
                    ix_name = ix_name.split(",")[0] if ix_name else None
                    existing = next((ix for ix in table.indexes if ix_name and ix.name == ix_name), None)
                    if existing is not None:
                        existing.columns.append(name)
                    else:
                        table.indexes.append(Index(name=ix_name, columns=[name], unique=unique))
        pk = next((c for c in table.columns if c.primary_key), None)
        pk_of[struct.name] = (pk.name if pk else "id", pk.type if pk else "bigint")
        tables[struct.name] = table
        part.tables.append(table)
        part.sources.append(struct.path)

    join_tables: dict[str, Table] = {}
    for struct in sorted(models, key=lambda s: (s.path, s.line)):
        table = tables[struct.name]
        for _prefix, fld in flat_fields(struct, ""):
            if fld.name is None:
                continue
            base = _base_type(fld.type)
            is_slice = base.startswith("[]")
            target = base[2:].lstrip("*").rsplit(".", 1)[-1] if is_slice else base.rsplit(".", 1)[-1]
            if target not in tables:
                continue
            settings = {**fld.sql, **fld.gorm}
            if "MANY2MANY" in settings:
                jt_name = settings["MANY2MANY"]
                own_pk, own_type = pk_of[struct.name]
                tgt_pk, tgt_type = pk_of[target]
                first = db_name(struct.name) + "_" + own_pk
                second = (db_name(target) if target != struct.name else db_name(fld.name).rstrip("s")) + "_" + tgt_pk
                join = join_tables.get(jt_name.lower())
                if join is None:
                    join = Table(name=jt_name, source=struct.path, origin="models")
                    join_tables[jt_name.lower()] = join
                    part.tables.append(join)
                for col, ref, ref_pk, col_type in ((first, struct.name, own_pk, own_type),
                                                   (second, target, tgt_pk, tgt_type)):
                    if join.column(col) is None:
                        join.columns.append(Column(name=col, type=col_type, nullable=False, primary_key=True))
                        join.foreign_keys.append(ForeignKey(columns=[col], ref_table=tables[ref].name,
                                                            ref_columns=[ref_pk]))
            elif not is_slice and next((c for c in table.columns if c.name == db_name(
                    settings.get("FOREIGNKEY") or fld.name + "ID")), None) is not None:
                fk_name = db_name(settings.get("FOREIGNKEY") or fld.name + "ID")  # belongs-to: the key is ours
                if not any(fk.columns == [fk_name] for fk in table.foreign_keys):
                    table.foreign_keys.append(ForeignKey(columns=[fk_name], ref_table=tables[target].name,
                                                         ref_columns=[pk_of[target][0]]))
            else:  # has-one / has-many: the key is on the target
                fk_field = settings.get("FOREIGNKEY") or struct.name + "ID"
                target_table = tables[target]
                fk_col = next((c for c in target_table.columns if c.name == db_name(fk_field)), None)
                if fk_col is not None and not any(fk.columns == [fk_col.name] for fk in target_table.foreign_keys):
                    target_table.foreign_keys.append(ForeignKey(columns=[fk_col.name], ref_table=table.name,
                                                                ref_columns=[pk_of[struct.name][0]]))
    return part


_GORM_MODEL = [
    GoField(name="ID", type="uint", gorm={"PRIMARYKEY": "PRIMARYKEY"}, sql={}, line=0),
    GoField(name="CreatedAt", type="time.Time", gorm={}, sql={}, line=0),
    GoField(name="UpdatedAt", type="time.Time", gorm={}, sql={}, line=0),
    GoField(name="DeletedAt", type="gorm.DeletedAt", gorm={"INDEX": "INDEX"}, sql={}, line=0),
]


def _wants(path: str) -> bool:
    return (path.endswith(".go") or _is_settings_file(path)) and is_own_code(path)


READERS = [Reader("gorm", _wants, parse_file, build, version=2,
                  suffixes=frozenset({".go", *_SETTINGS_SUFFIXES}),
                  # ``parse_go``'s first test; a settings file (few, named so) is read without one
                  keywords=("gorm", "AutoMigrate", "TableName"), keywordless=_is_settings_file)]
