"""A small Prisma schema parser: models, fields, enums and their attributes, into our ``Schema``.

Prisma's grammar is line-oriented and regular enough that a hand parser is shorter and faster than a
dependency: blocks (``model``/``enum``/``view``) of one declaration per line, attributes with
balanced parentheses. Relation fields (whose type is another model) are not columns; their
``@relation(fields: […], references: […])`` becomes a foreign key. Names follow ``@map``/``@@map``
so the result describes the database, not the Prisma client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phasegate.app.analyzers.schema_model import Column, EnumType, ForeignKey, Index, Schema, Table

_BLOCK_RE = re.compile(r"^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{", re.M)
_FIELD_RE = re.compile(r"^\s*(\w+)\s+([\w.]+(?:\([^)]*\))?)(\[\])?(\?)?\s*(.*)$")
_SCALARS = {"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"}


@dataclass
class _Attr:
    name: str
    args: str = ""


@dataclass
class _Model:
    name: str
    fields: list[tuple[str, str, bool, bool, list[_Attr]]] = field(default_factory=list)  # name, type, list, opt
    block_attrs: list[_Attr] = field(default_factory=list)


def _strip_comment(line: str) -> str:
    out, quote = [], False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            quote = not quote
        if not quote and line.startswith("//", i):
            break
        out.append(ch)
        i += 1
    return "".join(out).rstrip()


def _attributes(text: str) -> list[_Attr]:
    """``@id @default(now()) @db.VarChar(20)`` -> attributes with their raw argument text."""
    attrs: list[_Attr] = []
    i = 0
    while i < len(text):
        if text[i] != "@":
            i += 1
            continue
        m = re.match(r"@@?[\w.]+", text[i:])
        if not m:
            i += 1
            continue
        name = m.group(0)
        i += len(name)
        args = ""
        if i < len(text) and text[i] == "(":
            depth, start = 0, i
            while i < len(text):
                if text[i] == "(":
                    depth += 1
                elif text[i] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            args = text[start + 1 : i]
            i += 1
        attrs.append(_Attr(name, args.strip()))
    return attrs


def _list_arg(args: str, key: str | None = None) -> list[str]:
    """The names in ``[a, b(sort: Desc)]``: the first bracket list, or the one after ``key:``."""
    if key:
        m = re.search(rf"\b{key}\s*:\s*\[([^\]]*)\]", args)
    else:
        m = re.match(r"\s*(?:fields\s*:\s*)?\[([^\]]*)\]", args)
    if not m:
        return []
    names = (re.match(r"\s*(\w+)", part) for part in m.group(1).split(","))
    return [n.group(1) for n in names if n]


def _str_arg(args: str, key: str | None = None) -> str | None:
    m = re.search(rf"\b{key}\s*:\s*\"([^\"]*)\"", args) if key else re.match(r"\s*\"([^\"]*)\"", args)
    return m.group(1) if m else None


def parse_prisma(text: str, source: str = "schema.prisma") -> Schema:
    """Parse one Prisma schema (or several files' text joined) into tables and enums."""
    models: dict[str, _Model] = {}
    enums: list[EnumType] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _BLOCK_RE.match(lines[i])
        i += 1
        if not m:
            continue
        kind, name = m.groups()
        body: list[str] = []
        inline = lines[i - 1][m.end():]
        if "}" in inline:  # a one-line block: ``enum Role { USER ADMIN }``
            body = inline.split("}")[0].split() if kind == "enum" else [inline.split("}")[0]]
        else:
            while i < len(lines) and not lines[i].strip().startswith("}"):
                body.append(_strip_comment(lines[i]))
                i += 1
            i += 1
        if kind == "enum":
            values = []
            for line in body:
                vm = re.match(r"\s*(\w+)", line)
                if vm and not line.strip().startswith("@@"):
                    values.append(vm.group(1))
            enums.append(EnumType(name=name, values=values))
        elif kind in ("model", "view"):
            model = _Model(name)
            for line in body:
                stripped = line.strip()
                if not stripped:
                    continue
                if stripped.startswith("@@"):
                    model.block_attrs.extend(_attributes(stripped))
                    continue
                fm = _FIELD_RE.match(line)
                if fm:
                    fname, ftype, is_list, opt, rest = fm.groups()
                    model.fields.append((fname, ftype, bool(is_list), bool(opt), _attributes(rest)))
            models[name] = model

    def table_name(model: _Model) -> str:
        for attr in model.block_attrs:
            if attr.name == "@@map":
                return _str_arg(attr.args) or _str_arg(attr.args, "name") or model.name
        return model.name

    def column_name(model: _Model, fname: str) -> str:
        for name, _t, _l, _o, attrs in model.fields:
            if name == fname:
                for attr in attrs:
                    if attr.name == "@map":
                        return _str_arg(attr.args) or _str_arg(attr.args, "name") or fname
        return fname

    enum_names = {e.name for e in enums}
    tables: list[Table] = []
    for model in models.values():
        tname = table_name(model)
        table = Table(name=tname)
        for fname, ftype, is_list, opt, attrs in model.fields:
            base = ftype.split("(")[0]
            if base in models:  # relation field: a foreign key if it owns the fields
                for attr in attrs:
                    if attr.name == "@relation" and "fields" in attr.args:
                        target = models[base]
                        table.foreign_keys.append(ForeignKey(
                            columns=[column_name(model, f) for f in _list_arg(attr.args, "fields")],
                            ref_table=table_name(target),
                            ref_columns=[column_name(target, f) for f in _list_arg(attr.args, "references")],
                        ))
                continue
            if base not in _SCALARS and base not in enum_names and not base.startswith("Unsupported"):
                continue  # composite types (MongoDB) and unknown names are not columns
            col_type = ftype
            default: str | None = None
            primary = unique = False
            for attr in attrs:
                if attr.name.startswith("@db."):
                    col_type = attr.name[4:] + (f"({attr.args})" if attr.args else "")
                elif attr.name == "@default":
                    default = attr.args
                elif attr.name == "@id":
                    primary = True
                elif attr.name == "@unique":
                    unique = True
            table.columns.append(Column(
                name=column_name(model, fname), type=col_type + ("[]" if is_list else ""),
                nullable=opt, default=default, primary_key=primary, unique=unique,
            ))
        for attr in model.block_attrs:
            cols = [column_name(model, f) for f in _list_arg(attr.args)]
            if attr.name == "@@id":
                for col in table.columns:
                    if col.name in cols:
                        col.primary_key = True
            elif attr.name in ("@@unique", "@@index"):
                is_unique = attr.name == "@@unique"
                name = _str_arg(attr.args, "map") or _str_arg(attr.args, "name") or (
                    f"{tname}_{'_'.join(cols)}_{'key' if is_unique else 'idx'}")
                table.indexes.append(Index(name=name, columns=cols, unique=is_unique))
        tables.append(table)
    return Schema(sources=[source], tables=tables, enums=enums)
