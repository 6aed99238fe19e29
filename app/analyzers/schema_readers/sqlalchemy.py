"""SQLAlchemy declarative models (1.x ``Column`` and 2.0 ``Mapped``/``mapped_column``), SQLModel and
Flask-SQLAlchemy, read with ``ast``.

A class is a model when its bases lead (through the project's own classes, across files) to a
declarative root: a ``declarative_base()`` result, a ``DeclarativeBase`` subclass, ``db.Model``
(Flask-SQLAlchemy) or ``SQLModel`` with ``table=True``. Its table name is ``__tablename__``; without
one, SQLModel uses the class name lower-cased, Flask-SQLAlchemy the class name in snake case, and a
subclass of a mapped model without a table name of its own shares its parent's table (single-table
inheritance). Columns of mixins, abstract bases and SQLModel's non-table bases are copied into each
model that inherits them. Association tables are ``Table("name", metadata, Column(...)…)`` calls.

Nullability follows SQLAlchemy: a ``Column`` is nullable unless ``nullable=False`` or a primary key; a
``Mapped[X]`` column is NOT NULL unless ``Optional[X]``/``X | None``; an explicit ``nullable=`` wins.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.schema_model import Column, ForeignKey, Index, SchemaPart, Table
from phasegate.app.analyzers.schema_readers._python import (
    annotation_type,
    camel_to_snake,
    dotted,
    is_sa_type,
    kwarg,
    kwbool,
    last,
    literal,
    sa_type,
    source_text,
)


def _has_hints(text: str) -> bool:
    """A cheap test before ``ast.parse``: words every model, table or declarative base file holds.

    ``olumn`` is ``Column``/``mapped_column``, ``eclarative`` is ``declarative_base``/``DeclarativeBase``/
    ``as_declarative``. Plain ``in`` tests (C speed): most Python files of a repository are not models.
    """
    return ("olumn" in text or "__tablename__" in text or "Table(" in text or "table=True" in text
            or "Mapped[" in text or "Field(" in text or "eclarative" in text or "generate_base" in text)


_COLUMN_CALLS = {"Column", "mapped_column"}
_COMPUTED = "?"  # a ForeignKey whose target is computed at run time (a helper's ``"{}.id".format(table)``)
_ROOT_BASES = {"DeclarativeBase", "DeclarativeBaseNoMeta"}


@dataclass
class ColumnFacts:
    attr: str
    column: Column
    fk_target: str | None = None  # "table.column" or "Class.attr": resolved in build
    index: bool = False


@dataclass
class ClassFacts:
    name: str
    path: str
    line: int
    bases: list[str]
    table_kw: bool = False  # SQLModel's ``table=True``
    tablename: str | None = None
    tablename_rule: str | None = None  # "lower", "name" or "snake": a declared_attr we understood
    tablename_dynamic: bool = False
    abstract: bool = False
    columns: list[ColumnFacts] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    constraint_fks: list[tuple[list[str], str]] = field(default_factory=list)  # (columns, "table.col")
    primary_key: list[str] = field(default_factory=list)
    declarative_root: bool = False
    # ``author_id = reference_col("users")``: calls of project functions that may return a column
    helper_calls: list[tuple[str, str, str | None, bool | None]] = field(default_factory=list)


@dataclass
class FileFacts:
    classes: list[ClassFacts] = field(default_factory=list)
    tables: list[tuple[Table, list[tuple[str, str | None]]]] = field(default_factory=list)  # (table, fks)
    roots: set[str] = field(default_factory=set)  # names bound to declarative bases in this file
    # module-level functions returning ``Column(...)``: name -> (its column, the ``nullable`` default)
    helpers: dict[str, tuple[ColumnFacts, bool | None]] = field(default_factory=dict)
    warnings: list[SourceWarning] = field(default_factory=list)


def _wants(path: str) -> bool:
    # migration histories (Alembic ``versions/``, Django ``migrations/``) are their readers' business
    return path.endswith(".py") and "/versions/" not in f"/{path}" and "/migrations/" not in f"/{path}"


def _fk_target(node: ast.AST) -> str | None:
    """The target of ``ForeignKey("users.id")``/``ForeignKey(User.id)`` as text."""
    if isinstance(node, ast.Call) and last(node.func) == "ForeignKey" and node.args:
        value = literal(node.args[0])
        if isinstance(value, str):
            return value
        name = dotted(node.args[0])
        return name or _COMPUTED
    return None


def _column(attr: str, call: ast.Call | None, annotation: ast.AST | None) -> ColumnFacts | None:
    """A column from ``Column(...)``/``mapped_column(...)``/``Field(...)`` and/or a ``Mapped`` annotation."""
    ann_type, optional, is_relation = annotation_type(annotation)
    name = attr
    type_ = ann_type
    fk: str | None = None
    nullable: bool | None = None
    primary = unique = index = False
    default: str | None = None
    if call is not None:
        func = last(call.func)
        if func == "Field":  # SQLModel
            inner = kwarg(call, "sa_column")
            if isinstance(inner, ast.Call) and last(inner.func) == "Column":
                return _column(attr, inner, annotation)
            fk_value = literal(kwarg(call, "foreign_key"))
            fk = fk_value if isinstance(fk_value, str) else None
            length = literal(kwarg(call, "max_length"))
            if type_ == "VARCHAR" and isinstance(length, int):
                type_ = f"VARCHAR({length})"
            sa_type_node = kwarg(call, "sa_type")
            if sa_type_node is not None:
                type_ = sa_type(sa_type_node)
            default_node = kwarg(call, "default")
            if default_node is not None and literal(default_node, "?") is not None:
                default = source_text(default_node)
        else:
            args = list(call.args)
            if args and isinstance(literal(args[0]), str):
                name = literal(args.pop(0))
            for arg in args:
                if is_sa_type(arg):
                    type_ = sa_type(arg)
                elif (target := _fk_target(arg)) is not None:
                    fk = target
            if kwarg(call, "type_") is not None:
                type_ = sa_type(kwarg(call, "type_"))
            kw_name = literal(kwarg(call, "name"))
            if isinstance(kw_name, str):
                name = kw_name
            for key in ("server_default", "default"):
                node = kwarg(call, key)
                if node is not None:
                    default = source_text(node)
                    break
        primary = bool(kwbool(call, "primary_key"))
        unique = bool(kwbool(call, "unique"))
        index = bool(kwbool(call, "index"))
        nullable = kwbool(call, "nullable")
        if func == "Column":
            optional = True  # 1.x rule: nullable unless told
        elif func == "Field" and nullable is None:
            optional = optional or False
    elif is_relation or ann_type is None:
        return None
    if type_ is None:
        if fk is not None:
            type_ = "INTEGER"
        else:
            type_ = "UNKNOWN"
    if nullable is None:
        nullable = optional and not primary
    if primary:
        nullable = False if call is None or kwbool(call, "nullable") is None else nullable
    col = Column(name=name, type=type_, nullable=nullable, default=default, primary_key=primary, unique=unique)
    return ColumnFacts(attr=attr, column=col, fk_target=fk, index=index)


def _is_column_call(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and last(node.func) in _COLUMN_CALLS | {"Field"}


def _table_args(node: ast.AST, facts: ClassFacts) -> None:
    elts: list[ast.AST] = []
    if isinstance(node, (ast.Tuple, ast.List)):
        elts = list(node.elts)
    elif isinstance(node, ast.Call):
        elts = [node]
    for item in elts:
        if not isinstance(item, ast.Call):
            continue
        kind = last(item.func)
        cols = [_colname(a) for a in item.args]
        name = literal(kwarg(item, "name"))
        if kind == "Index":
            ix_name = cols.pop(0) if cols else None
            facts.indexes.append(Index(name=ix_name, columns=[c for c in cols if c], unique=bool(kwbool(item, "unique"))))
        elif kind == "UniqueConstraint":
            facts.indexes.append(Index(name=name if isinstance(name, str) else None,
                                       columns=[c for c in cols if c], unique=True))
        elif kind == "PrimaryKeyConstraint":
            facts.primary_key = [c for c in cols if c]
        elif kind == "ForeignKeyConstraint" and len(item.args) >= 2:
            local = literal(item.args[0]) or []
            remote = literal(item.args[1]) or []
            if local and remote and isinstance(remote[0], str):
                facts.constraint_fks.append((list(local), remote[0]))


def _colname(node: ast.AST) -> str:
    value = literal(node)
    if isinstance(value, str):
        return value
    name = dotted(node)
    return name.rsplit(".", 1)[-1] if name else ""


def _declared_tablename(func: ast.FunctionDef) -> str | None:
    """The rule of a ``@declared_attr def __tablename__(cls)`` we can follow without running it."""
    for stmt in func.body:
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            value = stmt.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "lower":
                if dotted(value.func.value).endswith("__name__"):
                    return "lower"
            if dotted(value).endswith("__name__"):
                return "name"
            if isinstance(value, ast.Call) and last(value.func) in ("camel_to_snake", "camel_to_snake_case",
                                                                     "to_snake_case", "snake_case"):
                return "snake"
    return None


def _class(node: ast.ClassDef, path: str, roots: set[str]) -> ClassFacts:
    facts = ClassFacts(name=node.name, path=path, line=node.lineno, bases=[dotted(b) for b in node.bases])
    facts.table_kw = any(kw.arg == "table" and literal(kw.value) is True for kw in node.keywords)
    facts.declarative_root = any(b.rsplit(".", 1)[-1] in _ROOT_BASES for b in facts.bases) or any(
        last(d) in ("as_declarative",) for d in node.decorator_list)
    for stmt in node.body:
        target: str | None = None
        value: ast.AST | None = None
        annotation: ast.AST | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            target, value, annotation = stmt.target.id, stmt.value, stmt.annotation
        elif isinstance(stmt, ast.FunctionDef) and stmt.name == "__tablename__":
            facts.tablename_rule = _declared_tablename(stmt)
            facts.tablename_dynamic = facts.tablename_rule is None
            continue
        if target is None:
            continue
        if target == "__tablename__":
            name = literal(value)
            if isinstance(name, str):
                facts.tablename = name
            else:
                facts.tablename_dynamic = True
            continue
        if target == "__abstract__":
            facts.abstract = literal(value) is True
            continue
        if target == "__table_args__" and value is not None:
            _table_args(value, facts)
            continue
        if target.startswith("__"):
            continue
        call = value if _is_column_call(value) else None
        if call is None and isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and annotation is None:
            first = literal(value.args[0]) if value.args else None
            facts.helper_calls.append((target, value.func.id, first if isinstance(first, str) else None,
                                       kwbool(value, "nullable")))
            continue
        if call is None and value is not None and annotation is None:
            continue  # a plain class attribute, a relationship(), a hybrid…
        if call is None and value is not None and not isinstance(value, ast.Constant):
            if isinstance(value, ast.Call) and last(value.func) in ("relationship", "synonym", "column_property",
                                                                     "association_proxy", "deferred"):
                continue
        col = _column(target, call if isinstance(call, ast.Call) else None, annotation)
        if col is not None:
            if call is None and annotation is not None and value is not None and isinstance(value, ast.Constant):
                col.column.default = source_text(value)
            facts.columns.append(col)
    return facts


def _table_call(node: ast.Call, path: str) -> tuple[Table, list[tuple[str, str | None]]] | None:
    """``Table("name", metadata, Column(...), …)`` -> a table and its (column, fk target) pairs."""
    if last(node.func) != "Table" or not node.args or not isinstance(literal(node.args[0]), str):
        return None
    table = Table(name=literal(node.args[0]), source=path, origin="models")
    fks: list[tuple[str, str | None]] = []
    for arg in node.args[1:]:
        if isinstance(arg, ast.Call) and last(arg.func) == "Column":
            col = _column("?", arg, None)
            if col is None:
                continue
            table.columns.append(col.column)
            if col.fk_target:
                fks.append((col.column.name, col.fk_target))
            if col.index:
                table.indexes.append(Index(name=f"ix_{table.name}_{col.column.name}", columns=[col.column.name]))
        elif isinstance(arg, ast.Call) and last(arg.func) in ("Index", "UniqueConstraint", "PrimaryKeyConstraint"):
            holder = ClassFacts(name="", path=path, line=0, bases=[])
            _table_args(arg, holder)
            table.indexes += holder.indexes
            for col in table.columns:
                if col.name in holder.primary_key:
                    col.primary_key, col.nullable = True, False
    return table, fks


def _module_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, those under top-level ``if``/``try``/``with`` included (models are declared
    there, not inside functions)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, (ast.If, ast.With)):
            out += _module_statements(stmt.body) + _module_statements(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try):
            out += _module_statements(stmt.body) + _module_statements(stmt.orelse)
            for handler in stmt.handlers:
                out += _module_statements(handler.body)
    return out


def _parse(path: str, text: str) -> FileFacts | None:
    if not _has_hints(text):
        return None
    tree = ast.parse(text)
    for top in tree.body:
        # a Django models module (``models.Model`` looks like Flask's ``db.Model``): django.py reads it
        if isinstance(top, ast.ImportFrom) and (top.module or "").split(".")[0] == "django":
            return None
        if isinstance(top, ast.Import) and any(a.name.split(".")[0] == "django" for a in top.names):
            return None
    facts = FileFacts()
    for node in _module_statements(tree.body):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = last(node.value.func)
            if func in ("declarative_base", "generate_base"):
                facts.roots.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif func == "Table":
                found = _table_call(node.value, path)
                if found is not None:
                    facts.tables.append(found)
        elif isinstance(node, ast.ClassDef):
            facts.classes.append(_class(node, path, facts.roots))
        elif isinstance(node, ast.FunctionDef):
            returned = [s.value for s in node.body if isinstance(s, ast.Return) and isinstance(s.value, ast.Call)]
            if returned and last(returned[0].func) in _COLUMN_CALLS:
                col = _column("?", returned[0], None)
                defaults = dict(zip([a.arg for a in node.args.args][::-1], node.args.defaults[::-1], strict=False))
                nullable = literal(defaults.get("nullable"))
                if col is not None:
                    facts.helpers[node.name] = (col, nullable if isinstance(nullable, bool) else None)
    if not facts.classes and not facts.tables and not facts.roots and not facts.helpers:
        return None
    return facts


# --- build ----------------------------------------------------------------------------------------
class _Resolver:
    def __init__(self, parsed: dict[str, FileFacts]) -> None:
        self.parsed = parsed
        self.by_name: dict[str, list[ClassFacts]] = {}
        # the same by (path, name): a base of the same name in the class's own file wins, and a name many
        # files declare (a ``Base`` per module) made a scan of all of them per lookup quadratic
        self.by_path_name: dict[tuple[str, str], list[ClassFacts]] = {}
        self.roots: set[str] = set()
        for facts in parsed.values():
            self.roots |= facts.roots
            for cls in facts.classes:
                self.by_name.setdefault(cls.name, []).append(cls)
                self.by_path_name.setdefault((cls.path, cls.name), []).append(cls)
        self._kind: dict[int, str] = {}

    def base(self, cls: ClassFacts, name: str) -> ClassFacts | None:
        """The class ``name`` names as a base of ``cls``: one of its own file first, else the first declared."""
        short = name.rsplit(".", 1)[-1]
        for found in (self.by_path_name.get((cls.path, short), ()), self.by_name.get(short, ())):
            for c in found:
                if c is not cls:
                    return c
        return None

    def kind(self, cls: ClassFacts, depth: int = 0) -> str:
        """"root", "model" (maps to a table or inherits one), "sqlmodel-base", "mixin" or "plain"."""
        cached = self._kind.get(id(cls))
        if cached is not None:
            return cached
        self._kind[id(cls)] = "plain"  # cycle guard
        result = "plain"
        if cls.declarative_root or cls.name in self.roots:
            result = "root"
        else:
            for name in cls.bases:
                short = name.rsplit(".", 1)[-1]
                parent = self.base(cls, name) if depth < 30 else None
                parent_kind = self.kind(parent, depth + 1) if parent is not None else None
                if name in self.roots or short in self.roots or parent_kind in ("root", "model"):
                    result = "model"
                elif short == "Model" and "." in name:  # db.Model (Flask-SQLAlchemy)
                    result = "model"
                elif short == "SQLModel" or parent_kind == "sqlmodel-base":
                    result = "model" if cls.table_kw else "sqlmodel-base"
                if result == "model":
                    break
            if result == "plain" and cls.tablename and cls.columns and cls.bases:
                result = "model"  # a ``__tablename__`` with columns: a model whatever its base is called
            if result == "plain" and (cls.columns or cls.tablename_rule) and not cls.bases:
                result = "mixin"
            elif result == "plain" and cls.columns and any(_is_mixin_name(b) for b in cls.bases):
                result = "mixin"
            if result == "model" and cls.abstract:
                result = "root"
        self._kind[id(cls)] = result
        return result

    def flask(self, cls: ClassFacts, depth: int = 0) -> bool:
        for name in cls.bases:
            if name.rsplit(".", 1)[-1] == "Model" and "." in name:
                return True
            parent = self.base(cls, name)
            if parent is not None and depth < 30 and self.flask(parent, depth + 1):
                return True
        return False

    def mapped_parent(self, cls: ClassFacts) -> ClassFacts | None:
        for name in cls.bases:
            parent = self.base(cls, name)
            if parent is not None and self.kind(parent) == "model":
                return parent
        return None

    def inherited(self, cls: ClassFacts, depth: int = 0) -> tuple[list[ColumnFacts], list[Index], str | None]:
        """Columns, indexes and a table-name rule from mixins, abstract and non-table bases."""
        columns: list[ColumnFacts] = []
        indexes: list[Index] = []
        rule: str | None = None
        for name in cls.bases:
            parent = self.base(cls, name)
            if parent is None or depth > 30 or self.kind(parent) == "model":
                continue
            cols, ixs, parent_rule = self.inherited(parent, depth + 1)
            columns += cols + parent.columns
            indexes += ixs + parent.indexes
            rule = rule or parent.tablename_rule or parent_rule
        return columns, indexes, rule


def _is_mixin_name(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("object",) or name.endswith("Mixin")


def _helper_columns(cls: ClassFacts, helpers: dict[str, tuple[ColumnFacts, bool | None]]) -> list[ColumnFacts]:
    """Columns made by project helpers (``reference_col("users")``, the cookiecutter-flask pattern): the
    helper's column named after the attribute; a foreign key to the table its first argument names."""
    out: list[ColumnFacts] = []
    for attr, func, first, nullable in cls.helper_calls:
        helper = helpers.get(func)
        if helper is None:
            continue
        col, default_nullable = helper
        made = col.column.model_copy(update={"name": attr})
        if made.type == "UNKNOWN":
            made.type = "INTEGER"
        null = nullable if nullable is not None else default_nullable
        if null is not None:
            made.nullable = null and not made.primary_key
        target = f"{first}.id" if first is not None and col.fk_target is not None else None
        out.append(ColumnFacts(attr=attr, column=made, fk_target=target, index=col.index))
    return out


# A model class's table by the identity of the facts it is made of (cached parse results): a rebuild
# after one file changed makes new tables only for the classes of that file. Values keep their keys'
# objects alive, so an id is not reused while its entry exists.
_CLASS_TABLES: dict[tuple[object, ...], tuple[object, Table, list[tuple[list[str], str]], object, object]] = {}


def _class_table(cls: ClassFacts, name: str, path: str, columns: list[ColumnFacts], inherited_ix: list[Index],
                 parent_table: str | None) -> tuple[Table, list[tuple[list[str], str]]]:
    """A model's table without its foreign keys, and the (columns, target) of those foreign keys."""
    requests: list[tuple[list[str], str]] = []
    table = Table(name=name, source=path, origin="models")
    seen: dict[str, int] = {}
    for col in columns:
        column = col.column.model_copy()
        if column.name in seen:
            table.columns[seen[column.name]] = column
        else:
            seen[column.name] = len(table.columns)
            table.columns.append(column)
        if col.fk_target:
            requests.append(([column.name], col.fk_target))
        if col.index:
            # SQLAlchemy makes ``index=True, unique=True`` one unique index (as Alembic writes it)
            table.indexes.append(Index(name=f"ix_{name}_{column.name}", columns=[column.name],
                                       unique=column.unique))
            column.unique = False
    for ix in inherited_ix + cls.indexes:
        table.indexes.append(ix.model_copy(deep=True))
    requests += [(cols, target) for cols, target in cls.constraint_fks]
    if cls.primary_key:
        for column in table.columns:
            if column.name in cls.primary_key:
                column.primary_key, column.nullable = True, False
    if parent_table is not None:
        # joined-table inheritance: the child's primary key points at the parent's table
        pk = [c.name for c in table.columns if c.primary_key]
        if pk and not any(cols == pk for cols, _ in requests):
            requests.append((pk, f"{parent_table}.{pk[0]}"))
    table.columns_known = bool(table.columns)
    return table, requests


_FKS: dict[tuple[tuple[str, ...], str, str], ForeignKey] = {}


def _build(parsed: dict[str, FileFacts]) -> SchemaPart:
    resolver = _Resolver(parsed)
    helpers = {name: h for facts in parsed.values() for name, h in facts.helpers.items()}
    warnings: list[SourceWarning] = []
    tables: dict[str, Table] = {}
    class_tables: dict[str, str] = {}  # class name -> table name, for ForeignKey(User.id)
    pending_fks: list[tuple[Table, list[str], str]] = []
    fresh: set[int] = set()  # tables made by this build (the others are shared with _CLASS_TABLES)
    for path in sorted(parsed):
        facts = parsed[path]
        for cls in facts.classes:
            if resolver.kind(cls) != "model":
                continue
            inherited_cols, inherited_ix, rule = resolver.inherited(cls)
            name = cls.tablename
            parent = resolver.mapped_parent(cls)
            rule = cls.tablename_rule or rule
            if name is None and parent is not None and not cls.tablename_dynamic:
                # no table of its own: single-table inheritance, its columns join the parent's table
                parent_table = class_tables.get(parent.name)
                if parent_table is not None and parent_table.lower() in tables:
                    target = tables[parent_table.lower()]
                    if id(target) not in fresh:  # shared with the memo: change a copy
                        old = target
                        target = target.model_copy(update={"columns": list(target.columns)})
                        tables[parent_table.lower()] = target
                        fresh.add(id(target))
                        pending_fks = [(target if t is old else t, c, g) for t, c, g in pending_fks]
                    for col in cls.columns:
                        if target.column(col.column.name) is None:
                            target.columns.append(col.column.model_copy(update={"nullable": True}))
                    class_tables[cls.name] = target.name
                    continue
            if name is None:
                if rule == "lower" or (cls.table_kw and rule is None):
                    name = cls.name.lower()
                elif rule == "name":
                    name = cls.name
                elif rule == "snake" or resolver.flask(cls):
                    name = camel_to_snake(cls.name)
            if name is None:
                warnings.append(SourceWarning(path=path, line=cls.line, reason=(
                    f"model {cls.name}: its table name is computed at run time, not read")))
                continue
            helper_cols = _helper_columns(cls, helpers)
            parent_table_name = class_tables.get(parent.name) if parent is not None else None
            key = (id(cls), name, path, parent_table_name, tuple(map(id, inherited_cols)),
                   tuple(map(id, inherited_ix)), tuple((c.attr, c.column.name, c.fk_target) for c in helper_cols))
            memo = _CLASS_TABLES.get(key)
            if memo is not None and memo[0] is cls:
                table, requests = memo[1], memo[2]
            else:
                table, requests = _class_table(cls, name, path, inherited_cols + cls.columns + helper_cols,
                                               inherited_ix, parent_table_name)
                fresh.add(id(table))
                if len(_CLASS_TABLES) > 100_000:
                    _CLASS_TABLES.clear()
                _CLASS_TABLES[key] = (cls, table, requests, inherited_cols, inherited_ix)
            pending_fks += [(table, cols, target) for cols, target in requests]
            tables[name.lower()] = table
            class_tables[cls.name] = name
        for table, fks in facts.tables:
            copy = table.model_copy(deep=True)
            fresh.add(id(copy))
            tables[copy.name.lower()] = copy
            for column, target in fks:
                if target:
                    pending_fks.append((copy, [column], target))
    resolved: dict[int, list[ForeignKey]] = {}
    for table, cols, target in pending_fks:
        if target == _COMPUTED:
            continue
        ref, _, ref_col = target.rpartition(".")
        if not ref:
            ref, ref_col = ref_col, "id"
        fk_key = (tuple(cols), class_tables.get(ref, ref), ref_col)
        fk = _FKS.get(fk_key)
        if fk is None:  # foreign keys are read-only once built: one object per distinct key
            fk = _FKS[fk_key] = ForeignKey(columns=cols, ref_table=fk_key[1], ref_columns=[ref_col])
            if len(_FKS) > 100_000:
                _FKS.clear()
        found = resolved.setdefault(id(table), [])
        if all(f is not fk for f in found):
            found.append(fk)
    for table_key, table in list(tables.items()):
        fks = resolved.get(id(table), [])
        if id(table) in fresh:
            table.foreign_keys = fks
        elif len(table.foreign_keys) != len(fks) or any(
                a is not b and a != b for a, b in zip(table.foreign_keys, fks, strict=True)):
            # a memoised table resolved differently before: copy, never change it
            tables[table_key] = table.model_copy(update={"foreign_keys": fks})
    for facts in parsed.values():
        warnings += facts.warnings
    return SchemaPart(reader="sqlalchemy", origin="models", tables=list(tables.values()), warnings=warnings,
                      sources=sorted({t.source for t in tables.values() if t.source}))


READERS = [Reader(name="sqlalchemy", wants=_wants, parse=_parse, build=_build,
                  suffixes=frozenset({".py"}),
                  # ``_has_hints``: ``_parse`` gives None for a file without one of them
                  keywords=("olumn", "__tablename__", "Table(", "table=True", "Mapped[", "Field(", "eclarative",
                            "generate_base"))]
