"""Django models (``models.py`` or a ``models/`` package) read with ``ast``, named as Django names tables.

- table ``<app_label>_<model name lower-cased>`` unless ``Meta.db_table``; the app label is the app
  folder's name unless an ``AppConfig`` in that folder (``apps.py`` or ``__init__.py``) sets ``label``;
- an implicit ``id`` primary key unless a field is ``primary_key=True`` or the model inherits one;
- a ``ForeignKey``/``OneToOneField`` is the column ``<field>_id`` (or ``db_column``);
- a ``ManyToManyField`` without ``through`` is a join table ``<table>_<field>`` (or its ``db_table``)
  with ``<model>_id`` and ``<target>_id`` (``from_``/``to_`` for a model pointing at itself);
- abstract bases (``Meta.abstract``) lend their fields; a concrete parent makes multi-table
  inheritance: the child's key is ``<parent>_ptr_id`` pointing at the parent's table; proxy models add
  no table. Django's own abstract user classes (``AbstractUser``, ``AbstractBaseUser``,
  ``PermissionsMixin``) are known, so a custom user model has its real columns.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._python import dotted, kwarg, kwbool, last, literal, source_text

_TYPES = {
    "AutoField": "INTEGER", "BigAutoField": "BIGINT", "SmallAutoField": "SMALLINT", "CharField": "VARCHAR",
    "TextField": "TEXT", "IntegerField": "INTEGER", "BigIntegerField": "BIGINT", "SmallIntegerField": "SMALLINT",
    "PositiveIntegerField": "INTEGER", "PositiveBigIntegerField": "BIGINT", "PositiveSmallIntegerField": "SMALLINT",
    "BooleanField": "BOOLEAN", "NullBooleanField": "BOOLEAN", "DateTimeField": "TIMESTAMP", "DateField": "DATE",
    "TimeField": "TIME", "DecimalField": "NUMERIC", "FloatField": "DOUBLE PRECISION", "EmailField": "VARCHAR",
    "SlugField": "VARCHAR", "URLField": "VARCHAR", "UUIDField": "UUID", "JSONField": "JSON", "BinaryField": "BLOB",
    "FileField": "VARCHAR", "ImageField": "VARCHAR", "FilePathField": "VARCHAR", "GenericIPAddressField": "INET",
    "IPAddressField": "INET", "DurationField": "INTERVAL", "ArrayField": "ARRAY", "HStoreField": "HSTORE",
    "CICharField": "CITEXT", "CIEmailField": "CITEXT", "CITextField": "CITEXT",
}
_DEFAULT_LENGTH = {"EmailField": 254, "SlugField": 50, "URLField": 200, "FileField": 100, "ImageField": 100,
                   "FilePathField": 100}
_RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "TreeForeignKey"}


@dataclass
class FieldFacts:
    name: str
    kind: str  # the field class: CharField, ForeignKey…
    column: Column | None  # None for many-to-many
    target: str | None = None  # the related model: "Profile", "profiles.Profile", "self", "AUTH_USER_MODEL"
    through: bool = False
    m2m_table: str | None = None
    index: bool = False
    parent_link: bool = False


@dataclass
class ModelFacts:
    name: str
    path: str
    line: int
    bases: list[str]
    fields: list[FieldFacts] = field(default_factory=list)
    db_table: str | None = None
    abstract: bool = False
    proxy: bool = False
    app_label: str | None = None
    indexes: list[Index] = field(default_factory=list)


@dataclass
class DjangoFile:
    models: list[ModelFacts] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # AppConfig.name's last part -> label


def field_facts(name: str, call: ast.Call) -> FieldFacts | None:
    """A model field's column (Django's rules for names, types and nullability), or None if not a field."""
    kind = last(call.func)
    if kind not in _TYPES and kind not in _RELATIONS:
        return None
    null = bool(kwbool(call, "null"))
    primary = bool(kwbool(call, "primary_key"))
    db_column = literal(kwarg(call, "db_column"))
    default_node = kwarg(call, "default")
    default = source_text(default_node) if default_node is not None else None
    if kind in _RELATIONS:
        target_node = call.args[0] if call.args else kwarg(call, "to")
        target = literal(target_node)
        if not isinstance(target, str):
            target = dotted(target_node).rsplit(".", 1)[-1] or None
        if kind == "ManyToManyField":
            m2m_table = literal(kwarg(call, "db_table"))
            return FieldFacts(name=name, kind=kind, column=None, target=target,
                              through=kwarg(call, "through") is not None,
                              m2m_table=m2m_table if isinstance(m2m_table, str) else None)
        column = Column(name=db_column if isinstance(db_column, str) else f"{name}_id", type="INTEGER",
                        nullable=null and not primary, primary_key=primary,
                        unique=kind == "OneToOneField" or bool(kwbool(call, "unique")), default=default)
        return FieldFacts(name=name, kind=kind, column=column, target=target,
                          index=kwbool(call, "db_index") is not False and not column.unique,
                          parent_link=bool(kwbool(call, "parent_link")))
    type_ = _TYPES[kind]
    if type_ == "VARCHAR":
        length = literal(kwarg(call, "max_length"), _DEFAULT_LENGTH.get(kind))
        type_ = f"VARCHAR({length})" if isinstance(length, int) else type_
    elif type_ == "NUMERIC":
        digits, places = literal(kwarg(call, "max_digits")), literal(kwarg(call, "decimal_places"))
        if isinstance(digits, int) and isinstance(places, int):
            type_ = f"NUMERIC({digits},{places})"
    elif type_ == "ARRAY":
        inner = call.args[0] if call.args else kwarg(call, "base_field")
        inner_facts = field_facts("_", inner) if isinstance(inner, ast.Call) else None
        type_ = (inner_facts.column.type if inner_facts and inner_facts.column else "UNKNOWN") + "[]"
    column = Column(name=db_column if isinstance(db_column, str) else name, type=type_,
                    nullable=null and not primary, primary_key=primary, unique=bool(kwbool(call, "unique")),
                    default=default)
    return FieldFacts(name=name, kind=kind, column=column,
                      index=bool(kwbool(call, "db_index")) and not column.unique and not primary)


def _meta(node: ast.ClassDef, model: ModelFacts) -> None:
    for stmt in node.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        key, value = stmt.targets[0].id, stmt.value
        if key == "db_table":
            table = literal(value)
            model.db_table = table if isinstance(table, str) else None
        elif key == "abstract":
            model.abstract = literal(value) is True
        elif key == "proxy":
            model.proxy = literal(value) is True
        elif key == "app_label":
            label = literal(value)
            model.app_label = label if isinstance(label, str) else None
        elif key == "indexes" and isinstance(value, (ast.List, ast.Tuple)):
            for item in value.elts:
                if isinstance(item, ast.Call) and last(item.func) == "Index":
                    fields = [f.lstrip("-") for f in literal(kwarg(item, "fields"), []) if isinstance(f, str)]
                    name = literal(kwarg(item, "name"))
                    model.indexes.append(Index(name=name if isinstance(name, str) else None, columns=fields))
        elif key == "constraints" and isinstance(value, (ast.List, ast.Tuple)):
            for item in value.elts:
                if isinstance(item, ast.Call) and last(item.func) == "UniqueConstraint":
                    fields = [f for f in literal(kwarg(item, "fields"), []) if isinstance(f, str)]
                    name = literal(kwarg(item, "name"))
                    model.indexes.append(Index(name=name if isinstance(name, str) else None, columns=fields,
                                               unique=True))
        elif key == "unique_together":
            groups = literal(value, [])
            if groups and all(isinstance(g, str) for g in groups):
                groups = [groups]
            for group in groups or []:
                if isinstance(group, (list, tuple)):
                    model.indexes.append(Index(columns=[g for g in group if isinstance(g, str)], unique=True))


def model_facts(node: ast.ClassDef, path: str) -> ModelFacts:
    model = ModelFacts(name=node.name, path=path, line=node.lineno, bases=[dotted(b) for b in node.bases])
    for stmt in node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            _meta(stmt, model)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
                facts = field_facts(targets[0].id, stmt.value)
                if facts is not None:
                    model.fields.append(facts)
    return model


def _wants(path: str) -> bool:
    if not path.endswith(".py") or "/migrations/" in f"/{path}":
        return False
    name = path.rsplit("/", 1)[-1]
    return name in ("models.py", "apps.py", "__init__.py") or "/models/" in f"/{path}"


def _parse(path: str, text: str) -> DjangoFile | None:
    if "models" not in text and "AppConfig" not in text:
        return None
    tree = ast.parse(text)
    if not any((isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "django")
               or (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "django" for a in n.names))
               for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))):
        return None  # not a Django module: a ``Model`` base here is Flask's or another ORM's
    facts = DjangoFile()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [dotted(b) for b in node.bases]
        if any(b.rsplit(".", 1)[-1] == "AppConfig" for b in bases):
            values = {t.id: literal(s.value) for s in node.body if isinstance(s, ast.Assign)
                      for t in s.targets if isinstance(t, ast.Name)}
            name, label = values.get("name"), values.get("label")
            if isinstance(name, str):
                facts.labels[name.rsplit(".", 1)[-1]] = label if isinstance(label, str) else name.rsplit(".", 1)[-1]
        elif bases:
            facts.models.append(model_facts(node, path))
    return facts if facts.models or facts.labels else None


def app_folder(path: str) -> str:
    """The folder of the app a models/migrations file belongs to (``blog`` for ``blog/models/post.py``)."""
    parts = path.split("/")[:-1]
    for marker in ("models", "migrations"):
        if marker in parts:
            parts = parts[: len(parts) - 1 - parts[::-1].index(marker)]
            break
    return "/".join(parts)


# Django's own abstract models: their fields, so a custom user model has its real columns.
def _builtin(name: str, fields: list[tuple[str, str, bool, bool]], m2m: tuple[str, ...] = ()) -> ModelFacts:
    model = ModelFacts(name=name, path="django", line=0, bases=[], abstract=True)
    for fname, type_, null, unique in fields:
        model.fields.append(FieldFacts(name=fname, kind="CharField", column=Column(name=fname, type=type_,
                                                                                    nullable=null, unique=unique)))
    for fname in m2m:
        target = "Group" if fname == "groups" else "Permission"
        model.fields.append(FieldFacts(name=fname, kind="ManyToManyField", column=None, target=f"auth.{target}"))
    return model


_BASE_USER = [("password", "VARCHAR(128)", False, False), ("last_login", "TIMESTAMP", True, False)]
_PERMISSIONS = [("is_superuser", "BOOLEAN", False, False)]
_ABSTRACT_USER = _BASE_USER + _PERMISSIONS + [
    ("username", "VARCHAR(150)", False, True), ("first_name", "VARCHAR(150)", False, False),
    ("last_name", "VARCHAR(150)", False, False), ("email", "VARCHAR(254)", False, False),
    ("is_staff", "BOOLEAN", False, False), ("is_active", "BOOLEAN", False, False),
    ("date_joined", "TIMESTAMP", False, False)]
BUILTINS = {
    "AbstractBaseUser": _builtin("AbstractBaseUser", _BASE_USER),
    "PermissionsMixin": _builtin("PermissionsMixin", _PERMISSIONS, ("groups", "user_permissions")),
    "AbstractUser": _builtin("AbstractUser", _ABSTRACT_USER, ("groups", "user_permissions")),
}
_ROOTS = {"Model"}


class _Models:
    def __init__(self, parsed: dict[str, DjangoFile]) -> None:
        self.labels: dict[str, str] = {}  # app folder -> label
        for path, facts in parsed.items():
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            for short, label in facts.labels.items():
                if folder.rsplit("/", 1)[-1] == short or not self.labels.get(folder):
                    self.labels[folder] = label
        self.models: list[ModelFacts] = [m for f in parsed.values() for m in f.models]
        self.by_name: dict[str, list[ModelFacts]] = {}
        for m in self.models:
            self.by_name.setdefault(m.name, []).append(m)
        self._is_model: dict[int, bool] = {}

    def label(self, model: ModelFacts) -> str:
        """The app label. A models module inside a package of an app that has no ``AppConfig`` of its own
        (``blog/extras/models.py`` imported by ``blog/models.py``) belongs to the nearest enclosing app, as
        Django gives a model the installed app whose module contains it."""
        if model.app_label:
            return model.app_label
        folder = app_folder(model.path)
        probe = folder
        while probe:
            if probe in self.labels:
                return self.labels[probe]
            if "/" not in probe:
                break
            probe = probe.rsplit("/", 1)[0]
        return folder.rsplit("/", 1)[-1] or "app"

    def base(self, model: ModelFacts, name: str) -> ModelFacts | None:
        short = name.rsplit(".", 1)[-1]
        if short in BUILTINS and not self.by_name.get(short):
            return BUILTINS[short]
        found = [m for m in self.by_name.get(short, []) if m is not model]
        same = [m for m in found if m.path == model.path]
        return (same or found)[0] if same or found else None

    def is_model(self, model: ModelFacts, depth: int = 0) -> bool:
        if model.path == "django":
            return True
        cached = self._is_model.get(id(model))
        if cached is not None:
            return cached
        self._is_model[id(model)] = False
        result = False
        for name in model.bases:
            if name in ("models.Model", "Model") or name.endswith(".models.Model"):
                result = True
            else:
                parent = self.base(model, name)
                result = parent is not None and depth < 30 and self.is_model(parent, depth + 1)
            if result:
                break
        self._is_model[id(model)] = result
        return result

    def table_name(self, model: ModelFacts) -> str:
        return model.db_table or f"{self.label(model)}_{model.name.lower()}"

    def concrete_parent(self, model: ModelFacts) -> ModelFacts | None:
        for name in model.bases:
            parent = self.base(model, name)
            if parent is not None and self.is_model(parent) and not parent.abstract:
                return parent
        return None

    def inherited_fields(self, model: ModelFacts, depth: int = 0) -> tuple[list[FieldFacts], list[Index]]:
        fields: list[FieldFacts] = []
        indexes: list[Index] = []
        for name in model.bases:
            parent = self.base(model, name)
            if parent is None or depth > 30 or not parent.abstract:
                continue
            more, ixs = self.inherited_fields(parent, depth + 1)
            fields += more + parent.fields
            indexes += ixs + parent.indexes
        return fields, indexes

    def resolve(self, model: ModelFacts, target: str | None) -> str:
        """The table a relation points at."""
        if target in (None, "self"):
            return self.table_name(model)
        if target.endswith("AUTH_USER_MODEL"):
            users = [m for m in self.models if self.is_model(m) and not m.abstract and any(
                b.rsplit(".", 1)[-1] in ("AbstractUser", "AbstractBaseUser") for b in m.bases)]
            return self.table_name(users[0]) if users else "auth_user"
        label, _, name = target.rpartition(".")
        candidates = [m for m in self.by_name.get(name, []) if self.is_model(m)]
        if label:
            candidates = [m for m in candidates if self.label(m) == label] or candidates
        if candidates:
            return self.table_name(candidates[0])
        return f"{label.lower()}_{name.lower()}" if label else name.lower()

    def target_model_name(self, target: str | None, model: ModelFacts) -> str:
        if target in (None, "self"):
            return model.name.lower()
        if target.endswith("AUTH_USER_MODEL"):
            return "user"
        return target.rpartition(".")[2].lower()


def _build(parsed: dict[str, DjangoFile]) -> SchemaPart:
    db = _Models(parsed)
    tables: list[Table] = []
    warnings: list[SourceWarning] = []
    for model in db.models:
        if not db.is_model(model) or model.abstract or model.proxy:
            continue
        name = db.table_name(model)
        table = Table(name=name, source=model.path, origin="models")
        inherited, inherited_ix = db.inherited_fields(model)
        fields = inherited + model.fields
        parent = db.concrete_parent(model)
        has_pk = any(f.column is not None and f.column.primary_key for f in fields)
        if parent is not None and not any(f.parent_link for f in fields):
            ptr = f"{parent.name.lower()}_ptr_id"
            table.columns.append(Column(name=ptr, type="INTEGER", nullable=False, primary_key=True))
            table.foreign_keys.append(ForeignKey(columns=[ptr], ref_table=db.table_name(parent), ref_columns=["id"]))
        elif not has_pk:
            table.columns.append(Column(name="id", type="INTEGER", nullable=False, primary_key=True))
        by_field: dict[str, str] = {}
        for f in fields:
            if f.column is None:
                if f.kind == "ManyToManyField" and not f.through:
                    tables.append(_join_table(db, model, name, f))
                continue
            col = f.column.model_copy()
            if f.parent_link:
                col.primary_key, col.nullable = True, False
            existing = table.column(col.name)
            if existing is not None:
                table.columns[table.columns.index(existing)] = col
            else:
                table.columns.append(col)
            by_field[f.name] = col.name
            if f.kind in _RELATIONS:
                table.foreign_keys.append(ForeignKey(columns=[col.name], ref_table=db.resolve(model, f.target),
                                                     ref_columns=["id"]))
            if f.index:
                table.indexes.append(Index(name=None, columns=[col.name]))
        for ix in inherited_ix + model.indexes:
            table.indexes.append(Index(name=ix.name, columns=[by_field.get(c, c) for c in ix.columns],
                                       unique=ix.unique))
        tables.append(table)
    return SchemaPart(reader="django", origin="models", tables=tables, warnings=warnings,
                      sources=sorted({t.source for t in tables if t.source}))


def _join_table(db: _Models, model: ModelFacts, table_name: str, f: FieldFacts) -> Table:
    source = model.name.lower()
    target = db.target_model_name(f.target, model)
    if source == target:
        source, target = f"from_{source}", f"to_{target}"
    join = Table(name=f.m2m_table or f"{table_name}_{f.name}", source=model.path, origin="models")
    join.columns = [Column(name="id", type="INTEGER", nullable=False, primary_key=True),
                    Column(name=f"{source}_id", type="INTEGER", nullable=False),
                    Column(name=f"{target}_id", type="INTEGER", nullable=False)]
    join.foreign_keys = [ForeignKey(columns=[f"{source}_id"], ref_table=table_name, ref_columns=["id"]),
                         ForeignKey(columns=[f"{target}_id"], ref_table=db.resolve(model, f.target),
                                    ref_columns=["id"])]
    join.indexes = [Index(columns=[f"{source}_id", f"{target}_id"], unique=True)]
    return join


READERS = [Reader(name="django", wants=_wants, parse=_parse, build=_build,
                  suffixes=frozenset({".py"}), keywords=("models", "AppConfig"))]  # ``_parse``'s first test
