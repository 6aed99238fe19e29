"""Entity Framework Core: the model (``DbContext`` classes, entity classes, conventions, data annotations and
the fluent API; origin "models") and the migrations' ``Up`` methods (origin "migrations"), read with
tree-sitter-c-sharp.

The model follows EF Core's conventions: a table per ``DbSet<T> Name`` property named after the
property (an entity reached only through navigations is named after its class), ``[Table("x")]`` or
``ToTable("x")`` override it; a column per public read-write property of a scalar type (``[NotMapped]``,
``Ignore`` and expression-bodied properties are not columns), ``[Column("x")]``/``HasColumnName`` rename
it; ``Id`` or ``<Class>Id`` is the key unless ``[Key]``/``HasKey`` say otherwise; ``[Required]``,
``IsRequired`` and non-nullable value types are NOT NULL, as are non-nullable reference types when the
project enables nullable reference types (``<Nullable>enable</Nullable>``); ``[MaxLength]``,
``[StringLength]`` and ``HasMaxLength`` give the length; a reference navigation without a foreign key
property gets EF's shadow column (``<Navigation><PrincipalKey>``), a collection navigation without an
inverse one puts ``<Principal><Key>`` on the dependent's table; ``OwnsOne`` types are flattened into
``<Navigation>_<Property>`` columns. ``IdentityDbContext`` adds ASP.NET Identity's tables by name.

Migrations read ``CreateTable`` (columns, primary and foreign keys), ``AddColumn``, ``DropColumn``,
``AlterColumn``, ``RenameColumn``, ``RenameTable``, ``DropTable``, ``CreateIndex``, ``DropIndex``,
``AddForeignKey``, ``DropForeignKey``, ``AddPrimaryKey`` and ``Sql`` (through the SQL replay), in
migration-id order; anything else is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import (
    is_own_code,
    natural_key,
    suffix,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, Schema, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._jvm_common import NamedConstraints, apply_sql, rename_column

if TYPE_CHECKING:
    from tree_sitter import Node

SCALARS = {
    "int": "INTEGER", "Int32": "INTEGER", "uint": "INTEGER", "long": "BIGINT", "Int64": "BIGINT", "ulong": "BIGINT",
    "short": "SMALLINT", "Int16": "SMALLINT", "ushort": "SMALLINT", "byte": "TINYINT", "Byte": "TINYINT",
    "sbyte": "TINYINT", "bool": "BOOLEAN", "Boolean": "BOOLEAN", "string": "TEXT", "String": "TEXT",
    "char": "CHAR(1)", "decimal": "DECIMAL(18,2)", "Decimal": "DECIMAL(18,2)", "double": "DOUBLE", "Double": "DOUBLE",
    "float": "REAL", "Single": "REAL", "DateTime": "TIMESTAMP", "DateTimeOffset": "TIMESTAMPTZ",
    "DateOnly": "DATE", "TimeOnly": "TIME", "TimeSpan": "INTERVAL", "Guid": "UUID", "byte[]": "BLOB",
    "Uri": "TEXT",
}
VALUE_TYPES = {k for k in SCALARS if k not in ("string", "String", "byte[]", "Uri")}
COLLECTIONS = {"List", "IList", "ICollection", "IEnumerable", "HashSet", "ISet", "IReadOnlyCollection",
               "IReadOnlyList", "Collection", "ObservableCollection", "IReadOnlySet"}
# ASP.NET Core Identity's tables: the framework type each maps, its default name and its columns.
IDENTITY_TABLES: dict[str, tuple[str, list[str]]] = {
    "IdentityRole": ("AspNetRoles", ["Id", "Name", "NormalizedName", "ConcurrencyStamp"]),
    "IdentityUser": ("AspNetUsers", [
        "Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash",
        "SecurityStamp", "ConcurrencyStamp", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled",
        "LockoutEnd", "LockoutEnabled", "AccessFailedCount"]),
    "IdentityRoleClaim": ("AspNetRoleClaims", ["Id", "RoleId", "ClaimType", "ClaimValue"]),
    "IdentityUserClaim": ("AspNetUserClaims", ["Id", "UserId", "ClaimType", "ClaimValue"]),
    "IdentityUserLogin": ("AspNetUserLogins", ["LoginProvider", "ProviderKey", "ProviderDisplayName", "UserId"]),
    "IdentityUserRole": ("AspNetUserRoles", ["UserId", "RoleId"]),
    "IdentityUserToken": ("AspNetUserTokens", ["UserId", "LoginProvider", "Name", "Value"]),
}
IDENTITY_KEYS = {"AspNetUserLogins": ("LoginProvider", "ProviderKey"), "AspNetUserRoles": ("UserId", "RoleId"),
                 "AspNetUserTokens": ("UserId", "LoginProvider", "Name")}
IDENTITY_TYPES = {"EmailConfirmed": "BOOLEAN", "PhoneNumberConfirmed": "BOOLEAN", "TwoFactorEnabled": "BOOLEAN",
                  "LockoutEnabled": "BOOLEAN", "AccessFailedCount": "INTEGER", "LockoutEnd": "TIMESTAMPTZ"}


def _identity_columns(default: str, names: list[str]) -> list[Column]:
    """Identity's columns with their keys and NOT NULLs (its claim tables have integer keys)."""
    keys = IDENTITY_KEYS.get(default, ("Id",))
    out = []
    for name in names:
        sql_type = IDENTITY_TYPES.get(name, "INTEGER" if name == "Id" and "Claims" in default else "TEXT")
        required = name in keys or name in ("UserId", "RoleId") or (sql_type in ("BOOLEAN", "INTEGER"))
        out.append(Column(name=name, type=sql_type, nullable=not required, primary_key=name in keys))
    return out


@dataclass
class Prop:
    name: str
    type: str
    type_args: list[str]
    nullable: bool  # written ``T?``
    attributes: dict[str, list[Any]]
    line: int
    mapped: bool = True  # False: expression-bodied, get-only, static
    public: bool = True  # public and not static: a read-only collection can still be a navigation


@dataclass
class CsClass:
    name: str
    bases: list[tuple[str, list[str]]]
    attributes: dict[str, list[Any]]
    props: list[Prop]
    line: int
    path: str = ""
    type_params: list[str] = field(default_factory=list)  # ``class BaseEntity<TKey>`` → ["TKey"]


@dataclass
class Call:
    method: str
    type_args: list[str]
    args: list[Any]  # literals, member lists of lambdas (``["Id"]``), nested chains of a block lambda
    kwargs: dict[str, Any]
    line: int


@dataclass
class Fluent:
    entity: str
    calls: list[Call]
    line: int


@dataclass
class MigrationOp:
    method: str
    type_args: list[str]
    kwargs: dict[str, Any]
    args: list[Any]
    line: int
    columns: list[tuple[str, Call]] = field(default_factory=list)  # CreateTable's ``columns: table => new {…}``
    constraints: list[Call] = field(default_factory=list)


@dataclass
class CsFile:
    classes: list[CsClass] = field(default_factory=list)
    enums: list[str] = field(default_factory=list)
    contexts: list[tuple[str, list[tuple[str, str]], bool]] = field(default_factory=list)  # name, dbsets, identity
    fluent: list[Fluent] = field(default_factory=list)
    migrations: list[tuple[str, list[MigrationOp]]] = field(default_factory=list)
    nullable_enabled: bool | None = None
    warnings: list[SourceWarning] = field(default_factory=list)


# --- values -------------------------------------------------------------------------------------
def _members(node: Node) -> list[str]:
    """``x => x.Id`` → ["Id"]; ``x => new { x.A, x.B }`` → ["A", "B"]."""
    from phasegate.app.analyzers.treesitter import text

    if node.type == "member_access_expression":
        return [text(node.child_by_field_name("name"))]
    if node.type == "anonymous_object_creation_expression":
        return [m for c in node.named_children for m in _members(c)]
    if node.type == "cast_expression":
        return _members(node.named_children[-1])
    return []


def _value(node: Node, bound: dict[str, str] | None = None) -> Any:
    from phasegate.app.analyzers.treesitter import text

    kind = node.type
    if kind == "string_literal":
        return "".join(text(c) for c in node.named_children if c.type in ("string_literal_content", "escape_sequence"))
    if kind == "verbatim_string_literal":
        return text(node)[2:-1].replace('""', '"')
    if kind == "raw_string_literal":
        return "".join(text(c) for c in node.named_children if c.type == "raw_string_content") or text(node).strip('"')
    if kind == "integer_literal":
        try:
            return int(text(node).rstrip("uUlL"), 0)
        except ValueError:
            return text(node)
    if kind == "boolean_literal":
        return text(node) == "true"
    if kind == "null_literal":
        return None
    if kind == "lambda_expression":
        body = node.child_by_field_name("body")
        if body is not None and body.type == "block":
            params = node.child_by_field_name("parameters")
            name = text(params).strip("()").split(",")[0].strip().split()[-1] if params is not None else ""
            return {"~block": name, "chains": _block_chains(body, name)}
        return {"~members": _members(body) if body is not None else []}
    if kind in ("array_creation_expression", "implicit_array_creation_expression", "collection_expression"):
        init = next((c for c in node.named_children if c.type == "initializer_expression"), node)
        return [_value(c) for c in init.named_children if c.type not in ("array_type", "comment")]
    if kind == "typeof_expression":
        return {"~type": text(node.named_children[-1]).rsplit(".", 1)[-1]}
    if kind == "member_access_expression":
        return {"~": text(node)}
    if kind == "prefix_unary_expression" and text(node).startswith("-"):
        inner = _value(node.named_children[-1])
        return -inner if isinstance(inner, int) else text(node)
    return {"~": text(node)}


def _call(node: Node) -> tuple[Node | None, Call] | None:
    """One invocation: (its receiver, the call)."""
    from phasegate.app.analyzers.treesitter import line, text

    function = node.child_by_field_name("function")
    if function is None or function.type != "member_access_expression":
        return None
    name = function.child_by_field_name("name")
    type_args: list[str] = []
    method = text(name)
    if name is not None and name.type == "generic_name":
        method = text(name.named_children[0])
        targs = next((c for c in name.named_children if c.type == "type_argument_list"), None)
        type_args = [text(t).rsplit(".", 1)[-1] for t in targs.named_children] if targs is not None else []
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    arglist = node.child_by_field_name("arguments")
    for arg in arglist.named_children if arglist is not None else []:
        if arg.type != "argument":
            continue
        named = arg.child_by_field_name("name")
        expr = [c for c in arg.named_children if c is not named and c.type != "comment"]
        if not expr:
            continue
        value = _value(expr[-1])
        if named is not None:
            kwargs[text(named)] = value
        else:
            args.append(value)
    return function.child_by_field_name("expression"), Call(method=method, type_args=type_args, args=args,
                                                           kwargs=kwargs, line=line(node))


def _chain(node: Node) -> tuple[str, list[Call]]:
    """``b.Property(x => x.Name).IsRequired()`` → ("b", [Property, IsRequired])."""
    from phasegate.app.analyzers.treesitter import text

    calls: list[Call] = []
    current: Node | None = node
    while current is not None and current.type == "invocation_expression":
        found = _call(current)
        if found is None:
            break
        current, call = found
        calls.append(call)
    calls.reverse()
    return (text(current) if current is not None else ""), calls


def _block_chains(block: Node, var: str) -> list[list[Call]]:
    out = []
    for stmt in block.named_children:
        if stmt.type == "expression_statement" and stmt.named_children:
            expr = stmt.named_children[0]
            if expr.type == "invocation_expression":
                receiver, calls = _chain(expr)
                if receiver == var and calls:
                    out.append(calls)
    return out


# --- parse --------------------------------------------------------------------------------------
def _attributes(node: Node) -> dict[str, list[Any]]:
    from phasegate.app.analyzers.treesitter import text

    out: dict[str, list[Any]] = {}
    for attr_list in (c for c in node.named_children if c.type == "attribute_list"):
        for attr in (c for c in attr_list.named_children if c.type == "attribute"):
            name = text(attr.child_by_field_name("name")).rsplit(".", 1)[-1].removesuffix("Attribute")
            args = []
            arglist = next((c for c in attr.named_children if c.type == "attribute_argument_list"), None)
            for arg in arglist.named_children if arglist is not None else []:
                expr = [c for c in arg.named_children if c.type not in ("identifier", "name_equals", "name_colon")] \
                    or arg.named_children
                if expr:
                    args.append(_value(expr[-1]))
            out[name] = args
    return out


def _type(node: Node | None) -> tuple[str, list[str], bool]:
    from phasegate.app.analyzers.treesitter import text

    if node is None:
        return "", [], False
    nullable = node.type == "nullable_type"
    if nullable:
        node = node.child_by_field_name("type") or node.named_children[0]
    if node.type == "generic_name":
        targs = next((c for c in node.named_children if c.type == "type_argument_list"), None)
        args = [text(t).rstrip("?").rsplit(".", 1)[-1] for t in targs.named_children] if targs is not None else []
        return text(node.named_children[0]), args, nullable
    if node.type == "qualified_name":
        return _type(node.named_children[-1])[0], _type(node.named_children[-1])[1], nullable
    if node.type == "array_type":
        return text(node).replace(" ", ""), [], nullable
    return text(node).rsplit(".", 1)[-1], [], nullable


def _class(node: Node, path: str) -> CsClass:
    from phasegate.app.analyzers.treesitter import line, text

    bases: list[tuple[str, list[str]]] = []
    base_list = next((c for c in node.named_children if c.type == "base_list"), None)
    for base in base_list.named_children if base_list is not None else []:
        if base.type == "primary_constructor_base_type":
            base = base.named_children[0]
        name, args, _ = _type(base)
        bases.append((name, args))
    tparams = next((c for c in node.named_children if c.type == "type_parameter_list"), None)
    cls = CsClass(name=text(node.child_by_field_name("name")), bases=bases, attributes=_attributes(node), props=[],
                  line=line(node), path=path,
                  type_params=[text(t).split()[-1] for t in tparams.named_children] if tparams is not None else [])
    body = node.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        if member.type != "property_declaration":
            continue
        modifiers = {text(c) for c in member.named_children if c.type == "modifier"}
        accessors = member.child_by_field_name("accessors")
        accessor_names = [text(a).split("{")[0].split(";")[0].split()[-1] for a in
                          (accessors.named_children if accessors is not None else []) if a.type == "accessor_declaration"]
        has_setter = any(a in ("set", "init") for a in accessor_names)
        type_name, type_args, nullable = _type(member.child_by_field_name("type"))
        cls.props.append(Prop(
            name=text(member.child_by_field_name("name")), type=type_name, type_args=type_args, nullable=nullable,
            attributes=_attributes(member), line=line(member),
            mapped="public" in modifiers and "static" not in modifiers and accessors is not None
            and (has_setter or "abstract" in modifiers),
            public="public" in modifiers and "static" not in modifiers))
    return cls


def _method_body(cls_node: Node, names: tuple[str, ...]) -> list[tuple[Node, list[str]]]:
    from phasegate.app.analyzers.treesitter import text

    out = []
    body = cls_node.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        if member.type == "method_declaration" and text(member.child_by_field_name("name")) in names:
            params = member.child_by_field_name("parameters")
            pnames = [text(p.child_by_field_name("name")) for p in (params.named_children if params else [])
                      if p.type == "parameter"]
            block = member.child_by_field_name("body")
            if block is not None:
                out.append((block, pnames))
    return out


def _statements(block: Node) -> list[Node]:
    """Invocation expressions of a method body, also inside ``if`` blocks."""
    out, stack = [], [block]
    while stack:
        node = stack.pop()
        if node.type == "expression_statement" and node.named_children:
            expr = node.named_children[0]
            if expr.type in ("invocation_expression", "await_expression"):
                out.append(expr if expr.type == "invocation_expression" else expr.named_children[-1])
            continue
        if node.type in ("block", "if_statement", "else_clause"):
            stack.extend(reversed(node.named_children))
    return out


def _fluent(cls_node: Node, cls: CsClass, out: CsFile) -> None:
    """Fluent configuration: ``OnModelCreating`` and ``IEntityTypeConfiguration<T>.Configure``."""
    from phasegate.app.analyzers.treesitter import line

    config_of = next((args[0] for name, args in cls.bases if name == "IEntityTypeConfiguration" and args), None)
    for block, params in _method_body(cls_node, ("OnModelCreating", "Configure")):
        builder = params[0] if params else "modelBuilder"
        for expr in _statements(block):
            receiver, calls = _chain(expr)
            if not calls:
                continue
            if config_of is not None and receiver == builder:
                out.fluent.append(Fluent(entity=config_of, calls=calls, line=line(expr)))
            elif receiver == builder and calls[0].method == "Entity" and calls[0].type_args:
                entity = calls[0].type_args[0]
                rest = calls[1:]
                block_arg = next((a for a in calls[0].args if isinstance(a, dict) and "~block" in a), None)
                if rest:
                    out.fluent.append(Fluent(entity=entity, calls=rest, line=line(expr)))
                for chain in block_arg["chains"] if block_arg else []:
                    out.fluent.append(Fluent(entity=entity, calls=chain, line=line(expr)))
                if not rest and not block_arg:
                    out.fluent.append(Fluent(entity=entity, calls=[], line=line(expr)))


def _migration(cls_node: Node, path: str, out: CsFile) -> None:
    from phasegate.app.analyzers.treesitter import line, text

    ops: list[MigrationOp] = []
    for block, params in _method_body(cls_node, ("Up",)):
        builder = params[0] if params else "migrationBuilder"
        for expr in _statements(block):
            receiver, calls = _chain(expr)
            if receiver != builder or not calls:
                continue
            first = calls[0]
            op = MigrationOp(method=first.method, type_args=first.type_args, kwargs=first.kwargs, args=first.args,
                             line=first.line)
            if first.method == "CreateTable":
                op.columns, op.constraints = _create_table_parts(expr)
            ops.append(op)
    out.migrations.append((text(cls_node.child_by_field_name("name")), ops))
    del line


def _create_table_parts(expr: Node) -> tuple[list[tuple[str, Call]], list[Call]]:
    from phasegate.app.analyzers.treesitter import text

    node: Node | None = expr
    while node is not None and node.type == "invocation_expression":
        found = _call(node)
        if found is None or found[1].method == "CreateTable":
            break
        node = found[0]
    columns: list[tuple[str, Call]] = []
    constraints: list[Call] = []
    arglist = node.child_by_field_name("arguments") if node is not None else None
    for arg in arglist.named_children if arglist is not None else []:
        named = arg.child_by_field_name("name")
        lam = next((c for c in arg.named_children if c.type == "lambda_expression"), None)
        if named is None or lam is None:
            continue
        body = lam.child_by_field_name("body")
        if text(named) == "columns" and body is not None and body.type == "anonymous_object_creation_expression":
            children = list(body.children)
            for i, child in enumerate(children):
                if child.type == "identifier" and i + 2 < len(children) and children[i + 1].type == "=":
                    value = children[i + 2]
                    _recv, calls = _chain(value) if value.type == "invocation_expression" else ("", [])
                    column = next((c for c in calls if c.method == "Column"), None)
                    if column is not None:
                        columns.append((text(child), column))
        elif text(named) == "constraints" and body is not None and body.type == "block":
            params = lam.child_by_field_name("parameters")
            var = text(params).strip("()") if params is not None else "table"
            constraints = [c[0] for c in _block_chains(body, var) if c]
    return columns, constraints


def parse(path: str, source: str) -> CsFile | None:
    from phasegate.app.analyzers.treesitter import parse as ts_parse
    from phasegate.app.analyzers.treesitter import text

    if not path.endswith(".cs"):
        if "<Nullable>" in source:
            value = source.split("<Nullable>", 1)[1].split("<", 1)[0].strip().lower()
            return CsFile(nullable_enabled=value in ("enable", "annotations"))
        return None
    if "{ get;" not in source and "DbContext" not in source and "Migration" not in source \
            and "IEntityTypeConfiguration" not in source and "{get;" not in source and "enum " not in source:
        return None
    root = ts_parse("csharp", source).root_node
    out = CsFile()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "enum_declaration":
            out.enums.append(text(node.child_by_field_name("name")))
            continue
        if node.type in ("class_declaration", "record_declaration"):
            cls = _class(node, path)
            base_names = [b for b, _ in cls.bases]
            if any(b.endswith("DbContext") for b in base_names):
                dbsets = [(p.type_args[0], p.name) for p in cls.props if p.type == "DbSet" and p.type_args]
                # ``IdentityDbContext<AppUser, AppRole, string>``: the user and role types are entities too
                dbsets += [(arg, arg) for base, args in cls.bases if base.startswith("Identity")
                           for arg in args if arg[:1].isupper() and arg not in SCALARS and "<" not in arg]
                out.contexts.append((cls.name, dbsets, any(b.startswith("Identity") for b in base_names)))
                _fluent(node, cls, out)
            elif "IEntityTypeConfiguration" in base_names:
                _fluent(node, cls, out)
            elif "Migration" in base_names:
                _migration(node, path, out)
            else:
                out.classes.append(cls)
        stack.extend(reversed(node.named_children))
    return out if out.classes or out.contexts or out.fluent or out.migrations or out.enums else None


# --- the model ----------------------------------------------------------------------------------
def _fk_name(nav: str, principal_key: str) -> str:
    """EF Core's shadow foreign key name: the navigation followed by the principal key, not repeated."""
    return principal_key if principal_key.lower().startswith(nav.lower()) else nav + principal_key


class _Model:
    def __init__(self, parsed: dict[str, CsFile]) -> None:
        self.classes: dict[str, CsClass] = {}
        self.enums: set[str] = set()
        self.fluent: list[Fluent] = []
        self.contexts: list[tuple[str, list[tuple[str, str]], bool, str]] = []
        self.nrt = False
        for path, facts in sorted(parsed.items()):
            for cls in facts.classes:
                self.classes.setdefault(cls.name, cls)
            self.enums.update(facts.enums)
            self.fluent.extend(facts.fluent)
            self.contexts.extend((n, d, i, path) for n, d, i in facts.contexts)
            if facts.nullable_enabled:
                self.nrt = True
        self.warnings: list[SourceWarning] = []
        self.joins_done: set[tuple[str, str]] = set()
        self.extra_tables: list[Table] = []  # many-to-many join tables
        self.table_names: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.owned: dict[str, set[str]] = {}  # entity -> owned navigation names
        self.config: dict[str, list[list[Call]]] = {}
        for fl in self.fluent:
            self.config.setdefault(fl.entity.split("<")[0], []).append(fl.calls)

    def props(self, cls: CsClass) -> list[Prop]:
        """A class's properties and its base classes', with generic parameters bound (``BaseEntity<long?>``)."""
        chain: list[tuple[CsClass, dict[str, str]]] = [(cls, {})]
        seen = {cls.name}
        current: CsClass = cls
        binding: dict[str, str] = {}
        while True:
            base = next(((self.classes[b], args) for b, args in current.bases if b in self.classes and b not in seen),
                        None)
            if base is None:
                break
            parent, args = base
            binding = {param: binding.get(arg, arg) for param, arg in zip(parent.type_params, args, strict=False)}
            chain.append((parent, binding))
            seen.add(parent.name)
            current = parent
        out = []
        for owner, bound in reversed(chain):
            for prop in owner.props:
                if prop.type in bound:
                    prop = Prop(**{**prop.__dict__, "type": bound[prop.type]})
                out.append(prop)
        return out

    def calls(self, entity: str, method: str) -> list[list[Call]]:
        """Chains configuring ``entity`` that start with ``method``."""
        return [chain for chain in self.config.get(entity, []) if chain and chain[0].method == method]

    def build(self) -> SchemaPart:
        entities: list[str] = []
        for _name, dbsets, _identity, path in self.contexts:
            for type_name, set_name in dbsets:
                if type_name == set_name and type_name not in self.classes:
                    continue  # a framework type argument of IdentityDbContext (IdentityRole): Identity's own table
                if type_name not in self.table_names:
                    self.table_names[type_name] = set_name
                    self.sources[type_name] = path
                    entities.append(type_name)
        for entity in list(self.config):
            for chain in self.config[entity]:
                for call in chain:
                    if call.method == "OwnsOne" and call.args and isinstance(call.args[0], dict):
                        navs = call.args[0].get("~members", [])
                        self.owned.setdefault(entity, set()).update(navs)
                        owner = self.classes.get(entity)
                        owned_type = next((p.type for p in self.props(owner) if p.name in navs), None) \
                            if owner else None
                        block = next((a for a in call.args[1:] if isinstance(a, dict) and "~block" in a), None)
                        if owned_type and block:  # ``OwnsOne(o => o.Address, a => { a.Property(…)… })``
                            self.config.setdefault(owned_type, []).extend(block["chains"])
            if entity not in self.table_names and entity in self.classes:
                self.table_names[entity] = entity
                entities.append(entity)
        owned_types = set()
        for entity, navs in self.owned.items():
            cls = self.classes.get(entity)
            for owned_prop in self.props(cls) if cls else []:
                if owned_prop.name in navs:
                    owned_types.add(owned_prop.type)
        # entities reached through navigations only
        queue = list(entities)
        while queue:
            cls = self.classes.get(queue.pop())
            for prop in self.props(cls) if cls else []:
                target = prop.type_args[0] if prop.type in COLLECTIONS and prop.type_args else prop.type
                if (target in self.classes and target not in self.table_names and target not in owned_types
                        and "Owned" not in self.classes[target].attributes and target not in self.enums
                        and (prop.mapped or (prop.public and prop.type in COLLECTIONS))
                        and "NotMapped" not in prop.attributes):
                    self.table_names[target] = target
                    entities.append(target)
                    queue.append(target)
        tables: dict[str, Table] = {}
        for entity in entities:
            cls = self.classes.get(entity)
            name = self.table_name(entity)
            if cls is None:
                self.warnings.append(SourceWarning(path=self.sources.get(entity, ""),
                                                   reason=f"entity class {entity} not found; table {name} known by name only"))
                tables[entity] = Table(name=name, source=self.sources.get(entity), origin="models", columns_known=False)
                continue
            tables[entity] = self.table(cls, name)
        self.relations(tables)
        out = list(tables.values()) + self.extra_tables
        for _name, _dbsets, identity, path in self.contexts:
            if identity:
                self.identity_tables(tables, out, path)
        return SchemaPart(reader="efcore", origin="models", tables=out, warnings=self.warnings,
                          sources=sorted({t.source for t in out if t.source}))

    def identity_tables(self, tables: dict[str, Table], out: list[Table], path: str) -> None:
        """Identity's tables: the entity that derives a framework type takes its table and columns;
        ``Entity<IdentityUserClaim<string>>().ToTable("x")`` renames one."""
        for framework, (default, cols) in IDENTITY_TABLES.items():
            subclass = next((e for e, cls in self.classes.items() if e in tables
                             and any(b == framework for b, _ in cls.bases)), None)
            if subclass is not None:
                table = tables[subclass]
                if table.name == subclass:  # no ToTable/[Table]: the framework's name
                    table.name = default
                names = {c.name.lower() for c in table.columns}
                base_cols = [c for c in _identity_columns(default, cols) if c.name.lower() not in names]
                table.columns[:0] = base_cols
                continue
            name = next((chain[0].args[0] for chain in self.calls(framework, "ToTable")
                         if chain[0].args and isinstance(chain[0].args[0], str)), default)
            if not any(t.name == name for t in out):
                out.append(Table(name=name, source=path, origin="models", columns=_identity_columns(default, cols)))

    def table_name(self, entity: str) -> str:
        for chain in self.calls(entity, "ToTable"):
            if chain[0].args and isinstance(chain[0].args[0], str):
                return chain[0].args[0]
        cls = self.classes.get(entity)
        if cls is not None and cls.attributes.get("Table"):
            value = cls.attributes["Table"][0]
            if isinstance(value, str):
                return value
        return self.table_names.get(entity, entity)

    def is_scalar(self, prop: Prop) -> bool:
        return prop.type in SCALARS or prop.type in self.enums or prop.type.endswith("[]") and prop.type == "byte[]"

    def key_names(self, cls: CsClass) -> list[str]:
        for chain in self.calls(cls.name, "HasKey"):
            if chain[0].args and isinstance(chain[0].args[0], dict):
                return list(chain[0].args[0].get("~members", []))
            return [a for a in chain[0].args if isinstance(a, str)]
        props = self.props(cls)
        keyed = [p.name for p in props if "Key" in p.attributes]
        if keyed:
            return keyed
        for candidate in ("Id", f"{cls.name}Id"):
            if any(p.name.lower() == candidate.lower() for p in props):
                return [next(p.name for p in props if p.name.lower() == candidate.lower())]
        return []

    def property_config(self, entity: str, prop: str) -> list[Call]:
        out: list[Call] = []
        for chain in self.calls(entity, "Property"):
            args = chain[0].args
            members = args[0].get("~members", []) if args and isinstance(args[0], dict) else \
                [a for a in args if isinstance(a, str)]
            if prop in members:
                out.extend(chain[1:])
        return out

    def ignored(self, entity: str) -> set[str]:
        out: set[str] = set()
        for chain in self.calls(entity, "Ignore"):
            for arg in chain[0].args:
                out.update(arg.get("~members", []) if isinstance(arg, dict) else [arg] if isinstance(arg, str) else [])
        return out

    def column(self, entity: str, prop: Prop, prefix: str = "") -> Column:
        config = self.property_config(entity, prop.name)
        name = prefix + prop.name
        if prop.attributes.get("Column") and isinstance(prop.attributes["Column"][0], str):
            name = prefix + prop.attributes["Column"][0]
        sql_type = SCALARS.get(prop.type, "INTEGER" if prop.type in self.enums else prop.type.upper())
        length = next((a[0] for k in ("MaxLength", "StringLength") if (a := prop.attributes.get(k))
                       and isinstance(a[0], int)), None)
        nullable = prop.nullable or (prop.type not in VALUE_TYPES and prop.type not in self.enums and not self.nrt)
        if "Required" in prop.attributes:
            nullable = False
        for call in config:
            if call.method == "HasColumnName" and call.args and isinstance(call.args[0], str):
                name = call.args[0]
            elif call.method == "IsRequired":
                nullable = bool(call.args) and call.args[0] is False
            elif call.method == "HasMaxLength" and call.args and isinstance(call.args[0], int):
                length = call.args[0]
            elif call.method == "HasColumnType" and call.args and isinstance(call.args[0], str):
                sql_type = call.args[0].upper()
        if length is not None and sql_type == "TEXT":
            sql_type = f"VARCHAR({length})"
        return Column(name=name, type=sql_type, nullable=nullable)

    def table(self, cls: CsClass, name: str) -> Table:
        table = Table(name=name, source=cls.path, origin="models")
        keys = self.key_names(cls)
        ignored = self.ignored(cls.name)
        owned = self.owned.get(cls.name, set())
        for prop in self.props(cls):
            if not prop.mapped or "NotMapped" in prop.attributes or prop.name in ignored:
                continue
            target = self.classes.get(prop.type)
            if prop.name in owned or (target is not None and "Owned" in target.attributes):
                required_owned = any(
                    chain[0].args and isinstance(chain[0].args[0], dict)
                    and chain[0].args[0].get("~members") == [prop.name]
                    and any(c.method == "IsRequired" and not (c.args and c.args[0] is False) for c in chain[1:])
                    for chain in self.calls(cls.name, "Navigation"))
                for inner in self.props(target) if target else []:
                    if inner.mapped and "NotMapped" not in inner.attributes and self.is_scalar(inner):
                        col = self.column(prop.type, inner, prefix=f"{prop.name}_")
                        # an optional owned type (the default) makes every column it shares nullable
                        col.nullable = col.nullable or not required_owned
                        table.columns.append(col)
                continue
            if not self.is_scalar(prop):
                continue
            col = self.column(cls.name, prop)
            if prop.name in keys:
                col.primary_key, col.nullable = True, False
                if len(keys) == 1 and prop.type in ("int", "long", "Int32", "Int64"):
                    col.default = "autoincrement"
            table.columns.append(col)
        for chain in self.calls(cls.name, "HasIndex"):
            cols = chain[0].args[0].get("~members", []) if chain[0].args and isinstance(chain[0].args[0], dict) \
                else [a for a in chain[0].args if isinstance(a, str)]
            unique = any(c.method == "IsUnique" for c in chain[1:])
            table.indexes.append(Index(name=None, columns=cols, unique=unique))
        for prop in self.props(cls):
            if "Index" in prop.attributes:
                table.indexes.append(Index(columns=[prop.name]))
        return table

    def relations(self, tables: dict[str, Table]) -> None:
        for entity, table in tables.items():
            cls = self.classes.get(entity)
            if cls is None:
                continue
            names = {p.name.lower() for p in self.props(cls)}
            explicit: dict[str, list[str]] = {}
            for chain in self.calls(entity, "HasOne"):
                nav = chain[0].args[0].get("~members", []) if chain[0].args and isinstance(chain[0].args[0], dict) else []
                fk = next((c for c in chain if c.method == "HasForeignKey"), None)
                if nav and fk is not None:
                    explicit[nav[0]] = fk.args[0].get("~members", []) if fk.args and isinstance(fk.args[0], dict) \
                        else [a for a in fk.args if isinstance(a, str)]
            for prop in self.props(cls):
                if "NotMapped" in prop.attributes or prop.name in self.owned.get(entity, set()):
                    continue
                # EF maps a read-only collection (``=> _items.AsReadOnly()``) through its backing field
                if prop.public and prop.type in COLLECTIONS and prop.type_args and prop.type_args[0] in tables:
                    self.collection(cls, table, prop, tables)
                    continue
                if not prop.mapped:
                    continue
                if prop.type not in tables:
                    continue
                target = self.classes.get(prop.type)
                principal = tables[prop.type]
                pk = next((c for c in principal.columns if c.primary_key), None)
                pk_name = pk.name if pk else "Id"
                fk_attr = prop.attributes.get("ForeignKey")
                cols = explicit.get(prop.name) or ([fk_attr[0]] if fk_attr and isinstance(fk_attr[0], str) else [])
                if not cols:
                    for candidate in (f"{prop.name}Id", f"{prop.name}{pk_name}", f"{prop.type}Id", f"{prop.type}{pk_name}"):
                        if candidate.lower() in names:
                            cols = [next(p.name for p in self.props(cls) if p.name.lower() == candidate.lower())]
                            break
                if not cols:
                    shadow = _fk_name(prop.name, pk_name)
                    if table.column(shadow) is None:
                        table.columns.append(Column(name=shadow, type=pk.type if pk else "INTEGER",
                                                    nullable=prop.nullable or not self.nrt))
                    cols = [shadow]
                table.foreign_keys.append(ForeignKey(columns=cols, ref_table=principal.name, ref_columns=[pk_name]))
                del target

    def collection(self, cls: CsClass, table: Table, prop: Prop, tables: dict[str, Table]) -> None:
        """A collection navigation whose dependent has no reference back puts the foreign key on the dependent."""
        dependent_cls = self.classes.get(prop.type_args[0])
        if dependent_cls is None:
            return
        if any(p.type == cls.name for p in self.props(dependent_cls)):
            return  # the dependent's reference navigation owns the foreign key
        inverse = next((p for p in self.props(dependent_cls) if p.type in COLLECTIONS and p.type_args
                        and p.type_args[0] == cls.name), None)
        if inverse is not None:
            self.many_to_many(cls, table, prop, dependent_cls, inverse, tables)
            return
        dependent = tables[prop.type_args[0]]
        pk = next((c for c in table.columns if c.primary_key), None)
        pk_name = pk.name if pk else "Id"
        explicit: list[str] = []
        for chain in self.calls(cls.name, "HasMany"):
            nav = chain[0].args[0].get("~members", []) if chain[0].args and isinstance(chain[0].args[0], dict) else []
            fk = next((c for c in chain if c.method == "HasForeignKey"), None)
            if nav == [prop.name] and fk is not None:
                explicit = fk.args[0].get("~members", []) if fk.args and isinstance(fk.args[0], dict) \
                    else [a for a in fk.args if isinstance(a, str)]
        name = explicit[0] if explicit else _fk_name(cls.name, pk_name)
        if dependent.column(name) is None:
            dependent.columns.append(Column(name=name, type=pk.type if pk else "INTEGER", nullable=True))
        dependent.foreign_keys.append(ForeignKey(columns=[name], ref_table=table.name, ref_columns=[pk_name]))


    def many_to_many(self, left_cls: CsClass, left: Table, nav: Prop, right_cls: CsClass, inverse: Prop,
                     tables: dict[str, Table]) -> None:
        """Two collection navigations to each other: EF's join table (``UsingEntity("Name", …)`` or the two
        entity names), its keys ``<inverse navigation><key>`` and ``<navigation><key>``."""
        if (right_cls.name, inverse.name) in self.joins_done:
            return
        self.joins_done.add((left_cls.name, nav.name))
        right = tables[right_cls.name]
        name = "".join(sorted([left_cls.name, right_cls.name]))
        for owner, nav_name in ((left_cls.name, nav.name), (right_cls.name, inverse.name)):
            for chain in self.calls(owner, "HasMany"):
                members = chain[0].args[0].get("~members", []) if chain[0].args and isinstance(chain[0].args[0], dict) \
                    else []
                using = next((c for c in chain if c.method == "UsingEntity"), None)
                if members == [nav_name] and using is not None:
                    named = next((a for a in using.args if isinstance(a, str)), None)
                    name = named or (using.type_args[0] if using.type_args and "<" not in using.type_args[0] else name)
        join = Table(name=name, source=left_cls.path, origin="models")
        for side_table, side_nav in ((left, inverse), (right, nav)):
            pk = next((c for c in side_table.columns if c.primary_key), None)
            key = pk.name if pk else "Id"
            column = f"{side_nav.name}{key}"
            join.columns.append(Column(name=column, type=pk.type if pk else "INTEGER", nullable=False,
                                       primary_key=True))
            join.foreign_keys.append(ForeignKey(columns=[column], ref_table=side_table.name, ref_columns=[key]))
        if not any(t.name == join.name for t in self.extra_tables):
            self.extra_tables.append(join)


# --- migrations ---------------------------------------------------------------------------------
def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return list(value.get("~members", []))
    return [value] if isinstance(value, str) else []


class _Migrations:
    def __init__(self) -> None:
        self.schema = Schema()
        self.warnings: list[SourceWarning] = []
        self.path = ""
        self.named = NamedConstraints()

    def table(self, op: MigrationOp, key: str = "table") -> Table | None:
        name = op.kwargs.get(key) or (op.args[1] if len(op.args) > 1 and key == "table" else None)
        if not isinstance(name, str):
            self.warnings.append(SourceWarning(path=self.path, line=op.line, reason=f"{op.method}: no table name"))
            return None
        table = self.schema.table(name)
        if table is None:
            table = Table(name=name, source=self.path, origin="migrations", columns_known=False)
            self.schema.tables.append(table)
        return table

    def column(self, name: str, type_args: list[str], kwargs: dict[str, Any]) -> Column:
        sql_type = kwargs.get("type")
        if not isinstance(sql_type, str):
            sql_type = SCALARS.get(type_args[0].rstrip("?"), type_args[0].upper()) if type_args else "UNKNOWN"
        col = Column(name=str(kwargs.get("name") or name), type=sql_type.upper(),
                     nullable=kwargs.get("nullable") is not False)
        default = kwargs.get("defaultValue", kwargs.get("defaultValueSql"))
        if default is not None:
            col.default = default.get("~") if isinstance(default, dict) else str(default)
        return col

    def apply(self, op: MigrationOp) -> None:
        kw, method = op.kwargs, op.method
        if method == "CreateTable":
            name = kw.get("name")
            if not isinstance(name, str):
                self.warnings.append(SourceWarning(path=self.path, line=op.line, reason="CreateTable: no table name"))
                return
            existing = self.schema.table(name)
            if existing is not None:
                self.schema.tables.remove(existing)
            table = Table(name=name, source=self.path, origin="migrations")
            self.schema.tables.append(table)
            for prop, call in op.columns:
                table.columns.append(self.column(prop, call.type_args, call.kwargs))
            for constraint in op.constraints:
                self.constraint(table, constraint, {prop: str(call.kwargs.get("name") or prop)
                                                    for prop, call in op.columns})
        elif method == "AddColumn":
            table = self.table(op)
            if table is not None and isinstance(kw.get("name"), str):
                col = self.column(kw["name"], op.type_args, kw)
                if table.column(col.name) is None:
                    table.columns.append(col)
        elif method == "AlterColumn":
            table = self.table(op)
            old = table.column(str(kw.get("name"))) if table is not None else None
            if old is not None and table is not None:
                new = self.column(old.name, op.type_args, kw)
                new.primary_key = old.primary_key
                table.columns[table.columns.index(old)] = new
        elif method == "DropColumn":
            table = self.table(op)
            name = str(kw.get("name", "")).lower()
            if table is not None:
                table.columns = [c for c in table.columns if c.name.lower() != name]
                table.indexes = [ix for ix in table.indexes if name not in {c.lower() for c in ix.columns}]
                table.foreign_keys = [f for f in table.foreign_keys if name not in {c.lower() for c in f.columns}]
        elif method == "RenameColumn":
            table = self.table(op)
            if table is not None and isinstance(kw.get("name"), str) and isinstance(kw.get("newName"), str):
                rename_column(table, kw["name"], kw["newName"])
        elif method == "RenameTable":
            table = self.table(op, "name")
            if table is not None and isinstance(kw.get("newName"), str):
                table.name = kw["newName"]
        elif method == "DropTable":
            name = str(kw.get("name", "")).lower()
            self.schema.tables = [t for t in self.schema.tables if t.name.lower() != name]
        elif method == "CreateIndex":
            table = self.table(op)
            if table is not None:
                cols = _names(kw.get("columns")) or _names(kw.get("column"))
                table.indexes.append(Index(name=kw.get("name") if isinstance(kw.get("name"), str) else None,
                                           columns=cols, unique=kw.get("unique") is True))
        elif method == "DropIndex":
            table = self.table(op)
            if table is not None:
                table.indexes = [ix for ix in table.indexes if ix.name != kw.get("name")]
        elif method in ("AddForeignKey", "AddPrimaryKey", "AddUniqueConstraint"):
            table = self.table(op)
            if table is not None:
                call = Call(method={"AddForeignKey": "ForeignKey", "AddPrimaryKey": "PrimaryKey",
                                    "AddUniqueConstraint": "UniqueConstraint"}[method],
                            type_args=[], args=[], kwargs=kw, line=op.line)
                self.constraint(table, call, {})
        elif method in ("DropForeignKey", "DropPrimaryKey", "DropUniqueConstraint"):
            table = self.table(op)
            if table is not None and isinstance(kw.get("name"), str):
                self.named.drop(table, kw["name"])
                if method == "DropPrimaryKey":
                    for col in table.columns:
                        col.primary_key = False
        elif method == "Sql":
            sql = op.args[0] if op.args else kw.get("sql")
            if isinstance(sql, str):
                self.warnings.extend(apply_sql(self.schema, sql, None, self.path, "migrations", op.line))
            else:
                self.warnings.append(SourceWarning(path=self.path, line=op.line, reason="Sql: not a literal string"))
        elif method in ("EnsureSchema", "AlterDatabase", "InsertData", "UpdateData", "DeleteData", "CreateSequence",
                        "DropSequence", "AlterSequence", "RestartSequence", "DropSchema", "AlterTable"):
            return
        else:
            self.warnings.append(SourceWarning(path=self.path, line=op.line, reason=f"migrationBuilder.{method} not read"))

    def constraint(self, table: Table, call: Call, prop_names: dict[str, str]) -> None:
        kw = call.kwargs
        positional = call.args

        def cols(value: Any) -> list[str]:
            return [prop_names.get(n, n) for n in _names(value)]

        if call.method == "PrimaryKey":
            names = cols(kw.get("columns") or kw.get("column") or (positional[1] if len(positional) > 1 else None))
            for col in table.columns:
                if col.name in names:
                    col.primary_key, col.nullable = True, False
        elif call.method == "ForeignKey":
            columns = cols(kw.get("columns") or kw.get("column"))
            fk = ForeignKey(columns=columns, ref_table=str(kw.get("principalTable", "?")),
                            ref_columns=_names(kw.get("principalColumns") or kw.get("principalColumn")))
            self.named.add(table, fk, kw["name"] if isinstance(kw.get("name"), str) else None)
        elif call.method == "UniqueConstraint":
            names = cols(kw.get("columns") or kw.get("column") or (positional[1] if len(positional) > 1 else None))
            table.indexes.append(Index(name=kw.get("name") if isinstance(kw.get("name"), str) else
                                       (positional[0] if positional and isinstance(positional[0], str) else None),
                                       columns=names, unique=True))


# --- readers ------------------------------------------------------------------------------------
def _own(path: str) -> bool:
    return is_own_code(path)


def _wants_model(path: str) -> bool:
    if not _own(path):
        return False
    name = path.rsplit("/", 1)[-1]
    if suffix(path) == ".cs":
        return not name.endswith("ModelSnapshot.cs") and "/Migrations/" not in f"/{path}"
    return suffix(path) == ".csproj" or name == "Directory.Build.props"


def _wants_migration(path: str) -> bool:
    return _own(path) and suffix(path) == ".cs" and "/Migrations/" in f"/{path}" \
        and not path.endswith("ModelSnapshot.cs")


def build_model(parsed: dict[str, CsFile]) -> SchemaPart:
    model = _Model(parsed)
    part = model.build()
    for facts in parsed.values():
        part.warnings.extend(facts.warnings)
    return part


def build_migrations(parsed: dict[str, CsFile]) -> SchemaPart:
    replay = _Migrations()
    sources = []
    for path, facts in sorted(parsed.items(), key=lambda item: natural_key(item[0].rsplit("/", 1)[-1])):
        replay.path = path
        replay.warnings.extend(facts.warnings)
        for _name, ops in facts.migrations:
            for op in ops:
                replay.apply(op)
            if ops:
                sources.append(path)
    return SchemaPart(reader="efcore-migrations", origin="migrations", tables=replay.schema.tables,
                      enums=replay.schema.enums, warnings=replay.warnings, sources=sources)


READERS = [
    Reader(name="efcore", wants=_wants_model, parse=parse, build=build_model,
           suffixes=frozenset({".cs", ".csproj", ".props"})),
    Reader(name="efcore-migrations", wants=_wants_migration, parse=parse, build=build_migrations,
           suffixes=frozenset({".cs"})),
]
