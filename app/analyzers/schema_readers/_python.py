"""``ast`` helpers shared by the Python schema readers (SQLAlchemy, Alembic, Django), and type names.

Types are written the way SQL names them (``VARCHAR(100)``, ``INTEGER``, ``TIMESTAMP``) so that a
column read from a model and the same column read from its migration compare equal in the diff.
"""

from __future__ import annotations

import ast
import re
from typing import Any

_MISSING = object()


def dotted(node: ast.AST | None) -> str:
    """``sa.orm.Mapped`` for an attribute chain, ``Column`` for a name, ``""`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def last(node: ast.AST | None) -> str:
    """The last segment of a dotted name (``Column`` for ``sa.Column``), or of a call's function."""
    if isinstance(node, ast.Call):
        node = node.func
    name = dotted(node)
    return name.rsplit(".", 1)[-1] if name else ""


def literal(node: ast.AST | None, default: Any = None) -> Any:
    """A constant's value (strings, numbers, booleans, None, tuples/lists of those), else ``default``."""
    if node is None:
        return default
    if type(node) is ast.Constant:  # what ``literal_eval`` returns for it, without its per-call set-up
        return node.value
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def kwarg(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def kwbool(call: ast.Call, name: str) -> bool | None:
    value = literal(kwarg(call, name), _MISSING)
    return None if value is _MISSING or not isinstance(value, bool) else value


def source_text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return "?"


# --- SQLAlchemy types -----------------------------------------------------------------------------
_SA_TYPES = {
    "Integer": "INTEGER", "INTEGER": "INTEGER", "INT": "INTEGER", "BigInteger": "BIGINT", "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT", "SMALLINT": "SMALLINT", "String": "VARCHAR", "VARCHAR": "VARCHAR",
    "Unicode": "VARCHAR", "NVARCHAR": "NVARCHAR", "CHAR": "CHAR", "Text": "TEXT", "TEXT": "TEXT",
    "UnicodeText": "TEXT", "CLOB": "CLOB", "Boolean": "BOOLEAN", "BOOLEAN": "BOOLEAN", "DateTime": "TIMESTAMP",
    "DATETIME": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP", "Date": "DATE", "DATE": "DATE", "Time": "TIME",
    "TIME": "TIME", "Float": "FLOAT", "FLOAT": "FLOAT", "REAL": "REAL", "Double": "DOUBLE", "DOUBLE": "DOUBLE",
    "DOUBLE_PRECISION": "DOUBLE PRECISION", "Numeric": "NUMERIC", "NUMERIC": "NUMERIC", "DECIMAL": "DECIMAL",
    "JSON": "JSON", "JSONB": "JSONB", "UUID": "UUID", "Uuid": "UUID", "LargeBinary": "BLOB", "BLOB": "BLOB",
    "BYTEA": "BYTEA", "Interval": "INTERVAL", "INTERVAL": "INTERVAL", "Enum": "ENUM", "ARRAY": "ARRAY",
    "INET": "INET", "CIDR": "CIDR", "CITEXT": "CITEXT", "TSVECTOR": "TSVECTOR", "AutoString": "VARCHAR",
    "PickleType": "BLOB", "HSTORE": "HSTORE", "BINARY": "BINARY", "VARBINARY": "VARBINARY", "MONEY": "MONEY",
}
_PY_TYPES = {
    "int": "INTEGER", "str": "VARCHAR", "bool": "BOOLEAN", "float": "FLOAT", "datetime": "TIMESTAMP",
    "date": "DATE", "time": "TIME", "Decimal": "NUMERIC", "bytes": "BLOB", "UUID": "UUID", "dict": "JSON",
    "list": "JSON", "timedelta": "INTERVAL", "EmailStr": "VARCHAR", "HttpUrl": "VARCHAR", "AnyUrl": "VARCHAR",
}


def is_sa_type(node: ast.AST | None) -> bool:
    return last(node) in _SA_TYPES or (isinstance(node, ast.Call) and last(node.func) in _SA_TYPES)


def sa_type(node: ast.AST | None) -> str:
    """``String(100)`` -> ``VARCHAR(100)``, ``sa.DateTime(timezone=True)`` -> ``TIMESTAMP WITH TIME ZONE``."""
    if node is None:
        return "UNKNOWN"
    call = node if isinstance(node, ast.Call) else None
    name = last(call.func if call else node)
    base = _SA_TYPES.get(name, name.upper() or "UNKNOWN")
    if call is None:
        return base
    if base == "ARRAY" and call.args:
        return sa_type(call.args[0]) + "[]"
    if base == "ENUM":
        enum_name = literal(kwarg(call, "name"))
        return str(enum_name) if isinstance(enum_name, str) else "ENUM"
    if base == "TIMESTAMP" and kwbool(call, "timezone"):
        return "TIMESTAMP WITH TIME ZONE"
    params = [literal(a) for a in call.args]
    if not params or not all(isinstance(p, int) and not isinstance(p, bool) for p in params):
        length = literal(kwarg(call, "length"))
        precision, scale = literal(kwarg(call, "precision")), literal(kwarg(call, "scale"))
        params = [p for p in (length, precision, scale) if isinstance(p, int) and not isinstance(p, bool)]
    return base + (f"({','.join(map(str, params))})" if params else "")


def annotation_type(node: ast.AST | None) -> tuple[str | None, bool, bool]:
    """(SQL type, optional, is a relationship) of a ``Mapped[...]``/plain annotation's inner type."""
    if node is None:
        return None, False, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None, False, True
    if isinstance(node, ast.Subscript) and last(node.value) in ("Mapped", "Annotated", "Optional", "Union",
                                                                "List", "list", "Set", "set", "ClassVar"):
        outer = last(node.value)
        inner = node.slice
        if outer == "Mapped":
            return annotation_type(inner)
        if outer == "Annotated":
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return annotation_type(first)
        if outer == "Optional":
            type_, _, rel = annotation_type(inner)
            return type_, True, rel
        if outer == "Union":
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            rest = [e for e in elts if not (isinstance(e, ast.Constant) and e.value is None)]
            type_, _, rel = annotation_type(rest[0]) if rest else (None, False, False)
            return type_, len(rest) < len(elts), rel
        if outer == "ClassVar":
            return None, False, True
        return None, False, True  # a collection: a relationship, not a column
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        rest = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        type_, optional, rel = annotation_type(rest[0]) if rest else (None, False, False)
        return type_, optional or len(rest) < 2, rel
    name = last(node)
    if name in _PY_TYPES:
        return _PY_TYPES[name], False, False
    if name in _SA_TYPES:
        return _SA_TYPES[name], False, False
    return None, False, True  # another class: a relationship (or an enum we cannot see)


def camel_to_snake(name: str) -> str:
    """Flask-SQLAlchemy's default table name of a model class (``UserRole`` -> ``user_role``)."""
    # A class name is an identifier, not code: a regular expression is the documented rule here.
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")


def parse_module(text: str) -> ast.Module:
    return ast.parse(text)
