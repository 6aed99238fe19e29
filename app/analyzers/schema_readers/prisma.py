"""Prisma schema files (``*.prisma`` with models or enums, one file or several): the schema itself.

Prisma generates its migrations from this file, so the part is ``authoritative``: the SQL migrations of
the same repository add no tables of their own, they only show as drift where they disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phasegate.app.analyzers.prisma import parse_prisma
from phasegate.app.analyzers.readers import Reader
from phasegate.app.analyzers.schema_model import SchemaPart

_PRISMA_BLOCK_RE = re.compile(r"(?m)^\s*(?:model|enum)\s+\w+\s*\{")


@dataclass(frozen=True)
class PrismaFile:
    text: str
    tables: tuple[str, ...]  # the database names of the tables this file's models declare


def _wants(path: str) -> bool:
    return path.endswith(".prisma")


def _parse(path: str, text: str) -> PrismaFile | None:
    if not _PRISMA_BLOCK_RE.search(text):
        return None
    return PrismaFile(text=text, tables=tuple(t.name for t in parse_prisma(text, path).tables))


def _build(parsed: dict[str, PrismaFile]) -> SchemaPart:
    paths = sorted(parsed)
    # One schema over every file's text: a model's relations may point into another file.
    schema = parse_prisma("\n".join(parsed[p].text for p in paths), paths[0])
    declared_in = {name.lower(): p for p in paths for name in parsed[p].tables}
    for table in schema.tables:
        table.source = declared_in.get(table.name.lower(), paths[0])
        table.origin = "models"
    return SchemaPart(reader="prisma", origin="models", tables=schema.tables, enums=schema.enums,
                      sources=paths, authoritative=True)


READERS = [Reader(name="prisma", wants=_wants, parse=_parse, build=_build,
                  suffixes=frozenset({".prisma"}))]
