"""JPA / Hibernate entities in Java and Kotlin, read with tree-sitter.

What is read: ``@Entity`` classes (``@Table(name, indexes, uniqueConstraints)``), their fields and Kotlin
properties (``@Column(name, nullable, unique, length, precision, scale)``, ``@Id``, ``@GeneratedValue``,
``@Enumerated``, ``@Lob``, ``@Transient`` and ``transient``/``static`` fields excluded), relations
(``@ManyToOne``/``@OneToOne`` with ``@JoinColumn`` or the default ``<field>_<referenced key>``,
``@OneToMany`` with a ``@JoinColumn`` puts the column on the other side, ``@ManyToMany`` with
``@JoinTable`` or the default ``<owner table>_<field>``), ``@ElementCollection`` tables,
``@MappedSuperclass`` parents (also across files), ``@Embeddable`` types flattened into their owners,
and single-table inheritance (a sub-entity without its own ``@Table`` adds its columns to the root's).

Names follow Spring Boot's defaults: the implicit names of the JPA specification (entity name for
the table, field name for the column, ``SpringImplicitNamingStrategy`` for join tables), then the
physical ``CamelCaseToUnderscoresNamingStrategy`` (``firstName`` → ``first_name``), applied to explicit
names too. A project that configures ``PhysicalNamingStrategyStandardImpl`` in its
``application.properties``/``.yml`` keeps names as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored, suffix
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart, Table

if TYPE_CHECKING:
    from tree_sitter import Node

RELATIONS = {"ManyToOne", "OneToOne", "OneToMany", "ManyToMany"}
COLLECTIONS = {"List", "Set", "Collection", "Map", "SortedSet", "MutableList", "MutableSet", "Iterable",
               "ArrayList", "HashSet", "LinkedHashSet", "TreeSet", "MutableMap", "HashMap"}
PRIMITIVES = {"int", "long", "short", "byte", "boolean", "double", "float", "char"}
KOTLIN_VALUE_TYPES = {"Int", "Long", "Short", "Byte", "Boolean", "Double", "Float", "Char"}
SQL_TYPES = {
    "String": "VARCHAR", "char": "CHAR", "Character": "CHAR", "Char": "CHAR",
    "int": "INTEGER", "Integer": "INTEGER", "Int": "INTEGER", "long": "BIGINT", "Long": "BIGINT",
    "short": "SMALLINT", "Short": "SMALLINT", "byte": "TINYINT", "Byte": "TINYINT",
    "boolean": "BOOLEAN", "Boolean": "BOOLEAN", "double": "DOUBLE", "Double": "DOUBLE",
    "float": "REAL", "Float": "REAL", "BigDecimal": "DECIMAL", "BigInteger": "NUMERIC",
    "LocalDate": "DATE", "LocalTime": "TIME", "LocalDateTime": "TIMESTAMP", "Instant": "TIMESTAMP",
    "ZonedDateTime": "TIMESTAMP WITH TIME ZONE", "OffsetDateTime": "TIMESTAMP WITH TIME ZONE",
    "Date": "TIMESTAMP", "Timestamp": "TIMESTAMP", "Calendar": "TIMESTAMP", "Duration": "BIGINT",
    "UUID": "UUID", "ByteArray": "VARBINARY", "byte[]": "VARBINARY", "Byte[]": "VARBINARY",
    "Blob": "BLOB", "Clob": "CLOB", "URL": "VARCHAR", "Locale": "VARCHAR", "Currency": "VARCHAR",
    "ZoneId": "VARCHAR", "Year": "INTEGER",
}


# --- facts of one file --------------------------------------------------------------------------
@dataclass
class FieldFacts:
    name: str
    type: str  # the simple type name (``String``, ``Owner``, ``List``)
    type_args: list[str]
    annotations: dict[str, dict[str, Any]]
    line: int
    nullable_type: bool | None = None  # Kotlin ``T?`` (True) or ``T`` (False); None in Java
    skipped: bool = False  # static, transient, or a Kotlin property without a backing field


@dataclass
class ClassFacts:
    name: str
    annotations: dict[str, dict[str, Any]]
    supers: list[str]
    fields: list[FieldFacts]
    line: int
    path: str = ""


@dataclass
class FileFacts:
    classes: list[ClassFacts] = field(default_factory=list)
    enums: list[str] = field(default_factory=list)
    standard_naming: bool | None = None  # from a Spring properties file: True = names kept as written


def physical(name: str) -> str:
    """Spring Boot's ``CamelCaseToUnderscoresNamingStrategy``: ``firstName`` → ``first_name``, lower case."""
    if len(name) > 1 and name[0] == name[-1] and name[0] in "`\"":
        return name[1:-1]  # a quoted identifier is kept exactly
    chars = list(name.replace(".", "_"))
    out: list[str] = []
    for i, ch in enumerate(chars):
        if 0 < i < len(chars) - 1:
            before, after = chars[i - 1], chars[i + 1]
            if (before.islower() or before.isdigit()) and ch.isupper() and (after.islower() or after.isdigit()):
                out.append("_")
        out.append(ch)
    return "".join(out).lower()


# --- annotation values (Java and Kotlin) -------------------------------------------------------
def _java_value(node: Node) -> Any:
    from phasegate.app.analyzers.treesitter import text

    kind = node.type
    if kind == "string_literal":
        return "".join(text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence"))
    if kind in ("true", "false"):
        return kind == "true"
    if kind in ("decimal_integer_literal", "hex_integer_literal"):
        try:
            return int(text(node).rstrip("lL"), 0)
        except ValueError:
            return text(node)
    if kind == "element_value_array_initializer":
        return [_java_value(c) for c in node.named_children if c.type not in ("line_comment", "block_comment")]
    if kind in ("annotation", "marker_annotation"):
        name, args = _java_annotation(node)
        return {"@": name, **args}
    if kind == "binary_expression":
        parts = [_java_value(c) for c in node.named_children]
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
    if kind == "parenthesized_expression" and node.named_children:
        return _java_value(node.named_children[0])
    return text(node).rsplit(".", 1)[-1]  # an enum constant or a constant's name


def _java_annotation(node: Node) -> tuple[str, dict[str, Any]]:
    from phasegate.app.analyzers.treesitter import text

    name = text(node.child_by_field_name("name")).rsplit(".", 1)[-1]
    args: dict[str, Any] = {}
    arglist = node.child_by_field_name("arguments")
    for child in arglist.named_children if arglist is not None else []:
        if child.type == "element_value_pair":
            key = child.child_by_field_name("key")
            value = child.child_by_field_name("value")
            if key is not None and value is not None:
                args[text(key)] = _java_value(value)
        elif child.type not in ("line_comment", "block_comment"):
            args["value"] = _java_value(child)
    return name, args


def _kotlin_value(node: Node) -> Any:
    from phasegate.app.analyzers.treesitter import text

    kind = node.type
    if kind == "string_literal":
        return "".join(text(c) for c in node.named_children if c.type in ("string_content", "escape_sequence"))
    if kind in ("boolean_literal",) or text(node) in ("true", "false"):
        return text(node) == "true"
    if kind in ("number_literal", "integer_literal"):
        try:
            return int(text(node).rstrip("lL"), 0)
        except ValueError:
            return text(node)
    if kind == "collection_literal":
        return [_kotlin_value(c) for c in node.named_children]
    if kind == "call_expression":
        callee = node.named_children[0] if node.named_children else None
        callee_name = text(callee).rsplit(".", 1)[-1]
        args = _kotlin_args(next((c for c in node.named_children if c.type == "value_arguments"), None)
                            or _call_suffix_args(node))
        if callee_name in ("arrayOf", "listOf", "setOf"):
            return list(args.get("*", []))
        return {"@": callee_name, **args}
    if kind == "annotation":
        name, args = _kotlin_annotation(node)
        return {"@": name, **args}
    if kind in ("additive_expression",):
        parts = [_kotlin_value(c) for c in node.named_children]
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
    return text(node).rsplit(".", 1)[-1]


def _call_suffix_args(node: Node) -> Node | None:
    suffix_node = next((c for c in node.named_children if c.type == "call_suffix"), None)
    if suffix_node is None:
        return None
    return next((c for c in suffix_node.named_children if c.type == "value_arguments"), None)


def _kotlin_args(arguments: Node | None) -> dict[str, Any]:
    from phasegate.app.analyzers.treesitter import text

    args: dict[str, Any] = {}
    positional: list[Any] = []
    for arg in arguments.named_children if arguments is not None else []:
        if arg.type != "value_argument":
            continue
        named = [c for c in arg.named_children if c.type not in ("line_comment", "multiline_comment")]
        has_eq = any(c.type == "=" for c in arg.children)
        if has_eq and len(named) >= 2:
            args[text(named[0])] = _kotlin_value(named[-1])
        elif named:
            positional.append(_kotlin_value(named[-1]))
    if positional:
        args["value"] = positional[0] if len(positional) == 1 else positional
        args["*"] = positional
    return args


def _kotlin_annotation(node: Node) -> tuple[str, dict[str, Any]]:
    from phasegate.app.analyzers.treesitter import text

    for child in node.named_children:
        if child.type == "user_type":
            return text(child).rsplit(".", 1)[-1], {}
        if child.type == "constructor_invocation":
            utype = next((c for c in child.named_children if c.type == "user_type"), None)
            args = next((c for c in child.named_children if c.type == "value_arguments"), None)
            return text(utype).rsplit(".", 1)[-1], _kotlin_args(args)
    return text(node).lstrip("@").split("(")[0].rsplit(".", 1)[-1].split(":")[-1], {}


def _annotations(modifiers: Node | None, kotlin: bool) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The annotations by simple name, and the plain modifier keywords (``static``, ``transient``)."""
    from phasegate.app.analyzers.treesitter import text

    found: dict[str, dict[str, Any]] = {}
    keywords: set[str] = set()
    if modifiers is None:
        return found, keywords
    for child in modifiers.children:
        if child.type in ("annotation", "marker_annotation"):
            name, args = _kotlin_annotation(child) if kotlin else _java_annotation(child)
            found[name] = args
        else:
            keywords.add(text(child))
            for inner in child.children:  # Kotlin wraps keywords (``member_modifier``)
                keywords.add(text(inner))
    return found, keywords


# --- Java ---------------------------------------------------------------------------------------
def _java_type(node: Node | None) -> tuple[str, list[str]]:
    from phasegate.app.analyzers.treesitter import text

    if node is None:
        return "", []
    if node.type == "generic_type":
        base = text(node.named_children[0]).rsplit(".", 1)[-1]
        targs = next((c for c in node.named_children if c.type == "type_arguments"), None)
        args = [text(c).rsplit(".", 1)[-1] for c in targs.named_children] if targs is not None else []
        return base, args
    if node.type == "array_type":
        return text(node).replace(" ", ""), []
    return text(node).rsplit(".", 1)[-1], []


def _java_classes(root: Node, path: str, out: FileFacts) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "enum_declaration":
            out.enums.append(text(node.child_by_field_name("name")))
        if node.type not in ("class_declaration",):
            stack.extend(reversed(node.named_children))
            continue
        modifiers = next((c for c in node.children if c.type == "modifiers"), None)
        annotations, _ = _annotations(modifiers, kotlin=False)
        superclass = node.child_by_field_name("superclass")
        supers = [_java_type(superclass.named_children[0])[0]] if superclass and superclass.named_children else []
        facts = ClassFacts(name=text(node.child_by_field_name("name")), annotations=annotations, supers=supers,
                           fields=[], line=line(node), path=path)
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type == "field_declaration":
                mods = next((c for c in member.children if c.type == "modifiers"), None)
                field_annotations, keywords = _annotations(mods, kotlin=False)
                type_name, type_args = _java_type(member.child_by_field_name("type"))
                for declarator in member.children_by_field_name("declarator"):
                    facts.fields.append(FieldFacts(
                        name=text(declarator.child_by_field_name("name")), type=type_name, type_args=type_args,
                        annotations=field_annotations, line=line(member),
                        skipped=bool(keywords & {"static", "transient"})))
            elif member.type in ("class_declaration", "enum_declaration"):
                stack.append(member)
        out.classes.append(facts)


# --- Kotlin -------------------------------------------------------------------------------------
def _kotlin_type(node: Node | None) -> tuple[str, list[str], bool]:
    from phasegate.app.analyzers.treesitter import text

    if node is None:
        return "", [], True
    nullable = node.type == "nullable_type"
    if nullable and node.named_children:
        node = node.named_children[0]
    if node.type == "user_type":
        idents = [c for c in node.named_children if c.type in ("identifier", "type_identifier", "simple_user_type")]
        base = text(idents[-1]).split("<")[0] if idents else text(node).split("<")[0]
        targs = next((c for c in node.named_children if c.type == "type_arguments"), None)
        if targs is None:
            for ident in idents:
                targs = next((c for c in ident.named_children if c.type == "type_arguments"), targs)
        args = [text(c).rstrip("?").rsplit(".", 1)[-1] for c in targs.named_children] if targs is not None else []
        return base.rsplit(".", 1)[-1], args, nullable
    return text(node).rstrip("?").split("<")[0].rsplit(".", 1)[-1], [], nullable


_KOTLIN_TYPE_NODES = ("user_type", "nullable_type", "function_type", "parenthesized_type")


def _kotlin_classes(root: Node, path: str, out: FileFacts) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    stack = [root]
    while stack:
        node = stack.pop()
        if node.type != "class_declaration":
            stack.extend(reversed(node.named_children))
            continue
        if any(c.type == "enum" or text(c) == "enum" for c in node.children) or _is_kotlin_enum(node):
            out.enums.append(text(next((c for c in node.named_children if c.type in ("identifier", "type_identifier")),
                                       None)))
            continue
        modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
        annotations, _ = _annotations(modifiers, kotlin=True)
        name_node = next((c for c in node.named_children if c.type in ("identifier", "type_identifier")), None)
        supers: list[str] = []
        delegation = next((c for c in node.named_children if c.type == "delegation_specifiers"), None)
        for spec in delegation.named_children if delegation is not None else []:
            inv = next((c for c in spec.named_children if c.type == "constructor_invocation"), None)
            utype = next((c for c in (inv or spec).named_children if c.type == "user_type"), None)
            if utype is not None:
                supers.append(_kotlin_type(utype)[0])
        facts = ClassFacts(name=text(name_node), annotations=annotations, supers=supers, fields=[],
                           line=line(node), path=path)
        ctor = next((c for c in node.named_children if c.type == "primary_constructor"), None)
        params = next((c for c in ctor.named_children if c.type == "class_parameters"), None) if ctor else None
        for param in params.named_children if params is not None else []:
            if param.type != "class_parameter":
                continue
            is_property = any(text(c) in ("val", "var") for c in param.children)
            mods = next((c for c in param.named_children if c.type == "modifiers"), None)
            field_annotations, _ = _annotations(mods, kotlin=True)
            ident = next((c for c in param.named_children if c.type in ("identifier", "simple_identifier")), None)
            tnode = next((c for c in param.named_children if c.type in _KOTLIN_TYPE_NODES), None)
            type_name, type_args, nullable = _kotlin_type(tnode)
            facts.fields.append(FieldFacts(name=text(ident), type=type_name, type_args=type_args,
                                           annotations=field_annotations, line=line(param),
                                           nullable_type=nullable, skipped=not is_property))
        body = next((c for c in node.named_children if c.type == "class_body"), None)
        for member in body.named_children if body is not None else []:
            if member.type == "property_declaration":
                mods = next((c for c in member.named_children if c.type == "modifiers"), None)
                field_annotations, _ = _annotations(mods, kotlin=True)
                var = next((c for c in member.named_children if c.type == "variable_declaration"), None)
                if var is None:
                    continue
                ident = next((c for c in var.named_children if c.type in ("identifier", "simple_identifier")), None)
                tnode = next((c for c in var.named_children if c.type in _KOTLIN_TYPE_NODES), None)
                type_name, type_args, nullable = _kotlin_type(tnode)
                has_getter = any(c.type == "getter" for c in member.named_children)
                has_init = any(c.type == "=" or text(c) == "=" for c in member.children)
                is_lateinit = "lateinit" in text(mods)
                facts.fields.append(FieldFacts(
                    name=text(ident), type=type_name, type_args=type_args, annotations=field_annotations,
                    line=line(member), nullable_type=nullable,
                    skipped=has_getter and not has_init and not is_lateinit and "Column" not in field_annotations))
            elif member.type in ("class_declaration", "companion_object"):
                if member.type == "class_declaration":
                    stack.append(member)
        out.classes.append(facts)


def _is_kotlin_enum(node: Node) -> bool:
    return any(c.type == "enum_class_body" for c in node.named_children)


# --- Spring properties --------------------------------------------------------------------------
def _naming_from_properties(path: str, text_: str) -> bool | None:
    """True when the properties file sets the physical naming strategy that keeps names as written."""
    keys = ("physical-strategy", "physical_naming_strategy", "physical-naming-strategy")
    if path.endswith(".properties"):
        for raw in text_.splitlines():
            key, _, value = raw.partition("=")
            if any(k in key for k in keys):
                return "PhysicalNamingStrategyStandardImpl" in value
        return None
    import yaml

    try:
        docs = list(yaml.safe_load_all(text_))
    except yaml.YAMLError:
        return None
    found: list[bool] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and any(k in key for k in keys) and isinstance(value, str):
                    found.append("PhysicalNamingStrategyStandardImpl" in value)
                walk(value)

    for doc in docs:
        walk(doc)
    return found[0] if found else None


# --- the reader ---------------------------------------------------------------------------------
def _wants(path: str) -> bool:
    if is_vendored(path) or is_generated_or_fixture(path) or is_test_path(path):
        return False
    ext = suffix(path)
    if ext in (".java", ".kt"):
        return True
    name = path.rsplit("/", 1)[-1]
    return name.startswith("application") and ext in (".properties", ".yml", ".yaml")


def parse(path: str, text_: str) -> FileFacts | None:
    from phasegate.app.analyzers.treesitter import parse as ts_parse

    ext = suffix(path)
    if ext not in (".java", ".kt"):
        naming = _naming_from_properties(path, text_)
        return None if naming is None else FileFacts(standard_naming=naming)
    if "@Entity" not in text_ and "@MappedSuperclass" not in text_ and "@Embeddable" not in text_:
        if "enum " not in text_:
            return None
    out = FileFacts()
    tree = ts_parse("kotlin" if ext == ".kt" else "java", text_)
    (_kotlin_classes if ext == ".kt" else _java_classes)(tree.root_node, path, out)
    out.classes = [c for c in out.classes if c.annotations.keys() & {"Entity", "MappedSuperclass", "Embeddable"}]
    return out if out.classes or out.enums else None


class _Builder:
    def __init__(self, parsed: dict[str, FileFacts]) -> None:
        self.classes: dict[str, ClassFacts] = {}
        self.enums: set[str] = set()
        self.standard = False
        for _path, facts in sorted(parsed.items()):
            if facts.standard_naming is not None:
                self.standard = facts.standard_naming
            self.enums.update(facts.enums)
            for cls in facts.classes:
                self.classes.setdefault(cls.name, cls)
        self.warnings: list[SourceWarning] = []
        self.tables: dict[str, Table] = {}
        self.pending_columns: list[tuple[str, Column, ForeignKey | None]] = []

    def name(self, logical: str) -> str:
        if self.standard:
            return logical.strip("`\"")
        return physical(logical)

    def kind(self, cls: ClassFacts) -> str:
        for kind in ("Entity", "MappedSuperclass", "Embeddable"):
            if kind in cls.annotations:
                return kind
        return ""

    def entity_name(self, cls: ClassFacts) -> str:
        explicit = cls.annotations.get("Entity", {}).get("name") or cls.annotations.get("Entity", {}).get("value")
        return explicit if isinstance(explicit, str) and explicit else cls.name

    def root_entity(self, cls: ClassFacts) -> ClassFacts:
        """The top entity of a single-table hierarchy (itself when it has its own table or no entity parent)."""
        seen = {cls.name}
        current = cls
        while True:
            parent = next((self.classes[s] for s in current.supers if s in self.classes), None)
            if parent is None or self.kind(parent) != "Entity" or parent.name in seen:
                return current
            strategy = str(parent.annotations.get("Inheritance", {}).get("strategy", "SINGLE_TABLE"))
            if "SINGLE_TABLE" not in strategy or "Table" in current.annotations:
                return current
            seen.add(parent.name)
            current = parent

    def table_name(self, cls: ClassFacts) -> str:
        table = cls.annotations.get("Table", {})
        explicit = table.get("name") or table.get("value")
        if isinstance(explicit, str) and explicit:
            return self.name(explicit)
        return self.name(self.entity_name(cls))

    def fields_of(self, cls: ClassFacts) -> list[tuple[ClassFacts, FieldFacts]]:
        """The fields of a class and of its mapped superclasses, parents first."""
        chain: list[ClassFacts] = []
        current: ClassFacts | None = cls
        seen: set[str] = set()
        while current is not None and current.name not in seen:
            seen.add(current.name)
            chain.append(current)
            current = next((self.classes[s] for s in current.supers if s in self.classes
                            and self.kind(self.classes[s]) == "MappedSuperclass"), None)
        return [(c, f) for c in reversed(chain) for f in c.fields]

    def id_columns(self, cls: ClassFacts) -> list[tuple[str, str]]:
        """(column name, type) of an entity's key, for foreign keys pointing at it."""
        root = self.root_entity(cls)
        out = []
        for _owner, fld in self.fields_of(root):
            if "Id" in fld.annotations or "EmbeddedId" in fld.annotations:
                out.append((self.column_name(fld), self.sql_type(fld)))
        return out or [("id", "BIGINT")]

    def column_name(self, fld: FieldFacts, prefix: str = "") -> str:
        explicit = fld.annotations.get("Column", {}).get("name")
        if isinstance(explicit, str) and explicit:
            return self.name(explicit)
        return self.name(prefix + fld.name)

    def sql_type(self, fld: FieldFacts) -> str:
        column = fld.annotations.get("Column", {})
        if isinstance(column.get("columnDefinition"), str) and column["columnDefinition"]:
            return column["columnDefinition"].upper()
        if fld.type in self.enums or "Enumerated" in fld.annotations:
            enumerated = fld.annotations.get("Enumerated", {}).get("value", "ORDINAL")
            return "VARCHAR(255)" if "STRING" in str(enumerated) else "SMALLINT"
        base = SQL_TYPES.get(fld.type, fld.type.upper() or "UNKNOWN")
        if "Lob" in fld.annotations:
            return "CLOB" if base == "VARCHAR" else "BLOB"
        if base == "VARCHAR":
            length = column.get("length", 255)
            return f"VARCHAR({length})"
        if base == "DECIMAL" and ("precision" in column or "scale" in column):
            return f"DECIMAL({column.get('precision', 38)},{column.get('scale', 2)})"
        return base

    def nullable(self, fld: FieldFacts) -> bool:
        column = fld.annotations.get("Column", {}) or fld.annotations.get("JoinColumn", {})
        if column.get("nullable") is False:
            return False
        if fld.annotations.keys() & {"Id", "NotNull"}:
            return False
        for rel in ("ManyToOne", "OneToOne"):
            if fld.annotations.get(rel, {}).get("optional") is False:
                return False
        if fld.type in PRIMITIVES and "[]" not in fld.type:
            return False
        if fld.nullable_type is False and fld.type in KOTLIN_VALUE_TYPES:
            return False  # a Kotlin non-null ``Int`` is a Java ``int``
        return True

    def table_for(self, cls: ClassFacts) -> Table:
        root = self.root_entity(cls)
        name = self.table_name(root)
        table = self.tables.get(name.lower())
        if table is None:
            table = Table(name=name, source=root.path, origin="models")
            self.tables[name.lower()] = table
            self.table_args(root, table)
        return table

    def table_args(self, cls: ClassFacts, table: Table) -> None:
        args = cls.annotations.get("Table", {})
        for ix in _as_list(args.get("indexes")):
            if isinstance(ix, dict):
                cols = [self.name(c.strip().split()[0]) for c in str(ix.get("columnList", "")).split(",") if c.strip()]
                table.indexes.append(Index(name=ix.get("name") or None, columns=cols, unique=ix.get("unique") is True))
        for uc in _as_list(args.get("uniqueConstraints")):
            if isinstance(uc, dict):
                cols = [self.name(c) for c in _as_list(uc.get("columnNames")) if isinstance(c, str)]
                table.indexes.append(Index(name=uc.get("name") or None, columns=cols, unique=True))

    def add_column(self, table: Table, column: Column) -> None:
        existing = table.column(column.name)
        if existing is None:
            table.columns.append(column)
        elif column.primary_key and not existing.primary_key:
            existing.primary_key, existing.nullable = True, False

    def build(self) -> SchemaPart:
        sources: set[str] = set()
        for cls in self.classes.values():
            if self.kind(cls) != "Entity":
                continue
            sources.add(cls.path)
            table = self.table_for(cls)
            for owner, fld in self.fields_of(cls):
                if not fld.skipped and "Transient" not in fld.annotations:
                    self.field(cls, owner, table, fld)
        for target_name, column, fk in self.pending_columns:
            table = self.tables.get(target_name.lower())
            if table is None:
                continue
            self.add_column(table, column)
            if fk is not None:
                table.foreign_keys.append(fk)
        return SchemaPart(reader="jpa", origin="models", tables=list(self.tables.values()),
                          warnings=self.warnings, sources=sorted(sources))

    def field(self, cls: ClassFacts, owner: ClassFacts, table: Table, fld: FieldFacts, prefix: str = "") -> None:
        ann = fld.annotations
        relation = next((r for r in RELATIONS if r in ann), None)
        if relation is not None:
            self.relation(cls, table, fld, relation)
            return
        if "ElementCollection" in ann:
            self.element_collection(cls, table, fld)
            return
        embedded = self.classes.get(fld.type)
        if "Embedded" in ann or "EmbeddedId" in ann or (embedded is not None and self.kind(embedded) == "Embeddable"):
            if embedded is None:
                self.warnings.append(SourceWarning(path=owner.path, line=fld.line,
                                                   reason=f"embedded type {fld.type} of {cls.name}.{fld.name} not found"))
                return
            for _inner_owner, inner in self.fields_of(embedded):
                if not inner.skipped and "Transient" not in inner.annotations:
                    if "EmbeddedId" in ann:
                        inner = FieldFacts(**{**inner.__dict__, "annotations": {**inner.annotations, "Id": {}}})
                    self.field(cls, embedded, table, inner, prefix)
            return
        if fld.type in COLLECTIONS:
            self.warnings.append(SourceWarning(path=owner.path, line=fld.line,
                                               reason=f"{cls.name}.{fld.name}: a collection without a JPA relation"))
            return
        column = ann.get("Column", {})
        col = Column(name=self.column_name(fld, prefix), type=self.sql_type(fld), nullable=self.nullable(fld),
                     primary_key="Id" in ann, unique=column.get("unique") is True)
        if "GeneratedValue" in ann:
            col.default = "autoincrement"
        self.add_column(table, col)

    def relation(self, cls: ClassFacts, table: Table, fld: FieldFacts, relation: str) -> None:
        ann = fld.annotations
        options = ann[relation]
        target_name = fld.type_args[-1] if fld.type in COLLECTIONS and fld.type_args else fld.type
        target_entity = options.get("targetEntity")
        if isinstance(target_entity, str) and target_entity.endswith(("class", "::class")):
            target_name = target_entity.split(".")[0].split("::")[0]
        target = self.classes.get(target_name)
        if target is None or self.kind(target) != "Entity":
            self.warnings.append(SourceWarning(
                path=cls.path, line=fld.line, reason=f"{cls.name}.{fld.name}: related entity {target_name} not found"))
            return
        if options.get("mappedBy"):
            return  # the other side owns the relation
        target_table = self.table_name(self.root_entity(target))
        target_ids = self.id_columns(target)
        if relation in ("ManyToOne", "OneToOne"):
            join_columns = _as_list(ann.get("JoinColumns", {}).get("value")) or [ann.get("JoinColumn", {})]
            cols: list[str] = []
            for i, join in enumerate(join_columns):
                join = join if isinstance(join, dict) else {}
                ref_col, ref_type = target_ids[min(i, len(target_ids) - 1)]
                name = join.get("name")
                col_name = self.name(name) if isinstance(name, str) and name else self.name(f"{fld.name}_{ref_col}")
                nullable = join.get("nullable") is not False and options.get("optional") is not False \
                    and not ann.keys() & {"NotNull", "Id", "MapsId"}
                self.add_column(table, Column(name=col_name, type=ref_type, nullable=nullable,
                                              unique=join.get("unique") is True or relation == "OneToOne",
                                              primary_key="Id" in ann or "MapsId" in ann))
                cols.append(col_name)
            table.foreign_keys.append(ForeignKey(columns=cols, ref_table=target_table,
                                                 ref_columns=[c for c, _ in target_ids[: len(cols)]]))
        elif relation == "OneToMany":
            join = ann.get("JoinColumn")
            if join is None or "JoinTable" in ann:
                # without mappedBy or a join column, JPA maps it through a join table
                self.join_table(cls, table, fld, target, ann.get("JoinTable", {}))
                return
            ref_col, ref_type = self.id_columns(cls)[0]
            name = join.get("name")
            col_name = self.name(name) if isinstance(name, str) and name else self.name(f"{fld.name}_{ref_col}")
            fk = ForeignKey(columns=[col_name], ref_table=table.name, ref_columns=[ref_col])
            self.pending_columns.append((target_table, Column(name=col_name, type=ref_type,
                                                              nullable=join.get("nullable") is not False), fk))
        else:
            self.join_table(cls, table, fld, target, ann.get("JoinTable", {}))

    def join_table(self, cls: ClassFacts, table: Table, fld: FieldFacts, target: ClassFacts,
                   spec: dict[str, Any]) -> None:
        explicit = spec.get("name")
        name = self.name(explicit) if isinstance(explicit, str) and explicit else self.name(f"{table.name}_{fld.name}")
        if name.lower() in self.tables:
            return
        join = Table(name=name, source=cls.path, origin="models")
        owner_ids = self.id_columns(cls)
        target_ids = self.id_columns(target)
        target_table = self.table_name(self.root_entity(target))
        for ids, specs, default_prefix, ref_table in (
            (owner_ids, spec.get("joinColumns"), self.entity_name(self.root_entity(cls)), table.name),
            (target_ids, spec.get("inverseJoinColumns"), fld.name, target_table),
        ):
            given = [s for s in _as_list(specs) if isinstance(s, dict)]
            cols = []
            for i, (ref_col, ref_type) in enumerate(ids):
                named = given[i].get("name") if i < len(given) else None
                col_name = self.name(named) if isinstance(named, str) and named else self.name(f"{default_prefix}_{ref_col}")
                # Hibernate keys a Set's join table on both columns (a List's may hold duplicates)
                join.columns.append(Column(name=col_name, type=ref_type, nullable=False,
                                           primary_key=fld.type in ("Set", "MutableSet", "SortedSet", "HashSet")))
                cols.append(col_name)
            join.foreign_keys.append(ForeignKey(columns=cols, ref_table=ref_table, ref_columns=[c for c, _ in ids]))
        self.tables[name.lower()] = join

    def element_collection(self, cls: ClassFacts, table: Table, fld: FieldFacts) -> None:
        spec = fld.annotations.get("CollectionTable", {})
        explicit = spec.get("name")
        name = self.name(explicit) if isinstance(explicit, str) and explicit else \
            self.name(f"{self.entity_name(self.root_entity(cls))}_{fld.name}")
        coll = Table(name=name, source=cls.path, origin="models")
        ref_col, ref_type = self.id_columns(cls)[0]
        joins = [s for s in _as_list(spec.get("joinColumns")) if isinstance(s, dict)]
        join_name = joins[0].get("name") if joins else None
        col_name = self.name(join_name) if isinstance(join_name, str) and join_name else \
            self.name(f"{self.entity_name(self.root_entity(cls))}_{ref_col}")
        coll.columns.append(Column(name=col_name, type=ref_type, nullable=False))
        coll.foreign_keys.append(ForeignKey(columns=[col_name], ref_table=table.name, ref_columns=[ref_col]))
        element = fld.type_args[-1] if fld.type_args else "String"
        embeddable = self.classes.get(element)
        if embeddable is not None and self.kind(embeddable) == "Embeddable":
            for _o, inner in self.fields_of(embeddable):
                if not inner.skipped:
                    coll.columns.append(Column(name=self.column_name(inner), type=self.sql_type(inner),
                                               nullable=self.nullable(inner)))
        else:
            element_field = FieldFacts(name=fld.name, type=element, type_args=[], annotations=fld.annotations,
                                       line=fld.line)
            coll.columns.append(Column(name=self.column_name(element_field), type=self.sql_type(element_field)))
        self.tables.setdefault(name.lower(), coll)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def build(parsed: dict[str, FileFacts]) -> SchemaPart:
    return _Builder(parsed).build()


READERS = [Reader(name="jpa", wants=_wants, parse=parse, build=build,
                  suffixes=frozenset({".java", ".kt", ".properties", ".yml", ".yaml"}))]
